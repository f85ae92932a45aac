//! The names PostgreSQL gives constraints written without one, so that a
//! PostgreSQL ledger holds the names the live database has (and `DROP
//! CONSTRAINT users_email_key` finds what it drops).
//!
//! As PostgreSQL's `ChooseConstraintName` / `ChooseRelationName` and
//! `makeObjectName` do: `<table>_pkey`, `<table>_<col>[_<col>...]_key`,
//! `<table>_<col>_check` (or `<table>_check` when the check reads no
//! single column), `<table>_<col>[_<col>...]_fkey`; the table and column
//! part are shortened, the longer first, so the name fits in 63 bytes; and
//! while the name is taken, the label gets a number (`_check1`,
//! `_check2`, ...).

use std::collections::BTreeSet;

use strata_schema::Schema;

use crate::render::{bare, in_schema_of, schema_of};

/// PostgreSQL's longest name, in bytes (NAMEDATALEN - 1).
pub(crate) const MAX_NAME: usize = 63;

/// The kinds of constraint PostgreSQL names, by the label it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    PrimaryKey,
    Unique,
    Check,
    ForeignKey,
    /// An index written without a name (`<table>_<col>_idx`).
    Index,
}

/// `text` cut to at most `bytes` bytes, on a character boundary.
pub(crate) fn clip(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut at = bytes;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    &text[..at]
}

/// PostgreSQL's `makeObjectName`: `name1[_name2][_label]`, with name1 and
/// name2 shortened (the longer one first) to fit in [`MAX_NAME`] bytes.
fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = 0;
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    let mut name2_len = 0;
    if let Some(n2) = name2 {
        name2_len = n2.len();
        overhead += 1;
    }
    let avail = MAX_NAME.saturating_sub(overhead);
    let mut name1_len = name1.len();
    while name1_len + name2_len > avail {
        if name1_len > name2_len {
            name1_len -= 1;
        } else {
            name2_len -= 1;
        }
    }
    let mut out = clip(name1, name1_len).to_string();
    if let Some(n2) = name2 {
        out.push('_');
        out.push_str(clip(n2, name2_len));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// The column names joined with `_`, cut as PostgreSQL cuts them (at
/// [`MAX_NAME`] bytes).
fn columns_part(columns: &[String]) -> String {
    let mut out = String::new();
    for c in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(c);
        if out.len() >= MAX_NAME {
            break;
        }
    }
    clip(&out, MAX_NAME).to_string()
}

/// The names a new constraint of `kind` may not take, as PostgreSQL
/// decides: a check or foreign key, any constraint's name in the schema
/// (PostgreSQL looks for constraints per schema); a primary key or unique,
/// whose index bears its name, those and every relation's name; an index,
/// every relation's name (tables, views, indexes, and the indexes of
/// primary keys and uniques). `own` are the names the statement has given
/// already, which `schema` does not show yet; `table` is the table's name.
///
/// All of it within the table's schema, by the names' bare parts.
fn taken(schema: &Schema, table: &str, own: &BTreeSet<String>, kind: Kind) -> BTreeSet<String> {
    let home = schema_of(table);
    let here = |name: &str| schema_of(name) == home;
    let mut names = own.clone();
    for t in schema.tables.values().filter(|t| here(&t.name)) {
        names.extend(t.primary_key.as_ref().and_then(|p| p.name.clone()));
        names.extend(t.uniques.iter().filter_map(|u| u.name.clone()));
        if kind != Kind::Index {
            names.extend(t.checks.iter().filter_map(|c| c.name.clone()));
            names.extend(t.foreign_keys.iter().filter_map(|f| f.name.clone()));
        }
    }
    if kind != Kind::Check && kind != Kind::ForeignKey {
        let relations = crate::render::object_names(schema).filter(|n| here(n));
        names.extend(relations.map(|n| bare(n).to_string()));
        names.insert(bare(table).to_string());
    }
    names
}

/// The name PostgreSQL gives a constraint (or index) of `kind` on `table`
/// in `schema`, where `own` holds the names the statement has already
/// given on the table that `schema` does not show yet: `columns` are the
/// key's columns, or for a check the one column it reads (none when it
/// reads no column or more than one). Made from the table's bare name; an
/// index's is in the table's schema (`sales.orders_day_idx`).
pub(crate) fn choose(
    schema: &Schema,
    table: &str,
    own: &BTreeSet<String>,
    kind: Kind,
    columns: &[String],
) -> String {
    let (label, part) = match kind {
        Kind::PrimaryKey => ("pkey", None),
        Kind::Unique => ("key", Some(columns_part(columns))),
        Kind::Check => ("check", columns.first().cloned()),
        Kind::ForeignKey => ("fkey", Some(columns_part(columns))),
        Kind::Index => ("idx", Some(columns_part(columns))),
    };
    let taken = taken(schema, table, own, kind);
    let mut pass = 0u32;
    loop {
        let label = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        let name = object_name(bare(table), part.as_deref(), &label);
        if !taken.contains(&name) || pass == u32::MAX {
            return match kind {
                Kind::Index => in_schema_of(table, &name),
                _ => name,
            };
        }
        pass += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_in_63_bytes_cutting_the_longer_part_first() {
        let long = "a".repeat(70);
        let name = object_name(&long, Some("email"), "key");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_email_key"));
        let name = object_name("users", Some(&"c".repeat(80)), "fkey");
        assert_eq!(name, format!("users_{}_fkey", "c".repeat(52)));
        assert_eq!(object_name("t", None, "pkey"), "t_pkey");
        // A character is never cut in two.
        let name = object_name(&"é".repeat(40), None, "pkey");
        assert!(name.len() <= 63 && name.ends_with("_pkey"));
    }
}
