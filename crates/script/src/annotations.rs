//! Rename annotations in a desired schema's comments, as sqldef writes
//! them: `-- @renamed from=old` or `/* @renamed from=old */` after the new
//! name of a table, a column or an index. Both targets' desired-schema
//! readers collect them with [`annotations`]; how a name written bare or
//! quoted resolves is the dialect's ([`Fold`]).

use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};
use strata_schema::Rename;

use crate::{is_significant, is_word};

/// How a name resolves: the name as written, and whether it was quoted.
pub type Fold = fn(&str, bool) -> String;

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

/// Collect the `@renamed from=` annotations of one CREATE statement (its
/// tokens, comments included), naming objects as `fold` resolves a name
/// (the dialect's rule for a name written bare or quoted).
pub fn annotations(
    tokens: &[TokenWithSpan],
    fold: Fold,
    out: &mut Vec<Rename>,
) -> Result<(), String> {
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
                if let Some(from) = renamed_from(comment, fold)? {
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
                    Token::Word(w) => Some(fold(&w.value, w.quote_style.is_some())),
                    Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                        Some(fold(s, true))
                    }
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
fn renamed_from(comment: &str, fold: Fold) -> Result<Option<String>, String> {
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
            fold(&name, true)
        }
        _ => fold(
            value
                .split(|c: char| c.is_whitespace() || c == '*' || c == ',')
                .next()
                .unwrap_or(""),
            false,
        ),
    };
    if name.is_empty() {
        return Err(format!(
            "the annotation {:?} names nothing: write @renamed from=OLD_NAME",
            comment.trim()
        ));
    }
    Ok(Some(name))
}
