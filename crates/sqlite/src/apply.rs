//! Apply: run a [`Plan`] against a SQLite file in one transaction, with
//! strata's bookkeeping, or change nothing.
//!
//! The transaction is `BEGIN IMMEDIATE`, so the write lock is taken before
//! the recorded point is read again: two applies cannot both start from the
//! same point. Foreign keys are enforced during the transaction, or switched
//! off around it when the plan needs it (the pragma is a no-op inside one),
//! and switched back to what they were afterwards, whatever happened. The
//! last statement before commit writes the seal ([`crate::seal`]), after the
//! schema was checked.

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::types::Value;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};
use strata_dialect::sqlite::text::quote_ident;
use strata_dialect::sqlite::RULES;
use strata_schema::{differences, Difference, Schema};

use crate::introspect::introspect;
use crate::plan::{Plan, Role, Statement, ARCHIVE_CATALOG, STATE_TABLE};

/// How long a statement waits for another connection's lock before the
/// database counts as locked.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub use strata_target::{Applied, Archived, Position, Restored};

/// Why a database could not be opened or an apply did not happen. Every
/// apply error leaves the database as it was.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{path} is not a SQLite database")]
    NotADatabase { path: String },
    #[error("{path} is a directory")]
    IsDirectory { path: String },
    #[error("{path} is read-only")]
    ReadOnly { path: String },
    #[error("{path} already exists, and checkout builds a new database")]
    Exists { path: String },
    #[error("cannot open {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("the database is locked by another connection")]
    Locked,
    #[error("the database records ledger {found}, not ledger {expected}: it belongs to another ledger; nothing was changed")]
    ForeignLedger { expected: String, found: String },
    #[error("the database is at {now}, not at {expected} as planned (another process applied meanwhile); nothing was changed")]
    Moved { expected: String, now: String },
    #[error("the connection to {path} is inside a transaction")]
    InTransaction { path: String },
    #[error("the connection to {path} has a temporary {kind} {name}, which strata's statements could take for one of the database's own")]
    Temporary {
        path: String,
        kind: String,
        name: String,
    },
    #[error("the database's {STATE_TABLE} table is malformed ({reason})")]
    BadState { reason: String },
    #[error("{comment} failed: {message}; nothing was changed")]
    Statement {
        comment: String,
        sql: String,
        message: String,
    },
    #[error("{comment}: column {column} is NOT NULL without a default, and a row has no value for it (a row added since its values were archived, or one changed since, whose value stays in the archive); nothing was changed")]
    NoValue { comment: String, column: String },
    #[error("{comment}: column {column} of table {table} is {ty} in a STRICT table, which does not take the value of {}; nothing was changed", .rows.join(", "))]
    Strict {
        comment: String,
        table: String,
        column: String,
        ty: String,
        /// The rows refused (at most three), each by its key and value.
        rows: Vec<String>,
    },
    #[error("the database's archives changed since the plan was made (an `archive purge` or another apply meanwhile); nothing was changed")]
    ArchivesMoved,
    #[error("row {rowid} of {table} refers to a missing row of {parent} after the change; nothing was changed")]
    ForeignKey {
        table: String,
        rowid: String,
        parent: String,
    },
    #[error("the database does not match the target schema after applying ({}); nothing was changed", summary(.0))]
    Mismatch(Vec<Difference>),
    #[error("cannot read the database's schema: {0}")]
    Introspect(String),
    /// The steps could not be planned.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// The live schema could not be read into the model.
    #[error(transparent)]
    Schema(#[from] crate::introspect::IntrospectError),
    #[error("sqlite error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl ApplyError {
    /// What to do about it, when there is advice to give.
    pub fn help(&self) -> Option<&'static str> {
        Some(match self {
            ApplyError::NotADatabase { .. } => {
                "give the path of a database file, or a new path to create one"
            }
            ApplyError::IsDirectory { .. } => "give the path of a database file",
            ApplyError::ReadOnly { .. } => "make it writable, or give a copy that is",
            ApplyError::Exists { .. } => "give a path that does not exist",
            ApplyError::Locked => "wait for the other connection to finish and try again",
            ApplyError::InTransaction { .. } => {
                "commit or roll back first: strata applies in a transaction of its own"
            }
            ApplyError::Temporary { .. } => {
                "hand over a connection without temporary tables, views or triggers"
            }
            ApplyError::ForeignLedger { .. } => "give the --ledger it belongs to",
            ApplyError::Moved { .. } | ApplyError::ArchivesMoved => "run apply again",
            ApplyError::BadState { .. } => {
                "restore the database from a backup, or check it out anew"
            }
            ApplyError::NoValue { .. } => {
                "give such rows a value with a data step or delete them, then apply again"
            }
            ApplyError::ForeignKey { .. } => "fix the data (a data step can) and apply again",
            ApplyError::Strict { .. } => {
                "give those rows values of the column's type with a data step (UPDATE ... SET column = CAST(column AS type), say) or delete them, then apply again"
            }
            ApplyError::Mismatch(_) => "this is a bug in strata: please report it",
            ApplyError::Plan(e) => return e.help(),
            _ => return None,
        })
    }
}

