//! strata-sqlite: the SQLite target of strata. It reads the DDL a user
//! records ([`ddl`]). It knows the schema model, not the ledger.

pub mod ddl;
