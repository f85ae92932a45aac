//! PostgreSQL's grammar for the parts of CREATE TABLE and ALTER TABLE
//! strata keeps: column definitions, declared types, and column and table
//! constraints. They are driven here clause by clause over sqlparser's
//! parser, which reads every expression and name; what this module adds is
//! the clause structure, the exact source text of each expression, and
//! the declared type as strata keeps it (see [`type_name`]).
//!
//! The result is plain syntax (names resolved, constraints not yet named);
//! what it means against a schema is decided by the caller.

use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions, Expr};
use sqlparser::tokenizer::Token;
use strata_schema::{Check, Column, FkAction, ForeignKey, Generated, Identity, PrimaryKey, Unique};

use super::alter::{self, SequenceOptions};
use super::cursor::{fold, Cursor};
use super::script::is_word;
use super::Fault;

/// Words that end a declared type or a DEFAULT: each starts a column
/// constraint.
const COLUMN_CLAUSES: [&str; 10] = [
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
];

/// A constraint as written, not yet named when written without a name.
#[derive(Debug, Clone)]
pub(crate) enum Constraint {
    PrimaryKey(PrimaryKey),
    Unique(Unique),
    /// A check, and the names its expression reads (the column PostgreSQL
    /// names it after, when exactly one of them is a column).
    Check(Check, Vec<String>),
    ForeignKey(ForeignKey),
}

/// A column definition, with the constraints written on it apart from
/// the column, in the order they were written.
#[derive(Debug)]
pub(crate) struct ColumnDef {
    pub column: Column,
    pub constraints: Vec<Constraint>,
}

/// Whether a table constraint (not a column) comes next.
pub(crate) fn starts_table_constraint(c: &Cursor) -> bool {
    [
        "CONSTRAINT",
        "PRIMARY",
        "UNIQUE",
        "CHECK",
        "FOREIGN",
        "EXCLUDE",
    ]
    .iter()
    .any(|w| c.peek_is(w))
}

/// `name type [column-constraint ...]` of a column of `table`. Names on
/// NOT NULL, NULL, DEFAULT, COLLATE and GENERATED are accepted and
/// dropped: the model has no place for them.
pub(crate) fn column_def(c: &mut Cursor, table: &str) -> Result<ColumnDef, Fault> {
    let name = c.ident()?;
    let ty = type_name(c, &COLUMN_CLAUSES)?;
    let mut def = ColumnDef {
        column: Column::new(name.clone(), ty),
        constraints: Vec::new(),
    };
    let twice =
        |what: &str| Fault::NotRecordable(format!("column {name} has more than one {what} clause"));
    loop {
        let constraint_name = if c.eat("CONSTRAINT") {
            Some(c.ident()?)
        } else {
            None
        };
        if c.eat_all(&["PRIMARY", "KEY"]) {
            index_options(c, "PRIMARY KEY")?;
            let (deferred, deferrable) = deferral(c)?;
            def.column.not_null = true;
            def.constraints.push(Constraint::PrimaryKey(PrimaryKey {
                name: constraint_name,
                columns: vec![name.clone()],
                deferred,
                deferrable,
            }));
        } else if c.eat_all(&["NOT", "NULL"]) {
            def.column.not_null = true;
        } else if c.eat("NULL") {
        } else if c.eat("UNIQUE") {
            index_options(c, "UNIQUE")?;
            let (deferred, deferrable) = deferral(c)?;
            def.constraints.push(Constraint::Unique(Unique {
                name: constraint_name,
                columns: vec![name.clone()],
                deferred,
                deferrable,
            }));
        } else if c.peek_is("CHECK") {
            let (check, reads) = check(c, constraint_name)?;
            def.constraints.push(Constraint::Check(check, reads));
        } else if c.eat("DEFAULT") {
            if def.column.default.is_some() {
                return Err(twice("DEFAULT"));
            }
            def.column.default = Some(default_expr(c)?);
        } else if c.eat("COLLATE") {
            if def.column.collation.is_some() {
                return Err(twice("COLLATE"));
            }
            def.column.collation = Some(c.collation()?);
        } else if c.eat("REFERENCES") {
            let fk = references(c, constraint_name, vec![name.clone()])?;
            def.constraints.push(Constraint::ForeignKey(fk));
        } else if c.eat("GENERATED") {
            if def.column.generated.is_some() || def.column.identity.is_some() {
                return Err(twice("GENERATED"));
            }
            match generated(c)? {
                Ok((identity, options)) => {
                    def.column.identity = Some(identity);
                    def.column.identity_options =
                        alter::identity_options(table, &name, &def.column.ty, &options, None)?;
                    def.column.not_null = true;
                }
                Err(g) => def.column.generated = Some(g),
            }
        } else if constraint_name.is_some() {
            return Err(c.expected("a column constraint after CONSTRAINT name"));
        } else {
            break;
        }
    }
    Ok(def)
}

