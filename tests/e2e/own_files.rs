//! strata's own files and tables: nothing in the ledger folder is written
//! through a symlink, read-only commands write nothing there, data steps
//! cannot reach strata's tables in a database, a damaged store is an
//! integrity failure (exit 3) on every command; and the small exact cases of
//! `revert --to` and `apply` with nothing to do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::Env;

/// Every file under `dir` (relative path -> its bytes, or where it points
/// for a symlink), sled's
/// snapshot files (`store/snap.*`) left out: sled rewrites them itself when
/// it opens a store whose log has moved on since its last snapshot.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("meta");
            if meta.is_dir() {
                walk(root, &path, out);
                continue;
            }
            let rel = path.strip_prefix(root).expect("under root").to_path_buf();
            let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if rel.starts_with("store") && name.starts_with("snap.") {
                continue;
            }
            let bytes = if meta.file_type().is_symlink() {
                let to = std::fs::read_link(&path).expect("link");
                format!("symlink to {}", to.display()).into_bytes()
            } else {
                std::fs::read(&path).expect("read")
            };
            out.insert(rel, bytes);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn ledger_dir(env: &Env) -> PathBuf {
    env.path().join("ledger-data")
}

/// Put a symlink at `ledger-data/holder` pointing at `target`.
fn plant_symlink(env: &Env, target: &Path) {
    let holder = ledger_dir(env).join("holder");
    let _ = std::fs::remove_file(&holder);
    std::os::unix::fs::symlink(target, &holder).expect("symlink");
}

#[test]
fn a_symlink_at_the_holder_is_never_written_through() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    let outside = env.file("precious.txt", "precious bytes\n");
    let dangling = env.path().join("never-created.txt");
    for (round, target) in [&outside, &dangling].into_iter().enumerate() {
        let tag = format!("v{round}");
        for args in [
            &["record", "-m", "more", "--sql", "CREATE TABLE t (a)"][..],
            &["log"],
            &["verify"],
            &["status", "--db", "app.db"],
            &["revert", "head", "-m", "undo"],
            &["tag", &tag],
        ] {
            plant_symlink(&env, target);
            env.ok(args);
            assert_eq!(
                std::fs::read(&outside).expect("outside file"),
                b"precious bytes\n",
                "{args:?} wrote through the symlink"
            );
            assert!(!dangling.exists(), "{args:?} created the symlink's target");
        }
    }
    // A command that appends replaces the symlink with a file of its own.
    plant_symlink(&env, &outside);
    env.record("and more", "CREATE TABLE u (a)");
    let holder = ledger_dir(&env).join("holder");
    let meta = std::fs::symlink_metadata(&holder).expect("holder");
    assert!(meta.file_type().is_file(), "{meta:?}");
    let line = std::fs::read_to_string(&holder).expect("holder");
    assert!(line.starts_with("pid "), "{line}");
    assert!(line.contains("record"), "{line}");
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(ledger_dir(&env))
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| *n != "store" && *n != "journal")
            .count(),
        1,
        "{names:?}"
    );
    env.ok(&["verify", "--deep"]);
}

#[test]
fn read_only_commands_write_nothing_in_the_ledger_folder() {
    let env = Env::init();
    env.seed();
    env.ok(&["tag", "v1"]);
    env.record("drop email", "ALTER TABLE users DROP COLUMN email");
    env.ok(&["apply", "--db", "app.db"]);
    let desired = env.file(
        "desired.sql",
        "CREATE TABLE users (id integer primary key, name varchar(50), created_at text NOT NULL DEFAULT CURRENT_TIMESTAMP, age int);",
    );
    let desired = desired.to_str().expect("utf8");
    let dir = ledger_dir(&env);
    for args in [
        &["log"][..],
        &["--json", "log"],
        &["show", "1"],
        &["schema"],
        &["schema", "--at", "v1", "--format", "json"],
        &["verify"],
        &["verify", "--deep", "--db", "app.db"],
        &["status", "--db", "app.db"],
        &["archive", "list", "--db", "app.db"],
        &["plan", "--desired", desired],
        &["apply", "--db", "app.db", "--to", "1", "--dry-run"],
        &[
            "record",
            "-m",
            "try",
            "--dry-run",
            "--sql",
            "CREATE TABLE t (a)",
        ],
        &["revert", "head", "-m", "try", "--dry-run"],
    ] {
        let before = files(&dir);
        env.ok(args);
        assert_eq!(files(&dir), before, "{args:?} wrote in the ledger folder");
    }
    // Without a holder file, a reader does not make one.
    std::fs::remove_file(dir.join("holder")).expect("remove holder");
    env.ok(&["log"]);
    assert!(!dir.join("holder").exists());
    // A writer does.
    env.record("again", "CREATE TABLE t (a)");
    assert!(dir.join("holder").is_file());
}

