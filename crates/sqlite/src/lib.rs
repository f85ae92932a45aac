//! strata-sqlite
