//! Statements checked per change, not per statement.
//!
//! SQLite lets a script drop a table another table's foreign key names,
//! or a view reads, and create it again; or create a table whose foreign
//! key names a table created further down. Such a script is resolved
//! statement by statement with the checks on other objects deferred
//! ([`strata_schema::project_deferring`]), and those checks are made on the
//! schema the whole script leaves ([`strata_schema::dangling`]).
//!
//! The ops recorded must still [`project`] one by one (replay, verify and
//! revert depend on it), so [`Strict`] turns the script's ops into such a
//! sequence: what an op would leave naming a missing object is taken off
//! first and put back at the end, as the script leaves it. A view or a
//! trigger that reads a dropped table is dropped before it and created
//! again after; another table's foreign key to it is dropped and added
//! again (the planner rebuilds that table, keeping its rows); a foreign
//! key to a table created later is added once that table exists; a view
//! or trigger that reads one is created at the end.

use std::collections::BTreeSet;

use strata_dialect::sqlite::{key, same_name, RULES};
use strata_schema::{project, Op, ProjectError, Schema, Table};

/// Ops that project one by one onto the schema they started from, and
/// that schema as they leave it.
pub(super) struct Strict {
    pub schema: Schema,
    pub ops: Vec<Op>,
    /// Views and triggers taken off (or not yet created), by key: they are
    /// created at the end as the script leaves them, if it keeps them.
    held_views: BTreeSet<String>,
    held_triggers: BTreeSet<String>,
    /// Tables some of whose foreign keys are taken off (or not yet
    /// added); their foreign key ops wait for the end.
    held_keys: BTreeSet<String>,
}

impl Strict {
    /// Ops to come after `ops`, which project one by one and leave
    /// `schema`.
    pub fn new(schema: Schema, ops: Vec<Op>) -> Self {
        Strict {
            schema,
            ops,
            held_views: BTreeSet::new(),
            held_triggers: BTreeSet::new(),
            held_keys: BTreeSet::new(),
        }
    }

    /// Take `op`, which fits the script's own schema with its checks on
    /// other objects deferred: `Ok(None)` if it fits as it stands,
    /// `Ok(Some(e))` if it did not (`e` is why) and what was in its way is
    /// taken off. `Err` is the error [`project`] gives for it where nothing
    /// can be taken off to make it fit.
    pub fn push(&mut self, op: Op) -> Result<Option<ProjectError>, ProjectError> {
        if let Op::AddForeignKey { table, .. } = &op {
            if self.held_keys.contains(&key(table)) {
                return Ok(None);
            }
        }
        match self.try_push(op.clone()) {
            Ok(()) => Ok(None),
            Err(first) => self.make_way(op, first.clone()).map(|()| Some(first)),
        }
    }

    fn make_way(&mut self, op: Op, first: ProjectError) -> Result<(), ProjectError> {
        match op {
            Op::DropTable { table } => {
                self.take_off_readers(&table.name, true)
                    .map_err(|_| first.clone())?;
                // Its own foreign keys may be off: drop it as it stands.
                let here = self.schema.tables.get(&key(&table.name)).cloned();
                match here {
                    Some(here) if same_but_keys(&here, &table) => {
                        self.held_keys.remove(&key(&table.name));
                        self.try_push(Op::DropTable { table: here })
                            .map_err(|_| first)
                    }
                    _ => Err(first),
                }
            }
            Op::DropView { view } => {
                if self.held_views.remove(&key(&view.name)) {
                    return Ok(());
                }
                self.take_off_readers(&view.name, false)
                    .map_err(|_| first.clone())?;
                self.try_push(Op::DropView { view }).map_err(|_| first)
            }
            Op::DropTrigger { trigger } if self.held_triggers.remove(&key(&trigger.name)) => Ok(()),
            Op::CreateTable { mut table } => {
                let whole = table.foreign_keys.len();
                let schema = &self.schema;
                table.foreign_keys.retain(|fk| {
                    same_name(&fk.ref_table, &table.name)
                        || schema.table(RULES, &fk.ref_table).is_some()
                });
                if table.foreign_keys.len() == whole {
                    return Err(first);
                }
                let name = key(&table.name);
                self.try_push(Op::CreateTable { table })
                    .map_err(|_| first)?;
                self.held_keys.insert(name);
                Ok(())
            }
            Op::CreateView { view } if matches!(first, ProjectError::NoSuchObject { .. }) => {
                self.held_views.insert(key(&view.name));
                Ok(())
            }
            Op::CreateTrigger { trigger } if matches!(first, ProjectError::NoSuchObject { .. }) => {
                self.held_triggers.insert(key(&trigger.name));
                Ok(())
            }
            Op::AddForeignKey { table, .. } => {
                self.held_keys.insert(key(&table));
                Ok(())
            }
            Op::DropForeignKey {
                table, foreign_key, ..
            } if self.held_keys.contains(&key(&table)) => {
                let here = self
                    .schema
                    .table(RULES, &table)
                    .and_then(|t| t.foreign_keys.iter().position(|fk| *fk == foreign_key));
                match here {
                    // Taken off already: it stays off.
                    None => Ok(()),
                    Some(at) => self
                        .try_push(Op::DropForeignKey {
                            table,
                            foreign_key,
                            position: at as u32,
                        })
                        .map_err(|_| first),
                }
            }
            _ => Err(first),
        }
    }

