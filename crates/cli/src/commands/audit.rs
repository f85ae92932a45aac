//! `strata report --out FILE.html [--db FILE ...]`: one self-contained
//! HTML file for an audit: the verify verdict and head, the state of each
//! database given (the reconciler's survey, as `status` and `check` read
//! it; one that cannot be read is said so in the page), the schema at head
//! as an inline SVG diagram (`html::svg`), each table's blame and history
//! (`blame`'s walk), and the timeline of every event, oldest first (who,
//! when, why, its ops and their SQL, tags, reverts linked to the events
//! they undo). No script, no stylesheet, font or image from elsewhere: it
//! opens offline. Nothing in it depends on when it was made: the same
//! ledger and databases give the same bytes. The file is written whole to
//! a fresh file beside it and renamed into place (never through a
//! symlink).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use strata_ledger::{Body, Entry, Ledger, VerifyReport};
use strata_schema::Schema;

use super::blame::{history, objects, Events, Object, Stamp};
use super::target::{reconciler, render_difference};
use crate::context::Context;
use crate::describe::{body_line, definition, name, origin_line, summary};
use crate::failure::{exit, Failure};
use crate::html::{escape, svg};
use crate::report::{self, count, Text};
use strata_target::Target;

pub const EXAMPLES: &str = "Examples:
  strata report --out audit.html
  strata report --out audit.html --db app.db --db staging.db";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The HTML file to write (replaced whole if it exists).
    #[arg(long, value_name = "FILE.html")]
    pub out: PathBuf,
    /// A database whose position and drift the report shows (repeatable).
    #[arg(long = "db", value_name = "FILE")]
    pub dbs: Vec<PathBuf>,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let (dir, file) = destination(&args.out)?;
    let ledger = cx.ledger()?;
    super::target::dialect_of(&ledger)?;
    let head = ledger.head_seq();
    let head_entry = match head {
        0 => None,
        seq => ledger.event(seq)?,
    };
    let verdict = match ledger.verify(false) {
        Ok(VerifyReport::Ok(_)) => Verdict::Ok,
        Ok(VerifyReport::Broken(problem)) => Verdict::Broken(problem.to_string()),
        Err(e) => Verdict::Broken(Failure::from(e).message),
    };
    let databases: Vec<Database> = args.dbs.iter().map(|p| survey(&ledger, p)).collect();
    let schema = ledger.schema_at(head)?;
    let page = page(&ledger, head_entry.as_ref(), &verdict, &databases, &schema)?;
    strata_ledger::replace_file(&dir, &file, page.as_bytes())
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", args.out.display())))?;
    cx.report(&Report {
        databases,
        events: head,
        head: head_entry.as_ref().map(|e| e.hash.to_string()),
        out: &args.out,
        tables: schema.tables.len(),
        verified: matches!(verdict, Verdict::Ok),
    })?;
    Ok(exit::OK)
}

/// The folder and file name to write `out` as, refused when it names a
/// folder or has no file name.
fn destination(out: &Path) -> Result<(PathBuf, String), Failure> {
    let file = out
        .file_name()
        .and_then(|f| f.to_str())
        .filter(|_| !out.is_dir())
        .ok_or_else(|| {
            Failure::new(format!("--out {} does not name a file", out.display()))
                .help("give the HTML file to write: strata report --out audit.html")
        })?;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Failure::new(format!(
            "cannot write {}: the folder {} does not exist",
            out.display(),
            dir.display()
        )));
    }
    Ok((dir, file.to_string()))
}

enum Verdict {
    Ok,
    Broken(String),
}

/// Where one database stands, as the page and the JSON say it. (JSON
/// fields in alphabetical order.)
#[derive(Serialize)]
struct Database {
    db: String,
    drift: Vec<String>,
    /// Why it could not be read, when it could not.
    error: Option<String>,
    /// The hash of the point it records.
    hash: Option<String>,
    /// Events between its point and head (tags left out).
    pending: u64,
    seq: u64,
    /// `ok`, `pending`, `drift`, `unapplied` or `unreadable`.
    state: &'static str,
}

