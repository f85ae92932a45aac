//! Unit tests of `ddl`: statements cut and read into ops, every form
//! `record` accepts, and every refusal with its place and reason.

use strata_dialect::sqlite::RULES;
use strata_schema::{
    project_all, Check, Column, FkAction, ForeignKey, Generated, IndexTerm, IndexedColumn,
    PrimaryKey, Table, Unique,
};

use super::*;

/// The ops of `sql` against `head`, or the test fails with the error.
fn ops_on(head: &Schema, sql: &str) -> Vec<Op> {
    parse_change(sql, head).unwrap_or_else(|e| panic!("{e}"))
}

fn ops(sql: &str) -> Vec<Op> {
    ops_on(&Schema::default(), sql)
}

/// `head` after the ops of `sql`.
fn after(head: &Schema, sql: &str) -> Schema {
    let mut s = head.clone();
    project_all(RULES, &mut s, &ops_on(head, sql)).unwrap_or_else(|(i, e)| panic!("op {i}: {e}"));
    s
}

fn schema(sql: &str) -> Schema {
    after(&Schema::default(), sql)
}

fn error_on(head: &Schema, sql: &str) -> DdlError {
    match parse_change(sql, head) {
        Ok(ops) => panic!("expected an error, got {ops:?}"),
        Err(e) => e,
    }
}

fn error(sql: &str) -> DdlError {
    error_on(&Schema::default(), sql)
}

fn table<'a>(s: &'a Schema, name: &str) -> &'a Table {
    s.table(RULES, name)
        .unwrap_or_else(|| panic!("no table {name} in {s:?}"))
}

fn col(name: &str, ty: &str) -> Column {
    Column::new(name, ty)
}

// ---- statements and their text -------------------------------------------

#[test]
fn splits_statements_keeping_strings_comments_and_trigger_bodies_whole() {
    let s = schema(
        "-- a comment; with a semicolon\n\
         CREATE TABLE t (a TEXT DEFAULT ';', b /* ; */ INT);\n\
         CREATE TABLE log (x TEXT);\n\
         CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n\
           INSERT INTO log VALUES (CASE WHEN new.a = ';' THEN 'x' END);\n\
           DELETE FROM log;\n\
         END;\n\
         ;;",
    );
    assert_eq!(table(&s, "t").columns[0].default.as_deref(), Some("';'"));
    assert_eq!(table(&s, "t").columns[1].ty, "INT");
    let tr = &s.triggers["tr"];
    assert!(tr.sql.starts_with("CREATE TRIGGER tr"));
    assert!(tr.sql.ends_with("DELETE FROM log;\nEND"), "{}", tr.sql);
    assert_eq!(tr.table, "t");
    assert_eq!(tr.depends_on, vec!["log".to_string()]);
}

#[test]
fn an_empty_script_records_nothing() {
    assert_eq!(ops(""), vec![]);
    assert_eq!(ops(" ;\n -- nothing\n ; /* still nothing */"), vec![]);
}

// ---- CREATE TABLE ---------------------------------------------------------

#[test]
fn create_table_with_every_column_feature() {
    let s = schema(
        "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT UNIQUE);
         CREATE TABLE t (
           a varchar(50) NOT NULL DEFAULT 'x' COLLATE NOCASE,
           b DECIMAL(10, 2) DEFAULT -1.5,
           c UNSIGNED BIG INT DEFAULT (datetime('now')),
           d,
           e INT GENERATED ALWAYS AS (b * 2) STORED,
           f AS (a || 'y'),
           g INTEGER CONSTRAINT g_positive CHECK (g > 0) CONSTRAINT g_unique UNIQUE,
           h INTEGER REFERENCES p ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
           i TEXT CONSTRAINT i_fk REFERENCES p(code) ON UPDATE SET NULL NOT NULL,
           CONSTRAINT t_pk PRIMARY KEY (a, b),
           UNIQUE (c, d),
           CONSTRAINT t_check CHECK (a <> b AND (c IS NULL OR c > 0)),
           FOREIGN KEY (g, h) REFERENCES t(a, b) ON DELETE SET DEFAULT ON UPDATE RESTRICT
         ) WITHOUT ROWID",
    );
    let expected = Table {
        name: "t".into(),
        columns: vec![
            Column {
                not_null: true,
                default: Some("'x'".into()),
                collation: Some("NOCASE".into()),
                ..col("a", "varchar(50)")
            },
            Column {
                default: Some("-1.5".into()),
                ..col("b", "DECIMAL(10, 2)")
            },
            Column {
                default: Some("datetime('now')".into()),
                ..col("c", "UNSIGNED BIG INT")
            },
            col("d", ""),
            Column {
                generated: Some(Generated {
                    expr: "b * 2".into(),
                    stored: true,
                }),
                ..col("e", "INT")
            },
            Column {
                generated: Some(Generated {
                    expr: "a || 'y'".into(),
                    stored: false,
                }),
                ..col("f", "")
            },
            col("g", "INTEGER"),
            col("h", "INTEGER"),
            Column {
                not_null: true,
                ..col("i", "TEXT")
            },
        ],
        primary_key: Some(PrimaryKey {
            name: Some("t_pk".into()),
            columns: vec!["a".into(), "b".into()],
            ..PrimaryKey::default()
        }),
        uniques: vec![
            Unique {
                name: Some("g_unique".into()),
                columns: vec!["g".into()],
                ..Unique::default()
            },
            Unique {
                name: None,
                columns: vec!["c".into(), "d".into()],
                ..Unique::default()
            },
        ],
        checks: vec![
            Check {
                name: Some("g_positive".into()),
                expr: "g > 0".into(),
            },
            Check {
                name: Some("t_check".into()),
                expr: "a <> b AND (c IS NULL OR c > 0)".into(),
            },
        ],
        foreign_keys: vec![
            ForeignKey {
                name: None,
                columns: vec!["h".into()],
                ref_table: "p".into(),
                ref_columns: vec![],
                on_delete: FkAction::Cascade,
                on_update: FkAction::NoAction,
                deferred: true,
                ..ForeignKey::default()
            },
            ForeignKey {
                name: Some("i_fk".into()),
                columns: vec!["i".into()],
                ref_table: "p".into(),
                ref_columns: vec!["code".into()],
                on_delete: FkAction::NoAction,
                on_update: FkAction::SetNull,
                deferred: false,
                ..ForeignKey::default()
            },
            ForeignKey {
                name: None,
                columns: vec!["g".into(), "h".into()],
                ref_table: "t".into(),
                ref_columns: vec!["a".into(), "b".into()],
                on_delete: FkAction::SetDefault,
                on_update: FkAction::Restrict,
                deferred: false,
                ..ForeignKey::default()
            },
        ],
        options: vec![strata_dialect::sqlite::WITHOUT_ROWID.to_string()],
    };
    assert_eq!(*table(&s, "t"), expected);
    assert_eq!(
        table(&s, "p").primary_key,
        Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
            ..PrimaryKey::default()
        })
    );
    assert!(table(&s, "p").has_option(strata_dialect::sqlite::AUTOINCREMENT));
}

