//! Definitions kept whole (see the module header): CREATE SEQUENCE, TYPE,
//! DOMAIN, [OR REPLACE] FUNCTION / PROCEDURE, AGGREGATE, MATERIALIZED
//! VIEW, COMMENT ON, and the DROP of each. Read here on the statement's
//! tokens, as far as strata needs: the name (a routine's with its
//! identity arguments, as `pg_get_function_identity_arguments` writes
//! them), and what the statement names outside a routine's body (its
//! `depends_on`). The text kept is the statement as written.

use sqlparser::ast::Statement as SqlStatement;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};
use strata_schema::{Definition, DefinitionKind, Op, ProjectError};

use super::cursor::Cursor;
use super::script::{is_significant, is_word, Source, Statement};
use super::{refuse, relation_exists, without_or_replace, Fault, Recorder, Relations};
use crate::render::ident;

/// The statement's significant tokens.
fn significant(statement: &Statement) -> Vec<TokenWithSpan> {
    statement
        .tokens
        .iter()
        .filter(|t| is_significant(&t.token))
        .cloned()
        .collect()
}

/// A word or quoted name, resolved as PostgreSQL resolves a name.
fn name_of(token: &Token) -> Option<String> {
    match token {
        Token::Word(w) => Some(super::cursor::fold(&sqlparser::ast::Ident {
            value: w.value.clone(),
            quote_style: w.quote_style,
            span: sqlparser::tokenizer::Span::empty(),
        })),
        _ => None,
    }
}

/// A possibly qualified name at `tokens[at..]`: the model's name (`public.`
/// left out, another schema's `schema.name`) and where it ends.
fn qualified(tokens: &[TokenWithSpan], at: usize) -> Result<(String, usize), Fault> {
    let first = tokens
        .get(at)
        .and_then(|t| name_of(&t.token))
        .ok_or_else(|| Fault::Syntax("expected a name".into()))?;
    if tokens.get(at + 1).map(|t| &t.token) == Some(&Token::Period) {
        let second = tokens
            .get(at + 2)
            .and_then(|t| name_of(&t.token))
            .ok_or_else(|| Fault::Syntax("expected a name after the period".into()))?;
        return Ok((super::cursor::qualify(Some(&first), &second)?, at + 3));
    }
    Ok((super::cursor::qualify(None, &first)?, at + 1))
}

/// The kind a statement's leading words make, and where its name starts.
fn create_kind(lead: &[String]) -> Option<(DefinitionKind, usize)> {
    let at = if lead.get(1).map(String::as_str) == Some("OR") {
        3
    } else {
        1
    };
    let kind = match lead.get(at).map(String::as_str)? {
        "SEQUENCE" => DefinitionKind::Sequence,
        "TYPE" => DefinitionKind::Type,
        "DOMAIN" => DefinitionKind::Domain,
        "FUNCTION" => DefinitionKind::Function,
        "PROCEDURE" => DefinitionKind::Procedure,
        "AGGREGATE" => DefinitionKind::Aggregate,
        "MATERIALIZED" => return Some((DefinitionKind::MaterializedView, at + 2)),
        _ => return None,
    };
    Some((kind, at + 1))
}

/// Whether the statement (its leading words, upper case) is one this
/// module reads.
pub(super) fn reads(lead: &[String]) -> bool {
    match lead.first().map(String::as_str) {
        Some("CREATE") => create_kind(lead).is_some(),
        Some("COMMENT") => true,
        Some("DROP") => matches!(
            lead.get(1).map(String::as_str),
            Some(
                "SEQUENCE"
                    | "TYPE"
                    | "DOMAIN"
                    | "FUNCTION"
                    | "PROCEDURE"
                    | "AGGREGATE"
                    | "MATERIALIZED"
            )
        ),
        _ => false,
    }
}

/// Record one statement this module reads.
pub(super) fn record(
    source: &Source,
    statement: &Statement,
    lead: &[String],
    rec: &mut Recorder,
) -> Result<(), Fault> {
    match lead[0].as_str() {
        "CREATE" => create(source, statement, lead, rec),
        "COMMENT" => comment(source, statement, rec),
        _ => drop(source, statement, rec),
    }
}

fn upper(t: &TokenWithSpan) -> String {
    match &t.token {
        Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
        _ => String::new(),
    }
}

