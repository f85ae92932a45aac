//! Events and ops as people read them (`log`, `show`, `record --dry-run`)
//! and as scripts read them (`--json`).
//!
//! An op that removes or replaces something carries the whole definition of
//! what it removes; [`definition`] shows it as the SQL that would build it
//! again, so `show` says exactly what an event lost.

use serde::Serialize;
use strata_ledger::{Body, Event, Hash, Origin};
use strata_schema::{Column, IndexTerm, Op, Schema};
use strata_sqlite::render::{
    render_check, render_column_def, render_foreign_key, render_index, render_options,
    render_table, render_unique,
};

use crate::report::count;

/// A name as it reads in prose: bare when it is a plain identifier, quoted
/// otherwise (and never spanning lines).
pub fn name(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
            .replace('\n', "\\n")
            .replace('\r', "\\r")
    }
}

fn column(c: &Column) -> String {
    render_column_def(c)
}

/// One line saying what `op` does.
pub fn summary(op: &Op) -> String {
    use Op::*;
    match op {
        CreateTable { table } => format!("create table {}", name(&table.name)),
        DropTable { table } => format!(
            "drop table {} ({} columns)",
            name(&table.name),
            table.columns.len()
        ),
        RenameTable { from, to } => format!("rename table {} to {}", name(from), name(to)),
        AddColumn {
            table, column: c, ..
        } => {
            format!(
                "add column {}.{}: {}",
                name(table),
                name(&c.name),
                column(c)
            )
        }
        DropColumn {
            table,
            column: c,
            position,
        } => format!(
            "drop column {}.{} (was {}, column {})",
            name(table),
            name(&c.name),
            column(c),
            position + 1
        ),
        RenameColumn { table, from, to } => format!(
            "rename column {}.{} to {}",
            name(table),
            name(from),
            name(to)
        ),
        AlterColumn { table, from, to } => format!(
            "alter column {}.{}: {} -> {}",
            name(table),
            name(&from.name),
            column(from),
            column(to)
        ),
        CreateIndex { index } => format!(
            "create {}index {} on {} ({})",
            if index.unique { "unique " } else { "" },
            name(&index.name),
            name(&index.table),
            index_terms(index)
        ),
        DropIndex { index } => format!(
            "drop {}index {} on {} ({})",
            if index.unique { "unique " } else { "" },
            name(&index.name),
            name(&index.table),
            index_terms(index)
        ),
        AddForeignKey {
            table, foreign_key, ..
        } => {
            format!(
                "add to {}: {}",
                name(table),
                render_foreign_key(foreign_key)
            )
        }
        DropForeignKey {
            table, foreign_key, ..
        } => format!(
            "drop from {}: {}",
            name(table),
            render_foreign_key(foreign_key)
        ),
        AddUnique { table, unique, .. } => {
            format!("add to {}: {}", name(table), render_unique(unique))
        }
        DropUnique { table, unique, .. } => {
            format!("drop from {}: {}", name(table), render_unique(unique))
        }
        AddCheck { table, check, .. } => format!("add to {}: {}", name(table), render_check(check)),
        DropCheck { table, check, .. } => {
            format!("drop from {}: {}", name(table), render_check(check))
        }
        CreateView { view } => format!("create view {}", name(&view.name)),
        DropView { view } => format!("drop view {}", name(&view.name)),
        CreateTrigger { trigger } => format!(
            "create trigger {} on {}",
            name(&trigger.name),
            name(&trigger.table)
        ),
        DropTrigger { trigger } => format!(
            "drop trigger {} on {}",
            name(&trigger.name),
            name(&trigger.table)
        ),
        Data { sql } => format!("data step: {}", first_line(sql)),
        AlterTableOptions { table, from, to } => format!(
            "alter table {} options: {} -> {}",
            name(table),
            render_options(from),
            render_options(to)
        ),
        AddPrimaryKey { table, primary_key } => {
            format!("add to {}: {}", name(table), primary_key_line(primary_key))
        }
        DropPrimaryKey { table, primary_key } => {
            format!(
                "drop from {}: {}",
                name(table),
                primary_key_line(primary_key)
            )
        }
        CreateDefinition { definition } => format!(
            "create {} {}",
            definition.kind.describe(),
            name(&definition.name)
        ),
        DropDefinition { definition } => format!(
            "drop {} {}",
            definition.kind.describe(),
            name(&definition.name)
        ),
        ReplaceDefinition { to, .. } => {
            format!("replace {} {}", to.kind.describe(), name(&to.name))
        }
    }
}

fn primary_key_line(pk: &strata_schema::PrimaryKey) -> String {
    let columns: Vec<String> = pk.columns.iter().map(|c| name(c)).collect();
    match &pk.name {
        Some(n) => format!(
            "CONSTRAINT {} PRIMARY KEY ({})",
            name(n),
            columns.join(", ")
        ),
        None => format!("PRIMARY KEY ({})", columns.join(", ")),
    }
}

