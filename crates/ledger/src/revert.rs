//! Rollback as compensating events: the ops of a `revert` body that undoes
//! one event (and, with `cascade`, the later events that depend on it), or
//! every event after a point.
//!
//! The inverse of an event is computed from its ops alone (each carries what
//! it removed or replaced). A data step has no automatic inverse: a change
//! whose recorder gave revert SQL is undone by it, otherwise the revert is
//! refused naming the step. Whether a revert fits is decided by projection,
//! the same check every append makes: reverting event N alone means
//! projecting N's inverse onto head, and the later events N depends on are
//! the smallest set (found greedily) whose inverses, applied newest first,
//! let N's inverse fit.

use std::collections::BTreeSet;

use strata_schema::{derive, differences, project, Op, Rules, Schema};

use crate::error::{LedgerError, Result};
use crate::event::Body;
use crate::store::{Entry, Ledger};

impl Ledger {
    /// The body of a `revert` event undoing event `seq`. When later events
    /// depend on what it would undo, refuses naming them, unless `cascade`,
    /// which reverts them too (newest first) in the same event.
    pub fn revert_body(&self, seq: u64, cascade: bool) -> Result<Body> {
        let head = self.head_seq();
        if seq == 0 || seq > head {
            return Err(LedgerError::RevertTarget { seq, head });
        }
        let target = self.entry(seq)?;
        let inverse = self.inverse(&target)?;
        let head_schema = self.schema_at(head)?;
        if fits(self.rules, &head_schema, &inverse).is_ok() {
            return Ok(Body::Revert {
                of: vec![seq],
                ops: inverse,
            });
        }
        let later = self.later_with_ops(seq)?;
        let mut candidates = touching(self.rules, &target, &later);
        let chain = |set: &[&Entry]| -> Result<Vec<Op>> {
            let mut ops = Vec::new();
            for e in set.iter().rev() {
                ops.extend(self.inverse(e)?);
            }
            ops.extend(inverse.iter().cloned());
            Ok(ops)
        };
        if let Err(error) = fits(self.rules, &head_schema, &chain(&candidates)?) {
            // The name-based guess missed something: try everything after.
            candidates = later.iter().collect();
            if let Err(e) = fits(self.rules, &head_schema, &chain(&candidates)?) {
                return Err(LedgerError::RevertDoesNotFit {
                    seq,
                    error: if candidates.is_empty() { error } else { e },
                });
            }
        }
        // Drop every candidate the revert can do without.
        let mut i = 0;
        while i < candidates.len() {
            let mut without = candidates.clone();
            without.remove(i);
            if fits(self.rules, &head_schema, &chain(&without)?).is_ok() {
                candidates = without;
            } else {
                i += 1;
            }
        }
        if !cascade {
            return Err(LedgerError::RevertDependents {
                seq,
                dependents: candidates
                    .iter()
                    .map(|e| (e.event.seq, e.event.message.clone()))
                    .collect(),
            });
        }
        let ops = chain(&candidates)?;
        let mut of: Vec<u64> = candidates.iter().map(|e| e.event.seq).collect();
        of.push(seq);
        of.sort_unstable();
        Ok(Body::Revert { of, ops })
    }

    /// The body of a `revert` event undoing event `seq`, a void event (one no
    /// database can pass, recorded before events were proven): as
    /// [`Ledger::revert_body`] without cascade, but a data step without
    /// revert SQL is undone by nothing, since it never ran anywhere.
    pub fn revert_void_body(&self, seq: u64) -> Result<Body> {
        let head = self.head_seq();
        if seq == 0 || seq > head {
            return Err(LedgerError::RevertTarget { seq, head });
        }
        let target = self.entry(seq)?;
        let ops: Vec<Op> = match &target.event.body {
            Body::Change { ops, .. } | Body::Revert { ops, .. } => {
                ops.iter().rev().filter_map(Op::invert).collect()
            }
            _ => return self.revert_body(seq, false),
        };
        fits(self.rules, &self.schema_at(head)?, &ops)
            .map_err(|error| LedgerError::RevertDoesNotFit { seq, error })?;
        Ok(Body::Revert { of: vec![seq], ops })
    }

