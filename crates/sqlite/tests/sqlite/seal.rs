//! The seal: every apply leaves a digest of the schema in `_strata_state`,
//! and `sealed()` is true exactly while the schema is still what it left.
//! Real files, changed by hand between opens the way a user would.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use strata_dialect::sqlite::RULES;
use strata_schema::{project_all, Schema};
use strata_sqlite::apply::{ApplyError, Position};
use strata_sqlite::custody::Lineage;
use strata_sqlite::ddl::parse_change;
use strata_sqlite::plan::Step;
use strata_sqlite::{Sqlite, SqliteDb};
use strata_target::{Database, Mover, Target};
use tempfile::TempDir;

use crate::support::{position, rows, text};

/// Archives name their lineage themselves: no legacy ones here.
fn recorded(seq: u64, op: u32, undo: bool) -> Lineage {
    Lineage {
        seq,
        op,
        forward: !undo,
    }
}

/// A database file moved event by event through the target's seam, with
/// the schema the ledger would have at its point.
pub struct File {
    _dir: TempDir,
    pub path: PathBuf,
    pub schema: Schema,
    pub at: Option<Position>,
}

impl File {
    pub fn new() -> File {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("app.db");
        File {
            _dir: dir,
            path,
            schema: Schema::default(),
            at: None,
        }
    }

    pub fn open(&self) -> SqliteDb {
        Sqlite.open(&self.path).expect("open")
    }

    /// Records `sql` as the next event and applies it to `db`; returns the
    /// script it ran.
    pub fn change_on(&mut self, db: &mut SqliteDb, sql: &str) -> Result<String, ApplyError> {
        let ops = parse_change(sql, &self.schema).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let to = position(self.at.as_ref().map_or(0, |p| p.seq) + 1);
        let mut target = self.schema.clone();
        project_all(RULES, &mut target, &ops).expect("ops fit");
        let steps = [Step::new(to.seq, ops)];
        let plan = db.plan(&self.schema, &steps, &recorded)?;
        db.apply(
            &plan,
            self.at.as_ref(),
            &to,
            &target,
            &Mover::named("tester"),
        )?;
        self.schema = target;
        self.at = Some(to);
        Ok(plan.sql())
    }

    /// [`File::change_on`] through a connection of its own.
    pub fn change(&mut self, sql: &str) -> String {
        let mut db = self.open();
        self.change_on(&mut db, sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Runs `sql` by hand, on a plain connection of SQLite's.
    pub fn by_hand(&self, sql: &str) {
        Connection::open(&self.path)
            .expect("open")
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Whether the file is sealed, read through a fresh connection.
    pub fn sealed(&self) -> bool {
        self.open().sealed().expect("sealed")
    }

    /// Whether a full look finds the live schema equal to the ledger's.
    pub fn no_drift(&self) -> bool {
        let live = self.open().introspect().expect("introspect");
        strata_schema::differences(RULES, &self.schema, &live).is_empty()
    }
}

/// A file three events in: two tables, an index, a view, a trigger, rows.
fn example() -> File {
    let mut f = File::new();
    f.change(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE);
         CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), total REAL)",
    );
    f.change(
        "CREATE INDEX orders_by_user ON orders (user_id);
         CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100",
    );
    f.change(
        "CREATE TRIGGER no_negative BEFORE INSERT ON orders WHEN NEW.total < 0 BEGIN SELECT RAISE(ABORT, 'negative'); END",
    );
    f.by_hand(
        "INSERT INTO users (name, email) VALUES ('ann', 'a@x'), ('bob', 'b@x');
         INSERT INTO orders (user_id, total) VALUES (1, 50), (2, 150)",
    );
    f
}

#[test]
fn an_apply_seals_and_a_fresh_file_is_not_sealed() {
    let f = File::new();
    // The file does not exist yet: open creates it, empty.
    assert!(!f.sealed(), "strata never applied to it");
    let f = example();
    assert!(f.sealed(), "the last apply sealed it");
    assert!(f.no_drift());
    let seal = rows(
        &Connection::open(&f.path).expect("open"),
        "SELECT length(seal) FROM _strata_state",
    );
    assert_eq!(seal, vec![vec![rusqlite::types::Value::Integer(64)]]);
}

