//! The flags several commands share, declared once: who does it
//! (`--author`), when (`--timestamp`), why (`-m`), on which database
//! (`--db`), to which point (`--to`), and `--dry-run`. A command flattens
//! the ones it takes into its arguments.

use std::path::PathBuf;

use strata_ledger::{Point, Timestamp};

use crate::context::parse_point;
use crate::failure::Failure;

/// `--author`.
#[derive(Debug, Clone, clap::Args)]
pub struct Author {
    /// Who does it, for the history or the database's log (else
    /// $STRATA_AUTHOR, else strata.toml's `author`, else the OS user name).
    #[arg(long, env = "STRATA_AUTHOR")]
    pub author: Option<String>,
}

impl Author {
    /// Who records an event: the name given (the flag, the variable,
    /// strata.toml), else the OS user's name; refused when nothing names
    /// anyone, since the history keeps it for good.
    pub fn name(self) -> Result<String, Failure> {
        self.named().or_else(os_user).ok_or_else(|| {
            Failure::new("no author: nothing says who records this")
                .help("give --author NAME, set STRATA_AUTHOR, or set author in strata.toml")
        })
    }

    /// Who applies, for the database's log: as [`Author::name`], else
    /// `uid N@HOST`. Never refused: a command that only reads or applies
    /// runs in a container with no user name as well.
    pub fn mover(self) -> String {
        self.named().or_else(os_user).unwrap_or_else(uid_at_host)
    }

    /// The name the flag, the variable or strata.toml gives.
    fn named(self) -> Option<String> {
        let given = |a: &String| !a.trim().is_empty();
        self.author
            .filter(given)
            .or_else(|| crate::settings::get().author.clone().filter(given))
    }
}

/// The OS user's name: `$USER`, `$LOGNAME`, else the name of the process's
/// user id in the user database.
fn os_user() -> Option<String> {
    let named = |v: &str| std::env::var(v).ok().filter(|a| !a.trim().is_empty());
    named("USER")
        .or_else(|| named("LOGNAME"))
        .or_else(user_of_uid)
        .filter(|a| !a.trim().is_empty())
}

#[cfg(unix)]
fn user_of_uid() -> Option<String> {
    let uid = nix::unistd::getuid();
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| u.name)
}

#[cfg(not(unix))]
fn user_of_uid() -> Option<String> {
    std::env::var("USERNAME").ok()
}

/// `uid N@HOST`: who runs this, when no name says.
#[cfg(unix)]
fn uid_at_host() -> String {
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!("uid {}@{host}", nix::unistd::getuid())
}

#[cfg(not(unix))]
fn uid_at_host() -> String {
    "unknown user".to_string()
}

/// `--timestamp`.
#[derive(Debug, Clone, clap::Args)]
pub struct When {
    /// When it happened (RFC 3339); default now. Never before head's time,
    /// nor more than 5 minutes ahead of the clock ($STRATA_CLOCK_SKEW).
    #[arg(long, value_name = "TIME")]
    pub timestamp: Option<String>,
}

/// How far ahead of this machine's clock a `--timestamp` may be, in
/// seconds, when `$STRATA_CLOCK_SKEW` does not say: two machines' clocks
/// differ by that much, and a later time would date every later event.
pub const SKEW_SECONDS: i64 = 300;

impl When {
    /// The time given, parsed; `None` for now. A time later than the clock
    /// by more than the skew is refused: every event after it would take
    /// its time.
    pub fn at(&self) -> Result<Option<Timestamp>, Failure> {
        let Some(text) = self.timestamp.as_deref() else {
            return Ok(None);
        };
        let at = Timestamp::parse_rfc3339(text)
            .map_err(|e| Failure::new(format!("--timestamp: {e}")))?;
        let skew = skew()?;
        let now = Timestamp::now();
        if at.micros() > now.micros().saturating_add(skew.saturating_mul(1_000_000)) {
            return Err(Failure::new(format!(
                "--timestamp {at} is in the future: the clock says {}, and a time may be at most {} ahead of it",
                clock(now),
                seconds(skew)
            ))
            .help("give a time that has come (every later event would take this one's), or fix this machine's clock"));
        }
        Ok(Some(at))
    }
}

