//! `verify`: one streaming pass over the store that recomputes every hash and
//! link and checks every index against the events; `deep` also re-projects
//! every event from the empty schema and checks every fingerprint and
//! snapshot. What it finds is a [`VerifyReport`], not an error: errors are
//! for I/O.

use std::sync::atomic::{AtomicBool, Ordering};

use strata_schema::Schema;

use crate::error::Result;
use crate::event::{Body, Event};
use crate::fingerprint::{DeepReplay, DRIFTED};
use crate::hash::Hash;
#[cfg(feature = "store")]
use crate::store::{read_tag_value, read_u64, Sled, META_HEAD_HASH, META_HEAD_SEQ};
use crate::store::{Backend, Ledger};
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

/// An order-independent digest of a set of (hash, seq) pairs: four lanes,
/// each a wrapping sum of a mixed lane of the hash with the seq. Equal sets
/// give equal digests; a lost, extra or re-pointed entry changes it (the
/// mixing is non-linear, so swapped seqs do too).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct IndexDigest {
    count: u64,
    lanes: [u64; 4],
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl IndexDigest {
    fn add(&mut self, hash: &[u8; 32], seq: u64) {
        self.count += 1;
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&hash[i * 8..i * 8 + 8]);
            let h = u64::from_le_bytes(b);
            *lane = lane.wrapping_add(mix(h ^ seq.rotate_left(16 * i as u32)));
        }
    }
}

/// An event as read from the store: key, bytes, and the hash of the bytes.
#[cfg(feature = "store")]
type Scanned = (sled::IVec, sled::IVec, Hash);

/// Events per message from the reading thread to the checking one.
const BATCH: usize = 256;

/// What the pass over the events found, when it found nothing wrong.
struct EventsPass {
    events: u64,
    last: Hash,
    digest: IndexDigest,
    tag_events: u64,
    snapshots: u64,
}

impl Ledger {
    /// Check the whole ledger in one streaming pass, in constant memory.
    ///
    /// The events are read in order on this thread; the hash index is read
    /// in its own order on a second one and compared as a digest, so the
    /// pass does no random lookups. When something does not match, a few
    /// lookups find which event is to blame.
    pub fn verify(&self, deep: bool) -> Result<VerifyReport> {
        match &self.backend {
            Backend::Journal(journal) => journal.verify(deep),
            #[cfg(feature = "store")]
            Backend::Store(sled) => self.verify_store(sled, deep),
        }
    }
}

