//! The SQLite target's costs against raw SQLite, measured in the same run
//! (issue 3): applying 1,000 recorded changes to a fresh database through
//! plan + apply, against the plan's own statements run by rusqlite in one
//! transaction; the same changes on tables that hold rows; tables holding
//! rows changed back and forth over several events (net plans); and the
//! 12-step rebuild of a 1,000,000-row table for a column type change,
//! against the same rebuild written by hand.
//! `cargo bench -p strata-sqlite --bench apply`; results in
//! docs/performance.md.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use rusqlite::Connection;
use strata_dialect::sqlite::RULES;
use strata_schema::{Op, Schema};
use strata_sqlite::apply::{apply, open, Position};
use strata_sqlite::custody::{Custody, Lineage};
use strata_sqlite::ddl::parse_change;
use strata_sqlite::plan::{plan, plan_with, Plan, Step};
use tempfile::TempDir;

const LEDGER: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const CHANGES: usize = 1_000;
const ROWS: i64 = 1_000_000;

fn position(seq: u64) -> Position {
    Position {
        ledger_id: LEDGER.parse().expect("a hash"),
        seq,
        hash: format!("{seq:064x}").parse().expect("a hash"),
    }
}

/// The SQL of 1,000 changes, one event each, in a mix of what a schema's
/// life looks like: 20% create table, 40% add column (native), 20% create
/// index, 10% add a NOT NULL column defaulting to CURRENT_TIMESTAMP (a
/// rebuild: SQLite's ADD COLUMN refuses that default), 5% a column type
/// change (a rebuild that archives the old values) and 5% a new default (a
/// rebuild without archive). Rebuilds carry the table's indexes along.
fn change_sql() -> Vec<String> {
    // Per table: its added integer columns.
    let mut tables: Vec<Vec<String>> = Vec::new();
    let mut out = Vec::with_capacity(CHANGES);
    for i in 0..CHANGES {
        let pick = |n: usize| (i * 7919) % n;
        let sql = match i % 10 {
            0 | 1 => {
                let t = tables.len();
                tables.push(Vec::new());
                format!(
                    "CREATE TABLE t{t} (id integer primary key, name varchar(50) not null, email text, created text)"
                )
            }
            2..=5 => {
                let t = pick(tables.len());
                let c = format!("c{i}");
                tables[t].push(c.clone());
                format!("ALTER TABLE t{t} ADD COLUMN {c} integer")
            }
            6 | 7 => {
                let t = pick(tables.len());
                let column = tables[t].last().cloned().unwrap_or_else(|| "name".into());
                format!("CREATE INDEX ix{i} ON t{t} ({column})")
            }
            8 => {
                let t = pick(tables.len());
                format!("ALTER TABLE t{t} ADD COLUMN d{i} text NOT NULL DEFAULT CURRENT_TIMESTAMP")
            }
            _ if i % 20 == 9 => {
                let t = pick(tables.len());
                format!("ALTER TABLE t{t} ALTER COLUMN email TYPE varchar({i})")
            }
            _ => {
                let t = pick(tables.len());
                format!("ALTER TABLE t{t} ALTER COLUMN created SET DEFAULT 'x{i}'")
            }
        };
        out.push(sql);
    }
    out
}

/// The changes as ledger steps, recorded one after another from empty.
fn changes() -> Vec<Step> {
    let mut schema = Schema::default();
    let mut steps = Vec::with_capacity(CHANGES);
    for (i, sql) in change_sql().iter().enumerate() {
        let ops: Vec<Op> = parse_change(sql, &schema).unwrap_or_else(|e| panic!("{sql}: {e}"));
        strata_schema::project_all(RULES, &mut schema, &ops).expect("ops fit");
        steps.push(Step::new(i as u64 + 1, ops));
    }
    steps
}

/// A plan's DDL without strata's own tables: the archive tables and their
/// catalog rows are strata's bookkeeping.
fn own_ddl(p: &Plan) -> impl Iterator<Item = String> + '_ {
    p.statements
        .iter()
        .map(|s| s.sql.clone())
        .filter(|sql| !sql.contains("\"_strata_archive"))
}

/// The DDL of each of `steps` planned on its own from `from`, one after
/// another: what running the changes by hand, each as SQLite needs it,
/// takes.
fn event_by_event(from: &Schema, steps: &[Step]) -> Vec<String> {
    let mut from = from.clone();
    let mut out = Vec::new();
    for step in steps {
        let p = plan(&from, std::slice::from_ref(step)).expect("plan");
        out.extend(own_ddl(&p));
        from = p.schema;
    }
    out
}

