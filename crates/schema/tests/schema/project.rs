//! Unit tests of projection: for every op a success case with the exact
//! resulting schema, and every rejection with its exact message and the
//! schema left as it was. Renames are followed into everything that names
//! the renamed object.

use strata_dialect::sqlite::RULES;
use strata_schema::{
    invert_all, project, project_all, Check, Column, FkAction, ForeignKey, Generated, Index,
    IndexTerm, IndexedColumn, Op, PrimaryKey, Schema, Table, Trigger, Unique, View,
};

// ---------------------------------------------------------------- helpers

fn col(name: &str, ty: &str) -> Column {
    Column::new(name, ty)
}

fn table(name: &str, columns: &[(&str, &str)]) -> Table {
    Table {
        name: name.into(),
        columns: columns.iter().map(|(n, t)| col(n, t)).collect(),
        ..Table::default()
    }
}

fn with_pk(mut t: Table, columns: &[&str]) -> Table {
    t.primary_key = Some(PrimaryKey {
        name: None,
        columns: strings(columns),
        ..PrimaryKey::default()
    });
    t
}

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

fn fk(name: Option<&str>, columns: &[&str], parent: &str, parent_columns: &[&str]) -> ForeignKey {
    ForeignKey {
        name: name.map(str::to_string),
        columns: strings(columns),
        ref_table: parent.into(),
        ref_columns: strings(parent_columns),
        ..ForeignKey::default()
    }
}

fn unique(name: Option<&str>, columns: &[&str]) -> Unique {
    Unique {
        name: name.map(str::to_string),
        columns: strings(columns),
        ..Unique::default()
    }
}

fn check(name: Option<&str>, expr: &str) -> Check {
    Check {
        name: name.map(str::to_string),
        expr: expr.into(),
    }
}

fn term(name: &str) -> IndexedColumn {
    IndexedColumn {
        term: IndexTerm::Column(name.into()),
        collation: None,
        desc: false,
    }
}

fn expr_term(expr: &str) -> IndexedColumn {
    IndexedColumn {
        term: IndexTerm::Expr(expr.into()),
        collation: None,
        desc: false,
    }
}

fn index(name: &str, table: &str, columns: Vec<IndexedColumn>) -> Index {
    Index {
        name: name.into(),
        table: table.into(),
        unique: false,
        columns,
        predicate: None,
        ..Index::default()
    }
}

fn view(name: &str, sql: &str, depends_on: &[&str]) -> View {
    View {
        name: name.into(),
        sql: sql.into(),
        depends_on: strings(depends_on),
    }
}

fn trigger(name: &str, table: &str, sql: &str, depends_on: &[&str]) -> Trigger {
    Trigger {
        name: name.into(),
        table: table.into(),
        sql: sql.into(),
        depends_on: strings(depends_on),
    }
}

fn create(t: Table) -> Op {
    Op::CreateTable { table: t }
}

/// The schema the ops build from nothing; they must all fit.
fn build(ops: Vec<Op>) -> Schema {
    let mut s = Schema::default();
    if let Err((i, e)) = project_all(RULES, &mut s, &ops) {
        panic!("fixture op {i} ({}) does not fit: {e}", ops[i].kind());
    }
    s
}

/// `schema` after `op`, which must fit; and the op's inverse must give
/// `schema` back exactly.
fn apply(schema: &Schema, op: Op) -> Schema {
    let s = apply_once(schema, op.clone());
    if let Some(inverse) = op.invert() {
        let mut back = s.clone();
        if let Err(e) = project(RULES, &mut back, &inverse) {
            panic!("the inverse of {} does not fit: {e}", op.kind());
        }
        assert_eq!(&back, schema, "the inverse of {} is not exact", op.kind());
    }
    s
}

/// `schema` after `op`, which must fit, and whose inverse must fit too. For
/// SQL text that is not quoted the way strata writes it, or names that are
/// not spelled as the schema spells them, where undoing a rename gives the
/// same schema up to quoting and case but not byte for byte.
fn apply_once(schema: &Schema, op: Op) -> Schema {
    let mut s = schema.clone();
    if let Err(e) = project(RULES, &mut s, &op) {
        panic!("{} does not fit: {e}", op.kind());
    }
    if let Some(inverse) = op.invert() {
        if let Err(e) = project(RULES, &mut s.clone(), &inverse) {
            panic!("the inverse of {} does not fit: {e}", op.kind());
        }
    }
    s
}

/// `op` is refused with exactly `message`, and the schema is left alone,
/// by `project` and by `project_all` (which names the op's index).
#[track_caller]
fn reject(schema: &Schema, op: Op, message: &str) {
    let mut s = schema.clone();
    let err = project(RULES, &mut s, &op).expect_err("the op should be refused");
    assert_eq!(err.to_string(), message);
    assert_eq!(&s, schema, "a refused op changed the schema");
    let mut s = schema.clone();
    let (at, err2) = project_all(
        RULES,
        &mut s,
        &[
            Op::Data {
                sql: "SELECT 1".into(),
            },
            op,
        ],
    )
    .expect_err("project_all should refuse too");
    assert_eq!((at, err2), (1, err));
    assert_eq!(&s, schema, "a refused project_all changed the schema");
}

/// `before` changed by `edit`: the exact schema an op should leave.
fn edited(before: &Schema, edit: impl FnOnce(&mut Schema)) -> Schema {
    let mut s = before.clone();
    edit(&mut s);
    s
}

fn t_mut<'a>(s: &'a mut Schema, name: &str) -> &'a mut Table {
    s.tables
        .get_mut(&strata_dialect::sqlite::key(name))
        .expect("table exists")
}

fn t_of<'a>(s: &'a Schema, name: &str) -> &'a Table {
    s.table(strata_dialect::sqlite::RULES, name)
        .expect("table exists")
}

/// parent(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT), and
/// child(id, parent_id -> parent, qty) with an index and a view.
fn family() -> Schema {
    let mut parent = with_pk(
        table("parent", &[("id", "INTEGER"), ("name", "TEXT")]),
        &["id"],
    );
    parent.set_option(strata_dialect::sqlite::AUTOINCREMENT, true);
    let mut child = with_pk(
        table(
            "child",
            &[("id", "INTEGER"), ("parent_id", "INTEGER"), ("qty", "INT")],
        ),
        &["id"],
    );
    child
        .foreign_keys
        .push(fk(Some("child_parent"), &["parent_id"], "parent", &["id"]));
    build(vec![create(parent), create(child)])
}

// ---------------------------------------------------------------- success

#[test]
fn create_table_inserts_it_under_its_folded_name() {
    let mut t = with_pk(
        table(
            "Users",
            &[("id", "INTEGER"), ("email", "TEXT"), ("boss", "INTEGER")],
        ),
        &["id"],
    );
    t.columns[1].not_null = true;
    t.columns[1].collation = Some("NOCASE".into());
    t.columns[1].default = Some("''".into());
    t.uniques.push(unique(Some("users_email"), &["email"]));
    t.checks
        .push(check(Some("email_nonempty"), "length(\"email\") > 0"));
    t.foreign_keys.push(ForeignKey {
        on_delete: FkAction::SetNull,
        on_update: FkAction::Cascade,
        deferred: true,
        ..fk(None, &["boss"], "users", &[])
    });
    let s = apply(&Schema::default(), create(t.clone()));
    assert_eq!(s.tables.len(), 1);
    assert_eq!(s.tables.get("users"), Some(&t));
    assert!(s.indexes.is_empty() && s.views.is_empty() && s.triggers.is_empty());
}

#[test]
fn create_table_accepts_strict_without_rowid_composite_keys_and_generated_columns() {
    let mut t = with_pk(
        table(
            "pair",
            &[
                ("a", "integer"),
                ("b", " TEXT "),
                ("c", "ANY"),
                ("d", "REAL"),
            ],
        ),
        &["a", "b"],
    );
    t.set_option(strata_dialect::sqlite::STRICT, true);
    t.set_option(strata_dialect::sqlite::WITHOUT_ROWID, true);
    t.columns[3].generated = Some(Generated {
        expr: "\"a\" * 2".into(),
        stored: true,
    });
    let s = apply(&Schema::default(), create(t.clone()));
    assert_eq!(s.table(strata_dialect::sqlite::RULES, "PAIR"), Some(&t));
}

#[test]
fn drop_table_removes_it_and_a_self_reference_does_not_hold_it() {
    let mut t = with_pk(
        table("tree", &[("id", "INTEGER"), ("up", "INTEGER")]),
        &["id"],
    );
    t.foreign_keys.push(fk(None, &["up"], "tree", &["id"]));
    let s = build(vec![create(t.clone())]);
    let after = apply(&s, Op::DropTable { table: t });
    assert_eq!(after, Schema::default());
}

