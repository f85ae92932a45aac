//! `derive`: the ops that turn one schema into another, tried on generated
//! schemas and on the changes generated op sequences make to them.

use proptest::prelude::*;
use strata_dialect::sqlite::arb::arb_ops;
use strata_dialect::sqlite::RULES;
use strata_schema::{
    derive, differences, project_all, Column, DeriveError, Op, Rename, Schema, Table,
};

/// The reasons derive may refuse a change: what no op expresses.
fn refused_for_a_reason(e: &DeriveError) -> bool {
    let text = e.to_string();
    [
        "the primary key differs",
        "WITHOUT ROWID differs",
        "AUTOINCREMENT differs",
        "STRICT differs",
        "another order",
    ]
    .iter()
    .any(|r| text.contains(r))
}

/// The renames among `ops` whose names survive to the end: each a table
/// or column renamed once and not touched by name again.
fn plain_renames(ops: &[Op]) -> bool {
    ops.iter()
        .any(|op| matches!(op, Op::RenameTable { .. } | Op::RenameColumn { .. }))
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Beside this file, where its regressions are kept.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    /// Between a schema and what an op sequence makes of it, in both
    /// directions: the derived ops fit step by step, give the target
    /// exactly, and deriving again from the target gives nothing. A refusal
    /// is only ever for what no op expresses.
    #[test]
    fn derived_ops_turn_one_schema_into_the_other((start, ops) in arb_ops(12)) {
        let mut end = start.clone();
        project_all(RULES, &mut end, &ops).expect("generated ops fit");
        for (from, to) in [(&start, &end), (&end, &start)] {
            match derive(RULES, from, to, &[]) {
                Ok(d) => {
                    let mut got = from.clone();
                    if let Err((i, e)) = project_all(RULES, &mut got, &d.ops) {
                        panic!("derived op {i} ({:?}) does not fit: {e}", d.ops[i]);
                    }
                    let left = differences(RULES, to, &got);
                    prop_assert!(left.is_empty(), "left: {left:?}");
                    let again = derive(RULES, &got, to, &[]).expect("derive again");
                    prop_assert!(again.ops.is_empty(), "again: {:?}", again.ops);
                }
                Err(e) => {
                    prop_assert!(refused_for_a_reason(&e), "{e} (after renames: {})", plain_renames(&ops));
                }
            }
        }
    }
}

fn table(name: &str, columns: &[(&str, &str)]) -> Table {
    Table {
        name: name.into(),
        columns: columns.iter().map(|(n, t)| Column::new(*n, *t)).collect(),
        ..Table::default()
    }
}

fn schema(tables: &[Table]) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.tables
            .insert(strata_dialect::sqlite::key(&t.name), t.clone());
    }
    s
}

#[test]
fn a_rename_is_a_rename_only_when_said() {
    let from = schema(&[table("users", &[("id", "integer"), ("username", "text")])]);
    let to = schema(&[table("users", &[("id", "integer"), ("user_name", "text")])]);

    let d = derive(RULES, &from, &to, &[]).expect("derive");
    let kinds: Vec<&str> = d.ops.iter().map(Op::kind).collect();
    assert_eq!(kinds, ["drop_column", "add_column"]);
    assert_eq!(
        d.suggestions
            .iter()
            .map(|s| s.rename.to_string())
            .collect::<Vec<_>>(),
        ["users.username=users.user_name"]
    );

    let rename = Rename::Column {
        table: "users".into(),
        from: "username".into(),
        to: "user_name".into(),
    };
    let d = derive(RULES, &from, &to, &[rename]).expect("derive");
    assert_eq!(
        d.ops,
        [Op::RenameColumn {
            table: "users".into(),
            from: "username".into(),
            to: "user_name".into()
        }]
    );
    assert!(d.suggestions.is_empty());
}

#[test]
fn a_table_rename_carries_its_column_renames() {
    let from = schema(&[table("accounts_old", &[("id", "integer"), ("nm", "text")])]);
    let to = schema(&[table("accounts", &[("id", "integer"), ("name", "text")])]);
    let d = derive(
        RULES,
        &from,
        &to,
        &[
            Rename::Object {
                from: "accounts_old".into(),
                to: "accounts".into(),
            },
            Rename::Column {
                table: "accounts".into(),
                from: "nm".into(),
                to: "name".into(),
            },
        ],
    )
    .expect("derive");
    let kinds: Vec<&str> = d.ops.iter().map(Op::kind).collect();
    assert_eq!(kinds, ["rename_table", "rename_column"]);
}

