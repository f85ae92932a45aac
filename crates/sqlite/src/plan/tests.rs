//! Unit tests of the planner: which ops are native and which share a
//! rebuild, and how data steps and foreign keys shape a plan.

use strata_dialect::sqlite::RULES;
use strata_schema::{project_all, Op, Schema};

use super::*;
use crate::ddl::parse_change;

/// The schema `sql` builds from nothing.
fn schema(sql: &str) -> Schema {
    let mut s = Schema::default();
    let ops = parse_change(sql, &s).expect("schema");
    project_all(RULES, &mut s, &ops).expect("fits");
    s
}

/// The plan of one event (seq 7) of `sql` against `from`.
fn plan_of(from: &Schema, sql: &str) -> Plan {
    let ops = parse_change(sql, from).unwrap_or_else(|e| panic!("{sql}: {e}"));
    plan(from, &[Step::new(7, ops)]).expect("plan")
}

fn sqls(p: &Plan) -> Vec<&str> {
    p.statements.iter().map(|s| s.sql.as_str()).collect()
}

#[test]
fn add_column_is_native_within_sqlites_limits() {
    let s = schema("CREATE TABLE t (a INT)");
    for native in [
        "ALTER TABLE t ADD COLUMN b TEXT",
        "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'",
        "ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT -1",
        "ALTER TABLE t ADD COLUMN b INT GENERATED ALWAYS AS (a + 1) VIRTUAL",
    ] {
        let p = plan_of(&s, native);
        assert!(p.rebuilds.is_empty(), "{native}: {:?}", sqls(&p));
        assert_eq!(p.statements.len(), 1, "{native}");
        assert!(p.statements[0]
            .sql
            .starts_with("ALTER TABLE \"t\" ADD COLUMN"));
        assert!(!p.foreign_keys_off);
    }
    for rebuilt in [
        "ALTER TABLE t ADD COLUMN b TEXT DEFAULT CURRENT_TIMESTAMP",
        "ALTER TABLE t ADD COLUMN b INT NOT NULL",
        "ALTER TABLE t ADD COLUMN b INT DEFAULT (1 + 1)",
        "ALTER TABLE t ADD COLUMN b INT GENERATED ALWAYS AS (a + 1) STORED",
    ] {
        let p = plan_of(&s, rebuilt);
        assert_eq!(p.rebuilds.len(), 1, "{rebuilt}: {:?}", sqls(&p));
    }
}

#[test]
fn a_data_step_splits_the_rebuilds_around_it() {
    let s = schema("CREATE TABLE t (a INT, b INT)");
    let p = plan_of(
        &s,
        "ALTER TABLE t ALTER COLUMN a TYPE TEXT; UPDATE t SET b = 1; ALTER TABLE t ALTER COLUMN b TYPE TEXT",
    );
    let ops: Vec<&[(u64, u32)]> = p.rebuilds.iter().map(|r| r.ops.as_slice()).collect();
    assert_eq!(ops, vec![&[(7, 0)][..], &[(7, 2)][..]]);
    let update = sqls(&p)
        .iter()
        .position(|s| s.starts_with("UPDATE t"))
        .expect("data step");
    let drops: Vec<usize> = sqls(&p)
        .iter()
        .enumerate()
        .filter(|(_, s)| s.starts_with("DROP TABLE"))
        .map(|(i, _)| i)
        .collect();
    assert!(drops[0] < update && update < drops[1], "{:?}", sqls(&p));
}

