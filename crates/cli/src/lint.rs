//! Lint: what `record`, `plan` and `import-sql` warn about before a change
//! is appended: drops, type changes that narrow, NOT NULL without a default
//! on a table that may hold rows, and renames that change or break a view
//! or trigger. Each finding is a warning on stderr; with `--deny-warnings`
//! (or `lint = "deny"` in strata.toml) any finding refuses the change and
//! nothing is appended. See docs/guide.md, "Lint".

use strata_schema::{project, Column, Op, Rules, Schema};

use crate::failure::Failure;
use crate::output;

/// One thing a change does that deserves a second look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's name, as `--deny-warnings` users see it.
    pub rule: &'static str,
    pub message: String,
}

/// What the ops do to `before` that deserves a warning, in op order.
pub fn lint(rules: &dyn Rules, before: &Schema, ops: &[Op]) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut schema = before.clone();
    for op in ops {
        let said = |rule, message: String| Finding { rule, message };
        match op {
            Op::DropTable { table } => found.push(said(
                "drop",
                format!(
                    "this drops table {}; apply keeps its data in the database's archive, and a revert brings it back",
                    table.name
                ),
            )),
            Op::DropColumn { table, column, .. } => found.push(said(
                "drop",
                format!(
                    "this drops column {table}.{}; apply keeps its data in the database's archive, and a revert brings it back",
                    column.name
                ),
            )),
            Op::AddColumn { table, column, .. } if needs_value(column) => found.push(said(
                "not-null-without-default",
                format!(
                    "column {table}.{} is NOT NULL without a default: apply fails on a database whose {table} holds rows",
                    column.name
                ),
            )),
            Op::AlterColumn { table, from, to } => {
                if needs_value(to) && !from.not_null {
                    found.push(said(
                        "not-null-without-default",
                        format!(
                            "column {table}.{} becomes NOT NULL without a default: apply fails on a database where a row of {table} has no value in it",
                            to.name
                        ),
                    ));
                }
                if let Some(why) = narrows(rules.dialect(), &from.ty, &to.ty) {
                    found.push(said(
                        "narrowing-type",
                        format!(
                            "column {table}.{} changes type from {} to {}, which narrows it: {why}",
                            to.name,
                            shown(&from.ty),
                            shown(&to.ty)
                        ),
                    ));
                }
            }
            Op::RenameTable { from, to } => {
                for (kind, name, sql) in readers(&schema) {
                    if rules.mentions(sql, from) {
                        found.push(said(
                            "rename-breaks-reader",
                            format!(
                                "table {from} becomes {to}, and {kind} {name} names it: check that {name} still reads what it did"
                            ),
                        ));
                    }
                }
            }
            Op::RenameColumn { table, from, to } => {
                for (kind, name, sql) in readers(&schema) {
                    if !rules.mentions(sql, table) {
                        continue;
                    }
                    let star = sql.contains('*');
                    if rules.mentions_column(sql, from) || star {
                        found.push(said(
                            "rename-breaks-reader",
                            format!(
                                "column {table}.{from} becomes {to}, and {kind} {name} reads {table}{}: its column {from} is now {to}, and what queries it by that name breaks",
                                if star { " with *" } else { "" }
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
        // Later ops are seen on the schema the earlier ones left; an op that
        // does not project is the record's to refuse, not the lint's.
        if project(rules, &mut schema, op).is_err() {
            break;
        }
    }
    found
}

/// NOT NULL with nothing to put in existing rows.
fn needs_value(c: &Column) -> bool {
    c.not_null && c.default.is_none() && c.generated.is_none()
}

fn shown(ty: &str) -> &str {
    if ty.is_empty() {
        "no type"
    } else {
        ty
    }
}

/// The declared length of `varchar(50)` and the like.
fn length(ty: &str) -> Option<u64> {
    let open = ty.find('(')?;
    let close = ty[open..].find(')')? + open;
    ty[open + 1..close].split(',').next()?.trim().parse().ok()
}

/// Why going from `from` to `to` can lose or refuse values, if it can, in
/// the ledger's `dialect`.
fn narrows(dialect: &str, from: &str, to: &str) -> Option<String> {
    if dialect == "postgres" {
        return narrows_in_postgres(from, to);
    }
    // The target's affinities; STRICT's ANY counts as NUMERIC here, as the
    // rules of datatype3.html give it.
    let affinity = |ty: &str| match strata_sqlite::plan::affinity(ty) {
        "any" => "numeric",
        a => a,
    };
    let (a, b) = (affinity(from), affinity(to));
    let lossy = matches!(
        (a, b),
        ("text" | "blob", "integer" | "real" | "numeric") | ("real" | "numeric", "integer")
    );
    let (a, b) = (a.to_ascii_uppercase(), b.to_ascii_uppercase());
    if lossy {
        return Some(format!(
            "values stored as {a} may not convert to {b} (a STRICT table refuses them; others keep them as they were)"
        ));
    }
    match (length(from), length(to)) {
        (Some(x), Some(y)) if y < x => Some(format!(
            "its declared length goes from {x} to {y} (SQLite does not enforce it; other databases, and programs that trust it, do)"
        )),
        _ => None,
    }
}

/// PostgreSQL converts a column's values when its type changes, and fails
/// the apply on a value that does not fit.
fn narrows_in_postgres(from: &str, to: &str) -> Option<String> {
    use strata_postgres::types::{alters_values, kind, Kind::*};
    let (a, b) = (kind(from), kind(to));
    let kept = "apply keeps every old value in the database's archive, and undoing the change puts them back";
    let integer = |k| matches!(k, Small | Integer | Big);
    if alters_values(from, to) {
        return Some(match (a, b) {
            (Text, _) => format!("a text is read as a number, and one that is not a number makes the apply fail ({kept})"),
            (_, x) if integer(x) => format!("fractions are rounded ({kept})"),
            _ => format!("values may be rounded or converted ({kept})"),
        });
    }
    match (a, b) {
        (Big, Integer | Small) | (Integer, Small) => Some(
            "a value out of the new type's range makes the apply fail, and nothing is changed".to_string(),
        ),
        (Text, Text) => match (length(from), length(to)) {
            (None, Some(y)) => Some(format!(
                "its length was not limited and now is {y}: a longer value makes the apply fail, and nothing is changed"
            )),
            (Some(x), Some(y)) if y < x => Some(format!(
                "its declared length goes from {x} to {y}: a longer value makes the apply fail, and nothing is changed"
            )),
            _ => None,
        },
        _ => None,
    }
}

/// The views and triggers of `schema`: kind, name, SQL.
fn readers(schema: &Schema) -> Vec<(&'static str, &str, &str)> {
    schema
        .views
        .values()
        .map(|v| ("view", v.name.as_str(), v.sql.as_str()))
        .chain(
            schema
                .triggers
                .values()
                .map(|t| ("trigger", t.name.as_str(), t.sql.as_str())),
        )
        .collect()
}

/// Print the findings as warnings; with `deny`, refuse when there are any.
pub fn report(findings: &[Finding], deny: bool, place: Option<&str>) -> Result<(), Failure> {
    let at = place.map(|p| format!("{p}: ")).unwrap_or_default();
    for f in findings {
        output::diagnostic(format_args!("warning: {at}{} [{}]", f.message, f.rule));
    }
    if deny && !findings.is_empty() {
        let n = findings.len();
        return Err(Failure::new(format!(
            "{at}refused: {n} lint warning{} (listed above) and --deny-warnings; nothing was appended",
            if n == 1 { "" } else { "s" }
        ))
        .help("change it, or record it without --deny-warnings after a second look"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_dialect::sqlite::RULES;

    fn schema(sql: &str) -> Schema {
        let mut s = Schema::default();
        for op in strata_sqlite::ddl::parse_change(sql, &Schema::default()).unwrap() {
            project(RULES, &mut s, &op).unwrap();
        }
        s
    }

    fn rules_of(before: &Schema, sql: &str) -> Vec<&'static str> {
        let ops = strata_sqlite::ddl::parse_change(sql, before).unwrap();
        lint(RULES, before, &ops)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    #[test]
    fn a_postgres_type_change_narrows_in_postgres_words() {
        let postgres = strata_dialect::postgres::RULES;
        let before = {
            let mut s = Schema::default();
            let sql = "CREATE TABLE t (id integer PRIMARY KEY, price numeric(10,2), name varchar(100), n bigint, note text)";
            for op in strata_postgres::ddl::parse_change(sql, &Schema::default()).unwrap() {
                project(postgres, &mut s, &op).unwrap();
            }
            s
        };
        let said = |sql: &str| -> Vec<String> {
            let ops = strata_postgres::ddl::parse_change(sql, &before).unwrap();
            lint(postgres, &before, &ops)
                .into_iter()
                .filter(|f| f.rule == "narrowing-type")
                .map(|f| f.message)
                .collect()
        };
        let rounds = said("ALTER TABLE t ALTER COLUMN price TYPE integer");
        assert!(rounds[0].contains("fractions are rounded"), "{rounds:?}");
        assert!(!rounds[0].contains("STRICT"), "{rounds:?}");
        let shorter = said("ALTER TABLE t ALTER COLUMN name TYPE varchar(10)");
        assert!(shorter[0].contains("from 100 to 10"), "{shorter:?}");
        assert!(!shorter[0].contains("SQLite"), "{shorter:?}");
        assert!(said("ALTER TABLE t ALTER COLUMN n TYPE integer")[0].contains("range"));
        assert!(said("ALTER TABLE t ALTER COLUMN note TYPE integer")[0].contains("not a number"));
        assert!(said("ALTER TABLE t ALTER COLUMN note TYPE varchar(5)")[0].contains("now is 5"));
        // Widening is no finding.
        assert!(said("ALTER TABLE t ALTER COLUMN name TYPE text").is_empty());
        assert!(said("ALTER TABLE t ALTER COLUMN id TYPE bigint").is_empty());
    }

    #[test]
    fn each_rule_fires_on_its_case_and_not_on_the_safe_one() {
        let s = schema(
            "CREATE TABLE t (id integer PRIMARY KEY, name varchar(100), n text, r real);
             CREATE VIEW v AS SELECT id, name FROM t;
             CREATE VIEW w AS SELECT * FROM t",
        );
        assert_eq!(rules_of(&s, "ALTER TABLE t DROP COLUMN n"), ["drop"]);
        assert_eq!(
            rules_of(&s, "DROP VIEW v; DROP VIEW w; DROP TABLE t"),
            ["drop"]
        );
        assert_eq!(
            rules_of(&s, "ALTER TABLE t ADD COLUMN x text NOT NULL"),
            ["not-null-without-default"]
        );
        assert!(rules_of(&s, "ALTER TABLE t ADD COLUMN x text NOT NULL DEFAULT ''").is_empty());
        assert_eq!(
            rules_of(&s, "ALTER TABLE t ALTER COLUMN n TYPE integer"),
            ["narrowing-type"]
        );
        assert_eq!(
            rules_of(&s, "ALTER TABLE t ALTER COLUMN r TYPE integer"),
            ["narrowing-type"]
        );
        assert_eq!(
            rules_of(&s, "ALTER TABLE t ALTER COLUMN name TYPE varchar(50)"),
            ["narrowing-type"]
        );
        assert!(rules_of(&s, "ALTER TABLE t ALTER COLUMN name TYPE varchar(200)").is_empty());
        assert!(rules_of(&s, "ALTER TABLE t ALTER COLUMN r TYPE text").is_empty());
        assert_eq!(
            rules_of(&s, "ALTER TABLE t ALTER COLUMN n SET NOT NULL"),
            ["not-null-without-default"]
        );
        // v names the column; w reads it with *.
        assert_eq!(
            rules_of(&s, "ALTER TABLE t RENAME COLUMN name TO full_name"),
            ["rename-breaks-reader", "rename-breaks-reader"]
        );
        assert_eq!(
            rules_of(&s, "ALTER TABLE t RENAME COLUMN r TO ratio"),
            ["rename-breaks-reader"],
            "only w, which reads every column"
        );
        assert!(rules_of(&s, "CREATE TABLE u (a)").is_empty());
    }
}
