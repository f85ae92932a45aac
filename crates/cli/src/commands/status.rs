//! `strata status`: where a database stands, what is pending, any drift.

use std::path::Path;

use serde_json::json;
use strata_reconcile::Survey;

use super::target::{reconciler, render_difference};
use crate::context::{print_json, Context};
use crate::failure::{exit, Failure};
use crate::flags::Db;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: Db,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let path = args.db.db;
    let ledger = cx.ledger()?;
    if !path.is_file() {
        return Err(Failure::new(format!("{} does not exist", path.display()))
            .help("apply creates it: strata apply --db FILE"));
    }
    let r = reconciler(&ledger)?;
    let survey = r.survey(&r.open(&path)?)?;
    let at = &survey.standing;
    let head = ledger.head_seq();
    let mut pending = Vec::new();
    if at.seq < head {
        for entry in ledger.events_from(at.seq + 1) {
            let entry = entry?;
            pending.push((
                entry.event.seq,
                entry.event.body.kind(),
                entry.event.message,
            ));
        }
    }
    // A drifted database is exit 4 even when its report cannot be shown.
    let shown = show(cx, &path, &survey, head, &pending);
    survey.refuse_drift()?;
    shown?;
    Ok(exit::OK)
}

/// Where the database stands, what is pending and any drift.
fn show(
    cx: &Context,
    path: &Path,
    survey: &Survey,
    head: u64,
    pending: &[(u64, &str, String)],
) -> Result<(), Failure> {
    let at = &survey.standing;
    let drifted = &survey.drift;
    if cx.json() {
        print_json(&json!({
            "db": path,
            "seq": at.seq,
            "hash": at.position.as_ref().map(|p| p.hash.to_string()),
            "applied": at.position.is_some(),
            "head": head,
            "pending": pending.iter().map(|(seq, kind, message)| json!({
                "seq": seq, "kind": kind, "message": message,
            })).collect::<Vec<_>>(),
            "drift": drifted.iter().map(render_difference).collect::<Vec<_>>(),
        }))?;
    } else {
        match &at.position {
            Some(p) => output::line(format_args!(
                "{} is at event {} ({})",
                path.display(),
                at.seq,
                p.hash.short(12)
            )),
            None if at.seq > 0 => output::line(format_args!(
                "{} has not been applied to; its schema is that of baseline event {}, where apply adopts it",
                path.display(),
                at.seq
            )),
            None => output::line(format_args!("{} has not been applied to (point 0)", path.display())),
        }?;
        output::line(format_args!(
            "head is event {head}; {} pending",
            pending.len()
        ))?;
        for (seq, kind, message) in pending {
            output::line(format_args!("  event {seq} {kind}: {message}"))?;
        }
        if drifted.is_empty() {
            output::line("no drift")?;
        } else {
            for d in drifted {
                output::line(format_args!("drift: {}", render_difference(d)))?;
            }
        }
    }
    Ok(())
}
