//! `apply`: a real SQLite file reconciled to a point of the ledger, checked
//! with a second connection of its own.

use rusqlite::Connection;

use crate::support::{assert_clean, strings, text_rows};
use crate::{Env, Run};

fn columns(conn: &Connection, table: &str) -> Vec<String> {
    strings(
        conn,
        &format!("SELECT name FROM pragma_table_info('{table}')"),
    )
}

#[test]
fn the_seed_applied_to_a_fresh_file() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]).says("now at event 2");
    let conn = env.db("app.db");
    assert_eq!(
        columns(&conn, "users"),
        ["id", "name", "email", "created_at"]
    );
    let events = env.events();
    let state = text_rows(&conn, "SELECT seq, hash FROM _strata_state");
    assert_eq!(
        state,
        [[
            "2".to_string(),
            events[1]["hash"].as_str().expect("hash").to_string()
        ]]
    );
    assert_eq!(
        text_rows(&conn, "SELECT count(*) FROM _strata_log"),
        [["1"]]
    );
    assert_clean(&conn);
    // Nothing left to do.
    env.ok(&["apply", "--db", "app.db"])
        .says("already at event 2");
    assert_eq!(
        text_rows(&conn, "SELECT count(*) FROM _strata_log"),
        [["1"]]
    );
}

#[test]
fn rows_survive_step_by_step_apply() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    let conn = env.db("app.db");
    conn.execute_batch(
        "INSERT INTO users (id, name, email) VALUES (1, 'ada', 'ada@example.com'), (7, 'bob', NULL);",
    )
    .expect("insert");
    env.ok(&["apply", "--db", "app.db"]);
    env.record(
        "widen name, require email",
        "ALTER TABLE users ALTER COLUMN name TYPE text; \
         ALTER TABLE users ALTER COLUMN email SET DEFAULT 'none';",
    );
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(
        text_rows(
            &conn,
            "SELECT rowid, id, name, email FROM users ORDER BY id"
        ),
        [
            ["1", "1", "ada", "ada@example.com"],
            ["7", "7", "bob", "NULL"]
        ]
    );
    assert_clean(&conn);
}

#[test]
fn a_rebuilt_parent_keeps_its_cascading_children() {
    let env = Env::init();
    env.record(
        "parent and child",
        "CREATE TABLE parent (id integer primary key, name text); \
         CREATE TABLE child (id integer primary key, parent_id integer REFERENCES parent(id) ON DELETE CASCADE);",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch(
        "INSERT INTO parent VALUES (1, 'p'); INSERT INTO child VALUES (10, 1), (11, 1);",
    )
    .expect("insert");
    // A type change forces the 12-step rebuild of parent.
    env.record(
        "retype name",
        "ALTER TABLE parent ALTER COLUMN name TYPE varchar(20)",
    );
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(text_rows(&conn, "SELECT count(*) FROM child"), [["2"]]);
    assert_clean(&conn);
}

#[test]
fn dry_run_prints_the_sql_and_changes_nothing() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    let before = std::fs::read(env.path().join("app.db")).expect("read");
    let out = env.ok(&["apply", "--db", "app.db", "--dry-run"]).stdout;
    assert!(out.contains("BEGIN IMMEDIATE"), "{out}");
    // SQLite's ADD COLUMN refuses a CURRENT_TIMESTAMP default: a rebuild.
    assert!(out.contains("CREATE TABLE \"_strata_new_users\""), "{out}");
    assert!(out.contains("PRAGMA foreign_key_check"), "{out}");
    assert!(out.contains("COMMIT"), "{out}");
    assert_eq!(
        std::fs::read(env.path().join("app.db")).expect("read"),
        before
    );
}

#[test]
fn drift_is_reported_and_refused() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    env.db("app.db")
        .execute_batch(
            "ALTER TABLE users ADD COLUMN sneaky text; CREATE INDEX users_name ON users (name);",
        )
        .expect("drift");
    let run = env.fails(&["apply", "--db", "app.db"], 4);
    assert!(run.stdout.contains("sneaky"), "{run:?}");
    assert!(run.stdout.contains("users_name"), "{run:?}");
    env.fails(&["status", "--db", "app.db"], 4).says("sneaky");
    // Untouched: still at event 1.
    assert_eq!(
        text_rows(&env.db("app.db"), "SELECT seq FROM _strata_state"),
        [["1"]]
    );
}

#[test]
fn a_database_of_another_ledger_is_refused() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["--ledger", "other", "init"]);
    env.ok(&[
        "--ledger",
        "other",
        "record",
        "-m",
        "x",
        "--sql",
        "CREATE TABLE x (a)",
    ]);
    env.fails(&["--ledger", "other", "apply", "--db", "app.db"], 3)
        .says("another ledger");
    env.fails(&["--ledger", "other", "verify", "--db", "app.db"], 3);
    env.ok(&["verify", "--db", "app.db"]);
}

