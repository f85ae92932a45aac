//! A connection a program opened itself, handed to strata to apply and
//! taken back: strata works on it as on its own, and gives it back with the
//! caller's settings.

use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use strata_sqlite::apply::{read_state, ApplyError};
use strata_sqlite::{Refused, SqliteDb};
use strata_target::Database;

use crate::seal::File;
use crate::support::{int, position, rows};

/// The settings a caller may have chosen that strata cares about.
#[derive(Debug, PartialEq)]
struct Settings {
    foreign_keys: Vec<Vec<Value>>,
    busy_timeout: Vec<Vec<Value>>,
    /// An apply widens the page cache while it runs, and puts it back.
    cache_size: Vec<Vec<Value>>,
    dqs_ddl: bool,
    dqs_dml: bool,
    legacy_alter_table: bool,
}

fn settings(conn: &Connection) -> Settings {
    Settings {
        foreign_keys: rows(conn, "PRAGMA foreign_keys"),
        busy_timeout: rows(conn, "PRAGMA busy_timeout"),
        cache_size: rows(conn, "PRAGMA cache_size"),
        dqs_ddl: conn
            .db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL)
            .expect("dqs"),
        dqs_dml: conn
            .db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML)
            .expect("dqs"),
        legacy_alter_table: conn
            .db_config(DbConfig::SQLITE_DBCONFIG_LEGACY_ALTER_TABLE)
            .expect("legacy"),
    }
}

/// Parents and children whose foreign key cascades: a data step deleting
/// a parent takes its children along only with foreign keys on.
const FAMILY: &str = "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
     CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);
     INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b');
     INSERT INTO child (parent_id) VALUES (1), (1), (2)";

#[test]
fn a_connection_handed_over_is_applied_to_and_given_back_as_it_was() {
    let mut f = File::new();
    let conn = Connection::open(&f.path).expect("open");
    // The caller's own choices, unlike strata's.
    conn.busy_timeout(Duration::from_millis(1234))
        .expect("timeout");
    conn.pragma_update(None, "foreign_keys", false)
        .expect("foreign keys");
    conn.pragma_update(None, "cache_size", 500)
        .expect("cache size");
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, true)
        .expect("legacy");
    let before = settings(&conn);
    assert!(before.dqs_ddl && before.dqs_dml && before.legacy_alter_table);
    let reported = conn.path().expect("a path").to_string();

    let mut db = SqliteDb::from_connection(conn).expect("handed over");
    assert_eq!(db.name(), reported);
    assert!(db.name().ends_with("app.db"), "{}", db.name());
    // While strata holds it, it is configured as strata's own.
    let held = settings(db.connection());
    assert!(!held.dqs_ddl && !held.dqs_dml && !held.legacy_alter_table);
    assert_eq!(held.busy_timeout, before.busy_timeout, "the caller's");

    f.change_on(&mut db, FAMILY).expect("event 1");
    // Foreign keys are enforced during the apply: the children go along.
    f.change_on(&mut db, "DELETE FROM parent WHERE id = 1")
        .expect("event 2");
    assert_eq!(
        rows(db.connection(), "SELECT count(*) FROM child"),
        vec![vec![int(1)]]
    );
    // A rename (a rebuild's last step, and a native op) as strata means it.
    f.change_on(&mut db, "ALTER TABLE parent RENAME COLUMN name TO label")
        .expect("event 3");
    assert!(db.sealed().expect("sealed"));

    let conn = db.into_connection();
    assert_eq!(settings(&conn), before, "the caller's settings are back");
    // The program goes on with its connection.
    conn.execute("INSERT INTO parent (id, label) VALUES (3, 'c')", [])
        .expect("insert");
    assert_eq!(
        rows(&conn, "SELECT id, label FROM parent ORDER BY id"),
        vec![
            vec![int(2), Value::Text("b".into())],
            vec![int(3), Value::Text("c".into())]
        ]
    );
    assert_eq!(read_state(&conn).expect("state"), Some(position(3)));
    // And a later start finds it sealed through the same connection.
    let db = SqliteDb::from_connection(conn).expect("again");
    assert!(db.sealed().expect("sealed"));
    drop(db);
    assert!(f.sealed());
    assert!(f.no_drift());
}

#[test]
fn an_in_memory_connection_is_named_and_applied_to() {
    let mut f = File::new();
    let conn = Connection::open_in_memory().expect("memory");
    let mut db = SqliteDb::from_connection(conn).expect("handed over");
    assert_eq!(db.name(), ":memory:");
    assert!(!db.sealed().expect("sealed"));
    f.change_on(&mut db, FAMILY).expect("event 1");
    assert!(db.sealed().expect("sealed"));
    let conn = db.into_connection();
    assert_eq!(
        rows(&conn, "SELECT count(*) FROM child"),
        vec![vec![int(3)]]
    );
    assert_eq!(read_state(&conn).expect("state"), Some(position(1)));
}

#[test]
fn a_connection_strata_cannot_apply_through_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("app.db");
    Connection::open(&path)
        .expect("create")
        .execute_batch("CREATE TABLE t (a)")
        .expect("table");

    let conn = Connection::open(&path).expect("open");
    conn.execute_batch("BEGIN; INSERT INTO t VALUES (1)")
        .expect("begin");
    let Refused { conn, error } = SqliteDb::from_connection(conn).err().expect("refused");
    let err = *error;
    assert!(matches!(err, ApplyError::InTransaction { .. }), "{err}");
    assert!(err.help().is_some());
    // The connection comes back as it was: inside its transaction.
    assert!(!conn.is_autocommit());
    conn.execute_batch("ROLLBACK").expect("the caller's to end");
    drop(conn);

    let conn = Connection::open(&path).expect("open");
    conn.execute_batch("CREATE TEMP TABLE t (b)").expect("temp");
    let err = *SqliteDb::from_connection(conn)
        .err()
        .expect("refused")
        .error;
    assert!(matches!(err, ApplyError::Temporary { .. }), "{err}");
    assert!(err.to_string().contains("temporary table t"), "{err}");

    let conn =
        Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("read-only");
    let err = *SqliteDb::from_connection(conn)
        .err()
        .expect("refused")
        .error;
    assert!(matches!(err, ApplyError::ReadOnly { .. }), "{err}");

    let junk = dir.path().join("junk.db");
    std::fs::write(
        &junk,
        b"this is not a database, just some text long enough to have a header of its own",
    )
    .expect("write");
    let err = *SqliteDb::from_connection(Connection::open(&junk).expect("open"))
        .err()
        .expect("refused")
        .error;
    assert!(matches!(err, ApplyError::NotADatabase { .. }), "{err}");

    // Nothing was changed: the rows of the refused transaction never were.
    assert_eq!(
        rows(
            &Connection::open(&path).expect("open"),
            "SELECT count(*) FROM t"
        ),
        vec![vec![int(0)]]
    );
}

#[test]
fn discarding_a_connection_handed_over_leaves_its_file() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("app.db");
    let db =
        SqliteDb::from_connection(Connection::open(&path).expect("open")).expect("handed over");
    db.discard().expect("discard");
    assert!(path.exists());
}
