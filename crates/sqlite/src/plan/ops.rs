//! What each op becomes in a plan, one function per kind of op (or per
//! family, where ops plan alike): native DDL where SQLite can make the
//! change in place, a place in the rebuild of its table otherwise, with
//! the archives and restores that keep its data. [`Planner::op`] projects
//! the op and hands it here.

use strata_dialect::sqlite::text::quote_ident;
use strata_dialect::sqlite::{key, same_name};
use strata_dialect::sqlite::{RULES, STRICT, WITHOUT_ROWID};
use strata_schema::{Column, Index, Op, Schema, Table};

use super::{
    is_referenced, keep, native_add, own_text_mentions, stored_as_is, Added, Here, PlanError,
    Planner, Role,
};
use crate::custody::Held;
use crate::render::{render_column_def, render_index, render_table};

/// An op in the plan: where it comes from, and the schema as it finds it.
/// Only a rename needs the schema as the op leaves it too; it is given it
/// apart, so that no other op pays for a copy of the schema.
#[derive(Clone, Copy)]
pub(super) struct OpAt<'a> {
    pub(super) at: Here,
    pub(super) op: &'a Op,
    pub(super) before: &'a Schema,
}

impl OpAt<'_> {
    /// The comment of a statement the op makes about `what`.
    fn note(&self, what: &str) -> String {
        format!(
            "event {} op {}: {} {what}",
            self.at.seq,
            self.at.op.saturating_add(1),
            self.at.kind
        )
    }
}

impl Planner {
    /// A data step, as recorded, after every gathered rebuild.
    pub(super) fn data_step(&mut self, o: OpAt, sql: &str) -> Result<(), PlanError> {
        self.flush_all()?;
        self.emit_role(
            o.note("(data step, as recorded)"),
            sql.to_string(),
            Role::Data,
        );
        Ok(())
    }

    /// CREATE TABLE, then the rows of the table back from `back`, the
    /// archive of its drop, when the database keeps one, unless they wait
    /// for the next ops of its event on it (see [`super::Fresh::restore`]);
    /// without them, the table is fresh (see [`super::Fresh`]).
    pub(super) fn create_table(&mut self, o: OpAt, table: &Table, back: Option<Held>) {
        self.emit(o.note(&table.name), render_table(table));
        let restore = match back {
            Some(held) if !std::mem::take(&mut self.rows_wait) => {
                self.restore_table(o.at, table, &held);
                return;
            }
            Some(held) => {
                self.waiting.insert(key(&table.name));
                Some((o.at, held))
            }
            None => None,
        };
        let stmt = self.plan.statements.len() - 1;
        self.fresh.insert(
            key(&table.name),
            super::Fresh {
                stmt,
                indexes: Vec::new(),
                restore,
                renamed: Vec::new(),
            },
        );
    }

    /// DROP TABLE, with its rows archived first. A gathered rebuild that
    /// may still carry a foreign key to this table in the database (a
    /// dropped constraint not yet rebuilt away) goes first, as ON DELETE
    /// would fire when the table goes.
    pub(super) fn drop_table(&mut self, o: OpAt, table: &Table) -> Result<(), PlanError> {
        let unbuilt = self.unbuilt(o.at, table);
        self.flush_for_drop(&table.name)?;
        if is_referenced(o.before, &table.name) {
            self.plan.foreign_keys_off = true;
        }
        match unbuilt {
            Some((p, k)) => {
                for (comment, sql) in p.owed {
                    self.emit_role(comment, sql, Role::Refusal);
                }
                for a in &p.archives {
                    self.archive(a, &p.before.name)?;
                }
                self.archive(&k, &p.before.name)?;
            }
            None => {
                let k = keep::Keep::table(o.at, table)?;
                self.archive(&k, &table.name)?;
            }
        }
        self.emit(
            o.note(&table.name),
            format!("DROP TABLE {}", quote_ident(&table.name)),
        );
        Ok(())
    }

