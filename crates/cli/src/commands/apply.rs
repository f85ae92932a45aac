//! `strata apply`: reconcile a SQLite database to a point of the ledger,
//! forwards or backwards, in one transaction.

use std::path::Path;
use std::sync::atomic::Ordering;

use serde::Serialize;
use strata_reconcile::{Mover, Outcome};
use strata_target::{Database, Plan};

use super::target::{reconciler, render_difference};
use crate::context::Context;
use crate::failure::{exit, Failure};
use crate::flags::{Author, Db, To};
use crate::output;
use crate::report::{self, plural, Text};
use crate::term::{self, Progress};

pub const EXAMPLES: &str = "Examples:
  strata apply --db app.db
  strata apply --db app.db --to v1.0 --dry-run
  strata apply --db app.db --to head~1";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: Db,
    #[command(flatten)]
    pub to: To,
    /// Print the exact SQL and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub author: Author,
    /// Move even where a table or column comes back without its data (its
    /// archive was purged); the database's log says so.
    #[arg(long)]
    pub without_data: bool,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let Args {
        db,
        to: To { to },
        dry_run,
        author,
        without_data,
    } = args;
    let path = db.path()?;
    let ledger = cx.ledger()?;
    let to = ledger.resolve(&to)?;
    if let Some(code) = super::empty::nothing_to_apply(cx, &ledger, &path)? {
        return Ok(code);
    }
    let mover = Mover::named(author.mover());
    let r = reconciler(&ledger)?;
    let mut db = r.open(&path)?;
    // At the point already, sealed by the apply that brought it there: the
    // survey and the plan would find it done, so neither is made. An error
    // here is left for the survey to meet and report as it always has.
    if let Ok(true) = r.at_rest(&db, to) {
        cx.report(&Report::Done {
            db: &path,
            from: to,
            statements: 0,
            to,
            meanwhile: false,
        })?;
        return Ok(exit::OK);
    }
    let survey = r.survey(&db)?;
    if !survey.drift.is_empty() {
        let drift = survey
            .drift
            .iter()
            .map(|d| render_difference(r.target(), d))
            .collect();
        let shown = cx.report(&Report::Drifted {
            db: &path,
            drift,
            seq: survey.seq(),
        });
        // The refusal (exit 4) is the outcome even when the drift cannot be
        // shown.
        survey.refuse_drift()?;
        shown?;
    }
    let from = survey.seq();
    let mut planned = r.plan(&db, survey, to)?;
    if planned.is_done() {
        cx.report(&Report::Done {
            db: &path,
            from,
            statements: 0,
            to,
            meanwhile: false,
        })?;
        return Ok(exit::OK);
    }
    if let Err(e) = planned.check_losses(without_data) {
        // The refusal is the outcome, whether or not the losses can be shown.
        let _ = planned.plan.losses().iter().try_for_each(|loss| {
            output::line(format_args!("would come back without its data: {loss}"))
        });
        return Err(e.into());
    }
    if dry_run {
        let sql = planned.plan.sql();
        cx.report(&Report::DryRun {
            db: &path,
            from,
            sql,
            to,
        })?;
        return Ok(exit::OK);
    }
    // The ledger is let go before the database work, however long: other
    // strata processes (readers, recorders) need not wait for it.
    drop(ledger);
    // From here a Ctrl-C stops the transaction at its next safe point and
    // rolls it back, rather than killing the process part-way.
    term::stop_on_ctrl_c();
    db.stop_when(&term::INTERRUPTED).map_err(Failure::target)?;
    let progress = Progress::start(
        cx,
        format!(
            "applying to {}: event {from} to {to}",
            super::any::shown(&path)
        ),
    );
    let result = strata_reconcile::apply(&mut db, &planned, &mover);
    progress.done();
    if term::INTERRUPTED.load(Ordering::SeqCst) {
        return interrupted(&db, &path, result.is_ok(), (from, to));
    }
    let applied = match result? {
        Outcome::Applied(applied) => applied,
        // Another process applied while this one waited for the database:
        // it went where this one goes, so there is nothing left to do.
        Outcome::AlreadyThere => {
            cx.report(&Report::Done {
                db: &path,
                from: to,
                statements: 0,
                to,
                meanwhile: true,
            })?;
            return Ok(exit::OK);
        }
    };
    cx.report(&Report::Moved {
        archived: shown(&applied.archived),
        db: &path,
        from,
        restored: shown(&applied.restored),
        statements: applied.statements,
        to,
        without_data: shown(planned.plan.losses()),
    })?;
    Ok(exit::OK)
}