#[test]
fn strict_tables() {
    let s = schema("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c ANY) STRICT, WITHOUT ROWID");
    assert!(
        table(&s, "t").has_option(strata_dialect::sqlite::STRICT)
            && table(&s, "t").has_option(strata_dialect::sqlite::WITHOUT_ROWID)
    );
    let e = error("CREATE TABLE t (a varchar(5)) STRICT");
    assert!(e.to_string().contains("STRICT table does not allow"), "{e}");
}

#[test]
fn create_table_if_not_exists_on_an_existing_table_records_nothing() {
    let head = schema("CREATE TABLE t (a INT)");
    assert_eq!(
        ops_on(&head, "CREATE TABLE IF NOT EXISTS t (b TEXT)"),
        vec![]
    );
    assert_eq!(
        ops_on(&head, "CREATE TABLE IF NOT EXISTS u (b TEXT)").len(),
        1
    );
}

#[test]
fn table_level_autoincrement_and_deferrable_forms() {
    let s = schema(
        "CREATE TABLE p (id INTEGER, PRIMARY KEY (id AUTOINCREMENT));
         CREATE TABLE c (
           a INT REFERENCES p DEFERRABLE,
           b INT REFERENCES p NOT DEFERRABLE INITIALLY DEFERRED,
           x INT REFERENCES p DEFERRABLE INITIALLY IMMEDIATE,
           y INT REFERENCES p MATCH FULL
         )",
    );
    assert!(table(&s, "p").has_option(strata_dialect::sqlite::AUTOINCREMENT));
    assert!(table(&s, "c").foreign_keys.iter().all(|fk| !fk.deferred));
}

#[test]
fn hostile_identifiers_are_kept_exactly() {
    let s = schema(
        "CREATE TABLE \"we\"\"ird;\nname\" (\n\
           [a;b] INT,\n\
           `c``d` TEXT,\n\
           \"select\" INT,\n\
           \"ü ñ 表\" INT,\n\
           \"--x\" INT,\n\
           \"/*y*/\" INT,\n\
           \"'q'\" INT,\n\
           \"[z]\" INT,\n\
           \"\"\" \"\"\" INT\n\
         )",
    );
    let t = table(&s, "we\"ird;\nname");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "a;b",
            "c`d",
            "select",
            "ü ñ 表",
            "--x",
            "/*y*/",
            "'q'",
            "[z]",
            "\" \""
        ]
    );
}

#[test]
fn reserved_words_and_odd_names_in_every_position() {
    let s = schema(
        "CREATE TABLE \"order\" (\"group\" INT PRIMARY KEY, \"from\" TEXT);
         CREATE INDEX \"where\" ON \"order\" (\"from\" COLLATE \"NOCASE\" DESC);
         CREATE VIEW \"select\" AS SELECT \"group\" FROM \"order\";
         CREATE TRIGGER \"end\" AFTER DELETE ON \"order\" BEGIN DELETE FROM \"order\"; END;",
    );
    assert_eq!(s.indexes["where"].table, "order");
    assert_eq!(
        s.indexes["where"].columns,
        vec![IndexedColumn {
            term: IndexTerm::Column("from".into()),
            collation: Some("NOCASE".into()),
            desc: true,
        }]
    );
    assert_eq!(s.views["select"].depends_on, vec!["order".to_string()]);
    assert_eq!(s.triggers["end"].table, "order");
    assert!(s.triggers["end"].depends_on.is_empty());
}

#[test]
fn main_qualified_names_are_the_main_schema() {
    let s = schema("CREATE TABLE main.t (a INT); CREATE VIEW main.v AS SELECT a FROM main.t");
    assert_eq!(s.views["v"].depends_on, vec!["t".to_string()]);
    let e = error("CREATE TABLE other.t (a INT)");
    assert!(matches!(e.kind, DdlErrorKind::NotRecordable(_)), "{e}");
}

// ---- ALTER TABLE ----------------------------------------------------------

fn base() -> Schema {
    schema(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);
         CREATE TABLE t (
           id INTEGER PRIMARY KEY,
           a TEXT NOT NULL DEFAULT 'x',
           b INT,
           CONSTRAINT t_b_positive CHECK (b > 0),
           CONSTRAINT t_a_unique UNIQUE (a),
           CONSTRAINT t_b_fk FOREIGN KEY (b) REFERENCES p(id)
         );",
    )
}

#[test]
fn alter_rename_table_and_column() {
    let head = base();
    assert_eq!(
        ops_on(&head, "ALTER TABLE T RENAME TO t2"),
        vec![Op::RenameTable {
            from: "t".into(),
            to: "t2".into()
        }]
    );
    let rename = Op::RenameColumn {
        table: "p".into(),
        from: "code".into(),
        to: "label".into(),
    };
    assert_eq!(
        ops_on(&head, "ALTER TABLE p RENAME COLUMN CODE TO label"),
        vec![rename.clone()]
    );
    assert_eq!(
        ops_on(&head, "ALTER TABLE p RENAME code TO label"),
        vec![rename]
    );
}

#[test]
fn alter_add_column_with_constraints_adds_them_after_it() {
    let head = base();
    let got = ops_on(
        &head,
        "ALTER TABLE p ADD COLUMN n INT NOT NULL DEFAULT 0 CHECK (n >= 0) REFERENCES t",
    );
    assert_eq!(
        got,
        vec![
            Op::AddColumn {
                table: "p".into(),
                column: Column {
                    not_null: true,
                    default: Some("0".into()),
                    ..col("n", "INT")
                },
                position: 2,
            },
            Op::AddCheck {
                table: "p".into(),
                check: Check {
                    name: None,
                    expr: "n >= 0".into()
                },
                position: 0,
            },
            Op::AddForeignKey {
                table: "p".into(),
                foreign_key: ForeignKey {
                    columns: vec!["n".into()],
                    ref_table: "t".into(),
                    ..ForeignKey::default()
                },
                position: 0,
            },
        ]
    );
    assert_eq!(ops_on(&head, "ALTER TABLE p ADD z").len(), 1);
}

