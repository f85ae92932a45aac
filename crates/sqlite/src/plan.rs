//! Planning: the SQL that moves a SQLite database from one schema to the
//! schema after a list of ledger events, and the script `apply` runs.
//!
//! Each op becomes native SQLite DDL where SQLite can do the change in place
//! (CREATE, DROP, RENAME TO, RENAME COLUMN, ADD COLUMN and DROP COLUMN within
//! their documented limits). Everything else is SQLite's generalized ALTER
//! TABLE procedure (lang_altertable.html, section 7): new table under a
//! temporary name, every row copied with its rowid, old table dropped, new
//! one renamed, indexes, triggers and views recreated. Ops of one event on
//! one table share a single rebuild where they can, so three column changes
//! cost one copy of the table, not three.
//!
//! Before anything drops data (a table, a column, or values a type change
//! may convert) the data is copied into an archive table in the same
//! transaction; see [`ArchiveEntry`] and docs/sqlite-target.md.
//!
//! The plan is computed from the schema model alone, so `apply --dry-run`
//! prints exactly what `apply` runs.

mod rebuild;
mod script;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use strata_schema::sql_text::{self, quote_ident};
use strata_schema::{
    key, project, same_name, Column, IndexTerm, Op, ProjectError, Schema, Table, Trigger,
};

use crate::render::{render_column_def, render_index, render_table};

pub use script::{ARCHIVE_CATALOG, LOG_TABLE, STATE_TABLE};

/// The ops of one ledger event, in order. Going backwards, the ops are the
/// event's undo ops and `seq` is still the event's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Step {
    pub seq: u64,
    pub ops: Vec<Op>,
    /// The ops undo event `seq` (a backwards apply). Their archives get
    /// names of their own, so that going back and forth never reuses one.
    pub undo: bool,
    /// For each op (by index; missing entries are `None`), the archive whose
    /// data it brings back: a re-added column's values, a re-created table's
    /// rows, a column's values from before a type change.
    pub restores: Vec<Option<ArchiveRef>>,
}

impl Step {
    /// A forward step that restores nothing.
    pub fn new(seq: u64, ops: Vec<Op>) -> Step {
        Step {
            seq,
            ops,
            ..Step::default()
        }
    }
}

/// Names the archive an op made: op `op` of event `seq`, run forwards or as
/// an undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveRef {
    pub seq: u64,
    pub op: u32,
    pub undo: bool,
}

impl ArchiveRef {
    /// The archive table's name: `_strata_archive_<seq>_<op>`, with `_undo`
    /// for an op that ran as an undo.
    pub fn table(&self) -> String {
        format!(
            "_strata_archive_{}_{}{}",
            self.seq,
            self.op,
            if self.undo { "_undo" } else { "" }
        )
    }
}

/// Data a plan puts back from an archive, when the archive is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    pub archive_table: String,
    pub table: String,
    /// `None` for a whole table's rows.
    pub column: Option<String>,
    /// The archive should be there: it is a forward apply's (made by every
    /// drop strata applied). An undo's archive exists only if the database
    /// was moved back through the event, so its absence is not news.
    pub expected: bool,
}

/// One SQL statement of a plan and the event and op(s) it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// One statement without the closing semicolon (a data step is run as
    /// recorded and may hold several).
    pub sql: String,
    /// Which event and op it serves, on one line: `event 5 op 2: ...`.
    pub comment: String,
    pub(crate) role: Role,
}

/// How `apply` runs a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// DDL or DML without parameters.
    Plain,
    /// A data step as recorded: may hold several statements.
    Data,
    /// Bookkeeping with named parameters (`:to_seq`, ...) bound by `apply`.
    Bound,
    /// Part of restore `index` of the plan, skipped when its archive is not
    /// in the database; `counts`: its changed rows are the rows restored.
    Restore { index: usize, counts: bool },
    /// `PRAGMA foreign_key_check`: its rows are violations.
    ForeignKeyCheck,
}

/// What an archive entry keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// Every row of a dropped table.
    Table,
    /// The values of a dropped column.
    Column,
    /// The values of a column before a type change.
    Values,
}

impl ArchiveKind {
    /// The name kept in `_strata_archive.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ArchiveKind::Table => "table",
            ArchiveKind::Column => "column",
            ArchiveKind::Values => "values",
        }
    }
}

/// How archived rows find their row again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveKey {
    /// By rowid, kept in the archive's `_strata_rowid` column.
    Rowid,
    /// By these primary-key columns (a WITHOUT ROWID table), kept under
    /// their own names.
    PrimaryKey(Vec<String>),
}

/// One archive table the plan creates and fills, and its catalog row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    pub seq: u64,
    /// The op's index within its event.
    pub op: u32,
    pub kind: ArchiveKind,
    /// The table as the op names it.
    pub table: String,
    /// The column as the op names it; `None` for a whole table.
    pub column: Option<String>,
    pub key: ArchiveKey,
    /// `_strata_archive_<seq>_<op>`.
    pub archive_table: String,
}

