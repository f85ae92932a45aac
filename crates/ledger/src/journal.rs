//! The journal: an append-only copy of the ledger's events beside the
//! store (`DIR/journal`), which readers stream without sled, without its
//! lock, and without writing anything.
//!
//! sled 0.34 has no read-only mode: opening a store locks it exclusively
//! and opens its files to write, so a reader would wait for a writer (and
//! every other reader) and fail on a folder it may only read. So the
//! process that holds the store, and only it, keeps this file: after each
//! append is in the store and flushed, it appends the event's exact bytes
//! and hash here and syncs. The store stays the truth; the journal is a
//! prefix of it, which every reader checks as it reads it.
//!
//! Layout (docs/ledger-format.md, "Journal"): a header (magic, journal
//! version, the ledger's format version and dialect, and the blake3 of
//! those bytes), then records `kind (u8) | len (u32 BE) | payload | check
//! (32 bytes)`: an event (kind 1, or 2 for a tag event) whose check is the
//! event's hash, or a snapshot (kind 3) of the schema after the event
//! before it, whose check is the schema's fingerprint.
//!
//! Crash rules: the store commits first, the journal second. A crash
//! between them leaves the journal one event short, or ending in a record
//! cut short; readers stop at the last complete record (what the last
//! thing in the file does not check out is an append cut short, anything
//! before it is damage), and the next process that opens the ledger to
//! write cuts the tail off and appends what the store has beyond it. A
//! journal that does not agree with the store (damaged, another ledger's,
//! ahead of it) is rebuilt from the store into a fresh file renamed over
//! it; nothing here writes through a symlink.
//!
//! Checkpoint (`DIR/journal.check`, docs/ledger-format.md, "Checkpoint"):
//! the writer leaves, every 1,024 events or 8 MiB appended (and on its open
//! when more than that follows the last one), the length L it has checked,
//! the head event's seq, hash and offset there, the first event's hash, and
//! what a reader's pass up to L gives (the index, the snapshots' offsets,
//! the tags), with a blake3 of its bytes; written into a fresh file renamed
//! over the old one. A reader ([`Journal::open`]) and the writer's open
//! take it on trust when it checks out against the journal ([`read_check`]:
//! its own check, its fields, and the event record at L read back and
//! hashed to the head hash it names), and check only the records after L;
//! anything else about it (damaged, cut short, past the end, another
//! ledger's, a symlink) and they check every record, as without one. A
//! lost or stale checkpoint costs a longer check, nothing else. `verify`
//! ([`Journal::open_verified`], [`Journal::verify`]) never uses it: it
//! checks every record from the first, making the opening check and its
//! own in one pass ([`scan`] with a [`Check`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use strata_schema::Schema;

use crate::error::{LedgerError, Result};
use crate::event::{decode_prefix, replay_body, Body, Dialect, Event, Format};
use crate::fingerprint::{DeepReplay, DRIFTED};
use crate::hash::Hash;
use crate::store::{decode_entry, read_u64, seq_key, Entry, Ledger, State, Tag};
use crate::timestamp::Timestamp;
use crate::verify::{Problem, VerifyReport, VerifySummary};

/// The journal's file name in the ledger folder.
pub const JOURNAL_FILE: &str = "journal";

const MAGIC: &[u8; 15] = b"strata journal\n";
/// The journal's own layout version (the events in it keep the ledger's).
pub const JOURNAL_VERSION: u32 = 1;

const KIND_EVENT: u8 = 1;
const KIND_TAG: u8 = 2;
const KIND_SNAPSHOT: u8 = 3;
/// kind and length.
const RECORD_HEAD: u64 = 5;
const CHECK: u64 = 32;
/// A reader keeps the offset of every `INDEX_EVERY`th event, so finding
/// one skips at most this many records and memory grows 8 bytes per this
/// many events.
const INDEX_EVERY: u64 = 256;
const BUFFER: usize = 64 * 1024;

/// The checkpoint's file name in the ledger folder: how far the writer
/// vouches for the journal, and what a reader would learn reading it that
/// far (docs/ledger-format.md, "Journal").
pub const CHECK_FILE: &str = "journal.check";
const CHECK_MAGIC: &[u8; 21] = b"strata journal check\n";
/// The checkpoint's own layout version.
pub const CHECK_VERSION: u32 = 1;
/// The writer leaves a new checkpoint once this many events, or this many
/// bytes, follow the last one: a reader's opening check reads no more.
const CHECK_EVENTS: u64 = 1024;
const CHECK_BYTES: u64 = 8 << 20;

fn header(format: Format) -> Vec<u8> {
    let dialect = format.dialect.as_str().as_bytes();
    let mut h = Vec::with_capacity(64);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&JOURNAL_VERSION.to_be_bytes());
    h.extend_from_slice(&format.version.to_be_bytes());
    h.push(dialect.len() as u8);
    h.extend_from_slice(dialect);
    let check = blake3::hash(&h);
    h.extend_from_slice(check.as_bytes());
    h
}

fn record(kind: u8, payload: &[u8], check: &Hash) -> Vec<u8> {
    let mut r = Vec::with_capacity(payload.len() + (RECORD_HEAD + CHECK) as usize);
    r.push(kind);
    r.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    r.extend_from_slice(payload);
    r.extend_from_slice(check.as_bytes());
    r
}

/// An event's record: its exact bytes, checked by its hash.
pub(crate) fn event_record(bytes: &[u8], hash: &Hash, tag: bool) -> Vec<u8> {
    record(if tag { KIND_TAG } else { KIND_EVENT }, bytes, hash)
}

/// A snapshot's record: the schema's bytes, checked by its fingerprint.
pub(crate) fn snapshot_record(bytes: &[u8], fingerprint: &Hash) -> Vec<u8> {
    record(KIND_SNAPSHOT, bytes, fingerprint)
}

/// Positional reads of a shared file, so that many iterators read one
/// open file (the one checked when the ledger was opened) without a lock.
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, at)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, at)
    }
}

