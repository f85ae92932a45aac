//! Partitioned tables and partitions in a script: `CREATE TABLE ...
//! PARTITION BY`, `CREATE TABLE ... PARTITION OF parent {FOR VALUES ... |
//! DEFAULT}`, `ALTER TABLE [ONLY] parent ATTACH PARTITION p ...` and
//! `DETACH PARTITION p`, and what they demand of the other statements (a
//! partition's columns are its parent's; see `crate::partition`).

use sqlparser::tokenizer::Token;
use strata_dialect::postgres::{
    is_partitioned, parent_of, partition_of_option, PARTITION_BY, RULES,
};
use strata_schema::{Column, Op, Table};

use super::cursor::Cursor;
use super::{refuse, relation_exists, Fault, Recorder};

/// The partitions of `table` in the schema as it stands, by name.
pub(super) fn partitions(rec: &Recorder, table: &str) -> Vec<String> {
    rec.schema
        .tables
        .values()
        .filter(|t| parent_of(t).as_deref() == Some(table))
        .map(|t| t.name.clone())
        .collect()
}

/// The rest of `CREATE TABLE t PARTITION BY`: the key, as written.
pub(super) fn key(c: &mut Cursor) -> Result<String, Fault> {
    let from = c.index();
    let mut depth = 0usize;
    while !c.at_end() {
        match &c.peek().token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if depth == 0
                && ["WITH", "TABLESPACE", "USING", "ON"]
                    .iter()
                    .any(|w| c.peek_is(w)) =>
            {
                let clause = c.token_text(c.peek()).to_uppercase();
                return refuse(format!(
                    "CREATE TABLE ... {clause} is not recorded: strata's model keeps plain and partitioned tables (no INHERITS, WITH, USING, TABLESPACE or ON COMMIT)"
                ));
            }
            _ => {}
        }
        c.advance();
    }
    let key = c.text_since(from).trim().to_string();
    if key.is_empty() {
        return Err(c.expected("RANGE, LIST or HASH (...)"));
    }
    Ok(format!("{PARTITION_BY}{key}"))
}

/// The bound of a partition, as written: `FOR VALUES ...` or `DEFAULT`, to
/// the end of the statement.
fn bound(c: &mut Cursor) -> Result<String, Fault> {
    if !(c.peek_is("FOR") || c.peek_is("DEFAULT")) {
        return Err(c.expected("FOR VALUES or DEFAULT"));
    }
    let from = c.index();
    while !c.at_end() {
        if c.peek_is("PARTITION") {
            return refuse("a partition that is partitioned itself (sub-partitioning) is not recorded: strata's model keeps one level of partitions");
        }
        if c.peek_is("WITH") || c.peek_is("TABLESPACE") || c.peek_is("USING") {
            let clause = c.token_text(c.peek()).to_uppercase();
            return refuse(format!(
                "CREATE TABLE ... PARTITION OF ... {clause} is not recorded: strata's model keeps the bound only"
            ));
        }
        c.advance();
    }
    Ok(c.text_since(from).trim().to_string())
}

/// The parent a partition may be made of or attached to: a partitioned
/// table that is not a partition itself.
fn parent<'r>(rec: &'r Recorder, name: &str) -> Result<&'r Table, Fault> {
    let t = rec.table(name)?;
    if !is_partitioned(t) {
        return refuse(format!(
            "{name} is not partitioned: create it with PARTITION BY to give it partitions"
        ));
    }
    Ok(t)
}

/// `CREATE TABLE name PARTITION OF parent {FOR VALUES ... | DEFAULT}`, the
/// words `PARTITION OF` read: the table has its parent's columns as they
/// stand (with their defaults, as PostgreSQL copies them).
pub(super) fn create_partition(
    c: &mut Cursor,
    rec: &mut Recorder,
    name: String,
    if_not_exists: bool,
) -> Result<(), Fault> {
    let parent_name = c.object_name()?;
    if c.peek().token == Token::LParen {
        return refuse("constraints in CREATE TABLE ... PARTITION OF (...) are not recorded: add them with ALTER TABLE after");
    }
    let bound = bound(c)?;
    if if_not_exists && relation_exists(&rec.schema, &name) {
        return Ok(());
    }
    let parent = parent(rec, &parent_name)?;
    let table = Table {
        name,
        columns: parent.columns.clone(),
        options: vec![partition_of_option(&parent.name, &bound)],
        ..Table::default()
    };
    rec.push(Op::CreateTable { table })
}

