//! `init`: an empty ledger in the default folder or the one given, made
//! once; commands on a folder that is not a ledger say what to do.

use crate::Env;

#[test]
fn creates_an_empty_ledger_in_the_default_folder() {
    let env = Env::new();
    env.ok(&["init"])
        .says("created an empty ledger in ledger-data");
    assert!(env.path().join("ledger-data/store").is_dir());
    assert_eq!(env.head(), 0);
    env.ok(&["log"]).says("no events yet");
}

#[test]
fn refuses_a_second_init_and_keeps_the_first() {
    let env = Env::init();
    env.record("t", "CREATE TABLE t (a)");
    env.fails(&["init"], 1).says("a ledger already exists");
    assert_eq!(env.head(), 1);
}

#[test]
fn ledger_folder_from_flag_or_environment() {
    let env = Env::new();
    env.ok(&["--ledger", "elsewhere", "init"]);
    assert!(env.path().join("elsewhere/store").is_dir());
    let run = env
        .command(&["record", "-m", "t", "--sql", "CREATE TABLE t (a)"])
        .env("STRATA_LEDGER", "elsewhere")
        .output()
        .expect("run");
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        env.json(&["--ledger", "elsewhere", "log"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // The default folder was never created.
    assert!(!env.path().join("ledger-data").exists());
}

#[test]
fn commands_on_a_missing_ledger_say_how_to_make_one() {
    let env = Env::new();
    for args in [
        &["log"][..],
        &["schema"],
        &["verify"],
        &["record", "-m", "x", "--sql", "CREATE TABLE t (a)"],
    ] {
        env.fails(args, 1).says("no ledger at").says("strata init");
    }
    assert!(!env.path().join("ledger-data").exists());
}

#[test]
fn a_folder_that_is_not_a_ledger_is_refused() {
    let env = Env::new();
    std::fs::create_dir_all(env.path().join("ledger-data/store")).expect("mkdir");
    std::fs::write(env.path().join("ledger-data/store/db"), b"not sled").expect("write");
    env.fails(&["log"], 1).says("does not hold a strata ledger");
}
