//! Crash points for the crash harness (tests/e2e/crash.rs) and the concurrency
//! tests: when `$STRATA_FAILPOINT` names a point, the process aborts there,
//! as a power cut or SIGKILL would stop it: no destructors, no rollback, no
//! flush. `POINT@wait=FILE` pauses there instead (creating `FILE.waiting`)
//! until FILE exists, so a test can act while the process stands at POINT.
//! Otherwise a point costs one check (the variable is read once; the
//! point's name is only formatted when it is set).

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Abort (or pause) the process here if `$STRATA_FAILPOINT` names `point`.
pub fn failpoint(point: std::fmt::Arguments) {
    static WANTED: OnceLock<Option<String>> = OnceLock::new();
    let Some(wanted) = WANTED.get_or_init(|| std::env::var("STRATA_FAILPOINT").ok()) else {
        return;
    };
    let point = point.to_string();
    let point = point.as_str();
    if wanted == point {
        std::process::abort();
    }
    let Some(file) = wanted
        .strip_prefix(point)
        .and_then(|rest| rest.strip_prefix("@wait="))
    else {
        return;
    };
    let _ = std::fs::write(format!("{file}.waiting"), point);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !Path::new(file).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}
