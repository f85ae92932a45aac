//! The plan's side of custody (see [`crate::custody`]): the statements that
//! put data aside before an op loses it, and those that bring it back to
//! the rows it came from.
//!
//! An archive keeps, for each row, its key (the rowid, or a WITHOUT ROWID
//! table's primary key), the values the op loses, and the row's other
//! stored values as they were: its witness. A value goes back only to the
//! row with its key whose witness columns still hold the same values, so a
//! row inserted since under a reused rowid, or changed since, keeps what it
//! has; what does not go back stays in the archive.

use std::sync::Arc;

use strata_dialect::sqlite::same_name;
use strata_dialect::sqlite::text::quote_ident;
use strata_dialect::sqlite::RULES;
use strata_dialect::sqlite::{AUTOINCREMENT, WITHOUT_ROWID};
use strata_schema::{Column, Op, Schema, Table};

use super::rebuild::{rowid_alias, rowid_name};
use super::{
    quote_literal, takes_back_values, ArchiveEntry, ArchiveKey, ArchiveKind, Here, Loss, Pending,
    PlanError, Planner, Restore, Role, ARCHIVE_CATALOG,
};
use crate::custody::{Held, AFTER_COLUMN, ROWID_COLUMN};
use crate::ddl::default_as_expr;

/// What one archive takes from a table: each archive column with the
/// column (or rowid name) of the table as the database has it that fills
/// it.
#[derive(Debug, Clone)]
pub(super) struct Keep {
    at: Here,
    kind: ArchiveKind,
    /// The table and column as the op names them.
    table: String,
    column: Option<String>,
    /// By rowid ([`ROWID_COLUMN`]) or by the primary key's columns.
    rowid: bool,
    /// The key's, the values' and the witnesses' columns, each with the SQL
    /// that reads it from the table as the database has it.
    key: Vec<(String, String)>,
    values: Vec<(String, String)>,
    /// The column whose value after a type change [`AFTER_COLUMN`] holds,
    /// its new declared type and the SQL that reads its value.
    after: Option<(String, String, String)>,
    witness: Vec<(String, String)>,
    /// The table's AUTOINCREMENT counter is kept too.
    counter: bool,
}

/// A column whose values come back from an archive as a rebuild copies the
/// rows.
#[derive(Debug, Clone)]
pub(super) struct Fill {
    /// The column as the rebuilt table names it.
    pub column: String,
    held: Held,
    /// The plan's restore entry.
    index: usize,
    /// What a row the archive has no value for gets: the column's default
    /// (a re-added column), or its own value (a type change back).
    otherwise: Otherwise,
    /// The archive's key and witness columns, as the rebuild named them
    /// when this fill joined it, with the column of the table as the
    /// database has it that each comes from: a later op of the rebuild may
    /// rename them.
    origins: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
enum Otherwise {
    Default(Option<String>),
    Own,
}

impl Keep {
    /// Every row of a table about to be dropped.
    pub(super) fn table(at: Here, table: &Table) -> Result<Keep, PlanError> {
        Keep::table_read(at, table, table, |c| Some(quote_ident(c)))
            .map(|k| k.expect("every column is its own source"))
    }

