//! Proptest strategies for schemas and op sequences, for this crate's
//! property tests and for other crates' (enable the `arbitrary` feature).
//!
//! Everything is built from a list of choices ([`Choices`]): proptest
//! generates the list and shrinks it towards zeros, and a zero is always the
//! simplest choice (no option, the first kind, a plain name), so a failing
//! case shrinks to a small, plain one. [`Choices::seeded`] gives a stream
//! instead, for a fixed seed outside proptest.
//!
//! What is covered:
//!
//! - [`arb_schema`]: tables with columns of varied declared types, NOT NULL,
//!   defaults (`0`, `-1`, `'x'`, `'it''s'`, `CURRENT_TIMESTAMP`, `X'00'`,
//!   ...), collations and generated columns (stored and virtual); no primary
//!   key, a single INTEGER key (AUTOINCREMENT or not), other single and
//!   composite keys; named and unnamed uniques and checks; foreign keys to
//!   the key or a unique of an earlier table or of the table itself, with
//!   every action and DEFERRABLE; WITHOUT ROWID and STRICT tables (STRICT
//!   with STRICT's types only). Indexes, unique or not, partial, with
//!   column terms (COLLATE, DESC) and expression terms. Views over one
//!   table, over a join of two, over another view, and aggregates; triggers
//!   BEFORE/AFTER INSERT/UPDATE OF/DELETE on tables, with WHEN, that write
//!   other tables or RAISE, and INSTEAD OF triggers on views. View and
//!   trigger SQL is what SQLite accepts, every identifier in it quoted, and
//!   `depends_on` names exactly the relations the text reads (for a
//!   trigger, other than the one it fires on).
//! - [`arb_ops`] / [`ops_from`]: a start schema and a sequence of ops, each
//!   valid against the schema projected so far, covering every [`Op`]
//!   variant: create/drop/rename table (a drop first drops what holds the
//!   table: triggers, views, indexes, other tables' foreign keys),
//!   add/drop/rename/alter column, create/drop index, add/drop foreign key,
//!   unique and check, create/drop view (a drop first drops the views and
//!   triggers over it) and trigger, and data steps. Ops are in the form
//!   `record` makes them: names spelled as the schema spells them, so every
//!   op's inverse gives the schema before it back exactly.
//!
//! Names are now and then hostile: reserved words (`select`, `order`,
//! `from`, `table`), quotes of every kind, spaces, `;`, `.`, comment
//! markers, non-ASCII letters (`É` and `é` are different names, as in
//! SQLite). All are valid for SQLite when quoted, and strata always quotes.
//! Left out on purpose, because the lexical renames of [`super::text`]
//! cannot tell them from SQL's own words: names spelled like a keyword
//! SQLite also accepts as a name (`begin`, `end`, `of`, `key`, `row`...),
//! like a function (`lower`), like `new`/`old`, or like a collation.
//!
//! Expressions are kept simple and valid (`"a" >= 0`, `lower("b")`,
//! `length("c") < 1000`), and consistent with the column's default, so
//! that a database built from a generated schema also accepts rows.
//! Data steps touch no row (`... WHERE 0`), so they are valid at any point.

use proptest::prelude::*;

use strata_schema::{project, project_all, Op};
use strata_schema::{
    Check, Column, FkAction, ForeignKey, Generated, Index, IndexTerm, IndexedColumn, PrimaryKey,
    Schema, Table, Trigger, Unique, View,
};

use super::text::{self as sql_text, quote_ident as q};
use super::{key, same_name, AUTOINCREMENT, RULES, STRICT, WITHOUT_ROWID};

/// The source of every choice the generators make.
#[derive(Debug, Clone)]
pub struct Choices {
    values: Vec<u32>,
    at: usize,
    /// After the list: a splitmix64 stream, or zeros when `None`.
    stream: Option<u64>,
}

impl Choices {
    /// Choices from a list (proptest's, shrinking towards zero), then zeros.
    pub fn listed(values: Vec<u32>) -> Choices {
        Choices {
            values,
            at: 0,
            stream: None,
        }
    }

    /// An endless stream of choices from a seed.
    pub fn seeded(seed: u64) -> Choices {
        Choices {
            values: Vec::new(),
            at: 0,
            stream: Some(seed),
        }
    }

    fn next(&mut self) -> u32 {
        if let Some(v) = self.values.get(self.at) {
            self.at += 1;
            return *v;
        }
        match self.stream.as_mut() {
            None => 0,
            Some(state) => {
                *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = *state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                ((z ^ (z >> 31)) >> 32) as u32
            }
        }
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn pick(&mut self, n: usize) -> usize {
        let v = self.next() as usize;
        if n == 0 {
            0
        } else {
            v % n
        }
    }

    /// True one time in `n`; a zero choice is false.
    pub fn chance(&mut self, n: usize) -> bool {
        self.pick(n) == 1
    }

    fn of<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.pick(items.len())]
    }
}

// ---------------------------------------------------------------- names

const PLAIN: [&str; 16] = [
    "id", "name", "a", "b", "qty", "price", "note", "created", "code", "kind", "Users", "items",
    "log", "tags", "parent", "score",
];

/// Valid for SQLite when quoted, and safe for strata's lexical renames.
pub const HOSTILE: [&str; 22] = [
    "select",
    "order",
    "from",
    "Table",
    "null",
    "where",
    "group by",
    "we\"ird",
    "x; DROP TABLE y",
    "with space",
    " padded ",
    "naïve",
    "日本語",
    "É",
    "é",
    "[br]",
    "`tick`",
    "'q'",
    "--dash",
    "/*c*/",
    "a.b",
    "x]y",
];

