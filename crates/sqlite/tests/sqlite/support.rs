//! What the SQLite target's tests share: databases to run against, a
//! ledger position to apply to, and readings of a database through SQLite
//! itself (rows, a dump of everything in the file, its integrity checks).

use rusqlite::types::Value;
use rusqlite::Connection;
use strata_sqlite::apply::Position;

/// The ledger id these tests apply under.
pub const LEDGER: &str = "1111111111111111111111111111111111111111111111111111111111111111";

/// Event `seq` of [`LEDGER`], with a made-up hash of its own.
pub fn position(seq: u64) -> Position {
    Position {
        ledger_id: LEDGER.parse().expect("a hash"),
        seq,
        hash: format!("{seq:064x}").parse().expect("a hash"),
    }
}

/// A fresh in-memory database holding `sql`.
pub fn memory_db(sql: &str) -> Connection {
    let conn = Connection::open_in_memory().expect("in-memory database");
    conn.execute_batch(sql)
        .unwrap_or_else(|e| panic!("SQLite refused\n{sql}\n: {e}"));
    conn
}

/// Every row of `sql`, each value as SQLite gives it.
pub fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut st = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = st.column_count();
    st.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub fn int(i: i64) -> Value {
    Value::Integer(i)
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// `PRAGMA integrity_check` says ok, `foreign_key_check` finds nothing.
pub fn assert_clean(conn: &Connection) {
    assert_eq!(rows(conn, "PRAGMA integrity_check"), vec![vec![text("ok")]]);
    assert_eq!(
        rows(conn, "PRAGMA foreign_key_check"),
        Vec::<Vec<Value>>::new()
    );
}

/// [`assert_clean`], and foreign keys are on again (an apply turns them
/// off around a rebuild).
pub fn assert_clean_with_foreign_keys_on(conn: &Connection) {
    assert_clean(conn);
    assert_eq!(rows(conn, "PRAGMA foreign_keys"), vec![vec![int(1)]]);
}

/// Everything in the file, for "nothing changed" checks: every
/// sqlite_schema entry, then every table's rows.
pub fn dump(conn: &Connection) -> Vec<Vec<Value>> {
    let mut out = rows(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name",
    );
    let tables = rows(
        conn,
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    );
    for t in tables {
        if let Value::Text(name) = &t[0] {
            let q = strata_dialect::sqlite::text::quote_ident(name);
            out.extend(rows(conn, &format!("SELECT * FROM {q}")));
        }
    }
    out
}