#[test]
fn rename_table_follows_into_foreign_keys_indexes_views_and_triggers() {
    let mut s = family();
    let mut log = table("log", &[("msg", "TEXT"), ("at", "TEXT")]);
    log.columns[1].default = Some("CURRENT_TIMESTAMP".into());
    s = apply(&s, create(log));
    s = apply(
        &s,
        Op::CreateIndex {
            index: index("parent_name", "parent", vec![term("name")]),
        },
    );
    s = apply(
        &s,
        Op::CreateView {
            view: view(
                "named",
                "CREATE VIEW \"named\" AS SELECT \"parent\".\"name\", 'parent' AS \"src\" FROM \"parent\" -- parent",
                &["parent"],
            ),
        },
    );
    s = apply(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "parent_ins",
                "parent",
                "CREATE TRIGGER \"parent_ins\" AFTER INSERT ON parent BEGIN INSERT INTO \"log\"(\"msg\") VALUES (NEW.\"name\"); END",
                &["log"],
            ),
        },
    );
    s = apply(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "log_ins",
                "log",
                "CREATE TRIGGER \"log_ins\" AFTER INSERT ON \"log\" BEGIN DELETE FROM [Parent] WHERE 0; END",
                &["Parent"],
            ),
        },
    );
    let before = s.clone();
    let after = apply_once(
        &s,
        Op::RenameTable {
            from: "PARENT".into(),
            to: "Mother".into(),
        },
    );

    let mut expected = before;
    let mut parent = expected.tables.remove("parent").expect("parent");
    parent.name = "Mother".into();
    expected.tables.insert("mother".into(), parent);
    expected
        .tables
        .get_mut("child")
        .expect("child")
        .foreign_keys[0]
        .ref_table = "Mother".into();
    expected
        .indexes
        .get_mut("parent_name")
        .expect("index")
        .table = "Mother".into();
    *expected.views.get_mut("named").expect("view") = view(
        "named",
        "CREATE VIEW \"named\" AS SELECT \"Mother\".\"name\", 'parent' AS \"src\" FROM \"Mother\" -- parent",
        &["Mother"],
    );
    *expected.triggers.get_mut("parent_ins").expect("trigger") = trigger(
        "parent_ins",
        "Mother",
        "CREATE TRIGGER \"parent_ins\" AFTER INSERT ON Mother BEGIN INSERT INTO \"log\"(\"msg\") VALUES (NEW.\"name\"); END",
        &["log"],
    );
    *expected.triggers.get_mut("log_ins").expect("trigger") = trigger(
        "log_ins",
        "log",
        "CREATE TRIGGER \"log_ins\" AFTER INSERT ON \"log\" BEGIN DELETE FROM [Mother] WHERE 0; END",
        &["Mother"],
    );
    assert_eq!(after, expected);
}

#[test]
fn rename_table_follows_a_self_reference() {
    let mut t = with_pk(
        table("tree", &[("id", "INTEGER"), ("up", "INTEGER")]),
        &["id"],
    );
    t.foreign_keys.push(fk(None, &["up"], "tree", &[]));
    let s = build(vec![create(t)]);
    let after = apply(
        &s,
        Op::RenameTable {
            from: "tree".into(),
            to: "forest".into(),
        },
    );
    let f = t_of(&after, "forest");
    assert_eq!(f.name, "forest");
    assert_eq!(f.foreign_keys[0].ref_table, "forest");
    assert!(after.table(strata_dialect::sqlite::RULES, "tree").is_none());
}

#[test]
fn add_column_goes_at_its_position() {
    let s = build(vec![create(table("t", &[("a", "INT"), ("b", "INT")]))]);
    let mut c = col("x", "TEXT");
    c.not_null = true;
    c.default = Some("'x'".into());
    let end = apply(
        &s,
        Op::AddColumn {
            table: "T".into(),
            column: c.clone(),
            position: 2,
        },
    );
    assert_eq!(end, edited(&s, |e| t_mut(e, "t").columns.push(c.clone())));
    let middle = apply(
        &s,
        Op::AddColumn {
            table: "t".into(),
            column: c.clone(),
            position: 0,
        },
    );
    assert_eq!(middle, edited(&s, |e| t_mut(e, "t").columns.insert(0, c)));
}

#[test]
fn drop_column_removes_exactly_that_column() {
    let s = build(vec![create(table(
        "t",
        &[("a", "INT"), ("b", "INT"), ("c", "INT")],
    ))]);
    let after = apply(
        &s,
        Op::DropColumn {
            table: "t".into(),
            column: col("b", "INT"),
            position: 1,
        },
    );
    assert_eq!(
        after,
        edited(&s, |e| {
            t_mut(e, "t").columns.remove(1);
        })
    );
}

#[test]
fn rename_column_follows_into_keys_constraints_expressions_indexes_views_and_triggers() {
    let mut t = with_pk(
        table(
            "t",
            &[("a", "INTEGER"), ("b", "TEXT"), ("twice", "INTEGER")],
        ),
        &["a"],
    );
    t.columns[2].generated = Some(Generated {
        expr: "\"a\" * 2".into(),
        stored: false,
    });
    t.uniques.push(unique(None, &["a", "b"]));
    t.checks.push(check(None, "a >= 0 AND length(b) < 9"));
    t.foreign_keys.push(fk(None, &["twice"], "t", &["a"]));
    let mut other = table("other", &[("x", "INTEGER")]);
    other.foreign_keys.push(fk(None, &["x"], "t", &["A"]));
    let mut partial = index(
        "t_expr",
        "t",
        vec![expr_term("abs(\"a\")"), term("b"), term("A")],
    );
    partial.predicate = Some("\"a\" > 0".into());
    let s = build(vec![
        create(t),
        create(other),
        Op::CreateIndex { index: partial },
        Op::CreateView {
            view: view(
                "v",
                "CREATE VIEW v(a) AS SELECT \"t\".a AS a FROM t WHERE 'a' <> a",
                &["t"],
            ),
        },
        Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "t",
                "CREATE TRIGGER a AFTER UPDATE OF a ON t BEGIN SELECT NEW.a, a(1); END",
                &[],
            ),
        },
    ]);
    let after = apply_once(
        &s,
        Op::RenameColumn {
            table: "t".into(),
            from: "A".into(),
            to: "id".into(),
        },
    );
    let expected = edited(&s, |e| {
        let t = t_mut(e, "t");
        t.columns[0].name = "id".into();
        t.columns[2].generated.as_mut().expect("generated").expr = "\"id\" * 2".into();
        t.primary_key.as_mut().expect("pk").columns = strings(&["id"]);
        t.uniques[0].columns = strings(&["id", "b"]);
        t.checks[0].expr = "id >= 0 AND length(b) < 9".into();
        t.foreign_keys[0].ref_columns = strings(&["id"]);
        t_mut(e, "other").foreign_keys[0].ref_columns = strings(&["id"]);
        let i = e.indexes.get_mut("t_expr").expect("index");
        i.columns = vec![expr_term("abs(\"id\")"), term("b"), term("id")];
        i.predicate = Some("\"id\" > 0".into());
        e.views.get_mut("v").expect("view").sql =
            "CREATE VIEW v(a) AS SELECT \"t\".id AS a FROM t WHERE 'a' <> id".into();
        e.triggers.get_mut("tr").expect("trigger").sql =
            "CREATE TRIGGER a AFTER UPDATE OF id ON t BEGIN SELECT NEW.id, a(1); END".into();
    });
    assert_eq!(after, expected);
}

#[test]
fn rename_column_reaches_triggers_that_write_the_table_from_elsewhere() {
    let s = build(vec![
        create(table("t", &[("a", "INT")])),
        create(table("log", &[("msg", "TEXT")])),
        Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "log",
                "CREATE TRIGGER \"tr\" AFTER INSERT ON \"log\" BEGIN INSERT INTO \"t\"(\"a\") VALUES (1); END",
                &["t"],
            ),
        },
    ]);
    let after = apply(
        &s,
        Op::RenameColumn {
            table: "t".into(),
            from: "a".into(),
            to: "b".into(),
        },
    );
    let expected = edited(&s, |e| {
        t_mut(e, "t").columns[0].name = "b".into();
        e.triggers.get_mut("tr").expect("trigger").sql =
            "CREATE TRIGGER \"tr\" AFTER INSERT ON \"log\" BEGIN INSERT INTO \"t\"(\"b\") VALUES (1); END"
                .into();
    });
    assert_eq!(after, expected);
}

#[test]
fn alter_column_replaces_the_definition() {
    let mut from = col("a", "INT");
    from.collation = Some("BINARY".into());
    let s = build(vec![
        create(table("t", &[("k", "INT")])),
        Op::AddColumn {
            table: "t".into(),
            column: from.clone(),
            position: 1,
        },
    ]);
    let to = Column {
        name: "a".into(),
        ty: "TEXT".into(),
        not_null: true,
        default: Some("'x'".into()),
        collation: Some("NOCASE".into()),
        generated: None,
        ..Column::default()
    };
    let after = apply(
        &s,
        Op::AlterColumn {
            table: "t".into(),
            from,
            to: to.clone(),
        },
    );
    assert_eq!(after, edited(&s, |e| t_mut(e, "t").columns[1] = to));
}

#[test]
fn create_and_drop_index() {
    let s = build(vec![create(table("t", &[("a", "INT"), ("b", "TEXT")]))]);
    let i = Index {
        name: "t_ab".into(),
        table: "T".into(),
        unique: true,
        columns: vec![
            IndexedColumn {
                term: IndexTerm::Column("a".into()),
                collation: None,
                desc: true,
            },
            IndexedColumn {
                term: IndexTerm::Expr("lower(\"b\")".into()),
                collation: Some("NOCASE".into()),
                desc: false,
            },
        ],
        predicate: Some("\"a\" IS NOT NULL".into()),
        ..Index::default()
    };
    let after = apply(&s, Op::CreateIndex { index: i.clone() });
    assert_eq!(
        after,
        edited(&s, |e| {
            e.indexes.insert("t_ab".into(), i.clone());
        })
    );
    let dropped = apply(&after, Op::DropIndex { index: i });
    assert_eq!(dropped, s);
}

