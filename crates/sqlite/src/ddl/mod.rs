//! DDL accepted by `strata record`: a script of SQL statements turned into
//! the ops of one change event, resolved against the head schema.
//!
//! The script is cut into statements with sqlparser's tokenizer and each is
//! parsed with sqlparser's SQLite dialect (see [`grammar`] for the parts
//! driven clause by clause). Statements are resolved in order against the
//! schema as it stands after the ones before them, which is advanced with
//! [`strata_schema::project`]; so an op that removes or replaces something
//! carries its full current definition, and a script that does not fit its
//! schema is refused with the statement that does not fit. Everything kept as
//! SQL text (defaults, checks, generated columns, index terms and
//! predicates, views and triggers) is the exact source text.
//!
//! A hand-written table rebuild is recorded as the change it makes to the
//! table (see [`rebuild`]).
//!
//! Accepted, besides the DDL: INSERT, UPDATE, DELETE and REPLACE as data
//! steps, and BEGIN / COMMIT / END [TRANSACTION], which are ignored because
//! migration files often wrap themselves in a transaction (strata runs each
//! change in one transaction of its own).
//!
//! The PRAGMA lines migration folders put around a hand-written table
//! rebuild (`foreign_keys`, `legacy_alter_table`, `defer_foreign_keys`, set
//! to on/off/1/0/true/false/yes/no or read) are accepted and record
//! nothing: strata turns foreign keys off and checks them itself around
//! every change it applies. [`pragmas`] lists them, for callers that tell
//! the user. Any other PRAGMA is refused with the reason.

mod cursor;
mod defer;
pub mod desired;
mod grammar;
mod rebuild;
mod relations;
pub mod reserved;
mod script;

use sqlparser::ast::{SetExpr, Statement as SqlStatement};
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, TokenizerError, Whitespace};
use strata_dialect::sqlite::RULES;
use strata_dialect::sqlite::{key, same_name};
use strata_schema::{
    dangling, project, project_deferring, Index, Op, ProjectError, Schema, Table, Trigger, View,
};

pub(crate) use grammar::{default_as_expr, is_bare_default, reads_as_index_term};

use cursor::{object_name, Cursor};
use defer::Strict;
use grammar::{Alteration, ColumnChange, Constraint, DropKind};
use relations::Relations;
use script::{is_significant, is_word, Source, Statement};

pub use strata_target::{DdlError, DdlErrorKind};

use DdlErrorKind as Fault;

/// The ops of one change event, from the statements of `sql` resolved in
/// order against `head`. The ops project cleanly onto `head`.
pub fn parse_change(sql: &str, head: &Schema) -> Result<Vec<Op>, DdlError> {
    let source = Source::new(sql);
    let tokens = script::tokenize(sql).map_err(|e| tokenizer_error(&source, e))?;
    // The schema as the script has it so far, checks on other objects
    // deferred to its end (see [`defer`]); and the ops recorded, which
    // project one by one: the script's own while each projects as it
    // stands (the two schemas are then one), and from the first that does
    // not, those [`Strict`] makes, on a schema of its own.
    let mut schema = head.clone();
    let mut plain: Vec<Op> = Vec::new();
    let mut strict: Option<Strict> = None;
    // The first op that did not fit as it stood, and its statement: what
    // is said if the end does not make up for it.
    let mut first_misfit: Option<(usize, ProjectError)> = None;
    let statements = script::split(&source, tokens);
    let fail = |statement: &Statement, kind| DdlError {
        statement: statement.number,
        line: statement.start.line,
        column: statement.start.column,
        excerpt: statement.excerpt(),
        kind,
    };
    let mut at = 0;
    while let Some(statement) = statements.get(at) {
        let mut new_ops =
            statement_ops(&source, statement, &schema).map_err(|k| fail(statement, k))?;
        at += 1;
        // A hand-written rebuild of a table is recorded as the change it
        // makes to the table (see [`rebuild`]).
        if let [Op::CreateTable { table }] = new_ops.as_slice() {
            let found = rebuild::recognise(&source, &statements[at..], &mut schema, table)
                .map_err(|(number, kind)| {
                    let s = statements
                        .iter()
                        .find(|s| s.number == number)
                        .unwrap_or(statement);
                    fail(s, kind)
                })?;
            if let Some(found) = found {
                new_ops = found.ops;
                at += found.consumed;
            }
        }
        for op in new_ops {
            let strict = match strict.as_mut() {
                Some(strict) => strict,
                None => {
                    if project(RULES, &mut schema, &op).is_ok() {
                        plain.push(op);
                        continue;
                    }
                    strict.insert(Strict::new(schema.clone(), std::mem::take(&mut plain)))
                }
            };
            project_deferring(RULES, &mut schema, &op)
                .map_err(|e| fail(statement, Fault::Project(e)))?;
            let misfit = strict
                .push(op)
                .map_err(|e| fail(statement, Fault::Project(e)))?;
            if let (None, Some(e)) = (&first_misfit, misfit) {
                first_misfit = Some((statement.number, e));
            }
        }
    }
    let Some(strict) = strict else {
        return Ok(plain);
    };
    let Some((number, misfit)) = first_misfit else {
        return Ok(strict.ops);
    };
    let refuse = || {
        let s = statements
            .iter()
            .find(|s| s.number == number)
            .unwrap_or(&statements[0]);
        fail(s, Fault::Project(misfit.clone()))
    };
    if dangling(RULES, &schema).is_some() {
        return Err(refuse());
    }
    strict.finish(&schema).ok_or_else(refuse)
}

