//! Tests of the journal's checkpoint (`journal.check`) and of verify's one
//! pass: readers trust a checkpoint that checks out against the journal and
//! check the records after it; any other (damaged, cut short, pointing past
//! the end, stale, another ledger's, a symlink) is not used, and the reader
//! checks every record as without one. verify checks every record from the
//! first whatever the checkpoint says, and finds and reports exactly what
//! the opening check and a second pass of its own found.
#![cfg(feature = "store")]

use std::path::{Path, PathBuf};

use strata_dialect::sqlite::RULES;
use strata_schema::{project, Schema};

use crate::journal::{verify_in_two_passes, CHECK_FILE};
use crate::journal_tests::{change, grow, journal, writer};
use crate::workload::{Rng, Workload};
use crate::*;

/// A ledger of `n` workload events, snapshots every 16, whose writer
/// leaves a checkpoint every `every` events; the writer is kept open.
fn ledger(n: u64, every: u64, seed: u64) -> (tempfile::TempDir, PathBuf, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let mut l = Ledger::init(&path).unwrap();
    l.set_snapshot_every(16);
    l.set_journal_check_every(every);
    grow(&l, 1, n, seed);
    (dir, path, l)
}

fn check(path: &Path) -> PathBuf {
    path.join(CHECK_FILE)
}

/// All a reader answers: head, id, tags, every event both ways, and the
/// schema at a few points.
#[derive(Debug, PartialEq)]
struct View {
    head: Option<(u64, Hash)>,
    id: Option<Hash>,
    tags: Vec<Tag>,
    forward: Vec<Entry>,
    back: Vec<Hash>,
    schemas: Vec<Schema>,
    by_hash: Option<u64>,
}

fn view(l: &Ledger) -> View {
    let n = l.head_seq();
    View {
        head: l.head(),
        id: l.id(),
        tags: l.tags().unwrap(),
        forward: l.events_from(1).map(|e| e.unwrap()).collect(),
        back: l.events_back_from(n).map(|e| e.unwrap().hash).collect(),
        schemas: [1, n / 3, n / 2, n.saturating_sub(1), n]
            .into_iter()
            .map(|s| l.schema_at(s).unwrap())
            .collect(),
        by_hash: l
            .head()
            .and_then(|(_, h)| l.event_by_hash(&h).unwrap())
            .map(|e| e.event.seq),
    }
}

/// Damage an event's bytes early in the journal (before any checkpoint):
/// a reader that checks every record refuses the journal, one that trusts
/// a checkpoint does not see it.
fn hit_early(path: &Path, full: &[u8]) {
    let mut bytes = full.to_vec();
    bytes[event_payload(full, 40) + 3] ^= 0x40;
    std::fs::write(journal(path), bytes).unwrap();
}

/// Where the payload of event `n`'s record starts (a walk over the
/// records from the header's end).
fn event_payload(bytes: &[u8], n: u64) -> usize {
    let mut at = 15 + 9 + bytes[15 + 8] as usize + 32;
    let mut seq = 0;
    loop {
        let kind = bytes[at];
        let len = u32::from_be_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
        if kind != 3 {
            seq += 1;
            if seq == n {
                return at + 5;
            }
        }
        at += 5 + len + 32;
    }
}

fn reseal(bytes: &mut [u8]) {
    let body = bytes.len() - 32;
    let sum = blake3::hash(&bytes[..body]);
    bytes[body..].copy_from_slice(sum.as_bytes());
}

/// The checkpoint in `path` is not used: with the journal whole a reader
/// answers as the writer does; with it damaged before the checkpoint, a
/// reader refuses it (it checked every record).
fn not_used(path: &Path, full: &[u8], expected: &View, what: &str) {
    std::fs::write(journal(path), full).unwrap();
    let r = Ledger::open(path).unwrap();
    assert_eq!(&view(&r), expected, "{what}");
    drop(r);
    hit_early(path, full);
    let e = Ledger::open(path).unwrap_err();
    assert!(
        matches!(e, LedgerError::JournalDamaged { .. }),
        "{what}: {e:?}"
    );
    std::fs::write(journal(path), full).unwrap();
}

#[test]
fn the_writer_leaves_a_checkpoint_that_readers_trust() {
    let (_dir, path, w) = ledger(300, 64, 5);
    let expected = view(&w);
    assert!(check(&path).is_file());
    let full = std::fs::read(journal(&path)).unwrap();
    let r = Ledger::open(&path).unwrap();
    assert!(r.reads_journal());
    assert_eq!(view(&r), expected);
    drop(r);
    // Trusted: damage before it is not seen by the opening check, but by
    // reads of what is damaged, and by verify, which reads every record.
    hit_early(&path, &full);
    let r = Ledger::open(&path).unwrap();
    assert_eq!(r.head(), expected.head);
    assert!(r.events_from(1).any(|e| e.is_err()));
    let VerifyReport::Broken(p) = r.verify(false).unwrap() else {
        panic!("verify passed a damaged journal");
    };
    assert!(p.reason.starts_with("the journal: event "), "{p}");
    drop(r);
    let e = Ledger::open_verified(&path, false).unwrap_err();
    assert!(matches!(e, LedgerError::JournalDamaged { .. }), "{e:?}");
    // Without it, the reader checks every record, as before.
    let kept = std::fs::read(check(&path)).unwrap();
    std::fs::remove_file(check(&path)).unwrap();
    not_used(&path, &full, &expected, "no checkpoint");
    std::fs::write(check(&path), kept).unwrap();
}