/// A name not taken by `taken` (compared as SQLite compares names).
fn fresh(c: &mut Choices, taken: impl Fn(&str) -> bool) -> String {
    let base = if c.chance(3) {
        c.of(&HOSTILE).to_string()
    } else {
        c.of(&PLAIN).to_string()
    };
    let mut name = base.clone();
    let mut i = 1;
    while taken(&name) {
        i += 1;
        name = format!("{base}_{i}");
    }
    name
}

/// Free in the namespace tables, views and indexes share.
fn fresh_relation(c: &mut Choices, s: &Schema) -> String {
    fresh(c, |n| {
        let k = key(n);
        s.tables.contains_key(&k) || s.views.contains_key(&k) || s.indexes.contains_key(&k)
    })
}

fn constraint_names(t: &Table) -> Vec<String> {
    t.primary_key
        .iter()
        .filter_map(|p| p.name.clone())
        .chain(t.uniques.iter().filter_map(|u| u.name.clone()))
        .chain(t.checks.iter().filter_map(|c| c.name.clone()))
        .chain(t.foreign_keys.iter().filter_map(|f| f.name.clone()))
        .collect()
}

/// Now and then a name for a constraint of `t`, free among its constraints.
fn maybe_constraint_name(c: &mut Choices, t: &Table) -> Option<String> {
    if !c.chance(2) {
        return None;
    }
    let taken = constraint_names(t);
    Some(fresh(c, |n| taken.iter().any(|o| same_name(o, n))))
}

// ---------------------------------------------------------------- columns

const TYPES: [&str; 11] = [
    "INTEGER",
    "TEXT",
    "",
    "INT",
    "REAL",
    "BLOB",
    "NUMERIC",
    "varchar(50)",
    "DECIMAL(10, 2)",
    "BOOLEAN",
    "Text",
];
const STRICT_TYPES: [&str; 8] = [
    "INTEGER", "TEXT", "INT", "REAL", "BLOB", "ANY", "integer", "text",
];
const COLLATIONS: [&str; 3] = ["NOCASE", "BINARY", "RTRIM"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    Real,
    Blob,
    Any,
}

fn affinity(ty: &str) -> Affinity {
    let t = ty.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if t.contains("CHAR") || t.contains("TEXT") || t.contains("CLOB") {
        Affinity::Text
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Affinity::Real
    } else if t.contains("BLOB") {
        Affinity::Blob
    } else {
        Affinity::Any
    }
}

/// A default that suits the type; `constant` leaves out CURRENT_TIMESTAMP,
/// which ADD COLUMN does not take.
fn default_for(c: &mut Choices, ty: &str, constant: bool) -> String {
    let options: &[&str] = match affinity(ty) {
        Affinity::Integer => &["0", "-1", "42"],
        Affinity::Real => &["0.5", "0", "-1.5"],
        Affinity::Text if constant => &["'x'", "'it''s'", "''"],
        Affinity::Text => &["'x'", "'it''s'", "''", "CURRENT_TIMESTAMP"],
        Affinity::Blob => &["X'00'", "X''"],
        Affinity::Any if constant => &["0", "'x'"],
        Affinity::Any => &["0", "'x'", "CURRENT_TIMESTAMP", "NULL"],
    };
    c.of(options).to_string()
}

/// A check on column `name` that its defaults pass.
fn check_for(c: &mut Choices, name: &str, ty: &str) -> String {
    let n = q(name);
    match affinity(ty) {
        Affinity::Integer | Affinity::Real if c.chance(2) => format!("{n} >= -1"),
        Affinity::Integer | Affinity::Real => format!("{n} BETWEEN -100 AND 1000"),
        _ if c.chance(2) => format!("{n} IS NULL OR length({n}) < 1000"),
        _ => format!("typeof({n}) <> 'nothing'"),
    }
}

/// An expression over column `name`, for generated columns and indexes.
fn expr_over(c: &mut Choices, name: &str, ty: &str) -> String {
    let n = q(name);
    match affinity(ty) {
        Affinity::Integer | Affinity::Real => match c.pick(3) {
            0 => format!("{n} + 1"),
            1 => format!("abs({n})"),
            _ => format!("{n} * 2"),
        },
        _ => match c.pick(3) {
            0 => format!("lower({n})"),
            1 => format!("length({n})"),
            _ => format!("upper({n})"),
        },
    }
}

/// A new column for a table (strict or not); `added` for ADD COLUMN, which
/// takes no stored generated column and only constant defaults.
fn gen_column(
    c: &mut Choices,
    name: String,
    strict: bool,
    plain: &[Column],
    added: bool,
) -> Column {
    let ty = if strict {
        *c.of(&STRICT_TYPES)
    } else {
        *c.of(&TYPES)
    };
    let mut col = Column::new(name, ty);
    if c.chance(4) {
        col.collation = Some(c.of(&COLLATIONS).to_string());
    }
    if !plain.is_empty() && c.chance(6) {
        let source = c.of(plain).clone();
        let stored = !added && c.chance(2);
        col.generated = Some(Generated {
            expr: expr_over(c, &source.name, &source.ty),
            stored,
        });
        // A generated column's type is the expression's.
        col.ty = if matches!(affinity(&source.ty), Affinity::Integer | Affinity::Real)
            || col
                .generated
                .as_ref()
                .is_some_and(|g| g.expr.starts_with("length"))
        {
            "INTEGER".into()
        } else {
            "TEXT".into()
        };
        col.not_null = false;
        return col;
    }
    if c.chance(3) {
        col.default = Some(default_for(c, ty, added));
        col.not_null = c.chance(2);
    } else if !added {
        col.not_null = c.chance(4);
    }
    col
}

