//! One target type over both of strata's targets, SQLite and PostgreSQL,
//! chosen by the ledger's dialect: the commands are written once against
//! `Reconciler<'_, AnyTarget>`, and each call goes to the target the
//! ledger's SQL is written for. A database of the other kind (a URL for a
//! SQLite ledger, a file for a PostgreSQL one) is refused with the reason.

use std::path::Path;

use strata_postgres::{PgError, Postgres, PostgresDb};
use strata_schema::diff::Change;
use strata_schema::{Difference, Op, Schema};
use strata_sqlite::{Sqlite, SqliteDb};
use strata_target::{
    Applied, Database, Kept, Legacy, Loss, Mover, Plan, Position, Scratch, Stage, Step, Target,
    TargetError,
};

/// A target of either kind.
#[derive(Debug)]
pub enum AnyTarget {
    Sqlite(Sqlite),
    Postgres(Postgres),
}

/// A database of either kind.
pub enum AnyDb {
    Sqlite(SqliteDb),
    Postgres(PostgresDb),
}

/// A plan of either kind.
pub enum AnyPlan {
    Sqlite(Box<strata_sqlite::plan::Plan>),
    Postgres(strata_postgres::plan::Plan),
}

/// A scratch database of either kind.
pub enum AnyScratch {
    Sqlite(strata_sqlite::prove::Scratch),
    Postgres(strata_postgres::Scratch),
}

/// Either target's error, as the reconciler needs it.
#[derive(Debug)]
pub struct AnyError(Box<dyn TargetError>);

impl AnyError {
    fn of(e: impl TargetError) -> AnyError {
        AnyError(Box::new(e))
    }

    /// A database of the other kind than the ledger's.
    fn kind(message: String) -> AnyError {
        AnyError::of(PgError::new(message).help(
            "a SQLite ledger moves SQLite files; a PostgreSQL ledger (init --dialect postgres) moves databases named by postgresql:// URLs",
        ))
    }
}

impl std::fmt::Display for AnyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AnyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl TargetError for AnyError {
    fn moved(&self) -> bool {
        self.0.moved()
    }

    fn stage(&self) -> Option<Stage> {
        self.0.stage()
    }

    fn help(&self) -> Option<String> {
        self.0.help()
    }
}

/// Whether `location` is a PostgreSQL URL rather than a SQLite file.
pub fn is_url(location: &Path) -> bool {
    location.to_str().is_some_and(strata_postgres::is_url)
}

/// How messages name the database at `location`: a URL without its
/// password, a file by its path.
pub fn shown<P: AsRef<Path> + ?Sized>(location: &P) -> String {
    let location = location.as_ref();
    match location.to_str() {
        Some(s) if strata_postgres::is_url(s) => strata_postgres::redact(s),
        _ => location.display().to_string(),
    }
}

/// `location` as [`shown`] writes it, for a report's JSON.
pub fn serialize_shown<S: serde::Serializer>(location: &&Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&shown(location))
}

impl AnyTarget {
    fn check(&self, location: &Path) -> Result<(), AnyError> {
        match (self, is_url(location)) {
            (AnyTarget::Sqlite(_), true) => Err(AnyError::kind(format!(
                "{} is a PostgreSQL database, and this ledger's SQL is SQLite's",
                shown(&location)
            ))),
            (AnyTarget::Postgres(_), false) => Err(AnyError::kind(format!(
                "{} is not a postgresql:// URL, and this ledger's SQL is PostgreSQL's",
                location.display()
            ))),
            _ => Ok(()),
        }
    }
}

fn mismatch() -> AnyError {
    AnyError::kind("a database of one kind was given to the other kind's target".to_string())
}

impl Target for AnyTarget {
    type Database = AnyDb;
    type Scratch = AnyScratch;
    type Error = AnyError;

