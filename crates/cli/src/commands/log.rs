//! `strata log`: the history, newest first, streamed from the store.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use strata_ledger::{Body, Entry};
use strata_schema::{Op, Rules};

use crate::context::Context;
use crate::describe::{body_line, event_json, name, origin_line, short, summary};
use crate::failure::{exit, Failure};
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only events that touch this table (following it through renames).
    #[arg(long, value_name = "TABLE")]
    pub table: Option<String>,
    /// At most this many events.
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<u64>,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let ledger = cx.ledger()?;
    let mut tags: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for tag in ledger.tags()? {
        tags.entry(tag.target).or_default().push(tag.name);
    }
    let mut filter = args
        .table
        .as_deref()
        .map(|t| TableFilter::new(ledger.rules(), t));
    let limit = args.limit.unwrap_or(u64::MAX);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut shown = 0u64;
    if cx.json() {
        write(&mut out, "[")?;
    }
    for entry in ledger.events_newest_first() {
        if shown == limit {
            break;
        }
        let entry = entry?;
        if let Some(f) = filter.as_mut() {
            if !f.touches(&entry.event.body) {
                continue;
            }
        }
        if cx.json() {
            let text = serde_json::to_string_pretty(&event_json(&entry.hash, &entry.event))
                .map_err(|e| Failure::new(format!("cannot write JSON: {e}")))?;
            write(&mut out, if shown == 0 { "\n" } else { ",\n" })?;
            write(&mut out, &text)?;
        } else {
            write(&mut out, &text_entry(&entry, tags.get(&entry.event.seq)))?;
        }
        shown += 1;
    }
    if cx.json() {
        write(&mut out, if shown == 0 { "]\n" } else { "\n]\n" })?;
    } else if shown == 0 && !cx.global.quiet {
        match &args.table {
            Some(t) => write(&mut out, &format!("no events touch table {}\n", name(t)))?,
            None => write(&mut out, "no events yet\n")?,
        }
    }
    Ok(exit::OK)
}

/// `text` to stdout, through the lock `log` holds for the whole stream; a
/// closed pipe (`strata log | head`) ends the stream quietly.
fn write(out: &mut impl Write, text: &str) -> Result<(), Failure> {
    output::written(out.write_all(text.as_bytes()))
}

fn text_entry(entry: &Entry, tags: Option<&Vec<String>>) -> String {
    let e = &entry.event;
    let mut s = format!(
        "event {}  {}  {}  {}  {}",
        e.seq,
        short(&entry.hash),
        e.at,
        e.author,
        e.body.kind()
    );
    if let Some(tags) = tags {
        let names: Vec<String> = tags.iter().map(|t| name(t)).collect();
        s.push_str(&format!("  (tag: {})", names.join(", ")));
    }
    s.push('\n');
    for line in e.message.lines() {
        s.push_str(&format!("    {line}\n"));
    }
    if let Some(line) = origin_line(e) {
        s.push_str(&format!("    {line}\n"));
    }
    if let Some(line) = body_line(&e.body) {
        s.push_str(&format!("    {line}\n"));
    }
    for op in e.body.ops() {
        s.push_str(&format!("      {}\n", summary(op)));
    }
    s.push('\n');
    s
}

/// Follows one table back through history: walking newest first, a rename
/// onto a name being followed adds the old name, so events from before the
/// rename still match.
struct TableFilter {
    rules: &'static dyn Rules,
    names: BTreeSet<String>,
}

impl TableFilter {
    fn new(rules: &'static dyn Rules, table: &str) -> TableFilter {
        TableFilter {
            rules,
            names: BTreeSet::from([rules.key(table)]),
        }
    }

    fn touches(&mut self, body: &Body) -> bool {
        match body {
            Body::Baseline { schema } => self.names.iter().any(|n| schema.tables.contains_key(n)),
            Body::Tag { .. } => false,
            Body::Change { ops, .. } | Body::Revert { ops, .. } => {
                let mut hit = false;
                // Later ops first, so a rename inside this event is followed
                // before the ops that came ahead of it.
                for op in ops.iter().rev() {
                    if op
                        .tables()
                        .iter()
                        .any(|t| self.names.contains(&self.rules.key(t)))
                    {
                        hit = true;
                    }
                    if let Op::RenameTable { from, to } = op {
                        if self.names.contains(&self.rules.key(to)) {
                            self.names.insert(self.rules.key(from));
                        }
                    }
                }
                hit
            }
        }
    }
}
