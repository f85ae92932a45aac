//! The sled store: [`Ledger`] opens or creates it, reads events, schemas,
//! tags and points from it, and appends events in one transaction.
//!
//! Layout (docs/ledger-format.md has the whole of it): the sled database lives
//! in `DIR/store`, so `DIR` can hold other files. Trees:
//!
//! - `events`: seq (u64 big endian) -> bincode(event)
//! - `hashes`: event hash (32 bytes) -> seq (u64 big endian)
//! - `tags`: tag name (UTF-8) -> target seq (u64 BE) ++ the tag event's seq (u64 BE)
//! - `meta`: `format_version` -> u32 BE, `head_seq` -> u64 BE, `head_hash` -> 32 bytes
//! - `compact_snapshots`: seq (u64 BE) -> a method byte, then the compressed
//!   bincode(schema after that event), every [`SNAPSHOT_EVERY`] events
//!   (`crate::snapshot`)
//! - `snapshots`: seq (u64 BE) -> bincode(schema after that event), what a
//!   store written before compact snapshots holds; read, never written
//!
//! A process holds the store exclusively (sled locks its file), so the head
//! kept in memory is the truth while the `Ledger` lives.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

#[cfg(feature = "store")]
use sled::transaction::{ConflictableTransactionError, TransactionError};
#[cfg(feature = "store")]
use sled::Transactional;
use strata_schema::{Rules, Schema};

use crate::error::{LedgerError, Result};
use crate::event::{
    decode_prefix, replay_body, ApplyError, Body, Dialect, Event, Format, Origin, FORMAT_VERSION,
    OLDEST_FORMAT_VERSION,
};
use crate::hash::{nibble, Hash};
#[cfg(feature = "store")]
use crate::journal::JournalWriter;
use crate::journal::{Journal, JournalEvents};
use crate::point::{check_tag_name, is_hash_prefix, Point};
use crate::timestamp::Timestamp;
use crate::verify::VerifyReport;

/// A snapshot of the projected schema is stored after every event whose seq
/// is a multiple of this, so the schema at any point costs one snapshot
/// decode and at most `SNAPSHOT_EVERY - 1` replays. docs/performance.md has
/// the measurements behind the number.
pub const SNAPSHOT_EVERY: u64 = 256;

#[cfg(feature = "store")]
/// The store writes every snapshot but one in this many events as a delta
/// against the one before (docs/ledger-format.md, "Snapshots"): reading the
/// schema just before a full snapshot rebuilds the longest chain of deltas
/// and replays `SNAPSHOT_EVERY - 1` events, the worst case.
pub const FULL_SNAPSHOT_EVERY: u64 = SNAPSHOT_EVERY * (crate::snapshot::CHAIN as u64 + 1);

#[cfg(feature = "store")]
/// sled's page cache; its default (1 GiB) lets a full scan grow the process
/// to hundreds of MiB. See docs/performance.md.
const CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

/// The folder inside a ledger directory that holds the sled store.
pub const STORE_DIR: &str = "store";

#[cfg(feature = "store")]
pub(crate) const META_FORMAT: &[u8] = b"format_version";
/// The ledger's dialect, by name (format 3 on).
#[cfg(feature = "store")]
pub(crate) const META_DIALECT: &[u8] = b"dialect";
#[cfg(feature = "store")]
pub(crate) const META_HEAD_SEQ: &[u8] = b"head_seq";
#[cfg(feature = "store")]
pub(crate) const META_HEAD_HASH: &[u8] = b"head_hash";

/// An event as stored, with its hash (computed from the stored bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub hash: Hash,
    pub event: Event,
}

/// A named point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    /// The seq the tag names (0 = the empty schema).
    pub target: u64,
    /// The seq of the tag event that created it.
    pub seq: u64,
}

/// What a caller wants to append; the ledger fills in seq, prev, the
/// fingerprint and, when `at` is `None`, the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// When; `None` is now (or head's time, if the clock is behind it).
    pub at: Option<Timestamp>,
    pub author: String,
    pub message: String,
    pub body: Body,
}

/// An event checked against head and ready to be committed: it fits, and its
/// hash and resulting schema are known. Only [`Ledger::prepare`] makes one.
#[derive(Debug, Clone)]
pub struct Prepared {
    event: Event,
    hash: Hash,
    bytes: Vec<u8>,
    schema: Schema,
}

impl State {
    pub(crate) fn head_seq(&self) -> u64 {
        self.head.map_or(0, |h| h.seq)
    }
}

impl Prepared {
    pub fn event(&self) -> &Event {
        &self.event
    }

    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// The schema after the event.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The event's bincode bytes, as they would be stored.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[derive(Debug, Clone, Copy)]
struct Head {
    seq: u64,
    hash: Hash,
    at: Timestamp,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    head: Option<Head>,
    id: Option<Hash>,
    /// The schema at some seq, kept after an append so that the next one does
    /// not replay from a snapshot.
    schema: Option<(u64, Schema)>,
    /// The last snapshot this handle wrote: its seq, its bincode and its
    /// depth (the next one is written as a delta against it).
    #[cfg(feature = "store")]
    last_snapshot: Option<LastSnapshot>,
    /// Where appends go after the store (a ledger opened to write).
    #[cfg(feature = "store")]
    pub(crate) journal: Option<JournalWriter>,
}

/// An open ledger.
#[derive(Debug)]
pub struct Ledger {
    dir: PathBuf,
    /// Where its events are read from.
    pub(crate) backend: Backend,
    pub(crate) snapshot_every: u64,
    /// How its hashes are made.
    pub(crate) format: Format,
    /// Its dialect's rules, which every projection follows.
    pub(crate) rules: &'static dyn Rules,
    state: Mutex<State>,
}

/// Where a ledger's events are read from.
#[derive(Debug)]
pub(crate) enum Backend {
    /// The sled store (a ledger opened to write, or to read where the
    /// journal cannot be read).
    #[cfg(feature = "store")]
    Store(Sled),
    /// A journal or a bundle, read without sled: every read goes to it,
    /// and nothing touches the store.
    Journal(Journal),
}

/// What [`Ledger::compact_snapshots`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompactReport {
    /// Snapshots written in the compact form.
    pub rewritten: u64,
    /// Snapshots left as they were: they do not match their event's
    /// fingerprint, or cannot be rebuilt.
    pub left: u64,
    /// The stored bytes of the rewritten snapshots, before and after.
    pub before: u64,
    pub after: u64,
}

/// A snapshot's seq, its bincode and its depth (see `crate::snapshot`).
#[cfg(feature = "store")]
type LastSnapshot = (u64, Vec<u8>, u8);

/// One event as a commit writes it in the store.
#[cfg(feature = "store")]
struct Write {
    key: [u8; 8],
    hash: Hash,
    bytes: Vec<u8>,
    /// The schema after it, every `snapshot_every` events: its bincode
    /// (for the journal) and the compact form the store keeps.
    snapshot: Option<(Vec<u8>, Vec<u8>)>,
    /// Its tag's name and index value, for a tag event.
    tag: Option<(String, [u8; 16])>,
}

/// The sled database and its trees.
#[cfg(feature = "store")]
#[derive(Debug)]
pub struct Sled {
    db: sled::Db,
    pub(crate) events: sled::Tree,
    pub(crate) hashes: sled::Tree,
    pub(crate) tags: sled::Tree,
    pub(crate) meta: sled::Tree,
    pub(crate) snapshots: crate::snapshot::Snapshots,
}

