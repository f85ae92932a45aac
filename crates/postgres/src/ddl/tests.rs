//! Unit tests of the PostgreSQL DDL reader: each statement kind, refusals
//! and where they are, names, round trips, and inputs that must not panic.

use proptest::prelude::*;
use strata_schema::{
    project, Check, Column, FkAction, ForeignKey, Generated, Index, IndexTerm, IndexedColumn, Op,
    PrimaryKey, ProjectError, Schema, Table, Trigger, Unique, View,
};
use strata_schema::{DefinitionKind, Identity};

use super::{parse_change, DdlError, DdlErrorKind, RULES};

fn ops(sql: &str) -> Vec<Op> {
    ops_on(&Schema::default(), sql)
}

fn ops_on(head: &Schema, sql: &str) -> Vec<Op> {
    parse_change(sql, head).unwrap_or_else(|e| panic!("{e}"))
}

fn schema(sql: &str) -> Schema {
    schema_on(Schema::default(), sql)
}

fn schema_on(mut head: Schema, sql: &str) -> Schema {
    for op in ops_on(&head, sql) {
        project(RULES, &mut head, &op).unwrap();
    }
    head
}

fn err(head: &Schema, sql: &str) -> DdlError {
    match parse_change(sql, head) {
        Ok(ops) => panic!("accepted: {ops:?}"),
        Err(e) => e,
    }
}

fn not_recordable(sql: &str) -> String {
    match err(&Schema::default(), sql).kind {
        DdlErrorKind::NotRecordable(m) => m,
        k => panic!("not NotRecordable: {k:?}"),
    }
}

fn table(s: &Schema, name: &str) -> Table {
    s.tables
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn create_table_with_every_column_clause() {
    let s = schema(
        "CREATE TABLE users (
            id INT PRIMARY KEY,
            email VARCHAR(50) NOT NULL UNIQUE,
            name TEXT COLLATE \"C\" DEFAULT 'x' NULL,
            age Integer CHECK (age >= 0),
            price NUMERIC( 10 , 2 ) DEFAULT 0 NOT NULL,
            at TIMESTAMP WITH TIME ZONE DEFAULT now(),
            tags TEXT[],
            doubled int GENERATED ALWAYS AS (age * 2) STORED
        );
        CREATE TABLE orders (
            id int,
            user_id int REFERENCES users (id) ON DELETE CASCADE,
            CONSTRAINT orders_pk PRIMARY KEY (id)
        )",
    );
    let users = table(&s, "users");
    let col = |n: &str| users.columns.iter().find(|c| c.name == n).unwrap().clone();
    assert_eq!(
        col("id"),
        Column {
            not_null: true,
            ..Column::new("id", "int")
        }
    );
    assert_eq!(
        col("email"),
        Column {
            not_null: true,
            ..Column::new("email", "varchar(50)")
        }
    );
    assert_eq!(
        col("name"),
        Column {
            default: Some("'x'".into()),
            collation: Some("C".into()),
            ..Column::new("name", "text")
        }
    );
    assert_eq!(col("age").ty, "integer");
    assert_eq!(col("price").ty, "numeric(10,2)");
    assert_eq!(col("price").default.as_deref(), Some("0"));
    assert!(col("price").not_null);
    assert_eq!(col("at").ty, "timestamp with time zone");
    assert_eq!(col("at").default.as_deref(), Some("now()"));
    assert_eq!(col("tags").ty, "text[]");
    assert_eq!(
        col("doubled").generated,
        Some(Generated {
            expr: "age * 2".into(),
            stored: true
        })
    );
    assert_eq!(
        users.primary_key,
        Some(PrimaryKey {
            name: Some("users_pkey".into()),
            columns: vec!["id".into()],
            ..PrimaryKey::default()
        })
    );
    assert_eq!(
        users.uniques,
        vec![Unique {
            name: Some("users_email_key".into()),
            columns: vec!["email".into()],
            ..Unique::default()
        }]
    );
    assert_eq!(
        users.checks,
        vec![Check {
            name: Some("users_age_check".into()),
            expr: "age >= 0".into()
        }]
    );
    let orders = table(&s, "orders");
    assert_eq!(
        orders.primary_key.unwrap().name.as_deref(),
        Some("orders_pk")
    );
    assert_eq!(
        orders.foreign_keys,
        vec![ForeignKey {
            name: Some("orders_user_id_fkey".into()),
            columns: vec!["user_id".into()],
            ref_table: "users".into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            ..ForeignKey::default()
        }]
    );
}

#[test]
fn table_constraints_and_deferred_foreign_keys() {
    let s = schema(
        "CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));
         CREATE TABLE c (
            x int, y int,
            CONSTRAINT c_u UNIQUE (x, y),
            UNIQUE (y, x),
            CHECK (x < y),
            CHECK (x > 0),
            FOREIGN KEY (x, y) REFERENCES public.p (a, b) ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED
         )",
    );
    let p = table(&s, "p");
    assert!(p.columns.iter().all(|c| c.not_null));
    assert_eq!(p.primary_key.unwrap().name.as_deref(), Some("p_pkey"));
    let c = table(&s, "c");
    let names: Vec<_> = c.uniques.iter().map(|u| u.name.clone().unwrap()).collect();
    assert_eq!(names, ["c_u", "c_y_x_key"]);
    let names: Vec<_> = c.checks.iter().map(|k| k.name.clone().unwrap()).collect();
    // A check reading two columns is named after the table only.
    assert_eq!(names, ["c_check", "c_x_check"]);
    let fk = &c.foreign_keys[0];
    assert_eq!(fk.name.as_deref(), Some("c_x_y_fkey"));
    assert_eq!(fk.on_update, FkAction::SetNull);
    assert!(fk.deferred);
}

#[test]
fn default_names_take_a_number_while_taken() {
    let s = schema(
        "CREATE TABLE t (a int CHECK (a > 0) CHECK (a < 10), b int UNIQUE, UNIQUE (b));
         CREATE TABLE u (a int CONSTRAINT u_a_check CHECK (a > 1), CHECK (a > 2));",
    );
    let t = table(&s, "t");
    let names: Vec<_> = t.checks.iter().map(|k| k.name.clone().unwrap()).collect();
    assert_eq!(names, ["t_a_check", "t_a_check1"]);
    let names: Vec<_> = t.uniques.iter().map(|k| k.name.clone().unwrap()).collect();
    assert_eq!(names, ["t_b_key", "t_b_key1"]);
    let u = table(&s, "u");
    let names: Vec<_> = u.checks.iter().map(|k| k.name.clone().unwrap()).collect();
    assert_eq!(names, ["u_a_check", "u_a_check1"]);
    // Names are PostgreSQL's per schema: another table's constraint, or a
    // relation for a key (its index bears the name), takes a name too.
    let s = schema_on(
        s,
        "CREATE TABLE v_pkey (a int); CREATE TABLE v (a int PRIMARY KEY);
         ALTER TABLE v ADD CONSTRAINT w_a_check CHECK (a > 0);
         CREATE TABLE w (a int CHECK (a > 0))",
    );
    assert_eq!(
        table(&s, "v").primary_key.unwrap().name.as_deref(),
        Some("v_pkey1")
    );
    assert_eq!(table(&s, "w").checks[0].name.as_deref(), Some("w_a_check1"));
    // Long names are cut to PostgreSQL's 63 bytes.
    let long = "t".repeat(60);
    let s = schema(&format!("CREATE TABLE {long} (email text UNIQUE)"));
    let name = table(&s, &long).uniques[0].name.clone().unwrap();
    assert_eq!(name.len(), 63);
    assert!(name.ends_with("_email_key"));
}

#[test]
fn names_fold_unless_quoted() {
    let s =
        schema("CREATE TABLE Users (Id INT, \"Name\" text); CREATE TABLE \"Users\" (x int, y int)");
    let users = table(&s, "users");
    assert_eq!(users.columns[0].name, "id");
    assert_eq!(users.columns[1].name, "Name");
    assert!(s.tables.contains_key("Users"));
    let s = schema_on(
        s,
        "ALTER TABLE USERS ADD COLUMN Age int; ALTER TABLE public.\"Users\" DROP COLUMN X",
    );
    assert_eq!(table(&s, "users").columns[2].name, "age");
    // Another schema's objects are schema.name; "public" quoted is still
    // public; "PUBLIC" is another schema.
    assert!(schema("CREATE TABLE Other.T (a int)")
        .tables
        .contains_key("other.t"));
    assert!(schema("CREATE TABLE \"public\".t (a int)")
        .tables
        .contains_key("t"));
    assert!(schema("CREATE TABLE \"PUBLIC\".t (a int)")
        .tables
        .contains_key("PUBLIC.t"));
}

