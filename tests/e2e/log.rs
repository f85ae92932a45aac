//! `log`: the history newest first, as text and JSON, limited or
//! filtered by table (across renames), into a pipe closed early.

use crate::Env;

#[test]
fn newest_first_with_every_field_in_json() {
    let env = Env::init();
    env.seed();
    let log = env.json(&["log"]);
    let events = log.as_array().expect("array");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["seq"], 2);
    assert_eq!(events[1]["seq"], 1);
    for key in [
        "seq", "hash", "prev", "at", "author", "message", "kind", "ops",
    ] {
        assert!(events[0].get(key).is_some(), "no {key} in {}", events[0]);
    }
    assert_eq!(events[0]["prev"], events[1]["hash"]);
    assert_eq!(events[1]["prev"], "0".repeat(64));
    assert_eq!(events[0]["kind"], "change");
    let add = &events[0]["ops"][0]["add_column"];
    assert_eq!(add["table"], "users");
    assert_eq!(add["column"]["name"], "created_at");
    assert_eq!(add["column"]["default"], "CURRENT_TIMESTAMP");
}

#[test]
fn text_lists_events_and_their_ops() {
    let env = Env::init();
    env.seed();
    env.ok(&["tag", "v1"]);
    let out = env.ok(&["log"]).stdout;
    let first = out.find("event 3").expect("event 3");
    let second = out.find("event 2").expect("event 2");
    let third = out.find("event 1").expect("event 1");
    assert!(first < second && second < third, "{out}");
    assert!(out.contains("(tag: v1)"), "{out}");
    assert!(out.contains("create table users"), "{out}");
    assert!(out.contains(
        "add column users.created_at: \"created_at\" text NOT NULL DEFAULT CURRENT_TIMESTAMP"
    ));
}

#[test]
fn limit() {
    let env = Env::init();
    env.seed();
    let log = env.json(&["log", "--limit", "1"]);
    assert_eq!(log.as_array().map(Vec::len), Some(1));
    assert_eq!(log[0]["seq"], 2);
    assert_eq!(
        env.json(&["log", "-n", "0"]).as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn table_filter_follows_renames() {
    let env = Env::init();
    env.record("users", "CREATE TABLE users (id integer primary key)");
    env.record("other", "CREATE TABLE other (id integer primary key)");
    env.record("rename", "ALTER TABLE users RENAME TO people");
    env.record("add", "ALTER TABLE people ADD COLUMN name text");
    env.record("index other", "CREATE INDEX other_id ON other (id)");
    let seqs = |table: &str| -> Vec<u64> {
        env.json(&["log", "--table", table])
            .as_array()
            .expect("array")
            .iter()
            .map(|e| e["seq"].as_u64().expect("seq"))
            .collect()
    };
    assert_eq!(seqs("people"), [4, 3, 1]);
    assert_eq!(seqs("PEOPLE"), [4, 3, 1]);
    assert_eq!(seqs("other"), [5, 2]);
    assert_eq!(seqs("nothing"), Vec::<u64>::new());
    env.ok(&["log", "--table", "nothing"])
        .says("no events touch table nothing");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let env = Env::init();
    for i in 0..30 {
        env.record(&format!("t{i}"), &format!("CREATE TABLE t{i} (a)"));
    }
    let mut child = env
        .command(&["log"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