/// One table rebuild and the ops of its event it carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuild {
    pub seq: u64,
    /// The table's name after the rebuild.
    pub table: String,
    /// The indexes, within the event, of the ops the rebuild serves.
    pub ops: Vec<u32>,
}

/// The SQL that moves a database from one schema to another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Whether `PRAGMA foreign_keys` must be OFF around the transaction: a
    /// rebuild or drop of a table that foreign keys point at would otherwise
    /// fire their ON DELETE actions when the old table is dropped (the
    /// pragma is a no-op inside a transaction, so it is set before BEGIN).
    pub foreign_keys_off: bool,
    /// The plan's own statements in order, without the bookkeeping.
    pub statements: Vec<Statement>,
    /// The archive tables the statements create, in order.
    pub archives: Vec<ArchiveEntry>,
    /// The table rebuilds among the statements, in order.
    pub rebuilds: Vec<Rebuild>,
    /// What the plan puts back from archives, in order.
    pub restores: Vec<Restore>,
    /// The schema the plan ends at (the projection of every step).
    pub schema: Schema,
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("event {seq} op {op} ({kind}) does not fit the schema before it: {error}; the ledger and the database's point disagree, run `strata verify --deep`")]
    DoesNotFit {
        seq: u64,
        op: u32,
        kind: &'static str,
        error: ProjectError,
    },
    #[error("table {table} has columns named rowid, _rowid_ and oid, so its rowids cannot be read to keep them; rename one of those columns")]
    RowidHidden { table: String },
    #[error("table {table} has a column named _strata_rowid, which strata's archive uses for rowids; rename the column")]
    ReservedColumn { table: String },
}

/// The ordered SQL that turns a database whose schema is `from` into the
/// schema after every step.
pub fn plan(from: &Schema, steps: &[Step]) -> Result<Plan, PlanError> {
    let mut planner = Planner {
        schema: Arc::new(from.clone()),
        plan: Plan::default(),
        pending: Vec::new(),
        undo: false,
        fills: BTreeMap::new(),
    };
    for step in steps {
        planner.undo = step.undo;
        planner.fills = step
            .ops
            .iter()
            .enumerate()
            .filter_map(|(i, op)| match (op, step.restores.get(i)) {
                (Op::AddColumn { column, .. }, Some(Some(from)))
                    if column.not_null
                        && column.default.is_none()
                        && column.generated.is_none() =>
                {
                    Some((u32::try_from(i).unwrap_or(u32::MAX), *from))
                }
                _ => None,
            })
            .collect();
        let here = |i: usize, op: &Op| Here {
            seq: step.seq,
            op: u32::try_from(i).unwrap_or(u32::MAX),
            kind: op.kind(),
        };
        // The table an op re-creates or re-adds to, as it stands right after
        // the op: its names are the archive's.
        let mut then: Vec<Option<Table>> = vec![None; step.ops.len()];
        for (i, op) in step.ops.iter().enumerate() {
            planner.op(here(i, op), op)?;
            if let (Some(Some(_)), Some(t)) = (step.restores.get(i), restored_table(op)) {
                then[i] = planner.schema.table(t).cloned();
            }
        }
        planner.flush_all()?;
        // Data comes back once the event's shape is complete, under the
        // names the rest of the event gave it.
        for (i, op) in step.ops.iter().enumerate() {
            if let (Some(Some(from)), Some(table)) = (step.restores.get(i), &then[i]) {
                planner.restore(here(i, op), op, from, table, &step.ops[i + 1..]);
            }
        }
    }
    planner.plan.schema = Arc::unwrap_or_clone(planner.schema);
    Ok(planner.plan)
}

impl Plan {
    /// Whether the plan changes nothing (bookkeeping aside).
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Every statement `apply` runs inside its transaction, in order: the
    /// bookkeeping tables and the log row, the plan, the foreign key check,
    /// the state row.
    pub fn transaction(&self) -> Vec<Statement> {
        let mut out = script::prologue();
        out.extend(self.statements.iter().cloned());
        out.push(script::foreign_key_check());
        out.extend(script::epilogue());
        out
    }

    /// The exact script `apply` runs, as `apply --dry-run` prints it. The
    /// bookkeeping statements take the values `apply` binds as named
    /// parameters (`:ledger_id`, `:to_seq`, `:to_hash`, `:from_seq`,
    /// `:from_hash`, `:who`, `:version`), so the text does not depend on
    /// who applies or when.
    pub fn sql(&self) -> String {
        let mut out = String::new();
        if self.foreign_keys_off {
            out.push_str("-- foreign keys off outside the transaction, so no ON DELETE action fires while tables are rebuilt\nPRAGMA foreign_keys = OFF;\n");
        }
        out.push_str("BEGIN IMMEDIATE;\n");
        for s in self.transaction() {
            out.push_str("-- ");
            out.push_str(&s.comment);
            out.push('\n');
            out.push_str(s.sql.trim_end().trim_end_matches(';'));
            out.push_str(";\n");
        }
        out.push_str("COMMIT;\n");
        if self.foreign_keys_off {
            out.push_str("PRAGMA foreign_keys = ON;\n");
        }
        out
    }
}