fn create(
    source: &Source,
    statement: &Statement,
    lead: &[String],
    rec: &mut Recorder,
) -> Result<(), Fault> {
    let (kind, at) = create_kind(lead).ok_or(Fault::Unsupported)?;
    let or_replace = lead[1] == "OR";
    if or_replace && !matches!(kind, DefinitionKind::Function | DefinitionKind::Procedure) {
        return Err(Fault::Unsupported);
    }
    if kind == DefinitionKind::MaterializedView {
        return materialized_view(source, statement, rec);
    }
    let tokens = significant(statement);
    let mut at = at;
    let if_not_exists = ["IF", "NOT", "EXISTS"]
        .iter()
        .enumerate()
        .all(|(k, w)| tokens.get(at + k).is_some_and(|t| is_word(&t.token, w)));
    if if_not_exists {
        at += 3;
    }
    let (base, after) = qualified(&tokens, at)?;
    let name = match kind {
        DefinitionKind::Function | DefinitionKind::Procedure | DefinitionKind::Aggregate => {
            let (args, _) = arguments(source, &tokens, after, kind)?;
            format!("{base}({args})")
        }
        _ => base,
    };
    if kind == DefinitionKind::Aggregate && tokens.iter().any(|t| is_word(&t.token, "BASETYPE")) {
        return refuse(
            "the old CREATE AGGREGATE syntax (BASETYPE = ...) is not recorded: write CREATE AGGREGATE name (argument types) (...)",
        );
    }
    let exists = rec.schema.definitions.get(&name).cloned();
    if if_not_exists && (exists.is_some() || relation_exists(&rec.schema, &name)) {
        return Ok(());
    }
    if kind == DefinitionKind::Sequence && tokens.iter().any(|t| is_word(&t.token, "OWNED")) {
        return super::alter::create_owned_sequence(statement, rec);
    }
    let depends_on = names_read(rec, &tokens, &name);
    let sql = if or_replace {
        without_or_replace(source, statement)
    } else {
        statement.text.to_string()
    };
    let definition = Definition {
        kind,
        name,
        sql,
        depends_on,
    };
    match exists {
        Some(from) if or_replace => {
            if from.kind != kind {
                return refuse(format!(
                    "{} is a {}, not a {}",
                    from.name,
                    from.kind.describe(),
                    kind.describe()
                ));
            }
            if from.sql == definition.sql && from.depends_on == definition.depends_on {
                return Ok(());
            }
            rec.push(Op::ReplaceDefinition {
                from,
                to: definition,
            })
        }
        _ => rec.push(Op::CreateDefinition { definition }),
    }
}