    fn dialect(&self) -> &'static str {
        match self {
            AnyTarget::Sqlite(t) => t.dialect(),
            AnyTarget::Postgres(t) => t.dialect(),
        }
    }

    fn engine(&self) -> &'static str {
        match self {
            AnyTarget::Sqlite(t) => t.engine(),
            AnyTarget::Postgres(t) => t.engine(),
        }
    }

    fn open(&self, location: &Path) -> Result<AnyDb, AnyError> {
        self.check(location)?;
        match self {
            AnyTarget::Sqlite(t) => t.open(location).map(AnyDb::Sqlite).map_err(AnyError::of),
            AnyTarget::Postgres(t) => t.open(location).map(AnyDb::Postgres).map_err(AnyError::of),
        }
    }

    fn create(&self, location: &Path) -> Result<AnyDb, AnyError> {
        self.check(location)?;
        match self {
            AnyTarget::Sqlite(t) => t.create(location).map(AnyDb::Sqlite).map_err(AnyError::of),
            AnyTarget::Postgres(t) => t
                .create(location)
                .map(AnyDb::Postgres)
                .map_err(AnyError::of),
        }
    }

    fn render(&self, schema: &Schema) -> Vec<String> {
        match self {
            AnyTarget::Sqlite(t) => t.render(schema),
            AnyTarget::Postgres(t) => t.render(schema),
        }
    }

    fn difference(&self, difference: &Difference) -> String {
        match self {
            AnyTarget::Sqlite(t) => t.difference(difference),
            AnyTarget::Postgres(t) => t.difference(difference),
        }
    }

    fn change(&self, change: &Change) -> String {
        match self {
            AnyTarget::Sqlite(t) => t.change(change),
            AnyTarget::Postgres(t) => t.change(change),
        }
    }

    fn statements(&self, from: &Schema, steps: &[Step]) -> Result<Vec<String>, AnyError> {
        match self {
            AnyTarget::Sqlite(t) => t.statements(from, steps).map_err(AnyError::of),
            AnyTarget::Postgres(t) => t.statements(from, steps).map_err(AnyError::of),
        }
    }

    fn read_schema(&self, location: &Path) -> Result<Schema, AnyError> {
        self.check(location)?;
        match self {
            AnyTarget::Sqlite(t) => t.read_schema(location).map_err(AnyError::of),
            AnyTarget::Postgres(t) => t.read_schema(location).map_err(AnyError::of),
        }
    }

    fn scratch(&self, schema: &Schema) -> Result<AnyScratch, AnyError> {
        match self {
            AnyTarget::Sqlite(t) => t
                .scratch(schema)
                .map(AnyScratch::Sqlite)
                .map_err(AnyError::of),
            AnyTarget::Postgres(t) => t
                .scratch(schema)
                .map(AnyScratch::Postgres)
                .map_err(AnyError::of),
        }
    }

    fn reach(&self, schema: &Schema, ops: &mut dyn Iterator<Item = &Op>) -> Schema {
        match self {
            AnyTarget::Sqlite(t) => t.reach(schema, ops),
            AnyTarget::Postgres(t) => t.reach(schema, ops),
        }
    }
}

impl AnyDb {
    /// Stop a running apply at a safe point when `stop` is set (Ctrl-C).
    /// A PostgreSQL apply needs no hook: the server rolls the transaction
    /// back when the connection goes.
    pub fn stop_when(
        &mut self,
        stop: &'static std::sync::atomic::AtomicBool,
    ) -> Result<(), AnyError> {
        match self {
            AnyDb::Sqlite(db) => db.stop_when(stop).map_err(AnyError::of),
            AnyDb::Postgres(_) => Ok(()),
        }
    }
}

impl Database for AnyDb {
    type Plan = AnyPlan;
    type Error = AnyError;

    fn name(&self) -> String {
        match self {
            AnyDb::Sqlite(db) => db.name(),
            AnyDb::Postgres(db) => db.name(),
        }
    }

    fn position(&self) -> Result<Option<Position>, AnyError> {
        match self {
            AnyDb::Sqlite(db) => db.position().map_err(AnyError::of),
            AnyDb::Postgres(db) => db.position().map_err(AnyError::of),
        }
    }

    fn introspect(&self) -> Result<Schema, AnyError> {
        match self {
            AnyDb::Sqlite(db) => db.introspect().map_err(AnyError::of),
            AnyDb::Postgres(db) => db.introspect().map_err(AnyError::of),
        }
    }

