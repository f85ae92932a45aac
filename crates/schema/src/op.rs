//! Operations: the facts a change event is made of.
//!
//! An op that removes or replaces something carries the whole definition of
//! what it removes or replaces. That makes every op invertible on its own,
//! without replaying history, and lets `show` say exactly what was lost.

use serde::{Deserialize, Serialize};

use crate::model::{
    Check, Column, Definition, ForeignKey, Index, PrimaryKey, Table, Trigger, Unique, View,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    CreateTable {
        table: Table,
    },
    DropTable {
        table: Table,
    },
    RenameTable {
        from: String,
        to: String,
    },
    /// `position` is the column's index once added (the end, for ADD COLUMN).
    AddColumn {
        table: String,
        column: Column,
        position: u32,
    },
    DropColumn {
        table: String,
        column: Column,
        position: u32,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    /// Type, nullability, default or collation of one column; the name stays.
    AlterColumn {
        table: String,
        from: Column,
        to: Column,
    },
    CreateIndex {
        index: Index,
    },
    DropIndex {
        index: Index,
    },
    /// The constraint ops carry the constraint's index in its table's list
    /// (of foreign keys, uniques or checks): where it is once added (the
    /// end, for ADD CONSTRAINT), where it was when dropped.
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
        position: u32,
    },
    DropForeignKey {
        table: String,
        foreign_key: ForeignKey,
        position: u32,
    },
    AddUnique {
        table: String,
        unique: Unique,
        position: u32,
    },
    DropUnique {
        table: String,
        unique: Unique,
        position: u32,
    },
    AddCheck {
        table: String,
        check: Check,
        position: u32,
    },
    DropCheck {
        table: String,
        check: Check,
        position: u32,
    },
    CreateView {
        view: View,
    },
    DropView {
        view: View,
    },
    CreateTrigger {
        trigger: Trigger,
    },
    DropTrigger {
        trigger: Trigger,
    },
    /// A data step (INSERT, UPDATE, DELETE) recorded verbatim. It leaves the
    /// schema as it is and has no automatic inverse.
    Data {
        sql: String,
    },
    /// The dialect's table options (those `Rules::alterable_option` names),
    /// all of them before and after, sorted; the columns and constraints
    /// stay. Last of the variants, so the ones before it keep their
    /// numbers in the ledger's encoding.
    AlterTableOptions {
        table: String,
        from: Vec<String>,
        to: Vec<String>,
    },
    /// The ops from here on are format 5's, after the ones before in the
    /// ledger's encoding.
    AddPrimaryKey {
        table: String,
        primary_key: PrimaryKey,
    },
    DropPrimaryKey {
        table: String,
        primary_key: PrimaryKey,
    },
    CreateDefinition {
        definition: Definition,
    },
    DropDefinition {
        definition: Definition,
    },
    /// A definition replaced by another of the same kind and name (a value
    /// added to a type, a routine's body changed): how is the target's.
    ReplaceDefinition {
        from: Definition,
        to: Definition,
    },
}

impl Op {
    /// The op that undoes this one, or `None` for a data step.
    pub fn invert(&self) -> Option<Op> {
        use Op::*;
        Some(match self.clone() {
            CreateTable { table } => DropTable { table },
            DropTable { table } => CreateTable { table },
            RenameTable { from, to } => RenameTable { from: to, to: from },
            AddColumn {
                table,
                column,
                position,
            } => DropColumn {
                table,
                column,
                position,
            },
            DropColumn {
                table,
                column,
                position,
            } => AddColumn {
                table,
                column,
                position,
            },
            RenameColumn { table, from, to } => RenameColumn {
                table,
                from: to,
                to: from,
            },
            AlterColumn { table, from, to } => AlterColumn {
                table,
                from: to,
                to: from,
            },
            CreateIndex { index } => DropIndex { index },
            DropIndex { index } => CreateIndex { index },
            AddForeignKey {
                table,
                foreign_key,
                position,
            } => DropForeignKey {
                table,
                foreign_key,
                position,
            },
            DropForeignKey {
                table,
                foreign_key,
                position,
            } => AddForeignKey {
                table,
                foreign_key,
                position,
            },
            AddUnique {
                table,
                unique,
                position,
            } => DropUnique {
                table,
                unique,
                position,
            },
            DropUnique {
                table,
                unique,
                position,
            } => AddUnique {
                table,
                unique,
                position,
            },
            AddCheck {
                table,
                check,
                position,
            } => DropCheck {
                table,
                check,
                position,
            },
            DropCheck {
                table,
                check,
                position,
            } => AddCheck {
                table,
                check,
                position,
            },
            CreateView { view } => DropView { view },
            DropView { view } => CreateView { view },
            CreateTrigger { trigger } => DropTrigger { trigger },
            DropTrigger { trigger } => CreateTrigger { trigger },
            AlterTableOptions { table, from, to } => AlterTableOptions {
                table,
                from: to,
                to: from,
            },
            AddPrimaryKey { table, primary_key } => DropPrimaryKey { table, primary_key },
            DropPrimaryKey { table, primary_key } => AddPrimaryKey { table, primary_key },
            CreateDefinition { definition } => DropDefinition { definition },
            DropDefinition { definition } => CreateDefinition { definition },
            ReplaceDefinition { from, to } => ReplaceDefinition { from: to, to: from },
            Data { .. } => return None,
        })
    }