#[test]
fn refusals_say_why() {
    for (sql, says) in [
        (
            "CREATE TABLE t (id serial DEFAULT 1)",
            "a default of its own",
        ),
        (
            "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (AS bigint))",
            "the column's type",
        ),
        (
            "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME s))",
            "strata lets PostgreSQL name it (t_id_seq)",
        ),
        (
            "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (INCREMENT BY 0))",
            "must not be zero",
        ),
        (
            "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (MINVALUE 10 START WITH 5))",
            "do not make a sequence",
        ),
        (
            "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (MAXVALUE 99999999999999999999))",
            "out of range",
        ),
        (
            "CREATE TABLE t (id text GENERATED ALWAYS AS IDENTITY)",
            "smallint, integer or bigint",
        ),
        (
            "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (RESTART 5))",
            "RESTART",
        ),
        ("CREATE TEMP TABLE t (a int)", "temporary"),
        ("CREATE UNLOGGED TABLE t (a int)", "unlogged"),
        (
            "CREATE TABLE t (a int) PARTITION BY RANGE (a) TABLESPACE x",
            "TABLESPACE",
        ),
        (
            "CREATE TABLE t PARTITION OF u (a NOT NULL) DEFAULT",
            "add them with ALTER TABLE",
        ),
        ("CREATE TABLE t (a int) INHERITS (u)", "INHERITS"),
        ("CREATE TABLE t (a int) WITH (fillfactor = 70)", "WITH"),
        ("CREATE TABLE t (LIKE u)", "LIKE"),
        ("CREATE TABLE t AS SELECT 1", "AS"),
        (
            "CREATE TABLE t (a int, EXCLUDE USING gist (a WITH =))",
            "exclusion",
        ),
        (
            "CREATE TABLE t (a int REFERENCES u MATCH FULL)",
            "MATCH FULL",
        ),
        (
            "CREATE TABLE t (a int UNIQUE NOT DEFERRABLE INITIALLY DEFERRED)",
            "must be DEFERRABLE",
        ),
        (
            "CREATE TABLE t (a int CHECK (a > 0) NO INHERIT)",
            "NO INHERIT",
        ),
        (
            "CREATE MATERIALIZED VIEW strata.v AS SELECT 1",
            "strata's own",
        ),
        ("CREATE TABLE \"a.b\" (x int)", "a period"),
        ("CREATE TABLE db.s.t (x int)", "qualified by a database"),
        ("COMMENT ON CONSTRAINT c ON DOMAIN d IS 'x'", "ON DOMAIN"),
        ("COMMENT ON SCHEMA s IS 'x'", "COMMENT ON SCHEMA"),
    ] {
        let m = not_recordable(sql);
        assert!(m.contains(says), "{sql}: {m}");
    }
}

#[test]
fn several_alterations_in_one_alter_table() {
    let head = schema("CREATE TABLE t (id int PRIMARY KEY, a text DEFAULT 'x', b int)");
    let ops = ops_on(
        &head,
        "ALTER TABLE t ADD COLUMN c VARCHAR(10) NOT NULL DEFAULT '', ADD CONSTRAINT c_ok CHECK (c <> 'z'),
            ALTER COLUMN a SET NOT NULL, ALTER a DROP DEFAULT, ALTER COLUMN b TYPE BIGINT,
            ADD UNIQUE (c), DROP COLUMN b",
    );
    let kinds: Vec<_> = ops.iter().map(Op::kind).collect();
    assert_eq!(
        kinds,
        [
            "add_column",
            "add_check",
            "alter_column",
            "alter_column",
            "alter_column",
            "add_unique",
            "drop_column"
        ]
    );
    assert_eq!(
        ops[0],
        Op::AddColumn {
            table: "t".into(),
            column: Column {
                not_null: true,
                default: Some("''".into()),
                ..Column::new("c", "varchar(10)")
            },
            position: 3
        }
    );
    let Op::AlterColumn { from, to, .. } = &ops[4] else {
        panic!()
    };
    assert_eq!((from.ty.as_str(), to.ty.as_str()), ("int", "bigint"));
    let Op::AddUnique { unique, .. } = &ops[5] else {
        panic!()
    };
    assert_eq!(unique.name.as_deref(), Some("t_c_key"));
    let s = schema_on(
        head,
        "ALTER TABLE t RENAME COLUMN a TO aa; ALTER TABLE t RENAME TO tt; ALTER TABLE tt ALTER aa SET DEFAULT 'y' || 'z'",
    );
    let tt = table(&s, "tt");
    assert_eq!(tt.columns[1].name, "aa");
    assert_eq!(tt.columns[1].default.as_deref(), Some("'y' || 'z'"));
}

#[test]
fn drop_column_carries_its_definition_and_what_involves_it() {
    let head = schema(
        "CREATE TABLE t (id int PRIMARY KEY, a text NOT NULL DEFAULT 'x' UNIQUE CHECK (a <> ''), b int);
         CREATE INDEX t_a ON t (lower(a))",
    );
    let ops = ops_on(&head, "ALTER TABLE t DROP COLUMN a");
    let kinds: Vec<_> = ops.iter().map(Op::kind).collect();
    assert_eq!(
        kinds,
        ["drop_index", "drop_unique", "drop_check", "drop_column"]
    );
    assert_eq!(
        ops[3],
        Op::DropColumn {
            table: "t".into(),
            column: Column {
                not_null: true,
                default: Some("'x'".into()),
                ..Column::new("a", "text")
            },
            position: 1
        }
    );
    assert!(not_recordable_on(&head, "ALTER TABLE t DROP COLUMN b CASCADE").contains("CASCADE"));
    assert_eq!(
        ops_on(&head, "ALTER TABLE t DROP COLUMN IF EXISTS zz"),
        vec![]
    );
}

fn not_recordable_on(head: &Schema, sql: &str) -> String {
    match err(head, sql).kind {
        DdlErrorKind::NotRecordable(m) => m,
        k => panic!("not NotRecordable: {k:?}"),
    }
}

#[test]
fn drop_constraint_by_the_name_postgresql_gave_it() {
    let head = schema(
        "CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE, age int CHECK (age > 0));
         CREATE TABLE orders (id int, user_id int REFERENCES users)",
    );
    let ops = ops_on(
        &head,
        "ALTER TABLE users DROP CONSTRAINT users_email_key, DROP CONSTRAINT users_age_check;
         ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey",
    );
    assert_eq!(
        ops[0],
        Op::DropUnique {
            table: "users".into(),
            unique: Unique {
                name: Some("users_email_key".into()),
                columns: vec!["email".into()],
                ..Unique::default()
            },
            position: 0
        }
    );
    assert_eq!(ops[1].kind(), "drop_check");
    let Op::DropForeignKey { foreign_key, .. } = &ops[2] else {
        panic!()
    };
    assert_eq!(foreign_key.ref_table, "users");
    assert!(foreign_key.ref_columns.is_empty());
    // The key a foreign key refers to stays (PostgreSQL would need CASCADE).
    assert!(matches!(
        err(&head, "ALTER TABLE users DROP CONSTRAINT users_pkey").kind,
        DdlErrorKind::Project(_)
    ));
    assert!(matches!(
        err(&head, "ALTER TABLE users DROP CONSTRAINT nope").kind,
        DdlErrorKind::Project(ProjectError::NoSuchObject { .. })
    ));
    assert_eq!(
        ops_on(&head, "ALTER TABLE users DROP CONSTRAINT IF EXISTS nope"),
        vec![]
    );
    assert!(matches!(
        err(&head, "ALTER TABLE users ADD PRIMARY KEY (email)").kind,
        DdlErrorKind::Project(ProjectError::AlreadyExists { .. })
    ));
    assert!(not_recordable_on(
        &head,
        "ALTER TABLE users ALTER age TYPE bigint USING age::bigint"
    )
    .contains("USING"));
}

#[test]
fn create_and_drop_index() {
    let head = schema("CREATE TABLE t (a text, b int)");
    let ops = ops_on(
        &head,
        "CREATE UNIQUE INDEX Ix ON t USING btree (a COLLATE \"C\" DESC, (lower(a)), b ASC) WHERE b > 0;
         CREATE INDEX ON t (b); CREATE INDEX ON t (lower(a))",
    );
    assert_eq!(
        ops[0],
        Op::CreateIndex {
            index: Index {
                name: "ix".into(),
                table: "t".into(),
                unique: true,
                columns: vec![
                    IndexedColumn {
                        term: IndexTerm::Column("a".into()),
                        collation: Some("C".into()),
                        desc: true
                    },
                    IndexedColumn {
                        term: IndexTerm::Expr("lower(a)".into()),
                        collation: None,
                        desc: false
                    },
                    IndexedColumn {
                        term: IndexTerm::Column("b".into()),
                        collation: None,
                        desc: false
                    },
                ],
                predicate: Some("b > 0".into()),
                ..Index::default()
            }
        }
    );
    let Op::CreateIndex { index } = &ops[1] else {
        panic!()
    };
    assert_eq!(index.name, "t_b_idx");
    let Op::CreateIndex { index } = &ops[2] else {
        panic!()
    };
    assert_eq!(index.name, "t_expr_idx");
    assert_eq!(index.columns[0].term, IndexTerm::Expr("lower(a)".into()));
    for (sql, says) in [
        ("CREATE INDEX i ON t USING bloom (a)", "bloom indexes"),
        ("CREATE INDEX CONCURRENTLY i ON t (a)", "transaction"),
        (
            "CREATE INDEX i ON t (a text_pattern_ops)",
            "operator classes",
        ),
        ("CREATE INDEX i ON t (a NULLS FIRST)", "NULLS FIRST"),
    ] {
        let m = not_recordable_on(&head, sql);
        assert!(m.contains(says), "{sql}: {m}");
    }
    let s = schema_on(head, "CREATE INDEX i ON t (a); CREATE INDEX j ON t (b)");
    let ops = ops_on(&s, "DROP INDEX i, public.j");
    assert_eq!(ops.len(), 2);
    assert!(matches!(&ops[0], Op::DropIndex { index } if index.name == "i" && index.table == "t"));
}

