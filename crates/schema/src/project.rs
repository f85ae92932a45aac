//! Projection: applying an op to a schema, or saying precisely why it does
//! not fit. Each kind of op has a function of its own, which checks first
//! and changes the schema only once all its checks have passed, so an
//! error leaves the schema as it was.

use crate::model::{
    Check, Column, Definition, ForeignKey, Index, IndexTerm, PrimaryKey, Schema, Table, Trigger,
    Unique, View,
};
use crate::op::Op;
use crate::rules::Rules;

/// Why an op does not fit the schema it is applied to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    #[error("no table named {0}")]
    NoSuchTable(String),
    #[error("table {table} has no column named {column}")]
    NoSuchColumn { table: String, column: String },
    #[error("no {kind} named {name}")]
    NoSuchObject { kind: &'static str, name: String },
    #[error("{kind} {name} already exists")]
    AlreadyExists { kind: &'static str, name: String },
    #[error("{what} is still used by {by}")]
    InUse { what: String, by: String },
    #[error("{what} does not match the schema: {reason}")]
    Mismatch { what: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

use ProjectError as E;

/// Apply `op` to `schema`. On error the schema is unchanged.
///
/// Each op has a function of its own below, in the order of [`Op`]'s
/// variants: tables, columns, indexes, constraints, views, triggers.
pub fn project(r: &dyn Rules, schema: &mut Schema, op: &Op) -> Result<(), ProjectError> {
    project_with(r, schema, op, Refs::Check)
}

/// Apply `op` to `schema` as [`project`] does, but without the checks
/// that concern other objects than the one changed: a foreign key naming
/// a table that exists with the columns it names, a view or trigger
/// naming relations that exist, and a table or view dropped that other
/// objects still name. `record` resolves a script's statements this way
/// and makes those checks on the schema the whole script leaves, with
/// [`dangling`]; the ops it records still [`project`] one by one.
pub fn project_deferring(r: &dyn Rules, schema: &mut Schema, op: &Op) -> Result<(), ProjectError> {
    project_with(r, schema, op, Refs::Defer)
}

/// The first name in `schema` that does not resolve, as the error
/// [`project`] gives when an op leaves it so: a foreign key's parent or
/// its columns, the relations a view or trigger reads or fires on.
pub fn dangling(r: &dyn Rules, schema: &Schema) -> Option<ProjectError> {
    for t in schema.tables.values() {
        for fk in &t.foreign_keys {
            if let Err(e) = check_fk(r, schema, t, fk, Refs::Check) {
                return Some(e);
            }
        }
    }
    for v in schema.views.values() {
        for d in &v.depends_on {
            if let Err(e) = relation_exists(r, schema, d) {
                return Some(in_use_by(e, format!("view {}", v.name)));
            }
        }
    }
    for t in schema.triggers.values() {
        for d in std::iter::once(&t.table).chain(&t.depends_on) {
            if let Err(e) = relation_exists(r, schema, d) {
                return Some(in_use_by(e, format!("trigger {}", t.name)));
            }
        }
    }
    for d in schema.definitions.values() {
        for name in &d.depends_on {
            if let Err(e) = named_exists(r, schema, name) {
                return Some(in_use_by(e, describe_definition(d)));
            }
        }
    }
    None
}

/// A missing relation, said with the object that names it.
fn in_use_by(e: ProjectError, by: String) -> ProjectError {
    match e {
        E::NoSuchObject { kind, name } => {
            E::Invalid(format!("{by} names {name}, which is no {kind}"))
        }
        e => e,
    }
}

/// Whether projection checks what an op's object names elsewhere in the
/// schema (see [`project_deferring`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refs {
    Check,
    Defer,
}

fn project_with(
    r: &dyn Rules,
    schema: &mut Schema,
    op: &Op,
    refs: Refs,
) -> Result<(), ProjectError> {
    match op {
        Op::CreateTable { table } => create_table(r, schema, table, refs),
        Op::DropTable { table } => drop_table(r, schema, table, refs),
        Op::RenameTable { from, to } => rename_table(r, schema, from, to),
        Op::AddColumn {
            table,
            column,
            position,
        } => add_column(r, schema, table, column, *position),
        Op::DropColumn {
            table,
            column,
            position,
        } => drop_column(r, schema, table, column, *position),
        Op::RenameColumn { table, from, to } => rename_column(r, schema, table, from, to),
        Op::AlterColumn { table, from, to } => alter_column(r, schema, table, from, to),
        Op::CreateIndex { index } => create_index(r, schema, index),
        Op::DropIndex { index } => drop_index(r, schema, index),
        Op::AddForeignKey {
            table,
            foreign_key,
            position,
        } => add_foreign_key(r, schema, table, foreign_key, *position, refs),
        Op::DropForeignKey {
            table,
            foreign_key,
            position,
        } => drop_foreign_key(r, schema, table, foreign_key, *position),
        Op::AddUnique {
            table,
            unique,
            position,
        } => add_unique(r, schema, table, unique, *position),
        Op::DropUnique {
            table,
            unique,
            position,
        } => drop_unique(r, schema, table, unique, *position),
        Op::AddCheck {
            table,
            check,
            position,
        } => add_check(r, schema, table, check, *position),
        Op::DropCheck {
            table,
            check,
            position,
        } => drop_check(r, schema, table, check, *position),
        Op::CreateView { view } => create_view(r, schema, view, refs),
        Op::DropView { view } => drop_view(r, schema, view, refs),
        Op::CreateTrigger { trigger } => create_trigger(r, schema, trigger, refs),
        Op::DropTrigger { trigger } => drop_trigger(r, schema, trigger),
        Op::Data { .. } => Ok(()),
        Op::AlterTableOptions { table, from, to } => {
            alter_table_options(r, schema, table, from, to)
        }
        Op::AddPrimaryKey { table, primary_key } => add_primary_key(r, schema, table, primary_key),
        Op::DropPrimaryKey { table, primary_key } => {
            drop_primary_key(r, schema, table, primary_key, refs)
        }
        Op::CreateDefinition { definition } => create_definition(r, schema, definition, refs),
        Op::DropDefinition { definition } => drop_definition(r, schema, definition, refs),
        Op::ReplaceDefinition { from, to } => replace_definition(r, schema, from, to, refs),
    }
}

/// A new table: its name free, its definition whole.
fn create_table(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &Table,
    refs: Refs,
) -> Result<(), ProjectError> {
    free_name(r, schema, &table.name)?;
    check_table(r, schema, table, refs)?;
    schema.tables.insert(r.key(&table.name), table.clone());
    Ok(())
}

/// A table dropped as it is defined, that no index, view, trigger or other
/// table's foreign key still uses.
fn drop_table(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &Table,
    refs: Refs,
) -> Result<(), ProjectError> {
    let current = table_ref(r, schema, &table.name)?;
    if current != table {
        return Err(mismatch(
            format!("table {}", table.name),
            "its definition differs",
        ));
    }
    let what = || format!("table {}", table.name);
    if let Some(i) = schema
        .indexes
        .values()
        .find(|i| r.same_name(&i.table, &table.name))
    {
        return Err(in_use(what(), format!("index {}", i.name)));
    }
    if refs == Refs::Defer {
        schema.tables.remove(&r.key(&table.name));
        return Ok(());
    }
    refuse_dependents(r, schema, &table.name, what)?;
    for other in schema.tables.values() {
        if r.same_name(&other.name, &table.name) {
            continue;
        }
        if let Some(fk) = other
            .foreign_keys
            .iter()
            .find(|fk| r.same_name(&fk.ref_table, &table.name))
        {
            return Err(in_use(what(), describe_fk(&other.name, fk)));
        }
    }
    schema.tables.remove(&r.key(&table.name));
    Ok(())
}

/// A table renamed to a free name, carried everywhere it is named.
fn rename_table(
    r: &dyn Rules,
    schema: &mut Schema,
    from: &str,
    to: &str,
) -> Result<(), ProjectError> {
    table_ref(r, schema, from)?;
    free_name(r, schema, to)?;
    refuse_ambiguous_table_rename(r, schema, from, to)?;
    rename_table_everywhere(r, schema, from, to);
    Ok(())
}

/// A new column at `position` of its table (at most the end).
fn add_column(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    column: &Column,
    position: u32,
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    if t.column(r, &column.name).is_some() {
        return Err(E::AlreadyExists {
            kind: "column",
            name: format!("{table}.{}", column.name),
        });
    }
    let position = position as usize;
    if position > t.columns.len() {
        return Err(E::Invalid(format!(
            "cannot add column {table}.{} at position {position}: the table has {} columns",
            column.name,
            t.columns.len()
        )));
    }
    check_column(t, column)?;
    let t = table_mut(r, schema, table);
    t.columns.insert(position, column.clone());
    if let Err(e) = check_options(r, t) {
        t.columns.remove(position);
        return Err(e);
    }
    Ok(())
}

/// A column dropped as it is defined and where it is, that is not the
/// table's only one and that nothing still uses.
fn drop_column(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    column: &Column,
    position: u32,
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    let at = column_index(r, t, &column.name)?;
    if at != position as usize || t.columns[at] != *column {
        return Err(mismatch(
            format!("column {table}.{}", column.name),
            "its definition or position differs",
        ));
    }
    if t.columns.len() == 1 {
        return Err(E::Invalid(format!(
            "cannot drop column {table}.{}: it is the table's only column; drop the table instead",
            column.name
        )));
    }
    if let Some(by) = column_user(r, schema, t, &column.name) {
        return Err(in_use(format!("column {table}.{}", column.name), by));
    }
    table_mut(r, schema, table).columns.remove(at);
    Ok(())
}

/// A column renamed to a name no other column of its table has, carried
/// everywhere it is named.
fn rename_column(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    from: &str,
    to: &str,
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    let at = column_index(r, t, from)?;
    // A rename to a name the dialect takes for the same one (only the case
    // differs, say) is allowed.
    if t.column_position(r, to).is_some_and(|p| p != at) {
        return Err(E::AlreadyExists {
            kind: "column",
            name: format!("{table}.{to}"),
        });
    }
    check_column(
        t,
        &Column {
            name: to.to_string(),
            ..t.columns[at].clone()
        },
    )?;
    refuse_ambiguous_rename(r, schema, &t.name, from, to)?;
    rename_column_everywhere(r, schema, table, from, to);
    Ok(())
}

/// A column's definition changed from `from` (as it is) to `to`, under the
/// same name.
fn alter_column(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    from: &Column,
    to: &Column,
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    let at = column_index(r, t, &from.name)?;
    if t.columns[at] != *from {
        return Err(mismatch(
            format!("column {table}.{}", from.name),
            "its definition differs",
        ));
    }
    if from.name != to.name {
        return Err(E::Invalid(format!(
            "alter column cannot rename {table}.{} to {}; rename the column instead",
            from.name, to.name
        )));
    }
    check_column(t, to)?;
    let mut altered = t.clone();
    altered.columns[at] = to.clone();
    check_options(r, &altered)?;
    table_mut(r, schema, table).columns[at] = to.clone();
    Ok(())
}

/// A table's options changed from `from` (as they are) to `to`: both
/// sorted, each once, different, and `to` what the dialect allows of the
/// table.
fn alter_table_options(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    from: &[String],
    to: &[String],
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    if t.options != from {
        return Err(mismatch(
            format!("the options of table {table}"),
            "they differ",
        ));
    }
    if from == to {
        return Err(E::Invalid(format!(
            "the options of table {table} are changed to what they are"
        )));
    }
    let changed = from
        .iter()
        .filter(|o| !to.contains(o))
        .chain(to.iter().filter(|o| !from.contains(o)));
    if let Some(o) = changed.into_iter().find(|o| !r.alterable_option(o)) {
        return Err(E::Invalid(format!(
            "table {table}: {} cannot be changed by an op; record a new table and move the rows with a data step",
            r.describe_option(o)
        )));
    }
    let mut altered = t.clone();
    altered.options = to.to_vec();
    check_options(r, &altered)?;
    table_mut(r, schema, table).options = altered.options;
    Ok(())
}

/// A new index under a free name, on columns its table has.
fn create_index(r: &dyn Rules, schema: &mut Schema, index: &Index) -> Result<(), ProjectError> {
    free_name(r, schema, &index.name)?;
    // A relation kept whole (a materialized view) may be indexed; its
    // columns are in its text, which the dialect proves on a database.
    let table = match schema.definitions.get(&r.key(&index.table)) {
        Some(d) if d.kind.is_relation() => None,
        _ => Some(table_ref(r, schema, &index.table)?),
    };
    if index.columns.is_empty() {
        return Err(E::Invalid(format!("index {} has no columns", index.name)));
    }
    if let Some(t) = table {
        for c in &index.columns {
            if let IndexTerm::Column(name) = &c.term {
                column_index(r, t, name)?;
            }
        }
        for name in &index.include {
            column_index(r, t, name)?;
        }
    }
    r.check_index(index)
        .map_err(|why| E::Invalid(format!("index {}: {why}", index.name)))?;
    schema.indexes.insert(r.key(&index.name), index.clone());
    Ok(())
}

/// An index dropped as it is defined.
fn drop_index(r: &dyn Rules, schema: &mut Schema, index: &Index) -> Result<(), ProjectError> {
    let current = object(r, &schema.indexes, "index", &index.name)?;
    if current != index {
        return Err(mismatch(
            format!("index {}", index.name),
            "its definition differs",
        ));
    }
    schema.indexes.remove(&r.key(&index.name));
    Ok(())
}

/// A foreign key under a free constraint name, whose columns and parent
/// exist, at `position` of its table's list.
fn add_foreign_key(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    foreign_key: &ForeignKey,
    position: u32,
    refs: Refs,
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    free_constraint_name(r, t, foreign_key.name.as_deref())?;
    check_fk(r, schema, t, foreign_key, refs)?;
    let what = || describe_fk(table, foreign_key);
    let list = &mut table_mut(r, schema, table).foreign_keys;
    insert_constraint(list, position, foreign_key, what)
}

/// A foreign key taken from `position` of its table's list.
fn drop_foreign_key(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    foreign_key: &ForeignKey,
    position: u32,
) -> Result<(), ProjectError> {
    let what = || describe_fk(table, foreign_key);
    table_ref(r, schema, table)?;
    let list = &mut table_mut(r, schema, table).foreign_keys;
    remove_constraint(list, position, foreign_key, what)
}

/// A UNIQUE constraint under a free constraint name, on columns its table
/// has, at `position` of its table's list.
fn add_unique(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    unique: &Unique,
    position: u32,
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    free_constraint_name(r, t, unique.name.as_deref())?;
    columns_exist(r, t, &unique.columns)?;
    let what = || describe_unique(table, unique);
    let list = &mut table_mut(r, schema, table).uniques;
    insert_constraint(list, position, unique, what)
}

/// A UNIQUE constraint taken from `position` of its table's list.
fn drop_unique(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    unique: &Unique,
    position: u32,
) -> Result<(), ProjectError> {
    let what = || describe_unique(table, unique);
    table_ref(r, schema, table)?;
    let list = &mut table_mut(r, schema, table).uniques;
    remove_constraint(list, position, unique, what)
}

/// A CHECK constraint under a free constraint name, at `position` of its
/// table's list.
fn add_check(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    check: &Check,
    position: u32,
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    free_constraint_name(r, t, check.name.as_deref())?;
    let what = || describe_check(table, check);
    let list = &mut table_mut(r, schema, table).checks;
    insert_constraint(list, position, check, what)
}

/// A CHECK constraint taken from `position` of its table's list.
fn drop_check(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    check: &Check,
    position: u32,
) -> Result<(), ProjectError> {
    let what = || describe_check(table, check);
    table_ref(r, schema, table)?;
    let list = &mut table_mut(r, schema, table).checks;
    remove_constraint(list, position, check, what)
}

/// A new view under a free name, reading relations that exist.
fn create_view(
    r: &dyn Rules,
    schema: &mut Schema,
    view: &View,
    refs: Refs,
) -> Result<(), ProjectError> {
    free_name(r, schema, &view.name)?;
    if refs == Refs::Check {
        for d in &view.depends_on {
            relation_exists(r, schema, d)?;
        }
    }
    schema.views.insert(r.key(&view.name), view.clone());
    Ok(())
}

/// A view dropped as it is defined, that no other view or trigger reads.
fn drop_view(
    r: &dyn Rules,
    schema: &mut Schema,
    view: &View,
    refs: Refs,
) -> Result<(), ProjectError> {
    let current = object(r, &schema.views, "view", &view.name)?;
    if current != view {
        return Err(mismatch(
            format!("view {}", view.name),
            "its definition differs",
        ));
    }
    if refs == Refs::Check {
        refuse_dependents(r, schema, &view.name, || format!("view {}", view.name))?;
    }
    schema.views.remove(&r.key(&view.name));
    Ok(())
}

/// A new trigger under a name no trigger has, on and reading relations
/// that exist.
fn create_trigger(
    r: &dyn Rules,
    schema: &mut Schema,
    trigger: &Trigger,
    refs: Refs,
) -> Result<(), ProjectError> {
    check_name(r, &trigger.name)?;
    let key = r.trigger_key(&trigger.table, &trigger.name);
    if schema.triggers.contains_key(&key) {
        return Err(E::AlreadyExists {
            kind: "trigger",
            name: trigger.name.clone(),
        });
    }
    if refs == Refs::Check {
        relation_exists(r, schema, &trigger.table)?;
        for d in &trigger.depends_on {
            relation_exists(r, schema, d)?;
        }
    }
    schema.triggers.insert(key, trigger.clone());
    Ok(())
}

/// A trigger dropped as it is defined.
fn drop_trigger(r: &dyn Rules, schema: &mut Schema, trigger: &Trigger) -> Result<(), ProjectError> {
    let key = r.trigger_key(&trigger.table, &trigger.name);
    let current = schema.triggers.get(&key).ok_or_else(|| E::NoSuchObject {
        kind: "trigger",
        name: trigger.name.clone(),
    })?;
    if current != trigger {
        return Err(mismatch(
            format!("trigger {}", trigger.name),
            "its definition differs",
        ));
    }
    schema.triggers.remove(&key);
    Ok(())
}

/// A new primary key on a table that has none, on columns it has.
fn add_primary_key(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    primary_key: &PrimaryKey,
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    if t.primary_key.is_some() {
        return Err(E::AlreadyExists {
            kind: "primary key",
            name: format!("of {table}"),
        });
    }
    free_constraint_name(r, t, primary_key.name.as_deref())?;
    columns_exist(r, t, &primary_key.columns)?;
    let mut altered = t.clone();
    altered.primary_key = Some(primary_key.clone());
    check_options(r, &altered)?;
    table_mut(r, schema, table).primary_key = altered.primary_key;
    Ok(())
}

/// A table's primary key dropped as it is defined, that no foreign key
/// names as its parent key.
fn drop_primary_key(
    r: &dyn Rules,
    schema: &mut Schema,
    table: &str,
    primary_key: &PrimaryKey,
    refs: Refs,
) -> Result<(), ProjectError> {
    let t = table_ref(r, schema, table)?;
    if t.primary_key.as_ref() != Some(primary_key) {
        return Err(mismatch(
            format!("the primary key of {table}"),
            "its definition differs",
        ));
    }
    if refs == Refs::Check {
        let same = |cols: &[String]| {
            cols.len() == primary_key.columns.len()
                && cols
                    .iter()
                    .zip(&primary_key.columns)
                    .all(|(a, b)| r.same_name(a, b))
        };
        let kept_by_unique = t.uniques.iter().any(|u| same(&u.columns));
        for other in schema.tables.values() {
            if let Some(fk) = other.foreign_keys.iter().find(|fk| {
                r.same_name(&fk.ref_table, &t.name)
                    && (fk.ref_columns.is_empty() || (same(&fk.ref_columns) && !kept_by_unique))
            }) {
                return Err(in_use(
                    format!("the primary key of {table}"),
                    describe_fk(&other.name, fk),
                ));
            }
        }
    }
    let mut altered = t.clone();
    altered.primary_key = None;
    check_options(r, &altered)?;
    table_mut(r, schema, table).primary_key = None;
    Ok(())
}

/// A new definition under a free name, of a kind the dialect has, naming
/// objects that exist.
fn create_definition(
    r: &dyn Rules,
    schema: &mut Schema,
    definition: &Definition,
    refs: Refs,
) -> Result<(), ProjectError> {
    free_name(r, schema, &definition.name)?;
    r.check_definition(definition).map_err(E::Invalid)?;
    if refs == Refs::Check {
        for d in &definition.depends_on {
            named_exists(r, schema, d)?;
        }
    }
    schema
        .definitions
        .insert(r.key(&definition.name), definition.clone());
    Ok(())
}

/// A definition dropped as it is, that nothing else still names.
fn drop_definition(
    r: &dyn Rules,
    schema: &mut Schema,
    definition: &Definition,
    refs: Refs,
) -> Result<(), ProjectError> {
    let what = describe_definition(definition);
    let current = schema
        .definitions
        .get(&r.key(&definition.name))
        .ok_or_else(|| E::NoSuchObject {
            kind: definition.kind.describe(),
            name: definition.name.clone(),
        })?;
    if current != definition {
        return Err(mismatch(what, "its definition differs"));
    }
    refuse_indexed(r, schema, &definition.name, &what)?;
    if refs == Refs::Check {
        refuse_dependents(r, schema, &definition.name, || what.clone())?;
    }
    schema.definitions.remove(&r.key(&definition.name));
    Ok(())
}

/// A relation kept whole cannot go, or be replaced (which makes it
/// again), while an index is on it: the index goes first, in its own op.
fn refuse_indexed(
    r: &dyn Rules,
    schema: &Schema,
    name: &str,
    what: &str,
) -> Result<(), ProjectError> {
    match schema
        .indexes
        .values()
        .find(|i| r.same_name(&i.table, name))
    {
        Some(i) => Err(in_use(what.to_string(), format!("index {}", i.name))),
        None => Ok(()),
    }
}

/// A definition replaced by another of the same kind and name.
fn replace_definition(
    r: &dyn Rules,
    schema: &mut Schema,
    from: &Definition,
    to: &Definition,
    refs: Refs,
) -> Result<(), ProjectError> {
    let what = describe_definition(from);
    let current = schema
        .definitions
        .get(&r.key(&from.name))
        .ok_or_else(|| E::NoSuchObject {
            kind: from.kind.describe(),
            name: from.name.clone(),
        })?;
    if current != from {
        return Err(mismatch(what, "its definition differs"));
    }
    if from.kind != to.kind || from.name != to.name {
        return Err(E::Invalid(format!(
            "{what} can only be replaced by a {} named {}; drop it and create the other",
            from.kind.describe(),
            from.name
        )));
    }
    if from == to {
        return Err(E::Invalid(format!("{what} is replaced by itself")));
    }
    refuse_indexed(r, schema, &from.name, &what)?;
    r.check_definition(to).map_err(E::Invalid)?;
    if refs == Refs::Check {
        for d in &to.depends_on {
            named_exists(r, schema, d)?;
        }
    }
    schema.definitions.insert(r.key(&to.name), to.clone());
    Ok(())
}

fn describe_definition(d: &Definition) -> String {
    format!("{} {}", d.kind.describe(), d.name)
}

/// Apply `ops` in order. On error the schema is unchanged and the error
/// carries the index of the op that failed.
pub fn project_all(
    r: &dyn Rules,
    schema: &mut Schema,
    ops: &[Op],
) -> Result<(), (usize, ProjectError)> {
    let mut next = schema.clone();
    for (i, op) in ops.iter().enumerate() {
        project(r, &mut next, op).map_err(|e| (i, e))?;
    }
    *schema = next;
    Ok(())
}

fn mismatch(what: String, reason: &str) -> ProjectError {
    E::Mismatch {
        what,
        reason: reason.to_string(),
    }
}

fn in_use(what: String, by: String) -> ProjectError {
    E::InUse { what, by }
}

fn describe_unique(table: &str, unique: &crate::model::Unique) -> String {
    format!(
        "unique constraint ({}) on {table}",
        unique.columns.join(", ")
    )
}

fn describe_check(table: &str, check: &crate::model::Check) -> String {
    format!("check ({}) on {table}", check.expr)
}

fn describe_fk(table: &str, fk: &ForeignKey) -> String {
    match &fk.name {
        Some(n) => format!("foreign key {n} of {table}"),
        None => format!(
            "foreign key {table}({}) -> {}",
            fk.columns.join(", "),
            fk.ref_table
        ),
    }
}

fn table_ref<'a>(r: &dyn Rules, schema: &'a Schema, name: &str) -> Result<&'a Table, ProjectError> {
    schema
        .tables
        .get(&r.key(name))
        .ok_or_else(|| E::NoSuchTable(name.to_string()))
}

