//! Snapshots in the store (docs/ledger-format.md, "Snapshots"): written
//! compact into the tree `compact_snapshots`; a store written before keeps
//! its full snapshots in the tree `snapshots`, and both are read.
//!
//! A compact snapshot is one byte naming its form, then:
//!
//! - [`FULL`]: the schema's bincode, compressed (raw DEFLATE, RFC 1951, by
//!   miniz_oxide);
//! - [`DELTA`]: the seq of the snapshot it is based on (u64 BE, an earlier
//!   snapshot, compact or full), the number of deltas down to a full one
//!   (u8), then, compressed, the operations that make this schema's bincode
//!   from that one's: `0, n, n bytes` (insert) and `1, offset, n` (copy `n`
//!   bytes of the base from `offset`), numbers as LEB128 varints.
//!
//! Consecutive snapshots share most of their bytes (the tables an interval
//! of events did not touch, and the untouched parts of those it did), so a
//! delta is a few KB where a whole schema is tens. What is checked against
//! the fingerprint is always the schema's bincode, rebuilt, so a snapshot
//! that does not decompress, names a missing base or whose bytes changed is
//! damage like any other.

use std::collections::HashMap;
use std::sync::Mutex;

use sled::{IVec, Tree};

/// The tree of compact snapshots.
pub(crate) const COMPACT_TREE: &str = "compact_snapshots";
/// The tree of full snapshots (the schema's bincode, as it is), which
/// stores written before `compact_snapshots` hold; read, not written.
pub(crate) const FULL_TREE: &str = "snapshots";

/// A compact snapshot's first byte: the whole schema, compressed.
pub(crate) const FULL: u8 = 1;
/// A compact snapshot's first byte: a delta against an earlier snapshot.
pub(crate) const DELTA: u8 = 2;

/// At most this many deltas lie between a snapshot and a full one, which
/// bounds what reading one costs; docs/performance.md ("Compact snapshots")
/// has the measurements behind it.
pub(crate) const CHAIN: u8 = 7;

/// miniz_oxide's level (see docs/performance.md).
const LEVEL: u8 = 6;

/// No schema's bincode comes near this; a damaged snapshot that claims more
/// is refused before it is inflated further.
const LIMIT: usize = 1 << 30;

/// The length of the runs a delta looks for in its base.
const WINDOW: usize = 16;

/// The stored form of a schema's bincode `bytes`: whole, or as a delta
/// against `base` (its seq, its bincode and how many deltas it is from a
/// full snapshot) when there is one and the chain is not too long.
pub(crate) fn compress(bytes: &[u8], base: Option<(u64, &[u8], u8)>) -> Vec<u8> {
    match base {
        Some((seq, base, depth)) if depth < CHAIN => {
            let mut out = vec![DELTA];
            out.extend_from_slice(&seq.to_be_bytes());
            out.push(depth + 1);
            out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(
                &delta(base, bytes),
                LEVEL,
            ));
            out
        }
        _ => {
            let mut out = vec![FULL];
            out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(bytes, LEVEL));
            out
        }
    }
}

