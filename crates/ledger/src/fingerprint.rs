//! Fingerprints of a schema that changes event by event, without encoding
//! and hashing the whole schema for each event: what `verify --deep` needs,
//! one fingerprint per event of the ledger.
//!
//! The bytes are those of [`Format::fingerprint`], exactly. A schema is four (five from format 5 on)
//! `BTreeMap`s, and bincode writes a map as its length (a varint) then each
//! entry (the key, then the value) in key order, with nothing between. So
//! [`Fingerprints`] keeps the bytes the fingerprint hashes (the domain tag,
//! the format, then the schema's encoding) in one buffer with the length of
//! every entry, and after an event re-encodes only the entries its ops name
//! (and, for a rename, the entries a rename can carry into), splicing them
//! into place.
//!
//! The hash is BLAKE3's tree: the input is cut into 1 KiB chunks, hashed
//! into a binary tree whose left subtrees are whole powers of two. The
//! chaining values of the blocks of [`BLOCK`] bytes that lie wholly before
//! the first byte an event changed are kept from one event to the next
//! ([`blake3::hazmat`]), so an event costs the bytes from its first change to
//! the end, not the whole schema.

use blake3::hazmat::{
    left_subtree_len, merge_subtrees_non_root, merge_subtrees_root, ChainingValue, HasherExt, Mode,
};
use strata_schema::{Op, Rules, Schema};

use crate::event::{encode_into, ApplyError, Body, CodecError, Format, SCHEMA_DOMAIN};
use crate::hash::Hash;

/// The size of the subtrees whose chaining values are kept: 16 chunks, what
/// BLAKE3 hashes in parallel with AVX-512 (AVX2 takes 8).
const BLOCK: usize = 16 * blake3::CHUNK_LEN;

/// The maps of a schema, in the order bincode writes them (definitions
/// from format 5 on).
const TABLES: usize = 0;
const INDEXES: usize = 1;
const VIEWS: usize = 2;
const TRIGGERS: usize = 3;
const DEFINITIONS: usize = 4;
const MAPS: usize = 5;

/// One map of the schema in the buffer: its length's varint, then its
/// entries, in key order, entry `i` being `lens[i]` bytes long. (Sorted
/// vectors rather than a map: an entry's place is a binary search and a sum
/// over a slice of lengths.)
#[derive(Debug, Clone, Default)]
struct Section {
    header: usize,
    body: usize,
    keys: Vec<String>,
    lens: Vec<u32>,
}

/// The bytes and fingerprint of a schema, kept up to date as it changes.
///
/// Replay events through [`Fingerprints::replay`] (or project ops and tell
/// it with [`Fingerprints::touch`]); [`Fingerprints::fingerprint`] then
/// equals [`Format::fingerprint`] of the schema, and
/// [`Fingerprints::schema_bytes`] its [`Format::encode_schema`]. After an
/// error (an op that does not fit, a table the format cannot hold), start
/// again with [`Fingerprints::new`] or [`Fingerprints::reset`].
#[derive(Debug, Clone)]
pub struct Fingerprints {
    format: Format,
    /// The domain tag and format, then the schema's bytes.
    buf: Vec<u8>,
    prefix: usize,
    sections: [Section; MAPS],
    /// Keys whose entries may have changed since the last sync, per map.
    dirty: [Vec<String>; MAPS],
    /// Everything changed (a baseline): re-encode it all.
    all_dirty: bool,
    /// The first byte of `buf` that changed since the last hash.
    changed_from: usize,
    tree: Tree,
    scratch: Vec<u8>,
}

impl Fingerprints {
    /// The bytes of `schema` in `format`.
    pub fn new(format: Format, schema: &Schema) -> Result<Fingerprints, CodecError> {
        let mut f = Fingerprints {
            format,
            buf: Vec::new(),
            prefix: 0,
            sections: Default::default(),
            dirty: Default::default(),
            all_dirty: false,
            changed_from: 0,
            tree: Tree::default(),
            scratch: Vec::new(),
        };
        f.rebuild(schema)?;
        Ok(f)
    }

