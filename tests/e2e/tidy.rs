//! Checks of the source tree itself, run with the tests: every Rust file
//! opens with a `//!` paragraph saying what it is for, SQLite stays
//! behind the SQLite target (nothing outside `crates/sqlite` names
//! rusqlite in its source; `.ci/run` checks the dependency graph, this
//! checks the code, re-exports included), the model names no dialect
//! (what depends on one it asks of its `Rules`), and the CLI prints only
//! through its output module.

use std::path::{Path, PathBuf};

/// The workspace root (this binary belongs to crates/cli).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`, build output and hidden folders left out.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("a folder entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    todo.push(path);
                }
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `path` from the workspace root, for messages.
fn shown(path: &Path) -> String {
    let root = root().canonicalize().expect("the workspace root");
    let path = path.canonicalize().unwrap_or(path.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .display()
        .to_string()
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    // The libFuzzer targets in crates/fuzz are left out: four lines each,
    // built on nightly only, outside the workspace.
    let files: Vec<PathBuf> = ["crates", "tests"]
        .iter()
        .flat_map(|d| rust_files(&root().join(d)))
        .filter(|p| !shown(p).starts_with("crates/fuzz/"))
        .collect();
    assert!(files.len() > 100, "only {} files found", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.starts_with("//!")
        })
        .map(|p| shown(p))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` comment saying what they are for:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn the_model_names_no_dialect() {
    let mut offenders = Vec::new();
    for path in rust_files(&root().join("crates/schema/src")) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            if ["sqlite", "postgres", "keywords"]
                .iter()
                .any(|w| lower.contains(w))
            {
                offenders.push(format!("{}:{}: {}", shown(&path), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the model knows no dialect (strata-dialect does); these lines name one:\n  {}",
        offenders.join("\n  ")
    );
}

#[test]
fn only_the_sqlite_crate_names_rusqlite() {
    let mut offenders = Vec::new();
    for dir in [
        "crates/cli/src",
        "crates/schema/src",
        "crates/ledger/src",
        "crates/target/src",
        "crates/reconcile/src",
    ] {
        let src = root().join(dir);
        for path in rust_files(&src) {
            // Unit tests may build a database to check against.
            let inside = path.strip_prefix(&src).unwrap_or(&path);
            let test_file = inside.file_name().is_some_and(|n| n == "tests.rs")
                || inside.components().any(|c| c.as_os_str() == "tests");
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if !test_file && text.contains("rusqlite") {
                let lines: Vec<String> = text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.contains("rusqlite"))
                    .map(|(i, l)| format!("{}:{}: {}", shown(&path), i + 1, l.trim()))
                    .collect();
                offenders.extend(lines);
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "only crates/sqlite speaks SQLite; these lines name rusqlite:\n  {}",
        offenders.join("\n  ")
    );
}

#[test]
fn the_cli_prints_through_its_output_module() {
    // println!, eprintln! and their kin panic when a write fails (a pipe
    // closed early); crates/cli/src/output.rs turns that into a Failure.
    let src = root().join("crates/cli/src");
    let mut offenders = Vec::new();
    for path in rust_files(&src) {
        if path.ends_with("output.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        offenders.extend(
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim_start().starts_with("//"))
                .filter(|(_, l)| l.contains("print!(") || l.contains("println!("))
                .map(|(i, l)| format!("{}:{}: {}", shown(&path), i + 1, l.trim())),
        );
    }
    assert!(
        offenders.is_empty(),
        "the CLI prints through output::line, output::text and output::diagnostic; these lines print directly:\n  {}",
        offenders.join("\n  ")
    );
}