#[cfg(feature = "store")]
impl Ledger {
    fn verify_store(&self, sled: &Sled, deep: bool) -> Result<VerifyReport> {
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let index = scope.spawn(|| self.index_digest(&stop));
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Result<Scanned>>>(8);
            let checker = scope.spawn(|| {
                let pass = self.verify_events(deep, rx.into_iter().flatten());
                if !matches!(pass, Ok(Ok(_))) {
                    stop.store(true, Ordering::Relaxed);
                }
                pass
            });
            // This thread reads the events and hashes their bytes; the
            // checker decodes and checks them, in order.
            let mut batch = Vec::with_capacity(BATCH);
            for item in sled.events.iter() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let item = item
                    .map(|(k, v)| {
                        let hash = self.format.hash_event_bytes(&v);
                        (k, v, hash)
                    })
                    .map_err(|e| self.store_err(e));
                let failed = item.is_err();
                batch.push(item);
                if batch.len() == BATCH || failed {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if tx.send(full).is_err() || failed {
                        break;
                    }
                }
            }
            if !batch.is_empty() {
                // The checker may have stopped; then this batch is not needed.
                let _ = tx.send(batch);
            }
            drop(tx);
            let pass = checker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let index = index
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let pass = match pass? {
                Ok(pass) => pass,
                Err(report) => return Ok(report),
            };
            self.verify_indexes(deep, pass, index?)
        })
    }

    /// The digest of the hash index, or `None` when an entry is malformed.
    fn index_digest(&self, stop: &AtomicBool) -> Result<Option<IndexDigest>> {
        let mut d = IndexDigest::default();
        for item in self.sled()?.hashes.iter() {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let (k, v) = item.map_err(|e| self.store_err(e))?;
            let (Ok(hash), Some(seq)) = (<[u8; 32]>::try_from(k.as_ref()), read_u64(&v)) else {
                return Ok(None);
            };
            d.add(&hash, seq);
        }
        Ok(Some(d))
    }

    /// Where the hash index maps `hash`: `Some(Some(seq))`, `Some(None)` for
    /// a malformed entry, `None` for no entry.
    fn indexed(&self, hash: &Hash) -> Result<Option<Option<u64>>> {
        Ok(self
            .sled()?
            .hashes
            .get(hash.as_bytes())
            .map_err(|e| self.store_err(e))?
            .map(|v| read_u64(&v)))
    }

    /// Blame for a hash that does not match what names it (the next event's
    /// prev, or the head record): if the index still knows the hash as event
    /// `seq`'s, that event is as appended and the namer is wrong; otherwise
    /// the event's bytes changed.
    fn blame(&self, seq: u64, hash: &Hash, named: &str) -> Result<VerifyReport> {
        Ok(if self.indexed(hash)? == Some(Some(seq)) {
            problem(
                Some(seq + 1),
                format!("its prev is {named} but event {seq} has hash {hash}"),
            )
        } else {
            problem(
                Some(seq),
                format!(
                    "its hash {hash} is neither in the hash index nor what names it ({named}): its bytes changed"
                ),
            )
        })
    }

    /// The pass over the events: `Ok(Err(report))` when it found a problem.
    fn verify_events(
        &self,
        deep: bool,
        items: impl Iterator<Item = Result<Scanned>>,
    ) -> Result<std::result::Result<EventsPass, VerifyReport>> {
        macro_rules! check {
            ($cond:expr, $seq:expr, $($reason:tt)*) => {
                if !$cond {
                    return Ok(Err(problem($seq, format!($($reason)*))));
                }
            };
        }
        let mut expected: u64 = 1;
        let mut prev = Hash::ZERO;
        let mut prev_at = Timestamp(i64::MIN);
        let mut digest = IndexDigest::default();
        let mut tag_events: u64 = 0;
        let mut schema = Schema::default();
        let mut deep_replay = DeepReplay::new(self.format)?;
        let mut buf: Vec<u8> = Vec::new();
        let sled = self.sled()?;
        let mut snapshots = sled.snapshots.iter().peekable();
        let mut snapshots_checked: u64 = 0;

        for item in items {
            let (k, v, hash) = item?;
            let here = Some(expected);
            let Some(seq) = read_u64(&k) else {
                return Ok(Err(problem(here, "a key of the events tree is not a seq")));
            };
            check!(
                seq == expected,
                here,
                "it is missing: the next stored event is {seq}"
            );
            let here = Some(seq);
            let event: Event = match self.format.decode_event(&v) {
                Ok(e) => e,
                Err(e) => return Ok(Err(problem(here, e.to_string()))),
            };
            check!(
                event.seq == seq,
                here,
                "it is stored as event {seq} but says it is event {}",
                event.seq
            );
            if event.prev != prev {
                return self.blame(seq - 1, &prev, &event.prev.to_string()).map(Err);
            }
            check!(
                event.at >= prev_at,
                here,
                "its time {} is earlier than event {}'s ({prev_at})",
                event.at,
                seq - 1
            );
            digest.add(hash.as_bytes(), seq);
            if let Body::Tag { name, target } = &event.body {
                check!(
                    *target < seq,
                    here,
                    "tag {name} names event {target}, which is not before the tag"
                );
                let entry = sled
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
                self.format.encode_event_into(&event, &mut buf)?;
                check!(
                    buf == v.as_ref(),
                    here,
                    "its bytes are not the canonical encoding of the event they decode to"
                );
                if let Err(e) = deep_replay.replay(self.rules, &mut schema, seq, &event.body) {
                    return Ok(Err(problem(here, format!("it does not replay: {e}"))));
                }
                let fp = deep_replay.fingerprint(&schema, &event.fingerprint)?;
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
                                self.format.fingerprint_bytes(sv) == fp,
                                here,
                                "its snapshot differs from the replayed schema"
                            );
                            snapshots_checked += 1;
                        }
                        Some(s) if s > seq => break,
                        _ => {
                            return Ok(Err(problem(None, "a snapshot key does not name an event")))
                        }
                    }
                    snapshots.next();
                }
            }
            prev = hash;
            prev_at = event.at;
            expected += 1;
        }
        if deep && !deep_replay.kept_up(&schema)? {
            return Ok(Err(problem(None, DRIFTED)));
        }
        Ok(Ok(EventsPass {
            events: expected - 1,
            last: prev,
            digest,
            tag_events,
            snapshots: snapshots_checked,
        }))
    }

    /// The checks after the pass: the head record, the indexes, snapshots.
    fn verify_indexes(
        &self,
        deep: bool,
        pass: EventsPass,
        index: Option<IndexDigest>,
    ) -> Result<VerifyReport> {
        let EventsPass {
            events,
            last,
            digest,
            tag_events,
            snapshots,
        } = pass;
        let sled = self.sled()?;
        let meta_seq = sled
            .meta
            .get(META_HEAD_SEQ)
            .map_err(|e| self.store_err(e))?
            .and_then(|v| read_u64(&v));
        let meta_hash = sled
            .meta
            .get(META_HEAD_HASH)
            .map_err(|e| self.store_err(e))?
            .and_then(|v| <[u8; 32]>::try_from(v.as_ref()).ok().map(Hash));
        if meta_hash != Some(last) && events > 0 && self.indexed(&last)? != Some(Some(events)) {
            return Ok(problem(
                Some(events),
                format!(
                    "its hash {last} is neither in the hash index nor the head record's: its bytes changed"
                ),
            ));
        }
        if meta_seq != Some(events) || meta_hash != Some(last) {
            return Ok(problem(
                None,
                format!(
                    "the head record says event {} ({}) but the last event is {events} ({last})",
                    meta_seq.map_or("?".to_string(), |s| s.to_string()),
                    meta_hash.map_or("?".to_string(), |h| h.to_string())
                ),
            ));
        }
        if index != Some(digest) {
            return self.blame_index(events, index);
        }
        let tags = sled.tags.len() as u64;
        if tags != tag_events {
            return Ok(problem(
                None,
                format!("the tag index has {tags} entries for {tag_events} tag events"),
            ));
        }
        let last_snapshot = sled
            .snapshots
            .last()
            .map_err(|e| self.store_err(e))?
            .map(|(k, _)| read_u64(&k));
        if let Some(s) = last_snapshot {
            if !s.is_some_and(|s| s >= 1 && s <= events) {
                return Ok(problem(
                    None,
                    format!("a snapshot is stored beyond the last event ({events})"),
                ));
            }
        }
        Ok(VerifyReport::Ok(VerifySummary {
            deep,
            events,
            head: (events > 0).then_some((events, last)),
            tags,
            snapshots,
        }))
    }

    /// The hash index does not match the events: find the first event whose
    /// entry is missing or wrong (a second pass, only on this path), else say
    /// what is extra.
    fn blame_index(&self, events: u64, index: Option<IndexDigest>) -> Result<VerifyReport> {
        for item in self.sled()?.events.iter() {
            let (k, v) = item.map_err(|e| self.store_err(e))?;
            let seq = read_u64(&k).unwrap_or(0);
            let hash = self.format.hash_event_bytes(&v);
            match self.indexed(&hash)? {
                Some(Some(s)) if s == seq => {}
                Some(Some(s)) => {
                    return Ok(problem(
                        Some(seq),
                        format!("the hash index maps its hash {hash} to event {s}"),
                    ))
                }
                Some(None) => {
                    return Ok(problem(
                        Some(seq),
                        format!("the hash index entry of its hash {hash} is malformed"),
                    ))
                }
                None => {
                    return Ok(problem(
                        Some(seq),
                        format!("its hash {hash} is not in the hash index"),
                    ))
                }
            }
        }
        Ok(problem(
            None,
            match index {
                Some(d) => format!("the hash index has {} entries for {events} events", d.count),
                None => "the hash index has a malformed entry".to_string(),
            },
        ))
    }
}
