//! `revert`: compensating events, refused or cascaded when later events
//! depend on what would be undone.

use crate::Env;

#[test]
fn revert_one_event_appends_its_inverse() {
    let env = Env::init();
    env.seed();
    let before = env.ok(&["schema", "--at", "1"]).stdout;
    env.ok(&["revert", "2", "-m", "undo created_at"])
        .says("recorded revert event 3")
        .says("undoing event 2");
    assert_eq!(env.ok(&["schema"]).stdout, before);
    let events = env.events();
    assert_eq!(events[2]["kind"], "revert");
    assert_eq!(events[2]["reverts"], serde_json::json!([2]));
    let drop = &events[2]["ops"][0]["drop_column"];
    assert_eq!(drop["column"]["name"], "created_at");
    assert_eq!(drop["position"], 3);
    // Reverting the revert is a redo.
    let after = env.ok(&["schema", "--at", "2"]).stdout;
    env.ok(&["revert", "head", "-m", "redo"]);
    assert_eq!(env.ok(&["schema"]).stdout, after);
    env.ok(&["verify", "--deep"]);
    env.ok(&["show", "3"]).says("reverts event 2");
}

#[test]
fn a_dropped_column_comes_back_at_its_position() {
    let env = Env::init();
    env.seed();
    env.record("drop email", "ALTER TABLE users DROP COLUMN email");
    env.ok(&["revert", "head", "-m", "bring email back"]);
    assert_eq!(
        env.ok(&["schema"]).stdout,
        env.ok(&["schema", "--at", "2"]).stdout
    );
}