#[test]
fn ops_on_two_tables_in_one_event_are_two_rebuilds_and_indexes_join_them() {
    let s = schema("CREATE TABLE t (a INT); CREATE TABLE u (x INT)");
    let p = plan_of(
        &s,
        "ALTER TABLE t ALTER COLUMN a TYPE TEXT; ALTER TABLE u ALTER COLUMN x TYPE TEXT; CREATE INDEX t_a ON t (a); ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    );
    let got: Vec<(&str, &[(u64, u32)])> = p
        .rebuilds
        .iter()
        .map(|r| (r.table.as_str(), r.ops.as_slice()))
        .collect();
    assert_eq!(
        got,
        vec![("t", &[(7, 0), (7, 2), (7, 3)][..]), ("u", &[(7, 1)][..])]
    );
    assert_eq!(
        sqls(&p)
            .iter()
            .filter(|s| s.starts_with("CREATE INDEX"))
            .count(),
        1
    );
}

#[test]
fn renaming_a_column_a_check_names_rebuilds_to_carry_the_models_text() {
    let s = schema("CREATE TABLE t (a INT, CHECK (a > 0))");
    let p = plan_of(&s, "ALTER TABLE t RENAME COLUMN a TO b");
    assert!(sqls(&p)[0].starts_with("ALTER TABLE \"t\" RENAME COLUMN"));
    assert_eq!(p.rebuilds.len(), 1);
    let s = schema("CREATE TABLE t (a INT, c INT CHECK (c > 0))");
    let p = plan_of(&s, "ALTER TABLE t RENAME COLUMN a TO b");
    assert!(p.rebuilds.is_empty(), "{:?}", sqls(&p));
}

#[test]
fn a_column_another_table_references_is_renamed_by_sqlite_even_mid_rebuild() {
    let s = schema(
        "CREATE TABLE p (id INT PRIMARY KEY, k INT UNIQUE, v INT); CREATE TABLE c (k INT REFERENCES p (k))",
    );
    let p = plan_of(
        &s,
        "ALTER TABLE p ALTER COLUMN v TYPE TEXT; ALTER TABLE p RENAME COLUMN k TO kk",
    );
    assert_eq!(p.rebuilds.len(), 1);
    assert!(p.foreign_keys_off);
    let last = sqls(&p).last().copied().expect("statements");
    assert_eq!(last, "ALTER TABLE \"p\" RENAME COLUMN \"k\" TO \"kk\"");
}

#[test]
fn dropping_a_referenced_table_turns_foreign_keys_off() {
    let s = schema(
        "CREATE TABLE n (id INTEGER PRIMARY KEY, up INT REFERENCES n (id) ON DELETE CASCADE)",
    );
    let p = plan_of(&s, "DROP TABLE n");
    assert!(p.foreign_keys_off);
    assert_eq!(p.archives.len(), 1);
    assert_eq!(p.archives[0].kind, ArchiveKind::Table);
    let s = schema("CREATE TABLE n (id INTEGER PRIMARY KEY)");
    assert!(!plan_of(&s, "DROP TABLE n").foreign_keys_off);
}

#[test]
fn a_step_that_does_not_fit_is_an_error_naming_the_event_and_op() {
    let s = schema("CREATE TABLE t (a INT)");
    let ops = vec![Op::RenameTable {
        from: "missing".into(),
        to: "x".into(),
    }];
    let err = plan(&s, &[Step::new(4, ops)]).expect_err("does not fit");
    assert_eq!(
        err.to_string(),
        "event 4 op 1 (rename_table) does not fit the schema before it: no table named missing; the ledger and the database's point disagree"
    );
    assert_eq!(err.help(), Some("run `strata verify --deep`"));
}

#[test]
fn the_plan_ends_at_the_projected_schema() {
    let s = schema("CREATE TABLE t (a INT)");
    let ops =
        parse_change("ALTER TABLE t ADD COLUMN b INT; CREATE TABLE u (x INT)", &s).expect("ops");
    let mut want = s.clone();
    project_all(RULES, &mut want, &ops).expect("fits");
    assert_eq!(plan(&s, &[Step::new(2, ops)]).expect("plan").schema, want);
}

#[test]
fn comments_stay_on_one_line() {
    let s = schema("CREATE TABLE \"a\nb\" (x INT)");
    let p = plan_of(&s, "DROP TABLE \"a\nb\"");
    assert!(p.statements.iter().all(|s| !s.comment.contains('\n')));
}

#[test]
fn constant_defaults() {
    for yes in [
        "1", "-2.5", "'x'", "'it''s'", "NULL", "true", "x'00'", "1e3",
    ] {
        assert!(constant_default(yes), "{yes}");
    }
    for no in ["CURRENT_TIMESTAMP", "(1)", "abs(1)", "'a' || 'b'", "", "'"] {
        assert!(!constant_default(no), "{no}");
    }
}

#[test]
fn only_a_change_of_affinity_can_change_stored_values() {
    let col = |ty: &str| strata_schema::Column::new("c", ty);
    for (from, to, changes) in [
        ("integer", "bigint", false),
        ("INT", "integer", false),
        ("varchar(50)", "text", false),
        ("nvarchar(10)", "clob", false),
        ("", "blob", false),
        ("double", "float", false),
        ("decimal(10,2)", "numeric", false),
        ("integer", "text", true),
        ("text", "numeric", true),
        ("real", "integer", true),
        ("text", "ANY", true),
        ("", "integer", true),
    ] {
        assert_eq!(
            super::type_changes(&col(from), &col(to)),
            changes,
            "{from} -> {to}"
        );
    }
}

/// A table the move creates is created with the columns later events add
/// to it, until an op that names it otherwise or a data step.
/// The steps of events 1, 2, ... each recorded from one script, from the
/// empty schema, and the schema they leave.
fn events(scripts: &[&str]) -> (Vec<Step>, Schema) {
    events_from(&Schema::default(), scripts)
}

/// The steps of events 1, 2, ... each recorded from one script, from
/// `start`, and the schema they leave.
fn events_from<S: AsRef<str>>(start: &Schema, scripts: &[S]) -> (Vec<Step>, Schema) {
    let mut at = start.clone();
    let mut steps = Vec::new();
    for (seq, sql) in scripts.iter().enumerate() {
        let ops = parse_change(sql.as_ref(), &at).expect("ops");
        project_all(RULES, &mut at, &ops).expect("fits");
        steps.push(Step::new(seq as u64 + 1, ops));
    }
    (steps, at)
}

/// The SQL of a plan's refusals (see [`Role::Refusal`]).
fn refusals(p: &Plan) -> Vec<&str> {
    p.statements
        .iter()
        .filter(|s| s.role == Role::Refusal)
        .map(|s| s.sql.as_str())
        .collect()
}

#[test]
fn a_new_table_is_created_with_the_columns_later_events_add() {
    let (steps, at) = events(&[
        "CREATE TABLE t (a INT); CREATE TABLE u (x INT)",
        "ALTER TABLE t ADD COLUMN b TEXT",
        "ALTER TABLE u ADD COLUMN y INT; ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0",
        "CREATE INDEX t_b ON t (b)",
        "ALTER TABLE t ADD COLUMN d TEXT",
        "INSERT INTO u (x) VALUES (1)",
        "ALTER TABLE u ADD COLUMN z INT",
    ]);
    let p = plan(&Schema::default(), &steps).expect("plan");
    assert_eq!(p.schema, at);
    let sql = sqls(&p);
    assert_eq!(sql.len(), 5, "{sql:#?}");
    assert!(
        sql[0].contains(
            "\"a\" INT,\n  \"b\" TEXT,\n  \"c\" INT NOT NULL DEFAULT 0,\n  \"d\" TEXT\n)"
        ),
        "{}",
        sql[0]
    );
    // The index is made with its table, which the ADD COLUMN after it
    // widens too.
    assert_eq!(sql[1], "CREATE INDEX \"t_b\" ON \"t\" (\"b\")");
    assert!(sql[2].contains("\"x\" INT,\n  \"y\" INT\n)"), "{}", sql[2]);
    // u holds a row after the data step: the ADD COLUMN is its own.
    assert_eq!(sql[3], "INSERT INTO u (x) VALUES (1)");
    assert_eq!(sql[4], "ALTER TABLE \"u\" ADD COLUMN \"z\" INT");
}

#[test]
fn a_new_table_is_created_without_the_columns_later_events_drop() {
    let (steps, at) = events(&[
        "CREATE TABLE t (a INT, b TEXT)",
        "ALTER TABLE t ADD COLUMN c INT",
        "ALTER TABLE t DROP COLUMN b; ALTER TABLE t DROP COLUMN c",
        // Added again under a dropped name, as a new column: it takes
        // nothing back, so it is written into the CREATE TABLE too.
        "ALTER TABLE t ADD COLUMN c TEXT",
    ]);
    let p = plan(&Schema::default(), &steps).expect("plan");
    assert_eq!(p.schema, at);
    let sql = sqls(&p);
    assert!(
        sql[0].contains("(\n  \"a\" INT,\n  \"c\" TEXT\n)"),
        "{}",
        sql[0]
    );
    assert!(!sql.iter().any(|s| s.contains("DROP COLUMN")), "{sql:#?}");
    // Each dropped column still gets its archive, empty, with no copy
    // from the table, which never had the column.
    let archives: Vec<&&str> = sql
        .iter()
        .filter(|s| s.starts_with("CREATE TABLE \"_strata_archive_"))
        .collect();
    assert_eq!(archives.len(), 2, "{sql:#?}");
    assert!(
        !sql.iter()
            .any(|s| s.starts_with("INSERT INTO \"_strata_archive_")),
        "{sql:#?}"
    );
    assert!(!sql.iter().any(|s| s.contains("ADD COLUMN")), "{sql:#?}");
}

/// The archive catalog rows of `p`, by what they keep (ids aside).
fn catalog(p: &Plan) -> Vec<String> {
    p.archives
        .iter()
        .map(|a| {
            format!(
                "{} {} {:?} {}.{} {:?} {:?} {:?} {:?} {:?}",
                a.kind.as_str(),
                a.table,
                a.column,
                a.seq,
                a.op,
                a.key,
                a.values,
                a.witness,
                a.after,
                a.lineage
            )
        })
        .collect()
}

#[test]
fn a_new_table_takes_in_the_rebuilds_later_events_make_before_it_holds_a_row() {
    let scripts = [
        "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b TEXT)",
        "ALTER TABLE t ALTER COLUMN b TYPE INT; ALTER TABLE t ADD CONSTRAINT t_pos CHECK (a > 0)",
        "CREATE INDEX t_a ON t (a); ALTER TABLE t ADD CONSTRAINT t_p FOREIGN KEY (a) REFERENCES p (id)",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL; ALTER TABLE t DROP COLUMN b",
        "ALTER TABLE t DROP CONSTRAINT t_pos; ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'x'; CREATE INDEX t_c ON t (c)",
        "DROP INDEX t_a",
        "INSERT INTO t (id, a) VALUES (1, 1)",
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT 'y'",
    ];
    let (steps, at) = events(&scripts);
    let p = plan(&Schema::default(), &steps).expect("plan");
    assert_eq!(p.schema, at);
    let sql = sqls(&p);
    // No rebuild until the table holds a row: t is created as event 6
    // leaves it, with the index that is left, and rebuilt once, for the
    // change after the data step.
    assert_eq!(p.rebuilds.len(), 1, "{sql:#?}");
    assert_eq!(p.rebuilds[0].seq, 8);
    let t = at.tables.get("t").expect("t");
    let mut six = t.clone();
    six.columns[2].default = Some("'x'".into());
    assert_eq!(sql[1], crate::render::render_table(&six), "{sql:#?}");
    assert_eq!(sql[2], "CREATE INDEX \"t_c\" ON \"t\" (\"c\")");
    assert!(!sql.iter().any(|s| s.contains("t_a")), "{sql:#?}");
    assert!(!sql.iter().any(|s| s.contains("DROP COLUMN")), "{sql:#?}");
    // Each archive the events make one at a time is made, empty.
    let mut one_by_one = Vec::new();
    let mut from = Schema::default();
    for step in &steps {
        let q = plan(&from, std::slice::from_ref(step)).expect("plan");
        one_by_one.extend(catalog(&q));
        from = q.schema;
    }
    assert_eq!(catalog(&p), one_by_one);
    assert_eq!(p.archives.len(), 2, "{:#?}", catalog(&p));
    assert!(
        !sql.iter()
            .any(|s| s.starts_with("INSERT INTO \"_strata_archive_")),
        "{sql:#?}"
    );
}

#[test]
fn a_new_table_is_written_out_before_its_keys_change() {
    let (steps, at) = events(&[
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b TEXT)",
        "ALTER TABLE t ALTER COLUMN b TYPE INT",
        // Another table's foreign key may need the keys as they are.
        "ALTER TABLE t ADD CONSTRAINT t_a UNIQUE (a)",
        "ALTER TABLE t ALTER COLUMN a TYPE TEXT",
    ]);
    let p = plan(&Schema::default(), &steps).expect("plan");
    assert_eq!(p.schema, at);
    let sql = sqls(&p);
    // Created as event 2 leaves it, then rebuilt once for the UNIQUE and
    // the type change after it, with the rows checked against the UNIQUE
    // at the end of event 3.
    assert!(sql[0].contains("\"b\" INT\n"), "{sql:#?}");
    let seqs: Vec<u64> = p.rebuilds.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [3], "{sql:#?}");
    let refusal = p
        .statements
        .iter()
        .position(|s| s.role == Role::Refusal)
        .expect("a refusal");
    assert_eq!(
        sql[refusal],
        "SELECT 'UNIQUE constraint failed: t.a' FROM \"t\" WHERE \"a\" IS NOT NULL GROUP BY \"a\" HAVING count(*) > 1 LIMIT 1"
    );
}

