//! `import-sql`: folders of plain SQL migrations in the common naming
//! schemes recorded as one change event per file, checked in the ledger and
//! in a real SQLite file.

use serde_json::Value;

use crate::support::text_rows;
use crate::Env;

/// A migration file: its name and its text.
type File<'a> = (&'a str, &'a str);

/// Write `files` into the folder `dir` of the Env.
fn folder(env: &Env, dir: &str, files: &[File]) {
    let at = env.path().join(dir);
    std::fs::create_dir_all(&at).expect("create folder");
    for (name, text) in files {
        let file = at.join(name);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(file, text).expect("write migration");
    }
}

fn messages(env: &Env) -> Vec<String> {
    env.events()
        .iter()
        .map(|e| e["message"].as_str().expect("message").to_string())
        .collect()
}

/// The short hash `log` shows for event `seq`.
fn short_hash(env: &Env, seq: usize) -> String {
    env.events()[seq - 1]["hash"].as_str().expect("hash")[..12].to_string()
}

#[test]
fn a_flyway_folder_is_recorded_in_numeric_order_with_its_undo_file() {
    let env = Env::init();
    folder(
        &env,
        "migrations",
        &[
            (
                "V1__init.sql",
                "CREATE TABLE users (id integer PRIMARY KEY, name text);\n",
            ),
            (
                "V2__seed.sql",
                "INSERT INTO users (id, name) VALUES (1, 'ada');\n",
            ),
            ("U2__seed.sql", "DELETE FROM users WHERE id = 1;\n"),
            (
                "V10__index.sql",
                "CREATE INDEX users_name ON users (name);\n",
            ),
            ("README.md", "not a migration"),
            ("old/V3__ignored.sql", "this is no SQL"),
        ],
    );
    let run = env.ok(&["import-sql", "migrations"]);
    assert_eq!(
        run.stdout,
        format!(
            "recorded event 1 ({}): V1__init.sql\n\
             recorded event 2 ({}): V2__seed.sql\n\
             recorded event 3 ({}): V10__index.sql\n",
            short_hash(&env, 1),
            short_hash(&env, 2),
            short_hash(&env, 3)
        )
    );
    assert_eq!(run.stderr, "");
    assert_eq!(
        messages(&env),
        ["V1__init.sql", "V2__seed.sql", "V10__index.sql"]
    );
    let events = env.events();
    assert_eq!(events[1]["revert_sql"], "DELETE FROM users WHERE id = 1;");
    assert_eq!(events[0].get("revert_sql"), None);
    assert_eq!(
        events[2]["ops"][0]["create_index"]["index"]["name"],
        "users_name"
    );
    assert!(events.iter().all(|e| e["author"] == "tester"));
    env.ok(&["verify", "--deep"]);
}

#[test]
fn a_golang_migrate_folder_applies_and_its_data_step_reverts_with_the_down_file() {
    let env = Env::init();
    folder(
        &env,
        "db",
        &[
            (
                "0001_users.up.sql",
                "CREATE TABLE users (id integer PRIMARY KEY, name text);\n",
            ),
            ("0001_users.down.sql", "DROP TABLE users;\n"),
            (
                "0002_status.up.sql",
                "BEGIN;\n\
                 ALTER TABLE users ADD COLUMN status text;\n\
                 INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'bob');\n\
                 UPDATE users SET status = 'active' WHERE id = 1;\n\
                 COMMIT;\n",
            ),
            (
                "0002_status.down.sql",
                "DELETE FROM users WHERE id IN (1, 2);\nALTER TABLE users DROP COLUMN status;\n",
            ),
        ],
    );
    let run = env.ok(&["import-sql", "db"]);
    assert_eq!(
        run.stderr,
        "note: 0001_users.down.sql ignored: strata inverts DDL on its own, \
         and 0001_users.up.sql has no data steps to undo\n"
    );
    assert_eq!(messages(&env), ["0001_users.up.sql", "0002_status.up.sql"]);
    assert_eq!(
        env.events()[1]["revert_sql"],
        "DELETE FROM users WHERE id IN (1, 2);"
    );

    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    assert_eq!(
        text_rows(&conn, "SELECT id, name, status FROM users ORDER BY id"),
        [["1", "ada", "active"], ["2", "bob", "NULL"]]
    );
    conn.execute_batch("INSERT INTO users (id, name) VALUES (3, 'cy')")
        .expect("insert");

    env.ok(&["revert", "2", "-m", "undo status"])
        .says("undoing event 2");
    env.ok(&["apply", "--db", "app.db"]);
    // The down file's DELETE ran; its DROP COLUMN was strata's own inverse.
    // (A new connection: the old one's statements see the old columns.)
    let conn = env.db("app.db");
    assert_eq!(
        text_rows(&conn, "SELECT * FROM users ORDER BY id"),
        [["3", "cy"]]
    );
    env.ok(&["status", "--db", "app.db"]);
}