/// The survey of the database at `path`, or why there is none.
fn survey(ledger: &Ledger, path: &Path) -> Database {
    let mut d = Database {
        db: super::any::shown(&path).to_string(),
        drift: Vec::new(),
        error: None,
        hash: None,
        pending: 0,
        seq: 0,
        state: "unreadable",
    };
    let read = || -> Result<(strata_reconcile::Survey, u64), Failure> {
        if !super::any::is_url(path) && !path.is_file() {
            return Err(Failure::new(format!(
                "{} does not exist",
                super::any::shown(&path)
            )));
        }
        let r = reconciler(ledger)?;
        let survey = r.survey(&r.open(path)?)?;
        let mut pending = 0;
        for entry in ledger.events_from(survey.standing.seq + 1) {
            if !matches!(entry?.event.body, Body::Tag { .. }) {
                pending += 1;
            }
        }
        Ok((survey, pending))
    };
    let target = match super::target::target(ledger) {
        Ok(t) => t,
        Err(e) => {
            d.error = Some(e.message);
            return d;
        }
    };
    match read() {
        Err(e) => d.error = Some(e.message),
        Ok((survey, pending)) => {
            let at = &survey.standing;
            d.seq = at.seq;
            d.hash = at.position.map(|p| p.hash.to_string());
            d.pending = pending;
            d.drift = survey
                .drift
                .iter()
                .map(|d| render_difference(target, d))
                .collect();
            d.state = if !d.drift.is_empty() {
                "drift"
            } else if at.position.is_none() && ledger.head_seq() > 0 {
                "unapplied"
            } else if pending > 0 || at.detour.is_some() {
                "pending"
            } else {
                "ok"
            };
        }
    }
    d
}

/// What `report` says once the file is written.
#[derive(Serialize)]
struct Report<'a> {
    databases: Vec<Database>,
    events: u64,
    head: Option<String>,
    out: &'a Path,
    tables: usize,
    verified: bool,
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        out.say(format_args!(
            "wrote {}: {}, {}, {}{}",
            self.out.display(),
            count(self.events as usize, "event", "events"),
            count(self.tables, "table", "tables"),
            count(self.databases.len(), "database", "databases"),
            if self.verified {
                ""
            } else {
                "; the ledger did not verify (see the page)"
            }
        ))?;
        for d in &self.databases {
            if let Some(e) = &d.error {
                out.warn(format_args!("{}: {e}", d.db));
            }
        }
        Ok(())
    }
}