// ---------------------------------------------------------------- tables

/// The column sets a foreign key can refer to in `t`: its primary key and
/// its uniques.
fn parent_keys(t: &Table) -> Vec<(Vec<String>, bool)> {
    let mut keys = Vec::new();
    if let Some(pk) = &t.primary_key {
        keys.push((pk.columns.clone(), true));
    }
    for u in &t.uniques {
        keys.push((u.columns.clone(), false));
    }
    keys
}

const ACTIONS: [FkAction; 5] = [
    FkAction::NoAction,
    FkAction::Restrict,
    FkAction::SetNull,
    FkAction::SetDefault,
    FkAction::Cascade,
];

/// A foreign key from `t` to `parent` (which may be `t`), if `parent` has a
/// key `t` has enough columns for.
fn gen_fk(c: &mut Choices, t: &Table, parent: &Table) -> Option<ForeignKey> {
    let keys = parent_keys(parent);
    if keys.is_empty() {
        return None;
    }
    let (ref_columns, is_pk) = c.of(&keys).clone();
    let plain: Vec<&Column> = t.columns.iter().filter(|c| c.generated.is_none()).collect();
    if plain.len() < ref_columns.len() {
        return None;
    }
    let start = c.pick(plain.len() - ref_columns.len() + 1);
    let columns = plain[start..start + ref_columns.len()]
        .iter()
        .map(|c| c.name.clone())
        .collect();
    Some(ForeignKey {
        name: maybe_constraint_name(c, t),
        columns,
        ref_table: parent.name.clone(),
        ref_columns: if is_pk && c.chance(2) {
            Vec::new()
        } else {
            ref_columns
        },
        on_delete: *c.of(&ACTIONS),
        on_update: *c.of(&ACTIONS),
        deferred: c.chance(3),
        deferrable: false,
    })
}

/// A new table that fits `s`, foreign keys included.
fn gen_table(c: &mut Choices, s: &Schema) -> Table {
    let name = fresh_relation(c, s);
    let strict = c.chance(4);
    let mut t = Table {
        name,
        ..Table::default()
    };
    t.set_option(STRICT, strict);
    let n = 1 + c.pick(5);
    for i in 0..n {
        let plain: Vec<Column> = t
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .cloned()
            .collect();
        let name = if i == 0 && c.chance(2) {
            "id".to_string()
        } else {
            let taken: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
            fresh(c, |n| taken.iter().any(|o| same_name(o, n)))
        };
        let mut col = gen_column(c, name, strict, &plain, false);
        if i == 0 {
            col.generated = None;
        }
        t.columns.push(col);
    }
    let plain: Vec<String> = t
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .map(|c| c.name.clone())
        .collect();
    match c.pick(4) {
        0 => {}
        1 => {
            // A single INTEGER key, the rowid's alias.
            t.columns[0].ty = if c.chance(2) { "integer" } else { "INTEGER" }.into();
            t.columns[0].default = None;
            let name = maybe_constraint_name(c, &t);
            let columns = vec![t.columns[0].name.clone()];
            let autoincrement = c.chance(2);
            t.primary_key = Some(PrimaryKey {
                name,
                columns,
                ..PrimaryKey::default()
            });
            t.set_option(AUTOINCREMENT, autoincrement);
        }
        _ => {
            let k = 1 + c.pick(plain.len().min(2));
            let start = c.pick(plain.len() - k + 1);
            t.primary_key = Some(PrimaryKey {
                name: maybe_constraint_name(c, &t),
                columns: plain[start..start + k].to_vec(),
                ..PrimaryKey::default()
            });
            let without_rowid = c.chance(2);
            t.set_option(WITHOUT_ROWID, without_rowid);
        }
    }
    for _ in 0..c.pick(3) {
        let k = 1 + c.pick(plain.len().min(2));
        let start = c.pick(plain.len() - k + 1);
        t.uniques.push(Unique {
            name: maybe_constraint_name(c, &t),
            columns: plain[start..start + k].to_vec(),
            ..Unique::default()
        });
    }
    for _ in 0..c.pick(3) {
        let col = c.of(&t.columns).clone();
        t.checks.push(Check {
            name: maybe_constraint_name(c, &t),
            expr: check_for(c, &col.name, &col.ty),
        });
    }
    for _ in 0..c.pick(3) {
        let parents: Vec<&Table> = s.tables.values().collect();
        let parent = if parents.is_empty() || c.chance(3) {
            t.clone()
        } else {
            (*c.of(&parents)).clone()
        };
        if let Some(fk) = gen_fk(c, &t, &parent) {
            t.foreign_keys.push(fk);
        }
    }
    t
}

// ---------------------------------------------------------------- indexes

/// `name(...)`: a call, which COLLATE applies to as a whole.
fn is_call(e: &str) -> bool {
    e.split_once('(').is_some_and(|(f, _)| {
        !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    }) && e.ends_with(')')
}

