//! How one schema differs from another, as values: what drift reports (the
//! ledger's schema against what a live database holds) and what `apply`
//! checks its own work with. A difference carries what differs (the
//! column, the constraint, the property's values as each schema has them),
//! not text: a target renders it in its own SQL.
//!
//! Only what means something to the database counts. Names are compared by
//! the dialect's rule ([`Rules::same_name`]); SQL text (types, defaults,
//! checks, generated columns, index terms and predicates, view and trigger
//! statements) by [`Rules::same_text`], so quoting, whitespace, comments
//! and the case the dialect ignores are not differences. Column order
//! counts; the order of a table's UNIQUE, CHECK and FOREIGN KEY
//! constraints does not (it means nothing to a database), so they are
//! compared as collections. What the model derives from SQL text (the
//! `depends_on` of views and triggers, the table a trigger fires on) is
//! compared through that text.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{
    Check, Column, ForeignKey, Generated, Identity, Index, IndexTerm, IndexedColumn, PrimaryKey,
    Schema, Table, Unique,
};
use crate::rules::Rules;

/// The kind of a schema object, as a difference names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Table,
    Index,
    View,
    Trigger,
    Definition,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::Table => "table",
            ObjectKind::Index => "index",
            ObjectKind::View => "view",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Definition => "definition",
        })
    }
}

/// One way `actual` differs from `expected`, about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub kind: ObjectKind,
    /// The object's name, as the expected schema spells it (as the actual
    /// one does for an object only it has).
    pub name: String,
    pub change: Change,
}

/// What differs about an object, with the values that differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Expected, and not there.
    Missing,
    /// There, and not expected: not in the ledger.
    NotInLedger,
    /// A column expected in a table that lacks it.
    MissingColumn(Column),
    /// A column the table has that is not expected.
    ColumnNotInLedger(Column),
    /// The columns both have, in the actual and in the expected order.
    ColumnOrder {
        actual: Vec<String>,
        expected: Vec<String>,
    },
    /// A property of a column both have (`type`, `NOT NULL`, `default`,
    /// `collation`, `generated`, `identity`).
    Column {
        column: String,
        property: &'static str,
        actual: Value,
        expected: Value,
    },
    /// A property of the object itself (`primary key`, an index's `table`,
    /// `UNIQUE`, `terms`, `WHERE`).
    Property {
        property: &'static str,
        actual: Value,
        expected: Value,
    },
    /// A table option of the dialect's ([`Table::options`]) that one of
    /// the two tables has.
    TableOption {
        option: String,
        actual: bool,
        expected: bool,
    },
    /// A table constraint expected and not there.
    MissingConstraint(Constraint),
    /// A table constraint there and not expected.
    ConstraintNotInLedger(Constraint),
    /// A view's or trigger's statement.
    DefinitionDiffers,
}

/// The value of a property as one schema has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Whether a column is NOT NULL, an index UNIQUE.
    Flag(bool),
    /// A name or SQL text as the schema keeps it (a column's type, default
    /// or collation, an index's table or WHERE clause); `None` for none.
    Text(Option<String>),
    /// How a column is generated; `None` for a stored column.
    Generated(Option<Generated>),
    /// A table's primary key; `None` for none.
    PrimaryKey(Option<PrimaryKey>),
    /// An index's terms, in order.
    Terms(Vec<IndexedColumn>),
}

/// A table constraint, as a difference carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    Unique(Unique),
    Check(Check),
    ForeignKey(ForeignKey),
}

