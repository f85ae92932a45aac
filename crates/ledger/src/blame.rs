//! Blame: for every object of the schema at a point, the event that made
//! it what it is, found in one pass over the events, oldest first.
//!
//! What "made" means, object by object (docs/guide.md, "blame"):
//!
//! - a table: the event that created it (a `create table`, a revert that
//!   brought it back, a baseline that adopted it or changed its options);
//! - a column: the last event that changed its definition (added it,
//!   altered its type, nullability, default or collation, brought it back
//!   in a revert, or a baseline that gave it another definition);
//! - a constraint, an index, a view or a trigger: the event that created
//!   it (they have no alter ops; a baseline that changed one made it).
//!
//! A rename changes no definition: a table or column renamed keeps the
//! event that made it, and the renames it went through since are its
//! trail ([`Rename`]), so `users.email` made as `people.mail` in event 2
//! shows event 2 and the renames after it. Every event that touched a
//! table or a column is kept in its history (`history`: seqs only), which
//! follows it through renames, drops and returns.
//!
//! The walk streams the ledger ([`Ledger::events_from`]) and never holds
//! more than one event; what it keeps is one small record per object of
//! the schema (and of the tables and columns dropped before the point, in
//! case they come back), plus the seqs of each history. A baseline
//! reads the schema before it ([`Ledger::schema_at`]: a snapshot and at
//! most 255 replays) to see what it changed.

use std::collections::BTreeMap;

use strata_schema::{Op, Rules, Schema, Table};

use crate::error::Result;
use crate::event::Body;
use crate::store::Ledger;

/// A rename an object went through: in event `seq`, from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub seq: u64,
    pub from: String,
    pub to: String,
}

/// How a table or a column came to be what it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// The event that made it what it is (see the module documentation).
    pub made: u64,
    /// The renames since that event, oldest first.
    pub renames: Vec<Rename>,
    /// Every event that touched it, oldest first, through renames, drops
    /// and returns.
    pub history: Vec<u64>,
}

impl Trace {
    fn touched(&mut self, seq: u64) {
        if self.history.last() != Some(&seq) {
            self.history.push(seq);
        }
    }

    fn made(&mut self, seq: u64) {
        self.made = seq;
        self.renames.clear();
        self.touched(seq);
    }
}

/// A table's blame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableBlame {
    pub trace: Trace,
    /// Its columns' by the dialect's key of their names.
    pub columns: BTreeMap<String, Trace>,
    /// Columns dropped from it, kept for their history should they come
    /// back.
    dropped: BTreeMap<String, Trace>,
    /// The event that gave it its primary key, when it has one.
    pub primary_key: Option<u64>,
    /// Each unique, check and foreign key's event, in the table's order.
    pub uniques: Vec<u64>,
    pub checks: Vec<u64>,
    pub foreign_keys: Vec<u64>,
}

/// What [`Ledger::blame_at`] found: every object of the schema at `seq`, by
/// the dialect's key of its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blame {
    pub seq: u64,
    pub tables: BTreeMap<String, TableBlame>,
    pub indexes: BTreeMap<String, u64>,
    pub views: BTreeMap<String, u64>,
    /// By [`Rules::trigger_key`].
    pub triggers: BTreeMap<String, u64>,
    pub definitions: BTreeMap<String, u64>,
    /// Tables dropped before the point, kept for their history.
    gone: BTreeMap<String, TableBlame>,
    /// The table and name of each trigger in `triggers`, by its key: a
    /// table's rename re-keys its triggers where the key holds the table.
    trigger_names: BTreeMap<String, (String, String)>,
}

impl Ledger {
    /// The blame of every object of the schema after event `seq`, in one
    /// streaming pass over events 1 to `seq`.
    pub fn blame_at(&self, seq: u64) -> Result<Blame> {
        let rules = self.rules();
        let mut blame = Blame {
            seq,
            ..Blame::default()
        };
        if seq == 0 {
            return Ok(blame);
        }
        for entry in self.events_from(1) {
            let entry = entry?;
            let at = entry.event.seq;
            if at > seq {
                break;
            }
            match &entry.event.body {
                Body::Change { ops, .. } | Body::Revert { ops, .. } => {
                    for op in ops {
                        blame.op(rules, at, op);
                    }
                }
                Body::Baseline { schema } => {
                    let before = self.schema_at(at - 1)?;
                    blame.baseline(rules, at, &before, schema);
                }
                Body::Tag { .. } => {}
            }
        }
        Ok(blame)
    }
}

/// Insert `seq` at `position` of `list` (at most the end).
fn insert(list: &mut Vec<u64>, position: u32, seq: u64) {
    let at = (position as usize).min(list.len());
    list.insert(at, seq);
}

/// Remove the entry at `position` of `list`, when there is one.
fn remove(list: &mut Vec<u64>, position: u32) {
    if (position as usize) < list.len() {
        list.remove(position as usize);
    }
}