/// `ATTACH PARTITION p {FOR VALUES ... | DEFAULT}` or `DETACH PARTITION
/// p` of `ALTER TABLE [ONLY] table`: the partition's options change.
pub(super) fn attach_or_detach(
    c: &mut Cursor,
    rec: &mut Recorder,
    table: &str,
) -> Result<(), Fault> {
    let attach = c.eat("ATTACH");
    if !attach {
        c.expect("DETACH")?;
    }
    c.expect("PARTITION")?;
    let name = c.object_name()?;
    parent(rec, table)?;
    let from = rec.table(&name)?.options.clone();
    let to = if attach {
        let bound = bound(c)?;
        if parent_of(rec.table(&name)?).is_some() {
            return refuse(format!("{name} is a partition already: detach it first"));
        }
        if is_partitioned(rec.table(&name)?) {
            return refuse(format!("{name} is partitioned itself (sub-partitioning), which strata's model does not keep"));
        }
        let mut theirs = shape(rec.table(&name)?);
        let mut ours = shape(rec.table(table)?);
        theirs.sort();
        ours.sort();
        if theirs != ours {
            return refuse(format!(
                "{name} cannot be a partition of {table}: its columns (names and types) must be {table}'s"
            ));
        }
        vec![partition_of_option(table, &bound)]
    } else {
        if c.peek_is("CONCURRENTLY") || c.peek_is("FINALIZE") {
            return refuse("DETACH PARTITION CONCURRENTLY / FINALIZE cannot run inside a transaction, and strata applies each change in one; remove it");
        }
        c.expect_end()?;
        if parent_of(rec.table(&name)?).as_deref() != Some(table) {
            return refuse(format!("{name} is not a partition of {table}"));
        }
        Vec::new()
    };
    rec.push(Op::AlterTableOptions {
        table: name,
        from,
        to,
    })
}

fn shape(t: &Table) -> Vec<(String, String)> {
    t.columns
        .iter()
        .map(|c| (c.name.clone(), c.ty.clone()))
        .collect()
}

/// The columns of a partition are its parent's: they change with the
/// parent's, never by themselves.
pub(super) fn may_alter_columns(rec: &Recorder, table: &str) -> Result<(), Fault> {
    match parent_of(rec.table(table)?) {
        Some(parent) => refuse(format!(
            "the columns of partition {table} are its parent's: alter {parent}'s, which PostgreSQL carries to its partitions"
        )),
        None => Ok(()),
    }
}

/// A partitioned table's partitions name it: renaming it is not recorded.
pub(super) fn may_rename(rec: &Recorder, table: &str) -> Result<(), Fault> {
    if is_partitioned(rec.table(table)?) {
        return refuse(format!(
            "renaming the partitioned table {table} is not recorded yet: its partitions name it"
        ));
    }
    Ok(())
}

/// A column of the partition key is read by the key's text: it keeps its
/// name and stays.
fn in_key(rec: &Recorder, table: &str, column: &str) -> Result<bool, Fault> {
    Ok(rec
        .table(table)?
        .options
        .iter()
        .any(|o| is_partitioned_by(o) && RULES.mentions_column(o, column)))
}

fn is_partitioned_by(option: &str) -> bool {
    strata_dialect::postgres::partition_by(option).is_some()
}

pub(super) fn may_rename_column(rec: &Recorder, table: &str, column: &str) -> Result<(), Fault> {
    if in_key(rec, table, column)? {
        return refuse(format!(
            "column {column} is in the partition key of {table}: renaming it is not recorded"
        ));
    }
    Ok(())
}

pub(super) fn may_drop_column(rec: &Recorder, table: &str, column: &str) -> Result<(), Fault> {
    if in_key(rec, table, column)? {
        return refuse(format!(
            "column {column} is in the partition key of {table}, which PostgreSQL cannot drop"
        ));
    }
    Ok(())
}

/// A partition's column `was` after the change its parent's column makes
/// from `from` to `to`: the parts that change, changed alike.
pub(super) fn same_change(was: &Column, from: &Column, to: &Column) -> Column {
    let mut now = was.clone();
    if from.ty != to.ty || from.collation != to.collation {
        now.ty = to.ty.clone();
        now.collation = to.collation.clone();
    }
    if from.not_null != to.not_null {
        now.not_null = to.not_null;
    }
    if from.default != to.default {
        now.default = to.default.clone();
    }
    now
}
