//! Net plans: a move across many events writes less than the events do
//! one by one, and leaves the same database, rows and archives included.
//! Each case moves one database in one apply and a copy of it event by
//! event, and compares them, there and after coming back.

use crate::support::dump;
use crate::Env;

/// `users` and `posts` with rows, then a column added to each and filled,
/// then an index on the new column of `posts`.
fn with_history() -> Env {
    let env = Env::init();
    env.record(
        "tables",
        "CREATE TABLE users (id integer primary key, name text NOT NULL);
         CREATE TABLE posts (id integer primary key, title text)",
    );
    env.ok(&["apply", "--db", "a.db"]);
    env.db("a.db")
        .execute_batch(
            "INSERT INTO users VALUES (1, 'ada'), (7, 'bob');
             INSERT INTO posts VALUES (10, 'hello'), (11, 'again');",
        )
        .expect("rows");
    env.record(
        "notes",
        "ALTER TABLE users ADD COLUMN note text; ALTER TABLE posts ADD COLUMN stars integer",
    );
    env.ok(&["apply", "--db", "a.db"]);
    env.db("a.db")
        .execute_batch(
            "UPDATE users SET note = 'first ' || name;
             UPDATE posts SET stars = id * 2;",
        )
        .expect("notes");
    env.record("index", "CREATE INDEX posts_stars ON posts (stars)");
    env.ok(&["apply", "--db", "a.db"]);
    std::fs::copy(env.path().join("a.db"), env.path().join("b.db")).expect("copy");
    env
}

/// A database's every user table with its rows, and its archive catalog.
type State = (Vec<(String, Vec<Vec<rusqlite::types::Value>>)>, Vec<String>);

/// Every user table's rows, and the archives as the catalog names them (by
/// what they archive, not by their table numbers).
fn state(env: &Env, db: &str) -> State {
    let conn = env.db(db);
    let archives = crate::values(
        &conn,
        "SELECT kind, table_name, coalesce(column_name, ''), seq, op, row_count FROM _strata_archive ORDER BY seq, op, kind",
    );
    (dump(&conn), archives)
}

/// A ledger whose event 1 is `create`, and `a.db` at event 1 holding
/// `rows`, with a copy of it under each of `copies`.
fn at_one_with_rows(create: &str, rows: &str, copies: &[&str]) -> Env {
    let env = Env::init();
    env.record("t", create);
    env.ok(&["apply", "--db", "a.db"]);
    env.db("a.db").execute_batch(rows).expect("rows");
    for copy in copies {
        std::fs::copy(env.path().join("a.db"), env.path().join(copy)).expect("copy");
    }
    env
}

/// Records each `(message, sql)` as an event; the one named "rows" is a
/// data step, recorded with `undo` as its revert SQL.
fn record_all(env: &Env, events: &[(&str, &str)], undo: &str) {
    for &(message, sql) in events {
        if message == "rows" {
            let undo = env.file("undo.sql", undo);
            let undo = undo.to_str().expect("utf-8 path");
            env.ok(&["record", "-m", message, "--revert-sql", undo, "--sql", sql]);
        } else {
            env.record(message, sql);
        }
    }
}

