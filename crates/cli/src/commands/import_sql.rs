//! `strata import-sql`: record a folder of plain SQL migrations, one change
//! event per file, in version order, each with its file name as message.
//!
//! The folder follows one of the common naming schemes: Flyway
//! (`V1__name.sql`, with `U1__name.sql` undo files), numbered files as sqlx
//! and Rails write them (`0001_name.sql`, `20240101120000_name.sql`), or
//! up/down pairs as golang-migrate and sqlx write them (`0001_name.up.sql`,
//! `0001_name.down.sql`). Every file is read and resolved, each against the
//! schema the ones before it leave, before anything is appended; so a folder
//! with one statement strata cannot record appends nothing. A file whose
//! name is already the message of a change event is skipped, which makes a
//! second run record only the files added since.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use strata_ledger::{Body, Draft, Entry, Ledger};
use strata_schema::{project, Op};
use strata_sqlite::ddl::{parse_change, DdlError};

use super::record;
use crate::context::{print_json, timestamp, Context};
use crate::describe::{event_json, short, summary, EventJson};
use crate::failure::{exit, Failure};

pub const EXAMPLES: &str = "Examples:
  strata import-sql migrations/
  strata import-sql --dry-run db/migrate
  strata --json import-sql --author ci --timestamp 2026-01-01T00:00:00Z migrations/";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of migration files (other files and subfolders are ignored).
    pub dir: PathBuf,
    /// Who records them (else $STRATA_AUTHOR, else the login name).
    #[arg(long, env = "STRATA_AUTHOR")]
    pub author: Option<String>,
    /// When they happened (RFC 3339), for every event; default now.
    #[arg(long, value_name = "TIME")]
    pub timestamp: Option<String>,
    /// Check every file and list the events, without appending any.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let dir = &args.dir;
    let migrations = folder(dir)?;
    let author = record::author(args.author)?;
    let at = timestamp(args.timestamp.as_deref())?;
    let ledger = cx.ledger_to_append(!args.dry_run)?;
    if migrations.is_empty() {
        return nothing(cx, format_args!("no migration files in {}", dir.display()));
    }
    let imported = imported(&ledger)?;
    let (mut skipped, mut new) = (Vec::new(), Vec::new());
    for m in migrations {
        match imported.get(&m.up) {
            Some(&seq) => skipped.push((seq, m)),
            None => new.push(m),
        }
    }
    in_order(&new, &skipped)?;

    let changes = read_changes(&ledger, dir, &new)?;
    // The ledger's own checks (the time against head's, the message), on
    // the first event; the rest share its time or come later, and their ops
    // were projected above.
    if let Some(first) = changes.first() {
        ledger.prepare(first.draft(at, &author))?;
    }
    // Every event applied (and undone) on a scratch database first.
    let bodies: Vec<Body> = changes.iter().map(|c| c.draft(at, &author).body).collect();
    let warnings = strata_reconcile::proof::changes(&super::target::TARGET, &ledger, &bodies)
        .map_err(|(i, e)| {
            Failure::from(*e)
                .context(changes[i].file.display())
                .help("nothing was recorded; fix the file and run import-sql again")
        })?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }

    if !cx.json() {
        for (seq, m) in &skipped {
            cx.say(format_args!("skipped {}: already event {seq}", m.up));
        }
    }
    if changes.is_empty() {
        return nothing(
            cx,
            format_args!(
                "nothing new to import: every migration in {} is in the ledger",
                dir.display()
            ),
        );
    }
    for change in &changes {
        if let Some(note) = &change.note {
            eprintln!("note: {note}");
        }
    }
    if args.dry_run {
        show(cx, &ledger, &changes)
    } else {
        commit(cx, &ledger, changes, at, &author)
    }
}

