//! One module per command, each with its clap `Args` and a `run` that
//! returns the exit code (or a [`Failure`]).

pub mod init;
pub mod log;
pub mod record;
pub mod revert;
pub mod schema;
pub mod show;
pub mod tag;
pub mod verify;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::failure::Failure;

pub fn run(cli: Cli) -> Result<u8, Failure> {
    let cx = Context { global: cli.global };
    match cli.command {
        Command::Init(args) => init::run(&cx, args),
        Command::Record(args) => record::run(&cx, args),
        Command::Revert(args) => revert::run(&cx, args),
        Command::Log(args) => log::run(&cx, args),
        Command::Show(args) => show::run(&cx, args),
        Command::Schema(args) => schema::run(&cx, args),
        Command::Tag(args) => tag::run(&cx, args),
        Command::Verify(args) => verify::run(&cx, args),
    }
}
