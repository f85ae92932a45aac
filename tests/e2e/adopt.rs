//! The migration folders of `tests/corpus/adopt`, written in the styles of
//! Flyway, goose, dbmate and plain numbered files (see its README), each
//! imported with `import-sql` and applied: the database strata makes has
//! the schema and the rows SQLite gives when the files' up sections are run
//! as they are, and going back to the point after the rows went in and
//! forward again keeps every row, across hand-written rebuilds, tables
//! dropped and created again, and tables made STRICT or WITHOUT ROWID.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::Env;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/adopt")
        .join(name)
}

/// The part of a migration file that goes up, as the tool would run it.
fn up_section(text: &str) -> &str {
    for (up, down) in [
        ("-- +goose Up", "-- +goose Down"),
        ("-- migrate:up", "-- migrate:down"),
    ] {
        if let Some(at) = text.find(up) {
            let rest = &text[at + up.len()..];
            return rest.find(down).map_or(rest, |end| &rest[..end]);
        }
    }
    text
}

/// A database made by SQLite alone from the first files of `folder`.
fn raw(env: &Env, name: &str, folder: &str, files: &[&str]) -> Connection {
    let conn = Connection::open(env.path().join(name)).expect("open");
    for file in files {
        let text = std::fs::read_to_string(corpus(folder).join(file)).expect("a file");
        conn.execute_batch(up_section(&text))
            .unwrap_or_else(|e| panic!("SQLite runs {folder}/{file}: {e}"));
    }
    conn
}

/// Every row of every table of the user's, in order.
fn rows(conn: &Connection) -> Vec<String> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_strata\\_%' ESCAPE '\\' \
             ORDER BY name",
        )
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("names");
    let mut out = Vec::new();
    for t in tables {
        let mut st = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1, 2"))
            .expect("select");
        let n = st.column_count();
        let all: Vec<String> = st
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| format!("{t}: {}", v.join(" | ")))
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("values");
        out.extend(all);
    }
    out
}

/// What differs between the schemas of two databases, as strata reads
/// them.
fn schema_differences(a: &Connection, b: &Connection) -> Vec<String> {
    let a = strata_sqlite::introspect::introspect(a).expect("introspect");
    let b = strata_sqlite::introspect::introspect(b).expect("introspect");
    strata_schema::differences(strata_dialect::sqlite::RULES, &a, &b)
        .iter()
        .map(strata_sqlite::render::difference)
        .collect()
}

/// Imports `folder`, applies it, and compares with SQLite running its
/// files; then goes back to event `seeded` and forward again.
fn adopt(folder: &str, files: &[&str], seeded: usize) -> Env {
    let env = Env::init();
    let dir = corpus(folder);
    env.ok(&["import-sql", dir.to_str().expect("a path")]);
    assert_eq!(env.head(), files.len() as u64, "one event per file");
    env.ok(&["apply", "--db", "app.db"]);
    let app = env.db("app.db");
    let whole = raw(&env, "raw.db", folder, files);
    assert_eq!(schema_differences(&whole, &app), Vec::<String>::new());
    let at_head = rows(&app);
    assert!(!at_head.is_empty());
    assert_eq!(at_head, rows(&whole));
    assert!(rows_of(&app, "PRAGMA foreign_key_check").is_empty());

    // Back to the point after the rows went in: the schema and rows
    // SQLite has after those files.
    env.ok(&["apply", "--db", "app.db", "--to", &seeded.to_string()]);
    let part = raw(&env, "part.db", folder, &files[..seeded]);
    assert_eq!(schema_differences(&part, &app), Vec::<String>::new());
    assert_eq!(rows(&app), rows(&part));
    // And to head again: every row as it was.
    env.ok(&["apply", "--db", "app.db"]);
    assert_eq!(schema_differences(&whole, &app), Vec::<String>::new());
    assert_eq!(rows(&app), at_head);
    env.ok(&["verify", "--db", "app.db"]);
    env
}

fn rows_of(conn: &Connection, sql: &str) -> Vec<String> {
    let mut st = conn.prepare(sql).expect("prepare");
    st.query_map([], |r| {
        r.get::<_, rusqlite::types::Value>(0)
            .map(|v| format!("{v:?}"))
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

#[test]
fn a_flyway_folder_with_rebuilds_a_table_made_anew_and_a_strict_table() {
    let env = adopt(
        "flyway",
        &[
            "V1__users_and_posts.sql",
            "V2__seed.sql",
            "V3__names_and_audit.sql",
            "V4__users_name_wider.sql",
            "V5__audit_again.sql",
            "V6__posts_strict.sql",
        ],
        2,
    );
    // The trigger that writes into the table made anew still fires.
    let app = env.db("app.db");
    app.execute_batch("INSERT INTO posts (id, user_id, title) VALUES (13, 2, 'late')")
        .expect("insert");
    assert_eq!(rows_of(&app, "SELECT what FROM audit"), ["Text(\"bob\")"]);
}

#[test]
fn a_goose_folder_with_a_rebuild_under_a_view_and_a_without_rowid_table() {
    adopt(
        "goose",
        &[
            "00001_create_users.sql",
            "00002_seed.sql",
            "00003_user_names.sql",
            "00004_rebuild_users.sql",
            "00005_tags_without_rowid.sql",
        ],
        2,
    );
}

#[test]
fn a_dbmate_folder_with_a_rebuild_that_renames_a_column() {
    adopt(
        "dbmate",
        &[
            "20240105093000_create_notes.sql",
            "20240212110000_rename_body.sql",
        ],
        1,
    );
}

#[test]
fn a_plain_numbered_folder_with_a_key_to_a_table_created_further_down() {
    adopt("plain", &["1.sql", "2.sql", "10.sql"], 2);
}
