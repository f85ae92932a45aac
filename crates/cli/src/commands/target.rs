//! What `apply`, `status`, `checkout` and `verify --db` share: where a
//! database stands in the ledger, whether it drifted, and the steps between
//! two points.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use strata_ledger::{Body, Entry, Ledger};
use strata_schema::{differences, Difference};
use strata_sqlite::apply::{read_state, Position};
use strata_sqlite::custody::{Custody, Lineage};
use strata_sqlite::plan::Step;
use strata_sqlite::rusqlite::Connection;

use crate::failure::{exit, Failure};

/// Where a database stands: the seq it records (0 for a database strata
/// never applied to) and its bookkeeping row.
pub struct Standing {
    pub seq: u64,
    pub position: Option<Position>,
}

/// The point `conn` records, checked against this ledger: the same ledger
/// id, and an event that is in the chain with the recorded hash (exit 3
/// otherwise).
pub fn standing(ledger: &Ledger, conn: &Connection, db: &Path) -> Result<Standing, Failure> {
    let position = read_state(conn).map_err(|e| Failure::new(e).context(db.display()))?;
    let Some(position) = position else {
        return Ok(Standing {
            seq: adopted_at(ledger, conn, db)?,
            position: None,
        });
    };
    let id = ledger.id().map(|h| h.to_string());
    if id.as_deref() != Some(position.ledger_id.as_str()) {
        return Err(Failure::new(format!(
            "{} was reconciled by another ledger (id {}), not {} (id {})",
            db.display(),
            short(&position.ledger_id),
            ledger.dir().display(),
            id.as_deref().map_or("none: it is empty".to_string(), short),
        ))
        .help("give the --ledger it belongs to")
        .with_code(exit::INTEGRITY));
    }
    let in_chain = match ledger.event(position.seq)? {
        Some(entry) => entry.hash.to_string() == position.hash,
        None => position.seq == 0,
    };
    if !in_chain {
        return Err(Failure::new(format!(
            "{} records event {} with hash {}, which is not in this ledger's chain",
            db.display(),
            position.seq,
            short(&position.hash)
        ))
        .help("the ledger lost or changed events: run `strata verify` and restore it from a copy you trust")
        .with_code(exit::INTEGRITY));
    }
    Ok(Standing {
        seq: position.seq,
        position: Some(position),
    })
}

/// Where a database strata never applied to starts: 0, or the newest
/// baseline whose schema it has (a copy of the database a baseline adopted,
/// or one whose marking failed).
fn adopted_at(ledger: &Ledger, conn: &Connection, db: &Path) -> Result<u64, Failure> {
    let live = strata_sqlite::introspect::introspect(conn)
        .map_err(|e| Failure::new(e).context(db.display()))?;
    if live.is_empty() {
        return Ok(0);
    }
    for entry in ledger.events_back_from(ledger.head_seq()) {
        let entry = entry?;
        if let Body::Baseline { schema } = &entry.event.body {
            if differences(schema, &live).is_empty() {
                return Ok(entry.event.seq);
            }
        }
    }
    Ok(0)
}

fn short(hex: &str) -> String {
    hex.chars().take(12).collect()
}

/// How the live schema differs from the schema at `seq`.
pub fn drift(ledger: &Ledger, conn: &Connection, seq: u64) -> Result<Vec<Difference>, Failure> {
    let expected = ledger.schema_at(seq)?;
    let live = strata_sqlite::introspect::introspect(conn).map_err(Failure::new)?;
    Ok(differences(&expected, &live))
}

/// The failure `apply` reports for drift, after printing each difference.
pub fn drift_failure(db: &Path, seq: u64, drift: &[Difference]) -> Failure {
    Failure::new(format!(
        "{} has drifted from event {seq}: {} difference{} (listed above)",
        db.display(),
        drift.len(),
        if drift.len() == 1 { "" } else { "s" }
    ))
    .help("undo the manual changes, or record them as a change and apply again")
    .with_code(exit::DRIFT)
}

/// The steps from `from` to `to`: each event's ops going forwards, each
/// event's undo ops (newest first) going backwards; with, for each op, the
/// ledger op it carries out and which way (its lineage), which is what
/// archives are found by.
pub fn steps(ledger: &Ledger, from: u64, to: u64) -> Result<Vec<Step>, Failure> {
    let mut lineages = Lineages::new(ledger);
    let mut steps = Vec::new();
    // The events of the move, read once.
    let mut range = Vec::new();
    for entry in ledger.events_from(from.min(to) + 1) {
        let entry = entry?;
        if entry.event.seq > from.max(to) {
            break;
        }
        range.push(entry);
    }
    let cancelled = cancelled(ledger, from.min(to), &range)?;
    if to >= from {
        for entry in &range {
            let seq = entry.event.seq;
            if cancelled.contains(&seq) {
                continue;
            }
            let ops = match &entry.event.body {
                Body::Tag { .. } => continue,
                // A baseline carries a schema, not ops: the database is
                // carried to it by derived ops.
                Body::Baseline { .. } => ledger.baseline_ops(seq)?,
                Body::Change { ops, .. } | Body::Revert { ops, .. } => ops.clone(),
            };
            let lineage = (0..ops.len())
                .map(|i| lineages.of(seq, index(i), true))
                .collect::<Result<_, _>>()?;
            if !ops.is_empty() {
                steps.push(Step {
                    seq,
                    ops,
                    undo: false,
                    lineage,
                });
            }
        }
    } else {
        for seq in (to + 1..=from).rev() {
            if cancelled.contains(&seq) {
                continue;
            }
            let mut ops = Vec::new();
            let mut lineage = Vec::new();
            for (k, (op, origin)) in ledger.undo_ops(seq)?.into_iter().enumerate() {
                lineage.push(match origin {
                    Some(i) => lineages.of(seq, i, false)?,
                    // Revert SQL: a data step, which archives nothing.
                    None => Lineage {
                        seq,
                        op: u32::MAX - index(k),
                        forward: false,
                    },
                });
                ops.push(op);
            }
            if !ops.is_empty() {
                steps.push(Step {
                    seq,
                    ops,
                    undo: true,
                    lineage,
                });
            }
        }
    }
    Ok(steps)
}

