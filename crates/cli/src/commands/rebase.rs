//! `strata rebase DIR -m MSG`: when the ledger and a text form (another
//! branch's history, say the one a merge brought in) have forked, the text
//! form's events become the ledger's history and the ledger's own events
//! after the fork are re-recorded after them, each proven to still apply
//! and keeping where it was as its origin. Then the text form is written
//! out again, so folder and ledger agree.

use std::path::{Path, PathBuf};

use serde::Serialize;
use strata_ledger::rebase::{Rebase, RebaseError};
use strata_ledger::text;

use crate::context::Context;
use crate::failure::{exit, Failure};
use crate::flags::Message;
use crate::report::{self, count, Text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The text form to rebase onto (the folder `strata export` wrote).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub message: Message,
}

pub const EXAMPLES: &str = "Examples:\n  git merge main  # the text folder conflicts: take main's\n  git checkout main -- ledger-text\n  strata rebase ledger-text -m \"after merging main\"\n  git add ledger-text && git commit";

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    if args.message.message.trim().is_empty() {
        return Err(Failure::new("the rebase needs a message").help("say why, with -m"));
    }
    let ledger = cx.ledger_to_append(true)?;
    super::target::dialect_of(&ledger)?;
    let dir = ledger.dir().to_path_buf();
    let mut prove = |l: &strata_ledger::Ledger, p: &strata_ledger::Prepared| {
        super::target::prove(l, p).map_err(|f| f.message)
    };
    let done = ledger
        .rebase(&args.dir, &args.message.message, &mut prove)
        .map_err(failure)?;
    let ledger = cx.ledger_to_append(true)?;
    let exported = match &done {
        Rebase::Rebased(_) | Rebase::Ahead { .. } => {
            Some(text::export(&ledger, &args.dir)?.written)
        }
        _ => None,
    };
    let head = ledger.head();
    cx.report(&Report {
        dir: &args.dir,
        done: &done,
        exported,
        head: head.map(|(seq, hash)| super::HeadJson {
            hash: hash.to_string(),
            seq,
        }),
        ledger: &dir,
    })?;
    Ok(exit::OK)
}

fn failure(e: RebaseError) -> Failure {
    let help = e.help();
    let code = if e.is_integrity() {
        exit::INTEGRITY
    } else {
        exit::ERROR
    };
    let failure = match e {
        RebaseError::Text(e) => return Failure::from(e),
        RebaseError::Ledger(e) => return Failure::from(e),
        e => Failure::new(e).with_code(code),
    };
    match help {
        Some(help) => failure.help(help),
        None => failure,
    }
}

/// What `rebase` reports. (JSON fields in alphabetical order.)
struct Report<'a> {
    dir: &'a Path,
    done: &'a Rebase,
    /// Event files written to `dir` afterwards.
    exported: Option<u64>,
    head: Option<super::HeadJson>,
    ledger: &'a Path,
}

#[derive(Serialize)]
struct MovedJson {
    from: u64,
    from_hash: String,
    to: u64,
    to_hash: String,
}

impl Serialize for Report<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("dir", self.dir)?;
        map.serialize_entry("exported", &self.exported)?;
        match self.done {
            Rebase::Rebased(r) => {
                map.serialize_entry("fork", &r.fork)?;
            }
            _ => map.serialize_entry("fork", &Option::<u64>::None)?,
        }
        map.serialize_entry("head", &self.head)?;
        if let Rebase::Rebased(r) = self.done {
            map.serialize_entry("kept", &r.kept)?;
        }
        map.serialize_entry("ledger", self.ledger)?;
        let moved: Vec<MovedJson> = match self.done {
            Rebase::Rebased(r) => r
                .moved
                .iter()
                .map(|m| MovedJson {
                    from: m.from,
                    from_hash: m.from_hash.to_string(),
                    to: m.to,
                    to_hash: m.to_hash.to_string(),
                })
                .collect(),
            _ => Vec::new(),
        };
        map.serialize_entry("moved", &moved)?;
        let outcome = match self.done {
            Rebase::Same { .. } => "same",
            Rebase::Behind { .. } => "behind",
            Rebase::Ahead { .. } => "ahead",
            Rebase::Rebased(_) => "rebased",
        };
        map.serialize_entry("outcome", outcome)?;
        if let Rebase::Rebased(r) = self.done {
            map.serialize_entry("theirs", &r.theirs)?;
        }
        map.end()
    }
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let dir = self.dir.display();
        match self.done {
            Rebase::Same { head } => out.say(format_args!(
                "nothing to rebase: the ledger and {dir} hold the same {}",
                count(*head as usize, "event", "events")
            ))?,
            Rebase::Behind { head, text } => out.say(format_args!(
                "nothing to rebase: the ledger's {} are the first of {dir}'s {text}; `strata import {dir}` brings in the rest",
                count(*head as usize, "event", "events")
            ))?,
            Rebase::Ahead { head, text } => out.say(format_args!(
                "nothing to rebase: {dir}'s {} are the first of the ledger's {head}",
                count(*text as usize, "event", "events")
            ))?,
            Rebase::Rebased(r) => {
                out.say(format_args!(
                    "rebased {} onto {dir}: the histories part after event {}, {dir} holds {} to {}",
                    count(r.moved.len(), "event", "events"),
                    r.fork,
                    r.fork + 1,
                    r.theirs
                ))?;
                for m in &r.moved {
                    out.say(format_args!(
                        "  event {} ({}) is now event {} ({})",
                        m.from,
                        m.from_hash.short(12),
                        m.to,
                        m.to_hash.short(12)
                    ))?;
                }
                out.say(format_args!(
                    "the store as it was is kept in {}",
                    r.kept.display()
                ))?;
            }
        }
        if let Some(written) = self.exported {
            out.say(format_args!(
                "wrote {} to {dir}",
                count(written as usize, "event file", "event files")
            ))?;
        }
        Ok(())
    }
}
