//! What moves a database and where it stands: the [`Step`]s of a move, each
//! op's [`Lineage`], and the [`Position`] a database records.

use std::fmt;

use strata_schema::{Hash, Op};

/// A ledger op carried out in one direction: op `op` of event `seq`, as
/// recorded (`forward`) or undone. The op of a revert event has the lineage
/// of what it undoes, inverted. An archive records the lineage of the op
/// that made it; an op whose lineage is that one inverted takes it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lineage {
    pub seq: u64,
    pub op: u32,
    pub forward: bool,
}

impl Lineage {
    /// The same op carried out the other way.
    pub fn inverse(self) -> Lineage {
        Lineage {
            forward: !self.forward,
            ..self
        }
    }
}

impl fmt::Display for Lineage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.forward {
            write!(f, "event {} op {}", self.seq, self.op + 1)
        } else {
            write!(f, "the undo of event {} op {}", self.seq, self.op + 1)
        }
    }
}

/// The ops of one ledger event, in order. Going backwards, the ops are the
/// event's undo ops and `seq` is still the event's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Step {
    pub seq: u64,
    pub ops: Vec<Op>,
    /// The ops undo event `seq` (a backwards apply).
    pub undo: bool,
    /// For each op (by index), the ledger op it carries out and which way:
    /// what its archives are made by and what it may take back. A missing
    /// entry is op `i` of event `seq`, in the step's direction.
    pub lineage: Vec<Lineage>,
}

impl Step {
    /// A forward step whose ops are event `seq`'s own.
    pub fn new(seq: u64, ops: Vec<Op>) -> Step {
        Step {
            seq,
            ops,
            ..Step::default()
        }
    }

    /// The lineage of op `i`.
    pub fn lineage_of(&self, i: usize) -> Lineage {
        self.lineage.get(i).copied().unwrap_or(Lineage {
            seq: self.seq,
            op: u32::try_from(i).unwrap_or(u32::MAX),
            forward: !self.undo,
        })
    }
}

/// A point of one ledger, as a database records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The ledger's id (the hash of its first event).
    pub ledger_id: Hash,
    pub seq: u64,
    /// The hash of event `seq` ([`Hash::ZERO`] at 0).
    pub hash: Hash,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seq == 0 {
            write!(f, "event 0")
        } else {
            write!(f, "event {} ({})", self.seq, self.hash.short(12))
        }
    }
}
