//! The bytes of format versions 2 to 5, frozen. Ledgers written in them
//! keep their bytes and hashes: their events and schemas are read through
//! these mirrors of the old layouts and converted, and what is written to
//! them (new events, fingerprints, snapshots) is written in their layout.
//!
//! What changed, version by version:
//!
//! - Up to 3, a table carried SQLite's options as two flags
//!   (`without_rowid`, `strict`) and its primary key an `autoincrement`
//!   flag ([`Table3`]); 4 keeps them as the dialect's list of options
//!   ([`Table::options`], [`Table4`]).
//! - Up to 4, a column had no identity ([`Column4`]), an index no access
//!   method or included columns ([`Index4`]), a schema no definitions, and
//!   the ops ended with `alter_table_options` (3: with `data`).
//! - Up to 5, a column had no identity options ([`Column5`]), a primary
//!   key and a unique constraint were a name and columns ([`Key5`]) and a
//!   foreign key had no `deferrable` ([`ForeignKey5`]); the ops ended with
//!   `replace_definition` ([`Table5`]).
//!
//! One generic mirror serves every old version: the events, bodies, ops
//! and schemas are generic over the table layout ([`OldTable`]), which
//! names the version's column and index layouts and whether it has the
//! ops and the map that came in 4 and 5. Checks, views, triggers,
//! definitions, generated columns, indexed columns and (in 5) indexes are
//! the model's own, unchanged since; when one changes, its old layout is
//! frozen here.
//!
//! Nothing here may change: these types are the old formats.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use strata_schema::{
    Check, Column, Definition, DefinitionKind, FkAction, ForeignKey, Generated, Identity, Index,
    IndexedColumn, Op, PrimaryKey, Schema, Table, Trigger, Unique, View,
};

use crate::event::{encode_into, Body, CodecError, Event, Origin};
use crate::hash::Hash;
use crate::timestamp::Timestamp;

/// The SQLite options the layout of 2 and 3 has flags for.
const AUTOINCREMENT: &str = "autoincrement";
const STRICT: &str = "strict";
const WITHOUT_ROWID: &str = "without_rowid";

/// An event of versions 2 and 3.
#[derive(Serialize, Deserialize)]
pub(crate) struct Event3 {
    seq: u64,
    prev: Hash,
    at: Timestamp,
    author: String,
    message: String,
    body: BodyOld<Table3>,
    fingerprint: Hash,
}

/// An event of versions 4 and 5, tables laid out as `T`.
#[derive(Serialize, Deserialize)]
#[serde(bound = "T: OldTable")]
pub(crate) struct EventOld<T: OldTable> {
    seq: u64,
    prev: Hash,
    at: Timestamp,
    author: String,
    message: String,
    body: BodyOld<T>,
    fingerprint: Hash,
    origin: Option<Origin>,
}

/// An event of version 4.
pub(crate) type Event4 = EventOld<Table4>;
/// An event of version 5.
pub(crate) type Event5 = EventOld<Table5>;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", bound = "T: OldTable")]
enum BodyOld<T: OldTable> {
    Change {
        ops: Vec<OpOld<T>>,
        revert_sql: Option<String>,
    },
    Revert {
        of: Vec<u64>,
        ops: Vec<OpOld<T>>,
    },
    Baseline {
        schema: SchemaOld<T>,
    },
    Tag {
        name: String,
        target: u64,
    },
}

/// The ops of versions 2 to 5, tables laid out as `T`. The versions that
/// lack an op ([`has_op`]) refuse it, written or read.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", bound = "T: OldTable")]
enum OpOld<T: OldTable> {
    CreateTable {
        table: T,
    },
    DropTable {
        table: T,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: T::Column,
        position: u32,
    },
    DropColumn {
        table: String,
        column: T::Column,
        position: u32,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumn {
        table: String,
        from: T::Column,
        to: T::Column,
    },
    CreateIndex {
        index: T::Index,
    },
    DropIndex {
        index: T::Index,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey5,
        position: u32,
    },
    DropForeignKey {
        table: String,
        foreign_key: ForeignKey5,
        position: u32,
    },
    AddUnique {
        table: String,
        unique: Key5,
        position: u32,
    },
    DropUnique {
        table: String,
        unique: Key5,
        position: u32,
    },
    AddCheck {
        table: String,
        check: Check,
        position: u32,
    },
    DropCheck {
        table: String,
        check: Check,
        position: u32,
    },
    CreateView {
        view: View,
    },
    DropView {
        view: View,
    },
    CreateTrigger {
        trigger: Trigger,
    },
    DropTrigger {
        trigger: Trigger,
    },
    Data {
        sql: String,
    },
    /// 4 and 5.
    AlterTableOptions {
        table: String,
        from: Vec<String>,
        to: Vec<String>,
    },
    /// 5, from here on.
    AddPrimaryKey {
        table: String,
        primary_key: Key5,
    },
    DropPrimaryKey {
        table: String,
        primary_key: Key5,
    },
    CreateDefinition {
        definition: Definition,
    },
    DropDefinition {
        definition: Definition,
    },
    ReplaceDefinition {
        from: Definition,
        to: Definition,
    },
}

/// A schema of versions 2 to 5: four maps, and in 5 a fifth, the
/// definitions.
#[derive(Serialize, Deserialize)]
#[serde(bound = "T: OldTable")]
pub(crate) struct SchemaOld<T: OldTable> {
    tables: BTreeMap<String, T>,
    indexes: BTreeMap<String, T::Index>,
    views: BTreeMap<String, View>,
    triggers: BTreeMap<String, Trigger>,
    definitions: Definitions<T>,
}

/// A schema of versions 2 and 3.
pub(crate) type Schema3 = SchemaOld<Table3>;
/// A schema of version 4.
pub(crate) type Schema4 = SchemaOld<Table4>;
/// A schema of version 5.
pub(crate) type Schema5 = SchemaOld<Table5>;

/// A schema's definitions in a layout that has them (5); in one that does
/// not, nothing: a unit, which bincode writes as no bytes.
struct Definitions<T>(BTreeMap<String, Definition>, PhantomData<T>);

impl<T: OldTable> Serialize for Definitions<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if T::ADDED_IN_5 {
            self.0.serialize(s)
        } else {
            s.serialize_unit()
        }
    }
}

