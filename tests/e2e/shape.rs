//! An independent reading of a SQLite database: its shape from SQLite's own
//! pragmas and catalog, and its rows, so that a database strata reconciled
//! can be compared with one built fresh from SQL. Nothing here uses strata's
//! introspection: the point is a second witness.
//!
//! The shape is compared for meaning, not spelling. SQLite's identifiers
//! are case-insensitive, so names are lower-cased; declared types, defaults
//! and SQL text (CHECK expressions, partial-index WHERE clauses, expression
//! indexes, views, triggers) are compared as token streams: comments and
//! whitespace dropped, words and identifiers lower-cased and unquoted,
//! string literals kept as written.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::support::{internal, rows_with};

/// Everything a user can see of a database's schema, keyed by lower-cased
/// name. strata's own objects (`_strata_*`) and SQLite's (`sqlite_*`) are
/// left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub tables: BTreeMap<String, TableShape>,
    /// View name -> normalized CREATE VIEW text.
    pub views: BTreeMap<String, String>,
    /// Trigger name -> normalized CREATE TRIGGER text.
    pub triggers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableShape {
    pub without_rowid: bool,
    pub strict: bool,
    pub autoincrement: bool,
    pub columns: Vec<ColumnShape>,
    /// Sorted: SQLite numbers foreign keys in an order of its own.
    pub foreign_keys: Vec<ForeignKeyShape>,
    /// Sorted; automatic indexes (of UNIQUE and PRIMARY KEY) without a name.
    pub indexes: Vec<IndexShape>,
    /// The CHECK expressions, normalized and sorted.
    pub checks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnShape {
    pub name: String,
    pub ty: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// Position in the primary key, 0 when not in it.
    pub pk: i64,
    /// table_xinfo's `hidden`: 0 plain, 2 virtual generated, 3 stored generated.
    pub hidden: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKeyShape {
    pub table: String,
    pub from: Vec<String>,
    pub to: Vec<Option<String>>,
    pub on_update: String,
    pub on_delete: String,
    pub match_: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexShape {
    /// None for SQLite's automatic indexes, whose names are SQLite's choice.
    pub name: Option<String>,
    pub unique: bool,
    /// `c` (CREATE INDEX), `u` (UNIQUE constraint) or `pk`.
    pub origin: String,
    pub partial: bool,
    /// Key columns in order: (column name or `<expr>`, desc, collation).
    pub columns: Vec<(String, bool, String)>,
    /// For a CREATE INDEX: its normalized text from the table name on
    /// (table, column list with expressions, WHERE).
    pub definition: Option<String>,
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => format!("{b:?}"),
    }
}

fn opt_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        v => Some(text(v)),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Integer(i) => *i,
        other => panic!("expected an integer, got {other:?}"),
    }
}

impl Shape {
    pub fn read(conn: &Connection) -> Shape {
        let mut tables = BTreeMap::new();
        for row in rows_with(
            conn,
            "SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'",
            &[],
        ) {
            let name = text(&row[0]);
            if internal(&name) || text(&row[1]) != "table" {
                continue;
            }
            tables.insert(
                name.to_lowercase(),
                TableShape::read(conn, &name, int(&row[2]) != 0, int(&row[3]) != 0),
            );
        }
        let mut views = BTreeMap::new();
        let mut triggers = BTreeMap::new();
        for row in rows_with(
            conn,
            "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger')",
            &[],
        ) {
            let name = text(&row[1]);
            if internal(&name) {
                continue;
            }
            let sql = normalize(&text(&row[2]));
            if text(&row[0]) == "view" {
                views.insert(name.to_lowercase(), sql);
            } else {
                triggers.insert(name.to_lowercase(), sql);
            }
        }
        Shape {
            tables,
            views,
            triggers,
        }
    }

    /// Read the shape of the database that `sql` builds in memory.
    pub fn of_sql(sql: &str) -> Shape {
        let conn = Connection::open_in_memory().expect("sqlite in memory");
        conn.execute_batch(sql)
            .unwrap_or_else(|e| panic!("SQLite refused the SQL ({e}):\n{sql}"));
        Shape::read(&conn)
    }

    /// The differences from `other`, one line each; empty when equal.
    pub fn diff(&self, other: &Shape) -> Vec<String> {
        let mut out = Vec::new();
        diff_maps("table", &self.tables, &other.tables, &mut out);
        diff_maps("view", &self.views, &other.views, &mut out);
        diff_maps("trigger", &self.triggers, &other.triggers, &mut out);
        out
    }
}

fn diff_maps<V: PartialEq + std::fmt::Debug>(
    what: &str,
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
    out: &mut Vec<String>,
) {
    for (name, va) in a {
        match b.get(name) {
            None => out.push(format!("{what} {name} only on the left: {va:?}")),
            Some(vb) if va != vb => {
                let mut line = format!("{what} {name} differs:");
                let _ = write!(line, "\n    left:  {va:?}\n    right: {vb:?}");
                out.push(line);
            }
            Some(_) => {}
        }
    }
    for (name, vb) in b {
        if !a.contains_key(name) {
            out.push(format!("{what} {name} only on the right: {vb:?}"));
        }
    }
}