/// What a journal is read from: its file, or the bytes of a bundle
/// (`crate::bundle`), which has the same records.
#[derive(Debug)]
pub(crate) enum Source {
    File(File),
    Bytes(std::borrow::Cow<'static, [u8]>),
}

impl Source {
    fn read_at(&self, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
        match self {
            Source::File(file) => read_at(file, buf, at),
            Source::Bytes(bytes) => {
                let from = usize::try_from(at).map_or(bytes.len(), |a| a.min(bytes.len()));
                let n = buf.len().min(bytes.len() - from);
                buf[..n].copy_from_slice(&bytes[from..from + n]);
                Ok(n)
            }
        }
    }
}

/// A reader of `file` from `pos` up to `end` (no further: what follows
/// was not there, or not checked, when the journal was opened).
struct Span {
    file: Arc<Source>,
    pos: u64,
    end: u64,
}

impl Read for Span {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = (buf.len() as u64).min(left) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Span {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
            SeekFrom::End(d) => self.end.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

/// A buffered cursor over records, which knows its offset.
struct Cursor {
    reader: BufReader<Span>,
    pos: u64,
}

/// One record's head: where it starts, its kind and payload length.
#[derive(Debug, Clone, Copy)]
struct At {
    pos: u64,
    kind: u8,
    len: u64,
}

impl At {
    fn end(&self) -> u64 {
        self.pos + RECORD_HEAD + self.len + CHECK
    }
}

impl Cursor {
    fn new(file: Arc<Source>, pos: u64, end: u64) -> Cursor {
        Cursor {
            reader: BufReader::with_capacity(BUFFER, Span { file, pos, end }),
            pos,
        }
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        self.reader.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    /// The next record's head, `None` at `end`.
    fn head(&mut self) -> std::io::Result<Option<At>> {
        let mut h = [0u8; RECORD_HEAD as usize];
        let pos = self.pos;
        if pos >= self.reader.get_ref().end {
            return Ok(None);
        }
        self.read_exact(&mut h)?;
        let len = u32::from_be_bytes([h[1], h[2], h[3], h[4]]) as u64;
        Ok(Some(At {
            pos,
            kind: h[0],
            len,
        }))
    }

    fn payload(&mut self, at: &At, buf: &mut Vec<u8>) -> std::io::Result<()> {
        buf.resize(at.len as usize, 0);
        self.read_exact(buf)
    }

    fn skip_payload(&mut self, at: &At) -> std::io::Result<()> {
        self.reader.seek_relative(at.len as i64)?;
        self.pos += at.len;
        Ok(())
    }

    fn check(&mut self) -> std::io::Result<Hash> {
        let mut c = [0u8; CHECK as usize];
        self.read_exact(&mut c)?;
        Ok(Hash(c))
    }
}

/// The journal as a reader opened it: checked from its first record to
/// its last complete one, which is where every read of it stops.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: Arc<Source>,
    format: Format,
    /// Where the records start.
    start: u64,
    /// Just after the last complete record.
    end: u64,
    /// The file's size when it was opened: where a verify's pass stops.
    size: u64,
    head: Option<(u64, Hash, Timestamp)>,
    id: Option<Hash>,
    /// The offset of event `1 + i * INDEX_EVERY`.
    index: Arc<Vec<u64>>,
    /// (seq, offset) of each snapshot record, by seq.
    snapshots: Vec<(u64, u64)>,
    tags: BTreeMap<String, Tag>,
}

/// What a pass over the journal found wrong, and where.
struct Bad {
    seq: Option<u64>,
    reason: String,
}

fn bad(seq: Option<u64>, reason: impl Into<String>) -> Bad {
    Bad {
        seq,
        reason: reason.into(),
    }
}

/// How thoroughly [`scan`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// Hashes, links, times, tags; snapshots skipped (a reader checks one
    /// when it uses it).
    Open,
    /// Also every snapshot's check.
    Snapshots,
}

/// What a pass over the records gives: the state of the journal up to
/// `end`, from which a later pass (over what was appended since) goes on.
#[derive(Debug, Clone)]
struct Scanned {
    end: u64,
    head: Option<(u64, Hash, Timestamp)>,
    /// Where the head event's record starts.
    head_pos: u64,
    id: Option<Hash>,
    index: Vec<u64>,
    snapshots: Vec<(u64, u64)>,
    tags: BTreeMap<String, Tag>,
    /// The kind of the last complete record.
    last_kind: Option<u8>,
}

fn io_read(path: &Path, source: std::io::Error) -> LedgerError {
    LedgerError::JournalIo {
        path: path.to_path_buf(),
        doing: "read",
        source,
    }
}

fn io_write(path: &Path, source: std::io::Error) -> LedgerError {
    LedgerError::JournalIo {
        path: path.to_path_buf(),
        doing: "write",
        source,
    }
}

/// Read and check the header: the format it names.
fn read_header(path: &Path, file: &Arc<Source>, size: u64) -> Result<(Format, u64)> {
    let damaged = |reason: &str| LedgerError::JournalDamaged {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let fixed = MAGIC.len() + 9;
    let mut r = Span {
        file: file.clone(),
        pos: 0,
        end: size,
    };
    let mut h = vec![0u8; fixed];
    if r.read_exact(&mut h).is_err() {
        return Err(damaged("it is shorter than its header"));
    }
    if &h[..MAGIC.len()] != MAGIC {
        return Err(damaged("it does not start as a strata journal"));
    }
    let word = |at: usize| u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
    let version = word(MAGIC.len());
    if version != JOURNAL_VERSION {
        return Err(damaged(&format!(
            "its layout version is {version}, this strata reads {JOURNAL_VERSION}"
        )));
    }
    let format_version = word(MAGIC.len() + 4);
    let mut rest = vec![0u8; h[fixed - 1] as usize + CHECK as usize];
    if r.read_exact(&mut rest).is_err() {
        return Err(damaged("it is shorter than its header"));
    }
    h.extend_from_slice(&rest);
    let body = h.len() - CHECK as usize;
    if blake3::hash(&h[..body]).as_bytes() != &h[body..] {
        return Err(damaged("its header does not match its check"));
    }
    let dialect = std::str::from_utf8(&h[fixed..body])
        .ok()
        .and_then(Dialect::parse)
        .ok_or_else(|| damaged("its dialect is not one strata knows"))?;
    let format = if format_version == 2 {
        Format::V2
    } else {
        Format {
            version: format_version,
            dialect,
        }
    };
    if !(crate::OLDEST_FORMAT_VERSION..=crate::FORMAT_VERSION).contains(&format_version)
        || header(format) != h
    {
        return Err(damaged(&format!(
            "it names format version {format_version}, which this strata does not read"
        )));
    }
    Ok((format, h.len() as u64))
}

impl Scanned {
    /// Nothing read yet: the records start at `start`.
    fn empty(start: u64) -> Scanned {
        Scanned {
            end: start,
            head: None,
            head_pos: start,
            id: None,
            index: Vec::new(),
            snapshots: Vec::new(),
            tags: BTreeMap::new(),
            last_kind: None,
        }
    }

    fn seq(&self) -> u64 {
        self.head.map_or(0, |h| h.0)
    }
}

/// One pass over the records from `from.end` (going on from what `from`
/// says of the records before), checking every event's hash, seq, link
/// and time and every tag, stopping at the last complete record. With
/// `check`, verify's own checks are made in the same pass
/// ([`Check`]): what this pass finds wrong is the opening check's
/// finding, and comes first.
fn scan(
    file: &Arc<Source>,
    format: Format,
    from: Scanned,
    size: u64,
    depth: Depth,
    mut verify: Option<&mut Feeder>,
) -> Result<std::result::Result<Scanned, Bad>, std::io::Error> {
    let mut c = Cursor::new(file.clone(), from.end, size);
    let mut buf = Vec::new();
    let (mut seq, mut prev, mut prev_at) = match from.head {
        Some((seq, hash, at)) => (seq, hash, at),
        None => (0u64, Hash::ZERO, Timestamp(i64::MIN)),
    };
    let mut s = from;
    loop {
        let left = size - c.pos;
        if left == 0 {
            break;
        }
        if left < RECORD_HEAD + CHECK {
            // The head of an append cut short.
            break;
        }
        let Some(at) = c.head()? else { break };
        if at.kind == 0 && at.len == 0 {
            // A file system may leave zeros where an append was cut short;
            // zeros up to the end are that, anything else is damage.
            if zeros_to_end(file, at.pos, size)? {
                break;
            }
            return Ok(Err(bad(
                None,
                format!("it has an unknown record at byte {}", at.pos),
            )));
        }
        if at.end() > size {
            break;
        }
        let last = at.end() == size;
        match at.kind {
            KIND_EVENT | KIND_TAG => {
                c.payload(&at, &mut buf)?;
                let check = c.check()?;
                let here = Some(seq + 1);
                let hash = format.hash_event_bytes(&buf);
                if hash != check {
                    if last {
                        break;
                    }
                    return Ok(Err(bad(here, "its bytes do not match its hash")));
                }
                let prefix = match decode_prefix(&buf) {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(bad(here, e.to_string()))),
                };
                if prefix.seq != seq + 1 {
                    return Ok(Err(bad(
                        here,
                        format!("the record there is event {}", prefix.seq),
                    )));
                }
                seq += 1;
                if prefix.prev != prev {
                    return Ok(Err(bad(
                        here,
                        format!(
                            "its prev is {} but event {} has hash {prev}",
                            prefix.prev,
                            seq - 1
                        ),
                    )));
                }
                if prefix.at < prev_at {
                    return Ok(Err(bad(
                        here,
                        format!(
                            "its time {} is earlier than event {}'s ({prev_at})",
                            prefix.at,
                            seq - 1
                        ),
                    )));
                }
                if at.kind == KIND_TAG {
                    let event: Event = match format.decode_event(&buf) {
                        Ok(e) => e,
                        Err(e) => return Ok(Err(bad(here, e.to_string()))),
                    };
                    let Body::Tag { name, target } = event.body else {
                        return Ok(Err(bad(here, "it is recorded as a tag but is not one")));
                    };
                    if target >= seq {
                        return Ok(Err(bad(
                            here,
                            format!("tag {name} names event {target}, which is not before the tag"),
                        )));
                    }
                    let tag = Tag {
                        name: name.clone(),
                        target,
                        seq,
                    };
                    if s.tags.insert(name.clone(), tag).is_some() {
                        return Ok(Err(bad(here, format!("tag {name} is made twice"))));
                    }
                }
                if (seq - 1) % INDEX_EVERY == 0 {
                    s.index.push(at.pos);
                }
                if seq == 1 {
                    s.id = Some(hash);
                }
                if let Some(v) = verify.as_deref_mut() {
                    v.event(at.kind, &buf, seq, hash);
                }
                prev = hash;
                prev_at = prefix.at;
                s.head = Some((seq, hash, prefix.at));
                s.head_pos = at.pos;
            }
            KIND_SNAPSHOT => {
                if !matches!(s.last_kind, Some(KIND_EVENT | KIND_TAG)) {
                    return Ok(Err(bad(
                        Some(seq),
                        "a snapshot record does not follow its event",
                    )));
                }
                let verify_it = verify.as_deref().is_some_and(|v| v.deep);
                if depth == Depth::Snapshots || verify_it {
                    c.payload(&at, &mut buf)?;
                    let sum = c.check()?;
                    if depth == Depth::Snapshots && format.fingerprint_bytes(&buf) != sum {
                        if last {
                            break;
                        }
                        return Ok(Err(bad(Some(seq), "its snapshot does not match its check")));
                    }
                    if let Some(v) = verify.as_deref_mut() {
                        v.snapshot(&buf, sum);
                    }
                } else {
                    c.skip_payload(&at)?;
                    c.check()?;
                }
                s.snapshots.push((seq, at.pos));
            }
            kind => {
                if last {
                    break;
                }
                return Ok(Err(bad(
                    Some(seq + 1),
                    format!("it has a record of unknown kind {kind}"),
                )));
            }
        }
        s.last_kind = Some(at.kind);
        s.end = at.end();
    }
    Ok(Ok(s))
}

/// Verify's own checks of the records, made in the opening check's pass
/// ([`scan`]) so that the journal is read once: every event decoded,
/// recorded as a tag exactly when it is one, and with `deep` re-encoded,
/// re-projected and its fingerprint and snapshot checked. Once it has
/// found something, it stops; the pass goes on, since what the opening
/// check finds anywhere is what a reader would have been refused, and
/// comes first (as when the two were separate passes).
struct Check {
    deep: Option<(&'static dyn strata_schema::Rules, DeepReplay, Schema)>,
    last: Option<Event>,
    last_hash: Hash,
    tags: u64,
    snapshots: u64,
    names: std::collections::HashSet<String>,
    found: Option<Bad>,
    failed: Option<LedgerError>,
}

impl Check {
    fn new(path: &Path, format: Format, deep: bool) -> Result<Check> {
        let deep = match deep {
            true => Some((
                crate::store::rules_of(path, format)?,
                DeepReplay::new(format)?,
                Schema::default(),
            )),
            false => None,
        };
        Ok(Check {
            deep,
            last: None,
            last_hash: Hash::ZERO,
            tags: 0,
            snapshots: 0,
            names: std::collections::HashSet::new(),
            found: None,
            failed: None,
        })
    }

