//! `schema --format mermaid|dot`: an entity-relationship diagram at any
//! point. The DOT output is read by Graphviz itself (`dot -Tsvg`, where it
//! is installed: .ci/run installs it), and must draw one node per table and
//! one edge per foreign key. The Mermaid output is checked against the
//! rules of Mermaid's erDiagram grammar it relies on (the lexer of its
//! `erDiagram.jison`), written out below; the checker is shown to refuse
//! what breaks them. Both are tried on names made to break them: spaces,
//! quotes, backslashes, `%`, `#`, markup, newlines, reserved words, words
//! Mermaid reads as keys or directions, and Unicode.

use std::process::Command;

use crate::completions::have;
use crate::Env;

/// Names SQL and both diagram languages treat specially, in five tables
/// with foreign keys of every kind: NOT NULL, to a composite key, to a
/// table's own column, into the primary key (identifying), to a primary
/// key named implicitly.
const HOSTILE: &str = r#"
CREATE TABLE "select" ("pk" integer PRIMARY KEY, "first name" varchar(50) NOT NULL, "1st" double precision, "a#quot;b" numeric(10, 2), untyped, "µ" text UNIQUE, "fk-1" text, "UK" text);
CREATE TABLE "weird ""quoted"" \ name %" (id integer PRIMARY KEY, "sel ref" integer NOT NULL REFERENCES "select" ("pk"), "<b>&amp;" text, "x~y~z" text);
CREATE TABLE "Ünïcødé 表" ("名前" text, parent text, k1 integer, k2 integer, PRIMARY KEY (k1, k2), FOREIGN KEY (k1) REFERENCES "select");
CREATE TABLE "direction TB" (x integer PRIMARY KEY, y integer, boss integer REFERENCES "direction TB" (x), FOREIGN KEY (x, y) REFERENCES "Ünïcødé 表" (k1, k2));
CREATE TABLE "two
lines %%" ("a
b" integer, "pk" text REFERENCES "select");
CREATE UNIQUE INDEX "by name" ON "Ünïcødé 表" ("名前");
"#;

/// The table names of HOSTILE, and its foreign keys.
const HOSTILE_TABLES: [&str; 5] = [
    "select",
    "weird \"quoted\" \\ name %",
    "Ünïcødé 表",
    "direction TB",
    "two\nlines %%",
];
const HOSTILE_FOREIGN_KEYS: usize = 5;

fn hostile() -> Env {
    let env = Env::init();
    env.ok(&["record", "-m", "hostile names", "--sql", HOSTILE]);
    env
}

/// Users, orders referencing them, and line items keyed by their order.
fn shop() -> Env {
    let env = Env::init();
    env.record(
        "users",
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email text UNIQUE)",
    );
    env.record(
        "orders",
        "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id), note text);
         CREATE TABLE items (order_id integer REFERENCES orders (id), n integer, sku text, PRIMARY KEY (order_id, n));
         CREATE UNIQUE INDEX items_sku ON items (sku)",
    );
    env
}

