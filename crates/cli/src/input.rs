//! What commands read besides the ledger: SQL from a file or standard
//! input, text files (UTF-8, a byte-order mark dropped), and the checks
//! every command that records SQL makes of it.

use std::io::Read;

use strata_ledger::Dialect;
use strata_target::DdlError;

use crate::failure::Failure;

/// The SQL in `file`, or on standard input for `-`.
pub fn read_sql(file: &std::path::Path) -> Result<String, Failure> {
    if file.as_os_str() != "-" {
        return read_text(file);
    }
    let mut sql = String::new();
    std::io::stdin()
        .read_to_string(&mut sql)
        .map_err(|e| Failure::new(format!("cannot read standard input: {e}")))?;
    Ok(sql)
}

/// A file's text, without the byte-order mark some editors put first; a
/// file that is not UTF-8 is refused with the offset of its first bad byte.
pub fn read_text(file: &std::path::Path) -> Result<String, Failure> {
    let mut bytes = std::fs::read(file)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", file.display())))?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        Failure::new(format!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            file.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Whether a change holds data steps (INSERT, UPDATE, DELETE), which only
/// revert SQL can undo.
pub fn has_data_steps(ops: &[strata_schema::Op]) -> bool {
    ops.iter()
        .any(|op| matches!(op, strata_schema::Op::Data { .. }))
}

/// `text` as revert SQL: data statements only, at least one; `source` says
/// where it came from in errors.
pub fn check_revert_sql(dialect: Dialect, text: &str, source: &str) -> Result<String, Failure> {
    use strata_schema::Op;
    let reverts = parse_change(dialect, text, &strata_schema::Schema::default())
        .map_err(|e| Failure::new(e).context(source))?;
    if let Some(pragma) = pragmas(dialect, text).first() {
        return Err(Failure::new(format!(
            "{source}: {pragma}: revert SQL holds data steps only (strata turns foreign keys off and checks them itself); leave the PRAGMA out"
        )));
    }
    if reverts.is_empty() {
        return Err(Failure::new(format!("{source} holds no statements")));
    }
    if let Some(i) = reverts.iter().position(|op| !matches!(op, Op::Data { .. })) {
        return Err(Failure::new(format!(
            "{source}: statement {} is not a data step (INSERT, UPDATE, DELETE): revert SQL only undoes data steps",
            i + 1
        )));
    }
    Ok(text.trim().to_string())
}

/// `ops`, unless there are none (a script of comments, or only BEGIN and
/// COMMIT).
pub fn something_to_record(
    ops: Vec<strata_schema::Op>,
    source: &str,
) -> Result<Vec<strata_schema::Op>, Failure> {
    if ops.is_empty() {
        return Err(
            Failure::new(format!("{source} holds no statements to record"))
                .help("give CREATE, ALTER or DROP statements (or data steps)"),
        );
    }
    Ok(ops)
}

/// The ops `sql`, a script in `dialect`, makes against `head`, or where it
/// does not fit: the reader of the ledger's target.
pub fn parse_change(
    dialect: Dialect,
    sql: &str,
    head: &strata_schema::Schema,
) -> Result<Vec<strata_schema::Op>, DdlError> {
    match dialect {
        Dialect::Sqlite => strata_sqlite::ddl::parse_change(sql, head),
        Dialect::Postgres => strata_postgres::ddl::parse_change(sql, head),
    }
}

/// The PRAGMA lines a SQLite script holds, which record nothing (none in
/// another dialect).
pub fn pragmas(dialect: Dialect, sql: &str) -> Vec<String> {
    match dialect {
        Dialect::Sqlite => strata_sqlite::ddl::pragmas(sql),
        Dialect::Postgres => Vec::new(),
    }
}
