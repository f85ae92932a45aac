//! The target the command line reconciles databases of, and the reconciler
//! over it and a ledger. Everything the commands ask of a database goes
//! through `strata_reconcile`; this is the one place that names the
//! target.

use strata_ledger::{Ledger, Prepared};
use strata_reconcile::Reconciler;
use strata_sqlite::Sqlite;

use crate::failure::Failure;

/// The target: SQLite files.
pub const TARGET: Sqlite = Sqlite;

/// The reconciler over `ledger`.
pub fn reconciler(ledger: &Ledger) -> Reconciler<'_, Sqlite> {
    Reconciler::new(&TARGET, ledger)
}

/// Prove `prepared`, the event that would follow head, on a scratch
/// database (see `strata_reconcile::proof`); a warning goes to stderr.
pub fn prove(ledger: &Ledger, prepared: &Prepared) -> Result<(), Failure> {
    if let Some(warning) = strata_reconcile::proof::event(&TARGET, ledger, prepared)? {
        eprintln!("warning: {warning}");
    }
    Ok(())
}

/// Whether stored event `seq` is one no database ever passed.
pub fn void(ledger: &Ledger, seq: u64) -> Result<bool, Failure> {
    Ok(strata_reconcile::proof::void(&TARGET, ledger, seq)?)
}

/// The statements that build `schema` on an empty database.
pub fn render(schema: &strata_schema::Schema) -> Vec<String> {
    use strata_target::Target;
    TARGET.render(schema)
}
