//! The steps between two points of the ledger: each event's ops going
//! forwards, each event's undo ops (newest first) going backwards; and, for
//! each op, the ledger op it carries out and which way (its [`Lineage`]),
//! which is what archives are found by.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use strata_ledger::{Body, Entry, Ledger};
use strata_target::{Lineage, Step, Target};

use crate::error::Result;

/// The steps from `from` to `to`, either way. Void events (see
/// [`crate::proof::void`]) and the reverts that undo them are left out
/// when the move crosses all of them.
pub fn steps<T: Target>(target: &T, ledger: &Ledger, from: u64, to: u64) -> Result<Vec<Step>> {
    let mut lineages = Lineages::new(ledger);
    // The events of the move, read once.
    let mut range = Vec::new();
    for entry in ledger.events_from(from.min(to) + 1) {
        let entry = entry?;
        if entry.event.seq > from.max(to) {
            break;
        }
        range.push(entry);
    }
    let cancelled = cancelled(target, ledger, from.min(to), &range)?;
    if to >= from {
        forwards(ledger, &range, &cancelled, &mut lineages)
    } else {
        backwards(ledger, to, from, &cancelled, &mut lineages)
    }
}

/// The steps of the events of `range` that are not `cancelled`, in order.
fn forwards(
    ledger: &Ledger,
    range: &[Entry],
    cancelled: &BTreeSet<u64>,
    lineages: &mut Lineages,
) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    for entry in range {
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
            .collect::<Result<_>>()?;
        if !ops.is_empty() {
            steps.push(Step {
                seq,
                ops,
                undo: false,
                lineage,
            });
        }
    }
    Ok(steps)
}

/// The undo steps of the events after `to` up to `from` that are not
/// `cancelled`, newest first.
fn backwards(
    ledger: &Ledger,
    to: u64,
    from: u64,
    cancelled: &BTreeSet<u64>,
    lineages: &mut Lineages,
) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
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
    Ok(steps)
}

/// The events a move between `low` and `high` (either way) leaves out: a
/// void event (one the target refuses, recorded before events were proven;
/// see [`crate::proof::void`]) and the revert that undoes it, with the other
/// events that revert undoes, when the move crosses all of them. Their net
/// effect on the schema is nothing, and no database ever passed the void
/// event, so leaving them out is the only way across, and loses nothing.
/// Points between the void event and its revert cannot be built. `range`
/// holds the events after `low` that the move crosses.
fn cancelled<T: Target>(
    target: &T,
    ledger: &Ledger,
    low: u64,
    range: &[Entry],
) -> Result<BTreeSet<u64>> {
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
            if crate::proof::void(target, ledger, *s)? {
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
    pub fn of(&mut self, seq: u64, op: u32, forward: bool) -> Result<Lineage> {
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
/// earlier version made (see [`Lineages::legacy`]), as a target's catalog
/// readers take it.
pub fn with_legacy<R>(ledger: &Ledger, f: impl FnOnce(strata_target::Legacy<'_>) -> R) -> R {
    let lineages = RefCell::new(Lineages::new(ledger));
    f(&|seq, op, undo| lineages.borrow_mut().legacy(seq, op, undo))
}
