//! Tests of the store as a whole: creating and opening, appending and its
//! rejections, reading, points, snapshots and verify, with property tests for
//! replay and tampering.
// They build their ledgers in a store.
#![cfg(feature = "store")]

use std::path::Path;

use proptest::prelude::*;
use strata_dialect::sqlite::RULES;
use strata_schema::{project, Column, Op, ProjectError, Schema, Table};

use crate::store::{seq_key, tag_value, META_HEAD_SEQ};
use crate::workload::Workload;
use crate::*;

const T0: i64 = 1_795_600_800_000_000; // 2026-11-25T10:00:00Z
const MINUTE: i64 = 60_000_000;

fn at(minutes: i64) -> Option<Timestamp> {
    Some(Timestamp(T0 + minutes * MINUTE))
}

fn table(name: &str, columns: &[&str]) -> Table {
    Table {
        name: name.to_string(),
        columns: columns.iter().map(|c| Column::new(*c, "text")).collect(),
        ..Table::default()
    }
}

fn change(minutes: i64, message: &str, ops: Vec<Op>) -> Draft {
    Draft {
        at: at(minutes),
        author: "ada".to_string(),
        message: message.to_string(),
        body: Body::Change {
            ops,
            revert_sql: None,
        },
    }
}

fn tag(minutes: i64, name: &str, target: u64) -> Draft {
    Draft {
        at: at(minutes),
        author: "ada".to_string(),
        message: format!("tag {name}"),
        body: Body::Tag {
            name: name.to_string(),
            target,
        },
    }
}

fn baseline(minutes: i64, schema: Schema) -> Draft {
    Draft {
        at: at(minutes),
        author: "ada".to_string(),
        message: "adopt".to_string(),
        body: Body::Baseline { schema },
    }
}

fn create(name: &str, columns: &[&str]) -> Op {
    Op::CreateTable {
        table: table(name, columns),
    }
}

fn add_column(t: &str, c: &str, position: u32) -> Op {
    Op::AddColumn {
        table: t.to_string(),
        column: Column::new(c, "text"),
        position,
    }
}

fn new_ledger() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::init(dir.path().join("ledger")).unwrap();
    (dir, ledger)
}

/// A ledger of five events: create users (1), add email (2), tag v1 -> 2
/// (3), create posts (4), tag v2 -> 4 (5).
fn small_ledger() -> (tempfile::TempDir, Ledger) {
    let (dir, l) = new_ledger();
    l.append(change(0, "users", vec![create("users", &["id", "name"])]))
        .unwrap();
    l.append(change(1, "email", vec![add_column("users", "email", 2)]))
        .unwrap();
    l.append(tag(2, "v1", 2)).unwrap();
    l.append(change(3, "posts", vec![create("posts", &["id", "body"])]))
        .unwrap();
    l.append(tag(4, "v2", 4)).unwrap();
    (dir, l)
}

fn report_ok(l: &Ledger, deep: bool) -> VerifySummary {
    match l.verify(deep).unwrap() {
        VerifyReport::Ok(s) => s,
        VerifyReport::Broken(p) => panic!("verify found: {p}"),
    }
}

fn broken(l: &Ledger, deep: bool) -> Problem {
    match l.verify(deep).unwrap() {
        VerifyReport::Ok(s) => panic!("verify found nothing: {s:?}"),
        VerifyReport::Broken(p) => p,
    }
}

/// Replay events 1..=n from the empty schema with `project`, the reference
/// for `schema_at`.
fn replay(l: &Ledger, n: u64) -> Schema {
    let mut s = Schema::default();
    for e in l.events_from(1).take(n as usize) {
        let e = e.unwrap().event;
        match &e.body {
            Body::Change { ops, .. } | Body::Revert { ops, .. } => {
                for op in ops {
                    project(RULES, &mut s, op).unwrap();
                }
            }
            Body::Baseline { schema } => s = schema.clone(),
            Body::Tag { .. } => {}
        }
    }
    s
}

// ---- creating and opening ----

#[test]
fn init_creates_an_empty_ledger_and_open_finds_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/ledger");
    let l = Ledger::init(&path).unwrap();
    assert!(path.join(STORE_DIR).is_dir());
    assert_eq!(l.head(), None);
    assert_eq!(l.id(), None);
    assert_eq!(l.head_seq(), 0);
    assert_eq!(l.schema_at(0).unwrap(), Schema::default());
    assert_eq!(report_ok(&l, true).events, 0);
    drop(l);
    let l = Ledger::open(&path).unwrap();
    assert_eq!(l.head(), None);
    assert_eq!(l.dir(), path);
}

#[test]
fn init_refuses_an_existing_ledger() {
    let (dir, l) = new_ledger();
    drop(l);
    let e = Ledger::init(dir.path().join("ledger")).unwrap_err();
    assert!(matches!(e, LedgerError::AlreadyExists { .. }));
    let msg = e.to_string();
    assert!(msg.starts_with("a ledger already exists at "), "{msg}");
    assert!(msg.contains("ledger"), "{msg}");
}

#[test]
fn open_without_a_ledger_says_to_init() {
    let dir = tempfile::tempdir().unwrap();
    for path in [dir.path().join("missing"), dir.path().to_path_buf()] {
        let e = Ledger::open(&path).unwrap_err();
        assert!(matches!(e, LedgerError::NoLedger { .. }), "{e:?}");
        assert_eq!(e.to_string(), format!("no ledger at {}", path.display()));
        assert_eq!(e.help().as_deref(), Some("run `strata init` to create one"));
    }
    // Opening did not create anything.
    assert!(!dir.path().join("missing").exists());
    assert!(!dir.path().join(STORE_DIR).exists());
}

#[test]
fn open_refuses_what_is_not_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    // The store is a file.
    std::fs::write(dir.path().join(STORE_DIR), "x").unwrap();
    let e = Ledger::open(dir.path()).unwrap_err();
    assert!(matches!(e, LedgerError::NotALedger { .. }), "{e:?}");
    // The store is a folder of other things.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(STORE_DIR)).unwrap();
    std::fs::write(dir.path().join(STORE_DIR).join("notes.txt"), "x").unwrap();
    let e = Ledger::open(dir.path()).unwrap_err();
    assert!(matches!(e, LedgerError::NotALedger { .. }), "{e:?}");
    assert!(
        e.to_string().contains("does not hold a strata ledger"),
        "{e}"
    );
}

/// Overwrite a file of a ledger's store with garbage and open it: an error,
/// never a panic.
fn garble(file: &str, garbage: &[u8]) -> LedgerError {
    let (dir, l) = small_ledger();
    drop(l);
    let path = dir.path().join("ledger");
    std::fs::write(path.join(STORE_DIR).join(file), garbage).unwrap();
    match open_when_free(&path) {
        Err(e) => e,
        // sled may accept a damaged file whose damage it cannot see; then
        // reading must fail or verify must say so.
        Ok(l) => match l.verify(true) {
            Ok(VerifyReport::Broken(p)) => LedgerError::Damaged {
                seq: p.seq,
                reason: p.reason,
            },
            Ok(VerifyReport::Ok(_)) => panic!("garbled {file} went unnoticed"),
            Err(e) => e,
        },
    }
}