#[test]
fn add_and_drop_foreign_key_unique_and_check() {
    let s = family();
    let f = ForeignKey {
        on_delete: FkAction::Restrict,
        on_update: FkAction::SetDefault,
        ..fk(None, &["qty"], "parent", &[])
    };
    let after = apply(
        &s,
        Op::AddForeignKey {
            table: "child".into(),
            foreign_key: f.clone(),
            position: 1,
        },
    );
    assert_eq!(
        after,
        edited(&s, |e| t_mut(e, "child").foreign_keys.push(f.clone()))
    );
    let self_ref = fk(Some("me"), &["qty"], "CHILD", &["id"]);
    let after = apply(
        &after,
        Op::AddForeignKey {
            table: "child".into(),
            foreign_key: self_ref.clone(),
            position: 2,
        },
    );
    assert_eq!(t_of(&after, "child").foreign_keys.len(), 3);
    let dropped = apply(
        &after,
        Op::DropForeignKey {
            table: "child".into(),
            foreign_key: self_ref,
            position: 2,
        },
    );
    assert_eq!(
        t_of(&dropped, "child").foreign_keys,
        vec![
            fk(Some("child_parent"), &["parent_id"], "parent", &["id"]),
            f
        ]
    );

    let u = unique(Some("one_per_parent"), &["parent_id", "qty"]);
    let after = apply(
        &s,
        Op::AddUnique {
            table: "child".into(),
            unique: u.clone(),
            position: 0,
        },
    );
    assert_eq!(
        after,
        edited(&s, |e| t_mut(e, "child").uniques.push(u.clone()))
    );
    assert_eq!(
        apply(
            &after,
            Op::DropUnique {
                table: "child".into(),
                unique: u,
                position: 0,
            }
        ),
        s
    );

    let c = check(None, "\"qty\" >= 0");
    let after = apply(
        &s,
        Op::AddCheck {
            table: "child".into(),
            check: c.clone(),
            position: 0,
        },
    );
    assert_eq!(
        after,
        edited(&s, |e| t_mut(e, "child").checks.push(c.clone()))
    );
    assert_eq!(
        apply(
            &after,
            Op::DropCheck {
                table: "child".into(),
                check: c,
                position: 0,
            }
        ),
        s
    );
}

/// A dropped constraint comes back where it was: the drop ops carry the
/// position, so undoing the drop of an inner one restores the exact list.
#[test]
fn undoing_the_drop_of_an_inner_constraint_puts_it_back_in_place() {
    let mut t = table("t", &[("a", "INT"), ("b", "INT")]);
    t.checks = vec![
        check(Some("first"), "a > 0"),
        check(Some("second"), "b > 0"),
    ];
    t.uniques = vec![unique(None, &["a"]), unique(None, &["b"])];
    t.foreign_keys = vec![fk(None, &["a"], "t", &["a"]), fk(None, &["b"], "t", &["b"])];
    let s = build(vec![create(t.clone())]);
    let round_trip = |drop: Op| {
        let mut after = s.clone();
        project(RULES, &mut after, &drop).expect("drop fits");
        assert_ne!(after, s);
        project(RULES, &mut after, &drop.invert().expect("inverse")).expect("inverse fits");
        after
    };
    for drop in [
        Op::DropCheck {
            table: "t".into(),
            check: t.checks[0].clone(),
            position: 0,
        },
        Op::DropUnique {
            table: "t".into(),
            unique: t.uniques[0].clone(),
            position: 0,
        },
        Op::DropForeignKey {
            table: "t".into(),
            foreign_key: t.foreign_keys[0].clone(),
            position: 0,
        },
    ] {
        assert_eq!(round_trip(drop), s);
    }
}

/// A constraint op must find the constraint where it says, and an add must
/// fit within the list.
#[test]
fn constraint_positions_are_checked() {
    let mut t = table("t", &[("a", "INT"), ("b", "INT")]);
    t.checks = vec![
        check(Some("first"), "a > 0"),
        check(Some("second"), "b > 0"),
    ];
    let s = build(vec![create(t.clone())]);
    reject(
        &s,
        Op::DropCheck {
            table: "t".into(),
            check: t.checks[0].clone(),
            position: 1,
        },
        "check (a > 0) on t does not match the schema: its position differs",
    );
    reject(
        &s,
        Op::DropCheck {
            table: "t".into(),
            check: check(None, "a < 0"),
            position: 0,
        },
        "no constraint named check (a < 0) on t",
    );
    reject(
        &s,
        Op::AddCheck {
            table: "t".into(),
            check: check(None, "a < 0"),
            position: 3,
        },
        "cannot add check (a < 0) on t at position 3: the table has 2 such constraints",
    );
    let after = apply(
        &s,
        Op::AddCheck {
            table: "t".into(),
            check: check(None, "a < 0"),
            position: 1,
        },
    );
    assert_eq!(t_of(&after, "t").checks[1], check(None, "a < 0"));
}

/// A table is dropped only as it is, constraints in their order.
#[test]
fn a_table_is_dropped_only_as_it_is() {
    let mut t = table("t", &[("a", "INT"), ("b", "INT")]);
    t.checks = vec![
        check(Some("first"), "a > 0"),
        check(Some("second"), "b > 0"),
    ];
    let s = build(vec![create(t.clone())]);
    let mut swapped = t.clone();
    swapped.checks.reverse();
    reject(
        &s,
        Op::DropTable { table: swapped },
        "table t does not match the schema: its definition differs",
    );
}

#[test]
fn create_and_drop_views_and_triggers() {
    let s = family();
    let v = view(
        "both",
        "CREATE VIEW \"both\" AS SELECT \"parent\".\"name\", \"child\".\"qty\" FROM \"parent\" JOIN \"child\" ON \"child\".\"parent_id\" = \"parent\".\"id\"",
        &["parent", "child"],
    );
    let after = apply(&s, Op::CreateView { view: v.clone() });
    assert_eq!(
        after,
        edited(&s, |e| {
            e.views.insert("both".into(), v.clone());
        })
    );
    let on_view = view(
        "both2",
        "CREATE VIEW \"both2\" AS SELECT * FROM \"both\"",
        &["BOTH"],
    );
    let after2 = apply(
        &after,
        Op::CreateView {
            view: on_view.clone(),
        },
    );
    assert_eq!(after2.views.len(), 2);
    let tr = trigger(
        "both_del",
        "both",
        "CREATE TRIGGER \"both_del\" INSTEAD OF DELETE ON \"both\" BEGIN DELETE FROM \"child\" WHERE 0; END",
        &["child"],
    );
    let after3 = apply(
        &after2,
        Op::CreateTrigger {
            trigger: tr.clone(),
        },
    );
    assert_eq!(
        after3,
        edited(&after2, |e| {
            e.triggers.insert("both_del".into(), tr.clone());
        })
    );
    let after4 = apply(&after3, Op::DropTrigger { trigger: tr });
    assert_eq!(after4, after2);
    assert_eq!(apply(&after2, Op::DropView { view: on_view }), after);
    assert_eq!(apply(&after, Op::DropView { view: v }), s);
}

#[test]
fn a_trigger_may_share_a_name_with_a_table() {
    // SQLite keeps triggers in a namespace of their own.
    let s = family();
    let tr = trigger(
        "parent",
        "parent",
        "CREATE TRIGGER \"parent\" AFTER INSERT ON \"parent\" BEGIN SELECT 1; END",
        &[],
    );
    let after = apply(&s, Op::CreateTrigger { trigger: tr });
    assert_eq!(after.triggers.len(), 1);
}

#[test]
fn a_data_step_changes_nothing_and_has_no_inverse() {
    let s = family();
    let op = Op::Data {
        sql: "DELETE FROM \"child\"".into(),
    };
    assert_eq!(apply(&s, op.clone()), s);
    assert_eq!(op.invert(), None);
    assert_eq!(invert_all(&[op]), None);
}

#[test]
fn project_all_applies_in_order_and_inverts_back() {
    let ops = vec![
        create(table("a", &[("x", "INT")])),
        Op::RenameTable {
            from: "a".into(),
            to: "b".into(),
        },
        Op::AddColumn {
            table: "b".into(),
            column: col("y", "TEXT"),
            position: 1,
        },
        Op::RenameColumn {
            table: "b".into(),
            from: "x".into(),
            to: "z".into(),
        },
    ];
    let mut s = Schema::default();
    project_all(RULES, &mut s, &ops).expect("ops fit");
    assert_eq!(
        s.tables.get("b"),
        Some(&table("b", &[("z", "INT"), ("y", "TEXT")]))
    );
    let back = invert_all(&ops).expect("no data steps");
    project_all(RULES, &mut s, &back).expect("inverse fits");
    assert_eq!(s, Schema::default());
}

// ---------------------------------------------------------------- names