/// After GENERATED: `ALWAYS AS (expr) STORED` (a generated column, the
/// `Err` side) or `{ALWAYS | BY DEFAULT} AS IDENTITY [(options)]` (an
/// identity column, the `Ok` side; see [`identity`]).
fn generated(c: &mut Cursor) -> Result<Result<(Identity, SequenceOptions), Generated>, Fault> {
    if c.peek_is("BY") || is_word(&c.peek_nth(2).token, "IDENTITY") {
        return identity(c).map(Ok);
    }
    c.expect("ALWAYS")?;
    c.expect("AS")?;
    let (_, expr) = c.parenthesized_expr()?;
    if c.peek_is("VIRTUAL") {
        return Err(Fault::NotRecordable(
            "virtual generated columns are not recorded: strata's PostgreSQL target keeps generated columns STORED".into(),
        ));
    }
    c.expect("STORED")?;
    Ok(Err(Generated { expr, stored: true }))
}

/// `{ALWAYS | BY DEFAULT} AS IDENTITY [(options)]`, after GENERATED: how
/// an identity column takes its values, and its sequence's options as
/// written.
pub(crate) fn identity(c: &mut Cursor) -> Result<(Identity, SequenceOptions), Fault> {
    let identity = if c.eat("ALWAYS") {
        Identity::Always
    } else if c.eat_all(&["BY", "DEFAULT"]) {
        Identity::ByDefault
    } else {
        return Err(c.expected("ALWAYS or BY DEFAULT"));
    };
    c.expect("AS")?;
    c.expect("IDENTITY")?;
    Ok((identity, alter::identity_parens(c)?))
}

/// A DEFAULT's expression: PostgreSQL's `b_expr`, which runs up to the
/// next column constraint (so in `DEFAULT 'x' COLLATE "C" NOT NULL` the
/// collation and NOT NULL are the column's), a comma or the closing
/// parenthesis. Its exact text.
pub(crate) fn default_expr(c: &mut Cursor) -> Result<String, Fault> {
    let from = c.index();
    let mut depth = 0usize;
    let mut cases = 0usize;
    let mut first = true;
    loop {
        let token = &c.peek().token;
        match token {
            Token::EOF => break,
            Token::Comma | Token::RParen | Token::RBracket if depth == 0 => break,
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            t if is_word(t, "CASE") => cases += 1,
            t if is_word(t, "END") => cases = cases.saturating_sub(1),
            t if depth == 0
                && cases == 0
                && !first
                && (COLUMN_CLAUSES.iter().any(|w| is_word(t, w)) || is_word(t, "USING")) =>
            {
                break
            }
            _ => {}
        }
        first = false;
        c.advance();
    }
    if c.index() == from {
        return Err(c.expected("an expression"));
    }
    Ok(c.expr_since(from)?.1)
}

/// A declared type, up to one of `ends` (or a comma, a closing
/// parenthesis or the end): kept as written, with the words that are not
/// quoted in lower case, one space between words and none around
/// parentheses, brackets, commas and dots (`VARCHAR(50)` is
/// `varchar(50)`, `NUMERIC(10, 2)` is `numeric(10,2)`, `TIMESTAMP WITH
/// TIME ZONE` is `timestamp with time zone`, `INT[]` is `int[]`).
/// serial types are kept as written: the statement expands them
/// (`definitions::expand_serial`).
pub(crate) fn type_name(c: &mut Cursor, ends: &[&str]) -> Result<String, Fault> {
    let mut out = String::new();
    let mut depth = 0usize;
    // Whether the last piece written was a word or a closing bracket,
    // after which a word takes a space.
    let mut after_word = false;
    loop {
        let next = c.peek().clone();
        match &next.token {
            Token::EOF => break,
            Token::Comma | Token::RParen if depth == 0 => break,
            Token::Word(w) if depth == 0 && w.quote_style.is_none() => {
                if ends.iter().any(|e| is_word(&next.token, e)) {
                    break;
                }
                if after_word {
                    out.push(' ');
                }
                out.push_str(&w.value.to_ascii_lowercase());
                after_word = true;
            }
            Token::Word(w) if w.quote_style.is_none() => {
                out.push_str(&w.value.to_ascii_lowercase());
                after_word = true;
            }
            Token::Word(_) | Token::Number(..) => {
                if after_word && depth == 0 {
                    out.push(' ');
                }
                out.push_str(c.token_text(&next));
                after_word = true;
            }
            Token::LParen => {
                depth += 1;
                out.push('(');
                after_word = false;
            }
            Token::RParen => {
                depth -= 1;
                out.push(')');
                after_word = true;
            }
            Token::Comma => {
                out.push(',');
                after_word = false;
            }
            Token::LBracket => {
                out.push('[');
                after_word = false;
            }
            Token::RBracket => {
                out.push(']');
                after_word = true;
            }
            Token::Period => {
                out.push('.');
                after_word = false;
            }
            _ => return Err(c.expected("a type")),
        }
        c.advance();
    }
    if out.is_empty() {
        return Err(c.expected("a type"));
    }
    if depth != 0 {
        return Err(c.expected(")"));
    }
    Ok(out)
}

