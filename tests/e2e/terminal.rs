//! What strata draws for a person at a terminal and never for a script:
//! progress on stderr, and colour on the `error:`, `warning:` and `help:`
//! prefixes (`--color`, `NO_COLOR`). The terminal is a real
//! pseudo-terminal, made by util-linux's `script`; those tests are skipped
//! (saying so) where it is missing.

use std::process::Command;

use crate::{Env, Run};

const RED_ERROR: &str = "\x1b[1;31merror:\x1b[0m";

fn seeded() -> Env {
    let env = Env::init();
    env.record("t", "CREATE TABLE t (a integer)");
    env
}

/// `strata ARGS` under a pseudo-terminal (stdout and stderr both on it),
/// with `vars` set; its output as the terminal got it. `None`, saying why,
/// without `script`.
fn on_a_terminal(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) to make a terminal");
        return None;
    }
    let line = std::iter::once(env!("CARGO_BIN_EXE_strata"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ");
    // The Env's variables (the author, the clock's skew), set on `script`.
    let cmd = env.command(&[]);
    let mut script = Command::new("script");
    script
        .args(["-qec", &line, "/dev/null"])
        .current_dir(env.path())
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env_remove("STRATA_LEDGER")
        .env_remove("STRATA_DB")
        .env_remove("NO_COLOR");
    for (k, v) in vars {
        script.env(k, v);
    }
    let out = script.output().expect("run script");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn no_progress_is_drawn_when_stderr_is_not_a_terminal() {
    let env = seeded();
    let quiet = |run: Run| assert_eq!(run.stderr, "", "{:?}", run.args);
    quiet(env.ok(&["apply", "--db", "app.db"]));
    quiet(env.ok(&["checkout", "--db", "copy.db"]));
    quiet(env.ok(&["export", "text"]));
    quiet(env.ok(&["--ledger", "other", "import", "text"]));
    quiet(env.ok(&["verify", "--deep"]));
    quiet(env.ok(&["verify", "--text", "text", "--deep"]));
}

#[test]
fn a_terminal_sees_progress_unless_quiet_or_json() {
    let env = seeded();
    let Some(shown) = on_a_terminal(&env, &["apply", "--db", "app.db"], &[]) else {
        return;
    };
    assert!(
        shown.contains("applying to app.db: event 0 to 1"),
        "{shown:?}"
    );
    assert!(shown.contains("app.db is now at event 1"), "{shown:?}");
    let quiet = on_a_terminal(&env, &["--quiet", "checkout", "--db", "c.db"], &[]);
    assert_eq!(quiet.as_deref(), Some(""));
    let json = on_a_terminal(&env, &["--json", "export", "text"], &[]).expect("ran");
    assert!(!json.contains("exporting"), "{json:?}");
    assert!(json.trim_start().starts_with('{'), "{json:?}");
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let env = Env::init();
    let bad = ["record", "-m", "x", "--sql", "CREATE TABLE t (a"];
    let with = |color: &str, no_color: Option<&str>| {
        let mut args = vec!["--color", color];
        args.extend_from_slice(&bad);
        let mut cmd = env.command(&args);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        env.finish(&args, cmd.output().expect("run"))
    };
    let always = with("always", None);
    assert_eq!(always.code, 1);
    assert!(always.stderr.starts_with(RED_ERROR), "{:?}", always.stderr);
    assert!(with("always", Some("1")).stderr.starts_with(RED_ERROR));
    for run in [with("never", None), with("auto", None), env.run(&bad)] {
        assert!(run.stderr.starts_with("error: "), "{:?}", run.stderr);
        assert!(!run.stderr.contains('\x1b'), "{:?}", run.stderr);
    }
    env.fails(&["--color", "sometimes", "log"], 2)
        .says("invalid value 'sometimes'");
    let Some(shown) = on_a_terminal(&env, &bad, &[]) else {
        return;
    };
    assert!(shown.starts_with(RED_ERROR), "{shown:?}");
    let plain = on_a_terminal(&env, &bad, &[("NO_COLOR", "1")]).expect("ran");
    assert!(plain.starts_with("error: "), "{plain:?}");
    let plain = on_a_terminal(&env, &bad, &[("NO_COLOR", "")]).expect("ran");
    assert!(
        plain.starts_with(RED_ERROR),
        "an empty NO_COLOR says nothing: {plain:?}"
    );
}