#[test]
fn names_share_one_namespace_across_tables_views_and_indexes() {
    let s = build(vec![
        create(table("t", &[("a", "INT")])),
        Op::CreateIndex {
            index: index("i", "t", vec![term("a")]),
        },
        Op::CreateView {
            view: view("v", "CREATE VIEW v AS SELECT a FROM t", &["t"]),
        },
    ]);
    for (name, kind) in [("T", "table"), ("V", "view"), ("I", "index")] {
        let msg = format!("{kind} {name} already exists");
        reject(&s, create(table(name, &[("a", "INT")])), &msg);
        reject(
            &s,
            Op::CreateIndex {
                index: index(name, "t", vec![term("a")]),
            },
            &msg,
        );
        reject(
            &s,
            Op::CreateView {
                view: view(name, "CREATE VIEW x AS SELECT 1", &[]),
            },
            &msg,
        );
        reject(
            &s,
            Op::RenameTable {
                from: "t".into(),
                to: name.into(),
            },
            &msg,
        );
    }
}

#[test]
fn reserved_and_empty_names_are_refused() {
    let s = build(vec![create(table("t", &[("a", "INT")]))]);
    for name in ["sqlite_stat1", "SQLITE_x", "_strata_state", "_STRATA_log"] {
        let msg = format!(
            "the name {name} is reserved: names starting with sqlite_ or _strata_ belong to the database and to strata"
        );
        reject(&s, create(table(name, &[("a", "INT")])), &msg);
        reject(
            &s,
            Op::CreateIndex {
                index: index(name, "t", vec![term("a")]),
            },
            &msg,
        );
        reject(
            &s,
            Op::CreateView {
                view: view(name, "CREATE VIEW x AS SELECT 1", &[]),
            },
            &msg,
        );
        reject(
            &s,
            Op::RenameTable {
                from: "t".into(),
                to: name.into(),
            },
            &msg,
        );
    }
    let msg = "a name cannot be empty";
    reject(&s, create(table("", &[("a", "INT")])), msg);
    reject(
        &s,
        Op::CreateIndex {
            index: index("", "t", vec![term("a")]),
        },
        msg,
    );
    reject(
        &s,
        Op::CreateView {
            view: view("", "CREATE VIEW x AS SELECT 1", &[]),
        },
        msg,
    );
    reject(
        &s,
        Op::RenameTable {
            from: "t".into(),
            to: String::new(),
        },
        msg,
    );
}

// ---------------------------------------------------------------- create table

#[test]
fn create_table_rejections() {
    let s = family();
    reject(&s, create(table("t", &[])), "table t has no columns");
    reject(
        &s,
        create(table("t", &[("a", "INT"), ("", "INT")])),
        "a column of t has an empty name",
    );
    reject(
        &s,
        create(table("t", &[("a", "INT"), ("A", "TEXT")])),
        "column t.A already exists",
    );
    let mut strict = table("t", &[("a", "INT"), ("b", "varchar(5)")]);
    strict.set_option(strata_dialect::sqlite::STRICT, true);
    reject(
        &s,
        create(strict.clone()),
        "column t.b has type \"varchar(5)\", which a STRICT table does not allow (use INT, INTEGER, REAL, TEXT, BLOB or ANY)",
    );
    strict.columns[1].ty = String::new();
    reject(
        &s,
        create(strict),
        "column t.b has type \"\", which a STRICT table does not allow (use INT, INTEGER, REAL, TEXT, BLOB or ANY)",
    );
    let mut no_pk = table("t", &[("a", "INT")]);
    no_pk.set_option(strata_dialect::sqlite::WITHOUT_ROWID, true);
    reject(
        &s,
        create(no_pk),
        "table t is WITHOUT ROWID and so needs a PRIMARY KEY",
    );
    reject(
        &s,
        create(with_pk(table("t", &[("a", "INT")]), &[])),
        "a constraint on t names no columns",
    );
    reject(
        &s,
        create(with_pk(table("t", &[("a", "INT")]), &["b"])),
        "table t has no column named b",
    );
    let mut u = table("t", &[("a", "INT")]);
    u.uniques.push(unique(None, &["nope"]));
    reject(&s, create(u.clone()), "table t has no column named nope");
    u.uniques[0].columns.clear();
    reject(&s, create(u), "a constraint on t names no columns");
}

#[test]
fn autoincrement_needs_a_single_integer_primary_key_of_a_rowid_table() {
    let s = Schema::default();
    let msg =
        "table t: AUTOINCREMENT is only allowed on a single INTEGER PRIMARY KEY of a rowid table";
    let auto = |t: Table| {
        let mut t = t;
        t.set_option(strata_dialect::sqlite::AUTOINCREMENT, true);
        t
    };
    reject(
        &s,
        create(auto(with_pk(table("t", &[("id", "INT")]), &["id"]))),
        msg,
    );
    reject(
        &s,
        create(auto(with_pk(
            table("t", &[("id", "INTEGER"), ("b", "INTEGER")]),
            &["id", "b"],
        ))),
        msg,
    );
    let mut no_rowid = auto(with_pk(table("t", &[("id", "INTEGER")]), &["id"]));
    no_rowid.set_option(strata_dialect::sqlite::WITHOUT_ROWID, true);
    reject(&s, create(no_rowid), msg);
    // The type is compared without regard to case.
    let ok = auto(with_pk(table("t", &[("id", "integer")]), &["id"]));
    apply(&s, create(ok));
}

#[test]
fn constraint_names_clash_within_a_table() {
    let s = family();
    let msg = "constraint X on t already exists";
    let named_pk = |name: &str| {
        let mut t = with_pk(table("t", &[("a", "INTEGER"), ("b", "INT")]), &["a"]);
        t.primary_key.as_mut().expect("pk").name = Some(name.into());
        t
    };
    let mut t = named_pk("x");
    t.uniques.push(unique(Some("X"), &["b"]));
    reject(&s, create(t), msg);
    let mut t = named_pk("y");
    t.uniques.push(unique(Some("x"), &["b"]));
    t.checks.push(check(Some("X"), "1"));
    reject(&s, create(t), msg);
    let mut t = named_pk("y");
    t.checks.push(check(Some("x"), "1"));
    t.foreign_keys.push(fk(Some("X"), &["b"], "t", &[]));
    reject(&s, create(t), msg);
    // Unnamed constraints never clash.
    let mut t = with_pk(table("t", &[("a", "INTEGER"), ("b", "INT")]), &["a"]);
    t.uniques.push(unique(None, &["b"]));
    t.uniques.push(unique(None, &["b"]));
    t.checks.push(check(None, "1"));
    t.checks.push(check(None, "1"));
    apply(&s, create(t));
}

#[test]
fn foreign_key_rejections_in_create_table_and_add_foreign_key() {
    let base = build(vec![
        create(table("nokey", &[("a", "INT")])),
        create(with_pk(
            table("p", &[("a", "INT"), ("b", "INT")]),
            &["a", "b"],
        )),
        Op::CreateView {
            view: view("v", "CREATE VIEW v AS SELECT 1 AS a", &[]),
        },
    ]);
    let t = table("t", &[("x", "INT"), ("y", "INT")]);
    let s = apply(&base, create(t.clone()));
    let cases = [
        (
            fk(None, &["x"], "missing", &["a"]),
            "foreign key t(x) -> missing refers to missing, which is not a table",
        ),
        (
            fk(Some("to_view"), &["x"], "v", &["a"]),
            "foreign key to_view of t refers to v, which is not a table",
        ),
        (
            fk(None, &["x"], "nokey", &[]),
            "foreign key t(x) -> nokey names no parent columns and nokey has no primary key",
        ),
        (
            fk(None, &["x"], "nokey", &["zz"]),
            "table nokey has no column named zz",
        ),
        (
            fk(None, &["zz"], "nokey", &["a"]),
            "table t has no column named zz",
        ),
        (
            fk(None, &[], "nokey", &["a"]),
            "a constraint on t names no columns",
        ),
        (
            fk(None, &["x"], "p", &[]),
            "foreign key t(x) -> p has 1 columns but refers to 2",
        ),
        (
            fk(Some("two"), &["x", "y"], "nokey", &["a"]),
            "foreign key two of t has 2 columns but refers to 1",
        ),
        (
            fk(None, &["x"], "T", &[]),
            "foreign key t(x) -> T names no parent columns and t has no primary key",
        ),
        (
            fk(None, &["x"], "t", &["nope"]),
            "table t has no column named nope",
        ),
    ];
    for (f, msg) in cases {
        reject(
            &s,
            Op::AddForeignKey {
                table: "t".into(),
                foreign_key: f.clone(),
                position: 0,
            },
            msg,
        );
        let mut fresh = t.clone();
        fresh.foreign_keys.push(f);
        reject(&base, create(fresh), msg);
    }
    reject(
        &s,
        Op::AddForeignKey {
            table: "nope".into(),
            foreign_key: fk(None, &["x"], "p", &["a"]),
            position: 0,
        },
        "no table named nope",
    );
}

// ---------------------------------------------------------------- drop table

