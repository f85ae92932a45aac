//! strata-sqlite: the SQLite target of strata. It reads the DDL a user
//! records ([`ddl`]), writes the SQL that builds a schema ([`render`]), reads
//! a live database back into the model ([`introspect`]), plans the SQL that
//! moves a database from one schema to another ([`plan`]) and runs it with
//! strata's bookkeeping in one transaction ([`apply`]); [`prove`] does the
//! same on a scratch in-memory database before an event is appended;
//! [`seal`] is the digest of the schema every apply leaves, which tells
//! cheaply whether the database changed since. It knows the schema model,
//! not the ledger.

pub mod apply;
pub mod archive;
pub mod custody;
pub mod ddl;
#[doc(hidden)]
pub use strata_target::failpoint;
pub mod introspect;
pub mod plan;
pub mod prove;
pub mod render;
pub mod seal;
mod target;

pub use target::{Refused, Sqlite, SqliteDb};

/// The SQLite binding strata uses, for callers that hold a connection.
pub use rusqlite;
