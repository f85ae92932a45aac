//! strata-reconcile: strata's reconciler as a library, over the ledger and
//! any [`Target`]. It answers where a database stands in the ledger
//! (including a database a baseline adopted), whether it drifted, which
//! steps move it between two points and what they restore, and it proves a
//! change before it is recorded. The `strata` command line calls it; so can
//! an application that brings its database to head at start-up:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use strata_reconcile::{Mover, Reconciler};
//! let ledger = strata_ledger::Ledger::open("ledger-data")?;
//! let target = strata_sqlite::Sqlite;
//! let r = Reconciler::new(&target, &ledger);
//! let mut db = r.open(std::path::Path::new("app.db"))?;
//! if r.at_rest(&db, ledger.head_seq())? {
//!     // At head, and untouched since the apply that brought it there.
//!     return Ok(());
//! }
//! let survey = r.survey(&db)?;
//! survey.refuse_drift()?;
//! let planned = r.plan(&db, survey, ledger.head_seq())?;
//! strata_reconcile::apply(&mut db, &planned, &Mover::named("app"))?;
//! # Ok(()) }
//! ```
//!
//! Each answer is computed once per call: a survey reads the database's
//! position and live schema once and projects the ledger's schema at that
//! point once; a plan reuses them.

mod error;
pub mod migrations;
pub mod proof;
mod steps;

use std::path::Path;

use strata_ledger::{Body, Hash, Ledger};
use strata_schema::{differences, Difference, Schema};
use strata_target::{Database, Plan, Target, TargetError};

pub use error::{Error, Kind, Result, Warning};
pub use steps::{steps, with_legacy, Lineages};
pub use strata_target::{Applied, Kept, Loss, Mover, Position, Step};

/// The reconciler: one target and one ledger.
pub struct Reconciler<'a, T: Target> {
    target: &'a T,
    ledger: &'a Ledger,
}

/// Where a database stands: the point it records (or was adopted at) and
/// its bookkeeping row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The database's name, for messages.
    pub db: String,
    /// The point: what it records; for a database strata never applied to,
    /// 0 or the newest baseline whose schema it has.
    pub seq: u64,
    /// What the database records; `None` when strata never applied to it.
    pub position: Option<Position>,
    /// The live schema, when reading where it stands needed it.
    live: Option<Schema>,
    /// When the database applied events a rebase later re-recorded: it
    /// stands on `seq` (the last event both histories had) plus those
    /// events, and moves by undoing them first.
    pub detour: Option<Detour>,
}

/// The events a database applied before a rebase re-recorded them: now
/// events `first..=last`, which follow `fork` in the database (the events
/// between `fork` and `first` are the other branch's, which it has not
/// had). See docs/guide.md, "Databases after a rebase".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detour {
    pub fork: u64,
    pub first: u64,
    pub last: u64,
}

/// Where a database stands, and how its live schema differs from the
/// ledger's schema at that point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub standing: Standing,
    /// The ledger's schema at the database's point.
    pub expected: Schema,
    /// How the live schema differs from `expected`; empty when it does not.
    pub drift: Vec<Difference>,
}

impl Survey {
    /// The database's point.
    pub fn seq(&self) -> u64 {
        self.standing.seq
    }

    /// Refused (kind [`Kind::Drift`]) when the database drifted.
    pub fn refuse_drift(&self) -> Result<()> {
        if self.drift.is_empty() {
            return Ok(());
        }
        Err(Error::Drift {
            db: self.standing.db.clone(),
            seq: self.standing.seq,
            differences: self.drift.clone(),
        })
    }
}

/// A move of one database, planned: apply it with [`apply`]. It holds all
/// apply needs, so the ledger can be let go first.
pub struct Planned<P> {
    pub from: Standing,
    /// The point it moves to, and its bookkeeping row.
    pub to: Position,
    /// The schema at `to`, which the database must have afterwards.
    pub target: Schema,
    pub plan: P,
}

impl<P: Plan> Planned<P> {
    /// Whether the database is at `to` already and recorded there.
    pub fn is_done(&self) -> bool {
        self.from.seq == self.to.seq && self.from.position.is_some() && self.from.detour.is_none()
    }