impl<'de, T: OldTable> Deserialize<'de> for Definitions<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = if T::ADDED_IN_5 {
            BTreeMap::deserialize(d)?
        } else {
            <()>::deserialize(d)?;
            BTreeMap::new()
        };
        Ok(Definitions(map, PhantomData))
    }
}

/// A column of versions 2 to 4.
#[derive(Serialize, Deserialize)]
pub(crate) struct Column4 {
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    collation: Option<String>,
    generated: Option<Generated>,
}

/// A column of version 5: its identity, without the identity's options.
#[derive(Serialize, Deserialize)]
pub(crate) struct Column5 {
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    collation: Option<String>,
    generated: Option<Generated>,
    identity: Option<Identity>,
}

/// An index of versions 2 to 4 (5's is the model's).
#[derive(Serialize, Deserialize)]
pub(crate) struct Index4 {
    name: String,
    table: String,
    unique: bool,
    columns: Vec<IndexedColumn>,
    predicate: Option<String>,
}

/// A unique constraint of versions 2 to 5, and a primary key of 4 and 5:
/// a name and columns, no deferral.
#[derive(Serialize, Deserialize)]
pub(crate) struct Key5 {
    name: Option<String>,
    columns: Vec<String>,
}

/// A foreign key of versions 2 to 5: no `deferrable`.
#[derive(Serialize, Deserialize)]
pub(crate) struct ForeignKey5 {
    name: Option<String>,
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_delete: FkAction,
    on_update: FkAction,
    deferred: bool,
}

/// A table of versions 2 and 3.
#[derive(Serialize, Deserialize)]
pub(crate) struct Table3 {
    name: String,
    columns: Vec<Column4>,
    primary_key: Option<PrimaryKey3>,
    uniques: Vec<Key5>,
    checks: Vec<Check>,
    foreign_keys: Vec<ForeignKey5>,
    without_rowid: bool,
    strict: bool,
}

#[derive(Serialize, Deserialize)]
struct PrimaryKey3 {
    name: Option<String>,
    columns: Vec<String>,
    autoincrement: bool,
}

/// A table of versions 4 and 5, its columns laid out as `C`.
#[derive(Serialize, Deserialize)]
pub(crate) struct TableOld<C> {
    name: String,
    columns: Vec<C>,
    primary_key: Option<Key5>,
    uniques: Vec<Key5>,
    checks: Vec<Check>,
    foreign_keys: Vec<ForeignKey5>,
    options: Vec<String>,
}

/// A table of version 4.
pub(crate) type Table4 = TableOld<Column4>;
/// A table of version 5.
pub(crate) type Table5 = TableOld<Column5>;

/// A part of the model (`M`: a table, a column, a key) in an old layout.
pub(crate) trait OldPart<M>: Serialize + DeserializeOwned + Into<M> {
    /// `m` in the layout, which the version's checks have accepted.
    fn copy(m: &M) -> Self;
    /// `m` written in the layout without a copy, which the version's checks
    /// have accepted.
    fn serialize_ref<S: Serializer>(m: &M, s: S) -> Result<S::Ok, S::Error>;
}

/// A table layout of an old version, and with it what else the version
/// lays out its own way and which ops and maps it has.
pub(crate) trait OldTable: OldPart<Table> {
    type Column: OldPart<Column>;
    type Index: OldPart<Index>;
    /// The versions that lay tables out so, for messages.
    const VERSIONS: &'static str;
    /// Whether those versions have the op `alter_table_options`.
    const OPTIONS_OP: bool;
    /// Whether they have what 5 added: definitions (the map and the ops),
    /// identity columns, indexes' access methods and included columns,
    /// and the primary-key ops.
    const ADDED_IN_5: bool;
    /// Checks what only the table's layout decides ([`check_table`]
    /// checks the rest).
    fn check_layout(_t: &Table) -> Result<(), CodecError> {
        Ok(())
    }
}

fn cannot_hold(what: String, versions: &str) -> CodecError {
    CodecError::Encode(format!(
        "{what}, which format versions {versions} cannot hold"
    ))
}

/// Checks that `t` fits layout `T`.
pub(crate) fn check_table<T: OldTable>(t: &Table) -> Result<(), CodecError> {
    T::check_layout(t)?;
    for c in &t.columns {
        check_column::<T>(&t.name, c)?;
    }
    if let Some(pk) = &t.primary_key {
        check_primary_key::<T>(&t.name, pk)?;
    }
    for u in &t.uniques {
        check_unique::<T>(&t.name, u)?;
    }
    for f in &t.foreign_keys {
        check_foreign_key::<T>(&t.name, f)?;
    }
    Ok(())
}