/// The op that creates the object of one `CREATE TABLE`, `INDEX`, `VIEW`
/// or `TRIGGER` statement (as SQLite keeps it in `sqlite_schema`), read as
/// `record` reads it and resolved against `schema` (which spells the tables
/// an index or trigger is on), but not projected: introspection reads a
/// table before the tables its foreign keys name, and SQLite holds
/// references that projection would refuse (a foreign key to a table that
/// does not exist). Anything but exactly one such statement is an error.
pub(crate) fn parse_create(sql: &str, schema: &Schema) -> Result<Op, DdlError> {
    let source = Source::new(sql);
    let tokens = script::tokenize(sql).map_err(|e| tokenizer_error(&source, e))?;
    let statements = script::split(&source, tokens);
    let not_one = |statement: usize, excerpt: String| DdlError {
        statement,
        line: 1,
        column: 1,
        excerpt,
        kind: Fault::NotRecordable("expected exactly one CREATE statement".into()),
    };
    let [statement] = statements.as_slice() else {
        return Err(not_one(statements.len(), script::excerpt(sql)));
    };
    let fail = |kind| DdlError {
        statement: statement.number,
        line: statement.start.line,
        column: statement.start.column,
        excerpt: statement.excerpt(),
        kind,
    };
    let mut ops = statement_ops(&source, statement, schema).map_err(fail)?;
    match ops.pop() {
        Some(
            op @ (Op::CreateTable { .. }
            | Op::CreateIndex { .. }
            | Op::CreateView { .. }
            | Op::CreateTrigger { .. }),
        ) if ops.is_empty() => Ok(op),
        _ => Err(not_one(statement.number, statement.excerpt())),
    }
}

/// A script the tokenizer gives up on (an unterminated string or quoted
/// name): the error names the statement it happened in, found by splitting
/// the text before the error.
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
    let message = e.message.to_lowercase();
    DdlError {
        statement: number,
        line: start.line,
        column: start.column,
        excerpt: script::excerpt(&source.text[source.offset(start)..]),
        kind: Fault::Syntax(format!(
            "{message} at line {}, column {}",
            e.location.line, e.location.column
        )),
    }
}

