//! Plans a move in PostgreSQL's transactional DDL: every op as the native
//! statement that carries it out (PostgreSQL alters tables in place: no
//! rebuilds), with the data an op drops copied first into an archive table
//! in schema `strata`, and taken back by the op that undoes it (by
//! lineage, as on every target: docs/ARCHITECTURE.md).

use strata_dialect::postgres::identity;
use strata_schema::{project, Column, Identity, Op, Rules, Schema, Table};
use strata_target::{Lineage, Loss, Step};

use crate::custody::{Custody, Held, Kind};
use crate::error::PgError;
use crate::partition;
use crate::render::{self, ident, idents, literal};

/// strata's schema in a database: its bookkeeping and the archives.
pub const STRATA: &str = "strata";

/// One statement of a plan, and what the apply learns from running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Plain,
    /// Fills archive `index` of [`Plan::archives`]: its row count.
    Archive {
        index: usize,
    },
    /// Puts data back from restore `index` of [`Plan::restores`]: its row
    /// count.
    Restore {
        index: usize,
    },
}

/// An archive a plan makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArchive {
    pub id: i64,
    pub kind: Kind,
    pub table: String,
    pub column: Option<String>,
    /// The columns that find a row again (a column's archive).
    pub key: Vec<String>,
    /// The archived values' columns.
    pub values: Vec<String>,
    pub archive_table: String,
    pub lineage: Lineage,
    pub seq: u64,
    pub op: u32,
}

/// Data a plan puts back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    pub id: i64,
    pub table: String,
    pub column: Option<String>,
    pub archive_table: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub statements: Vec<Statement>,
    pub archives: Vec<NewArchive>,
    pub restores: Vec<Restore>,
    pub losses: Vec<Loss>,
    pub note: Option<String>,
    /// The catalog's fingerprint the plan was made against.
    pub custody_fingerprint: String,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The script, one statement per line group, each ending in `;`.
    pub fn sql(&self) -> String {
        let mut out = String::new();
        for s in &self.statements {
            out.push_str(s.sql.trim_end());
            out.push_str(";\n");
        }
        out
    }
}

/// The plan that carries a database at `from` through `steps`, its
/// archives as `custody` holds them.
pub fn plan(
    rules: &dyn Rules,
    from: &Schema,
    steps: &[Step],
    custody: &Custody,
) -> Result<Plan, PgError> {
    plan_in(rules, from, steps, custody, STRATA)
}

/// [`plan`], with the archives in schema `archives_in` (a scratch
/// database keeps its own).
pub fn plan_in(
    rules: &dyn Rules,
    from: &Schema,
    steps: &[Step],
    custody: &Custody,
    archives_in: &str,
) -> Result<Plan, PgError> {
    let mut p = Planner {
        archives_in: archives_in.to_string(),
        rules,
        schema: from.clone(),
        held: custody.held.clone(),
        next_id: custody.next_id,
        plan: Plan {
            custody_fingerprint: custody.fingerprint.clone(),
            ..Plan::default()
        },
        bodies_unchecked: false,
    };
    // A schema other than `public` is made before the first object in it
    // and dropped after the last goes.
    let mut schemas = render::schemas(from);
    for step in steps {
        for (i, op) in step.ops.iter().enumerate() {
            if let Some(s) = render::schema_made_by(op) {
                if schemas.insert(s.to_string()) {
                    p.emit(render::create_schema(s));
                }
            }
            let lineage = step.lineage_of(i);
            p.op(op, lineage, step.seq, i as u32)?;
            project(rules, &mut p.schema, op)
                .map_err(|e| PgError::new(format!("event {} op {}: {e}", step.seq, i + 1)))?;
        }
    }
    let left = render::schemas(&p.schema);
    for gone in schemas.difference(&left) {
        p.emit(render::drop_schema(gone));
    }
    // A constraint checked at commit leaves trigger events pending after
    // the rows a move writes, and PostgreSQL alters no table with events
    // pending: the move checks every constraint as it goes.
    let deferred = from.tables.values().any(defers)
        || p.schema.tables.values().any(defers)
        || steps.iter().flat_map(|s| &s.ops).any(|op| match op {
            Op::CreateTable { table } => defers(table),
            Op::AddForeignKey { foreign_key, .. } => foreign_key.deferred,
            Op::AddUnique { unique, .. } => unique.deferred,
            Op::AddPrimaryKey { primary_key, .. } => primary_key.deferred,
            _ => false,
        });
    if deferred && !p.plan.statements.is_empty() {
        p.plan.statements.insert(
            0,
            Statement {
                sql: "SET CONSTRAINTS ALL IMMEDIATE".to_string(),
                role: Role::Plain,
            },
        );
    }
    Ok(p.plan)
}

/// Whether a constraint of `t` is checked at commit (INITIALLY DEFERRED).
fn defers(t: &Table) -> bool {
    t.primary_key.as_ref().is_some_and(|k| k.deferred)
        || t.uniques.iter().any(|u| u.deferred)
        || t.foreign_keys.iter().any(|f| f.deferred)
}

struct Planner<'a> {
    rules: &'a dyn Rules,
    /// The schema the archives go to.
    archives_in: String,
    /// The schema as the ops so far leave it.
    schema: Schema,
    held: Vec<Held>,
    next_id: i64,
    plan: Plan,
    /// Whether the move set `check_function_bodies` off already.
    bodies_unchecked: bool,
}

fn archive_name(id: i64) -> String {
    format!("archive_{id}")
}

/// Each of `columns` paired with itself, for [`same_on`].
fn themselves(columns: &[String]) -> Vec<(String, String)> {
    columns.iter().map(|c| (c.clone(), c.clone())).collect()
}

