//! What each fuzz target checks, as plain functions over bytes: run by
//! libFuzzer in crates/fuzz (see docs/reliability.md) and replayed over the
//! kept corpus and every crash found, on stable, by tests/e2e/fuzz_replay.rs.
//! A panic here is a finding.

#![allow(dead_code)]

use strata_dialect::sqlite::arb::{ops_with, schema_from, Choices};
use strata_dialect::sqlite::RULES;
use strata_ledger::{Dialect, Format, Point};
use strata_schema::{derive, differences, invert_all, project_all, Op, Schema};

/// A small schema to parse DDL against, so statements that name tables and
/// columns get past name resolution.
fn head() -> Schema {
    let sql = "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email text UNIQUE);
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users(id), body text);
CREATE INDEX posts_by_user ON posts (user_id);
CREATE VIEW names AS SELECT name FROM users;";
    let ops =
        strata_sqlite::ddl::parse_change(sql, &Schema::default()).expect("the fuzz head parses");
    let mut s = Schema::default();
    project_all(RULES, &mut s, &ops).expect("the fuzz head projects");
    s
}

/// DDL as `record` reads it, and as a desired schema: never a panic; what
/// parses fits the schema it was parsed against, and its inverse takes that
/// schema back exactly.
pub fn ddl(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = strata_sqlite::ddl::parse_change(text, &Schema::default());
    let head = head();
    if let Ok(ops) = strata_sqlite::ddl::parse_change(text, &head) {
        let mut after = head.clone();
        project_all(RULES, &mut after, &ops).expect("parsed ops fit their schema");
        if let Some(undo) = invert_all(&ops) {
            let mut back = after.clone();
            project_all(RULES, &mut back, &undo).expect("the inverse fits");
            assert_eq!(back, head, "the inverse takes the schema back");
        }
    }
    if data.len() <= 4096 {
        let _ = strata_sqlite::ddl::desired::load(text);
    }
}

/// Points: never a panic; what parses prints as text that parses back to
/// the same point.
pub fn point(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Point::parse(text) {
        let again = Point::parse(&p.to_string()).expect("a printed point parses");
        assert_eq!(again, p);
    }
}

/// Arbitrary bytes into the event decoder of every layout (format 2 and
/// 3's, with SQLite's table flags, and today's): never a panic; what
/// decodes encodes to a canonical form that decodes to the same event and
/// encodes to itself again; and its ops project onto a schema or are
/// refused. (Bytes that decode but are not canonical, such as a map's
/// entries out of order, are what `verify --deep` refuses: one event, one
/// encoding.)
pub fn event(data: &[u8]) {
    for format in [Format::V2, Format::new(Dialect::Sqlite)] {
        let Ok(event) = format.decode_event(data) else {
            continue;
        };
        let canonical = format
            .encode_event(&event)
            .expect("a decoded event encodes");
        let again = format
            .decode_event(&canonical)
            .expect("the canonical form decodes");
        assert_eq!(again, event, "the canonical form is the same event");
        assert_eq!(
            format.encode_event(&again).expect("encodes"),
            canonical,
            "the canonical form is a fixed point"
        );
        let mut s = Schema::default();
        let _ = project_all(RULES, &mut s, event.body.ops());
    }
}

/// The projector over op sequences built from the bytes: every generated
/// op fits; the inverses take the schema back; `derive` finds ops between
/// the two ends that give the end exactly.
pub fn projector(data: &[u8]) {
    let values: Vec<u32> = data
        .chunks(4)
        .map(|c| c.iter().fold(0u32, |v, b| v << 8 | u32::from(*b)))
        .collect();
    let mut c = Choices::listed(values);
    let start = schema_from(&mut c, 4);
    let ops: Vec<Op> = ops_with(&start, &mut c, 12);
    let mut end = start.clone();
    project_all(RULES, &mut end, &ops).expect("generated ops fit");
    if let Some(undo) = invert_all(&ops) {
        let mut back = end.clone();
        project_all(RULES, &mut back, &undo).expect("the inverse fits");
        assert_eq!(back, start, "the inverse takes the schema back");
    }
    for (from, to) in [(&start, &end), (&end, &start)] {
        if let Ok(d) = derive(RULES, from, to, &[]) {
            let mut got = from.clone();
            project_all(RULES, &mut got, &d.ops).expect("derived ops fit");
            assert!(
                differences(RULES, to, &got).is_empty(),
                "derived ops reach the target"
            );
        }
    }
}