/// A new table's blame: everything in it made by `seq`, each history
/// carried on from `old` (the table of that name dropped before).
fn created(r: &dyn Rules, seq: u64, table: &Table, old: Option<TableBlame>) -> TableBlame {
    let mut old = old.unwrap_or_default();
    let mut t = TableBlame {
        trace: old.trace.clone(),
        ..TableBlame::default()
    };
    t.trace.made(seq);
    for c in &table.columns {
        let key = r.key(&c.name);
        let mut trace = old.dropped.remove(&key).unwrap_or_default();
        trace.made(seq);
        t.columns.insert(key, trace);
    }
    t.dropped = old.dropped;
    t.primary_key = table.primary_key.as_ref().map(|_| seq);
    t.uniques = vec![seq; table.uniques.len()];
    t.checks = vec![seq; table.checks.len()];
    t.foreign_keys = vec![seq; table.foreign_keys.len()];
    t
}

impl Blame {
    fn table(&mut self, r: &dyn Rules, name: &str, seq: u64) -> Option<&mut TableBlame> {
        let t = self.tables.get_mut(&r.key(name))?;
        t.trace.touched(seq);
        Some(t)
    }

    fn op(&mut self, r: &dyn Rules, seq: u64, op: &Op) {
        use Op::*;
        match op {
            CreateTable { table } => {
                let key = r.key(&table.name);
                let old = self.gone.remove(&key);
                self.tables.insert(key, created(r, seq, table, old));
            }
            DropTable { table } => {
                let key = r.key(&table.name);
                if let Some(mut t) = self.tables.remove(&key) {
                    t.trace.touched(seq);
                    for (k, mut c) in std::mem::take(&mut t.columns) {
                        c.touched(seq);
                        t.dropped.insert(k, c);
                    }
                    self.gone.insert(key, t);
                }
            }
            RenameTable { from, to } => {
                let moved: Vec<String> = self
                    .trigger_names
                    .iter()
                    .filter(|(_, (table, _))| r.same_name(table, from))
                    .map(|(k, _)| k.clone())
                    .collect();
                for key in moved {
                    let made = self.triggers.remove(&key);
                    if let Some((_, name)) = self.trigger_names.remove(&key) {
                        let new = r.trigger_key(to, &name);
                        if let Some(made) = made {
                            self.triggers.insert(new.clone(), made);
                        }
                        self.trigger_names.insert(new, (to.clone(), name));
                    }
                }
                if let Some(mut t) = self.tables.remove(&r.key(from)) {
                    t.trace.touched(seq);
                    t.trace.renames.push(Rename {
                        seq,
                        from: from.clone(),
                        to: to.clone(),
                    });
                    self.tables.insert(r.key(to), t);
                }
            }
            AddColumn { table, column, .. } => {
                if let Some(t) = self.table(r, table, seq) {
                    let key = r.key(&column.name);
                    let mut c = t.dropped.remove(&key).unwrap_or_default();
                    c.made(seq);
                    t.columns.insert(key, c);
                }
            }
            DropColumn { table, column, .. } => {
                if let Some(t) = self.table(r, table, seq) {
                    let key = r.key(&column.name);
                    if let Some(mut c) = t.columns.remove(&key) {
                        c.touched(seq);
                        t.dropped.insert(key, c);
                    }
                }
            }
            RenameColumn { table, from, to } => {
                if let Some(t) = self.table(r, table, seq) {
                    if let Some(mut c) = t.columns.remove(&r.key(from)) {
                        c.touched(seq);
                        c.renames.push(Rename {
                            seq,
                            from: from.clone(),
                            to: to.clone(),
                        });
                        t.columns.insert(r.key(to), c);
                    }
                }
            }
            AlterColumn { table, from, to } => {
                if let Some(t) = self.table(r, table, seq) {
                    let mut c = t.columns.remove(&r.key(&from.name)).unwrap_or_default();
                    c.made(seq);
                    t.columns.insert(r.key(&to.name), c);
                }
            }
            AddForeignKey {
                table, position, ..
            } => {
                if let Some(t) = self.table(r, table, seq) {
                    insert(&mut t.foreign_keys, *position, seq);
                }
            }
            DropForeignKey {
                table, position, ..
            } => {
                if let Some(t) = self.table(r, table, seq) {
                    remove(&mut t.foreign_keys, *position);
                }
            }
            AddUnique {
                table, position, ..
            } => {
                if let Some(t) = self.table(r, table, seq) {
                    insert(&mut t.uniques, *position, seq);
                }
            }
            DropUnique {
                table, position, ..
            } => {
                if let Some(t) = self.table(r, table, seq) {
                    remove(&mut t.uniques, *position);
                }
            }
            AddCheck {
                table, position, ..
            } => {
                if let Some(t) = self.table(r, table, seq) {
                    insert(&mut t.checks, *position, seq);
                }
            }
            DropCheck {
                table, position, ..
            } => {
                if let Some(t) = self.table(r, table, seq) {
                    remove(&mut t.checks, *position);
                }
            }
            AlterTableOptions { table, .. } => {
                self.table(r, table, seq);
            }
            AddPrimaryKey { table, .. } => {
                if let Some(t) = self.table(r, table, seq) {
                    t.primary_key = Some(seq);
                }
            }
            DropPrimaryKey { table, .. } => {
                if let Some(t) = self.table(r, table, seq) {
                    t.primary_key = None;
                }
            }
            CreateDefinition { definition } | ReplaceDefinition { to: definition, .. } => {
                for t in &definition.depends_on {
                    self.table(r, t, seq);
                }
                self.definitions.insert(r.key(&definition.name), seq);
            }
            DropDefinition { definition } => {
                for t in &definition.depends_on {
                    self.table(r, t, seq);
                }
                self.definitions.remove(&r.key(&definition.name));
            }
            CreateIndex { index } => {
                self.table(r, &index.table, seq);
                self.indexes.insert(r.key(&index.name), seq);
            }
            DropIndex { index } => {
                self.table(r, &index.table, seq);
                self.indexes.remove(&r.key(&index.name));
            }
            CreateView { view } => {
                for t in &view.depends_on {
                    self.table(r, t, seq);
                }
                self.views.insert(r.key(&view.name), seq);
            }
            DropView { view } => {
                for t in &view.depends_on {
                    self.table(r, t, seq);
                }
                self.views.remove(&r.key(&view.name));
            }
            CreateTrigger { trigger } => {
                self.table(r, &trigger.table, seq);
                let key = r.trigger_key(&trigger.table, &trigger.name);
                self.triggers.insert(key.clone(), seq);
                self.trigger_names
                    .insert(key, (trigger.table.clone(), trigger.name.clone()));
            }
            DropTrigger { trigger } => {
                self.table(r, &trigger.table, seq);
                let key = r.trigger_key(&trigger.table, &trigger.name);
                self.triggers.remove(&key);
                self.trigger_names.remove(&key);
            }
            Data { .. } => {}
        }
    }

