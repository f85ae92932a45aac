//! Partitioned tables and partitions, kept as table options (see
//! `strata_dialect::postgres`): a partitioned table has `partition by
//! <key>`, a partition `partition of <parent> <bound>` and its parent's
//! columns. What this module writes: CREATE TABLE for either, ATTACH and
//! DETACH PARTITION, and which ops PostgreSQL carries out by itself.
//!
//! - A partition's columns are its parent's: an op on the columns of a
//!   partition follows the same op on its parent's (the reader records
//!   both), and PostgreSQL carries the parent's to its partitions, so only
//!   the parent's is written ([`carried`]).
//! - What PostgreSQL gives a partition from its parent (the parent's
//!   indexes, primary key and uniques as attached indexes, its foreign
//!   keys and triggers as clones, its checks inherited) is not in the
//!   partition's model (`crate::introspect` leaves it out): the model
//!   keeps it on the parent. DETACH PARTITION would leave it on the table
//!   as its own; the plan drops it with the detach ([`detach`]), so a
//!   detached table holds what the model says, its own objects only.
//! - ATTACH PARTITION gives the table what the parent has; PostgreSQL
//!   adopts an index of the table that matches one of the parent's, which
//!   then is the parent's: the apply's check refuses a model that still
//!   holds it as the table's.

use strata_dialect::postgres::{parent_of, partition_by, partition_of};
use strata_schema::{ForeignKey, Op, Schema, Table};

use crate::render::{self, ident, literal};

/// The statements that create `t`: `CREATE TABLE ... PARTITION BY` for a
/// partitioned table, `CREATE TABLE ... PARTITION OF ... <bound>` and its
/// own constraints (`fks` says which foreign keys to write) for a
/// partition, [`render::create_table`] otherwise.
pub fn create_table(t: &Table, fks: &dyn Fn(&ForeignKey) -> bool) -> Vec<String> {
    let of = t.options.iter().find_map(|o| partition_of(o));
    let by = t.options.iter().find_map(|o| partition_by(o));
    let Some((parent, bound)) = of else {
        let mut out = render::create_table(t, fks);
        if let (Some(key), Some(first)) = (by, out.first_mut()) {
            first.push_str(&format!(" PARTITION BY {key}"));
        }
        return out;
    };
    let name = ident(&t.name);
    let mut out = vec![format!(
        "CREATE TABLE {name} PARTITION OF {} {bound}",
        ident(&parent)
    )];
    if let Some(pk) = &t.primary_key {
        out.push(format!(
            "ALTER TABLE {name} ADD {}",
            render::primary_key(pk)
        ));
    }
    for u in &t.uniques {
        out.push(format!("ALTER TABLE {name} ADD {}", render::unique(u)));
    }
    for c in &t.checks {
        out.push(format!("ALTER TABLE {name} ADD {}", render::check(c)));
    }
    for f in t.foreign_keys.iter().filter(|f| fks(f)) {
        out.push(format!("ALTER TABLE {name} ADD {}", render::foreign_key(f)));
    }
    out
}

/// The statements that create `t` in `schema` (as the ops so far leave
/// it): a partition whose parent is not there yet (a desired schema's ops
/// come in the order of their names) is made a plain table, and attached
/// when its parent is made; a partitioned table attaches such tables.
pub fn create_in(schema: &Schema, t: &Table) -> Vec<String> {
    let parent = parent_of(t);
    if parent
        .as_ref()
        .is_some_and(|p| !schema.tables.contains_key(p))
    {
        let plain = Table {
            options: Vec::new(),
            ..t.clone()
        };
        return render::create_table(&plain, &|_| true);
    }
    let mut out = create_table(t, &|_| true);
    for waiting in schema.tables.values() {
        if parent_of(waiting).as_deref() == Some(t.name.as_str()) {
            if let Some(attach) = alter_options(&waiting.name, &[], &waiting.options) {
                out.extend(attach);
            }
        }
    }
    out
}

/// Before partitioned table `name` is dropped: its partitions still in
/// `schema` (a desired schema's ops drop tables in the order of their
/// names) are detached, to be dropped, each with its rows archived, by
/// ops of their own.
pub fn detach_before_drop(schema: &Schema, name: &str) -> Vec<String> {
    schema
        .tables
        .values()
        .filter(|t| parent_of(t).as_deref() == Some(name))
        .map(|t| detach(&t.name, name))
        .collect()
}

/// Whether `op`, on the schema as it stands before it, is one PostgreSQL
/// carries out by itself: an op on the columns of a partition, which
/// follows the same op on its parent.
pub fn carried(schema: &Schema, op: &Op) -> bool {
    let table = match op {
        Op::AddColumn { table, .. }
        | Op::DropColumn { table, .. }
        | Op::RenameColumn { table, .. }
        | Op::AlterColumn { table, .. } => table,
        _ => return false,
    };
    schema
        .tables
        .get(table)
        .is_some_and(|t| parent_of(t).is_some())
}

/// The statements that change a table's options from `from` to `to`:
/// DETACH PARTITION from the old parent, ATTACH PARTITION to the new.
/// `None` when the change is not one of those.
pub fn alter_options(table: &str, from: &[String], to: &[String]) -> Option<Vec<String>> {
    let old = from.iter().find_map(|o| partition_of(o));
    let new = to.iter().find_map(|o| partition_of(o));
    let others = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter(|o| partition_of(o).is_none())
            .cloned()
            .collect()
    };
    if others(from) != others(to) {
        return None;
    }
    let mut out = Vec::new();
    if let Some((parent, _)) = &old {
        out.push(detach(table, parent));
    }
    if let Some((parent, bound)) = &new {
        out.push(format!(
            "ALTER TABLE {} ATTACH PARTITION {} {bound}",
            ident(parent),
            ident(table)
        ));
    }
    Some(out)
}

/// DETACH PARTITION, then drop what the table held from its parent (its
/// attached indexes, cloned foreign keys, inherited checks), which the
/// detach leaves on it as its own.
fn detach(table: &str, parent: &str) -> String {
    let rel = literal(&ident(table));
    format!(
        "DO $strata$\n\
         DECLARE n text; cons text[]; idx text[];\n\
         BEGIN\n\
         SELECT coalesce(array_agg(conname::text ORDER BY contype <> 'f', conname), '{{}}') INTO cons \
         FROM pg_constraint WHERE conrelid = {rel}::regclass AND (conparentid <> 0 OR NOT conislocal);\n\
         SELECT coalesce(array_agg(c.relname::text ORDER BY c.relname), '{{}}') INTO idx \
         FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid \
         WHERE x.indrelid = {rel}::regclass AND c.relispartition \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid AND k.conrelid = x.indrelid);\n\
         ALTER TABLE {} DETACH PARTITION {};\n\
         FOREACH n IN ARRAY cons LOOP EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', {rel}, n); END LOOP;\n\
         FOREACH n IN ARRAY idx LOOP EXECUTE format('DROP INDEX %I', n); END LOOP;\n\
         END $strata$",
        ident(parent),
        ident(table),
    )
}

/// The tables of `schema` in an order that creates them: every
/// partitioned table before its partitions.
pub fn in_order(schema: &Schema) -> Vec<&Table> {
    let mut out: Vec<&Table> = schema
        .tables
        .values()
        .filter(|t| parent_of(t).is_none())
        .collect();
    out.extend(schema.tables.values().filter(|t| parent_of(t).is_some()));
    out
}
