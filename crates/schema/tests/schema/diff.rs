//! Differences between schemas as values: each kind of difference with
//! what it carries (the lines drift shows are checked where they are
//! rendered, in strata-sqlite), what is not a difference (quoting, case,
//! whitespace, constraint order), and properties over generated schemas.

use strata_dialect::sqlite::key;
use strata_dialect::sqlite::RULES;
use strata_schema::diff::{differences, Change, Constraint, Difference, ObjectKind, Value};
use strata_schema::{
    Check, Column, FkAction, ForeignKey, Generated, Index, IndexTerm, IndexedColumn, PrimaryKey,
    Schema, Table, Trigger, Unique, View,
};

fn users() -> Table {
    Table {
        name: "users".into(),
        columns: vec![
            Column {
                not_null: true,
                ..Column::new("id", "INTEGER")
            },
            Column {
                collation: Some("NOCASE".into()),
                ..Column::new("name", "varchar(50)")
            },
            Column {
                default: Some("'x'".into()),
                ..Column::new("email", "varchar(100)")
            },
            Column {
                generated: Some(Generated {
                    expr: "lower(\"name\")".into(),
                    stored: false,
                }),
                ..Column::new("lname", "TEXT")
            },
        ],
        primary_key: Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
            ..PrimaryKey::default()
        }),
        uniques: vec![
            Unique {
                name: Some("users_email".into()),
                columns: vec!["email".into()],
                ..Unique::default()
            },
            Unique {
                name: None,
                columns: vec!["name".into(), "email".into()],
                ..Unique::default()
            },
        ],
        checks: vec![Check {
            name: None,
            expr: "length(\"name\") < 50".into(),
        }],
        foreign_keys: vec![ForeignKey {
            name: Some("boss".into()),
            columns: vec!["id".into()],
            ref_table: "users".into(),
            ref_columns: vec![],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferred: true,
            ..ForeignKey::default()
        }],
        options: vec!["autoincrement".to_string()],
    }
}

fn shop() -> Schema {
    let mut s = Schema::default();
    let t = users();
    s.tables.insert(key(&t.name), t);
    let index = Index {
        name: "users_lname".into(),
        table: "users".into(),
        unique: false,
        columns: vec![
            IndexedColumn {
                term: IndexTerm::Column("lname".into()),
                collation: Some("NOCASE".into()),
                desc: true,
            },
            IndexedColumn {
                term: IndexTerm::Expr("length(\"email\")".into()),
                collation: None,
                desc: false,
            },
        ],
        predicate: Some("\"email\" IS NOT NULL".into()),
        ..Index::default()
    };
    s.indexes.insert(key(&index.name), index);
    let view = View {
        name: "v".into(),
        sql: "CREATE VIEW \"v\" AS SELECT \"name\" FROM \"users\"".into(),
        depends_on: vec!["users".into()],
    };
    s.views.insert(key(&view.name), view);
    let trigger = Trigger {
        name: "t".into(),
        table: "users".into(),
        sql: "CREATE TRIGGER \"t\" AFTER INSERT ON \"users\" BEGIN SELECT 1; END".into(),
        depends_on: vec![],
    };
    s.triggers.insert(key(&trigger.name), trigger);
    s
}

fn table_mut<'a>(s: &'a mut Schema, name: &str) -> &'a mut Table {
    s.tables.get_mut(&key(name)).expect("table")
}

/// The one change a change to a copy of the shop schema makes, about
/// `users` or the index; the reverse comparison finds one too.
fn one(change: impl FnOnce(&mut Schema)) -> Change {
    let expected = shop();
    let mut actual = shop();
    change(&mut actual);
    let mut found = differences(RULES, &expected, &actual);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        differences(RULES, &actual, &expected).len(),
        1,
        "the reverse comparison finds it too"
    );
    found.remove(0).change
}

fn index(s: &mut Schema) -> &mut Index {
    s.indexes.get_mut("users_lname").expect("index")
}

#[test]
fn equal_schemas_have_no_differences() {
    assert_eq!(differences(RULES, &shop(), &shop()), vec![]);
    assert_eq!(
        differences(RULES, &Schema::default(), &Schema::default()),
        vec![]
    );
}

#[test]
fn quoting_case_whitespace_and_constraint_order_are_not_differences() {
    let mut actual = shop();
    let t = table_mut(&mut actual, "users");
    t.name = "USERS".into();
    t.columns[1].name = "Name".into();
    t.columns[1].ty = "VARCHAR( 50 )".into();
    t.columns[1].collation = Some("nocase".into());
    t.columns[2].default = Some(" 'x' ".into());
    t.columns[3].generated = Some(Generated {
        expr: "LOWER(name)".into(),
        stored: false,
    });
    t.checks[0].expr = "length( [name] ) <  50 -- short".into();
    t.uniques.reverse();
    t.uniques[1].name = Some("USERS_EMAIL".into());
    t.foreign_keys[0].ref_table = "Users".into();
    let view = actual.views.get_mut("v").expect("view");
    view.sql = "create view v as\n  select name from users".into();
    view.depends_on = vec!["USERS".into()];
    let index = actual.indexes.get_mut("users_lname").expect("index");
    index.table = "Users".into();
    index.predicate = Some("email is not null".into());
    assert_eq!(differences(RULES, &shop(), &actual), vec![]);
}

