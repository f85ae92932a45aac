//! `strata verify`: recompute every hash and link (and with `--deep`, every
//! schema fingerprint), and check head against one kept elsewhere.

use serde::Serialize;
use serde_json::json;
use strata_ledger::text::{self, TextError};
use strata_ledger::{Hash, LedgerError, Problem, VerifyReport, JOURNAL_ADVICE};

use crate::context::{print_json, Context};
use crate::describe::short;
use crate::failure::{exit, Failure};
use crate::report::{self, count, Text};

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
    /// Check the text form in this folder (`strata export`'s) alone, without a ledger.
    #[arg(long, value_name = "DIR", conflicts_with = "db")]
    pub text: Option<std::path::PathBuf>,
    /// Check the store itself, holding it as a writer does (waiting up to
    /// --wait), and the journal against it; a missing or damaged journal
    /// is written anew from the store first.
    #[arg(long, conflicts_with = "text")]
    pub store: bool,
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
    if let Some(dir) = &args.text {
        return run_text(cx, &args, dir);
    }
    // A head record that does not match its event stops the ledger from
    // opening; to verify, that is the verdict.
    let mut advice =
        "the events up to the one named are intact; restore the ledger from a copy you trust";
    let progress = args
        .deep
        .then(|| crate::term::Progress::start(cx, "verifying every hash, link and schema"));
    // A reader's opening check and verify's own are one pass.
    let opened = if args.store {
        cx.open_ledger_to_write().map(|l| (l, None))
    } else {
        cx.open_ledger_verified(args.deep)
            .map(|(l, report)| (l, Some(report)))
    };
    let report = match opened {
        Ok((ledger, _)) if args.store => Ok((ledger.verify_with_journal(args.deep)?, ledger)),
        Ok((ledger, report)) => {
            if ledger.reads_journal() {
                advice = JOURNAL_ADVICE;
            }
            let report = match report {
                Some(report) => report,
                None => ledger.verify(args.deep)?,
            };
            Ok((report, ledger))
        }
        Err((LedgerError::Damaged { seq, reason }, _)) => Err(Problem { seq, reason }),
        Err((LedgerError::JournalDamaged { reason, .. }, _)) => {
            advice = JOURNAL_ADVICE;
            Err(Problem {
                seq: None,
                reason: format!("the journal: {reason}"),
            })
        }
        Err(other) => return Err(crate::context::open_failure(other)),
    };
    drop(progress);
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
                .help(advice)
                .with_code(exit::INTEGRITY));
        }
    };
    expect_head(cx, &args, summary.head)?;
    let db_seq = match &args.db {
        Some(db) => {
            if !super::any::is_url(db) && !db.is_file() {
                return Err(Failure::new(format!(
                    "{} does not exist",
                    super::any::shown(&db)
                )));
            }
            let r = super::target::reconciler(&ledger)?;
            Some(r.standing(&r.open(db)?)?.seq)
        }
        None => None,
    };
    cx.report(&Report {
        db: args.db.as_deref(),
        db_seq,
        deep: summary.deep,
        dialect: ledger.dialect().as_str(),
        events: summary.events,
        format_version: ledger.format().version,
        head: summary.head.map(|(seq, h)| Head {
            hash: h.to_string(),
            seq,
        }),
        ok: true,
        snapshots: summary.snapshots,
        tags: summary.tags,
    })?;
    Ok(exit::OK)
}

/// Refused (exit 3) unless head is the one `--expect-head` gives.
fn expect_head(cx: &Context, args: &Args, head: Option<(u64, Hash)>) -> Result<(), Failure> {
    let Some(expected) = &args.expect_head else {
        return Ok(());
    };
    let found = head.map(|(_, h)| h.to_string());
    let matches = found
        .as_deref()
        .is_some_and(|f| f.starts_with(&expected.to_ascii_lowercase()));
    if matches {
        return Ok(());
    }
    let now = match head {
        Some((seq, h)) => format!("head is event {seq} ({})", short(&h)),
        None if args.text.is_some() => "the text form has no events".to_string(),
        None => "the ledger is empty".to_string(),
    };
    if cx.json() {
        let _ = print_json(&json!({
            "ok": false,
            "deep": args.deep,
            "problem": { "seq": null, "reason": format!("{now}, not {expected}") },
        }));
    }
    let help = if args.text.is_some() {
        "compare with `strata log`; restore the folder from a copy you trust"
    } else {
        "compare with `strata log`; restore the ledger from a copy you trust"
    };
    Err(Failure::new(format!(
        "{now}, not {expected}: events may have been lost from the end or added"
    ))
    .help(help)
    .with_code(exit::INTEGRITY))
}

