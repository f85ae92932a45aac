//! The bundle: a whole ledger in one file, which a program carries inside
//! its binary (`include_bytes!`) and applies to its database at start-up
//! (docs/embedding.md). `strata export --bundle FILE` makes it; reading it
//! needs no sled store, so this module is there without the `store`
//! feature.
//!
//! Layout (docs/ledger-format.md, "Bundle"): a header (magic
//! `strata bundle\n`, the bundle version as u32 BE, the ledger's format
//! version as u32 BE, its dialect as a length byte and the name, head's seq
//! as u64 BE and head's hash, then the blake3 of all of that), followed by
//! the records of the journal: each event's exact bytes with its hash, in
//! order, and after every [`SNAPSHOT_EVERY`]th event the schema after it
//! with its fingerprint. Every byte is a function of the ledger's events,
//! so the same ledger gives the same bundle anywhere.
//!
//! Loading checks all of it before anything is read from it: the header
//! against its check, every event's bytes against its hash, the chain
//! (seq, prev, times), the tags, every snapshot against its check, and
//! that the records end exactly at the head the header names: a bundle cut
//! short, edited or padded is refused, whole.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use strata_schema::Schema;

use crate::error::{LedgerError, Result};
use crate::event::{replay_body, Dialect, Format};
use crate::hash::Hash;
use crate::journal::{self, Journal, Source};
use crate::store::{Ledger, SNAPSHOT_EVERY};

/// The bundle layout's own version (the events in it keep the ledger's).
pub const BUNDLE_VERSION: u32 = 1;

const MAGIC: &[u8; 14] = b"strata bundle\n";
const CHECK: usize = 32;

fn header(format: Format, head: (u64, Hash)) -> Vec<u8> {
    let dialect = format.dialect.as_str().as_bytes();
    let mut h = Vec::with_capacity(128);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&BUNDLE_VERSION.to_be_bytes());
    h.extend_from_slice(&format.version.to_be_bytes());
    h.push(dialect.len() as u8);
    h.extend_from_slice(dialect);
    h.extend_from_slice(&head.0.to_be_bytes());
    h.extend_from_slice(head.1.as_bytes());
    let check = blake3::hash(&h);
    h.extend_from_slice(check.as_bytes());
    h
}

/// The whole of `ledger` as a bundle. The events are streamed and the
/// schema replayed once, so this costs one pass over the ledger.
pub fn write(ledger: &Ledger) -> Result<Vec<u8>> {
    let format = ledger.format();
    let head = ledger.head().unwrap_or((0, Hash::ZERO));
    let mut out = header(format, head);
    let mut schema = Schema::default();
    for entry in ledger.events_from(1) {
        let entry = entry?;
        let seq = entry.event.seq;
        // The stored bytes are the canonical encoding of the event (verify
        // --deep checks it): encoding it again gives them back, which the
        // hash proves.
        let bytes = format.encode_event(&entry.event)?;
        if format.hash_event_bytes(&bytes) != entry.hash {
            return Err(LedgerError::Damaged {
                seq: Some(seq),
                reason: "its stored bytes are not the canonical encoding of the event".to_string(),
            });
        }
        replay_body(ledger.rules(), &mut schema, seq, &entry.event.body).map_err(|e| {
            LedgerError::Damaged {
                seq: Some(seq),
                reason: format!("it does not replay: {e}"),
            }
        })?;
        let tag = matches!(entry.event.body, crate::Body::Tag { .. });
        out.extend_from_slice(&journal::event_record(&bytes, &entry.hash, tag));
        if seq % SNAPSHOT_EVERY == 0 {
            let snapshot = format.encode_schema(&schema)?;
            out.extend_from_slice(&journal::snapshot_record(
                &snapshot,
                &format.fingerprint_bytes(&snapshot),
            ));
        }
    }
    Ok(out)
}

/// Why `bytes` is not a bundle this strata can read.
fn bad(name: &str, reason: impl Into<String>) -> LedgerError {
    LedgerError::BadBundle {
        name: name.to_string(),
        reason: reason.into(),
    }
}

