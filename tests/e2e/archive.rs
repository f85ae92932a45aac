//! `archive list` and `archive purge`: what dropped data is kept, and its
//! explicit removal.

use crate::Env;

#[test]
fn list_then_purge_what_drops_archived() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["archive", "list", "--db", "app.db"])
        .says("keeps no archived data");
    let conn = env.db("app.db");
    conn.execute_batch("INSERT INTO users (id, name, email) VALUES (1, 'ada', 'a@x'), (2, 'bob', 'b@x'), (3, 'cy', NULL);")
        .expect("insert");
    env.record("drop email", "ALTER TABLE users DROP COLUMN email"); // 3
    env.record("drop users", "DROP TABLE users"); // 4
    env.ok(&["apply", "--db", "app.db"]);
    let kept = env.json(&["archive", "list", "--db", "app.db"]);
    let kept = kept.as_array().expect("array");
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept[0]["seq"], 3);
    assert_eq!(kept[0]["kind"], "column");
    assert_eq!(kept[0]["column"], "email");
    assert_eq!(kept[0]["rows"], 3);
    assert_eq!(kept[1]["seq"], 4);
    assert_eq!(kept[1]["kind"], "table");
    assert_eq!(kept[1]["rows"], 3);
    assert!(kept[1]["bytes"].as_u64().expect("bytes") > 0);
    // The archived values, by rowid.
    let emails: Vec<(i64, Option<String>)> = conn
        .prepare(&format!(
            "SELECT \"_strata_rowid\", \"email\" FROM \"{}\" ORDER BY 1",
            kept[0]["archive_table"].as_str().expect("name")
        ))
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect::<Result<_, _>>())
        })
        .expect("archive rows");
    assert_eq!(
        emails,
        [(1, Some("a@x".into())), (2, Some("b@x".into())), (3, None)]
    );
    // Purging up to event 3 removes event 3's entry only.
    env.ok(&["archive", "purge", "--db", "app.db", "--before", "3"])
        .says("removed 1 archive entry made by events up to 3");
    let kept = env.json(&["archive", "list", "--db", "app.db"]);
    assert_eq!(kept.as_array().map(Vec::len), Some(1));
    assert_eq!(kept[0]["seq"], 4);
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_strata\\_archive\\_%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(tables, 1);
    // The database still checks out clean.
    env.ok(&["status", "--db", "app.db"]).says("no drift");
}

#[test]
fn purge_needs_a_database_of_this_ledger() {
    let env = Env::init();
    env.seed();
    env.fails(&["archive", "purge", "--db", "none.db", "--before", "1"], 1)
        .says("none.db does not exist");
    env.fails(&["archive", "list", "--db", "app.db"], 1);
    env.fails(&["archive", "purge", "--db", "app.db"], 2);
}
