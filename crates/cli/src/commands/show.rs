//! `strata show`: one event in full, with the whole definition of everything
//! it adds or removes.

use strata_ledger::{Body, Point};

use crate::context::{parse_point, print_json, Context};
use crate::describe::{body_line, definition, event_json, removes, summary};
use crate::failure::{exit, Failure};
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event: N, head, head~K, a tag, a hash prefix or @TIME.
    #[arg(value_parser = parse_point, default_value = "head")]
    pub point: Point,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let ledger = cx.ledger()?;
    let seq = ledger.resolve(&args.point)?;
    if seq == 0 {
        return Err(
            Failure::new("point 0 is the empty schema before event 1, not an event")
                .help("show 1 or a later event; `strata log` lists them"),
        );
    }
    let entry = ledger
        .event(seq)?
        .ok_or_else(|| Failure::new(format!("event {seq} is not stored")))?;
    let e = &entry.event;
    if cx.json() {
        print_json(&event_json(&entry.hash, e))?;
        return Ok(exit::OK);
    }
    output::line(format_args!("event {}", e.seq))?;
    output::line(format_args!("hash        {}", entry.hash))?;
    output::line(format_args!("prev        {}", e.prev))?;
    output::line(format_args!("at          {}", e.at))?;
    output::line(format_args!("author      {}", e.author))?;
    output::line(format_args!("kind        {}", e.body.kind()))?;
    output::line(format_args!("fingerprint {}", e.fingerprint))?;
    output::line("")?;
    for line in e.message.lines() {
        output::line(format_args!("    {line}"))?;
    }
    output::line("")?;
    if let Some(line) = body_line(&e.body) {
        output::line(line)?;
    }
    for (i, op) in e.body.ops().iter().enumerate() {
        output::line(format_args!("{}. {}", i + 1, summary(op)))?;
        if let Some(sql) = definition(op) {
            let label = if removes(op) { "removed" } else { "sql" };
            let mut lines = sql.lines();
            if let Some(first) = lines.next() {
                output::line(format_args!("   {label}: {first}"))?;
            }
            for line in lines {
                output::line(format_args!("   {}{line}", " ".repeat(label.len() + 2)))?;
            }
        }
    }
    match &e.body {
        Body::Change {
            revert_sql: Some(sql),
            ..
        } => {
            output::line("revert sql:")?;
            for line in sql.lines() {
                output::line(format_args!("   {line}"))?;
            }
        }
        Body::Baseline { schema } => {
            crate::commands::target::dialect_of(&ledger)?;
            for stmt in crate::commands::target::render(schema) {
                output::line(format_args!("{stmt};"))?;
            }
        }
        _ => {}
    }
    Ok(exit::OK)
}
