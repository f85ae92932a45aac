//! The hand-written table rebuild SQLite migrations use where ALTER TABLE
//! falls short: `CREATE TABLE new_t (...); INSERT INTO new_t [(cols)]
//! SELECT cols FROM t; DROP TABLE t; ALTER TABLE new_t RENAME TO t;`.
//!
//! Replayed as written, the copy would be a data step with no inverse and
//! the drop would lose what the copy leaves behind. Recognised, the four
//! statements are recorded as the change they make to `t`: the ops that
//! take `t` to the new definition (columns added, dropped, renamed or
//! altered, constraints changed), derived with [`strata_schema::derive`],
//! so the planner moves the rows, archives dropped columns, and the
//! event's revert brings the old table back with its rows. A copy that is
//! not the plain copy of columns (a filter, a join, an expression) is
//! refused with a message that says how to record it instead.

use sqlparser::ast::{
    Expr, GroupByExpr, SelectItem, SetExpr, Statement as SqlStatement, TableFactor, TableObject,
};
use strata_dialect::sqlite::{key, same_name, RULES};
use strata_schema::{derive, Op, Rename, Schema, Table};

use super::cursor::{object_name, Cursor};
use super::script::{Source, Statement};
use super::{statement_ops, Fault};

/// What a recognised rebuild records, and how many statements after the
/// CREATE TABLE it took up.
pub(super) struct Rebuild {
    pub ops: Vec<Op>,
    pub consumed: usize,
}

const HOW: &str = "strata records a table rebuild when the copy is `INSERT INTO new [(columns)] SELECT columns FROM old` with plain column names and nothing else; record the change of shape on its own (ALTER TABLE, or `strata record --desired`) and the change to the rows as an UPDATE or DELETE data step";

/// Whether `rest`, the statements after `CREATE TABLE created`, go on with
/// the copy, the drop of the old table and the rename of the new one; if
/// so, the ops they make together against `schema` (the schema before the
/// CREATE TABLE, as it is given back). `Err` carries the number of the
/// statement at fault.
pub(super) fn recognise(
    source: &Source,
    rest: &[Statement],
    schema: &mut Schema,
    created: &Table,
) -> Result<Option<Rebuild>, (usize, Fault)> {
    // The statements after it are read with the new table in the schema,
    // put there for the while and taken out again: a copy of the schema
    // for every CREATE TABLE of a script would cost the schema's size per
    // statement.
    let k = key(&created.name);
    let there = schema.tables.insert(k.clone(), created.clone());
    let next = next_three(source, rest, schema);
    match there {
        Some(t) => schema.tables.insert(k, t),
        None => schema.tables.remove(&k),
    };
    let Some((found, consumed)) = next else {
        return Ok(None);
    };
    recognised(source, schema, created, &found, consumed)
}

/// A statement of the script with the ops it makes.
type Found<'s, 'a> = (usize, &'s Statement<'a>, Vec<Op>);

/// The next three statements of `rest` that do something, with their ops
/// against `with_new` (BEGIN, COMMIT and the like record nothing and are
/// passed over), and how many statements that took; `None` when one does
/// not read.
fn next_three<'s, 'a>(
    source: &Source,
    rest: &'s [Statement<'a>],
    with_new: &Schema,
) -> Option<(Vec<Found<'s, 'a>>, usize)> {
    let mut found: Vec<Found> = Vec::new();
    let mut consumed = 0;
    for (i, s) in rest.iter().enumerate() {
        if found.len() == 3 {
            break;
        }
        let ops = statement_ops(source, s, with_new).ok()?;
        consumed = i + 1;
        if !ops.is_empty() {
            found.push((i, s, ops));
        }
    }
    Some((found, consumed))
}

