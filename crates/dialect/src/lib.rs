//! strata-dialect: the SQL dialects a ledger can be written in, and each
//! one's [`Rules`] for the model: how names compare, which names and table
//! options it allows, and how it reads and rewrites the SQL text the model
//! keeps (views, triggers, defaults, checks, expressions).
//!
//! A ledger records its [`Dialect`] when it is created, and every piece of
//! SQL text in it is read under that dialect's rules.

pub mod postgres;
pub mod sqlite;

use strata_schema::Rules;

/// The SQL dialect a ledger's SQL text is written in, and whose rules its
/// names follow. Chosen when the ledger is created; the ledger's hashes
/// cover it from format version 3 on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Every dialect, for messages that list them.
    pub const ALL: [Dialect; 2] = [Dialect::Sqlite, Dialect::Postgres];

    /// The dialect's name, as the store, `init --dialect` and JSON write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// The dialect named `name`.
    pub fn parse(name: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// The dialect's rules, or `None` for a dialect this strata cannot
    /// read. Every dialect has its rules today; a strata without a target
    /// for a ledger's dialect still reads its history with them.
    pub fn rules(self) -> Option<&'static dyn Rules> {
        match self {
            Dialect::Sqlite => Some(sqlite::RULES),
            Dialect::Postgres => Some(postgres::RULES),
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