fn gen_index(c: &mut Choices, s: &Schema, t: &Table) -> Index {
    let name = fresh_relation(c, s);
    let mut columns: Vec<IndexedColumn> = Vec::new();
    for _ in 0..1 + c.pick(3) {
        let col = c.of(&t.columns).clone();
        let expr = c.chance(3).then(|| expr_over(c, &col.name, &col.ty));
        let collation = c.chance(4).then(|| c.of(&COLLATIONS).to_string());
        let term = match expr {
            // COLLATE binds tighter than any operator, so a collated
            // expression is written in parentheses, as SQLite reads it back.
            Some(e) if collation.is_some() && !is_call(&e) => IndexTerm::Expr(format!("({e})")),
            Some(e) => IndexTerm::Expr(e),
            None => IndexTerm::Column(col.name.clone()),
        };
        if columns.iter().any(|o| o.term == term) {
            continue;
        }
        columns.push(IndexedColumn {
            term,
            collation,
            desc: c.chance(3),
        });
    }
    let predicate = c.chance(4).then(|| {
        let col = c.of(&t.columns);
        if c.chance(2) {
            format!("{} IS NOT NULL", q(&col.name))
        } else {
            format!("{} <> 0", q(&col.name))
        }
    });
    Index {
        name,
        table: t.name.clone(),
        unique: c.chance(3),
        columns,
        predicate,
        ..Index::default()
    }
}

// ---------------------------------------------------------------- views

/// Output names for a view's columns: fresh among themselves.
fn aliases(c: &mut Choices, n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for _ in 0..n {
        let name = fresh(c, |n| out.iter().any(|o| same_name(o, n)));
        out.push(name);
    }
    out
}

fn gen_view(c: &mut Choices, s: &Schema) -> Option<View> {
    let tables: Vec<&Table> = s.tables.values().collect();
    if tables.is_empty() {
        return None;
    }
    let name = fresh_relation(c, s);
    let v = q(&name);
    let (body, depends_on) = match c.pick(4) {
        // Some columns of one table, maybe filtered, maybe renamed by a
        // column list.
        0 | 1 => {
            let t = *c.of(&tables);
            let mut cols: Vec<&Column> = Vec::new();
            for _ in 0..1 + c.pick(3) {
                let col = c.of(&t.columns);
                if !cols.iter().any(|o| same_name(&o.name, &col.name)) {
                    cols.push(col);
                }
            }
            let list: Vec<String> = cols.iter().map(|col| q(&col.name)).collect();
            let mut body = format!("SELECT {} FROM {}", list.join(", "), q(&t.name));
            if c.chance(2) {
                body.push_str(&format!(" WHERE {} IS NOT NULL", q(&cols[0].name)));
            }
            let head = if c.chance(3) {
                let names: Vec<String> = aliases(c, cols.len()).iter().map(|a| q(a)).collect();
                format!("{v}({})", names.join(", "))
            } else {
                v.clone()
            };
            return Some(View {
                sql: format!("CREATE VIEW {head} AS {body}"),
                name,
                depends_on: vec![t.name.clone()],
            });
        }
        // A join of two tables: every column qualified and named, or
        // unqualified where each name is a column of one side only.
        2 if tables.len() >= 2 => {
            let a = *c.of(&tables);
            let others: Vec<&Table> = tables
                .iter()
                .copied()
                .filter(|t| !same_name(&t.name, &a.name))
                .collect();
            let b = *c.of(&others);
            let (ta, tb) = (q(&a.name), q(&b.name));
            let only_a = a
                .columns
                .iter()
                .find(|x| b.column(RULES, &x.name).is_none());
            let only_b = b
                .columns
                .iter()
                .find(|x| a.column(RULES, &x.name).is_none());
            let body = match (only_a, only_b, c.chance(2)) {
                (Some(x), Some(y), true) => {
                    format!("SELECT {}, {} FROM {ta} JOIN {tb}", q(&x.name), q(&y.name))
                }
                _ => {
                    let ac = q(&c.of(&a.columns).name);
                    let bc = q(&c.of(&b.columns).name);
                    let out = aliases(c, 2);
                    let (o1, o2) = (q(&out[0]), q(&out[1]));
                    format!(
                        "SELECT {ta}.{ac} AS {o1}, {tb}.{bc} AS {o2} \
                         FROM {ta} JOIN {tb} ON {ta}.{ac} = {tb}.{bc}"
                    )
                }
            };
            (body, vec![a.name.clone(), b.name.clone()])
        }
        // Over another view, or a count of a table.
        _ => {
            let views: Vec<&View> = s.views.values().collect();
            if !views.is_empty() && c.chance(2) {
                let over = *c.of(&views);
                (
                    format!("SELECT * FROM {}", q(&over.name)),
                    vec![over.name.clone()],
                )
            } else {
                let t = *c.of(&tables);
                (
                    format!("SELECT count(*) AS \"n\" FROM {}", q(&t.name)),
                    vec![t.name.clone()],
                )
            }
        }
    };
    Some(View {
        sql: format!("CREATE VIEW {v} AS {body}"),
        name,
        depends_on,
    })
}

// ---------------------------------------------------------------- triggers

