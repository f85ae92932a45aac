//! Reads a live PostgreSQL schema back into the model, from `pg_catalog`,
//! with the server's own rendering of every piece of SQL text
//! (`format_type`, `pg_get_expr`, `pg_get_indexdef`, `pg_get_viewdef`,
//! `pg_get_triggerdef`). What this gives is the server's spelling: the
//! target maps it back to the ledger's where strata wrote it
//! (`crate::spelling`).
//!
//! A partitioned table has the option `partition by <key>`
//! (`pg_get_partkeydef`), a partition `partition of <parent> <bound>`
//! (`pg_get_expr(relpartbound, oid)`) and all its columns. What PostgreSQL
//! gives a partition from its parent (the indexes, primary key, uniques and
//! foreign keys it clones or attaches, checks it inherits, cloned
//! triggers) is left out: the model holds them on the parent only, and a
//! partition holds what is its own.

use std::collections::{BTreeMap, BTreeSet};

use postgres::types::Type;
use postgres::GenericClient;
use strata_dialect::postgres::RULES;
use strata_schema::{
    Check, Column, FkAction, ForeignKey, Generated, Identity, Index, IndexTerm, IndexedColumn,
    PrimaryKey, Schema, Table, Trigger, Unique, View,
};

use strata_dialect::postgres::{identity, partition_of_option, PARTITION_BY};

use crate::error::PgError;
use crate::render::ident;

/// What the model cannot hold yet, found in a live schema: the reader
/// refuses it rather than leave it out silently.
fn unsupported(what: String) -> PgError {
    PgError::new(format!(
        "{what}, which strata's PostgreSQL target does not model yet"
    ))
    .help("see docs/postgres-target.md, \"Not supported yet\"")
}

