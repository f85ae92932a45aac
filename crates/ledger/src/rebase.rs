//! Rebase: when this ledger and a text form (another branch's history) have
//! forked, the text form's events become this ledger's history and this
//! ledger's own events after the fork are re-recorded after them, in order,
//! each keeping where it was before as its [`Origin`].
//!
//! Nothing is appended to the ledger while the rebase is worked out: the
//! new history is built as a store of its own in `.rebase/` inside the
//! ledger folder, every event checked as an append checks it (and proven by
//! the caller, on a target's scratch database), and only when all of it
//! fits does it take the store's place. The store it replaces is kept
//! beside it (`store.before-rebase-<hash>`), so nothing is lost. The swap
//! is three renames (the old store aside, the new store in, the new
//! journal over the old) with a marker before them: if the process dies
//! between them, the next open to write finds `.rebase/ready` and finishes
//! it.

use std::path::{Path, PathBuf};

use crate::error::{LedgerError, Result};
use crate::event::{Body, Origin};
use crate::hash::Hash;
use crate::journal::{CHECK_FILE, JOURNAL_FILE};
use crate::revert::op_names;
use crate::store::{Draft, Entry, Ledger, Prepared, STORE_DIR};
use crate::text::{TextError, TextReader};

/// The folder, inside the ledger folder, where a rebase builds its store.
pub const REBASE_DIR: &str = ".rebase";
/// The marker a finished build leaves in [`REBASE_DIR`] before the swap.
const READY_FILE: &str = "ready";

/// What a rebase found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rebase {
    /// The ledger and the text form hold the same events.
    Same { head: u64 },
    /// The ledger's events are a prefix of the text form's: nothing of its
    /// own to re-record (`import` brings the rest in).
    Behind { head: u64, text: u64 },
    /// The text form's events are a prefix of the ledger's: nothing to
    /// re-record (`export` writes the rest out).
    Ahead { head: u64, text: u64 },
    /// The ledger's own events were re-recorded after the text form's.
    Rebased(Rebased),
}

/// A rebase done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebased {
    /// The last event both histories had (0 for none).
    pub fork: u64,
    /// The text form's head: the events after `fork` up to it are theirs.
    pub theirs: u64,
    /// Each of this ledger's own events: where it was, and where it is.
    pub moved: Vec<Moved>,
    /// The store as it was before, kept.
    pub kept: PathBuf,
}

/// One re-recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub from: u64,
    pub from_hash: Hash,
    pub to: u64,
    pub to_hash: Hash,
}

/// Why a rebase stopped; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum RebaseError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// One of this ledger's events does not fit after the text form's.
    #[error("{}", conflict_message(.ours, .theirs, .reason))]
    Conflict {
        /// Ours: its seq and hash before the rebase.
        ours: (u64, Hash),
        /// Theirs: the event of the text form that changed the same thing,
        /// when one did.
        theirs: Option<(u64, Hash)>,
        reason: String,
    },
    /// The two histories have no event in common.
    #[error("the ledger and {} have no event in common: its event 1 is {text}, the ledger's is {ledger}", dir.display())]
    Unrelated {
        dir: PathBuf,
        ledger: Hash,
        text: Hash,
    },
    /// Format 2 and 3 events have no place for an origin.
    #[error("the ledger is format {version}, which cannot keep a rebased event's origin (format 4 and on can)")]
    Format { version: u32 },
}

fn conflict_message(ours: &(u64, Hash), theirs: &Option<(u64, Hash)>, reason: &str) -> String {
    let mine = format!("the ledger's event {} ({})", ours.0, ours.1.short(12));
    match theirs {
        Some((seq, hash)) => format!(
            "{mine} and the text form's event {seq} ({}) both change what {mine} changes, and do not both fit: {reason}",
            hash.short(12)
        ),
        None => format!("{mine} does not fit after the text form's events: {reason}"),
    }
}

impl RebaseError {
    /// Whether it is an integrity failure (exit 3): a damaged text form or
    /// ledger, or two histories that share nothing.
    pub fn is_integrity(&self) -> bool {
        match self {
            RebaseError::Text(e) => e.is_integrity(),
            RebaseError::Ledger(e) => e.is_damage(),
            RebaseError::Unrelated { .. } => true,
            RebaseError::Conflict { .. } | RebaseError::Format { .. } => false,
        }
    }

    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            RebaseError::Text(e) => e.help(),
            RebaseError::Ledger(e) => e.help(),
            RebaseError::Conflict { .. } => Some(
                "nothing was changed; revert one of the two events on its branch, or record the change again after the text form's head"
                    .to_string(),
            ),
            RebaseError::Unrelated { .. } => {
                Some("these are two ledgers; import the folder into a new ledger".to_string())
            }
            RebaseError::Format { .. } => Some(
                "import the text form into a new ledger folder and record this ledger's changes there"
                    .to_string(),
            ),
        }
    }
}

/// Checks whether the proven event `prepared`, about to follow the new
/// history's head, would apply to a database: `Err` says why not.
pub type Prove<'a> = &'a mut dyn FnMut(&Ledger, &Prepared) -> std::result::Result<(), String>;

