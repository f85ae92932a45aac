//! strata-sqlite as a [`strata_target::Target`]: [`Sqlite`] reaches a
//! database file, [`SqliteDb`] is one open, and a [`Scratch`] in memory
//! proves changes. Each method is the module of this crate that does the
//! work; this file only wires them to the seam.

use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension};
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

/// An open SQLite database: a file strata opened, configured as strata
/// uses one (see [`crate::apply::open`]), or a connection a program handed
/// over with [`SqliteDb::from_connection`], to take back with
/// [`SqliteDb::into_connection`].
pub struct SqliteDb {
    conn: Connection,
    /// How messages name it.
    name: String,
    /// The file strata opened (which [`strata_target::Database::discard`]
    /// removes); `None` for a connection handed over.
    path: Option<PathBuf>,
    /// For a connection handed over: the caller's settings strata changed,
    /// put back by [`SqliteDb::into_connection`].
    caller: Vec<(DbConfig, bool)>,
}

/// A connection [`SqliteDb::from_connection`] would not take: the
/// connection, as it was handed over, and why.
pub struct Refused {
    pub conn: Connection,
    pub error: Box<ApplyError>,
}

impl std::fmt::Debug for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refused")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// The settings strata needs on a connection handed over, and the value it
/// needs: double-quoted string literals off (strata's SQL quotes every
/// name, and a recorded statement was proven with them off), and ALTER
/// TABLE's current behaviour (RENAME rewrites the references to what it
/// renames; the legacy behaviour leaves them dangling).
const STRATA_CONFIG: [(DbConfig, bool); 3] = [
    (DbConfig::SQLITE_DBCONFIG_DQS_DDL, false),
    (DbConfig::SQLITE_DBCONFIG_DQS_DML, false),
    (DbConfig::SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, false),
];

impl SqliteDb {
    /// The connection, for a caller that reads the database itself.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Stop what runs on the connection once `stop` is set (a Ctrl-C): the
    /// statement running then, or the next one that runs long enough to be
    /// checked (every 1,000 steps of SQLite's machine), fails as
    /// interrupted, and an apply rolls back as on any error. An apply whose
    /// statements were all done when it was set commits.
    pub fn stop_when(
        &mut self,
        stop: &'static std::sync::atomic::AtomicBool,
    ) -> Result<(), ApplyError> {
        let name = self.name.clone();
        self.conn
            .progress_handler(
                1000,
                Some(move || stop.load(std::sync::atomic::Ordering::SeqCst)),
            )
            .map_err(|e| crate::apply::classify(e, &name))
    }

    /// Takes over a connection a program opened itself, to apply to its
    /// `main` database; [`SqliteDb::into_connection`] gives it back. The
    /// database is named by its file's path, or `:memory:`.
    ///
    /// Refused: a connection inside a transaction (strata applies in a
    /// transaction of its own), one with temporary tables, views or
    /// triggers (strata names the database's objects unqualified, and a
    /// temporary one would be taken for them or fire on them), a read-only
    /// one, and one whose file is not a SQLite database. A refused
    /// connection comes back with the error ([`Refused`]), as it was.
    ///
    /// What strata changes on the connection, and gives back as it was:
    /// double-quoted string literals are off, and ALTER TABLE's legacy
    /// behaviour too, while strata holds it, as on the connections strata
    /// opens itself; `PRAGMA foreign_keys` is on during each apply (off
    /// around it when the plan needs that), then back to the caller's
    /// value. What it leaves to the caller: the busy timeout or handler
    /// (rusqlite's default is 5 s, strata's own; with none, a database
    /// another connection locks fails an apply at once with
    /// [`ApplyError::Locked`]), and every other pragma and setting.
    pub fn from_connection(conn: Connection) -> Result<SqliteDb, Refused> {
        match SqliteDb::take(&conn) {
            Ok((name, caller)) => Ok(SqliteDb {
                conn,
                name,
                path: None,
                caller,
            }),
            Err(error) => Err(Refused {
                conn,
                error: Box::new(error),
            }),
        }
    }

    /// The checks and settings of [`SqliteDb::from_connection`]: the
    /// database's name and the caller's settings it changed.
    fn take(conn: &Connection) -> Result<(String, Vec<(DbConfig, bool)>), ApplyError> {
        let name = crate::apply::name_of(conn);
        // SQLite reads the file lazily: reading the schema's header now
        // makes a file that is not a database fail here.
        let temporary = conn
            .query_row("SELECT count(*) FROM main.sqlite_schema", [], |r| {
                r.get::<_, i64>(0)
            })
            .and_then(|_| {
                conn.query_row(
                    "SELECT type, name FROM temp.sqlite_schema ORDER BY rowid LIMIT 1",
                    [],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()
            })
            .map_err(|e| crate::apply::classify(e, &name))?;
        if !conn.is_autocommit() {
            return Err(ApplyError::InTransaction { path: name });
        }
        if let Some((kind, object)) = temporary {
            return Err(ApplyError::Temporary {
                path: name,
                kind,
                name: object,
            });
        }
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Err(ApplyError::ReadOnly { path: name });
        }
        let mut caller = Vec::with_capacity(STRATA_CONFIG.len());
        for (setting, wanted) in STRATA_CONFIG {
            let was = conn
                .db_config(setting)
                .map_err(|e| crate::apply::classify(e, &name))?;
            if was != wanted {
                if let Err(e) = conn.set_db_config(setting, wanted) {
                    restore(conn, &caller);
                    return Err(crate::apply::classify(e, &name));
                }
                caller.push((setting, was));
            }
        }
        Ok((name, caller))
    }

    /// The connection back, with the settings [`SqliteDb::from_connection`]
    /// changed put back as they were. A database strata opened itself gives
    /// its connection as strata configured it.
    pub fn into_connection(self) -> Connection {
        restore(&self.conn, &self.caller);
        self.conn
    }
}

/// Puts back the caller's settings. Setting a flag SQLite just read back
/// does not fail; were it ever to, the connection is still the caller's to
/// use, so nothing is reported.
fn restore(conn: &Connection, caller: &[(DbConfig, bool)]) {
    for &(setting, was) in caller {
        let _ = conn.set_db_config(setting, was);
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
            name: location.display().to_string(),
            path: Some(location.to_path_buf()),
            caller: Vec::new(),
        })
    }

    fn create(&self, location: &Path) -> Result<SqliteDb, ApplyError> {
        Ok(SqliteDb {
            conn: crate::apply::open_new(location)?,
            name: location.display().to_string(),
            path: Some(location.to_path_buf()),
            caller: Vec::new(),
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
        self.name.clone()
    }

    fn position(&self) -> Result<Option<Position>, ApplyError> {
        crate::apply::read_state(&self.conn)
    }

    fn sealed(&self) -> Result<bool, ApplyError> {
        crate::seal::sealed(&self.conn)
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

    /// A connection handed over is closed, and its database left: strata
    /// did not make it.
    fn discard(self) -> Result<(), ApplyError> {
        let SqliteDb { conn, path, .. } = self;
        drop(conn);
        let Some(path) = path else {
            return Ok(());
        };
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
