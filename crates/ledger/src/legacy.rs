//! The bytes of format versions 2 and 3, frozen. Up to version 3 a table
//! carried SQLite's options as two flags (`without_rowid`, `strict`) and
//! its primary key an `autoincrement` flag; version 4 keeps them as the
//! dialect's list of options ([`Table::options`]). Ledgers written in 2 or
//! 3 keep their bytes and hashes: their events and schemas are read
//! through these mirrors of the old layout and converted, and what is
//! written to them (new events, fingerprints, snapshots) is written in it.
//!
//! Nothing here may change: these types are the old format.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use strata_schema::{
    Check, Column, ForeignKey, Index, Op, PrimaryKey, Schema, Table, Trigger, Unique, View,
};

use crate::event::{Body, CodecError, Event};
use crate::hash::Hash;
use crate::timestamp::Timestamp;

/// The SQLite options the old layout has flags for.
const AUTOINCREMENT: &str = "autoincrement";
const STRICT: &str = "strict";
const WITHOUT_ROWID: &str = "without_rowid";

#[derive(Serialize, Deserialize)]
pub(crate) struct Event3 {
    seq: u64,
    prev: Hash,
    at: Timestamp,
    author: String,
    message: String,
    body: Body3,
    fingerprint: Hash,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Body3 {
    Change {
        ops: Vec<Op3>,
        revert_sql: Option<String>,
    },
    Revert {
        of: Vec<u64>,
        ops: Vec<Op3>,
    },
    Baseline {
        schema: Schema3,
    },
    Tag {
        name: String,
        target: u64,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Op3 {
    CreateTable {
        table: Table3,
    },
    DropTable {
        table: Table3,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: Column,
        position: u32,
    },
    DropColumn {
        table: String,
        column: Column,
        position: u32,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumn {
        table: String,
        from: Column,
        to: Column,
    },
    CreateIndex {
        index: Index,
    },
    DropIndex {
        index: Index,
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
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Schema3 {
    tables: BTreeMap<String, Table3>,
    indexes: BTreeMap<String, Index>,
    views: BTreeMap<String, View>,
    triggers: BTreeMap<String, Trigger>,
}

#[derive(Serialize, Deserialize)]
struct Table3 {
    name: String,
    columns: Vec<Column>,
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

impl From<Table3> for Table {
    fn from(t: Table3) -> Table {
        let autoincrement = t.primary_key.as_ref().is_some_and(|pk| pk.autoincrement);
        let mut table = Table {
            name: t.name,
            columns: t.columns,
            primary_key: t.primary_key.map(|pk| PrimaryKey {
                name: pk.name,
                columns: pk.columns,
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

impl From<Schema3> for Schema {
    fn from(s: Schema3) -> Schema {
        Schema {
            tables: s.tables.into_iter().map(|(k, t)| (k, t.into())).collect(),
            indexes: s.indexes,
            views: s.views,
            triggers: s.triggers,
        }
    }
}

/// A table whose options the old layout can hold: SQLite's three, and
/// AUTOINCREMENT only with a primary key.
pub(crate) fn check_table(t: &Table) -> Result<(), CodecError> {
    let known = [AUTOINCREMENT, STRICT, WITHOUT_ROWID];
    if let Some(o) = t.options.iter().find(|o| !known.contains(&o.as_str())) {
        return Err(CodecError::Encode(format!(
            "table {} has the option {o:?}, which format versions 2 and 3 cannot hold",
            t.name
        )));
    }
    if t.has_option(AUTOINCREMENT) && t.primary_key.is_none() {
        return Err(CodecError::Encode(format!(
            "table {} is AUTOINCREMENT without a primary key, which format versions 2 and 3 cannot hold",
            t.name
        )));
    }
    Ok(())
}

/// A table in the old layout, written from the model's without a copy.
pub(crate) struct Table3Ref<'a>(pub(crate) &'a Table);

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

impl Serialize for Table3Ref<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let autoincrement = t.has_option(AUTOINCREMENT);
        let mut st = s.serialize_struct("Table", 8)?;
        st.serialize_field("name", &t.name)?;
        st.serialize_field("columns", &t.columns)?;
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

/// A schema in the old layout, written from the model's without a copy.
pub(crate) struct Schema3Ref<'a>(pub(crate) &'a Schema);

struct Tables3<'a>(&'a BTreeMap<String, Table>);

impl Serialize for Tables3<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, t) in self.0 {
            map.serialize_entry(k, &Table3Ref(t))?;
        }
        map.end()
    }
}

impl Serialize for Schema3Ref<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let schema = self.0;
        let mut st = s.serialize_struct("Schema", 4)?;
        st.serialize_field("tables", &Tables3(&schema.tables))?;
        st.serialize_field("indexes", &schema.indexes)?;
        st.serialize_field("views", &schema.views)?;
        st.serialize_field("triggers", &schema.triggers)?;
        st.end()
    }
}

/// Checks that every table of `schema` fits the old layout.
pub(crate) fn check_schema(schema: &Schema) -> Result<(), CodecError> {
    schema.tables.values().try_for_each(check_table)
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
            body: e.body.into(),
            fingerprint: e.fingerprint,
            origin: None,
        })
    }
}

impl From<Body3> for Body {
    fn from(b: Body3) -> Body {
        let ops = |ops: Vec<Op3>| ops.into_iter().map(Op::from).collect();
        match b {
            Body3::Change { ops: o, revert_sql } => Body::Change {
                ops: ops(o),
                revert_sql,
            },
            Body3::Revert { of, ops: o } => Body::Revert { of, ops: ops(o) },
            Body3::Baseline { schema } => Body::Baseline {
                schema: schema.into(),
            },
            Body3::Tag { name, target } => Body::Tag { name, target },
        }
    }
}

/// An event in the old layout. Events are small, so this copies.
pub(crate) fn event3(e: &Event) -> Result<Event3, CodecError> {
    if e.origin.is_some() {
        return Err(CodecError::Encode(format!(
            "event {} was rebased, which format versions 2 and 3 cannot hold",
            e.seq
        )));
    }
    let ops = |ops: &[Op]| ops.iter().map(op3).collect::<Result<Vec<_>, _>>();
    let body = match &e.body {
        Body::Change { ops: o, revert_sql } => Body3::Change {
            ops: ops(o)?,
            revert_sql: revert_sql.clone(),
        },
        Body::Revert { of, ops: o } => Body3::Revert {
            of: of.clone(),
            ops: ops(o)?,
        },
        Body::Baseline { schema } => Body3::Baseline {
            schema: schema3(schema)?,
        },
        Body::Tag { name, target } => Body3::Tag {
            name: name.clone(),
            target: *target,
        },
    };
    Ok(Event3 {
        seq: e.seq,
        prev: e.prev,
        at: e.at,
        author: e.author.clone(),
        message: e.message.clone(),
        body,
        fingerprint: e.fingerprint,
    })
}

fn schema3(schema: &Schema) -> Result<Schema3, CodecError> {
    Ok(Schema3 {
        tables: schema
            .tables
            .iter()
            .map(|(k, t)| Ok((k.clone(), table3(t)?)))
            .collect::<Result<_, CodecError>>()?,
        indexes: schema.indexes.clone(),
        views: schema.views.clone(),
        triggers: schema.triggers.clone(),
    })
}

fn table3(t: &Table) -> Result<Table3, CodecError> {
    check_table(t)?;
    Ok(Table3 {
        name: t.name.clone(),
        columns: t.columns.clone(),
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
    })
}

fn op3(op: &Op) -> Result<Op3, CodecError> {
    Ok(match op.clone() {
        Op::CreateTable { table } => Op3::CreateTable {
            table: table3(&table)?,
        },
        Op::DropTable { table } => Op3::DropTable {
            table: table3(&table)?,
        },
        Op::RenameTable { from, to } => Op3::RenameTable { from, to },
        Op::AddColumn {
            table,
            column,
            position,
        } => Op3::AddColumn {
            table,
            column,
            position,
        },
        Op::DropColumn {
            table,
            column,
            position,
        } => Op3::DropColumn {
            table,
            column,
            position,
        },
        Op::RenameColumn { table, from, to } => Op3::RenameColumn { table, from, to },
        Op::AlterColumn { table, from, to } => Op3::AlterColumn { table, from, to },
        Op::CreateIndex { index } => Op3::CreateIndex { index },
        Op::DropIndex { index } => Op3::DropIndex { index },
        Op::AddForeignKey {
            table,
            foreign_key,
            position,
        } => Op3::AddForeignKey {
            table,
            foreign_key,
            position,
        },
        Op::DropForeignKey {
            table,
            foreign_key,
            position,
        } => Op3::DropForeignKey {
            table,
            foreign_key,
            position,
        },
        Op::AddUnique {
            table,
            unique,
            position,
        } => Op3::AddUnique {
            table,
            unique,
            position,
        },
        Op::DropUnique {
            table,
            unique,
            position,
        } => Op3::DropUnique {
            table,
            unique,
            position,
        },
        Op::AddCheck {
            table,
            check,
            position,
        } => Op3::AddCheck {
            table,
            check,
            position,
        },
        Op::DropCheck {
            table,
            check,
            position,
        } => Op3::DropCheck {
            table,
            check,
            position,
        },
        Op::CreateView { view } => Op3::CreateView { view },
        Op::DropView { view } => Op3::DropView { view },
        Op::CreateTrigger { trigger } => Op3::CreateTrigger { trigger },
        Op::DropTrigger { trigger } => Op3::DropTrigger { trigger },
        Op::Data { sql } => Op3::Data { sql },
        Op::AlterTableOptions { table, .. } => {
            return Err(CodecError::Encode(format!(
                "the options of table {table} are changed by an op (alter_table_options) that format versions 2 and 3 cannot hold"
            )))
        }
    })
}

impl From<Op3> for Op {
    fn from(op: Op3) -> Op {
        match op {
            Op3::CreateTable { table } => Op::CreateTable {
                table: table.into(),
            },
            Op3::DropTable { table } => Op::DropTable {
                table: table.into(),
            },
            Op3::RenameTable { from, to } => Op::RenameTable { from, to },
            Op3::AddColumn {
                table,
                column,
                position,
            } => Op::AddColumn {
                table,
                column,
                position,
            },
            Op3::DropColumn {
                table,
                column,
                position,
            } => Op::DropColumn {
                table,
                column,
                position,
            },
            Op3::RenameColumn { table, from, to } => Op::RenameColumn { table, from, to },
            Op3::AlterColumn { table, from, to } => Op::AlterColumn { table, from, to },
            Op3::CreateIndex { index } => Op::CreateIndex { index },
            Op3::DropIndex { index } => Op::DropIndex { index },
            Op3::AddForeignKey {
                table,
                foreign_key,
                position,
            } => Op::AddForeignKey {
                table,
                foreign_key,
                position,
            },
            Op3::DropForeignKey {
                table,
                foreign_key,
                position,
            } => Op::DropForeignKey {
                table,
                foreign_key,
                position,
            },
            Op3::AddUnique {
                table,
                unique,
                position,
            } => Op::AddUnique {
                table,
                unique,
                position,
            },
            Op3::DropUnique {
                table,
                unique,
                position,
            } => Op::DropUnique {
                table,
                unique,
                position,
            },
            Op3::AddCheck {
                table,
                check,
                position,
            } => Op::AddCheck {
                table,
                check,
                position,
            },
            Op3::DropCheck {
                table,
                check,
                position,
            } => Op::DropCheck {
                table,
                check,
                position,
            },
            Op3::CreateView { view } => Op::CreateView { view },
            Op3::DropView { view } => Op::DropView { view },
            Op3::CreateTrigger { trigger } => Op::CreateTrigger { trigger },
            Op3::DropTrigger { trigger } => Op::DropTrigger { trigger },
            Op3::Data { sql } => Op::Data { sql },
        }
    }
}