#[test]
fn objects_missing_or_not_in_the_ledger() {
    let mut no_users = shop();
    no_users.tables.clear();
    let users = |change| Difference {
        kind: ObjectKind::Table,
        name: "users".into(),
        change,
    };
    assert_eq!(
        differences(RULES, &shop(), &no_users),
        [users(Change::Missing)]
    );
    assert_eq!(
        differences(RULES, &no_users, &shop()),
        [users(Change::NotInLedger)]
    );
    let found = differences(RULES, &Schema::default(), &shop());
    let kinds: Vec<ObjectKind> = found.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            ObjectKind::Table,
            ObjectKind::Index,
            ObjectKind::View,
            ObjectKind::Trigger
        ]
    );
    assert!(found.iter().all(|d| d.change == Change::NotInLedger));
}

#[test]
fn a_column_change_carries_the_column_or_its_values() {
    let email = users().columns[2].clone();
    assert_eq!(
        one(|s| {
            table_mut(s, "users").columns.remove(2);
        }),
        Change::MissingColumn(email)
    );
    let nick = Column::new("nick", "TEXT");
    assert_eq!(
        one(|s| table_mut(s, "users").columns.push(nick.clone())),
        Change::ColumnNotInLedger(nick)
    );
    let column = |property, actual, expected| Change::Column {
        column: "name".into(),
        property,
        actual,
        expected,
    };
    let text = |t: Option<&str>| Value::Text(t.map(str::to_string));
    assert_eq!(
        one(|s| table_mut(s, "users").columns[1].ty = String::new()),
        column("type", text(None), text(Some("varchar(50)")))
    );
    assert_eq!(
        one(|s| table_mut(s, "users").columns[1].not_null = true),
        column("NOT NULL", Value::Flag(true), Value::Flag(false))
    );
    assert_eq!(
        one(|s| table_mut(s, "users").columns[1].collation = None),
        column("collation", text(None), text(Some("NOCASE")))
    );
    let generated = users().columns[3].generated.clone();
    assert_eq!(
        one(|s| table_mut(s, "users").columns[3].generated = None),
        Change::Column {
            column: "lname".into(),
            property: "generated",
            actual: Value::Generated(None),
            expected: Value::Generated(generated),
        }
    );
}

#[test]
fn a_table_change_carries_its_key_constraints_and_options() {
    let pk = users().primary_key;
    assert_eq!(
        one(|s| table_mut(s, "users").primary_key = None),
        Change::Property {
            property: "primary key",
            actual: Value::PrimaryKey(None),
            expected: Value::PrimaryKey(pk),
        }
    );
    let unique = users().uniques[0].clone();
    assert_eq!(
        one(|s| {
            table_mut(s, "users").uniques.remove(0);
        }),
        Change::MissingConstraint(Constraint::Unique(unique))
    );
    let check = Check {
        name: Some("c".into()),
        expr: "id > 0".into(),
    };
    assert_eq!(
        one(|s| table_mut(s, "users").checks.push(check.clone())),
        Change::ConstraintNotInLedger(Constraint::Check(check))
    );
    // A changed constraint is one the ledger has and the database lacks,
    // and one the database has that the ledger lacks.
    let fk = users().foreign_keys[0].clone();
    let changed = ForeignKey {
        on_delete: FkAction::SetNull,
        ..fk.clone()
    };
    let found: Vec<Change> = differences(RULES, &shop(), &{
        let mut s = shop();
        table_mut(&mut s, "users").foreign_keys[0] = changed.clone();
        s
    })
    .into_iter()
    .map(|d| d.change)
    .collect();
    assert_eq!(
        found,
        [
            Change::MissingConstraint(Constraint::ForeignKey(fk)),
            Change::ConstraintNotInLedger(Constraint::ForeignKey(changed)),
        ]
    );
    assert_eq!(
        one(|s| table_mut(s, "users").set_option(strata_dialect::sqlite::STRICT, true)),
        Change::TableOption {
            option: "strict".to_string(),
            actual: true,
            expected: false,
        }
    );
}

