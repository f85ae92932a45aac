//! Tests of the journal: readers get from it exactly what the store gives,
//! without its lock; an append cut short, a journal one event short, a
//! damaged, foreign, longer or symlinked journal, and a ledger made before
//! journals, each as the crash rules of `journal.rs` say.
// They build their ledgers in a store.
#![cfg(feature = "store")]

use std::path::{Path, PathBuf};

use strata_dialect::sqlite::RULES;
use strata_schema::{project, Column, Op, Schema, Table};

use crate::journal::JOURNAL_FILE;
use crate::workload::{Rng, Workload};
use crate::*;

fn at(minutes: i64) -> Option<Timestamp> {
    Some(Timestamp(1_795_600_000_000_000 + minutes * 60_000_000))
}

pub(crate) fn change(minutes: i64, op: Op) -> Draft {
    Draft {
        at: at(minutes),
        author: "ada".into(),
        message: format!("step {minutes}"),
        body: Body::Change {
            ops: vec![op],
            revert_sql: None,
        },
    }
}

pub(crate) fn tag(minutes: i64, name: &str, target: u64) -> Draft {
    Draft {
        at: at(minutes),
        author: "ada".into(),
        message: format!("tag {name}"),
        body: Body::Tag {
            name: name.into(),
            target,
        },
    }
}

/// A ledger of `n` workload events with a tag every 97th, snapshots every
/// `k`; the writer's handle is kept open.
fn ledger(n: u64, k: u64) -> (tempfile::TempDir, PathBuf, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let mut l = Ledger::init(&path).unwrap();
    l.set_snapshot_every(k);
    grow(&l, 1, n, 11);
    (dir, path, l)
}

/// Appends events `from` to `to` of the workload from `seed` on head, a
/// tag every 97th.
pub(crate) fn grow(l: &Ledger, from: u64, to: u64, seed: u64) {
    let mut w = Workload::new(6, 5);
    let mut rng = Rng(seed);
    let mut schema = l.schema_at(l.head_seq()).unwrap();
    for i in from..=to {
        if i % 97 == 0 {
            l.append(tag(i as i64, &format!("t{i}"), i / 2)).unwrap();
            continue;
        }
        let op = w.next_op(&schema, rng.next_u64());
        project(RULES, &mut schema, &op).unwrap();
        l.append(change(i as i64, op)).unwrap();
    }
}

pub(crate) fn journal(path: &Path) -> PathBuf {
    path.join(JOURNAL_FILE)
}

fn seqs(events: Events) -> Vec<u64> {
    events.map(|e| e.unwrap().event.seq).collect()
}

fn entries(events: Events) -> Vec<Entry> {
    events.map(|e| e.unwrap()).collect()
}

