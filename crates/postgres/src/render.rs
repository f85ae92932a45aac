//! PostgreSQL DDL for the model: the statements that build a schema, and
//! the pieces the planner writes (a column's definition, a constraint's).

use std::collections::BTreeSet;

use strata_schema::{
    Check, Column, Definition, DefinitionKind, FkAction, ForeignKey, Identity, Index, IndexTerm,
    PrimaryKey, Schema, Table, Unique,
};

/// `name` as PostgreSQL reads back exactly `name`: each identifier bare
/// when it can be, quoted otherwise. The name of an object in a schema
/// other than `public` is `schema.name` in the model (no identifier of a
/// PostgreSQL ledger holds a period), written qualified.
pub fn ident(name: &str) -> String {
    match name.split_once('.') {
        Some((schema, bare)) => format!("{}.{}", one(schema), one(bare)),
        None => one(name),
    }
}

fn one(name: &str) -> String {
    strata_dialect::postgres::text::quote_ident(name)
}

/// A collation's name, which may hold a period (`en_US.utf8`): one
/// identifier, quoted where it must be.
pub fn collation(name: &str) -> String {
    one(name)
}

/// The schema an object's name puts it in, when not `public`. A routine's
/// name is read up to its arguments (`f(sales.state)` is `public`'s).
pub fn schema_of(name: &str) -> Option<&str> {
    let head = name.split('(').next().unwrap_or(name);
    head.split_once('.').map(|(schema, _)| schema)
}

/// An object's name without its schema: what `RENAME TO` and `CREATE
/// INDEX` take (the object stays in, or goes into, its table's schema).
pub fn bare(name: &str) -> &str {
    name.split_once('.').map_or(name, |(_, bare)| bare)
}

/// The names of `schema`'s objects that live in a schema: tables, views,
/// indexes and definitions but comments and sequence ownerships (named by
/// what they are on).
pub fn object_names(schema: &Schema) -> impl Iterator<Item = &String> {
    schema
        .tables
        .keys()
        .chain(schema.views.keys())
        .chain(schema.indexes.keys())
        .chain(
            schema
                .definitions
                .values()
                .filter(|d| !is_about_another(d))
                .map(|d| &d.name),
        )
}

/// The schemas other than `public` that `schema`'s objects are in.
pub fn schemas(schema: &Schema) -> BTreeSet<String> {
    object_names(schema)
        .filter_map(|n| schema_of(n))
        .map(str::to_string)
        .collect()
}

/// The schema other than `public` an op makes an object in, if any.
pub fn schema_made_by(op: &strata_schema::Op) -> Option<&str> {
    use strata_schema::Op;
    match op {
        Op::CreateTable { table } => schema_of(&table.name),
        Op::CreateView { view } => schema_of(&view.name),
        Op::CreateDefinition { definition } if !is_about_another(definition) => {
            schema_of(&definition.name)
        }
        _ => None,
    }
}

/// Whether a definition is named by the object it is about (a comment, a
/// sequence's ownership) rather than being an object of a schema itself.
fn is_about_another(d: &Definition) -> bool {
    matches!(d.kind, DefinitionKind::Comment | DefinitionKind::Ownership)
}

/// The name of the ownership of `sequence`.
pub fn ownership_name(sequence: &str) -> String {
    format!("{OWNERSHIP_OF}{sequence}")
}

const OWNERSHIP_OF: &str = "ownership of ";

/// The sequence an ownership definition is of.
pub fn owned_sequence(d: &Definition) -> &str {
    d.name.strip_prefix(OWNERSHIP_OF).unwrap_or(&d.name)
}

/// That `sequence` belongs to `column` of `table`, as the model keeps it:
/// `ALTER SEQUENCE s OWNED BY t.c`, made after both and dropped before
/// either.
pub fn ownership(sequence: &str, table: &str, column: &str) -> Definition {
    Definition {
        kind: DefinitionKind::Ownership,
        name: ownership_name(sequence),
        sql: format!(
            "ALTER SEQUENCE {} OWNED BY {}.{}",
            ident(sequence),
            ident(table),
            ident(column)
        ),
        depends_on: vec![sequence.to_string(), table.to_string()],
    }
}

