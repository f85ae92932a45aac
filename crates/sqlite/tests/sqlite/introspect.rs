//! Introspection against real SQLite databases: whatever `render` builds
//! reads back as the same schema, each feature of the model is read from
//! the text SQLite keeps, SQLite's own ALTER TABLE rewrites are read, and
//! strata's and SQLite's own objects are left out.

use proptest::prelude::*;
use rusqlite::Connection;
use strata_dialect::sqlite::arb::arb_schema;
use strata_dialect::sqlite::key;
use strata_dialect::sqlite::RULES;
use strata_schema::{
    project_all, Check, FkAction, ForeignKey, Generated, Index, IndexTerm, IndexedColumn,
    PrimaryKey, Schema, Table, Unique,
};
use strata_sqlite::ddl::parse_change;
use strata_sqlite::introspect::{introspect, IntrospectError};
use strata_sqlite::render::render_schema;

use crate::support::memory_db;

fn read(conn: &Connection) -> Schema {
    introspect(conn).unwrap_or_else(|e| panic!("{e}"))
}

/// The schema `record` makes of `sql`.
fn recorded(sql: &str) -> Schema {
    let ops = parse_change(sql, &Schema::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut s = Schema::default();
    project_all(RULES, &mut s, &ops).unwrap_or_else(|(i, e)| panic!("op {i}: {e}"));
    s
}

/// Render `s` into a fresh database and read it back.
fn round_trip(s: &Schema) -> Schema {
    let script = render_schema(s).join(";\n");
    read(&memory_db(&script))
}

/// `sql` run in SQLite reads back as `record` reads `sql`, and the
/// rendering of that reads back the same again.
fn same_as_recorded(sql: &str) -> Schema {
    let expected = recorded(sql);
    assert_eq!(read(&memory_db(sql)), expected, "introspecting\n{sql}");
    assert_eq!(round_trip(&expected), expected, "rendering\n{sql}");
    expected
}

fn table<'a>(s: &'a Schema, name: &str) -> &'a Table {
    s.table(RULES, name)
        .unwrap_or_else(|| panic!("no table {name} in {s:#?}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
            )),
            ..ProptestConfig::default() })]

    #[test]
    fn render_then_introspect_is_the_identity(s in arb_schema()) {
        let script = render_schema(&s).join(";\n");
        let conn = memory_db(&script);
        let back = introspect(&conn);
        prop_assert!(back.is_ok(), "{}\n{script}", back.err().map(|e| e.to_string()).unwrap_or_default());
        prop_assert_eq!(back.ok(), Some(s), "{}", script);
    }
}

// ---- each feature, from SQL as a user writes it -----------------------------

#[test]
fn without_rowid_strict_autoincrement_and_composite_keys() {
    let s = same_as_recorded(
        "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT);
         CREATE TABLE b (k TEXT, n INT, v BLOB, PRIMARY KEY (k, n)) WITHOUT ROWID;
         CREATE TABLE c (id INTEGER PRIMARY KEY, t TEXT NOT NULL, r REAL, y ANY) STRICT;
         CREATE TABLE d (p INT, q TEXT, PRIMARY KEY (q, p)) STRICT, WITHOUT ROWID;
         CREATE TABLE e (id INT PRIMARY KEY, x TEXT);
         INSERT INTO a (x) VALUES ('sqlite_sequence gets a row')",
    );
    let a = table(&s, "a");
    assert_eq!(
        a.primary_key,
        Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
            ..PrimaryKey::default()
        })
    );
    assert!(a.has_option(strata_dialect::sqlite::AUTOINCREMENT));
    assert!(
        table(&s, "b").has_option(strata_dialect::sqlite::WITHOUT_ROWID)
            && !table(&s, "b").has_option(strata_dialect::sqlite::STRICT)
    );
    assert!(
        table(&s, "c").has_option(strata_dialect::sqlite::STRICT)
            && !table(&s, "c").has_option(strata_dialect::sqlite::WITHOUT_ROWID)
    );
    let d = table(&s, "d");
    assert!(
        d.has_option(strata_dialect::sqlite::STRICT)
            && d.has_option(strata_dialect::sqlite::WITHOUT_ROWID)
    );
    assert_eq!(
        d.primary_key.as_ref().map(|pk| pk.columns.clone()),
        Some(vec!["q".to_string(), "p".to_string()])
    );
    assert_eq!(s.tables.len(), 5, "sqlite_sequence is left out");
}