/// The ops of one statement against `schema`.
fn statement_ops(
    source: &Source,
    statement: &Statement,
    schema: &Schema,
) -> Result<Vec<Op>, Fault> {
    let mut c = Cursor::new(source, statement);
    let lead: Vec<String> = (0..2)
        .map(|i| match &c.peek_nth(i).token {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
            _ => String::new(),
        })
        .collect();
    let word = |i: usize| lead[i].as_str();
    if let Some(fault) = misspelt(&c, &lead) {
        return Err(fault);
    }
    match word(0) {
        "CREATE" => match word(1) {
            "TABLE" => create_table(&mut c, schema),
            "UNIQUE" | "INDEX" => create_index(&mut c, schema),
            "VIEW" => create_view(&mut c, source, statement, schema),
            "TRIGGER" => create_trigger(source, statement, schema),
            "TEMP" | "TEMPORARY" => Err(Fault::NotRecordable(
                "temporary objects live in one connection only and are not part of the schema; remove TEMP".into(),
            )),
            "VIRTUAL" => Err(Fault::NotRecordable(
                "virtual tables are not recorded".into(),
            )),
            _ => Err(Fault::Unsupported),
        },
        "ALTER" if word(1) == "TABLE" => alter_table(&mut c, schema),
        "DROP" if matches!(word(1), "TABLE" | "INDEX" | "VIEW" | "TRIGGER") => drop(&mut c, schema),
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "WITH" => data(&mut c, statement),
        "PRAGMA" => pragma(statement).map(|_| vec![]),
        "BEGIN" | "COMMIT" | "END" => {
            match c.statement()? {
                SqlStatement::StartTransaction { .. } | SqlStatement::Commit { .. } => {}
                _ => return Err(Fault::Unsupported),
            }
            c.expect_end()?;
            Ok(vec![])
        }
        _ => Err(Fault::Unsupported),
    }
}

/// The PRAGMAs accepted around a rebuild: they change how the connection
/// checks foreign keys and renames, which strata decides itself.
const REBUILD_PRAGMAS: [&str; 3] = ["foreign_keys", "legacy_alter_table", "defer_foreign_keys"];

/// A PRAGMA statement read as `PRAGMA [schema.]name [= value | (value)]`:
/// its name, when it is one of [`REBUILD_PRAGMAS`] with a boolean value or
/// none; otherwise why it is refused.
fn pragma(statement: &Statement) -> Result<String, Fault> {
    let words: Vec<&Token> = statement
        .tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| is_significant(t))
        .collect();
    let text = |t: &Token| match t {
        Token::Word(w) => Some(w.value.clone()),
        Token::Number(n, _) => Some(n.clone()),
        Token::SingleQuotedString(s) => Some(s.clone()),
        _ => None,
    };
    let mut rest = &words[1..];
    // A schema name before the pragma's (main.foreign_keys).
    if let [schema, Token::Period, tail @ ..] = rest {
        if text(schema).is_none() {
            return Err(Fault::Syntax(
                "a PRAGMA names the pragma after PRAGMA".into(),
            ));
        }
        rest = tail;
    }
    let Some((first, rest)) = rest.split_first() else {
        return Err(Fault::Syntax(
            "a PRAGMA names the pragma after PRAGMA".into(),
        ));
    };
    let Some(name) = text(first) else {
        return Err(Fault::Syntax(
            "a PRAGMA names the pragma after PRAGMA".into(),
        ));
    };
    let name = name.to_ascii_lowercase();
    if !REBUILD_PRAGMAS.contains(&name.as_str()) {
        return Err(Fault::NotRecordable(format!(
            "PRAGMA {name} changes how the connection works, not the schema; strata records the schema only (the PRAGMAs accepted, and not recorded, are {}, which migrations set around a table rebuild)",
            REBUILD_PRAGMAS.join(", ")
        )));
    }
    let value = match rest {
        [] => None,
        [Token::Eq, v] | [Token::LParen, v, Token::RParen] => text(v),
        _ => {
            return Err(Fault::Syntax(format!(
                "PRAGMA {name} is read as PRAGMA {name}, or set as PRAGMA {name} = on"
            )))
        }
    };
    if let Some(v) = value {
        let v = v.to_ascii_lowercase();
        if !["on", "off", "1", "0", "true", "false", "yes", "no"].contains(&v.as_str()) {
            return Err(Fault::Syntax(format!(
                "PRAGMA {name} is on or off (1/0, true/false, yes/no), not {v}"
            )));
        }
    }
    Ok(name)
}

/// The PRAGMA statements of `sql` that [`parse_change`] accepts and records
/// nothing for, as written (for a note to the user); none when the script
/// cannot be read.
pub fn pragmas(sql: &str) -> Vec<String> {
    let source = Source::new(sql);
    let Ok(tokens) = script::tokenize(sql) else {
        return vec![];
    };
    script::split(&source, tokens)
        .iter()
        .filter(|s| {
            s.tokens
                .iter()
                .find(|t| is_significant(&t.token))
                .is_some_and(|t| is_word(&t.token, "PRAGMA"))
        })
        .filter(|s| pragma(s).is_ok())
        .map(|s| s.text.trim().to_string())
        .collect()
}

