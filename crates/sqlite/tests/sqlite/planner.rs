//! The planner as data: a schema (as the DDL that builds it, with rows),
//! a change (as `record` takes it), and the SQL the plan runs, side by
//! side. One case for each kind of op, and one for each reason the planner
//! rebuilds a table (SQLite's 12-step procedure) instead of altering it in
//! place. Every plan is also applied to a real in-memory SQLite database
//! holding the schema and its rows, which `apply` reads back and compares
//! with the projected schema, so no snapshot is of SQL that does not run.
//!
//! A snapshot shows the plan's own statements (not the bookkeeping every
//! apply adds), each run of statements under the comment that says which
//! event and op it serves; a first line says when foreign keys are turned
//! off around the transaction. The schema is at event 1 and the change is
//! event 2. To review a change of output: `INSTA_UPDATE=always cargo test
//! -p strata-sqlite --test sqlite planner::`, then `cargo insta review`
//! (or read the `.pending-snap` files).

use std::fmt::Write as _;

use rusqlite::config::DbConfig;
use rusqlite::Connection;
use strata_schema::{invert_all, Op, Schema};
use strata_sqlite::apply::apply;
use strata_sqlite::custody::{Custody, Lineage};
use strata_sqlite::ddl::parse_change;
use strata_sqlite::plan::{plan, plan_with, Plan, Step};

use rusqlite::types::Value;

use crate::support::{assert_clean_with_foreign_keys_on, dump, int, position, rows, text};

/// A database at event 1, which built the schema `from`.
struct Db {
    conn: Connection,
    schema: Schema,
}

impl Db {
    /// An in-memory database configured as `apply::open` configures a file
    /// (double-quoted strings are identifiers, foreign keys on), taken to
    /// event 1: the ops and rows of `from`.
    fn at(from: &str) -> Db {
        let conn = Connection::open_in_memory().expect("in-memory database");
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)
            .and_then(|_| conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false))
            .and_then(|_| conn.pragma_update(None, "foreign_keys", true))
            .expect("configure");
        let mut db = Db {
            conn,
            schema: Schema::default(),
        };
        let ops = parse_change(from, &db.schema).unwrap_or_else(|e| panic!("{from}: {e}"));
        let plan = plan(&db.schema, &[Step::new(1, ops)]).expect("plan the schema");
        db.apply(&plan, 0, 1);
        db
    }

    /// The ops `change` records against the schema as it stands.
    fn ops(&self, change: &str) -> Vec<Op> {
        parse_change(change, &self.schema).unwrap_or_else(|e| panic!("{change}: {e}"))
    }

    /// The database's archives, each taken back by the inverse of the op
    /// that made it.
    fn custody(&self) -> Custody {
        Custody::load(&self.conn, &|seq, op, undo| Lineage {
            seq,
            op,
            forward: !undo,
        })
        .expect("custody")
    }

    /// Applies `plan` (from event `from` to event `to`), which must leave
    /// the database holding the plan's schema, whole, foreign keys on.
    fn apply(&mut self, plan: &Plan, from: u64, to: u64) {
        let at = (from > 0).then(|| position(from));
        apply(
            &mut self.conn,
            plan,
            at.as_ref(),
            &position(to),
            &plan.schema,
            "tester",
            "0.0.0",
        )
        .unwrap_or_else(|e| panic!("the plan does not apply: {e}\n{}", shown(plan)));
        assert_clean_with_foreign_keys_on(&self.conn);
        self.schema = plan.schema.clone();
    }
}

/// The plan of `change` against the schema `from` builds, as it is
/// applied: the SQL of its statements.
fn check(from: &str, change: &str) -> String {
    applied(from, change).0
}

/// [`check`], and the database the plan was applied to.
fn applied(from: &str, change: &str) -> (String, Db) {
    let mut db = Db::at(from);
    let ops = db.ops(change);
    let plan = plan_with(&db.schema, &[Step::new(2, ops)], &db.custody()).expect("plan");
    db.apply(&plan, 1, 2);
    (shown(&plan), db)
}

/// What SQLite says when the plan of `change` against the schema `from`
/// builds is applied, which it must refuse; the database is left as it was.
fn refused(from: &str, change: &str) -> String {
    let mut db = Db::at(from);
    let ops = db.ops(change);
    let plan = plan_with(&db.schema, &[Step::new(2, ops)], &db.custody()).expect("plan");
    let before = dump(&db.conn);
    let e = apply(
        &mut db.conn,
        &plan,
        Some(&position(1)),
        &position(2),
        &plan.schema,
        "tester",
        "0.0.0",
    )
    .expect_err("SQLite refuses the plan");
    assert_eq!(dump(&db.conn), before, "nothing changed");
    format!("{}\n{e}", shown(&plan))
}