/// The header of a bundle: the ledger's format, its head, and where the
/// records start.
fn read_header(name: &str, bytes: &[u8]) -> Result<(Format, (u64, Hash), usize)> {
    let short = || bad(name, "it is shorter than its header");
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad(name, "it does not start as a strata bundle"));
    }
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let version = word(MAGIC.len()).ok_or_else(short)?;
    if version != BUNDLE_VERSION {
        return Err(bad(
            name,
            format!("its layout version is {version}, and this strata reads {BUNDLE_VERSION}"),
        ));
    }
    let format_version = word(MAGIC.len() + 4).ok_or_else(short)?;
    let dialect_len = *bytes.get(MAGIC.len() + 8).ok_or_else(short)? as usize;
    let dialect_at = MAGIC.len() + 9;
    let head_at = dialect_at + dialect_len;
    let end = head_at + 8 + 32 + CHECK;
    let h = bytes.get(..end).ok_or_else(short)?;
    if blake3::hash(&h[..end - CHECK]).as_bytes() != &h[end - CHECK..] {
        return Err(bad(name, "its header does not match its check"));
    }
    let dialect = std::str::from_utf8(&h[dialect_at..head_at])
        .ok()
        .and_then(Dialect::parse)
        .ok_or_else(|| bad(name, "its dialect is not one strata knows"))?;
    let format = if format_version == 2 {
        Format::V2
    } else {
        Format {
            version: format_version,
            dialect,
        }
    };
    let seq = u64::from_be_bytes(h[head_at..head_at + 8].try_into().map_err(|_| short())?);
    let hash = Hash(
        h[head_at + 8..head_at + 40]
            .try_into()
            .map_err(|_| short())?,
    );
    if !(crate::OLDEST_FORMAT_VERSION..=crate::FORMAT_VERSION).contains(&format_version)
        || header(format, (seq, hash)) != h
    {
        return Err(bad(
            name,
            format!("it names format version {format_version}, which this strata does not read"),
        ));
    }
    Ok((format, (seq, hash), end))
}

impl Ledger {
    /// The ledger in a bundle (see the module's documentation), checked
    /// whole; `name` says where it came from in messages. Nothing is
    /// written anywhere: the ledger reads `bytes` and nothing else.
    pub fn from_bundle(name: &str, bytes: impl Into<Cow<'static, [u8]>>) -> Result<Ledger> {
        let bytes = bytes.into();
        let (format, head, start) = read_header(name, &bytes)?;
        if format.rules().is_none() {
            return Err(LedgerError::Dialect {
                dir: PathBuf::from(name),
                dialect: format.dialect,
                version: format.version,
            });
        }
        let size = bytes.len() as u64;
        let source = Arc::new(Source::Bytes(bytes));
        let journal = Journal::from_source(PathBuf::from(name), source, format, start as u64, size)
            .map_err(|reason| bad(name, reason))?;
        let found = journal.head().map_or((0, Hash::ZERO), |(s, h, _)| (s, h));
        if found != head || !journal.whole(size) {
            return Err(bad(
                name,
                format!(
                    "its header names event {} ({}) as head, but its records {}",
                    head.0,
                    head.1.short(12),
                    match found.0 {
                        0 => "hold no event in full".to_string(),
                        n => format!("end in full at event {n} ({})", found.1.short(12)),
                    }
                ),
            ));
        }
        Ledger::from_journal(PathBuf::from(name), journal)
    }
}

/// What [`export`] did.
#[cfg(feature = "store")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub events: u64,
    pub head: Option<(u64, Hash)>,
    pub bytes: u64,
    /// The file held these bytes already, and was left alone.
    pub unchanged: bool,
}

/// Writes the bundle of `ledger` to `path`: a fresh file in its folder,
/// synced, then renamed over `path` (never written through a symlink; a
/// symlink at `path` is replaced, not followed). A file that holds the
/// same bytes already is left alone.
#[cfg(feature = "store")]
pub fn export(ledger: &Ledger, path: &std::path::Path) -> Result<Exported> {
    let bytes = write(ledger)?;
    let head = ledger.head();
    let exported = |unchanged| Exported {
        events: head.map_or(0, |(seq, _)| seq),
        head,
        bytes: bytes.len() as u64,
        unchanged,
    };
    let create = |source| LedgerError::Create {
        dir: path.to_path_buf(),
        source,
    };
    let is_same = std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.file_type().is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes);
    if is_same {
        return Ok(exported(true));
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| create(std::io::Error::other("it names no file")))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    crate::store::replace_file(dir, name, &bytes).map_err(create)?;
    Ok(exported(false))
}

/// Without the store too: the golden bundle reads (see `bundle_tests` for
/// the rest).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_golden_bundle_reads_without_a_store() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/bundle/golden.bundle");
        let ledger = Ledger::from_bundle("golden", std::fs::read(path).unwrap()).unwrap();
        assert_eq!(
            ledger.head().map(|(seq, hash)| (seq, hash.to_string())),
            Some((
                5,
                "c7bd6c5b9b3faf43d3d43092d272ea657a0c055c12796abee9229046cc1e5f15".to_string()
            ))
        );
        assert_eq!(ledger.events_from(1).count(), 5);
        assert_eq!(ledger.tags().unwrap().len(), 1);
        assert!(ledger
            .schema_at(5)
            .unwrap()
            .table(ledger.rules(), "users")
            .is_some());
        assert_eq!(write(&ledger).unwrap().len(), 1189);
    }
}
