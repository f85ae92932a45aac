//! What the tests that drive the binary share: reading a SQLite file
//! through a connection of their own (rows, a dump of what a user sees,
//! SQLite's own integrity checks) and opening a ledger built with the
//! library. No database is read through strata's code here, so these
//! readings witness what strata did.

use std::path::Path;
use std::time::{Duration, Instant};
use strata_dialect::sqlite::RULES;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rusqlite::types::Value;
use rusqlite::{Connection, ToSql};
use strata_ledger::{Ledger, LedgerError};
use strata_schema::Table;

/// Opens the ledger folder `dir` to write (the store itself, which the
/// tests append to), waiting a moment for sled to let go of a handle just
/// dropped (its flusher thread holds the store until it notices), as the
/// binary's `--wait` does.
pub fn open_ledger(dir: &Path) -> Ledger {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Ledger::open_to_write(dir) {
            Err(LedgerError::InUse { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => break other.expect("open ledger"),
        }
    }
}

/// The sled store at `store`, opened by the test itself (to tamper with it
/// as an attacker would). A store this process dropped a moment ago may
/// still be held by sled's flusher thread, so a refusal is retried for a
/// few seconds, as strata itself waits (`--wait`).
pub fn open_store(store: &Path) -> sled::Db {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match sled::open(store) {
            Ok(db) => return db,
            Err(_) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("cannot open {}: {e}", store.display()),
        }
    }
}

/// Every row of `sql`, each value as SQLite gives it.
pub fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    rows_with(conn, sql, &[])
}

/// Every row of `sql` run with `params`.
pub fn rows_with(conn: &Connection, sql: &str, params: &[&dyn ToSql]) -> Vec<Vec<Value>> {
    let mut st = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = st.column_count();
    st.query_map(params, |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A value as text: `NULL`, the number, the text itself, a blob's bytes.
pub fn shown(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => format!("{b:?}"),
    }
}

/// Every row of `sql`, each value [`shown`] as text.
pub fn text_rows(conn: &Connection, sql: &str) -> Vec<Vec<String>> {
    rows(conn, sql)
        .iter()
        .map(|r| r.iter().map(shown).collect())
        .collect()
}

/// The first column of every row of `sql`, [`shown`] as text.
pub fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    rows(conn, sql).iter().map(|r| shown(&r[0])).collect()
}

/// Runs `sql` (one statement or several).
pub fn exec(conn: &Connection, sql: &str) {
    conn.execute_batch(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub fn int(i: i64) -> Value {
    Value::Integer(i)
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// Whether a catalog name is SQLite's or strata's rather than the user's.
pub fn internal(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.starts_with("sqlite_") || lower.starts_with("_strata_")
}

/// The user's tables (not views), in name order, with their spelling.
pub fn user_tables(conn: &Connection) -> Vec<String> {
    let mut names: Vec<String> = strings(
        conn,
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'",
    )
    .into_iter()
    .filter(|n| !internal(n))
    .collect();
    names.sort_by_key(|n| n.to_lowercase());
    names
}

/// The name the rowid answers to in `t`, if it has one (a column may take
/// `rowid`, `_rowid_` and `oid`).
pub fn rowid_name(t: &Table) -> Option<&'static str> {
    if t.has_option(strata_dialect::sqlite::WITHOUT_ROWID) {
        return None;
    }
    ["rowid", "_rowid_", "oid"]
        .into_iter()
        .find(|n| t.column(RULES, n).is_none())
}

/// What a user sees: every user table's rows with their rowids, in rowid
/// order (in key order for a WITHOUT ROWID table), then `sqlite_sequence`
/// when there is one.
pub fn dump(conn: &Connection) -> Vec<(String, Vec<Vec<Value>>)> {
    let mut out = Vec::new();
    for name in user_tables(conn) {
        let without_rowid = rows_with(
            conn,
            "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1",
            &[&name],
        ) == [[int(1)]];
        let q = format!("\"{}\"", name.replace('"', "\"\""));
        let sql = if without_rowid {
            format!("SELECT * FROM {q} ORDER BY 1")
        } else {
            format!("SELECT rowid, * FROM {q} ORDER BY rowid")
        };
        let all = rows(conn, &sql);
        out.push((name, all));
    }
    let seq = rows(
        conn,
        "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_sequence'",
    );
    if seq[0][0] == int(1) {
        out.push((
            "sqlite_sequence".into(),
            rows(conn, "SELECT name, seq FROM sqlite_sequence ORDER BY name"),
        ));
    }
    out
}

/// `PRAGMA integrity_check` says ok and `PRAGMA foreign_key_check` finds
/// nothing.
pub fn assert_clean(conn: &Connection) {
    assert_eq!(rows(conn, "PRAGMA integrity_check"), [[text("ok")]]);
    let fk = rows(conn, "PRAGMA foreign_key_check");
    assert!(fk.is_empty(), "foreign_key_check: {fk:?}");
}

/// [`assert_clean`] for a property test: a failure names `what`.
pub fn check_clean(conn: &Connection, what: &str) -> Result<(), TestCaseError> {
    check_clean_except(conn, what, |_| false)
}

/// [`check_clean`], leaving out the lines of `integrity_check` that
/// `ignore` knows to be false reports.
pub fn check_clean_except(
    conn: &Connection,
    what: &str,
    ignore: impl Fn(&[Value]) -> bool,
) -> Result<(), TestCaseError> {
    let report: Vec<Vec<Value>> = rows(conn, "PRAGMA integrity_check")
        .into_iter()
        .filter(|r| !ignore(r))
        .collect();
    let report = if report.is_empty() {
        vec![vec![text("ok")]]
    } else {
        report
    };
    prop_assert_eq!(report, vec![vec![text("ok")]], "{}", what);
    prop_assert_eq!(
        rows(conn, "PRAGMA foreign_key_check"),
        Vec::<Vec<Value>>::new(),
        "{}",
        what
    );
    Ok(())
}
