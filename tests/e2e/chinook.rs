//! The Chinook sample database (crates/sqlite/tests/corpus/chinook, 11 tables, 15,607
//! rows): adopted with `baseline`, changed by a realistic series of events,
//! applied, then reverted to the baseline and compared with a fresh load of
//! the same script, schema and every row, through the independent reader
//! of `shape`. Its AUTOINCREMENT variant checks that rebuilds carry
//! `sqlite_sequence` along.

use std::path::Path;

use rusqlite::Connection;

use crate::shape::Shape;
use crate::support::{assert_clean, dump, strings};
use crate::Env;

const CHINOOK: &str = include_str!("../../crates/sqlite/tests/corpus/chinook/Chinook_Sqlite.sql");
const CHINOOK_AUTOINCREMENT: &str =
    include_str!("../../crates/sqlite/tests/corpus/chinook/Chinook_Sqlite_AutoIncrementPKs.sql");

/// Rows per table, as the corpus README counts them.
const ROWS: [(&str, i64); 11] = [
    ("Album", 347),
    ("Artist", 275),
    ("Customer", 59),
    ("Employee", 8),
    ("Genre", 25),
    ("Invoice", 412),
    ("InvoiceLine", 2240),
    ("MediaType", 5),
    ("Playlist", 18),
    ("PlaylistTrack", 8715),
    ("Track", 3503),
];

fn load(conn: &Connection) {
    load_script(conn, CHINOOK);
}

fn load_script(conn: &Connection, script: &str) {
    conn.execute_batch(script)
        .unwrap_or_else(|e| panic!("SQLite refused the Chinook script: {e}"));
}

