//! `strata checkout`: build a fresh database at a point.

use std::path::PathBuf;

use serde_json::json;
use strata_ledger::Point;
use strata_sqlite::plan::plan;

use super::target::{position, steps};
use crate::context::{parse_point, print_json, Context};
use crate::failure::{exit, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The point to build (default head).
    #[arg(long, value_parser = parse_point, default_value = "head", value_name = "POINT")]
    pub to: Point,
    /// The new database file; an existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// Who builds it, for the database's log.
    #[arg(long, env = "STRATA_AUTHOR")]
    pub author: Option<String>,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let ledger = cx.ledger()?;
    let to = ledger.resolve(&args.to)?;
    if let Some(code) = super::empty::nothing_to_apply(cx, &ledger, &args.db)? {
        return Ok(code);
    }
    let who = super::record::author(args.author)?;
    let steps = steps(&ledger, 0, to)?;
    let target = ledger.schema_at(to)?;
    let plan = plan(&strata_schema::Schema::default(), &steps).map_err(Failure::new)?;
    let to_position = position(&ledger, to)?;
    drop(ledger);
    let mut conn = strata_sqlite::apply::open_new(&args.db).map_err(Failure::new)?;
    let result = strata_sqlite::apply::apply(
        &mut conn,
        &plan,
        None,
        &to_position,
        &target,
        &who,
        env!("CARGO_PKG_VERSION"),
    );
    if let Err(e) = result {
        drop(conn);
        // The file is ours (open_new made it): leave nothing half-built.
        let _ = std::fs::remove_file(&args.db);
        return Err(Failure::new(e).context(args.db.display()));
    }
    if cx.json() {
        print_json(&json!({ "db": args.db, "to": to }))?;
    } else {
        cx.say(format_args!("built {} at event {to}", args.db.display()));
    }
    Ok(exit::OK)
}
