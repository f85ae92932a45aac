//! Custody at a million rows, with the real binary, a real ledger and real
//! SQLite files: a table of 1,000,000 rows (`STRATA_CUSTODY_ROWS` changes
//! it) goes through a dropped column, a type change that archives, the
//! revert of the drop, a dropped table and its revert. One apply to head
//! must give the same rows as applying event by event (counts and sums of
//! every column, then the rows themselves compared both ways), and one
//! apply back to event 1 must give back the start. Each apply's time and
//! peak RSS are printed.
//!
//! ```text
//! cargo bench -p strata-cli --bench custody
//! STRATA_CUSTODY_ROWS=100000 cargo bench -p strata-cli --bench custody
//! ```
//!
//! It panics on any difference. Results in docs/reliability.md.

mod support;

use std::path::Path;

use rusqlite::Connection;

use support::{int, literal, load, machine, quoted, rows, secs, strata, Measured};

const CREATE: &str = "CREATE TABLE items (id integer primary key, sku varchar(32) not null, \
     qty integer not null, price real, note text); \
     CREATE INDEX items_sku ON items (sku)";

/// The events after the first, as `strata` arguments.
const EVENTS: &[&[&str]] = &[
    &[
        "record",
        "-m",
        "drop note",
        "--sql",
        "ALTER TABLE items DROP COLUMN note",
    ],
    &[
        "record",
        "-m",
        "qty as text",
        "--sql",
        "ALTER TABLE items ALTER COLUMN qty TYPE text",
    ],
    &["revert", "2", "-m", "note back"],
    &["record", "-m", "drop items", "--sql", "DROP TABLE items"],
    &["revert", "5", "-m", "items back"],
];

fn main() {
    let n: i64 = std::env::var("STRATA_CUSTODY_ROWS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    println!("custody at {n} rows; {}", machine());
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    strata(dir, &["init"], 0);
    strata(dir, &["record", "-m", "items", "--sql", CREATE], 0);
    strata(dir, &["apply", "--db", "start.db"], 0);
    fill(&dir.join("start.db"), n);
    for args in EVENTS {
        strata(dir, args, 0);
    }
    let head = 1 + EVENTS.len();
    std::fs::copy(dir.join("start.db"), dir.join("one.db")).expect("copy");
    std::fs::copy(dir.join("start.db"), dir.join("steps.db")).expect("copy");

    let one = strata(dir, &["apply", "--db", "one.db"], 0);
    report("one apply, 1 to head", &one);
    let mut steps = Vec::new();
    for k in 2..=head {
        let m = strata(
            dir,
            &["apply", "--db", "steps.db", "--to", &k.to_string()],
            0,
        );
        report(&format!("  event by event: to {k}"), &m);
        steps.push(m);
    }
    let total: f64 = steps.iter().map(|m| m.secs).sum();
    let peak = steps.iter().map(|m| m.rss_kib).max().unwrap_or(0);
    println!(
        "event by event, 1 to head: {} in all, {:.0} MiB peak RSS",
        secs(total),
        peak as f64 / 1024.0
    );
    for db in ["one.db", "steps.db"] {
        strata(dir, &["status", "--db", db], 0);
    }
    let at_head = same(dir, "one.db", "steps.db");
    println!("at head, one apply = event by event: {at_head}");

    let back = strata(dir, &["apply", "--db", "one.db", "--to", "1"], 0);
    report("one apply, head back to 1", &back);
    strata(dir, &["status", "--db", "one.db"], 0);
    let at_start = same(dir, "one.db", "start.db");
    println!("back at 1, one apply = the start: {at_start}");
    println!("{}", load());
}

fn report(what: &str, m: &Measured) {
    println!("{what}: {}, {:.0} MiB peak RSS", secs(m.secs), m.rss_mib());
}

/// `n` rows in `items`, with a NULL note in every third.
fn fill(db: &Path, n: i64) {
    let mut conn = Connection::open(db).expect("open");
    let tx = conn.transaction().expect("begin");
    {
        let mut st = tx
            .prepare("INSERT INTO items (id, sku, qty, price, note) VALUES (?1, ?2, ?3, ?4, ?5)")
            .expect("prepare");
        for i in 1..=n {
            let note = (i % 3 != 0).then(|| format!("note {i}"));
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
}

/// Checks that databases `a` and `b` in `dir` hold the same user tables
/// with the same columns and the same rows, and returns what was compared.
/// Counts and sums of every column come first (cheap, and what a reader
/// can check by hand); then every row is looked for in the other database,
/// both ways, values compared with their types.
fn same(dir: &Path, a: &str, b: &str) -> String {
    let conn = Connection::open(dir.join(a)).expect("open");
    conn.execute(
        "ATTACH DATABASE ?1 AS other",
        [dir.join(b).to_string_lossy()],
    )
    .expect("attach");
    let tables = |schema: &str| {
        rows(
            &conn,
            &format!(
                "SELECT name FROM {schema}.sqlite_schema WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 AND name NOT LIKE '\\_strata\\_%' ESCAPE '\\' ORDER BY name"
            ),
        )
    };
    let names = tables("main");
    assert_eq!(
        names,
        tables("other"),
        "{a} and {b}: the user tables differ"
    );
    let mut compared = Vec::new();
    for row in &names {
        let rusqlite::types::Value::Text(t) = &row[0] else {
            panic!("a table name that is not text")
        };
        let columns = |schema: &str| {
            rows(
                &conn,
                &format!(
                    "SELECT name, type FROM pragma_table_info({}, '{schema}') ORDER BY cid",
                    literal(t)
                ),
            )
        };
        let cols = columns("main");
        assert_eq!(
            cols,
            columns("other"),
            "{a} and {b}: the columns of {t} differ"
        );
        let cols: Vec<String> = cols
            .iter()
            .map(|c| match &c[0] {
                rusqlite::types::Value::Text(s) => quoted(s),
                _ => panic!("a column name that is not text"),
            })
            .collect();
        let sums: Vec<String> = cols
            .iter()
            .map(|c| {
                format!("count({c}), total({c}), total(length({c})), sum(typeof({c}) = 'text')")
            })
            .collect();
        let sums = format!("SELECT count(*), {} FROM", sums.join(", "));
        let here = rows(&conn, &format!("{sums} main.{}", quoted(t)));
        let there = rows(&conn, &format!("{sums} other.{}", quoted(t)));
        assert_eq!(here, there, "{a} and {b}: counts and sums of {t} differ");
        let list = cols.join(", ");
        for (x, y) in [("main", "other"), ("other", "main")] {
            let missing = int(
                &conn,
                &format!(
                    "SELECT count(*) FROM (SELECT {list} FROM {x}.{q} EXCEPT SELECT {list} FROM {y}.{q})",
                    q = quoted(t)
                ),
            );
            assert_eq!(missing, 0, "{a} and {b}: rows of {t} in {x} and not in {y}");
        }
        let count = match &here[0][0] {
            rusqlite::types::Value::Integer(n) => *n,
            _ => panic!("count(*) is an integer"),
        };
        compared.push(format!("{t}: {count} rows, {} columns", cols.len()));
    }
    for schema in ["main", "other"] {
        let check = rows(&conn, &format!("PRAGMA {schema}.quick_check"));
        assert_eq!(
            check,
            vec![vec![rusqlite::types::Value::Text("ok".into())]],
            "quick_check of {schema}"
        );
    }
    compared.join("; ")
}
