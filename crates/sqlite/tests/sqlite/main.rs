//! The SQLite target's tests against real SQLite databases, one binary
//! with a module per area; `support` is what they share.

mod apply;
mod coalescing;
mod connection;
mod corpus;
mod introspect;
mod planner;
mod quoting;
mod seal;
mod support;