#[test]
fn bad_targets_are_clear_errors_and_untouched() {
    let env = Env::init();
    env.seed();
    env.file(
        "notes.db",
        "this is not a database, just text that is long enough to matter",
    );
    env.fails(&["apply", "--db", "notes.db"], 1)
        .says("notes.db");
    assert_eq!(
        std::fs::read_to_string(env.path().join("notes.db")).expect("read"),
        "this is not a database, just text that is long enough to matter"
    );
    std::fs::create_dir(env.path().join("dir.db")).expect("mkdir");
    env.fails(&["apply", "--db", "dir.db"], 1).says("dir.db");
    env.fails(&["apply", "--db", "app.db", "--to", "9"], 1)
        .says("there is no event 9");
    assert!(!env.path().join("app.db").exists());
}

#[test]
fn dropped_data_is_archived() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch(
        "INSERT INTO users (id, name, email) VALUES (1, 'ada', 'a@x'), (2, 'bob', 'b@x');",
    )
    .expect("insert");
    env.record("drop email", "ALTER TABLE users DROP COLUMN email");
    env.ok(&["apply", "--db", "app.db"]).says("archived");
    assert_eq!(columns(&conn, "users"), ["id", "name", "created_at"]);
    let archives = text_rows(
        &conn,
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE '\\_strata\\_archive%' ESCAPE '\\'",
    );
    assert!(!archives.is_empty(), "no archive tables");
    assert_clean(&conn);
}

/// A hash of every row of `table` with its rowid, in rowid order.
fn checksum(conn: &Connection, table: &str) -> (usize, u64) {
    use std::hash::{Hash, Hasher};
    let all = text_rows(
        conn,
        &format!("SELECT rowid, * FROM {table} ORDER BY rowid"),
    );
    let mut h = std::collections::hash_map::DefaultHasher::new();
    all.hash(&mut h);
    (all.len(), h.finish())
}

