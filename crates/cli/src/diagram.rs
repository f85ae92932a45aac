//! A schema as an entity-relationship diagram (`strata schema --format
//! mermaid|dot`): each table with its columns (type, and PK, FK, UK and NOT
//! NULL marks), each foreign key an edge from the referencing table to the
//! referenced one, labelled with its columns (`user_id → id`). Views,
//! triggers and indexes are not drawn (a unique index on plain columns
//! marks its columns UK).
//!
//! Any name a ledger may hold (spaces, quotes, backslashes, reserved
//! words, any Unicode) comes out as valid Mermaid `erDiagram` and valid
//! Graphviz DOT:
//!
//! - Mermaid: table names are quoted entity names, in which `"`, `%`, `\`,
//!   `#`, `<`, `>`, `&` and control characters are written as Mermaid's
//!   entity codes (`#quot;`, `#37;`, ...), which it renders as the
//!   characters themselves; so are the comments and the edge labels. An
//!   attribute's type and name are bare words of the grammar (a letter,
//!   `_` or a character from U+00C0 first, then letters, digits, `_`, `-`,
//!   and `(),.` in types, never starting as a `PK`, `FK` or `UK` key): what
//!   else a column's name or type holds becomes `_` (spaces beside a
//!   type's punctuation are dropped: `numeric(10,2)`), and the name and
//!   type as written go into the attribute's comment.
//! - DOT: node names are quoted strings (`"` and `\` escaped), a column's
//!   row has the ports `cN` (its first cell) and `kN` (its last), and
//!   every label is an HTML-like label in which text is XML-escaped
//!   (control characters other than tab and newline, which XML cannot
//!   hold, become U+FFFD).

use std::fmt::Write;

use strata_schema::{IndexTerm, Rules, Schema, Table};

/// What a column is, for its marks.
pub(crate) struct Marks {
    pub pk: bool,
    pub fk: bool,
    pub uk: bool,
    pub not_null: bool,
}

impl Marks {
    /// The marks that are set, in order; `not_null` is how NOT NULL is
    /// written (it is not shown on a key column).
    pub(crate) fn labels(&self, not_null: &'static str) -> Vec<&'static str> {
        [
            (self.pk, "PK"),
            (self.fk, "FK"),
            (self.uk, "UK"),
            (self.not_null && !self.pk, not_null),
        ]
        .into_iter()
        .filter_map(|(on, k)| on.then_some(k))
        .collect()
    }
}

pub(crate) fn marks(r: &dyn Rules, schema: &Schema, table: &Table, column: &str) -> Marks {
    let has = |columns: &[String]| columns.iter().any(|c| r.same_name(c, column));
    let unique_index = schema.indexes.values().any(|i| {
        i.unique
            && i.predicate.is_none()
            && r.same_name(&i.table, &table.name)
            && i.columns
                .iter()
                .all(|c| matches!(&c.term, IndexTerm::Column(_)))
            && i.columns
                .iter()
                .any(|c| matches!(&c.term, IndexTerm::Column(n) if r.same_name(n, column)))
    });
    Marks {
        pk: table
            .primary_key
            .as_ref()
            .is_some_and(|pk| has(&pk.columns)),
        fk: table.foreign_keys.iter().any(|fk| has(&fk.columns)),
        uk: table.uniques.iter().any(|u| has(&u.columns)) || unique_index,
        not_null: table.column(r, column).is_some_and(|c| c.not_null),
    }
}

/// The table a foreign key names, as the schema spells it (`None` when the
/// schema has no such table).
fn referenced<'a>(r: &dyn Rules, schema: &'a Schema, name: &str) -> Option<&'a Table> {
    schema.table(r, name)
}

/// A foreign key's columns as an edge label: `user_id → id`, `(a, b) →
/// (x, y)`, or the referencing columns alone when it names the referenced
/// table's primary key implicitly.
pub(crate) fn fk_label(fk: &strata_schema::ForeignKey) -> String {
    let list = |cols: &[String]| {
        if cols.len() == 1 {
            cols[0].clone()
        } else {
            format!("({})", cols.join(", "))
        }
    };
    if fk.ref_columns.is_empty() {
        list(&fk.columns)
    } else {
        format!("{} → {}", list(&fk.columns), list(&fk.ref_columns))
    }
}

// ---------------------------------------------------------------- Mermaid

