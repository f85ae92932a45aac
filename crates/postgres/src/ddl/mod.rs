//! PostgreSQL DDL accepted by `strata record` for a PostgreSQL ledger: a
//! script of SQL statements turned into the ops of one change event,
//! resolved against the head schema.
//!
//! The script is cut into statements at its semicolons with sqlparser's
//! tokenizer, and each is read with sqlparser's PostgreSQL dialect (CREATE
//! TABLE, ALTER TABLE, CREATE INDEX, CREATE TRIGGER and DROP clause by
//! clause, see `grammar`; views and data steps by sqlparser's statement
//! parser). Statements are resolved in order against the schema as it
//! stands after the ones before them, which is advanced with
//! [`strata_schema::project`] after every op; so an op that removes or
//! replaces something carries its full current definition, and a script
//! that does not fit its schema is refused with the statement that does
//! not fit. Everything kept as SQL text (defaults, checks without their
//! parentheses, generated columns, index terms and predicates, views and
//! triggers) is the exact source text.
//!
//! # Names
//!
//! As PostgreSQL reads them: an unquoted name is folded to lower case
//! (`Users` is `users`), a quoted one is kept exactly (`"Users"`); the
//! model holds the resolved name, cut to PostgreSQL's 63 bytes as
//! PostgreSQL cuts it. `public.t` is `t`; an object of another schema is
//! `schema.t` (an index takes its table's schema; a name with a period in
//! it, and schema `strata`, are refused). CREATE SCHEMA records nothing
//! (an apply makes a schema before its first object), and DROP SCHEMA
//! records nothing once the ledger has nothing left in it.
//!
//! Constraints in a PostgreSQL ledger always carry the names PostgreSQL
//! gives them: one written without a name is recorded with the name
//! PostgreSQL would choose (`users_pkey`, `users_email_key`,
//! `users_age_check`, `orders_user_id_fkey`, a number added while the name
//! is taken; see `names`). So `ALTER TABLE users DROP CONSTRAINT
//! users_email_key` finds what it drops, and the ledger matches the live
//! database. An index written without a name gets PostgreSQL's name too
//! (`users_email_idx`).
//!
//! # Types
//!
//! A declared type is kept as written, with its unquoted words in lower
//! case and spaces normalized (see `grammar::type_name`): `VARCHAR(50)`
//! is `varchar(50)`, `INT` stays `int` (not `integer`). A serial column
//! is expanded as PostgreSQL expands it (see `definitions`): a sequence
//! `<table>_<column>_seq` made first, the column `integer` NOT NULL
//! DEFAULT `nextval('<table>_<column>_seq'::regclass)`. Identity columns
//! (`GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY`) are kept as the
//! column's identity, and are NOT NULL; sequence options in parentheses
//! are refused. A PRIMARY KEY makes its columns NOT NULL, as in
//! PostgreSQL.
//!
//! # Statements
//!
//! - CREATE TABLE \[IF NOT EXISTS\] with columns (type, NOT NULL, NULL,
//!   DEFAULT, COLLATE, GENERATED ALWAYS AS (...) STORED, GENERATED ... AS
//!   IDENTITY, PRIMARY KEY,
//!   UNIQUE, CHECK, REFERENCES) and table constraints, and `PARTITION BY
//!   key` (the option `partition by key`). TEMP, UNLOGGED, AS SELECT,
//!   INHERITS, LIKE, WITH (...), TABLESPACE and the like are refused. IF
//!   NOT EXISTS records nothing when a table or view of that name exists,
//!   as PostgreSQL does.
//! - CREATE TABLE p PARTITION OF parent {FOR VALUES ... | DEFAULT}: the
//!   option `partition of parent bound` and the parent's columns (see
//!   `partition`). Constraints in parentheses and sub-partitioning are
//!   refused.
//! - ALTER TABLE \[ONLY\] parent ATTACH PARTITION p {FOR VALUES ... |
//!   DEFAULT} and DETACH PARTITION p: the partition's options change. A
//!   column op on a partitioned table is recorded for it, then for each
//!   of its partitions (DROP COLUMN: the partitions' first, with their
//!   indexes and constraints on the column); one on a partition itself is
//!   refused. DROP TABLE of a partitioned table drops its partitions
//!   first.
//! - DROP TABLE / INDEX / VIEW \[IF EXISTS\] name, ... and DROP TRIGGER
//!   \[IF EXISTS\] name ON table; CASCADE is refused. DROP TABLE drops the
//!   table's triggers and indexes too, each op carrying what it drops.
//! - ALTER TABLE \[IF EXISTS\] \[ONLY\] t with RENAME TO, RENAME \[COLUMN\],
//!   or a comma-separated list of ADD \[COLUMN\], DROP \[COLUMN\], ALTER
//!   \[COLUMN\] (TYPE, SET / DROP NOT NULL, SET / DROP DEFAULT, ADD
//!   GENERATED ... AS IDENTITY, SET GENERATED ..., DROP IDENTITY \[IF
//!   EXISTS\]), ADD \[CONSTRAINT n\] PRIMARY KEY / UNIQUE / CHECK / FOREIGN
//!   KEY and DROP CONSTRAINT n (a primary key's too), each its own ops, in
//!   order; ADD PRIMARY KEY makes its columns NOT NULL first (ALTER COLUMN
//!   ops), as PostgreSQL does. TYPE ... USING is refused. ONLY is read
//!   past (strata's tables have no children). DROP COLUMN drops the
//!   table's indexes and constraints that
//!   involve the column first, as PostgreSQL does (a primary key column
//!   is refused).
//! - CREATE \[UNIQUE\] INDEX \[IF NOT EXISTS\] \[name\] ON t \[USING btree
//!   | hash | gist | spgist | gin | brin\] (column or expression \[COLLATE
//!   c\] \[ASC | DESC\], ...) \[INCLUDE (columns)\] \[WHERE ...\] (btree is
//!   kept as no method). Other methods, operator classes, NULLS FIRST / LAST and
//!   CONCURRENTLY (which cannot run in a transaction, and strata applies a
//!   change in one) are refused.
//! - CREATE VIEW, kept whole as written; its `depends_on` are the tables
//!   and views its query reads. CREATE OR REPLACE VIEW is recorded as
//!   DROP VIEW of the view as it stands (when there is one) and CREATE
//!   VIEW, with `OR REPLACE` left out of the text kept.
//! - CREATE TRIGGER ... ON table ... EXECUTE FUNCTION f(...), kept whole
//!   as written, on its table (`depends_on` empty: the function's body is
//!   not part of the statement). Triggers are kept by table and name
//!   (`Rules::trigger_key`), so two tables may each have a trigger of one
//!   name. OR REPLACE and CONSTRAINT triggers are refused.
//! - pg_dump's session statements, which record nothing: SET / RESET
//!   name (search_path may name public only), SELECT
//!   \[pg_catalog.\]set_config('name', 'value', is_local) (the same), and
//!   ALTER ... OWNER TO role of any object (ownership is not modeled).
//! - CREATE SEQUENCE / TYPE (ENUM or composite) / DOMAIN / \[OR REPLACE\]
//!   FUNCTION / \[OR REPLACE\] PROCEDURE / AGGREGATE / MATERIALIZED VIEW,
//!   COMMENT ON ... IS '...' | NULL, and DROP SEQUENCE / TYPE / DOMAIN /
//!   FUNCTION / PROCEDURE / AGGREGATE / MATERIALIZED VIEW: definitions kept
//!   whole (see `definitions` and docs/postgres-target.md). A serial column
//!   is expanded into its sequence and a NOT NULL DEFAULT nextval(...).
//! - ALTER SEQUENCE name options and ALTER DOMAIN name SET / DROP DEFAULT,
//!   SET / DROP NOT NULL, ADD CHECK, DROP CONSTRAINT: the replace of the
//!   definition by its CREATE statement written again with the change
//!   made (see `alter`), planned in place.
//! - INSERT, UPDATE, DELETE (and WITH ... leading into one) as data steps;
//!   BEGIN / START TRANSACTION / COMMIT / END, which record nothing
//!   (strata runs each change in one transaction of its own).
//!
//! Anything else is unsupported.