/// The table `name`, which the caller has checked exists.
fn table_mut<'a>(r: &dyn Rules, schema: &'a mut Schema, name: &str) -> &'a mut Table {
    schema
        .tables
        .get_mut(&r.key(name))
        .expect("the caller checked that the table exists")
}

fn object<'a, T>(
    r: &dyn Rules,
    map: &'a std::collections::BTreeMap<String, T>,
    kind: &'static str,
    name: &str,
) -> Result<&'a T, ProjectError> {
    map.get(&r.key(name)).ok_or_else(|| E::NoSuchObject {
        kind,
        name: name.to_string(),
    })
}

fn column_index(r: &dyn Rules, t: &Table, column: &str) -> Result<usize, ProjectError> {
    t.column_position(r, column).ok_or_else(|| E::NoSuchColumn {
        table: t.name.clone(),
        column: column.to_string(),
    })
}

fn columns_exist(r: &dyn Rules, t: &Table, columns: &[String]) -> Result<(), ProjectError> {
    if columns.is_empty() {
        return Err(E::Invalid(format!(
            "a constraint on {} names no columns",
            t.name
        )));
    }
    columns
        .iter()
        .try_for_each(|c| column_index(r, t, c).map(drop))
}

/// Tables, views, indexes and definitions share one namespace.
fn free_name(r: &dyn Rules, schema: &Schema, name: &str) -> Result<(), ProjectError> {
    check_name(r, name)?;
    let k = r.key(name);
    let kind = if schema.tables.contains_key(&k) {
        "table"
    } else if schema.views.contains_key(&k) {
        "view"
    } else if schema.indexes.contains_key(&k) {
        "index"
    } else if let Some(d) = schema.definitions.get(&k) {
        d.kind.describe()
    } else {
        return Ok(());
    };
    Err(E::AlreadyExists {
        kind,
        name: name.to_string(),
    })
}

