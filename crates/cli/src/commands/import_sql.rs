//! `strata import-sql`: record a folder of plain SQL migrations, one change
//! event per file, in version order, each with its file name as message.
//!
//! The folder follows one of the common naming schemes: Flyway
//! (`V1__name.sql`, with `U1__name.sql` undo files), numbered files as sqlx
//! and Rails write them (`0001_name.sql`, `20240101120000_name.sql`), plain
//! numbers (`1.sql`), or up/down pairs as golang-migrate and sqlx write them
//! (`0001_name.up.sql`, `0001_name.down.sql`). goose and dbmate files are
//! numbered files with up and down sections; an `atlas.sum` beside the
//! files is checked first. `--alembic` reads Alembic's offline SQL instead,
//! one event per revision. Every file is read and resolved, each against the
//! schema the ones before it leave, before anything is appended; so a folder
//! with one statement strata cannot record appends nothing. A file whose
//! name is already the message of a change event is skipped, which makes a
//! second run record only the files added since. Files are read in the
//! ledger's dialect, and every event is proven on the ledger's target
//! (PostgreSQL's on the development database) before the first is
//! appended.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use strata_ledger::Dialect;
use strata_ledger::{Body, Draft, Entry, Ledger};
use strata_reconcile::migrations::{
    check_atlas_sum, folder, sections, FolderError, Layout, Migration, Sections, ATLAS_SUM,
};
use strata_schema::{project, Op};
use strata_target::DdlError;

use crate::context::{print_json, Context};
use crate::describe::{event_json, short, summary, EventJson};
use crate::failure::{exit, Failure};
use crate::flags::{Author, DryRun, When};
use crate::input;
use crate::output;

mod alembic;