#[test]
fn views() {
    let head = schema("CREATE TABLE a (id int); CREATE TABLE b (id int)");
    let sql = "CREATE VIEW V AS WITH w AS (SELECT id FROM a) SELECT * FROM w JOIN public.b USING (id) WHERE id IN (SELECT id FROM \"a\")";
    let ops = ops_on(&head, sql);
    assert_eq!(
        ops,
        vec![Op::CreateView {
            view: View {
                name: "v".into(),
                sql: sql.into(),
                depends_on: vec!["a".into(), "b".into()]
            }
        }]
    );
    let s = schema_on(head.clone(), sql);
    let ops = ops_on(&s, "CREATE OR REPLACE VIEW v AS SELECT id FROM b");
    assert_eq!(ops[0].kind(), "drop_view");
    assert_eq!(
        ops[1],
        Op::CreateView {
            view: View {
                name: "v".into(),
                sql: "CREATE VIEW v AS SELECT id FROM b".into(),
                depends_on: vec!["b".into()]
            }
        }
    );
    assert_eq!(
        ops_on(&head, "CREATE OR REPLACE VIEW w AS SELECT 1").len(),
        1
    );
    assert!(matches!(
        &ops_on(&s, "DROP VIEW v")[..],
        [Op::DropView { .. }]
    ));
    assert!(matches!(
        err(&head, "CREATE VIEW v AS SELECT * FROM other.t").kind,
        DdlErrorKind::Project(_)
    ));
    assert!(not_recordable_on(&head, "CREATE TEMP VIEW v AS SELECT 1").contains("temporary"));
    assert!(
        not_recordable_on(&head, "CREATE OR REPLACE TEMP VIEW v AS SELECT 1").contains("temporary")
    );
}

#[test]
fn triggers() {
    let head = schema("CREATE TABLE t (a int, at timestamp)");
    let sql = "CREATE TRIGGER touch BEFORE UPDATE ON T FOR EACH ROW EXECUTE FUNCTION touch()";
    let ops = ops_on(&head, sql);
    assert_eq!(
        ops,
        vec![Op::CreateTrigger {
            trigger: Trigger {
                name: "touch".into(),
                table: "t".into(),
                sql: sql.into(),
                depends_on: vec![]
            }
        }]
    );
    let s = schema_on(head, sql);
    // String arguments to the function, and a function in pg_catalog.
    let fts = "CREATE TRIGGER fts BEFORE INSERT OR UPDATE OF a, at ON public.t FOR EACH ROW EXECUTE FUNCTION pg_catalog.tsvector_update_trigger('fulltext', 'pg_catalog.english', 'title')";
    assert!(
        matches!(&ops_on(&s, fts)[..], [Op::CreateTrigger { trigger }] if trigger.table == "t" && trigger.sql == fts)
    );
    for sql in [
        "CREATE TRIGGER x ON t EXECUTE FUNCTION f()",
        "CREATE TRIGGER x BEFORE ON t EXECUTE FUNCTION f()",
        "CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW",
    ] {
        assert!(
            matches!(err(&s, sql).kind, DdlErrorKind::Syntax(_)),
            "{sql}"
        );
    }
    let ops = ops_on(&s, "DROP TRIGGER touch ON t");
    assert!(matches!(&ops[..], [Op::DropTrigger { trigger }] if trigger.sql == sql));
    // Each table has its own trigger names: u has no trigger touch.
    let e = err(&s, "DROP TRIGGER touch ON u").to_string();
    assert!(e.contains("no trigger named touch on u"), "{e}");
    assert!(not_recordable_on(
        &s,
        "CREATE OR REPLACE TRIGGER touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()"
    )
    .contains("DROP TRIGGER and CREATE TRIGGER"));
    // DROP TABLE takes the table's triggers and indexes with it.
    let s = schema_on(s, "CREATE INDEX i ON t (a)");
    let kinds: Vec<_> = ops_on(&s, "DROP TABLE t").iter().map(Op::kind).collect();
    assert_eq!(kinds, ["drop_trigger", "drop_index", "drop_table"]);
}

#[test]
fn drop_tables() {
    let head = schema(
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p int REFERENCES p); CREATE TABLE x (a int)",
    );
    // p is referred to by c: dropped after it, whatever the order written.
    let ops = ops_on(&head, "DROP TABLE p, c");
    assert!(
        matches!(&ops[..], [Op::DropTable { table: a }, Op::DropTable { table: b }] if a.name == "c" && b.name == "p")
    );
    assert!(not_recordable_on(&head, "DROP TABLE x CASCADE").contains("CASCADE"));
    assert_eq!(ops_on(&head, "DROP TABLE IF EXISTS nope"), vec![]);
    assert!(matches!(
        err(&head, "DROP TABLE p").kind,
        DdlErrorKind::Project(ProjectError::InUse { .. })
    ));
}