#[test]
fn rebuilds_of_one_table_in_several_events_are_one_while_each_event_leaves_the_rows_as_they_are() {
    let start = schema("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL, c INT)");
    let (steps, at) = events_from(
        &start,
        &[
            "ALTER TABLE t ALTER COLUMN a SET DEFAULT 'x'",
            "ALTER TABLE t ALTER COLUMN a TYPE varchar(20)",
            "ALTER TABLE t ALTER COLUMN b DROP NOT NULL; ALTER TABLE t DROP COLUMN c",
            // A NOT NULL the rows may not meet: a query on the rows as they
            // are stands for this event's copy of them.
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
            "ALTER TABLE t ALTER COLUMN a DROP NOT NULL",
        ],
    );
    let p = plan(&start, &steps).expect("plan");
    assert_eq!(p.schema, at);
    let got: Vec<(u64, Vec<(u64, u32)>)> =
        p.rebuilds.iter().map(|r| (r.seq, r.ops.clone())).collect();
    assert_eq!(
        got,
        vec![(1, vec![(1, 0), (2, 0), (3, 0), (3, 1), (4, 0), (5, 0)])],
        "{}",
        p.sql()
    );
    // The dropped column is archived from the table as the database has it.
    assert_eq!(p.archives.len(), 1);
    assert!(
        p.statements[1]
            .comment
            .starts_with("event 3 op 2: drop_column t.c (archive"),
        "{}",
        p.sql()
    );
    assert!(
        p.statements.iter().any(|s| s.comment.starts_with(
            "events 1 (op 1), 2 (op 1), 3 (ops 1, 2), 4 (op 1), 5 (op 1): rebuild of t"
        )),
        "{}",
        p.sql()
    );
    assert_eq!(
        refusals(&p),
        ["SELECT 'NOT NULL constraint failed: t.a' FROM \"t\" WHERE \"a\" IS NULL LIMIT 1"]
    );
}

