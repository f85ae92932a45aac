//! The command line as clap sees it: global options and one variant per
//! command. Each command's arguments live with the command in `commands/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;

#[derive(Debug, Parser)]
#[command(
    name = "strata",
    version,
    about = "An event-sourced schema ledger: every schema change is a hash-chained event, \
             and any point of the history can be rebuilt, applied or reverted.",
    after_help = "Points (wherever a command takes POINT): 0 (the empty schema), N (after event N), \
                  head, head~K, a tag name, 8 to 64 hex characters of an event hash, or \
                  @2026-11-25T10:00:00Z (the last event at or before that time).\n\n\
                  Exit codes: 0 success, 1 error, 2 usage, 3 integrity failure, 4 drift, \
                  5 events pending (check).\n\n\
                  Example:\n  strata init\n  strata record -m 'create users' --sql 'CREATE TABLE users (id INTEGER PRIMARY KEY)'\n  strata log"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct Global {
    /// The ledger directory (else strata.toml's `ledger`, else ledger-data).
    #[arg(
        long = "ledger",
        id = "ledger",
        global = true,
        env = "STRATA_LEDGER",
        value_name = "DIR"
    )]
    pub ledger_given: Option<PathBuf>,
    /// The ledger directory, as the flag, the variable, strata.toml or the
    /// default names it (see [`Global::settle`]).
    #[arg(skip)]
    pub ledger: PathBuf,
    /// When to colour what strata prints on a terminal.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = ColorChoice::Auto,
        value_name = "WHEN"
    )]
    pub color: ColorChoice,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only what was asked for (no progress or confirmations).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// PostgreSQL: how long a statement of strata's waits for a lock
    /// (behind a long transaction, say) before it gives up and nothing is
    /// changed.
    #[arg(
        long,
        global = true,
        default_value_t = 5.0,
        value_name = "SECONDS",
        env = "STRATA_LOCK_TIMEOUT"
    )]
    pub lock_timeout: f64,
    /// PostgreSQL: the development database that each change is proven on
    /// before it is recorded, in a scratch schema strata removes (never the
    /// target database).
    #[arg(long, global = true, value_name = "URL", env = "STRATA_DEV_DB")]
    pub dev_db: Option<String>,
    /// How long to wait for a ledger another strata process holds.
    #[arg(
        long,
        global = true,
        default_value_t = 5.0,
        value_name = "SECONDS",
        env = "STRATA_WAIT"
    )]
    pub wait: f64,
}

impl Global {
    /// Settle what strata.toml may say: the ledger, when neither the flag
    /// nor the variable names one.
    pub fn settle(&mut self, settings: &crate::settings::Settings) {
        self.ledger = self
            .ledger_given
            .clone()
            .or_else(|| settings.ledger.clone())
            .unwrap_or_else(|| PathBuf::from("ledger-data"));
    }
}

