//! ALTER SEQUENCE and ALTER DOMAIN, recorded as the replace of the
//! definition by its CREATE statement written again with the change made
//! (the kept text stays one statement that makes the object); and, for the
//! planner, the ALTER that takes a sequence or a domain from one such
//! definition to another in place, so a sequence keeps its state and a
//! domain its columns.
//!
//! A sequence's options and a domain's parts are read here from their
//! CREATE statements as written, as strata composes them after an ALTER,
//! and as the server's are composed when a database is read (`crate::defs`).

use sqlparser::tokenizer::Token;
use strata_schema::{Definition, DefinitionKind, Op, ProjectError};

use super::cursor::Cursor;
use super::grammar::{default_expr, type_name};
use super::names::{clip, MAX_NAME};
use super::script::{self, is_word, Source, Statement};
use super::{refuse, Fault, Recorder};
use crate::render::ident;
use strata_dialect::postgres::identity::{self, Sequence};

/// A sequence's options as a CREATE SEQUENCE writes them; None where it
/// writes none (the default). `min` and `max` are `Some(None)` for `NO
/// MINVALUE` / `NO MAXVALUE`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct SequenceOptions {
    ty: Option<String>,
    increment: Option<String>,
    min: Option<Option<String>>,
    max: Option<Option<String>>,
    start: Option<String>,
    cache: Option<String>,
    cycle: Option<bool>,
    /// `SEQUENCE NAME`, which only an identity column's options have.
    name: Option<String>,
    /// `OWNED BY table.column` (`Some(None)`: `OWNED BY NONE`), which
    /// the model keeps apart from the sequence (a definition of its own).
    owned: Option<Option<(String, String)>>,
}

impl SequenceOptions {
    /// `other`'s options over these.
    fn apply(&mut self, other: &SequenceOptions) {
        let SequenceOptions {
            ty,
            increment,
            min,
            max,
            start,
            cache,
            cycle,
            name: _,
            owned: _,
        } = other.clone();
        self.ty = ty.or(self.ty.take());
        self.increment = increment.or(self.increment.take());
        self.min = min.or(self.min.take());
        self.max = max.or(self.max.take());
        self.start = start.or(self.start.take());
        self.cache = cache.or(self.cache.take());
        self.cycle = cycle.or(self.cycle.take());
    }

    /// The CREATE SEQUENCE of `name` with these options, each written
    /// once, in one order.
    fn create(&self, name: &str) -> String {
        let mut sql = format!("CREATE SEQUENCE {}", ident(name));
        if let Some(t) = &self.ty {
            sql.push_str(&format!(" AS {t}"));
        }
        if let Some(i) = &self.increment {
            sql.push_str(&format!(" INCREMENT BY {i}"));
        }
        bound(&mut sql, "MINVALUE", &self.min);
        bound(&mut sql, "MAXVALUE", &self.max);
        if let Some(s) = &self.start {
            sql.push_str(&format!(" START WITH {s}"));
        }
        if let Some(c) = &self.cache {
            sql.push_str(&format!(" CACHE {c}"));
        }
        match self.cycle {
            Some(true) => sql.push_str(" CYCLE"),
            Some(false) => sql.push_str(" NO CYCLE"),
            None => {}
        }
        sql
    }

    /// The ALTER SEQUENCE that gives sequence `name` exactly these
    /// options, every one written (a default where these write none), so
    /// nothing of the definition it had stays.
    fn alter(&self, name: &str) -> String {
        let increment = self.increment.clone().unwrap_or_else(|| "1".into());
        let ascending = !increment.starts_with('-');
        let min = self.min.clone().flatten();
        let max = self.max.clone().flatten();
        let start = self.start.clone().unwrap_or_else(|| {
            if ascending {
                min.clone().unwrap_or_else(|| "1".into())
            } else {
                max.clone().unwrap_or_else(|| "-1".into())
            }
        });
        let mut sql = format!(
            "ALTER SEQUENCE {} AS {} INCREMENT BY {increment}",
            ident(name),
            self.ty.as_deref().unwrap_or("bigint")
        );
        bound(&mut sql, "MINVALUE", &Some(min));
        bound(&mut sql, "MAXVALUE", &Some(max));
        sql.push_str(&format!(
            " START WITH {start} CACHE {} {}",
            self.cache.as_deref().unwrap_or("1"),
            if self.cycle == Some(true) {
                "CYCLE"
            } else {
                "NO CYCLE"
            }
        ));
        sql
    }
}

