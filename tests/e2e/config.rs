//! strata.toml, found from the current folder upward: the ledger, the
//! database, the author, the text form and the lint level, its paths
//! relative to its own folder; a flag wins over its variable, which wins
//! over the file, which wins over the default.

use std::path::Path;

use crate::{Env, Run};

/// `strata ARGS` run in `dir` (under the Env), with `vars` set.
fn run_in(env: &Env, dir: &str, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut cmd = env.command(args);
    cmd.current_dir(env.path().join(dir));
    for (k, v) in vars {
        cmd.env(k, v);
    }
    env.finish(args, cmd.output().expect("run strata"))
}

fn head_of(dir: &Path) -> u64 {
    let ledger = strata_ledger::Ledger::open(dir).expect("open ledger");
    ledger.head_seq()
}

#[test]
fn a_setting_above_the_current_folder_names_the_ledger_and_the_database() {
    let env = Env::new();
    std::fs::create_dir_all(env.path().join("src/deep")).expect("mkdir");
    env.file(
        "strata.toml",
        "# the project's\nledger = \"schema/ledger\"\ndb = \"app.db\"\nauthor = \"the-team\"\nlint = \"warn\"\n",
    );
    run_in(&env, "src/deep", &["init"], &[]).success();
    assert!(env.path().join("schema/ledger").is_dir());
    assert!(!env.path().join("src/deep/ledger-data").exists());
    let sql = ["record", "-m", "t", "--sql", "CREATE TABLE t (a integer)"];
    run_in(&env, "src/deep", &sql, &[("STRATA_AUTHOR", "")]).success();
    run_in(&env, "src", &["apply"], &[])
        .success()
        .says("app.db is now at event 1");
    assert!(env.path().join("app.db").is_file());
    assert!(!env.path().join("src/app.db").exists());
    run_in(&env, "src/deep", &["status"], &[]).success();
    run_in(&env, "src/deep", &["check"], &[]).success();
    // An empty $STRATA_AUTHOR says nothing: the file's author records.
    let events = env.json(&["--ledger", "schema/ledger", "log"]);
    assert_eq!(events[0]["author"], "the-team");
    let last = env.db("app.db").query_row(
        "SELECT who FROM _strata_log ORDER BY id DESC LIMIT 1",
        [],
        |r| r.get::<_, String>(0),
    );
    assert_eq!(last.expect("who"), "tester");
}

#[test]
fn a_flag_wins_over_its_variable_which_wins_over_the_file() {
    let env = Env::new();
    env.file("strata.toml", "ledger = \"from-toml\"\ndb = \"toml.db\"\n");
    for dir in ["from-toml", "from-var", "from-flag"] {
        env.ok(&["--ledger", dir, "init"]);
    }
    let sql = |t: &str| format!("CREATE TABLE {t} (a)");
    let (a, b, c) = (sql("a"), sql("b"), sql("c"));
    run_in(&env, ".", &["record", "-m", "a", "--sql", &a], &[]).success();
    let var = [("STRATA_LEDGER", "from-var"), ("STRATA_DB", "var.db")];
    run_in(&env, ".", &["record", "-m", "b", "--sql", &b], &var).success();
    let flagged = ["--ledger", "from-flag", "record", "-m", "c", "--sql", &c];
    run_in(&env, ".", &flagged, &var).success();
    let heads: Vec<u64> = ["from-toml", "from-var", "from-flag"]
        .iter()
        .map(|d| head_of(&env.path().join(d)))
        .collect();
    assert_eq!(heads, [1, 1, 1]);
    run_in(&env, ".", &["apply"], &[]).success();
    run_in(&env, ".", &["apply"], &var).success();
    run_in(&env, ".", &["apply", "--db", "flag.db"], &var).success();
    for db in ["toml.db", "var.db", "flag.db"] {
        assert!(env.path().join(db).is_file(), "{db}");
    }
    // toml.db has table a (the file's ledger), var.db table b.
    let tables = |db: &str| -> String {
        env.db(db)
            .query_row(
                "SELECT group_concat(name) FROM sqlite_schema WHERE name IN ('a', 'b', 'c')",
                [],
                |r| r.get(0),
            )
            .expect("tables")
    };
    assert_eq!(tables("toml.db"), "a");
    assert_eq!(tables("var.db"), "b");
    assert_eq!(tables("flag.db"), "b");
}

#[test]
fn without_a_database_anywhere_the_commands_that_take_one_say_how_to_name_it() {
    let env = Env::init();
    for args in [
        &["apply"][..],
        &["status"],
        &["check"],
        &["archive", "list"],
    ] {
        env.fails(args, 2)
            .says("no database")
            .says("give --db FILE, set STRATA_DB, or set db in strata.toml");
    }
}

#[test]
fn a_bad_setting_is_one_error_naming_the_file_and_the_line() {
    let env = Env::init();
    std::fs::create_dir(env.path().join("sub")).expect("mkdir");
    env.file("strata.toml", "db = \"app.db\"\n\nlint = \"loud\"\n");
    let run = run_in(&env, "sub", &["log"], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(
        lines[0].starts_with("error: ../strata.toml (line 3): unknown variant `loud`"),
        "{}",
        run.stderr
    );
    assert!(lines[1].starts_with("help: "), "{}", run.stderr);
    env.file("strata.toml", "db = 3\n");
    run_in(&env, "sub", &["log"], &[])
        .failure(2)
        .says("../strata.toml (line 1)");
}
