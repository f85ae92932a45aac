//! What can go wrong on a PostgreSQL database, as one line each.

use strata_target::{Stage, TargetError};

/// An error of the PostgreSQL target: what failed and where, with advice
/// when there is some.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgError {
    pub message: String,
    pub help: Option<String>,
    /// Another process moved the database between the plan and the apply.
    pub moved: bool,
    /// Which part of a proof refused the change, when it was one.
    pub stage: Option<Stage>,
    /// A lock was not granted within `lock_timeout`.
    pub lock_timeout: bool,
}

impl PgError {
    pub fn new(message: impl Into<String>) -> PgError {
        PgError {
            message: message.into(),
            help: None,
            moved: false,
            stage: None,
            lock_timeout: false,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> PgError {
        self.help = Some(help.into());
        self
    }

    pub fn at_stage(mut self, stage: Stage) -> PgError {
        self.stage = Some(stage);
        self
    }

    /// `e`, a failure of the server or the connection while doing `what`
    /// (the reconciler names the database in its messages). A lock that
    /// was not granted in time is said so.
    pub fn server(what: &str, e: &postgres::Error) -> PgError {
        if let Some(d) = e.as_db_error() {
            let mut message = format!("{what}: {}", d.message());
            if let Some(detail) = d.detail() {
                message.push_str(&format!(" ({detail})"));
            }
            let mut err = PgError::new(message);
            // The server's own advice ("You might need to increase
            // max_locks_per_transaction.").
            if let Some(hint) = d.hint() {
                err = err.help(hint);
            }
            if d.code() == &postgres::error::SqlState::LOCK_NOT_AVAILABLE {
                err.lock_timeout = true;
                err = err.help(
                    "another transaction holds a lock the apply needs: wait for it to end, or raise --lock-timeout; nothing was changed",
                );
            }
            return err;
        }
        // The client's own words are short ("error connecting to server");
        // the cause says why.
        let mut message = format!("{what}: {e}");
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            message.push_str(&format!(": {c}"));
            cause = c.source();
        }
        PgError::new(message)
    }
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PgError {}

impl TargetError for PgError {
    fn moved(&self) -> bool {
        self.moved
    }

    fn stage(&self) -> Option<Stage> {
        self.stage
    }

    fn help(&self) -> Option<String> {
        self.help.clone()
    }
}
