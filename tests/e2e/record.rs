//! `record`: SQL from a file, `--sql` or stdin appended as one event;
//! what is refused (bad SQL, unreadable input, an empty message, a time
//! before head's) appends nothing; author and time as given.

use crate::Env;

#[test]
fn records_from_a_file_inline_and_stdin() {
    let env = Env::init();
    let file = env.file(
        "001.sql",
        "-- the first table\nCREATE TABLE users (id integer primary key, name text);\n",
    );
    env.ok(&["record", "-m", "create users", file.to_str().expect("utf8")])
        .says("recorded event 1");
    env.ok(&[
        "record",
        "-m",
        "add email",
        "--sql",
        "ALTER TABLE users ADD COLUMN email varchar(100)",
    ])
    .says("recorded event 2");
    env.run_stdin(
        &["record", "-m", "index email", "-"],
        "CREATE UNIQUE INDEX users_email ON users (email);",
    )
    .success()
    .says("recorded event 3");
    let events = env.events();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| {
            e["ops"][0]
                .as_object()
                .expect("op")
                .keys()
                .next()
                .expect("kind")
                .as_str()
        })
        .collect();
    assert_eq!(kinds, ["create_table", "add_column", "create_index"]);
    assert_eq!(events[0]["author"], "tester");
    assert_eq!(events[1]["message"], "add email");
}

#[test]
fn one_event_holds_every_statement_of_a_script() {
    let env = Env::init();
    env.record(
        "two tables",
        "BEGIN; CREATE TABLE a (id integer primary key); \
         CREATE TABLE b (id integer primary key, a_id integer REFERENCES a(id) ON DELETE CASCADE); \
         CREATE INDEX b_a ON b (a_id); COMMIT;",
    );
    let events = env.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["ops"].as_array().map(Vec::len), Some(3));
}

#[test]
fn dry_run_shows_the_ops_and_appends_nothing() {
    let env = Env::init();
    env.seed();
    env.ok(&[
        "record",
        "-m",
        "drop email",
        "--dry-run",
        "--sql",
        "ALTER TABLE users DROP COLUMN email",
    ])
    .says("would record change event 3")
    .says("drop column users.email (was \"email\" varchar(100), column 3)");
    assert_eq!(env.head(), 2);
}

#[test]
fn bad_sql_is_refused_with_its_place_and_nothing_is_appended() {
    let env = Env::init();
    env.seed();
    let file = env.file(
        "bad.sql",
        "ALTER TABLE users ADD COLUMN age integer;\n\nCREATE TABLE broken (a integer,, b);\n",
    );
    env.fails(&["record", "-m", "bad", file.to_str().expect("utf8")], 1)
        .says("bad.sql: statement 2 (line 3, column 1)")
        .says("syntax error");
    env.fails(
        &[
            "record",
            "-m",
            "x",
            "--sql",
            "ALTER TABLE nope ADD COLUMN a int",
        ],
        1,
    )
    .says("no table named nope");
    env.fails(
        &[
            "record",
            "-m",
            "x",
            "--sql",
            "CREATE TABLE users (id integer)",
        ],
        1,
    )
    .says("users");
    env.fails(&["record", "-m", "x", "--sql", "SELECT 1"], 1)
        .says("unsupported statement");
    env.fails(&["record", "-m", "x", "--sql=-- nothing\n"], 1)
        .says("holds no statements");
    assert_eq!(env.head(), 2);
    env.ok(&["verify", "--deep"]);
}

#[test]
fn unreadable_input_is_refused() {
    let env = Env::init();
    env.fails(&["record", "-m", "x", "missing.sql"], 1)
        .says("cannot read missing.sql");
    std::fs::write(env.path().join("latin1.sql"), b"CREATE TABLE caf\xe9 (a);").expect("write");
    env.fails(&["record", "-m", "x", "latin1.sql"], 1)
        .says("latin1.sql is not UTF-8");
    env.fails(&["record", "-m", "x", "."], 1)
        .says("cannot read .");
    assert_eq!(env.head(), 0);
}

#[test]
fn a_byte_order_mark_is_not_a_statement() {
    let env = Env::init();
    std::fs::write(
        env.path().join("bom.sql"),
        b"\xEF\xBB\xBFCREATE TABLE t (a integer);",
    )
    .expect("write");
    env.ok(&["record", "-m", "from a Windows editor", "bom.sql"]);
    assert_eq!(env.json(&["schema"])["tables"]["t"]["name"], "t");
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::init();
    env.fails(&["record", "--sql", "CREATE TABLE t (a)"], 2);
    env.fails(&["record", "-m", "x"], 2);
    env.fails(
        &["record", "-m", "x", "--sql", "CREATE TABLE t (a)", "f.sql"],
        2,
    );
    env.fails(&["frobnicate"], 2);
    assert_eq!(env.head(), 0);
}

#[test]
fn an_empty_message_is_refused() {
    let env = Env::init();
    env.fails(&["record", "-m", "  ", "--sql", "CREATE TABLE t (a)"], 1)
        .says("the message is empty");
    assert_eq!(env.head(), 0);
}