#[test]
fn alter_add_column_refuses_a_primary_key() {
    let e = error_on(&base(), "ALTER TABLE p ADD COLUMN k INTEGER PRIMARY KEY");
    assert!(
        e.to_string().contains("cannot add a PRIMARY KEY column"),
        "{e}"
    );
}

#[test]
fn alter_drop_column_carries_the_column_and_its_position() {
    let head = schema("CREATE TABLE t (a INT, b TEXT NOT NULL DEFAULT 'q', c INT)");
    let drop = Op::DropColumn {
        table: "t".into(),
        column: Column {
            not_null: true,
            default: Some("'q'".into()),
            ..col("b", "TEXT")
        },
        position: 1,
    };
    assert_eq!(
        ops_on(&head, "ALTER TABLE t DROP COLUMN B"),
        vec![drop.clone()]
    );
    assert_eq!(ops_on(&head, "ALTER TABLE t DROP b"), vec![drop]);
}

#[test]
fn alter_column_forms() {
    let head = base();
    let from = table(&head, "t").columns[1].clone();
    let alter = |sql: &str| match ops_on(&head, sql).as_slice() {
        [Op::AlterColumn { table, from: f, to }] => {
            assert_eq!(table, "t");
            assert_eq!(*f, from);
            to.clone()
        }
        other => panic!("{sql}: {other:?}"),
    };
    assert_eq!(
        alter("ALTER TABLE t ALTER COLUMN a TYPE varchar(10)").ty,
        "varchar(10)"
    );
    assert_eq!(
        alter("ALTER TABLE t ALTER a SET DATA TYPE VARYING CHARACTER(255)").ty,
        "VARYING CHARACTER(255)"
    );
    assert!(!alter("ALTER TABLE t ALTER COLUMN a DROP NOT NULL").not_null);
    assert_eq!(
        alter("ALTER TABLE t ALTER COLUMN a SET DEFAULT lower('Y' || 'Z')")
            .default
            .as_deref(),
        Some("lower('Y' || 'Z')")
    );
    assert_eq!(
        alter("ALTER TABLE t ALTER COLUMN a SET DEFAULT (1 + 2)")
            .default
            .as_deref(),
        Some("1 + 2")
    );
    assert_eq!(
        alter("ALTER TABLE t ALTER COLUMN a DROP DEFAULT").default,
        None
    );
    // Already so: nothing to record.
    assert_eq!(
        ops_on(&head, "ALTER TABLE t ALTER COLUMN a SET NOT NULL"),
        vec![]
    );
    let b = table(&head, "t").columns[2].clone();
    assert_eq!(
        ops_on(&head, "ALTER TABLE t ALTER COLUMN b SET NOT NULL"),
        vec![Op::AlterColumn {
            table: "t".into(),
            from: b.clone(),
            to: Column {
                not_null: true,
                ..b
            },
        }]
    );
}

#[test]
fn a_default_as_an_expression_gives_what_default_gives() {
    // A name is a string to DEFAULT, and a column to a SELECT.
    assert_eq!(default_as_expr("hello"), "'hello'");
    assert_eq!(default_as_expr("\"it's\""), "'it''s'");
    assert_eq!(default_as_expr("[x]"), "'x'");
    for (text, expr) in [
        ("'x'", "('x')"),
        ("-2", "(-2)"),
        ("x'00'", "(x'00')"),
        ("NULL", "(NULL)"),
        ("true", "(true)"),
        ("CURRENT_TIMESTAMP", "(CURRENT_TIMESTAMP)"),
        ("1 + 2", "(1 + 2)"),
        ("lower('Y' || 'Z')", "(lower('Y' || 'Z'))"),
    ] {
        assert_eq!(default_as_expr(text), expr, "{text}");
    }
}

#[test]
fn alter_add_and_drop_constraints() {
    let head = base();
    let t = table(&head, "t").clone();
    assert_eq!(
        ops_on(&head, "ALTER TABLE t DROP CONSTRAINT T_B_FK"),
        vec![Op::DropForeignKey {
            table: "t".into(),
            foreign_key: t.foreign_keys[0].clone(),
            position: 0,
        }]
    );
    assert_eq!(
        ops_on(&head, "ALTER TABLE t DROP CONSTRAINT t_a_unique"),
        vec![Op::DropUnique {
            table: "t".into(),
            unique: t.uniques[0].clone(),
            position: 0,
        }]
    );
    assert_eq!(
        ops_on(&head, "ALTER TABLE t DROP CONSTRAINT t_b_positive"),
        vec![Op::DropCheck {
            table: "t".into(),
            check: t.checks[0].clone(),
            position: 0,
        }]
    );
    let e = error_on(&head, "ALTER TABLE t DROP CONSTRAINT nope");
    assert_eq!(
        e.kind,
        DdlErrorKind::Project(ProjectError::NoSuchObject {
            kind: "constraint",
            name: "nope on t".into()
        })
    );
    let s = after(
        &head,
        "ALTER TABLE p ADD CONSTRAINT p_code UNIQUE (code);
         ALTER TABLE p ADD CONSTRAINT p_check CHECK (length(code) < 10);
         ALTER TABLE p ADD CONSTRAINT p_self FOREIGN KEY (id) REFERENCES p(id) ON DELETE CASCADE;
         ALTER TABLE p ADD CHECK (id > 0)",
    );
    let p = table(&s, "p");
    assert_eq!(p.uniques[0].name.as_deref(), Some("p_code"));
    assert_eq!(p.checks[0].expr, "length(code) < 10");
    assert_eq!(p.checks[1].name, None);
    assert_eq!(p.foreign_keys[0].on_delete, FkAction::Cascade);
    // Each op carries what it drops, so the same script undoes it.
    let s = after(
        &s,
        "ALTER TABLE p DROP CONSTRAINT p_code; ALTER TABLE p DROP CONSTRAINT p_check;
         ALTER TABLE p DROP CONSTRAINT p_self",
    );
    assert_eq!(table(&s, "p").checks.len(), 1);
}

// ---- DROP TABLE and other drops -------------------------------------------