#[test]
fn what_add_column_gives_a_row_is_written_as_sqlite_reads_it() {
    // Each default in each type, against SQLite itself: a row that was
    // there before ADD COLUMN reads as what `stored_as_is` writes, value
    // and type, once stored in an untyped column as an archive stores it.
    let db = rusqlite::Connection::open_in_memory().expect("db");
    let types = [
        "text",
        "varchar(8)",
        "integer",
        "int",
        "numeric",
        "decimal(10,2)",
        "real",
        "double",
        "blob",
        "",
        "ANY",
    ];
    let defaults = [
        None,
        Some("NULL"),
        Some("'x'"),
        Some("'5'"),
        Some("' 5'"),
        Some("'1.5'"),
        Some("-5"),
        Some("+12"),
        Some("007"),
        Some("0"),
        Some("123456789012345"),
        Some("1.5"),
        Some("1.0"),
        Some("1e3"),
        Some("0x10"),
        Some("TRUE"),
        Some("false"),
        Some("x'00ff'"),
        Some("99999999999999999999"),
    ];
    let mut written = 0;
    let strict_types = ["text", "integer", "int", "real", "blob", "ANY"];
    let cases = types
        .iter()
        .map(|ty| (*ty, ""))
        .chain(strict_types.iter().map(|ty| (*ty, " STRICT")));
    for (ty, strict) in cases {
        for default in defaults {
            let column = Column {
                name: "c".into(),
                ty: ty.into(),
                default: default.map(String::from),
                ..Column::default()
            };
            let def = default.map_or(String::new(), |d| format!(" DEFAULT {d}"));
            let added = db.execute_batch(&format!(
                "DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS a;
                 CREATE TABLE t (id INTEGER PRIMARY KEY){strict}; INSERT INTO t VALUES (1);
                 ALTER TABLE t ADD COLUMN c {ty}{def}"
            ));
            let Some(value) = stored_as_is(&column, !strict.is_empty()) else {
                continue;
            };
            // Never for an ADD COLUMN SQLite refuses.
            added.unwrap_or_else(|e| panic!("{ty}{def}{strict}: {e}"));
            written += 1;
            db.execute_batch(&format!(
                "CREATE TABLE a (v); INSERT INTO a SELECT {value} FROM t"
            ))
            .expect("archive");
            let read = |sql: &str| -> (String, String) {
                db.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
                    .expect("read")
            };
            assert_eq!(
                read("SELECT quote(v), typeof(v) FROM a"),
                read("SELECT quote(c), typeof(c) FROM t"),
                "{ty}{def}{strict} written as {value}"
            );
        }
    }
    // Most of them: NULL everywhere, literals the affinity keeps, integers
    // as text and as reals.
    assert!(written > 80, "{written}");
    for (ty, default) in [("integer", "'5'"), ("numeric", "1.5"), ("real", "'x'")] {
        let column = Column {
            name: "c".into(),
            ty: ty.into(),
            default: Some(default.into()),
            ..Column::default()
        };
        assert_eq!(stored_as_is(&column, false), None, "{ty} {default}");
    }
    let generated = Column {
        name: "c".into(),
        ty: "int".into(),
        generated: Some(strata_schema::Generated {
            expr: "1".into(),
            stored: false,
        }),
        ..Column::default()
    };
    assert_eq!(stored_as_is(&generated, false), None);
}

