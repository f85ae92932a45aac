//! A live SQLite database read back into the schema model: what `status`
//! and `apply` compare with the ledger to find drift, and what `apply`
//! checks its own work against.
//!
//! Much of a schema is only in the CREATE text SQLite keeps in
//! `sqlite_schema` (CHECK constraints, constraint names, DEFERRABLE,
//! AUTOINCREMENT, column collations, the text of every expression), so each
//! object is read from that text with the parser `record` uses
//! ([`crate::ddl`]), which keeps expressions exactly as written. SQLite
//! rewrites that text itself on ALTER TABLE (ADD COLUMN appends the column
//! as it was written, RENAME rewrites names in place), and the rewritten
//! text is read the same way.
//!
//! What SQLite also reports through its pragmas (columns with their types,
//! NOT NULL, defaults and generated kind, primary key columns, foreign keys,
//! the indexes behind UNIQUE constraints, index terms, WITHOUT ROWID and
//! STRICT) is then checked against what the text gave: should the two ever
//! disagree, introspection fails naming the object, rather than report a
//! schema SQLite does not have.
//!
//! strata's own objects (names starting `_strata_`, in any case) and
//! SQLite's internal ones (`sqlite_*`, and the automatic indexes of UNIQUE
//! and PRIMARY KEY constraints, which have no SQL) are left out.
//!
//! Limits: the model keeps view and trigger statements as text, and SQLite
//! stores that text with its leading keywords upper-cased (`create view` is
//! kept as `CREATE VIEW`), so such text reads back equal only up to
//! [`strata_dialect::sqlite::text::normalize`]; what `render` writes (and what
//! the model's generators produce) is already in that form. A foreign key
//! may name a table that does not exist, or form a cycle: both are read as
//! they are, since SQLite allows them; so the schema read is not always one
//! that projection would have built.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension};
use strata_dialect::sqlite::text::normalize;
use strata_dialect::sqlite::RULES;
use strata_dialect::sqlite::{key, same_name};
use strata_dialect::sqlite::{STRICT, WITHOUT_ROWID};
use strata_schema::{FkAction, Index, IndexTerm, Op, Schema, Table};
use thiserror::Error;

use crate::ddl::{parse_create, DdlError};

/// Why a database's schema could not be read.
#[derive(Debug, Error)]
pub enum IntrospectError {
    /// SQLite itself failed (not a database, locked, unreadable).
    #[error("cannot read the database schema: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The stored CREATE text of an object is not something strata reads.
    #[error("cannot read {kind} {name} from its stored sql: {source}")]
    Parse {
        kind: &'static str,
        name: String,
        #[source]
        source: Box<DdlError>,
    },
    /// An object strata's model has no place for.
    #[error("{kind} {name} is not supported: {reason}")]
    Unsupported {
        kind: &'static str,
        name: String,
        reason: String,
    },
    /// The stored text and SQLite's own report of an object disagree.
    #[error("{kind} {name}: its stored sql and SQLite's pragmas disagree: {detail}")]
    Disagrees {
        kind: &'static str,
        name: String,
        detail: String,
    },
}

/// One row of `sqlite_schema` that has SQL.
struct Entry {
    kind: &'static str,
    name: String,
    table: String,
    sql: String,
}

/// Names strata and SQLite keep for themselves.
pub(crate) fn is_internal(name: &str) -> bool {
    is_internal_bytes(name.as_bytes())
}

/// [`is_internal`], on a name's bytes as SQLite keeps them.
pub(crate) fn is_internal_bytes(name: &[u8]) -> bool {
    let starts = |prefix: &[u8]| {
        name.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    starts(b"_strata_") || starts(b"sqlite_")
}

/// The schema of the database file at `path`, opened read-only: nothing
/// about the file changes.
pub fn read_file(path: &std::path::Path) -> Result<Schema, IntrospectError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    introspect(&conn)
}

/// The schema of the `main` database of `conn`, without strata's own and
/// SQLite's internal objects.
pub fn introspect(conn: &Connection) -> Result<Schema, IntrospectError> {
    // Tests stop here to tell that a command read no schema at all.
    crate::failpoint::failpoint(format_args!("introspect"));
    let entries = entries(conn)?;
    let flags = table_flags(conn)?;
    let mut schema = Schema::default();
    // Tables first, as an index or trigger is resolved against its table;
    // then views, which triggers may fire on. Foreign keys are not resolved,
    // so tables need no order among themselves.
    for kind in ["table", "index", "view", "trigger"] {
        for entry in entries.iter().filter(|e| e.kind == kind) {
            read(conn, &flags, &mut schema, entry)?;
        }
    }
    Ok(schema)
}