#[test]
fn author_from_flag_environment_or_login() {
    let env = Env::init();
    env.ok(&[
        "record",
        "-m",
        "a",
        "--author",
        "dana",
        "--sql",
        "CREATE TABLE a (x)",
    ]);
    let run = env
        .command(&["record", "-m", "b", "--sql", "CREATE TABLE b (x)"])
        .env_remove("STRATA_AUTHOR")
        .env("USER", "erin")
        .output()
        .expect("run");
    assert!(run.status.success(), "{run:?}");
    // Without $USER and $LOGNAME, the OS user's name (tests/e2e/author.rs
    // has a user with none, whom record refuses).
    let out = env
        .command(&["record", "-m", "c", "--sql", "CREATE TABLE c (x)"])
        .env_remove("STRATA_AUTHOR")
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .expect("run");
    env.finish(&["record"], out).success();
    let authors: Vec<String> = env
        .events()
        .iter()
        .map(|e| e["author"].as_str().expect("author").to_string())
        .collect();
    assert_eq!(authors, ["dana", "erin", &crate::author::os_user()]);
}

#[test]
fn timestamps_are_kept_and_never_go_back() {
    let env = Env::init();
    env.ok(&[
        "record",
        "-m",
        "a",
        "--timestamp",
        "2026-01-02T03:04:05+01:00",
        "--sql",
        "CREATE TABLE a (x)",
    ]);
    assert_eq!(env.events()[0]["at"], "2026-01-02T02:04:05Z");
    env.fails(
        &[
            "record",
            "-m",
            "b",
            "--timestamp",
            "2025-12-31T00:00:00Z",
            "--sql",
            "CREATE TABLE b (x)",
        ],
        1,
    )
    .says("times never decrease");
    env.fails(
        &[
            "record",
            "-m",
            "b",
            "--timestamp",
            "yesterday",
            "--sql",
            "CREATE TABLE b (x)",
        ],
        1,
    )
    .says("--timestamp");
    assert_eq!(env.head(), 1);
}

#[test]
fn the_same_input_gives_the_same_hashes() {
    let run = |env: &Env| {
        for (i, sql) in ["CREATE TABLE a (x)", "ALTER TABLE a ADD COLUMN y text"]
            .iter()
            .enumerate()
        {
            env.ok(&[
                "record",
                "-m",
                &format!("step {i}"),
                "--timestamp",
                "2026-11-25T10:00:00Z",
                "--sql",
                sql,
            ]);
        }
        env.events()
            .iter()
            .map(|e| e["hash"].as_str().expect("hash").to_string())
            .collect::<Vec<_>>()
    };
    let (a, b) = (Env::init(), Env::init());
    assert_eq!(run(&a), run(&b));
}

#[test]
fn identifiers_full_of_quotes_and_semicolons_round_trip() {
    let env = Env::init();
    let sql = r#"CREATE TABLE "we""ird; DROP TABLE x;--" ("a;b" integer PRIMARY KEY, "c""d" text, [sp ace] text, `tick` text, "ünï" text);
CREATE INDEX "i; x" ON "we""ird; DROP TABLE x;--" ("c""d", "ünï");"#;
    env.record("weird names", sql);
    env.record(
        "rename weird",
        r#"ALTER TABLE "we""ird; DROP TABLE x;--" RENAME COLUMN "c""d" TO "e'f""#,
    );
    let schema = env.ok(&["schema"]).stdout;
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(&schema)
        .unwrap_or_else(|e| panic!("SQLite refused ({e}):\n{schema}"));
    let columns: Vec<String> = conn
        .prepare(r#"SELECT name FROM pragma_table_info('we"ird; DROP TABLE x;--')"#)
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect::<Result<_, _>>())
        })
        .expect("columns");
    assert_eq!(columns, ["a;b", "e'f", "sp ace", "tick", "ünï"]);
    let index: String = conn
        .query_row(
            "SELECT name FROM sqlite_schema WHERE type = 'index'",
            [],
            |r| r.get(0),
        )
        .expect("index");
    assert_eq!(index, "i; x");
    // The log shows such names quoted, on one line each.
    env.ok(&["log"])
        .says(r#"rename column "we""ird; DROP TABLE x;--"."c""d" to "e'f""#);
}

#[test]
fn a_misspelt_keyword_is_named_with_the_likely_word_and_nothing_is_appended() {
    let env = Env::init();
    let run = env.fails(&["record", "-m", "x", "--sql", "CREATE TABEL t (a int)"], 1);
    assert_eq!(
        run.stderr.lines().next().unwrap_or(""),
        "error: --sql: statement 1 (line 1, column 1): syntax error in CREATE TABEL t (a int): TABEL is not a keyword strata reads here (did you mean TABLE?) at line 1, column 8"
    );
    let run = env.fails(
        &["record", "-m", "x", "--sql", "CREATE TABLE t (a int,)"],
        1,
    );
    assert!(
        run.stderr
            .contains("expected a name, found ) at line 1, column 23"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Expected:"), "{}", run.stderr);
    assert_eq!(env.head(), 0);
}
