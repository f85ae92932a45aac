//! SQLite's generalized ALTER TABLE procedure (lang_altertable.html,
//! section 7) for one table: the steps inside the transaction. Turning
//! foreign keys off before it and checking them after belong to the whole
//! plan.

use strata_dialect::sqlite::same_name;
use strata_dialect::sqlite::text::quote_ident;
use strata_dialect::sqlite::RULES;
use strata_dialect::sqlite::{AUTOINCREMENT, WITHOUT_ROWID};
use strata_schema::{Column, Table};

use super::{is_referenced, quote_literal, Dependents, Pending, PlanError, Planner, Rebuild, Role};
use crate::render::{render_index, render_table};

/// The first of SQLite's names for the rowid that no column of `table`
/// takes over.
pub(super) fn rowid_name(table: &Table) -> Option<&'static str> {
    ["rowid", "_rowid_", "oid"]
        .into_iter()
        .find(|n| table.column(RULES, n).is_none())
}

/// The column that is the rowid of `table` (a single-column primary key
/// declared exactly INTEGER, as [`render_table`] writes it), if any.
pub(super) fn rowid_alias(table: &Table) -> Option<&str> {
    if table.has_option(WITHOUT_ROWID) {
        return None;
    }
    let pk = table.primary_key.as_ref()?;
    match pk.columns.as_slice() {
        [c] if table
            .column(RULES, c)
            .is_some_and(|col| col.ty.eq_ignore_ascii_case("INTEGER")) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// What the copy puts into a column that an ADD COLUMN of the rebuild
/// added as `added` and that the new table declares as `now`, for the rows
/// already in the table: what that ADD COLUMN gave them, its default of
/// then (NULL when none), evaluated as the default is. `None` when leaving
/// the column out of the copy gives the same, because the default is still
/// the one it was added with; a generated column is not copied.
fn copied_value(added: &Column, now: &Column) -> Option<String> {
    if added.generated.is_some() || added.default == now.default {
        return None;
    }
    Some(super::added_value(added))
}

/// The rowid a rebuild copies from `p`'s table into `after`, as the names
/// that read it in each (`None` when either has none, or the copy of the
/// rowid's alias carries it): an error when one of them hides it.
fn rowid_copy(
    p: &Pending,
    after: &Table,
) -> Result<Option<(&'static str, &'static str)>, PlanError> {
    let before = &p.before;
    if before.has_option(WITHOUT_ROWID) || after.has_option(WITHOUT_ROWID) {
        return Ok(None);
    }
    if rowid_alias(after).is_some_and(|a| p.origin(a).is_some()) {
        return Ok(None);
    }
    let from = rowid_name(before).ok_or_else(|| PlanError::RowidHidden {
        table: before.name.clone(),
    })?;
    let to = rowid_name(after).ok_or_else(|| PlanError::RowidHidden {
        table: after.name.clone(),
    })?;
    Ok(Some((to, from)))
}

impl Planner {
    /// Rebuilds the table of `p` into its shape in the current schema.
    pub(super) fn rebuild(&mut self, p: Pending) -> Result<(), PlanError> {
        // A table dropped later in the event was rebuilt before its drop
        // (the drop names it), so the table is always there.
        let Some(after) = self.schema.tables.get(&p.key).cloned() else {
            return Ok(());
        };
        let before = &p.before;
        // Ops are numbered from 1 in text, as `show` lists them; by event
        // when the rebuild serves several.
        let mut events: Vec<(u64, Vec<String>)> = Vec::new();
        for (seq, op) in &p.ops {
            let n = op.saturating_add(1).to_string();
            match events.last_mut() {
                Some((s, ops)) if s == seq => ops.push(n),
                _ => events.push((*seq, vec![n])),
            }
        }
        let served = match events.as_slice() {
            [] => format!("event {} op -", p.seq),
            [(seq, ops)] => format!(
                "event {seq} op{} {}",
                if ops.len() == 1 { "" } else { "s" },
                ops.join(", ")
            ),
            many => format!(
                "events {}",
                many.iter()
                    .map(|(seq, ops)| format!(
                        "{seq} (op{} {})",
                        if ops.len() == 1 { "" } else { "s" },
                        ops.join(", ")
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let comment = format!(
            "{served}: rebuild of {} ({})",
            after.name,
            p.kinds.join(", ")
        );

        for (n, k) in p.archives.iter().enumerate() {
            match p.ghost || n < p.nothing {
                true => self.archive_of_nothing(k)?,
                false => self.archive(k, &before.name)?,
            }
        }

        let referenced = is_referenced(&self.schema, &after.name)
            || before
                .foreign_keys
                .iter()
                .any(|fk| same_name(&fk.ref_table, &before.name))
            || self.pending.iter().any(|o| {
                o.before
                    .foreign_keys
                    .iter()
                    .any(|fk| same_name(&fk.ref_table, &before.name))
            });
        if referenced {
            self.plan.foreign_keys_off = true;
        }
        let rowid = rowid_copy(&p, &after)?;
        if p.ghost {
            // A fresh table: no row to copy, its CREATE TABLE is written as
            // it ends.
            return Ok(());
        }

        // Steps 3 and 9: views and triggers that read the table go first,
        // because the final RENAME checks every view and trigger, and those
        // naming the dropped table would fail it.
        let schema = std::sync::Arc::clone(&self.schema);
        let deps = Dependents::of(&schema, &after.name);
        deps.drop_all(self, &schema, &comment);

        // Step 4: the new table under a temporary name.
        let temp = format!("_strata_new_{}", after.name);
        let mut shape = after.clone();
        shape.name = temp.clone();
        self.emit(comment.clone(), render_table(&shape));

        // Step 5: every row, keeping its rowid.
        let mut targets: Vec<String> = Vec::new();
        let mut sources: Vec<String> = Vec::new();
        for c in after.columns.iter().filter(|c| c.generated.is_none()) {
            let origin = p.origin(&c.name);
            if let Some(fill) = p.fills.iter().find(|f| same_name(&f.column, &c.name)) {
                targets.push(quote_ident(&c.name));
                sources.push(fill.source(&p, origin));
            } else if let Some(origin) = origin {
                targets.push(quote_ident(&c.name));
                sources.push(quote_ident(origin));
            } else if let Some(value) = p.added(&c.name).and_then(|a| copied_value(a, c)) {
                targets.push(quote_ident(&c.name));
                sources.push(value);
            }
        }
        if let Some((to, from)) = rowid {
            targets.insert(0, to.to_string());
            sources.insert(0, from.to_string());
        }
        if targets.is_empty() {
            // Not one column or rowid carried over (every column the table
            // had is gone, the ones it has are new, and one side has no
            // rowid): each row is still a row, holding what its ADD
            // COLUMNs gave it, which the first stored column, written
            // out, makes the copy give it.
            let first = after.columns.iter().find(|c| c.generated.is_none());
            if let Some((c, value)) = first.and_then(|c| Some((c, p.value_of(&c.name)?))) {
                targets.push(quote_ident(&c.name));
                sources.push(value);
            }
        }
        if !targets.is_empty() {
            self.emit_role(
                comment.clone(),
                format!(
                    "INSERT INTO {} ({}) SELECT {} FROM {}",
                    quote_ident(&temp),
                    targets.join(", "),
                    sources.join(", "),
                    quote_ident(&before.name)
                ),
                if p.fills.is_empty() {
                    Role::Plain
                } else {
                    Role::Refill
                },
            );
        }

        // An AUTOINCREMENT counter can be ahead of the largest rowid (rows
        // deleted at the end); DROP TABLE forgets it, so carry it over.
        let autoincrement = |t: &Table| t.has_option(AUTOINCREMENT);
        if autoincrement(before) && autoincrement(&after) {
            self.emit(
                comment.clone(),
                format!(
                    "DELETE FROM sqlite_sequence WHERE name = {}",
                    quote_literal(&temp)
                ),
            );
            self.emit(
                comment.clone(),
                format!(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {}",
                    quote_literal(&temp),
                    quote_literal(&before.name)
                ),
            );
        }

        // Steps 6 and 7.
        self.emit(
            comment.clone(),
            format!("DROP TABLE {}", quote_ident(&before.name)),
        );
        self.emit(
            comment.clone(),
            format!(
                "ALTER TABLE {} RENAME TO {}",
                quote_ident(&temp),
                quote_ident(&after.name)
            ),
        );

        // Step 8: indexes, then the views and triggers set aside.
        let indexes: Vec<String> = schema
            .indexes
            .values()
            .filter(|i| same_name(&i.table, &after.name))
            .map(render_index)
            .collect();
        for sql in indexes {
            self.emit(comment.clone(), sql);
        }
        deps.create_all(self, &schema, &comment);

        // What came back leaves its archive.
        for fill in &p.fills {
            if let Some((sql, role)) = fill.consume(&after) {
                self.emit_role(comment.clone(), sql, role);
            }
        }

        self.plan.rebuilds.push(Rebuild {
            seq: p.seq,
            table: after.name.clone(),
            ops: p.ops.clone(),
        });
        Ok(())
    }
}
