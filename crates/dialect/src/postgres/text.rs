//! PostgreSQL's SQL text: what the model keeps verbatim (view and trigger
//! statements, default, check, generated and index expressions): quoting,
//! and the lexical reads and rewrites that dependency checks and renames
//! need.
//!
//! A small lexer is enough here and keeps this crate free of any parser: it
//! knows PostgreSQL's strings (`'...'`, `E'...'` with backslash escapes,
//! `B'...'`, `X'...'`, `N'...'`, `U&'...'` and dollar-quoted `$tag$...$tag$`
//! bodies), quoted identifiers (`"..."`, `U&"..."`), nested comments,
//! numbers, operators and words, and nothing of the grammar. Renames
//! replace identifier tokens and keep everything else byte for byte.
//!
//! An unquoted word names what its ASCII letters lower-cased name, as
//! PostgreSQL folds it; a quoted identifier names exactly what it holds.
//! Five rules keep the rewrite from touching what is not a reference: a
//! word right after `AS` is an alias (or a type) and is left alone, and so
//! is a word right after `::` (a type); a word followed by `(` is a
//! function name, never a column; the name after `FUNCTION` or `PROCEDURE`
//! (what a trigger executes) is never a table's either; and a bare word
//! that PostgreSQL reserves (`SELECT`, `FROM`, `USER`, `LEFT`, ...) is
//! always the keyword, unless it follows a `.`, where PostgreSQL takes any
//! word as a name. A name followed by `.` qualifies (`public.users`,
//! `u.id`) and is never the column itself. Nothing inside a string, a
//! dollar-quoted body or a comment is ever read: a trigger's function body
//! is not part of the trigger statement in PostgreSQL.

/// `name` as PostgreSQL reads it back as exactly `name`: bare when it is
/// lower-case letters, digits and `_`, does not start with a digit and is
/// not a keyword PostgreSQL could take for itself (the keywords its own
/// `quote_ident` quotes: every one but the unreserved); otherwise in double
/// quotes, with `"` doubled. Every identifier strata writes into
/// PostgreSQL's SQL goes through this function.
pub fn quote_ident(name: &str) -> String {
    if can_be_bare(name) {
        name.to_string()
    } else {
        quoted(name)
    }
}

