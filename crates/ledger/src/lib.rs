//! strata-ledger: the append-only, hash-chained ledger of schema events and
//! its sled store.
//!
//! An [`Event`] records one step (a change of ops, a revert, a baseline or a
//! tag) with the hash of the event before it and the fingerprint of the schema
//! it produces. [`Ledger`] keeps events in a sled store, appends them in one
//! transaction after checking that they project onto head, answers "the schema
//! at this point" from snapshots, resolves [`Point`]s, and verifies the whole
//! chain. It knows the schema model but no database engine.
//!
//! The bytes of events and schemas are the ledger format: see
//! docs/ledger-format.md and the golden vectors in `event.rs`.
//!
//! The `store` feature (on by default) is the sled store and everything that
//! writes a ledger. Without it, a [`Ledger`] is read from a
//! [`bundle`](crate::bundle) and nothing else: what a program that applies
//! an embedded ledger needs, with no sled in its build.

// Without the store, the code the store and the bundle share is only partly
// used (the store's own readers, its checks and its index are gone).
#![cfg_attr(not(feature = "store"), allow(dead_code, unused_imports))]

mod blame;
pub mod bundle;
mod error;
mod event;
#[doc(hidden)]
pub mod failpoint;
mod fingerprint;
mod hash;
mod journal;
mod legacy;
mod point;
#[cfg(feature = "store")]
pub mod rebase;
mod revert;
#[cfg(feature = "store")]
mod snapshot;
mod store;
#[cfg(feature = "store")]
pub mod text;
mod timestamp;
mod verify;

#[cfg(test)]
mod bundle_tests;
#[cfg(test)]
mod journal_check_tests;
#[cfg(test)]
mod journal_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod workload;

pub use blame::{Blame, Rename, TableBlame, Trace};
pub use error::{LedgerError, Result, JOURNAL_ADVICE};
pub use event::{
    apply_body, decode, encode, ApplyError, Body, CodecError, Dialect, Event, Format, Origin,
    EVENT_DOMAIN, FORMAT_VERSION, OLDEST_FORMAT_VERSION, SCHEMA_DOMAIN,
};
pub use fingerprint::Fingerprints;
pub use hash::{Hash, ParseHashError};
pub use journal::{CHECK_FILE, CHECK_VERSION, JOURNAL_FILE, JOURNAL_VERSION};
pub use point::{check_tag_name, is_hash_prefix, Point, PointError, TagNameError};
#[cfg(feature = "store")]
pub use store::replace_file;
#[cfg(feature = "store")]
pub use store::{CompactReport, FULL_SNAPSHOT_EVERY};
pub use store::{Draft, Entry, Events, Ledger, Prepared, Tag, SNAPSHOT_EVERY, STORE_DIR};
pub use timestamp::{ParseTimestampError, Timestamp};
pub use verify::{Problem, VerifyReport, VerifySummary};
