//! The bytes of format versions 2 to 4, frozen. Ledgers written in them
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
//!
//! Nothing here may change: these types are the old formats.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use strata_schema::{
    Check, Column, ForeignKey, Generated, Index, IndexedColumn, Op, PrimaryKey, Schema, Table,
    Trigger, Unique, View,
};

use crate::event::{Body, CodecError, Event, Origin};
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

/// An event of version 4.
#[derive(Serialize, Deserialize)]
pub(crate) struct Event4 {
    seq: u64,
    prev: Hash,
    at: Timestamp,
    author: String,
    message: String,
    body: BodyOld<Table4>,
    fingerprint: Hash,
    origin: Option<Origin>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BodyOld<T> {
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

/// The ops of versions 2 to 4, tables laid out as `T`. Version 3 has no
/// `alter_table_options`: [`Event3`]'s conversion refuses it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OpOld<T> {
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
        column: Column4,
        position: u32,
    },
    DropColumn {
        table: String,
        column: Column4,
        position: u32,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumn {
        table: String,
        from: Column4,
        to: Column4,
    },
    CreateIndex {
        index: Index4,
    },
    DropIndex {
        index: Index4,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
        position: u32,
    },
    DropForeignKey {
        table: String,
        foreign_key: ForeignKey,
        position: u32,
    },
    AddUnique {
        table: String,
        unique: Unique,
        position: u32,
    },
    DropUnique {
        table: String,
        unique: Unique,
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
    AlterTableOptions {
        table: String,
        from: Vec<String>,
        to: Vec<String>,
    },
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SchemaOld<T> {
    tables: BTreeMap<String, T>,
    indexes: BTreeMap<String, Index4>,
    views: BTreeMap<String, View>,
    triggers: BTreeMap<String, Trigger>,
}

/// A schema of versions 2 and 3.
pub(crate) type Schema3 = SchemaOld<Table3>;
/// A schema of version 4.
pub(crate) type Schema4 = SchemaOld<Table4>;

#[derive(Serialize, Deserialize)]
struct Column4 {
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    collation: Option<String>,
    generated: Option<Generated>,
}

#[derive(Serialize, Deserialize)]
struct Index4 {
    name: String,
    table: String,
    unique: bool,
    columns: Vec<IndexedColumn>,
    predicate: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Table3 {
    name: String,
    columns: Vec<Column4>,
    primary_key: Option<PrimaryKey3>,
    uniques: Vec<Unique>,
    checks: Vec<Check>,
    foreign_keys: Vec<ForeignKey>,
    without_rowid: bool,
    strict: bool,
}

#[derive(Serialize, Deserialize)]
struct PrimaryKey3 {
    name: Option<String>,
    columns: Vec<String>,
    autoincrement: bool,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Table4 {
    name: String,
    columns: Vec<Column4>,
    primary_key: Option<PrimaryKey>,
    uniques: Vec<Unique>,
    checks: Vec<Check>,
    foreign_keys: Vec<ForeignKey>,
    options: Vec<String>,
}

/// A table layout of an old version.
pub(crate) trait OldTable: Serialize + DeserializeOwned + Into<Table> {
    /// The versions that lay tables out so, for messages.
    const VERSIONS: &'static str;
    /// Whether those versions have the op `alter_table_options`.
    const OPTIONS_OP: bool;
    /// Checks that `t` fits the layout.
    fn check(t: &Table) -> Result<(), CodecError>;
    /// `t` in the layout, which [`OldTable::check`] has accepted.
    fn copy(t: &Table) -> Self;
    /// `t` written in the layout without a copy, which
    /// [`OldTable::check`] has accepted.
    fn serialize_ref<S: Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error>;
}

fn cannot_hold(what: String, versions: &str) -> CodecError {
    CodecError::Encode(format!(
        "{what}, which format versions {versions} cannot hold"
    ))
}

/// What a column, index or schema of every version before 5 must not
/// have.
fn check_columns(t: &Table, versions: &str) -> Result<(), CodecError> {
    match t.columns.iter().find(|c| c.identity.is_some()) {
        Some(c) => Err(cannot_hold(
            format!("column {}.{} is an identity column", t.name, c.name),
            versions,
        )),
        None => Ok(()),
    }
}

pub(crate) fn check_index(i: &Index, versions: &str) -> Result<(), CodecError> {
    if let Some(m) = &i.method {
        return Err(cannot_hold(
            format!("index {} uses the access method {m}", i.name),
            versions,
        ));
    }
    if !i.include.is_empty() {
        return Err(cannot_hold(
            format!("index {} includes columns (INCLUDE)", i.name),
            versions,
        ));
    }
    Ok(())
}

/// Checks that every part of `schema` fits layout `T`.
pub(crate) fn check_schema<T: OldTable>(schema: &Schema) -> Result<(), CodecError> {
    if let Some(d) = schema.definitions.values().next() {
        return Err(cannot_hold(
            format!("the schema has the {} {}", d.kind.describe(), d.name),
            T::VERSIONS,
        ));
    }
    schema.tables.values().try_for_each(T::check)?;
    schema
        .indexes
        .values()
        .try_for_each(|i| check_index(i, T::VERSIONS))
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

fn column4(c: &Column) -> Column4 {
    Column4 {
        name: c.name.clone(),
        ty: c.ty.clone(),
        not_null: c.not_null,
        default: c.default.clone(),
        collation: c.collation.clone(),
        generated: c.generated.clone(),
    }
}

/// A column in the old layout, written from the model's without a copy.
struct Column4Ref<'a>(&'a Column);

impl Serialize for Column4Ref<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
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

struct Columns4<'a>(&'a [Column]);

impl Serialize for Columns4<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&Column4Ref(c))?;
        }
        seq.end()
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

fn index4(i: &Index) -> Index4 {
    Index4 {
        name: i.name.clone(),
        table: i.table.clone(),
        unique: i.unique,
        columns: i.columns.clone(),
        predicate: i.predicate.clone(),
    }
}

/// An index in the old layout, written from the model's without a copy.
pub(crate) struct Index4Ref<'a>(pub(crate) &'a Index);

impl Serialize for Index4Ref<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let i = self.0;
        let mut st = s.serialize_struct("Index", 5)?;
        st.serialize_field("name", &i.name)?;
        st.serialize_field("table", &i.table)?;
        st.serialize_field("unique", &i.unique)?;
        st.serialize_field("columns", &i.columns)?;
        st.serialize_field("predicate", &i.predicate)?;
        st.end()
    }
}

