//! The Sakila schema (crates/sqlite/tests/corpus/sakila: 16 tables, 22 named foreign keys
//! with a cycle between store and staff, 30 triggers, 5 views joining up to
//! eight tables), declared with `record --desired` from nothing, and adopted
//! with `baseline` then rebuilt with `checkout`; compared with a fresh load
//! through the independent reader of `shape`.

use rusqlite::Connection;

use crate::shape::Shape;
use crate::Env;

const SAKILA: &str =
    include_str!("../../crates/sqlite/tests/corpus/sakila/sqlite-sakila-schema.sql");

fn same_as_a_fresh_load(db: &std::path::Path) {
    let conn = Connection::open(db).expect("open");
    let diff = Shape::read(&conn).diff(&Shape::of_sql(SAKILA));
    assert!(diff.is_empty(), "{}: {diff:#?}", db.display());
}

#[test]
fn the_whole_schema_declared_from_nothing() {
    let env = Env::init();
    env.file("sakila.sql", SAKILA);
    let plan = env.json(&["plan", "--desired", "sakila.sql"]);
    let ops = plan["ops"].as_array().expect("ops").len();
    // 16 tables, 24 indexes, 5 views, 30 triggers, and the foreign key that
    // closes the store/staff cycle, added once both tables exist.
    assert_eq!(ops, 16 + 24 + 5 + 30 + 1, "{:#?}", plan["summary"]);
    env.ok(&["record", "-m", "sakila", "--desired", "sakila.sql"]);
    env.ok(&["apply", "--db", "app.db"]);
    same_as_a_fresh_load(&env.path().join("app.db"));
    env.ok(&["status", "--db", "app.db"]).says("no drift");
    env.ok(&["plan", "--desired", "sakila.sql"])
        .says("nothing to do");
    env.ok(&["checkout", "--db", "fresh.db"]);
    same_as_a_fresh_load(&env.path().join("fresh.db"));
    env.ok(&["verify", "--deep"]);
}

#[test]
fn adopted_rebuilt_and_taken_back_and_forth() {
    let env = Env::init();
    let conn = env.db("app.db");
    conn.execute_batch(SAKILA).expect("load");
    conn.execute_batch(
        "INSERT INTO language (language_id, name, last_update) VALUES (1, 'English', '2026-01-01'), (2, 'Italian', '2026-01-01');
         INSERT INTO actor (actor_id, first_name, last_name, last_update) VALUES (1, 'PENELOPE', 'GUINESS', '2026-01-01'), (2, 'NICK', 'WAHLBERG', '2026-01-01');
         INSERT INTO category (category_id, name, last_update) VALUES (1, 'Action', '2026-01-01');",
    )
    .expect("rows");
    drop(conn);
    env.ok(&["baseline", "--db", "app.db", "-m", "adopt sakila"]);
    env.ok(&["checkout", "--db", "copy.db"]);
    same_as_a_fresh_load(&env.path().join("copy.db"));

    env.ok(&["revert", "--to", "0", "-m", "nothing"]);
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    assert!(Shape::read(&conn).diff(&Shape::of_sql("")).is_empty());
    drop(conn);
    env.ok(&["revert", "head", "-m", "sakila again"]);
    env.ok(&["apply", "--db", "app.db"]);
    same_as_a_fresh_load(&env.path().join("app.db"));
    let conn = env.db("app.db");
    let actors: Vec<String> = conn
        .prepare("SELECT first_name || ' ' || last_name FROM actor ORDER BY actor_id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("actors");
    assert_eq!(actors, ["PENELOPE GUINESS", "NICK WAHLBERG"]);
    let languages: i64 = conn
        .query_row("SELECT count(*) FROM language", [], |r| r.get(0))
        .expect("languages");
    assert_eq!(languages, 2);
    env.ok(&["status", "--db", "app.db"]).says("no drift");
}
