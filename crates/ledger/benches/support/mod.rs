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
    for draft in Drafts::after(ledger, n, seed) {
        ledger.append_unflushed(draft).expect("append");
    }
    ledger.flush().expect("flush");
}

/// The events [`fill`] appends, built far faster: the drafts are made on a
/// thread of their own and appended in runs of `RUN` per transaction
/// ([`Ledger::append_run_unflushed`]), which prepares each exactly as an
/// append does, so the ledger is the same, byte for byte.
pub fn generate(ledger: &Ledger, n: u64, seed: u64, progress: bool) {
    const RUN: usize = 512;
    let drafts = Drafts::after(ledger, n, seed);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Draft>>(8);
    let maker = std::thread::spawn(move || {
        let mut run = Vec::with_capacity(RUN);
        for draft in drafts {
            run.push(draft);
            if run.len() == RUN && tx.send(std::mem::take(&mut run)).is_err() {
                return;
            }
        }
        if !run.is_empty() {
            let _ = tx.send(run);
        }
    });
    let t = std::time::Instant::now();
    let mut done = 0u64;
    for run in rx {
        done += run.len() as u64;
        ledger.append_run_unflushed(run).expect("append a run");
        if progress && done % 100_000 < RUN as u64 {
            eprintln!("{done} events, {:.1?}", t.elapsed());
        }
    }
    maker.join().expect("the drafts' thread");
    ledger.flush().expect("flush");
}

/// The drafts of the workload, continuing a ledger from its head.
pub struct Drafts {
    w: Workload,
    rng: Rng,
    schema: Schema,
    next: u64,
    last: u64,
}

impl Drafts {
    /// `n` drafts that follow `ledger`'s head.
    pub fn after(ledger: &Ledger, n: u64, seed: u64) -> Drafts {
        let start = ledger.head_seq();
        Drafts {
            w: workload_after(start),
            rng: Rng(seed ^ start),
            schema: ledger.schema_at(start).expect("the ledger replays"),
            next: start + 1,
            last: start + n,
        }
    }
}

impl Iterator for Drafts {
    type Item = Draft;

    fn next(&mut self) -> Option<Draft> {
        let i = self.next;
        if i > self.last {
            return None;
        }
        self.next += 1;
        let rng = &mut self.rng;
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
                    let op = self.w.next_op(&self.schema, rng.next_u64());
                    project(RULES, &mut self.schema, &op).expect("workload ops fit");
                    op
                })
                .collect();
            Body::Change {
                ops,
                revert_sql: None,
            }
        };
        Some(Draft {
            at: Some(Timestamp(T0 + i as i64 * 1_000_000)),
            author: "bench".to_string(),
            message: format!("step {i}"),
            body,
        })
    }
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
    generate(&l, n, 42, false);
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