    fn stopped(&self) -> bool {
        self.found.is_some() || self.failed.is_some()
    }

    fn wants_snapshots(&self) -> bool {
        self.deep.is_some() && !self.stopped()
    }

    /// Event `seq` (its hash, seq, link and time already checked by the
    /// pass), recorded with `kind`.
    fn event(&mut self, kind: u8, format: Format, buf: &[u8], seq: u64, hash: Hash) {
        if self.stopped() {
            return;
        }
        match self.event_checked(kind, format, buf, seq, hash) {
            Ok(Ok(())) => {}
            Ok(Err(b)) => self.found = Some(b),
            Err(e) => self.failed = Some(e),
        }
    }

    fn event_checked(
        &mut self,
        kind: u8,
        format: Format,
        buf: &[u8],
        seq: u64,
        hash: Hash,
    ) -> Result<std::result::Result<(), Bad>> {
        let here = Some(seq);
        let event: Event = match format.decode_event(buf) {
            Ok(e) => e,
            Err(e) => return Ok(Err(bad(here, e.to_string()))),
        };
        if event.seq != seq {
            return Ok(Err(bad(
                here,
                format!("the record there is event {}", event.seq),
            )));
        }
        if event.prev != self.last_hash {
            return Ok(Err(bad(
                here,
                format!(
                    "its prev is {} but event {} has hash {}",
                    event.prev,
                    seq - 1,
                    self.last_hash
                ),
            )));
        }
        if let Some(before) = &self.last {
            if event.at < before.at {
                return Ok(Err(bad(
                    here,
                    format!(
                        "its time {} is earlier than event {}'s ({})",
                        event.at,
                        seq - 1,
                        before.at
                    ),
                )));
            }
        }
        if matches!(event.body, Body::Tag { .. }) != (kind == KIND_TAG) {
            return Ok(Err(bad(
                here,
                "its record kind does not say whether it is a tag",
            )));
        }
        if let Body::Tag { name, target } = &event.body {
            if *target >= seq || !self.names.insert(name.clone()) {
                return Ok(Err(bad(
                    here,
                    format!("tag {name} is not a tag that can be made there"),
                )));
            }
            self.tags += 1;
        }
        if let Some((rules, deep_replay, schema)) = &mut self.deep {
            match format.encode_event(&event) {
                Ok(b) if b == buf => {}
                _ => {
                    return Ok(Err(bad(
                        here,
                        "its bytes are not the canonical encoding of the event they decode to",
                    )))
                }
            }
            if let Err(e) = deep_replay.replay(*rules, schema, seq, &event.body) {
                return Ok(Err(bad(here, format!("it does not replay: {e}"))));
            }
            let fp = deep_replay.fingerprint(schema, &event.fingerprint)?;
            if fp != event.fingerprint {
                return Ok(Err(bad(
                    here,
                    format!(
                        "its fingerprint {} differs from the replayed schema's {fp}",
                        event.fingerprint
                    ),
                )));
            }
        }
        self.last_hash = hash;
        self.last = Some(event);
        Ok(Ok(()))
    }

    /// A snapshot record's bytes and check (read only when [`wants_snapshots`]).
    fn snapshot(&mut self, format: Format, buf: &[u8], sum: Hash) {
        if !self.wants_snapshots() {
            return;
        }
        let Some(event) = &self.last else {
            self.found = Some(bad(None, "a snapshot record does not follow its event"));
            return;
        };
        let fp = format.fingerprint_bytes(buf);
        if fp != event.fingerprint || fp != sum {
            self.found = Some(bad(
                Some(event.seq),
                "its snapshot differs from the replayed schema",
            ));
            return;
        }
        self.snapshots += 1;
    }

    /// What verify reports, once the pass found the records `s` and the
    /// opening check nothing wrong.
    fn report(self, s: &Scanned) -> Result<VerifyReport> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let broken = |b: Bad| {
            Ok(VerifyReport::Broken(Problem {
                seq: b.seq,
                reason: format!("the journal: {}", b.reason),
            }))
        };
        if let Some(b) = self.found {
            return broken(b);
        }
        let deep = self.deep.is_some();
        if let Some((_, mut deep_replay, schema)) = self.deep {
            if !deep_replay.kept_up(&schema)? {
                return broken(bad(None, DRIFTED));
            }
        }
        let events = s.seq();
        Ok(VerifyReport::Ok(VerifySummary {
            deep,
            events,
            head: s.head.map(|(seq, hash, _)| (seq, hash)),
            tags: self.tags,
            snapshots: self.snapshots,
        }))
    }
}

/// Events (and snapshots) per batch sent to verify's own checks.
const BATCH: usize = 256;

/// One record in a [`Batch`]: its place in the batch's bytes.
enum Item {
    Event {
        kind: u8,
        seq: u64,
        hash: Hash,
        end: usize,
    },
    Snapshot {
        sum: Hash,
        end: usize,
    },
}

/// Records for [`Check`], their bytes end to end.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    items: Vec<Item>,
}

/// What the pass hands verify's own checks, which run on a thread of their
/// own ([`scan_verified`]): in batches, in order.
struct Feeder {
    deep: bool,
    batch: Batch,
    tx: std::sync::mpsc::SyncSender<Batch>,
}

impl Feeder {
    fn event(&mut self, kind: u8, buf: &[u8], seq: u64, hash: Hash) {
        self.batch.bytes.extend_from_slice(buf);
        let end = self.batch.bytes.len();
        self.batch.items.push(Item::Event {
            kind,
            seq,
            hash,
            end,
        });
        self.full();
    }

    fn snapshot(&mut self, buf: &[u8], sum: Hash) {
        self.batch.bytes.extend_from_slice(buf);
        let end = self.batch.bytes.len();
        self.batch.items.push(Item::Snapshot { sum, end });
        self.full();
    }

    fn full(&mut self) {
        if self.batch.items.len() >= BATCH || self.batch.bytes.len() >= BUFFER * 16 {
            self.send();
        }
    }

    fn send(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        // The checks stop taking batches only when they panicked, which
        // the join reports.
        let _ = self.tx.send(batch);
    }
}

impl Check {
    fn take(&mut self, format: Format, batch: Batch) {
        let mut from = 0;
        for item in batch.items {
            match item {
                Item::Event {
                    kind,
                    seq,
                    hash,
                    end,
                } => {
                    self.event(kind, format, &batch.bytes[from..end], seq, hash);
                    from = end;
                }
                Item::Snapshot { sum, end } => {
                    self.snapshot(format, &batch.bytes[from..end], sum);
                    from = end;
                }
            }
        }
    }
}

/// [`scan`] from `start` to `size` with verify's own checks, which decode
/// (and with `--deep` replay) every event on a second thread while this
/// one reads and hashes: what they found, and the pass's result.
#[allow(clippy::type_complexity)]
fn scan_verified(
    file: &Arc<Source>,
    format: Format,
    start: u64,
    size: u64,
    check: Check,
) -> (std::io::Result<std::result::Result<Scanned, Bad>>, Check) {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(4);
        let deep = check.deep.is_some();
        let checker = scope.spawn(move || {
            let mut check = check;
            for batch in rx {
                check.take(format, batch);
            }
            check
        });
        let mut feeder = Feeder {
            deep,
            batch: Batch::default(),
            tx,
        };
        let scanned = scan(
            file,
            format,
            Scanned::empty(start),
            size,
            Depth::Open,
            Some(&mut feeder),
        );
        feeder.send();
        drop(feeder);
        let check = match checker.join() {
            Ok(check) => check,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (scanned, check)
    })
}

/// What the opening check found wrong, as verify reports it: as the
/// reader's refusal to open the journal reads.
fn refused(b: Bad) -> VerifyReport {
    VerifyReport::Broken(Problem {
        seq: None,
        reason: format!("the journal: {}", at_event(b)),
    })
}

fn zeros_to_end(file: &Arc<Source>, from: u64, size: u64) -> std::io::Result<bool> {
    let mut r = BufReader::with_capacity(
        BUFFER,
        Span {
            file: file.clone(),
            pos: from,
            end: size,
        },
    );
    let mut buf = [0u8; 4096];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok(true);
        }
        if buf[..n].iter().any(|b| *b != 0) {
            return Ok(false);
        }
    }
}