    /// A baseline replaced `before` with `after`: what it changed, it made.
    fn baseline(&mut self, r: &dyn Rules, seq: u64, before: &Schema, after: &Schema) {
        for (key, old) in &before.tables {
            if !after.tables.contains_key(key) {
                self.op(r, seq, &Op::DropTable { table: old.clone() });
            }
        }
        for (key, table) in &after.tables {
            let Some(old) = before.tables.get(key) else {
                let gone = self.gone.remove(key);
                self.tables
                    .insert(key.clone(), created(r, seq, table, gone));
                continue;
            };
            if old == table {
                continue;
            }
            let Some(mut t) = self.tables.remove(key) else {
                self.tables
                    .insert(key.clone(), created(r, seq, table, None));
                continue;
            };
            t.trace.touched(seq);
            if old.options != table.options || old.name != table.name {
                t.trace.made(seq);
            }
            if old.primary_key != table.primary_key {
                t.primary_key = table.primary_key.as_ref().map(|_| seq);
            }
            let mut columns = BTreeMap::new();
            for c in &table.columns {
                let ckey = r.key(&c.name);
                let same = old.column(r, &c.name).is_some_and(|o| o == c);
                let mut trace = t
                    .columns
                    .remove(&ckey)
                    .or_else(|| t.dropped.remove(&ckey))
                    .unwrap_or_default();
                if !same {
                    trace.made(seq);
                }
                columns.insert(ckey, trace);
            }
            for (ckey, mut trace) in std::mem::take(&mut t.columns) {
                trace.touched(seq);
                t.dropped.insert(ckey, trace);
            }
            t.columns = columns;
            t.uniques = kept(&old.uniques, &table.uniques, &t.uniques, seq);
            t.checks = kept(&old.checks, &table.checks, &t.checks, seq);
            t.foreign_keys = kept(&old.foreign_keys, &table.foreign_keys, &t.foreign_keys, seq);
            self.tables.insert(key.clone(), t);
        }
        self.indexes = objects_of(&before.indexes, &after.indexes, &self.indexes, seq);
        self.views = objects_of(&before.views, &after.views, &self.views, seq);
        self.triggers = objects_of(&before.triggers, &after.triggers, &self.triggers, seq);
        self.trigger_names = after
            .triggers
            .iter()
            .map(|(k, t)| (k.clone(), (t.table.clone(), t.name.clone())))
            .collect();
        self.definitions = objects_of(
            &before.definitions,
            &after.definitions,
            &self.definitions,
            seq,
        );
    }
}

/// A constraint list after a baseline: an entry the same as before keeps
/// its event, any other is the baseline's.
fn kept<T: PartialEq>(before: &[T], after: &[T], had: &[u64], seq: u64) -> Vec<u64> {
    after
        .iter()
        .enumerate()
        .map(|(i, c)| match (before.get(i), had.get(i)) {
            (Some(b), Some(made)) if b == c => *made,
            _ => seq,
        })
        .collect()
}

/// Indexes, views or triggers after a baseline, by key: one the same as
/// before keeps its event, any other is the baseline's.
fn objects_of<T: PartialEq>(
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    had: &BTreeMap<String, u64>,
    seq: u64,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(key, object)| {
            let made = match had.get(key) {
                Some(made) if before.get(key) == Some(object) => *made,
                _ => seq,
            };
            (key.clone(), made)
        })
        .collect()
}