pub const EXAMPLES: &str = "Examples:
  strata import-sql migrations/
  strata import-sql --alembic upgrade.sql --alembic-down downgrade.sql --alembic-log upgrade.log
  strata import-sql --dry-run db/migrate
  strata --json import-sql --author ci --timestamp 2026-01-01T00:00:00Z migrations/";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of migration files (other files and subfolders are ignored).
    #[arg(required_unless_present = "alembic")]
    pub dir: Option<PathBuf>,
    /// Record Alembic's offline SQL (`alembic upgrade head --sql > FILE`)
    /// instead of a folder: one event per revision.
    #[arg(long, value_name = "FILE", conflicts_with = "dir")]
    pub alembic: Option<PathBuf>,
    /// The downgrade SQL (`alembic downgrade head:base --sql > FILE`): each
    /// revision's data statements become its event's revert SQL.
    #[arg(long, value_name = "FILE", requires = "alembic")]
    pub alembic_down: Option<PathBuf>,
    /// Alembic's log of the same run (its standard error), for the
    /// revisions' messages, which the SQL does not hold.
    #[arg(long, value_name = "FILE", requires = "alembic")]
    pub alembic_log: Option<PathBuf>,
    #[command(flatten)]
    pub author: Author,
    #[command(flatten)]
    pub when: When,
    #[command(flatten)]
    pub dry_run: DryRun,
    #[command(flatten)]
    pub lint: crate::flags::Lint,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    if args.alembic.is_none() && (args.alembic_down.is_some() || args.alembic_log.is_some()) {
        return Err(
            Failure::new("--alembic-down and --alembic-log go with --alembic FILE")
                .with_code(exit::USAGE),
        );
    }
    let author = args.author.name()?;
    let at = args.when.at()?;
    let dry_run = args.dry_run.dry_run;
    let ledger = cx.ledger_to_append(!dry_run)?;
    let imported = imported(&ledger)?;
    let mut said = Vec::new();
    let (changes, whence) = if let Some(up) = &args.alembic {
        let (changes, skipped) = alembic_changes(
            &ledger,
            &imported,
            up,
            args.alembic_down.as_deref(),
            args.alembic_log.as_deref(),
        )?;
        for (seq, name) in skipped {
            said.push(format!("skipped {name}: already event {seq}"));
        }
        (changes, format!("every revision in {}", up.display()))
    } else {
        let Some(dir) = &args.dir else {
            return Err(Failure::new("give a folder, or --alembic FILE"));
        };
        let migrations = folder(dir).map_err(Failure::from)?;
        if migrations.is_empty() {
            return nothing(cx, format_args!("no migration files in {}", dir.display()));
        }
        if let Some(n) = atlas_sum(dir)? {
            said.push(format!(
                "checked {}: {n} file{} match",
                dir.join(ATLAS_SUM).display(),
                if n == 1 { "" } else { "s" }
            ));
        }
        let texts = read_sections(dir, &migrations)?;
        let (mut skipped, mut new) = (Vec::new(), Vec::new());
        for m in migrations {
            match imported.get(&m.up) {
                Some(&seq) => skipped.push((seq, m)),
                None => new.push(m),
            }
        }
        in_order(&new, &skipped)?;
        for (seq, m) in &skipped {
            said.push(format!("skipped {}: already event {seq}", m.up));
        }
        (
            read_changes(&ledger, dir, &new, &texts)?,
            format!("every migration in {}", dir.display()),
        )
    };

    // The ledger's own checks (the time against head's, the message), on
    // the first event; the rest share its time or come later, and their ops
    // were projected above.
    if let Some(first) = changes.first() {
        let prepared = ledger.prepare(first.draft(at, &author))?;
        crate::flags::warn_if_clock_behind(at.is_some(), prepared.event());
    }
    // Every event applied (and undone) on a scratch database first.
    let bodies: Vec<Body> = changes.iter().map(|c| c.draft(at, &author).body).collect();
    let warnings =
        strata_reconcile::proof::changes(super::target::target(&ledger)?, &ledger, &bodies)
            .map_err(|(i, e)| {
                Failure::from(*e)
                    .context(changes[i].file.display())
                    .help("nothing was recorded; fix the file and run import-sql again")
            })?;
    for warning in warnings {
        output::diagnostic(format_args!("warning: {warning}"));
    }
    // Lint speaks of changes that apply: after the proof.
    lint(&ledger, &changes, args.lint.deny())?;

    // A closed stdout while the checks and skipped files are listed does
    // not stop the import: that failure is returned once the events are
    // appended.
    let listed = if cx.json() {
        Ok(())
    } else {
        said.iter().try_for_each(|line| cx.say(line))
    };
    let code = if changes.is_empty() {
        nothing(
            cx,
            format_args!("nothing new to import: {whence} is in the ledger"),
        )
    } else {
        for change in &changes {
            for note in &change.notes {
                output::diagnostic(format_args!("note: {note}"));
            }
        }
        if dry_run {
            show(cx, &ledger, &changes)
        } else {
            commit(cx, &ledger, changes, at, &author)
        }
    }?;
    listed?;
    Ok(code)
}

