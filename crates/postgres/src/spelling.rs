//! The ledger's spelling and the server's. PostgreSQL keeps no SQL text as
//! written: it stores a column's type, a default, a check, an index
//! expression or a view's query parsed, and renders it back in its own
//! words (`integer` for `int`, `'x'::text` for `'x'`, a view's query
//! qualified and reformatted), and it names every constraint the SQL left
//! unnamed. So the target keeps, with the position of every database it
//! applied to, the schema the ledger says (`ledger`) and the same schema as
//! the server rendered it just after the apply (`server`), aligned part by
//! part. Reading the database later, a part the server still renders
//! exactly as it did then is the ledger's part; a part that changed is
//! reported in the server's words, and so shows as drift.

use strata_schema::{Check, ForeignKey, Identity, Index, IndexTerm, Schema, Table};

/// `server` (what the server renders of a schema strata just made) with
/// each table's constraints in the order of `ledger`'s (the schema strata
/// made), matched by what they are: uniques by their columns, foreign keys
/// by columns and reference, checks by name where the ledger names them and
/// otherwise in order. `Err` says what of the ledger's the server lacks.
pub fn align(server: &Schema, ledger: &Schema) -> Result<Schema, String> {
    let mut out = server.clone();
    for (name, l) in &ledger.tables {
        let Some(s) = out.tables.get_mut(name) else {
            return Err(format!("table {name} is missing"));
        };
        s.uniques = take_in_order(&s.uniques, &l.uniques, |s, l| {
            s.columns == l.columns && s.deferred == l.deferred && s.deferrable == l.deferrable
        })
        .ok_or_else(|| format!("a unique constraint of {name} is missing or different"))?;
        s.foreign_keys = take_in_order(&s.foreign_keys, &l.foreign_keys, same_fk)
            .ok_or_else(|| format!("a foreign key of {name} is missing or different"))?;
        s.checks = align_checks(&s.checks, &l.checks)
            .ok_or_else(|| format!("a check of {name} is missing"))?;
    }
    Ok(out)
}

fn same_fk(s: &ForeignKey, l: &ForeignKey) -> bool {
    s.columns == l.columns
        && s.ref_table == l.ref_table
        && (l.ref_columns.is_empty() || s.ref_columns == l.ref_columns)
        && s.on_delete == l.on_delete
        && s.on_update == l.on_update
        && s.deferred == l.deferred
        && s.deferrable == l.deferrable
        && l.name.as_ref().is_none_or(|n| s.name.as_ref() == Some(n))
}

/// `server`'s items reordered to match `ledger`'s one for one, then any
/// the ledger lacks; `None` when one of the ledger's has no match.
fn take_in_order<T: Clone>(
    server: &[T],
    ledger: &[T],
    same: impl Fn(&T, &T) -> bool,
) -> Option<Vec<T>> {
    let mut left: Vec<Option<&T>> = server.iter().map(Some).collect();
    let mut out = Vec::with_capacity(server.len());
    for l in ledger {
        let at = left.iter().position(|s| s.is_some_and(|s| same(s, l)))?;
        out.push(left[at].take()?.clone());
    }
    out.extend(left.into_iter().flatten().cloned());
    Some(out)
}

fn align_checks(server: &[Check], ledger: &[Check]) -> Option<Vec<Check>> {
    let named: Vec<&str> = ledger.iter().filter_map(|c| c.name.as_deref()).collect();
    // Unnamed checks of the ledger take the server's checks it did not name
    // in the order the server made them.
    let mut unnamed = server
        .iter()
        .filter(|s| !s.name.as_deref().is_some_and(|n| named.contains(&n)));
    let mut out = Vec::new();
    for l in ledger {
        match &l.name {
            Some(n) => out.push(server.iter().find(|s| s.name.as_ref() == Some(n))?.clone()),
            None => out.push(unnamed.next()?.clone()),
        }
    }
    out.extend(unnamed.cloned());
    Some(out)
}

