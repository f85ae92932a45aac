//! `strata blame TABLE[.COLUMN]`: for a table, each of its columns,
//! constraints and indexes, the triggers and views that use it, the event
//! that made it what it is now, with the renames it went through since;
//! for a column, that and every event that touched it. The walk is the
//! ledger's (`Ledger::blame_at`: one streaming pass, oldest first); this
//! module finds the objects in the schema at the point, looks up the
//! events it names, and renders them. `report` shows each table through
//! the same functions.

use std::collections::BTreeMap;

use serde::Serialize;
use strata_ledger::{Blame, Body, Ledger, Point, Rename, Trace};
use strata_schema::{Op, Rules, Schema, Table};
use strata_sqlite::render::{
    render_check, render_column_def, render_foreign_key, render_index, render_unique,
};

use crate::context::{parse_point, Context};
use crate::describe::{body_line, name, summary};
use crate::failure::{exit, Failure};
use crate::report::{self, count, Text};

pub const EXAMPLES: &str = "Examples:
  strata blame users
  strata blame users.email
  strata blame orders --at v1.0
  strata --json blame users";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A table, or a column as TABLE.COLUMN.
    #[arg(value_name = "TABLE[.COLUMN]")]
    pub target: String,
    /// Blame the schema as it was at this point (default head).
    #[arg(long, value_parser = parse_point, default_value = "head", value_name = "POINT")]
    pub at: Point,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let ledger = cx.ledger()?;
    super::target::dialect_of(&ledger)?;
    let seq = ledger.resolve(&args.at)?;
    let schema = ledger.schema_at(seq)?;
    let r = ledger.rules();
    let (table, column) = find(r, &schema, &args.target, seq)?;
    let blame = ledger.blame_at(seq)?;
    let mut events = Events::new(&ledger);
    let head = ledger.head_seq();
    match column {
        None => {
            let objects = objects(r, &schema, &blame, table, &mut events)?;
            cx.report(&TableReport {
                at: seq,
                head,
                objects,
                table: table.name.clone(),
            })?;
        }
        Some(column) => {
            let c = table
                .column(r, column)
                .ok_or_else(|| Failure::new(format!("no column {column}")))?;
            let trace = blame
                .tables
                .get(&r.key(&table.name))
                .and_then(|t| t.columns.get(&r.key(&c.name)))
                .cloned()
                .unwrap_or_default();
            let of_table = blame
                .tables
                .get(&r.key(&table.name))
                .map(|t| t.trace.clone())
                .unwrap_or_default();
            let history = history(
                r,
                &of_table,
                &table.name,
                Some((&c.name, &trace)),
                &mut events,
            )?;
            cx.report(&ColumnReport {
                at: seq,
                column: c.name.clone(),
                definition: render_column_def(c),
                event: events.stamp(trace.made)?,
                head,
                history,
                renames: renames(&trace.renames, &mut events)?,
                table: table.name.clone(),
            })?;
        }
    }
    Ok(exit::OK)
}

/// The table (and column) `target` names at `seq`, or the failure that
/// names what exists nearby.
fn find<'a>(
    r: &dyn Rules,
    schema: &'a Schema,
    target: &'a str,
    seq: u64,
) -> Result<(&'a Table, Option<&'a str>), Failure> {
    if let Some(t) = schema.table(r, target) {
        return Ok((t, None));
    }
    // TABLE.COLUMN: the first dot after which the rest names a column of
    // the table before it (a table's name may hold dots).
    let mut nearest_table = None;
    for (i, _) in target.match_indices('.') {
        let (t, c) = (&target[..i], &target[i + 1..]);
        if let Some(table) = schema.table(r, t) {
            if table.column(r, c).is_some() {
                return Ok((table, Some(c)));
            }
            nearest_table.get_or_insert((table, c));
        }
    }
    let point = at_point(seq);
    if let Some((table, c)) = nearest_table {
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        return Err(Failure::new(format!(
            "table {} has no column {} {point}{}",
            name(&table.name),
            name(c),
            did_you_mean(c, &names)
        ))
        .help(format!("its columns: {}", listed(&names))));
    }
    let names: Vec<&str> = schema.tables.values().map(|t| t.name.as_str()).collect();
    if names.is_empty() {
        return Err(Failure::new(format!(
            "no table {} {point}: the schema has no tables there",
            name(target)
        )));
    }
    Err(Failure::new(format!(
        "no table {} {point}{}",
        name(target),
        did_you_mean(target, &names)
    ))
    .help(format!("the tables {point}: {}", listed(&names))))
}