/// The statements' leading keywords strata reads, and what may follow each.
const LEADS: [(&str, &[&str]); 11] = [
    (
        "CREATE",
        &[
            "TABLE",
            "INDEX",
            "UNIQUE",
            "VIEW",
            "TRIGGER",
            "TEMP",
            "TEMPORARY",
            "VIRTUAL",
        ],
    ),
    ("ALTER", &["TABLE"]),
    ("DROP", &["TABLE", "INDEX", "VIEW", "TRIGGER"]),
    ("INSERT", &[]),
    ("UPDATE", &[]),
    ("DELETE", &[]),
    ("REPLACE", &[]),
    ("WITH", &[]),
    ("BEGIN", &[]),
    ("COMMIT", &[]),
    ("END", &[]),
];

/// A statement whose first or second word is one edit or two away from a
/// keyword strata reads there (`CREAT TABLE`, `CREATE TABEL`, `ALTR
/// TABLE`): a syntax error naming the likely word, where it stands. A word
/// that is no near miss (SELECT, PRAGMA) is left to be unsupported.
fn misspelt(c: &Cursor, lead: &[String]) -> Option<Fault> {
    let near = |word: &str, known: &[&str]| -> Option<String> {
        if word.len() < 3 || known.contains(&word) {
            return None;
        }
        known
            .iter()
            .map(|k| (strsim::damerau_levenshtein(word, k), *k))
            .filter(|(d, k)| *d <= 2.min(k.len() / 3 + 1))
            .min()
            .map(|(_, k)| k.to_string())
    };
    let said = |i: usize, likely: String| {
        let at = c.peek_nth(i).span.start;
        Fault::Syntax(format!(
            "{} is not a keyword strata reads here (did you mean {likely}?) at line {}, column {}",
            lead[i], at.line, at.column
        ))
    };
    let firsts: Vec<&str> = LEADS.iter().map(|(k, _)| *k).collect();
    match LEADS.iter().find(|(k, _)| *k == lead[0]) {
        Some((_, seconds)) if !seconds.is_empty() && !lead[1].is_empty() => {
            near(&lead[1], seconds).map(|likely| said(1, likely))
        }
        Some(_) => None,
        None => near(&lead[0], &firsts).map(|likely| said(0, likely)),
    }
}

/// Whether a table or view is named `name`: what IF NOT EXISTS looks at in
/// CREATE TABLE and CREATE VIEW, as in SQLite (an index of that name is
/// still an error, which projection reports).
fn relation_exists(schema: &Schema, name: &str) -> bool {
    let k = key(name);
    schema.tables.contains_key(&k) || schema.views.contains_key(&k)
}

fn create_table(c: &mut Cursor, schema: &Schema) -> Result<Vec<Op>, Fault> {
    let create = grammar::create_table(c)?;
    if create.if_not_exists && relation_exists(schema, &create.table.name) {
        return Ok(vec![]);
    }
    Ok(vec![Op::CreateTable {
        table: create.table,
    }])
}

fn create_index(c: &mut Cursor, schema: &Schema) -> Result<Vec<Op>, Fault> {
    let create = grammar::create_index(c)?;
    if create.if_not_exists && schema.indexes.contains_key(&key(&create.name)) {
        return Ok(vec![]);
    }
    // The table as the schema names it, as SQLite records it.
    let table = schema
        .table(RULES, &create.table)
        .map_or(create.table, |t| t.name.clone());
    Ok(vec![Op::CreateIndex {
        index: Index {
            name: create.name,
            table,
            unique: create.unique,
            columns: create.columns,
            predicate: create.predicate,
            ..Index::default()
        },
    }])
}