/// The checkpoint's bytes for the journal's records up to `s.end`.
fn encode_check(s: &Scanned) -> Vec<u8> {
    let (seq, hash, _) = s.head.unwrap_or((0, Hash::ZERO, Timestamp(0)));
    let mut out = Vec::with_capacity(160 + 8 * s.index.len() + 16 * s.snapshots.len());
    out.extend_from_slice(CHECK_MAGIC);
    out.extend_from_slice(&CHECK_VERSION.to_be_bytes());
    out.extend_from_slice(&s.end.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(hash.as_bytes());
    out.extend_from_slice(&s.head_pos.to_be_bytes());
    out.extend_from_slice(s.id.unwrap_or(Hash::ZERO).as_bytes());
    out.push(s.last_kind.unwrap_or(0));
    out.extend_from_slice(&(s.index.len() as u64).to_be_bytes());
    for pos in &s.index {
        out.extend_from_slice(&pos.to_be_bytes());
    }
    out.extend_from_slice(&(s.snapshots.len() as u64).to_be_bytes());
    for (seq, pos) in &s.snapshots {
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&pos.to_be_bytes());
    }
    out.extend_from_slice(&(s.tags.len() as u64).to_be_bytes());
    for tag in s.tags.values() {
        out.extend_from_slice(&(tag.name.len() as u32).to_be_bytes());
        out.extend_from_slice(tag.name.as_bytes());
        out.extend_from_slice(&tag.target.to_be_bytes());
        out.extend_from_slice(&tag.seq.to_be_bytes());
    }
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    out
}

/// A reader of a checkpoint's fields, `None` past its end.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes(b.try_into().unwrap_or([0; 4])))
    }

    fn hash(&mut self) -> Option<Hash> {
        self.take(32).map(|b| Hash(b.try_into().unwrap_or([0; 32])))
    }

    /// A count of entries of at least `each` bytes, when that many fit.
    fn count(&mut self, each: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n.checked_mul(each)? <= self.0.len()).then_some(n)
    }
}

/// What the checkpoint in `dir` vouches for, when it checks out against
/// the journal `file` (records from `start`, `size` bytes): its own check,
/// its fields consistent, the length it vouches for within the file, and
/// the event record it names as head there, whose bytes hash to the head
/// hash it names and whose seq is the head seq (so a journal cut shorter,
/// rebuilt with other events, or another ledger's is caught). `None`
/// otherwise, whatever is wrong: the reader then checks every record.
fn read_check(
    dir: &Path,
    file: &Arc<Source>,
    format: Format,
    start: u64,
    size: u64,
) -> Option<Scanned> {
    let f = open_plain(&dir.join(CHECK_FILE), false).ok()??;
    let len = f.metadata().ok()?.len();
    // Every entry stands for a record of the journal at least as long;
    // 64 MiB would index some 700 million events.
    if len > size.saturating_add(4096).min(64 << 20) {
        return None;
    }
    let mut bytes = Vec::with_capacity(len as usize);
    (&f).take(len).read_to_end(&mut bytes).ok()?;
    let body = bytes.len().checked_sub(CHECK as usize)?;
    if blake3::hash(&bytes[..body]).as_bytes() != &bytes[body..] {
        return None;
    }
    let mut r = Fields(&bytes[..body]);
    if r.take(CHECK_MAGIC.len())? != CHECK_MAGIC || r.u32()? != CHECK_VERSION {
        return None;
    }
    let end = r.u64()?;
    let seq = r.u64()?;
    let hash = r.hash()?;
    let head_pos = r.u64()?;
    let id = r.hash()?;
    let last_kind = r.take(1)?[0];
    if !(start..=size).contains(&end) || seq == 0 || !(start..end).contains(&head_pos) {
        return None;
    }
    let n = r.count(8)?;
    let mut index = Vec::with_capacity(n);
    for _ in 0..n {
        index.push(r.u64()?);
    }
    if n as u64 != (seq - 1) / INDEX_EVERY + 1
        || index.first() != Some(&start)
        || index.windows(2).any(|w| w[0] >= w[1])
        || index.last().is_some_and(|p| *p > head_pos)
    {
        return None;
    }
    let n = r.count(16)?;
    let mut snapshots = Vec::with_capacity(n);
    for _ in 0..n {
        snapshots.push((r.u64()?, r.u64()?));
    }
    if snapshots
        .windows(2)
        .any(|w| w[0].0 >= w[1].0 || w[0].1 >= w[1].1)
        || snapshots
            .iter()
            .any(|(s, p)| *s == 0 || *s > seq || *p <= start || *p >= end)
    {
        return None;
    }
    let n = r.count(20)?;
    let mut tags = BTreeMap::new();
    for _ in 0..n {
        let l = r.u32()? as usize;
        let name = std::str::from_utf8(r.take(l)?).ok()?.to_string();
        let (target, at) = (r.u64()?, r.u64()?);
        if target >= at || at > seq {
            return None;
        }
        let tag = Tag {
            name: name.clone(),
            target,
            seq: at,
        };
        if tags.insert(name, tag).is_some() {
            return None;
        }
    }
    if !r.0.is_empty() {
        return None;
    }
    // The head event's record, read back.
    let mut c = Cursor::new(file.clone(), head_pos, end);
    let at = c.head().ok()??;
    if !matches!(at.kind, KIND_EVENT | KIND_TAG) || at.end() > end {
        return None;
    }
    let mut buf = Vec::new();
    c.payload(&at, &mut buf).ok()?;
    let sum = c.check().ok()?;
    if sum != hash || format.hash_event_bytes(&buf) != hash {
        return None;
    }
    let prefix = decode_prefix(&buf).ok()?;
    if prefix.seq != seq || (at.kind == KIND_TAG) != tags.values().any(|t| t.seq == seq) {
        return None;
    }
    // What follows it up to `end`: nothing, or its snapshot.
    if at.end() == end {
        if last_kind != at.kind {
            return None;
        }
    } else {
        let snap = c.head().ok()??;
        if snap.kind != KIND_SNAPSHOT
            || snap.end() != end
            || last_kind != KIND_SNAPSHOT
            || snapshots.last() != Some(&(seq, snap.pos))
        {
            return None;
        }
    }
    // The first event's, whose hash is the ledger's id.
    let mut c = Cursor::new(file.clone(), start, end);
    let first = c.head().ok()??;
    if !matches!(first.kind, KIND_EVENT | KIND_TAG) || first.end() > end {
        return None;
    }
    c.payload(&first, &mut buf).ok()?;
    let sum = c.check().ok()?;
    if sum != id || format.hash_event_bytes(&buf) != id {
        return None;
    }
    Some(Scanned {
        end,
        head: Some((seq, hash, prefix.at)),
        head_pos,
        id: Some(id),
        index,
        snapshots,
        tags,
        last_kind: Some(last_kind),
    })
}

#[cfg(feature = "store")]
/// Leave `s` as the checkpoint in `dir`: written into a fresh file there,
/// synced and renamed over the old one (a rename replaces a symlink, never
/// what it points to).
fn write_check(dir: &Path, s: &Scanned) -> std::io::Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{CHECK_FILE}.{}.{nanos}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(&encode_check(s))?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, dir.join(CHECK_FILE)))
        .and_then(|()| sync_dir(dir));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The journal file at `path` as it stands (a plain file, never what a
/// symlink points to), opened to read, or `None` when there is none.
fn open_plain(path: &Path, write: bool) -> std::io::Result<Option<File>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_file() {
        return Err(std::io::Error::other("it is not a plain file"));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(write)
        .open(path)?;
    // The path may have become a symlink between the two looks: the file
    // opened must be the one looked at.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let opened = file.metadata()?;
        if (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) {
            return Err(std::io::Error::other("it changed while it was opened"));
        }
    }
    Ok(Some(file))
}

/// The journal file in `dir` opened to read, its size, format and where
/// its records start; `None` when there is none.
type Opened = (PathBuf, Arc<Source>, u64, Format, u64);

impl Journal {
    fn open_file(dir: &Path) -> Result<Option<Opened>> {
        let path = dir.join(JOURNAL_FILE);
        let file = match open_plain(&path, false) {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::Other => {
                return Err(LedgerError::JournalDamaged {
                    path,
                    reason: e.to_string(),
                })
            }
            Err(e) => return Err(io_read(&path, e)),
        };
        let size = file.metadata().map_err(|e| io_read(&path, e))?.len();
        let file = Arc::new(Source::File(file));
        let (format, start) = read_header(&path, &file, size)?;
        Ok(Some((path, file, size, format, start)))
    }

    /// Open and check the journal in `dir`; `None` when it has none. What
    /// the writer's checkpoint vouches for (when it checks out against the
    /// journal, [`read_check`]) is taken from it; the records after it are
    /// checked here.
    pub(crate) fn open(dir: &Path) -> Result<Option<Journal>> {
        let Some((path, file, size, format, start)) = Journal::open_file(dir)? else {
            return Ok(None);
        };
        let from = read_check(dir, &file, format, start, size).unwrap_or(Scanned::empty(start));
        let scanned =
            scan(&file, format, from, size, Depth::Open, None).map_err(|e| io_read(&path, e))?;
        match scanned {
            Ok(s) => Ok(Some(Journal::scanned(path, file, format, start, size, s))),
            Err(b) => Err(LedgerError::JournalDamaged {
                path,
                reason: at_event(b),
            }),
        }
    }

