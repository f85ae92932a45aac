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
            "its dialect {dialect} is not one this strata can read yet"
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
/// the name is not a plain file (a symlink, a folder) or is too large.
fn read_file(path: &Path) -> Result<Option<Vec<u8>>, TextError> {
    let io = |source| TextError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    if !meta.file_type().is_file() {
        return Err(TextError::Broken {
            path: path.to_path_buf(),
            reason: "it is not a plain file".to_string(),
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(1 << 20));
    std::fs::File::open(path)
        .and_then(|f| f.take(FILE_LIMIT + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(TextError::Broken {
            path: path.to_path_buf(),
            reason: format!("it is larger than {FILE_LIMIT} bytes"),
        });
    }
    Ok(Some(bytes))
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
            format,
            rules,
            dir: dir.to_path_buf(),
            deep,
            next: 1,
            prev: Hash::ZERO,
            prev_at: Timestamp(i64::MIN),
            schema: Schema::default(),
            tags: BTreeSet::new(),
            done: false,
        })
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
        let path = self.dir.join(file_name(seq));
        let Some(bytes) = read_file(&path)? else {
            self.done = true;
            return Ok(None);
        };
        let broken = |reason: String| TextError::Broken {
            path: path.clone(),
            reason,
        };
        let entry = parse_event(&bytes, self.format).map_err(broken)?;
        self.check(seq, &entry.event).map_err(broken)?;
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
            replay_body(self.rules, &mut self.schema, seq, &e.body)
                .map_err(|err| format!("it does not fit the schema before it: {err}"))?;
            let fp = self
                .format
                .fingerprint(&self.schema)
                .map_err(|err| err.to_string())?;
            if fp != e.fingerprint {
                return Err(format!(
                    "its fingerprint {} differs from the replayed schema's {fp}",
                    e.fingerprint
                ));
            }
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
/// refused, never overwritten. Every event is checked as it is read: its
/// seq, its link to the one before, and that its bytes hash to its hash.
pub fn export(ledger: &Ledger, dir: &Path) -> Result<Exported, TextError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TextError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let format = ledger.format();
    let mut written = 0;
    let mut unchanged = 0;
    let header = dir.join(HEADER_FILE);
    let want = render_header(format);
    match read_file(&header)? {
        None => {
            write_file(dir, HEADER_FILE, &want, false).map_err(io(&header))?;
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
            .map_err(io(&attributes))?;
    }
    let mut prev = Hash::ZERO;
    let mut last = 0;
    let mut first_written: Option<u64> = None;
    for entry in ledger.events_from(1) {
        let Entry { hash, event } = entry?;
        let seq = last + 1;
        let damaged = |reason: String| {
            TextError::Ledger(LedgerError::Damaged {
                seq: Some(seq),
                reason,
            })
        };
        if event.seq != seq {
            return Err(damaged(format!(
                "the event stored there says it is event {}",
                event.seq
            )));
        }
        if event.prev != prev {
            return Err(damaged(format!(
                "its prev is {} but event {} has hash {prev}",
                event.prev,
                seq - 1
            )));
        }
        if format.event_hash(&event).map_err(LedgerError::from)? != hash {
            return Err(damaged(
                "its bytes are not the canonical encoding of the event they decode to".to_string(),
            ));
        }
        let name = file_name(seq);
        let path = dir.join(&name);
        let bytes = render_event(&hash, &event).map_err(damaged)?;
        match read_file(&path)? {
            None => {
                write_file(dir, &name, &bytes, false).map_err(io(&path))?;
                first_written.get_or_insert(seq);
                written += 1;
            }
            Some(old) if old == bytes => unchanged += 1,
            Some(old) => {
                let reason = match parse_event(&old, format) {
                    Ok(theirs) => format!("it holds one with hash {}", theirs.hash),
                    Err(reason) => reason,
                };
                return Err(TextError::Differs {
                    path,
                    seq,
                    ledger: hash,
                    reason,
                });
            }
        }
        prev = hash;
        last = seq;
    }
    if written > 0 {
        // The files were written without waiting for the disk, one by one;
        // they are synced here together, which costs far less. A file of
        // this run that a crash left empty or cut short is refused by
        // verify and by the next export, naming it.
        let sync = |path: &Path| {
            std::fs::File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(io(path))
        };
        sync(&header)?;
        for seq in first_written.unwrap_or(last + 1)..=last {
            sync(&dir.join(file_name(seq)))?;
        }
        sync(dir)?;
    }
    let ahead = std::fs::symlink_metadata(dir.join(file_name(last + 1))).is_ok();
    Ok(Exported {
        format,
        events: last,
        written,
        unchanged,
        head: (last > 0).then_some((last, prev)),
        ahead,
    })
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
/// empty or hold a prefix of them. Nothing is appended until the whole text
/// form has been checked (as `verify --text --deep` checks it) and found to
/// extend the ledger: a fork is [`TextError::Forked`]. Then each new event
/// is appended whole ([`Ledger::append_event`]), with its own time, author
/// and hash. A text form that the ledger is ahead of imports nothing.
pub fn import(ledger: &Ledger, dir: &Path) -> Result<Imported, TextError> {
    let head = ledger.head_seq();
    let mut reader = TextReader::open(dir, true)?;
    if reader.format() != ledger.format() {
        return Err(TextError::OtherFormat {
            dir: dir.to_path_buf(),
            text: reader.format(),
            ledger: ledger.format(),
        });
    }
    let mut ours = ledger.events_from(1);
    while let Some(theirs) = reader.next_entry()? {
        let seq = theirs.event.seq;
        if seq > head {
            continue;
        }
        let Some(mine) = ours.next().transpose()? else {
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
    }
    let summary = reader.finish()?;
    let mut imported = 0;
    if summary.events > head {
        let mut reader = TextReader::open(dir, false)?;
        while let Some(entry) = reader.next_entry()? {
            if entry.event.seq <= head {
                continue;
            }
            let appended = ledger.append_event_unflushed(entry.event)?;
            debug_assert_eq!(appended.hash, entry.hash);
            imported += 1;
        }
        ledger.flush()?;
    }
    Ok(Imported {
        imported,
        events: summary.events,
        head: ledger.head(),
    })
}

#[cfg(test)]
mod tests {
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
            "{\n  \"text_version\": 2,\n  \"format_version\": 4,\n  \"dialect\": \"sqlite\"\n}\n"
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
        let imported = import(&b, &text).unwrap();
        assert_eq!((imported.imported, imported.head), (4, a.head()));
        for (x, y) in a.events_from(1).zip(b.events_from(1)) {
            assert_eq!(x.unwrap(), y.unwrap());
        }
        assert!(b.verify(true).unwrap().is_ok());
        assert_eq!(b.tag("v1").unwrap().map(|t| t.target), Some(2));
        // Again: nothing new.
        assert_eq!(import(&b, &text).unwrap().imported, 0);
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
        match import(&c, &text) {
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
        match import(&d, &text) {
            Err(TextError::Broken { path: p, reason }) => {
                assert_eq!(p, path);
                assert!(reason.contains("it was changed"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.head_seq(), 0);
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