impl From<Table3> for Table {
    fn from(t: Table3) -> Table {
        let autoincrement = t.primary_key.as_ref().is_some_and(|pk| pk.autoincrement);
        let mut table = Table {
            name: t.name,
            columns: t.columns.into_iter().map(Column::from).collect(),
            primary_key: t.primary_key.map(|pk| PrimaryKey {
                name: pk.name,
                columns: pk.columns,
                ..PrimaryKey::default()
            }),
            uniques: t.uniques,
            checks: t.checks,
            foreign_keys: t.foreign_keys,
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

impl OldTable for Table3 {
    const VERSIONS: &'static str = "2 and 3";
    const OPTIONS_OP: bool = false;

    /// SQLite's three options only, and AUTOINCREMENT only with a primary
    /// key.
    fn check(t: &Table) -> Result<(), CodecError> {
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
        check_columns(t, Self::VERSIONS)
    }

    fn copy(t: &Table) -> Table3 {
        Table3 {
            name: t.name.clone(),
            columns: t.columns.iter().map(column4).collect(),
            primary_key: t.primary_key.as_ref().map(|pk| PrimaryKey3 {
                name: pk.name.clone(),
                columns: pk.columns.clone(),
                autoincrement: t.has_option(AUTOINCREMENT),
            }),
            uniques: t.uniques.clone(),
            checks: t.checks.clone(),
            foreign_keys: t.foreign_keys.clone(),
            without_rowid: t.has_option(WITHOUT_ROWID),
            strict: t.has_option(STRICT),
        }
    }

    fn serialize_ref<S: Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
        let autoincrement = t.has_option(AUTOINCREMENT);
        let mut st = s.serialize_struct("Table", 8)?;
        st.serialize_field("name", &t.name)?;
        st.serialize_field("columns", &Columns4(&t.columns))?;
        st.serialize_field(
            "primary_key",
            &t.primary_key
                .as_ref()
                .map(|pk| PrimaryKey3Ref(pk, autoincrement)),
        )?;
        st.serialize_field("uniques", &t.uniques)?;
        st.serialize_field("checks", &t.checks)?;
        st.serialize_field("foreign_keys", &t.foreign_keys)?;
        st.serialize_field("without_rowid", &t.has_option(WITHOUT_ROWID))?;
        st.serialize_field("strict", &t.has_option(STRICT))?;
        st.end()
    }
}

impl From<Table4> for Table {
    fn from(t: Table4) -> Table {
        Table {
            name: t.name,
            columns: t.columns.into_iter().map(Column::from).collect(),
            primary_key: t.primary_key,
            uniques: t.uniques,
            checks: t.checks,
            foreign_keys: t.foreign_keys,
            options: t.options,
        }
    }
}

impl OldTable for Table4 {
    const VERSIONS: &'static str = "2 to 4";
    const OPTIONS_OP: bool = true;

    fn check(t: &Table) -> Result<(), CodecError> {
        check_columns(t, Self::VERSIONS)
    }

    fn copy(t: &Table) -> Table4 {
        Table4 {
            name: t.name.clone(),
            columns: t.columns.iter().map(column4).collect(),
            primary_key: t.primary_key.clone(),
            uniques: t.uniques.clone(),
            checks: t.checks.clone(),
            foreign_keys: t.foreign_keys.clone(),
            options: t.options.clone(),
        }
    }

    fn serialize_ref<S: Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Table", 7)?;
        st.serialize_field("name", &t.name)?;
        st.serialize_field("columns", &Columns4(&t.columns))?;
        st.serialize_field("primary_key", &t.primary_key)?;
        st.serialize_field("uniques", &t.uniques)?;
        st.serialize_field("checks", &t.checks)?;
        st.serialize_field("foreign_keys", &t.foreign_keys)?;
        st.serialize_field("options", &t.options)?;
        st.end()
    }
}

/// A table in layout `T`, written from the model's without a copy (the
/// caller has checked it with [`OldTable::check`]).
pub(crate) struct TableRef<'a, T>(pub(crate) &'a Table, std::marker::PhantomData<T>);