/// Every difference of `actual` from `expected`, objects in key order
/// (tables, indexes, views, then triggers). Empty exactly when the two are
/// the same up to the comparison the module describes.
pub fn differences(r: &dyn Rules, expected: &Schema, actual: &Schema) -> Vec<Difference> {
    let mut out = Vec::new();
    objects(
        &mut out,
        ObjectKind::Table,
        &expected.tables,
        &actual.tables,
        |t| &t.name,
        |e, a| table_differences(r, e, a),
    );
    objects(
        &mut out,
        ObjectKind::Index,
        &expected.indexes,
        &actual.indexes,
        |i| &i.name,
        |e, a| index_differences(r, e, a),
    );
    objects(
        &mut out,
        ObjectKind::View,
        &expected.views,
        &actual.views,
        |v| &v.name,
        |e, a| same_text(r, &e.sql, &a.sql),
    );
    objects(
        &mut out,
        ObjectKind::Trigger,
        &expected.triggers,
        &actual.triggers,
        |t| &t.name,
        |e, a| same_text(r, &e.sql, &a.sql),
    );
    objects(
        &mut out,
        ObjectKind::Definition,
        &expected.definitions,
        &actual.definitions,
        |d| &d.name,
        |e, a| e.kind == a.kind && same_text(r, &e.sql, &a.sql),
    );
    out
}

/// What a comparison of two objects of one kind gives: a statement's
/// sameness, or a table's or index's list of changes.
trait Changes {
    fn changes(self) -> Vec<Change>;
}

impl Changes for bool {
    fn changes(self) -> Vec<Change> {
        if self {
            Vec::new()
        } else {
            vec![Change::DefinitionDiffers]
        }
    }
}

impl Changes for Vec<Change> {
    fn changes(self) -> Vec<Change> {
        self
    }
}

fn objects<T, C: Changes>(
    out: &mut Vec<Difference>,
    kind: ObjectKind,
    expected: &BTreeMap<String, T>,
    actual: &BTreeMap<String, T>,
    name: impl Fn(&T) -> &String,
    compare: impl Fn(&T, &T) -> C,
) {
    // Both maps are keyed alike (by `Rules::key`, triggers by
    // `Rules::trigger_key`): an object is found under its own key.
    for (k, e) in expected {
        let change = |change| Difference {
            kind,
            name: name(e).clone(),
            change,
        };
        match actual.get(k) {
            None => out.push(change(Change::Missing)),
            Some(a) => out.extend(compare(e, a).changes().into_iter().map(change)),
        }
    }
    for (k, a) in actual {
        if !expected.contains_key(k) {
            out.push(Difference {
                kind,
                name: name(a).clone(),
                change: Change::NotInLedger,
            });
        }
    }
}

pub(crate) fn same_text(r: &dyn Rules, a: &str, b: &str) -> bool {
    r.same_text(a, b)
}

