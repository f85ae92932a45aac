//! The text form of a ledger: how it travels (in git, in a pull request).
//!
//! A folder with a header, `ledger.json` (the text form's own version, the
//! ledger's format version and dialect), and one JSON file per event,
//! `000001.json`, `000002.json`, ..., each holding every field the event's
//! hash covers and the hash itself. A file is read back into exactly the
//! event it was written from, so the hash it records can be recomputed under
//! the ledger's [`Format`] and the chain checked without a store. Writing
//! and reading both stream: one event in memory at a time.
//!
//! The layout is described in docs/ledger-format.md ("Text form"); the
//! golden test at the end pins the bytes of a header and of an event file.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};
use strata_schema::{Rules, Schema};

use crate::error::LedgerError;
use crate::event::{replay_body, Body, Dialect, Event, Format, Origin};
use crate::hash::Hash;
use crate::point::check_tag_name;
use crate::store::{write_file, Entry, Ledger};
use crate::timestamp::Timestamp;

/// The version of the text form's layout, written in its header. Any change
/// to the files' names or bytes for the same events bumps it. Version 2
/// writes a table's options as a list (format version 4's model), where 1
/// had SQLite's flags.
pub const TEXT_VERSION: u32 = 2;

/// The header file of a text-form folder.
pub const HEADER_FILE: &str = "ledger.json";

/// The git attributes file `export` writes into a text-form folder that
/// has none, and what it says: the files are compared byte for byte, so git
/// must never convert their line endings (`core.autocrlf`). Like any dot
/// file, it is not part of the text form: `verify --text` leaves it alone.
pub const GITATTRIBUTES_FILE: &str = ".gitattributes";
const GITATTRIBUTES: &str =
    "# strata's text form is compared byte for byte: keep its line endings.\n*.json -text\n";

/// Event file names are zero-padded to this many digits, so `ls` lists
/// events 1 to 999999 in order; past that the names are the plain number
/// (`1000000.json`), which `ls -v` still sorts right and strata reads by
/// number.
pub const NAME_DIGITS: usize = 6;

/// No file of the text form is read past this many bytes: a damaged or
/// hostile file is an error, not an allocation. No real event comes near.
const FILE_LIMIT: u64 = 1 << 30;

/// The name of event `seq`'s file.
pub fn file_name(seq: u64) -> String {
    format!("{seq:0width$}.json", width = NAME_DIGITS)
}

/// What a name in a text-form folder is.
#[derive(Debug, PartialEq, Eq)]
enum Name {
    /// The file of this event.
    Event(u64),
    /// Starts with a digit, so it looks like an event file, but is not the
    /// name of one (`7.json`, `0000007.json`, `000007.json.orig`).
    Misnamed,
    /// Anything else: the header, a README, a dot file; left alone.
    Other,
}

fn classify(name: &str) -> Name {
    if !name.starts_with(|c: char| c.is_ascii_digit()) {
        return Name::Other;
    }
    let seq = name
        .strip_suffix(".json")
        .filter(|stem| stem.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|stem| stem.parse::<u64>().ok())
        .filter(|seq| *seq > 0 && file_name(*seq) == name);
    match seq {
        Some(seq) => Name::Event(seq),
        None => Name::Misnamed,
    }
}

/// The header, as written (fields in this order).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderJson {
    text_version: u32,
    format_version: u32,
    dialect: String,
}

/// The bytes of the header of a ledger of `format`.
pub fn render_header(format: Format) -> Vec<u8> {
    let header = HeaderJson {
        text_version: TEXT_VERSION,
        format_version: format.version,
        dialect: format.dialect.as_str().to_string(),
    };
    pretty(&header).unwrap_or_default()
}

/// `value` as pretty JSON (two spaces, fields in declaration order) and a
/// newline: the one rendering of every file of the text form.
fn pretty<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The ledger format a header names.
fn parse_header(path: &Path, bytes: &[u8]) -> Result<Format, TextError> {
    let broken = |reason: String| TextError::Broken {
        path: path.to_path_buf(),
        reason,
    };
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| broken(format!("it is not a text-form header: {e}")))?;
    match value.get("text_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(TEXT_VERSION) => {}
        Some(found) => {
            return Err(TextError::Version {
                path: path.to_path_buf(),
                found,
            })
        }
        None => return Err(broken("it has no text_version".to_string())),
    }
    let header: HeaderJson = serde_json::from_value(value)
        .map_err(|e| broken(format!("it is not a text-form header: {e}")))?;
    let dialect = Dialect::parse(&header.dialect).ok_or_else(|| {
        broken(format!(
            "dialect {:?} is not one strata knows",
            header.dialect
        ))
    })?;
    let format = Format {
        version: header.format_version,
        dialect,
    };
    if !(crate::OLDEST_FORMAT_VERSION..=crate::FORMAT_VERSION).contains(&format.version) {
        return Err(broken(format!(
            "format version {} is not one this strata reads ({} to {})",
            format.version,
            crate::OLDEST_FORMAT_VERSION,
            crate::FORMAT_VERSION
        )));
    }
    if format.version == 2 && dialect != Dialect::Sqlite {
        return Err(broken("a format-2 ledger is SQLite".to_string()));
    }
    if format.rules().is_none() {
        return Err(broken(format!(
            "its dialect {dialect} in format version {} is not one this strata reads",
            format.version
        )));
    }
    if render_header(format) != bytes {
        return Err(broken(
            "it is not written as strata writes it (export the ledger again)".to_string(),
        ));
    }
    Ok(format)
}

/// An event file, as written (fields in this order).
#[derive(Serialize)]
struct EventOut<'a> {
    seq: u64,
    hash: &'a Hash,
    prev: &'a Hash,
    at: &'a Timestamp,
    author: &'a str,
    message: &'a str,
    body: &'a Body,
    fingerprint: &'a Hash,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'a Origin>,
}

/// An event file, as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventIn {
    seq: u64,
    hash: Hash,
    prev: Hash,
    at: Timestamp,
    author: String,
    message: String,
    body: Body,
    fingerprint: Hash,
    #[serde(default)]
    origin: Option<Origin>,
}

/// The bytes of the file of `event`, whose hash is `hash`. Refused only for
/// a time RFC 3339 cannot write (outside years 0 to 9999), which no command
/// records.
pub fn render_event(hash: &Hash, event: &Event) -> Result<Vec<u8>, String> {
    if Timestamp::parse_rfc3339(&event.at.to_string()).ok() != Some(event.at) {
        return Err(format!(
            "its time ({} microseconds since 1970) cannot be written as RFC 3339",
            event.at.micros()
        ));
    }
    pretty(&EventOut {
        seq: event.seq,
        hash,
        prev: &event.prev,
        at: &event.at,
        author: &event.author,
        message: &event.message,
        body: &event.body,
        fingerprint: &event.fingerprint,
        origin: event.origin.as_ref(),
    })
}

/// The event a file holds and the hash it records, once the hash is checked
/// against the event under `format` and the bytes against the one rendering
/// of that event. The reason, when not.
pub fn parse_event(bytes: &[u8], format: Format) -> Result<Entry, String> {
    let file: EventIn =
        serde_json::from_slice(bytes).map_err(|e| format!("it is not an event file: {e}"))?;
    let recorded = file.hash;
    let event = Event {
        seq: file.seq,
        prev: file.prev,
        at: file.at,
        author: file.author,
        message: file.message,
        body: file.body,
        fingerprint: file.fingerprint,
        origin: file.origin,
    };
    let hash = format.event_hash(&event).map_err(|e| e.to_string())?;
    if hash != recorded {
        return Err(format!(
            "it records hash {recorded}, but what it holds hashes to {hash}: it was changed"
        ));
    }
    if render_event(&hash, &event)? != bytes {
        return Err(
            "it is not written as strata writes it: its content matches its hash, its layout was changed (export the ledger again)"
                .to_string(),
        );
    }
    Ok(Entry { hash, event })
}

