//! `strata record`: append one change event from SQL DDL statements.

use std::io::Read;
use std::path::PathBuf;

use strata_ledger::{Body, Draft, Ledger};
use strata_sqlite::ddl::parse_change;

use crate::context::{timestamp, Context};
use crate::describe::short;
use crate::failure::Failure;

pub const EXAMPLES: &str = "Examples:
  strata record -m 'create users' migrations/001_users.sql
  strata record -m 'add email' --sql 'ALTER TABLE users ADD COLUMN email varchar(100)'
  cat change.sql | strata record -m 'from stdin' -
  strata record -m 'try it' --dry-run change.sql
  strata record -m 'backfill' --revert-sql undo_backfill.sql backfill.sql";

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["file", "sql", "desired", "from_db"])))]
pub struct Args {
    /// What the change does, for the history.
    #[arg(short, long)]
    pub message: String,
    /// Who records it (else $STRATA_AUTHOR, else the login name).
    #[arg(long, env = "STRATA_AUTHOR")]
    pub author: Option<String>,
    /// When it happened (RFC 3339); default now. Never before head's time.
    #[arg(long, value_name = "TIME")]
    pub timestamp: Option<String>,
    /// A file of SQL statements, or `-` for standard input.
    pub file: Option<PathBuf>,
    /// The SQL statements, given inline.
    #[arg(long)]
    pub sql: Option<String>,
    /// Or the desired schema: the ops that turn head into it are recorded
    /// (see `strata plan`).
    #[command(flatten)]
    pub target: super::plan::Desired,
    /// The SQL that undoes the change's data steps (INSERT, UPDATE, DELETE),
    /// run when the event is reverted; without it such an event cannot be.
    #[arg(long, value_name = "FILE")]
    pub revert_sql: Option<PathBuf>,
    /// Check and show the event without appending it.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let declarative = args.target.desired.is_some() || args.target.from_db.is_some();
    if !declarative && !args.target.renames.is_empty() {
        return Err(Failure::new("--rename applies to --desired and --from-db")
            .help("in SQL, say a rename with ALTER TABLE ... RENAME"));
    }
    let author = author(args.author.clone())?;
    let at = timestamp(args.timestamp.as_deref())?;
    // The input is read before the ledger is opened, so that a slow pipe
    // never holds the ledger.
    let input = if declarative {
        Input::Desired(super::plan::read_desired(&args.target)?)
    } else {
        let (sql, source) = read_input(&args)?;
        Input::Sql { sql, source }
    };
    let ledger = cx.ledger_to_append(!args.dry_run)?;
    super::target::dialect_of(&ledger)?;
    let ops = match input {
        Input::Sql { sql, source } => parse_against_head(&ledger, &sql, &source)?,
        Input::Desired(desired) => {
            let (head, derived) = super::plan::derive_from_head(&ledger, &args.target, desired)?;
            if derived.ops.is_empty() {
                cx.say(format_args!(
                    "nothing to record: head (event {head}) has the desired schema"
                ));
                return Ok(crate::failure::exit::OK);
            }
            super::plan::warn(&derived);
            derived.ops
        }
    };
    let revert_sql = match &args.revert_sql {
        Some(path) => Some(revert_sql(path, &ops)?),
        None => None,
    };
    let prepared = ledger.prepare(Draft {
        at,
        author,
        message: args.message,
        body: Body::Change { ops, revert_sql },
    })?;
    super::commit_or_show(cx, &ledger, prepared, args.dry_run, |entry| {
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
    /// A desired schema, with the renames its annotations assert.
    Desired((strata_schema::Schema, Vec<strata_schema::Rename>)),
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
    Ok((read_sql(file)?, shown))
}

/// The SQL in `file`, or on standard input for `-`.
pub(crate) fn read_sql(file: &std::path::Path) -> Result<String, Failure> {
    if file.as_os_str() != "-" {
        return read_text(file);
    }
    let mut sql = String::new();
    std::io::stdin()
        .read_to_string(&mut sql)
        .map_err(|e| Failure::new(format!("cannot read standard input: {e}")))?;
    Ok(sql)
}

/// A file's text, without the byte-order mark some editors put first; a
/// file that is not UTF-8 is refused with the offset of its first bad byte.
pub(crate) fn read_text(file: &std::path::Path) -> Result<String, Failure> {
    let mut bytes = std::fs::read(file)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", file.display())))?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        Failure::new(format!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            file.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The revert SQL in `path`: data statements only, for a change that has
/// data steps to undo.
fn revert_sql(path: &std::path::Path, ops: &[strata_schema::Op]) -> Result<String, Failure> {
    if !has_data_steps(ops) {
        return Err(Failure::new(
            "--revert-sql: the change has no data steps to undo; its schema ops undo themselves",
        ));
    }
    let text = read_text(path)?;
    check_revert_sql(&text, &format!("--revert-sql {}", path.display()))
}

/// Whether a change holds data steps (INSERT, UPDATE, DELETE), which only
/// revert SQL can undo.
pub(crate) fn has_data_steps(ops: &[strata_schema::Op]) -> bool {
    ops.iter()
        .any(|op| matches!(op, strata_schema::Op::Data { .. }))
}

/// `text` as revert SQL: data statements only, at least one; `source` says
/// where it came from in errors.
pub(crate) fn check_revert_sql(text: &str, source: &str) -> Result<String, Failure> {
    use strata_schema::Op;
    let reverts = parse_change(text, &strata_schema::Schema::default())
        .map_err(|e| Failure::new(e).context(source))?;
    if reverts.is_empty() {
        return Err(Failure::new(format!("{source} holds no statements")));
    }
    if let Some(i) = reverts.iter().position(|op| !matches!(op, Op::Data { .. })) {
        return Err(Failure::new(format!(
            "{source}: statement {} is not a data step (INSERT, UPDATE, DELETE): revert SQL only undoes data steps",
            i + 1
        )));
    }
    Ok(text.trim().to_string())
}

/// The ops `sql` makes against head's schema, or where it does not fit.
pub fn parse_against_head(
    ledger: &Ledger,
    sql: &str,
    source: &str,
) -> Result<Vec<strata_schema::Op>, Failure> {
    let head = ledger.schema_at(ledger.head_seq())?;
    let ops = parse_change(sql, &head).map_err(|e| Failure::new(e).context(source))?;
    something_to_record(ops, source)
}

/// `ops`, unless there are none (a script of comments, or only BEGIN and
/// COMMIT).
pub(crate) fn something_to_record(
    ops: Vec<strata_schema::Op>,
    source: &str,
) -> Result<Vec<strata_schema::Op>, Failure> {
    if ops.is_empty() {
        return Err(
            Failure::new(format!("{source} holds no statements to record"))
                .help("give CREATE, ALTER or DROP statements (or data steps)"),
        );
    }
    Ok(ops)
}

/// `--author`, else the login name.
pub fn author(given: Option<String>) -> Result<String, Failure> {
    let name = given
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|a| !a.trim().is_empty());
    name.ok_or_else(|| {
        Failure::new("no author: nothing says who records this")
            .help("give --author NAME or set STRATA_AUTHOR")
    })
}