/// The live schema `now`, in the server's spelling, read back in the
/// ledger's where the server renders a part exactly as it did when strata
/// left `ledger` there (`server`, aligned).
pub fn translate(now: &Schema, ledger: &Schema, server: &Schema) -> Schema {
    let mut out = now.clone();
    for (name, t) in out.tables.iter_mut() {
        if let (Some(s), Some(l)) = (server.tables.get(name), ledger.tables.get(name)) {
            *t = table(t, s, l);
        }
    }
    for (name, i) in out.indexes.iter_mut() {
        if server.indexes.get(name) == Some(i) {
            if let Some(l) = ledger.indexes.get(name) {
                *i = l.clone();
            }
        }
    }
    for (name, v) in out.views.iter_mut() {
        if server.views.get(name) == Some(v) {
            if let Some(l) = ledger.views.get(name) {
                *v = l.clone();
            }
        }
    }
    for (name, t) in out.triggers.iter_mut() {
        if server.triggers.get(name) == Some(t) {
            if let Some(l) = ledger.triggers.get(name) {
                *t = l.clone();
            }
        }
    }
    for (name, d) in out.definitions.iter_mut() {
        if server.definitions.get(name) == Some(d) {
            if let Some(l) = ledger.definitions.get(name) {
                *d = l.clone();
            }
        }
    }
    out
}

fn table(now: &Table, server: &Table, ledger: &Table) -> Table {
    let mut t = now.clone();
    t.name = ledger.name.clone();
    // Columns exactly as the server had them are the ledger's, in the
    // ledger's order: a column brought back by undoing the drop of one that
    // was not the last stands at the end of the table (PostgreSQL cannot
    // put one in the middle), and the ledger's order is still the one
    // strata promises for it.
    if t.columns == server.columns {
        t.columns = ledger.columns.clone();
    }
    for c in t.columns.iter_mut() {
        let same = server.columns.iter().any(|s| s == c);
        if let (true, Some(l)) = (same, ledger.columns.iter().find(|l| l.name == c.name)) {
            *c = l.clone();
        }
    }
    if t.primary_key == server.primary_key {
        t.primary_key = ledger.primary_key.clone();
    }
    t.uniques = parts(&t.uniques, &server.uniques, &ledger.uniques);
    t.checks = parts(&t.checks, &server.checks, &ledger.checks);
    t.foreign_keys = parts(&t.foreign_keys, &server.foreign_keys, &ledger.foreign_keys);
    // Options (partitioning) as the server had them are the ledger's.
    if t.options == server.options {
        t.options = ledger.options.clone();
    }
    t
}

/// Each of `now`'s items that the server had at position k (aligned to the
/// ledger) as the ledger's item k; the others as they are.
fn parts<T: Clone + PartialEq>(now: &[T], server: &[T], ledger: &[T]) -> Vec<T> {
    now.iter()
        .map(|n| {
            server
                .iter()
                .position(|s| s == n)
                .and_then(|k| ledger.get(k))
                .unwrap_or(n)
                .clone()
        })
        .collect()
}

