//! `strata show`: one event in full, with the whole definition of everything
//! it adds or removes.

use strata_ledger::{Body, Point};

use crate::context::{parse_point, print_json, Context};
use crate::describe::{body_line, definition, event_json, removes, summary};
use crate::failure::{exit, Failure};

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
    println!("event {}", e.seq);
    println!("hash        {}", entry.hash);
    println!("prev        {}", e.prev);
    println!("at          {}", e.at);
    println!("author      {}", e.author);
    println!("kind        {}", e.body.kind());
    println!("fingerprint {}", e.fingerprint);
    println!();
    for line in e.message.lines() {
        println!("    {line}");
    }
    println!();
    if let Some(line) = body_line(&e.body) {
        println!("{line}");
    }
    for (i, op) in e.body.ops().iter().enumerate() {
        println!("{}. {}", i + 1, summary(op));
        if let Some(sql) = definition(op) {
            let label = if removes(op) { "removed" } else { "sql" };
            let mut lines = sql.lines();
            if let Some(first) = lines.next() {
                println!("   {label}: {first}");
            }
            for line in lines {
                println!("   {}{line}", " ".repeat(label.len() + 2));
            }
        }
    }
    match &e.body {
        Body::Change {
            revert_sql: Some(sql),
            ..
        } => {
            println!("revert sql:");
            for line in sql.lines() {
                println!("   {line}");
            }
        }
        Body::Baseline { schema } => {
            crate::commands::target::dialect_of(&ledger)?;
            for stmt in crate::commands::target::render(schema) {
                println!("{stmt};");
            }
        }
        _ => {}
    }
    Ok(exit::OK)
}
