//! strata-embed: a program carries its strata ledger inside its binary and
//! brings its SQLite database (or, with the feature `postgres`, its
//! PostgreSQL database: [`Migrator::apply_postgres`]) to the ledger's head
//! when it starts.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use strata_embed::rusqlite::Connection;
//!
//! let mut conn = Connection::open("notes.db")?;
//! let report = strata_embed::embed!("examples/notes/schema.bundle")?.apply(&mut conn)?;
//! println!("{report}");
//! # Ok(()) }
//! ```
//!
//! The bundle (a path relative to the program's `Cargo.toml`) is made from the
//! ledger by `strata export --bundle schema.bundle`. Loading it checks every
//! hash and the chain. [`Migrator::apply`] then does what `strata apply`
//! does, through the same library (`strata_reconcile`), with the same
//! promises:
//!
//! - a database at head is left alone, after a check that costs well under
//!   a millisecond (the seal the last apply left, see docs/embedding.md);
//! - a database behind is moved to head in one transaction, with strata's
//!   bookkeeping, and the data of dropped columns and tables archived;
//! - a database ahead of the bundle (an older build started on a database
//!   a newer one moved), one from another ledger, and one that drifted are
//!   refused with a typed [`Error`], and nothing changes;
//! - going back is an explicit call ([`Migrator::go_back_to`]), made by a
//!   program whose bundle holds the events it undoes;
//! - when two processes start at once, one applies and the other waits on
//!   the database's lock, then finds it done.
//!
//! See docs/embedding.md.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use strata_ledger::{Dialect, Ledger, LedgerError, Point};
use strata_reconcile::{Outcome, Reconciler};
use strata_sqlite::{Sqlite, SqliteDb};
use strata_target::{Database, Target, TargetError};

pub use rusqlite;
#[cfg(feature = "postgres")]
pub use strata_postgres::Postgres;
pub use strata_reconcile::Mover;

/// The bundle at `$path`, relative to the calling crate's `Cargo.toml`,
/// embedded in the binary and loaded: a `Result<Migrator, Error>`.
#[macro_export]
macro_rules! embed {
    ($path:literal) => {
        $crate::Migrator::from_bytes(::std::include_bytes!(::std::concat!(
            ::std::env!("CARGO_MANIFEST_DIR"),
            "/",
            $path
        )))
    };
}

/// A ledger loaded from a bundle, ready to apply to databases.
pub struct Migrator {
    ledger: Ledger,
    mover: Mover,
}

/// Why a [`Migrator`] did not do what it was asked. In every case the
/// database was left as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bundle is damaged, cut short, or not one this version reads.
    #[error("{0}")]
    Bundle(String),
    /// A point (`apply_to`, `go_back_to`) that the bundle does not have.
    #[error("{0}")]
    Point(String),
    /// The database records an event of this ledger beyond the bundle's
    /// head: a newer build of the program moved it.
    #[error("{db} is at event {at}, ahead of this program's ledger, which ends at event {head}: a newer build moved it; nothing was changed (run the newer build, or move the database back with it)")]
    Ahead { db: String, at: u64, head: u64 },
    /// The target point is behind the database, and the call was not
    /// [`Migrator::go_back_to`].
    #[error("{db} is at event {at}, after event {to}: going back is an explicit call (go_back_to); nothing was changed")]
    WouldGoBack { db: String, at: u64, to: u64 },
    /// The database was reconciled by another ledger.
    #[error("{db} belongs to another ledger (id {found}), not this program's (id {expected}); nothing was changed")]
    ForeignLedger {
        db: String,
        found: String,
        expected: String,
    },
    /// The database records an event that is not in this ledger's chain
    /// (a history that was rewritten, or another branch's).
    #[error("{db} records event {seq} with hash {hash}, which is not in this program's ledger; nothing was changed")]
    NotInChain { db: String, seq: u64, hash: String },
    /// The database's schema differs from what the ledger says it is at
    /// its point; each difference is one line of `differences`.
    #[error("{db} has drifted from event {seq}: {}; nothing was changed", differences.join("; "))]
    Drift {
        db: String,
        seq: u64,
        differences: Vec<String>,
    },
    /// The database could not be read or moved: locked for longer than the
    /// connection's busy timeout, read-only, a statement refused by SQLite,
    /// a value that does not fit, and the like.
    #[error("{message}")]
    Database {
        message: String,
        /// What to do about it, when there is advice.
        help: Option<String>,
    },
}