    /// Every row of `table` (as the model has it) about to be dropped, read
    /// from `db` (the table as the database has it, with the same rowid or
    /// key) through `source`, the SQL that reads each of `table`'s columns
    /// from it; `None` when a column has none.
    pub(super) fn table_read(
        at: Here,
        table: &Table,
        db: &Table,
        source: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Keep>, PlanError> {
        let read: Option<Vec<(String, String)>> = table
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .map(|c| source(&c.name).map(|sql| (c.name.clone(), sql)))
            .collect();
        let Some(read) = read else {
            return Ok(None);
        };
        let (rowid, key, values) = if table.has_option(WITHOUT_ROWID) {
            let pk = primary_key(table);
            let key: Option<Vec<(String, String)>> = pk
                .iter()
                .map(|k| source(k).map(|sql| (k.clone(), sql)))
                .collect();
            let Some(key) = key else {
                return Ok(None);
            };
            let values = read
                .into_iter()
                .filter(|(c, _)| !pk.iter().any(|k| same_name(k, c)))
                .collect();
            (false, key, values)
        } else {
            let r = rowid_name(db).ok_or_else(|| PlanError::RowidHidden {
                table: table.name.clone(),
            })?;
            (true, vec![(ROWID_COLUMN.to_string(), r.to_string())], read)
        };
        Ok(Some(Keep {
            at,
            kind: ArchiveKind::Table,
            table: table.name.clone(),
            column: None,
            rowid,
            key,
            values,
            after: None,
            witness: Vec::new(),
            counter: table.has_option(AUTOINCREMENT),
        }))
    }

    /// A column's values, dropped by a native DROP COLUMN; `value_of` gives
    /// the SQL that reads each column of the table as the database has it.
    pub(super) fn native(
        at: Here,
        table: &Table,
        column: &Column,
        value_of: impl Fn(&str) -> String,
    ) -> Result<Keep, PlanError> {
        let rowid = match table.has_option(WITHOUT_ROWID) {
            true => None,
            false => Some(rowid_name(table).ok_or_else(|| PlanError::RowidHidden {
                table: table.name.clone(),
            })?),
        };
        Ok(Keep::column(
            at,
            table,
            column,
            None,
            |c| Some(value_of(c)),
            |_| true,
            rowid,
        )
        .expect("every column is its own source"))
    }

    /// A column's values, dropped (`to` is `None`) or changed by an
    /// AlterColumn to `to`, in the rebuild `p` gathers; `now` is the schema
    /// the op finds.
    pub(super) fn in_rebuild(
        p: &Pending,
        at: Here,
        now: &Arc<Schema>,
        table: &str,
        column: &Column,
        to: Option<&Column>,
    ) -> Option<Keep> {
        let t = now.table(RULES, table)?;
        // The rows are keyed by rowid only where the table has one both as
        // the rebuild finds it and at this op (an option changed in the
        // same rebuild may take it away or give it); otherwise by the
        // primary key, which a WITHOUT ROWID table always has.
        let rowid = match t.has_option(WITHOUT_ROWID) || p.before.has_option(WITHOUT_ROWID) {
            true => None,
            false => Some(rowid_name(&p.before)?),
        };
        // Keyed by the primary key: the table's at this op, or, when an
        // earlier op of the rebuild dropped it (a WITHOUT ROWID table
        // becoming a rowid table), the one the rows have in the database,
        // under the names the rebuild gives its columns now.
        let keyed;
        let t = match (rowid, &t.primary_key, &p.before.primary_key) {
            (None, None, Some(pk)) => {
                let mut columns = Vec::with_capacity(pk.columns.len());
                for k in &pk.columns {
                    let (now_named, _) = p
                        .origins
                        .iter()
                        .find(|(_, s)| matches!(s, super::Source::Column(c) if same_name(c, k)))?;
                    columns.push(now_named.clone());
                }
                let mut with_key = t.clone();
                with_key.primary_key = Some(strata_schema::PrimaryKey {
                    columns,
                    ..pk.clone()
                });
                keyed = with_key;
                &keyed
            }
            _ => t,
        };
        // A column the rebuild adds is no witness (the row's values in it
        // are its ADD COLUMN's, not what a user left there), but for one it
        // carried past the end of an event, as the table has it from then
        // on one event at a time.
        Keep::column(
            at,
            t,
            column,
            to,
            |c| p.value_of(c),
            |c| p.witnesses(c),
            rowid,
        )
    }

    fn column(
        at: Here,
        table: &Table,
        column: &Column,
        to: Option<&Column>,
        source: impl Fn(&str) -> Option<String>,
        witnessed: impl Fn(&str) -> bool,
        rowid: Option<&str>,
    ) -> Option<Keep> {
        let value = source(&column.name)?;
        let after = to
            .filter(|to| to.generated.is_none())
            .map(|to| (column.name.clone(), to.ty.clone(), value.clone()));
        let mut key = Vec::new();
        let pk = primary_key(table);
        match rowid {
            Some(r) => key.push((ROWID_COLUMN.to_string(), r.to_string())),
            None => {
                for k in &pk {
                    let src = source(k)?;
                    if after.is_some() && same_name(k, &column.name) {
                        key.push((AFTER_COLUMN.to_string(), src));
                    } else {
                        key.push((k.clone(), src));
                    }
                }
            }
        }
        let witness = table
            .columns
            .iter()
            .filter(|c| c.generated.is_none() && !same_name(&c.name, &column.name))
            .filter(|c| rowid.is_some() || !pk.iter().any(|k| same_name(k, &c.name)))
            // The rowid's alias is the key already.
            .filter(|c| {
                rowid.is_none() || rowid_alias(table).is_none_or(|a| !same_name(a, &c.name))
            })
            .filter(|c| witnessed(&c.name))
            .filter_map(|c| source(&c.name).map(|s| (c.name.clone(), s)))
            .collect();
        Some(Keep {
            at,
            kind: if to.is_some() {
                ArchiveKind::Values
            } else {
                ArchiveKind::Column
            },
            table: table.name.clone(),
            column: Some(column.name.clone()),
            rowid: rowid.is_some(),
            key,
            values: vec![(column.name.clone(), value)],
            after,
            witness,
            counter: false,
        })
    }
}

fn primary_key(table: &Table) -> Vec<String> {
    table
        .primary_key
        .iter()
        .flat_map(|pk| pk.columns.iter().cloned())
        .collect()
}

fn names_json(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| quote_literal(n)).collect();
    format!("json_array({})", quoted.join(", "))
}

impl Planner {
    /// Copies what `k` keeps from `db_table` (the table as the database
    /// names it now) into a new archive table and records it in the
    /// catalog.
    pub(super) fn archive(&mut self, k: &Keep, db_table: &str) -> Result<(), PlanError> {
        self.archive_from(k, Some(db_table))
    }