/// Nothing to record: say why (an empty array under --json).
fn nothing(cx: &Context, why: fmt::Arguments) -> Result<u8, Failure> {
    if cx.json() {
        print_json(&Vec::<()>::new())?;
    } else {
        cx.say(why);
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
    /// What to tell the user about the down file.
    note: Option<String>,
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
fn read_changes(ledger: &Ledger, dir: &Path, new: &[Migration]) -> Result<Vec<Change>, Failure> {
    let mut schema = ledger.schema_at(ledger.head_seq())?;
    let mut changes = Vec::new();
    for m in new {
        let file = dir.join(&m.up);
        let text = record::read_text(&file)?;
        let ops = parse_change(&text, &schema).map_err(|e| at_line(&file, &e))?;
        let ops = record::something_to_record(ops, &file.display().to_string())?;
        for op in &ops {
            project(&mut schema, op)
                .map_err(|e| Failure::new(format!("{}: {e}", file.display())))?;
        }
        let mut change = Change {
            file,
            message: m.up.clone(),
            ops,
            revert_sql: None,
            down: None,
            note: None,
        };
        if let Some(down) = &m.down {
            if record::has_data_steps(&change.ops) {
                let path = dir.join(down);
                change.revert_sql = revert_sql(&path, &schema)?;
                if change.revert_sql.is_some() {
                    change.down = Some(path);
                } else {
                    change.note = Some(format!(
                        "{down} holds no data statements: the data steps of {} have no revert SQL, so its event cannot be reverted",
                        m.up
                    ));
                }
            } else {
                change.note = Some(format!(
                    "{down} ignored: strata inverts DDL on its own, and {} has no data steps to undo",
                    m.up
                ));
            }
        }
        changes.push(change);
    }
    Ok(changes)
}

/// The data statements of a down file, as revert SQL (checked as `record
/// --revert-sql` checks it); none when it has none. The file is read against
/// `schema`, the schema its up file leaves, where a down file runs; its DDL
/// is not kept, since strata inverts DDL itself.
fn revert_sql(path: &Path, schema: &strata_schema::Schema) -> Result<Option<String>, Failure> {
    let text = record::read_text(path)?;
    let ops = parse_change(&text, schema).map_err(|e| at_line(path, &e))?;
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
    record::check_revert_sql(&sql, &path.display().to_string()).map(Some)
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
        ));
        for op in &c.ops {
            cx.say(format_args!("  {}", summary(op)));
        }
        if let Some(down) = &c.down {
            cx.say(format_args!("  revert SQL from {}", down.display()));
        }
    }
    cx.say("nothing was appended (dry run)");
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
    for change in changes {
        let entry = ledger.commit(ledger.prepare(change.draft(at, author))?)?;
        if !cx.json() {
            cx.say(format_args!(
                "recorded event {} ({}): {}",
                entry.event.seq,
                short(&entry.hash),
                entry.event.message
            ));
            for op in entry.event.body.ops() {
                cx.detail(format_args!("  {}", summary(op)));
            }
        }
        recorded.push((entry, change));
    }
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

// ---------------------------------------------------------------------------
// The folder and its naming schemes.

/// How a folder names its migrations. One per folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// `V1__name.sql`, `V1.2__name.sql`, with `U1__name.sql` undo files.
    Flyway,
    /// `0001_name.sql`, `20240101120000_name.sql` (sqlx, Rails).
    Numbered,
    /// `0001_name.up.sql` with `0001_name.down.sql` (golang-migrate, sqlx).
    UpDown,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scheme::Flyway => "Flyway-named (V1__name.sql)",
            Scheme::Numbered => "numbered (0001_name.sql)",
            Scheme::UpDown => "an up/down pair (0001_name.up.sql)",
        })
    }
}

/// A migration's version: numbers compared part by part, as numbers
/// (`10` after `9`, `1.10` after `1.9`); leading zeros and trailing zero
/// parts do not count (`0001` is `1`, `1.0` is `1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Version(Vec<Number>);

/// Digits without leading zeros, ordered by length and then digit by digit,
/// so any number of digits compares as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Number(String);

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Version {
    /// Digits, separated by `.` or `_` when `separated`.
    fn parse(text: &str, separated: bool) -> Option<Version> {
        let parts: Vec<&str> = if separated {
            text.split(['.', '_']).collect()
        } else {
            vec![text]
        };
        let mut numbers = Vec::new();
        for part in parts {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let digits = part.trim_start_matches('0');
            numbers.push(Number(digits.to_string()));
        }
        while numbers.last().is_some_and(|n| n.0.is_empty()) && numbers.len() > 1 {
            numbers.pop();
        }
        Some(Version(numbers))
    }
}

/// What a file's name says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Name {
    scheme: Scheme,
    version: Version,
    down: bool,
}

