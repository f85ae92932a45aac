//! Table options as ops: a table made STRICT or WITHOUT ROWID (by `record
//! --desired`, or by a hand-written rebuild into a table with the option)
//! is rebuilt with every row, refused with the rows named when STRICT does
//! not take their values, and reverted like any other change.

use crate::Env;

fn rows(env: &Env, sql: &str) -> Vec<String> {
    crate::values(&env.db("app.db"), sql)
}

fn sql_of(env: &Env, table: &str) -> String {
    env.db("app.db")
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .expect("the table")
}

fn op_kinds(env: &Env, event: usize) -> Vec<String> {
    env.events()[event - 1]["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .filter_map(|op| op.as_object()?.keys().next().cloned())
        .collect()
}

const ALL: &str = "SELECT id, typeof(n), n, s FROM t ORDER BY id";

#[test]
fn a_table_made_strict_keeps_its_rows_names_the_ones_strict_refuses_and_reverts() {
    let env = Env::init();
    env.record(
        "t",
        "CREATE TABLE t (id integer primary key, n integer, s text)",
    );
    env.ok(&["apply", "--db", "app.db"]);
    env.db("app.db")
        .execute_batch(
            "INSERT INTO t VALUES (1, 10, 'a'), (2, '20', 'b'), (3, 'abc', 'c'), (4, 4.5, 'd')",
        )
        .expect("rows");
    let before = rows(&env, ALL);
    env.file(
        "strict.sql",
        "CREATE TABLE t (id integer primary key, n integer, s text) STRICT;",
    );
    env.ok(&["record", "-m", "strict", "--desired", "strict.sql"]);
    assert_eq!(op_kinds(&env, 2), ["alter_table_options"]);
    env.ok(&["show", "2"])
        .says("alter table t options: none -> STRICT");

    env.fails(&["apply", "--db", "app.db"], 1)
        .says("column n of table t is INTEGER in a STRICT table")
        .says("the row id = 3 (n = 'abc'), the row id = 4 (n = 4.5)")
        .says("nothing was changed")
        .says("help: give those rows values");
    assert_eq!(rows(&env, ALL), before);
    assert!(!sql_of(&env, "t").contains("STRICT"));

    env.db("app.db")
        .execute_batch("UPDATE t SET n = NULL WHERE id IN (3, 4)")
        .expect("fix");
    let fixed = rows(&env, ALL);
    env.ok(&["apply", "--db", "app.db"]);
    assert!(
        sql_of(&env, "t").ends_with("STRICT"),
        "{}",
        sql_of(&env, "t")
    );
    assert_eq!(rows(&env, ALL), fixed);
    env.db("app.db")
        .execute("INSERT INTO t VALUES (5, 'five', 'e')", [])
        .expect_err("STRICT refuses text in an integer column");
    env.ok(&["verify", "--db", "app.db"]);

    env.ok(&["revert", "head", "-m", "not strict"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert!(!sql_of(&env, "t").contains("STRICT"));
    assert_eq!(rows(&env, ALL), fixed);
    env.ok(&["verify", "--db", "app.db"]);
}

#[test]
fn a_hand_written_rebuild_into_a_without_rowid_table_is_the_option_changed() {
    let env = Env::init();
    env.record("kv", "CREATE TABLE kv (k text primary key, v blob) STRICT");
    env.ok(&["apply", "--db", "app.db"]);
    env.db("app.db")
        .execute_batch("INSERT INTO kv VALUES ('a', x'01'), ('b', NULL), ('c', x'0203')")
        .expect("rows");
    let all = "SELECT k, v FROM kv ORDER BY k";
    let before = rows(&env, all);
    env.record(
        "without rowid",
        "PRAGMA foreign_keys = off;
         CREATE TABLE new_kv (k text primary key, v blob, note text) STRICT, WITHOUT ROWID;
         INSERT INTO new_kv (k, v) SELECT k, v FROM kv;
         DROP TABLE kv;
         ALTER TABLE new_kv RENAME TO kv;
         PRAGMA foreign_keys = on;",
    );
    assert_eq!(op_kinds(&env, 2), ["add_column", "alter_table_options"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert!(
        sql_of(&env, "kv").ends_with(") WITHOUT ROWID, STRICT"),
        "{}",
        sql_of(&env, "kv")
    );
    assert_eq!(rows(&env, all), before);

    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    assert_eq!(sql_of(&env, "kv").matches("WITHOUT ROWID").count(), 0);
    assert_eq!(rows(&env, all), before);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(rows(&env, all), before);
    env.ok(&["verify", "--db", "app.db"]);
}

#[test]
fn autoincrement_is_not_changed_by_an_op() {
    let env = Env::init();
    env.record("t", "CREATE TABLE t (id integer primary key, s text)");
    env.file(
        "auto.sql",
        "CREATE TABLE t (id integer primary key autoincrement, s text);",
    );
    env.fails(&["record", "-m", "auto", "--desired", "auto.sql"], 1)
        .says("AUTOINCREMENT differs, and strata has no op that changes it");
    assert_eq!(env.head(), 1);
}
