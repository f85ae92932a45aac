//! strata's bookkeeping in the target database: the tables it keeps there
//! and the statements that open and close every apply. The values that
//! depend on who applies and to where are named parameters, bound by
//! `apply`, so `apply --dry-run` prints the very text that runs.

use strata_dialect::sqlite::text::quote_ident;

use super::{Role, Statement};
use crate::custody::{catalog_upgrade, Custody};

/// Where the database stands: one row (id 1).
pub const STATE_TABLE: &str = "_strata_state";
/// The column of [`STATE_TABLE`] that keeps the seal: the digest of the
/// schema the last apply left (see [`crate::seal`]).
pub const SEAL_COLUMN: &str = "seal";
/// One row per apply.
pub const LOG_TABLE: &str = "_strata_log";
/// One row per archive table.
pub const ARCHIVE_CATALOG: &str = "_strata_archive";

/// The current time as SQLite writes it: RFC 3339 in UTC, milliseconds.
pub(super) const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// The id of this apply's log row: the newest, since the transaction
/// holds the write lock from before it is inserted.
pub(super) const THIS_APPLY: &str = "(SELECT max(\"id\") FROM \"_strata_log\")";

fn bookkeeping(sql: String, role: Role) -> Statement {
    Statement {
        sql,
        comment: "strata bookkeeping".to_string(),
        role,
    }
}

/// The bookkeeping tables (created when missing) and this apply's log row.
pub(crate) fn prologue(custody: &Custody) -> Vec<Statement> {
    let mut out = vec![
        bookkeeping(
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  \"id\" INTEGER PRIMARY KEY CHECK (\"id\" = 1),\n  \"ledger_id\" TEXT NOT NULL,\n  \"seq\" INTEGER NOT NULL,\n  \"hash\" TEXT NOT NULL,\n  \"applied_at\" TEXT NOT NULL,\n  {} TEXT\n)",
                quote_ident(STATE_TABLE),
                quote_ident(SEAL_COLUMN)
            ),
            Role::Plain,
        ),
        bookkeeping(
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  \"id\" INTEGER PRIMARY KEY,\n  \"at\" TEXT NOT NULL,\n  \"who\" TEXT NOT NULL,\n  \"ledger_id\" TEXT NOT NULL,\n  \"from_seq\" INTEGER,\n  \"from_hash\" TEXT,\n  \"to_seq\" INTEGER NOT NULL,\n  \"to_hash\" TEXT NOT NULL,\n  \"version\" TEXT NOT NULL,\n  \"archived_rows\" INTEGER NOT NULL DEFAULT 0,\n  \"note\" TEXT\n)",
                quote_ident(LOG_TABLE)
            ),
            Role::Plain,
        ),
        bookkeeping(
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  \"id\" INTEGER PRIMARY KEY,\n  \"log_id\" INTEGER NOT NULL,\n  \"seq\" INTEGER NOT NULL,\n  \"op\" INTEGER NOT NULL,\n  \"kind\" TEXT NOT NULL CHECK (\"kind\" IN ('table', 'column', 'values')),\n  \"table_name\" TEXT NOT NULL,\n  \"column_name\" TEXT,\n  \"key_kind\" TEXT NOT NULL CHECK (\"key_kind\" IN ('rowid', 'primary_key')),\n  \"key_columns\" TEXT NOT NULL,\n  \"archive_table\" TEXT NOT NULL UNIQUE,\n  \"row_count\" INTEGER NOT NULL,\n  \"created_at\" TEXT NOT NULL,\n  \"undo\" INTEGER,\n  \"lineage_seq\" INTEGER,\n  \"lineage_op\" INTEGER,\n  \"lineage_forward\" INTEGER,\n  \"value_columns\" TEXT,\n  \"witness_columns\" TEXT,\n  \"after_column\" TEXT,\n  \"counter\" INTEGER,\n  \"purged_at\" TEXT\n)",
                quote_ident(ARCHIVE_CATALOG)
            ),
            Role::Plain,
        ),
    ];
    // A state table an earlier version made gains the seal's column, here
    // at the start: adding it changes the schema the seal is taken of.
    if custody.state_lacks_seal {
        out.push(bookkeeping(
            format!(
                "ALTER TABLE {} ADD COLUMN {} TEXT",
                quote_ident(STATE_TABLE),
                quote_ident(SEAL_COLUMN)
            ),
            Role::Plain,
        ));
    }
    // A catalog an earlier version made gains this version's columns.
    for sql in catalog_upgrade(custody) {
        out.push(bookkeeping(sql, Role::Plain));
    }
    if custody.log_lacks_note {
        out.push(bookkeeping(
            format!(
                "ALTER TABLE {} ADD COLUMN \"note\" TEXT",
                quote_ident(LOG_TABLE)
            ),
            Role::Plain,
        ));
    }
    out.push(bookkeeping(
            format!(
                "INSERT INTO {} (\"at\", \"who\", \"ledger_id\", \"from_seq\", \"from_hash\", \"to_seq\", \"to_hash\", \"version\", \"note\") VALUES ({NOW}, :who, :ledger_id, :from_seq, :from_hash, :to_seq, :to_hash, :version, :note)",
                quote_ident(LOG_TABLE)
            ),
            Role::Bound,
        ));
    out
}

/// `PRAGMA foreign_key_check` over the whole database: a rebuild with
/// foreign keys off, or a dropped parent, can leave rows pointing nowhere.
pub(crate) fn foreign_key_check() -> Statement {
    Statement {
        sql: "PRAGMA foreign_key_check".to_string(),
        comment: "every foreign key still finds its row".to_string(),
        role: Role::ForeignKeyCheck,
    }
}

/// The seal: the digest of the schema as the apply leaves it, which
/// `apply` computes and binds as `:seal` after its last check of the
/// schema, just before it commits (see [`crate::seal`]).
pub(crate) fn seal() -> Statement {
    Statement {
        sql: format!(
            "UPDATE {} SET {} = :seal WHERE \"id\" = 1",
            quote_ident(STATE_TABLE),
            quote_ident(SEAL_COLUMN)
        ),
        comment: "strata bookkeeping: the seal, a digest of the schema as this apply leaves it, computed before commit".to_string(),
        role: Role::Seal,
    }
}

/// The state row and the log row's archive count.
pub(crate) fn epilogue() -> Vec<Statement> {
    vec![
        bookkeeping(
            format!(
                "INSERT INTO {} (\"id\", \"ledger_id\", \"seq\", \"hash\", \"applied_at\") VALUES (1, :ledger_id, :to_seq, :to_hash, {NOW}) ON CONFLICT (\"id\") DO UPDATE SET \"ledger_id\" = excluded.\"ledger_id\", \"seq\" = excluded.\"seq\", \"hash\" = excluded.\"hash\", \"applied_at\" = excluded.\"applied_at\"",
                quote_ident(STATE_TABLE)
            ),
            Role::Bound,
        ),
        bookkeeping(
            format!(
                "UPDATE {log} SET \"archived_rows\" = (SELECT coalesce(sum(\"row_count\"), 0) FROM {cat} WHERE \"log_id\" = {log}.\"id\") WHERE \"id\" = {THIS_APPLY}",
                log = quote_ident(LOG_TABLE),
                cat = quote_ident(ARCHIVE_CATALOG)
            ),
            Role::Plain,
        ),
    ]
}