#[test]
fn data_steps_and_transactions() {
    let ops = ops(
        "BEGIN; CREATE TABLE t (a int); INSERT INTO t VALUES (1), (N'2');
         UPDATE public.t SET a = 2; DELETE FROM t WHERE a = 2; COMMIT;",
    );
    let data: Vec<_> = ops
        .iter()
        .filter_map(|o| match o {
            Op::Data { sql } => Some(sql.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        data,
        [
            "INSERT INTO t VALUES (1), (N'2')",
            "UPDATE public.t SET a = 2",
            "DELETE FROM t WHERE a = 2"
        ]
    );
    assert!(not_recordable("INSERT INTO strata.x VALUES (1)").contains("strata's own"));
    for sql in ["SELECT 1", "GRANT SELECT ON t TO x"] {
        assert_eq!(
            err(&Schema::default(), sql).kind,
            DdlErrorKind::Unsupported,
            "{sql}"
        );
    }
}

#[test]
fn errors_say_where() {
    let e = err(
        &Schema::default(),
        "CREATE TABLE t (a int);\n\n  CREATE TABLE u (a int REFERENCES nope);",
    );
    assert_eq!((e.statement, e.line, e.column), (2, 3, 3));
    assert_eq!(e.excerpt, "CREATE TABLE u (a int REFERENCES nope)");
    assert!(matches!(e.kind, DdlErrorKind::Project(_)), "{e}");
    let e = err(&Schema::default(), "CREATE TABLE t (a int,);");
    assert!(
        matches!(&e.kind, DdlErrorKind::Syntax(m) if m.contains("line 1")),
        "{e}"
    );
    let e = err(
        &Schema::default(),
        "CREATE TABLE t (a int);\nINSERT INTO t VALUES ('x);",
    );
    assert_eq!((e.statement, e.line, e.column), (2, 2, 1));
    assert!(matches!(e.kind, DdlErrorKind::Syntax(_)), "{e}");
    let e = err(
        &Schema::default(),
        "CREATE TABLE t (a int);\nCREATE TABLE t (a int);",
    );
    assert!(matches!(
        e.kind,
        DdlErrorKind::Project(ProjectError::AlreadyExists { .. })
    ));
    assert_eq!(
        e.to_string(),
        "statement 2 (line 2, column 1): CREATE TABLE t (a int): table t already exists"
    );
}

#[test]
fn rendered_schema_reads_back_the_same() {
    let s = schema(
        "CREATE TABLE \"Users\" (
            id bigint PRIMARY KEY,
            email varchar(200) NOT NULL COLLATE \"C\",
            score numeric(10,2) DEFAULT 0 CHECK (score >= 0),
            \"Nick\" text GENERATED ALWAYS AS (upper(email)) STORED,
            CONSTRAINT email_once UNIQUE (email)
        );
        CREATE TABLE orders (
            id int,
            user_id bigint,
            note text,
            CONSTRAINT orders_pk PRIMARY KEY (id),
            CONSTRAINT to_user FOREIGN KEY (user_id) REFERENCES \"Users\" (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
            CHECK (note <> '' AND id > 0)
        );
        ALTER TABLE \"Users\" ADD COLUMN last_order int REFERENCES orders (id) ON UPDATE RESTRICT;
        CREATE UNIQUE INDEX users_lower ON \"Users\" (lower(email) DESC, id) WHERE id > 0;
        CREATE VIEW big AS SELECT * FROM orders WHERE id > 100;
        CREATE VIEW bigger AS SELECT * FROM big WHERE id > 1000;
        CREATE TRIGGER t BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION f();",
    );
    let script = crate::render::render_schema(&s).join(";\n");
    let back = schema(&script);
    assert_eq!(back, s, "{script}");
}

#[test]
fn chinook_reads() {
    let path = "/work/shared/corpus/postgres/chinook/Chinook_PostgreSql.sql";
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    // Lines 1-28 make the database and connect to it (psql's \c).
    let body = text
        .split_once("\\c chinook;")
        .map_or(text.as_str(), |(_, b)| b);
    let s = schema(body);
    assert_eq!(s.tables.len(), 11);
    assert_eq!(s.indexes.len(), 11);
    let fks: usize = s.tables.values().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(fks, 11);
    let track = table(&s, "playlist_track");
    assert_eq!(
        track.primary_key.unwrap().name.as_deref(),
        Some("playlist_track_pkey")
    );
}

proptest! {
    #[test]
    fn never_panics(sql in "\\PC{0,120}") {
        let _ = parse_change(&sql, &Schema::default());
    }

    #[test]
    fn never_panics_on_ddl_like_text(
        words in proptest::collection::vec(
            prop_oneof![
                Just("CREATE"), Just("TABLE"), Just("ALTER"), Just("DROP"), Just("INDEX"),
                Just("t"), Just("("), Just(")"), Just(","), Just(";"), Just("int"),
                Just("PRIMARY"), Just("KEY"), Just("CHECK"), Just("DEFAULT"), Just("ADD"),
                Just("COLUMN"), Just("CONSTRAINT"), Just("UNIQUE"), Just("a"), Just("ON"),
                Just("REFERENCES"), Just("NOT"), Just("NULL"), Just("'x'"), Just("CASE"),
                Just("END"), Just("VIEW"), Just("AS"), Just("SELECT"), Just("\""), Just("$$"),
            ],
            0..30,
        )
    ) {
        let _ = parse_change(&words.join(" "), &Schema::default());
        let head = schema("CREATE TABLE t (a int PRIMARY KEY, b text UNIQUE)");
        let _ = parse_change(&words.join(" "), &head);
    }
}

#[test]
fn types_defaults_and_collations_as_written() {
    let s = schema(
        "CREATE TABLE u (
            a \"char\", b DOUBLE PRECISION, c bit varying(5), e TIMESTAMP(3) WITHOUT TIME ZONE,
            g public.mytype, h \"MyType\", i int ARRAY,
            j int DEFAULT 1 + 2 * 3,
            k text DEFAULT CASE WHEN true THEN 'a' ELSE NULL END NOT NULL,
            l text DEFAULT 'x'::text COLLATE pg_catalog.\"default\",
            m date DEFAULT current_date NOT NULL
        )",
    );
    let u = table(&s, "u");
    let types: Vec<_> = u.columns.iter().map(|c| c.ty.as_str()).collect();
    assert_eq!(
        types,
        [
            "\"char\"",
            "double precision",
            "bit varying(5)",
            "timestamp(3) without time zone",
            "public.mytype",
            "\"MyType\"",
            "int array",
            "int",
            "text",
            "text",
            "date"
        ]
    );
    let defaults: Vec<_> = u.columns[7..]
        .iter()
        .map(|c| c.default.clone().unwrap())
        .collect();
    assert_eq!(
        defaults,
        [
            "1 + 2 * 3",
            "CASE WHEN true THEN 'a' ELSE NULL END",
            "'x'::text",
            "current_date"
        ]
    );
    assert!(u.columns[8].not_null && u.columns[10].not_null);
    assert_eq!(u.columns[9].collation.as_deref(), Some("default"));
    // A view WITH CHECK OPTION is kept with it.
    let sql = "CREATE VIEW w AS SELECT a FROM u WITH LOCAL CHECK OPTION";
    let s = schema_on(s, sql);
    assert_eq!(s.views["w"].sql, sql);
    assert_eq!(s.views["w"].depends_on, ["u"]);
    // PostgreSQL cuts a name to 63 bytes.
    let s = schema(&format!("CREATE TABLE {} (a int)", "x".repeat(70)));
    assert!(s.tables.contains_key(&"x".repeat(63)));
}

#[test]
fn deferrable_keys_uniques_and_foreign_keys() {
    let s = schema(
        "CREATE TABLE p (a int PRIMARY KEY DEFERRABLE, b int UNIQUE DEFERRABLE INITIALLY DEFERRED, c int UNIQUE INITIALLY DEFERRED, d int UNIQUE NOT DEFERRABLE);
         CREATE TABLE q (x int REFERENCES p DEFERRABLE, y int REFERENCES p DEFERRABLE INITIALLY IMMEDIATE, z int REFERENCES p INITIALLY DEFERRED DEFERRABLE,
             w int, CONSTRAINT k UNIQUE (w) DEFERRABLE, CONSTRAINT f FOREIGN KEY (w) REFERENCES p NOT DEFERRABLE)",
    );
    let p = &s.tables["p"];
    let pk = p.primary_key.as_ref().unwrap();
    assert_eq!((pk.deferred, pk.deferrable), (false, true));
    let deferral: Vec<(bool, bool)> = p
        .uniques
        .iter()
        .map(|u| (u.deferred, u.deferrable))
        .collect();
    assert_eq!(deferral, [(true, false), (true, false), (false, false)]);
    let q = &s.tables["q"];
    let deferral: Vec<(bool, bool)> = q
        .foreign_keys
        .iter()
        .map(|f| (f.deferred, f.deferrable))
        .collect();
    assert_eq!(
        deferral,
        [(false, true), (false, true), (true, false), (false, false)]
    );
    assert_eq!(
        (q.uniques[0].deferred, q.uniques[0].deferrable),
        (false, true)
    );

    // ALTER CONSTRAINT changes a foreign key's deferral in its place.
    let ops = ops_on(
        &s,
        "ALTER TABLE q ALTER CONSTRAINT f DEFERRABLE INITIALLY DEFERRED",
    );
    let kinds: Vec<&str> = ops.iter().map(Op::kind).collect();
    assert_eq!(kinds, ["drop_foreign_key", "add_foreign_key"]);
    let Op::AddForeignKey {
        foreign_key,
        position,
        ..
    } = &ops[1]
    else {
        panic!()
    };
    assert_eq!(
        (foreign_key.deferred, foreign_key.deferrable, *position),
        (true, false, 3)
    );
    assert!(ops_on(&s, "ALTER TABLE q ALTER CONSTRAINT f NOT DEFERRABLE").is_empty());
    let m = not_recordable_on(&s, "ALTER TABLE q ALTER CONSTRAINT k DEFERRABLE");
    assert!(m.contains("not a foreign key"), "{m}");
}

#[test]
fn identity_options_are_kept_as_they_differ_from_the_defaults() {
    let s = schema(
        "CREATE TABLE t (a int GENERATED ALWAYS AS IDENTITY (START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1 SEQUENCE NAME public.t_a_seq),
                         b bigint GENERATED BY DEFAULT AS IDENTITY (START 100 INCREMENT 10 CACHE 20),
                         c smallint GENERATED ALWAYS AS IDENTITY (INCREMENT BY -1 CYCLE),
                         d int GENERATED ALWAYS AS IDENTITY (MINVALUE 5))",
    );
    let options: Vec<Option<&str>> = s.tables["t"]
        .columns
        .iter()
        .map(|c| c.identity_options.as_deref())
        .collect();
    assert_eq!(
        options,
        [
            None,
            Some("INCREMENT BY 10 START WITH 100 CACHE 20"),
            Some("INCREMENT BY -1 CYCLE"),
            Some("MINVALUE 5"),
        ]
    );
    // SET options keep what they do not name; NO MAXVALUE is the
    // default for the direction the sequence goes.
    let altered = |sql: &str| -> Vec<(Option<Identity>, Option<String>)> {
        ops_on(&s, sql)
            .iter()
            .map(|op| match op {
                Op::AlterColumn { to, .. } => (to.identity, to.identity_options.clone()),
                _ => panic!("{op:?}"),
            })
            .collect()
    };
    assert_eq!(
        altered("ALTER TABLE t ALTER COLUMN b SET INCREMENT BY 5 SET NO CYCLE, ALTER COLUMN d SET GENERATED BY DEFAULT SET START WITH 5"),
        [
            (
                Some(Identity::ByDefault),
                Some("INCREMENT BY 5 START WITH 100 CACHE 20".to_string())
            ),
            (Some(Identity::ByDefault), Some("MINVALUE 5".to_string())),
        ]
    );
    assert_eq!(
        altered("ALTER TABLE t ALTER c SET INCREMENT BY 1 SET NO MINVALUE SET NO MAXVALUE SET START 1 SET NO CYCLE"),
        [(Some(Identity::Always), None)]
    );
    // Going up from the start -1 it kept is no sequence.
    let m = not_recordable_on(
        &s,
        "ALTER TABLE t ALTER c SET INCREMENT BY 1 SET NO MINVALUE SET NO MAXVALUE",
    );
    assert!(m.contains("do not make a sequence"), "{m}");
    let m = not_recordable_on(&s, "ALTER TABLE t ALTER c RESTART WITH 3");
    assert!(m.contains("RESTART is not recorded"), "{m}");
    let m = not_recordable_on(&s, "ALTER TABLE t ADD e int, ALTER e SET INCREMENT BY 2");
    assert!(m.contains("not an identity column"), "{m}");
    // DROP IDENTITY forgets the options.
    assert_eq!(
        altered("ALTER TABLE t ALTER b DROP IDENTITY"),
        [(None, None)]
    );
}

