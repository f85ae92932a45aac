//! The ledger's costs on a 100,000-event ledger of a realistic mix (see
//! `support::fill`): open, verify (plain and deep), schema at a point, append; and what
//! readers pay reading the journal instead of the store ("read 100k",
//! "append 100k"). The ledger is
//! built once into cargo's target tmpdir and reused; set
//! `STRATA_BENCH_DIR` to keep it elsewhere. `cargo bench -p strata-ledger`.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use strata_dialect::sqlite::RULES;
use strata_ledger::{Body, Draft, Ledger, Timestamp, SNAPSHOT_EVERY};
use strata_schema::project;

const EVENTS: u64 = 100_000;

fn bench_dir() -> PathBuf {
    std::env::var_os("STRATA_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Open the store to write, once the last handle's flusher has let it go.
fn writer(path: &Path) -> Ledger {
    loop {
        match Ledger::open_to_write(path) {
            Err(strata_ledger::LedgerError::InUse { .. }) => {
                std::thread::sleep(Duration::from_millis(5))
            }
            other => return other.expect("open to write"),
        }
    }
}

fn benches(c: &mut Criterion) {
    let path = support::cached_ledger(&bench_dir(), EVENTS);
    // A ledger built before journals gets its journal here, once.
    let t = Instant::now();
    drop(writer(&path));
    eprintln!("journal brought up to date in {:.1?}", t.elapsed());
    reading(c, &path);

    c.bench_function("open 100k", |b| {
        b.iter(|| Ledger::open(&path).expect("open"))
    });

    let ledger = Ledger::open(&path).expect("open");
    let head = ledger.head_seq();

    let mut g = c.benchmark_group("verify 100k");
    g.sample_size(10).throughput(Throughput::Elements(head));
    g.bench_function("plain", |b| {
        b.iter(|| assert!(ledger.verify(false).expect("verify").is_ok()))
    });
    // Every event re-projected and its fingerprint checked (issue 17: at
    // least 100k events/s; see docs/performance.md for why not).
    g.bench_function("deep", |b| {
        b.iter(|| assert!(ledger.verify(true).expect("verify").is_ok()))
    });
    g.finish();

    let mut g = c.benchmark_group("schema_at 100k");
    let mut rng = support::Rng(7);
    g.bench_function("random point", |b| {
        b.iter(|| ledger.schema_at(1 + rng.next_u64() % head).expect("schema"))
    });
    // The most replays a point can need: just below a snapshot.
    let worst = (head / SNAPSHOT_EVERY) * SNAPSHOT_EVERY - 1;
    g.bench_function("worst point (K-1 replays)", |b| {
        b.iter(|| ledger.schema_at(worst).expect("schema"))
    });
    let snapshot = (head / SNAPSHOT_EVERY) * SNAPSHOT_EVERY;
    g.bench_function("snapshot point (0 replays)", |b| {
        b.iter(|| ledger.schema_at(snapshot).expect("schema"))
    });
    g.finish();
    drop(ledger);

    // Appends go to a copy, so the cached ledger stays as built.
    let scratch = tempfile::tempdir().expect("tempdir");
    let copy = scratch.path().join("ledger");
    copy_dir(&path, &copy);
    let ledger = writer(&copy);
    let mut schema = ledger.schema_at(ledger.head_seq()).expect("schema");
    let mut w = support::workload_after(ledger.head_seq());
    let mut rng = support::Rng(99);
    let mut g = c.benchmark_group("append 100k");
    g.throughput(Throughput::Elements(1));
    let mut one = |b: &mut criterion::Bencher| {
        b.iter_custom(|iters| {
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                let op = w.next_op(&schema, rng.next_u64());
                project(RULES, &mut schema, &op).expect("fits");
                let draft = Draft {
                    at: Some(Timestamp::now()),
                    author: "bench".to_string(),
                    message: "one more".to_string(),
                    body: Body::Change {
                        ops: vec![op],
                        revert_sql: None,
                    },
                };
                let t = Instant::now();
                ledger.append(draft).expect("append");
                took += t.elapsed();
            }
            took
        })
    };
    g.bench_function("one change event, flushed", &mut one);
    ledger.stop_journal();
    g.bench_function(
        "one change event, flushed, store only (no journal)",
        &mut one,
    );
    g.finish();
}

/// The same reads from the store (a handle that holds it) and from the
/// journal (a reader's).
fn reading(c: &mut Criterion, path: &Path) {
    let mut g = c.benchmark_group("read 100k");
    g.sample_size(10);
    g.bench_function("open to read (journal, checked)", |b| {
        b.iter(|| Ledger::open(path).expect("open"))
    });
    g.bench_function("open to write (store, journal checked)", |b| {
        b.iter(|| drop(writer(path)))
    });
    let store = writer(path);
    let journal = Ledger::open(path).expect("open");
    assert!(journal.reads_journal() && !store.reads_journal());
    let head = store.head_seq();
    g.throughput(Throughput::Elements(head));
    for (name, l) in [("store", &store), ("journal", &journal)] {
        g.bench_function(format!("verify ({name})"), |b| {
            b.iter(|| assert!(l.verify(false).expect("verify").is_ok()))
        });
        g.bench_function(format!("every event, newest first ({name})"), |b| {
            b.iter(|| {
                assert_eq!(
                    l.events_newest_first().filter(|e| e.is_ok()).count() as u64,
                    head
                )
            })
        });
    }
    g.throughput(Throughput::Elements(1));
    for (name, l) in [("store", &store), ("journal", &journal)] {
        let mut rng = support::Rng(7);
        g.bench_function(format!("schema_at random point ({name})"), |b| {
            b.iter(|| l.schema_at(1 + rng.next_u64() % head).expect("schema"))
        });
        let mut rng = support::Rng(8);
        g.bench_function(format!("event at random seq ({name})"), |b| {
            b.iter(|| l.event(1 + rng.next_u64() % head).expect("event"))
        });
    }
    g.finish();
}

criterion_group!(ledger, benches);
criterion_main!(ledger);
