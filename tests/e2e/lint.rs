//! Lint: `record`, `plan` and `import-sql` warn about drops, narrowing
//! type changes, NOT NULL without a default and renames a view reads;
//! `--deny-warnings` refuses such a change and appends nothing.

use crate::Env;

fn with_users() -> Env {
    let env = Env::init();
    env.record(
        "users",
        "CREATE TABLE users (id integer PRIMARY KEY, name varchar(100), email text);
         CREATE VIEW named AS SELECT id, name FROM users",
    );
    env
}

#[test]
fn record_warns_and_appends_and_deny_warnings_refuses() {
    let env = with_users();
    let run = env.ok(&[
        "record",
        "-m",
        "no email",
        "--sql",
        "ALTER TABLE users DROP COLUMN email",
    ]);
    assert!(
        run.stderr.contains("warning: this drops column users.email; apply keeps its data in the database's archive, and a revert brings it back [drop]"),
        "{}",
        run.stderr
    );
    assert_eq!(env.head(), 2);

    for (sql, rule) in [
        (
            "ALTER TABLE users ALTER COLUMN name TYPE varchar(20)",
            "[narrowing-type]",
        ),
        (
            "ALTER TABLE users ADD COLUMN age integer NOT NULL",
            "[not-null-without-default]",
        ),
        (
            "ALTER TABLE users RENAME COLUMN name TO full_name",
            "[rename-breaks-reader]",
        ),
    ] {
        let run = env.run(&["record", "-m", "x", "--deny-warnings", "--sql", sql]);
        assert_eq!(run.code, 1, "{sql}: {}", run.stderr);
        assert!(run.stderr.contains(rule), "{sql}: {}", run.stderr);
        assert!(
            run.stderr.contains("error: refused: 1 lint warning (listed above) and --deny-warnings; nothing was appended"),
            "{}",
            run.stderr
        );
        assert_eq!(env.head(), 2, "{sql}: nothing appended");
    }
    // A change lint has nothing to say about goes through with the flag.
    let run = env.ok(&[
        "record",
        "-m",
        "age",
        "--deny-warnings",
        "--sql",
        "ALTER TABLE users ADD COLUMN age integer NOT NULL DEFAULT 0",
    ]);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert_eq!(env.head(), 3);
}

#[test]
fn plan_and_import_sql_lint_too() {
    let env = with_users();
    env.file("desired.sql", "CREATE TABLE users (id integer PRIMARY KEY, name varchar(100));\nCREATE VIEW named AS SELECT id, name FROM users;\n");
    let run = env.ok(&["plan", "--desired", "desired.sql"]);
    assert!(
        run.stderr.contains("this drops column users.email"),
        "{}",
        run.stderr
    );
    let run = env.run(&["plan", "--desired", "desired.sql", "--deny-warnings"]);
    assert_eq!(run.code, 1, "{}", run.stderr);

    std::fs::create_dir_all(env.path().join("m")).expect("mkdir");
    env.file(
        "m/V1__age.sql",
        "ALTER TABLE users ADD COLUMN age integer;\n",
    );
    env.file("m/V2__drop.sql", "DROP VIEW named;\nDROP TABLE users;\n");
    let run = env.run(&["import-sql", "m", "--deny-warnings"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("V2__drop.sql: this drops table users"),
        "{}",
        run.stderr
    );
    assert_eq!(env.head(), 1, "nothing of the folder was appended");
    let run = env.ok(&["import-sql", "m"]);
    assert!(run.stderr.contains("[drop]"), "{}", run.stderr);
    assert_eq!(env.head(), 3);
}

#[test]
fn strata_toml_can_make_lint_refuse() {
    let env = with_users();
    env.file("strata.toml", "lint = \"deny\"\n");
    let run = env.run(&[
        "record",
        "-m",
        "x",
        "--sql",
        "ALTER TABLE users DROP COLUMN email",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("[drop]"), "{}", run.stderr);
    assert_eq!(env.head(), 1);
    env.file("strata.toml", "lint = \"warn\"\n");
    env.ok(&[
        "record",
        "-m",
        "x",
        "--sql",
        "ALTER TABLE users DROP COLUMN email",
    ]);
    assert_eq!(env.head(), 2);
}