/// `a.x IS NOT DISTINCT FROM b.y` for every pair `(x, y)`.
fn same_on(a: &str, b: &str, columns: &[(String, String)]) -> String {
    columns
        .iter()
        .map(|(x, y)| format!("{a}.{} IS NOT DISTINCT FROM {b}.{}", ident(x), ident(y)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

impl Planner<'_> {
    fn qualified(&self, table: &str) -> String {
        format!("{}.{}", ident(&self.archives_in), ident(table))
    }

    fn emit(&mut self, sql: String) {
        self.plan.statements.push(Statement {
            sql,
            role: Role::Plain,
        });
    }

    fn table(&self, name: &str) -> Result<&Table, PgError> {
        self.schema.table(self.rules, name).ok_or_else(|| {
            PgError::new(format!(
                "table {name} is not in the schema the plan starts from"
            ))
        })
    }

    /// The newest archive `lineage`'s inverse made that is still held.
    fn held_for(&self, lineage: Lineage, kind: Kind) -> Option<usize> {
        self.held
            .iter()
            .rposition(|h| h.lineage == lineage.inverse() && h.kind == kind)
    }

    /// Makes archive `what` (its id and table name given here), which the
    /// rest of the plan holds from now on; returns its index in the plan's
    /// archives and its table's name.
    fn new_archive(&mut self, mut what: Held, seq: u64, op: u32) -> (usize, String) {
        what.id = self.next_id;
        self.next_id += 1;
        what.archive_table = archive_name(what.id);
        self.plan.archives.push(NewArchive {
            id: what.id,
            kind: what.kind,
            table: what.table.clone(),
            column: what.column.clone(),
            key: what.key.clone(),
            values: what.values.clone(),
            archive_table: what.archive_table.clone(),
            lineage: what.lineage,
            seq,
            op,
        });
        let name = what.archive_table.clone();
        self.held.push(what);
        (self.plan.archives.len() - 1, name)
    }

    fn archive_statement(&mut self, index: usize, sql: String) {
        self.plan.statements.push(Statement {
            sql,
            role: Role::Archive { index },
        });
    }

    fn op(&mut self, op: &Op, lineage: Lineage, seq: u64, at: u32) -> Result<(), PgError> {
        if partition::carried(&self.schema, op) {
            return Ok(());
        }
        match op {
            Op::CreateTable { table } => {
                for sql in partition::create_in(&self.schema, table) {
                    self.emit(sql);
                }
                if let Some(k) = self.held_for(lineage, Kind::Table) {
                    self.restore_table(k, table);
                }
            }
            Op::DropTable { table } => {
                for sql in partition::detach_before_drop(&self.schema, &table.name) {
                    self.emit(sql);
                }
                let t = ident(&table.name);
                let what = Held {
                    id: 0,
                    archive_table: String::new(),
                    lineage,
                    kind: Kind::Table,
                    table: table.name.clone(),
                    column: None,
                    key: Vec::new(),
                    values: table.columns.iter().map(|c| c.name.clone()).collect(),
                    rows: 0,
                    purged_at: None,
                };
                let (index, a) = self.new_archive(what, seq, at);
                let sql = if table.columns.iter().any(|c| self.user_type(&c.ty)) {
                    // Values of a type or domain of the schema are kept as
                    // text, so the type can go after the table.
                    let select: Vec<String> = table
                        .columns
                        .iter()
                        .map(|c| match self.user_type(&c.ty) {
                            true => format!("{0}::text AS {0}", ident(&c.name)),
                            false => ident(&c.name),
                        })
                        .collect();
                    format!(
                        "CREATE TABLE {} AS SELECT {} FROM {t}",
                        self.qualified(&a),
                        select.join(", ")
                    )
                } else {
                    format!("CREATE TABLE {} AS TABLE {t}", self.qualified(&a))
                };
                self.archive_statement(index, sql);
                self.emit(release_sequences(&table.name, None));
                self.emit(format!("DROP TABLE {t}"));
            }
            Op::RenameTable { from, to } => {
                if render::schema_of(from) != render::schema_of(to) {
                    return Err(PgError::new(format!(
                        "table {from} renamed {to}: a table is renamed within its schema; moving it to another (ALTER TABLE ... SET SCHEMA) is not supported yet"
                    ))
                    .help("create the table in the other schema and move the rows with a data step"));
                }
                self.emit(format!(
                    "ALTER TABLE {} RENAME TO {}",
                    ident(from),
                    ident(render::bare(to))
                ))
            }
            Op::AddColumn { table, column, .. } => {
                // PostgreSQL adds a column after the others whatever its
                // position in the model: the order the ledger gives is kept
                // by the spelling (crate::spelling::translate).
                let held = self.held_for(lineage, Kind::Column);
                // A NOT NULL column without a default that takes its values
                // back is added without NOT NULL, given its values, then
                // made NOT NULL (which refuses rows that got none).
                let relax = held.is_some() && column.not_null && column.default.is_none();
                // An identity column that takes its values back is added
                // as a plain one (an identity column takes no values from
                // UPDATE), and made an identity column once they are in.
                let later = column.identity.filter(|_| held.is_some());
                let added = Column {
                    not_null: column.not_null && !relax,
                    identity: column.identity.filter(|_| later.is_none()),
                    ..column.clone()
                };
                self.emit(format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    ident(table),
                    render::column(&added)
                ));
                if let Some(k) = held {
                    self.restore_column(k, table, column);
                }
                if relax {
                    self.emit(format!(
                        "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
                        ident(table),
                        ident(&column.name)
                    ));
                }
                if let Some(identity) = later.and_then(|_| render::identity(column)) {
                    self.emit(format!(
                        "ALTER TABLE {} ALTER COLUMN {} ADD {identity}",
                        ident(table),
                        ident(&column.name),
                    ));
                    self.emit(past_values(table, &column.name));
                }
            }
            Op::DropColumn { table, column, .. } => {
                let t = self.table(table)?.clone();
                if column.generated.is_none() {
                    self.archive_column(&t, column, lineage, seq, at);
                }
                self.emit(release_sequences(table, Some(&column.name)));
                self.emit(format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    ident(table),
                    ident(&column.name)
                ));
            }
            Op::RenameColumn { table, from, to } => self.emit(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                ident(table),
                ident(from),
                ident(to)
            )),
            Op::AlterColumn { table, from, to } => {
                self.alter_column(table, from, to, lineage, seq, at)?
            }
            Op::CreateIndex { index } => self.emit(render::create_index(index)),
            Op::DropIndex { index } => self.emit(format!("DROP INDEX {}", ident(&index.name))),
            Op::AddForeignKey {
                table, foreign_key, ..
            } => self.emit(format!(
                "ALTER TABLE {} ADD {}",
                ident(table),
                render::foreign_key(foreign_key)
            )),
            Op::DropForeignKey {
                table, foreign_key, ..
            } => {
                let sql = match &foreign_key.name {
                    Some(n) => drop_constraint(table, n),
                    None => drop_unnamed(table, "f", &foreign_key.columns, Some(&foreign_key.ref_table)),
                };
                self.emit(sql)
            }
            Op::AddUnique { table, unique, .. } => self.emit(format!(
                "ALTER TABLE {} ADD {}",
                ident(table),
                render::unique(unique)
            )),
            Op::DropUnique { table, unique, .. } => {
                let sql = match &unique.name {
                    Some(n) => drop_constraint(table, n),
                    None => drop_unnamed(table, "u", &unique.columns, None),
                };
                self.emit(sql)
            }
            Op::AddCheck { table, check, .. } => self.emit(format!(
                "ALTER TABLE {} ADD {}",
                ident(table),
                render::check(check)
            )),
            Op::DropCheck { table, check, .. } => match &check.name {
                Some(n) => self.emit(drop_constraint(table, n)),
                None => {
                    return Err(PgError::new(format!(
                        "event {seq} op {}: the check ({}) of {table} has no name, and strata's PostgreSQL target drops only named checks",
                        at + 1,
                        check.expr
                    ))
                    .help("name checks (CONSTRAINT name CHECK (...)) in a PostgreSQL ledger"))
                }
            },
            Op::CreateView { view } => self.emit(view.sql.clone()),
            Op::DropView { view } => self.emit(format!("DROP VIEW {}", ident(&view.name))),
            Op::CreateTrigger { trigger } => self.emit(trigger.sql.clone()),
            Op::DropTrigger { trigger } => self.emit(format!(
                "DROP TRIGGER {} ON {}",
                ident(&trigger.name),
                ident(&trigger.table)
            )),
            Op::Data { sql } => self.emit(sql.clone()),
            Op::AlterTableOptions { table, from, to } => {
                let Some(statements) = partition::alter_options(table, from, to) else {
                    return Err(PgError::new(format!(
                        "event {seq} op {}: table {table}'s options change from {from:?} to {to:?}, and PostgreSQL changes in place only a partition's (ATTACH / DETACH PARTITION)",
                        at + 1
                    )));
                };
                for sql in statements {
                    self.emit(sql);
                }
            }
            Op::AddPrimaryKey { table, primary_key } => self.emit(format!(
                "ALTER TABLE {} ADD {}",
                ident(table),
                render::primary_key(primary_key)
            )),
            Op::DropPrimaryKey { table, primary_key } => {
                let sql = match &primary_key.name {
                    Some(n) => drop_constraint(table, n),
                    None => drop_unnamed(table, "p", &primary_key.columns, None),
                };
                self.emit(sql)
            }
            Op::CreateDefinition { definition } => {
                self.unchecked_bodies(definition);
                self.emit(definition.sql.clone());
                if definition.kind == strata_schema::DefinitionKind::Sequence {
                    if let Some(k) = self.held_for(lineage, Kind::Sequence) {
                        self.restore_sequence(k, &definition.name);
                    }
                }
            }
            Op::DropDefinition { definition } => {
                if definition.kind == strata_schema::DefinitionKind::Sequence {
                    self.archive_sequence(&definition.name, lineage, seq, at);
                }
                self.emit(render::drop_definition(definition))
            }
            Op::ReplaceDefinition { from, to } => {
                self.unchecked_bodies(to);
                let labels = |d: &strata_schema::Definition| {
                    (d.kind == strata_schema::DefinitionKind::Type)
                        .then(|| crate::ddl::definitions::enum_labels(&d.sql))
                        .flatten()
                };
                if let (Some(a), Some(b)) = (labels(from), labels(to)) {
                    self.replace_enum(&to.name, &a, &b);
                    return Ok(());
                }
                // A sequence (its state kept) or a domain (its columns
                // kept) altered in place where it can be.
                if let Some(statements) = crate::ddl::alter::in_place(from, to) {
                    for sql in statements {
                        self.emit(sql);
                    }
                    return Ok(());
                }
                for sql in render::replace_definition(from, to) {
                    self.emit(sql);
                }
            }
        }
        Ok(())
    }

    fn archive_column(&mut self, t: &Table, column: &Column, lineage: Lineage, seq: u64, at: u32) {
        self.archive_keyed(Kind::Column, t, &column.name, None, lineage, seq, at);
    }

    fn loss(&mut self, h: &Held) {
        self.plan.losses.push(Loss {
            table: h.table.clone(),
            column: h.column.clone(),
            rows: h.rows,
            archive_table: h.archive_table.clone(),
            purged_at: h.purged_at.clone().unwrap_or_default(),
        });
    }

    /// Keeps the state of sequence `name`, which the op drops: a
    /// sequence's state is data, and the op that brings it back sets it
    /// again ([`Planner::restore_sequence`]).
    fn archive_sequence(&mut self, name: &str, lineage: Lineage, seq: u64, at: u32) {
        let what = Held {
            id: 0,
            archive_table: String::new(),
            lineage,
            kind: Kind::Sequence,
            table: name.to_string(),
            column: None,
            key: Vec::new(),
            values: vec!["last_value".to_string(), "is_called".to_string()],
            rows: 0,
            purged_at: None,
        };
        let (index, a) = self.new_archive(what, seq, at);
        self.archive_statement(
            index,
            format!(
                "CREATE TABLE {} AS SELECT \"last_value\", \"is_called\" FROM {}",
                self.qualified(&a),
                ident(name)
            ),
        );
    }

    /// Sets sequence `name`, made again, to the state archive `k` kept.
    fn restore_sequence(&mut self, k: usize, name: &str) {
        let h = self.held.remove(k);
        if h.purged_at.is_some() {
            self.loss(&h);
            return;
        }
        let a = self.qualified(&h.archive_table);
        self.plan.restores.push(Restore {
            id: h.id,
            table: name.to_string(),
            column: None,
            archive_table: h.archive_table.clone(),
        });
        let index = self.plan.restores.len() - 1;
        self.plan.statements.push(Statement {
            sql: format!(
                "SELECT setval({}, \"last_value\", \"is_called\") FROM {a}",
                literal(&ident(name))
            ),
            role: Role::Restore { index },
        });
        self.emit(format!("DROP TABLE {a}"));
        self.emit(format!(
            "DELETE FROM {} WHERE \"id\" = {}",
            self.qualified("archives"),
            h.id
        ));
    }

    /// Enum type `name`'s values from `a` to `b`: one value added or
    /// renamed natively (`ALTER TYPE ... ADD VALUE [BEFORE | AFTER]`,
    /// `RENAME VALUE`); anything else (a value taken away) by a new type:
    /// the old one renamed, the new one made, every column of the type
    /// moved to it (`USING c::text::type`, refused first, clearly, when
    /// a row holds a value the new type lacks), the old one dropped.
    /// Drops the views and materialized views that read `tables`
    /// (directly, or through one another), each after those that read it;
    /// returns the statements that make them again as they were (each
    /// after what it reads), with the indexes, triggers and comments on
    /// them, for the caller to run once the tables are changed.
    fn lift_views(&mut self, tables: &[&str]) -> Vec<String> {
        let s = &self.schema;
        // (name, sql, depends_on, materialized)
        let relations: Vec<(&str, &str, &[String], bool)> = s
            .views
            .values()
            .map(|v| {
                (
                    v.name.as_str(),
                    v.sql.as_str(),
                    v.depends_on.as_slice(),
                    false,
                )
            })
            .chain(
                s.definitions
                    .values()
                    .filter(|d| d.kind == strata_schema::DefinitionKind::MaterializedView)
                    .map(|d| {
                        (
                            d.name.as_str(),
                            d.sql.as_str(),
                            d.depends_on.as_slice(),
                            true,
                        )
                    }),
            )
            .collect();
        // Every relation that reads the tables, or one that does.
        let mut reading: Vec<&str> = Vec::new();
        loop {
            let more: Vec<&str> = relations
                .iter()
                .filter(|(name, _, deps, _)| {
                    !reading.contains(name)
                        && deps
                            .iter()
                            .any(|d| tables.contains(&d.as_str()) || reading.contains(&d.as_str()))
                })
                .map(|r| r.0)
                .collect();
            if more.is_empty() {
                break;
            }
            reading.extend(more);
        }
        // In making order: each after the relations of the set it reads (a
        // cycle no database holds is written as found).
        let mut lifted: Vec<(&str, &str, bool)> = Vec::new();
        let mut pending: Vec<&(&str, &str, &[String], bool)> = relations
            .iter()
            .filter(|r| reading.contains(&r.0))
            .collect();
        while !pending.is_empty() {
            let ready = pending.iter().position(|(_, _, deps, _)| {
                deps.iter().all(|d| {
                    !reading.contains(&d.as_str()) || lifted.iter().any(|l| l.0 == d.as_str())
                })
            });
            let (name, sql, _, materialized) = *pending.remove(ready.unwrap_or(0));
            lifted.push((name, sql, materialized));
        }
        let names: Vec<&str> = lifted.iter().map(|l| l.0).collect();
        let mut after: Vec<String> = lifted.iter().map(|l| l.1.to_string()).collect();
        after.extend(
            s.indexes
                .values()
                .filter(|i| names.contains(&i.table.as_str()))
                .map(render::create_index),
        );
        after.extend(
            s.triggers
                .values()
                .filter(|t| names.contains(&t.table.as_str()))
                .map(|t| t.sql.clone()),
        );
        after.extend(
            s.definitions
                .values()
                .filter(|d| {
                    d.kind == strata_schema::DefinitionKind::Comment
                        && d.depends_on.iter().any(|x| names.contains(&x.as_str()))
                })
                .map(|d| d.sql.clone()),
        );
        let drops: Vec<String> = lifted
            .iter()
            .rev()
            .map(|(name, _, materialized)| {
                let kind = if *materialized {
                    "MATERIALIZED VIEW"
                } else {
                    "VIEW"
                };
                format!("DROP {kind} {}", ident(name))
            })
            .collect();
        for sql in drops {
            self.emit(sql);
        }
        after
    }

    fn replace_enum(&mut self, name: &str, a: &[String], b: &[String]) {
        let t = ident(name);
        if b.len() == a.len() + 1 {
            if let Some(k) = (0..b.len()).find(|&k| {
                let mut rest = b.to_vec();
                rest.remove(k);
                rest == a
            }) {
                let place = match (k.checked_sub(1), b.get(k + 1)) {
                    (_, Some(next)) => format!(" BEFORE {}", literal(next)),
                    (Some(p), None) => format!(" AFTER {}", literal(&b[p])),
                    (None, None) => String::new(),
                };
                self.emit(format!(
                    "ALTER TYPE {t} ADD VALUE {}{place}",
                    literal(&b[k])
                ));
                return;
            }
        }
        if a.len() == b.len() {
            let differ: Vec<usize> = (0..a.len()).filter(|&k| a[k] != b[k]).collect();
            if let [k] = differ.as_slice() {
                if !a.contains(&b[*k]) {
                    self.emit(format!(
                        "ALTER TYPE {t} RENAME VALUE {} TO {}",
                        literal(&a[*k]),
                        literal(&b[*k])
                    ));
                    return;
                }
            }
        }
        let old = format!("{name}_strata_old");
        let columns: Vec<(String, Column)> = self
            .schema
            .tables
            .values()
            .flat_map(|tb| {
                tb.columns
                    .iter()
                    .filter(|c| c.ty == name || c.ty == t)
                    .map(|c| (tb.name.clone(), c.clone()))
            })
            .collect();
        let kept: Vec<String> = b.iter().map(|l| literal(l)).collect();
        for (table, c) in &columns {
            let message = format!(
                "rows of {table}.{} hold a value enum {name} no longer has: change them first",
                c.name
            );
            self.emit(format!(
                "DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM {} WHERE {}::text NOT IN ({})) THEN RAISE EXCEPTION {}; END IF; END $strata$",
                ident(table),
                ident(&c.name),
                kept.join(", "),
                literal(&message)
            ));
        }
        // The views that read the columns go, and come back once the
        // columns have the new type.
        let tables: Vec<String> = columns.iter().map(|(t, _)| t.clone()).collect();
        let tables: Vec<&str> = tables.iter().map(String::as_str).collect();
        let views_back = self.lift_views(&tables);
        self.emit(format!(
            "ALTER TYPE {t} RENAME TO {}",
            ident(render::bare(&old))
        ));
        self.emit(crate::ddl::definitions::enum_sql(name, b));
        // A comment stays with the old type: the new one gets it again.
        let comments: Vec<String> = self
            .schema
            .definitions
            .values()
            .filter(|d| {
                d.kind == strata_schema::DefinitionKind::Comment
                    && d.depends_on.iter().any(|x| x == name)
            })
            .map(|d| d.sql.clone())
            .collect();
        for sql in comments {
            self.emit(sql);
        }
        for (table, c) in &columns {
            let (tb, cn) = (ident(table), ident(&c.name));
            if c.default.is_some() {
                self.emit(format!("ALTER TABLE {tb} ALTER COLUMN {cn} DROP DEFAULT"));
            }
            self.emit(format!(
                "ALTER TABLE {tb} ALTER COLUMN {cn} TYPE {t} USING {cn}::text::{t}"
            ));
            if let Some(d) = &c.default {
                self.emit(format!(
                    "ALTER TABLE {tb} ALTER COLUMN {cn} SET DEFAULT {d}"
                ));
            }
        }
        self.emit(format!("DROP TYPE {}", ident(&old)));
        for sql in views_back {
            self.emit(sql);
        }
    }

    /// Whether `ty` (an array of it too) is a type or domain of the schema.
    fn user_type(&self, ty: &str) -> bool {
        let base = ty.trim_end_matches("[]").trim();
        let base = base
            .strip_prefix('"')
            .and_then(|b| b.strip_suffix('"'))
            .unwrap_or(base);
        self.schema.definitions.get(base).is_some_and(|d| {
            matches!(
                d.kind,
                strata_schema::DefinitionKind::Type | strata_schema::DefinitionKind::Domain
            )
        })
    }

    fn restore_table(&mut self, k: usize, table: &Table) {
        let h = self.held.remove(k);
        if h.purged_at.is_some() {
            self.loss(&h);
            return;
        }
        let placed: Vec<String> = h
            .values
            .iter()
            .filter(|v| {
                table
                    .columns
                    .iter()
                    .any(|c| &&c.name == v && c.generated.is_none())
            })
            .cloned()
            .collect();
        let a = self.qualified(&h.archive_table);
        let identities: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| c.identity.is_some() && placed.contains(&c.name))
            .collect();
        // Values given to a GENERATED ALWAYS column need OVERRIDING
        // SYSTEM VALUE; every identity column's sequence is then set past
        // the values restored, so that later inserts do not collide.
        let overriding = if identities
            .iter()
            .any(|c| c.identity == Some(Identity::Always))
        {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        if !placed.is_empty() {
            self.plan.restores.push(Restore {
                id: h.id,
                table: table.name.clone(),
                column: None,
                archive_table: h.archive_table.clone(),
            });
            let index = self.plan.restores.len() - 1;
            self.plan.statements.push(Statement {
                sql: format!(
                    "INSERT INTO {} ({}){overriding} SELECT {} FROM {a}",
                    ident(&table.name),
                    idents(&placed),
                    placed
                        .iter()
                        .map(|v| {
                            let ty = table
                                .columns
                                .iter()
                                .find(|c| &c.name == v)
                                .map(|c| c.ty.as_str());
                            match ty.filter(|ty| self.user_type(ty)) {
                                Some(ty) => format!("{}::{ty}", ident(v)),
                                None => ident(v),
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                role: Role::Restore { index },
            });
            for c in identities {
                self.emit(past_values(&table.name, &c.name));
            }
        }
        if placed.len() == h.values.len() {
            self.emit(format!("DROP TABLE {a}"));
            self.emit(format!(
                "DELETE FROM {} WHERE \"id\" = {}",
                self.qualified("archives"),
                h.id
            ));
        } else {
            self.held.insert(k.min(self.held.len()), h);
        }
    }

    /// A restore puts values back as they were: the table's own triggers
    /// (a `BEFORE UPDATE` one that stamps `last_update = now()`, say) must
    /// not rewrite them. So they are disabled around it, when the table
    /// has any (`DISABLE TRIGGER USER` leaves the foreign keys' checks on).
    /// Returns the table to give to [`Planner::wake_triggers`].
    fn quiet_triggers(&mut self, table: &str) -> Option<String> {
        let has = self
            .schema
            .triggers
            .values()
            .any(|tr| self.rules.same_name(&tr.table, table));
        has.then(|| {
            self.emit(format!("ALTER TABLE {} DISABLE TRIGGER USER", ident(table)));
            table.to_string()
        })
    }

    fn wake_triggers(&mut self, quiet: Option<String>) {
        if let Some(table) = quiet {
            self.emit(format!("ALTER TABLE {} ENABLE TRIGGER USER", ident(&table)));
        }
    }

    /// A routine's body may name what the move makes after it (a table, a
    /// function): as pg_dump does, its body is not checked when it is
    /// made (`check_function_bodies`, for the rest of the move's
    /// transaction); it is checked when it runs.
    fn unchecked_bodies(&mut self, d: &strata_schema::Definition) {
        use strata_schema::DefinitionKind as K;
        if matches!(d.kind, K::Function | K::Procedure) && !self.bodies_unchecked {
            self.bodies_unchecked = true;
            self.emit("SET LOCAL check_function_bodies = false".to_string());
        }
    }

    fn restore_column(&mut self, k: usize, table: &str, column: &Column) {
        let h = self.held[k].clone();
        if h.purged_at.is_some() {
            self.held.remove(k);
            self.loss(&h);
            return;
        }
        let Ok(t) = self.table(table) else { return };
        let Some(key) = key_pairs(t, &h.key, &column.name) else {
            return;
        };
        self.held.remove(k);
        let value = &h.values[0];
        let a = self.qualified(&h.archive_table);
        self.plan.restores.push(Restore {
            id: h.id,
            table: table.to_string(),
            column: Some(column.name.clone()),
            archive_table: h.archive_table.clone(),
        });
        let index = self.plan.restores.len() - 1;
        let t = ident(table);
        let quiet = self.quiet_triggers(table);
        let sql = if numbered(&h) {
            // The rows numbered as the archive numbered them, each taking
            // the value of its number among the rows like it.
            let live: Vec<String> = key.iter().map(|(x, _)| ident(x)).collect();
            format!(
                "UPDATE {t} SET {} = \"a\".{} FROM (SELECT tableoid, ctid, {}, row_number() OVER ({}) AS {o} FROM {t}) AS \"r\", \
                 {a} AS \"a\" WHERE {t}.tableoid = \"r\".tableoid AND {t}.ctid = \"r\".ctid AND {} AND \"r\".{o} = \"a\".{o}",
                ident(&column.name),
                ident(value),
                live.join(", "),
                partition_by(&live),
                text_on("\"r\"", "\"a\"", &key),
                o = ident(ORDINAL)
            )
        } else {
            format!(
                "UPDATE {t} SET {} = \"a\".{} FROM {a} AS \"a\" WHERE {}",
                ident(&column.name),
                ident(value),
                same_on(&t, "\"a\"", &key)
            )
        };
        self.plan.statements.push(Statement {
            sql,
            role: Role::Restore { index },
        });
        self.wake_triggers(quiet);
        let same_key = if numbered(&h) {
            text_on(&t, "\"a\"", &key)
        } else {
            same_on(&t, "\"a\"", &key)
        };
        self.emit(format!(
            "DELETE FROM {a} AS \"a\" USING {t} WHERE {same_key} AND {t}.{}::text IS NOT DISTINCT FROM \"a\".{}::text",
            ident(&column.name),
            ident(value)
        ));
        self.let_go_when_empty(&h);
    }

    /// The archive of values `lineage` takes back, when there is one whose
    /// rows can still be found (by [`key_pairs`], as a column's archive):
    /// marked, before the type goes back, on the rows that still hold the
    /// value the change gave them. With it, the key pairs that find them.
    fn values_back(
        &mut self,
        t: &Table,
        column: &str,
        lineage: Lineage,
    ) -> Option<(Held, Vec<(String, String)>)> {
        let k = self.held_for(lineage, Kind::Values)?;
        let h = self.held[k].clone();
        if h.purged_at.is_some() {
            self.held.remove(k);
            self.loss(&h);
            return None;
        }
        let key = key_pairs(t, &h.key, column)?;
        self.held.remove(k);
        let a = self.qualified(&h.archive_table);
        let tn = ident(&t.name);
        self.emit(format!(
            "ALTER TABLE {a} ADD COLUMN {} boolean NOT NULL DEFAULT false",
            ident(MATCH)
        ));
        let c = ident(column);
        if numbered(&h) {
            // As many rows of each kind as still hold the value the change
            // gave them, counted as the archive counted them.
            let live: Vec<String> = key.iter().map(|(x, _)| ident(x)).collect();
            let mut group = live.clone();
            group.push(c.clone());
            self.emit(format!(
                "UPDATE {a} AS \"a\" SET {m} = true FROM (SELECT {}, {c}, row_number() OVER ({}) AS {o} FROM {tn}) AS \"r\" \
                 WHERE {} AND \"r\".{c}::text IS NOT DISTINCT FROM \"a\".{}::text AND \"r\".{o} = \"a\".{o}",
                live.join(", "),
                partition_by(&group),
                text_on("\"r\"", "\"a\"", &key),
                ident(AFTER),
                m = ident(MATCH),
                o = ident(ORDINAL)
            ));
        } else {
            self.emit(format!(
                "UPDATE {a} AS \"a\" SET {} = true FROM {tn} WHERE {} AND {tn}.{c}::text IS NOT DISTINCT FROM \"a\".{}::text",
                ident(MATCH),
                same_on(&tn, "\"a\"", &key),
                ident(AFTER)
            ));
        }
        Some((h, key))
    }

    /// Sets aside `column`'s values before its type changes to `ty`, with
    /// the key that finds each row.
    fn archive_values(
        &mut self,
        t: &Table,
        column: &str,
        ty: &str,
        lineage: Lineage,
        seq: u64,
        at: u32,
    ) -> String {
        self.archive_keyed(Kind::Values, t, column, Some(ty), lineage, seq, at)
    }

    /// Copies every row's key and `column` into a new archive of `kind`
    /// (for the values of a type change to `after`, of `Kind::Values`);
    /// returns the archive table's name.
    ///
    /// Where the key is every other column, rows alike in all of them are
    /// numbered among themselves (`ORDINAL`), so that each takes one value
    /// back, and the value a type change gives each row is kept from the
    /// start, cast as the change casts it.
    #[allow(clippy::too_many_arguments)]
    fn archive_keyed(
        &mut self,
        kind: Kind,
        t: &Table,
        column: &str,
        after: Option<&str>,
        lineage: Lineage,
        seq: u64,
        at: u32,
    ) -> String {
        let key = row_key(t, column);
        let c = ident(column);
        let mut select: Vec<String> = key.iter().map(|k| ident(k)).collect();
        select.push(c.clone());
        let mut values = vec![column.to_string()];
        if !is_primary_key(t, &key) {
            let mut group: Vec<String> = key.iter().map(|k| ident(k)).collect();
            if let Some(ty) = after {
                let cast = format!("CAST({c} AS {ty})");
                select.push(format!("{cast} AS {}", ident(AFTER)));
                group.push(cast);
            }
            select.push(format!(
                "row_number() OVER ({}) AS {}",
                partition_by(&group),
                ident(ORDINAL)
            ));
            values.push(ORDINAL.to_string());
        }
        let select = select.join(", ");
        let what = Held {
            id: 0,
            archive_table: String::new(),
            lineage,
            kind,
            table: t.name.clone(),
            column: Some(column.to_string()),
            key,
            values,
            rows: 0,
            purged_at: None,
        };
        let (index, a) = self.new_archive(what, seq, at);
        self.archive_statement(
            index,
            format!(
                "CREATE TABLE {} AS SELECT {select} FROM {}",
                self.qualified(&a),
                ident(&t.name)
            ),
        );
        a
    }

    /// Records in `archive` the value the type change gave each row.
    fn witness(&mut self, archive: &str, table: &str, column: &str, ty: &str) {
        let Some(h) = self
            .held
            .iter()
            .find(|h| h.archive_table == archive)
            .cloned()
        else {
            return;
        };
        if numbered(&h) {
            // The archive holds the values already (Planner::archive_keyed).
            return;
        }
        let a = self.qualified(archive);
        let t = ident(table);
        self.emit(format!("ALTER TABLE {a} ADD COLUMN {} {ty}", ident(AFTER)));
        self.emit(format!(
            "UPDATE {a} AS \"a\" SET {} = {t}.{} FROM {t} WHERE {}",
            ident(AFTER),
            ident(column),
            same_on(&t, "\"a\"", &themselves(&h.key))
        ));
    }

    /// Puts back the values `held` marked (see [`Planner::values_back`]),
    /// then lets the archive go when nothing else is left in it.
    /// `ty` is the column's type, back again.
    fn put_values_back(
        &mut self,
        h: &Held,
        key: &[(String, String)],
        table: &str,
        column: &str,
        ty: &str,
    ) {
        let a = self.qualified(&h.archive_table);
        let t = ident(table);
        self.plan.restores.push(Restore {
            id: h.id,
            table: table.to_string(),
            column: Some(column.to_string()),
            archive_table: h.archive_table.clone(),
        });
        let index = self.plan.restores.len() - 1;
        let quiet = self.quiet_triggers(table);
        let c = ident(column);
        let sql = if numbered(h) {
            // The rows alike in every column, this one too (now cast
            // back), take the values of the marked rows that were so
            // alike, one each.
            let live: Vec<String> = key.iter().map(|(x, _)| ident(x)).collect();
            let kept: Vec<String> = key.iter().map(|(_, y)| ident(y)).collect();
            let back = format!("CAST({} AS {ty})", ident(AFTER));
            let mut live_group = live.clone();
            live_group.push(c.clone());
            let mut kept_group = kept.clone();
            kept_group.push(back.clone());
            format!(
                "UPDATE {t} SET {c} = \"a\".{} FROM \
                 (SELECT tableoid, ctid, {}, {c}::text AS {s}, row_number() OVER ({}) AS {o} FROM {t}) AS \"r\", \
                 (SELECT *, {back}::text AS {s}, row_number() OVER ({}) AS {again} FROM {a} WHERE {m}) AS \"a\" \
                 WHERE {t}.tableoid = \"r\".tableoid AND {t}.ctid = \"r\".ctid AND {} \
                 AND \"r\".{s} IS NOT DISTINCT FROM \"a\".{s} AND \"r\".{o} = \"a\".{again}",
                ident(&h.values[0]),
                live.join(", "),
                partition_by(&live_group),
                partition_by(&kept_group),
                text_on("\"r\"", "\"a\"", key),
                s = ident(TEXT),
                o = ident(ORDINAL),
                again = ident(AGAIN),
                m = ident(MATCH)
            )
        } else {
            format!(
                "UPDATE {t} SET {c} = \"a\".{} FROM {a} AS \"a\" WHERE {} AND \"a\".{}",
                ident(&h.values[0]),
                same_on(&t, "\"a\"", key),
                ident(MATCH)
            )
        };
        self.plan.statements.push(Statement {
            sql,
            role: Role::Restore { index },
        });
        self.wake_triggers(quiet);
        self.emit(format!("DELETE FROM {a} WHERE {}", ident(MATCH)));
        self.emit(format!("ALTER TABLE {a} DROP COLUMN {}", ident(MATCH)));
        self.let_go_when_empty(h);
    }

    /// Drops the archive `h` and its catalog row once everything in it went
    /// back (decided when the apply runs).
    fn let_go_when_empty(&mut self, h: &Held) {
        let a = self.qualified(&h.archive_table);
        self.emit(format!(
            "DO $strata$ BEGIN IF NOT EXISTS (SELECT 1 FROM {a}) THEN DROP TABLE {a}; DELETE FROM {} WHERE \"id\" = {}; END IF; END $strata$",
            self.qualified("archives"),
            h.id
        ));
    }

    fn alter_column(
        &mut self,
        table: &str,
        from: &Column,
        to: &Column,
        lineage: Lineage,
        seq: u64,
        at: u32,
    ) -> Result<(), PgError> {
        let t = ident(table);
        let c = ident(&to.name);
        if from.name != to.name {
            self.emit(format!(
                "ALTER TABLE {t} RENAME COLUMN {} TO {c}",
                ident(&from.name)
            ));
        }
        if from.generated != to.generated {
            return Err(PgError::new(format!(
                "event {seq} op {}: column {table}.{} changes how it is generated, which PostgreSQL does not alter in place",
                at + 1,
                to.name
            )));
        }
        if from.ty != to.ty || from.collation != to.collation {
            let coll = to
                .collation
                .as_ref()
                .map(|c| format!(" COLLATE {}", crate::render::collation(c)))
                .unwrap_or_default();
            // PostgreSQL changes no column's type while a view reads the
            // table: the views go first and come back after.
            let views_back = self.lift_views(&[table]);
            let shape = self.table(table)?.clone();
            // A generated column's values are computed again from its
            // expression (below): nothing of them is kept or put back.
            let stored = to.generated.is_none();
            let back = stored
                .then(|| self.values_back(&shape, &to.name, lineage))
                .flatten();
            // Values are set aside only when the change can give a value
            // another value (crate::types::alters_values).
            let archive = (stored && crate::types::alters_values(&from.ty, &to.ty))
                .then(|| self.archive_values(&shape, &to.name, &to.ty, lineage, seq, at));
            if from.default.is_some() {
                self.emit(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"));
            }
            let using = if crate::types::needs_using(&from.ty, &to.ty) {
                format!(" USING {c}::{}", to.ty)
            } else {
                String::new()
            };
            self.emit(format!(
                "ALTER TABLE {t} ALTER COLUMN {c} TYPE {}{coll}{using}",
                to.ty
            ));
            if let Some(g) = &to.generated {
                // PostgreSQL casts the values a generated column holds:
                // they are computed again, in the new type, by setting the
                // columns its expression reads to themselves (what makes
                // PostgreSQL compute it), with the table's own triggers
                // quiet.
                let read: Vec<String> = shape
                    .columns
                    .iter()
                    .filter(|x| {
                        x.generated.is_none() && self.rules.mentions_column(&g.expr, &x.name)
                    })
                    .map(|x| format!("{0} = {0}", ident(&x.name)))
                    .collect();
                if !read.is_empty() {
                    let quiet = self.quiet_triggers(table);
                    self.emit(format!("UPDATE {t} SET {}", read.join(", ")));
                    self.wake_triggers(quiet);
                }
            }
            if let Some(archive) = archive {
                self.witness(&archive, table, &to.name, &to.ty);
            }
            if let Some((held, key)) = back {
                self.put_values_back(&held, &key, table, &to.name, &to.ty);
            }
            if let Some(d) = &to.default {
                self.emit(format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d}"));
            }
            for sql in views_back {
                self.emit(sql);
            }
        } else if from.default != to.default {
            match &to.default {
                Some(d) => self.emit(format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d}")),
                None => self.emit(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")),
            }
        }
        // An identity column is NOT NULL: its identity goes before NOT
        // NULL does, and comes after NOT NULL is set.
        if from.identity.is_some() && to.identity.is_none() {
            self.emit(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP IDENTITY"));
        }
        if from.not_null != to.not_null {
            let verb = if to.not_null { "SET" } else { "DROP" };
            self.emit(format!("ALTER TABLE {t} ALTER COLUMN {c} {verb} NOT NULL"));
        }
        match (from.identity, render::identity(to)) {
            (None, Some(identity)) => {
                self.emit(format!("ALTER TABLE {t} ALTER COLUMN {c} ADD {identity}"));
                self.emit(past_values(table, &to.name));
            }
            (Some(a), Some(_)) => {
                if Some(a) != to.identity {
                    let how = match to.identity {
                        Some(Identity::Always) => "ALWAYS",
                        _ => "BY DEFAULT",
                    };
                    self.emit(format!(
                        "ALTER TABLE {t} ALTER COLUMN {c} SET GENERATED {how}"
                    ));
                }
                if from.identity_options != to.identity_options {
                    self.emit(format!(
                        "ALTER TABLE {t} ALTER COLUMN {c} {}",
                        identity_sequence(table, to)?.alter_clauses()
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The pairs (column of `t` now, column of the archive) that find again
/// the rows an archive of `column` keyed by `key` holds: the key's columns
/// by the names they had when the archive was made; or, the key being the
/// primary key then, the primary key now, column for column (the key was
/// renamed since). None when the rows cannot be found.
fn key_pairs(t: &Table, key: &[String], column: &str) -> Option<Vec<(String, String)>> {
    if key.is_empty() {
        return None;
    }
    let here = |c: &String| t.columns.iter().any(|x| &x.name == c);
    let live = if key.iter().all(here) {
        key.to_vec()
    } else {
        match &t.primary_key {
            Some(pk)
                if pk.columns.len() == key.len()
                    && !pk.columns.iter().any(|c| c == column)
                    && pk.columns.iter().all(here) =>
            {
                pk.columns.clone()
            }
            _ => return None,
        }
    };
    Some(live.into_iter().zip(key.iter().cloned()).collect())
}

/// The columns that find a row of `t` again when `column` is set aside:
/// the primary key, or, without one (or when `column` is part of it),
/// every other stored column's value.
fn row_key(t: &Table, column: &str) -> Vec<String> {
    match &t.primary_key {
        Some(pk) if !pk.columns.iter().any(|c| c == column) => pk.columns.clone(),
        _ => t
            .columns
            .iter()
            .filter(|c| c.name != column && c.generated.is_none())
            .map(|c| c.name.clone())
            .collect(),
    }
}

/// The statement that frees the sequences owned by `table` (by its column
/// `column` only, when given) from that ownership, so they stay when it
/// goes. A `serial` made outside strata owns its sequence (`OWNED BY`),
/// which PostgreSQL drops with the column; strata's model keeps a sequence
/// until its own drop, and so must the database. Identity sequences
/// (internal to their column) are not touched.
fn release_sequences(table: &str, column: Option<&str>) -> String {
    let column = match column {
        Some(c) => format!(
            " AND d.refobjsubid = (SELECT attnum FROM pg_attribute WHERE attrelid = {}::regclass AND attname = {})",
            literal(&ident(table)),
            literal(c)
        ),
        None => String::new(),
    };
    format!(
        "DO $strata$ DECLARE s regclass; BEGIN FOR s IN SELECT d.objid::regclass FROM pg_depend d \
         JOIN pg_class q ON q.oid = d.objid AND q.relkind = 'S' \
         WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass \
         AND d.refobjid = {}::regclass AND d.deptype = 'a'{column} \
         LOOP EXECUTE format('ALTER SEQUENCE %s OWNED BY NONE', s); END LOOP; END $strata$",
        literal(&ident(table))
    )
}

/// The archive column that holds the value a type change gave a row: the
/// witness that the row has not changed since.
const AFTER: &str = "strata after";
/// The archive column that marks the rows whose value comes back.
const MATCH: &str = "strata match";
/// The archive column that numbers the rows of a dropped column's archive
/// among those of the same key, where the key is every other column.
const ORDINAL: &str = "strata row";

/// The archive column of the text both sides of a pairing compare.
const TEXT: &str = "strata text";
/// The archive column that numbers the marked rows again.
const AGAIN: &str = "strata again";

/// Whether archive `h` numbers rows alike in its key (see
/// [`Planner::archive_keyed`]).
fn numbered(h: &Held) -> bool {
    h.values.iter().any(|v| v == ORDINAL)
}

/// The window that numbers rows alike in the SQL expressions `group`: by
/// their text, which every type has (json has no equality to group by).
fn partition_by(group: &[String]) -> String {
    if group.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = group.iter().map(|e| format!("({e})::text")).collect();
    format!("PARTITION BY {}", parts.join(", "))
}

/// As [`same_on`], by the values' text: for keys of every other column,
/// which may be of a type without equality (json).
fn text_on(a: &str, b: &str, columns: &[(String, String)]) -> String {
    columns
        .iter()
        .map(|(x, y)| {
            format!(
                "{a}.{}::text IS NOT DISTINCT FROM {b}.{}::text",
                ident(x),
                ident(y)
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Whether `key` is `t`'s primary key, which tells every row apart.
fn is_primary_key(t: &Table, key: &[String]) -> bool {
    t.primary_key
        .as_ref()
        .is_some_and(|pk| !key.is_empty() && pk.columns == key)
}

/// Every value of the sequence of identity column `column` of `table`.
fn identity_sequence(table: &str, column: &Column) -> Result<identity::Sequence, PgError> {
    identity::range(&column.ty)
        .ok_or_else(|| format!("it is of type {}", column.ty))
        .and_then(|range| {
            identity::Sequence::from_options(range, column.identity_options.as_deref())
        })
        .map_err(|why| {
            PgError::new(format!(
                "identity column {table}.{}'s sequence cannot be made: {why}",
                column.name
            ))
        })
}

/// Sets the sequence of identity column `column` of `table` past the
/// values the column holds (the greatest for an ascending sequence, the
/// least for a descending one), when that value lies between the
/// sequence's start and its far bound, so the values it gives next do not
/// collide with rows already there.
fn past_values(table: &str, column: &str) -> String {
    let t = ident(table);
    let c = ident(column);
    format!(
        "SELECT setval(s.seqrelid, CASE WHEN s.seqincrement > 0 THEN x.hi ELSE x.lo END) \
         FROM pg_sequence s, (SELECT max({c}) AS hi, min({c}) AS lo FROM {t}) AS x \
         WHERE s.seqrelid = pg_get_serial_sequence({}, {})::regclass \
         AND CASE WHEN s.seqincrement > 0 THEN x.hi BETWEEN s.seqstart AND s.seqmax \
         ELSE x.lo BETWEEN s.seqmin AND s.seqstart END",
        literal(&t),
        literal(column)
    )
}

fn drop_constraint(table: &str, name: &str) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {}",
        ident(table),
        ident(name)
    )
}

/// Drops the constraint of kind `contype` that the server named itself,
/// found by its columns (and, for a foreign key, the table it refers to).
fn drop_unnamed(table: &str, contype: &str, columns: &[String], refers: Option<&str>) -> String {
    let t = literal(&ident(table));
    let cols = columns
        .iter()
        .map(|c| literal(c))
        .collect::<Vec<_>>()
        .join(", ");
    let refers = refers
        .map(|r| format!(" AND confrelid = {}::regclass", literal(&ident(r))))
        .unwrap_or_default();
    format!(
        "DO $strata$ DECLARE n name; BEGIN \
         SELECT conname INTO STRICT n FROM pg_constraint WHERE conrelid = {t}::regclass AND contype = '{contype}'{refers} \
         AND conkey = (SELECT array_agg(a.attnum ORDER BY c.i) FROM unnest(ARRAY[{cols}]::name[]) WITH ORDINALITY AS c(col, i) \
         JOIN pg_attribute a ON a.attrelid = {t}::regclass AND a.attname = c.col); \
         EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', {t}::regclass, n); END $strata$"
    )
}
