//! PostgreSQL's dialect: its rules for names (kept as PostgreSQL resolves
//! them, so compared exactly), its reserved `pg_` prefix, its table options
//! (partitioning, see [`partition_of`] and [`partition_by`]), an identity
//! column's sequence ([`identity`]) and its SQL text ([`text`]).
//!
//! PostgreSQL folds an unquoted identifier to lower case when it reads SQL
//! and keeps a quoted one exactly; the model holds names already resolved
//! (`Users` read bare is `users`, `"Users"` is `Users`), so two names are
//! the same object only when they are equal. strata's own objects live in a
//! schema of their own (`strata`), so no name of the user's schema is kept
//! for strata.

pub mod identity;
pub mod text;

use strata_schema::{Definition, Index, Rules, Table};

/// PostgreSQL's rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

/// PostgreSQL's rules, as the model takes them.
pub static RULES: &dyn Rules = &Postgres;

/// The prefix of the names PostgreSQL keeps for its system catalogs, which
/// it searches before any schema of the user's.
pub const RESERVED_PREFIX: &str = "pg_";

/// The key under which PostgreSQL's rules keep an object named `name`: the
/// name itself, as PostgreSQL resolved it. Other crates that speak
/// PostgreSQL use it without going through [`Rules`].
pub fn key(name: &str) -> String {
    name.to_string()
}

/// Whether two resolved names name the same object: only when they are
/// equal.
pub fn same_name(a: &str, b: &str) -> bool {
    a == b
}

/// The option of a partitioned table: `partition by ` and its key as
/// `pg_get_partkeydef` renders it (`RANGE (payment_date)`).
pub const PARTITION_BY: &str = "partition by ";

/// The option of a partition: `partition of `, its parent's name (quoted
/// as `quote_ident` quotes it), a space and its bound as
/// `pg_get_expr(relpartbound, oid)` renders it (`FOR VALUES FROM (...) TO
/// (...)`, `DEFAULT`).
pub const PARTITION_OF: &str = "partition of ";

/// The key of a `partition by` option.
pub fn partition_by(option: &str) -> Option<&str> {
    option
        .strip_prefix(PARTITION_BY)
        .filter(|k| !k.trim().is_empty())
}

/// The parent (its name, unquoted) and the bound of a `partition of`
/// option.
pub fn partition_of(option: &str) -> Option<(String, &str)> {
    let rest = option.strip_prefix(PARTITION_OF)?;
    let (name, bound) = if let Some(quoted) = rest.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        let end = loop {
            let (i, ch) = chars.next()?;
            if ch == '"' {
                if chars.peek().is_some_and(|&(_, c)| c == '"') {
                    chars.next();
                    name.push('"');
                    continue;
                }
                break i + 1;
            }
            name.push(ch);
        };
        (name, quoted[end..].strip_prefix(' ')?)
    } else {
        let (name, bound) = rest.split_once(' ')?;
        (name.to_string(), bound)
    };
    (!name.is_empty() && !bound.trim().is_empty()).then_some((name, bound))
}

/// The `partition of` option of a partition of `parent` with `bound`.
pub fn partition_of_option(parent: &str, bound: &str) -> String {
    format!("{PARTITION_OF}{} {bound}", quote_ident(parent))
}

