//! strata-ledger