#[test]
fn drop_table_rejections() {
    let s = family();
    let parent = t_of(&s, "parent").clone();
    let child = t_of(&s, "child").clone();
    reject(
        &s,
        Op::DropTable {
            table: table("nope", &[("a", "INT")]),
        },
        "no table named nope",
    );
    let mut differs = child.clone();
    differs.columns[2].not_null = true;
    reject(
        &s,
        Op::DropTable { table: differs },
        "table child does not match the schema: its definition differs",
    );
    reject(
        &s,
        Op::DropTable {
            table: parent.clone(),
        },
        "table parent is still used by foreign key child_parent of child",
    );
    let mut anon = s.clone();
    anon.tables.get_mut("child").expect("child").foreign_keys[0].name = None;
    reject(
        &anon,
        Op::DropTable {
            table: parent.clone(),
        },
        "table parent is still used by foreign key child(parent_id) -> parent",
    );
    let with_index = apply(
        &s,
        Op::CreateIndex {
            index: index("child_qty", "Child", vec![term("qty")]),
        },
    );
    reject(
        &with_index,
        Op::DropTable {
            table: child.clone(),
        },
        "table child is still used by index child_qty",
    );
    let with_view = apply(
        &s,
        Op::CreateView {
            view: view("v", "CREATE VIEW v AS SELECT 1 FROM child", &["CHILD"]),
        },
    );
    reject(
        &with_view,
        Op::DropTable {
            table: child.clone(),
        },
        "table child is still used by view v",
    );
    let with_trigger_on = apply(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "child",
                "CREATE TRIGGER tr AFTER INSERT ON child BEGIN SELECT 1; END",
                &[],
            ),
        },
    );
    reject(
        &with_trigger_on,
        Op::DropTable {
            table: child.clone(),
        },
        "table child is still used by trigger tr",
    );
    let with_trigger_reading = apply(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "parent",
                "CREATE TRIGGER tr AFTER INSERT ON parent BEGIN DELETE FROM child WHERE 0; END",
                &["child"],
            ),
        },
    );
    reject(
        &with_trigger_reading,
        Op::DropTable { table: child },
        "table child is still used by trigger tr",
    );
}

// ---------------------------------------------------------------- rename table

#[test]
fn rename_table_rejections() {
    let s = family();
    reject(
        &s,
        Op::RenameTable {
            from: "nope".into(),
            to: "x".into(),
        },
        "no table named nope",
    );
    reject(
        &s,
        Op::RenameTable {
            from: "parent".into(),
            to: "Child".into(),
        },
        "table Child already exists",
    );
    // Only the case differs: still the same name.
    reject(
        &s,
        Op::RenameTable {
            from: "parent".into(),
            to: "PARENT".into(),
        },
        "table PARENT already exists",
    );
    let with_view = apply(
        &s,
        Op::CreateView {
            view: view("v", "CREATE VIEW v AS SELECT 1", &[]),
        },
    );
    reject(
        &with_view,
        Op::RenameTable {
            from: "parent".into(),
            to: "v".into(),
        },
        "view v already exists",
    );
    reject(
        &s,
        Op::RenameTable {
            from: "v".into(),
            to: "w".into(),
        },
        "no table named v",
    );
}

// ---------------------------------------------------------------- columns

#[test]
fn add_column_rejections() {
    let s = family();
    reject(
        &s,
        Op::AddColumn {
            table: "nope".into(),
            column: col("a", "INT"),
            position: 0,
        },
        "no table named nope",
    );
    reject(
        &s,
        Op::AddColumn {
            table: "child".into(),
            column: col("QTY", "INT"),
            position: 3,
        },
        "column child.QTY already exists",
    );
    reject(
        &s,
        Op::AddColumn {
            table: "child".into(),
            column: col("x", "INT"),
            position: 4,
        },
        "cannot add column child.x at position 4: the table has 3 columns",
    );
    reject(
        &s,
        Op::AddColumn {
            table: "child".into(),
            column: col("", "INT"),
            position: 3,
        },
        "a column of child has an empty name",
    );
    let mut strict = table("s", &[("a", "INT")]);
    strict.set_option(strata_dialect::sqlite::STRICT, true);
    let with_strict = apply(&s, create(strict));
    reject(
        &with_strict,
        Op::AddColumn {
            table: "s".into(),
            column: col("b", "DATETIME"),
            position: 1,
        },
        "column s.b has type \"DATETIME\", which a STRICT table does not allow (use INT, INTEGER, REAL, TEXT, BLOB or ANY)",
    );
}

#[test]
fn drop_column_rejections_for_the_op_itself() {
    let s = family();
    let drop = |table: &str, column: Column, position: u32| Op::DropColumn {
        table: table.into(),
        column,
        position,
    };
    reject(&s, drop("nope", col("a", "INT"), 0), "no table named nope");
    reject(
        &s,
        drop("child", col("nope", "INT"), 0),
        "table child has no column named nope",
    );
    reject(
        &s,
        drop("child", col("qty", "TEXT"), 2),
        "column child.qty does not match the schema: its definition or position differs",
    );
    reject(
        &s,
        drop("child", col("qty", "INT"), 1),
        "column child.qty does not match the schema: its definition or position differs",
    );
    let single = apply(&s, create(table("one", &[("a", "INT")])));
    reject(
        &single,
        drop("one", col("a", "INT"), 0),
        "cannot drop column one.a: it is the table's only column; drop the table instead",
    );
}

/// t(a, b, c, d) with whatever `extra` adds, then dropping `c` or `column`.
fn refuse_drop(extra: Vec<Op>, column: &str, by: &str) {
    let mut t = table(
        "t",
        &[("a", "INTEGER"), ("b", "INT"), ("c", "INT"), ("d", "INT")],
    );
    let mut ops = vec![];
    for op in extra {
        match op {
            Op::CreateTable { table } if table.name == "t" => t = table,
            other => ops.push(other),
        }
    }
    ops.insert(0, create(t.clone()));
    let s = build(ops);
    let position = t
        .column_position(strata_dialect::sqlite::RULES, column)
        .expect("column");
    reject(
        &s,
        Op::DropColumn {
            table: "t".into(),
            column: t.columns[position].clone(),
            position: position as u32,
        },
        &format!("column t.{column} is still used by {by}"),
    );
}

fn base_t() -> Table {
    table(
        "t",
        &[("a", "INTEGER"), ("b", "INT"), ("c", "INT"), ("d", "INT")],
    )
}

#[test]
fn drop_column_refused_while_the_table_uses_it() {
    let t = with_pk(base_t(), &["c"]);
    refuse_drop(vec![create(t)], "c", "the primary key of t");

    let mut t = base_t();
    t.uniques.push(unique(None, &["b", "c"]));
    refuse_drop(vec![create(t.clone())], "c", "unique constraint (b, c)");
    t.uniques[0].name = Some("u_bc".into());
    refuse_drop(vec![create(t)], "c", "unique constraint u_bc");

    let mut t = base_t();
    t.checks.push(check(None, "\"C\" > 0"));
    refuse_drop(vec![create(t.clone())], "c", "check (\"C\" > 0)");
    t.checks[0].name = Some("c_pos".into());
    refuse_drop(vec![create(t)], "c", "check constraint c_pos");

    let mut t = with_pk(base_t(), &["a"]);
    t.foreign_keys.push(fk(None, &["c"], "t", &["a"]));
    refuse_drop(vec![create(t)], "c", "foreign key t(c) -> t");

    // A self reference whose parent column is the one dropped.
    let mut t = base_t();
    t.uniques.push(unique(None, &["a"]));
    t.foreign_keys.push(fk(Some("up"), &["b"], "t", &["a"]));
    refuse_drop(vec![create(t)], "a", "unique constraint (a)");

    let mut t = base_t();
    t.columns[3].generated = Some(Generated {
        expr: "c + 1".into(),
        stored: false,
    });
    refuse_drop(vec![create(t)], "c", "generated column t.d");
}

#[test]
fn drop_column_refused_while_another_table_refers_to_it() {
    let mut child = table("child", &[("x", "INT")]);
    child
        .foreign_keys
        .push(fk(Some("child_t"), &["x"], "t", &["c"]));
    refuse_drop(vec![create(child)], "c", "foreign key child_t of child");
}

#[test]
fn drop_column_refused_while_an_index_uses_it() {
    refuse_drop(
        vec![Op::CreateIndex {
            index: index("t_c", "t", vec![term("b"), term("C")]),
        }],
        "c",
        "index t_c",
    );
    refuse_drop(
        vec![Op::CreateIndex {
            index: index("t_c", "t", vec![expr_term("abs(\"c\")")]),
        }],
        "c",
        "index t_c",
    );
    let mut partial = index("t_c", "t", vec![term("b")]);
    partial.predicate = Some("c IS NOT NULL".into());
    refuse_drop(vec![Op::CreateIndex { index: partial }], "c", "index t_c");
}

#[test]
fn drop_column_refused_while_a_view_or_trigger_uses_it() {
    refuse_drop(
        vec![Op::CreateView {
            view: view("v", "CREATE VIEW v AS SELECT \"c\" FROM t", &["t"]),
        }],
        "c",
        "view v",
    );
    refuse_drop(
        vec![Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "t",
                "CREATE TRIGGER tr AFTER UPDATE OF c ON t BEGIN SELECT 1; END",
                &[],
            ),
        }],
        "c",
        "trigger tr",
    );
    refuse_drop(
        vec![
            create(table("log", &[("m", "TEXT")])),
            Op::CreateTrigger {
                trigger: trigger(
                    "tr",
                    "log",
                    "CREATE TRIGGER tr AFTER INSERT ON log BEGIN UPDATE t SET c = 0; END",
                    &["t"],
                ),
            },
        ],
        "c",
        "trigger tr",
    );
}

