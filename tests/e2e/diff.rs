//! `diff`: the differences between two points, given in any point syntax,
//! either way round; the same schema says so; and `--format sql` is SQL
//! that, run on a database at A, leaves the schema a database built at B
//! has (read back by SQLite's catalog, not by strata's plan).

use strata_dialect::sqlite::RULES;
use strata_schema::differences;

use crate::{Env, Run};

/// Users (1), an age (2), orders with an index (3), a tag on 3 (4), a
/// renamed column and a dropped index (5).
fn history() -> Env {
    let env = Env::init();
    let at = |message: &str, time: &str, sql: &str| {
        env.ok(&["record", "-m", message, "--timestamp", time, "--sql", sql]);
    };
    at(
        "create users",
        "2099-01-01T00:00:00Z",
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL)",
    );
    at(
        "add age",
        "2099-01-02T00:00:00Z",
        "ALTER TABLE users ADD COLUMN age integer",
    );
    at(
        "create orders",
        "2099-01-03T00:00:00Z",
        "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id));
         CREATE INDEX orders_by_user ON orders (user_id)",
    );
    env.ok(&["tag", "v1"]);
    at(
        "rename name",
        "2099-01-05T00:00:00Z",
        "ALTER TABLE users RENAME COLUMN name TO full_name; DROP INDEX orders_by_user",
    );
    env
}

/// The lines of a text diff.
fn lines(run: &Run) -> Vec<&str> {
    run.stdout.lines().collect()
}

#[test]
fn differences_between_two_points_in_every_syntax() {
    let env = history();
    let expected = [
        "from event 1 to event 3: 3 differences",
        "  table users: added column age (\"age\" integer)",
        "  table orders: added",
        "  index orders_by_user: added",
    ];
    let hash_of_1 = env.events()[0]["hash"].as_str().expect("hash").to_string();
    for (a, b) in [
        ("1", "3"),
        (&hash_of_1[..10], "v1"),
        ("head~4", "head~2"),
        ("@2099-01-01T12:00:00Z", "head~2"),
    ] {
        let run = env.ok(&["diff", a, b]);
        assert_eq!(lines(&run), expected, "diff {a} {b}");
    }
    // The other way round, each change read backwards.
    let back = env.ok(&["diff", "3", "1"]);
    assert_eq!(
        lines(&back),
        [
            "from event 3 to event 1: 3 differences",
            "  table orders: dropped",
            "  table users: dropped column age (was \"age\" integer)",
            "  index orders_by_user: dropped",
        ]
    );
    // A rename is a column gone and a column come, as the schemas show it.
    assert_eq!(
        lines(&env.ok(&["diff", "v1", "head"])),
        [
            "from event 3 to event 5: 3 differences",
            "  table users: dropped column name (was \"name\" text NOT NULL)",
            "  table users: added column full_name (\"full_name\" text NOT NULL)",
            "  index orders_by_user: dropped",
        ]
    );
    // From the empty schema.
    assert_eq!(
        lines(&env.ok(&["diff", "0", "1"])),
        [
            "from point 0 (the empty schema) to event 1: 1 difference",
            "  table users: added",
        ]
    );
    // -q leaves the list alone.
    assert_eq!(lines(&env.ok(&["-q", "diff", "1", "2"])).len(), 1);
}

#[test]
fn the_same_schema_is_an_empty_list_that_says_so() {
    let env = history();
    // The tag event took event 3's time: @ that time is the tag event.
    for (a, b) in [
        ("3", "3"),
        ("3", "4"),
        ("v1", "head~1"),
        ("0", "0"),
        ("@2099-01-03T00:00:00Z", "3"),
    ] {
        let run = env.ok(&["diff", a, b]);
        assert!(
            run.stdout.starts_with("no differences: "),
            "diff {a} {b}: {}",
            run.stdout
        );
        assert!(run.stdout.ends_with(" have the same schema\n"));
        let json = env.json(&["diff", a, b]);
        assert_eq!(json["differences"], serde_json::json!([]));
        let sql = env.json(&["diff", a, b, "--format", "sql"]);
        assert_eq!(sql["sql"], serde_json::json!([]));
        assert!(env
            .ok(&["diff", a, b, "--format", "sql"])
            .stdout
            .starts_with("-- no statements: "));
    }
    assert_eq!(env.ok(&["-q", "diff", "3", "4"]).stdout, "");
}