#[test]
fn later_dependents_are_named_and_cascade_reverts_them() {
    let env = Env::init();
    env.seed();
    env.record("index email", "CREATE INDEX users_email ON users (email)"); // 3
    env.record("unrelated", "CREATE TABLE other (a)"); // 4
    env.record("rename table", "ALTER TABLE users RENAME TO people"); // 5
    env.record("other column", "ALTER TABLE other ADD COLUMN b"); // 6
                                                                  // Undoing event 2 (add created_at) needs the rename undone first.
    env.fails(&["revert", "2", "-m", "x"], 1)
        .says("event 2 cannot be reverted alone")
        .says("event 5 \"rename table\"")
        .says("--cascade");
    assert_eq!(env.head(), 6);
    env.ok(&["revert", "2", "-m", "undo created_at", "--cascade"])
        .says("undoing events 2, 5");
    let schema = env.json(&["schema"]);
    let tables: Vec<&String> = schema["tables"]
        .as_object()
        .expect("tables")
        .keys()
        .collect();
    assert_eq!(tables, ["other", "users"]);
    let columns: Vec<&str> = schema["tables"]["users"]["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(columns, ["id", "name", "email"]);
    // The index (event 3) and the unrelated table (4, 6) stay.
    assert!(schema["indexes"].get("users_email").is_some());
    assert_eq!(
        schema["tables"]["other"]["columns"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn revert_to_a_point_gives_its_schema() {
    let env = Env::init();
    env.seed();
    env.ok(&["tag", "v1"]);
    env.record(
        "more",
        "CREATE TABLE orders (id integer primary key, user_id integer REFERENCES users(id)); \
         CREATE INDEX orders_user ON orders (user_id); \
         ALTER TABLE users RENAME COLUMN name TO full_name; \
         ALTER TABLE users DROP COLUMN email;",
    );
    env.ok(&["revert", "--to", "v1", "-m", "back to v1"])
        .says("undoing event 4");
    assert_eq!(
        env.ok(&["schema"]).stdout,
        env.ok(&["schema", "--at", "v1"]).stdout
    );
    // The seed's roll back: revert --to 0 leaves no tables; its redo brings
    // users back.
    env.ok(&["revert", "--to", "0", "-m", "start over"])
        .says("undoing events 1, 2, 4, 5");
    assert_eq!(env.ok(&["schema"]).stdout, "");
    env.ok(&["revert", "head", "-m", "redo"]);
    assert_eq!(
        env.ok(&["schema"]).stdout,
        env.ok(&["schema", "--at", "v1"]).stdout
    );
    env.ok(&["verify", "--deep"]);
}

#[test]
fn what_cannot_be_reverted_is_refused() {
    let env = Env::init();
    env.seed();
    env.ok(&["tag", "v1"]);
    env.fails(&["revert", "head", "-m", "x"], 1)
        .says("it is a tag");
    // Nothing to undo is not a failure: exit 0, nothing appended
    // (tests/e2e/own_files.rs has the cases).
    env.ok(&["revert", "--to", "head", "-m", "x"])
        .says("nothing to revert");
    env.fails(&["revert", "0", "-m", "x"], 1).says("point 0");
    env.fails(&["revert", "9", "-m", "x"], 1).says("no event 9");
    env.fails(&["revert", "-m", "x"], 2);
    env.fails(&["revert", "1", "--to", "0", "-m", "x"], 2);
    env.record("backfill", "UPDATE users SET name = 'x' WHERE name IS NULL");
    env.fails(&["revert", "head", "-m", "x"], 1)
        .says("data step 1 (UPDATE users SET name = 'x' WHERE name IS NULL) has no inverse");
    assert_eq!(env.head(), 4);
}

#[test]
fn dry_run_appends_nothing() {
    let env = Env::init();
    env.seed();
    env.ok(&["revert", "--to", "0", "-m", "x", "--dry-run"])
        .says("would record revert event 3")
        .says("drop table users");
    assert_eq!(env.head(), 2);
}

#[test]
fn a_data_step_is_reverted_by_the_revert_sql_recorded_with_it() {
    let env = Env::init();
    env.record(
        "people",
        "CREATE TABLE people (id integer PRIMARY KEY, name text)",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch("INSERT INTO people VALUES (1, 'ada'), (2, 'bob');")
        .expect("insert");
    let undo = env.file("undo.sql", "UPDATE people SET name = lower(name);\n");
    env.ok(&[
        "record",
        "-m",
        "shout",
        "--revert-sql",
        undo.to_str().expect("utf8"),
        "--sql",
        "UPDATE people SET name = upper(name)",
    ]);
    env.ok(&["show", "head"])
        .says("UPDATE people SET name = lower(name)");
    env.ok(&["apply", "--db", "app.db"]);
    let names = |conn: &rusqlite::Connection| -> Vec<String> {
        conn.prepare("SELECT name FROM people ORDER BY id")
            .and_then(|mut s| {
                s.query_map([], |r| r.get(0))
                    .and_then(|rows| rows.collect::<Result<_, _>>())
            })
            .expect("names")
    };
    assert_eq!(names(&conn), ["ADA", "BOB"]);
    env.ok(&["revert", "head", "-m", "quiet again"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(names(&conn), ["ada", "bob"]);
    // Redo runs the original data step again.
    env.ok(&["revert", "head", "-m", "shout again"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(names(&conn), ["ADA", "BOB"]);
}

#[test]
fn revert_sql_must_be_data_for_a_change_with_data_steps() {
    let env = Env::init();
    env.record(
        "people",
        "CREATE TABLE people (id integer PRIMARY KEY, name text)",
    );
    let ddl = env.file("ddl.sql", "DROP TABLE people;");
    let data = env.file("data.sql", "DELETE FROM people;");
    env.fails(
        &[
            "record",
            "-m",
            "x",
            "--revert-sql",
            data.to_str().expect("utf8"),
            "--sql",
            "ALTER TABLE people ADD COLUMN age integer",
        ],
        1,
    )
    .says("no data steps to undo");
    env.fails(
        &[
            "record",
            "-m",
            "x",
            "--revert-sql",
            ddl.to_str().expect("utf8"),
            "--sql",
            "INSERT INTO people VALUES (1, 'a')",
        ],
        1,
    )
    .says("--revert-sql");
    assert_eq!(env.head(), 1);
}

/// `revert --to` across the drops of constraints that were not last in
/// their lists gives the point's schema exactly, constraint order included,
/// in the ledger and in the database.
#[test]
fn revert_to_puts_dropped_constraints_back_in_their_places() {
    let env = Env::init();
    env.record(
        "tables",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);
         CREATE TABLE t (
           id INTEGER PRIMARY KEY, x INT, y INT,
           CONSTRAINT x_pos CHECK (x > 0),
           CONSTRAINT y_pos CHECK (y > 0),
           CONSTRAINT x_a FOREIGN KEY (x) REFERENCES a (id),
           CONSTRAINT y_a FOREIGN KEY (y) REFERENCES a (id),
           CONSTRAINT x_one UNIQUE (x),
           CONSTRAINT y_one UNIQUE (y))",
    );
    let db = env.path().join("app.db");
    let db = db.to_str().expect("utf-8 path");
    env.ok(&["apply", "--db", db]);
    let at_1 = env.ok(&["schema", "--at", "1"]).stdout;
    env.record(
        "drop the first of each",
        "ALTER TABLE t DROP CONSTRAINT x_pos;
         ALTER TABLE t DROP CONSTRAINT x_a;
         ALTER TABLE t DROP CONSTRAINT x_one",
    );
    env.ok(&["apply", "--db", db]);
    env.ok(&["revert", "--to", "1", "-m", "back"])
        .says("undoing event 2");
    assert_eq!(env.ok(&["schema"]).stdout, at_1);
    env.ok(&["apply", "--db", db]);
    env.ok(&["status", "--db", db]);
    let fresh = env.path().join("fresh.db");
    let fresh = fresh.to_str().expect("utf-8 path");
    env.ok(&["checkout", "--to", "1", "--db", fresh]);
    let table_sql = |file: &str| {
        let conn = rusqlite::Connection::open(file).expect("open");
        conn.query_row("SELECT sql FROM sqlite_master WHERE name = 't'", [], |r| {
            r.get::<_, String>(0)
        })
        .expect("t exists")
    };
    let sql = table_sql(db);
    assert_eq!(sql, table_sql(fresh));
    let at = |name: &str| sql.find(name).expect("the constraint is there");
    for (first, second) in [("x_pos", "y_pos"), ("x_a", "y_a"), ("x_one", "y_one")] {
        assert!(at(first) < at(second), "{sql}");
    }
}