    /// The body of a `revert` event that turns head's schema into the schema
    /// at `target`: the inverses of every event after it, newest first.
    pub fn revert_to_body(&self, target: u64) -> Result<Body> {
        let head = self.head_seq();
        if target > head {
            return Err(LedgerError::NoSuchEvent { seq: target, head });
        }
        let mut of = Vec::new();
        let mut ops = Vec::new();
        for entry in self.events_back_from(head) {
            let entry = entry?;
            if entry.event.seq <= target {
                break;
            }
            if let Body::Tag { .. } = entry.event.body {
                continue;
            }
            ops.extend(self.inverse(&entry)?);
            of.push(entry.event.seq);
        }
        if of.is_empty() {
            return Err(LedgerError::NothingToRevert { target, head });
        }
        of.reverse();
        let mut schema = self.schema_at(head)?;
        for op in &ops {
            project(self.rules, &mut schema, op)
                .map_err(|error| LedgerError::RevertDoesNotFit { seq: of[0], error })?;
        }
        let wanted = self.schema_at(target)?;
        // Across a baseline, the ops are derived (the baseline carries a
        // schema, not ops), and reach the target up to what `differences`
        // compares. Otherwise every op's inverse is exact up to the spelling
        // of SQL text: a rename to a name that needs quoting quotes the bare
        // references it rewrites (`lower(email)` becomes `lower("e mail")`),
        // and the rename back cannot know they were bare (`lower("email")`),
        // which means the same and is all `differences` compares.
        let reached = self.format.fingerprint(&schema)? == self.format.fingerprint(&wanted)?
            || differences(self.rules, &wanted, &schema).is_empty();
        if !reached {
            // This guards an invariant: a revert --to that misses its
            // target is never appended.
            return Err(LedgerError::RevertInexact {
                target,
                from: of[0],
                head,
            });
        }
        Ok(Body::Revert { of, ops })
    }

    fn entry(&self, seq: u64) -> Result<Entry> {
        self.event(seq)?.ok_or(LedgerError::Damaged {
            seq: Some(seq),
            reason: "it is not stored".to_string(),
        })
    }

    /// The ops that carry a database through baseline event `seq`: from the
    /// schema before it to the schema it adopts (for a first baseline, every
    /// object created).
    pub fn baseline_ops(&self, seq: u64) -> Result<Vec<Op>> {
        let entry = self.entry(seq)?;
        let Body::Baseline { schema } = &entry.event.body else {
            return Ok(entry.event.body.ops().to_vec());
        };
        self.across_baseline(seq, &self.schema_at(seq - 1)?, schema)
    }

    /// The ops that turn `from` into `to` on either side of baseline `seq`.
    fn across_baseline(&self, seq: u64, from: &Schema, to: &Schema) -> Result<Vec<Op>> {
        derive(self.rules, from, to, &[])
            .map(|d| d.ops)
            .map_err(|e| LedgerError::BaselineUnreachable {
                seq,
                reason: e.to_string(),
            })
    }

    /// The ops that undo event `seq` on their own (what a backwards apply
    /// runs), each with the index of the op of event `seq` it undoes (for a
    /// baseline, of its derived ops; `None` for revert SQL); refused for a
    /// data step without revert SQL, empty for a tag.
    pub fn undo_ops(&self, seq: u64) -> Result<Vec<(Op, Option<u32>)>> {
        let entry = self.entry(seq)?;
        match entry.event.body {
            Body::Tag { .. } => Ok(Vec::new()),
            _ => self.inverse_indexed(&entry),
        }
    }

    /// For each op of revert event `seq`, the event and op index it undoes,
    /// when its ops are exactly the inverses of the events it names (as
    /// `revert` makes them); `None` where that cannot be said.
    pub fn revert_origins(&self, seq: u64) -> Result<Vec<Option<(u64, u32)>>> {
        let entry = self.entry(seq)?;
        let Body::Revert { of, ops } = &entry.event.body else {
            return Ok(vec![None; entry.event.body.ops().len()]);
        };
        self.origins_of(of, ops)
    }

    /// For each of `ops` (a revert's, undoing the events `of`), the event
    /// and op index it undoes, when the ops are exactly those inverses.
    fn origins_of(&self, of: &[u64], ops: &[Op]) -> Result<Vec<Option<(u64, u32)>>> {
        let mut inverse = Vec::with_capacity(ops.len());
        for s in of.iter().rev() {
            let undone = self.entry(*s)?;
            for (op, i) in self.inverse_indexed(&undone)? {
                inverse.push((op, i.map(|i| (*s, i))));
            }
        }
        if inverse.len() == ops.len() && inverse.iter().zip(ops).all(|((a, _), b)| a == b) {
            Ok(inverse.into_iter().map(|(_, origin)| origin).collect())
        } else {
            Ok(vec![None; ops.len()])
        }
    }

    /// The ops that undo one event.
    fn inverse(&self, entry: &Entry) -> Result<Vec<Op>> {
        Ok(self
            .inverse_indexed(entry)?
            .into_iter()
            .map(|(op, _)| op)
            .collect())
    }