/// An event's bytes as read.
#[cfg(feature = "store")]
pub(crate) type Raw = sled::IVec;
/// An event's bytes as read.
#[cfg(not(feature = "store"))]
pub(crate) type Raw = Vec<u8>;

pub(crate) fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

pub(crate) fn read_u64(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

#[cfg(feature = "store")]
fn read_hash(bytes: &[u8]) -> Option<Hash> {
    bytes.try_into().ok().map(Hash)
}

pub(crate) fn tag_value(target: u64, seq: u64) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(&target.to_be_bytes());
    v[8..].copy_from_slice(&seq.to_be_bytes());
    v
}

pub(crate) fn read_tag_value(bytes: &[u8]) -> Option<(u64, u64)> {
    if bytes.len() != 16 {
        return None;
    }
    Some((read_u64(&bytes[..8])?, read_u64(&bytes[8..])?))
}

#[cfg(feature = "store")]
fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

/// The rules of `format`'s dialect, or why the ledger in `dir` cannot be
/// read.
pub(crate) fn rules_of(dir: &Path, format: Format) -> Result<&'static dyn Rules> {
    format.rules().ok_or_else(|| LedgerError::Dialect {
        dir: dir.to_path_buf(),
        dialect: format.dialect,
        version: format.version,
    })
}

impl Ledger {
    #[cfg(feature = "store")]
    /// Create a new, empty SQLite ledger in `dir` (created if missing).
    /// Refuses when `dir` already holds one.
    pub fn init(dir: impl AsRef<Path>) -> Result<Ledger> {
        Ledger::init_with(dir, Dialect::Sqlite)
    }

    #[cfg(feature = "store")]
    /// Create a new, empty ledger of `dialect` in `dir`, in the current
    /// format version.
    pub fn init_with(dir: impl AsRef<Path>, dialect: Dialect) -> Result<Ledger> {
        Ledger::init_format(dir, Format::new(dialect))
    }

