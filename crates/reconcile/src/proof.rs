//! What every command that appends an event does first: prove, on a
//! scratch database of the target holding the schema before it, that a
//! database can go through the event and back. The ledger knows no
//! database, so the wiring is here.

use strata_ledger::{Body, Ledger, LedgerError, Prepared};
use strata_schema::{Op, Schema};
use strata_target::{Lineage, Scratch, Stage, Step, Target, TargetError};

use crate::error::{Error, Result, Warning};

/// Prove `prepared`, the event that would follow head. Refused (nothing is
/// appended) when the target refuses the event or its undo. A head that
/// cannot be built at all (an event recorded before events were proven)
/// cannot prove anything: the event may be appended, with the warning
/// returned, so that a fix can still be recorded.
pub fn event<T: Target>(
    target: &T,
    ledger: &Ledger,
    prepared: &Prepared,
) -> Result<Option<Warning>> {
    event_on(target, ledger, prepared, None)
}

/// [`event`], with the schema at head given as `(seq, schema)` when the
/// caller has it at hand (`record` read it to parse against), so that it
/// is not built again; used only if it is the schema the event follows.
pub fn event_on<T: Target>(
    target: &T,
    ledger: &Ledger,
    prepared: &Prepared,
    head: Option<(u64, &Schema)>,
) -> Result<Option<Warning>> {
    let event = prepared.event();
    let seq = event.seq;
    let ops = ledger.ops_through(seq, &event.body)?;
    if ops.is_empty() {
        return Ok(None);
    }
    let built;
    let before = match head {
        Some((at, head)) if at + 1 == seq => head,
        _ => {
            built = ledger.schema_at(seq - 1)?;
            &built
        }
    };
    let forward = [Step::new(seq, ops)];
    let inverse = undo_step(ledger, seq, &event.body)?;
    let undo = inverse.as_ref().map(std::slice::from_ref);
    let all = forward.iter().chain(undo.unwrap_or_default());
    let before = target.reach(before, &mut all.flat_map(|s| s.ops.iter()));
    let proven = target.scratch(&before).and_then(|mut scratch| {
        scratch.forward(&forward)?;
        if let Some(undo) = undo {
            scratch.undo(undo, &before)?;
        }
        Ok(())
    });
    outcome(target, seq, proven)
}

/// Prove a run of changes that would follow head in order (`import-sql`):
/// each applied, undone and applied again on one scratch database. On a
/// refusal, the index of the change refused and why.
pub fn changes<T: Target>(
    target: &T,
    ledger: &Ledger,
    bodies: &[Body],
) -> Result<Vec<Warning>, (usize, Box<Error>)> {
    let head = ledger.head_seq();
    let before = ledger
        .schema_at(head)
        .map_err(|e| (0, Box::new(Error::from(e))))?;
    // What the changes reach of head (their undo ops name the same
    // objects); what they create, they create in order.
    let before = target.reach(&before, &mut bodies.iter().flat_map(|b| b.ops().iter()));
    let mut scratch = match target.scratch(&before) {
        Ok(scratch) => scratch,
        Err(e) => {
            return outcome(target, head + 1, Err(e))
                .map(|w| w.into_iter().collect())
                .map_err(|f| (0, Box::new(f)))
        }
    };
    let mut warnings = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let seq = head + 1 + i as u64;
        let at = |e: Error| (i, Box::new(e));
        let ops = ledger.ops_through(seq, body).map_err(|e| at(e.into()))?;
        let forward = [Step::new(seq, ops)];
        let inverse = undo_step(ledger, seq, body).map_err(at)?;
        let start: Schema = scratch.schema().clone();
        let proven = scratch.forward(&forward).and_then(|()| match &inverse {
            Some(undo) => scratch
                .undo(std::slice::from_ref(undo), &start)
                .and_then(|()| scratch.forward(&forward)),
            None => Ok(()),
        });
        warnings.extend(outcome(target, seq, proven).map_err(at)?);
    }
    Ok(warnings)
}

/// The step that undoes `body` as event `seq`, each undone drop taking its
/// data back from the archive the event's own step made; `None` when the
/// event cannot be undone (a data step without revert SQL: a revert of it
/// is refused anyway).
fn undo_step(ledger: &Ledger, seq: u64, body: &Body) -> Result<Option<Step>> {
    let undo = match ledger.undo_ops_of(seq, body) {
        Ok(undo) => undo,
        Err(e @ LedgerError::Damaged { .. }) => return Err(e.into()),
        Err(_) => return Ok(None),
    };
    if undo.is_empty() {
        return Ok(None);
    }
    // As `apply --to` going backwards gives them: each op undoes its
    // origin, so it takes back what the event's own op archived.
    let (ops, lineage): (Vec<Op>, Vec<Lineage>) = undo
        .into_iter()
        .enumerate()
        .map(|(k, (op, origin))| {
            let op_index = origin.unwrap_or(u32::MAX - u32::try_from(k).unwrap_or(0));
            (
                op,
                Lineage {
                    seq,
                    op: op_index,
                    forward: false,
                },
            )
        })
        .unzip();
    Ok(Some(Step {
        seq,
        ops,
        undo: true,
        lineage,
    }))
}

/// What a proof means for the command: the target refusing the event or
/// its undo refuses the append; a schema before it that cannot be built is
/// a warning.
fn outcome<T: Target, E: TargetError>(
    target: &T,
    seq: u64,
    proven: Result<(), E>,
) -> Result<Option<Warning>> {
    match proven {
        Ok(()) => Ok(None),
        Err(e) if e.stage() == Some(Stage::Before) => Ok(Some(Warning(format!(
            "event {seq} is not proven: {e}; the ledger holds an event no database can pass (see \"What record proves before appending\" in the guide)"
        )))),
        Err(e) => Err(Error::Unprovable {
            message: e.to_string(),
            engine: target.engine(),
        }),
    }
}

/// Whether stored event `seq` is void: the target refuses it on the schema
/// before it, so no database ever passed it (it was recorded before events
/// were proven). `false` when the schema before it cannot be built either
/// (an earlier event is the void one) or when it holds no ops.
pub fn void<T: Target>(target: &T, ledger: &Ledger, seq: u64) -> Result<bool> {
    let Some(entry) = ledger.event(seq)? else {
        return Ok(false);
    };
    let ops = match &entry.event.body {
        Body::Change { ops, .. } | Body::Revert { ops, .. } => ops.clone(),
        Body::Baseline { .. } | Body::Tag { .. } => return Ok(false),
    };
    if ops.is_empty() {
        return Ok(false);
    }
    let before = ledger.schema_at(seq - 1)?;
    let before = target.reach(&before, &mut ops.iter());
    let proven = target
        .scratch(&before)
        .and_then(|mut scratch| scratch.forward(&[Step::new(seq, ops)]));
    Ok(matches!(proven, Err(e) if e.stage() == Some(Stage::Event)))
}