/// After a Ctrl-C: where the database stands (read back from it), exit
/// 130. An apply whose transaction committed before the stop took effect
/// says so; otherwise it was rolled back and nothing changed.
fn interrupted(
    db: &super::any::AnyDb,
    path: &Path,
    committed: bool,
    (from, to): (u64, u64),
) -> Result<u8, Failure> {
    let stands = match db.position() {
        Ok(Some(p)) => format!("{} is at event {}", super::any::shown(&path), p.seq),
        Ok(None) => format!("{} has no recorded point", super::any::shown(&path)),
        Err(e) => format!(
            "{}: its point cannot be read: {e}",
            super::any::shown(&path)
        ),
    };
    let failure = if committed {
        Failure::new(format!(
            "interrupted after the apply had committed: {stands}"
        ))
    } else {
        Failure::new(format!(
            "interrupted: the transaction was rolled back, nothing changed: {stands} (the apply was taking it from event {from} to {to})"
        ))
        .help("run the apply again to move it")
    };
    Err(failure.with_code(term::INTERRUPTED_EXIT))
}

/// What `apply` reports. (The JSON fields are in alphabetical order, as
/// they have always been printed.)
#[derive(Serialize)]
#[serde(untagged)]
enum Report<'a> {
    /// The database drifted from its point: nothing was done (exit 4).
    Drifted {
        #[serde(serialize_with = "super::any::serialize_shown")]
        db: &'a Path,
        drift: Vec<String>,
        seq: u64,
    },
    /// The database is at the point already (`meanwhile`: another process
    /// moved it there while this one waited).
    Done {
        #[serde(serialize_with = "super::any::serialize_shown")]
        db: &'a Path,
        from: u64,
        statements: u64,
        to: u64,
        #[serde(skip)]
        meanwhile: bool,
    },
    /// The script a dry run shows.
    DryRun {
        #[serde(serialize_with = "super::any::serialize_shown")]
        db: &'a Path,
        from: u64,
        sql: String,
        to: u64,
    },
    /// The database moved.
    Moved {
        archived: Vec<String>,
        #[serde(serialize_with = "super::any::serialize_shown")]
        db: &'a Path,
        from: u64,
        restored: Vec<String>,
        statements: usize,
        to: u64,
        without_data: Vec<String>,
    },
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        match self {
            Report::Drifted { drift, .. } => {
                for d in drift {
                    out.line(format_args!("drift: {d}"))?;
                }
            }
            Report::Done {
                db, to, meanwhile, ..
            } => out.say(format_args!(
                "{} is already at event {to}{}",
                super::any::shown(&db),
                if *meanwhile {
                    " (another process applied it meanwhile)"
                } else {
                    ""
                }
            ))?,
            Report::DryRun { sql, .. } => out.raw(sql)?,
            Report::Moved {
                archived,
                db,
                from,
                restored,
                statements,
                to,
                without_data,
            } => {
                out.say(format_args!(
                    "{} is now at event {to} (was {from}; {statements} statement{})",
                    super::any::shown(&db),
                    plural(*statements as u64)
                ))?;
                for a in archived {
                    out.say(format_args!("archived {a}"))?;
                }
                for r in restored {
                    out.say(format_args!("restored {r}"))?;
                }
                for loss in without_data {
                    out.warn(format_args!(
                        "came back without its data (--without-data): {loss}"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Each item as its one line of text.
fn shown<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}
