//! `apply` and `checkout` on a ledger with no events: there is no point to
//! bring a database to but the empty schema, and no ledger id to mark it
//! with, so the command succeeds having done nothing: the database is not
//! opened, and a file that does not exist is not created.

use std::path::Path;

use serde_json::json;
use strata_ledger::Ledger;

use crate::context::{print_json, Context};
use crate::failure::{exit, Failure};

/// When `ledger` has no events: say so for `db` and give the exit code (0)
/// the command returns at once. `None` when the ledger has events. Call it
/// after the target point is resolved, so that a point the empty ledger does
/// not have is still an error.
pub fn nothing_to_apply(cx: &Context, ledger: &Ledger, db: &Path) -> Result<Option<u8>, Failure> {
    if ledger.head_seq() > 0 {
        return Ok(None);
    }
    if cx.json() {
        print_json(&json!({
            "db": db,
            "from": null,
            "to": 0,
            "statements": 0,
            "applied": false,
            "reason": "the ledger has no events",
        }))?;
    } else {
        cx.say(format_args!(
            "the ledger has no events: nothing to apply; {} {}",
            db.display(),
            if db.exists() {
                "is left as it was"
            } else {
                "was not created"
            }
        ))?;
    }
    Ok(Some(exit::OK))
}