#[test]
fn open_reports_a_damaged_store_without_panicking() {
    for (file, garbage) in [
        ("conf", b"not a sled config".as_slice()),
        ("db", [0xff; 4096].as_slice()),
        ("db", b"".as_slice()),
    ] {
        let e = garble(file, garbage);
        assert!(
            matches!(
                e,
                LedgerError::NotALedger { .. }
                    | LedgerError::Corrupt { .. }
                    | LedgerError::Damaged { .. }
                    | LedgerError::Store { .. }
            ),
            "{file}: {e:?}"
        );
    }
}

#[test]
fn a_ledger_of_another_format_version_is_refused() {
    let (dir, l) = new_ledger();
    l.meta
        .insert(b"format_version", &1u32.to_be_bytes())
        .unwrap();
    l.meta.flush().unwrap();
    drop(l);
    let e = open_when_free(dir.path().join("ledger")).unwrap_err();
    assert!(
        matches!(e, LedgerError::FormatVersion { found: 1, .. }),
        "{e:?}"
    );
    assert!(e
        .to_string()
        .contains("format version 1, but this strata reads versions 2 to 6"));
}

#[test]
fn a_new_ledger_records_its_dialect_and_hashes_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sqlite");
    let l = Ledger::init_with(&path, Dialect::Sqlite).unwrap();
    assert_eq!(l.format(), Format::new(Dialect::Sqlite));
    let e = l
        .append(change(1, "users", vec![create("users", &["id"])]))
        .unwrap();
    let (hash, event) = (e.hash, e.event.clone());
    drop((e, l));
    let l = Ledger::open(&path).unwrap();
    assert_eq!(l.dialect(), Dialect::Sqlite);
    assert_eq!(l.format().version, FORMAT_VERSION);
    assert!(l.verify(true).unwrap().is_ok());
    // The same event in another dialect would be another event (the golden
    // vectors pin both hashes).
    let postgres = Format::new(Dialect::Postgres);
    assert_ne!(postgres.event_hash(&event).unwrap(), hash);
}

/// Before format 5 a PostgreSQL ledger keyed triggers by name alone; such
/// a ledger is refused, never read under rules it was not written in.
#[test]
fn a_postgres_ledger_of_format_4_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let old = Format {
        version: 4,
        dialect: Dialect::Postgres,
    };
    let e = Ledger::init_format(dir.path().join("old"), old).unwrap_err();
    assert!(
        e.to_string().contains(
            "written in the postgres dialect in format version 4, which this strata cannot read"
        ),
        "{e}"
    );
    assert!(Format::new(Dialect::Postgres).rules().is_some());
}

#[test]
fn a_postgres_ledger_follows_postgresql_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postgres");
    let l = Ledger::init_with(&path, Dialect::Postgres).unwrap();
    assert_eq!(l.format(), Format::new(Dialect::Postgres));
    // Names compare exactly: "Users" and users are two tables.
    l.append(change(
        1,
        "users",
        vec![create("Users", &["id"]), create("users", &["id", "name"])],
    ))
    .unwrap();
    let schema = l.schema_at(1).unwrap();
    assert_eq!(schema.tables.len(), 2);
    assert_eq!(schema.tables["Users"].columns.len(), 1);
    assert_eq!(schema.tables["users"].columns.len(), 2);
    // pg_ names belong to PostgreSQL; SQLite's reserved prefixes do not.
    let e = l
        .prepare(change(2, "catalog", vec![create("pg_users", &["id"])]))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("names starting with pg_ belong to PostgreSQL"),
        "{e}"
    );
    l.append(change(2, "sqlite", vec![create("sqlite_users", &["id"])]))
        .unwrap();
    drop(l);
    let l = Ledger::open(&path).unwrap();
    assert_eq!(l.dialect(), Dialect::Postgres);
    assert_eq!(l.format().version, FORMAT_VERSION);
    assert_eq!(l.head_seq(), 2);
    assert!(l.verify(true).unwrap().is_ok());
}

#[test]
fn a_ledger_whose_dialect_is_unknown_or_missing_is_refused() {
    for bad in [Some(&b"oracle"[..]), None] {
        let (dir, l) = new_ledger();
        match bad {
            Some(name) => l.meta.insert(b"dialect", name).unwrap(),
            None => l.meta.remove(b"dialect").unwrap(),
        };
        l.meta.flush().unwrap();
        drop(l);
        let e = open_when_free(dir.path().join("ledger")).unwrap_err();
        assert!(matches!(e, LedgerError::NotALedger { .. }), "{e:?}");
        assert!(e.to_string().contains("dialect"), "{e}");
    }
}

#[test]
fn a_second_open_in_the_same_process_is_in_use() {
    let (dir, _l) = new_ledger();
    let path = dir.path().join("ledger");
    let e = Ledger::open_to_write(&path).unwrap_err();
    assert!(matches!(e, LedgerError::InUse { .. }), "{e:?}");
    // The holder wrote itself down on opening: this very process.
    assert!(
        e.to_string().starts_with(&format!(
            "ledger {} is in use by another strata process (pid {}: ",
            path.display(),
            std::process::id()
        )),
        "{e}"
    );
}

const CHILD_ENV: &str = "STRATA_LEDGER_TEST_IN_USE_DIR";

/// Run by `a_second_process_is_told_the_ledger_is_in_use` in a child
/// process; on its own it has nothing to do.
#[test]
fn in_use_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let e = Ledger::open_to_write(Path::new(&dir)).unwrap_err();
    assert!(matches!(e, LedgerError::InUse { .. }), "{e:?}");
    println!("child saw: {e}");
    // A reader is not told so: it reads the journal.
    let l = Ledger::open(Path::new(&dir)).unwrap();
    assert!(l.verify(true).unwrap().is_ok());
}

#[test]
fn a_second_process_is_told_the_ledger_is_in_use() {
    let (dir, l) = small_ledger();
    let path = dir.path().join("ledger");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "tests::in_use_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("is in use by another strata process"),
        "{stdout}"
    );
    // Once the holder is gone, the child can open it.
    drop(l);
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "tests::in_use_child", "--nocapture"])
        .env(CHILD_ENV, &path)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the child should have opened it");
}

// ---- appending and reading ----

