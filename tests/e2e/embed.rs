//! The example program of `crates/embed/examples/notes`, built for real
//! with cargo at two versions of its ledger and run as a user would: at
//! version 1 it creates its database and fills it; at version 2 (its ledger
//! gained a column and dropped one) it moves the database on, archiving
//! the dropped column's data; two processes of it started at once on a new
//! database apply once; the version-1 binary run again refuses the
//! database (it is ahead) and changes nothing; and the ledger takes the
//! database back to version 1 with the dropped data restored.
//!
//! The program is copied into a scratch folder with its build step
//! (`make-bundle.sh`), depends on `crates/embed` by path, and is built
//! offline against the repository's `Cargo.lock`, in a target folder of
//! its own under cargo's (so a second run only builds the program).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{text_rows, user_tables};
use crate::Env;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> PathBuf {
    repo().join("crates/embed/examples/notes")
}

/// The program's folder, copied: its sources and build step, its
/// dependency on strata-embed by an absolute path, and the repository's
/// lock file.
fn copy_app(to: &Path) {
    std::fs::create_dir_all(to.join("src")).expect("mkdir");
    for file in ["src/main.rs", "make-bundle.sh"] {
        std::fs::copy(example().join(file), to.join(file)).expect("copy");
    }
    let embed = repo().join("crates/embed").canonicalize().expect("embed");
    let manifest = std::fs::read_to_string(example().join("Cargo.toml"))
        .expect("manifest")
        .replace(
            "strata-embed = { path = \"../..\" }",
            &format!(
                "strata-embed = {{ path = {:?} }}",
                embed.display().to_string()
            ),
        );
    assert!(
        manifest.contains(&embed.display().to_string()),
        "{manifest}"
    );
    std::fs::write(to.join("Cargo.toml"), manifest).expect("manifest");
    std::fs::copy(repo().join("Cargo.lock"), to.join("Cargo.lock")).expect("lock");
}

/// The build step (the ledger's text form into the bundle), then `cargo
/// build`; the binary, copied out as `name`.
fn build(env: &Env, app: &Path, name: &str) -> PathBuf {
    env.ok(&["export", app.join("ledger").to_str().expect("utf-8")]);
    let step = Command::new("sh")
        .arg("make-bundle.sh")
        .current_dir(app)
        .env("STRATA", env!("CARGO_BIN_EXE_strata"))
        .output()
        .expect("sh");
    assert!(
        step.status.success(),
        "make-bundle.sh failed:\n{}",
        String::from_utf8_lossy(&step.stderr)
    );
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("notes-app");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let built = Command::new(cargo)
        .args(["build", "--offline", "--quiet"])
        .current_dir(app)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo");
    assert!(
        built.status.success(),
        "cargo build of the example failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let binary = env.path().join(name);
    std::fs::copy(target.join("debug/notes"), &binary).expect("binary");
    binary
}

/// Runs the program on `db` with `sql`: its exit code, stdout, stderr.
fn run(binary: &Path, db: &Path, sql: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary)
        .arg(db)
        .args(sql)
        .output()
        .expect("the program runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_example_program_applies_its_ledger_at_start_up() {
    let env = Env::init();
    let app = env.path().join("app");
    copy_app(&app);
    let db = env.path().join("notes.db");

    // Version 1: notes with a title and a body.
    env.record(
        "notes",
        "CREATE TABLE notes (id integer PRIMARY KEY, title text NOT NULL, body text)",
    );
    env.record("by title", "CREATE INDEX notes_title ON notes (title)");
    let v1 = build(&env, &app, "notes-v1");
    let (code, out, err) = run(
        &v1,
        &db,
        &["INSERT INTO notes (title, body) VALUES ('a', 'first'), ('b', 'second')"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("is now at event 2 (was 0;"), "{err}");
    assert_eq!(out, "id|title|body\n1|a|first\n2|b|second\n");
    // Started again: nothing to do.
    let (code, out, err) = run(&v1, &db, &[]);
    assert_eq!((code, out.lines().count()), (0, 3), "{err}");
    assert!(err.contains("is already at event 2"), "{err}");

    // Version 2: a column added, the body dropped.
    env.record("when", "ALTER TABLE notes ADD COLUMN created text");
    env.record("no body", "ALTER TABLE notes DROP COLUMN body");
    let v2 = build(&env, &app, "notes-v2");
    let (code, out, err) = run(
        &v2,
        &db,
        &["INSERT INTO notes (title, created) VALUES ('c', 'today')"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("is now at event 4 (was 2;"), "{err}");
    assert!(err.contains("archived"), "{err}");
    assert_eq!(out, "id|title|created\n1|a|NULL\n2|b|NULL\n3|c|today\n");

    // Two processes starting at once on a new database: one applies, the
    // other waits for the database and finds it done.
    let fresh = env.path().join("fresh.db");
    let starts: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&v2)
                .arg(&fresh)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let said: Vec<String> = starts
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("wait");
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(out.status.success(), "{err}");
            err
        })
        .collect();
    assert_eq!(
        said.iter()
            .filter(|e| e.contains("is now at event 4 (was 0;"))
            .count(),
        1,
        "{said:?}"
    );
    assert_eq!(
        said.iter()
            .filter(|e| e.contains("is already at event 4"))
            .count(),
        1,
        "{said:?}"
    );
    let conn = env.db("fresh.db");
    assert_eq!(text_rows(&conn, "SELECT * FROM _strata_log").len(), 1);
    drop(conn);

    // The version-1 binary again: the database is ahead of it.
    let conn = env.db("notes.db");
    let log_before = text_rows(&conn, "SELECT * FROM _strata_log");
    drop(conn);
    let (code, out, err) = run(&v1, &db, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("is at event 4, ahead of this program's ledger, which ends at event 2"),
        "{err}"
    );
    assert_eq!(out, "");
    let conn = env.db("notes.db");
    assert_eq!(text_rows(&conn, "SELECT * FROM _strata_log"), log_before);
    assert_eq!(
        text_rows(&conn, "SELECT id, title, created FROM notes ORDER BY id"),
        [["1", "a", "NULL"], ["2", "b", "NULL"], ["3", "c", "today"]]
    );
    assert_eq!(user_tables(&conn), ["notes"]);
    drop(conn);

    // Going back is the ledger's (or a newer build's) explicit call: the
    // bodies come back.
    env.ok(&["apply", "--db", db.to_str().expect("utf-8"), "--to", "2"]);
    let (code, out, err) = run(&v1, &db, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "id|title|body\n1|a|first\n2|b|second\n3|c|NULL\n");
}