/// Alembic's offline SQL as one change per revision not yet imported (a
/// revision is imported when its message is a change event's), in the
/// script's order, and the ones skipped, by event. The message is the
/// revision id and, when the log gives it, its message (`a1: create
/// users`).
#[allow(clippy::type_complexity)]
fn alembic_changes(
    ledger: &Ledger,
    imported: &HashMap<String, u64>,
    up: &Path,
    down: Option<&Path>,
    log: Option<&Path>,
) -> Result<(Vec<Change>, Vec<(u64, String)>), Failure> {
    let shown = up.display().to_string();
    let text = input::read_text(up)?;
    let not = |e: alembic::NotAlembic| {
        Failure::new(e.0).help("make it with alembic upgrade head --sql > FILE")
    };
    let (revisions, mut messages) = alembic::revisions(&shown, &text, "upgrade").map_err(not)?;
    if let Some(log) = log {
        messages.extend(alembic::log_messages(&input::read_text(log)?));
    }
    let downs: HashMap<String, alembic::Revision> = match down {
        Some(path) => {
            let text = input::read_text(path)?;
            alembic::revisions(&path.display().to_string(), &text, "downgrade")
                .map_err(|e| {
                    Failure::new(e.0).help("make it with alembic downgrade head:base --sql > FILE")
                })?
                .0
                .into_iter()
                .map(|r| (r.id.clone(), r))
                .collect()
        }
        None => HashMap::new(),
    };
    let mut schema = ledger.schema_at(ledger.head_seq())?;
    let (mut changes, mut skipped, mut empty) = (Vec::new(), Vec::new(), Vec::new());
    for r in &revisions {
        let message = match messages.get(&r.id) {
            Some(m) => format!("{}: {m}", r.id),
            None => r.id.clone(),
        };
        if let Some(&seq) = imported.get(&message) {
            if let Some(c) = changes.first() {
                let c: &Change = c;
                return Err(Failure::new(format!(
                    "revision {} is not imported yet but comes before {message}, already imported as event {seq}",
                    c.message
                )));
            }
            skipped.push((seq, message));
            continue;
        }
        let place = format!("{shown} (revision {})", r.id);
        let ops =
            input::parse_change(ledger.dialect(), &r.sql, &schema).map_err(|e| at_line(up, &e))?;
        if ops.is_empty() {
            // A merge revision, or one that only runs Python: nothing to
            // record, and nothing that stops the ones after it.
            empty.push(r.id.clone());
            continue;
        }
        for op in &ops {
            project(ledger.rules(), &mut schema, op)
                .map_err(|e| Failure::new(format!("{place}: {e}")))?;
        }
        let mut change = Change {
            notes: pragma_note(ledger.dialect(), up, &r.sql)
                .into_iter()
                .collect(),
            file: up.to_path_buf(),
            message,
            ops,
            revert_sql: None,
            down: None,
        };
        if input::has_data_steps(&change.ops) {
            match (down, downs.get(&r.id)) {
                (Some(path), Some(d)) => {
                    change.revert_sql = revert_sql(ledger.dialect(), path, &d.sql, &schema)?;
                    if change.revert_sql.is_some() {
                        change.down = Some(path.to_path_buf());
                    } else {
                        change.notes.push(format!(
                            "the downgrade of {} holds no data statements: its data steps have no revert SQL, so its event cannot be reverted",
                            r.id
                        ));
                    }
                }
                (Some(path), None) => change.notes.push(format!(
                    "{} has no downgrade of {}: its data steps have no revert SQL, so its event cannot be reverted",
                    path.display(),
                    r.id
                )),
                (None, _) => change.notes.push(format!(
                    "revision {} has data steps and no --alembic-down was given: its event cannot be reverted",
                    r.id
                )),
            }
        }
        changes.push(change);
    }
    if !empty.is_empty() {
        let note = format!(
            "revision{} {} hold{} no SQL (a merge, or Python only) and {} not recorded",
            if empty.len() == 1 { "" } else { "s" },
            empty.join(", "),
            if empty.len() == 1 { "s" } else { "" },
            if empty.len() == 1 { "is" } else { "are" },
        );
        match changes.first_mut() {
            Some(c) => c.notes.insert(0, note),
            None => output::diagnostic(format_args!("note: {note}")),
        }
    }
    Ok((changes, skipped))
}

/// Nothing to record: say why (an empty array under --json).
fn nothing(cx: &Context, why: fmt::Arguments) -> Result<u8, Failure> {
    if cx.json() {
        print_json(&Vec::<()>::new())?;
    } else {
        cx.say(why)?;
    }
    Ok(exit::OK)
}

/// Change events by message (the first of each), as earlier runs left them.
fn imported(ledger: &Ledger) -> Result<HashMap<String, u64>, Failure> {
    let mut found = HashMap::new();
    for entry in ledger.events_from(1) {
        let Entry { event, .. } = entry?;
        if let Body::Change { .. } = event.body {
            found.entry(event.message).or_insert(event.seq);
        }
    }
    Ok(found)
}

