//! SQLite's SQL text: what the model keeps verbatim (view and trigger statements,
//! default, check, generated and index expressions): quoting, and the
//! lexical reads and rewrites that dependency checks and renames need.
//!
//! A small lexer is enough here and keeps this crate free of any parser: it
//! knows strings, quoted identifiers, comments and words, and nothing of the
//! grammar. Renames replace identifier tokens and keep everything else byte
//! for byte. Two rules keep the rewrite from touching what is not a
//! reference: a word right after `AS` is an alias and is left alone, and a
//! bare word followed by `(` is a function name, never a column. A bare word
//! that SQLite reserves (`SELECT`, `FROM`, `ORDER`, ...) is always the
//! keyword, so a name spelled like one is only ever seen quoted; and a name
//! followed by `.` qualifies a column and is never the column itself.

/// `name` as a double-quoted SQL identifier. Every identifier strata writes
/// into SQL goes through this function.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Space,
    Comment,
    Str,
    /// A bare word: an identifier or a keyword.
    Word,
    /// `"x"`, `` `x` `` or `[x]`.
    Quoted,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

fn lex(sql: &str) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    // Finds the end of a quoted run that starts at `i` with `close` as its
    // closing byte; a doubled closing byte is an escaped one.
    let quoted_end = |i: usize, close: u8, doubles: bool| -> usize {
        let mut j = i + 1;
        while j < bytes.len() {
            if bytes[j] == close {
                if doubles && bytes.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        bytes.len()
    };
    while i < bytes.len() {
        let b = bytes[i];
        let (kind, end) = match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                let mut j = i;
                while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
                {
                    j += 1;
                }
                (Kind::Space, j)
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let j = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
                (Kind::Comment, j)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let j = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                (Kind::Comment, j)
            }
            b'\'' => (Kind::Str, quoted_end(i, b'\'', true)),
            b'"' => (Kind::Quoted, quoted_end(i, b'"', true)),
            b'`' => (Kind::Quoted, quoted_end(i, b'`', true)),
            b'[' => (Kind::Quoted, quoted_end(i, b']', false)),
            _ => {
                let c = sql[i..].chars().next().unwrap_or('\0');
                if is_word_char(c) {
                    let mut j = i;
                    for ch in sql[i..].chars() {
                        if !is_word_char(ch) {
                            break;
                        }
                        j += ch.len_utf8();
                    }
                    // x'..' is a blob literal, not the word x.
                    if j == i + 1 && (b == b'x' || b == b'X') && bytes.get(j) == Some(&b'\'') {
                        (Kind::Str, quoted_end(j, b'\'', true))
                    } else {
                        (Kind::Word, j)
                    }
                } else {
                    (Kind::Other, i + c.len_utf8().max(1))
                }
            }
        };
        tokens.push(Token {
            kind,
            start: i,
            end,
        });
        i = end;
    }
    tokens
}

/// The keywords SQLite never takes as a bare identifier (the ones without a
/// fallback to ID in its grammar, found by trying each one as a column
/// name), and the three `CURRENT_*` words, which in an expression are always
/// the keyword. A bare word among these is never a reference.
const RESERVED: [&str; 63] = [
    "add",
    "all",
    "alter",
    "and",
    "as",
    "autoincrement",
    "between",
    "case",
    "cast",
    "check",
    "collate",
    "commit",
    "constraint",
    "create",
    "current_date",
    "current_time",
    "current_timestamp",
    "default",
    "deferrable",
    "delete",
    "distinct",
    "drop",
    "else",
    "escape",
    "except",
    "exists",
    "foreign",
    "from",
    "group",
    "having",
    "in",
    "index",
    "insert",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "limit",
    "not",
    "nothing",
    "notnull",
    "null",
    "on",
    "or",
    "order",
    "primary",
    "raise",
    "references",
    "returning",
    "select",
    "set",
    "table",
    "then",
    "to",
    "transaction",
    "union",
    "unique",
    "update",
    "using",
    "values",
    "when",
    "where",
];

/// The identifier a token names, unquoted; `None` for anything else. Words
/// starting with a digit are numbers.
fn ident_value(sql: &str, t: &Token) -> Option<String> {
    let text = &sql[t.start..t.end];
    match t.kind {
        Kind::Word if !text.starts_with(|c: char| c.is_ascii_digit()) => Some(text.to_string()),
        Kind::Quoted if text.len() >= 2 => {
            let close = text.as_bytes()[text.len() - 1];
            let inner = &text[1..text.len() - 1];
            Some(match close {
                b'"' => inner.replace("\"\"", "\""),
                b'`' => inner.replace("``", "`"),
                _ => inner.to_string(),
            })
        }
        _ => None,
    }
}

/// Whether `sql` refers to the identifier `name` anywhere (case-insensitive),
/// leaving out strings, comments and aliases after `AS`.
pub fn mentions(sql: &str, name: &str) -> bool {
    references(sql, name, false).next().is_some()
}