#[test]
fn a_chain_of_tags_and_baselines() {
    let (dir, l) = new_ledger();
    let mut schema = Schema::default();
    schema
        .tables
        .insert("users".into(), table("users", &["id"]));
    let e1 = l.append(baseline(0, schema.clone())).unwrap();
    let e2 = l.append(tag(1, "adopted", 1)).unwrap();
    let e3 = l.append(tag(1, "empty", 0)).unwrap();
    assert_eq!(e1.event.seq, 1);
    assert_eq!(e1.event.prev, Hash::ZERO);
    assert_eq!(e2.event.prev, e1.hash);
    assert_eq!(e3.event.prev, e2.hash);
    assert_eq!(e1.hash, l.format().event_hash(&e1.event).unwrap());
    assert_eq!(l.head(), Some((3, e3.hash)));
    assert_eq!(l.id(), Some(e1.hash));
    assert_eq!(
        e1.event.fingerprint,
        l.format().fingerprint(&schema).unwrap()
    );
    assert_eq!(e3.event.fingerprint, e1.event.fingerprint);
    assert_eq!(l.schema_at(3).unwrap(), schema);
    assert_eq!(l.schema_at(0).unwrap(), Schema::default());

    assert_eq!(l.event(2).unwrap().unwrap(), e2);
    assert_eq!(l.event(4).unwrap(), None);
    assert_eq!(l.event_by_hash(&e3.hash).unwrap().unwrap(), e3);
    assert_eq!(l.event_by_hash(&Hash([9; 32])).unwrap(), None);

    let oldest: Vec<u64> = l.events_from(1).map(|e| e.unwrap().event.seq).collect();
    assert_eq!(oldest, [1, 2, 3]);
    let from2: Vec<u64> = l.events_from(2).map(|e| e.unwrap().event.seq).collect();
    assert_eq!(from2, [2, 3]);
    let newest: Vec<u64> = l
        .events_newest_first()
        .map(|e| e.unwrap().event.seq)
        .collect();
    assert_eq!(newest, [3, 2, 1]);
    let back: Vec<u64> = l
        .events_back_from(2)
        .map(|e| e.unwrap().event.seq)
        .collect();
    assert_eq!(back, [2, 1]);

    let tags = l.tags().unwrap();
    assert_eq!(
        tags,
        [
            Tag {
                name: "adopted".into(),
                target: 1,
                seq: 2
            },
            Tag {
                name: "empty".into(),
                target: 0,
                seq: 3
            }
        ]
    );
    assert_eq!(report_ok(&l, true).tags, 2);

    // Everything survives a reopen.
    drop(l);
    let l = reopen(&dir.path().join("ledger"));
    assert_eq!(l.head(), Some((3, e3.hash)));
    assert_eq!(l.id(), Some(e1.hash));
    assert_eq!(l.tags().unwrap(), tags);
    assert_eq!(l.schema_at(3).unwrap(), schema);
    let e4 = l.append(tag(2, "later", 3)).unwrap();
    assert_eq!(e4.event.prev, e3.hash);
}

#[test]
fn changes_project_onto_head() {
    let (_dir, l) = small_ledger();
    let s = l.schema_at(5).unwrap();
    let users = s.table(strata_dialect::sqlite::RULES, "users").unwrap();
    assert_eq!(
        users
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["id", "name", "email"]
    );
    assert!(s.table(strata_dialect::sqlite::RULES, "posts").is_some());
    assert!(l
        .schema_at(1)
        .unwrap()
        .table(strata_dialect::sqlite::RULES, "users")
        .unwrap()
        .column(strata_dialect::sqlite::RULES, "email")
        .is_none());
    assert_eq!(l.schema_at(3).unwrap(), l.schema_at(2).unwrap());
    for n in 0..=5 {
        assert_eq!(l.schema_at(n).unwrap(), replay(&l, n), "at {n}");
        let fp = l.event(n).unwrap().map(|e| e.event.fingerprint);
        if let Some(fp) = fp {
            assert_eq!(
                l.format().fingerprint(&l.schema_at(n).unwrap()).unwrap(),
                fp
            );
        }
    }
    let e = l.schema_at(6).unwrap_err();
    assert_eq!(
        e.to_string(),
        "there is no event 6: the ledger's head is event 5"
    );
}

#[test]
fn prepare_writes_nothing_and_commit_appends_it() {
    let (_dir, l) = small_ledger();
    let p = l
        .prepare(change(5, "tags", vec![create("tags", &["id"])]))
        .unwrap();
    assert_eq!(p.event().seq, 6);
    assert_eq!(p.hash(), l.format().hash_event_bytes(p.bytes()));
    assert!(p
        .schema()
        .table(strata_dialect::sqlite::RULES, "tags")
        .is_some());
    assert_eq!(l.head_seq(), 5);
    assert_eq!(l.event(6).unwrap(), None);
    let entry = l.commit(p.clone()).unwrap();
    assert_eq!(entry.hash, p.hash());
    assert_eq!(l.head(), Some((6, p.hash())));
    // A prepared event goes stale once head moves.
    let e = l.commit(p).unwrap_err();
    assert!(matches!(e, LedgerError::Conflict), "{e:?}");
    assert_eq!(l.head_seq(), 6);
    report_ok(&l, true);
}

#[test]
fn a_run_of_unflushed_appends_is_the_chain_appends_make() {
    let (dir, flushed) = small_ledger();
    let other = Ledger::init(dir.path().join("unflushed")).unwrap();
    for e in flushed.events_from(1) {
        let e = e.unwrap().event;
        let draft = Draft {
            at: Some(e.at),
            author: e.author,
            message: e.message,
            body: e.body,
        };
        other.append_unflushed(draft).unwrap();
    }
    other.flush().unwrap();
    assert_eq!(other.head(), flushed.head());
    // A refusal is the same as append's, and writes nothing.
    let e = other
        .append_unflushed(change(5, "again", vec![create("users", &["id"])]))
        .unwrap_err();
    assert!(matches!(e, LedgerError::DoesNotFit { .. }), "{e:?}");
    let path = other.dir().to_path_buf();
    drop(other);
    let reopened = Ledger::open(path).unwrap();
    assert_eq!(reopened.head(), flushed.head());
    report_ok(&reopened, true);
}

/// Append `draft`, expect it refused, and check that nothing was written.
fn refused(l: &Ledger, draft: Draft) -> LedgerError {
    let head = l.head();
    let counts = (
        l.events.len(),
        l.hashes.len(),
        l.tags.len(),
        l.snapshots.len(),
    );
    let prepared = l.prepare(draft.clone());
    let e = l.append(draft).unwrap_err();
    assert_eq!(
        prepared.unwrap_err().to_string(),
        e.to_string(),
        "prepare and append agree"
    );
    assert_eq!(l.head(), head, "head moved after: {e}");
    assert_eq!(
        (
            l.events.len(),
            l.hashes.len(),
            l.tags.len(),
            l.snapshots.len()
        ),
        counts,
        "something was written after: {e}"
    );
    assert_eq!(
        l.meta.get(META_HEAD_SEQ).unwrap().unwrap().as_ref(),
        seq_key(head.map_or(0, |h| h.0))
    );
    e
}

