//! Rebuilds on real schemas nobody here wrote: Sakila, Northwind and both
//! Chinook scripts (tests/corpus/, each with its README and license). Each
//! is loaded into a real SQLite file, introspected, and every table is
//! rebuilt once, one event per table, by a declared-type change that keeps
//! the column's affinity (so no stored value may change). Then every row
//! (with its rowid), every sqlite_schema object, every index's columns,
//! every foreign key, every view's result and sqlite_sequence must be what
//! they were, and the database must introspect to the projected schema.
//!
//! The type change keeps the affinity on purpose: with it, "nothing lost"
//! is an exact before/after comparison of every value, and a rebuild that
//! fires ON DELETE actions, fires Sakila's `last_update` triggers or loses
//! a rowid shows up as a difference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::Connection;
use strata_dialect::sqlite::text::quote_ident;
use strata_schema::{Column, Op, Schema};
use strata_sqlite::apply::{apply, open, read_state};
use strata_sqlite::introspect::introspect;
use strata_sqlite::plan::{plan, Step};
use tempfile::TempDir;

use crate::support::{assert_clean, position, rows, text};

fn corpus(path: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn names(conn: &Connection, kind: &str) -> Vec<String> {
    rows(
        conn,
        &format!(
            "SELECT name FROM sqlite_schema WHERE type = '{kind}' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name NOT LIKE '\\_strata\\_%' ESCAPE '\\' ORDER BY name"
        ),
    )
    .into_iter()
    .map(|r| match &r[0] {
        Value::Text(s) => s.clone(),
        other => panic!("name {other:?}"),
    })
    .collect()
}

/// A corpus database in a temp file, loaded through a plain connection
/// (the scripts are run as their authors ran them).
struct Corpus {
    _dir: TempDir,
    path: PathBuf,
}

impl Corpus {
    fn load(script: &str) -> Corpus {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("corpus.db");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(script).expect("corpus script loads");
        Corpus { _dir: dir, path }
    }

    fn conn(&self) -> Connection {
        Connection::open(&self.path).expect("open")
    }
}

/// Everything a rebuild must keep, read with SQLite's own pragmas rather
/// than through strata's introspection.
#[derive(Debug, PartialEq)]
struct Snapshot {
    /// (type, name, tbl_name) of every sqlite_schema entry, automatic
    /// indexes and sqlite_sequence included, strata's own tables left out.
    objects: BTreeSet<(String, String, String)>,
    /// Row counts, compared first for a readable failure.
    counts: BTreeMap<String, i64>,
    /// Every row with its rowid, in rowid order.
    rows: BTreeMap<String, Vec<Vec<Value>>>,
    /// `pragma_index_list` and `pragma_index_xinfo` of every index.
    indexes: BTreeMap<String, Vec<Vec<Value>>>,
    /// `pragma_foreign_key_list` per table.
    foreign_keys: BTreeMap<String, Vec<Vec<Value>>>,
    /// Each view's result, rows sorted.
    views: BTreeMap<String, Vec<Vec<Value>>>,
    sequence: Vec<Vec<Value>>,
}

impl Snapshot {
    fn read(conn: &Connection) -> Snapshot {
        let objects = rows(
            conn,
            "SELECT type, name, tbl_name FROM sqlite_schema \
             WHERE tbl_name NOT LIKE '\\_strata\\_%' ESCAPE '\\'",
        )
        .into_iter()
        .map(|r| match (&r[0], &r[1], &r[2]) {
            (Value::Text(a), Value::Text(b), Value::Text(c)) => (a.clone(), b.clone(), c.clone()),
            other => panic!("sqlite_schema row {other:?}"),
        })
        .collect();
        let mut snap = Snapshot {
            objects,
            counts: BTreeMap::new(),
            rows: BTreeMap::new(),
            indexes: BTreeMap::new(),
            foreign_keys: BTreeMap::new(),
            views: BTreeMap::new(),
            sequence: Vec::new(),
        };
        for table in names(conn, "table") {
            let q = quote_ident(&table);
            let count = rows(conn, &format!("SELECT count(*) FROM {q}"));
            let Value::Integer(n) = count[0][0] else {
                panic!("count of {table}");
            };
            snap.counts.insert(table.clone(), n);
            snap.rows.insert(
                table.clone(),
                rows(conn, &format!("SELECT rowid, * FROM {q} ORDER BY rowid")),
            );
            let lit = format!("'{}'", table.replace('\'', "''"));
            snap.foreign_keys.insert(
                table.clone(),
                rows(
                    conn,
                    &format!(
                        "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete, match \
                         FROM pragma_foreign_key_list({lit}) ORDER BY id, seq"
                    ),
                ),
            );
            let list = rows(
                conn,
                &format!(
                    "SELECT name, \"unique\", origin, partial FROM pragma_index_list({lit}) ORDER BY name"
                ),
            );
            for index in list {
                let Value::Text(name) = &index[0] else {
                    panic!("index name {index:?}");
                };
                let ilit = format!("'{}'", name.replace('\'', "''"));
                let mut info = vec![index.clone()];
                info.extend(rows(
                    conn,
                    &format!(
                        "SELECT seqno, cid, name, desc, coll, key FROM pragma_index_xinfo({ilit}) ORDER BY seqno"
                    ),
                ));
                snap.indexes.insert(format!("{table}.{name}"), info);
            }
        }
        for view in names(conn, "view") {
            let mut result = rows(conn, &format!("SELECT * FROM {}", quote_ident(&view)));
            result.sort_by_cached_key(|r| format!("{r:?}"));
            snap.views.insert(view, result);
        }
        let has_sequence = !rows(
            conn,
            "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'",
        )
        .is_empty();
        if has_sequence {
            snap.sequence = rows(conn, "SELECT name, seq FROM sqlite_sequence ORDER BY name");
        }
        snap
    }

    fn count(&self, kind: &str) -> usize {
        self.objects.iter().filter(|o| o.0 == kind).count()
    }

    fn total_rows(&self) -> i64 {
        self.counts.values().sum()
    }

    fn foreign_key_count(&self) -> usize {
        self.foreign_keys
            .values()
            .flatten()
            .filter(|r| r[1] == Value::Integer(0))
            .count()
    }
}

/// SQLite's affinity rules (datatype3.html, section 3.1), in their order.
fn affinity(ty: &str) -> &'static str {
    let t = ty.to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.contains("BLOB") || t.is_empty() {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// Another declared type with the same affinity.
fn retype(ty: &str) -> String {
    let candidates: [&str; 2] = match affinity(ty) {
        "INTEGER" => ["BIGINT", "INTEGER"],
        "TEXT" => ["NVARCHAR(512)", "TEXT"],
        "BLOB" => ["BLOB", ""],
        "REAL" => ["DOUBLE", "REAL"],
        _ => ["DECIMAL(12,2)", "NUMERIC"],
    };
    let new = candidates
        .into_iter()
        .find(|c| !c.eq_ignore_ascii_case(ty))
        .expect("two candidates")
        .to_string();
    assert_eq!(affinity(&new), affinity(ty), "{ty} -> {new}");
    new
}

/// One op per table that needs a rebuild: the first column outside the
/// primary key (or, in a table that is all key, its first column; never a
/// rowid alias) gets another declared type of the same affinity.
fn rebuild_ops(schema: &Schema) -> Vec<Op> {
    schema
        .tables
        .values()
        .map(|table| {
            let key: Vec<&str> = table
                .primary_key
                .iter()
                .flat_map(|pk| pk.columns.iter().map(String::as_str))
                .collect();
            let from: &Column = table
                .columns
                .iter()
                .find(|c| !key.contains(&c.name.as_str()) && c.generated.is_none())
                .or_else(|| (key.len() > 1).then(|| &table.columns[0]))
                .unwrap_or_else(|| panic!("no column to retype in {}", table.name));
            let mut to = from.clone();
            to.ty = retype(&from.ty);
            Op::AlterColumn {
                table: table.name.clone(),
                from: from.clone(),
                to,
            }
        })
        .collect()
}

/// What one corpus run found, for the per-corpus expectations.
#[derive(Debug, PartialEq)]
struct Counts {
    tables: usize,
    rebuilt: usize,
    rows: i64,
    indexes: usize,
    triggers: usize,
    views: usize,
    foreign_keys: usize,
    sequences: usize,
}

/// Introspects `corpus`, rebuilds every table in one apply (one event per
/// table) and checks that nothing but the declared types changed.
fn rebuild_every_table(corpus: &Corpus) -> Counts {
    let mut conn = open(&corpus.path).expect("strata opens the corpus");
    assert_clean(&conn);
    let before = Snapshot::read(&conn);
    let schema = introspect(&conn).expect("introspect the corpus");
    assert_eq!(
        schema.tables.len(),
        names(&conn, "table").len(),
        "every table introspected"
    );
    assert_eq!(schema.views.len(), before.count("view"));
    assert_eq!(schema.triggers.len(), before.count("trigger"));

    let ops = rebuild_ops(&schema);
    let steps: Vec<Step> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| Step::new(i as u64 + 1, vec![op.clone()]))
        .collect();
    let plan = plan(&schema, &steps).expect("plan");
    let rebuilt: BTreeSet<&str> = plan.rebuilds.iter().map(|r| r.table.as_str()).collect();
    let tables: BTreeSet<&str> = schema.tables.values().map(|t| t.name.as_str()).collect();
    assert_eq!(rebuilt, tables, "every table rebuilt");
    assert_eq!(plan.rebuilds.len(), tables.len(), "each table rebuilt once");
    if before.foreign_key_count() > 0 {
        assert!(
            plan.foreign_keys_off,
            "parents are rebuilt: foreign keys off"
        );
    }

    let to = position(steps.len() as u64);
    apply(&mut conn, &plan, None, &to, &plan.schema, "corpus", "0.0.0").expect("apply");
    assert_eq!(read_state(&conn).expect("state"), Some(to));
    assert_eq!(
        rows(&conn, "PRAGMA foreign_keys"),
        vec![vec![Value::Integer(1)]],
        "foreign keys back on"
    );
    assert_clean(&conn);
    drop(conn);

    // An independent connection reads the result.
    let conn = corpus.conn();
    assert_clean(&conn);
    assert_eq!(introspect(&conn).expect("introspect again"), plan.schema);
    for op in &ops {
        let Op::AlterColumn { table, to, .. } = op else {
            unreachable!()
        };
        let declared = rows(
            &conn,
            &format!(
                "SELECT type FROM pragma_table_info('{}') WHERE name = '{}'",
                table.replace('\'', "''"),
                to.name.replace('\'', "''")
            ),
        );
        assert_eq!(declared, vec![vec![text(&to.ty)]], "{table}.{}", to.name);
    }
    let after = Snapshot::read(&conn);
    assert_eq!(after.objects, before.objects, "sqlite_schema objects");
    assert_eq!(after.counts, before.counts, "row counts (a cascade?)");
    assert_eq!(after.sequence, before.sequence, "sqlite_sequence");
    assert_eq!(after.foreign_keys, before.foreign_keys, "foreign keys");
    assert_eq!(after.indexes, before.indexes, "indexes");
    for (table, rows) in &before.rows {
        assert!(after.rows[table] == *rows, "rows of {table} changed");
    }
    for (view, rows) in &before.views {
        assert!(after.views[view] == *rows, "view {view} returns other rows");
    }
    assert_eq!(after, before);

    Counts {
        tables: tables.len(),
        rebuilt: plan.rebuilds.len(),
        rows: before.total_rows(),
        indexes: before.count("index"),
        triggers: before.count("trigger"),
        views: before.count("view"),
        foreign_keys: before.foreign_key_count(),
        sequences: before.sequence.len(),
    }
}

/// Rows of our own for Sakila (it ships without data), loaded with the
/// triggers out of the way so `last_update` keeps a fixed old value: a
/// rebuild that fired the triggers would rewrite it to now.
const SAKILA_ROWS: &str = "
INSERT INTO country VALUES (1, 'Afghanistan', '2006-02-15 04:44:00'), (2, 'Algeria', '2006-02-15 04:44:00');
INSERT INTO city VALUES (1, 'Kabul', 1, '2006-02-15 04:45:25'), (2, 'Batna', 2, '2006-02-15 04:45:25');
INSERT INTO address VALUES
  (1, '47 MySakila Drive', NULL, 'Alberta', 1, '', '', '2006-02-15 04:45:30'),
  (2, '28 MySQL Boulevard', NULL, 'QLD', 2, NULL, '', '2006-02-15 04:45:30'),
  (3, '23 Workhaven Lane', NULL, 'Alberta', 1, NULL, '14033335568', '2006-02-15 04:45:30'),
  (4, '1411 Lillydale Drive', NULL, 'QLD', 2, NULL, '6172235589', '2006-02-15 04:45:30');
INSERT INTO language VALUES (1, 'English', '2006-02-15 05:02:19'), (2, 'Italian', '2006-02-15 05:02:19');
INSERT INTO category VALUES (1, 'Action', '2006-02-15 04:46:27'), (2, 'Animation', '2006-02-15 04:46:27');
INSERT INTO actor VALUES
  (1, 'PENELOPE', 'GUINESS', '2006-02-15 04:34:33'),
  (2, 'NICK', 'WAHLBERG', '2006-02-15 04:34:33'),
  (3, 'ED', 'CHASE', '2006-02-15 04:34:33');
INSERT INTO film VALUES
  (1, 'ACADEMY DINOSAUR', 'A Epic Drama of a Feminist', '2006', 1, NULL, 6, 0.99, 86, 20.99, 'PG',
   'Deleted Scenes,Behind the Scenes', '2006-02-15 05:03:42'),
  (2, 'ACE GOLDFINGER', 'A Astounding Epistle', '2006', 1, 2, 3, 4.99, 48, 12.99, 'G', 'Trailers',
   '2006-02-15 05:03:42');
INSERT INTO film_actor VALUES (1, 1, '2006-02-15 05:05:03'), (2, 1, '2006-02-15 05:05:03'), (3, 2, '2006-02-15 05:05:03');
INSERT INTO film_category VALUES (1, 2, '2006-02-15 05:07:09'), (2, 1, '2006-02-15 05:07:09');
INSERT INTO film_text VALUES (1, 'ACADEMY DINOSAUR', 'A Epic Drama of a Feminist'), (2, 'ACE GOLDFINGER', NULL);
INSERT INTO store VALUES (1, 1, 1, '2006-02-15 04:57:12'), (2, 2, 2, '2006-02-15 04:57:12');
INSERT INTO staff VALUES
  (1, 'Mike', 'Hillyer', 3, X'89504E470D0A1A0A', 'Mike.Hillyer@sakilastaff.com', 1, 1, 'Mike',
   '8cb2237d0679ca88db6464eac60da96345513964', '2006-02-15 03:57:16'),
  (2, 'Jon', 'Stephens', 4, NULL, 'Jon.Stephens@sakilastaff.com', 2, 1, 'Jon', NULL, '2006-02-15 03:57:16');
INSERT INTO customer VALUES
  (1, 1, 'MARY', 'SMITH', 'MARY.SMITH@sakilacustomer.org', 3, '1', '2006-02-14 22:04:36', '2006-02-15 04:57:20'),
  (2, 2, 'PATRICIA', 'JOHNSON', NULL, 4, '1', '2006-02-14 22:04:36', '2006-02-15 04:57:20');
INSERT INTO inventory VALUES (1, 1, 1, '2006-02-15 05:09:17'), (2, 1, 2, '2006-02-15 05:09:17'), (3, 2, 2, '2006-02-15 05:09:17');
INSERT INTO rental VALUES
  (1, '2005-05-24 22:53:30', 1, 1, '2005-05-26 22:04:30', 1, '2006-02-15 21:30:53'),
  (2, '2005-05-24 22:54:33', 3, 2, NULL, 2, '2006-02-15 21:30:53'),
  (3, '2005-05-25 00:00:40', 2, 1, NULL, 1, '2006-02-15 21:30:53');
INSERT INTO payment VALUES
  (1, 1, 1, 1, 2.99, '2005-05-25 11:30:37', '2006-02-15 22:12:30'),
  (2, 2, 2, 2, 0.99, '2005-05-28 10:35:23', '2006-02-15 22:12:30'),
  (3, 1, 1, 3, 5.99, '2005-06-15 00:54:12', '2006-02-15 22:12:30'),
  (4, 1, 2, NULL, 9.99, '2005-06-15 18:02:53', '2006-02-15 22:12:30');
";

/// Sakila: 16 tables, 30 triggers that rewrite `last_update`, 5 views over
/// up to eight tables, 22 foreign keys with ON UPDATE CASCADE and ON DELETE
/// SET NULL (payment.rental_id: a rebuild of rental with foreign keys on
/// would null it), and the store/staff cycle.
#[test]
fn sakila_rebuilds_every_table_and_keeps_rows_triggers_views_and_keys() {
    let corpus = Corpus::load(&corpus("sakila/sqlite-sakila-schema.sql"));
    {
        let conn = corpus.conn();
        let triggers = rows(
            &conn,
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
        );
        // The store/staff cycle needs its check at COMMIT.
        let mut script = String::from("BEGIN;\nPRAGMA defer_foreign_keys = ON;\n");
        for t in &triggers {
            let Value::Text(name) = &t[0] else {
                panic!("trigger {t:?}")
            };
            script += &format!("DROP TRIGGER {};\n", quote_ident(name));
        }
        script += SAKILA_ROWS;
        for t in &triggers {
            let Value::Text(sql) = &t[1] else {
                panic!("trigger {t:?}")
            };
            script += &format!("{sql};\n");
        }
        script += "COMMIT;";
        conn.execute_batch(&script).expect("sakila rows");
        // The rows are our fixed values, not rewritten by the triggers.
        assert_eq!(
            rows(&conn, "SELECT DISTINCT last_update FROM actor"),
            vec![vec![text("2006-02-15 04:34:33")]]
        );
    }
    let counts = rebuild_every_table(&corpus);
    assert_eq!(
        counts,
        Counts {
            tables: 16,
            rebuilt: 16,
            rows: 40,
            indexes: 26,
            triggers: 30,
            views: 5,
            foreign_keys: 22,
            sequences: 0,
        }
    );
    // The SET NULL child kept its parent.
    let conn = corpus.conn();
    assert_eq!(
        rows(
            &conn,
            "SELECT count(*) FROM payment WHERE rental_id IS NOT NULL"
        ),
        vec![vec![Value::Integer(3)]]
    );
}

/// Northwind: 13 tables with 3,310 rows, 16 views (some on other views),
/// names with spaces, seven CHECKs, a self-referencing foreign key,
/// AUTOINCREMENT keys whose sqlite_sequence runs ahead of the rows, and
/// CRLF in the stored SQL text; sqlite_sequence holds 6 tables.
#[test]
fn northwind_rebuilds_every_table_and_keeps_rows_views_and_sequence() {
    let corpus = Corpus::load(&corpus("northwind/create.sql"));
    let counts = rebuild_every_table(&corpus);
    assert_eq!(
        counts,
        Counts {
            tables: 13,
            rebuilt: 13,
            rows: 3310,
            indexes: 6,
            triggers: 0,
            views: 16,
            foreign_keys: 13,
            sequences: 6,
        }
    );
}

/// Chinook, the plain script: 11 tables, 15,607 rows, 11 foreign keys
/// (Employee.ReportsTo to itself), 12 indexes.
#[test]
fn chinook_rebuilds_every_table_and_keeps_rows_indexes_and_keys() {
    let corpus = Corpus::load(&corpus("chinook/Chinook_Sqlite.sql"));
    let counts = rebuild_every_table(&corpus);
    assert_eq!(
        counts,
        Counts {
            tables: 11,
            rebuilt: 11,
            rows: 15607,
            indexes: 12,
            triggers: 0,
            views: 0,
            foreign_keys: 11,
            sequences: 0,
        }
    );
}

/// Chinook's AUTOINCREMENT variant: sqlite_sequence (10 tables) must come
/// through every rebuild with the same values.
#[test]
fn chinook_autoincrement_rebuilds_every_table_and_keeps_sqlite_sequence() {
    let corpus = Corpus::load(&corpus("chinook/Chinook_Sqlite_AutoIncrementPKs.sql"));
    let counts = rebuild_every_table(&corpus);
    assert_eq!(
        counts,
        Counts {
            tables: 11,
            rebuilt: 11,
            rows: 15607,
            indexes: 12,
            triggers: 0,
            views: 0,
            foreign_keys: 11,
            sequences: 10,
        }
    );
}
