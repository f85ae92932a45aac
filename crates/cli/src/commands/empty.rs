//! `apply` and `checkout` on a ledger with no events: there is no point to
//! bring a database to but the empty schema, and no ledger id to mark it
//! with, so the command succeeds having done nothing: the database is not
//! opened, and a file that does not exist is not created.

use std::path::Path;

use serde::Serialize;
use strata_ledger::Ledger;

use crate::context::Context;
use crate::failure::{exit, Failure};
use crate::report::{self, Text};

/// When `ledger` has no events: say so for `db` and give the exit code (0)
/// the command returns at once. `None` when the ledger has events. Call it
/// after the target point is resolved, so that a point the empty ledger does
/// not have is still an error.
pub fn nothing_to_apply(cx: &Context, ledger: &Ledger, db: &Path) -> Result<Option<u8>, Failure> {
    if ledger.head_seq() > 0 {
        return Ok(None);
    }
    cx.report(&Report {
        applied: false,
        db,
        from: None,
        reason: "the ledger has no events",
        statements: 0,
        to: 0,
    })?;
    Ok(Some(exit::OK))
}

/// What `apply` and `checkout` report on an empty ledger. (JSON fields in
/// alphabetical order, as always printed.)
#[derive(Serialize)]
struct Report<'a> {
    applied: bool,
    #[serde(serialize_with = "super::any::serialize_shown")]
    db: &'a Path,
    from: Option<u64>,
    reason: &'static str,
    statements: u64,
    to: u64,
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        out.say(format_args!(
            "the ledger has no events: nothing to apply; {} {}",
            super::any::shown(&self.db),
            if super::any::is_url(self.db) || self.db.exists() {
                "is left as it was"
            } else {
                "was not created"
            }
        ))
    }
}