#[test]
fn mermaid_draws_tables_keys_and_foreign_keys() {
    let env = shop();
    let text = env.ok(&["schema", "--format", "mermaid"]).stdout;
    assert_eq!(
        text,
        r#"erDiagram
    "items" {
        integer order_id PK, FK
        integer n PK
        text sku UK
    }
    "orders" {
        integer id PK
        integer user_id FK "NOT NULL"
        text note
    }
    "users" {
        integer id PK
        text name "NOT NULL"
        text email UK
    }
    "orders" |o--o{ "items" : "order_id → id"
    "users" ||..o{ "orders" : "user_id → id"
"#
    );
    check_mermaid(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    // At an earlier point, the schema of that point; --json changes
    // nothing (the diagram is the output).
    let one = env
        .ok(&["schema", "--at", "1", "--format", "mermaid"])
        .stdout;
    assert!(
        one.contains("\"users\" {") && !one.contains("orders"),
        "{one}"
    );
    assert_eq!(
        env.ok(&["--json", "schema", "--format", "mermaid"]).stdout,
        text
    );
    assert_eq!(
        env.ok(&["schema", "--at", "0", "--format", "mermaid"])
            .stdout,
        "erDiagram\n"
    );
}

#[test]
fn mermaid_holds_any_name_the_grammar_way() {
    let env = hostile();
    let text = env.ok(&["schema", "--format", "mermaid"]).stdout;
    check_mermaid(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    // Every table is an entity whose name, decoded as Mermaid decodes its
    // entity codes, is the table's name exactly.
    let entities: Vec<String> = text
        .lines()
        .filter(|l| l.ends_with(" {"))
        .map(|l| decode(l.trim().trim_end_matches(" {").trim_matches('"')))
        .collect();
    for t in HOSTILE_TABLES {
        assert!(entities.iter().any(|e| e == t), "{t:?} not in {entities:?}");
    }
    assert_eq!(entities.len(), HOSTILE_TABLES.len());
    let edges = text.lines().filter(|l| l.contains(" : \"")).count();
    assert_eq!(edges, HOSTILE_FOREIGN_KEYS, "{text}");
    // A column whose name is not a bare word keeps it in its comment.
    assert!(
        text.contains("varchar(50) first_name \"name: first name; NOT NULL\""),
        "{text}"
    );
    assert!(text.contains("integer _pk PK \"name: pk\""), "{text}");
    assert!(
        text.contains("double_precision _1st \"name: 1st; type: double precision\""),
        "{text}"
    );
}

#[test]
fn dot_is_graphviz_that_dot_draws() {
    let shop = shop();
    let text = shop.ok(&["schema", "--format", "dot"]).stdout;
    assert!(text.starts_with("digraph schema {\n"), "{text}");
    assert!(
        text.contains("\"orders\":k1:e -> \"users\":c0:w [label=<user_id → id>];"),
        "{text}"
    );
    assert!(
        text.contains("<TD PORT=\"k2\" ALIGN=\"LEFT\">UK</TD>"),
        "{text}"
    );
    let hostile = hostile();
    let odd = hostile.ok(&["schema", "--format", "dot"]).stdout;
    assert!(
        odd.contains("\"weird \\\"quoted\\\" \\\\ name %\" [label=<"),
        "{odd}"
    );
    assert!(
        odd.contains("<B>weird &quot;quoted&quot; \\ name %</B>"),
        "{odd}"
    );
    assert!(odd.contains("&lt;b&gt;&amp;amp;"), "{odd}");
    if !have("dot", "dot_is_graphviz_that_dot_draws") {
        return;
    }
    for (env, tables, edges) in [
        (&shop, 3, 2),
        (&hostile, HOSTILE_TABLES.len(), HOSTILE_FOREIGN_KEYS),
    ] {
        let file = env.file("schema.dot", &env.ok(&["schema", "--format", "dot"]).stdout);
        let out = Command::new("dot")
            .arg("-Tsvg")
            .arg(&file)
            .output()
            .expect("run dot");
        let svg = String::from_utf8_lossy(&out.stdout);
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "dot refuses the file: {warnings}");
        assert_eq!(warnings, "", "dot warns");
        assert_eq!(svg.matches("class=\"node\"").count(), tables, "{svg}");
        assert_eq!(svg.matches("class=\"edge\"").count(), edges, "{svg}");
    }
}

#[test]
fn a_bad_format_or_point_is_one_error() {
    let env = shop();
    env.fails(&["schema", "--format", "png"], 2)
        .says("[possible values: sql, json, mermaid, dot]");
    env.fails(&["schema", "--at", "v9", "--format", "dot"], 1)
        .says("no tag named v9");
}

// ------------------------------------------------------------------------
// What Mermaid's erDiagram lexer and grammar (erDiagram.jison) accept, as
// far as this output uses them.

/// Whether `text` keeps the rules: `erDiagram` first; entity blocks
/// `ENTITY {`, attribute lines and `}`; relationship lines `ENTITY CARD
/// ENTITY : ROLE`. An error names the line.
fn check_mermaid(text: &str) -> Result<(), String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, "erDiagram")) => {}
        other => return Err(format!("the first line is not erDiagram: {other:?}")),
    }
    let mut in_block = false;
    for (i, line) in lines {
        let at = |why: String| format!("line {}: {why}: {line:?}", i + 1);
        let line = line.trim_matches(' ');
        if in_block {
            if line == "}" {
                in_block = false;
            } else {
                attribute(line).map_err(at)?;
            }
            continue;
        }
        // Outside a block, a line holding `direction` and spaces before
        // TB, BT, RL or LR (any case) is a direction statement, whatever
        // comes before it (the lexer's `.*direction\s+TB[^\n]*`).
        if has_direction(line) {
            return Err(at("reads as a direction statement".into()));
        }
        if let Some(name) = line.strip_suffix(" {") {
            entity_name(name).map_err(at)?;
            in_block = true;
            continue;
        }
        relationship(line).map_err(at)?;
    }
    if in_block {
        return Err("a block is not closed".into());
    }
    Ok(())
}