fn summary(diffs: &[Difference]) -> String {
    let mut parts: Vec<String> = diffs
        .iter()
        .take(3)
        .map(crate::render::difference)
        .collect();
    if diffs.len() > 3 {
        parts.push(format!("and {} more", diffs.len() - 3));
    }
    parts.join("; ")
}

/// How messages name the database of `conn`: the path of its file, or
/// `:memory:` for an in-memory or temporary one.
pub fn name_of(conn: &Connection) -> String {
    match conn.path() {
        Some("") => ":memory:".to_string(),
        Some(path) => path.to_string(),
        None => "the database".to_string(),
    }
}

/// The error an SQLite failure means for a user, where it has a plainer
/// name than SQLite's.
pub(crate) fn classify(e: rusqlite::Error, path: &str) -> ApplyError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => ApplyError::NotADatabase {
            path: path.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ApplyError::Locked,
        Some(ErrorCode::ReadOnly) => ApplyError::ReadOnly {
            path: path.to_string(),
        },
        _ => ApplyError::Sqlite(e),
    }
}

/// Opens an existing database file, or creates a new one, the way strata
/// uses it: a busy timeout, so a short lock is waited out; double-quoted
/// string literals off, so a mistyped identifier fails instead of quietly
/// becoming a string; foreign keys enforced.
pub fn open(path: &Path) -> Result<Connection, ApplyError> {
    let shown = path.display().to_string();
    if path.is_dir() {
        return Err(ApplyError::IsDirectory { path: shown });
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| match classify(e, &shown) {
        ApplyError::Sqlite(e) => ApplyError::Open {
            path: shown.clone(),
            reason: e.to_string(),
        },
        other => other,
    })?;
    configure(&conn).map_err(|e| classify(e, &shown))?;
    // SQLite reads the file lazily: make it read the header now, so a
    // file that is not a database fails here and not halfway.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| classify(e, &shown))?;
    // SQLite opens a write-protected file read-only without a word.
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        return Err(ApplyError::ReadOnly { path: shown });
    }
    Ok(conn)
}

/// Opens a new database file for `checkout`, refusing one that exists.
pub fn open_new(path: &Path) -> Result<Connection, ApplyError> {
    if path.exists() {
        return Err(ApplyError::Exists {
            path: path.display().to_string(),
        });
    }
    open(path)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// The point the database records, or `None` for a database strata has
/// never applied to (a new or empty file, or one without `_strata_state`).
pub fn read_state(conn: &Connection) -> Result<Option<Position>, ApplyError> {
    let path = name_of(conn);
    let exists: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [STATE_TABLE],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| classify(e, &path))?
        > 0;
    if !exists {
        return Ok(None);
    }
    let row = conn
        .query_row(
            &format!(
                "SELECT \"ledger_id\", \"seq\", \"hash\" FROM {} WHERE \"id\" = 1",
                quote_ident(STATE_TABLE)
            ),
            [],
            |r| {
                Ok((
                    r.get::<_, Value>(0)?,
                    r.get::<_, Value>(1)?,
                    r.get::<_, Value>(2)?,
                ))
            },
        )
        .optional()
        .map_err(|e| match classify(e, &path) {
            ApplyError::Sqlite(e) => ApplyError::BadState {
                reason: e.to_string(),
            },
            other => other,
        })?;
    let Some((ledger_id, seq, hash)) = row else {
        return Ok(None);
    };
    let bad = |reason: &str| ApplyError::BadState {
        reason: reason.to_string(),
    };
    match (ledger_id, seq, hash) {
        (Value::Text(ledger_id), Value::Integer(seq), Value::Text(hash)) if seq >= 0 => {
            Ok(Some(Position {
                ledger_id: ledger_id
                    .parse()
                    .map_err(|_| bad("ledger_id is not a hash"))?,
                seq: seq as u64,
                hash: hash.parse().map_err(|_| bad("hash is not a hash"))?,
            }))
        }
        _ => Err(bad("ledger_id, seq or hash has the wrong type")),
    }
}

