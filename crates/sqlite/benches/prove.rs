//! What proving one event costs (`strata_sqlite::prove`: the event and its
//! undo applied to a scratch in-memory database), against a head of 10 and
//! of 1,000 tables (each with 4 columns and an index, every tenth with a
//! view): a native ADD COLUMN and a rebuild (a type change).
//! `cargo bench -p strata-sqlite --bench prove`; results in
//! docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion};
use strata_dialect::sqlite::RULES;
use strata_schema::{project, Op, Schema};
use strata_sqlite::ddl::parse_change;
use strata_sqlite::plan::Step;
use strata_sqlite::prove::prove;

fn head(tables: usize) -> Schema {
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
    let mut schema = Schema::default();
    for op in parse_change(&sql, &Schema::default()).expect("head parses") {
        project(RULES, &mut schema, &op).expect("head projects");
    }
    schema
}

/// The event of `sql` on `before` and the step that undoes it.
fn event(before: &Schema, sql: &str) -> (Vec<Step>, Vec<Step>) {
    let ops = parse_change(sql, before).expect("change parses");
    let inverse: Vec<Op> = ops
        .iter()
        .rev()
        .map(|op| op.invert().expect("invertible"))
        .collect();
    let undo = Step {
        seq: 2,
        ops: inverse,
        undo: true,
        lineage: Vec::new(),
    };
    (vec![Step::new(2, ops)], vec![undo])
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("prove");
    group.sample_size(20);
    for tables in [10, 1_000] {
        let before = head(tables);
        for (name, sql) in [
            ("add column", "ALTER TABLE t1 ADD COLUMN d TEXT"),
            ("type change", "ALTER TABLE t1 ALTER COLUMN b TYPE TEXT"),
        ] {
            let (forward, inverse) = event(&before, sql);
            group.bench_function(format!("{name}, {tables} tables"), |b| {
                b.iter(|| prove(&before, &forward, Some(&inverse)).expect("proven"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