/// No identity before 5, no identity options before 6.
fn check_column<T: OldTable>(table: &str, c: &Column) -> Result<(), CodecError> {
    if c.identity.is_some() && !T::ADDED_IN_5 {
        return Err(cannot_hold(
            format!("column {table}.{} is an identity column", c.name),
            T::VERSIONS,
        ));
    }
    if c.identity_options.is_some() {
        return Err(cannot_hold(
            format!("column {table}.{} has identity options", c.name),
            T::VERSIONS,
        ));
    }
    Ok(())
}

/// No deferrable primary key before 6.
fn check_primary_key<T: OldTable>(table: &str, k: &PrimaryKey) -> Result<(), CodecError> {
    if k.deferred || k.deferrable {
        return Err(cannot_hold(
            format!("the primary key of table {table} is deferrable"),
            T::VERSIONS,
        ));
    }
    Ok(())
}

/// A constraint by its name, or by its columns when it has none.
fn constraint_label(name: &Option<String>, columns: &[String]) -> String {
    match name {
        Some(name) => name.clone(),
        None => format!("({})", columns.join(", ")),
    }
}

/// No deferrable unique constraint before 6.
fn check_unique<T: OldTable>(table: &str, u: &Unique) -> Result<(), CodecError> {
    if u.deferred || u.deferrable {
        return Err(cannot_hold(
            format!(
                "unique constraint {} of table {table} is deferrable",
                constraint_label(&u.name, &u.columns)
            ),
            T::VERSIONS,
        ));
    }
    Ok(())
}

/// No foreign key DEFERRABLE INITIALLY IMMEDIATE before 6 (INITIALLY
/// DEFERRED was there from the first).
fn check_foreign_key<T: OldTable>(table: &str, f: &ForeignKey) -> Result<(), CodecError> {
    if f.deferrable {
        return Err(cannot_hold(
            format!(
                "foreign key {} of table {table} is DEFERRABLE INITIALLY IMMEDIATE",
                constraint_label(&f.name, &f.columns)
            ),
            T::VERSIONS,
        ));
    }
    Ok(())
}

/// No access method or included columns before 5.
fn check_index<T: OldTable>(i: &Index) -> Result<(), CodecError> {
    if T::ADDED_IN_5 {
        return Ok(());
    }
    if let Some(m) = &i.method {
        return Err(cannot_hold(
            format!("index {} uses the access method {m}", i.name),
            T::VERSIONS,
        ));
    }
    if !i.include.is_empty() {
        return Err(cannot_hold(
            format!("index {} includes columns (INCLUDE)", i.name),
            T::VERSIONS,
        ));
    }
    Ok(())
}

/// Checks that every part of `schema` fits layout `T`.
fn check_schema<T: OldTable>(schema: &Schema) -> Result<(), CodecError> {
    if let Some(d) = schema
        .definitions
        .values()
        .find(|d| !T::ADDED_IN_5 || !in_5(d))
    {
        return Err(cannot_hold(
            format!("the schema has the {} {}", d.kind.describe(), d.name),
            T::VERSIONS,
        ));
    }
    schema.tables.values().try_for_each(check_table::<T>)?;
    schema.indexes.values().try_for_each(check_index::<T>)
}

/// Whether format 5 has definitions of `d`'s kind: a sequence's ownership
/// came in 6.
fn in_5(d: &Definition) -> bool {
    d.kind != DefinitionKind::Ownership
}

/// The definition `d`, which layout `T` must have the kind of.
fn definition<T: OldTable>(d: &Definition) -> Result<Definition, CodecError> {
    if in_5(d) {
        Ok(d.clone())
    } else {
        Err(cannot_hold(
            format!("the {} {}", d.kind.describe(), d.name),
            T::VERSIONS,
        ))
    }
}

/// Whether the versions of layout `T` have the op's kind.
fn has_op<T: OldTable>(op: &Op) -> bool {
    match op {
        Op::AlterTableOptions { .. } => T::OPTIONS_OP,
        Op::AddPrimaryKey { .. }
        | Op::DropPrimaryKey { .. }
        | Op::CreateDefinition { .. }
        | Op::DropDefinition { .. }
        | Op::ReplaceDefinition { .. } => T::ADDED_IN_5,
        _ => true,
    }
}

/// A schema's bytes in layout `T`, into `buf`, without a copy.
pub(crate) fn encode_schema_into<T: OldTable>(
    schema: &Schema,
    buf: &mut Vec<u8>,
) -> Result<(), CodecError> {
    check_schema::<T>(schema)?;
    encode_into(&SchemaRef::<T>(schema, PhantomData), buf)
}

/// The bytes of one entry of a schema's tables in layout `T`, appended to
/// `buf`.
pub(crate) fn encode_table_entry<T: OldTable>(
    key: &str,
    table: &Table,
    buf: &mut Vec<u8>,
) -> Result<(), CodecError> {
    check_table::<T>(table)?;
    encode_into(&(key, Ref::<_, T>::new(table)), buf)
}

/// The bytes of one entry of a schema's indexes in layout `T`, appended
/// to `buf`.
pub(crate) fn encode_index_entry<T: OldTable>(
    key: &str,
    index: &Index,
    buf: &mut Vec<u8>,
) -> Result<(), CodecError> {
    check_index::<T>(index)?;
    encode_into(&(key, Ref::<_, T::Index>::new(index)), buf)
}