/// What can go wrong reading or writing a text form.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("{} holds no ledger text form: it has no {HEADER_FILE}", dir.display())]
    NoTextForm { dir: PathBuf },
    #[error("{} has text-form version {found}, but this strata reads version {TEXT_VERSION}", path.display())]
    Version { path: PathBuf, found: u64 },
    /// A file is missing, extra, damaged, or does not follow the one before.
    #[error("{}: {reason}", path.display())]
    Broken { path: PathBuf, reason: String },
    /// The text form holds another event than the ledger at `seq`.
    #[error("the ledger and {} part at event {seq}: the ledger's has hash {ledger}, {}'s has {text}", dir.display(), dir.display())]
    Forked {
        dir: PathBuf,
        seq: u64,
        ledger: Hash,
        text: Hash,
    },
    /// An export would overwrite a file that holds something else.
    #[error("{} does not hold the ledger's event {seq} ({ledger}): {reason}", path.display())]
    Differs {
        path: PathBuf,
        seq: u64,
        ledger: Hash,
        reason: String,
    },
    #[error("{} is the text form of a format-{} {} ledger, and the ledger is format {} {}", dir.display(), text.version, text.dialect, ledger.version, ledger.dialect)]
    OtherFormat {
        dir: PathBuf,
        text: Format,
        ledger: Format,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl TextError {
    /// Whether the error is an integrity failure (exit 3): a broken or
    /// forked text form, or a damaged ledger.
    pub fn is_integrity(&self) -> bool {
        match self {
            TextError::Broken { .. } | TextError::Forked { .. } | TextError::Differs { .. } => true,
            TextError::Ledger(e) => e.is_damage(),
            _ => false,
        }
    }

    /// What to do about it, when there is advice to give.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            TextError::NoTextForm { .. } => {
                "give the folder `strata export` wrote".to_string()
            }
            TextError::Version { .. } => "use the strata that wrote it".to_string(),
            TextError::Broken { path, .. }
                if path.file_name().is_some_and(|n| n == HEADER_FILE) =>
            {
                "restore the folder from a copy you trust (git checkout), or export it again from a ledger that verifies".to_string()
            }
            TextError::Broken { .. } => {
                "the files before it are intact; restore the folder from a copy you trust (git checkout), or export it again from a ledger that verifies".to_string()
            }
            TextError::Forked { dir, .. } => format!(
                "the two histories diverged there: `strata rebase {} -m MESSAGE` re-records the ledger's own events after the folder's; or keep one, or export this ledger to another folder",
                dir.display()
            ),
            TextError::Differs { .. } => {
                "import the folder first (it may hold another history), or export to another folder".to_string()
            }
            TextError::OtherFormat { .. } => {
                "import into a new ledger folder: it is created in the text form's format".to_string()
            }
            TextError::Ledger(e) => return e.help(),
            TextError::Io { .. } => return None,
        })
    }
}

/// Read a file of the text form: `None` when there is none; refused when
/// the name is not a plain file (a symlink, a folder, a pipe) or is too
/// large.
fn read_file(path: &Path) -> Result<Option<Vec<u8>>, TextError> {
    let io = |source| TextError::Io {
        path: path.to_path_buf(),
        source,
    };
    let not_plain = || TextError::Broken {
        path: path.to_path_buf(),
        reason: "it is not a plain file".to_string(),
    };
    let file = match open_plain(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // A symlink is refused by the open itself; say what it is.
        Err(e) => match std::fs::symlink_metadata(path) {
            Ok(meta) if !meta.file_type().is_file() => return Err(not_plain()),
            _ => return Err(io(e)),
        },
    };
    let meta = file.metadata().map_err(io)?;
    if !meta.file_type().is_file() {
        return Err(not_plain());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(1 << 20));
    file.take(FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(TextError::Broken {
            path: path.to_path_buf(),
            reason: format!("it is larger than {FILE_LIMIT} bytes"),
        });
    }
    Ok(Some(bytes))
}

/// Open `path` to read, never through a symlink and never waiting on a
/// pipe: what the name is gets checked on the open file, so nothing can be
/// put in its place between the check and the read.
#[cfg(unix)]
fn open_plain(path: &Path) -> std::io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    Ok(std::fs::File::from(rustix::fs::open(
        path,
        flags,
        Mode::empty(),
    )?))
}

#[cfg(not(unix))]
fn open_plain(path: &Path) -> std::io::Result<std::fs::File> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::other("a symlink"));
    }
    std::fs::File::open(path)
}

/// How many threads read, parse or write the files of a text form: one per
/// core, at least two (the work is as much waiting on the file system as
/// computing), at most four.
fn lanes() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4))
}

/// Files per message between the threads of a read or an export: a
/// message per file would cost more in waking threads than the file.
const CHUNK: u64 = 64;

/// Chunks a worker may be ahead of the thread that takes its work.
const CHUNKS_AHEAD: usize = 4;

/// An event file as a reading worker found it: its event, checked alone;
/// `None` when it is missing (the end).
type FileRead = Result<Option<Entry>, TextError>;

/// Event files read on worker threads ahead of the reader and handed back
/// in order. The files are taken in chunks of [`CHUNK`]: worker `k` of `n`
/// reads chunks `k`, `k + n`, ..., and checks each file alone
/// ([`parse_event`]: it parses, its hash is the hash of what it holds, its
/// bytes are the one rendering of that event); it stops at the first file
/// that is missing or broken. Each worker's channel holds a few chunks,
/// so memory stays flat; dropping the reader stops the workers.
struct Files {
    lanes: Vec<Receiver<Vec<FileRead>>>,
    workers: Vec<Option<JoinHandle<()>>>,
    /// Chunks taken so far, and what is left of the last one.
    taken: usize,
    chunk: std::vec::IntoIter<FileRead>,
}

impl Files {
    fn start(dir: &Path, format: Format, first: u64) -> Files {
        let n = lanes();
        let mut lanes = Vec::with_capacity(n);
        let mut workers = Vec::with_capacity(n);
        for k in 0..n as u64 {
            let (tx, rx) = sync_channel(CHUNKS_AHEAD);
            let dir = dir.to_path_buf();
            workers.push(Some(std::thread::spawn(move || {
                for c in (k..).step_by(n) {
                    let start = first + c * CHUNK;
                    let mut chunk = Vec::with_capacity(CHUNK as usize);
                    let mut last = false;
                    for seq in start..start + CHUNK {
                        let path = dir.join(file_name(seq));
                        let item = match read_file(&path) {
                            Ok(Some(bytes)) => parse_event(&bytes, format)
                                .map(Some)
                                .map_err(|reason| TextError::Broken { path, reason }),
                            other => other.map(|_| None),
                        };
                        last = !matches!(item, Ok(Some(_)));
                        chunk.push(item);
                        if last {
                            break;
                        }
                    }
                    if tx.send(chunk).is_err() || last {
                        return;
                    }
                }
            })));
            lanes.push(rx);
        }
        Files {
            lanes,
            workers,
            taken: 0,
            chunk: Vec::new().into_iter(),
        }
    }

    /// The next file's event, checked alone; `None` when the file is
    /// missing. Not called again after `None` or an error.
    fn next(&mut self) -> FileRead {
        loop {
            if let Some(item) = self.chunk.next() {
                return item;
            }
            let lane = self.taken % self.lanes.len();
            match self.lanes[lane].recv() {
                Ok(chunk) => {
                    self.chunk = chunk.into_iter();
                    self.taken += 1;
                }
                // A worker sends why it stops before it does: this one
                // panicked.
                Err(_) => {
                    if let Some(Err(panic)) = self.workers[lane].take().map(JoinHandle::join) {
                        std::panic::resume_unwind(panic);
                    }
                    return Err(TextError::Io {
                        path: PathBuf::new(),
                        source: std::io::Error::other("a thread reading the files stopped"),
                    });
                }
            }
        }
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        // Without their channels the workers stop at their next chunk.
        self.lanes.clear();
        for worker in self.workers.iter_mut().filter_map(Option::take) {
            let _ = worker.join();
        }
    }
}

/// The format of the ledger whose text form is in `dir`.
pub fn read_format(dir: &Path) -> Result<Format, TextError> {
    let path = dir.join(HEADER_FILE);
    match read_file(&path)? {
        Some(bytes) => parse_header(&path, &bytes),
        None => Err(TextError::NoTextForm {
            dir: dir.to_path_buf(),
        }),
    }
}

/// What a whole, checked text form holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSummary {
    pub format: Format,
    pub events: u64,
    /// The last event's seq and hash; `None` when there are no events.
    pub head: Option<(u64, Hash)>,
    pub tags: u64,
    /// Whether every event was re-projected and its fingerprint checked.
    pub deep: bool,
}

