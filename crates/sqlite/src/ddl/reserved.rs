//! strata's own tables in a target database (`_strata_state`, `_strata_log`
//! and the archive tables, all named with the reserved prefix `_strata_`)
//! are out of reach of the data steps a user records: a data step that could
//! `DELETE FROM _strata_log` or rewrite `_strata_archive` would make the
//! database lie about where it is or lose the data a revert restores.
//!
//! The check is conservative. A statement is refused when any name in it
//! starts with the prefix (in any case, quoted or not): the relations the
//! parsed statement reads or writes (in FROM and JOIN, subqueries, CTEs,
//! `INSERT ... SELECT`, the target of INSERT, UPDATE, DELETE and REPLACE),
//! and every identifier token of its text besides, so a column, an alias or
//! a CTE so named is refused too. String literals are data, not names, and
//! are left alone; comments are not looked at.

use std::ops::ControlFlow;

use sqlparser::ast::{ObjectName, ObjectNamePart, Statement as SqlStatement, Visit, Visitor};
use sqlparser::tokenizer::{Token, TokenWithSpan};

/// The prefix of every name strata keeps for itself in a target database.
pub const STRATA_PREFIX: &str = "_strata_";

/// Whether `name` is strata's (starts with [`STRATA_PREFIX`], in any case).
pub fn is_strata_name(name: &str) -> bool {
    name.get(..STRATA_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(STRATA_PREFIX))
}

/// The first name of strata's that data statement `parsed` (whose tokens are
/// `tokens`) mentions, if any: a relation it reads or writes, or any other
/// identifier in its text.
pub fn strata_name_in(parsed: &SqlStatement, tokens: &[TokenWithSpan]) -> Option<String> {
    let mut relations = StrataRelation::default();
    let _ = parsed.visit(&mut relations);
    relations.found.or_else(|| {
        tokens.iter().find_map(|t| match &t.token {
            Token::Word(w) if is_strata_name(&w.value) => Some(w.value.clone()),
            _ => None,
        })
    })
}

/// Finds the first relation whose name (any part of it: `main._strata_log`,
/// `_strata_x.t`) is strata's.
#[derive(Default)]
struct StrataRelation {
    found: Option<String>,
}

impl Visitor for StrataRelation {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        let strata = relation
            .0
            .iter()
            .filter_map(ObjectNamePart::as_ident)
            .find(|ident| is_strata_name(&ident.value));
        match strata {
            Some(ident) => {
                self.found = Some(ident.value.clone());
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddl::parse_change;
    use strata_schema::Schema;

    fn refused(sql: &str) -> String {
        let e =
            parse_change(sql, &Schema::default()).expect_err(&format!("{sql} should be refused"));
        e.to_string()
    }

    #[test]
    fn data_steps_on_strata_tables_are_refused() {
        for sql in [
            "DELETE FROM _strata_log",
            "delete from _STRATA_ARCHIVE where 1",
            "UPDATE \"_strata_state\" SET seq = 0",
            "UPDATE [_Strata_state] SET seq = 0",
            "INSERT INTO `_strata_log` VALUES (1)",
            "REPLACE INTO _strata_log VALUES (1)",
            "INSERT INTO t SELECT * FROM _strata_archive",
            "INSERT INTO t SELECT * FROM (SELECT * FROM main._strata_log)",
            "UPDATE t SET a = (SELECT max(seq) FROM _strata_state)",
            "DELETE FROM t WHERE id IN (SELECT id FROM _strata_archive_1)",
            "DELETE FROM t WHERE EXISTS (SELECT 1 FROM x JOIN _strata_log ON 1)",
            "WITH c AS (SELECT * FROM _strata_log) INSERT INTO t SELECT * FROM c",
            "WITH _strata_c AS (SELECT 1) INSERT INTO t SELECT * FROM _strata_c",
            "INSERT INTO t (_strata_col) VALUES (1)",
            "UPDATE t SET a = 1 FROM _strata_log",
        ] {
            let e = refused(sql);
            assert!(e.contains("statement 1 (line 1, column 1)"), "{sql}: {e}");
            assert!(e.contains("strata's own"), "{sql}: {e}");
        }
    }

    #[test]
    fn the_statement_is_named() {
        let e = refused("INSERT INTO t VALUES (1);\n\nDELETE FROM _strata_log;");
        assert!(e.starts_with("statement 2 (line 3, column 1)"), "{e}");
        assert!(e.contains("_strata_log"), "{e}");
    }

    #[test]
    fn strings_and_other_names_are_data() {
        let schema = parse_change("CREATE TABLE t (a text, strata_b text)", &Schema::default())
            .expect("create");
        let mut s = Schema::default();
        for op in &schema {
            strata_schema::project(strata_dialect::sqlite::RULES, &mut s, op).expect("project");
        }
        for sql in [
            "INSERT INTO t (a) VALUES ('_strata_log')",
            "UPDATE t SET strata_b = '_strata_' -- _strata_log\n",
            "DELETE FROM t WHERE a = '_strata_state'",
        ] {
            parse_change(sql, &s).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    #[test]
    fn the_prefix_is_matched_in_any_case() {
        assert!(is_strata_name("_strata_log"));
        assert!(is_strata_name("_STRATA_x"));
        assert!(!is_strata_name("_strata"));
        assert!(!is_strata_name("strata_log"));
        assert!(!is_strata_name("é_strata_"));
    }
}