#[test]
fn renames_that_name_nothing_are_refused() {
    let from = schema(&[table("users", &[("id", "integer"), ("name", "text")])]);
    let to = schema(&[table("people", &[("id", "integer"), ("name", "text")])]);
    for (rename, why) in [
        (
            Rename::Object {
                from: "nobody".into(),
                to: "people".into(),
            },
            "head has no table or index named nobody",
        ),
        (
            Rename::Object {
                from: "users".into(),
                to: "folk".into(),
            },
            "the desired schema has no table folk",
        ),
        (
            Rename::Column {
                table: "users".into(),
                from: "nme".into(),
                to: "name".into(),
            },
            "is not a table of both",
        ),
    ] {
        let e = derive(RULES, &from, &to, &[rename]).expect_err("refused");
        assert!(e.to_string().contains(why), "{e}");
    }
}

fn key(columns: &[&str]) -> Option<strata_schema::PrimaryKey> {
    Some(strata_schema::PrimaryKey {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        ..Default::default()
    })
}

#[test]
fn a_primary_key_that_changes_is_dropped_and_added_again() {
    let mut users = table("users", &[("id", "integer"), ("email", "text")]);
    users.primary_key = key(&["id"]);
    let mut posts = table("posts", &[("id", "integer"), ("author", "integer")]);
    posts.foreign_keys.push(strata_schema::ForeignKey {
        name: None,
        columns: vec!["author".into()],
        ref_table: "users".into(),
        ref_columns: Vec::new(),
        on_delete: Default::default(),
        on_update: Default::default(),
        deferred: false,
        ..Default::default()
    });
    let from = schema(&[users.clone(), posts.clone()]);
    let mut rekeyed = users.clone();
    rekeyed.primary_key = key(&["email"]);
    let to = schema(&[rekeyed, posts]);
    let d = derive(RULES, &from, &to, &[]).expect("derived");
    let kinds: Vec<&str> = d.ops.iter().map(Op::kind).collect();
    // The foreign key to the old key goes first and comes back last.
    assert_eq!(
        kinds,
        [
            "drop_foreign_key",
            "drop_primary_key",
            "add_primary_key",
            "add_foreign_key"
        ]
    );
    let mut got = from.clone();
    project_all(RULES, &mut got, &d.ops).expect("the ops fit");
    assert!(differences(RULES, &to, &got).is_empty());

    // A new key where there was none, and none where there was one.
    let plain = table("t", &[("id", "integer")]);
    let mut keyed = plain.clone();
    keyed.primary_key = key(&["id"]);
    let (a, b) = (schema(&[plain]), schema(&[keyed]));
    assert_eq!(kinds_of(&a, &b), ["add_primary_key"]);
    assert_eq!(kinds_of(&b, &a), ["drop_primary_key"]);
}

fn kinds_of(from: &Schema, to: &Schema) -> Vec<&'static str> {
    derive(RULES, from, to, &[])
        .expect("derived")
        .ops
        .iter()
        .map(Op::kind)
        .collect()
}

#[test]
fn a_key_the_table_cannot_be_without_is_refused_by_name() {
    let mut t = table("users", &[("id", "integer"), ("name", "text")]);
    t.primary_key = key(&["id"]);
    t.options = vec!["without_rowid".into()];
    let from = schema(std::slice::from_ref(&t));
    t.primary_key = key(&["name"]);
    let to = schema(&[t]);
    let e = derive(RULES, &from, &to, &[]).expect_err("refused");
    assert!(
        e.to_string()
            .contains("table users: the primary key differs, and the table cannot be without one"),
        "{e}"
    );
}

#[test]
fn tables_that_refer_to_each_other_come_and_go() {
    let mut a = table("a", &[("id", "integer"), ("b_id", "integer")]);
    let mut b = table("b", &[("id", "integer"), ("a_id", "integer")]);
    for (t, other) in [(&mut a, "b"), (&mut b, "a")] {
        t.primary_key = Some(strata_schema::PrimaryKey {
            columns: vec!["id".into()],
            ..Default::default()
        });
        t.foreign_keys.push(strata_schema::ForeignKey {
            columns: vec![format!("{other}_id")],
            ref_table: other.into(),
            ref_columns: vec!["id".into()],
            ..Default::default()
        });
    }
    let empty = Schema::default();
    let both = schema(&[a, b]);
    for (from, to) in [(&empty, &both), (&both, &empty)] {
        let d = derive(RULES, from, to, &[]).expect("derive");
        let mut got = from.clone();
        project_all(RULES, &mut got, &d.ops).expect("fits");
        assert!(differences(RULES, to, &got).is_empty());
    }
}
