//! Custody of archived data: which archive holds what, and which op may
//! take it back.
//!
//! Every op a plan runs has a [`Lineage`]: the ledger op it carries out and
//! in which direction. A revert's op carries out its origin backwards (and a
//! revert of a revert, forwards again), so however a database moves, going
//! forwards over an op, reverting it, undoing the revert or walking back
//! with `apply --to`, the same logical change has the same lineage. An
//! archive remembers the lineage of the op that made it; an op restores from
//! the newest archive whose lineage is its own inverse. Nothing else is
//! compared: no archive names, no event numbers of a route.
//!
//! Archive tables are named by the catalog row's id
//! (`_strata_archive_<id>`), so no two routes ever collide. Purging drops
//! the data and keeps the catalog row as a tombstone, so a later move that
//! would bring the data back knows it is gone and says so.

use rusqlite::{Connection, OptionalExtension};
use strata_dialect::sqlite::text::quote_ident;

use crate::apply::{classify, ApplyError};
use crate::plan::{ArchiveKind, ARCHIVE_CATALOG};

pub use strata_target::Lineage;

/// The archive column that holds a row's rowid.
pub const ROWID_COLUMN: &str = "_strata_rowid";
/// The archive column that holds a column's value after a type change (its
/// declared type is the new one, so SQLite converts it as the rebuild did):
/// the witness that the value has not changed since, and, for a key column
/// of a WITHOUT ROWID table, the key the row has now.
pub const AFTER_COLUMN: &str = "_strata_after";

/// One archive, as the catalog records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub id: i64,
    pub archive_table: String,
    /// The op whose run made it.
    pub lineage: Lineage,
    pub kind: ArchiveKind,
    /// The table and column as the op named them.
    pub table: String,
    pub column: Option<String>,
    /// The archive's columns that find a row again: [`ROWID_COLUMN`], or
    /// the primary key's columns (with [`AFTER_COLUMN`] standing for a key
    /// column whose type the op changed).
    pub key: Vec<String>,
    /// The archived values' columns (the table's columns for a table).
    pub values: Vec<String>,
    /// The other columns of each row as they were: a value goes back only
    /// to a row that still holds them.
    pub witness: Vec<String>,
    /// The column [`AFTER_COLUMN`] holds the converted value of.
    pub after: Option<String>,
    pub rows: u64,
    /// `None` while the data is there; when purged.
    pub purged_at: Option<String>,
}

/// The archives of one database at the moment a plan is made, and what the
/// plan does to them as it goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Custody {
    /// Oldest first.
    pub held: Vec<Held>,
    /// The id the next archive gets.
    pub next_id: i64,
    /// The catalog lacks the columns this version keeps (it was made by an
    /// earlier version); the apply adds them.
    pub catalog_outdated: bool,
    /// The catalog exists.
    pub catalog_exists: bool,
    /// The catalog's columns, when it exists.
    pub catalog_columns: Vec<String>,
    /// The log table exists without the `note` column (an earlier
    /// version's); the apply adds it.
    pub log_lacks_note: bool,
    /// The state table exists without the seal's column (an earlier
    /// version's); the apply adds it.
    pub state_lacks_seal: bool,
    /// The names of the tables whose name an archive could take, lowercase.
    pub taken: std::collections::BTreeSet<String>,
    /// A fingerprint of the catalog as read, checked again inside the
    /// apply's transaction.
    pub fingerprint: String,
}

/// The catalog columns an up-to-date catalog has beyond the first version's.
const NEW_CATALOG_COLUMNS: [(&str, &str); 8] = [
    ("undo", "INTEGER"),
    ("lineage_seq", "INTEGER"),
    ("lineage_op", "INTEGER"),
    ("lineage_forward", "INTEGER"),
    ("value_columns", "TEXT"),
    ("witness_columns", "TEXT"),
    ("after_column", "TEXT"),
    ("counter", "INTEGER"),
];
/// Set when an archive was purged: its data is gone, its row stays.
const PURGED_COLUMN: (&str, &str) = ("purged_at", "TEXT");