fn bound(sql: &mut String, word: &str, value: &Option<Option<String>>) {
    match value {
        Some(Some(v)) => sql.push_str(&format!(" {word} {v}")),
        Some(None) => sql.push_str(&format!(" NO {word}")),
        None => {}
    }
}

/// A signed whole number.
fn number(c: &mut Cursor) -> Result<String, Fault> {
    let minus = c.eat_token(&Token::Minus);
    match &c.peek().token {
        Token::Number(n, _) if n.bytes().all(|b| b.is_ascii_digit()) => {
            let n = if minus { format!("-{n}") } else { n.clone() };
            c.advance();
            Ok(n)
        }
        _ => Err(c.expected("a whole number")),
    }
}

/// Sequence options up to the end of the statement.
fn sequence_options(c: &mut Cursor) -> Result<SequenceOptions, Fault> {
    let mut o = SequenceOptions::default();
    while !c.at_end() {
        if !sequence_option(c, &mut o)? {
            return Err(c.expected("a sequence option"));
        }
    }
    Ok(o)
}

/// One sequence option into `o`, when one comes next.
fn sequence_option(c: &mut Cursor, o: &mut SequenceOptions) -> Result<bool, Fault> {
    if c.eat("AS") {
        let ty = c.ident()?;
        o.ty = Some(
            match ty.as_str() {
                "smallint" | "int2" => "smallint",
                "integer" | "int" | "int4" => "integer",
                "bigint" | "int8" => "bigint",
                _ => return Err(Fault::Syntax(format!("{ty} is not a sequence's type"))),
            }
            .to_string(),
        );
    } else if c.eat("INCREMENT") {
        c.eat("BY");
        o.increment = Some(number(c)?);
    } else if c.eat_all(&["NO", "MINVALUE"]) {
        o.min = Some(None);
    } else if c.eat("MINVALUE") {
        o.min = Some(Some(number(c)?));
    } else if c.eat_all(&["NO", "MAXVALUE"]) {
        o.max = Some(None);
    } else if c.eat("MAXVALUE") {
        o.max = Some(Some(number(c)?));
    } else if c.eat("START") {
        c.eat("WITH");
        o.start = Some(number(c)?);
    } else if c.eat("CACHE") {
        o.cache = Some(number(c)?);
    } else if c.eat_all(&["NO", "CYCLE"]) {
        o.cycle = Some(false);
    } else if c.eat("CYCLE") {
        o.cycle = Some(true);
    } else if c.peek_is("RESTART") {
        return refuse("RESTART is not recorded: where a sequence stands is data, not schema (strata keeps it when it drops the sequence and sets it again when it brings the sequence back); set it with setval outside the ledger");
    } else if c.eat_all(&["OWNED", "BY"]) {
        o.owned = Some(if c.eat("NONE") {
            None
        } else {
            // table.column, or schema.table.column.
            let first = c.ident()?;
            c.expect_token(&Token::Period)?;
            let second = c.ident()?;
            Some(if c.eat_token(&Token::Period) {
                (super::cursor::qualify(Some(&first), &second)?, c.ident()?)
            } else {
                (super::cursor::qualify(None, &first)?, second)
            })
        });
    } else {
        return Ok(false);
    }
    Ok(true)
}

/// The options in parentheses after `AS IDENTITY`, when there are any.
pub(crate) fn identity_parens(c: &mut Cursor) -> Result<SequenceOptions, Fault> {
    let mut o = SequenceOptions::default();
    if !c.eat_token(&Token::LParen) {
        return Ok(o);
    }
    while !c.eat_token(&Token::RParen) {
        if c.eat_all(&["SEQUENCE", "NAME"]) {
            o.name = Some(c.object_name()?);
        } else if !sequence_option(c, &mut o)? {
            return Err(c.expected("a sequence option or )"));
        }
    }
    Ok(o)
}