/// A part of the model written in the old layout `P` without a copy.
struct Ref<'a, M, P>(&'a M, PhantomData<P>);

impl<'a, M, P> Ref<'a, M, P> {
    fn new(m: &'a M) -> Self {
        Ref(m, PhantomData)
    }
}

impl<M, P: OldPart<M>> Serialize for Ref<'_, M, P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        P::serialize_ref(self.0, s)
    }
}

/// A list of parts of the model written in the old layout `P` without a
/// copy.
struct Refs<'a, M, P>(&'a [M], PhantomData<P>);

impl<'a, M, P> Refs<'a, M, P> {
    fn new(m: &'a [M]) -> Self {
        Refs(m, PhantomData)
    }
}

impl<M, P: OldPart<M>> Serialize for Refs<'_, M, P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for m in self.0 {
            seq.serialize_element(&Ref::<M, P>::new(m))?;
        }
        seq.end()
    }
}

/// A map of parts of the model written in the old layout `P` without a
/// copy.
struct MapRef<'a, M, P>(&'a BTreeMap<String, M>, PhantomData<P>);

impl<M, P: OldPart<M>> Serialize for MapRef<'_, M, P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, m)| (k, Ref::<M, P>::new(m))))
    }
}

/// A schema in layout `T`, written from the model's without a copy (the
/// caller has checked it with [`check_schema`]).
struct SchemaRef<'a, T>(&'a Schema, PhantomData<T>);

impl<T: OldTable> Serialize for SchemaRef<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let schema = self.0;
        let mut st = s.serialize_struct("Schema", if T::ADDED_IN_5 { 5 } else { 4 })?;
        st.serialize_field("tables", &MapRef::<_, T>(&schema.tables, PhantomData))?;
        st.serialize_field(
            "indexes",
            &MapRef::<_, T::Index>(&schema.indexes, PhantomData),
        )?;
        st.serialize_field("views", &schema.views)?;
        st.serialize_field("triggers", &schema.triggers)?;
        if T::ADDED_IN_5 {
            st.serialize_field("definitions", &schema.definitions)?;
        }
        st.end()
    }
}

impl From<Column4> for Column {
    fn from(c: Column4) -> Column {
        Column {
            name: c.name,
            ty: c.ty,
            not_null: c.not_null,
            default: c.default,
            collation: c.collation,
            generated: c.generated,
            identity: None,
            identity_options: None,
        }
    }
}

impl OldPart<Column> for Column4 {
    fn copy(c: &Column) -> Column4 {
        Column4 {
            name: c.name.clone(),
            ty: c.ty.clone(),
            not_null: c.not_null,
            default: c.default.clone(),
            collation: c.collation.clone(),
            generated: c.generated.clone(),
        }
    }

    fn serialize_ref<S: Serializer>(c: &Column, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Column", 6)?;
        st.serialize_field("name", &c.name)?;
        st.serialize_field("ty", &c.ty)?;
        st.serialize_field("not_null", &c.not_null)?;
        st.serialize_field("default", &c.default)?;
        st.serialize_field("collation", &c.collation)?;
        st.serialize_field("generated", &c.generated)?;
        st.end()
    }
}

impl From<Column5> for Column {
    fn from(c: Column5) -> Column {
        Column {
            name: c.name,
            ty: c.ty,
            not_null: c.not_null,
            default: c.default,
            collation: c.collation,
            generated: c.generated,
            identity: c.identity,
            identity_options: None,
        }
    }
}

impl OldPart<Column> for Column5 {
    fn copy(c: &Column) -> Column5 {
        Column5 {
            name: c.name.clone(),
            ty: c.ty.clone(),
            not_null: c.not_null,
            default: c.default.clone(),
            collation: c.collation.clone(),
            generated: c.generated.clone(),
            identity: c.identity,
        }
    }

    fn serialize_ref<S: Serializer>(c: &Column, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Column", 7)?;
        st.serialize_field("name", &c.name)?;
        st.serialize_field("ty", &c.ty)?;
        st.serialize_field("not_null", &c.not_null)?;
        st.serialize_field("default", &c.default)?;
        st.serialize_field("collation", &c.collation)?;
        st.serialize_field("generated", &c.generated)?;
        st.serialize_field("identity", &c.identity)?;
        st.end()
    }
}

impl From<Index4> for Index {
    fn from(i: Index4) -> Index {
        Index {
            name: i.name,
            table: i.table,
            unique: i.unique,
            columns: i.columns,
            predicate: i.predicate,
            method: None,
            include: Vec::new(),
        }
    }
}

impl OldPart<Index> for Index4 {
    fn copy(i: &Index) -> Index4 {
        Index4 {
            name: i.name.clone(),
            table: i.table.clone(),
            unique: i.unique,
            columns: i.columns.clone(),
            predicate: i.predicate.clone(),
        }
    }

    fn serialize_ref<S: Serializer>(i: &Index, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Index", 5)?;
        st.serialize_field("name", &i.name)?;
        st.serialize_field("table", &i.table)?;
        st.serialize_field("unique", &i.unique)?;
        st.serialize_field("columns", &i.columns)?;
        st.serialize_field("predicate", &i.predicate)?;
        st.end()
    }
}

