//! The hand-written table rebuild (`CREATE TABLE new_users ...; INSERT
//! INTO new_users SELECT ... FROM users; DROP TABLE users; ALTER TABLE
//! new_users RENAME TO users;`) recorded as the change it makes to
//! `users`, with a child table's foreign key naming `users`: applied, every
//! row stays; reverted, the old shape comes back with its rows, a dropped
//! column's values included. A copy that changes rows is refused.

use crate::Env;

const REBUILD: &str = "BEGIN;
CREATE TABLE new_users (id integer primary key, name varchar(80) NOT NULL DEFAULT '', nickname text);
INSERT INTO new_users (id, name) SELECT id, name FROM users;
DROP TABLE users;
ALTER TABLE new_users RENAME TO users;
COMMIT;";

fn with_rows() -> Env {
    let env = Env::init();
    env.record(
        "users and posts",
        "CREATE TABLE users (id integer primary key, name varchar(50), email varchar(100));
         CREATE TABLE posts (id integer primary key, user_id integer REFERENCES users(id), title text);",
    );
    env.ok(&["apply", "--db", "app.db"]);
    env.db("app.db")
        .execute_batch(
            "INSERT INTO users VALUES (1, 'ada', 'ada@x'), (7, 'bob', 'bob@x');
             INSERT INTO posts VALUES (10, 7, 'hello'), (11, 1, 'again');",
        )
        .expect("rows");
    env
}

fn rows(env: &Env, sql: &str) -> Vec<String> {
    crate::values(&env.db("app.db"), sql)
}

#[test]
fn a_rebuild_keeps_every_row_and_its_revert_brings_the_old_table_back() {
    let env = with_rows();
    env.record("rebuild users", REBUILD);
    let events = env.events();
    let kinds: Vec<String> = events[1]["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .map(|op| {
            op.as_object()
                .expect("op")
                .keys()
                .next()
                .expect("kind")
                .clone()
        })
        .collect();
    assert!(
        !kinds
            .iter()
            .any(|k| k == "data" || k == "drop_table" || k == "create_table"),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|k| k == "drop_column"), "{kinds:?}");
    assert!(kinds.iter().any(|k| k == "add_column"), "{kinds:?}");
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        rows(&env, "SELECT id, name, nickname FROM users ORDER BY id"),
        [
            "Integer(1)|Text(\"ada\")|Null",
            "Integer(7)|Text(\"bob\")|Null"
        ]
    );
    assert_eq!(
        rows(&env, "SELECT id, user_id, title FROM posts ORDER BY id"),
        [
            "Integer(10)|Integer(7)|Text(\"hello\")",
            "Integer(11)|Integer(1)|Text(\"again\")"
        ]
    );
    assert!(rows(&env, "PRAGMA foreign_key_check").is_empty());
    let sql = rows(&env, "SELECT sql FROM sqlite_schema WHERE name = 'users'");
    assert!(
        sql[0].contains("nickname") && !sql[0].contains("email"),
        "{sql:?}"
    );

    env.ok(&["revert", "head", "-m", "undo the rebuild"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        rows(&env, "SELECT id, name, email FROM users ORDER BY id"),
        [
            "Integer(1)|Text(\"ada\")|Text(\"ada@x\")",
            "Integer(7)|Text(\"bob\")|Text(\"bob@x\")"
        ]
    );
    assert_eq!(rows(&env, "SELECT count(*) FROM posts"), ["Integer(2)"]);
    let sql = rows(&env, "SELECT sql FROM sqlite_schema WHERE name = 'users'");
    assert!(
        !sql[0].contains("nickname") && sql[0].contains("email"),
        "{sql:?}"
    );
    env.ok(&["verify", "--db", "app.db"]);
}

