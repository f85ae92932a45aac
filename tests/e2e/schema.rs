//! `schema`: the SQL (or JSON) of the schema at a point, which SQLite
//! loads as printed.

use crate::{load_sql, Env};

#[test]
fn schema_at_each_point_of_the_seed_loads_into_sqlite() {
    let env = Env::init();
    env.seed();
    assert_eq!(env.ok(&["schema", "--at", "0"]).stdout, "");
    let one = load_sql(&env.ok(&["schema", "--at", "1"]).stdout);
    assert_eq!(
        one,
        [
            ("users".into(), "id".into(), "integer".into(), false, None),
            (
                "users".into(),
                "name".into(),
                "varchar(50)".into(),
                false,
                None
            ),
            (
                "users".into(),
                "email".into(),
                "varchar(100)".into(),
                false,
                None
            ),
        ]
    );
    let head = load_sql(&env.ok(&["schema"]).stdout);
    assert_eq!(head.len(), 4);
    assert_eq!(
        head[3],
        (
            "users".into(),
            "created_at".into(),
            "text".into(),
            true,
            Some("CURRENT_TIMESTAMP".into())
        )
    );
}

#[test]
fn json_is_the_model() {
    let env = Env::init();
    env.seed();
    let json = env.json(&["schema", "--at", "1"]);
    let users = &json["tables"]["users"];
    assert_eq!(users["name"], "users");
    assert_eq!(users["columns"].as_array().map(Vec::len), Some(3));
    assert_eq!(users["primary_key"]["columns"][0], "id");
    // --format json without --json prints the same document.
    let text = env.ok(&["schema", "--at", "1", "--format", "json"]).stdout;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).expect("json"),
        json
    );
}

#[test]
fn every_kind_of_object_comes_out_in_an_order_sqlite_accepts() {
    let env = Env::init();
    env.record(
        "everything",
        "CREATE TABLE parent (id integer primary key, name text COLLATE NOCASE UNIQUE, kind text CHECK (kind IN ('a','b')));
         CREATE TABLE child (id integer primary key, parent_id integer REFERENCES parent(id) ON DELETE CASCADE);
         CREATE TABLE pairs (a integer, b integer, PRIMARY KEY (a, b)) WITHOUT ROWID;
         CREATE TABLE typed (x integer NOT NULL, y text GENERATED ALWAYS AS (x || 'y') VIRTUAL) STRICT;
         CREATE UNIQUE INDEX parent_lower ON parent (lower(name)) WHERE kind = 'a';
         CREATE VIEW v_parent AS SELECT id, name FROM parent;
         CREATE VIEW v_both AS SELECT * FROM v_parent JOIN child ON child.parent_id = v_parent.id;
         CREATE TRIGGER parent_del AFTER DELETE ON parent BEGIN DELETE FROM pairs WHERE a = old.id; END;",
    );
    let sql = env.ok(&["schema"]).stdout;
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(&sql)
        .unwrap_or_else(|e| panic!("SQLite refused ({e}):\n{sql}"));
    let count: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    // 4 tables, 1 index, 2 views, 1 trigger.
    assert_eq!(count, 8, "{sql}");
}

#[test]
fn an_unknown_point_says_what_exists() {
    let env = Env::init();
    env.seed();
    env.ok(&["tag", "v1", "1"]);
    env.fails(&["schema", "--at", "v2"], 1)
        .says("no tag named v2")
        .says("the tags are v1");
    env.fails(&["schema", "--at", "head~9"], 1)
        .says("head~9 is before the first event");
    env.fails(&["schema", "--at", "head~x"], 2);
    env.fails(&["schema", "--format", "yaml"], 2);
}