/// `text` as a single-quoted SQL string literal.
pub(crate) fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Where a statement comes from.
#[derive(Debug, Clone, Copy)]
struct Here {
    seq: u64,
    op: u32,
    kind: &'static str,
}

/// A rebuild that ops of the current event are being gathered into.
#[derive(Debug, Clone)]
struct Pending {
    /// The table's key now (a rename ends the gathering, so it is also the
    /// key the database knows the table by).
    key: String,
    /// The table as the database has it.
    before: Table,
    /// Each column of the table as it will be, with the column of `before`
    /// its values come from (`None` for a column added by the rebuild).
    origins: Vec<(String, Option<String>)>,
    seq: u64,
    ops: Vec<u32>,
    kinds: Vec<&'static str>,
    /// Data to archive from `before` before the rebuild.
    archives: Vec<PendingArchive>,
    /// Columns the rebuild adds whose values come back from an archive as
    /// the rows are copied (a NOT NULL column without a default cannot wait
    /// for the restore at the end of the event): (column, archive table).
    fills: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
struct PendingArchive {
    op: u32,
    kind: ArchiveKind,
    /// The column as the op names it.
    column: String,
    /// Where its values are in `before`.
    source: String,
}

impl Pending {
    fn origin(&self, column: &str) -> Option<&str> {
        self.origins
            .iter()
            .find(|(c, _)| same_name(c, column))
            .and_then(|(_, o)| o.as_deref())
    }
}

struct Planner {
    /// The schema after every op seen so far (including gathered ones);
    /// shared, so that an op can keep the schema before it without a copy.
    schema: Arc<Schema>,
    plan: Plan,
    /// Rebuilds being gathered, in the order they began.
    pending: Vec<Pending>,
    /// The current step undoes its event.
    undo: bool,
    /// The current step's ops (by index) that re-add a NOT NULL column
    /// without a default, and the archive its values come from.
    fills: BTreeMap<u32, ArchiveRef>,
}

impl Planner {
    fn emit(&mut self, comment: String, sql: String) {
        self.emit_role(comment, sql, Role::Plain);
    }

    fn emit_role(&mut self, comment: String, sql: String, role: Role) {
        self.plan.statements.push(Statement {
            sql,
            comment: one_line(&comment),
            role,
        });
    }

    fn pending_index(&self, table: &str) -> Option<usize> {
        let k = key(table);
        self.pending.iter().position(|p| p.key == k)
    }

