//! Ops on their own: kinds, the tables they touch, and inversion.

use strata_schema::{
    invert_all, Check, Column, ForeignKey, Index, IndexTerm, IndexedColumn, Op, Table, Trigger,
    Unique, View,
};

fn every_op() -> Vec<Op> {
    let table = Table {
        name: "t".into(),
        columns: vec![Column::new("a", "INT")],
        ..Table::default()
    };
    let index = Index {
        name: "i".into(),
        table: "t".into(),
        unique: false,
        columns: vec![IndexedColumn {
            term: IndexTerm::Column("a".into()),
            collation: None,
            desc: false,
        }],
        predicate: None,
        ..Index::default()
    };
    let fk = ForeignKey {
        columns: vec!["a".into()],
        ref_table: "p".into(),
        ..ForeignKey::default()
    };
    let unique = Unique {
        name: None,
        columns: vec!["a".into()],
        ..Unique::default()
    };
    let check = Check {
        name: None,
        expr: "a > 0".into(),
    };
    let view = View {
        name: "v".into(),
        sql: "CREATE VIEW v AS SELECT a FROM t JOIN u".into(),
        depends_on: vec!["t".into(), "u".into()],
    };
    let trigger = Trigger {
        name: "tr".into(),
        table: "t".into(),
        sql: "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; END".into(),
        depends_on: vec!["u".into()],
    };
    let column = Column::new("b", "TEXT");
    vec![
        Op::CreateTable {
            table: table.clone(),
        },
        Op::DropTable { table },
        Op::RenameTable {
            from: "t".into(),
            to: "s".into(),
        },
        Op::AddColumn {
            table: "t".into(),
            column: column.clone(),
            position: 1,
        },
        Op::DropColumn {
            table: "t".into(),
            column: column.clone(),
            position: 1,
        },
        Op::RenameColumn {
            table: "t".into(),
            from: "a".into(),
            to: "b".into(),
        },
        Op::AlterColumn {
            table: "t".into(),
            from: column.clone(),
            to: Column {
                not_null: true,
                ..column
            },
        },
        Op::CreateIndex {
            index: index.clone(),
        },
        Op::DropIndex { index },
        Op::AddForeignKey {
            table: "t".into(),
            foreign_key: fk.clone(),
            position: 1,
        },
        Op::DropForeignKey {
            table: "t".into(),
            foreign_key: fk,
            position: 1,
        },
        Op::AddUnique {
            table: "t".into(),
            unique: unique.clone(),
            position: 1,
        },
        Op::DropUnique {
            table: "t".into(),
            unique,
            position: 1,
        },
        Op::AddCheck {
            table: "t".into(),
            check: check.clone(),
            position: 1,
        },
        Op::DropCheck {
            table: "t".into(),
            check,
            position: 1,
        },
        Op::CreateView { view: view.clone() },
        Op::DropView { view },
        Op::CreateTrigger {
            trigger: trigger.clone(),
        },
        Op::DropTrigger { trigger },
        Op::Data {
            sql: "DELETE FROM t".into(),
        },
    ]
}

#[test]
fn kinds_and_tables() {
    let ops = every_op();
    let got: Vec<(&str, Vec<&str>)> = ops.iter().map(|op| (op.kind(), op.tables())).collect();
    assert_eq!(
        got,
        vec![
            ("create_table", vec!["t"]),
            ("drop_table", vec!["t"]),
            ("rename_table", vec!["t", "s"]),
            ("add_column", vec!["t"]),
            ("drop_column", vec!["t"]),
            ("rename_column", vec!["t"]),
            ("alter_column", vec!["t"]),
            ("create_index", vec!["t"]),
            ("drop_index", vec!["t"]),
            ("add_foreign_key", vec!["t"]),
            ("drop_foreign_key", vec!["t"]),
            ("add_unique", vec!["t"]),
            ("drop_unique", vec!["t"]),
            ("add_check", vec!["t"]),
            ("drop_check", vec!["t"]),
            ("create_view", vec!["t", "u"]),
            ("drop_view", vec!["t", "u"]),
            ("create_trigger", vec!["t", "u"]),
            ("drop_trigger", vec!["t", "u"]),
            ("data", vec![]),
        ]
    );
}

#[test]
fn inverting_twice_gives_the_op_back_and_pairs_the_kinds() {
    let pairs = [
        ("create_table", "drop_table"),
        ("rename_table", "rename_table"),
        ("add_column", "drop_column"),
        ("rename_column", "rename_column"),
        ("alter_column", "alter_column"),
        ("create_index", "drop_index"),
        ("add_foreign_key", "drop_foreign_key"),
        ("add_unique", "drop_unique"),
        ("add_check", "drop_check"),
        ("create_view", "drop_view"),
        ("create_trigger", "drop_trigger"),
    ];
    for op in every_op() {
        let Some(inverse) = op.invert() else {
            assert_eq!(op.kind(), "data");
            continue;
        };
        assert!(
            pairs.contains(&(op.kind(), inverse.kind()))
                || pairs.contains(&(inverse.kind(), op.kind())),
            "{} inverts to {}",
            op.kind(),
            inverse.kind()
        );
        assert_eq!(inverse.invert(), Some(op));
    }
    assert_eq!(
        every_op()[5].invert(),
        Some(Op::RenameColumn {
            table: "t".into(),
            from: "b".into(),
            to: "a".into(),
        })
    );
}

#[test]
fn invert_all_reverses_the_order_and_refuses_data_steps() {
    let ops = every_op();
    let schema_ops = &ops[..ops.len() - 1];
    let inverted = invert_all(schema_ops).expect("no data step");
    assert_eq!(inverted.len(), schema_ops.len());
    for (op, inverse) in schema_ops.iter().rev().zip(&inverted) {
        assert_eq!(op.invert().as_ref(), Some(inverse));
    }
    assert_eq!(invert_all(&ops), None);
    assert_eq!(invert_all(&[]), Some(vec![]));
}