fn same_opt_text(r: &dyn Rules, a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => r.same_text(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

fn same_names(r: &dyn Rules, a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| r.key(x) == r.key(y))
}

fn same_opt_name(r: &dyn Rules, a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => r.same_name(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// Optional text as a value.
fn text(text: Option<&str>) -> Value {
    Value::Text(text.map(str::to_string))
}

fn table_differences(r: &dyn Rules, e: &Table, a: &Table) -> Vec<Change> {
    let mut out = Vec::new();
    for ec in &e.columns {
        match a.column(r, &ec.name) {
            None => out.push(Change::MissingColumn(ec.clone())),
            Some(ac) => column_differences(r, &mut out, ec, ac),
        }
    }
    for ac in &a.columns {
        if e.column(r, &ac.name).is_none() {
            out.push(Change::ColumnNotInLedger(ac.clone()));
        }
    }
    let shared = |t: &Table, other: &Table| -> Vec<String> {
        t.columns
            .iter()
            .filter(|c| other.column(r, &c.name).is_some())
            .map(|c| c.name.clone())
            .collect()
    };
    let (actual_order, expected_order) = (shared(a, e), shared(e, a));
    if !same_names(r, &actual_order, &expected_order) {
        out.push(Change::ColumnOrder {
            actual: actual_order,
            expected: expected_order,
        });
    }
    if !same_primary_key(r, e.primary_key.as_ref(), a.primary_key.as_ref()) {
        out.push(Change::Property {
            property: "primary key",
            actual: Value::PrimaryKey(a.primary_key.clone()),
            expected: Value::PrimaryKey(e.primary_key.clone()),
        });
    }
    constraints(
        &mut out,
        &e.uniques,
        &a.uniques,
        |x, y| same_unique(r, x, y),
        Constraint::Unique,
    );
    constraints(
        &mut out,
        &e.checks,
        &a.checks,
        |x, y| same_check(r, x, y),
        Constraint::Check,
    );
    constraints(
        &mut out,
        &e.foreign_keys,
        &a.foreign_keys,
        |x, y| same_foreign_key(r, x, y),
        Constraint::ForeignKey,
    );
    for option in option_differences(e, a) {
        out.push(Change::TableOption {
            actual: a.has_option(option),
            expected: e.has_option(option),
            option: option.to_string(),
        });
    }
    out
}

/// The options one of two tables has and the other has not, in order.
pub(crate) fn option_differences<'a>(e: &'a Table, a: &'a Table) -> Vec<&'a str> {
    let mut out: Vec<&str> = e
        .options
        .iter()
        .chain(&a.options)
        .filter(|o| e.has_option(o) != a.has_option(o))
        .map(String::as_str)
        .collect();
    out.sort_unstable();
    out
}

/// Whether two columns are alike in everything but their names.
pub(crate) fn same_column(r: &dyn Rules, e: &Column, a: &Column) -> bool {
    let mut out = Vec::new();
    column_differences(r, &mut out, e, a);
    out.is_empty()
}

fn column_differences(r: &dyn Rules, out: &mut Vec<Change>, e: &Column, a: &Column) {
    let mut differ = |property, actual: Value, expected: Value| {
        out.push(Change::Column {
            column: e.name.clone(),
            property,
            actual,
            expected,
        })
    };
    if !same_text(r, &e.ty, &a.ty) {
        let ty = |t: &str| text(Some(t).filter(|t| !t.is_empty()));
        differ("type", ty(&a.ty), ty(&e.ty));
    }
    if e.not_null != a.not_null {
        differ("NOT NULL", Value::Flag(a.not_null), Value::Flag(e.not_null));
    }
    if !same_opt_text(r, e.default.as_deref(), a.default.as_deref()) {
        differ(
            "default",
            text(a.default.as_deref()),
            text(e.default.as_deref()),
        );
    }
    if !same_opt_name(r, e.collation.as_deref(), a.collation.as_deref()) {
        differ(
            "collation",
            text(a.collation.as_deref()),
            text(e.collation.as_deref()),
        );
    }
    let same_generated = match (&e.generated, &a.generated) {
        (None, None) => true,
        (Some(x), Some(y)) => x.stored == y.stored && same_text(r, &x.expr, &y.expr),
        _ => false,
    };
    if !same_generated {
        differ(
            "generated",
            Value::Generated(a.generated.clone()),
            Value::Generated(e.generated.clone()),
        );
    }
    if (e.identity, &e.identity_options) != (a.identity, &a.identity_options) {
        differ(
            "identity",
            Value::Text(identity(a)),
            Value::Text(identity(e)),
        );
    }
}

/// How an identity column takes its values, as SQL says it; `None` for a
/// column that is not one.
fn identity(c: &Column) -> Option<String> {
    let mut s = match c.identity? {
        Identity::Always => "GENERATED ALWAYS AS IDENTITY".to_string(),
        Identity::ByDefault => "GENERATED BY DEFAULT AS IDENTITY".to_string(),
    };
    if let Some(o) = &c.identity_options {
        s.push_str(&format!(" ({o})"));
    }
    Some(s)
}

/// Constraints compared as collections: each expected one is matched with
/// an actual one that is the same, at most once.
fn constraints<T: Clone>(
    out: &mut Vec<Change>,
    expected: &[T],
    actual: &[T],
    same: impl Fn(&T, &T) -> bool,
    constraint: impl Fn(T) -> Constraint,
) {
    let mut unmatched: Vec<&T> = actual.iter().collect();
    for e in expected {
        match unmatched.iter().position(|a| same(e, a)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => out.push(Change::MissingConstraint(constraint(e.clone()))),
        }
    }
    out.extend(
        unmatched
            .into_iter()
            .map(|a| Change::ConstraintNotInLedger(constraint(a.clone()))),
    );
}

pub(crate) fn same_primary_key(
    r: &dyn Rules,
    e: Option<&PrimaryKey>,
    a: Option<&PrimaryKey>,
) -> bool {
    match (e, a) {
        (None, None) => true,
        (Some(e), Some(a)) => {
            same_opt_name(r, e.name.as_deref(), a.name.as_deref())
                && same_names(r, &e.columns, &a.columns)
                && (e.deferred, e.deferrable) == (a.deferred, a.deferrable)
        }
        _ => false,
    }
}

pub(crate) fn same_unique(r: &dyn Rules, e: &Unique, a: &Unique) -> bool {
    same_opt_name(r, e.name.as_deref(), a.name.as_deref())
        && same_names(r, &e.columns, &a.columns)
        && (e.deferred, e.deferrable) == (a.deferred, a.deferrable)
}

pub(crate) fn same_check(r: &dyn Rules, e: &Check, a: &Check) -> bool {
    same_opt_name(r, e.name.as_deref(), a.name.as_deref()) && same_text(r, &e.expr, &a.expr)
}

pub(crate) fn same_foreign_key(r: &dyn Rules, e: &ForeignKey, a: &ForeignKey) -> bool {
    same_opt_name(r, e.name.as_deref(), a.name.as_deref())
        && same_names(r, &e.columns, &a.columns)
        && r.key(&e.ref_table) == r.key(&a.ref_table)
        && same_names(r, &e.ref_columns, &a.ref_columns)
        && e.on_delete == a.on_delete
        && e.on_update == a.on_update
        && (e.deferred, e.deferrable) == (a.deferred, a.deferrable)
}

pub(crate) fn index_differences(r: &dyn Rules, e: &Index, a: &Index) -> Vec<Change> {
    let mut out = Vec::new();
    let mut differ = |property, actual: Value, expected: Value| {
        out.push(Change::Property {
            property,
            actual,
            expected,
        })
    };
    if r.key(&e.table) != r.key(&a.table) {
        differ(
            "table",
            text(Some(a.table.as_str())),
            text(Some(e.table.as_str())),
        );
    }
    if e.unique != a.unique {
        differ("UNIQUE", Value::Flag(a.unique), Value::Flag(e.unique));
    }
    let same_terms = e.columns.len() == a.columns.len()
        && e.columns
            .iter()
            .zip(&a.columns)
            .all(|(x, y)| same_term(r, x, y));
    if !same_terms {
        differ(
            "terms",
            Value::Terms(a.columns.clone()),
            Value::Terms(e.columns.clone()),
        );
    }
    if !same_opt_text(r, e.predicate.as_deref(), a.predicate.as_deref()) {
        differ(
            "WHERE",
            text(a.predicate.as_deref()),
            text(e.predicate.as_deref()),
        );
    }
    if e.method != a.method {
        differ(
            "USING",
            text(a.method.as_deref()),
            text(e.method.as_deref()),
        );
    }
    let same_include = e.include.len() == a.include.len()
        && e.include
            .iter()
            .zip(&a.include)
            .all(|(x, y)| r.same_name(x, y));
    if !same_include {
        let list = |i: &Index| (!i.include.is_empty()).then(|| i.include.join(", "));
        differ(
            "INCLUDE",
            text(list(a).as_deref()),
            text(list(e).as_deref()),
        );
    }
    out
}

fn same_term(r: &dyn Rules, e: &IndexedColumn, a: &IndexedColumn) -> bool {
    let term = match (&e.term, &a.term) {
        (IndexTerm::Column(x), IndexTerm::Column(y)) => r.key(x) == r.key(y),
        (IndexTerm::Expr(x), IndexTerm::Expr(y)) => same_text(r, x, y),
        _ => false,
    };
    term && e.desc == a.desc && same_opt_name(r, e.collation.as_deref(), a.collation.as_deref())
}
