//! SQLite's grammar for the statements whose parts strata keeps as text:
//! CREATE TABLE, ALTER TABLE, CREATE INDEX and DROP. They are driven here
//! clause by clause over sqlparser's [`Parser`](sqlparser::parser::Parser),
//! which parses every expression and name; what this module adds is the
//! clause structure, the exact source text of each expression, and the two
//! productions sqlparser's SQLite dialect gets wrong:
//!
//! - a declared type is any run of names with an optional `(n)` or
//!   `(n, m)` (`UNSIGNED BIG INT`, `VARYING CHARACTER(255)`), which
//!   sqlparser rejects when it has more than one word;
//! - `DEFAULT` takes a single term (a literal, a signed number, a name or a
//!   parenthesized expression), so in `DEFAULT 'x' COLLATE NOCASE` the
//!   collation belongs to the column, where sqlparser's expression parser
//!   would take it into the default.
//!
//! The result is plain syntax (names as written, unquoted); what it means
//! against a schema is decided by the caller.

use sqlparser::ast::Expr;
use sqlparser::tokenizer::Token;
use strata_dialect::sqlite::{AUTOINCREMENT, STRICT, WITHOUT_ROWID};
use strata_schema::{
    Check, Column, FkAction, ForeignKey, Generated, IndexTerm, IndexedColumn, PrimaryKey, Table,
    Unique,
};

use super::cursor::{object_name, Cursor};
use super::script::{is_significant, is_word, tokenize};
use super::DdlErrorKind as Fault;

/// Words that end a declared type: each starts a column constraint.
const TYPE_ENDS: [&str; 11] = [
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
    "AS",
];

/// A column definition, with the constraints written on it still apart
/// from the column, in the order they were written.
#[derive(Debug)]
pub(crate) struct ColumnDef {
    pub column: Column,
    /// The key written on the column, and whether it is AUTOINCREMENT.
    pub primary_key: Option<(PrimaryKey, bool)>,
    pub constraints: Vec<Constraint>,
}

/// A table constraint (or a column constraint that means the same).
#[derive(Debug)]
pub(crate) enum Constraint {
    /// A primary key, and whether it is AUTOINCREMENT.
    PrimaryKey(PrimaryKey, bool),
    Unique(Unique),
    Check(Check),
    ForeignKey(ForeignKey),
}

pub(crate) struct CreateTable {
    pub if_not_exists: bool,
    pub table: Table,
}

/// `CREATE TABLE [IF NOT EXISTS] name ( column-def | table-constraint, ... )
/// [WITHOUT ROWID] [, STRICT]`. The caller has checked the statement
/// starts `CREATE TABLE`.
pub(crate) fn create_table(c: &mut Cursor) -> Result<CreateTable, Fault> {
    c.expect("CREATE")?;
    c.expect("TABLE")?;
    let if_not_exists = c.eat_all(&["IF", "NOT", "EXISTS"]);
    let mut table = Table {
        name: c.object_name()?,
        ..Table::default()
    };
    if c.peek_is("AS") {
        return Err(Fault::NotRecordable(
            "CREATE TABLE ... AS SELECT is not recorded: declare the columns, then fill the table with INSERT ... SELECT".into(),
        ));
    }
    c.expect_token(&Token::LParen)?;
    let mut in_constraints = false;
    loop {
        if starts_table_constraint(c) {
            in_constraints = true;
            let constraint = table_constraint(c)?;
            add_constraint(&mut table, constraint)?;
        } else if in_constraints {
            // As in SQLite: the columns come first.
            return Err(c.expected("a table constraint (columns come before table constraints)"));
        } else {
            let def = column_def(c)?;
            table.columns.push(def.column);
            if let Some((pk, autoincrement)) = def.primary_key {
                add_constraint(&mut table, Constraint::PrimaryKey(pk, autoincrement))?;
            }
            for constraint in def.constraints {
                add_constraint(&mut table, constraint)?;
            }
        }
        if !c.eat_token(&Token::Comma) {
            break;
        }
    }
    c.expect_token(&Token::RParen)?;
    if c.peek().token != Token::EOF {
        loop {
            if c.eat_all(&["WITHOUT", "ROWID"]) {
                table.set_option(WITHOUT_ROWID, true);
            } else if c.eat("STRICT") {
                table.set_option(STRICT, true);
            } else {
                return Err(c.expected("WITHOUT ROWID or STRICT"));
            }
            if !c.eat_token(&Token::Comma) {
                break;
            }
        }
    }
    c.expect_end()?;
    Ok(CreateTable {
        if_not_exists,
        table,
    })
}