fn open(path: &Path) -> Connection {
    Connection::open(path).expect("open chinook.db")
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn columns(conn: &Connection, table: &str) -> Vec<String> {
    strings(
        conn,
        &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
    )
}

fn write(env: &Env, name: &str, sql: &str) -> String {
    env.file(name, sql)
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

#[test]
fn chinook_adopted_changed_applied_and_reverted_keeps_every_row() {
    let env = Env::init();
    let db = env.path().join("chinook.db");
    load(&open(&db));
    let fresh = Connection::open_in_memory().expect("sqlite");
    load(&fresh);
    let original = Shape::read(&fresh);
    let original_rows = dump(&fresh);
    assert_eq!(original.tables.len(), 11);
    for (table, n) in ROWS {
        assert_eq!(count(&fresh, &format!("SELECT count(*) FROM {table}")), n);
    }

    env.ok(&["baseline", "--db", "chinook.db", "-m", "adopt chinook"])
        .says("recorded baseline event 1")
        .says("11 tables");
    env.ok(&["status", "--db", "chinook.db"]).says("no drift");
    // The baseline is the database, as an independent reader sees both.
    let at_1 = env.ok(&["schema", "--at", "1"]).stdout;
    assert_eq!(Shape::of_sql(&at_1).diff(&original), Vec::<String>::new());

    // 2: a column and its backfill, with the SQL that undoes the backfill.
    let undo_full_name = write(
        &env,
        "undo_full_name.sql",
        "UPDATE Customer SET FullName = NULL;\n",
    );
    env.ok(&[
        "record",
        "-m",
        "Customer.FullName, filled from the names",
        "--revert-sql",
        &undo_full_name,
        "--sql",
        "ALTER TABLE Customer ADD COLUMN FullName NVARCHAR(61);
         UPDATE Customer SET FullName = FirstName || ' ' || LastName;",
    ]);
    // 3: two type changes of a parent of two tables, one rebuild; the
    // second changes the affinity, so the old values are archived.
    env.record(
        "Track: Milliseconds as BIGINT, Bytes as TEXT",
        "ALTER TABLE Track ALTER COLUMN Milliseconds TYPE BIGINT;
         ALTER TABLE Track ALTER COLUMN Bytes TYPE TEXT;",
    );
    // 4
    env.record(
        "index tracks by composer",
        "CREATE INDEX IX_TrackComposer ON Track (Composer COLLATE NOCASE, Name DESC)",
    );
    // 5
    env.record("nobody faxes", "ALTER TABLE Customer DROP COLUMN Fax");
    // 6
    let undo_rep = write(
        &env,
        "undo_rep.sql",
        "UPDATE Invoice SET SupportRepId = NULL;\n",
    );
    env.ok(&[
        "record",
        "-m",
        "Invoice.SupportRepId, from the customer's",
        "--revert-sql",
        &undo_rep,
        "--sql",
        "ALTER TABLE Invoice ADD COLUMN SupportRepId INTEGER;
         UPDATE Invoice SET SupportRepId =
           (SELECT SupportRepId FROM Customer WHERE Customer.CustomerId = Invoice.CustomerId);",
    ]);
    // 7
    env.record(
        "Invoice.SupportRepId refers to Employee",
        "ALTER TABLE Invoice ADD CONSTRAINT FK_InvoiceSupportRepId
           FOREIGN KEY (SupportRepId) REFERENCES Employee (EmployeeId)",
    );
    // 8: a column that a self-reference and an index name.
    env.record(
        "ReportsTo is ManagerId",
        "ALTER TABLE Employee RENAME COLUMN ReportsTo TO ManagerId",
    );
    // 9
    env.record(
        "quantities are positive",
        "ALTER TABLE InvoiceLine ADD CONSTRAINT CK_InvoiceLineQuantity CHECK (Quantity > 0)",
    );
    env.ok(&["apply", "--db", "chinook.db"])
        .says("now at event 9")
        .says("archived column Customer.Fax: 59 rows")
        .says("archived the values of Track.Bytes");

    let conn = open(&db);
    assert_clean(&conn);
    for (table, n) in ROWS {
        assert_eq!(
            count(&conn, &format!("SELECT count(*) FROM {table}")),
            n,
            "{table}"
        );
    }
    assert_eq!(
        columns(&conn, "Customer"),
        [
            "CustomerId",
            "FirstName",
            "LastName",
            "Company",
            "Address",
            "City",
            "State",
            "Country",
            "PostalCode",
            "Phone",
            "Email",
            "SupportRepId",
            "FullName"
        ]
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM Customer WHERE FullName = FirstName || ' ' || LastName"
        ),
        59
    );
    assert_eq!(
        strings(
            &conn,
            "SELECT FullName FROM Customer WHERE CustomerId IN (1, 2) ORDER BY CustomerId"
        ),
        ["Luís Gonçalves", "Leonie Köhler"]
    );
    let now = Shape::read(&conn);
    let changed: Vec<&str> = now
        .tables
        .iter()
        .filter(|(name, t)| original.tables.get(*name) != Some(t))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        changed,
        ["customer", "employee", "invoice", "invoiceline", "track"]
    );
    let track = &now.tables["track"];
    let ty = |name: &str| {
        track
            .columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.ty.clone())
    };
    assert_eq!(ty("milliseconds").as_deref(), Some("bigint"));
    assert_eq!(ty("bytes").as_deref(), Some("text"));
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM Track WHERE typeof(Bytes) = 'text'"
        ),
        3503
    );
    // The same values, now as text, each in its row.
    let bytes = |conn: &Connection| {
        strings(
            conn,
            "SELECT TrackId || ':' || CAST(Bytes AS TEXT) FROM Track ORDER BY TrackId",
        )
    };
    assert_eq!(bytes(&conn), bytes(&fresh));
    let composer = track
        .indexes
        .iter()
        .find(|i| i.name.as_deref() == Some("ix_trackcomposer"))
        .expect("IX_TrackComposer");
    assert_eq!(
        composer.columns,
        [
            ("composer".to_string(), false, "NOCASE".to_string()),
            ("name".to_string(), true, "BINARY".to_string())
        ]
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM Invoice i JOIN Customer c USING (CustomerId)
             WHERE i.SupportRepId = c.SupportRepId"
        ),
        412
    );
    assert!(now.tables["invoice"]
        .foreign_keys
        .iter()
        .any(|fk| fk.table == "employee" && fk.from == ["supportrepid"]));
    assert_eq!(
        columns(&conn, "Employee")[4],
        "ManagerId",
        "the rename is in place"
    );
    assert!(now.tables["employee"]
        .foreign_keys
        .iter()
        .any(|fk| fk.table == "employee" && fk.from == ["managerid"]));
    assert_eq!(now.tables["invoiceline"].checks, ["quantity > 0"]);
    // The new constraints hold.
    conn.execute_batch("PRAGMA foreign_keys = ON")
        .expect("pragma");
    assert!(conn
        .execute(
            "UPDATE Invoice SET SupportRepId = 99 WHERE InvoiceId = 1",
            []
        )
        .is_err());
    assert!(conn
        .execute(
            "UPDATE InvoiceLine SET Quantity = 0 WHERE InvoiceLineId = 1",
            []
        )
        .is_err());
    drop(conn);
    env.ok(&["status", "--db", "chinook.db"]).says("no drift");

    // Back to the baseline: one revert event, then apply.
    env.ok(&["revert", "--to", "1", "-m", "back to the adopted chinook"])
        .says("undoing events 2, 3, 4, 5, 6, 7, 8, 9");
    assert_eq!(env.ok(&["schema"]).stdout, at_1);
    env.ok(&["apply", "--db", "chinook.db"])
        .says("now at event 10")
        .says("restored the values of Customer.Fax: 59 rows")
        .says("restored the values of Track.Bytes: 3503 rows");

    let conn = open(&db);
    assert_clean(&conn);
    assert_eq!(Shape::read(&conn).diff(&original), Vec::<String>::new());
    let back_rows = dump(&conn);
    assert_eq!(
        back_rows.iter().map(|(t, _)| t).collect::<Vec<_>>(),
        original_rows.iter().map(|(t, _)| t).collect::<Vec<_>>()
    );
    for ((table, back), (_, before)) in back_rows.iter().zip(&original_rows) {
        assert_eq!(back.len(), before.len(), "rows of {table}");
        for (b, o) in back.iter().zip(before) {
            assert_eq!(b, o, "a row of {table} (rowid first)");
        }
    }
    env.ok(&["status", "--db", "chinook.db"]).says("no drift");
    env.ok(&["verify", "--deep", "--db", "chinook.db"]);
}