fn create_view(
    c: &mut Cursor,
    source: &Source,
    statement: &Statement,
    schema: &Schema,
) -> Result<Vec<Op>, Fault> {
    let SqlStatement::CreateView(view) = c.statement()? else {
        return Err(Fault::Unsupported);
    };
    c.expect_end()?;
    if view.temporary {
        return Err(Fault::NotRecordable(
            "temporary views are not part of the schema; remove TEMP".into(),
        ));
    }
    if view.or_replace || view.or_alter || view.materialized {
        return Err(Fault::NotRecordable(
            "SQLite views are plain CREATE VIEW; to change a view, DROP VIEW and CREATE VIEW in the same change".into(),
        ));
    }
    let name = object_name(&view.name)?;
    if view.if_not_exists && relation_exists(schema, &name) {
        return Ok(vec![]);
    }
    let mut relations = Relations::default();
    relations.read(&view.query);
    Ok(vec![Op::CreateView {
        view: View {
            name,
            sql: as_stored(source, statement),
            depends_on: relations.names(None),
        },
    }])
}

/// sqlparser does not know `CREATE TRIGGER IF NOT EXISTS`; those three
/// words are taken out of the token stream (turned into whitespace, so
/// every other token keeps its place) before the statement is parsed.
fn create_trigger(
    source: &Source,
    statement: &Statement,
    schema: &Schema,
) -> Result<Vec<Op>, Fault> {
    let mut tokens = statement.tokens.clone();
    let if_not_exists = if_not_exists(&tokens);
    if let Some(words) = if_not_exists {
        for i in words {
            tokens[i].token = Token::Whitespace(Whitespace::Space);
        }
    }
    let mut c = Cursor::over(source, tokens);
    let SqlStatement::CreateTrigger(trigger) = c.statement()? else {
        return Err(Fault::Unsupported);
    };
    c.expect_end()?;
    if trigger.temporary {
        return Err(Fault::NotRecordable(
            "temporary triggers are not part of the schema; remove TEMP".into(),
        ));
    }
    if trigger.or_replace || trigger.or_alter || trigger.exec_body.is_some() {
        return Err(Fault::NotRecordable(
            "a SQLite trigger is CREATE TRIGGER ... BEGIN ... END".into(),
        ));
    }
    let name = object_name(&trigger.name)?;
    if if_not_exists.is_some() && schema.triggers.contains_key(&key(&name)) {
        return Ok(vec![]);
    }
    let written = object_name(&trigger.table_name)?;
    // The table as the schema names it, as SQLite records it.
    let table = schema
        .table(RULES, &written)
        .map(|t| t.name.clone())
        .or_else(|| schema.views.get(&key(&written)).map(|v| v.name.clone()))
        .unwrap_or(written);
    let mut relations = Relations::default();
    relations.read(&trigger.condition);
    relations.read(&trigger.statements);
    Ok(vec![Op::CreateTrigger {
        trigger: Trigger {
            name,
            depends_on: relations.names(Some(&table)),
            table,
            sql: as_stored(source, statement),
        },
    }])
}

/// A `CREATE VIEW` or `CREATE TRIGGER` statement's text as SQLite stores it
/// in `sqlite_schema`: without `IF NOT EXISTS`, everything else as written.
fn as_stored(source: &Source, statement: &Statement) -> String {
    let text = statement.text;
    let Some([first, .., last]) = if_not_exists(&statement.tokens) else {
        return text.to_string();
    };
    // From IF to the token after EXISTS, whose place is kept.
    let Some(next) = statement.tokens[last + 1..]
        .iter()
        .find(|t| is_significant(&t.token))
    else {
        return text.to_string();
    };
    let base = source.offset(statement.start);
    let cut = source.offset(statement.tokens[first].span.start) - base;
    let resume = source.offset(next.span.start) - base;
    match (text.get(..cut), text.get(resume..)) {
        (Some(head), Some(tail)) => format!("{head}{tail}"),
        _ => text.to_string(),
    }
}

/// The places in `tokens` of `IF NOT EXISTS` right after `CREATE [TEMP]
/// VIEW` or `TRIGGER`, if the statement has them there.
fn if_not_exists(tokens: &[TokenWithSpan]) -> Option<[usize; 3]> {
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| is_significant(&tokens[i].token))
        .take(7)
        .collect();
    let kind = significant
        .iter()
        .position(|&i| is_word(&tokens[i].token, "VIEW") || is_word(&tokens[i].token, "TRIGGER"))?;
    let words = [
        *significant.get(kind + 1)?,
        *significant.get(kind + 2)?,
        *significant.get(kind + 3)?,
    ];
    words
        .iter()
        .zip(["IF", "NOT", "EXISTS"])
        .all(|(&i, w)| is_word(&tokens[i].token, w))
        .then_some(words)
}