fn add_constraint(table: &mut Table, constraint: Constraint) -> Result<(), Fault> {
    match constraint {
        Constraint::PrimaryKey(pk, autoincrement) => {
            if table.primary_key.is_some() {
                return Err(Fault::NotRecordable(format!(
                    "table {} has more than one primary key",
                    table.name
                )));
            }
            table.primary_key = Some(pk);
            table.set_option(AUTOINCREMENT, autoincrement);
        }
        Constraint::Unique(u) => table.uniques.push(u),
        Constraint::Check(check) => table.checks.push(check),
        Constraint::ForeignKey(fk) => table.foreign_keys.push(fk),
    }
    Ok(())
}

/// `name [type] [column-constraint ...]`
///
/// Constraint names on NOT NULL, NULL, DEFAULT, COLLATE and GENERATED are
/// accepted and dropped: SQLite never uses them, and the model has no place
/// for them.
pub(crate) fn column_def(c: &mut Cursor) -> Result<ColumnDef, Fault> {
    let name = c.ident()?;
    let ty = type_name(c)?;
    let mut def = ColumnDef {
        column: Column::new(name.clone(), ty),
        primary_key: None,
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
            if def.primary_key.is_some() {
                return Err(twice("PRIMARY KEY"));
            }
            c.eat("ASC");
            if c.eat("DESC") {
                return Err(Fault::NotRecordable(format!(
                    "column {name}: PRIMARY KEY DESC is not recorded (strata's model keeps no key order, and in SQLite it stops an INTEGER PRIMARY KEY from being the rowid); write PRIMARY KEY"
                )));
            }
            conflict_clause(c)?;
            let autoincrement = c.eat("AUTOINCREMENT");
            def.primary_key = Some((
                PrimaryKey {
                    name: constraint_name,
                    columns: vec![name.clone()],
                    ..PrimaryKey::default()
                },
                autoincrement,
            ));
        } else if c.eat_all(&["NOT", "NULL"]) {
            conflict_clause(c)?;
            def.column.not_null = true;
        } else if c.eat("NULL") {
            conflict_clause(c)?;
        } else if c.eat("UNIQUE") {
            conflict_clause(c)?;
            def.constraints.push(Constraint::Unique(Unique {
                name: constraint_name,
                columns: vec![name.clone()],
                ..Unique::default()
            }));
        } else if c.eat("CHECK") {
            let (_, expr) = c.parenthesized_expr()?;
            def.constraints.push(Constraint::Check(Check {
                name: constraint_name,
                expr,
            }));
        } else if c.eat("DEFAULT") {
            if def.column.default.is_some() {
                return Err(twice("DEFAULT"));
            }
            def.column.default = Some(default_value(c)?);
        } else if c.eat("COLLATE") {
            if def.column.collation.is_some() {
                return Err(twice("COLLATE"));
            }
            def.column.collation = Some(c.ident()?);
        } else if c.eat("REFERENCES") {
            let fk = references(c, constraint_name, vec![name.clone()])?;
            def.constraints.push(Constraint::ForeignKey(fk));
        } else if c.eat_all(&["GENERATED", "ALWAYS", "AS"]) || c.eat("AS") {
            if def.column.generated.is_some() {
                return Err(twice("GENERATED"));
            }
            let (_, expr) = c.parenthesized_expr()?;
            let stored = if c.eat("STORED") {
                true
            } else {
                c.eat("VIRTUAL");
                false
            };
            def.column.generated = Some(Generated { expr, stored });
        } else if constraint_name.is_some() {
            return Err(c.expected("a constraint after CONSTRAINT name"));
        } else {
            break;
        }
    }
    Ok(def)
}

