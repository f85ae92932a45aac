//! The schema model's tests, one binary with a module per area: ops,
//! projection, inversion, diff, derive, the SQL text helpers, and the
//! properties over generated schemas (`derive` and `properties` need the
//! `arbitrary` feature, which the workspace's other crates turn on).

mod derive;
mod diff;
mod op;
mod project;
mod properties;
mod sql_text;
