//! `verify`: one streaming pass over the store that recomputes every hash and
//! link and checks every index against the events; `deep` also re-projects
//! every event from the empty schema and checks every fingerprint and
//! snapshot. What it finds is a [`VerifyReport`], not an error: errors are
//! for I/O.

use strata_schema::Schema;

use crate::error::Result;
use crate::event::{
    config, decode, fingerprint_bytes, hash_event_bytes, replay_body, Body, CodecError, Event,
};
use crate::hash::Hash;
use crate::store::{read_tag_value, read_u64, Ledger, META_HEAD_HASH, META_HEAD_SEQ};
use crate::timestamp::Timestamp;

/// The outcome of [`Ledger::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyReport {
    /// Everything checked out.
    Ok(VerifySummary),
    /// The first problem found; nothing after it was checked.
    Broken(Problem),
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        matches!(self, VerifyReport::Ok(_))
    }
}

/// What a successful verify checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifySummary {
    pub deep: bool,
    pub events: u64,
    /// The last event's seq and hash; `None` for an empty ledger.
    pub head: Option<(u64, Hash)>,
    pub tags: u64,
    /// Snapshots checked against the replayed schema (deep only).
    pub snapshots: u64,
}

/// The first thing wrong with a ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The bad event; `None` when the problem is in an index or the head
    /// record rather than in an event.
    pub seq: Option<u64>,
    /// One line, lowercase.
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "event {seq}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

fn problem(seq: Option<u64>, reason: impl Into<String>) -> VerifyReport {
    VerifyReport::Broken(Problem {
        seq,
        reason: reason.into(),
    })
}

/// Return the report when a check found a problem.
macro_rules! check {
    ($cond:expr, $seq:expr, $($reason:tt)*) => {
        if !$cond {
            return Ok(problem($seq, format!($($reason)*)));
        }
    };
}

