//! The target the command line reconciles databases of, and the reconciler
//! over it and a ledger. Everything the commands ask of a database goes
//! through `strata_reconcile`; this is the one place that names the
//! targets: the ledger's dialect chooses SQLite's or PostgreSQL's
//! (`any::AnyTarget`).

use std::sync::OnceLock;
use std::time::Duration;

use strata_ledger::{Dialect, Ledger, Prepared};
use strata_reconcile::Reconciler;
use strata_target::Target;

use super::any::AnyTarget;
use crate::failure::Failure;
use crate::output;

/// The SQLite target: files.
static SQLITE: AnyTarget = AnyTarget::Sqlite(strata_sqlite::Sqlite);

/// The PostgreSQL target, with the settings of this run.
static POSTGRES: OnceLock<AnyTarget> = OnceLock::new();
static POSTGRES_SETTINGS: OnceLock<strata_postgres::Postgres> = OnceLock::new();

/// Sets PostgreSQL's settings for this run (`--lock-timeout`,
/// `--dev-db`), before any command asks for the target.
pub fn configure(lock_timeout: f64, dev: Option<String>) -> Result<(), Failure> {
    let lock_timeout = Duration::try_from_secs_f64(lock_timeout)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Failure::new(format!(
                "--lock-timeout {lock_timeout} is not a positive number of seconds"
            ))
            .help("give it as seconds, for example --lock-timeout 5 or 0.5")
        })?;
    let t = strata_postgres::Postgres {
        lock_timeout,
        dev: dev.filter(|s| !s.is_empty()),
        ..strata_postgres::Postgres::default()
    };
    let _ = POSTGRES_SETTINGS.set(t);
    Ok(())
}

/// PostgreSQL's settings for this run (the defaults until [`configure`]).
pub fn postgres_target() -> &'static strata_postgres::Postgres {
    POSTGRES_SETTINGS.get_or_init(strata_postgres::Postgres::default)
}

fn postgres() -> &'static AnyTarget {
    POSTGRES.get_or_init(|| AnyTarget::Postgres(postgres_target().clone()))
}

/// The target of ledgers in `dialect`.
pub fn target_for(dialect: Dialect) -> Result<&'static AnyTarget, Failure> {
    match dialect {
        Dialect::Sqlite => Ok(&SQLITE),
        Dialect::Postgres => Ok(postgres()),
    }
}

/// The target of `ledger`'s dialect.
pub fn target(ledger: &Ledger) -> Result<&'static AnyTarget, Failure> {
    target_for(ledger.dialect())
}

/// The reconciler over `ledger`, with the target of its dialect.
pub fn reconciler(ledger: &Ledger) -> Result<Reconciler<'_, AnyTarget>, Failure> {
    Ok(Reconciler::new(target(ledger)?, ledger))
}

/// Whether this strata reads SQL in `dialect`: both of strata's dialects
/// have a target.
pub fn supported(dialect: Dialect) -> Result<(), Failure> {
    target_for(dialect).map(|_| ())
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
    let target = target(ledger)?;
    if let Some(warning) = strata_reconcile::proof::event_on(target, ledger, prepared, head)? {
        output::diagnostic(format_args!("warning: {warning}"));
    }
    Ok(())
}

/// Whether stored event `seq` is one no database ever passed.
pub fn void(ledger: &Ledger, seq: u64) -> Result<bool, Failure> {
    Ok(strata_reconcile::proof::void(target(ledger)?, ledger, seq)?)
}

/// The statements that build `schema` on an empty database of `ledger`'s
/// target.
pub fn render(ledger: &Ledger, schema: &strata_schema::Schema) -> Result<Vec<String>, Failure> {
    Ok(target(ledger)?.render(schema))
}

/// One difference between two schemas, as `target` writes it.
pub fn render_difference(target: &AnyTarget, d: &strata_schema::Difference) -> String {
    target.difference(d)
}

/// What changed about one object from an earlier point to a later one, as
/// the target words it (`diff`).
pub fn render_change(target: &AnyTarget, change: &strata_schema::diff::Change) -> String {
    target.change(change)
}