/// The ids of `_strata_log`'s rows.
fn log_rows(db: &Path) -> i64 {
    let conn = Connection::open(db).expect("open");
    conn.query_row("SELECT count(*) FROM _strata_log", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn data_steps_cannot_read_or_change_strata_tables() {
    let env = Env::init();
    env.seed();
    env.record("drop email", "ALTER TABLE users DROP COLUMN email");
    env.ok(&["apply", "--db", "app.db"]);
    let rows = log_rows(&env.path().join("app.db"));
    assert!(rows > 0);
    let head = env.head();
    for sql in [
        "DELETE FROM _strata_log",
        "delete from _STRATA_ARCHIVE",
        "UPDATE \"_strata_state\" SET seq = 0",
        "INSERT INTO users (id, name) SELECT seq, 'x' FROM _strata_log",
        "UPDATE users SET name = (SELECT max(seq) FROM main._strata_state)",
        "DELETE FROM users WHERE id IN (SELECT rowid FROM [_strata_archive_1])",
        "WITH c AS (SELECT * FROM _strata_log) INSERT INTO users (id) SELECT seq FROM c",
        "REPLACE INTO `_strata_log` VALUES (1)",
    ] {
        env.fails(&["record", "-m", "sneaky", "--sql", sql], 1)
            .says("statement 1 (line 1, column 1)")
            .says("strata's own tables")
            .says("leave it out of the statement");
    }
    // In a file: the statement and its line are named.
    let file = env.file(
        "sneaky.sql",
        "INSERT INTO users (id, name) VALUES (9, 'ok');\n\nDELETE FROM _strata_log;\n",
    );
    env.fails(&["record", "-m", "sneaky", file.to_str().expect("utf8")], 1)
        .says("statement 2 (line 3, column 1)")
        .says("_strata_log");
    // As revert SQL.
    let undo = env.file("undo.sql", "DELETE FROM _strata_log;\n");
    env.fails(
        &[
            "record",
            "-m",
            "sneaky",
            "--revert-sql",
            undo.to_str().expect("utf8"),
            "--sql",
            "INSERT INTO users (id, name) VALUES (9, 'ok')",
        ],
        1,
    )
    .says("_strata_log");
    // Through import-sql.
    std::fs::create_dir(env.path().join("migrations")).expect("mkdir");
    env.file(
        "migrations/V1__wipe.sql",
        "UPDATE users SET name = 'x';\nDELETE FROM _strata_archive;\n",
    );
    env.fails(&["import-sql", "migrations"], 1)
        .says("_strata_archive");
    assert_eq!(env.head(), head, "nothing was appended");
    // Strings are data, not names; the database's log is untouched.
    env.record(
        "note",
        "INSERT INTO users (id, name) VALUES (7, '_strata_log')",
    );
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(log_rows(&env.path().join("app.db")), rows + 1);
}

#[test]
fn revert_to_the_schema_head_already_has_appends_nothing() {
    let env = Env::init();
    env.seed();
    // The point is head itself.
    env.ok(&["revert", "--to", "head", "-m", "nothing"])
        .says("nothing to revert");
    assert_eq!(env.head(), 2);
    // Events after the point whose changes cancel out.
    env.record("drop email", "ALTER TABLE users DROP COLUMN email");
    env.ok(&["revert", "head", "-m", "email back"]);
    env.ok(&["tag", "v2"]);
    assert_eq!(env.head(), 5);
    let run = env
        .ok(&["revert", "--to", "2", "-m", "nothing"])
        .says("nothing to revert");
    assert!(
        run.stdout.contains("nothing was appended"),
        "{}",
        run.stdout
    );
    let json = env.json(&["revert", "--to", "2", "-m", "nothing"]);
    assert_eq!(json["appended"], false);
    assert_eq!(json["target"], 2);
    assert_eq!(env.head(), 5);
    // A data step after the point is something to revert.
    let undo = env.file("undo.sql", "DELETE FROM users WHERE id = 1;\n");
    env.ok(&[
        "record",
        "-m",
        "seed a user",
        "--revert-sql",
        undo.to_str().expect("utf8"),
        "--sql",
        "INSERT INTO users (id, name) VALUES (1, 'ada')",
    ]);
    env.ok(&["revert", "--to", "5", "-m", "unseed"])
        .says("recorded revert event 7");
    // Going back further still appends.
    env.ok(&["revert", "--to", "1", "-m", "back"])
        .says("recorded revert event 8");
}

#[test]
fn apply_and_checkout_on_an_empty_ledger_change_nothing() {
    let env = Env::init();
    env.ok(&["apply", "--db", "new.db"])
        .says("the ledger has no events")
        .says("was not created");
    assert!(!env.path().join("new.db").exists());
    env.ok(&["checkout", "--db", "fresh.db"])
        .says("the ledger has no events");
    assert!(!env.path().join("fresh.db").exists());
    // An existing database is left byte for byte as it was.
    let existing = env.path().join("app.db");
    Connection::open(&existing)
        .expect("open")
        .execute_batch("CREATE TABLE notes (a text); INSERT INTO notes VALUES ('x');")
        .expect("create");
    let bytes = std::fs::read(&existing).expect("read");
    env.ok(&["apply", "--db", "app.db"])
        .says("is left as it was");
    let json = env.json(&["apply", "--db", "app.db"]);
    assert_eq!(json["applied"], false);
    assert_eq!(std::fs::read(&existing).expect("read"), bytes);
    // A point the empty ledger does not have is still an error.
    env.fails(&["apply", "--db", "new.db", "--to", "3"], 1);
    assert!(!env.path().join("new.db").exists());
}

/// Flip one byte of `file` in the middle of the first occurrence of
/// `needle`.
fn flip(file: &Path, needle: &[u8]) {
    let mut bytes = std::fs::read(file).expect("read");
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in {}", file.display()));
    bytes[at + needle.len() / 2] ^= 0x20;
    std::fs::write(file, bytes).expect("write");
}

/// Every command that opens the store, against a ledger whose store is
/// damaged: exit 3, one error line. Commands that only read read the
/// journal, which is whole: they work, and say nothing of the store.
fn every_command_is_exit_3(env: &Env, says: &str) {
    for args in [
        &["record", "-m", "x", "--sql", "CREATE TABLE t (a)"][..],
        &["tag", "v9"],
        &["revert", "--to", "0", "-m", "x"],
        &["import-sql", "migrations"],
    ] {
        env.fails(args, 3).says(says);
    }
    env.fails(&["verify", "--store"], 3);
    env.fails(&["verify", "--store", "--deep"], 3);
    for args in [
        &["log"][..],
        &["show", "1"],
        &["schema"],
        &["verify", "--deep"],
        &["status", "--db", "app.db"],
        &["plan", "--from-db", "app.db"],
    ] {
        env.ok(args);
    }
}

/// A ledger of three events, a database at head, a migrations folder.
fn damaged_ledger_env() -> Env {
    let env = Env::init();
    env.seed();
    env.record(
        "flag",
        "ALTER TABLE users ADD COLUMN corruptible_marker_column int",
    );
    env.ok(&["apply", "--db", "app.db"]);
    std::fs::create_dir(env.path().join("migrations")).expect("mkdir");
    env.file("migrations/V1__x.sql", "CREATE TABLE x (a);\n");
    env
}

#[test]
fn a_damaged_store_is_an_integrity_failure_on_every_command() {
    // sled's own files: a byte of an event flipped in its log.
    let env = damaged_ledger_env();
    flip(
        &ledger_dir(&env).join("store/db"),
        b"corruptible_marker_column",
    );
    every_command_is_exit_3(&env, "is damaged");

    // sled's files cut short: each to half its length.
    let env = damaged_ledger_env();
    for name in std::fs::read_dir(ledger_dir(&env).join("store")).expect("read dir") {
        let path = name.expect("entry").path();
        if path.is_file() {
            let len = std::fs::metadata(&path).expect("meta").len();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .expect("open")
                .set_len(len / 2)
                .expect("truncate");
        }
    }
    every_command_is_exit_3(&env, "is damaged");

    // sled's log emptied.
    let env = damaged_ledger_env();
    std::fs::write(ledger_dir(&env).join("store/db"), b"").expect("empty");
    every_command_is_exit_3(&env, "is damaged");
}

#[test]
fn a_damaged_event_record_is_an_integrity_failure() {
    // sled is intact, but event 1's bytes are not an event.
    let env = damaged_ledger_env();
    {
        let store = crate::support::open_store(&ledger_dir(&env).join("store"));
        let events = store.open_tree("events").expect("events");
        events
            .insert(1u64.to_be_bytes(), b"not an event".as_slice())
            .expect("insert");
        store.flush().expect("flush");
    }
    // Commands that open the store; readers read the journal (the same
    // damage there is tests/e2e/readers.rs's).
    for args in [
        &["verify", "--store"][..],
        &["record", "-m", "x", "--sql", "CREATE TABLE t (a)"],
        &["revert", "--to", "0", "-m", "x"],
    ] {
        // Reading event 1 finds the damage; a database marked with the
        // ledger's id (the hash of event 1) finds another ledger's id.
        let run = env.fails(args, 3);
        assert!(
            run.stderr.contains("event 1") || run.stderr.contains("another ledger"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert!(!env.path().join("copy.db").exists());
}