    /// The ops that undo one event, each with the index of the op it undoes.
    fn inverse_indexed(&self, entry: &Entry) -> Result<Vec<(Op, Option<u32>)>> {
        let seq = entry.event.seq;
        match &entry.event.body {
            Body::Change { ops, revert_sql } => inverse_change(seq, ops, revert_sql.as_deref()),
            Body::Revert { of, ops } => {
                if !ops.iter().any(|op| matches!(op, Op::Data { .. })) {
                    return inverse_change(seq, ops, None);
                }
                // A revert that ran revert SQL is redone by the ops of the
                // events it reverted, oldest first (data steps included);
                // each names the op of this revert that undid it.
                let origins = self.origins_of(of, ops)?;
                let mut redo = Vec::new();
                for s in of {
                    let entry = self.entry(*s)?;
                    for (i, op) in entry.event.body.ops().iter().enumerate() {
                        let undone = u32::try_from(i).ok().map(|i| (*s, i));
                        let by = origins
                            .iter()
                            .position(|o| o.is_some() && *o == undone)
                            .and_then(|j| u32::try_from(j).ok());
                        redo.push((op.clone(), by));
                    }
                }
                Ok(redo)
            }
            // A baseline is undone by the ops that turn its schema back into
            // the one before it; each names the derived op (of those that
            // carry a database through it) whose object it undoes, so that
            // what going back archives, going forwards again finds.
            Body::Baseline { schema } => {
                let forward: Vec<Option<Op>> =
                    self.baseline_ops(seq)?.iter().map(Op::invert).collect();
                let mut used = vec![false; forward.len()];
                Ok(self
                    .across_baseline(seq, schema, &self.schema_at(seq - 1)?)?
                    .into_iter()
                    .map(|op| {
                        let found = forward.iter().enumerate().position(|(j, f)| {
                            !used[j] && f.as_ref().is_some_and(|f| same_object(self.rules, f, &op))
                        });
                        if let Some(j) = found {
                            used[j] = true;
                        }
                        let origin = found.and_then(|j| u32::try_from(j).ok());
                        (op, origin)
                    })
                    .collect())
            }
            Body::Tag { .. } => Err(LedgerError::NotRevertible {
                seq,
                reason: "it is a tag, which changes no schema (tags are never removed)",
            }),
        }
    }

    /// The ops that carry a database through `body` as event `seq`, the
    /// event that would follow head (`seq` = head + 1), not yet appended: a
    /// change's or revert's own ops, a baseline's derived ops, none for a
    /// tag.
    pub fn ops_through(&self, seq: u64, body: &Body) -> Result<Vec<Op>> {
        match body {
            Body::Baseline { schema } => {
                self.across_baseline(seq, &self.schema_at(seq.saturating_sub(1))?, schema)
            }
            _ => Ok(body.ops().to_vec()),
        }
    }

    /// The ops that undo `body` as event `seq`, the event that would follow
    /// head, not yet appended, as [`Ledger::undo_ops`] gives them once it is:
    /// what proves, before it is appended, that it can be undone. A
    /// baseline is undone by the inverses of its derived ops, newest first.
    pub fn undo_ops_of(&self, seq: u64, body: &Body) -> Result<Vec<(Op, Option<u32>)>> {
        match body {
            Body::Tag { .. } => Ok(Vec::new()),
            Body::Baseline { .. } => {
                let ops = self.ops_through(seq, body)?;
                let mut out = Vec::with_capacity(ops.len());
                for (index, op) in ops.iter().enumerate().rev() {
                    let inverse = op.invert().ok_or(LedgerError::NotRevertible {
                        seq,
                        reason: "a baseline's derived op has no inverse",
                    })?;
                    out.push((inverse, u32::try_from(index).ok()));
                }
                Ok(out)
            }
            _ => self.inverse_indexed(&Entry {
                hash: crate::hash::Hash::ZERO,
                event: crate::event::Event {
                    seq,
                    prev: crate::hash::Hash::ZERO,
                    at: crate::timestamp::Timestamp(0),
                    author: String::new(),
                    message: String::new(),
                    body: body.clone(),
                    fingerprint: crate::hash::Hash::ZERO,
                    origin: None,
                },
            }),
        }
    }

