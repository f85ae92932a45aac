//! strata-sqlite as a [`strata_target::Target`]: [`Sqlite`] reaches a
//! database file, [`SqliteDb`] is one open, and a [`Scratch`] in memory
//! proves changes. Each method is the module of this crate that does the
//! work; this file only wires them to the seam.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use strata_schema::diff::Change;
use strata_schema::{Difference, Op, Schema};
use strata_target::{Applied, Kept, Legacy, Mover, Position, Stage, Step, TargetError};

use crate::apply::ApplyError;
use crate::custody::Custody;
use crate::plan::Plan;
use crate::prove::{ProveError, Scratch};

/// The SQLite target: a database is a file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

/// An open SQLite database, configured as strata uses one (see
/// [`crate::apply::open`]).
pub struct SqliteDb {
    conn: Connection,
    path: PathBuf,
}

impl SqliteDb {
    /// The connection, for a caller that reads the database itself.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

impl strata_target::Target for Sqlite {
    type Database = SqliteDb;
    type Scratch = Scratch;
    type Error = ApplyError;

    fn dialect(&self) -> &'static str {
        "sqlite"
    }

    fn engine(&self) -> &'static str {
        "SQLite"
    }

    fn open(&self, location: &Path) -> Result<SqliteDb, ApplyError> {
        Ok(SqliteDb {
            conn: crate::apply::open(location)?,
            path: location.to_path_buf(),
        })
    }

    fn create(&self, location: &Path) -> Result<SqliteDb, ApplyError> {
        Ok(SqliteDb {
            conn: crate::apply::open_new(location)?,
            path: location.to_path_buf(),
        })
    }

    fn render(&self, schema: &Schema) -> Vec<String> {
        crate::render::render_schema(schema)
    }

    fn difference(&self, difference: &Difference) -> String {
        crate::render::difference(difference)
    }

    fn change(&self, change: &Change) -> String {
        crate::render::change_between(change)
    }

    fn statements(&self, from: &Schema, steps: &[Step]) -> Result<Vec<String>, ApplyError> {
        Ok(crate::plan::plan(from, steps)?
            .statements
            .into_iter()
            .map(|s| format!("{};", s.sql.trim_end().trim_end_matches(';')))
            .collect())
    }

    fn read_schema(&self, location: &Path) -> Result<Schema, ApplyError> {
        Ok(crate::introspect::read_file(location)?)
    }

    fn scratch(&self, schema: &Schema) -> Result<Scratch, ProveError> {
        Scratch::new(schema)
    }

    fn reach(&self, schema: &Schema, ops: &mut dyn Iterator<Item = &Op>) -> Schema {
        crate::prove::reach(schema, ops)
    }
}

impl strata_target::Database for SqliteDb {
    type Plan = Plan;
    type Error = ApplyError;

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn position(&self) -> Result<Option<Position>, ApplyError> {
        crate::apply::read_state(&self.conn)
    }

    fn introspect(&self) -> Result<Schema, ApplyError> {
        Ok(crate::introspect::introspect(&self.conn)?)
    }

    fn plan(&self, from: &Schema, steps: &[Step], legacy: Legacy<'_>) -> Result<Plan, ApplyError> {
        let custody = Custody::load(&self.conn, legacy)?;
        Ok(crate::plan::plan_with(from, steps, &custody)?)
    }

    fn apply(
        &mut self,
        plan: &Plan,
        from: Option<&Position>,
        to: &Position,
        target: &Schema,
        mover: &Mover,
    ) -> Result<Applied, ApplyError> {
        crate::apply::apply(
            &mut self.conn,
            plan,
            from,
            to,
            target,
            &mover.who,
            &mover.version,
        )
    }

    fn archives(&self, legacy: Legacy<'_>) -> Result<Vec<Kept>, ApplyError> {
        crate::archive::list(&self.conn, legacy)
    }

    fn purge(&mut self, before: u64, legacy: Legacy<'_>) -> Result<Vec<Kept>, ApplyError> {
        crate::archive::purge(&mut self.conn, before, legacy)
    }

    fn discard(self) -> Result<(), ApplyError> {
        let SqliteDb { conn, path } = self;
        drop(conn);
        std::fs::remove_file(&path).map_err(|e| ApplyError::Open {
            path: path.display().to_string(),
            reason: format!("cannot remove the unfinished file: {e}"),
        })
    }
}

impl strata_target::Plan for Plan {
    fn is_empty(&self) -> bool {
        Plan::is_empty(self)
    }

    fn sql(&self) -> String {
        Plan::sql(self)
    }

    fn losses(&self) -> &[strata_target::Loss] {
        &self.losses
    }

    fn set_note(&mut self, note: String) {
        self.note = Some(note);
    }
}

impl strata_target::Scratch for Scratch {
    type Error = ProveError;

    fn schema(&self) -> &Schema {
        Scratch::schema(self)
    }

    fn forward(&mut self, steps: &[Step]) -> Result<(), ProveError> {
        Scratch::forward(self, steps)
    }

    fn undo(&mut self, steps: &[Step], back_to: &Schema) -> Result<(), ProveError> {
        Scratch::undo(self, steps, back_to)
    }
}

impl TargetError for ApplyError {
    fn moved(&self) -> bool {
        matches!(self, ApplyError::Moved { .. })
    }

    fn help(&self) -> Option<String> {
        ApplyError::help(self).map(str::to_string)
    }
}

impl TargetError for ProveError {
    fn moved(&self) -> bool {
        false
    }

    fn stage(&self) -> Option<Stage> {
        Some(self.stage)
    }
}