/// What `file` is by its name: `None` for a file that is not SQL (ignored),
/// an error for a `.sql` file strata cannot place.
fn classify(file: &str) -> Result<Option<Name>, Failure> {
    let lower = file.to_ascii_lowercase();
    let Some(stem_len) = lower.strip_suffix(".sql").map(str::len) else {
        return Ok(None);
    };
    let stem = &file[..stem_len];
    if file.starts_with("R__") {
        return Err(Failure::new(format!(
            "{file} is a Flyway repeatable migration: strata has no repeatable migrations"
        ))
        .help("record what it does in a versioned file (V<version>__<name>.sql), or move it out of the folder"));
    }
    let flyway = |rest: &str, down: bool| {
        let (version, _) = rest.split_once("__")?;
        Some(Name {
            scheme: Scheme::Flyway,
            version: Version::parse(version, true)?,
            down,
        })
    };
    let numbered = || {
        let digits = stem.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 || stem.as_bytes()[digits] != b'_' {
            return None;
        }
        let version = Version::parse(&stem[..digits], false)?;
        let (scheme, down) = if lower.ends_with(".up.sql") {
            (Scheme::UpDown, false)
        } else if lower.ends_with(".down.sql") {
            (Scheme::UpDown, true)
        } else {
            (Scheme::Numbered, false)
        };
        Some(Name {
            scheme,
            version,
            down,
        })
    };
    let name = match stem.as_bytes().first() {
        Some(b'V') => flyway(&stem[1..], false),
        Some(b'U') => flyway(&stem[1..], true),
        _ => numbered(),
    };
    name.map(Some).ok_or_else(|| {
        Failure::new(format!("{file} matches no migration naming scheme")).help(
            "name migrations V1__name.sql (Flyway, with U1__name.sql undo files), \
             0001_name.sql (sqlx, Rails) or 0001_name.up.sql with 0001_name.down.sql \
             (golang-migrate, sqlx)",
        )
    })
}

/// One migration: its up file and, when there is one, its down file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Migration {
    version: Version,
    up: String,
    down: Option<String>,
}

/// The migrations named by `files` (the folder's file names), in version
/// order; files that are not SQL are left out. Files are looked at in name
/// order, so the files an error names do not depend on the file system.
fn migrations(dir: &Path, files: &[String]) -> Result<Vec<Migration>, Failure> {
    let mut files: Vec<&String> = files.iter().collect();
    files.sort();
    let mut first: Option<(&str, Scheme)> = None;
    let mut ups: BTreeMap<Version, &str> = BTreeMap::new();
    let mut downs: BTreeMap<Version, &str> = BTreeMap::new();
    for file in files {
        let Some(name) = classify(file)? else {
            continue;
        };
        match first {
            None => first = Some((file, name.scheme)),
            Some((other, scheme)) if scheme != name.scheme => {
                return Err(Failure::new(format!(
                    "{} mixes naming schemes: {other} is {scheme}, {file} is {}",
                    dir.display(),
                    name.scheme
                ))
                .help("keep one naming scheme per folder"))
            }
            Some(_) => {}
        }
        let side = if name.down { &mut downs } else { &mut ups };
        if let Some(other) = side.insert(name.version, file) {
            return Err(
                Failure::new(format!("{other} and {file} have the same version"))
                    .help("give each migration a version of its own"),
            );
        }
    }
    if let Some((_, down)) = downs.iter().find(|(v, _)| !ups.contains_key(v)) {
        return Err(Failure::new(format!(
            "{down} is a down file with no up file of the same version"
        ))
        .help("add the migration it undoes, or remove it"));
    }
    Ok(ups
        .into_iter()
        .map(|(version, up)| Migration {
            down: downs.get(&version).map(|d| d.to_string()),
            up: up.to_string(),
            version,
        })
        .collect())
}

