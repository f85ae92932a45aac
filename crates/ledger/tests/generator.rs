//! The benchmark's generator builds the ledger that appending the same
//! drafts one by one builds, byte for byte.

#[path = "../benches/support/mod.rs"]
mod support;

use strata_ledger::{Ledger, VerifyReport};

#[test]
fn generated_ledger_is_the_appended_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (one, run) = (dir.path().join("one"), dir.path().join("run"));
    // Past a tag (every 1,000) and a few snapshots (every 256), and runs
    // that do not end on either.
    let n = 1_300;
    let a = Ledger::init(&one).expect("init");
    support::fill(&a, n, 42);
    let b = Ledger::init(&run).expect("init");
    support::generate(&b, n, 42, false);
    assert_eq!(a.head(), b.head());
    let events = |l: &Ledger| -> Vec<_> { l.events_from(1).map(|e| e.expect("event")).collect() };
    assert_eq!(events(&a), events(&b));
    assert_eq!(a.tags().expect("tags"), b.tags().expect("tags"));
    for seq in [255, 256, 257, 1024, 1300] {
        assert_eq!(a.schema_at(seq).expect("a"), b.schema_at(seq).expect("b"));
    }
    drop((a, b));
    // Read back through fresh handles (the journal), and deeply checked.
    for dir in [&one, &run] {
        let l = Ledger::open(dir).expect("open");
        match l.verify(true).expect("verify") {
            VerifyReport::Ok(s) => assert_eq!((s.events, s.snapshots), (n, 5)),
            VerifyReport::Broken(p) => panic!("{p}"),
        }
        // The dropped handles' flusher may hold the store a moment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let l = loop {
            match Ledger::open_to_write(dir) {
                Err(strata_ledger::LedgerError::InUse { .. })
                    if std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                other => break other.expect("open the store"),
            }
        };
        match l.verify(true).expect("verify") {
            VerifyReport::Ok(s) => assert_eq!((s.events, s.snapshots), (n, 5)),
            VerifyReport::Broken(p) => panic!("{p}"),
        }
    }
    // The stores hold the same bytes in every tree.
    let a = sled::open(one.join("store")).expect("sled");
    let b = sled::open(run.join("store")).expect("sled");
    for tree in ["events", "hashes", "tags", "meta", "compact_snapshots"] {
        let dump = |db: &sled::Db| -> Vec<(Vec<u8>, Vec<u8>)> {
            db.open_tree(tree)
                .expect("tree")
                .iter()
                .map(|kv| {
                    let (k, v) = kv.expect("kv");
                    (k.to_vec(), v.to_vec())
                })
                .collect()
        };
        assert_eq!(dump(&a), dump(&b), "tree {tree}");
    }
    let journal = |d: &std::path::Path| std::fs::read(d.join("journal")).expect("journal");
    assert_eq!(journal(&one), journal(&run));
}