fn alter_table(c: &mut Cursor, schema: &Schema) -> Result<Vec<Op>, Fault> {
    let (written, alteration) = grammar::alter_table(c)?;
    let Some(t) = schema.table(RULES, &written) else {
        if schema.views.contains_key(&key(&written)) {
            return Err(Fault::NotRecordable(format!(
                "{written} is a view: ALTER TABLE changes tables only"
            )));
        }
        return Err(Fault::Project(ProjectError::NoSuchTable(written)));
    };
    let table = t.name.clone();
    let column_at = |name: &str| {
        t.column_position(RULES, name)
            .ok_or_else(|| {
                Fault::Project(ProjectError::NoSuchColumn {
                    table: table.clone(),
                    column: name.to_string(),
                })
            })
            .and_then(|at| Ok((at, position(at)?)))
    };
    Ok(match alteration {
        Alteration::RenameTo(to) => vec![Op::RenameTable { from: table, to }],
        Alteration::RenameColumn { from, to } => {
            let (at, _) = column_at(&from)?;
            vec![Op::RenameColumn {
                from: t.columns[at].name.clone(),
                table,
                to,
            }]
        }
        Alteration::AddColumn(def) => {
            if def.primary_key.is_some() {
                return Err(Fault::NotRecordable(format!(
                    "cannot add a PRIMARY KEY column to {table}: create the table with it"
                )));
            }
            let mut ops = vec![Op::AddColumn {
                table: table.clone(),
                column: def.column,
                position: position(t.columns.len())?,
            }];
            let mut scratch = t.clone();
            for constraint in def.constraints {
                ops.push(add_constraint(&mut scratch, constraint)?);
            }
            ops
        }
        Alteration::DropColumn(name) => {
            let (at, position) = column_at(&name)?;
            vec![Op::DropColumn {
                table,
                column: t.columns[at].clone(),
                position,
            }]
        }
        Alteration::AlterColumn { column, change } => {
            let (at, _) = column_at(&column)?;
            let from = t.columns[at].clone();
            let mut to = from.clone();
            match change {
                ColumnChange::Type(ty) => to.ty = ty,
                ColumnChange::SetNotNull => to.not_null = true,
                ColumnChange::DropNotNull => to.not_null = false,
                ColumnChange::SetDefault(e) => to.default = Some(e),
                ColumnChange::DropDefault => to.default = None,
            }
            // A change to what is already there records nothing.
            if to == from {
                vec![]
            } else {
                vec![Op::AlterColumn { table, from, to }]
            }
        }
        Alteration::AddConstraint(k) => vec![add_constraint(&mut t.clone(), k)?],
        Alteration::DropConstraint(name) => {
            let named = |n: &Option<String>| n.as_deref().is_some_and(|n| same_name(n, &name));
            if let Some(at) = t.foreign_keys.iter().position(|k| named(&k.name)) {
                vec![Op::DropForeignKey {
                    table,
                    foreign_key: t.foreign_keys[at].clone(),
                    position: constraint_position(at)?,
                }]
            } else if let Some(at) = t.uniques.iter().position(|k| named(&k.name)) {
                vec![Op::DropUnique {
                    table,
                    unique: t.uniques[at].clone(),
                    position: constraint_position(at)?,
                }]
            } else if let Some(at) = t.checks.iter().position(|k| named(&k.name)) {
                vec![Op::DropCheck {
                    table,
                    check: t.checks[at].clone(),
                    position: constraint_position(at)?,
                }]
            } else if t.primary_key.as_ref().is_some_and(|k| named(&k.name)) {
                return Err(Fault::NotRecordable(format!(
                    "{name} is the primary key of {table}, which cannot be dropped"
                )));
            } else {
                return Err(Fault::Project(ProjectError::NoSuchObject {
                    kind: "constraint",
                    name: format!("{name} on {table}"),
                }));
            }
        }
    })
}

fn position(at: usize) -> Result<u32, Fault> {
    u32::try_from(at).map_err(|_| Fault::NotRecordable("the table has too many columns".into()))
}

