//! Definitions read back from `pg_catalog` (see `introspect`), in the
//! server's spelling: sequences (composed from `pg_sequence`), enum and
//! composite types, domains, functions and procedures
//! (`pg_get_functiondef`), aggregates (composed from `pg_aggregate`),
//! which column a sequence belongs to (`pg_depend`),
//! materialized views (`pg_get_viewdef`) and comments (`pg_description`:
//! on relations, columns, types, routines, constraints and triggers).
//! Objects that belong to an extension are left out, and so is a
//! sequence that belongs to an identity column.

use postgres::types::Type;
use postgres::GenericClient;
use strata_schema::{Definition, DefinitionKind, Schema};

use crate::error::PgError;
use crate::render::{ident, literal};

/// Objects of an extension: `pg_depend` deptype 'e'.
const NOT_EXTENSION: &str = "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = {oid} \
     AND e.deptype = 'e')";

fn not_extension(oid: &str) -> String {
    NOT_EXTENSION.replace("{oid}", oid)
}

/// Adds the definitions held in namespaces `spaces` to `schema`, those of
/// `ns` named bare, the others `schema.name`.
pub fn introspect_definitions<C: GenericClient>(
    client: &mut C,
    ns: &str,
    spaces: &[String],
    schema: &mut Schema,
) -> Result<(), PgError> {
    let mut q = |what: &str, sql: &str| {
        client
            .query_typed(sql, &[(&ns, Type::NAME), (&spaces, Type::NAME_ARRAY)])
            .map_err(|e| PgError::server(&format!("reading the schema ({what})"), &e))
    };
    let add = |schema: &mut Schema, kind, name: String, sql: String, depends_on| {
        schema.definitions.insert(
            name.clone(),
            Definition {
                kind,
                name,
                sql,
                depends_on,
            },
        );
    };

    for row in q(
        "sequences",
        &format!(
            "SELECT (CASE WHEN n.nspname = $1 THEN c.relname::text ELSE n.nspname::text || '.' || c.relname::text END), format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, \
             s.seqmin, s.seqmax, s.seqcache, s.seqcycle FROM pg_sequence s \
             JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = ANY($2) AND {} AND NOT EXISTS (SELECT 1 FROM pg_depend d \
             WHERE d.objid = c.oid AND d.deptype = 'i') ORDER BY 1",
            not_extension("c.oid")
        ),
    )? {
        let name: String = row.get(0);
        let ty: String = row.get(1);
        let sql = format!(
            "CREATE SEQUENCE {} AS {ty} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {}{}",
            ident(&name),
            row.get::<_, i64>(3),
            row.get::<_, i64>(4),
            row.get::<_, i64>(5),
            row.get::<_, i64>(2),
            row.get::<_, i64>(6),
            if row.get::<_, bool>(7) { " CYCLE" } else { "" }
        );
        add(schema, DefinitionKind::Sequence, name, sql, Vec::new());
    }

    // A sequence that belongs to a column (`OWNED BY`, what `serial`
    // makes): pg_depend deptype 'a' from the sequence to the column.
    for row in q(
        "sequence ownerships",
        &format!(
            "SELECT (CASE WHEN n.nspname = $1 THEN s.relname::text ELSE n.nspname::text || '.' || s.relname::text END), \
             (CASE WHEN n.nspname = $1 THEN t.relname::text ELSE n.nspname::text || '.' || t.relname::text END), a.attname::text \
             FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' \
             JOIN pg_namespace n ON n.oid = s.relnamespace \
             JOIN pg_class t ON t.oid = d.refobjid \
             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
             WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass \
             AND d.deptype = 'a' AND d.refobjsubid > 0 AND n.nspname = ANY($2) AND {} ORDER BY 1",
            not_extension("s.oid")
        ),
    )? {
        let d = crate::render::ownership(&row.get::<_, String>(0), &row.get::<_, String>(1), &row.get::<_, String>(2));
        schema.definitions.insert(d.name.clone(), d);
    }

    for row in q(
        "types",
        &format!(
            "SELECT (CASE WHEN n.nspname = $1 THEN t.typname::text ELSE n.nspname::text || '.' || t.typname::text END), t.typtype::text, \
             ARRAY(SELECT quote_literal(e.enumlabel) FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), \
             ARRAY(SELECT quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) \
                   FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum), \
             format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault, \
             ARRAY(SELECT 'CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid, true) \
                   FROM pg_constraint k WHERE k.contypid = t.oid ORDER BY k.conname), \
             ARRAY(SELECT DISTINCT (CASE WHEN un.nspname = $1 THEN u.typname::text ELSE un.nspname::text || '.' || u.typname::text END) FROM pg_type u \
                   JOIN pg_namespace un ON un.oid = u.typnamespace \
                   WHERE un.nspname = ANY($2) AND u.oid <> t.oid AND (u.oid = t.typbasetype \
                   OR u.oid IN (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0))) \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             LEFT JOIN pg_class r ON r.oid = t.typrelid \
             WHERE n.nspname = ANY($2) AND {} AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND r.relkind = 'c')) \
             ORDER BY 1",
            not_extension("t.oid")
        ),
    )? {
        let name: String = row.get(0);
        let typtype: String = row.get(1);
        let depends_on: Vec<String> = row.get(8);
        let (kind, sql) = match typtype.as_str() {
            "e" => {
                let labels: Vec<String> = row.get(2);
                (
                    DefinitionKind::Type,
                    format!("CREATE TYPE {} AS ENUM ({})", ident(&name), labels.join(", ")),
                )
            }
            "c" => {
                let attrs: Vec<String> = row.get(3);
                (
                    DefinitionKind::Type,
                    format!("CREATE TYPE {} AS ({})", ident(&name), attrs.join(", ")),
                )
            }
            _ => {
                let mut sql = format!("CREATE DOMAIN {} AS {}", ident(&name), row.get::<_, String>(4));
                if let Some(d) = row.get::<_, Option<String>>(6) {
                    sql.push_str(&format!(" DEFAULT {d}"));
                }
                if row.get::<_, bool>(5) {
                    sql.push_str(" NOT NULL");
                }
                for k in row.get::<_, Vec<String>>(7) {
                    sql.push(' ');
                    sql.push_str(&k);
                }
                (DefinitionKind::Domain, sql)
            }
        };
        add(schema, kind, name, sql, depends_on);
    }

    for row in q(
        "routines",
        &format!(
            "SELECT (CASE WHEN n.nspname = $1 THEN p.proname::text ELSE n.nspname::text || '.' || p.proname::text END), pg_get_function_identity_arguments(p.oid), p.prokind::text, \
             CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END, \
             a.aggtransfn::regproc::text, format_type(a.aggtranstype, NULL), \
             NULLIF(a.aggfinalfn::oid, 0)::regproc::text, a.agginitval, \
             ARRAY(SELECT DISTINCT (CASE WHEN fn.nspname = $1 THEN f.proname::text ELSE fn.nspname::text || '.' || f.proname::text END) || '(' || pg_get_function_identity_arguments(f.oid) || ')' \
                   FROM pg_proc f JOIN pg_namespace fn ON fn.oid = f.pronamespace \
                   WHERE f.oid IN (a.aggtransfn, a.aggfinalfn) AND fn.nspname = ANY($2)), \
             ARRAY(WITH sig(o) AS (SELECT unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) \
                                   UNION SELECT p.prorettype), \
                        used(o) AS (SELECT o FROM sig UNION SELECT e.typelem FROM pg_type e JOIN sig ON sig.o = e.oid) \
                   SELECT DISTINCT d FROM ( \
                   SELECT (CASE WHEN cn.nspname = $1 THEN c.relname::text ELSE cn.nspname::text || '.' || c.relname::text END) AS d FROM pg_class c \
                   JOIN pg_namespace cn ON cn.oid = c.relnamespace \
                   WHERE cn.nspname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm') \
                   AND c.reltype IN (SELECT o FROM sig) \
                   UNION \
                   SELECT (CASE WHEN tn.nspname = $1 THEN t.typname::text ELSE tn.nspname::text || '.' || t.typname::text END) FROM pg_type t \
                   JOIN pg_namespace tn ON tn.oid = t.typnamespace \
                   WHERE tn.nspname = ANY($2) AND t.oid IN (SELECT o FROM used) \
                   AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND EXISTS \
                        (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))) \
                   ) deps ORDER BY 1) \
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid \
             WHERE n.nspname = ANY($2) AND {} ORDER BY 1, 2",
            not_extension("p.oid")
        ),
    )? {
        let base: String = row.get(0);
        let args: String = row.get(1);
        let kind: String = row.get(2);
        let name = format!("{base}({args})");
        let (kind, sql, depends_on) = match kind.as_str() {
            "a" => {
                let mut sql = format!(
                    "CREATE AGGREGATE {}({args}) (SFUNC = {}, STYPE = {}",
                    ident(&base),
                    row.get::<_, String>(4),
                    row.get::<_, String>(5)
                );
                if let Some(f) = row.get::<_, Option<String>>(6) {
                    sql.push_str(&format!(", FINALFUNC = {f}"));
                }
                if let Some(i) = row.get::<_, Option<String>>(7) {
                    sql.push_str(&format!(", INITCOND = {}", literal(&i)));
                }
                sql.push(')');
                (DefinitionKind::Aggregate, sql, row.get(8))
            }
            // A routine names the relations whose row types, and the types
            // of the schema, its signature takes or returns: it is made
            // after them.
            "p" => (
                DefinitionKind::Procedure,
                row.get::<_, String>(3).trim().to_string(),
                row.get(9),
            ),
            "f" => (
                DefinitionKind::Function,
                row.get::<_, String>(3).trim().to_string(),
                row.get(9),
            ),
            _ => continue,
        };
        add(schema, kind, name, sql, depends_on);
    }

    for row in q(
        "materialized views",
        &format!(
            "SELECT (CASE WHEN n.nspname = $1 THEN c.relname::text ELSE n.nspname::text || '.' || c.relname::text END), pg_get_viewdef(c.oid, true), c.relispopulated, \
             ARRAY(SELECT DISTINCT (CASE WHEN dn.nspname = $1 THEN d.relname::text ELSE dn.nspname::text || '.' || d.relname::text END) FROM pg_rewrite r \
                   JOIN pg_depend dep ON dep.objid = r.oid AND dep.classid = 'pg_rewrite'::regclass \
                   AND dep.refclassid = 'pg_class'::regclass \
                   JOIN pg_class d ON d.oid = dep.refobjid \
                   JOIN pg_namespace dn ON dn.oid = d.relnamespace \
                   WHERE r.ev_class = c.oid AND d.oid <> c.oid ORDER BY 1) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = ANY($2) AND c.relkind = 'm' AND {} ORDER BY 1",
            not_extension("c.oid")
        ),
    )? {
        let name: String = row.get(0);
        let def: String = row.get(1);
        let populated: bool = row.get(2);
        let sql = format!(
            "CREATE MATERIALIZED VIEW {} AS {}{}",
            ident(&name),
            def.trim().trim_end_matches(';'),
            if populated { "" } else { " WITH NO DATA" }
        );
        add(schema, DefinitionKind::MaterializedView, name, sql, row.get(3));
    }

    for row in q(
        "comments",
        "SELECT CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'v' THEN 'VIEW' \
                WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'i' THEN 'INDEX' WHEN 'S' THEN 'SEQUENCE' END, \
                CASE WHEN n.nspname = $1 THEN '' ELSE quote_ident(n.nspname) || '.' END || quote_ident(c.relname) || CASE WHEN d.objsubid > 0 THEN '.' || quote_ident(a.attname) ELSE '' END, \
                (CASE WHEN n.nspname = $1 THEN c.relname::text ELSE n.nspname::text || '.' || c.relname::text END), d.objsubid, d.description \
         FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid \
         WHERE n.nspname = ANY($2) AND c.relkind IN ('r', 'v', 'm', 'i', 'S') \
         AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = c.oid AND e.deptype IN ('e', 'i')) \
         UNION ALL \
         SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, CASE WHEN n.nspname = $1 THEN '' ELSE quote_ident(n.nspname) || '.' END || quote_ident(t.typname), \
                (CASE WHEN n.nspname = $1 THEN t.typname::text ELSE n.nspname::text || '.' || t.typname::text END), 0, d.description \
         FROM pg_description d JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND t.oid = d.objoid \
         JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = ANY($2) AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = t.oid AND e.deptype = 'e') \
         UNION ALL \
         SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, \
                CASE WHEN n.nspname = $1 THEN '' ELSE quote_ident(n.nspname) || '.' END || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')', \
                (CASE WHEN n.nspname = $1 THEN p.proname::text ELSE n.nspname::text || '.' || p.proname::text END) || '(' || pg_get_function_identity_arguments(p.oid) || ')', 0, d.description \
         FROM pg_description d JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND p.oid = d.objoid \
         JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = ANY($2) AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = p.oid AND e.deptype = 'e') \
         UNION ALL \
         SELECT 'CONSTRAINT', quote_ident(k.conname) || ' ON ' || CASE WHEN n.nspname = $1 THEN '' ELSE quote_ident(n.nspname) || '.' END || quote_ident(c.relname), \
                (CASE WHEN n.nspname = $1 THEN c.relname::text ELSE n.nspname::text || '.' || c.relname::text END), 0, d.description \
         FROM pg_description d JOIN pg_constraint k ON d.classoid = 'pg_constraint'::regclass AND k.oid = d.objoid \
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($2) AND k.conparentid = 0 \
         UNION ALL \
         SELECT 'TRIGGER', quote_ident(g.tgname) || ' ON ' || CASE WHEN n.nspname = $1 THEN '' ELSE quote_ident(n.nspname) || '.' END || quote_ident(c.relname), \
                (CASE WHEN n.nspname = $1 THEN c.relname::text ELSE n.nspname::text || '.' || c.relname::text END), 0, d.description \
         FROM pg_description d JOIN pg_trigger g ON d.classoid = 'pg_trigger'::regclass AND g.oid = d.objoid \
         JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($2) AND g.tgparentid = 0 AND NOT g.tgisinternal \
         ORDER BY 1, 2",
    )? {
        let kind: String = row.get(0);
        let target: String = row.get(1);
        let of: String = row.get(2);
        let sub: i32 = row.get(3);
        let kind = if sub > 0 { "COLUMN".to_string() } else { kind };
        let text: String = row.get(4);
        let name = format!("{kind} {target}");
        let sql = format!("COMMENT ON {name} IS {}", literal(&text));
        add(schema, DefinitionKind::Comment, name, sql, vec![of]);
    }
    Ok(())
}

