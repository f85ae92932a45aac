//! Everything a command prints to standard output goes through here, so
//! that a failed write is a [`Failure`] a command returns, never a panic
//! (`println!` panics on one). When the reader of stdout has gone
//! (`strata schema | head -1`), the failure is [`Failure::output_closed`]:
//! the command stops printing and, unless its work failed, exits 0 with
//! nothing on stderr; what it already did (an appended event, an applied
//! database) stands. Any other write error is `cannot write output`.
//! Errors, warnings and notes go to stderr through [`diagnostic`], which
//! never panics either; their `error:`, `warning:` and `help:` prefixes
//! are coloured as `--color` says ([`crate::term::paint`]).

use std::fmt::Display;
use std::io::{self, Write};

use crate::failure::Failure;

/// Print `line` and a newline.
pub fn line(line: impl Display) -> Result<(), Failure> {
    written(writeln!(io::stdout().lock(), "{line}"))
}

/// Print `text` as it is.
pub fn text(text: &str) -> Result<(), Failure> {
    written(io::stdout().lock().write_all(text.as_bytes()))
}

/// Write out what standard output still holds (a last line without a
/// newline), once a command is done.
pub fn flush() -> Result<(), Failure> {
    written(io::stdout().lock().flush())
}

/// The failure, if any, of a write to standard output.
pub fn written(result: io::Result<()>) -> Result<(), Failure> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(Failure::output_closed()),
        Err(e) => Err(Failure::new(format!("cannot write output: {e}"))),
    }
}

/// Print `line` (an error, a warning, a note) and a newline to standard
/// error. A failure to write there is left unreported: stderr is where it
/// would be reported.
pub fn diagnostic(line: impl Display) {
    let line = line.to_string();
    let _ = writeln!(io::stderr().lock(), "{}", crate::term::paint(&line));
}
