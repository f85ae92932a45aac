//! The ops that turn one schema into another: what `plan --desired` shows
//! and `record --desired` records.
//!
//! Renames are never guessed: a table or column whose name differs is a
//! drop and an add unless a [`Rename`] says otherwise. Where a drop and an
//! add look alike (same columns, same definition), the result carries a
//! [`Suggestion`] so the user can say which it is.
//!
//! The ops come in an order every step of which fits the schema it meets
//! (each is projected as it is made): views and triggers that change go
//! first, then renames, indexes and constraints that change, tables that
//! go, column changes, new tables (in foreign-key order), new constraints,
//! indexes, views and triggers. Definitions kept whole are made early
//! (before the tables that use them) or late (after what they read); an
//! index on a relation kept whole goes before it and comes after it. A
//! primary key that changes is dropped (after the foreign keys that refer
//! to it) and added again (before them). The result is checked: the ops
//! projected onto `from` give a schema with no [`differences`] from `to`.
//! What no op expresses (a table option of the dialect's, an order of
//! columns, a key the table cannot be without while it changes) is refused
//! by name.

use std::collections::BTreeSet;
use std::fmt;

use crate::diff::{
    differences, index_differences, option_differences, same_check, same_column, same_foreign_key,
    same_primary_key, same_text, same_unique, Change, Difference,
};
use crate::model::{Definition, DefinitionKind, Schema, Table, Trigger, View};
use crate::op::Op;
use crate::project::project;
use crate::rules::Rules;

/// A rename the user asserts, by the names in `from` (old) and in `to` (new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rename {
    /// A table, or an index: whichever `from` names.
    Object { from: String, to: String },
    /// A column of `table`, named as in either schema.
    Column {
        table: String,
        from: String,
        to: String,
    },
}

impl fmt::Display for Rename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rename::Object { from, to } => write!(f, "{from}={to}"),
            Rename::Column { table, from, to } => write!(f, "{table}.{from}={table}.{to}"),
        }
    }
}

/// A drop and an add that look like a rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub rename: Rename,
    /// `table` or `column`.
    pub kind: &'static str,
}

/// What turns `from` into `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub ops: Vec<Op>,
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeriveError {
    /// A rename that names nothing, or not a rename.
    #[error("rename {rename}: {why}")]
    Rename { rename: String, why: String },
    /// A change no op expresses.
    #[error("{0}")]
    Inexpressible(String),
}

/// The ops that turn `from` into `to`, with `renames` taken as renames.
///
/// The phases run in the order the module describes, each a method of
/// `Deriving` that pushes (and so projects) its ops.
pub fn derive(
    r: &dyn Rules,
    from: &Schema,
    to: &Schema,
    renames: &[Rename],
) -> Result<Derived, DeriveError> {
    let (tables, columns) = resolve_renames(r, from, to, renames)?;
    let mut d = Deriving {
        r,
        cur: from.clone(),
        ops: Vec::new(),
    };
    d.drop_indexes_on_changed_definitions(to)?;
    d.drop_definitions(to, Stage::Late)?;
    d.drop_changed_views_and_triggers(to)?;
    d.rename(&tables, &columns)?;
    refuse_inexpressible(r, &d.cur, to)?;
    d.drop_changed_indexes(to)?;
    let kept = d.kept_tables(to);
    d.drop_constraints(to, &kept)?;
    d.drop_tables(to)?;
    d.make_definitions(to, Stage::Early)?;
    d.change_columns(to, &kept)?;
    d.drop_definitions(to, Stage::Early)?;
    d.create_tables(to)?;
    d.add_constraints(to)?;
    d.create_indexes_views_and_triggers(to)?;
    d.make_definitions(to, Stage::Late)?;
    d.create_indexes(to)?;
    if let Some(left) = differences(r, to, &d.cur).first() {
        return Err(DeriveError::Inexpressible(format!(
            "strata cannot express this change yet: {}",
            unexpressed(left)
        )));
    }
    let suggestions = suggest(r, to, &d.ops);
    Ok(Derived {
        ops: d.ops,
        suggestions,
    })
}

/// The object `d` is about and what of it differs, without the values
/// (a target renders those): for the message of a change no op made.
fn unexpressed(d: &Difference) -> String {
    let what = match &d.change {
        Change::Column {
            column, property, ..
        } => format!("column {column}: {property}"),
        Change::Property { property, .. } => property.to_string(),
        Change::TableOption { option, .. } => format!("the option {option}"),
        Change::MissingColumn(c) | Change::ColumnNotInLedger(c) => format!("column {}", c.name),
        Change::ColumnOrder { .. } => "the order of its columns".to_string(),
        Change::MissingConstraint(_) | Change::ConstraintNotInLedger(_) => {
            "a constraint".to_string()
        }
        Change::Missing | Change::NotInLedger | Change::DefinitionDiffers => {
            "its definition".to_string()
        }
    };
    format!("{} {}: {what} differs", d.kind, d.name)
}