#[test]
fn column_types_collations_defaults_and_generated_columns() {
    let s = same_as_recorded(
        "CREATE TABLE t (
           a UNSIGNED BIG INT DEFAULT (1 + 2),
           b varchar(50) NOT NULL DEFAULT 'it''s' COLLATE NOCASE,
           c DECIMAL(10, 2) DEFAULT -1.5,
           d TEXT DEFAULT CURRENT_TIMESTAMP COLLATE RTRIM,
           e BLOB DEFAULT x'00ff',
           f DEFAULT (datetime('now')),
           g INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL,
           h TEXT AS (lower(b)) STORED,
           i AS (c + 1)
         )",
    );
    let t = table(&s, "t");
    let col = |n: &str| t.column(RULES, n).cloned().expect("column");
    assert_eq!(col("a").default.as_deref(), Some("1 + 2"));
    assert_eq!(col("b").collation.as_deref(), Some("NOCASE"));
    assert!(col("b").not_null);
    assert_eq!(col("c").ty, "DECIMAL(10, 2)");
    assert_eq!(col("e").default.as_deref(), Some("x'00ff'"));
    assert_eq!(
        col("g").generated,
        Some(Generated {
            expr: "a * 2".into(),
            stored: false
        })
    );
    assert_eq!(
        col("h").generated,
        Some(Generated {
            expr: "lower(b)".into(),
            stored: true
        })
    );
    assert_eq!(col("i").ty, "");
    assert!(col("i").generated.is_some());
}

#[test]
fn uniques_checks_named_constraints_and_foreign_keys() {
    let s = same_as_recorded(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE, a INT, b INT,
           CONSTRAINT parent_ab UNIQUE (a, b),
           CONSTRAINT positive CHECK (id > 0),
           CHECK (code <> ''));
         CREATE TABLE child (
           id INTEGER CONSTRAINT child_pk PRIMARY KEY,
           p INT CONSTRAINT to_parent REFERENCES parent ON DELETE CASCADE ON UPDATE SET NULL,
           code TEXT REFERENCES parent (code) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED,
           a INT, b INT, up INT,
           FOREIGN KEY (a, b) REFERENCES parent (a, b) ON DELETE SET DEFAULT,
           CONSTRAINT self FOREIGN KEY (up) REFERENCES child (id) NOT DEFERRABLE,
           UNIQUE (a, b), UNIQUE (b, a));",
    );
    let parent = table(&s, "parent");
    assert_eq!(
        parent.uniques,
        vec![
            Unique {
                name: None,
                columns: vec!["code".into()],
                ..Unique::default()
            },
            Unique {
                name: Some("parent_ab".into()),
                columns: vec!["a".into(), "b".into()],
                ..Unique::default()
            },
        ]
    );
    assert_eq!(
        parent.checks,
        vec![
            Check {
                name: Some("positive".into()),
                expr: "id > 0".into()
            },
            Check {
                name: None,
                expr: "code <> ''".into()
            },
        ]
    );
    let child = table(&s, "child");
    assert_eq!(
        child.primary_key.as_ref().and_then(|pk| pk.name.clone()),
        Some("child_pk".into())
    );
    assert_eq!(
        child.foreign_keys,
        vec![
            ForeignKey {
                name: Some("to_parent".into()),
                columns: vec!["p".into()],
                ref_table: "parent".into(),
                ref_columns: vec![],
                on_delete: FkAction::Cascade,
                on_update: FkAction::SetNull,
                deferred: false,
                ..ForeignKey::default()
            },
            ForeignKey {
                name: None,
                columns: vec!["code".into()],
                ref_table: "parent".into(),
                ref_columns: vec!["code".into()],
                on_delete: FkAction::Restrict,
                on_update: FkAction::NoAction,
                deferred: true,
                ..ForeignKey::default()
            },
            ForeignKey {
                name: None,
                columns: vec!["a".into(), "b".into()],
                ref_table: "parent".into(),
                ref_columns: vec!["a".into(), "b".into()],
                on_delete: FkAction::SetDefault,
                on_update: FkAction::NoAction,
                deferred: false,
                ..ForeignKey::default()
            },
            ForeignKey {
                name: Some("self".into()),
                columns: vec!["up".into()],
                ref_table: "child".into(),
                ref_columns: vec!["id".into()],
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
                deferred: false,
                ..ForeignKey::default()
            },
        ]
    );
    assert_eq!(child.uniques.len(), 2, "(a, b) and (b, a) are two keys");
}