    /// The short name of the op's kind, as used in JSON and in `log`.
    pub fn kind(&self) -> &'static str {
        use Op::*;
        match self {
            CreateTable { .. } => "create_table",
            DropTable { .. } => "drop_table",
            RenameTable { .. } => "rename_table",
            AddColumn { .. } => "add_column",
            DropColumn { .. } => "drop_column",
            RenameColumn { .. } => "rename_column",
            AlterColumn { .. } => "alter_column",
            CreateIndex { .. } => "create_index",
            DropIndex { .. } => "drop_index",
            AddForeignKey { .. } => "add_foreign_key",
            DropForeignKey { .. } => "drop_foreign_key",
            AddUnique { .. } => "add_unique",
            DropUnique { .. } => "drop_unique",
            AddCheck { .. } => "add_check",
            DropCheck { .. } => "drop_check",
            CreateView { .. } => "create_view",
            DropView { .. } => "drop_view",
            CreateTrigger { .. } => "create_trigger",
            DropTrigger { .. } => "drop_trigger",
            Data { .. } => "data",
            AlterTableOptions { .. } => "alter_table_options",
            AddPrimaryKey { .. } => "add_primary_key",
            DropPrimaryKey { .. } => "drop_primary_key",
            CreateDefinition { .. } => "create_definition",
            DropDefinition { .. } => "drop_definition",
            ReplaceDefinition { .. } => "replace_definition",
        }
    }

    /// The tables this op touches, by the names it uses. A rename names both.
    pub fn tables(&self) -> Vec<&str> {
        use Op::*;
        match self {
            CreateTable { table } | DropTable { table } => vec![&table.name],
            RenameTable { from, to } => vec![from, to],
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumn { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | AddUnique { table, .. }
            | DropUnique { table, .. }
            | AddCheck { table, .. }
            | DropCheck { table, .. }
            | AlterTableOptions { table, .. }
            | AddPrimaryKey { table, .. }
            | DropPrimaryKey { table, .. } => vec![table],
            CreateIndex { index } | DropIndex { index } => vec![&index.table],
            CreateView { view } | DropView { view } => {
                view.depends_on.iter().map(String::as_str).collect()
            }
            CreateTrigger { trigger } | DropTrigger { trigger } => {
                let mut t = vec![trigger.table.as_str()];
                t.extend(trigger.depends_on.iter().map(String::as_str));
                t
            }
            CreateDefinition { definition } | DropDefinition { definition } => {
                definition.depends_on.iter().map(String::as_str).collect()
            }
            ReplaceDefinition { from, to } => {
                let mut t: Vec<&str> = from.depends_on.iter().map(String::as_str).collect();
                t.extend(to.depends_on.iter().map(String::as_str));
                t
            }
            Data { .. } => vec![],
        }
    }
}

/// The ops that undo `ops`: each inverted, in reverse order. `None` when a
/// data step is among them.
pub fn invert_all(ops: &[Op]) -> Option<Vec<Op>> {
    ops.iter().rev().map(Op::invert).collect()
}