#[test]
fn drop_table_drops_its_triggers_and_indexes_first() {
    let head = schema(
        "CREATE TABLE t (a INT, b INT);
         CREATE TABLE log (x);
         CREATE INDEX t_a ON t (a);
         CREATE INDEX t_b ON t (b);
         CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (1); END;",
    );
    let got = ops_on(&head, "DROP TABLE t");
    let kinds: Vec<&str> = got.iter().map(Op::kind).collect();
    assert_eq!(
        kinds,
        ["drop_trigger", "drop_index", "drop_index", "drop_table"]
    );
    assert_eq!(
        got.last(),
        Some(&Op::DropTable {
            table: table(&head, "t").clone()
        })
    );
    let s = after(&head, "DROP TABLE t");
    assert!(s.indexes.is_empty() && s.triggers.is_empty() && s.table(RULES, "t").is_none());
    assert_eq!(ops_on(&s, "DROP TABLE IF EXISTS t"), vec![]);
}

#[test]
fn drops_carry_the_full_definition() {
    let head = schema(
        "CREATE TABLE t (a INT);
         CREATE UNIQUE INDEX i ON t (a) WHERE a > 0;
         CREATE VIEW v AS SELECT a FROM t;
         CREATE TRIGGER tr BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END",
    );
    assert_eq!(
        ops_on(&head, "DROP INDEX i"),
        vec![Op::DropIndex {
            index: head.indexes["i"].clone()
        }]
    );
    assert_eq!(
        ops_on(&head, "DROP VIEW v"),
        vec![Op::DropView {
            view: head.views["v"].clone()
        }]
    );
    assert_eq!(
        ops_on(&head, "DROP TRIGGER IF EXISTS tr"),
        vec![Op::DropTrigger {
            trigger: head.triggers["tr"].clone()
        }]
    );
    assert_eq!(
        ops_on(
            &head,
            "DROP INDEX IF EXISTS nope; DROP VIEW IF EXISTS nope; DROP TRIGGER IF EXISTS nope"
        ),
        vec![]
    );
}

// ---- indexes ----------------------------------------------------------------

#[test]
fn create_index_terms_collations_order_and_predicate() {
    let s = schema(
        "CREATE TABLE t (a TEXT, b TEXT, c INT);
         CREATE UNIQUE INDEX IF NOT EXISTS i ON T (
           a COLLATE NOCASE DESC, lower(b), c ASC, (c + 1) COLLATE BINARY, b || 'x'
         ) WHERE c IS NOT NULL AND a <> ''",
    );
    let i = &s.indexes["i"];
    assert!(i.unique);
    assert_eq!(i.table, "t", "the table as the schema names it");
    let term = |t: IndexTerm, collation: Option<&str>, desc| IndexedColumn {
        term: t,
        collation: collation.map(String::from),
        desc,
    };
    assert_eq!(
        i.columns,
        vec![
            term(IndexTerm::Column("a".into()), Some("NOCASE"), true),
            term(IndexTerm::Expr("lower(b)".into()), None, false),
            term(IndexTerm::Column("c".into()), None, false),
            term(IndexTerm::Expr("(c + 1)".into()), Some("BINARY"), false),
            term(IndexTerm::Expr("b || 'x'".into()), None, false),
        ]
    );
    assert_eq!(i.predicate.as_deref(), Some("c IS NOT NULL AND a <> ''"));
    assert_eq!(ops_on(&s, "CREATE INDEX IF NOT EXISTS i ON t (b)"), vec![]);
}

// ---- views and triggers -----------------------------------------------------

#[test]
fn create_view_keeps_its_text_and_finds_what_it_reads() {
    let sql = "CREATE VIEW v (x, y) AS\n  WITH recent AS (SELECT * FROM orders WHERE at > 0)\n  SELECT c.name, (SELECT count(*) FROM items i WHERE i.o = r.id)\n  FROM recent r JOIN customers AS c ON c.id = r.c\n  LEFT JOIN json_each(c.tags) WHERE EXISTS (SELECT 1 FROM flags)\n    AND r.id IN (SELECT o FROM Items) -- trailing comment";
    let s = schema(&format!(
        "CREATE TABLE orders (id, at, c); CREATE TABLE items (o);
         CREATE TABLE customers (id, name, tags); CREATE TABLE flags (f);
         {sql};"
    ));
    let v = &s.views["v"];
    assert_eq!(v.sql, sql.trim_end_matches(" -- trailing comment"));
    assert_eq!(v.depends_on, ["orders", "items", "customers", "flags"]);
    let again = after(&s, "CREATE VIEW w AS SELECT * FROM v, sqlite_schema");
    assert_eq!(again.views["w"].depends_on, ["v"]);
    assert_eq!(
        ops_on(&s, "CREATE VIEW IF NOT EXISTS v AS SELECT 1"),
        vec![]
    );
}

#[test]
fn create_trigger_forms() {
    let head = schema(
        "CREATE TABLE t (a INT, b INT); CREATE TABLE log (x); CREATE TABLE audit (y);
         CREATE VIEW v AS SELECT a FROM t",
    );
    let sql = "CREATE TRIGGER IF NOT EXISTS tr BEFORE UPDATE OF a, b ON T FOR EACH ROW\n\
               WHEN new.a > (SELECT count(*) FROM audit)\n\
               BEGIN\n\
                 INSERT INTO log (x) VALUES (new.a) ON CONFLICT DO NOTHING;\n\
                 UPDATE t SET b = CASE WHEN old.b IS NULL THEN 0 ELSE old.b END WHERE a = new.a;\n\
                 SELECT RAISE(IGNORE);\n\
               END";
    let s = after(
        &head,
        &format!(
            "{sql};
             CREATE TRIGGER v_del INSTEAD OF DELETE ON v BEGIN DELETE FROM t WHERE a = old.a; END;
             CREATE TRIGGER plain DELETE ON t BEGIN DELETE FROM log; END"
        ),
    );
    let tr = &s.triggers["tr"];
    // As SQLite stores it: without IF NOT EXISTS.
    assert_eq!(tr.sql, sql.replacen("IF NOT EXISTS ", "", 1));
    assert_eq!(tr.table, "t");
    assert_eq!(tr.depends_on, ["audit", "log"]);
    assert_eq!(s.triggers["v_del"].table, "v");
    assert_eq!(s.triggers["v_del"].depends_on, ["t"]);
    assert_eq!(s.triggers["plain"].depends_on, ["log"]);
    assert_eq!(
        ops_on(
            &s,
            "CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END"
        ),
        vec![]
    );
}

// ---- data steps and transaction wrappers --------------------------------------