/// The rebuild the statements `found` after `CREATE TABLE created` make,
/// if they are one.
fn recognised(
    source: &Source,
    schema: &Schema,
    created: &Table,
    found: &[Found],
    consumed: usize,
) -> Result<Option<Rebuild>, (usize, Fault)> {
    let [(_, copy, copy_ops), (_, _, drop_ops), (_, _, rename_ops)] = found else {
        return Ok(None);
    };
    let ([Op::Data { .. }], Some(Op::DropTable { table: old }), [Op::RenameTable { from, to }]) =
        (copy_ops.as_slice(), drop_ops.last(), rename_ops.as_slice())
    else {
        return Ok(None);
    };
    if !same_name(from, &created.name) || !same_name(to, &old.name) {
        return Ok(None);
    }
    let Some((into, pairs)) = copied(source, copy, old).map_err(|f| (copy.number, f))? else {
        return Ok(None);
    };
    if !same_name(&into, &created.name) {
        return Ok(None);
    }
    let refuse = |why: String| Err((copy.number, Fault::NotRecordable(format!("{why}; {HOW}"))));
    // Each new column filled from the old column of the same position.
    let targets: Vec<String> = if pairs.insert_columns.is_empty() {
        created.columns.iter().map(|c| c.name.clone()).collect()
    } else {
        pairs.insert_columns.clone()
    };
    let sources: Vec<String> = if pairs.star {
        old.columns.iter().map(|c| c.name.clone()).collect()
    } else {
        pairs.select_columns.clone()
    };
    if targets.len() != sources.len() {
        return refuse(format!(
            "the copy fills {} columns from {} values",
            targets.len(),
            sources.len()
        ));
    }
    let mut renames = Vec::new();
    for (i, (t, s)) in targets.iter().zip(&sources).enumerate() {
        let Some(new_col) = created.column(RULES, t) else {
            return refuse(format!("{} has no column named {t}", created.name));
        };
        let Some(old_col) = old.column(RULES, s) else {
            return refuse(format!("{} has no column named {s}", old.name));
        };
        if targets[..i].iter().any(|o| same_name(o, t))
            || sources[..i].iter().any(|o| same_name(o, s))
        {
            return refuse(format!("the copy names {t} or {s} twice"));
        }
        if !same_name(&new_col.name, &old_col.name) {
            renames.push(Rename::Column {
                table: old.name.clone(),
                from: old_col.name.clone(),
                to: new_col.name.clone(),
            });
        }
    }
    // Where the rebuild leaves the schema: the new definition under the old
    // name, and the old table's indexes and triggers gone with it (as
    // DROP TABLE drops them).
    let mut target = schema.clone();
    for op in &drop_ops[..drop_ops.len() - 1] {
        match op {
            Op::DropIndex { index } => {
                target.indexes.remove(&key(&index.name));
            }
            Op::DropTrigger { trigger } => {
                target.triggers.remove(&key(&trigger.name));
            }
            _ => return Ok(None),
        }
    }
    let mut table = created.clone();
    table.name = old.name.clone();
    for fk in table.foreign_keys.iter_mut() {
        if same_name(&fk.ref_table, &created.name) {
            fk.ref_table = old.name.clone();
        }
    }
    target.tables.insert(key(&old.name), table);
    let derived = derive(RULES, schema, &target, &renames).map_err(|e| {
        (
            copy.number,
            Fault::NotRecordable(format!(
                "this table rebuild of {} cannot be recorded as a change of the table: {e}",
                old.name
            )),
        )
    })?;
    Ok(Some(Rebuild {
        ops: derived.ops,
        consumed,
    }))
}

struct Pairs {
    insert_columns: Vec<String>,
    select_columns: Vec<String>,
    star: bool,
}

/// The table a copy statement fills and the columns it copies, when it is
/// `INSERT INTO t [(cols)] SELECT ... FROM old`; `None` when it is not an
/// INSERT ... SELECT from `old` at all (then it is no rebuild); a fault
/// when it is, but not a plain copy of columns.
fn copied(
    source: &Source,
    copy: &Statement,
    old: &Table,
) -> Result<Option<(String, Pairs)>, Fault> {
    let mut c = Cursor::new(source, copy);
    let SqlStatement::Insert(insert) = c.statement()? else {
        return Ok(None);
    };
    let TableObject::TableName(into) = &insert.table else {
        return Ok(None);
    };
    let into = object_name(into)?;
    let Some(query) = &insert.source else {
        return Ok(None);
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Ok(None);
    };
    let [from] = select.from.as_slice() else {
        return Ok(None);
    };
    let TableFactor::Table { name, .. } = &from.relation else {
        return Ok(None);
    };
    if !same_name(&object_name(name)?, &old.name) {
        return Ok(None);
    }
    let not_plain = |what: &str| {
        Err(Fault::NotRecordable(format!(
            "the copy from {} {what}, so it changes rows as well as the table's shape; {HOW}",
            old.name
        )))
    };
    if !from.joins.is_empty() {
        return not_plain("joins another table");
    }
    if select.selection.is_some() {
        return not_plain("has a WHERE clause");
    }
    if select.distinct.is_some()
        || select.having.is_some()
        || !matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty())
        || query.limit_clause.is_some()
        || query.with.is_some()
        || insert.or.is_some()
        || insert.on.is_some()
        || insert.returning.is_some()
    {
        return not_plain("groups, limits, or resolves conflicts");
    }
    let insert_columns = insert
        .columns
        .iter()
        .map(object_name)
        .collect::<Result<Vec<_>, _>>()?;
    let mut select_columns = Vec::new();
    let mut star = false;
    for item in &select.projection {
        match item {
            SelectItem::Wildcard(_) if select.projection.len() == 1 => star = true,
            SelectItem::UnnamedExpr(Expr::Identifier(i)) => select_columns.push(i.value.clone()),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts))
                if parts.len() == 2 && same_name(&parts[0].value, &old.name) =>
            {
                select_columns.push(parts[1].value.clone())
            }
            _ => return not_plain(&format!("selects {item}, which is not a column of it")),
        }
    }
    Ok(Some((
        into,
        Pairs {
            insert_columns,
            select_columns,
            star,
        },
    )))
}