impl Ledger {
    /// Check the whole ledger in one pass, in constant memory.
    pub fn verify(&self, deep: bool) -> Result<VerifyReport> {
        let mut expected: u64 = 1;
        let mut prev = Hash::ZERO;
        let mut prev_at = Timestamp(i64::MIN);
        let mut tag_events: u64 = 0;
        let mut schema = Schema::default();
        let mut buf: Vec<u8> = Vec::new();
        let mut snapshots = self.snapshots.iter().peekable();
        let mut snapshots_checked: u64 = 0;

        for item in self.events.iter() {
            let (k, v) = item.map_err(|e| self.store_err(e))?;
            let here = Some(expected);
            let Some(seq) = read_u64(&k) else {
                return Ok(problem(here, "a key of the events tree is not a seq"));
            };
            check!(
                seq == expected,
                here,
                "it is missing: the next stored event is {seq}"
            );
            let here = Some(seq);
            let event: Event = match decode(&v) {
                Ok(e) => e,
                Err(e) => return Ok(problem(here, e.to_string())),
            };
            check!(
                event.seq == seq,
                here,
                "it is stored as event {seq} but says it is event {}",
                event.seq
            );
            check!(
                event.prev == prev,
                here,
                "its prev is {} but event {} has hash {prev}",
                event.prev,
                seq - 1
            );
            check!(
                event.at >= prev_at,
                here,
                "its time {} is earlier than event {}'s ({prev_at})",
                event.at,
                seq - 1
            );
            let hash = hash_event_bytes(&v);
            let indexed = self
                .hashes
                .get(hash.as_bytes())
                .map_err(|e| self.store_err(e))?;
            match indexed.as_deref().map(read_u64) {
                Some(Some(s)) if s == seq => {}
                Some(Some(s)) => {
                    return Ok(problem(
                        here,
                        format!("the hash index maps its hash {hash} to event {s}"),
                    ))
                }
                Some(None) => {
                    return Ok(problem(
                        here,
                        format!("the hash index entry of {hash} is malformed"),
                    ))
                }
                None => {
                    return Ok(problem(
                        here,
                        format!("its hash {hash} is not in the hash index (its bytes changed?)"),
                    ))
                }
            }
            if let Body::Tag { name, target } = &event.body {
                check!(
                    *target < seq,
                    here,
                    "tag {name} names event {target}, which is not before the tag"
                );
                let entry = self
                    .tags
                    .get(name.as_bytes())
                    .map_err(|e| self.store_err(e))?;
                check!(
                    entry.as_deref().and_then(read_tag_value) == Some((*target, seq)),
                    here,
                    "the tag index does not record tag {name} as naming event {target}"
                );
                tag_events += 1;
            }
            if deep {
                buf.clear();
                bincode::serde::encode_into_std_write(&event, &mut buf, config())
                    .map_err(|e| CodecError::Encode(e.to_string()))?;
                check!(
                    buf == v.as_ref(),
                    here,
                    "its bytes are not the canonical encoding of the event they decode to"
                );
                if let Err(e) = replay_body(&mut schema, seq, &event.body) {
                    return Ok(problem(here, format!("it does not replay: {e}")));
                }
                buf.clear();
                bincode::serde::encode_into_std_write(&schema, &mut buf, config())
                    .map_err(|e| CodecError::Encode(e.to_string()))?;
                let fp = fingerprint_bytes(&buf);
                check!(
                    fp == event.fingerprint,
                    here,
                    "its fingerprint {} differs from the replayed schema's {fp}",
                    event.fingerprint
                );
                while let Some(snap) = snapshots.peek() {
                    let (sk, sv) = match snap {
                        Ok(kv) => kv,
                        Err(e) => return Err(self.store_err(e.clone())),
                    };
                    match read_u64(sk) {
                        Some(s) if s == seq => {
                            check!(
                                fingerprint_bytes(sv) == fp,
                                here,
                                "its snapshot differs from the replayed schema"
                            );
                            snapshots_checked += 1;
                        }
                        Some(s) if s > seq => break,
                        _ => {
                            return Ok(problem(
                                None,
                                "a snapshot key does not name an event".to_string(),
                            ))
                        }
                    }
                    snapshots.next();
                }
            }
            prev = hash;
            prev_at = event.at;
            expected += 1;
        }

        let events = expected - 1;
        let head = (events > 0).then_some((events, prev));
        let meta_seq = self
            .meta
            .get(META_HEAD_SEQ)
            .map_err(|e| self.store_err(e))?
            .and_then(|v| read_u64(&v));
        let meta_hash = self
            .meta
            .get(META_HEAD_HASH)
            .map_err(|e| self.store_err(e))?
            .and_then(|v| <[u8; 32]>::try_from(v.as_ref()).ok().map(Hash));
        check!(
            meta_seq == Some(events) && meta_hash == Some(prev),
            None,
            "the head record says event {} ({}) but the last event is {events} ({prev})",
            meta_seq.map_or("?".to_string(), |s| s.to_string()),
            meta_hash.map_or("?".to_string(), |h| h.to_string())
        );
        // Every event's hash maps to its seq, and the hashes are distinct (the
        // seq is hashed): with equal counts, no index entry is left over.
        let indexed = self.hashes.len() as u64;
        check!(
            indexed == events,
            None,
            "the hash index has {indexed} entries for {events} events"
        );
        let tags = self.tags.len() as u64;
        check!(
            tags == tag_events,
            None,
            "the tag index has {tags} entries for {tag_events} tag events"
        );
        let last_snapshot = self
            .snapshots
            .last()
            .map_err(|e| self.store_err(e))?
            .map(|(k, _)| read_u64(&k));
        if let Some(last) = last_snapshot {
            check!(
                last.is_some_and(|s| s >= 1 && s <= events),
                None,
                "a snapshot is stored beyond the last event ({events})"
            );
        }
        Ok(VerifyReport::Ok(VerifySummary {
            deep,
            events,
            head,
            tags,
            snapshots: snapshots_checked,
        }))
    }
}