/// The events a move between `low` and `high` (either way) leaves out: a
/// void event (one SQLite refuses, recorded before events were proven; see
/// [`super::proof::void`]) and the revert that undoes it, with the other
/// events that revert undoes, when the move crosses all of them. Their net
/// effect on the schema is nothing, and no database ever passed the void
/// event, so leaving them out is the only way across, and loses nothing.
/// Points between the void event and its revert cannot be built. `range`
/// holds the events after `low` that the move crosses.
fn cancelled(ledger: &Ledger, low: u64, range: &[Entry]) -> Result<BTreeSet<u64>, Failure> {
    let mut out = BTreeSet::new();
    for entry in range {
        let Body::Revert { of, .. } = &entry.event.body else {
            continue;
        };
        if !of.iter().all(|s| *s > low) {
            continue;
        }
        let mut undoes_void = false;
        for s in of {
            if super::proof::void(ledger, *s)? {
                undoes_void = true;
                break;
            }
        }
        if undoes_void {
            out.extend(of.iter().copied());
            out.insert(entry.event.seq);
        }
    }
    Ok(out)
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The lineage of ledger ops: an op of a revert event carries out the op it
/// undoes the other way (a revert of a revert, the same way again).
pub struct Lineages<'a> {
    ledger: &'a Ledger,
    origins: BTreeMap<u64, Vec<Option<(u64, u32)>>>,
}

impl<'a> Lineages<'a> {
    pub fn new(ledger: &'a Ledger) -> Lineages<'a> {
        Lineages {
            ledger,
            origins: BTreeMap::new(),
        }
    }

    /// The lineage of op `op` of event `seq` run forwards or undone.
    pub fn of(&mut self, seq: u64, op: u32, forward: bool) -> Result<Lineage, Failure> {
        let (mut seq, mut op, mut forward) = (seq, op, forward);
        // Each step goes to an earlier event, so this ends.
        loop {
            if !self.origins.contains_key(&seq) {
                let origins = match self.ledger.event(seq)? {
                    Some(e) if matches!(e.event.body, Body::Revert { .. }) => {
                        self.ledger.revert_origins(seq)?
                    }
                    _ => Vec::new(),
                };
                self.origins.insert(seq, origins);
            }
            match self.origins[&seq].get(op as usize).copied().flatten() {
                Some((s, i)) if s < seq => {
                    seq = s;
                    op = i;
                    forward = !forward;
                }
                _ => return Ok(Lineage { seq, op, forward }),
            }
        }
    }

    /// The lineage of what an earlier version's archive was made by: op
    /// `op` of event `seq`, run forwards or (`undo`) backwards.
    pub fn legacy(&mut self, seq: u64, op: u32, undo: bool) -> Lineage {
        self.of(seq, op, !undo).unwrap_or(Lineage {
            seq,
            op,
            forward: !undo,
        })
    }
}

/// Calls `f` with the function that gives the lineage of an archive an
/// earlier version made (see [`Lineages::legacy`]), as the target's
/// catalog readers take it.
pub fn with_legacy<T>(
    ledger: &Ledger,
    f: impl FnOnce(&dyn Fn(u64, u32, bool) -> Lineage) -> T,
) -> T {
    let lineages = std::cell::RefCell::new(Lineages::new(ledger));
    f(&|seq, op, undo| lineages.borrow_mut().legacy(seq, op, undo))
}

/// The database's archives, each with its lineage.
pub fn custody(ledger: &Ledger, conn: &Connection, db: &Path) -> Result<Custody, Failure> {
    with_legacy(ledger, |legacy| Custody::load(conn, legacy))
        .map_err(|e| Failure::new(e).context(db.display()))
}

/// The bookkeeping row for point `seq` of this ledger.
pub fn position(ledger: &Ledger, seq: u64) -> Result<Position, Failure> {
    let hash = match seq {
        0 => strata_ledger::Hash::ZERO,
        _ => {
            ledger
                .event(seq)?
                .ok_or_else(|| Failure::new(format!("event {seq} is not stored")))?
                .hash
        }
    };
    let ledger_id = ledger.id().ok_or_else(|| {
        Failure::new("the ledger is empty: record a change before applying")
            .help("strata record -m MSG FILE.sql")
    })?;
    Ok(Position {
        ledger_id: ledger_id.to_string(),
        seq,
        hash: hash.to_string(),
    })
}
