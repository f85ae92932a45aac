//! Housekeeping of the archive that `apply` fills before it drops data:
//! what is kept (for which event, how many rows and bytes), and its
//! explicit removal. Nothing here runs unless a user asks for it.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use strata_schema::sql_text::quote_ident;
use strata_schema::{key, Op};

use crate::apply::{classify, ApplyError};
use crate::plan::{type_changes, ArchiveRef, Step, ARCHIVE_CATALOG};

/// One archived thing, as the catalog lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// The catalog row's id: later archives have larger ids.
    pub id: i64,
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
        "SELECT c.\"id\", c.\"seq\", c.\"op\", c.\"kind\", c.\"table_name\", c.\"column_name\", \
         c.\"archive_table\", c.\"row_count\", c.\"created_at\", \
         (SELECT coalesce(sum(\"pgsize\"), 0) FROM \"dbstat\" WHERE \"name\" = c.\"archive_table\") \
         FROM {} AS c ORDER BY c.\"seq\", c.\"op\", c.\"id\"",
        quote_ident(ARCHIVE_CATALOG)
    );
    let mut stmt = conn.prepare(&sql).map_err(|e| classify(e, &path))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Kept {
                id: r.get(0)?,
                seq: r.get::<_, i64>(1)?.max(0) as u64,
                op: r.get::<_, i64>(2)?.max(0) as u32,
                kind: r.get(3)?,
                table: r.get(4)?,
                column: r.get(5)?,
                archive_table: r.get(6)?,
                rows: r.get::<_, i64>(7)?.max(0) as u64,
                created_at: r.get(8)?,
                bytes: r.get::<_, i64>(9)?.max(0) as u64,
            })
        })
        .map_err(|e| classify(e, &path))?;
    rows.collect::<Result<_, _>>()
        .map_err(|e| classify(e, &path))
}

/// Remove, in one transaction, every archive entry made by the events up to
/// point `upto` (its data table and its catalog row); returns what was
/// removed.
pub fn purge(conn: &mut Connection, upto: u64) -> Result<Vec<Kept>, ApplyError> {
    let path = conn.path().unwrap_or("the database").to_string();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(e, &path))?;
    let gone: Vec<Kept> = list(&tx)?.into_iter().filter(|k| k.seq <= upto).collect();
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

/// What an archive holds, by the names in use when it was made: a table's
/// rows, or one column's values (dropped, or from before a type change).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Holds {
    kind: &'static str,
    table: String,
    column: Option<String>,
}

impl Holds {
    fn new(kind: &'static str, table: &str, column: Option<&str>) -> Holds {
        Holds {
            kind,
            table: key(table),
            column: column.map(key),
        }
    }

    /// What `op` archives when it runs.
    fn made_by(op: &Op) -> Option<Holds> {
        match op {
            Op::DropTable { table } => Some(Holds::new("table", &table.name, None)),
            Op::DropColumn { table, column, .. } if column.generated.is_none() => {
                Some(Holds::new("column", table, Some(&column.name)))
            }
            Op::AlterColumn { table, from, to } if type_changes(from, to) => {
                Some(Holds::new("values", table, Some(&from.name)))
            }
            _ => None,
        }
    }

    /// What `op` would put back, when it undoes an op that archived.
    fn wanted_by(op: &Op) -> Option<Holds> {
        match op {
            Op::CreateTable { table } => Some(Holds::new("table", &table.name, None)),
            Op::AddColumn { table, column, .. } if column.generated.is_none() => {
                Some(Holds::new("column", table, Some(&column.name)))
            }
            Op::AlterColumn { table, from, to } if type_changes(from, to) => {
                Some(Holds::new("values", table, Some(&to.name)))
            }
            _ => None,
        }
    }
}

/// Where the data of dropped things is, as a plan moves a database along:
/// the database's archives, then the ones each step makes and restores.
///
/// Data is always in the archive of the latest drop of it. The ledger says
/// which ops bring something back (a revert of a drop, an undo of a drop,
/// going forwards again over an event an undo archived); this says from
/// which archive, since after going back and forth that is not the archive
/// the original drop made.
#[derive(Debug, Clone, Default)]
pub struct Custody {
    /// Oldest first; with the index of the step that made each (`None` for
    /// archives already in the database).
    held: Vec<(Holds, ArchiveRef, Option<usize>)>,
}

impl Custody {
    /// The archives `kept` lists (from [`list`]), in the order they were made.
    pub fn new(kept: &[Kept]) -> Custody {
        let mut kept: Vec<&Kept> = kept.iter().collect();
        kept.sort_by_key(|k| k.id);
        let held = kept
            .into_iter()
            .filter_map(|k| {
                let kind = match k.kind.as_str() {
                    "table" => "table",
                    "column" => "column",
                    "values" => "values",
                    _ => return None,
                };
                let from = ArchiveRef {
                    seq: k.seq,
                    op: k.op,
                    undo: k.archive_table.ends_with("_undo"),
                };
                // Only archives named as strata names them can be restored
                // by name.
                (from.table() == k.archive_table)
                    .then(|| (Holds::new(kind, &k.table, k.column.as_deref()), from, None))
            })
            .collect();
        Custody { held }
    }

    /// Settle each step's restores against where the data is: an op the
    /// ledger says undoes a drop restores from the latest archive of what it
    /// brings back (or, when there is none, from the archive the drop made,
    /// which `apply` then reports missing); an op going forwards again over
    /// its event restores only from that event's own undo archive, when that
    /// is the latest.
    pub fn settle(&mut self, steps: &mut [Step]) {
        for (n, step) in steps.iter_mut().enumerate() {
            for (i, op) in step.ops.iter().enumerate() {
                let Some(Some(wanted_ref)) = step.restores.get(i).copied() else {
                    continue;
                };
                let latest = Holds::wanted_by(op).and_then(|want| {
                    self.held
                        .iter()
                        .rposition(|(h, _, made)| *h == want && *made != Some(n))
                });
                let chosen = match latest {
                    Some(at) if !wanted_ref.undo || self.held[at].1 == wanted_ref => {
                        Some(self.held.remove(at).1)
                    }
                    _ if wanted_ref.undo => None,
                    _ => Some(wanted_ref),
                };
                step.restores[i] = chosen;
            }
            for (i, op) in step.ops.iter().enumerate() {
                if let Some(h) = Holds::made_by(op) {
                    let from = ArchiveRef {
                        seq: step.seq,
                        op: u32::try_from(i).unwrap_or(u32::MAX),
                        undo: step.undo,
                    };
                    self.held.push((h, from, Some(n)));
                }
            }
        }
    }
}