#[test]
fn an_sqlx_folder_of_timestamped_files() {
    let env = Env::init();
    folder(
        &env,
        "migrations",
        &[
            (
                "20240215093000_posts.sql",
                "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id));\n",
            ),
            (
                "20240101120000_users.sql",
                "CREATE TABLE users (id integer PRIMARY KEY);\n",
            ),
        ],
    );
    env.ok(&["import-sql", "migrations"]);
    assert_eq!(
        messages(&env),
        ["20240101120000_users.sql", "20240215093000_posts.sql"]
    );
    env.ok(&["checkout", "--to", "head", "--db", "fresh.db"]);
    let conn = env.db("fresh.db");
    assert_eq!(
        text_rows(
            &conn,
            "SELECT name FROM sqlite_schema \
             WHERE type = 'table' AND substr(name, 1, 8) <> '_strata_' ORDER BY name"
        ),
        [["posts"], ["users"]]
    );
}

#[test]
fn a_rails_folder_and_numbers_of_any_width_compare_as_numbers() {
    let env = Env::init();
    folder(
        &env,
        "db/migrate",
        &[
            (
                "20231231235959_create_users.sql",
                "CREATE TABLE users (id integer PRIMARY KEY);\n",
            ),
            (
                "20240101000000_add_name.sql",
                "ALTER TABLE users ADD COLUMN name text;\n",
            ),
            ("schema.rb", "# not read"),
        ],
    );
    env.ok(&["import-sql", "db/migrate"]);
    assert_eq!(
        messages(&env),
        [
            "20231231235959_create_users.sql",
            "20240101000000_add_name.sql"
        ]
    );

    let env = Env::init();
    folder(
        &env,
        "m",
        &[
            ("10_c.sql", "CREATE TABLE c (x);"),
            ("9_b.sql", "CREATE TABLE b (x);"),
            ("0001_a.sql", "CREATE TABLE a (x);"),
        ],
    );
    env.ok(&["import-sql", "m"]);
    assert_eq!(messages(&env), ["0001_a.sql", "9_b.sql", "10_c.sql"]);
}

