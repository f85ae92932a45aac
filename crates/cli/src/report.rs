//! What a command reports: one typed value, which renders as JSON for
//! scripts (`--json`: the value's fields, by serde) or as text for people
//! ([`Report::text`]). A command builds its report and hands it to
//! [`Context::report`]; nothing else decides between the two forms.

use serde::Serialize;

use crate::context::{print_json, Context};
use crate::failure::Failure;
use crate::output;

/// A command's report.
pub trait Report: Serialize {
    /// The text form, written through `out`.
    fn text(&self, out: &Text<'_>) -> Result<(), Failure>;
}

/// Where a report's text goes, with the global flags applied.
pub struct Text<'a> {
    cx: &'a Context,
}

impl Text<'_> {
    /// A line `--quiet` leaves out: a confirmation.
    pub fn say(&self, line: impl std::fmt::Display) -> Result<(), Failure> {
        self.cx.say(line)
    }

    /// A line always printed: what was asked for.
    pub fn line(&self, line: impl std::fmt::Display) -> Result<(), Failure> {
        output::line(line)
    }

    /// Text printed as it is.
    pub fn raw(&self, text: &str) -> Result<(), Failure> {
        output::text(text)
    }

    /// A line only `--verbose` prints.
    pub fn detail(&self, line: impl std::fmt::Display) -> Result<(), Failure> {
        self.cx.detail(line)
    }

    /// A warning, on standard error.
    pub fn warn(&self, line: impl std::fmt::Display) {
        output::diagnostic(format_args!("warning: {line}"));
    }
}

impl Context {
    /// Prints `report` in the form the user asked for.
    pub fn report<R: Report>(&self, report: &R) -> Result<(), Failure> {
        if self.json() {
            print_json(report)
        } else {
            report.text(&Text { cx: self })
        }
    }
}

/// `s` after a count that is not one.
pub fn plural(n: impl Into<u64>) -> &'static str {
    if n.into() == 1 {
        ""
    } else {
        "s"
    }
}

/// `n` and the noun that goes with it: `1 table`, `2 tables`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