    /// What `k` keeps of a table the move has created and that has held no
    /// row since: an archive table with no rows, recorded in the catalog,
    /// as the op makes it one event at a time; nothing is read from the
    /// table, which the net plan may have created without the column.
    pub(super) fn archive_of_nothing(&mut self, k: &Keep) -> Result<(), PlanError> {
        self.archive_from(k, None)
    }

    /// [`Planner::archive`], copying from `db_table` when it is `Some`.
    fn archive_from(&mut self, k: &Keep, db_table: Option<&str>) -> Result<(), PlanError> {
        let columns = k
            .key
            .iter()
            .chain(&k.values)
            .chain(&k.witness)
            .map(|(c, _)| c);
        if let Some(c) = columns
            .filter(|c| *c != ROWID_COLUMN && *c != AFTER_COLUMN)
            .find(|c| c.to_ascii_lowercase().starts_with("_strata_"))
        {
            return Err(PlanError::ReservedColumn {
                table: k.table.clone(),
                column: c.clone(),
            });
        }
        let (id, name) = self.custody.allocate();
        let a = quote_ident(&name);
        let mut defs: Vec<String> = Vec::new();
        let mut targets: Vec<String> = Vec::new();
        let mut sources: Vec<String> = Vec::new();
        for (c, src) in &k.key {
            if k.rowid {
                defs.push(format!("{} INTEGER PRIMARY KEY", quote_ident(c)));
            } else if c == AFTER_COLUMN {
                continue;
            } else {
                defs.push(quote_ident(c));
            }
            targets.push(quote_ident(c));
            sources.push(src.clone());
        }
        for (c, src) in k.values.iter().chain(&k.witness) {
            defs.push(quote_ident(c));
            targets.push(quote_ident(c));
            sources.push(src.clone());
        }
        if let Some((_, ty, src)) = &k.after {
            // Declared with the new type, the value converts on the way in
            // exactly as the rebuilt table converts it.
            defs.push(
                format!("{} {}", quote_ident(AFTER_COLUMN), ty)
                    .trim()
                    .to_string(),
            );
            targets.push(quote_ident(AFTER_COLUMN));
            sources.push(src.clone());
        }
        let what = match &k.column {
            Some(c) => format!("{}.{c}", k.table),
            None => k.table.clone(),
        };
        let comment = format!(
            "event {} op {}: {} {what} (archive {} before it is lost)",
            k.at.seq,
            k.at.op.saturating_add(1),
            k.at.kind,
            k.kind.as_str()
        );
        self.emit(
            comment.clone(),
            format!("CREATE TABLE {a} ({})", defs.join(", ")),
        );
        if !k.rowid {
            let key: Vec<String> = k.key.iter().map(|(c, _)| quote_ident(c)).collect();
            self.emit(
                comment.clone(),
                format!(
                    "CREATE INDEX {} ON {a} ({})",
                    quote_ident(&format!("{name}_key")),
                    key.join(", ")
                ),
            );
        }
        if let Some(db_table) = db_table {
            self.emit(
                comment.clone(),
                format!(
                    "INSERT INTO {a} ({}) SELECT {} FROM {}",
                    targets.join(", "),
                    sources.join(", "),
                    quote_ident(db_table)
                ),
            );
        }
        let key_names: Vec<String> = k.key.iter().map(|(c, _)| c.clone()).collect();
        let value_names: Vec<String> = k.values.iter().map(|(c, _)| c.clone()).collect();
        let witness_names: Vec<String> = k.witness.iter().map(|(c, _)| c.clone()).collect();
        let counter = match db_table {
            Some(db_table) if k.counter => format!(
                "(SELECT max(\"seq\") FROM sqlite_sequence WHERE \"name\" = {})",
                quote_literal(db_table)
            ),
            _ => "NULL".to_string(),
        };
        let entry = ArchiveEntry {
            id,
            seq: k.at.seq,
            op: k.at.op,
            undo: k.at.undo,
            lineage: k.at.lineage,
            kind: k.kind,
            table: k.table.clone(),
            column: k.column.clone(),
            key: if k.rowid {
                ArchiveKey::Rowid
            } else {
                ArchiveKey::PrimaryKey(key_names.clone())
            },
            key_columns: key_names.clone(),
            values: value_names.clone(),
            witness: witness_names.clone(),
            after: k.after.as_ref().map(|(c, _, _)| c.clone()),
            counter: k.counter,
            archive_table: name.clone(),
        };
        self.emit(
            comment,
            format!(
                "INSERT INTO {} (\"id\", \"log_id\", \"seq\", \"op\", \"undo\", \"lineage_seq\", \"lineage_op\", \"lineage_forward\", \"kind\", \"table_name\", \"column_name\", \"key_kind\", \"key_columns\", \"value_columns\", \"witness_columns\", \"after_column\", \"counter\", \"archive_table\", \"row_count\", \"created_at\") SELECT {id}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {counter}, {}, count(*), {} FROM {a}",
                quote_ident(ARCHIVE_CATALOG),
                super::script::THIS_APPLY,
                k.at.seq,
                k.at.op,
                i32::from(k.at.undo),
                k.at.lineage.seq,
                k.at.lineage.op,
                i32::from(k.at.lineage.forward),
                quote_literal(k.kind.as_str()),
                quote_literal(&k.table),
                k.column.as_deref().map_or("NULL".to_string(), quote_literal),
                quote_literal(if k.rowid { "rowid" } else { "primary_key" }),
                names_json(&key_names),
                names_json(&value_names),
                names_json(&witness_names),
                k.after
                    .as_ref()
                    .map_or("NULL".to_string(), |(c, _, _)| quote_literal(c)),
                quote_literal(&name),
                super::script::NOW,
            ),
        );
        self.custody.held.push(Held {
            id,
            archive_table: name,
            lineage: k.at.lineage,
            kind: k.kind,
            table: k.table.clone(),
            column: k.column.clone(),
            key: key_names,
            values: value_names,
            witness: witness_names,
            after: entry.after.clone(),
            rows: 0,
            purged_at: None,
        });
        self.plan.archives.push(entry);
        Ok(())
    }

