//! Planning and applying against real SQLite files: rows go in before a
//! change and are checked, with their rowids, after it.

use std::path::PathBuf;

use rusqlite::types::Value;
use rusqlite::Connection;
use strata_dialect::sqlite::RULES;
use strata_schema::{project_all, Op, Schema};
use strata_sqlite::apply::{apply, open, open_new, read_state, Applied, ApplyError, Position};
use strata_sqlite::custody::{Custody, Lineage};
use strata_sqlite::ddl::parse_change;
use strata_sqlite::plan::{plan_with, ArchiveKey, ArchiveKind, Plan, Step};
use tempfile::TempDir;

use crate::support::{assert_clean_with_foreign_keys_on, dump, int, position, rows, text, LEDGER};

/// A database file and the ledger-side view of it: the schema at its
/// point and the point itself.
struct Db {
    _dir: TempDir,
    path: PathBuf,
    conn: Connection,
    schema: Schema,
    at: Option<Position>,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("app.db");
        let conn = open(&path).expect("open");
        Db {
            _dir: dir,
            path,
            conn,
            schema: Schema::default(),
            at: None,
        }
    }

    fn seq(&self) -> u64 {
        self.at.as_ref().map_or(0, |p| p.seq)
    }

    /// The database's archives (this harness's plans run forwards only).
    fn custody(&self) -> Custody {
        Custody::load(&self.conn, &|seq, op, undo| Lineage {
            seq,
            op,
            forward: !undo,
        })
        .expect("custody")
    }

    /// The ops `sql` records against the current schema.
    fn ops(&self, sql: &str) -> Vec<Op> {
        parse_change(sql, &self.schema).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Plans one event of `sql`.
    fn plan(&self, sql: &str) -> (Plan, Vec<Op>) {
        let ops = self.ops(sql);
        let steps = [Step::new(self.seq() + 1, ops.clone())];
        (
            plan_with(&self.schema, &steps, &self.custody()).expect("plan"),
            ops,
        )
    }

    /// Records `sql` as the next event and applies it.
    fn change(&mut self, sql: &str) -> (Plan, Applied) {
        let (plan, ops) = self.plan(sql);
        let applied = self
            .run(&plan, &ops)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        (plan, applied)
    }

    fn run(&mut self, plan: &Plan, ops: &[Op]) -> Result<Applied, ApplyError> {
        let to = position(self.seq() + 1);
        let mut target = self.schema.clone();
        project_all(RULES, &mut target, ops).expect("ops fit");
        let applied = apply(
            &mut self.conn,
            plan,
            self.at.as_ref(),
            &to,
            &target,
            "tester",
            "0.0.0",
        )?;
        self.schema = target;
        self.at = Some(to);
        assert_clean_with_foreign_keys_on(&self.conn);
        Ok(applied)
    }

    fn exec(&self, sql: &str) {
        self.conn
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn rows(&self, sql: &str) -> Vec<Vec<Value>> {
        rows(&self.conn, sql)
    }
}

#[test]
fn a_fresh_file_is_applied_from_point_zero_and_records_state_and_log() {
    let mut db = Db::new();
    assert_eq!(read_state(&db.conn).expect("state"), None);
    db.change("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
    assert_eq!(read_state(&db.conn).expect("state"), Some(position(1)));
    db.change("CREATE INDEX users_name ON users (name)");
    assert_eq!(read_state(&db.conn).expect("state"), Some(position(2)));
    let log = db.rows("SELECT who, ledger_id, from_seq, from_hash, to_seq, to_hash, version, archived_rows FROM _strata_log ORDER BY id");
    assert_eq!(
        log,
        vec![
            vec![
                text("tester"),
                text(LEDGER),
                Value::Null,
                Value::Null,
                int(1),
                text(&position(1).hash.to_string()),
                text("0.0.0"),
                int(0)
            ],
            vec![
                text("tester"),
                text(LEDGER),
                int(1),
                text(&position(1).hash.to_string()),
                int(2),
                text(&position(2).hash.to_string()),
                text("0.0.0"),
                int(0)
            ],
        ]
    );
}

#[test]
fn native_changes_keep_rows_and_rowids() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (a TEXT, b INT)");
    db.exec("INSERT INTO t (rowid, a, b) VALUES (3, 'x', 1), (7, 'y', 2), (12, NULL, 3)");

    let (p, _) = db.change("ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'd'");
    assert!(p.rebuilds.is_empty(), "{}", p.sql());
    let (p, _) = db.change("ALTER TABLE t RENAME COLUMN a TO aa");
    assert!(p.rebuilds.is_empty(), "{}", p.sql());
    let (p, _) = db.change("ALTER TABLE t RENAME TO u");
    assert!(p.rebuilds.is_empty(), "{}", p.sql());
    let (p, applied) = db.change("ALTER TABLE u DROP COLUMN b");
    assert!(p.rebuilds.is_empty(), "{}", p.sql());
    assert_eq!(applied.archived.len(), 1);
    assert_eq!(
        db.rows("SELECT rowid, * FROM u ORDER BY rowid"),
        vec![
            vec![int(3), text("x"), text("d")],
            vec![int(7), text("y"), text("d")],
            vec![int(12), Value::Null, text("d")],
        ]
    );
}

#[test]
fn indexes_views_triggers_and_data_steps_run_in_order() {
    let mut db = Db::new();
    db.change(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT);
         CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);
         CREATE INDEX t_n ON t (n);
         CREATE VIEW big AS SELECT id, n FROM t WHERE n > 1;
         CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO audit (what) VALUES ('ins ' || NEW.id); END;
         INSERT INTO t (id, n) VALUES (1, 1), (2, 2), (3, 3);
         UPDATE t SET n = n * 10 WHERE id = 3",
    );
    assert_eq!(
        db.rows("SELECT id, n FROM big ORDER BY id"),
        vec![vec![int(2), int(2)], vec![int(3), int(30)]]
    );
    assert_eq!(db.rows("SELECT what FROM audit ORDER BY id").len(), 3);
    db.change("DROP TRIGGER t_ins; DROP VIEW big; DROP INDEX t_n; DELETE FROM t WHERE id = 1");
    assert_eq!(
        db.rows("SELECT id FROM t ORDER BY id"),
        vec![vec![int(2)], vec![int(3)]]
    );
    assert_eq!(
        db.rows("SELECT count(*) FROM sqlite_schema WHERE name IN ('t_ins', 'big', 't_n')"),
        vec![vec![int(0)]]
    );
}