impl Error {
    fn from_reconcile<T: Target>(e: strata_reconcile::Error, target: &T) -> Error {
        use strata_reconcile::Error as R;
        match e {
            R::ForeignLedger {
                db,
                found,
                expected,
                ..
            } => Error::ForeignLedger {
                db,
                found: found.to_string(),
                expected: expected.map_or_else(|| "none".to_string(), |h| h.to_string()),
            },
            R::NotInChain { db, seq, hash } => Error::NotInChain {
                db,
                seq,
                hash: hash.to_string(),
            },
            R::Drift {
                db,
                seq,
                differences,
            } => Error::Drift {
                db,
                seq,
                differences: differences.iter().map(|d| target.difference(d)).collect(),
            },
            R::Ledger(e) => Error::Bundle(e.to_string()),
            other => Error::Database {
                help: other.help(),
                message: other.to_string(),
            },
        }
    }
}

/// What [`Migrator::apply`] (or its kin) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The database, as SQLite names it (its path).
    pub db: String,
    /// The point it was at; 0 for a new or empty database.
    pub from: u64,
    /// The point it is at now.
    pub to: u64,
    pub outcome: Done,
    /// The events it moved over, in the order it moved (newest first when
    /// it went back).
    pub events: Vec<Step>,
    /// How many statements the move ran.
    pub statements: usize,
    /// What the move archived (dropped data kept), one line each.
    pub archived: Vec<String>,
    /// What it brought back from archives, one line each.
    pub restored: Vec<String>,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// The database was at the point already: nothing changed.
    AlreadyThere,
    /// The database moved.
    Moved,
    /// Another process moved it there while this one waited for its lock.
    MovedMeanwhile,
}

/// One event a move went over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub seq: u64,
    /// Its hash, in full.
    pub hash: String,
    pub author: String,
    pub message: String,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.outcome {
            Done::AlreadyThere => write!(f, "{} is already at event {}", self.db, self.to),
            Done::MovedMeanwhile => write!(
                f,
                "{} is already at event {} (another process applied it meanwhile)",
                self.db, self.to
            ),
            Done::Moved => {
                write!(
                    f,
                    "{} is now at event {} (was {}; {} statement{})",
                    self.db,
                    self.to,
                    self.from,
                    self.statements,
                    if self.statements == 1 { "" } else { "s" }
                )?;
                for s in &self.events {
                    write!(f, "\n  event {} {}: {}", s.seq, &s.hash[..12], s.message)?;
                }
                for a in &self.archived {
                    write!(f, "\n  archived {a}")?;
                }
                for r in &self.restored {
                    write!(f, "\n  restored {r}")?;
                }
                Ok(())
            }
        }
    }
}

/// Which ways a call may move a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Forward,
    Back,
}

impl Migrator {
    /// The bundle in `bytes` (embedded with `include_bytes!`, see
    /// [`embed!`]), checked whole.
    pub fn from_bytes(bytes: &'static [u8]) -> Result<Migrator, Error> {
        Migrator::load("the embedded bundle", bytes)
    }