    /// Refused when the plan brings tables or columns back without their
    /// data (their archives were purged), unless `without_data`, when the
    /// database's log is told.
    pub fn check_losses(&mut self, without_data: bool) -> Result<()> {
        let losses = self.plan.losses();
        if losses.is_empty() {
            return Ok(());
        }
        if !without_data {
            return Err(Error::WithoutData {
                db: self.from.db.clone(),
                losses: losses.to_vec(),
            });
        }
        let note = losses
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        self.plan.set_note(format!("--without-data: {note}"));
        Ok(())
    }
}

/// A new database at one point, ready to be built.
pub struct Checkout {
    steps: Vec<Step>,
    target: Schema,
    position: Position,
}

impl Checkout {
    /// Builds the new database at `location` (refusing one that exists);
    /// a failure leaves no database behind.
    pub fn build<T: Target>(&self, target: &T, location: &Path, mover: &Mover) -> Result<Applied> {
        let mut db = target
            .create(location)
            .map_err(|e| Error::target(None, e))?;
        let name = db.name();
        // A new database holds no archives, so no lineage is a legacy one.
        let recorded = |seq, op, undo: bool| strata_target::Lineage {
            seq,
            op,
            forward: !undo,
        };
        let built = db
            .plan(&Schema::default(), &self.steps, &recorded)
            .and_then(|plan| db.apply(&plan, None, &self.position, &self.target, mover));
        built.map_err(|e| {
            // The database is ours (create made it): leave nothing
            // half-built.
            let _ = db.discard();
            Error::target(Some(&name), e)
        })
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied(Applied),
    /// Another process applied the same move while this one waited for the
    /// database: nothing was left to do.
    AlreadyThere,
}

impl<'a, T: Target> Reconciler<'a, T> {
    /// The target the reconciler moves databases of.
    pub fn target(&self) -> &'a T {
        self.target
    }

