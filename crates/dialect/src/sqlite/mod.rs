//! SQLite's dialect: its rules for names (compared with ASCII case folded,
//! as SQLite compares identifiers), its reserved `sqlite_` prefix, its
//! table options (`AUTOINCREMENT`, `STRICT`, `WITHOUT ROWID`) and what they
//! demand, and its SQL text ([`text`]).

#[cfg(feature = "arbitrary")]
pub mod arb;
pub mod text;

use strata_schema::{Definition, Index, Rules, Table};

/// The option of a table whose INTEGER PRIMARY KEY is `AUTOINCREMENT`.
pub const AUTOINCREMENT: &str = "autoincrement";
/// The option of a `STRICT` table.
pub const STRICT: &str = "strict";
/// The option of a `WITHOUT ROWID` table.
pub const WITHOUT_ROWID: &str = "without_rowid";

/// SQLite's table options, in the order the model keeps them.
pub const OPTIONS: [&str; 3] = [AUTOINCREMENT, STRICT, WITHOUT_ROWID];

/// The types a STRICT table accepts.
const STRICT_TYPES: [&str; 6] = ["INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"];

/// SQLite's rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

/// SQLite's rules, as the model takes them.
pub static RULES: &dyn Rules = &Sqlite;

/// The key under which SQLite's rules keep an object named `name`: the name
/// with ASCII letters lower-cased. Other crates that speak SQLite use it
/// without going through [`Rules`].
pub fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Whether two names name the same object, as SQLite compares them.
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// A table option as SQLite's SQL writes it (`WITHOUT ROWID`).
pub fn option_sql(option: &str) -> String {
    option.replace('_', " ").to_ascii_uppercase()
}

impl Rules for Sqlite {
    fn dialect(&self) -> &'static str {
        "sqlite"
    }

    fn key(&self, name: &str) -> String {
        key(name)
    }

    fn same_name(&self, a: &str, b: &str) -> bool {
        same_name(a, b)
    }

    fn reserved(&self, name: &str) -> Option<String> {
        let lower = key(name);
        (lower.starts_with("sqlite_") || lower.starts_with("_strata_")).then(|| {
            format!(
                "the name {name} is reserved: names starting with sqlite_ or _strata_ belong to the database and to strata"
            )
        })
    }

    fn check_table(&self, t: &Table) -> Result<(), String> {
        if let Some(c) = t.columns.iter().find(|c| c.identity.is_some()) {
            return Err(format!(
                "column {}.{} is an identity column, which SQLite does not have (use INTEGER PRIMARY KEY)",
                t.name, c.name
            ));
        }
        if t.primary_key.iter().any(|k| k.deferred || k.deferrable)
            || t.uniques.iter().any(|u| u.deferred || u.deferrable)
        {
            return Err(format!(
                "table {} has a deferrable primary key or unique constraint, which SQLite does not have",
                t.name
            ));
        }
        if t.foreign_keys.iter().any(|f| f.deferrable) {
            return Err(format!(
                "table {} has a foreign key DEFERRABLE INITIALLY IMMEDIATE, which SQLite checks as one not deferrable (write it without DEFERRABLE)",
                t.name
            ));
        }
        if let Some(o) = t.options.iter().find(|o| !OPTIONS.contains(&o.as_str())) {
            return Err(format!(
                "table {} has the option {o:?}, which SQLite does not know (it knows {})",
                t.name,
                OPTIONS.join(", ")
            ));
        }
        if t.has_option(STRICT) {
            if let Some(c) = t.columns.iter().find(|c| {
                !STRICT_TYPES
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(c.ty.trim()))
            }) {
                return Err(format!(
                    "column {}.{} has type {:?}, which a STRICT table does not allow (use INT, INTEGER, REAL, TEXT, BLOB or ANY)",
                    t.name, c.name, c.ty
                ));
            }
        }
        let without_rowid = t.has_option(WITHOUT_ROWID);
        if without_rowid && t.primary_key.is_none() {
            return Err(format!(
                "table {} is WITHOUT ROWID and so needs a PRIMARY KEY",
                t.name
            ));
        }
        if t.has_option(AUTOINCREMENT) {
            let integer = t.primary_key.as_ref().is_some_and(|pk| {
                pk.columns.len() == 1
                    && t.columns
                        .iter()
                        .find(|c| same_name(&c.name, &pk.columns[0]))
                        .is_some_and(|c| c.ty.eq_ignore_ascii_case("integer"))
            });
            if !integer || without_rowid {
                return Err(format!(
                    "table {}: AUTOINCREMENT is only allowed on a single INTEGER PRIMARY KEY of a rowid table",
                    t.name
                ));
            }
        }
        Ok(())
    }

    fn describe_option(&self, option: &str) -> String {
        option_sql(option)
    }

    /// STRICT and WITHOUT ROWID: a rebuild keeps every row (a STRICT
    /// table refuses the rows its types do not take, and the target says
    /// which). AUTOINCREMENT is not: its counter lives in
    /// `sqlite_sequence`, outside the table.
    fn alterable_option(&self, option: &str) -> bool {
        option == STRICT || option == WITHOUT_ROWID
    }

    fn check_index(&self, index: &Index) -> Result<(), String> {
        if let Some(m) = &index.method {
            return Err(format!(
                "it uses the access method {m}, which SQLite does not have"
            ));
        }
        if !index.include.is_empty() {
            return Err(
                "it includes columns that are not keys (INCLUDE), which SQLite does not have"
                    .into(),
            );
        }
        Ok(())
    }

    fn check_definition(&self, d: &Definition) -> Result<(), String> {
        Err(format!(
            "{} {}: SQLite has no {}s",
            d.kind.describe(),
            d.name,
            d.kind.describe()
        ))
    }

    fn mentions(&self, sql: &str, name: &str) -> bool {
        text::mentions(sql, name)
    }

    fn mentions_column(&self, sql: &str, name: &str) -> bool {
        text::mentions_column(sql, name)
    }

    fn body_start(&self, sql: &str) -> usize {
        text::body_start(sql)
    }

    fn rename_table(&self, sql: &str, old: &str, new: &str) -> String {
        text::rename_table(sql, old, new)
    }

    fn rename_column(&self, sql: &str, old: &str, new: &str) -> String {
        text::rename_column(sql, old, new)
    }

    fn same_text(&self, a: &str, b: &str) -> bool {
        text::normalize(a) == text::normalize(b)
    }
}