#[test]
fn identity_columns() {
    let s = schema(
        "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, b bigint GENERATED BY DEFAULT AS IDENTITY, c int)",
    );
    let t = &s.tables["t"];
    assert_eq!(t.columns[0].identity, Some(Identity::Always));
    assert!(t.columns[0].not_null);
    assert_eq!(t.columns[1].identity, Some(Identity::ByDefault));
    assert!(t.columns[1].not_null, "an identity column is NOT NULL");
    assert_eq!(t.columns[2].identity, None);
    let ops = ops_on(
        &s,
        "ALTER TABLE t ADD COLUMN d int GENERATED ALWAYS AS IDENTITY;
         ALTER TABLE t ALTER COLUMN c SET NOT NULL, ALTER COLUMN c ADD GENERATED BY DEFAULT AS IDENTITY;
         ALTER TABLE t ALTER id SET GENERATED BY DEFAULT;
         ALTER TABLE t ALTER b DROP IDENTITY;
         ALTER TABLE t ALTER b DROP IDENTITY IF EXISTS",
    );
    let kinds: Vec<&str> = ops.iter().map(Op::kind).collect();
    assert_eq!(
        kinds,
        [
            "add_column",
            "alter_column",
            "alter_column",
            "alter_column",
            "alter_column"
        ]
    );
    let Op::AlterColumn { to, .. } = &ops[2] else {
        panic!()
    };
    assert_eq!(to.identity, Some(Identity::ByDefault));
    let Op::AlterColumn { from, to, .. } = &ops[4] else {
        panic!()
    };
    assert_eq!(
        (from.identity, to.identity),
        (Some(Identity::ByDefault), None)
    );
    assert!(to.not_null, "DROP IDENTITY keeps NOT NULL");
    for (sql, says) in [
        (
            "ALTER TABLE t ALTER c DROP IDENTITY",
            "not an identity column",
        ),
        (
            "ALTER TABLE t ALTER id ADD GENERATED ALWAYS AS IDENTITY",
            "already",
        ),
        ("ALTER TABLE t ALTER id RESTART", "RESTART is not recorded"),
        (
            "ALTER TABLE t ALTER c SET INCREMENT BY 2",
            "not an identity column",
        ),
        (
            "ALTER TABLE t ALTER c ADD GENERATED ALWAYS AS IDENTITY (START 0)",
            "do not make a sequence",
        ),
    ] {
        let m = match err(&s, sql).kind {
            DdlErrorKind::NotRecordable(m) => m,
            k => panic!("{sql}: {k:?}"),
        };
        assert!(m.contains(says), "{sql}: {m}");
    }
}

#[test]
fn primary_keys_by_their_own_ops() {
    let head = schema("CREATE TABLE public.actor (actor_id int, name text NOT NULL)");
    let ops = ops_on(
        &head,
        "ALTER TABLE ONLY public.actor ADD CONSTRAINT actor_pkey PRIMARY KEY (actor_id, name);",
    );
    let kinds: Vec<&str> = ops.iter().map(Op::kind).collect();
    assert_eq!(kinds, ["alter_column", "add_primary_key"]);
    let s = schema_on(head.clone(), "ALTER TABLE actor ADD PRIMARY KEY (actor_id)");
    let t = &s.tables["actor"];
    assert_eq!(
        t.primary_key,
        Some(PrimaryKey {
            name: Some("actor_pkey".into()),
            columns: vec!["actor_id".into()],
            ..PrimaryKey::default()
        })
    );
    assert!(t.columns[0].not_null);
    let back = schema_on(s.clone(), "ALTER TABLE actor DROP CONSTRAINT actor_pkey");
    assert_eq!(back.tables["actor"].primary_key, None);
    assert!(back.tables["actor"].columns[0].not_null, "as in PostgreSQL");
    // A column added with its key.
    let s = schema_on(head, "ALTER TABLE actor ADD COLUMN id int PRIMARY KEY");
    assert_eq!(
        s.tables["actor"].primary_key.as_ref().unwrap().columns,
        ["id"]
    );
}

#[test]
fn index_methods_and_include() {
    let head = schema("CREATE TABLE film (id int, fulltext tsvector, title text, n int)");
    let s = schema_on(
        head,
        "CREATE INDEX film_fulltext_idx ON public.film USING gist (fulltext);
         CREATE INDEX ON film USING gin (fulltext);
         CREATE INDEX ON film USING btree (id) INCLUDE (title, n);
         CREATE UNIQUE INDEX by_id ON film (id) INCLUDE (n) WHERE n > 0",
    );
    let gist = &s.indexes["film_fulltext_idx"];
    assert_eq!(gist.method.as_deref(), Some("gist"));
    assert_eq!(
        s.indexes["film_fulltext_idx1"].method.as_deref(),
        Some("gin")
    );
    let inc = &s.indexes["film_id_title_n_idx"];
    assert_eq!(inc.method, None);
    assert_eq!(inc.include, ["title", "n"]);
    assert_eq!(s.indexes["by_id"].include, ["n"]);
    assert_eq!(s.indexes["by_id"].predicate.as_deref(), Some("n > 0"));
}

#[test]
fn pg_dump_session_statements_record_nothing() {
    let head = schema("CREATE TABLE actor (a int)");
    for sql in [
        "SET statement_timeout = 0",
        "SET client_encoding = 'UTF8'",
        "SET standard_conforming_strings = on",
        "SET default_tablespace = ''",
        "SET search_path = public",
        "SET search_path TO \"$user\", public",
        "SELECT pg_catalog.set_config('search_path', '', false)",
        "SELECT set_config('search_path', 'public', false)",
        "RESET search_path",
        "ALTER TABLE public.actor OWNER TO postgres",
        "ALTER FUNCTION public.last_updated() OWNER TO postgres",
        "ALTER TYPE public.mpaa_rating OWNER TO \"Some Role\"",
    ] {
        assert_eq!(ops_on(&head, sql), vec![], "{sql}");
    }
    for sql in [
        "SET search_path = other",
        "SELECT pg_catalog.set_config('search_path', 'other, public', false)",
    ] {
        assert!(
            not_recordable(sql).contains("search_path other than public"),
            "{sql}"
        );
    }
    assert_eq!(
        err(&head, "SELECT pg_catalog.now()").kind,
        DdlErrorKind::Unsupported
    );
}

#[test]
fn triggers_of_one_name_on_two_tables() {
    let s = schema(
        "CREATE TABLE a (x int); CREATE TABLE b (x int);
         CREATE TRIGGER last_updated BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();
         CREATE TRIGGER last_updated BEFORE UPDATE ON b FOR EACH ROW EXECUTE FUNCTION f()",
    );
    assert_eq!(s.triggers.len(), 2);
    let s = schema_on(s, "DROP TRIGGER last_updated ON a");
    assert_eq!(
        s.triggers
            .values()
            .map(|t| t.table.as_str())
            .collect::<Vec<_>>(),
        ["b"]
    );
}

const PAYMENT: &str = "CREATE TABLE payment (
    payment_id integer NOT NULL,
    amount numeric(5,2) DEFAULT 0,
    payment_date timestamptz NOT NULL,
    PRIMARY KEY (payment_date, payment_id)
) PARTITION BY RANGE (payment_date);
CREATE TABLE payment_p1 PARTITION OF public.payment
    FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
CREATE TABLE payment_p2 (payment_id integer NOT NULL, amount numeric(5,2), payment_date timestamptz NOT NULL);
ALTER TABLE ONLY public.payment ATTACH PARTITION public.payment_p2 DEFAULT;
CREATE INDEX payment_p1_amount ON payment_p1 (amount);";

#[test]
fn partitioned_tables_and_partitions_are_options() {
    let s = schema(PAYMENT);
    let parent = table(&s, "payment");
    assert_eq!(parent.options, vec!["partition by RANGE (payment_date)"]);
    let p1 = table(&s, "payment_p1");
    assert_eq!(
        p1.options,
        vec!["partition of payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01')"]
    );
    // A partition made PARTITION OF has its parent's columns, defaults
    // too; the primary key stays the parent's.
    assert_eq!(p1.columns, parent.columns);
    assert_eq!(p1.primary_key, None);
    let p2 = table(&s, "payment_p2");
    assert_eq!(p2.options, vec!["partition of payment DEFAULT"]);
    assert_eq!(p2.columns[1].default, None);
}