/// The plan that undoes `change` once it was applied to the schema `from`
/// builds (a backwards apply from event 2 to event 1): the SQL of its
/// statements.
fn check_undo(from: &str, change: &str) -> String {
    let mut db = Db::at(from);
    let ops = db.ops(change);
    let forward = plan_with(&db.schema, &[Step::new(2, ops.clone())], &db.custody())
        .expect("plan the change");
    db.apply(&forward, 1, 2);
    let n = ops.len();
    let undo = Step {
        seq: 2,
        ops: invert_all(&ops).expect("the change can be undone"),
        undo: true,
        // The inverses come in reverse order: undo op i carries out op
        // n - 1 - i of the event, backwards.
        lineage: (0..n)
            .map(|i| Lineage {
                seq: 2,
                op: (n - 1 - i) as u32,
                forward: false,
            })
            .collect(),
    };
    let plan = plan_with(&db.schema, &[undo], &db.custody()).expect("plan the undo");
    db.apply(&plan, 2, 1);
    shown(&plan)
}

/// The plan's statements, each run of them under its comment.
fn shown(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.foreign_keys_off {
        out.push_str("-- (foreign keys off around the transaction)\n");
    }
    let mut comment = None;
    for s in &plan.statements {
        if comment != Some(&s.comment) {
            let _ = writeln!(out, "-- {}", s.comment);
            comment = Some(&s.comment);
        }
        let _ = writeln!(out, "{};", s.sql.trim_end().trim_end_matches(';'));
    }
    out
}

const T: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER);
INSERT INTO t VALUES (1, 'one', 1), (2, 'two', 2);";

const PARENT_CHILD: &str = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);
INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (10, 1);";

// Each kind of op.

#[test]
fn create_table() {
    insta::assert_snapshot!(check(T, "CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t (id), note TEXT NOT NULL DEFAULT '')"), @r#"
    -- event 2 op 1: create_table u
    CREATE TABLE "u" (
      "id" INTEGER PRIMARY KEY,
      "t_id" INTEGER,
      "note" TEXT NOT NULL DEFAULT '',
      FOREIGN KEY ("t_id") REFERENCES "t" ("id")
    );
    "#);
}

#[test]
fn drop_table_archives_its_rows_first() {
    insta::assert_snapshot!(check(T, "DROP TABLE t"), @r#"
    -- event 2 op 1: drop_table t (archive table before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "id", "a", "n");
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "id", "a", "n") SELECT rowid, "id", "a", "n" FROM "t";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 0, 0, 2, 0, 1, 'table', 't', NULL, 'rowid', json_array('_strata_rowid'), json_array('id', 'a', 'n'), json_array(), NULL, NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 op 1: drop_table t
    DROP TABLE "t";
    "#);
}

#[test]
fn drop_table_a_foreign_key_points_at_turns_foreign_keys_off() {
    // DROP TABLE deletes the rows first, which would fire ON DELETE.
    insta::assert_snapshot!(check(
        "CREATE TABLE node (id INTEGER PRIMARY KEY, up INTEGER REFERENCES node (id) ON DELETE CASCADE);
         INSERT INTO node VALUES (1, NULL), (2, 1);",
        "DROP TABLE node",
    ), @r#"
    -- (foreign keys off around the transaction)
    -- event 2 op 1: drop_table node (archive table before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "id", "up");
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "id", "up") SELECT rowid, "id", "up" FROM "node";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 0, 0, 2, 0, 1, 'table', 'node', NULL, 'rowid', json_array('_strata_rowid'), json_array('id', 'up'), json_array(), NULL, NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 op 1: drop_table node
    DROP TABLE "node";
    "#);
}

#[test]
fn drop_the_child_then_the_parent_keeps_foreign_keys_on() {
    // Once the child is gone nothing points at the parent.
    insta::assert_snapshot!(check(PARENT_CHILD, "DROP TABLE c; DROP TABLE p"), @r#"
    -- event 2 op 1: drop_table c (archive table before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "id", "p_id");
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "id", "p_id") SELECT rowid, "id", "p_id" FROM "c";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 0, 0, 2, 0, 1, 'table', 'c', NULL, 'rowid', json_array('_strata_rowid'), json_array('id', 'p_id'), json_array(), NULL, NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 op 1: drop_table c
    DROP TABLE "c";
    -- event 2 op 2: drop_table p (archive table before it is lost)
    CREATE TABLE "_strata_archive_2" ("_strata_rowid" INTEGER PRIMARY KEY, "id", "name");
    INSERT INTO "_strata_archive_2" ("_strata_rowid", "id", "name") SELECT rowid, "id", "name" FROM "p";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 2, (SELECT max("id") FROM "_strata_log"), 2, 1, 0, 2, 1, 1, 'table', 'p', NULL, 'rowid', json_array('_strata_rowid'), json_array('id', 'name'), json_array(), NULL, NULL, '_strata_archive_2', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_2";
    -- event 2 op 2: drop_table p
    DROP TABLE "p";
    "#);
}

#[test]
fn rename_table() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t RENAME TO t2"), @r#"
    -- event 2 op 1: rename_table t to t2
    ALTER TABLE "t" RENAME TO "t2";
    "#);
}