/// One `SET option` or `RESTART` of `ALTER COLUMN` on an identity column
/// into `o`, when one comes next (not `SET GENERATED`, which is the
/// caller's).
pub(crate) fn identity_alteration(c: &mut Cursor, o: &mut SequenceOptions) -> Result<bool, Fault> {
    if c.peek_is("RESTART") {
        return sequence_option(c, o);
    }
    if !c.peek_is("SET") || is_word(&c.peek_nth(1).token, "GENERATED") {
        return Ok(false);
    }
    c.advance();
    if c.peek_is("AS") || !sequence_option(c, o)? {
        return Err(c.expected("a sequence option after SET"));
    }
    Ok(true)
}

/// Whether an identity column's `SET GENERATED`, `SET option` or
/// `RESTART` comes next.
pub(crate) fn identity_alteration_next(c: &Cursor) -> bool {
    const OPTIONS: [&str; 8] = [
        "GENERATED",
        "INCREMENT",
        "START",
        "MINVALUE",
        "MAXVALUE",
        "NO",
        "CACHE",
        "CYCLE",
    ];
    c.peek_is("RESTART")
        || (c.peek_is("SET") && OPTIONS.iter().any(|w| is_word(&c.peek_nth(1).token, w)))
}

/// An identity column's options as the model keeps them
/// ([`strata_dialect::postgres::identity`]): `change` made to the
/// options `was` (`None` for a column made an identity column now) of
/// column `column` of type `ty` of `table`.
pub(crate) fn identity_options(
    table: &str,
    column: &str,
    ty: &str,
    change: &SequenceOptions,
    was: Option<Option<&str>>,
) -> Result<Option<String>, Fault> {
    let Some(range) = identity::range(ty) else {
        return refuse(format!(
            "column {table}.{column} is of type {ty}: an identity column is smallint, integer or bigint"
        ));
    };
    if change.ty.is_some() {
        return refuse(format!(
            "AS in the options of identity column {table}.{column} is not recorded: its sequence has the column's type"
        ));
    }
    if let Some(name) = &change.name {
        let chosen = crate::render::in_schema_of(
            table,
            &format!("{}_{column}_seq", crate::render::bare(table)),
        );
        if *name != chosen && name.rsplit('.').next() != Some(chosen.as_str()) {
            return refuse(format!(
                "SEQUENCE NAME {name} of identity column {table}.{column} is not recorded: strata lets PostgreSQL name it ({chosen}); remove SEQUENCE NAME"
            ));
        }
    }
    let int = |v: &String| {
        v.parse::<i64>().map_err(|_| {
            Fault::NotRecordable(format!(
                "{v} in the options of identity column {table}.{column} is out of range for a sequence"
            ))
        })
    };
    let was = match was {
        Some(options) => Some(
            Sequence::from_options(range, options)
                .map_err(|e| Fault::NotRecordable(format!("column {table}.{column}: {e}")))?,
        ),
        None => None,
    };
    let increment = match &change.increment {
        Some(i) => int(i)?,
        None => was.map_or(1, |w| w.increment),
    };
    if increment == 0 {
        return refuse(format!(
            "INCREMENT of identity column {table}.{column} must not be zero"
        ));
    }
    let d = Sequence::defaults(range, increment);
    let bound = |given: &Option<Option<String>>, default: i64, kept: Option<i64>| match given {
        Some(Some(v)) => int(v),
        Some(None) => Ok(default),
        None => Ok(kept.unwrap_or(default)),
    };
    let min = bound(&change.min, d.min, was.map(|w| w.min))?;
    let max = bound(&change.max, d.max, was.map(|w| w.max))?;
    let start = match (&change.start, was) {
        (Some(s), _) => int(s)?,
        (None, Some(w)) => w.start,
        (None, None) if increment > 0 => min,
        (None, None) => max,
    };
    let sequence = Sequence {
        increment,
        min,
        max,
        start,
        cache: match &change.cache {
            Some(c) => int(c)?,
            None => was.map_or(1, |w| w.cache),
        },
        cycle: change.cycle.or(was.map(|w| w.cycle)).unwrap_or(false),
    };
    if !(min < max && (min..=max).contains(&start) && sequence.cache >= 1) {
        return refuse(format!(
            "the options of identity column {table}.{column} do not make a sequence: MINVALUE {min} must be below MAXVALUE {max}, START WITH {start} between them, CACHE at least 1"
        ));
    }
    Ok(sequence.options(range))
}