/// A quoted entity name: `"[^"%\r\n\v\b\\]+"`.
fn entity_name(token: &str) -> Result<(), String> {
    let inner = token
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| format!("entity name {token:?} is not quoted"))?;
    if inner.is_empty() {
        return Err("an empty entity name".into());
    }
    if let Some(c) = inner
        .chars()
        .find(|c| matches!(c, '"' | '%' | '\r' | '\n' | '\u{b}' | '\u{8}' | '\\'))
    {
        return Err(format!("entity name {token:?} holds {c:?}"));
    }
    Ok(())
}

/// `TYPE NAME [KEY[, KEY]...] ["COMMENT"]`.
fn attribute(line: &str) -> Result<(), String> {
    let (words, comment) = match line.find('"') {
        Some(at) => (&line[..at], Some(&line[at..])),
        None => (line, None),
    };
    if let Some(c) = comment {
        let ok = c.len() >= 2 && c.ends_with('"') && !c[1..c.len() - 1].contains('"');
        if !ok {
            return Err(format!("comment {c:?} is not one quoted string"));
        }
    }
    let words: Vec<&str> = words.split_whitespace().collect();
    let [ty, name, keys @ ..] = &words[..] else {
        return Err("an attribute needs a type and a name".into());
    };
    attribute_word(ty)?;
    attribute_word(name)?;
    let keys = keys.join(" ");
    if !keys.is_empty() {
        for k in keys.split(',') {
            if !matches!(k.trim(), "PK" | "FK" | "UK") {
                return Err(format!("{k:?} is not PK, FK or UK"));
            }
        }
    }
    Ok(())
}

/// One ATTRIBUTE_WORD: `[*A-Za-z_\u00C0-\uFFFF][A-Za-z0-9\-_\[\]().,\u00C0-\uFFFF*]*`,
/// not read first as a key (`\b(PK|FK|UK)\b`, any case) or as a word with
/// `~`, and holding no `#word;` (Mermaid turns those into entity markers,
/// outside that range, before parsing).
fn attribute_word(word: &str) -> Result<(), String> {
    let high = |c: char| u32::from(c) >= 0xC0;
    let mut chars = word.chars();
    let first = chars.next().ok_or("an empty word")?;
    if !(first.is_ascii_alphabetic() || first == '_' || first == '*' || high(first)) {
        return Err(format!("{word:?} starts with {first:?}"));
    }
    if let Some(c) =
        chars.find(|&c| !(c.is_ascii_alphanumeric() || "-_[]().,*".contains(c) || high(c)))
    {
        return Err(format!("{word:?} holds {c:?}"));
    }
    let lower = word.to_ascii_lowercase();
    let boundary = |b: Option<&u8>| !b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    if ["pk", "fk", "uk"].iter().any(|k| lower.starts_with(k)) && boundary(lower.as_bytes().get(2))
    {
        return Err(format!("{word:?} starts as a key"));
    }
    if word.contains('~') || word.contains('#') {
        return Err(format!("{word:?} holds ~ or #"));
    }
    Ok(())
}