    /// The archive `op` takes its data back from: the newest the database
    /// keeps (or the plan made) of the inverse of what `op` carries out.
    /// One that was purged is noted as a loss. A rebuild being gathered
    /// that would make that archive is carried out first, so that the
    /// archive is there to take from.
    pub(super) fn take_back(&mut self, at: Here, op: &Op) -> Result<Option<Held>, PlanError> {
        let kind = match op {
            Op::CreateTable { .. } => ArchiveKind::Table,
            Op::AddColumn { column, .. } if column.generated.is_none() => ArchiveKind::Column,
            Op::AlterColumn { from, to, .. } if takes_back_values(from, to) => ArchiveKind::Values,
            _ => return Ok(None),
        };
        let want = at.lineage.inverse();
        self.flush_where(|p| {
            p.archives
                .iter()
                .any(|k| k.at.lineage == want && k.kind == kind)
        })?;
        let Some(held) = self.custody.wanted(at.lineage, kind) else {
            return Ok(None);
        };
        let held = held.clone();
        self.custody.held.retain(|h| h.id != held.id);
        if let Some(purged_at) = &held.purged_at {
            if held.rows > 0 {
                self.plan.losses.push(Loss {
                    table: held.table.clone(),
                    column: held.column.clone(),
                    rows: held.rows,
                    archive_table: held.archive_table.clone(),
                    purged_at: purged_at.clone(),
                });
            }
            return Ok(None);
        }
        Ok(Some(held))
    }

