//! `strata plan`: the ops that turn head's schema into a desired one (a
//! file of CREATE statements, or the schema of a development database),
//! and the SQL they run. `record --desired` / `--from-db` records them.

use std::path::{Path, PathBuf};

use serde::Serialize;
use strata_ledger::Ledger;
use strata_schema::{derive, Derived, Op, Rename, Rules, Schema};
use strata_sqlite::ddl::desired;
use strata_target::{Step, Target};

use crate::context::Context;
use crate::describe::{name, summary};
use crate::failure::{exit, Failure};
use crate::output;
use crate::report::{self, Text};

pub const EXAMPLES: &str = "Examples:
  strata plan --desired schema.sql
  strata plan --from-db dev.db
  strata plan --desired schema.sql --rename users.username=users.user_name
  strata record -m 'sync with schema.sql' --desired schema.sql";

/// Where the desired schema comes from, and the renames to take.
#[derive(Debug, Clone, clap::Args)]
pub struct Desired {
    /// A file of CREATE statements: the whole desired schema (`-` for stdin).
    #[arg(long, value_name = "FILE.sql")]
    pub desired: Option<PathBuf>,
    /// A database whose schema is the desired one.
    #[arg(long, value_name = "FILE")]
    pub from_db: Option<PathBuf>,
    /// Take a drop and an add as a rename: OLD=NEW for a table or index,
    /// TABLE.OLD=TABLE.NEW for a column. Repeatable.
    #[arg(long = "rename", value_name = "OLD=NEW", value_parser = parse_rename)]
    pub renames: Vec<Rename>,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["desired", "from_db"])))]
pub struct Args {
    #[command(flatten)]
    pub target: Desired,
    #[command(flatten)]
    pub lint: crate::flags::Lint,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    // Read before the ledger is opened, as `record` does.
    let wanted = read_wanted(&args.target)?;
    let ledger = cx.ledger()?;
    let desired = read_desired(&ledger, wanted, &args.target.renames)?;
    let (head, derived) = derive_from_head(&ledger, &args.target, desired)?;
    let start = ledger.schema_at(head)?;
    crate::lint::report(
        &crate::lint::lint(ledger.rules(), &start, &derived.ops),
        args.lint.deny(),
        None,
    )?;
    let sql = super::target::target(&ledger)?
        .statements(&start, &[Step::new(head + 1, derived.ops.clone())])
        .map_err(Failure::target)?;
    cx.report(&Report {
        drops: drops(&derived.ops),
        head,
        ops: &derived.ops,
        sql,
        suggestions: derived
            .suggestions
            .iter()
            .map(|s| s.rename.to_string())
            .collect(),
        summary: derived.ops.iter().map(summary).collect(),
        derived: &derived,
    })?;
    Ok(exit::OK)
}

/// What `plan` reports: the ops from head to the desired schema, what they
/// drop, the renames it could not tell from a drop and an add, and the SQL
/// they run. (JSON fields in alphabetical order, as always printed.)
#[derive(Serialize)]
struct Report<'a> {
    drops: Vec<String>,
    head: u64,
    ops: &'a [Op],
    sql: Vec<String>,
    suggestions: Vec<String>,
    summary: Vec<String>,
    #[serde(skip)]
    derived: &'a Derived,
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let head = self.head;
        if self.ops.is_empty() {
            return out.say(format_args!(
                "nothing to do: head (event {head}) has the desired schema"
            ));
        }
        warn(self.derived);
        out.line(format_args!(
            "{} op{} turn head (event {head}) into the desired schema:",
            self.ops.len(),
            if self.ops.len() == 1 { "" } else { "s" }
        ))?;
        for s in &self.summary {
            out.line(format_args!("  {s}"))?;
        }
        out.line("")?;
        out.line("-- the SQL apply runs for them on a database at head")?;
        self.sql.iter().try_for_each(|s| out.line(s))
    }
}