#[test]
fn partial_and_expression_indexes_with_desc_and_collate() {
    let s = same_as_recorded(
        "CREATE TABLE t (a TEXT, b TEXT, c INT);
         CREATE UNIQUE INDEX i ON t (a COLLATE NOCASE DESC, lower(b), c ASC) WHERE c IS NOT NULL;
         CREATE INDEX j ON t ((c + 1) COLLATE BINARY, b || 'x' DESC);
         CREATE INDEX k ON t (c) WHERE a <> '' AND c > 0",
    );
    let i = &s.indexes["i"];
    assert!(i.unique);
    assert_eq!(
        i.columns,
        vec![
            IndexedColumn {
                term: IndexTerm::Column("a".into()),
                collation: Some("NOCASE".into()),
                desc: true
            },
            IndexedColumn {
                term: IndexTerm::Expr("lower(b)".into()),
                collation: None,
                desc: false
            },
            IndexedColumn {
                term: IndexTerm::Column("c".into()),
                collation: None,
                desc: false
            },
        ]
    );
    assert_eq!(i.predicate.as_deref(), Some("c IS NOT NULL"));
    assert_eq!(
        s.indexes["j"].columns[0].term,
        IndexTerm::Expr("(c + 1)".into())
    );
    assert!(s.indexes["j"].columns[1].desc);
    assert_eq!(
        s.indexes["k"].predicate.as_deref(),
        Some("a <> '' AND c > 0")
    );
}

#[test]
fn a_collated_expression_term_keeps_its_collation_in_sqlite() {
    // Written bare, `c * 2 COLLATE NOCASE` would collate the 2 alone.
    let index = Index {
        name: "i".into(),
        table: "t".into(),
        unique: false,
        columns: vec![IndexedColumn {
            term: IndexTerm::Expr("c * 2".into()),
            collation: Some("NOCASE".into()),
            desc: true,
        }],
        predicate: None,
        ..Index::default()
    };
    let mut s = recorded("CREATE TABLE t (c INT)");
    s.indexes.insert(key("i"), index);
    let conn = memory_db(&render_schema(&s).join(";\n"));
    let coll: String = conn
        .query_row(
            "SELECT coll FROM pragma_index_xinfo('i') WHERE key",
            [],
            |r| r.get(0),
        )
        .expect("index term");
    assert_eq!(coll, "NOCASE");
    assert_eq!(
        read(&conn).indexes["i"].columns[0].term,
        IndexTerm::Expr("(c * 2)".into())
    );
}

#[test]
fn views_and_triggers() {
    let s = same_as_recorded(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE log (what TEXT);
         CREATE VIEW base AS SELECT id, name FROM t WHERE name IS NOT NULL;
         CREATE VIEW top (n) AS SELECT count(*) FROM base JOIN log ON 1;
         CREATE TRIGGER t_ins AFTER INSERT ON t WHEN new.name <> ''
         BEGIN
           INSERT INTO log VALUES ('insert; ' || new.name);
           UPDATE log SET what = CASE WHEN what = '' THEN 'x' END;
         END;
         CREATE TRIGGER no_delete INSTEAD OF DELETE ON base BEGIN SELECT RAISE(ABORT, 'no'); END",
    );
    assert_eq!(s.views["top"].depends_on, ["base", "log"]);
    assert_eq!(s.triggers["t_ins"].table, "t");
    assert_eq!(s.triggers["t_ins"].depends_on, ["log"]);
    assert_eq!(s.triggers["no_delete"].table, "base");
}

#[test]
fn quoted_and_odd_identifiers() {
    same_as_recorded(
        r#"CREATE TABLE "we""ird; name" (
             "id" INTEGER PRIMARY KEY,
             [with space] TEXT COLLATE "NOCASE",
             `back``tick` INT DEFAULT 0,
             "select" TEXT CONSTRAINT "check; me" CHECK ("select" <> 'end;'),
             "ü 表" TEXT GENERATED ALWAYS AS ([with space] || '--') VIRTUAL,
             "/*x*/" INT CONSTRAINT "u]" UNIQUE,
             "--y" INT REFERENCES "we""ird; name" ("id") ON DELETE CASCADE
           );
           CREATE TABLE "order" ("group" TEXT, "by" TEXT, PRIMARY KEY ("group", "by")) WITHOUT ROWID;
           CREATE UNIQUE INDEX "index;" ON "order" ("by" COLLATE RTRIM DESC, lower("group")) WHERE "group" <> ';';
           CREATE VIEW "view ""v""" AS SELECT "group" AS "g" FROM "order";
           CREATE TRIGGER "begin" AFTER DELETE ON "order" BEGIN
             DELETE FROM "we""ird; name" WHERE "select" = old."by";
           END"#,
    );
}