#[test]
fn three_alter_columns_on_one_table_are_one_rebuild_that_keeps_rows() {
    let mut db = Db::new();
    db.change("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, age TEXT, nick TEXT)");
    db.exec("INSERT INTO users VALUES (1, 'a@x', '30', 'a'), (5, 'b@x', '41', NULL)");
    let (p, applied) = db.change(
        "ALTER TABLE users ALTER COLUMN age TYPE INTEGER;
         ALTER TABLE users ALTER COLUMN email SET NOT NULL;
         ALTER TABLE users ALTER COLUMN nick SET DEFAULT 'anon'",
    );
    assert_eq!(p.rebuilds.len(), 1, "{}", p.sql());
    let seq = p.rebuilds[0].seq;
    assert_eq!(p.rebuilds[0].ops, vec![(seq, 0), (seq, 1), (seq, 2)]);
    assert_eq!(
        p.statements
            .iter()
            .filter(|s| s.sql.starts_with("DROP TABLE"))
            .count(),
        1
    );
    // The type change archived the old values.
    assert_eq!(applied.archived.len(), 1);
    assert_eq!(applied.archived[0].kind, "values");
    assert_eq!(
        db.rows("SELECT id, email, age, typeof(age), nick FROM users ORDER BY id"),
        vec![
            vec![int(1), text("a@x"), int(30), text("integer"), text("a")],
            vec![int(5), text("b@x"), int(41), text("integer"), Value::Null],
        ]
    );
    assert_eq!(
        db.rows("SELECT _strata_rowid, age, typeof(age) FROM _strata_archive_1 ORDER BY 1"),
        vec![
            vec![int(1), text("30"), text("text")],
            vec![int(5), text("41"), text("text")],
        ]
    );
}

#[test]
fn rebuilding_a_parent_keeps_the_children_of_on_delete_cascade() {
    let mut db = Db::new();
    db.change(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE)",
    );
    db.exec("INSERT INTO parent VALUES (1, 'a'), (2, 'b'); INSERT INTO child VALUES (10, 1), (11, 2), (12, 2)");
    let (p, _) = db.change("ALTER TABLE parent ALTER COLUMN name TYPE VARCHAR(20)");
    assert!(p.foreign_keys_off);
    assert!(p.sql().starts_with("-- foreign keys off"), "{}", p.sql());
    assert_eq!(
        db.rows("SELECT id, parent_id FROM child ORDER BY id"),
        vec![
            vec![int(10), int(1)],
            vec![int(11), int(2)],
            vec![int(12), int(2)]
        ]
    );
    // The references still act: deleting a parent cascades.
    db.exec("DELETE FROM parent WHERE id = 2");
    assert_eq!(db.rows("SELECT id FROM child"), vec![vec![int(10)]]);
}

#[test]
fn self_references_survive_a_rebuild() {
    let mut db = Db::new();
    db.change("CREATE TABLE node (id INTEGER PRIMARY KEY, up INTEGER REFERENCES node (id) ON DELETE CASCADE, label TEXT)");
    db.exec("INSERT INTO node VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b')");
    db.change("ALTER TABLE node ALTER COLUMN label SET NOT NULL");
    assert_eq!(db.rows("SELECT count(*) FROM node"), vec![vec![int(3)]]);
    db.exec("DELETE FROM node WHERE id = 1");
    assert_eq!(db.rows("SELECT count(*) FROM node"), vec![vec![int(0)]]);
}

#[test]
fn views_on_views_and_triggers_survive_a_rebuild() {
    let mut db = Db::new();
    db.change(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT);
         CREATE TABLE log (msg TEXT);
         CREATE VIEW v1 AS SELECT id, n FROM t;
         CREATE VIEW v2 AS SELECT count(*) AS c FROM v1;
         CREATE TRIGGER t_upd AFTER UPDATE ON t BEGIN INSERT INTO log VALUES ('upd'); END;
         CREATE TRIGGER log_ins AFTER INSERT ON log BEGIN SELECT count(*) FROM v1; END",
    );
    db.exec("INSERT INTO t VALUES (1, '5'), (2, '6')");
    let (p, _) = db.change("ALTER TABLE t ALTER COLUMN n TYPE INTEGER");
    assert_eq!(p.rebuilds.len(), 1);
    let sql = p.sql();
    for name in ["\"v1\"", "\"v2\"", "\"t_upd\"", "\"log_ins\""] {
        assert!(
            sql.contains(&format!(
                "DROP {} {name}",
                if name.starts_with("\"v") {
                    "VIEW"
                } else {
                    "TRIGGER"
                }
            )),
            "{name}: {sql}"
        );
    }
    assert_eq!(db.rows("SELECT c FROM v2"), vec![vec![int(2)]]);
    db.exec("UPDATE t SET n = 7 WHERE id = 1");
    assert_eq!(db.rows("SELECT msg FROM log"), vec![vec![text("upd")]]);
    let sqls = db.rows("SELECT sql FROM sqlite_schema WHERE name IN ('v1', 'v2', 't_upd', 'log_ins') ORDER BY name");
    let want: Vec<Vec<Value>> = ["log_ins", "t_upd", "v1", "v2"]
        .iter()
        .map(|n| {
            let sql = db
                .schema
                .views
                .get(*n)
                .map(|v| v.sql.clone())
                .or_else(|| db.schema.triggers.get(*n).map(|t| t.sql.clone()))
                .expect("object");
            vec![text(&sql)]
        })
        .collect();
    assert_eq!(sqls, want);
}

#[test]
fn renames_leave_views_and_triggers_with_the_projected_text() {
    let mut db = Db::new();
    db.change(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, CHECK (length(name) < 50));
         CREATE TABLE log (msg TEXT);
         CREATE INDEX t_lower ON t (lower(name)) WHERE name IS NOT NULL;
         CREATE VIEW names AS SELECT name FROM t;
         CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.name); END",
    );
    db.exec("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    db.change("ALTER TABLE t RENAME COLUMN name TO label");
    db.change("ALTER TABLE t RENAME TO things");
    let live = db.rows("SELECT name, sql FROM sqlite_schema WHERE name IN ('names', 't_ins', 't_lower') ORDER BY name");
    assert_eq!(
        live,
        vec![
            vec![text("names"), text(&db.schema.views["names"].sql)],
            vec![text("t_ins"), text(&db.schema.triggers["t_ins"].sql)],
            vec![
                text("t_lower"),
                text(&strata_sqlite::render::render_index(
                    &db.schema.indexes["t_lower"]
                ))
            ],
        ]
    );
    let create = db.rows("SELECT sql FROM sqlite_schema WHERE name = 'things'");
    assert_eq!(
        create,
        vec![vec![text(&strata_sqlite::render::render_table(
            &db.schema.tables["things"]
        ))]]
    );
    db.exec("INSERT INTO things VALUES (3, 'c')");
    assert_eq!(
        db.rows("SELECT label FROM names ORDER BY 1"),
        vec![vec![text("a")], vec![text("b")], vec![text("c")]]
    );
    assert_eq!(
        db.rows("SELECT msg FROM log ORDER BY rowid"),
        vec![vec![text("a")], vec![text("b")], vec![text("c")]]
    );
}