/// A name any object may have: not empty, not reserved by the dialect.
fn check_name(r: &dyn Rules, name: &str) -> Result<(), ProjectError> {
    if name.is_empty() {
        return Err(E::Invalid("a name cannot be empty".into()));
    }
    match r.reserved(name) {
        Some(why) => Err(E::Invalid(why)),
        None => Ok(()),
    }
}

fn relation_exists(r: &dyn Rules, schema: &Schema, name: &str) -> Result<(), ProjectError> {
    let k = r.key(name);
    if schema.tables.contains_key(&k)
        || schema.views.contains_key(&k)
        || schema
            .definitions
            .get(&k)
            .is_some_and(|d| d.kind.is_relation())
    {
        Ok(())
    } else {
        Err(E::NoSuchObject {
            kind: "table or view",
            name: name.to_string(),
        })
    }
}

/// A table, view or definition named `name`, which a definition names.
fn named_exists(r: &dyn Rules, schema: &Schema, name: &str) -> Result<(), ProjectError> {
    if schema.definitions.contains_key(&r.key(name)) {
        return Ok(());
    }
    relation_exists(r, schema, name).map_err(|_| E::NoSuchObject {
        kind: "table, view or definition",
        name: name.to_string(),
    })
}

/// Views, triggers and definitions that read the relation `name` (or
/// fire on it, or name it).
fn refuse_dependents(
    r: &dyn Rules,
    schema: &Schema,
    name: &str,
    what: impl Fn() -> String,
) -> Result<(), ProjectError> {
    let uses = |deps: &[String]| deps.iter().any(|d| r.same_name(d, name));
    if let Some(v) = schema
        .views
        .values()
        .find(|v| !r.same_name(&v.name, name) && uses(&v.depends_on))
    {
        return Err(in_use(what(), format!("view {}", v.name)));
    }
    if let Some(t) = schema
        .triggers
        .values()
        .find(|t| r.same_name(&t.table, name) || uses(&t.depends_on))
    {
        return Err(in_use(what(), format!("trigger {}", t.name)));
    }
    if let Some(d) = schema
        .definitions
        .values()
        .find(|d| !r.same_name(&d.name, name) && uses(&d.depends_on))
    {
        return Err(in_use(what(), describe_definition(d)));
    }
    Ok(())
}

