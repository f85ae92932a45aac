//! What a program does at start-up with its own SQLite connection: hand it
//! to strata, bring the database to head unless it is at rest there, take
//! the connection back and use it. A real sled ledger and a real file.

use std::path::Path;

use strata_ledger::{Body, Draft, Ledger};
use strata_reconcile::{Mover, Outcome, Reconciler};
use strata_schema::{Column, Op, Table};
use strata_sqlite::rusqlite::Connection;
use strata_sqlite::{Sqlite, SqliteDb};
use tempfile::TempDir;

fn users(columns: &[&str]) -> Table {
    Table {
        name: "users".to_string(),
        columns: columns
            .iter()
            .map(|c| Column {
                name: c.to_string(),
                ty: "TEXT".to_string(),
                ..Column::default()
            })
            .collect(),
        ..Table::default()
    }
}

fn change(ledger: &Ledger, ops: Vec<Op>) {
    ledger
        .append(Draft {
            at: None,
            author: "test".to_string(),
            message: "change".to_string(),
            body: Body::Change {
                ops,
                revert_sql: None,
            },
        })
        .expect("append");
}

/// Brings the database of `conn` to head as a program would at start-up;
/// returns the connection and whether anything was applied.
fn start(ledger: &Ledger, conn: Connection) -> (Connection, bool) {
    let r = Reconciler::new(&Sqlite, ledger);
    let mut db = SqliteDb::from_connection(conn).expect("handed over");
    let head = ledger.head_seq();
    if r.at_rest(&db, head).expect("at rest") {
        return (db.into_connection(), false);
    }
    let survey = r.survey(&db).expect("survey");
    survey.refuse_drift().expect("no drift");
    let planned = r.plan(&db, survey, head).expect("plan");
    let applied = !planned.is_done();
    if applied {
        let outcome =
            strata_reconcile::apply(&mut db, &planned, &Mover::named("app")).expect("apply");
        assert!(matches!(outcome, Outcome::Applied(_)));
    }
    (db.into_connection(), applied)
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

#[test]
fn a_program_applies_through_its_own_connection_and_keeps_using_it() {
    let dir = TempDir::new().expect("temp dir");
    let ledger = Ledger::init(dir.path().join("ledger")).expect("init");
    change(
        &ledger,
        vec![Op::CreateTable {
            table: users(&["name"]),
        }],
    );
    let file = dir.path().join("app.db");
    let open = |path: &Path| Connection::open(path).expect("open");

    // First start: the file is new, strata builds it.
    let (conn, applied) = start(&ledger, open(&file));
    assert!(applied);
    conn.execute("INSERT INTO users (name) VALUES ('ann')", [])
        .expect("the program writes");
    drop(conn);

    // Next start, nothing new: at rest, nothing applied, nothing surveyed.
    let (conn, applied) = start(&ledger, open(&file));
    assert!(!applied);
    assert_eq!(count(&conn, "users"), 1);
    drop(conn);

    // A new event: the next start applies it, and the rows stay.
    let email = Column {
        name: "email".to_string(),
        ty: "TEXT".to_string(),
        ..Column::default()
    };
    change(
        &ledger,
        vec![Op::AddColumn {
            table: "users".into(),
            column: email,
            position: 1,
        }],
    );
    let (conn, applied) = start(&ledger, open(&file));
    assert!(applied);
    conn.execute(
        "UPDATE users SET email = 'ann@example.com' WHERE name = 'ann'",
        [],
    )
    .expect("the new column");
    let (conn, applied) = start(&ledger, conn);
    assert!(!applied);

    // An index made by hand: not at rest any more; the survey finds the
    // drift and the start is refused.
    conn.execute_batch("CREATE INDEX users_email ON users (email)")
        .expect("by hand");
    let r = Reconciler::new(&Sqlite, &ledger);
    let db = SqliteDb::from_connection(conn).expect("handed over");
    assert!(!r.at_rest(&db, 2).expect("at rest"));
    assert!(r.survey(&db).expect("survey").refuse_drift().is_err());
    let conn = db.into_connection();
    conn.execute_batch("DROP INDEX users_email")
        .expect("undone");
    let db = SqliteDb::from_connection(conn).expect("handed over");
    assert!(r.at_rest(&db, 2).expect("at rest"));
}
