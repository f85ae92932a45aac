//! What a target reports: what an apply archived and took back, what a
//! plan would bring back without its data, and what a database keeps.

use std::fmt;

use crate::Lineage;

/// What data of `table` a restore or a loss is about: its rows, or one
/// column's values.
pub fn data_of(table: &str, column: Option<&str>) -> String {
    match column {
        Some(c) => format!("the values of {table}.{c}"),
        None => format!("the rows of table {table}"),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Data a plan would bring back the shape of, but not the data: its archive
/// was purged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    pub table: String,
    /// `None` for a whole table's rows.
    pub column: Option<String>,
    /// The rows the archive held when it was purged.
    pub rows: u64,
    pub archive_table: String,
    pub purged_at: String,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} row{}, archive {} purged at {})",
            data_of(&self.table, self.column.as_deref()),
            self.rows,
            plural(self.rows),
            self.archive_table,
            self.purged_at
        )
    }
}

/// What one apply did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The plan statements run (bookkeeping aside).
    pub statements: usize,
    pub archived: Vec<Archived>,
    /// Data put back from archives.
    pub restored: Vec<Restored>,
}

/// Data one apply put back from an archive (or could not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub table: String,
    /// `None` for a whole table's rows.
    pub column: Option<String>,
    pub rows: u64,
    /// What the archive still keeps: values whose rows changed since they
    /// were archived, or are gone (they are not put back).
    pub kept: u64,
    pub archive_table: String,
}

impl fmt::Display for Restored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} row{} from {}",
            data_of(&self.table, self.column.as_deref()),
            self.rows,
            plural(self.rows),
            self.archive_table
        )?;
        if self.kept > 0 {
            write!(
                f,
                " ({} more kept there: their rows changed or went since)",
                self.kept
            )?;
        }
        Ok(())
    }
}

/// Data one apply put aside in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archived {
    pub table: String,
    /// `None` when the whole table was archived.
    pub column: Option<String>,
    /// `table`, `column` or `values`.
    pub kind: String,
    pub rows: u64,
    pub archive_table: String,
}

impl fmt::Display for Archived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match (&self.column, self.kind.as_str()) {
            (Some(c), "values") => {
                format!("the values of {}.{c} before its type change", self.table)
            }
            (Some(c), _) => format!("column {}.{c}", self.table),
            (None, _) => format!("table {}", self.table),
        };
        write!(
            f,
            "{what}: {} row{} in {}",
            self.rows,
            plural(self.rows),
            self.archive_table
        )
    }
}

/// One archived thing, as a database lists it.
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
    /// The ledger op whose run made it: what takes it back is that op run
    /// the other way.
    pub lineage: Lineage,
    pub rows: u64,
    /// The space the archive takes in the database.
    pub bytes: u64,
    pub created_at: String,
}