#[test]
fn json_names_each_object_and_its_change() {
    let env = history();
    let json = env.json(&["diff", "2", "head"]);
    assert_eq!(json["from"], 2);
    assert_eq!(json["to"], 5);
    assert_eq!(
        json["differences"],
        serde_json::json!([
            {"change": "dropped column name (was \"name\" text NOT NULL)", "kind": "table", "name": "users"},
            {"change": "added column full_name (\"full_name\" text NOT NULL)", "kind": "table", "name": "users"},
            {"change": "added", "kind": "table", "name": "orders"},
        ])
    );
}

/// The schema SQLite holds in `file`, read by strata's introspection.
fn live(env: &Env, file: &str) -> strata_schema::Schema {
    strata_sqlite::introspect::introspect(&env.db(file)).expect("introspect")
}

#[test]
fn the_sql_takes_a_database_from_a_to_b_either_way() {
    let env = history();
    for (a, b) in [
        ("0", "5"),
        ("1", "3"),
        ("2", "5"),
        ("5", "1"),
        ("5", "0"),
        ("3", "2"),
        ("4", "5"),
    ] {
        let at_a = format!("a-{a}-{b}.db");
        let at_b = format!("b-{a}-{b}.db");
        env.ok(&["checkout", "--to", a, "--db", &at_a]);
        env.ok(&["checkout", "--to", b, "--db", &at_b]);
        let sql = env.ok(&["diff", a, b, "--format", "sql"]).stdout;
        env.db(&at_a)
            .execute_batch(&sql)
            .unwrap_or_else(|e| panic!("diff {a} {b}: SQLite refuses the SQL ({e}):\n{sql}"));
        let found = differences(RULES, &live(&env, &at_b), &live(&env, &at_a));
        assert!(
            found.is_empty(),
            "diff {a} {b} --format sql leaves another schema: {found:#?}\n{sql}"
        );
        // The JSON holds the same statements.
        let json = env.json(&["diff", a, b, "--format", "sql"]);
        let statements: Vec<&str> = json["sql"]
            .as_array()
            .expect("sql")
            .iter()
            .map(|s| s.as_str().expect("a statement"))
            .collect();
        let body: Vec<&str> = sql.lines().filter(|l| !l.starts_with("-- ")).collect();
        assert_eq!(statements.join("\n"), body.join("\n"));
    }
    // A rename is carried out as a rename, keeping the column's values.
    env.ok(&["checkout", "--to", "3", "--db", "rows.db"]);
    env.db("rows.db")
        .execute_batch("INSERT INTO users VALUES (1, 'ada', 36)")
        .expect("a row");
    let sql = env.ok(&["diff", "3", "5", "--format", "sql"]).stdout;
    assert!(
        sql.contains("ALTER TABLE \"users\" RENAME COLUMN \"name\" TO \"full_name\";"),
        "{sql}"
    );
    let db = env.db("rows.db");
    db.execute_batch(&sql).expect("the SQL runs");
    assert_eq!(
        crate::support::strings(&db, "SELECT full_name FROM users"),
        ["ada"]
    );
}

#[test]
fn bad_input_is_one_error() {
    let env = history();
    env.fails(&["diff", "1", "v9"], 1)
        .says("error: no tag named v9");
    env.fails(&["diff", "9", "1"], 1)
        .says("there is no event 9: the ledger's head is event 5");
    env.fails(&["diff", "head~9", "1"], 1);
    env.fails(&["diff", "@1999-01-01T00:00:00Z", "1"], 1);
    env.fails(&["diff", "1"], 2).says("<B>");
    env.fails(&["diff"], 2).says("<A>");
    env.fails(&["diff", "nope~", "1"], 2).says("is not a point");
    env.fails(&["diff", "1", "2", "--format", "yaml"], 2);
    Env::new().fails(&["diff", "0", "0"], 1);
}