#[test]
fn a_rebuild_of_a_100k_row_table_keeps_every_row_index_and_trigger() {
    let env = Env::init();
    env.record(
        "items",
        "CREATE TABLE items (id integer primary key, sku varchar(32) not null, qty integer not null, note text); \
         CREATE INDEX items_sku ON items (sku); \
         CREATE TRIGGER items_qty_nonneg BEFORE UPDATE OF qty ON items WHEN NEW.qty < 0 \
         BEGIN SELECT RAISE(ABORT, 'negative qty'); END;",
    );
    env.ok(&["apply", "--db", "app.db"]);
    let mut conn = env.db("app.db");
    let tx = conn.transaction().expect("begin");
    {
        let mut st = tx
            .prepare("INSERT INTO items (id, sku, qty, note) VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare");
        for i in 1..=100_000i64 {
            let note = (i % 3 != 0).then(|| format!("note {i}"));
            st.execute(rusqlite::params![
                i * 2,
                format!("SKU-{:06}", (i * 7_919) % 100_003),
                (i * 31) % 10_007,
                note
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
    let schema_of = |conn: &Connection| {
        text_rows(
            conn,
            "SELECT type, name, sql FROM sqlite_schema WHERE name IN ('items_sku', 'items_qty_nonneg') ORDER BY name",
        )
    };
    let before = checksum(&conn, "items");
    let extras = schema_of(&conn);
    assert_eq!(before.0, 100_000);
    assert_eq!(extras.len(), 2, "{extras:?}");

    // A type change: SQLite cannot do it in place, so the table is rebuilt.
    env.record(
        "widen qty",
        "ALTER TABLE items ALTER COLUMN qty TYPE bigint",
    );
    let dry = env.ok(&["apply", "--db", "app.db", "--dry-run"]).stdout;
    assert!(dry.contains("CREATE TABLE \"_strata_new_items\""), "{dry}");
    env.ok(&["apply", "--db", "app.db"]);

    let conn = env.db("app.db");
    assert_eq!(
        text_rows(
            &conn,
            "SELECT type FROM pragma_table_info('items') WHERE name = 'qty'"
        ),
        [["bigint"]]
    );
    assert_eq!(checksum(&conn, "items"), before);
    assert_eq!(schema_of(&conn), extras);
    // The index is used and the trigger still fires.
    let plan = text_rows(
        &conn,
        "EXPLAIN QUERY PLAN SELECT id FROM items WHERE sku = 'SKU-000001'",
    );
    assert!(
        plan.iter()
            .any(|r| r.iter().any(|c| c.contains("items_sku"))),
        "{plan:?}"
    );
    let err = conn
        .execute("UPDATE items SET qty = -1 WHERE id = 2", [])
        .expect_err("the trigger refuses a negative qty");
    assert!(err.to_string().contains("negative qty"), "{err}");
    assert_eq!(text_rows(&conn, "SELECT seq FROM _strata_state"), [["2"]]);
    assert_clean(&conn);
}

/// `apply` at the database's point, in text and JSON, with
/// `$STRATA_FAILPOINT` set to `failpoint` (empty: none).
fn at_rest_outputs(env: &Env, failpoint: &str) -> [Run; 2] {
    let run = |args: &[&str]| {
        let out = env
            .command(args)
            .env("STRATA_FAILPOINT", failpoint)
            .output()
            .expect("run strata");
        env.finish(args, out)
    };
    [
        run(&["apply", "--db", "app.db"]),
        run(&["--json", "apply", "--db", "app.db"]),
    ]
}

/// The outputs of two runs, exit code, stdout and stderr.
fn shown(runs: &[Run; 2]) -> Vec<(i32, &str, &str)> {
    runs.iter()
        .map(|r| (r.code, r.stdout.as_str(), r.stderr.as_str()))
        .collect()
}

#[test]
fn a_sealed_database_at_the_point_is_done_without_reading_its_schema() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    let file = env.path().join("app.db");
    let bytes = std::fs::read(&file).expect("read");

    // Reading the schema aborts the process: apply never gets there.
    let sealed = at_rest_outputs(&env, "introspect");
    assert_eq!(sealed[0].code, 0, "{:?}", sealed[0]);
    assert_eq!(sealed[0].stdout, "app.db is already at event 2\n");
    assert_eq!(
        sealed[1].stdout,
        "{\n  \"db\": \"app.db\",\n  \"from\": 2,\n  \"statements\": 0,\n  \"to\": 2\n}\n"
    );
    assert_eq!(std::fs::read(&file).expect("read"), bytes, "untouched");

    // VACUUM changes the file, not the schema: still at rest.
    env.db("app.db").execute_batch("VACUUM").expect("vacuum");
    assert_eq!(shown(&at_rest_outputs(&env, "introspect")), shown(&sealed));

    // As an earlier version left it (no seal): the full look, the same
    // answer, and the file left as it was (only an apply seals).
    env.db("app.db")
        .execute_batch("ALTER TABLE _strata_state DROP COLUMN seal")
        .expect("unseal");
    let bytes = std::fs::read(&file).expect("read");
    let looked = at_rest_outputs(&env, "introspect");
    assert_eq!(looked[0].code, -1, "it read the schema: {:?}", looked[0]);
    assert_eq!(shown(&at_rest_outputs(&env, "")), shown(&sealed));
    assert_eq!(std::fs::read(&file).expect("read"), bytes, "untouched");
}

#[test]
fn a_database_changed_by_hand_at_the_point_is_surveyed_as_before() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    for (sql, drift) in [
        ("CREATE INDEX users_name ON users (name)", "users_name"),
        ("ALTER TABLE users ADD COLUMN sneaky text", "sneaky"),
    ] {
        env.db("app.db").execute_batch(sql).expect("by hand");
        let run = env.fails(&["apply", "--db", "app.db"], 4);
        assert!(run.stdout.contains(drift), "{run:?}");
    }
    env.db("app.db")
        .execute_batch("DROP INDEX users_name; ALTER TABLE users DROP COLUMN sneaky")
        .expect("undone");
    env.ok(&["apply", "--db", "app.db"])
        .says("already at event 2");

    // A view strata made, dropped by hand.
    env.record("a view", "CREATE VIEW names AS SELECT name FROM users;");
    env.ok(&["apply", "--db", "app.db"]);
    env.db("app.db")
        .execute_batch("DROP VIEW names")
        .expect("by hand");
    env.fails(&["apply", "--db", "app.db"], 4).says("names");
}

#[test]
fn a_database_an_earlier_version_applied_to_is_sealed_by_its_next_apply() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    env.db("app.db")
        .execute_batch("ALTER TABLE _strata_state DROP COLUMN seal")
        .expect("unseal");
    let dry = env.ok(&["apply", "--db", "app.db", "--dry-run"]).stdout;
    assert!(
        dry.contains("ALTER TABLE \"_strata_state\" ADD COLUMN \"seal\" TEXT;"),
        "{dry}"
    );
    env.ok(&["apply", "--db", "app.db"]).says("now at event 2");
    let conn = env.db("app.db");
    assert_eq!(
        text_rows(&conn, "SELECT seq, length(seal) FROM _strata_state"),
        [["2", "64"]]
    );
    let sealed = at_rest_outputs(&env, "introspect");
    assert_eq!(sealed[0].code, 0, "{:?}", sealed[0]);
    assert_eq!(sealed[0].stdout, "app.db is already at event 2\n");
}
