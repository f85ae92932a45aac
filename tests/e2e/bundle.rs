//! `strata export --bundle FILE`: the whole ledger in one file, for a
//! program to embed (docs/embedding.md). The same ledger gives the same
//! bytes, a second export leaves the file alone, a symlink at FILE is
//! replaced and never written through, and the file reads back (without a
//! store) as the ledger it came from.

use std::time::SystemTime;

use crate::Env;

fn mtime(path: &std::path::Path) -> SystemTime {
    std::fs::metadata(path)
        .expect("metadata")
        .modified()
        .expect("mtime")
}

#[test]
fn a_bundle_reads_back_as_its_ledger_and_a_second_export_changes_nothing() {
    let env = Env::init();
    env.seed();
    env.ok(&["tag", "v1"]);
    env.record(
        "posts",
        "CREATE TABLE posts (id integer PRIMARY KEY, body text)",
    );
    let first = env.json(&["export", "--bundle", "app.bundle"]);
    let head = env.head();
    assert_eq!(first["events"], head);
    assert_eq!(first["unchanged"], false);
    assert_eq!(first["bundle_version"], 1);
    assert_eq!(first["dialect"], "sqlite");
    let path = env.path().join("app.bundle");
    let bytes = std::fs::read(&path).expect("bundle");
    assert_eq!(first["bytes"], bytes.len());
    let before = mtime(&path);
    env.ok(&["export", "--bundle", "app.bundle"])
        .says("app.bundle is up to date");
    assert_eq!(
        mtime(&path),
        before,
        "a second export leaves the file alone"
    );
    assert_eq!(std::fs::read(&path).expect("bundle"), bytes);

    let read = strata_ledger::Ledger::from_bundle("app.bundle", bytes).expect("it reads");
    let events = env.events();
    assert_eq!(events.len() as u64, head);
    assert_eq!(read.head_seq(), head);
    for e in &events {
        let seq = e["seq"].as_u64().expect("seq");
        let entry = read.event(seq).expect("read").expect("stored");
        assert_eq!(entry.hash.to_string(), e["hash"].as_str().expect("hash"));
    }
    let v1 = read
        .resolve(&strata_ledger::Point::parse("v1").expect("point"))
        .expect("the tag is in the bundle");
    assert_eq!(v1, 2);
}

#[test]
fn the_same_ledger_gives_the_same_bundle_anywhere() {
    let env = Env::init();
    env.seed();
    env.ok(&["export", "text"]);
    env.ok(&["export", "--bundle", "a.bundle"]);
    // A copy of the ledger, made from its text form in another folder.
    env.ok(&["--ledger", "copy", "import", "text"]);
    env.ok(&["--ledger", "copy", "export", "--bundle", "b.bundle"]);
    let a = std::fs::read(env.path().join("a.bundle")).expect("a");
    let b = std::fs::read(env.path().join("b.bundle")).expect("b");
    assert!(a == b, "the two bundles differ");
}

#[cfg(unix)]
#[test]
fn a_symlink_at_the_bundle_path_is_replaced_not_written_through() {
    let env = Env::init();
    env.seed();
    let target = env.file("precious.txt", "keep me\n");
    std::os::unix::fs::symlink(&target, env.path().join("app.bundle")).expect("symlink");
    env.ok(&["export", "--bundle", "app.bundle"]);
    assert_eq!(
        std::fs::read_to_string(&target).expect("target"),
        "keep me\n"
    );
    let meta = std::fs::symlink_metadata(env.path().join("app.bundle")).expect("meta");
    assert!(meta.file_type().is_file(), "the bundle is a plain file now");
}

#[test]
fn export_needs_a_folder_or_a_bundle() {
    let env = Env::init();
    env.seed();
    env.fails(&["export"], 2);
    env.fails(&["export", "text", "--bundle", "a.bundle"], 2);
    assert!(!env.path().join("text").exists());
    assert!(!env.path().join("a.bundle").exists());
}
