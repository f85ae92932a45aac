//! Building a realistic ledger for the benchmark and the memory example
//! (both include this file by path).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use strata_dialect::sqlite::RULES;
use strata_ledger::{Body, Draft, Ledger, Timestamp};
use strata_schema::{project, Schema};

#[path = "../../src/workload.rs"]
mod workload;

pub use workload::{Rng, Workload};

/// Bump when the workload changes, so cached ledgers are rebuilt.
pub const WORKLOAD_VERSION: u32 = 1;

/// 2026-01-01T00:00:00Z; event i is recorded i seconds later.
const T0: i64 = 1_767_225_600_000_000;

/// Append `n` events of a realistic mix to `ledger`: mostly one-op changes,
/// some with two or three ops, a tag every 1,000 events; up to 400 tables of
/// up to 24 columns, with columns added, renamed and dropped, indexes created
/// and dropped, tables dropped and created. The events are appended without
/// waiting for the disk, and flushed once at the end.
pub fn fill(ledger: &Ledger, n: u64, seed: u64) {
    let start = ledger.head_seq();
    let mut w = workload_after(start);
    let mut rng = Rng(seed ^ start);
    let mut schema = ledger.schema_at(start).expect("the ledger replays");
    for i in start + 1..=start + n {
        let body = if i % 1000 == 0 {
            Body::Tag {
                name: format!("release-{}", i / 1000),
                target: i - 1 - rng.next_u64() % 10,
            }
        } else {
            let count = match rng.next_u64() % 10 {
                0 => 3,
                1 | 2 => 2,
                _ => 1,
            };
            let ops = (0..count)
                .map(|_| {
                    let op = w.next_op(&schema, rng.next_u64());
                    project(RULES, &mut schema, &op).expect("workload ops fit");
                    op
                })
                .collect();
            Body::Change {
                ops,
                revert_sql: None,
            }
        };
        ledger
            .append_unflushed(Draft {
                at: Some(Timestamp(T0 + i as i64 * 1_000_000)),
                author: "bench".to_string(),
                message: format!("step {i}"),
                body,
            })
            .expect("append");
    }
    ledger.flush().expect("flush");
}

/// The bench's workload, continuing a ledger of `events` events: an event
/// makes at most 18 names (three ops, each a table of up to five columns), so
/// new names start above any used before.
pub fn workload_after(events: u64) -> Workload {
    Workload::new(400, 24).naming_from(100 * (events + 1))
}

/// A ledger of `n` events in `dir`, built once and reused while the workload
/// version is the same.
pub fn cached_ledger(dir: &Path, n: u64) -> PathBuf {
    let path = dir.join(format!(
        "ledger-{n}-w{WORKLOAD_VERSION}-k{}",
        strata_ledger::SNAPSHOT_EVERY
    ));
    if let Ok(l) = Ledger::open(&path) {
        if l.head_seq() >= n {
            return path;
        }
    }
    let _ = std::fs::remove_dir_all(&path);
    let l = Ledger::init(&path).expect("init");
    let t = std::time::Instant::now();
    fill(&l, n, 42);
    eprintln!("built {} events in {:.1?}", n, t.elapsed());
    path
}

/// The schema at head, for a quick look at the workload's size.
pub fn describe(schema: &Schema) -> String {
    let columns: usize = schema.tables.values().map(|t| t.columns.len()).sum();
    format!(
        "{} tables, {} columns, {} indexes",
        schema.tables.len(),
        columns,
        schema.indexes.len()
    )
}
