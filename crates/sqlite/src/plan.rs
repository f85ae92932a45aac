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

mod keep;
mod ops;
mod rebuild;
mod script;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use strata_dialect::sqlite::text::{self, quote_ident};
use strata_dialect::sqlite::{key, same_name};
use strata_dialect::sqlite::{RULES, STRICT};
use strata_schema::{project, Column, Index, IndexTerm, Op, ProjectError, Schema, Table};

use crate::custody::{Custody, Held};
use crate::render::{render_index, render_table};
use ops::OpAt;
pub use strata_target::{Lineage, Loss, Step};

pub use script::{ARCHIVE_CATALOG, LOG_TABLE, SEAL_COLUMN, STATE_TABLE};

/// Data a plan puts back from an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    pub archive_table: String,
    pub table: String,
    /// `None` for a whole table's rows.
    pub column: Option<String>,
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
    /// A rebuild's copy of the rows that brings values back from archives:
    /// a NOT NULL column it fills may find a row without a value.
    Refill,
    /// Bookkeeping with named parameters (`:to_seq`, ...) bound by `apply`.
    Bound,
    /// Restore `index` of the plan: its changed rows are the rows restored.
    Restore { index: usize },
    /// Takes out of an archive what restore `index` put back (its changed
    /// rows are the rows restored); then `apply` removes the archive when
    /// it is empty, or counts what it still holds.
    Consume { index: usize, id: i64 },
    /// `PRAGMA foreign_key_check`: its rows are violations.
    ForeignKeyCheck,
    /// A query whose first row, if it has one, says why the move cannot go
    /// on: a constraint an event sets that a row of the table breaks.
    Refusal,
    /// The seal, bound as `:seal`: `apply` runs it last, after its check
    /// of the schema.
    Seal,
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
    /// The catalog row's id; the table is `_strata_archive_<id>`.
    pub id: i64,
    /// The step (event) and op that make it, and whether the step undoes
    /// its event.
    pub seq: u64,
    /// The op's index within its event.
    pub op: u32,
    pub undo: bool,
    /// The ledger op it carries out (what may take the data back).
    pub lineage: Lineage,
    pub kind: ArchiveKind,
    /// The table as the op names it.
    pub table: String,
    /// The column as the op names it; `None` for a whole table.
    pub column: Option<String>,
    pub key: ArchiveKey,
    /// The archive's key columns ([`crate::custody::ROWID_COLUMN`], or the
    /// primary key's, with [`crate::custody::AFTER_COLUMN`] for a key
    /// column whose type changes).
    pub key_columns: Vec<String>,
    /// The archived values' columns.
    pub values: Vec<String>,
    /// The row's other columns, as witnesses.
    pub witness: Vec<String>,
    /// The column whose converted value [`crate::custody::AFTER_COLUMN`]
    /// holds.
    pub after: Option<String>,
    /// Whether the table's AUTOINCREMENT counter is kept with it.
    pub counter: bool,
    pub archive_table: String,
}

/// One table rebuild and the ops of its event it carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuild {
    /// The first event it serves.
    pub seq: u64,
    /// The table's name after the rebuild.
    pub table: String,
    /// The ops the rebuild serves: each event's seq, and the op's index
    /// within it.
    pub ops: Vec<(u64, u32)>,
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
    /// What the plan brings back without its data (purged archives).
    pub losses: Vec<Loss>,
    /// The database's archives as the plan found them: `apply` checks they
    /// are still so inside its transaction.
    pub custody: Custody,
    /// What the database's log says of this move beyond its points (set by
    /// the caller: for example that data was knowingly not brought back).
    pub note: Option<String>,
    /// The schema the plan ends at (the projection of every step).
    pub schema: Schema,
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("event {seq} op {} ({kind}) does not fit the schema before it: {error}; the ledger and the database's point disagree", op.saturating_add(1))]
    DoesNotFit {
        seq: u64,
        op: u32,
        kind: &'static str,
        error: ProjectError,
    },
    #[error("table {table} has columns named rowid, _rowid_ and oid, so its rowids cannot be read to keep them")]
    RowidHidden { table: String },
    #[error("table {table} has a column named {column}, a name strata's archive uses for its own columns")]
    ReservedColumn { table: String, column: String },
    #[error("the ledger has the {what}, and SQLite has no such objects")]
    NoSuchObjects { what: String },
}

impl PlanError {
    /// What to do about it.
    pub fn help(&self) -> Option<&'static str> {
        Some(match self {
            PlanError::DoesNotFit { .. } => "run `strata verify --deep`",
            PlanError::RowidHidden { .. } => "rename one of those columns",
            PlanError::ReservedColumn { .. } => "rename the column",
            PlanError::NoSuchObjects { .. } => {
                "apply this ledger to the kind of database it was recorded for"
            }
        })
    }
}

/// The ordered SQL that turns a database whose schema is `from`, and which
/// keeps no archives, into the schema after every step.
pub fn plan(from: &Schema, steps: &[Step]) -> Result<Plan, PlanError> {
    plan_with(from, steps, &Custody::default())
}

