//! Replays the kept fuzz corpus (crates/fuzz/corpus/<target>/, minimized)
//! and every input a fuzzer found failing (crates/fuzz/regressions/<target>/)
//! through the targets' checks, on stable: the short form of fuzzing that
//! runs with every `cargo test`.

#[path = "../fuzz/bodies.rs"]
mod bodies;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut inputs = 0;
    for kind in ["corpus", "regressions"] {
        let dir = root.join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            assert_eq!(
                kind,
                "regressions",
                "{target}: no corpus in {}",
                dir.display()
            );
            continue;
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            let data = std::fs::read(&path).expect("read input");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            inputs += 1;
        }
    }
    assert!(inputs > 0, "{target}: nothing to replay");
    eprintln!("{target}: {inputs} inputs replayed");
}

#[test]
fn ddl() {
    replay("ddl", bodies::ddl);
}

#[test]
fn point() {
    replay("point", bodies::point);
}

#[test]
fn event() {
    replay("event", bodies::event);
}

#[test]
fn projector() {
    replay("projector", bodies::projector);
}

/// Writes seed inputs for the event and point targets from a real ledger
/// (`cargo test -p strata-cli --test e2e -- --ignored write_seeds`); kept
/// in the corpus.
#[test]
#[ignore]
fn write_seeds() {
    use strata_ledger::{encode, Body, Draft, Ledger, Timestamp};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let dir = tempfile::tempdir().expect("dir");
    let ledger = Ledger::init(dir.path().join("ledger")).expect("init");
    let steps = [
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL DEFAULT '', email text UNIQUE, CHECK (length(name) < 100))",
        "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users(id) ON DELETE CASCADE, body text); CREATE INDEX by_user ON posts (user_id DESC) WHERE body IS NOT NULL",
        "ALTER TABLE users ADD COLUMN age integer; UPDATE users SET age = 0",
        "CREATE VIEW v AS SELECT name FROM users; CREATE TRIGGER t AFTER INSERT ON posts BEGIN UPDATE users SET age = age + 1 WHERE id = new.user_id; END",
        "ALTER TABLE users RENAME COLUMN name TO full_name; ALTER TABLE posts ALTER COLUMN body TYPE blob",
    ];
    for (i, sql) in steps.iter().enumerate() {
        let head = ledger.schema_at(ledger.head_seq()).expect("schema");
        let ops = strata_sqlite::ddl::parse_change(sql, &head).expect("parses");
        let entry = ledger
            .append(Draft {
                at: Some(Timestamp::parse_rfc3339("2026-11-29T00:00:00Z").expect("time")),
                author: "seed".into(),
                message: format!("step {i}"),
                body: Body::Change {
                    ops,
                    revert_sql: None,
                },
            })
            .expect("append");
        std::fs::write(
            root.join("event").join(format!("seed-{i}")),
            encode(&entry.event).expect("encode"),
        )
        .expect("write");
        std::fs::write(root.join("ddl").join(format!("seed-{i}")), sql).expect("write");
    }
    for (i, p) in [
        "head",
        "head~2",
        "0",
        "3",
        "v1.0",
        "@2026-11-29T00:00:00Z",
        "@2026-11-29T01:00:00+01:00",
        "cafebabe12",
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(root.join("point").join(format!("seed-{i}")), p).expect("write");
    }
    for i in 0..8u8 {
        let bytes: Vec<u8> = (0..64u8)
            .map(|k| k.wrapping_mul(37).wrapping_add(i * 11))
            .collect();
        std::fs::write(root.join("projector").join(format!("seed-{i}")), bytes).expect("write");
    }
}
