//! Each case a program meets at start-up, on real SQLite files and real
//! bundles made from a real ledger: a new database, one at head, one
//! behind (with a dropped column's data archived and brought back), one
//! ahead of the bundle, one from another ledger, one that drifted, two
//! processes at once, a damaged bundle, and the connection given back.

use std::path::Path;

use rusqlite::Connection;
use strata_embed::{Done, Error, Migrator};
use strata_ledger::{Body, Draft, Ledger};

/// Appends the change `sql` (SQLite DDL) to `ledger`.
fn record(ledger: &Ledger, message: &str, sql: &str) {
    let head = ledger.schema_at(ledger.head_seq()).expect("head");
    let ops = strata_sqlite::ddl::parse_change(sql, &head).expect("the change parses");
    ledger
        .append(Draft {
            at: None,
            author: "ada".into(),
            message: message.into(),
            body: Body::Change {
                ops,
                revert_sql: None,
            },
        })
        .expect("appended");
}

fn bundle(ledger: &Ledger) -> Migrator {
    let bytes = strata_ledger::bundle::write(ledger).expect("bundle");
    Migrator::load("test.bundle", bytes).expect("it loads")
}

/// A ledger at version 1 (notes), and its bundle; then version 2 (a
/// column added, one dropped), and its bundle.
struct App {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    v1: Migrator,
    v2: Migrator,
}

fn app() -> App {
    let dir = tempfile::tempdir().expect("tmp");
    let ledger = Ledger::init(dir.path().join("ledger")).expect("init");
    record(
        &ledger,
        "notes",
        "CREATE TABLE notes (id integer PRIMARY KEY, title text NOT NULL, body text)",
    );
    record(
        &ledger,
        "notes by title",
        "CREATE INDEX notes_title ON notes (title)",
    );
    let v1 = bundle(&ledger);
    record(&ledger, "when", "ALTER TABLE notes ADD COLUMN created text");
    record(&ledger, "no body", "ALTER TABLE notes DROP COLUMN body");
    let v2 = bundle(&ledger);
    App {
        db: dir.path().join("app.db"),
        _dir: dir,
        v1,
        v2,
    }
}

fn open(path: &Path) -> Connection {
    Connection::open(path).expect("open")
}

fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).expect("prepare");
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                    rusqlite::types::Value::Null => "NULL".to_string(),
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join("|"))
    })
    .expect("query")
    .collect::<Result<Vec<_>, _>>()
    .expect("rows")
}

fn log_rows(conn: &Connection) -> usize {
    rows(conn, "SELECT * FROM _strata_log").len()
}