/// The statement that makes schema `name` where it is missing.
pub fn create_schema(name: &str) -> String {
    format!("CREATE SCHEMA IF NOT EXISTS {}", one(name))
}

/// The statement that drops schema `name` when nothing is left in it
/// (something strata does not model may be, and stays, with its schema).
pub fn drop_schema(name: &str) -> String {
    format!(
        "DO $strata$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_depend WHERE refclassid = 'pg_namespace'::regclass \
         AND refobjid = (SELECT oid FROM pg_namespace WHERE nspname = {})) THEN DROP SCHEMA {}; END IF; END $strata$",
        literal(name),
        one(name)
    )
}

/// `bare` in the schema of `like` (an index in its table's, a renamed
/// table in its own).
pub fn in_schema_of(like: &str, bare: &str) -> String {
    match schema_of(like) {
        Some(schema) => format!("{schema}.{bare}"),
        None => bare.to_string(),
    }
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
        s.push_str(&format!(" COLLATE {}", collation(coll)));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.expr));
    }
    if let Some(i) = identity(c) {
        s.push(' ');
        s.push_str(&i);
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    s
}

/// `GENERATED ... AS IDENTITY`, with the sequence's options in
/// parentheses where the column has any; `None` for a column that is not
/// an identity column.
pub fn identity(c: &Column) -> Option<String> {
    let how = match c.identity? {
        Identity::Always => "GENERATED ALWAYS AS IDENTITY",
        Identity::ByDefault => "GENERATED BY DEFAULT AS IDENTITY",
    };
    Some(match &c.identity_options {
        Some(o) => format!("{how} ({o})"),
        None => how.to_string(),
    })
}

fn named(name: &Option<String>) -> String {
    match name {
        Some(n) => format!("CONSTRAINT {} ", ident(n)),
        None => String::new(),
    }
}

/// The clause a constraint's deferral ends with, none when it is not
/// deferrable.
fn deferral(deferred: bool, deferrable: bool) -> &'static str {
    if deferred {
        " DEFERRABLE INITIALLY DEFERRED"
    } else if deferrable {
        " DEFERRABLE"
    } else {
        ""
    }
}

pub fn primary_key(pk: &PrimaryKey) -> String {
    format!(
        "{}PRIMARY KEY ({}){}",
        named(&pk.name),
        idents(&pk.columns),
        deferral(pk.deferred, pk.deferrable)
    )
}

pub fn unique(u: &Unique) -> String {
    format!(
        "{}UNIQUE ({}){}",
        named(&u.name),
        idents(&u.columns),
        deferral(u.deferred, u.deferrable)
    )
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
    s.push_str(deferral(fk.deferred, fk.deferrable));
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
                s.push_str(&format!(" COLLATE {}", collation(coll)));
            }
            if c.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect();
    let method = match &i.method {
        Some(m) => format!("USING {} ", ident(m)),
        None => String::new(),
    };
    let mut s = format!(
        "CREATE {}INDEX {} ON {} {method}({})",
        if i.unique { "UNIQUE " } else { "" },
        ident(bare(&i.name)),
        ident(&i.table),
        terms.join(", ")
    );
    if !i.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", idents(&i.include)));
    }
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// A routine's name as a definition keeps it, `name(argument types)`,
/// quoted where PostgreSQL needs it.
fn signature(name: &str) -> String {
    match name.find('(') {
        Some(at) => format!("{}{}", ident(&name[..at]), &name[at..]),
        None => ident(name),
    }
}

/// The statement that drops a definition. A comment is dropped by
/// setting it to NULL; its name is what it is on (`TABLE film`).
pub fn drop_definition(d: &Definition) -> String {
    match d.kind {
        DefinitionKind::Comment => format!("COMMENT ON {} IS NULL", d.name),
        DefinitionKind::Ownership => {
            format!("ALTER SEQUENCE {} OWNED BY NONE", ident(owned_sequence(d)))
        }
        DefinitionKind::Function | DefinitionKind::Procedure | DefinitionKind::Aggregate => {
            format!("DROP {} {}", keyword(d.kind), signature(&d.name))
        }
        kind => format!("DROP {} {}", keyword(kind), ident(&d.name)),
    }
}

