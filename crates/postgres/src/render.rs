//! PostgreSQL DDL for the model: the statements that build a schema, and
//! the pieces the planner writes (a column's definition, a constraint's).

use std::collections::BTreeSet;

use strata_schema::{
    Check, Column, FkAction, ForeignKey, Index, IndexTerm, PrimaryKey, Schema, Table, Unique,
};

/// `name` as an identifier PostgreSQL reads back as exactly `name`: bare
/// when it can be, quoted otherwise.
pub fn ident(name: &str) -> String {
    strata_dialect::postgres::text::quote_ident(name)
}

/// `text` as a string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A list of identifiers, comma-separated.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| ident(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column's definition, as CREATE TABLE and ADD COLUMN write it.
pub fn column(c: &Column) -> String {
    let mut s = format!("{} {}", ident(&c.name), c.ty);
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {}", ident(coll)));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.expr));
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    s
}

fn named(name: &Option<String>) -> String {
    match name {
        Some(n) => format!("CONSTRAINT {} ", ident(n)),
        None => String::new(),
    }
}

pub fn primary_key(pk: &PrimaryKey) -> String {
    format!("{}PRIMARY KEY ({})", named(&pk.name), idents(&pk.columns))
}

pub fn unique(u: &Unique) -> String {
    format!("{}UNIQUE ({})", named(&u.name), idents(&u.columns))
}

pub fn check(c: &Check) -> String {
    format!("{}CHECK ({})", named(&c.name), c.expr)
}

fn action(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "NO ACTION",
        FkAction::Restrict => "RESTRICT",
        FkAction::SetNull => "SET NULL",
        FkAction::SetDefault => "SET DEFAULT",
        FkAction::Cascade => "CASCADE",
    }
}

pub fn foreign_key(fk: &ForeignKey) -> String {
    let mut s = format!(
        "{}FOREIGN KEY ({}) REFERENCES {}",
        named(&fk.name),
        idents(&fk.columns),
        ident(&fk.ref_table)
    );
    if !fk.ref_columns.is_empty() {
        s.push_str(&format!(" ({})", idents(&fk.ref_columns)));
    }
    if fk.on_update != FkAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", action(fk.on_update)));
    }
    if fk.on_delete != FkAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", action(fk.on_delete)));
    }
    if fk.deferred {
        s.push_str(" DEFERRABLE INITIALLY DEFERRED");
    }
    s
}

/// `CREATE TABLE`, with the foreign keys `fks` says to write inline, and
/// after it the uniques CREATE TABLE would lose.
///
/// Inside CREATE TABLE, PostgreSQL keeps one index of several on the same
/// columns: a unique on the primary key's columns, or on an earlier
/// unique's, is merged into it and its name dropped. Such a unique is
/// added by ALTER TABLE after, which makes a constraint of its own.
pub fn create_table(t: &Table, fks: &dyn Fn(&ForeignKey) -> bool) -> Vec<String> {
    let mut parts: Vec<String> = t.columns.iter().map(column).collect();
    let mut keys: Vec<&Vec<String>> = Vec::new();
    if let Some(pk) = &t.primary_key {
        parts.push(primary_key(pk));
        keys.push(&pk.columns);
    }
    let mut after = Vec::new();
    for u in &t.uniques {
        if keys.contains(&&u.columns) {
            after.push(format!("ALTER TABLE {} ADD {}", ident(&t.name), unique(u)));
        } else {
            keys.push(&u.columns);
            parts.push(unique(u));
        }
    }
    parts.extend(t.checks.iter().map(check));
    parts.extend(t.foreign_keys.iter().filter(|f| fks(f)).map(foreign_key));
    let mut out = vec![format!(
        "CREATE TABLE {} (\n    {}\n)",
        ident(&t.name),
        parts.join(",\n    ")
    )];
    out.extend(after);
    out
}

pub fn create_index(i: &Index) -> String {
    let terms: Vec<String> = i
        .columns
        .iter()
        .map(|c| {
            let mut s = match &c.term {
                IndexTerm::Column(n) => ident(n),
                IndexTerm::Expr(e) => format!("({e})"),
            };
            if let Some(coll) = &c.collation {
                s.push_str(&format!(" COLLATE {}", ident(coll)));
            }
            if c.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect();
    let mut s = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        ident(&i.name),
        ident(&i.table),
        terms.join(", ")
    );
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// The statements that build `schema` in an empty schema, in an order that
/// runs: tables (a foreign key to a table made later is added after it),
/// indexes, views after what they read, then triggers.
pub fn render_schema(schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let mut made: BTreeSet<&str> = BTreeSet::new();
    let mut later = Vec::new();
    for t in schema.tables.values() {
        made.insert(&t.name);
        let inline = |fk: &ForeignKey| made.contains(fk.ref_table.as_str());
        out.extend(create_table(t, &inline));
        for fk in t.foreign_keys.iter().filter(|f| !inline(f)) {
            later.push(format!(
                "ALTER TABLE {} ADD {}",
                ident(&t.name),
                foreign_key(fk)
            ));
        }
    }
    out.extend(later);
    out.extend(schema.indexes.values().map(create_index));
    for v in views_in_order(schema) {
        out.push(v.to_string());
    }
    out.extend(schema.triggers.values().map(|t| t.sql.clone()));
    out
}

/// The views' statements, each after the views it reads.
fn views_in_order(schema: &Schema) -> Vec<&str> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    let mut pending: Vec<_> = schema.views.values().collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|v| {
            let ready = v.depends_on.iter().all(|d| {
                done.contains(d.as_str()) || !schema.views.contains_key(d) || *d == v.name
            });
            if ready {
                done.insert(&v.name);
                out.push(v.sql.as_str());
            }
            !ready
        });
        if pending.len() == before {
            // A cycle no database can hold: written as found, the server
            // says which fails.
            out.extend(pending.iter().map(|v| v.sql.as_str()));
            break;
        }
    }
    out
}