/// Version 5's index is the model's, unchanged since.
impl OldPart<Index> for Index {
    fn copy(i: &Index) -> Index {
        i.clone()
    }

    fn serialize_ref<S: Serializer>(i: &Index, s: S) -> Result<S::Ok, S::Error> {
        i.serialize(s)
    }
}

impl From<Key5> for PrimaryKey {
    fn from(k: Key5) -> PrimaryKey {
        PrimaryKey {
            name: k.name,
            columns: k.columns,
            deferred: false,
            deferrable: false,
        }
    }
}

impl From<Key5> for Unique {
    fn from(k: Key5) -> Unique {
        Unique {
            name: k.name,
            columns: k.columns,
            deferred: false,
            deferrable: false,
        }
    }
}

/// A key's name and columns, as [`Key5`] writes them.
fn serialize_key<S: Serializer>(
    name: &Option<String>,
    columns: &[String],
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut st = s.serialize_struct("Key", 2)?;
    st.serialize_field("name", name)?;
    st.serialize_field("columns", columns)?;
    st.end()
}

impl OldPart<PrimaryKey> for Key5 {
    fn copy(k: &PrimaryKey) -> Key5 {
        Key5 {
            name: k.name.clone(),
            columns: k.columns.clone(),
        }
    }

    fn serialize_ref<S: Serializer>(k: &PrimaryKey, s: S) -> Result<S::Ok, S::Error> {
        serialize_key(&k.name, &k.columns, s)
    }
}

impl OldPart<Unique> for Key5 {
    fn copy(u: &Unique) -> Key5 {
        Key5 {
            name: u.name.clone(),
            columns: u.columns.clone(),
        }
    }

    fn serialize_ref<S: Serializer>(u: &Unique, s: S) -> Result<S::Ok, S::Error> {
        serialize_key(&u.name, &u.columns, s)
    }
}

impl From<ForeignKey5> for ForeignKey {
    fn from(f: ForeignKey5) -> ForeignKey {
        ForeignKey {
            name: f.name,
            columns: f.columns,
            ref_table: f.ref_table,
            ref_columns: f.ref_columns,
            on_delete: f.on_delete,
            on_update: f.on_update,
            deferred: f.deferred,
            deferrable: false,
        }
    }
}

impl OldPart<ForeignKey> for ForeignKey5 {
    fn copy(f: &ForeignKey) -> ForeignKey5 {
        ForeignKey5 {
            name: f.name.clone(),
            columns: f.columns.clone(),
            ref_table: f.ref_table.clone(),
            ref_columns: f.ref_columns.clone(),
            on_delete: f.on_delete,
            on_update: f.on_update,
            deferred: f.deferred,
        }
    }

    fn serialize_ref<S: Serializer>(f: &ForeignKey, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ForeignKey", 7)?;
        st.serialize_field("name", &f.name)?;
        st.serialize_field("columns", &f.columns)?;
        st.serialize_field("ref_table", &f.ref_table)?;
        st.serialize_field("ref_columns", &f.ref_columns)?;
        st.serialize_field("on_delete", &f.on_delete)?;
        st.serialize_field("on_update", &f.on_update)?;
        st.serialize_field("deferred", &f.deferred)?;
        st.end()
    }
}

/// A list of the model's `M` copied into the old layout `P`.
fn copies<M, P: OldPart<M>>(ms: &[M]) -> Vec<P> {
    ms.iter().map(P::copy).collect()
}

/// A list of old `P`s converted into the model's `M`.
fn models<M, P: Into<M>>(ps: Vec<P>) -> Vec<M> {
    ps.into_iter().map(Into::into).collect()
}

impl From<Table3> for Table {
    fn from(t: Table3) -> Table {
        let autoincrement = t.primary_key.as_ref().is_some_and(|pk| pk.autoincrement);
        let mut table = Table {
            name: t.name,
            columns: models(t.columns),
            primary_key: t.primary_key.map(|pk| PrimaryKey {
                name: pk.name,
                columns: pk.columns,
                ..PrimaryKey::default()
            }),
            uniques: models(t.uniques),
            checks: t.checks,
            foreign_keys: models(t.foreign_keys),
            options: Vec::new(),
        };
        table.set_option(AUTOINCREMENT, autoincrement);
        table.set_option(STRICT, t.strict);
        table.set_option(WITHOUT_ROWID, t.without_rowid);
        table
    }
}

struct PrimaryKey3Ref<'a>(&'a PrimaryKey, bool);

impl Serialize for PrimaryKey3Ref<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("PrimaryKey", 3)?;
        st.serialize_field("name", &self.0.name)?;
        st.serialize_field("columns", &self.0.columns)?;
        st.serialize_field("autoincrement", &self.1)?;
        st.end()
    }
}

impl OldPart<Table> for Table3 {
    fn copy(t: &Table) -> Table3 {
        Table3 {
            name: t.name.clone(),
            columns: copies(&t.columns),
            primary_key: t.primary_key.as_ref().map(|pk| PrimaryKey3 {
                name: pk.name.clone(),
                columns: pk.columns.clone(),
                autoincrement: t.has_option(AUTOINCREMENT),
            }),
            uniques: copies(&t.uniques),
            checks: t.checks.clone(),
            foreign_keys: copies(&t.foreign_keys),
            without_rowid: t.has_option(WITHOUT_ROWID),
            strict: t.has_option(STRICT),
        }
    }

