//! `strata checkout`: build a fresh database at a point.

use std::path::{Path, PathBuf};

use serde::Serialize;
use strata_reconcile::Mover;

use super::target::{reconciler, target};
use crate::context::Context;
use crate::failure::{exit, Failure};
use crate::flags::{Author, To};
use crate::report::{self, Text};

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
    let mover = Mover::named(args.author.mover());
    let checkout = reconciler(&ledger)?.checkout(to)?;
    let target = target(&ledger)?;
    drop(ledger);
    let progress = crate::term::Progress::start(
        cx,
        format!("building {} at event {to}", super::any::shown(&args.db)),
    );
    let built = checkout.build(target, &args.db, &mover);
    progress.done();
    built?;
    cx.report(&Report { db: &args.db, to })?;
    Ok(exit::OK)
}

/// What `checkout` reports: the database it built, and at which point.
#[derive(Serialize)]
struct Report<'a> {
    #[serde(serialize_with = "super::any::serialize_shown")]
    db: &'a Path,
    to: u64,
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        out.say(format_args!(
            "built {} at event {}",
            super::any::shown(&self.db),
            self.to
        ))
    }
}