/// `name` as PostgreSQL's `quote_ident` writes it: bare when it is lower
/// case letters, digits and underscores not starting with a digit, else
/// in double quotes. (Reserved words are quoted by `quote_ident` too;
/// [`partition_of`] reads either form back.)
fn quote_ident(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if bare {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The parent named by a table's `partition of` option, if it is a
/// partition.
pub fn parent_of(t: &Table) -> Option<String> {
    t.options
        .iter()
        .find_map(|o| partition_of(o))
        .map(|(p, _)| p)
}

/// Whether a table is partitioned (has a `partition by` option).
pub fn is_partitioned(t: &Table) -> bool {
    t.options.iter().any(|o| partition_by(o).is_some())
}

impl Rules for Postgres {
    fn dialect(&self) -> &'static str {
        "postgres"
    }

    fn key(&self, name: &str) -> String {
        key(name)
    }

    fn same_name(&self, a: &str, b: &str) -> bool {
        same_name(a, b)
    }

    fn reserved(&self, name: &str) -> Option<String> {
        name.starts_with(RESERVED_PREFIX).then(|| {
            format!(
                "the name {name} is reserved: names starting with {RESERVED_PREFIX} belong to PostgreSQL"
            )
        })
    }

    /// The options known are partitioning's (`partition by <key>` on a
    /// partitioned table, `partition of <parent> <bound>` on a partition),
    /// one of them at most; PostgreSQL's column types are the database's
    /// to check.
    fn check_table(&self, t: &Table) -> Result<(), String> {
        for c in t.columns.iter().filter(|c| c.identity_options.is_some()) {
            let Some(range) = identity::range(&c.ty).filter(|_| c.identity.is_some()) else {
                return Err(format!(
                    "column {}.{} has identity options but is not an identity column of type smallint, integer or bigint",
                    t.name, c.name
                ));
            };
            identity::Sequence::from_options(range, c.identity_options.as_deref())
                .map_err(|e| format!("column {}.{}: {e}", t.name, c.name))?;
        }
        let both = |deferred: bool, deferrable: bool| deferred && deferrable;
        if t.primary_key.iter().any(|k| both(k.deferred, k.deferrable))
            || t.uniques.iter().any(|u| both(u.deferred, u.deferrable))
            || t.foreign_keys
                .iter()
                .any(|f| both(f.deferred, f.deferrable))
        {
            return Err(format!(
                "table {} has a constraint marked both DEFERRABLE INITIALLY IMMEDIATE and INITIALLY DEFERRED",
                t.name
            ));
        }
        for o in &t.options {
            if partition_by(o).is_none() && partition_of(o).is_none() {
                return Err(format!(
                    "table {} has the option {o:?}, which PostgreSQL does not know (it knows \"partition by <key>\" and \"partition of <parent> <bound>\")",
                    t.name
                ));
            }
        }
        if t.options.len() > 1 {
            return Err(format!(
                "table {} is both partitioned and a partition ({:?}): sub-partitioning is not modelled",
                t.name, t.options
            ));
        }
        Ok(())
    }

    fn describe_option(&self, option: &str) -> String {
        match (partition_by(option), partition_of(option)) {
            (Some(key), _) => format!("partitioned by {key}"),
            (_, Some((parent, bound))) => format!("a partition of {parent} ({bound})"),
            _ => option.to_string(),
        }
    }

    /// A partition is attached and detached in place
    /// (`ATTACH PARTITION` / `DETACH PARTITION`).
    fn alterable_option(&self, option: &str) -> bool {
        partition_of(option).is_some()
    }

    /// An index is in its table's schema (an object of another schema
    /// than `public` is named `schema.name`), as PostgreSQL makes it.
    fn check_index(&self, index: &Index) -> Result<(), String> {
        let schema = |n: &str| n.split_once('.').map(|(s, _)| s.to_string());
        if schema(&index.name) == schema(&index.table) {
            Ok(())
        } else {
            Err(format!(
                "it is not in the schema of its table {}, where PostgreSQL makes an index",
                index.table
            ))
        }
    }

    /// Every kind of definition is PostgreSQL's; the server checks what
    /// they say.
    fn check_definition(&self, _d: &Definition) -> Result<(), String> {
        Ok(())
    }

    /// Each table has its own trigger names.
    fn trigger_key(&self, table: &str, name: &str) -> String {
        format!("{}\0{}", key(table), key(name))
    }

    fn mentions(&self, sql: &str, name: &str) -> bool {
        text::mentions(sql, name)
    }

    fn mentions_column(&self, sql: &str, name: &str) -> bool {
        text::mentions_column(sql, name)
    }

    fn body_start(&self, sql: &str) -> usize {
        text::body_start(sql)
    }

    fn rename_table(&self, sql: &str, old: &str, new: &str) -> String {
        text::rename_table(sql, old, new)
    }

    fn rename_column(&self, sql: &str, old: &str, new: &str) -> String {
        text::rename_column(sql, old, new)
    }

    fn same_text(&self, a: &str, b: &str) -> bool {
        text::same_text(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_schema::Column;

    fn table(name: &str, options: &[&str]) -> Table {
        Table {
            name: name.to_string(),
            columns: vec![Column::new("id", "my_domain")],
            options: options.iter().map(|o| o.to_string()).collect(),
            ..Table::default()
        }
    }

    #[test]
    fn names_compare_exactly() {
        assert_eq!(RULES.dialect(), "postgres");
        assert_eq!(RULES.key("Users"), "Users");
        assert!(!RULES.same_name("Users", "users"));
        assert!(RULES.same_name("users", "users"));
    }

    #[test]
    fn pg_names_are_reserved() {
        assert_eq!(
            RULES.reserved("pg_x").as_deref(),
            Some("the name pg_x is reserved: names starting with pg_ belong to PostgreSQL")
        );
        assert_eq!(RULES.reserved("PG_x"), None);
        assert_eq!(RULES.reserved("_strata_x"), None);
        assert_eq!(RULES.reserved("sqlite_x"), None);
    }

    #[test]
    fn knows_partitioning_options_only_and_checks_no_type() {
        assert_eq!(RULES.check_table(&table("t", &[])), Ok(()));
        assert_eq!(
            RULES.check_table(&table("t", &["strict"])),
            Err(
                "table t has the option \"strict\", which PostgreSQL does not know (it knows \"partition by <key>\" and \"partition of <parent> <bound>\")"
                    .to_string()
            )
        );
        assert!(!RULES.alterable_option("strict"));
        assert_eq!(
            RULES.check_table(&table("t", &["partition by RANGE (d)"])),
            Ok(())
        );
        assert!(RULES
            .check_table(&table(
                "t",
                &["partition by RANGE (d)", "partition of p DEFAULT"]
            ))
            .unwrap_err()
            .contains("sub-partitioning"));
        assert!(RULES.alterable_option("partition of p DEFAULT"));
        assert!(!RULES.alterable_option("partition by RANGE (d)"));
    }

    #[test]
    fn partition_options_read_back() {
        assert_eq!(
            partition_of("partition of payment FOR VALUES IN (1)"),
            Some(("payment".to_string(), "FOR VALUES IN (1)"))
        );
        let o = partition_of_option("Pay \"x\"", "DEFAULT");
        assert_eq!(o, "partition of \"Pay \"\"x\"\"\" DEFAULT");
        assert_eq!(partition_of(&o), Some(("Pay \"x\"".to_string(), "DEFAULT")));
        assert_eq!(partition_of("partition of p"), None);
        assert_eq!(partition_by("partition by LIST (a)"), Some("LIST (a)"));
        assert_eq!(partition_by("partition by "), None);
    }
}