/// The ordered SQL that turns a database whose schema is `from` and whose
/// archives are `custody` into the schema after every step: each op that
/// brings data back takes it from the archive [`Custody::wanted`] names,
/// following the archives the plan itself makes on the way.
pub fn plan_with(from: &Schema, steps: &[Step], custody: &Custody) -> Result<Plan, PlanError> {
    let mut planner = Planner {
        schema: Arc::new(from.clone()),
        plan: Plan {
            custody: custody.clone(),
            ..Plan::default()
        },
        pending: Vec::new(),
        custody: custody.clone(),
        table_goes: false,
        rows_wait: false,
        waiting: BTreeSet::new(),
        fresh: BTreeMap::new(),
        made_with: BTreeMap::new(),
        added: BTreeMap::new(),
        left_out: BTreeSet::new(),
    };
    // Every op of the move in order, and whether it ends its step.
    let mut flat: Vec<(Here, &Op, bool)> = Vec::new();
    for step in steps {
        for (i, op) in step.ops.iter().enumerate() {
            let at = Here {
                seq: step.seq,
                op: u32::try_from(i).unwrap_or(u32::MAX),
                kind: op.kind(),
                undo: step.undo,
                lineage: step.lineage_of(i),
            };
            flat.push((at, op, i + 1 == step.ops.len()));
        }
    }
    // Which ops name each table, and where the data steps are: what a
    // CREATE TABLE folds is found without reading the whole move again.
    let mut naming: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut data_steps = Vec::new();
    for (n, (_, op, _)) in flat.iter().enumerate() {
        if matches!(op, Op::Data { .. }) {
            data_steps.push(n);
        }
        for t in op.tables() {
            let ops = naming.entry(key(t)).or_default();
            if ops.last() != Some(&n) {
                ops.push(n);
            }
        }
    }
    // The later ops of the move that name `table` before its next data
    // step, with their indexes.
    let later = |n: usize, table: &str| {
        let ops = naming.get(&key(table)).map_or(&[][..], Vec::as_slice);
        let until = data_steps
            .get(data_steps.partition_point(|&d| d <= n))
            .copied()
            .unwrap_or(flat.len());
        ops[ops.partition_point(|&m| m <= n)..]
            .iter()
            .take_while(move |&&m| m < until)
            .map(|&m| (m, flat[m].0, flat[m].1))
    };
    for (n, (at, op, last)) in flat.iter().enumerate() {
        planner.table_goes = false;
        planner.rows_wait = false;
        if let Op::CreateTable { table } = op {
            planner.rows_wait = later(n, &table.name)
                .next()
                .is_some_and(|(_, next_at, next)| {
                    next_at.seq == at.seq
                        && next.tables().len() == 1
                        && (rows_can_wait(next)
                            || matches!(next, Op::RenameColumn { .. } | Op::CreateView { .. }))
                });
        }
        if let Op::DropColumn { table, .. } = op {
            planner.table_goes = later(n, table).next().is_some_and(
                |(_, _, next)| matches!(next, Op::DropTable { table: t } if same_name(&t.name, table)),
            );
        }
        planner.op(*at, op)?;
        if *last {
            planner.end_event()?;
        }
    }
    planner.flush_all()?;
    planner.finish();
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
    /// the state row, the seal.
    pub fn transaction(&self) -> Vec<Statement> {
        let mut out = script::prologue(&self.custody);
        out.extend(self.statements.iter().cloned());
        out.push(script::foreign_key_check());
        out.extend(script::epilogue());
        out.push(script::seal());
        out
    }

    /// The exact script `apply` runs, as `apply --dry-run` prints it. The
    /// bookkeeping statements take the values `apply` binds as named
    /// parameters (`:ledger_id`, `:to_seq`, `:to_hash`, `:from_seq`,
    /// `:from_hash`, `:who`, `:version`, `:note`, and `:seal`, the digest
    /// of the schema computed before commit), so the text does not depend
    /// on who applies or when.
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
            if let Role::Consume { index, id } = s.role {
                let a = quote_ident(&self.restores[index].archive_table);
                out.push_str(&format!(
                    "-- then, when {a} is left empty: DROP TABLE {a}; DELETE FROM {} WHERE \"id\" = {id};\n-- else: UPDATE {} SET \"row_count\" = (what it keeps) WHERE \"id\" = {id};\n",
                    quote_ident(ARCHIVE_CATALOG),
                    quote_ident(ARCHIVE_CATALOG)
                ));
            }
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
    /// The step undoes its event.
    undo: bool,
    lineage: Lineage,
}

/// A rebuild that ops of the current event are being gathered into.
#[derive(Debug, Clone)]
struct Pending {
    /// The table's key now (a rename ends the gathering, so it is also the
    /// key the database knows the table by).
    key: String,
    /// The table as the database has it.
    before: Table,
    /// Each column of the table as it will be, with where its values come
    /// from.
    origins: Vec<(String, Source)>,
    /// The first event it gathers ops of.
    seq: u64,
    /// The ops it gathers: each event's seq, and the op's index within it.
    ops: Vec<(u64, u32)>,
    kinds: Vec<&'static str>,
    /// Data to archive from `before` before the rebuild.
    archives: Vec<keep::Keep>,
    /// Columns whose values come back from an archive as the rows are
    /// copied.
    fills: Vec<keep::Fill>,
    /// The columns of `before` whose values the rebuild converts (a type
    /// change): no witness of a row, since they change on the way.
    converted: Vec<String>,
    /// The table is fresh (see [`Fresh`]): the rebuild makes its archives,
    /// empty, and copies nothing.
    ghost: bool,
    /// How many of `archives` were gathered while the table was fresh:
    /// made empty, as the table held no row then.
    nothing: usize,
    /// The table's indexes as the database has them.
    indexes: Vec<Index>,
    /// The refusals written at the ends of events it went on past (see
    /// [`Planner::carry`]): the rows do not change while it gathers, so
    /// each is written once.
    checked: BTreeSet<String>,
    /// The refusals of the last event it went on past, written before it
    /// gathers a later op: when it is carried out first, its copy of the
    /// rows checks the same constraints.
    owed: Vec<(String, String)>,
    /// The columns it adds that it carried past the end of an event, by
    /// the key of their names as added: one at a time, the table has them
    /// from then on, so they witness a row as its other columns do.
    settled: BTreeSet<String>,
    /// How many ops it had gathered when it last went on past the end of
    /// an event.
    carried: Option<usize>,
}

/// Where the values of a column of a rebuilt table come from.
#[derive(Debug, Clone)]
enum Source {
    /// This column of the table as the database has it.
    Column(String),
    /// An ADD COLUMN the rebuild carries out, with the column as it was
    /// added: the rows already in the table hold what that ADD COLUMN gave
    /// them (its default then, NULL when none), whatever later ops of the
    /// event do to the column's default.
    Added(Column),
}

/// What an ADD COLUMN of `added` gives every row already in the table:
/// its default, evaluated as the default is, NULL when none.
fn added_value(added: &Column) -> String {
    added
        .default
        .as_deref()
        .map_or_else(|| "NULL".to_string(), crate::ddl::default_as_expr)
}

