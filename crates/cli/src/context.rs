//! What every command shares: the global options, opening the ledger
//! (waiting a while when another process holds it), and resolving points.

use std::cell::RefCell;
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use strata_ledger::{Ledger, LedgerError, Point};

use crate::cli::Global;
use crate::failure::Failure;
use crate::output;

pub struct Context {
    pub global: Global,
    /// The ledger as a step before the command opened it to read (the
    /// text form's catch-up): the command's [`Context::ledger`] takes it
    /// instead of opening the ledger a second time.
    opened: RefCell<Option<Ledger>>,
}

impl Context {
    pub fn new(global: Global) -> Context {
        Context {
            global,
            opened: RefCell::new(None),
        }
    }

    /// Keep `ledger`, opened to read, for the command's
    /// [`Context::ledger`].
    pub fn keep_opened(&self, ledger: Ledger) {
        *self.opened.borrow_mut() = Some(ledger);
    }

    /// Open the ledger to read it, waiting up to `--wait` seconds while
    /// another strata process holds it. Nothing is written in the ledger
    /// folder.
    pub fn ledger(&self) -> Result<Ledger, Failure> {
        if let Some(ledger) = self.opened.borrow_mut().take() {
            return Ok(ledger);
        }
        self.open_ledger().map_err(open_failure)
    }

    /// Open the ledger to append to it (`record`, `tag`, `revert`, ...) when
    /// `append`: as [`Context::ledger`], and this process writes itself down
    /// as the holder, for the messages of the processes that wait for it.
    /// A dry run opens it to read.
    pub fn ledger_to_append(&self, append: bool) -> Result<Ledger, Failure> {
        if !append {
            return self.ledger();
        }
        self.open_as(|dir| Ledger::open_to_write(dir))
            .map_err(open_failure)
    }

    /// [`Context::ledger`], with the ledger's own error (and how long it
    /// waited) for a caller that reads it.
    pub fn open_ledger(&self) -> Result<Ledger, (LedgerError, Duration)> {
        self.open_as(|dir| Ledger::open(dir))
    }

    /// [`Context::ledger_to_append`], with the ledger's own error (and how
    /// long it waited) for a caller that reads it.
    pub fn open_ledger_to_write(&self) -> Result<Ledger, (LedgerError, Duration)> {
        self.open_as(|dir| Ledger::open_to_write(dir))
    }

    /// [`Context::open_ledger`] and a verify of it (`deep` or not), made
    /// in one pass over the journal ([`Ledger::open_verified`]).
    pub fn open_ledger_verified(
        &self,
        deep: bool,
    ) -> Result<(Ledger, strata_ledger::VerifyReport), (LedgerError, Duration)> {
        self.open_as(|dir| Ledger::open_verified(dir, deep))
    }

    fn open_as<T>(
        &self,
        open: impl Fn(&std::path::Path) -> strata_ledger::Result<T>,
    ) -> Result<T, (LedgerError, Duration)> {
        let wait = if self.global.wait.is_finite() && self.global.wait > 0.0 {
            Duration::from_secs_f64(self.global.wait.min(86_400.0))
        } else {
            Duration::ZERO
        };
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(10);
        loop {
            match open(&self.global.ledger) {
                Err(LedgerError::InUse { .. }) if Instant::now() < deadline => {
                    thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                other => return other.map_err(|e| (e, wait)),
            }
        }
    }

    /// Print a line unless `--quiet`.
    pub fn say(&self, line: impl std::fmt::Display) -> Result<(), Failure> {
        if self.global.quiet {
            return Ok(());
        }
        output::line(line)
    }

    /// Print a line only with `--verbose`.
    pub fn detail(&self, line: impl std::fmt::Display) -> Result<(), Failure> {
        if !self.global.verbose {
            return Ok(());
        }
        output::line(line)
    }

    pub fn json(&self) -> bool {
        self.global.json
    }
}

/// Print one JSON document.
pub fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::new(format!("cannot write JSON: {e}")))?;
    output::line(text)
}

/// A point argument, parsed by clap so that a malformed point is a usage
/// error that lists the accepted forms.
pub fn parse_point(text: &str) -> Result<Point, String> {
    Point::parse(text).map_err(|e| e.to_string())
}

/// The failure for a ledger that did not open (after waiting so long).
pub fn open_failure((e, waited): (LedgerError, Duration)) -> Failure {
    match e {
        e @ LedgerError::InUse { .. } => Failure::from(e).help(format!(
            "waited {:.1}s; let the other process finish, or give --wait SECONDS",
            waited.as_secs_f64()
        )),
        e => Failure::from(e),
    }
}
