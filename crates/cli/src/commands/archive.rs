//! `strata archive`: what dropped data a database keeps, and its explicit
//! removal.

use super::any::{is_url, AnyDb, AnyTarget};
use serde::Serialize;
use strata_ledger::Point;
use strata_reconcile::{Kept, Reconciler};

use super::target::reconciler;
use crate::context::{parse_point, Context};
use crate::failure::{exit, Failure};
use crate::flags::Db;
use crate::report::{self, plural, Text};

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
        Action::List { db } => {
            let db = db.path()?;
            let ledger = cx.ledger()?;
            let r = reconciler(&ledger)?;
            let kept = r.archives(&open(&r, &db)?)?;
            cx.report(&Listed {
                db: &db,
                kept: kept.iter().map(Entry::of).collect(),
            })?;
        }
        Action::Purge { db, before } => {
            let db = db.path()?;
            let ledger = cx.ledger()?;
            let before = ledger.resolve(&before)?;
            let r = reconciler(&ledger)?;
            let gone = r.purge(&mut open(&r, &db)?, before)?;
            cx.report(&Purged {
                before,
                removed: gone.iter().map(Entry::of).collect(),
            })?;
        }
    }
    Ok(exit::OK)
}

/// What `archive list` reports: what the database keeps (in JSON, the
/// list itself).
#[derive(Serialize)]
#[serde(transparent)]
struct Listed<'a> {
    #[serde(skip)]
    db: &'a std::path::Path,
    kept: Vec<Entry>,
}

impl report::Report for Listed<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        if self.kept.is_empty() {
            return out.say(format_args!(
                "{} keeps no archived data",
                super::any::shown(&self.db)
            ));
        }
        self.kept.iter().try_for_each(|k| out.line(&k.line))
    }
}

/// What `archive purge` reports: what it removed.
#[derive(Serialize)]
struct Purged {
    #[serde(skip)]
    before: u64,
    removed: Vec<Entry>,
}

impl report::Report for Purged {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let n = self.removed.len();
        out.say(format_args!(
            "removed {n} archive entr{} made by events up to {}",
            if n == 1 { "y" } else { "ies" },
            self.before
        ))?;
        self.removed
            .iter()
            .try_for_each(|k| out.say(format_args!("  {}", k.line)))
    }
}

/// One archive, as the reports show it. (JSON fields in alphabetical
/// order, as always printed.)
#[derive(Serialize)]
struct Entry {
    archive_table: String,
    bytes: u64,
    column: Option<String>,
    created_at: String,
    kind: String,
    lineage: Lineage,
    op: u32,
    restored_by: String,
    rows: u64,
    seq: u64,
    table: String,
    /// Its line of text.
    #[serde(skip)]
    line: String,
}

#[derive(Serialize)]
struct Lineage {
    forward: bool,
    op: u32,
    seq: u64,
}

impl Entry {
    fn of(k: &Kept) -> Entry {
        Entry {
            archive_table: k.archive_table.clone(),
            bytes: k.bytes,
            column: k.column.clone(),
            created_at: k.created_at.clone(),
            kind: k.kind.clone(),
            lineage: Lineage {
                forward: k.lineage.forward,
                op: k.lineage.op,
                seq: k.lineage.seq,
            },
            op: k.op,
            restored_by: restored_by(k),
            rows: k.rows,
            seq: k.seq,
            table: k.table.clone(),
            line: line(k),
        }
    }
}

fn open(r: &Reconciler<'_, AnyTarget>, db: &std::path::Path) -> Result<AnyDb, Failure> {
    if !is_url(db) && !db.is_file() {
        return Err(Failure::new(format!(
            "{} does not exist",
            super::any::shown(&db)
        )));
    }
    Ok(r.open(db)?)
}

fn line(k: &Kept) -> String {
    let what = match &k.column {
        Some(c) => format!("{} {}.{c}", k.kind, k.table),
        None => format!("{} {}", k.kind, k.table),
    };
    format!(
        "event {} op {}: {what}: {} row{}, {} bytes in {} ({}); made by {}; comes back with {}",
        k.seq,
        k.op + 1,
        k.rows,
        plural(k.rows),
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