/// The namespaces a read takes beside the one whose objects are named
/// bare (normally `public`); their objects are named `schema.name`.
#[derive(Debug, Clone, Copy)]
pub enum Spaces<'a> {
    /// These (the schemas a ledger's objects are in).
    Named(&'a BTreeSet<String>),
    /// Every namespace of the database's own (see [`namespaces`]) but
    /// these.
    AllBut(&'a [String]),
}

/// The schema held in namespace `ns` alone, in the server's spelling.
pub fn introspect<C: GenericClient>(client: &mut C, ns: &str) -> Result<Schema, PgError> {
    introspect_in(client, ns, Spaces::Named(&BTreeSet::new()))
}

/// The schema held in namespace `ns` (its objects named bare) and in
/// `spaces` (named `schema.name`), in the server's spelling.
pub fn introspect_in<C: GenericClient>(
    client: &mut C,
    ns: &str,
    spaces: Spaces<'_>,
) -> Result<Schema, PgError> {
    let spaces = match spaces {
        Spaces::Named(named) => std::iter::once(ns.to_string())
            .chain(named.iter().filter(|n| *n != ns).cloned())
            .collect(),
        Spaces::AllBut(except) => namespaces(client, ns, except)?,
    };
    refuse_periods(client, &spaces)?;
    let q = |client: &mut C, what: &str, sql: &str| {
        client
            .query_typed(sql, &[(&ns, Type::NAME), (&spaces, Type::NAME_ARRAY)])
            .map_err(|e| PgError::server(&format!("reading the schema ({what})"), &e))
    };
    let mut schema = Schema::default();
    let mut names: BTreeMap<u32, String> = BTreeMap::new();

    for row in q(
        client,
        "relations",
        "SELECT c.oid, (CASE WHEN n.nspname = $1 THEN c.relname::text ELSE n.nspname::text || '.' || c.relname::text END), c.relkind::text, c.relispartition, \
         CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, \
         (SELECT (CASE WHEN pn.nspname = $1 THEN p.relname::text ELSE pn.nspname::text || '.' || p.relname::text END) FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent \
          JOIN pg_namespace pn ON pn.oid = p.relnamespace \
          WHERE h.inhrelid = c.oid AND c.relispartition), \
         CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END \
         FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($2) AND c.relkind IN ('r', 'p', 'm', 'f') ORDER BY 2",
    )? {
        let oid: u32 = row.get(0);
        let name: String = row.get(1);
        let kind: String = row.get(2);
        let partition: bool = row.get(3);
        if kind == "m" {
            // A materialized view: a definition (crate::defs).
            continue;
        }
        if kind != "r" && kind != "p" {
            let what = match kind.as_str() {
                "m" => "a materialized view",
                _ => "a foreign table",
            };
            return Err(unsupported(format!("{name} is {what}")));
        }
        if kind == "p" && partition {
            return Err(unsupported(format!(
                "{name} is a partition that is partitioned itself (sub-partitioning)"
            )));
        }
        let mut options = Vec::new();
        if let Some(key) = row.get::<_, Option<String>>(4) {
            options.push(format!("{PARTITION_BY}{key}"));
        }
        if partition {
            let parent: Option<String> = row.get(5);
            let bound: Option<String> = row.get(6);
            let (Some(parent), Some(bound)) = (parent, bound) else {
                return Err(unsupported(format!(
                    "{name} is a partition whose parent or bound cannot be read"
                )));
            };
            options.push(partition_of_option(&parent, &bound));
        }
        names.insert(oid, name.clone());
        schema.tables.insert(
            name.clone(),
            Table {
                name,
                options,
                ..Table::default()
            },
        );
    }

    for row in q(
        client,
        "columns",
        "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
         pg_get_expr(d.adbin, d.adrelid), a.attgenerated::text, a.attidentity::text, \
         CASE WHEN a.attcollation <> t.typcollation THEN co.collname END, \
         (SELECT ARRAY[s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache, s.seqcycle::int::int8] \
          FROM pg_depend dep JOIN pg_sequence s ON s.seqrelid = dep.objid \
          WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass \
          AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' LIMIT 1) \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation \
         WHERE n.nspname = ANY($2) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attrelid, a.attnum",
    )? {
        let oid: u32 = row.get(0);
        let Some(table) = names.get(&oid).and_then(|n| schema.tables.get_mut(n)) else {
            continue;
        };
        let name: String = row.get(1);
        let expr: Option<String> = row.get(4);
        let generated: String = row.get(5);
        let identity: String = row.get(6);
        let identity = match identity.as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        let (default, generated) = if generated == "s" {
            (
                None,
                Some(Generated {
                    expr: expr.unwrap_or_default(),
                    stored: true,
                }),
            )
        } else {
            (expr, None)
        };
        let ty: String = row.get(2);
        // The identity's sequence, as the model keeps it: the options
        // that differ from the defaults for the column's type.
        let identity_options = match (identity, row.get::<_, Option<Vec<i64>>>(8)) {
            (Some(_), Some(v)) if v.len() == 6 => identity::range(&ty).and_then(|range| {
                identity::Sequence {
                    increment: v[0],
                    min: v[1],
                    max: v[2],
                    start: v[3],
                    cache: v[4],
                    cycle: v[5] != 0,
                }
                .options(range)
            }),
            _ => None,
        };
        table.columns.push(Column {
            name,
            ty,
            not_null: row.get(3),
            default,
            collation: row.get(7),
            generated,
            identity,
            identity_options,
        });
    }

    for row in q(
        client,
        "constraints",
        "SELECT con.conrelid, con.conname, con.contype::text, \
         ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) \
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i), \
         (CASE WHEN fn.nspname = $1 THEN f.relname::text ELSE fn.nspname::text || '.' || f.relname::text END), fn.nspname = ANY($2), \
         ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i) \
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i), \
         con.confdeltype::text, con.confupdtype::text, con.condeferrable, con.condeferred, \
         pg_get_expr(con.conbin, con.conrelid, true) \
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_class f ON f.oid = con.confrelid \
         LEFT JOIN pg_namespace fn ON fn.oid = f.relnamespace \
         WHERE n.nspname = ANY($2) AND con.contype IN ('p', 'u', 'c', 'f', 'x') \
         AND con.conparentid = 0 AND (con.conislocal OR NOT c.relispartition) \
         ORDER BY con.conrelid, con.oid",
    )? {
        let oid: u32 = row.get(0);
        let Some(table) = names.get(&oid).and_then(|n| schema.tables.get_mut(n)) else {
            continue;
        };
        let name: String = row.get(1);
        let kind: String = row.get(2);
        let columns: Vec<String> = row.get(3);
        // As the model keeps it: INITIALLY DEFERRED, or deferrable and
        // initially immediate.
        let deferred: bool = row.get(10);
        let deferrable = row.get::<_, bool>(9) && !deferred;
        match kind.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name: Some(name),
                    columns,
                    deferred,
                    deferrable,
                })
            }
            "u" => table.uniques.push(Unique {
                name: Some(name),
                columns,
                deferred,
                deferrable,
            }),
            "c" => {
                let expr: String = row.get::<_, Option<String>>(11).unwrap_or_default();
                table.checks.push(Check {
                    name: Some(name),
                    expr: strip_parens(&expr).to_string(),
                })
            }
            "f" => {
                let ref_table: String = row.get::<_, Option<String>>(4).unwrap_or_default();
                if row.get::<_, Option<bool>>(5) != Some(true) {
                    return Err(unsupported(format!(
                        "foreign key {name} of {} refers to {ref_table}, in a schema strata does not keep",
                        table.name
                    )));
                }
                table.foreign_keys.push(ForeignKey {
                    name: Some(name),
                    columns,
                    ref_table,
                    ref_columns: row.get(6),
                    on_delete: fk_action(&row.get::<_, String>(7)),
                    on_update: fk_action(&row.get::<_, String>(8)),
                    deferred,
                    deferrable,
                })
            }
            _ => {
                return Err(unsupported(format!(
                    "{} has the exclusion constraint {name}",
                    table.name
                )))
            }
        }
    }

    for row in q(
        client,
        "indexes",
        "SELECT (CASE WHEN n.nspname = $1 THEN i.relname::text ELSE n.nspname::text || '.' || i.relname::text END), (CASE WHEN n.nspname = $1 THEN t.relname::text ELSE n.nspname::text || '.' || t.relname::text END), x.indisunique, x.indnkeyatts::int, x.indnatts::int, \
         pg_get_expr(x.indpred, x.indrelid, true), \
         ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) k ORDER BY k), \
         ARRAY(SELECT coalesce(a.attname::text, '') FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, i) \
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.i), \
         x.indoption::int2[], am.amname::text, \
         ARRAY(SELECT CASE WHEN k.c <> 0 AND k.c <> coalesce(a.attcollation, 0) THEN co.collname::text ELSE '' END \
               FROM unnest(x.indcollation::oid[]) WITH ORDINALITY k(c, i) \
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k.i - 1] \
               LEFT JOIN pg_collation co ON co.oid = k.c ORDER BY k.i) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         JOIN pg_am am ON am.oid = i.relam \
         WHERE n.nspname = ANY($2) AND t.relkind IN ('r', 'p', 'm') AND NOT i.relispartition \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x')) \
         ORDER BY i.relname",
    )? {
        let name: String = row.get(0);
        let table: String = row.get(1);
        let keys: i32 = row.get(3);
        let all: i32 = row.get(4);
        let method: String = row.get(9);
        let defs: Vec<String> = row.get(6);
        let attrs: Vec<String> = row.get(7);
        let include: Vec<String> = attrs
            .get(keys as usize..all as usize)
            .unwrap_or_default()
            .to_vec();
        let options: Vec<i16> = row.get(8);
        let collations: Vec<String> = row.get(10);
        let columns = defs
            .iter()
            .enumerate()
            .map(|(k, def)| IndexedColumn {
                term: match attrs.get(k).filter(|a| !a.is_empty()) {
                    Some(a) => IndexTerm::Column(a.clone()),
                    None => IndexTerm::Expr(strip_parens(def).to_string()),
                },
                collation: collations.get(k).filter(|c| !c.is_empty()).cloned(),
                desc: options.get(k).is_some_and(|o| o & 1 == 1),
            })
            .collect();
        schema.indexes.insert(
            name.clone(),
            Index {
                name,
                table,
                unique: row.get(2),
                columns,
                predicate: row.get(5),
                method: (method != "btree").then_some(method),
                include,
            },
        );
    }

    for row in q(
        client,
        "views",
        "SELECT (CASE WHEN n.nspname = $1 THEN c.relname::text ELSE n.nspname::text || '.' || c.relname::text END), pg_get_viewdef(c.oid, true), \
         ARRAY(SELECT DISTINCT (CASE WHEN dn.nspname = $1 THEN d.relname::text ELSE dn.nspname::text || '.' || d.relname::text END) FROM pg_rewrite r \
               JOIN pg_depend dep ON dep.objid = r.oid AND dep.classid = 'pg_rewrite'::regclass \
               AND dep.refclassid = 'pg_class'::regclass \
               JOIN pg_class d ON d.oid = dep.refobjid \
               JOIN pg_namespace dn ON dn.oid = d.relnamespace \
               WHERE r.ev_class = c.oid AND d.oid <> c.oid ORDER BY 1) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($2) AND c.relkind = 'v' ORDER BY 1",
    )? {
        let name: String = row.get(0);
        let def: String = row.get(1);
        let sql = format!(
            "CREATE VIEW {} AS {}",
            ident(&name),
            def.trim().trim_end_matches(';')
        );
        schema.views.insert(
            name.clone(),
            View {
                name,
                sql,
                depends_on: row.get(2),
            },
        );
    }

    for row in q(
        client,
        "triggers",
        "SELECT t.tgname, (CASE WHEN n.nspname = $1 THEN c.relname::text ELSE n.nspname::text || '.' || c.relname::text END), pg_get_triggerdef(t.oid, true) FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($2) AND NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY t.tgname",
    )? {
        let name: String = row.get(0);
        let table: String = row.get(1);
        schema.triggers.insert(
            RULES.trigger_key(&table, &name),
            Trigger {
                name,
                table,
                sql: row.get(2),
                depends_on: Vec::new(),
            },
        );
    }
    crate::defs::introspect_definitions(client, ns, &spaces, &mut schema)?;
    Ok(schema)
}

