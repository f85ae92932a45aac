//! Alembic's offline SQL (`alembic upgrade head --sql`): the whole history
//! of a project as one script, a `-- Running upgrade FROM -> TO` comment
//! before each revision's statements. Read here into one section per
//! revision, with Alembic's own bookkeeping (the `alembic_version` table it
//! creates and updates) left out. Every section keeps the script's lines
//! where they are (the other lines blank), so a line number in a section is
//! the line in the file.

use std::collections::HashMap;

/// One revision's statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The revision id (`ae1027a6acf`; for a merge, the ids joined by `, `).
    pub id: String,
    /// The revision it follows (empty for the first).
    pub from: String,
    /// The line of its `-- Running` comment.
    pub line: usize,
    /// The script with only this revision's lines kept.
    pub sql: String,
}

/// Why a script is not Alembic's offline SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAlembic(pub String);

/// `-- Running upgrade a1 -> b2[, message]` (or `downgrade`): the
/// direction, from, to and message.
fn running(line: &str) -> Option<(&str, &str, &str, Option<&str>)> {
    let rest = line.trim().strip_prefix("-- Running ")?;
    let (direction, rest) = rest.split_once(' ')?;
    if direction != "upgrade" && direction != "downgrade" {
        return None;
    }
    let (from, rest) = rest.split_once("->")?;
    // One revision is made per step (a merge has several to come from).
    let (to, message) = match rest.split_once(", ") {
        Some((to, message)) if !message.trim().is_empty() => (to, Some(message.trim())),
        _ => (rest, None),
    };
    Some((direction, from.trim(), to.trim(), message))
}

/// Whether a line is one of Alembic's one-line bookkeeping statements.
fn bookkeeping(line: &str) -> bool {
    let upper = line.trim().to_ascii_uppercase();
    [
        "INSERT INTO ALEMBIC_VERSION",
        "UPDATE ALEMBIC_VERSION",
        "DELETE FROM ALEMBIC_VERSION",
        "DROP TABLE ALEMBIC_VERSION",
    ]
    .iter()
    .any(|p| upper.starts_with(p))
}

/// The revisions of `text` in `direction` ("upgrade" or "downgrade"), in
/// script order, and the messages found in `-- Running` comments by
/// revision id. `file` names the script in errors.
pub fn revisions(
    file: &str,
    text: &str,
    direction: &str,
) -> Result<(Vec<Revision>, HashMap<String, String>), NotAlembic> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Which revision each line belongs to (None: preamble or bookkeeping).
    let mut owner: Vec<Option<usize>> = Vec::with_capacity(lines.len());
    let mut revisions: Vec<(String, String, usize)> = Vec::new();
    let mut messages = HashMap::new();
    let mut in_version_table = false;
    for (i, line) in lines.iter().enumerate() {
        if let Some((dir, from, to, message)) = running(line) {
            if dir != direction {
                return Err(NotAlembic(format!(
                    "{file}:{}: a {dir} in {direction} SQL: give the output of alembic {direction} ... --sql",
                    i + 1
                )));
            }
            // A downgrade undoes `from`; an upgrade makes `to`.
            let id = if direction == "upgrade" { to } else { from };
            if let Some(m) = message {
                messages.insert(id.to_string(), m.to_string());
            }
            revisions.push((id.to_string(), from.to_string(), i + 1));
            owner.push(None);
            continue;
        }
        let upper = line.trim().to_ascii_uppercase();
        if upper.starts_with("CREATE TABLE ALEMBIC_VERSION") {
            in_version_table = true;
        }
        if in_version_table {
            if line.trim_end().ends_with(';') {
                in_version_table = false;
            }
            owner.push(None);
            continue;
        }
        if bookkeeping(line) {
            owner.push(None);
            continue;
        }
        let sql = !line.trim().is_empty() && !line.trim().starts_with("--");
        if revisions.is_empty() && sql {
            return Err(NotAlembic(format!(
                "{file}:{}: SQL before the first -- Running comment, which belongs to no revision",
                i + 1
            )));
        }
        owner.push(revisions.len().checked_sub(1));
    }
    if revisions.is_empty() {
        return Err(NotAlembic(format!(
            "{file} has no -- Running {direction} comments: it is not the output of alembic {direction} --sql"
        )));
    }
    let out = revisions
        .into_iter()
        .enumerate()
        .map(|(k, (id, from, line))| Revision {
            sql: lines
                .iter()
                .zip(&owner)
                .map(|(l, &o)| {
                    if o == Some(k) {
                        (*l).to_string()
                    } else if l.ends_with('\n') {
                        "\n".to_string()
                    } else {
                        String::new()
                    }
                })
                .collect(),
            id,
            from,
            line,
        })
        .collect();
    Ok((out, messages))
}

/// The messages of Alembic's log (what `alembic upgrade head --sql`
/// prints on standard error): `INFO  [alembic.runtime.migration] Running
/// upgrade a1 -> b2, seed users`, by revision id.
pub fn log_messages(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let at = l.find("Running upgrade ")?;
            let line = format!("-- {}", &l[at..]);
            let (_, _, to, message) = running(&line)?;
            Some((to.to_string(), message?.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const UP: &str = "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n\n-- Running upgrade  -> a1\n\nCREATE TABLE users (id INTEGER NOT NULL);\n\nINSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING version_num;\n\n-- Running upgrade a1 -> b2, seed the users\n\nINSERT INTO users (id) VALUES (1);\n\nUPDATE alembic_version SET version_num='b2' WHERE alembic_version.version_num = 'a1';\n\n";

    #[test]
    fn one_section_per_revision_without_the_bookkeeping() {
        let (revs, messages) = revisions("up.sql", UP, "upgrade").expect("read");
        assert_eq!(revs.len(), 2);
        assert_eq!(
            (revs[0].id.as_str(), revs[0].from.as_str(), revs[0].line),
            ("a1", "", 6)
        );
        assert_eq!(
            revs[0].sql.trim(),
            "CREATE TABLE users (id INTEGER NOT NULL);"
        );
        assert_eq!(revs[0].sql.lines().count(), UP.lines().count());
        assert_eq!(revs[1].sql.trim(), "INSERT INTO users (id) VALUES (1);");
        assert_eq!(revs[1].sql.lines().position(|l| !l.is_empty()), Some(13));
        assert_eq!(
            messages.get("b2").map(String::as_str),
            Some("seed the users")
        );
        assert_eq!(messages.get("a1"), None);
    }

    #[test]
    fn scripts_that_are_not_alembic_s_are_refused() {
        let err = |t: &str, d: &str| revisions("f.sql", t, d).expect_err("refused").0;
        assert!(err("-- nothing\n", "upgrade").contains("no -- Running upgrade comments"));
        assert!(err(UP, "downgrade").contains("f.sql:6: a upgrade in downgrade SQL"));
        assert!(err(
            "CREATE TABLE t (a int);\n-- Running upgrade  -> a1\n",
            "upgrade"
        )
        .contains("f.sql:1: SQL before the first -- Running comment"));
    }

    #[test]
    fn log_lines_name_the_messages() {
        let log = "INFO  [alembic.runtime.migration] Context impl SQLiteImpl.\nINFO  [alembic.runtime.migration] Running upgrade  -> a1, create users\nINFO  [alembic.runtime.migration] Running upgrade a1 -> b2, seed users\n";
        let m = log_messages(log);
        assert_eq!(m.get("a1").map(String::as_str), Some("create users"));
        assert_eq!(m.get("b2").map(String::as_str), Some("seed users"));
    }
}
