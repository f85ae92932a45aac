//! A script cut into statements with sqlparser's tokenizer, so that strings,
//! quoted identifiers and comments never split a statement, and each
//! statement keeps its exact source text and where it starts.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, TokenizerError};

pub(crate) static DIALECT: SQLiteDialect = SQLiteDialect {};

pub(crate) use strata_script::{excerpt, is_significant, is_word, Source, Statement};

/// Cut `tokens` into statements at semicolons. A `CREATE TRIGGER` body
/// (`BEGIN ... END`) holds semicolons of its own: inside it, a semicolon
/// ends the statement only once the body's `END` has been seen (an `END`
/// that closes a `CASE` does not count).
pub(crate) fn split<'a>(source: &Source<'a>, tokens: Vec<TokenWithSpan>) -> Vec<Statement<'a>> {
    strata_script::split::<Body>(source, tokens)
}

/// Where the splitter stands with respect to a trigger body.
#[derive(Default)]
struct Body {
    /// Significant tokens seen so far in the statement.
    seen: usize,
    create: bool,
    temp: bool,
    trigger: bool,
    open: bool,
    closed: bool,
    cases: usize,
}

impl strata_script::Ends for Body {
    fn may_end(&self) -> bool {
        !self.trigger || !self.open || self.closed
    }

    fn see(&mut self, token: &Token) {
        self.seen += 1;
        if !self.trigger {
            // CREATE [TEMP|TEMPORARY] TRIGGER
            match self.seen {
                1 => self.create = is_word(token, "CREATE"),
                2 if is_word(token, "TEMP") || is_word(token, "TEMPORARY") => self.temp = true,
                2 => self.trigger = self.create && is_word(token, "TRIGGER"),
                3 => self.trigger = self.create && self.temp && is_word(token, "TRIGGER"),
                _ => {}
            }
        } else if !self.open {
            self.open = is_word(token, "BEGIN");
        } else if !self.closed {
            if is_word(token, "CASE") {
                self.cases += 1;
            } else if is_word(token, "END") {
                match self.cases.checked_sub(1) {
                    Some(n) => self.cases = n,
                    None => self.closed = true,
                }
            }
        }
    }
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<TokenWithSpan>, TokenizerError> {
    Tokenizer::new(&DIALECT, text).tokenize_with_location()
}