    /// Encode every entry of `schema` afresh.
    fn rebuild(&mut self, schema: &Schema) -> Result<(), CodecError> {
        self.buf.clear();
        self.format.hash_prefix(SCHEMA_DOMAIN, &mut self.buf);
        self.prefix = self.buf.len();
        self.sections = Default::default();
        for s in 0..self.format.schema_maps() {
            let mut section = Section::default();
            let count = len_of(schema, s);
            let at = self.buf.len();
            encode_into(&(count as u64), &mut self.buf)?;
            section.header = self.buf.len() - at;
            let mut each = |key: &String, buf: &mut Vec<u8>| -> Result<(), CodecError> {
                let at = buf.len();
                self.format.encode_entry(schema, s, key, buf)?;
                section.keys.push(key.clone());
                section.lens.push(entry_len(buf.len() - at)?);
                section.body += buf.len() - at;
                Ok(())
            };
            section_keys(schema, s).try_for_each(|k| each(k, &mut self.buf))?;
            self.sections[s] = section;
        }
        self.dirty = Default::default();
        self.all_dirty = false;
        self.changed_from = 0;
        Ok(())
    }

    /// Apply the body of event `seq` to `schema` as [`crate::apply_body`]
    /// does for a stored event (a failure leaves `schema` part-way), noting
    /// what it changed.
    pub fn replay(
        &mut self,
        r: &dyn Rules,
        schema: &mut Schema,
        seq: u64,
        body: &Body,
    ) -> Result<(), ApplyError> {
        if matches!(body, Body::Baseline { .. }) {
            self.all_dirty = true;
        }
        crate::event::replay_body_with(r, schema, seq, body, |schema, op| self.touch(r, schema, op))
    }

    /// Note the entries `op`, just projected onto `schema`, may have
    /// changed: the objects it names and, for a rename, every object a
    /// rename carries into (foreign keys and indexes naming the table, and
    /// every view and trigger, whose SQL text may name it).
    pub fn touch(&mut self, r: &dyn Rules, schema: &Schema, op: &Op) {
        let mut mark = |s: usize, name: &str| self.dirty[s].push(r.key(name));
        match op {
            Op::CreateTable { table } | Op::DropTable { table } => mark(TABLES, &table.name),
            Op::AddColumn { table, .. }
            | Op::DropColumn { table, .. }
            | Op::AlterColumn { table, .. }
            | Op::AddForeignKey { table, .. }
            | Op::DropForeignKey { table, .. }
            | Op::AddUnique { table, .. }
            | Op::DropUnique { table, .. }
            | Op::AddCheck { table, .. }
            | Op::DropCheck { table, .. }
            | Op::AlterTableOptions { table, .. }
            | Op::AddPrimaryKey { table, .. }
            | Op::DropPrimaryKey { table, .. } => mark(TABLES, table),
            Op::CreateIndex { index } | Op::DropIndex { index } => mark(INDEXES, &index.name),
            Op::CreateView { view } | Op::DropView { view } => mark(VIEWS, &view.name),
            Op::CreateTrigger { trigger } | Op::DropTrigger { trigger } => {
                self.dirty[TRIGGERS].push(r.trigger_key(&trigger.table, &trigger.name))
            }
            Op::CreateDefinition { definition } | Op::DropDefinition { definition } => {
                mark(DEFINITIONS, &definition.name)
            }
            Op::ReplaceDefinition { to, .. } => mark(DEFINITIONS, &to.name),
            Op::Data { .. } => {}
            Op::RenameTable { from, to } => self.touch_rename(r, schema, &[from, to]),
            Op::RenameColumn { table, .. } => self.touch_rename(r, schema, &[table]),
        }
    }

    fn touch_rename(&mut self, r: &dyn Rules, schema: &Schema, names: &[&String]) {
        let named = |n: &str| names.iter().any(|m| r.same_name(n, m));
        for n in names {
            self.dirty[TABLES].push(r.key(n));
        }
        for (k, t) in &schema.tables {
            if t.foreign_keys.iter().any(|fk| named(&fk.ref_table)) {
                self.dirty[TABLES].push(k.clone());
            }
        }
        for (k, i) in &schema.indexes {
            if named(&i.table) {
                self.dirty[INDEXES].push(k.clone());
            }
        }
        self.dirty[VIEWS].extend(schema.views.keys().cloned());
        self.dirty[TRIGGERS].extend(schema.triggers.keys().cloned());
        // Where a trigger's key holds its table's name, a rename re-keys
        // it: its entry under the old name goes.
        for t in schema.triggers.values().filter(|t| named(&t.table)) {
            for n in names {
                self.dirty[TRIGGERS].push(r.trigger_key(n, &t.name));
            }
        }
        self.dirty[DEFINITIONS].extend(schema.definitions.keys().cloned());
    }