#[test]
fn a_column_added_and_dropped_in_one_move_is_written_only_when_something_touched_it_between() {
    let table = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)";
    let add_drop = |between: &str| {
        let (steps, at) = events(&[
            table,
            "INSERT INTO t (a) VALUES ('x')",
            "ALTER TABLE t ADD COLUMN c INT DEFAULT 3; ALTER TABLE t ADD COLUMN d TEXT",
            between,
            "ALTER TABLE t DROP COLUMN c",
        ]);
        // From the table with its row: the data step is behind.
        let (start, _) = events(&[table]);
        let mut from = Schema::default();
        project_all(RULES, &mut from, &start[0].ops).expect("fits");
        let p = plan(&from, &steps[2..]).expect("plan");
        assert_eq!(p.schema, at);
        p
    };
    // Untouched: no ADD or DROP of c (nor of e); c's archive reads 3 for
    // every row, and d, which nothing has written to, as a witness: NULL.
    let p = add_drop("ALTER TABLE t ADD COLUMN e TEXT; ALTER TABLE t DROP COLUMN e");
    let sql = sqls(&p).join(";\n");
    assert!(!sql.contains("\"c\" INT"), "{sql}");
    assert!(!sql.contains("DROP COLUMN"), "{sql}");
    assert!(!sql.contains("ADD COLUMN \"e\""), "{sql}");
    assert!(sql.contains("ADD COLUMN \"d\" TEXT"), "{sql}");
    assert!(
        sql.contains("SELECT rowid, (3), \"a\", NULL FROM \"t\""),
        "{sql}"
    );
    assert_eq!(p.archives.len(), 2);
    // Named by another op, or a data step: written, and archived from the
    // column.
    for between in [
        "CREATE INDEX t_c ON t (c); DROP INDEX t_c",
        "UPDATE t SET c = 4",
        "ALTER TABLE t RENAME COLUMN a TO b",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
        "CREATE VIEW v AS SELECT c FROM t; DROP VIEW v",
    ] {
        let sql = sqls(&add_drop(between)).join(";\n");
        assert!(
            sql.contains("ADD COLUMN \"c\" INT DEFAULT 3"),
            "{between}: {sql}"
        );
        assert!(sql.contains("SELECT rowid, \"c\""), "{between}: {sql}");
    }
}

