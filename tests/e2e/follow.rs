//! The project setting `strata.toml` (`text = "FOLDER"`): the text form
//! follows the ledger. Commands that append write the new events' files;
//! every command first imports the files newer than its ledger's head. Two
//! ledgers following one folder see each other's events; a fork is a
//! warning for a reader and a refusal for a writer, until a rebase.

use crate::Env;

/// Two ledgers, `a` and `b`, in one folder that follows `schema`.
fn two() -> Env {
    let env = Env::new();
    env.file("strata.toml", "# the team's text form\ntext = \"schema\"\n");
    env.ok(&["--ledger", "a", "init"]);
    env
}

fn ok<'a>(env: &'a Env, ledger: &'a str, args: &[&'a str]) -> crate::Run {
    let mut all = vec!["--ledger", ledger];
    all.extend_from_slice(args);
    env.ok(&all)
}

fn record(env: &Env, ledger: &str, message: &str, sql: &str) -> crate::Run {
    ok(env, ledger, &["record", "-m", message, "--sql", sql])
}

fn heads(env: &Env, ledger: &str) -> usize {
    let out = ok(env, ledger, &["--json", "log"]);
    let log: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    log.as_array().expect("array").len()
}

#[test]
fn appends_write_their_files_and_every_command_imports_newer_ones() {
    let env = two();
    record(
        &env,
        "a",
        "users",
        "CREATE TABLE users (id INTEGER PRIMARY KEY)",
    );
    assert!(env.path().join("schema/000001.json").is_file());
    ok(&env, "b", &["import", "schema"]);
    record(&env, "a", "name", "ALTER TABLE users ADD COLUMN name TEXT");
    assert!(env.path().join("schema/000002.json").is_file());
    // b reads: it imports a's event first, and says so on stderr.
    let log = ok(&env, "b", &["log"]);
    assert!(log.stdout.contains("event 2"), "{}", log.stdout);
    assert!(log.stderr.contains("imported 1 newer event from schema"));
    // b appends on top of it, and a sees it on its next command.
    record(
        &env,
        "b",
        "posts",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY)",
    );
    assert!(env.path().join("schema/000003.json").is_file());
    ok(&env, "a", &["--quiet", "apply", "--db", "a.db"]);
    assert_eq!(heads(&env, "a"), 3);
    ok(&env, "a", &["status", "--db", "a.db"]).says("is at event 3");
    ok(&env, "a", &["verify", "--text", "schema", "--deep"]);
    // Nothing new: nothing imported, nothing said.
    let quiet = ok(&env, "b", &["log"]);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

#[test]
fn a_fork_warns_a_reader_stops_a_writer_and_a_rebase_ends_it() {
    let env = two();
    record(
        &env,
        "a",
        "users",
        "CREATE TABLE users (id INTEGER PRIMARY KEY)",
    );
    ok(&env, "b", &["import", "schema"]);
    // Without the setting, each records event 2 of its own; b's reaches the
    // folder.
    std::fs::rename(env.path().join("strata.toml"), env.path().join("off.toml")).expect("mv");
    record(&env, "a", "name", "ALTER TABLE users ADD COLUMN name TEXT");
    record(
        &env,
        "b",
        "posts",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY)",
    );
    ok(&env, "b", &["export", "schema"]);
    std::fs::rename(env.path().join("off.toml"), env.path().join("strata.toml")).expect("mv");
    // a reads what it holds, with a warning.
    let log = ok(&env, "a", &["log"]);
    assert!(log.stdout.contains("name"), "{}", log.stdout);
    assert!(
        log.stderr.contains("warning: not following schema")
            && log.stderr.contains("part at event 2"),
        "{}",
        log.stderr
    );
    // a may not append on top of a fork.
    env.fails(
        &[
            "--ledger",
            "a",
            "record",
            "-m",
            "x",
            "--sql",
            "CREATE TABLE x (a)",
        ],
        3,
    )
    .says("part at event 2");
    assert_eq!(heads(&env, "a"), 2);
    // Also when a is ahead of the folder: its head has no file there, and
    // the last file both have is the one that differs.
    std::fs::rename(env.path().join("strata.toml"), env.path().join("off.toml")).expect("mv");
    record(&env, "a", "more", "CREATE TABLE more (a)");
    std::fs::rename(env.path().join("off.toml"), env.path().join("strata.toml")).expect("mv");
    env.fails(
        &[
            "--ledger",
            "a",
            "record",
            "-m",
            "x",
            "--sql",
            "CREATE TABLE x (a)",
        ],
        3,
    )
    .says("part at event 2");
    assert_eq!(heads(&env, "a"), 3);
    // A rebase ends it; both follow again.
    ok(&env, "a", &["rebase", "schema", "-m", "after b"])
        .says("event 2")
        .says("is now event 3")
        .says("is now event 4");
    record(&env, "a", "x", "CREATE TABLE x (a)");
    assert_eq!(heads(&env, "b"), 5);
}

#[test]
fn a_setting_strata_cannot_read_is_exit_2_naming_the_file() {
    let env = Env::new();
    env.file("strata.toml", "text = \"schema\"\nfollow = yes\n");
    env.fails(&["init"], 2)
        .says("strata.toml (line 2)")
        .says("help: strata.toml takes ledger, db, author and text");
    env.file("strata.toml", "text = \"schema\"\nfollow = true\n");
    env.fails(&["log"], 2).says("unknown field `follow`");
    assert!(!env.path().join("ledger-data").exists());
}