    /// The events after `seq` that have ops, oldest first.
    fn later_with_ops(&self, seq: u64) -> Result<Vec<Entry>> {
        let mut later = Vec::new();
        for entry in self.events_from(seq + 1) {
            let entry = entry?;
            match entry.event.body {
                Body::Tag { .. } => {}
                Body::Baseline { .. } => return Err(LedgerError::NotRevertible {
                    seq,
                    reason:
                        "a baseline comes after it (reverting across a baseline is not supported)",
                }),
                _ => later.push(entry),
            }
        }
        Ok(later)
    }
}

/// The inverse of a change's ops: each inverted, newest first; the data
/// steps are undone by the recorder's revert SQL, run where the last data
/// step is undone.
fn inverse_change(
    seq: u64,
    ops: &[Op],
    revert_sql: Option<&str>,
) -> Result<Vec<(Op, Option<u32>)>> {
    let mut out = Vec::with_capacity(ops.len());
    let mut reverted_data = false;
    for (index, op) in ops.iter().enumerate().rev() {
        match (op.invert(), revert_sql) {
            (Some(inv), _) => out.push((inv, u32::try_from(index).ok())),
            (None, Some(sql)) => {
                if !reverted_data {
                    out.push((
                        Op::Data {
                            sql: sql.to_string(),
                        },
                        None,
                    ));
                    reverted_data = true;
                }
            }
            (None, None) => {
                let sql = match op {
                    Op::Data { sql } => sql.as_str(),
                    _ => "",
                };
                return Err(LedgerError::DataStepWithoutRevert {
                    seq,
                    index,
                    excerpt: excerpt(sql),
                });
            }
        }
    }
    Ok(out)
}

fn excerpt(sql: &str) -> String {
    let line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 60 {
        format!("{}...", line.chars().take(57).collect::<String>())
    } else {
        line
    }
}

/// Whether two ops act on the same object the same way: the same kind, on
/// the same table (and column, for a column op).
fn same_object(r: &dyn Rules, a: &Op, b: &Op) -> bool {
    let object = |op: &Op| -> (&'static str, Vec<String>, Option<String>) {
        let tables = op.tables().iter().map(|t| r.key(t)).collect();
        let column = match op {
            Op::AddColumn { column, .. } | Op::DropColumn { column, .. } => {
                Some(r.key(&column.name))
            }
            Op::AlterColumn { to, .. } => Some(r.key(&to.name)),
            Op::CreateIndex { index } | Op::DropIndex { index } => Some(r.key(&index.name)),
            Op::CreateView { view } | Op::DropView { view } => Some(r.key(&view.name)),
            Op::CreateTrigger { trigger } | Op::DropTrigger { trigger } => {
                Some(r.key(&trigger.name))
            }
            _ => None,
        };
        (op.kind(), tables, column)
    };
    object(a) == object(b)
}

/// Whether `ops` project onto `schema` in order.
fn fits(
    r: &dyn Rules,
    schema: &Schema,
    ops: &[Op],
) -> std::result::Result<(), strata_schema::ProjectError> {
    let mut s = schema.clone();
    for op in ops {
        project(r, &mut s, op)?;
    }
    Ok(())
}

/// The later events that touch an object `target` touched, following
/// renames forward: the first guess at what a revert of `target` depends
/// on, before pruning.
fn touching<'a>(r: &dyn Rules, target: &Entry, later: &'a [Entry]) -> Vec<&'a Entry> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for op in target.event.body.ops() {
        names.extend(op_names(r, op));
    }
    let mut out = Vec::new();
    for entry in later {
        let ops = entry.event.body.ops();
        if ops
            .iter()
            .any(|op| op_names(r, op).iter().any(|n| names.contains(n)))
        {
            out.push(entry);
            for op in ops {
                names.extend(op_names(r, op));
            }
        }
    }
    out
}

/// The keys of the tables, indexes, views and triggers an op names.
pub(crate) fn op_names(r: &dyn Rules, op: &Op) -> Vec<String> {
    let mut names: Vec<String> = op.tables().iter().map(|t| r.key(t)).collect();
    match op {
        Op::CreateIndex { index } | Op::DropIndex { index } => names.push(r.key(&index.name)),
        Op::CreateView { view } | Op::DropView { view } => names.push(r.key(&view.name)),
        Op::CreateTrigger { trigger } | Op::DropTrigger { trigger } => {
            names.push(r.key(&trigger.name))
        }
        Op::AddForeignKey { foreign_key, .. } | Op::DropForeignKey { foreign_key, .. } => {
            names.push(r.key(&foreign_key.ref_table))
        }
        Op::CreateTable { table } | Op::DropTable { table } => {
            names.extend(table.foreign_keys.iter().map(|fk| r.key(&fk.ref_table)))
        }
        _ => {}
    }
    names
}
