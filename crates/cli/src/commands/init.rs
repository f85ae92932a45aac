//! `strata init`: create an empty ledger.

use serde_json::json;
use strata_ledger::Ledger;

use crate::context::{print_json, Context};
use crate::failure::{exit, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(cx: &Context, _args: Args) -> Result<u8, Failure> {
    let ledger = Ledger::init(&cx.global.ledger)?;
    if cx.json() {
        print_json(&json!({ "ledger": ledger.dir(), "events": 0 }))?;
    } else {
        cx.say(format_args!(
            "created an empty ledger in {}",
            ledger.dir().display()
        ));
    }
    Ok(exit::OK)
}
