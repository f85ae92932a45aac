//! One module per command, each with its clap `Args` and a `run` that
//! returns the exit code (or a [`Failure`]).

pub mod apply;
pub mod archive;
pub mod baseline;
pub mod checkout;
pub mod empty;
pub mod import_sql;
pub mod init;
pub mod log;
pub mod plan;
pub mod record;
pub mod revert;
pub mod schema;
pub mod show;
pub mod status;
pub mod tag;
mod target;
pub mod verify;

use strata_ledger::{Entry, Ledger, Prepared};

use crate::cli::{Cli, Command};
use crate::context::{print_json, Context};
use crate::describe::{event_json, summary};
use crate::failure::{exit, Failure};

pub fn run(cli: Cli) -> Result<u8, Failure> {
    let cx = Context { global: cli.global };
    match cli.command {
        Command::Init(args) => init::run(&cx, args),
        Command::Apply(args) => apply::run(&cx, args),
        Command::Archive(args) => archive::run(&cx, args),
        Command::Baseline(args) => baseline::run(&cx, args),
        Command::Status(args) => status::run(&cx, args),
        Command::Checkout(args) => checkout::run(&cx, args),
        Command::Record(args) => record::run(&cx, args),
        Command::ImportSql(args) => import_sql::run(&cx, args),
        Command::Revert(args) => revert::run(&cx, args),
        Command::Log(args) => log::run(&cx, args),
        Command::Plan(args) => plan::run(&cx, args),
        Command::Show(args) => show::run(&cx, args),
        Command::Schema(args) => schema::run(&cx, args),
        Command::Tag(args) => tag::run(&cx, args),
        Command::Verify(args) => verify::run(&cx, args),
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
    if dry_run {
        let e = prepared.event();
        if cx.json() {
            print_json(&event_json(&prepared.hash(), e))?;
        } else {
            cx.say(format_args!(
                "would record {} event {} ({} ops); nothing was appended",
                e.body.kind(),
                e.seq,
                e.body.ops().len()
            ))?;
            for op in e.body.ops() {
                cx.say(format_args!("  {}", summary(op)))?;
            }
        }
        return Ok(exit::OK);
    }
    let entry = ledger.commit(prepared)?;
    if cx.json() {
        print_json(&event_json(&entry.hash, &entry.event))?;
    } else {
        cx.say(headline(&entry))?;
        for op in entry.event.body.ops() {
            cx.detail(format_args!("  {}", summary(op)))?;
        }
    }
    Ok(exit::OK)
}
