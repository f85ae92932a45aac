//! `strata check`: for CI, whether a database is where it should be: at
//! head (or `--to POINT`), recorded there, with no drift. The answer is the
//! exit code: 0 when it is, 4 when it drifted, 5 when events are pending
//! (an apply would move it); a database of another ledger, at a point not
//! in the chain, or ahead of the point checked is 3. It reads the database
//! through the reconciler's survey, as `status` does, and changes nothing.

use std::path::Path;

use serde::Serialize;
use strata_ledger::{Body, Point};

use super::status::{pending_and_drift, Pending};
use super::target::render_difference;
use crate::context::{parse_point, Context};
use crate::failure::{exit, Failure};
use crate::flags::Db;
use crate::report::{self, count, Text};

pub const EXAMPLES: &str =
    "Exit 0 when the database is at the point with no drift, 4 when it drifted, \
5 when events are pending, 3 when it is ahead of the point or belongs to another ledger.

Examples:
  strata check --db app.db
  strata check --db app.db --to v1.0
  strata --json check --db app.db";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: Db,
    /// The point the database should be at (default head).
    #[arg(long, value_parser = parse_point, default_value = "head", value_name = "POINT")]
    pub to: Point,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let path = args.db.path()?;
    let ledger = cx.ledger()?;
    let to = ledger.resolve(&args.to)?;
    let survey = super::status::survey(&ledger, &path)?;
    let at = &survey.standing;
    // The events between its point and the point checked, either way; tag
    // events change nothing a database holds, so they are not counted.
    let mut between = Vec::new();
    for entry in ledger.events_from(at.seq.min(to) + 1) {
        let entry = entry?;
        if entry.event.seq > at.seq.max(to) {
            break;
        }
        if !matches!(entry.event.body, Body::Tag { .. }) {
            between.push(Pending::of(entry));
        }
    }
    let ahead = at.seq > to && !between.is_empty();
    let pending = if at.seq < to { between } else { Vec::new() };
    let recorded = at.position.is_some() && at.detour.is_none();
    // A database strata never applied to is where it should be only on a
    // ledger with no events: there, apply has nothing to do.
    let marked = recorded || (at.position.is_none() && ledger.head_seq() == 0);
    let state = if ahead {
        State::Ahead
    } else if !survey.drift.is_empty() {
        State::Drift
    } else if !marked || !pending.is_empty() {
        State::Pending
    } else {
        State::Ok
    };
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
        head: ledger.head_seq(),
        pending,
        rebased: at.detour.is_some(),
        seq: at.seq,
        state,
        to,
    };
    // The exit code is the answer, even when the report cannot be shown.
    let shown = cx.report(&report);
    match state {
        State::Ok => {}
        State::Ahead => {
            let db = super::any::shown(&path);
            let seq = at.seq;
            return Err(Failure::new(format!(
                "{db} is at event {seq}, after event {to}, the point checked"
            ))
            .help(format!(
                "check it against the point it is at, or move it back: strata apply --db {db} --to {to}"
            ))
            .with_code(exit::INTEGRITY));
        }
        State::Drift => survey.refuse_drift()?,
        State::Pending => {
            let n = report.pending.len();
            let why = if n > 0 {
                format!("{} pending", count(n, "event", "events"))
            } else if at.detour.is_some() {
                "it holds events as they were before a rebase".to_string()
            } else {
                "strata has not marked it there".to_string()
            };
            let to_flag = if to == ledger.head_seq() {
                String::new()
            } else {
                format!(" --to {to}")
            };
            return Err(Failure::new(format!(
                "{} is not at event {to}: {why}",
                super::any::shown(&path)
            ))
            .help(format!(
                "apply brings it there: strata apply --db {}{to_flag}",
                super::any::shown(&path)
            ))
            .with_code(exit::PENDING));
        }
    }
    shown?;
    Ok(exit::OK)
}

/// Where the database is, against the point checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum State {
    /// At the point, recorded there, no drift (exit 0).
    Ok,
    /// Its live schema is not its point's (exit 4).
    Drift,
    /// Behind the point, or not recorded there (exit 5).
    Pending,
    /// Past the point (exit 3).
    Ahead,
}

/// What `check` reports. (JSON fields in alphabetical order.)
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
    /// The events between its point and the point checked (tags left
    /// out).
    pending: Vec<Pending>,
    /// It records an event a rebase re-recorded since.
    rebased: bool,
    /// Its point.
    seq: u64,
    state: State,
    /// The point checked.
    to: u64,
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let db = super::any::shown(&self.db);
        let seq = self.seq;
        match (&self.hash, self.rebased) {
            (Some(_), true) => out.line(format_args!(
                "{db} records an event of the history before a rebase: it has event {seq} and events re-recorded since"
            )),
            (Some(hash), false) => {
                out.line(format_args!("{db} is at event {seq} ({})", &hash[..12]))
            }
            (None, _) if seq > 0 => out.line(format_args!(
                "{db} has not been applied to; its schema is that of baseline event {seq}"
            )),
            (None, _) => out.line(format_args!("{db} has not been applied to (point 0)")),
        }?;
        let which = if self.to == self.head {
            format!("event {} (head)", self.to)
        } else {
            format!("event {}", self.to)
        };
        if self.state == State::Ahead {
            out.line(format_args!(
                "checked against {which}: it is past that point"
            ))?;
        } else {
            out.line(format_args!(
                "checked against {which}: {} pending",
                self.pending.len()
            ))?;
        }
        pending_and_drift(out, &self.pending, &self.drift)?;
        if self.state == State::Ok {
            if self.seq == self.to {
                out.say(format_args!("ok: {db} is at {which}"))?;
            } else {
                out.say(format_args!(
                    "ok: {db} has the schema of {which}: only tags lie between"
                ))?;
            }
        }
        Ok(())
    }
}