    /// Re-encode the entries noted since the last sync from `schema`.
    fn sync(&mut self, schema: &Schema) -> Result<(), CodecError> {
        if self.all_dirty {
            return self.rebuild(schema);
        }
        let mut start = self.prefix;
        for s in 0..self.format.schema_maps() {
            let mut keys = std::mem::take(&mut self.dirty[s]);
            keys.sort_unstable();
            keys.dedup();
            for key in &keys {
                let section = &self.sections[s];
                let (i, old) = match section.keys.binary_search(key) {
                    Ok(i) => (Ok(i), section.lens[i] as usize),
                    Err(i) => (Err(i), 0),
                };
                let rank = i.unwrap_or_else(|i| i);
                let at = start
                    + section.header
                    + section.lens[..rank]
                        .iter()
                        .map(|&l| l as usize)
                        .sum::<usize>();
                self.scratch.clear();
                let present = has(schema, s, key);
                if present {
                    self.format
                        .encode_entry(schema, s, key, &mut self.scratch)?;
                }
                if self.buf[at..at + old] != self.scratch[..] {
                    self.buf.splice(at..at + old, self.scratch.iter().copied());
                    self.changed_from = self.changed_from.min(at);
                }
                let new = entry_len(self.scratch.len())?;
                let section = &mut self.sections[s];
                match (i, present) {
                    (Ok(i), true) => section.lens[i] = new,
                    (Ok(i), false) => {
                        section.keys.remove(i);
                        section.lens.remove(i);
                    }
                    (Err(i), true) => {
                        section.keys.insert(i, key.clone());
                        section.lens.insert(i, new);
                    }
                    (Err(_), false) => {}
                }
                section.body = section.body + self.scratch.len() - old;
            }
            keys.clear();
            self.dirty[s] = keys;
            // The map's length.
            let count = len_of(schema, s) as u64;
            self.scratch.clear();
            encode_into(&count, &mut self.scratch)?;
            let header = self.sections[s].header;
            if self.buf[start..start + header] != self.scratch[..] {
                self.buf
                    .splice(start..start + header, self.scratch.iter().copied());
                self.sections[s].header = self.scratch.len();
                self.changed_from = self.changed_from.min(start);
            }
            start += self.sections[s].header + self.sections[s].body;
        }
        debug_assert_eq!(start, self.buf.len());
        Ok(())
    }

    /// The schema's bytes, as [`Format::encode_schema`] gives them.
    pub fn schema_bytes(&mut self, schema: &Schema) -> Result<&[u8], CodecError> {
        self.sync(schema)?;
        Ok(&self.buf[self.prefix..])
    }

    /// The fingerprint of `schema`, which must be the schema these bytes
    /// were built from, changed only as [`Fingerprints::replay`] or
    /// [`Fingerprints::touch`] were told.
    pub fn fingerprint(&mut self, schema: &Schema) -> Result<Hash, CodecError> {
        self.sync(schema)?;
        Ok(self.hash())
    }

    /// Whether the bytes kept are exactly the full encoding of `schema`
    /// (a check of the bookkeeping, for the end of a verify and for tests).
    pub fn matches(&mut self, schema: &Schema) -> Result<bool, CodecError> {
        let full = self.format.encode_schema(schema)?;
        Ok(self.schema_bytes(schema)? == &full[..])
    }

    /// Start again from `schema`'s full encoding.
    pub fn reset(&mut self, schema: &Schema) -> Result<(), CodecError> {
        self.rebuild(schema)
    }

    fn hash(&mut self) -> Hash {
        let changed_from = std::mem::replace(&mut self.changed_from, self.buf.len());
        self.tree.hash(&self.buf, changed_from)
    }
}

/// BLAKE3 of a buffer that changes from some byte on between two hashes,
/// keeping the chaining values of its whole [`BLOCK`]s.
#[derive(Debug, Clone, Default)]
struct Tree {
    /// The chaining values of the whole blocks of the buffer last hashed.
    blocks: Vec<ChainingValue>,
}

