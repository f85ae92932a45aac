//! What the property tests that drive the binary over a ledger built with
//! the library share (`tests/rollback.rs`, `tests/paths.rs`).

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::types::Value;
use rusqlite::Connection;
use strata_ledger::{Ledger, LedgerError};

/// Opens the ledger folder `dir`, waiting a moment for sled to let go of a
/// handle just dropped (its flusher thread holds the store until it
/// notices), as the binary's `--wait` does.
pub fn open_ledger(dir: &Path) -> Ledger {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Ledger::open(dir) {
            Err(LedgerError::InUse { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => break other.expect("open ledger"),
        }
    }
}

/// Every row of `sql`, each value as SQLite gives it.
pub fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut st = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = st.column_count();
    st.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}