#[test]
fn data_steps_are_kept_verbatim_and_transactions_ignored() {
    let head = schema("CREATE TABLE t (a INT, b TEXT)");
    let got = ops_on(
        &head,
        "BEGIN TRANSACTION;\n\
         INSERT INTO t (a, b) VALUES (1, 'x;y');\n\
         UPDATE t SET b = upper(b) WHERE a = 1;\n\
         DELETE FROM t WHERE a > 10;\n\
         REPLACE INTO t VALUES (2, 'z');\n\
         WITH n AS (SELECT 3 AS a) INSERT INTO t (a) SELECT a FROM n;\n\
         COMMIT;\n\
         BEGIN; END TRANSACTION; BEGIN IMMEDIATE; END",
    );
    let sqls: Vec<&str> = got
        .iter()
        .map(|op| match op {
            Op::Data { sql } => sql.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        sqls,
        [
            "INSERT INTO t (a, b) VALUES (1, 'x;y')",
            "UPDATE t SET b = upper(b) WHERE a = 1",
            "DELETE FROM t WHERE a > 10",
            "REPLACE INTO t VALUES (2, 'z')",
            "WITH n AS (SELECT 3 AS a) INSERT INTO t (a) SELECT a FROM n",
        ]
    );
}

// ---- rejections ----------------------------------------------------------------

#[test]
fn unsupported_statements_are_named() {
    let e = error("CREATE TABLE t (a INT);\n\n\n\nGRANT SELECT ON t TO someone;");
    assert_eq!(
        e.to_string(),
        "statement 2 (line 5, column 1): unsupported statement GRANT SELECT ON t TO someone: strata records CREATE/DROP/ALTER TABLE, CREATE/DROP INDEX, VIEW and TRIGGER, and INSERT/UPDATE/DELETE data steps"
    );
    for sql in [
        "SELECT 1",
        "VACUUM",
        "ROLLBACK",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "ANALYZE",
        "CREATE SCHEMA s",
        "ALTER INDEX i RENAME TO j",
    ] {
        let e = error(sql);
        assert_eq!(e.kind, DdlErrorKind::Unsupported, "{sql}: {e}");
        assert_eq!((e.statement, e.line, e.column), (1, 1, 1));
    }
}

#[test]
fn long_statements_are_cut_in_the_excerpt() {
    let e = error("   SELECT aaaaaaaaaa, bbbbbbbbbb, cccccccccc, dddddddddd, eeeeeeeeee FROM t");
    assert_eq!(e.column, 4);
    assert_eq!(e.excerpt, "SELECT aaaaaaaaaa, bbbbbbbbbb, ...");
}

#[test]
fn what_the_model_cannot_hold_is_refused_with_a_reason() {
    for sql in [
        "CREATE TEMP TABLE t (a INT)",
        "CREATE TEMPORARY VIEW v AS SELECT 1",
        "CREATE TABLE t AS SELECT 1 AS a",
        "CREATE VIRTUAL TABLE t USING fts5(a)",
        "CREATE TABLE t (a INT PRIMARY KEY ON CONFLICT REPLACE)",
        "CREATE TABLE t (a INTEGER PRIMARY KEY DESC)",
        "CREATE TABLE t (a INT, b INT, PRIMARY KEY (a DESC))",
        "CREATE TABLE t (a INT PRIMARY KEY, b INT, PRIMARY KEY (b))",
        "CREATE TABLE t (a INT DEFAULT 1 DEFAULT 2)",
    ] {
        let e = error(sql);
        assert!(
            matches!(e.kind, DdlErrorKind::NotRecordable(_)),
            "{sql}: {e}"
        );
    }
    let head = schema("CREATE TABLE t (a INT); CREATE VIEW v AS SELECT a FROM t");
    for sql in [
        "DROP TABLE v",
        "DROP VIEW t",
        "ALTER TABLE v ADD COLUMN b",
        "ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY (a)",
    ] {
        let e = error_on(&head, sql);
        assert!(
            matches!(e.kind, DdlErrorKind::NotRecordable(_)),
            "{sql}: {e}"
        );
    }
}

#[test]
fn statements_that_do_not_fit_the_schema_are_refused_with_the_projection_error() {
    let e = error("CREATE TABLE t (a INT);\nCREATE TABLE T (b INT)");
    assert_eq!(
        e.to_string(),
        "statement 2 (line 2, column 1): CREATE TABLE T (b INT): table T already exists"
    );
    let e = error("DROP TABLE nope");
    assert_eq!(
        e.kind,
        DdlErrorKind::Project(ProjectError::NoSuchTable("nope".into()))
    );
    let e = error("CREATE INDEX i ON nope (a)");
    assert_eq!(
        e.kind,
        DdlErrorKind::Project(ProjectError::NoSuchTable("nope".into()))
    );
    let e = error("CREATE VIEW v AS SELECT * FROM nope");
    assert!(
        matches!(
            e.kind,
            DdlErrorKind::Project(ProjectError::NoSuchObject { .. })
        ),
        "{e}"
    );
    let head = schema("CREATE TABLE t (a INT, b INT)");
    let e = error_on(&head, "ALTER TABLE t DROP COLUMN c");
    assert_eq!(
        e.kind,
        DdlErrorKind::Project(ProjectError::NoSuchColumn {
            table: "t".into(),
            column: "c".into()
        })
    );
    // Later statements see what earlier ones did.
    let e = error_on(&head, "ALTER TABLE t RENAME TO u; ALTER TABLE t ADD c INT");
    assert_eq!(e.statement, 2);
    assert_eq!(
        e.kind,
        DdlErrorKind::Project(ProjectError::NoSuchTable("t".into()))
    );
}

#[test]
fn syntax_errors_say_where() {
    let e = error("CREATE TABLE t (a INT);\nCREATE TABLE u (\n  a INT,\n  b INT NOT FOO\n)");
    assert_eq!((e.statement, e.line, e.column), (2, 2, 1));
    let text = e.to_string();
    assert!(text.starts_with("statement 2 (line 2, column 1): syntax error in CREATE TABLE u ( a INT, b INT NOT FOO ):"), "{text}");
    assert!(text.contains("line 4, column"), "{text}");

    let e = error("INSERT INTO t VALUES (1,);");
    assert!(matches!(e.kind, DdlErrorKind::Syntax(_)), "{e}");

    let e = error("CREATE TABLE t (a INT);\n  CREATE TABLE u (a TEXT DEFAULT 'oops)");
    assert_eq!((e.statement, e.line, e.column), (2, 2, 3), "{e}");
    assert!(
        e.to_string()
            .contains("unterminated string literal at line 2, column 34"),
        "{e}"
    );

    let e = error("CREATE TABLE t (a varchar(x))");
    assert!(e.to_string().contains("expected a number"), "{e}");
    let e = error("CREATE TABLE t (a INT) WITHOUT");
    assert!(
        e.to_string().contains("expected WITHOUT ROWID or STRICT"),
        "{e}"
    );
    let e = error("CREATE TABLE t (a INT, CHECK (a > 0), b INT)");
    assert!(
        e.to_string()
            .contains("columns come before table constraints"),
        "{e}"
    );
}

#[test]
fn if_not_exists_looks_where_sqlite_looks() {
    let head =
        schema("CREATE TABLE t (a INT); CREATE INDEX i ON t (a); CREATE VIEW v AS SELECT a FROM t");
    // A table or view of that name: nothing to do.
    assert_eq!(
        ops_on(&head, "CREATE TABLE IF NOT EXISTS v (a INT)"),
        vec![]
    );
    assert_eq!(
        ops_on(&head, "CREATE VIEW IF NOT EXISTS t AS SELECT 1"),
        vec![]
    );
    // An index of that name is still a clash, for SQLite as for strata.
    let e = error_on(&head, "CREATE TABLE IF NOT EXISTS i (a INT)");
    assert!(e.to_string().contains("index i already exists"), "{e}");
    let e = error_on(&head, "CREATE INDEX IF NOT EXISTS t ON t (a)");
    assert!(e.to_string().contains("table t already exists"), "{e}");
}

/// What sqlparser 0.64's SQLite dialect cannot read on its own, and that
/// this module reads anyway. Each first shows the gap (so a sqlparser
/// upgrade that closes it is noticed), then that strata handles it.
#[test]
fn sqlparser_gaps_are_handled() {
    use sqlparser::dialect::SQLiteDialect;
    use sqlparser::parser::Parser;
    let sqlparser_reads = |sql: &str| Parser::parse_sql(&SQLiteDialect {}, sql).is_ok();

    // A declared type of several words.
    let sql =
        "CREATE TABLE t (a UNSIGNED BIG INT, b VARYING CHARACTER(255), c NATIVE CHARACTER(70))";
    assert!(!sqlparser_reads(sql));
    let types: Vec<String> = table(&schema(sql), "t")
        .columns
        .iter()
        .map(|c| c.ty.clone())
        .collect();
    assert_eq!(
        types,
        [
            "UNSIGNED BIG INT",
            "VARYING CHARACTER(255)",
            "NATIVE CHARACTER(70)"
        ]
    );

    // CREATE TRIGGER IF NOT EXISTS.
    let sql = "CREATE TABLE t (a INT); CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END";
    assert!(!sqlparser_reads(sql));
    let s = schema(sql);
    // Kept as SQLite stores it: without IF NOT EXISTS.
    assert_eq!(
        s.triggers["tr"].sql,
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"
    );

    // DEFAULT takes one term: sqlparser reads the COLLATE into the default
    // expression, SQLite gives it to the column.
    let s = schema("CREATE TABLE t (a TEXT DEFAULT 'x' COLLATE NOCASE, b DEFAULT -1 NOT NULL)");
    let t = table(&s, "t");
    assert_eq!(t.columns[0].default.as_deref(), Some("'x'"));
    assert_eq!(t.columns[0].collation.as_deref(), Some("NOCASE"));
    assert_eq!(t.columns[1].default.as_deref(), Some("-1"));
    assert!(t.columns[1].not_null);

    // What the dialect does read, and strata relies on: AUTOINCREMENT,
    // STRICT, WITHOUT ROWID, GENERATED, DEFERRABLE, trigger bodies.
    for sql in [
        "CREATE TABLE t (a INTEGER PRIMARY KEY AUTOINCREMENT)",
        "CREATE TABLE t (a INT PRIMARY KEY) WITHOUT ROWID, STRICT",
        "CREATE TABLE t (a INT, b INT GENERATED ALWAYS AS (a + 1) STORED, c AS (a) VIRTUAL)",
        "CREATE TABLE t (a INT REFERENCES p DEFERRABLE INITIALLY DEFERRED)",
        "CREATE TRIGGER tr BEFORE UPDATE OF a ON t FOR EACH ROW WHEN new.a > 0 BEGIN SELECT RAISE(ABORT, 'no'); END",
    ] {
        assert!(sqlparser_reads(sql), "{sql}");
    }
}

#[test]
fn crlf_scripts_and_unicode_columns() {
    let e = error("CREATE TABLE \"ü表\" (a INT); GRANT x;\r\nCREATE TABLE t (a INT)");
    assert_eq!((e.statement, e.line, e.column), (2, 1, 28), "{e}");
    let s = schema("CREATE TABLE t (\r\n  a INT DEFAULT 'ü',\r\n  b TEXT CHECK (b <> 'é')\r\n);\r\nCREATE VIEW v AS\r\n  SELECT a FROM t;\r\n");
    assert_eq!(table(&s, "t").columns[0].default.as_deref(), Some("'ü'"));
    assert_eq!(table(&s, "t").checks[0].expr, "b <> 'é'");
    assert_eq!(s.views["v"].sql, "CREATE VIEW v AS\r\n  SELECT a FROM t");
}

#[test]
fn an_unterminated_quoted_name_is_a_syntax_error_in_its_statement() {
    let e = error("CREATE TABLE t (a INT);\n\nCREATE TABLE \"u (a INT)");
    assert_eq!((e.statement, e.line, e.column), (2, 3, 1), "{e}");
    assert!(matches!(e.kind, DdlErrorKind::Syntax(_)), "{e}");
}

#[test]
fn drops_refused_while_something_uses_the_object() {
    let head = schema("CREATE TABLE t (a INT); CREATE VIEW v AS SELECT a FROM t");
    let e = error_on(&head, "DROP TABLE t");
    assert_eq!(
        e.to_string(),
        "statement 1 (line 1, column 1): DROP TABLE t: table t is still used by view v"
    );
    assert_eq!(ops_on(&head, "DROP VIEW v; DROP TABLE t").len(), 2);
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    const PIECES: [&str; 40] = [
        "CREATE",
        "TABLE",
        "TEMP",
        "TRIGGER",
        "VIEW",
        "INDEX",
        "UNIQUE",
        "ALTER",
        "DROP",
        "ADD",
        "COLUMN",
        "CONSTRAINT",
        "PRIMARY KEY",
        "AUTOINCREMENT",
        "DEFAULT",
        "COLLATE",
        "CHECK",
        "REFERENCES",
        "AS",
        "BEGIN",
        "END",
        "CASE",
        "WHEN",
        "IF NOT EXISTS",
        "ON",
        "SELECT",
        "INSERT INTO",
        "t",
        "\"q\"\"x\"",
        "[b;]",
        "'s''",
        "(",
        ")",
        ",",
        ";",
        "-",
        "1",
        "--c\n",
        "/*",
        "ü",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Whatever the input, an answer and no panic.
        #[test]
        fn any_script_gets_an_answer(picks in prop::collection::vec(0..PIECES.len(), 0..40)) {
            let head = schema("CREATE TABLE t (a INT, b TEXT); CREATE VIEW v AS SELECT a FROM t");
            let sql: Vec<&str> = picks.iter().map(|&i| PIECES[i]).collect();
            let _ = parse_change(&sql.join(" "), &head);
        }

        #[test]
        fn any_text_gets_an_answer(sql in "\\PC{0,200}") {
            let _ = parse_change(&sql, &Schema::default());
        }
    }
}

#[test]
fn a_misspelt_keyword_is_a_syntax_error_naming_the_likely_word() {
    for (sql, word, likely, column) in [
        ("CREAT TABLE t (a)", "CREAT", "CREATE", 1),
        ("CREATE TABEL t (a)", "TABEL", "TABLE", 8),
        ("ALTR TABLE t ADD COLUMN b", "ALTR", "ALTER", 1),
        ("DROP VEIW v", "VEIW", "VIEW", 6),
        ("CREATE UNIQE INDEX i ON t (a)", "UNIQE", "UNIQUE", 8),
        ("INSRET INTO t VALUES (1)", "INSRET", "INSERT", 1),
    ] {
        let e = parse_change(sql, &Schema::default()).unwrap_err();
        let DdlErrorKind::Syntax(m) = &e.kind else {
            panic!("{sql}: {e}")
        };
        assert_eq!(
            m,
            &format!(
                "{word} is not a keyword strata reads here (did you mean {likely}?) at line 1, column {column}"
            ),
            "{sql}"
        );
    }
    // Statements strata does not record are no near miss of one it does.
    for sql in ["SELECT 1", "VACUUM", "ANALYZE", "DETACH x"] {
        let e = parse_change(sql, &Schema::default()).unwrap_err();
        assert_eq!(e.kind, DdlErrorKind::Unsupported, "{sql}: {e}");
    }
}

#[test]
fn the_parser_s_own_words_never_reach_the_user() {
    for (sql, said) in [
        (
            "CREATE TABLE t (a int,)",
            "expected a name, found ) at line 1, column 23",
        ),
        (
            "ALTER TABLE t ADD COLUMN",
            "expected a name, found the end of the statement at line 1, column 25",
        ),
    ] {
        let e = parse_change(sql, &Schema::default()).unwrap_err();
        let DdlErrorKind::Syntax(m) = &e.kind else {
            panic!("{sql}: {e}")
        };
        assert_eq!(m, said, "{sql}");
        assert!(!m.contains("Expected:") && !m.contains("Line:"), "{m}");
    }
    assert_eq!(
        crate::ddl::cursor::plain("Unterminated string literal at Line: 2, Column: 7"),
        "unterminated string literal at line 2, column 7"
    );
}

mod rebuild {
    use super::*;

    const USERS: &str = "CREATE TABLE users (id integer primary key, name text, email text);
         CREATE INDEX users_name ON users (name);
         CREATE TABLE posts (id integer primary key, user_id integer REFERENCES users(id));";

    fn kinds(ops: &[Op]) -> Vec<&'static str> {
        ops.iter().map(Op::kind).collect()
    }

    #[test]
    fn is_recorded_as_the_change_to_the_table_with_its_indexes_dropped() {
        let head = schema(USERS);
        let sql = "CREATE TABLE new_users (id integer primary key, name text);
             INSERT INTO new_users SELECT id, name FROM users;
             DROP TABLE users;
             ALTER TABLE new_users RENAME TO users;
             CREATE INDEX users_name ON users (name);";
        let ops = ops_on(&head, sql);
        assert_eq!(
            kinds(&ops),
            ["drop_index", "drop_column", "create_index"],
            "{ops:?}"
        );
        let s = after(&head, sql);
        assert_eq!(table(&s, "users").columns.len(), 2);
        assert_eq!(table(&s, "posts").foreign_keys[0].ref_table, "users");
        // The ops invert: the old table comes back as it was.
        let mut back = s.clone();
        let inverse = strata_schema::invert_all(&ops).expect("no data step");
        project_all(RULES, &mut back, &inverse).expect("inverse fits");
        assert_eq!(back, head);
    }

    #[test]
    fn a_new_primary_key_is_the_key_dropped_and_added() {
        let head = schema(USERS);
        let ops = ops_on(
            &head,
            "CREATE TABLE new_users (id integer, name text primary key);
             INSERT INTO new_users SELECT id, name FROM users;
             DROP TABLE users;
             ALTER TABLE new_users RENAME TO users;",
        );
        let kinds: Vec<&str> = ops.iter().map(Op::kind).collect();
        assert!(
            kinds.contains(&"drop_primary_key") && kinds.contains(&"add_primary_key"),
            "{kinds:?}"
        );
        assert!(!kinds.contains(&"drop_table"), "{kinds:?}");
    }

    #[test]
    fn without_the_whole_pattern_the_statements_are_read_one_by_one() {
        let head = schema(USERS);
        // No rename: the drop is refused, as another table's key names users.
        let e = error_on(
            &head,
            "CREATE TABLE new_users (id integer primary key, name text);
             INSERT INTO new_users SELECT id, name FROM users;
             DROP TABLE users;",
        );
        assert_eq!(e.statement, 3, "{e}");
        // A copy into a table that is not the new one is a data step.
        let ops = ops_on(
            &schema("CREATE TABLE a (x int); CREATE TABLE b (x int);"),
            "CREATE TABLE c (x int); INSERT INTO b SELECT x FROM a; DROP TABLE a; ALTER TABLE c RENAME TO a;",
        );
        assert_eq!(
            kinds(&ops),
            ["create_table", "data", "drop_table", "rename_table"]
        );
    }
}

