//! `completions`: each shell's script names every command; bash's loads
//! into a real bash and completes commands and fixed values; zsh's and
//! fish's pass their shell's syntax check where that shell is installed.

use std::process::Command;

use crate::Env;

/// The commands `strata --help` lists (clap's own `help` left out).
pub fn command_names(env: &Env) -> Vec<String> {
    let help = env.ok(&["--help"]).stdout;
    let listed = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section")
        .split("\n\n")
        .next()
        .unwrap_or_default();
    let names: Vec<String> = listed
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 18, "too few commands found in:\n{help}");
    for n in ["init", "record", "apply", "completions", "man"] {
        assert!(names.iter().any(|c| c == n), "{n} not in {names:?}");
    }
    names
}

/// Whether `program` runs here; when not, the test says why it skips.
pub fn have(program: &str, test: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!("skipped {test}: `{program}` is not installed");
    }
    found
}

#[test]
fn every_shell_s_script_names_every_command() {
    let env = Env::new();
    let names = command_names(&env);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = env.ok(&["completions", shell]).stdout;
        for n in &names {
            assert!(
                script.contains(n.as_str()),
                "the {shell} script does not name {n}"
            );
        }
    }
}

/// `bash -c SCRIPT` with the binary as `$STRATA`.
fn bash(env: &Env, script: &str) -> (i32, String, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("STRATA", env!("CARGO_BIN_EXE_strata"))
        .current_dir(env.path())
        .output()
        .expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_bash_script_loads_and_completes() {
    let env = Env::new();
    if !have("bash", "the_bash_script_loads_and_completes") {
        return;
    }
    let (code, out, err) = bash(
        &env,
        r#"source <("$STRATA" completions bash); complete -p strata"#,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    assert!(out.contains("-F _strata strata"), "{out}");
    // The function bash calls completes a command's name, and the values
    // of a flag that takes fixed ones.
    let complete = |words: &str, cword: usize| {
        let script = format!(
            r#"source <("$STRATA" completions bash)
COMP_WORDS=({words}); COMP_CWORD={cword}
_strata strata "${{COMP_WORDS[$COMP_CWORD]}}" "${{COMP_WORDS[$COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
        );
        let (code, out, err) = bash(&env, &script);
        assert_eq!(code, 0, "{err}");
        out.lines().map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(complete("strata ap", 1), ["apply"]);
    let formats = complete("strata schema --format ''", 3);
    for f in ["sql", "json"] {
        assert!(formats.iter().any(|x| x == f), "{formats:?}");
    }
    let shells = complete("strata completions ''", 2);
    for s in ["bash", "zsh", "fish", "powershell"] {
        assert!(shells.iter().any(|x| x == s), "{shells:?}");
    }
}

#[test]
fn zsh_and_fish_read_their_scripts() {
    let env = Env::new();
    for (shell, check) in [("zsh", "-n"), ("fish", "--no-execute")] {
        if !have(shell, "zsh_and_fish_read_their_scripts") {
            continue;
        }
        let script = env.file(
            &format!("strata.{shell}"),
            &env.ok(&["completions", shell]).stdout,
        );
        let out = Command::new(shell)
            .arg(check)
            .arg(&script)
            .output()
            .expect("run the shell");
        assert!(
            out.status.success(),
            "{shell} refuses its script: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn no_ledger_and_no_setting_are_needed() {
    let env = Env::new();
    // A strata.toml no command can read stops every other command (exit 2).
    env.file("strata.toml", "nonsense = [");
    env.fails(&["log"], 2);
    assert!(env.ok(&["completions", "bash"]).stdout.contains("_strata"));
    assert!(env.ok(&["man"]).stdout.starts_with(".ie"));
    assert!(!env.path().join("ledger-data").exists());
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let env = Env::new();
    env.fails(&["completions", "tcsh"], 2)
        .says("invalid value 'tcsh'")
        .says("bash, elvish, fish, powershell, zsh");
    env.fails(&["completions"], 2).says("<SHELL>");
}
