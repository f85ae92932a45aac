//! strata-sqlite: the SQLite target of strata. It reads the DDL a user
//! records ([`ddl`]) and writes the SQL that builds a schema ([`render`]).
//! It knows the schema model, not the ledger.

pub mod ddl;
pub mod render;