/// The name and options of a CREATE SEQUENCE statement's text.
fn read_sequence(sql: &str) -> Result<(String, SequenceOptions), Fault> {
    let source = Source::new(sql);
    let tokens = script::tokenize(sql).map_err(|e| Fault::Syntax(e.to_string()))?;
    let mut c = Cursor::new(&source, tokens);
    c.expect("CREATE")?;
    c.expect("SEQUENCE")?;
    c.eat_all(&["IF", "NOT", "EXISTS"]);
    let name = c.object_name()?;
    Ok((name, sequence_options(&mut c)?))
}

/// A domain's parts as a CREATE DOMAIN writes them. Checks keep the name
/// written (None where PostgreSQL chooses it) and their expression's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DomainParts {
    ty: String,
    collation: Option<String>,
    default: Option<String>,
    not_null: bool,
    checks: Vec<(Option<String>, String)>,
}

impl DomainParts {
    fn create(&self, name: &str) -> String {
        let mut sql = format!("CREATE DOMAIN {} AS {}", ident(name), self.ty);
        if let Some(c) = &self.collation {
            sql.push_str(&format!(" COLLATE {}", crate::render::collation(c)));
        }
        if let Some(d) = &self.default {
            sql.push_str(&format!(" DEFAULT {d}"));
        }
        if self.not_null {
            sql.push_str(" NOT NULL");
        }
        for (n, expr) in &self.checks {
            if let Some(n) = n {
                sql.push_str(&format!(" CONSTRAINT {}", ident(n)));
            }
            sql.push_str(&format!(" CHECK ({expr})"));
        }
        sql
    }

    /// The checks under the names PostgreSQL gives them: one written
    /// without a name is `<domain>_check`, then `<domain>_check1`, ...,
    /// the first free.
    fn named_checks(&self, domain: &str) -> Vec<(String, String)> {
        let mut taken: Vec<String> = self.checks.iter().filter_map(|(n, _)| n.clone()).collect();
        let mut out = Vec::new();
        for (n, expr) in &self.checks {
            let name = match n {
                Some(n) => n.clone(),
                None => {
                    let name = (0..)
                        .map(|k| {
                            let label = if k == 0 {
                                "_check".to_string()
                            } else {
                                format!("_check{k}")
                            };
                            let base = clip(domain, MAX_NAME - label.len());
                            format!("{base}{label}")
                        })
                        .find(|c| !taken.contains(c))
                        .expect("a free name");
                    taken.push(name.clone());
                    name
                }
            };
            out.push((name, expr.clone()));
        }
        out
    }
}

/// The words after which a domain's type, default or check ends.
const DOMAIN_CLAUSES: [&str; 6] = ["COLLATE", "DEFAULT", "CONSTRAINT", "NOT", "NULL", "CHECK"];

/// The name and parts of a CREATE DOMAIN statement's text.
fn read_domain(sql: &str) -> Result<(String, DomainParts), Fault> {
    let source = Source::new(sql);
    let tokens = script::tokenize(sql).map_err(|e| Fault::Syntax(e.to_string()))?;
    let mut c = Cursor::new(&source, tokens);
    c.expect("CREATE")?;
    c.expect("DOMAIN")?;
    let name = c.object_name()?;
    c.eat("AS");
    let mut parts = DomainParts {
        ty: type_name(&mut c, &DOMAIN_CLAUSES)?,
        collation: None,
        default: None,
        not_null: false,
        checks: Vec::new(),
    };
    let mut named = None;
    while !c.at_end() {
        if c.eat("COLLATE") {
            parts.collation = Some(c.collation()?);
        } else if c.eat("DEFAULT") {
            parts.default = Some(default_expr(&mut c)?);
        } else if c.eat("CONSTRAINT") {
            named = Some(c.ident()?);
            continue;
        } else if c.eat_all(&["NOT", "NULL"]) {
            parts.not_null = true;
        } else if c.eat("NULL") {
            parts.not_null = false;
        } else if c.peek_is("CHECK") {
            c.advance();
            let (_, expr) = c.parenthesized_expr()?;
            parts.checks.push((named.take(), expr));
            continue;
        } else {
            return Err(c.expected("a domain's default or constraint"));
        }
        named = None;
    }
    Ok((name, parts))
}

/// The definition `name` of `kind` at head, or the error that it is not.
fn definition(rec: &Recorder, name: &str, kind: DefinitionKind) -> Result<Definition, Fault> {
    match rec.schema.definitions.get(name) {
        Some(d) if d.kind == kind => Ok(d.clone()),
        _ => Err(Fault::Project(ProjectError::NoSuchObject {
            kind: kind.describe(),
            name: name.to_string(),
        })),
    }
}