fn free_constraint_name(r: &dyn Rules, t: &Table, name: Option<&str>) -> Result<(), ProjectError> {
    let Some(name) = name else { return Ok(()) };
    let taken = t
        .primary_key
        .as_ref()
        .and_then(|p| p.name.as_deref())
        .into_iter()
        .chain(t.uniques.iter().filter_map(|u| u.name.as_deref()))
        .chain(t.checks.iter().filter_map(|c| c.name.as_deref()))
        .chain(t.foreign_keys.iter().filter_map(|f| f.name.as_deref()))
        .any(|n| r.same_name(n, name));
    if taken {
        return Err(E::AlreadyExists {
            kind: "constraint",
            name: format!("{name} on {}", t.name),
        });
    }
    Ok(())
}

/// Put `item` at `position` of its table's list of constraints.
fn insert_constraint<T: Clone>(
    list: &mut Vec<T>,
    position: u32,
    item: &T,
    describe: impl Fn() -> String,
) -> Result<(), ProjectError> {
    let at = position as usize;
    if at > list.len() {
        return Err(E::Invalid(format!(
            "cannot add {} at position {position}: the table has {} such constraints",
            describe(),
            list.len()
        )));
    }
    list.insert(at, item.clone());
    Ok(())
}

/// Remove `wanted` from `position` of its table's list of constraints,
/// where it must be.
fn remove_constraint<T: PartialEq>(
    list: &mut Vec<T>,
    position: u32,
    wanted: &T,
    describe: impl Fn() -> String,
) -> Result<(), ProjectError> {
    let at = position as usize;
    match list.get(at) {
        Some(c) if c == wanted => {
            list.remove(at);
            Ok(())
        }
        _ if list.contains(wanted) => Err(mismatch(describe(), "its position differs")),
        _ => Err(E::NoSuchObject {
            kind: "constraint",
            name: describe(),
        }),
    }
}