#[test]
fn a_rebuild_goes_on_past_a_plain_index_and_stops_at_one_with_expressions() {
    let start = schema("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT)");
    let two = |index: &str| {
        let (steps, at) = events_from(
            &start,
            &[
                format!("ALTER TABLE t ALTER COLUMN b TYPE bigint; {index}"),
                "ALTER TABLE t ALTER COLUMN b TYPE int".to_string(),
            ],
        );
        let p = plan(&start, &steps).expect("plan");
        assert_eq!(p.schema, at);
        p
    };
    // A plain index: one rebuild, nothing to check.
    let p = two("CREATE INDEX t_a ON t (a)");
    assert_eq!(p.rebuilds.len(), 1, "{}", p.sql());
    assert!(refusals(&p).is_empty());
    // A unique one with a collation: one rebuild, the rows checked with it.
    let p = two("CREATE UNIQUE INDEX t_a ON t (a COLLATE NOCASE, b)");
    assert_eq!(p.rebuilds.len(), 1, "{}", p.sql());
    assert_eq!(
        refusals(&p),
        ["SELECT 'UNIQUE constraint failed: t.a, t.b' FROM \"t\" WHERE \"a\" IS NOT NULL AND \"b\" IS NOT NULL GROUP BY \"a\" COLLATE NOCASE, \"b\" HAVING count(*) > 1 LIMIT 1"]
    );
    // An expression or a predicate may fail on a row in its own ways: the
    // rebuild is carried out at the end of its event.
    for index in [
        "CREATE INDEX t_a ON t (lower(a))",
        "CREATE INDEX t_a ON t (a) WHERE b > 0",
    ] {
        assert_eq!(two(index).rebuilds.len(), 2, "{index}");
    }
}
