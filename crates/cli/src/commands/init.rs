//! `strata init`: create an empty ledger of one SQL dialect.

use serde_json::json;
use strata_ledger::{Dialect, Ledger};

use crate::context::{print_json, Context};
use crate::failure::{exit, Failure};

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
        DialectArg::Postgres => {
            return Err(Failure::new(
                "this strata has no PostgreSQL target yet, so a postgres ledger could hold no change; nothing was created",
            )
            .help("create a SQLite ledger: strata init (or --dialect sqlite)"))
        }
    };
    super::target::supported(dialect)?;
    let ledger = Ledger::init_with(&cx.global.ledger, dialect)?;
    if cx.json() {
        print_json(&json!({
            "ledger": ledger.dir(),
            "events": 0,
            "dialect": dialect.as_str(),
            "format_version": ledger.format().version,
        }))?;
    } else {
        cx.say(format_args!(
            "created an empty ledger in {}",
            ledger.dir().display()
        ))?;
    }
    Ok(exit::OK)
}