fn check_column(t: &Table, c: &Column) -> Result<(), ProjectError> {
    if c.name.is_empty() {
        return Err(E::Invalid(format!(
            "a column of {} has an empty name",
            t.name
        )));
    }
    Ok(())
}

/// What the dialect demands of the table `t` will be once changed, and
/// options kept as the model keeps them: sorted, each once.
fn check_options(r: &dyn Rules, t: &Table) -> Result<(), ProjectError> {
    if !t.options.windows(2).all(|w| w[0] < w[1]) {
        return Err(E::Invalid(format!(
            "table {}: its options {:?} are not sorted and each once",
            t.name, t.options
        )));
    }
    r.check_table(t).map_err(E::Invalid)
}

/// Checks a whole table definition, which may refer to itself.
fn check_table(r: &dyn Rules, schema: &Schema, t: &Table, refs: Refs) -> Result<(), ProjectError> {
    if t.columns.is_empty() {
        return Err(E::Invalid(format!("table {} has no columns", t.name)));
    }
    for (i, c) in t.columns.iter().enumerate() {
        check_column(t, c)?;
        if t.columns[..i].iter().any(|o| r.same_name(&o.name, &c.name)) {
            return Err(E::AlreadyExists {
                kind: "column",
                name: format!("{}.{}", t.name, c.name),
            });
        }
    }
    let mut names: Vec<String> = Vec::new();
    let mut claim = |n: Option<&str>| -> Result<(), ProjectError> {
        if let Some(n) = n {
            if names.iter().any(|o| r.same_name(o, n)) {
                return Err(E::AlreadyExists {
                    kind: "constraint",
                    name: format!("{n} on {}", t.name),
                });
            }
            names.push(n.to_string());
        }
        Ok(())
    };
    if let Some(pk) = &t.primary_key {
        claim(pk.name.as_deref())?;
        columns_exist(r, t, &pk.columns)?;
    }
    for u in &t.uniques {
        claim(u.name.as_deref())?;
        columns_exist(r, t, &u.columns)?;
    }
    for c in &t.checks {
        claim(c.name.as_deref())?;
    }
    for fk in &t.foreign_keys {
        claim(fk.name.as_deref())?;
        check_fk(r, schema, t, fk, refs)?;
    }
    check_options(r, t)
}