/// Runs `plan` and the bookkeeping in one transaction: the database moves
/// from `from` (`None`: strata never applied to it) to `to`, or nothing
/// changes. Before committing, the live schema is read back and compared
/// with `target`; any difference rolls everything back. Otherwise the
/// seal of the schema is written last ([`crate::seal`]). Foreign keys are
/// on during the transaction (off around it when the plan needs them off),
/// and put back to what they were afterwards.
pub fn apply(
    conn: &mut Connection,
    plan: &Plan,
    from: Option<&Position>,
    to: &Position,
    target: &Schema,
    who: &str,
    version: &str,
) -> Result<Applied, ApplyError> {
    let path = name_of(conn);
    let fk_before: bool = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .map_err(|e| classify(e, &path))?;
    // Enforced, as on the connections strata opens itself (a connection
    // handed over may have them off), unless the plan needs them off.
    let fk_during = !plan.foreign_keys_off;
    if fk_during != fk_before {
        conn.pragma_update(None, "foreign_keys", fk_during)
            .map_err(|e| classify(e, &path))?;
    }
    let cache_before = widen_cache(conn).map_err(|e| classify(e, &path))?;
    let result = run(conn, plan, from, to, target, who, version, &path);
    // Whatever happened, foreign keys and the cache go back to what they
    // were.
    let restored = conn
        .pragma_update(None, "foreign_keys", fk_before)
        .and_then(|()| match cache_before {
            Some(size) => conn.pragma_update(None, "cache_size", size),
            None => Ok(()),
        });
    let applied = result?;
    restored.map_err(|e| classify(e, &path))?;
    Ok(applied)
}

/// The page cache an apply works with, in KiB: every DDL statement makes
/// SQLite read its whole schema table again, and a schema of thousands
/// of objects does not fit SQLite's default of 2 MiB, so each statement
/// would read it from the file anew.
const APPLY_CACHE_KIB: i64 = 64 * 1024;

/// Widens the connection's page cache to [`APPLY_CACHE_KIB`] unless it is
/// wider already; returns the setting to put back, if it changed. (SQLite
/// takes a negative `cache_size` as KiB and a positive one as pages.)
fn widen_cache(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    let size: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    let page: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
    let kib = if size < 0 {
        size.saturating_neg()
    } else {
        size.saturating_mul(page) / 1024
    };
    if kib >= APPLY_CACHE_KIB {
        return Ok(None);
    }
    conn.pragma_update(None, "cache_size", -APPLY_CACHE_KIB)?;
    Ok(Some(size))
}