/// What no op changes (a table option, the order of the columns two
/// tables share, a primary key the table cannot be without while it
/// changes), refused before anything is dropped for it.
fn refuse_inexpressible(r: &dyn Rules, cur: &Schema, to: &Schema) -> Result<(), DeriveError> {
    for t in cur.tables.values() {
        let Some(n) = to.table(r, &t.name) else {
            continue;
        };
        let refuse = |what: &str| {
            Err(DeriveError::Inexpressible(format!(
                "table {}: {what} differs, and strata has no op that changes it; record a new table and move the rows with a data step",
                n.name
            )))
        };
        if !same_primary_key(r, n.primary_key.as_ref(), t.primary_key.as_ref()) {
            // The key is dropped and added again: the table must be valid
            // without one in between.
            let keyless = Table {
                primary_key: None,
                options: t
                    .options
                    .iter()
                    .filter(|o| n.options.contains(o))
                    .cloned()
                    .collect(),
                ..t.clone()
            };
            if let Err(why) = r.check_table(&keyless) {
                return Err(DeriveError::Inexpressible(format!(
                    "table {}: the primary key differs, and the table cannot be without one while it changes ({why}); record a new table and move the rows with a data step",
                    n.name
                )));
            }
        }
        if let Some(option) = option_differences(n, t)
            .into_iter()
            .find(|o| !r.alterable_option(o))
        {
            return refuse(&r.describe_option(option));
        }
        let shared = |a: &Table, b: &Table| -> Vec<String> {
            a.columns
                .iter()
                .filter(|c| b.column(r, &c.name).is_some())
                .map(|c| r.key(&c.name))
                .collect()
        };
        if shared(t, n) != shared(n, t) {
            return Err(DeriveError::Inexpressible(format!(
                "table {}: its columns are in another order, and strata has no op that reorders columns; keep their order, or drop and add the ones to move",
                n.name
            )));
        }
    }
    Ok(())
}

/// The views of `cur` that go or change in `to`, with every view that
/// reads one of them (directly or through others).
fn views_to_drop(r: &dyn Rules, cur: &Schema, to: &Schema) -> Vec<View> {
    let mut views: Vec<_> = cur
        .views
        .values()
        .filter(|v| {
            !to.views
                .get(&r.key(&v.name))
                .is_some_and(|n| same_text(r, &n.sql, &v.sql))
        })
        .cloned()
        .collect();
    loop {
        let reads_gone = |deps: &[String]| {
            deps.iter()
                .any(|dep| views.iter().any(|v| r.same_name(&v.name, dep)))
        };
        let more: Vec<_> = cur
            .views
            .values()
            .filter(|v| !views.iter().any(|o| r.same_name(&o.name, &v.name)))
            .filter(|v| reads_gone(&v.depends_on))
            .cloned()
            .collect();
        if more.is_empty() {
            break;
        }
        views.extend(more);
    }
    views
}

/// The triggers of `cur` that go or change in `to`, or that fire on or
/// read one of `views` (the views that go).
fn triggers_to_drop(r: &dyn Rules, cur: &Schema, to: &Schema, views: &[View]) -> Vec<Trigger> {
    cur.triggers
        .iter()
        .filter(|(k, t)| {
            let on_gone = std::iter::once(&t.table)
                .chain(&t.depends_on)
                .any(|dep| views.iter().any(|v| r.same_name(&v.name, dep)));
            on_gone
                || !to
                    .triggers
                    .get(*k)
                    .is_some_and(|n| same_text(r, &n.sql, &t.sql))
        })
        .map(|(_, t)| t.clone())
        .collect()
}

/// The ops that drop the constraints of `have` that `want` has no match
/// for, last first, so each position holds when its op runs.
fn constraint_drops<T: Clone>(
    have: &[T],
    want: &[T],
    same: impl Fn(&T, &T) -> bool,
    op: impl Fn(T, u32) -> Op,
) -> Vec<Op> {
    unmatched(have, want, same)
        .into_iter()
        .map(|i| op(have[i].clone(), i as u32))
        .collect()
}

/// The ops that add the constraints of `want` that `have` has no match
/// for, in `want`'s order, at the end of the list.
fn constraint_adds<T: Clone>(
    have: &[T],
    want: &[T],
    same: impl Fn(&T, &T) -> bool,
    op: impl Fn(T, u32) -> Op,
) -> Vec<Op> {
    let mut new = unmatched(want, have, same);
    new.reverse();
    (have.len()..)
        .zip(new)
        .map(|(at, i)| op(want[i].clone(), at as u32))
        .collect()
}

