//! Differences as drift reports them: each kind of difference with its
//! line, and what is not a difference (quoting, case, whitespace,
//! constraint order); and the same differences worded as changes from an
//! earlier schema to a later one, as `diff` lists them.

use strata_dialect::sqlite::{key, AUTOINCREMENT, RULES, STRICT, WITHOUT_ROWID};
use strata_schema::diff::{differences, Change, Difference, ObjectKind, Value};
use strata_schema::{
    Check, Column, FkAction, ForeignKey, Generated, Index, IndexTerm, IndexedColumn, PrimaryKey,
    Schema, Table, Trigger, Unique, View,
};

use super::{change_between, difference};

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
        options: vec![AUTOINCREMENT.to_string()],
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

/// The lines `actual` differs from `expected` by.
fn lines(expected: &Schema, actual: &Schema) -> Vec<String> {
    differences(RULES, expected, actual)
        .iter()
        .map(difference)
        .collect()
}

/// The one line a change to a copy of the shop schema makes, and the line
/// the reverse comparison gives.
fn one(change: impl FnOnce(&mut Schema)) -> String {
    let expected = shop();
    let mut actual = shop();
    change(&mut actual);
    let found = lines(&expected, &actual);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        differences(RULES, &actual, &expected).len(),
        1,
        "the reverse comparison finds it too"
    );
    found.into_iter().next().unwrap_or_default()
}

