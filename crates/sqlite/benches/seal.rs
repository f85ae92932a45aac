//! What telling "nothing changed since the last apply" costs
//! (`SqliteDb::sealed`: the schema's text read and hashed, compared with
//! the seal that apply left), against reading `_strata_state` alone
//! (`position`) and against reading the schema into the model
//! (`introspect`, what a survey does), on a file of 10 and of 1,000 tables
//! (each with 4 columns and an index, every tenth with a view), built by
//! one apply. `cargo bench -p strata-sqlite --bench seal`; results in
//! docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion};
use strata_dialect::sqlite::RULES;
use strata_schema::{project_all, Schema};
use strata_sqlite::apply::{apply, open, Position};
use strata_sqlite::ddl::parse_change;
use strata_sqlite::plan::{plan, Step};
use strata_sqlite::Sqlite;
use strata_target::{Database, Target};

const LEDGER: &str = "1111111111111111111111111111111111111111111111111111111111111111";

fn schema_sql(tables: usize) -> String {
    let mut sql = String::new();
    for i in 0..tables {
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER, c REAL);
             CREATE INDEX t{i}_a ON t{i} (a);"
        ));
        if i % 10 == 0 {
            sql.push_str(&format!("CREATE VIEW v{i} AS SELECT id, a FROM t{i};"));
        }
    }
    sql
}

/// A database file of `tables` tables at event 1, sealed by its apply.
fn build(path: &std::path::Path, tables: usize) {
    let ops = parse_change(&schema_sql(tables), &Schema::default()).expect("parses");
    let mut target = Schema::default();
    project_all(RULES, &mut target, &ops).expect("projects");
    let plan = plan(&Schema::default(), &[Step::new(1, ops)]).expect("plan");
    let to = Position {
        ledger_id: LEDGER.parse().expect("a hash"),
        seq: 1,
        hash: format!("{:064x}", 1).parse().expect("a hash"),
    };
    let mut conn = open(path).expect("open");
    apply(&mut conn, &plan, None, &to, &target, "bench", "0.0.0").expect("apply");
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("seal");
    group.sample_size(50);
    for tables in [10, 1_000] {
        let path = dir.path().join(format!("{tables}.db"));
        build(&path, tables);
        let db = Sqlite.open(&path).expect("open");
        assert!(db.sealed().expect("sealed"), "the apply sealed it");
        group.bench_function(format!("position, {tables} tables"), |b| {
            b.iter(|| db.position().expect("position"))
        });
        group.bench_function(format!("sealed, {tables} tables"), |b| {
            b.iter(|| assert!(db.sealed().expect("sealed")))
        });
        group.bench_function(format!("introspect, {tables} tables"), |b| {
            b.iter(|| db.introspect().expect("introspect"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