/// `ENTITY CARD ENTITY : "ROLE"`, CARD a left cardinality, `--` or `..`,
/// and a right cardinality.
fn relationship(line: &str) -> Result<(), String> {
    let (left, role) = line
        .split_once(" : ")
        .ok_or("not an entity block nor a relationship")?;
    let ok_role = role.len() >= 2
        && role.starts_with('"')
        && role.ends_with('"')
        && !role[1..role.len() - 1].contains('"');
    if !ok_role {
        return Err(format!("role {role:?} is not one quoted string"));
    }
    // The first entity is quoted: its closing quote ends it.
    let inner = left.strip_prefix('"').ok_or("an unquoted entity")?;
    let close = inner.find('"').ok_or("an unclosed entity")? + 2;
    let (first, rest) = left.split_at(close);
    entity_name(first)?;
    let (card, second) = rest
        .trim_start()
        .split_once(' ')
        .ok_or("no second entity")?;
    entity_name(second)?;
    if card.len() != 6 || !card.is_ascii() {
        return Err(format!("{card:?} is not a relationship"));
    }
    let (l, rel, r) = (&card[..2], &card[2..4], &card[4..]);
    if !(["||", "|o", "}|", "}o"].contains(&l)
        && ["--", ".."].contains(&rel)
        && ["||", "o|", "|{", "o{"].contains(&r))
    {
        return Err(format!("{card:?} is not a relationship"));
    }
    Ok(())
}

/// Whether `line` holds `direction`, whitespace, then TB, BT, RL or LR,
/// ignoring case.
fn has_direction(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    lower.match_indices("direction").any(|(i, w)| {
        let rest = &lower[i + w.len()..];
        let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        trimmed.len() < rest.len()
            && ["tb", "bt", "rl", "lr"]
                .iter()
                .any(|d| trimmed.starts_with(d))
    })
}

/// `text` with Mermaid's entity codes (`#quot;`, `#35;`) decoded.
fn decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let code = after
            .find(';')
            .map(|end| (&after[..end], &after[end + 1..]));
        let decoded = code.and_then(|(code, tail)| {
            let c = match code {
                "quot" => Some('"'),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                n => n.parse::<u32>().ok().and_then(char::from_u32),
            }?;
            Some((c, tail))
        });
        match decoded {
            Some((c, tail)) => {
                out.push(c);
                rest = tail;
            }
            None => {
                out.push('#');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn the_mermaid_checker_refuses_what_breaks_the_grammar() {
    let ok = "erDiagram\n    \"a b\" {\n        text x PK \"c\"\n    }\n    \"a b\" ||..o{ \"c\" : \"x\"\n";
    assert_eq!(check_mermaid(ok), Ok(()));
    for bad in [
        "graph\n",
        "erDiagram\n    \"a\"b\" {\n    }\n",
        "erDiagram\n    \"a%\" {\n    }\n",
        "erDiagram\n    a b {\n    }\n",
        "erDiagram\n    \"a\" {\n        double precision x\n    }\n",
        "erDiagram\n    \"a\" {\n        text first name\n    }\n",
        "erDiagram\n    \"a\" {\n        text 1st\n    }\n",
        "erDiagram\n    \"a\" {\n        text pk\n    }\n",
        "erDiagram\n    \"a\" {\n        text pk-1\n    }\n",
        "erDiagram\n    \"a\" {\n        text a#quot;b\n    }\n",
        "erDiagram\n    \"a\" {\n        text x \"a \"b\" c\"\n    }\n",
        "erDiagram\n    \"a\" {\n        text x\n",
        "erDiagram\n    \"direction TB\" {\n    }\n",
        "erDiagram\n    \"a\" ||..o{ \"b\" : \"via direction  lr\"\n",
        "erDiagram\n    \"a\" |x..o{ \"b\" : \"x\"\n",
    ] {
        assert!(check_mermaid(bad).is_err(), "accepted:\n{bad}");
    }
    assert_eq!(decode("a#quot;b#35;#92;#10;#lt;"), "a\"b#\\\n<");
}