/// Reads a text form event by event, checking each as it goes: the file
/// parses, its hash is the hash of what it holds, its seq is its file's
/// number, its prev is the hash of the file before, its time does not go
/// back, and it passes the checks an append makes (a message, ops for a
/// change, reverts and tags of earlier events, tag names unique); `deep`
/// also re-projects every event and checks its fingerprint. After the last
/// event, [`TextReader::finish`] checks that no event file follows a gap
/// and none is misnamed.
pub struct TextReader {
    dir: PathBuf,
    format: Format,
    rules: &'static dyn Rules,
    deep: bool,
    files: Files,
    next: u64,
    prev: Hash,
    prev_at: Timestamp,
    schema: Schema,
    tags: BTreeSet<String>,
    done: bool,
}

impl TextReader {
    /// Open the text form in `dir`, reading its header.
    pub fn open(dir: &Path, deep: bool) -> Result<TextReader, TextError> {
        TextReader::open_at(dir, deep, 1)
    }

    /// Open the text form in `dir` to read from event `first` on.
    fn open_at(dir: &Path, deep: bool, first: u64) -> Result<TextReader, TextError> {
        if !dir.is_dir() {
            return Err(TextError::NoTextForm {
                dir: dir.to_path_buf(),
            });
        }
        let format = read_format(dir)?;
        let rules = format.rules().ok_or_else(|| TextError::Broken {
            path: dir.join(HEADER_FILE),
            reason: format!(
                "its dialect {} is not one this strata can read yet",
                format.dialect
            ),
        })?;
        Ok(TextReader {
            files: Files::start(dir, format, first),
            format,
            rules,
            dir: dir.to_path_buf(),
            deep,
            next: first,
            prev: Hash::ZERO,
            prev_at: Timestamp(i64::MIN),
            schema: Schema::default(),
            tags: BTreeSet::new(),
            done: false,
        })
    }

    /// Read the text form in `dir` from the event after `seq`, which a
    /// ledger of `format` holds with hash `hash` and time `at` (an import
    /// appending what it has checked). Its header must still name
    /// `format`. Tags made before `seq` are not known to this reader (the
    /// ledger checks those).
    fn open_after(
        dir: &Path,
        format: Format,
        seq: u64,
        hash: Hash,
        at: Timestamp,
    ) -> Result<TextReader, TextError> {
        let mut reader = TextReader::open_at(dir, false, seq + 1)?;
        if reader.format != format {
            return Err(TextError::Broken {
                path: dir.join(HEADER_FILE),
                reason: format!(
                    "it names a format-{} {} ledger, and names format {} {} when checked",
                    reader.format.version, reader.format.dialect, format.version, format.dialect
                ),
            });
        }
        reader.prev = hash;
        reader.prev_at = at;
        Ok(reader)
    }

    /// The format of the ledger the text form is of.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The next event, checked; `None` after the last.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, TextError> {
        if self.done {
            return Ok(None);
        }
        let seq = self.next;
        let entry = match self.files.next() {
            Ok(Some(entry)) => entry,
            Ok(None) => {
                self.done = true;
                return Ok(None);
            }
            Err(e) => {
                self.done = true;
                return Err(e);
            }
        };
        if let Err(reason) = self.check(seq, &entry.event) {
            self.done = true;
            return Err(TextError::Broken {
                path: self.dir.join(file_name(seq)),
                reason,
            });
        }
        self.next += 1;
        self.prev = entry.hash;
        self.prev_at = entry.event.at;
        Ok(Some(entry))
    }

    /// Whether event `seq`, read from its file, follows the one before.
    fn check(&mut self, seq: u64, e: &Event) -> Result<(), String> {
        if e.seq != seq {
            return Err(format!("it holds event {}, not event {seq}", e.seq));
        }
        if e.prev != self.prev {
            return Err(if seq == 1 {
                format!(
                    "its prev is {}, but event 1 follows nothing (all zeros)",
                    e.prev
                )
            } else {
                format!(
                    "its prev is {}, but {} has hash {}",
                    e.prev,
                    file_name(seq - 1),
                    self.prev
                )
            });
        }
        if e.at < self.prev_at {
            return Err(format!(
                "its time {} is earlier than {}'s ({})",
                e.at,
                file_name(seq - 1),
                self.prev_at
            ));
        }
        if e.message.trim().is_empty() {
            return Err("its message is empty".to_string());
        }
        match &e.body {
            Body::Change { ops, .. } if ops.is_empty() => {
                return Err("it is a change without ops".to_string())
            }
            Body::Revert { of, .. } => {
                if of.is_empty() {
                    return Err("it is a revert of no events".to_string());
                }
                if let Some(bad) = of.iter().find(|s| **s == 0 || **s >= seq) {
                    return Err(format!("it reverts event {bad}, which is not before it"));
                }
            }
            Body::Tag { name, target } => {
                check_tag_name(name).map_err(|e| e.to_string())?;
                if *target >= seq {
                    return Err(format!(
                        "tag {name} names event {target}, which is not before it"
                    ));
                }
                if !self.tags.insert(name.clone()) {
                    return Err(format!("tag {name} was already made by an earlier event"));
                }
            }
            _ => {}
        }
        if self.deep {
            fit(self.rules, &mut self.schema, seq, e)?;
            check_fingerprint(self.format, &self.schema, e)?;
        }
        Ok(())
    }

    /// After the last event: no event file may follow a missing one, and
    /// no file may look like an event file without being named as one.
    pub fn finish(mut self) -> Result<TextSummary, TextError> {
        while self.next_entry()?.is_some() {}
        let last = self.next - 1;
        let io = |source| TextError::Io {
            path: self.dir.clone(),
            source,
        };
        let mut beyond: Option<u64> = None;
        let mut misnamed: Option<String> = None;
        for item in std::fs::read_dir(&self.dir).map_err(io)? {
            let name = item.map_err(io)?.file_name();
            let name = name.to_string_lossy();
            match classify(&name) {
                Name::Event(seq) if seq > last => {
                    beyond = Some(beyond.map_or(seq, |b| b.min(seq)));
                }
                Name::Misnamed if misnamed.as_deref().is_none_or(|m| *name < *m) => {
                    misnamed = Some(name.into_owned());
                }
                _ => {}
            }
        }
        if let Some(seq) = beyond {
            return Err(TextError::Broken {
                path: self.dir.join(file_name(last + 1)),
                reason: format!("it is missing, but {} follows", file_name(seq)),
            });
        }
        if let Some(name) = misnamed {
            return Err(TextError::Broken {
                path: self.dir.join(name),
                reason: format!(
                    "it is not the name of an event file ({}, {}, ...)",
                    file_name(1),
                    file_name(2)
                ),
            });
        }
        Ok(TextSummary {
            format: self.format,
            events: last,
            head: (last > 0).then_some((last, self.prev)),
            tags: self.tags.len() as u64,
            deep: self.deep,
        })
    }
}

/// Project event `seq` onto `schema`, the schema of the events before it.
fn fit(rules: &dyn Rules, schema: &mut Schema, seq: u64, e: &Event) -> Result<(), String> {
    replay_body(rules, schema, seq, &e.body)
        .map_err(|err| format!("it does not fit the schema before it: {err}"))
}

/// Whether `e` records the fingerprint of `schema`, the schema it gives.
fn check_fingerprint(format: Format, schema: &Schema, e: &Event) -> Result<(), String> {
    let fp = format.fingerprint(schema).map_err(|err| err.to_string())?;
    if fp != e.fingerprint {
        return Err(format!(
            "its fingerprint {} differs from the replayed schema's {fp}",
            e.fingerprint
        ));
    }
    Ok(())
}

/// Check the text form in `dir` alone, without a store (see
/// [`TextReader`]).
pub fn verify_text(dir: &Path, deep: bool) -> Result<TextSummary, TextError> {
    TextReader::open(dir, deep)?.finish()
}

/// What [`export`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub format: Format,
    pub events: u64,
    /// Files written (the header counts), because they were missing.
    pub written: u64,
    /// Files already there with the same bytes, left alone.
    pub unchanged: u64,
    pub head: Option<(u64, Hash)>,
    /// Whether the folder holds events after the ledger's head (its files
    /// are left alone; `import` brings them in).
    pub ahead: bool,
}