pub(crate) mod alter;
mod cursor;
pub(crate) mod definitions;
mod grammar;
mod names;
mod partition;
mod renames;
mod script;

pub use renames::renames;

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::ops::ControlFlow;

use sqlparser::ast::{
    CreateTableOptions, Expr, ObjectName, Query, SetExpr, Statement as SqlStatement, TableFactor,
    Visit, Visitor,
};
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, TokenizerError, Whitespace};
use strata_dialect::postgres::RULES;
use strata_schema::{
    project, Column, Identity, Index, IndexTerm, IndexedColumn, Op, PrimaryKey, ProjectError,
    Schema, Table, Trigger, View,
};

use cursor::{fold, in_system_schema, object_name, Cursor};
use grammar::Constraint;
use names::Kind;
use script::{is_significant, is_word, Source, Statement};

pub use strata_target::{DdlError, DdlErrorKind};

use DdlErrorKind as Fault;

/// Why a name in another schema is refused.
pub(crate) const ONE_SCHEMA: &str =
    "names are resolved in schema public (write another schema's names qualified, schema.name)";

/// strata's own schema, where it keeps a database's position, log and
/// archives: no object of a ledger may be in it.
pub(crate) const STRATA_SCHEMA: &str = "strata";

/// The ops of one change event, from the statements of `sql` resolved in
/// order against `head`. The ops project cleanly onto `head`, one after
/// the other, with PostgreSQL's rules.
pub fn parse_change(sql: &str, head: &Schema) -> Result<Vec<Op>, DdlError> {
    let source = Source::new(sql);
    let tokens = script::tokenize(sql).map_err(|e| tokenizer_error(&source, e))?;
    let statements = script::split(&source, tokens);
    let mut rec = Recorder {
        schema: head.clone(),
        ops: Vec::new(),
    };
    for statement in &statements {
        statement_ops(&source, statement, &mut rec).map_err(|kind| DdlError {
            statement: statement.number,
            line: statement.start.line,
            column: statement.start.column,
            excerpt: script::excerpt(statement.text),
            kind,
        })?;
    }
    Ok(rec.ops)
}

/// Whether `sql` names schema `public` or sets `search_path` (as a file
/// written by pg_dump does: `SELECT pg_catalog.set_config('search_path',
/// '', false)`, then every name qualified with `public.`). A desired
/// schema file that does is loaded with its scratch schema standing in
/// for `public` (see `crate::desired`).
pub fn names_public(sql: &str) -> bool {
    let Ok(tokens) = script::tokenize(sql) else {
        return false;
    };
    tokens.iter().any(|t| match &t.token {
        Token::Word(w) => {
            let v = if w.quote_style.is_none() {
                w.value.to_lowercase()
            } else {
                w.value.clone()
            };
            v == "public" || v == "search_path"
        }
        Token::SingleQuotedString(v) => v.eq_ignore_ascii_case("search_path"),
        _ => false,
    })
}

/// The schemas a script makes by `CREATE SCHEMA` (a desired schema file's
/// own, which a scratch load must not find already there).
pub fn schemas_created(sql: &str) -> BTreeSet<String> {
    let source = Source::new(sql);
    let Ok(tokens) = script::tokenize(sql) else {
        return BTreeSet::new();
    };
    let mut out = BTreeSet::new();
    for statement in script::split(&source, tokens) {
        let mut c = Cursor::new(&source, statement.tokens.clone());
        if c.eat("CREATE") && c.eat("SCHEMA") {
            c.eat_all(&["IF", "NOT", "EXISTS"]);
            if let Ok(name) = c.ident() {
                out.insert(name);
            }
        }
    }
    out
}

/// The ops so far, and the schema they lead to.
struct Recorder {
    schema: Schema,
    ops: Vec<Op>,
}

impl Recorder {
    /// Record `op`, which must fit the schema as it stands. A constraint or
    /// trigger that goes takes its comment with it, as in PostgreSQL: the
    /// comment's drop is recorded first.
    fn push(&mut self, op: Op) -> Result<(), Fault> {
        let commented = match &op {
            Op::DropUnique { table, unique, .. } => {
                Some(("CONSTRAINT", table, unique.name.as_deref()))
            }
            Op::DropCheck { table, check, .. } => {
                Some(("CONSTRAINT", table, check.name.as_deref()))
            }
            Op::DropForeignKey {
                table, foreign_key, ..
            } => Some(("CONSTRAINT", table, foreign_key.name.as_deref())),
            Op::DropPrimaryKey { table, primary_key } => {
                Some(("CONSTRAINT", table, primary_key.name.as_deref()))
            }
            Op::DropTrigger { trigger } => {
                Some(("TRIGGER", &trigger.table, Some(trigger.name.as_str())))
            }
            _ => None,
        };
        if let Some((kind, table, name)) = commented {
            let (table, name) = (table.clone(), name.map(str::to_string));
            definitions::drop_comment_on(self, kind, &table, name.as_deref())?;
        }
        project(RULES, &mut self.schema, &op).map_err(Fault::Project)?;
        self.ops.push(op);
        Ok(())
    }

    fn table(&self, name: &str) -> Result<&Table, Fault> {
        match self.schema.tables.get(name) {
            Some(t) => Ok(t),
            None if self.schema.views.contains_key(name) => Err(Fault::NotRecordable(format!(
                "{name} is a view, not a table"
            ))),
            None => Err(Fault::Project(ProjectError::NoSuchTable(name.to_string()))),
        }
    }
}

/// A script the tokenizer gives up on (an unterminated string or quoted
/// name): the error names the statement it happened in.
fn tokenizer_error(source: &Source, e: TokenizerError) -> DdlError {
    let at = source.offset(e.location);
    let mut tokens = script::tokenize(&source.text[..at]).unwrap_or_default();
    // A stand-in for the token that failed, so the split ends in the
    // statement that holds it.
    tokens.push(TokenWithSpan::new(
        Token::make_word("x", None),
        Span::new(e.location, e.location),
    ));
    let statements = script::split(source, tokens);
    let (number, start) = statements
        .last()
        .map_or((1, e.location), |s| (s.number, s.start));
    DdlError {
        statement: number,
        line: start.line,
        column: start.column,
        excerpt: script::excerpt(&source.text[source.offset(start)..]),
        kind: Fault::Syntax(format!(
            "{} at line {}, column {}",
            e.message.to_lowercase(),
            e.location.line,
            e.location.column
        )),
    }
}

/// The statement's first `n` words, upper case (empty where there is no
/// unquoted word).
fn lead(statement: &Statement, n: usize) -> Vec<String> {
    let mut words: Vec<String> = statement
        .tokens
        .iter()
        .filter(|t| is_significant(&t.token))
        .take(n)
        .map(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
            _ => String::new(),
        })
        .collect();
    words.resize(n, String::new());
    words
}

fn refuse<T>(message: impl Into<String>) -> Result<T, Fault> {
    Err(Fault::NotRecordable(message.into()))
}

