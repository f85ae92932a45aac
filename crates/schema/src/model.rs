//! The schema model: plain data, ordered canonically so that two equal
//! schemas have equal encodings (the ledger fingerprints them).
//!
//! Objects are keyed by [`Rules::key`] of their name, the dialect's rule
//! for which names are the same; the name as written is kept inside the
//! object.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rules::Rules;

/// A whole database schema.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    pub indexes: BTreeMap<String, Index>,
    pub views: BTreeMap<String, View>,
    pub triggers: BTreeMap<String, Trigger>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    /// In declaration order; the order is part of the schema.
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    pub uniques: Vec<Unique>,
    pub checks: Vec<Check>,
    pub foreign_keys: Vec<ForeignKey>,
    /// The dialect's table options, by the names the dialect gives them,
    /// sorted, each once. What they mean, and which a
    /// table may have, is the dialect's ([`Rules::check_table`]).
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The declared type as written (`varchar(50)`), empty when none.
    pub ty: String,
    pub not_null: bool,
    /// The default as SQL expression text (`0`, `'x'`, `CURRENT_TIMESTAMP`).
    pub default: Option<String>,
    pub collation: Option<String>,
    pub generated: Option<Generated>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    /// The generating expression as SQL text.
    pub expr: String,
    /// STORED rather than VIRTUAL.
    pub stored: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unique {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: Option<String>,
    /// The checked expression as SQL text, without the surrounding parentheses.
    pub expr: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    /// Empty when the reference names the parent's primary key implicitly.
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    /// DEFERRABLE INITIALLY DEFERRED.
    pub deferred: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    SetNull,
    SetDefault,
    Cascade,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub unique: bool,
    pub columns: Vec<IndexedColumn>,
    /// The WHERE clause of a partial index, as SQL text.
    pub predicate: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedColumn {
    pub term: IndexTerm,
    pub collation: Option<String>,
    pub desc: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexTerm {
    Column(String),
    /// An expression, as SQL text.
    Expr(String),
}

/// A view, kept as the SQL text that creates it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    /// The whole `CREATE VIEW ...` statement, without a trailing semicolon.
    pub sql: String,
    /// The tables and views the query reads, as named in `sql`.
    pub depends_on: Vec<String>,
}

/// A trigger, kept as the SQL text that creates it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// The table (or view) the trigger fires on.
    pub table: String,
    /// The whole `CREATE TRIGGER ...` statement, without a trailing semicolon.
    pub sql: String,
    /// The other tables and views the trigger's body names.
    pub depends_on: Vec<String>,
}

impl Schema {
    pub fn table(&self, r: &dyn Rules, name: &str) -> Option<&Table> {
        self.tables.get(&r.key(name))
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.indexes.is_empty()
            && self.views.is_empty()
            && self.triggers.is_empty()
    }
}

impl Table {
    pub fn column(&self, r: &dyn Rules, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| r.same_name(&c.name, name))
    }

    pub fn column_position(&self, r: &dyn Rules, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| r.same_name(&c.name, name))
    }

    /// Whether the table has the dialect's option `option`.
    pub fn has_option(&self, option: &str) -> bool {
        self.options.iter().any(|o| o == option)
    }

    /// Gives the table the option `option`, or takes it away, keeping the
    /// list sorted.
    pub fn set_option(&mut self, option: &str, on: bool) {
        match (
            self.options.binary_search_by(|o| o.as_str().cmp(option)),
            on,
        ) {
            (Err(at), true) => self.options.insert(at, option.to_string()),
            (Ok(at), false) => {
                self.options.remove(at);
            }
            _ => {}
        }
    }
}

impl Column {
    /// A nullable column with a declared type and nothing else.
    pub fn new(name: impl Into<String>, ty: impl Into<String>) -> Column {
        Column {
            name: name.into(),
            ty: ty.into(),
            ..Column::default()
        }
    }
}
