//! Custody of data on every path: the cases of the custody issue, each
//! with the real binary, a real ledger and real SQLite files. A database
//! moved in one apply ends where one moved event by event ends; coming back
//! gives back what was there; values go back only to the rows they came
//! from.

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::support::{dump, exec, int, rows, text};
use crate::Env;

/// A ledger whose event 1 is `create`, applied to app.db, which then gets
/// `rows`.
fn started(create: &str, rows: &str) -> (Env, Connection) {
    let env = Env::init();
    env.record("create", create);
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    exec(&conn, rows);
    (env, conn)
}

/// Case 1: a drop and its undo in one apply bring the rows back.
#[test]
fn a_drop_and_its_revert_in_one_apply_keep_every_row() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, v text)",
        "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    );
    let before = dump(&conn);
    env.record("drop", "DROP TABLE t");
    env.ok(&["revert", "head", "-m", "undo"]);
    let run = env.ok(&["apply", "--db", "app.db"]);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert_eq!(dump(&conn), before);
    // Nothing is left stranded.
    assert_eq!(
        rows(&conn, "SELECT count(*) FROM _strata_archive"),
        vec![vec![int(0)]]
    );

    // The same with a column.
    env.record("c", "ALTER TABLE t ADD COLUMN c text");
    env.ok(&["apply", "--db", "app.db"]);
    exec(&conn, "UPDATE t SET c = 'x' || id");
    let before = dump(&conn);
    env.record("drop c", "ALTER TABLE t DROP COLUMN c");
    env.ok(&["revert", "head", "-m", "undo"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(dump(&conn), before);
}

/// Case 2: the drop and the revert applied apart, then back to before
/// both; and a drop/revert/redo cycle walked back.
#[test]
fn going_back_over_a_revert_and_its_drop_keeps_every_row() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, v text, c int)",
        "INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20)",
    );
    let at_one = dump(&conn);
    env.record("drop", "DROP TABLE t");
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["revert", "head", "-m", "undo"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(dump(&conn), at_one);
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    assert_eq!(dump(&conn), at_one);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(dump(&conn), at_one);

    // drop column, revert, redo (revert of the revert), each applied.
    env.record("drop c", "ALTER TABLE t DROP COLUMN c");
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["revert", "head", "-m", "undo"]);
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["revert", "head", "-m", "redo"]);
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["apply", "--db", "app.db", "--to", "3"])
        .says("restored the values of t.c: 2 rows");
    assert_eq!(dump(&conn), at_one);
}

/// Case 3: walking back and forth never trips on an earlier archive.
#[test]
fn walking_back_and_forth_never_fails_and_keeps_every_row() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, a text, b int)",
        "INSERT INTO t VALUES (1, 'x', 1), (2, 'y', 2), (3, NULL, 3)",
    );
    env.record("b to text", "ALTER TABLE t ALTER COLUMN b TYPE text");
    env.record("drop a", "ALTER TABLE t DROP COLUMN a");
    env.ok(&["tag", "v1", "1"]);
    env.record(
        "u",
        "CREATE TABLE u (k text primary key, n int) WITHOUT ROWID",
    );
    env.ok(&["apply", "--db", "app.db"]);
    exec(&conn, "INSERT INTO u VALUES ('k1', 1), ('k2', 2)");
    let at_head = dump(&conn);
    let kept = |conn: &Connection| {
        rows(
            conn,
            "SELECT kind, table_name, column_name, row_count FROM _strata_archive ORDER BY id",
        )
    };
    // At head the archive keeps what events 2 and 3 took: b's text and a.
    let kept_at_head = kept(&conn);
    assert_eq!(kept_at_head.len(), 2);
    for _ in 0..3 {
        env.ok(&["apply", "--db", "app.db", "--to", "head~1"]);
        env.ok(&["apply", "--db", "app.db", "--to", "v1"]);
        env.ok(&["apply", "--db", "app.db", "--to", "3"]);
        env.ok(&["apply", "--db", "app.db", "--to", "v1"]);
        env.ok(&["apply", "--db", "app.db"]);
        assert_eq!(dump(&conn), at_head);
        // No archive piles up: each round's are taken back.
        assert_eq!(kept(&conn), kept_at_head);
    }
}

