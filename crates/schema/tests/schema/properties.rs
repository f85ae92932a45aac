//! Property tests of projection and inversion over generated schemas and op
//! sequences (the `arb` module, feature `arbitrary`).

use std::collections::BTreeSet;

use proptest::prelude::*;
use strata_dialect::sqlite::arb::{
    arb_ops, arb_schema, ops_from, propose_kind, Choices, STEP_KINDS,
};
use strata_dialect::sqlite::RULES;
use strata_dialect::sqlite::{key, same_name};
use strata_schema::{
    invert_all, project, project_all, Column, Index, IndexTerm, IndexedColumn, Op, Schema, Table,
    View,
};

/// The ops that build `s` from nothing: tables with their parents first,
/// then indexes, views with what they read first, then triggers.
fn creation_ops(s: &Schema) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut made: BTreeSet<String> = BTreeSet::new();
    let mut tables: Vec<&Table> = s.tables.values().collect();
    while !tables.is_empty() {
        let ready = tables
            .iter()
            .position(|t| {
                t.foreign_keys
                    .iter()
                    .all(|f| same_name(&f.ref_table, &t.name) || made.contains(&key(&f.ref_table)))
            })
            .expect("no cycle of foreign keys between generated tables");
        let t = tables.remove(ready);
        made.insert(key(&t.name));
        ops.push(Op::CreateTable { table: t.clone() });
    }
    ops.extend(
        s.indexes
            .values()
            .map(|i| Op::CreateIndex { index: i.clone() }),
    );
    let mut views: Vec<&View> = s.views.values().collect();
    while !views.is_empty() {
        let ready = views
            .iter()
            .position(|v| v.depends_on.iter().all(|d| made.contains(&key(d))))
            .expect("views read what exists");
        let v = views.remove(ready);
        made.insert(key(&v.name));
        ops.push(Op::CreateView { view: v.clone() });
    }
    ops.extend(
        s.triggers
            .values()
            .map(|t| Op::CreateTrigger { trigger: t.clone() }),
    );
    ops
}

