//! `strata init`: create an empty ledger of one SQL dialect.

use serde::Serialize;
use strata_ledger::{Dialect, Ledger};

use crate::context::Context;
use crate::failure::{exit, Failure};
use crate::report::{self, Text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQL dialect of the ledger: every piece of SQL it holds is read in
    /// it, and its hashes include it. It never changes.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub dialect: DialectArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DialectArg {
    Sqlite,
    Postgres,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let dialect = match args.dialect {
        DialectArg::Sqlite => Dialect::Sqlite,
        DialectArg::Postgres => Dialect::Postgres,
    };
    let ledger = Ledger::init_with(&cx.global.ledger, dialect)?;
    cx.report(&Report {
        dialect: dialect.as_str(),
        events: 0,
        format_version: ledger.format().version,
        ledger: ledger.dir(),
    })?;
    Ok(exit::OK)
}

/// What `init` reports: the new ledger. (JSON fields in alphabetical
/// order, as always printed.)
#[derive(Serialize)]
struct Report<'a> {
    dialect: &'static str,
    events: u64,
    format_version: u32,
    ledger: &'a std::path::Path,
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        out.say(format_args!(
            "created an empty ledger in {}",
            self.ledger.display()
        ))
    }
}
