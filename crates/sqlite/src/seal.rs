//! The seal: a digest of a database's schema that every apply takes just
//! before it commits, after checking that schema against the ledger, and
//! keeps in `_strata_state`. Recomputed later and found equal, it says that
//! the schema is still exactly what that apply left at the point it
//! recorded, so a survey would find no drift, without reading the schema
//! into the model (introspection costs milliseconds per thousand tables; the
//! seal is one read of `sqlite_schema` and a hash).
//!
//! What is digested, in this order, each field tagged with its type and
//! length-prefixed so no two inputs run together:
//!
//! - the point the database records: ledger id, seq and hash, as
//!   `_strata_state` keeps them (a point edited by hand breaks the seal);
//! - the number of rows that follow, then every row of `main.sqlite_schema`
//!   that introspection reads, as its `type`, `name`, `tbl_name` and
//!   `sql`, the rows sorted by their encoding (so not in storage order).
//!
//! Left out, as introspection leaves them out: strata's own objects (names
//! starting `_strata_`, and objects on such tables), so purging an archive
//! keeps the seal; and SQLite's internal ones (`sqlite_*`), so `ANALYZE` or
//! `PRAGMA optimize`, which create `sqlite_stat1`, keep it too. `rootpage` is
//! left out, and the rows are not taken in storage order, since `VACUUM`
//! renumbers the pages and rewrites `sqlite_schema` in another order
//! without changing the schema.
//!
//! Why equal digests mean no drift: introspection reads only those rows and
//! what SQLite's pragmas derive from their SQL text (columns, keys, indexes,
//! foreign keys, table options), and the apply that took the seal had read
//! the same text back and found it equal to the ledger's schema at the point
//! it recorded. A seal taken by another version of strata is compared the
//! same way: what it vouches for is that nothing changed since, not how a
//! newer version would read it.

use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;
use strata_dialect::sqlite::text::quote_ident;
use strata_target::Position;

use crate::apply::{classify, name_of, read_state, ApplyError};
use crate::introspect::is_internal_bytes;
use crate::plan::{SEAL_COLUMN, STATE_TABLE};

/// What every digest starts with: the scheme and its version.
const SCHEME: &[u8] = b"strata sqlite seal 1\0";

/// The digest of the schema of `conn`'s main database, with `at` the point
/// it records: lowercase hex, as the seal column keeps it.
pub fn digest(conn: &Connection, at: &Position) -> Result<String, ApplyError> {
    let name = name_of(conn);
    let fail = |e| classify(e, &name);
    // Each row encoded, then the encodings sorted: the order is the rows'
    // own, whatever order SQLite stores them in (VACUUM changes it), and
    // sorting the encodings costs less than asking SQLite to sort the text.
    let mut encoded = Vec::with_capacity(64 * 1024);
    let mut rows_at = Vec::new();
    let mut query = conn
        .prepare_cached("SELECT type, name, tbl_name, sql FROM main.sqlite_schema")
        .map_err(fail)?;
    let mut rows = query.query([]).map_err(fail)?;
    while let Some(row) = rows.next().map_err(fail)? {
        let internal = |i: usize| -> rusqlite::Result<bool> {
            Ok(matches!(row.get_ref(i)?, ValueRef::Text(t) if is_internal_bytes(t)))
        };
        if internal(1).map_err(fail)? || internal(2).map_err(fail)? {
            continue;
        }
        let start = encoded.len();
        for i in 0..4 {
            field(&mut encoded, row.get_ref(i).map_err(fail)?);
        }
        rows_at.push(start..encoded.len());
    }
    rows_at.sort_unstable_by(|a, b| encoded[a.clone()].cmp(&encoded[b.clone()]));

    let mut point = Vec::new();
    field(
        &mut point,
        ValueRef::Text(at.ledger_id.to_string().as_bytes()),
    );
    field(&mut point, ValueRef::Integer(at.seq as i64));
    field(&mut point, ValueRef::Text(at.hash.to_string().as_bytes()));
    // One input, hashed at once: blake3 hashes a long input several chunks
    // at a time, and many short ones a block at a time.
    let mut input = Vec::with_capacity(SCHEME.len() + point.len() + 8 + encoded.len());
    input.extend_from_slice(SCHEME);
    input.extend_from_slice(&point);
    input.extend_from_slice(&(rows_at.len() as u64).to_le_bytes());
    for row in rows_at {
        input.extend_from_slice(&encoded[row]);
    }
    Ok(blake3::hash(&input).to_hex().to_string())
}

