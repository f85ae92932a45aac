//! `plan --desired / --from-db` and `record --desired / --from-db`: the ops
//! that turn head into a desired schema, renames only where said.

use crate::support::text_rows;
use crate::Env;

const START: &str = "CREATE TABLE users (id integer PRIMARY KEY, username text, age integer);
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users(id), title text);
CREATE INDEX posts_by_title ON posts (title);";

fn started(env: &Env) {
    env.record("start", START);
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch(
        "INSERT INTO users VALUES (1, 'ann', 31), (2, 'bob', 42);
         INSERT INTO posts VALUES (1, 1, 'hello'), (2, 2, 'again');",
    )
    .expect("rows");
}

/// Each row of `sql` in app.db, its values joined by `|`.
fn query(env: &Env, sql: &str) -> Vec<String> {
    text_rows(&env.db("app.db"), sql)
        .into_iter()
        .map(|r| r.join("|"))
        .collect()
}

#[test]
fn plan_shows_the_ops_and_their_sql_and_appends_nothing() {
    let env = Env::init();
    started(&env);
    env.file(
        "schema.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, username text NOT NULL DEFAULT '', age integer, email text);
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users(id), title text);
CREATE INDEX posts_by_title ON posts (title);
CREATE UNIQUE INDEX users_by_email ON users (email);",
    );
    let run = env.ok(&["plan", "--desired", "schema.sql"]);
    assert!(
        run.stdout
            .starts_with("3 ops turn head (event 1) into the desired schema:"),
        "{}",
        run.stdout
    );
    for line in [
        "  alter column users.username:",
        "  add column users.email: \"email\" text",
        "  create unique index users_by_email on users (email)",
        // NOT NULL is not something ALTER TABLE changes: a rebuild, which
        // makes the new column too.
        "CREATE TABLE \"_strata_new_users\" (",
        "  \"email\" text\n);",
        "CREATE UNIQUE INDEX \"users_by_email\" ON \"users\" (\"email\");",
    ] {
        assert!(run.stdout.contains(line), "no {line:?} in:\n{}", run.stdout);
    }
    assert_eq!(run.stderr, "", "no drops, no warnings");
    assert_eq!(env.head(), 1);

    let json = env.json(&["plan", "--desired", "schema.sql"]);
    assert_eq!(json["head"], 1);
    let kinds: Vec<&str> = json["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .map(|op| {
            op.as_object()
                .expect("op")
                .keys()
                .next()
                .expect("kind")
                .as_str()
        })
        .collect();
    assert_eq!(kinds, ["alter_column", "add_column", "create_index"]);

    env.ok(&["record", "-m", "sync", "--desired", "schema.sql"])
        .says("recorded event 2");
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        query(
            &env,
            "SELECT id, username, age, email FROM users ORDER BY id"
        ),
        ["1|ann|31|NULL", "2|bob|42|NULL"]
    );
    env.ok(&["plan", "--desired", "schema.sql"])
        .says("nothing to do: head (event 2) has the desired schema");
    env.ok(&["record", "-m", "again", "--desired", "schema.sql"])
        .says("nothing to record");
    assert_eq!(env.head(), 2);
    env.ok(&["verify"]);
}

#[test]
fn renames_are_taken_from_annotations_and_the_rows_stay() {
    let env = Env::init();
    started(&env);
    env.file(
        "schema.sql",
        "CREATE TABLE users (
  id integer PRIMARY KEY,
  name text, -- @renamed from=username
  age integer
);
CREATE TABLE articles ( -- @renamed from=posts
  id integer PRIMARY KEY, user_id integer REFERENCES users(id), title text
);
CREATE INDEX articles_by_title /* @renamed from=posts_by_title */ ON articles (title);",
    );
    let run = env.ok(&["plan", "--desired", "schema.sql"]);
    assert!(run.stdout.contains("  rename table posts to articles"));
    assert!(run
        .stdout
        .contains("  rename column users.username to name"));
    assert!(!run.stdout.contains("drop table"), "{}", run.stdout);
    env.ok(&["record", "-m", "names", "--desired", "schema.sql"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        query(&env, "SELECT id, name FROM users ORDER BY id"),
        ["1|ann", "2|bob"]
    );
    assert_eq!(
        query(&env, "SELECT title FROM articles ORDER BY id"),
        ["hello", "again"]
    );
    // The annotations stay in the file; the renames are done.
    env.ok(&["plan", "--desired", "schema.sql"])
        .says("nothing to do");
    env.ok(&["status", "--db", "app.db"]).says("no drift");
}