/// Each column of `table` coming from itself.
fn own_origins(table: &Table) -> Vec<(String, Source)> {
    table
        .columns
        .iter()
        .map(|c| (c.name.clone(), Source::Column(c.name.clone())))
        .collect()
}

impl Pending {
    /// The column of `before` the values of `column` come from.
    fn origin(&self, column: &str) -> Option<&str> {
        match self.source(column)? {
            Source::Column(c) => Some(c),
            Source::Added(_) => None,
        }
    }

    /// What a row of the table holds in `column` at this point of the
    /// rebuild, read from the table as the database has it: the column it
    /// comes from, or for one this rebuild adds, what its ADD COLUMN gave
    /// every row (its default then, NULL when none). `None` for a column
    /// whose values come back from an archive, or a generated one it adds.
    fn value_of(&self, column: &str) -> Option<String> {
        match self.source(column)? {
            Source::Column(c) => Some(quote_ident(c)),
            Source::Added(a) => {
                let filled = self.fills.iter().any(|f| same_name(&f.column, column));
                (a.generated.is_none() && !filled).then(|| {
                    stored_as_is(a, self.before.has_option(STRICT))
                        .unwrap_or_else(|| added_value(a))
                })
            }
        }
    }

    /// Whether `column` witnesses a row: a column of the table as the
    /// database has it, or one this rebuild adds that it carried past the
    /// end of an event.
    fn witnesses(&self, column: &str) -> bool {
        match self.source(column) {
            Some(Source::Column(_)) => true,
            Some(Source::Added(a)) => self.settled.contains(&key(&a.name)),
            None => false,
        }
    }

    /// The column as an ADD COLUMN of this rebuild added it.
    fn added(&self, column: &str) -> Option<&Column> {
        match self.source(column)? {
            Source::Column(_) => None,
            Source::Added(c) => Some(c),
        }
    }

    fn source(&self, column: &str) -> Option<&Source> {
        self.origins
            .iter()
            .find(|(c, _)| same_name(c, column))
            .map(|(_, s)| s)
    }

    /// Whether the AlterColumn `from` to `to` needs the column's values as
    /// the ops gathered so far leave them, which the single copy of the
    /// rows cannot give. The copy converts a value to the final type only,
    /// so a change of type affinity must find the values already in the
    /// table when this rebuild gives them an affinity of its own: a column
    /// it adds with a value (ADD COLUMN gives the default the affinity of
    /// the column's type then), or one whose affinity it already changes.
    /// And a generated column that becomes stored keeps what its
    /// expression computes, which the table holds only once the column is
    /// there as generated: when this rebuild adds the column, or changes
    /// whether or how it is generated, that comes first.
    fn needs_values_first(&self, from: &Column, to: &Column) -> bool {
        let becomes_stored = from.generated.is_some() && to.generated.is_none();
        match self.source(&from.name) {
            Some(Source::Added(added)) => {
                let holds_values = added.default.as_deref().is_some_and(|d| !is_null(d))
                    || self.fills.iter().any(|f| same_name(&f.column, &from.name));
                (type_changes(from, to) && holds_values) || becomes_stored
            }
            Some(Source::Column(origin)) => {
                let converted = self.converted.iter().any(|c| same_name(c, origin));
                let regenerated = self
                    .before
                    .column(RULES, origin)
                    .is_some_and(|c| c.generated != from.generated);
                (type_changes(from, to) && converted) || (becomes_stored && regenerated)
            }
            None => false,
        }
    }
}

struct Planner {
    /// The schema after every op seen so far (including gathered ones);
    /// shared, so that an op can keep the schema before it without a copy.
    schema: Arc<Schema>,
    plan: Plan,
    /// Rebuilds being gathered, in the order they began.
    pending: Vec<Pending>,
    /// The database's archives as the plan leaves them so far.
    custody: Custody,
    /// Whether the DROP COLUMN about to be planned is followed, in the
    /// move, by the drop of its table, with no op naming the table and no
    /// data step between.
    table_goes: bool,
    /// Whether the CREATE TABLE about to be planned, when it brings rows
    /// back, is named next in its event by an op its rows may wait for
    /// (see [`Fresh::restore`]).
    rows_wait: bool,
    /// The keys of the fresh tables whose rows wait (see
    /// [`Fresh::restore`]): few, and looked at on every op and at the end
    /// of every event, where going through every fresh table would make a
    /// move that creates many tables quadratic.
    waiting: BTreeSet<String>,
    /// The tables this move has created that have held no row since, by
    /// key: what later ops do to them is written into their CREATE TABLE
    /// (see [`Fresh`]).
    fresh: BTreeMap<String, Fresh>,
    /// Statements that go right after the statement at each position: the
    /// indexes of a fresh table, made with it.
    made_with: BTreeMap<usize, Vec<Statement>>,
    /// The columns of tables holding rows that a native ADD COLUMN of this
    /// move has added and no op has read or written since, by table key
    /// (see [`Added`]).
    added: BTreeMap<String, Vec<Added>>,
    /// The positions of statements the plan leaves out after all: the ADD
    /// COLUMN of a column the move drops again (see [`Added`]).
    left_out: BTreeSet<usize>,
}

/// A column a native ADD COLUMN of the move has added to a table that may
/// hold rows, where every such row holds one value, written as a literal
/// SQLite stores as it is in a column of the column's type. Until an op
/// other than an ADD or DROP COLUMN names the table (or a data step runs),
/// nothing has read or written it: what any statement would read from it
/// is that literal. When the move drops it in that time, its ADD COLUMN is
/// left out and its DROP COLUMN is not written; its archive is made as one
/// event at a time makes it, from the literal.
#[derive(Debug, Clone)]
struct Added {
    column: String,
    /// What every row holds in it.
    value: String,
    /// The position of its ADD COLUMN among the plan's statements.
    stmt: usize,
}