/// Head, and the ops that turn its schema into the desired one.
pub fn derive_from_head(
    ledger: &Ledger,
    target: &Desired,
    (wanted, annotated): (Schema, Vec<Rename>),
) -> Result<(u64, Derived), Failure> {
    let head = ledger.head_seq();
    let current = ledger.schema_at(head)?;
    // An annotation stays in the desired file once its rename is recorded:
    // one whose new name head has, and not its old, is done.
    let mut renames: Vec<Rename> = annotated
        .into_iter()
        .filter(|r| !done(ledger.rules(), r, &current))
        .collect();
    renames.extend(target.renames.iter().cloned());
    let derived = derive(ledger.rules(), &current, &wanted, &renames).map_err(|e| {
        let f = Failure::new(e.to_string());
        match e {
            strata_schema::DeriveError::Rename { .. } => {
                f.help("a rename names a table (or index) or TABLE.COLUMN of head, and its new name in the desired schema")
            }
            strata_schema::DeriveError::Inexpressible(_) => f,
        }
    })?;
    Ok((head, derived))
}

/// Whether `schema` shows `rename` done: the new name there, the old not.
fn done(r: &dyn Rules, rename: &Rename, schema: &Schema) -> bool {
    match rename {
        Rename::Object { from, to } => {
            let has =
                |n: &str| schema.table(r, n).is_some() || schema.indexes.contains_key(&r.key(n));
            has(to) && !has(from)
        }
        Rename::Column { table, from, to } => schema
            .table(r, table)
            .is_some_and(|t| t.column(r, to).is_some() && t.column(r, from).is_none()),
    }
}

/// A desired schema as given, read before the ledger is opened (so that a
/// slow pipe never holds the ledger).
pub enum Wanted {
    /// A file of CREATE statements, and how messages name it.
    Sql { sql: String, shown: String },
    /// A database whose schema is the desired one.
    Db(PathBuf),
}

/// Reads what `target` names.
pub fn read_wanted(target: &Desired) -> Result<Wanted, Failure> {
    if let Some(path) = &target.desired {
        let sql = crate::input::read_sql(path)?;
        let shown = if path.as_os_str() == "-" {
            "standard input".to_string()
        } else {
            path.display().to_string()
        };
        return Ok(Wanted::Sql { sql, shown });
    }
    match &target.from_db {
        Some(path) => Ok(Wanted::Db(path.clone())),
        None => Err(Failure::new("no desired schema given")
            .help("give --desired FILE.sql or --from-db FILE")),
    }
}

/// The desired schema, read as the ledger's dialect reads it, and the
/// renames its annotations assert. SQLite loads it into an in-memory
/// database; PostgreSQL into a scratch schema of the development database,
/// read back in the words of the schema at head wherever it holds what
/// head has.
/// `renames` are the ones given by flag: with a PostgreSQL ledger, they and
/// the annotations are taken on head before the server's words are mapped
/// back to the ledger's, so a renamed object keeps the ledger's words.
pub fn read_desired(
    ledger: &Ledger,
    wanted: Wanted,
    renames: &[Rename],
) -> Result<(Schema, Vec<Rename>), Failure> {
    match (ledger.dialect(), wanted) {
        (strata_ledger::Dialect::Sqlite, Wanted::Sql { sql, shown }) => {
            let d = desired::load(&sql).map_err(|e| Failure::new(format!("{shown}: {e}")))?;
            Ok((d.schema, d.renames))
        }
        (strata_ledger::Dialect::Sqlite, Wanted::Db(path)) => Ok((from_db(&path)?, Vec::new())),
        (strata_ledger::Dialect::Postgres, wanted) => {
            let target = super::target::postgres_target();
            let head = ledger.schema_at(ledger.head_seq())?;
            let mut annotated = Vec::new();
            let schema = match wanted {
                Wanted::Sql { sql, shown } => {
                    annotated = strata_postgres::ddl::renames(&sql)
                        .map_err(|e| Failure::new(format!("{shown}: {e}")))?;
                    let words = renamed(ledger, &head, annotated.iter().chain(renames));
                    strata_postgres::desired::desired(target, &sql, &words)
                        .map_err(|e| Failure::target(e).context(shown))?
                }
                Wanted::Db(url) => {
                    let shown = super::any::shown(&url);
                    let Some(url) = url.to_str().filter(|u| strata_postgres::is_url(u)) else {
                        return Err(Failure::new(format!(
                            "{shown} is not a postgresql:// URL, and this ledger's SQL is PostgreSQL's"
                        )));
                    };
                    let words = renamed(ledger, &head, renames.iter());
                    strata_postgres::desired::from_db(target, url, &words)
                        .map_err(|e| Failure::target(e).context(shown))?
                }
            };
            Ok((schema, annotated))
        }
    }
}