#[test]
fn drop_column_archives_its_values_by_rowid_and_one_update_restores_them() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB)");
    db.exec("INSERT INTO t VALUES (1, 'x', x'00ff'), (4, 'y', NULL), (9, 'z', 3.5)");
    let (p, applied) = db.change("ALTER TABLE t DROP COLUMN b");
    assert_eq!(p.archives.len(), 1);
    let entry = &p.archives[0];
    assert_eq!(entry.kind, ArchiveKind::Column);
    assert_eq!(entry.key, ArchiveKey::Rowid);
    assert_eq!(entry.archive_table, "_strata_archive_1");
    assert_eq!(applied.archived[0].rows, 3);
    assert_eq!(
        applied.archived[0].to_string(),
        "column t.b: 3 rows in _strata_archive_1"
    );
    assert_eq!(
        db.rows("SELECT seq, op, kind, table_name, column_name, key_kind, key_columns, archive_table, row_count FROM _strata_archive"),
        vec![vec![int(2), int(0), text("column"), text("t"), text("b"), text("rowid"), text("[\"_strata_rowid\"]"), text("_strata_archive_1"), int(3)]]
    );
    assert_eq!(
        db.rows("SELECT archived_rows FROM _strata_log ORDER BY id DESC LIMIT 1"),
        vec![vec![int(3)]]
    );
    // Restoring is one statement.
    db.exec("ALTER TABLE t ADD COLUMN b BLOB; UPDATE t SET b = a.b FROM _strata_archive_1 AS a WHERE t.rowid = a._strata_rowid");
    assert_eq!(
        db.rows("SELECT id, b FROM t ORDER BY id"),
        vec![
            vec![int(1), Value::Blob(vec![0, 255])],
            vec![int(4), Value::Null],
            vec![int(9), Value::Real(3.5)],
        ]
    );
}

#[test]
fn drop_table_archives_every_row_with_its_rowid() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (a TEXT, b INT)");
    db.exec("INSERT INTO t (rowid, a, b) VALUES (2, 'x', 1), (8, 'y', NULL)");
    let (_, applied) = db.change("DROP TABLE t");
    assert_eq!(applied.archived[0].rows, 2);
    assert_eq!(
        applied.archived[0].to_string(),
        "table t: 2 rows in _strata_archive_1"
    );
    assert_eq!(
        db.rows("SELECT _strata_rowid, a, b FROM _strata_archive_1 ORDER BY 1"),
        vec![
            vec![int(2), text("x"), int(1)],
            vec![int(8), text("y"), Value::Null]
        ]
    );
    db.exec("CREATE TABLE t (a TEXT, b INT); INSERT INTO t (rowid, a, b) SELECT _strata_rowid, a, b FROM _strata_archive_1");
    assert_eq!(db.rows("SELECT rowid, a, b FROM t ORDER BY rowid").len(), 2);
}

#[test]
fn an_empty_table_still_gets_an_archive_entry_with_no_rows() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (a TEXT); CREATE TABLE u (x INT, y INT)");
    let (_, applied) = db.change("DROP TABLE t; ALTER TABLE u DROP COLUMN y");
    assert_eq!(applied.archived.len(), 2);
    assert!(applied.archived.iter().all(|a| a.rows == 0));
}

#[test]
fn without_rowid_tables_rebuild_and_archive_by_primary_key() {
    let mut db = Db::new();
    db.change(
        "CREATE TABLE kv (k TEXT, n INT, v TEXT, extra TEXT, PRIMARY KEY (k, n)) WITHOUT ROWID",
    );
    db.exec("INSERT INTO kv VALUES ('a', 1, '10', 'e1'), ('b', 2, '20', NULL)");
    let (p, _) = db.change("ALTER TABLE kv ALTER COLUMN v TYPE INTEGER");
    assert_eq!(p.rebuilds.len(), 1);
    assert!(!p.statements.iter().any(|s| s.sql.contains("rowid")));
    let (p, _) = db.change("ALTER TABLE kv DROP COLUMN extra");
    assert_eq!(
        p.archives[0].key,
        ArchiveKey::PrimaryKey(vec!["k".into(), "n".into()])
    );
    assert_eq!(
        db.rows("SELECT k, n, extra FROM _strata_archive_2 ORDER BY k"),
        vec![
            vec![text("a"), int(1), text("e1")],
            vec![text("b"), int(2), Value::Null]
        ]
    );
    assert_eq!(
        db.rows("SELECT k, n, v, typeof(v) FROM kv ORDER BY k"),
        vec![
            vec![text("a"), int(1), int(10), text("integer")],
            vec![text("b"), int(2), int(20), text("integer")]
        ]
    );
}

/// One event that drops every column of a table and gives it a new one as
/// its key, WITHOUT ROWID: no column and no rowid carries over, but the
/// row is still a row, holding what the ADD COLUMN gave it (a copy with
/// nothing to copy used to leave the table empty).
#[test]
fn a_rebuild_that_carries_no_column_over_keeps_every_row() {
    let mut db = Db::new();
    db.change("CREATE TABLE kv (k TEXT, v TEXT)");
    db.exec("INSERT INTO kv VALUES ('a', '1')");
    let kv = db.schema.tables.get("kv").expect("kv").clone();
    let added = strata_schema::Column {
        name: "c".into(),
        ty: "TEXT".into(),
        not_null: true,
        default: Some("'x'".into()),
        ..kv.columns[1].clone()
    };
    let retyped = strata_schema::Column {
        ty: "INTEGER".into(),
        ..kv.columns[1].clone()
    };
    // The type change begins the rebuild, which the rest joins.
    let ops = vec![
        Op::AlterColumn {
            table: "kv".into(),
            from: kv.columns[1].clone(),
            to: retyped.clone(),
        },
        Op::AddColumn {
            table: "kv".into(),
            column: added,
            position: 2,
        },
        Op::AddPrimaryKey {
            table: "kv".into(),
            primary_key: strata_schema::PrimaryKey {
                columns: vec!["c".into()],
                ..Default::default()
            },
        },
        Op::AlterTableOptions {
            table: "kv".into(),
            from: Vec::new(),
            to: vec!["without_rowid".into()],
        },
        Op::DropColumn {
            table: "kv".into(),
            column: kv.columns[0].clone(),
            position: 0,
        },
        Op::DropColumn {
            table: "kv".into(),
            column: retyped,
            position: 0,
        },
    ];
    let steps = [Step::new(db.seq() + 1, ops.clone())];
    let p = plan_with(&db.schema, &steps, &db.custody()).expect("plan");
    db.run(&p, &ops).expect("apply");
    assert_eq!(db.rows("SELECT c FROM kv"), vec![vec![text("x")]]);
    // The old values and both dropped columns are archived, by rowid.
    assert_eq!(p.archives.len(), 3, "{}", p.sql());
    assert_eq!(
        db.rows("SELECT k FROM _strata_archive_2"),
        vec![vec![text("a")]]
    );
}