#[test]
fn rename_table_sets_aside_the_views_triggers_and_expression_indexes_that_read_it() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);
         CREATE TABLE log (msg TEXT);
         CREATE INDEX t_lower ON t (lower(a));
         CREATE VIEW v AS SELECT a FROM t;
         CREATE VIEW w AS SELECT a FROM v;
         CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;",
        "ALTER TABLE t RENAME TO t2",
    ), @r#"
    -- event 2 op 1: rename_table (set aside around the rename)
    DROP TRIGGER "t_ins";
    DROP VIEW "w";
    DROP VIEW "v";
    DROP INDEX "t_lower";
    -- event 2 op 1: rename_table t to t2
    ALTER TABLE "t" RENAME TO "t2";
    -- event 2 op 1: rename_table (set aside around the rename)
    CREATE INDEX "t_lower" ON "t2" (lower(a));
    CREATE VIEW v AS SELECT a FROM t2;
    CREATE VIEW w AS SELECT a FROM v;
    CREATE TRIGGER t_ins AFTER INSERT ON t2 BEGIN INSERT INTO log VALUES (new.a); END;
    "#);
}

#[test]
fn add_column() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'x'"), @r#"
    -- event 2 op 1: add_column t.b
    ALTER TABLE "t" ADD COLUMN "b" TEXT NOT NULL DEFAULT 'x';
    "#);
}

#[test]
fn add_column_virtual_generated() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ADD COLUMN twice INTEGER GENERATED ALWAYS AS (n * 2) VIRTUAL"), @r#"
    -- event 2 op 1: add_column t.twice
    ALTER TABLE "t" ADD COLUMN "twice" INTEGER GENERATED ALWAYS AS (n * 2) VIRTUAL;
    "#);
}

#[test]
fn drop_column_archives_its_values_first() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t DROP COLUMN a"), @r#"
    -- event 2 op 1: drop_column t.a (archive column before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "a", "n");
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "a", "n") SELECT rowid, "a", "n" FROM "t";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 0, 0, 2, 0, 1, 'column', 't', 'a', 'rowid', json_array('_strata_rowid'), json_array('a'), json_array('n'), NULL, NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 op 1: drop_column t.a
    ALTER TABLE "t" DROP COLUMN "a";
    "#);
}

#[test]
fn rename_column() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t RENAME COLUMN a TO label"), @r#"
    -- event 2 op 1: rename_column t.a to label
    ALTER TABLE "t" RENAME COLUMN "a" TO "label";
    "#);
}

#[test]
fn alter_column_type_of_another_affinity_archives_the_values_it_converts() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ALTER COLUMN n TYPE TEXT"), @r#"
    -- event 2 op 1: alter_column t.n (archive values before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "n", "a", "_strata_after" TEXT);
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "n", "a", "_strata_after") SELECT rowid, "n", "a", "n" FROM "t";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 0, 0, 2, 0, 1, 'values', 't', 'n', 'rowid', json_array('_strata_rowid'), json_array('n'), json_array('a'), 'n', NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" TEXT
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn alter_column_type_of_the_same_affinity_converts_nothing() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ALTER COLUMN a TYPE varchar(50)"), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" varchar(50),
      "n" INTEGER
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn alter_column_set_not_null() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ALTER COLUMN a SET NOT NULL"), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT NOT NULL,
      "n" INTEGER
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn alter_column_drop_not_null() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL); INSERT INTO t VALUES (1, 'one');",
        "ALTER TABLE t ALTER COLUMN a DROP NOT NULL",
    ), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT
    );
    INSERT INTO "_strata_new_t" ("id", "a") SELECT "id", "a" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn alter_column_set_default() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ALTER COLUMN n SET DEFAULT 0"), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" INTEGER DEFAULT 0
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn alter_column_drop_default() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 0); INSERT INTO t VALUES (1, 5);",
        "ALTER TABLE t ALTER COLUMN n DROP DEFAULT",
    ), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "n" INTEGER
    );
    INSERT INTO "_strata_new_t" ("id", "n") SELECT "id", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn add_foreign_key() {
    insta::assert_snapshot!(check(
        "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER);
         INSERT INTO p VALUES (1); INSERT INTO c VALUES (10, 1);",
        "ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE",
    ), @r#"
    -- event 2 op 1: rebuild of c (add_foreign_key)
    CREATE TABLE "_strata_new_c" (
      "id" INTEGER PRIMARY KEY,
      "p_id" INTEGER,
      CONSTRAINT "c_p" FOREIGN KEY ("p_id") REFERENCES "p" ("id") ON DELETE CASCADE
    );
    INSERT INTO "_strata_new_c" ("id", "p_id") SELECT "id", "p_id" FROM "c";
    DROP TABLE "c";
    ALTER TABLE "_strata_new_c" RENAME TO "c";
    "#);
}

#[test]
fn drop_foreign_key() {
    insta::assert_snapshot!(check(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);
         CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id));
         INSERT INTO p VALUES (1); INSERT INTO c VALUES (10, 1);",
        "ALTER TABLE c DROP CONSTRAINT c_p",
    ), @r#"
    -- event 2 op 1: rebuild of c (drop_foreign_key)
    CREATE TABLE "_strata_new_c" (
      "id" INTEGER PRIMARY KEY,
      "p_id" INTEGER
    );
    INSERT INTO "_strata_new_c" ("id", "p_id") SELECT "id", "p_id" FROM "c";
    DROP TABLE "c";
    ALTER TABLE "_strata_new_c" RENAME TO "c";
    "#);
}