#[test]
fn drop_column_is_not_held_by_names_in_strings_comments_or_the_view_name() {
    let s = build(vec![
        create(base_t()),
        Op::CreateView {
            view: view(
                "c",
                "CREATE VIEW c(c) AS SELECT 'c' /* c */ AS c FROM t -- c",
                &["t"],
            ),
        },
    ]);
    apply(
        &s,
        Op::DropColumn {
            table: "t".into(),
            column: col("c", "INT"),
            position: 2,
        },
    );
}

#[test]
fn rename_column_rejections() {
    let s = family();
    let rename = |table: &str, from: &str, to: &str| Op::RenameColumn {
        table: table.into(),
        from: from.into(),
        to: to.into(),
    };
    reject(&s, rename("nope", "a", "b"), "no table named nope");
    reject(
        &s,
        rename("child", "nope", "b"),
        "table child has no column named nope",
    );
    reject(
        &s,
        rename("child", "qty", "ID"),
        "column child.ID already exists",
    );
}

#[test]
fn rename_column_refuses_to_guess_through_a_view_or_trigger_that_reads_another_relation() {
    let s = build(vec![
        create(table("t", &[("a", "INT"), ("b", "INT")])),
        create(table("u", &[("a", "INT"), ("z", "INT")])),
        Op::CreateView {
            view: view(
                "j",
                "CREATE VIEW j AS SELECT t.a, u.z FROM t JOIN u ON t.b = u.z",
                &["t", "u"],
            ),
        },
    ]);
    reject(
        &s,
        Op::RenameColumn {
            table: "t".into(),
            from: "a".into(),
            to: "x".into(),
        },
        "cannot carry the rename of t.a into view j: it also reads u, which may have a column a; drop view j before the rename and create it again after, in the same change",
    );
    // A column of t that only t has is renamed through the join.
    let after = apply_once(
        &s,
        Op::RenameColumn {
            table: "t".into(),
            from: "b".into(),
            to: "bb".into(),
        },
    );
    assert_eq!(
        after.views["j"].sql,
        "CREATE VIEW j AS SELECT t.a, u.z FROM t JOIN u ON t.bb = u.z"
    );

    // Any other view read may have the column: refuse.
    let on_view = build(vec![
        create(table("t", &[("a", "INT")])),
        Op::CreateView {
            view: view("w", "CREATE VIEW w AS SELECT 1 AS k", &[]),
        },
        Op::CreateView {
            view: view("j", "CREATE VIEW j AS SELECT a FROM t, w", &["t", "w"]),
        },
    ]);
    reject(
        &on_view,
        Op::RenameColumn {
            table: "t".into(),
            from: "a".into(),
            to: "x".into(),
        },
        "cannot carry the rename of t.a into view j: it also reads w, which may have a column a; drop view j before the rename and create it again after, in the same change",
    );

    let with_trigger = build(vec![
        create(table("t", &[("a", "INT")])),
        create(table("u", &[("a", "INT")])),
        Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "u",
                "CREATE TRIGGER tr AFTER INSERT ON u BEGIN INSERT INTO t(a) VALUES (NEW.a); END",
                &["t"],
            ),
        },
    ]);
    reject(
        &with_trigger,
        Op::RenameColumn {
            table: "t".into(),
            from: "a".into(),
            to: "x".into(),
        },
        "cannot carry the rename of t.a into trigger tr: it also reads u, which may have a column a; drop trigger tr before the rename and create it again after, in the same change",
    );
    reject(
        &with_trigger,
        Op::RenameColumn {
            table: "u".into(),
            from: "a".into(),
            to: "x".into(),
        },
        "cannot carry the rename of u.a into trigger tr: it also reads t, which may have a column a; drop trigger tr before the rename and create it again after, in the same change",
    );
}

#[test]
fn alter_column_rejections() {
    let s = family();
    let alter = |table: &str, from: Column, to: Column| Op::AlterColumn {
        table: table.into(),
        from,
        to,
    };
    reject(
        &s,
        alter("nope", col("a", "INT"), col("a", "TEXT")),
        "no table named nope",
    );
    reject(
        &s,
        alter("child", col("nope", "INT"), col("nope", "TEXT")),
        "table child has no column named nope",
    );
    reject(
        &s,
        alter("child", col("qty", "TEXT"), col("qty", "INT")),
        "column child.qty does not match the schema: its definition differs",
    );
    reject(
        &s,
        alter("child", col("qty", "INT"), col("amount", "INT")),
        "alter column cannot rename child.qty to amount; rename the column instead",
    );
    reject(
        &s,
        alter("child", col("qty", "INT"), col("QTY", "INT")),
        "alter column cannot rename child.qty to QTY; rename the column instead",
    );
    let mut strict = table("s", &[("a", "INT")]);
    strict.set_option(strata_dialect::sqlite::STRICT, true);
    let with_strict = apply(&s, create(strict));
    reject(
        &with_strict,
        alter("s", col("a", "INT"), col("a", "VARCHAR")),
        "column s.a has type \"VARCHAR\", which a STRICT table does not allow (use INT, INTEGER, REAL, TEXT, BLOB or ANY)",
    );
}

// ---------------------------------------------------------------- indexes

#[test]
fn index_rejections() {
    let s = build(vec![
        create(table("t", &[("a", "INT")])),
        Op::CreateView {
            view: view("v", "CREATE VIEW v AS SELECT a FROM t", &["t"]),
        },
        Op::CreateIndex {
            index: index("i", "t", vec![term("a")]),
        },
    ]);
    reject(
        &s,
        Op::CreateIndex {
            index: index("j", "nope", vec![term("a")]),
        },
        "no table named nope",
    );
    reject(
        &s,
        Op::CreateIndex {
            index: index("j", "v", vec![term("a")]),
        },
        "no table named v",
    );
    reject(
        &s,
        Op::CreateIndex {
            index: index("j", "t", vec![]),
        },
        "index j has no columns",
    );
    reject(
        &s,
        Op::CreateIndex {
            index: index("j", "t", vec![term("a"), term("b")]),
        },
        "table t has no column named b",
    );
    reject(
        &s,
        Op::DropIndex {
            index: index("nope", "t", vec![term("a")]),
        },
        "no index named nope",
    );
    let mut differs = index("i", "t", vec![term("a")]);
    differs.unique = true;
    reject(
        &s,
        Op::DropIndex { index: differs },
        "index i does not match the schema: its definition differs",
    );
}

// ---------------------------------------------------------------- constraints

#[test]
fn constraint_rejections() {
    let mut t = with_pk(table("t", &[("a", "INTEGER"), ("b", "INT")]), &["a"]);
    t.primary_key.as_mut().expect("pk").name = Some("t_pk".into());
    t.uniques.push(unique(Some("t_u"), &["b"]));
    t.checks.push(check(Some("t_c"), "b > 0"));
    t.foreign_keys.push(fk(Some("t_f"), &["b"], "t", &[]));
    let s = build(vec![create(t)]);
    for taken in ["T_PK", "t_u", "t_C", "t_f"] {
        let msg = format!("constraint {taken} on t already exists");
        reject(
            &s,
            Op::AddUnique {
                table: "t".into(),
                unique: unique(Some(taken), &["b"]),
                position: 0,
            },
            &msg,
        );
        reject(
            &s,
            Op::AddCheck {
                table: "t".into(),
                check: check(Some(taken), "1"),
                position: 0,
            },
            &msg,
        );
        reject(
            &s,
            Op::AddForeignKey {
                table: "t".into(),
                foreign_key: fk(Some(taken), &["b"], "t", &["a"]),
                position: 0,
            },
            &msg,
        );
    }
    reject(
        &s,
        Op::AddUnique {
            table: "nope".into(),
            unique: unique(None, &["b"]),
            position: 0,
        },
        "no table named nope",
    );
    reject(
        &s,
        Op::AddUnique {
            table: "t".into(),
            unique: unique(None, &["b", "nope"]),
            position: 0,
        },
        "table t has no column named nope",
    );
    reject(
        &s,
        Op::AddUnique {
            table: "t".into(),
            unique: unique(None, &[]),
            position: 0,
        },
        "a constraint on t names no columns",
    );
    reject(
        &s,
        Op::AddCheck {
            table: "nope".into(),
            check: check(None, "1"),
            position: 0,
        },
        "no table named nope",
    );
    reject(
        &s,
        Op::DropUnique {
            table: "nope".into(),
            unique: unique(None, &["b"]),
            position: 0,
        },
        "no table named nope",
    );
    reject(
        &s,
        Op::DropUnique {
            table: "t".into(),
            unique: unique(None, &["a", "b"]),
            position: 0,
        },
        "no constraint named unique constraint (a, b) on t",
    );
    // A constraint is found by its whole definition, name included.
    reject(
        &s,
        Op::DropUnique {
            table: "t".into(),
            unique: unique(None, &["b"]),
            position: 0,
        },
        "no constraint named unique constraint (b) on t",
    );
    reject(
        &s,
        Op::DropCheck {
            table: "nope".into(),
            check: check(None, "1"),
            position: 0,
        },
        "no table named nope",
    );
    reject(
        &s,
        Op::DropCheck {
            table: "t".into(),
            check: check(Some("t_c"), "b >= 0"),
            position: 0,
        },
        "no constraint named check (b >= 0) on t",
    );
    reject(
        &s,
        Op::DropForeignKey {
            table: "nope".into(),
            foreign_key: fk(None, &["b"], "t", &[]),
            position: 0,
        },
        "no table named nope",
    );
    reject(
        &s,
        Op::DropForeignKey {
            table: "t".into(),
            foreign_key: fk(None, &["b"], "t", &[]),
            position: 0,
        },
        "no constraint named foreign key t(b) -> t",
    );
    reject(
        &s,
        Op::DropForeignKey {
            table: "t".into(),
            foreign_key: ForeignKey {
                on_delete: FkAction::Cascade,
                ..fk(Some("t_f"), &["b"], "t", &[])
            },
            position: 0,
        },
        "no constraint named foreign key t_f of t",
    );
}