/// The depth of a stored snapshot: 0 for a full one, the number of deltas
/// down to a full one otherwise.
pub(crate) fn depth(stored: &[u8]) -> u8 {
    match stored {
        [DELTA, rest @ ..] if rest.len() > 8 => rest[8],
        _ => 0,
    }
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn get(ops: &[u8], at: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = *ops.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn key(window: &[u8]) -> u64 {
    window.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The operations that make `cur` from `base` (see the module's
/// documentation): greedy, every run of [`WINDOW`] bytes of `base` at a
/// multiple of 4 indexed, each match extended as far as it goes.
fn delta(base: &[u8], cur: &[u8]) -> Vec<u8> {
    let mut index: HashMap<u64, u32> = HashMap::with_capacity(base.len() / 4);
    let mut i = 0;
    while i + WINDOW <= base.len() {
        index.entry(key(&base[i..i + WINDOW])).or_insert(i as u32);
        i += 4;
    }
    let mut out = Vec::with_capacity(cur.len() / 4);
    let mut literal = 0..0;
    let flush = |out: &mut Vec<u8>, literal: &std::ops::Range<usize>| {
        if !literal.is_empty() {
            out.push(0);
            put(out, literal.len() as u64);
            out.extend_from_slice(&cur[literal.clone()]);
        }
    };
    let mut i = 0;
    while i < cur.len() {
        if let Some(at) = cur
            .get(i..i + WINDOW)
            .and_then(|w| index.get(&key(w)))
            .map(|&at| at as usize)
            .filter(|&at| base[at..at + WINDOW] == cur[i..i + WINDOW])
        {
            let n = WINDOW
                + base[at + WINDOW..]
                    .iter()
                    .zip(&cur[i + WINDOW..])
                    .take_while(|(a, b)| a == b)
                    .count();
            flush(&mut out, &literal);
            out.push(1);
            put(&mut out, at as u64);
            put(&mut out, n as u64);
            i += n;
            literal = i..i;
            continue;
        }
        if literal.is_empty() {
            literal = i..i;
        }
        i += 1;
        literal.end = i;
    }
    flush(&mut out, &literal);
    out
}

/// `cur` rebuilt from `base` and the operations of a delta.
fn patch(base: &[u8], ops: &[u8]) -> Result<Vec<u8>, String> {
    let bad = || "its snapshot's delta is malformed".to_string();
    let mut out = Vec::with_capacity(base.len() + base.len() / 8);
    let mut at = 0;
    while at < ops.len() {
        let op = ops[at];
        at += 1;
        let (from, n) = match op {
            0 => {
                let n = get(ops, &mut at).ok_or_else(bad)? as usize;
                let end = at.checked_add(n).filter(|&e| e <= ops.len());
                let end = end.ok_or_else(bad)?;
                out.extend_from_slice(&ops[at..end]);
                at = end;
                continue;
            }
            1 => (
                get(ops, &mut at).ok_or_else(bad)? as usize,
                get(ops, &mut at).ok_or_else(bad)? as usize,
            ),
            _ => return Err(bad()),
        };
        let run = from
            .checked_add(n)
            .and_then(|end| base.get(from..end))
            .ok_or_else(bad)?;
        if out.len() + run.len() > LIMIT {
            return Err(bad());
        }
        out.extend_from_slice(run);
    }
    Ok(out)
}

fn inflate(data: &[u8]) -> Result<Vec<u8>, String> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(data, LIMIT)
        .map_err(|e| format!("its snapshot does not decompress ({:?})", e.status))
}

/// The store's snapshots, in both trees, with the last one rebuilt kept
/// (readers go in seq order: the next delta usually builds on it).
#[derive(Debug)]
pub(crate) struct Snapshots {
    /// Where snapshots are written.
    pub(crate) compact: Tree,
    /// What a store written before holds.
    pub(crate) full: Tree,
    last: Mutex<Option<(u64, Vec<u8>)>>,
}

fn seq_of(key: &[u8]) -> Option<u64> {
    key.try_into().ok().map(u64::from_be_bytes)
}

impl Snapshots {
    pub(crate) fn new(compact: Tree, full: Tree) -> Snapshots {
        Snapshots {
            compact,
            full,
            last: Mutex::new(None),
        }
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, Option<(u64, Vec<u8>)>> {
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forget what was rebuilt (after the trees were changed under it).
    #[cfg(test)]
    pub(crate) fn forget(&self) {
        *self.remembered() = None;
    }

    /// Keep `bytes` as the snapshot at `seq` rebuilt (when it was just
    /// written in another form).
    pub(crate) fn remember(&self, seq: u64, bytes: Vec<u8>) {
        *self.remembered() = Some((seq, bytes));
    }

    /// The greatest seq at or below `seq` with a snapshot in either tree.
    pub(crate) fn at_or_below(&self, seq: u64) -> sled::Result<Option<u64>> {
        let key = seq.to_be_bytes();
        let last = |t: &Tree| -> sled::Result<Option<IVec>> {
            Ok(t.range(..=key).next_back().transpose()?.map(|(k, _)| k))
        };
        let (c, f) = (last(&self.compact)?, last(&self.full)?);
        // A key that is not a seq is damage the readers report: it counts as 0.
        Ok(c.into_iter()
            .chain(f)
            .map(|k| seq_of(&k).unwrap_or(0))
            .max())
    }

    /// The stored form of the snapshot at `seq` (compact first), and its
    /// depth; `None` when there is none.
    pub(crate) fn stored(&self, seq: u64) -> sled::Result<Option<(IVec, bool)>> {
        let key = seq.to_be_bytes();
        if let Some(v) = self.compact.get(key)? {
            return Ok(Some((v, true)));
        }
        Ok(self.full.get(key)?.map(|v| (v, false)))
    }

    /// The depth of the snapshot at `seq` (0 for a full one or none).
    pub(crate) fn depth_at(&self, seq: u64) -> sled::Result<u8> {
        Ok(match self.stored(seq)? {
            Some((v, true)) => depth(&v),
            _ => 0,
        })
    }

    /// The schema's bincode at `seq`: `Ok(None)` when no snapshot is stored
    /// there; `Ok(Some(Err(why)))` when one is and cannot be rebuilt.
    pub(crate) fn bytes(&self, seq: u64) -> sled::Result<Option<Result<Vec<u8>, String>>> {
        if let Some((s, bytes)) = &*self.remembered() {
            if *s == seq {
                return Ok(Some(Ok(bytes.clone())));
            }
        }
        let Some((stored, compact)) = self.stored(seq)? else {
            return Ok(None);
        };
        if !compact {
            return Ok(Some(Ok(stored.to_vec())));
        }
        let built = self.rebuild(seq, &stored, CHAIN as usize + 1)?;
        if let Ok(bytes) = &built {
            *self.remembered() = Some((seq, bytes.clone()));
        }
        Ok(Some(built))
    }

    fn rebuild(
        &self,
        seq: u64,
        stored: &[u8],
        fuel: usize,
    ) -> sled::Result<Result<Vec<u8>, String>> {
        Ok(match stored.split_first() {
            Some((&FULL, rest)) => inflate(rest),
            Some((&DELTA, rest)) if rest.len() > 9 => {
                let base = u64::from_be_bytes(rest[..8].try_into().unwrap_or_default());
                if base >= seq || fuel == 0 {
                    return Ok(Err("its snapshot's delta names no earlier base".to_string()));
                }
                let ops = match inflate(&rest[9..]) {
                    Ok(ops) => ops,
                    Err(e) => return Ok(Err(e)),
                };
                let remembered = match &*self.remembered() {
                    Some((s, bytes)) if *s == base => Some(bytes.clone()),
                    _ => None,
                };
                let base_bytes = match remembered {
                    Some(bytes) => Ok(bytes),
                    None => match self.stored(base)? {
                        None => Err(format!(
                            "its snapshot is based on snapshot {base}, which is gone"
                        )),
                        Some((v, false)) => Ok(v.to_vec()),
                        Some((v, true)) => self.rebuild(base, &v, fuel - 1)?,
                    },
                };
                base_bytes.and_then(|b| patch(&b, &ops))
            }
            Some((&DELTA, _)) => Err("its snapshot's delta is malformed".to_string()),
            Some((form, _)) => Err(format!(
                "its snapshot is stored in a form this strata does not know ({form})"
            )),
            None => Err("its snapshot is empty".to_string()),
        })
    }

    /// The schema's bincode at `key`, if a snapshot is stored there; one
    /// that cannot be rebuilt comes as its stored bytes, which match no
    /// fingerprint (for the readers that check one and report the mismatch
    /// as damage).
    pub(crate) fn get(&self, key: impl AsRef<[u8]>) -> sled::Result<Option<IVec>> {
        let key = key.as_ref();
        let Some(seq) = seq_of(key) else {
            return Ok(None);
        };
        Ok(match self.bytes(seq)? {
            None => None,
            Some(Ok(bytes)) => Some(IVec::from(bytes)),
            Some(Err(_)) => self.stored(seq)?.map(|(v, _)| v),
        })
    }

    /// Every snapshot in seq order, as (key, the schema's bincode), from
    /// both trees (see [`Snapshots::get`]).
    pub(crate) fn iter(&self) -> Iter<'_> {
        Iter {
            snapshots: self,
            compact: self.compact.iter().peekable(),
            full: self.full.iter().peekable(),
        }
    }

    /// The snapshot with the greatest key, in either tree (its bytes as
    /// [`Snapshots::get`] gives them).
    pub(crate) fn last(&self) -> sled::Result<Option<(IVec, IVec)>> {
        let compact = self.compact.last()?.map(|(k, _)| k);
        let full = self.full.last()?.map(|(k, _)| k);
        let Some(k) = compact.into_iter().chain(full).max() else {
            return Ok(None);
        };
        let v = self.get(&k)?.unwrap_or_default();
        Ok(Some((k, v)))
    }

    /// How many snapshots there are.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.iter().count()
    }
}

/// The snapshots of both trees, merged in key order (see
/// [`Snapshots::iter`]).
pub(crate) struct Iter<'a> {
    snapshots: &'a Snapshots,
    compact: std::iter::Peekable<sled::Iter>,
    full: std::iter::Peekable<sled::Iter>,
}

impl Iterator for Iter<'_> {
    type Item = sled::Result<(IVec, IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        let key = |kv: Option<&sled::Result<(IVec, IVec)>>| match kv {
            Some(Ok((k, _))) => Some(k.clone()),
            _ => None,
        };
        // An error is passed on as soon as either tree meets it.
        if matches!(self.compact.peek(), Some(Err(_))) {
            return self.compact.next();
        }
        if matches!(self.full.peek(), Some(Err(_))) {
            return self.full.next();
        }
        let next = match (key(self.compact.peek()), key(self.full.peek())) {
            (Some(c), Some(f)) if f < c => self.full.next(),
            (Some(c), Some(f)) => {
                if f == c {
                    self.full.next();
                }
                self.compact.next()
            }
            (Some(_), None) => self.compact.next(),
            (None, _) => self.full.next(),
        };
        Some(match next? {
            Err(e) => Err(e),
            Ok((k, v)) => match self.snapshots.get(&k) {
                Ok(bytes) => Ok((k, bytes.unwrap_or(v))),
                Err(e) => Err(e),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_rebuilds_what_it_was_made_from() {
        let base: Vec<u8> = (0..5000u32).flat_map(|i| (i * 7).to_le_bytes()).collect();
        let mut cur = base.clone();
        cur.splice(100..140, [9u8; 3]);
        cur.extend_from_slice(b"tail");
        cur[10_000] ^= 1;
        let ops = delta(&base, &cur);
        assert!(ops.len() < 200, "{}", ops.len());
        assert_eq!(patch(&base, &ops).unwrap(), cur);
        for (b, c) in [
            (&[][..], &cur[..]),
            (&base[..], &[][..]),
            (&[1u8][..], &[1u8][..]),
        ] {
            assert_eq!(patch(b, &delta(b, c)).unwrap(), c);
        }
    }

    #[test]
    fn a_damaged_delta_is_refused_not_a_panic() {
        let base = vec![1u8; 100];
        for ops in [
            vec![1, 90, 20],
            vec![0, 5, 1],
            vec![2],
            vec![
                1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1,
            ],
            vec![0, 0xff],
        ] {
            assert!(patch(&base, &ops).is_err(), "{ops:?}");
        }
    }
}
