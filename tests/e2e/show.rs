//! `show`: one event in full, with the whole definition of what it
//! adds or removes.

use crate::Env;

#[test]
fn shows_the_whole_definition_of_what_an_event_removes() {
    let env = Env::init();
    env.record(
        "orders",
        "CREATE TABLE orders (id integer primary key, total numeric NOT NULL DEFAULT 0, \
         CHECK (total >= 0));\nCREATE INDEX orders_total ON orders (total DESC);",
    );
    env.record("drop orders", "DROP INDEX orders_total; DROP TABLE orders;");
    let out = env.ok(&["show", "head"]).stdout;
    assert!(out.contains("event 2"), "{out}");
    assert!(
        out.contains("drop index orders_total on orders (total)"),
        "{out}"
    );
    assert!(
        out.contains("removed: CREATE INDEX \"orders_total\" ON \"orders\" (\"total\" DESC)"),
        "{out}"
    );
    assert!(out.contains("drop table orders (2 columns)"), "{out}");
    assert!(out.contains("removed: CREATE TABLE \"orders\" ("), "{out}");
    assert!(
        out.contains("\"total\" numeric NOT NULL DEFAULT 0"),
        "{out}"
    );
    assert!(out.contains("CHECK (total >= 0)"), "{out}");
}

#[test]
fn header_fields_match_the_log() {
    let env = Env::init();
    env.seed();
    let events = env.events();
    let out = env.ok(&["show", "1"]).stdout;
    let hash = events[0]["hash"].as_str().expect("hash");
    assert!(out.contains(&format!("hash        {hash}")), "{out}");
    assert!(out.contains("author      tester"), "{out}");
    let json = env.json(&["show", "2"]);
    assert_eq!(json, events[1]);
}

#[test]
fn alter_column_shows_before_and_after() {
    let env = Env::init();
    env.seed();
    env.record(
        "tighten name",
        "ALTER TABLE users ALTER COLUMN name SET NOT NULL",
    );
    env.ok(&["show", "head"])
        .says("alter column users.name: \"name\" varchar(50) -> \"name\" varchar(50) NOT NULL");
}

#[test]
fn point_zero_and_missing_events_are_errors() {
    let env = Env::init();
    env.seed();
    env.fails(&["show", "0"], 1).says("not an event");
    env.fails(&["show", "9"], 1)
        .says("there is no event 9")
        .says("head is event 2");
}
