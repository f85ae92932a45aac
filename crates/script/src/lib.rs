//! SQL scripts as strata's targets read them for `record`: a script cut
//! into statements with sqlparser's tokenizer, so that strings, quoted
//! names, dollar-quoted bodies and comments never cut a statement; each
//! statement keeps its exact source text and where it starts. And
//! sqlparser's errors, in strata's words. What is the dialect's (its
//! tokenizer, where a statement may end) each target gives.

pub mod annotations;

use sqlparser::parser::ParserError;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

/// The source text, with a map from the tokenizer's line/column locations
/// (1-based, columns counted in characters) to byte offsets.
pub struct Source<'a> {
    pub text: &'a str,
    line_starts: Vec<usize>,
    /// Per line: whether it is all ASCII, so a column is a byte count.
    ascii: Vec<bool>,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str) -> Source<'a> {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let ascii = text.split('\n').map(str::is_ascii).collect();
        Source {
            text,
            line_starts,
            ascii,
        }
    }

    /// The byte offset of `loc`; the end of the text for a location past it.
    pub fn offset(&self, loc: Location) -> usize {
        let Some(&start) = usize::try_from(loc.line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|l| self.line_starts.get(l))
        else {
            return self.text.len();
        };
        let skip = usize::try_from(loc.column.saturating_sub(1)).unwrap_or(usize::MAX);
        let line = usize::try_from(loc.line.saturating_sub(1)).unwrap_or(usize::MAX);
        if self.ascii.get(line) == Some(&true) {
            let at = start.saturating_add(skip).min(self.text.len());
            if self.text.is_char_boundary(at) {
                return at;
            }
        }
        self.text[start..]
            .char_indices()
            .nth(skip)
            .map_or(self.text.len(), |(i, _)| start + i)
    }

    /// The exact text covered by the significant tokens of `tokens`; leading
    /// and trailing whitespace and comments are left out.
    pub fn text_of(&self, tokens: &[TokenWithSpan]) -> &'a str {
        let significant = |t: &&TokenWithSpan| is_significant(&t.token);
        match (
            tokens.iter().find(significant),
            tokens.iter().rev().find(significant),
        ) {
            (Some(first), Some(last)) => {
                let (from, to) = (self.offset(first.span.start), self.offset(last.span.end));
                self.text.get(from..to.max(from)).unwrap_or("")
            }
            _ => "",
        }
    }
}

/// Anything but whitespace, comments and the end marker.
pub fn is_significant(token: &Token) -> bool {
    !matches!(token, Token::Whitespace(_) | Token::EOF)
}

/// Whether `token` is the unquoted word `word` (any case). Matching on the
/// text rather than sqlparser's keyword table keeps the statement grammar
/// here independent of which words sqlparser happens to treat as keywords.
pub fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// One statement of a script.
pub struct Statement<'a> {
    /// 1-based, counting only statements that are not empty.
    pub number: usize,
    pub start: Location,
    /// The exact text, without the terminating semicolon.
    pub text: &'a str,
    /// From the first significant token to the last, with the whitespace
    /// and comments between them.
    pub tokens: Vec<TokenWithSpan>,
}

impl Statement<'_> {
    /// A short, one-line excerpt of the statement for error messages.
    pub fn excerpt(&self) -> String {
        excerpt(self.text)
    }
}

const EXCERPT_CHARS: usize = 40;

pub fn excerpt(text: &str) -> String {
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

/// Where a statement may end: a dialect whose statements hold semicolons
/// of their own (SQLite's trigger bodies) says when one does.
pub trait Ends: Default {
    /// Takes in the statement's next significant token.
    fn see(&mut self, token: &Token);
    /// Whether a semicolon here ends the statement.
    fn may_end(&self) -> bool;
}

/// Every semicolon ends a statement.
#[derive(Default)]
pub struct AtEverySemicolon;

impl Ends for AtEverySemicolon {
    fn see(&mut self, _: &Token) {}

    fn may_end(&self) -> bool {
        true
    }
}

/// Cut `tokens` into statements at the semicolons `E` lets end one;
/// empty statements are left out.
pub fn split<'a, E: Ends>(source: &Source<'a>, tokens: Vec<TokenWithSpan>) -> Vec<Statement<'a>> {
    let mut statements = Vec::new();
    let mut current: Vec<TokenWithSpan> = Vec::new();
    let mut ends = E::default();
    for token in tokens {
        if token.token == Token::SemiColon && ends.may_end() {
            finish(source, &mut statements, std::mem::take(&mut current));
            ends = E::default();
            continue;
        }
        if is_significant(&token.token) {
            ends.see(&token.token);
        }
        current.push(token);
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

/// A parser's error as one phrase in strata's words.
pub fn syntax(e: ParserError) -> String {
    match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => plain(&m),
        ParserError::RecursionLimitExceeded => "the statement is nested too deeply".to_string(),
    }
}

/// sqlparser's message in strata's words: `Expected: identifier, found: )
/// at Line: 1, Column: 23` is `expected a name, found ) at line 1, column
/// 23`. The parser's own phrasing never reaches the user.
pub fn plain(message: &str) -> String {
    let (what, place) = match message.rfind(" at Line: ") {
        Some(at) => (&message[..at], Some(&message[at + " at Line: ".len()..])),
        None => (message, None),
    };
    let token = |t: &str| match t.trim() {
        "EOF" => "the end of the statement".to_string(),
        "identifier" => "a name".to_string(),
        t => t.to_string(),
    };
    let mut said = match what.strip_prefix("Expected: ") {
        Some(rest) => match rest.split_once(", found: ") {
            Some((expected, found)) => {
                format!("expected {}, found {}", token(expected), token(found))
            }
            None => format!("expected {}", token(rest)),
        },
        None => {
            let mut chars = what.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_lowercase().chain(chars).collect()
            })
        }
    };
    if let Some((line, column)) = place.and_then(|p| p.split_once(", Column: ")) {
        said.push_str(&format!(" at line {line}, column {}", column.trim()));
    }
    said
}