#[test]
fn an_unrecordable_statement_is_named_by_file_and_line_and_nothing_is_recorded() {
    let env = Env::init();
    folder(
        &env,
        "m",
        &[
            (
                "V1__users.sql",
                "CREATE TABLE users (id integer PRIMARY KEY);\n",
            ),
            (
                "V2__email.sql",
                "-- users get an email\n\
                 ALTER TABLE users ADD COLUMN email text;\n\
                 \n\
                 ATTACH DATABASE 'other.db' AS other;\n",
            ),
        ],
    );
    let run = env.fails(&["import-sql", "m"], 1);
    assert!(
        run.stderr.starts_with(
            "error: m/V2__email.sql:4: unsupported statement ATTACH DATABASE 'other.db' AS other: "
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("help: nothing was recorded"));
    assert_eq!(run.stdout, "");
    assert_eq!(env.ok(&["log"]).stdout, "no events yet\n");

    // A statement that does not fit the schema the files before it leave.
    std::fs::write(
        env.path().join("m/V2__email.sql"),
        "ALTER TABLE users ADD COLUMN email text;\nPRAGMA journal_mode = WAL;\n",
    )
    .expect("write");
    env.fails(&["import-sql", "m"], 1).says(
        "m/V2__email.sql:2: PRAGMA journal_mode = WAL: PRAGMA journal_mode changes how the connection works, not the schema; strata records the schema only",
    );
    std::fs::write(
        env.path().join("m/V2__email.sql"),
        "ALTER TABLE users ADD COLUMN email text;\n\n\nALTER TABLE people ADD COLUMN age int;\n",
    )
    .expect("write");
    env.fails(&["import-sql", "m"], 1)
        .says("m/V2__email.sql:4: ALTER TABLE people ADD COLUMN age int: no table named people");
    // A down file is read too, when its data statements are wanted.
    folder(
        &env,
        "n",
        &[
            (
                "0001_t.up.sql",
                "CREATE TABLE t (a); INSERT INTO t VALUES (1);",
            ),
            ("0001_t.down.sql", "DELETE FROM t;\nSELECT 1;\n"),
        ],
    );
    env.fails(&["import-sql", "n"], 1)
        .says("n/0001_t.down.sql:2: unsupported statement SELECT 1");
    // A file with nothing to record.
    folder(
        &env,
        "e",
        &[
            ("V1__a.sql", "CREATE TABLE a (x);"),
            ("V2__b.sql", "-- later\n"),
        ],
    );
    env.fails(&["import-sql", "e"], 1)
        .says("e/V2__b.sql holds no statements to record");
    assert_eq!(env.head(), 0);
}

#[test]
fn a_second_run_skips_what_is_imported_and_records_what_is_new() {
    let env = Env::init();
    folder(
        &env,
        "m",
        &[
            ("V1__a.sql", "CREATE TABLE a (x);"),
            ("V2__b.sql", "CREATE TABLE b (x);"),
        ],
    );
    env.ok(&["import-sql", "m"]);
    env.record("by hand", "CREATE TABLE c (x)");
    folder(&env, "m", &[("V3__d.sql", "CREATE TABLE d (x);")]);
    let run = env.ok(&["import-sql", "m"]);
    assert_eq!(
        run.stdout,
        format!(
            "skipped V1__a.sql: already event 1\n\
             skipped V2__b.sql: already event 2\n\
             recorded event 4 ({}): V3__d.sql\n",
            short_hash(&env, 4)
        )
    );
    assert_eq!(
        messages(&env),
        ["V1__a.sql", "V2__b.sql", "by hand", "V3__d.sql"]
    );
    let run = env.ok(&["import-sql", "m"]);
    assert_eq!(
        run.stdout,
        "skipped V1__a.sql: already event 1\n\
         skipped V2__b.sql: already event 2\n\
         skipped V3__d.sql: already event 4\n\
         nothing new to import: every migration in m is in the ledger\n"
    );
    assert_eq!(env.head(), 4);
    std::fs::create_dir(env.path().join("empty")).expect("mkdir");
    assert_eq!(
        env.ok(&["import-sql", "empty"]).stdout,
        "no migration files in empty\n"
    );
    assert_eq!(env.head(), 4);
}

#[test]
fn a_new_file_that_sorts_before_an_imported_one_is_refused() {
    let env = Env::init();
    folder(
        &env,
        "m",
        &[
            ("V1__a.sql", "CREATE TABLE a (x);"),
            ("V3__c.sql", "CREATE TABLE c (x);"),
        ],
    );
    env.ok(&["import-sql", "m"]);
    folder(
        &env,
        "m",
        &[
            ("V2__b.sql", "CREATE TABLE b (x);"),
            ("V4__d.sql", "CREATE TABLE d (x);"),
        ],
    );
    let run = env.fails(&["import-sql", "m"], 1);
    assert!(
        run.stderr.starts_with(
            "error: V2__b.sql is not imported yet but sorts before V3__c.sql, already imported as event 2\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(env.head(), 2);
}

#[test]
fn folders_strata_cannot_order_are_refused() {
    let env = Env::init();
    let cases: &[(&str, &[File], &str)] = &[
        (
            "mixed",
            &[("V1__a.sql", "CREATE TABLE a (x);"), ("2_b.sql", "CREATE TABLE b (x);")],
            "error: mixed mixes naming schemes: 2_b.sql is numbered (0001_name.sql), V1__a.sql is Flyway-named (V1__name.sql)\n",
        ),
        (
            "pairs",
            &[("1_a.sql", "CREATE TABLE a (x);"), ("2_b.up.sql", "CREATE TABLE b (x);")],
            "error: pairs mixes naming schemes: 1_a.sql is numbered (0001_name.sql), 2_b.up.sql is an up/down pair (0001_name.up.sql)\n",
        ),
        (
            "repeatable",
            &[("V1__a.sql", "CREATE TABLE a (x);"), ("R__views.sql", "CREATE VIEW v AS SELECT 1;")],
            "error: R__views.sql is a Flyway repeatable migration: strata has no repeatable migrations\n",
        ),
        (
            "twice",
            &[("V1__a.sql", "CREATE TABLE a (x);"), ("V1.0__b.sql", "CREATE TABLE b (x);")],
            "error: V1.0__b.sql and V1__a.sql have the same version\n",
        ),
        (
            "orphan",
            &[("1_a.up.sql", "CREATE TABLE a (x);"), ("2_b.down.sql", "DROP TABLE b;")],
            "error: 2_b.down.sql is a down file with no up file of the same version\n",
        ),
        (
            "stray",
            &[("V1__a.sql", "CREATE TABLE a (x);"), ("seed.sql", "INSERT INTO a VALUES (1);")],
            "error: seed.sql matches no migration naming scheme\n",
        ),
    ];
    for (dir, files, error) in cases {
        folder(&env, dir, files);
        let run = env.fails(&["import-sql", dir], 1);
        assert!(run.stderr.starts_with(error), "{dir}: {}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    env.fails(&["import-sql", "nowhere"], 1)
        .says("cannot read folder nowhere");
    env.file("plain.txt", "x");
    env.fails(&["import-sql", "plain.txt"], 1)
        .says("plain.txt is not a folder");
    env.fails(&["import-sql"], 2);
    assert_eq!(env.head(), 0);
}

#[test]
fn dry_run_lists_the_events_and_appends_nothing() {
    let env = Env::init();
    env.record("first", "CREATE TABLE users (id integer PRIMARY KEY)");
    folder(
        &env,
        "m",
        &[
            ("V1__email.sql", "ALTER TABLE users ADD COLUMN email text;"),
            (
                "V2__seed.sql",
                "INSERT INTO users VALUES (1, 'a@example.com');\nUPDATE users SET email = lower(email);",
            ),
            ("U2__seed.sql", "DELETE FROM users;"),
        ],
    );
    let run = env.ok(&["import-sql", "--dry-run", "m"]);
    assert_eq!(
        run.stdout,
        "would record event 2: V1__email.sql (1 op)\n  \
         add column users.email: \"email\" text\n\
         would record event 3: V2__seed.sql (2 ops)\n  \
         data step: INSERT INTO users VALUES (1, 'a@example.com')\n  \
         data step: UPDATE users SET email = lower(email)\n  \
         revert SQL from m/U2__seed.sql\n\
         nothing was appended (dry run)\n"
    );
    let json = env.json(&["import-sql", "--dry-run", "m"]);
    assert_eq!(json[1]["seq"], 3);
    assert_eq!(json[1]["message"], "V2__seed.sql");
    assert_eq!(json[1]["revert_sql"], "DELETE FROM users;");
    assert_eq!(json[1]["down"], "m/U2__seed.sql");
    assert_eq!(env.head(), 1);
}

#[test]
fn json_lists_the_recorded_events_with_their_files() {
    let env = Env::init();
    folder(
        &env,
        "m",
        &[
            ("1_a.sql", "CREATE TABLE a (x);"),
            ("2_b.sql", "CREATE TABLE b (x);"),
        ],
    );
    env.ok(&["import-sql", "m", "--author", "importer"]);
    folder(&env, "m", &[("3_c.sql", "CREATE TABLE c (x);")]);
    let json = env.json(&["import-sql", "m", "--timestamp", "2030-01-02T03:04:05Z"]);
    let recorded = json.as_array().expect("an array");
    assert_eq!(recorded.len(), 1);
    let log = env.events();
    assert_eq!(recorded[0]["seq"], 3);
    assert_eq!(recorded[0]["hash"], log[2]["hash"]);
    assert_eq!(recorded[0]["message"], "3_c.sql");
    assert_eq!(recorded[0]["file"], "m/3_c.sql");
    assert_eq!(recorded[0]["at"], "2030-01-02T03:04:05Z");
    assert_eq!(recorded[0]["author"], "tester");
    assert_eq!(log[0]["author"], "importer");
    assert_eq!(env.json(&["import-sql", "m"]), Value::Array(Vec::new()));
    // A time before head's is refused before anything is appended.
    folder(
        &env,
        "m",
        &[
            ("4_d.sql", "CREATE TABLE d (x);"),
            ("5_e.sql", "CREATE TABLE e (x);"),
        ],
    );
    env.fails(
        &["import-sql", "m", "--timestamp", "2029-01-01T00:00:00Z"],
        1,
    );
    assert_eq!(env.head(), 3);
}

#[test]
fn the_pragma_lines_around_a_hand_written_rebuild_are_accepted_and_change_nothing() {
    let env = Env::init();
    folder(
        &env,
        "m",
        &[
            (
                "V1__notes.sql",
                "CREATE TABLE notes (id integer PRIMARY KEY, body text, pinned int);\n\
                 INSERT INTO notes VALUES (1, 'first', 0), (2, 'second', 1);\n",
            ),
            (
                "V2__rebuild.sql",
                "PRAGMA foreign_keys = off;\n\
                 PRAGMA legacy_alter_table=ON;\n\
                 PRAGMA defer_foreign_keys = 1;\n\
                 CREATE TABLE new_notes (id integer PRIMARY KEY, body text NOT NULL DEFAULT '');\n\
                 INSERT INTO new_notes (id, body) SELECT id, body FROM notes;\n\
                 DROP TABLE notes;\n\
                 ALTER TABLE new_notes RENAME TO notes;\n\
                 PRAGMA legacy_alter_table = false;\n\
                 PRAGMA foreign_keys;\n\
                 PRAGMA foreign_keys = on;\n",
            ),
        ],
    );
    let run = env.ok(&["import-sql", "m"]);
    // (After lint's word on the DROP TABLE of the rebuild.)
    assert!(
        run.stderr.ends_with(
            "\nnote: m/V2__rebuild.sql: PRAGMA foreign_keys = off; PRAGMA legacy_alter_table=ON; \
         PRAGMA defer_foreign_keys = 1; PRAGMA legacy_alter_table = false; PRAGMA foreign_keys; \
         PRAGMA foreign_keys = on accepted and not recorded: strata turns foreign keys off \
         and checks them itself around every change it applies\n"
        ),
        "{}",
        run.stderr
    );
    // The rebuild, recognised as what it does to notes (body made NOT NULL
    // with a default, pinned dropped), and nothing for the PRAGMA lines.
    let shown = env.ok(&["show", "2"]).stdout;
    let ops = env.events()[1]["ops"].as_array().expect("ops").len();
    assert_eq!(ops, 2, "{shown}");
    assert!(!shown.to_lowercase().contains("pragma"), "{shown}");
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    assert_eq!(
        text_rows(&conn, "SELECT id, body FROM notes ORDER BY id"),
        [["1", "first"], ["2", "second"]]
    );
    env.ok(&["status", "--db", "app.db"]);

    // Revert SQL is data steps only: a PRAGMA there is refused.
    env.file(
        "undo.sql",
        "PRAGMA foreign_keys = off;\nDELETE FROM notes WHERE id = 3;\n",
    );
    env.fails(
        &[
            "record",
            "-m",
            "three",
            "--revert-sql",
            "undo.sql",
            "--sql",
            "INSERT INTO notes (id, body) VALUES (3, 'third')",
        ],
        1,
    )
    .says("PRAGMA foreign_keys = off: revert SQL holds data steps only");
}

#[test]
fn plain_numbered_files_are_ordered_as_numbers() {
    let env = Env::init();
    folder(
        &env,
        "m",
        &[
            (
                "1.sql",
                "CREATE TABLE items (id integer PRIMARY KEY, name text);\n",
            ),
            (
                "2.sql",
                "INSERT INTO items VALUES (1, 'one'), (2, 'two');\n",
            ),
            (
                "10.sql",
                "ALTER TABLE items ADD COLUMN qty int NOT NULL DEFAULT 0;\n",
            ),
            ("9.sql", "UPDATE items SET name = upper(name);\n"),
        ],
    );
    env.ok(&["import-sql", "m"]);
    assert_eq!(messages(&env), ["1.sql", "2.sql", "9.sql", "10.sql"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        text_rows(
            &env.db("app.db"),
            "SELECT id, name, qty FROM items ORDER BY id"
        ),
        [["1", "ONE", "0"], ["2", "TWO", "0"]]
    );
}

#[test]
fn a_goose_folder_reads_its_up_sections_and_reverts_data_with_its_down_section() {
    let env = Env::init();
    folder(
        &env,
        "db/migrations",
        &[
            (
                "00001_create_users.sql",
                "-- +goose Up\n\
                 CREATE TABLE users (id integer PRIMARY KEY, name text, updated int);\n\
                 -- +goose StatementBegin\n\
                 CREATE TRIGGER users_touch AFTER UPDATE OF name ON users\n\
                 BEGIN\n  UPDATE users SET updated = 1 WHERE id = NEW.id;\nEND;\n\
                 -- +goose StatementEnd\n\
                 \n\
                 -- +goose Down\n\
                 DROP TABLE users;\n",
            ),
            (
                "00002_seed.sql",
                "-- +goose Up\n\
                 INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'bob');\n\
                 -- +goose Down\n\
                 DELETE FROM users WHERE id IN (1, 2);\n",
            ),
            (
                "00003_rebuild.sql",
                "-- +goose NO TRANSACTION\n\
                 -- +goose Up\n\
                 PRAGMA foreign_keys = off;\n\
                 ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';\n\
                 PRAGMA foreign_keys = on;\n\
                 -- +goose Down\n\
                 ALTER TABLE users DROP COLUMN email;\n",
            ),
        ],
    );
    let run = env.ok(&["import-sql", "db/migrations"]);
    assert!(
        run.stderr.contains(
            "note: the down section of 00001_create_users.sql ignored: strata inverts DDL on its own"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        messages(&env),
        [
            "00001_create_users.sql",
            "00002_seed.sql",
            "00003_rebuild.sql"
        ]
    );
    let events = env.events();
    assert_eq!(
        events[1]["revert_sql"],
        "DELETE FROM users WHERE id IN (1, 2);"
    );
    assert_eq!(events[0]["revert_sql"], Value::Null);
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    assert_eq!(
        text_rows(&conn, "SELECT id, name, email FROM users ORDER BY id"),
        [["1", "ada", ""], ["2", "bob", ""]]
    );
    // The trigger between StatementBegin and StatementEnd is there.
    conn.execute_batch("UPDATE users SET name = 'ada l' WHERE id = 1; INSERT INTO users (id, name) VALUES (3, 'cy')")
        .expect("update");
    assert_eq!(
        text_rows(&conn, "SELECT id, updated FROM users ORDER BY id"),
        [["1", "1"], ["2", "NULL"], ["3", "NULL"]]
    );
    drop(conn);
    env.ok(&["revert", "3", "-m", "undo email"]);
    env.ok(&["revert", "2", "-m", "undo seed"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        text_rows(&env.db("app.db"), "SELECT * FROM users ORDER BY id"),
        [["3", "cy", "NULL"]]
    );
}

#[test]
fn a_dbmate_folder_reads_its_migrate_up_and_down_sections() {
    let env = Env::init();
    folder(
        &env,
        "db/migrations",
        &[
            (
                "20240101120000_create_posts.sql",
                "-- migrate:up\n\
                 CREATE TABLE posts (id integer PRIMARY KEY, title text);\n\
                 INSERT INTO posts VALUES (1, 'hello');\n\
                 \n\
                 -- migrate:down\n\
                 DELETE FROM posts WHERE id = 1;\n\
                 DROP TABLE posts;\n",
            ),
            (
                "20240201090000_add_body.sql",
                "-- migrate:up transaction:false\n\
                 ALTER TABLE posts ADD COLUMN body text;\n\
                 -- migrate:down\n",
            ),
        ],
    );
    env.ok(&["import-sql", "db/migrations"]);
    assert_eq!(
        messages(&env),
        [
            "20240101120000_create_posts.sql",
            "20240201090000_add_body.sql"
        ]
    );
    assert_eq!(
        env.events()[0]["revert_sql"],
        "DELETE FROM posts WHERE id = 1;"
    );
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        text_rows(&env.db("app.db"), "SELECT id, title, body FROM posts"),
        [["1", "hello", "NULL"]]
    );

    // A file with SQL outside its sections, and one of another tool's.
    folder(
        &env,
        "bad",
        &[(
            "20240101120000_a.sql",
            "CREATE TABLE x (a int);\n-- migrate:up\nCREATE TABLE y (a int);\n",
        )],
    );
    env.fails(&["import-sql", "bad"], 1)
        .says("20240101120000_a.sql: SQL before its first section, which dbmate does not run");
}

#[test]
fn a_folder_mixing_plain_goose_and_dbmate_files_is_refused() {
    let env = Env::init();
    folder(
        &env,
        "m",
        &[
            (
                "00001_a.sql",
                "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
            ),
            ("00002_b.sql", "-- migrate:up\nCREATE TABLE b (id int);\n"),
        ],
    );
    env.fails(&["import-sql", "m"], 1).says(
        "m mixes schemes: 00001_a.sql is a goose file (-- +goose Up), 00002_b.sql is a dbmate file (-- migrate:up)",
    );
    folder(
        &env,
        "n",
        &[
            ("00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n"),
            ("00002_b.sql", "CREATE TABLE b (id int);\n"),
        ],
    );
    env.fails(&["import-sql", "n"], 1).says(
        "n mixes schemes: 00001_a.sql is a goose file (-- +goose Up), 00002_b.sql is plain SQL",
    );
    folder(
        &env,
        "p",
        &[
            ("1.sql", "CREATE TABLE a (id int);\n"),
            ("0002_b.sql", "CREATE TABLE b (id int);\n"),
        ],
    );
    env.fails(&["import-sql", "p"], 1)
        .says("p mixes naming schemes");
    assert_eq!(env.ok(&["log"]).stdout, "no events yet\n");
}

const ATLAS_USERS: &str = "CREATE TABLE users (id integer PRIMARY KEY, name text);\n\
                           INSERT INTO users VALUES (1, 'ada'), (2, 'bob');\n";
const ATLAS_EMAIL: &str = "ALTER TABLE users ADD COLUMN email text;\n\
                           UPDATE users SET email = name || '@example.com';\n";
/// atlas.sum for the two files above, as `atlas migrate hash` writes it.
const ATLAS_SUM: &str = "h1:16HVZ379rm5im5lQQyPt6UDkQDVJ812IuRvibZnrgxY=\n\
                         20240101120000_users.sql h1:hUf80RrwWNE4f69JByB3ZI/sJgw84DzXN5lyuygRVrA=\n\
                         20240102120000_email.sql h1:U/UwbEcJjVq0QRMKxAZxqvjAy6Lm/0h0sZroTSm4+00=\n";

#[test]
fn an_atlas_folder_is_checked_against_its_atlas_sum() {
    let env = Env::init();
    folder(
        &env,
        "migrations",
        &[
            ("20240101120000_users.sql", ATLAS_USERS),
            ("20240102120000_email.sql", ATLAS_EMAIL),
            ("atlas.sum", ATLAS_SUM),
        ],
    );
    // A changed file is named, and nothing is recorded.
    std::fs::write(
        env.path().join("migrations/20240102120000_email.sql"),
        ATLAS_EMAIL.replace("example.com", "example.org"),
    )
    .expect("write");
    let run = env.fails(&["import-sql", "migrations"], 1);
    assert!(
        run.stderr.starts_with(
            "error: migrations/atlas.sum: the checksum of 20240102120000_email.sql does not match: it was changed after atlas.sum was written\n"
        ),
        "{}",
        run.stderr
    );
    // An added file too.
    std::fs::write(
        env.path().join("migrations/20240102120000_email.sql"),
        ATLAS_EMAIL,
    )
    .expect("write");
    std::fs::write(
        env.path().join("migrations/20240103120000_more.sql"),
        "CREATE TABLE more (id int);\n",
    )
    .expect("write");
    env.fails(&["import-sql", "migrations"], 1)
        .says("migrations/atlas.sum: 20240103120000_more.sql is not in atlas.sum where it sorts");
    std::fs::remove_file(env.path().join("migrations/20240103120000_more.sql")).expect("remove");
    assert_eq!(env.ok(&["log"]).stdout, "no events yet\n");

    let run = env.ok(&["import-sql", "migrations"]);
    assert!(
        run.stdout
            .starts_with("checked migrations/atlas.sum: 2 files match\nrecorded event 1"),
        "{}",
        run.stdout
    );
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        text_rows(&env.db("app.db"), "SELECT id, email FROM users ORDER BY id"),
        [["1", "ada@example.com"], ["2", "bob@example.com"]]
    );
}

/// A virtual environment with Alembic and SQLAlchemy from the package
/// index, made once and kept under the target's temporary folder; `None`,
/// with the reason printed, when python3, venv or the index is not there.
fn alembic_venv() -> Option<std::path::PathBuf> {
    use std::process::Command;
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv = root.join("alembic-venv");
    // Run as `python -m`: the scripts in bin/ name the folder the venv
    // was made in, which is not the one it is moved to.
    let ready = |venv: &std::path::Path| {
        Command::new(venv.join("bin/python"))
            .args(["-c", "import alembic, sqlalchemy"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready(&venv) {
        return Some(venv);
    }
    // Made beside it and moved into place whole, so a half-made one (an
    // interrupted install) is never taken for the cache.
    let making = root.join(format!("alembic-venv.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&making);
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&making)
        .output();
    match made {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            eprintln!(
                "skipped: python3 -m venv failed (Debian: apt-get install python3-venv): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            eprintln!("skipped: no python3 to make a virtual environment with: {e}");
            return None;
        }
    }
    let pip = Command::new(making.join("bin/pip"))
        .args([
            "install",
            "-q",
            "--disable-pip-version-check",
            "alembic",
            "sqlalchemy",
        ])
        .output();
    match pip {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            eprintln!(
                "skipped: pip install alembic sqlalchemy failed (is the package index reachable?): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            let _ = std::fs::remove_dir_all(&making);
            return None;
        }
        Err(e) => {
            eprintln!("skipped: cannot run pip in the virtual environment: {e}");
            let _ = std::fs::remove_dir_all(&making);
            return None;
        }
    }
    if std::fs::rename(&making, &venv).is_err() {
        // Another test made it first.
        let _ = std::fs::remove_dir_all(&making);
    }
    if ready(&venv) {
        Some(venv)
    } else {
        eprintln!("skipped: the virtual environment made has no alembic");
        None
    }
}

/// A table's shape as SQLite reports it: columns (name, type, not null,
/// default, primary key), foreign keys and indexes with their columns.
fn shape(conn: &rusqlite::Connection, table: &str) -> Vec<Vec<String>> {
    let mut out = text_rows(
        conn,
        &format!("SELECT name, upper(type), \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY cid"),
    );
    out.extend(text_rows(
        conn,
        &format!("SELECT 'fk', \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{table}') ORDER BY id, seq"),
    ));
    out.extend(text_rows(
        conn,
        &format!(
            "SELECT 'index', l.name, l.\"unique\", group_concat(i.name) FROM pragma_index_list('{table}') l, \
             pragma_index_info(l.name) i WHERE l.origin = 'c' GROUP BY l.name ORDER BY l.name"
        ),
    ));
    out
}

#[test]
fn alembic_offline_sql_is_recorded_one_event_per_revision() {
    use std::process::Command;
    let Some(venv) = alembic_venv() else {
        return;
    };
    let env = Env::init();
    let run = |args: &[&str]| {
        let out = Command::new(venv.join("bin/python"))
            .args(["-m", "alembic"])
            .args(args)
            .current_dir(env.path())
            .output()
            .expect("run alembic");
        assert!(
            out.status.success(),
            "alembic {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    run(&["init", "proj"]);
    let ini = env.path().join("alembic.ini");
    let text = std::fs::read_to_string(&ini).expect("alembic.ini");
    let online = env.path().join("online.db");
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("sqlalchemy.url") {
                format!("sqlalchemy.url = sqlite:///{}\n", online.display())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&ini, text).expect("write alembic.ini");
    let revision = |file: &str, id: &str, down: &str, doc: &str, up: &str, downgrade: &str| {
        let down = if down.is_empty() {
            "None".to_string()
        } else {
            format!("\"{down}\"")
        };
        env.file(
            &format!("proj/versions/{file}"),
            &format!(
                "\"\"\"{doc}\n\nRevision ID: {id}\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
                 revision = \"{id}\"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\
                 def upgrade():\n{up}\n\ndef downgrade():\n{downgrade}\n"
            ),
        );
    };
    revision(
        "ae1027a6acf_users.py",
        "ae1027a6acf",
        "",
        "create users",
        "    op.create_table(\"users\", sa.Column(\"id\", sa.Integer, primary_key=True), \
         sa.Column(\"name\", sa.String(50), nullable=False))",
        "    op.drop_table(\"users\")",
    );
    revision(
        "1975ea83b712_seed.py",
        "1975ea83b712",
        "ae1027a6acf",
        "seed the users",
        "    op.execute(\"INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'bob')\")",
        "    op.execute(\"DELETE FROM users WHERE id IN (1, 2)\")",
    );
    revision(
        "27c6a30d7c24_posts.py",
        "27c6a30d7c24",
        "1975ea83b712",
        "emails and posts",
        "    op.add_column(\"users\", sa.Column(\"email\", sa.String(100)))\n    \
         op.create_index(\"users_email\", \"users\", [\"email\"], unique=True)\n    \
         op.create_table(\"posts\", sa.Column(\"id\", sa.Integer, primary_key=True), \
         sa.Column(\"user_id\", sa.Integer, sa.ForeignKey(\"users.id\"), nullable=False), \
         sa.Column(\"title\", sa.Text, server_default=\"untitled\"))",
        "    op.drop_table(\"posts\")\n    op.drop_index(\"users_email\")\n    op.drop_column(\"users\", \"email\")",
    );
    let up = run(&["upgrade", "head", "--sql"]);
    std::fs::write(env.path().join("upgrade.sql"), &up.stdout).expect("write");
    std::fs::write(env.path().join("upgrade.log"), &up.stderr).expect("write");
    let down = run(&["downgrade", "head:base", "--sql"]);
    std::fs::write(env.path().join("downgrade.sql"), &down.stdout).expect("write");

    let args = [
        "import-sql",
        "--alembic",
        "upgrade.sql",
        "--alembic-down",
        "downgrade.sql",
        "--alembic-log",
        "upgrade.log",
    ];
    env.ok(&args);
    assert_eq!(
        messages(&env),
        [
            "ae1027a6acf: create users",
            "1975ea83b712: seed the users",
            "27c6a30d7c24: emails and posts"
        ]
    );
    let events = env.events();
    assert_eq!(
        events[1]["revert_sql"],
        "DELETE FROM users WHERE id IN (1, 2);"
    );
    assert_eq!(events[0]["revert_sql"], Value::Null);
    // Alembic's bookkeeping is not recorded.
    assert!(!env.ok(&["show", "1"]).stdout.contains("alembic_version"));
    env.ok(&args).says("nothing new to import");

    // The same schema and rows as Alembic's own upgrade gives.
    env.ok(&["apply", "--db", "app.db"]);
    run(&["upgrade", "head"]);
    let (ours, theirs) = (env.db("app.db"), env.db("online.db"));
    for table in ["users", "posts"] {
        assert_eq!(shape(&ours, table), shape(&theirs, table), "{table}");
        assert!(!shape(&ours, table).is_empty(), "{table}");
    }
    let users = "SELECT id, name, email FROM users ORDER BY id";
    assert_eq!(
        text_rows(&ours, users),
        [["1", "ada", "NULL"], ["2", "bob", "NULL"]]
    );
    assert_eq!(text_rows(&ours, users), text_rows(&theirs, users));
    drop(ours);

    // The seed reverts with its downgrade's DELETE; posts go with theirs.
    env.ok(&["revert", "--to", "1", "-m", "back to the first revision"]);
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    assert!(text_rows(&conn, "SELECT * FROM users").is_empty());
    assert_eq!(
        shape(&conn, "users"),
        [
            ["id", "INTEGER", "1", "NULL", "1"],
            ["name", "VARCHAR(50)", "1", "NULL", "0"]
        ]
    );
}

#[test]
fn alembic_input_that_is_not_alembic_s_is_refused() {
    let env = Env::init();
    env.file("plain.sql", "CREATE TABLE t (a int);\n");
    env.fails(&["import-sql", "--alembic", "plain.sql"], 1)
        .says("plain.sql:1: SQL before the first -- Running comment");
    env.file("empty.sql", "-- nothing here\n");
    env.fails(&["import-sql", "--alembic", "empty.sql"], 1)
        .says("empty.sql has no -- Running upgrade comments");
    env.fails(&["import-sql", "--alembic-down", "empty.sql", "m"], 2);
    assert_eq!(env.ok(&["log"]).stdout, "no events yet\n");
}

#[test]
fn record_accepts_the_rebuild_pragmas_and_says_it_does_not_keep_them() {
    let env = Env::init();
    env.record(
        "users",
        "CREATE TABLE users (id integer PRIMARY KEY, name text)",
    );
    let run = env.ok(&[
        "record",
        "-m",
        "email",
        "--sql",
        "PRAGMA foreign_keys = off; ALTER TABLE users ADD COLUMN email text; PRAGMA foreign_keys = on;",
    ]);
    assert!(
        run.stderr.contains(
            "PRAGMA foreign_keys = off; PRAGMA foreign_keys = on accepted and not recorded"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(env.events()[1]["ops"].as_array().map(Vec::len), Some(1));
    env.fails(
        &["record", "-m", "wal", "--sql", "PRAGMA journal_mode = WAL"],
        1,
    )
    .says("PRAGMA journal_mode changes how the connection works, not the schema");
}

#[test]
fn alembic_revisions_without_sql_are_passed_over_with_a_note() {
    let env = Env::init();
    env.file(
        "upgrade.sql",
        "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    \
         CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n\n\
         -- Running upgrade  -> a1\n\n\
         CREATE TABLE t (id INTEGER NOT NULL, PRIMARY KEY (id));\n\n\
         INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING version_num;\n\n\
         -- Running upgrade a1 -> b1\n\n\
         UPDATE alembic_version SET version_num='b1' WHERE alembic_version.version_num = 'a1';\n\n\
         -- Running upgrade b1 -> c1\n\n\
         INSERT INTO t (id) VALUES (7);\n\n\
         UPDATE alembic_version SET version_num='c1' WHERE alembic_version.version_num = 'b1';\n\n",
    );
    let run = env.ok(&["import-sql", "--alembic", "upgrade.sql"]);
    assert!(
        run.stderr.contains(
            "note: revision b1 holds no SQL (a merge, or Python only) and is not recorded"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("note: revision c1 has data steps and no --alembic-down was given"),
        "{}",
        run.stderr
    );
    assert_eq!(messages(&env), ["a1", "c1"]);
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(text_rows(&env.db("app.db"), "SELECT id FROM t"), [["7"]]);
}