#[test]
fn a_new_database_is_brought_to_head_and_then_left_alone() {
    let app = app();
    let mut conn = open(&app.db);
    let report = app.v1.apply(&mut conn).expect("applied");
    assert_eq!(report.outcome, Done::Moved);
    assert_eq!((report.from, report.to), (0, 2));
    assert_eq!(
        report.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(report.events[0].message, "notes");
    assert!(report.statements > 0);
    conn.execute("INSERT INTO notes (title, body) VALUES ('a', 'x')", [])
        .expect("the table is there");
    let logged = log_rows(&conn);

    let again = app.v1.apply(&mut conn).expect("at head");
    assert_eq!(again.outcome, Done::AlreadyThere);
    assert_eq!((again.from, again.to), (2, 2));
    assert_eq!(log_rows(&conn), logged, "nothing was written");
    assert_eq!(rows(&conn, "SELECT title, body FROM notes"), ["a|x"]);
    assert_eq!(app.v1.head(), 2);
}

#[test]
fn a_database_behind_moves_to_head_and_going_back_restores_the_dropped_data() {
    let app = app();
    let mut conn = open(&app.db);
    app.v1.apply(&mut conn).expect("v1");
    conn.execute_batch("INSERT INTO notes (title, body) VALUES ('a', 'first'), ('b', 'second')")
        .expect("rows");
    let report = app.v2.apply(&mut conn).expect("v2");
    assert_eq!(
        (report.from, report.to, report.outcome),
        (2, 4, Done::Moved)
    );
    assert_eq!(report.archived.len(), 1, "{report}");
    assert!(report.archived[0].contains("body"), "{report}");
    assert_eq!(
        rows(&conn, "SELECT id, title, created FROM notes ORDER BY id"),
        ["1|a|NULL", "2|b|NULL"]
    );

    // Going forward only, unless asked.
    match app.v2.apply_to(&mut conn, "2") {
        Err(Error::WouldGoBack { at: 4, to: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
    let back = app.v2.go_back_to(&mut conn, "2").expect("back");
    assert_eq!((back.from, back.to), (4, 2));
    assert_eq!(
        back.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [4, 3]
    );
    assert_eq!(
        rows(&conn, "SELECT id, title, body FROM notes ORDER BY id"),
        ["1|a|first", "2|b|second"]
    );
}

#[test]
fn a_database_ahead_of_the_bundle_is_refused_and_left_alone() {
    let app = app();
    let mut conn = open(&app.db);
    app.v2.apply(&mut conn).expect("v2");
    conn.execute("INSERT INTO notes (title) VALUES ('kept')", [])
        .expect("row");
    let logged = log_rows(&conn);
    match app.v1.apply(&mut conn) {
        Err(e @ Error::Ahead { at: 4, head: 2, .. }) => {
            assert!(e.to_string().contains("newer build"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(log_rows(&conn), logged);
    assert_eq!(rows(&conn, "SELECT title FROM notes"), ["kept"]);
}

#[test]
fn a_database_of_another_ledger_is_refused() {
    let app = app();
    let other_dir = tempfile::tempdir().expect("tmp");
    let other = Ledger::init(other_dir.path().join("l")).expect("init");
    record(
        &other,
        "notes",
        "CREATE TABLE notes (id integer PRIMARY KEY)",
    );
    let other = bundle(&other);
    let mut conn = open(&app.db);
    other.apply(&mut conn).expect("the other app's database");
    match app.v1.apply(&mut conn) {
        Err(Error::ForeignLedger { .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn drift_is_refused_with_each_difference_listed() {
    let app = app();
    let mut conn = open(&app.db);
    app.v1.apply(&mut conn).expect("v1");
    conn.execute_batch("CREATE INDEX by_body ON notes (body)")
        .expect("drift");
    for m in [&app.v1, &app.v2] {
        match m.apply(&mut conn) {
            Err(Error::Drift {
                seq: 2,
                differences,
                ..
            }) => {
                assert_eq!(differences.len(), 1, "{differences:?}");
                assert!(differences[0].contains("by_body"), "{differences:?}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(
        rows(&conn, "SELECT name FROM pragma_table_info('notes')").contains(&"body".to_string())
    );
}

#[test]
fn two_processes_starting_at_once_apply_once() {
    let app = app();
    let v2 = std::sync::Arc::new(app.v2);
    let starts: Vec<_> = (0..2)
        .map(|_| {
            let v2 = v2.clone();
            let db = app.db.clone();
            std::thread::spawn(move || {
                let mut conn = open(&db);
                v2.apply(&mut conn).map(|r| r.outcome)
            })
        })
        .collect();
    let mut outcomes: Vec<Done> = starts
        .into_iter()
        .map(|t| t.join().expect("thread").expect("applied"))
        .collect();
    outcomes.sort_by_key(|o| *o as u8);
    assert_eq!(
        outcomes.iter().filter(|o| **o == Done::Moved).count(),
        1,
        "{outcomes:?}"
    );
    let conn = open(&app.db);
    assert_eq!(log_rows(&conn), 1, "one move was made");
}

#[test]
fn the_connection_is_given_back_as_it_was_lent() {
    let app = app();
    let mut conn = open(&app.db);
    // A setting of this connection alone: the same connection comes back.
    conn.execute_batch("PRAGMA cache_size = 1234")
        .expect("pragma");
    let cache = |c: &Connection| -> i64 {
        c.query_row("PRAGMA cache_size", [], |r| r.get(0))
            .expect("cache_size")
    };
    app.v1.apply(&mut conn).expect("v1");
    assert_eq!(cache(&conn), 1234);
    assert_eq!(conn.path().map(Path::new), Some(app.db.as_path()));
    // Refused moves give it back too.
    conn.execute_batch("CREATE INDEX drift ON notes (body)")
        .expect("drift");
    assert!(matches!(app.v1.apply(&mut conn), Err(Error::Drift { .. })));
    assert_eq!(cache(&conn), 1234);
    // So does a connection strata will not take (one with temporary
    // tables, which strata's unqualified names could be taken for).
    conn.execute_batch("DROP INDEX drift; CREATE TEMP TABLE mine (x)")
        .expect("temp");
    assert!(matches!(
        app.v1.apply(&mut conn),
        Err(Error::Database { .. })
    ));
    assert_eq!(cache(&conn), 1234);
    conn.execute_batch("INSERT INTO mine VALUES (1)")
        .expect("still there");
}

#[test]
fn a_damaged_bundle_is_an_error_never_a_panic() {
    let dir = tempfile::tempdir().expect("tmp");
    let ledger = Ledger::init(dir.path().join("l")).expect("init");
    record(&ledger, "t", "CREATE TABLE t (id integer PRIMARY KEY)");
    let good = strata_ledger::bundle::write(&ledger).expect("bundle");
    let mut bad = good.clone();
    let last = bad.len() - 40;
    bad[last] ^= 1;
    for bytes in [
        bad,
        good[..good.len() - 1].to_vec(),
        b"not a bundle".to_vec(),
    ] {
        match Migrator::load("bad.bundle", bytes) {
            Err(Error::Bundle(message)) => assert!(message.contains("bad.bundle"), "{message}"),
            Err(e) => panic!("{e:?}"),
            Ok(_) => panic!("a damaged bundle loaded"),
        }
    }
    let path = dir.path().join("missing.bundle");
    assert!(matches!(Migrator::from_path(&path), Err(Error::Bundle(_))));
}