fn at_point(seq: u64) -> String {
    if seq == 0 {
        "at point 0".to_string()
    } else {
        format!("at event {seq}")
    }
}

/// `; did you mean X?` for the names within a small edit distance of
/// `wanted` (or that it starts or ends), closest first.
fn did_you_mean(wanted: &str, names: &[&str]) -> String {
    let w = wanted.to_lowercase();
    let mut near: Vec<(usize, &str)> = names
        .iter()
        .filter_map(|n| {
            let l = n.to_lowercase();
            let d = distance(&w, &l);
            let close = d <= (w.chars().count() / 3).max(1)
                || (w.len() >= 3 && (l.starts_with(&w) || w.starts_with(&l)));
            close.then_some((d, *n))
        })
        .collect();
    near.sort();
    near.truncate(3);
    if near.is_empty() {
        return String::new();
    }
    let list: Vec<String> = near.iter().map(|(_, n)| name(n)).collect();
    format!("; did you mean {}?", list.join(" or "))
}

/// The names, at most ten of them.
fn listed(names: &[&str]) -> String {
    let mut shown: Vec<String> = names.iter().take(10).map(|n| name(n)).collect();
    if names.len() > 10 {
        shown.push(format!("and {} more", names.len() - 10));
    }
    shown.join(", ")
}

/// The edit distance between `a` and `b` (insertions, deletions,
/// substitutions and swaps of two neighbours), by characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// An event as a blame line names it. (JSON fields in alphabetical order.)
#[derive(Debug, Clone, Serialize)]
pub struct Stamp {
    pub at: String,
    pub author: String,
    pub hash: String,
    pub kind: &'static str,
    pub message: String,
    pub seq: u64,
}

/// The events blame names, each read once.
pub struct Events<'a> {
    ledger: &'a Ledger,
    seen: BTreeMap<u64, (Stamp, Vec<Op>, Option<String>)>,
}