/// A foreign key's own columns; with `Refs::Check` (or when it names its
/// own table), its parent and the parent's columns too.
fn check_fk(
    r: &dyn Rules,
    schema: &Schema,
    t: &Table,
    fk: &ForeignKey,
    refs: Refs,
) -> Result<(), ProjectError> {
    columns_exist(r, t, &fk.columns)?;
    let parent = if r.same_name(&t.name, &fk.ref_table) {
        t
    } else if refs == Refs::Defer {
        return Ok(());
    } else {
        schema.tables.get(&r.key(&fk.ref_table)).ok_or_else(|| {
            E::Invalid(format!(
                "{} refers to {}, which is not a table",
                describe_fk(&t.name, fk),
                fk.ref_table
            ))
        })?
    };
    let parent_columns: Vec<String> = if fk.ref_columns.is_empty() {
        match &parent.primary_key {
            Some(pk) => pk.columns.clone(),
            None => {
                return Err(E::Invalid(format!(
                    "{} names no parent columns and {} has no primary key",
                    describe_fk(&t.name, fk),
                    parent.name
                )))
            }
        }
    } else {
        fk.ref_columns.clone()
    };
    for c in &parent_columns {
        column_index(r, parent, c)?;
    }
    if parent_columns.len() != fk.columns.len() {
        return Err(E::Invalid(format!(
            "{} has {} columns but refers to {}",
            describe_fk(&t.name, fk),
            fk.columns.len(),
            parent_columns.len()
        )));
    }
    Ok(())
}

/// What still uses column `column` of table `t`, if anything: a
/// constraint first, then a generated column, an index, a view or a
/// trigger.
fn column_user(r: &dyn Rules, schema: &Schema, t: &Table, column: &str) -> Option<String> {
    constraint_user(r, schema, t, column).or_else(|| text_user(r, schema, t, column))
}

/// The constraint that still uses column `column` of table `t`: its
/// primary key, a UNIQUE or CHECK constraint, a foreign key of its own or
/// one of another table that refers to the column.
fn constraint_user(r: &dyn Rules, schema: &Schema, t: &Table, column: &str) -> Option<String> {
    let named = |cols: &[String]| cols.iter().any(|c| r.same_name(c, column));
    if t.primary_key.as_ref().is_some_and(|pk| named(&pk.columns)) {
        return Some(format!("the primary key of {}", t.name));
    }
    if let Some(u) = t.uniques.iter().find(|u| named(&u.columns)) {
        return Some(match &u.name {
            Some(n) => format!("unique constraint {n}"),
            None => format!("unique constraint ({})", u.columns.join(", ")),
        });
    }
    if let Some(c) = t.checks.iter().find(|c| r.mentions_column(&c.expr, column)) {
        return Some(match &c.name {
            Some(n) => format!("check constraint {n}"),
            None => format!("check ({})", c.expr),
        });
    }
    if let Some(fk) = t.foreign_keys.iter().find(|fk| named(&fk.columns)) {
        return Some(describe_fk(&t.name, fk));
    }
    for other in schema.tables.values() {
        for fk in &other.foreign_keys {
            if r.same_name(&fk.ref_table, &t.name) && named(&fk.ref_columns) {
                return Some(describe_fk(&other.name, fk));
            }
        }
    }
    None
}

