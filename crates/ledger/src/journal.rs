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

/// What a pass over the records gives.
struct Scanned {
    end: u64,
    head: Option<(u64, Hash, Timestamp)>,
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

/// One pass over the records from `start`, checking every event's hash,
/// seq, link and time and every tag, stopping at the last complete record.
fn scan(
    file: &Arc<Source>,
    format: Format,
    start: u64,
    size: u64,
    depth: Depth,
) -> Result<std::result::Result<Scanned, Bad>, std::io::Error> {
    let mut c = Cursor::new(file.clone(), start, size);
    let mut s = Scanned {
        end: start,
        head: None,
        id: None,
        index: Vec::new(),
        snapshots: Vec::new(),
        tags: BTreeMap::new(),
        last_kind: None,
    };
    let mut buf = Vec::new();
    let mut prev = Hash::ZERO;
    let mut prev_at = Timestamp(i64::MIN);
    let mut seq = 0u64;
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
                prev = hash;
                prev_at = prefix.at;
                s.head = Some((seq, hash, prefix.at));
            }
            KIND_SNAPSHOT => {
                if !matches!(s.last_kind, Some(KIND_EVENT | KIND_TAG)) {
                    return Ok(Err(bad(
                        Some(seq),
                        "a snapshot record does not follow its event",
                    )));
                }
                if depth == Depth::Snapshots {
                    c.payload(&at, &mut buf)?;
                    let check = c.check()?;
                    if format.fingerprint_bytes(&buf) != check {
                        if last {
                            break;
                        }
                        return Ok(Err(bad(Some(seq), "its snapshot does not match its check")));
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

impl Journal {
    /// Open and check the journal in `dir`; `None` when it has none.
    pub(crate) fn open(dir: &Path) -> Result<Option<Journal>> {
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
        let scanned =
            scan(&file, format, start, size, Depth::Open).map_err(|e| io_read(&path, e))?;
        match scanned {
            Ok(s) => Ok(Some(Journal::scanned(path, file, format, start, s))),
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
        match scan(&source, format, start, size, Depth::Snapshots) {
            Ok(Ok(s)) => Ok(Journal::scanned(path, source, format, start, s)),
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
        s: Scanned,
    ) -> Journal {
        Journal {
            path,
            file,
            format,
            start,
            end: s.end,
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

    /// Check the whole journal: every record as [`Journal::open`] does,
    /// and every event decoded, recorded as a tag exactly when it is one,
    /// every snapshot against its event's fingerprint; `deep` also
    /// re-encodes and re-projects every event (as the store's verify).
    pub(crate) fn verify(&self, deep: bool) -> Result<VerifyReport> {
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
        state.journal = Some(writer);
        Ok(())
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
        let Ok(s) =
            scan(&file, format, start, size, Depth::Snapshots).map_err(|e| io_read(path, e))?
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
            let journal = Journal::scanned(path.to_path_buf(), file, format, start, s);
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
        let mut writer = JournalWriter {
            path: path.to_path_buf(),
            file,
            len: s.end,
            seq,
        };
        // An append cut short between an event and its snapshot.
        if seq > 0 && matches!(s.last_kind, Some(KIND_EVENT | KIND_TAG)) {
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
        let head = header(self.format);
        let mut writer = JournalWriter {
            path: path.to_path_buf(),
            len: head.len() as u64,
            seq: 0,
            file: file.try_clone().map_err(err)?,
        };
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
        }
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
        }
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
        let Some(journal) = Journal::open(self.dir())? else {
            return Ok(VerifyReport::Broken(Problem {
                seq: None,
                reason: "the journal is missing".to_string(),
            }));
        };
        match journal.verify(deep)? {
            VerifyReport::Ok(j) if j.head == summary.head => Ok(store),
            VerifyReport::Ok(j) => Ok(VerifyReport::Broken(Problem {
                seq: None,
                reason: format!(
                    "the journal ends at {} but the store at {}",
                    head_says(j.head),
                    head_says(summary.head)
                ),
            })),
            broken => Ok(broken),
        }
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
