//! `strata record`: append one change event from SQL DDL statements.

use std::path::PathBuf;

use strata_ledger::{Body, Draft};

use crate::context::Context;
use crate::describe::short;
use crate::failure::Failure;
use crate::flags::{Author, DryRun, Lint, Message, When};
use crate::input;

pub const EXAMPLES: &str = "Examples:
  strata record -m 'create users' migrations/001_users.sql
  strata record -m 'add email' --sql 'ALTER TABLE users ADD COLUMN email varchar(100)'
  cat change.sql | strata record -m 'from stdin' -
  strata record -m 'try it' --dry-run change.sql
  strata record -m 'backfill' --revert-sql undo_backfill.sql backfill.sql";

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["file", "sql", "desired", "from_db"])))]
pub struct Args {
    #[command(flatten)]
    pub message: Message,
    #[command(flatten)]
    pub author: Author,
    #[command(flatten)]
    pub when: When,
    /// A file of SQL statements, or `-` for standard input.
    pub file: Option<PathBuf>,
    /// The SQL statements, given inline.
    #[arg(long)]
    pub sql: Option<String>,
    #[command(flatten)]
    pub target: super::plan::Desired,
    /// The SQL that undoes the change's data steps (INSERT, UPDATE, DELETE),
    /// run when the event is reverted; without it such an event cannot be.
    #[arg(long, value_name = "FILE")]
    pub revert_sql: Option<PathBuf>,
    #[command(flatten)]
    pub dry_run: DryRun,
    #[command(flatten)]
    pub lint: Lint,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let declarative = args.target.desired.is_some() || args.target.from_db.is_some();
    if !declarative && !args.target.renames.is_empty() {
        return Err(Failure::new("--rename applies to --desired and --from-db")
            .help("in SQL, say a rename with ALTER TABLE ... RENAME"));
    }
    let author = args.author.clone().name()?;
    let at = args.when.at()?;
    // The input is read before the ledger is opened, so that a slow pipe
    // never holds the ledger.
    let input = if declarative {
        Input::Desired(super::plan::read_wanted(&args.target)?)
    } else {
        let (sql, source) = read_input(&args)?;
        Input::Sql { sql, source }
    };
    let ledger = cx.ledger_to_append(!args.dry_run.dry_run)?;
    super::target::dialect_of(&ledger)?;
    let head_seq = ledger.head_seq();
    let head = ledger.schema_at(head_seq)?;
    let dialect = ledger.dialect();
    let ops = match input {
        Input::Sql { sql, source } => parse_against(dialect, &head, &sql, &source)?,
        Input::Desired(wanted) => {
            let desired = super::plan::read_desired(&ledger, wanted, &args.target.renames)?;
            let (head, derived) = super::plan::derive_from_head(&ledger, &args.target, desired)?;
            if derived.ops.is_empty() {
                cx.say(format_args!(
                    "nothing to record: head (event {head}) has the desired schema"
                ))?;
                return Ok(crate::failure::exit::OK);
            }
            super::plan::warn(&derived);
            derived.ops
        }
    };
    let findings = crate::lint::lint(ledger.rules(), &head, &ops);
    let revert_sql = match &args.revert_sql {
        Some(path) => Some(revert_sql(dialect, path, &ops)?),
        None => None,
    };
    let prepared = ledger.prepare(Draft {
        at,
        author,
        message: args.message.message,
        body: Body::Change { ops, revert_sql },
    })?;
    // Lint speaks of a change that applies: after the proof, before the
    // append.
    super::target::prove_on(&ledger, &prepared, Some((head_seq, &head)))?;
    crate::lint::report(&findings, args.lint.deny(), None)?;
    crate::flags::warn_if_clock_behind(at.is_some(), prepared.event());
    super::show_or_commit(cx, &ledger, prepared, args.dry_run.dry_run, |entry| {
        format!(
            "recorded event {} ({}): {}",
            entry.event.seq,
            short(&entry.hash),
            entry.event.message
        )
    })
}

/// What a change is recorded from.
enum Input {
    /// SQL statements, and where they came from.
    Sql { sql: String, source: String },
    /// A desired schema, as given.
    Desired(super::plan::Wanted),
}

/// The SQL to record and a name for where it came from.
fn read_input(args: &Args) -> Result<(String, String), Failure> {
    if let Some(sql) = &args.sql {
        return Ok((sql.clone(), "--sql".to_string()));
    }
    let Some(file) = &args.file else {
        return Err(Failure::new("no SQL given").help("give a FILE.sql, `-` for stdin, or --sql"));
    };
    let shown = if file.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        file.display().to_string()
    };
    Ok((input::read_sql(file)?, shown))
}

/// The revert SQL in `path`: data statements only, for a change that has
/// data steps to undo.
fn revert_sql(
    dialect: strata_ledger::Dialect,
    path: &std::path::Path,
    ops: &[strata_schema::Op],
) -> Result<String, Failure> {
    if !input::has_data_steps(ops) {
        return Err(Failure::new(
            "--revert-sql: the change has no data steps to undo; its schema ops undo themselves",
        ));
    }
    let text = input::read_text(path)?;
    input::check_revert_sql(dialect, &text, &format!("--revert-sql {}", path.display()))
}

/// The ops `sql` makes against head's schema `head`, or where it does not
/// fit.
fn parse_against(
    dialect: strata_ledger::Dialect,
    head: &strata_schema::Schema,
    sql: &str,
    source: &str,
) -> Result<Vec<strata_schema::Op>, Failure> {
    let ops =
        input::parse_change(dialect, sql, head).map_err(|e| Failure::new(e).context(source))?;
    let pragmas = input::pragmas(dialect, sql);
    if !pragmas.is_empty() {
        crate::output::diagnostic(format_args!(
            "note: {source}: {} accepted and not recorded: strata turns foreign keys off and checks them itself around every change it applies",
            pragmas.join("; ")
        ));
    }
    input::something_to_record(ops, source)
}