proptest! {
    // 256 cases each by default; PROPTEST_CASES=n for more.
    #![proptest_config(ProptestConfig {
        // Beside this file, where its regressions are kept.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    /// A generated schema is one that ops can build: every object fits.
    #[test]
    fn generated_schemas_are_valid(s in arb_schema()) {
        let mut built = Schema::default();
        let ops = creation_ops(&s);
        if let Err((i, e)) = project_all(RULES, &mut built, &ops) {
            panic!("op {i} ({}) of building the schema does not fit: {e}", ops[i].kind());
        }
        prop_assert_eq!(built, s);
    }

    /// Every step the generator is sure of fits, from every point of a
    /// generated sequence: when one does not, projection refuses a valid op
    /// (or the generator is wrong).
    #[test]
    fn sure_steps_fit(
        (start, ops) in arb_ops(12),
        values in prop::collection::vec(any::<u32>(), 0..200),
    ) {
        let mut c = Choices::listed(values);
        let mut s = start;
        for op in ops.iter().map(Some).chain([None]) {
            for (kind, name) in STEP_KINDS.iter().enumerate() {
                let Some(step) = propose_kind(&s, &mut c, kind) else { continue };
                let mut next = s.clone();
                if let Err((i, e)) = project_all(RULES, &mut next, &step.ops) {
                    prop_assert!(
                        !step.sure,
                        "a sure {} step does not fit: op {i} ({:?}): {e}",
                        name,
                        step.ops[i]
                    );
                }
            }
            if let Some(op) = op {
                project(RULES, &mut s, op).expect("generated ops fit");
            }
        }
    }

    /// Projection is deterministic: the same ops give the same schema, with
    /// the same encoding.
    #[test]
    fn projection_is_deterministic((start, ops) in arb_ops(30)) {
        let mut a = start.clone();
        let mut b = start;
        project_all(RULES, &mut a, &ops).expect("generated ops fit");
        project_all(RULES, &mut b, &ops).expect("generated ops fit");
        prop_assert_eq!(
            serde_json::to_string(&a).expect("encode"),
            serde_json::to_string(&b).expect("encode")
        );
        prop_assert_eq!(a, b);
    }

    /// Every generated op fits the schema before it, and its inverse takes
    /// the schema after it back to exactly the schema before.
    #[test]
    fn each_op_is_undone_by_its_inverse((start, ops) in arb_ops(30)) {
        let mut s = start;
        for (i, op) in ops.iter().enumerate() {
            let before = s.clone();
            if let Err(e) = project(RULES, &mut s, op) {
                panic!("generated op {i} does not fit: {e}\n{op:?}");
            }
            let Some(inverse) = op.invert() else {
                prop_assert_eq!(&s, &before, "a data step changed the schema");
                continue;
            };
            let mut back = s.clone();
            if let Err(e) = project(RULES, &mut back, &inverse) {
                panic!("the inverse of op {i} does not fit: {e}\n{op:?}\n{inverse:?}");
            }
            prop_assert_eq!(&back, &before, "op {}: {:?}", i, op);
        }
    }

    /// A whole sequence (data steps left out) is undone by the inverted
    /// sequence.
    #[test]
    fn a_sequence_is_undone_by_its_inverse((start, ops) in arb_ops(30)) {
        let ops: Vec<Op> = ops.into_iter().filter(|op| !matches!(op, Op::Data { .. })).collect();
        let mut s = start.clone();
        for op in &ops {
            project(RULES, &mut s, op).expect("generated ops fit");
        }
        let back = invert_all(&ops).expect("no data steps");
        if let Err((i, e)) = project_all(RULES, &mut s, &back) {
            panic!("inverted op {i} does not fit: {e}\n{:?}", back[i]);
        }
        prop_assert_eq!(s, start);
    }

    /// One op that does not fit anywhere in a sequence: project_all names
    /// it and leaves the schema exactly as it was.
    #[test]
    fn project_all_changes_nothing_when_an_op_fails(
        (start, ops) in arb_ops(20),
        at in any::<prop::sample::Index>(),
        which in 0..6usize,
    ) {
        let missing = "_strata_missing";
        let bad = match which {
            0 => Op::DropTable { table: Table { name: missing.into(), columns: vec![Column::new("a", "")], ..Table::default() } },
            1 => Op::CreateTable { table: Table { name: "no columns".into(), ..Table::default() } },
            2 => Op::AddColumn { table: missing.into(), column: Column::new("a", ""), position: 0 },
            3 => Op::CreateView { view: View { name: "v_over_nothing".into(), sql: "CREATE VIEW x AS SELECT 1".into(), depends_on: vec![missing.into()] } },
            4 => Op::DropIndex { index: Index { name: missing.into(), table: missing.into(), unique: false, columns: vec![IndexedColumn { term: IndexTerm::Column("a".into()), collation: None, desc: false }], predicate: None, ..Index::default() } },
            _ => Op::RenameTable { from: missing.into(), to: "t".into() },
        };
        let i = at.index(ops.len() + 1);
        let mut with_bad = ops.clone();
        with_bad.insert(i, bad);
        let mut s = start.clone();
        let (failed, _) = project_all(RULES, &mut s, &with_bad).expect_err("the bad op fails");
        prop_assert_eq!(failed, i);
        prop_assert_eq!(&s, &start);
        // And without it, the same ops go through.
        project_all(RULES, &mut s, &ops).expect("generated ops fit");
    }

    /// Schemas and ops survive a JSON round trip unchanged.
    #[test]
    fn json_round_trips((start, ops) in arb_ops(30)) {
        let json = serde_json::to_string(&start).expect("encode");
        prop_assert_eq!(&serde_json::from_str::<Schema>(&json).expect("decode"), &start);
        let json = serde_json::to_string(&ops).expect("encode");
        prop_assert_eq!(&serde_json::from_str::<Vec<Op>>(&json).expect("decode"), &ops);
        // An op is encoded under its kind, the name `log` shows.
        for op in &ops {
            let value = serde_json::to_value(op).expect("encode");
            let keys: Vec<&String> = value.as_object().expect("an object").keys().collect();
            prop_assert_eq!(keys, vec![op.kind()]);
        }
        let mut end = start;
        project_all(RULES, &mut end, &ops).expect("generated ops fit");
        let value = serde_json::to_value(&end).expect("encode");
        prop_assert_eq!(serde_json::from_value::<Schema>(value).expect("decode"), end);
    }
}

