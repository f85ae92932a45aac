//! The schema model's tests, one binary with a module per area: ops,
//! projection, inversion, diff, derive, the model under another dialect's
//! rules, and the properties over generated schemas. Most run under
//! SQLite's rules (`strata-dialect`, a dev-dependency); `rules` runs the
//! model under rules of its own, to show that what depends on a dialect
//! comes from its rules.

mod derive;
mod diff;
mod op;
mod project;
mod properties;
mod rules;
