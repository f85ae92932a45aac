//! Why a script of DDL could not be recorded, and where: what every
//! target's reader of `strata record` scripts reports.

use std::fmt;

use strata_schema::ProjectError;

/// Why a script could not be recorded, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdlError {
    /// The statement's number in the script, from 1.
    pub statement: usize,
    /// Where the statement starts (1-based; columns count characters).
    pub line: u64,
    pub column: u64,
    /// The start of the statement, on one line.
    pub excerpt: String,
    pub kind: DdlErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DdlErrorKind {
    /// A statement strata does not record (SELECT, PRAGMA, GRANT, ...).
    Unsupported,
    /// Not valid SQL; the message says where the parser stopped.
    Syntax(String),
    /// Valid SQL that strata's model cannot hold as written.
    NotRecordable(String),
    /// The statement does not fit the schema as it stands at that point.
    Project(ProjectError),
}

const ACCEPTED: &str = "strata records CREATE/DROP/ALTER TABLE, CREATE/DROP INDEX, VIEW and TRIGGER, and INSERT/UPDATE/DELETE data steps";

impl DdlError {
    /// What is wrong without where it is: the start of the statement and
    /// why, for callers that name the place their own way (`FILE:LINE`).
    pub fn reason(&self) -> String {
        match &self.kind {
            DdlErrorKind::Unsupported => {
                format!("unsupported statement {}: {ACCEPTED}", self.excerpt)
            }
            DdlErrorKind::Syntax(m) => format!("syntax error in {}: {m}", self.excerpt),
            DdlErrorKind::NotRecordable(m) => format!("{}: {m}", self.excerpt),
            DdlErrorKind::Project(e) => format!("{}: {e}", self.excerpt),
        }
    }
}

impl fmt::Display for DdlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "statement {} (line {}, column {}): {}",
            self.statement,
            self.line,
            self.column,
            self.reason()
        )
    }
}

impl std::error::Error for DdlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            DdlErrorKind::Project(e) => Some(e),
            _ => None,
        }
    }
}
