//! A schema difference as one line for people: what `strata status` and
//! `apply` print for drift, and what `apply` and `prove` say when a result
//! is not the schema it should be; and, worded as a change from an earlier
//! schema to a later one ([`change_between`]), what `strata diff` lists,
//! through `strata_target::words` with SQLite's words. The values are SQLite SQL where they
//! are SQL: constraints as [`render_unique`], [`render_check`] and
//! [`render_foreign_key`] write them; a column, a primary key and an
//! index's terms in the short forms the lines have always had (a
//! collation unquoted, a default and a generating expression as kept).

use strata_dialect::sqlite::option_sql;
use strata_dialect::sqlite::text::quote_ident;
use strata_schema::diff::{Change, Constraint, Difference};
use strata_schema::PrimaryKey;
use strata_target::words::{self, Words};

use super::{constraint_name, ident_list, render_check, render_foreign_key, render_unique};

/// SQLite's words for a difference.
struct Sqlite;

impl Words for Sqlite {
    fn ident(&self, name: &str) -> String {
        quote_ident(name)
    }

    fn option(&self, option: &str) -> String {
        option_sql(option)
    }

    fn constraint(&self, c: &Constraint) -> String {
        constraint(c)
    }

    fn primary_key(&self, pk: &PrimaryKey) -> String {
        primary_key(pk)
    }
}

/// `d` as one line: `<kind> <name>: <what differs>`.
pub fn difference(d: &Difference) -> String {
    words::difference(&Sqlite, d)
}

/// What changed about `d`'s object from the schema the difference was
/// computed against (`expected`: the earlier point) to the other
/// (`actual`: the later one), as a phrase: `added`, `dropped column email
/// (was "email" text)`, `column name: type text -> varchar(50)`.
pub fn change_between(change: &Change) -> String {
    words::change_between(&Sqlite, change)
}

fn constraint(c: &Constraint) -> String {
    match c {
        Constraint::Unique(u) => render_unique(u),
        Constraint::Check(c) => render_check(c),
        Constraint::ForeignKey(fk) => render_foreign_key(fk),
    }
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

#[cfg(test)]
mod tests;