#[test]
fn a_rebuild_with_select_star_and_a_rename_in_the_copy() {
    let env = with_rows();
    env.record(
        "rename email",
        "CREATE TABLE new_users (id integer primary key, name varchar(50), mail varchar(100));
         INSERT INTO new_users (id, name, mail) SELECT id, name, email FROM users;
         DROP TABLE users;
         ALTER TABLE new_users RENAME TO users;",
    );
    let ops = env.events()[1]["ops"].to_string();
    assert!(ops.contains("rename_column"), "{ops}");
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        rows(&env, "SELECT id, mail FROM users ORDER BY id"),
        ["Integer(1)|Text(\"ada@x\")", "Integer(7)|Text(\"bob@x\")"]
    );
    env.record(
        "same again, star",
        "CREATE TABLE new_users (id integer primary key, name varchar(50), mail varchar(200));
         INSERT INTO new_users SELECT * FROM users;
         DROP TABLE users;
         ALTER TABLE new_users RENAME TO users;",
    );
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(rows(&env, "SELECT count(*) FROM users"), ["Integer(2)"]);
}

#[test]
fn a_copy_that_changes_rows_is_refused_with_how_to_record_it() {
    let env = with_rows();
    for copy in [
        "INSERT INTO new_users (id, name) SELECT id, name FROM users WHERE id > 1",
        "INSERT INTO new_users (id, name) SELECT id, upper(name) FROM users",
    ] {
        let sql = format!(
            "CREATE TABLE new_users (id integer primary key, name varchar(50));
             {copy};
             DROP TABLE users;
             ALTER TABLE new_users RENAME TO users;"
        );
        env.fails(&["record", "-m", "x", "--sql", &sql], 1)
            .says("statement 2")
            .says("changes rows as well as the table's shape")
            .says("data step");
    }
    assert_eq!(env.head(), 1);
}

/// A script may drop a table another table's foreign key, a view and a
/// trigger name, and create it again: the checks are made on the schema
/// the script leaves. Applied, the child's rows stay and the dropped
/// table's rows are archived; reverted, they come back.
#[test]
fn a_table_others_name_dropped_and_created_again_in_one_change() {
    let env = with_rows();
    env.record(
        "names",
        "CREATE VIEW names AS SELECT name FROM users;
         CREATE TABLE audit (what text);
         CREATE TRIGGER posts_log AFTER INSERT ON posts BEGIN INSERT INTO audit SELECT name FROM users WHERE id = new.user_id; END;",
    );
    env.ok(&["apply", "--db", "app.db"]);
    env.file("undo.sql", "DELETE FROM users;");
    env.ok(&[
        "record",
        "-m",
        "users again",
        "--revert-sql",
        "undo.sql",
        "--sql",
        "PRAGMA foreign_keys = off;
         DROP TABLE users;
         CREATE TABLE users (id integer primary key, name text NOT NULL DEFAULT 'nobody');
         INSERT INTO users (id) SELECT DISTINCT user_id FROM posts;
         PRAGMA foreign_keys = on;",
    ]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        rows(&env, "SELECT id, name FROM users ORDER BY id"),
        ["Integer(1)|Text(\"nobody\")", "Integer(7)|Text(\"nobody\")"]
    );
    assert_eq!(rows(&env, "SELECT count(*) FROM posts"), ["Integer(2)"]);
    assert!(rows(&env, "PRAGMA foreign_key_check").is_empty());
    let names = rows(
        &env,
        "SELECT name FROM sqlite_schema WHERE name IN ('names', 'posts_log') ORDER BY name",
    );
    assert_eq!(names, ["Text(\"names\")", "Text(\"posts_log\")"]);
    env.db("app.db")
        .execute_batch("INSERT INTO posts VALUES (12, 7, 'fired')")
        .expect("the trigger fires on the new table");
    assert_eq!(rows(&env, "SELECT what FROM audit"), ["Text(\"nobody\")"]);
    env.ok(&["verify", "--db", "app.db"]);

    env.ok(&["apply", "--db", "app.db", "--to", "2"]);
    assert_eq!(
        rows(&env, "SELECT id, name, email FROM users ORDER BY id"),
        [
            "Integer(1)|Text(\"ada\")|Text(\"ada@x\")",
            "Integer(7)|Text(\"bob\")|Text(\"bob@x\")"
        ]
    );
    assert_eq!(rows(&env, "SELECT count(*) FROM posts"), ["Integer(3)"]);
    env.ok(&["verify", "--db", "app.db"]);
}
