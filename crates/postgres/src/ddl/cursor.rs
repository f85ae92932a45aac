//! A sqlparser [`Parser`] over one statement's tokens, with what the
//! grammars of this module need on top: matching words, names resolved as
//! PostgreSQL resolves them, and the exact source text of what a parse
//! consumed (found through token indices, so it is what the user wrote,
//! not a re-rendering).

use sqlparser::ast::{Expr, Ident, ObjectName, ObjectNamePart, Statement as SqlStatement};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan};

use super::script::{is_word, Source, DIALECT};
use super::{names, Fault};

pub(crate) struct Cursor<'s, 'a> {
    parser: Parser<'static>,
    tokens: Vec<TokenWithSpan>,
    source: &'s Source<'a>,
}

/// A parser over `tokens`, with an end marker where they end.
fn parser_over(mut tokens: Vec<TokenWithSpan>) -> (Parser<'static>, Vec<TokenWithSpan>) {
    let end = tokens.last().map_or(Location::new(1, 1), |t| t.span.end);
    tokens.push(TokenWithSpan::new(Token::EOF, Span::new(end, end)));
    let parser = Parser::new(&DIALECT).with_tokens_with_locations(tokens.clone());
    (parser, tokens)
}

impl<'s, 'a> Cursor<'s, 'a> {
    pub fn new(source: &'s Source<'a>, tokens: Vec<TokenWithSpan>) -> Cursor<'s, 'a> {
        let (parser, tokens) = parser_over(tokens);
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

    fn since(&self, from: usize) -> &[TokenWithSpan] {
        let to = self.index().min(self.tokens.len());
        &self.tokens[from.min(to)..to]
    }

    /// The exact source text of the tokens from index `from` up to the
    /// current position.
    pub fn text_since(&self, from: usize) -> String {
        self.source.text_of(self.since(from)).to_string()
    }

    /// The text from index `from` up to the last `word` consumed since.
    pub fn text_before_last(&self, from: usize, word: &str) -> String {
        let range = self.since(from);
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

    pub fn at_end(&self) -> bool {
        self.peek().token == Token::EOF
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

    pub fn advance(&mut self) {
        self.parser.advance_token();
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
        if self.at_end() {
            Ok(())
        } else {
            Err(self.expected("the end of the statement"))
        }
    }

    /// A name, resolved (see [`fold`]).
    pub fn ident(&mut self) -> Result<String, Fault> {
        Ok(fold(&self.parser.parse_identifier().map_err(syntax)?))
    }

    /// A possibly qualified name: see [`object_name`].
    pub fn object_name(&mut self) -> Result<String, Fault> {
        let name = self.parser.parse_object_name(false).map_err(syntax)?;
        object_name(&name)
    }

    /// A possibly qualified name in any schema (a function's), read past.
    pub fn skip_name(&mut self) -> Result<(), Fault> {
        self.parser.parse_object_name(false).map_err(syntax)?;
        Ok(())
    }

    /// A collation's name: see [`collation_name`].
    pub fn collation(&mut self) -> Result<String, Fault> {
        let name = self.parser.parse_object_name(false).map_err(syntax)?;
        collation_name(&name)
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

    /// The tokens from index `from` up to the current position, read as
    /// one whole expression: its text, or why it is not one.
    pub fn expr_since(&self, from: usize) -> Result<(Expr, String), Fault> {
        let range = self.since(from);
        let text = self.source.text_of(range).to_string();
        let (mut parser, _) = parser_over(range.to_vec());
        let expr = parser.parse_expr().map_err(syntax)?;
        if parser.peek_token_ref().token != Token::EOF {
            let at = parser.peek_token_ref().span.start;
            return Err(Fault::Syntax(format!(
                "expected the end of the expression, found {} at line {}, column {}",
                parser.peek_token_ref().token,
                at.line,
                at.column
            )));
        }
        Ok((expr, text))
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

    /// The exact text of one token.
    pub fn token_text(&self, token: &TokenWithSpan) -> &'a str {
        self.source
            .text_of(std::slice::from_ref(token))
            .trim_matches(|c: char| c.is_whitespace())
    }
}

/// A name as PostgreSQL resolves it: quoted, exactly as written; unquoted,
/// folded to lower case (ASCII letters only, as PostgreSQL does in a UTF8
/// database); either cut to PostgreSQL's 63 bytes.
pub(crate) fn fold(ident: &Ident) -> String {
    let name = match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_ascii_lowercase(),
    };
    names::clip(&name, names::MAX_NAME).to_string()
}

/// The name an object name stands for: `t` and `public.t` are `t`, an
/// object of another schema is `schema.t` (see [`qualify`]).
pub(crate) fn object_name(name: &ObjectName) -> Result<String, Fault> {
    let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
    if parts.len() != name.0.len() {
        return Err(Fault::Syntax(format!("{name} is not a name")));
    }
    match parts.as_slice() {
        [one] => qualify(None, &fold(one)),
        [schema, one] => qualify(Some(&fold(schema)), &fold(one)),
        _ => Err(Fault::NotRecordable(format!(
            "{name}: a name qualified by a database is not recorded; name the schema and the object"
        ))),
    }
}

/// The model's name of object `name` in `schema`: bare in `public` (or
/// where no schema is written), `schema.name` elsewhere. A period in
/// either part is refused (it would read as a schema), and so is schema
/// `strata`, which is strata's own.
pub(crate) fn qualify(schema: Option<&str>, name: &str) -> Result<String, Fault> {
    if name.contains('.') || schema.is_some_and(|s| s.contains('.')) {
        return Err(Fault::NotRecordable(format!(
            "{name}: a name with a period in it is not recorded (strata writes an object of another schema as schema.name); choose a name without one"
        )));
    }
    match schema {
        None | Some("public") => Ok(name.to_string()),
        Some(super::STRATA_SCHEMA) => Err(Fault::NotRecordable(format!(
            "strata.{name}: schema strata is strata's own (its position, log and archives); keep your objects in other schemas"
        ))),
        Some(schema) => Ok(format!("{schema}.{name}")),
    }
}

/// A collation's name, which may hold a period (`"en_US.utf8"`): `x`,
/// `pg_catalog.x` (where PostgreSQL keeps its own collations, which every
/// search finds) and `public.x` are `x`; another schema's is refused.
pub(crate) fn collation_name(name: &ObjectName) -> Result<String, Fault> {
    let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
    match parts.as_slice() {
        [one] => Ok(fold(one)),
        [schema, one] if matches!(fold(schema).as_str(), "pg_catalog" | "public") => Ok(fold(one)),
        _ => Err(Fault::NotRecordable(format!(
            "collation {name}: a collation of another schema is not recorded"
        ))),
    }
}

/// Whether `name` is qualified by one of PostgreSQL's own schemas
/// (`pg_catalog`, `information_schema`): a relation of the system's.
pub(crate) fn in_system_schema(name: &ObjectName) -> bool {
    let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
    parts.len() == 2 && matches!(fold(parts[0]).as_str(), "pg_catalog" | "information_schema")
}

pub(crate) fn syntax(e: ParserError) -> Fault {
    Fault::Syntax(strata_script::syntax(e))
}