fn index_terms(index: &strata_schema::Index) -> String {
    index
        .columns
        .iter()
        .map(|c| match &c.term {
            IndexTerm::Column(n) => name(n),
            IndexTerm::Expr(e) => e.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_line(sql: &str) -> String {
    let mut lines = sql.trim().lines();
    let first = lines.next().unwrap_or("").trim_end();
    if lines.next().is_some() {
        format!("{first} ...")
    } else {
        first.to_string()
    }
}

/// The SQL of the object an op creates or removes, when the summary line
/// does not already hold all of it.
pub fn definition(op: &Op) -> Option<String> {
    use Op::*;
    match op {
        CreateTable { table } | DropTable { table } => Some(render_table(table)),
        CreateIndex { index } | DropIndex { index } => Some(render_index(index)),
        CreateView { view } | DropView { view } => Some(view.sql.clone()),
        CreateTrigger { trigger } | DropTrigger { trigger } => Some(trigger.sql.clone()),
        CreateDefinition { definition } | DropDefinition { definition } => {
            Some(definition.sql.clone())
        }
        ReplaceDefinition { from, to } => Some(format!("{}\n-- was:\n{}", to.sql, from.sql)),
        Data { sql } if sql.trim().lines().nth(1).is_some() => Some(sql.trim().to_string()),
        _ => None,
    }
}

/// Whether an op takes something away (shown as such in `show`).
pub fn removes(op: &Op) -> bool {
    use Op::*;
    matches!(
        op,
        DropTable { .. }
            | DropColumn { .. }
            | DropIndex { .. }
            | DropForeignKey { .. }
            | DropUnique { .. }
            | DropCheck { .. }
            | DropView { .. }
            | DropTrigger { .. }
            | DropPrimaryKey { .. }
            | DropDefinition { .. }
    )
}

/// One line for an event's body when it has no ops to list.
pub fn body_line(body: &Body) -> Option<String> {
    match body {
        Body::Tag { name: n, target } => Some(format!("tag {} names point {target}", name(n))),
        Body::Baseline { schema } => Some(format!(
            "baseline: {}, {}, {}, {}",
            count(schema.tables.len(), "table", "tables"),
            count(schema.indexes.len(), "index", "indexes"),
            count(schema.views.len(), "view", "views"),
            count(schema.triggers.len(), "trigger", "triggers")
        )),
        Body::Revert { of, .. } => Some(format!(
            "reverts event{} {}",
            if of.len() == 1 { "" } else { "s" },
            of.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        )),
        Body::Change { .. } => None,
    }
}

/// An event as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct EventJson<'a> {
    pub seq: u64,
    pub hash: String,
    pub prev: String,
    pub at: String,
    pub author: &'a str,
    pub message: &'a str,
    pub kind: &'static str,
    pub ops: &'a [Op],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revert_sql: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverts: Option<&'a [u64]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<TagJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<&'a Schema>,
    pub fingerprint: String,
    /// Where a rebase re-recorded it from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<&'a Origin>,
}

#[derive(Debug, Serialize)]
pub struct TagJson<'a> {
    pub name: &'a str,
    pub target: u64,
}

pub fn event_json<'a>(hash: &Hash, e: &'a Event) -> EventJson<'a> {
    let (mut revert_sql, mut reverts, mut tag, mut schema) = (None, None, None, None);
    match &e.body {
        Body::Change { revert_sql: r, .. } => revert_sql = r.as_deref(),
        Body::Revert { of, .. } => reverts = Some(of.as_slice()),
        Body::Tag { name, target } => {
            tag = Some(TagJson {
                name,
                target: *target,
            })
        }
        Body::Baseline { schema: s } => schema = Some(s),
    }
    EventJson {
        seq: e.seq,
        hash: hash.to_string(),
        prev: e.prev.to_string(),
        at: e.at.to_string(),
        author: &e.author,
        message: &e.message,
        kind: e.body.kind(),
        ops: e.body.ops(),
        revert_sql,
        reverts,
        tag,
        schema,
        fingerprint: e.fingerprint.to_string(),
        origin: e.origin.as_ref(),
    }
}

/// The line that says where a rebased event was before.
pub fn origin_line(e: &Event) -> Option<String> {
    e.origin.as_ref().map(|o| {
        format!(
            "rebased from event {} ({}): {}",
            o.seq,
            o.hash.short(12),
            o.message.lines().next().unwrap_or("")
        )
    })
}

/// The first characters of a hash, as `log` shows it.
pub fn short(hash: &Hash) -> String {
    hash.short(12)
}