impl Tree {
    /// BLAKE3 of `buf`, which is the buffer last hashed with every byte
    /// before `changed_from` as it was (the first time, 0).
    fn hash(&mut self, buf: &[u8], changed_from: usize) -> Hash {
        let len = buf.len();
        if len <= BLOCK {
            self.blocks.clear();
            return Hash(*blake3::hash(buf).as_bytes());
        }
        self.blocks.truncate(changed_from / BLOCK);
        for b in self.blocks.len()..len / BLOCK {
            let at = b * BLOCK;
            let cv = blake3::Hasher::new()
                .set_input_offset(at as u64)
                .update(&buf[at..at + BLOCK])
                .finalize_non_root();
            self.blocks.push(cv);
        }
        // The root's left subtree is the largest power of two of chunks
        // below the length, so at least one block here; every subtree below
        // it starts on a block.
        let left = left_subtree_len(len as u64) as usize;
        let root = merge_subtrees_root(
            &self.subtree(buf, 0, left),
            &self.subtree(buf, left, len - left),
            Mode::Hash,
        );
        Hash(*root.as_bytes())
    }

    /// The chaining value of the subtree of `len` bytes at `at`, a multiple
    /// of [`BLOCK`].
    fn subtree(&self, buf: &[u8], at: usize, len: usize) -> ChainingValue {
        if len == BLOCK {
            return self.blocks[at / BLOCK];
        }
        if len < BLOCK {
            return blake3::Hasher::new()
                .set_input_offset(at as u64)
                .update(&buf[at..at + len])
                .finalize_non_root();
        }
        let left = left_subtree_len(len as u64) as usize;
        merge_subtrees_non_root(
            &self.subtree(buf, at, left),
            &self.subtree(buf, at + left, len - left),
            Mode::Hash,
        )
    }
}

/// An entry's length as kept: no entry of a real schema comes near 4 GiB.
fn entry_len(len: usize) -> Result<u32, CodecError> {
    u32::try_from(len).map_err(|_| CodecError::Encode(format!("a schema entry of {len} bytes")))
}

fn len_of(schema: &Schema, s: usize) -> usize {
    match s {
        TABLES => schema.tables.len(),
        INDEXES => schema.indexes.len(),
        VIEWS => schema.views.len(),
        TRIGGERS => schema.triggers.len(),
        _ => schema.definitions.len(),
    }
}

/// The keys of map `s` of `schema`, in order.
fn section_keys(schema: &Schema, s: usize) -> Box<dyn Iterator<Item = &String> + '_> {
    match s {
        TABLES => Box::new(schema.tables.keys()),
        INDEXES => Box::new(schema.indexes.keys()),
        VIEWS => Box::new(schema.views.keys()),
        TRIGGERS => Box::new(schema.triggers.keys()),
        _ => Box::new(schema.definitions.keys()),
    }
}

fn has(schema: &Schema, s: usize, key: &str) -> bool {
    match s {
        TABLES => schema.tables.contains_key(key),
        INDEXES => schema.indexes.contains_key(key),
        VIEWS => schema.views.contains_key(key),
        TRIGGERS => schema.triggers.contains_key(key),
        _ => schema.definitions.contains_key(key),
    }
}

impl Format {
    /// The bytes of the entry `key` of map `s` of `schema` (which has it):
    /// the key, then the value, in this format's layout, appended to `buf`.
    fn encode_entry(
        &self,
        schema: &Schema,
        s: usize,
        key: &str,
        buf: &mut Vec<u8>,
    ) -> Result<(), CodecError> {
        let missing = || CodecError::Encode(format!("no entry {key:?} to encode"));
        match s {
            TABLES => {
                let t = schema.tables.get(key).ok_or_else(missing)?;
                self.encode_table_entry(key, t, buf)
            }
            INDEXES => {
                let i = schema.indexes.get(key).ok_or_else(missing)?;
                self.encode_index_entry(key, i, buf)
            }
            VIEWS => encode_into(&(key, schema.views.get(key).ok_or_else(missing)?), buf),
            TRIGGERS => encode_into(&(key, schema.triggers.get(key).ok_or_else(missing)?), buf),
            _ => encode_into(
                &(key, schema.definitions.get(key).ok_or_else(missing)?),
                buf,
            ),
        }
    }
}

/// What a deep verify reports when the bytes it kept event by event are
/// not, at the end, the full encoding of the schema it replayed.
pub(crate) const DRIFTED: &str = "the schema's bytes kept event by event differ from its full encoding at the end of the replay: a fault of this strata's verify, not a sign of damage";

