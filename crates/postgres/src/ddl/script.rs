//! A script cut into statements at its semicolons, found with sqlparser's
//! tokenizer (so strings, dollar-quoted bodies, quoted names and comments
//! never cut a statement); each statement keeps its exact source text and
//! where it starts.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{TokenWithSpan, Tokenizer, TokenizerError};

pub(crate) static DIALECT: PostgreSqlDialect = PostgreSqlDialect {};

pub(crate) use strata_script::{excerpt, is_significant, is_word, Source, Statement};

/// `tokens` cut at every semicolon into statements (a function's body is
/// one dollar-quoted token, so it holds none); empty ones are left out.
pub(crate) fn split<'a>(source: &Source<'a>, tokens: Vec<TokenWithSpan>) -> Vec<Statement<'a>> {
    strata_script::split::<strata_script::AtEverySemicolon>(source, tokens)
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<TokenWithSpan>, TokenizerError> {
    Tokenizer::new(&DIALECT, text).tokenize_with_location()
}
