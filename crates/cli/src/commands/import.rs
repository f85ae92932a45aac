//! `strata import`: bring the events of a text form (`strata export`'s
//! folder) into the ledger, checking every hash and link first; the
//! ledger is created in the text form's format when there is none.

use std::path::{Path, PathBuf};

use serde::Serialize;
use strata_ledger::{text, Ledger, LedgerError};

use crate::context::Context;
use crate::failure::{exit, Failure};
use crate::report::{self, count, Text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder `strata export` wrote.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Also check every new event's schema fingerprint, as `verify --deep`
    /// does (without it, the last one's): a fingerprint of the whole schema
    /// per event, slow on a large schema.
    #[arg(long)]
    pub deep: bool,
}

pub const EXAMPLES: &str =
    "Examples:\n  strata import ledger-text\n  strata --ledger fresh-ledger import ledger-text";

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let progress = crate::term::Progress::start(cx, format!("importing {}", args.dir.display()));
    // A missing ledger is created in the folder's format, but only once the
    // whole folder has been checked: a broken folder leaves nothing behind.
    let (ledger, created, checked) = match cx.ledger_to_append(true) {
        Ok(ledger) => {
            let checked = text::check_import(&args.dir, Some(&ledger), args.deep)?;
            (ledger, false, checked)
        }
        Err(_) if no_ledger(cx) => {
            let checked = text::check_import(&args.dir, None, args.deep)?;
            super::target::supported(checked.format().dialect)?;
            let ledger = Ledger::init_format(&cx.global.ledger, checked.format())?;
            (ledger, true, checked)
        }
        Err(failure) => return Err(failure),
    };
    let done = checked.append(&ledger)?;
    progress.done();
    let format = ledger.format();
    cx.report(&Report {
        created,
        dialect: format.dialect.as_str(),
        dir: &args.dir,
        events: done.events,
        format_version: format.version,
        head: done.head.map(|(seq, hash)| super::HeadJson {
            hash: hash.to_string(),
            seq,
        }),
        imported: done.imported,
        ledger: ledger.dir(),
    })?;
    Ok(exit::OK)
}

/// Whether the ledger folder holds no ledger (it may not exist).
fn no_ledger(cx: &Context) -> bool {
    matches!(
        Ledger::open(&cx.global.ledger),
        Err(LedgerError::NoLedger { .. })
    )
}

/// What `import` reports. (JSON fields in alphabetical order, as always
/// printed.)
#[derive(Serialize)]
struct Report<'a> {
    /// The ledger was created for the import.
    created: bool,
    dialect: &'static str,
    dir: &'a Path,
    /// Events in the text form.
    events: u64,
    format_version: u32,
    /// The ledger's head afterwards.
    head: Option<super::HeadJson>,
    /// Events appended.
    imported: u64,
    ledger: &'a Path,
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        if self.created {
            out.say(format_args!(
                "created a format-{} {} ledger in {}",
                self.format_version,
                self.dialect,
                self.ledger.display()
            ))?;
        }
        let head = match &self.head {
            Some(h) => format!("head is event {} {}", h.seq, h.hash),
            None => "the ledger is empty".to_string(),
        };
        if self.imported == 0 {
            out.say(format_args!(
                "nothing to import: the ledger holds all {} of {}; {head}",
                count(self.events as usize, "event", "events"),
                self.dir.display()
            ))
        } else {
            out.say(format_args!(
                "imported {} from {}; {head}",
                count(self.imported as usize, "event", "events"),
                self.dir.display()
            ))
        }
    }
}