    /// The rebuild of `table` being gathered, taken out, when the drop of
    /// the table at `at` can do without it, with the archive of the
    /// table's rows read from the table as the database has it: what the
    /// rebuild's ops of this event do to a table the event then drops is
    /// seen by no row, as an event's constraints are checked as it ends.
    /// So it makes only its archives, after the refusals it owes for the
    /// events it went on past. Not when it converts or puts back values,
    /// or changes the key or an option other than STRICT (the archive's
    /// key is the database's).
    fn unbuilt(&mut self, at: Here, table: &Table) -> Option<(super::Pending, keep::Keep)> {
        let i = self.pending_index(&table.name)?;
        let p = &self.pending[i];
        let keyed_alike = match table.has_option(WITHOUT_ROWID) {
            true => {
                p.before.has_option(WITHOUT_ROWID) && {
                    let (a, b) = (&p.before.primary_key, &table.primary_key);
                    a.as_ref().map(|k| &k.columns) == b.as_ref().map(|k| &k.columns)
                        && b.iter()
                            .flat_map(|k| &k.columns)
                            .all(|c| p.origin(c).is_some_and(|o| same_name(o, c)))
                }
            }
            false => !p.before.has_option(WITHOUT_ROWID),
        };
        if p.ghost
            || p.nothing > 0
            || !p.fills.is_empty()
            || !p.converted.is_empty()
            || !keyed_alike
            || super::but_strict(&p.before.options) != super::but_strict(&table.options)
        {
            return None;
        }
        let k = keep::Keep::table_read(at, table, &p.before, |c| p.value_of(c)).ok()??;
        let p = self.pending.remove(i);
        Some((p, k))
    }

    /// ALTER TABLE ... RENAME TO, after the gathered rebuilds of the tables
    /// it names; `after` is the schema the rename leaves.
    pub(super) fn rename_table(
        &mut self,
        o: OpAt,
        after: &Schema,
        from: &str,
        to: &str,
    ) -> Result<(), PlanError> {
        self.flush_touching(o.op)?;
        let sql = format!(
            "ALTER TABLE {} RENAME TO {}",
            quote_ident(from),
            quote_ident(to)
        );
        let comment = o.note(&format!("{from} to {to}"));
        self.native_rename(o.at, o.before, after, from, sql, comment);
        self.refresh_own_text(o, after, to, from);
        Ok(())
    }

    /// After a native rename that leaves `after`: where the table's own SQL
    /// text names `name`, a rebuild of `table` from the model, which
    /// carries the model's text.
    fn refresh_own_text(&mut self, o: OpAt, after: &Schema, table: &str, name: &str) {
        let t = after.table(RULES, table).cloned().unwrap_or_default();
        if own_text_mentions(&t, name) {
            let i = self.start(o.at, &t, "refresh of the table's own SQL text");
            self.pending[i].ops.push((o.at.seq, o.at.op));
            self.pending[i].indexes = super::indexes_of(after, table);
        }
    }

