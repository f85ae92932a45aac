//! `strata status`: where a database stands, what is pending, any drift.

use std::path::Path;

use serde::Serialize;
use strata_ledger::{Entry, Ledger};
use strata_reconcile::Survey;

use super::target::{reconciler, render_difference};
use crate::context::Context;
use crate::failure::{exit, Failure};
use crate::flags::Db;
use crate::report::{self, Text};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: Db,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let path = args.db.path()?;
    let ledger = cx.ledger()?;
    let survey = survey(&ledger, &path)?;
    let at = &survey.standing;
    let head = ledger.head_seq();
    let mut pending = Vec::new();
    if at.seq < head {
        for entry in ledger.events_from(at.seq + 1) {
            pending.push(Pending::of(entry?));
        }
    }
    let target = super::target::target(&ledger)?;
    let report = Report {
        applied: at.position.is_some(),
        db: &path,
        drift: survey
            .drift
            .iter()
            .map(|d| render_difference(target, d))
            .collect(),
        hash: at.position.map(|p| p.hash.to_string()),
        head,
        pending,
        rebased: at.detour.map(|d| Rebased {
            first: d.first,
            fork: d.fork,
            last: d.last,
            recorded: at.position.map_or(0, |p| p.seq),
        }),
        seq: at.seq,
    };
    // A drifted database is exit 4 even when its report cannot be shown.
    let shown = cx.report(&report);
    survey.refuse_drift()?;
    shown?;
    Ok(exit::OK)
}

/// What `status` reports: where the database stands, what is pending and
/// any drift. (JSON fields in alphabetical order, as always printed.)
#[derive(Serialize)]
struct Report<'a> {
    /// strata has applied to it (it records a point).
    applied: bool,
    #[serde(serialize_with = "super::any::serialize_shown")]
    db: &'a Path,
    drift: Vec<String>,
    /// The hash of the point it records.
    hash: Option<String>,
    head: u64,
    pending: Vec<Pending>,
    /// When it applied events a rebase re-recorded since.
    rebased: Option<Rebased>,
    seq: u64,
}

/// Where the events a database applied went in a rebase: it records
/// event `recorded` of the history before it; they are now `first..=last`,
/// after the other branch's events, and it stands on `fork` plus them.
#[derive(Serialize)]
struct Rebased {
    first: u64,
    fork: u64,
    last: u64,
    recorded: u64,
}

/// Where the existing database at `path` stands, and its drift, read
/// once (what `status` and `check` report).
pub(super) fn survey(ledger: &Ledger, path: &Path) -> Result<Survey, Failure> {
    if !super::any::is_url(path) && !path.is_file() {
        return Err(
            Failure::new(format!("{} does not exist", super::any::shown(&path)))
                .help("apply creates it: strata apply --db FILE"),
        );
    }
    let r = reconciler(ledger)?;
    Ok(r.survey(&r.open(path)?)?)
}

/// An event the database has not had yet.
#[derive(Serialize)]
pub(super) struct Pending {
    kind: &'static str,
    message: String,
    seq: u64,
}

impl Pending {
    pub(super) fn of(entry: Entry) -> Pending {
        Pending {
            seq: entry.event.seq,
            kind: entry.event.body.kind(),
            message: entry.event.message,
        }
    }
}

/// The lines of the pending events and of the drift, or `no drift`.
pub(super) fn pending_and_drift(
    out: &Text<'_>,
    pending: &[Pending],
    drift: &[String],
) -> Result<(), Failure> {
    for p in pending {
        out.line(format_args!("  event {} {}: {}", p.seq, p.kind, p.message))?;
    }
    if drift.is_empty() {
        out.line("no drift")?;
    }
    for d in drift {
        out.line(format_args!("drift: {d}"))?;
    }
    Ok(())
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let db = super::any::shown(&self.db);
        let seq = self.seq;
        match (&self.hash, &self.rebased) {
            (Some(hash), Some(r)) => out.line(format_args!(
                "{db} records event {} ({}) of the history before a rebase: it has event {} and the events now {} to {}",
                r.recorded,
                &hash[..12],
                r.fork,
                r.first,
                r.last
            )),
            (Some(hash), None) => out.line(format_args!("{db} is at event {seq} ({})", &hash[..12])),
            (None, _) if seq > 0 => out.line(format_args!(
                "{db} has not been applied to; its schema is that of baseline event {seq}, where apply adopts it"
            )),
            (None, _) => out.line(format_args!("{db} has not been applied to (point 0)")),
        }?;
        out.line(format_args!(
            "head is event {}; {} pending",
            self.head,
            self.pending.len()
        ))?;
        pending_and_drift(out, &self.pending, &self.drift)
    }
}