/// Write the text form of `ledger` into `dir` (created if missing). A file
/// already there with the same bytes is left alone, so a second export
/// writes nothing; a missing one is written to a fresh file renamed into
/// place (never through a symlink). A file that holds anything else is
/// refused, never overwritten, and nothing after it is written. Every event
/// is checked as it is read: its seq, its link to the one before, and that
/// its bytes hash to its hash.
///
/// The events are read here, in order; the files are rendered, compared
/// and written by one worker per core. The folder is listed once first:
/// up to the last event file already there, files are compared and a
/// missing one is written only once every file before it has been found
/// right, so an export into a folder of another history writes nothing
/// after the first file that differs; past it, files are written
/// straight away. What was written is made durable by one sync at the
/// end, not one per file.
pub fn export(ledger: &Ledger, dir: &Path) -> Result<Exported, TextError> {
    std::fs::create_dir_all(dir).map_err(io_at(dir))?;
    let format = ledger.format();
    let mut written = 0;
    let mut unchanged = 0;
    let header = dir.join(HEADER_FILE);
    let want = render_header(format);
    match read_file(&header)? {
        None => {
            write_file(dir, HEADER_FILE, &want, false).map_err(io_at(&header))?;
            written += 1;
        }
        Some(bytes) if bytes == want => unchanged += 1,
        Some(bytes) => {
            let text = parse_header(&header, &bytes)?;
            return Err(TextError::OtherFormat {
                dir: dir.to_path_buf(),
                text,
                ledger: format,
            });
        }
    }
    // Files are compared byte for byte, so git must not change their line
    // endings on checkout. A `.gitattributes` the user wrote is theirs.
    let attributes = dir.join(GITATTRIBUTES_FILE);
    if read_file(&attributes)?.is_none() {
        write_file(dir, GITATTRIBUTES_FILE, GITATTRIBUTES.as_bytes(), false)
            .map_err(io_at(&attributes))?;
    }
    let there = last_event_file(dir)?;
    let stop = AtomicBool::new(false);
    let run = std::thread::scope(|scope| {
        let mut writers = Writers::start(scope, dir, format, &stop);
        let run = export_events(ledger, dir, there, &mut writers);
        if run.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        run
    })?;
    written += run.written;
    unchanged += run.unchanged;
    if written > 0 {
        sync_written(dir, &header, run.first_written, run.last)?;
    }
    let last = run.last;
    let ahead = std::fs::symlink_metadata(dir.join(file_name(last + 1))).is_ok();
    Ok(Exported {
        format,
        events: last,
        written,
        unchanged,
        head: (last > 0).then_some((last, run.prev)),
        ahead,
    })
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> TextError {
    let path = path.to_path_buf();
    move |source| TextError::Io { path, source }
}

/// The highest seq of an event file in `dir`, 0 when there is none.
fn last_event_file(dir: &Path) -> Result<u64, TextError> {
    let mut last = 0;
    for item in std::fs::read_dir(dir).map_err(io_at(dir))? {
        let name = item.map_err(io_at(dir))?.file_name();
        if let Name::Event(seq) = classify(&name.to_string_lossy()) {
            last = last.max(seq);
        }
    }
    Ok(last)
}

/// Make the files an export wrote durable, with the folder that names
/// them. On Linux one `syncfs` does it for the whole file system, which
/// costs about as much as syncing a handful of files one by one;
/// elsewhere each file from the first one written is synced.
fn sync_written(dir: &Path, header: &Path, first: Option<u64>, last: u64) -> Result<(), TextError> {
    let open = |path: &Path| std::fs::File::open(path).map_err(io_at(path));
    #[cfg(target_os = "linux")]
    {
        let _ = (header, first, last);
        rustix::fs::syncfs(open(dir)?).map_err(|e| io_at(dir)(e.into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let sync = |path: &Path| open(path)?.sync_all().map_err(io_at(path));
        sync(header)?;
        for seq in first.unwrap_or(last + 1)..=last {
            sync(&dir.join(file_name(seq)))?;
        }
        sync(dir)
    }
}

/// What the events' part of an export did.
struct Run {
    written: u64,
    unchanged: u64,
    first_written: Option<u64>,
    /// The last event exported, and its hash.
    last: u64,
    prev: Hash,
}

/// One event file for a worker: compare it with what is there, or write
/// it (past the last event file the folder held).
struct Job {
    seq: u64,
    hash: Hash,
    event: Event,
    write: bool,
}

/// What a worker did with a [`Job`].
enum Done {
    Unchanged,
    Written(u64),
    /// Event `seq`'s file is missing, below the folder's last event file:
    /// it is written in order, once every file before it is known to be
    /// right.
    Missing(u64, Vec<u8>),
}

/// The export's workers. Jobs go in chunks, chunk `i` to worker `i % n`,
/// and what the workers did comes back in the same chunks, taken in the
/// order they were sent.
struct Writers {
    jobs: Vec<SyncSender<Vec<Job>>>,
    done: Vec<Receiver<Vec<Result<Done, TextError>>>>,
    sent: usize,
    taken: usize,
}

impl Writers {
    /// Start the workers; each stops at its first error (the last of what
    /// it sends back), when `stop` is set, or when the `Writers` is
    /// dropped.
    fn start<'scope, 'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        dir: &'env Path,
        format: Format,
        stop: &'env AtomicBool,
    ) -> Writers {
        let mut jobs = Vec::new();
        let mut done = Vec::new();
        for _ in 0..lanes() {
            let (job_tx, job_rx) = sync_channel::<Vec<Job>>(CHUNKS_AHEAD);
            // Unbounded, so that a worker never waits on the thread that
            // feeds it, which may be waiting to hand it more; it holds at
            // most the chunks handed out and not taken back.
            let (done_tx, done_rx) = std::sync::mpsc::channel();
            scope.spawn(move || {
                for chunk in job_rx {
                    let mut results = Vec::with_capacity(chunk.len());
                    for job in chunk {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let result = file_job(dir, format, job);
                        let failed = result.is_err();
                        results.push(result);
                        if failed {
                            let _ = done_tx.send(results);
                            return;
                        }
                    }
                    if done_tx.send(results).is_err() {
                        return;
                    }
                }
            });
            jobs.push(job_tx);
            done.push(done_rx);
        }
        Writers {
            jobs,
            done,
            sent: 0,
            taken: 0,
        }
    }

    /// Hand a chunk of jobs to the next worker; false when that worker
    /// has stopped at an error (which it sent back).
    fn send(&mut self, chunk: Vec<Job>) -> bool {
        if chunk.is_empty() {
            return true;
        }
        let lane = self.sent % self.jobs.len();
        if self.jobs[lane].send(chunk).is_err() {
            return false;
        }
        self.sent += 1;
        true
    }

    /// What the workers did with the next chunk sent; `None` when every
    /// chunk sent has been taken.
    fn take(&mut self) -> Option<Result<Vec<Result<Done, TextError>>, TextError>> {
        if self.taken == self.sent {
            return None;
        }
        let lane = self.taken % self.done.len();
        self.taken += 1;
        // A worker sends its results before it stops: one that did not
        // panicked (and the scope passes the panic on).
        Some(self.done[lane].recv().map_err(|_| TextError::Io {
            path: PathBuf::new(),
            source: std::io::Error::other("a thread writing the files stopped"),
        }))
    }
}

/// Render event `job.seq`'s file, then compare it with the file there or
/// write it.
fn file_job(dir: &Path, format: Format, job: Job) -> Result<Done, TextError> {
    let Job {
        seq,
        hash,
        event,
        write,
    } = job;
    let bytes = render_event(&hash, &event).map_err(|reason| {
        TextError::Ledger(LedgerError::Damaged {
            seq: Some(seq),
            reason,
        })
    })?;
    let name = file_name(seq);
    let path = dir.join(&name);
    if write {
        write_file(dir, &name, &bytes, false).map_err(io_at(&path))?;
        return Ok(Done::Written(seq));
    }
    match read_file(&path)? {
        None => Ok(Done::Missing(seq, bytes)),
        Some(old) if old == bytes => Ok(Done::Unchanged),
        Some(old) => {
            let reason = match parse_event(&old, format) {
                Ok(theirs) => format!("it holds one with hash {}", theirs.hash),
                Err(reason) => reason,
            };
            Err(TextError::Differs {
                path,
                seq,
                ledger: hash,
                reason,
            })
        }
    }
}

/// Chunks handed out and not yet taken back, at most, per worker.
const CHUNKS_OUT: usize = 2;

/// The events' part of [`export`]: read the events in order, check each,
/// hand its file to a worker, and take what the workers did in order.
fn export_events(
    ledger: &Ledger,
    dir: &Path,
    there: u64,
    writers: &mut Writers,
) -> Result<Run, TextError> {
    let format = ledger.format();
    let mut run = Run {
        written: 0,
        unchanged: 0,
        first_written: None,
        last: 0,
        prev: Hash::ZERO,
    };
    let take = |writers: &mut Writers, run: &mut Run, keep: usize| {
        while writers.sent - writers.taken > keep {
            let Some(results) = writers.take() else { break };
            for result in results? {
                match result? {
                    Done::Unchanged => run.unchanged += 1,
                    Done::Written(seq) => {
                        run.written += 1;
                        run.first_written = Some(run.first_written.map_or(seq, |f| f.min(seq)));
                    }
                    Done::Missing(seq, bytes) => {
                        let name = file_name(seq);
                        write_file(dir, &name, &bytes, false).map_err(io_at(&dir.join(&name)))?;
                        run.written += 1;
                        run.first_written = Some(run.first_written.map_or(seq, |f| f.min(seq)));
                    }
                }
            }
        }
        Ok::<(), TextError>(())
    };
    let out = CHUNKS_OUT * writers.jobs.len();
    let mut chunk = Vec::with_capacity(CHUNK as usize);
    let mut damage = None;
    let mut stopped = false;
    for entry in ledger.events_from(1) {
        let seq = run.last + 1;
        let checked = entry.map_err(TextError::from).and_then(|entry| {
            check_stored(format, seq, &run.prev, &entry)?;
            Ok(entry)
        });
        let Entry { hash, event } = match checked {
            Ok(entry) => entry,
            Err(e) => {
                damage = Some(e);
                break;
            }
        };
        if seq == there + 1 {
            // Past the folder's last event file: every file before it is
            // known to be right before any is written.
            if !writers.send(std::mem::take(&mut chunk)) {
                stopped = true;
                break;
            }
            take(writers, &mut run, 0)?;
        }
        chunk.push(Job {
            seq,
            hash,
            event,
            write: seq > there,
        });
        run.last = seq;
        run.prev = hash;
        if chunk.len() == CHUNK as usize {
            if !writers.send(std::mem::replace(
                &mut chunk,
                Vec::with_capacity(CHUNK as usize),
            )) {
                // That worker stopped at an error, taken below.
                stopped = true;
                break;
            }
            take(writers, &mut run, out)?;
        }
    }
    // The files before a damaged event are written, as a reader in order
    // would; an error in one of them is the one it meets first.
    stopped |= !stopped && !writers.send(chunk);
    take(writers, &mut run, 0)?;
    match damage {
        Some(e) => Err(e),
        None if stopped => Err(TextError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other("a thread writing the files stopped"),
        }),
        None => Ok(run),
    }
}

/// Whether event `seq` as the store holds it is the one an export may
/// write: its seq is its key, it follows `prev`, and its bytes are the
/// canonical encoding of the event (so its file reads back into them).
fn check_stored(format: Format, seq: u64, prev: &Hash, entry: &Entry) -> Result<(), TextError> {
    let damaged = |reason: String| {
        TextError::Ledger(LedgerError::Damaged {
            seq: Some(seq),
            reason,
        })
    };
    let event = &entry.event;
    if event.seq != seq {
        return Err(damaged(format!(
            "the event stored there says it is event {}",
            event.seq
        )));
    }
    if event.prev != *prev {
        return Err(damaged(format!(
            "its prev is {} but event {} has hash {prev}",
            event.prev,
            seq - 1
        )));
    }
    if format.event_hash(event).map_err(LedgerError::from)? != entry.hash {
        return Err(damaged(
            "its bytes are not the canonical encoding of the event they decode to".to_string(),
        ));
    }
    Ok(())
}

/// What [`import`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Events appended.
    pub imported: u64,
    /// Events in the text form.
    pub events: u64,
    /// The ledger's head afterwards.
    pub head: Option<(u64, Hash)>,
}