#[test]
fn rebuild_pragmas_are_accepted_and_record_nothing() {
    let sql = "PRAGMA foreign_keys = off;\n\
               pragma legacy_alter_table=ON;\n\
               PRAGMA main.defer_foreign_keys = 1;\n\
               PRAGMA foreign_keys(true);\n\
               PRAGMA foreign_keys;\n\
               CREATE TABLE t (a INT);\n\
               PRAGMA foreign_keys = 'no';";
    let ops = parse_change(sql, &Schema::default()).expect("accepted");
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(
        crate::ddl::pragmas(sql),
        [
            "PRAGMA foreign_keys = off",
            "pragma legacy_alter_table=ON",
            "PRAGMA main.defer_foreign_keys = 1",
            "PRAGMA foreign_keys(true)",
            "PRAGMA foreign_keys",
            "PRAGMA foreign_keys = 'no'",
        ]
    );
    for (sql, said) in [
        (
            "PRAGMA journal_mode = WAL",
            "PRAGMA journal_mode = WAL: PRAGMA journal_mode changes how the connection works, not the schema; strata records the schema only",
        ),
        (
            "PRAGMA user_version = 3",
            "PRAGMA user_version = 3: PRAGMA user_version changes how the connection works, not the schema",
        ),
        (
            "PRAGMA foreign_keys = maybe",
            "syntax error in PRAGMA foreign_keys = maybe: PRAGMA foreign_keys is on or off (1/0, true/false, yes/no), not maybe",
        ),
        (
            "PRAGMA foreign_keys = on off",
            "PRAGMA foreign_keys is read as PRAGMA foreign_keys, or set as PRAGMA foreign_keys = on",
        ),
        ("PRAGMA", "a PRAGMA names the pragma after PRAGMA"),
        ("PRAGMA = 1", "a PRAGMA names the pragma after PRAGMA"),
    ] {
        let e = parse_change(sql, &Schema::default()).unwrap_err();
        assert!(e.reason().contains(said), "{sql}: {}", e.reason());
        assert!(crate::ddl::pragmas(sql).is_empty(), "{sql}");
    }
}