    /// Open the journal in `dir` as [`Journal::open`] does without a
    /// checkpoint, checking every record from the first, and verify it in
    /// the same pass ([`Journal::verify`]); `None` when it has none. What
    /// would stop a reader from opening it is the error, as from
    /// [`Journal::open`].
    pub(crate) fn open_verified(dir: &Path, deep: bool) -> Result<Option<(Journal, VerifyReport)>> {
        let Some((path, file, size, format, start)) = Journal::open_file(dir)? else {
            return Ok(None);
        };
        let check = Check::new(&path, format, deep)?;
        let (scanned, check) = scan_verified(&file, format, start, size, check);
        let scanned = scanned.map_err(|e| io_read(&path, e))?;
        match scanned {
            Ok(s) => {
                let report = check.report(&s)?;
                let journal = Journal::scanned(path, file, format, start, size, s);
                Ok(Some((journal, report)))
            }
            Err(b) => Err(LedgerError::JournalDamaged {
                path,
                reason: at_event(b),
            }),
        }
    }

    /// The records of `source` from `start` to `size`, checked as
    /// [`Journal::open`] checks a journal and every snapshot's check too
    /// (a bundle); why not, when they do not check out.
    pub(crate) fn from_source(
        path: PathBuf,
        source: Arc<Source>,
        format: Format,
        start: u64,
        size: u64,
    ) -> std::result::Result<Journal, String> {
        match scan(
            &source,
            format,
            Scanned::empty(start),
            size,
            Depth::Snapshots,
            None,
        ) {
            Ok(Ok(s)) => Ok(Journal::scanned(path, source, format, start, size, s)),
            Ok(Err(b)) => Err(at_event(b)),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Whether its checked records run to `size`: nothing was cut off.
    pub(crate) fn whole(&self, size: u64) -> bool {
        self.end == size
    }

    /// The rules of the ledger's dialect, which its schemas follow.
    fn rules(&self) -> Result<&'static dyn strata_schema::Rules> {
        crate::store::rules_of(&self.path, self.format)
    }

    fn scanned(
        path: PathBuf,
        file: Arc<Source>,
        format: Format,
        start: u64,
        size: u64,
        s: Scanned,
    ) -> Journal {
        Journal {
            path,
            file,
            format,
            start,
            end: s.end,
            size,
            head: s.head,
            id: s.id,
            index: Arc::new(s.index),
            snapshots: s.snapshots,
            tags: s.tags,
        }
    }

    pub(crate) fn format(&self) -> Format {
        self.format
    }

    pub(crate) fn head(&self) -> Option<(u64, Hash, Timestamp)> {
        self.head
    }

    pub(crate) fn id(&self) -> Option<Hash> {
        self.id
    }

    fn head_seq(&self) -> u64 {
        self.head.map_or(0, |h| h.0)
    }

    fn damaged(&self, seq: Option<u64>, reason: impl Into<String>) -> LedgerError {
        LedgerError::JournalDamaged {
            path: self.path.clone(),
            reason: at_event(bad(seq, reason)),
        }
    }

    /// A cursor at the indexed event at or before `seq` (from 1), and that
    /// event's seq.
    fn cursor_near(&self, seq: u64) -> (Cursor, u64) {
        let block = (seq.max(1) - 1) / INDEX_EVERY;
        let (pos, first) = match self.index.get(block as usize) {
            Some(pos) => (*pos, block * INDEX_EVERY + 1),
            None => (self.start, 1),
        };
        (Cursor::new(self.file.clone(), pos, self.end), first)
    }

    /// Event `seq`'s bytes, checked against the hash recorded with them.
    pub(crate) fn raw(&self, seq: u64) -> Result<Option<Vec<u8>>> {
        if seq == 0 || seq > self.head_seq() {
            return Ok(None);
        }
        let (mut c, mut here) = self.cursor_near(seq);
        let io = |e| io_read(&self.path, e);
        while let Some(at) = c.head().map_err(io)? {
            if at.kind == KIND_SNAPSHOT {
                c.skip_payload(&at).map_err(io)?;
                c.check().map_err(io)?;
                continue;
            }
            if here < seq {
                c.skip_payload(&at).map_err(io)?;
                c.check().map_err(io)?;
                here += 1;
                continue;
            }
            let mut buf = Vec::new();
            c.payload(&at, &mut buf).map_err(io)?;
            let check = c.check().map_err(io)?;
            if self.format.hash_event_bytes(&buf) != check {
                return Err(self.damaged(Some(seq), "its bytes do not match its hash"));
            }
            return Ok(Some(buf));
        }
        Err(self.damaged(Some(seq), "it is not in the journal"))
    }

    /// The events whose hash starts with `whole` (and, when `odd`, then
    /// that nibble), by seq.
    pub(crate) fn find_hash_prefix(
        &self,
        whole: &[u8],
        odd: Option<u8>,
    ) -> Result<Vec<(u64, Hash)>> {
        let mut c = Cursor::new(self.file.clone(), self.start, self.end);
        let io = |e| io_read(&self.path, e);
        let mut seq = 0;
        let mut found = Vec::new();
        while let Some(at) = c.head().map_err(io)? {
            c.skip_payload(&at).map_err(io)?;
            let check = c.check().map_err(io)?;
            if at.kind == KIND_SNAPSHOT {
                continue;
            }
            seq += 1;
            let b = check.as_bytes();
            if b.starts_with(whole)
                && odd.is_none_or(|n| b.get(whole.len()).map(|x| x >> 4) == Some(n))
            {
                found.push((seq, check));
            }
        }
        Ok(found)
    }

    pub(crate) fn event_by_hash(&self, hash: &Hash) -> Result<Option<Entry>> {
        let Some((seq, _)) = self
            .find_hash_prefix(hash.as_bytes(), None)?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let bytes = self
            .raw(seq)?
            .ok_or_else(|| self.damaged(Some(seq), "it is not in the journal"))?;
        decode_entry(self.format, seq, &bytes).map(Some)
    }

    pub(crate) fn tags(&self) -> Vec<Tag> {
        self.tags.values().cloned().collect()
    }

    pub(crate) fn tag(&self, name: &str) -> Option<Tag> {
        self.tags.get(name).cloned()
    }

    /// Events oldest first from `seq`.
    pub(crate) fn events_from(&self, seq: u64) -> JournalEvents {
        let seq = seq.max(1);
        let (cursor, first) = self.cursor_near(seq);
        JournalEvents {
            path: self.path.clone(),
            format: self.format,
            file: self.file.clone(),
            index: self.index.clone(),
            start: self.start,
            end: self.end,
            way: Way::Forward {
                cursor,
                next: first,
                from: seq,
                prev: None,
            },
            done: seq > self.head_seq(),
        }
    }

    /// Events newest first from `seq` (or head, when beyond it) down to 1.
    pub(crate) fn events_back_from(&self, seq: u64) -> JournalEvents {
        let seq = seq.min(self.head_seq());
        JournalEvents {
            path: self.path.clone(),
            format: self.format,
            file: self.file.clone(),
            index: self.index.clone(),
            start: self.start,
            end: self.end,
            way: Way::Back {
                next: seq,
                block: Vec::new(),
                expect: None,
            },
            done: seq == 0,
        }
    }

    /// The schema after event `seq` (1 to head): the nearest snapshot at or
    /// below it, checked against its event's fingerprint, then replays.
    pub(crate) fn schema_at(&self, seq: u64) -> Result<Schema> {
        let io = |e| io_read(&self.path, e);
        let snap = self
            .snapshots
            .iter()
            .rev()
            .find(|(s, _)| *s <= seq)
            .copied();
        let (mut schema, from) = match snap {
            None => (Schema::default(), 1),
            Some((at, pos)) => {
                let mut c = Cursor::new(self.file.clone(), pos, self.end);
                let head = c
                    .head()
                    .map_err(io)?
                    .ok_or_else(|| self.damaged(Some(at), "its snapshot is gone"))?;
                let mut buf = Vec::new();
                c.payload(&head, &mut buf).map_err(io)?;
                let check = c.check().map_err(io)?;
                let bytes = self
                    .raw(at)?
                    .ok_or_else(|| self.damaged(Some(at), "it is not in the journal"))?;
                let event = decode_entry(self.format, at, &bytes)?.event;
                let fp = self.format.fingerprint_bytes(&buf);
                if fp != check || fp != event.fingerprint {
                    return Err(
                        self.damaged(Some(at), "its snapshot does not match its fingerprint")
                    );
                }
                let schema: Schema = self.format.decode_schema(&buf).map_err(|e| {
                    self.damaged(Some(at), format!("its snapshot does not decode: {e}"))
                })?;
                (schema, at + 1)
            }
        };
        if from > seq {
            return Ok(schema);
        }
        for entry in self.events_from(from) {
            let entry = entry?;
            let at = entry.event.seq;
            replay_body(self.rules()?, &mut schema, at, &entry.event.body).map_err(|e| {
                LedgerError::Damaged {
                    seq: Some(at),
                    reason: format!("it does not replay: {e}"),
                }
            })?;
            if at >= seq {
                break;
            }
        }
        Ok(schema)
    }

    /// Check the whole journal, from its first record whatever a
    /// checkpoint says: every record as [`Journal::open`] does without one
    /// (what that finds is reported as a reader's refusal reads), and every
    /// event decoded, recorded as a tag exactly when it is one; `deep` also
    /// re-encodes and re-projects every event (as the store's verify) and
    /// checks every snapshot against its event's fingerprint. One pass.
    pub(crate) fn verify(&self, deep: bool) -> Result<VerifyReport> {
        let check = Check::new(&self.path, self.format, deep)?;
        let (scanned, check) = scan_verified(&self.file, self.format, self.start, self.size, check);
        let scanned = scanned.map_err(|e| io_read(&self.path, e))?;
        match scanned {
            Ok(s) => check.report(&s),
            Err(b) => Ok(refused(b)),
        }
    }
}

#[cfg(test)]
impl Journal {
    /// verify as it was before it made the opening check in its own pass:
    /// a second pass over a journal [`Journal::open`] checked (without a
    /// checkpoint), to compare the one pass with.
    ///
    /// Check the whole journal: every record as [`Journal::open`] does,
    /// and every event decoded, recorded as a tag exactly when it is one,
    /// every snapshot against its event's fingerprint; `deep` also
    /// re-encodes and re-projects every event (as the store's verify).
    pub(crate) fn verify_second_pass(&self, deep: bool) -> Result<VerifyReport> {
        let io = |e| io_read(&self.path, e);
        let broken = |b: Bad| {
            Ok(VerifyReport::Broken(Problem {
                seq: b.seq,
                reason: format!("the journal: {}", b.reason),
            }))
        };
        let mut c = Cursor::new(self.file.clone(), self.start, self.end);
        let mut buf = Vec::new();
        let mut schema = Schema::default();
        let mut last: Option<Event> = None;
        let (mut events, mut tags, mut snapshots) = (0u64, 0u64, 0u64);
        let mut last_hash = Hash::ZERO;
        let mut names = std::collections::HashSet::new();
        let mut deep_replay = DeepReplay::new(self.format)?;
        while let Some(at) = c.head().map_err(io)? {
            if at.kind == KIND_SNAPSHOT {
                let Some(event) = &last else {
                    return broken(bad(None, "a snapshot record does not follow its event"));
                };
                if !deep {
                    // As the store's: a snapshot is checked when it is
                    // used, and by --deep.
                    c.skip_payload(&at).map_err(io)?;
                    c.check().map_err(io)?;
                    continue;
                }
                c.payload(&at, &mut buf).map_err(io)?;
                let check = c.check().map_err(io)?;
                let fp = self.format.fingerprint_bytes(&buf);
                if fp != event.fingerprint || fp != check {
                    return broken(bad(
                        Some(event.seq),
                        "its snapshot differs from the replayed schema",
                    ));
                }
                snapshots += 1;
                continue;
            }
            if at.kind != KIND_EVENT && at.kind != KIND_TAG {
                return broken(bad(
                    Some(events + 1),
                    format!("it has a record of unknown kind {}", at.kind),
                ));
            }
            c.payload(&at, &mut buf).map_err(io)?;
            let check = c.check().map_err(io)?;
            events += 1;
            let here = Some(events);
            if self.format.hash_event_bytes(&buf) != check {
                return broken(bad(here, "its bytes do not match its hash"));
            }
            let event: Event = match self.format.decode_event(&buf) {
                Ok(e) => e,
                Err(e) => return broken(bad(here, e.to_string())),
            };
            if event.seq != events {
                return broken(bad(
                    here,
                    format!("the record there is event {}", event.seq),
                ));
            }
            if event.prev != last_hash {
                return broken(bad(
                    here,
                    format!(
                        "its prev is {} but event {} has hash {last_hash}",
                        event.prev,
                        events - 1
                    ),
                ));
            }
            if let Some(before) = &last {
                if event.at < before.at {
                    return broken(bad(
                        here,
                        format!(
                            "its time {} is earlier than event {}'s ({})",
                            event.at,
                            events - 1,
                            before.at
                        ),
                    ));
                }
            }
            if matches!(event.body, Body::Tag { .. }) != (at.kind == KIND_TAG) {
                return broken(bad(
                    here,
                    "its record kind does not say whether it is a tag",
                ));
            }
            if let Body::Tag { name, target } = &event.body {
                if *target >= events || !names.insert(name.clone()) {
                    return broken(bad(
                        here,
                        format!("tag {name} is not a tag that can be made there"),
                    ));
                }
                tags += 1;
            }
            if deep {
                match self.format.encode_event(&event) {
                    Ok(b) if b == buf => {}
                    _ => {
                        return broken(bad(
                            here,
                            "its bytes are not the canonical encoding of the event they decode to",
                        ))
                    }
                }
                if let Err(e) = deep_replay.replay(self.rules()?, &mut schema, events, &event.body)
                {
                    return broken(bad(here, format!("it does not replay: {e}")));
                }
                let fp = deep_replay.fingerprint(&schema, &event.fingerprint)?;
                if fp != event.fingerprint {
                    return broken(bad(
                        here,
                        format!(
                            "its fingerprint {} differs from the replayed schema's {fp}",
                            event.fingerprint
                        ),
                    ));
                }
            }
            last_hash = check;
            last = Some(event);
        }
        if deep && !deep_replay.kept_up(&schema)? {
            return broken(bad(None, DRIFTED));
        }
        Ok(VerifyReport::Ok(VerifySummary {
            deep,
            events,
            head: (events > 0).then_some((events, last_hash)),
            tags,
            snapshots,
        }))
    }
}

/// What [`Journal::open`] then the second pass gave, for the tests.
#[cfg(test)]
pub(crate) fn verify_in_two_passes(dir: &Path, deep: bool) -> Result<VerifyReport> {
    Journal::open(dir)?
        .ok_or_else(|| LedgerError::NoJournal {
            dir: dir.to_path_buf(),
        })?
        .verify_second_pass(deep)
}

fn at_event(b: Bad) -> String {
    match b.seq {
        Some(seq) => format!("event {seq}: {}", b.reason),
        None => b.reason,
    }
}

enum Way {
    Forward {
        cursor: Cursor,
        /// The seq of the next event record under the cursor.
        next: u64,
        /// The first seq to yield.
        from: u64,
        /// The hash of the event before `next`, when read.
        prev: Option<Hash>,
    },
    Back {
        /// The next seq to yield.
        next: u64,
        /// (seq, offset, len, check) of the events of one block up to
        /// `next`, popped from the end.
        block: Vec<(u64, u64, u64, Hash)>,
        /// The prev of the event yielded last, which the next one's hash
        /// must be.
        expect: Option<Hash>,
    },
}

/// A stream of checked events from the journal: each one's bytes against
/// its hash, its seq, and its link to the one before.
pub(crate) struct JournalEvents {
    path: PathBuf,
    format: Format,
    file: Arc<Source>,
    index: Arc<Vec<u64>>,
    start: u64,
    end: u64,
    way: Way,
    done: bool,
}

impl JournalEvents {
    fn damaged(&self, seq: u64, reason: &str) -> LedgerError {
        LedgerError::JournalDamaged {
            path: self.path.clone(),
            reason: format!("event {seq}: {reason}"),
        }
    }