/// The names of tables, views and definitions the statement names outside
/// a routine's body (one dollar-quoted token, not read), `own` left out.
fn names_read(rec: &Recorder, tokens: &[TokenWithSpan], own: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tokens {
        let Some(word) = name_of(&t.token) else {
            continue;
        };
        let mut found: Vec<String> = Vec::new();
        if rec.schema.tables.contains_key(&word) || rec.schema.views.contains_key(&word) {
            found.push(word.clone());
        }
        let call = format!("{word}(");
        for (key, d) in &rec.schema.definitions {
            if d.kind == DefinitionKind::Comment {
                continue;
            }
            if *key == word || key.starts_with(&call) {
                found.push(key.clone());
            }
        }
        for f in found {
            if f != own && !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

/// `( arguments )` at `tokens[at]`: the identity arguments as
/// `pg_get_function_identity_arguments` writes them, and where they end.
fn arguments(
    source: &Source,
    tokens: &[TokenWithSpan],
    at: usize,
    kind: DefinitionKind,
) -> Result<(String, usize), Fault> {
    if tokens.get(at).map(|t| &t.token) != Some(&Token::LParen) {
        return Err(Fault::Syntax(format!(
            "expected the {}'s arguments in parentheses",
            kind.describe()
        )));
    }
    let mut depth = 0usize;
    let mut args: Vec<Vec<TokenWithSpan>> = vec![Vec::new()];
    let mut end = None;
    for (k, t) in tokens.iter().enumerate().skip(at) {
        match &t.token {
            Token::LParen | Token::LBracket => {
                depth += 1;
                if depth == 1 && t.token == Token::LParen {
                    continue;
                }
            }
            Token::RParen | Token::RBracket => {
                depth -= 1;
                if depth == 0 {
                    end = Some(k + 1);
                    break;
                }
            }
            Token::Comma if depth == 1 => {
                args.push(Vec::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = args.last_mut() {
            last.push(t.clone());
        }
    }
    let end = end.ok_or_else(|| Fault::Syntax("unbalanced parentheses".into()))?;
    let mut out = Vec::new();
    for arg in args.iter().filter(|a| !a.is_empty()) {
        if arg.len() == 1 && arg[0].token == Token::Mul {
            out.push("*".to_string());
            continue;
        }
        if let Some(one) = argument(source, arg, kind) {
            out.push(one);
        }
    }
    Ok((out.join(", "), end))
}

/// One argument as `pg_get_function_identity_arguments` writes it: OUT
/// arguments included, a procedure's modes all written.
fn argument(source: &Source, arg: &[TokenWithSpan], kind: DefinitionKind) -> Option<String> {
    let mut arg = arg;
    // Up to DEFAULT or `=`.
    if let Some(cut) = arg
        .iter()
        .position(|t| is_word(&t.token, "DEFAULT") || t.token == Token::Eq)
    {
        arg = &arg[..cut];
    }
    let mut mode = None;
    if let Some(first) = arg.first() {
        let m = upper(first);
        if matches!(m.as_str(), "IN" | "OUT" | "INOUT" | "VARIADIC") && arg.len() > 1 {
            mode = Some(m);
            arg = &arg[1..];
        }
    }
    let whole = type_text(source, arg);
    let (name, ty) = if arg.len() > 1 && !is_type(&whole) {
        (name_of(&arg[0].token), type_text(source, &arg[1..]))
    } else {
        (None, whole)
    };
    let mut out = String::new();
    // A procedure's arguments are all marked, IN too (PostgreSQL's
    // print_function_arguments).
    let mode = match mode {
        None if kind == DefinitionKind::Procedure => Some("IN".to_string()),
        Some(m) if m == "IN" && kind != DefinitionKind::Procedure => None,
        m => m,
    };
    if let Some(m) = mode {
        out.push_str(&m);
        out.push(' ');
    }
    if let Some(n) = name {
        out.push_str(&ident(&n));
        out.push(' ');
    }
    out.push_str(&canonical_type(&ty));
    Some(out)
}

/// The tokens' text, unquoted words in lower case, one space between
/// words.
fn type_text(source: &Source, tokens: &[TokenWithSpan]) -> String {
    let mut out = String::new();
    for t in tokens {
        let text = match &t.token {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_lowercase(),
            _ => source.text_of(std::slice::from_ref(t)).trim().to_string(),
        };
        let glue = matches!(
            t.token,
            Token::LParen
                | Token::RParen
                | Token::LBracket
                | Token::RBracket
                | Token::Comma
                | Token::Period
        ) || out.ends_with(['(', '[', '.']);
        if !out.is_empty() && !glue {
            out.push(' ');
        }
        out.push_str(&text);
    }
    out
}

/// Whether `text` is a whole type name of several words.
fn is_type(text: &str) -> bool {
    let base = text.split(['(', '[']).next().unwrap_or("").trim();
    matches!(
        base,
        "double precision"
            | "character varying"
            | "bit varying"
            | "timestamp with time zone"
            | "timestamp without time zone"
            | "time with time zone"
            | "time without time zone"
    )
}

/// A type as `format_type` writes it in a signature (no modifiers).
pub(crate) fn canonical_type(text: &str) -> String {
    let array = text.ends_with(']');
    let base = text.split(['(', '[']).next().unwrap_or("").trim();
    let base = base.strip_prefix("public.").unwrap_or(base);
    let name = match base {
        "int" | "int4" | "integer" => "integer",
        "int8" | "bigint" => "bigint",
        "int2" | "smallint" => "smallint",
        "bool" | "boolean" => "boolean",
        "float8" | "double precision" | "float" => "double precision",
        "float4" | "real" => "real",
        "varchar" | "character varying" => "character varying",
        "char" | "character" | "bpchar" => "character",
        "decimal" | "numeric" => "numeric",
        "timestamptz" | "timestamp with time zone" => "timestamp with time zone",
        "timestamp" | "timestamp without time zone" => "timestamp without time zone",
        "timetz" | "time with time zone" => "time with time zone",
        "time" | "time without time zone" => "time without time zone",
        other => other,
    };
    if array {
        format!("{name}[]")
    } else {
        name.to_string()
    }
}

/// CREATE MATERIALIZED VIEW, kept whole; its `depends_on` are the
/// relations its query reads, as a view's.
fn materialized_view(
    source: &Source,
    statement: &Statement,
    rec: &mut Recorder,
) -> Result<(), Fault> {
    // sqlparser does not read WITH [NO] DATA: read without it.
    let mut tokens = statement.tokens.clone();
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| is_significant(&tokens[i].token))
        .collect();
    let n = sig.len();
    let tail = |words: &[&str]| {
        n > words.len()
            && sig[n - words.len()..]
                .iter()
                .zip(words)
                .all(|(&i, w)| is_word(&tokens[i].token, w))
    };
    let cut = if tail(&["WITH", "NO", "DATA"]) {
        3
    } else if tail(&["WITH", "DATA"]) {
        2
    } else {
        0
    };
    for &i in &sig[n - cut..] {
        tokens[i].token = Token::Whitespace(Whitespace::Space);
    }
    let mut c = Cursor::new(source, tokens);
    let SqlStatement::CreateView(view) = c.statement()? else {
        return Err(Fault::Unsupported);
    };
    c.expect_end()?;
    let name = super::cursor::object_name(&view.name)?;
    if view.if_not_exists
        && (relation_exists(&rec.schema, &name) || rec.schema.definitions.contains_key(&name))
    {
        return Ok(());
    }
    let depends_on = Relations::read(&view.query, Some(&name))?;
    rec.push(Op::CreateDefinition {
        definition: Definition {
            kind: DefinitionKind::MaterializedView,
            name,
            sql: statement.text.to_string(),
            depends_on,
        },
    })
}

/// COMMENT ON kind target IS 'text' | NULL: a comment made, replaced or
/// (IS NULL) dropped. Named `KIND target` (see the module header).
fn comment(source: &Source, statement: &Statement, rec: &mut Recorder) -> Result<(), Fault> {
    let tokens = significant(statement);
    if !tokens.get(1).is_some_and(|t| is_word(&t.token, "ON")) {
        return Err(Fault::Syntax("expected COMMENT ON".into()));
    }
    let mut at = 2;
    let mut kind = upper(tokens.get(at).ok_or(Fault::Unsupported)?);
    at += 1;
    if kind == "MATERIALIZED" {
        if !tokens.get(at).is_some_and(|t| is_word(&t.token, "VIEW")) {
            return Err(Fault::Syntax("expected MATERIALIZED VIEW".into()));
        }
        at += 1;
        kind = "MATERIALIZED VIEW".into();
    }
    let (target, depends) = match kind.as_str() {
        "TABLE" | "VIEW" | "MATERIALIZED VIEW" | "INDEX" | "SEQUENCE" | "TYPE" | "DOMAIN" => {
            let (name, next) = qualified(&tokens, at)?;
            at = next;
            let exists = match kind.as_str() {
                "TABLE" => rec.schema.tables.contains_key(&name),
                "VIEW" => rec.schema.views.contains_key(&name),
                "INDEX" => rec.schema.indexes.contains_key(&name),
                _ => rec.schema.definitions.contains_key(&name),
            };
            if !exists {
                return Err(Fault::Project(ProjectError::NoSuchObject {
                    kind: "object",
                    name,
                }));
            }
            (ident(&name), name)
        }
        "CONSTRAINT" | "TRIGGER" => {
            // name ON [schema.]table
            let name = tokens
                .get(at)
                .and_then(|t| name_of(&t.token))
                .ok_or_else(|| Fault::Syntax(format!("expected COMMENT ON {kind} name ON table")))?;
            if !tokens.get(at + 1).is_some_and(|t| is_word(&t.token, "ON")) {
                return Err(Fault::Syntax(format!("expected COMMENT ON {kind} name ON table")));
            }
            if tokens.get(at + 2).is_some_and(|t| is_word(&t.token, "DOMAIN")) {
                return refuse("COMMENT ON CONSTRAINT ... ON DOMAIN is not recorded: strata keeps a domain whole, with its constraints");
            }
            let (table, next) = qualified(&tokens, at + 2)?;
            at = next;
            let t = rec
                .schema
                .tables
                .get(&table)
                .ok_or_else(|| Fault::Project(ProjectError::NoSuchTable(table.clone())))?;
            let found = if kind == "TRIGGER" {
                rec.schema
                    .triggers
                    .contains_key(&strata_dialect::postgres::RULES.trigger_key(&table, &name))
            } else {
                constraint_names(t).any(|n| n == name)
            };
            if !found {
                return Err(Fault::Project(ProjectError::NoSuchObject {
                    kind: if kind == "TRIGGER" { "trigger" } else { "constraint" },
                    name: format!("{name} on {table}"),
                }));
            }
            (format!("{} ON {}", ident(&name), ident(&table)), table)
        }
        "COLUMN" => {
            // [public.]table.column
            let mut parts = vec![];
            loop {
                let part = tokens
                    .get(at)
                    .and_then(|t| name_of(&t.token))
                    .ok_or_else(|| Fault::Syntax("expected COMMENT ON COLUMN table.column".into()))?;
                parts.push(part);
                at += 1;
                if tokens.get(at).map(|t| &t.token) != Some(&Token::Period) {
                    break;
                }
                at += 1;
            }
            let (table, column) = match parts.as_slice() {
                [t, c] => (super::cursor::qualify(None, t)?, c.clone()),
                [s, t, c] => (super::cursor::qualify(Some(s), t)?, c.clone()),
                _ => return Err(Fault::Syntax("expected COMMENT ON COLUMN table.column".into())),
            };
            let found = rec
                .schema
                .tables
                .get(&table)
                .is_some_and(|t| t.columns.iter().any(|c| c.name == column));
            if !found {
                return Err(Fault::Project(ProjectError::NoSuchColumn { table, column }));
            }
            (format!("{}.{}", ident(&table), ident(&column)), table)
        }
        "FUNCTION" | "PROCEDURE" | "AGGREGATE" => {
            let (base, next) = qualified(&tokens, at)?;
            let dk = match kind.as_str() {
                "FUNCTION" => DefinitionKind::Function,
                "PROCEDURE" => DefinitionKind::Procedure,
                _ => DefinitionKind::Aggregate,
            };
            let (args, next) = arguments(source, &tokens, next, dk)?;
            at = next;
            let key = format!("{base}({args})");
            if !rec.schema.definitions.contains_key(&key) {
                return Err(Fault::Project(ProjectError::NoSuchObject {
                    kind: dk.describe(),
                    name: key,
                }));
            }
            (format!("{}({args})", ident(&base)), key)
        }
        other => {
            return refuse(format!(
                "COMMENT ON {other} is not recorded: strata keeps comments on tables, columns, constraints, triggers, views, materialized views, indexes, sequences, types, domains and routines"
            ))
        }
    };
    if !tokens.get(at).is_some_and(|t| is_word(&t.token, "IS")) {
        return Err(Fault::Syntax("expected IS 'text' or IS NULL".into()));
    }
    let name = format!("{kind} {target}");
    let value = tokens.get(at + 1).map(|t| &t.token);
    let old = rec.schema.definitions.get(&name).cloned();
    if value.is_some_and(|t| matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("NULL"))) {
        return match old {
            Some(definition) => rec.push(Op::DropDefinition { definition }),
            None => Ok(()),
        };
    }
    if tokens.len() != at + 2 {
        return Err(Fault::Syntax("expected one string after IS".into()));
    }
    let definition = Definition {
        kind: DefinitionKind::Comment,
        name,
        sql: statement.text.to_string(),
        depends_on: vec![depends],
    };
    match old {
        Some(from) if from == definition => Ok(()),
        Some(from) => rec.push(Op::ReplaceDefinition {
            from,
            to: definition,
        }),
        None => rec.push(Op::CreateDefinition { definition }),
    }
}

/// DROP kind [IF EXISTS] name, ...: each definition dropped, with the
/// comment on it first (and a materialized view's indexes).
fn drop(source: &Source, statement: &Statement, rec: &mut Recorder) -> Result<(), Fault> {
    let tokens = significant(statement);
    let mut at = 1;
    let word = upper(&tokens[at]);
    at += 1;
    let kind = match word.as_str() {
        "SEQUENCE" => DefinitionKind::Sequence,
        "TYPE" => DefinitionKind::Type,
        "DOMAIN" => DefinitionKind::Domain,
        "FUNCTION" => DefinitionKind::Function,
        "PROCEDURE" => DefinitionKind::Procedure,
        "AGGREGATE" => DefinitionKind::Aggregate,
        _ => {
            if !tokens.get(at).is_some_and(|t| is_word(&t.token, "VIEW")) {
                return Err(Fault::Unsupported);
            }
            at += 1;
            DefinitionKind::MaterializedView
        }
    };
    let if_exists = tokens.get(at).is_some_and(|t| is_word(&t.token, "IF"))
        && tokens
            .get(at + 1)
            .is_some_and(|t| is_word(&t.token, "EXISTS"));
    if if_exists {
        at += 2;
    }
    let mut names = Vec::new();
    loop {
        let (base, next) = qualified(&tokens, at)?;
        at = next;
        let routine = matches!(
            kind,
            DefinitionKind::Function | DefinitionKind::Procedure | DefinitionKind::Aggregate
        );
        let name = if routine && tokens.get(at).map(|t| &t.token) == Some(&Token::LParen) {
            let (args, next) = arguments(source, &tokens, at, kind)?;
            at = next;
            format!("{base}({args})")
        } else if routine {
            // No arguments: the one routine of that name.
            let call = format!("{base}(");
            let found: Vec<&String> = rec
                .schema
                .definitions
                .keys()
                .filter(|k| k.starts_with(&call))
                .collect();
            match found.as_slice() {
                [one] => (*one).clone(),
                [] => format!("{base}()"),
                _ => {
                    return refuse(format!(
                        "{base} names more than one {}: write its arguments",
                        kind.describe()
                    ))
                }
            }
        } else {
            base
        };
        names.push(name);
        if tokens.get(at).map(|t| &t.token) == Some(&Token::Comma) {
            at += 1;
            continue;
        }
        break;
    }
    if tokens.get(at).is_some_and(|t| is_word(&t.token, "CASCADE")) {
        return refuse(
            "CASCADE is not recorded: drop what depends on it first, in the same change",
        );
    }
    if tokens
        .get(at)
        .is_some_and(|t| is_word(&t.token, "RESTRICT"))
    {
        at += 1;
    }
    if at != tokens.len() {
        return Err(Fault::Syntax("expected the end of the statement".into()));
    }
    for name in names {
        match rec.schema.definitions.get(&name).cloned() {
            Some(d) if d.kind == kind => {
                drop_comments(rec, &d.name)?;
                // A materialized view's indexes go with it, as PostgreSQL
                // drops them.
                let indexes: Vec<strata_schema::Index> = rec
                    .schema
                    .indexes
                    .values()
                    .filter(|i| i.table == d.name)
                    .cloned()
                    .collect();
                for index in indexes {
                    rec.push(Op::DropIndex { index })?;
                }
                rec.push(Op::DropDefinition { definition: d })?;
            }
            Some(d) => {
                return refuse(format!(
                    "{name} is a {}, not a {}",
                    d.kind.describe(),
                    kind.describe()
                ))
            }
            None if if_exists => {}
            None => {
                return Err(Fault::Project(ProjectError::NoSuchObject {
                    kind: kind.describe(),
                    name,
                }))
            }
        }
    }
    Ok(())
}

/// Record the drop of the comments on `target` (a table's, its columns',
/// or a definition's) and of the sequence ownerships that name it, before
/// `target` goes.
pub(super) fn drop_comments(rec: &mut Recorder, target: &str) -> Result<(), Fault> {
    let comments: Vec<Definition> = rec
        .schema
        .definitions
        .values()
        .filter(|d| {
            matches!(d.kind, DefinitionKind::Comment | DefinitionKind::Ownership)
                && d.depends_on.iter().any(|x| x == target)
        })
        .cloned()
        .collect();
    for definition in comments {
        rec.push(Op::DropDefinition { definition })?;
    }
    Ok(())
}

/// The names of a table's constraints.
fn constraint_names(t: &strata_schema::Table) -> impl Iterator<Item = &str> {
    t.primary_key
        .iter()
        .filter_map(|k| k.name.as_deref())
        .chain(t.uniques.iter().filter_map(|u| u.name.as_deref()))
        .chain(t.checks.iter().filter_map(|c| c.name.as_deref()))
        .chain(t.foreign_keys.iter().filter_map(|f| f.name.as_deref()))
}

/// Record the drop of the comment on constraint or trigger `name` of
/// `table` (`kind` `CONSTRAINT` or `TRIGGER`), before it goes (PostgreSQL
/// drops the comment with it).
pub(super) fn drop_comment_on(
    rec: &mut Recorder,
    kind: &str,
    table: &str,
    name: Option<&str>,
) -> Result<(), Fault> {
    match name {
        Some(name) => drop_comment(rec, &format!("{kind} {} ON {}", ident(name), ident(table))),
        None => Ok(()),
    }
}

/// Record the drop of the comment on column `column` of `table`, before
/// the column goes (PostgreSQL drops it with the column).
pub(super) fn drop_column_comment(
    rec: &mut Recorder,
    table: &str,
    column: &str,
) -> Result<(), Fault> {
    drop_comment(rec, &format!("COLUMN {}.{}", ident(table), ident(column)))
}

/// Record the drop of comment `name` (`KIND target`), when there is one.
fn drop_comment(rec: &mut Recorder, name: &str) -> Result<(), Fault> {
    match rec.schema.definitions.get(name).cloned() {
        Some(definition) if definition.kind == DefinitionKind::Comment => {
            rec.push(Op::DropDefinition { definition })
        }
        _ => Ok(()),
    }
}

/// A serial column of `table` expanded as PostgreSQL expands it: the
/// sequence `<table>_<column>_seq` (a number added while the name is
/// taken) made first, and the column `integer` (`bigint`, `smallint`)
/// NOT NULL DEFAULT `nextval('<sequence>'::regclass)`; the sequence's
/// name, which the caller makes the column's once the column is there
/// ([`own`]), so it goes with the column, as PostgreSQL's does.
pub(super) fn expand_serial(
    rec: &mut Recorder,
    table: &str,
    column: &mut strata_schema::Column,
) -> Result<Option<String>, Fault> {
    let base = match column.ty.as_str() {
        "serial" | "serial4" => "integer",
        "bigserial" | "serial8" => "bigint",
        "smallserial" | "serial2" => "smallint",
        _ => return Ok(None),
    };
    if column.default.is_some() || column.generated.is_some() {
        return refuse(format!(
            "column {table}.{} is {} and has a default of its own: a serial column's default is its sequence",
            column.name, column.ty
        ));
    }
    let stem = format!("{table}_{}", column.name);
    let taken = |n: &str| {
        rec.schema.definitions.contains_key(n)
            || rec.schema.tables.contains_key(n)
            || rec.schema.views.contains_key(n)
            || rec.schema.indexes.contains_key(n)
    };
    let mut name = format!("{stem}_seq");
    let mut k = 0;
    while taken(&name) {
        k += 1;
        name = format!("{stem}_seq{k}");
    }
    if name.len() > 63 {
        return refuse(format!(
            "the sequence of serial column {table}.{} would be named {name}, longer than PostgreSQL's 63 bytes; create a sequence of a shorter name and give the column DEFAULT nextval(...)",
            column.name
        ));
    }
    rec.push(Op::CreateDefinition {
        definition: Definition {
            kind: DefinitionKind::Sequence,
            name: name.clone(),
            sql: format!("CREATE SEQUENCE {} AS {base}", ident(&name)),
            depends_on: Vec::new(),
        },
    })?;
    column.ty = base.to_string();
    column.not_null = true;
    column.default = Some(format!(
        "nextval({}::regclass)",
        crate::render::literal(&ident(&name))
    ));
    Ok(Some(name))
}

/// Record that `sequence` belongs to `column` of `table` (`OWNED BY`),
/// in place of whatever it belonged to.
pub(super) fn own(
    rec: &mut Recorder,
    sequence: &str,
    table: &str,
    column: &str,
) -> Result<(), Fault> {
    let to = crate::render::ownership(sequence, table, column);
    match rec.schema.definitions.get(&to.name).cloned() {
        Some(from) if from == to => Ok(()),
        Some(from) => rec.push(Op::ReplaceDefinition { from, to }),
        None => rec.push(Op::CreateDefinition { definition: to }),
    }
}

/// Record that `sequence` belongs to no column (`OWNED BY NONE`).
pub(super) fn disown(rec: &mut Recorder, sequence: &str) -> Result<(), Fault> {
    let name = crate::render::ownership_name(sequence);
    match rec.schema.definitions.get(&name).cloned() {
        Some(definition) => rec.push(Op::DropDefinition { definition }),
        None => Ok(()),
    }
}

/// The sequences that belong to a column of `table` (to `column` only,
/// when given), with the column.
pub(super) fn owned_by(rec: &Recorder, table: &str, column: Option<&str>) -> Vec<(String, String)> {
    rec.schema
        .definitions
        .values()
        .filter(|d| {
            d.kind == DefinitionKind::Ownership && d.depends_on.get(1).is_some_and(|t| t == table)
        })
        .filter_map(|d| {
            let sequence = crate::render::owned_sequence(d).to_string();
            let t = rec.schema.tables.get(table)?;
            let c = t.columns.iter().find(|c| {
                column.is_none_or(|x| x == c.name)
                    && crate::render::ownership(&sequence, table, &c.name).sql == d.sql
            })?;
            Some((sequence, c.name.clone()))
        })
        .collect()
}

/// Record the drop of `sequence`, owned by a column that went: PostgreSQL
/// drops it with the column.
pub(super) fn drop_owned(rec: &mut Recorder, sequence: &str) -> Result<(), Fault> {
    drop_comments(rec, sequence)?;
    match rec.schema.definitions.get(sequence).cloned() {
        Some(definition) => rec.push(Op::DropDefinition { definition }),
        None => Ok(()),
    }
}

/// The labels of an enum type's statement, `None` when it is not one.
pub(crate) fn enum_labels(sql: &str) -> Option<Vec<String>> {
    let tokens = super::script::tokenize(sql).ok()?;
    let sig: Vec<&TokenWithSpan> = tokens.iter().filter(|t| is_significant(&t.token)).collect();
    let at = sig.iter().position(|t| is_word(&t.token, "ENUM"))?;
    let mut out = Vec::new();
    for t in &sig[at + 1..] {
        match &t.token {
            Token::SingleQuotedString(s) => out.push(s.clone()),
            Token::LParen | Token::Comma => {}
            Token::RParen => return Some(out),
            _ => return None,
        }
    }
    None
}

/// ALTER TYPE name ADD VALUE \[IF NOT EXISTS\] 'v' \[BEFORE | AFTER 'w'\]
/// and ALTER TYPE name RENAME VALUE 'a' TO 'b': the enum type replaced by
/// one with the labels it then has (`CREATE TYPE name AS ENUM (...)`).
pub(super) fn alter_type(
    _source: &Source,
    statement: &Statement,
    rec: &mut Recorder,
) -> Result<(), Fault> {
    let tokens = significant(statement);
    let (name, mut at) = qualified(&tokens, 2)?;
    let from = match rec.schema.definitions.get(&name) {
        Some(d) if d.kind == DefinitionKind::Type => d.clone(),
        _ => {
            return Err(Fault::Project(ProjectError::NoSuchObject {
                kind: "type",
                name,
            }))
        }
    };
    let Some(mut labels) = enum_labels(&from.sql) else {
        return refuse(format!(
            "ALTER TYPE of {name} is not recorded: only an enum type's values are altered; drop the type and create it again"
        ));
    };
    let word = |at: usize, w: &str| tokens.get(at).is_some_and(|t| is_word(&t.token, w));
    let string = |at: usize| match tokens.get(at).map(|t| &t.token) {
        Some(Token::SingleQuotedString(s)) => Ok(s.clone()),
        _ => Err(Fault::Syntax("expected a quoted enum value".into())),
    };
    if word(at, "ADD") && word(at + 1, "VALUE") {
        at += 2;
        let if_not_exists = word(at, "IF") && word(at + 1, "NOT") && word(at + 2, "EXISTS");
        if if_not_exists {
            at += 3;
        }
        let value = string(at)?;
        at += 1;
        if labels.contains(&value) {
            if if_not_exists {
                return Ok(());
            }
            return refuse(format!("enum {name} already has the value '{value}'"));
        }
        let place = if word(at, "BEFORE") || word(at, "AFTER") {
            let before = word(at, "BEFORE");
            let other = string(at + 1)?;
            at += 2;
            let k = labels.iter().position(|l| *l == other).ok_or_else(|| {
                Fault::NotRecordable(format!("enum {name} has no value '{other}'"))
            })?;
            if before {
                k
            } else {
                k + 1
            }
        } else {
            labels.len()
        };
        labels.insert(place, value);
    } else if word(at, "RENAME") && word(at + 1, "VALUE") {
        let old = string(at + 2)?;
        if !word(at + 3, "TO") {
            return Err(Fault::Syntax("expected RENAME VALUE 'old' TO 'new'".into()));
        }
        let new = string(at + 4)?;
        at += 5;
        let k = labels
            .iter()
            .position(|l| *l == old)
            .ok_or_else(|| Fault::NotRecordable(format!("enum {name} has no value '{old}'")))?;
        if labels.contains(&new) {
            return refuse(format!("enum {name} already has the value '{new}'"));
        }
        labels[k] = new;
    } else {
        return refuse(format!(
            "this ALTER TYPE of {name} is not recorded: strata records ADD VALUE and RENAME VALUE"
        ));
    }
    if at != tokens.len() {
        return Err(Fault::Syntax("expected the end of the statement".into()));
    }
    let to = Definition {
        sql: enum_sql(&name, &labels),
        ..from.clone()
    };
    rec.push(Op::ReplaceDefinition { from, to })
}

/// `CREATE TYPE name AS ENUM ('a', ...)`.
pub(crate) fn enum_sql(name: &str, labels: &[String]) -> String {
    let labels: Vec<String> = labels.iter().map(|l| crate::render::literal(l)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        ident(name),
        labels.join(", ")
    )
}