    fn serialize_ref<S: Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
        let autoincrement = t.has_option(AUTOINCREMENT);
        let mut st = s.serialize_struct("Table", 8)?;
        st.serialize_field("name", &t.name)?;
        st.serialize_field("columns", &Refs::<_, Column4>::new(&t.columns))?;
        st.serialize_field(
            "primary_key",
            &t.primary_key
                .as_ref()
                .map(|pk| PrimaryKey3Ref(pk, autoincrement)),
        )?;
        st.serialize_field("uniques", &Refs::<_, Key5>::new(&t.uniques))?;
        st.serialize_field("checks", &t.checks)?;
        st.serialize_field(
            "foreign_keys",
            &Refs::<_, ForeignKey5>::new(&t.foreign_keys),
        )?;
        st.serialize_field("without_rowid", &t.has_option(WITHOUT_ROWID))?;
        st.serialize_field("strict", &t.has_option(STRICT))?;
        st.end()
    }
}

impl OldTable for Table3 {
    type Column = Column4;
    type Index = Index4;
    const VERSIONS: &'static str = "2 and 3";
    const OPTIONS_OP: bool = false;
    const ADDED_IN_5: bool = false;

    /// SQLite's three options only, and AUTOINCREMENT only with a primary
    /// key.
    fn check_layout(t: &Table) -> Result<(), CodecError> {
        let known = [AUTOINCREMENT, STRICT, WITHOUT_ROWID];
        if let Some(o) = t.options.iter().find(|o| !known.contains(&o.as_str())) {
            return Err(cannot_hold(
                format!("table {} has the option {o:?}", t.name),
                Self::VERSIONS,
            ));
        }
        if t.has_option(AUTOINCREMENT) && t.primary_key.is_none() {
            return Err(cannot_hold(
                format!("table {} is AUTOINCREMENT without a primary key", t.name),
                Self::VERSIONS,
            ));
        }
        Ok(())
    }
}

impl<C: OldPart<Column>> From<TableOld<C>> for Table {
    fn from(t: TableOld<C>) -> Table {
        Table {
            name: t.name,
            columns: models(t.columns),
            primary_key: t.primary_key.map(Into::into),
            uniques: models(t.uniques),
            checks: t.checks,
            foreign_keys: models(t.foreign_keys),
            options: t.options,
        }
    }
}

impl<C: OldPart<Column>> OldPart<Table> for TableOld<C> {
    fn copy(t: &Table) -> TableOld<C> {
        TableOld {
            name: t.name.clone(),
            columns: copies(&t.columns),
            primary_key: t.primary_key.as_ref().map(Key5::copy),
            uniques: copies(&t.uniques),
            checks: t.checks.clone(),
            foreign_keys: copies(&t.foreign_keys),
            options: t.options.clone(),
        }
    }

    fn serialize_ref<S: Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Table", 7)?;
        st.serialize_field("name", &t.name)?;
        st.serialize_field("columns", &Refs::<_, C>::new(&t.columns))?;
        st.serialize_field(
            "primary_key",
            &t.primary_key.as_ref().map(Ref::<_, Key5>::new),
        )?;
        st.serialize_field("uniques", &Refs::<_, Key5>::new(&t.uniques))?;
        st.serialize_field("checks", &t.checks)?;
        st.serialize_field(
            "foreign_keys",
            &Refs::<_, ForeignKey5>::new(&t.foreign_keys),
        )?;
        st.serialize_field("options", &t.options)?;
        st.end()
    }
}

impl OldTable for Table4 {
    type Column = Column4;
    type Index = Index4;
    const VERSIONS: &'static str = "2 to 4";
    const OPTIONS_OP: bool = true;
    const ADDED_IN_5: bool = false;
}

impl OldTable for Table5 {
    type Column = Column5;
    type Index = Index;
    const VERSIONS: &'static str = "2 to 5";
    const OPTIONS_OP: bool = true;
    const ADDED_IN_5: bool = true;
}

impl<T: OldTable> From<SchemaOld<T>> for Schema {
    fn from(s: SchemaOld<T>) -> Schema {
        Schema {
            tables: s.tables.into_iter().map(|(k, t)| (k, t.into())).collect(),
            indexes: s.indexes.into_iter().map(|(k, i)| (k, i.into())).collect(),
            views: s.views,
            triggers: s.triggers,
            definitions: s.definitions.0,
        }
    }
}

fn schema_old<T: OldTable>(schema: &Schema) -> Result<SchemaOld<T>, CodecError> {
    check_schema::<T>(schema)?;
    Ok(SchemaOld {
        tables: schema
            .tables
            .iter()
            .map(|(k, t)| (k.clone(), T::copy(t)))
            .collect(),
        indexes: schema
            .indexes
            .iter()
            .map(|(k, i)| (k.clone(), T::Index::copy(i)))
            .collect(),
        views: schema.views.clone(),
        triggers: schema.triggers.clone(),
        definitions: Definitions(schema.definitions.clone(), PhantomData),
    })
}

fn body_old<T: OldTable>(body: &Body) -> Result<BodyOld<T>, CodecError> {
    let ops = |ops: &[Op]| ops.iter().map(op_old::<T>).collect::<Result<Vec<_>, _>>();
    Ok(match body {
        Body::Change { ops: o, revert_sql } => BodyOld::Change {
            ops: ops(o)?,
            revert_sql: revert_sql.clone(),
        },
        Body::Revert { of, ops: o } => BodyOld::Revert {
            of: of.clone(),
            ops: ops(o)?,
        },
        Body::Baseline { schema } => BodyOld::Baseline {
            schema: schema_old::<T>(schema)?,
        },
        Body::Tag { name, target } => BodyOld::Tag {
            name: name.clone(),
            target: *target,
        },
    })
}