/// `INTEGER PRIMARY KEY AUTOINCREMENT` keys: a rebuild must keep each
/// table's `sqlite_sequence` row, including a high-water mark above the
/// largest key (a deleted last row), or a new row would reuse a key.
#[test]
fn chinook_autoincrement_keys_keep_their_sequence_through_rebuilds() {
    let env = Env::init();
    let db = env.path().join("chinook.db");
    let conn = open(&db);
    load_script(&conn, CHINOOK_AUTOINCREMENT);
    // Track's sequence ends above its largest key.
    conn.execute_batch(
        "INSERT INTO Track (Name, MediaTypeId, Milliseconds, UnitPrice) VALUES ('gone', 1, 1, 0.99);
         DELETE FROM Track WHERE Name = 'gone';",
    )
    .expect("insert and delete");
    let sequence = |conn: &Connection| {
        strings(
            conn,
            "SELECT name || ' ' || seq FROM sqlite_sequence ORDER BY name",
        )
    };
    let before = sequence(&conn);
    assert_eq!(before.len(), 10);
    assert!(before.contains(&"Track 3504".to_string()), "{before:?}");
    let shape_before = Shape::read(&conn);
    assert!(shape_before.tables["track"].autoincrement);
    let rows_before = dump(&conn);
    drop(conn);

    env.ok(&["baseline", "--db", "chinook.db", "-m", "adopt chinook"]);
    env.record(
        "rebuild Track and Album",
        "ALTER TABLE Track ALTER COLUMN Bytes TYPE TEXT;
         ALTER TABLE Album ALTER COLUMN Title SET DEFAULT 'untitled';",
    );
    env.record("drop Genre.Name", "ALTER TABLE Genre DROP COLUMN Name");
    env.ok(&["apply", "--db", "chinook.db"]);
    let conn = open(&db);
    assert_clean(&conn);
    assert_eq!(sequence(&conn), before);
    assert!(Shape::read(&conn).tables["track"].autoincrement);
    drop(conn);

    env.ok(&["revert", "--to", "1", "-m", "back"]);
    env.ok(&["apply", "--db", "chinook.db"]);
    let conn = open(&db);
    assert_clean(&conn);
    assert_eq!(sequence(&conn), before);
    assert_eq!(Shape::read(&conn).diff(&shape_before), Vec::<String>::new());
    assert!(dump(&conn) == rows_before, "the rows came back");
    conn.execute(
        "INSERT INTO Track (Name, MediaTypeId, Milliseconds, UnitPrice) VALUES ('new', 1, 1, 0.99)",
        [],
    )
    .expect("insert");
    assert_eq!(
        count(&conn, "SELECT TrackId FROM Track WHERE Name = 'new'"),
        3505,
        "a new key follows the sequence, not the largest key"
    );
}