    fn op(&mut self, at: Here, op: &Op) -> Result<(), PlanError> {
        let before = Arc::clone(&self.schema);
        let mut after = Schema::clone(&before);
        project(&mut after, op).map_err(|error| PlanError::DoesNotFit {
            seq: at.seq,
            op: at.op,
            kind: at.kind,
            error,
        })?;
        let note = |what: String| format!("event {} op {}: {} {what}", at.seq, at.op, at.kind);
        match op {
            Op::Data { sql } => {
                self.flush_all()?;
                self.emit_role(
                    note("(data step, as recorded)".into()),
                    sql.clone(),
                    Role::Data,
                );
            }
            Op::CreateTable { table } => {
                self.emit(note(table.name.clone()), render_table(table));
            }
            Op::DropTable { table } => {
                // Every gathered rebuild first: one may still carry a
                // foreign key to this table in the database (a dropped
                // constraint not yet rebuilt away), whose ON DELETE would
                // fire when the table goes.
                self.flush_all()?;
                if is_referenced(&before, &table.name) {
                    self.plan.foreign_keys_off = true;
                }
                let columns: Vec<(String, String)> = table
                    .columns
                    .iter()
                    .filter(|c| c.generated.is_none())
                    .map(|c| (c.name.clone(), c.name.clone()))
                    .collect();
                self.archive(at, table, &table.name, ArchiveKind::Table, None, &columns)?;
                self.emit(
                    note(table.name.clone()),
                    format!("DROP TABLE {}", quote_ident(&table.name)),
                );
            }
            Op::RenameTable { from, to } => {
                self.flush_touching(op)?;
                let sql = format!(
                    "ALTER TABLE {} RENAME TO {}",
                    quote_ident(from),
                    quote_ident(to)
                );
                self.native_rename(
                    at,
                    &before,
                    &after,
                    from,
                    sql,
                    note(format!("{from} to {to}")),
                );
                let t = after.table(to).cloned().unwrap_or_default();
                if own_text_mentions(&t, from) {
                    let i = self.start(at, &t, "refresh of the table's own SQL text");
                    self.pending[i].ops.push(at.op);
                }
            }
            Op::AddColumn {
                table,
                column,
                position,
            } => {
                let current = before.table(table).cloned().unwrap_or_default();
                if let Some(i) = self.pending_index(table) {
                    self.absorb(i, at, op);
                } else if native_add(&current, column, *position) {
                    self.emit(
                        note(format!("{table}.{}", column.name)),
                        format!(
                            "ALTER TABLE {} ADD COLUMN {}",
                            quote_ident(table),
                            render_column_def(column)
                        ),
                    );
                } else {
                    let i = self.start(at, &current, at.kind);
                    self.absorb(i, at, op);
                }
            }
            Op::DropColumn { table, column, .. } => {
                if let Some(i) = self.pending_index(table) {
                    self.absorb(i, at, op);
                } else {
                    let current = before.table(table).cloned().unwrap_or_default();
                    if column.generated.is_none() {
                        let c = [(column.name.clone(), column.name.clone())];
                        self.archive(
                            at,
                            &current,
                            table,
                            ArchiveKind::Column,
                            Some(&column.name),
                            &c,
                        )?;
                    }
                    self.emit(
                        note(format!("{table}.{}", column.name)),
                        format!(
                            "ALTER TABLE {} DROP COLUMN {}",
                            quote_ident(table),
                            quote_ident(&column.name)
                        ),
                    );
                }
            }
            Op::RenameColumn { table, from, to } => {
                let child_names_it = before.tables.values().any(|o| {
                    !same_name(&o.name, table)
                        && o.foreign_keys.iter().any(|fk| {
                            same_name(&fk.ref_table, table)
                                && fk.ref_columns.iter().any(|c| same_name(c, from))
                        })
                });
                match self.pending_index(table) {
                    // A rebuild writes the table, not the other tables'
                    // REFERENCES clauses: a column another table names
                    // is renamed by SQLite itself, which rewrites them.
                    Some(i) if !child_names_it => self.absorb(i, at, op),
                    _ => {
                        self.flush_touching(op)?;
                        let sql = format!(
                            "ALTER TABLE {} RENAME COLUMN {} TO {}",
                            quote_ident(table),
                            quote_ident(from),
                            quote_ident(to)
                        );
                        self.native_rename(
                            at,
                            &before,
                            &after,
                            table,
                            sql,
                            note(format!("{table}.{from} to {to}")),
                        );
                        let t = after.table(table).cloned().unwrap_or_default();
                        if own_text_mentions(&t, to) {
                            let i = self.start(at, &t, "refresh of the table's own SQL text");
                            self.pending[i].ops.push(at.op);
                        }
                    }
                }
            }
            Op::AlterColumn { table, .. }
            | Op::AddForeignKey { table, .. }
            | Op::DropForeignKey { table, .. }
            | Op::AddUnique { table, .. }
            | Op::DropUnique { table, .. }
            | Op::AddCheck { table, .. }
            | Op::DropCheck { table, .. } => {
                let i = match self.pending_index(table) {
                    Some(i) => i,
                    None => {
                        let current = before.table(table).cloned().unwrap_or_default();
                        self.start(at, &current, at.kind)
                    }
                };
                self.absorb(i, at, op);
            }
            Op::CreateIndex { index } => {
                if let Some(i) = self.pending_index(&index.table) {
                    self.absorb(i, at, op);
                } else {
                    self.emit(note(index.name.clone()), render_index(index));
                }
            }
            Op::DropIndex { index } => {
                if let Some(i) = self.pending_index(&index.table) {
                    self.absorb(i, at, op);
                } else {
                    self.emit(
                        note(index.name.clone()),
                        format!("DROP INDEX {}", quote_ident(&index.name)),
                    );
                }
            }
            Op::CreateView { view } => {
                self.flush_touching(op)?;
                self.emit(note(view.name.clone()), view.sql.clone());
            }
            Op::DropView { view } => {
                self.flush_touching(op)?;
                self.emit(
                    note(view.name.clone()),
                    format!("DROP VIEW {}", quote_ident(&view.name)),
                );
            }
            Op::CreateTrigger { trigger } => {
                self.flush_touching(op)?;
                self.emit(note(trigger.name.clone()), trigger.sql.clone());
            }
            Op::DropTrigger { trigger } => {
                self.flush_touching(op)?;
                self.emit(
                    note(trigger.name.clone()),
                    format!("DROP TRIGGER {}", quote_ident(&trigger.name)),
                );
            }
        }
        self.schema = Arc::new(after);
        Ok(())
    }