#[test]
fn a_column_dropped_and_then_its_table_is_archived_without_a_drop_column() {
    let env = with_history();
    let plan = env.ok(&["apply", "--db", "a.db", "--to", "0", "--dry-run"]);
    assert!(!plan.stdout.contains("DROP COLUMN"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("DROP TABLE \"users\""),
        "{}",
        plan.stdout
    );

    // One apply against one event at a time.
    env.ok(&["apply", "--db", "a.db", "--to", "0"]);
    for to in ["2", "1", "0"] {
        env.ok(&["apply", "--db", "b.db", "--to", to]);
    }
    let (a, b) = (state(&env, "a.db"), state(&env, "b.db"));
    assert_eq!(a, b);
    // Both columns were archived on their own, and both tables.
    let kinds: Vec<&String> = a.1.iter().collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");

    // And back to head, in one apply each: every value is back.
    env.ok(&["apply", "--db", "a.db"]);
    env.ok(&["apply", "--db", "b.db"]);
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    assert_eq!(
        crate::values(
            &env.db("a.db"),
            "SELECT u.id, u.name, u.note, p.id, p.stars FROM users u, posts p ORDER BY u.id, p.id"
        ),
        [
            r#"Integer(1)|Text("ada")|Text("first ada")|Integer(10)|Integer(20)"#,
            r#"Integer(1)|Text("ada")|Text("first ada")|Integer(11)|Integer(22)"#,
            r#"Integer(7)|Text("bob")|Text("first bob")|Integer(10)|Integer(20)"#,
            r#"Integer(7)|Text("bob")|Text("first bob")|Integer(11)|Integer(22)"#,
        ]
    );
    env.ok(&["verify", "--db", "a.db"]);
}

#[test]
fn a_column_dropped_when_its_table_stays_is_dropped() {
    let env = with_history();
    // Back to 1: the columns go, the tables stay.
    let plan = env.ok(&["apply", "--db", "a.db", "--to", "1", "--dry-run"]);
    assert!(
        plan.stdout.contains("DROP COLUMN \"note\""),
        "{}",
        plan.stdout
    );
    env.ok(&["apply", "--db", "a.db", "--to", "1"]);
    env.ok(&["apply", "--db", "b.db", "--to", "2"]);
    env.ok(&["apply", "--db", "b.db", "--to", "1"]);
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    // A table dropped in a later move finds its column gone already.
    env.ok(&["apply", "--db", "a.db", "--to", "0"]);
    env.ok(&["apply", "--db", "a.db"]);
    assert_eq!(
        crate::values(&env.db("a.db"), "SELECT id, note FROM users ORDER BY id"),
        [
            r#"Integer(1)|Text("first ada")"#,
            r#"Integer(7)|Text("first bob")"#
        ]
    );
}

#[test]
fn a_new_table_is_created_net_of_the_columns_later_events_add_and_drop() {
    let env = Env::init();
    let events = [
        (
            "t",
            "CREATE TABLE t (id integer primary key, a text, b text)",
        ),
        ("c", "ALTER TABLE t ADD COLUMN c integer"),
        ("drop b", "ALTER TABLE t DROP COLUMN b"),
        ("d", "ALTER TABLE t ADD COLUMN d text DEFAULT 'x'"),
        ("drop c", "ALTER TABLE t DROP COLUMN c"),
        (
            "rows",
            "INSERT INTO t (id, a) VALUES (1, 'one'), (2, 'two')",
        ),
        ("drop d", "ALTER TABLE t DROP COLUMN d"),
    ];
    record_all(&env, &events, "DELETE FROM t WHERE id IN (1, 2)");
    let plan = env.ok(&["apply", "--db", "a.db", "--dry-run"]);
    // The columns dropped before the rows came are never written; the one
    // dropped after is.
    assert_eq!(
        plan.stdout.matches("DROP COLUMN").count(),
        1,
        "{}",
        plan.stdout
    );
    env.ok(&["apply", "--db", "a.db"]);
    for to in 1..=7 {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    // Back to the start of the rows and to head again, each in one apply.
    env.ok(&["apply", "--db", "a.db", "--to", "5"]);
    env.ok(&["apply", "--db", "b.db", "--to", "6"]);
    env.ok(&["apply", "--db", "b.db", "--to", "5"]);
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    env.ok(&["apply", "--db", "a.db"]);
    env.ok(&["apply", "--db", "b.db"]);
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    assert_eq!(
        crate::values(&env.db("a.db"), "SELECT id, a FROM t ORDER BY id"),
        [r#"Integer(1)|Text("one")"#, r#"Integer(2)|Text("two")"#]
    );
    env.ok(&["verify", "--db", "a.db"]);
}

#[test]
fn a_new_table_takes_in_the_rebuilds_later_events_make_before_it_holds_a_row() {
    let env = Env::init();
    let events = [
        (
            "tables",
            "CREATE TABLE p (id integer primary key);
             CREATE TABLE t (id integer primary key, a integer, b text)",
        ),
        (
            "retype",
            "ALTER TABLE t ALTER COLUMN b TYPE integer;
             ALTER TABLE t ADD CONSTRAINT t_pos CHECK (a > 0)",
        ),
        (
            "index",
            "CREATE INDEX t_a ON t (a);
             ALTER TABLE t ADD CONSTRAINT t_p FOREIGN KEY (a) REFERENCES p (id)",
        ),
        (
            "not null",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL; ALTER TABLE t DROP COLUMN b",
        ),
        (
            "c",
            "ALTER TABLE t DROP CONSTRAINT t_pos; ALTER TABLE t ADD COLUMN c text DEFAULT 'x'",
        ),
        (
            "rows",
            "INSERT INTO p (id) VALUES (1); INSERT INTO t (id, a) VALUES (5, 1)",
        ),
        ("default", "ALTER TABLE t ALTER COLUMN c SET DEFAULT 'y'"),
    ];
    record_all(&env, &events, "DELETE FROM t; DELETE FROM p");
    let plan = env.ok(&["apply", "--db", "a.db", "--dry-run"]);
    // One rebuild, for the change after the rows came.
    assert_eq!(
        plan.stdout
            .matches("CREATE TABLE \"_strata_new_t\"")
            .count(),
        1,
        "{}",
        plan.stdout
    );
    env.ok(&["apply", "--db", "a.db"]);
    for to in 1..=7 {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    // The archives each event makes one at a time are there, empty.
    assert_eq!(state(&env, "a.db").1.len(), 2);
    for db in ["a.db", "b.db"] {
        env.ok(&["verify", "--db", db]);
    }
    // Back to before the table, and to head again, each in one apply.
    env.ok(&["apply", "--db", "a.db", "--to", "0"]);
    for to in (0..=6).rev() {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    env.ok(&["apply", "--db", "a.db"]);
    env.ok(&["apply", "--db", "b.db"]);
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    assert_eq!(
        crate::values(&env.db("a.db"), "SELECT id, a, c FROM t"),
        [r#"Integer(5)|Integer(1)|Text("x")"#]
    );
    env.ok(&["verify", "--db", "a.db"]);
}

#[test]
fn rebuilds_of_one_table_in_several_events_are_one_while_each_event_leaves_the_rows_as_they_are() {
    let env = at_one_with_rows(
        "CREATE TABLE t (id integer primary key, a text, b text NOT NULL, c integer)",
        "INSERT INTO t VALUES (1, 'one', 'b1', 10), (2, NULL, 'b2', 20)",
        &["b.db", "c.db"],
    );
    for (message, sql) in [
        ("default", "ALTER TABLE t ALTER COLUMN a SET DEFAULT 'x'"),
        ("type", "ALTER TABLE t ALTER COLUMN a TYPE varchar(20)"),
        (
            "b and c",
            "ALTER TABLE t ALTER COLUMN b DROP NOT NULL; ALTER TABLE t DROP COLUMN c",
        ),
        ("not null", "ALTER TABLE t ALTER COLUMN a SET NOT NULL"),
        ("null again", "ALTER TABLE t ALTER COLUMN a DROP NOT NULL"),
    ] {
        env.record(message, sql);
    }
    // One rebuild for events 2 to 6; at the end of event 5, a query on the
    // rows as they are stands for that event's copy of them. Row 2's a is
    // NULL: event 5's NOT NULL refuses it, in one apply as event by event,
    // and nothing changes.
    let plan = env.ok(&["apply", "--db", "a.db", "--dry-run"]);
    assert!(
        plan.stdout.contains(
            "-- events 2 (op 1), 3 (op 1), 4 (ops 1, 2), 5 (op 1), 6 (op 1): rebuild of t"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("SELECT 'NOT NULL constraint failed: t.a' FROM \"t\" WHERE \"a\" IS NULL"),
        "{}",
        plan.stdout
    );
    let before = state(&env, "a.db");
    let refused = env.fails(&["apply", "--db", "a.db"], 1);
    assert!(
        refused.stderr.contains("NOT NULL constraint failed: t.a"),
        "{}",
        refused.stderr
    );
    assert_eq!(state(&env, "a.db"), before);
    for to in 2..=4 {
        env.ok(&["apply", "--db", "c.db", "--to", &to.to_string()]);
    }
    // Event by event, the rebuild's copy names the table it copies into.
    let refused = env.fails(&["apply", "--db", "c.db", "--to", "5"], 1);
    assert!(
        refused
            .stderr
            .contains("NOT NULL constraint failed: _strata_new_t.a"),
        "{}",
        refused.stderr
    );

    // With a value in row 2, both go to head, and to the same database.
    for db in ["a.db", "b.db"] {
        env.db(db)
            .execute_batch("UPDATE t SET a = 'two' WHERE id = 2")
            .expect("a value");
    }
    env.ok(&["apply", "--db", "a.db"]);
    for to in 2..=6 {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    // Back to 1 and to head again, each in one apply: c's values are back.
    env.ok(&["apply", "--db", "a.db", "--to", "1"]);
    for to in (1..=5).rev() {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    assert_eq!(
        crate::values(&env.db("a.db"), "SELECT id, a, b, c FROM t ORDER BY id"),
        [
            r#"Integer(1)|Text("one")|Text("b1")|Integer(10)"#,
            r#"Integer(2)|Text("two")|Text("b2")|Integer(20)"#
        ]
    );
    env.ok(&["apply", "--db", "a.db"]);
    env.ok(&["apply", "--db", "b.db"]);
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    env.ok(&["verify", "--db", "a.db"]);
}

/// Each archive's rows with the type of every value, in catalog order.
fn archive_rows(env: &Env, db: &str) -> Vec<Vec<String>> {
    let conn = env.db(db);
    let tables = crate::values(
        &conn,
        "SELECT archive_table FROM _strata_archive ORDER BY seq, op, kind",
    );
    tables
        .iter()
        .map(|t| {
            let name = t.trim_start_matches("Text(\"").trim_end_matches("\")");
            crate::values(&conn, &format!("SELECT * FROM \"{name}\" ORDER BY 1"))
        })
        .collect()
}

#[test]
fn a_column_added_to_a_table_with_rows_and_dropped_later_in_the_move_is_never_written() {
    let env = at_one_with_rows(
        "CREATE TABLE t (id integer primary key, name text NOT NULL)",
        "INSERT INTO t VALUES (1, 'ada'), (7, 'bob')",
        &["b.db"],
    );
    record_all(
        &env,
        &[
            (
                "flag and note",
                "ALTER TABLE t ADD COLUMN flag integer NOT NULL DEFAULT 0; ALTER TABLE t ADD COLUMN note text",
            ),
            // A text column keeps 5 as '5': the archive holds '5'.
            ("code", "ALTER TABLE t ADD COLUMN code varchar(8) DEFAULT 5"),
            ("no flag", "ALTER TABLE t DROP COLUMN flag"),
            ("no code", "ALTER TABLE t DROP COLUMN code"),
            // A real column keeps '1' as 1.0, which is not written as a
            // literal here: the column is written both ways.
            ("ratio", "ALTER TABLE t ADD COLUMN ratio real DEFAULT '1'"),
            ("no ratio", "ALTER TABLE t DROP COLUMN ratio"),
        ],
        "",
    );
    let plan = env.ok(&["apply", "--db", "a.db", "--dry-run"]);
    for gone in ["\"flag\"", "\"code\""] {
        assert!(
            !plan.stdout.contains(&format!("ADD COLUMN {gone}"))
                && !plan.stdout.contains(&format!("DROP COLUMN {gone}")),
            "{}",
            plan.stdout
        );
    }
    for written in [
        "ADD COLUMN \"note\"",
        "ADD COLUMN \"ratio\"",
        "DROP COLUMN \"ratio\"",
    ] {
        assert!(plan.stdout.contains(written), "{written}: {}", plan.stdout);
    }
    env.ok(&["apply", "--db", "a.db"]);
    for to in 2..=7 {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    // The same rows, the same archives, each holding the same values of
    // the same types.
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    assert_eq!(archive_rows(&env, "a.db"), archive_rows(&env, "b.db"));
    assert_eq!(
        archive_rows(&env, "a.db"),
        [
            vec![
                "Integer(1)|Integer(0)|Text(\"ada\")|Null|Text(\"5\")",
                "Integer(7)|Integer(0)|Text(\"bob\")|Null|Text(\"5\")"
            ],
            vec![
                "Integer(1)|Text(\"5\")|Text(\"ada\")|Null",
                "Integer(7)|Text(\"5\")|Text(\"bob\")|Null"
            ],
            vec![
                "Integer(1)|Real(1.0)|Text(\"ada\")|Null",
                "Integer(7)|Real(1.0)|Text(\"bob\")|Null"
            ],
        ]
        .map(|rows| rows.into_iter().map(String::from).collect::<Vec<_>>())
    );

    // Back to 3 in one apply and event by event: the values come back.
    env.db("a.db")
        .execute_batch("UPDATE t SET note = 'kept' WHERE id = 7")
        .expect("a note");
    env.db("b.db")
        .execute_batch("UPDATE t SET note = 'kept' WHERE id = 7")
        .expect("a note");
    env.ok(&["apply", "--db", "a.db", "--to", "3"]);
    for to in (3..=6).rev() {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    assert_eq!(
        crate::values(&env.db("a.db"), "SELECT * FROM t ORDER BY id"),
        [
            r#"Integer(1)|Text("ada")|Integer(0)|Null|Text("5")"#,
            r#"Integer(7)|Text("bob")|Integer(0)|Text("kept")|Text("5")"#
        ]
    );
    env.ok(&["apply", "--db", "a.db"]);
    env.ok(&["apply", "--db", "b.db"]);
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    env.ok(&["verify", "--db", "a.db"]);
}

#[test]
fn a_constraint_one_event_sets_and_a_later_one_takes_away_refuses_the_same_rows_in_one_apply() {
    for (sets, takes_away, refusal) in [
        (
            "CREATE UNIQUE INDEX t_a ON t (a)",
            "DROP INDEX t_a",
            "UNIQUE constraint failed: ",
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT t_a UNIQUE (a)",
            "ALTER TABLE t DROP CONSTRAINT t_a",
            "UNIQUE constraint failed: ",
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT short CHECK (length(a) < 3)",
            "ALTER TABLE t DROP CONSTRAINT short",
            "CHECK constraint failed: short",
        ),
    ] {
        let env = at_one_with_rows(
            "CREATE TABLE t (id integer primary key, a text, b integer)",
            "INSERT INTO t VALUES (1, 'abc', 1), (2, 'abc', 2)",
            &["b.db"],
        );
        // Each event rebuilds t; the first sets the constraint the rows
        // break, the second takes it away.
        record_all(
            &env,
            &[
                (
                    "sets",
                    &format!("ALTER TABLE t ALTER COLUMN b TYPE bigint; {sets}"),
                ),
                (
                    "takes away",
                    &format!("{takes_away}; ALTER TABLE t ALTER COLUMN b TYPE int"),
                ),
            ],
            "",
        );
        let plan = env.ok(&["apply", "--db", "a.db", "--dry-run"]);
        assert!(
            plan.stdout
                .contains("-- events 2 (ops 1, 2), 3 (ops 1, 2): rebuild of t"),
            "{sets}: {}",
            plan.stdout
        );
        let before = state(&env, "a.db");
        let one = env.fails(&["apply", "--db", "a.db"], 1);
        let by_event = env.fails(&["apply", "--db", "b.db", "--to", "2"], 1);
        // The same refusal (the rebuild's copy event by event names its
        // table `_strata_new_t`).
        for out in [&one, &by_event] {
            assert!(out.stderr.contains(refusal), "{sets}: {}", out.stderr);
        }
        assert!(one.stderr.contains("t.a") || refusal.contains("CHECK"));
        assert_eq!(state(&env, "a.db"), before, "{sets}");
        assert_eq!(state(&env, "b.db"), before, "{sets}");

        // Rows that meet it: one apply and event by event agree.
        for db in ["a.db", "b.db"] {
            env.db(db)
                .execute_batch("UPDATE t SET a = 'x' || id")
                .expect("rows that meet it");
        }
        env.ok(&["apply", "--db", "a.db"]);
        for to in 2..=3 {
            env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
        }
        assert_eq!(state(&env, "a.db"), state(&env, "b.db"), "{sets}");
        env.ok(&["verify", "--db", "a.db"]);
    }
}

#[test]
fn a_rebuild_goes_on_past_the_columns_it_adds_when_what_they_hold_is_known() {
    let env = at_one_with_rows(
        "CREATE TABLE t (id integer primary key, a text, b integer)",
        "INSERT INTO t VALUES (1, 'one', 10), (2, 'two', 20)",
        &["b.db", "c.db"],
    );
    record_all(
        &env,
        &[
            (
                "x and y",
                "ALTER TABLE t ALTER COLUMN a TYPE varchar(20); ALTER TABLE t ADD COLUMN x text DEFAULT 7; ALTER TABLE t ADD COLUMN y integer",
            ),
            (
                "no a",
                "ALTER TABLE t ALTER COLUMN b SET DEFAULT 3; ALTER TABLE t DROP COLUMN a",
            ),
            (
                "no x",
                "ALTER TABLE t ALTER COLUMN b SET DEFAULT 4; ALTER TABLE t DROP COLUMN x",
            ),
        ],
        "",
    );
    let plan = env.ok(&["apply", "--db", "a.db", "--dry-run"]);
    assert!(
        plan.stdout
            .contains("-- events 2 (ops 1, 2, 3), 3 (ops 1, 2), 4 (ops 1, 2): rebuild of t"),
        "{}",
        plan.stdout
    );
    env.ok(&["apply", "--db", "a.db"]);
    for to in 2..=4 {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    // The same rows, and the same archives: a's witnesses include x and
    // y as the rows held them, and x's archive holds '7' as text.
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    assert_eq!(archive_rows(&env, "a.db"), archive_rows(&env, "b.db"));
    assert_eq!(
        archive_rows(&env, "a.db")[1],
        [
            r#"Integer(1)|Text("7")|Integer(10)|Null"#,
            r#"Integer(2)|Text("7")|Integer(20)|Null"#
        ]
    );
    // Back to 1, in one apply and event by event: every value is back.
    env.ok(&["apply", "--db", "a.db", "--to", "1"]);
    for to in (1..=3).rev() {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    assert_eq!(state(&env, "a.db"), state(&env, "b.db"));
    assert_eq!(state(&env, "a.db").0, state(&env, "c.db").0);

    // A NOT NULL column added without a value, whose NOT NULL a later
    // event drops: refused by the rows in one apply as event by event.
    record_all(
        &env,
        &[
            (
                "z",
                "ALTER TABLE t ALTER COLUMN b TYPE bigint; ALTER TABLE t ADD COLUMN z text NOT NULL",
            ),
            ("z null", "ALTER TABLE t ALTER COLUMN z DROP NOT NULL"),
        ],
        "",
    );
    let refused = env.fails(&["apply", "--db", "c.db"], 1);
    assert!(
        refused.stderr.contains("NOT NULL constraint failed: t.z"),
        "{}",
        refused.stderr
    );
    for to in 2..=4 {
        env.ok(&["apply", "--db", "b.db", "--to", &to.to_string()]);
    }
    let refused = env.fails(&["apply", "--db", "b.db", "--to", "5"], 1);
    assert!(
        refused.stderr.contains("NOT NULL constraint failed"),
        "{}",
        refused.stderr
    );
}