/// `--color`: `auto` colours a terminal unless `NO_COLOR` is set;
/// `always` and `never` say so whatever the terminal and `NO_COLOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty ledger.
    #[command(after_help = "Example:\n  strata --ledger ./ledger-data init")]
    Init(commands::init::Args),
    /// Append one change event from SQL DDL statements.
    #[command(after_help = commands::record::EXAMPLES)]
    Record(commands::record::Args),
    /// Record a folder of SQL migrations, one change event per file, in version order.
    ///
    /// The files are named as Flyway (V1__name.sql, U1__name.sql), sqlx or
    /// Rails (0001_name.sql) or golang-migrate (0001_name.up.sql and
    /// .down.sql) name them. Files already recorded are skipped.
    #[command(after_help = commands::import_sql::EXAMPLES)]
    ImportSql(commands::import_sql::Args),
    /// Append a compensating event that undoes one event, or every event after a point.
    #[command(after_help = commands::revert::EXAMPLES)]
    Revert(commands::revert::Args),
    /// The history, newest first.
    #[command(
        after_help = "Examples:\n  strata log\n  strata log --table users --limit 5\n  strata --json log"
    )]
    Log(commands::log::Args),
    /// One event in full, with every definition it adds or removes.
    #[command(after_help = "Examples:\n  strata show head\n  strata show 3\n  strata show v1.0")]
    Show(commands::show::Args),
    /// The schema at a point, as the SQL that builds it, as JSON, or as a diagram (Mermaid, DOT).
    #[command(
        after_help = "Examples:\n  strata schema\n  strata schema --at head~2\n  strata schema --at v1.0 --format json\n  strata schema --format mermaid\n  strata schema --at v1.0 --format dot | dot -Tsvg > schema.svg"
    )]
    Schema(commands::schema::Args),
    /// How the schema at one point differs from another: a list, or the SQL that takes A to B.
    #[command(after_help = commands::diff::EXAMPLES)]
    Diff(commands::diff::Args),
    /// Which event made each column, constraint, index, trigger and view of a table what it is.
    ///
    /// For a table: the event that made each of its objects what it is now
    /// (the last that changed its definition: a create, an alter, a revert
    /// that brought it back, a baseline that adopted or changed it), with
    /// the renames it went through since. For TABLE.COLUMN: that, and
    /// every event that touched the column, through renames.
    #[command(after_help = commands::blame::EXAMPLES)]
    Blame(commands::blame::Args),
    /// Write an audit report: one self-contained HTML file with the history, the diagram and databases' states.
    #[command(after_help = commands::audit::EXAMPLES)]
    Report(commands::audit::Args),
    /// Name a point (appends a tag event).
    #[command(after_help = "Examples:\n  strata tag v1.0\n  strata tag before-cleanup head~2")]
    Tag(commands::tag::Args),
    /// Where a database stands: its point, what is pending, any drift.
    #[command(
        after_help = "Exit 0 when the database matches its recorded point, 4 when it drifted.\n\nExamples:\n  strata status --db app.db\n  strata --json status --db app.db"
    )]
    Status(commands::status::Args),
    /// For CI: whether a database is at head (or a point) with no drift, told by the exit code.
    #[command(after_help = commands::check::EXAMPLES)]
    Check(commands::check::Args),
    /// Reconcile a SQLite database to a point, forwards or backwards, in one transaction.
    #[command(after_help = commands::apply::EXAMPLES)]
    Apply(commands::apply::Args),
    /// The ops that turn head into a desired schema (a file of CREATE statements, or a database), and their SQL.
    #[command(after_help = commands::plan::EXAMPLES)]
    Plan(commands::plan::Args),
    /// Adopt an existing database: record its schema as a baseline event and mark it there.
    #[command(after_help = commands::baseline::EXAMPLES)]
    Baseline(commands::baseline::Args),
    /// What dropped data a database keeps (list), and its explicit removal (purge).
    Archive(commands::archive::Args),
    /// Build a fresh database at a point.
    #[command(
        after_help = "Examples:\n  strata checkout --to v1.0 --db v1.db\n  strata checkout --to @2026-11-01T00:00:00Z --db november.db"
    )]
    Checkout(commands::checkout::Args),
    /// Write the ledger's text form into a folder: one JSON file per event, for git and review.
    #[command(after_help = commands::export::EXAMPLES)]
    Export(commands::export::Args),
    /// Bring the events of a text form into the ledger (created if missing), checking every hash and link.
    ///
    /// The ledger must be empty or hold a prefix of the folder's events; a
    /// fork (another event at the same seq) or a damaged file is refused
    /// with exit 3 and nothing is appended.
    #[command(after_help = commands::import::EXAMPLES)]
    Import(commands::import::Args),
    /// Re-record the ledger's own events after a text form's, when the two have forked.
    ///
    /// The text form's events become the ledger's history; each of the
    /// ledger's events after the fork is re-recorded after them, proven to
    /// still apply, keeping its old seq and hash as its origin (so `log`
    /// shows it and a database that applied the old one is brought to head).
    /// A conflict stops it before anything changes, naming both events. The
    /// old store is kept beside the new one; the text form is written again.
    #[command(after_help = commands::rebase::EXAMPLES)]
    Rebase(commands::rebase::Args),
    /// Check every hash and link of the ledger (--deep: every schema too).
    #[command(
        after_help = "Exit 0 when the ledger is whole, 3 when it is not.\n\nExamples:\n  strata verify\n  strata verify --deep\n  strata verify --expect-head 3f2a9c1d\n  strata verify --text ledger-text"
    )]
    Verify(commands::verify::Args),
    /// Print the shell completion script for strata (bash, zsh, fish, powershell, elvish).
    #[command(after_help = commands::completions::EXAMPLES)]
    Completions(commands::completions::Args),
    /// Print the manual page (roff) of strata, or of one of its commands.
    #[command(after_help = commands::man::EXAMPLES)]
    Man(commands::man::Args),
}