impl<'a> Events<'a> {
    pub fn new(ledger: &'a Ledger) -> Events<'a> {
        Events {
            ledger,
            seen: BTreeMap::new(),
        }
    }

    fn read(&mut self, seq: u64) -> Result<&(Stamp, Vec<Op>, Option<String>), Failure> {
        if !self.seen.contains_key(&seq) {
            let entry = self.ledger.event(seq)?.ok_or_else(|| {
                Failure::new(format!("event {seq} is missing from the ledger"))
                    .with_code(exit::INTEGRITY)
            })?;
            let e = entry.event;
            let stamp = Stamp {
                at: e.at.to_string(),
                author: e.author,
                hash: entry.hash.to_string(),
                kind: e.body.kind(),
                message: e.message,
                seq,
            };
            let line = body_line(&e.body).filter(|_| matches!(e.body, Body::Baseline { .. }));
            let ops = match e.body {
                Body::Change { ops, .. } | Body::Revert { ops, .. } => ops,
                _ => Vec::new(),
            };
            self.seen.insert(seq, (stamp, ops, line));
        }
        Ok(&self.seen[&seq])
    }

    pub fn stamp(&mut self, seq: u64) -> Result<Stamp, Failure> {
        Ok(self.read(seq)?.0.clone())
    }
}

/// A rename, with the event that made it.
#[derive(Debug, Clone, Serialize)]
pub struct Renamed {
    pub event: Stamp,
    pub from: String,
    pub to: String,
}

fn renames(list: &[Rename], events: &mut Events<'_>) -> Result<Vec<Renamed>, Failure> {
    list.iter()
        .map(|r| {
            Ok(Renamed {
                event: events.stamp(r.seq)?,
                from: r.from.clone(),
                to: r.to.clone(),
            })
        })
        .collect()
}

/// One object of a table and the event that made it.
#[derive(Debug, Clone, Serialize)]
pub struct Object {
    /// Its SQL: a column's definition, a constraint's clause, the CREATE
    /// statement of an index, view or trigger; a table's name.
    pub definition: String,
    pub event: Stamp,
    /// `table`, `column`, `primary_key`, `unique`, `check`,
    /// `foreign_key`, `index`, `view` or `trigger`.
    pub kind: &'static str,
    /// Its name, when it has one (a constraint may not).
    pub name: Option<String>,
    /// The renames since the event (tables and columns).
    pub renames: Vec<Renamed>,
}

impl Object {
    /// What the object is, as a blame line ends.
    pub fn label(&self) -> String {
        match self.kind {
            "table" => format!("table {}", self.definition),
            "column" => format!(
                "column {}",
                column_text(self.name.as_deref().unwrap_or(""), &self.definition)
            ),
            "index" | "view" | "trigger" => {
                format!("{} {}", self.kind, name(self.name.as_deref().unwrap_or("")))
            }
            _ => self.definition.clone(),
        }
    }
}

/// A column's definition with its name as prose writes names (bare when
/// plain) rather than quoted as SQL.
fn column_text(column: &str, definition: &str) -> String {
    let quoted = format!("\"{}\"", column.replace('"', "\"\""));
    match definition.strip_prefix(&quoted) {
        Some(rest) => format!("{}{rest}", name(column)),
        None => definition.to_string(),
    }
}

/// Every object of `table` at the blame's point, in the order a reader
/// expects: the table, its columns, its constraints, its indexes, then the
/// triggers on it and the views that read it.
pub fn objects(
    r: &dyn Rules,
    schema: &Schema,
    blame: &Blame,
    table: &Table,
    events: &mut Events<'_>,
) -> Result<Vec<Object>, Failure> {
    let empty = strata_ledger::TableBlame::default();
    let b = blame.tables.get(&r.key(&table.name)).unwrap_or(&empty);
    let mut out = Vec::new();
    let mut push = |kind,
                    name: Option<&str>,
                    definition: String,
                    trace: Trace,
                    events: &mut Events<'_>|
     -> Result<(), Failure> {
        out.push(Object {
            definition,
            event: events.stamp(trace.made)?,
            kind,
            name: name.map(str::to_string),
            renames: renames(&trace.renames, events)?,
        });
        Ok(())
    };
    let made = |seq: Option<&u64>| Trace {
        made: seq.copied().unwrap_or(0),
        ..Trace::default()
    };
    push(
        "table",
        Some(&table.name),
        name(&table.name),
        b.trace.clone(),
        events,
    )?;
    for c in &table.columns {
        let trace = b.columns.get(&r.key(&c.name)).cloned().unwrap_or_default();
        push("column", Some(&c.name), render_column_def(c), trace, events)?;
    }
    if let Some(pk) = &table.primary_key {
        // Quoted as the target's SQL quotes the other constraints.
        let quote = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
        let cols: Vec<String> = pk.columns.iter().map(|c| quote(c)).collect();
        let named = pk
            .name
            .as_ref()
            .map(|n| format!("CONSTRAINT {} ", quote(n)))
            .unwrap_or_default();
        push(
            "primary_key",
            pk.name.as_deref(),
            format!("{named}PRIMARY KEY ({})", cols.join(", ")),
            made(b.primary_key.as_ref()),
            events,
        )?;
    }
    for (i, u) in table.uniques.iter().enumerate() {
        push(
            "unique",
            u.name.as_deref(),
            render_unique(u),
            made(b.uniques.get(i)),
            events,
        )?;
    }
    for (i, c) in table.checks.iter().enumerate() {
        push(
            "check",
            c.name.as_deref(),
            render_check(c),
            made(b.checks.get(i)),
            events,
        )?;
    }
    for (i, fk) in table.foreign_keys.iter().enumerate() {
        push(
            "foreign_key",
            fk.name.as_deref(),
            render_foreign_key(fk),
            made(b.foreign_keys.get(i)),
            events,
        )?;
    }
    for (key, index) in &schema.indexes {
        if r.same_name(&index.table, &table.name) {
            push(
                "index",
                Some(&index.name),
                render_index(index),
                made(blame.indexes.get(key)),
                events,
            )?;
        }
    }
    for (key, trigger) in &schema.triggers {
        let uses = r.same_name(&trigger.table, &table.name)
            || trigger
                .depends_on
                .iter()
                .any(|d| r.same_name(d, &table.name));
        if uses {
            push(
                "trigger",
                Some(&trigger.name),
                trigger.sql.clone(),
                made(blame.triggers.get(key)),
                events,
            )?;
        }
    }
    for (key, view) in &schema.views {
        if view.depends_on.iter().any(|d| r.same_name(d, &table.name)) {
            push(
                "view",
                Some(&view.name),
                view.sql.clone(),
                made(blame.views.get(key)),
                events,
            )?;
        }
    }
    Ok(out)
}

/// One event of a table's or a column's history, with what it did to it.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub event: Stamp,
    /// Its ops on the table (or the column), as `log` words them; a
    /// baseline's line.
    pub ops: Vec<String>,
}