    fn restore_entry(&mut self, held: &Held, table: &str, column: Option<&str>) -> usize {
        self.plan.restores.push(Restore {
            archive_table: held.archive_table.clone(),
            table: table.to_string(),
            column: column.map(str::to_string),
        });
        self.plan.restores.len() - 1
    }

    /// Puts the rows of a dropped table back into `table`, just created
    /// (so no trigger of it exists yet), with their rowids and its
    /// AUTOINCREMENT counter.
    pub(super) fn restore_table(&mut self, at: Here, table: &Table, held: &Held) {
        self.restore_table_renamed(at, table, held, &[]);
    }

    /// [`Planner::restore_table`] into a table whose columns were renamed
    /// since it was created, `renamed` in order (from, to): each archive
    /// column goes to the column it is called now.
    pub(super) fn restore_table_renamed(
        &mut self,
        at: Here,
        table: &Table,
        held: &Held,
        renamed: &[(String, String)],
    ) {
        let now = |c: &str| {
            renamed.iter().fold(c.to_string(), |c, (from, to)| {
                if same_name(&c, from) {
                    to.clone()
                } else {
                    c
                }
            })
        };
        let comment = format!(
            "event {} op {}: {} (rows back from {})",
            at.seq,
            at.op.saturating_add(1),
            at.kind,
            held.archive_table
        );
        let a = quote_ident(&held.archive_table);
        let t = quote_ident(&table.name);
        let stored = |n: &str| {
            table
                .column(RULES, n)
                .is_some_and(|c| c.generated.is_none())
        };
        let mut targets = Vec::new();
        let mut sources = Vec::new();
        let by_rowid = held.key.len() == 1 && held.key[0] == ROWID_COLUMN;
        if by_rowid && !table.has_option(WITHOUT_ROWID) {
            if rowid_alias(table).is_none() {
                if let Some(r) = rowid_name(table) {
                    targets.push(r.to_string());
                    sources.push(quote_ident(ROWID_COLUMN));
                }
            }
        } else {
            for k in held.key.iter().filter(|k| stored(&now(k))) {
                targets.push(quote_ident(&now(k)));
                sources.push(quote_ident(k));
            }
        }
        let placed: Vec<&String> = held.values.iter().filter(|c| stored(&now(c))).collect();
        for c in &placed {
            targets.push(quote_ident(&now(c)));
            sources.push(quote_ident(c));
        }
        if targets.is_empty() {
            return;
        }
        let index = self.restore_entry(held, &table.name, None);
        // Rows come back before the ops that point foreign keys at them:
        // checked once, by foreign_key_check before commit.
        self.plan.foreign_keys_off = true;
        self.emit_role(
            comment.clone(),
            format!(
                "INSERT INTO {t} ({}) SELECT {} FROM {a}",
                targets.join(", "),
                sources.join(", ")
            ),
            Role::Restore { index },
        );
        if table.has_option(AUTOINCREMENT) {
            let counter = format!(
                "(SELECT \"counter\" FROM {} WHERE \"id\" = {})",
                quote_ident(ARCHIVE_CATALOG),
                held.id
            );
            let name = quote_literal(&table.name);
            self.emit(
                comment.clone(),
                format!("UPDATE sqlite_sequence SET \"seq\" = {counter} WHERE \"name\" = {name} AND \"seq\" < {counter}"),
            );
            self.emit(
                comment.clone(),
                format!("INSERT INTO sqlite_sequence (\"name\", \"seq\") SELECT {name}, {counter} WHERE {counter} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE \"name\" = {name})"),
            );
            // SQLite writes a counter row on any insert, even of no rows: a
            // table that had none gets none back.
            self.emit(
                comment.clone(),
                format!("DELETE FROM sqlite_sequence WHERE \"name\" = {name} AND \"seq\" = 0 AND {counter} IS NULL"),
            );
        }
        // What cannot be placed (a column the table no longer has) stays.
        if placed.len() == held.values.len() {
            self.emit(comment.clone(), format!("DROP TABLE {a}"));
            self.emit(
                comment,
                format!(
                    "DELETE FROM {} WHERE \"id\" = {}",
                    quote_ident(ARCHIVE_CATALOG),
                    held.id
                ),
            );
        }
    }