    /// A native rename of a table or a column. SQLite carries it into the
    /// SQL text of views, triggers and indexes in its own way, which is not
    /// the model's; so the views and triggers that read the table (and
    /// those that read them) and its expression and partial indexes are
    /// dropped first and created again from the projected schema after.
    fn native_rename(
        &mut self,
        at: Here,
        before: &Schema,
        after: &Schema,
        table: &str,
        sql: String,
        comment: String,
    ) {
        let deps = Dependents::of(before, table);
        let exprs: Vec<String> = before
            .indexes
            .iter()
            .filter(|(_, i)| same_name(&i.table, table) && has_expressions(i))
            .map(|(k, _)| k.clone())
            .collect();
        let why = format!(
            "event {} op {}: {} (set aside around the rename)",
            at.seq, at.op, at.kind
        );
        deps.drop_all(self, before, &why);
        for k in &exprs {
            if let Some(i) = before.indexes.get(k) {
                self.emit(why.clone(), format!("DROP INDEX {}", quote_ident(&i.name)));
            }
        }
        self.emit(comment, sql);
        for k in &exprs {
            if let Some(i) = after.indexes.get(k) {
                self.emit(why.clone(), render_index(i));
            }
        }
        deps.create_all(self, after, &why);
    }

    /// Begins gathering ops into a rebuild of `table` as the database has
    /// it now.
    fn start(&mut self, at: Here, table: &Table, kind: &'static str) -> usize {
        self.pending.push(Pending {
            key: key(&table.name),
            before: table.clone(),
            origins: table
                .columns
                .iter()
                .map(|c| (c.name.clone(), Some(c.name.clone())))
                .collect(),
            seq: at.seq,
            ops: Vec::new(),
            kinds: vec![kind],
            archives: Vec::new(),
            fills: Vec::new(),
        });
        self.pending.len() - 1
    }