/// Record the ops of one statement.
fn statement_ops(source: &Source, statement: &Statement, rec: &mut Recorder) -> Result<(), Fault> {
    let mut c = Cursor::new(source, statement.tokens.clone());
    let mut lead = lead(statement, 6);
    // CREATE OR REPLACE VIEW / TRIGGER read as what they make.
    let replace = lead[1] == "OR" && lead[2] == "REPLACE";
    if replace {
        lead.drain(1..3);
    }
    if definitions::reads(&self::lead(statement, 6)) {
        return definitions::record(source, statement, &self::lead(statement, 6), rec);
    }
    let words: Vec<&str> = lead.iter().map(String::as_str).collect();
    if words[0] == "ALTER" && owner_to(statement) {
        // Ownership is not part of strata's model: ALTER ... OWNER TO
        // (pg_dump writes one for every object) records nothing.
        return Ok(());
    }
    match words.as_slice() {
        ["CREATE", "TEMP" | "TEMPORARY" | "RECURSIVE" | "MATERIALIZED", "VIEW", ..]
        | ["CREATE", "VIEW", ..]
            if replace =>
        {
            create_view(source, statement, rec)
        }
        ["CREATE", "TRIGGER", ..] if replace => create_trigger(&mut c, statement, rec),
        _ if replace => Err(Fault::Unsupported),
        ["CREATE", "TABLE", ..] => create_table(&mut c, rec),
        ["CREATE", "UNIQUE" | "INDEX", ..] => create_index(&mut c, rec),
        ["CREATE", "VIEW", ..] => create_view(source, statement, rec),
        ["CREATE", "TRIGGER", ..] => create_trigger(&mut c, statement, rec),
        ["CREATE", "CONSTRAINT", "TRIGGER", ..] => refuse(
            "constraint triggers are not recorded: strata's model keeps plain triggers",
        ),
        ["CREATE", "TEMP" | "TEMPORARY" | "GLOBAL" | "LOCAL", ..] => refuse(
            "temporary objects live in one session only and are not part of the schema; remove TEMP",
        ),
        ["CREATE", "UNLOGGED", ..] => refuse(
            "unlogged tables are not recorded: strata's model keeps plain tables",
        ),
        ["CREATE", "MATERIALIZED", ..] => refuse(
            "materialized views are not recorded: strata's model keeps plain views",
        ),
        ["CREATE", "RECURSIVE", ..] => refuse(
            "recursive views are not recorded: write the view with WITH RECURSIVE in its query",
        ),
        ["ALTER", "TABLE", ..] => alter_table(&mut c, rec),
        ["CREATE", "SCHEMA", ..] => create_schema(&mut c),
        ["DROP", "SCHEMA", ..] => drop_schema(&mut c, rec),
        ["ALTER", "SCHEMA", ..] => refuse(
            "ALTER SCHEMA is not recorded: a schema is where the ledger's objects are, by their names; move them by dropping and creating them",
        ),
        ["SET" | "RESET", ..] => setting(&mut c),
        ["SELECT", ..] => set_config(&mut c),
        ["ALTER", "TYPE", ..] => definitions::alter_type(source, statement, rec),
        ["ALTER", "SEQUENCE", ..] => alter::alter_sequence(source, statement, rec),
        ["ALTER", "DOMAIN", ..] => alter::alter_domain(source, statement, rec),
        ["DROP", "TABLE" | "INDEX" | "VIEW" | "TRIGGER", ..] => drop(&mut c, rec),
        ["INSERT" | "UPDATE" | "DELETE" | "WITH", ..] => data(&mut c, statement, rec),
        ["BEGIN" | "START" | "COMMIT" | "END", ..] => {
            match c.statement()? {
                SqlStatement::StartTransaction { .. } | SqlStatement::Commit { .. } => {}
                _ => return Err(Fault::Unsupported),
            }
            c.expect_end()
        }
        _ => Err(Fault::Unsupported),
    }
}

/// Whether the statement ends in `OWNER TO role`.
fn owner_to(statement: &Statement) -> bool {
    let significant: Vec<&TokenWithSpan> = statement
        .tokens
        .iter()
        .filter(|t| is_significant(&t.token))
        .collect();
    let n = significant.len();
    n > 3
        && is_word(&significant[n - 3].token, "OWNER")
        && is_word(&significant[n - 2].token, "TO")
        && matches!(significant[n - 1].token, Token::Word(_))
}

/// The values of `search_path` that keep unqualified names in `public`:
/// empty (pg_dump's, which qualifies every name with `public.`), `public`,
/// or `"$user", public`.
fn keeps_public(values: &[String]) -> bool {
    match values {
        [] => true,
        [one] => one.is_empty() || one == "public",
        [user, public] => user == "$user" && public == "public",
        _ => false,
    }
}

fn search_path_elsewhere<T>() -> Result<T, Fault> {
    refuse(format!(
        "a search_path other than public is not recorded: {ONE_SCHEMA}"
    ))
}

/// `SET [SESSION | LOCAL] name {= | TO} value` or `RESET name`: a session
/// setting, which records nothing (a change runs in a session of its own).
/// search_path may name schema public only.
fn setting(c: &mut Cursor) -> Result<(), Fault> {
    if c.eat("RESET") {
        c.advance();
        return c.expect_end();
    }
    c.expect("SET")?;
    if !(c.eat("SESSION") || c.eat("LOCAL"))
        && (c.peek_is("CONSTRAINTS") || c.peek_is("ROLE") || c.peek_is("TRANSACTION"))
    {
        let what = c.token_text(c.peek()).to_uppercase();
        return refuse(format!(
            "SET {what} is not recorded: strata records session settings (SET name = value), which it ignores"
        ));
    }
    let name = c.ident()?;
    if !(c.eat_token(&Token::Eq) || c.eat("TO")) {
        return Err(c.expected("= or TO"));
    }
    let mut values = Vec::new();
    while !c.at_end() {
        let token = c.peek().clone();
        match &token.token {
            Token::Comma => {}
            Token::SingleQuotedString(v) => values.push(v.clone()),
            Token::Word(w) => values.push(w.value.clone()),
            _ => values.push(c.token_text(&token).to_string()),
        }
        c.advance();
    }
    if name == "search_path" && !keeps_public(&values) {
        return search_path_elsewhere();
    }
    Ok(())
}

