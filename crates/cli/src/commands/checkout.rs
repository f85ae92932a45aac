//! `strata checkout`: build a fresh database at a point.

use std::path::PathBuf;

use serde_json::json;
use strata_reconcile::Mover;

use super::target::{reconciler, TARGET};
use crate::context::{print_json, Context};
use crate::failure::{exit, Failure};
use crate::flags::{Author, To};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub to: To,
    /// The new database file; an existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    #[command(flatten)]
    pub author: Author,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let ledger = cx.ledger()?;
    let to = ledger.resolve(&args.to.to)?;
    if let Some(code) = super::empty::nothing_to_apply(cx, &ledger, &args.db)? {
        return Ok(code);
    }
    let mover = Mover::named(args.author.name()?);
    let checkout = reconciler(&ledger)?.checkout(to)?;
    drop(ledger);
    checkout.build(&TARGET, &args.db, &mover)?;
    if cx.json() {
        print_json(&json!({ "db": args.db, "to": to }))?;
    } else {
        cx.say(format_args!("built {} at event {to}", args.db.display()))?;
    }
    Ok(exit::OK)
}