fn gen_trigger(c: &mut Choices, s: &Schema) -> Option<Trigger> {
    let tables: Vec<&Table> = s.tables.values().collect();
    if tables.is_empty() {
        return None;
    }
    let name = fresh(c, |n| s.triggers.contains_key(&key(n)));
    let tr = q(&name);
    let views: Vec<&View> = s.views.values().collect();
    if !views.is_empty() && c.chance(4) {
        let v = *c.of(&views);
        let t = *c.of(&tables);
        return Some(Trigger {
            sql: format!(
                "CREATE TRIGGER {tr} INSTEAD OF DELETE ON {} BEGIN DELETE FROM {} WHERE 0; END",
                q(&v.name),
                q(&t.name)
            ),
            name,
            table: v.name.clone(),
            depends_on: vec![t.name.clone()],
        });
    }
    let t = *c.of(&tables);
    let col = c.of(&t.columns);
    let others: Vec<&Table> = tables
        .iter()
        .copied()
        .filter(|o| !same_name(&o.name, &t.name))
        .collect();
    let when = c.pick(3);
    if others.is_empty() || c.chance(3) {
        let event = if c.chance(2) {
            format!("UPDATE OF {}", q(&col.name))
        } else {
            "INSERT".to_string()
        };
        return Some(Trigger {
            sql: format!(
                "CREATE TRIGGER {tr} BEFORE {event} ON {} FOR EACH ROW WHEN NEW.{} IS NULL BEGIN SELECT RAISE(ABORT, 'no nulls'); END",
                q(&t.name),
                q(&col.name)
            ),
            name,
            table: t.name.clone(),
            depends_on: Vec::new(),
        });
    }
    let u = *c.of(&others);
    let writable: Vec<&Column> = u.columns.iter().filter(|c| c.generated.is_none()).collect();
    let _ = writable.first()?;
    let uc = q(&c.of(&writable).name);
    let (ut, tc) = (q(&u.name), q(&col.name));
    let (event, row, body) = match when {
        0 => (
            "AFTER INSERT",
            "NEW",
            format!("UPDATE {ut} SET {uc} = {uc} WHERE {uc} = NEW.{tc}"),
        ),
        1 => (
            "AFTER DELETE",
            "OLD",
            format!("DELETE FROM {ut} WHERE {uc} = OLD.{tc}"),
        ),
        _ => (
            "AFTER INSERT",
            "NEW",
            format!("INSERT INTO {ut}({uc}) SELECT NEW.{tc} WHERE 0"),
        ),
    };
    let filter = if c.chance(3) {
        format!(" WHEN {row}.{tc} IS NOT NULL")
    } else {
        String::new()
    };
    Some(Trigger {
        sql: format!(
            "CREATE TRIGGER {tr} {event} ON {}{filter} BEGIN {body}; END",
            q(&t.name)
        ),
        name,
        table: t.name.clone(),
        depends_on: vec![u.name.clone()],
    })
}

// ---------------------------------------------------------------- schemas

/// A valid schema built from `c`: up to `max_tables` tables, then indexes,
/// views and triggers over them.
pub fn schema_from(c: &mut Choices, max_tables: usize) -> Schema {
    let mut s = Schema::default();
    let add = |s: &mut Schema, op: Op| {
        // Every generated object fits; should one not, it is left out
        // rather than making an invalid schema.
        let _ = project(RULES, s, &op);
    };
    for _ in 0..1 + c.pick(max_tables.max(1)) {
        let t = gen_table(c, &s);
        add(&mut s, Op::CreateTable { table: t });
    }
    let tables: Vec<Table> = s.tables.values().cloned().collect();
    for _ in 0..c.pick(4) {
        let t = c.of(&tables).clone();
        let index = gen_index(c, &s, &t);
        add(&mut s, Op::CreateIndex { index });
    }
    for _ in 0..c.pick(4) {
        if let Some(view) = gen_view(c, &s) {
            add(&mut s, Op::CreateView { view });
        }
    }
    for _ in 0..c.pick(4) {
        if let Some(trigger) = gen_trigger(c, &s) {
            add(&mut s, Op::CreateTrigger { trigger });
        }
    }
    s
}

/// Valid schemas, shrinking towards fewer and plainer objects.
pub fn arb_schema() -> impl Strategy<Value = Schema> {
    prop::collection::vec(any::<u32>(), 0..400)
        .prop_map(|values| schema_from(&mut Choices::listed(values), 5))
}

// ---------------------------------------------------------------- ops

/// One proposed step: the ops (one, or a drop with the drops of what holds
/// the object first), and whether they must fit. A step that is not `sure`
/// may be refused by projection for a reason the generator does not model
/// (a rename that projection cannot carry into a view's text exactly);
/// a `sure` step that is refused is a bug in projection or here.
#[derive(Debug, Clone)]
pub struct Step {
    pub ops: Vec<Op>,
    pub sure: bool,
}

fn sure(ops: Vec<Op>) -> Option<Step> {
    Some(Step { ops, sure: true })
}

/// How many of [`STEP_KINDS`] the generator chose among before
/// `alter_table_options`: a seed found then ([`ops_from_first_kinds`])
/// makes the same ops now.
pub const FIRST_KINDS: usize = 20;

/// The kinds of step, in the order of [`propose`]'s choice.
pub const STEP_KINDS: [&str; 21] = [
    "create_table",
    "add_column",
    "create_index",
    "create_view",
    "create_trigger",
    "add_unique",
    "add_check",
    "add_foreign_key",
    "alter_column",
    "rename_column",
    "rename_table",
    "data",
    "drop_column",
    "drop_index",
    "drop_unique",
    "drop_check",
    "drop_foreign_key",
    "drop_trigger",
    "drop_view",
    "drop_table",
    "alter_table_options",
];

/// Views and triggers whose text reads `t` (or fires on it).
fn readers<'a>(s: &'a Schema, t: &str) -> (Vec<&'a View>, Vec<&'a Trigger>) {
    let reads = |deps: &[String]| deps.iter().any(|d| same_name(d, t));
    (
        s.views.values().filter(|v| reads(&v.depends_on)).collect(),
        s.triggers
            .values()
            .filter(|tr| same_name(&tr.table, t) || reads(&tr.depends_on))
            .collect(),
    )
}

