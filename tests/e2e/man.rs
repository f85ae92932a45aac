//! `man`: strata's manual page names every command, each command has a
//! page of its own, and `man` itself renders them (where it is installed)
//! without a warning from groff.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::completions::{command_names, have};
use crate::Env;

/// `page` as `man -l -` renders it, and what it said on stderr.
fn rendered(page: &str) -> (String, String) {
    let mut child = Command::new("man")
        .args(["--warnings", "-l", "-"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run man");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(page.as_bytes())
        .expect("write the page");
    let out = child.wait_with_output().expect("wait for man");
    assert!(out.status.success(), "man failed: {out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_page_names_every_command() {
    let env = Env::new();
    let page = env.ok(&["man"]).stdout;
    assert!(page.contains(".TH strata 1"), "{page}");
    for n in command_names(&env) {
        assert!(
            page.contains(&format!("strata\\-{}(1)", n.replace('-', "\\-"))),
            "the page does not name {n}:\n{page}"
        );
    }
    // Exit codes and points, from the help's epilogue.
    assert!(page.contains("Exit codes"), "{page}");
}

#[test]
fn man_renders_every_page() {
    let env = Env::new();
    if !have("man", "man_renders_every_page") {
        return;
    }
    let (text, warnings) = rendered(&env.ok(&["man"]).stdout);
    assert_eq!(warnings, "", "groff warned");
    assert!(text.contains("SUBCOMMANDS"), "{text}");
    for n in command_names(&env) {
        assert!(text.contains(&format!("strata-{n}(1)")), "{n}:\n{text}");
        let (page, warnings) = rendered(&env.ok(&["man", &n]).stdout);
        assert_eq!(warnings, "", "groff warned on the page of {n}");
        assert!(page.contains(&format!("strata-{n}")), "{page}");
        assert!(page.contains("SYNOPSIS"), "{page}");
    }
}

#[test]
fn a_command_s_page_has_its_options() {
    let env = Env::new();
    let apply = env.ok(&["man", "apply"]).stdout;
    assert!(apply.contains(".TH strata-apply 1"), "{apply}");
    assert!(apply.contains("\\-\\-dry\\-run"), "{apply}");
    let list = env.ok(&["man", "archive", "list"]).stdout;
    assert!(list.contains(".TH strata-archive-list 1"), "{list}");
}

#[test]
fn an_unknown_command_is_one_error() {
    let env = Env::new();
    env.fails(&["man", "nope"], 1)
        .says("error: strata has no command named \"nope\"")
        .says("help: `strata --help` lists its commands");
    env.fails(&["man", "apply", "x"], 1)
        .says("strata apply has no command named \"x\"");
}