/// Case 4: a baselined database, with adopted hand-made columns and
/// tables, taken back before the baseline and forwards again.
#[test]
fn adopted_tables_and_columns_come_back_after_going_before_the_baseline() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, v text)",
        "INSERT INTO t VALUES (1, 'a'), (2, 'b');
         ALTER TABLE t ADD COLUMN extra text;
         UPDATE t SET extra = 'e' || id;
         CREATE TABLE handmade (k integer primary key, note text);
         INSERT INTO handmade VALUES (7, 'seven'), (9, 'nine');",
    );
    env.ok(&[
        "baseline",
        "--db",
        "app.db",
        "--force-after",
        "head",
        "-m",
        "adopt",
    ]);
    let adopted = dump(&conn);
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    assert_eq!(
        rows(
            &conn,
            "SELECT count(*) FROM sqlite_schema WHERE name = 'handmade'"
        ),
        vec![vec![int(0)]]
    );
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(dump(&conn), adopted);
    env.ok(&["status", "--db", "app.db"]).says("no drift");
}

/// Case 5: checkout builds a history with a NOT NULL column without a
/// default; a dropped NOT NULL column reverted after new rows came in says
/// which rows have no value, and after a purge apply refuses to lose data.
#[test]
fn not_null_columns_without_default_on_every_path() {
    let env = Env::init();
    env.record("t", "CREATE TABLE t (id integer primary key, v text)");
    env.record("c", "ALTER TABLE t ADD COLUMN c int NOT NULL");
    env.ok(&["checkout", "--to", "head", "--db", "fresh.db"]);
    env.ok(&["apply", "--db", "app.db"]);

    let (env, _) = started(
        "CREATE TABLE t (id integer primary key, v text, secret TEXT NOT NULL)",
        "INSERT INTO t VALUES (1, 'a', 's1'), (2, 'b', 's2')",
    );
    env.record("drop", "ALTER TABLE t DROP COLUMN secret");
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["revert", "head", "-m", "undo"]);
    // Rows inserted since have no value for the NOT NULL column. (A new
    // connection: this one's schema predates the drop.)
    let conn = env.db("app.db");
    exec(&conn, "INSERT INTO t VALUES (3, 'c')");
    env.fails(&["apply", "--db", "app.db"], 1).says("NOT NULL");
    exec(&conn, "DELETE FROM t WHERE id = 3");
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        rows(&conn, "SELECT id, secret FROM t ORDER BY id"),
        vec![vec![int(1), text("s1")], vec![int(2), text("s2")]]
    );

    // After a purge, a move that would bring the column back without its
    // values is refused, and --without-data proceeds and says so.
    env.ok(&["apply", "--db", "app.db", "--to", "2"]);
    env.ok(&["archive", "purge", "--db", "app.db", "--before", "head"]);
    let before = dump(&conn);
    env.fails(&["apply", "--db", "app.db"], 1)
        .says("t.secret")
        .says("2 rows");
    assert_eq!(dump(&conn), before);
    // NOT NULL without a default and no values: SQLite itself cannot.
    env.fails(&["apply", "--db", "app.db", "--without-data"], 1);
    assert_eq!(dump(&conn), before);
}

/// Case 5, the loss refusal on a nullable column.
#[test]
fn a_purged_archive_is_never_a_silent_loss() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, v text, c text)",
        "INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'y')",
    );
    env.record("drop", "ALTER TABLE t DROP COLUMN c");
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["archive", "purge", "--db", "app.db", "--before", "head"]);
    let before = dump(&conn);
    env.fails(&["apply", "--db", "app.db", "--to", "1"], 1)
        .says("the values of t.c (2 rows");
    assert_eq!(dump(&conn), before);
    env.ok(&["apply", "--db", "app.db", "--to", "1", "--without-data"])
        .says("without its data");
    assert_eq!(
        rows(&conn, "SELECT id, c FROM t ORDER BY id"),
        vec![vec![int(1), Value::Null], vec![int(2), Value::Null]]
    );
    let note = rows(
        &conn,
        "SELECT note FROM _strata_log ORDER BY id DESC LIMIT 1",
    );
    assert!(
        matches!(&note[0][0], Value::Text(n) if n.contains("--without-data") && n.contains("t.c")),
        "{note:?}"
    );
}