/// The indexes in `have` of the constraints `want` has no match for, last
/// first; each of `want` matches at most one of `have`, as a multiset.
fn unmatched<T>(have: &[T], want: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<usize> {
    let mut free: Vec<&T> = want.iter().collect();
    let mut out = Vec::new();
    for (i, h) in have.iter().enumerate() {
        match free.iter().position(|w| same(w, h)) {
            Some(j) => {
                free.remove(j);
            }
            None => out.push(i),
        }
    }
    out.reverse();
    out
}

/// The columns of `t` that `n` has not, last first, except that a column
/// another going column still reads (a generated column's expression) goes
/// after it.
fn drop_columns(r: &dyn Rules, d: &mut Deriving, t: &Table, n: &Table) -> Result<(), DeriveError> {
    let mut gone: Vec<&crate::model::Column> = t
        .columns
        .iter()
        .rev()
        .filter(|c| n.column(r, &c.name).is_none())
        .collect();
    let drop = |d: &Deriving, c: &crate::model::Column| Op::DropColumn {
        table: t.name.clone(),
        column: c.clone(),
        position: d.table(&t.name).column_position(r, &c.name).expect("there") as u32,
    };
    while !gone.is_empty() {
        let free = gone.iter().position(|c| {
            let mut probe = d.cur.clone();
            project(r, &mut probe, &drop(d, c)).is_ok()
        });
        let c = gone.remove(free.unwrap_or(0));
        let op = drop(d, c);
        d.push(op)?;
    }
    Ok(())
}

/// Among new tables that all wait for one another, one that is on a cycle
/// of references: following each table's first reference to another new
/// table from the first one must come back to a table already seen.
fn in_a_cycle(r: &dyn Rules, new: &[&Table]) -> usize {
    let next = |i: usize| {
        new[i].foreign_keys.iter().find_map(|fk| {
            if r.same_name(&fk.ref_table, &new[i].name) {
                return None;
            }
            new.iter().position(|o| r.same_name(&o.name, &fk.ref_table))
        })
    };
    let mut seen = Vec::new();
    let mut at = 0;
    while !seen.contains(&at) {
        seen.push(at);
        match next(at) {
            Some(n) => at = n,
            None => return 0,
        }
    }
    at
}

/// The ops made so far and the schema they give.
struct Deriving<'r> {
    r: &'r dyn Rules,
    cur: Schema,
    ops: Vec<Op>,
}

/// When a definition is made: early, before the tables that may use it
/// (sequences, types, domains, routines, aggregates); late, after the
/// tables and views it may read or name (materialized views, comments).
/// It goes in the opposite order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Early,
    Late,
}

/// A routine that names a table or a view (its signature takes or returns
/// a row of it) is made late too.
fn stage(r: &dyn Rules, schema: &Schema, d: &Definition) -> Stage {
    let names_relation = || {
        d.depends_on
            .iter()
            .any(|n| schema.tables.contains_key(&r.key(n)) || schema.views.contains_key(&r.key(n)))
    };
    match d.kind {
        DefinitionKind::MaterializedView | DefinitionKind::Comment | DefinitionKind::Ownership => {
            Stage::Late
        }
        DefinitionKind::Function | DefinitionKind::Procedure if names_relation() => Stage::Late,
        _ => Stage::Early,
    }
}

