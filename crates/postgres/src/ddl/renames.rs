//! The rename annotations of a desired PostgreSQL schema (sqldef's
//! `-- @renamed from=old` after a table's, a column's or an index's new
//! name), read as PostgreSQL resolves names: a bare name folded to lower
//! case, a quoted one exactly.

use strata_schema::Rename;

use super::names;
use super::script::{self, is_significant, is_word, Source};

/// The renames the annotations of `sql` assert, each from its CREATE
/// statement. An annotation anywhere else, or one that cannot be read, is
/// an error that names its line.
pub fn renames(sql: &str) -> Result<Vec<Rename>, String> {
    let source = Source::new(sql);
    let tokens = script::tokenize(sql).map_err(|e| {
        format!(
            "line {}: cannot read the SQL: {}",
            e.location.line,
            strata_script::plain(&e.message)
        )
    })?;
    let mut out = Vec::new();
    for statement in script::split(&source, tokens) {
        let create = statement
            .tokens
            .iter()
            .map(|t| &t.token)
            .find(|t| is_significant(t))
            .is_some_and(|t| is_word(t, "CREATE"));
        if !create {
            continue;
        }
        strata_script::annotations::annotations(&statement.tokens, resolve, &mut out)
            .map_err(|why| format!("line {}: {why}", statement.start.line))?;
    }
    Ok(out)
}

/// A name as PostgreSQL resolves it (see `cursor::fold`).
fn resolve(name: &str, quoted: bool) -> String {
    let name = if quoted {
        name.to_string()
    } else {
        name.to_ascii_lowercase()
    };
    names::clip(&name, names::MAX_NAME).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_as_postgresql_resolves_them() {
        let sql = "CREATE TABLE Users ( -- @renamed from=Accounts\n  \
                   \"Name\" text, -- @renamed from=\"FullName\"\n  id integer\n);\n\
                   CREATE INDEX users_name /* @renamed from=OLD_IDX */ ON users (\"Name\");";
        assert_eq!(
            renames(sql).unwrap(),
            vec![
                Rename::Object {
                    from: "accounts".into(),
                    to: "users".into()
                },
                Rename::Column {
                    table: "users".into(),
                    from: "FullName".into(),
                    to: "Name".into()
                },
                Rename::Object {
                    from: "old_idx".into(),
                    to: "users_name".into()
                },
            ]
        );
        let e = renames("CREATE TABLE t (id int);\nCREATE VIEW v -- @renamed from=w\nAS SELECT 1;")
            .unwrap_err();
        assert!(e.starts_with("line 2:") && e.contains("a view"), "{e}");
    }
}