    pub fn new(target: &'a T, ledger: &'a Ledger) -> Reconciler<'a, T> {
        Reconciler { target, ledger }
    }

    /// Opens the database at `location` (created when missing).
    pub fn open(&self, location: &Path) -> Result<T::Database> {
        self.target
            .open(location)
            .map_err(|e| Error::target(None, e))
    }

    /// The point `db` records, checked against this ledger: the same ledger
    /// id, and an event in the chain with the recorded hash (kind
    /// [`Kind::Integrity`] otherwise). A database strata never applied to
    /// stands at the newest baseline whose schema it has, else at 0.
    pub fn standing(&self, db: &T::Database) -> Result<Standing> {
        let name = db.name();
        let position = db.position().map_err(|e| Error::target(Some(&name), e))?;
        let Some(position) = position else {
            let live = db.introspect().map_err(|e| Error::target(Some(&name), e))?;
            return Ok(Standing {
                db: name,
                seq: self.adopted_at(&live)?,
                position: None,
                live: Some(live),
                detour: None,
            });
        };
        let id = self.ledger.id();
        if id != Some(position.ledger_id) {
            return Err(Error::ForeignLedger {
                db: name,
                found: position.ledger_id,
                ledger: self.ledger.dir().display().to_string(),
                expected: id,
            });
        }
        let in_chain = match self.ledger.event(position.seq)? {
            Some(entry) => entry.hash == position.hash,
            None => position.seq == 0,
        };
        if !in_chain {
            let Some(detour) = self.detour(&position)? else {
                return Err(Error::NotInChain {
                    db: name,
                    seq: position.seq,
                    hash: position.hash,
                });
            };
            // Its archives are named by the events that made them, in the
            // history before the rebase; after the fork, those numbers are
            // now other events.
            let kept = with_legacy(self.ledger, |legacy| db.archives(legacy))
                .map_err(|e| Error::target(Some(&name), e))?;
            if let Some(k) = kept.iter().find(|k| k.lineage.seq.max(k.seq) > detour.fork) {
                return Err(Error::RebasedArchives {
                    db: name,
                    seq: position.seq,
                    detour,
                    archive: k.archive_table.clone(),
                });
            }
            return Ok(Standing {
                db: name,
                seq: detour.fork,
                position: Some(position),
                live: None,
                detour: Some(detour),
            });
        }
        Ok(Standing {
            db: name,
            seq: position.seq,
            position: Some(position),
            live: None,
            detour: None,
        })
    }

    /// Where the events a database applied went, when a rebase re-recorded
    /// them: the event whose origin is its point, and the run of
    /// re-recorded events before it that it applied too. `None` when no
    /// event came from its point.
    fn detour(&self, position: &Position) -> Result<Option<Detour>> {
        let mut last = None;
        for entry in self.ledger.events_back_from(self.ledger.head_seq()) {
            let entry = entry?;
            if entry
                .event
                .origin
                .as_ref()
                .is_some_and(|o| o.hash == position.hash && o.seq == position.seq)
            {
                last = Some(entry);
                break;
            }
        }
        let Some(last) = last else { return Ok(None) };
        // The originals were consecutive, and were re-recorded in order.
        let mut first = last.event.seq;
        let mut origin_seq = position.seq;
        while first > 1 && origin_seq > 1 {
            let Some(before) = self.ledger.event(first - 1)? else {
                break;
            };
            match &before.event.origin {
                Some(o) if o.seq == origin_seq - 1 => {
                    first -= 1;
                    origin_seq -= 1;
                }
                _ => break,
            }
        }
        let fork = origin_seq - 1;
        if fork >= first {
            return Ok(None);
        }
        Ok(Some(Detour {
            fork,
            first,
            last: last.event.seq,
        }))
    }

    /// Where a database strata never applied to starts: 0, or the newest
    /// baseline whose schema it has (a copy of the database a baseline
    /// adopted, or one whose marking failed).
    fn adopted_at(&self, live: &Schema) -> Result<u64> {
        if live.is_empty() {
            return Ok(0);
        }
        for entry in self.ledger.events_back_from(self.ledger.head_seq()) {
            let entry = entry?;
            if let Body::Baseline { schema } = &entry.event.body {
                if differences(self.ledger.rules(), schema, live).is_empty() {
                    return Ok(entry.event.seq);
                }
            }
        }
        Ok(0)
    }

    /// Whether `db` is at point `to` and nothing changed since: it records
    /// exactly this ledger's point `to` (hence no detour) and its target
    /// vouches that the live schema is what the apply there left
    /// ([`Database::sealed`]). Then a survey would find it at `to` without
    /// drift, and a plan to `to` would be done, so neither is needed: the
    /// live schema is not read into the model, nor the ledger's schema
    /// projected. `false` only means "survey it": the database may be at
    /// `to` all the same (one an earlier version of strata applied to, or
    /// one whose target keeps no seal).
    pub fn at_rest(&self, db: &T::Database, to: u64) -> Result<bool> {
        let want = self.position(to)?;
        let name = || db.name();
        if db.position().map_err(|e| Error::target(Some(&name()), e))? != Some(want) {
            return Ok(false);
        }
        db.sealed().map_err(|e| Error::target(Some(&name()), e))
    }

    /// Where `db` stands and how it drifted: its live schema read once, the
    /// ledger's schema at its point projected once; a sealed database's
    /// schema is not read at all (see [`Database::sealed`]).
    pub fn survey(&self, db: &T::Database) -> Result<Survey> {
        let mut standing = self.standing(db)?;
        // A sealed database still has the schema strata left at its point
        // (checked against the ledger's then), so it has not drifted: its
        // schema need not be read.
        if standing.position.is_some() && standing.detour.is_none() && standing.live.is_none() {
            let sealed = db
                .sealed()
                .map_err(|e| Error::target(Some(&standing.db), e))?;
            if sealed {
                let expected = self.ledger.schema_at(standing.seq)?;
                return Ok(Survey {
                    standing,
                    expected,
                    drift: Vec::new(),
                });
            }
        }
        let live = match standing.live.take() {
            Some(live) => live,
            None => db
                .introspect()
                .map_err(|e| Error::target(Some(&standing.db), e))?,
        };
        let mut expected = self.ledger.schema_at(standing.seq)?;
        if let Some(d) = standing.detour {
            // The fork's schema and the re-recorded events, as the database
            // applied them before the rebase.
            for entry in self.ledger.events_from(d.first) {
                let entry = entry?;
                if entry.event.seq > d.last {
                    break;
                }
                strata_ledger::apply_body(
                    self.ledger.rules(),
                    &mut expected,
                    entry.event.seq,
                    &entry.event.body,
                )
                .map_err(|e| {
                    Error::Ledger(strata_ledger::LedgerError::Damaged {
                        seq: Some(entry.event.seq),
                        reason: format!("it does not replay: {e}"),
                    })
                })?;
            }
        }
        let drift = differences(self.ledger.rules(), &expected, &live);
        Ok(Survey {
            standing,
            expected,
            drift,
        })
    }

    /// The steps from `from` to `to`, either way (see [`steps()`]).
    pub fn steps(&self, from: u64, to: u64) -> Result<Vec<Step>> {
        steps(self.target, self.ledger, from, to)
    }

    /// The plan that moves `db`, surveyed as `survey`, to point `to`.
    /// Drift is not checked here: see [`Survey::refuse_drift`].
    pub fn plan(
        &self,
        db: &T::Database,
        survey: Survey,
        to: u64,
    ) -> Result<Planned<<T::Database as Database>::Plan>> {
        let mut steps = match survey.standing.detour {
            // Back over the re-recorded events to the fork first.
            Some(d) => self.steps(d.last, d.first - 1)?,
            None => Vec::new(),
        };
        steps.extend(self.steps(survey.seq(), to)?);
        let plan = with_legacy(self.ledger, |legacy| {
            db.plan(&survey.expected, &steps, legacy)
        })
        .map_err(|e| Error::target(Some(&survey.standing.db), e))?;
        let target = if to == survey.seq() && survey.standing.detour.is_none() {
            survey.expected
        } else {
            self.ledger.schema_at(to)?
        };
        Ok(Planned {
            to: self.position(to)?,
            target,
            from: survey.standing,
            plan,
        })
    }

    /// The bookkeeping row for point `seq` of this ledger.
    pub fn position(&self, seq: u64) -> Result<Position> {
        let hash = match seq {
            0 => Hash::ZERO,
            _ => self.ledger.event(seq)?.ok_or(Error::Missing(seq))?.hash,
        };
        let ledger_id = self.ledger.id().ok_or(Error::EmptyLedger)?;
        Ok(Position {
            ledger_id,
            seq,
            hash,
        })
    }

    /// What building a new database at point `to` takes: see
    /// [`Checkout::build`], which needs no ledger.
    pub fn checkout(&self, to: u64) -> Result<Checkout> {
        Ok(Checkout {
            steps: self.steps(0, to)?,
            target: self.ledger.schema_at(to)?,
            position: self.position(to)?,
        })
    }

    /// The move that records in `db`, whose schema is `schema`, that it is
    /// at point `at` (a baseline adopting it), changing nothing else.
    pub fn adopt(
        &self,
        db: &T::Database,
        schema: Schema,
        at: u64,
    ) -> Result<Planned<<T::Database as Database>::Plan>> {
        let name = db.name();
        let position = db.position().map_err(|e| Error::target(Some(&name), e))?;
        let plan = with_legacy(self.ledger, |legacy| db.plan(&schema, &[], legacy))
            .map_err(|e| Error::target(Some(&name), e))?;
        Ok(Planned {
            from: Standing {
                db: name,
                seq: position.map_or(0, |p| p.seq),
                position,
                live: None,
                detour: None,
            },
            to: self.position(at)?,
            target: schema,
            plan,
        })
    }

    /// What `db` keeps of dropped data, oldest first, after checking that
    /// `db` belongs to this ledger.
    pub fn archives(&self, db: &T::Database) -> Result<Vec<Kept>> {
        // Archives are named by the events of the ledger that made them:
        // read under another ledger, they would name the wrong events.
        self.standing(db)?;
        with_legacy(self.ledger, |legacy| db.archives(legacy)).map_err(|e| Error::target(None, e))
    }

    /// Removes what the events up to `before` archived in `db`, after
    /// checking that `db` belongs to this ledger; returns what went.
    pub fn purge(&self, db: &mut T::Database, before: u64) -> Result<Vec<Kept>> {
        self.standing(db)?;
        with_legacy(self.ledger, |legacy| db.purge(before, legacy))
            .map_err(|e| Error::target(None, e))
    }
}

/// Carries out `planned` on `db` in one transaction, or changes nothing.
/// When another process moved the database meanwhile to where this one was
/// going, there is nothing left to do: [`Outcome::AlreadyThere`].
pub fn apply<D: Database>(
    db: &mut D,
    planned: &Planned<D::Plan>,
    mover: &Mover,
) -> Result<Outcome> {
    let from = planned.from.position.as_ref();
    match db.apply(&planned.plan, from, &planned.to, &planned.target, mover) {
        Ok(applied) => Ok(Outcome::Applied(applied)),
        Err(e) if e.moved() && db.position().ok().flatten() == Some(planned.to) => {
            Ok(Outcome::AlreadyThere)
        }
        Err(e) => Err(Error::target(Some(&planned.from.db), e)),
    }
}