/// A table the move has created and that has held no row since: no data
/// step has run, nothing has been put back into it. What a later op does
/// to its shape (a column added, dropped or altered, a foreign key or a
/// check added or dropped, its options, its indexes) needs no statement of
/// its own: there is no row to copy, convert or check, so the table is
/// created as those ops leave it, and its indexes with it. The ops are
/// planned as ever, so each archive an op makes one event at a time is
/// made, empty (a rebuild it begins is a *ghost*: its archives, and no
/// copy). The table becomes ordinary (*materialized*) before any other op
/// that names it, an op that puts data back into it, a change of its
/// primary key or unique constraints (another table's foreign key may need
/// them as they are), and every data step.
#[derive(Debug, Clone)]
struct Fresh {
    /// The position of its CREATE TABLE among the plan's statements.
    stmt: usize,
    /// Its indexes made so far, by key, in the order they were made, with
    /// the comment of the op that made each.
    indexes: Vec<(String, String)>,
    /// The op that created it and the archive its rows come back from,
    /// when it is created with rows that wait: the table was dropped, its
    /// creation brings its rows back, and the ops of its event that name it
    /// next change only its shape, leaving rows as they are (a constraint,
    /// a default, an option, an index, a view on it, a column renamed: see
    /// [`Planner::rows_wait_for`]). Those ops are written into its
    /// CREATE TABLE and the rows come back into the table as they leave it,
    /// as an event's constraints are checked when it ends: so a revert that
    /// redoes a drop brings back rows that a constraint undone on the way
    /// would refuse. It ends, and the rows come back, before any other op
    /// that names it, before a data step, and at the end of the event.
    restore: Option<(Here, Held)>,
    /// The columns renamed while its rows wait, in order (from, to).
    renamed: Vec<(String, String)>,
}

/// A table's options other than STRICT, which changes what rows a table
/// takes but not how it keeps them (its rowid, its counter).
fn but_strict(options: &[String]) -> Vec<String> {
    options
        .iter()
        .filter(|x| !x.eq_ignore_ascii_case(STRICT))
        .map(|x| x.to_ascii_lowercase())
        .collect()
}

