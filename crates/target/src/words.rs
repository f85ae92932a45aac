//! A schema difference as one line for people, in a target's SQL: what
//! `strata status` and `apply` print for drift, and what `apply` and
//! `prove` say when a result is not the schema it should be; and, worded as
//! a change from an earlier schema to a later one ([`change_between`]),
//! what `strata diff` lists. A target gives its [`Words`]: how its SQL
//! writes a name, a table option, a constraint and a primary key; a
//! column, a generating expression and an index's terms are written here
//! in the short forms the lines have always had (a collation unquoted, a
//! default and a generating expression as kept).

use strata_schema::diff::{Change, Constraint, Difference, Value};
use strata_schema::{Column, Generated, IndexTerm, IndexedColumn, PrimaryKey};

/// How a target's SQL writes the parts of a difference.
pub trait Words {
    /// A name, quoted as the dialect needs.
    fn ident(&self, name: &str) -> String;
    /// A table option as users write it.
    fn option(&self, option: &str) -> String;
    /// A constraint as a table constraint.
    fn constraint(&self, c: &Constraint) -> String;
    /// A primary key as a table constraint.
    fn primary_key(&self, pk: &PrimaryKey) -> String;
}

/// `d` as one line: `<kind> <name>: <what differs>`.
pub fn difference(w: &dyn Words, d: &Difference) -> String {
    format!("{} {}: {}", d.kind, d.name, change(w, &d.change))
}

/// What differs, with the values as SQL and `none` for nothing.
fn change(w: &dyn Words, change: &Change) -> String {
    match change {
        Change::Missing => "missing from the database".to_string(),
        Change::NotInLedger => "not in the ledger".to_string(),
        Change::MissingColumn(c) => {
            format!("missing column {} (expected {})", c.name, column(w, c))
        }
        Change::ColumnNotInLedger(c) => {
            format!("column {} is not in the ledger ({})", c.name, column(w, c))
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
            value(w, actual),
            value(w, expected)
        ),
        Change::Property {
            property,
            actual,
            expected,
        } => format!(
            "{property} is {}, expected {}",
            value(w, actual),
            value(w, expected)
        ),
        Change::TableOption {
            option,
            actual,
            expected,
        } => format!(
            "{} is {}, expected {}",
            w.option(option),
            value(w, &Value::Flag(*actual)),
            value(w, &Value::Flag(*expected))
        ),
        Change::MissingConstraint(c) => format!("missing {}", w.constraint(c)),
        Change::ConstraintNotInLedger(c) => format!("{} is not in the ledger", w.constraint(c)),
        Change::DefinitionDiffers => "definition differs".to_string(),
    }
}

/// What changed about `d`'s object from the schema the difference was
/// computed against (`expected`: the earlier point) to the other
/// (`actual`: the later one), as a phrase: `added`, `dropped column email
/// (was "email" text)`, `column name: type text -> varchar(50)`.
pub fn change_between(w: &dyn Words, change: &Change) -> String {
    match change {
        Change::Missing => "dropped".to_string(),
        Change::NotInLedger => "added".to_string(),
        Change::MissingColumn(c) => format!("dropped column {} (was {})", c.name, column(w, c)),
        Change::ColumnNotInLedger(c) => format!("added column {} ({})", c.name, column(w, c)),
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
            value(w, expected),
            value(w, actual)
        ),
        Change::Property {
            property,
            actual,
            expected,
        } => format!("{property} {} -> {}", value(w, expected), value(w, actual)),
        Change::TableOption {
            option,
            actual,
            expected,
        } => format!(
            "{} {} -> {}",
            w.option(option),
            value(w, &Value::Flag(*expected)),
            value(w, &Value::Flag(*actual))
        ),
        Change::MissingConstraint(c) => format!("dropped {}", w.constraint(c)),
        Change::ConstraintNotInLedger(c) => format!("added {}", w.constraint(c)),
        Change::DefinitionDiffers => "definition changed".to_string(),
    }
}

/// A property's value: `yes` or `no`, text as kept, or SQL; `none` for
/// nothing.
fn value(w: &dyn Words, value: &Value) -> String {
    let none = || "none".to_string();
    match value {
        Value::Flag(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Text(text) => text.clone().unwrap_or_else(none),
        Value::Generated(g) => g.as_ref().map_or_else(none, generated),
        Value::PrimaryKey(pk) => pk.as_ref().map_or_else(none, |pk| w.primary_key(pk)),
        Value::Terms(terms) => index_terms(w, terms),
    }
}

/// A column in short: its quoted name, then its type, NOT NULL, default,
/// collation and generating expression as the model keeps them.
fn column(w: &dyn Words, c: &Column) -> String {
    let mut out = w.ident(&c.name);
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

/// An index's terms in parentheses, each with its collation (unquoted)
/// and DESC.
fn index_terms(w: &dyn Words, terms: &[IndexedColumn]) -> String {
    let terms: Vec<String> = terms
        .iter()
        .map(|t| {
            let mut out = match &t.term {
                IndexTerm::Column(c) => w.ident(c),
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
