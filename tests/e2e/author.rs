//! Who a command names: `--author`, `$STRATA_AUTHOR`, strata.toml's
//! `author`, the OS user's name (`$USER`, `$LOGNAME`, the user database),
//! and for the commands that only read or apply, `uid N@HOST` when nothing
//! names anyone. Those never refuse for want of a name; `record` and the
//! other commands that append refuse only when nothing names anyone.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::Env;

/// The name of the user the tests run as, as the user database has it.
pub fn os_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

/// A user id with no entry in the user database.
const NAMELESS: u32 = 54321;

/// Who the last apply to `db` says moved it.
fn last_mover(env: &Env, db: &str) -> String {
    env.db(db)
        .query_row(
            "SELECT who FROM _strata_log ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("who")
}

fn seeded() -> Env {
    let env = Env::init();
    env.ok(&["record", "-m", "t", "--sql", "CREATE TABLE t (a integer)"]);
    env
}

/// `strata ARGS` with an empty environment (as `env -i`): no $USER,
/// $LOGNAME or $STRATA_AUTHOR.
fn bare(env: &Env, args: &[&str]) -> crate::Run {
    let out = env.command(args).env_clear().output().expect("run strata");
    env.finish(args, out)
}

#[test]
fn apply_and_checkout_with_an_empty_environment_name_the_os_user() {
    let env = seeded();
    bare(&env, &["apply", "--db", "app.db"]).success();
    assert_eq!(last_mover(&env, "app.db"), os_user());
    bare(&env, &["checkout", "--db", "copy.db"]).success();
    assert_eq!(last_mover(&env, "copy.db"), os_user());
    // The readers take no author at all.
    bare(&env, &["status", "--db", "app.db"]).success();
    bare(&env, &["log"]).success();
}

#[test]
fn the_flag_wins_over_the_variable_which_wins_over_strata_toml() {
    let env = seeded();
    env.file("strata.toml", "author = \"from-toml\"\n");
    let record = |m: &str, t: &str, extra: &[&str], var: Option<&str>| {
        let mut args = vec!["record", "-m", m, "--sql"];
        let sql = format!("CREATE TABLE {t} (a)");
        args.push(&sql);
        args.extend_from_slice(extra);
        let mut cmd = env.command(&args);
        cmd.env_remove("STRATA_AUTHOR");
        if let Some(v) = var {
            cmd.env("STRATA_AUTHOR", v);
        }
        env.finish(&args, cmd.output().expect("run")).success();
    };
    record("toml", "a", &[], None);
    record("var", "b", &[], Some("from-var"));
    record("flag", "c", &["--author", "from-flag"], Some("from-var"));
    let authors: Vec<String> = env
        .events()
        .iter()
        .map(|e| e["author"].as_str().expect("author").to_string())
        .collect();
    assert_eq!(
        authors,
        ["tester", "from-toml", "from-var", "from-flag"],
        "{authors:?}"
    );
    bare(&env, &["apply", "--db", "app.db"]).success();
    assert_eq!(last_mover(&env, "app.db"), "from-toml");
}

/// `strata ARGS` as a user id the user database does not know, with an
/// empty environment; `None` (with the reason printed) where this process
/// cannot change its user (not root, or no `setpriv`).
fn nameless(env: &Env, args: &[&str]) -> Option<crate::Run> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    if !root || !setpriv {
        eprintln!("skipped: running as a user with no name needs root and setpriv (util-linux)");
        return None;
    }
    let out = Command::new("setpriv")
        .arg(format!("--reuid={NAMELESS}"))
        .arg(format!("--regid={NAMELESS}"))
        .arg("--clear-groups")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(env.path())
        .env_clear()
        .output()
        .expect("run setpriv");
    Some(env.finish(args, out))
}

/// Everything in the Env open to any user, for [`nameless`].
fn open_to_all(env: &Env) {
    fn walk(p: &std::path::Path) {
        let mode = if p.is_dir() { 0o777 } else { 0o666 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        if p.is_dir() {
            for e in std::fs::read_dir(p).expect("read_dir") {
                walk(&e.expect("entry").path());
            }
        }
    }
    walk(env.path());
}

#[test]
fn a_user_with_no_name_applies_as_uid_at_host_and_cannot_record() {
    let env = seeded();
    open_to_all(&env);
    let Some(run) = nameless(&env, &["apply", "--db", "app.db"]) else {
        return;
    };
    run.success();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_eq!(
        last_mover(&env, "app.db"),
        format!("uid {NAMELESS}@{}", host.trim())
    );
    let sql = ["record", "-m", "u", "--sql", "CREATE TABLE u (a)"];
    nameless(&env, &sql)
        .expect("ran")
        .failure(1)
        .says("no author")
        .says("STRATA_AUTHOR");
    nameless(&env, &["tag", "v1"])
        .expect("ran")
        .failure(1)
        .says("no author");
    assert_eq!(env.events().len(), 1);
    // A name from the flag (or strata.toml) is enough.
    let mut named = sql.to_vec();
    named.extend(["--author", "someone"]);
    nameless(&env, &named).expect("ran").success();
    env.file("strata.toml", "author = \"the-team\"\n");
    open_to_all(&env);
    nameless(&env, &["tag", "v1"]).expect("ran").success();
    let authors: Vec<String> = env
        .events()
        .iter()
        .map(|e| e["author"].as_str().expect("author").to_string())
        .collect();
    assert_eq!(authors, ["tester", "someone", "the-team"]);
}