impl Custody {
    /// Reads the database's catalog. `legacy` gives the lineage of an
    /// archive an earlier version made (it kept only the event and op that
    /// made it, and whether that op ran as an undo).
    pub fn load(
        conn: &Connection,
        legacy: &dyn Fn(u64, u32, bool) -> Lineage,
    ) -> Result<Custody, ApplyError> {
        let path = crate::apply::name_of(conn);
        let fail = |e| classify(e, &path);
        let exists: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [ARCHIVE_CATALOG],
                |r| r.get(0),
            )
            .optional()
            .map_err(fail)?;
        let mut custody = Custody {
            next_id: 1,
            ..Custody::default()
        };
        let log_columns = column_names(conn, crate::plan::LOG_TABLE).map_err(fail)?;
        custody.log_lacks_note =
            !log_columns.is_empty() && !log_columns.iter().any(|c| c.eq_ignore_ascii_case("note"));
        let state_columns = column_names(conn, crate::plan::STATE_TABLE).map_err(fail)?;
        custody.state_lacks_seal = !state_columns.is_empty()
            && !state_columns
                .iter()
                .any(|c| c.eq_ignore_ascii_case(crate::plan::SEAL_COLUMN));
        custody.taken = conn
            .prepare("SELECT lower(name) FROM sqlite_schema WHERE lower(name) LIKE '\\_strata\\_archive\\_%' ESCAPE '\\'")
            .and_then(|mut st| {
                st.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<_, _>>()
            })
            .map_err(fail)?;
        if exists.is_none() {
            custody.fingerprint = fingerprint(conn)?;
            return Ok(custody);
        }
        custody.catalog_exists = true;
        let columns = column_names(conn, ARCHIVE_CATALOG).map_err(fail)?;
        let has = |c: &str| columns.iter().any(|x| x.eq_ignore_ascii_case(c));
        custody.catalog_columns = columns.clone();
        custody.catalog_outdated = NEW_CATALOG_COLUMNS
            .iter()
            .chain([&PURGED_COLUMN])
            .any(|(c, _)| !has(c));
        let opt = |c: &str| {
            if has(c) {
                format!("\"{c}\"")
            } else {
                "NULL".to_string()
            }
        };
        let sql = format!(
            "SELECT \"id\", \"seq\", \"op\", \"kind\", \"table_name\", \"column_name\", \"key_columns\", \
             \"archive_table\", \"row_count\", {}, {}, {}, {}, {}, {}, {}, {} FROM {} ORDER BY \"id\"",
            opt("undo"),
            opt("lineage_seq"),
            opt("lineage_op"),
            opt("lineage_forward"),
            opt("value_columns"),
            opt("witness_columns"),
            opt("after_column"),
            opt("purged_at"),
            quote_ident(ARCHIVE_CATALOG)
        );
        let mut st = conn.prepare(&sql).map_err(fail)?;
        let mut rows = st.query([]).map_err(fail)?;
        while let Some(r) = rows.next().map_err(fail)? {
            let id: i64 = r.get(0).map_err(fail)?;
            let seq = r.get::<_, i64>(1).map_err(fail)?.max(0) as u64;
            let op = u32::try_from(r.get::<_, i64>(2).map_err(fail)?.max(0)).unwrap_or(u32::MAX);
            let kind = match r.get::<_, String>(3).map_err(fail)?.as_str() {
                "table" => ArchiveKind::Table,
                "column" => ArchiveKind::Column,
                _ => ArchiveKind::Values,
            };
            let table: String = r.get(4).map_err(fail)?;
            let column: Option<String> = r.get(5).map_err(fail)?;
            let key = json_names(conn, &r.get::<_, String>(6).map_err(fail)?).map_err(fail)?;
            let archive_table: String = r.get(7).map_err(fail)?;
            let rows_n = r.get::<_, i64>(8).map_err(fail)?.max(0) as u64;
            let undo: Option<i64> = r.get(9).map_err(fail)?;
            let l_seq: Option<i64> = r.get(10).map_err(fail)?;
            let l_op: Option<i64> = r.get(11).map_err(fail)?;
            let l_fwd: Option<i64> = r.get(12).map_err(fail)?;
            let values: Option<String> = r.get(13).map_err(fail)?;
            let witness: Option<String> = r.get(14).map_err(fail)?;
            let after: Option<String> = r.get(15).map_err(fail)?;
            let purged_at: Option<String> = r.get(16).map_err(fail)?;
            let lineage = match (l_seq, l_op, l_fwd) {
                (Some(s), Some(o), Some(f)) => Lineage {
                    seq: s.max(0) as u64,
                    op: u32::try_from(o.max(0)).unwrap_or(u32::MAX),
                    forward: f != 0,
                },
                // An earlier version's archive: named `_..._undo` when an
                // undo made it.
                _ => legacy(
                    seq,
                    op,
                    undo.map_or(archive_table.ends_with("_undo"), |u| u != 0),
                ),
            };
            let values = match values {
                Some(v) => json_names(conn, &v).map_err(fail)?,
                // An earlier version kept a table's columns, or the one
                // column, under their own names beside the key.
                None => match &column {
                    Some(c) => vec![c.clone()],
                    None => Vec::new(),
                },
            };
            custody.next_id = custody.next_id.max(id + 1);
            custody.held.push(Held {
                id,
                archive_table,
                lineage,
                kind,
                table,
                column,
                key,
                values,
                witness: match witness {
                    Some(w) => json_names(conn, &w).map_err(fail)?,
                    None => Vec::new(),
                },
                after,
                rows: rows_n,
                purged_at,
            });
        }
        custody.fingerprint = fingerprint(conn)?;
        // An earlier version's whole-table archive kept no list of columns:
        // they are the archive table's own, less the key.
        for h in custody
            .held
            .iter_mut()
            .filter(|h| h.kind == ArchiveKind::Table && h.values.is_empty())
        {
            if h.purged_at.is_some() {
                continue;
            }
            let cols = column_names(conn, &h.archive_table).map_err(fail)?;
            h.values = cols
                .into_iter()
                .filter(|c| !h.key.iter().any(|k| k.eq_ignore_ascii_case(c)))
                .collect();
        }
        Ok(custody)
    }

    /// The newest archive an op with lineage `by` takes back: made by the
    /// inverse of `by`, of the kind `kind`.
    pub fn wanted(&self, by: Lineage, kind: ArchiveKind) -> Option<&Held> {
        let want = by.inverse();
        self.held
            .iter()
            .rev()
            .find(|h| h.lineage == want && h.kind == kind)
    }

    /// The name of the next archive table, and its id.
    pub fn allocate(&mut self) -> (i64, String) {
        loop {
            let id = self.next_id.max(1);
            self.next_id = id + 1;
            let name = format!("_strata_archive_{id}");
            if self.taken.insert(name.clone()) {
                return (id, name);
            }
        }
    }
}