#[test]
fn a_parents_column_ops_are_repeated_for_its_partitions() {
    let head = schema(PAYMENT);
    let ops = ops_on(&head, "ALTER TABLE payment ADD COLUMN note text");
    let tables: Vec<&str> = ops
        .iter()
        .map(|op| match op {
            Op::AddColumn { table, .. } => table.as_str(),
            op => panic!("{op:?}"),
        })
        .collect();
    assert_eq!(tables, ["payment", "payment_p1", "payment_p2"]);
    // Dropping a column drops a partition's index on it first, before
    // the parent's column (which takes the partitions' with it).
    let ops = ops_on(&head, "ALTER TABLE payment DROP COLUMN amount");
    assert!(matches!(&ops[0], Op::DropIndex { .. }));
    assert!(matches!(ops.last(), Some(Op::DropColumn { table, .. }) if table == "payment"));
    let s = schema_on(head.clone(), "ALTER TABLE payment DROP COLUMN amount");
    assert!(s.indexes.is_empty());
    assert!(s.tables.values().all(|t| t.columns.len() == 2));
    let s = schema_on(
        head.clone(),
        "ALTER TABLE payment ALTER COLUMN amount SET DEFAULT 1",
    );
    assert_eq!(
        table(&s, "payment_p1").columns[1].default.as_deref(),
        Some("1")
    );
    assert_eq!(
        table(&s, "payment_p2").columns[1].default.as_deref(),
        Some("1")
    );
}

#[test]
fn detach_attach_and_drop_of_partitions() {
    let head = schema(PAYMENT);
    let s = schema_on(
        head.clone(),
        "ALTER TABLE payment DETACH PARTITION payment_p1",
    );
    assert!(table(&s, "payment_p1").options.is_empty());
    let s = schema_on(
        s,
        "ALTER TABLE payment ATTACH PARTITION payment_p1 FOR VALUES FROM ('2022-01-01') TO ('2022-03-01')",
    );
    assert_eq!(
        table(&s, "payment_p1").options,
        vec!["partition of payment FOR VALUES FROM ('2022-01-01') TO ('2022-03-01')"]
    );
    // DROP TABLE of the parent drops its partitions first, with their
    // indexes.
    let ops = ops_on(&head, "DROP TABLE payment");
    let dropped: Vec<String> = ops
        .iter()
        .filter_map(|op| match op {
            Op::DropTable { table } => Some(table.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(dropped, ["payment_p1", "payment_p2", "payment"]);
    assert!(matches!(&ops[0], Op::DropIndex { .. }));
}

#[test]
fn what_partitions_cannot_do_is_refused() {
    let head = schema(PAYMENT);
    let refused = |sql: &str| match err(&head, sql).kind {
        DdlErrorKind::NotRecordable(m) => m,
        k => panic!("{sql}: not NotRecordable: {k:?}"),
    };
    for (sql, says) in [
        (
            "ALTER TABLE payment_p1 ADD COLUMN x int",
            "the columns of partition payment_p1 are its parent's",
        ),
        (
            "ALTER TABLE payment_p1 ALTER COLUMN amount SET DEFAULT 2",
            "alter payment's",
        ),
        (
            "CREATE TABLE sub PARTITION OF payment FOR VALUES FROM ('2023-01-01') TO ('2024-01-01') PARTITION BY RANGE (payment_id)",
            "sub-partitioning",
        ),
        (
            "CREATE TABLE q PARTITION OF payment_p1 DEFAULT",
            "payment_p1 is not partitioned",
        ),
        (
            "ALTER TABLE payment DROP COLUMN payment_date",
            "partition key",
        ),
        ("ALTER TABLE payment RENAME TO pay", "partitions name it"),
        (
            "ALTER TABLE payment DETACH PARTITION payment_p1 CONCURRENTLY",
            "CONCURRENTLY",
        ),
        (
            "ALTER TABLE payment ATTACH PARTITION payment_p1 DEFAULT",
            "a partition already",
        ),
    ] {
        let m = refused(sql);
        assert!(m.contains(says), "{sql}: {m}");
    }
    let s = schema_on(head, "CREATE TABLE other (payment_id bigint NOT NULL)");
    match err(&s, "ALTER TABLE payment ATTACH PARTITION other DEFAULT").kind {
        DdlErrorKind::NotRecordable(m) => assert!(m.contains("must be payment's"), "{m}"),
        k => panic!("{k:?}"),
    }
}

fn definition<'a>(schema: &'a Schema, key: &str) -> &'a strata_schema::Definition {
    schema
        .definitions
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {:?}", schema.definitions.keys()))
}

#[test]
fn definitions_are_kept_whole_under_postgres_names() {
    use strata_schema::DefinitionKind as K;
    let s = schema(
        "CREATE TYPE mpaa_rating AS ENUM ('G', 'PG');
         CREATE DOMAIN public.year AS integer CHECK (VALUE >= 1901);
         CREATE SEQUENCE IF NOT EXISTS film_film_id_seq START 10;
         CREATE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE FUNCTION f(a int, OUT b text, c varchar(20) DEFAULT 'x', VARIADIC d numeric(10,2)[])
           LANGUAGE sql AS $$ SELECT 'x' $$;
         CREATE FUNCTION _group_concat(text, text) RETURNS text LANGUAGE sql AS $_$ SELECT $1 || $2 $_$;
         CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);
         CREATE TABLE film (id integer PRIMARY KEY, rating mpaa_rating, y year);
         CREATE MATERIALIZED VIEW m AS SELECT rating FROM film WITH NO DATA;
         COMMENT ON TABLE film IS 'films';
         COMMENT ON COLUMN public.film.rating IS 'rating';
         COMMENT ON FUNCTION group_concat(text) IS 'wrong kind, still a routine';",
    );
    assert_eq!(definition(&s, "mpaa_rating").kind, K::Type);
    assert_eq!(definition(&s, "year").kind, K::Domain);
    assert_eq!(
        definition(&s, "film_film_id_seq").sql,
        "CREATE SEQUENCE IF NOT EXISTS film_film_id_seq START 10"
    );
    assert_eq!(definition(&s, "last_updated()").kind, K::Function);
    assert_eq!(
        definition(
            &s,
            "f(a integer, OUT b text, c character varying, VARIADIC d numeric[])"
        )
        .kind,
        K::Function
    );
    let agg = definition(&s, "group_concat(text)");
    assert_eq!(agg.kind, K::Aggregate);
    assert_eq!(agg.depends_on, ["_group_concat(text, text)"]);
    let m = definition(&s, "m");
    assert_eq!(m.kind, K::MaterializedView);
    assert_eq!(m.depends_on, ["film"]);
    assert_eq!(definition(&s, "TABLE film").depends_on, ["film"]);
    assert_eq!(
        definition(&s, "COLUMN film.rating").sql,
        "COMMENT ON COLUMN public.film.rating IS 'rating'"
    );
    assert_eq!(
        definition(&s, "FUNCTION group_concat(text)").depends_on,
        ["group_concat(text)"]
    );
}

#[test]
fn definitions_replaced_and_dropped() {
    let head = schema(
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
         CREATE TABLE t (a int);
         COMMENT ON TABLE t IS 'one';
         COMMENT ON COLUMN t.a IS 'a';",
    );
    let ops = ops_on(
        &head,
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;
         COMMENT ON TABLE t IS 'two';
         COMMENT ON COLUMN t.a IS NULL;",
    );
    assert!(matches!(&ops[0], Op::ReplaceDefinition { to, .. }
        if to.sql == "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$"));
    assert!(matches!(&ops[1], Op::ReplaceDefinition { to, .. } if to.sql.ends_with("'two'")));
    assert!(
        matches!(&ops[2], Op::DropDefinition { definition } if definition.name == "COLUMN t.a")
    );
    // A table dropped drops its comments first.
    let ops = ops_on(&head, "DROP TABLE t; DROP FUNCTION f;");
    let names: Vec<String> = ops
        .iter()
        .map(|op| match op {
            Op::DropDefinition { definition } => definition.name.clone(),
            Op::DropTable { table } => table.name.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["COLUMN t.a", "TABLE t", "t", "f()"]);
    assert!(not_recordable("DROP TYPE x CASCADE").contains("CASCADE"));
    assert!(matches!(
        err(&head, "DROP DOMAIN f").kind,
        DdlErrorKind::Project(_) | DdlErrorKind::NotRecordable(_)
    ));
}

#[test]
fn serial_columns_expand_as_postgresql_expands_them() {
    let s = schema(
        "CREATE SEQUENCE t_id_seq;
         CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n smallserial);
         ALTER TABLE t ADD COLUMN m serial;",
    );
    let t = &s.tables["t"];
    assert_eq!(t.columns[0].ty, "bigint");
    assert!(t.columns[0].not_null);
    assert_eq!(
        t.columns[0].default.as_deref(),
        Some("nextval('t_id_seq1'::regclass)")
    );
    assert_eq!(
        s.definitions["t_id_seq1"].sql,
        "CREATE SEQUENCE t_id_seq1 AS bigint"
    );
    assert_eq!(
        s.definitions["t_n_seq"].sql,
        "CREATE SEQUENCE t_n_seq AS smallint"
    );
    assert_eq!(t.columns[2].ty, "integer");
    assert!(s.definitions.contains_key("t_m_seq"));
    // Each belongs to its column; the sequence made by hand to none.
    let owned: Vec<&str> = s
        .definitions
        .values()
        .filter(|d| d.kind == DefinitionKind::Ownership)
        .map(|d| d.sql.as_str())
        .collect();
    assert_eq!(
        owned,
        [
            "ALTER SEQUENCE t_id_seq1 OWNED BY t.id",
            "ALTER SEQUENCE t_m_seq OWNED BY t.m",
            "ALTER SEQUENCE t_n_seq OWNED BY t.n",
        ]
    );
}

