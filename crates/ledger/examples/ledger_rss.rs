//! Build a benchmark ledger, or verify one, so that peak memory can be
//! measured from outside:
//!
//! ```text
//! cargo run --release -p strata-ledger --example ledger_rss -- generate /tmp/l100k 100000
//! /usr/bin/time -v target/release/examples/ledger_rss verify /tmp/l100k
//! /usr/bin/time -v target/release/examples/ledger_rss verify-deep /tmp/l100k
//! ```
//!
//! `deep-floor DIR` splits the cost of a deep verify: replay alone, replay
//! with the kept fingerprints, and the floor BLAKE3 sets.

#[path = "../benches/support/mod.rs"]
mod support;

use std::time::Instant;

use strata_ledger::{Ledger, VerifyReport};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: ledger_rss (generate DIR N | build DIR N | compact DIR | snapshot-sizes DIR | schema-at[-store] DIR SEQ [TIMES] | verify DIR | verify-deep DIR | verify-store DIR | sizes DIR | deep-floor DIR)";
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
        "deep-floor" => deep_floor(dir),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}

/// Where the time of `verify --deep` goes, in memory (the events read
/// first): replaying alone, replaying with the fingerprints kept up, and
/// the floor BLAKE3 sets: every fingerprint hashes its whole schema, so an
/// event costs at least the bytes from its first change to the end
/// (`Fingerprints` rehashes from the 16 KiB block that holds it), at the
/// throughput BLAKE3 has here.
fn deep_floor(dir: &str) {
    use strata_dialect::sqlite::RULES;
    use strata_ledger::{Body, Fingerprints, Format, SCHEMA_DOMAIN};
    use strata_schema::{project, Schema};

    let l = Ledger::open(dir).expect("open");
    let bodies: Vec<Body> = l
        .events_from(1)
        .map(|e| e.expect("event").event.body)
        .collect();
    let n = bodies.len() as f64;
    let replay = |schema: &mut Schema, body: &Body| match body {
        Body::Change { ops, .. } | Body::Revert { ops, .. } => {
            for op in ops {
                project(RULES, schema, op).expect("replays");
            }
        }
        Body::Baseline { schema: s } => *schema = s.clone(),
        Body::Tag { .. } => {}
    };
    let per = |t: std::time::Duration| t.as_secs_f64() * 1e6 / n;

    let t = Instant::now();
    let mut schema = Schema::default();
    for body in &bodies {
        replay(&mut schema, body);
    }
    let replay_only = t.elapsed();

    let format = Format::new(strata_ledger::Dialect::Sqlite);
    let t = Instant::now();
    let mut schema = Schema::default();
    let mut f = Fingerprints::new(format, &schema).expect("encode");
    for (seq, body) in bodies.iter().enumerate() {
        f.replay(RULES, &mut schema, seq as u64 + 1, body)
            .expect("replays");
        std::hint::black_box(f.fingerprint(&schema).expect("fingerprint"));
    }
    let kept = t.elapsed();

    // The bytes each fingerprint hashes, and how many from the block of
    // the first change on (not timed).
    const BLOCK: usize = 16 * 1024;
    let mut prefix = Vec::new();
    prefix.extend_from_slice(SCHEMA_DOMAIN);
    prefix.extend_from_slice(&format.version.to_le_bytes());
    prefix.push(6);
    prefix.extend_from_slice(b"sqlite");
    let (mut whole, mut tails) = (0usize, 0usize);
    let mut before: Vec<u8> = Vec::new();
    let mut schema = Schema::default();
    for body in &bodies {
        replay(&mut schema, body);
        let mut now = prefix.clone();
        now.extend(format.encode_schema(&schema).expect("encode"));
        let first = now
            .iter()
            .zip(&before)
            .position(|(a, b)| a != b)
            .unwrap_or(now.len().min(before.len()));
        let from = if first == now.len() && now.len() == before.len() {
            now.len()
        } else {
            first / BLOCK * BLOCK
        };
        whole += now.len();
        tails += now.len() - from.min(now.len());
        before = now;
    }

    let sample = before;
    let times = 2000;
    let t = Instant::now();
    for _ in 0..times {
        std::hint::black_box(blake3::hash(std::hint::black_box(&sample)));
    }
    let rate = (sample.len() * times) as f64 / t.elapsed().as_secs_f64();

    println!(
        "{} events; head schema {} bytes",
        bodies.len(),
        sample.len()
    );
    println!(
        "replay only:                 {:.1} us/event",
        per(replay_only)
    );
    println!(
        "replay + kept fingerprints:  {:.1} us/event ({:.0} events/s)",
        per(kept),
        n / kept.as_secs_f64()
    );
    println!(
        "BLAKE3 here: {:.2} GB/s on the head schema's bytes",
        rate / 1e9
    );
    println!(
        "hashed per event: {:.0} bytes whole, {:.0} bytes from the first changed block",
        whole as f64 / n,
        tails as f64 / n
    );
    println!(
        "BLAKE3 floor: whole schema {:.1} us/event ({:.0} events/s); from the first changed block {:.1} us/event ({:.0} events/s)",
        whole as f64 / rate * 1e6 / n,
        n * rate / whole as f64,
        tails as f64 / rate * 1e6 / n,
        n * rate / tails as f64,
    );
}
