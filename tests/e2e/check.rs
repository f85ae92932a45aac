//! `check`: the exit code says where a database stands against head (or
//! `--to POINT`): 0 there with no drift, 5 with events pending, 4 drifted,
//! 3 ahead of the point, of another ledger, or at an event the ledger lost;
//! and checking never writes to the database.

use crate::Env;

/// The seed applied to app.db (at event 2, head).
fn applied() -> Env {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    env
}

#[test]
fn at_head_with_no_drift_is_exit_0() {
    let env = applied();
    let run = env.ok(&["check", "--db", "app.db"]);
    assert!(
        run.stdout.contains("app.db is at event 2 ("),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("ok: app.db is at event 2 (head)"));
    assert_eq!(run.stderr, "");
    let json = env.json(&["check", "--db", "app.db"]);
    assert_eq!(json["state"], "ok");
    assert_eq!(json["seq"], 2);
    assert_eq!(json["to"], 2);
    assert_eq!(json["pending"], serde_json::json!([]));
    assert_eq!(json["drift"], serde_json::json!([]));
    // -q leaves the verdict to the exit code.
    assert!(!env
        .ok(&["-q", "check", "--db", "app.db"])
        .stdout
        .contains("ok:"));
}

#[test]
fn pending_events_are_exit_5_and_listed() {
    let env = applied();
    env.record("add age", "ALTER TABLE users ADD COLUMN age integer");
    env.ok(&["tag", "v2"]);
    let run = env
        .fails(&["check", "--db", "app.db"], 5)
        .says("error: app.db is not at event 4: 1 event pending")
        .says("help: apply brings it there: strata apply --db app.db");
    // The tag changes nothing a database holds: it is not pending.
    assert!(run
        .stdout
        .contains("checked against event 4 (head): 1 pending"));
    assert!(run.stdout.contains("  event 3 change: add age"));
    assert!(!run.stdout.contains("event 4 tag"), "{}", run.stdout);
    let run = env.fails(&["--json", "check", "--db", "app.db"], 5);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(json["state"], "pending");
    let seqs: Vec<u64> = json["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|p| p["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(seqs, [3]);
    // Checked against the point it is at, it is where it should be; a
    // point before it is exit 3.
    env.ok(&["check", "--db", "app.db", "--to", "2"]);
    env.ok(&["check", "--db", "app.db", "--to", "head~2"]);
    env.fails(&["check", "--db", "app.db", "--to", "1"], 3)
        .says("app.db is at event 2, after event 1, the point checked")
        .says("strata apply --db app.db --to 1");
    // At the tagged event, it passes against the tag event after it, and
    // at the tag event against the point the tag names.
    env.ok(&["apply", "--db", "app.db", "--to", "v2"]);
    env.ok(&["check", "--db", "app.db"])
        .says("ok: app.db has the schema of event 4 (head): only tags lie between");
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["check", "--db", "app.db"])
        .says("ok: app.db is at event 4 (head)");
    env.ok(&["check", "--db", "app.db", "--to", "v2"]);
    env.fails(&["check", "--db", "app.db", "--to", "2"], 3);
}

#[test]
fn drift_is_exit_4_even_with_events_pending() {
    let env = applied();
    env.db("app.db")
        .execute_batch("CREATE INDEX users_by_name ON users (name)")
        .expect("drift");
    let run = env
        .fails(&["check", "--db", "app.db"], 4)
        .says("error: app.db has drifted from event 2");
    assert!(
        run.stdout
            .contains("drift: index users_by_name: not in the ledger"),
        "{}",
        run.stdout
    );
    env.record("add age", "ALTER TABLE users ADD COLUMN age integer");
    let run = env.fails(&["--json", "check", "--db", "app.db"], 4);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(json["state"], "drift");
    assert_eq!(json["pending"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["drift"].as_array().map(Vec::len), Some(1));
}

#[test]
fn another_ledger_and_a_lost_event_are_exit_3() {
    let env = applied();
    env.ok(&["--ledger", "other", "init"]);
    env.ok(&[
        "--ledger",
        "other",
        "record",
        "-m",
        "other",
        "--sql",
        "CREATE TABLE t (a)",
    ]);
    env.fails(&["--ledger", "other", "check", "--db", "app.db"], 3)
        .says("was reconciled by another ledger");
    // The same ledger without its last event: the database records an
    // event the ledger no longer has.
    env.ok(&["export", "text"]);
    std::fs::remove_file(env.path().join("text/000002.json")).expect("remove");
    env.ok(&["--ledger", "short", "import", "text"]);
    env.fails(&["--ledger", "short", "check", "--db", "app.db"], 3);
}

#[test]
fn a_database_not_marked_where_its_schema_is_is_pending() {
    let env = Env::init();
    env.db("legacy.db")
        .execute_batch("CREATE TABLE t (id integer PRIMARY KEY, a text)")
        .expect("legacy");
    std::fs::copy(env.path().join("legacy.db"), env.path().join("copy.db")).expect("copy");
    env.ok(&["baseline", "--db", "legacy.db", "-m", "adopt"]);
    env.ok(&["check", "--db", "legacy.db"]);
    // The copy has the baseline's schema, and nothing says so in it yet.
    let run = env
        .fails(&["check", "--db", "copy.db"], 5)
        .says("copy.db is not at event 1: strata has not marked it there");
    assert!(run
        .stdout
        .contains("has not been applied to; its schema is that of baseline event 1"));
    env.ok(&["apply", "--db", "copy.db"]);
    env.ok(&["check", "--db", "copy.db"]);
}

#[test]
fn on_a_ledger_with_no_events_an_empty_database_is_where_it_should_be() {
    let env = Env::init();
    env.db("empty.db")
        .execute_batch("PRAGMA user_version = 0")
        .expect("create");
    assert!(env.path().join("empty.db").is_file());
    env.ok(&["check", "--db", "empty.db"])
        .says("ok: empty.db is at event 0 (head)");
}

#[test]
fn check_changes_nothing() {
    let env = applied();
    env.record("add age", "ALTER TABLE users ADD COLUMN age integer");
    let before = std::fs::read(env.path().join("app.db")).expect("read");
    env.fails(&["check", "--db", "app.db"], 5);
    env.ok(&["check", "--db", "app.db", "--to", "2"]);
    assert_eq!(
        std::fs::read(env.path().join("app.db")).expect("read"),
        before,
        "check wrote to the database"
    );
}

#[test]
fn bad_input_is_one_error() {
    let env = applied();
    env.fails(&["check", "--db", "missing.db"], 1)
        .says("error: missing.db does not exist");
    assert!(!env.path().join("missing.db").exists());
    env.fails(&["check", "--db", "app.db", "--to", "v9"], 1)
        .says("no tag named v9");
    env.fails(&["check", "--db", "app.db", "--to", "9"], 1)
        .says("there is no event 9");
    env.fails(&["check", "--db", "app.db", "--to", "nope~"], 2);
    env.fails(&["check"], 2).says("give --db FILE");
}