/// SQLite's declared type: names, then an optional `(n)` or `(n, m)` of
/// signed numbers. Empty when the column has none. Kept as written.
pub(crate) fn type_name(c: &mut Cursor) -> Result<String, Fault> {
    let from = c.index();
    let mut words = 0;
    while let Token::Word(w) = &c.peek().token {
        if w.quote_style.is_none() && TYPE_ENDS.iter().any(|e| w.value.eq_ignore_ascii_case(e)) {
            break;
        }
        c.next();
        words += 1;
    }
    if words > 0 && c.eat_token(&Token::LParen) {
        signed_number(c)?;
        if c.eat_token(&Token::Comma) {
            signed_number(c)?;
        }
        c.expect_token(&Token::RParen)?;
    }
    Ok(c.text_since(from))
}

fn signed_number(c: &mut Cursor) -> Result<(), Fault> {
    if !c.eat_token(&Token::Plus) {
        c.eat_token(&Token::Minus);
    }
    match c.peek().token {
        Token::Number(..) => {
            c.next();
            Ok(())
        }
        _ => Err(c.expected("a number")),
    }
}

/// The term after DEFAULT, as text: a parenthesized expression gives the
/// text between its parentheses (as SQLite reports it), anything else the
/// term as written.
fn default_value(c: &mut Cursor) -> Result<String, Fault> {
    let from = c.index();
    match &c.peek().token {
        Token::LParen => return Ok(c.parenthesized_expr()?.1),
        Token::Plus | Token::Minus => signed_number(c)?,
        t if is_default_literal(t) => {
            c.next();
        }
        _ => return Err(c.expected("a default value")),
    }
    Ok(c.text_since(from))
}

/// A token DEFAULT takes on its own: a number, a string or blob literal, or
/// a name (`NULL`, `CURRENT_TIMESTAMP`, ...) that does not start a column
/// constraint.
fn is_default_literal(token: &Token) -> bool {
    match token {
        Token::Number(..) | Token::SingleQuotedString(_) | Token::HexStringLiteral(_) => true,
        Token::Word(w) => {
            w.quote_style.is_some()
                || w.value.eq_ignore_ascii_case("NULL")
                || !TYPE_ENDS.iter().any(|e| w.value.eq_ignore_ascii_case(e))
        }
        _ => false,
    }
}

/// Whether DEFAULT takes `text` as it is, without parentheses: a single
/// literal or name, or a signed number.
pub(crate) fn is_bare_default(text: &str) -> bool {
    let Ok(tokens) = tokenize(text) else {
        return false;
    };
    let tokens: Vec<&Token> = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| is_significant(t))
        .collect();
    match tokens.as_slice() {
        [t] => is_default_literal(t),
        [Token::Plus | Token::Minus, Token::Number(..)] => true,
        _ => false,
    }
}

/// A default (as the model keeps it) as an expression that gives, in a
/// SELECT, the value SQLite's DEFAULT gives: a name other than NULL, TRUE,
/// FALSE and CURRENT_TIME/DATE/TIMESTAMP is a string there (`DEFAULT
/// hello` is `'hello'`), where a SELECT would read a column; anything else
/// is the expression in parentheses.
pub(crate) fn default_as_expr(text: &str) -> String {
    const VALUES: [&str; 6] = [
        "NULL",
        "TRUE",
        "FALSE",
        "CURRENT_TIME",
        "CURRENT_DATE",
        "CURRENT_TIMESTAMP",
    ];
    let tokens = tokenize(text).unwrap_or_default();
    let tokens: Vec<&Token> = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| is_significant(t))
        .collect();
    match tokens.as_slice() {
        [Token::Word(w)]
            if w.quote_style.is_some()
                || !VALUES.iter().any(|v| w.value.eq_ignore_ascii_case(v)) =>
        {
            format!("'{}'", w.value.replace('\'', "''"))
        }
        _ => format!("({text})"),
    }
}