impl Deriving<'_> {
    /// The definitions of `stage` that go, or change kind: a late one
    /// first of all (before the views and tables it reads go), an early one
    /// once the tables and columns that used it are gone or changed. Each
    /// goes before the definitions it names.
    fn drop_definitions(&mut self, to: &Schema, at: Stage) -> Result<(), DeriveError> {
        let mut going: Vec<Definition> = self
            .cur
            .definitions
            .iter()
            .filter(|(k, d)| {
                stage(self.r, &self.cur, d) == at
                    && to.definitions.get(*k).is_none_or(|n| n.kind != d.kind)
            })
            .map(|(_, d)| d.clone())
            .collect();
        while !going.is_empty() {
            let r = self.r;
            let ready = going.iter().position(|d| {
                !going
                    .iter()
                    .any(|o| o.depends_on.iter().any(|n| r.same_name(n, &d.name)))
            });
            let definition = going.remove(ready.unwrap_or(0));
            self.push(Op::DropDefinition { definition })?;
        }
        Ok(())
    }

    /// The definitions of `stage` that are new (made), or differ under the
    /// same kind (replaced), each after the definitions it names.
    fn make_definitions(&mut self, to: &Schema, at: Stage) -> Result<(), DeriveError> {
        let mut pending: Vec<&Definition> = to
            .definitions
            .iter()
            .filter(|(k, d)| {
                stage(self.r, to, d) == at
                    && self
                        .cur
                        .definitions
                        .get(*k)
                        .is_none_or(|c| c.kind != d.kind || !same_text(self.r, &c.sql, &d.sql))
            })
            .map(|(_, d)| d)
            .collect();
        while !pending.is_empty() {
            let r = self.r;
            let ready = pending.iter().position(|d| {
                !d.depends_on.iter().any(|n| {
                    pending
                        .iter()
                        .any(|o| !r.same_name(&o.name, &d.name) && r.same_name(&o.name, n))
                })
            });
            let definition = pending.remove(ready.unwrap_or(0)).clone();
            let op = match self.cur.definitions.get(&r.key(&definition.name)) {
                Some(from) if from.kind == definition.kind => Op::ReplaceDefinition {
                    from: from.clone(),
                    to: definition,
                },
                _ => Op::CreateDefinition { definition },
            };
            self.push(op)?;
        }
        Ok(())
    }

    /// Adds `op`, projected onto the schema so far; one that does not fit
    /// is a change strata cannot express.
    fn push(&mut self, op: Op) -> Result<(), DeriveError> {
        project(self.r, &mut self.cur, &op).map_err(|e| {
            DeriveError::Inexpressible(format!("cannot {}: {e}", op.kind().replace('_', " ")))
        })?;
        self.ops.push(op);
        Ok(())
    }

    /// The table `name` of the schema so far, which the caller knows is
    /// there.
    fn table(&self, name: &str) -> &Table {
        self.cur
            .table(self.r, name)
            .expect("a table of the schema being derived")
    }

    /// Views and triggers that go or change, and those that read a view
    /// that does: first, so nothing they read is held by them. A view goes
    /// before the views it reads.
    fn drop_changed_views_and_triggers(&mut self, to: &Schema) -> Result<(), DeriveError> {
        let r = self.r;
        let mut views = views_to_drop(r, &self.cur, to);
        for trigger in triggers_to_drop(r, &self.cur, to, &views) {
            self.push(Op::DropTrigger { trigger })?;
        }
        while !views.is_empty() {
            let free = views.iter().position(|v| {
                !views
                    .iter()
                    .any(|o| o.depends_on.iter().any(|dep| r.same_name(dep, &v.name)))
            });
            let view = views.remove(free.unwrap_or(0));
            self.push(Op::DropView { view })?;
        }
        Ok(())
    }

    /// Renames: tables, then their columns.
    fn rename(
        &mut self,
        tables: &TableRenames,
        columns: &ColumnRenames,
    ) -> Result<(), DeriveError> {
        for (old, new) in tables {
            self.push(Op::RenameTable {
                from: old.clone(),
                to: new.clone(),
            })?;
        }
        for (table, old, new) in columns {
            self.push(Op::RenameColumn {
                table: table.clone(),
                from: old.clone(),
                to: new.clone(),
            })?;
        }
        Ok(())
    }

    /// Indexes that go or change.
    fn drop_changed_indexes(&mut self, to: &Schema) -> Result<(), DeriveError> {
        let r = self.r;
        let indexes: Vec<_> = self
            .cur
            .indexes
            .values()
            .filter(|i| {
                !to.indexes
                    .get(&r.key(&i.name))
                    .is_some_and(|n| index_differences(r, n, i).is_empty())
            })
            .cloned()
            .collect();
        for index in indexes {
            self.push(Op::DropIndex { index })?;
        }
        Ok(())
    }

    /// The names of the tables `to` keeps, in key order.
    fn kept_tables(&self, to: &Schema) -> Vec<String> {
        let r = self.r;
        self.cur
            .tables
            .values()
            .filter(|t| to.table(r, &t.name).is_some())
            .map(|t| t.name.clone())
            .collect()
    }

    /// The kept tables whose primary key changes.
    fn rekeyed(&self, to: &Schema, kept: &[String]) -> Vec<String> {
        let r = self.r;
        kept.iter()
            .filter(|name| {
                let n = to.table(r, name).expect("kept");
                !same_primary_key(
                    r,
                    n.primary_key.as_ref(),
                    self.table(name).primary_key.as_ref(),
                )
            })
            .cloned()
            .collect()
    }

    /// Constraints that go, from kept tables; last first, so positions hold.
    /// A foreign key to a table whose primary key changes goes too (it is
    /// added again once the key is).
    fn drop_constraints(&mut self, to: &Schema, kept: &[String]) -> Result<(), DeriveError> {
        let r = self.r;
        let rekeyed = self.rekeyed(to, kept);
        for name in kept {
            let (t, n) = (self.table(name), to.table(r, name).expect("kept"));
            let table = &t.name;
            let wanted: Vec<_> = n
                .foreign_keys
                .iter()
                .filter(|fk| !rekeyed.iter().any(|k| r.same_name(k, &fk.ref_table)))
                .cloned()
                .collect();
            let mut drops = constraint_drops(
                &t.foreign_keys,
                &wanted,
                |x, y| same_foreign_key(r, x, y),
                |foreign_key, position| Op::DropForeignKey {
                    table: table.clone(),
                    foreign_key,
                    position,
                },
            );
            drops.extend(constraint_drops(
                &t.uniques,
                &n.uniques,
                |x, y| same_unique(r, x, y),
                |unique, position| Op::DropUnique {
                    table: table.clone(),
                    unique,
                    position,
                },
            ));
            drops.extend(constraint_drops(
                &t.checks,
                &n.checks,
                |x, y| same_check(r, x, y),
                |check, position| Op::DropCheck {
                    table: table.clone(),
                    check,
                    position,
                },
            ));
            for op in drops {
                self.push(op)?;
            }
        }
        Ok(())
    }

    /// Tables that go: each after the tables that refer to it. Where they
    /// refer to each other in a cycle, the cycle's foreign keys go first.
    fn drop_tables(&mut self, to: &Schema) -> Result<(), DeriveError> {
        let r = self.r;
        let mut gone: Vec<String> = self
            .cur
            .tables
            .values()
            .filter(|t| to.table(r, &t.name).is_none())
            .map(|t| t.name.clone())
            .collect();
        while !gone.is_empty() {
            let referred = |name: &str, cur: &Schema| {
                gone.iter().any(|o| {
                    !r.same_name(o, name)
                        && cur.table(r, o).is_some_and(|t| {
                            t.foreign_keys
                                .iter()
                                .any(|fk| r.same_name(&fk.ref_table, name))
                        })
                })
            };
            match gone.iter().position(|name| !referred(name, &self.cur)) {
                Some(i) => {
                    let name = gone.remove(i);
                    let table = self.table(&name).clone();
                    self.push(Op::DropTable { table })?;
                }
                None => self.break_drop_cycle(&gone)?,
            }
        }
        Ok(())
    }

    /// Where every table of `gone` is referred to by another, drops the
    /// foreign keys of one of them that refer to the others, so it is free
    /// to go.
    fn break_drop_cycle(&mut self, gone: &[String]) -> Result<(), DeriveError> {
        let r = self.r;
        let name = gone
            .iter()
            .find(|name| {
                self.table(name).foreign_keys.iter().any(|fk| {
                    !r.same_name(&fk.ref_table, name)
                        && gone.iter().any(|o| r.same_name(o, &fk.ref_table))
                })
            })
            .expect("a cycle")
            .clone();
        let t = self.table(&name).clone();
        for (i, fk) in t.foreign_keys.iter().enumerate().rev() {
            if !r.same_name(&fk.ref_table, &name)
                && gone.iter().any(|o| r.same_name(o, &fk.ref_table))
            {
                self.push(Op::DropForeignKey {
                    table: t.name.clone(),
                    foreign_key: fk.clone(),
                    position: i as u32,
                })?;
            }
        }
        Ok(())
    }

    /// Columns of kept tables: changed, gone, new (at their places). A
    /// primary key that changes goes before them and comes after them,
    /// between the options the table loses and those it gains.
    fn change_columns(&mut self, to: &Schema, kept: &[String]) -> Result<(), DeriveError> {
        let r = self.r;
        for name in kept {
            let n = to.table(r, name).expect("kept");
            let t = self.table(name).clone();
            let rekeyed = !same_primary_key(r, n.primary_key.as_ref(), t.primary_key.as_ref());
            // Options the table loses go before its columns change, the
            // ones it gains after (a STRICT table takes STRICT types only).
            let kept_options: Vec<String> = t
                .options
                .iter()
                .filter(|o| n.options.contains(o))
                .cloned()
                .collect();
            if kept_options != t.options {
                self.push(Op::AlterTableOptions {
                    table: t.name.clone(),
                    from: t.options.clone(),
                    to: kept_options.clone(),
                })?;
            }
            if let Some(primary_key) = t.primary_key.clone().filter(|_| rekeyed) {
                self.push(Op::DropPrimaryKey {
                    table: t.name.clone(),
                    primary_key,
                })?;
            }
            self.alter_columns(&t, n)?;
            // Gone before new, so a new column's place is its place in `to`;
            // unless no column stays, when the new ones come first (in front)
            // and the table is never without columns.
            let none_stays = t.columns.iter().all(|c| n.column(r, &c.name).is_none());
            if !none_stays {
                drop_columns(r, self, &t, n)?;
            }
            for (i, c) in n.columns.iter().enumerate() {
                if t.column(r, &c.name).is_none() {
                    self.push(Op::AddColumn {
                        table: t.name.clone(),
                        column: c.clone(),
                        position: i as u32,
                    })?;
                }
            }
            if none_stays {
                drop_columns(r, self, &t, n)?;
            }
            if let Some(primary_key) = n.primary_key.clone().filter(|_| rekeyed) {
                self.push(Op::AddPrimaryKey {
                    table: t.name.clone(),
                    primary_key,
                })?;
            }
            if kept_options != n.options {
                self.push(Op::AlterTableOptions {
                    table: t.name.clone(),
                    from: kept_options,
                    to: n.options.clone(),
                })?;
            }
        }
        Ok(())
    }

    /// The columns `t` and `n` share whose definitions differ, altered to
    /// `n`'s (under `t`'s spelling of the name).
    fn alter_columns(&mut self, t: &Table, n: &Table) -> Result<(), DeriveError> {
        let r = self.r;
        for c in &t.columns {
            if let Some(nc) = n.column(r, &c.name) {
                if !same_column(r, nc, c) {
                    self.push(Op::AlterColumn {
                        table: t.name.clone(),
                        from: c.clone(),
                        to: crate::model::Column {
                            name: c.name.clone(),
                            ..nc.clone()
                        },
                    })?;
                }
            }
        }
        Ok(())
    }

    /// New tables: each after the tables it refers to. A cycle is broken by
    /// creating a table without its foreign keys to tables not there yet;
    /// they are added later with the other new constraints.
    fn create_tables(&mut self, to: &Schema) -> Result<(), DeriveError> {
        let r = self.r;
        let mut new: Vec<&Table> = to
            .tables
            .values()
            .filter(|t| self.cur.table(r, &t.name).is_none())
            .collect();
        while !new.is_empty() {
            let waits = |t: &Table, new: &[&Table]| {
                t.foreign_keys.iter().any(|fk| {
                    !r.same_name(&fk.ref_table, &t.name)
                        && new.iter().any(|o| r.same_name(&o.name, &fk.ref_table))
                })
            };
            let (i, partial) = match new.iter().position(|t| !waits(t, &new)) {
                Some(i) => (i, false),
                None => (in_a_cycle(r, &new), true),
            };
            let mut table = new.remove(i).clone();
            if partial {
                table.foreign_keys.retain(|fk| {
                    r.same_name(&fk.ref_table, &table.name)
                        || self.cur.table(r, &fk.ref_table).is_some()
                });
            }
            self.push(Op::CreateTable { table })?;
        }
        Ok(())
    }

    /// New constraints, at the end of their lists.
    fn add_constraints(&mut self, to: &Schema) -> Result<(), DeriveError> {
        let r = self.r;
        for n in to.tables.values() {
            let t = self.table(&n.name);
            let table = &t.name;
            let mut adds = constraint_adds(
                &t.foreign_keys,
                &n.foreign_keys,
                |x, y| same_foreign_key(r, x, y),
                |foreign_key, position| Op::AddForeignKey {
                    table: table.clone(),
                    foreign_key,
                    position,
                },
            );
            adds.extend(constraint_adds(
                &t.uniques,
                &n.uniques,
                |x, y| same_unique(r, x, y),
                |unique, position| Op::AddUnique {
                    table: table.clone(),
                    unique,
                    position,
                },
            ));
            adds.extend(constraint_adds(
                &t.checks,
                &n.checks,
                |x, y| same_check(r, x, y),
                |check, position| Op::AddCheck {
                    table: table.clone(),
                    check,
                    position,
                },
            ));
            for op in adds {
                self.push(op)?;
            }
        }
        Ok(())
    }

    /// Indexes on a relation kept whole (a materialized view) that goes or
    /// is made again: first of all, as it cannot go while indexed.
    fn drop_indexes_on_changed_definitions(&mut self, to: &Schema) -> Result<(), DeriveError> {
        let r = self.r;
        let changed = |name: &str| {
            self.cur.definitions.get(&r.key(name)).is_some_and(|d| {
                to.definitions
                    .get(&r.key(name))
                    .is_none_or(|n| n.kind != d.kind || !same_text(r, &d.sql, &n.sql))
            })
        };
        let indexes: Vec<_> = self
            .cur
            .indexes
            .values()
            .filter(|i| changed(&i.table))
            .cloned()
            .collect();
        for index in indexes {
            self.push(Op::DropIndex { index })?;
        }
        Ok(())
    }

    /// New indexes on the tables and relations there are so far, as they
    /// are to be: those on tables before the views, those on materialized
    /// views once made.
    fn create_indexes(&mut self, to: &Schema) -> Result<(), DeriveError> {
        let r = self.r;
        let cur = &self.cur;
        let made = |name: &str| {
            let k = r.key(name);
            cur.tables.contains_key(&k)
                || cur.definitions.get(&k).is_some_and(|d| {
                    to.definitions
                        .get(&k)
                        .is_some_and(|n| n.kind == d.kind && same_text(r, &d.sql, &n.sql))
                })
        };
        let indexes: Vec<_> = to
            .indexes
            .values()
            .filter(|i| !cur.indexes.contains_key(&r.key(&i.name)) && made(&i.table))
            .cloned()
            .collect();
        for index in indexes {
            self.push(Op::CreateIndex { index })?;
        }
        Ok(())
    }

    /// New indexes, views (each after the views it reads) and triggers.
    fn create_indexes_views_and_triggers(&mut self, to: &Schema) -> Result<(), DeriveError> {
        let r = self.r;
        self.create_indexes(to)?;
        let mut views: Vec<_> = to
            .views
            .values()
            .filter(|v| !self.cur.views.contains_key(&r.key(&v.name)))
            .cloned()
            .collect();
        while !views.is_empty() {
            let ready = views.iter().position(|v| {
                !v.depends_on
                    .iter()
                    .any(|dep| views.iter().any(|o| r.same_name(&o.name, dep)))
            });
            let view = views.remove(ready.unwrap_or(0));
            self.push(Op::CreateView { view })?;
        }
        let triggers: Vec<_> = to
            .triggers
            .values()
            .filter(|t| {
                !self
                    .cur
                    .triggers
                    .contains_key(&r.trigger_key(&t.table, &t.name))
            })
            .cloned()
            .collect();
        for trigger in triggers {
            self.push(Op::CreateTrigger { trigger })?;
        }
        Ok(())
    }
}