    fn forward(&mut self) -> Result<Option<Entry>> {
        let Way::Forward {
            cursor,
            next,
            from,
            prev,
        } = &mut self.way
        else {
            return Ok(None);
        };
        let path = &self.path;
        let io = |e| io_read(path, e);
        while let Some(at) = cursor.head().map_err(io)? {
            if at.kind == KIND_SNAPSHOT {
                cursor.skip_payload(&at).map_err(io)?;
                cursor.check().map_err(io)?;
                continue;
            }
            let seq = *next;
            *next += 1;
            if seq < *from {
                cursor.skip_payload(&at).map_err(io)?;
                *prev = Some(cursor.check().map_err(io)?);
                continue;
            }
            let mut buf = Vec::new();
            cursor.payload(&at, &mut buf).map_err(io)?;
            let check = cursor.check().map_err(io)?;
            let entry = decode_entry(self.format, seq, &buf)?;
            let expected_prev = *prev;
            *prev = Some(entry.hash);
            if entry.hash != check {
                return Err(self.damaged(seq, "its bytes do not match its hash"));
            }
            if entry.event.seq != seq {
                return Err(self.damaged(seq, "the record there is another event"));
            }
            if expected_prev.is_some_and(|p| p != entry.event.prev) {
                return Err(self.damaged(seq, "its prev is not the hash of the event before it"));
            }
            return Ok(Some(entry));
        }
        Ok(None)
    }

