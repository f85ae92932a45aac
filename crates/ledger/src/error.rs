//! [`LedgerError`]: everything that can go wrong opening, reading or
//! appending to a ledger. Each message is one lowercase line that names the
//! offending value and, where there is one, the fix. Findings of `verify` are
//! not errors: they are [`crate::VerifyReport`]s.

use std::path::PathBuf;

use strata_schema::ProjectError;

use crate::event::{CodecError, Dialect};
use crate::hash::Hash;
use crate::point::TagNameError;
use crate::timestamp::Timestamp;

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    // Opening and creating.
    #[error("no ledger at {}", dir.display())]
    NoLedger { dir: PathBuf },
    #[error("a ledger already exists at {}", dir.display())]
    AlreadyExists { dir: PathBuf },
    #[error("ledger {} is in use by another strata process{}", dir.display(), holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    InUse {
        dir: PathBuf,
        /// Which process, as it wrote itself down (`pid N: strata ...`),
        /// when that process is still alive.
        holder: Option<String>,
    },
    #[error("{} does not hold a strata ledger ({reason})", dir.display())]
    NotALedger { dir: PathBuf, reason: String },
    #[error("ledger {} has format version {found}, but this strata reads versions {} to {}", dir.display(), crate::OLDEST_FORMAT_VERSION, crate::FORMAT_VERSION)]
    FormatVersion { dir: PathBuf, found: u32 },
    #[error("ledger {} is written in the {dialect} dialect in format version {version}, which this strata cannot read", dir.display())]
    Dialect {
        dir: PathBuf,
        dialect: Dialect,
        version: u32,
    },
    #[error("cannot create {}: {source}", dir.display())]
    Create {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[cfg(feature = "store")]
    #[error("ledger store {}: {source}", dir.display())]
    Store { dir: PathBuf, source: sled::Error },
    #[error("the ledger is damaged at {}: {reason}", place(*seq))]
    Damaged { seq: Option<u64>, reason: String },
    /// The store's own files are damaged: sled cannot read them back.
    #[error("the ledger store in {} is damaged ({reason})", dir.display())]
    Corrupt { dir: PathBuf, reason: String },
    /// The journal readers read (docs/ledger-format.md, "Journal") does
    /// not check out; the store may well be intact.
    #[error("the ledger's journal {} is damaged: {reason}", path.display())]
    JournalDamaged { path: PathBuf, reason: String },
    #[error("cannot {doing} the ledger's journal {}: {source}", path.display())]
    JournalIo {
        path: PathBuf,
        /// "read" or "write".
        doing: &'static str,
        source: std::io::Error,
    },
    /// A bundle (docs/embedding.md) that does not check out: it is not
    /// used at all.
    #[error("bundle {name} cannot be used: {reason}")]
    BadBundle { name: String, reason: String },
    /// A ledger made before journals, in a folder this user may not write:
    /// its store cannot be opened without writing to it.
    #[error("ledger {} has no journal, and its store cannot be read without writing to the folder", dir.display())]
    NoJournal { dir: PathBuf },
    /// The journal goes on from the store's head: the store lost events it
    /// had committed (the journal is written only after the store flushed).
    #[error("the ledger's store is damaged: it ends at event {store} but its journal goes on to event {journal}, so it lost events it had committed")]
    StoreBehindJournal { store: u64, journal: u64 },
    #[error("the ledger was opened to read (from its journal), not to append")]
    OpenedToRead,

    // Appending.
    #[error("the message is empty")]
    EmptyMessage,
    #[error("a {kind} needs at least one op")]
    NoOps { kind: &'static str },
    #[error("op {index} ({kind}) does not fit the schema at event {head}: {error}")]
    DoesNotFit {
        /// The op's index in the body, from 0.
        index: usize,
        kind: &'static str,
        /// The seq of the head it was projected onto (0 = empty schema).
        head: u64,
        error: ProjectError,
    },
    #[error("time {at} is earlier than event {head}'s ({head_at}): times never decrease along the ledger")]
    TimeGoesBack {
        at: Timestamp,
        head: u64,
        head_at: Timestamp,
    },
    #[error(transparent)]
    TagName(#[from] TagNameError),
    #[error("tag {name} already exists (it names event {target})")]
    TagExists { name: String, target: u64 },
    #[error("cannot tag event {target}: {}", head_says(*head))]
    TagTarget { target: u64, head: u64 },
    #[error("a revert names no events to revert")]
    RevertOfNothing,
    #[error("cannot revert event {seq}: {}", head_says(*head))]
    RevertTarget { seq: u64, head: u64 },
    #[error("event {seq} cannot be reverted: {reason}")]
    NotRevertible { seq: u64, reason: &'static str },
    #[error("event {seq} is a baseline that no ops reach from the schema before it: {reason}")]
    BaselineUnreachable { seq: u64, reason: String },
    #[error("event {seq} cannot be reverted: its data step {} ({excerpt}) has no inverse and the event has no revert SQL", index + 1)]
    DataStepWithoutRevert {
        seq: u64,
        /// The op's index in the event, from 0.
        index: usize,
        excerpt: String,
    },
    #[error("event {seq} cannot be reverted alone: later {} on it ({})", if dependents.len() == 1 { "event depends" } else { "events depend" }, dependents_say(dependents))]
    RevertDependents {
        seq: u64,
        /// The later events (seq, message) the revert needs undone first.
        dependents: Vec<(u64, String)>,
    },
    #[error("the inverse of event {seq} does not fit head's schema: {error}")]
    RevertDoesNotFit { seq: u64, error: ProjectError },
    #[error("undoing events {from}..={head} does not give the schema at point {target} exactly, which should not happen: nothing was appended")]
    RevertInexact { target: u64, from: u64, head: u64 },
    #[error("nothing to revert: no event after point {target} changes the schema (head is event {head})")]
    NothingToRevert { target: u64, head: u64 },
    #[error("event {seq} (prev {prev}) does not follow head ({}, hash {head_hash})", if *head == 0 { "the ledger is empty".to_string() } else { format!("event {head}") })]
    NotNext {
        seq: u64,
        prev: Hash,
        head: u64,
        head_hash: Hash,
    },
    #[error("event {seq} records fingerprint {recorded}, but the schema it gives has {projected}")]
    FingerprintDiffers {
        seq: u64,
        recorded: Hash,
        projected: Hash,
    },
    #[error("the ledger changed while this event was prepared")]
    Conflict,
    #[error("{0}")]
    Codec(#[from] CodecError),

    // Resolving points.
    #[error("there is no event {seq}: {}", head_says(*head))]
    NoSuchEvent { seq: u64, head: u64 },
    #[error("head~{back} is before the first event: the ledger has {events} events, so head~{events} is the empty schema")]
    BeforeStart { back: u64, events: u64 },
    #[error("no tag named {name}: {}", tags_say(tags))]
    NoSuchTag { name: String, tags: Vec<String> },
    #[error("no event's hash starts with {prefix}")]
    NoSuchHash { prefix: String },
    #[error("hash prefix {prefix} is ambiguous: {}", candidates_say(candidates))]
    AmbiguousHash {
        prefix: String,
        candidates: Vec<(u64, Hash)>,
    },
    #[error("no event at or before {at}: {}", first_says(*first))]
    BeforeFirstEvent {
        at: Timestamp,
        first: Option<Timestamp>,
    },
}

impl LedgerError {
    /// What to do about it, when there is advice to give.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            LedgerError::NoLedger { .. } => "run `strata init` to create one".to_string(),
            LedgerError::AlreadyExists { .. } => "use it, or give another directory".to_string(),
            LedgerError::Damaged { .. } => "run `strata verify` for the whole picture".to_string(),
            LedgerError::Corrupt { .. } => {
                "restore the ledger folder from a copy you trust".to_string()
            }
            LedgerError::JournalDamaged { .. } => JOURNAL_ADVICE.to_string(),
            LedgerError::BadBundle { .. } => {
                "make it again from the ledger with `strata export --bundle FILE`".to_string()
            }
            LedgerError::StoreBehindJournal { .. } => "restore the ledger folder from a copy you trust; or, to go on from what the store has, move the journal away (readers then read the store; the next command that appends writes the journal anew)".to_string(),
            LedgerError::NoJournal { dir } => format!(
                "someone who may write to {} runs `strata verify --store` once (or any command that appends); it writes the journal, which strata then reads without writing",
                dir.display()
            ),
            LedgerError::EmptyMessage => "say what the event does".to_string(),
            LedgerError::TimeGoesBack { .. } => "give a time at or after it".to_string(),
            LedgerError::TagExists { .. } => "choose another name".to_string(),
            LedgerError::RevertDependents { dependents, .. } => format!(
                "give --cascade to revert {} too, newest first",
                if dependents.len() == 1 { "it" } else { "them" }
            ),
            LedgerError::RevertInexact { .. } => {
                "run `strata verify --deep` and report it".to_string()
            }
            LedgerError::Conflict => "run the command again".to_string(),
            LedgerError::AmbiguousHash { .. } => "give more characters".to_string(),
            LedgerError::FormatVersion { .. } | LedgerError::Dialect { .. } => {
                "use the strata that wrote it, or a later one".to_string()
            }
            _ => return None,
        })
    }

    /// Whether the error says the ledger is damaged (an integrity failure,
    /// exit 3) rather than that something was asked of it that it refuses.
    pub fn is_damage(&self) -> bool {
        match self {
            LedgerError::Damaged { .. }
            | LedgerError::Corrupt { .. }
            | LedgerError::JournalDamaged { .. }
            | LedgerError::BadBundle { .. }
            | LedgerError::StoreBehindJournal { .. } => true,
            #[cfg(feature = "store")]
            LedgerError::Store { source, .. } => matches!(source, sled::Error::Corruption { .. }),
            _ => false,
        }
    }
}

/// What to do about a damaged journal: the store is the truth, and the
/// next process that opens it to write rebuilds the journal from it.
pub const JOURNAL_ADVICE: &str = "the store is the ledger's truth: `strata verify --store` (run by someone who may write to the ledger folder) checks it and rebuilds the journal from it, as the next command that appends does";

fn place(seq: Option<u64>) -> String {
    match seq {
        Some(s) => format!("event {s}"),
        None => "its indexes".to_string(),
    }
}

fn head_says(head: u64) -> String {
    if head == 0 {
        "the ledger is empty".to_string()
    } else {
        format!("the ledger's head is event {head}")
    }
}

/// At most this many names or candidates in a message.
const LIST_MAX: usize = 10;

fn list(items: impl ExactSizeIterator<Item = String>) -> String {
    let n = items.len();
    let mut s: Vec<String> = items.take(LIST_MAX).collect();
    if n > LIST_MAX {
        s.push(format!("and {} more", n - LIST_MAX));
    }
    s.join(", ")
}

fn dependents_say(d: &[(u64, String)]) -> String {
    list(
        d.iter()
            .map(|(seq, message)| format!("event {seq} \"{message}\"")),
    )
}

fn tags_say(tags: &[String]) -> String {
    if tags.is_empty() {
        "the ledger has no tags".to_string()
    } else {
        format!("the tags are {}", list(tags.iter().cloned()))
    }
}

fn candidates_say(c: &[(u64, Hash)]) -> String {
    list(
        c.iter()
            .map(|(seq, h)| format!("event {seq} ({})", h.short(16))),
    )
}

fn first_says(first: Option<Timestamp>) -> String {
    match first {
        Some(t) => format!("the first event is at {t}"),
        None => "the ledger is empty".to_string(),
    }
}