/// `schema` as a Mermaid `erDiagram`.
pub fn mermaid(r: &dyn Rules, schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for table in schema.tables.values() {
        let _ = writeln!(out, "    {} {{", entity(&table.name));
        for c in &table.columns {
            let m = marks(r, schema, table, &c.name);
            let ty = word(
                if c.ty.trim().is_empty() {
                    "untyped"
                } else {
                    &c.ty
                },
                true,
            );
            let name = word(&c.name, false);
            let keys: Vec<&str> = [(m.pk, "PK"), (m.fk, "FK"), (m.uk, "UK")]
                .into_iter()
                .filter_map(|(on, k)| on.then_some(k))
                .collect();
            let mut notes = Vec::new();
            if name != c.name {
                notes.push(format!("name: {}", c.name));
            }
            if !c.ty.trim().is_empty() && ty != c.ty {
                notes.push(format!("type: {}", c.ty));
            }
            if m.not_null && !m.pk {
                notes.push("NOT NULL".to_string());
            }
            let _ = write!(out, "        {ty} {name}");
            if !keys.is_empty() {
                let _ = write!(out, " {}", keys.join(", "));
            }
            if !notes.is_empty() {
                let _ = write!(out, " \"{}\"", coded(&notes.join("; ")));
            }
            out.push('\n');
        }
        out.push_str("    }\n");
    }
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            let parent = referenced(r, schema, &fk.ref_table)
                .map_or(fk.ref_table.as_str(), |t| t.name.as_str());
            let required = fk
                .columns
                .iter()
                .all(|c| table.column(r, c).is_some_and(|c| c.not_null));
            let identifying = table.primary_key.as_ref().is_some_and(|pk| {
                fk.columns
                    .iter()
                    .all(|c| pk.columns.iter().any(|p| r.same_name(p, c)))
            });
            let _ = writeln!(
                out,
                "    {} {}{}o{{ {} : \"{}\"",
                entity(parent),
                if required { "||" } else { "|o" },
                if identifying { "--" } else { ".." },
                entity(&table.name),
                coded(&fk_label(fk))
            );
        }
    }
    out
}

/// A quoted Mermaid entity name.
fn entity(name: &str) -> String {
    format!("\"{}\"", coded(name))
}

/// `text` with what Mermaid's quoted names, comments and labels cannot
/// hold (or would read as markup) written as its entity codes. Mermaid
/// also reads any line holding `direction` and a space before `TB`, `BT`,
/// `LR` or `RL` as a direction statement, whatever comes before it: the
/// spaces after `direction` are written as codes too.
fn coded(text: &str) -> String {
    let mut out = String::new();
    let mut after_direction = false;
    for ch in text.chars() {
        if after_direction && (ch.is_whitespace() || ch == '\u{FEFF}') {
            let _ = write!(out, "#{};", u32::from(ch));
            continue;
        }
        match ch {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '%' => out.push_str("#37;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\\' => out.push_str("#92;"),
            c if c.is_control() => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c => out.push(c),
        }
        after_direction = out
            .get(out.len().saturating_sub(9)..)
            .is_some_and(|end| end.eq_ignore_ascii_case("direction"));
    }
    out
}

/// `text` as one bare word of Mermaid's attribute grammar (see the module
/// documentation); `ty` allows the punctuation of types.
fn word(text: &str, ty: bool) -> String {
    let text = text.trim();
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let mut prev: Option<char> = None;
    while let Some(ch) = chars.next() {
        let punct = |c: char| ty && matches!(c, '(' | ')' | ',' | '.');
        if ch.is_whitespace() || ch == '\u{FEFF}' {
            // Spaces around a type's punctuation go; others join words.
            let next = chars.peek().copied();
            let beside = prev.is_some_and(punct) || next.is_some_and(punct);
            let run = next.is_some_and(|c| c.is_whitespace() || c == '\u{FEFF}');
            if !beside && !run {
                out.push('_');
            }
            continue;
        }
        let ok = ch.is_ascii_alphanumeric()
            || ch == '_'
            || ch == '-'
            || punct(ch)
            || u32::from(ch) >= 0xC0;
        out.push(if ok { ch } else { '_' });
        prev = Some(ch);
    }
    let first_ok = out
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || u32::from(c) >= 0xC0);
    // Mermaid reads `PK`, `FK` and `UK` (any case) as keys wherever a
    // word starts with them and an ASCII word character does not follow.
    let lower = out.to_ascii_lowercase();
    let key = ["pk", "fk", "uk"].iter().any(|k| lower.starts_with(k))
        && !lower
            .as_bytes()
            .get(2)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    if !first_ok || key {
        out.insert(0, '_');
    }
    out
}

// ---------------------------------------------------------------- Graphviz