/// `$STRATA_CLOCK_SKEW`, else [`SKEW_SECONDS`].
fn skew() -> Result<i64, Failure> {
    match std::env::var("STRATA_CLOCK_SKEW") {
        Err(_) => Ok(SKEW_SECONDS),
        Ok(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 0)
            .ok_or_else(|| {
                Failure::new(format!(
                    "STRATA_CLOCK_SKEW={v:?} is not a number of seconds"
                ))
                .with_code(crate::failure::exit::USAGE)
            }),
    }
}

/// `5 minutes`, `90 seconds`.
fn seconds(s: i64) -> String {
    match s {
        1 => "1 second".to_string(),
        s if s % 60 == 0 && s > 0 => match s / 60 {
            1 => "1 minute".to_string(),
            m => format!("{m} minutes"),
        },
        s => format!("{s} seconds"),
    }
}

/// The clock's time as strata shows it: to the millisecond, always with
/// its fraction (`2026-11-30T08:20:34.120Z`), so it never reads as a time
/// someone gave.
fn clock(now: Timestamp) -> String {
    let whole = Timestamp(now.micros().div_euclid(1_000_000) * 1_000_000).to_string();
    let millis = now.micros().rem_euclid(1_000_000) / 1000;
    format!("{}.{millis:03}Z", whole.trim_end_matches('Z'))
}

/// After an event was prepared without `--timestamp`: when the clock is
/// behind head's time, the event took head's time (times never decrease
/// along the ledger), and the user is told, with both times.
pub fn warn_if_clock_behind(given: bool, event: &strata_ledger::Event) {
    if given {
        return;
    }
    let now = Timestamp::now();
    if event.at > now {
        crate::output::diagnostic(format_args!(
            "warning: the clock ({}) is behind head's time ({}): event {} takes head's time, as times never decrease along the ledger",
            clock(now),
            event.at,
            event.seq,
        ));
    }
}

/// `-m`, `--message`.
#[derive(Debug, Clone, clap::Args)]
pub struct Message {
    /// Why, for the history.
    #[arg(short, long)]
    pub message: String,
}

/// `--deny-warnings`: lint findings refuse the change.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Lint {
    /// Refuse the change when lint warns about it (a drop, a narrowing type
    /// change, NOT NULL without a default, a rename a view or trigger reads);
    /// nothing is appended.
    #[arg(long)]
    pub deny_warnings: bool,
}

impl Lint {
    /// Whether findings refuse the change: `--deny-warnings`, or
    /// `lint = "deny"` in strata.toml.
    pub fn deny(&self) -> bool {
        self.deny_warnings || crate::settings::get().lint == Some(crate::settings::Lint::Deny)
    }
}

/// `--dry-run`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct DryRun {
    /// Check and show what would happen, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `--db`, naming a database that is, or will be, reconciled.
#[derive(Debug, Clone, clap::Args)]
pub struct Db {
    /// The database: a SQLite file (else strata.toml's `db`).
    #[arg(long, env = "STRATA_DB", value_name = "FILE")]
    pub db: Option<PathBuf>,
}

impl Db {
    /// The database given, else strata.toml's; a usage error (exit 2)
    /// when neither names one.
    pub fn path(self) -> Result<PathBuf, Failure> {
        self.db
            .or_else(|| crate::settings::get().db.clone())
            .ok_or_else(|| {
                Failure::new("no database: nothing names the SQLite file to work on")
                    .help("give --db FILE, set STRATA_DB, or set db in strata.toml")
                    .with_code(crate::failure::exit::USAGE)
            })
    }
}

/// `--to`, a point to move a database to.
#[derive(Debug, Clone, clap::Args)]
pub struct To {
    /// The point to move to (default head); before the database's point, it
    /// moves the database backwards.
    #[arg(long, value_parser = parse_point, default_value = "head", value_name = "POINT")]
    pub to: Point,
}