/// The generated column, index, view or trigger whose SQL text still uses
/// column `column` of table `t`.
fn text_user(r: &dyn Rules, schema: &Schema, t: &Table, column: &str) -> Option<String> {
    if let Some(g) = t.columns.iter().find(|c| {
        !r.same_name(&c.name, column)
            && c.generated
                .as_ref()
                .is_some_and(|g| r.mentions_column(&g.expr, column))
    }) {
        return Some(format!("generated column {}.{}", t.name, g.name));
    }
    for i in schema
        .indexes
        .values()
        .filter(|i| r.same_name(&i.table, &t.name))
    {
        let uses = i.columns.iter().any(|c| match &c.term {
            IndexTerm::Column(n) => r.same_name(n, column),
            IndexTerm::Expr(e) => r.mentions_column(e, column),
        }) || i
            .predicate
            .as_deref()
            .is_some_and(|p| r.mentions_column(p, column))
            || i.include.iter().any(|n| r.same_name(n, column));
        if uses {
            return Some(format!("index {}", i.name));
        }
    }
    let reads = |deps: &[String]| deps.iter().any(|d| r.same_name(d, &t.name));
    let body_mentions = |sql: &str| r.mentions_column(&sql[r.body_start(sql)..], column);
    if let Some(v) = schema
        .views
        .values()
        .find(|v| reads(&v.depends_on) && body_mentions(&v.sql))
    {
        return Some(format!("view {}", v.name));
    }
    if let Some(tr) = schema.triggers.values().find(|tr| {
        (r.same_name(&tr.table, &t.name) || reads(&tr.depends_on)) && body_mentions(&tr.sql)
    }) {
        return Some(format!("trigger {}", tr.name));
    }
    if let Some(d) = schema
        .definitions
        .values()
        .find(|d| reads(&d.depends_on) && r.mentions_column(&d.sql, column))
    {
        return Some(describe_definition(d));
    }
    None
}

/// A column rename is carried into view and trigger text lexically, which is
/// exact only when nothing else the text reads or names could be taken for
/// the column under its old or its new name: another relation with a column
/// of either name (or a view, whose columns are not known here), a relation
/// named like the column, or the new name already in the text. Otherwise
/// refuse, rather than guess; the same checks keep the rename's inverse
/// exact.
fn refuse_ambiguous_rename(
    r: &dyn Rules,
    schema: &Schema,
    table: &str,
    column: &str,
    to: &str,
) -> Result<(), ProjectError> {
    let check = |kind: &str, name: &str, sql: &str, reads: Vec<&str>| {
        let body = &sql[r.body_start(sql)..];
        if !r.mentions_column(body, column) {
            return Ok(());
        }
        let refuse = |why: String| {
            E::Invalid(format!(
                "cannot carry the rename of {table}.{column} into {kind} {name}: {why}; drop {kind} {name} before the rename and create it again after, in the same change"
            ))
        };
        for read in reads {
            if r.same_name(read, column) || r.same_name(read, to) {
                return Err(refuse(format!(
                    "it reads {read}, whose name a column reference could be taken for"
                )));
            }
            if r.same_name(read, table) {
                continue;
            }
            if schema.views.contains_key(&r.key(read)) {
                return Err(refuse(format!(
                    "it also reads {read}, which may have a column {column}"
                )));
            }
            if let Some(o) = schema.table(r, read) {
                if let Some(c) = [column, to].into_iter().find(|c| o.column(r, c).is_some()) {
                    return Err(refuse(format!(
                        "it also reads {read}, which may have a column {c}"
                    )));
                }
            }
        }
        if !r.same_name(column, to) && r.mentions_column(body, to) {
            return Err(refuse(format!("it already names {to}")));
        }
        Ok(())
    };
    let reads = |deps: &[String]| deps.iter().any(|d| r.same_name(d, table));
    for v in schema.views.values().filter(|v| reads(&v.depends_on)) {
        let relations = v.depends_on.iter().map(String::as_str).collect();
        check("view", &v.name, &v.sql, relations)?;
    }
    for tr in schema.triggers.values() {
        if r.same_name(&tr.table, table) || reads(&tr.depends_on) {
            let mut relations: Vec<&str> = vec![&tr.table];
            relations.extend(tr.depends_on.iter().map(String::as_str));
            check("trigger", &tr.name, &tr.sql, relations)?;
        }
    }
    for d in schema.definitions.values().filter(|d| reads(&d.depends_on)) {
        let kind = d.kind.describe();
        if d.kind.is_relation() {
            let relations = d.depends_on.iter().map(String::as_str).collect();
            check(kind, &d.name, &d.sql, relations)?;
        } else if r.mentions_column(&d.sql, column) {
            return Err(kept_whole(kind, &d.name, &format!("{table}.{column}")));
        }
    }
    Ok(())
}

/// A rename is not carried into a definition other than a materialized
/// view's: its text is the dialect's own (a routine's body, a comment's
/// target).
fn kept_whole(kind: &str, name: &str, renamed: &str) -> ProjectError {
    E::Invalid(format!(
        "cannot carry the rename of {renamed} into {kind} {name}, which is kept whole; drop {kind} {name} before the rename and create it again after, in the same change"
    ))
}