#[allow(clippy::too_many_arguments)]
fn run(
    conn: &mut Connection,
    plan: &Plan,
    from: Option<&Position>,
    to: &Position,
    target: &Schema,
    who: &str,
    version: &str,
    path: &str,
) -> Result<Applied, ApplyError> {
    if let Some(f) = from.filter(|f| f.ledger_id != to.ledger_id) {
        return Err(ApplyError::ForeignLedger {
            expected: to.ledger_id.to_string(),
            found: f.ledger_id.to_string(),
        });
    }
    // Dropped without commit, the transaction rolls back.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(e, path))?;
    let now = read_state(&tx)?;
    if let Some(now) = &now {
        if now.ledger_id != to.ledger_id {
            return Err(ApplyError::ForeignLedger {
                expected: to.ledger_id.to_string(),
                found: now.ledger_id.to_string(),
            });
        }
    }
    if now.as_ref() != from {
        let show = |p: Option<&Position>| {
            p.map_or("no recorded point (never applied)".to_string(), |p| {
                p.to_string()
            })
        };
        return Err(ApplyError::Moved {
            expected: show(from),
            now: show(now.as_ref()),
        });
    }

    // The plan chose its archives from the catalog as it was read before
    // the transaction: it must still be so.
    let expected = match plan.custody.fingerprint.as_str() {
        "" => "none",
        seen => seen,
    };
    if crate::custody::fingerprint(&tx)? != expected {
        return Err(ApplyError::ArchivesMoved);
    }

    let params: Vec<(&str, Value)> = vec![
        (":who", Value::Text(who.to_string())),
        (":ledger_id", Value::Text(to.ledger_id.to_string())),
        (
            ":from_seq",
            from.map_or(Value::Null, |f| Value::Integer(f.seq as i64)),
        ),
        (
            ":from_hash",
            from.map_or(Value::Null, |f| Value::Text(f.hash.to_string())),
        ),
        (":to_seq", Value::Integer(to.seq as i64)),
        (":to_hash", Value::Text(to.hash.to_string())),
        (":version", Value::Text(version.to_string())),
        (":note", plan.note.clone().map_or(Value::Null, Value::Text)),
    ];
    let mut restored_rows = vec![0u64; plan.restores.len()];
    let mut kept_rows = vec![0u64; plan.restores.len()];
    // The seal is the digest of the schema as checked: it runs last.
    let mut sealing = Vec::new();
    for (n, statement) in plan.transaction().into_iter().enumerate() {
        if statement.role == Role::Seal {
            sealing.push((n, statement));
            continue;
        }
        crate::failpoint::failpoint(format_args!("apply:statement:{n}"));
        let rows = execute(&tx, &statement, &params)?;
        match statement.role {
            Role::Restore { index } => restored_rows[index] += rows as u64,
            Role::Consume { index, id } => {
                restored_rows[index] += rows as u64;
                let archive = &plan.restores[index].archive_table;
                kept_rows[index] = settle_archive(&tx, &statement, archive, id)?;
            }
            _ => {}
        }
    }

    let diffs = shape_differences(&tx, target)?;
    if !diffs.is_empty() {
        return Err(ApplyError::Mismatch(diffs));
    }
    for (n, statement) in sealing {
        crate::failpoint::failpoint(format_args!("apply:statement:{n}"));
        let seal = Value::Text(crate::seal::digest(&tx, to)?);
        execute(&tx, &statement, &[(":seal", seal)])?;
    }

    let archived = archived_by_this_apply(&tx)?;
    crate::failpoint::failpoint(format_args!("apply:before-commit"));
    tx.commit().map_err(|e| classify(e, path))?;
    crate::failpoint::failpoint(format_args!("apply:after-commit"));
    let restored = plan
        .restores
        .iter()
        .zip(restored_rows)
        .zip(kept_rows)
        .map(|((r, rows), kept)| Restored {
            table: r.table.clone(),
            column: r.column.clone(),
            rows,
            kept,
            archive_table: r.archive_table.clone(),
        })
        .collect();
    Ok(Applied {
        statements: plan.statements.len(),
        archived,
        restored,
    })
}

/// After a restore took what came back out of `archive` (catalog row
/// `id`): removes the archive when it is empty, else counts what it keeps
/// (values whose rows changed since, or are gone). Returns that count.
fn settle_archive(
    conn: &Connection,
    statement: &Statement,
    archive: &str,
    id: i64,
) -> Result<u64, ApplyError> {
    let failed = |e: rusqlite::Error| ApplyError::Statement {
        comment: statement.comment.clone(),
        sql: format!("(settling archive {archive})"),
        message: e.to_string(),
    };
    let a = quote_ident(archive);
    let catalog = quote_ident(ARCHIVE_CATALOG);
    let left: i64 = conn
        .query_row(&format!("SELECT count(*) FROM {a}"), [], |r| r.get(0))
        .map_err(failed)?;
    if left == 0 {
        conn.execute_batch(&format!(
            "DROP TABLE {a}; DELETE FROM {catalog} WHERE \"id\" = {id}"
        ))
        .map_err(failed)?;
    } else {
        conn.execute(
            &format!("UPDATE {catalog} SET \"row_count\" = ?1 WHERE \"id\" = {id}"),
            [left],
        )
        .map_err(failed)?;
    }
    Ok(left.max(0) as u64)
}