/// New files come after every imported one: the ledger only appends.
fn in_order(new: &[Migration], skipped: &[(u64, Migration)]) -> Result<(), Failure> {
    for m in new {
        if let Some((seq, later)) = skipped.iter().find(|(_, s)| s.version > m.version) {
            return Err(Failure::new(format!(
                "{} is not imported yet but sorts before {}, already imported as event {seq}",
                m.up, later.up
            ))
            .help("strata appends in version order: give the new file a version after the last imported one"));
        }
    }
    Ok(())
}

/// A migration read and resolved, ready to become a change event.
struct Change {
    file: PathBuf,
    message: String,
    ops: Vec<Op>,
    revert_sql: Option<String>,
    /// The down file the revert SQL came from.
    down: Option<PathBuf>,
    /// What to tell the user about the file (its down file, the PRAGMA
    /// lines it holds that record nothing).
    notes: Vec<String>,
}

impl Change {
    fn draft(&self, at: Option<strata_ledger::Timestamp>, author: &str) -> Draft {
        Draft {
            at,
            author: author.to_string(),
            message: self.message.clone(),
            body: Body::Change {
                ops: self.ops.clone(),
                revert_sql: self.revert_sql.clone(),
            },
        }
    }
}

/// Every new migration read and resolved in order, each against the schema
/// the ones before it leave (starting at head), as `record` would resolve it
/// at that point.
/// Lint each change against the schema the ones before it leave; with
/// `deny`, any finding refuses the whole import before anything is
/// appended.
fn lint(ledger: &Ledger, changes: &[Change], deny: bool) -> Result<(), Failure> {
    let mut schema = ledger.schema_at(ledger.head_seq())?;
    let mut all = Vec::new();
    for change in changes {
        let place = change.file.display().to_string();
        for f in crate::lint::lint(ledger.rules(), &schema, &change.ops) {
            all.push((place.clone(), f));
        }
        for op in &change.ops {
            project(ledger.rules(), &mut schema, op)
                .map_err(|e| Failure::new(format!("{place}: {e}")))?;
        }
    }
    for (place, f) in &all {
        crate::lint::report(std::slice::from_ref(f), false, Some(place))?;
    }
    if deny && !all.is_empty() {
        return Err(Failure::new(format!(
            "refused: {} lint warning{} (listed above) and --deny-warnings; nothing was appended",
            all.len(),
            if all.len() == 1 { "" } else { "s" }
        ))
        .help("change the files, or import without --deny-warnings after a second look"));
    }
    Ok(())
}

/// The folder's `atlas.sum`, when it has one, checked against its `.sql`
/// files: how many it covers, or the first file that does not match.
fn atlas_sum(dir: &Path) -> Result<Option<usize>, Failure> {
    let sum_file = dir.join(ATLAS_SUM);
    if !sum_file.is_file() {
        return Ok(None);
    }
    let sum = input::read_text(&sum_file)?;
    let cannot = |e: std::io::Error| Failure::new(format!("cannot read {}: {e}", dir.display()));
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(cannot)? {
        let entry = entry.map_err(cannot)?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') || !name.to_ascii_lowercase().ends_with(".sql") {
            continue;
        }
        if !entry.path().is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path())
            .map_err(|e| Failure::new(format!("cannot read {}: {e}", entry.path().display())))?;
        files.push((name, bytes));
    }
    let checked = check_atlas_sum(dir, &sum, &files)
        .map_err(|e| Failure::from(e).help("nothing was recorded"))?;
    Ok(Some(checked.files))
}