#[test]
fn autoincrement_counters_survive_a_rebuild() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)");
    db.exec("INSERT INTO t (v) VALUES ('a'), ('b'), ('c'); DELETE FROM t WHERE id = 3");
    db.change("ALTER TABLE t ALTER COLUMN v SET DEFAULT 'z'");
    assert_eq!(
        db.rows("SELECT seq FROM sqlite_sequence WHERE name = 't'"),
        vec![vec![int(3)]]
    );
    db.exec("INSERT INTO t DEFAULT VALUES");
    assert_eq!(
        db.rows("SELECT id, v FROM t ORDER BY id DESC LIMIT 1"),
        vec![vec![int(4), text("z")]]
    );
}

#[test]
fn tables_without_primary_key_keep_rowids_through_a_rebuild() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (a TEXT, b TEXT)");
    db.exec("INSERT INTO t (rowid, a, b) VALUES (5, 'x', 'p'), (50, 'y', 'q'), (500, 'z', 'r')");
    db.change("ALTER TABLE t ADD CONSTRAINT b_short CHECK (length(b) < 5)");
    assert_eq!(
        db.rows("SELECT rowid, a, b FROM t ORDER BY rowid"),
        vec![
            vec![int(5), text("x"), text("p")],
            vec![int(50), text("y"), text("q")],
            vec![int(500), text("z"), text("r")],
        ]
    );
}

#[test]
fn identifiers_that_need_quoting_survive_a_rebuild() {
    let mut db = Db::new();
    db.change(
        r#"CREATE TABLE "my table" ("the ""id""" INTEGER PRIMARY KEY, "order" TEXT, "x;y" TEXT)"#,
    );
    db.exec(r#"INSERT INTO "my table" VALUES (1, 'a', 'b')"#);
    db.change(r#"ALTER TABLE "my table" ALTER COLUMN "order" TYPE INTEGER; ALTER TABLE "my table" DROP COLUMN "x;y""#);
    assert_eq!(
        db.rows(r#"SELECT "the ""id""", "order" FROM "my table""#),
        vec![vec![int(1), text("a")]]
    );
}

#[test]
fn constraint_ops_rebuild_and_take_effect() {
    let mut db = Db::new();
    db.change(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);
         CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER, n INT, CONSTRAINT n_pos CHECK (n > 0))",
    );
    db.exec("INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (7, 1, 5), (8, 2, 6)");
    let (p, _) = db.change(
        "ALTER TABLE p ADD CONSTRAINT code_u UNIQUE (code);
         ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE;
         ALTER TABLE c DROP CONSTRAINT n_pos",
    );
    assert_eq!(p.rebuilds.len(), 2, "{}", p.sql());
    assert!(db
        .conn
        .execute_batch("INSERT INTO p VALUES (3, 'a')")
        .is_err());
    assert!(db
        .conn
        .execute_batch("INSERT INTO c VALUES (9, 99, 1)")
        .is_err());
    db.exec("INSERT INTO c VALUES (9, 1, -1)");
    db.exec("DELETE FROM p WHERE id = 1");
    assert_eq!(db.rows("SELECT id FROM c ORDER BY id"), vec![vec![int(8)]]);
    db.change("ALTER TABLE c DROP CONSTRAINT c_p; ALTER TABLE p DROP CONSTRAINT code_u");
    db.exec("INSERT INTO p VALUES (3, 'b'); INSERT INTO c VALUES (10, 99, 1)");
    assert_eq!(db.rows("SELECT count(*) FROM c"), vec![vec![int(2)]]);
}

#[test]
fn a_table_with_an_archive_name_made_by_hand_is_never_overwritten() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (a TEXT, b TEXT)");
    db.exec("INSERT INTO t VALUES ('x', 'y')");
    db.exec("CREATE TABLE _strata_archive_1 (x); INSERT INTO _strata_archive_1 VALUES ('kept')");
    let (p, _) = db.change("ALTER TABLE t DROP COLUMN b");
    assert_eq!(
        p.archives[0].archive_table,
        "_strata_archive_2",
        "{}",
        p.sql()
    );
    assert_eq!(
        db.rows("SELECT x FROM _strata_archive_1"),
        vec![vec![text("kept")]]
    );
    assert_eq!(
        db.rows("SELECT b FROM _strata_archive_2"),
        vec![vec![text("y")]]
    );
}

#[test]
fn a_foreign_key_violation_rolls_everything_back() {
    let mut db = Db::new();
    db.change(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
    );
    db.exec("INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (10, 1)");
    let before = dump(&db.conn);
    // The rebuild turns foreign keys off, so the delete goes through and
    // only the final check can see the orphan.
    let (p, ops) = db.plan(
        "ALTER TABLE parent ALTER COLUMN name TYPE VARCHAR(9); DELETE FROM parent WHERE id = 1",
    );
    assert!(p.foreign_keys_off);
    let err = db.run(&p, &ops).expect_err("violation");
    assert!(matches!(err, ApplyError::ForeignKey { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "row 10 of child refers to a missing row of parent after the change; nothing was changed"
    );
    assert_eq!(
        err.help(),
        Some("fix the data (a data step can) and apply again")
    );
    assert_eq!(dump(&db.conn), before);
    assert_clean_with_foreign_keys_on(&db.conn);
}

#[test]
fn a_failing_statement_rolls_everything_back() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)");
    db.exec("INSERT INTO t VALUES (1, NULL)");
    let before = dump(&db.conn);
    let (p, ops) =
        db.plan("ALTER TABLE t ADD COLUMN b INT; ALTER TABLE t ALTER COLUMN a SET NOT NULL");
    let err = db.run(&p, &ops).expect_err("not null");
    assert!(
        err.to_string().starts_with(
            "event 2 op 2: rebuild of t (alter_column) failed: NOT NULL constraint failed"
        ),
        "{err}"
    );
    assert_eq!(dump(&db.conn), before);
}