impl TableShape {
    fn read(conn: &Connection, table: &str, without_rowid: bool, strict: bool) -> TableShape {
        let columns = rows_with(
            conn,
            "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1) ORDER BY cid",
            &[&table],
        )
        .iter()
        .map(|r| ColumnShape {
            name: text(&r[0]).to_lowercase(),
            ty: normalize(&text(&r[1])),
            not_null: int(&r[2]) != 0,
            default: opt_text(&r[3]).map(|d| normalize(&d)),
            pk: int(&r[4]),
            hidden: int(&r[5]),
        })
        .collect();

        let mut by_id: BTreeMap<i64, ForeignKeyShape> = BTreeMap::new();
        for r in rows_with(
            conn,
            "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete, \"match\" \
             FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
            &[&table],
        ) {
            let fk = by_id.entry(int(&r[0])).or_insert_with(|| ForeignKeyShape {
                table: text(&r[2]).to_lowercase(),
                from: Vec::new(),
                to: Vec::new(),
                on_update: text(&r[5]).to_uppercase(),
                on_delete: text(&r[6]).to_uppercase(),
                match_: text(&r[7]).to_uppercase(),
            });
            fk.from.push(text(&r[3]).to_lowercase());
            fk.to.push(opt_text(&r[4]).map(|t| t.to_lowercase()));
        }
        let mut foreign_keys: Vec<ForeignKeyShape> = by_id.into_values().collect();
        foreign_keys.sort();

        let mut indexes = Vec::new();
        for r in rows_with(
            conn,
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)",
            &[&table],
        ) {
            let name = text(&r[0]);
            let origin = text(&r[2]);
            let columns = rows_with(
                conn,
                "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno",
                &[&name],
            )
            .iter()
            .map(|c| {
                (
                    opt_text(&c[0]).map_or_else(|| "<expr>".to_string(), |n| n.to_lowercase()),
                    int(&c[1]) != 0,
                    text(&c[2]).to_uppercase(),
                )
            })
            .collect();
            let definition = if origin == "c" {
                let sql: Option<String> = conn
                    .query_row(
                        "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                        [&name],
                        |row| row.get(0),
                    )
                    .ok()
                    .flatten();
                sql.map(|s| index_definition(&tokens(&s)))
            } else {
                None
            };
            indexes.push(IndexShape {
                name: (origin == "c").then(|| name.to_lowercase()),
                unique: int(&r[1]) != 0,
                origin,
                partial: int(&r[3]) != 0,
                columns,
                definition,
            });
        }
        indexes.sort();

        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [table],
                |row| row.get(0),
            )
            .unwrap_or_else(|e| panic!("the CREATE TABLE of {table}: {e}"));
        let toks = tokens(&sql);
        let mut checks = check_expressions(&toks);
        checks.sort();
        let autoincrement = toks
            .iter()
            .any(|t| matches!(t, Token::Word(w) if w == "autoincrement"));

        TableShape {
            without_rowid,
            strict,
            autoincrement,
            columns,
            foreign_keys,
            indexes,
            checks,
        }
    }
}

/// A token of SQL text, as far as comparing meaning needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A keyword, bare identifier or number, lower-cased.
    Word(String),
    /// A quoted identifier ("x", `x`, [x]), lower-cased, quotes removed.
    Ident(String),
    /// A string literal, with its quotes, as written.
    Str(String),
    /// Any other character.
    Punct(char),
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Word(w) | Token::Ident(w) => f.write_str(w),
            Token::Str(s) => f.write_str(s),
            Token::Punct(c) => write!(f, "{c}"),
        }
    }
}

fn tokens(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            let start = i;
            i += 1;
            loop {
                match chars.get(i) {
                    None => break,
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => i += 2,
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            out.push(Token::Str(
                chars[start..i.min(chars.len())].iter().collect(),
            ));
        } else if c == '"' || c == '`' || c == '[' {
            let close = if c == '[' { ']' } else { c };
            let mut name = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == close {
                    if close != ']' && chars.get(i + 1) == Some(&close) {
                        name.push(close);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                name.push(chars[i]);
                i += 1;
            }
            out.push(Token::Ident(name.to_lowercase()));
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Token::Word(word.to_lowercase()));
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

fn join(toks: &[Token]) -> String {
    toks.iter()
        .map(Token::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// SQL text reduced to its meaning for comparison: see the module comment.
pub fn normalize(sql: &str) -> String {
    let toks = tokens(sql);
    // A trailing `;` is not part of what the catalog keeps.
    let end = match toks.last() {
        Some(Token::Punct(';')) => toks.len() - 1,
        _ => toks.len(),
    };
    join(&toks[..end])
}

/// The tokens from `open` (a `(`) to its matching `)`, both excluded, and
/// the index after the `)`.
fn balanced(toks: &[Token], open: usize) -> (&[Token], usize) {
    let mut depth = 0;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return (&toks[open + 1..i], i + 1);
                }
            }
            _ => {}
        }
    }
    (&toks[(open + 1).min(toks.len())..], toks.len())
}

fn check_expressions(toks: &[Token]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i] == Token::Word("check".into()) && toks.get(i + 1) == Some(&Token::Punct('(')) {
            let (inner, next) = balanced(toks, i + 1);
            out.push(join(inner));
            i = next;
        } else {
            i += 1;
        }
    }
    out
}

/// A CREATE INDEX from its `ON` on: the table, the indexed columns and
/// expressions, and the WHERE clause. The index name (and any comment
/// around it) is left out; names are compared on their own.
fn index_definition(toks: &[Token]) -> String {
    match toks.iter().position(|t| *t == Token::Word("on".into())) {
        Some(on) => join(&toks[on + 1..]),
        None => join(toks),
    }
}

/// `name` as a double-quoted SQL identifier.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[test]
fn normalize_drops_spelling_and_keeps_literals() {
    assert_eq!(
        normalize("CREATE VIEW \"V\" AS select  id -- why\n FROM [Users] WHERE n = 'A b';"),
        "create view v as select id from users where n = 'A b'"
    );
    let toks = tokens("CREATE TABLE t (a int CHECK (a > 0), CONSTRAINT c CHECK(length(b) < 5))");
    assert_eq!(check_expressions(&toks), ["a > 0", "length ( b ) < 5"]);
}