/// `SELECT [pg_catalog.]set_config('name', 'value', is_local)`, as pg_dump
/// writes it: a session setting, which records nothing (search_path may
/// name schema public only). Any other SELECT is unsupported.
fn set_config(c: &mut Cursor) -> Result<(), Fault> {
    c.expect("SELECT")?;
    if c.peek_is("pg_catalog") && c.peek_nth(1).token == Token::Period {
        c.advance();
        c.advance();
    }
    if !c.eat("set_config") {
        return Err(Fault::Unsupported);
    }
    c.expect_token(&Token::LParen)?;
    let mut args = Vec::new();
    loop {
        match &c.peek().token {
            Token::SingleQuotedString(v) => args.push(v.clone()),
            Token::Word(w) if w.quote_style.is_none() => args.push(w.value.to_lowercase()),
            _ => return Err(c.expected("a string")),
        }
        c.advance();
        if !c.eat_token(&Token::Comma) {
            break;
        }
    }
    c.expect_token(&Token::RParen)?;
    c.expect_end()?;
    let [name, value, _] = args.as_slice() else {
        return Err(Fault::Syntax(
            "set_config takes three arguments: name, value and is_local".into(),
        ));
    };
    let values: Vec<String> = value
        .split(',')
        .map(|v| v.trim().trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if name == "search_path" && !keeps_public(&values) {
        return search_path_elsewhere();
    }
    Ok(())
}

/// Whether a table or view is named `name`.
fn relation_exists(schema: &Schema, name: &str) -> bool {
    schema.tables.contains_key(name) || schema.views.contains_key(name)
}

fn create_table(c: &mut Cursor, rec: &mut Recorder) -> Result<(), Fault> {
    c.expect("CREATE")?;
    c.expect("TABLE")?;
    let if_not_exists = c.eat_all(&["IF", "NOT", "EXISTS"]);
    let name = c.object_name()?;
    if c.peek_is("AS") {
        return refuse("CREATE TABLE ... AS is not recorded: declare the columns, then fill the table with INSERT ... SELECT");
    }
    if c.eat_all(&["PARTITION", "OF"]) {
        return partition::create_partition(c, rec, name, if_not_exists);
    }
    if c.peek_is("OF") {
        return refuse(
            "typed tables (CREATE TABLE ... OF type) are not recorded: declare the columns",
        );
    }
    c.expect_token(&Token::LParen)?;
    let mut table = Table {
        name,
        ..Table::default()
    };
    let mut constraints = Vec::new();
    if !c.eat_token(&Token::RParen) {
        loop {
            if c.peek_is("LIKE") {
                return refuse("CREATE TABLE (LIKE ...) is not recorded: declare the columns");
            }
            if grammar::starts_table_constraint(c) {
                constraints.push(grammar::table_constraint(c)?);
            } else {
                let def = grammar::column_def(c, &table.name)?;
                table.columns.push(def.column);
                constraints.extend(def.constraints);
            }
            if !c.eat_token(&Token::Comma) {
                break;
            }
        }
        c.expect_token(&Token::RParen)?;
    }
    if c.eat_all(&["PARTITION", "BY"]) {
        table.options = vec![partition::key(c)?];
    }
    if !c.at_end() {
        let clause = c.token_text(c.peek()).to_uppercase();
        return refuse(format!(
            "CREATE TABLE ... {clause} is not recorded: strata's model keeps plain and partitioned tables (no INHERITS, WITH, USING, TABLESPACE or ON COMMIT)"
        ));
    }
    if if_not_exists && relation_exists(&rec.schema, &table.name) {
        return Ok(());
    }
    let name = table.name.clone();
    let mut serials = Vec::new();
    for column in table.columns.iter_mut() {
        if let Some(sequence) = definitions::expand_serial(rec, &name, column)? {
            serials.push((sequence, column.name.clone()));
        }
    }
    name_constraints(&rec.schema, &table, &mut constraints);
    for constraint in constraints {
        match constraint {
            Constraint::PrimaryKey(pk) => {
                if table.primary_key.is_some() {
                    return refuse(format!(
                        "table {} has more than one primary key",
                        table.name
                    ));
                }
                for col in table.columns.iter_mut() {
                    if pk.columns.contains(&col.name) {
                        col.not_null = true;
                    }
                }
                table.primary_key = Some(pk);
            }
            Constraint::Unique(u) => table.uniques.push(u),
            Constraint::Check(k, _) => table.checks.push(k),
            Constraint::ForeignKey(fk) => table.foreign_keys.push(fk),
        }
    }
    rec.push(Op::CreateTable { table })?;
    for (sequence, column) in serials {
        definitions::own(rec, &sequence, &name, &column)?;
    }
    Ok(())
}

/// The column a check is named after: the one column of `table` it
/// reads, if it reads exactly one.
fn check_column(table: &Table, reads: &[String]) -> Vec<String> {
    let columns: Vec<String> = reads
        .iter()
        .filter(|n| table.columns.iter().any(|c| &c.name == *n))
        .cloned()
        .collect();
    if columns.len() == 1 {
        columns
    } else {
        vec![]
    }
}

/// Give the constraints of `table` written without a name the names
/// PostgreSQL gives them, in the order it does: checks, then primary key
/// and uniques, then foreign keys (see `names`). `schema` is the schema
/// before the table has them.
fn name_constraints(schema: &Schema, table: &Table, constraints: &mut [Constraint]) {
    let mut own: BTreeSet<String> = constraints
        .iter()
        .filter_map(|k| match k {
            Constraint::PrimaryKey(p) => p.name.clone(),
            Constraint::Unique(u) => u.name.clone(),
            Constraint::Check(k, _) => k.name.clone(),
            Constraint::ForeignKey(f) => f.name.clone(),
        })
        .collect();
    for round in 0..3 {
        for k in constraints.iter_mut() {
            let (slot, kind, columns) = match k {
                Constraint::Check(k, reads) if round == 0 => {
                    (&mut k.name, Kind::Check, check_column(table, reads))
                }
                Constraint::PrimaryKey(p) if round == 1 => {
                    (&mut p.name, Kind::PrimaryKey, p.columns.clone())
                }
                Constraint::Unique(u) if round == 1 => {
                    (&mut u.name, Kind::Unique, u.columns.clone())
                }
                Constraint::ForeignKey(f) if round == 2 => {
                    (&mut f.name, Kind::ForeignKey, f.columns.clone())
                }
                _ => continue,
            };
            if slot.is_none() {
                let name = names::choose(schema, &table.name, &own, kind, &columns);
                own.insert(name.clone());
                *slot = Some(name);
            }
        }
    }
}

fn position(at: usize) -> Result<u32, Fault> {
    u32::try_from(at).map_err(|_| Fault::NotRecordable("the table has too many columns".into()))
}

/// Record ADD CONSTRAINT on `table`: named as PostgreSQL names it, at the
/// end of its table's list.
fn add_constraint(rec: &mut Recorder, table: &str, constraint: Constraint) -> Result<(), Fault> {
    let t = rec.table(table)?.clone();
    let mut one = [constraint];
    name_constraints(&rec.schema, &t, &mut one);
    let [constraint] = one;
    let op = match constraint {
        Constraint::Unique(unique) => Op::AddUnique {
            table: t.name,
            unique,
            position: position(t.uniques.len())?,
        },
        Constraint::Check(check, _) => Op::AddCheck {
            table: t.name,
            check,
            position: position(t.checks.len())?,
        },
        Constraint::ForeignKey(foreign_key) => Op::AddForeignKey {
            table: t.name,
            foreign_key,
            position: position(t.foreign_keys.len())?,
        },
        Constraint::PrimaryKey(primary_key) => return add_primary_key(rec, &t, primary_key),
    };
    rec.push(op)
}

/// ADD PRIMARY KEY: its columns made NOT NULL first (each an ALTER COLUMN
/// op), as PostgreSQL makes them, then the key.
fn add_primary_key(rec: &mut Recorder, t: &Table, primary_key: PrimaryKey) -> Result<(), Fault> {
    for name in &primary_key.columns {
        let at = column_at(rec, &t.name, name)?;
        let from = rec.table(&t.name)?.columns[at].clone();
        if !from.not_null {
            let to = Column {
                not_null: true,
                ..from.clone()
            };
            rec.push(Op::AlterColumn {
                table: t.name.clone(),
                from,
                to,
            })?;
        }
    }
    rec.push(Op::AddPrimaryKey {
        table: t.name.clone(),
        primary_key,
    })
}

fn alter_table(c: &mut Cursor, rec: &mut Recorder) -> Result<(), Fault> {
    c.expect("ALTER")?;
    c.expect("TABLE")?;
    let if_exists = c.eat_all(&["IF", "EXISTS"]);
    c.eat("ONLY");
    let name = c.object_name()?;
    if if_exists && !rec.schema.tables.contains_key(&name) {
        return Ok(());
    }
    let table = rec.table(&name)?.name.clone();
    if c.peek_is("ATTACH") || c.peek_is("DETACH") {
        return partition::attach_or_detach(c, rec, &table);
    }
    if c.eat("RENAME") {
        if c.eat("TO") {
            partition::may_rename(rec, &table)?;
            // The table stays in its schema.
            let to = crate::render::in_schema_of(&table, &cursor::qualify(None, &c.ident()?)?);
            c.expect_end()?;
            // A sequence stays the column's under the table's new name.
            let owned = definitions::owned_by(rec, &table, None);
            for (sequence, _) in &owned {
                definitions::disown(rec, sequence)?;
            }
            rec.push(Op::RenameTable {
                from: table,
                to: to.clone(),
            })?;
            for (sequence, column) in owned {
                definitions::own(rec, &sequence, &to, &column)?;
            }
            return Ok(());
        }
        if c.peek_is("CONSTRAINT") {
            return refuse("RENAME CONSTRAINT is not recorded: drop the constraint and add it under its new name");
        }
        c.eat("COLUMN");
        let from = c.ident()?;
        c.expect("TO")?;
        let to = c.ident()?;
        c.expect_end()?;
        column_at(rec, &table, &from)?;
        partition::may_alter_columns(rec, &table)?;
        partition::may_rename_column(rec, &table, &from)?;
        for p in partition::partitions(rec, &table) {
            rec.push(Op::RenameColumn {
                table: p,
                from: from.clone(),
                to: to.clone(),
            })?;
        }
        let owned = definitions::owned_by(rec, &table, Some(&from));
        for (sequence, _) in &owned {
            definitions::disown(rec, sequence)?;
        }
        rec.push(Op::RenameColumn {
            table: table.clone(),
            from,
            to: to.clone(),
        })?;
        for (sequence, _) in owned {
            definitions::own(rec, &sequence, &table, &to)?;
        }
        return Ok(());
    }
    loop {
        alteration(c, rec, &table)?;
        if !c.eat_token(&Token::Comma) {
            break;
        }
    }
    c.expect_end()
}

/// Where column `name` stands in `table`.
fn column_at(rec: &Recorder, table: &str, name: &str) -> Result<usize, Fault> {
    rec.table(table)?
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            Fault::Project(ProjectError::NoSuchColumn {
                table: table.to_string(),
                column: name.to_string(),
            })
        })
}

