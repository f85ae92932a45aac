//! What is recorded applies: every event is applied, and undone, on a
//! scratch SQLite database before it is appended; what SQLite refuses is
//! refused at record, exit 1, with SQLite's reason, and nothing is
//! appended.

use crate::Env;

/// `record --sql SQL` is refused with exit 1 naming `reason`, and the
/// ledger is as it was: same head, same log, `verify` clean.
fn refused(env: &Env, sql: &str, reason: &str) {
    let head = env.head();
    let log = env.ok(&["log"]).stdout;
    env.fails(&["record", "-m", "bad", "--sql", sql], 1)
        .says("SQLite refuses event")
        .says(reason)
        .says("nothing was appended");
    // A dry run proves too.
    env.fails(&["record", "-m", "bad", "--dry-run", "--sql", sql], 1)
        .says(reason);
    assert_eq!(env.head(), head, "{sql}: something was appended");
    assert_eq!(env.ok(&["log"]).stdout, log);
    env.ok(&["verify", "--deep"]);
}

fn with_users() -> Env {
    let env = Env::init();
    env.record(
        "users",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT)",
    );
    env
}

#[test]
fn an_index_or_check_naming_a_missing_column_is_refused() {
    let env = with_users();
    refused(
        &env,
        "CREATE INDEX i ON users (email) WHERE nosuch > 0",
        "no such column: nosuch",
    );
    refused(
        &env,
        "CREATE INDEX i ON users (lower(nosuch))",
        "no such column: nosuch",
    );
    refused(
        &env,
        "CREATE TABLE t (a INTEGER, CHECK (nosuch > 0))",
        "no such column: nosuch",
    );
}

#[test]
fn a_non_deterministic_partial_index_or_stored_column_is_refused() {
    let env = with_users();
    refused(
        &env,
        "CREATE INDEX i ON users (email) WHERE random() > 0",
        "non-deterministic",
    );
    refused(
        &env,
        "ALTER TABLE users ADD COLUMN r INTEGER GENERATED ALWAYS AS (random()) STORED",
        "non-deterministic",
    );
}

#[test]
fn an_unknown_collation_a_missing_table_and_too_many_columns_are_refused() {
    let env = with_users();
    refused(
        &env,
        "CREATE TABLE t (a TEXT COLLATE nosuchcoll)",
        "no such collation sequence: nosuchcoll",
    );
    refused(
        &env,
        "INSERT INTO nosuch (a) VALUES (1)",
        "no such table: nosuch",
    );
    let columns: Vec<String> = (0..2001).map(|i| format!("c{i} INTEGER")).collect();
    refused(
        &env,
        &format!("CREATE TABLE wide ({})", columns.join(", ")),
        "too many columns",
    );
}

#[test]
fn a_nul_byte_in_a_name_is_refused() {
    let env = with_users();
    let sql = env.file("nul.sql", "CREATE TABLE \"a\u{0}b\" (x INTEGER);");
    let head = env.head();
    let run = env.fails(&["record", "-m", "nul", sql.to_str().expect("path")], 1);
    assert!(!run.stderr.contains('\u{0}'), "{}", run.stderr);
    assert_eq!(env.head(), head);
    env.ok(&["verify"]);
}

#[test]
fn renaming_a_rowid_alias_is_refused() {
    let env = with_users();
    refused(
        &env,
        "ALTER TABLE users RENAME COLUMN id TO oid",
        "event 2 op 1",
    );
}

#[test]
fn a_rename_that_breaks_a_view_through_another_view_is_refused() {
    let env = with_users();
    env.record(
        "views",
        "CREATE VIEW v AS SELECT id, email FROM users; CREATE VIEW w AS SELECT email FROM v;",
    );
    refused(
        &env,
        "ALTER TABLE users RENAME COLUMN email TO mail",
        "no such column: email",
    );
    // A trigger that reads the view is compiled too.
    let env = with_users();
    env.record(
        "views",
        "CREATE VIEW v AS SELECT id, email FROM users; CREATE VIEW w AS SELECT * FROM v;
         CREATE TABLE log (x TEXT);
         CREATE TRIGGER t AFTER INSERT ON log BEGIN INSERT INTO log SELECT email FROM w; END;",
    );
    refused(
        &env,
        "ALTER TABLE users RENAME COLUMN email TO mail",
        "the triggers on \"log\"",
    );
}

#[test]
fn a_rename_under_a_view_that_reads_another_view_by_star_applies() {
    let env = with_users();
    env.record(
        "views",
        "CREATE VIEW v AS SELECT id, email FROM users; CREATE VIEW w AS SELECT * FROM v;",
    );
    env.ok(&["apply", "--db", "app.db"]);
    env.record("rename", "ALTER TABLE users RENAME COLUMN email TO mail");
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    let columns: Vec<String> = conn
        .prepare("SELECT * FROM w")
        .expect("w reads")
        .column_names()
        .map(String::from)
        .collect();
    assert_eq!(columns, ["id", "mail"]);
}

