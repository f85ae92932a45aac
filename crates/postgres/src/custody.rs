//! Custody of archived data in a PostgreSQL database: the catalog
//! `strata.archives`, one row per archive table `strata.archive_<id>`,
//! each remembering the lineage of the op that made it (see
//! docs/ARCHITECTURE.md). Purging drops the data and keeps the row as a
//! tombstone, so a move that would bring the data back says it is gone.

use postgres::GenericClient;
use strata_target::{Kept, Lineage};

use crate::error::PgError;
use crate::plan::STRATA;

/// What an archive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Every row of a dropped table.
    Table,
    /// The values of a dropped column, with the key that finds each row.
    Column,
    /// A column's values before a type change, with the key that finds
    /// each row and (`strata after`) the value the change gave it.
    Values,
    /// A dropped sequence's state: its `last_value` and `is_called`.
    Sequence,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::Column => "column",
            Kind::Values => "values",
            Kind::Sequence => "sequence",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "table" => Some(Kind::Table),
            "column" => Some(Kind::Column),
            "values" => Some(Kind::Values),
            "sequence" => Some(Kind::Sequence),
            _ => None,
        }
    }
}

/// One archive, as the catalog records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub id: i64,
    pub archive_table: String,
    pub lineage: Lineage,
    pub kind: Kind,
    pub table: String,
    pub column: Option<String>,
    /// The columns that find a row again (a column's archive).
    pub key: Vec<String>,
    /// The archived values' columns.
    pub values: Vec<String>,
    pub rows: u64,
    pub purged_at: Option<String>,
}

/// The archives of a database when a plan is made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Custody {
    /// Oldest first.
    pub held: Vec<Held>,
    pub next_id: i64,
    /// What the catalog held, checked again inside the apply's transaction.
    pub fingerprint: String,
}

/// strata's tables in schema `strata`, made by the first apply.
pub fn bookkeeping() -> Vec<String> {
    let s = crate::render::ident(STRATA);
    vec![
        format!("CREATE SCHEMA IF NOT EXISTS {s}"),
        format!(
            "CREATE TABLE IF NOT EXISTS {s}.\"state\" (\"id\" integer PRIMARY KEY CHECK (\"id\" = 1), \
             \"ledger_id\" text NOT NULL, \"seq\" bigint NOT NULL, \"hash\" text NOT NULL, \
             \"ledger_schema\" text NOT NULL, \"server_schema\" text NOT NULL)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {s}.\"log\" (\"id\" bigserial PRIMARY KEY, \
             \"at\" timestamptz NOT NULL DEFAULT now(), \"who\" text NOT NULL, \"version\" text NOT NULL, \
             \"from_seq\" bigint, \"from_hash\" text, \"to_seq\" bigint NOT NULL, \"to_hash\" text NOT NULL, \
             \"statements\" integer NOT NULL, \"note\" text)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {s}.\"archives\" (\"id\" bigint PRIMARY KEY, \
             \"archive_table\" text NOT NULL, \"kind\" text NOT NULL, \"table_name\" text NOT NULL, \
             \"column_name\" text, \"key_columns\" text[] NOT NULL, \"value_columns\" text[] NOT NULL, \
             \"seq\" bigint NOT NULL, \"op\" integer NOT NULL, \"lineage_seq\" bigint NOT NULL, \
             \"lineage_op\" integer NOT NULL, \"lineage_forward\" boolean NOT NULL, \
             \"rows\" bigint NOT NULL, \"created_at\" timestamptz NOT NULL DEFAULT now(), \
             \"purged_at\" timestamptz, \"log_id\" bigint)"
        ),
    ]
}

/// Whether strata's catalog exists in the database.
pub fn catalog_exists(client: &mut impl GenericClient) -> Result<bool, PgError> {
    let row = client
        .query_one("SELECT to_regclass('strata.archives') IS NOT NULL", &[])
        .map_err(|e| PgError::server("reading strata's archive catalog", &e))?;
    Ok(row.get(0))
}

impl Custody {
    pub fn load(client: &mut impl GenericClient) -> Result<Custody, PgError> {
        if !catalog_exists(client)? {
            return Ok(Custody {
                next_id: 1,
                ..Custody::default()
            });
        }
        let rows = client
            .query(
                "SELECT \"id\", \"archive_table\", \"kind\", \"table_name\", \"column_name\", \
                 \"key_columns\", \"value_columns\", \"lineage_seq\", \"lineage_op\", \"lineage_forward\", \
                 \"rows\", to_char(\"purged_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') \
                 FROM strata.\"archives\" ORDER BY \"id\"",
                &[],
            )
            .map_err(|e| PgError::server("reading strata's archive catalog", &e))?;
        let mut custody = Custody {
            next_id: 1,
            ..Custody::default()
        };
        let mut fingerprint = String::new();
        for r in rows {
            let id: i64 = r.get(0);
            let kind: String = r.get(2);
            let Some(kind) = Kind::parse(&kind) else {
                return Err(PgError::new(format!(
                    "archive {id} in strata.archives is of kind {kind:?}, which this strata does not know"
                ))
                .help("use the strata that made it"));
            };
            let seq: i64 = r.get(7);
            let op: i32 = r.get(8);
            let held = Held {
                id,
                archive_table: r.get(1),
                lineage: Lineage {
                    seq: seq.max(0) as u64,
                    op: op.max(0) as u32,
                    forward: r.get(9),
                },
                kind,
                table: r.get(3),
                column: r.get(4),
                key: r.get(5),
                values: r.get(6),
                rows: r.get::<_, i64>(10).max(0) as u64,
                purged_at: r.get(11),
            };
            fingerprint.push_str(&format!("{id}:{}:{:?};", held.rows, held.purged_at));
            custody.next_id = custody.next_id.max(id + 1);
            custody.held.push(held);
        }
        custody.fingerprint = fingerprint;
        Ok(custody)
    }

    /// What is kept, purged entries aside, oldest first.
    pub fn kept(&self, client: &mut impl GenericClient) -> Result<Vec<Kept>, PgError> {
        let mut out = Vec::new();
        for h in self.held.iter().filter(|h| h.purged_at.is_none()) {
            let row = client
                .query_one(
                    "SELECT \"seq\", \"op\", to_char(\"created_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
                     coalesce(pg_total_relation_size(to_regclass(format('%I.%I', 'strata', \"archive_table\"))), 0) \
                     FROM strata.\"archives\" WHERE \"id\" = $1",
                    &[&h.id],
                )
                .map_err(|e| PgError::server("reading strata's archive catalog", &e))?;
            let seq: i64 = row.get(0);
            let op: i32 = row.get(1);
            let bytes: i64 = row.get(3);
            out.push(Kept {
                id: h.id,
                seq: seq.max(0) as u64,
                op: op.max(0) as u32,
                kind: h.kind.as_str().to_string(),
                table: h.table.clone(),
                column: h.column.clone(),
                archive_table: format!("{STRATA}.{}", h.archive_table),
                lineage: h.lineage,
                rows: h.rows,
                bytes: bytes.max(0) as u64,
                created_at: row.get(2),
            });
        }
        Ok(out)
    }
}