fn keyword(kind: DefinitionKind) -> &'static str {
    match kind {
        DefinitionKind::Sequence => "SEQUENCE",
        DefinitionKind::Type => "TYPE",
        DefinitionKind::Domain => "DOMAIN",
        DefinitionKind::Function => "FUNCTION",
        DefinitionKind::Procedure => "PROCEDURE",
        DefinitionKind::Aggregate => "AGGREGATE",
        DefinitionKind::MaterializedView => "MATERIALIZED VIEW",
        DefinitionKind::Comment => "COMMENT",
        DefinitionKind::Ownership => "SEQUENCE",
    }
}

/// The statements that replace definition `from` by `to`: a comment or a
/// routine in place (`COMMENT ON` again, `CREATE OR REPLACE`), anything
/// else dropped and created again.
pub fn replace_definition(from: &Definition, to: &Definition) -> Vec<String> {
    match to.kind {
        DefinitionKind::Comment | DefinitionKind::Ownership => vec![to.sql.clone()],
        DefinitionKind::Function | DefinitionKind::Procedure => {
            let create = "CREATE ";
            let sql = &to.sql;
            let or_replace = sql.len() > create.len()
                && sql[..create.len()].eq_ignore_ascii_case(create)
                && !sql[create.len()..]
                    .trim_start()
                    .to_ascii_uppercase()
                    .starts_with("OR REPLACE");
            if or_replace {
                vec![format!("CREATE OR REPLACE {}", &sql[create.len()..])]
            } else {
                vec![sql.clone()]
            }
        }
        _ => vec![drop_definition(from), to.sql.clone()],
    }
}

/// The statements that build `schema` in an empty database, in an order
/// that runs: its schemas other than `public`; sequences, types, domains, functions and procedures (with
/// function bodies left unchecked, as pg_dump does); tables (partitioned
/// tables before their partitions, a foreign key to a table made later is
/// added after it); indexes; aggregates, views and materialized views after
/// what they read; indexes on materialized views; triggers; comments.
pub fn render_schema(schema: &Schema) -> Vec<String> {
    let mut out: Vec<String> = schemas(schema).iter().map(|s| create_schema(s)).collect();
    let (early, relations, comments) = crate::defs::in_order(schema);
    let routines = schema.definitions.values().any(|d| {
        matches!(
            d.kind,
            strata_schema::DefinitionKind::Function | strata_schema::DefinitionKind::Procedure
        )
    });
    if routines {
        // A function's body may read tables made after it, as pg_dump
        // writes them.
        out.push("SET LOCAL check_function_bodies = false".to_string());
    }
    out.extend(early);
    let mut made: BTreeSet<&str> = BTreeSet::new();
    let mut later = Vec::new();
    for t in crate::partition::in_order(schema) {
        made.insert(&t.name);
        let inline = |fk: &ForeignKey| made.contains(fk.ref_table.as_str());
        out.extend(crate::partition::create_table(t, &inline));
        for fk in t.foreign_keys.iter().filter(|f| !inline(f)) {
            later.push(format!(
                "ALTER TABLE {} ADD {}",
                ident(&t.name),
                foreign_key(fk)
            ));
        }
    }
    out.extend(later);
    // Indexes on tables, then the relations read from them, then the
    // indexes on those (materialized views).
    let (on_tables, on_relations): (Vec<&Index>, Vec<&Index>) = schema
        .indexes
        .values()
        .partition(|i| schema.tables.contains_key(&i.table));
    out.extend(on_tables.into_iter().map(create_index));
    out.extend(relations);
    out.extend(on_relations.into_iter().map(create_index));
    out.extend(schema.triggers.values().map(|t| t.sql.clone()));
    out.extend(comments);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_in_the_schema_before_its_period() {
        assert_eq!(schema_of("sales.orders"), Some("sales"));
        assert_eq!(schema_of("orders"), None);
        assert_eq!(schema_of("util.touch()"), Some("util"));
        assert_eq!(schema_of("f(sales.state)"), None);
        assert_eq!(schema_of("util.f(sales.state, integer)"), Some("util"));
        assert_eq!(ident("sales.Orders"), "sales.\"Orders\"");
        assert_eq!(
            in_schema_of("sales.orders", "orders_day_idx"),
            "sales.orders_day_idx"
        );
        assert_eq!(collation("en_US.utf8"), "\"en_US.utf8\"");
    }
}
