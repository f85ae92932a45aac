//! HTML for `strata report`: text escaped for HTML, and the schema as an
//! inline SVG entity-relationship diagram laid out here, deterministically
//! (no script, no font or image from anywhere: the page must open
//! offline).
//!
//! The layout: tables in schema order (by key) on a grid of at most four
//! columns, each a box with its name in a header and one row per column
//! (name, type, PK / FK / UK / NOT NULL marks); a foreign key is a line
//! from its first column's row to the referenced table's column (or its
//! header), ending in an arrow, drawn under the boxes; a table's key to
//! itself is a loop on its right side. Long names are cut with `…` and
//! kept whole in a `<title>`.

use std::fmt::Write;

use strata_schema::{Rules, Schema, Table};

use crate::diagram::{fk_label, marks};

/// `text` escaped for HTML text and attribute values (quoted with `"`);
/// control characters other than tab, newline and carriage return become
/// U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const CHAR_W: f64 = 7.2;
const ROW_H: f64 = 18.0;
const HEAD_H: f64 = 26.0;
const GAP_X: f64 = 90.0;
const GAP_Y: f64 = 50.0;
const MARGIN: f64 = 20.0;
const MAX_CHARS: usize = 40;

/// `text` cut to `max` characters, with `…` when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Where a table's box is.
struct Placed<'a> {
    table: &'a Table,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    /// Each row's text: name, type, marks.
    rows: Vec<(String, String, String)>,
}