#[test]
fn add_unique() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ADD CONSTRAINT t_a UNIQUE (a)"), @r#"
    -- event 2 op 1: rebuild of t (add_unique)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" INTEGER,
      CONSTRAINT "t_a" UNIQUE ("a")
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn drop_unique() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, CONSTRAINT t_a UNIQUE (a)); INSERT INTO t VALUES (1, 'one');",
        "ALTER TABLE t DROP CONSTRAINT t_a",
    ), @r#"
    -- event 2 op 1: rebuild of t (drop_unique)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT
    );
    INSERT INTO "_strata_new_t" ("id", "a") SELECT "id", "a" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn add_check() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ADD CONSTRAINT t_n CHECK (n > 0)"), @r#"
    -- event 2 op 1: rebuild of t (add_check)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" INTEGER,
      CONSTRAINT "t_n" CHECK (n > 0)
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn drop_check() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, CONSTRAINT t_n CHECK (n > 0)); INSERT INTO t VALUES (1, 1);",
        "ALTER TABLE t DROP CONSTRAINT t_n",
    ), @r#"
    -- event 2 op 1: rebuild of t (drop_check)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "n" INTEGER
    );
    INSERT INTO "_strata_new_t" ("id", "n") SELECT "id", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn create_index() {
    insta::assert_snapshot!(check(T, "CREATE UNIQUE INDEX t_a ON t (a DESC) WHERE n > 0"), @r#"
    -- event 2 op 1: create_index t_a
    CREATE UNIQUE INDEX "t_a" ON "t" ("a" DESC) WHERE n > 0;
    "#);
}

#[test]
fn drop_index() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE INDEX t_a ON t (a);",
        "DROP INDEX t_a",
    ), @r#"
    -- event 2 op 1: drop_index t_a
    DROP INDEX "t_a";
    "#);
}

#[test]
fn create_view() {
    insta::assert_snapshot!(check(T, "CREATE VIEW big AS SELECT id, a FROM t WHERE n > 1"), @"
    -- event 2 op 1: create_view big
    CREATE VIEW big AS SELECT id, a FROM t WHERE n > 1;
    ");
}

#[test]
fn drop_view() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE VIEW v AS SELECT a FROM t;",
        "DROP VIEW v",
    ), @r#"
    -- event 2 op 1: drop_view v
    DROP VIEW "v";
    "#);
}

#[test]
fn create_trigger() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE TABLE log (msg TEXT);",
        "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END",
    ), @"
    -- event 2 op 1: create_trigger t_ins
    CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;
    ");
}

#[test]
fn drop_trigger() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE TABLE log (msg TEXT);
         CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;",
        "DROP TRIGGER t_ins",
    ), @r#"
    -- event 2 op 1: drop_trigger t_ins
    DROP TRIGGER "t_ins";
    "#);
}

