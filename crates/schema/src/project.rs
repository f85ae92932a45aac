//! Projection: applying an op to a schema.

use crate::model::Schema;
use crate::op::Op;

/// Why an op does not fit the schema it is applied to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    #[error("no table named {0}")]
    NoSuchTable(String),
    #[error("table {table} has no column named {column}")]
    NoSuchColumn { table: String, column: String },
    #[error("no {kind} named {name}")]
    NoSuchObject { kind: &'static str, name: String },
    #[error("{kind} {name} already exists")]
    AlreadyExists { kind: &'static str, name: String },
    #[error("{what} is still used by {by}")]
    InUse { what: String, by: String },
    #[error("{what} does not match the schema: {reason}")]
    Mismatch { what: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

/// Apply `op` to `schema`. On error the schema is unchanged.
pub fn project(schema: &mut Schema, op: &Op) -> Result<(), ProjectError> {
    let _ = (schema, op);
    todo!("projection")
}

/// Apply `ops` in order. On error the schema is unchanged and the error
/// carries the index of the op that failed.
pub fn project_all(schema: &mut Schema, ops: &[Op]) -> Result<(), (usize, ProjectError)> {
    let mut next = schema.clone();
    for (i, op) in ops.iter().enumerate() {
        project(&mut next, op).map_err(|e| (i, e))?;
    }
    *schema = next;
    Ok(())
}