/// Every piece of SQL text that may name a column of `t`.
fn texts_over<'a>(s: &'a Schema, t: &'a Table) -> Vec<&'a str> {
    let body = |sql: &'a str| &sql[sql_text::body_start(sql)..];
    let (views, triggers) = readers(s, &t.name);
    let mut texts: Vec<&str> = Vec::new();
    texts.extend(t.checks.iter().map(|c| c.expr.as_str()));
    texts.extend(
        t.columns
            .iter()
            .filter_map(|c| c.generated.as_ref().map(|g| g.expr.as_str())),
    );
    for i in s.indexes.values().filter(|i| same_name(&i.table, &t.name)) {
        for c in &i.columns {
            if let IndexTerm::Expr(e) = &c.term {
                texts.push(e);
            }
        }
        texts.extend(i.predicate.as_deref());
    }
    texts.extend(views.iter().map(|v| body(&v.sql)));
    texts.extend(triggers.iter().map(|tr| body(&tr.sql)));
    texts
}

/// A column name `t` does not have and no text over `t` names: adding or
/// renaming to it changes what no text means.
fn fresh_column(c: &mut Choices, s: &Schema, t: &Table) -> String {
    let texts = texts_over(s, t);
    fresh(c, |n| {
        t.column(RULES, n).is_some() || texts.iter().any(|x| sql_text::mentions_column(x, n))
    })
}

/// Whether anything holds column `col` of `t` (what makes DROP COLUMN
/// refuse), by the same lexical reading projection uses.
fn column_held(s: &Schema, t: &Table, col: &str) -> bool {
    let named = |cols: &[String]| cols.iter().any(|c| same_name(c, col));
    t.primary_key.as_ref().is_some_and(|p| named(&p.columns))
        || t.uniques.iter().any(|u| named(&u.columns))
        || t.foreign_keys.iter().any(|f| named(&f.columns))
        || s.tables.values().any(|o| {
            o.foreign_keys
                .iter()
                .any(|f| same_name(&f.ref_table, &t.name) && named(&f.ref_columns))
        })
        || s.indexes
            .values()
            .filter(|i| same_name(&i.table, &t.name))
            .any(|i| {
                i.columns
                    .iter()
                    .any(|c| matches!(&c.term, IndexTerm::Column(n) if same_name(n, col)))
            })
        || t.columns.iter().any(|c| {
            !same_name(&c.name, col)
                && c.generated
                    .as_ref()
                    .is_some_and(|g| sql_text::mentions_column(&g.expr, col))
        })
        || texts_over(s, t)
            .iter()
            .any(|x| sql_text::mentions_column(x, col))
}

/// The drops of every view and trigger over relation `name` (and over those
/// views, and so on), in an order that fits.
fn drop_readers(s: &Schema, name: &str) -> Vec<Op> {
    let mut gone: Vec<String> = vec![name.to_string()];
    let mut views: Vec<&View> = Vec::new();
    // The views over `name`, transitively.
    loop {
        let next = s.views.values().find(|v| {
            !views.iter().any(|o| same_name(&o.name, &v.name))
                && v.depends_on
                    .iter()
                    .any(|d| gone.iter().any(|g| same_name(g, d)))
        });
        match next {
            Some(v) => {
                gone.push(v.name.clone());
                views.push(v);
            }
            None => break,
        }
    }
    let mut ops: Vec<Op> = s
        .triggers
        .values()
        .filter(|tr| {
            gone.iter()
                .any(|g| same_name(&tr.table, g) || tr.depends_on.iter().any(|d| same_name(d, g)))
        })
        .map(|tr| Op::DropTrigger {
            trigger: tr.clone(),
        })
        .collect();
    // Each view once no other view left reads it.
    while !views.is_empty() {
        let unread = views
            .iter()
            .position(|v| {
                !views
                    .iter()
                    .any(|o| o.depends_on.iter().any(|d| same_name(d, &v.name)))
            })
            .unwrap_or(0);
        ops.push(Op::DropView {
            view: views.remove(unread).clone(),
        });
    }
    ops
}

/// Proposes one step against `s`.
pub fn propose(s: &Schema, c: &mut Choices) -> Step {
    propose_among(s, c, STEP_KINDS.len())
}

/// Proposes one step of the first `kinds` of [`STEP_KINDS`].
fn propose_among(s: &Schema, c: &mut Choices, kinds: usize) -> Step {
    let kind = c.pick(kinds);
    propose_kind(s, c, kind).unwrap_or_else(|| Step {
        ops: vec![Op::CreateTable {
            table: gen_table(c, s),
        }],
        sure: true,
    })
}