type TableRenames = Vec<(String, String)>;
type ColumnRenames = Vec<(String, String, String)>;

/// The renames as (old, new) table pairs and (table, old, new) column
/// triples, the table named as it is once tables are renamed; index renames
/// are checked and dropped (an index is made again under its new name).
fn resolve_renames(
    r: &dyn Rules,
    from: &Schema,
    to: &Schema,
    renames: &[Rename],
) -> Result<(TableRenames, ColumnRenames), DeriveError> {
    let mut tables: TableRenames = Vec::new();
    let mut columns: ColumnRenames = Vec::new();
    let mut seen = BTreeSet::new();
    for rename in renames {
        if !seen.insert(r.key(&rename.to_string())) {
            continue;
        }
        match rename {
            Rename::Object { from: old, to: new } => {
                if let Some(pair) = object_rename(r, from, to, &tables, rename, old, new)? {
                    tables.push(pair);
                }
            }
            Rename::Column {
                table,
                from: old,
                to: new,
            } => columns.push(column_rename(
                r,
                (from, to),
                &tables,
                rename,
                table,
                old,
                new,
            )?),
        }
    }
    // A column rename names its table as the desired schema does, which is
    // the name it has once the tables are renamed.
    Ok((tables, columns))
}

/// The error for rename `r`, refused for `why`.
fn refuse_rename(r: &Rename, why: String) -> DeriveError {
    DeriveError::Rename {
        rename: r.to_string(),
        why,
    }
}