/// `name` in double quotes, with `"` doubled.
fn quoted(name: &str) -> String {
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

/// Whether `name` written bare reads back as `name`.
fn can_be_bare(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !is_reserved(name)
        && !COL_NAME_KEYWORDS.contains(&name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Space,
    Comment,
    /// Any string constant: `'...'`, `E'...'`, `B'...'`, `X'...'`,
    /// `N'...'`, `U&'...'` or `$tag$...$tag$`.
    Str,
    /// A bare word: an identifier or a keyword.
    Word,
    /// `"x"` or `U&"x"`.
    Quoted,
    Number,
    /// An operator, punctuation, `::`, a parameter (`$1`) or anything
    /// else.
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// The first character of an unquoted identifier (PostgreSQL takes every
/// non-ASCII character as a letter).
fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

fn is_word_char(c: char) -> bool {
    is_word_start(c) || c.is_ascii_digit() || c == '$'
}

/// The characters PostgreSQL's operators are made of.
fn is_op_char(b: u8) -> bool {
    matches!(
        b,
        b'~' | b'!'
            | b'@'
            | b'#'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
            | b'+'
            | b'-'
            | b'*'
            | b'/'
            | b'%'
            | b'<'
            | b'>'
            | b'='
    )
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\x0b')
}

/// The end of a quoted run whose opening `close` byte is at `i`: a doubled
/// `close` is an escaped one, and with `backslash` a backslash escapes the
/// byte after it. Unterminated, it runs to the end.
fn quoted_end(bytes: &[u8], i: usize, close: u8, backslash: bool) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        let b = bytes[j];
        if backslash && b == b'\\' {
            j += 2;
            continue;
        }
        if b == close {
            if bytes.get(j + 1) == Some(&close) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    bytes.len()
}

/// The end of a `/* */` comment starting at `i`: they nest.
fn comment_end(bytes: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < bytes.len() {
        match (bytes[j], bytes[j + 1]) {
            (b'/', b'*') => {
                depth += 1;
                j += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return j;
                }
            }
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The end of the dollar-quoted string starting at `i` (`$tag$...$tag$`,
/// the tag an identifier without `$`, maybe empty), or `None` when the `$`
/// at `i` does not open one.
fn dollar_end(sql: &str, i: usize) -> Option<usize> {
    let rest = &sql[i + 1..];
    let tag_len = rest
        .char_indices()
        .find(|&(_, c)| !(is_word_start(c) || c.is_ascii_digit()))
        .map_or(rest.len(), |(n, _)| n);
    if rest.starts_with(|c: char| c.is_ascii_digit()) || !rest[tag_len..].starts_with('$') {
        return None;
    }
    let delim = &sql[i..i + tag_len + 2];
    let body = i + delim.len();
    Some(
        sql[body..]
            .find(delim)
            .map_or(sql.len(), |n| body + n + delim.len()),
    )
}

/// The end of a number starting at `i` (`42`, `1.5`, `.5`, `1e-3`,
/// `0x1F`, `1_000`).
fn number_end(bytes: &[u8], i: usize) -> usize {
    let hex = bytes[i] == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X'));
    let mut dot = false;
    let mut j = i;
    while j < bytes.len() {
        let b = bytes[j];
        if b.is_ascii_alphanumeric() || b == b'_' {
            j += 1;
        } else if b == b'.' && !dot && bytes.get(j + 1) != Some(&b'.') {
            dot = true;
            j += 1;
        } else if (b == b'+' || b == b'-')
            && !hex
            && j > i
            && matches!(bytes[j - 1], b'e' | b'E')
            && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)
        {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// The end of an operator starting at `i`: a run of operator characters
/// that stops before a comment, less the trailing `+` and `-` PostgreSQL
/// leaves to the next token unless the run holds one of `~!@#^&|`?%`.
fn operator_end(bytes: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < bytes.len() && is_op_char(bytes[j]) {
        if j > i && matches!(&bytes[j..], [b'-', b'-', ..] | [b'/', b'*', ..]) {
            break;
        }
        j += 1;
    }
    let special = bytes[i..j].iter().any(|b| {
        matches!(
            b,
            b'~' | b'!' | b'@' | b'#' | b'^' | b'&' | b'|' | b'`' | b'?' | b'%'
        )
    });
    if !special {
        while j - i > 1 && matches!(bytes[j - 1], b'+' | b'-') {
            j -= 1;
        }
    }
    j
}

fn lex(sql: &str) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        let (kind, end) = match b {
            _ if is_space(b) => {
                let mut j = i;
                while j < bytes.len() && is_space(bytes[j]) {
                    j += 1;
                }
                (Kind::Space, j)
            }
            b'-' if next == Some(b'-') => {
                let j = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
                (Kind::Comment, j)
            }
            b'/' if next == Some(b'*') => (Kind::Comment, comment_end(bytes, i)),
            b'\'' => (Kind::Str, quoted_end(bytes, i, b'\'', false)),
            b'"' => (Kind::Quoted, quoted_end(bytes, i, b'"', false)),
            b'$' => match dollar_end(sql, i) {
                Some(j) => (Kind::Str, j),
                None => {
                    let mut j = i + 1;
                    while j < bytes.len() && bytes[j].is_ascii_digit() {
                        j += 1;
                    }
                    (Kind::Other, j)
                }
            },
            b'0'..=b'9' => (Kind::Number, number_end(bytes, i)),
            b'.' if next.is_some_and(|n| n.is_ascii_digit()) => {
                (Kind::Number, number_end(bytes, i))
            }
            b':' if matches!(next, Some(b':' | b'=')) => (Kind::Other, i + 2),
            _ if is_op_char(b) => (Kind::Other, operator_end(bytes, i)),
            _ => {
                let c = sql[i..].chars().next().unwrap_or('\0');
                if is_word_start(c) {
                    let mut j = i;
                    for ch in sql[i..].chars() {
                        if !is_word_char(ch) {
                            break;
                        }
                        j += ch.len_utf8();
                    }
                    let after = &bytes[j..];
                    let one = j == i + 1;
                    match b.to_ascii_lowercase() {
                        // E'..' (backslash escapes), B'..', X'..', N'..'.
                        b'e' if one && after.first() == Some(&b'\'') => {
                            (Kind::Str, quoted_end(bytes, j, b'\'', true))
                        }
                        b'b' | b'x' | b'n' if one && after.first() == Some(&b'\'') => {
                            (Kind::Str, quoted_end(bytes, j, b'\'', false))
                        }
                        // U&'..' and U&"..".
                        b'u' if one && after.starts_with(b"&'") => {
                            (Kind::Str, quoted_end(bytes, j + 1, b'\'', false))
                        }
                        b'u' if one && after.starts_with(b"&\"") => {
                            (Kind::Quoted, quoted_end(bytes, j + 1, b'"', false))
                        }
                        _ => (Kind::Word, j),
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

/// PostgreSQL's reserved keywords and the ones it allows only as a type or
/// function name (the `RESERVED_KEYWORD` and `TYPE_FUNC_NAME_KEYWORD`
/// entries of its parser's `kwlist.h`): none of them is ever a bare table
/// or column name, so a bare word among these is never a reference.
const RESERVED: [&str; 101] = [
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// The keywords PostgreSQL allows as a column name but not as a function or
/// type name (`COL_NAME_KEYWORD`): a bare one may be a reference, and
/// [`quote_ident`] quotes them as PostgreSQL's own `quote_ident` does.
const COL_NAME_KEYWORDS: [&str; 64] = [
    "between",
    "bigint",
    "bit",
    "boolean",
    "char",
    "character",
    "coalesce",
    "dec",
    "decimal",
    "exists",
    "extract",
    "float",
    "greatest",
    "grouping",
    "inout",
    "int",
    "integer",
    "interval",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "least",
    "merge_action",
    "national",
    "nchar",
    "none",
    "normalize",
    "nullif",
    "numeric",
    "out",
    "overlay",
    "position",
    "precision",
    "real",
    "row",
    "setof",
    "smallint",
    "substring",
    "time",
    "timestamp",
    "treat",
    "trim",
    "values",
    "varchar",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
    "xmltext",
];

/// Whether the lower-case word `w` is one of [`RESERVED`].
fn is_reserved(w: &str) -> bool {
    RESERVED.binary_search(&w).is_ok()
}

/// `s` with PostgreSQL's Unicode escapes (`\XXXX`, `\+XXXXXX`, `\\`)
/// decoded, or `None` when one is malformed.
fn unicode_unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let rest = chars.as_str();
        let (digits, skip) = match rest.chars().next()? {
            '\\' => {
                out.push('\\');
                chars.next();
                continue;
            }
            '+' => (rest.get(1..7)?, 7),
            _ => (rest.get(..4)?, 4),
        };
        out.push(char::from_u32(u32::from_str_radix(digits, 16).ok()?)?);
        chars = rest[skip..].chars();
    }
    Some(out)
}

/// The identifier a token names, as PostgreSQL resolves it: a bare word
/// with its ASCII letters lower-cased, a quoted one exactly; `None` for
/// anything else.
fn ident_value(sql: &str, t: &Token) -> Option<String> {
    let text = &sql[t.start..t.end];
    match t.kind {
        Kind::Word => Some(text.to_ascii_lowercase()),
        Kind::Quoted if text.starts_with('"') && text.len() >= 2 && text.ends_with('"') => {
            Some(text[1..text.len() - 1].replace("\"\"", "\""))
        }
        // U&"..."
        Kind::Quoted if text.len() >= 4 && text.ends_with('"') => {
            unicode_unescape(&text[3..text.len() - 1].replace("\"\"", "\""))
        }
        _ => None,
    }
}

/// Whether `sql` refers to the identifier `name` anywhere, leaving out
/// strings, dollar-quoted bodies, comments, aliases after `AS` and types
/// after `::`. A bare word matches when it lower-cased is `name`, a quoted
/// one when it is `name`.
pub fn mentions(sql: &str, name: &str) -> bool {
    references(sql, name, false).next().is_some()
}

/// Whether `sql` may refer to a column `name`: as [`mentions`], leaving out
/// function names and qualifiers too; the references [`rename_column`]
/// rewrites.
pub fn mentions_column(sql: &str, name: &str) -> bool {
    references(sql, name, true).next().is_some()
}

/// The identifier tokens of `sql` that name `name`, as byte ranges.
fn references<'a>(
    sql: &'a str,
    name: &'a str,
    column: bool,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let tokens: Vec<Token> = lex(sql)
        .into_iter()
        .filter(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
        .collect();
    let text = |t: &Token| &sql[t.start..t.end];
    // The function a trigger executes (`EXECUTE FUNCTION [schema.]f()`), a
    // name even a table rename leaves alone.
    let mut callee = vec![false; tokens.len()];
    for (i, t) in tokens.iter().enumerate() {
        let w = text(t);
        if t.kind == Kind::Word
            && (w.eq_ignore_ascii_case("function") || w.eq_ignore_ascii_case("procedure"))
        {
            let mut j = i + 1;
            while j < tokens.len() {
                callee[j] = true;
                if tokens.get(j + 1).map(text) != Some(".") {
                    break;
                }
                j += 2;
            }
        }
    }
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| &tokens[p]);
        let after_as =
            prev.is_some_and(|p| p.kind == Kind::Word && text(p).eq_ignore_ascii_case("as"));
        let after_cast = prev.is_some_and(|p| text(p) == "::");
        let after_dot = prev.is_some_and(|p| text(p) == ".");
        let reserved =
            t.kind == Kind::Word && !after_dot && is_reserved(&text(t).to_ascii_lowercase());
        if after_as || after_cast || reserved || callee[i] {
            continue;
        }
        if ident_value(sql, t).as_deref() != Some(name) {
            continue;
        }
        if column {
            let next = tokens.get(i + 1).map(text);
            // A function name, or the schema, table or alias qualifying a
            // column.
            if next == Some("(") || next == Some(".") {
                continue;
            }
        }
        out.push((t.start, t.end));
    }
    out.into_iter()
}

/// `sql` with the identifier tokens at `ranges` replaced by `name`: quoted
/// where the token was quoted, through [`quote_ident`] where it was bare; so
/// a rename and its inverse give back the text, but for the case of a bare
/// word, which PostgreSQL folds anyway.
fn replace_ranges(sql: &str, ranges: &[(usize, usize)], name: &str) -> String {
    let bare = quote_ident(name);
    let quoted = quoted(name);
    let mut out = String::with_capacity(sql.len() + ranges.len() * quoted.len());
    let mut at = 0;
    for &(s, e) in ranges {
        out.push_str(&sql[at..s]);
        // A quoted identifier, `"..."` or `U&"..."` (written again as a
        // plain one), stays quoted.
        if sql[s..e].ends_with('"') {
            out.push_str(&quoted);
        } else {
            out.push_str(&bare);
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
/// where it was bare and `new` can be, quoted otherwise). Function names,
/// qualifiers and aliases are left alone.
pub fn rename_column(sql: &str, old: &str, new: &str) -> String {
    let ranges: Vec<_> = references(sql, old, true).collect();
    replace_ranges(sql, &ranges, new)
}

/// The lower-cased words PostgreSQL allows between `CREATE` and `VIEW` or
/// `TRIGGER`.
const CREATE_MODIFIERS: [&str; 7] = [
    "or",
    "replace",
    "temp",
    "temporary",
    "recursive",
    "materialized",
    "constraint",
];

/// The byte offset where the body of a `CREATE [OR REPLACE] [TEMP]
/// [RECURSIVE] [MATERIALIZED] VIEW` (after its top-level `AS`) or a `CREATE
/// [OR REPLACE] [CONSTRAINT] TRIGGER` (after its name) begins, so that
/// renames leave the object's own name and column list alone. A trigger's
/// body is its timing, events, table and `EXECUTE FUNCTION f()`: the
/// function's own body is another statement.
pub fn body_start(sql: &str) -> usize {
    let tokens: Vec<Token> = lex(sql)
        .into_iter()
        .filter(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
        .collect();
    let word = |t: &Token| {
        if t.kind == Kind::Word {
            sql[t.start..t.end].to_ascii_lowercase()
        } else {
            String::new()
        }
    };
    let mut i = 0;
    if tokens.first().is_some_and(|t| word(t) == "create") {
        i = 1;
        while tokens
            .get(i)
            .is_some_and(|t| CREATE_MODIFIERS.contains(&word(t).as_str()))
        {
            i += 1;
        }
    }
    if tokens.get(i).is_some_and(|t| word(t) == "trigger") {
        // A trigger's name is never qualified: it lives in its table's
        // schema.
        return tokens.get(i + 1).map_or(sql.len(), |t| t.end);
    }
    let mut depth = 0i32;
    for t in &tokens {
        match &sql[t.start..t.end] {
            "(" | "[" => depth += 1,
            ")" | "]" => depth -= 1,
            _ if depth == 0 && word(t) == "as" => return t.end,
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
/// whitespace dropped, identifiers as PostgreSQL resolves them (bare ones
/// folded) written quoted, reserved keywords lower-cased, numbers and the
/// prefix of a string lower-cased, strings kept exactly.
pub fn normalize(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    for t in lex(sql) {
        let text = &sql[t.start..t.end];
        match t.kind {
            Kind::Space | Kind::Comment => continue,
            Kind::Other => out.push_str(text),
            Kind::Number => out.push_str(&text.to_ascii_lowercase()),
            Kind::Str => {
                // The prefix (E, B, X, N, U&) is any case; what follows is
                // exact.
                let body = text.find(['\'', '$']).unwrap_or(0);
                out.push_str(&text[..body].to_ascii_lowercase());
                out.push_str(&text[body..]);
            }
            Kind::Word if is_reserved(&text.to_ascii_lowercase()) => {
                out.push_str(&text.to_ascii_lowercase())
            }
            Kind::Word | Kind::Quoted => match ident_value(sql, &t) {
                Some(v) => out.push_str(&quoted(&v)),
                None => out.push_str(text),
            },
        }
        out.push(' ');
    }
    out.pop();
    out
}

/// Whether two pieces of SQL text mean the same to PostgreSQL, quoting,
/// whitespace, comments and the case of bare words and keywords aside.
pub fn same_text(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keyword_lists_are_sorted_lower_case_and_apart() {
        for list in [&RESERVED[..], &COL_NAME_KEYWORDS[..]] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
            assert!(list.iter().all(|k| k.to_ascii_lowercase() == *k));
        }
        assert!(COL_NAME_KEYWORDS.iter().all(|k| !is_reserved(k)));
    }

    #[test]
    fn quotes_identifiers_only_where_needed() {
        assert_eq!(quote_ident("users"), "users");
        assert_eq!(quote_ident("_x1"), "_x1");
        assert_eq!(quote_ident("Users"), "\"Users\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("left"), "\"left\"");
        assert_eq!(quote_ident("int"), "\"int\"");
        assert_eq!(quote_ident("name"), "name");
        assert_eq!(quote_ident("1st"), "\"1st\"");
        assert_eq!(quote_ident("a b"), "\"a b\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("é"), "\"é\"");
        assert_eq!(quote_ident(""), "\"\"");
        assert_eq!(quote_ident("x; DROP TABLE y"), "\"x; DROP TABLE y\"");
    }

    #[test]
    fn a_quoted_name_reads_back_as_itself() {
        for name in ["users", "Users", "user", "a\"b", "1st", "my table", "ß"] {
            let sql = format!("SELECT {} FROM t", quote_ident(name));
            let t = lex(&sql)
                .into_iter()
                .find(|t| matches!(t.kind, Kind::Word | Kind::Quoted) && t.start == 7)
                .unwrap();
            assert_eq!(ident_value(&sql, &t).as_deref(), Some(name), "{sql}");
            assert!(mentions(&sql, name), "{sql}");
        }
    }

    #[test]
    fn unquoted_words_fold_and_quoted_ones_do_not() {
        assert!(mentions("SELECT * FROM Users", "users"));
        assert!(mentions("SELECT * FROM USERS", "users"));
        assert!(!mentions("SELECT * FROM Users", "Users"));
        assert!(mentions("SELECT * FROM \"Users\"", "Users"));
        assert!(!mentions("SELECT * FROM \"Users\"", "users"));
        assert!(mentions("SELECT * FROM \"a\"\"b\"", "a\"b"));
        assert!(mentions("SELECT * FROM U&\"d\\0061t\\+000061\"", "data"));
    }

    #[test]
    fn finds_mentions_outside_strings_bodies_and_comments() {
        assert!(mentions("SELECT name FROM users", "name"));
        assert!(!mentions("SELECT 'name' FROM t", "name"));
        assert!(!mentions("SELECT 'it''s name' FROM t", "name"));
        assert!(!mentions("SELECT E'\\' name' FROM t", "name"));
        assert!(mentions("SELECT E'\\'' || name FROM t", "name"));
        assert!(!mentions("SELECT $$ name $$ FROM t", "name"));
        assert!(!mentions(
            "SELECT $body$ name $$ name $body$ FROM t",
            "name"
        ));
        assert!(mentions("SELECT $body$ x $body$, name FROM t", "name"));
        assert!(!mentions("SELECT 1 -- name\nFROM t", "name"));
        assert!(!mentions(
            "SELECT 1 /* a /* nested */ name */ FROM t",
            "name"
        ));
        assert!(mentions(
            "SELECT 1 /* a /* nested */ b */ + name FROM t",
            "name"
        ));
        assert!(!mentions("SELECT x AS name FROM t", "name"));
        assert!(!mentions("SELECT x::name FROM t", "name"));
        assert!(!mentions("SELECT CAST(x AS name) FROM t", "name"));
        assert!(!mentions("SELECT b'0101', x'1f', n'name' FROM t", "name"));
        assert!(!mentions("SELECT b'0101', x'1f' FROM t", "x"));
        assert!(!mentions("SELECT $1 FROM t", "$1"));
        // Reserved words are keywords, but any word after a dot is a name.
        assert!(!mentions("SELECT user FROM t", "user"));
        assert!(mentions("SELECT t.user FROM t", "user"));
        assert!(mentions("SELECT \"user\" FROM t", "user"));
        // Words run through `$` and digits.
        assert!(!mentions("SELECT name$1 FROM t", "name"));
    }

    #[test]
    fn a_qualifier_is_not_the_name_after_it() {
        assert!(mentions("SELECT * FROM public.users", "users"));
        assert!(mentions_column("SELECT u.id FROM public.users u", "id"));
        assert!(!mentions_column("SELECT u.id FROM public.users AS u", "u"));
        assert!(!mentions_column("SELECT 1 FROM public.users", "public"));
        assert_eq!(
            rename_table("SELECT * FROM public.users", "users", "people"),
            "SELECT * FROM public.people"
        );
    }

    #[test]
    fn renames_a_table_in_a_view() {
        let v = "CREATE VIEW active AS SELECT u.id FROM Users u JOIN users2 ON true WHERE u.name <> 'users'";
        assert_eq!(
            in_body(v, |b| rename_table(b, "users", "people")),
            "CREATE VIEW active AS SELECT u.id FROM people u JOIN users2 ON true WHERE u.name <> 'users'"
        );
        // Quoted where it was quoted, or where a bare name would not do.
        assert_eq!(
            rename_table("SELECT * FROM \"users\" JOIN users", "users", "order"),
            "SELECT * FROM \"order\" JOIN \"order\""
        );
        assert_eq!(
            rename_table("SELECT * FROM \"users\" JOIN users", "users", "People"),
            "SELECT * FROM \"People\" JOIN \"People\""
        );
        assert_eq!(
            rename_table("SELECT * FROM \"users\" JOIN users", "users", "people"),
            "SELECT * FROM \"people\" JOIN people"
        );
        // A quoted Users is another table.
        assert_eq!(
            rename_table("SELECT * FROM \"Users\", users", "users", "p"),
            "SELECT * FROM \"Users\", p"
        );
        // A rename and its inverse give the text back.
        let v = "SELECT name, \"name\" FROM t";
        let there = rename_column(v, "name", "fullname");
        assert_eq!(there, "SELECT fullname, \"fullname\" FROM t");
        assert_eq!(rename_column(&there, "fullname", "name"), v);
    }

    #[test]
    fn renames_columns_but_not_functions_or_aliases() {
        assert_eq!(
            rename_column("SELECT length(length) AS length FROM t", "length", "len"),
            "SELECT length(len) AS length FROM t"
        );
        assert_eq!(
            rename_column("SELECT \"f\"(f), f::f FROM t", "f", "g"),
            "SELECT \"f\"(g), g::f FROM t"
        );
        assert_eq!(
            rename_column("NEW.\"a\"\"b\" > 0", "a\"b", "c"),
            "NEW.\"c\" > 0"
        );
        assert_eq!(
            rename_column("lower(email) || $$email$$", "email", "e mail"),
            "lower(\"e mail\") || $$email$$"
        );
        assert!(!mentions_column("SELECT email() FROM t", "email"));
    }

    #[test]
    fn a_trigger_names_its_function_not_a_table() {
        let t = "CREATE TRIGGER audit AFTER INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit()";
        assert_eq!(
            in_body(t, |b| rename_table(b, "audit", "log")),
            "CREATE TRIGGER audit AFTER INSERT ON log FOR EACH ROW EXECUTE FUNCTION audit()"
        );
        let t = "AFTER INSERT ON s.audit FOR EACH ROW EXECUTE PROCEDURE s.audit()";
        assert_eq!(
            rename_table(t, "audit", "log"),
            "AFTER INSERT ON s.log FOR EACH ROW EXECUTE PROCEDURE s.audit()"
        );
        assert!(!mentions("EXECUTE FUNCTION f($$ t $$)", "t"));
    }

    #[test]
    fn body_starts_after_view_as_and_trigger_name() {
        let v = "CREATE VIEW v(a, name) AS SELECT name FROM t";
        assert_eq!(&v[body_start(v)..], " SELECT name FROM t");
        let v = "create or replace materialized view v (name) with (fillfactor = 70) as select name from t with no data";
        assert_eq!(&v[body_start(v)..], " select name from t with no data");
        let v = "CREATE RECURSIVE VIEW trigger (n) AS VALUES (1)";
        assert_eq!(&v[body_start(v)..], " VALUES (1)");
        let t =
            "CREATE TRIGGER name BEFORE UPDATE OF name ON t FOR EACH ROW EXECUTE FUNCTION name()";
        assert_eq!(
            &t[body_start(t)..],
            " BEFORE UPDATE OF name ON t FOR EACH ROW EXECUTE FUNCTION name()"
        );
        let t = "CREATE OR REPLACE CONSTRAINT TRIGGER \"Name\" AFTER INSERT ON t FOR EACH ROW EXECUTE PROCEDURE f()";
        assert_eq!(
            &t[body_start(t)..],
            " AFTER INSERT ON t FOR EACH ROW EXECUTE PROCEDURE f()"
        );
        assert_eq!(
            in_body("CREATE VIEW v(a, name) AS SELECT name FROM t", |b| {
                rename_column(b, "name", "n")
            }),
            "CREATE VIEW v(a, name) AS SELECT n FROM t"
        );
        assert_eq!(body_start("CREATE TRIGGER"), "CREATE TRIGGER".len());
        assert_eq!(body_start("SELECT 1"), 0);
    }

    #[test]
    fn normalizes_quoting_case_and_space() {
        assert!(same_text(
            "SELECT  \"name\"\nFROM users -- c\n/* a /* b */ c */",
            "select NAME from Users"
        ));
        assert!(same_text("SELECT x::INT", "select x :: int"));
        assert!(same_text("SELECT E'a'", "SELECT e'a'"));
        assert!(same_text("SELECT 1E5", "SELECT 1e5"));
        assert!(!same_text("SELECT \"Name\" FROM t", "SELECT name FROM t"));
        assert!(!same_text("SELECT 'A'", "SELECT 'a'"));
        assert!(!same_text("SELECT $$A$$", "SELECT $$a$$"));
        assert!(!same_text("SELECT \"select\"", "SELECT select"));
        assert!(!same_text("SELECT a <= b", "SELECT a < = b"));
    }

    #[test]
    fn lexes_operators_as_postgresql_does() {
        let words = |s: &str| -> Vec<String> {
            lex(s)
                .into_iter()
                .filter(|t| t.kind != Kind::Space)
                .map(|t| s[t.start..t.end].to_string())
                .collect()
        };
        assert_eq!(words("a*-1"), ["a", "*", "-", "1"]);
        assert_eq!(words("a@-1"), ["a", "@-", "1"]);
        assert_eq!(words("x::int<=y"), ["x", "::", "int", "<=", "y"]);
        assert_eq!(words("j->>'k'"), ["j", "->>", "'k'"]);
        assert_eq!(words("a-- c\n-b"), ["a", "-- c", "-", "b"]);
        assert_eq!(words("1.5e-3+.5"), ["1.5e-3", "+", ".5"]);
        assert_eq!(words("$1||$a$x$a$"), ["$1", "||", "$a$x$a$"]);
    }

    #[test]
    fn lexes_unterminated_input_without_panicking() {
        for s in [
            "'abc",
            "\"abc",
            "E'abc\\",
            "e'\\",
            "U&\"ab",
            "U&'ab",
            "$$abc",
            "$a$abc$a",
            "$",
            "$1",
            "/* abc",
            "/* /* */",
            "-- x",
            "x'",
            "1e+",
            ".5.",
            "é\u{0}",
            "::",
            "U&\"\\+\"",
        ] {
            let _ = normalize(s);
            let _ = rename_column(s, "abc", "d");
            let _ = rename_table(s, "abc", "d");
            let _ = body_start(s);
        }
    }

    proptest! {
        #[test]
        fn any_text_lexes_whole_and_without_panicking(s in ".{0,40}") {
            let tokens = lex(&s);
            let mut at = 0;
            for t in &tokens {
                prop_assert_eq!(t.start, at);
                prop_assert!(t.end > t.start && s.is_char_boundary(t.end));
                at = t.end;
            }
            prop_assert_eq!(at, s.len());
            let _ = normalize(&s);
            let at = body_start(&s);
            prop_assert!(s.is_char_boundary(at));
            prop_assert_eq!(rename_column(&s, "a", "a"), rename_column(&s, "a", "a"));
        }

        #[test]
        fn sql_like_text_lexes_whole(s in "[a-zA-Z$'\"/*\\-:. ()&\\\\eEuU0-9\n]{0,40}") {
            let tokens = lex(&s);
            prop_assert_eq!(tokens.iter().map(|t| t.end - t.start).sum::<usize>(), s.len());
            let _ = rename_table(&s, "u", "the u");
            let _ = mentions_column(&s, "e");
            let _ = same_text(&s, &s);
        }
    }
}