#[test]
fn apply_refuses_a_database_that_moved_or_belongs_to_another_ledger() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (a TEXT)");
    let before = dump(&db.conn);
    let (p, ops) = db.plan("ALTER TABLE t ADD COLUMN b TEXT");
    let mut target = db.schema.clone();
    project_all(RULES, &mut target, &ops).expect("fits");

    // Planned from 0, but the database is at 1.
    let err = apply(&mut db.conn, &p, None, &position(2), &target, "w", "v").expect_err("moved");
    assert!(matches!(err, ApplyError::Moved { .. }), "{err}");
    assert!(err.to_string().contains("is at event 1"), "{err}");

    // Another ledger's point.
    let other = Position {
        ledger_id: "22".repeat(32).parse().expect("a hash"),
        ..position(2)
    };
    let err = apply(
        &mut db.conn,
        &p,
        Some(&position(1)),
        &other,
        &target,
        "w",
        "v",
    )
    .expect_err("foreign");
    assert!(matches!(err, ApplyError::ForeignLedger { .. }), "{err}");
    assert_eq!(dump(&db.conn), before);
    assert_clean_with_foreign_keys_on(&db.conn);
}

#[test]
fn dry_run_sql_is_the_script_and_changes_nothing() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)");
    let before = dump(&db.conn);
    let (p, _) = db.plan("ALTER TABLE t ALTER COLUMN a TYPE INT; ALTER TABLE t DROP COLUMN b");
    insta::assert_snapshot!(p.sql(), @r#"
    BEGIN IMMEDIATE;
    -- strata bookkeeping
    CREATE TABLE IF NOT EXISTS "_strata_state" (
      "id" INTEGER PRIMARY KEY CHECK ("id" = 1),
      "ledger_id" TEXT NOT NULL,
      "seq" INTEGER NOT NULL,
      "hash" TEXT NOT NULL,
      "applied_at" TEXT NOT NULL,
      "seal" TEXT
    );
    -- strata bookkeeping
    CREATE TABLE IF NOT EXISTS "_strata_log" (
      "id" INTEGER PRIMARY KEY,
      "at" TEXT NOT NULL,
      "who" TEXT NOT NULL,
      "ledger_id" TEXT NOT NULL,
      "from_seq" INTEGER,
      "from_hash" TEXT,
      "to_seq" INTEGER NOT NULL,
      "to_hash" TEXT NOT NULL,
      "version" TEXT NOT NULL,
      "archived_rows" INTEGER NOT NULL DEFAULT 0,
      "note" TEXT
    );
    -- strata bookkeeping
    CREATE TABLE IF NOT EXISTS "_strata_archive" (
      "id" INTEGER PRIMARY KEY,
      "log_id" INTEGER NOT NULL,
      "seq" INTEGER NOT NULL,
      "op" INTEGER NOT NULL,
      "kind" TEXT NOT NULL CHECK ("kind" IN ('table', 'column', 'values')),
      "table_name" TEXT NOT NULL,
      "column_name" TEXT,
      "key_kind" TEXT NOT NULL CHECK ("key_kind" IN ('rowid', 'primary_key')),
      "key_columns" TEXT NOT NULL,
      "archive_table" TEXT NOT NULL UNIQUE,
      "row_count" INTEGER NOT NULL,
      "created_at" TEXT NOT NULL,
      "undo" INTEGER,
      "lineage_seq" INTEGER,
      "lineage_op" INTEGER,
      "lineage_forward" INTEGER,
      "value_columns" TEXT,
      "witness_columns" TEXT,
      "after_column" TEXT,
      "counter" INTEGER,
      "purged_at" TEXT
    );
    -- strata bookkeeping
    INSERT INTO "_strata_log" ("at", "who", "ledger_id", "from_seq", "from_hash", "to_seq", "to_hash", "version", "note") VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), :who, :ledger_id, :from_seq, :from_hash, :to_seq, :to_hash, :version, :note);
    -- event 2 op 1: alter_column t.a (archive values before it is lost)
    CREATE TABLE "_strata_archive_1" ("_strata_rowid" INTEGER PRIMARY KEY, "a", "b", "_strata_after" INT);
    -- event 2 op 1: alter_column t.a (archive values before it is lost)
    INSERT INTO "_strata_archive_1" ("_strata_rowid", "a", "b", "_strata_after") SELECT rowid, "a", "b", "a" FROM "t";
    -- event 2 op 1: alter_column t.a (archive values before it is lost)
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 1, (SELECT max("id") FROM "_strata_log"), 2, 0, 0, 2, 0, 1, 'values', 't', 'a', 'rowid', json_array('_strata_rowid'), json_array('a'), json_array('b'), 'a', NULL, '_strata_archive_1', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_1";
    -- event 2 op 2: drop_column t.b (archive column before it is lost)
    CREATE TABLE "_strata_archive_2" ("_strata_rowid" INTEGER PRIMARY KEY, "b", "a");
    -- event 2 op 2: drop_column t.b (archive column before it is lost)
    INSERT INTO "_strata_archive_2" ("_strata_rowid", "b", "a") SELECT rowid, "b", "a" FROM "t";
    -- event 2 op 2: drop_column t.b (archive column before it is lost)
    INSERT INTO "_strata_archive" ("id", "log_id", "seq", "op", "undo", "lineage_seq", "lineage_op", "lineage_forward", "kind", "table_name", "column_name", "key_kind", "key_columns", "value_columns", "witness_columns", "after_column", "counter", "archive_table", "row_count", "created_at") SELECT 2, (SELECT max("id") FROM "_strata_log"), 2, 1, 0, 2, 1, 1, 'column', 't', 'b', 'rowid', json_array('_strata_rowid'), json_array('b'), json_array('a'), NULL, NULL, '_strata_archive_2', count(*), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM "_strata_archive_2";
    -- event 2 ops 1, 2: rebuild of t (alter_column, drop_column)
    CREATE TABLE "_strata_new_t" (
      "id" INTEGER PRIMARY KEY,
      "a" INT
    );
    -- event 2 ops 1, 2: rebuild of t (alter_column, drop_column)
    INSERT INTO "_strata_new_t" ("id", "a") SELECT "id", "a" FROM "t";
    -- event 2 ops 1, 2: rebuild of t (alter_column, drop_column)
    DROP TABLE "t";
    -- event 2 ops 1, 2: rebuild of t (alter_column, drop_column)
    ALTER TABLE "_strata_new_t" RENAME TO "t";
    -- every foreign key still finds its row
    PRAGMA foreign_key_check;
    -- strata bookkeeping
    INSERT INTO "_strata_state" ("id", "ledger_id", "seq", "hash", "applied_at") VALUES (1, :ledger_id, :to_seq, :to_hash, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ON CONFLICT ("id") DO UPDATE SET "ledger_id" = excluded."ledger_id", "seq" = excluded."seq", "hash" = excluded."hash", "applied_at" = excluded."applied_at";
    -- strata bookkeeping
    UPDATE "_strata_log" SET "archived_rows" = (SELECT coalesce(sum("row_count"), 0) FROM "_strata_archive" WHERE "log_id" = "_strata_log"."id") WHERE "id" = (SELECT max("id") FROM "_strata_log");
    -- strata bookkeeping: the seal, a digest of the schema as this apply leaves it, computed before commit
    UPDATE "_strata_state" SET "seal" = :seal WHERE "id" = 1;
    COMMIT;
    "#);
    assert_eq!(dump(&db.conn), before);
}