#[test]
fn a_sequence_owned_by_a_column_is_renamed_and_dropped_with_it() {
    let head = schema(
        "CREATE TABLE t (id serial, a text, b int);
         CREATE SEQUENCE s START 5 OWNED BY t.a;
         CREATE SEQUENCE u;",
    );
    assert_eq!(head.definitions["s"].sql, "CREATE SEQUENCE s START WITH 5");
    assert_eq!(
        head.definitions["ownership of s"].sql,
        "ALTER SEQUENCE s OWNED BY t.a"
    );
    let kinds = |sql: &str| -> Vec<String> {
        ops_on(&head, sql)
            .iter()
            .map(|op| match op {
                Op::CreateDefinition { definition } | Op::DropDefinition { definition } => {
                    format!("{} {}", op.kind(), definition.name)
                }
                Op::ReplaceDefinition { to, .. } => format!("{} {}", op.kind(), to.sql),
                op => op.kind().to_string(),
            })
            .collect()
    };
    assert_eq!(
        kinds("ALTER TABLE t RENAME TO v"),
        [
            "drop_definition ownership of s",
            "drop_definition ownership of t_id_seq",
            "rename_table",
            "create_definition ownership of s",
            "create_definition ownership of t_id_seq",
        ]
    );
    assert_eq!(
        kinds("ALTER TABLE t DROP COLUMN a"),
        [
            "drop_definition ownership of s",
            "drop_column",
            "drop_definition s"
        ]
    );
    assert_eq!(
        kinds("DROP TABLE t"),
        [
            "drop_definition ownership of s",
            "drop_definition ownership of t_id_seq",
            "drop_table",
            "drop_definition s",
            "drop_definition t_id_seq"
        ]
    );
    assert_eq!(
        kinds("ALTER SEQUENCE s OWNED BY t.b; ALTER SEQUENCE u OWNED BY t.a; ALTER SEQUENCE t_id_seq OWNED BY NONE"),
        [
            "replace_definition ALTER SEQUENCE s OWNED BY t.b",
            "create_definition ownership of u",
            "drop_definition ownership of t_id_seq",
        ]
    );
    assert_eq!(
        kinds("DROP SEQUENCE s"),
        ["drop_definition ownership of s", "drop_definition s"]
    );
    assert!(matches!(
        err(&head, "ALTER SEQUENCE u OWNED BY t.nothing").kind,
        DdlErrorKind::Project(_)
    ));
}