fn no_cascade(c: &mut Cursor) -> Result<(), Fault> {
    if c.peek_is("CASCADE") {
        return refuse(
            "CASCADE is not recorded: drop what depends on it first, in the same change",
        );
    }
    c.eat("RESTRICT");
    Ok(())
}

/// One alteration of an ALTER TABLE's list.
fn alteration(c: &mut Cursor, rec: &mut Recorder, table: &str) -> Result<(), Fault> {
    if c.eat("ADD") {
        if grammar::starts_table_constraint(c) {
            let constraint = grammar::table_constraint(c)?;
            return add_constraint(rec, table, constraint);
        }
        c.eat("COLUMN");
        let if_not_exists = c.eat_all(&["IF", "NOT", "EXISTS"]);
        let def = grammar::column_def(c, table)?;
        if if_not_exists && column_at(rec, table, &def.column.name).is_ok() {
            return Ok(());
        }
        partition::may_alter_columns(rec, table)?;
        let at = rec.table(table)?.columns.len();
        let mut column = def.column.clone();
        let serial = definitions::expand_serial(rec, table, &mut column)?;
        rec.push(Op::AddColumn {
            table: table.to_string(),
            column: column.clone(),
            position: position(at)?,
        })?;
        for p in partition::partitions(rec, table) {
            let at = rec.table(&p)?.columns.len();
            rec.push(Op::AddColumn {
                table: p,
                column: column.clone(),
                position: position(at)?,
            })?;
        }
        if let Some(sequence) = serial {
            definitions::own(rec, &sequence, table, &column.name)?;
        }
        for constraint in def.constraints {
            add_constraint(rec, table, constraint)?;
        }
        return Ok(());
    }
    if c.eat("DROP") {
        if c.eat("CONSTRAINT") {
            let if_exists = c.eat_all(&["IF", "EXISTS"]);
            let name = c.ident()?;
            no_cascade(c)?;
            return drop_constraint(rec, table, &name, if_exists);
        }
        c.eat("COLUMN");
        let if_exists = c.eat_all(&["IF", "EXISTS"]);
        let name = c.ident()?;
        no_cascade(c)?;
        if if_exists && column_at(rec, table, &name).is_err() {
            return Ok(());
        }
        partition::may_alter_columns(rec, table)?;
        partition::may_drop_column(rec, table, &name)?;
        // A partition's own indexes and constraints on the column go
        // before the parent's column, which takes the partitions' with it.
        for p in partition::partitions(rec, table) {
            drop_column(rec, &p, &name)?;
        }
        return drop_column(rec, table, &name);
    }
    if c.eat_all(&["ALTER", "CONSTRAINT"]) {
        let name = c.ident()?;
        return alter_constraint(c, rec, table, &name);
    }
    if c.eat("ALTER") {
        c.eat("COLUMN");
        let name = c.ident()?;
        let at = column_at(rec, table, &name)?;
        let from = rec.table(table)?.columns[at].clone();
        let mut to = from.clone();
        if c.eat_all(&["SET", "DATA", "TYPE"]) || c.eat("TYPE") {
            to.ty = grammar::type_name(c, &["COLLATE", "USING"])?;
            if c.eat("COLLATE") {
                to.collation = Some(c.collation()?);
            }
            if c.peek_is("USING") {
                return refuse("ALTER COLUMN ... TYPE ... USING is not recorded yet: change the type without USING, or add a column, fill it with UPDATE and drop the old one");
            }
        } else if c.eat_all(&["SET", "NOT", "NULL"]) {
            to.not_null = true;
        } else if c.eat_all(&["DROP", "NOT", "NULL"]) {
            to.not_null = false;
        } else if c.eat_all(&["SET", "DEFAULT"]) {
            to.default = Some(grammar::default_expr(c)?);
        } else if c.eat_all(&["DROP", "DEFAULT"]) {
            to.default = None;
        } else if c.eat_all(&["ADD", "GENERATED"]) {
            if from.identity.is_some() {
                return refuse(format!(
                    "column {table}.{name} is already an identity column"
                ));
            }
            let (identity, options) = grammar::identity(c)?;
            to.identity = Some(identity);
            to.identity_options = alter::identity_options(table, &name, &to.ty, &options, None)?;
        } else if c.eat_all(&["DROP", "IDENTITY"]) {
            let if_exists = c.eat_all(&["IF", "EXISTS"]);
            if from.identity.is_none() && !if_exists {
                return refuse(format!("column {table}.{name} is not an identity column"));
            }
            to.identity = None;
            to.identity_options = None;
        } else if alter::identity_alteration_next(c) {
            // SET GENERATED, SET sequence option and RESTART, as many as
            // are written.
            if from.identity.is_none() {
                return refuse(format!("column {table}.{name} is not an identity column"));
            }
            let mut change = alter::SequenceOptions::default();
            loop {
                if c.eat_all(&["SET", "GENERATED"]) {
                    to.identity = Some(if c.eat("ALWAYS") {
                        Identity::Always
                    } else if c.eat_all(&["BY", "DEFAULT"]) {
                        Identity::ByDefault
                    } else {
                        return Err(c.expected("ALWAYS or BY DEFAULT"));
                    });
                } else if !alter::identity_alteration(c, &mut change)? {
                    break;
                }
            }
            to.identity_options = alter::identity_options(
                table,
                &name,
                &to.ty,
                &change,
                Some(from.identity_options.as_deref()),
            )?;
        } else {
            let what = c.token_text(c.peek()).to_uppercase();
            return refuse(format!(
                "ALTER COLUMN ... {what} is not recorded: strata records TYPE, SET / DROP NOT NULL, SET / DROP DEFAULT, ADD GENERATED ... AS IDENTITY, SET GENERATED, SET of an identity's sequence option and DROP IDENTITY"
            ));
        }
        if to != from {
            partition::may_alter_columns(rec, table)?;
            rec.push(Op::AlterColumn {
                table: table.to_string(),
                from: from.clone(),
                to: to.clone(),
            })?;
            for p in partition::partitions(rec, table) {
                let at = column_at(rec, &p, &name)?;
                let was = rec.table(&p)?.columns[at].clone();
                let now = partition::same_change(&was, &from, &to);
                rec.push(Op::AlterColumn {
                    table: p,
                    from: was,
                    to: now,
                })?;
            }
        }
        return Ok(());
    }
    let what = c.token_text(c.peek()).to_uppercase();
    if what.is_empty() {
        return Err(c.expected("ADD, DROP, ALTER or RENAME"));
    }
    refuse(format!(
        "ALTER TABLE ... {what} is not recorded: strata records ADD, DROP, ALTER [COLUMN] and RENAME"
    ))
}

fn drop_constraint(
    rec: &mut Recorder,
    table: &str,
    name: &str,
    if_exists: bool,
) -> Result<(), Fault> {
    let t = rec.table(table)?;
    let named = |n: &Option<String>| n.as_deref() == Some(name);
    let op = if let Some(at) = t.foreign_keys.iter().position(|k| named(&k.name)) {
        Op::DropForeignKey {
            table: t.name.clone(),
            foreign_key: t.foreign_keys[at].clone(),
            position: position(at)?,
        }
    } else if let Some(at) = t.uniques.iter().position(|k| named(&k.name)) {
        Op::DropUnique {
            table: t.name.clone(),
            unique: t.uniques[at].clone(),
            position: position(at)?,
        }
    } else if let Some(at) = t.checks.iter().position(|k| named(&k.name)) {
        Op::DropCheck {
            table: t.name.clone(),
            check: t.checks[at].clone(),
            position: position(at)?,
        }
    } else if let Some(primary_key) = t.primary_key.clone().filter(|k| named(&k.name)) {
        Op::DropPrimaryKey {
            table: t.name.clone(),
            primary_key,
        }
    } else if if_exists {
        return Ok(());
    } else {
        return Err(Fault::Project(ProjectError::NoSuchObject {
            kind: "constraint",
            name: format!("{name} on {table}"),
        }));
    };
    rec.push(op)
}

