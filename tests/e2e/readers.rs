//! Readers never block and never write: a hundred read-only commands with
//! `--wait 0` beside a recorder appending a hundred events, read-only
//! commands on a ledger folder the user may only read (nothing in it
//! changes), and a damaged or symlinked journal (exit 3 for readers; the
//! next command that appends writes it anew from the store).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::{Env, Run};

const READERS: usize = 100;
const APPENDS: usize = 100;
/// Readers running at once (the machine may have two cores).
const WAVE: usize = 10;

/// A reader's command, by its number: log, show, schema, verify, status
/// in turn.
fn reader_args(i: usize) -> Vec<&'static str> {
    match i % 5 {
        0 => vec!["--wait", "0", "--json", "log"],
        1 => vec!["--wait", "0", "--json", "show", "head"],
        2 => vec!["--wait", "0", "--json", "schema", "--format", "json"],
        3 => vec!["--wait", "0", "--json", "verify", "--deep"],
        _ => vec!["--wait", "0", "--json", "status", "--db", "app.db"],
    }
}

fn spawn(env: &Env, args: &[&str]) -> Child {
    env.command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strata")
}

/// What a reader's output says of the ledger: the head it saw. Every
/// answer is checked for what it can show of the chain.
fn check_reader(run: &Run) -> u64 {
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{:?}: not JSON ({e}): {}", run.args, run.stdout));
    match run.args[3].as_str() {
        "log" => {
            // Newest first, every event linked to the one before it.
            let events = json.as_array().expect("events");
            for (i, e) in events.iter().enumerate() {
                assert_eq!(e["seq"], (events.len() - i) as u64, "{:?}", run.args);
                let hash = e["hash"].as_str().expect("hash");
                assert_eq!(hash.len(), 64);
                if i > 0 {
                    assert_eq!(events[i - 1]["prev"], e["hash"], "the chain links");
                }
            }
            assert_eq!(events.last().expect("event 1")["prev"], "0".repeat(64));
            events.len() as u64
        }
        "show" => {
            assert_eq!(json["hash"].as_str().expect("hash").len(), 64);
            json["seq"].as_u64().expect("seq")
        }
        "schema" => {
            assert!(json["tables"]["users"].is_object(), "{}", run.stdout);
            0
        }
        "verify" => {
            assert_eq!(json["ok"], true);
            let head = json["head"]["seq"].as_u64().expect("head");
            assert_eq!(json["events"], head);
            head
        }
        _ => {
            assert!(json.is_object(), "{}", run.stdout);
            0
        }
    }
}