/// `schema` as a Graphviz `digraph`.
pub fn dot(r: &dyn Rules, schema: &Schema) -> String {
    let mut out = String::from(
        "digraph schema {\n    graph [rankdir=LR];\n    node [shape=plaintext, fontname=\"Helvetica\"];\n    edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for table in schema.tables.values() {
        let _ = writeln!(out, "    {} [label=<", node(&table.name));
        out.push_str(
            "        <TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"4\">\n",
        );
        let _ = writeln!(
            out,
            "        <TR><TD COLSPAN=\"3\" BGCOLOR=\"lightgrey\"><B>{}</B></TD></TR>",
            xml(&table.name)
        );
        for (i, c) in table.columns.iter().enumerate() {
            let shown = marks(r, schema, table, &c.name).labels("NOT NULL");
            let _ = writeln!(
                out,
                "        <TR><TD PORT=\"c{i}\" ALIGN=\"LEFT\">{}</TD><TD ALIGN=\"LEFT\">{}</TD><TD PORT=\"k{i}\" ALIGN=\"LEFT\">{}</TD></TR>",
                xml(&c.name),
                xml(&c.ty),
                shown.join(", ")
            );
        }
        out.push_str("        </TABLE>\n    >];\n");
    }
    // Tables a foreign key names that the schema does not have.
    let mut missing: Vec<&str> = Vec::new();
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            if referenced(r, schema, &fk.ref_table).is_none()
                && !missing.iter().any(|m| r.same_name(m, &fk.ref_table))
            {
                missing.push(&fk.ref_table);
            }
        }
    }
    for name in &missing {
        let _ = writeln!(
            out,
            "    {} [label=<<I>{} (not in the schema)</I>>];",
            node(name),
            xml(name)
        );
    }
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            let from = fk.columns.first().and_then(|c| table.column_position(r, c));
            let parent = referenced(r, schema, &fk.ref_table);
            let to = parent.and_then(|p| {
                let column = fk
                    .ref_columns
                    .first()
                    .or_else(|| p.primary_key.as_ref().and_then(|pk| pk.columns.first()));
                column.and_then(|c| p.column_position(r, c))
            });
            let parent = parent.map_or(fk.ref_table.as_str(), |p| p.name.as_str());
            // Out of the right side of the referencing row (its last cell,
            // port kN) into the left of the referenced one (its first
            // cell, port cN): rankdir=LR puts the referenced table to the
            // right. A table's edge to itself loops on its right side.
            let own = r.same_name(&table.name, parent);
            let from = match from {
                Some(i) => format!("{}:k{i}:e", node(&table.name)),
                None => node(&table.name),
            };
            let to = match to {
                Some(i) if own => format!("{}:k{i}:e", node(parent)),
                Some(i) => format!("{}:c{i}:w", node(parent)),
                None => node(parent),
            };
            let _ = writeln!(out, "    {from} -> {to} [label=<{}>];", xml(&fk_label(fk)));
        }
    }
    out.push_str("}\n");
    out
}

/// A quoted DOT node name: inside quotes DOT reads `\"` as a quote and
/// keeps every other character, a backslash pair included.
fn node(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `text` as the text of an HTML-like label.
fn xml(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_words_keep_what_mermaid_reads_and_replace_the_rest() {
        assert_eq!(word("user_id", false), "user_id");
        assert_eq!(word("first name", false), "first_name");
        assert_eq!(word("a\"b", false), "a_b");
        assert_eq!(word("1st", false), "_1st");
        assert_eq!(word("名前", false), "名前");
        assert_eq!(word("µ", false), "_");
        assert_eq!(word("pk", false), "_pk");
        assert_eq!(word("FK", false), "_FK");
        assert_eq!(word("uk-2", false), "_uk-2");
        assert_eq!(word("pkey", false), "pkey");
        assert_eq!(word("pk_id", false), "pk_id");
        assert_eq!(word("varchar(50)", true), "varchar(50)");
        assert_eq!(word("numeric(10, 2)", true), "numeric(10,2)");
        assert_eq!(word("double  precision", true), "double_precision");
        assert_eq!(word("unsigned big int", true), "unsigned_big_int");
    }

    #[test]
    fn coded_text_holds_no_character_a_quoted_name_cannot() {
        assert_eq!(coded("a \"b\" 100%"), "a #quot;b#quot; 100#37;");
        assert_eq!(coded("x\\y\nz"), "x#92;y#10;z");
        assert_eq!(coded("#quot;"), "#35;quot;");
        assert_eq!(coded("<b>&"), "#lt;b#gt;#amp;");
        assert_eq!(coded("my Direction  LR"), "my Direction#32;#32;LR");
    }

    #[test]
    fn dot_names_and_labels_are_escaped() {
        assert_eq!(node("a\"b\\"), "\"a\\\"b\\\\\"");
        assert_eq!(xml("<a & 'b'>\u{1}"), "&lt;a &amp; &#39;b&#39;&gt;\u{FFFD}");
    }
}