/// The history of a table (or, with `column`, of one of its columns, whose
/// trace is `of_column`): each event of the trace and the ops of it that
/// concern the object, found by walking the table's history back from the
/// names they have now (a column's history is within its table's, which
/// holds the table's renames).
pub fn history(
    r: &dyn Rules,
    trace: &Trace,
    table: &str,
    column: Option<(&str, &Trace)>,
    events: &mut Events<'_>,
) -> Result<Vec<Line>, Failure> {
    let mut t = table.to_string();
    let mut c = column.map(|(c, _)| c.to_string());
    let mut seqs: Vec<u64> = trace.history.clone();
    if let Some((_, of_column)) = column {
        seqs.extend(&of_column.history);
        seqs.sort_unstable();
        seqs.dedup();
    }
    let mut lines = Vec::new();
    for &seq in seqs.iter().rev() {
        let (stamp, ops, baseline) = events.read(seq)?.clone();
        let mut said = Vec::new();
        for op in ops.iter().rev() {
            if concerns(r, op, &mut t, &mut c) {
                said.push(summary(op));
            }
        }
        let shown = match column {
            None => true,
            Some((_, of_column)) => of_column.history.contains(&seq),
        };
        if !shown {
            continue;
        }
        said.reverse();
        if let Some(line) = baseline {
            said.push(line);
        }
        lines.push(Line {
            event: stamp,
            ops: said,
        });
    }
    lines.reverse();
    Ok(lines)
}

/// Whether `op` concerns table `t` (and column `c`), named as they are
/// after it; a rename of either turns the name back to what it was before.
fn concerns(r: &dyn Rules, op: &Op, t: &mut String, c: &mut Option<String>) -> bool {
    use Op::*;
    let on = |table: &str| r.same_name(table, t);
    match (op, c.as_deref()) {
        (RenameTable { from, to }, _) if r.same_name(to, t) => {
            *t = from.clone();
            true
        }
        (RenameColumn { table, from, to }, Some(col)) if on(table) && r.same_name(to, col) => {
            *c = Some(from.clone());
            true
        }
        (CreateTable { table } | DropTable { table }, Some(col)) => {
            on(&table.name) && table.column(r, col).is_some()
        }
        (AddColumn { table, column, .. } | DropColumn { table, column, .. }, Some(col)) => {
            on(table) && r.same_name(&column.name, col)
        }
        (AlterColumn { table, from, .. }, Some(col)) => on(table) && r.same_name(&from.name, col),
        (_, Some(_)) => false,
        (op, None) => op.tables().iter().any(|n| on(n)),
    }
}

/// What `blame TABLE` reports. (JSON fields in alphabetical order.)
#[derive(Serialize)]
struct TableReport {
    /// The point blamed.
    at: u64,
    head: u64,
    objects: Vec<Object>,
    table: String,
}