/// `from` replaced by the same definition with `sql`.
fn replace(rec: &mut Recorder, from: Definition, sql: String) -> Result<(), Fault> {
    let to = Definition {
        sql,
        ..from.clone()
    };
    rec.push(Op::ReplaceDefinition { from, to })
}

/// A cursor past `ALTER <kind>`.
fn altering<'s, 'a>(
    source: &'s Source<'a>,
    statement: &Statement,
    kind: &str,
) -> Result<Cursor<'s, 'a>, Fault> {
    let mut c = Cursor::new(source, statement.tokens.clone());
    c.expect("ALTER")?;
    c.expect(kind)?;
    Ok(c)
}

/// `ALTER SEQUENCE [IF EXISTS] name options`.
pub(super) fn alter_sequence(
    source: &Source,
    statement: &Statement,
    rec: &mut Recorder,
) -> Result<(), Fault> {
    let mut c = altering(source, statement, "SEQUENCE")?;
    let if_exists = c.eat_all(&["IF", "EXISTS"]);
    let name = c.object_name()?;
    for (word, what) in [
        (
            "RENAME",
            "RENAME is not recorded: drop the sequence and create it under its new name",
        ),
        (
            "SET",
            "ALTER SEQUENCE ... SET (a schema, LOGGED or UNLOGGED) is not recorded",
        ),
    ] {
        if c.peek_is(word) {
            return refuse(what);
        }
    }
    let change = sequence_options(&mut c)?;
    if if_exists && !rec.schema.definitions.contains_key(&name) {
        return Ok(());
    }
    let from = definition(rec, &name, DefinitionKind::Sequence)?;
    let (_, mut options) = read_sequence(&from.sql).map_err(|_| {
        Fault::NotRecordable(format!(
            "ALTER SEQUENCE of {name} is not recorded: its definition is not one strata can alter; drop it and create it again"
        ))
    })?;
    let before = options.clone();
    options.apply(&change);
    if options != before {
        replace(rec, from, options.create(&name))?;
    }
    owned_by(rec, &name, &change.owned)
}

/// The ownership `OWNED BY` gives sequence `name`, if it says one.
fn owned_by(
    rec: &mut Recorder,
    name: &str,
    owned: &Option<Option<(String, String)>>,
) -> Result<(), Fault> {
    match owned {
        None => Ok(()),
        Some(None) => super::definitions::disown(rec, name),
        Some(Some((table, column))) => {
            let t = rec.table(table)?;
            if !t.columns.iter().any(|c| &c.name == column) {
                return Err(Fault::Project(ProjectError::NoSuchObject {
                    kind: "column",
                    name: format!("{table}.{column}"),
                }));
            }
            if crate::render::schema_of(table) != crate::render::schema_of(name) {
                return refuse(format!(
                    "sequence {name} cannot belong to {table}.{column}: a sequence must be in the schema of the table it belongs to"
                ));
            }
            let table = t.name.clone();
            super::definitions::own(rec, name, &table, column)
        }
    }
}

/// `CREATE SEQUENCE name options OWNED BY table.column`: the sequence
/// (written again without OWNED BY), then its ownership.
pub(super) fn create_owned_sequence(
    statement: &Statement,
    rec: &mut Recorder,
) -> Result<(), Fault> {
    let (name, options) = read_sequence(statement.text)?;
    rec.push(Op::CreateDefinition {
        definition: Definition {
            kind: DefinitionKind::Sequence,
            name: name.clone(),
            sql: options.create(&name),
            depends_on: Vec::new(),
        },
    })?;
    owned_by(rec, &name, &options.owned)
}

