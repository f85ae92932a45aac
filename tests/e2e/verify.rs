//! `verify`: a whole ledger passes; an edited, removed, reordered or
//! inserted event, a swapped hash index, a lost tail or a non-canonical
//! encoding in the store is caught by `verify --store` (exit 3). (Plain
//! `verify` checks the journal readers read: tests/e2e/readers.rs.)

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
    let db = crate::support::open_store(&env.path().join("ledger-data/store"));
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
    env.fails(&["verify", "--store"], 3)
        .says("the ledger is broken")
        .says("event");
}

#[test]
fn a_removed_event_is_caught() {
    let env = Env::init();
    env.seed();
    env.record("third", "CREATE TABLE t (a)");
    let db = crate::support::open_store(&env.path().join("ledger-data/store"));
    db.open_tree("events")
        .expect("tree")
        .remove(2u64.to_be_bytes())
        .expect("remove");
    db.flush().expect("flush");
    drop(db);
    let run = env.run(&["verify", "--store"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.code == 3, "{run:?}");
}

#[test]
fn a_ledger_in_use_is_reported_not_a_crash() {
    let env = Env::init();
    env.seed();
    // This test process holds the store, as another strata would.
    let db = crate::support::open_store(&env.path().join("ledger-data/store"));
    let started = std::time::Instant::now();
    env.fails(&["--wait", "0.3", "tag", "v1"], 1)
        .says("is in use by another strata process");
    assert!(started.elapsed() >= Duration::from_millis(300));
    // Readers do not wait: they read the journal.
    env.ok(&["--wait", "0", "log"]);
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

/// Edit the ledger's store as an attacker would, with sled itself; the
/// store is closed again (every tree let go) when `edit` returns.
fn with_store(env: &Env, edit: impl FnOnce(&sled::Db)) {
    let db = crate::support::open_store(&env.path().join("ledger-data/store"));
    edit(&db);
    db.flush().expect("flush");
}

/// A ledger of three changes, the store's event bytes of each.
fn three(env: &Env) -> Vec<Vec<u8>> {
    env.seed();
    env.record("third", "CREATE TABLE t (a)");
    let mut out = Vec::new();
    with_store(env, |db| {
        let events = db.open_tree("events").expect("tree");
        out = (1..=3u64)
            .map(|seq| {
                events
                    .get(seq.to_be_bytes())
                    .expect("get")
                    .expect("there")
                    .to_vec()
            })
            .collect();
    });
    out
}

#[test]
fn reordered_events_are_caught() {
    let env = Env::init();
    let bytes = three(&env);
    with_store(&env, |db| {
        let events = db.open_tree("events").expect("tree");
        events
            .insert(2u64.to_be_bytes(), bytes[2].clone())
            .expect("insert");
        events
            .insert(3u64.to_be_bytes(), bytes[1].clone())
            .expect("insert");
    });
    env.fails(&["verify", "--store"], 3)
        .says("the ledger is broken");
}

#[test]
fn an_inserted_event_is_caught() {
    let env = Env::init();
    let bytes = three(&env);
    // A copy of event 2 slipped in after head, and in the middle.
    with_store(&env, |db| {
        let events = db.open_tree("events").expect("tree");
        events
            .insert(4u64.to_be_bytes(), bytes[1].clone())
            .expect("insert");
    });
    env.fails(&["verify", "--store"], 3)
        .says("the ledger is broken");

    let env = Env::init();
    let bytes = three(&env);
    with_store(&env, |db| {
        let events = db.open_tree("events").expect("tree");
        events
            .insert(2u64.to_be_bytes(), bytes[0].clone())
            .expect("insert");
        events
            .insert(3u64.to_be_bytes(), bytes[1].clone())
            .expect("insert");
        events
            .insert(4u64.to_be_bytes(), bytes[2].clone())
            .expect("insert");
    });
    env.fails(&["verify", "--store"], 3)
        .says("the ledger is broken");
}

#[test]
fn a_swapped_hash_index_is_caught() {
    let env = Env::init();
    three(&env);
    with_store(&env, |db| {
        let hashes = db.open_tree("hashes").expect("tree");
        let entries: Vec<(sled::IVec, sled::IVec)> =
            hashes.iter().map(|e| e.expect("entry")).collect();
        assert_eq!(entries.len(), 3);
        hashes
            .insert(&entries[0].0, entries[1].1.clone())
            .expect("insert");
        hashes
            .insert(&entries[1].0, entries[0].1.clone())
            .expect("insert");
    });
    env.ok(&["log"]);
    env.fails(&["verify", "--store"], 3)
        .says("the ledger is broken");
}

/// A lost tail is a shorter chain that verifies on its own; a database
/// strata applied to, or a head kept elsewhere, tells.
#[test]
fn a_lost_tail_is_caught_by_a_database_or_a_kept_head() {
    let env = Env::init();
    three(&env);
    env.ok(&["apply", "--db", "app.db"]);
    let kept = env.events()[2]["hash"].as_str().expect("hash").to_string();
    // Event 3 gone, and head put back to event 2, as a torn write would
    // leave the store.
    with_store(&env, |db| {
        let events = db.open_tree("events").expect("tree");
        let hashes = db.open_tree("hashes").expect("tree");
        let meta = db.open_tree("meta").expect("tree");
        let second = events.get(2u64.to_be_bytes()).expect("get").expect("there");
        events.remove(3u64.to_be_bytes()).expect("remove");
        let third: Vec<u8> = hex(&kept);
        hashes.remove(&third).expect("remove");
        let second_hash = hashes
            .iter()
            .map(|e| e.expect("entry"))
            .find(|(_, seq)| seq.as_ref() == 2u64.to_be_bytes())
            .expect("hash of event 2")
            .0;
        let _ = second;
        for (k, v) in meta.iter().map(|e| e.expect("entry")) {
            if v.as_ref() == 3u64.to_be_bytes() {
                meta.insert(&k, &2u64.to_be_bytes()).expect("insert");
            } else if v.as_ref() == third.as_slice() {
                meta.insert(&k, second_hash.clone()).expect("insert");
            }
        }
    });
    // The journal still holds event 3, and says the store lost it.
    env.fails(&["verify", "--store"], 3).says("lost events");
    // Lost from both: the journal is written anew from the store.
    std::fs::remove_file(env.path().join("ledger-data/journal")).expect("rm");
    env.ok(&["verify", "--store"]).says("2 events");
    env.fails(&["verify", "--db", "app.db"], 3);
    env.fails(&["verify", "--expect-head", &kept], 3);
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Bytes that decode to an event but are not its canonical encoding (a
/// map's entries out of order, as the event fuzz target found): a chain of
/// them is whole, so `verify` passes, and `verify --deep` refuses it.
#[test]
fn a_non_canonical_encoding_is_caught_by_deep_verify() {
    use strata_ledger::{decode, encode, Body, Dialect, Event, Format};
    let env = Env::init();
    let conn = env.db("app.db");
    conn.execute_batch("CREATE TABLE a (x integer); CREATE TABLE b (y text);")
        .expect("tables");
    drop(conn);
    env.ok(&["baseline", "--db", "app.db", "-m", "adopt"]);
    with_store(&env, |db| {
        let events = db.open_tree("events").expect("tree");
        let hashes = db.open_tree("hashes").expect("tree");
        let meta = db.open_tree("meta").expect("tree");
        let key = 1u64.to_be_bytes();
        let bytes = events.get(key).expect("get").expect("there").to_vec();
        let event: Event = decode(&bytes).expect("decodes");
        let Body::Baseline { schema } = &event.body else {
            panic!("a baseline");
        };
        let entries: Vec<Vec<u8>> = schema
            .tables
            .iter()
            .map(|(k, t)| encode(&(k, t)).expect("encode"))
            .collect();
        let both = [entries[0].clone(), entries[1].clone()].concat();
        let swapped = [entries[1].clone(), entries[0].clone()].concat();
        let at = bytes
            .windows(both.len())
            .position(|w| w == both.as_slice())
            .expect("the two tables, in order");
        let mut forged = bytes.clone();
        forged[at..at + both.len()].copy_from_slice(&swapped);
        let forged_event: Event = decode(&forged).expect("the forged bytes decode");
        assert_eq!(forged_event, event, "to the very same event");
        // A ledger `init` made: the current format, SQLite.
        let format = Format::new(Dialect::Sqlite);
        let (old, new) = (
            format.hash_event_bytes(&bytes),
            format.hash_event_bytes(&forged),
        );
        events.insert(key, forged).expect("insert");
        hashes.remove(old.as_bytes()).expect("remove");
        hashes.insert(new.as_bytes(), &key).expect("insert");
        for (k, v) in meta.iter().map(|e| e.expect("entry")) {
            if v.as_ref() == old.as_bytes() {
                meta.insert(&k, new.as_bytes()).expect("insert");
            }
        }
    });
    env.ok(&["verify", "--store"]);
    env.fails(&["verify", "--store", "--deep"], 3)
        .says("not the canonical encoding");
}