/// Proposes a step of kind `STEP_KINDS[kind]`, if `s` has what it needs.
pub fn propose_kind(s: &Schema, c: &mut Choices, kind: usize) -> Option<Step> {
    let tables: Vec<&Table> = s.tables.values().collect();
    let pick_table = |c: &mut Choices| -> Option<Table> {
        (!tables.is_empty()).then(|| (*c.of(&tables)).clone())
    };
    match STEP_KINDS.get(kind).copied()? {
        "create_table" => sure(vec![Op::CreateTable {
            table: gen_table(c, s),
        }]),
        "add_column" => {
            let t = pick_table(c)?;
            let name = fresh_column(c, s, &t);
            let plain: Vec<Column> = t
                .columns
                .iter()
                .filter(|c| c.generated.is_none())
                .cloned()
                .collect();
            let column = gen_column(c, name, t.has_option(STRICT), &plain, true);
            let position = if c.chance(4) {
                c.pick(t.columns.len() + 1)
            } else {
                t.columns.len()
            };
            sure(vec![Op::AddColumn {
                table: t.name.clone(),
                column,
                position: position as u32,
            }])
        }
        "create_index" => {
            let t = pick_table(c)?;
            sure(vec![Op::CreateIndex {
                index: gen_index(c, s, &t),
            }])
        }
        "create_view" => sure(vec![Op::CreateView {
            view: gen_view(c, s)?,
        }]),
        "create_trigger" => sure(vec![Op::CreateTrigger {
            trigger: gen_trigger(c, s)?,
        }]),
        "add_unique" => {
            let t = pick_table(c)?;
            let plain: Vec<String> = t
                .columns
                .iter()
                .filter(|c| c.generated.is_none())
                .map(|c| c.name.clone())
                .collect();
            let k = 1 + c.pick(plain.len().min(2));
            let start = c.pick((plain.len() + 1).saturating_sub(k));
            let columns = plain.get(start..start + k)?.to_vec();
            sure(vec![Op::AddUnique {
                unique: Unique {
                    name: maybe_constraint_name(c, &t),
                    columns,
                    ..Unique::default()
                },
                position: t.uniques.len() as u32,
                table: t.name,
            }])
        }
        "add_check" => {
            let t = pick_table(c)?;
            let col = c.of(&t.columns).clone();
            sure(vec![Op::AddCheck {
                check: Check {
                    name: maybe_constraint_name(c, &t),
                    expr: check_for(c, &col.name, &col.ty),
                },
                position: t.checks.len() as u32,
                table: t.name,
            }])
        }
        "add_foreign_key" => {
            let t = pick_table(c)?;
            let parent = pick_table(c)?;
            let fk = gen_fk(c, &t, &parent)?;
            sure(vec![Op::AddForeignKey {
                position: t.foreign_keys.len() as u32,
                table: t.name,
                foreign_key: fk,
            }])
        }
        "alter_column" => {
            let t = pick_table(c)?;
            let plain: Vec<&Column> = t.columns.iter().filter(|c| c.generated.is_none()).collect();
            let _ = plain.first()?;
            let from = (*c.of(&plain)).clone();
            let mut to = from.clone();
            let auto_key = t.has_option(AUTOINCREMENT)
                && t.primary_key
                    .as_ref()
                    .is_some_and(|p| p.columns.iter().any(|k| same_name(k, &from.name)));
            for _ in 0..1 + c.pick(3) {
                match c.pick(4) {
                    0 if !auto_key => {
                        to.ty = if t.has_option(STRICT) {
                            c.of(&STRICT_TYPES).to_string()
                        } else {
                            c.of(&TYPES).to_string()
                        };
                        to.default = None;
                    }
                    1 => to.not_null = !to.not_null,
                    2 if !auto_key => {
                        to.default = match to.default {
                            Some(_) if c.chance(2) => None,
                            _ => Some(default_for(c, &to.ty, false)),
                        }
                    }
                    _ => {
                        to.collation = match to.collation {
                            Some(_) if c.chance(2) => None,
                            _ => Some(c.of(&COLLATIONS).to_string()),
                        }
                    }
                }
            }
            if to == from {
                to.not_null = !to.not_null;
            }
            sure(vec![Op::AlterColumn {
                table: t.name,
                from,
                to,
            }])
        }
        "rename_column" => {
            let t = pick_table(c)?;
            let from = c.of(&t.columns).name.clone();
            let (views, triggers) = readers(s, &t.name);
            let to = if c.chance(5) {
                // Only the case changes.
                let upper = from.to_ascii_uppercase();
                if upper == from {
                    from.to_ascii_lowercase()
                } else {
                    upper
                }
            } else {
                fresh_column(c, s, &t)
            };
            if to == from {
                return None;
            }
            Some(Step {
                sure: views.is_empty() && triggers.is_empty(),
                ops: vec![Op::RenameColumn {
                    table: t.name,
                    from,
                    to,
                }],
            })
        }
        "rename_table" => {
            let t = pick_table(c)?;
            let to = fresh_relation(c, s);
            let (views, triggers) = readers(s, &t.name);
            Some(Step {
                sure: views.is_empty() && triggers.is_empty(),
                ops: vec![Op::RenameTable { from: t.name, to }],
            })
        }
        "data" => {
            let t = pick_table(c)?;
            let (tn, col) = (q(&t.name), q(&c.of(&t.columns).name));
            let writable = t.columns.iter().find(|c| c.generated.is_none())?;
            let w = q(&writable.name);
            let sql = match c.pick(3) {
                0 => format!("DELETE FROM {tn} WHERE 0"),
                1 => format!("UPDATE {tn} SET {w} = {w} WHERE 0"),
                _ => {
                    format!("INSERT INTO {tn}({w}) SELECT {w} FROM {tn} WHERE {col} IS NULL AND 0")
                }
            };
            sure(vec![Op::Data { sql }])
        }
        "drop_column" => {
            let t = pick_table(c)?;
            if t.columns.len() < 2 {
                return None;
            }
            let free: Vec<usize> = (0..t.columns.len())
                .filter(|&i| !column_held(s, &t, &t.columns[i].name))
                .collect();
            let _ = free.first()?;
            let at = *c.of(&free);
            sure(vec![Op::DropColumn {
                column: t.columns[at].clone(),
                table: t.name,
                position: at as u32,
            }])
        }
        "drop_index" => {
            let indexes: Vec<&Index> = s.indexes.values().collect();
            let _ = indexes.first()?;
            sure(vec![Op::DropIndex {
                index: (*c.of(&indexes)).clone(),
            }])
        }
        "drop_unique" => {
            let t = pick_table(c)?;
            // Not one a foreign key refers to: that leaves the key without
            // the unique index SQLite wants of a parent key.
            let referred = |u: &Unique| {
                s.tables.values().any(|o| {
                    o.foreign_keys.iter().any(|f| {
                        same_name(&f.ref_table, &t.name)
                            && f.ref_columns.len() == u.columns.len()
                            && f.ref_columns
                                .iter()
                                .all(|r| u.columns.iter().any(|c| same_name(c, r)))
                    })
                })
            };
            let free: Vec<usize> = (0..t.uniques.len())
                .filter(|&i| !referred(&t.uniques[i]))
                .collect();
            let at = *free.get(c.pick(free.len()))?;
            sure(vec![Op::DropUnique {
                unique: t.uniques[at].clone(),
                position: at as u32,
                table: t.name.clone(),
            }])
        }
        "drop_check" => {
            let t = pick_table(c)?;
            let _ = t.checks.first()?;
            let at = c.pick(t.checks.len());
            sure(vec![Op::DropCheck {
                check: t.checks[at].clone(),
                position: at as u32,
                table: t.name.clone(),
            }])
        }
        "drop_foreign_key" => {
            let t = pick_table(c)?;
            let _ = t.foreign_keys.first()?;
            let at = c.pick(t.foreign_keys.len());
            sure(vec![Op::DropForeignKey {
                foreign_key: t.foreign_keys[at].clone(),
                position: at as u32,
                table: t.name.clone(),
            }])
        }
        "drop_trigger" => {
            let triggers: Vec<&Trigger> = s.triggers.values().collect();
            let _ = triggers.first()?;
            sure(vec![Op::DropTrigger {
                trigger: (*c.of(&triggers)).clone(),
            }])
        }
        "drop_view" => {
            let views: Vec<&View> = s.views.values().collect();
            let _ = views.first()?;
            let view = (*c.of(&views)).clone();
            let mut ops = drop_readers(s, &view.name);
            ops.push(Op::DropView { view });
            sure(ops)
        }
        "alter_table_options" => {
            let t = pick_table(c)?;
            let option = *c.of(&[STRICT, WITHOUT_ROWID]);
            let mut to = t.clone();
            to.set_option(option, !t.has_option(option));
            RULES.check_table(&to).ok()?;
            sure(vec![Op::AlterTableOptions {
                table: t.name,
                from: t.options,
                to: to.options,
            }])
        }
        "drop_table" => {
            let t = pick_table(c)?;
            let mut ops = drop_readers(s, &t.name);
            ops.extend(
                s.indexes
                    .values()
                    .filter(|i| same_name(&i.table, &t.name))
                    .map(|i| Op::DropIndex { index: i.clone() }),
            );
            for o in s.tables.values().filter(|o| !same_name(&o.name, &t.name)) {
                // Last first, so that each position holds when it is dropped.
                ops.extend(
                    o.foreign_keys
                        .iter()
                        .enumerate()
                        .rev()
                        .filter(|(_, f)| same_name(&f.ref_table, &t.name))
                        .map(|(at, f)| Op::DropForeignKey {
                            table: o.name.clone(),
                            foreign_key: f.clone(),
                            position: at as u32,
                        }),
                );
            }
            ops.push(Op::DropTable { table: t });
            sure(ops)
        }
        _ => None,
    }
}