    /// The ops, once everything taken off is put back as `script` (the
    /// schema the script leaves, whole) has it; `None` if that does not
    /// give `script` exactly.
    pub fn finish(mut self, script: &Schema) -> Option<Vec<Op>> {
        // Views in an order where each reads only what exists.
        let mut views: Vec<_> = script
            .views
            .iter()
            .filter(|(k, _)| !self.schema.views.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect();
        while !views.is_empty() {
            let before = views.len();
            views.retain(|v| self.try_push(Op::CreateView { view: v.clone() }).is_err());
            if views.len() == before {
                return None;
            }
        }
        let keys: Vec<(String, Vec<_>)> = script
            .tables
            .values()
            .map(|t| (t.name.clone(), t.foreign_keys.clone()))
            .collect();
        for (table, wanted) in keys {
            for (at, fk) in wanted.into_iter().enumerate() {
                let here = self.schema.table(RULES, &table)?;
                if here.foreign_keys.get(at) != Some(&fk) {
                    self.try_push(Op::AddForeignKey {
                        table: table.clone(),
                        foreign_key: fk,
                        position: at as u32,
                    })
                    .ok()?;
                }
            }
        }
        let triggers: Vec<_> = script
            .triggers
            .iter()
            .filter(|(k, _)| !self.schema.triggers.contains_key(*k))
            .map(|(_, t)| t.clone())
            .collect();
        for trigger in triggers {
            self.try_push(Op::CreateTrigger { trigger }).ok()?;
        }
        (self.schema == *script).then_some(self.ops)
    }

    fn try_push(&mut self, op: Op) -> Result<(), ProjectError> {
        project(RULES, &mut self.schema, &op)?;
        if let Op::RenameTable { from, to } = &op {
            if self.held_keys.remove(&key(from)) {
                self.held_keys.insert(key(to));
            }
        }
        self.ops.push(op);
        Ok(())
    }

    /// Take off what reads the relation `name` so it can be dropped: the
    /// views that read it (and what reads those), the triggers that read
    /// it from another table, and, for a table, other tables' foreign keys
    /// to it. A trigger on the relation itself is not taken off: dropping
    /// the relation drops it.
    fn take_off_readers(&mut self, name: &str, table: bool) -> Result<(), ProjectError> {
        let reads = |deps: &[String]| deps.iter().any(|d| same_name(d, name));
        let triggers: Vec<_> = self
            .schema
            .triggers
            .values()
            .filter(|t| !same_name(&t.table, name) && reads(&t.depends_on))
            .cloned()
            .collect();
        for trigger in triggers {
            self.held_triggers.insert(key(&trigger.name));
            self.try_push(Op::DropTrigger { trigger })?;
        }
        let views: Vec<_> = self
            .schema
            .views
            .values()
            .filter(|v| !same_name(&v.name, name) && reads(&v.depends_on))
            .cloned()
            .collect();
        for view in views {
            // It may have gone with a view taken off before it.
            if self.schema.views.contains_key(&key(&view.name)) {
                self.take_off_readers(&view.name, false)?;
                self.held_views.insert(key(&view.name));
                self.try_push(Op::DropView { view })?;
            }
        }
        if table {
            let children: Vec<Table> = self
                .schema
                .tables
                .values()
                .filter(|t| !same_name(&t.name, name))
                .filter(|t| {
                    t.foreign_keys
                        .iter()
                        .any(|fk| same_name(&fk.ref_table, name))
                })
                .cloned()
                .collect();
            for child in children {
                // From the last, so the positions of the others hold.
                for (at, fk) in child.foreign_keys.iter().enumerate().rev() {
                    if same_name(&fk.ref_table, name) {
                        self.try_push(Op::DropForeignKey {
                            table: child.name.clone(),
                            foreign_key: fk.clone(),
                            position: at as u32,
                        })?;
                    }
                }
                self.held_keys.insert(key(&child.name));
            }
        }
        Ok(())
    }
}

/// Whether `here` is `wanted` but for foreign keys taken off.
fn same_but_keys(here: &Table, wanted: &Table) -> bool {
    let mut whole = here.clone();
    whole.foreign_keys = wanted.foreign_keys.clone();
    whole == *wanted
}