#[test]
fn a_hundred_readers_beside_a_recorder_never_wait_and_all_succeed() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    let start = env.head();
    // The recorder: one process after another, each appending one event
    // (and so opening the store, and the journal, anew).
    let dir = env.path().to_path_buf();
    let recorder = std::thread::spawn(move || {
        for i in 0..APPENDS {
            let sql = format!("CREATE TABLE t{i} (a integer)");
            let out = Command::new(env!("CARGO_BIN_EXE_strata"))
                .args(["--wait", "60", "record", "-m", "more", "--sql", &sql])
                .current_dir(&dir)
                .env_remove("STRATA_LEDGER")
                .env_remove("STRATA_DB")
                .env_remove("STRATA_WAIT")
                .env("STRATA_AUTHOR", "recorder")
                .output()
                .expect("record");
            assert!(
                out.status.success(),
                "record {i}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    });
    // Readers in waves while it runs, spread over its appends: a wave
    // starts once the recorder is past its share of them.
    let mut heads = BTreeSet::new();
    let mut finished_early = 0;
    for wave in 0..READERS / WAVE {
        let past = start + (wave * APPENDS / (READERS / WAVE)) as u64;
        while env.head() < past && !recorder.is_finished() {
            std::thread::sleep(Duration::from_millis(20));
        }
        let running: Vec<(Vec<&str>, Child)> = (0..WAVE)
            .map(|k| {
                let args = reader_args(wave * WAVE + k);
                let child = spawn(&env, &args);
                (args, child)
            })
            .collect();
        for (args, child) in running {
            let run = env.finish(&args, child.wait_with_output().expect("wait"));
            let run = run.success();
            assert!(run.stderr.is_empty(), "{args:?}: {}", run.stderr);
            let head = check_reader(&run);
            if head > 0 {
                heads.insert(head);
            }
        }
        if recorder.is_finished() {
            finished_early += 1;
        }
    }
    let overlapped = !recorder.is_finished();
    recorder.join().expect("the recorder");
    eprintln!(
        "readers: {READERS} readers saw heads {:?}..{:?} ({} distinct); the recorder was {}",
        heads.first(),
        heads.last(),
        heads.len(),
        if overlapped {
            "still running when they were done"
        } else {
            "done before the last wave"
        }
    );
    // They overlapped the writer: they saw the ledger at many heads.
    assert!(finished_early < READERS / WAVE, "the recorder ended first");
    assert!(heads.len() >= 5, "{heads:?}");
    assert!(heads
        .iter()
        .all(|h| *h >= start && *h <= start + APPENDS as u64));
    assert_eq!(env.head(), start + APPENDS as u64);
    env.ok(&["verify", "--deep"]);
    env.ok(&["verify", "--store", "--deep"]);
}

/// Every file under `dir`: its size, modification time and bytes (or
/// where it points, for a symlink); folders with their modification time.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, (u64, SystemTime, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("meta");
            let rel = path.strip_prefix(root).expect("under root").to_path_buf();
            let mtime = meta.modified().expect("mtime");
            if meta.is_dir() {
                out.insert(rel, (0, mtime, Vec::new()));
                walk(root, &path, out);
                continue;
            }
            let bytes = if meta.file_type().is_symlink() {
                std::fs::read_link(&path)
                    .expect("link")
                    .to_string_lossy()
                    .into_owned()
                    .into_bytes()
            } else {
                std::fs::read(&path).expect("read")
            };
            out.insert(rel, (meta.len(), mtime, bytes));
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn chmod(args: &[&str], path: &Path) {
    let ok = Command::new("chmod")
        .args(args)
        .arg(path)
        .status()
        .expect("chmod")
        .success();
    assert!(ok, "chmod {args:?} {}", path.display());
}

/// How this test runs strata as a user permissions bind: itself, or (when
/// it runs as root, which no permission stops) an unprivileged user
/// through `setpriv` or `runuser`; `None` when it is root and has neither.
fn unprivileged() -> Option<Vec<String>> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some(Vec::new());
    }
    let works = |argv: &[&str]| {
        Command::new(argv[0])
            .args(&argv[1..])
            .args(["test", "!", "-w", "/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    const SETPRIV: &[&str] = &[
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
    ];
    const RUNUSER: &[&str] = &["runuser", "-u", "nobody", "--"];
    [SETPRIV, RUNUSER]
        .into_iter()
        .find(|argv| works(argv))
        .map(|argv| argv.iter().map(|s| s.to_string()).collect())
}

/// `strata args` in the Env, as `user` (a prefix of the command line).
fn run_as(env: &Env, user: &[String], args: &[&str]) -> Run {
    let mut cmd = match user.split_first() {
        None => env.command(args),
        Some((first, rest)) => {
            let mut cmd = Command::new(first);
            cmd.args(rest)
                .arg(env!("CARGO_BIN_EXE_strata"))
                .args(args)
                .current_dir(env.path())
                .env_remove("STRATA_LEDGER")
                .env_remove("STRATA_DB")
                .env_remove("STRATA_WAIT")
                .env("STRATA_AUTHOR", "reader");
            cmd
        }
    };
    env.finish(args, cmd.output().expect("run strata"))
}

#[test]
fn read_only_commands_work_on_a_folder_the_user_may_only_read_and_change_nothing() {
    let Some(user) = unprivileged() else {
        eprintln!(
            "readers: skipped: running as root, with neither setpriv nor runuser to run as an unprivileged user"
        );
        return;
    };
    let env = Env::init();
    env.seed();
    env.ok(&["tag", "v1"]);
    env.record("drop email", "ALTER TABLE users DROP COLUMN email");
    env.ok(&["apply", "--db", "app.db"]);
    env.record("add age", "ALTER TABLE users ADD COLUMN age int");
    let desired = env.file(
        "desired.sql",
        "CREATE TABLE users (id integer primary key, name varchar(50), created_at text NOT NULL DEFAULT CURRENT_TIMESTAMP);",
    );
    let desired = desired.to_str().expect("utf8").to_string();
    let out = env.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    // The other user reaches the Env (a temporary folder is its owner's
    // alone) and may write its export folder, nothing else of the ledger.
    chmod(&["a+rwx"], env.path());
    chmod(&["a+rwx"], &out);
    chmod(&["a+rw"], &env.path().join("app.db"));
    let ledger = env.path().join("ledger-data");
    chmod(&["-R", "a-w"], &ledger);
    chmod(&["-R", "a+rX"], &ledger);
    let before = listing(&ledger);
    let out_text = out.join("text");
    let out_text = out_text.to_str().expect("utf8");
    for args in [
        &["log"][..],
        &["--json", "log"],
        &["show", "1"],
        &["show", "head"],
        &["schema"],
        &["schema", "--at", "v1", "--format", "json"],
        &["verify"],
        &["verify", "--deep", "--db", "app.db"],
        &["status", "--db", "app.db"],
        &["archive", "list", "--db", "app.db"],
        &["plan", "--desired", &desired],
        &["export", out_text],
    ] {
        let mut all = vec!["--wait", "0"];
        all.extend_from_slice(args);
        let run = run_as(&env, &user, &all);
        assert_eq!(run.code, 0, "{all:?}: {}", run.stderr);
    }
    // A command that appends cannot: one line, no panic.
    let run = run_as(
        &env,
        &user,
        &["record", "-m", "x", "--sql", "CREATE TABLE t (a)"],
    );
    let run = run.failure(1);
    assert!(run.stderr.contains("ledger-data"), "{}", run.stderr);
    assert_eq!(listing(&ledger), before, "the ledger folder changed");

    // A ledger made before journals: one line that says what to do.
    chmod(&["u+w"], &ledger);
    let kept = env.path().join("journal.kept");
    std::fs::rename(ledger.join("journal"), &kept).expect("move");
    chmod(&["a-w"], &ledger);
    let before = listing(&ledger);
    let run = run_as(&env, &user, &["--wait", "0", "log"]).failure(1);
    assert!(run.stderr.contains("has no journal"), "{}", run.stderr);
    assert!(
        run.stderr.contains("strata verify --store"),
        "{}",
        run.stderr
    );
    assert_eq!(listing(&ledger), before, "the ledger folder changed");

    chmod(&["-R", "u+w"], &ledger);
    std::fs::rename(&kept, ledger.join("journal")).expect("move back");
    env.ok(&["verify", "--store", "--deep"]);
}

/// The journal's bytes with `from` replaced by `to` (same length).
fn edit_journal(env: &Env, from: &[u8], to: &[u8]) {
    let path = env.path().join("ledger-data/journal");
    let mut bytes = std::fs::read(&path).expect("journal");
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("the bytes are in the journal");
    bytes[at..at + to.len()].copy_from_slice(to);
    std::fs::write(&path, bytes).expect("write journal");
}

#[test]
fn a_damaged_journal_fails_every_reader_and_the_next_writer_rebuilds_it() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    env.record("third", "CREATE TABLE t (a)");
    let whole = std::fs::read(env.path().join("ledger-data/journal")).expect("journal");
    // Event 2's message, "add created_at", now "add created_it".
    edit_journal(&env, b"add created_at", b"add created_it");
    for args in [
        &["log"][..],
        &["show", "1"],
        &["schema"],
        &["status", "--db", "app.db"],
        &["apply", "--db", "app.db", "--dry-run"],
        &["export", "out"],
    ] {
        env.fails(args, 3)
            .says("journal")
            .says("event 2")
            .says("verify --store");
    }
    env.fails(&["verify"], 3)
        .says("the ledger is broken: the journal: event 2")
        .says("verify --store");
    let json = env.run(&["--json", "verify"]);
    assert_eq!(json.code, 3);
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["ok"], false);
    // The store is the truth: the next command that appends writes the
    // journal anew from it, then appends.
    env.record("fourth", "CREATE TABLE u (a)");
    let now = std::fs::read(env.path().join("ledger-data/journal")).expect("journal");
    assert!(now.starts_with(&whole), "event 1 to 3 as they were");
    env.ok(&["verify", "--deep"]);
    assert_eq!(env.head(), 4);

    // A symlink where the journal was: not read through, replaced.
    let journal = env.path().join("ledger-data/journal");
    let elsewhere = env.path().join("elsewhere");
    std::fs::copy(&journal, &elsewhere).expect("copy");
    std::fs::remove_file(&journal).expect("rm");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&elsewhere, &journal).expect("symlink");
        env.fails(&["log"], 3).says("not a plain file");
        let kept = std::fs::read(&elsewhere).expect("read");
        env.ok(&["tag", "v1"]);
        assert_eq!(std::fs::read(&elsewhere).expect("read"), kept);
        let meta = std::fs::symlink_metadata(&journal).expect("journal");
        assert!(meta.file_type().is_file());
        env.ok(&["verify", "--deep"]);
    }
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(env.path().join("ledger-data"))
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_reader_answers_at_once_while_a_writer_stands_between_the_store_and_the_journal() {
    let env = Env::init();
    env.seed();
    let go = env.path().join("go");
    let writer = env
        .command(&["record", "-m", "paused", "--sql", "CREATE TABLE p (a)"])
        .env(
            "STRATA_FAILPOINT",
            format!("ledger:before-journal@wait={}", go.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let waiting = env.path().join("go.waiting");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !waiting.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the writer never paused"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // The store has event 3 and is held; the journal has 2.
    let started = std::time::Instant::now();
    assert_eq!(env.head(), 2);
    env.ok(&["--wait", "0", "verify", "--deep"]);
    env.ok(&["--wait", "0", "show", "head"]).says("event 2");
    assert!(started.elapsed() < Duration::from_secs(20));
    env.fails(&["--wait", "0", "tag", "v1"], 1).says("in use");
    std::fs::write(&go, b"").expect("go");
    let out = writer.wait_with_output().expect("writer");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.head(), 3);
}