/// `ALTER CONSTRAINT name [NOT] DEFERRABLE [INITIALLY ...]` of a foreign
/// key (PostgreSQL alters no other kind): the key dropped and added again
/// in its place, deferred as now written.
fn alter_constraint(
    c: &mut Cursor,
    rec: &mut Recorder,
    table: &str,
    name: &str,
) -> Result<(), Fault> {
    let t = rec.table(table)?;
    let Some(at) = t
        .foreign_keys
        .iter()
        .position(|k| k.name.as_deref() == Some(name))
    else {
        let other = t.uniques.iter().any(|u| u.name.as_deref() == Some(name))
            || t.checks.iter().any(|k| k.name.as_deref() == Some(name))
            || t.primary_key
                .as_ref()
                .is_some_and(|k| k.name.as_deref() == Some(name));
        if other {
            return refuse(format!(
                "constraint {name} of {table} is not a foreign key: PostgreSQL alters only a foreign key's deferral; drop the constraint and add it again"
            ));
        }
        return Err(Fault::Project(ProjectError::NoSuchObject {
            kind: "constraint",
            name: format!("{name} on {table}"),
        }));
    };
    let from = t.foreign_keys[at].clone();
    let mut to = from.clone();
    (to.deferred, to.deferrable) = grammar::deferral(c)?;
    if to == from {
        return Ok(());
    }
    let (table, position) = (t.name.clone(), position(at)?);
    rec.push(Op::DropForeignKey {
        table: table.clone(),
        foreign_key: from,
        position,
    })?;
    rec.push(Op::AddForeignKey {
        table,
        foreign_key: to,
        position,
    })
}

/// DROP COLUMN drops the table's indexes and constraints that involve the
/// column first (its primary key too), as PostgreSQL does; each op carries
/// what it drops.
fn drop_column(rec: &mut Recorder, table: &str, name: &str) -> Result<(), Fault> {
    column_at(rec, table, name)?;
    let t = rec.table(table)?.clone();
    if let Some(primary_key) = t
        .primary_key
        .clone()
        .filter(|k| k.columns.iter().any(|c| c == name))
    {
        rec.push(Op::DropPrimaryKey {
            table: t.name.clone(),
            primary_key,
        })?;
    }
    let mentions = |sql: &str| RULES.mentions_column(sql, name);
    let indexes: Vec<Index> = rec
        .schema
        .indexes
        .values()
        .filter(|i| i.table == t.name)
        .filter(|i| {
            i.columns.iter().any(|c| match &c.term {
                IndexTerm::Column(c) => c == name,
                IndexTerm::Expr(e) => mentions(e),
            }) || i.predicate.as_deref().is_some_and(mentions)
        })
        .cloned()
        .collect();
    for index in indexes {
        rec.push(Op::DropIndex { index })?;
    }
    let has = |cols: &[String]| cols.iter().any(|c| c == name);
    while let Some(at) = rec
        .table(table)?
        .uniques
        .iter()
        .position(|u| has(&u.columns))
    {
        let unique = rec.table(table)?.uniques[at].clone();
        rec.push(Op::DropUnique {
            table: t.name.clone(),
            unique,
            position: position(at)?,
        })?;
    }
    while let Some(at) = rec
        .table(table)?
        .checks
        .iter()
        .position(|k| mentions(&k.expr))
    {
        let check = rec.table(table)?.checks[at].clone();
        rec.push(Op::DropCheck {
            table: t.name.clone(),
            check,
            position: position(at)?,
        })?;
    }
    while let Some(at) = rec
        .table(table)?
        .foreign_keys
        .iter()
        .position(|f| has(&f.columns))
    {
        let foreign_key = rec.table(table)?.foreign_keys[at].clone();
        rec.push(Op::DropForeignKey {
            table: t.name.clone(),
            foreign_key,
            position: position(at)?,
        })?;
    }
    definitions::drop_column_comment(rec, &t.name, name)?;
    let owned = definitions::owned_by(rec, &t.name, Some(name));
    for (sequence, _) in &owned {
        definitions::disown(rec, sequence)?;
    }
    let at = column_at(rec, table, name)?;
    let column = rec.table(table)?.columns[at].clone();
    rec.push(Op::DropColumn {
        table: t.name.clone(),
        column,
        position: position(at)?,
    })?;
    for (sequence, _) in owned {
        definitions::drop_owned(rec, &sequence)?;
    }
    Ok(())
}

fn create_index(c: &mut Cursor, rec: &mut Recorder) -> Result<(), Fault> {
    c.expect("CREATE")?;
    let unique = c.eat("UNIQUE");
    c.expect("INDEX")?;
    if c.peek_is("CONCURRENTLY") {
        return refuse("CREATE INDEX CONCURRENTLY cannot run inside a transaction, and strata applies each change in one; remove CONCURRENTLY");
    }
    let if_not_exists = c.eat_all(&["IF", "NOT", "EXISTS"]);
    // An index is made in its table's schema: its name is written bare.
    let name = if c.peek_is("ON") {
        None
    } else {
        Some(cursor::qualify(None, &c.ident()?)?)
    };
    c.expect("ON")?;
    if c.peek_is("ONLY") {
        return refuse("CREATE INDEX ... ON ONLY (an index of a partitioned table alone, to attach its partitions' indexes to) is not recorded: create the index on the partitioned table, and PostgreSQL makes it on every partition");
    }
    let written = c.object_name()?;
    // A materialized view is indexed as a table is.
    let table = match rec.schema.definitions.get(&written) {
        Some(d) if d.kind == strata_schema::DefinitionKind::MaterializedView => d.name.clone(),
        _ => rec.table(&written)?.name.clone(),
    };
    let mut method = None;
    if c.eat("USING") {
        let m = c.ident()?;
        match m.as_str() {
            "btree" => {}
            "gist" | "gin" | "hash" | "brin" | "spgist" => method = Some(m),
            _ => {
                return refuse(format!(
                    "{m} indexes are not recorded: strata records the btree, hash, gist, spgist, gin and brin methods"
                ))
            }
        }
    }
    c.expect_token(&Token::LParen)?;
    let mut columns = Vec::new();
    loop {
        columns.push(index_term(c)?);
        if !c.eat_token(&Token::Comma) {
            break;
        }
    }
    c.expect_token(&Token::RParen)?;
    let include = if c.eat("INCLUDE") {
        c.ident_list()?
    } else {
        Vec::new()
    };
    for (word, why) in [
        (
            "NULLS",
            "NULLS NOT DISTINCT is not recorded: strata's model has no place for it",
        ),
        (
            "WITH",
            "index storage parameters (WITH ...) are not recorded",
        ),
        (
            "TABLESPACE",
            "tablespaces are not recorded: strata's model keeps the schema only",
        ),
    ] {
        if c.peek_is(word) {
            return refuse(why);
        }
    }
    let predicate = if c.eat("WHERE") {
        Some(c.expr()?.1)
    } else {
        None
    };
    c.expect_end()?;
    let name = match name {
        Some(n) => crate::render::in_schema_of(&table, &n),
        None => {
            let parts: Vec<String> = columns
                .iter()
                .map(|c: &IndexedColumn| match &c.term {
                    IndexTerm::Column(n) => n.clone(),
                    IndexTerm::Expr(_) => "expr".to_string(),
                })
                .chain(include.iter().cloned())
                .collect();
            names::choose(&rec.schema, &table, &BTreeSet::new(), Kind::Index, &parts)
        }
    };
    if if_not_exists
        && (rec.schema.indexes.contains_key(&name) || relation_exists(&rec.schema, &name))
    {
        return Ok(());
    }
    rec.push(Op::CreateIndex {
        index: Index {
            name,
            table,
            unique,
            columns,
            predicate,
            method,
            include,
        },
    })
}

