//! `checkout` builds a fresh database at a point; `status` says where a
//! database stands.

use rusqlite::Connection;

use crate::support::strings;
use crate::Env;

fn schema_sql(path: &std::path::Path) -> Vec<String> {
    strings(
        &Connection::open(path).expect("open"),
        "SELECT sql FROM sqlite_schema WHERE name NOT LIKE '\\_strata\\_%' ESCAPE '\\' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql IS NOT NULL ORDER BY name",
    )
}

#[test]
fn checkout_of_each_point_matches_apply() {
    let env = Env::init();
    env.seed();
    env.record(
        "index",
        "CREATE INDEX users_email ON users (email); CREATE VIEW named AS SELECT id, name FROM users WHERE name IS NOT NULL;",
    );
    for point in ["1", "2", "head"] {
        let file = format!("at-{point}.db");
        env.ok(&["checkout", "--to", point, "--db", &file]);
        env.ok(&["apply", "--db", "stepwise.db", "--to", point]);
        assert_eq!(
            schema_sql(&env.path().join(&file)),
            schema_sql(&env.path().join("stepwise.db")),
            "point {point}"
        );
        env.ok(&["status", "--db", &file]);
    }
}

#[test]
fn checkout_refuses_an_existing_file() {
    let env = Env::init();
    env.seed();
    env.file("there.db", "");
    env.fails(&["checkout", "--to", "1", "--db", "there.db"], 1)
        .says("there.db");
    assert_eq!(
        std::fs::read(env.path().join("there.db"))
            .expect("read")
            .len(),
        0
    );
}

#[test]
fn status_shows_point_head_and_pending() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    env.ok(&["status", "--db", "app.db"])
        .says("event 1")
        .says("1 pending")
        .says("add created_at");
    let json = env.json(&["status", "--db", "app.db"]);
    assert_eq!(json["seq"], 1);
    assert_eq!(json["head"], 2);
    assert_eq!(json["pending"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["drift"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_locked_database_is_reported_and_left_alone() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db", "--to", "1"]);
    let mut writer = env.db("app.db");
    let tx = writer
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("lock");
    env.fails(&["apply", "--db", "app.db"], 1).says("locked");
    tx.rollback().expect("rollback");
    let seq: i64 = writer
        .query_row("SELECT seq FROM _strata_state", [], |r| r.get(0))
        .expect("state");
    assert_eq!(seq, 1);
    env.ok(&["apply", "--db", "app.db"]);
}
