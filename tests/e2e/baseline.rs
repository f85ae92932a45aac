//! `baseline`: an existing database adopted as the ledger's first event (or,
//! forced, after head), and marked there.

use std::path::Path;

use rusqlite::Connection;

use crate::support::text_rows;
use crate::Env;

const EXISTING: &str = "
CREATE TABLE artists (id integer PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE albums (
    id integer PRIMARY KEY,
    artist_id integer NOT NULL REFERENCES artists(id) ON DELETE CASCADE,
    title text NOT NULL DEFAULT 'untitled',
    year integer CONSTRAINT sane_year CHECK (year > 1900)
);
CREATE INDEX albums_by_artist ON albums (artist_id, year DESC);
CREATE VIEW album_titles AS SELECT a.name, b.title FROM artists a JOIN albums b ON b.artist_id = a.id;
CREATE TRIGGER albums_year AFTER INSERT ON albums BEGIN SELECT 1; END;
INSERT INTO artists VALUES (1, 'Nina'), (2, 'Miles');
INSERT INTO albums VALUES (1, 1, 'Pastel Blues', 1965), (2, 2, 'Kind of Blue', 1959);
";

/// `--json status --db DB`, whose exit says whether there is drift (4).
fn status_of(env: &Env, db: &str) -> serde_json::Value {
    let run = env.run(&["--json", "status", "--db", db]);
    let status: serde_json::Value = serde_json::from_str(&run.stdout).expect("status JSON");
    let drifted = !status["drift"].as_array().expect("drift").is_empty();
    assert_eq!(run.code, if drifted { 4 } else { 0 }, "{}", run.stderr);
    status
}

fn existing(env: &Env, name: &str) -> Connection {
    let conn = env.db(name);
    conn.execute_batch(EXISTING).expect("load");
    conn
}

/// What SQLite itself says about a database's schema, object by object:
/// every table's columns (name, type, not null, default, primary key
/// position, hidden), foreign keys and indexes with their columns, and the
/// SQL of views and triggers. strata's own bookkeeping is left out.
fn shape(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).expect("open");
    let list = |sql: &str| text_rows(&conn, sql);
    let mut out = Vec::new();
    let objects = list(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema \
         WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_strata_%' ORDER BY type, name",
    );
    for o in objects {
        let (kind, name) = (&o[0], &o[1]);
        match kind.as_str() {
            "table" => {
                for c in list(&format!(
                    "SELECT name, lower(type), \"notnull\", dflt_value, pk, hidden \
                     FROM pragma_table_xinfo('{name}')"
                )) {
                    out.push(format!("column {name} {c:?}"));
                }
                for f in list(&format!(
                    "SELECT \"table\", \"from\", \"to\", on_update, on_delete \
                     FROM pragma_foreign_key_list('{name}')"
                )) {
                    out.push(format!("fk {name} {f:?}"));
                }
                for i in list(&format!(
                    "SELECT \"unique\", origin, partial, name FROM pragma_index_list('{name}') \
                     ORDER BY name"
                )) {
                    let columns = list(&format!(
                        "SELECT coalesce(name, '<expr>'), desc FROM pragma_index_xinfo('{}') WHERE key",
                        i[3]
                    ));
                    let label = if i[1] == "c" {
                        i[3].clone()
                    } else {
                        i[1].clone()
                    };
                    out.push(format!("index {name} {label} {:?} {columns:?}", &i[..3]));
                }
            }
            "view" | "trigger" => {
                let sql = o[3].split_whitespace().collect::<Vec<_>>().join(" ");
                out.push(format!("{kind} {name} {sql}"));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn a_database_is_adopted_as_the_first_event_object_for_object() {
    let env = Env::init();
    drop(existing(&env, "app.db"));
    env.ok(&["baseline", "--db", "app.db", "-m", "adopt app.db"])
        .says("recorded baseline event 1")
        .says("marked at event 1");
    let events = env.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["kind"], "baseline");
    env.ok(&["verify"]);

    // The ledger's schema at the baseline builds a database SQLite
    // describes exactly as it describes the adopted one.
    let sql = env.ok(&["schema", "--at", "1"]).stdout;
    let fresh = env.db("fresh.db");
    fresh.execute_batch(&sql).expect("schema --at 1 loads");
    drop(fresh);
    let adopted = shape(&env.path().join("app.db"));
    assert!(adopted.iter().any(|l| l.starts_with("trigger albums_year")));
    assert_eq!(shape(&env.path().join("fresh.db")), adopted);

    // Marked: nothing to do, no drift, and the rows are untouched.
    let status = status_of(&env, "app.db");
    assert_eq!(status["seq"], 1);
    assert_eq!(status["applied"], true);
    assert_eq!(status["drift"].as_array().expect("drift").len(), 0);
    env.ok(&["apply", "--db", "app.db"])
        .says("already at event 1");
    let conn = env.db("app.db");
    let titles: Vec<String> = conn
        .prepare("SELECT title FROM albums ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("titles");
    assert_eq!(titles, ["Pastel Blues", "Kind of Blue"]);
}

#[test]
fn later_changes_apply_on_top_and_revert_to_the_baseline_brings_the_data_back() {
    let env = Env::init();
    drop(existing(&env, "app.db"));
    env.ok(&["baseline", "--db", "app.db", "-m", "adopt"]);
    env.record(
        "drop year",
        "DROP INDEX albums_by_artist; ALTER TABLE albums DROP CONSTRAINT sane_year; \
         ALTER TABLE albums DROP COLUMN year;",
    );
    env.record(
        "labels",
        "CREATE TABLE labels (id integer PRIMARY KEY, name text);",
    );
    env.ok(&["apply", "--db", "app.db"]).says("now at event 3");
    let before = shape(&env.path().join("app.db"));
    assert!(!before.iter().any(|l| l.contains("\"year\"")));

    env.ok(&["revert", "--to", "1", "-m", "back to the adopted schema"]);
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    let years: Vec<i64> = conn
        .prepare("SELECT year FROM albums ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("years");
    assert_eq!(years, [1965, 1959]);
    drop(conn);
    let original = env.path().join("original.db");
    drop(existing(&env, "original.db"));
    assert_eq!(shape(&env.path().join("app.db")), shape(&original));
}

#[test]
fn a_copy_of_an_adopted_database_is_adopted_by_apply() {
    let env = Env::init();
    drop(existing(&env, "app.db"));
    // A copy made before the baseline marks app.db: same schema, no mark.
    drop(existing(&env, "copy.db"));
    env.ok(&["baseline", "--db", "app.db", "-m", "adopt"]);
    env.ok(&["status", "--db", "copy.db"])
        .says("its schema is that of baseline event 1");
    env.record("add genre", "ALTER TABLE albums ADD COLUMN genre text;");
    env.ok(&["apply", "--db", "copy.db"]).says("now at event 2");
    assert!(shape(&env.path().join("copy.db"))
        .iter()
        .any(|l| l.contains("\"genre\"")));
    let status = status_of(&env, "copy.db");
    assert_eq!(status["seq"], 2);
    assert_eq!(status["applied"], true);
}

#[test]
fn a_ledger_with_events_needs_force_after_head() {
    let env = Env::init();
    env.seed();
    drop(existing(&env, "app.db"));
    env.fails(&["baseline", "--db", "app.db", "-m", "adopt"], 1)
        .says("the ledger has 2 events")
        .says("--force-after 2");
    env.fails(
        &[
            "baseline",
            "--db",
            "app.db",
            "-m",
            "adopt",
            "--force-after",
            "1",
        ],
        1,
    )
    .says("head is event 2");
    env.fails(
        &[
            "baseline",
            "--db",
            "app.db",
            "-m",
            "adopt",
            "--force-after",
            "9",
        ],
        1,
    );
    assert_eq!(env.head(), 2);

    env.ok(&[
        "baseline",
        "--db",
        "app.db",
        "-m",
        "adopt the hotfixed schema",
        "--force-after",
        "head",
    ])
    .says("recorded baseline event 3");
    env.ok(&["verify"]);
    // The ledger's schema is now the database's: users is gone from it.
    let schema = env.json(&["schema"]);
    let tables: Vec<&String> = schema["tables"]
        .as_object()
        .expect("tables")
        .keys()
        .collect();
    assert_eq!(tables, ["albums", "artists"]);
    env.ok(&["apply", "--db", "app.db"])
        .says("already at event 3");
}

#[test]
fn drift_in_an_applied_database_is_adopted_with_force_after() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch("CREATE INDEX users_by_email ON users (email);")
        .expect("hotfix");
    drop(conn);
    let status = status_of(&env, "app.db");
    assert_eq!(status["drift"].as_array().expect("drift").len(), 1);
    env.ok(&[
        "baseline",
        "--db",
        "app.db",
        "-m",
        "adopt the hotfix",
        "--force-after",
        "2",
    ]);
    let status = status_of(&env, "app.db");
    assert_eq!(status["seq"], 3);
    assert_eq!(status["drift"].as_array().expect("drift").len(), 0);
    let schema = env.json(&["schema"]);
    assert!(schema["indexes"]["users_by_email"].is_object());
}

#[test]
fn bad_input_records_nothing() {
    let env = Env::init();
    env.fails(&["baseline", "--db", "missing.db", "-m", "adopt"], 1)
        .says("missing.db is not a database file");
    std::fs::create_dir(env.path().join("dir.db")).expect("mkdir");
    env.fails(&["baseline", "--db", "dir.db", "-m", "adopt"], 1);
    env.file("text.db", "this is not a database, only some text");
    env.fails(&["baseline", "--db", "text.db", "-m", "adopt"], 1);
    assert_eq!(env.head(), 0);

    // Dry run: the event is shown, nothing appended, the file not marked.
    drop(existing(&env, "app.db"));
    env.ok(&["baseline", "--db", "app.db", "-m", "adopt", "--dry-run"])
        .says("nothing was appended");
    assert_eq!(env.head(), 0);
    let status = status_of(&env, "app.db");
    assert_eq!(status["applied"], false);
}

#[test]
fn a_database_of_another_ledger_is_refused() {
    let env = Env::init();
    drop(existing(&env, "app.db"));
    env.ok(&["baseline", "--db", "app.db", "-m", "adopt"]);
    env.ok(&["--ledger", "other", "init"]);
    env.fails(
        &[
            "--ledger", "other", "baseline", "--db", "app.db", "-m", "adopt",
        ],
        3,
    )
    .says("another ledger");
    assert_eq!(
        env.json(&["--ledger", "other", "log"])
            .as_array()
            .expect("log")
            .len(),
        0
    );
}

#[test]
fn checkout_of_an_adopted_ledger_builds_the_adopted_schema() {
    let env = Env::init();
    drop(existing(&env, "app.db"));
    env.ok(&["baseline", "--db", "app.db", "-m", "adopt"]);
    env.ok(&["checkout", "--db", "copy.db"])
        .says("built copy.db at event 1");
    assert_eq!(
        shape(&env.path().join("copy.db")),
        shape(&env.path().join("app.db"))
    );
    env.ok(&["status", "--db", "copy.db"]).says("no drift");
    // A later change applies to the copy as to the original.
    env.record("genre", "ALTER TABLE albums ADD COLUMN genre text;");
    env.ok(&["apply", "--db", "copy.db"]).says("now at event 2");
}

#[test]
fn reverting_across_a_baseline_takes_the_adopted_schema_away_and_back() {
    let env = Env::init();
    drop(existing(&env, "app.db"));
    env.ok(&["baseline", "--db", "app.db", "-m", "adopt"]);
    env.ok(&["revert", "--to", "0", "-m", "nothing"]);
    env.ok(&["apply", "--db", "app.db"]);
    let empty = shape(&env.path().join("app.db"));
    assert!(empty.is_empty(), "{empty:?}");
    // The redo brings back the tables with their rows.
    env.ok(&["revert", "head", "-m", "everything again"]);
    env.ok(&["apply", "--db", "app.db"]);
    drop(existing(&env, "original.db"));
    assert_eq!(
        shape(&env.path().join("app.db")),
        shape(&env.path().join("original.db"))
    );
    let conn = env.db("app.db");
    let titles: Vec<String> = conn
        .prepare("SELECT title FROM albums ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("titles");
    assert_eq!(titles, ["Pastel Blues", "Kind of Blue"]);
    env.ok(&["verify", "--deep"]);
}

#[test]
fn a_forced_baseline_is_reverted_by_the_ops_back_to_the_schema_before_it() {
    let env = Env::init();
    env.seed();
    env.ok(&["apply", "--db", "app.db"]);
    let conn = env.db("app.db");
    conn.execute_batch(
        "INSERT INTO users (id, name) VALUES (1, 'ann');
         CREATE INDEX users_by_email ON users (email);
         CREATE TABLE notes (id integer PRIMARY KEY, body text);",
    )
    .expect("hotfix");
    drop(conn);
    env.ok(&[
        "baseline",
        "--db",
        "app.db",
        "-m",
        "adopt the hotfix",
        "--force-after",
        "head",
    ]);
    // Back to before the hotfix: the index and the table go, the rows stay.
    env.ok(&["revert", "--to", "2", "-m", "undo the hotfix"]);
    env.ok(&["apply", "--db", "app.db"]);
    env.ok(&["status", "--db", "app.db"]).says("no drift");
    let tables = env.json(&["schema"]);
    assert!(tables["tables"]["notes"].is_null());
    assert!(tables["indexes"]["users_by_email"].is_null());
    // A database checked out at head (through the baseline) matches.
    env.ok(&["checkout", "--db", "fresh.db", "--to", "3"]);
    env.ok(&["status", "--db", "fresh.db"]).says("no drift");
    let fresh = shape(&env.path().join("fresh.db"));
    assert!(
        fresh
            .iter()
            .any(|l| l.starts_with("index users users_by_email")),
        "{fresh:?}"
    );
}