#[test]
fn an_index_change_carries_its_values() {
    let terms = shop().indexes["users_lname"].columns.clone();
    let mut fewer = terms.clone();
    fewer.pop();
    assert_eq!(
        one(|s| {
            index(s).columns.pop();
        }),
        Change::Property {
            property: "terms",
            actual: Value::Terms(fewer),
            expected: Value::Terms(terms),
        }
    );
    assert_eq!(
        one(|s| index(s).predicate = None),
        Change::Property {
            property: "WHERE",
            actual: Value::Text(None),
            expected: Value::Text(Some("\"email\" IS NOT NULL".into())),
        }
    );
    assert_eq!(
        one(|s| index(s).table = "other".into()),
        Change::Property {
            property: "table",
            actual: Value::Text(Some("other".into())),
            expected: Value::Text(Some("users".into())),
        }
    );
}

#[test]
fn a_view_or_trigger_differs_by_its_definition() {
    let found = differences(RULES, &shop(), &{
        let mut s = shop();
        let t = s.triggers.get_mut("t").expect("trigger");
        t.sql = t.sql.replace("SELECT 1", "SELECT 'a'");
        s
    });
    assert_eq!(
        found,
        [Difference {
            kind: ObjectKind::Trigger,
            name: "t".into(),
            change: Change::DefinitionDiffers,
        }]
    );
}

mod properties {
    use proptest::prelude::*;
    use strata_dialect::sqlite::arb::{arb_ops, arb_schema};
    use strata_dialect::sqlite::text::normalize;
    use strata_dialect::sqlite::{key, RULES};
    use strata_schema::diff::differences;
    use strata_schema::{project_all, IndexTerm, Schema};

    /// `s` with everything the comparison ignores taken out: names folded,
    /// SQL text normalized, table constraints in a fixed order, and what is
    /// derived from a view's or trigger's text dropped.
    fn canonical(s: &Schema) -> Schema {
        let mut s = s.clone();
        let fold = |n: &mut String| *n = key(n);
        let fold_all = |v: &mut Vec<String>| v.iter_mut().for_each(|n| *n = key(n));
        for t in s.tables.values_mut() {
            fold(&mut t.name);
            for c in &mut t.columns {
                fold(&mut c.name);
                c.ty = normalize(&c.ty);
                c.default = c.default.as_deref().map(normalize);
                c.collation = c.collation.as_deref().map(key);
                if let Some(g) = &mut c.generated {
                    g.expr = normalize(&g.expr);
                }
            }
            if let Some(pk) = &mut t.primary_key {
                pk.name = pk.name.as_deref().map(key);
                fold_all(&mut pk.columns);
            }
            for u in &mut t.uniques {
                u.name = u.name.as_deref().map(key);
                fold_all(&mut u.columns);
            }
            for c in &mut t.checks {
                c.name = c.name.as_deref().map(key);
                c.expr = normalize(&c.expr);
            }
            for fk in &mut t.foreign_keys {
                fk.name = fk.name.as_deref().map(key);
                fold_all(&mut fk.columns);
                fold(&mut fk.ref_table);
                fold_all(&mut fk.ref_columns);
            }
            t.uniques.sort_by_key(|u| format!("{u:?}"));
            t.checks.sort_by_key(|c| format!("{c:?}"));
            t.foreign_keys.sort_by_key(|f| format!("{f:?}"));
        }
        for i in s.indexes.values_mut() {
            fold(&mut i.name);
            fold(&mut i.table);
            for c in &mut i.columns {
                match &mut c.term {
                    IndexTerm::Column(n) => fold(n),
                    IndexTerm::Expr(e) => *e = normalize(e),
                }
                c.collation = c.collation.as_deref().map(key);
            }
            i.predicate = i.predicate.as_deref().map(normalize);
        }
        for v in s.views.values_mut() {
            fold(&mut v.name);
            v.sql = normalize(&v.sql);
            v.depends_on.clear();
        }
        for t in s.triggers.values_mut() {
            fold(&mut t.name);
            t.sql = normalize(&t.sql);
            t.table.clear();
            t.depends_on.clear();
        }
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn a_schema_does_not_differ_from_itself(s in arb_schema()) {
            prop_assert_eq!(differences(RULES, &s, &s.clone()), vec![]);
        }

        #[test]
        fn schemas_differ_exactly_when_they_are_not_the_same(
            (start, ops) in arb_ops(4),
        ) {
            let mut after = start.clone();
            prop_assume!(project_all(RULES, &mut after, &ops).is_ok());
            let same = canonical(&start) == canonical(&after);
            let found = differences(RULES, &start, &after);
            prop_assert_eq!(found.is_empty(), same, "{:#?}", found);
            prop_assert_eq!(differences(RULES, &after, &start).is_empty(), same);
        }

        #[test]
        fn unrelated_schemas_differ_unless_the_same(a in arb_schema(), b in arb_schema()) {
            let same = canonical(&a) == canonical(&b);
            prop_assert_eq!(differences(RULES, &a, &b).is_empty(), same);
        }
    }
}