    /// Makes the rebuild `i` copy `column`'s values back from `held` (when
    /// there is one): a re-added column (`from` is `None`) or a column
    /// whose type goes back from `from`.
    pub(super) fn fill(
        &mut self,
        i: usize,
        _at: Here,
        table: &str,
        column: &Column,
        held: Option<Held>,
        from: Option<&Column>,
    ) {
        let Some(held) = held else {
            return;
        };
        let index = self.restore_entry(&held, table, Some(&column.name));
        let otherwise = match from {
            Some(_) => Otherwise::Own,
            None => Otherwise::Default(column.default.clone()),
        };
        let p = &self.pending[i];
        let origins = held
            .key
            .iter()
            .map(|k| match k == AFTER_COLUMN {
                true => held.after.as_deref().unwrap_or_default(),
                false => k.as_str(),
            })
            .chain(held.witness.iter().map(String::as_str))
            .filter_map(|c| Some((c.to_string(), p.origin(c)?.to_string())))
            .collect();
        self.pending[i].fills.push(Fill {
            column: column.name.clone(),
            held,
            index,
            otherwise,
            origins,
        });
    }
}

/// The alias of an archive inside the statements that read it beside its
/// table: a name no user table can have (the `_strata_` prefix is
/// reserved), so that a table named like a short alias is never confused
/// with the archive.
const ALIAS: &str = "_strata_a";

/// A source column, or the rowid under one of its names.
impl Fill {
    /// The expression the rebuild copies into the column for each row of
    /// `before` (the table as the database has it, `old` its quoted name):
    /// the archived value when the archive holds one for the row's key and
    /// the row still holds what the witness saw; otherwise the default, or
    /// the row's own value.
    pub(super) fn source(&self, p: &Pending, origin: Option<&str>) -> String {
        let old = quote_ident(&p.before.name);
        let own = match (&self.otherwise, origin) {
            (Otherwise::Own, Some(o)) => format!("{old}.{}", quote_ident(o)),
            (Otherwise::Default(Some(d)), _) => default_as_expr(d),
            _ => "NULL".to_string(),
        };
        let Some(mut conditions) = self.key_match(p, &old) else {
            return own;
        };
        let a = quote_ident(&self.held.archive_table);
        if let (Some(after), Otherwise::Own, Some(o)) = (&self.held.after, &self.otherwise, origin)
        {
            // The value as the type change left it: not changed since.
            if !self.held.key.iter().any(|k| k == AFTER_COLUMN) || !same_name(after, &self.column) {
                conditions.push(format!(
                    "{ALIAS}.{} IS {old}.{}",
                    quote_ident(AFTER_COLUMN),
                    quote_ident(o)
                ));
            }
        }
        for w in &self.held.witness {
            if let Some(src) = self.origin(p, w) {
                if p.converted.iter().any(|c| same_name(c, src))
                    || p.fills.iter().any(|f| same_name(&f.column, w))
                {
                    continue;
                }
                // The archived value has no affinity (`+`), so SQLite
                // compares it as the column would store it: a value a
                // later type change of the column converted still matches.
                conditions.push(format!(
                    "{old}.{} IS +{ALIAS}.{}",
                    quote_ident(src),
                    quote_ident(w)
                ));
            }
        }
        let value = self.held.values.first().cloned().unwrap_or_default();
        let found = conditions.join(" AND ");
        format!(
            "CASE WHEN EXISTS (SELECT 1 FROM {a} AS {ALIAS} WHERE {found}) THEN (SELECT {ALIAS}.{} FROM {a} AS {ALIAS} WHERE {found}) ELSE {own} END",
            quote_ident(&value)
        )
    }