    #[cfg(feature = "store")]
    /// Create a new, empty ledger in `dir` whose hashes are made by
    /// `format`: a version this strata reads (a version-2 ledger is SQLite).
    /// `import` uses it to copy a ledger from its text form, hashes and all.
    pub fn init_format(dir: impl AsRef<Path>, format: Format) -> Result<Ledger> {
        let dir = dir.as_ref().to_path_buf();
        if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&format.version)
            || (format.version == 2 && format.dialect != Dialect::Sqlite)
        {
            return Err(LedgerError::FormatVersion {
                dir,
                found: format.version,
            });
        }
        let rules = rules_of(&dir, format)?;
        let store = dir.join(STORE_DIR);
        if store.exists() {
            return Err(LedgerError::AlreadyExists { dir });
        }
        std::fs::create_dir_all(&dir).map_err(|source| LedgerError::Create {
            dir: dir.clone(),
            source,
        })?;
        let db = open_sled(&dir, &store, true, Access::Write)?;
        let mut ledger = Ledger::from_db(dir, db)?;
        ledger.format = format;
        ledger.rules = rules;
        let err = |source| LedgerError::Store {
            dir: ledger.dir.clone(),
            source,
        };
        let meta = &ledger.sled()?.meta;
        meta.insert(META_FORMAT, &format.version.to_be_bytes())
            .map_err(err)?;
        if format.version >= 3 {
            meta.insert(META_DIALECT, format.dialect.as_str().as_bytes())
                .map_err(err)?;
        }
        meta.insert(META_HEAD_SEQ, &seq_key(0)).map_err(err)?;
        meta.insert(META_HEAD_HASH, Hash::ZERO.as_bytes())
            .map_err(err)?;
        ledger.sled()?.db.flush().map_err(err)?;
        ledger.sync_journal(true)?;
        Ok(ledger)
    }

    #[cfg(feature = "store")]
    /// Open the ledger in `dir` to read it: strata writes nothing in `dir`
    /// (sled may still rewrite its own files in the store folder, see
    /// docs/reliability.md). A caller that appends opens with
    /// [`Ledger::open_to_write`], so that a process waiting for the store
    /// can say who holds it.
    pub fn open(dir: impl AsRef<Path>) -> Result<Ledger> {
        Ledger::open_as(dir.as_ref(), Access::Read, None).map(|(l, _)| l)
    }

    #[cfg(feature = "store")]
    /// Open the ledger in `dir` to read it and verify it: what
    /// [`Ledger::open`] then [`Ledger::verify`] give (the same errors, the
    /// same report), with the journal read once, from its first record,
    /// for both the opening check and verify's own.
    pub fn open_verified(dir: impl AsRef<Path>, deep: bool) -> Result<(Ledger, VerifyReport)> {
        let (ledger, report) = Ledger::open_as(dir.as_ref(), Access::Read, Some(deep))?;
        match report {
            Some(report) => Ok((ledger, report)),
            None => {
                let report = ledger.verify(deep)?;
                Ok((ledger, report))
            }
        }
    }

    #[cfg(feature = "store")]
    /// Open the ledger in `dir` to append to it: as [`Ledger::open`], and
    /// this process writes itself down as the store's holder.
    pub fn open_to_write(dir: impl AsRef<Path>) -> Result<Ledger> {
        Ledger::open_as(dir.as_ref(), Access::Write, None).map(|(l, _)| l)
    }

    #[cfg(feature = "store")]
    /// Open as `access` says; with `verify` (a reader, and whether deep),
    /// a journal is verified in the pass that opens it, and the report
    /// comes with the ledger.
    fn open_as(
        dir: &Path,
        access: Access,
        verify: Option<bool>,
    ) -> Result<(Ledger, Option<VerifyReport>)> {
        let dir = dir.to_path_buf();
        let store = dir.join(STORE_DIR);
        if crate::rebase::swap_pending(&dir) {
            // A rebase was done and stopped before its new store (and
            // journal) took the old ones' place: a writer finishes it; a
            // reader writes nothing, and reads what is there when it can.
            match access {
                Access::Write => {
                    crate::rebase::finish_swap(&dir).map_err(|source| LedgerError::Create {
                        dir: dir.clone(),
                        source,
                    })?
                }
                Access::Read if !store.exists() => {
                    return Err(LedgerError::NotALedger {
                        dir,
                        reason: "a rebase stopped before its new store took the old one's place; any command that writes (record, tag, rebase) finishes it".to_string(),
                    })
                }
                Access::Read => {}
            }
        }
        if !store.exists() {
            return Err(LedgerError::NoLedger { dir });
        }
        if !store.is_dir() {
            return Err(LedgerError::NotALedger {
                reason: format!("{} is not a folder", store.display()),
                dir,
            });
        }
        for file in ["conf", "db"] {
            if !store.join(file).is_file() {
                return Err(LedgerError::NotALedger {
                    reason: format!("{} has no sled file {file}", store.display()),
                    dir,
                });
            }
        }
        if access == Access::Read {
            if let Some(deep) = verify {
                if let Some((journal, report)) = Journal::open_verified(&dir, deep)? {
                    return Ok((Ledger::from_journal(dir, journal)?, Some(report)));
                }
            } else if let Some(ledger) = Ledger::open_journal(&dir)? {
                return Ok((ledger, None));
            }
        }
        let db = match open_sled(&dir, &store, false, access) {
            Err(LedgerError::Store { source, .. })
                if access == Access::Read && is_denied(&source) =>
            {
                return Err(LedgerError::NoJournal { dir })
            }
            opened => opened?,
        };
        let mut ledger = Ledger::from_db(dir, db)?;
        ledger.format = ledger.read_format()?;
        ledger.rules = rules_of(&ledger.dir, ledger.format)?;
        ledger.load_head()?;
        if access == Access::Write {
            ledger.sync_journal(false)?;
        }
        Ok((ledger, None))
    }

    #[cfg(feature = "store")]
    fn from_db(dir: PathBuf, db: sled::Db) -> Result<Ledger> {
        let tree = |name: &str| {
            db.open_tree(name).map_err(|source| LedgerError::Store {
                dir: dir.clone(),
                source,
            })
        };
        Ok(Ledger {
            backend: Backend::Store(Sled {
                events: tree("events")?,
                hashes: tree("hashes")?,
                tags: tree("tags")?,
                meta: tree("meta")?,
                snapshots: crate::snapshot::Snapshots::new(
                    tree(crate::snapshot::COMPACT_TREE)?,
                    tree(crate::snapshot::FULL_TREE)?,
                ),
                db,
            }),
            snapshot_every: SNAPSHOT_EVERY,
            format: Format::new(Dialect::Sqlite),
            rules: strata_dialect::sqlite::RULES,
            state: Mutex::new(State::default()),
            dir,
        })
    }

    /// A ledger read from `journal`, its head as the journal has it.
    pub(crate) fn from_journal(dir: PathBuf, journal: Journal) -> Result<Ledger> {
        let state = State {
            head: journal.head().map(|(seq, hash, at)| Head { seq, hash, at }),
            id: journal.id(),
            ..State::default()
        };
        Ok(Ledger {
            rules: rules_of(&dir, journal.format())?,
            format: journal.format(),
            backend: Backend::Journal(journal),
            snapshot_every: SNAPSHOT_EVERY,
            state: Mutex::new(state),
            dir,
        })
    }

    /// The store, unless the ledger was opened to read from its journal.
    #[cfg(feature = "store")]
    pub(crate) fn sled(&self) -> Result<&Sled> {
        match &self.backend {
            Backend::Store(sled) => Ok(sled),
            Backend::Journal(_) => Err(LedgerError::OpenedToRead),
        }
    }

    /// The journal (or bundle) every read goes to, when the ledger was
    /// opened from one.
    pub(crate) fn journal(&self) -> Option<&Journal> {
        match &self.backend {
            Backend::Journal(journal) => Some(journal),
            #[cfg(feature = "store")]
            Backend::Store(_) => None,
        }
    }

    /// How this ledger's hashes are made: its format version and dialect.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The dialect of the ledger's SQL text.
    pub fn dialect(&self) -> Dialect {
        self.format.dialect
    }

    /// The rules of the ledger's dialect, which its schemas follow.
    pub fn rules(&self) -> &'static dyn Rules {
        self.rules
    }

    #[cfg(feature = "store")]
    /// Read the format version and the dialect from `meta`.
    fn read_format(&self) -> Result<Format> {
        let not_a_ledger = |reason: &str| LedgerError::NotALedger {
            dir: self.dir.clone(),
            reason: reason.to_string(),
        };
        let meta = &self.sled()?.meta;
        let version = meta
            .get(META_FORMAT)
            .map_err(|e| self.store_err(e))?
            .ok_or_else(|| not_a_ledger("its store has no format version"))?;
        let version = <[u8; 4]>::try_from(version.as_ref())
            .map(u32::from_be_bytes)
            .map_err(|_| not_a_ledger("its format version is not a number"))?;
        if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(LedgerError::FormatVersion {
                dir: self.dir.clone(),
                found: version,
            });
        }
        if version == 2 {
            return Ok(Format::V2);
        }
        let dialect = meta
            .get(META_DIALECT)
            .map_err(|e| self.store_err(e))?
            .ok_or_else(|| not_a_ledger("its store has no dialect"))?;
        let dialect = std::str::from_utf8(&dialect)
            .ok()
            .and_then(Dialect::parse)
            .ok_or_else(|| not_a_ledger("its dialect is not one strata knows"))?;
        Ok(Format { version, dialect })
    }

    #[cfg(feature = "store")]
    /// Read the head from `meta`.
    fn load_head(&self) -> Result<()> {
        let damaged = |reason: &str| LedgerError::Damaged {
            seq: None,
            reason: reason.to_string(),
        };
        let meta = &self.sled()?.meta;
        let head_seq = meta
            .get(META_HEAD_SEQ)
            .map_err(|e| self.store_err(e))?
            .and_then(|v| read_u64(&v))
            .ok_or_else(|| damaged("the head record has no valid seq"))?;
        let head_hash = meta
            .get(META_HEAD_HASH)
            .map_err(|e| self.store_err(e))?
            .and_then(|v| read_hash(&v))
            .ok_or_else(|| damaged("the head record has no valid hash"))?;
        let mut state = self.lock();
        if head_seq == 0 {
            state.head = None;
            state.id = None;
            return Ok(());
        }
        let bytes = self.raw(head_seq)?.ok_or_else(|| LedgerError::Damaged {
            seq: Some(head_seq),
            reason: "the head record names it but it is not stored".to_string(),
        })?;
        if self.format.hash_event_bytes(&bytes) != head_hash {
            return Err(LedgerError::Damaged {
                seq: Some(head_seq),
                reason: "its hash differs from the head record's".to_string(),
            });
        }
        let prefix = decode_prefix(&bytes).map_err(|e| LedgerError::Damaged {
            seq: Some(head_seq),
            reason: e.to_string(),
        })?;
        let first = self.raw(1)?.ok_or_else(|| LedgerError::Damaged {
            seq: Some(1),
            reason: "it is not stored".to_string(),
        })?;
        state.head = Some(Head {
            seq: head_seq,
            hash: head_hash,
            at: prefix.at,
        });
        state.id = Some(self.format.hash_event_bytes(&first));
        Ok(())
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(feature = "store")]
    pub(crate) fn store_err(&self, source: sled::Error) -> LedgerError {
        LedgerError::Store {
            dir: self.dir.clone(),
            source,
        }
    }

    /// The ledger's directory (the store is in its `store` folder).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The last event's seq and hash; `None` for an empty ledger.
    pub fn head(&self) -> Option<(u64, Hash)> {
        self.lock().head.map(|h| (h.seq, h.hash))
    }

    /// The seq of head, 0 for an empty ledger.
    pub fn head_seq(&self) -> u64 {
        self.lock().head.map_or(0, |h| h.seq)
    }

    /// The ledger's id: the hash of event 1; `None` for an empty ledger.
    pub fn id(&self) -> Option<Hash> {
        self.lock().id
    }

    pub(crate) fn raw(&self, seq: u64) -> Result<Option<Raw>> {
        match &self.backend {
            // A copy into sled's type with the store; the bytes as they are
            // without it.
            #[allow(clippy::useless_conversion)]
            Backend::Journal(journal) => Ok(journal.raw(seq)?.map(Raw::from)),
            #[cfg(feature = "store")]
            Backend::Store(sled) => sled.events.get(seq_key(seq)).map_err(|e| self.store_err(e)),
        }
    }

    /// Event `seq`, if stored.
    pub fn event(&self, seq: u64) -> Result<Option<Entry>> {
        self.raw(seq)?
            .map(|bytes| decode_entry(self.format, seq, &bytes))
            .transpose()
    }

    /// The event with this hash, if any.
    pub fn event_by_hash(&self, hash: &Hash) -> Result<Option<Entry>> {
        match &self.backend {
            Backend::Journal(journal) => journal.event_by_hash(hash),
            #[cfg(feature = "store")]
            Backend::Store(sled) => self.store_event_by_hash(sled, hash),
        }
    }

    #[cfg(feature = "store")]
    fn store_event_by_hash(&self, sled: &Sled, hash: &Hash) -> Result<Option<Entry>> {
        let Some(v) = sled
            .hashes
            .get(hash.as_bytes())
            .map_err(|e| self.store_err(e))?
        else {
            return Ok(None);
        };
        let seq = read_u64(&v).ok_or_else(|| LedgerError::Damaged {
            seq: None,
            reason: format!("the hash index entry of {hash} is not a seq"),
        })?;
        let entry = self.event(seq)?.ok_or_else(|| LedgerError::Damaged {
            seq: Some(seq),
            reason: format!("the hash index names it for {hash} but it is not stored"),
        })?;
        if entry.hash != *hash {
            return Err(LedgerError::Damaged {
                seq: Some(seq),
                reason: format!(
                    "the hash index names it for {hash} but its hash is {}",
                    entry.hash
                ),
            });
        }
        Ok(Some(entry))
    }

    /// Events oldest first, starting at `seq` (streamed from the store).
    pub fn events_from(&self, seq: u64) -> Events {
        self.events_in(seq_key(seq).., false)
    }

    /// Events newest first, starting at `seq` and going down to event 1.
    pub fn events_back_from(&self, seq: u64) -> Events {
        self.events_in(..=seq_key(seq), true)
    }

    fn events_in(&self, range: impl std::ops::RangeBounds<[u8; 8]>, newest_first: bool) -> Events {
        let from = |b: std::ops::Bound<&[u8; 8]>| match b {
            std::ops::Bound::Included(k) => u64::from_be_bytes(*k),
            _ => 0,
        };
        let source = match &self.backend {
            Backend::Journal(journal) if newest_first => {
                Source::Journal(journal.events_back_from(from(range.end_bound())))
            }
            Backend::Journal(journal) => {
                Source::Journal(journal.events_from(from(range.start_bound())))
            }
            #[cfg(feature = "store")]
            Backend::Store(sled) => Source::Sled(sled.events.range(range)),
        };
        Events {
            source,
            newest_first,
            dir: self.dir.clone(),
            format: self.format,
        }
    }

    /// Events newest first, from head.
    pub fn events_newest_first(&self) -> Events {
        self.events_back_from(u64::MAX)
    }

    /// The tags, by name.
    pub fn tags(&self) -> Result<Vec<Tag>> {
        match &self.backend {
            Backend::Journal(journal) => Ok(journal.tags()),
            #[cfg(feature = "store")]
            Backend::Store(sled) => sled
                .tags
                .iter()
                .map(|item| {
                    let (k, v) = item.map_err(|e| self.store_err(e))?;
                    self.decode_tag(&k, &v)
                })
                .collect(),
        }
    }

    /// The tag named `name`, if any.
    pub fn tag(&self, name: &str) -> Result<Option<Tag>> {
        match &self.backend {
            Backend::Journal(journal) => Ok(journal.tag(name)),
            #[cfg(feature = "store")]
            Backend::Store(sled) => sled
                .tags
                .get(name.as_bytes())
                .map_err(|e| self.store_err(e))?
                .map(|v| self.decode_tag(name.as_bytes(), &v))
                .transpose(),
        }
    }

    #[cfg(feature = "store")]
    fn decode_tag(&self, k: &[u8], v: &[u8]) -> Result<Tag> {
        let name = String::from_utf8_lossy(k).into_owned();
        let (target, seq) = read_tag_value(v).ok_or_else(|| LedgerError::Damaged {
            seq: None,
            reason: format!("the tag index entry of {name} is malformed"),
        })?;
        Ok(Tag { name, target, seq })
    }

    /// The schema after event `seq` (0 = the empty schema): the nearest
    /// snapshot at or below `seq`, then at most K-1 replays.
    pub fn schema_at(&self, seq: u64) -> Result<Schema> {
        let head = self.head_seq();
        if seq > head {
            return Err(LedgerError::NoSuchEvent { seq, head });
        }
        if let Some((s, schema)) = &self.lock().schema {
            if *s == seq {
                return Ok(schema.clone());
            }
        }
        let schema = self.schema_at_uncached(seq)?;
        // Head's schema is kept for the next read of it and for the next
        // append, which starts from it (`record` reads head to parse
        // against it, then prepares the event on it): rebuilt from a
        // snapshot and up to K replays, it costs more than a copy.
        let mut state = self.lock();
        if seq == head && state.head.map_or(0, |h| h.seq) == seq && state.schema.is_none() {
            state.schema = Some((seq, schema.clone()));
        }
        Ok(schema)
    }

    fn schema_at_uncached(&self, seq: u64) -> Result<Schema> {
        if seq == 0 {
            return Ok(Schema::default());
        }
        match &self.backend {
            Backend::Journal(journal) => journal.schema_at(seq),
            #[cfg(feature = "store")]
            Backend::Store(sled) => self.store_schema_at(sled, seq),
        }
    }

    #[cfg(feature = "store")]
    fn store_schema_at(&self, sled: &Sled, seq: u64) -> Result<Schema> {
        let snapshot = sled
            .snapshots
            .at_or_below(seq)
            .map_err(|e| self.store_err(e))?;
        let (mut schema, from) = match snapshot {
            None => (Schema::default(), 1),
            Some(0) => {
                return Err(LedgerError::Damaged {
                    seq: None,
                    reason: "a snapshot key is not a seq".to_string(),
                })
            }
            Some(at) => {
                let event = self.event(at)?.ok_or_else(|| LedgerError::Damaged {
                    seq: Some(at),
                    reason: "it has a snapshot but is not stored".to_string(),
                })?;
                let damaged = |reason: String| LedgerError::Damaged {
                    seq: Some(at),
                    reason,
                };
                let v = sled
                    .snapshots
                    .bytes(at)
                    .map_err(|e| self.store_err(e))?
                    .ok_or_else(|| damaged("its snapshot is gone".to_string()))?
                    .map_err(damaged)?;
                if self.format.fingerprint_bytes(&v) != event.event.fingerprint {
                    return Err(damaged(
                        "its snapshot does not match its fingerprint".to_string(),
                    ));
                }
                let schema = self
                    .format
                    .decode_schema(&v)
                    .map_err(|e| damaged(format!("its snapshot does not decode: {e}")))?;
                (schema, at + 1)
            }
        };
        for item in sled.events.range(seq_key(from)..=seq_key(seq)) {
            let (k, v) = item.map_err(|e| self.store_err(e))?;
            let at = read_u64(&k).unwrap_or(0);
            let event = self
                .format
                .decode_event(&v)
                .map_err(|e| LedgerError::Damaged {
                    seq: Some(at),
                    reason: e.to_string(),
                })?;
            replay_body(self.rules, &mut schema, event.seq, &event.body).map_err(|e| {
                LedgerError::Damaged {
                    seq: Some(at),
                    reason: format!("it does not replay: {e}"),
                }
            })?;
        }
        Ok(schema)
    }

    /// The seq `point` stands at (0 = the empty schema).
    pub fn resolve(&self, point: &Point) -> Result<u64> {
        let head = self.head_seq();
        match point {
            Point::Seq(seq) if *seq <= head => Ok(*seq),
            Point::Seq(seq) => Err(LedgerError::NoSuchEvent { seq: *seq, head }),
            Point::Head { back } => head.checked_sub(*back).ok_or(LedgerError::BeforeStart {
                back: *back,
                events: head,
            }),
            Point::Name(name) => {
                if let Some(tag) = self.tag(name)? {
                    return Ok(tag.target);
                }
                if is_hash_prefix(name) {
                    return self.resolve_hash_prefix(name);
                }
                Err(LedgerError::NoSuchTag {
                    name: name.clone(),
                    tags: self.tags()?.into_iter().map(|t| t.name).collect(),
                })
            }
            Point::Time(at) => self.resolve_time(*at, head),
        }
    }

    /// The events whose hash starts with `prefix` (hex, either case).
    pub fn find_hash_prefix(&self, prefix: &str) -> Result<Vec<(u64, Hash)>> {
        let digits: Vec<u8> = prefix.bytes().filter_map(nibble).collect();
        let whole: Vec<u8> = digits.chunks_exact(2).map(|p| (p[0] << 4) | p[1]).collect();
        let odd = (digits.len() % 2 == 1).then(|| digits[digits.len() - 1]);
        match &self.backend {
            Backend::Journal(journal) => journal.find_hash_prefix(&whole, odd),
            #[cfg(feature = "store")]
            Backend::Store(sled) => self.store_find_hash_prefix(sled, &whole, odd),
        }
    }

    #[cfg(feature = "store")]
    fn store_find_hash_prefix(
        &self,
        sled: &Sled,
        whole: &[u8],
        odd: Option<u8>,
    ) -> Result<Vec<(u64, Hash)>> {
        let mut found = Vec::new();
        for item in sled.hashes.scan_prefix(whole) {
            let (k, v) = item.map_err(|e| self.store_err(e))?;
            if let Some(n) = odd {
                if k.get(whole.len()).map(|b| b >> 4) != Some(n) {
                    continue;
                }
            }
            let (Some(hash), Some(seq)) = (read_hash(&k), read_u64(&v)) else {
                return Err(LedgerError::Damaged {
                    seq: None,
                    reason: "a hash index entry is malformed".to_string(),
                });
            };
            found.push((seq, hash));
        }
        found.sort();
        Ok(found)
    }

    fn resolve_hash_prefix(&self, prefix: &str) -> Result<u64> {
        let found = self.find_hash_prefix(prefix)?;
        match found.as_slice() {
            [] => Err(LedgerError::NoSuchHash {
                prefix: prefix.to_string(),
            }),
            [(seq, _)] => Ok(*seq),
            _ => Err(LedgerError::AmbiguousHash {
                prefix: prefix.to_string(),
                candidates: found,
            }),
        }
    }

    fn at_of(&self, seq: u64) -> Result<Timestamp> {
        let bytes = self.raw(seq)?.ok_or_else(|| LedgerError::Damaged {
            seq: Some(seq),
            reason: "it is not stored".to_string(),
        })?;
        decode_prefix(&bytes)
            .map(|p| p.at)
            .map_err(|e| LedgerError::Damaged {
                seq: Some(seq),
                reason: e.to_string(),
            })
    }

    /// The last event at or before `at`, by binary search (times never
    /// decrease along the chain).
    fn resolve_time(&self, at: Timestamp, head: u64) -> Result<u64> {
        if head == 0 {
            return Err(LedgerError::BeforeFirstEvent { at, first: None });
        }
        let first = self.at_of(1)?;
        if first > at {
            return Err(LedgerError::BeforeFirstEvent {
                at,
                first: Some(first),
            });
        }
        // Invariant: at_of(lo) <= at; at_of(hi + 1) > at or hi == head.
        let (mut lo, mut hi) = (1, head);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if self.at_of(mid)? <= at {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Ok(lo)
    }

    #[cfg(feature = "store")]
    /// Check `draft` against head and compute the event it would append,
    /// without writing anything.
    pub fn prepare(&self, draft: Draft) -> Result<Prepared> {
        let mut state = self.lock();
        self.prepare_locked(&mut state, draft, None)
    }

    #[cfg(feature = "store")]
    /// [`Ledger::prepare`] for an event `rebase` re-records, which keeps
    /// where it was before as its `origin`.
    pub fn prepare_rebased(&self, draft: Draft, origin: Origin) -> Result<Prepared> {
        let mut state = self.lock();
        self.prepare_locked(&mut state, draft, Some(origin))
    }

    #[cfg(feature = "store")]
    fn prepare_locked(
        &self,
        state: &mut State,
        draft: Draft,
        origin: Option<Origin>,
    ) -> Result<Prepared> {
        self.prepare_with(state, draft, origin, None)
    }

    /// [`Ledger::prepare_locked`], with the fingerprint taken as `known`
    /// rather than computed when it is given.
    #[cfg(feature = "store")]
    fn prepare_with(
        &self,
        state: &mut State,
        draft: Draft,
        origin: Option<Origin>,
        known: Option<Hash>,
    ) -> Result<Prepared> {
        let Draft {
            at,
            author,
            message,
            body,
        } = draft;
        if message.trim().is_empty() {
            return Err(LedgerError::EmptyMessage);
        }
        let (head, prev, head_at) = match state.head {
            Some(h) => (h.seq, h.hash, Some(h.at)),
            None => (0, Hash::ZERO, None),
        };
        let seq = head + 1;
        let at = match (at, head_at) {
            (Some(at), Some(head_at)) if at < head_at => {
                return Err(LedgerError::TimeGoesBack { at, head, head_at })
            }
            (Some(at), _) => at,
            (None, head_at) => Timestamp::now().max(head_at.unwrap_or(Timestamp(i64::MIN))),
        };
        match &body {
            Body::Change { ops, .. } if ops.is_empty() => {
                return Err(LedgerError::NoOps { kind: "change" })
            }
            Body::Revert { of, .. } => {
                if of.is_empty() {
                    return Err(LedgerError::RevertOfNothing);
                }
                if let Some(bad) = of.iter().find(|s| **s == 0 || **s > head) {
                    return Err(LedgerError::RevertTarget { seq: *bad, head });
                }
            }
            Body::Tag { name, target } => {
                check_tag_name(name)?;
                if let Some(tag) = self.tag(name)? {
                    return Err(LedgerError::TagExists {
                        name: name.clone(),
                        target: tag.target,
                    });
                }
                if *target > head {
                    return Err(LedgerError::TagTarget {
                        target: *target,
                        head,
                    });
                }
            }
            _ => {}
        }
        // The head schema moves out of the cache into the prepared event (and
        // back on commit): copying it would cost more than the rest of an
        // append. When the ops do not fit, it is left part-way and dropped; the
        // next prepare rebuilds it from a snapshot.
        let mut schema = match state.schema.take() {
            Some((s, schema)) if s == head => schema,
            _ => self.schema_at_uncached(head)?,
        };
        replay_body(self.rules, &mut schema, seq, &body).map_err(|e| match e {
            ApplyError::Op { index, kind, error } => LedgerError::DoesNotFit {
                index,
                kind,
                head,
                error,
            },
            ApplyError::TagTarget { target, .. } => LedgerError::TagTarget { target, head },
        })?;
        let event = Event {
            seq,
            prev,
            at,
            author,
            message,
            body,
            fingerprint: match known {
                Some(fingerprint) => fingerprint,
                None => self.format.fingerprint(&schema)?,
            },
            origin,
        };
        let bytes = self.format.encode_event(&event)?;
        Ok(Prepared {
            hash: self.format.hash_event_bytes(&bytes),
            event,
            bytes,
            schema,
        })
    }

    #[cfg(feature = "store")]
    /// Append a prepared event: one transaction over every tree, which
    /// re-checks that head has not moved, then a flush to disk.
    pub fn commit(&self, prepared: Prepared) -> Result<Entry> {
        let mut state = self.lock();
        self.commit_locked(&mut state, prepared, true)
    }

    #[cfg(feature = "store")]
    /// Prepare and commit `draft` as one step.
    pub fn append(&self, draft: Draft) -> Result<Entry> {
        let mut state = self.lock();
        let prepared = self.prepare_locked(&mut state, draft, None)?;
        self.commit_locked(&mut state, prepared, true)
    }

    #[cfg(feature = "store")]
    /// [`Ledger::append`] without waiting for the disk: for a run of appends
    /// (building a large ledger), which ends with [`Ledger::flush`]. Each
    /// append is one transaction as always; a crash before the flush can
    /// lose the last events of the run, never leave one in part.
    pub fn append_unflushed(&self, draft: Draft) -> Result<Entry> {
        let mut state = self.lock();
        let prepared = self.prepare_locked(&mut state, draft, None)?;
        self.commit_locked(&mut state, prepared, false)
    }

    #[cfg(feature = "store")]
    /// Check that `event`, whole as another ledger or its text form holds
    /// it, follows head exactly and fits: its seq and prev are head's next,
    /// and it passes every check [`Ledger::prepare`] makes of a draft with
    /// its time, author, message and body, giving the fingerprint it
    /// records. Nothing is filled in, so the prepared event is `event`,
    /// byte for byte, and has its hash.
    pub fn prepare_event(&self, event: Event) -> Result<Prepared> {
        let mut state = self.lock();
        self.prepare_event_locked(&mut state, event)
    }

    #[cfg(feature = "store")]
    /// Prepare and commit a whole `event` as one step (see
    /// [`Ledger::prepare_event`]).
    pub fn append_event(&self, event: Event) -> Result<Entry> {
        let mut state = self.lock();
        let prepared = self.prepare_event_locked(&mut state, event)?;
        self.commit_locked(&mut state, prepared, true)
    }

    #[cfg(feature = "store")]
    /// [`Ledger::append_event`] without waiting for the disk: for a run of
    /// events (an import), which ends with [`Ledger::flush`]. The append is
    /// one transaction as always; a crash before the flush can lose the
    /// last events of the run, never leave one in part or out of order.
    pub fn append_event_unflushed(&self, event: Event) -> Result<Entry> {
        let mut state = self.lock();
        let prepared = self.prepare_event_locked(&mut state, event)?;
        self.commit_locked(&mut state, prepared, false)
    }

    #[cfg(feature = "store")]
    /// Append a run of whole events of a text form that
    /// [`crate::text::import`] has checked, in one transaction, without
    /// waiting for the disk (the import flushes once at the end). Each is
    /// prepared as [`Ledger::append_event`] prepares one, on top of the one
    /// before, except that the fingerprint it records is kept as recorded,
    /// not computed again (on a large schema that is most of an append's
    /// cost; whether the import checked it is its caller's choice). One
    /// transaction per run rather than per event: sled's cost is per
    /// transaction (docs/performance.md, "Text form"). When any event does
    /// not fit, nothing of the run is written.
    pub(crate) fn append_imported_unflushed(&self, run: Vec<Event>) -> Result<()> {
        self.append_run(run, |ledger, state, event| {
            ledger.prepare_event_as(state, event, true)
        })
    }

    #[cfg(feature = "store")]
    /// [`Ledger::append_unflushed`] for a run of drafts, in one transaction
    /// over every tree: each draft is prepared on top of the one before
    /// (its fingerprint computed, its time checked), exactly as appending
    /// them one by one would, so the events, hashes, tags and snapshots
    /// written are the same bytes. For building a large ledger quickly (the
    /// benchmark's generator): sled's cost is per transaction. When any
    /// draft does not fit, nothing of the run is written. Ends, like
    /// `append_unflushed`, with [`Ledger::flush`].
    pub fn append_run_unflushed(&self, run: Vec<Draft>) -> Result<()> {
        self.append_run(run, |ledger, state, draft| {
            ledger.prepare_with(state, draft, None, None)
        })
    }

    #[cfg(feature = "store")]
    fn append_run<T>(
        &self,
        run: Vec<T>,
        prepare: impl Fn(&Self, &mut State, T) -> Result<Prepared>,
    ) -> Result<()> {
        let mut state = self.lock();
        let before = (state.head, state.id);
        let result = self.append_run_locked(&mut state, run, prepare);
        if result.is_err() {
            (state.head, state.id) = before;
            state.schema = None;
        }
        result
    }

    #[cfg(feature = "store")]
    fn append_run_locked<T>(
        &self,
        state: &mut State,
        run: Vec<T>,
        prepare: impl Fn(&Self, &mut State, T) -> Result<Prepared>,
    ) -> Result<()> {
        if run.is_empty() {
            return Ok(());
        }
        let base = state.head.map_or((0, Hash::ZERO), |h| (h.seq, h.hash));
        // Each event is prepared on top of the one before: the head kept in
        // memory moves ahead of the store until the run is written.
        let mut writes = Vec::with_capacity(run.len());
        let mut last = state.last_snapshot.take();
        for item in run {
            let prepared = prepare(self, state, item)?;
            let (write, event, schema) = self.write_of(prepared, &mut last)?;
            state.head = Some(Head {
                seq: event.seq,
                hash: write.hash,
                at: event.at,
            });
            if event.seq == 1 {
                state.id = Some(write.hash);
            }
            state.schema = Some((event.seq, schema));
            writes.push(write);
        }
        let Some(head) = state.head else {
            return Ok(());
        };
        self.store_run(base, (head.seq, head.hash), &writes)?;
        state.last_snapshot = last;
        Ok(())
    }

    /// What committing `prepared` writes in the store, with the event and
    /// the schema after it.
    #[cfg(feature = "store")]
    fn write_of(
        &self,
        prepared: Prepared,
        last: &mut Option<LastSnapshot>,
    ) -> Result<(Write, Event, Schema)> {
        let Prepared {
            event,
            hash,
            bytes,
            schema,
        } = prepared;
        let seq = event.seq;
        let snapshot = if seq % self.snapshot_every == 0 {
            let bytes = self.format.encode_schema(&schema)?;
            let base = match last.take() {
                Some(l) if l.0 < seq => Some(l),
                _ => self.snapshot_below(seq)?,
            };
            let stored = crate::snapshot::compress(
                &bytes,
                base.as_ref().map(|(s, b, d)| (*s, b.as_slice(), *d)),
            );
            *last = Some((seq, bytes.clone(), crate::snapshot::depth(&stored)));
            Some((bytes, stored))
        } else {
            None
        };
        let tag = match &event.body {
            Body::Tag { name, target } => Some((name.clone(), tag_value(*target, seq))),
            _ => None,
        };
        let write = Write {
            key: seq_key(seq),
            hash,
            bytes,
            snapshot,
            tag,
        };
        Ok((write, event, schema))
    }

    /// Rewrite every snapshot of the store in the compact form (full ones
    /// every `CHAIN + 1`, deltas between), taking those of the older tree
    /// `snapshots` out of it: for a store written before compact snapshots
    /// (docs/ledger-format.md, "Snapshots"). Each snapshot is checked
    /// against its event's fingerprint first; one that does not match (or
    /// cannot be rebuilt) is left as it is, for `verify --deep` to report.
    /// One transaction per snapshot, so it can stop anywhere: any mix of
    /// the two forms is read. Returns the snapshots rewritten and the
    /// stored bytes before and after.
    #[cfg(feature = "store")]
    pub fn compact_snapshots(&self) -> Result<CompactReport> {
        let sled = self.sled()?;
        let err = |e| self.store_err(e);
        let mut seqs: Vec<u64> = Vec::new();
        for tree in [&sled.snapshots.compact, &sled.snapshots.full] {
            for k in tree.iter().keys() {
                seqs.extend(read_u64(&k.map_err(err)?));
            }
        }
        seqs.sort_unstable();
        seqs.dedup();
        let mut report = CompactReport::default();
        let mut last: Option<LastSnapshot> = None;
        for seq in seqs {
            let before = sled.snapshots.stored(seq).map_err(err)?;
            let bytes = match sled.snapshots.bytes(seq).map_err(err)? {
                Some(Ok(bytes)) => bytes,
                _ => continue,
            };
            let fits = match self.event(seq)? {
                Some(e) => self.format.fingerprint_bytes(&bytes) == e.event.fingerprint,
                None => false,
            };
            if !fits {
                report.left += 1;
                continue;
            }
            let base = last.take().filter(|l| l.0 < seq);
            let stored = crate::snapshot::compress(
                &bytes,
                base.as_ref().map(|(s, b, d)| (*s, b.as_slice(), *d)),
            );
            (&sled.snapshots.compact, &sled.snapshots.full)
                .transaction(|(compact, full)| {
                    compact.insert(&seq_key(seq), stored.as_slice())?;
                    full.remove(&seq_key(seq))?;
                    Ok::<(), ConflictableTransactionError<()>>(())
                })
                .map_err(|e| match e {
                    TransactionError::Storage(e) => self.store_err(e),
                    TransactionError::Abort(()) => LedgerError::Conflict,
                })?;
            sled.snapshots.remember(seq, bytes.clone());
            report.rewritten += 1;
            report.before += before.map_or(0, |(v, _)| v.len() as u64);
            report.after += stored.len() as u64;
            last = Some((seq, bytes, crate::snapshot::depth(&stored)));
        }
        sled.db.flush().map_err(err)?;
        self.lock().last_snapshot = None;
        Ok(report)
    }

    /// The stored snapshot nearest below `seq`, to write the next one
    /// against; `None` when there is none or it cannot be rebuilt (the next
    /// one is then written whole).
    #[cfg(feature = "store")]
    fn snapshot_below(&self, seq: u64) -> Result<Option<LastSnapshot>> {
        let snapshots = &self.sled()?.snapshots;
        let err = |e| self.store_err(e);
        let Some(at) = snapshots.at_or_below(seq - 1).map_err(err)? else {
            return Ok(None);
        };
        Ok(match snapshots.bytes(at).map_err(err)? {
            Some(Ok(bytes)) if at > 0 => Some((at, bytes, snapshots.depth_at(at).map_err(err)?)),
            _ => None,
        })
    }

    /// Writes a run of consecutive events in one transaction over every
    /// tree, which re-checks that head is still `base` (nothing appended
    /// meanwhile) and leaves head at `head`. Nothing of the run is written
    /// when any of it cannot be.
    #[cfg(feature = "store")]
    fn store_run(&self, base: (u64, Hash), head: (u64, Hash), writes: &[Write]) -> Result<()> {
        let sled = self.sled()?;
        crate::failpoint::failpoint(format_args!("ledger:before-transaction"));
        let result = (
            &sled.events,
            &sled.hashes,
            &sled.tags,
            &sled.meta,
            &sled.snapshots.compact,
        )
            .transaction(|(events, hashes, tags, meta, snapshots)| {
                let abort = |e| Err(ConflictableTransactionError::Abort(e));
                let meta_seq = meta.get(META_HEAD_SEQ)?.and_then(|v| read_u64(&v));
                let meta_hash = meta.get(META_HEAD_HASH)?.and_then(|v| read_hash(&v));
                if meta_seq != Some(base.0) || meta_hash != Some(base.1) {
                    return abort(LedgerError::Conflict);
                }
                for w in writes {
                    if events.get(w.key)?.is_some() || hashes.get(w.hash.as_bytes())?.is_some() {
                        return abort(LedgerError::Conflict);
                    }
                    if let Some((name, value)) = &w.tag {
                        if let Some(old) = tags.get(name.as_bytes())? {
                            return abort(LedgerError::TagExists {
                                name: name.clone(),
                                target: read_tag_value(&old).map_or(0, |(t, _)| t),
                            });
                        }
                        tags.insert(name.as_bytes(), value.as_slice())?;
                    }
                    events.insert(&w.key, w.bytes.as_slice())?;
                    hashes.insert(w.hash.as_bytes(), &w.key)?;
                    if let Some((_, stored)) = &w.snapshot {
                        snapshots.insert(&w.key, stored.as_slice())?;
                    }
                }
                meta.insert(META_HEAD_SEQ, &seq_key(head.0))?;
                meta.insert(META_HEAD_HASH, head.1.as_bytes())?;
                Ok(())
            });
        match result {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(self.store_err(e)),
        }
    }

    #[cfg(feature = "store")]
    /// Write everything appended so far to disk.
    pub fn flush(&self) -> Result<()> {
        self.sled()?.db.flush().map_err(|e| self.store_err(e))?;
        self.journal_catch_up(&mut self.lock());
        Ok(())
    }

    #[cfg(feature = "store")]
    fn prepare_event_locked(&self, state: &mut State, event: Event) -> Result<Prepared> {
        self.prepare_event_as(state, event, false)
    }

    /// [`Ledger::prepare_event_locked`]; `as_recorded` keeps the event's
    /// fingerprint as it records it instead of computing it.
    #[cfg(feature = "store")]
    fn prepare_event_as(
        &self,
        state: &mut State,
        event: Event,
        as_recorded: bool,
    ) -> Result<Prepared> {
        let (head, head_hash) = state.head.map_or((0, Hash::ZERO), |h| (h.seq, h.hash));
        let Event {
            seq,
            prev,
            at,
            author,
            message,
            body,
            fingerprint,
            origin,
        } = event;
        if seq != head + 1 || prev != head_hash {
            return Err(LedgerError::NotNext {
                seq,
                prev,
                head,
                head_hash,
            });
        }
        let prepared = self.prepare_with(
            state,
            Draft {
                at: Some(at),
                author,
                message,
                body,
            },
            origin,
            as_recorded.then_some(fingerprint),
        )?;
        if prepared.event.fingerprint != fingerprint {
            return Err(LedgerError::FingerprintDiffers {
                seq,
                recorded: fingerprint,
                projected: prepared.event.fingerprint,
            });
        }
        Ok(prepared)
    }

    #[cfg(feature = "store")]
    fn commit_locked(&self, state: &mut State, prepared: Prepared, flush: bool) -> Result<Entry> {
        let head = state.head.map_or((0, Hash::ZERO), |h| (h.seq, h.hash));
        let (seq, prev) = (prepared.event.seq, prepared.event.prev);
        if head != (seq - 1, prev) {
            return Err(LedgerError::Conflict);
        }
        let mut last = state.last_snapshot.take();
        let (write, event, schema) = self.write_of(prepared, &mut last)?;
        let hash = write.hash;
        self.store_run((seq - 1, prev), (seq, hash), std::slice::from_ref(&write))?;
        state.last_snapshot = last;
        if flush {
            crate::failpoint::failpoint(format_args!("ledger:before-flush"));
            self.sled()?.db.flush().map_err(|e| self.store_err(e))?;
            crate::failpoint::failpoint(format_args!("ledger:after-flush"));
            // The store is the truth and now holds the event; the journal
            // follows it (docs/ledger-format.md, "Journal").
            self.journal_append(
                state,
                seq,
                &write.bytes,
                hash,
                write.snapshot.as_ref().map(|(bytes, _)| bytes.as_slice()),
                write.tag.is_some(),
            );
        }
        state.head = Some(Head {
            seq,
            hash,
            at: event.at,
        });
        if seq == 1 {
            state.id = Some(hash);
        }
        state.schema = Some((seq, schema));
        Ok(Entry { hash, event })
    }

    #[cfg(feature = "store")]
    /// Change how often snapshots are written by this handle (for tests and
    /// benchmarks that compare intervals; the store works with any mix).
    #[doc(hidden)]
    pub fn set_snapshot_every(&mut self, k: u64) {
        self.snapshot_every = k.max(1);
    }
}

