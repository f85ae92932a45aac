//! A script cut into statements at its semicolons, found with sqlparser's
//! tokenizer (so strings, dollar-quoted bodies, quoted names and comments
//! never cut a statement); each statement keeps its exact source text and
//! where it starts.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, TokenizerError};

pub(crate) static DIALECT: PostgreSqlDialect = PostgreSqlDialect {};

/// The source text, with the byte offset where each line starts, to turn
/// the tokenizer's line/column locations (1-based, columns counted in
/// characters) into byte offsets.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str) -> Source<'a> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source { text, line_starts }
    }

    /// The byte offset of `loc`; the end of the text for a place past it.
    pub fn offset(&self, loc: Location) -> usize {
        let line = usize::try_from(loc.line).unwrap_or(usize::MAX);
        let Some(&start) = line.checked_sub(1).and_then(|l| self.line_starts.get(l)) else {
            return self.text.len();
        };
        let skip = usize::try_from(loc.column.saturating_sub(1)).unwrap_or(usize::MAX);
        self.text[start..]
            .char_indices()
            .nth(skip)
            .map_or(self.text.len(), |(i, _)| start + i)
    }

    /// The exact text from the first significant token of `tokens` to the
    /// end of the last.
    pub fn text_of(&self, tokens: &[TokenWithSpan]) -> &'a str {
        let first = tokens.iter().find(|t| is_significant(&t.token));
        let last = tokens.iter().rev().find(|t| is_significant(&t.token));
        match (first, last) {
            (Some(first), Some(last)) => {
                let from = self.offset(first.span.start);
                let to = self.offset(last.span.end).max(from);
                self.text.get(from..to).unwrap_or("")
            }
            _ => "",
        }
    }
}

/// Anything but whitespace, comments and the end marker.
pub(crate) fn is_significant(token: &Token) -> bool {
    !matches!(token, Token::Whitespace(_) | Token::EOF)
}

/// Whether `token` is the unquoted word `word`, in any case.
pub(crate) fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// One statement of a script.
pub(crate) struct Statement<'a> {
    /// 1-based, counting only statements that are not empty.
    pub number: usize,
    pub start: Location,
    /// The exact text, without the terminating semicolon.
    pub text: &'a str,
    /// From the first significant token to the last.
    pub tokens: Vec<TokenWithSpan>,
}

const EXCERPT_CHARS: usize = 40;

/// The start of `text` on one line, for messages.
pub(crate) fn excerpt(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(EXCERPT_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > 0 => &cut[..i],
        _ => &cut,
    };
    format!("{cut} ...")
}

/// `tokens` cut at every semicolon into statements; empty ones are left
/// out.
pub(crate) fn split<'a>(source: &Source<'a>, tokens: Vec<TokenWithSpan>) -> Vec<Statement<'a>> {
    let mut statements = Vec::new();
    let mut current = Vec::new();
    for token in tokens {
        if token.token == Token::SemiColon {
            finish(source, &mut statements, std::mem::take(&mut current));
        } else {
            current.push(token);
        }
    }
    finish(source, &mut statements, current);
    statements
}

fn finish<'a>(source: &Source<'a>, out: &mut Vec<Statement<'a>>, tokens: Vec<TokenWithSpan>) {
    let first = tokens.iter().position(|t| is_significant(&t.token));
    let last = tokens.iter().rposition(|t| is_significant(&t.token));
    let (Some(first), Some(last)) = (first, last) else {
        return;
    };
    let tokens = tokens[first..=last].to_vec();
    out.push(Statement {
        number: out.len() + 1,
        start: tokens[0].span.start,
        text: source.text_of(&tokens),
        tokens,
    });
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<TokenWithSpan>, TokenizerError> {
    Tokenizer::new(&DIALECT, text).tokenize_with_location()
}
