//! A schema difference as one line for people: what `strata status` and
//! `apply` print for drift, and what `apply` and `prove` say when a result
//! is not the schema it should be; and, worded as a change from an earlier
//! schema to a later one ([`change_between`]), what `strata diff` lists. The values are SQLite SQL where they
//! are SQL: constraints as [`render_unique`], [`render_check`] and
//! [`render_foreign_key`] write them; a column, a primary key and an
//! index's terms in the short forms the lines have always had (a
//! collation unquoted, a default and a generating expression as kept).

use strata_dialect::sqlite::option_sql;
use strata_dialect::sqlite::text::quote_ident;
use strata_schema::diff::{Change, Constraint, Difference, Value};
use strata_schema::{Column, Generated, IndexTerm, IndexedColumn, PrimaryKey};

use super::{constraint_name, ident_list, render_check, render_foreign_key, render_unique};

/// `d` as one line: `<kind> <name>: <what differs>`.
pub fn difference(d: &Difference) -> String {
    format!("{} {}: {}", d.kind, d.name, change(&d.change))
}

/// What differs, with the values as SQL and `none` for nothing.
fn change(change: &Change) -> String {
    match change {
        Change::Missing => "missing from the database".to_string(),
        Change::NotInLedger => "not in the ledger".to_string(),
        Change::MissingColumn(c) => format!("missing column {} (expected {})", c.name, column(c)),
        Change::ColumnNotInLedger(c) => {
            format!("column {} is not in the ledger ({})", c.name, column(c))
        }
        Change::ColumnOrder { actual, expected } => format!(
            "columns are in the order {}, expected {}",
            actual.join(", "),
            expected.join(", ")
        ),
        Change::Column {
            column,
            property,
            actual,
            expected,
        } => format!(
            "column {column}: {property} is {}, expected {}",
            value(actual),
            value(expected)
        ),
        Change::Property {
            property,
            actual,
            expected,
        } => format!(
            "{property} is {}, expected {}",
            value(actual),
            value(expected)
        ),
        Change::TableOption {
            option,
            actual,
            expected,
        } => format!(
            "{} is {}, expected {}",
            option_sql(option),
            value(&Value::Flag(*actual)),
            value(&Value::Flag(*expected))
        ),
        Change::MissingConstraint(c) => format!("missing {}", constraint(c)),
        Change::ConstraintNotInLedger(c) => format!("{} is not in the ledger", constraint(c)),
        Change::DefinitionDiffers => "definition differs".to_string(),
    }
}

/// What changed about `d`'s object from the schema the difference was
/// computed against (`expected`: the earlier point) to the other
/// (`actual`: the later one), as a phrase: `added`, `dropped column email
/// (was "email" text)`, `column name: type text -> varchar(50)`.
pub fn change_between(change: &Change) -> String {
    match change {
        Change::Missing => "dropped".to_string(),
        Change::NotInLedger => "added".to_string(),
        Change::MissingColumn(c) => format!("dropped column {} (was {})", c.name, column(c)),
        Change::ColumnNotInLedger(c) => format!("added column {} ({})", c.name, column(c)),
        Change::ColumnOrder { actual, expected } => format!(
            "column order {} -> {}",
            expected.join(", "),
            actual.join(", ")
        ),
        Change::Column {
            column,
            property,
            actual,
            expected,
        } => format!(
            "column {column}: {property} {} -> {}",
            value(expected),
            value(actual)
        ),
        Change::Property {
            property,
            actual,
            expected,
        } => format!("{property} {} -> {}", value(expected), value(actual)),
        Change::TableOption {
            option,
            actual,
            expected,
        } => format!(
            "{} {} -> {}",
            option_sql(option),
            value(&Value::Flag(*expected)),
            value(&Value::Flag(*actual))
        ),
        Change::MissingConstraint(c) => format!("dropped {}", constraint(c)),
        Change::ConstraintNotInLedger(c) => format!("added {}", constraint(c)),
        Change::DefinitionDiffers => "definition changed".to_string(),
    }
}

/// A property's value: `yes` or `no`, text as kept, or SQL; `none` for
/// nothing.
fn value(value: &Value) -> String {
    let none = || "none".to_string();
    match value {
        Value::Flag(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Text(text) => text.clone().unwrap_or_else(none),
        Value::Generated(g) => g.as_ref().map_or_else(none, generated),
        Value::PrimaryKey(pk) => pk.as_ref().map_or_else(none, primary_key),
        Value::Terms(terms) => index_terms(terms),
    }
}

fn constraint(c: &Constraint) -> String {
    match c {
        Constraint::Unique(u) => render_unique(u),
        Constraint::Check(c) => render_check(c),
        Constraint::ForeignKey(fk) => render_foreign_key(fk),
    }
}

/// A column in short: its quoted name, then its type, NOT NULL, default,
/// collation and generating expression as the model keeps them.
fn column(c: &Column) -> String {
    let mut out = quote_ident(&c.name);
    if !c.ty.is_empty() {
        out.push(' ');
        out.push_str(&c.ty);
    }
    if c.not_null {
        out.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        out.push_str(&format!(" DEFAULT {d}"));
    }
    if let Some(collation) = &c.collation {
        out.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(g) = &c.generated {
        out.push(' ');
        out.push_str(&generated(g));
    }
    out
}

/// `AS (expr) STORED` or `AS (expr) VIRTUAL`.
fn generated(g: &Generated) -> String {
    format!(
        "AS ({}) {}",
        g.expr,
        if g.stored { "STORED" } else { "VIRTUAL" }
    )
}

/// A primary key as a table constraint (AUTOINCREMENT is a table option,
/// and a difference of its own).
fn primary_key(pk: &PrimaryKey) -> String {
    format!(
        "{}PRIMARY KEY ({})",
        constraint_name(&pk.name),
        ident_list(&pk.columns)
    )
}

/// An index's terms in parentheses, each with its collation (unquoted)
/// and DESC.
fn index_terms(terms: &[IndexedColumn]) -> String {
    let terms: Vec<String> = terms
        .iter()
        .map(|t| {
            let mut out = match &t.term {
                IndexTerm::Column(c) => quote_ident(c),
                IndexTerm::Expr(e) => e.clone(),
            };
            if let Some(c) = &t.collation {
                out.push_str(&format!(" COLLATE {c}"));
            }
            if t.desc {
                out.push_str(" DESC");
            }
            out
        })
        .collect();
    format!("({})", terms.join(", "))
}

#[cfg(test)]
mod tests;