/// A table rename is carried into view and trigger text lexically too, so
/// it is refused where a column named like the table under its old or new
/// name could be taken for it, or where the text already names the new
/// name.
fn refuse_ambiguous_table_rename(
    r: &dyn Rules,
    schema: &Schema,
    from: &str,
    to: &str,
) -> Result<(), ProjectError> {
    let check = |kind: &str, name: &str, sql: &str, reads: Vec<&str>| {
        let refuse = |why: String| {
            E::Invalid(format!(
                "cannot carry the rename of table {from} to {to} into {kind} {name}: {why}; drop {kind} {name} before the rename and create it again after, in the same change"
            ))
        };
        for read in reads {
            if let Some(o) = schema.table(r, read) {
                if let Some(c) = [from, to].into_iter().find(|c| o.column(r, c).is_some()) {
                    return Err(refuse(format!(
                        "{} has a column {c}, which a table reference could be taken for",
                        o.name
                    )));
                }
            }
        }
        if r.mentions(&sql[r.body_start(sql)..], to) {
            return Err(refuse(format!("it already names {to}")));
        }
        Ok(())
    };
    let reads = |deps: &[String]| deps.iter().any(|d| r.same_name(d, from));
    for v in schema.views.values().filter(|v| reads(&v.depends_on)) {
        let relations = v.depends_on.iter().map(String::as_str).collect();
        check("view", &v.name, &v.sql, relations)?;
    }
    for tr in schema.triggers.values() {
        if r.same_name(&tr.table, from) || reads(&tr.depends_on) {
            let mut relations: Vec<&str> = vec![&tr.table];
            relations.extend(tr.depends_on.iter().map(String::as_str));
            check("trigger", &tr.name, &tr.sql, relations)?;
        }
    }
    for d in schema.definitions.values().filter(|d| reads(&d.depends_on)) {
        let kind = d.kind.describe();
        if !d.kind.is_relation() {
            return Err(kept_whole(kind, &d.name, &format!("table {from}")));
        }
        let relations = d.depends_on.iter().map(String::as_str).collect();
        check(kind, &d.name, &d.sql, relations)?;
    }
    Ok(())
}

fn rename_in(r: &dyn Rules, list: &mut [String], from: &str, to: &str) {
    for n in list.iter_mut().filter(|n| r.same_name(n, from)) {
        *n = to.to_string();
    }
}

/// Renames table `from` to `to`, and the table's name in foreign keys,
/// indexes, and the SQL text and dependencies of views and triggers.
fn rename_table_everywhere(r: &dyn Rules, schema: &mut Schema, from: &str, to: &str) {
    if let Some(mut t) = schema.tables.remove(&r.key(from)) {
        t.name = to.to_string();
        schema.tables.insert(r.key(to), t);
    }
    for t in schema.tables.values_mut() {
        for fk in t
            .foreign_keys
            .iter_mut()
            .filter(|fk| r.same_name(&fk.ref_table, from))
        {
            fk.ref_table = to.to_string();
        }
    }
    for i in schema
        .indexes
        .values_mut()
        .filter(|i| r.same_name(&i.table, from))
    {
        i.table = to.to_string();
    }
    for v in schema.views.values_mut() {
        if v.depends_on.iter().any(|d| r.same_name(d, from)) {
            v.sql = r.in_body(&v.sql, &|b| r.rename_table(b, from, to));
            rename_in(r, &mut v.depends_on, from, to);
        }
    }
    let triggers = std::mem::take(&mut schema.triggers);
    for (key, mut tr) in triggers {
        let fires_on = r.same_name(&tr.table, from);
        if !fires_on && !tr.depends_on.iter().any(|d| r.same_name(d, from)) {
            schema.triggers.insert(key, tr);
            continue;
        }
        tr.sql = r.in_body(&tr.sql, &|b| r.rename_table(b, from, to));
        rename_in(r, &mut tr.depends_on, from, to);
        if fires_on {
            tr.table = to.to_string();
        }
        schema
            .triggers
            .insert(r.trigger_key(&tr.table, &tr.name), tr);
    }
    for d in schema.definitions.values_mut() {
        if d.depends_on.iter().any(|n| r.same_name(n, from)) {
            d.sql = r.in_body(&d.sql, &|b| r.rename_table(b, from, to));
            rename_in(r, &mut d.depends_on, from, to);
        }
    }
}

/// Renames column `from` of `table` to `to`, and the column's name in the
/// table's constraints and generated columns, in other tables' foreign
/// keys, and in the SQL text of indexes, views and triggers.
fn rename_column_everywhere(r: &dyn Rules, schema: &mut Schema, table: &str, from: &str, to: &str) {
    let rewrite = |sql: &str| r.rename_column(sql, from, to);
    let t = table_mut(r, schema, table);
    let table_name = t.name.clone();
    for c in t.columns.iter_mut() {
        if r.same_name(&c.name, from) {
            c.name = to.to_string();
        }
        if let Some(g) = c.generated.as_mut() {
            g.expr = rewrite(&g.expr);
        }
    }
    if let Some(pk) = t.primary_key.as_mut() {
        rename_in(r, &mut pk.columns, from, to);
    }
    for u in t.uniques.iter_mut() {
        rename_in(r, &mut u.columns, from, to);
    }
    for c in t.checks.iter_mut() {
        c.expr = rewrite(&c.expr);
    }
    for fk in t.foreign_keys.iter_mut() {
        rename_in(r, &mut fk.columns, from, to);
    }
    for other in schema.tables.values_mut() {
        for fk in other
            .foreign_keys
            .iter_mut()
            .filter(|fk| r.same_name(&fk.ref_table, &table_name))
        {
            rename_in(r, &mut fk.ref_columns, from, to);
        }
    }
    for i in schema
        .indexes
        .values_mut()
        .filter(|i| r.same_name(&i.table, &table_name))
    {
        for c in i.columns.iter_mut() {
            match &mut c.term {
                IndexTerm::Column(n) if r.same_name(n, from) => *n = to.to_string(),
                IndexTerm::Expr(e) => *e = rewrite(e),
                IndexTerm::Column(_) => {}
            }
        }
        if let Some(p) = i.predicate.as_mut() {
            *p = rewrite(p);
        }
        rename_in(r, &mut i.include, from, to);
    }
    let reads = |deps: &[String]| deps.iter().any(|d| r.same_name(d, &table_name));
    for v in schema.views.values_mut().filter(|v| reads(&v.depends_on)) {
        v.sql = r.in_body(&v.sql, &rewrite);
    }
    for tr in schema
        .triggers
        .values_mut()
        .filter(|tr| r.same_name(&tr.table, &table_name) || reads(&tr.depends_on))
    {
        tr.sql = r.in_body(&tr.sql, &rewrite);
    }
    for d in schema
        .definitions
        .values_mut()
        .filter(|d| d.kind.is_relation() && reads(&d.depends_on))
    {
        d.sql = r.in_body(&d.sql, &rewrite);
    }
}