/// What may follow PRIMARY KEY or UNIQUE: nothing strata keeps, so
/// anything there is refused.
fn index_options(c: &mut Cursor, what: &str) -> Result<(), Fault> {
    let refuse = |clause: &str| {
        Err(Fault::NotRecordable(format!(
            "{what} ... {clause} is not recorded: strata's model keeps a key's columns only"
        )))
    };
    if c.peek_is("NULLS") {
        return refuse("NULLS NOT DISTINCT");
    }
    if c.peek_is("INCLUDE") {
        return refuse("INCLUDE");
    }
    if c.peek_is("WITH") {
        return refuse("WITH (...)");
    }
    if c.peek_is("USING") {
        return refuse("USING INDEX TABLESPACE");
    }
    Ok(())
}

/// `[NOT] DEFERRABLE` and `INITIALLY {DEFERRED | IMMEDIATE}`, in either
/// order, as they end a key, a unique constraint or a foreign key.
#[derive(Default)]
struct Deferral {
    deferrable: Option<bool>,
    initially_deferred: bool,
}

impl Deferral {
    /// Reads one of the clauses; false when none comes next.
    fn eat(&mut self, c: &mut Cursor) -> bool {
        if c.eat_all(&["NOT", "DEFERRABLE"]) {
            self.deferrable = Some(false);
        } else if c.eat("DEFERRABLE") {
            self.deferrable = Some(true);
        } else if c.eat_all(&["INITIALLY", "DEFERRED"]) {
            self.initially_deferred = true;
        } else if c.eat_all(&["INITIALLY", "IMMEDIATE"]) {
            self.initially_deferred = false;
        } else {
            return false;
        }
        true
    }

    /// `(deferred, deferrable)` as the model keeps them: INITIALLY
    /// DEFERRED is deferrable, and `deferrable` is left for DEFERRABLE
    /// INITIALLY IMMEDIATE.
    fn model(self) -> Result<(bool, bool), Fault> {
        if self.initially_deferred && self.deferrable == Some(false) {
            return Err(Fault::NotRecordable(
                "a constraint declared INITIALLY DEFERRED must be DEFERRABLE".into(),
            ));
        }
        Ok((
            self.initially_deferred,
            self.deferrable == Some(true) && !self.initially_deferred,
        ))
    }
}

/// The deferral clauses that come next: `(deferred, deferrable)`.
pub(crate) fn deferral(c: &mut Cursor) -> Result<(bool, bool), Fault> {
    let mut d = Deferral::default();
    while d.eat(c) {}
    d.model()
}

/// `CHECK ( expr ) [NOT VALID]`: the check and the names it reads.
fn check(c: &mut Cursor, name: Option<String>) -> Result<(Check, Vec<String>), Fault> {
    c.expect("CHECK")?;
    let (expr, text) = c.parenthesized_expr()?;
    if c.eat_all(&["NO", "INHERIT"]) {
        return Err(Fault::NotRecordable(
            "CHECK ... NO INHERIT is not recorded: strata's model keeps no inheritance".into(),
        ));
    }
    if c.peek_is("NOT") && is_word(&c.peek_nth(1).token, "VALID") {
        return Err(Fault::NotRecordable(
            "NOT VALID is not recorded: strata records constraints that hold for every row".into(),
        ));
    }
    Ok((Check { name, expr: text }, names_read(&expr)))
}

