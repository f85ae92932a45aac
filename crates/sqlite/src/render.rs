//! A schema as SQLite SQL: the CREATE statements that build exactly that
//! schema in an empty database. Used by `strata schema --format sql`, by
//! `checkout`, and by the table rebuilds of `apply`. Every identifier goes
//! through [`quote_ident`]; SQL text the model keeps (defaults, checks,
//! generated columns, index terms, views and triggers) is written as kept,
//! so reading the output back with [`crate::ddl::parse_change`] gives the
//! same schema. [`difference`] writes a difference between two schemas
//! (`strata_schema::diff`) as the one line drift reports show, and
//! [`change_between`] the same difference as a change from one point of
//! the ledger to another, as `strata diff` lists it.

use std::collections::{BTreeMap, BTreeSet};

use strata_dialect::sqlite::text::quote_ident;
use strata_dialect::sqlite::{key, same_name, AUTOINCREMENT, RULES, STRICT, WITHOUT_ROWID};
use strata_schema::{
    Check, Column, FkAction, ForeignKey, Index, IndexTerm, IndexedColumn, PrimaryKey, Schema,
    Table, Unique,
};

use crate::ddl::{is_bare_default, reads_as_index_term};

mod differences;

pub use differences::{change_between, difference};

/// The statements (without semicolons) that build `schema` in an empty
/// SQLite database, in an order SQLite accepts: tables (each after the
/// tables its foreign keys name), then indexes, then views (each after the
/// views it reads), then triggers.
pub fn render_schema(schema: &Schema) -> Vec<String> {
    let mut out: Vec<String> = dependency_order(&schema.tables, |t| {
        t.foreign_keys
            .iter()
            .map(|fk| fk.ref_table.as_str())
            .collect()
    })
    .into_iter()
    .map(render_table)
    .collect();
    out.extend(schema.indexes.values().map(render_index));
    out.extend(
        dependency_order(&schema.views, |v| {
            v.depends_on.iter().map(String::as_str).collect()
        })
        .into_iter()
        .map(|v| v.sql.clone()),
    );
    out.extend(schema.triggers.values().map(|t| t.sql.clone()));
    out
}

/// The objects of `objects` ordered so that each comes after those it
/// depends on (by the names `depends_on` gives; names of other kinds are
/// ignored), otherwise in key order. A cycle is emitted in key order rather
/// than lost.
///
/// The order is by rounds: each round emits, in key order, every object
/// whose dependencies earlier rounds emitted; a round with nothing ready
/// (a cycle) emits the first object not yet emitted, alone. Each object
/// counts the dependencies it waits for and each emitted object releases
/// those that wait for it, so the whole costs the number of objects and
/// dependencies (not a scan of every object per round, which was the
/// square of the number of objects on a long chain of foreign keys).
fn dependency_order<T>(
    objects: &BTreeMap<String, T>,
    depends_on: impl Fn(&T) -> Vec<&str>,
) -> Vec<&T> {
    let entries: Vec<(&String, &T)> = objects.iter().collect();
    let index: BTreeMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_str(), i))
        .collect();
    // For each object, how many of its dependencies it waits for; for each,
    // the objects that wait for it.
    let mut waits = vec![0usize; entries.len()];
    let mut waited_by: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    for (i, (k, o)) in entries.iter().enumerate() {
        let deps: BTreeSet<usize> = depends_on(o)
            .into_iter()
            .filter_map(|d| {
                let d = key(d);
                if d == **k {
                    None
                } else {
                    index.get(d.as_str()).copied()
                }
            })
            .collect();
        waits[i] = deps.len();
        for d in deps {
            waited_by[d].push(i);
        }
    }
    let mut done = vec![false; entries.len()];
    let mut out = Vec::with_capacity(entries.len());
    let mut ready: BTreeSet<usize> = (0..entries.len()).filter(|&i| waits[i] == 0).collect();
    // The first object not yet emitted, for breaking a cycle.
    let mut first = 0;
    while out.len() < entries.len() {
        let batch: Vec<usize> = if ready.is_empty() {
            while done[first] {
                first += 1;
            }
            vec![first]
        } else {
            std::mem::take(&mut ready).into_iter().collect()
        };
        let mut next = BTreeSet::new();
        for &i in &batch {
            done[i] = true;
            out.push(entries[i].1);
        }
        for &i in &batch {
            for &w in &waited_by[i] {
                waits[w] -= 1;
                if waits[w] == 0 && !done[w] {
                    next.insert(w);
                }
            }
        }
        ready = next;
    }
    out
}

/// `CREATE TABLE` for `table`. A primary key on one column declared exactly
/// `INTEGER` is written on the column, so that it is the rowid (and can be
/// AUTOINCREMENT); any other primary key is a table constraint.
pub fn render_table(table: &Table) -> String {
    let inline_pk = table.primary_key.as_ref().filter(|pk| {
        pk.columns.len() == 1
            && table
                .column(RULES, &pk.columns[0])
                .is_some_and(|c| c.ty.eq_ignore_ascii_case("INTEGER"))
    });
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let pk = inline_pk.filter(|pk| same_name(&pk.columns[0], &c.name));
            render_column(c, pk.map(|pk| (pk, table.has_option(AUTOINCREMENT))))
        })
        .collect();
    if let Some(pk) = table.primary_key.as_ref().filter(|_| inline_pk.is_none()) {
        let columns: Vec<String> = pk
            .columns
            .iter()
            .map(|c| {
                if table.has_option(AUTOINCREMENT) {
                    format!("{} AUTOINCREMENT", quote_ident(c))
                } else {
                    quote_ident(c)
                }
            })
            .collect();
        lines.push(format!(
            "{}PRIMARY KEY ({})",
            constraint_name(&pk.name),
            columns.join(", ")
        ));
    }
    lines.extend(table.uniques.iter().map(render_unique));
    lines.extend(table.checks.iter().map(render_check));
    lines.extend(table.foreign_keys.iter().map(render_foreign_key));
    let mut options = Vec::new();
    if table.has_option(WITHOUT_ROWID) {
        options.push("WITHOUT ROWID");
    }
    if table.has_option(STRICT) {
        options.push("STRICT");
    }
    let options = if options.is_empty() {
        String::new()
    } else {
        format!(" {}", options.join(", "))
    };
    format!(
        "CREATE TABLE {} (\n  {}\n){options}",
        quote_ident(&table.name),
        lines.join(",\n  ")
    )
}