#[test]
fn a_table_changed_by_sqlites_own_alter_table_reads_its_rewritten_text() {
    let conn = memory_db(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT, CHECK (a <> ''));
         CREATE TABLE other (x INT PRIMARY KEY REFERENCES t (id));
         CREATE INDEX t_a ON t (a);
         CREATE VIEW v AS SELECT a FROM t;
         ALTER TABLE t ADD COLUMN c TEXT NOT NULL DEFAULT 'x' COLLATE NOCASE;
         ALTER TABLE t ADD d INT REFERENCES other (x);
         ALTER TABLE t RENAME COLUMN a TO \"a b\";
         ALTER TABLE t RENAME TO \"T 2\";
         ALTER TABLE \"T 2\" DROP COLUMN b",
    );
    let stored: String = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'T 2'",
            [],
            |r| r.get(0),
        )
        .expect("table");
    assert!(
        stored.contains("c TEXT NOT NULL DEFAULT 'x' COLLATE NOCASE"),
        "{stored}"
    );
    let live = read(&conn);
    let t = table(&live, "T 2");
    assert_eq!(t.name, "T 2");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "a b", "c", "d"]);
    let c = t.column(RULES, "c").expect("c");
    assert_eq!(
        (c.not_null, c.default.as_deref(), c.collation.as_deref()),
        (true, Some("'x'"), Some("NOCASE"))
    );
    assert_eq!(t.foreign_keys.len(), 1);
    assert_eq!(t.foreign_keys[0].ref_table, "other");
    assert_eq!(t.checks.len(), 1);
    assert!(t.checks[0].expr.contains("\"a b\""), "{:?}", t.checks);
    assert_eq!(live.indexes["t_a"].table, "T 2");
    assert_eq!(
        live.indexes["t_a"].columns[0].term,
        IndexTerm::Column("a b".into())
    );
    assert_eq!(table(&live, "other").foreign_keys[0].ref_table, "T 2");
    assert!(
        live.views["v"].sql.contains("\"a b\""),
        "{}",
        live.views["v"].sql
    );
    assert_eq!(live.views["v"].depends_on, ["T 2"]);
    // What SQLite now holds renders into a database that reads back the same.
    assert_eq!(round_trip(&live), live);
}

// ---- what is left out, and what SQLite allows that record would not -------

#[test]
fn strata_and_sqlite_objects_are_left_out() {
    let conn = memory_db(
        "CREATE TABLE _strata_state (ledger TEXT, seq INT);
         CREATE TABLE _STRATA_Archive_7 (k INT, v TEXT);
         CREATE INDEX _strata_log_seq ON _strata_state (seq);
         CREATE INDEX strata_state_ledger ON _strata_state (ledger);
         CREATE TRIGGER strata_guard AFTER INSERT ON _strata_state BEGIN SELECT 1; END;
         CREATE TABLE counter (id INTEGER PRIMARY KEY AUTOINCREMENT, n INT);
         INSERT INTO counter (n) VALUES (1);
         CREATE INDEX counter_n ON counter (n);
         ANALYZE;",
    );
    let internal: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('sqlite_sequence', 'sqlite_stat1')",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(internal, 2, "the database holds SQLite's own tables");
    let s = read(&conn);
    assert_eq!(s.tables.keys().collect::<Vec<_>>(), ["counter"]);
    assert_eq!(s.indexes.keys().collect::<Vec<_>>(), ["counter_n"]);
    assert!(s.views.is_empty() && s.triggers.is_empty());
}

#[test]
fn an_empty_database_is_the_empty_schema() {
    assert_eq!(read(&memory_db("")), Schema::default());
}

#[test]
fn foreign_key_cycles_and_missing_parents_are_read_as_sqlite_holds_them() {
    let sql = "CREATE TABLE a (id INTEGER PRIMARY KEY, b INT REFERENCES b (id));
         CREATE TABLE b (id INTEGER PRIMARY KEY, a INT REFERENCES a (id));
         CREATE TABLE c (x INT REFERENCES gone (y))";
    let s = read(&memory_db(sql));
    assert_eq!(table(&s, "a").foreign_keys[0].ref_table, "b");
    assert_eq!(table(&s, "b").foreign_keys[0].ref_table, "a");
    assert_eq!(table(&s, "c").foreign_keys[0].ref_table, "gone");
    // The cycle renders in an order SQLite takes, and reads back the same.
    assert_eq!(round_trip(&s), s);
}