/// Bring the events of the text form in `dir` into `ledger`, which must be
/// empty or hold a prefix of them: [`check_import`], then
/// [`ImportCheck::append`]. A text form that the ledger is ahead of imports
/// nothing.
pub fn import(ledger: &Ledger, dir: &Path, deep: bool) -> Result<Imported, TextError> {
    check_import(dir, Some(ledger), deep)?.append(ledger)
}

/// Events appended in one transaction by an import.
const RUN: usize = 256;

/// A text form found whole and extending a ledger by [`check_import`],
/// whose new events [`ImportCheck::append`] brings in.
#[derive(Debug)]
pub struct ImportCheck {
    dir: PathBuf,
    /// The ledger's head when it was checked (`None`: empty, or no ledger
    /// yet); the new events follow it.
    base: Option<(u64, Hash)>,
    summary: TextSummary,
}

/// Check, appending nothing, that the text form in `dir` can be imported
/// into `ledger` (`None`: a new, empty ledger of the text form's format):
///
/// - every file is checked as `verify --text` checks it: it parses, its
///   hash is the hash of what it holds, it is written as strata writes it,
///   it follows the file before, no file follows a gap;
/// - up to the ledger's head, each event is the ledger's, hash for hash: a
///   fork is [`TextError::Forked`], at the first seq where they part;
/// - each new event projects onto the schema before it (the ledger's head
///   schema, then the new events'), and the last one, and every
///   `SNAPSHOT_EVERY`-th (whose schema the store keeps), records the
///   fingerprint of the schema it gives; `deep` checks every new event's
///   fingerprint too (as `verify --deep`), which costs a fingerprint of
///   the whole schema per event.
pub fn check_import(
    dir: &Path,
    ledger: Option<&Ledger>,
    deep: bool,
) -> Result<ImportCheck, TextError> {
    let mut reader = TextReader::open(dir, false)?;
    let format = reader.format();
    if let Some(ledger) = ledger.filter(|l| l.format() != format) {
        return Err(TextError::OtherFormat {
            dir: dir.to_path_buf(),
            text: format,
            ledger: ledger.format(),
        });
    }
    let rules = reader.rules;
    let base = ledger.and_then(Ledger::head);
    let head = base.map_or(0, |(seq, _)| seq);
    let mut ours = ledger.map(|l| l.events_from(1));
    let mut schema: Option<Schema> = None;
    let mut last: Option<Event> = None;
    while let Some(theirs) = reader.next_entry()? {
        let seq = theirs.event.seq;
        let broken = |reason: String| TextError::Broken {
            path: dir.join(file_name(seq)),
            reason,
        };
        if seq <= head {
            let Some(mine) = ours.as_mut().and_then(Iterator::next).transpose()? else {
                return Err(TextError::Ledger(LedgerError::Damaged {
                    seq: Some(seq),
                    reason: "the head record names a later event but it is not stored".to_string(),
                }));
            };
            if mine.hash != theirs.hash {
                return Err(TextError::Forked {
                    dir: dir.to_path_buf(),
                    seq,
                    ledger: mine.hash,
                    text: theirs.hash,
                });
            }
            continue;
        }
        let schema = match &mut schema {
            Some(schema) => schema,
            None => schema.insert(match ledger {
                Some(ledger) => ledger.schema_at(head)?,
                None => Schema::default(),
            }),
        };
        fit(rules, schema, seq, &theirs.event).map_err(broken)?;
        // The store keeps a snapshot of the schema at every
        // SNAPSHOT_EVERY-th event, checked against that event's fingerprint
        // when read: those are always checked, so the store never holds a
        // snapshot its event contradicts.
        if deep || seq % crate::SNAPSHOT_EVERY == 0 {
            check_fingerprint(format, schema, &theirs.event).map_err(broken)?;
        }
        last = Some(theirs.event);
    }
    let summary = reader.finish()?;
    // Without `deep`, the last new event's fingerprint: the schema the
    // ledger ends at is the one the text form says.
    if let (Some(event), Some(schema)) = (&last, &schema) {
        if !deep {
            check_fingerprint(format, schema, event).map_err(|reason| TextError::Broken {
                path: dir.join(file_name(event.seq)),
                reason,
            })?;
        }
    }
    Ok(ImportCheck {
        dir: dir.to_path_buf(),
        base,
        summary,
    })
}

