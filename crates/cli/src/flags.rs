//! The flags several commands share, declared once: who does it
//! (`--author`), when (`--timestamp`), why (`-m`), on which database
//! (`--db`), to which point (`--to`), and `--dry-run`. A command flattens
//! the ones it takes into its arguments.

use std::path::PathBuf;

use strata_ledger::{Point, Timestamp};

use crate::context::parse_point;
use crate::failure::Failure;

/// `--author`.
#[derive(Debug, Clone, clap::Args)]
pub struct Author {
    /// Who does it, for the history or the database's log (else
    /// $STRATA_AUTHOR, else the login name).
    #[arg(long, env = "STRATA_AUTHOR")]
    pub author: Option<String>,
}

impl Author {
    /// The name given, else the login name; refused when nothing says.
    pub fn name(self) -> Result<String, Failure> {
        let name = self
            .author
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .filter(|a| !a.trim().is_empty());
        name.ok_or_else(|| {
            Failure::new("no author: nothing says who records this")
                .help("give --author NAME or set STRATA_AUTHOR")
        })
    }
}

/// `--timestamp`.
#[derive(Debug, Clone, clap::Args)]
pub struct When {
    /// When it happened (RFC 3339); default now. Never before head's time.
    #[arg(long, value_name = "TIME")]
    pub timestamp: Option<String>,
}

impl When {
    /// The time given, parsed; `None` for now.
    pub fn at(&self) -> Result<Option<Timestamp>, Failure> {
        self.timestamp
            .as_deref()
            .map(Timestamp::parse_rfc3339)
            .transpose()
            .map_err(|e| Failure::new(format!("--timestamp: {e}")))
    }
}

/// `-m`, `--message`.
#[derive(Debug, Clone, clap::Args)]
pub struct Message {
    /// Why, for the history.
    #[arg(short, long)]
    pub message: String,
}

/// `--deny-warnings`: lint findings refuse the change.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Lint {
    /// Refuse the change when lint warns about it (a drop, a narrowing type
    /// change, NOT NULL without a default, a rename a view or trigger reads);
    /// nothing is appended.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// `--dry-run`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct DryRun {
    /// Check and show what would happen, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `--db`, naming a database that is, or will be, reconciled.
#[derive(Debug, Clone, clap::Args)]
pub struct Db {
    /// The database: a SQLite file.
    #[arg(long, env = "STRATA_DB", value_name = "FILE")]
    pub db: PathBuf,
}

/// `--to`, a point to move a database to.
#[derive(Debug, Clone, clap::Args)]
pub struct To {
    /// The point to move to (default head); before the database's point, it
    /// moves the database backwards.
    #[arg(long, value_parser = parse_point, default_value = "head", value_name = "POINT")]
    pub to: Point,
}