/// The generator reaches every op and every step kind, hostile names, and
/// the renames it is not sure of.
#[test]
fn the_generator_covers_every_op() {
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    let mut hostile = 0;
    let mut renames_through_text = 0;
    let mut s = Schema::default();
    for seed in 0..200u64 {
        let ops = ops_from(&s, seed, 40);
        for op in &ops {
            kinds.insert(op.kind());
            if let Op::RenameColumn { table, .. } | Op::RenameTable { from: table, .. } = op {
                let reads = |deps: &[String]| deps.iter().any(|d| same_name(d, table));
                if s.views.values().any(|v| reads(&v.depends_on)) {
                    renames_through_text += 1;
                }
            }
            project(RULES, &mut s, op).expect("generated ops fit");
            if let Op::CreateTable { table } = op {
                if strata_dialect::sqlite::arb::HOSTILE.iter().any(|h| {
                    table.name.starts_with(h) || table.columns.iter().any(|c| c.name.starts_with(h))
                }) {
                    hostile += 1;
                }
            }
        }
        if seed % 20 == 19 {
            s = Schema::default();
        }
    }
    let all = [
        "create_table",
        "drop_table",
        "rename_table",
        "add_column",
        "drop_column",
        "rename_column",
        "alter_column",
        "create_index",
        "drop_index",
        "add_foreign_key",
        "drop_foreign_key",
        "add_unique",
        "drop_unique",
        "add_check",
        "drop_check",
        "create_view",
        "drop_view",
        "create_trigger",
        "drop_trigger",
        "data",
    ];
    let missing: Vec<&str> = all.iter().copied().filter(|k| !kinds.contains(k)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
    assert!(hostile > 20, "only {hostile} tables with hostile names");
    assert!(
        renames_through_text > 5,
        "only {renames_through_text} renames carried into view text"
    );
}

/// What arb_schema makes has the variety its documentation promises.
#[test]
fn generated_schemas_have_every_feature() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for _ in 0..400 {
        let s = arb_schema()
            .new_tree(&mut runner)
            .expect("a schema")
            .current();
        for t in s.tables.values() {
            let mut saw = |f: &'static str, yes: bool| {
                if yes {
                    seen.insert(f);
                }
            };
            saw("strict", t.has_option(strata_dialect::sqlite::STRICT));
            saw(
                "without_rowid",
                t.has_option(strata_dialect::sqlite::WITHOUT_ROWID),
            );
            saw(
                "autoincrement",
                t.has_option(strata_dialect::sqlite::AUTOINCREMENT),
            );
            saw(
                "composite_key",
                t.primary_key.as_ref().is_some_and(|p| p.columns.len() > 1),
            );
            saw("unique", !t.uniques.is_empty());
            saw("check", !t.checks.is_empty());
            saw(
                "self_reference",
                t.foreign_keys
                    .iter()
                    .any(|f| same_name(&f.ref_table, &t.name)),
            );
            saw(
                "foreign_key",
                t.foreign_keys
                    .iter()
                    .any(|f| !same_name(&f.ref_table, &t.name)),
            );
            saw(
                "fk_implicit",
                t.foreign_keys.iter().any(|f| f.ref_columns.is_empty()),
            );
            saw("deferred", t.foreign_keys.iter().any(|f| f.deferred));
            saw("default", t.columns.iter().any(|c| c.default.is_some()));
            saw("not_null", t.columns.iter().any(|c| c.not_null));
            saw("collation", t.columns.iter().any(|c| c.collation.is_some()));
            saw(
                "stored",
                t.columns
                    .iter()
                    .any(|c| c.generated.as_ref().is_some_and(|g| g.stored)),
            );
            saw(
                "virtual",
                t.columns
                    .iter()
                    .any(|c| c.generated.as_ref().is_some_and(|g| !g.stored)),
            );
        }
        for i in s.indexes.values() {
            seen.insert("index");
            if i.unique {
                seen.insert("unique_index");
            }
            if i.predicate.is_some() {
                seen.insert("partial_index");
            }
            if i.columns.iter().any(|c| c.desc) {
                seen.insert("desc");
            }
            if i.columns.iter().any(|c| c.collation.is_some()) {
                seen.insert("index_collation");
            }
            if i.columns
                .iter()
                .any(|c| matches!(c.term, IndexTerm::Expr(_)))
            {
                seen.insert("expr_index");
            }
        }
        for v in s.views.values() {
            seen.insert(if v.depends_on.len() > 1 {
                "join_view"
            } else {
                "view"
            });
            if v.depends_on.iter().any(|d| s.views.contains_key(&key(d))) {
                seen.insert("view_on_view");
            }
        }
        for t in s.triggers.values() {
            seen.insert("trigger");
            if s.views.contains_key(&key(&t.table)) {
                seen.insert("instead_of");
            }
        }
    }
    let all = [
        "strict",
        "without_rowid",
        "autoincrement",
        "composite_key",
        "unique",
        "check",
        "self_reference",
        "foreign_key",
        "fk_implicit",
        "deferred",
        "default",
        "not_null",
        "collation",
        "stored",
        "virtual",
        "index",
        "unique_index",
        "partial_index",
        "desc",
        "index_collation",
        "expr_index",
        "view",
        "join_view",
        "view_on_view",
        "trigger",
        "instead_of",
    ];
    let missing: Vec<&str> = all.iter().copied().filter(|f| !seen.contains(f)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}