/// Whether `op`, on a table created with rows that wait (see
/// [`Fresh::restore`]), leaves the rows as they are: a change of a
/// column's NOT NULL, default, collation or type within its affinity, a
/// check, unique constraint or foreign key added or dropped, STRICT set or
/// taken away, an index made or dropped.
fn rows_can_wait(op: &Op) -> bool {
    match op {
        Op::AlterColumn { from, to, .. } => {
            !loses_values(from, to) && from.generated == to.generated
        }
        Op::AlterTableOptions { from, to, .. } => but_strict(from) == but_strict(to),
        Op::AddCheck { .. }
        | Op::DropCheck { .. }
        | Op::AddUnique { .. }
        | Op::DropUnique { .. }
        | Op::AddForeignKey { .. }
        | Op::DropForeignKey { .. }
        | Op::CreateIndex { .. }
        | Op::DropIndex { .. } => true,
        _ => false,
    }
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

    /// Projects `op` onto the planner's schema in place (an op that does
    /// not fit means the ledger and the database disagree). In place: a
    /// copy of the whole schema per op would make a move across many
    /// events quadratic in the number of objects.
    fn project_here(&mut self, at: Here, op: &Op) -> Result<(), PlanError> {
        project(RULES, Arc::make_mut(&mut self.schema), op).map_err(|error| PlanError::DoesNotFit {
            seq: at.seq,
            op: at.op,
            kind: at.kind,
            error,
        })
    }

    /// The schema after `op`, as a copy.
    fn projected(&self, at: Here, op: &Op) -> Result<Schema, PlanError> {
        let mut after = Schema::clone(&self.schema);
        project(RULES, &mut after, op).map_err(|error| PlanError::DoesNotFit {
            seq: at.seq,
            op: at.op,
            kind: at.kind,
            error,
        })?;
        Ok(after)
    }

    /// Plans one op: finds the archive it takes data back from, hands it to
    /// the function for its kind (in `ops`), and projects it. An op that
    /// does not fit is reported as such, whatever its planning made of it.
    fn op(&mut self, at: Here, op: &Op) -> Result<(), PlanError> {
        // The archive this op takes its data back from, if it is one that
        // brings data back and the database keeps it.
        let back = self.take_back(at, op)?;
        self.settle(op, back.is_some());
        let before = Arc::clone(&self.schema);
        let o = OpAt {
            at,
            op,
            before: &before,
        };
        let planned = self.plan_op(o, back);
        drop(before);
        match planned {
            Ok(Some(after)) => {
                self.schema = Arc::new(after);
                Ok(())
            }
            Ok(None) => self.project_here(at, op),
            Err(e) => Err(self.projected(at, op).err().unwrap_or(e)),
        }
    }

    /// The statements of an op. A rename is planned knowing the schema it
    /// leaves, which it returns; renames are few, so only they pay for a
    /// copy of the schema.
    fn plan_op(&mut self, o: OpAt, back: Option<Held>) -> Result<Option<Schema>, PlanError> {
        match o.op {
            Op::Data { sql } => self.data_step(o, sql)?,
            Op::CreateTable { table } => self.create_table(o, table, back),
            Op::DropTable { table } => self.drop_table(o, table)?,
            Op::RenameTable { from, to } => {
                let after = self.projected(o.at, o.op)?;
                self.rename_table(o, &after, from, to)?;
                return Ok(Some(after));
            }
            Op::RenameColumn { table, from, to } => {
                let after = self.projected(o.at, o.op)?;
                self.rename_column(o, &after, table, from, to)?;
                return Ok(Some(after));
            }
            Op::AddColumn {
                table,
                column,
                position,
            } => self.add_column(o, table, column, *position, back)?,
            Op::DropColumn { table, column, .. } => self.drop_column(o, table, column)?,
            Op::AlterColumn { table, .. }
            | Op::AddForeignKey { table, .. }
            | Op::DropForeignKey { table, .. }
            | Op::AddUnique { table, .. }
            | Op::DropUnique { table, .. }
            | Op::AddCheck { table, .. }
            | Op::DropCheck { table, .. }
            | Op::AlterTableOptions { table, .. }
            | Op::AddPrimaryKey { table, .. }
            | Op::DropPrimaryKey { table, .. } => self.by_rebuild(o, table, back)?,
            Op::CreateDefinition { definition }
            | Op::DropDefinition { definition }
            | Op::ReplaceDefinition { to: definition, .. } => {
                return Err(PlanError::NoSuchObjects {
                    what: format!("{} {}", definition.kind.describe(), definition.name),
                })
            }
            Op::CreateIndex { index } => self.create_index(o, index),
            Op::DropIndex { index } => self.drop_index(o, index),
            Op::CreateView { view } => self.view_or_trigger(o, &view.name, view.sql.clone())?,
            Op::DropView { view } => {
                let sql = format!("DROP VIEW {}", quote_ident(&view.name));
                self.view_or_trigger(o, &view.name, sql)?;
            }
            Op::CreateTrigger { trigger } => {
                self.view_or_trigger(o, &trigger.name, trigger.sql.clone())?;
            }
            Op::DropTrigger { trigger } => {
                let sql = format!("DROP TRIGGER {}", quote_ident(&trigger.name));
                self.view_or_trigger(o, &trigger.name, sql)?;
            }
        }
        Ok(None)
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
            at.seq,
            at.op.saturating_add(1),
            at.kind
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
            origins: own_origins(table),
            seq: at.seq,
            ops: Vec::new(),
            kinds: vec![kind],
            archives: Vec::new(),
            fills: Vec::new(),
            converted: Vec::new(),
            ghost: self.is_fresh(&table.name),
            nothing: 0,
            indexes: indexes_of(&self.schema, &table.name),
            checked: BTreeSet::new(),
            owed: Vec::new(),
            settled: BTreeSet::new(),
            carried: None,
        });
        self.pending.len() - 1
    }

    /// Whether the rows of the fresh table `k`, which wait (see
    /// [`Fresh::restore`]), can wait for `op` on it: one that leaves rows
    /// as they are ([`rows_can_wait`]), the creation of a view (which
    /// reads no row), or a rename of one of its columns when nothing else
    /// names the columns (no view, trigger or expression index on it, no
    /// other table's foreign key to it): the rename is then in its CREATE
    /// TABLE, and the rows come back under the new names.
    fn rows_wait_for(&self, k: &str, op: &Op) -> bool {
        match op {
            Op::CreateView { .. } => true,
            Op::RenameColumn { table, .. } => {
                let deps = Dependents::of(&self.schema, table);
                deps.is_empty()
                    && !self
                        .schema
                        .indexes
                        .values()
                        .any(|i| same_name(&i.table, table) && has_expressions(i))
                    && !self.schema.tables.iter().any(|(other, t)| {
                        other != k
                            && t.foreign_keys
                                .iter()
                                .any(|f| same_name(&f.ref_table, table))
                    })
            }
            _ => rows_can_wait(op),
        }
    }

    /// Whether `table` is fresh (see [`Fresh`]).
    fn is_fresh(&self, table: &str) -> bool {
        self.fresh.contains_key(&key(table))
    }

    /// Before `op` is planned: makes ordinary the fresh tables it must find
    /// as the database has them (see [`Fresh`]). `back` is whether it puts
    /// data back.
    fn settle(&mut self, op: &Op, back: bool) {
        if !self.added.is_empty() {
            match op {
                Op::Data { .. } => self.added.clear(),
                // Their own functions see to it.
                Op::AddColumn { .. } | Op::DropColumn { .. } => {}
                _ => {
                    for t in op.tables() {
                        self.added.remove(&key(t));
                    }
                }
            }
        }
        if self.fresh.is_empty() {
            return;
        }
        if matches!(op, Op::Data { .. }) {
            self.materialize_all();
            return;
        }
        // A table whose rows wait (see [`Fresh::restore`]) waits for the
        // ops on it alone that leave its rows as they are.
        let names = op.tables();
        for t in &names {
            let k = key(t);
            if self.waiting.contains(&k)
                && (back || names.len() != 1 || !self.rows_wait_for(&k, op))
            {
                self.materialize(&k);
            }
        }
        let shape_only = matches!(
            op,
            Op::AddColumn { .. }
                | Op::DropColumn { .. }
                | Op::AlterColumn { .. }
                | Op::AddForeignKey { .. }
                | Op::DropForeignKey { .. }
                | Op::AddCheck { .. }
                | Op::DropCheck { .. }
                | Op::AlterTableOptions { .. }
                | Op::CreateIndex { .. }
                | Op::DropIndex { .. }
        );
        if back || !shape_only {
            for t in op.tables() {
                // One whose rows wait stays so (see above).
                if !self.waiting.contains(&key(t)) {
                    self.materialize(&key(t));
                }
            }
        }
    }

    /// Makes the fresh table `k` ordinary: its CREATE TABLE is written as
    /// the table stands now, its indexes right after it, and a ghost
    /// rebuild gathering its ops goes on as a rebuild of the table as that
    /// statement makes it, with the archives gathered so far made empty.
    fn materialize(&mut self, k: &str) {
        let Some(fresh) = self.fresh.remove(k) else {
            return;
        };
        self.waiting.remove(k);
        let Some(table) = self.schema.tables.get(k).cloned() else {
            return;
        };
        // Rows that waited go into the table as it stands: what the ops
        // waited for did to its shape is in its CREATE TABLE, and made no
        // archive, so their ghost rebuild has nothing left to do.
        if fresh.restore.is_some() {
            if let Some(i) = self.pending_index(k) {
                if self.pending[i].archives.is_empty() {
                    self.pending.remove(i);
                }
            }
        }
        if let Some(i) = self.pending_index(k) {
            let p = &mut self.pending[i];
            p.ghost = false;
            p.nothing = p.archives.len();
            p.origins = own_origins(&table);
            p.converted.clear();
            p.indexes = indexes_of(&self.schema, &table.name);
            p.before = table.clone();
        }
        let sql = render_table(&table);
        let stmt = &mut self.plan.statements[fresh.stmt];
        if stmt.sql != sql {
            stmt.sql = sql;
            stmt.comment.push_str(match fresh.restore {
                Some(_) => {
                    " (as the next ops of its event on it leave it, its rows back after them)"
                }
                None => " (as later ops of the move leave it, before it holds a row)",
            });
        }
        let made: Vec<Statement> = fresh
            .indexes
            .iter()
            .filter_map(|(ik, comment)| {
                let index = self.schema.indexes.get(ik)?;
                same_name(&index.table, &table.name).then(|| Statement {
                    sql: render_index(index),
                    comment: comment.clone(),
                    role: Role::Plain,
                })
            })
            .collect();
        if !made.is_empty() {
            self.made_with.entry(fresh.stmt).or_default().extend(made);
        }
        if let Some((at, held)) = &fresh.restore {
            self.restore_table_renamed(*at, &table, held, &fresh.renamed);
        }
    }

    fn materialize_all(&mut self) {
        let keys: Vec<String> = self.fresh.keys().cloned().collect();
        for k in keys {
            self.materialize(&k);
        }
    }

    /// The plan's statements once every table is ordinary, with the
    /// indexes made with fresh tables in their places.
    fn finish(&mut self) {
        self.materialize_all();
        let mut made_with = std::mem::take(&mut self.made_with);
        let left_out = std::mem::take(&mut self.left_out);
        if made_with.is_empty() && left_out.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.plan.statements);
        let mut out =
            Vec::with_capacity(old.len() + made_with.values().map(Vec::len).sum::<usize>());
        for (n, s) in old.into_iter().enumerate() {
            if !left_out.contains(&n) {
                out.push(s);
            }
            if let Some(made) = made_with.remove(&n) {
                out.extend(made);
            }
        }
        self.plan.statements = out;
    }

    /// Adds `op` to the rebuild being gathered at `i`, after the refusals
    /// it owes (see [`Pending::owed`]).
    fn absorb(&mut self, i: usize, at: Here, op: &Op) {
        for (comment, sql) in std::mem::take(&mut self.pending[i].owed) {
            self.pending[i].checked.insert(sql.clone());
            self.emit_role(comment, sql, Role::Refusal);
        }
        // Before the op: the schema as the op finds it.
        let now = Arc::clone(&self.schema);
        let p = &mut self.pending[i];
        p.ops.push((at.seq, at.op));
        if p.kinds.last() != Some(&at.kind) {
            p.kinds.push(at.kind);
        }
        match op {
            Op::AddColumn {
                column, position, ..
            } => {
                let to = (*position as usize).min(p.origins.len());
                p.origins
                    .insert(to, (column.name.clone(), Source::Added(column.clone())));
            }
            Op::DropColumn { table, column, .. } => {
                if column.generated.is_none() {
                    if let Some(k) = keep::Keep::in_rebuild(p, at, &now, table, column, None) {
                        p.archives.push(k);
                    }
                }
                p.origins.retain(|(c, _)| !same_name(c, &column.name));
                // A value that came back in this rebuild and goes again stays
                // where it was.
                p.fills.retain(|f| !same_name(&f.column, &column.name));
            }
            Op::RenameColumn { from, to, .. } => {
                for (c, _) in p.origins.iter_mut().filter(|(c, _)| same_name(c, from)) {
                    *c = to.clone();
                }
                for f in p.fills.iter_mut().filter(|f| same_name(&f.column, from)) {
                    f.column = to.clone();
                }
            }
            Op::AlterColumn { table, from, to } => {
                if loses_values(from, to) {
                    if let Some(k) = keep::Keep::in_rebuild(p, at, &now, table, from, Some(to)) {
                        p.archives.push(k);
                    }
                }
                if type_changes(from, to) {
                    if let Some(source) = p.origin(&from.name).map(str::to_string) {
                        p.converted.push(source);
                    }
                }
            }
            _ => {}
        }
    }

    /// Carries out the gathered rebuilds of tables `op` names.
    fn flush_touching(&mut self, op: &Op) -> Result<(), PlanError> {
        let names: BTreeSet<String> = op.tables().into_iter().map(key).collect();
        self.flush_where(|p| names.contains(&p.key))
    }

    /// Carries out the gathered rebuilds `which` picks, in the order they
    /// began.
    fn flush_where(&mut self, which: impl Fn(&Pending) -> bool) -> Result<(), PlanError> {
        while let Some(i) = self.pending.iter().position(&which) {
            let p = self.pending.remove(i);
            self.rebuild(p)?;
        }
        Ok(())
    }

    /// Carries out the gathered rebuilds a DROP TABLE of `table` must
    /// follow: its own, and those of tables that, as the database has them,
    /// still carry a foreign key to it (a dropped constraint not yet
    /// rebuilt away), whose ON DELETE would fire when it goes. The others
    /// go on gathering the event's ops: carried out now, they would check
    /// rows against a constraint a later op of the event takes away.
    fn flush_for_drop(&mut self, table: &str) -> Result<(), PlanError> {
        let k = key(table);
        self.flush_where(|p| {
            p.key == k
                || p.before
                    .foreign_keys
                    .iter()
                    .any(|fk| same_name(&fk.ref_table, table))
        })
    }

    /// At the end of an event: carries out the gathered rebuilds, but for
    /// those that may go on gathering the next event's ops (see
    /// [`Planner::carry`]), which then owe the refusals that stand for the
    /// copy of the rows they put off.
    fn end_event(&mut self) -> Result<(), PlanError> {
        for k in std::mem::take(&mut self.waiting) {
            self.materialize(&k);
        }
        let mut i = 0;
        while i < self.pending.len() {
            // Gathered nothing since it went on past the last event: what
            // it owes, and whether it goes on, are as they were.
            if self.pending[i].carried == Some(self.pending[i].ops.len()) {
                i += 1;
                continue;
            }
            match self.carry(&self.pending[i]) {
                Some(refusals) => {
                    let p = &mut self.pending[i];
                    p.carried = Some(p.ops.len());
                    for (_, source) in &p.origins {
                        if let Source::Added(a) = source {
                            p.settled.insert(key(&a.name));
                        }
                    }
                    p.owed = refusals
                        .into_iter()
                        .filter(|(_, sql)| !p.checked.contains(sql))
                        .collect();
                    i += 1;
                }
                None => {
                    let p = self.pending.remove(i);
                    self.rebuild(p)?;
                }
            }
        }
        Ok(())
    }

    /// Whether the rebuild `p` may go on into the next event, and the
    /// refusals that must stand for the copy of the rows it puts off: the
    /// table as this event leaves it holds the rows as the database has
    /// them, so copying them at this point would change nothing, and could
    /// fail only on a constraint the event sets. Its columns are the
    /// table's own, unrenamed, with the same type affinity, collation and
    /// generation, or ones it adds whose every value is known exactly
    /// (`stored_as_is`) and that no new check, unique constraint or unique
    /// index names; no value is converted or put back; its
    /// key and options are the table's, its foreign keys among the
    /// table's, its unique constraints include the table's, and each index
    /// it has that the table has not is a plain one (no expression or
    /// predicate). A column made NOT NULL, a check, a unique constraint or
    /// a unique index the table has not is a query on the rows as they are
    /// (a [`Role::Refusal`]) that fails the move as the copy would. A
    /// rebuild of a fresh table is done with at the end of its event as
    /// ever (it copies nothing).
    fn carry(&self, p: &Pending) -> Option<Vec<(String, String)>> {
        if p.ghost || p.nothing > 0 || !p.fills.is_empty() || !p.converted.is_empty() {
            return None;
        }
        let now = self.schema.tables.get(&p.key)?;
        let before = &p.before;
        if now.options != before.options
            || now.primary_key != before.primary_key
            || !before.uniques.iter().all(|u| now.uniques.contains(u))
            || !now
                .foreign_keys
                .iter()
                .all(|f| before.foreign_keys.contains(f))
        {
            return None;
        }
        // The columns this rebuild adds, each with what every row holds in
        // it (see `stored_as_is`): they carry over when that is exact.
        let strict = before.has_option(STRICT);
        let mut added: Vec<(&str, String)> = Vec::new();
        // A column that keeps its values as the table holds them: the same
        // affinity, collation, generation and identity.
        let keeps = |was: &Column, name: &str| {
            now.column(RULES, name).is_some_and(|n| {
                affinity(&was.ty) == affinity(&n.ty)
                    && was.collation == n.collation
                    && was.generated == n.generated
                    && was.identity == n.identity
            })
        };
        let same_rows = p.origins.iter().all(|(name, source)| match source {
            Source::Added(a) => match stored_as_is(a, strict) {
                Some(v) if keeps(a, name) => {
                    added.push((name, v));
                    true
                }
                _ => false,
            },
            Source::Column(o) => {
                same_name(o, name) && before.column(RULES, o).is_some_and(|b| keeps(b, name))
            }
        });
        if !same_rows {
            return None;
        }
        let indexes = indexes_of(&self.schema, &now.name);
        let new_indexes: Vec<&Index> = indexes.iter().filter(|i| !p.indexes.contains(i)).collect();
        if new_indexes.iter().any(|i| has_expressions(i)) {
            return None;
        }
        // The refusals read the table as the database has it, which has
        // no added column: a new check, unique constraint or unique index
        // that names one is left to the copy.
        let names_added = |column: &str| added.iter().any(|(a, _)| same_name(a, column));
        if now
            .checks
            .iter()
            .filter(|c| !before.checks.contains(c))
            .any(|c| added.iter().any(|(a, _)| text::mentions(&c.expr, a)))
            || now
                .uniques
                .iter()
                .filter(|u| !before.uniques.contains(u))
                .any(|u| u.columns.iter().any(|c| names_added(c)))
            || new_indexes.iter().filter(|i| i.unique).any(|i| {
                i.columns
                    .iter()
                    .any(|c| matches!(&c.term, IndexTerm::Column(n) if names_added(n)))
            })
        {
            return None;
        }
        Some(Self::refusals(p, now, &added, &new_indexes))
    }

    /// The queries that stand for the copy of the rows the rebuild `p`
    /// puts off (see [`Planner::carry`]), with their comments: one for
    /// each column made NOT NULL (`added`: the columns it adds, with what
    /// every row holds in them), check, unique constraint and unique index
    /// (`new_indexes`) the table as the database has it lacks.
    fn refusals(
        p: &Pending,
        now: &Table,
        added: &[(&str, String)],
        new_indexes: &[&Index],
    ) -> Vec<(String, String)> {
        let before = &p.before;
        let t = quote_ident(&before.name);
        let comment = |what: &str| {
            format!(
                "event {}: {what}, checked on the rows of {} as they are (its rebuild goes on into the next event)",
                p.ops.last().map_or(p.seq, |(seq, _)| *seq),
                now.name
            )
        };
        let refusal = |message: String, rest: String| {
            let rest = if rest.is_empty() {
                rest
            } else {
                format!("{rest} ")
            };
            format!("SELECT {} FROM {t} {rest}LIMIT 1", quote_literal(&message))
        };
        let mut out = Vec::new();
        for (name, source) in &p.origins {
            let Some(n) = now.column(RULES, name).filter(|n| n.not_null) else {
                continue;
            };
            // A column of the table that was not NOT NULL, or one this
            // rebuild adds whose rows all hold NULL.
            let rest = match source {
                Source::Column(o) => match before.column(RULES, o) {
                    Some(b) if !b.not_null => format!("WHERE {} IS NULL", quote_ident(o)),
                    _ => continue,
                },
                Source::Added(_) => match added.iter().find(|(a, _)| same_name(a, name)) {
                    Some((_, v)) if v == "NULL" => String::new(),
                    _ => continue,
                },
            };
            out.push((
                comment(&format!("NOT NULL {}", n.name)),
                refusal(
                    format!("NOT NULL constraint failed: {}.{}", now.name, n.name),
                    rest,
                ),
            ));
        }
        for c in now.checks.iter().filter(|c| !before.checks.contains(c)) {
            let what = c.name.clone().unwrap_or_else(|| c.expr.clone());
            out.push((
                comment(&format!("CHECK {}", one_line(&what))),
                refusal(
                    format!("CHECK constraint failed: {what}"),
                    format!("WHERE NOT ({})", c.expr),
                ),
            ));
        }
        let mut unique = |columns: Vec<(String, Option<String>)>| {
            let names: Vec<String> = columns
                .iter()
                .map(|(c, _)| format!("{}.{c}", now.name))
                .collect();
            let present: Vec<String> = columns
                .iter()
                .map(|(c, _)| format!("{} IS NOT NULL", quote_ident(c)))
                .collect();
            let grouped: Vec<String> = columns
                .iter()
                .map(|(c, collation)| match collation {
                    Some(x) => format!("{} COLLATE {x}", quote_ident(c)),
                    None => quote_ident(c),
                })
                .collect();
            out.push((
                comment(&format!("UNIQUE ({})", names.join(", "))),
                refusal(
                    format!("UNIQUE constraint failed: {}", names.join(", ")),
                    format!(
                        "WHERE {} GROUP BY {} HAVING count(*) > 1",
                        present.join(" AND "),
                        grouped.join(", ")
                    ),
                ),
            ));
        };
        for u in now.uniques.iter().filter(|u| !before.uniques.contains(u)) {
            unique(u.columns.iter().map(|c| (c.clone(), None)).collect());
        }
        for i in new_indexes.iter().filter(|i| i.unique) {
            unique(
                i.columns
                    .iter()
                    .filter_map(|c| match &c.term {
                        IndexTerm::Column(name) => Some((name.clone(), c.collation.clone())),
                        IndexTerm::Expr(_) => None,
                    })
                    .collect(),
            );
        }
        out
    }

    fn flush_all(&mut self) -> Result<(), PlanError> {
        for p in std::mem::take(&mut self.pending) {
            self.rebuild(p)?;
        }
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

/// Whether an AlterColumn discards or may convert the values a column
/// stores: a change of type affinity, or a stored column becoming
/// generated (its values are computed from then on).
pub fn loses_values(from: &Column, to: &Column) -> bool {
    from.generated.is_none() && (to.generated.is_some() || type_changes(from, to))
}

/// Whether an AlterColumn is one whose inverse [`loses_values`]: it may
/// take values back from an archive.
pub fn takes_back_values(from: &Column, to: &Column) -> bool {
    loses_values(to, from)
}

/// A declared type's affinity, by SQLite's rules (datatype3.html, 3.1), with
/// STRICT's ANY apart: it keeps every value as given.
pub fn affinity(ty: &str) -> &'static str {
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
        Some(d) => constant_default(d) && !(is_null(d) && column.not_null),
    }
}

