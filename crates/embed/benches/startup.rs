//! What a program pays at start-up: loading (and checking) a bundle of
//! 1,000 events, and the start-up apply of a database already at head with
//! 1,000 tables; against the floor of reading the database's position
//! alone (`_strata_state`, one row) on the same file, in the same run.
//! `cargo bench -p strata-embed --bench startup`; results in
//! docs/performance.md ("Embedding").

use criterion::{criterion_group, criterion_main, Criterion};
use strata_embed::rusqlite::Connection;
use strata_embed::Migrator;
use strata_ledger::{Body, Draft, Ledger};

const EVENTS: usize = 1_000;

/// A ledger of `EVENTS` events, each creating a table (4 columns and an
/// index; every tenth with a view), as its bundle.
fn bundle(dir: &std::path::Path) -> Vec<u8> {
    let ledger = Ledger::init(dir.join("ledger")).expect("init");
    for i in 0..EVENTS {
        let mut sql = format!(
            "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER, c REAL);
             CREATE INDEX t{i}_a ON t{i} (a);"
        );
        if i % 10 == 0 {
            sql.push_str(&format!("CREATE VIEW v{i} AS SELECT id, a FROM t{i};"));
        }
        let head = ledger.schema_at(ledger.head_seq()).expect("head");
        let ops = strata_sqlite::ddl::parse_change(&sql, &head).expect("parses");
        ledger
            .append_unflushed(Draft {
                at: None,
                author: "bench".into(),
                message: format!("t{i}"),
                body: Body::Change {
                    ops,
                    revert_sql: None,
                },
            })
            .expect("append");
    }
    ledger.flush().expect("flush");
    strata_ledger::bundle::write(&ledger).expect("bundle")
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let bytes: &'static [u8] = Box::leak(bundle(dir.path()).into_boxed_slice());
    eprintln!("a bundle of {EVENTS} events: {} bytes", bytes.len());
    let db = dir.path().join("app.db");
    let migrator = Migrator::from_bytes(bytes).expect("loads");
    let mut conn = Connection::open(&db).expect("open");
    migrator.apply(&mut conn).expect("applied");

    let mut group = c.benchmark_group("startup");
    group.bench_function(format!("load a bundle of {EVENTS} events"), |b| {
        b.iter(|| Migrator::from_bytes(bytes).expect("loads"))
    });
    group.bench_function(format!("apply at head, {EVENTS} tables"), |b| {
        b.iter(|| migrator.apply(&mut conn).expect("at head"))
    });
    group.bench_function("load, then apply at head (a whole start-up)", |b| {
        b.iter(|| {
            Migrator::from_bytes(bytes)
                .expect("loads")
                .apply(&mut conn)
                .expect("at head")
        })
    });
    group.bench_function("floor: read _strata_state alone", |b| {
        b.iter(|| {
            conn.query_row(
                "SELECT ledger_id, seq, hash FROM _strata_state WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .expect("state")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