/// SQLite's message, with strata's working names said for what they are:
/// `_strata_new_users` is the copy of `users` a rebuild fills before it
/// takes the table's place. The message itself (which may quote SQL) is
/// left as SQLite wrote it.
pub(crate) fn explain_internal_names(message: &str) -> String {
    const PREFIX: &str = "_strata_new_";
    let mut named: Vec<&str> = Vec::new();
    let mut rest = message;
    while let Some(at) = rest.find(PREFIX) {
        let from = at + PREFIX.len();
        let len = rest[from..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - from);
        if !named.contains(&&rest[from..from + len]) {
            named.push(&rest[from..from + len]);
        }
        rest = &rest[from + len..];
    }
    let mut out = message.to_string();
    for table in named {
        out.push_str(&format!(
            " ({PREFIX}{table} is strata's copy of {table} while it rebuilds it)"
        ));
    }
    out
}

/// A rebuild's copy into a STRICT table refused a value (SQLite's
/// `cannot store TEXT value in INTEGER column _strata_new_t.c`): the rows
/// of `t` whose `c` the column does not take, found by offering each value
/// to a STRICT column of that type, at most three, each named by its
/// primary key (or rowid) and value. `None` for any other error, or when
/// the rows cannot be found (then SQLite's message is said as it is).
fn strict_refusal(conn: &Connection, comment: &str, e: &rusqlite::Error) -> Option<ApplyError> {
    const DATATYPE: i32 = rusqlite::ffi::SQLITE_CONSTRAINT_DATATYPE;
    let rusqlite::Error::SqliteFailure(code, Some(message)) = e else {
        return None;
    };
    if code.extended_code != DATATYPE {
        return None;
    }
    let rest = message.strip_prefix("cannot store ")?;
    let (_, rest) = rest.split_once(" value in ")?;
    let (ty, rest) = rest.split_once(" column _strata_new_")?;
    if !ty.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    // The table's name may hold a dot: the split where both names exist.
    let (table, column) = rest.match_indices('.').find_map(|(at, _)| {
        let (table, column) = (&rest[..at], &rest[at + 1..]);
        let found: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM pragma_table_xinfo(?1) WHERE name = ?2",
                [table, column],
                |r| r.get(0),
            )
            .optional()
            .ok()?;
        found.map(|_| (table.to_string(), column.to_string()))
    })?;
    let rows = refused_rows(conn, &table, &column, ty).ok()?;
    if rows.is_empty() {
        return None;
    }
    Some(ApplyError::Strict {
        comment: comment.to_string(),
        table,
        column,
        ty: ty.to_string(),
        rows,
    })
}

/// The first three rows of `table` whose `column` a STRICT column of type
/// `ty` refuses.
fn refused_rows(
    conn: &Connection,
    table: &str,
    column: &str,
    ty: &str,
) -> rusqlite::Result<Vec<String>> {
    let mut key: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")?
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let without_rowid: bool = conn.query_row(
        "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1",
        [table],
        |r| r.get(0),
    )?;
    if key.is_empty() && !without_rowid {
        key.push("rowid".to_string());
    }
    // The probe: one STRICT column of the type, in the temporary schema,
    // gone at the end whatever happens.
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE _strata_strict_probe (v {ty}) STRICT"
    ))?;
    let found = (|| {
        let keys = key
            .iter()
            .map(|k| format!("quote({})", quote_ident(k)))
            .collect::<Vec<_>>();
        let select = format!(
            "SELECT {}, quote({c}), {c} FROM main.{t}",
            if keys.is_empty() {
                "NULL".to_string()
            } else {
                keys.join(", ")
            },
            c = quote_ident(column),
            t = quote_ident(table),
        );
        let mut st = conn.prepare(&select)?;
        let n = key.len().max(1);
        let mut probe = conn.prepare("INSERT INTO temp._strata_strict_probe VALUES (?1)")?;
        let mut rows = st.query([])?;
        let mut found = Vec::new();
        while let Some(row) = rows.next()? {
            let value: Value = row.get(n + 1)?;
            if probe.execute([value]).is_ok() {
                continue;
            }
            let shown: String = row.get(n)?;
            let who = if key.is_empty() {
                format!("a row ({column} = {shown})")
            } else {
                let ids = (0..n)
                    .map(|i| row.get::<_, String>(i).map(|v| format!("{} = {v}", key[i])))
                    .collect::<Result<Vec<_>, _>>()?;
                match key.iter().any(|k| k == column) {
                    true => format!("the row {}", ids.join(", ")),
                    false => format!("the row {} ({column} = {shown})", ids.join(", ")),
                }
            };
            found.push(who);
            if found.len() == 3 {
                break;
            }
        }
        Ok(found)
    })();
    conn.execute_batch("DROP TABLE temp._strata_strict_probe")?;
    found
}