#[test]
fn a_data_step_naming_rows_the_real_database_holds_is_proven_on_empty_tables() {
    let env = with_users();
    env.record(
        "orders",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id))",
    );
    // The parent row is in a real database, not in the scratch one.
    env.record("seed", "INSERT INTO orders (user_id) VALUES (42)");
    env.ok(&["apply", "--db", "app.db", "--to", "2"]);
    let conn = env.db("app.db");
    conn.execute("INSERT INTO users (id) VALUES (42)", [])
        .expect("insert");
    drop(conn);
    env.ok(&["apply", "--db", "app.db"]);
}

#[test]
fn revert_revert_to_baseline_and_import_sql_still_append() {
    let env = with_users();
    env.record("email index", "CREATE INDEX users_email ON users (email)");
    env.record("drop name", "ALTER TABLE users DROP COLUMN name");
    env.ok(&["revert", "3", "-m", "name back"]);
    env.ok(&["revert", "--to", "1", "-m", "back to 1"]);
    env.ok(&["revert", "2", "-m", "index again", "--cascade"]);
    env.ok(&["verify", "--deep"]);
    env.ok(&["checkout", "--db", "head.db"]);

    let adopted = Env::init();
    let conn = rusqlite::Connection::open(adopted.path().join("app.db")).expect("db");
    conn.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE VIEW tv AS SELECT a FROM t;",
    )
    .expect("schema");
    drop(conn);
    adopted.ok(&["baseline", "--db", "app.db", "-m", "adopt"]);
    adopted.record("more", "ALTER TABLE t ADD COLUMN b INTEGER");

    let imported = Env::init();
    std::fs::create_dir(imported.path().join("m")).expect("dir");
    imported.file(
        "m/V1__users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);",
    );
    imported.file(
        "m/V2__email.sql",
        "ALTER TABLE users ADD COLUMN email TEXT;",
    );
    imported.ok(&["import-sql", "m"]);
    assert_eq!(imported.head(), 2);
}

#[test]
fn import_sql_refuses_a_file_sqlite_refuses_and_appends_nothing() {
    let env = Env::init();
    std::fs::create_dir(env.path().join("m")).expect("dir");
    env.file(
        "m/V1__users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);",
    );
    env.file(
        "m/V2__bad.sql",
        "CREATE TABLE t (a TEXT COLLATE nosuchcoll);",
    );
    env.fails(&["import-sql", "m"], 1)
        .says("V2__bad.sql")
        .says("no such collation sequence");
    assert_eq!(env.head(), 0);
}

#[test]
fn revert_to_across_a_rename_to_a_name_that_needs_quoting() {
    let env = Env::init();
    env.record(
        "users",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT CHECK (email <> ''));
         CREATE INDEX users_lower ON users (lower(email));
         CREATE VIEW v AS SELECT email FROM users;",
    );
    env.record(
        "quoted",
        "ALTER TABLE users RENAME COLUMN email TO \"e mail\"",
    );
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["revert", "--to", "1", "-m", "back"]);
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["status", "--db", "app.db"]);
    env.ok(&["verify", "--deep"]);
}

/// A ledger recorded before events were proven may hold one SQLite
/// refuses; when head's schema cannot be built, a later event cannot be
/// proven, and is appended with a warning so that a fix can be recorded.
#[test]
fn a_head_sqlite_cannot_build_warns_and_lets_a_fix_be_recorded() {
    let env = with_users();
    {
        // As an older strata would have appended it, unproven.
        let ledger =
            strata_ledger::Ledger::open_to_write(env.path().join("ledger-data")).expect("ledger");
        let head = ledger.schema_at(ledger.head_seq()).expect("head");
        let ops = strata_sqlite::ddl::parse_change(
            "CREATE TABLE bad (a INTEGER, CHECK (nosuch > 0))",
            &head,
        )
        .expect("ops");
        ledger
            .append(strata_ledger::Draft {
                at: None,
                author: "old".into(),
                message: "unproven".into(),
                body: strata_ledger::Body::Change {
                    ops,
                    revert_sql: None,
                },
            })
            .expect("append");
    }
    let run = env.ok(&["revert", "2", "-m", "drop the bad table"]);
    assert!(
        run.stderr.starts_with("warning: event 3 is not proven")
            && run.stderr.contains("no such column: nosuch"),
        "{}",
        run.stderr
    );
    assert_eq!(env.head(), 3);
    // Head builds again: the next record is proven.
    env.record("more", "ALTER TABLE users ADD COLUMN age INTEGER");
    refused(
        &env,
        "CREATE TABLE t (a TEXT COLLATE nosuchcoll)",
        "nosuchcoll",
    );
}