/// The figures of a move's plan, on stderr.
fn describe(what: &str, once: &Plan, raw: &[String], by_event: &[String]) {
    eprintln!(
        "{what}: {} statements in the plan ({} raw, {} event by event), {} rebuilds, {} archives",
        once.statements.len(),
        raw.len(),
        by_event.len(),
        once.rebuilds.len(),
        once.archives.len()
    );
}

/// Plans `steps` from `from` against the archives `conn` keeps, as `strata
/// apply` does (a plan made without them is refused), and applies it.
fn plan_and_apply(
    conn: &mut Connection,
    from: &Schema,
    steps: &[Step],
    at: &Position,
    to: &Position,
) {
    let custody = Custody::load(conn, &|seq, op, undo| Lineage {
        seq,
        op,
        forward: !undo,
    })
    .expect("custody");
    let p = plan_with(from, steps, &custody).expect("plan");
    apply(conn, &p, Some(at), to, &p.schema, "bench", "0").expect("apply");
}

fn fresh(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(dir.join(format!("{name}-journal")));
    path
}

/// Runs each statement's SQL in one transaction, the raw way.
fn run_raw(conn: &mut Connection, statements: &[String]) {
    let tx = conn.transaction().expect("begin");
    for sql in statements {
        tx.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    tx.commit().expect("commit");
}

fn thousand_changes(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let steps = changes();
    let once = plan(&Schema::default(), &steps).expect("plan");
    // The archives are empty here.
    let raw: Vec<String> = own_ddl(&once).collect();
    let by_event = event_by_event(&Schema::default(), &steps);
    describe("1,000 changes", &once, &raw, &by_event);
    let to = position(CHANGES as u64);

    let mut g = c.benchmark_group("1000 changes");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));

    g.bench_function("strata plan+apply", |b| {
        b.iter_batched(
            || open(&fresh(dir.path(), "strata.db")).expect("open"),
            |mut conn| {
                let p = plan(&Schema::default(), &steps).expect("plan");
                apply(&mut conn, &p, None, &to, &p.schema, "bench", "0").expect("apply");
                conn
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("strata plan only", |b| {
        b.iter(|| plan(&Schema::default(), &steps).expect("plan"))
    });
    g.bench_function("strata apply only", |b| {
        b.iter_batched(
            || open(&fresh(dir.path(), "strata.db")).expect("open"),
            |mut conn| {
                apply(&mut conn, &once, None, &to, &once.schema, "bench", "0").expect("apply");
                conn
            },
            BatchSize::PerIteration,
        )
    });
    for (name, script) in [
        ("raw same statements", &raw),
        ("raw event by event", &by_event),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || Connection::open(fresh(dir.path(), "raw.db")).expect("open"),
                |mut conn| {
                    run_raw(&mut conn, script);
                    conn
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// The same 1,000 changes on tables that hold rows: the 200 CREATE TABLEs
/// are applied first and each table given a row, then the other 800
/// changes are one move, where a rebuild is a rebuild and a type change
/// archives the old values. Against the net script's own DDL, and against
/// each event's DDL one after another.
fn changes_on_rows(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let all = changes();
    let (creates, rest): (Vec<&Step>, Vec<&Step>) = all
        .iter()
        .partition(|s| s.ops.iter().all(|o| matches!(o, Op::CreateTable { .. })));
    let creates: Vec<Step> = creates
        .iter()
        .enumerate()
        .map(|(i, s)| Step::new(i as u64 + 1, s.ops.clone()))
        .collect();
    let made = creates.len() as u64;
    let rest: Vec<Step> = rest
        .iter()
        .enumerate()
        .map(|(i, s)| Step::new(made + i as u64 + 1, s.ops.clone()))
        .collect();
    let template = fresh(dir.path(), "template.db");
    let start = {
        let mut conn = open(&template).expect("open");
        let p = plan(&Schema::default(), &creates).expect("plan");
        apply(
            &mut conn,
            &p,
            None,
            &position(made),
            &p.schema,
            "bench",
            "0",
        )
        .expect("apply");
        for t in p.schema.tables.keys() {
            conn.execute_batch(&format!("INSERT INTO {t} (name, email) VALUES ('n', 'e')"))
                .expect("a row");
        }
        p.schema
    };
    let at = position(made);
    moved_on_rows(
        c,
        "800 changes on rows",
        &dir,
        &template,
        &start,
        &rest,
        &at,
    );
}

/// Benchmarks moving a copy of `template` (at `at`, with schema `start`)
/// over `steps` in one plan and apply, against the plan's own DDL and
/// against each event's DDL one after another, run by hand.
fn moved_on_rows(
    c: &mut Criterion,
    name: &str,
    dir: &TempDir,
    template: &Path,
    start: &Schema,
    steps: &[Step],
    at: &Position,
) {
    let once = plan(start, steps).expect("plan");
    let raw: Vec<String> = own_ddl(&once).collect();
    let by_event = event_by_event(start, steps);
    describe(name, &once, &raw, &by_event);
    let to = position(steps.last().map_or(at.seq, |s| s.seq));
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("strata plan+apply", |b| {
        b.iter_batched(
            || open(&copy_of(template, dir.path(), "strata.db")).expect("open"),
            |mut conn| {
                plan_and_apply(&mut conn, start, steps, at, &to);
                conn
            },
            BatchSize::PerIteration,
        )
    });
    for (name, script) in [
        ("raw same statements", &raw),
        ("raw event by event", &by_event),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || Connection::open(copy_of(template, dir.path(), "raw.db")).expect("open"),
                |mut conn| {
                    run_raw(&mut conn, script);
                    conn
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// Tables holding rows, each changed back and forth over five events of
/// one move, the tables' events interleaved: a NOT NULL set, a column
/// added, a type changed within its affinity, the NOT NULL dropped, the
/// added column dropped. One by one, that is three rebuilds, an ADD and a
/// DROP COLUMN per table; net, one rebuild that checks the NOT NULL on
/// the rows as they are, and the added column never written.
fn churn_on_rows(c: &mut Criterion) {
    const TABLES: usize = 100;
    const PER_TABLE: i64 = 1_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let template = fresh(dir.path(), "template.db");
    let create: String = (0..TABLES)
        .map(|t| format!("CREATE TABLE t{t} (id integer primary key, a text, b integer);"))
        .collect();
    let mut schema = Schema::default();
    let ops = parse_change(&create, &schema).expect("parse");
    strata_schema::project_all(RULES, &mut schema, &ops).expect("fits");
    let first = Step::new(1, ops);
    {
        let mut conn = open(&template).expect("open");
        let p = plan(&Schema::default(), std::slice::from_ref(&first)).expect("plan");
        apply(&mut conn, &p, None, &position(1), &p.schema, "bench", "0").expect("apply");
        for t in 0..TABLES {
            conn.execute_batch(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PER_TABLE}) \
                 INSERT INTO t{t} (a, b) SELECT 'a' || i, i FROM n"
            ))
            .expect("rows");
        }
    }
    let start = schema.clone();
    let mut steps = Vec::new();
    for change in [
        "ALTER TABLE t{t} ALTER COLUMN a SET NOT NULL",
        "ALTER TABLE t{t} ADD COLUMN c text DEFAULT 'x'",
        "ALTER TABLE t{t} ALTER COLUMN b TYPE bigint",
        "ALTER TABLE t{t} ALTER COLUMN a DROP NOT NULL",
        "ALTER TABLE t{t} DROP COLUMN c",
    ] {
        for t in 0..TABLES {
            let sql = change.replace("{t}", &t.to_string());
            let ops = parse_change(&sql, &schema).unwrap_or_else(|e| panic!("{sql}: {e}"));
            strata_schema::project_all(RULES, &mut schema, &ops).expect("fits");
            steps.push(Step::new(steps.len() as u64 + 2, ops));
        }
    }
    moved_on_rows(
        c,
        "500 changes back and forth on rows",
        &dir,
        &template,
        &start,
        &steps,
        &position(1),
    );
}

const CREATE_ITEMS: &str = "CREATE TABLE items (id integer primary key, sku varchar(32) not null, qty integer not null, price real, note text); \
     CREATE INDEX items_sku ON items (sku); \
     CREATE INDEX items_qty ON items (qty); \
     CREATE TRIGGER items_qty_nonneg BEFORE UPDATE OF qty ON items WHEN NEW.qty < 0 BEGIN SELECT RAISE(ABORT, 'negative qty'); END";

const RETYPE: &str = "ALTER TABLE items ALTER COLUMN qty TYPE bigint";

/// The same rebuild by hand: SQLite's procedure without strata's archive
/// of the old values and without its bookkeeping.
const RAW_REBUILD: &[&str] = &[
    "DROP TRIGGER items_qty_nonneg",
    "CREATE TABLE new_items (id INTEGER PRIMARY KEY, sku varchar(32) NOT NULL, qty bigint NOT NULL, price real, note text)",
    "INSERT INTO new_items (id, sku, qty, price, note) SELECT id, sku, qty, price, note FROM items",
    "DROP TABLE items",
    "ALTER TABLE new_items RENAME TO items",
    "CREATE INDEX items_sku ON items (sku)",
    "CREATE INDEX items_qty ON items (qty)",
    "CREATE TRIGGER items_qty_nonneg BEFORE UPDATE OF qty ON items WHEN NEW.qty < 0 BEGIN SELECT RAISE(ABORT, 'negative qty'); END",
];

/// A database at event 1 (the table, its indexes and trigger) holding
/// `ROWS` rows, built once; each iteration works on a copy.
fn million_row_template(dir: &Path) -> (PathBuf, Schema) {
    let path = dir.join("template.db");
    let ops = parse_change(CREATE_ITEMS, &Schema::default()).expect("parse");
    let p = plan(&Schema::default(), &[Step::new(1, ops)]).expect("plan");
    let mut conn = open(&path).expect("open");
    apply(&mut conn, &p, None, &position(1), &p.schema, "bench", "0").expect("apply");
    let tx = conn.transaction().expect("begin");
    {
        let mut st = tx
            .prepare("INSERT INTO items (id, sku, qty, price, note) VALUES (?1, ?2, ?3, ?4, ?5)")
            .expect("prepare");
        for i in 1..=ROWS {
            let note = if i % 3 == 0 {
                None
            } else {
                Some(format!("note {i}"))
            };
            st.execute(rusqlite::params![
                i,
                format!("SKU-{:08}", (i * 7_919) % 1_000_003),
                (i * 31) % 10_007,
                i as f64 / 100.0,
                note
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
    (path, p.schema)
}

fn copy_of(template: &Path, dir: &Path, name: &str) -> PathBuf {
    let path = fresh(dir, name);
    std::fs::copy(template, &path).expect("copy");
    path
}

fn million_row_rebuild(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (template, at_one) = million_row_template(dir.path());
    let ops = parse_change(RETYPE, &at_one).expect("parse");
    let steps = [Step::new(2, ops)];
    let once: Plan = plan(&at_one, &steps).expect("plan");
    eprintln!("1M-row rebuild plan:\n{}", once.sql());
    let from = position(1);
    let to = position(2);

    let mut g = c.benchmark_group("1M-row rebuild");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));

    g.bench_function("strata plan+apply", |b| {
        b.iter_batched(
            || open(&copy_of(&template, dir.path(), "strata.db")).expect("open"),
            |mut conn| {
                plan_and_apply(&mut conn, &at_one, &steps, &from, &to);
                conn
            },
            BatchSize::PerIteration,
        )
    });
    let raw: Vec<String> = RAW_REBUILD.iter().map(|s| s.to_string()).collect();
    g.bench_function("raw rebuild", |b| {
        b.iter_batched(
            || Connection::open(copy_of(&template, dir.path(), "raw.db")).expect("open"),
            |mut conn| {
                run_raw(&mut conn, &raw);
                conn
            },
            BatchSize::PerIteration,
        )
    });
    // Where strata's extra time goes: the raw rebuild plus the same
    // archive of the old values strata makes before a type change.
    let mut with_archive = vec![
        "CREATE TABLE archive_qty (_strata_rowid INTEGER PRIMARY KEY, qty)".to_string(),
        "INSERT INTO archive_qty (_strata_rowid, qty) SELECT rowid, qty FROM items".to_string(),
    ];
    with_archive.extend(raw.iter().cloned());
    g.bench_function("raw rebuild + archive", |b| {
        b.iter_batched(
            || Connection::open(copy_of(&template, dir.path(), "raw.db")).expect("open"),
            |mut conn| {
                run_raw(&mut conn, &with_archive);
                conn
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    let _keep: &TempDir = &dir;
}

criterion_group!(
    benches,
    thousand_changes,
    changes_on_rows,
    churn_on_rows,
    million_row_rebuild
);
criterion_main!(benches);