    /// Adds `op` to the rebuild being gathered at `i`.
    fn absorb(&mut self, i: usize, at: Here, op: &Op) {
        let p = &mut self.pending[i];
        p.ops.push(at.op);
        if p.kinds.last() != Some(&at.kind) {
            p.kinds.push(at.kind);
        }
        match op {
            Op::AddColumn {
                column, position, ..
            } => {
                let to = (*position as usize).min(p.origins.len());
                p.origins.insert(to, (column.name.clone(), None));
                if let Some(from) = self.fills.get(&at.op) {
                    p.fills.push((column.name.clone(), from.table()));
                }
            }
            Op::DropColumn { column, .. } => {
                if let Some(source) = p.origin(&column.name).map(str::to_string) {
                    if column.generated.is_none() {
                        p.archives.push(PendingArchive {
                            op: at.op,
                            kind: ArchiveKind::Column,
                            column: column.name.clone(),
                            source,
                        });
                    }
                }
                p.origins.retain(|(c, _)| !same_name(c, &column.name));
            }
            Op::RenameColumn { from, to, .. } => {
                for (c, _) in p.origins.iter_mut().filter(|(c, _)| same_name(c, from)) {
                    *c = to.clone();
                }
            }
            Op::AlterColumn { from, to, .. } => {
                if let Some(source) = p.origin(&from.name).map(str::to_string) {
                    if from.generated.is_none() && type_changes(from, to) {
                        p.archives.push(PendingArchive {
                            op: at.op,
                            kind: ArchiveKind::Values,
                            column: from.name.clone(),
                            source,
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// Carries out the gathered rebuilds of tables `op` names.
    fn flush_touching(&mut self, op: &Op) -> Result<(), PlanError> {
        let names: BTreeSet<String> = op.tables().into_iter().map(key).collect();
        while let Some(i) = self.pending.iter().position(|p| names.contains(&p.key)) {
            let p = self.pending.remove(i);
            self.rebuild(p)?;
        }
        Ok(())
    }

    fn flush_all(&mut self) -> Result<(), PlanError> {
        for p in std::mem::take(&mut self.pending) {
            self.rebuild(p)?;
        }
        Ok(())
    }

    /// Copies data into a new archive table and records it in the catalog.
    /// `columns` pairs each archived column's name (as the op names it)
    /// with where its values are in `db_table` now.
    fn archive(
        &mut self,
        at: Here,
        table: &Table,
        db_table: &str,
        kind: ArchiveKind,
        column: Option<&str>,
        columns: &[(String, String)],
    ) -> Result<(), PlanError> {
        let name = ArchiveRef {
            seq: at.seq,
            op: at.op,
            undo: self.undo,
        }
        .table();
        let (key, key_columns) = if table.without_rowid {
            let pk: Vec<(String, String)> = table
                .primary_key
                .iter()
                .flat_map(|pk| pk.columns.iter())
                .map(|c| (c.clone(), c.clone()))
                .collect();
            let names = pk.iter().map(|(c, _)| c.clone()).collect();
            (ArchiveKey::PrimaryKey(names), pk)
        } else {
            if table.column(rebuild::ROWID_COLUMN).is_some() {
                return Err(PlanError::ReservedColumn {
                    table: table.name.clone(),
                });
            }
            let rowid = rebuild::rowid_name(table).ok_or_else(|| PlanError::RowidHidden {
                table: table.name.clone(),
            })?;
            (
                ArchiveKey::Rowid,
                vec![(rebuild::ROWID_COLUMN.to_string(), rowid.to_string())],
            )
        };
        let values: Vec<&(String, String)> = columns
            .iter()
            .filter(|(c, _)| !key_columns.iter().any(|(k, _)| same_name(k, c)))
            .collect();
        let mut defs: Vec<String> = key_columns
            .iter()
            .map(|(c, _)| {
                if matches!(key, ArchiveKey::Rowid) {
                    format!("{} INTEGER PRIMARY KEY", quote_ident(c))
                } else {
                    quote_ident(c)
                }
            })
            .chain(values.iter().map(|(c, _)| quote_ident(c)))
            .collect();
        if let ArchiveKey::PrimaryKey(pk) = &key {
            defs.push(format!("PRIMARY KEY ({})", ident_list(pk)));
        }
        let what = match column {
            Some(c) => format!("{}.{c}", table.name),
            None => table.name.clone(),
        };
        let comment = format!(
            "event {} op {}: {} {what} (archive {} before it is lost)",
            at.seq,
            at.op,
            at.kind,
            kind.as_str()
        );
        self.emit(
            comment.clone(),
            format!("CREATE TABLE {} ({})", quote_ident(&name), defs.join(", ")),
        );
        let targets: Vec<String> = key_columns
            .iter()
            .chain(values.iter().copied())
            .map(|(c, _)| quote_ident(c))
            .collect();
        let sources: Vec<String> = key_columns
            .iter()
            .chain(values.iter().copied())
            .map(|(_, s)| quote_ident(s))
            .collect();
        self.emit(
            comment.clone(),
            format!(
                "INSERT INTO {} ({}) SELECT {} FROM {}",
                quote_ident(&name),
                targets.join(", "),
                sources.join(", "),
                quote_ident(db_table)
            ),
        );
        let entry = ArchiveEntry {
            seq: at.seq,
            op: at.op,
            kind,
            table: table.name.clone(),
            column: column.map(str::to_string),
            key,
            archive_table: name,
        };
        self.emit(comment, script::catalog_row(&entry));
        self.plan.archives.push(entry);
        Ok(())
    }
}

/// Whether an AlterColumn can change stored values: the column's type
/// affinity changes. Copying rows into a column of the same affinity
/// converts nothing (`integer` to `bigint`, `varchar(50)` to `text`), so only
/// a change of affinity archives the column's values first.
pub fn type_changes(from: &Column, to: &Column) -> bool {
    affinity(&from.ty) != affinity(&to.ty)
}

/// A declared type's affinity, by SQLite's rules (datatype3.html, 3.1), with
/// STRICT's ANY apart: it keeps every value as given.
fn affinity(ty: &str) -> &'static str {
    let t = ty.trim().to_ascii_uppercase();
    if t == "ANY" {
        "any"
    } else if t.contains("INT") {
        "integer"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.contains("BLOB") || t.is_empty() {
        "blob"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "real"
    } else {
        "numeric"
    }
}

/// Whether SQLite's ADD COLUMN can add `column` at `position` of `table`:
/// at the end, not STORED, and with a default SQLite accepts there (a
/// constant; not NULL when the column is NOT NULL).
fn native_add(table: &Table, column: &Column, position: u32) -> bool {
    if position as usize != table.columns.len() {
        return false;
    }
    if let Some(g) = &column.generated {
        return !g.stored;
    }
    match &column.default {
        None => !column.not_null,
        Some(d) => {
            let null = d.trim().eq_ignore_ascii_case("null");
            constant_default(d) && !(null && column.not_null)
        }
    }
}

/// A literal: a number, a string, a blob, NULL, TRUE or FALSE. SQLite's
/// ADD COLUMN refuses CURRENT_TIME and friends and expressions.
fn constant_default(text: &str) -> bool {
    let t = text.trim();
    let number = t.trim_start_matches(['+', '-']);
    let is_number = !number.is_empty()
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.')
        && number.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let string = t.len() >= 2
        && t.starts_with('\'')
        && t.ends_with('\'')
        && !t[1..t.len() - 1].replace("''", "").contains('\'');
    let blob = (t.starts_with("x'") || t.starts_with("X'")) && t.ends_with('\'') && t.len() >= 3;
    is_number
        || string
        || blob
        || ["null", "true", "false"]
            .iter()
            .any(|w| t.eq_ignore_ascii_case(w))
}

/// Whether the table's own SQL text (checks, generated columns) names
/// `name`: after a native rename SQLite rewrites that text its own way, so
/// the table is rebuilt from the model to carry the model's text.
fn own_text_mentions(t: &Table, name: &str) -> bool {
    t.checks.iter().any(|c| sql_text::mentions(&c.expr, name))
        || t.columns.iter().any(|c| {
            c.generated
                .as_ref()
                .is_some_and(|g| sql_text::mentions(&g.expr, name))
        })
}

fn has_expressions(i: &strata_schema::Index) -> bool {
    i.predicate.is_some()
        || i.columns
            .iter()
            .any(|c| matches!(c.term, IndexTerm::Expr(_)))
}

/// Whether a foreign key of any table (the table itself included) points
/// at `table`.
fn is_referenced(schema: &Schema, table: &str) -> bool {
    schema.tables.values().any(|t| {
        t.foreign_keys
            .iter()
            .any(|fk| same_name(&fk.ref_table, table))
    })
}

fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// The views and triggers that read a table, directly or through other
/// views, with the views in an order each can be created in.
struct Dependents {
    views: Vec<String>,
    triggers: Vec<String>,
}

impl Dependents {
    fn of(schema: &Schema, table: &str) -> Dependents {
        let mut names: BTreeSet<String> = BTreeSet::from([key(table)]);
        let mut found: BTreeSet<String> = BTreeSet::new();
        loop {
            let more: Vec<String> = schema
                .views
                .iter()
                .filter(|(k, v)| {
                    !found.contains(*k) && v.depends_on.iter().any(|d| names.contains(&key(d)))
                })
                .map(|(k, _)| k.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            for k in more {
                names.insert(k.clone());
                found.insert(k);
            }
        }
        // Views in creation order: each after the views of the set it reads.
        let mut views: Vec<String> = Vec::new();
        while views.len() < found.len() {
            let ready: Vec<String> = found
                .iter()
                .filter(|k| !views.contains(k))
                .filter(|k| {
                    schema.views[k.as_str()].depends_on.iter().all(|d| {
                        let d = key(d);
                        d == **k || !found.contains(&d) || views.contains(&d)
                    })
                })
                .cloned()
                .collect();
            let batch = if ready.is_empty() {
                found
                    .iter()
                    .filter(|k| !views.contains(k))
                    .take(1)
                    .cloned()
                    .collect()
            } else {
                ready
            };
            views.extend(batch);
        }
        let triggers = schema
            .triggers
            .iter()
            .filter(|(_, t)| {
                names.contains(&key(&t.table))
                    || t.depends_on.iter().any(|d| names.contains(&key(d)))
            })
            .map(|(k, _)| k.clone())
            .collect();
        Dependents { views, triggers }
    }

    fn drop_all(&self, planner: &mut Planner, schema: &Schema, why: &str) {
        for k in &self.triggers {
            if let Some(t) = schema.triggers.get(k) {
                planner.emit(
                    why.to_string(),
                    format!("DROP TRIGGER {}", quote_ident(&t.name)),
                );
            }
        }
        for k in self.views.iter().rev() {
            if let Some(v) = schema.views.get(k) {
                planner.emit(
                    why.to_string(),
                    format!("DROP VIEW {}", quote_ident(&v.name)),
                );
            }
        }
    }

    fn create_all(&self, planner: &mut Planner, schema: &Schema, why: &str) {
        for k in &self.views {
            if let Some(v) = schema.views.get(k) {
                planner.emit(why.to_string(), v.sql.clone());
            }
        }
        for k in &self.triggers {
            if let Some(t) = schema.triggers.get(k) {
                planner.emit(why.to_string(), t.sql.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests;

impl Planner {
    /// Puts back what archive `from` keeps for `op` (which re-adds a column,
    /// re-creates a table or changes a column's type back), then removes the
    /// archive; `apply` skips all of it when the archive is not there.
    fn restore(&mut self, at: Here, op: &Op, from: &ArchiveRef, then: &Table, later: &[Op]) {
        // What the archive holds, under the names it has there: one column,
        // or every stored column of the re-created table.
        let (column, archived): (Option<&str>, Vec<String>) = match op {
            Op::AddColumn { column, .. } if column.generated.is_none() => {
                (Some(&column.name), vec![column.name.clone()])
            }
            Op::AlterColumn { from, to, .. } if type_changes(from, to) => {
                (Some(&to.name), vec![to.name.clone()])
            }
            Op::CreateTable { table } => (
                None,
                table
                    .columns
                    .iter()
                    .filter(|c| c.generated.is_none())
                    .map(|c| c.name.clone())
                    .collect(),
            ),
            _ => return,
        };
        let keys: Vec<String> = match (&then.primary_key, then.without_rowid) {
            (Some(pk), true) => pk.columns.clone(),
            _ => Vec::new(),
        };
        let mut names: Vec<String> = keys.clone();
        names.extend(archived.iter().cloned());
        // The names the rest of the event gives them; a later drop of the
        // table in the same event leaves the data in its archive.
        let Some((now, renamed)) = follow(later, &then.name, &names) else {
            return;
        };
        let Some(table) = self.schema.table(&now).cloned() else {
            return;
        };
        let (key_now, value_now) = renamed.split_at(keys.len());
        let Some(key_now) = key_now.iter().cloned().collect::<Option<Vec<String>>>() else {
            return;
        };
        let pairs: Vec<(&String, &String)> = archived
            .iter()
            .zip(value_now)
            .filter_map(|(a, n)| n.as_ref().map(|n| (a, n)))
            .filter(|(_, n)| table.column(n).is_some_and(|c| c.generated.is_none()))
            .collect();
        if pairs.is_empty() {
            return;
        }
        // Whatever cannot be put back stays in the archive.
        let complete = pairs.len() == archived.len();
        let archive = from.table();
        // Rows come back at the end of the step, after the ops that may
        // point foreign keys at them: checked once, by foreign_key_check
        // before commit, not row by row on the way.
        self.plan.foreign_keys_off = true;
        let index = self.plan.restores.len();
        self.plan.restores.push(Restore {
            archive_table: archive.clone(),
            table: table.name.clone(),
            column: column.map(|_| pairs[0].1.clone()),
            expected: !from.undo,
        });
        let comment = format!(
            "event {} op {}: {} (restore from {archive} when it is there)",
            at.seq, at.op, at.kind
        );
        let a = quote_ident(&archive);
        let t = quote_ident(&table.name);
        let key_match: Vec<String> = if table.without_rowid {
            keys.iter()
                .zip(&key_now)
                .map(|(k, n)| format!("{t}.{} = a.{}", quote_ident(n), quote_ident(k)))
                .collect()
        } else {
            vec![format!(
                "{t}.{} = a.{}",
                quote_ident(rebuild::rowid_name(&table).unwrap_or("rowid")),
                quote_ident(rebuild::ROWID_COLUMN)
            )]
        };
        let sql = match column {
            Some(_) => format!(
                "UPDATE {t} SET {} = a.{} FROM {a} AS a WHERE {}",
                quote_ident(pairs[0].1),
                quote_ident(pairs[0].0),
                key_match.join(" AND ")
            ),
            None => {
                let mut targets = Vec::new();
                let mut sources = Vec::new();
                if !table.without_rowid && rebuild::rowid_alias(&table).is_none() {
                    targets.push(quote_ident(rebuild::rowid_name(&table).unwrap_or("rowid")));
                    sources.push(quote_ident(rebuild::ROWID_COLUMN));
                }
                for (archived_as, now) in &pairs {
                    targets.push(quote_ident(now));
                    sources.push(quote_ident(archived_as));
                }
                format!(
                    "INSERT INTO {t} ({}) SELECT {} FROM {a}",
                    targets.join(", "),
                    sources.join(", ")
                )
            }
        };
        let role = |counts| Role::Restore { index, counts };
        // The table's own triggers must not fire on rows coming back as they
        // were: they are set aside around the restore.
        let triggers: Vec<Trigger> = self
            .schema
            .triggers
            .values()
            .filter(|tr| same_name(&tr.table, &table.name))
            .cloned()
            .collect();
        for tr in &triggers {
            self.emit_role(
                comment.clone(),
                format!("DROP TRIGGER {}", quote_ident(&tr.name)),
                role(false),
            );
        }
        self.emit_role(comment.clone(), sql, role(true));
        for tr in &triggers {
            self.emit_role(comment.clone(), tr.sql.clone(), role(false));
        }
        if !complete {
            return;
        }
        self.emit_role(comment.clone(), format!("DROP TABLE {a}"), role(false));
        self.emit_role(
            comment,
            format!(
                "DELETE FROM {} WHERE \"archive_table\" = {}",
                quote_ident(ARCHIVE_CATALOG),
                quote_literal(&archive)
            ),
            role(false),
        );
    }
}

/// The table an op brings data back into, by the name the op uses.
fn restored_table(op: &Op) -> Option<&str> {
    match op {
        Op::AddColumn { table, .. } | Op::AlterColumn { table, .. } => Some(table),
        Op::CreateTable { table } => Some(&table.name),
        _ => None,
    }
}

/// Follows a table and some of its columns through the renames of `later`
/// ops: the table's last name (`None` when a later op drops it) and each
/// column's (`None` when a later op drops it).
fn follow(later: &[Op], table: &str, columns: &[String]) -> Option<(String, Vec<Option<String>>)> {
    let mut t = table.to_string();
    let mut cols: Vec<Option<String>> = columns.iter().cloned().map(Some).collect();
    for op in later {
        match op {
            Op::RenameTable { from, to } if same_name(from, &t) => t = to.clone(),
            Op::DropTable { table } if same_name(&table.name, &t) => return None,
            Op::RenameColumn { table, from, to } if same_name(table, &t) => {
                for c in cols.iter_mut().flatten() {
                    if same_name(c, from) {
                        *c = to.clone();
                    }
                }
            }
            Op::DropColumn { table, column, .. } if same_name(table, &t) => {
                for c in cols.iter_mut() {
                    if c.as_deref().is_some_and(|n| same_name(n, &column.name)) {
                        *c = None;
                    }
                }
            }
            _ => {}
        }
    }
    Some((t, cols))
}