/// The names an expression reads (a qualified one by its last part), each
/// once.
fn names_read(expr: &Expr) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let _ = visit_expressions(expr, |e| {
        let name = match e {
            Expr::Identifier(i) => Some(fold(i)),
            Expr::CompoundIdentifier(parts) => parts.last().map(fold),
            _ => None,
        };
        if let Some(n) = name {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    names
}

/// A table constraint: `[CONSTRAINT name] PRIMARY KEY (cols) | UNIQUE
/// (cols) | CHECK (expr) | FOREIGN KEY (cols) REFERENCES ...`.
pub(crate) fn table_constraint(c: &mut Cursor) -> Result<Constraint, Fault> {
    let name = if c.eat("CONSTRAINT") {
        Some(c.ident()?)
    } else {
        None
    };
    if c.eat_all(&["PRIMARY", "KEY"]) {
        let columns = c.ident_list()?;
        index_options(c, "PRIMARY KEY")?;
        let (deferred, deferrable) = deferral(c)?;
        Ok(Constraint::PrimaryKey(PrimaryKey {
            name,
            columns,
            deferred,
            deferrable,
        }))
    } else if c.eat("UNIQUE") {
        if c.peek_is("NULLS") {
            index_options(c, "UNIQUE")?;
        }
        let columns = c.ident_list()?;
        index_options(c, "UNIQUE")?;
        let (deferred, deferrable) = deferral(c)?;
        Ok(Constraint::Unique(Unique {
            name,
            columns,
            deferred,
            deferrable,
        }))
    } else if c.peek_is("CHECK") {
        let (check, reads) = check(c, name)?;
        Ok(Constraint::Check(check, reads))
    } else if c.eat_all(&["FOREIGN", "KEY"]) {
        let columns = c.ident_list()?;
        c.expect("REFERENCES")?;
        Ok(Constraint::ForeignKey(references(c, name, columns)?))
    } else if c.peek_is("EXCLUDE") {
        Err(Fault::NotRecordable(
            "exclusion constraints are not recorded: strata's model has no place for them".into(),
        ))
    } else {
        Err(c.expected("PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY"))
    }
}

/// What follows REFERENCES: `table [(cols)] [MATCH SIMPLE] [ON DELETE
/// action] [ON UPDATE action] [[NOT] DEFERRABLE] [INITIALLY DEFERRED |
/// IMMEDIATE]`.
fn references(
    c: &mut Cursor,
    name: Option<String>,
    columns: Vec<String>,
) -> Result<ForeignKey, Fault> {
    let ref_table = c.object_name()?;
    let ref_columns = if c.peek().token == Token::LParen {
        c.ident_list()?
    } else {
        vec![]
    };
    let mut fk = ForeignKey {
        name,
        columns,
        ref_table,
        ref_columns,
        ..ForeignKey::default()
    };
    let mut deferral = Deferral::default();
    loop {
        if c.eat("MATCH") {
            if !c.eat("SIMPLE") {
                return Err(Fault::NotRecordable(
                    "MATCH FULL and MATCH PARTIAL are not recorded: strata's model keeps foreign keys that match SIMPLE".into(),
                ));
            }
        } else if c.eat_all(&["ON", "DELETE"]) {
            fk.on_delete = action(c)?;
        } else if c.eat_all(&["ON", "UPDATE"]) {
            fk.on_update = action(c)?;
        } else if deferral.eat(c) {
        } else if c.peek_is("NOT") && is_word(&c.peek_nth(1).token, "VALID") {
            return Err(Fault::NotRecordable(
                "NOT VALID is not recorded: strata records constraints that hold for every row"
                    .into(),
            ));
        } else {
            break;
        }
    }
    (fk.deferred, fk.deferrable) = deferral.model()?;
    Ok(fk)
}

fn action(c: &mut Cursor) -> Result<FkAction, Fault> {
    let action = if c.eat_all(&["NO", "ACTION"]) {
        FkAction::NoAction
    } else if c.eat("RESTRICT") {
        FkAction::Restrict
    } else if c.eat("CASCADE") {
        FkAction::Cascade
    } else if c.eat_all(&["SET", "NULL"]) {
        FkAction::SetNull
    } else if c.eat_all(&["SET", "DEFAULT"]) {
        FkAction::SetDefault
    } else {
        return Err(c.expected("NO ACTION, RESTRICT, CASCADE, SET NULL or SET DEFAULT"));
    };
    if matches!(action, FkAction::SetNull | FkAction::SetDefault) && c.peek().token == Token::LParen
    {
        return Err(Fault::NotRecordable(
            "SET NULL (columns) and SET DEFAULT (columns) are not recorded: strata's model sets all the key's columns".into(),
        ));
    }
    Ok(action)
}