impl<'a, T> TableRef<'a, T> {
    pub(crate) fn new(t: &'a Table) -> Self {
        TableRef(t, std::marker::PhantomData)
    }
}

impl<T: OldTable> Serialize for TableRef<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        T::serialize_ref(self.0, s)
    }
}

/// A schema in layout `T`, written from the model's without a copy (the
/// caller has checked it with [`check_schema`]).
pub(crate) struct SchemaRef<'a, T>(&'a Schema, std::marker::PhantomData<T>);

impl<'a, T> SchemaRef<'a, T> {
    pub(crate) fn new(s: &'a Schema) -> Self {
        SchemaRef(s, std::marker::PhantomData)
    }
}

impl<T: OldTable> Serialize for SchemaRef<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Tables<'a, T>(&'a BTreeMap<String, Table>, std::marker::PhantomData<T>);
        impl<T: OldTable> Serialize for Tables<'_, T> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (k, t) in self.0 {
                    map.serialize_entry(k, &TableRef::<T>::new(t))?;
                }
                map.end()
            }
        }
        struct Indexes<'a>(&'a BTreeMap<String, Index>);
        impl Serialize for Indexes<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (k, i) in self.0 {
                    map.serialize_entry(k, &Index4Ref(i))?;
                }
                map.end()
            }
        }
        let schema = self.0;
        let mut st = s.serialize_struct("Schema", 4)?;
        st.serialize_field(
            "tables",
            &Tables::<T>(&schema.tables, std::marker::PhantomData),
        )?;
        st.serialize_field("indexes", &Indexes(&schema.indexes))?;
        st.serialize_field("views", &schema.views)?;
        st.serialize_field("triggers", &schema.triggers)?;
        st.end()
    }
}

