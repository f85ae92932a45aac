//! A sqlparser [`Parser`] over one statement's tokens, with what the
//! statement grammars of this module need on top: matching words, and the
//! exact source text of what a parse consumed (found through token indices,
//! so it is what the user wrote, not a re-rendering).

use sqlparser::ast::{Expr, Ident, ObjectName, ObjectNamePart, Statement as SqlStatement};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan};

use super::script::{is_significant, is_word, Source, Statement, DIALECT};
use super::Fault;

pub(crate) struct Cursor<'s, 'a> {
    parser: Parser<'static>,
    tokens: Vec<TokenWithSpan>,
    source: &'s Source<'a>,
}

impl<'s, 'a> Cursor<'s, 'a> {
    pub fn new(source: &'s Source<'a>, statement: &Statement<'a>) -> Cursor<'s, 'a> {
        Cursor::over(source, statement.tokens.clone())
    }

    /// A cursor over `tokens`, which must not be empty.
    pub fn over(source: &'s Source<'a>, mut tokens: Vec<TokenWithSpan>) -> Cursor<'s, 'a> {
        // An end marker placed where the statement ends, so that "found end
        // of statement" errors point somewhere useful.
        let end = tokens.last().map_or(Location::new(1, 1), |t| t.span.end);
        tokens.push(TokenWithSpan::new(Token::EOF, Span::new(end, end)));
        let parser = Parser::new(&DIALECT).with_tokens_with_locations(tokens.clone());
        Cursor {
            parser,
            tokens,
            source,
        }
    }

    /// The index of the next token to be consumed.
    pub fn index(&self) -> usize {
        self.parser.index()
    }

    /// The exact source text of the tokens from index `from` up to the
    /// current position.
    pub fn text_since(&self, from: usize) -> String {
        let to = self.index().min(self.tokens.len());
        self.source
            .text_of(&self.tokens[from.min(to)..to])
            .to_string()
    }

    /// The text from index `from` up to the current position without its
    /// first and last significant tokens: the inside of a parenthesized
    /// expression.
    pub fn text_inside(&self, from: usize) -> String {
        let to = self.index().min(self.tokens.len());
        let range = &self.tokens[from.min(to)..to];
        let first = range.iter().position(|t| is_significant(&t.token));
        let last = range.iter().rposition(|t| is_significant(&t.token));
        match (first, last) {
            (Some(f), Some(l)) if f < l => self.source.text_of(&range[f + 1..l]).to_string(),
            _ => String::new(),
        }
    }

    /// The text from index `from` up to the last `word` consumed since.
    pub fn text_before_last(&self, from: usize, word: &str) -> String {
        let to = self.index().min(self.tokens.len());
        let range = &self.tokens[from.min(to)..to];
        let end = range
            .iter()
            .rposition(|t| is_word(&t.token, word))
            .unwrap_or(range.len());
        self.source.text_of(&range[..end]).to_string()
    }

    /// The significant token `n` places ahead (0 = the next one).
    pub fn peek_nth(&self, n: usize) -> &TokenWithSpan {
        self.parser.peek_nth_token_ref(n)
    }

    pub fn peek(&self) -> &TokenWithSpan {
        self.peek_nth(0)
    }

    pub fn peek_is(&self, word: &str) -> bool {
        is_word(&self.peek().token, word)
    }

    /// Consume the unquoted word `word` if it comes next.
    pub fn eat(&mut self, word: &str) -> bool {
        let yes = self.peek_is(word);
        if yes {
            self.parser.advance_token();
        }
        yes
    }

    /// Consume `words` if they all come next, else nothing.
    pub fn eat_all(&mut self, words: &[&str]) -> bool {
        let yes = words
            .iter()
            .enumerate()
            .all(|(i, w)| is_word(&self.peek_nth(i).token, w));
        if yes {
            words.iter().for_each(|_| self.parser.advance_token());
        }
        yes
    }

    pub fn eat_token(&mut self, token: &Token) -> bool {
        self.parser.consume_token(token)
    }

    pub fn next(&mut self) -> TokenWithSpan {
        self.parser.next_token()
    }

    pub fn expect(&mut self, word: &str) -> Result<(), Fault> {
        if self.eat(word) {
            Ok(())
        } else {
            Err(self.expected(word))
        }
    }

    pub fn expect_token(&mut self, token: &Token) -> Result<(), Fault> {
        if self.eat_token(token) {
            Ok(())
        } else {
            Err(self.expected(&format!("{token}")))
        }
    }

    /// A syntax error: `what` was expected where the next token stands.
    pub fn expected(&self, what: &str) -> Fault {
        let next = self.peek();
        let found = match &next.token {
            Token::EOF => "the end of the statement".to_string(),
            t => t.to_string(),
        };
        Fault::Syntax(format!(
            "expected {what}, found {found} at line {}, column {}",
            next.span.start.line, next.span.start.column
        ))
    }

    /// The statement must end here.
    pub fn expect_end(&mut self) -> Result<(), Fault> {
        if self.peek().token == Token::EOF {
            Ok(())
        } else {
            Err(self.expected("the end of the statement"))
        }
    }

    /// An identifier, unquoted: the name as written.
    pub fn ident(&mut self) -> Result<String, Fault> {
        Ok(self.parser.parse_identifier().map_err(syntax)?.value)
    }

    /// A possibly qualified name: see [`object_name`].
    pub fn object_name(&mut self) -> Result<String, Fault> {
        let name = self.parser.parse_object_name(false).map_err(syntax)?;
        object_name(&name)
    }

    /// An expression, and its exact text.
    pub fn expr(&mut self) -> Result<(Expr, String), Fault> {
        let from = self.index();
        let expr = self.parser.parse_expr().map_err(syntax)?;
        Ok((expr, self.text_since(from)))
    }

    /// `( expr )`, and the exact text between the parentheses.
    pub fn parenthesized_expr(&mut self) -> Result<(Expr, String), Fault> {
        self.expect_token(&Token::LParen)?;
        let inner = self.expr()?;
        self.expect_token(&Token::RParen)?;
        Ok(inner)
    }

    /// A whole statement, by sqlparser's own statement parser.
    pub fn statement(&mut self) -> Result<SqlStatement, Fault> {
        self.parser.parse_statement().map_err(syntax)
    }

    /// `( name, ... )`
    pub fn ident_list(&mut self) -> Result<Vec<String>, Fault> {
        self.expect_token(&Token::LParen)?;
        let mut names = vec![self.ident()?];
        while self.eat_token(&Token::Comma) {
            names.push(self.ident()?);
        }
        self.expect_token(&Token::RParen)?;
        Ok(names)
    }
}

/// The name an object name stands for. It may be qualified by `main`
/// (`main.t`), which is dropped; any other qualifier (`temp`, an attached
/// database) is refused.
pub(crate) fn object_name(name: &ObjectName) -> Result<String, Fault> {
    let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
    match parts.as_slice() {
        [one] if parts.len() == name.0.len() => Ok(one.value.clone()),
        [schema, one]
            if parts.len() == name.0.len() && schema.value.eq_ignore_ascii_case("main") =>
        {
            Ok(one.value.clone())
        }
        _ => Err(Fault::NotRecordable(format!(
            "{name} names an object in another database; strata records the main schema only"
        ))),
    }
}

pub(crate) fn syntax(e: ParserError) -> Fault {
    Fault::Syntax(strata_script::syntax(e))
}

pub(crate) use strata_script::plain;