/// The fingerprints a deep verify checks, one per event, kept up as it
/// replays (the store's verify and the journal's share it).
pub(crate) struct DeepReplay {
    fingerprints: Fingerprints,
}

impl DeepReplay {
    /// From the empty schema.
    pub(crate) fn new(format: Format) -> Result<DeepReplay, CodecError> {
        Ok(DeepReplay {
            fingerprints: Fingerprints::new(format, &Schema::default())?,
        })
    }

    /// Replay the body of stored event `seq` onto `schema`.
    pub(crate) fn replay(
        &mut self,
        r: &dyn Rules,
        schema: &mut Schema,
        seq: u64,
        body: &Body,
    ) -> Result<(), ApplyError> {
        self.fingerprints.replay(r, schema, seq, body)
    }

    /// The fingerprint of `schema`, for an event that records `recorded`.
    /// One that differs is computed again from the full encoding (which
    /// the bytes kept start again from), so a fault in their bookkeeping
    /// never makes a good event look damaged.
    pub(crate) fn fingerprint(
        &mut self,
        schema: &Schema,
        recorded: &Hash,
    ) -> Result<Hash, CodecError> {
        let fp = self.fingerprints.fingerprint(schema)?;
        if fp == *recorded {
            return Ok(fp);
        }
        let full = self.fingerprints.format.fingerprint(schema)?;
        debug_assert_eq!(fp, full, "the kept bytes drifted from the schema's");
        if full != fp {
            self.fingerprints.reset(schema)?;
        }
        Ok(full)
    }

