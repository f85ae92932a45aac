//! `strata schema`: the projected schema at a point, as the SQL that builds
//! it in an empty SQLite database, as JSON, or as an entity-relationship
//! diagram (Mermaid or Graphviz DOT: see `diagram`).

use strata_ledger::Point;

use crate::context::{parse_point, print_json, Context};
use crate::failure::{exit, Failure};
use crate::output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Sql,
    Json,
    Mermaid,
    Dot,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The point (default head).
    #[arg(long, value_parser = parse_point, default_value = "head")]
    pub at: Point,
    /// sql: the CREATE statements; json: the model (the default with --json);
    /// mermaid, dot: an entity-relationship diagram (Mermaid erDiagram,
    /// Graphviz DOT).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let ledger = cx.ledger()?;
    let seq = ledger.resolve(&args.at)?;
    let schema = ledger.schema_at(seq)?;
    let format = args
        .format
        .unwrap_or(if cx.json() { Format::Json } else { Format::Sql });
    match format {
        Format::Json => print_json(&schema)?,
        Format::Mermaid => output::text(&crate::diagram::mermaid(ledger.rules(), &schema))?,
        Format::Dot => output::text(&crate::diagram::dot(ledger.rules(), &schema))?,
        Format::Sql => {
            super::target::dialect_of(&ledger)?;
            let statements = super::target::render(&ledger, &schema)?;
            for (i, stmt) in statements.iter().enumerate() {
                let gap = if i + 1 < statements.len() { "\n" } else { "" };
                output::line(format_args!("{stmt};{gap}"))?;
            }
        }
    }
    Ok(exit::OK)
}