/// Every migration's up file read and divided into its sections (goose,
/// dbmate), all in one layout; a folder that mixes layouts is refused.
fn read_sections(
    dir: &Path,
    migrations: &[Migration],
) -> Result<HashMap<String, Sections>, Failure> {
    let mut found: HashMap<String, Sections> = HashMap::new();
    let mut first: Option<(&str, Layout)> = None;
    for m in migrations {
        let text = input::read_text(&dir.join(&m.up))?;
        let s = sections(&m.up, &text).map_err(Failure::from)?;
        match first {
            None => first = Some((&m.up, s.layout)),
            Some((other, layout)) if layout != s.layout => {
                return Err(Failure::from(FolderError {
                    message: format!(
                        "{} mixes schemes: {other} is {layout}, {} is {}",
                        dir.display(),
                        m.up,
                        s.layout
                    ),
                    help: Some("keep one scheme per folder".into()),
                }))
            }
            Some(_) => {}
        }
        if let (Some(down), Some(_)) = (&m.down, &s.down) {
            return Err(Failure::new(format!(
                "{} has a down section and a down file, {down}: which undoes it is not clear",
                m.up
            )));
        }
        found.insert(m.up.clone(), s);
    }
    Ok(found)
}

fn read_changes(
    ledger: &Ledger,
    dir: &Path,
    new: &[Migration],
    texts: &HashMap<String, Sections>,
) -> Result<Vec<Change>, Failure> {
    let mut schema = ledger.schema_at(ledger.head_seq())?;
    let mut changes = Vec::new();
    for m in new {
        let file = dir.join(&m.up);
        let sections = &texts[&m.up];
        let text = &sections.up;
        let ops =
            input::parse_change(ledger.dialect(), text, &schema).map_err(|e| at_line(&file, &e))?;
        let ops = input::something_to_record(ops, &file.display().to_string())?;
        for op in &ops {
            project(ledger.rules(), &mut schema, op)
                .map_err(|e| Failure::new(format!("{}: {e}", file.display())))?;
        }
        let mut change = Change {
            notes: pragma_note(ledger.dialect(), &file, text)
                .into_iter()
                .collect(),
            file,
            message: m.up.clone(),
            ops,
            revert_sql: None,
            down: None,
        };
        // The down file, or the file's own down section.
        let down = match (&m.down, &sections.down) {
            (Some(down), _) => {
                let path = dir.join(down);
                Some((down.clone(), input::read_text(&path)?, path))
            }
            (None, Some(text)) => Some((
                format!("the down section of {}", m.up),
                text.clone(),
                change.file.clone(),
            )),
            (None, None) => None,
        };
        if let Some((down, down_text, path)) = down {
            if input::has_data_steps(&change.ops) {
                change.revert_sql = revert_sql(ledger.dialect(), &path, &down_text, &schema)?;
                if change.revert_sql.is_some() {
                    change.down = Some(path);
                } else {
                    change.notes.push(format!(
                        "{down} holds no data statements: the data steps of {} have no revert SQL, so its event cannot be reverted",
                        m.up
                    ));
                }
            } else {
                change.notes.push(format!(
                    "{down} ignored: strata inverts DDL on its own, and {} has no data steps to undo",
                    m.up
                ));
            }
        }
        changes.push(change);
    }
    Ok(changes)
}

/// What the accepted PRAGMA lines of a file come to: nothing recorded,
/// since strata turns foreign keys off and checks them itself around every
/// change it applies.
fn pragma_note(dialect: Dialect, file: &Path, text: &str) -> Option<String> {
    let pragmas = input::pragmas(dialect, text);
    if pragmas.is_empty() {
        return None;
    }
    Some(format!(
        "{}: {} accepted and not recorded: strata turns foreign keys off and checks them itself around every change it applies",
        file.display(),
        pragmas.join("; ")
    ))
}

/// The data statements of a down file, as revert SQL (checked as `record
/// --revert-sql` checks it); none when it has none. The file is read against
/// `schema`, the schema its up file leaves, where a down file runs; its DDL
/// is not kept, since strata inverts DDL itself.
fn revert_sql(
    dialect: Dialect,
    path: &Path,
    text: &str,
    schema: &strata_schema::Schema,
) -> Result<Option<String>, Failure> {
    let ops = input::parse_change(dialect, text, schema).map_err(|e| at_line(path, &e))?;
    let data: Vec<&str> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Data { sql } => Some(sql.as_str()),
            _ => None,
        })
        .collect();
    if data.is_empty() {
        return Ok(None);
    }
    let sql = format!("{};", data.join(";\n"));
    input::check_revert_sql(dialect, &sql, &path.display().to_string()).map(Some)
}