#[cfg(feature = "store")]
/// Whether a ledger is opened to read or to append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

#[cfg(feature = "store")]
/// The file in which the process that holds the store writes itself down,
/// so that another one can say who it waits for.
const HOLDER_FILE: &str = "holder";

#[cfg(feature = "store")]
/// Write down this process as the store's holder (best effort: the file
/// only serves messages). Only a process that opens the ledger to append
/// does, and never through a symlink (see [`replace_file`]).
fn write_holder(dir: &Path) {
    let args: Vec<String> = std::env::args().collect();
    let mut line = format!("pid {}: {}", std::process::id(), args.join(" "));
    if line.chars().count() > 200 {
        line = line.chars().take(200).collect::<String>() + " ...";
    }
    // Not synced: a line that a crash loses reads as no holder.
    let _ = write_file(dir, HOLDER_FILE, line.replace('\n', " ").as_bytes(), false);
}

#[cfg(feature = "store")]
/// Put `bytes` in `dir/name` as a whole new file: they are written to a
/// fresh file created in `dir` (`create_new`: never an existing file, never
/// through a symlink), which is then renamed over `name`. A rename replaces
/// a symlink at `name` itself, never the file it points to, so a symlink
/// planted there cannot make strata write anywhere else.
pub fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    write_file(dir, name, bytes, true)
}