#[test]
fn enum_values_added_and_renamed_replace_the_type() {
    let head = schema("CREATE TYPE r AS ENUM ('G', 'PG');");
    let ops = ops_on(
        &head,
        "ALTER TYPE r ADD VALUE 'X' BEFORE 'PG'; ALTER TYPE r ADD VALUE IF NOT EXISTS 'G';
         ALTER TYPE r RENAME VALUE 'G' TO 'General';",
    );
    let sql: Vec<&str> = ops
        .iter()
        .map(|op| match op {
            Op::ReplaceDefinition { to, .. } => to.sql.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        sql,
        [
            "CREATE TYPE r AS ENUM ('G', 'X', 'PG')",
            "CREATE TYPE r AS ENUM ('General', 'X', 'PG')"
        ]
    );
    assert!(matches!(err(&head, "ALTER TYPE r ADD VALUE 'G'").kind,
        DdlErrorKind::NotRecordable(m) if m.contains("already has")));
    // Ownership is not modeled: OWNER TO records nothing.
    assert_eq!(ops_on(&head, "ALTER TYPE r OWNER TO x"), vec![]);
    assert!(matches!(err(&head, "ALTER TYPE r RENAME TO s").kind,
        DdlErrorKind::NotRecordable(m) if m.contains("ADD VALUE and RENAME VALUE")));
}

/// The kind and object of each op, for a test that reads a list of them.
fn kinds(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .map(|op| {
            let what = match op {
                Op::DropIndex { index } | Op::CreateIndex { index } => index.name.clone(),
                Op::DropDefinition { definition } | Op::CreateDefinition { definition } => {
                    definition.name.clone()
                }
                Op::DropColumn { column, .. } => column.name.clone(),
                Op::DropPrimaryKey { table, .. } => table.clone(),
                _ => String::new(),
            };
            format!("{} {what}", op.kind())
        })
        .collect()
}

#[test]
fn materialized_views_are_indexed_and_drop_their_indexes() {
    let head = schema(
        "CREATE TABLE film (id integer PRIMARY KEY, rating text);
         CREATE MATERIALIZED VIEW by_rating AS SELECT rating, count(*) AS n FROM film GROUP BY rating;
         CREATE UNIQUE INDEX by_rating_rating ON public.by_rating USING btree (rating);
         CREATE INDEX ON by_rating (n);",
    );
    assert_eq!(head.indexes["by_rating_rating"].table, "by_rating");
    assert!(head.indexes["by_rating_rating"].unique);
    assert_eq!(head.indexes["by_rating_n_idx"].table, "by_rating");
    // PostgreSQL drops a materialized view's indexes with it: so do the ops.
    let ops = ops_on(&head, "DROP MATERIALIZED VIEW by_rating");
    assert_eq!(
        kinds(&ops),
        [
            "drop_index by_rating_n_idx",
            "drop_index by_rating_rating",
            "drop_definition by_rating"
        ]
    );
    // A view is no materialized view: an index on one is refused.
    let views = schema("CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t;");
    assert!(matches!(err(&views, "CREATE INDEX ON v (a)").kind,
        DdlErrorKind::NotRecordable(m) if m.contains("is a view")));
}

#[test]
fn drop_column_drops_its_comment_and_the_key_it_is_part_of() {
    let head = schema(
        "CREATE TABLE t (a int PRIMARY KEY, b int);
         COMMENT ON COLUMN t.a IS 'the key';
         COMMENT ON COLUMN t.b IS 'b';",
    );
    let ops = ops_on(&head, "ALTER TABLE t DROP COLUMN a");
    assert_eq!(
        kinds(&ops),
        [
            "drop_primary_key t",
            "drop_definition COLUMN t.a",
            "drop_column a"
        ]
    );
    let after = schema_on(head, "ALTER TABLE t DROP COLUMN a");
    assert!(after.definitions.contains_key("COLUMN t.b"));
    assert!(after.tables["t"].primary_key.is_none());
    // A key another table's foreign key refers to stays, and says so.
    let referred = schema(
        "CREATE TABLE p (a int PRIMARY KEY, b int);
         CREATE TABLE c (a int REFERENCES p);",
    );
    let e = err(&referred, "ALTER TABLE p DROP COLUMN a");
    assert!(e.to_string().contains("c"), "{e}");
}

/// The `to` text of each replace among `ops`.
fn replaced(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .map(|op| match op {
            Op::ReplaceDefinition { to, .. } => to.sql.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn alter_sequence_writes_the_sequence_again() {
    let head =
        schema("CREATE SEQUENCE s START 10; CREATE SEQUENCE t AS integer MAXVALUE 99 CYCLE;");
    let ops = ops_on(
        &head,
        "ALTER SEQUENCE s INCREMENT BY 5 NO MAXVALUE;
         ALTER SEQUENCE public.s AS int MINVALUE -3 CACHE 20 NO CYCLE;
         ALTER SEQUENCE t NO CYCLE MAXVALUE 1000;
         ALTER SEQUENCE IF EXISTS nothing INCREMENT 2;
         ALTER SEQUENCE t OWNER TO someone;",
    );
    assert_eq!(
        replaced(&ops),
        [
            "CREATE SEQUENCE s INCREMENT BY 5 NO MAXVALUE START WITH 10",
            "CREATE SEQUENCE s AS integer INCREMENT BY 5 MINVALUE -3 NO MAXVALUE START WITH 10 CACHE 20 NO CYCLE",
            "CREATE SEQUENCE t AS integer MAXVALUE 1000 NO CYCLE",
        ]
    );
    // Where a sequence stands is data.
    assert!(not_recordable_on(&head, "ALTER SEQUENCE s RESTART WITH 100").contains("setval"));
    assert!(not_recordable_on(&head, "ALTER SEQUENCE s RENAME TO u").contains("RENAME"));
    assert!(matches!(
        err(&head, "ALTER SEQUENCE nothing INCREMENT 2").kind,
        DdlErrorKind::Project(_)
    ));
    // The same options again are no change.
    assert_eq!(ops_on(&head, "ALTER SEQUENCE s START WITH 10"), vec![]);
}

#[test]
fn alter_domain_writes_the_domain_again() {
    let head = schema(
        "CREATE DOMAIN year AS integer CHECK (VALUE >= 1901) CONSTRAINT upper CHECK (VALUE <= 2155);
         CREATE TABLE film (y year);",
    );
    let ops = ops_on(
        &head,
        "ALTER DOMAIN year SET DEFAULT 2000;
         ALTER DOMAIN year SET NOT NULL;
         ALTER DOMAIN year DROP CONSTRAINT year_check;
         ALTER DOMAIN public.year ADD CHECK (VALUE <> 1999);
         ALTER DOMAIN year DROP CONSTRAINT IF EXISTS nothing;
         ALTER DOMAIN year DROP DEFAULT;",
    );
    assert_eq!(
        replaced(&ops),
        [
            "CREATE DOMAIN year AS integer DEFAULT 2000 CHECK (VALUE >= 1901) CONSTRAINT upper CHECK (VALUE <= 2155)",
            "CREATE DOMAIN year AS integer DEFAULT 2000 NOT NULL CHECK (VALUE >= 1901) CONSTRAINT upper CHECK (VALUE <= 2155)",
            "CREATE DOMAIN year AS integer DEFAULT 2000 NOT NULL CONSTRAINT upper CHECK (VALUE <= 2155)",
            "CREATE DOMAIN year AS integer DEFAULT 2000 NOT NULL CONSTRAINT upper CHECK (VALUE <= 2155) CHECK (VALUE <> 1999)",
            "CREATE DOMAIN year AS integer NOT NULL CONSTRAINT upper CHECK (VALUE <= 2155) CHECK (VALUE <> 1999)",
        ]
    );
    assert!(matches!(
        err(&head, "ALTER DOMAIN year DROP CONSTRAINT nothing").kind,
        DdlErrorKind::Project(_)
    ));
    assert!(
        not_recordable_on(&head, "ALTER DOMAIN year RENAME TO y").contains("SET / DROP DEFAULT")
    );
    assert!(
        not_recordable_on(&head, "ALTER DOMAIN year ADD CHECK (VALUE > 0) NOT VALID")
            .contains("NOT VALID")
    );
}

#[test]
fn a_sequence_or_domain_replaced_is_altered_in_place() {
    use super::alter::in_place;
    let def = |kind, name: &str, sql: &str| strata_schema::Definition {
        kind,
        name: name.into(),
        sql: sql.into(),
        depends_on: Vec::new(),
    };
    let seq = strata_schema::DefinitionKind::Sequence;
    let from = def(
        seq,
        "s",
        "CREATE SEQUENCE s AS integer INCREMENT BY 5 CYCLE",
    );
    let to = def(seq, "s", "CREATE SEQUENCE s MAXVALUE 50");
    assert_eq!(
        in_place(&from, &to).expect("in place"),
        ["ALTER SEQUENCE s AS bigint INCREMENT BY 1 NO MINVALUE MAXVALUE 50 START WITH 1 CACHE 1 NO CYCLE"]
    );
    let down = def(seq, "s", "CREATE SEQUENCE s INCREMENT BY -1 MAXVALUE 10");
    assert!(in_place(&from, &down).expect("in place")[0].contains("START WITH 10"));
    let dom = strata_schema::DefinitionKind::Domain;
    let from = def(
        dom,
        "year",
        "CREATE DOMAIN year AS integer CHECK (VALUE >= 1901) CHECK (VALUE < 3000)",
    );
    let to = def(dom, "year", "CREATE DOMAIN year AS integer DEFAULT 2000 NOT NULL CONSTRAINT year_check1 CHECK (VALUE < 3000) CHECK (VALUE > 0)");
    assert_eq!(
        in_place(&from, &to).expect("in place"),
        [
            "ALTER DOMAIN year DROP CONSTRAINT year_check",
            "ALTER DOMAIN year SET DEFAULT 2000",
            "ALTER DOMAIN year SET NOT NULL",
            "ALTER DOMAIN year ADD CONSTRAINT year_check CHECK (VALUE > 0)",
        ]
    );
    // Another type is a new domain.
    let other = def(dom, "year", "CREATE DOMAIN year AS bigint");
    assert_eq!(in_place(&from, &other), None);
}

#[test]
fn objects_of_other_schemas_are_named_schema_dot_name() {
    let s = schema(
        "CREATE SCHEMA IF NOT EXISTS sales AUTHORIZATION someone;
         CREATE TYPE sales.state AS ENUM ('open', 'paid');
         CREATE TABLE customers (id int PRIMARY KEY);
         CREATE TABLE sales.orders (id int PRIMARY KEY, customer int REFERENCES public.customers, state sales.state, day date UNIQUE);
         CREATE INDEX ON sales.orders (day, id);
         CREATE INDEX by_state ON sales.orders (state);
         CREATE VIEW sales.open AS SELECT id FROM sales.orders o JOIN customers c ON c.id = o.customer;
         CREATE FUNCTION sales.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER touch BEFORE UPDATE ON sales.orders FOR EACH ROW EXECUTE FUNCTION sales.touch();
         COMMENT ON COLUMN sales.orders.day IS 'the day';",
    );
    let orders = table(&s, "sales.orders");
    // Constraints are named from the table's bare name, as PostgreSQL
    // names them; indexes are relations of the table's schema.
    assert_eq!(
        orders
            .primary_key
            .as_ref()
            .and_then(|k| k.name.clone())
            .as_deref(),
        Some("orders_pkey")
    );
    assert_eq!(orders.foreign_keys[0].ref_table, "customers");
    assert_eq!(orders.uniques[0].name.as_deref(), Some("orders_day_key"));
    assert_eq!(orders.columns[2].ty, "sales.state");
    assert!(s.indexes.contains_key("sales.orders_day_id_idx"));
    assert_eq!(s.indexes["sales.by_state"].table, "sales.orders");
    assert_eq!(
        s.views["sales.open"].depends_on,
        ["sales.orders", "customers"]
    );
    assert!(s.definitions.contains_key("sales.state"));
    assert!(s.definitions.contains_key("sales.touch()"));
    assert!(s.definitions.contains_key("COLUMN sales.orders.day"));
    assert_eq!(
        s.triggers.values().next().map(|t| t.table.as_str()),
        Some("sales.orders")
    );
    // A rename keeps the table in its schema; DROP SCHEMA of one that
    // holds an object is refused, of an empty one records nothing.
    let renamed = schema_on(
        s.clone(),
        "COMMENT ON COLUMN sales.orders.day IS NULL; ALTER TABLE sales.orders RENAME TO sold",
    );
    assert!(renamed.tables.contains_key("sales.sold"));
    assert!(not_recordable_on(&s, "DROP SCHEMA sales").contains("still holds"));
    assert_eq!(ops_on(&s, "DROP SCHEMA IF EXISTS empty"), vec![]);
    assert!(not_recordable_on(&s, "DROP SCHEMA sales CASCADE").contains("CASCADE"));
    assert!(not_recordable("CREATE SCHEMA s CREATE TABLE t (a int)").contains("on its own"));
    assert!(not_recordable("CREATE TABLE strata.t (a int)").contains("strata's own"));
    assert!(not_recordable("CREATE INDEX i ON strata.t (a)").contains("strata's own"));
}

#[test]
fn a_collation_name_may_hold_a_period() {
    let s =
        schema("CREATE TABLE t (a text COLLATE \"en_US.utf8\", b text COLLATE pg_catalog.\"C\")");
    let t = table(&s, "t");
    assert_eq!(t.columns[0].collation.as_deref(), Some("en_US.utf8"));
    assert_eq!(
        crate::render::column(&t.columns[0]),
        "a text COLLATE \"en_US.utf8\""
    );
    assert_eq!(t.columns[1].collation.as_deref(), Some("C"));
}

#[test]
fn comments_on_constraints_and_triggers_go_with_them() {
    let head = schema(
        "CREATE TABLE t (id int PRIMARY KEY, a int CONSTRAINT a_positive CHECK (a > 0), b int UNIQUE);
         CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();
         COMMENT ON CONSTRAINT a_positive ON t IS 'no zero';
         COMMENT ON CONSTRAINT t_b_key ON public.t IS 'one b a row';
         COMMENT ON TRIGGER touch ON t IS 'touches';",
    );
    assert_eq!(
        definition(&head, "CONSTRAINT a_positive ON t").sql,
        "COMMENT ON CONSTRAINT a_positive ON t IS 'no zero'"
    );
    assert_eq!(definition(&head, "TRIGGER touch ON t").depends_on, ["t"]);
    assert!(head.definitions.contains_key("CONSTRAINT t_b_key ON t"));
    // Each goes before what it is on.
    let ops = ops_on(&head, "ALTER TABLE t DROP CONSTRAINT a_positive");
    assert_eq!(
        kinds(&ops),
        ["drop_definition CONSTRAINT a_positive ON t", "drop_check "]
    );
    let ops = ops_on(&head, "DROP TRIGGER touch ON t");
    assert_eq!(
        kinds(&ops),
        ["drop_definition TRIGGER touch ON t", "drop_trigger "]
    );
    let ops = ops_on(&head, "ALTER TABLE t DROP COLUMN b");
    assert_eq!(
        kinds(&ops),
        [
            "drop_definition CONSTRAINT t_b_key ON t",
            "drop_unique ",
            "drop_column b"
        ]
    );
    assert!(matches!(
        err(&head, "COMMENT ON CONSTRAINT nothing ON t IS 'x'").kind,
        DdlErrorKind::Project(_)
    ));
    assert!(matches!(
        err(&head, "COMMENT ON TRIGGER nothing ON t IS 'x'").kind,
        DdlErrorKind::Project(_)
    ));
}
