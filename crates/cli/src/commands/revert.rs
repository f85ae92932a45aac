//! `strata revert`: append a compensating event. History is never edited:
//! `revert POINT` undoes one event, `revert --to POINT` undoes every event
//! after a point.

use serde::Serialize;
use strata_ledger::{Body, Draft, Ledger, LedgerError, Point};

use crate::context::{parse_point, Context};
use crate::describe::short;
use crate::failure::{exit, Failure};
use crate::flags::{Author, DryRun, Message, When};
use crate::report::{self, Text};

pub const EXAMPLES: &str = "Examples:
  strata revert 3 -m 'undo the email column'
  strata revert head -m 'undo the last change' --cascade
  strata revert --to v1.0 -m 'back to the release'
  strata revert --to 0 -m 'start over'";

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["point", "to"])))]
pub struct Args {
    /// The event to undo.
    #[arg(value_parser = parse_point)]
    pub point: Option<Point>,
    /// Undo every event after this point, so that head's schema equals its.
    #[arg(long, value_parser = parse_point, value_name = "POINT")]
    pub to: Option<Point>,
    #[command(flatten)]
    pub message: Message,
    /// Also undo the later events that depend on the one reverted.
    #[arg(long, conflicts_with = "to")]
    pub cascade: bool,
    #[command(flatten)]
    pub author: Author,
    #[command(flatten)]
    pub when: When,
    #[command(flatten)]
    pub dry_run: DryRun,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let author = args.author.name()?;
    let at = args.when.at()?;
    let ledger = cx.ledger_to_append(!args.dry_run.dry_run)?;
    let body = match (&args.point, &args.to) {
        (Some(point), _) => {
            let seq = ledger.resolve(point)?;
            if seq == 0 {
                return Err(
                    Failure::new("point 0 is the empty schema, not an event to revert")
                        .help("to undo everything, use revert --to 0"),
                );
            }
            match ledger.revert_body(seq, args.cascade) {
                // A void event (no database ever passed it) is undone
                // without its data steps, which never ran.
                Err(LedgerError::DataStepWithoutRevert { .. })
                    if super::target::void(&ledger, seq)? =>
                {
                    ledger.revert_void_body(seq)?
                }
                body => body?,
            }
        }
        (None, Some(to)) => {
            let target = ledger.resolve(to)?;
            if already_at(&ledger, target)? {
                return nothing_to_revert(cx, &ledger, target);
            }
            match ledger.revert_to_body(target) {
                Err(LedgerError::NothingToRevert { .. }) => {
                    return nothing_to_revert(cx, &ledger, target)
                }
                body => body?,
            }
        }
        (None, None) => return Err(Failure::new("say what to revert: POINT or --to POINT")),
    };
    let prepared = ledger.prepare(Draft {
        at,
        author,
        message: args.message.message,
        body,
    })?;
    crate::flags::warn_if_clock_behind(at.is_some(), prepared.event());
    super::commit_or_show(cx, &ledger, prepared, args.dry_run.dry_run, |entry| {
        let of = match &entry.event.body {
            Body::Revert { of, .. } => of.iter().map(u64::to_string).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        format!(
            "recorded revert event {} ({}) undoing event{} {}: {}",
            entry.event.seq,
            short(&entry.hash),
            if of.len() == 1 { "" } else { "s" },
            of.join(", "),
            entry.event.message
        )
    })
}

/// Whether head already has the schema of point `target` and no event after
/// it carries a data step (whose revert SQL a revert would run): then
/// `revert --to` has nothing to undo.
fn already_at(ledger: &Ledger, target: u64) -> Result<bool, Failure> {
    let head = ledger.head_seq();
    if ledger.schema_at(head)? != ledger.schema_at(target)? {
        return Ok(false);
    }
    for entry in ledger.events_back_from(head) {
        let entry = entry?;
        if entry.event.seq <= target {
            break;
        }
        let data = entry
            .event
            .body
            .ops()
            .iter()
            .any(|op| matches!(op, strata_schema::Op::Data { .. }));
        if data {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `revert --to` a point whose schema head already has: exit 0, nothing
/// appended.
fn nothing_to_revert(cx: &Context, ledger: &Ledger, target: u64) -> Result<u8, Failure> {
    cx.report(&NothingToRevert {
        appended: false,
        head: ledger.head_seq(),
        reason: "nothing to revert",
        target,
    })?;
    Ok(exit::OK)
}

/// What `revert --to` reports when head has the point's schema already.
/// (JSON fields in alphabetical order, as always printed.)
#[derive(Serialize)]
struct NothingToRevert {
    appended: bool,
    head: u64,
    reason: &'static str,
    target: u64,
}

impl report::Report for NothingToRevert {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        out.say(format_args!(
            "nothing to revert: head (event {}) already has the schema of point {}; nothing was appended",
            self.head, self.target
        ))
    }
}