// ---------------------------------------------------------------- views

#[test]
fn view_rejections() {
    let s = build(vec![
        create(table("t", &[("a", "INT")])),
        Op::CreateView {
            view: view("v", "CREATE VIEW v AS SELECT a FROM t", &["t"]),
        },
    ]);
    reject(
        &s,
        Op::CreateView {
            view: view(
                "w",
                "CREATE VIEW w AS SELECT * FROM t, nope",
                &["t", "nope"],
            ),
        },
        "no table or view named nope",
    );
    reject(
        &s,
        Op::DropView {
            view: view("nope", "CREATE VIEW nope AS SELECT 1", &[]),
        },
        "no view named nope",
    );
    reject(
        &s,
        Op::DropView {
            view: view("v", "CREATE VIEW v AS SELECT a AS b FROM t", &["t"]),
        },
        "view v does not match the schema: its definition differs",
    );
    reject(
        &s,
        Op::DropView {
            view: view("t", "CREATE VIEW t AS SELECT 1", &[]),
        },
        "no view named t",
    );
    let v = s.views["v"].clone();
    let on_view = apply(
        &s,
        Op::CreateView {
            view: view("w", "CREATE VIEW w AS SELECT * FROM v", &["v"]),
        },
    );
    reject(
        &on_view,
        Op::DropView { view: v.clone() },
        "view v is still used by view w",
    );
    let trigger_on = apply(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "V",
                "CREATE TRIGGER tr INSTEAD OF INSERT ON v BEGIN SELECT 1; END",
                &[],
            ),
        },
    );
    reject(
        &trigger_on,
        Op::DropView { view: v.clone() },
        "view v is still used by trigger tr",
    );
    let trigger_reads = apply(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "t",
                "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT * FROM v; END",
                &["v"],
            ),
        },
    );
    reject(
        &trigger_reads,
        Op::DropView { view: v },
        "view v is still used by trigger tr",
    );
}

// ---------------------------------------------------------------- triggers

#[test]
fn trigger_rejections() {
    let tr = trigger(
        "tr",
        "t",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
        &[],
    );
    let s = build(vec![
        create(table("t", &[("a", "INT")])),
        Op::CreateTrigger {
            trigger: tr.clone(),
        },
    ]);
    reject(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "TR",
                "t",
                "CREATE TRIGGER TR AFTER DELETE ON t BEGIN SELECT 1; END",
                &[],
            ),
        },
        "trigger TR already exists",
    );
    reject(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "tr2",
                "nope",
                "CREATE TRIGGER tr2 AFTER INSERT ON nope BEGIN SELECT 1; END",
                &[],
            ),
        },
        "no table or view named nope",
    );
    reject(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "tr2",
                "t",
                "CREATE TRIGGER tr2 AFTER INSERT ON t BEGIN DELETE FROM gone; END",
                &["gone"],
            ),
        },
        "no table or view named gone",
    );
    reject(
        &s,
        Op::DropTrigger {
            trigger: trigger("nope", "t", "x", &[]),
        },
        "no trigger named nope",
    );
    let mut differs = tr;
    differs.sql.push(' ');
    reject(
        &s,
        Op::DropTrigger { trigger: differs },
        "trigger tr does not match the schema: its definition differs",
    );
}

#[test]
fn project_all_names_the_failing_op_and_keeps_the_schema() {
    let s = family();
    let ops = vec![
        create(table("new", &[("a", "INT")])),
        Op::AddColumn {
            table: "new".into(),
            column: col("b", "INT"),
            position: 1,
        },
        Op::DropTable {
            table: table("gone", &[("a", "INT")]),
        },
    ];
    let mut after = s.clone();
    let err = project_all(RULES, &mut after, &ops).expect_err("the third op fails");
    assert_eq!(err.0, 2);
    assert_eq!(err.1.to_string(), "no table named gone");
    assert_eq!(after, s);
}

// ---------------------------------------------------------------- bugs found
//
// Each of these failed before the fix in the same commit.

/// A bare reserved word is always the keyword: renaming a column named
/// `from` or `select` must not rewrite the keywords of the view's query.
#[test]
fn renames_leave_reserved_keywords_alone() {
    let s = build(vec![
        create(table(
            "t",
            &[("select", "INT"), ("from", "TEXT"), ("on", "INT"), ("k", "INT")],
        )),
        Op::CreateView {
            view: view(
                "v",
                "CREATE VIEW \"v\" AS SELECT \"select\", \"from\" FROM \"t\" WHERE \"select\" > 0 ORDER BY 1",
                &["t"],
            ),
        },
        Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "t",
                "CREATE TRIGGER \"tr\" AFTER UPDATE OF \"on\" ON \"t\" WHEN NEW.\"on\" IS NOT NULL BEGIN SELECT CURRENT_TIMESTAMP; END",
                &[],
            ),
        },
    ]);
    let after = apply(
        &s,
        Op::RenameColumn {
            table: "t".into(),
            from: "select".into(),
            to: "chosen".into(),
        },
    );
    assert_eq!(
        after.views["v"].sql,
        "CREATE VIEW \"v\" AS SELECT \"chosen\", \"from\" FROM \"t\" WHERE \"chosen\" > 0 ORDER BY 1"
    );
    let after = apply(
        &s,
        Op::RenameColumn {
            table: "t".into(),
            from: "from".into(),
            to: "origin".into(),
        },
    );
    assert_eq!(
        after.views["v"].sql,
        "CREATE VIEW \"v\" AS SELECT \"select\", \"origin\" FROM \"t\" WHERE \"select\" > 0 ORDER BY 1"
    );
    let after = apply(
        &s,
        Op::RenameColumn {
            table: "t".into(),
            from: "on".into(),
            to: "current_timestamp".into(),
        },
    );
    assert_eq!(
        after.triggers["tr"].sql,
        "CREATE TRIGGER \"tr\" AFTER UPDATE OF \"current_timestamp\" ON \"t\" WHEN NEW.\"current_timestamp\" IS NOT NULL BEGIN SELECT CURRENT_TIMESTAMP; END"
    );
    // ON, FROM and ORDER in the text do not hold columns of those names.
    let dropped = apply(
        &apply(
            &s,
            Op::DropView {
                view: s.views["v"].clone(),
            },
        ),
        Op::DropColumn {
            table: "t".into(),
            column: col("from", "TEXT"),
            position: 1,
        },
    );
    assert!(t_of(&dropped, "t")
        .column(strata_dialect::sqlite::RULES, "from")
        .is_none());
    apply(
        &s,
        Op::AddColumn {
            table: "t".into(),
            column: col("order", "INT"),
            position: 4,
        },
    );
}

/// SQLite reserves these names for triggers as for every other object.
#[test]
fn trigger_names_may_not_be_reserved_or_empty() {
    let s = build(vec![create(table("t", &[("a", "INT")]))]);
    for name in ["sqlite_x", "_strata_audit"] {
        reject(
            &s,
            Op::CreateTrigger {
                trigger: trigger(name, "t", "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END", &[]),
            },
            &format!("the name {name} is reserved: names starting with sqlite_ or _strata_ belong to the database and to strata"),
        );
    }
    reject(
        &s,
        Op::CreateTrigger {
            trigger: trigger(
                "",
                "t",
                "CREATE TRIGGER \"\" AFTER INSERT ON t BEGIN SELECT 1; END",
                &[],
            ),
        },
        "a name cannot be empty",
    );
}

/// Altering the type of an AUTOINCREMENT key away from INTEGER left a table
/// that CREATE TABLE itself refuses.
#[test]
fn alter_column_keeps_autoincrement_on_an_integer_key() {
    let s = family();
    reject(
        &s,
        Op::AlterColumn {
            table: "parent".into(),
            from: col("id", "INTEGER"),
            to: col("id", "INT"),
        },
        "table parent: AUTOINCREMENT is only allowed on a single INTEGER PRIMARY KEY of a rowid table",
    );
    let mut not_null = col("id", "integer");
    not_null.not_null = true;
    apply(
        &s,
        Op::AlterColumn {
            table: "parent".into(),
            from: col("id", "INTEGER"),
            to: not_null,
        },
    );
}

/// A rename could give a column an empty name, which no other op allows.
#[test]
fn rename_column_refuses_an_empty_name() {
    reject(
        &family(),
        Op::RenameColumn {
            table: "child".into(),
            from: "qty".into(),
            to: String::new(),
        },
        "a column of child has an empty name",
    );
}