/// The migrations in `dir`: its files' names, sorted, read as migrations.
/// Subfolders and hidden files are ignored.
fn folder(dir: &Path) -> Result<Vec<Migration>, Failure> {
    let cannot =
        |e: std::io::Error| Failure::new(format!("cannot read folder {}: {e}", dir.display()));
    let meta = std::fs::metadata(dir).map_err(cannot)?;
    if !meta.is_dir() {
        return Err(Failure::new(format!(
            "{} is not a folder: import-sql reads a folder of migration files",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(cannot)? {
        let entry = entry.map_err(cannot)?;
        let name = match entry.file_name().into_string() {
            Ok(name) => name,
            Err(raw) => {
                let shown = raw.to_string_lossy().into_owned();
                if shown.to_ascii_lowercase().ends_with(".sql") {
                    return Err(Failure::new(format!(
                        "{}: the file name {shown} is not UTF-8",
                        dir.display()
                    )));
                }
                continue;
            }
        };
        if name.starts_with('.') {
            continue;
        }
        // Follow links: a linked migration counts, a linked folder does not.
        match std::fs::metadata(entry.path()) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => files.push(name),
            Err(e) if name.to_ascii_lowercase().ends_with(".sql") => {
                return Err(Failure::new(format!(
                    "cannot read {}: {e}",
                    entry.path().display()
                )))
            }
            Err(_) => continue,
        }
    }
    migrations(dir, &files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(files: &[&str]) -> Result<Vec<(String, Option<String>)>, String> {
        let files: Vec<String> = files.iter().map(|f| f.to_string()).collect();
        migrations(Path::new("m"), &files)
            .map(|ms| ms.into_iter().map(|m| (m.up, m.down)).collect())
            .map_err(|f| f.message)
    }

    fn ups(files: &[&str]) -> Vec<String> {
        names(files)
            .expect("a valid folder")
            .into_iter()
            .map(|(up, _)| up)
            .collect()
    }

    fn version(text: &str) -> Version {
        Version::parse(text, true).expect("a version")
    }

    #[test]
    fn versions_compare_as_numbers_part_by_part() {
        assert!(version("10") > version("9"));
        assert!(version("1.10") > version("1.9"));
        assert!(version("1_1") == version("1.1"));
        assert!(version("1.1") > version("1"));
        assert!(version("2") > version("1.99"));
        assert_eq!(version("0001"), version("1"));
        assert_eq!(version("1.0"), version("1"));
        assert_eq!(version("0"), version("0.0"));
        assert!(version("0") < version("0.1"));
        assert!(version("123456789012345678901234567890") > version("99999999999999999999"));
        assert_eq!(Version::parse("1.", true), None);
        assert_eq!(Version::parse("1..2", true), None);
        assert_eq!(Version::parse("1.2", false), None);
    }

    #[test]
    fn flyway_files_in_numeric_order_with_undo_files() {
        assert_eq!(
            names(&[
                "V10__c.sql",
                "V1__a.sql",
                "U2__b.sql",
                "V2__b.sql",
                "V1_1__a2.sql"
            ]),
            Ok(vec![
                ("V1__a.sql".into(), None),
                ("V1_1__a2.sql".into(), None),
                ("V2__b.sql".into(), Some("U2__b.sql".into())),
                ("V10__c.sql".into(), None),
            ])
        );
        assert_eq!(
            ups(&["V1.2__b.sql", "V1.10__c.sql"]),
            ["V1.2__b.sql", "V1.10__c.sql"]
        );
    }

    #[test]
    fn numbered_and_up_down_files() {
        assert_eq!(
            ups(&["20240101120000_b.sql", "9_a.sql", "README.md", "notes.txt"]),
            ["9_a.sql", "20240101120000_b.sql"]
        );
        assert_eq!(
            names(&[
                "0002_b.up.sql",
                "0001_a.down.sql",
                "0001_a.up.sql",
                "0010_c.up.sql"
            ]),
            Ok(vec![
                ("0001_a.up.sql".into(), Some("0001_a.down.sql".into())),
                ("0002_b.up.sql".into(), None),
                ("0010_c.up.sql".into(), None),
            ])
        );
        assert_eq!(ups(&[]), Vec::<String>::new());
    }

    #[test]
    fn folders_strata_cannot_order_are_refused() {
        let err = |files: &[&str]| names(files).expect_err("refused");
        assert_eq!(
            err(&["V1__a.sql", "0002_b.sql"]),
            "m mixes naming schemes: 0002_b.sql is numbered (0001_name.sql), V1__a.sql is Flyway-named (V1__name.sql)"
        );
        assert_eq!(
            err(&["0001_a.sql", "0002_b.up.sql"]),
            "m mixes naming schemes: 0001_a.sql is numbered (0001_name.sql), 0002_b.up.sql is an up/down pair (0001_name.up.sql)"
        );
        assert_eq!(
            err(&["V1__a.sql", "V1.0__b.sql"]),
            "V1.0__b.sql and V1__a.sql have the same version"
        );
        assert_eq!(
            err(&["01_a.sql", "1_b.sql"]),
            "01_a.sql and 1_b.sql have the same version"
        );
        assert_eq!(
            err(&["0001_a.up.sql", "0002_b.down.sql"]),
            "0002_b.down.sql is a down file with no up file of the same version"
        );
        assert_eq!(
            err(&["U3__x.sql", "V1__a.sql"]),
            "U3__x.sql is a down file with no up file of the same version"
        );
        assert_eq!(
            err(&["R__views.sql", "V1__a.sql"]),
            "R__views.sql is a Flyway repeatable migration: strata has no repeatable migrations"
        );
        for odd in [
            "init.sql",
            "v1__a.sql",
            "V1_a.sql",
            "Vx__a.sql",
            "1.sql",
            "_1_a.sql",
        ] {
            assert_eq!(
                err(&[odd]),
                format!("{odd} matches no migration naming scheme")
            );
        }
    }
}