/// Whether `sql` may refer to a column `name`: as [`mentions`], leaving out
/// function names and qualifiers too; the references [`rename_column`]
/// rewrites.
pub fn mentions_column(sql: &str, name: &str) -> bool {
    references(sql, name, true).next().is_some()
}

/// The identifier tokens of `sql` equal to `name`, as byte ranges.
fn references<'a>(
    sql: &'a str,
    name: &'a str,
    column: bool,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let tokens = lex(sql);
    let mut out = Vec::new();
    let mut prev_word: Option<&str> = None;
    for (i, t) in tokens.iter().enumerate() {
        if matches!(t.kind, Kind::Space | Kind::Comment) {
            continue;
        }
        let after_as = prev_word.is_some_and(|w| w.eq_ignore_ascii_case("as"));
        prev_word = (t.kind == Kind::Word).then(|| &sql[t.start..t.end]);
        let reserved = t.kind == Kind::Word
            && RESERVED
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&sql[t.start..t.end]));
        if after_as || reserved {
            continue;
        }
        let Some(value) = ident_value(sql, t) else {
            continue;
        };
        if !value.eq_ignore_ascii_case(name) {
            continue;
        }
        if column {
            let next = tokens[i + 1..]
                .iter()
                .find(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
                .map(|n| &sql[n.start..n.end]);
            // A function name, or the table or alias qualifying a column.
            if (t.kind == Kind::Word && next == Some("(")) || next == Some(".") {
                continue;
            }
        }
        out.push((t.start, t.end));
    }
    out.into_iter()
}

/// Every keyword of SQLite (sqlite.org/lang_keywords.html): a name spelled
/// like one is written quoted.
const KEYWORDS: [&str; 147] = [
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

/// `sql` with the identifier tokens at `ranges` replaced by `name`, spelled
/// as the token was (bare, `"..."`, `` `...` `` or `[...]`) where `name`
/// can be, in double quotes otherwise; so a rename and its inverse give
/// back the very text.
fn replace_ranges(sql: &str, ranges: &[(usize, usize)], name: &str) -> String {
    let quoted = quote_ident(name);
    let bare_ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name));
    let mut out = String::with_capacity(sql.len() + ranges.len() * quoted.len());
    let mut at = 0;
    for &(s, e) in ranges {
        out.push_str(&sql[at..s]);
        match sql[s..e].chars().next() {
            Some('`') => out.push_str(&format!("`{}`", name.replace('`', "``"))),
            Some('[') if !name.contains(']') => out.push_str(&format!("[{name}]")),
            Some('"' | '[') => out.push_str(&quoted),
            _ if bare_ok => out.push_str(name),
            _ => out.push_str(&quoted),
        }
        at = e;
    }
    out.push_str(&sql[at..]);
    out
}

/// `sql` with every reference to the table `old` replaced by `new` (bare
/// where it was bare and `new` can be, quoted otherwise).
pub fn rename_table(sql: &str, old: &str, new: &str) -> String {
    let ranges: Vec<_> = references(sql, old, false).collect();
    replace_ranges(sql, &ranges, new)
}

/// `sql` with every reference to the column `old` replaced by `new` (bare
/// where it was bare and `new` can be, quoted otherwise). Function names
/// and aliases are left alone.
pub fn rename_column(sql: &str, old: &str, new: &str) -> String {
    let ranges: Vec<_> = references(sql, old, true).collect();
    replace_ranges(sql, &ranges, new)
}