fn constraint_position(at: usize) -> Result<u32, Fault> {
    u32::try_from(at).map_err(|_| Fault::NotRecordable("the table has too many constraints".into()))
}

/// ADD CONSTRAINT puts the constraint at the end of its table's list; `t`
/// is a working copy of the table, which gains it.
fn add_constraint(t: &mut Table, constraint: Constraint) -> Result<Op, Fault> {
    let table = t.name.clone();
    Ok(match constraint {
        Constraint::Unique(unique) => {
            t.uniques.push(unique.clone());
            Op::AddUnique {
                table,
                unique,
                position: constraint_position(t.uniques.len() - 1)?,
            }
        }
        Constraint::Check(check) => {
            t.checks.push(check.clone());
            Op::AddCheck {
                table,
                check,
                position: constraint_position(t.checks.len() - 1)?,
            }
        }
        Constraint::ForeignKey(foreign_key) => {
            t.foreign_keys.push(foreign_key.clone());
            Op::AddForeignKey {
                table,
                foreign_key,
                position: constraint_position(t.foreign_keys.len() - 1)?,
            }
        }
        Constraint::PrimaryKey(..) => {
            return Err(Fault::NotRecordable(format!(
                "cannot add a primary key to {table}: create the table with it"
            )))
        }
    })
}

/// DROP TABLE also drops the table's triggers and indexes, as SQLite does;
/// the ops say so explicitly, each carrying what it drops.
fn drop(c: &mut Cursor, schema: &Schema) -> Result<Vec<Op>, Fault> {
    let drop = grammar::drop(c)?;
    let name = drop.name;
    let k = key(&name);
    let missing = |kind: &'static str| {
        if drop.if_exists {
            Ok(vec![])
        } else if kind == "table" {
            Err(Fault::Project(ProjectError::NoSuchTable(name.clone())))
        } else {
            Err(Fault::Project(ProjectError::NoSuchObject {
                kind,
                name: name.clone(),
            }))
        }
    };
    match drop.kind {
        DropKind::Table => {
            let Some(table) = schema.tables.get(&k) else {
                if schema.views.contains_key(&k) {
                    return Err(Fault::NotRecordable(format!(
                        "{name} is a view: use DROP VIEW"
                    )));
                }
                return missing("table");
            };
            let mut ops: Vec<Op> = schema
                .triggers
                .values()
                .filter(|t| same_name(&t.table, &table.name))
                .map(|t| Op::DropTrigger { trigger: t.clone() })
                .collect();
            ops.extend(
                schema
                    .indexes
                    .values()
                    .filter(|i| same_name(&i.table, &table.name))
                    .map(|i| Op::DropIndex { index: i.clone() }),
            );
            ops.push(Op::DropTable {
                table: table.clone(),
            });
            Ok(ops)
        }
        DropKind::Index => match schema.indexes.get(&k) {
            Some(index) => Ok(vec![Op::DropIndex {
                index: index.clone(),
            }]),
            None => missing("index"),
        },
        DropKind::View => match schema.views.get(&k) {
            Some(view) => Ok(vec![Op::DropView { view: view.clone() }]),
            None if schema.tables.contains_key(&k) => Err(Fault::NotRecordable(format!(
                "{name} is a table: use DROP TABLE"
            ))),
            None => missing("view"),
        },
        DropKind::Trigger => match schema.triggers.get(&k) {
            Some(trigger) => Ok(vec![Op::DropTrigger {
                trigger: trigger.clone(),
            }]),
            None => missing("trigger"),
        },
    }
}

/// INSERT, UPDATE, DELETE and REPLACE, kept verbatim as a data step once
/// sqlparser has read them; `WITH ...` only when it leads into one of those.
fn data(c: &mut Cursor, statement: &Statement) -> Result<Vec<Op>, Fault> {
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
    if let Some(name) = reserved::strata_name_in(&parsed, &statement.tokens) {
        return Err(Fault::NotRecordable(format!(
            "it names {name}, and names starting with {} are strata's own tables, which data steps may neither read nor change; leave it out of the statement",
            reserved::STRATA_PREFIX
        )));
    }
    Ok(vec![Op::Data {
        sql: statement.text.to_string(),
    }])
}

#[cfg(test)]
mod tests;