/// `ALTER DOMAIN name` SET DEFAULT expr, DROP DEFAULT, SET / DROP NOT
/// NULL, ADD [CONSTRAINT name] CHECK (expr), DROP CONSTRAINT [IF EXISTS]
/// name.
pub(super) fn alter_domain(
    source: &Source,
    statement: &Statement,
    rec: &mut Recorder,
) -> Result<(), Fault> {
    let mut c = altering(source, statement, "DOMAIN")?;
    let name = c.object_name()?;
    let from = definition(rec, &name, DefinitionKind::Domain)?;
    let (_, parts) = read_domain(&from.sql).map_err(|_| {
        Fault::NotRecordable(format!(
            "ALTER DOMAIN of {name} is not recorded: its definition is not one strata can alter; drop it and create it again"
        ))
    })?;
    let before = parts.clone();
    let mut parts = parts;
    if c.eat_all(&["SET", "DEFAULT"]) {
        parts.default = Some(default_expr(&mut c)?);
    } else if c.eat_all(&["DROP", "DEFAULT"]) {
        parts.default = None;
    } else if c.eat_all(&["SET", "NOT", "NULL"]) {
        parts.not_null = true;
    } else if c.eat_all(&["DROP", "NOT", "NULL"]) {
        parts.not_null = false;
    } else if c.eat("ADD") {
        let named = if c.eat("CONSTRAINT") {
            Some(c.ident()?)
        } else {
            None
        };
        if !c.eat("CHECK") {
            return refuse("ALTER DOMAIN ... ADD records a CHECK constraint only");
        }
        let (_, expr) = c.parenthesized_expr()?;
        if c.peek_is("NOT") {
            return refuse(
                "NOT VALID is not recorded: strata records constraints that hold for every value",
            );
        }
        parts.checks.push((named, expr));
    } else if c.eat_all(&["DROP", "CONSTRAINT"]) {
        let if_exists = c.eat_all(&["IF", "EXISTS"]);
        let gone = c.ident()?;
        if c.peek_is("CASCADE") {
            return refuse(
                "CASCADE is not recorded: drop what depends on it first, in the same change",
            );
        }
        c.eat("RESTRICT");
        match parts
            .named_checks(&name)
            .iter()
            .position(|(n, _)| *n == gone)
        {
            Some(at) => {
                parts.checks.remove(at);
            }
            None if if_exists => return Ok(()),
            None => {
                return Err(Fault::Project(ProjectError::NoSuchObject {
                    kind: "constraint",
                    name: format!("{gone} on domain {name}"),
                }))
            }
        }
    } else {
        return refuse(format!(
            "this ALTER DOMAIN of {name} is not recorded: strata records SET / DROP DEFAULT, SET / DROP NOT NULL, ADD CHECK and DROP CONSTRAINT"
        ));
    }
    c.expect_end()?;
    if parts == before {
        return Ok(());
    }
    replace(rec, from, parts.create(&name))
}

/// The statements that take sequence or domain `from` to `to` in place:
/// None where that cannot be done (not a sequence or a domain, or a
/// domain whose type or collation changes), and the definition is dropped
/// and made again.
pub(crate) fn in_place(from: &Definition, to: &Definition) -> Option<Vec<String>> {
    match (from.kind, to.kind) {
        (DefinitionKind::Sequence, DefinitionKind::Sequence) => {
            let (_, options) = read_sequence(&to.sql).ok()?;
            read_sequence(&from.sql).ok()?;
            Some(vec![options.alter(&to.name)])
        }
        (DefinitionKind::Domain, DefinitionKind::Domain) => {
            let (_, a) = read_domain(&from.sql).ok()?;
            let (_, b) = read_domain(&to.sql).ok()?;
            if a.ty != b.ty || a.collation != b.collation {
                return None;
            }
            let domain = ident(&to.name);
            let mut out = Vec::new();
            let (had, has) = (a.named_checks(&to.name), b.named_checks(&to.name));
            for (n, _) in had.iter().filter(|c| !has.contains(c)) {
                out.push(format!(
                    "ALTER DOMAIN {domain} DROP CONSTRAINT {}",
                    ident(n)
                ));
            }
            if a.default != b.default {
                out.push(match &b.default {
                    Some(d) => format!("ALTER DOMAIN {domain} SET DEFAULT {d}"),
                    None => format!("ALTER DOMAIN {domain} DROP DEFAULT"),
                });
            }
            if a.not_null != b.not_null {
                let verb = if b.not_null { "SET" } else { "DROP" };
                out.push(format!("ALTER DOMAIN {domain} {verb} NOT NULL"));
            }
            for (n, expr) in has.iter().filter(|c| !had.contains(c)) {
                out.push(format!(
                    "ALTER DOMAIN {domain} ADD CONSTRAINT {} CHECK ({expr})",
                    ident(n)
                ));
            }
            Some(out)
        }
        _ => None,
    }
}
