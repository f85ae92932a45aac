//! `strata verify`: recompute every hash and link (and with `--deep`, every
//! schema fingerprint), and check head against one kept elsewhere.

use serde_json::json;
use strata_ledger::{LedgerError, Problem, VerifyReport};

use crate::context::{print_json, Context};
use crate::describe::short;
use crate::failure::{exit, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also re-project every event and check every schema fingerprint and snapshot.
    #[arg(long)]
    pub deep: bool,
    /// The head hash (or 8+ of its first hex characters) the ledger must have;
    /// catches events lost from the end, which the chain alone cannot.
    #[arg(long, value_name = "HASH")]
    pub expect_head: Option<String>,
    /// Also check that this database's recorded point is in the chain.
    #[arg(long, env = "STRATA_DB", value_name = "FILE")]
    pub db: Option<std::path::PathBuf>,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    if let Some(h) = &args.expect_head {
        let hex = (8..=64).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex {
            return Err(Failure::new(format!(
                "--expect-head {h:?} is not a hash: give 8 to 64 hex characters"
            ))
            .with_code(2));
        }
    }
    // A head record that does not match its event stops the ledger from
    // opening; to verify, that is the verdict.
    let report = match cx.open_ledger() {
        Ok(ledger) => Ok((ledger.verify(args.deep)?, ledger)),
        Err((LedgerError::Damaged { seq, reason }, _)) => Err(Problem { seq, reason }),
        Err(other) => return Err(crate::context::open_failure(other)),
    };
    let (summary, ledger) = match report {
        Ok((VerifyReport::Ok(summary), ledger)) => (summary, ledger),
        Ok((VerifyReport::Broken(problem), _)) | Err(problem) => {
            // The verdict (exit 3) stands, whether or not it can be shown.
            if cx.json() {
                let _ = print_json(&json!({
                    "ok": false,
                    "deep": args.deep,
                    "problem": { "seq": problem.seq, "reason": problem.reason },
                }));
            }
            return Err(Failure::new(format!("the ledger is broken: {problem}"))
                .help("the events up to the one named are intact; restore the ledger from a copy you trust")
                .with_code(exit::INTEGRITY));
        }
    };
    if let Some(expected) = &args.expect_head {
        let found = summary.head.map(|(_, h)| h.to_string());
        let matches = found
            .as_deref()
            .is_some_and(|f| f.starts_with(&expected.to_ascii_lowercase()));
        if !matches {
            let now = match summary.head {
                Some((seq, h)) => format!("head is event {seq} ({})", short(&h)),
                None => "the ledger is empty".to_string(),
            };
            if cx.json() {
                let _ = print_json(&json!({
                    "ok": false,
                    "deep": args.deep,
                    "problem": { "seq": null, "reason": format!("{now}, not {expected}") },
                }));
            }
            return Err(Failure::new(format!(
                "{now}, not {expected}: events may have been lost from the end or added"
            ))
            .help("compare with `strata log`; restore the ledger from a copy you trust")
            .with_code(exit::INTEGRITY));
        }
    }
    let db_seq = match &args.db {
        Some(db) => {
            if !db.is_file() {
                return Err(Failure::new(format!("{} does not exist", db.display())));
            }
            let r = super::target::reconciler(&ledger)?;
            Some(r.standing(&r.open(db)?)?.seq)
        }
        None => None,
    };
    if cx.json() {
        print_json(&json!({
            "ok": true,
            "format_version": ledger.format().version,
            "dialect": ledger.dialect().as_str(),
            "db_seq": db_seq,
            "deep": summary.deep,
            "events": summary.events,
            "head": summary.head.map(|(seq, h)| json!({ "seq": seq, "hash": h.to_string() })),
            "tags": summary.tags,
            "snapshots": summary.snapshots,
        }))?;
    } else {
        let head = match summary.head {
            Some((seq, h)) => format!("head event {seq} {h}"),
            None => "empty".to_string(),
        };
        cx.say(format_args!(
            "ok: {} events, {} tags, {head}{}",
            summary.events,
            summary.tags,
            if summary.deep {
                format!(
                    "; every schema re-projected, {} snapshots checked",
                    summary.snapshots
                )
            } else {
                String::new()
            }
        ))?;
        if let (Some(db), Some(seq)) = (&args.db, db_seq) {
            cx.say(format_args!(
                "ok: {} is at event {seq}, which is in the chain",
                db.display()
            ))?;
        }
    }
    Ok(exit::OK)
}
