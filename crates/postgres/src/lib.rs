//! strata-postgres: the PostgreSQL target of strata. It reads a live
//! schema back from `pg_catalog` ([`introspect`]), writes the DDL that
//! builds a schema ([`render`]), plans a move as native statements in
//! PostgreSQL's transactional DDL ([`plan`]), and runs it with strata's
//! bookkeeping in one transaction under an advisory lock ([`apply`]),
//! keeping the data of dropped tables and columns in schema `strata`
//! ([`custody`]). PostgreSQL renders SQL text in its own words;
//! [`spelling`] maps them back to the ledger's. [`ddl`] reads the scripts
//! of PostgreSQL DDL `strata record` takes into the model's ops. It knows
//! the schema model, not the ledger.

pub mod apply;
#[cfg(any(test, feature = "cluster"))]
pub mod cluster;
pub mod custody;
pub mod ddl;
pub mod defs;
pub mod desired;
pub mod error;
pub mod introspect;
pub mod partition;
pub mod plan;
pub mod render;
pub mod spelling;
mod target;
pub mod types;

pub use error::PgError;
pub use target::{connect, is_url, redact, rules, Postgres, PostgresDb, Scratch};

/// The PostgreSQL client strata uses, for callers that hold a connection.
pub use postgres;