/// The statements of `schema`'s definitions and views in an order that
/// runs, in three groups: what tables may use (sequences, types, domains,
/// functions, procedures: each after the definitions it names), made
/// before the tables; aggregates, views and materialized views, each
/// after what it names, made after the tables and indexes; and comments
/// and sequence ownerships, made last.
pub fn in_order(schema: &Schema) -> (Vec<String>, Vec<String>, Vec<String>) {
    use DefinitionKind as K;
    // A routine whose signature takes or returns a table's or a view's
    // row is made after the relations.
    let on_relation = |d: &strata_schema::Definition| {
        matches!(d.kind, K::Function | K::Procedure)
            && d.depends_on
                .iter()
                .any(|n| schema.tables.contains_key(n) || schema.views.contains_key(n))
    };
    let early: Vec<(&str, &[String], &str)> = schema
        .definitions
        .values()
        .filter(|d| {
            matches!(
                d.kind,
                K::Sequence | K::Type | K::Domain | K::Function | K::Procedure
            ) && !on_relation(d)
        })
        .map(|d| (d.name.as_str(), d.depends_on.as_slice(), d.sql.as_str()))
        .collect();
    let late: Vec<(&str, &[String], &str)> = schema
        .definitions
        .values()
        .filter(|d| matches!(d.kind, K::Aggregate | K::MaterializedView) || on_relation(d))
        .map(|d| (d.name.as_str(), d.depends_on.as_slice(), d.sql.as_str()))
        .chain(
            schema
                .views
                .values()
                .map(|v| (v.name.as_str(), v.depends_on.as_slice(), v.sql.as_str())),
        )
        .collect();
    let comments = schema
        .definitions
        .values()
        .filter(|d| matches!(d.kind, K::Comment | K::Ownership))
        .map(|d| d.sql.clone())
        .collect();
    (sorted(early), sorted(late), comments)
}

/// Each statement after those of the group it names.
fn sorted(mut pending: Vec<(&str, &[String], &str)>) -> Vec<String> {
    let names: Vec<&str> = pending.iter().map(|p| p.0).collect();
    let mut done: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|(name, deps, sql)| {
            let ready = deps
                .iter()
                .all(|d| d == name || done.contains(&d.as_str()) || !names.contains(&d.as_str()));
            if ready {
                done.push(name);
                out.push(sql.to_string());
            }
            !ready
        });
        if pending.len() == before {
            // A cycle no database can hold: written as found, the server
            // says which fails.
            out.extend(pending.iter().map(|p| p.2.to_string()));
            break;
        }
    }
    out
}
