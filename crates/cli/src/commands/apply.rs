//! `strata apply`: reconcile a SQLite database to a point of the ledger,
//! forwards or backwards, in one transaction.

use serde_json::json;
use strata_reconcile::{Mover, Outcome};
use strata_target::Plan;

use super::target::{reconciler, render_difference};
use crate::context::{print_json, Context};
use crate::failure::{exit, Failure};
use crate::flags::{Author, Db, To};
use crate::output;

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
        db: Db { db: path },
        to: To { to },
        dry_run,
        author,
        without_data,
    } = args;
    let ledger = cx.ledger()?;
    let to = ledger.resolve(&to)?;
    if let Some(code) = super::empty::nothing_to_apply(cx, &ledger, &path)? {
        return Ok(code);
    }
    let mover = Mover::named(author.name()?);
    let r = reconciler(&ledger)?;
    let mut db = r.open(&path)?;
    let survey = r.survey(&db)?;
    if !survey.drift.is_empty() {
        let shown = if cx.json() {
            print_json(&json!({
                "db": path, "seq": survey.seq(),
                "drift": survey.drift.iter().map(render_difference).collect::<Vec<_>>(),
            }))
        } else {
            survey
                .drift
                .iter()
                .try_for_each(|d| output::line(format_args!("drift: {}", render_difference(d))))
        };
        // The refusal (exit 4) is the outcome even when the drift cannot be
        // shown.
        survey.refuse_drift()?;
        shown?;
    }
    let from = survey.seq();
    let mut planned = r.plan(&db, survey, to)?;
    if planned.is_done() {
        if cx.json() {
            print_json(&json!({ "db": path, "from": from, "to": to, "statements": 0 }))?;
        } else {
            cx.say(format_args!("{} is already at event {to}", path.display()))?;
        }
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
        if cx.json() {
            print_json(&json!({ "db": path, "from": from, "to": to, "sql": planned.plan.sql() }))?;
        } else {
            output::text(&planned.plan.sql())?;
        }
        return Ok(exit::OK);
    }
    // The ledger is let go before the database work, however long: other
    // strata processes (readers, recorders) need not wait for it.
    drop(ledger);
    let applied = match strata_reconcile::apply(&mut db, &planned, &mover)? {
        Outcome::Applied(applied) => applied,
        // Another process applied while this one waited for the database:
        // it went where this one goes, so there is nothing left to do.
        Outcome::AlreadyThere => {
            if cx.json() {
                print_json(&json!({ "db": path, "from": to, "to": to, "statements": 0 }))?;
            } else {
                cx.say(format_args!(
                    "{} is already at event {to} (another process applied it meanwhile)",
                    path.display()
                ))?;
            }
            return Ok(exit::OK);
        }
    };
    let losses = planned.plan.losses();
    if cx.json() {
        print_json(&json!({
            "db": path, "from": from, "to": to,
            "statements": applied.statements,
            "archived": applied.archived.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "restored": applied.restored.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "without_data": losses.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }))?;
    } else {
        cx.say(format_args!(
            "{} is now at event {to} (was {from}; {} statement{})",
            path.display(),
            applied.statements,
            if applied.statements == 1 { "" } else { "s" }
        ))?;
        for a in &applied.archived {
            cx.say(format_args!("archived {a}"))?;
        }
        for r in &applied.restored {
            cx.say(format_args!("restored {r}"))?;
        }
        for loss in losses {
            output::diagnostic(format_args!(
                "warning: came back without its data (--without-data): {loss}"
            ));
        }
    }
    Ok(exit::OK)
}