/// `head` with the renames taken (each as far as it fits; the plan says
/// what does not).
fn renamed<'a>(
    ledger: &Ledger,
    head: &Schema,
    renames: impl Iterator<Item = &'a Rename>,
) -> Schema {
    let mut schema = head.clone();
    for rename in renames {
        let op = match rename {
            Rename::Object { from, to } if schema.table(ledger.rules(), from).is_some() => {
                Op::RenameTable {
                    from: from.clone(),
                    to: to.clone(),
                }
            }
            Rename::Object { .. } => continue,
            Rename::Column { table, from, to } => Op::RenameColumn {
                table: table.clone(),
                from: from.clone(),
                to: to.clone(),
            },
        };
        let _ = strata_schema::project(ledger.rules(), &mut schema, &op);
    }
    schema
}

/// The schema of an existing database, opened read-only.
fn from_db(path: &Path) -> Result<Schema, Failure> {
    if !path.is_file() {
        return Err(
            Failure::new(format!("{} is not a database file", path.display()))
                .help("give the path of the database whose schema you want"),
        );
    }
    super::target::target_for(strata_ledger::Dialect::Sqlite)?
        .read_schema(path)
        .map_err(|e| Failure::new(format!("{}: {e}", path.display())))
}

/// What the ops take away: tables and columns, as the warnings name them.
pub fn drops(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .filter_map(|op| match op {
            Op::DropTable { table } => Some(format!("table {}", name(&table.name))),
            Op::DropColumn { table, column, .. } => {
                Some(format!("column {}.{}", name(table), name(&column.name)))
            }
            _ => None,
        })
        .collect()
}

/// Say which drops and adds look like renames (what the ops drop, lint
/// says).
pub fn warn(derived: &Derived) {
    for s in &derived.suggestions {
        let (old, new) = match &s.rename {
            Rename::Object { from, to } => (from.clone(), to.clone()),
            Rename::Column { table, from, to } => {
                (format!("{table}.{from}"), format!("{table}.{to}"))
            }
        };
        output::diagnostic(format_args!(
            "note: {} {old} is dropped and {new} added alike; if it is a rename, give --rename {}",
            s.kind, s.rename
        ));
    }
}

/// `OLD=NEW` or `TABLE.OLD=TABLE.NEW`.
fn parse_rename(text: &str) -> Result<Rename, String> {
    let (old, new) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not OLD=NEW or TABLE.OLD=TABLE.NEW"))?;
    let bad = || format!("{text:?} is not OLD=NEW or TABLE.OLD=TABLE.NEW");
    match (old.split_once('.'), new.split_once('.')) {
        (None, None) if !old.is_empty() && !new.is_empty() => Ok(Rename::Object {
            from: old.to_string(),
            to: new.to_string(),
        }),
        (Some((t1, c1)), Some((t2, c2))) if !t1.is_empty() && !c1.is_empty() && !c2.is_empty() => {
            if !t1.eq_ignore_ascii_case(t2) {
                return Err(format!(
                    "{text:?} names two tables; a column rename names its table on both sides, as the desired schema does"
                ));
            }
            Ok(Rename::Column {
                table: t2.to_string(),
                from: c1.to_string(),
                to: c2.to_string(),
            })
        }
        _ => Err(bad()),
    }
}