/// SQLite renames a column to another case of its name; the column was
/// taken for a clash with itself.
#[test]
fn rename_column_may_change_only_the_case() {
    let s = apply(
        &family(),
        Op::CreateView {
            view: view(
                "v",
                "CREATE VIEW \"v\" AS SELECT \"qty\" FROM \"child\"",
                &["child"],
            ),
        },
    );
    let after = apply(
        &s,
        Op::RenameColumn {
            table: "child".into(),
            from: "qty".into(),
            to: "Qty".into(),
        },
    );
    assert_eq!(t_of(&after, "child").columns[2], col("Qty", "INT"));
    assert_eq!(
        after.views["v"].sql,
        "CREATE VIEW \"v\" AS SELECT \"Qty\" FROM \"child\""
    );
}

/// Function names and qualifiers are not uses of a column: a column named
/// `lower` next to an index on `lower("b")`, or named `a` next to a view
/// that uses `a` as the alias of its table, can be dropped (and so the
/// inverse of adding it fits).
#[test]
fn function_names_and_qualifiers_do_not_hold_a_column() {
    let s = build(vec![
        create(table("t", &[("b", "TEXT"), ("x", "INT")])),
        Op::CreateIndex {
            index: index("t_lower", "t", vec![expr_term("lower(\"b\")")]),
        },
        Op::CreateView {
            view: view(
                "v",
                "CREATE VIEW \"v\" AS SELECT \"a\".\"x\" FROM \"t\" AS \"a\"",
                &["t"],
            ),
        },
    ]);
    for name in ["lower", "a"] {
        apply(
            &s,
            Op::AddColumn {
                table: "t".into(),
                column: col(name, "INT"),
                position: 2,
            },
        );
    }
    // And a rename of x leaves the alias qualifying it alone.
    let after = apply(
        &apply(
            &s,
            Op::AddColumn {
                table: "t".into(),
                column: col("a", "INT"),
                position: 2,
            },
        ),
        Op::RenameColumn {
            table: "t".into(),
            from: "a".into(),
            to: "z".into(),
        },
    );
    assert_eq!(
        after.views["v"].sql,
        "CREATE VIEW \"v\" AS SELECT \"a\".\"x\" FROM \"t\" AS \"a\""
    );
}

/// A lexical rename cannot tell a column from a relation of the same name,
/// nor keep apart the new name and what the text already calls so: such a
/// rename made a broken view, or one its inverse could not restore.
#[test]
fn rename_column_refuses_what_a_lexical_rewrite_cannot_tell_apart() {
    let base = build(vec![
        create(table("t", &[("a", "INT"), ("b", "INT")])),
        create(table("u", &[("z", "INT")])),
    ]);
    let rename = |to: &str| Op::RenameColumn {
        table: "t".into(),
        from: "a".into(),
        to: to.into(),
    };
    let tail = "drop view v before the rename and create it again after, in the same change";

    // The new name is a column of another relation read: unqualified, it
    // would become ambiguous.
    let join = apply(
        &base,
        Op::CreateView {
            view: view(
                "v",
                "CREATE VIEW \"v\" AS SELECT \"a\" FROM \"t\" JOIN \"u\"",
                &["t", "u"],
            ),
        },
    );
    reject(
        &join,
        rename("z"),
        &format!("cannot carry the rename of t.a into view v: it also reads u, which may have a column z; {tail}"),
    );

    // The new name already means something else in the text.
    let sub = apply(
        &base,
        Op::CreateView {
            view: view(
                "v",
                "CREATE VIEW \"v\" AS SELECT \"a\" FROM (SELECT \"a\", 1 AS \"y\" FROM \"t\") WHERE \"y\" = 1",
                &["t"],
            ),
        },
    );
    reject(
        &sub,
        rename("y"),
        &format!("cannot carry the rename of t.a into view v: it already names y; {tail}"),
    );

    // A relation read is named like the column, old or new.
    let named_a = build(vec![
        create(table("a", &[("a", "INT"), ("k", "INT")])),
        Op::CreateView {
            view: view("v", "CREATE VIEW \"v\" AS SELECT \"a\" FROM \"a\"", &["a"]),
        },
    ]);
    reject(
        &named_a,
        Op::RenameColumn {
            table: "a".into(),
            from: "a".into(),
            to: "b".into(),
        },
        &format!("cannot carry the rename of a.a into view v: it reads a, whose name a column reference could be taken for; {tail}"),
    );
    let reads_u = apply(
        &base,
        Op::CreateView {
            view: view(
                "v",
                "CREATE VIEW \"v\" AS SELECT \"t\".\"a\" FROM \"t\", \"u\"",
                &["t", "u"],
            ),
        },
    );
    reject(
        &reads_u,
        rename("u"),
        &format!("cannot carry the rename of t.a into view v: it reads u, whose name a column reference could be taken for; {tail}"),
    );
    // Without a view in the way, the same renames are fine.
    apply(&base, rename("u"));
    apply(&base, rename("z"));
}

/// The same for a table rename: a column named like the table under its old
/// or new name, or the new name already in the text.
#[test]
fn rename_table_refuses_what_a_lexical_rewrite_cannot_tell_apart() {
    let tail = "drop view v before the rename and create it again after, in the same change";
    let status = build(vec![
        create(table("status", &[("status", "TEXT"), ("people", "INT")])),
        Op::CreateView {
            view: view(
                "v",
                "CREATE VIEW \"v\" AS SELECT \"status\" FROM \"status\"",
                &["status"],
            ),
        },
    ]);
    reject(
        &status,
        Op::RenameTable {
            from: "status".into(),
            to: "states".into(),
        },
        &format!("cannot carry the rename of table status to states into view v: status has a column status, which a table reference could be taken for; {tail}"),
    );
    let t = build(vec![
        create(table("t", &[("a", "INT"), ("people", "INT")])),
        Op::CreateView {
            view: view(
                "v",
                "CREATE VIEW \"v\" AS SELECT \"x\".\"a\" FROM \"t\" \"x\"",
                &["t"],
            ),
        },
    ]);
    reject(
        &t,
        Op::RenameTable {
            from: "t".into(),
            to: "people".into(),
        },
        &format!("cannot carry the rename of table t to people into view v: t has a column people, which a table reference could be taken for; {tail}"),
    );
    reject(
        &t,
        Op::RenameTable {
            from: "t".into(),
            to: "x".into(),
        },
        &format!("cannot carry the rename of table t to x into view v: it already names x; {tail}"),
    );
    apply(
        &t,
        Op::RenameTable {
            from: "t".into(),
            to: "y".into(),
        },
    );
}

/// Of identical constraints, a drop removed the first, so adding a
/// duplicate and undoing it reordered the list.
#[test]
fn undoing_the_add_of_a_duplicate_constraint_is_exact() {
    let mut t = table("t", &[("a", "INT"), ("b", "INT")]);
    t.checks = vec![check(None, "a > 0"), check(Some("named"), "b > 0")];
    t.uniques = vec![unique(None, &["a"]), unique(None, &["b"])];
    t.foreign_keys = vec![fk(None, &["a"], "t", &["a"]), fk(None, &["b"], "t", &["b"])];
    let s = build(vec![create(t.clone())]);
    apply(
        &s,
        Op::AddCheck {
            table: "t".into(),
            check: t.checks[0].clone(),
            position: 0,
        },
    );
    apply(
        &s,
        Op::AddUnique {
            table: "t".into(),
            unique: t.uniques[0].clone(),
            position: 0,
        },
    );
    apply(
        &s,
        Op::AddForeignKey {
            table: "t".into(),
            foreign_key: t.foreign_keys[0].clone(),
            position: 0,
        },
    );
}

/// FIXME: a name spelled like a keyword SQLite also accepts as a name
/// (`end`, `begin`, `of`, `row`, `desc`, ...) cannot be told from the
/// keyword by the lexical rename when the keyword is written bare, as
/// trigger syntax always writes END. Renaming a column `end` rewrites the
/// trigger's END too, and the column cannot be dropped while the trigger
/// exists. Reserved words (`select`, `from`, ...) are fine. This asserts
/// today's behaviour; a fix is either to refuse such renames or to treat
/// the structural keywords as keywords always.
#[test]
fn a_column_named_like_a_non_reserved_keyword_is_confused_with_it() {
    let s = build(vec![
        create(table("t", &[("end", "INT"), ("b", "INT")])),
        Op::CreateTrigger {
            trigger: trigger(
                "tr",
                "t",
                "CREATE TRIGGER \"tr\" AFTER INSERT ON \"t\" BEGIN SELECT NEW.\"b\"; END",
                &[],
            ),
        },
    ]);
    let after = apply_once(
        &s,
        Op::RenameColumn {
            table: "t".into(),
            from: "end".into(),
            to: "e".into(),
        },
    );
    assert_eq!(
        after.triggers["tr"].sql,
        "CREATE TRIGGER \"tr\" AFTER INSERT ON \"t\" BEGIN SELECT NEW.\"b\"; e"
    );
    reject(
        &s,
        Op::DropColumn {
            table: "t".into(),
            column: col("end", "INT"),
            position: 0,
        },
        "column t.end is still used by trigger tr",
    );
}