/// One term of an index: a column or an expression, `[COLLATE c] [ASC |
/// DESC]`.
fn index_term(c: &mut Cursor) -> Result<IndexedColumn, Fault> {
    let from = c.index();
    let (expr, text) = c.expr()?;
    let (expr, text, collation) = match expr {
        Expr::Collate { expr, collation } => (
            *expr,
            c.text_before_last(from, "COLLATE"),
            Some(cursor::collation_name(&collation)?),
        ),
        e => (e, text, None),
    };
    let term = match expr {
        Expr::Identifier(i) => IndexTerm::Column(fold(&i)),
        Expr::Nested(_) => {
            let inner = text
                .strip_prefix('(')
                .and_then(|t| t.strip_suffix(')'))
                .unwrap_or(&text);
            IndexTerm::Expr(inner.trim().to_string())
        }
        _ => IndexTerm::Expr(text),
    };
    let desc = if c.eat("DESC") {
        true
    } else {
        c.eat("ASC");
        false
    };
    if c.peek_is("NULLS") {
        return refuse("NULLS FIRST / LAST is not recorded: strata's model keeps an index term's direction only");
    }
    if matches!(c.peek().token, Token::Word(_)) {
        return refuse("operator classes are not recorded: strata's model keeps an index term's collation and direction only");
    }
    Ok(IndexedColumn {
        term,
        collation,
        desc,
    })
}

/// The tables and views a query reads: every relation named in a FROM or
/// JOIN or a subquery, leaving out names a WITH clause defines and
/// table-valued functions. A relation of `pg_catalog` or
/// `information_schema` is PostgreSQL's and left out; one of another
/// schema is named `schema.name`.
#[derive(Default)]
struct Relations {
    named: Vec<String>,
    ctes: Vec<String>,
    function_next: bool,
    fault: Option<Fault>,
}

impl Relations {
    fn read(node: &impl Visit, except: Option<&str>) -> Result<Vec<String>, Fault> {
        let mut r = Relations::default();
        let _ = node.visit(&mut r);
        if let Some(fault) = r.fault {
            return Err(fault);
        }
        let mut out: Vec<String> = Vec::new();
        for name in r.named {
            if !r.ctes.contains(&name) && Some(name.as_str()) != except && !out.contains(&name) {
                out.push(name);
            }
        }
        Ok(out)
    }
}