#[test]
fn an_op_that_does_not_fit_is_never_appended() {
    let (_dir, l) = small_ledger();
    let e = refused(
        &l,
        change(
            9,
            "bad",
            vec![
                create("tags", &["id"]),
                add_column("nope", "x", 0),
                create("more", &["id"]),
            ],
        ),
    );
    match &e {
        LedgerError::DoesNotFit {
            index,
            kind,
            head,
            error,
        } => {
            assert_eq!(*index, 1);
            assert_eq!(*kind, "add_column");
            assert_eq!(*head, 5);
            assert_eq!(*error, ProjectError::NoSuchTable("nope".into()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "op 1 (add_column) does not fit the schema at event 5: no table named nope"
    );
    let e = refused(&l, change(9, "again", vec![create("users", &["id"])]));
    assert!(e.to_string().contains("table users already exists"), "{e}");
    // The head schema in memory was not touched by the failures.
    assert_eq!(l.schema_at(5).unwrap(), replay(&l, 5));
    l.append(change(9, "fine", vec![create("tags", &["id"])]))
        .unwrap();
    report_ok(&l, true);
}

#[test]
fn every_other_rejection_writes_nothing() {
    let (_dir, l) = small_ledger();
    let mut d = change(9, "  ", vec![create("x", &["id"])]);
    assert!(matches!(refused(&l, d.clone()), LedgerError::EmptyMessage));
    d.message = String::new();
    let e = refused(&l, d);
    assert_eq!(e.to_string(), "the message is empty");
    assert_eq!(e.help().as_deref(), Some("say what the event does"));
    let e = refused(&l, change(9, "nothing", vec![]));
    assert_eq!(e.to_string(), "a change needs at least one op");
    let revert = |of: Vec<u64>| Draft {
        at: at(9),
        author: "ada".into(),
        message: "undo".into(),
        body: Body::Revert { of, ops: vec![] },
    };
    let e = refused(&l, revert(vec![]));
    assert_eq!(e.to_string(), "a revert names no events to revert");
    let e = refused(&l, revert(vec![2, 6]));
    assert_eq!(
        e.to_string(),
        "cannot revert event 6: the ledger's head is event 5"
    );
    let e = refused(&l, revert(vec![0]));
    assert!(matches!(e, LedgerError::RevertTarget { seq: 0, .. }));
    // Tags.
    let e = refused(&l, tag(9, "v1", 5));
    assert_eq!(e.to_string(), "tag v1 already exists (it names event 2)");
    assert_eq!(e.help().as_deref(), Some("choose another name"));
    let e = refused(&l, tag(9, "v3", 6));
    assert_eq!(
        e.to_string(),
        "cannot tag event 6: the ledger's head is event 5"
    );
    for bad in ["", "42", "head", "head~1", "@x", "a~b", "a b", "deadbeef"] {
        let e = refused(&l, tag(9, bad, 1));
        assert!(matches!(e, LedgerError::TagName(_)), "{bad:?}: {e:?}");
        assert!(e.to_string().contains("cannot be a tag name"), "{e}");
    }
    // A revert that fits is appended.
    let ops = vec![Op::DropTable {
        table: table("posts", &["id", "body"]),
    }];
    let e = l
        .append(Draft {
            at: at(9),
            author: "ada".into(),
            message: "undo posts".into(),
            body: Body::Revert { of: vec![4], ops },
        })
        .unwrap();
    assert_eq!(e.event.body.kind(), "revert");
    assert!(l
        .schema_at(6)
        .unwrap()
        .table(strata_dialect::sqlite::RULES, "posts")
        .is_none());
    report_ok(&l, true);
}

#[test]
fn times_never_decrease() {
    let (_dir, l) = new_ledger();
    l.append(tag(10, "a", 0)).unwrap();
    let e = refused(&l, tag(9, "b", 0));
    assert_eq!(
        e.to_string(),
        "time 2026-11-25T10:09:00Z is earlier than event 1's (2026-11-25T10:10:00Z): \
         times never decrease along the ledger"
    );
    assert_eq!(e.help().as_deref(), Some("give a time at or after it"));
    // The same time is fine.
    l.append(tag(10, "b", 0)).unwrap();
    // A missing time is now...
    let (_dir2, past) = new_ledger();
    past.append(Draft {
        at: Some(Timestamp(0)),
        ..tag(0, "c", 0)
    })
    .unwrap();
    let before = Timestamp::now();
    let e = past
        .append(Draft {
            at: None,
            ..tag(0, "d", 0)
        })
        .unwrap();
    assert!(e.event.at >= before && e.event.at <= Timestamp::now());
    // ...or head's time when head is in the future.
    let future = Timestamp(Timestamp::now().0.max(T0 + 10 * MINUTE) + 60 * MINUTE);
    l.append(Draft {
        at: Some(future),
        ..tag(0, "d", 0)
    })
    .unwrap();
    let e = l
        .append(Draft {
            at: None,
            ..tag(0, "e", 0)
        })
        .unwrap();
    assert_eq!(e.event.at, future);
    report_ok(&l, false);
}

// ---- points ----

#[test]
fn every_point_resolves() {
    let (_dir, l) = small_ledger();
    let r = |s: &str| l.resolve(&Point::parse(s).unwrap()).unwrap();
    assert_eq!(r("0"), 0);
    assert_eq!(r("3"), 3);
    assert_eq!(r("5"), 5);
    assert_eq!(r("head"), 5);
    assert_eq!(r("head~0"), 5);
    assert_eq!(r("head~2"), 3);
    assert_eq!(r("head~5"), 0);
    assert_eq!(r("v1"), 2);
    assert_eq!(r("v2"), 4);
    for seq in 1..=5 {
        let h = l.event(seq).unwrap().unwrap().hash.to_string();
        // A prefix long enough to be unique among five events.
        assert_eq!(r(&h[..12]), seq);
        assert_eq!(r(&h[..13]), seq, "odd length");
        assert_eq!(r(&h), seq);
        assert_eq!(r(&h[..12].to_uppercase()), seq);
    }
    // Times: events 1..5 are at minutes 0..4.
    assert_eq!(r("@2026-11-25T10:00:00Z"), 1);
    assert_eq!(r("@2026-11-25T10:00:59Z"), 1);
    assert_eq!(r("@2026-11-25T10:02:00Z"), 3);
    assert_eq!(r("@2026-11-25T11:02:30+01:00"), 3);
    assert_eq!(r("@2026-11-25T10:04:00Z"), 5);
    assert_eq!(r("@2030-01-01T00:00:00Z"), 5);
}

#[test]
fn time_points_take_the_last_of_equal_times() {
    let (_dir, l) = new_ledger();
    for (i, m) in [0, 1, 1, 1, 2, 2, 5].iter().enumerate() {
        l.append(tag(*m, &format!("t{i}"), 0)).unwrap();
    }
    let r = |m: i64| l.resolve(&Point::Time(at(m).unwrap())).unwrap();
    assert_eq!(r(0), 1);
    assert_eq!(r(1), 4);
    assert_eq!(r(2), 6);
    assert_eq!(r(3), 6);
    assert_eq!(r(4), 6);
    assert_eq!(r(5), 7);
}

#[test]
fn every_point_error_says_what_exists() {
    let (dir, l) = small_ledger();
    let r = |s: &str| {
        l.resolve(&Point::parse(s).unwrap())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(r("6"), "there is no event 6: the ledger's head is event 5");
    assert_eq!(
        r("head~6"),
        "head~6 is before the first event: the ledger has 5 events, so head~5 is the empty schema"
    );
    assert_eq!(r("v3"), "no tag named v3: the tags are v1, v2");
    assert_eq!(r("abcdef0123"), "no event's hash starts with abcdef0123");
    assert_eq!(
        r("@2026-11-25T09:59:59Z"),
        "no event at or before 2026-11-25T09:59:59Z: the first event is at 2026-11-25T10:00:00Z"
    );
    drop(l);
    let _ = dir;

    let (_dir, empty) = new_ledger();
    let r = |s: &str| {
        empty
            .resolve(&Point::parse(s).unwrap())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(empty.resolve(&Point::Seq(0)).unwrap(), 0);
    assert_eq!(empty.resolve(&Point::Head { back: 0 }).unwrap(), 0);
    assert_eq!(r("1"), "there is no event 1: the ledger is empty");
    assert_eq!(
        r("head~1"),
        "head~1 is before the first event: the ledger has 0 events, so head~0 is the empty schema"
    );
    assert_eq!(r("v1"), "no tag named v1: the ledger has no tags");
    assert_eq!(
        r("@2026-11-25T10:00:00Z"),
        "no event at or before 2026-11-25T10:00:00Z: the ledger is empty"
    );
}

#[test]
fn an_ambiguous_hash_prefix_lists_the_candidates() {
    let (_dir, l) = new_ledger();
    // Append until two hashes share their first hex digit... and more: find
    // a pair sharing the first two bytes by brute force over tag events.
    let mut seen: std::collections::HashMap<[u8; 1], u64> = Default::default();
    let mut pair = None;
    for i in 0.. {
        let e = l.append(tag(0, &format!("t{i}"), 0)).unwrap();
        if let Some(other) = seen.insert([e.hash.0[0]], e.event.seq) {
            pair = Some((other, e.event.seq, e.hash));
            break;
        }
    }
    let (a, b, hash) = pair.unwrap();
    // Fake the rest of an 8-digit prefix: plant index entries that share
    // the prefix with event b's hash, as a collision would.
    let mut fake = hash.0;
    fake[31] ^= 1;
    l.hashes.insert(fake, &seq_key(a)).unwrap();
    let prefix = hash.short(8);
    let e = l.resolve(&Point::parse(&prefix).unwrap()).unwrap_err();
    match &e {
        LedgerError::AmbiguousHash { candidates, .. } => {
            assert_eq!(candidates.len(), 2);
            assert!(candidates.contains(&(b, hash)));
        }
        other => panic!("{other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("hash prefix {prefix} is ambiguous: event ")),
        "{msg}"
    );
    assert_eq!(e.help().as_deref(), Some("give more characters"));
    // The full hash is not ambiguous.
    assert_eq!(
        l.resolve(&Point::parse(&hash.to_string()).unwrap())
            .unwrap(),
        b
    );
    // Odd prefixes filter on the final nibble: 7 bytes and a nibble.
    let odd = &hash.to_string()[..15];
    assert!(l.find_hash_prefix(odd).unwrap().contains(&(b, hash)));
    // And verify notices the planted entry.
    assert_eq!(broken(&l, false).seq, None);
}

// ---- snapshots and schema_at ----

/// A ledger of `n` workload events (one op each), snapshots every `k`.
fn workload_ledger(n: usize, k: u64, seed: u64) -> (tempfile::TempDir, Ledger) {
    let (dir, mut l) = new_ledger();
    l.set_snapshot_every(k);
    let mut w = Workload::new(8, 6);
    let mut rng = crate::workload::Rng(seed);
    let mut schema = Schema::default();
    for i in 0..n {
        let op = w.next_op(&schema, rng.next_u64());
        project(RULES, &mut schema, &op).unwrap();
        l.append(change(i as i64, "step", vec![op])).unwrap();
    }
    (dir, l)
}

/// The events the ledger keeps a snapshot of, in order.
fn snapshot_keys(l: &Ledger) -> Vec<u64> {
    l.snapshots
        .iter()
        .map(|kv| u64::from_be_bytes(kv.unwrap().0.as_ref().try_into().unwrap()))
        .collect()
}

#[test]
fn snapshots_every_k_events() {
    let (dir, l) = workload_ledger(23, 5, 7);
    let keys = snapshot_keys(&l);
    assert_eq!(keys, [5, 10, 15, 20]);
    for k in &keys {
        let bytes = l.snapshots.get(seq_key(*k)).unwrap().unwrap();
        let s: Schema = decode(&bytes).unwrap();
        assert_eq!(s, replay(&l, *k));
    }
    assert_eq!(report_ok(&l, true).snapshots, 4);
    drop(l);
    // A fresh handle (no cached schema) answers from snapshots.
    let l = reopen(&dir.path().join("ledger"));
    for n in 0..=23 {
        assert_eq!(l.schema_at(n).unwrap(), replay(&l, n), "at {n}");
    }
}

#[test]
fn a_damaged_snapshot_is_an_error_not_a_wrong_schema() {
    let (_dir, l) = workload_ledger(12, 5, 3);
    let mut other = Schema::default();
    other.tables.insert("x".into(), table("x", &["y"]));
    l.snapshots
        .compact
        .insert(
            seq_key(10),
            crate::snapshot::compress(&encode(&other).unwrap(), None),
        )
        .unwrap();
    let e = l.schema_at(11).unwrap_err();
    assert!(
        matches!(e, LedgerError::Damaged { seq: Some(10), .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("snapshot"), "{e}");
    // Plain verify does not read snapshots; deep verify does.
    report_ok(&l, false);
    let p = broken(&l, true);
    assert_eq!(p.seq, Some(10));
    assert!(p.reason.contains("snapshot"), "{p}");
}

/// Snapshots are stored compact: a full one, then deltas against the one
/// before, at most `CHAIN` of them before the next full one; each is
/// smaller than its schema and rebuilds it.
#[test]
fn snapshots_are_stored_compact() {
    use crate::snapshot::{depth, CHAIN, DELTA, FULL};
    let every = u64::from(CHAIN) + 1;
    let (dir, l) = workload_ledger(60, 4, 5);
    assert_eq!(l.snapshots.full.len(), 0);
    let stored: Vec<(u64, Vec<u8>)> = l
        .snapshots
        .compact
        .iter()
        .map(|kv| {
            let (k, v) = kv.unwrap();
            (
                u64::from_be_bytes(k.as_ref().try_into().unwrap()),
                v.to_vec(),
            )
        })
        .collect();
    assert_eq!(stored.len(), 15);
    for (i, (seq, v)) in stored.iter().enumerate() {
        assert_eq!(*seq, 4 * (i as u64 + 1));
        let d = (i as u64 % every) as u8;
        assert_eq!(
            (v[0], depth(v)),
            (if d == 0 { FULL } else { DELTA }, d),
            "at {seq}"
        );
        let bytes = l.snapshots.bytes(*seq).unwrap().unwrap().unwrap();
        assert_eq!(decode::<Schema>(&bytes).unwrap(), replay(&l, *seq));
        assert!(v.len() < bytes.len(), "{} < {}", v.len(), bytes.len());
    }
    drop(l);
    // A fresh handle rebuilds every one, in any order.
    let l = reopen(&dir.path().join("ledger"));
    for n in (0..=60).rev() {
        assert_eq!(l.schema_at(n).unwrap(), replay(&l, n), "at {n}");
    }
    assert_eq!(report_ok(&l, true).snapshots, 15);
}

/// A store written before compact snapshots keeps its full ones in
/// `snapshots`: they are read (alone, and beside compact ones written
/// since, which may be deltas against them), verified, and copied into
/// the journal as they are.
#[test]
fn full_snapshots_of_an_older_store_are_still_read() {
    let (dir, l) = workload_ledger(23, 5, 7);
    // Turn the snapshots at 5 and 15 into full ones, as an older strata
    // wrote them.
    for k in [5u64, 15] {
        let bytes = l.snapshots.bytes(k).unwrap().unwrap().unwrap();
        l.snapshots.compact.remove(seq_key(k)).unwrap().unwrap();
        l.snapshots.full.insert(seq_key(k), bytes).unwrap();
    }
    l.snapshots.forget();
    let keys = snapshot_keys(&l);
    assert_eq!(keys, [5, 10, 15, 20]);
    assert_eq!(report_ok(&l, true).snapshots, 4);
    drop(l);
    let mut l = reopen(&dir.path().join("ledger"));
    l.set_snapshot_every(5);
    for n in (0..=23).rev() {
        assert_eq!(l.schema_at(n).unwrap(), replay(&l, n), "at {n}");
    }
    // New snapshots are compact, the first a delta against the full one.
    let mut w = Workload::new(8, 6).naming_from(1000);
    let mut schema = l.schema_at(23).unwrap();
    for i in 0..7 {
        let op = w.next_op(&schema, i * 7919);
        project(RULES, &mut schema, &op).unwrap();
        l.append(change(100 + i as i64, "more", vec![op])).unwrap();
    }
    assert_eq!(l.snapshots.full.len(), 2);
    let stored = l.snapshots.compact.get(seq_key(25)).unwrap().unwrap();
    assert_eq!(stored[0], crate::snapshot::DELTA);
    assert_eq!(&stored[1..9], &seq_key(20));
    // A rebuilt journal carries all five, and readers use them.
    drop(l);
    std::fs::remove_file(dir.path().join("ledger").join(crate::JOURNAL_FILE)).unwrap();
    drop(reopen(&dir.path().join("ledger")));
    let r = Ledger::open(dir.path().join("ledger")).unwrap();
    assert!(r.reads_journal());
    assert_eq!(report_ok(&r, true).snapshots, 6);
    for n in 0..=30 {
        assert_eq!(r.schema_at(n).unwrap(), replay(&r, n), "at {n}");
    }
}

/// `compact_snapshots` turns an older store's full snapshots (and any
/// compact ones) into one chain of the compact form, leaving a damaged
/// one as it is.
#[test]
fn compact_snapshots_rewrites_an_older_store() {
    let (dir, l) = workload_ledger(50, 5, 9);
    for k in (5..=50).step_by(5) {
        let bytes = l.snapshots.bytes(k).unwrap().unwrap().unwrap();
        l.snapshots.compact.remove(seq_key(k)).unwrap().unwrap();
        l.snapshots.full.insert(seq_key(k), bytes).unwrap();
    }
    // One damaged: it stays where it is.
    let mut other = Schema::default();
    other.tables.insert("x".into(), table("x", &["y"]));
    l.snapshots
        .full
        .insert(seq_key(35), encode(&other).unwrap())
        .unwrap();
    l.snapshots.forget();
    let r = l.compact_snapshots().unwrap();
    assert_eq!((r.rewritten, r.left), (9, 1));
    assert!(r.after * 2 < r.before, "{r:?}");
    let full: Vec<u64> = l
        .snapshots
        .full
        .iter()
        .keys()
        .map(|k| u64::from_be_bytes(k.unwrap().as_ref().try_into().unwrap()))
        .collect();
    assert_eq!(full, [35]);
    let depths: Vec<u8> = l
        .snapshots
        .compact
        .iter()
        .values()
        .map(|v| crate::snapshot::depth(&v.unwrap()))
        .collect();
    assert_eq!(depths, [0, 1, 2, 3, 4, 5, 6, 7, 0]);
    drop(l);
    let l = reopen(&dir.path().join("ledger"));
    for n in (0..=50).filter(|n| !(35..40).contains(n)) {
        assert_eq!(l.schema_at(n).unwrap(), replay(&l, n), "at {n}");
    }
    assert_eq!(broken(&l, true).seq, Some(35));
}

/// A compact snapshot that does not decompress, is stored in a form
/// strata does not know, or is a delta whose base is gone or malformed is
/// damage: schema_at says so, deep verify finds it.
#[test]
fn a_snapshot_that_cannot_be_rebuilt_is_damage() {
    use crate::snapshot::{DELTA, FULL};
    let mut bad_delta = vec![DELTA];
    bad_delta.extend_from_slice(&seq_key(5));
    bad_delta.push(1);
    bad_delta.extend(miniz_oxide::deflate::compress_to_vec(
        &[1, 0, 0xff, 0xff, 0x7f],
        6,
    ));
    let mut late_base = vec![DELTA];
    late_base.extend_from_slice(&seq_key(10));
    late_base.push(1);
    late_base.extend(miniz_oxide::deflate::compress_to_vec(&[], 6));
    let cases: [(&str, Option<Vec<u8>>); 6] = [
        ("does not decompress", Some(vec![FULL, 0xff, 0x00, 0x13])),
        ("form this strata does not know", Some(vec![9, 1, 2, 3])),
        ("is empty", Some(vec![])),
        ("delta is malformed", Some(bad_delta)),
        ("names no earlier base", Some(late_base)),
        // The snapshot at 10 is a delta against the one at 5, removed.
        ("which is gone", None),
    ];
    for (what, bytes) in cases {
        let (_dir, l) = workload_ledger(12, 5, 3);
        match bytes {
            Some(bytes) => l.snapshots.compact.insert(seq_key(10), bytes).unwrap(),
            None => l.snapshots.compact.remove(seq_key(5)).unwrap(),
        };
        l.snapshots.forget();
        let e = l.schema_at(11).unwrap_err();
        assert!(
            matches!(e, LedgerError::Damaged { seq: Some(10), .. }),
            "{what}: {e:?}"
        );
        assert!(e.to_string().contains(what), "{e}");
        report_ok(&l, false);
        let p = broken(&l, true);
        assert_eq!(p.seq, Some(10), "{what}");
        assert!(p.reason.contains("snapshot"), "{p}");
    }
    // A stored snapshot cut short, at every length.
    let (_dir, l) = workload_ledger(12, 5, 3);
    let whole = l.snapshots.compact.get(seq_key(10)).unwrap().unwrap();
    for n in 0..whole.len() {
        l.snapshots
            .compact
            .insert(seq_key(10), &whole[..n])
            .unwrap();
        l.snapshots.forget();
        let e = l.schema_at(11).unwrap_err();
        assert!(
            matches!(e, LedgerError::Damaged { seq: Some(10), .. }),
            "cut at {n}: {e:?}"
        );
    }
}

// ---- verify ----

#[test]
fn verify_counts_what_it_checked() {
    let (_dir, l) = workload_ledger(12, 5, 11);
    l.append(tag(100, "v1", 3)).unwrap();
    let s = report_ok(&l, false);
    assert_eq!(
        (s.deep, s.events, s.head, s.tags, s.snapshots),
        (false, 13, l.head(), 1, 0)
    );
    let s = report_ok(&l, true);
    assert_eq!((s.deep, s.events, s.tags, s.snapshots), (true, 13, 1, 2));
}

#[test]
fn verify_finds_each_kind_of_damage() {
    // A missing event.
    let (_dir, l) = small_ledger();
    l.events.remove(seq_key(3)).unwrap();
    let p = broken(&l, false);
    assert_eq!(p.seq, Some(3));
    assert_eq!(
        p.to_string(),
        "event 3: it is missing: the next stored event is 4"
    );

    // A missing hash index entry.
    let (_dir, l) = small_ledger();
    let h = l.event(2).unwrap().unwrap().hash;
    l.hashes.remove(h.as_bytes()).unwrap();
    assert_eq!(broken(&l, false).seq, Some(2));

    // An extra hash index entry.
    let (_dir, l) = small_ledger();
    l.hashes.insert([1u8; 32], &seq_key(2)).unwrap();
    let p = broken(&l, false);
    assert_eq!(p.seq, None);
    assert_eq!(p.reason, "the hash index has 6 entries for 5 events");

    // A head record that is behind.
    let (_dir, l) = small_ledger();
    l.meta.insert(META_HEAD_SEQ, &seq_key(4)).unwrap();
    let p = broken(&l, false);
    assert_eq!(p.seq, None);
    assert!(p.reason.starts_with("the head record says event 4"), "{p}");

    // A lost tag.
    let (_dir, l) = small_ledger();
    l.tags.remove("v2").unwrap();
    let p = broken(&l, false);
    assert_eq!(p.seq, Some(5));
    assert!(p.reason.contains("tag v2"), "{p}");

    // A stray tag.
    let (_dir, l) = small_ledger();
    l.tags.insert("v9", &tag_value(1, 2)).unwrap();
    assert_eq!(
        broken(&l, false).reason,
        "the tag index has 3 entries for 2 tag events"
    );

    // A snapshot beyond head.
    let (_dir, l) = small_ledger();
    l.snapshots
        .compact
        .insert(
            seq_key(9),
            crate::snapshot::compress(&encode(&Schema::default()).unwrap(), None),
        )
        .unwrap();
    assert!(broken(&l, false).reason.contains("snapshot"));
}

/// Rewrite event `seq` as `f` changes it, with its hash index entry, so only
/// deep checks can tell.
fn rewrite(l: &Ledger, seq: u64, f: impl FnOnce(&mut Event)) {
    let old = l.event(seq).unwrap().unwrap();
    let mut e = old.event.clone();
    f(&mut e);
    let bytes = encode(&e).unwrap();
    l.events.insert(seq_key(seq), bytes.clone()).unwrap();
    l.hashes.remove(old.hash.as_bytes()).unwrap();
    l.hashes
        .insert(
            l.format().hash_event_bytes(&bytes).as_bytes(),
            &seq_key(seq),
        )
        .unwrap();
}

#[test]
fn deep_verify_finds_wrong_fingerprints_and_ops() {
    // A wrong fingerprint on the last event (so no link breaks).
    let (_dir, l) = small_ledger();
    rewrite(&l, 5, |e| e.fingerprint = Hash([3; 32]));
    l.meta
        .insert(b"head_hash", l.event(5).unwrap().unwrap().hash.as_bytes())
        .unwrap();
    report_ok(&l, false);
    let p = broken(&l, true);
    assert_eq!(p.seq, Some(5));
    assert!(p.reason.starts_with("its fingerprint"), "{p}");

    // An op that does not replay.
    let (_dir, l) = small_ledger();
    rewrite(&l, 5, |e| {
        e.body = Body::Change {
            ops: vec![add_column("nope", "x", 0)],
            revert_sql: None,
        }
    });
    l.tags.remove("v2").unwrap();
    l.meta
        .insert(b"head_hash", l.event(5).unwrap().unwrap().hash.as_bytes())
        .unwrap();
    report_ok(&l, false);
    let p = broken(&l, true);
    assert_eq!(p.seq, Some(5));
    assert!(p.reason.contains("no table named nope"), "{p}");
}

// ---- properties ----

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    }
}

/// Opens the ledger at `dir` again right after a handle to it was dropped:
/// sled's flusher thread lets the store go a moment later, so a busy store
/// is waited for (as the binary's `--wait` does), a few seconds at most.
fn reopen(dir: &std::path::Path) -> Ledger {
    open_when_free(dir).expect("reopen the ledger")
}

/// `Ledger::open_to_write` once the handle this process dropped has let
/// the store go: sled's flusher thread holds it a moment after the drop,
/// and a store still held is "in use".
fn open_when_free(dir: impl AsRef<std::path::Path>) -> Result<Ledger, LedgerError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match Ledger::open_to_write(dir.as_ref()) {
            Err(LedgerError::InUse { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    /// schema_at(n) is the fold of project over the first n events, from a
    /// fresh handle (snapshots) and from the appending one.
    #[test]
    fn schema_at_is_the_fold_of_project(
        choices in prop::collection::vec(any::<u64>(), 1..40),
        k in 1u64..8,
    ) {
        let (dir, mut l) = new_ledger();
        l.set_snapshot_every(k);
        let mut w = Workload::new(5, 5);
        let mut schema = Schema::default();
        let mut schemas = vec![schema.clone()];
        for (i, c) in choices.iter().enumerate() {
            let op = w.next_op(&schema, *c);
            project(RULES, &mut schema, &op).unwrap();
            l.append(change(i as i64, "step", vec![op])).unwrap();
            schemas.push(schema.clone());
        }
        for (n, s) in schemas.iter().enumerate() {
            prop_assert_eq!(&l.schema_at(n as u64).unwrap(), s);
        }
        prop_assert!(l.verify(true).unwrap().is_ok());
        drop(l);
        let l = reopen(&dir.path().join("ledger"));
        for (n, s) in schemas.iter().enumerate() {
            prop_assert_eq!(&l.schema_at(n as u64).unwrap(), s);
        }
    }

    /// Changing any one byte of any stored event makes verify report that
    /// event, or an earlier one.
    #[test]
    fn any_changed_byte_fails_verify(
        choices in prop::collection::vec(any::<u64>(), 1..12),
        which in any::<prop::sample::Index>(),
        byte in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let (_dir, l) = new_ledger();
        let mut w = Workload::new(4, 4);
        let mut schema = Schema::default();
        for (i, c) in choices.iter().enumerate() {
            let op = w.next_op(&schema, *c);
            project(RULES, &mut schema, &op).unwrap();
            l.append(change(i as i64, "step", vec![op])).unwrap();
        }
        let seq = which.index(choices.len()) as u64 + 1;
        let mut bytes = l.events.get(seq_key(seq)).unwrap().unwrap().to_vec();
        let at = byte.index(bytes.len());
        bytes[at] ^= xor;
        l.events.insert(seq_key(seq), bytes).unwrap();
        for deep in [false, true] {
            match l.verify(deep).unwrap() {
                VerifyReport::Broken(p) => {
                    prop_assert!(p.seq.is_some_and(|s| s <= seq), "{} for event {}", p, seq);
                }
                VerifyReport::Ok(_) => prop_assert!(false, "byte {} of event {} changed unnoticed", at, seq),
            }
        }
    }
}

#[test]
fn a_ledger_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Ledger>();
    shared::<Prepared>();
    shared::<LedgerError>();
}

// ---- revert ----

/// A ledger of random changes of one to three ops each; returns the schema
/// after every event (index = seq).
fn random_history(l: &Ledger, choices: &[u64]) -> Vec<Schema> {
    let mut w = Workload::new(4, 4);
    let mut schema = Schema::default();
    let mut schemas = vec![schema.clone()];
    for (i, chunk) in choices.chunks(3).enumerate() {
        let take = 1 + (chunk[0] % chunk.len() as u64) as usize;
        let mut ops = Vec::new();
        for c in &chunk[..take] {
            let op = w.next_op(&schema, *c);
            project(RULES, &mut schema, &op).unwrap();
            ops.push(op);
        }
        l.append(change(i as i64, "step", ops)).unwrap();
        schemas.push(schema.clone());
    }
    schemas
}

fn revert(minutes: i64, body: Body) -> Draft {
    Draft {
        at: at(minutes),
        author: "tester".into(),
        message: "revert".into(),
        body,
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    /// revert --to P gives the schema at P; reverting that revert gives
    /// back the schema before it.
    #[test]
    fn revert_to_any_point_and_back(
        choices in prop::collection::vec(any::<u64>(), 3..45),
        point in any::<prop::sample::Index>(),
    ) {
        let (_dir, l) = new_ledger();
        let schemas = random_history(&l, &choices);
        let head = l.head_seq();
        let p = point.index(head as usize) as u64;
        let body = l.revert_to_body(p).unwrap();
        l.append(revert(1000, body)).unwrap();
        prop_assert_eq!(&l.schema_at(head + 1).unwrap(), &schemas[p as usize]);
        let redo = l.revert_body(head + 1, false).unwrap();
        l.append(revert(1001, redo)).unwrap();
        prop_assert_eq!(&l.schema_at(head + 2).unwrap(), &schemas[head as usize]);
        prop_assert!(l.verify(true).unwrap().is_ok());
    }

    /// Any one event can be reverted with --cascade; without it, the revert
    /// either fits alone or names only later events.
    #[test]
    fn any_event_reverts_with_cascade(
        choices in prop::collection::vec(any::<u64>(), 3..45),
        which in any::<prop::sample::Index>(),
    ) {
        let (_dir, l) = new_ledger();
        random_history(&l, &choices);
        let head = l.head_seq();
        let seq = which.index(head as usize) as u64 + 1;
        match l.revert_body(seq, false) {
            Ok(Body::Revert { of, .. }) => prop_assert_eq!(of, vec![seq]),
            Ok(other) => prop_assert!(false, "not a revert: {:?}", other),
            Err(LedgerError::RevertDependents { dependents, .. }) => {
                prop_assert!(!dependents.is_empty());
                prop_assert!(dependents.iter().all(|(s, _)| *s > seq));
            }
            Err(e) => prop_assert!(false, "{}", e),
        }
        let body = l.revert_body(seq, true).unwrap();
        let of = match &body { Body::Revert { of, .. } => of.clone(), _ => vec![] };
        prop_assert!(of.contains(&seq));
        l.append(revert(1000, body)).unwrap();
        prop_assert!(l.verify(true).unwrap().is_ok());
    }
}

#[test]
fn a_data_step_is_reverted_by_the_revert_sql_or_refused() {
    let (_dir, l) = new_ledger();
    l.append(change(
        0,
        "t",
        vec![Op::CreateTable {
            table: table("t", &["a"]),
        }],
    ))
    .unwrap();
    let data = Op::Data {
        sql: "INSERT INTO t VALUES (1)".into(),
    };
    l.append(change(1, "seed", vec![data.clone()])).unwrap();
    match l.revert_body(2, false) {
        Err(LedgerError::DataStepWithoutRevert {
            seq,
            index,
            excerpt,
        }) => {
            assert_eq!((seq, index), (2, 0));
            assert_eq!(excerpt, "INSERT INTO t VALUES (1)");
        }
        other => panic!("{other:?}"),
    }
    l.append(Draft {
        at: at(2),
        author: "tester".into(),
        message: "seed with undo".into(),
        body: Body::Change {
            ops: vec![
                Op::AddColumn {
                    table: "t".into(),
                    column: Column::new("b", ""),
                    position: 1,
                },
                data,
            ],
            revert_sql: Some("DELETE FROM t WHERE a = 1".into()),
        },
    })
    .unwrap();
    let body = l.revert_body(3, false).unwrap();
    assert_eq!(
        body.ops()[0],
        Op::Data {
            sql: "DELETE FROM t WHERE a = 1".into()
        }
    );
    assert_eq!(body.ops()[1].kind(), "drop_column");
    l.append(revert(3, body)).unwrap();
    // Redo brings the original data step back, not the revert SQL.
    let redo = l.revert_body(4, false).unwrap();
    assert_eq!(redo.ops().len(), 2);
    assert_eq!(redo.ops()[1].kind(), "data");
    assert_eq!(
        redo.ops()[1],
        Op::Data {
            sql: "INSERT INTO t VALUES (1)".into()
        }
    );
}

#[test]
fn tags_are_not_reverted_and_baselines_are_by_derived_ops() {
    let (_dir, l) = new_ledger();
    let mut adopted = Schema::default();
    adopted
        .tables
        .insert("users".into(), table("users", &["id", "name"]));
    l.append(baseline(0, adopted.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    l.append(tag(1, "v1", 1)).unwrap();
    assert!(matches!(
        l.revert_body(2, true),
        Err(LedgerError::NotRevertible { .. })
    ));
    // The ops back to the schema before the baseline: none.
    let body = l.revert_body(1, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        body.ops(),
        [Op::DropTable {
            table: table("users", &["id", "name"])
        }]
    );
    // And the ops that carry a database through it: every object made.
    assert_eq!(
        l.baseline_ops(1).unwrap_or_else(|e| panic!("{e}")),
        [Op::CreateTable {
            table: table("users", &["id", "name"])
        }]
    );
}

/// A rebase that died between its two renames: the old store is kept, the
/// new one waits in `.rebase` with its marker. A reader writes nothing and
/// says so; the next writer finishes the swap.
#[test]
fn a_rebase_cut_short_between_its_renames_is_finished_by_the_next_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let l = Ledger::init(&path).unwrap();
    l.append(change(1, "users", vec![create("users", &["id"])]))
        .unwrap();
    drop(l);
    let build = path.join(crate::rebase::REBASE_DIR);
    let new = Ledger::init(&build).unwrap();
    new.append(change(1, "posts", vec![create("posts", &["id"])]))
        .unwrap();
    drop(new);
    // Without the marker, a build is unfinished and never used.
    let l = open_when_free(&path).unwrap();
    assert!(l.schema_at(1).unwrap().tables.contains_key("users"));
    drop(l);
    // With it, the rebase is done; a reader reads what is there, the store
    // still in place (the old history, whole).
    std::fs::write(build.join("ready"), b"store.before-rebase-x").unwrap();
    let l = Ledger::open(&path).unwrap();
    assert!(l.schema_at(1).unwrap().tables.contains_key("users"));
    drop(l);
    // Stopped after the old store went aside: a reader refuses, and moves
    // nothing; the next writer finishes it.
    std::fs::rename(path.join(STORE_DIR), path.join("store.before-rebase-x")).unwrap();
    let e = Ledger::open(&path).unwrap_err();
    assert!(e.to_string().contains("a rebase stopped"), "{e}");
    assert!(build.join(STORE_DIR).is_dir(), "a reader moves nothing");
    let l = open_when_free(&path).unwrap();
    assert!(!build.exists());
    assert!(l.schema_at(1).unwrap().tables.contains_key("posts"));
    assert!(path.join("store.before-rebase-x").is_dir());
    drop(l);
    // The journal moved with it: readers read the new history.
    let l = Ledger::open(&path).unwrap();
    assert!(l.schema_at(1).unwrap().tables.contains_key("posts"));
}
