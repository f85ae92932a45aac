//! `strata`: the command-line tool. Each command lives in its own file under
//! `commands/`: it parses its arguments (clap), calls the ledger and the
//! SQLite target, and renders what they return. Everything that can fail
//! comes back as a [`Failure`], printed as one `error:` line (and a `help:`
//! line when there is advice) with the exit code of the contract in
//! docs/guide.md. What they print goes through `output`, so that a closed
//! stdout ends a command quietly instead of a panic.

mod cli;
mod commands;
mod context;
mod describe;
mod diagram;
mod failure;
mod flags;
mod html;
mod input;
mod lint;
mod output;
mod report;
mod settings;
mod term;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    term::set_color(cli.global.color);
    // Output a command left without a newline is written out here, so that
    // a failure to write it is reported too.
    let configured = commands::configure(cli.global.lock_timeout, cli.global.dev_db.clone());
    match configured
        .and_then(|()| commands::run(cli))
        .and_then(|code| output::flush().map(|()| code))
    {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            failure.print();
            ExitCode::from(failure.code)
        }
    }
}