/// The byte offset where the body of a `CREATE VIEW` (after its top-level
/// `AS`) or a `CREATE TRIGGER` (after its name) begins, so that renames
/// leave the object's own name and column list alone.
pub fn body_start(sql: &str) -> usize {
    let tokens: Vec<Token> = lex(sql)
        .into_iter()
        .filter(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
        .collect();
    let word = |t: &Token| sql[t.start..t.end].to_ascii_lowercase();
    let is_trigger = tokens.iter().take(4).any(|t| word(t) == "trigger");
    if is_trigger {
        // CREATE [TEMP|TEMPORARY] TRIGGER [IF NOT EXISTS] [schema.]name
        let mut i = tokens
            .iter()
            .position(|t| word(t) == "trigger")
            .map_or(0, |p| p + 1);
        if tokens.get(i).is_some_and(|t| word(t) == "if") {
            i += 3;
        }
        if tokens.get(i + 1).is_some_and(|t| word(t) == ".") {
            i += 2;
        }
        return tokens.get(i).map_or(sql.len(), |t| t.end);
    }
    let mut depth = 0i32;
    for t in &tokens {
        match &sql[t.start..t.end] {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ if depth == 0 && t.kind == Kind::Word && word(t) == "as" => return t.end,
            _ => {}
        }
    }
    0
}

/// Apply `f` to the body of a view or trigger statement only.
pub fn in_body(sql: &str, f: impl FnOnce(&str) -> String) -> String {
    let at = body_start(sql);
    let mut out = sql[..at].to_string();
    out.push_str(&f(&sql[at..]));
    out
}

/// A form of `sql` for comparing two texts that mean the same: comments and
/// whitespace dropped, identifiers unquoted and lower-cased, keywords
/// lower-cased, strings kept exactly.
pub fn normalize(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    for t in lex(sql) {
        match t.kind {
            Kind::Space | Kind::Comment => continue,
            Kind::Str | Kind::Other => out.push_str(&sql[t.start..t.end]),
            Kind::Word | Kind::Quoted => match ident_value(sql, &t) {
                Some(v) => out.push_str(&quote_ident(&v.to_ascii_lowercase())),
                None => out.push_str(&sql[t.start..t.end]),
            },
        }
        out.push(' ');
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("users"), "\"users\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("x; DROP TABLE y"), "\"x; DROP TABLE y\"");
    }

    #[test]
    fn finds_mentions_outside_strings_and_comments() {
        assert!(mentions("SELECT name FROM users", "NAME"));
        assert!(mentions("SELECT \"name\" FROM users", "name"));
        assert!(mentions("SELECT [name] FROM users", "name"));
        assert!(mentions("SELECT `name` FROM users", "name"));
        assert!(!mentions("SELECT 'name' FROM users", "name"));
        assert!(!mentions("SELECT 1 -- name\nFROM t", "name"));
        assert!(!mentions("SELECT 1 /* name */ FROM t", "name"));
        assert!(!mentions("SELECT x AS name FROM t", "name"));
        assert!(!mentions("SELECT x'00' FROM t", "x"));
    }

    #[test]
    fn renames_tables_and_keeps_the_rest() {
        assert_eq!(
            rename_table(
                "SELECT u.id FROM users u JOIN users2 ON 1",
                "users",
                "people"
            ),
            "SELECT u.id FROM people u JOIN users2 ON 1"
        );
        assert_eq!(
            rename_table("INSERT INTO users(a) VALUES ('users')", "users", "p"),
            "INSERT INTO p(a) VALUES ('users')"
        );
        // Quoted where it was quoted, or where a bare name would not do.
        assert_eq!(
            rename_table("SELECT * FROM \"users\" JOIN users", "users", "order"),
            "SELECT * FROM \"order\" JOIN \"order\""
        );
        assert_eq!(
            rename_table("SELECT * FROM \"users\" JOIN users", "users", "people"),
            "SELECT * FROM \"people\" JOIN people"
        );
        assert_eq!(
            rename_table("SELECT * FROM users", "users", "my people"),
            "SELECT * FROM \"my people\""
        );
        // A rename and its inverse give the text back.
        let v = "SELECT name, [name], \"name\", `name` FROM t";
        let there = rename_column(v, "name", "fullname");
        assert_eq!(
            there,
            "SELECT fullname, [fullname], \"fullname\", `fullname` FROM t"
        );
        assert_eq!(rename_column(&there, "fullname", "name"), v);
    }

    #[test]
    fn renames_columns_but_not_functions_or_aliases() {
        assert_eq!(
            rename_column("SELECT length(length) AS length FROM t", "length", "len"),
            "SELECT length(len) AS length FROM t"
        );
        assert_eq!(
            rename_column("NEW.\"a\"\"b\" > 0", "a\"b", "c"),
            "NEW.\"c\" > 0"
        );
    }

    #[test]
    fn body_starts_after_view_as_and_trigger_name() {
        let v = "CREATE VIEW v(a, name) AS SELECT name FROM t";
        assert_eq!(&v[body_start(v)..], " SELECT name FROM t");
        let t =
            "CREATE TRIGGER IF NOT EXISTS main.name AFTER UPDATE OF name ON t BEGIN SELECT 1; END";
        assert_eq!(
            &t[body_start(t)..],
            " AFTER UPDATE OF name ON t BEGIN SELECT 1; END"
        );
        assert_eq!(
            in_body(v, |b| rename_column(b, "name", "n")),
            "CREATE VIEW v(a, name) AS SELECT n FROM t"
        );
    }

    #[test]
    fn normalizes_quoting_case_and_space() {
        assert_eq!(
            normalize("SELECT  \"Name\"\nFROM [users] -- c"),
            normalize("select name from Users")
        );
        assert_ne!(normalize("SELECT 'A'"), normalize("SELECT 'a'"));
    }

    #[test]
    fn lexes_unterminated_input_without_panicking() {
        for s in ["'abc", "\"abc", "[abc", "/* abc", "-- x", "x'", "é\u{0}"] {
            let _ = normalize(s);
            let _ = rename_column(s, "abc", "d");
        }
    }
}