/// `verify --text DIR`: the text form alone, no store opened.
fn run_text(cx: &Context, args: &Args, dir: &std::path::Path) -> Result<u8, Failure> {
    let progress = crate::term::Progress::start(cx, format!("verifying {}", dir.display()));
    let verified = text::verify_text(dir, args.deep);
    progress.done();
    let summary = match verified {
        Ok(summary) => summary,
        Err(e) => {
            if cx.json() && e.is_integrity() {
                let (file, reason) = match &e {
                    TextError::Broken { path, reason } => {
                        (Some(super::any::shown(&path).to_string()), reason.clone())
                    }
                    e => (None, e.to_string()),
                };
                let _ = print_json(&json!({
                    "ok": false,
                    "deep": args.deep,
                    "problem": { "file": file, "reason": reason },
                }));
            }
            let mut failure = Failure::from(e);
            if failure.code == exit::INTEGRITY {
                failure.message = format!("the text form is broken: {}", failure.message);
            }
            return Err(failure);
        }
    };
    expect_head(cx, args, summary.head)?;
    cx.report(&TextReport {
        deep: summary.deep,
        dialect: summary.format.dialect.as_str(),
        dir,
        events: summary.events,
        format_version: summary.format.version,
        head: summary.head.map(|(seq, h)| Head {
            hash: h.to_string(),
            seq,
        }),
        ok: true,
        tags: summary.tags,
        text_version: text::TEXT_VERSION,
    })?;
    Ok(exit::OK)
}

/// What `verify --text` reports when the text form is whole. (JSON fields
/// in alphabetical order, as always printed.)
#[derive(Serialize)]
struct TextReport<'a> {
    deep: bool,
    dialect: &'static str,
    dir: &'a std::path::Path,
    events: u64,
    format_version: u32,
    head: Option<Head>,
    ok: bool,
    tags: u64,
    text_version: u32,
}

impl report::Report for TextReport<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let head = match &self.head {
            Some(h) => format!("head event {} {}", h.seq, h.hash),
            None => "empty".to_string(),
        };
        let deep = if self.deep {
            "; every schema re-projected"
        } else {
            ""
        };
        out.say(format_args!(
            "ok: {}: {}, {}, {head}{deep}",
            self.dir.display(),
            count(self.events as usize, "event", "events"),
            count(self.tags as usize, "tag", "tags"),
        ))
    }
}

/// What `verify` reports when the ledger is whole. (JSON fields in
/// alphabetical order, as always printed.)
#[derive(Serialize)]
struct Report<'a> {
    #[serde(skip)]
    db: Option<&'a std::path::Path>,
    /// The point the database records, which is in the chain.
    db_seq: Option<u64>,
    deep: bool,
    dialect: &'static str,
    events: u64,
    format_version: u32,
    head: Option<Head>,
    ok: bool,
    snapshots: u64,
    tags: u64,
}

#[derive(Serialize)]
struct Head {
    hash: String,
    seq: u64,
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let head = match &self.head {
            Some(h) => format!("head event {} {}", h.seq, h.hash),
            None => "empty".to_string(),
        };
        let deep = if self.deep {
            format!(
                "; every schema re-projected, {} snapshots checked",
                self.snapshots
            )
        } else {
            String::new()
        };
        out.say(format_args!(
            "ok: {} events, {} tags, {head}{deep}",
            self.events, self.tags
        ))?;
        if let (Some(db), Some(seq)) = (self.db, self.db_seq) {
            out.say(format_args!(
                "ok: {} is at event {seq}, which is in the chain",
                super::any::shown(&db)
            ))?;
        }
        Ok(())
    }
}