fn body_from_old<T: OldTable>(b: BodyOld<T>) -> Result<Body, CodecError> {
    let ops = |ops: Vec<OpOld<T>>| ops.into_iter().map(op_from_old).collect::<Result<_, _>>();
    Ok(match b {
        BodyOld::Change { ops: o, revert_sql } => Body::Change {
            ops: ops(o)?,
            revert_sql,
        },
        BodyOld::Revert { of, ops: o } => Body::Revert { of, ops: ops(o)? },
        BodyOld::Baseline { schema } => Body::Baseline {
            schema: schema.into(),
        },
        BodyOld::Tag { name, target } => Body::Tag { name, target },
    })
}

impl TryFrom<Event3> for Event {
    type Error = CodecError;

    fn try_from(e: Event3) -> Result<Event, CodecError> {
        Ok(Event {
            seq: e.seq,
            prev: e.prev,
            at: e.at,
            author: e.author,
            message: e.message,
            body: body_from_old(e.body)?,
            fingerprint: e.fingerprint,
            origin: None,
        })
    }
}

impl<T: OldTable> TryFrom<EventOld<T>> for Event {
    type Error = CodecError;

    fn try_from(e: EventOld<T>) -> Result<Event, CodecError> {
        Ok(Event {
            seq: e.seq,
            prev: e.prev,
            at: e.at,
            author: e.author,
            message: e.message,
            body: body_from_old(e.body)?,
            fingerprint: e.fingerprint,
            origin: e.origin,
        })
    }
}

/// An event in the layout of 2 and 3. Events are small, so this copies.
pub(crate) fn event3(e: &Event) -> Result<Event3, CodecError> {
    if e.origin.is_some() {
        return Err(cannot_hold(
            format!("event {} was rebased", e.seq),
            Table3::VERSIONS,
        ));
    }
    Ok(Event3 {
        seq: e.seq,
        prev: e.prev,
        at: e.at,
        author: e.author.clone(),
        message: e.message.clone(),
        body: body_old(&e.body)?,
        fingerprint: e.fingerprint,
    })
}

/// An event in the layout of 4 or 5.
pub(crate) fn event_old<T: OldTable>(e: &Event) -> Result<EventOld<T>, CodecError> {
    Ok(EventOld {
        seq: e.seq,
        prev: e.prev,
        at: e.at,
        author: e.author.clone(),
        message: e.message.clone(),
        body: body_old(&e.body)?,
        fingerprint: e.fingerprint,
        origin: e.origin.clone(),
    })
}

fn op_old<T: OldTable>(op: &Op) -> Result<OpOld<T>, CodecError> {
    if !has_op::<T>(op) {
        return Err(cannot_hold(
            format!("an op of kind {}", op.kind()),
            T::VERSIONS,
        ));
    }
    let table = |t: &Table| check_table::<T>(t).map(|()| T::copy(t));
    let column = |table: &str, c: &Column| check_column::<T>(table, c).map(|()| T::Column::copy(c));
    let index = |i: &Index| check_index::<T>(i).map(|()| T::Index::copy(i));
    let primary_key =
        |table: &str, k: &PrimaryKey| check_primary_key::<T>(table, k).map(|()| Key5::copy(k));
    let unique = |table: &str, u: &Unique| check_unique::<T>(table, u).map(|()| Key5::copy(u));
    let foreign_key = |table: &str, f: &ForeignKey| {
        check_foreign_key::<T>(table, f).map(|()| ForeignKey5::copy(f))
    };
    Ok(match op {
        Op::CreateTable { table: t } => OpOld::CreateTable { table: table(t)? },
        Op::DropTable { table: t } => OpOld::DropTable { table: table(t)? },
        Op::RenameTable { from, to } => OpOld::RenameTable {
            from: from.clone(),
            to: to.clone(),
        },
        Op::AddColumn {
            table: t,
            column: c,
            position,
        } => OpOld::AddColumn {
            table: t.clone(),
            column: column(t, c)?,
            position: *position,
        },
        Op::DropColumn {
            table: t,
            column: c,
            position,
        } => OpOld::DropColumn {
            table: t.clone(),
            column: column(t, c)?,
            position: *position,
        },
        Op::RenameColumn { table, from, to } => OpOld::RenameColumn {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        },
        Op::AlterColumn { table: t, from, to } => OpOld::AlterColumn {
            table: t.clone(),
            from: column(t, from)?,
            to: column(t, to)?,
        },
        Op::CreateIndex { index: i } => OpOld::CreateIndex { index: index(i)? },
        Op::DropIndex { index: i } => OpOld::DropIndex { index: index(i)? },
        Op::AddForeignKey {
            table,
            foreign_key: f,
            position,
        } => OpOld::AddForeignKey {
            table: table.clone(),
            foreign_key: foreign_key(table, f)?,
            position: *position,
        },
        Op::DropForeignKey {
            table,
            foreign_key: f,
            position,
        } => OpOld::DropForeignKey {
            table: table.clone(),
            foreign_key: foreign_key(table, f)?,
            position: *position,
        },
        Op::AddUnique {
            table,
            unique: u,
            position,
        } => OpOld::AddUnique {
            table: table.clone(),
            unique: unique(table, u)?,
            position: *position,
        },
        Op::DropUnique {
            table,
            unique: u,
            position,
        } => OpOld::DropUnique {
            table: table.clone(),
            unique: unique(table, u)?,
            position: *position,
        },
        Op::AddCheck {
            table,
            check,
            position,
        } => OpOld::AddCheck {
            table: table.clone(),
            check: check.clone(),
            position: *position,
        },
        Op::DropCheck {
            table,
            check,
            position,
        } => OpOld::DropCheck {
            table: table.clone(),
            check: check.clone(),
            position: *position,
        },
        Op::CreateView { view } => OpOld::CreateView { view: view.clone() },
        Op::DropView { view } => OpOld::DropView { view: view.clone() },
        Op::CreateTrigger { trigger } => OpOld::CreateTrigger {
            trigger: trigger.clone(),
        },
        Op::DropTrigger { trigger } => OpOld::DropTrigger {
            trigger: trigger.clone(),
        },
        Op::Data { sql } => OpOld::Data { sql: sql.clone() },
        Op::AlterTableOptions { table, from, to } => OpOld::AlterTableOptions {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        },
        Op::AddPrimaryKey {
            table,
            primary_key: k,
        } => OpOld::AddPrimaryKey {
            table: table.clone(),
            primary_key: primary_key(table, k)?,
        },
        Op::DropPrimaryKey {
            table,
            primary_key: k,
        } => OpOld::DropPrimaryKey {
            table: table.clone(),
            primary_key: primary_key(table, k)?,
        },
        Op::CreateDefinition { definition: d } => OpOld::CreateDefinition {
            definition: definition::<T>(d)?,
        },
        Op::DropDefinition { definition: d } => OpOld::DropDefinition {
            definition: definition::<T>(d)?,
        },
        Op::ReplaceDefinition { from, to } => OpOld::ReplaceDefinition {
            from: definition::<T>(from)?,
            to: definition::<T>(to)?,
        },
    })
}