    /// The bundle in the file at `path`, checked whole.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Migrator, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Bundle(format!("cannot read bundle {}: {e}", path.display())))?;
        Migrator::load(&path.display().to_string(), bytes)
    }

    /// The bundle in `bytes`, named `name` in messages, checked whole.
    pub fn load(name: &str, bytes: impl Into<Cow<'static, [u8]>>) -> Result<Migrator, Error> {
        let ledger = Ledger::from_bundle(name, bytes).map_err(bundle_error)?;
        let supported = match ledger.dialect() {
            Dialect::Sqlite => true,
            Dialect::Postgres => cfg!(feature = "postgres"),
        };
        if !supported {
            return Err(Error::Bundle(format!(
                "{name} holds a {} ledger, and this build of strata-embed applies to SQLite only (enable its feature \"postgres\")",
                ledger.dialect()
            )));
        }
        Ok(Migrator {
            ledger,
            mover: Mover::named(format!("strata-embed {}", env!("CARGO_PKG_VERSION"))),
        })
    }

    /// Who the database's log (`_strata_log`) says moved it; by default
    /// `strata-embed VERSION`.
    pub fn mover(mut self, who: impl Into<String>) -> Migrator {
        self.mover = Mover::named(who);
        self
    }

    /// The bundle's head: its last event's seq (0 when it has none).
    pub fn head(&self) -> u64 {
        self.ledger.head_seq()
    }

    /// The hash of the bundle's head, in hex (`None` when it has no
    /// event).
    pub fn head_hash(&self) -> Option<String> {
        self.ledger.head().map(|(_, h)| h.to_string())
    }

    /// The seq a point of the command line's syntax names (`12`, `v1.0`, a
    /// hash prefix, `head~2`, a time).
    pub fn resolve(&self, point: &str) -> Result<u64, Error> {
        let point = Point::parse(point).map_err(|e| Error::Point(e.to_string()))?;
        self.ledger
            .resolve(&point)
            .map_err(|e| Error::Point(e.to_string()))
    }

    /// Brings the database of `conn` to the bundle's head (see the crate's
    /// documentation for each case). The connection is the caller's again
    /// afterwards, whatever happened.
    pub fn apply(&self, conn: &mut rusqlite::Connection) -> Result<Report, Error> {
        self.move_to(conn, self.head(), Way::Forward)
    }

    /// Brings the database to `point`, which is not behind it.
    pub fn apply_to(&self, conn: &mut rusqlite::Connection, point: &str) -> Result<Report, Error> {
        let to = self.resolve(point)?;
        self.move_to(conn, to, Way::Forward)
    }

    /// Moves the database back to `point` (or forward, when it is behind
    /// it): the explicit call for going back, which undoes events this
    /// bundle holds and restores their archived data.
    pub fn go_back_to(
        &self,
        conn: &mut rusqlite::Connection,
        point: &str,
    ) -> Result<Report, Error> {
        let to = self.resolve(point)?;
        self.move_to(conn, to, Way::Back)
    }

    /// Brings the PostgreSQL database at `url` (a libpq URL,
    /// `postgresql://USER[:PASS]@HOST:PORT/DB` or the socket form) to the
    /// bundle's head, through `target` (its namespace and lock timeout;
    /// `Postgres::default()` keeps `public` and waits 5 s for a lock).
    /// strata connects itself, and holds the database's advisory lock for
    /// the move, as `strata apply --db URL` does.
    #[cfg(feature = "postgres")]
    pub fn apply_postgres(&self, target: &Postgres, url: &str) -> Result<Report, Error> {
        self.move_postgres(target, url, self.head(), Way::Forward)
    }

    /// Brings the PostgreSQL database at `url` to `point`, which is not
    /// behind it.
    #[cfg(feature = "postgres")]
    pub fn apply_postgres_to(
        &self,
        target: &Postgres,
        url: &str,
        point: &str,
    ) -> Result<Report, Error> {
        let to = self.resolve(point)?;
        self.move_postgres(target, url, to, Way::Forward)
    }

    /// Moves the PostgreSQL database at `url` back to `point` (or forward,
    /// when it is behind it), restoring the data the undone events
    /// archived.
    #[cfg(feature = "postgres")]
    pub fn go_back_postgres_to(
        &self,
        target: &Postgres,
        url: &str,
        point: &str,
    ) -> Result<Report, Error> {
        let to = self.resolve(point)?;
        self.move_postgres(target, url, to, Way::Back)
    }

    #[cfg(feature = "postgres")]
    fn move_postgres(
        &self,
        target: &Postgres,
        url: &str,
        to: u64,
        way: Way,
    ) -> Result<Report, Error> {
        self.check_dialect(target)?;
        let mut db = target.open(Path::new(url)).map_err(|e| Error::Database {
            help: TargetError::help(&e),
            message: e.to_string(),
        })?;
        self.move_db(target, &mut db, to, way)
    }

    /// The ledger must be of `target`'s dialect.
    fn check_dialect<T: Target>(&self, target: &T) -> Result<(), Error> {
        if self.ledger.dialect().as_str() == target.dialect() {
            return Ok(());
        }
        Err(Error::Database {
            message: format!(
                "this program's ledger is a {} ledger, and cannot be applied to a {} database",
                self.ledger.dialect(),
                target.engine()
            ),
            help: Some(format!("apply it to a {} database", self.ledger.dialect())),
        })
    }

    fn move_to(&self, conn: &mut rusqlite::Connection, to: u64, way: Way) -> Result<Report, Error> {
        self.check_dialect(&Sqlite)?;
        // The connection is lent to the target for the move and given back
        // whatever happens; a connection to an in-memory database stands in
        // meanwhile.
        let stand_in = rusqlite::Connection::open_in_memory().map_err(|e| Error::Database {
            message: format!("cannot open SQLite: {e}"),
            help: None,
        })?;
        let owned = std::mem::replace(conn, stand_in);
        let mut db = match SqliteDb::from_connection(owned) {
            Ok(db) => db,
            Err(refused) => {
                *conn = refused.conn;
                return Err(Error::Database {
                    help: strata_target::TargetError::help(&*refused.error),
                    message: refused.error.to_string(),
                });
            }
        };
        let result = self.move_db(&Sqlite, &mut db, to, way);
        *conn = db.into_connection();
        result
    }

    fn move_db<T: Target>(
        &self,
        target: &T,
        db: &mut T::Database,
        to: u64,
        way: Way,
    ) -> Result<Report, Error> {
        let r = Reconciler::new(target, &self.ledger);
        let name = db.name();
        let fail = |e| Error::from_reconcile(e, target);
        let target_err = |e: T::Error| Error::Database {
            help: e.help(),
            message: format!("{name}: {e}"),
        };
        let head = self.head();
        if let Some(p) = db.position().map_err(target_err)? {
            if Some(p.ledger_id) == self.ledger.id() && p.seq > head {
                return Err(Error::Ahead {
                    db: name,
                    at: p.seq,
                    head,
                });
            }
        }
        if r.at_rest(db, to).map_err(fail)? {
            return Ok(self.report(name, to, to, Done::AlreadyThere, None));
        }
        let survey = r.survey(db).map_err(fail)?;
        survey.refuse_drift().map_err(fail)?;
        let from = survey.seq();
        if to < from && way == Way::Forward {
            return Err(Error::WouldGoBack {
                db: name,
                at: from,
                to,
            });
        }
        let mut planned = r.plan(db, survey, to).map_err(fail)?;
        if planned.is_done() {
            return Ok(self.report(name, from, to, Done::AlreadyThere, None));
        }
        planned.check_losses(false).map_err(fail)?;
        match strata_reconcile::apply(db, &planned, &self.mover).map_err(fail)? {
            Outcome::AlreadyThere => Ok(self.report(name, to, to, Done::MovedMeanwhile, None)),
            Outcome::Applied(applied) => {
                Ok(self.report(name, from, to, Done::Moved, Some(applied)))
            }
        }
    }

    fn report(
        &self,
        db: String,
        from: u64,
        to: u64,
        outcome: Done,
        applied: Option<strata_target::Applied>,
    ) -> Report {
        let events = if from == to {
            Vec::new()
        } else {
            let (lo, hi) = (from.min(to) + 1, from.max(to));
            let mut events: Vec<Step> = self
                .ledger
                .events_from(lo)
                .take_while(|e| e.as_ref().map_or(true, |e| e.event.seq <= hi))
                .filter_map(|e| e.ok())
                .map(|e| Step {
                    seq: e.event.seq,
                    hash: e.hash.to_string(),
                    author: e.event.author,
                    message: e.event.message,
                })
                .collect();
            if to < from {
                events.reverse();
            }
            events
        };
        let (statements, archived, restored) = match applied {
            Some(a) => (
                a.statements,
                a.archived.iter().map(ToString::to_string).collect(),
                a.restored.iter().map(ToString::to_string).collect(),
            ),
            None => (0, Vec::new(), Vec::new()),
        };
        Report {
            db,
            from,
            to,
            outcome,
            events,
            statements,
            archived,
            restored,
        }
    }
}

fn bundle_error(e: LedgerError) -> Error {
    Error::Bundle(match e.help() {
        Some(help) => format!("{e} ({help})"),
        None => e.to_string(),
    })
}