/// Whether the schema of `conn` is exactly what the last apply left, at the
/// point it recorded: its seal is there and equal to the digest taken now.
/// `false` for a database strata never applied to, and for one whose state
/// table an earlier version made (no seal yet: its next apply adds one).
pub fn sealed(conn: &Connection) -> Result<bool, ApplyError> {
    let Some(at) = read_state(conn)? else {
        return Ok(false);
    };
    let Some(kept) = kept(conn)? else {
        return Ok(false);
    };
    Ok(kept == digest(conn, &at)?)
}

/// The seal `_strata_state` keeps, when it has the column and a text in it.
fn kept(conn: &Connection) -> Result<Option<String>, ApplyError> {
    let name = name_of(conn);
    let fail = |e| classify(e, &name);
    // Every column, so that a state table without the seal's column (an
    // earlier version's) reads without an error.
    // Not cached: what `*` stands for is decided when it is prepared.
    let mut query = conn
        .prepare(&format!(
            "SELECT * FROM {} WHERE \"id\" = 1",
            quote_ident(STATE_TABLE)
        ))
        .map_err(fail)?;
    let Some(column) = query
        .column_names()
        .position(|c| c.eq_ignore_ascii_case(SEAL_COLUMN))
    else {
        return Ok(None);
    };
    let mut rows = query.query([]).map_err(fail)?;
    let Some(row) = rows.next().map_err(fail)? else {
        return Ok(None);
    };
    Ok(match row.get::<_, Value>(column).map_err(fail)? {
        Value::Text(seal) => Some(seal),
        _ => None,
    })
}

/// One field of the digest, appended to `out`: a tag for its type, then
/// its bytes, length-prefixed where their length varies. No encoding is a
/// prefix of another, so a run of fields reads back one way only.
fn field(out: &mut Vec<u8>, value: ValueRef<'_>) {
    match value {
        ValueRef::Null => out.push(0),
        ValueRef::Integer(i) => {
            out.push(1);
            out.extend_from_slice(&i.to_le_bytes());
        }
        ValueRef::Real(r) => {
            out.push(2);
            out.extend_from_slice(&r.to_bits().to_le_bytes());
        }
        ValueRef::Text(t) => {
            out.push(3);
            out.extend_from_slice(&(t.len() as u64).to_le_bytes());
            out.extend_from_slice(t);
        }
        ValueRef::Blob(b) => {
            out.push(4);
            out.extend_from_slice(&(b.len() as u64).to_le_bytes());
            out.extend_from_slice(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(values: &[ValueRef<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in values {
            field(&mut out, *v);
        }
        out
    }

    #[test]
    fn fields_do_not_run_together() {
        let t = |s: &'static str| ValueRef::Text(s.as_bytes());
        assert_ne!(hash(&[t("ab"), t("c")]), hash(&[t("a"), t("bc")]));
        assert_ne!(hash(&[t(""), t("a")]), hash(&[t("a"), t("")]));
        assert_ne!(hash(&[ValueRef::Null]), hash(&[t("")]));
        assert_ne!(hash(&[ValueRef::Integer(1)]), hash(&[t("1")]));
        assert_ne!(hash(&[ValueRef::Blob(b"x")]), hash(&[ValueRef::Text(b"x")]));
    }
}