#[test]
fn open_refuses_what_is_not_a_writable_database() {
    let dir = tempfile::tempdir().expect("dir");
    let err = open(dir.path()).expect_err("dir");
    assert!(matches!(err, ApplyError::IsDirectory { .. }), "{err}");

    let junk = dir.path().join("junk.db");
    std::fs::write(
        &junk,
        b"this is not a database, just some text long enough to have a header of its own",
    )
    .expect("write");
    let err = open(&junk).expect_err("junk");
    assert!(matches!(err, ApplyError::NotADatabase { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("{} is not a SQLite database", junk.display())
    );
    assert_eq!(
        err.help(),
        Some("give the path of a database file, or a new path to create one")
    );

    let existing = dir.path().join("existing.db");
    open(&existing)
        .expect("new")
        .execute_batch("CREATE TABLE t (a)")
        .expect("create");
    let err = open_new(&existing).expect_err("exists");
    assert!(matches!(err, ApplyError::Exists { .. }), "{err}");
    assert!(open_new(&dir.path().join("fresh.db")).is_ok());

    let missing_dir = dir.path().join("nope").join("x.db");
    let err = open(&missing_dir).expect_err("missing dir");
    assert!(matches!(err, ApplyError::Open { .. }), "{err}");
}

#[test]
fn open_refuses_a_read_only_file() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ro.db");
    open(&path)
        .expect("new")
        .execute_batch("CREATE TABLE t (a)")
        .expect("create");
    let mut perms = std::fs::metadata(&path).expect("meta").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms).expect("chmod");
    // Root writes anyway; only check where the file really is read-only.
    if std::fs::OpenOptions::new().write(true).open(&path).is_err() {
        let err = open(&path).expect_err("read-only");
        assert!(matches!(err, ApplyError::ReadOnly { .. }), "{err}");
    }
}

#[test]
fn a_locked_database_is_reported_and_left_alone() {
    let mut db = Db::new();
    db.change("CREATE TABLE t (a TEXT)");
    let other = Connection::open(&db.path).expect("second connection");
    other
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES ('x')")
        .expect("lock");
    db.conn
        .busy_timeout(std::time::Duration::from_millis(50))
        .expect("timeout");
    let (p, ops) = db.plan("ALTER TABLE t ADD COLUMN b TEXT");
    let err = db.run(&p, &ops).expect_err("locked");
    assert!(matches!(err, ApplyError::Locked), "{err}");
    other.execute_batch("ROLLBACK").expect("unlock");
    assert_eq!(read_state(&db.conn).expect("state"), Some(position(1)));
}

#[test]
fn double_quoted_strings_are_identifiers_not_strings() {
    let db = Db::new();
    let err = db
        .conn
        .execute_batch("CREATE TABLE t (a TEXT DEFAULT (\"oops\"))");
    assert!(err.is_err());
    db.exec("CREATE TABLE u (a TEXT)");
    assert!(db.conn.execute_batch("SELECT \"missing\" FROM u").is_err());
}

/// The property test: random op sequences, cut into events and applied a
/// few events at a time to a database holding rows, end where a database
/// built fresh at the same point is, with every row kept.
mod property {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;
    use rusqlite::types::Value;
    use rusqlite::Connection;
    use strata_dialect::sqlite::arb::arb_ops;
    use strata_dialect::sqlite::text::quote_ident;
    use strata_dialect::sqlite::{key, RULES};
    use strata_schema::{project_all, Op, Schema};
    use strata_sqlite::apply::{apply, open, ApplyError};
    use strata_sqlite::plan::{plan, ArchiveKind, Step};
    use strata_sqlite::render::render_schema;

    use crate::support::{assert_clean_with_foreign_keys_on, dump, position, rows};

    /// The database's shape as SQLite itself reports it: columns, keys,
    /// indexes, foreign keys, table options, and the SQL of views,
    /// triggers and expression or partial indexes.
    fn shape(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let objects = rows(
            conn,
            "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_strata\\_%' ESCAPE '\\' ORDER BY lower(name), type",
        );
        for o in objects {
            let (Value::Text(kind), Value::Text(name), Value::Text(table)) = (&o[0], &o[1], &o[2])
            else {
                continue;
            };
            let lit = name.replace('\'', "''");
            match kind.as_str() {
                "table" => {
                    out.push(format!("table {name}"));
                    for q in [
                        format!("SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo('{lit}')"),
                        format!("SELECT type, ncol, wr, strict FROM pragma_table_list('{lit}')"),
                        format!("SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list('{lit}') ORDER BY id, seq"),
                        format!("SELECT l.name, l.\"unique\", l.origin, l.partial, x.seqno, x.cid, x.name, x.\"desc\", x.coll, x.key FROM pragma_index_list('{lit}') AS l, pragma_index_xinfo(l.name) AS x ORDER BY l.name, x.seqno"),
                    ] {
                        out.push(format!("{:?}", rows(conn, &q)));
                    }
                }
                "index" => {
                    let partial_or_expr = rows(
                        conn,
                        &format!("SELECT count(*) FROM pragma_index_xinfo('{lit}') WHERE cid = -2"),
                    )[0][0]
                        != Value::Integer(0)
                        || matches!(&o[3], Value::Text(sql) if sql.to_ascii_uppercase().contains(" WHERE "));
                    if partial_or_expr {
                        out.push(format!("index {name} on {table}: {:?}", o[3]));
                    }
                }
                _ => out.push(format!("{kind} {name} on {table}: {:?}", o[3])),
            }
        }
        out
    }