#[test]
fn data_changes_keep_the_seal() {
    let f = example();
    f.by_hand(
        "INSERT INTO users (name) VALUES ('cy');
         UPDATE orders SET total = total + 1;
         DELETE FROM orders WHERE id = 1",
    );
    assert!(f.sealed());
}

/// Each change by hand breaks the seal, and a full look finds it as drift.
#[test]
fn every_schema_change_by_hand_breaks_the_seal() {
    for (what, sql) in [
        ("a new index", "CREATE INDEX users_name ON users (name)"),
        ("an added column", "ALTER TABLE users ADD COLUMN age INTEGER"),
        ("a dropped view", "DROP VIEW big_orders"),
        ("a dropped index", "DROP INDEX orders_by_user"),
        ("a dropped trigger", "DROP TRIGGER no_negative"),
        ("a new table", "CREATE TABLE notes (body TEXT)"),
        ("a new view", "CREATE VIEW names AS SELECT name FROM users"),
        (
            "a renamed column",
            "ALTER TABLE orders RENAME COLUMN total TO amount",
        ),
        ("a renamed table", "ALTER TABLE orders RENAME TO purchases"),
        ("a dropped table", "DROP VIEW big_orders; DROP TABLE orders"),
        (
            "a view redefined",
            "DROP VIEW big_orders; CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 200",
        ),
    ] {
        let f = example();
        f.by_hand(sql);
        assert!(!f.sealed(), "{what}: still sealed");
        assert!(!f.no_drift(), "{what}: no drift found either");
    }
}

#[test]
fn a_change_by_hand_undone_by_hand_is_sealed_again() {
    let f = example();
    f.by_hand("CREATE INDEX users_name ON users (name)");
    assert!(!f.sealed());
    f.by_hand("DROP INDEX users_name");
    // The schema's text is what the apply left: nothing to find.
    assert!(f.sealed());
    assert!(f.no_drift());
}

#[test]
fn vacuum_keeps_the_seal() {
    let mut f = example();
    // Free some pages in the middle of the file, so VACUUM moves tables.
    f.change("DROP VIEW big_orders; DROP TABLE orders");
    f.change(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL);
         CREATE INDEX orders_by_user ON orders (user_id)",
    );
    assert!(f.sealed());
    let layout = |f: &File| {
        rows(
            &Connection::open(&f.path).expect("open"),
            "SELECT rowid, name, rootpage FROM sqlite_schema ORDER BY rowid",
        )
    };
    let before = layout(&f);
    f.by_hand("VACUUM");
    assert_ne!(layout(&f), before, "VACUUM changed nothing to prove this");
    assert!(f.sealed());
    assert!(f.no_drift());
}

#[test]
fn analyze_and_a_purge_keep_the_seal() {
    let mut f = example();
    // An archive to purge: the dropped column's values.
    f.change("ALTER TABLE users DROP COLUMN name");
    assert!(f.sealed());

    // ANALYZE creates SQLite's own statistics tables.
    f.by_hand("ANALYZE; PRAGMA optimize");
    let conn = Connection::open(&f.path).expect("open");
    assert_eq!(
        rows(
            &conn,
            "SELECT name FROM sqlite_schema WHERE name = 'sqlite_stat1'"
        ),
        vec![vec![text("sqlite_stat1")]]
    );
    assert!(f.sealed());

    // Purging drops strata's archive table: strata's own objects are not
    // the schema.
    let mut db = f.open();
    let gone = db.purge(4, &recorded).expect("purge");
    assert_eq!(gone.len(), 1);
    assert!(rows(
        &conn,
        "SELECT name FROM sqlite_schema WHERE name LIKE '\\_strata\\_archive\\_%' ESCAPE '\\'"
    )
    .is_empty());
    assert!(f.sealed());
}

