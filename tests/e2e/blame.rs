//! `strata blame`: the event that made each object of a table what it is,
//! through renames, reverts, drops and baselines, at head and at earlier
//! points; a column's history; unknown names refused with the names near
//! them.

use serde_json::Value;

use crate::Env;

/// people (1), age added (2), renamed to users with mail renamed to email
/// (3), orders with a check, a foreign key, an index and a view (4), age
/// dropped (5) and brought back by a revert (6), a table and a trigger on
/// users (7), a tag (8).
fn ledger() -> Env {
    let env = Env::init();
    env.record(
        "create people",
        "CREATE TABLE people (id integer PRIMARY KEY, name text NOT NULL, mail text UNIQUE)",
    );
    env.record("add age", "ALTER TABLE people ADD COLUMN age integer");
    env.record(
        "rename people to users",
        "ALTER TABLE people RENAME TO users; ALTER TABLE users RENAME COLUMN mail TO email",
    );
    env.record(
        "create orders",
        "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id), total real CHECK (total >= 0));
         CREATE INDEX orders_by_user ON orders (user_id);
         CREATE VIEW big_orders AS SELECT orders.id, users.name FROM orders JOIN users ON users.id = orders.user_id WHERE total > 100",
    );
    env.record("drop age", "ALTER TABLE users DROP COLUMN age");
    env.ok(&["revert", "5", "-m", "bring age back"]);
    env.record(
        "log new users",
        "CREATE TABLE audit (user_id integer, at text);
         CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN INSERT INTO audit VALUES (new.id, 'now'); END",
    );
    env.ok(&["tag", "v1"]);
    env
}

/// The object of `kind` (and `name`, when given) in a table's blame.
fn object<'a>(blame: &'a Value, kind: &str, name: Option<&str>) -> &'a Value {
    blame["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["kind"] == kind && name.is_none_or(|n| o["name"] == n))
        .unwrap_or_else(|| panic!("no {kind} {name:?} in {blame:#}"))
}

fn made(o: &Value) -> u64 {
    o["event"]["seq"].as_u64().expect("seq")
}

#[test]
fn a_table_keeps_its_history_through_renames_and_reverts() {
    let env = ledger();
    let b = env.json(&["blame", "users"]);
    assert_eq!(b["table"], "users");
    assert_eq!(b["at"], 8);
    // The table was made as people in event 1; the rename is its trail.
    let table = object(&b, "table", Some("users"));
    assert_eq!(made(table), 1);
    assert_eq!(table["renames"][0]["event"]["seq"], 3);
    assert_eq!(table["renames"][0]["from"], "people");
    assert_eq!(table["renames"][0]["to"], "users");
    assert_eq!(table["event"]["message"], "create people");
    assert_eq!(table["event"]["author"], "tester");
    assert_eq!(table["event"]["hash"].as_str().expect("hash").len(), 64);
    // email was mail: made in 1, renamed in 3.
    let email = object(&b, "column", Some("email"));
    assert_eq!(made(email), 1);
    assert_eq!(email["renames"][0]["from"], "mail");
    // age: dropped in 5, brought back by the revert, which made it.
    let age = object(&b, "column", Some("age"));
    assert_eq!(made(age), 6);
    assert_eq!(age["event"]["kind"], "revert");
    assert_eq!(age["renames"], Value::Array(vec![]));
    assert_eq!(made(object(&b, "primary_key", None)), 1);
    assert_eq!(made(object(&b, "unique", None)), 1);
    // What uses it: the view (event 4) and the trigger on it (event 7).
    assert_eq!(made(object(&b, "view", Some("big_orders"))), 4);
    assert_eq!(made(object(&b, "trigger", Some("users_audit"))), 7);
    // The order a reader expects: table, columns, constraints, ...
    let kinds: Vec<&str> = b["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| o["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "table",
            "column",
            "column",
            "column",
            "column",
            "primary_key",
            "unique",
            "trigger",
            "view"
        ]
    );

    let orders = env.json(&["blame", "orders"]);
    for kind in ["table", "check", "foreign_key", "index", "view"] {
        assert_eq!(made(object(&orders, kind, None)), 4, "{kind}");
    }
    assert_eq!(
        object(&orders, "index", None)["definition"],
        "CREATE INDEX \"orders_by_user\" ON \"orders\" (\"user_id\")"
    );

    // The text: one line per object, each with its event, and the
    // renames under what they renamed.
    let text = env.ok(&["blame", "users"]).stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("table users at event 8 (head): 4 columns"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("1  ") && lines[1].ends_with("table users"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("3  ") && lines[2].ends_with("renamed people -> users"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("6  ") && l.ends_with("column age integer")),
        "{text}"
    );
}