/// What every row already in a table holds in `column` once a native ADD
/// COLUMN has added it, as SQL that gives that very value wherever it is
/// stored, an archive's untyped columns included: NULL, or the default
/// literal as the column's type affinity leaves it. Text in a text column,
/// an integer in an integer, numeric or ANY one, any literal in an untyped
/// one are kept as they are; an integer in a text column becomes its
/// digits as text, and in a real one a real. `None` where the affinity
/// would change the literal in other ways (`'5'` in an integer column,
/// `1.5` in a numeric one), and for a generated column. In a `strict`
/// table, only a default of the column's own type (any for ANY), which it
/// keeps as it is.
fn stored_as_is(column: &Column, strict: bool) -> Option<String> {
    if column.generated.is_some() {
        return None;
    }
    let Some(d) = column.default.as_deref().filter(|d| !is_null(d)) else {
        return Some("NULL".to_string());
    };
    let t = d.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let integer: Option<i64> = if t.eq_ignore_ascii_case("true") {
        Some(1)
    } else if t.eq_ignore_ascii_case("false") {
        Some(0)
    } else if !digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit())
    {
        t.trim_start_matches('+').parse().ok()
    } else {
        None
    };
    let (text, blob) = (is_string(t), is_blob(t));
    if strict {
        // A STRICT table takes a default of the column's own type only
        // (ANY takes any), and keeps it as it is.
        let kept = match column.ty.trim().to_ascii_uppercase().as_str() {
            "TEXT" => text,
            "INT" | "INTEGER" => integer.is_some(),
            "BLOB" => blob,
            "ANY" => text || blob || integer.is_some(),
            _ => false,
        };
        return kept.then(|| added_value(column));
    }
    match (affinity(&column.ty), integer) {
        ("blob", _) if constant_default(t) => Some(added_value(column)),
        ("text", _) if text => Some(added_value(column)),
        ("text", Some(n)) => Some(quote_literal(&n.to_string())),
        // ANY is numeric outside a STRICT table.
        ("integer" | "numeric" | "any", Some(_)) => Some(added_value(column)),
        ("real", Some(n)) => Some(format!("{n}.0")),
        _ => None,
    }
}

