//! `strata show`: one event in full, with the whole definition of everything
//! it adds or removes.

use serde::Serialize;
use strata_ledger::{Body, Entry, Point};

use crate::context::{parse_point, Context};
use crate::describe::{body_line, definition, event_json, removes, summary, EventJson};
use crate::failure::{exit, Failure};
use crate::report::{self, Text};

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
    // A baseline's text shows the SQL that builds its schema, in the
    // ledger's dialect (its JSON holds the schema itself).
    let baseline = match &entry.event.body {
        Body::Baseline { schema } if !cx.json() => {
            Some(crate::commands::target::render(&ledger, schema)?)
        }
        _ => None,
    };
    cx.report(&Shown {
        event: event_json(&entry.hash, &entry.event),
        entry: &entry,
        baseline,
    })?;
    Ok(exit::OK)
}

/// What `show` reports: one event in full (in JSON, the event as `log`
/// prints it).
#[derive(Serialize)]
#[serde(transparent)]
struct Shown<'a> {
    event: EventJson<'a>,
    #[serde(skip)]
    entry: &'a Entry,
    /// For a baseline, the statements that build its schema.
    #[serde(skip)]
    baseline: Option<Vec<String>>,
}

impl report::Report for Shown<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let e = &self.entry.event;
        out.line(format_args!("event {}", e.seq))?;
        out.line(format_args!("hash        {}", self.entry.hash))?;
        out.line(format_args!("prev        {}", e.prev))?;
        out.line(format_args!("at          {}", e.at))?;
        out.line(format_args!("author      {}", e.author))?;
        out.line(format_args!("kind        {}", e.body.kind()))?;
        out.line(format_args!("fingerprint {}", e.fingerprint))?;
        if let Some(o) = &e.origin {
            out.line(format_args!("origin      event {} {}", o.seq, o.hash))?;
            out.line(format_args!("rebased     {}", o.message))?;
        }
        out.line("")?;
        for line in e.message.lines() {
            out.line(format_args!("    {line}"))?;
        }
        out.line("")?;
        if let Some(line) = body_line(&e.body) {
            out.line(line)?;
        }
        for (i, op) in e.body.ops().iter().enumerate() {
            out.line(format_args!("{}. {}", i + 1, summary(op)))?;
            if let Some(sql) = definition(op) {
                let label = if removes(op) { "removed" } else { "sql" };
                let mut lines = sql.lines();
                if let Some(first) = lines.next() {
                    out.line(format_args!("   {label}: {first}"))?;
                }
                for line in lines {
                    out.line(format_args!("   {}{line}", " ".repeat(label.len() + 2)))?;
                }
            }
        }
        match &e.body {
            Body::Change {
                revert_sql: Some(sql),
                ..
            } => {
                out.line("revert sql:")?;
                for line in sql.lines() {
                    out.line(format_args!("   {line}"))?;
                }
            }
            Body::Baseline { .. } => {
                for stmt in self.baseline.iter().flatten() {
                    out.line(format_args!("{stmt};"))?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