/// Checks the rename `rename` of the table or index `old` in `from` to `new` in
/// `to`, given the table renames so far: the (old, new) pair of a table
/// rename, or nothing for an index's.
fn object_rename(
    r: &dyn Rules,
    from: &Schema,
    to: &Schema,
    tables: &TableRenames,
    rename: &Rename,
    old: &str,
    new: &str,
) -> Result<Option<(String, String)>, DeriveError> {
    if let Some(head) = from.table(r, old) {
        if to.table(r, new).is_none() {
            return Err(refuse_rename(
                rename,
                format!("the desired schema has no table {new}"),
            ));
        }
        if to.table(r, old).is_some() {
            return Err(refuse_rename(
                rename,
                format!("the desired schema still has table {old}"),
            ));
        }
        if from.table(r, new).is_some() {
            return Err(refuse_rename(
                rename,
                format!("head already has a table {new}"),
            ));
        }
        if tables
            .iter()
            .any(|(o, n)| r.same_name(o, old) || r.same_name(n, new))
        {
            return Err(refuse_rename(
                rename,
                "another rename names the same table".into(),
            ));
        }
        Ok(Some((head.name.clone(), new.to_string())))
    } else if from.indexes.contains_key(&r.key(old)) {
        if !to.indexes.contains_key(&r.key(new)) {
            return Err(refuse_rename(
                rename,
                format!("the desired schema has no index {new}"),
            ));
        }
        Ok(None)
    } else {
        Err(refuse_rename(
            rename,
            format!("head has no table or index named {old}"),
        ))
    }
}

