//! [`Error`]: why the reconciler refused or failed, with the advice a user
//! needs kept apart from the message, and what kind of failure it is.

use std::fmt;

use strata_ledger::{Hash, LedgerError};
use strata_schema::Difference;
use strata_target::{Loss, TargetError};

/// What kind of failure an [`Error`] is; the command line maps each to its
/// exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad input, refused, not found.
    Refused,
    /// A broken chain, or a database at a point not in this ledger.
    Integrity,
    /// The live database differs from what the ledger says it should be.
    Drift,
}

/// Why the reconciler did not do what it was asked. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The target failed or refused; `place` (the database) prefixes the
    /// message when the target's own message does not name it.
    #[error("{}{error}", place.as_deref().map(|p| format!("{p}: ")).unwrap_or_default())]
    Target {
        place: Option<String>,
        error: Box<dyn std::error::Error + Send + Sync>,
        /// The target's advice.
        help: Option<String>,
    },
    #[error("{db} was reconciled by another ledger (id {}), not {ledger} (id {})", found.short(12), expected.map_or("none: it is empty".to_string(), |h| h.short(12)))]
    ForeignLedger {
        db: String,
        found: Hash,
        ledger: String,
        expected: Option<Hash>,
    },
    #[error("{db} records event {seq} with hash {}, which is not in this ledger's chain", hash.short(12))]
    NotInChain { db: String, seq: u64, hash: Hash },
    /// A database that applied events a rebase re-recorded keeps archives
    /// named by their old place in history.
    #[error("{db} applied events that were later rebased (its event {seq} is now event {}), and it keeps archives they made ({archive}), named by their old place in history; strata does not move a database whose archives would name other events", detour.last)]
    RebasedArchives {
        db: String,
        seq: u64,
        detour: crate::Detour,
        archive: String,
    },
    #[error("{db} has drifted from event {seq}: {} difference{} (listed above)", differences.len(), if differences.len() == 1 { "" } else { "s" })]
    Drift {
        db: String,
        seq: u64,
        differences: Vec<Difference>,
    },
    #[error("the ledger is empty: record a change before applying")]
    EmptyLedger,
    #[error("event {0} is not stored")]
    Missing(u64),
    #[error("{}", without_data(db, losses))]
    WithoutData { db: String, losses: Vec<Loss> },
    /// The target refuses an event being recorded, or its undo.
    #[error("{message}; nothing was appended")]
    Unprovable {
        message: String,
        /// The database engine that refused, as users know it (`SQLite`).
        engine: &'static str,
    },
}

fn without_data(db: &str, losses: &[Loss]) -> String {
    let rows: u64 = losses.iter().map(|l| l.rows).sum();
    let one = losses.len() == 1;
    format!(
        "{db} would get back {} table{} or column{} without {rows} row{} of data: {} archive{} purged (listed above); nothing was changed",
        losses.len(),
        if one { "" } else { "s" },
        if one { "" } else { "s" },
        if rows == 1 { "" } else { "s" },
        if one { "its" } else { "their" },
        if one { " was" } else { "s were" },
    )
}

impl Error {
    /// A target's error, about the database `place` when given.
    pub fn target(place: Option<&str>, error: impl TargetError) -> Error {
        Error::Target {
            place: place.map(str::to_string),
            help: error.help(),
            error: Box::new(error),
        }
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> Kind {
        match self {
            Error::ForeignLedger { .. } | Error::NotInChain { .. } => Kind::Integrity,
            Error::Ledger(e) if e.is_damage() => Kind::Integrity,
            Error::Drift { .. } => Kind::Drift,
            _ => Kind::Refused,
        }
    }

    /// What to do about it, when there is advice to give.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Error::ForeignLedger { .. } => "give the --ledger it belongs to".to_string(),
            Error::NotInChain { .. } => "the ledger lost or changed events: run `strata verify` and restore it from a copy you trust".to_string(),
            Error::RebasedArchives { detour, .. } => format!("apply it back to event {} with the store the rebase kept (strata --ledger DIR pointed at a copy holding it), then apply it here; or build a fresh one with checkout", detour.fork),
            Error::Drift { db, .. } => format!("undo the changes by hand until `strata status --db {db}` shows no drift; or, to keep them in a database at head, adopt its schema with `strata baseline --db {db} -m MSG --force-after head`. Recording them as a change does not clear drift: the database has them already"),
            Error::EmptyLedger => "strata record -m MSG FILE.sql".to_string(),
            Error::WithoutData { .. } => "restore the database from a backup taken before the purge, or pass --without-data to move without that data".to_string(),
            Error::Target { help, .. } => return help.clone(),
            Error::Unprovable { engine, .. } => format!("strata applies every event to a scratch {engine} database before appending it; change what {engine} refuses and record again"),
            _ => return None,
        })
    }
}

/// The reconciler's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A warning that does not stop the command: printed on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