    /// Whether the bytes kept are still the full encoding of `schema`: a
    /// check, at the end, that no event was passed on bytes that were not
    /// the schema's.
    pub(crate) fn kept_up(&mut self, schema: &Schema) -> Result<bool, CodecError> {
        self.fingerprints.matches(schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Dialect;
    use crate::workload::{Rng, Workload};
    use proptest::prelude::*;
    use strata_dialect::sqlite::{arb, RULES};
    use strata_schema::{project, Column, PrimaryKey, Table};

    const V2: Format = Format::V2;
    const V3: Format = Format {
        version: 3,
        dialect: Dialect::Sqlite,
    };
    const V4: Format = Format {
        version: 4,
        dialect: Dialect::Sqlite,
    };
    const V5: Format = Format {
        version: 5,
        dialect: Dialect::Sqlite,
    };
    const V6: Format = Format::new(Dialect::Sqlite);

    /// The kept fingerprint and bytes are the full ones.
    fn assert_same(f: &mut Fingerprints, format: Format, schema: &Schema) {
        let full = format.encode_schema(schema);
        let fp = format.fingerprint(schema);
        assert_eq!(
            f.fingerprint(schema).map_err(|e| e.to_string()),
            fp.map_err(|e| e.to_string())
        );
        if let Ok(full) = full {
            assert_eq!(f.schema_bytes(schema).unwrap(), &full[..]);
        }
    }

    #[test]
    fn the_tree_hash_is_blake3() {
        let mut rng = Rng(5);
        let mut bytes = |n: usize| -> Vec<u8> { (0..n).map(|_| rng.next_u64() as u8).collect() };
        let lengths = [
            0,
            1,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            2 * BLOCK - 1,
            2 * BLOCK,
            2 * BLOCK + 1,
            3 * BLOCK + 1024,
            5 * BLOCK + 7,
            64 * BLOCK,
            171_000,
        ];
        for len in lengths {
            let mut buf = bytes(len);
            let mut tree = Tree::default();
            assert_eq!(tree.hash(&buf, 0), Hash(*blake3::hash(&buf).as_bytes()));
            // Changes from somewhere on, that grow or shrink the buffer or
            // keep its length.
            let mut rng = Rng(len as u64);
            for _ in 0..12 {
                let at = (rng.next_u64() as usize) % (buf.len() + 1);
                let old = (rng.next_u64() as usize % 300).min(buf.len() - at);
                let new = bytes(rng.next_u64() as usize % 300);
                buf.splice(at..at + old, new);
                assert_eq!(
                    tree.hash(&buf, at),
                    Hash(*blake3::hash(&buf).as_bytes()),
                    "{len} bytes, changed from {at}"
                );
                // Nothing changed.
                assert_eq!(
                    tree.hash(&buf, buf.len()),
                    Hash(*blake3::hash(&buf).as_bytes())
                );
            }
        }
    }

    #[test]
    fn golden_fingerprints() {
        let mut schema = Schema::default();
        schema.tables.insert(
            "users".into(),
            Table {
                name: "users".into(),
                columns: vec![Column::new("id", "integer"), Column::new("name", "text")],
                primary_key: Some(PrimaryKey {
                    name: None,
                    columns: vec!["id".into()],
                    ..PrimaryKey::default()
                }),
                options: vec!["autoincrement".into(), "strict".into()],
                ..Table::default()
            },
        );
        let mut f = Fingerprints::new(V4, &Schema::default()).unwrap();
        assert_eq!(
            f.fingerprint(&Schema::default()).unwrap(),
            V4.fingerprint(&Schema::default()).unwrap()
        );
        f.touch(
            RULES,
            &schema,
            &Op::CreateTable {
                table: schema.tables["users"].clone(),
            },
        );
        // The golden vector of format 4 (event.rs).
        assert_eq!(
            f.fingerprint(&schema).unwrap().to_string(),
            "5bace1d296d8bae249393b76a25fb72d79447d11a74152f57fd2946e60f282f5"
        );
        for format in [V2, V3, V4, V5, V6] {
            assert_same(
                &mut Fingerprints::new(format, &schema).unwrap(),
                format,
                &schema,
            );
        }
    }

    /// The benchmark's workload, to schemas of many blocks: every event's
    /// kept fingerprint is the full one, in every layout.
    #[test]
    fn a_long_workload_keeps_up() {
        for format in [V4, V2] {
            let mut w = Workload::new(400, 24);
            let mut rng = Rng(42);
            // A start of 8,000 ops, given as a baseline.
            let mut schema = Schema::default();
            for _ in 0..8000 {
                let op = w.next_op(&schema, rng.next_u64());
                project(RULES, &mut schema, &op).expect("fits");
            }
            let mut f = Fingerprints::new(format, &Schema::default()).unwrap();
            let body = Body::Baseline {
                schema: schema.clone(),
            };
            f.replay(RULES, &mut Schema::default(), 1, &body).unwrap();
            assert_same(&mut f, format, &schema);
            let mut most = 0;
            for seq in 2..=1000 {
                let mut before = schema.clone();
                let ops = (0..1 + rng.next_u64() % 3)
                    .map(|_| {
                        let op = w.next_op(&schema, rng.next_u64());
                        project(RULES, &mut schema, &op).expect("fits");
                        op
                    })
                    .collect::<Vec<_>>();
                let body = Body::Change {
                    ops,
                    revert_sql: None,
                };
                // Replayed from the schema before the event.
                f.replay(RULES, &mut before, seq, &body).expect("replays");
                assert_eq!(before, schema);
                assert_same(&mut f, format, &schema);
                most = most.max(f.buf.len());
            }
            assert!(most > 3 * BLOCK, "the schema reached {most} bytes");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// After any sequence of ops (every kind, renames carried into
        /// foreign keys, indexes, views and triggers), in events of one to
        /// three ops, with a baseline and a tag now and then, the kept
        /// fingerprint and bytes are the full ones, in every layout.
        #[test]
        fn any_ops_keep_up((start, ops) in arb::arb_ops(40), split in any::<u64>()) {
            for format in [V5, V4, V3, V2] {
                let mut schema = Schema::default();
                let mut f = Fingerprints::new(format, &schema).unwrap();
                let mut rng = Rng(split);
                f.replay(RULES, &mut schema, 1, &Body::Baseline { schema: start.clone() }).unwrap();
                assert_same(&mut f, format, &schema);
                let mut seq = 1;
                let mut rest = &ops[..];
                while !rest.is_empty() {
                    seq += 1;
                    let n = (1 + rng.next_u64() as usize % 3).min(rest.len());
                    let body = Body::Change { ops: rest[..n].to_vec(), revert_sql: None };
                    rest = &rest[n..];
                    f.replay(RULES, &mut schema, seq, &body).unwrap();
                    assert_same(&mut f, format, &schema);
                    if rng.next_u64() % 8 == 0 {
                        seq += 1;
                        let tag = Body::Tag { name: format!("t{seq}"), target: seq - 1 };
                        f.replay(RULES, &mut schema, seq, &tag).unwrap();
                        assert_same(&mut f, format, &schema);
                    }
                }
            }
        }
    }
}
