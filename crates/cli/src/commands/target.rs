//! The target the command line reconciles databases of, and the reconciler
//! over it and a ledger. Everything the commands ask of a database goes
//! through `strata_reconcile`; this is the one place that names the
//! target.

use strata_ledger::{Dialect, Ledger, Prepared};
use strata_reconcile::Reconciler;
use strata_sqlite::Sqlite;
use strata_target::Target;

use crate::failure::Failure;
use crate::output;

/// The target: SQLite files.
pub const TARGET: Sqlite = Sqlite;

/// The reconciler over `ledger`, refused for a ledger whose dialect the
/// target does not read.
pub fn reconciler(ledger: &Ledger) -> Result<Reconciler<'_, Sqlite>, Failure> {
    dialect_of(ledger)?;
    Ok(Reconciler::new(&TARGET, ledger))
}

/// Whether this strata reads SQL in `dialect`.
pub fn supported(dialect: Dialect) -> Result<(), Failure> {
    if dialect.as_str() == TARGET.dialect() {
        return Ok(());
    }
    Err(Failure::new(format!(
        "the ledger's SQL is in the {dialect} dialect, and this strata reads only {}",
        TARGET.dialect()
    ))
    .help("use a strata that has the target of this ledger's dialect"))
}

/// Refused unless this strata reads the SQL of `ledger`: every command
/// that reads or writes SQL text asks first.
pub fn dialect_of(ledger: &Ledger) -> Result<(), Failure> {
    supported(ledger.dialect())
}

/// Prove `prepared`, the event that would follow head, on a scratch
/// database (see `strata_reconcile::proof`); a warning goes to stderr.
pub fn prove(ledger: &Ledger, prepared: &Prepared) -> Result<(), Failure> {
    prove_on(ledger, prepared, None)
}

/// [`prove`], with the schema at head as `(seq, schema)` when the caller
/// has it.
pub fn prove_on(
    ledger: &Ledger,
    prepared: &Prepared,
    head: Option<(u64, &strata_schema::Schema)>,
) -> Result<(), Failure> {
    dialect_of(ledger)?;
    if let Some(warning) = strata_reconcile::proof::event_on(&TARGET, ledger, prepared, head)? {
        output::diagnostic(format_args!("warning: {warning}"));
    }
    Ok(())
}

/// Whether stored event `seq` is one no database ever passed.
pub fn void(ledger: &Ledger, seq: u64) -> Result<bool, Failure> {
    Ok(strata_reconcile::proof::void(&TARGET, ledger, seq)?)
}

/// The statements that build `schema` on an empty database.
pub fn render(schema: &strata_schema::Schema) -> Vec<String> {
    TARGET.render(schema)
}

/// One difference between two schemas, as the target writes it.
pub fn render_difference(d: &strata_schema::Difference) -> String {
    TARGET.difference(d)
}

/// What changed about one object from an earlier point to a later one, as
/// the target words it (`diff`).
pub fn render_change(change: &strata_schema::diff::Change) -> String {
    TARGET.change(change)
}