/// A string literal: `'...'`, quotes within doubled.
fn is_string(t: &str) -> bool {
    t.len() >= 2
        && t.starts_with('\'')
        && t.ends_with('\'')
        && !t[1..t.len() - 1].replace("''", "").contains('\'')
}

/// A blob literal: `x'...'`.
fn is_blob(t: &str) -> bool {
    (t.starts_with("x'") || t.starts_with("X'")) && t.ends_with('\'') && t.len() >= 3
}

/// Whether a default is NULL.
fn is_null(default: &str) -> bool {
    default.trim().eq_ignore_ascii_case("null")
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
    is_number
        || is_string(t)
        || is_blob(t)
        || ["null", "true", "false"]
            .iter()
            .any(|w| t.eq_ignore_ascii_case(w))
}

/// Whether the table's own SQL text (checks, generated columns) names
/// `name`: after a native rename SQLite rewrites that text its own way, so
/// the table is rebuilt from the model to carry the model's text.
fn own_text_mentions(t: &Table, name: &str) -> bool {
    t.checks.iter().any(|c| text::mentions(&c.expr, name))
        || t.columns.iter().any(|c| {
            c.generated
                .as_ref()
                .is_some_and(|g| text::mentions(&g.expr, name))
        })
}

/// The indexes of `table`, in the order of their keys.
fn indexes_of(schema: &Schema, table: &str) -> Vec<Index> {
    schema
        .indexes
        .values()
        .filter(|i| same_name(&i.table, table))
        .cloned()
        .collect()
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
    fn is_empty(&self) -> bool {
        self.views.is_empty() && self.triggers.is_empty()
    }

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