/// What the catalog holds, in one string: compared before and inside an
/// apply's transaction, so a plan never runs on archives it did not see.
pub fn fingerprint(conn: &Connection) -> Result<String, ApplyError> {
    let path = crate::apply::name_of(conn);
    let fail = |e| classify(e, &path);
    let columns = column_names(conn, ARCHIVE_CATALOG).map_err(fail)?;
    if columns.is_empty() {
        return Ok("none".to_string());
    }
    let purged = if columns
        .iter()
        .any(|c| c.eq_ignore_ascii_case(PURGED_COLUMN.0))
    {
        "coalesce(\"purged_at\", '')"
    } else {
        "''"
    };
    conn.query_row(
        &format!(
            "SELECT count(*) || '/' || coalesce(group_concat(\"id\" || ':' || \"archive_table\" || ':' || \"row_count\" || ':' || {purged}, ';'), '') FROM (SELECT * FROM {} ORDER BY \"id\")",
            quote_ident(ARCHIVE_CATALOG)
        ),
        [],
        |r| r.get(0),
    )
    .map_err(fail)
}

/// The columns of `table`, in order; empty when there is no such table.
fn column_names(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT name FROM pragma_table_info(?1)")?;
    let names = st
        .query_map([table], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>();
    names
}

/// The statements that give an earlier version's catalog this version's
/// columns (none when it has them, or when there is no catalog yet).
pub(crate) fn catalog_upgrade(custody: &Custody) -> Vec<String> {
    if !custody.catalog_outdated {
        return Vec::new();
    }
    NEW_CATALOG_COLUMNS
        .iter()
        .chain([&PURGED_COLUMN])
        .filter(|(column, _)| {
            !custody
                .catalog_columns
                .iter()
                .any(|c| c.eq_ignore_ascii_case(column))
        })
        .map(|(column, ty)| {
            format!(
                "ALTER TABLE {} ADD COLUMN \"{column}\" {ty}",
                quote_ident(ARCHIVE_CATALOG)
            )
        })
        .collect()
}

/// The names of a JSON array of strings, as the catalog keeps column lists
/// (written with SQLite's `json_array`, read back with `json_each`).
fn json_names(conn: &Connection, text: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT value FROM json_each(?1) ORDER BY key")?;
    let names = st
        .query_map([text], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>();
    names
}