impl Ledger {
    /// Rebase this ledger onto the text form in `dir` (see the module): the
    /// ledger is let go at the end, whatever happens, and must be opened
    /// again to be used. `message` says why, and is kept in every
    /// re-recorded event's origin.
    pub fn rebase(
        self,
        dir: &Path,
        message: &str,
        prove: Prove<'_>,
    ) -> std::result::Result<Rebase, RebaseError> {
        let mut reader = TextReader::open(dir, true)?;
        if reader.format() != self.format() {
            return Err(TextError::OtherFormat {
                dir: dir.to_path_buf(),
                text: reader.format(),
                ledger: self.format(),
            }
            .into());
        }
        let head = self.head_seq();
        // Find the fork, reading the text form once and checking all of it.
        let mut fork = None;
        while let Some(theirs) = reader.next_entry()? {
            let seq = theirs.event.seq;
            if fork.is_some() || seq > head {
                continue;
            }
            let mine = self.event(seq)?.ok_or_else(|| missing(seq))?;
            if mine.hash != theirs.hash {
                if seq == 1 {
                    return Err(RebaseError::Unrelated {
                        dir: dir.to_path_buf(),
                        ledger: mine.hash,
                        text: theirs.hash,
                    });
                }
                fork = Some(seq - 1);
            }
        }
        let text = reader.finish()?.events;
        let fork = match fork {
            Some(fork) => fork,
            None if text == head => return Ok(Rebase::Same { head }),
            None if text > head => return Ok(Rebase::Behind { head, text }),
            None => return Ok(Rebase::Ahead { head, text }),
        };
        if self.format().version < 4 {
            return Err(RebaseError::Format {
                version: self.format().version,
            });
        }
        let build = self.dir().join(REBASE_DIR);
        remove_build(&build)?;
        let rebased = self
            .build(dir, &build, fork, text, message, prove)
            .inspect_err(|_| {
                let _ = remove_build(&build);
            })?;
        self.swap(rebased)
    }

    /// The new history, built in `build`: the text form's events, then
    /// ours after `fork`, each re-recorded.
    fn build(
        &self,
        dir: &Path,
        build: &Path,
        fork: u64,
        theirs: u64,
        message: &str,
        prove: Prove<'_>,
    ) -> std::result::Result<Rebased, RebaseError> {
        let new = Ledger::init_format(build, self.format())?;
        let mut reader = TextReader::open(dir, false)?;
        while let Some(entry) = reader.next_entry()? {
            new.append_event_unflushed(entry.event)?;
        }
        let place = |seq: u64| if seq > fork { seq - fork + theirs } else { seq };
        let mut moved = Vec::new();
        for mine in self.events_from(fork + 1) {
            let mine = mine?;
            let ours = (mine.event.seq, mine.hash);
            let conflict = |new: &Ledger, reason: String| RebaseError::Conflict {
                ours,
                theirs: touching(new, fork, theirs, &mine).ok().flatten(),
                reason,
            };
            let body =
                match mine.event.body.clone() {
                    Body::Revert { of, ops } => Body::Revert {
                        of: of.into_iter().map(place).collect(),
                        ops,
                    },
                    Body::Tag { name, target } => Body::Tag {
                        name,
                        target: place(target),
                    },
                    Body::Baseline { .. } => return Err(conflict(
                        &new,
                        "a baseline replaces the whole schema, so it cannot follow other events"
                            .to_string(),
                    )),
                    body @ Body::Change { .. } => body,
                };
            let at = new
                .head()
                .and_then(|(seq, _)| new.event(seq).ok().flatten())
                .map_or(mine.event.at, |h| mine.event.at.max(h.event.at));
            let draft = Draft {
                at: Some(at),
                author: mine.event.author.clone(),
                message: mine.event.message.clone(),
                body,
            };
            let origin = Origin {
                seq: mine.event.seq,
                hash: mine.hash,
                message: message.to_string(),
            };
            let prepared = match new.prepare_rebased(draft, origin) {
                Ok(p) => p,
                Err(
                    e @ (LedgerError::DoesNotFit { .. }
                    | LedgerError::TagExists { .. }
                    | LedgerError::TimeGoesBack { .. }),
                ) => return Err(conflict(&new, e.to_string())),
                Err(e) => return Err(e.into()),
            };
            prove(&new, &prepared).map_err(|reason| conflict(&new, reason))?;
            let entry = new.commit(prepared)?;
            moved.push(Moved {
                from: ours.0,
                from_hash: ours.1,
                to: entry.event.seq,
                to_hash: entry.hash,
            });
        }
        new.flush()?;
        Ok(Rebased {
            fork,
            theirs,
            moved,
            kept: PathBuf::new(),
        })
    }