    /// A database built from nothing at `schema`, as checkout builds it.
    fn fresh(schema: &Schema) -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("dir");
        let conn = open(&dir.path().join("fresh.db")).expect("open");
        for sql in render_schema(schema) {
            conn.execute_batch(&sql)
                .unwrap_or_else(|e| panic!("fresh build: {sql}: {e}"));
        }
        (dir, conn)
    }

    /// Puts a few rows into every table; rows a constraint refuses are
    /// left out.
    fn fill(conn: &Connection, schema: &Schema, round: usize, count: usize) {
        for t in schema.tables.values() {
            let columns: Vec<_> = t.columns.iter().filter(|c| c.generated.is_none()).collect();
            for k in 0..count {
                let n = (round * 7 + k) as i64 + 1;
                let values: Vec<String> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let ty = c.ty.to_ascii_lowercase();
                        if (n + i as i64) % 5 == 0 && !c.not_null {
                            "NULL".to_string()
                        } else if ty.contains("int") || ty.contains("real") || ty.contains("num") {
                            n.to_string()
                        } else if ty.contains("blob") {
                            format!("x'{n:02x}'")
                        } else {
                            format!("'v{n}'")
                        }
                    })
                    .collect();
                let names: Vec<String> = columns.iter().map(|c| quote_ident(&c.name)).collect();
                let sql = if columns.is_empty() {
                    format!("INSERT INTO {} DEFAULT VALUES", quote_ident(&t.name))
                } else {
                    format!(
                        "INSERT INTO {} ({}) VALUES ({})",
                        quote_ident(&t.name),
                        names.join(", "),
                        values.join(", ")
                    )
                };
                if conn.execute_batch(&sql).is_err() {
                    let _ = conn.execute_batch(&format!(
                        "INSERT INTO {} DEFAULT VALUES",
                        quote_ident(&t.name)
                    ));
                }
            }
        }
    }

    /// Each column's values (with the rowid, for a rowid table), sorted,
    /// by table and column key; the row count under the column key "".
    /// The tables in `plain` are read without their rowid: ops that make
    /// a table WITHOUT ROWID or take that away keep its values, not its
    /// rowids (see `rowid_changes`).
    fn contents(
        conn: &Connection,
        schema: &Schema,
        plain: &BTreeSet<String>,
    ) -> BTreeMap<(String, String), Vec<String>> {
        let mut out = BTreeMap::new();
        for (k, t) in &schema.tables {
            let rowid = (!t.has_option(strata_dialect::sqlite::WITHOUT_ROWID)
                && !plain.contains(k))
            .then(|| {
                ["rowid", "_rowid_", "oid"]
                    .into_iter()
                    .find(|n| t.column(RULES, n).is_none())
            })
            .flatten();
            let count = rows(
                conn,
                &format!("SELECT count(*) FROM {}", quote_ident(&t.name)),
            );
            out.insert((k.clone(), String::new()), vec![format!("{:?}", count)]);
            for c in t.columns.iter().filter(|c| c.generated.is_none()) {
                let select = match rowid {
                    Some(r) => format!("{r}, {}", quote_ident(&c.name)),
                    None => quote_ident(&c.name),
                };
                let mut values: Vec<String> = rows(
                    conn,
                    &format!("SELECT {select} FROM {}", quote_ident(&t.name)),
                )
                .into_iter()
                .map(|r| format!("{r:?}"))
                .collect();
                values.sort();
                out.insert((k.clone(), key(&c.name)), values);
            }
        }
        out
    }

    /// The tables (by key) the ops make WITHOUT ROWID or take that away
    /// from: they keep their values, and lose or gain rowids.
    fn rowid_changes(ops: &[Op]) -> BTreeSet<String> {
        ops.iter()
            .filter_map(|op| match op {
                Op::AlterTableOptions { table, from, to }
                    if from
                        .iter()
                        .any(|o| o == strata_dialect::sqlite::WITHOUT_ROWID)
                        != to
                            .iter()
                            .any(|o| o == strata_dialect::sqlite::WITHOUT_ROWID) =>
                {
                    Some(key(table))
                }
                _ => None,
            })
            .collect()
    }

    /// The tables and columns whose rows the ops may rightly change. A type
    /// change that makes a table's primary key its rowid (INTEGER PRIMARY
    /// KEY), or stops it being, renumbers every row of the table: each
    /// row's rowid becomes its key.
    fn touched(
        ops: &[Op],
        before: &Schema,
        after: &Schema,
    ) -> (BTreeSet<String>, BTreeSet<(String, String)>) {
        // The one column of a rowid table's primary key.
        let keyed = |s: &Schema, table: &str, column: &str| {
            s.table(RULES, table).is_some_and(|t| {
                !t.has_option(strata_dialect::sqlite::WITHOUT_ROWID)
                    && t.primary_key.as_ref().is_some_and(|pk| {
                        pk.columns.len() == 1 && key(&pk.columns[0]) == key(column)
                    })
            })
        };
        let mut tables = BTreeSet::new();
        let mut columns = BTreeSet::new();
        for op in ops {
            match op {
                Op::CreateTable { table } | Op::DropTable { table } => {
                    tables.insert(key(&table.name));
                }
                Op::RenameTable { from, to } => {
                    tables.insert(key(from));
                    tables.insert(key(to));
                }
                Op::AddColumn { table, column, .. } | Op::DropColumn { table, column, .. } => {
                    columns.insert((key(table), key(&column.name)));
                }
                Op::RenameColumn { table, from, to } => {
                    columns.insert((key(table), key(from)));
                    columns.insert((key(table), key(to)));
                }
                Op::AlterColumn { table, from, to } => {
                    columns.insert((key(table), key(&from.name)));
                    let integer = |ty: &str| ty.eq_ignore_ascii_case("integer");
                    let key_column =
                        keyed(before, table, &from.name) || keyed(after, table, &to.name);
                    if key_column && integer(&from.ty) != integer(&to.ty) {
                        tables.insert(key(table));
                    }
                }
                _ => {}
            }
        }
        (tables, columns)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
            )),
            ..ProptestConfig::default() })]
        #[test]
        fn applied_step_by_step_matches_a_fresh_build_and_keeps_rows(
            (start, ops) in arb_ops(14),
            cuts in proptest::collection::vec(0usize..3, 32),
            row_count in 1usize..4,
        ) {
            // The start schema, as checkout would build it, with rows.
            let dir = tempfile::tempdir().expect("dir");
            let mut conn = open(&dir.path().join("app.db")).expect("open");
            for sql in render_schema(&start) {
                conn.execute_batch(&sql).expect("start schema");
            }
            fill(&conn, &start, 0, row_count);

            // Events of one to three ops; applies of one to three events.
            let mut events: Vec<Step> = Vec::new();
            let mut rest = ops.as_slice();
            let mut cut = cuts.iter().cycle();
            while !rest.is_empty() {
                let n = (cut.next().copied().unwrap_or(0) + 1).min(rest.len());
                events.push(Step::new(events.len() as u64 + 1, rest[..n].to_vec()));
                rest = &rest[n..];
            }
            let mut schema = start.clone();
            let mut at = None;
            let mut i = 0;
            let mut round = 1;
            while i < events.len() {
                let n = (cut.next().copied().unwrap_or(0) + 1).min(events.len() - i);
                let batch = &events[i..i + n];
                let batch_ops: Vec<Op> = batch.iter().flat_map(|s| s.ops.clone()).collect();
                let mut target = schema.clone();
                project_all(RULES, &mut target, &batch_ops).expect("arb ops fit");
                let custody = strata_sqlite::custody::Custody::load(&conn, &|seq, op, undo| {
                    strata_sqlite::custody::Lineage { seq, op, forward: !undo }
                })
                .expect("custody");
                let p = strata_sqlite::plan::plan_with(&schema, batch, &custody)
                    .expect("a plan for ops that fit");
                prop_assert_eq!(&p.schema, &target);

                let plain = rowid_changes(&batch_ops);
                let before_rows = contents(&conn, &schema, &plain);
                let before_dump = dump(&conn);
                let to = position(batch[n - 1].seq);
                match apply(&mut conn, &p, at.as_ref(), &to, &target, "prop", "0") {
                    Ok(applied) => {
                        assert_clean_with_foreign_keys_on(&conn);
                        let (_fresh_dir, fresh_conn) = fresh(&target);
                        prop_assert_eq!(shape(&conn), shape(&fresh_conn), "plan:\n{}", p.sql());

                        let after_rows = contents(&conn, &target, &plain);
                        let (tables, columns) = touched(&batch_ops, &schema, &target);
                        for ((t, c), values) in &before_rows {
                            if tables.contains(t) || columns.contains(&(t.clone(), c.clone())) {
                                continue;
                            }
                            if let Some(now) = after_rows.get(&(t.clone(), c.clone())) {
                                prop_assert_eq!(values, now, "rows of {}.{} changed; plan:\n{}", t, c, p.sql());
                            }
                        }
                        for (a, entry) in applied.archived.iter().zip(&p.archives) {
                            let moved = batch_ops.iter().any(|op| matches!(op,
                                Op::CreateTable { .. } | Op::RenameTable { .. }
                                if op.tables().iter().any(|t| key(t) == key(&entry.table))));
                            if entry.kind != ArchiveKind::Values && !moved {
                                let count = before_rows
                                    .get(&(key(&entry.table), String::new()))
                                    .cloned()
                                    .unwrap_or_default();
                                prop_assert_eq!(count, vec![format!("{:?}", vec![vec![Value::Integer(a.rows as i64)]])]);
                            }
                        }
                        schema = target;
                        at = Some(to);
                        fill(&conn, &schema, round, row_count);
                        round += 1;
                        i += n;
                    }
                    // The rows refuse the change (a NOT NULL, UNIQUE, CHECK
                    // or foreign key they break): nothing may have changed.
                    Err(ApplyError::Statement { .. } | ApplyError::ForeignKey { .. } | ApplyError::Strict { .. }) => {
                        prop_assert_eq!(dump(&conn), before_dump);
                        assert_clean_with_foreign_keys_on(&conn);
                        break;
                    }
                    Err(e) => prop_assert!(false, "{}\nplan:\n{}", e, p.sql()),
                }
            }
        }

        /// A declarative change: the ops `derive` finds between a schema and
        /// what a random op sequence makes of it, applied as one event to a
        /// database holding rows, give what a fresh build of the target
        /// gives, and keep the rows of every table and column they do not
        /// touch.
        #[test]
        fn derived_ops_applied_as_one_event_match_a_fresh_build(
            (start, ops) in arb_ops(10),
            row_count in 1usize..4,
        ) {
            let mut end = start.clone();
            project_all(RULES, &mut end, &ops).expect("arb ops fit");
            let Ok(derived) = strata_schema::derive(RULES, &start, &end, &[]) else {
                // What no op expresses; the schema crate's tests check why.
                return Ok(());
            };
            let dir = tempfile::tempdir().expect("dir");
            let mut conn = open(&dir.path().join("app.db")).expect("open");
            for sql in render_schema(&start) {
                conn.execute_batch(&sql).expect("start schema");
            }
            fill(&conn, &start, 0, row_count);
            let step = Step::new(1, derived.ops.clone());
            let p = plan(&start, std::slice::from_ref(&step)).expect("a plan for derived ops");
            prop_assert!(strata_schema::differences(RULES, &end, &p.schema).is_empty());
            let plain = rowid_changes(&derived.ops);
            let before_rows = contents(&conn, &start, &plain);
            let before_dump = dump(&conn);
            match apply(&mut conn, &p, None, &position(1), &p.schema, "prop", "0") {
                Ok(_) => {
                    assert_clean_with_foreign_keys_on(&conn);
                    let (_fresh_dir, fresh_conn) = fresh(&p.schema);
                    prop_assert_eq!(shape(&conn), shape(&fresh_conn), "plan:\n{}", p.sql());
                    let after_rows = contents(&conn, &p.schema, &plain);
                    let (tables, columns) = touched(&derived.ops, &start, &p.schema);
                    for ((t, c), values) in &before_rows {
                        if tables.contains(t) || columns.contains(&(t.clone(), c.clone())) {
                            continue;
                        }
                        if let Some(now) = after_rows.get(&(t.clone(), c.clone())) {
                            prop_assert_eq!(values, now, "rows of {}.{} changed; plan:\n{}", t, c, p.sql());
                        }
                    }
                }
                Err(ApplyError::Statement { .. } | ApplyError::ForeignKey { .. } | ApplyError::Strict { .. }) => {
                    prop_assert_eq!(dump(&conn), before_dump);
                    assert_clean_with_foreign_keys_on(&conn);
                }
                Err(e) => prop_assert!(false, "{}\nplan:\n{}", e, p.sql()),
            }
        }
    }
}
