//! strata-target: what a database target does, and the types every target
//! shares. The reconciler (`strata-reconcile`) decides where a database
//! stands, whether it drifted and which [`Step`]s move it; a target carries
//! those steps out on one kind of database: it opens a database, reads the
//! [`Position`] strata recorded there, reads its live schema back, plans the
//! steps as its own SQL (keeping the data each step drops, and taking it back
//! by [`Lineage`]), applies a plan with the bookkeeping in one transaction,
//! lists and purges what it keeps, renders a schema as DDL and proves a
//! change on a scratch database before it is recorded.
//!
//! This crate knows the schema model only: no ledger store, no database
//! engine. `strata-sqlite` implements it; docs/ARCHITECTURE.md ("Adding a
//! target") says how another target does.

mod ddl_error;
#[doc(hidden)]
pub mod failpoint;
mod report;
mod step;
pub mod words;

use std::path::Path;

use strata_schema::diff::Change;
use strata_schema::{Difference, Op, Schema};

pub use ddl_error::{DdlError, DdlErrorKind};
pub use report::{data_of, Applied, Archived, Kept, Loss, Restored};
pub use step::{Lineage, Position, Step};
pub use strata_schema::Hash;

/// How a target names an archive an earlier version of it made, whose
/// catalog row kept only the event and op that made it and whether that op
/// ran as an undo: the reconciler answers with the op's lineage.
pub type Legacy<'a> = &'a dyn Fn(u64, u32, bool) -> Lineage;

/// What the reconciler needs to know of a target's error to decide what to
/// do next; the error's own text says the rest.
pub trait TargetError: std::error::Error + Send + Sync + 'static {
    /// Another process moved the database between the plan and its apply:
    /// nothing was changed, and the move may already be done.
    fn moved(&self) -> bool;

    /// Which part of a proof the error refused; `None` when it is not a
    /// refusal of a change being proven (the database itself failed).
    fn stage(&self) -> Option<Stage> {
        None
    }

    /// What to do about it, when the target has advice to give.
    fn help(&self) -> Option<String> {
        None
    }
}

/// One kind of database: how to reach one, and what needs no database at
/// all (rendering DDL, proving a change on a scratch database).
pub trait Target {
    /// A database of this kind, open.
    type Database: Database<Error = Self::Error>;
    /// A scratch database, to prove changes on before they are recorded.
    type Scratch: Scratch;
    type Error: TargetError;

    /// The dialect this target reads and writes SQL in, as the ledger
    /// records it (`sqlite`).
    fn dialect(&self) -> &'static str;

    /// The database engine, as users know it (`SQLite`), for messages.
    fn engine(&self) -> &'static str;

    /// Opens the database at `location`, creating it when it does not exist
    /// (an empty database is at point 0).
    fn open(&self, location: &Path) -> Result<Self::Database, Self::Error>;

    /// Creates a new database at `location`, refusing one that exists.
    fn create(&self, location: &Path) -> Result<Self::Database, Self::Error>;

    /// The DDL statements that build `schema` on an empty database, in an
    /// order that runs.
    fn render(&self, schema: &Schema) -> Vec<String>;

    /// One difference between two schemas (drift, a failed check), on one
    /// line, values written in the dialect's SQL.
    fn difference(&self, difference: &Difference) -> String;

    /// What changed about the object a difference names, read as a change
    /// from the schema it was computed against (an earlier point of the
    /// ledger) to the other (a later one): one phrase, values written in
    /// the dialect's SQL (`added`, `dropped column email (was ...)`). What
    /// `diff` lists after the object's kind and name.
    fn change(&self, change: &Change) -> String;

    /// The statements that carry a database at schema `from`, which keeps
    /// no archives, through `steps` (bookkeeping aside): what `plan` shows.
    fn statements(&self, from: &Schema, steps: &[Step]) -> Result<Vec<String>, Self::Error>;

    /// The schema of the database at `location`, which exists, read without
    /// writing anything.
    fn read_schema(&self, location: &Path) -> Result<Schema, Self::Error>;

    /// A scratch database holding `schema` (tables empty). The part of a
    /// large schema a change cannot reach may be left out: see
    /// [`Target::reach`].
    fn scratch(&self, schema: &Schema) -> Result<Self::Scratch, <Self::Scratch as Scratch>::Error>;