/// `schema` as an `<svg>` element.
pub fn svg(r: &dyn Rules, schema: &Schema) -> String {
    if schema.tables.is_empty() {
        return "<svg class=\"diagram\" width=\"320\" height=\"60\" viewBox=\"0 0 320 60\" role=\"img\" aria-label=\"the schema has no tables\"><text x=\"20\" y=\"35\">The schema has no tables.</text></svg>".to_string();
    }
    let mut boxes: Vec<Placed> = schema
        .tables
        .values()
        .map(|t| {
            let rows: Vec<(String, String, String)> = t
                .columns
                .iter()
                .map(|c| {
                    let shown = marks(r, schema, t, &c.name).labels("NN");
                    (c.name.clone(), c.ty.clone(), shown.join(" "))
                })
                .collect();
            let chars = rows
                .iter()
                .map(|(n, ty, k)| {
                    cut(n, MAX_CHARS).chars().count()
                        + cut(ty, 20).chars().count()
                        + k.chars().count()
                        + 4
                })
                .chain(std::iter::once(cut(&t.name, MAX_CHARS).chars().count() + 2))
                .max()
                .unwrap_or(10);
            Placed {
                table: t,
                x: 0.0,
                y: 0.0,
                w: (chars as f64 * CHAR_W + 20.0).max(140.0),
                h: HEAD_H + ROW_H * rows.len().max(1) as f64 + 6.0,
                rows,
            }
        })
        .collect();
    let n = boxes.len();
    let per_row = (1..=4).find(|k| k * k >= n).unwrap_or(4);
    let col_w: Vec<f64> = (0..per_row)
        .map(|c| {
            boxes
                .iter()
                .skip(c)
                .step_by(per_row)
                .map(|b| b.w)
                .fold(0.0, f64::max)
        })
        .collect();
    let mut y = MARGIN;
    for chunk in boxes.chunks_mut(per_row) {
        let mut x = MARGIN;
        let tallest = chunk.iter().map(|b| b.h).fold(0.0, f64::max);
        for (i, b) in chunk.iter_mut().enumerate() {
            b.x = x;
            b.y = y;
            x += col_w[i] + GAP_X;
        }
        y += tallest + GAP_Y;
    }
    let width = MARGIN + col_w.iter().sum::<f64>() + GAP_X * (per_row as f64 - 1.0) + MARGIN + 40.0;
    let height = y - GAP_Y + MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg class=\"diagram\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"entity-relationship diagram of the schema at head\">"
    );
    out.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#5b6b7f\"/></marker></defs>\n");
    // The edges first, under the boxes.
    for b in &boxes {
        for fk in &b.table.foreign_keys {
            let from_row = fk
                .columns
                .first()
                .and_then(|c| b.table.column_position(r, c))
                .unwrap_or(0);
            let Some(p) = boxes
                .iter()
                .find(|p| r.same_name(&p.table.name, &fk.ref_table))
            else {
                continue;
            };
            let to_row = fk
                .ref_columns
                .first()
                .or_else(|| {
                    p.table
                        .primary_key
                        .as_ref()
                        .and_then(|pk| pk.columns.first())
                })
                .and_then(|c| p.table.column_position(r, c));
            let fy = b.y + HEAD_H + ROW_H * (from_row as f64 + 0.5);
            let ty = match to_row {
                Some(i) => p.y + HEAD_H + ROW_H * (i as f64 + 0.5),
                None => p.y + HEAD_H / 2.0,
            };
            let label = escape(&fk_label(fk));
            let d = if std::ptr::eq(b.table, p.table) {
                let x = b.x + b.w;
                format!(
                    "M {x:.1} {fy:.1} C {:.1} {fy:.1} {:.1} {ty:.1} {x:.1} {ty:.1}",
                    x + 40.0,
                    x + 40.0
                )
            } else if p.x >= b.x + b.w {
                let (x1, x2) = (b.x + b.w, p.x);
                let mid = (x1 + x2) / 2.0;
                format!("M {x1:.1} {fy:.1} C {mid:.1} {fy:.1} {mid:.1} {ty:.1} {x2:.1} {ty:.1}")
            } else if p.x + p.w <= b.x {
                let (x1, x2) = (b.x, p.x + p.w);
                let mid = (x1 + x2) / 2.0;
                format!("M {x1:.1} {fy:.1} C {mid:.1} {fy:.1} {mid:.1} {ty:.1} {x2:.1} {ty:.1}")
            } else {
                // The same grid column: out of the left side and back in.
                let (x1, x2) = (b.x, p.x);
                let out_x = x1.min(x2) - 30.0;
                format!("M {x1:.1} {fy:.1} C {out_x:.1} {fy:.1} {out_x:.1} {ty:.1} {x2:.1} {ty:.1}")
            };
            let _ = writeln!(
                out,
                "<path class=\"fk\" d=\"{d}\" fill=\"none\" stroke=\"#5b6b7f\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"><title>{} → {}: {label}</title></path>",
                escape(&b.table.name),
                escape(&p.table.name)
            );
        }
    }
    for b in &boxes {
        let _ = writeln!(
            out,
            "<g class=\"table\"><title>{}</title>",
            escape(&b.table.name)
        );
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"4\" fill=\"#ffffff\" stroke=\"#34495e\" stroke-width=\"1.5\"/>",
            b.x, b.y, b.w, b.h
        );
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{HEAD_H}\" rx=\"4\" fill=\"#34495e\"/>",
            b.x, b.y, b.w
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#ffffff\" font-weight=\"bold\">{}</text>",
            b.x + 10.0,
            b.y + 17.0,
            escape(&cut(&b.table.name, MAX_CHARS))
        );
        for (i, (name, ty, keys)) in b.rows.iter().enumerate() {
            let y = b.y + HEAD_H + ROW_H * (i as f64 + 1.0) - 4.0;
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{y:.1}\"><tspan>{}</tspan> <tspan fill=\"#5b6b7f\">{}</tspan> <tspan fill=\"#b0602b\" font-weight=\"bold\">{}</tspan></text>",
                b.x + 10.0,
                escape(&cut(name, MAX_CHARS)),
                escape(&cut(ty, 20)),
                keys
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>\u{1}\n"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\u{FFFD}\n"
        );
    }

    #[test]
    fn cuts_long_names() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }
}