#[test]
fn a_point_edited_by_hand_breaks_the_seal() {
    let f = example();
    f.by_hand("UPDATE _strata_state SET seq = 2, hash = printf('%064x', 2)");
    assert_eq!(f.open().position().expect("position"), Some(position(2)));
    assert!(
        !f.sealed(),
        "the seal vouches for the point it was taken at"
    );

    let f = example();
    f.by_hand("UPDATE _strata_state SET seal = NULL");
    assert!(!f.sealed());
    f.by_hand("UPDATE _strata_state SET seal = 42");
    assert!(!f.sealed());
}

#[test]
fn a_failed_apply_leaves_the_seal_it_found() {
    let mut f = example();
    let before = rows(
        &Connection::open(&f.path).expect("open"),
        "SELECT seal FROM _strata_state",
    );
    let mut db = f.open();
    // The data step fails on the second row: nothing is changed.
    let err = f
        .change_on(
            &mut db,
            "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             INSERT INTO tags (name) SELECT CASE WHEN id = 2 THEN NULL ELSE name END FROM users",
        )
        .expect_err("a NULL in a NOT NULL column");
    assert!(matches!(err, ApplyError::Statement { .. }), "{err}");
    drop(db);
    assert_eq!(
        rows(
            &Connection::open(&f.path).expect("open"),
            "SELECT seal FROM _strata_state"
        ),
        before
    );
    assert!(f.sealed());
}

/// The state table as the versions before the seal made it.
fn unseal(path: &Path) {
    let conn = Connection::open(path).expect("open");
    conn.execute_batch("ALTER TABLE _strata_state DROP COLUMN seal")
        .expect("drop the column");
    assert_eq!(
        rows(
            &conn,
            "SELECT count(*) FROM pragma_table_info('_strata_state') WHERE name = 'seal'"
        ),
        vec![vec![rusqlite::types::Value::Integer(0)]]
    );
}

#[test]
fn a_database_an_earlier_version_made_gains_the_seal_at_its_next_apply() {
    let mut f = example();
    unseal(&f.path);
    let db = f.open();
    assert_eq!(db.position().expect("position"), f.at);
    assert!(!db.sealed().expect("sealed"), "no column, no seal");
    drop(db);

    let script = f.change("CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT)");
    assert!(
        script.contains("ALTER TABLE \"_strata_state\" ADD COLUMN \"seal\" TEXT;"),
        "{script}"
    );
    // The column was added before the digest was taken: the seal holds.
    assert!(f.sealed());
    assert!(f.no_drift());
    // And the next apply plans no second ALTER.
    let script = f.change("CREATE INDEX tags_name ON tags (name)");
    assert!(!script.contains("ADD COLUMN \"seal\""), "{script}");
    assert!(f.sealed());
}

#[test]
fn the_seal_is_taken_of_the_point_and_the_schema() {
    let conn = Connection::open_in_memory().expect("memory");
    conn.execute_batch("CREATE TABLE t (a); CREATE INDEX t_a ON t (a)")
        .expect("schema");
    let digest = |at: u64| strata_sqlite::seal::digest(&conn, &position(at)).expect("digest");
    let one = digest(1);
    assert_eq!(one.len(), 64);
    assert_eq!(one, digest(1));
    assert_ne!(one, digest(2));
    // strata's and SQLite's own objects are not part of it.
    conn.execute_batch("CREATE TABLE _strata_archive_9 (x); ANALYZE")
        .expect("own objects");
    assert_eq!(one, digest(1));
    conn.execute_batch("CREATE TABLE u (b)").expect("a table");
    assert_ne!(one, digest(1));
}

#[test]
fn sealed_is_false_where_the_state_row_is_missing() {
    let f = example();
    f.by_hand("DELETE FROM _strata_state");
    let db = f.open();
    assert_eq!(db.position().expect("position"), None);
    assert!(!db.sealed().expect("sealed"));
    // Plan the sealing apply's script has: the statement is there.
    let plan = db.plan(&f.schema, &[], &recorded).expect("plan");
    assert!(plan
        .sql()
        .contains("UPDATE \"_strata_state\" SET \"seal\" = :seal WHERE \"id\" = 1;"));
}
