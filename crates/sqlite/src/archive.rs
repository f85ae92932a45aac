//! Housekeeping of the archive that `apply` fills before it drops data:
//! what is kept (for which event, how many rows and bytes), and its
//! explicit removal. Nothing here runs unless a user asks for it.

use rusqlite::{Connection, TransactionBehavior};
use strata_dialect::sqlite::text::quote_ident;

use crate::apply::{classify, ApplyError};
use crate::custody::{catalog_upgrade, Custody, Lineage};
use crate::plan::ARCHIVE_CATALOG;

pub use strata_target::Kept;

/// Everything the archive keeps (purged entries aside), oldest first;
/// empty when strata never archived anything in this database. `legacy`
/// gives the lineage of an archive an earlier version made (see
/// [`Custody::load`]).
pub fn list(
    conn: &Connection,
    legacy: &dyn Fn(u64, u32, bool) -> Lineage,
) -> Result<Vec<Kept>, ApplyError> {
    kept(conn, &Custody::load(conn, legacy)?)
}

/// What `custody` (read from `conn`) keeps, purged entries aside.
fn kept(conn: &Connection, custody: &Custody) -> Result<Vec<Kept>, ApplyError> {
    let path = crate::apply::name_of(conn);
    let mut out = Vec::new();
    for h in custody.held.iter().filter(|h| h.purged_at.is_none()) {
        let (seq, op, created_at, bytes): (i64, i64, String, i64) = conn
            .query_row(
                &format!(
                    "SELECT c.\"seq\", c.\"op\", c.\"created_at\", \
                     (SELECT coalesce(sum(\"pgsize\"), 0) FROM \"dbstat\" WHERE \"name\" = c.\"archive_table\") \
                     FROM {} AS c WHERE c.\"id\" = ?1",
                    quote_ident(ARCHIVE_CATALOG)
                ),
                [h.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(|e| classify(e, &path))?;
        out.push(Kept {
            id: h.id,
            seq: seq.max(0) as u64,
            op: u32::try_from(op.max(0)).unwrap_or(u32::MAX),
            kind: h.kind.as_str().to_string(),
            table: h.table.clone(),
            column: h.column.clone(),
            archive_table: h.archive_table.clone(),
            lineage: h.lineage,
            rows: h.rows,
            bytes: bytes.max(0) as u64,
            created_at,
        });
    }
    Ok(out)
}

/// Remove, in one transaction, the data of every archive made by the events
/// up to point `upto`; returns what was removed. Each catalog row stays,
/// marked purged, so that a later move that would bring the data back
/// knows it is gone.
pub fn purge(
    conn: &mut Connection,
    upto: u64,
    legacy: &dyn Fn(u64, u32, bool) -> Lineage,
) -> Result<Vec<Kept>, ApplyError> {
    let path = crate::apply::name_of(conn);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(e, &path))?;
    let custody = Custody::load(&tx, legacy)?;
    let gone: Vec<Kept> = kept(&tx, &custody)?
        .into_iter()
        .filter(|k| k.seq <= upto)
        .collect();
    for sql in catalog_upgrade(&custody) {
        tx.execute_batch(&sql).map_err(|e| classify(e, &path))?;
    }
    for k in &gone {
        tx.execute_batch(&format!(
            "DROP TABLE IF EXISTS {}",
            quote_ident(&k.archive_table)
        ))
        .map_err(|e| classify(e, &path))?;
        tx.execute(
            &format!(
                "UPDATE {} SET \"purged_at\" = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), \
                 \"lineage_seq\" = ?2, \"lineage_op\" = ?3, \"lineage_forward\" = ?4 WHERE \"id\" = ?1",
                quote_ident(ARCHIVE_CATALOG)
            ),
            rusqlite::params![
                k.id,
                k.lineage.seq as i64,
                k.lineage.op,
                i32::from(k.lineage.forward)
            ],
        )
        .map_err(|e| classify(e, &path))?;
    }
    tx.commit().map_err(|e| classify(e, &path))?;
    Ok(gone)
}
