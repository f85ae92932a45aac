//! The crash harness: `strata` stopped dead at every step of an apply that
//! rebuilds a big table, and of the ledger's appends, by failpoints
//! (`$STRATA_FAILPOINT`, which aborts the process there) and by SIGKILL
//! after a spread of delays. After every crash the database and the ledger
//! must be whole: integrity_check ok, the schema exactly the old point's or
//! the new one's and recorded as such, every row intact, the archive
//! consistent (a backwards apply brings every dropped value back), and a
//! rerun completes.
//!
//! The short form runs in CI. The long form (300k rows for every
//! failpoint, and 40 kills; docs/reliability.md has the figures):
//!
//! ```sh
//! STRATA_CRASH_LONG=1 cargo test --release -p strata-cli --test e2e crash:: -- --nocapture
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{check_clean, rows};
use rusqlite::Connection;
use serde_json::Value;

fn long() -> bool {
    std::env::var_os("STRATA_CRASH_LONG").is_some()
}

fn strata(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("STRATA_LEDGER")
        .env_remove("STRATA_DB")
        .env_remove("STRATA_FAILPOINT")
        .env("STRATA_AUTHOR", "crash")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Run to completion; the exit code and stdout.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = strata(dir, args).output().expect("run strata");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, 0, "strata {args:?}: {err}");
    out
}