/// Case 6: a column turned into a generated column keeps its values in
/// the archive, and the revert brings them back.
#[test]
fn a_column_turned_generated_comes_back_with_its_values() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, a int, b int, total int)",
        "INSERT INTO t VALUES (1, 1, 2, 100), (2, 5, 5, 7)",
    );
    let before = dump(&conn);
    let desired = env.file(
        "desired.sql",
        "CREATE TABLE t (id integer primary key, a int, b int, total INT GENERATED ALWAYS AS (a+b) STORED);",
    );
    env.ok(&[
        "record",
        "-m",
        "generated",
        "--desired",
        desired.to_str().expect("path"),
    ]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        rows(&conn, "SELECT total FROM t ORDER BY id"),
        vec![vec![int(3)], vec![int(10)]]
    );
    env.ok(&["revert", "head", "-m", "undo"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(dump(&conn), before);
}

/// Case 7: a key type change on a WITHOUT ROWID table, reverted, gives the
/// keys back exactly.
#[test]
fn a_without_rowid_key_type_change_reverted_gives_back_every_key() {
    let (env, conn) = started(
        "CREATE TABLE w (k text primary key, v text) WITHOUT ROWID",
        "INSERT INTO w VALUES ('007', 'bond'), ('1.50', 'price'), ('x', 'ex')",
    );
    let before = dump(&conn);
    env.record("k int", "ALTER TABLE w ALTER COLUMN k TYPE integer");
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["revert", "head", "-m", "undo"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(dump(&conn), before);
    // And by walking back.
    env.ok(&["apply", "--db", "app.db", "--to", "2"]);
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    assert_eq!(dump(&conn), before);
}

/// A WITHOUT ROWID table that loses its key, its WITHOUT ROWID and a
/// column in one event: the column's values are archived by the key the
/// rows had, and the revert, which makes the key again in the same
/// rebuild, brings them back (the archive once had no key at all, which
/// SQLite refused at record time).
#[test]
fn a_column_dropped_with_its_tables_key_comes_back_by_that_key() {
    let (env, conn) = started(
        "CREATE TABLE w (k text primary key, a text, b text) WITHOUT ROWID",
        "INSERT INTO w VALUES ('x', '1', '2'), ('y', '3', '4')",
    );
    let before = dump(&conn);
    let desired = env.file("desired.sql", "CREATE TABLE w (k text, a text);");
    env.ok(&[
        "record",
        "-m",
        "no key",
        "--desired",
        desired.to_str().expect("path"),
    ]);
    env.ok(&["apply", "--db", "app.db"])
        .says("archived column w.b: 2 rows");
    env.ok(&["revert", "head", "-m", "undo"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("restored the values of w.b: 2 rows");
    assert_eq!(dump(&conn), before);
    // And by walking back.
    env.ok(&["apply", "--db", "app.db", "--to", "2"]);
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    assert_eq!(dump(&conn), before);
}

/// A table made after the point and relaxed since holds rows its first
/// shape refuses (a NULL where it was NOT NULL, text in a STRICT integer
/// column). `revert --to` the point drops it without putting its first
/// shape back on the rows first, as an event's constraints are checked
/// when it ends; the redo brings the rows back into the table as head has
/// it, not into the shape its creation names.
#[test]
fn a_revert_drops_a_relaxed_table_and_the_redo_brings_back_rows_its_first_shape_refused() {
    let (env, conn) = started("CREATE TABLE p (x int)", "INSERT INTO p VALUES (1)");
    env.record(
        "t",
        "CREATE TABLE t (id integer primary key, a text NOT NULL, b integer) STRICT",
    );
    env.record("relax a", "ALTER TABLE t ALTER COLUMN a DROP NOT NULL");
    let desired = env.file(
        "desired.sql",
        "CREATE TABLE p (x int); CREATE TABLE t (id integer primary key, a text, b integer);",
    );
    env.ok(&[
        "record",
        "-m",
        "not strict",
        "--desired",
        desired.to_str().expect("path"),
    ]);
    env.ok(&["apply", "--db", "app.db"]);
    exec(
        &conn,
        "INSERT INTO t VALUES (1, NULL, 1), (2, 'two', 'abc')",
    );
    let at_head = dump(&conn);

    env.ok(&["revert", "--to", "1", "-m", "back"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("archived table t: 2 rows");
    assert_eq!(
        rows(&conn, "SELECT count(*) FROM sqlite_schema WHERE name = 't'"),
        [[int(0)]]
    );

    env.ok(&["revert", "head", "-m", "redo"]);
    let plan = env.ok(&["apply", "--db", "app.db", "--dry-run"]);
    assert!(
        plan.stdout.contains("its rows back after them"),
        "{}",
        plan.stdout
    );
    env.ok(&["apply", "--db", "app.db"])
        .says("restored the rows of table t: 2 rows");
    assert_eq!(dump(&conn), at_head);
    env.ok(&["verify", "--db", "app.db"]);
}

/// Case 8: values go back only to the rows they came from.
#[test]
fn values_never_go_to_a_row_that_reused_a_rowid_or_changed_since() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, name text, note text)",
        "INSERT INTO t VALUES (1, 'a', 'n1'), (2, 'b', 'n2'), (3, 'c', 'n3')",
    );
    env.record("drop note", "ALTER TABLE t DROP COLUMN note");
    env.ok(&["apply", "--db", "app.db"]);
    exec(
        &conn,
        "DELETE FROM t WHERE id = 3; INSERT INTO t VALUES (3, 'new')",
    );
    env.ok(&["revert", "head", "-m", "undo"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("1 more kept there");
    assert_eq!(
        rows(&conn, "SELECT id, name, note FROM t ORDER BY id"),
        vec![
            vec![int(1), text("a"), text("n1")],
            vec![int(2), text("b"), text("n2")],
            vec![int(3), text("new"), Value::Null]
        ]
    );
    // The value not put back is still kept, and listed.
    env.ok(&["archive", "list", "--db", "app.db"])
        .says("1 row,");

    // After a type change, an update made since is never overwritten.
    env.record("p", "CREATE TABLE p (id integer primary key, price text)");
    env.ok(&["apply", "--db", "app.db"]);
    exec(&conn, "INSERT INTO p VALUES (1, '1.50'), (2, '007')");
    env.record("p real", "ALTER TABLE p ALTER COLUMN price TYPE real");
    env.ok(&["apply", "--db", "app.db"]);
    exec(&conn, "UPDATE p SET price = 99.5 WHERE id = 2");
    env.ok(&["revert", "head", "-m", "undo"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        rows(&conn, "SELECT id, price FROM p ORDER BY id"),
        vec![vec![int(1), text("1.50")], vec![int(2), text("99.5")]]
    );
}

/// Case 9: an AUTOINCREMENT table dropped and reverted keeps its counter.
#[test]
fn a_dropped_autoincrement_table_comes_back_with_its_counter() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key autoincrement, v text)",
        "INSERT INTO t (v) VALUES ('a'), ('b'), ('c'); DELETE FROM t WHERE id = 3",
    );
    let before = dump(&conn);
    env.record("drop", "DROP TABLE t");
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["revert", "head", "-m", "undo"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(dump(&conn), before);
    exec(&conn, "INSERT INTO t (v) VALUES ('d')");
    assert_eq!(rows(&conn, "SELECT max(id) FROM t"), vec![vec![int(4)]]);
}

/// The property in small: for one history with rows, moving in one apply
/// and moving one event at a time leave the same dump, and coming back
/// gives back the start.
#[test]
fn one_apply_equals_event_by_event_and_back_equals_start() {
    let env = Env::init();
    env.record(
        "t",
        "CREATE TABLE t (id integer primary key, a text, b blob, c real);
         CREATE TABLE k (code text primary key, n int) WITHOUT ROWID",
    );
    env.ok(&["apply", "--db", "one.db"]);
    env.ok(&["apply", "--db", "steps.db"]);
    for name in ["one.db", "steps.db"] {
        exec(
            &env.db(name),
            "INSERT INTO t VALUES (1, 'x', x'00ff', 1.5), (5, NULL, NULL, NULL), (9, 'long', zeroblob(10), -2);
             INSERT INTO k VALUES ('a', 1), ('b', 2);",
        );
    }
    let start = dump(&env.db("one.db"));
    env.record("drop b", "ALTER TABLE t DROP COLUMN b");
    env.record("a int", "ALTER TABLE t ALTER COLUMN a TYPE integer");
    env.record("rename", "ALTER TABLE t RENAME COLUMN c TO cc");
    env.record("drop k", "DROP TABLE k");
    env.ok(&["revert", "3", "-m", "undo a int"]);
    env.record(
        "k again",
        "CREATE TABLE k (code text primary key, n int) WITHOUT ROWID",
    );
    let head = env.head();
    env.ok(&["apply", "--db", "one.db"]);
    for to in 2..=head {
        env.ok(&["apply", "--db", "steps.db", "--to", &to.to_string()]);
    }
    assert_eq!(dump(&env.db("one.db")), dump(&env.db("steps.db")));
    env.ok(&["apply", "--db", "one.db", "--to", "1"]);
    for to in (1..head).rev() {
        env.ok(&["apply", "--db", "steps.db", "--to", &to.to_string()]);
    }
    assert_eq!(dump(&env.db("one.db")), start);
    assert_eq!(dump(&env.db("steps.db")), start);
}

/// A database whose archives an earlier version made (a catalog without
/// lineage columns, archive tables named `_strata_archive_<seq>_<op>`):
/// the next apply brings the data back, and its catalog gains the columns.
#[test]
fn archives_an_earlier_version_made_still_come_back() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, v text, c text)",
        "INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'y')",
    );
    let before = dump(&conn);
    env.record("drop c", "ALTER TABLE t DROP COLUMN c");
    env.ok(&["apply", "--db", "app.db"]);
    // Made as the first version made it: no lineage, no witness, the name
    // of the event and op.
    exec(
        &conn,
        "ALTER TABLE _strata_archive_1 RENAME TO _strata_archive_2_0;
         UPDATE _strata_archive SET archive_table = '_strata_archive_2_0';
         CREATE TABLE old AS SELECT id, log_id, seq, op, kind, table_name, column_name,
           key_kind, key_columns, archive_table, row_count, created_at FROM _strata_archive;
         DROP TABLE _strata_archive;
         CREATE TABLE _strata_archive (id INTEGER PRIMARY KEY, log_id INTEGER NOT NULL,
           seq INTEGER NOT NULL, op INTEGER NOT NULL, kind TEXT NOT NULL, table_name TEXT NOT NULL,
           column_name TEXT, key_kind TEXT NOT NULL, key_columns TEXT NOT NULL,
           archive_table TEXT NOT NULL UNIQUE, row_count INTEGER NOT NULL, created_at TEXT NOT NULL);
         INSERT INTO _strata_archive SELECT * FROM old; DROP TABLE old;
         ALTER TABLE _strata_log DROP COLUMN note;",
    );
    env.ok(&["archive", "list", "--db", "app.db"])
        .says("_strata_archive_2_0")
        .says("made by event 2 op 1");
    env.ok(&["apply", "--db", "app.db", "--to", "1"])
        .says("restored the values of t.c: 2 rows from _strata_archive_2_0");
    assert_eq!(dump(&conn), before);
    let columns = rows(&conn, "SELECT count(*) FROM pragma_table_info('_strata_archive') WHERE name IN ('lineage_seq', 'purged_at')");
    assert_eq!(columns, vec![vec![int(2)]]);
}

/// The redo of a `revert --to` that ran revert SQL re-creates the tables
/// it dropped with their rows; and an empty AUTOINCREMENT table taken back
/// and forth gets no counter it did not have.
#[test]
fn a_redo_across_revert_sql_and_an_empty_autoincrement_table_keep_everything() {
    let env = Env::init();
    env.record("t", "CREATE TABLE t (id integer primary key, v text)");
    let undo = env.file("undo.sql", "UPDATE t SET v = v || '~';");
    env.ok(&[
        "record",
        "-m",
        "d",
        "--sql",
        "UPDATE t SET v = substr(v, 1, length(v) - 1) WHERE v GLOB '*~'",
        "--revert-sql",
        undo.to_str().expect("path"),
    ]);
    env.ok(&["revert", "--to", "0", "-m", "back"]);
    env.ok(&["revert", "head", "-m", "redo"]);
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    let conn = env.db("app.db");
    exec(&conn, "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    let before = dump(&conn);
    env.ok(&["apply", "--db", "app.db", "--to", "4"])
        .says("restored the rows of table t: 2 rows");
    assert_eq!(dump(&conn), before);
    env.ok(&["apply", "--db", "app.db", "--to", "3"]);
    env.ok(&["apply", "--db", "app.db", "--to", "4"]);
    assert_eq!(dump(&conn), before);

    env.record(
        "a",
        "CREATE TABLE a (id integer primary key autoincrement, v text)",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let at_head = dump(&conn);
    env.ok(&["apply", "--db", "app.db", "--to", "4"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(dump(&conn), at_head);
}

/// `checkout --to` every point builds what applying a new database to that
/// point one event at a time builds: the same schema text, tables and
/// counters.
#[test]
fn checkout_of_every_point_equals_event_by_event() {
    let env = Env::init();
    env.record(
        "t",
        "CREATE TABLE t (id integer primary key autoincrement, a text, b int NOT NULL DEFAULT 0)",
    );
    env.record("i", "CREATE INDEX t_a ON t (a)");
    env.record("c", "ALTER TABLE t ALTER COLUMN b TYPE text");
    env.record("d", "DROP INDEX t_a; ALTER TABLE t DROP COLUMN a");
    env.ok(&["revert", "3", "-m", "undo c"]);
    env.record("v", "CREATE VIEW v AS SELECT id, b FROM t");
    env.ok(&["revert", "--to", "1", "-m", "back"]);
    env.ok(&["revert", "head", "-m", "redo"]);
    let head = env.head();
    let schema = |name: &str| {
        rows(
            &env.db(name),
            "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE '\\_strata\\_%' ESCAPE '\\' ORDER BY type, name",
        )
    };
    for to in 0..=head {
        let name = format!("c{to}.db");
        env.ok(&["checkout", "--to", &to.to_string(), "--db", &name]);
        env.ok(&["apply", "--db", "steps.db", "--to", &to.to_string()]);
        assert_eq!(schema(&name), schema("steps.db"), "at {to}");
        assert_eq!(dump(&env.db(&name)), dump(&env.db("steps.db")), "at {to}");
    }
}

/// A table named like a short alias (`a`) gets each row's own value back
/// (found by the paths property).
#[test]
fn a_table_named_a_gets_each_row_its_own_value() {
    let env = Env::init();
    env.record("t", "CREATE TABLE a (\"id\" REAL, \"note\" TEXT)");
    env.record("s", "ALTER TABLE a ADD COLUMN score TEXT");
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    exec(
        &conn,
        "INSERT INTO a (rowid, id, note, score) VALUES (1, 1, 'a', 's1'), (2, 2, 'b', 's2')",
    );
    let before = dump(&conn);
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    env.ok(&["apply", "--db", "app.db", "--to", "2"]);
    assert_eq!(dump(&conn), before);
}

/// The way out of a ledger recorded before events were proven that holds
/// an event no database can pass: reverting it (an append) cancels the
/// pair, and every later point applies and checks out again, rows kept.
#[test]
fn a_void_event_is_cancelled_by_its_revert_and_later_points_build_again() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, v text)",
        "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    );
    // What an earlier strata let in: a partial index naming a column that
    // does not exist. `record` refuses it now, so it goes in by the library.
    {
        let ledger = strata_ledger::Ledger::open_to_write(env.path().join("ledger-data"))
            .expect("open ledger");
        let head = ledger.schema_at(1).expect("schema");
        let ops =
            strata_sqlite::ddl::parse_change("CREATE INDEX bad ON t (v) WHERE nosuch > 0", &head)
                .expect("parses");
        ledger
            .append(strata_ledger::Draft {
                at: None,
                author: "old".into(),
                message: "bad index".into(),
                body: strata_ledger::Body::Change {
                    ops,
                    revert_sql: None,
                },
            })
            .expect("append");
    }
    // Appended with a warning: head cannot be built, so it cannot be proven.
    let run = env.ok(&[
        "record",
        "-m",
        "c",
        "--sql",
        "ALTER TABLE t ADD COLUMN c int",
    ]);
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    env.fails(&["apply", "--db", "app.db"], 1).says("nosuch");
    env.fails(&["checkout", "--to", "head", "--db", "fresh.db"], 1);
    let before = dump(&conn);

    // The way out: revert the void event.
    env.ok(&["revert", "2", "-m", "void the bad index"]);
    env.ok(&["apply", "--db", "app.db"]);
    let after = dump(&conn);
    assert_eq!(after.len(), before.len());
    assert_eq!(
        rows(&conn, "SELECT id, v, c FROM t ORDER BY id"),
        vec![
            vec![int(1), text("a"), Value::Null],
            vec![int(2), text("b"), Value::Null]
        ]
    );
    env.ok(&["status", "--db", "app.db"]).says("no drift");
    env.ok(&["checkout", "--to", "head", "--db", "fresh.db"]);
    // Back before the void event and forwards again, rows kept.
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(dump(&conn), after);
    // A point between the void event and its revert cannot be built.
    env.fails(&["checkout", "--to", "3", "--db", "between.db"], 1);
}

/// The same way out for a void data step (`INSERT INTO nosuch ...`): its
/// revert needs no revert SQL, since it never ran anywhere.
#[test]
fn a_void_data_step_is_cancelled_by_its_revert() {
    let env = Env::init();
    env.record("t", "CREATE TABLE t (id integer primary key, v text)");
    {
        let ledger = strata_ledger::Ledger::open_to_write(env.path().join("ledger-data"))
            .expect("open ledger");
        ledger
            .append(strata_ledger::Draft {
                at: None,
                author: "old".into(),
                message: "bad data step".into(),
                body: strata_ledger::Body::Change {
                    ops: vec![strata_schema::Op::Data {
                        sql: "INSERT INTO nosuch VALUES (1)".into(),
                    }],
                    revert_sql: None,
                },
            })
            .expect("append");
    }
    env.record("u", "CREATE TABLE u (k text primary key)");
    env.fails(&["checkout", "--to", "head", "--db", "fresh.db"], 1)
        .says("nosuch");
    env.ok(&["revert", "2", "-m", "void the bad data step"]);
    env.ok(&["checkout", "--to", "head", "--db", "fresh.db"]);
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["status", "--db", "app.db"]).says("no drift");
    // A data step that runs is not void: its revert still needs revert SQL.
    env.record("ok", "INSERT INTO t VALUES (1, 'x')");
    env.fails(&["revert", "head", "-m", "no"], 1)
        .says("revert SQL");
}

/// A dropped column comes back though another column of its rows had its
/// type changed since (by the ledger): the witness compares values as the
/// column stores them now.
#[test]
fn a_column_comes_back_though_a_witness_column_was_converted_since() {
    let (env, conn) = started(
        "CREATE TABLE t (id integer primary key, a text, b int, c real, d text)",
        "INSERT INTO t VALUES (1, 'x', 3, 0.5, 'd1'), (2, 'y', 6, 1.0, 'd2'), (3, 'z', 9, NULL, NULL)",
    );
    let before = dump(&conn);
    env.record("drop d", "ALTER TABLE t DROP COLUMN d");
    env.record("b text", "ALTER TABLE t ALTER COLUMN b TYPE text");
    env.ok(&["revert", "2", "-m", "undo drop d"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("restored the values of t.d: 3 rows");
    assert_eq!(
        rows(&conn, "SELECT id, d FROM t ORDER BY id"),
        vec![
            vec![int(1), text("d1")],
            vec![int(2), text("d2")],
            vec![int(3), Value::Null]
        ]
    );
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    assert_eq!(dump(&conn), before);
}
