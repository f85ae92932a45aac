//! The bundle: its golden bytes, what it reads back, and every damage a
//! file can suffer refused without a panic. They build their ledgers in a
//! store.
#![cfg(feature = "store")]

use std::path::Path;

use strata_schema::{Column, Op, Table};

use crate::bundle::{write, BUNDLE_VERSION};
use crate::{Body, Draft, Ledger, LedgerError, Point, Timestamp};

fn golden_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/bundle/golden.bundle")
}

fn change(l: &Ledger, at: i64, message: &str, ops: Vec<Op>) {
    l.append(Draft {
        at: Some(Timestamp(at)),
        author: "ada".into(),
        message: message.into(),
        body: Body::Change {
            ops,
            revert_sql: None,
        },
    })
    .unwrap();
}

/// A ledger of `n` events: a table, then a column per event.
fn long_ledger(dir: &Path, n: u64) -> Ledger {
    let l = Ledger::init(dir).unwrap();
    let t0 = 1_795_600_800_000_000;
    change(
        &l,
        t0,
        "t",
        vec![Op::CreateTable {
            table: Table {
                name: "t".into(),
                columns: vec![Column::new("id", "integer")],
                ..Table::default()
            },
        }],
    );
    for k in 2..=n {
        change(
            &l,
            t0 + k as i64 * 1_000_000,
            &format!("c{k}"),
            vec![Op::AddColumn {
                table: "t".into(),
                column: Column::new(format!("c{k}"), "text"),
                position: (k - 1) as u32,
            }],
        );
    }
    l
}

/// Everything a reader asks of a ledger, the same from the bundle as
/// from the store.
fn assert_same(store: &Ledger, bundle: &Ledger, points: &[u64]) {
    assert_eq!(bundle.head(), store.head());
    assert_eq!(bundle.id(), store.id());
    assert_eq!(bundle.format(), store.format());
    assert_eq!(bundle.tags().unwrap(), store.tags().unwrap());
    let all = |l: &Ledger| l.events_from(1).map(|e| e.unwrap()).collect::<Vec<_>>();
    assert_eq!(all(bundle), all(store));
    for &seq in points {
        assert_eq!(
            bundle.schema_at(seq).unwrap(),
            store.schema_at(seq).unwrap(),
            "the schema at {seq}"
        );
        assert_eq!(bundle.event(seq).unwrap(), store.event(seq).unwrap());
    }
}

/// The golden bundle: the golden text form's ledger (one event of every
/// kind) as a bundle, committed in `tests/golden/bundle/`. A failing test
/// means a BUNDLE_VERSION bump (or a FORMAT_VERSION one, for the events'
/// bytes), never a new expectation: once the bump is made,
/// `STRATA_BLESS=1` writes the file again.
#[test]
fn golden_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = crate::text::tests::golden_ledger(&tmp.path().join("ledger"));
    let bytes = write(&ledger).unwrap();
    let golden = golden_file();
    if std::env::var_os("STRATA_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &bytes).unwrap();
        panic!("wrote {}", golden.display());
    }
    let want = std::fs::read(&golden).unwrap();
    assert!(bytes == want, "the bundle differs from the golden file");
    assert_eq!(BUNDLE_VERSION, 1);
    assert!(want.starts_with(b"strata bundle\n\0\0\0\x01\0\0\0\x04\x06sqlite"));
    // Its head, as the header names it: the golden text form's last hash.
    assert_eq!(
        ledger.head().unwrap().1.to_string(),
        "c7bd6c5b9b3faf43d3d43092d272ea657a0c055c12796abee9229046cc1e5f15"
    );
    let read = Ledger::from_bundle("golden.bundle", want).unwrap();
    assert_same(&ledger, &read, &[0, 1, 2, 3, 4, 5]);
    // Written again from what it read, it is the same file.
    assert!(write(&read).unwrap() == bytes);
}

/// A bundle of more events than a snapshot interval answers every point
/// as the store does: schemas (through its snapshots), tags, hashes,
/// times.
#[test]
fn a_long_bundle_reads_as_its_store() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = long_ledger(&tmp.path().join("l"), 600);
    let bytes = write(&ledger).unwrap();
    let read = Ledger::from_bundle("long", bytes.clone()).unwrap();
    assert_same(&ledger, &read, &[0, 1, 255, 256, 257, 511, 512, 513, 600]);
    let hash = ledger.event(300).unwrap().unwrap().hash.to_string();
    for point in [&hash[..10], "head~3", "@2026-11-25T10:05:00Z"] {
        let p = Point::parse(point).unwrap();
        assert_eq!(
            read.resolve(&p).unwrap(),
            ledger.resolve(&p).unwrap(),
            "{point}"
        );
    }
    // Two ledgers with the same events give the same bytes.
    let again = long_ledger(&tmp.path().join("again"), 600);
    assert!(write(&again).unwrap() == bytes);
}

#[test]
fn an_empty_ledger_makes_an_empty_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = Ledger::init(tmp.path().join("l")).unwrap();
    let read = Ledger::from_bundle("empty", write(&ledger).unwrap()).unwrap();
    assert_eq!(read.head(), None);
    assert_eq!(read.schema_at(0).unwrap(), Default::default());
}

fn refused(bytes: Vec<u8>, what: &str) {
    match Ledger::from_bundle("b", bytes) {
        Err(LedgerError::BadBundle { name, .. }) => assert_eq!(name, "b", "{what}"),
        Err(e) => panic!("{what}: refused with an unexpected error: {e}"),
        Ok(l) => panic!("{what}: read, up to {:?}", l.head()),
    }
}

/// Every bit of the golden bundle flipped, every length it can be cut to,
/// a byte added at the end: each refused whole, with a BadBundle error.
#[test]
fn every_damage_is_refused() {
    let good = std::fs::read(golden_file()).unwrap();
    for at in 0..good.len() {
        for bit in [0x01u8, 0x10, 0x80] {
            let mut bad = good.clone();
            bad[at] ^= bit;
            refused(bad, &format!("byte {at} xor {bit:#x}"));
        }
    }
    for len in 0..good.len() {
        refused(good[..len].to_vec(), &format!("cut to {len} bytes"));
    }
    let mut longer = good.clone();
    longer.push(0);
    refused(longer, "a zero byte added");
    let mut longer = good;
    longer.extend_from_slice(b"\x01\0\0\0\0");
    refused(longer, "an empty record added");
}

/// A bundle whose snapshots (every 256 events) are damaged is refused at
/// load, not when a schema is asked for.
#[test]
fn a_damaged_snapshot_is_refused_at_load() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = long_ledger(&tmp.path().join("l"), 300);
    let bytes = write(&ledger).unwrap();
    let snapshot = ledger.schema_at(256).unwrap();
    let encoded = ledger.format().encode_schema(&snapshot).unwrap();
    let at = bytes
        .windows(encoded.len())
        .position(|w| w == encoded.as_slice())
        .expect("the snapshot is in the bundle");
    let mut bad = bytes;
    bad[at + encoded.len() / 2] ^= 0x20;
    refused(bad, "a snapshot byte");
}