    fn back(&mut self) -> Result<Option<Entry>> {
        let Way::Back {
            next,
            block,
            expect,
        } = &mut self.way
        else {
            return Ok(None);
        };
        if *next == 0 {
            return Ok(None);
        }
        let io = |e| io_read(&self.path, e);
        if block.is_empty() {
            let b = (*next - 1) / INDEX_EVERY;
            let (pos, mut seq) = match self.index.get(b as usize) {
                Some(pos) => (*pos, b * INDEX_EVERY + 1),
                None => (self.start, 1),
            };
            let mut c = Cursor::new(self.file.clone(), pos, self.end);
            while seq <= *next {
                let Some(at) = c.head().map_err(io)? else {
                    break;
                };
                c.skip_payload(&at).map_err(io)?;
                let check = c.check().map_err(io)?;
                if at.kind == KIND_SNAPSHOT {
                    continue;
                }
                block.push((seq, at.pos + RECORD_HEAD, at.len, check));
                seq += 1;
            }
        }
        let seq = *next;
        let Some((at, pos, len, check)) = block.pop() else {
            return Err(self.damaged(seq, "it is not in the journal"));
        };
        if at != seq {
            return Err(self.damaged(seq, "it is not in the journal"));
        }
        let mut buf = vec![0u8; len as usize];
        let mut span = Span {
            file: self.file.clone(),
            pos,
            end: self.end,
        };
        span.read_exact(&mut buf).map_err(io)?;
        let entry = decode_entry(self.format, seq, &buf)?;
        if entry.hash != check {
            return Err(self.damaged(seq, "its bytes do not match its hash"));
        }
        if entry.event.seq != seq {
            return Err(self.damaged(seq, "the record there is another event"));
        }
        if expect.is_some_and(|h| h != entry.hash) {
            return Err(self.damaged(seq, "its hash is not the prev of the event after it"));
        }
        *expect = Some(entry.event.prev);
        *next -= 1;
        Ok(Some(entry))
    }
}

impl Iterator for JournalEvents {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Result<Entry>> {
        if self.done {
            return None;
        }
        let item = match self.way {
            Way::Forward { .. } => self.forward(),
            Way::Back { .. } => self.back(),
        };
        match item {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(feature = "store")]
/// The open journal of a process that holds the store: where its appends
/// go.
#[derive(Debug)]
pub(crate) struct JournalWriter {
    path: PathBuf,
    file: File,
    /// The file's length: just after the last complete record.
    len: u64,
    /// The seq of the last event in it.
    seq: u64,
    format: Format,
    /// The records up to `known.end`, as a reader's pass would find them:
    /// a new checkpoint reads on from there.
    known: Scanned,
    /// The length and head seq the checkpoint in the folder vouches for
    /// (where the records start, and 0, when none does).
    vouched: (u64, u64),
    /// A new checkpoint once this many events, or bytes, follow it.
    every: (u64, u64),
}

#[cfg(feature = "store")]
impl JournalWriter {
    /// Append records (each whole, or none: a failed write is cut off
    /// again), then wait for the disk.
    fn append(&mut self, records: &[u8], events: u64) -> std::io::Result<()> {
        let written = self.write(records).and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len += records.len() as u64;
                self.seq += events;
                Ok(())
            }
            Err(e) => {
                self.file.set_len(self.len)?;
                Err(e)
            }
        }
    }

    fn new(path: &Path, file: File, format: Format, known: Scanned, vouched: (u64, u64)) -> Self {
        JournalWriter {
            path: path.to_path_buf(),
            file,
            len: known.end,
            seq: known.seq(),
            format,
            known,
            vouched,
            every: (CHECK_EVENTS, CHECK_BYTES),
        }
    }

    /// Leave a new checkpoint at the journal's end when more than the
    /// bound follows the last one. A checkpoint that cannot be written
    /// costs readers a longer opening check, nothing else: it is tried
    /// again a bound later.
    fn checkpoint_if_due(&mut self) {
        let due = self.seq.saturating_sub(self.vouched.1) >= self.every.0
            || self.len.saturating_sub(self.vouched.0) >= self.every.1;
        if self.seq > 0 && due && self.checkpoint().is_err() {
            self.vouched = (self.len, self.seq);
        }
    }

    /// Read the records appended since `known` (as a reader would), and
    /// leave what they give as the checkpoint.
    fn checkpoint(&mut self) -> std::io::Result<()> {
        let file = Arc::new(Source::File(self.file.try_clone()?));
        let s = match scan(
            &file,
            self.format,
            self.known.clone(),
            self.len,
            Depth::Open,
            None,
        )? {
            Ok(s) if s.end == self.len && s.seq() == self.seq => s,
            Ok(_) => return Err(std::io::Error::other("the journal is not what was written")),
            Err(b) => return Err(std::io::Error::other(at_event(b))),
        };
        self.known = s;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        write_check(dir, &self.known)?;
        self.vouched = (self.known.end, self.known.seq());
        Ok(())
    }

    fn write(&mut self, records: &[u8]) -> std::io::Result<()> {
        self.file.seek(SeekFrom::Start(self.len))?;
        let half = records.len() / 2;
        self.file.write_all(&records[..half])?;
        crate::failpoint::failpoint(format_args!("ledger:journal-half-written"));
        self.file.write_all(&records[half..])
    }
}

#[cfg(feature = "store")]
impl Ledger {
    /// Bring the journal up to the store's head (a ledger just opened to
    /// write): keep what it has when that is a checked prefix of the
    /// store, cut off an append cut short, append the events it lacks;
    /// otherwise (none yet, damaged, another ledger's, ahead of the store)
    /// write it anew from the store.
    pub(crate) fn sync_journal(&self, fresh: bool) -> Result<()> {
        let path = self.dir().join(JOURNAL_FILE);
        let mut state = self.lock();
        let head = state.head_seq();
        // A store just created: whatever journal is there is not its own.
        let kept = match fresh {
            true => None,
            false => self.keep_journal(&path, head)?,
        };
        let mut writer = match kept {
            Some(w) => w,
            None => self.rebuild_journal(&path, head)?,
        };
        if writer.seq < head {
            self.catch_up(&mut writer, head)
                .map_err(|e| io_write(&path, e))?;
        }
        writer.checkpoint_if_due();
        state.journal = Some(writer);
        Ok(())
    }

    /// Leave a checkpoint when `events` events (or the default bound of
    /// bytes) follow the last one, from now on (for tests; the default is
    /// every 1,024 events or 8 MiB).
    #[doc(hidden)]
    pub fn set_journal_check_every(&self, events: u64) {
        if let Some(w) = self.lock().journal.as_mut() {
            w.every = (events.max(1), CHECK_BYTES);
        }
    }

    /// The existing journal, cut back to its last complete record, when it
    /// is a checked prefix of the store; `None` when it is to be rebuilt.
    fn keep_journal(&self, path: &Path, head: u64) -> Result<Option<JournalWriter>> {
        let file = match open_plain(path, true) {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::Other => return Ok(None),
            Err(e) => return Err(io_write(path, e)),
        };
        let size = file.metadata().map_err(|e| io_read(path, e))?.len();
        let file = Arc::new(Source::File(file));
        let Ok((format, start)) = read_header(path, &file, size) else {
            return Ok(None);
        };
        if format != self.format {
            return Ok(None);
        }
        // What the checkpoint vouches for is taken from it (as readers
        // do); the records after it are checked, snapshots included.
        let dir = path.parent().unwrap_or(Path::new("."));
        let from = read_check(dir, &file, format, start, size).unwrap_or(Scanned::empty(start));
        let vouched = (from.end, from.seq());
        let Ok(s) = scan(&file, format, from, size, Depth::Snapshots, None)
            .map_err(|e| io_read(path, e))?
        else {
            return Ok(None);
        };
        let (seq, hash) = s.head.map_or((0, Hash::ZERO), |(s, h, _)| (s, h));
        if seq > head {
            // The journal is written only after the store has flushed, so
            // a journal that goes on from the store's head holds events the
            // store lost: the store is damaged, and is not to be appended
            // to. (One that does not is another ledger's: rebuilt.)
            let stored = match head {
                0 => Some(Hash::ZERO),
                _ => self
                    .sled()?
                    .events
                    .get(seq_key(head))
                    .map_err(|e| self.store_err(e))?
                    .map(|b| self.format.hash_event_bytes(&b)),
            };
            let journal = Journal::scanned(path.to_path_buf(), file, format, start, size, s);
            let ours = match head {
                0 => Some(Hash::ZERO),
                _ => journal.raw(head)?.map(|b| self.format.hash_event_bytes(&b)),
            };
            if stored.is_some() && ours == stored {
                return Err(LedgerError::StoreBehindJournal {
                    store: head,
                    journal: seq,
                });
            }
            return Ok(None);
        }
        if seq > 0 {
            let stored = self
                .sled()?
                .events
                .get(seq_key(seq))
                .map_err(|e| self.store_err(e))?;
            if stored.map(|b| self.format.hash_event_bytes(&b)) != Some(hash) {
                return Ok(None);
            }
        }
        let Ok(Source::File(file)) = Arc::try_unwrap(file) else {
            return Ok(None);
        };
        if s.end < size {
            file.set_len(s.end).map_err(|e| io_write(path, e))?;
            file.sync_data().map_err(|e| io_write(path, e))?;
        }
        let last_kind = s.last_kind;
        let mut writer = JournalWriter::new(path, file, format, s, vouched);
        // An append cut short between an event and its snapshot.
        if seq > 0 && matches!(last_kind, Some(KIND_EVENT | KIND_TAG)) {
            if let Some(snapshot) = self
                .sled()?
                .snapshots
                .get(seq_key(seq))
                .map_err(|e| self.store_err(e))?
            {
                let check = self.format.fingerprint_bytes(&snapshot);
                writer
                    .append(&record(KIND_SNAPSHOT, &snapshot, &check), 0)
                    .map_err(|e| io_write(path, e))?;
            }
        }
        Ok(Some(writer))
    }

