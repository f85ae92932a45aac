//! Crash points for the crash harness (tests/crash.rs): when
//! `$STRATA_FAILPOINT` names a point, the process aborts there, as a power
//! cut or SIGKILL would stop it: no destructors, no rollback, no flush.
//! Otherwise a point costs one comparison (the variable is read once).

use std::sync::OnceLock;

/// Abort the process here if `$STRATA_FAILPOINT` is `point`.
pub fn failpoint(point: impl AsRef<str>) {
    static WANTED: OnceLock<Option<String>> = OnceLock::new();
    let wanted = WANTED.get_or_init(|| std::env::var("STRATA_FAILPOINT").ok());
    if wanted.as_deref() == Some(point.as_ref()) {
        std::process::abort();
    }
}