/// `len` ops (or a few more: a drop brings the drops it needs) that fit `s`
/// one after another, with choices from `c`.
pub fn ops_with(s: &Schema, c: &mut Choices, len: usize) -> Vec<Op> {
    ops_among(s, c, len, STEP_KINDS.len())
}

fn ops_among(s: &Schema, c: &mut Choices, len: usize, kinds: usize) -> Vec<Op> {
    let mut at = s.clone();
    let mut ops = Vec::new();
    let mut tries = 0;
    while ops.len() < len && tries < len * 8 + 8 {
        tries += 1;
        let step = propose_among(&at, c, kinds);
        let mut next = at.clone();
        if project_all(RULES, &mut next, &step.ops).is_ok() {
            at = next;
            ops.extend(step.ops);
        }
    }
    ops
}

/// `len` ops that fit `s` one after another, from a seed.
pub fn ops_from(s: &Schema, seed: u64, len: usize) -> Vec<Op> {
    ops_with(s, &mut Choices::seeded(seed), len)
}

/// The ops [`ops_from`] made from `seed` when the generator had its
/// [`FIRST_KINDS`] kinds of step: for cases found then and kept as
/// regressions.
pub fn ops_from_first_kinds(s: &Schema, seed: u64, len: usize) -> Vec<Op> {
    ops_among(s, &mut Choices::seeded(seed), len, FIRST_KINDS)
}

/// A start schema and up to `max` ops (a few more when a drop brings the
/// drops it needs), each valid against the schema projected so far.
/// Shrinks towards a smaller schema and fewer, plainer ops.
pub fn arb_ops(max: usize) -> impl Strategy<Value = (Schema, Vec<Op>)> {
    (
        prop::collection::vec(any::<u32>(), 0..300),
        prop::collection::vec(any::<u32>(), 0..(max * 40).max(1)),
        0..=max,
    )
        .prop_map(|(schema_values, op_values, len)| {
            let s = schema_from(&mut Choices::listed(schema_values), 4);
            let ops = ops_with(&s, &mut Choices::listed(op_values), len);
            (s, ops)
        })
}