#[cfg(feature = "store")]
/// [`replace_file`], with `sync` saying whether to wait for the disk
/// before the rename (a caller that writes many files syncs them once
/// at the end).
pub(crate) fn write_file(dir: &Path, name: &str, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    use std::io::Write;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut last = None;
    for attempt in 0..8u32 {
        let tmp = dir.join(format!(
            ".{name}.{}.{nanos}.{attempt}.tmp",
            std::process::id()
        ));
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                last = Some(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let written = file
            .write_all(bytes)
            .and_then(|()| if sync { file.sync_all() } else { Ok(()) })
            .and_then(|()| std::fs::rename(&tmp, dir.join(name)));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return written;
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no fresh file name")))
}

#[cfg(feature = "store")]
/// The holder, if it wrote itself down and (where that can be told) is
/// still running. Anything but a plain file at `holder` (a symlink, a
/// folder) is ignored, and at most a short line is read.
fn read_holder(dir: &Path) -> Option<String> {
    use std::io::Read;
    let path = dir.join(HOLDER_FILE);
    if !std::fs::symlink_metadata(&path).ok()?.file_type().is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .ok()?
        .take(1024)
        .read_to_end(&mut bytes)
        .ok()?;
    let line = String::from_utf8(bytes).ok()?;
    let pid: u32 = line.strip_prefix("pid ")?.split(':').next()?.parse().ok()?;
    let proc_dir = Path::new("/proc");
    if proc_dir.is_dir() && !proc_dir.join(pid.to_string()).exists() {
        return None;
    }
    Some(line.trim().to_string())
}

#[cfg(feature = "store")]
fn open_sled(dir: &Path, store: &Path, create: bool, access: Access) -> Result<sled::Db> {
    let config = sled::Config::new()
        .path(store)
        .cache_capacity(CACHE_CAPACITY)
        .create_new(create);
    // sled can panic on a damaged store instead of returning an error; the
    // caller gets an error either way.
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()));
    match opened {
        Ok(Ok(db)) => {
            if access == Access::Write {
                write_holder(dir);
            }
            Ok(db)
        }
        Ok(Err(e)) if is_lock_error(&e) => Err(LedgerError::InUse {
            dir: dir.to_path_buf(),
            holder: read_holder(dir),
        }),
        Ok(Err(sled::Error::Corruption { .. })) => Err(LedgerError::Corrupt {
            dir: dir.to_path_buf(),
            reason: "sled finds its files corrupted".to_string(),
        }),
        Ok(Err(sled::Error::Unsupported(e))) => Err(LedgerError::NotALedger {
            dir: dir.to_path_buf(),
            reason: format!("sled cannot open its store: {e}"),
        }),
        Ok(Err(source)) => Err(LedgerError::Store {
            dir: dir.to_path_buf(),
            source,
        }),
        Err(_) => Err(LedgerError::Corrupt {
            dir: dir.to_path_buf(),
            reason: "sled cannot open its files".to_string(),
        }),
    }
}