/// `ON CONFLICT ...` is SQLite-only and has no place in the model.
fn conflict_clause(c: &mut Cursor) -> Result<(), Fault> {
    if c.peek_is("ON") && is_word(&c.peek_nth(1).token, "CONFLICT") {
        return Err(Fault::NotRecordable(
            "ON CONFLICT clauses in a table definition are not recorded; remove the clause (use INSERT OR ... where it matters)".into(),
        ));
    }
    Ok(())
}

/// `REFERENCES parent [(col, ...)] [ON DELETE|UPDATE action | MATCH name]...
/// [[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]]`, after REFERENCES.
/// MATCH is accepted and dropped, as SQLite itself ignores it.
fn references(
    c: &mut Cursor,
    name: Option<String>,
    columns: Vec<String>,
) -> Result<ForeignKey, Fault> {
    let mut fk = ForeignKey {
        name,
        columns,
        ref_table: c.object_name()?,
        ..ForeignKey::default()
    };
    if c.peek().token == Token::LParen {
        fk.ref_columns = c.ident_list()?;
    }
    loop {
        if c.eat_all(&["ON", "DELETE"]) {
            fk.on_delete = fk_action(c)?;
        } else if c.eat_all(&["ON", "UPDATE"]) {
            fk.on_update = fk_action(c)?;
        } else if c.eat("MATCH") {
            c.ident()?;
        } else {
            break;
        }
    }
    let deferrable = if c.eat_all(&["NOT", "DEFERRABLE"]) {
        Some(false)
    } else if c.eat("DEFERRABLE") {
        Some(true)
    } else {
        None
    };
    if deferrable.is_some() {
        if c.eat_all(&["INITIALLY", "DEFERRED"]) {
            fk.deferred = deferrable == Some(true);
        } else {
            c.eat_all(&["INITIALLY", "IMMEDIATE"]);
        }
    }
    Ok(fk)
}

fn fk_action(c: &mut Cursor) -> Result<FkAction, Fault> {
    Ok(if c.eat_all(&["SET", "NULL"]) {
        FkAction::SetNull
    } else if c.eat_all(&["SET", "DEFAULT"]) {
        FkAction::SetDefault
    } else if c.eat("CASCADE") {
        FkAction::Cascade
    } else if c.eat("RESTRICT") {
        FkAction::Restrict
    } else if c.eat_all(&["NO", "ACTION"]) {
        FkAction::NoAction
    } else {
        return Err(c.expected("SET NULL, SET DEFAULT, CASCADE, RESTRICT or NO ACTION"));
    })
}

pub(crate) fn starts_table_constraint(c: &Cursor) -> bool {
    ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
        .iter()
        .any(|w| c.peek_is(w))
}

/// `[CONSTRAINT name] PRIMARY KEY (...) | UNIQUE (...) | CHECK (expr) |
/// FOREIGN KEY (...) REFERENCES ...`
pub(crate) fn table_constraint(c: &mut Cursor) -> Result<Constraint, Fault> {
    let name = if c.eat("CONSTRAINT") {
        Some(c.ident()?)
    } else {
        None
    };
    if c.eat_all(&["PRIMARY", "KEY"]) {
        let (columns, autoincrement) = key_columns(c, true)?;
        conflict_clause(c)?;
        Ok(Constraint::PrimaryKey(
            PrimaryKey {
                name,
                columns,
                ..PrimaryKey::default()
            },
            autoincrement,
        ))
    } else if c.eat("UNIQUE") {
        let (columns, _) = key_columns(c, false)?;
        conflict_clause(c)?;
        Ok(Constraint::Unique(Unique {
            name,
            columns,
            ..Unique::default()
        }))
    } else if c.eat("CHECK") {
        let (_, expr) = c.parenthesized_expr()?;
        Ok(Constraint::Check(Check { name, expr }))
    } else if c.eat_all(&["FOREIGN", "KEY"]) {
        let columns = c.ident_list()?;
        c.expect("REFERENCES")?;
        Ok(Constraint::ForeignKey(references(c, name, columns)?))
    } else {
        Err(c.expected("PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY"))
    }
}