fn op_from_old<T: OldTable>(op: OpOld<T>) -> Result<Op, CodecError> {
    let op = match op {
        OpOld::CreateTable { table } => Op::CreateTable {
            table: table.into(),
        },
        OpOld::DropTable { table } => Op::DropTable {
            table: table.into(),
        },
        OpOld::RenameTable { from, to } => Op::RenameTable { from, to },
        OpOld::AddColumn {
            table,
            column,
            position,
        } => Op::AddColumn {
            table,
            column: column.into(),
            position,
        },
        OpOld::DropColumn {
            table,
            column,
            position,
        } => Op::DropColumn {
            table,
            column: column.into(),
            position,
        },
        OpOld::RenameColumn { table, from, to } => Op::RenameColumn { table, from, to },
        OpOld::AlterColumn { table, from, to } => Op::AlterColumn {
            table,
            from: from.into(),
            to: to.into(),
        },
        OpOld::CreateIndex { index } => Op::CreateIndex {
            index: index.into(),
        },
        OpOld::DropIndex { index } => Op::DropIndex {
            index: index.into(),
        },
        OpOld::AddForeignKey {
            table,
            foreign_key,
            position,
        } => Op::AddForeignKey {
            table,
            foreign_key: foreign_key.into(),
            position,
        },
        OpOld::DropForeignKey {
            table,
            foreign_key,
            position,
        } => Op::DropForeignKey {
            table,
            foreign_key: foreign_key.into(),
            position,
        },
        OpOld::AddUnique {
            table,
            unique,
            position,
        } => Op::AddUnique {
            table,
            unique: unique.into(),
            position,
        },
        OpOld::DropUnique {
            table,
            unique,
            position,
        } => Op::DropUnique {
            table,
            unique: unique.into(),
            position,
        },
        OpOld::AddCheck {
            table,
            check,
            position,
        } => Op::AddCheck {
            table,
            check,
            position,
        },
        OpOld::DropCheck {
            table,
            check,
            position,
        } => Op::DropCheck {
            table,
            check,
            position,
        },
        OpOld::CreateView { view } => Op::CreateView { view },
        OpOld::DropView { view } => Op::DropView { view },
        OpOld::CreateTrigger { trigger } => Op::CreateTrigger { trigger },
        OpOld::DropTrigger { trigger } => Op::DropTrigger { trigger },
        OpOld::Data { sql } => Op::Data { sql },
        OpOld::AlterTableOptions { table, from, to } => Op::AlterTableOptions { table, from, to },
        OpOld::AddPrimaryKey { table, primary_key } => Op::AddPrimaryKey {
            table,
            primary_key: primary_key.into(),
        },
        OpOld::DropPrimaryKey { table, primary_key } => Op::DropPrimaryKey {
            table,
            primary_key: primary_key.into(),
        },
        OpOld::CreateDefinition { definition } => Op::CreateDefinition { definition },
        OpOld::DropDefinition { definition } => Op::DropDefinition { definition },
        OpOld::ReplaceDefinition { from, to } => Op::ReplaceDefinition { from, to },
    };
    if !has_op::<T>(&op) {
        return Err(CodecError::Decode(format!(
            "an op of kind {}, which format versions {} do not have",
            op.kind(),
            T::VERSIONS
        )));
    }
    Ok(op)
}