#[test]
fn data_step_runs_as_recorded() {
    insta::assert_snapshot!(check(T, "UPDATE t SET n = n + 1 WHERE id = 2"), @"
    -- event 2 op 1: data (data step, as recorded)
    UPDATE t SET n = n + 1 WHERE id = 2;
    ");
}

// Each reason to rebuild rather than alter in place.

#[test]
fn rebuild_to_add_a_not_null_column_without_default() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)",
        "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL",
    ), @r#"
    -- event 2 op 1: rebuild of t (add_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "b" INTEGER NOT NULL
    );
    INSERT INTO "_strata_new_t" ("id", "a") SELECT "id", "a" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_to_add_a_not_null_column_whose_default_is_null() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)",
        "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT NULL",
    ), @r#"
    -- event 2 op 1: rebuild of t (add_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "b" INTEGER NOT NULL DEFAULT NULL
    );
    INSERT INTO "_strata_new_t" ("id", "a") SELECT "id", "a" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_to_add_a_column_whose_default_is_the_clock() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ADD COLUMN at TEXT DEFAULT CURRENT_TIMESTAMP"), @r#"
    -- event 2 op 1: rebuild of t (add_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" INTEGER,
      "at" TEXT DEFAULT CURRENT_TIMESTAMP
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_to_add_a_column_whose_default_is_an_expression() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT (1 + 1)"), @r#"
    -- event 2 op 1: rebuild of t (add_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" INTEGER,
      "b" INTEGER DEFAULT (1 + 1)
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_to_add_a_stored_generated_column() {
    insta::assert_snapshot!(check(T, "ALTER TABLE t ADD COLUMN twice INTEGER GENERATED ALWAYS AS (n * 2) STORED"), @r#"
    -- event 2 op 1: rebuild of t (add_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" INTEGER,
      "twice" INTEGER GENERATED ALWAYS AS (n * 2) STORED
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_to_add_a_column_anywhere_but_at_the_end() {
    // Undoing the drop of a middle column puts it back where it was; a
    // generated column has no values to bring back.
    insta::assert_snapshot!(check_undo(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, twice INTEGER AS (n * 2), a TEXT);
         INSERT INTO t (id, n, a) VALUES (1, 1, 'one');",
        "ALTER TABLE t DROP COLUMN twice",
    ), @r#"
    -- event 2 op 1: rebuild of t (add_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "n" INTEGER,
      "twice" INTEGER GENERATED ALWAYS AS (n * 2) VIRTUAL,
      "a" TEXT
    );
    INSERT INTO "_strata_new_t" ("id", "n", "a") SELECT "id", "n", "a" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_to_bring_a_dropped_columns_values_back() {
    insta::assert_snapshot!(check_undo(T, "ALTER TABLE t DROP COLUMN n"), @r#"
    -- event 2 op 1: rebuild of t (add_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" INTEGER
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", CASE WHEN EXISTS (SELECT 1 FROM "_strata_archive_1" AS _strata_a WHERE _strata_a."_strata_rowid" = "t".rowid AND "t"."a" IS +_strata_a."a") THEN (SELECT _strata_a."n" FROM "_strata_archive_1" AS _strata_a WHERE _strata_a."_strata_rowid" = "t".rowid AND "t"."a" IS +_strata_a."a") ELSE NULL END FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    DELETE FROM "_strata_archive_1" AS _strata_a WHERE EXISTS (SELECT 1 FROM "t" WHERE "t".rowid = _strata_a."_strata_rowid" AND "t"."n" IS +_strata_a."n");
    "#);
}

#[test]
fn a_dropped_table_comes_back_with_its_rows_without_a_rebuild() {
    insta::assert_snapshot!(check_undo(T, "DROP TABLE t"), @r#"
    -- (foreign keys off around the transaction)
    -- event 2 op 1: create_table t
    CREATE TABLE "t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" INTEGER
    );
    -- event 2 op 1: create_table (rows back from _strata_archive_1)
    INSERT INTO "t" ("id", "a", "n") SELECT "id", "a", "n" FROM "_strata_archive_1";
    DROP TABLE "_strata_archive_1";
    DELETE FROM "_strata_archive" WHERE "id" = 1;
    "#);
}

#[test]
fn rebuild_to_bring_back_values_a_type_change_converted() {
    insta::assert_snapshot!(check_undo(T, "ALTER TABLE t ALTER COLUMN n TYPE TEXT"), @r#"
    -- event 2 op 1: alter_column t.n (archive values before it is lost)
    CREATE TABLE "_strata_archive_2" ("_strata_rowid" INTEGER PRIMARY KEY, "n", "a", "_strata_after" INTEGER);
    INSERT INTO "_strata_archive_2" ("_strata_rowid", "n", "a", "_strata_after") SELECT rowid, "n", "a", "n" FROM "t";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 2, (SELECT max("id") FROM "_strata_log"), 2, 0, 1, 2, 0, 0, 'values', 't', 'n', 'rowid', json_array('_strata_rowid'), json_array('n'), json_array('a'), 'n', NULL, '_strata_archive_2', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_2";
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" INTEGER
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", CASE WHEN EXISTS (SELECT 1 FROM "_strata_archive_1" AS _strata_a WHERE _strata_a."_strata_rowid" = "t".rowid AND _strata_a."_strata_after" IS "t"."n" AND "t"."a" IS +_strata_a."a") THEN (SELECT _strata_a."n" FROM "_strata_archive_1" AS _strata_a WHERE _strata_a."_strata_rowid" = "t".rowid AND _strata_a."_strata_after" IS "t"."n" AND "t"."a" IS +_strata_a."a") ELSE "t"."n" END FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    DELETE FROM "_strata_archive_1" AS _strata_a WHERE EXISTS (SELECT 1 FROM "t" WHERE "t".rowid = _strata_a."_strata_rowid" AND "t"."n" IS +_strata_a."n");
    "#);
}

#[test]
fn rebuild_after_renaming_a_column_the_tables_own_check_names() {
    // SQLite rewrites the CHECK its own way; the rebuild writes the
    // model's text.
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, CHECK (n > 0)); INSERT INTO t VALUES (1, 1);",
        "ALTER TABLE t RENAME COLUMN n TO m",
    ), @r#"
    -- event 2 op 1: rename_column t.n to m
    ALTER TABLE "t" RENAME COLUMN "n" TO "m";
    -- event 2 op 1: rebuild of t (refresh of the table's own SQL text)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "m" INTEGER,
      CHECK (m > 0)
    );
    INSERT INTO "_strata_new_t" ("id", "m") SELECT "id", "m" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_after_renaming_a_column_a_generated_column_reads() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, twice INTEGER AS (n * 2)); INSERT INTO t (id, n) VALUES (1, 1);",
        "ALTER TABLE t RENAME COLUMN n TO m",
    ), @r#"
    -- event 2 op 1: rename_column t.n to m
    ALTER TABLE "t" RENAME COLUMN "n" TO "m";
    -- event 2 op 1: rebuild of t (refresh of the table's own SQL text)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "m" INTEGER,
      "twice" INTEGER GENERATED ALWAYS AS (m * 2) VIRTUAL
    );
    INSERT INTO "_strata_new_t" ("id", "m") SELECT "id", "m" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_after_renaming_a_table_the_tables_own_check_names() {
    // FIXME: the rename leaves the model's CHECK text naming `t`, and the
    // rebuild's table has a name of its own, which a check that names its
    // table cannot resolve either: SQLite refuses the plan (so `record`
    // refuses such a change, and any other rebuild of such a table).
    insta::assert_snapshot!(refused(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, CHECK (t.n > 0)); INSERT INTO t VALUES (1, 1);",
        "ALTER TABLE t RENAME TO u",
    ), @r#"
    -- event 2 op 1: rename_table t to u
    ALTER TABLE "t" RENAME TO "u";
    -- event 2 op 1: rebuild of u (refresh of the table's own SQL text)
    CREATE TABLE "_strata_new_u" (
      "id" INTEGER PRIMARY KEY,
      "n" INTEGER,
      CHECK (t.n > 0)
    );
    INSERT INTO "_strata_new_u" ("id", "n") SELECT "id", "n" FROM "u";
    DROP TABLE "u";
    ALTER TABLE "_strata_new_u" RENAME TO "u";

    event 2 op 1: rebuild of u (refresh of the table's own SQL text) failed: no such column: t.n in CREATE TABLE "_strata_new_u" (
      "id" INTEGER PRIMARY KEY,
      "n" INTEGER,
      CHECK (t.n > 0)
    ) at offset 83 (_strata_new_u is strata's copy of u while it rebuilds it); nothing was changed
    "#);
}

#[test]
fn rebuild_of_a_parent_turns_foreign_keys_off() {
    insta::assert_snapshot!(check(PARENT_CHILD, "ALTER TABLE p ALTER COLUMN name SET NOT NULL"), @r#"
    -- (foreign keys off around the transaction)
    -- event 2 op 1: rebuild of p (alter_column)
    CREATE TABLE "_strata_new_p" (
      "id" INTEGER PRIMARY KEY,
      "name" TEXT NOT NULL
    );
    INSERT INTO "_strata_new_p" ("id", "name") SELECT "id", "name" FROM "p";
    DROP TABLE "p";
    ALTER TABLE "_strata_new_p" RENAME TO "p";
    "#);
}

#[test]
fn rebuild_keeps_the_rowids_of_a_table_without_a_primary_key() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (a TEXT, n INTEGER); INSERT INTO t VALUES ('one', 1);",
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT ''",
    ), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "a" TEXT DEFAULT '',
      "n" INTEGER
    );
    INSERT INTO "_strata_new_t" (rowid, "a", "n") SELECT rowid, "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_of_a_without_rowid_table_copies_by_key() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID; INSERT INTO t VALUES ('a', 1);",
        "ALTER TABLE t ALTER COLUMN n SET NOT NULL",
    ), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "k" TEXT,
      "n" INTEGER NOT NULL,
      PRIMARY KEY ("k")
    ) WITHOUT ROWID;
    INSERT INTO "_strata_new_t" ("k", "n") SELECT "k", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_carries_the_autoincrement_counter() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT);
         INSERT INTO t (a) VALUES ('one'), ('two'); DELETE FROM t WHERE id = 2;",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    ), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY AUTOINCREMENT,
      "a" TEXT NOT NULL
    );
    INSERT INTO "_strata_new_t" ("id", "a") SELECT "id", "a" FROM "t";
    DELETE FROM sqlite_sequence WHERE name = '_strata_new_t';
    INSERT INTO sqlite_sequence (name, seq) SELECT '_strata_new_t', seq FROM sqlite_sequence WHERE name = 't';
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn rebuild_sets_aside_the_views_and_triggers_that_read_the_table() {
    insta::assert_snapshot!(check(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE TABLE log (msg TEXT);
         CREATE INDEX t_a ON t (a);
         CREATE VIEW v AS SELECT a FROM t;
         CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;",
        "ALTER TABLE t ALTER COLUMN a TYPE varchar(20)",
    ), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    DROP TRIGGER "t_ins";
    DROP VIEW "v";
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" varchar(20)
    );
    INSERT INTO "_strata_new_t" ("id", "a") SELECT "id", "a" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    CREATE INDEX "t_a" ON "t" ("a");
    CREATE VIEW v AS SELECT a FROM t;
    CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;
    "#);
}

#[test]
fn ops_of_one_event_on_one_table_share_one_rebuild() {
    // The column added, dropped and renamed, and the index, ride along.
    // The rows already there hold what ADD COLUMN gave them (NULL), as the
    // statements run one by one leave them: the default `c` ends the event
    // with is for rows inserted later.
    let (plan, db) = applied(
        T,
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL;
         ALTER TABLE t ADD COLUMN b TEXT;
         ALTER TABLE t DROP COLUMN n;
         ALTER TABLE t RENAME COLUMN b TO c;
         CREATE INDEX t_c ON t (c);
         ALTER TABLE t ALTER COLUMN c SET DEFAULT 'z'",
    );
    assert_eq!(
        rows(&db.conn, "SELECT id, c FROM t ORDER BY id"),
        vec![vec![int(1), Value::Null], vec![int(2), Value::Null]]
    );
    insta::assert_snapshot!(plan, @r#"
    -- event 2 op 3: drop_column t.n (archive column before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "n", "a");
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "n", "a") SELECT rowid, "n", "a" FROM "t";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 2, 0, 2, 2, 1, 'column', 't', 'n', 'rowid', json_array('_strata_rowid'), json_array('n'), json_array('a'), NULL, NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 ops 1, 2, 3, 4, 5, 6: rebuild of t (alter_column, add_column, drop_column, rename_column, create_index, alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT NOT NULL,
      "c" TEXT DEFAULT 'z'
    );
    INSERT INTO "_strata_new_t" ("id", "a", "c") SELECT "id", "a", NULL FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    CREATE INDEX "t_c" ON "t" ("c");
    "#);
}

#[test]
fn a_column_added_then_given_another_default_keeps_the_first_in_the_rows_there() {
    // ADD COLUMN gave the rows 'x'; the copy puts it in, evaluated as the
    // default is, since the new table's default is another.
    let (plan, db) = applied(
        T,
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL;
         ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'x';
         ALTER TABLE t ALTER COLUMN c SET DEFAULT 'z'",
    );
    assert_eq!(
        rows(&db.conn, "SELECT id, c FROM t ORDER BY id"),
        vec![vec![int(1), text("x")], vec![int(2), text("x")]]
    );
    insta::assert_snapshot!(plan, @r#"
    -- event 2 ops 1, 2, 3: rebuild of t (alter_column, add_column, alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT NOT NULL,
      "n" INTEGER,
      "c" TEXT DEFAULT 'z'
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n", "c") SELECT "id", "a", "n", ('x') FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn a_type_change_of_a_column_added_with_a_default_finds_the_column_there() {
    // The rows hold '5' (ADD COLUMN gives the default the TEXT affinity),
    // which BLOB keeps as text; one copy would store the integer 5. So the
    // column is added by a rebuild of its own first.
    let (plan, db) = applied(
        T,
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL;
         ALTER TABLE t ADD COLUMN c TEXT DEFAULT 5;
         ALTER TABLE t ALTER COLUMN c TYPE BLOB",
    );
    assert_eq!(
        rows(&db.conn, "SELECT id, c FROM t ORDER BY id"),
        vec![vec![int(1), text("5")], vec![int(2), text("5")]]
    );
    insta::assert_snapshot!(plan, @r#"
    -- event 2 ops 1, 2: rebuild of t (alter_column, add_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT NOT NULL,
      "n" INTEGER,
      "c" TEXT DEFAULT 5
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    -- event 2 op 3: alter_column t.c (archive values before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "c", "a", "n", "_strata_after" BLOB);
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "c", "a", "n", "_strata_after") SELECT rowid, "c", "a", "n", "c" FROM "t";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 2, 0, 2, 2, 1, 'values', 't', 'c', 'rowid', json_array('_strata_rowid'), json_array('c'), json_array('a', 'n'), 'c', NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 op 3: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT NOT NULL,
      "n" INTEGER,
      "c" BLOB DEFAULT 5
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n", "c") SELECT "id", "a", "n", "c" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn a_second_change_of_a_columns_type_affinity_finds_the_first_done() {
    // TEXT makes the integers text, which BLOB keeps; one copy into BLOB
    // would keep the integers.
    let (plan, db) = applied(
        T,
        "ALTER TABLE t ALTER COLUMN n TYPE TEXT; ALTER TABLE t ALTER COLUMN n TYPE BLOB",
    );
    assert_eq!(
        rows(&db.conn, "SELECT id, n FROM t ORDER BY id"),
        vec![vec![int(1), text("1")], vec![int(2), text("2")]]
    );
    insta::assert_snapshot!(plan, @r#"
    -- event 2 op 1: alter_column t.n (archive values before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "n", "a", "_strata_after" TEXT);
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "n", "a", "_strata_after") SELECT rowid, "n", "a", "n" FROM "t";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 0, 0, 2, 0, 1, 'values', 't', 'n', 'rowid', json_array('_strata_rowid'), json_array('n'), json_array('a'), 'n', NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" TEXT
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    -- event 2 op 2: alter_column t.n (archive values before it is lost)
    CREATE TABLE "_strata_archive_2" ("_strata_rowid" INTEGER PRIMARY KEY, "n", "a", "_strata_after" BLOB);
    INSERT INTO "_strata_archive_2" ("_strata_rowid", "n", "a", "_strata_after") SELECT rowid, "n", "a", "n" FROM "t";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 2, (SELECT max("id") FROM "_strata_log"), 2, 1, 0, 2, 1, 1, 'values', 't', 'n', 'rowid', json_array('_strata_rowid'), json_array('n'), json_array('a'), 'n', NULL, '_strata_archive_2', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_2";
    -- event 2 op 2: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT,
      "n" BLOB
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn a_data_step_splits_the_rebuilds_around_it() {
    insta::assert_snapshot!(check(
        T,
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL; UPDATE t SET n = 0; ALTER TABLE t ALTER COLUMN n SET NOT NULL",
    ), @r#"
    -- event 2 op 1: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT NOT NULL,
      "n" INTEGER
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    -- event 2 op 2: data (data step, as recorded)
    UPDATE t SET n = 0;
    -- event 2 op 3: rebuild of t (alter_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" TEXT NOT NULL,
      "n" INTEGER NOT NULL
    );
    INSERT INTO "_strata_new_t" ("id", "a", "n") SELECT "id", "a", "n" FROM "t";
    DROP TABLE "t";
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    "#);
}

#[test]
fn a_column_another_table_references_is_renamed_by_sqlite_even_mid_rebuild() {
    insta::assert_snapshot!(check(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, k INTEGER UNIQUE, v INTEGER);
         CREATE TABLE c (k INTEGER REFERENCES p (k));
         INSERT INTO p VALUES (1, 7, 1); INSERT INTO c VALUES (7);",
        "ALTER TABLE p ALTER COLUMN v TYPE TEXT; ALTER TABLE p RENAME COLUMN k TO kk",
    ), @r#"
    -- (foreign keys off around the transaction)
    -- event 2 op 1: alter_column p.v (archive values before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "v", "k", "_strata_after" TEXT);
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "v", "k", "_strata_after") SELECT rowid, "v", "k", "v" FROM "p";
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 0, 0, 2, 0, 1, 'values', 'p', 'v', 'rowid', json_array('_strata_rowid'), json_array('v'), json_array('k'), 'v', NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 op 1: rebuild of p (alter_column)
    CREATE TABLE "_strata_new_p" (
      "id" INTEGER PRIMARY KEY,
      "k" INTEGER,
      "v" TEXT,
      UNIQUE ("k")
    );
    INSERT INTO "_strata_new_p" ("id", "k", "v") SELECT "id", "k", "v" FROM "p";
    DROP TABLE "p";
    ALTER TABLE "_strata_new_p" RENAME TO "p";
    -- event 2 op 2: rename_column p.k to kk
    ALTER TABLE "p" RENAME COLUMN "k" TO "kk";
    "#);
}
