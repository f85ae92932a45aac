//! A desired schema: a file of CREATE statements (the whole schema a user
//! wants), read by loading it into an empty in-memory SQLite database and
//! reading that back, so the schema is exactly what SQLite makes of the
//! file. Rename annotations in its comments (sqldef's `-- @renamed
//! from=old` and `/* @renamed from=old */`, after the new name of a table,
//! column or index) are collected as [`Rename`]s.

use rusqlite::Connection;
use sqlparser::tokenizer::Token;
use strata_schema::{Rename, Schema};

use super::script::{self, is_significant, is_word, Source};

/// A desired schema and the renames its annotations assert.
#[derive(Debug, Clone)]
pub struct Desired {
    pub schema: Schema,
    pub renames: Vec<Rename>,
}

#[derive(Debug, thiserror::Error)]
pub enum DesiredError {
    #[error("line {line}: {why}")]
    At { line: u64, why: String },
    #[error("{0}")]
    Other(String),
}

/// Read the desired schema `sql`.
pub fn load(sql: &str) -> Result<Desired, DesiredError> {
    let source = Source::new(sql);
    let tokens = script::tokenize(sql).map_err(|e| DesiredError::At {
        line: e.location.line,
        why: format!("cannot read the SQL: {}", super::cursor::plain(&e.message)),
    })?;
    let conn = Connection::open_in_memory().map_err(|e| DesiredError::Other(e.to_string()))?;
    let mut renames = Vec::new();
    for statement in script::split(&source, tokens) {
        let line = statement.start.line;
        let at = |why: String| DesiredError::At { line, why };
        let words: Vec<&Token> = statement
            .tokens
            .iter()
            .map(|t| &t.token)
            .filter(|t| is_significant(t))
            .take(2)
            .collect();
        if !words.first().is_some_and(|w| is_word(w, "CREATE")) {
            return Err(at(format!(
                "{}: a desired schema holds only CREATE statements (tables, indexes, views, triggers)",
                statement.excerpt()
            )));
        }
        if words
            .get(1)
            .is_some_and(|w| is_word(w, "TEMP") || is_word(w, "TEMPORARY") || is_word(w, "VIRTUAL"))
        {
            return Err(at(format!(
                "{}: temporary and virtual tables are not part of a schema strata keeps",
                statement.excerpt()
            )));
        }
        conn.execute_batch(statement.text)
            .map_err(|e| at(format!("SQLite refused {}: {e}", statement.excerpt())))?;
        strata_script::annotations::annotations(&statement.tokens, as_written, &mut renames)
            .map_err(at)?;
    }
    let schema =
        crate::introspect::introspect(&conn).map_err(|e| DesiredError::Other(e.to_string()))?;
    Ok(Desired { schema, renames })
}

/// SQLite keeps a name as written (and compares names without regard to
/// ASCII case).
fn as_written(name: &str, _quoted: bool) -> String {
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renames(sql: &str) -> Vec<String> {
        load(sql)
            .expect("loads")
            .renames
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn annotations_of_sqldef_are_read() {
        assert_eq!(
            renames(
                "CREATE TABLE users (\n  id bigint NOT NULL,\n  user_name text, -- @renamed from=username\n  age integer\n);"
            ),
            ["users.username=users.user_name"]
        );
        assert_eq!(
            renames("CREATE TABLE users ( -- @renamed from=user_accounts\n id bigint\n);"),
            ["user_accounts=users"]
        );
        assert_eq!(
            renames("CREATE TABLE new_users /* @renamed from=old_users */ (id bigint);"),
            ["old_users=new_users"]
        );
        assert_eq!(
            renames("CREATE TABLE \"user_profiles\" ( -- @renamed from=\"user accounts\"\n id bigint\n);"),
            ["user accounts=user_profiles"]
        );
        assert_eq!(
            renames(
                "CREATE TABLE users (id int, email text);\nCREATE UNIQUE INDEX unique_email /* @renamed from=old_unique_email */ ON users (email);"
            ),
            ["old_unique_email=unique_email"]
        );
    }

    #[test]
    fn what_is_not_a_desired_schema_is_refused_with_its_line() {
        let e = load("CREATE TABLE t (a int);\n\nINSERT INTO t VALUES (1);").expect_err("refused");
        assert_eq!(e.to_string().lines().count(), 1);
        assert!(e.to_string().starts_with("line 3: INSERT INTO t"), "{e}");
        let e = load("CREATE TABLE t (a int);\nCREATE TABLE t (b int);").expect_err("refused");
        assert!(e.to_string().starts_with("line 2: SQLite refused"), "{e}");
        assert!(e.to_string().contains("already exists"), "{e}");
        let e = load("CREATE TABLE t (a int, CHECK (a > 0) -- @renamed from=x\n);")
            .expect_err("refused");
        assert!(e.to_string().contains("follows a table constraint"), "{e}");
        let e = load("CREATE TABLE t (a int -- @renamed\n);").expect_err("refused");
        assert!(
            e.to_string().contains("write @renamed from=OLD_NAME"),
            "{e}"
        );
    }
}
