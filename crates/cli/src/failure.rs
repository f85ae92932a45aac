//! What a command that did not succeed reports: one line saying what failed
//! (and where), an optional line of advice, and the exit code.

use std::fmt::Display;

use strata_ledger::LedgerError;

use crate::output;

/// Exit codes of the command-line contract.
pub mod exit {
    pub const OK: u8 = 0;
    /// Bad input, refused, not found.
    pub const ERROR: u8 = 1;
    /// A command line (clap's own) or a `strata.toml` strata cannot read.
    pub const USAGE: u8 = 2;
    /// A broken chain, or a database at a point not in this ledger.
    pub const INTEGRITY: u8 = 3;
    /// The live database differs from what the ledger says it should be.
    #[allow(dead_code)] // used by apply and status
    pub const DRIFT: u8 = 4;
    /// The database is behind the point it should be at: events are
    /// pending, which an apply would run (`check`).
    pub const PENDING: u8 = 5;
}

#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    pub help: Option<String>,
    /// Nothing to print: standard output was closed (see
    /// [`Failure::output_closed`]).
    quiet: bool,
}

impl Failure {
    /// An error (exit 1).
    pub fn new(message: impl Display) -> Failure {
        Failure {
            code: exit::ERROR,
            message: message.to_string(),
            help: None,
            quiet: false,
        }
    }

    /// Standard output's reader has gone (`strata log | head -1`): the
    /// command stops printing and ends quietly with exit 0, as ripgrep and
    /// most Unix tools do. Whatever it did before stands; a command with
    /// work left after a line it prints (import-sql) does that work first.
    pub fn output_closed() -> Failure {
        Failure {
            code: exit::OK,
            message: "standard output was closed".to_string(),
            help: None,
            quiet: true,
        }
    }

    /// A target's error (exit 1), with the target's advice.
    pub fn target(e: impl strata_target::TargetError) -> Failure {
        let help = e.help();
        let failure = Failure::new(e);
        match help {
            Some(help) => failure.help(help),
            None => failure,
        }
    }

    pub fn with_code(mut self, code: u8) -> Failure {
        self.code = code;
        self
    }

    pub fn help(mut self, help: impl Display) -> Failure {
        self.help = Some(help.to_string());
        self
    }

    /// Prefix the message with where it happened (a file, a point).
    pub fn context(mut self, place: impl Display) -> Failure {
        self.message = format!("{place}: {}", self.message);
        self
    }

    pub fn print(&self) {
        if self.quiet {
            return;
        }
        output::diagnostic(format_args!("error: {}", one_line(&self.message)));
        if let Some(help) = &self.help {
            output::diagnostic(format_args!("help: {}", one_line(help)));
        }
    }
}

/// Messages may quote user text (SQL with newlines); the contract is one
/// line per message.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl From<LedgerError> for Failure {
    fn from(e: LedgerError) -> Failure {
        let failure = Failure::new(&e);
        let failure = match e.help() {
            Some(help) => failure.help(help),
            None => failure,
        };
        match e {
            // A damaged store, whichever command finds it, is an integrity
            // failure.
            e if e.is_damage() => failure.with_code(exit::INTEGRITY),
            LedgerError::InUse { .. } => failure.help(
                "wait for the other process to finish, or give --wait SECONDS to wait longer",
            ),
            _ => failure,
        }
    }
}

impl From<strata_reconcile::Error> for Failure {
    fn from(e: strata_reconcile::Error) -> Failure {
        use strata_reconcile::{Error, Kind};
        let code = match e.kind() {
            Kind::Refused => exit::ERROR,
            Kind::Integrity => exit::INTEGRITY,
            Kind::Drift => exit::DRIFT,
        };
        let help = e.help();
        let failure = match e {
            Error::Ledger(e) => return Failure::from(e),
            e => Failure::new(e).with_code(code),
        };
        match help {
            Some(help) => failure.help(help),
            None => failure,
        }
    }
}

impl From<strata_reconcile::migrations::FolderError> for Failure {
    fn from(e: strata_reconcile::migrations::FolderError) -> Failure {
        let failure = Failure::new(&e.message);
        match e.help {
            Some(help) => failure.help(help),
            None => failure,
        }
    }
}

impl From<strata_ledger::text::TextError> for Failure {
    fn from(e: strata_ledger::text::TextError) -> Failure {
        use strata_ledger::text::TextError;
        let code = if e.is_integrity() {
            exit::INTEGRITY
        } else {
            exit::ERROR
        };
        let help = e.help();
        let failure = match e {
            TextError::Ledger(e) => return Failure::from(e),
            e => Failure::new(e).with_code(code),
        };
        match help {
            Some(help) => failure.help(help),
            None => failure,
        }
    }
}