fn entries(conn: &Connection) -> Result<Vec<Entry>, IntrospectError> {
    let mut query = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM main.sqlite_schema \
         WHERE sql IS NOT NULL ORDER BY rowid",
    )?;
    let rows = query.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, name, table, sql) = row?;
        if is_internal(&name) || is_internal(&table) {
            continue;
        }
        let kind = match kind.as_str() {
            "table" => "table",
            "index" => "index",
            "view" => "view",
            "trigger" => "trigger",
            _ => {
                return Err(IntrospectError::Unsupported {
                    kind: "object",
                    name,
                    reason: format!("sqlite_schema lists it as a {kind:?}"),
                })
            }
        };
        out.push(Entry {
            kind,
            name,
            table,
            sql,
        });
    }
    Ok(out)
}

/// What `pragma_table_list` reports of each table of `main`, by its name
/// as stored: WITHOUT ROWID and STRICT.
type TableFlags = HashMap<String, (bool, bool)>;

/// Every table's [`TableFlags`], read in one pass: the pragma lists every
/// table whatever it is asked, so asking it once per table would cost the
/// square of the number of tables.
fn table_flags(conn: &Connection) -> Result<TableFlags, IntrospectError> {
    let mut query =
        conn.prepare("SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main'")?;
    let rows = query.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Read one object into `schema`.
fn read(
    conn: &Connection,
    flags: &TableFlags,
    schema: &mut Schema,
    entry: &Entry,
) -> Result<(), IntrospectError> {
    let (kind, name) = (entry.kind, entry.name.clone());
    if kind == "table" && starts_virtual(&entry.sql) {
        return Err(IntrospectError::Unsupported {
            kind,
            name,
            reason: "virtual tables are not part of strata's model".into(),
        });
    }
    let op = parse_create(&entry.sql, schema).map_err(|source| IntrospectError::Parse {
        kind,
        name: name.clone(),
        source: Box::new(source),
    })?;
    let disagrees = |detail: String| IntrospectError::Disagrees {
        kind,
        name: name.clone(),
        detail,
    };
    let read_name = match &op {
        Op::CreateTable { table } if kind == "table" => &table.name,
        Op::CreateIndex { index } if kind == "index" => &index.name,
        Op::CreateView { view } if kind == "view" => &view.name,
        Op::CreateTrigger { trigger } if kind == "trigger" => &trigger.name,
        _ => return Err(disagrees(format!("the sql does not create a {kind}"))),
    };
    if *read_name != entry.name {
        return Err(disagrees(format!("the sql names it {read_name:?}")));
    }
    match op {
        Op::CreateTable { table } => {
            check_table(conn, flags, &table).map_err(|e| e.into_error(kind, &name))?;
            schema.tables.insert(key(&table.name), table);
        }
        Op::CreateIndex { index } => {
            if !same_name(&index.table, &entry.table) {
                return Err(disagrees(format!(
                    "the sql puts it on {}, SQLite on {}",
                    index.table, entry.table
                )));
            }
            check_index(conn, &index).map_err(|e| e.into_error(kind, &name))?;
            schema.indexes.insert(key(&index.name), index);
        }
        Op::CreateView { view } => {
            schema.views.insert(key(&view.name), view);
        }
        Op::CreateTrigger { trigger } => {
            if !same_name(&trigger.table, &entry.table) {
                return Err(disagrees(format!(
                    "the sql puts it on {}, SQLite on {}",
                    trigger.table, entry.table
                )));
            }
            schema.triggers.insert(key(&trigger.name), trigger);
        }
        _ => {}
    }
    Ok(())
}

fn starts_virtual(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    words == ["CREATE", "VIRTUAL"]
}

/// A failed cross-check: SQLite failed, or it reports something else.
enum Check {
    Sqlite(rusqlite::Error),
    Differs(String),
}

impl From<rusqlite::Error> for Check {
    fn from(e: rusqlite::Error) -> Check {
        Check::Sqlite(e)
    }
}

impl Check {
    fn into_error(self, kind: &'static str, name: &str) -> IntrospectError {
        match self {
            Check::Sqlite(e) => IntrospectError::Sqlite(e),
            Check::Differs(detail) => IntrospectError::Disagrees {
                kind,
                name: name.to_string(),
                detail,
            },
        }
    }
}

fn differs<T>(detail: String) -> Result<T, Check> {
    Err(Check::Differs(detail))
}

fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    a.map(normalize) == b.map(normalize)
}

/// One row of `pragma_table_xinfo`.
struct ReportedColumn {
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    pk: i64,
    hidden: i64,
}

