//! `strata archive`: what dropped data a database keeps, and its explicit
//! removal.

use serde_json::json;
use strata_ledger::Point;
use strata_reconcile::{Kept, Reconciler};
use strata_sqlite::{Sqlite, SqliteDb};

use super::target::reconciler;
use crate::context::{parse_point, print_json, Context};
use crate::failure::{exit, Failure};
use crate::flags::Db;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// What is kept: for which event, how many rows and bytes.
    #[command(after_help = "Example:\n  strata archive list --db app.db")]
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Remove what the events up to POINT archived (never automatic).
    #[command(after_help = "Example:\n  strata archive purge --db app.db --before v2.0")]
    Purge {
        #[command(flatten)]
        db: Db,
        /// Remove the archives of the events up to this point (inclusive).
        #[arg(long, value_parser = parse_point, value_name = "POINT")]
        before: Point,
    },
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    match args.action {
        Action::List { db: Db { db } } => {
            let ledger = cx.ledger()?;
            let r = reconciler(&ledger)?;
            let kept = r.archives(&open(&r, &db)?)?;
            if cx.json() {
                print_json(&kept.iter().map(kept_json).collect::<Vec<_>>())?;
            } else if kept.is_empty() {
                cx.say(format_args!("{} keeps no archived data", db.display()))?;
            } else {
                for k in &kept {
                    output::line(line(k))?;
                }
            }
        }
        Action::Purge {
            db: Db { db },
            before,
        } => {
            let ledger = cx.ledger()?;
            let before = ledger.resolve(&before)?;
            let r = reconciler(&ledger)?;
            let gone = r.purge(&mut open(&r, &db)?, before)?;
            if cx.json() {
                print_json(&json!({ "removed": gone.iter().map(kept_json).collect::<Vec<_>>() }))?;
            } else {
                cx.say(format_args!(
                    "removed {} archive entr{} made by events up to {before}",
                    gone.len(),
                    if gone.len() == 1 { "y" } else { "ies" }
                ))?;
                for k in &gone {
                    cx.say(format_args!("  {}", line(k)))?;
                }
            }
        }
    }
    Ok(exit::OK)
}

fn open(r: &Reconciler<'_, Sqlite>, db: &std::path::Path) -> Result<SqliteDb, Failure> {
    if !db.is_file() {
        return Err(Failure::new(format!("{} does not exist", db.display())));
    }
    Ok(r.open(db)?)
}

fn line(k: &Kept) -> String {
    let what = match &k.column {
        Some(c) => format!("{} {}.{c}", k.kind, k.table),
        None => format!("{} {}", k.kind, k.table),
    };
    format!(
        "event {} op {}: {what}: {} rows, {} bytes in {} ({}); made by {}; comes back with {}",
        k.seq,
        k.op + 1,
        k.rows,
        k.bytes,
        k.archive_table,
        k.created_at,
        k.lineage,
        restored_by(k)
    )
}

/// What brings an archive's data back: the op that made it, run the other
/// way.
fn restored_by(k: &Kept) -> String {
    let l = k.lineage;
    if l.forward {
        format!(
            "the undo of event {} op {} (a revert of event {}, or apply --to before it)",
            l.seq,
            l.op + 1,
            l.seq
        )
    } else {
        format!(
            "event {} op {} again (apply forwards over event {}, or a redo)",
            l.seq,
            l.op + 1,
            l.seq
        )
    }
}

fn kept_json(k: &Kept) -> serde_json::Value {
    let l = k.lineage;
    json!({
        "seq": k.seq, "op": k.op, "kind": k.kind, "table": k.table, "column": k.column,
        "archive_table": k.archive_table, "rows": k.rows, "bytes": k.bytes,
        "lineage": { "seq": l.seq, "op": l.op, "forward": l.forward },
        "restored_by": restored_by(k),
        "created_at": k.created_at,
    })
}