    /// The column of the table as the database has it that `column` (an
    /// archive key or witness) comes from: as the rebuild named it when
    /// this fill joined it, or else as it names it now.
    fn origin<'p>(&'p self, p: &'p Pending, column: &str) -> Option<&'p str> {
        match self.origins.iter().find(|(c, _)| same_name(c, column)) {
            Some((_, o)) => Some(o),
            None => p.origin(column),
        }
    }

    /// The conditions that find a row of `before`'s archive entry by its
    /// key; `None` when the key cannot be matched (the table lost a key
    /// column, or an archive keyed by rowid meets a WITHOUT ROWID table).
    fn key_match(&self, p: &Pending, old: &str) -> Option<Vec<String>> {
        let by_rowid = self.held.key.len() == 1 && self.held.key[0] == ROWID_COLUMN;
        if by_rowid {
            if p.before.has_option(WITHOUT_ROWID) {
                return None;
            }
            let r = rowid_name(&p.before)?;
            return Some(vec![format!(
                "{ALIAS}.{} = {old}.{r}",
                quote_ident(ROWID_COLUMN)
            )]);
        }
        // By the primary key's columns: in a WITHOUT ROWID table, its key;
        // in a rowid table (one that was WITHOUT ROWID when the values were
        // archived), the same columns, which the witnesses back up.
        let mut out = Vec::new();
        for k in &self.held.key {
            let column = if k == AFTER_COLUMN {
                self.held.after.as_deref()?
            } else {
                k.as_str()
            };
            let src = self.origin(p, column)?;
            out.push(format!(
                "{old}.{} IS +{ALIAS}.{}",
                quote_ident(src),
                quote_ident(k)
            ));
        }
        Some(out)
    }

    /// The statement that takes out of the archive what came back into
    /// `after` (the table as rebuilt): each row whose key finds a row that
    /// now holds the archived value. `None` when the column is gone again.
    pub(super) fn consume(&self, after: &Table) -> Option<(String, Role)> {
        after
            .column(RULES, &self.column)
            .filter(|c| c.generated.is_none())?;
        let a = quote_ident(&self.held.archive_table);
        let t = quote_ident(&after.name);
        let value = self.held.values.first()?;
        let by_rowid = self.held.key.len() == 1 && self.held.key[0] == ROWID_COLUMN;
        let mut conditions = Vec::new();
        if by_rowid {
            let r = rowid_name(after)?;
            conditions.push(format!("{t}.{r} = {ALIAS}.{}", quote_ident(ROWID_COLUMN)));
        } else {
            for k in &self.held.key {
                // A key column whose type came back holds the archived
                // value again.
                let (archived, column) = if k == AFTER_COLUMN {
                    (value.as_str(), self.column.as_str())
                } else {
                    (k.as_str(), k.as_str())
                };
                after.column(RULES, column)?;
                conditions.push(format!(
                    "{t}.{} IS +{ALIAS}.{}",
                    quote_ident(column),
                    quote_ident(archived)
                ));
            }
        }
        conditions.push(format!(
            "{t}.{} IS +{ALIAS}.{}",
            quote_ident(&self.column),
            quote_ident(value)
        ));
        Some((
            format!(
                "DELETE FROM {a} AS {ALIAS} WHERE EXISTS (SELECT 1 FROM {t} WHERE {})",
                conditions.join(" AND ")
            ),
            Role::Consume {
                index: self.index,
                id: self.held.id,
            },
        ))
    }
}