#[test]
fn a_damaged_or_foreign_checkpoint_is_not_used() {
    let (dir, path, w) = ledger(300, 64, 5);
    let expected = view(&w);
    drop(w);
    let full = std::fs::read(journal(&path)).unwrap();
    let good = std::fs::read(check(&path)).unwrap();
    let put = |bytes: &[u8]| std::fs::write(check(&path), bytes).unwrap();
    // Every byte flipped.
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        put(&bad);
        not_used(&path, &full, &expected, &format!("byte {i} flipped"));
    }
    // Cut short, or longer.
    for len in [0, 1, 20, good.len() / 2, good.len() - 1] {
        put(&good[..len]);
        not_used(&path, &full, &expected, &format!("cut to {len}"));
    }
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 40]);
    reseal(&mut longer);
    put(&longer);
    not_used(&path, &full, &expected, "longer");
    // Its own check right, its fields wrong: the length it vouches for
    // past the journal's end or not at a record's end, the head seq, the
    // head hash, the head's offset.
    let field = |at: usize, value: &[u8]| {
        let mut bad = good.clone();
        bad[at..at + value.len()].copy_from_slice(value);
        reseal(&mut bad);
        bad
    };
    let end = u64::from_be_bytes(good[25..33].try_into().unwrap());
    let seq = u64::from_be_bytes(good[33..41].try_into().unwrap());
    let head_pos = u64::from_be_bytes(good[73..81].try_into().unwrap());
    for (what, bad) in [
        (
            "past the end",
            field(25, &(full.len() as u64 + 100).to_be_bytes()),
        ),
        ("not at a record's end", field(25, &(end - 1).to_be_bytes())),
        ("another head seq", field(33, &(seq - 1).to_be_bytes())),
        ("another head hash", field(41, &[7; 32])),
        (
            "another head offset",
            field(73, &(head_pos - 1).to_be_bytes()),
        ),
        ("another id", field(81, &[9; 32])),
        ("another version", field(21, &2u32.to_be_bytes())),
    ] {
        put(&bad);
        not_used(&path, &full, &expected, what);
    }
    // The journal cut shorter than the checkpoint: it is not used, and
    // the reader reads the shorter journal.
    put(&good);
    std::fs::write(journal(&path), &full[..head_pos as usize + 10]).unwrap();
    let r = Ledger::open(&path).unwrap();
    assert!(r.head_seq() < seq);
    assert!(r.verify(false).unwrap().is_ok());
    drop(r);
    // Another ledger's checkpoint (and its own beside another's journal).
    let (_other, other, w) = ledger(300, 64, 6);
    drop(w);
    put(&std::fs::read(check(&other)).unwrap());
    not_used(&path, &full, &expected, "another ledger's");
    put(&good);
    std::fs::write(journal(&path), std::fs::read(journal(&other)).unwrap()).unwrap();
    let r = Ledger::open(&path).unwrap();
    let theirs = Ledger::open(&other).unwrap();
    assert_eq!(view(&r), view(&theirs));
    drop(r);
    // A symlink to a checkpoint that would check out: not followed.
    let aside = dir.path().join("aside");
    std::fs::write(&aside, &good).unwrap();
    std::fs::remove_file(check(&path)).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&aside, check(&path)).unwrap();
        not_used(&path, &full, &expected, "a symlink");
    }
    // A folder in its place.
    std::fs::remove_file(check(&path)).ok();
    std::fs::create_dir(check(&path)).unwrap();
    not_used(&path, &full, &expected, "a folder");
    std::fs::remove_dir(check(&path)).unwrap();
}

#[test]
fn a_stale_checkpoint_is_used_and_the_records_after_it_checked() {
    let (_dir, path, w) = ledger(200, 64, 5);
    let stale = std::fs::read(check(&path)).unwrap();
    w.set_journal_check_every(1_000_000);
    grow(&w, 201, 260, 8);
    let expected = view(&w);
    drop(w);
    let full = std::fs::read(journal(&path)).unwrap();
    std::fs::write(check(&path), &stale).unwrap();
    let r = Ledger::open(&path).unwrap();
    assert_eq!(view(&r), expected);
    drop(r);
    // Damage after the checkpoint is found by the opening check.
    let mut bytes = full.clone();
    let n = bytes.len();
    bytes[n - 300] ^= 0x40;
    std::fs::write(journal(&path), bytes).unwrap();
    assert!(Ledger::open(&path).is_err() || Ledger::open(&path).unwrap().head_seq() < 260);
    std::fs::write(journal(&path), &full).unwrap();
}