/// What `blame TABLE.COLUMN` reports.
#[derive(Serialize)]
struct ColumnReport {
    at: u64,
    column: String,
    definition: String,
    /// The event that made the column what it is.
    event: Stamp,
    head: u64,
    /// Every event that touched it, oldest first.
    history: Vec<Line>,
    /// The renames since that event.
    renames: Vec<Renamed>,
    table: String,
}

/// The point as a header says it.
fn header_point(at: u64, head: u64) -> String {
    match (at, at == head) {
        (0, _) => "point 0".to_string(),
        (_, true) => format!("event {at} (head)"),
        _ => format!("event {at}"),
    }
}

/// Blame lines, padded into columns: event, hash, author, time, message,
/// then what the line is about.
pub struct Grid {
    rows: Vec<[String; 6]>,
}

impl Grid {
    pub fn new() -> Grid {
        Grid { rows: Vec::new() }
    }

    pub fn row(&mut self, e: &Stamp, what: String) {
        self.rows.push([
            e.seq.to_string(),
            e.hash.get(..12).unwrap_or(&e.hash).to_string(),
            one_line(&e.author),
            e.at.clone(),
            one_line(e.message.lines().next().unwrap_or("")),
            what,
        ]);
    }

    pub fn lines(&self) -> Vec<String> {
        let width = |i: usize| {
            self.rows
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let w: Vec<usize> = (0..5).map(width).collect();
        self.rows
            .iter()
            .map(|r| {
                format!(
                    "{:>w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {:<w4$}  {}",
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    w0 = w[0],
                    w1 = w[1],
                    w2 = w[2],
                    w3 = w[3],
                    w4 = w[4]
                )
                .trim_end()
                .to_string()
            })
            .collect()
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A blame line for each object, and one under it for each of its renames.
pub fn grid(objects: &[Object]) -> Grid {
    let mut grid = Grid::new();
    for o in objects {
        grid.row(&o.event, one_line(&o.label()));
        for rn in &o.renames {
            grid.row(
                &rn.event,
                format!("  renamed {} -> {}", name(&rn.from), name(&rn.to)),
            );
        }
    }
    grid
}

impl report::Report for TableReport {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let columns = self.objects.iter().filter(|o| o.kind == "column").count();
        out.say(format_args!(
            "table {} at {}: {}, {} other object{}",
            name(&self.table),
            header_point(self.at, self.head),
            count(columns, "column", "columns"),
            self.objects.len() - columns - 1,
            report::plural((self.objects.len() - columns - 1) as u64)
        ))?;
        grid(&self.objects)
            .lines()
            .iter()
            .try_for_each(|l| out.line(l))
    }
}

impl report::Report for ColumnReport {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        out.say(format_args!(
            "column {}.{} at {}: {}",
            name(&self.table),
            name(&self.column),
            header_point(self.at, self.head),
            one_line(&column_text(&self.column, &self.definition))
        ))?;
        let mut made = Grid::new();
        made.row(&self.event, "made it what it is".to_string());
        for rn in &self.renames {
            made.row(
                &rn.event,
                format!("renamed {} -> {}", name(&rn.from), name(&rn.to)),
            );
        }
        made.lines().iter().try_for_each(|l| out.line(l))?;
        out.line(format_args!(
            "history ({}):",
            count(self.history.len(), "event", "events")
        ))?;
        let mut grid = Grid::new();
        for line in &self.history {
            grid.row(&line.event, one_line(&line.ops.join("; ")));
        }
        grid.lines()
            .iter()
            .try_for_each(|l| out.line(format_args!("  {l}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_the_near_names() {
        assert_eq!(distance("users", "userz"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("emial", "email"), 1);
        assert_eq!(
            did_you_mean("userz", &["orders", "users"]),
            "; did you mean users?"
        );
        assert_eq!(did_you_mean("zzz", &["orders", "users"]), "");
        assert_eq!(
            did_you_mean("ord", &["orders", "users"]),
            "; did you mean orders?"
        );
    }
}