/// `( name [ASC] [AUTOINCREMENT], ... )` of a PRIMARY KEY or UNIQUE
/// constraint; AUTOINCREMENT only where `autoincrement` allows it.
fn key_columns(c: &mut Cursor, autoincrement: bool) -> Result<(Vec<String>, bool), Fault> {
    c.expect_token(&Token::LParen)?;
    let mut columns = Vec::new();
    let mut auto = false;
    loop {
        let name = c.ident()?;
        if c.peek_is("COLLATE") || c.peek_is("DESC") {
            return Err(Fault::NotRecordable(format!(
                "column {name} of a key: COLLATE and DESC in a PRIMARY KEY or UNIQUE constraint are not recorded; declare the collation on the column, or use a unique index"
            )));
        }
        c.eat("ASC");
        if autoincrement && c.eat("AUTOINCREMENT") {
            auto = true;
        }
        columns.push(name);
        if !c.eat_token(&Token::Comma) {
            break;
        }
    }
    c.expect_token(&Token::RParen)?;
    Ok((columns, auto))
}

/// What an ALTER TABLE statement asks for.
#[derive(Debug)]
pub(crate) enum Alteration {
    RenameTo(String),
    RenameColumn {
        from: String,
        to: String,
    },
    AddColumn(ColumnDef),
    DropColumn(String),
    AlterColumn {
        column: String,
        change: ColumnChange,
    },
    AddConstraint(Constraint),
    DropConstraint(String),
}

#[derive(Debug)]
pub(crate) enum ColumnChange {
    Type(String),
    SetNotNull,
    DropNotNull,
    SetDefault(String),
    DropDefault,
}

/// `ALTER TABLE name action`, one action per statement as in SQLite.
pub(crate) fn alter_table(c: &mut Cursor) -> Result<(String, Alteration), Fault> {
    c.expect("ALTER")?;
    c.expect("TABLE")?;
    let table = c.object_name()?;
    let alteration = if c.eat("RENAME") {
        if c.eat("TO") {
            Alteration::RenameTo(c.ident()?)
        } else {
            c.eat("COLUMN");
            let from = c.ident()?;
            c.expect("TO")?;
            Alteration::RenameColumn {
                from,
                to: c.ident()?,
            }
        }
    } else if c.eat("ADD") {
        if starts_table_constraint(c) {
            Alteration::AddConstraint(table_constraint(c)?)
        } else {
            c.eat("COLUMN");
            Alteration::AddColumn(column_def(c)?)
        }
    } else if c.eat("DROP") {
        if c.eat("CONSTRAINT") {
            Alteration::DropConstraint(c.ident()?)
        } else {
            c.eat("COLUMN");
            Alteration::DropColumn(c.ident()?)
        }
    } else if c.eat("ALTER") {
        c.eat("COLUMN");
        let column = c.ident()?;
        let change = if c.eat("TYPE") || c.eat_all(&["SET", "DATA", "TYPE"]) {
            let ty = type_name(c)?;
            if ty.is_empty() {
                return Err(c.expected("a type"));
            }
            ColumnChange::Type(ty)
        } else if c.eat_all(&["SET", "NOT", "NULL"]) {
            ColumnChange::SetNotNull
        } else if c.eat_all(&["DROP", "NOT", "NULL"]) {
            ColumnChange::DropNotNull
        } else if c.eat_all(&["SET", "DEFAULT"]) {
            ColumnChange::SetDefault(unparenthesized(c)?)
        } else if c.eat_all(&["DROP", "DEFAULT"]) {
            ColumnChange::DropDefault
        } else {
            return Err(c.expected(
                "TYPE, SET DATA TYPE, SET NOT NULL, DROP NOT NULL, SET DEFAULT or DROP DEFAULT",
            ));
        };
        Alteration::AlterColumn { column, change }
    } else {
        return Err(c.expected("RENAME, ADD, DROP or ALTER"));
    };
    c.expect_end()?;
    Ok((table, alteration))
}

