//! The lexical helpers as renames use them, with the names that broke them.

use strata_dialect::sqlite::text::{mentions, rename_column, rename_table};

#[test]
fn a_bare_reserved_word_is_the_keyword_and_quoted_it_is_a_name() {
    let sql = "SELECT \"from\", \"select\" FROM t WHERE \"order\" > 0 ORDER BY 1";
    assert_eq!(
        rename_column(sql, "from", "x"),
        "SELECT \"x\", \"select\" FROM t WHERE \"order\" > 0 ORDER BY 1"
    );
    assert_eq!(
        rename_column(sql, "ORDER", "x"),
        "SELECT \"from\", \"select\" FROM t WHERE \"x\" > 0 ORDER BY 1"
    );
    assert_eq!(
        rename_table("SELECT 1 FROM \"table\" JOIN t ON 1", "table", "x"),
        "SELECT 1 FROM \"x\" JOIN t ON 1"
    );
    assert!(!mentions("SELECT 1 FROM t WHERE a IS NOT NULL", "not"));
    assert!(mentions("SELECT \"not\" FROM t", "not"));
    // In an expression the CURRENT_ words are always the keyword.
    assert_eq!(
        rename_column("a <= CURRENT_TIMESTAMP", "current_timestamp", "x"),
        "a <= CURRENT_TIMESTAMP"
    );
}

#[test]
fn a_qualifier_is_never_the_column() {
    assert_eq!(
        rename_column("SELECT a.a, \"a\".b FROM t AS a", "a", "z"),
        "SELECT a.z, \"a\".b FROM t AS a"
    );
    assert_eq!(
        rename_column("NEW.\"new\" > OLD.old", "new", "n"),
        "NEW.\"n\" > OLD.old"
    );
    // A table rename rewrites qualifiers: they name the table.
    assert_eq!(
        rename_table("SELECT t.a FROM t", "t", "u"),
        "SELECT u.a FROM u"
    );
}