impl Visitor for Relations {
    type Break = Infallible;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Infallible> {
        if let Some(with) = &query.with {
            self.ctes
                .extend(with.cte_tables.iter().map(|c| fold(&c.alias.name)));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Infallible> {
        if let TableFactor::Table { args: Some(_), .. } = factor {
            self.function_next = true;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<Infallible> {
        if std::mem::take(&mut self.function_next) {
            return ControlFlow::Continue(());
        }
        if in_system_schema(relation) {
            return ControlFlow::Continue(());
        }
        match object_name(relation) {
            Ok(name) => self.named.push(name),
            Err(fault) => {
                self.fault.get_or_insert(fault);
            }
        }
        ControlFlow::Continue(())
    }
}

/// The statement's text without the words `OR REPLACE` (the first two
/// after CREATE), everything else as written.
fn without_or_replace(source: &Source, statement: &Statement) -> String {
    let significant: Vec<&TokenWithSpan> = statement
        .tokens
        .iter()
        .filter(|t| is_significant(&t.token))
        .take(4)
        .collect();
    let [_, or, replace, next] = significant.as_slice() else {
        return statement.text.to_string();
    };
    if !is_word(&or.token, "OR") || !is_word(&replace.token, "REPLACE") {
        return statement.text.to_string();
    }
    let base = source.offset(statement.start);
    let cut = source.offset(or.span.start).saturating_sub(base);
    let resume = source.offset(next.span.start).saturating_sub(base);
    match (statement.text.get(..cut), statement.text.get(resume..)) {
        (Some(head), Some(tail)) => format!("{head}{tail}"),
        _ => statement.text.to_string(),
    }
}

/// sqlparser does not read a view's `WITH [CASCADED | LOCAL] CHECK
/// OPTION`: those words are taken out of the tokens (turned into
/// whitespace, so every other token keeps its place) before the statement
/// is parsed; the text kept has them.
fn create_view(source: &Source, statement: &Statement, rec: &mut Recorder) -> Result<(), Fault> {
    let mut tokens = statement.tokens.clone();
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| is_significant(&tokens[i].token))
        .collect();
    let tail = |words: &[&str]| {
        significant.len() > words.len()
            && significant[significant.len() - words.len()..]
                .iter()
                .zip(words)
                .all(|(&i, w)| is_word(&tokens[i].token, w))
    };
    let check_option = [
        &["WITH", "CHECK", "OPTION"][..],
        &["WITH", "CASCADED", "CHECK", "OPTION"],
        &["WITH", "LOCAL", "CHECK", "OPTION"],
    ]
    .into_iter()
    .find(|w| tail(w))
    .map_or(0, <[&str]>::len);
    for &i in &significant[significant.len() - check_option..] {
        tokens[i].token = Token::Whitespace(Whitespace::Space);
    }
    let mut c = Cursor::new(source, tokens);
    let SqlStatement::CreateView(view) = c.statement()? else {
        return Err(Fault::Unsupported);
    };
    c.expect_end()?;
    if view.temporary {
        return refuse("temporary views are not part of the schema; remove TEMP");
    }
    if view.materialized {
        return refuse("materialized views are not recorded: strata's model keeps plain views");
    }
    if !matches!(view.options, CreateTableOptions::None) {
        return refuse(
            "view options (WITH ...) are not recorded: strata's model keeps a view's query only",
        );
    }
    let name = object_name(&view.name)?;
    if view.if_not_exists && relation_exists(&rec.schema, &name) {
        return Ok(());
    }
    let depends_on = Relations::read(&view.query, Some(&name))?;
    if view.or_replace {
        if let Some(old) = rec.schema.views.get(&name).cloned() {
            rec.push(Op::DropView { view: old })?;
        }
    }
    rec.push(Op::CreateView {
        view: View {
            name,
            sql: without_or_replace(source, statement),
            depends_on,
        },
    })
}

/// `CREATE TRIGGER name {BEFORE | AFTER | INSTEAD OF} event [OR ...] ON
/// table ... EXECUTE {FUNCTION | PROCEDURE} f(...)`, read as far as strata
/// needs (the name, the table, and that it runs a function) and kept
/// whole as written. Read here rather than by sqlparser, which does not
/// take the string arguments PostgreSQL passes to a trigger function
/// (`tsvector_update_trigger('fulltext', ...)`).
fn create_trigger(c: &mut Cursor, statement: &Statement, rec: &mut Recorder) -> Result<(), Fault> {
    c.expect("CREATE")?;
    if c.eat_all(&["OR", "REPLACE"]) {
        return refuse("CREATE OR REPLACE TRIGGER is not recorded: DROP TRIGGER and CREATE TRIGGER in the same change");
    }
    c.expect("TRIGGER")?;
    let name = c.ident()?;
    if !(c.eat("BEFORE") || c.eat("AFTER") || c.eat_all(&["INSTEAD", "OF"])) {
        return Err(c.expected("BEFORE, AFTER or INSTEAD OF"));
    }
    // The events, up to the ON that names the table (a column of UPDATE
    // OF named "on" would be quoted).
    let mut events = 0;
    while !c.at_end() && !c.peek_is("ON") {
        c.advance();
        events += 1;
    }
    if events == 0 {
        return Err(c.expected("INSERT, UPDATE, DELETE or TRUNCATE"));
    }
    c.expect("ON")?;
    let table = c.object_name()?;
    let mut runs = false;
    while !c.at_end() {
        if c.eat("EXECUTE") {
            if !(c.eat("FUNCTION") || c.eat("PROCEDURE")) {
                return Err(c.expected("FUNCTION"));
            }
            c.skip_name()?;
            c.expect_token(&Token::LParen)?;
            runs = true;
            break;
        }
        c.advance();
    }
    if !runs {
        return Err(c.expected("EXECUTE FUNCTION"));
    }
    if !relation_exists(&rec.schema, &table) {
        return Err(Fault::Project(ProjectError::NoSuchTable(table)));
    }
    rec.push(Op::CreateTrigger {
        trigger: Trigger {
            name,
            table,
            sql: statement.text.to_string(),
            depends_on: vec![],
        },
    })
}

fn drop(c: &mut Cursor, rec: &mut Recorder) -> Result<(), Fault> {
    c.expect("DROP")?;
    let kind = c.token_text(c.peek()).to_ascii_uppercase();
    c.advance();
    if c.peek_is("CONCURRENTLY") {
        return refuse("DROP INDEX CONCURRENTLY cannot run inside a transaction, and strata applies each change in one; remove CONCURRENTLY");
    }
    let if_exists = c.eat_all(&["IF", "EXISTS"]);
    let mut names = vec![c.object_name()?];
    let mut on = None;
    if kind == "TRIGGER" {
        c.expect("ON")?;
        on = Some(c.object_name()?);
    } else {
        while c.eat_token(&Token::Comma) {
            names.push(c.object_name()?);
        }
    }
    no_cascade(c)?;
    c.expect_end()?;
    let missing = |kind: &'static str, name: &str| {
        if if_exists {
            Ok(())
        } else if kind == "table" {
            Err(Fault::Project(ProjectError::NoSuchTable(name.to_string())))
        } else {
            Err(Fault::Project(ProjectError::NoSuchObject {
                kind,
                name: name.to_string(),
            }))
        }
    };
    match kind.as_str() {
        "TABLE" => {
            // A table another one of the list refers to goes after it.
            let mut pending = names;
            while !pending.is_empty() {
                let refers = |a: &str, b: &str| {
                    rec.schema
                        .tables
                        .get(a)
                        .is_some_and(|t| t.foreign_keys.iter().any(|f| f.ref_table == b))
                };
                let at = (0..pending.len())
                    .find(|&i| {
                        !pending
                            .iter()
                            .enumerate()
                            .any(|(j, o)| j != i && refers(o, &pending[i]))
                    })
                    .unwrap_or(0);
                let name = pending.remove(at);
                drop_table(rec, &name, &missing)?;
            }
            Ok(())
        }
        "INDEX" => {
            for name in names {
                match rec.schema.indexes.get(&name).cloned() {
                    Some(index) => {
                        definitions::drop_comments(rec, &name)?;
                        rec.push(Op::DropIndex { index })?
                    }
                    None => missing("index", &name)?,
                }
            }
            Ok(())
        }
        "VIEW" => {
            for name in names {
                match rec.schema.views.get(&name).cloned() {
                    Some(view) => {
                        definitions::drop_comments(rec, &name)?;
                        rec.push(Op::DropView { view })?
                    }
                    None if rec.schema.tables.contains_key(&name) => {
                        return refuse(format!("{name} is a table: use DROP TABLE"))
                    }
                    None => missing("view", &name)?,
                }
            }
            Ok(())
        }
        _ => {
            let name = &names[0];
            let table = on.unwrap_or_default();
            let key = RULES.trigger_key(&table, name);
            match rec.schema.triggers.get(&key).cloned() {
                Some(trigger) => rec.push(Op::DropTrigger { trigger }),
                None => missing("trigger", &format!("{name} on {table}")),
            }
        }
    }
}

/// `CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role]`: records
/// nothing. A schema other than `public` is there while an object of the
/// ledger is in it: an apply makes it before the first and drops it after
/// the last (see docs/postgres-target.md, "Schemas").
fn create_schema(c: &mut Cursor) -> Result<(), Fault> {
    c.expect("CREATE")?;
    c.expect("SCHEMA")?;
    c.eat_all(&["IF", "NOT", "EXISTS"]);
    if c.peek_is("AUTHORIZATION") {
        return refuse(
            "CREATE SCHEMA AUTHORIZATION without a name is not recorded: name the schema",
        );
    }
    let name = c.ident()?;
    cursor::qualify(Some(&name), "x")?;
    if c.eat("AUTHORIZATION") {
        c.ident()?;
    }
    if !c.at_end() {
        return refuse(
            "CREATE SCHEMA with objects in it is not recorded: create each object on its own, named schema.name",
        );
    }
    Ok(())
}

/// `DROP SCHEMA [IF EXISTS] name, ... [RESTRICT]`: records nothing, as a
/// schema goes with the last object of the ledger in it; one that still
/// holds an object is refused, naming it.
fn drop_schema(c: &mut Cursor, rec: &mut Recorder) -> Result<(), Fault> {
    c.expect("DROP")?;
    c.expect("SCHEMA")?;
    c.eat_all(&["IF", "EXISTS"]);
    let mut names = vec![c.ident()?];
    while c.eat_token(&Token::Comma) {
        names.push(c.ident()?);
    }
    no_cascade(c)?;
    c.expect_end()?;
    for name in names {
        if name == "public" {
            return refuse("schema public is not dropped: strata keeps it");
        }
        let held = crate::render::object_names(&rec.schema)
            .find(|n| crate::render::schema_of(n) == Some(name.as_str()));
        if let Some(object) = held {
            return refuse(format!(
                "schema {name} still holds {object}: drop what is in it first, in the same change"
            ));
        }
    }
    Ok(())
}

/// DROP TABLE drops the table's triggers and indexes with it, as
/// PostgreSQL does; the ops say so, each carrying what it drops.
fn drop_table(
    rec: &mut Recorder,
    name: &str,
    missing: &dyn Fn(&'static str, &str) -> Result<(), Fault>,
) -> Result<(), Fault> {
    let Some(table) = rec.schema.tables.get(name).cloned() else {
        if rec.schema.views.contains_key(name) {
            return refuse(format!("{name} is a view: use DROP VIEW"));
        }
        return missing("table", name);
    };
    // A partitioned table's partitions go first, as PostgreSQL drops them
    // with it.
    for p in partition::partitions(rec, name) {
        drop_table(rec, &p, missing)?;
    }
    let table = rec.schema.tables.get(name).cloned().unwrap_or(table);
    let triggers: Vec<Trigger> = rec
        .schema
        .triggers
        .values()
        .filter(|t| t.table == table.name)
        .cloned()
        .collect();
    for trigger in triggers {
        rec.push(Op::DropTrigger { trigger })?;
    }
    let indexes: Vec<Index> = rec
        .schema
        .indexes
        .values()
        .filter(|i| i.table == table.name)
        .cloned()
        .collect();
    for index in indexes {
        rec.push(Op::DropIndex { index })?;
    }
    let owned = definitions::owned_by(rec, &table.name, None);
    definitions::drop_comments(rec, &table.name)?;
    rec.push(Op::DropTable { table })?;
    for (sequence, _) in owned {
        definitions::drop_owned(rec, &sequence)?;
    }
    Ok(())
}

/// INSERT, UPDATE and DELETE, kept verbatim as a data step once sqlparser
/// has read them; `WITH ...` only when it leads into one of those.
fn data(c: &mut Cursor, statement: &Statement, rec: &mut Recorder) -> Result<(), Fault> {
    let parsed = c.statement()?;
    c.expect_end()?;
    let is_data = match &parsed {
        SqlStatement::Insert(_) | SqlStatement::Update(_) | SqlStatement::Delete(_) => true,
        SqlStatement::Query(q) => matches!(
            *q.body,
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_)
        ),
        _ => false,
    };
    if !is_data {
        return Err(Fault::Unsupported);
    }
    Relations::read(&parsed, None)?;
    rec.push(Op::Data {
        sql: statement.text.to_string(),
    })
}

#[cfg(test)]
mod tests;
