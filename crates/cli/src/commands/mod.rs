//! One module per command, each with its clap `Args` and a `run` that
//! returns the exit code (or a [`Failure`]).

pub mod any;
pub mod apply;
pub mod archive;
pub mod audit;
pub mod baseline;
pub mod blame;
pub mod check;
pub mod checkout;
pub mod completions;
pub mod diff;
pub mod empty;
pub mod export;
pub mod import;
pub mod import_sql;
pub mod init;
pub mod log;
pub mod man;
pub mod plan;
pub mod rebase;
pub mod record;
pub mod revert;
pub mod schema;
pub mod show;
pub mod status;
pub mod tag;
mod target;

pub use target::configure;
pub mod verify;

use serde::Serialize;
use strata_ledger::{Entry, Ledger, Prepared};

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::describe::{event_json, summary, EventJson};
use crate::failure::{exit, Failure};
use crate::report::{self, plural, Text};
use crate::settings;

pub fn run(cli: Cli) -> Result<u8, Failure> {
    // Made from the command line's definition alone: no ledger, and no
    // `strata.toml` to read (a broken one does not stop them).
    let command = match cli.command {
        Command::Completions(args) => return completions::run(args),
        Command::Man(args) => return man::run(args),
        command => command,
    };
    let settings = settings::load()?;
    let mut global = cli.global;
    global.settle(settings);
    let cx = Context::new(global);
    let follow = settings.text.clone();
    let (before, after) = follows(&command);
    if let (Some(dir), Some(strict)) = (&follow, before) {
        settings::catch_up(&cx, dir, strict)?;
    }
    let code = dispatch(&cx, command)?;
    if let (Some(dir), true) = (&follow, after) {
        settings::write_out(&cx, dir);
    }
    Ok(code)
}

/// How a command follows the text form `strata.toml` names: whether it
/// first imports newer files (`Some(strict)`: refusing to go on when it
/// cannot, for a command that appends), and whether it writes the files of
/// what it appended afterwards. Commands that work on text forms themselves,
/// or make a ledger, leave it alone.
fn follows(command: &Command) -> (Option<bool>, bool) {
    match command {
        Command::Init(_)
        | Command::Export(_)
        | Command::Import(_)
        | Command::Rebase(_)
        | Command::Completions(_)
        | Command::Man(_) => (None, false),
        Command::Verify(args) if args.text.is_some() => (None, false),
        Command::Record(_)
        | Command::ImportSql(_)
        | Command::Revert(_)
        | Command::Tag(_)
        | Command::Baseline(_) => (Some(true), true),
        _ => (Some(false), false),
    }
}

fn dispatch(cx: &Context, command: Command) -> Result<u8, Failure> {
    match command {
        Command::Init(args) => init::run(cx, args),
        Command::Apply(args) => apply::run(cx, args),
        Command::Archive(args) => archive::run(cx, args),
        Command::Baseline(args) => baseline::run(cx, args),
        Command::Status(args) => status::run(cx, args),
        Command::Check(args) => check::run(cx, args),
        Command::Checkout(args) => checkout::run(cx, args),
        Command::Record(args) => record::run(cx, args),
        Command::ImportSql(args) => import_sql::run(cx, args),
        Command::Export(args) => export::run(cx, args),
        Command::Import(args) => import::run(cx, args),
        Command::Rebase(args) => rebase::run(cx, args),
        Command::Revert(args) => revert::run(cx, args),
        Command::Log(args) => log::run(cx, args),
        Command::Plan(args) => plan::run(cx, args),
        Command::Show(args) => show::run(cx, args),
        Command::Schema(args) => schema::run(cx, args),
        Command::Diff(args) => diff::run(cx, args),
        Command::Blame(args) => blame::run(cx, args),
        Command::Report(args) => audit::run(cx, args),
        Command::Tag(args) => tag::run(cx, args),
        Command::Verify(args) => verify::run(cx, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

/// Prove a prepared event on a scratch database, then commit it and report
/// it with `headline` (ops listed with --verbose); with `dry_run`, show it
/// with every op and commit nothing.
pub fn commit_or_show(
    cx: &Context,
    ledger: &Ledger,
    prepared: Prepared,
    dry_run: bool,
    headline: impl FnOnce(&Entry) -> String,
) -> Result<u8, Failure> {
    target::prove(ledger, &prepared)?;
    show_or_commit(cx, ledger, prepared, dry_run, headline)
}

/// [`commit_or_show`] of an event already proven.
pub fn show_or_commit(
    cx: &Context,
    ledger: &Ledger,
    prepared: Prepared,
    dry_run: bool,
    headline: impl FnOnce(&Entry) -> String,
) -> Result<u8, Failure> {
    if dry_run {
        let e = prepared.event();
        cx.report(&Recorded {
            event: event_json(&prepared.hash(), e),
            headline: None,
        })?;
        return Ok(exit::OK);
    }
    let entry = ledger.commit(prepared)?;
    cx.report(&Recorded {
        event: event_json(&entry.hash, &entry.event),
        headline: Some(headline(&entry)),
    })?;
    Ok(exit::OK)
}

/// An event's seq and hash, as reports of a whole ledger or text form
/// name its head.
#[derive(Serialize)]
pub struct HeadJson {
    pub hash: String,
    pub seq: u64,
}

/// What a command that appends one event reports: the event (in JSON, the
/// event as `log` shows it), and the headline of its text; without one, the
/// event was only planned (a dry run).
#[derive(Serialize)]
#[serde(transparent)]
pub struct Recorded<'a> {
    pub event: EventJson<'a>,
    #[serde(skip)]
    pub headline: Option<String>,
}

impl report::Report for Recorded<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let e = &self.event;
        let Some(headline) = &self.headline else {
            out.say(format_args!(
                "would record {} event {} ({} op{}); nothing was appended",
                e.kind,
                e.seq,
                e.ops.len(),
                plural(e.ops.len() as u64)
            ))?;
            return e
                .ops
                .iter()
                .try_for_each(|op| out.say(format_args!("  {}", summary(op))));
        };
        out.say(headline)?;
        e.ops
            .iter()
            .try_for_each(|op| out.detail(format_args!("  {}", summary(op))))
    }
}
