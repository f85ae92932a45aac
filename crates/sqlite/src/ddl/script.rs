//! A script cut into statements with sqlparser's tokenizer, so that strings,
//! quoted identifiers and comments never split a statement, and each
//! statement keeps its exact source text and where it starts.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, TokenizerError};

pub(crate) static DIALECT: SQLiteDialect = SQLiteDialect {};

/// The source text, with a map from the tokenizer's line/column locations
/// (1-based, columns counted in characters) to byte offsets.
pub(crate) struct Source<'a> {
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
pub(crate) fn is_significant(token: &Token) -> bool {
    !matches!(token, Token::Whitespace(_) | Token::EOF)
}

/// Whether `token` is the unquoted word `word` (any case). Matching on the
/// text rather than sqlparser's keyword table keeps the statement grammar
/// here independent of which words sqlparser happens to treat as keywords.
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

/// Cut `tokens` into statements at semicolons. A `CREATE TRIGGER` body
/// (`BEGIN ... END`) holds semicolons of its own: inside it, a semicolon
/// ends the statement only once the body's `END` has been seen (an `END`
/// that closes a `CASE` does not count).
pub(crate) fn split<'a>(source: &Source<'a>, tokens: Vec<TokenWithSpan>) -> Vec<Statement<'a>> {
    let mut statements = Vec::new();
    let mut current: Vec<TokenWithSpan> = Vec::new();
    let mut body = Body::default();
    for token in tokens {
        if token.token == Token::SemiColon && body.may_end() {
            finish(source, &mut statements, std::mem::take(&mut current));
            body = Body::default();
            continue;
        }
        if is_significant(&token.token) {
            body.see(&token.token);
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

impl Body {
    fn may_end(&self) -> bool {
        !self.trigger || !self.open || self.closed
    }

    /// Take in the statement's next significant token.
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
