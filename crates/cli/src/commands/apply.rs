//! `strata apply`: reconcile a SQLite database to a point of the ledger,
//! forwards or backwards, in one transaction.

use std::path::PathBuf;

use serde_json::json;
use strata_ledger::Point;
use strata_sqlite::apply::{read_state, ApplyError};
use strata_sqlite::plan::{plan_with, Loss};

use super::target::{custody, drift, drift_failure, position, standing, steps};
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
    let who = super::record::author(args.author)?;
    let mut conn = strata_sqlite::apply::open(&args.db).map_err(Failure::new)?;
    let from = standing(&ledger, &conn, &args.db)?;
    let drifted = drift(&ledger, &conn, from.seq)?;
    if !drifted.is_empty() {
        if cx.json() {
            print_json(&json!({
                "db": args.db, "seq": from.seq,
                "drift": drifted.iter().map(strata_sqlite::render::difference).collect::<Vec<_>>(),
            }))?;
        } else {
            for d in &drifted {
                println!("drift: {}", strata_sqlite::render::difference(d));
            }
        }
        return Err(drift_failure(&args.db, from.seq, &drifted));
    }
    if from.seq == to && from.position.is_some() {
        if cx.json() {
            print_json(&json!({ "db": args.db, "from": from.seq, "to": to, "statements": 0 }))?;
        } else {
            cx.say(format_args!(
                "{} is already at event {to}",
                args.db.display()
            ));
        }
        return Ok(exit::OK);
    }
    let steps = steps(&ledger, from.seq, to)?;
    let custody = custody(&ledger, &conn, &args.db)?;
    let start = ledger.schema_at(from.seq)?;
    let target = ledger.schema_at(to)?;
    let mut plan = plan_with(&start, &steps, &custody).map_err(Failure::new)?;
    if !plan.losses.is_empty() {
        if !args.without_data {
            for loss in &plan.losses {
                println!("would come back without its data: {loss}");
            }
            return Err(without_data_failure(&args.db, &plan.losses));
        }
        plan.note = Some(format!(
            "--without-data: {}",
            plan.losses
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if args.dry_run {
        if cx.json() {
            print_json(&json!({ "db": args.db, "from": from.seq, "to": to, "sql": plan.sql() }))?;
        } else {
            print!("{}", plan.sql());
        }
        return Ok(exit::OK);
    }
    let to_position = position(&ledger, to)?;
    // The ledger is let go before the database work, however long: other
    // strata processes (readers, recorders) need not wait for it.
    drop(ledger);
    let applied = match strata_sqlite::apply::apply(
        &mut conn,
        &plan,
        from.position.as_ref(),
        &to_position,
        &target,
        &who,
        env!("CARGO_PKG_VERSION"),
    ) {
        Ok(applied) => applied,
        // Another process applied while this one waited for the database:
        // if it went where this one goes, there is nothing left to do.
        Err(ApplyError::Moved { .. })
            if read_state(&conn).ok().flatten().as_ref() == Some(&to_position) =>
        {
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
        Err(e) => return Err(Failure::new(e).context(args.db.display())),
    };
    if cx.json() {
        print_json(&json!({
            "db": args.db, "from": from.seq, "to": to,
            "statements": applied.statements,
            "archived": applied.archived.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "restored": applied.restored.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "without_data": plan.losses.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }))?;
    } else {
        cx.say(format_args!(
            "{} is now at event {to} (was {}; {} statement{})",
            args.db.display(),
            from.seq,
            applied.statements,
            if applied.statements == 1 { "" } else { "s" }
        ));
        for a in &applied.archived {
            cx.say(format_args!("archived {a}"));
        }
        for r in &applied.restored {
            cx.say(format_args!("restored {r}"));
        }
        for loss in &plan.losses {
            eprintln!("warning: came back without its data (--without-data): {loss}");
        }
    }
    Ok(exit::OK)
}

/// The refusal of a move that would bring back tables or columns without
/// their data.
pub fn without_data_failure(db: &std::path::Path, losses: &[Loss]) -> Failure {
    let rows: u64 = losses.iter().map(|l| l.rows).sum();
    Failure::new(format!(
        "{} would get back {} table{} or column{} without {} row{} of data: {} archive{} purged (listed above); nothing was changed",
        db.display(),
        losses.len(),
        if losses.len() == 1 { "" } else { "s" },
        if losses.len() == 1 { "" } else { "s" },
        rows,
        if rows == 1 { "" } else { "s" },
        if losses.len() == 1 { "its" } else { "their" },
        if losses.len() == 1 { " was" } else { "s were" },
    ))
    .help("restore the database from a backup taken before the purge, or pass --without-data to move without that data")
}