/// Run with a failpoint; true when the process died there.
fn crash_at(dir: &Path, args: &[&str], point: &str) -> bool {
    let out = strata(dir, args)
        .env("STRATA_FAILPOINT", point)
        .output()
        .expect("run strata");
    match out.status.code() {
        Some(0) => false,
        None => true,
        Some(code) => panic!(
            "strata {args:?} at {point}: exit {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Start, wait `delay`, SIGKILL; true when the kill landed before the end.
fn kill_after(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = strata(dir, args).spawn().expect("spawn strata");
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().expect("wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1).min(delay));
    }
    let killed = child.try_wait().expect("wait").is_none();
    let _ = child.kill();
    let status = child.wait().expect("wait");
    killed && status.code().is_none()
}

const START: &str = "CREATE TABLE big (id integer PRIMARY KEY, n integer NOT NULL, note text, extra text);
CREATE INDEX big_by_n ON big (n);
CREATE TABLE small (id integer PRIMARY KEY, big_id integer REFERENCES big(id) ON DELETE CASCADE, label text);";

/// Drops a column (its values archived) and changes a type (integer to
/// text: a rebuild, with the old values archived).
const CHANGE: &str = "ALTER TABLE big DROP COLUMN extra; ALTER TABLE big ALTER COLUMN n TYPE text;";

struct Bench {
    dir: tempfile::TempDir,
    rows: i64,
    /// The database at event 1 with its rows, copied for every run.
    pristine: PathBuf,
    /// What the rows of event 1 sum to.
    before: Vec<String>,
}

impl Bench {
    fn new(rows: i64) -> Bench {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path();
        ok(p, &["init"]);
        ok(p, &["record", "-m", "start", "--sql", START]);
        ok(p, &["record", "-m", "change", "--sql", CHANGE]);
        ok(p, &["apply", "--db", "pristine.db", "--to", "1"]);
        let pristine = p.join("pristine.db");
        let mut conn = Connection::open(&pristine).expect("open");
        let tx = conn.transaction().expect("tx");
        tx.execute(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)
             INSERT INTO big SELECT i, (i * 7919) % 100003, 'note ' || i, printf('%x-%d', i * 31, i) FROM k",
            [rows],
        )
        .expect("fill big");
        tx.execute(
            "INSERT INTO small SELECT id, id, 'label ' || id FROM big WHERE id % 10 = 0",
            [],
        )
        .expect("fill small");
        tx.commit().expect("commit");
        drop(conn);
        let before = sums(&pristine, true);
        Bench {
            dir,
            rows,
            pristine,
            before,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A fresh copy of the pristine database, as `app.db`.
    fn copy(&self) {
        let db = self.path().join("app.db");
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        std::fs::copy(&self.pristine, &db).expect("copy");
    }

    /// Everything that must hold after a crash of `apply --db app.db`.
    fn check_after_crash(&self, what: &str) {
        let p = self.path();
        let db = p.join("app.db");
        if let Err(e) = check_clean(&Connection::open(&db).expect("open"), what) {
            panic!("{e}");
        }
        // The schema is exactly a point's, and the one recorded.
        let (code, out, err) = run(p, &["--json", "status", "--db", "app.db"]);
        assert_eq!(
            code, 0,
            "{what}: drift or error after the crash: {out} {err}"
        );
        let status: Value = serde_json::from_str(&out).expect("status JSON");
        let seq = status["seq"].as_u64().expect("seq");
        match seq {
            1 => assert_eq!(sums(&db, true), self.before, "{what}: rows at event 1"),
            2 => self.check_new(what),
            other => panic!("{what}: at event {other}"),
        }
        // A rerun completes, and going back brings every value back.
        ok(p, &["apply", "--db", "app.db"]);
        self.check_new(what);
        ok(p, &["apply", "--db", "app.db", "--to", "1"]);
        assert_eq!(sums(&db, true), self.before, "{what}: rows back at event 1");
    }

    /// At event 2: the rows that stay are intact, and the dropped values
    /// are all in the archive.
    fn check_new(&self, what: &str) {
        let db = self.path().join("app.db");
        let mut kept = self.before.clone();
        kept.truncate(4);
        assert_eq!(sums(&db, false), kept, "{what}: rows at event 2");
        let list: Value = serde_json::from_str(&ok(
            self.path(),
            &["--json", "archive", "list", "--db", "app.db"],
        ))
        .expect("archive JSON");
        let rows: Vec<i64> = list
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["rows"].as_i64().expect("rows"))
            .collect();
        assert_eq!(rows, [self.rows, self.rows], "{what}: archive entries");
    }
}

/// Sums over every row: of big (count, ids, n as numbers, notes, and with
/// `extra` its text) and of small.
fn sums(db: &Path, extra: bool) -> Vec<String> {
    let conn = Connection::open(db).expect("open");
    let mut queries = vec![
        "SELECT count(*), sum(id) FROM big",
        "SELECT sum(CAST(n AS integer)), sum(length(n)) FROM big",
        "SELECT sum(length(note)), max(note) FROM big",
        "SELECT count(*), sum(big_id), sum(length(label)) FROM small",
    ];
    if extra {
        queries.push("SELECT sum(length(extra)), max(extra), min(extra) FROM big");
    }
    queries
        .into_iter()
        .map(|q| {
            rows(&conn, q)[0]
                .iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn apply_survives_a_crash_at_every_step() {
    let rows = if long() { 300_000 } else { 20_000 };
    let bench = Bench::new(rows);
    let p = bench.path();
    let mut points: Vec<String> = (0..)
        .map(|n| format!("apply:statement:{n}"))
        .take(200)
        .collect();
    points.extend(["apply:before-commit".into(), "apply:after-commit".into()]);
    let mut crashed = 0;
    for point in &points {
        bench.copy();
        if crash_at(p, &["apply", "--db", "app.db"], point) {
            crashed += 1;
            bench.check_after_crash(point);
        } else if point.starts_with("apply:statement:") {
            // Past the last statement: the apply went through.
            bench.check_new(point);
            continue;
        }
    }
    assert!(crashed >= 10, "only {crashed} failpoints were hit");
    eprintln!("crash: {crashed} failpoints hit, each survived ({rows} rows)");
}

#[test]
fn apply_survives_sigkill_at_any_moment() {
    let bench = Bench::new(300_000);
    let p = bench.path();
    // How long an apply takes here, to spread the kills over it.
    bench.copy();
    let start = Instant::now();
    ok(p, &["apply", "--db", "app.db"]);
    let whole = start.elapsed();
    let kills = if long() { 40 } else { 4 };
    let mut landed = 0;
    for k in 0..kills {
        bench.copy();
        let delay = whole * (k + 1) / (kills + 1);
        if kill_after(p, &["apply", "--db", "app.db"], delay) {
            landed += 1;
        }
        bench.check_after_crash(&format!("SIGKILL after {delay:?}"));
    }
    assert!(
        landed > 0,
        "no kill landed before the end of an apply of {whole:?}"
    );
    eprintln!("crash: {landed} of {kills} kills landed in an apply of {whole:?}, each survived");
}

/// The head's seq and the number of events `verify` checked.
fn head(dir: &Path) -> u64 {
    let (code, out, err) = run(dir, &["--json", "verify"]);
    assert_eq!(code, 0, "verify after a crash: {out} {err}");
    let log: Value = serde_json::from_str(&ok(dir, &["--json", "log"])).expect("log");
    log.as_array().expect("events").len() as u64
}

/// After a crash: the head readers see (the journal's, checked whole),
/// then the store's, once `verify --store` has brought the journal up to
/// it. Readers never see more than the store holds.
fn heads(dir: &Path) -> (u64, u64) {
    let reader = head(dir);
    ok(dir, &["verify", "--store"]);
    let store = head(dir);
    assert!(
        reader <= store,
        "readers saw {reader}, the store has {store}"
    );
    (reader, store)
}

#[test]
fn ledger_appends_are_whole_or_absent_after_a_crash() {
    let dir = tempfile::tempdir().expect("dir");
    let p = dir.path();
    ok(p, &["init"]);
    ok(p, &["record", "-m", "start", "--sql", START]);
    let mut n = 0;
    let commands: Vec<(String, Vec<String>)> = vec![
        (
            "record".into(),
            [
                "record",
                "-m",
                "more",
                "--sql",
                "CREATE TABLE t{n} (a integer)",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            "revert".into(),
            ["revert", "head", "-m", "undo {n}"]
                .map(String::from)
                .to_vec(),
        ),
        ("tag".into(), ["tag", "v{n}"].map(String::from).to_vec()),
    ];
    let mut survived = 0;
    for point in [
        "ledger:before-transaction",
        "ledger:before-flush",
        "ledger:after-flush",
        // The store has the event; the journal not yet, or half of it.
        "ledger:before-journal",
        "ledger:journal-half-written",
    ] {
        for (name, args) in &commands {
            n += 1;
            let args: Vec<String> = args
                .iter()
                .map(|a| a.replace("{n}", &n.to_string()))
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let before = head(p);
            assert!(crash_at(p, &args, point), "{name} did not reach {point}");
            let (reader, after) = heads(p);
            if point.contains("journal") {
                assert_eq!(
                    (reader, after),
                    (before, before + 1),
                    "{name} at {point}: the store is the truth, the journal follows it"
                );
            }
            assert!(
                after == before || after == before + 1,
                "{name} at {point}: head went from {before} to {after}"
            );
            if after == before + 1 {
                // Whole: it reads back, and says what was asked.
                let last: Value =
                    serde_json::from_str(&ok(p, &["--json", "show", "head"])).expect("show");
                assert_eq!(last["seq"], after);
            } else {
                ok(p, &args);
                assert_eq!(head(p), before + 1);
            }
            survived += 1;
        }
    }
    // And SIGKILL at a spread of moments, record by record.
    for k in 0..if long() { 60 } else { 10 } {
        let before = head(p);
        let sql = format!("CREATE TABLE k{k} (a integer)");
        kill_after(
            p,
            &["record", "-m", "kill", "--sql", &sql],
            Duration::from_millis(k * 3),
        );
        let (_, after) = heads(p);
        assert!(after == before || after == before + 1);
        survived += 1;
    }
    ok(p, &["verify", "--deep"]);
    eprintln!("crash: {survived} crashed ledger appends, the chain whole after each");
}
