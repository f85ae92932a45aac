//! What every command that appends an event does first: prove, on a
//! scratch in-memory SQLite database holding the schema before it, that a
//! database can go through the event and back (`strata_sqlite::prove`).
//! The ledger knows no SQLite, so the wiring is here.

use strata_ledger::{Body, Ledger, LedgerError, Prepared};
use strata_schema::{Op, Schema};
use strata_sqlite::plan::{Lineage, Step};
use strata_sqlite::prove::{prove, reach, ProveError, Scratch, Stage};

use crate::failure::Failure;

/// Prove `prepared`, the event that would follow head. Refused (nothing is
/// appended) when SQLite refuses the event or its undo.
pub fn event(ledger: &Ledger, prepared: &Prepared) -> Result<(), Failure> {
    let event = prepared.event();
    let seq = event.seq;
    let ops = ledger.ops_through(seq, &event.body)?;
    if ops.is_empty() {
        return Ok(());
    }
    let before = ledger.schema_at(seq - 1)?;
    let forward = [Step::new(seq, ops)];
    let inverse = undo_step(ledger, seq, &event.body)?;
    let proven = prove(
        &before,
        &forward,
        inverse.as_ref().map(std::slice::from_ref),
    );
    outcome(seq, proven)
}

/// Prove a run of changes that would follow head in order (`import-sql`):
/// each applied, undone and applied again on one scratch database. Returns
/// the index of the change that failed with the failure.
pub fn changes(ledger: &Ledger, bodies: &[Body]) -> Result<(), (usize, Failure)> {
    let head = ledger.head_seq();
    let before = ledger.schema_at(head).map_err(|e| (0, Failure::from(e)))?;
    // What the changes reach of head (their undo ops name the same
    // objects); what they create, they create in order.
    let before = reach(&before, bodies.iter().flat_map(|b| b.ops().iter()));
    let mut scratch = match Scratch::new(&before) {
        Ok(scratch) => scratch,
        Err(e) => return outcome(head + 1, Err(e)).map_err(|f| (0, f)),
    };
    for (i, body) in bodies.iter().enumerate() {
        let seq = head + 1 + i as u64;
        let at = |e: Failure| (i, e);
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
        outcome(seq, proven).map_err(at)?;
    }
    Ok(())
}

/// The step that undoes `body` as event `seq`, each undone drop taking its
/// data back from the archive the event's own step made; `None`
/// when the event cannot be undone (a data step without revert SQL: a
/// revert of it is refused anyway).
fn undo_step(ledger: &Ledger, seq: u64, body: &Body) -> Result<Option<Step>, Failure> {
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

/// What a proof means for the command: SQLite refusing the event or its
/// undo refuses the append. A head that cannot be built at all (an event
/// recorded before events were proven) cannot prove anything; the event is
/// appended with a warning, so that a fix can still be recorded.
fn outcome(seq: u64, proven: Result<(), ProveError>) -> Result<(), Failure> {
    match proven {
        Ok(()) => Ok(()),
        Err(e) if e.stage == Stage::Before => {
            eprintln!(
                "warning: event {seq} is not proven: {e}; the ledger holds an event no database can pass (see \"What record proves before appending\" in the guide)"
            );
            Ok(())
        }
        Err(e) => Err(Failure::new(format!("{e}; nothing was appended"))
        .help("strata applies every event to a scratch SQLite database before appending it; change what SQLite refuses and record again")),
    }
}

/// Whether stored event `seq` is void: SQLite refuses it on the schema
/// before it, so no database ever passed it (it was recorded before events
/// were proven). `false` when the schema before it cannot be built either
/// (an earlier event is the void one) or when it holds no ops.
pub fn void(ledger: &Ledger, seq: u64) -> Result<bool, Failure> {
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
    match prove(&before, &[Step::new(seq, ops)], None) {
        Err(e) => Ok(e.stage == Stage::Event),
        Ok(()) => Ok(false),
    }
}
