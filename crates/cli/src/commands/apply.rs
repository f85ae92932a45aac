//! `strata apply`: reconcile a SQLite database to a point of the ledger,
//! forwards or backwards, in one transaction.

use std::path::PathBuf;

use serde_json::json;
use strata_ledger::Point;
use strata_reconcile::{Mover, Outcome};
use strata_target::Plan;

use super::target::{reconciler, render_difference};
use crate::context::{parse_point, print_json, Context};
use crate::failure::{exit, Failure};

pub const EXAMPLES: &str = "Examples:
  strata apply --db app.db
  strata apply --db app.db --to v1.0 --dry-run
  strata apply --db app.db --to head~1";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQLite database (created when missing).
    #[arg(long, env = "STRATA_DB", value_name = "FILE")]
    pub db: PathBuf,
    /// The point to reconcile to (default head); before the database's point
    /// moves it backwards.
    #[arg(long, value_parser = parse_point, default_value = "head", value_name = "POINT")]
    pub to: Point,
    /// Print the exact SQL and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Who applies, for the database's log (else $STRATA_AUTHOR, else the login name).
    #[arg(long, env = "STRATA_AUTHOR")]
    pub author: Option<String>,
    /// Move even where a table or column comes back without its data (its
    /// archive was purged); the database's log says so.
    #[arg(long)]
    pub without_data: bool,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let ledger = cx.ledger()?;
    let to = ledger.resolve(&args.to)?;
    if let Some(code) = super::empty::nothing_to_apply(cx, &ledger, &args.db)? {
        return Ok(code);
    }
    let mover = Mover::named(super::record::author(args.author)?);
    let r = reconciler(&ledger)?;
    let mut db = r.open(&args.db)?;
    let survey = r.survey(&db)?;
    if !survey.drift.is_empty() {
        if cx.json() {
            print_json(&json!({
                "db": args.db, "seq": survey.seq(),
                "drift": survey.drift.iter().map(render_difference).collect::<Vec<_>>(),
            }))?;
        } else {
            for d in &survey.drift {
                println!("drift: {}", render_difference(d));
            }
        }
        survey.refuse_drift()?;
    }
    let from = survey.seq();
    let mut planned = r.plan(&db, survey, to)?;
    if planned.is_done() {
        if cx.json() {
            print_json(&json!({ "db": args.db, "from": from, "to": to, "statements": 0 }))?;
        } else {
            cx.say(format_args!(
                "{} is already at event {to}",
                args.db.display()
            ));
        }
        return Ok(exit::OK);
    }
    if let Err(e) = planned.check_losses(args.without_data) {
        for loss in planned.plan.losses() {
            println!("would come back without its data: {loss}");
        }
        return Err(e.into());
    }
    if args.dry_run {
        if cx.json() {
            print_json(
                &json!({ "db": args.db, "from": from, "to": to, "sql": planned.plan.sql() }),
            )?;
        } else {
            print!("{}", planned.plan.sql());
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
                print_json(&json!({ "db": args.db, "from": to, "to": to, "statements": 0 }))?;
            } else {
                cx.say(format_args!(
                    "{} is already at event {to} (another process applied it meanwhile)",
                    args.db.display()
                ));
            }
            return Ok(exit::OK);
        }
    };
    let losses = planned.plan.losses();
    if cx.json() {
        print_json(&json!({
            "db": args.db, "from": from, "to": to,
            "statements": applied.statements,
            "archived": applied.archived.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "restored": applied.restored.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "without_data": losses.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }))?;
    } else {
        cx.say(format_args!(
            "{} is now at event {to} (was {from}; {} statement{})",
            args.db.display(),
            applied.statements,
            if applied.statements == 1 { "" } else { "s" }
        ));
        for a in &applied.archived {
            cx.say(format_args!("archived {a}"));
        }
        for r in &applied.restored {
            cx.say(format_args!("restored {r}"));
        }
        for loss in losses {
            eprintln!("warning: came back without its data (--without-data): {loss}");
        }
    }
    Ok(exit::OK)
}