fn check_table(conn: &Connection, flags: &TableFlags, t: &Table) -> Result<(), Check> {
    let (without_rowid, strict) = *flags
        .get(&t.name)
        .ok_or_else(|| Check::Differs("SQLite lists no such table".into()))?;
    if without_rowid != t.has_option(WITHOUT_ROWID) {
        return differs(format!("WITHOUT ROWID is {without_rowid} in SQLite"));
    }
    if strict != t.has_option(STRICT) {
        return differs(format!("STRICT is {strict} in SQLite"));
    }
    check_columns(conn, t)?;
    check_unique_indexes(conn, t)?;
    check_foreign_keys(conn, t)
}

fn check_columns(conn: &Connection, t: &Table) -> Result<(), Check> {
    let mut query = conn.prepare(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden \
         FROM pragma_table_xinfo(?1, 'main') ORDER BY cid",
    )?;
    let reported = query
        .query_map([&t.name], |r| {
            Ok(ReportedColumn {
                name: r.get(0)?,
                ty: r.get(1)?,
                not_null: r.get(2)?,
                default: r.get(3)?,
                pk: r.get(4)?,
                hidden: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if reported.len() != t.columns.len() {
        return differs(format!(
            "{} columns in the sql, {} in SQLite",
            t.columns.len(),
            reported.len()
        ));
    }
    let mut pk: Vec<(i64, &str)> = Vec::new();
    for (c, r) in t.columns.iter().zip(&reported) {
        if c.name != r.name {
            return differs(format!("column {} is {} in SQLite", c.name, r.name));
        }
        let column = |what: &str| format!("column {}: {what}", c.name);
        if !same_type(&c.ty, &r.ty, c.generated.is_some()) {
            return differs(column(&format!("type {:?}, SQLite says {:?}", c.ty, r.ty)));
        }
        // The key columns of a WITHOUT ROWID or STRICT table are NOT NULL
        // whether declared so or not, and SQLite reports them so.
        let implied = (t.has_option(WITHOUT_ROWID) || t.has_option(STRICT)) && r.pk > 0;
        if c.not_null != r.not_null && !(implied && r.not_null) {
            return differs(column(&format!("NOT NULL is {} in SQLite", r.not_null)));
        }
        if !same_text(c.default.as_deref(), r.default.as_deref()) {
            return differs(column(&format!(
                "default {:?}, SQLite says {:?}",
                c.default, r.default
            )));
        }
        let generated = match r.hidden {
            0 => None,
            2 => Some(false),
            3 => Some(true),
            _ => return differs(column("SQLite reports a hidden column")),
        };
        if c.generated.as_ref().map(|g| g.stored) != generated {
            return differs(column("generated differently in SQLite"));
        }
        if r.pk > 0 {
            pk.push((r.pk, &r.name));
        }
    }
    pk.sort();
    let reported_pk: Vec<&str> = pk.into_iter().map(|(_, n)| n).collect();
    let read_pk: Vec<&str> = t
        .primary_key
        .iter()
        .flat_map(|pk| pk.columns.iter().map(String::as_str))
        .collect();
    if !same_names(&read_pk, &reported_pk) {
        return differs(format!(
            "primary key ({}), SQLite says ({})",
            read_pk.join(", "),
            reported_pk.join(", ")
        ));
    }
    Ok(())
}

/// SQLite reports a declared type as written, except that it spells the
/// types STRICT knows (`INT`, `TEXT`, ...) in upper case, and for a
/// generated column may report no type at all.
fn same_type(read: &str, reported: &str, generated: bool) -> bool {
    read.eq_ignore_ascii_case(reported) || (generated && reported.is_empty())
}

fn same_names<S: AsRef<str>, T: AsRef<str>>(a: &[S], b: &[T]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| same_name(x.as_ref(), y.as_ref()))
}

fn lower_all(names: &[String]) -> Vec<String> {
    names.iter().map(|n| key(n)).collect()
}

/// The indexes SQLite made for the table's UNIQUE and PRIMARY KEY
/// constraints are exactly the distinct column lists of its uniques and
/// (unless it is the rowid) its primary key.
fn check_unique_indexes(conn: &Connection, t: &Table) -> Result<(), Check> {
    let mut query =
        conn.prepare("SELECT name FROM pragma_index_list(?1, 'main') WHERE origin IN ('u', 'pk')")?;
    let names = query
        .query_map([&t.name], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut reported = BTreeSet::new();
    for index in names {
        let columns = index_columns(conn, &index)?;
        reported.insert(columns.iter().map(|n| key(n)).collect::<Vec<_>>());
    }
    let mut read: BTreeSet<Vec<String>> = t.uniques.iter().map(|u| lower_all(&u.columns)).collect();
    if let Some(pk) = &t.primary_key {
        let rowid = !t.has_option(WITHOUT_ROWID)
            && pk.columns.len() == 1
            && t.column(RULES, &pk.columns[0])
                .is_some_and(|c| c.ty.eq_ignore_ascii_case("INTEGER"));
        if !rowid {
            read.insert(lower_all(&pk.columns));
        }
    }
    if read != reported {
        return differs(format!(
            "unique keys {read:?}, SQLite has indexes on {reported:?}"
        ));
    }
    Ok(())
}

fn index_columns(conn: &Connection, index: &str) -> Result<Vec<String>, Check> {
    let mut query =
        conn.prepare("SELECT name FROM pragma_index_info(?1, 'main') ORDER BY seqno")?;
    let columns = query
        .query_map([index], |r| r.get::<_, Option<String>>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(columns.into_iter().map(Option::unwrap_or_default).collect())
}

/// A foreign key as compared: columns, parent, parent columns (empty when
/// implicit) folded to lower case, and the actions.
type FkShape = (Vec<String>, String, Vec<String>, FkAction, FkAction);

fn check_foreign_keys(conn: &Connection, t: &Table) -> Result<(), Check> {
    let mut query = conn.prepare(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
         FROM pragma_foreign_key_list(?1, 'main') ORDER BY id, seq",
    )?;
    let rows = query
        .query_map([&t.name], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut reported: Vec<FkShape> = Vec::new();
    let mut last_id = None;
    for (id, parent, from, to, on_update, on_delete) in rows {
        if last_id != Some(id) {
            last_id = Some(id);
            reported.push((
                Vec::new(),
                key(&parent),
                Vec::new(),
                action(&on_delete)?,
                action(&on_update)?,
            ));
        }
        if let Some(fk) = reported.last_mut() {
            fk.0.push(key(&from));
            if let Some(to) = to {
                fk.2.push(key(&to));
            }
        }
    }
    let mut read: Vec<FkShape> = t
        .foreign_keys
        .iter()
        .map(|fk| {
            (
                lower_all(&fk.columns),
                key(&fk.ref_table),
                lower_all(&fk.ref_columns),
                fk.on_delete,
                fk.on_update,
            )
        })
        .collect();
    reported.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    read.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    if read != reported {
        return differs(format!("foreign keys {read:?}, SQLite says {reported:?}"));
    }
    Ok(())
}

fn action(text: &str) -> Result<FkAction, Check> {
    Ok(match text.to_ascii_uppercase().as_str() {
        "NO ACTION" => FkAction::NoAction,
        "RESTRICT" => FkAction::Restrict,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        "CASCADE" => FkAction::Cascade,
        _ => return differs(format!("SQLite reports a foreign key action {text:?}")),
    })
}

/// The index's key terms, uniqueness and partiality as SQLite reports them
/// agree with what its text gave.
fn check_index(conn: &Connection, index: &Index) -> Result<(), Check> {
    let (unique, partial): (bool, bool) = conn
        .query_row(
            "SELECT \"unique\", partial FROM pragma_index_list(?1, 'main') WHERE name = ?2",
            [&index.table, &index.name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| Check::Differs(format!("SQLite lists no such index on {}", index.table)))?;
    if unique != index.unique {
        return differs(format!("UNIQUE is {unique} in SQLite"));
    }
    if partial != index.predicate.is_some() {
        return differs(format!("partial is {partial} in SQLite"));
    }
    let mut query = conn.prepare(
        "SELECT cid, name, \"desc\", coll FROM pragma_index_xinfo(?1, 'main') \
         WHERE key ORDER BY seqno",
    )?;
    let terms = query
        .query_map([&index.name], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if terms.len() != index.columns.len() {
        return differs(format!(
            "{} terms in the sql, {} in SQLite",
            index.columns.len(),
            terms.len()
        ));
    }
    for (i, (term, (cid, name, desc, coll))) in index.columns.iter().zip(terms).enumerate() {
        let at = |what: String| format!("term {}: {what}", i + 1);
        match &term.term {
            IndexTerm::Expr(_) if cid != -2 => {
                return differs(at("an expression in the sql, a column in SQLite".into()))
            }
            IndexTerm::Column(_) if cid == -2 => {
                return differs(at("a column in the sql, an expression in SQLite".into()))
            }
            IndexTerm::Column(c) if name.as_deref().is_some_and(|n| !same_name(n, c)) => {
                return differs(at(format!("column {c}, SQLite says {name:?}")))
            }
            _ => {}
        }
        if desc != term.desc {
            return differs(at(format!("DESC is {desc} in SQLite")));
        }
        if let Some(c) = &term.collation {
            if !coll.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(c)) {
                return differs(at(format!("collation {c}, SQLite says {coll:?}")));
            }
        }
    }
    Ok(())
}