    /// Write the journal anew: the header, into a fresh file in the ledger
    /// folder, synced and renamed over `journal` (a rename replaces a
    /// symlink there, never what it points to). The caller appends the
    /// events.
    fn rebuild_journal(&self, path: &Path, head_seq: u64) -> Result<JournalWriter> {
        let dir = self.dir();
        let err = |e| io_write(path, e);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = dir.join(format!(
            ".{JOURNAL_FILE}.{}.{nanos}.tmp",
            std::process::id()
        ));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(err)?;
        // The old checkpoint speaks of the old journal: gone first (a
        // reader would find it does not check out against the new one,
        // unless it vouches for the same records).
        let _ = std::fs::remove_file(dir.join(CHECK_FILE));
        let head = header(self.format);
        let start = head.len() as u64;
        let mut writer = JournalWriter::new(
            path,
            file.try_clone().map_err(err)?,
            self.format,
            Scanned::empty(start),
            (start, 0),
        );
        let built = file
            .write_all(&head)
            .and_then(|()| self.catch_up(&mut writer, head_seq))
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::rename(&tmp, path))
            .and_then(|()| sync_dir(dir));
        if let Err(e) = built {
            let _ = std::fs::remove_file(&tmp);
            return Err(err(e));
        }
        Ok(writer)
    }

    /// Append the store's events after the journal's last, up to `head`,
    /// with their snapshots, streamed, and sync once.
    fn catch_up(&self, writer: &mut JournalWriter, head: u64) -> std::io::Result<()> {
        let sled = self.sled().map_err(std::io::Error::other)?;
        let tags: std::collections::HashSet<u64> = sled
            .tags
            .iter()
            .values()
            .filter_map(|v| {
                v.ok()
                    .and_then(|v| crate::store::read_tag_value(&v))
                    .map(|(_, s)| s)
            })
            .collect();
        writer.file.seek(SeekFrom::Start(writer.len))?;
        let mut out = BufWriter::with_capacity(BUFFER, &writer.file);
        let (mut len, mut seq) = (writer.len, writer.seq);
        for item in sled.events.range(seq_key(seq + 1)..=seq_key(head)) {
            let (k, v) = item.map_err(std::io::Error::other)?;
            let s = read_u64(&k).unwrap_or(0);
            if s != seq + 1 {
                return Err(std::io::Error::other(format!(
                    "the store has no event {}",
                    seq + 1
                )));
            }
            let kind = if tags.contains(&s) {
                KIND_TAG
            } else {
                KIND_EVENT
            };
            let r = record(kind, &v, &self.format.hash_event_bytes(&v));
            out.write_all(&r)?;
            len += r.len() as u64;
            if let Some(snapshot) = sled
                .snapshots
                .get(seq_key(s))
                .map_err(std::io::Error::other)?
            {
                let r = record(
                    KIND_SNAPSHOT,
                    &snapshot,
                    &self.format.fingerprint_bytes(&snapshot),
                );
                out.write_all(&r)?;
                len += r.len() as u64;
            }
            seq = s;
        }
        out.flush()?;
        drop(out);
        writer.file.sync_data()?;
        writer.len = len;
        writer.seq = seq;
        Ok(())
    }

    /// Append one event just committed and flushed to the store. When the
    /// journal cannot take it, it is left as it was (a record is written
    /// whole or cut off again) and this process stops appending to it: the
    /// store has the event, and the next process that opens the ledger to
    /// write brings the journal up to date.
    pub(crate) fn journal_append(
        &self,
        state: &mut State,
        seq: u64,
        bytes: &[u8],
        hash: Hash,
        snapshot: Option<&[u8]>,
        tag: bool,
    ) {
        let Some(writer) = state.journal.as_mut() else {
            return;
        };
        if writer.seq + 1 != seq {
            self.journal_catch_up(state);
            return;
        }
        crate::failpoint::failpoint(format_args!("ledger:before-journal"));
        let mut records = record(if tag { KIND_TAG } else { KIND_EVENT }, bytes, &hash);
        if let Some(s) = snapshot {
            records.extend(record(KIND_SNAPSHOT, s, &self.format.fingerprint_bytes(s)));
        }
        if writer.append(&records, 1).is_err() {
            state.journal = None;
            return;
        }
        writer.checkpoint_if_due();
    }

    /// Append what the store holds beyond the journal (after a run of
    /// unflushed appends, once they are flushed).
    pub(crate) fn journal_catch_up(&self, state: &mut State) {
        let head = state.head_seq();
        let Some(writer) = state.journal.as_mut() else {
            return;
        };
        if writer.seq >= head {
            return;
        }
        let len = writer.len;
        if self.catch_up(writer, head).is_err() {
            let _ = writer.file.set_len(len);
            state.journal = None;
            return;
        }
        writer.checkpoint_if_due();
    }
}

#[cfg(feature = "store")]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

impl Ledger {
    /// Open the ledger in `dir` from its journal, or `None` when it has
    /// none.
    pub(crate) fn open_journal(dir: &Path) -> Result<Option<Ledger>> {
        Journal::open(dir)?
            .map(|j| Ledger::from_journal(dir.to_path_buf(), j))
            .transpose()
    }

    #[cfg(feature = "store")]
    /// Stop appending to the journal from this handle (for benchmarks that
    /// compare an append with and without it; the next write-open catches
    /// the journal up).
    #[doc(hidden)]
    pub fn stop_journal(&self) {
        self.lock().journal = None;
    }

    /// Whether this ledger reads from its journal (it was opened to read,
    /// and has one) rather than from its store.
    pub fn reads_journal(&self) -> bool {
        self.journal().is_some()
    }

    #[cfg(feature = "store")]
    /// [`Ledger::verify`] of the store (a ledger opened to write), then of
    /// the journal as a reader would read it, which must end at the same
    /// head.
    pub fn verify_with_journal(&self, deep: bool) -> Result<VerifyReport> {
        let store = self.verify(deep)?;
        let VerifyReport::Ok(summary) = &store else {
            return Ok(store);
        };
        if self.journal().is_some() {
            return Ok(store);
        }
        let head = summary.head;
        let checked = match self.check_journal(deep, head) {
            // Damage before the checkpoint, which the open to write took
            // on trust: the journal is written anew from the store, as
            // damage after it would have been, and checked again.
            Ok(Some(VerifyReport::Broken(p))) if p.reason.starts_with("the journal: ") => {
                self.rebuild_journal_now()?;
                self.check_journal(deep, head)?
            }
            Err(LedgerError::JournalDamaged { .. }) => {
                self.rebuild_journal_now()?;
                self.check_journal(deep, head)?
            }
            checked => checked?,
        };
        Ok(checked.unwrap_or(store))
    }

    #[cfg(feature = "store")]
    /// The journal as a reader would read it, verified against the
    /// store's head: `None` when it agrees.
    fn check_journal(&self, deep: bool, head: Option<(u64, Hash)>) -> Result<Option<VerifyReport>> {
        let Some(journal) = Journal::open(self.dir())? else {
            return Ok(Some(VerifyReport::Broken(Problem {
                seq: None,
                reason: "the journal is missing".to_string(),
            })));
        };
        Ok(match journal.verify(deep)? {
            VerifyReport::Ok(j) if j.head == head => None,
            VerifyReport::Ok(j) => Some(VerifyReport::Broken(Problem {
                seq: None,
                reason: format!(
                    "the journal ends at {} but the store at {}",
                    head_says(j.head),
                    head_says(head)
                ),
            })),
            broken => Some(broken),
        })
    }

    #[cfg(feature = "store")]
    /// Write the journal anew from the store this handle holds.
    fn rebuild_journal_now(&self) -> Result<()> {
        let path = self.dir().join(JOURNAL_FILE);
        let mut state = self.lock();
        let head = state.head_seq();
        let mut writer = self.rebuild_journal(&path, head)?;
        self.catch_up(&mut writer, head)
            .map_err(|e| io_write(&path, e))?;
        writer.checkpoint_if_due();
        state.journal = Some(writer);
        Ok(())
    }
}

#[cfg(feature = "store")]
fn head_says(head: Option<(u64, Hash)>) -> String {
    match head {
        Some((seq, hash)) => format!("event {seq} ({})", hash.short(12)),
        None => "no event".to_string(),
    }
}

impl std::fmt::Debug for JournalEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalEvents")
            .field("path", &self.path)
            .finish()
    }
}

#[cfg(feature = "store")]
impl JournalWriter {
    #[allow(dead_code)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}