    /// A new column: part of the rebuild its table is gathered into; a
    /// rebuild of its own when its values come back from `back` (as the
    /// rows are copied, which fires none of the table's triggers); native
    /// ADD COLUMN where SQLite can add it; a rebuild otherwise.
    pub(super) fn add_column(
        &mut self,
        o: OpAt,
        table: &str,
        column: &Column,
        position: u32,
        back: Option<Held>,
    ) -> Result<(), PlanError> {
        if back.is_some() {
            self.flush_settled(table)?;
        }
        let current = o.before.table(RULES, table).cloned().unwrap_or_default();
        let native = back.is_none() && native_add(&current, column, position);
        if !native {
            // A rebuild reads every column of the table.
            self.added.remove(&key(table));
        }
        if let Some(i) = self.pending_index(table) {
            self.absorb(i, o.at, o.op);
            self.fill(i, o.at, table, column, back, None);
        } else if let Some(held) = back {
            let i = self.start(o.at, &current, o.at.kind);
            self.absorb(i, o.at, o.op);
            self.fill(i, o.at, table, column, Some(held), None);
        } else if self.is_fresh(table) {
            // Written into its CREATE TABLE.
        } else if native {
            self.emit(
                o.note(&format!("{table}.{}", column.name)),
                format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    quote_ident(table),
                    render_column_def(column)
                ),
            );
            if let Some(value) = stored_as_is(column, current.has_option(STRICT)) {
                self.added.entry(key(table)).or_default().push(Added {
                    column: column.name.clone(),
                    value,
                    stmt: self.plan.statements.len() - 1,
                });
            }
        } else {
            let i = self.start(o.at, &current, o.at.kind);
            self.absorb(i, o.at, o.op);
        }
        Ok(())
    }

    /// Before an op puts values back into `table`: carries out the rebuild
    /// it is gathered into if that rebuild carried a column it adds past
    /// the end of an event. Values come back to a row whose witnesses
    /// still hold what they held, which a column the table has in the
    /// database compares as it does one event at a time.
    fn flush_settled(&mut self, table: &str) -> Result<(), PlanError> {
        let k = key(table);
        self.flush_where(|p| p.key == k && !p.settled.is_empty())
    }

    /// A dropped column: part of the rebuild its table is gathered into, or
    /// native DROP COLUMN with its values archived first (a generated
    /// column keeps none). When the move drops the table next, the values
    /// are archived as ever but the column is left in the table, which
    /// goes with it: its archive copies the columns the model gives it,
    /// so the database ends as the events leave it one by one, without a
    /// DROP COLUMN (which makes SQLite parse every object of the schema).
    /// A column the move added and nothing has touched since (see
    /// [`super::Added`]) is never written: its ADD COLUMN is left out, and
    /// its archive holds what that ADD COLUMN gave every row.
    pub(super) fn drop_column(
        &mut self,
        o: OpAt,
        table: &str,
        column: &Column,
    ) -> Result<(), PlanError> {
        let k_table = key(table);
        if let Some(i) = self.pending_index(table) {
            self.added.remove(&k_table);
            self.absorb(i, o.at, o.op);
            return Ok(());
        }
        let current = o.before.table(RULES, table).cloned().unwrap_or_default();
        let fresh = self.is_fresh(table);
        let added = self.added.get(&k_table).map_or(&[][..], Vec::as_slice);
        let unwritten = added
            .iter()
            .position(|a| same_name(&a.column, &column.name));
        if column.generated.is_none() {
            let k = keep::Keep::native(o.at, &current, column, |c| {
                added
                    .iter()
                    .find(|a| same_name(&a.column, c))
                    .map_or_else(|| quote_ident(c), |a| a.value.clone())
            })?;
            match fresh {
                true => self.archive_of_nothing(&k)?,
                false => self.archive(&k, table)?,
            }
        }
        if let Some(n) = unwritten {
            if let Some(added) = self.added.get_mut(&k_table) {
                let a = added.remove(n);
                self.left_out.insert(a.stmt);
            }
            return Ok(());
        }
        if std::mem::take(&mut self.table_goes) || fresh {
            return Ok(());
        }
        self.emit(
            o.note(&format!("{table}.{}", column.name)),
            format!(
                "ALTER TABLE {} DROP COLUMN {}",
                quote_ident(table),
                quote_ident(&column.name)
            ),
        );
        Ok(())
    }

    /// A renamed column: part of the rebuild its table is gathered into,
    /// unless another table's foreign key names the column (a rebuild
    /// writes the table, not the other tables' REFERENCES clauses, which
    /// SQLite's own rename rewrites); native RENAME COLUMN otherwise.
    /// `after` is the schema the rename leaves.
    pub(super) fn rename_column(
        &mut self,
        o: OpAt,
        after: &Schema,
        table: &str,
        from: &str,
        to: &str,
    ) -> Result<(), PlanError> {
        // A table whose rows wait (see `Fresh::restore`) is created with
        // the column's new name, and its rows come back under it.
        if let Some(f) = self
            .fresh
            .get_mut(&key(table))
            .filter(|f| f.restore.is_some())
        {
            f.renamed.push((from.to_string(), to.to_string()));
            return Ok(());
        }
        let child_names_it = o.before.tables.values().any(|t| {
            !same_name(&t.name, table)
                && t.foreign_keys.iter().any(|fk| {
                    same_name(&fk.ref_table, table)
                        && fk.ref_columns.iter().any(|c| same_name(c, from))
                })
        });
        match self.pending_index(table) {
            Some(i) if !child_names_it => self.absorb(i, o.at, o.op),
            _ => {
                self.flush_touching(o.op)?;
                let sql = format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    quote_ident(table),
                    quote_ident(from),
                    quote_ident(to)
                );
                let comment = o.note(&format!("{table}.{from} to {to}"));
                self.native_rename(o.at, o.before, after, table, sql, comment);
                self.refresh_own_text(o, after, table, to);
            }
        }
        Ok(())
    }

    /// An op only a rebuild of `table` carries out (a column's new
    /// definition, a constraint added or dropped): into the rebuild its
    /// table is gathered into, or one it begins. A column whose type goes
    /// back takes its values back from `back`.
    pub(super) fn by_rebuild(
        &mut self,
        o: OpAt,
        table: &str,
        back: Option<Held>,
    ) -> Result<(), PlanError> {
        if back.is_some() {
            self.flush_settled(table)?;
        }
        if let (Op::AlterColumn { from, to, .. }, Some(i)) = (o.op, self.pending_index(table)) {
            if self.pending[i].needs_values_first(from, to) {
                let p = self.pending.remove(i);
                self.rebuild(p)?;
            }
        }
        let i = match self.pending_index(table) {
            Some(i) => i,
            None => {
                let current = o.before.table(RULES, table).cloned().unwrap_or_default();
                self.start(o.at, &current, o.at.kind)
            }
        };
        self.absorb(i, o.at, o.op);
        if let Op::AlterColumn { from, to, .. } = o.op {
            self.fill(i, o.at, table, to, back, Some(from));
        }
        Ok(())
    }

    /// CREATE INDEX, unless the index's table is fresh (it is made with
    /// the table) or being rebuilt, which makes its indexes.
    pub(super) fn create_index(&mut self, o: OpAt, index: &Index) {
        if let Some(f) = self.fresh.get_mut(&key(&index.table)) {
            f.indexes.push((key(&index.name), o.note(&index.name)));
        } else if let Some(i) = self.pending_index(&index.table) {
            self.absorb(i, o.at, o.op);
        } else {
            self.emit(o.note(&index.name), render_index(index));
        }
    }

    /// DROP INDEX, unless the index's table is fresh (it was never made)
    /// or being rebuilt, which drops its indexes with it.
    pub(super) fn drop_index(&mut self, o: OpAt, index: &Index) {
        if let Some(f) = self.fresh.get_mut(&key(&index.table)) {
            let k = key(&index.name);
            f.indexes.retain(|(i, _)| *i != k);
        } else if let Some(i) = self.pending_index(&index.table) {
            self.absorb(i, o.at, o.op);
        } else {
            self.emit(
                o.note(&index.name),
                format!("DROP INDEX {}", quote_ident(&index.name)),
            );
        }
    }

    /// `sql`, which creates or drops the view or trigger `name`; a creation
    /// after the gathered rebuilds of the tables it reads. A drop reads no
    /// table, so those rebuilds go on: each makes the views and triggers
    /// the model has when it is carried out, and this one is gone by then
    /// (a table the event then drops need not be rebuilt at all).
    pub(super) fn view_or_trigger(
        &mut self,
        o: OpAt,
        name: &str,
        sql: String,
    ) -> Result<(), PlanError> {
        if matches!(o.op, Op::CreateView { .. } | Op::CreateTrigger { .. }) {
            self.flush_touching(o.op)?;
        }
        self.emit(o.note(name), sql);
        Ok(())
    }
}
