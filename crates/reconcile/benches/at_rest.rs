//! What a start-up against a database already at head costs: the fast
//! answer (`Reconciler::at_rest`: the recorded point, head's hash and the
//! seal) against the full one that `apply` gave before (`survey`: the point,
//! the live schema introspected, head's schema projected and compared; then
//! `plan`, which finds it done), on a SQLite file of 1,000 tables (each with
//! 4 columns and an index, every tenth with a view), recorded one table per
//! event and applied at head. `cargo bench -p strata-reconcile --bench
//! at_rest`; results in docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion};
use strata_ledger::{Body, Draft, Ledger};
use strata_reconcile::{Mover, Outcome, Reconciler};
use strata_schema::Schema;
use strata_sqlite::ddl::parse_change;
use strata_sqlite::Sqlite;
use strata_target::Database;

const TABLES: usize = 1_000;

fn table_sql(i: usize) -> String {
    let mut sql = format!(
        "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER, c REAL);
         CREATE INDEX t{i}_a ON t{i} (a);"
    );
    if i % 10 == 0 {
        sql.push_str(&format!("CREATE VIEW v{i} AS SELECT id, a FROM t{i};"));
    }
    sql
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::init(dir.path().join("ledger")).expect("init");
    let mut schema = Schema::default();
    for i in 0..TABLES {
        let ops = parse_change(&table_sql(i), &schema).expect("parses");
        strata_schema::project_all(strata_dialect::sqlite::RULES, &mut schema, &ops)
            .expect("projects");
        ledger
            .append(Draft {
                at: None,
                author: "bench".to_string(),
                message: format!("table {i}"),
                body: Body::Change {
                    ops,
                    revert_sql: None,
                },
            })
            .expect("append");
    }
    let head = ledger.head_seq();
    let r = Reconciler::new(&Sqlite, &ledger);
    let path = dir.path().join("app.db");
    let mut db = r.open(&path).expect("open");
    let survey = r.survey(&db).expect("survey");
    let planned = r.plan(&db, survey, head).expect("plan");
    let outcome = strata_reconcile::apply(&mut db, &planned, &Mover::named("bench"));
    assert!(matches!(outcome, Ok(Outcome::Applied(_))));
    assert!(r.at_rest(&db, head).expect("at rest"));

    let mut group = c.benchmark_group("at head, 1000 tables");
    group.sample_size(30);
    group.bench_function("position", |b| b.iter(|| db.position().expect("position")));
    group.bench_function("at_rest", |b| {
        b.iter(|| assert!(r.at_rest(&db, head).expect("at rest")))
    });
    group.bench_function("survey", |b| {
        b.iter(|| assert!(r.survey(&db).expect("survey").drift.is_empty()))
    });
    group.bench_function("survey + plan", |b| {
        b.iter(|| {
            let survey = r.survey(&db).expect("survey");
            assert!(r.plan(&db, survey, head).expect("plan").is_done());
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