/// A statement that does not parse, is not recordable or does not fit, as
/// `FILE:LINE: why`.
fn at_line(file: &Path, e: &DdlError) -> Failure {
    Failure::new(format!("{}:{}: {}", file.display(), e.line, e.reason()))
        .help("nothing was recorded; fix the file and run import-sql again")
}

/// An event as `--json` prints it, with the file it came from.
#[derive(Serialize)]
struct RecordedJson<'a> {
    #[serde(flatten)]
    event: EventJson<'a>,
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    down: Option<String>,
}

/// An event `--dry-run` would record; its hash is known only once it is
/// appended (it depends on the time and the events before it).
#[derive(Serialize)]
struct PlannedJson<'a> {
    seq: u64,
    message: &'a str,
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    down: Option<String>,
    kind: &'static str,
    ops: &'a [Op],
    #[serde(skip_serializing_if = "Option::is_none")]
    revert_sql: Option<&'a str>,
}

fn path_text(p: &Option<PathBuf>) -> Option<String> {
    p.as_ref().map(|p| p.display().to_string())
}

fn show(cx: &Context, ledger: &Ledger, changes: &[Change]) -> Result<u8, Failure> {
    let seqs = (ledger.head_seq() + 1)..;
    if cx.json() {
        let planned: Vec<PlannedJson> = changes
            .iter()
            .zip(seqs)
            .map(|(c, seq)| PlannedJson {
                seq,
                message: &c.message,
                file: c.file.display().to_string(),
                down: path_text(&c.down),
                kind: "change",
                ops: &c.ops,
                revert_sql: c.revert_sql.as_deref(),
            })
            .collect();
        print_json(&planned)?;
        return Ok(exit::OK);
    }
    for (c, seq) in changes.iter().zip(seqs) {
        cx.say(format_args!(
            "would record event {seq}: {} ({} op{})",
            c.message,
            c.ops.len(),
            if c.ops.len() == 1 { "" } else { "s" }
        ))?;
        for op in &c.ops {
            cx.say(format_args!("  {}", summary(op)))?;
        }
        if let Some(down) = &c.down {
            cx.say(format_args!("  revert SQL from {}", down.display()))?;
        }
    }
    cx.say("nothing was appended (dry run)")?;
    Ok(exit::OK)
}

/// Append the events in order. Everything was checked before the first, so
/// only the store itself can stop this part-way; the events appended by then
/// stay, and a second run skips them.
fn commit(
    cx: &Context,
    ledger: &Ledger,
    changes: Vec<Change>,
    at: Option<strata_ledger::Timestamp>,
    author: &str,
) -> Result<u8, Failure> {
    let mut recorded = Vec::new();
    // Every event is appended even when its line cannot be shown (a closed
    // stdout): the first failure to show one is returned after the last.
    let mut shown = Ok(());
    for change in changes {
        let entry = ledger.commit(ledger.prepare(change.draft(at, author))?)?;
        if !cx.json() {
            shown = shown.and_then(|()| {
                cx.say(format_args!(
                    "recorded event {} ({}): {}",
                    entry.event.seq,
                    short(&entry.hash),
                    entry.event.message
                ))?;
                entry
                    .event
                    .body
                    .ops()
                    .iter()
                    .try_for_each(|op| cx.detail(format_args!("  {}", summary(op))))
            });
        }
        recorded.push((entry, change));
    }
    shown?;
    if cx.json() {
        let out: Vec<RecordedJson> = recorded
            .iter()
            .map(|(entry, change)| RecordedJson {
                event: event_json(&entry.hash, &entry.event),
                file: change.file.display().to_string(),
                down: path_text(&change.down),
            })
            .collect();
        print_json(&out)?;
    }
    Ok(exit::OK)
}