#[test]
fn a_primary_key_that_changes_is_a_rebuild_and_the_rows_stay() {
    let env = Env::init();
    started(&env);
    // posts keyed by (id, user_id) instead of id: a rebuild of posts.
    env.file(
        "schema.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, username text, age integer);
CREATE TABLE posts (id integer, user_id integer REFERENCES users(id), title text, PRIMARY KEY (id, user_id));
CREATE INDEX posts_by_title ON posts (title);",
    );
    env.ok(&["plan", "--desired", "schema.sql"])
        .says("drop from posts: PRIMARY KEY (id)")
        .says("add to posts: PRIMARY KEY (id, user_id)");
    env.ok(&["record", "-m", "rekeyed", "--desired", "schema.sql"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        query(
            &env,
            "SELECT name FROM pragma_table_info('posts') WHERE pk > 0 ORDER BY pk"
        ),
        ["id", "user_id"]
    );
    assert_eq!(
        query(&env, "SELECT id, user_id, title FROM posts ORDER BY id"),
        ["1|1|hello", "2|2|again"]
    );
    env.ok(&["status", "--db", "app.db"]).says("no drift");
    env.ok(&["plan", "--desired", "schema.sql"])
        .says("nothing to do");
    // And back.
    env.ok(&["revert", "head", "-m", "keyed by id again"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        query(
            &env,
            "SELECT name FROM pragma_table_info('posts') WHERE pk > 0"
        ),
        ["id"]
    );
    assert_eq!(
        query(&env, "SELECT id, user_id, title FROM posts ORDER BY id"),
        ["1|1|hello", "2|2|again"]
    );
    env.ok(&["verify", "--db", "app.db"]);
}

#[test]
fn a_rename_is_never_guessed_but_is_suggested() {
    let env = Env::init();
    started(&env);
    env.file(
        "schema.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, name text, age integer);
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users(id), title text);
CREATE INDEX posts_by_title ON posts (title);",
    );
    let run = env.ok(&["plan", "--desired", "schema.sql"]);
    assert!(run.stdout.contains("  drop column users.username"));
    assert!(run.stdout.contains("  add column users.name"));
    assert!(
        run.stderr
            .contains("warning: this drops column users.username"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("give --rename users.username=users.name"),
        "{}",
        run.stderr
    );

    // Said with the flag, it is a rename, and the values stay.
    let run = env.ok(&[
        "plan",
        "--desired",
        "schema.sql",
        "--rename",
        "users.username=users.name",
    ]);
    assert!(run.stdout.starts_with("1 op turn"), "{}", run.stdout);
    assert!(run.stdout.contains("rename column users.username to name"));
    assert_eq!(run.stderr, "");
    env.ok(&[
        "record",
        "-m",
        "rename",
        "--desired",
        "schema.sql",
        "--rename",
        "users.username=users.name",
    ]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        query(&env, "SELECT name FROM users ORDER BY id"),
        ["ann", "bob"]
    );
}

#[test]
fn a_dropped_column_recorded_from_a_desired_schema_comes_back_with_revert() {
    let env = Env::init();
    started(&env);
    env.file(
        "schema.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, username text);
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users(id), title text);
CREATE INDEX posts_by_title ON posts (title);",
    );
    env.ok(&["record", "-m", "drop age", "--desired", "schema.sql"])
        .says("warning: this drops column users.age");
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["revert", "head", "-m", "keep age after all"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        query(&env, "SELECT id, username, age FROM users ORDER BY id"),
        ["1|ann|31", "2|bob|42"]
    );
}

#[test]
fn the_schema_of_a_development_database_is_a_desired_schema() {
    let env = Env::init();
    started(&env);
    let dev = env.db("dev.db");
    dev.execute_batch(START).expect("start");
    dev.execute_batch(
        "ALTER TABLE users ADD COLUMN email text;
         CREATE VIEW adults AS SELECT id, username FROM users WHERE age >= 18;",
    )
    .expect("develop");
    drop(dev);
    let run = env.ok(&["plan", "--from-db", "dev.db"]);
    assert!(run.stdout.contains("  add column users.email"));
    assert!(run.stdout.contains("  create view adults"));
    env.ok(&["record", "-m", "from dev", "--from-db", "dev.db"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        query(&env, "SELECT username FROM adults ORDER BY id"),
        ["ann", "bob"]
    );
    env.ok(&["plan", "--from-db", "dev.db"])
        .says("nothing to do");
    // The development database was only read.
    let dev = env.db("dev.db");
    let tables: i64 = dev
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE '_strata%'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(tables, 0);
}

#[test]
fn bad_desired_input_records_nothing() {
    let env = Env::init();
    started(&env);
    env.file(
        "data.sql",
        "CREATE TABLE t (a int);\n\nINSERT INTO t VALUES (1);",
    );
    env.file("broken.sql", "CREATE TABLE t (a int,);");
    env.file(
        "twice.sql",
        "CREATE TABLE t (a int);\nCREATE TABLE t (b int);",
    );
    env.file(
        "order.sql",
        "CREATE TABLE users (username text, id integer PRIMARY KEY, age integer);
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users(id), title text);
CREATE INDEX posts_by_title ON posts (title);",
    );
    env.file(
        "renamed.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, name text, age integer);",
    );
    env.file("not-a-db", "plain text");
    for (args, says) in [
        (
            vec!["plan", "--desired", "missing.sql"],
            "cannot read missing.sql",
        ),
        (
            vec!["plan", "--desired", "data.sql"],
            "data.sql: line 3: INSERT INTO t",
        ),
        (vec!["plan", "--desired", "broken.sql"], "SQLite refused"),
        (
            vec!["plan", "--desired", "twice.sql"],
            "line 2: SQLite refused",
        ),
        (
            vec!["plan", "--desired", "order.sql"],
            "its columns are in another order",
        ),
        (
            vec![
                "plan",
                "--desired",
                "renamed.sql",
                "--rename",
                "users.nme=users.name",
            ],
            "head's table users has no column nme",
        ),
        (
            vec![
                "plan",
                "--desired",
                "renamed.sql",
                "--rename",
                "people=folk",
            ],
            "head has no table or index named people",
        ),
        (
            vec!["plan", "--from-db", "missing.db"],
            "missing.db is not a database file",
        ),
        (vec!["plan", "--from-db", "not-a-db"], "not-a-db"),
        (vec!["record", "-m", "x", "--desired", "data.sql"], "line 3"),
        (
            vec!["record", "-m", "x", "--sql", "SELECT 1", "--rename", "a=b"],
            "--rename applies to --desired and --from-db",
        ),
    ] {
        env.fails(&args, 1).says(says);
    }
    env.fails(
        &[
            "plan",
            "--desired",
            "renamed.sql",
            "--rename",
            "users.a=posts.b",
        ],
        2,
    );
    env.fails(&["plan", "--desired", "x.sql", "--from-db", "y.db"], 2);
    assert_eq!(env.head(), 1);
}