#[cfg(feature = "store")]
/// Whether sled could not open the store because this user may not write
/// to it (a read-only folder or file system).
fn is_denied(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied
        || io.raw_os_error() == Some(30))
}

pub(crate) fn decode_entry(format: Format, seq: u64, bytes: &[u8]) -> Result<Entry> {
    let event = format
        .decode_event(bytes)
        .map_err(|e| LedgerError::Damaged {
            seq: Some(seq),
            reason: e.to_string(),
        })?;
    Ok(Entry {
        hash: format.hash_event_bytes(bytes),
        event,
    })
}

/// A stream of events from the store (or the journal), oldest or newest
/// first.
pub struct Events {
    source: Source,
    newest_first: bool,
    dir: PathBuf,
    format: Format,
}

enum Source {
    #[cfg(feature = "store")]
    Sled(sled::Iter),
    Journal(JournalEvents),
}

impl Iterator for Events {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Result<Entry>> {
        match &mut self.source {
            Source::Journal(events) => events.next(),
            #[cfg(feature = "store")]
            Source::Sled(iter) => {
                let item = if self.newest_first {
                    iter.next_back()
                } else {
                    iter.next()
                }?;
                Some(match item {
                    Ok((k, v)) => decode_entry(self.format, read_u64(&k).unwrap_or(0), &v),
                    Err(e) => Err(LedgerError::Store {
                        dir: self.dir.clone(),
                        source: e,
                    }),
                })
            }
        }
    }
}

/// The store's trees, for tests that edit them as an attacker would.
#[cfg(all(test, feature = "store"))]
impl std::ops::Deref for Ledger {
    type Target = Sled;

    fn deref(&self) -> &Sled {
        self.sled().expect("a ledger opened from its store")
    }
}