#[test]
fn equal_schemas_have_no_differences() {
    assert_eq!(lines(&shop(), &shop()), Vec::<String>::new());
    assert_eq!(
        lines(&Schema::default(), &Schema::default()),
        Vec::<String>::new()
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
    assert_eq!(lines(&shop(), &actual), Vec::<String>::new());
}

#[test]
fn objects_missing_or_not_in_the_ledger() {
    assert_eq!(
        one(|s| {
            s.indexes.clear();
        }),
        "index users_lname: missing from the database"
    );
    assert_eq!(
        one(|s| {
            let mut extra = s.views["v"].clone();
            extra.name = "users_email".into();
            s.views.insert("users_email".into(), extra);
        }),
        "view users_email: not in the ledger"
    );
    let mut no_users = shop();
    no_users.tables.clear();
    assert_eq!(
        lines(&shop(), &no_users),
        ["table users: missing from the database"]
    );
    assert_eq!(
        lines(&no_users, &shop()),
        ["table users: not in the ledger"]
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
fn columns_missing_extra_and_out_of_order() {
    assert_eq!(
        one(|s| {
            table_mut(s, "users").columns.remove(2);
        }),
        "table users: missing column email (expected \"email\" varchar(100) DEFAULT 'x')"
    );
    assert_eq!(
        one(|s| {
            table_mut(s, "users").columns.push(Column {
                not_null: true,
                ..Column::new("nick", "TEXT")
            });
        }),
        "table users: column nick is not in the ledger (\"nick\" TEXT NOT NULL)"
    );
    assert_eq!(
        one(|s| {
            table_mut(s, "users").columns.swap(0, 1);
        }),
        "table users: columns are in the order name, id, email, lname, expected id, name, email, lname"
    );
}

#[test]
fn each_column_property() {
    assert_eq!(
        one(|s| table_mut(s, "users").columns[1].ty = "TEXT".into()),
        "table users: column name: type is TEXT, expected varchar(50)"
    );
    assert_eq!(
        one(|s| table_mut(s, "users").columns[1].ty = String::new()),
        "table users: column name: type is none, expected varchar(50)"
    );
    assert_eq!(
        one(|s| table_mut(s, "users").columns[0].not_null = false),
        "table users: column id: NOT NULL is no, expected yes"
    );
    assert_eq!(
        one(|s| table_mut(s, "users").columns[2].default = Some("'X'".into())),
        "table users: column email: default is 'X', expected 'x'"
    );
    assert_eq!(
        one(|s| table_mut(s, "users").columns[2].default = None),
        "table users: column email: default is none, expected 'x'"
    );
    assert_eq!(
        one(|s| table_mut(s, "users").columns[1].collation = Some("RTRIM".into())),
        "table users: column name: collation is RTRIM, expected NOCASE"
    );
    assert_eq!(
        one(|s| {
            if let Some(g) = &mut table_mut(s, "users").columns[3].generated {
                g.stored = true;
            }
        }),
        "table users: column lname: generated is AS (lower(\"name\")) STORED, expected AS (lower(\"name\")) VIRTUAL"
    );
    assert_eq!(
        one(|s| table_mut(s, "users").columns[3].generated = None),
        "table users: column lname: generated is none, expected AS (lower(\"name\")) VIRTUAL"
    );
}

#[test]
fn keys_constraints_and_table_options() {
    assert_eq!(
        one(|s| table_mut(s, "users").set_option(AUTOINCREMENT, false)),
        "table users: AUTOINCREMENT is no, expected yes"
    );
    assert_eq!(
        one(|s| table_mut(s, "users").primary_key = None),
        "table users: primary key is none, expected PRIMARY KEY (\"id\")"
    );
    assert_eq!(
        one(|s| {
            table_mut(s, "users").uniques.remove(0);
        }),
        "table users: missing CONSTRAINT \"users_email\" UNIQUE (\"email\")"
    );
    assert_eq!(
        one(|s| {
            table_mut(s, "users").checks.push(Check {
                name: Some("c".into()),
                expr: "id > 0".into(),
            });
        }),
        "table users: CONSTRAINT \"c\" CHECK (id > 0) is not in the ledger"
    );
    let changed = differences(RULES, &shop(), &{
        let mut s = shop();
        table_mut(&mut s, "users").foreign_keys[0].on_delete = FkAction::SetNull;
        s
    });
    let found: Vec<String> = changed.iter().map(difference).collect();
    assert_eq!(
        found,
        [
            "table users: missing CONSTRAINT \"boss\" FOREIGN KEY (\"id\") REFERENCES \"users\" ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
            "table users: CONSTRAINT \"boss\" FOREIGN KEY (\"id\") REFERENCES \"users\" ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED is not in the ledger",
        ]
    );
    // A changed constraint is one the ledger has and the database lacks,
    // and one the database has that the ledger lacks.
    let undeferred = lines(&shop(), &{
        let mut s = shop();
        table_mut(&mut s, "users").foreign_keys[0].deferred = false;
        s
    });
    assert_eq!(undeferred.len(), 2, "{undeferred:#?}");
    assert!(undeferred[1].ends_with("ON DELETE CASCADE is not in the ledger"));
    assert_eq!(
        one(|s| table_mut(s, "users").set_option(STRICT, true)),
        "table users: STRICT is yes, expected no"
    );
    assert_eq!(
        one(|s| table_mut(s, "users").set_option(WITHOUT_ROWID, true)),
        "table users: WITHOUT ROWID is yes, expected no"
    );
}

fn index(s: &mut Schema) -> &mut Index {
    s.indexes.get_mut("users_lname").expect("index")
}

#[test]
fn each_index_property() {
    assert_eq!(
        one(|s| index(s).unique = true),
        "index users_lname: UNIQUE is yes, expected no"
    );
    assert_eq!(
        one(|s| index(s).table = "other".into()),
        "index users_lname: table is other, expected users"
    );
    assert_eq!(
        one(|s| index(s).columns[0].desc = false),
        "index users_lname: terms is (\"lname\" COLLATE NOCASE, length(\"email\")), expected (\"lname\" COLLATE NOCASE DESC, length(\"email\"))"
    );
    assert_eq!(
        one(|s| index(s).columns[1].term = IndexTerm::Column("email".into())),
        "index users_lname: terms is (\"lname\" COLLATE NOCASE DESC, \"email\"), expected (\"lname\" COLLATE NOCASE DESC, length(\"email\"))"
    );
    assert_eq!(
        one(|s| index(s).columns[0].collation = None),
        "index users_lname: terms is (\"lname\" DESC, length(\"email\")), expected (\"lname\" COLLATE NOCASE DESC, length(\"email\"))"
    );
    assert_eq!(
        one(|s| {
            index(s).columns.pop();
        }),
        "index users_lname: terms is (\"lname\" COLLATE NOCASE DESC), expected (\"lname\" COLLATE NOCASE DESC, length(\"email\"))"
    );
    assert_eq!(
        one(|s| index(s).predicate = None),
        "index users_lname: WHERE is none, expected \"email\" IS NOT NULL"
    );
}

#[test]
fn view_and_trigger_definitions() {
    assert_eq!(
        one(|s| {
            let v = s.views.get_mut("v").expect("view");
            v.sql = "CREATE VIEW \"v\" AS SELECT \"email\" FROM \"users\"".into();
        }),
        "view v: definition differs"
    );
    assert_eq!(
        one(|s| {
            let t = s.triggers.get_mut("t").expect("trigger");
            t.sql = t.sql.replace("SELECT 1", "SELECT 2");
        }),
        "trigger t: definition differs"
    );
    // A string's case is part of the text.
    assert_eq!(
        one(|s| {
            let t = s.triggers.get_mut("t").expect("trigger");
            t.sql = t.sql.replace("SELECT 1", "SELECT 'a'");
        }),
        "trigger t: definition differs"
    );
}

#[test]
fn a_difference_is_a_value_with_its_parts() {
    let d = Difference {
        kind: ObjectKind::Table,
        name: "users".into(),
        change: Change::Column {
            column: "name".into(),
            property: "type",
            actual: Value::Text(Some("TEXT".into())),
            expected: Value::Text(Some("varchar(50)".into())),
        },
    };
    assert_eq!(
        difference(&d),
        "table users: column name: type is TEXT, expected varchar(50)"
    );
}

/// The changes from the shop schema to a copy changed by `change`, each
/// as `diff` lists it.
fn changes(change: impl FnOnce(&mut Schema)) -> Vec<String> {
    let before = shop();
    let mut after = shop();
    change(&mut after);
    differences(RULES, &before, &after)
        .iter()
        .map(|d| format!("{} {}: {}", d.kind, d.name, change_between(&d.change)))
        .collect()
}

#[test]
fn a_difference_reads_as_a_change_from_the_earlier_schema() {
    assert_eq!(
        changes(|s| {
            s.indexes.clear();
            let mut extra = s.views["v"].clone();
            extra.name = "w".into();
            s.views.insert("w".into(), extra);
        }),
        ["index users_lname: dropped", "view w: added"]
    );
    assert_eq!(
        changes(|s| {
            let t = table_mut(s, "users");
            t.columns.remove(2);
            t.columns.push(Column::new("nick", "TEXT"));
        }),
        [
            "table users: dropped column email (was \"email\" varchar(100) DEFAULT 'x')",
            "table users: added column nick (\"nick\" TEXT)"
        ]
    );
    assert_eq!(
        changes(|s| table_mut(s, "users").columns.swap(0, 1)),
        ["table users: column order id, name, email, lname -> name, id, email, lname"]
    );
    assert_eq!(
        changes(|s| {
            let t = table_mut(s, "users");
            t.columns[1].ty = "TEXT".into();
            t.columns[0].not_null = false;
        }),
        [
            "table users: column id: NOT NULL yes -> no",
            "table users: column name: type varchar(50) -> TEXT"
        ]
    );
    assert_eq!(
        changes(|s| table_mut(s, "users").primary_key = None),
        ["table users: primary key PRIMARY KEY (\"id\") -> none"]
    );
    assert_eq!(
        changes(|s| table_mut(s, "users").set_option(STRICT, true)),
        ["table users: STRICT no -> yes"]
    );
    assert_eq!(
        changes(|s| {
            let t = table_mut(s, "users");
            t.uniques.remove(0);
            t.checks.push(Check {
                name: None,
                expr: "id > 0".into(),
            });
        }),
        [
            "table users: dropped CONSTRAINT \"users_email\" UNIQUE (\"email\")",
            "table users: added CHECK (id > 0)"
        ]
    );
    assert_eq!(
        changes(|s| index(s).unique = true),
        ["index users_lname: UNIQUE no -> yes"]
    );
    assert_eq!(
        changes(|s| {
            let v = s.views.get_mut("v").expect("view");
            v.sql = "CREATE VIEW \"v\" AS SELECT \"email\" FROM \"users\"".into();
        }),
        ["view v: definition changed"]
    );
    assert_eq!(changes(|_| {}), Vec::<String>::new());
}