#[test]
fn a_file_database_is_read_through_a_new_connection() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("live.db");
    let expected = recorded(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE);
         CREATE INDEX t_a ON t (a DESC)",
    );
    {
        let conn = Connection::open(&path).expect("create");
        conn.execute_batch(&render_schema(&expected).join(";\n"))
            .expect("build");
    }
    let conn = Connection::open(&path).expect("open");
    assert_eq!(read(&conn), expected);
}

// ---- errors -----------------------------------------------------------------

#[test]
fn a_file_that_is_not_a_database_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "these are not the pages of a database\n".repeat(200)).expect("write");
    let conn = Connection::open(&path).expect("SQLite opens lazily");
    let e = introspect(&conn).expect_err("not a database");
    assert!(matches!(e, IntrospectError::Sqlite(_)), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("cannot read the database schema: "),
        "{e}"
    );
}

#[test]
fn a_table_strata_cannot_read_is_an_error_naming_it() {
    let e = introspect(&memory_db(
        "CREATE TABLE ok (a INT); CREATE TABLE t (a INT UNIQUE ON CONFLICT REPLACE)",
    ))
    .expect_err("ON CONFLICT is not in the model");
    assert!(
        matches!(e, IntrospectError::Parse { kind: "table", .. }),
        "{e:?}"
    );
    let message = e.to_string();
    assert!(
        message.starts_with("cannot read table t from its stored sql: "),
        "{message}"
    );
    assert!(message.contains("ON CONFLICT"), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn a_virtual_table_is_an_error_naming_it() {
    let e = introspect(&memory_db("CREATE VIRTUAL TABLE docs USING fts5(body)"))
        .expect_err("virtual tables are not in the model");
    assert_eq!(
        e.to_string(),
        "table docs is not supported: virtual tables are not part of strata's model"
    );
}

#[test]
fn stored_text_that_disagrees_with_sqlite_is_an_error_not_a_silent_schema() {
    // With writable_schema, the stored text can be changed under SQLite's
    // feet: this connection still holds the table as first created.
    let conn = memory_db("CREATE TABLE t (a INT NOT NULL, b TEXT)");
    conn.execute_batch(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = 'CREATE TABLE t (a INT, b TEXT)' WHERE name = 't';
         PRAGMA writable_schema = OFF;",
    )
    .expect("rewrite the stored text");
    let e = introspect(&conn).expect_err("the text and SQLite disagree");
    assert_eq!(
        e.to_string(),
        "table t: its stored sql and SQLite's pragmas disagree: column a: NOT NULL is true in SQLite"
    );
}

#[test]
fn an_index_whose_text_disagrees_with_sqlite_is_an_error() {
    let conn = memory_db("CREATE TABLE t (a INT, b INT); CREATE INDEX i ON t (a, b DESC)");
    conn.execute_batch(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = 'CREATE INDEX i ON t (a, b)' WHERE name = 'i';
         PRAGMA writable_schema = OFF;",
    )
    .expect("rewrite the stored text");
    let e = introspect(&conn).expect_err("the text and SQLite disagree");
    assert_eq!(
        e.to_string(),
        "index i: its stored sql and SQLite's pragmas disagree: term 2: DESC is true in SQLite"
    );
}

/// A thousand tables, with every mix of WITHOUT ROWID and STRICT, their
/// indexes and views, read back each with its own options.
#[test]
fn a_thousand_tables_read_back_each_with_its_options() {
    let mut sql = String::new();
    for i in 0..1_000 {
        let options = match i % 4 {
            0 => "",
            1 => " STRICT",
            2 => " WITHOUT ROWID",
            _ => " STRICT, WITHOUT ROWID",
        };
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL){options};\n"
        ));
        if i % 2 == 0 {
            sql.push_str(&format!("CREATE INDEX t{i}_name ON t{i} (name);\n"));
        }
        if i % 10 == 0 {
            sql.push_str(&format!("CREATE VIEW v{i} AS SELECT id, name FROM t{i};\n"));
        }
    }
    let s = same_as_recorded(&sql);
    assert_eq!(s.tables.len(), 1_000);
    assert!(table(&s, "t1").has_option(strata_dialect::sqlite::STRICT));
    assert!(table(&s, "t2").has_option(strata_dialect::sqlite::WITHOUT_ROWID));
    assert!(!table(&s, "t4").has_option(strata_dialect::sqlite::STRICT));
}