/// Checks the rename `rename` of column `old` of `table` to `new`, given the
/// table renames: the (table, old, new) triple, the table named as the
/// desired schema names it and the old column as head spells it.
fn column_rename(
    r: &dyn Rules,
    (from, to): (&Schema, &Schema),
    tables: &TableRenames,
    rename: &Rename,
    table: &str,
    old: &str,
    new: &str,
) -> Result<(String, String, String), DeriveError> {
    // The table, as head names it and as the desired schema does.
    let (head_name, new_name) = match tables
        .iter()
        .find(|(o, n)| r.same_name(o, table) || r.same_name(n, table))
    {
        Some((o, n)) => (o.clone(), n.clone()),
        None => (table.to_string(), table.to_string()),
    };
    let (Some(ht), Some(nt)) = (from.table(r, &head_name), to.table(r, &new_name)) else {
        return Err(refuse_rename(
            rename,
            format!("{table} is not a table of both head and the desired schema"),
        ));
    };
    let Some(head_column) = ht.column(r, old) else {
        return Err(refuse_rename(
            rename,
            format!("head's table {} has no column {old}", ht.name),
        ));
    };
    if nt.column(r, new).is_none() {
        return Err(refuse_rename(
            rename,
            format!("the desired table {} has no column {new}", nt.name),
        ));
    }
    if nt.column(r, old).is_some() && !r.same_name(old, new) {
        return Err(refuse_rename(
            rename,
            format!("the desired table {} still has column {old}", nt.name),
        ));
    }
    if ht.column(r, new).is_some() && !r.same_name(old, new) {
        return Err(refuse_rename(
            rename,
            format!("head's table {} already has column {new}", ht.name),
        ));
    }
    Ok((nt.name.clone(), head_column.name.clone(), new.to_string()))
}