/// What of `ledger` the live schema (`server`, aligned by [`align`]) does
/// not hold, compared by structure: every object and column by name, with its nullability, key, uniques, foreign keys, the presence of
/// defaults and generation, checks by number and name, index columns and
/// direction. SQL text is the server's to spell, so it is not compared
/// here (the server parsed the very text strata gave it), nor the order of
/// a table's columns (see [`translate`]).
pub fn mismatch(ledger: &Schema, server: &Schema) -> Option<String> {
    // A trigger by its name and table, as PostgreSQL keys it.
    let on_table = |t: &strata_schema::Trigger| format!("{} on {}", t.name, t.table);
    let names = |a: Vec<String>, b: Vec<String>, what: &str| {
        (a != b).then(|| format!("the {what} are {b:?}, not {a:?}"))
    };
    if let Some(m) = names(
        ledger.tables.keys().cloned().collect(),
        server.tables.keys().cloned().collect(),
        "tables",
    )
    .or_else(|| {
        names(
            ledger.indexes.keys().cloned().collect(),
            server.indexes.keys().cloned().collect(),
            "indexes",
        )
    })
    .or_else(|| {
        names(
            ledger.views.keys().cloned().collect(),
            server.views.keys().cloned().collect(),
            "views",
        )
    })
    .or_else(|| {
        names(
            ledger.triggers.values().map(on_table).collect(),
            server.triggers.values().map(on_table).collect(),
            "triggers",
        )
    })
    .or_else(|| {
        names(
            ledger.definitions.keys().cloned().collect(),
            server.definitions.keys().cloned().collect(),
            "definitions",
        )
    })
    .or_else(|| {
        ledger
            .definitions
            .iter()
            .find(|(k, d)| server.definitions[*k].kind != d.kind)
            .map(|(k, d)| format!("{k} is not a {}", d.kind.describe()))
    }) {
        return Some(m);
    }
    for (name, l) in &ledger.tables {
        let s = &server.tables[name];
        if option_shape(l) != option_shape(s) {
            return Some(format!(
                "table {name} has the options {:?}, not {:?}",
                s.options, l.options
            ));
        }
        if table_shape(l) != table_shape(s) {
            return Some(format!(
                "table {name} is {:?}, not {:?}",
                table_shape(s),
                table_shape(l)
            ));
        }
        let named = |a: &[Option<&String>], b: &[Option<&String>]| {
            a.iter().zip(b).all(|(a, b)| a.is_none() || a == b)
        };
        let checks_l: Vec<_> = l.checks.iter().map(|c| c.name.as_ref()).collect();
        let checks_s: Vec<_> = s.checks.iter().map(|c| c.name.as_ref()).collect();
        if !named(&checks_l, &checks_s)
            || l.uniques.len() != s.uniques.len()
            || l.foreign_keys.len() != s.foreign_keys.len()
            || !l
                .foreign_keys
                .iter()
                .zip(&s.foreign_keys)
                .all(|(l, s)| same_fk(s, l))
        {
            return Some(format!("the constraints of table {name} differ"));
        }
    }
    for (name, l) in &ledger.indexes {
        let s = &server.indexes[name];
        if index_shape(l) != index_shape(s) {
            return Some(format!("index {name} differs"));
        }
    }
    None
}

/// A table's options by what they are: partitioned or not, and the parent
/// of a partition (keys and bounds are the server's to spell).
fn option_shape(t: &Table) -> (bool, Option<String>) {
    (
        strata_dialect::postgres::is_partitioned(t),
        strata_dialect::postgres::parent_of(t),
    )
}

/// A column's name, nullability, whether it has a default and a
/// generating expression, and its identity (0 none, 1 always, 2 by
/// default) with its options (which both sides spell alike).
type ColumnShape<'a> = (&'a String, bool, bool, bool, u8, &'a Option<String>);
/// A key's or unique constraint's columns and deferral.
type KeyShape<'a> = (&'a Vec<String>, bool, bool);
type TableShape<'a> = (
    Vec<ColumnShape<'a>>,
    Option<KeyShape<'a>>,
    Vec<KeyShape<'a>>,
    usize,
);

/// Columns by name: the order is the server's (see [`translate`]).
fn table_shape(t: &Table) -> TableShape<'_> {
    let mut columns: Vec<ColumnShape<'_>> = t
        .columns
        .iter()
        .map(|c| {
            (
                &c.name,
                c.not_null,
                c.default.is_some(),
                c.generated.is_some(),
                match c.identity {
                    None => 0,
                    Some(Identity::Always) => 1,
                    Some(Identity::ByDefault) => 2,
                },
                &c.identity_options,
            )
        })
        .collect();
    columns.sort();
    (
        columns,
        t.primary_key
            .as_ref()
            .map(|k| (&k.columns, k.deferred, k.deferrable)),
        t.uniques
            .iter()
            .map(|u| (&u.columns, u.deferred, u.deferrable))
            .collect(),
        t.checks.len(),
    )
}

type IndexShape<'a> = (
    &'a String,
    bool,
    bool,
    Vec<(Option<&'a String>, bool)>,
    &'a Option<String>,
    &'a Vec<String>,
);

fn index_shape(i: &Index) -> IndexShape<'_> {
    (
        &i.table,
        i.unique,
        i.predicate.is_some(),
        i.columns
            .iter()
            .map(|c| match &c.term {
                IndexTerm::Column(n) => (Some(n), c.desc),
                IndexTerm::Expr(_) => (None, c.desc),
            })
            .collect(),
        &i.method,
        &i.include,
    )
}