/// A column definition as it stands in CREATE TABLE or ADD COLUMN (without
/// a primary key clause, which belongs to the table).
pub fn render_column_def(c: &Column) -> String {
    render_column(c, None)
}

/// A table's options as SQLite writes them (`STRICT, WITHOUT ROWID`), or
/// `none`.
pub fn render_options(options: &[String]) -> String {
    if options.is_empty() {
        return "none".to_string();
    }
    options
        .iter()
        .map(|o| strata_dialect::sqlite::option_sql(o))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table constraint: `[CONSTRAINT name] UNIQUE (...)`.
pub fn render_unique(u: &Unique) -> String {
    format!(
        "{}UNIQUE ({})",
        constraint_name(&u.name),
        ident_list(&u.columns)
    )
}

/// A table constraint: `[CONSTRAINT name] CHECK (...)`.
pub fn render_check(c: &Check) -> String {
    format!("{}CHECK ({})", constraint_name(&c.name), c.expr)
}

/// A column, with the primary key written on it (and whether that key is
/// AUTOINCREMENT).
fn render_column(c: &Column, primary_key: Option<(&PrimaryKey, bool)>) -> String {
    let mut out = quote_ident(&c.name);
    if !c.ty.is_empty() {
        out.push(' ');
        out.push_str(&c.ty);
    }
    if let Some((pk, autoincrement)) = primary_key {
        out.push(' ');
        out.push_str(&constraint_name(&pk.name));
        out.push_str("PRIMARY KEY");
        if autoincrement {
            out.push_str(" AUTOINCREMENT");
        }
    }
    if c.not_null {
        out.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        out.push_str(" DEFAULT ");
        out.push_str(&default_term(d));
    }
    if let Some(collation) = &c.collation {
        out.push_str(" COLLATE ");
        out.push_str(&quote_ident(collation));
    }
    if let Some(g) = &c.generated {
        out.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            g.expr,
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
    }
    out
}

/// A default as SQLite's DEFAULT takes it: a single literal, name or signed
/// number as it is, anything else in parentheses (which SQLite, and
/// [`crate::ddl`], take off again when they read it back).
fn default_term(text: &str) -> String {
    if is_bare_default(text) {
        text.to_string()
    } else {
        format!("({text})")
    }
}

/// A table constraint: `[CONSTRAINT name] FOREIGN KEY (...) REFERENCES ...`.
pub fn render_foreign_key(fk: &ForeignKey) -> String {
    let mut out = format!(
        "{}FOREIGN KEY ({}) REFERENCES {}",
        constraint_name(&fk.name),
        ident_list(&fk.columns),
        quote_ident(&fk.ref_table)
    );
    if !fk.ref_columns.is_empty() {
        out.push_str(&format!(" ({})", ident_list(&fk.ref_columns)));
    }
    for (event, action) in [("DELETE", fk.on_delete), ("UPDATE", fk.on_update)] {
        if action != FkAction::NoAction {
            out.push_str(&format!(" ON {event} {}", fk_action(action)));
        }
    }
    if fk.deferred {
        out.push_str(" DEFERRABLE INITIALLY DEFERRED");
    }
    out
}

fn fk_action(action: FkAction) -> &'static str {
    match action {
        FkAction::NoAction => "NO ACTION",
        FkAction::Restrict => "RESTRICT",
        FkAction::SetNull => "SET NULL",
        FkAction::SetDefault => "SET DEFAULT",
        FkAction::Cascade => "CASCADE",
    }
}

/// `CONSTRAINT "name" ` for a named constraint, nothing otherwise.
fn constraint_name(name: &Option<String>) -> String {
    name.as_deref()
        .map_or(String::new(), |n| format!("CONSTRAINT {} ", quote_ident(n)))
}

fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CREATE [UNIQUE] INDEX` for `index`.
pub fn render_index(index: &Index) -> String {
    let terms: Vec<String> = index
        .columns
        .iter()
        .map(|c| {
            let mut term = match &c.term {
                IndexTerm::Column(name) => quote_ident(name),
                IndexTerm::Expr(expr) => expr.clone(),
            };
            if let Some(collation) = &c.collation {
                let collate = format!(" COLLATE {}", quote_ident(collation));
                // COLLATE binds tighter than any operator: after `a * 2` it
                // would collate the `2` alone, so such an expression is
                // parenthesized (and reads back with its parentheses).
                let bare = IndexedColumn {
                    desc: false,
                    ..c.clone()
                };
                if !reads_as_index_term(&format!("{term}{collate}"), &bare) {
                    term = format!("({term})");
                }
                term.push_str(&collate);
            }
            if c.desc {
                term.push_str(" DESC");
            }
            term
        })
        .collect();
    let mut out = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(&index.name),
        quote_ident(&index.table),
        terms.join(", ")
    );
    if let Some(p) = &index.predicate {
        out.push_str(" WHERE ");
        out.push_str(p);
    }
    out
}

#[cfg(test)]
mod tests;
