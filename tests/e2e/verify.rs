use std::time::Duration;

use crate::Env;

#[test]
fn a_whole_ledger_verifies() {
    let env = Env::init();
    env.ok(&["verify"]).says("ok: 0 events");
    env.seed();
    env.ok(&["tag", "v1"]);
    env.ok(&["verify"]).says("ok: 3 events, 1 tags");
    env.ok(&["verify", "--deep"])
        .says("every schema re-projected");
    let json = env.json(&["verify", "--deep"]);
    assert_eq!(json["ok"], true);
    assert_eq!(json["events"], 3);
}

#[test]
fn expect_head_catches_a_different_head() {
    let env = Env::init();
    env.seed();
    let head = env.events()[1]["hash"].as_str().expect("hash").to_string();
    env.ok(&["verify", "--expect-head", &head]);
    env.ok(&["verify", "--expect-head", &head[..12]]);
    let older = env.events()[0]["hash"].as_str().expect("hash").to_string();
    env.fails(&["verify", "--expect-head", &older], 3)
        .says("head is event 2");
    env.fails(&["verify", "--expect-head", "xyz"], 2);
}

/// Rewrite the stored bytes of event `seq` with `edit`, as an attacker with
/// the files would (sled itself, so the store stays readable).
fn tamper(env: &Env, seq: u64, edit: impl FnOnce(&mut Vec<u8>)) {
    let db = sled::open(env.path().join("ledger-data/store")).expect("open store");
    let events = db.open_tree("events").expect("tree");
    let key = seq.to_be_bytes();
    let mut bytes = events.get(key).expect("get").expect("stored").to_vec();
    edit(&mut bytes);
    events.insert(key, bytes).expect("insert");
    db.flush().expect("flush");
}

#[test]
fn an_edited_event_is_caught() {
    let env = Env::init();
    env.seed();
    env.record("third", "CREATE TABLE t (a)");
    tamper(&env, 2, |bytes| {
        // The message "add created_at" becomes "add created_it".
        let at = bytes
            .windows(14)
            .position(|w| w == b"add created_at")
            .expect("message bytes");
        bytes[at + 12] = b'i';
    });
    env.fails(&["verify"], 3)
        .says("the ledger is broken")
        .says("event");
}

#[test]
fn a_removed_event_is_caught() {
    let env = Env::init();
    env.seed();
    env.record("third", "CREATE TABLE t (a)");
    let db = sled::open(env.path().join("ledger-data/store")).expect("open store");
    db.open_tree("events")
        .expect("tree")
        .remove(2u64.to_be_bytes())
        .expect("remove");
    db.flush().expect("flush");
    drop(db);
    let run = env.run(&["verify"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.code == 3, "{run:?}");
}

#[test]
fn a_ledger_in_use_is_reported_not_a_crash() {
    let env = Env::init();
    env.seed();
    // This test process holds the store, as another strata would.
    let db = sled::open(env.path().join("ledger-data/store")).expect("open store");
    let started = std::time::Instant::now();
    env.fails(&["--wait", "0.3", "log"], 1)
        .says("is in use by another strata process");
    assert!(started.elapsed() >= Duration::from_millis(300));
    env.fails(
        &[
            "--wait",
            "0",
            "record",
            "-m",
            "x",
            "--sql",
            "CREATE TABLE x (a)",
        ],
        1,
    )
    .says("in use");
    drop(db);
    assert_eq!(env.head(), 2);
}