/// Reopen to write once the last handle's flusher has let the store go.
pub(crate) fn writer(path: &Path) -> Ledger {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match Ledger::open_to_write(path) {
            Err(LedgerError::InUse { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.unwrap(),
        }
    }
}

fn verified(l: &Ledger, deep: bool) -> VerifySummary {
    match l.verify(deep).unwrap() {
        VerifyReport::Ok(s) => s,
        VerifyReport::Broken(p) => panic!("verify found: {p}"),
    }
}

#[test]
fn a_reader_gets_from_the_journal_what_the_store_gives() {
    let (_dir, path, w) = ledger(700, 64);
    // The writer still holds the store: the reader does not need it.
    let r = Ledger::open(&path).unwrap();
    assert!(r.reads_journal() && !w.reads_journal());
    assert_eq!(r.head(), w.head());
    assert_eq!(r.id(), w.id());
    assert_eq!(r.format(), w.format());
    assert_eq!(r.tags().unwrap(), w.tags().unwrap());
    assert_eq!(r.tag("t194").unwrap(), w.tag("t194").unwrap());
    assert_eq!(r.tag("nope").unwrap(), None);
    assert_eq!(entries(r.events_from(1)), entries(w.events_from(1)));
    for from in [0, 1, 255, 256, 257, 513, 700, 701, 9999] {
        assert_eq!(
            seqs(r.events_from(from)),
            seqs(w.events_from(from)),
            "from {from}"
        );
        assert_eq!(
            entries(r.events_back_from(from)),
            entries(w.events_back_from(from)),
            "back from {from}"
        );
    }
    assert_eq!(seqs(r.events_newest_first()).len(), 700);
    for seq in [0, 1, 2, 256, 257, 512, 699, 700, 701] {
        assert_eq!(r.event(seq).unwrap(), w.event(seq).unwrap(), "event {seq}");
        assert_eq!(
            r.schema_at(seq.min(700)).unwrap(),
            w.schema_at(seq.min(700)).unwrap()
        );
    }
    let e = w.event(333).unwrap().unwrap();
    assert_eq!(r.event_by_hash(&e.hash).unwrap(), Some(e.clone()));
    assert_eq!(r.event_by_hash(&Hash([3; 32])).unwrap(), None);
    let hex = e.hash.to_string();
    for n in [8, 9, 64] {
        let point = Point::parse(&hex[..n]).unwrap();
        assert_eq!(r.resolve(&point).unwrap(), 333);
        assert_eq!(
            r.find_hash_prefix(&hex[..n]).unwrap(),
            w.find_hash_prefix(&hex[..n]).unwrap()
        );
    }
    for point in ["head~5", "t291", "@2026-11-25T10:00:00Z"] {
        let point = Point::parse(point).unwrap();
        assert_eq!(r.resolve(&point).ok(), w.resolve(&point).ok());
    }
    let (rs, ws) = (verified(&r, true), verified(&w, true));
    assert_eq!((rs.events, rs.head, rs.tags), (ws.events, ws.head, ws.tags));
    assert_eq!(rs.snapshots, 700 / 64);
    assert!(w.verify_with_journal(true).unwrap().is_ok());
    // A reader cannot append.
    let draft = tag(800, "late", 1);
    assert!(matches!(r.append(draft), Err(LedgerError::OpenedToRead)));
}

#[test]
fn a_reader_sees_the_ledger_as_it_was_when_it_opened() {
    let (_dir, path, w) = ledger(10, 256);
    let r = Ledger::open(&path).unwrap();
    w.append(tag(100, "later", 3)).unwrap();
    assert_eq!(r.head_seq(), 10);
    assert_eq!(seqs(r.events_from(1)).len(), 10);
    assert_eq!(r.tag("later").unwrap(), None);
    assert_eq!(Ledger::open(&path).unwrap().head_seq(), 11);
}

#[test]
fn a_ledger_without_a_journal_gets_one_from_the_next_writer() {
    let (_dir, path, w) = ledger(300, 256);
    let full = std::fs::read(journal(&path)).unwrap();
    drop(w);
    std::fs::remove_file(journal(&path)).unwrap();
    // A reader falls back to the store and writes nothing.
    let r = writer_free_reader(&path);
    assert!(!r.reads_journal());
    assert_eq!(r.head_seq(), 300);
    drop(r);
    assert!(!journal(&path).exists());
    let w = writer(&path);
    assert_eq!(std::fs::read(journal(&path)).unwrap(), full);
    assert!(Ledger::open(&path).unwrap().reads_journal());
    drop(w);
}

/// A reader of a ledger without a journal, which opens the store (waiting
/// for the last handle's flusher to let it go).
fn writer_free_reader(path: &Path) -> Ledger {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match Ledger::open(path) {
            Err(LedgerError::InUse { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.unwrap(),
        }
    }
}

/// The journal cut back to `len`, then `tail` added.
fn cut(path: &Path, len: u64, tail: &[u8]) {
    let mut bytes = std::fs::read(journal(path)).unwrap();
    bytes.truncate(len as usize);
    bytes.extend_from_slice(tail);
    std::fs::write(journal(path), bytes).unwrap();
}

#[test]
fn an_append_cut_short_is_a_shorter_journal_until_the_next_writer_finishes_it() {
    let (_dir, path, w) = ledger(20, 256);
    let before = std::fs::metadata(journal(&path)).unwrap().len();
    w.append(tag(50, "last", 20)).unwrap();
    let full = std::fs::read(journal(&path)).unwrap();
    drop(w);
    let last = &full[before as usize..];
    // The store has event 21; the journal lacks it (a crash between the
    // store's commit and the journal's), or has part of it, or zeros
    // where it would be, or all of it but not right.
    let mut wrong = last.to_vec();
    let n = wrong.len();
    wrong[n - 40] ^= 1;
    for tail in [
        &[][..],
        &last[..3],
        &last[..last.len() / 2],
        &last[..last.len() - 1],
        &vec![0u8; 300],
        &wrong,
    ] {
        cut(&path, before, tail);
        let r = Ledger::open(&path).unwrap();
        assert_eq!(r.head_seq(), 20, "tail of {} bytes", tail.len());
        assert_eq!(r.tag("last").unwrap(), None);
        assert_eq!(verified(&r, true).events, 20);
        drop(r);
        let w = writer(&path);
        assert_eq!(std::fs::read(journal(&path)).unwrap(), full);
        drop(w);
    }
}

#[test]
fn a_damaged_journal_is_refused_by_readers_and_rebuilt_by_the_next_writer() {
    let (_dir, path, w) = ledger(300, 64);
    let full = std::fs::read(journal(&path)).unwrap();
    drop(w);
    let hit = |at: usize| {
        let mut bytes = full.clone();
        bytes[at] ^= 0x40;
        std::fs::write(journal(&path), bytes).unwrap();
    };
    // The header, an event's bytes in the middle, a record's length.
    for at in [3, 20, full.len() / 2, 62] {
        hit(at);
        let e = Ledger::open(&path).unwrap_err();
        assert!(
            matches!(e, LedgerError::JournalDamaged { .. }),
            "byte {at}: {e:?}"
        );
        assert!(e.is_damage());
        assert!(e.to_string().contains("journal"), "{e}");
        assert!(e.help().unwrap().contains("verify --store"));
        let w = writer(&path);
        assert_eq!(std::fs::read(journal(&path)).unwrap(), full, "byte {at}");
        drop(w);
    }
    // A snapshot's bytes: found when it is used, and by verify.
    let snapshot = find_snapshot(&full);
    hit(snapshot);
    let r = Ledger::open(&path).unwrap();
    assert!(matches!(
        r.schema_at(70),
        Err(LedgerError::JournalDamaged { .. })
    ));
    assert!(r.verify(false).unwrap().is_ok());
    assert!(!r.verify(true).unwrap().is_ok());
    drop(r);
    drop(writer(&path));
    assert_eq!(std::fs::read(journal(&path)).unwrap(), full);
    // Cut in the middle of the file: what is left ends in a record cut
    // short, so it reads as a shorter ledger; the writer finishes it.
    std::fs::write(journal(&path), &full[..full.len() / 2]).unwrap();
    let r = Ledger::open(&path).unwrap();
    assert!(r.head_seq() < 300 && r.head_seq() > 100);
    drop(r);
    drop(writer(&path));
    assert_eq!(std::fs::read(journal(&path)).unwrap(), full);
}

/// Where the payload of the first snapshot record starts (after the
/// header, a walk over the records).
fn find_snapshot(bytes: &[u8]) -> usize {
    let mut at = 15 + 9 + bytes[15 + 8] as usize + 32;
    loop {
        let kind = bytes[at];
        let len = u32::from_be_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
        if kind == 3 {
            return at + 5 + len / 2;
        }
        at += 5 + len + 32;
    }
}

#[test]
fn a_journal_ahead_of_the_store_is_refused_and_another_ledgers_is_rebuilt() {
    // Two ledgers made alike: one with 12 events, one with the first 10.
    let (_a, long, w) = ledger(12, 256);
    let longer = std::fs::read(journal(&long)).unwrap();
    drop(w);
    let (_b, short, w) = ledger(10, 256);
    let own = std::fs::read(journal(&short)).unwrap();
    drop(w);
    assert!(longer.starts_with(&own));
    std::fs::write(journal(&short), &longer).unwrap();
    // A reader cannot tell (the journal's chain checks out)...
    assert_eq!(Ledger::open(&short).unwrap().head_seq(), 12);
    // ...the writer can: the journal is written after the store flushed,
    // so the store lost events it had. It is not appended to.
    let e = Ledger::open_to_write(&short).unwrap_err();
    assert!(e.is_damage(), "{e:?}");
    assert!(e.to_string().contains("lost events"), "{e}");
    assert_eq!(std::fs::read(journal(&short)).unwrap(), longer);
    std::fs::write(journal(&short), &own).unwrap();

    // Another ledger's journal entirely.
    let (_c, other, w) = ledger(3, 256);
    w.append(Draft {
        at: at(99),
        author: "bob".into(),
        message: "other".into(),
        body: Body::Change {
            ops: vec![Op::CreateTable {
                table: Table {
                    name: "zz".into(),
                    columns: vec![Column::new("a", "int")],
                    ..Table::default()
                },
            }],
            revert_sql: None,
        },
    })
    .unwrap();
    drop(w);
    std::fs::copy(journal(&other), journal(&short)).unwrap();
    drop(writer(&short));
    assert_eq!(std::fs::read(journal(&short)).unwrap(), own);
}

#[cfg(unix)]
#[test]
fn a_symlinked_journal_is_not_read_and_is_replaced_not_followed() {
    let (dir, path, w) = ledger(5, 256);
    let full = std::fs::read(journal(&path)).unwrap();
    drop(w);
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"keep me").unwrap();
    std::fs::remove_file(journal(&path)).unwrap();
    std::os::unix::fs::symlink(&victim, journal(&path)).unwrap();
    let e = Ledger::open(&path).unwrap_err();
    assert!(matches!(e, LedgerError::JournalDamaged { .. }), "{e:?}");
    drop(writer(&path));
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    let meta = std::fs::symlink_metadata(journal(&path)).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(std::fs::read(journal(&path)).unwrap(), full);
}

#[test]
fn an_unflushed_run_reaches_the_journal_when_it_is_flushed() {
    let (_dir, path, w) = ledger(5, 256);
    let source = {
        let (_d, p, l) = ledger(9, 256);
        let events = entries(l.events_from(6));
        drop(l);
        drop(p);
        events
    };
    for e in source {
        w.append_event_unflushed(e.event).unwrap();
    }
    assert_eq!(Ledger::open(&path).unwrap().head_seq(), 5);
    w.flush().unwrap();
    let r = Ledger::open(&path).unwrap();
    assert_eq!(r.head(), w.head());
    assert_eq!(verified(&r, true).events, 9);
}

#[test]
fn init_writes_an_empty_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let w = Ledger::init_with(&path, Dialect::Sqlite).unwrap();
    let r = Ledger::open(&path).unwrap();
    assert!(r.reads_journal());
    assert_eq!(r.head(), None);
    assert_eq!(r.format(), w.format());
    assert_eq!(seqs(r.events_newest_first()), Vec::<u64>::new());
    assert_eq!(r.schema_at(0).unwrap(), Schema::default());
    assert_eq!(verified(&r, true).events, 0);
}

#[test]
fn init_beside_a_journal_left_behind_writes_its_own() {
    let (dir, path, w) = ledger(4, 256);
    drop(w);
    std::fs::remove_dir_all(path.join(STORE_DIR)).unwrap();
    let w = Ledger::init(&path).unwrap();
    assert_eq!(Ledger::open(&path).unwrap().head(), None);
    drop(w);
    drop(dir);
}