const STYLE: &str = "
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1f2933; background: #f5f7fa; margin: 0; }
header { background: #34495e; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 6px; font-size: 24px; }
header a { color: #d6e4f0; }
main { padding: 8px 32px 40px; max-width: 1200px; }
section { background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 12px 20px; margin: 16px 0; }
h2 { font-size: 19px; margin: 6px 0 10px; }
h3 { font-size: 16px; margin: 14px 0 6px; }
code, pre { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f0f4f8; padding: 6px 10px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; margin: 4px 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; }
.ok { color: #1f7a3f; font-weight: 600; }
.bad { color: #b42318; font-weight: 600; }
.warn { color: #9a6700; font-weight: 600; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline > li { border-left: 4px solid #7b8794; padding: 6px 12px; margin: 10px 0; background: #fbfcfd; }
ol.timeline > li.revert { border-left-color: #b42318; }
ol.timeline > li.baseline { border-left-color: #1f7a3f; }
ol.timeline > li.tag { border-left-color: #9a6700; }
.meta { color: #52606d; font-size: 13px; }
.meta .seq { font-weight: 700; color: #1f2933; }
.message { margin: 4px 0; font-weight: 600; }
.label { display: inline-block; background: #fff3c4; color: #7c5e10; border-radius: 3px; padding: 0 6px; font-size: 12px; margin-left: 4px; }
ul.ops { margin: 4px 0; padding-left: 18px; }
.diagram { max-width: 100%; height: auto; font: 12px ui-monospace, Menlo, Consolas, monospace; }
.scroll { overflow-x: auto; }
";

/// The whole page.
fn page(
    ledger: &Ledger,
    head: Option<&Entry>,
    verdict: &Verdict,
    databases: &[Database],
    schema: &Schema,
) -> Result<String, Failure> {
    let r = ledger.rules();
    let mut h = String::new();
    let ledger_name = ledger.dir().file_name().map_or_else(
        || ledger.dir().display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>strata report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>Schema history: {}</h1>\n",
        escape(&ledger_name),
        escape(&ledger_name)
    );
    match head {
        Some(e) => {
            let _ = writeln!(
                h,
                "<p id=\"head\">{} · head is <a href=\"#event-{seq}\">event {seq}</a>, <code>{}</code>, recorded {} by {} · dialect {}</p>",
                count(e.event.seq as usize, "event", "events"),
                e.hash,
                escape(&e.event.at.to_string()),
                escape(&e.event.author),
                escape(ledger.dialect().as_str()),
                seq = e.event.seq
            );
        }
        None => h.push_str("<p id=\"head\">The ledger has no events.</p>\n"),
    }
    h.push_str("<p>This page was made by <code>strata report</code> from the ledger and the databases named; it shows them as of the head above.</p>\n");
    h.push_str("<nav><a href=\"#verify\">Verify</a> · <a href=\"#databases\">Databases</a> · <a href=\"#diagram\">Diagram</a> · <a href=\"#tables\">Tables</a> · <a href=\"#timeline\">Timeline</a></nav>\n</header>\n<main>\n");

    // Verify.
    h.push_str("<section id=\"verify\">\n<h2>Verify</h2>\n");
    match verdict {
        Verdict::Ok => {
            let _ = writeln!(
                h,
                "<p class=\"ok\" id=\"verdict\">The ledger is whole: every hash and link of its {} checks out.</p>",
                count(ledger.head_seq() as usize, "event", "events")
            );
        }
        Verdict::Broken(problem) => {
            let _ = writeln!(
                h,
                "<p class=\"bad\" id=\"verdict\">The ledger is broken: {}</p>",
                escape(problem)
            );
        }
    }
    if let Some(e) = head {
        let _ = writeln!(h, "<p>Head hash: <code>{}</code></p>", e.hash);
    }
    h.push_str("</section>\n");

    // Databases.
    h.push_str("<section id=\"databases\">\n<h2>Databases</h2>\n");
    if databases.is_empty() {
        h.push_str("<p>No database was given (<code>--db FILE</code>).</p>\n");
    } else {
        h.push_str("<table>\n<thead><tr><th>Database</th><th>State</th><th>Position</th><th>Pending</th><th>Drift</th></tr></thead>\n<tbody>\n");
        for d in databases {
            let (class, state) = match d.state {
                "ok" => ("ok", "at head, no drift"),
                "pending" => ("warn", "events pending"),
                "unapplied" => ("warn", "not applied to by strata"),
                "drift" => ("bad", "drifted"),
                _ => ("bad", "cannot be read"),
            };
            let position = match (&d.error, &d.hash) {
                (Some(e), _) => escape(e),
                (None, Some(hash)) => format!(
                    "<a href=\"#event-{seq}\">event {seq}</a> <code>{}</code>",
                    &hash[..12.min(hash.len())],
                    seq = d.seq
                ),
                (None, None) if d.seq > 0 => {
                    format!("the schema of baseline event {}", d.seq)
                }
                (None, None) => "point 0".to_string(),
            };
            let drift = if d.drift.is_empty() {
                "none".to_string()
            } else {
                let items: Vec<String> = d
                    .drift
                    .iter()
                    .map(|x| format!("<li>{}</li>", escape(x)))
                    .collect();
                format!("<ul>{}</ul>", items.join(""))
            };
            let _ = writeln!(
                h,
                "<tr class=\"db\"><td><code>{}</code></td><td class=\"{class}\">{state}</td><td>{position}</td><td>{}</td><td>{drift}</td></tr>",
                escape(&d.db),
                if d.error.is_some() {
                    "–".to_string()
                } else {
                    d.pending.to_string()
                }
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");

    // Diagram.
    h.push_str("<section id=\"diagram\">\n<h2>The schema at head</h2>\n<div class=\"scroll\">\n");
    h.push_str(&svg(r, schema));
    h.push_str("\n</div>\n</section>\n");

    // Tables: blame and history, from one walk.
    let blame = ledger.blame_at(ledger.head_seq())?;
    let mut events = Events::new(ledger);
    h.push_str("<section id=\"tables\">\n<h2>Tables</h2>\n");
    if schema.tables.is_empty() {
        h.push_str("<p>The schema has no tables.</p>\n");
    }
    for (i, table) in schema.tables.values().enumerate() {
        let _ = writeln!(
            h,
            "<article class=\"table\" id=\"table-{i}\">\n<h3>{}</h3>",
            escape(&table.name)
        );
        let objs = objects(r, schema, &blame, table, &mut events)?;
        h.push_str("<table class=\"blame\">\n<thead><tr><th>Object</th><th>Made by</th><th>Author</th><th>Time</th><th>Message</th></tr></thead>\n<tbody>\n");
        for o in &objs {
            blame_row(&mut h, o);
        }
        h.push_str("</tbody>\n</table>\n");
        let trace = blame
            .tables
            .get(&r.key(&table.name))
            .map(|t| t.trace.clone())
            .unwrap_or_default();
        let lines = history(r, &trace, &table.name, None, &mut events)?;
        let _ = writeln!(
            h,
            "<p>History ({}):</p>\n<ol class=\"history\">",
            count(lines.len(), "event", "events")
        );
        for line in &lines {
            let _ = writeln!(
                h,
                "<li>{} {}: {}</li>",
                event_link(&line.event),
                escape(first_line(&line.event.message)),
                escape(&line.ops.join("; "))
            );
        }
        h.push_str("</ol>\n</article>\n");
    }
    h.push_str("</section>\n");

    // Timeline, streamed oldest first.
    let mut tags: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for tag in ledger.tags()? {
        tags.entry(tag.target).or_default().push(tag.name);
    }
    h.push_str("<section id=\"timeline\">\n<h2>Timeline</h2>\n");
    if let Some(names) = tags.get(&0) {
        let _ = writeln!(
            h,
            "<p>Point 0 (the empty schema) is tagged {}.</p>",
            escape(&names.join(", "))
        );
    }
    h.push_str("<ol class=\"timeline\">\n");
    let target = super::target::target(ledger)?;
    for entry in ledger.events_from(1) {
        let entry = entry?;
        timeline_item(&mut h, target, &entry, tags.get(&entry.event.seq));
    }
    h.push_str("</ol>\n</section>\n</main>\n</body>\n</html>\n");
    Ok(h)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn event_link(e: &Stamp) -> String {
    format!("<a href=\"#event-{seq}\">event {seq}</a>", seq = e.seq)
}

fn blame_row(h: &mut String, o: &Object) {
    let _ = writeln!(
        h,
        "<tr><td><code>{}</code></td><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
        escape(&o.label()),
        event_link(&o.event),
        &o.event.hash[..12.min(o.event.hash.len())],
        escape(&o.event.author),
        escape(&o.event.at),
        escape(first_line(&o.event.message))
    );
    for rn in &o.renames {
        let _ = writeln!(
            h,
            "<tr class=\"rename\"><td>↳ renamed {} → {}</td><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&name(&rn.from)),
            escape(&name(&rn.to)),
            event_link(&rn.event),
            &rn.event.hash[..12.min(rn.event.hash.len())],
            escape(&rn.event.author),
            escape(&rn.event.at),
            escape(first_line(&rn.event.message))
        );
    }
}

fn timeline_item(
    h: &mut String,
    target: &super::any::AnyTarget,
    entry: &Entry,
    tags: Option<&Vec<String>>,
) {
    let e = &entry.event;
    let seq = e.seq;
    let _ = write!(
        h,
        "<li class=\"event {kind}\" id=\"event-{seq}\">\n<div class=\"meta\"><a class=\"seq\" href=\"#event-{seq}\">event {seq}</a> · {kind} · <code title=\"{hash}\">{short}</code> · <span class=\"author\">{}</span> · <time datetime=\"{at}\">{at}</time>",
        escape(&e.author),
        kind = e.body.kind(),
        hash = entry.hash,
        short = entry.hash.short(12),
        at = escape(&e.at.to_string()),
    );
    for t in tags.into_iter().flatten() {
        let _ = write!(h, " <span class=\"label\">tag {}</span>", escape(t));
    }
    h.push_str("</div>\n");
    let _ = writeln!(
        h,
        "<p class=\"message\">{}</p>",
        escape(&e.message).replace('\n', "<br>")
    );
    if let Some(o) = origin_line(e) {
        let _ = writeln!(h, "<p class=\"origin\">{}</p>", escape(&o));
    }
    match &e.body {
        Body::Revert { of, .. } => {
            let links: Vec<String> = of
                .iter()
                .map(|s| format!("<a href=\"#event-{s}\">event {s}</a>"))
                .collect();
            let _ = writeln!(h, "<p class=\"reverts\">Undoes {}.</p>", links.join(", "));
        }
        Body::Tag { name: n, target } => {
            let to = if *target == 0 {
                "point 0 (the empty schema)".to_string()
            } else {
                format!("<a href=\"#event-{target}\">event {target}</a>")
            };
            let _ = writeln!(h, "<p>Tag <b>{}</b> names {to}.</p>", escape(n));
        }
        Body::Baseline { schema } => {
            if let Some(line) = body_line(&e.body) {
                let _ = writeln!(h, "<p>{}</p>", escape(&line));
            }
            let sql: Vec<String> = target.render(schema).into_iter().map(|s| s + ";").collect();
            if !sql.is_empty() {
                let _ = writeln!(h, "<pre><code>{}</code></pre>", escape(&sql.join("\n")));
            }
        }
        Body::Change { .. } => {}
    }
    let ops = e.body.ops();
    if !ops.is_empty() {
        h.push_str("<ul class=\"ops\">\n");
        for op in ops {
            let _ = write!(h, "<li>{}", escape(&summary(op)));
            if let Some(sql) = definition(op) {
                let _ = write!(h, "<pre><code>{}</code></pre>", escape(&sql));
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ul>\n");
    }
    if let Body::Change {
        revert_sql: Some(sql),
        ..
    } = &e.body
    {
        let _ = writeln!(
            h,
            "<details><summary>SQL recorded to undo it</summary><pre><code>{}</code></pre></details>",
            escape(sql)
        );
    }
    h.push_str("</li>\n");
}
