//! Housekeeping of the archive that `apply` fills before it drops data:
//! what is kept (for which event, how many rows and bytes), and its
//! explicit removal. Nothing here runs unless a user asks for it.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use strata_schema::sql_text::quote_ident;

use crate::apply::{classify, ApplyError};
use crate::plan::ARCHIVE_CATALOG;

/// One archived thing, as the catalog lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// The event whose op archived it.
    pub seq: u64,
    /// The op's index in the event, from 0.
    pub op: u32,
    /// `table`, `column` or `values`.
    pub kind: String,
    pub table: String,
    pub column: Option<String>,
    pub archive_table: String,
    pub rows: u64,
    /// The archive table's size on disk (its pages, as SQLite's dbstat counts
    /// them).
    pub bytes: u64,
    pub created_at: String,
}

/// Everything the archive keeps, oldest event first; empty when strata
/// never archived anything in this database.
pub fn list(conn: &Connection) -> Result<Vec<Kept>, ApplyError> {
    let path = conn.path().unwrap_or("the database").to_string();
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [ARCHIVE_CATALOG],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| classify(e, &path))?;
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.\"seq\", c.\"op\", c.\"kind\", c.\"table_name\", c.\"column_name\", \
         c.\"archive_table\", c.\"row_count\", c.\"created_at\", \
         (SELECT coalesce(sum(\"pgsize\"), 0) FROM \"dbstat\" WHERE \"name\" = c.\"archive_table\") \
         FROM {} AS c ORDER BY c.\"seq\", c.\"op\", c.\"id\"",
        quote_ident(ARCHIVE_CATALOG)
    );
    let mut stmt = conn.prepare(&sql).map_err(|e| classify(e, &path))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Kept {
                seq: r.get::<_, i64>(0)?.max(0) as u64,
                op: r.get::<_, i64>(1)?.max(0) as u32,
                kind: r.get(2)?,
                table: r.get(3)?,
                column: r.get(4)?,
                archive_table: r.get(5)?,
                rows: r.get::<_, i64>(6)?.max(0) as u64,
                created_at: r.get(7)?,
                bytes: r.get::<_, i64>(8)?.max(0) as u64,
            })
        })
        .map_err(|e| classify(e, &path))?;
    rows.collect::<Result<_, _>>()
        .map_err(|e| classify(e, &path))
}

/// Remove, in one transaction, every archive entry made by an event before
/// `before` (its data table and its catalog row); returns what was removed.
pub fn purge(conn: &mut Connection, before: u64) -> Result<Vec<Kept>, ApplyError> {
    let path = conn.path().unwrap_or("the database").to_string();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(e, &path))?;
    let gone: Vec<Kept> = list(&tx)?
        .into_iter()
        .filter(|k| k.seq < before)
        .collect();
    for k in &gone {
        tx.execute_batch(&format!(
            "DROP TABLE IF EXISTS {}",
            quote_ident(&k.archive_table)
        ))
        .map_err(|e| classify(e, &path))?;
        tx.execute(
            &format!(
                "DELETE FROM {} WHERE \"archive_table\" = ?1",
                quote_ident(ARCHIVE_CATALOG)
            ),
            [&k.archive_table],
        )
        .map_err(|e| classify(e, &path))?;
    }
    tx.commit().map_err(|e| classify(e, &path))?;
    Ok(gone)
}