#[test]
fn a_column_shows_every_event_that_touched_it() {
    let env = ledger();
    let c = env.json(&["blame", "users.age"]);
    assert_eq!(c["table"], "users");
    assert_eq!(c["column"], "age");
    assert_eq!(c["event"]["seq"], 6);
    let seqs: Vec<u64> = c["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|l| l["event"]["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(seqs, [2, 5, 6]);
    // Added to people, before the table was renamed.
    assert_eq!(
        c["history"][0]["ops"][0],
        "add column people.age: \"age\" integer"
    );
    assert!(c["history"][1]["ops"][0]
        .as_str()
        .expect("op")
        .starts_with("drop column users.age"));

    let email = env.json(&["blame", "users.email"]);
    assert_eq!(email["event"]["seq"], 1);
    assert_eq!(email["renames"][0]["event"]["seq"], 3);
    let ops: Vec<&Value> = email["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|l| &l["ops"])
        .collect();
    assert_eq!(ops[0][0], "create table people");
    assert_eq!(ops[1][1], "rename column users.mail to email");

    let text = env.ok(&["blame", "users.email"]).stdout;
    assert!(
        text.starts_with("column users.email at event 8 (head): email text\n"),
        "{text}"
    );
    assert!(text.contains("history (2 events):"), "{text}");
}

#[test]
fn at_a_point_blame_sees_the_schema_there() {
    let env = ledger();
    let b = env.json(&["blame", "people", "--at", "2"]);
    assert_eq!(b["at"], 2);
    assert_eq!(made(object(&b, "column", Some("age"))), 2);
    assert_eq!(made(object(&b, "column", Some("mail"))), 1);
    // At the tag, as at head.
    let v1 = env.json(&["blame", "users.age", "--at", "v1"]);
    assert_eq!(v1["event"]["seq"], 6);
    // users did not exist at event 2.
    env.fails(&["blame", "users", "--at", "2"], 1)
        .says("no table users at event 2")
        .says("people");
    env.fails(&["blame", "users", "--at", "nope"], 1);
}

#[test]
fn an_altered_column_was_made_by_the_alter() {
    let env = Env::init();
    env.record(
        "create t",
        "CREATE TABLE t (id integer PRIMARY KEY, n integer)",
    );
    let desired = env.file(
        "desired.sql",
        "CREATE TABLE t (id integer PRIMARY KEY, n integer NOT NULL DEFAULT 0)",
    );
    env.ok(&[
        "record",
        "-m",
        "n not null",
        "--desired",
        desired.to_str().expect("path"),
    ]);
    let c = env.json(&["blame", "t.n"]);
    assert_eq!(c["event"]["seq"], 2);
    assert_eq!(c["history"].as_array().expect("history").len(), 2);
    assert!(c["history"][1]["ops"][0]
        .as_str()
        .expect("op")
        .starts_with("alter column t.n"));
    // The id column was left alone.
    assert_eq!(env.json(&["blame", "t.id"])["event"]["seq"], 1);
}

#[test]
fn a_baseline_made_what_it_adopted_and_changed() {
    let env = Env::init();
    env.record(
        "create a",
        "CREATE TABLE a (id integer PRIMARY KEY, x text)",
    );
    env.ok(&["apply", "--db", "app.db"]);
    env.db("app.db")
        .execute_batch(
            "CREATE TABLE b (id integer PRIMARY KEY);
             ALTER TABLE a ADD COLUMN y text;",
        )
        .expect("change by hand");
    env.ok(&[
        "baseline",
        "--db",
        "app.db",
        "-m",
        "adopt app.db",
        "--force-after",
        "1",
    ]);
    let a = env.json(&["blame", "a"]);
    assert_eq!(made(object(&a, "table", None)), 1);
    assert_eq!(made(object(&a, "column", Some("x"))), 1);
    assert_eq!(made(object(&a, "column", Some("y"))), 2);
    let b = env.json(&["blame", "b"]);
    assert_eq!(made(object(&b, "table", None)), 2);
    assert_eq!(object(&b, "table", None)["event"]["kind"], "baseline");
    let y = env.json(&["blame", "a.y"]);
    assert!(y["history"][0]["ops"][0]
        .as_str()
        .expect("line")
        .starts_with("baseline:"));
}

#[test]
fn a_table_dropped_and_made_again_was_made_by_the_second_create() {
    let env = Env::init();
    env.record("create t", "CREATE TABLE t (id integer PRIMARY KEY)");
    env.record("drop t", "DROP TABLE t");
    env.record(
        "create t again",
        "CREATE TABLE t (id integer PRIMARY KEY, v text)",
    );
    let b = env.json(&["blame", "t"]);
    assert_eq!(made(object(&b, "table", None)), 3);
    assert_eq!(made(object(&b, "column", Some("id"))), 3);
    // The history runs through the drop.
    let seqs: Vec<u64> = env.json(&["blame", "t.id"])["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|l| l["event"]["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
}

#[test]
fn unknown_names_are_one_error_naming_what_is_near() {
    let env = ledger();
    env.fails(&["blame", "userz"], 1)
        .says("error: no table userz at event 8; did you mean users?")
        .says("help: the tables at event 8: audit, orders, users");
    env.fails(&["blame", "users.emial"], 1)
        .says("error: table users has no column emial at event 8; did you mean email?")
        .says("help: its columns: id, name, email, age");
    env.fails(&["blame", "nothing.at.all"], 1).says("no table");
    env.fails(&["blame", ""], 1);
    let empty = Env::init();
    empty
        .fails(&["blame", "users"], 1)
        .says("no table users at point 0: the schema has no tables there");
    // A ledger that is not there.
    Env::new().fails(&["blame", "users"], 1);
}

#[test]
fn names_that_are_not_plain_are_quoted_and_found() {
    let env = Env::init();
    env.record(
        "odd names",
        "CREATE TABLE \"my table\" (\"the id\" integer PRIMARY KEY, \"a.b\" text)",
    );
    let b = env.json(&["blame", "my table"]);
    assert_eq!(b["table"], "my table");
    let c = env.json(&["blame", "my table.a.b"]);
    assert_eq!(c["column"], "a.b");
    let text = env.ok(&["blame", "my table"]).stdout;
    assert!(text.contains("column \"the id\" integer"), "{text}");
    // Case does not matter to SQLite, nor to blame.
    assert_eq!(env.json(&["blame", "MY TABLE"])["table"], "my table");
}
