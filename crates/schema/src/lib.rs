//! strata-schema: the model of a database schema and the pure functions over
//! it. An [`Op`] is one schema change; [`project`] applies an op to a
//! [`Schema`] or says precisely why it does not fit; [`Op::invert`] gives the
//! op that undoes it. Nothing here does I/O or knows any database engine or dialect: what
//! depends on the dialect, the model asks of [`Rules`].

pub mod derive;
pub mod diff;
pub mod hash;
pub mod model;
pub mod op;
mod project;
pub mod rules;

pub use derive::{derive, DeriveError, Derived, Rename, Suggestion};
pub use diff::{differences, Difference};
pub use hash::{Hash, ParseHashError};
pub use model::{
    Check, Column, Definition, DefinitionKind, FkAction, ForeignKey, Generated, Identity, Index,
    IndexTerm, IndexedColumn, PrimaryKey, Schema, Table, Trigger, Unique, View,
};
pub use op::{invert_all, Op};
pub use project::{dangling, project, project_all, project_deferring, ProjectError};
pub use rules::Rules;