/// The namespaces strata keeps in a database: `ns` and every other one
/// but PostgreSQL's own (`pg_*`, `information_schema`), strata's
/// (`strata`), an extension's, and `except`.
pub fn namespaces<C: GenericClient>(
    client: &mut C,
    ns: &str,
    except: &[String],
) -> Result<Vec<String>, PgError> {
    let rows = client
        .query(
            "SELECT n.nspname::text FROM pg_namespace n WHERE n.nspname = $1 \
             OR (n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', 'strata') \
                 AND NOT (n.nspname = ANY($2)) \
                 AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_namespace'::regclass \
                                 AND e.objid = n.oid AND e.deptype = 'e')) \
             ORDER BY 1",
            &[&ns, &except],
        )
        .map_err(|e| PgError::server("reading the schema (namespaces)", &e))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// A period in a name of what strata keeps would read as a schema's: such
/// a schema, relation, column, constraint, type, routine or trigger is
/// refused by name.
fn refuse_periods<C: GenericClient>(client: &mut C, spaces: &[String]) -> Result<(), PgError> {
    let found = client
        .query(
            "SELECT what FROM ( \
               SELECT 'schema ' || nspname AS what FROM pg_namespace WHERE nspname = ANY($1) AND strpos(nspname, '.') > 0 \
               UNION ALL SELECT 'relation ' || n.nspname || '.' || c.relname FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) AND strpos(c.relname, '.') > 0 \
               UNION ALL SELECT 'column ' || c.relname || '.' || a.attname FROM pg_attribute a \
                 JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped AND strpos(a.attname, '.') > 0 \
               UNION ALL SELECT 'constraint ' || k.conname FROM pg_constraint k \
                 JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = ANY($1) AND strpos(k.conname, '.') > 0 \
               UNION ALL SELECT 'type ' || t.typname FROM pg_type t \
                 JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = ANY($1) AND strpos(t.typname, '.') > 0 \
               UNION ALL SELECT 'routine ' || p.proname FROM pg_proc p \
                 JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1) AND strpos(p.proname, '.') > 0 \
               UNION ALL SELECT 'trigger ' || g.tgname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) AND strpos(g.tgname, '.') > 0 \
             ) x LIMIT 1",
            &[&spaces],
        )
        .map_err(|e| PgError::server("reading the schema (names)", &e))?;
    match found.first() {
        Some(row) => Err(unsupported(format!(
            "the {} has a period in its name (strata writes an object of another schema as schema.name)",
            row.get::<_, String>(0)
        ))),
        None => Ok(()),
    }
}

fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        "c" => FkAction::Cascade,
        _ => FkAction::NoAction,
    }
}

/// `text` without one pair of parentheses around the whole of it.
pub fn strip_parens(text: &str) -> &str {
    let t = text.trim();
    if !(t.starts_with('(') && t.ends_with(')')) {
        return t;
    }
    // The first parenthesis must close at the very end.
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, ch) in t.char_indices() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None => match ch {
                '\'' | '"' => quote = Some(ch),
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 && i != t.len() - 1 {
                        return t;
                    }
                }
                _ => {}
            },
        }
    }
    &t[1..t.len() - 1]
}
