//! strata's bookkeeping in the target database: the tables it keeps there
//! and the statements that open and close every apply. The values that
//! depend on who applies and to where are named parameters, bound by
//! `apply`, so `apply --dry-run` prints the very text that runs.

use strata_schema::sql_text::quote_ident;

use super::{quote_literal, ArchiveEntry, ArchiveKey, Role, Statement};

/// Where the database stands: one row (id 1).
pub const STATE_TABLE: &str = "_strata_state";
/// One row per apply.
pub const LOG_TABLE: &str = "_strata_log";
/// One row per archive table.
pub const ARCHIVE_CATALOG: &str = "_strata_archive";

/// The current time as SQLite writes it: RFC 3339 in UTC, milliseconds.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// The id of this apply's log row: the newest, since the transaction
/// holds the write lock from before it is inserted.
const THIS_APPLY: &str = "(SELECT max(\"id\") FROM \"_strata_log\")";

fn bookkeeping(sql: String, role: Role) -> Statement {
    Statement {
        sql,
        comment: "strata bookkeeping".to_string(),
        role,
    }
}

/// The bookkeeping tables (created when missing) and this apply's log row.
pub(crate) fn prologue() -> Vec<Statement> {
    vec![
        bookkeeping(
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  \"id\" INTEGER PRIMARY KEY CHECK (\"id\" = 1),\n  \"ledger_id\" TEXT NOT NULL,\n  \"seq\" INTEGER NOT NULL,\n  \"hash\" TEXT NOT NULL,\n  \"applied_at\" TEXT NOT NULL\n)",
                quote_ident(STATE_TABLE)
            ),
            Role::Plain,
        ),
        bookkeeping(
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  \"id\" INTEGER PRIMARY KEY,\n  \"at\" TEXT NOT NULL,\n  \"who\" TEXT NOT NULL,\n  \"ledger_id\" TEXT NOT NULL,\n  \"from_seq\" INTEGER,\n  \"from_hash\" TEXT,\n  \"to_seq\" INTEGER NOT NULL,\n  \"to_hash\" TEXT NOT NULL,\n  \"version\" TEXT NOT NULL,\n  \"archived_rows\" INTEGER NOT NULL DEFAULT 0\n)",
                quote_ident(LOG_TABLE)
            ),
            Role::Plain,
        ),
        bookkeeping(
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  \"id\" INTEGER PRIMARY KEY,\n  \"log_id\" INTEGER NOT NULL,\n  \"seq\" INTEGER NOT NULL,\n  \"op\" INTEGER NOT NULL,\n  \"kind\" TEXT NOT NULL CHECK (\"kind\" IN ('table', 'column', 'values')),\n  \"table_name\" TEXT NOT NULL,\n  \"column_name\" TEXT,\n  \"key_kind\" TEXT NOT NULL CHECK (\"key_kind\" IN ('rowid', 'primary_key')),\n  \"key_columns\" TEXT NOT NULL,\n  \"archive_table\" TEXT NOT NULL UNIQUE,\n  \"row_count\" INTEGER NOT NULL,\n  \"created_at\" TEXT NOT NULL\n)",
                quote_ident(ARCHIVE_CATALOG)
            ),
            Role::Plain,
        ),
        bookkeeping(
            format!(
                "INSERT INTO {} (\"at\", \"who\", \"ledger_id\", \"from_seq\", \"from_hash\", \"to_seq\", \"to_hash\", \"version\") VALUES ({NOW}, :who, :ledger_id, :from_seq, :from_hash, :to_seq, :to_hash, :version)",
                quote_ident(LOG_TABLE)
            ),
            Role::Bound,
        ),
    ]
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

/// The catalog row of `entry`, counting the rows its table received.
pub(crate) fn catalog_row(entry: &ArchiveEntry) -> String {
    let (key_kind, key_columns) = match &entry.key {
        ArchiveKey::Rowid => ("rowid", vec![super::rebuild::ROWID_COLUMN.to_string()]),
        ArchiveKey::PrimaryKey(columns) => ("primary_key", columns.clone()),
    };
    let key_columns: Vec<String> = key_columns.iter().map(|c| quote_literal(c)).collect();
    format!(
        "INSERT INTO {} (\"log_id\", \"seq\", \"op\", \"kind\", \"table_name\", \"column_name\", \"key_kind\", \"key_columns\", \"archive_table\", \"row_count\", \"created_at\") SELECT {THIS_APPLY}, {}, {}, {}, {}, {}, {}, json_array({}), {}, count(*), {NOW} FROM {}",
        quote_ident(ARCHIVE_CATALOG),
        entry.seq,
        entry.op,
        quote_literal(entry.kind.as_str()),
        quote_literal(&entry.table),
        entry
            .column
            .as_deref()
            .map_or("NULL".to_string(), quote_literal),
        quote_literal(key_kind),
        key_columns.join(", "),
        quote_literal(&entry.archive_table),
        quote_ident(&entry.archive_table)
    )
}
