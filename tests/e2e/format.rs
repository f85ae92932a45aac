//! The ledger's format versions and its dialect: a ledger written before
//! dialects were recorded (format 2, kept in tests/fixtures/ledger-format-2
//! exactly as that strata wrote it) keeps verifying with its original
//! hashes and takes new events in its own format; a new ledger is format 3,
//! whose hashes include its dialect.

use std::path::Path;

use serde_json::Value;

use crate::Env;

/// A copy of the format-2 fixture as the env's ledger (sled writes to a
/// store it opens, so the kept one is never opened in place).
fn with_format_2_ledger() -> Env {
    let env = Env::new();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ledger-format-2");
    let to = env.path().join("ledger-data");
    copy_dir(&from.join("store"), &to.join("store"));
    env
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

fn fixture_log() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ledger-format-2/log.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("log.json")).expect("json")
}

#[test]
fn a_format_2_ledger_verifies_with_its_original_hashes() {
    let env = with_format_2_ledger();
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["format_version"], 2);
    assert_eq!(verified["dialect"], "sqlite");
    assert_eq!(verified["events"], 5);
    // Every event, hash and link as the earlier strata wrote and showed
    // them.
    assert_eq!(env.json(&["log"]), fixture_log());
    env.ok(&["schema", "--at", "v1"]).says("CREATE VIEW");
}

#[test]
fn a_format_2_ledger_takes_new_events_in_its_own_format() {
    let env = with_format_2_ledger();
    env.ok(&["--quiet", "apply", "--db", "app.db"]);
    env.record("orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY)");
    let verified = env.json(&["verify", "--deep"]);
    assert_eq!(verified["format_version"], 2);
    assert_eq!(verified["events"], 6);
    // The old events are untouched; the new one links to the old head.
    let log = env.json(&["log"]);
    let log = log.as_array().expect("array");
    assert_eq!(Value::Array(log[1..].to_vec()), fixture_log());
    assert_eq!(log[0]["prev"], log[1]["hash"]);
    // A database applied before the new event moves on, and back through
    // the fixture's revert.
    env.ok(&["apply", "--db", "app.db"])
        .says("is now at event 6");
    env.ok(&["apply", "--db", "app.db", "--to", "v1"])
        .says("is now at event 2");
    env.ok(&["verify", "--db", "app.db"]);
}

#[test]
fn a_new_ledger_is_format_3_and_hashes_its_dialect() {
    let env = Env::new();
    env.ok(&["init", "--dialect", "sqlite"]);
    let verified = env.json(&["verify"]);
    assert_eq!(verified["format_version"], 3);
    assert_eq!(verified["dialect"], "sqlite");
    let init = Env::new();
    let made = init.json(&["init"]);
    assert_eq!(made["dialect"], "sqlite");
    assert_eq!(made["format_version"], 3);
    // The fixture's first event, recorded again with the same time and
    // author, is another event under format 3: its hash differs.
    let sql = include_str!("../fixtures/ledger-format-2/users.sql");
    let file = env.file("users.sql", sql);
    env.ok(&[
        "record",
        "-m",
        "users",
        "--author",
        "fixture",
        "--timestamp",
        "2026-11-30T08:00:00Z",
        file.to_str().expect("utf-8"),
    ]);
    let ours = &env.events()[0];
    let theirs = &fixture_log()[4];
    assert_eq!(theirs["seq"], 1);
    assert_eq!(ours["ops"], theirs["ops"]);
    assert_ne!(ours["hash"], theirs["hash"]);
}

#[test]
fn a_dialect_without_a_target_is_refused_and_nothing_is_created() {
    let env = Env::new();
    env.fails(&["init", "--dialect", "postgres"], 1)
        .says("no PostgreSQL target");
    assert!(!env.path().join("ledger-data").exists());
    env.fails(&["init", "--dialect", "oracle"], 2);
}

#[test]
fn a_ledger_of_a_dialect_this_strata_cannot_read_is_read_but_never_applied() {
    let env = Env::new();
    let ledger = strata_ledger::Ledger::init_with(
        env.path().join("ledger-data"),
        strata_ledger::Dialect::Postgres,
    )
    .expect("init");
    let table = strata_schema::Table {
        name: "t".to_string(),
        columns: vec![strata_schema::Column::new("a", "text")],
        ..strata_schema::Table::default()
    };
    ledger
        .append(strata_ledger::Draft {
            at: None,
            author: "a".to_string(),
            message: "t".to_string(),
            body: strata_ledger::Body::Change {
                ops: vec![strata_schema::Op::CreateTable { table }],
                revert_sql: None,
            },
        })
        .expect("append");
    drop(ledger);
    // History is readable whatever the dialect.
    let verified = env.json(&["verify"]);
    assert_eq!(verified["dialect"], "postgres");
    env.ok(&["log"]);
    // Nothing reads or writes its SQL.
    for args in [
        &[
            "record",
            "-m",
            "t",
            "--author",
            "a",
            "--sql",
            "CREATE TABLE t (a)",
        ][..],
        &["apply", "--db", "app.db"],
        &["schema"],
    ] {
        env.fails(args, 1)
            .says("the ledger's SQL is in the postgres dialect");
    }
    assert!(!env.path().join("app.db").exists());
}
