//! `strata archive`: what dropped data a database keeps, and its explicit
//! removal.

use std::path::PathBuf;

use serde_json::json;
use strata_ledger::Point;
use strata_sqlite::archive::Kept;

use super::target::with_legacy;
use crate::context::{parse_point, print_json, Context};
use crate::failure::{exit, Failure};

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
        /// The SQLite database.
        #[arg(long, env = "STRATA_DB", value_name = "FILE")]
        db: PathBuf,
    },
    /// Remove what the events up to POINT archived (never automatic).
    #[command(after_help = "Example:\n  strata archive purge --db app.db --before v2.0")]
    Purge {
        /// The SQLite database.
        #[arg(long, env = "STRATA_DB", value_name = "FILE")]
        db: PathBuf,
        /// Remove the archives of the events up to this point (inclusive).
        #[arg(long, value_parser = parse_point, value_name = "POINT")]
        before: Point,
    },
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    match args.action {
        Action::List { db } => {
            let ledger = cx.ledger()?;
            let conn = open(&db)?;
            let kept = with_legacy(&ledger, |legacy| {
                strata_sqlite::archive::list(&conn, legacy)
            })
            .map_err(Failure::new)?;
            if cx.json() {
                print_json(&kept.iter().map(kept_json).collect::<Vec<_>>())?;
            } else if kept.is_empty() {
                cx.say(format_args!("{} keeps no archived data", db.display()));
            } else {
                for k in &kept {
                    println!("{}", line(k));
                }
            }
        }
        Action::Purge { db, before } => {
            let ledger = cx.ledger()?;
            let before = ledger.resolve(&before)?;
            let mut conn = open(&db)?;
            super::target::standing(&ledger, &conn, &db)?;
            let gone = with_legacy(&ledger, |legacy| {
                strata_sqlite::archive::purge(&mut conn, before, legacy)
            })
            .map_err(Failure::new)?;
            if cx.json() {
                print_json(&json!({ "removed": gone.iter().map(kept_json).collect::<Vec<_>>() }))?;
            } else {
                cx.say(format_args!(
                    "removed {} archive entr{} made by events up to {before}",
                    gone.len(),
                    if gone.len() == 1 { "y" } else { "ies" }
                ));
                for k in &gone {
                    cx.say(format_args!("  {}", line(k)));
                }
            }
        }
    }
    Ok(exit::OK)
}

fn open(db: &std::path::Path) -> Result<strata_sqlite::rusqlite::Connection, Failure> {
    if !db.is_file() {
        return Err(Failure::new(format!("{} does not exist", db.display())));
    }
    strata_sqlite::apply::open(db).map_err(Failure::new)
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