/// Runs one statement; returns the rows a restore changed (0 otherwise).
fn execute(
    conn: &Connection,
    statement: &Statement,
    params: &[(&str, Value)],
) -> Result<usize, ApplyError> {
    let failed = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ApplyError::Locked,
        _ if statement.role == Role::Refill
            && e.to_string()
                .starts_with("NOT NULL constraint failed: _strata_new_") =>
        {
            let text = e.to_string();
            let what = text
                .trim_start_matches("NOT NULL constraint failed: _strata_new_")
                .to_string();
            ApplyError::NoValue {
                comment: statement.comment.clone(),
                column: what,
            }
        }
        _ => {
            strict_refusal(conn, &statement.comment, &e).unwrap_or_else(|| ApplyError::Statement {
                comment: statement.comment.clone(),
                sql: statement.sql.clone(),
                message: explain_internal_names(&e.to_string()),
            })
        }
    };
    match statement.role {
        Role::Restore { .. } | Role::Consume { .. } => {
            conn.execute(&statement.sql, []).map_err(failed)
        }
        Role::Plain | Role::Data | Role::Refill => conn
            .execute_batch(&statement.sql)
            .map(|()| 0)
            .map_err(failed),
        Role::Bound | Role::Seal => {
            let mut st = conn.prepare(&statement.sql).map_err(failed)?;
            for (name, value) in params {
                if let Some(i) = st.parameter_index(name).map_err(failed)? {
                    st.raw_bind_parameter(i, value).map_err(failed)?;
                }
            }
            st.raw_execute().map_err(failed)?;
            Ok(0)
        }
        Role::Refusal => {
            let why: Option<String> = conn
                .query_row(&statement.sql, [], |r| r.get(0))
                .optional()
                .map_err(failed)?;
            match why {
                None => Ok(0),
                Some(message) => Err(ApplyError::Statement {
                    comment: statement.comment.clone(),
                    sql: statement.sql.clone(),
                    message,
                }),
            }
        }
        Role::ForeignKeyCheck => {
            let mut st = conn.prepare(&statement.sql).map_err(failed)?;
            let first = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Value>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(failed)?
                .next()
                .transpose()
                .map_err(failed)?;
            match first {
                None => Ok(0),
                Some((table, rowid, parent)) => Err(ApplyError::ForeignKey {
                    table,
                    rowid: match rowid {
                        Value::Integer(i) => i.to_string(),
                        _ => "(without rowid)".to_string(),
                    },
                    parent,
                }),
            }
        }
    }
}

fn archived_by_this_apply(conn: &Connection) -> Result<Vec<Archived>, ApplyError> {
    let mut st = conn.prepare(&format!(
        "SELECT \"table_name\", \"column_name\", \"kind\", \"row_count\", \"archive_table\" FROM {cat} WHERE \"log_id\" = (SELECT max(\"id\") FROM \"_strata_log\") ORDER BY \"id\"",
        cat = quote_ident(ARCHIVE_CATALOG)
    ))?;
    let rows = st.query_map([], |r| {
        Ok(Archived {
            table: r.get(0)?,
            column: r.get(1)?,
            kind: r.get(2)?,
            rows: r.get::<_, i64>(3)?.max(0) as u64,
            archive_table: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How the live database's schema, read back with [`introspect`], differs
/// from `target`.
pub(crate) fn shape_differences(
    conn: &Connection,
    target: &Schema,
) -> Result<Vec<Difference>, ApplyError> {
    let live = introspect(conn).map_err(|e| ApplyError::Introspect(e.to_string()))?;
    Ok(differences(RULES, target, &live))
}

#[cfg(test)]
mod names {
    use super::explain_internal_names;

    #[test]
    fn strata_s_working_names_are_said_for_what_they_are() {
        assert_eq!(
            explain_internal_names("CHECK constraint failed: _strata_new_users"),
            "CHECK constraint failed: _strata_new_users (_strata_new_users is strata's copy of users while it rebuilds it)"
        );
        assert_eq!(
            explain_internal_names("UNIQUE constraint failed: _strata_new_t.a, _strata_new_t.b"),
            "UNIQUE constraint failed: _strata_new_t.a, _strata_new_t.b (_strata_new_t is strata's copy of t while it rebuilds it)"
        );
        assert_eq!(
            explain_internal_names("no such table: users"),
            "no such table: users"
        );
    }
}
