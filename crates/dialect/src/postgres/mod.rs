//! PostgreSQL's dialect: its rules for names (kept as PostgreSQL resolves
//! them, so compared exactly), its reserved `pg_` prefix, its table options
//! (none yet) and its SQL text ([`text`]).
//!
//! PostgreSQL folds an unquoted identifier to lower case when it reads SQL
//! and keeps a quoted one exactly; the model holds names already resolved
//! (`Users` read bare is `users`, `"Users"` is `Users`), so two names are
//! the same object only when they are equal. strata's own objects live in a
//! schema of their own (`strata`), so no name of the user's schema is kept
//! for strata.

pub mod text;

use strata_schema::{Definition, Rules, Table};

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

    /// No table option is known yet, and PostgreSQL's column types are
    /// the database's to check.
    fn check_table(&self, t: &Table) -> Result<(), String> {
        match t.options.first() {
            Some(o) => Err(format!(
                "table {} has the option {o:?}, which PostgreSQL does not know (it knows none)",
                t.name
            )),
            None => Ok(()),
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
    fn knows_no_table_option_and_checks_no_type() {
        assert_eq!(RULES.check_table(&table("t", &[])), Ok(()));
        assert_eq!(
            RULES.check_table(&table("t", &["strict"])),
            Err(
                "table t has the option \"strict\", which PostgreSQL does not know (it knows none)"
                    .to_string()
            )
        );
        assert!(!RULES.alterable_option("strict"));
    }
}
