//! A desired schema: a file of CREATE statements (the whole schema a user
//! wants), read by loading it into an empty in-memory SQLite database and
//! reading that back, so the schema is exactly what SQLite makes of the
//! file. Rename annotations in its comments (sqldef's `-- @renamed
//! from=old` and `/* @renamed from=old */`, after the new name of a table,
//! column or index) are collected as [`Rename`]s.

use rusqlite::Connection;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};
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
        annotations(&statement.tokens, &mut renames).map_err(at)?;
    }
    let schema =
        crate::introspect::introspect(&conn).map_err(|e| DesiredError::Other(e.to_string()))?;
    Ok(Desired { schema, renames })
}

/// What an annotation that follows it renames.
#[derive(Clone)]
enum Subject {
    Nothing,
    /// A table or index, by its new name.
    Object(String),
    Column {
        table: String,
        column: String,
    },
    /// A table constraint, a view, a trigger: nothing a rename applies to.
    Other(&'static str),
}

/// Collect the `@renamed from=` annotations of one CREATE statement.
fn annotations(tokens: &[TokenWithSpan], out: &mut Vec<Rename>) -> Result<(), String> {
    let mut subject = Subject::Nothing;
    let mut kind = "";
    let mut table = String::new();
    let mut depth = 0usize;
    // Inside a table's parentheses: the next significant token starts a
    // column definition or a table constraint.
    let mut item_starts = false;
    for t in tokens {
        match &t.token {
            Token::Whitespace(Whitespace::SingleLineComment { comment, .. })
            | Token::Whitespace(Whitespace::MultiLineComment(comment)) => {
                if let Some(from) = renamed_from(comment)? {
                    match &subject {
                        Subject::Object(to) => out.push(Rename::Object {
                            from,
                            to: to.clone(),
                        }),
                        Subject::Column { table, column } => out.push(Rename::Column {
                            table: table.clone(),
                            from,
                            to: column.clone(),
                        }),
                        Subject::Nothing => {
                            return Err(format!(
                                "@renamed from={from} follows no table, column or index name"
                            ))
                        }
                        Subject::Other(what) => {
                            return Err(format!(
                                "@renamed from={from} follows {what}; it renames a table, column or index"
                            ))
                        }
                    }
                }
            }
            token if !is_significant(token) => {}
            token => {
                let name = || match token {
                    Token::Word(w) => Some(w.value.clone()),
                    Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s.clone()),
                    _ => None,
                };
                if kind.is_empty() {
                    for k in ["TABLE", "INDEX", "VIEW", "TRIGGER"] {
                        if is_word(token, k) {
                            kind = k;
                        }
                    }
                    continue;
                }
                let is_if = |w: &str| is_word(token, w);
                if table.is_empty() && !matches!(subject, Subject::Object(_) | Subject::Other(_)) {
                    // The object's name, after IF NOT EXISTS and a schema.
                    if is_if("IF") || is_if("NOT") || is_if("EXISTS") {
                        continue;
                    }
                    let Some(n) = name() else { continue };
                    subject = match kind {
                        "TABLE" | "INDEX" => Subject::Object(n.clone()),
                        "VIEW" => Subject::Other("a view (strata makes a renamed view again)"),
                        _ => Subject::Other("a trigger (strata makes a renamed trigger again)"),
                    };
                    if kind == "TABLE" {
                        table = n;
                    }
                    continue;
                }
                if token == &Token::Period && depth == 0 {
                    // `schema.name`: the name follows.
                    table.clear();
                    subject = Subject::Nothing;
                    continue;
                }
                if kind != "TABLE" {
                    continue;
                }
                match token {
                    Token::LParen => {
                        depth += 1;
                        if depth == 1 {
                            item_starts = true;
                            continue;
                        }
                    }
                    Token::RParen => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            subject = Subject::Other("the end of the table");
                        }
                    }
                    Token::Comma if depth == 1 => {
                        item_starts = true;
                        continue;
                    }
                    _ => {}
                }
                if item_starts {
                    item_starts = false;
                    let constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
                        .iter()
                        .any(|w| is_word(token, w));
                    subject = match (constraint, name()) {
                        (false, Some(column)) => Subject::Column {
                            table: table.clone(),
                            column,
                        },
                        _ => Subject::Other("a table constraint"),
                    };
                }
            }
        }
    }
    Ok(())
}

/// The old name in a comment's `@renamed from=old`, if it has one. The name
/// may be quoted as SQL quotes identifiers.
fn renamed_from(comment: &str) -> Result<Option<String>, String> {
    let Some(at) = comment.find("@renamed") else {
        return Ok(None);
    };
    let rest = comment[at + "@renamed".len()..].trim_start();
    let Some(value) = rest.strip_prefix("from=") else {
        return Err(format!(
            "cannot read the annotation {:?}: write @renamed from=OLD_NAME",
            comment.trim()
        ));
    };
    let mut chars = value.chars();
    let name = match chars.next() {
        Some(q @ ('"' | '`' | '[')) => {
            let close = if q == '[' { ']' } else { q };
            let mut name = String::new();
            let mut chars = chars.peekable();
            loop {
                match chars.next() {
                    Some(c) if c == close => {
                        if close != ']' && chars.peek() == Some(&close) {
                            chars.next();
                            name.push(c);
                        } else {
                            break;
                        }
                    }
                    Some(c) => name.push(c),
                    None => return Err(format!("unterminated name in {:?}", comment.trim())),
                }
            }
            name
        }
        _ => value
            .split(|c: char| c.is_whitespace() || c == '*' || c == ',')
            .next()
            .unwrap_or("")
            .to_string(),
    };
    if name.is_empty() {
        return Err(format!(
            "the annotation {:?} names nothing: write @renamed from=OLD_NAME",
            comment.trim()
        ));
    }
    Ok(Some(name))
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
