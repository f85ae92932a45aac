//! Build a benchmark ledger, or verify one, so that peak memory can be
//! measured from outside:
//!
//! ```text
//! cargo run --release -p strata-ledger --example ledger_rss -- generate /tmp/l100k 100000
//! /usr/bin/time -v target/release/examples/ledger_rss verify /tmp/l100k
//! /usr/bin/time -v target/release/examples/ledger_rss verify-deep /tmp/l100k
//! ```

#[path = "../benches/support/mod.rs"]
mod support;

use std::time::Instant;

use strata_ledger::{Ledger, VerifyReport};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: ledger_rss (generate DIR N | build DIR N | compact DIR | snapshot-sizes DIR | schema-at[-store] DIR SEQ [TIMES] | verify DIR | verify-deep DIR | verify-store DIR | sizes DIR)";
    let (Some(cmd), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    match cmd.as_str() {
        // The workload in runs of events per transaction: the same ledger as
        // `build`, byte for byte, in a fraction of the time.
        "generate" => {
            let n: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(100_000);
            let l = Ledger::init(dir).expect("init");
            let t = Instant::now();
            support::generate(&l, n, 42, true);
            println!("generated {n} events in {:.2?}", t.elapsed());
        }
        // One event at a time (`append_unflushed`), as a user's appends.
        "build" => {
            let n: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(100_000);
            let l = Ledger::init(dir).expect("init");
            let t = Instant::now();
            support::fill(&l, n, 42);
            let s = l.schema_at(l.head_seq()).expect("schema");
            println!(
                "built {n} events in {:.2?}; head schema: {}",
                t.elapsed(),
                support::describe(&s)
            );
        }
        // verify and verify-deep read the journal, as readers do;
        // verify-store holds and reads the store.
        "verify" | "verify-deep" | "verify-store" => {
            let l = match cmd.as_str() {
                "verify-store" => Ledger::open_to_write(dir),
                _ => Ledger::open(dir),
            }
            .expect("open");
            let t = Instant::now();
            let report = l.verify(cmd == "verify-deep").expect("verify");
            let took = t.elapsed();
            match report {
                VerifyReport::Ok(s) => println!(
                    "{cmd}: {} events in {took:.2?} ({:.0} events/s)",
                    s.events,
                    s.events as f64 / took.as_secs_f64()
                ),
                VerifyReport::Broken(p) => {
                    println!("{cmd}: {p}");
                    std::process::exit(3);
                }
            }
        }
        "simulate" => {
            // The workload's schema over time, without a ledger.
            let n: u64 = dir.parse().unwrap_or(100_000);
            let mut w = support::Workload::new(400, 24);
            let mut rng = support::Rng(42);
            let mut schema = strata_schema::Schema::default();
            for i in 1..=n {
                let op = w.next_op(&schema, rng.next_u64());
                strata_schema::project(strata_dialect::sqlite::RULES, &mut schema, &op)
                    .expect("fits");
                if i == n {
                    let t = Instant::now();
                    for _ in 0..100 {
                        std::hint::black_box(
                            strata_ledger::Format::new(strata_ledger::Dialect::Sqlite)
                                .fingerprint(&schema)
                                .expect("fp"),
                        );
                    }
                    println!("fingerprint (streamed): {:?}", t.elapsed() / 100);
                    let t = Instant::now();
                    for _ in 0..100 {
                        let b = strata_ledger::encode(&schema).expect("encode");
                        std::hint::black_box(
                            strata_ledger::Format::new(strata_ledger::Dialect::Sqlite)
                                .fingerprint_bytes(&b),
                        );
                    }
                    println!("fingerprint (via vec): {:?}", t.elapsed() / 100);
                    let t = Instant::now();
                    for _ in 0..100 {
                        std::hint::black_box(strata_ledger::encode(&schema).expect("encode"));
                    }
                    println!("encode only: {:?}", t.elapsed() / 100);
                }
                if i % (n / 10).max(1) == 0 {
                    let bytes = strata_ledger::encode(&schema).expect("encode").len();
                    println!("{i}: {} ({bytes} bytes)", support::describe(&schema));
                }
            }
        }
        "compact" => {
            // compact DIR: rewrite the store's snapshots in the compact
            // form (a store written before compact snapshots).
            let l = Ledger::open_to_write(dir).expect("open");
            let t = Instant::now();
            let r = l.compact_snapshots().expect("compact");
            println!(
                "compact: {} snapshots rewritten ({} left), {} bytes to {} in {:.2?}",
                r.rewritten,
                r.left,
                r.before,
                r.after,
                t.elapsed()
            );
        }
        "expand" => {
            // expand DIR: the reverse of compact, for comparisons: every
            // snapshot written back as a store before compact snapshots
            // kept it (the schema's bincode in the tree `snapshots`).
            let l = Ledger::open_to_write(dir).expect("open");
            let every = strata_ledger::SNAPSHOT_EVERY;
            let full: Vec<(u64, Vec<u8>)> = (1..=l.head_seq() / every)
                .map(|i| {
                    let s = l.schema_at(i * every).expect("schema");
                    (i * every, strata_ledger::encode(&s).expect("encode"))
                })
                .collect();
            drop(l);
            let db = sled::Config::new()
                .path(std::path::Path::new(dir).join("store"))
                .open()
                .expect("sled");
            let old = db.open_tree("snapshots").expect("tree");
            for (seq, bytes) in &full {
                old.insert(seq.to_be_bytes(), bytes.as_slice())
                    .expect("insert");
            }
            db.open_tree("compact_snapshots")
                .expect("tree")
                .clear()
                .expect("clear");
            db.flush().expect("flush");
            println!("expand: {} snapshots written in full", full.len());
        }
        "snapshot-sizes" => {
            // snapshot-sizes DIR: the stored bytes of the events and of
            // the snapshots, by tree (sled alone).
            let db = sled::Config::new()
                .path(std::path::Path::new(dir).join("store"))
                .open()
                .expect("sled");
            let sum = |tree: &str| -> (usize, usize) {
                let t = db.open_tree(tree).expect("tree");
                let n = t.len();
                let bytes = t.iter().values().map(|v| v.expect("value").len()).sum();
                (n, bytes)
            };
            for tree in ["events", "compact_snapshots", "snapshots"] {
                let (n, bytes) = sum(tree);
                println!("{tree}: {n} values, {bytes} bytes");
            }
        }
        "schema-at" | "schema-at-store" => {
            // schema-at DIR SEQ [TIMES]: time schema_at(SEQ), from the
            // journal (as readers do) or, schema-at-store, from the store.
            let seq: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(0);
            let times: u32 = args.get(4).and_then(|n| n.parse().ok()).unwrap_or(100);
            let l = match cmd.as_str() {
                "schema-at-store" => Ledger::open_to_write(dir),
                _ => Ledger::open(dir),
            }
            .expect("open");
            let t = Instant::now();
            for _ in 0..times {
                std::hint::black_box(l.schema_at(seq).expect("schema"));
            }
            println!("schema_at({seq}): {:.2?}", t.elapsed() / times);
        }
        "append" => {
            // append DIR N: time N more workload events, appended unflushed
            // and flushed once (changes the ledger).
            let n: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(100);
            let l = Ledger::open(dir).expect("open");
            let t = Instant::now();
            support::fill(&l, n, 7);
            println!("append: {:.2?} per event", t.elapsed() / n as u32);
        }
        "raw-scan" => {
            // raw-scan DIR [CACHE_MIB]: sled alone, reading every event's
            // bytes, for comparison with verify's memory.
            let mib: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(64);
            let db = sled::Config::new()
                .path(std::path::Path::new(dir).join("store"))
                .cache_capacity(mib << 20)
                .open()
                .expect("sled");
            let t = Instant::now();
            let mut bytes = 0usize;
            for tree in ["events", "hashes"] {
                for kv in db.open_tree(tree).expect("tree").iter() {
                    bytes += kv.expect("kv").1.len();
                }
            }
            println!("raw-scan: {bytes} bytes in {:.2?}", t.elapsed());
        }
        "sizes" => {
            let l = Ledger::open(dir).expect("open");
            let s = l.schema_at(l.head_seq()).expect("schema");
            let schema_bytes = strata_ledger::encode(&s).expect("encode").len();
            let events: usize = l
                .events_from(1)
                .map(|e| {
                    strata_ledger::encode(&e.expect("event").event)
                        .expect("encode")
                        .len()
                })
                .sum();
            println!(
                "head schema: {} ({} bytes encoded); events: {} bytes in all",
                support::describe(&s),
                schema_bytes,
                events
            );
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}