    fn sealed(&self) -> Result<bool, AnyError> {
        match self {
            AnyDb::Sqlite(db) => db.sealed().map_err(AnyError::of),
            AnyDb::Postgres(db) => db.sealed().map_err(AnyError::of),
        }
    }

    fn plan(&self, from: &Schema, steps: &[Step], legacy: Legacy<'_>) -> Result<AnyPlan, AnyError> {
        match self {
            AnyDb::Sqlite(db) => db
                .plan(from, steps, legacy)
                .map(|p| AnyPlan::Sqlite(Box::new(p)))
                .map_err(AnyError::of),
            AnyDb::Postgres(db) => db
                .plan(from, steps, legacy)
                .map(AnyPlan::Postgres)
                .map_err(AnyError::of),
        }
    }

    fn apply(
        &mut self,
        plan: &AnyPlan,
        from: Option<&Position>,
        to: &Position,
        target: &Schema,
        mover: &Mover,
    ) -> Result<Applied, AnyError> {
        match (self, plan) {
            (AnyDb::Sqlite(db), AnyPlan::Sqlite(p)) => {
                db.apply(p, from, to, target, mover).map_err(AnyError::of)
            }
            (AnyDb::Postgres(db), AnyPlan::Postgres(p)) => {
                db.apply(p, from, to, target, mover).map_err(AnyError::of)
            }
            _ => Err(mismatch()),
        }
    }

    fn archives(&self, legacy: Legacy<'_>) -> Result<Vec<Kept>, AnyError> {
        match self {
            AnyDb::Sqlite(db) => db.archives(legacy).map_err(AnyError::of),
            AnyDb::Postgres(db) => db.archives(legacy).map_err(AnyError::of),
        }
    }

    fn purge(&mut self, before: u64, legacy: Legacy<'_>) -> Result<Vec<Kept>, AnyError> {
        match self {
            AnyDb::Sqlite(db) => db.purge(before, legacy).map_err(AnyError::of),
            AnyDb::Postgres(db) => db.purge(before, legacy).map_err(AnyError::of),
        }
    }

    fn discard(self) -> Result<(), AnyError> {
        match self {
            AnyDb::Sqlite(db) => db.discard().map_err(AnyError::of),
            AnyDb::Postgres(db) => db.discard().map_err(AnyError::of),
        }
    }
}

impl Plan for AnyPlan {
    fn is_empty(&self) -> bool {
        match self {
            AnyPlan::Sqlite(p) => Plan::is_empty(&**p),
            AnyPlan::Postgres(p) => p.is_empty(),
        }
    }

    fn sql(&self) -> String {
        match self {
            AnyPlan::Sqlite(p) => Plan::sql(&**p),
            AnyPlan::Postgres(p) => Plan::sql(p),
        }
    }

    fn losses(&self) -> &[Loss] {
        match self {
            AnyPlan::Sqlite(p) => Plan::losses(&**p),
            AnyPlan::Postgres(p) => Plan::losses(p),
        }
    }

    fn set_note(&mut self, note: String) {
        match self {
            AnyPlan::Sqlite(p) => Plan::set_note(&mut **p, note),
            AnyPlan::Postgres(p) => Plan::set_note(p, note),
        }
    }
}

impl Scratch for AnyScratch {
    type Error = AnyError;

    fn schema(&self) -> &Schema {
        match self {
            AnyScratch::Sqlite(s) => s.schema(),
            AnyScratch::Postgres(s) => strata_target::Scratch::schema(s),
        }
    }

    fn forward(&mut self, steps: &[Step]) -> Result<(), AnyError> {
        match self {
            AnyScratch::Sqlite(s) => {
                strata_target::Scratch::forward(s, steps).map_err(AnyError::of)
            }
            AnyScratch::Postgres(s) => {
                strata_target::Scratch::forward(s, steps).map_err(AnyError::of)
            }
        }
    }

    fn undo(&mut self, steps: &[Step], back_to: &Schema) -> Result<(), AnyError> {
        match self {
            AnyScratch::Sqlite(s) => {
                strata_target::Scratch::undo(s, steps, back_to).map_err(AnyError::of)
            }
            AnyScratch::Postgres(s) => {
                strata_target::Scratch::undo(s, steps, back_to).map_err(AnyError::of)
            }
        }
    }
}
