//! A program that carries a PostgreSQL ledger applies it at start-up, on a
//! real PostgreSQL server (a throwaway cluster): a new database, one at
//! head, one behind with a dropped column's data archived and brought back
//! by going back, one ahead of the bundle, one that drifted, and a ledger
//! of the other kind refused.

use strata_embed::{Done, Error, Migrator, Postgres};
use strata_ledger::{Body, Dialect, Draft, Ledger};
use strata_postgres::cluster::Cluster;
use strata_postgres::postgres::{Client, NoTls};

/// Appends the change `sql` (PostgreSQL DDL) to `ledger`.
fn record(ledger: &Ledger, message: &str, sql: &str) {
    let head = ledger.schema_at(ledger.head_seq()).expect("head");
    let ops = strata_postgres::ddl::parse_change(sql, &head).expect("the change parses");
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

/// A PostgreSQL ledger at version 1 (notes) and version 2 (a column
/// added, one dropped), as bundles.
fn bundles() -> (tempfile::TempDir, Migrator, Migrator) {
    let dir = tempfile::tempdir().expect("tmp");
    let ledger = Ledger::init_with(dir.path().join("ledger"), Dialect::Postgres).expect("init");
    record(
        &ledger,
        "notes",
        "CREATE TABLE notes (id integer PRIMARY KEY, title text NOT NULL, body text)",
    );
    let v1 = bundle(&ledger);
    record(&ledger, "when", "ALTER TABLE notes ADD COLUMN created date");
    record(&ledger, "no body", "ALTER TABLE notes DROP COLUMN body");
    let v2 = bundle(&ledger);
    (dir, v1, v2)
}

fn client(url: &str) -> Client {
    Client::connect(url, NoTls).expect("connect")
}

fn notes(url: &str) -> Vec<String> {
    client(url)
        .query("SELECT to_jsonb(n)::text FROM notes n ORDER BY id", &[])
        .expect("rows")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn a_program_brings_its_postgresql_database_to_head_and_back() {
    let cluster = Cluster::start().expect("a cluster");
    let url = cluster.database("app").expect("a database");
    let (_dir, v1, v2) = bundles();
    let pg = Postgres::default();

    // A new database: version 1 makes it, then leaves it alone.
    let report = v1.apply_postgres(&pg, &url).expect("applied");
    assert_eq!(
        (report.from, report.to, report.outcome),
        (0, 1, Done::Moved)
    );
    let again = v1.apply_postgres(&pg, &url).expect("at head");
    assert_eq!(again.outcome, Done::AlreadyThere);
    client(&url)
        .batch_execute("INSERT INTO notes VALUES (1, 'first', 'body one'), (2, 'second', NULL)")
        .expect("rows");
    let before = notes(&url);

    // Version 2 moves it forward; the dropped column's values are kept.
    let report = v2.apply_postgres(&pg, &url).expect("moved");
    assert_eq!((report.from, report.to), (1, 3));
    assert_eq!(report.archived.len(), 1, "{report:?}");
    assert!(!notes(&url)[0].contains("body one"));

    // Version 1 started again finds the database ahead of it.
    match v1.apply_postgres(&pg, &url) {
        Err(Error::Ahead { at: 3, head: 1, .. }) => {}
        other => panic!("{other:?}"),
    }
    // Going back is explicit, and brings the values back.
    match v2.apply_postgres_to(&pg, &url, "1") {
        Err(Error::WouldGoBack { .. }) => {}
        other => panic!("{other:?}"),
    }
    let back = v2.go_back_postgres_to(&pg, &url, "1").expect("back");
    assert_eq!((back.from, back.to), (3, 1));
    assert_eq!(back.restored.len(), 1, "{back:?}");
    assert_eq!(notes(&url), before, "every value is back");

    // A database changed by hand is refused, each difference named.
    client(&url)
        .batch_execute("ALTER TABLE notes ADD COLUMN extra text")
        .expect("drift");
    match v2.apply_postgres(&pg, &url) {
        Err(Error::Drift { differences, .. }) => {
            assert!(
                differences.iter().any(|d| d.contains("extra")),
                "{differences:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_ledger_of_the_other_kind_is_refused() {
    let cluster = Cluster::start().expect("a cluster");
    let url = cluster.database("app").expect("a database");
    let dir = tempfile::tempdir().expect("tmp");
    let sqlite = Ledger::init(dir.path().join("ledger")).expect("init");
    let head = sqlite.schema_at(0).expect("empty");
    let ops =
        strata_sqlite::ddl::parse_change("CREATE TABLE t (id integer)", &head).expect("parses");
    sqlite
        .append(Draft {
            at: None,
            author: "ada".into(),
            message: "t".into(),
            body: Body::Change {
                ops,
                revert_sql: None,
            },
        })
        .expect("appended");
    let m = bundle(&sqlite);
    match m.apply_postgres(&Postgres::default(), &url) {
        Err(Error::Database { message, .. }) => {
            assert!(message.contains("sqlite ledger"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // And a PostgreSQL ledger is not applied to a SQLite file.
    let (_dir, v1, _) = bundles();
    let mut conn = rusqlite::Connection::open(dir.path().join("app.db")).expect("open");
    match v1.apply(&mut conn) {
        Err(Error::Database { message, .. }) => {
            assert!(message.contains("postgres ledger"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Nothing was made in either.
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .expect("count");
    assert_eq!(tables, 0);
}