impl<T: Into<Table>> From<SchemaOld<T>> for Schema {
    fn from(s: SchemaOld<T>) -> Schema {
        Schema {
            tables: s.tables.into_iter().map(|(k, t)| (k, t.into())).collect(),
            indexes: s.indexes.into_iter().map(|(k, i)| (k, i.into())).collect(),
            views: s.views,
            triggers: s.triggers,
            definitions: BTreeMap::new(),
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
            .map(|(k, i)| (k.clone(), index4(i)))
            .collect(),
        views: schema.views.clone(),
        triggers: schema.triggers.clone(),
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

impl TryFrom<Event4> for Event {
    type Error = CodecError;

    fn try_from(e: Event4) -> Result<Event, CodecError> {
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

/// An event in the layout of 4.
pub(crate) fn event4(e: &Event) -> Result<Event4, CodecError> {
    Ok(Event4 {
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
    let table = |t: &Table| T::check(t).map(|()| T::copy(t));
    let column = |table: &str, c: &Column| {
        if c.identity.is_some() {
            Err(cannot_hold(
                format!("column {table}.{} is an identity column", c.name),
                T::VERSIONS,
            ))
        } else {
            Ok(column4(c))
        }
    };
    let index = |i: &Index| check_index(i, T::VERSIONS).map(|()| index4(i));
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
            foreign_key,
            position,
        } => OpOld::AddForeignKey {
            table: table.clone(),
            foreign_key: foreign_key.clone(),
            position: *position,
        },
        Op::DropForeignKey {
            table,
            foreign_key,
            position,
        } => OpOld::DropForeignKey {
            table: table.clone(),
            foreign_key: foreign_key.clone(),
            position: *position,
        },
        Op::AddUnique {
            table,
            unique,
            position,
        } => OpOld::AddUnique {
            table: table.clone(),
            unique: unique.clone(),
            position: *position,
        },
        Op::DropUnique {
            table,
            unique,
            position,
        } => OpOld::DropUnique {
            table: table.clone(),
            unique: unique.clone(),
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
        Op::AlterTableOptions { table, from, to } if T::OPTIONS_OP => OpOld::AlterTableOptions {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        },
        op => {
            return Err(cannot_hold(
                format!("an op of kind {}", op.kind()),
                T::VERSIONS,
            ))
        }
    })
}

fn op_from_old<T: OldTable>(op: OpOld<T>) -> Result<Op, CodecError> {
    Ok(match op {
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
            foreign_key,
            position,
        },
        OpOld::DropForeignKey {
            table,
            foreign_key,
            position,
        } => Op::DropForeignKey {
            table,
            foreign_key,
            position,
        },
        OpOld::AddUnique {
            table,
            unique,
            position,
        } => Op::AddUnique {
            table,
            unique,
            position,
        },
        OpOld::DropUnique {
            table,
            unique,
            position,
        } => Op::DropUnique {
            table,
            unique,
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
        OpOld::AlterTableOptions { table, from, to } if T::OPTIONS_OP => {
            Op::AlterTableOptions { table, from, to }
        }
        OpOld::AlterTableOptions { .. } => {
            return Err(CodecError::Decode(format!(
                "an op of kind alter_table_options, which format versions {} do not have",
                T::VERSIONS
            )))
        }
    })
}