    /// The new store takes the old one's place; the old one is kept.
    fn swap(self, mut rebased: Rebased) -> std::result::Result<Rebase, RebaseError> {
        let dir = self.dir().to_path_buf();
        let build = dir.join(REBASE_DIR);
        let head = self.head().map_or(Hash::ZERO, |(_, h)| h);
        let kept = free_name(
            &dir,
            &format!("{STORE_DIR}.before-rebase-{}", head.short(12)),
        );
        let name = kept
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let io = |path: &Path, source| LedgerError::Create {
            dir: path.to_path_buf(),
            source,
        };
        // From here on the rebase is done: whatever stops this process, the
        // next open to write finishes the swap the marker describes. The
        // old store moves while this process still holds it, so no other
        // process appends to it in between.
        std::fs::write(build.join(READY_FILE), name.as_bytes()).map_err(|e| io(&build, e))?;
        finish_swap(&dir).map_err(|e| io(&dir, e))?;
        drop(self);
        rebased.kept = kept;
        Ok(Rebase::Rebased(rebased))
    }
}

/// The text form's event after `fork` that names a table, index, view or
/// trigger `mine` names, newest first: the one a conflict is with.
fn touching(new: &Ledger, fork: u64, theirs: u64, mine: &Entry) -> Result<Option<(u64, Hash)>> {
    let rules = new.rules();
    let names = |e: &Entry| -> Vec<String> {
        let mut names: Vec<String> = e
            .event
            .body
            .ops()
            .iter()
            .flat_map(|op| op_names(rules, op))
            .collect();
        if let Body::Tag { name, .. } = &e.event.body {
            names.push(format!("tag {name}"));
        }
        names
    };
    let ours = names(mine);
    for seq in (fork + 1..=theirs).rev() {
        let Some(entry) = new.event(seq)? else {
            continue;
        };
        let baseline = matches!(entry.event.body, Body::Baseline { .. });
        if baseline || names(&entry).iter().any(|n| ours.contains(n)) {
            return Ok(Some((seq, entry.hash)));
        }
    }
    Ok(None)
}

fn missing(seq: u64) -> LedgerError {
    LedgerError::Damaged {
        seq: Some(seq),
        reason: "the head record names a later event but it is not stored".to_string(),
    }
}

/// Removes what an unfinished rebase left, never following a symlink.
fn remove_build(build: &Path) -> Result<()> {
    match std::fs::symlink_metadata(build) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(LedgerError::Create {
            dir: build.to_path_buf(),
            source,
        }),
        Ok(m) if m.file_type().is_symlink() || !m.is_dir() => Err(LedgerError::NotALedger {
            dir: build.to_path_buf(),
            reason: "it is not a folder strata made (a symlink or a file); remove it".to_string(),
        }),
        Ok(_) => std::fs::remove_dir_all(build).map_err(|source| LedgerError::Create {
            dir: build.to_path_buf(),
            source,
        }),
    }
}

/// `base`, or `base.2`, `base.3`, ...: the first that does not exist.
fn free_name(dir: &Path, base: &str) -> PathBuf {
    let mut path = dir.join(base);
    let mut n = 2;
    while std::fs::symlink_metadata(&path).is_ok() {
        path = dir.join(format!("{base}.{n}"));
        n += 1;
    }
    path
}

/// The swap a finished build's marker describes, from wherever it stopped:
/// the old store aside (under the name the marker holds), the new store in,
/// the new journal over the old one (in one rename, so a reader sees one
/// history or the other, whole), then the build folder gone. Run by a
/// rebase, and by the next open to write after a rebase that stopped
/// part-way.
pub(crate) fn finish_swap(dir: &Path) -> std::io::Result<()> {
    let build = dir.join(REBASE_DIR);
    let kept = std::fs::read_to_string(build.join(READY_FILE))?;
    let kept = kept.trim();
    if kept.is_empty() || kept.contains(['/', '\\']) || !kept.starts_with(STORE_DIR) {
        return Err(std::io::Error::other(format!(
            "{} does not name where the old store goes",
            build.join(READY_FILE).display()
        )));
    }
    if build.join(STORE_DIR).is_dir() {
        if std::fs::symlink_metadata(dir.join(STORE_DIR)).is_ok() {
            std::fs::rename(dir.join(STORE_DIR), dir.join(kept))?;
        }
        std::fs::rename(build.join(STORE_DIR), dir.join(STORE_DIR))?;
    }
    if build.join(JOURNAL_FILE).is_file() {
        // The old journal's checkpoint would not check out against the
        // new history (unless it vouches for a prefix both share): gone
        // first. The build's goes with its folder; the next write-open
        // leaves one for the new journal when it is long.
        let _ = std::fs::remove_file(dir.join(CHECK_FILE));
        std::fs::rename(build.join(JOURNAL_FILE), dir.join(JOURNAL_FILE))?;
        let _ = std::fs::remove_file(build.join(CHECK_FILE));
    }
    std::fs::remove_dir_all(&build)
}

/// Whether `dir` holds a finished rebase whose swap was cut short.
pub(crate) fn swap_pending(dir: &Path) -> bool {
    let build = dir.join(REBASE_DIR);
    std::fs::symlink_metadata(&build).is_ok_and(|m| m.is_dir()) && build.join(READY_FILE).is_file()
}