#[cfg(unix)]
#[test]
fn the_writer_replaces_a_symlinked_checkpoint_and_never_writes_through_it() {
    let (dir, path, w) = ledger(40, 1_000_000, 5);
    drop(w);
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"keep me").unwrap();
    std::os::unix::fs::symlink(&victim, check(&path)).unwrap();
    let w = writer(&path);
    w.set_journal_check_every(10);
    grow(&w, 41, 60, 9);
    let expected = view(&w);
    drop(w);
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    assert!(std::fs::symlink_metadata(check(&path))
        .unwrap()
        .file_type()
        .is_file());
    let r = Ledger::open(&path).unwrap();
    assert_eq!(view(&r), expected);
}

#[test]
fn the_writers_open_trusts_the_checkpoint_and_verify_store_repairs_what_it_hid() {
    let (_dir, path, w) = ledger(300, 64, 5);
    let expected = view(&w);
    drop(w);
    let full = std::fs::read(journal(&path)).unwrap();
    hit_early(&path, &full);
    // The open to write compares only what follows the checkpoint with
    // the store: the damage before it stays...
    let w = writer(&path);
    assert_ne!(std::fs::read(journal(&path)).unwrap(), full);
    // ...until verify --store finds it, and writes the journal anew.
    assert!(w.verify_with_journal(false).unwrap().is_ok());
    assert_eq!(std::fs::read(journal(&path)).unwrap(), full);
    // The old checkpoint went with the old journal (300 events are under
    // the default bound: no new one).
    assert!(!check(&path).exists());
    drop(w);
    let r = Ledger::open(&path).unwrap();
    assert_eq!(view(&r), expected);
}

#[test]
fn the_writers_open_leaves_a_checkpoint_when_the_journal_after_it_is_long() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let l = Ledger::init(&path).unwrap();
    // More than the default bound (1,024 events), in one flushed run.
    let mut w = Workload::new(6, 5);
    let mut rng = Rng(3);
    let mut schema = Schema::default();
    let mut run = Vec::new();
    for i in 1..=1100 {
        let op = w.next_op(&schema, rng.next_u64());
        project(RULES, &mut schema, &op).unwrap();
        run.push(change(i, op));
    }
    l.append_run_unflushed(run).unwrap();
    l.flush().unwrap();
    // The catch-up after the flush left one.
    assert!(check(&path).is_file());
    let expected = view(&l);
    drop(l);
    std::fs::remove_file(check(&path)).unwrap();
    drop(writer(&path));
    assert!(check(&path).is_file());
    let full = std::fs::read(journal(&path)).unwrap();
    let r = Ledger::open(&path).unwrap();
    assert_eq!(view(&r), expected);
    drop(r);
    // A journal rebuilt by the writer takes the old checkpoint away.
    std::fs::write(journal(&path), b"not a journal").unwrap();
    drop(writer(&path));
    assert_eq!(std::fs::read(journal(&path)).unwrap(), full);
    let r = Ledger::open(&path).unwrap();
    assert_eq!(view(&r), expected);
}

/// verify in one pass against the opening check then a second pass, on
/// the journal as it is in `path` (no checkpoint).
fn same_as_two_passes(path: &Path, what: &str) {
    for deep in [false, true] {
        let two = verify_in_two_passes(path, deep).map_err(|e| e.to_string());
        let one = Ledger::open_verified(path, deep)
            .map(|(_, r)| r)
            .map_err(|e| e.to_string());
        assert_eq!(one, two, "{what}, deep {deep}");
        if let Ok(l) = Ledger::open(path) {
            let again = l.verify(deep).map_err(|e| e.to_string());
            assert_eq!(again, two, "{what}, deep {deep}, after an open");
        }
    }
}

#[test]
fn verify_in_one_pass_finds_and_reports_what_two_passes_did() {
    let (_dir, path, w) = ledger(120, 1_000_000, 5);
    drop(w);
    assert!(!check(&path).exists());
    let full = std::fs::read(journal(&path)).unwrap();
    same_as_two_passes(&path, "whole");
    // Every byte flipped, one at a time (a stride over the long ones).
    let mut i = 0;
    while i < full.len() {
        for flip in [0x01, 0x80] {
            let mut bytes = full.clone();
            bytes[i] ^= flip;
            std::fs::write(journal(&path), &bytes).unwrap();
            same_as_two_passes(&path, &format!("byte {i} ^ {flip:#x}"));
        }
        i += if i < 2_000 { 1 } else { 97 };
    }
    // Cut anywhere.
    for len in (0..full.len()).step_by(53) {
        std::fs::write(journal(&path), &full[..len]).unwrap();
        same_as_two_passes(&path, &format!("cut to {len}"));
    }
}
