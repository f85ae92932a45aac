//! `strata diff A B`: how the schema at point B differs from the schema at
//! point A, as a list (the model's `differences` under the ledger's rules,
//! each worded by the target as a change from A to B), or as the SQL that
//! takes a database from A to B (`--format sql`: the target's planner run
//! on the reconciler's steps between the points, backwards when B is
//! before A). It reads the ledger only.

use serde::Serialize;
use strata_ledger::Point;
use strata_schema::differences;
use strata_target::Target;

use super::target::{reconciler, render_change};
use crate::context::{parse_point, Context};
use crate::describe::name;
use crate::failure::{exit, Failure};
use crate::report::{self, count, Text};

pub const EXAMPLES: &str = "Examples:
  strata diff v1.0 v2.0
  strata diff head~3 head
  strata diff 4 2 --format sql
  strata --json diff @2026-11-01T00:00:00Z head";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The differences, one a line.
    List,
    /// The statements apply runs to take a database from A to B.
    Sql,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The point to compare from: N, head, head~K, a tag, a hash prefix or @TIME.
    #[arg(value_parser = parse_point, value_name = "A")]
    pub from: Point,
    /// The point to compare with (after A or before it).
    #[arg(value_parser = parse_point, value_name = "B")]
    pub to: Point,
    /// list: the differences (the default); sql: the statements that take A to B.
    #[arg(long, value_enum, default_value = "list")]
    pub format: Format,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let ledger = cx.ledger()?;
    let from = ledger.resolve(&args.from)?;
    let to = ledger.resolve(&args.to)?;
    // Both forms are in the ledger's dialect, which the target must read.
    let r = reconciler(&ledger)?;
    let before = ledger.schema_at(from)?;
    match args.format {
        Format::List => {
            let after = ledger.schema_at(to)?;
            let differences = differences(ledger.rules(), &before, &after)
                .iter()
                .map(|d| Changed {
                    change: render_change(r.target(), &d.change),
                    kind: d.kind.to_string(),
                    name: d.name.clone(),
                })
                .collect();
            cx.report(&Report::List {
                differences,
                from,
                to,
            })?;
        }
        Format::Sql => {
            let steps = r.steps(from, to)?;
            let sql = r.target().statements(&before, &steps).map_err(|e| {
                Failure::target(e).context(format_args!("from {} to {}", point(from), point(to)))
            })?;
            cx.report(&Report::Sql { from, sql, to })?;
        }
    }
    Ok(exit::OK)
}

/// What `diff` reports. (JSON fields in alphabetical order.)
#[derive(Serialize)]
#[serde(untagged)]
enum Report {
    /// How B's schema differs from A's.
    List {
        differences: Vec<Changed>,
        from: u64,
        to: u64,
    },
    /// The statements that take a database from A to B.
    Sql {
        from: u64,
        sql: Vec<String>,
        to: u64,
    },
}

/// What changed about one object from A to B.
#[derive(Serialize)]
struct Changed {
    change: String,
    /// `table`, `index`, `view` or `trigger`.
    kind: String,
    /// As written (the text quotes it when it is not a plain identifier).
    name: String,
}

/// A point as prose: `event N`, or point 0.
fn point(seq: u64) -> String {
    if seq == 0 {
        "point 0 (the empty schema)".to_string()
    } else {
        format!("event {seq}")
    }
}

impl report::Report for Report {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        match self {
            Report::List {
                differences,
                from,
                to,
            } => {
                if differences.is_empty() {
                    return out.say(format_args!(
                        "no differences: {} and {} have the same schema",
                        point(*from),
                        point(*to)
                    ));
                }
                out.say(format_args!(
                    "from {} to {}: {}",
                    point(*from),
                    point(*to),
                    count(differences.len(), "difference", "differences")
                ))?;
                for d in differences {
                    out.line(format_args!("  {} {}: {}", d.kind, name(&d.name), d.change))?;
                }
                Ok(())
            }
            Report::Sql { from, sql, to } => {
                if sql.is_empty() {
                    return out.say(format_args!(
                        "-- no statements: {} and {} have the same schema",
                        point(*from),
                        point(*to)
                    ));
                }
                out.say(format_args!(
                    "-- the statements apply runs from {} to {}, strata's bookkeeping aside",
                    point(*from),
                    point(*to)
                ))?;
                sql.iter().try_for_each(|s| out.line(s))
            }
        }
    }
}