    /// The part of `schema` that `ops` can touch or depend on: what a
    /// scratch database needs to prove them.
    fn reach(&self, schema: &Schema, ops: &mut dyn Iterator<Item = &Op>) -> Schema;
}

/// A scratch database: changes are proven by running them on it, forwards
/// and back, before they are recorded.
pub trait Scratch {
    type Error: TargetError;

    /// The schema the scratch database holds now.
    fn schema(&self) -> &Schema;

    /// Runs `steps` forwards.
    fn forward(&mut self, steps: &[Step]) -> Result<(), Self::Error>;

    /// Runs `steps` (the undo of the last forward steps), which must bring
    /// the database back to `back_to`. A refusal's [`TargetError::stage`]
    /// says which part failed.
    fn undo(&mut self, steps: &[Step], back_to: &Schema) -> Result<(), Self::Error>;
}

/// Which part of a proof failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The schema before the change could not be built: an earlier event is
    /// one no database can pass.
    Before,
    /// The change itself.
    Event,
    /// Undoing the change, or doing it again after the undo.
    Undo,
}

/// A plan: what a target runs to carry a database through some steps.
pub trait Plan {
    /// Whether the plan changes nothing (bookkeeping aside).
    fn is_empty(&self) -> bool;

    /// The exact script apply runs, as `apply --dry-run` prints it.
    fn sql(&self) -> String;

    /// Tables or columns the plan brings back without their data: their
    /// archives were purged.
    fn losses(&self) -> &[Loss];

    /// A note the apply writes in the database's log (why it went ahead
    /// with losses).
    fn set_note(&mut self, note: String);
}

/// Who moves a database, for its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mover {
    pub who: String,
    /// The version of strata that moves it.
    pub version: String,
}

impl Mover {
    /// `who`, moving with this version of strata.
    pub fn named(who: impl Into<String>) -> Mover {
        Mover {
            who: who.into(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// An open database of one target.
pub trait Database {
    type Plan: Plan;
    type Error: TargetError;

    /// How messages name the database (its path, its URL without password).
    fn name(&self) -> String;

    /// The point strata recorded in the database; `None` when strata never
    /// applied to it.
    fn position(&self) -> Result<Option<Position>, Self::Error>;

    /// The live schema, strata's own objects left out.
    fn introspect(&self) -> Result<Schema, Self::Error>;

    /// Whether the live schema is exactly what the last apply left, at the
    /// point it recorded: a survey would find no drift there, so a database
    /// recorded at the point wanted needs no introspection at all. It is
    /// meant to be cheap (a read of the schema's text, not of its model).
    ///
    /// `true` is a promise; `false` only means "look properly" (survey):
    /// the database may well be unchanged, for instance when strata never
    /// applied to it, when an earlier version of strata made it, or when a
    /// change made by hand was undone by hand. The default keeps no seal
    /// and always answers `false`, which is never wrong, only slower.
    fn sealed(&self) -> Result<bool, Self::Error> {
        Ok(false)
    }

    /// The plan that moves the database, now at schema `from`, through
    /// `steps`: each op's data archived before it drops any, and data taken
    /// back from the archives whose lineage an op undoes. `legacy` names
    /// archives an earlier version made.
    fn plan(
        &self,
        from: &Schema,
        steps: &[Step],
        legacy: Legacy<'_>,
    ) -> Result<Self::Plan, Self::Error>;

    /// Runs `plan` and the bookkeeping in one transaction: the database
    /// moves from `from` (`None`: strata never applied to it) to `to`, whose
    /// schema is `target`, or nothing changes. The live schema is compared
    /// with `target` before committing.
    fn apply(
        &mut self,
        plan: &Self::Plan,
        from: Option<&Position>,
        to: &Position,
        target: &Schema,
        mover: &Mover,
    ) -> Result<Applied, Self::Error>;

    /// What the database keeps of dropped data, oldest first.
    fn archives(&self, legacy: Legacy<'_>) -> Result<Vec<Kept>, Self::Error>;

    /// Removes what the events up to `before` archived; returns what went.
    fn purge(&mut self, before: u64, legacy: Legacy<'_>) -> Result<Vec<Kept>, Self::Error>;

    /// Removes a database [`Target::create`] made, after a failure left it
    /// unfinished.
    fn discard(self) -> Result<(), Self::Error>;
}