impl ImportCheck {
    /// The format of the ledger the text form is of (a ledger created for
    /// the import is created in it).
    pub fn format(&self) -> Format {
        self.summary.format
    }

    /// What the text form holds.
    pub fn summary(&self) -> &TextSummary {
        &self.summary
    }

    /// Append the new events to `ledger`, the ledger checked (or, checked
    /// without one, a new empty ledger of the text form's format), each
    /// whole with its own time, author and hash: projected onto head as
    /// any append, with the fingerprint it records kept as recorded (the
    /// check looked at it). They are written without waiting for the disk
    /// and flushed once at the end. The files are read and checked again
    /// as they are appended, so the folder must not change in between: a
    /// file that did stops the import there.
    pub fn append(self, ledger: &Ledger) -> Result<Imported, TextError> {
        let format = self.summary.format;
        if ledger.format() != format {
            return Err(TextError::OtherFormat {
                dir: self.dir,
                text: format,
                ledger: ledger.format(),
            });
        }
        if ledger.head() != self.base {
            return Err(TextError::Ledger(LedgerError::Conflict));
        }
        let head = ledger.head_seq();
        let events = self.summary.events;
        let mut imported = 0;
        if events > head {
            let mut reader = match self.base {
                Some((seq, hash)) => {
                    let at = ledger
                        .event(seq)?
                        .ok_or_else(|| LedgerError::Damaged {
                            seq: Some(seq),
                            reason: "the head record names it but it is not stored".to_string(),
                        })?
                        .event
                        .at;
                    TextReader::open_after(&self.dir, format, seq, hash, at)?
                }
                None => TextReader::open(&self.dir, false)?,
            };
            // Appended in runs, one transaction each: sled's cost is per
            // transaction, and memory stays flat.
            let mut run = Vec::with_capacity(RUN);
            for seq in head + 1..=events {
                let Some(entry) = reader.next_entry()? else {
                    return Err(TextError::Broken {
                        path: self.dir.join(file_name(seq)),
                        reason: "it is missing: it was removed during the import".to_string(),
                    });
                };
                run.push(entry.event);
                if run.len() == RUN || seq == events {
                    imported += run.len() as u64;
                    ledger.append_imported_unflushed(std::mem::take(&mut run))?;
                }
            }
            ledger.flush()?;
            if ledger.head() != self.summary.head {
                let (seq, hash) = ledger.head().unwrap_or((0, Hash::ZERO));
                return Err(TextError::Broken {
                    path: self.dir.join(file_name(seq)),
                    reason: format!(
                        "it was changed during the import: it now has hash {hash}; verify the ledger and import again"
                    ),
                });
            }
        }
        Ok(Imported {
            imported,
            events,
            head: ledger.head(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::tests::golden_event;

    #[test]
    fn names_sort_and_parse() {
        assert_eq!(file_name(1), "000001.json");
        assert_eq!(file_name(999_999), "999999.json");
        assert_eq!(file_name(1_000_000), "1000000.json");
        assert_eq!(classify("000042.json"), Name::Event(42));
        assert_eq!(classify("1000000.json"), Name::Event(1_000_000));
        for bad in [
            "42.json",
            "0000042.json",
            "000000.json",
            "000042.json.orig",
            "01x.json",
        ] {
            assert_eq!(classify(bad), Name::Misnamed, "{bad}");
        }
        for other in ["ledger.json", "README.md", ".000001.json.1.2.0.tmp"] {
            assert_eq!(classify(other), Name::Other, "{other}");
        }
    }

    /// A SQLite ledger of format 3, the one the golden event file is of.
    const V3: Format = Format {
        version: 3,
        dialect: Dialect::Sqlite,
    };

    /// The golden header. Its bytes are the text form: a failing test means
    /// a TEXT_VERSION bump, never a new expectation.
    #[test]
    fn golden_header() {
        let bytes = render_header(Format::new(Dialect::Sqlite));
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            "{\n  \"text_version\": 2,\n  \"format_version\": 6,\n  \"dialect\": \"sqlite\"\n}\n"
        );
        let path = Path::new(HEADER_FILE);
        assert_eq!(
            parse_header(path, &bytes).unwrap(),
            Format::new(Dialect::Sqlite)
        );
        let v2 = render_header(Format::V2);
        assert_eq!(parse_header(path, &v2).unwrap(), Format::V2);
        for other in [1, 3] {
            let header = format!("{{\n  \"text_version\": {other}\n}}\n");
            assert!(matches!(
                parse_header(path, header.as_bytes()),
                Err(TextError::Version { found, .. }) if found == other
            ));
        }
    }

    const GOLDEN_EVENT_FILE: &str = r#"{
  "seq": 2,
  "hash": "a124aecb36bdfaf2775f28eee138406f7642fcabc7f452ea602fc29c8a8a04a4",
  "prev": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  "at": "2026-11-25T10:00:00Z",
  "author": "ada",
  "message": "users",
  "body": {
    "change": {
      "ops": [
        {
          "create_table": {
            "table": {
              "name": "users",
              "columns": [
                {
                  "name": "id",
                  "ty": "integer",
                  "not_null": false,
                  "default": null,
                  "collation": null,
                  "generated": null
                },
                {
                  "name": "name",
                  "ty": "text",
                  "not_null": false,
                  "default": null,
                  "collation": null,
                  "generated": null
                }
              ],
              "primary_key": null,
              "uniques": [],
              "checks": [],
              "foreign_keys": [],
              "options": []
            }
          }
        },
        {
          "add_column": {
            "table": "users",
            "column": {
              "name": "email",
              "ty": "text",
              "not_null": true,
              "default": "''",
              "collation": null,
              "generated": null
            },
            "position": 2
          }
        },
        {
          "add_check": {
            "table": "users",
            "check": {
              "name": "email_set",
              "expr": "email <> ''"
            },
            "position": 0
          }
        }
      ],
      "revert_sql": null
    }
  },
  "fingerprint": "abababababababababababababababababababababababababababababababab"
}
"#;

    /// The golden event of the ledger format (event.rs), in a format-3
    /// SQLite ledger: the exact bytes of its file, and the hash it carries
    /// (the one pinned in docs/ledger-format.md). Reading the file gives
    /// back the event, whose bincode bytes hash to that hash again.
    #[test]
    fn golden_event_file() {
        let format = V3;
        let event = golden_event();
        let hash = format.event_hash(&event).unwrap();
        assert_eq!(
            hash.to_string(),
            "a124aecb36bdfaf2775f28eee138406f7642fcabc7f452ea602fc29c8a8a04a4"
        );
        let bytes = render_event(&hash, &event).unwrap();
        assert_eq!(String::from_utf8(bytes.clone()).unwrap(), GOLDEN_EVENT_FILE);
        let back = parse_event(&bytes, format).unwrap();
        assert_eq!(back.event, event);
        assert_eq!(back.hash, hash);
        assert_eq!(
            format.encode_event(&back.event).unwrap(),
            format.encode_event(&event).unwrap()
        );
        // Under format 2 the same file records the wrong hash.
        let e = parse_event(&bytes, Format::V2).unwrap_err();
        assert!(e.contains("hashes to 20a1af0c"), "{e}");
    }

    /// The golden text form: a ledger with one event of every kind
    /// (changes, a revert, a baseline, a tag), exported. Its files are
    /// committed in `tests/golden/text/`; the test pins their bytes and
    /// the hashes they carry. A failing test means a TEXT_VERSION bump (or,
    /// for the hashes, a FORMAT_VERSION bump), never a new expectation:
    /// once the bump is made, `STRATA_BLESS=1` writes the files again.
    #[test]
    fn golden_text_form() {
        const HASHES: [&str; 5] = [
            "231ad7c2fed389369b521fe789dce999aaaa6d2d68dd18469f5455b7cefdee92",
            "0cd3a1d58567c5c7839a761505396abe58b5d7fb660c773847d9121a567ca6d5",
            "30f596cc4c6343baf2ce6f9f1d37c5a596f38e49c373c8cb3f9ebdaa5037dc0a",
            "767522c500efd46ebaa5eea76a883f35b3ac1d2e8c277a9809c237040ea3ef22",
            "c7bd6c5b9b3faf43d3d43092d272ea657a0c055c12796abee9229046cc1e5f15",
        ];
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/text");
        let tmp = tempfile::tempdir().unwrap();
        let ledger = golden_ledger(&tmp.path().join("ledger"));
        let hashes: Vec<String> = ledger
            .events_from(1)
            .map(|e| e.unwrap().hash.to_string())
            .collect();
        let text = tmp.path().join("text");
        export(&ledger, &text).unwrap();
        if std::env::var_os("STRATA_BLESS").is_some() {
            let _ = std::fs::remove_dir_all(&golden);
            std::fs::create_dir_all(&golden).unwrap();
            for (name, bytes) in folder(&text) {
                std::fs::write(golden.join(name), bytes).unwrap();
            }
            panic!("wrote {}; pin these hashes: {hashes:#?}", golden.display());
        }
        assert_eq!(hashes, HASHES, "the events' hashes");
        let want = folder(&golden);
        let got = folder(&text);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "the files"
        );
        for (name, bytes) in &want {
            assert!(
                got[name] == *bytes,
                "{name} differs from the golden file:\n{}",
                String::from_utf8_lossy(&got[name])
            );
        }
        // Each golden file carries its event's hash, and the folder reads
        // back (deep) into the same events.
        for (seq, hash) in HASHES.iter().enumerate() {
            let file = String::from_utf8(want[&file_name(seq as u64 + 1)].clone()).unwrap();
            assert!(file.contains(&format!("\"hash\": \"{hash}\"")), "{seq}");
        }
        let summary = verify_text(&golden, true).unwrap();
        assert_eq!(
            summary.head.map(|(seq, hash)| (seq, hash.to_string())),
            Some((5, HASHES[4].to_string()))
        );
        let copy = Ledger::init_format(tmp.path().join("copy"), summary.format).unwrap();
        assert_eq!(import(&copy, &golden, true).unwrap().imported, 5);
        assert_eq!(copy.head(), ledger.head());
    }

    /// Every file of `dir`, by name.
    fn folder(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(e.path()).unwrap())
            })
            .collect()
    }

    /// The golden text form's ledger (no table options, which a change of
    /// the model is to rework).
    pub(crate) fn golden_ledger(dir: &Path) -> Ledger {
        use strata_schema::{Check, Column, Index, IndexTerm, IndexedColumn, Op, Table};
        // Format 4: its text and bundle stay as they were written, byte for
        // byte.
        let l = Ledger::init_format(
            dir,
            Format {
                version: 4,
                dialect: Dialect::Sqlite,
            },
        )
        .unwrap();
        // 2026-11-25T10:00:00Z.
        let t0 = 1_795_600_800_000_000;
        let mut name = Column::new("name", "text");
        name.not_null = true;
        name.default = Some("''".into());
        name.collation = Some("NOCASE".into());
        l.append(crate::Draft {
            at: Some(Timestamp(t0)),
            author: "ada".into(),
            message: "users: a table\twith a tab, \"quotes\" and a naïve é".into(),
            body: Body::Change {
                ops: vec![Op::CreateTable {
                    table: Table {
                        name: "users".into(),
                        columns: vec![Column::new("id", "integer"), name],
                        checks: vec![Check {
                            name: Some("name_set".into()),
                            expr: "name <> ''".into(),
                        }],
                        ..Table::default()
                    },
                }],
                revert_sql: Some("DROP TABLE \"users\";\n".into()),
            },
        })
        .unwrap();
        l.append(crate::Draft {
            at: Some(Timestamp(t0 + 1_500_000)),
            author: "grace".into(),
            message: "posts\n\nwith a body line".into(),
            body: Body::Change {
                ops: vec![
                    Op::CreateTable {
                        table: Table {
                            name: "posts".into(),
                            columns: vec![
                                Column::new("id", "integer"),
                                Column::new("user_id", "integer"),
                            ],
                            ..Table::default()
                        },
                    },
                    Op::CreateIndex {
                        index: Index {
                            name: "posts_user".into(),
                            table: "posts".into(),
                            unique: false,
                            columns: vec![IndexedColumn {
                                term: IndexTerm::Column("user_id".into()),
                                collation: None,
                                desc: true,
                            }],
                            predicate: Some("user_id IS NOT NULL".into()),
                            ..Index::default()
                        },
                    },
                ],
                revert_sql: None,
            },
        })
        .unwrap();
        let revert = l.revert_body(2, false).unwrap();
        l.append(crate::Draft {
            at: Some(Timestamp(t0 + 60_000_000)),
            author: "ada".into(),
            message: "no posts after all".into(),
            body: revert,
        })
        .unwrap();
        let schema = l.schema_at(3).unwrap();
        l.append(crate::Draft {
            at: Some(Timestamp(t0 + 3_600_000_001)),
            author: "ada".into(),
            message: "baseline".into(),
            body: Body::Baseline { schema },
        })
        .unwrap();
        l.append(crate::Draft {
            at: Some(Timestamp(t0 + 86_400_000_000)),
            author: "ada".into(),
            message: "release 1".into(),
            body: Body::Tag {
                name: "v1".into(),
                target: 4,
            },
        })
        .unwrap();
        l
    }

    #[test]
    fn an_edit_a_reformat_or_an_unknown_field_is_refused() {
        let format = V3;
        let edited = GOLDEN_EVENT_FILE.replace("\"ada\"", "\"eve\"");
        let e = parse_event(edited.as_bytes(), format).unwrap_err();
        assert!(e.contains("it was changed"), "{e}");
        let compact = serde_json::to_string(
            &serde_json::from_str::<serde_json::Value>(GOLDEN_EVENT_FILE).unwrap(),
        )
        .unwrap();
        let e = parse_event(compact.as_bytes(), format).unwrap_err();
        assert!(e.contains("layout was changed"), "{e}");
        let extra = GOLDEN_EVENT_FILE.replace("\"seq\": 2,", "\"seq\": 2,\n  \"note\": 1,");
        let e = parse_event(extra.as_bytes(), format).unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
        let truncated = &GOLDEN_EVENT_FILE[..GOLDEN_EVENT_FILE.len() / 2];
        let e = parse_event(truncated.as_bytes(), format).unwrap_err();
        assert!(e.contains("not an event file"), "{e}");
    }

    #[test]
    fn a_time_rfc_3339_cannot_write_is_refused() {
        let mut event = golden_event();
        event.at = Timestamp(i64::MAX);
        assert!(render_event(&Hash::ZERO, &event).is_err());
    }

    fn small_ledger(dir: &Path) -> Ledger {
        use strata_schema::{Column, Op, Table};
        let l = Ledger::init(dir).unwrap();
        let t0 = 1_795_600_800_000_000;
        for (i, name) in ["users", "posts", "tags"].iter().enumerate() {
            l.append(crate::Draft {
                at: Some(Timestamp(t0 + i as i64)),
                author: "ada".into(),
                message: format!("create {name}\nwith a second line"),
                body: Body::Change {
                    ops: vec![Op::CreateTable {
                        table: Table {
                            name: (*name).into(),
                            columns: vec![Column::new("id", "integer")],
                            ..Table::default()
                        },
                    }],
                    revert_sql: Some("DROP TABLE \"x\";\n".into()),
                },
            })
            .unwrap();
        }
        l.append(crate::Draft {
            at: Some(Timestamp(t0 + 10)),
            author: "ada".into(),
            message: "v1".into(),
            body: Body::Tag {
                name: "v1".into(),
                target: 2,
            },
        })
        .unwrap();
        l
    }

    #[test]
    fn export_verify_import_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let a = small_ledger(&tmp.path().join("a"));
        let text = tmp.path().join("text");
        let first = export(&a, &text).unwrap();
        assert_eq!((first.events, first.written, first.unchanged), (4, 5, 0));
        let again = export(&a, &text).unwrap();
        assert_eq!((again.written, again.unchanged), (0, 5));
        let summary = verify_text(&text, true).unwrap();
        assert_eq!(summary.head, a.head());
        assert_eq!(summary.tags, 1);

        let b = Ledger::init_format(tmp.path().join("b"), read_format(&text).unwrap()).unwrap();
        let imported = import(&b, &text, false).unwrap();
        assert_eq!((imported.imported, imported.head), (4, a.head()));
        for (x, y) in a.events_from(1).zip(b.events_from(1)) {
            assert_eq!(x.unwrap(), y.unwrap());
        }
        assert!(b.verify(true).unwrap().is_ok());
        assert_eq!(b.tag("v1").unwrap().map(|t| t.target), Some(2));
        // Again: nothing new.
        assert_eq!(import(&b, &text, false).unwrap().imported, 0);
    }

    #[test]
    fn import_refuses_a_fork_and_appends_nothing_from_a_broken_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let a = small_ledger(&tmp.path().join("a"));
        let text = tmp.path().join("text");
        export(&a, &text).unwrap();
        // A ledger with another event 1.
        let c = Ledger::init(tmp.path().join("c")).unwrap();
        let mut first = a.event(1).unwrap().unwrap().event;
        first.author = "eve".into();
        c.append(crate::Draft {
            at: Some(first.at),
            author: first.author,
            message: first.message,
            body: first.body,
        })
        .unwrap();
        match import(&c, &text, false) {
            Err(TextError::Forked {
                seq: 1,
                ledger,
                text: t,
                ..
            }) => {
                assert_eq!(ledger, c.head().unwrap().1);
                assert_eq!(t, a.event(1).unwrap().unwrap().hash);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.head_seq(), 1);
        // A tampered last file: nothing before it is appended either.
        let path = text.join(file_name(4));
        let bytes = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, bytes.replace("\"v1\"", "\"v2\"")).unwrap();
        let d = Ledger::init(tmp.path().join("d")).unwrap();
        match import(&d, &text, false) {
            Err(TextError::Broken { path: p, reason }) => {
                assert_eq!(p, path);
                assert!(reason.contains("it was changed"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.head_seq(), 0);
    }

    /// A text form whose events chain and hash right, with event `bad`'s
    /// fingerprint wrong (the hashes after it recomputed to match).
    fn with_a_wrong_fingerprint(a: &Ledger, dir: &Path, bad: u64) {
        let format = a.format();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(HEADER_FILE), render_header(format)).unwrap();
        let mut prev = Hash::ZERO;
        for entry in a.events_from(1) {
            let mut event = entry.unwrap().event;
            event.prev = prev;
            if event.seq == bad {
                event.fingerprint = Hash([7; 32]);
            }
            let hash = format.event_hash(&event).unwrap();
            std::fs::write(
                dir.join(file_name(event.seq)),
                render_event(&hash, &event).unwrap(),
            )
            .unwrap();
            prev = hash;
        }
    }

    #[test]
    fn import_checks_the_last_fingerprint_and_deep_checks_every_one() {
        let tmp = tempfile::tempdir().unwrap();
        let a = small_ledger(&tmp.path().join("a"));
        // Event 2's fingerprint is wrong: the hashes and links are right,
        // so verify --text passes, and only --deep sees it.
        let text = tmp.path().join("text");
        with_a_wrong_fingerprint(&a, &text, 2);
        assert!(verify_text(&text, false).is_ok());
        let path = text.join(file_name(2));
        match check_import(&text, None, true) {
            Err(TextError::Broken { path: p, reason }) => {
                assert_eq!(p, path);
                assert!(reason.contains("fingerprint"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let b = Ledger::init(tmp.path().join("b")).unwrap();
        assert!(import(&b, &text, true).is_err());
        assert_eq!(b.head_seq(), 0, "nothing appended");
        assert_eq!(import(&b, &text, false).unwrap().imported, 4);
        assert!(b.verify(false).unwrap().is_ok());
        assert!(!b.verify(true).unwrap().is_ok(), "verify --deep sees it");

        // The last event's fingerprint (event 4, a tag) is checked either
        // way.
        let text = tmp.path().join("text4");
        with_a_wrong_fingerprint(&a, &text, 4);
        let c = Ledger::init(tmp.path().join("c")).unwrap();
        match import(&c, &text, false) {
            Err(TextError::Broken { path: p, reason }) => {
                assert_eq!(p, text.join(file_name(4)));
                assert!(reason.contains("fingerprint"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.head_seq(), 0, "nothing appended");
    }

    #[test]
    fn a_ledger_that_moved_after_the_check_takes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let a = small_ledger(&tmp.path().join("a"));
        let text = tmp.path().join("text");
        export(&a, &text).unwrap();
        let b = Ledger::init(tmp.path().join("b")).unwrap();
        let checked = check_import(&text, Some(&b), false).unwrap();
        b.append_event(a.event(1).unwrap().unwrap().event).unwrap();
        assert!(matches!(
            checked.append(&b),
            Err(TextError::Ledger(LedgerError::Conflict))
        ));
        assert_eq!(b.head_seq(), 1);
        // Checked again, it takes the rest after the prefix it holds.
        let imported = import(&b, &text, false).unwrap();
        assert_eq!((imported.imported, imported.head), (3, a.head()));
    }

    #[test]
    fn export_fills_a_gap_but_writes_nothing_after_a_file_that_differs() {
        let tmp = tempfile::tempdir().unwrap();
        let a = small_ledger(&tmp.path().join("a"));
        let text = tmp.path().join("text");
        export(&a, &text).unwrap();
        // A gap: the missing file is written again, the rest left alone.
        std::fs::remove_file(text.join(file_name(2))).unwrap();
        let again = export(&a, &text).unwrap();
        assert_eq!((again.written, again.unchanged), (1, 4));
        assert!(verify_text(&text, false).is_ok());
        // Event 2 of another history, and files 3 and 4 missing: export
        // refuses at 2 and writes neither 3 nor 4.
        let mut theirs = a.event(2).unwrap().unwrap().event;
        theirs.author = "eve".into();
        let hash = a.format().event_hash(&theirs).unwrap();
        std::fs::write(
            text.join(file_name(2)),
            render_event(&hash, &theirs).unwrap(),
        )
        .unwrap();
        std::fs::remove_file(text.join(file_name(3))).unwrap();
        std::fs::remove_file(text.join(file_name(4))).unwrap();
        match export(&a, &text) {
            Err(TextError::Differs { seq: 2, .. }) => {}
            other => panic!("{other:?}"),
        }
        assert!(!text.join(file_name(3)).exists());
        assert!(!text.join(file_name(4)).exists());
    }

    #[test]
    fn append_event_takes_only_the_next_event_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let a = small_ledger(&tmp.path().join("a"));
        let b = Ledger::init(tmp.path().join("b")).unwrap();
        let second = a.event(2).unwrap().unwrap().event;
        assert!(matches!(
            b.append_event(second),
            Err(LedgerError::NotNext {
                seq: 2,
                head: 0,
                ..
            })
        ));
        let mut first = a.event(1).unwrap().unwrap().event;
        first.fingerprint = Hash::ZERO;
        assert!(matches!(
            b.append_event(first),
            Err(LedgerError::FingerprintDiffers { seq: 1, .. })
        ));
        let first = a.event(1).unwrap().unwrap();
        assert_eq!(b.append_event(first.event).unwrap().hash, first.hash);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 64,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any one byte of any file changed, and the text form no longer
        /// verifies: each file has one rendering, and its hash covers
        /// everything else in it.
        #[test]
        fn any_changed_byte_fails_verify_text(file in 0u64..5, at in 0usize..10_000, xor in 1u8..=255) {
            let tmp = tempfile::tempdir().unwrap();
            let a = small_ledger(&tmp.path().join("a"));
            let text = tmp.path().join("text");
            export(&a, &text).unwrap();
            let path = if file == 0 { text.join(HEADER_FILE) } else { text.join(file_name(file)) };
            let mut bytes = std::fs::read(&path).unwrap();
            let i = at % bytes.len();
            bytes[i] ^= xor;
            std::fs::write(&path, &bytes).unwrap();
            let e = verify_text(&text, false).unwrap_err();
            match e {
                TextError::Broken { path: p, .. } => proptest::prop_assert_eq!(p, path),
                // A header can also turn into another version or no header.
                TextError::Version { path: p, .. } => proptest::prop_assert_eq!(p, path),
                other => proptest::prop_assert!(false, "{other}"),
            }
        }
    }
}
