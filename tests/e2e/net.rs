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