/// Drops and adds among `ops` that look like renames: a table gone and a
/// table new with alike columns; in one table, a column gone and a column
/// new with alike definitions.
fn suggest(r: &dyn Rules, to: &Schema, ops: &[Op]) -> Vec<Suggestion> {
    let mut out = table_suggestions(r, to, ops);
    out.extend(column_suggestions(r, ops));
    out
}

/// A table dropped and a table created with alike columns (names and
/// definitions, in order), where only one created table is alike.
fn table_suggestions(r: &dyn Rules, to: &Schema, ops: &[Op]) -> Vec<Suggestion> {
    let mut out = Vec::new();
    let dropped: Vec<&Table> = ops
        .iter()
        .filter_map(|op| match op {
            Op::DropTable { table } => Some(table),
            _ => None,
        })
        .collect();
    let created: Vec<&Table> = ops
        .iter()
        .filter_map(|op| match op {
            Op::CreateTable { table } => to.table(r, &table.name),
            _ => None,
        })
        .collect();
    let alike = |a: &Table, b: &Table| {
        a.columns.len() == b.columns.len()
            && a.columns
                .iter()
                .zip(&b.columns)
                .all(|(x, y)| r.same_name(&x.name, &y.name) && same_column(r, x, y))
    };
    for d in &dropped {
        let matches: Vec<_> = created.iter().filter(|c| alike(d, c)).collect();
        if let [only] = matches.as_slice() {
            out.push(Suggestion {
                kind: "table",
                rename: Rename::Object {
                    from: d.name.clone(),
                    to: only.name.clone(),
                },
            });
        }
    }
    out
}

/// In one table, a column dropped and a column added with an alike
/// definition, where only one added column is alike.
fn column_suggestions(r: &dyn Rules, ops: &[Op]) -> Vec<Suggestion> {
    let mut out = Vec::new();
    for op in ops {
        let Op::DropColumn { table, column, .. } = op else {
            continue;
        };
        let added: Vec<_> = ops
            .iter()
            .filter_map(|o| match o {
                Op::AddColumn {
                    table: t,
                    column: c,
                    ..
                } if r.same_name(t, table) && same_column(r, c, column) => Some(c),
                _ => None,
            })
            .collect();
        if let [only] = added.as_slice() {
            out.push(Suggestion {
                kind: "column",
                rename: Rename::Column {
                    table: table.clone(),
                    from: column.name.clone(),
                    to: only.name.clone(),
                },
            });
        }
    }
    out
}