/// Checks that concern other objects are made on the schema the script
/// leaves; the ops recorded still project one by one.
mod deferred {
    use super::*;

    const BLOG: &str = "CREATE TABLE users (id integer primary key, name text);
         CREATE TABLE posts (id integer primary key, user_id integer REFERENCES users(id));
         CREATE VIEW names AS SELECT name FROM users;
         CREATE VIEW named AS SELECT * FROM names;
         CREATE TABLE audit (what text);
         CREATE TRIGGER posts_log AFTER INSERT ON posts BEGIN INSERT INTO audit SELECT name FROM users; END;";

    fn kinds(ops: &[Op]) -> Vec<&'static str> {
        ops.iter().map(Op::kind).collect()
    }

    /// The ops of `sql` on `head` and the schema they leave, checked to be
    /// the schema SQLite leaves, and the ops' inverse checked to lead back.
    fn recorded(head_sql: &str, sql: &str) -> (Vec<Op>, Schema) {
        let head = schema(head_sql);
        let ops = ops_on(&head, sql);
        let s = after(&head, sql);
        let db = rusqlite::Connection::open_in_memory().expect("memory");
        db.execute_batch(&format!("{head_sql};\n{sql}"))
            .expect("SQLite runs the script");
        let live = crate::introspect::introspect(&db).expect("introspect");
        assert_eq!(live, s, "the schema SQLite leaves");
        let mut back = s.clone();
        let inverse = strata_schema::invert_all(&ops).expect("no data step");
        project_all(RULES, &mut back, &inverse).expect("the inverse fits");
        assert_eq!(back, head);
        (ops, s)
    }

    #[test]
    fn a_table_others_name_is_dropped_and_created_again() {
        let (ops, s) = recorded(
            BLOG,
            "DROP TABLE users; CREATE TABLE users (id integer primary key, name text, email text);",
        );
        assert_eq!(
            kinds(&ops),
            [
                "drop_trigger",
                "drop_view",
                "drop_view",
                "drop_foreign_key",
                "drop_table",
                "create_table",
                "create_view",
                "create_view",
                "add_foreign_key",
                "create_trigger",
            ],
            "{ops:?}"
        );
        assert_eq!(table(&s, "users").columns.len(), 3);
        assert_eq!(table(&s, "posts").foreign_keys[0].ref_table, "users");
    }

    #[test]
    fn a_foreign_key_may_name_a_table_created_further_down() {
        let (ops, s) = recorded(
            "",
            "CREATE TABLE posts (id integer primary key, user_id integer REFERENCES users(id));
             CREATE VIEW titles AS SELECT id FROM later;
             CREATE TABLE users (id integer primary key);
             CREATE TABLE later (id integer);",
        );
        assert_eq!(
            kinds(&ops),
            [
                "create_table",
                "create_table",
                "create_table",
                "create_view",
                "add_foreign_key"
            ],
            "{ops:?}"
        );
        assert_eq!(table(&s, "posts").foreign_keys.len(), 1);
    }

    #[test]
    fn what_is_dropped_with_its_reader_stays_dropped() {
        let (ops, s) = recorded(
            BLOG,
            "DROP TABLE users; DROP VIEW named; DROP VIEW names; DROP TRIGGER posts_log;
             CREATE TABLE users (id integer primary key);",
        );
        assert!(s.views.is_empty() && s.triggers.is_empty(), "{s:?}");
        assert_eq!(kinds(&ops).last(), Some(&"add_foreign_key"), "{ops:?}");
    }

    #[test]
    fn a_script_that_leaves_a_name_dangling_is_refused_where_it_first_did() {
        let head = schema(BLOG);
        let e = error_on(
            &head,
            "CREATE TABLE t (x int);\nDROP TABLE users;\nCREATE TABLE user_list (id integer primary key);",
        );
        assert_eq!(e.statement, 2, "{e}");
        assert!(
            e.to_string().contains("table users is still used by"),
            "{e}"
        );
        let e = error("CREATE TABLE posts (user_id integer REFERENCES users(id));");
        assert!(e.to_string().contains("which is not a table"), "{e}");
        // Created further down, but without the column the key names.
        let e = error(
            "CREATE TABLE posts (user_id integer REFERENCES users(id));
             CREATE TABLE users (uid integer primary key);",
        );
        assert_eq!(e.statement, 1, "{e}");
    }

    #[test]
    fn a_hand_written_rebuild_with_a_view_on_the_table() {
        let (ops, s) = recorded(
            BLOG,
            "PRAGMA legacy_alter_table = on;
             CREATE TABLE new_users (id integer primary key, name text, email text);
             INSERT INTO new_users (id, name) SELECT id, name FROM users;
             DROP TABLE users;
             ALTER TABLE new_users RENAME TO users;
             PRAGMA legacy_alter_table = off;",
        );
        assert!(kinds(&ops).contains(&"add_column"), "{ops:?}");
        assert_eq!(s.views.len(), 2);
    }
}
