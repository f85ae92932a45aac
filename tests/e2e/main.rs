//! End-to-end tests: the real `strata` binary, run in a fresh directory with
//! a real ledger folder (and real SQLite files where a command needs one).
//! One module per command, and one per harness that drives the binary
//! (the rollback and paths properties, the crash harness, the fuzz
//! replay); `Env` is the small harness the command modules share, and
//! `support` reads SQLite files for all of them.

mod adopt;
mod apply;
mod archive;
mod author;
mod baseline;
mod blame;
mod bundle;
mod check;
mod checkout;
mod chinook;
mod clock;
mod completions;
mod concurrency;
mod config;
mod crash;

mod custody;
mod diagram;
mod diff;
mod embed;
mod follow;
mod format;
mod fuzz_replay;
mod hostile;
mod import_sql;
mod init;
mod interrupt;
mod lint;
mod log;
mod man;
mod net;
mod options;
mod own_files;
mod paths;
mod plan;
mod points;
mod postgres;
mod prove;
mod quickstart;
mod readers;
mod rebase;
mod rebuild;
mod record;
mod report;
mod restore;
mod revert;
mod rollback;
mod sakila;
mod schema;
mod shape;
mod show;
mod snapshots;
mod sqlalchemy;
mod sqldef;
mod support;
mod tag;
mod terminal;
mod text;
mod tidy;
mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A scratch directory to run `strata` in; the default ledger is
/// `ledger-data` inside it.
pub struct Env {
    dir: tempfile::TempDir,
}

/// What one run of `strata` did.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Default for Env {
    fn default() -> Env {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// An Env with an initialised ledger.
    pub fn init() -> Env {
        let env = Env::new();
        env.ok(&["init"]);
        env
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A connection of its own to the database file `name` in the Env.
    pub fn db(&self, name: &str) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path().join(name))
            .unwrap_or_else(|e| panic!("open {name}: {e}"))
    }

    pub fn file(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, contents).expect("write file");
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
        cmd.args(args)
            .current_dir(self.path())
            .env_remove("STRATA_LEDGER")
            .env_remove("STRATA_DB")
            .env_remove("STRATA_WAIT")
            .env_remove("NO_COLOR")
            // The tests date their events in 2099, so that hashes stay the
            // same whenever they run: far more ahead of the clock than
            // `--timestamp` takes by default (tests/e2e/clock.rs tries that).
            .env("STRATA_CLOCK_SKEW", "4000000000")
            .env("STRATA_AUTHOR", "tester");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.finish(args, self.command(args).output().expect("run strata"))
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn strata");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        self.finish(args, child.wait_with_output().expect("wait strata"))
    }

    pub fn finish(&self, args: &[&str], out: Output) -> Run {
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run and insist on exit 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        self.run(args).success()
    }

    /// Run and insist on `code`, with exactly one `error:` line on stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> Run {
        self.run(args).failure(code)
    }

    /// `record -m MSG --sql SQL`.
    pub fn record(&self, message: &str, sql: &str) -> Run {
        self.ok(&["record", "-m", message, "--sql", sql])
    }

    /// `--json log`, oldest first.
    pub fn events(&self) -> Vec<Value> {
        let mut events = self.json(&["log"]).as_array().expect("array").clone();
        events.reverse();
        events
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.ok(&all);
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{all:?} printed invalid JSON ({e}):\n{}", run.stdout))
    }

    /// The number of events in the ledger.
    pub fn head(&self) -> u64 {
        self.events().len() as u64
    }

    /// The seed scenario of the guide: users created, then a column added.
    pub fn seed(&self) {
        self.record(
            "create users",
            "CREATE TABLE users (id integer primary key, name varchar(50), email varchar(100));",
        );
        self.record(
            "add created_at",
            "ALTER TABLE users ADD COLUMN created_at text NOT NULL DEFAULT CURRENT_TIMESTAMP;",
        );
    }
}

impl Run {
    pub fn success(self) -> Run {
        assert_eq!(
            self.code, 0,
            "strata {:?} failed:\nstdout:\n{}\nstderr:\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }

    /// Exit `code`, one `error:` line first on stderr and at most one
    /// `help:` line after it (usage errors, exit 2, are clap's).
    pub fn failure(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "strata {:?}: expected exit {code}:\nstdout:\n{}\nstderr:\n{}",
            self.args, self.stdout, self.stderr
        );
        assert!(
            self.stderr.starts_with("error: "),
            "stderr does not start with an error line: {}",
            self.stderr
        );
        if code != 2 {
            let lines: Vec<&str> = self.stderr.lines().collect();
            assert!(
                lines.len() == 1 || (lines.len() == 2 && lines[1].starts_with("help: ")),
                "expected one error line (and a help line):\n{}",
                self.stderr
            );
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }

    /// stderr contains `text`.
    pub fn says(self, text: &str) -> Run {
        assert!(
            self.stderr.contains(text) || self.stdout.contains(text),
            "strata {:?}: output does not contain {text:?}:\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Each row `sql` reads from `db`, its values as rusqlite shows them
/// (`Integer(1)|Text("ada")`), joined by `|`.
pub fn values(db: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut st = db.prepare(sql).expect("prepare");
    let n = st.column_count();
    st.query_map([], |r| {
        (0..n)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i)
                    .map(|v| format!("{v:?}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join("|"))
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

/// Load SQL into a fresh in-memory SQLite database and list its tables'
/// columns as (table, column, declared type, notnull, default). SQLite
/// reports the standard type names (integer, text, ...) in upper case
/// whatever their spelling, so types are compared lower-cased.
pub fn load_sql(sql: &str) -> Vec<(String, String, String, bool, Option<String>)> {
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(sql)
        .unwrap_or_else(|e| panic!("SQLite refused the schema ({e}):\n{sql}"));
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect::<Result<Vec<String>, _>>())
        })
        .expect("tables");
    tables.sort();
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn
            .prepare("SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info(?1)")
            .expect("pragma");
        let rows = stmt
            .query_map([&t], |r| {
                Ok((
                    t.clone(),
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?.to_lowercase(),
                    r.get::<_, bool>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .expect("columns");
        out.extend(rows.map(|r| r.expect("row")));
    }
    out
}