/// An expression's text; for one wholly in parentheses, the text between
/// them, as a DEFAULT in a column definition keeps it.
fn unparenthesized(c: &mut Cursor) -> Result<String, Fault> {
    let from = c.index();
    let (expr, text) = c.expr()?;
    Ok(match expr {
        Expr::Nested(_) => c.text_inside(from),
        _ => text,
    })
}

pub(crate) struct CreateIndex {
    pub if_not_exists: bool,
    pub name: String,
    pub table: String,
    pub unique: bool,
    pub columns: Vec<IndexedColumn>,
    pub predicate: Option<String>,
}

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (term, ...)
/// [WHERE expr]`; a term is `expr [COLLATE name] [ASC|DESC]`, and an expr
/// that is a bare name is a column.
pub(crate) fn create_index(c: &mut Cursor) -> Result<CreateIndex, Fault> {
    c.expect("CREATE")?;
    let unique = c.eat("UNIQUE");
    c.expect("INDEX")?;
    let if_not_exists = c.eat_all(&["IF", "NOT", "EXISTS"]);
    let name = c.object_name()?;
    c.expect("ON")?;
    let table = c.ident()?;
    c.expect_token(&Token::LParen)?;
    let mut columns = Vec::new();
    loop {
        columns.push(index_term(c)?);
        if !c.eat_token(&Token::Comma) {
            break;
        }
    }
    c.expect_token(&Token::RParen)?;
    let predicate = if c.eat("WHERE") {
        Some(c.expr()?.1)
    } else {
        None
    };
    c.expect_end()?;
    Ok(CreateIndex {
        if_not_exists,
        name,
        table,
        unique,
        columns,
        predicate,
    })
}

/// Whether `text`, read as one term of CREATE INDEX, gives exactly `term`:
/// how [`crate::render`] tells whether a collation may follow an
/// expression as it is (`lower(a) COLLATE x`) or needs it in parentheses
/// (`(a * 2) COLLATE x`, where COLLATE would bind to `2` alone).
pub(crate) fn reads_as_index_term(text: &str, term: &IndexedColumn) -> bool {
    let Ok(tokens) = tokenize(text) else {
        return false;
    };
    if tokens.is_empty() {
        return false;
    }
    let source = super::script::Source::new(text);
    let mut c = Cursor::over(&source, tokens);
    index_term(&mut c).is_ok_and(|read| read == *term) && c.expect_end().is_ok()
}

fn index_term(c: &mut Cursor) -> Result<IndexedColumn, Fault> {
    let from = c.index();
    let (expr, text) = c.expr()?;
    // As in SQLite, a COLLATE at the top of the term is the term's collation.
    let (expr, text, collation) = match expr {
        Expr::Collate { expr, collation } => {
            let name = object_name(&collation)?;
            (*expr, c.text_before_last(from, "COLLATE"), Some(name))
        }
        expr => (expr, text, None),
    };
    let term = match expr {
        Expr::Identifier(ident) => IndexTerm::Column(ident.value),
        _ => IndexTerm::Expr(text),
    };
    let desc = if c.eat("DESC") {
        true
    } else {
        c.eat("ASC");
        false
    };
    Ok(IndexedColumn {
        term,
        collation,
        desc,
    })
}

/// `DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] name`
pub(crate) struct Drop {
    pub kind: DropKind,
    pub if_exists: bool,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropKind {
    Table,
    Index,
    View,
    Trigger,
}

pub(crate) fn drop(c: &mut Cursor) -> Result<Drop, Fault> {
    c.expect("DROP")?;
    let kind = if c.eat("TABLE") {
        DropKind::Table
    } else if c.eat("INDEX") {
        DropKind::Index
    } else if c.eat("VIEW") {
        DropKind::View
    } else if c.eat("TRIGGER") {
        DropKind::Trigger
    } else {
        return Err(c.expected("TABLE, INDEX, VIEW or TRIGGER"));
    };
    let if_exists = c.eat_all(&["IF", "EXISTS"]);
    let name = c.object_name()?;
    c.expect_end()?;
    Ok(Drop {
        kind,
        if_exists,
        name,
    })
}
