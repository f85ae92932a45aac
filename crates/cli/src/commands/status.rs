//! `strata status`: where a database stands, what is pending, any drift.

use serde_json::json;

use super::target::{reconciler, render_difference};
use crate::context::{print_json, Context};
use crate::failure::{exit, Failure};
use crate::flags::Db;

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
    let drifted = &survey.drift;
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
            Some(p) => println!(
                "{} is at event {} ({})",
                path.display(),
                at.seq,
                p.hash.short(12)
            ),
            None if at.seq > 0 => println!(
                "{} has not been applied to; its schema is that of baseline event {}, where apply adopts it",
                path.display(),
                at.seq
            ),
            None => println!("{} has not been applied to (point 0)", path.display()),
        }
        println!("head is event {head}; {} pending", pending.len());
        for (seq, kind, message) in &pending {
            println!("  event {seq} {kind}: {message}");
        }
        if drifted.is_empty() {
            println!("no drift");
        } else {
            for d in drifted {
                println!("drift: {}", render_difference(d));
            }
        }
    }
    survey.refuse_drift()?;
    Ok(exit::OK)
}
