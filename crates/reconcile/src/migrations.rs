//! The migration folders `import-sql` reads: how each tool names its files
//! (Flyway `V1__name.sql` with `U1__name.sql` undo files; sqlx and Rails
//! `0001_name.sql`; golang-migrate and sqlx `0001_name.up.sql` with
//! `0001_name.down.sql`; plain numbers `1.sql`), and the migrations of a
//! folder in version order, versions compared as numbers. Besides names:
//! a file's goose or dbmate up and down [`sections`], and atlas's checksum
//! file checked ([`check_atlas_sum`]). Reading the files is the caller's.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Why a folder's files cannot be ordered as migrations, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderError {
    pub message: String,
    pub help: Option<String>,
}

impl FolderError {
    fn new(message: impl Into<String>) -> FolderError {
        FolderError {
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> FolderError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for FolderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FolderError {}

/// How a folder names its migrations. One per folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `V1__name.sql`, `V1.2__name.sql`, with `U1__name.sql` undo files.
    Flyway,
    /// `0001_name.sql`, `20240101120000_name.sql` (sqlx, Rails).
    Numbered,
    /// `0001_name.up.sql` with `0001_name.down.sql` (golang-migrate, sqlx).
    UpDown,
    /// `1.sql`, `2.sql`, `10.sql`: a number and nothing else.
    Plain,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scheme::Flyway => "Flyway-named (V1__name.sql)",
            Scheme::Numbered => "numbered (0001_name.sql)",
            Scheme::UpDown => "an up/down pair (0001_name.up.sql)",
            Scheme::Plain => "a plain number (1.sql)",
        })
    }
}

/// A migration's version: numbers compared part by part, as numbers
/// (`10` after `9`, `1.10` after `1.9`); leading zeros and trailing zero
/// parts do not count (`0001` is `1`, `1.0` is `1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(Vec<Number>);

/// Digits without leading zeros, ordered by length and then digit by digit,
/// so any number of digits compares as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(String);

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
    pub fn parse(text: &str, separated: bool) -> Option<Version> {
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
pub struct Name {
    pub scheme: Scheme,
    pub version: Version,
    /// An undo (down) file.
    pub down: bool,
}

/// What `file` is by its name: `None` for a file that is not SQL (ignored),
/// an error for a `.sql` file strata cannot place.
pub fn classify(file: &str) -> Result<Option<Name>, FolderError> {
    let lower = file.to_ascii_lowercase();
    let Some(stem_len) = lower.strip_suffix(".sql").map(str::len) else {
        return Ok(None);
    };
    let stem = &file[..stem_len];
    if file.starts_with("R__") {
        return Err(FolderError::new(format!(
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
    if !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Some(Name {
            scheme: Scheme::Plain,
            version: Version::parse(stem, false).expect("digits"),
            down: false,
        }));
    }
    let name = match stem.as_bytes().first() {
        Some(b'V') => flyway(&stem[1..], false),
        Some(b'U') => flyway(&stem[1..], true),
        _ => numbered(),
    };
    name.map(Some).ok_or_else(|| {
        FolderError::new(format!("{file} matches no migration naming scheme")).help(
            "name migrations V1__name.sql (Flyway, with U1__name.sql undo files), \
             0001_name.sql (sqlx, Rails, goose, dbmate, atlas), 0001_name.up.sql with \
             0001_name.down.sql (golang-migrate, sqlx) or 1.sql (plain numbers)",
        )
    })
}

/// One migration: its up file and, when there is one, its down file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub version: Version,
    /// The up file's name (in the folder).
    pub up: String,
    /// The down file's name, when there is one.
    pub down: Option<String>,
}

/// The migrations named by `files` (the folder's file names), in version
/// order; files that are not SQL are left out. Files are looked at in name
/// order, so the files an error names do not depend on the file system.
pub fn migrations(dir: &Path, files: &[String]) -> Result<Vec<Migration>, FolderError> {
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
                return Err(FolderError::new(format!(
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
                FolderError::new(format!("{other} and {file} have the same version"))
                    .help("give each migration a version of its own"),
            );
        }
    }
    if let Some((_, down)) = downs.iter().find(|(v, _)| !ups.contains_key(v)) {
        return Err(FolderError::new(format!(
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
pub fn folder(dir: &Path) -> Result<Vec<Migration>, FolderError> {
    let cannot =
        |e: std::io::Error| FolderError::new(format!("cannot read folder {}: {e}", dir.display()));
    let meta = std::fs::metadata(dir).map_err(cannot)?;
    if !meta.is_dir() {
        return Err(FolderError::new(format!(
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
                    return Err(FolderError::new(format!(
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
                return Err(FolderError::new(format!(
                    "cannot read {}: {e}",
                    entry.path().display()
                )))
            }
            Err(_) => continue,
        }
    }
    migrations(dir, &files)
}

/// How a migration file holds its SQL: all of it up, or in marked up and
/// down sections (goose, dbmate). One way per folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The whole file is the migration.
    Whole,
    /// `-- +goose Up` and `-- +goose Down` sections (goose).
    Goose,
    /// `-- migrate:up` and `-- migrate:down` sections (dbmate).
    Dbmate,
}

impl Layout {
    /// The tool that writes files this way.
    pub fn tool(self) -> &'static str {
        match self {
            Layout::Whole => "plain SQL",
            Layout::Goose => "goose",
            Layout::Dbmate => "dbmate",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::Whole => "plain SQL",
            Layout::Goose => "a goose file (-- +goose Up)",
            Layout::Dbmate => "a dbmate file (-- migrate:up)",
        })
    }
}

/// A migration file's SQL as its layout divides it. Each section keeps
/// the file's lines where they are (the other lines blanked), so a line
/// number in a section is the line in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections {
    pub layout: Layout,
    pub up: String,
    /// The down section, when the file has one with any SQL in it.
    pub down: Option<String>,
}

/// What a line of a sectioned file marks, by its layout's words.
fn marker(line: &str) -> Option<(Layout, String)> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    if let Some(word) = rest.strip_prefix("+goose") {
        let word = word.split_whitespace().next().unwrap_or("");
        return Some((Layout::Goose, word.to_ascii_lowercase()));
    }
    if let Some(word) = rest.strip_prefix("migrate:") {
        let word = word.split_whitespace().next().unwrap_or("");
        return Some((Layout::Dbmate, word.to_ascii_lowercase()));
    }
    None
}

/// `text`, the file `file`, divided into its up and down sections.
/// A file with neither goose's nor dbmate's markers is all up. Markers of
/// both tools, a section given twice, SQL before the first section, or a
/// down section before the up one are refused. goose's other annotations
/// (`StatementBegin`, `StatementEnd`, `NO TRANSACTION`) are SQL comments
/// and stay where they are.
pub fn sections(file: &str, text: &str) -> Result<Sections, FolderError> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut layout = Layout::Whole;
    // The section each line is in: 0 before any, 1 up, 2 down.
    let mut at = 0u8;
    let mut owner = Vec::with_capacity(lines.len());
    let (mut ups, mut downs) = (0, 0);
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let Some((kind, word)) = marker(line) else {
            if at == 0 && layout == Layout::Whole {
                owner.push(1);
            } else {
                owner.push(at);
            }
            continue;
        };
        owner.push(0);
        if layout != Layout::Whole && kind != layout {
            return Err(FolderError::new(format!(
                "{file}:{n}: a {} marker in {layout}",
                kind.tool()
            ))
            .help("a migration file is written for one tool"));
        }
        let is_section = matches!(word.as_str(), "up" | "down");
        if !is_section {
            // goose's StatementBegin/End and the like; dbmate's options
            // follow its up/down words on the same line.
            if layout == Layout::Whole {
                layout = kind;
                at_start(&mut owner);
            }
            continue;
        }
        if layout == Layout::Whole {
            layout = kind;
            at_start(&mut owner);
        }
        if word == "up" {
            ups += 1;
            if ups > 1 {
                return Err(FolderError::new(format!("{file}:{n}: a second up section")));
            }
            if downs > 0 {
                return Err(FolderError::new(format!(
                    "{file}:{n}: the up section comes after the down section"
                ))
                .help("put the up section first"));
            }
            at = 1;
        } else {
            downs += 1;
            if downs > 1 {
                return Err(FolderError::new(format!(
                    "{file}:{n}: a second down section"
                )));
            }
            at = 2;
        }
    }
    if layout == Layout::Whole {
        return Ok(Sections {
            layout,
            up: text.to_string(),
            down: None,
        });
    }
    if ups == 0 {
        return Err(
            FolderError::new(format!("{file} is {layout} with no up section")).help(match layout {
                Layout::Goose => "start the migration with -- +goose Up",
                _ => "start the migration with -- migrate:up",
            }),
        );
    }
    let keep = |section: u8| -> String {
        lines
            .iter()
            .zip(&owner)
            .map(|(line, &o)| {
                if o == section {
                    (*line).to_string()
                } else if line.ends_with('\n') {
                    "\n".to_string()
                } else {
                    String::new()
                }
            })
            .collect()
    };
    // SQL before the first section: nobody runs it.
    let before: String = lines
        .iter()
        .zip(&owner)
        .take_while(|(line, _)| marker(line).is_none_or(|(_, w)| w != "up" && w != "down"))
        .map(|(line, _)| *line)
        .collect();
    if has_sql(&before) {
        return Err(FolderError::new(format!(
            "{file}: SQL before its first section, which {} does not run",
            layout.tool()
        ))
        .help("move it into the up section"));
    }
    let down = keep(2);
    Ok(Sections {
        layout,
        up: keep(1),
        down: has_sql(&down).then_some(down),
    })
}

/// Lines read before the first marker were taken as up (a file without
/// markers is all up); once markers are seen they belong to no section.
fn at_start(owner: &mut [u8]) {
    for o in owner.iter_mut() {
        *o = 0;
    }
}

/// Whether `text` holds anything but blank lines and `--` comments.
fn has_sql(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with("--")
    })
}

/// The name of atlas's checksum file, kept beside the migrations.
pub const ATLAS_SUM: &str = "atlas.sum";

/// What checking a folder's `atlas.sum` found, when it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumChecked {
    /// The files it covers, all matching.
    pub files: usize,
}

/// Check `atlas.sum` (its text `sum`) against the folder's migration
/// files, `files` as (name, bytes) in any order: atlas's format, a first
/// line `h1:` with the base64 SHA-256 of the lines after it, then one line
/// per `.sql` file in name order, `NAME h1:HASH`, where HASH is the base64
/// SHA-256 of every name and content up to and including that file's. The
/// first file that does not match is named; a file missing from either
/// side too.
pub fn check_atlas_sum(
    dir: &Path,
    sum: &str,
    files: &[(String, Vec<u8>)],
) -> Result<SumChecked, FolderError> {
    use sha2::{Digest, Sha256};
    let at = dir.join(ATLAS_SUM);
    let at = at.display();
    let mut lines = sum.lines();
    let total = lines
        .next()
        .and_then(|l| l.strip_prefix("h1:"))
        .ok_or_else(|| {
            FolderError::new(format!(
                "{at} is not an atlas checksum file: its first line is not h1:SUM"
            ))
        })?;
    let mut listed = Vec::new();
    for (i, line) in lines.enumerate() {
        let Some((name, hash)) = line.split_once("h1:") else {
            return Err(FolderError::new(format!(
                "{at}:{}: not a checksum line (NAME h1:HASH)",
                i + 2
            )));
        };
        listed.push((name.trim().to_string(), hash.to_string()));
    }
    let mut whole = Sha256::new();
    for (name, hash) in &listed {
        whole.update(name.as_bytes());
        whole.update(hash.as_bytes());
    }
    if base64(&whole.finalize()) != total {
        return Err(FolderError::new(format!(
            "{at} does not match itself: its first line is not the sum of the lines after it"
        ))
        .help("the checksum file was edited by hand; run atlas migrate hash, or remove it"));
    }
    let mut ours: Vec<&(String, Vec<u8>)> = files
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().ends_with(".sql"))
        .collect();
    ours.sort_by(|a, b| a.0.cmp(&b.0));
    let mut running = Sha256::new();
    let redo =
        "if the change is meant, run atlas migrate hash; otherwise put the file back as it was";
    for (i, (name, bytes)) in ours.iter().enumerate() {
        running.update(name.as_bytes());
        running.update(bytes);
        let hash = base64(&running.clone().finalize());
        match listed.get(i) {
            Some((n, h)) if n == name && *h == hash => {}
            Some((n, _)) if n == name => {
                return Err(FolderError::new(format!(
                    "{at}: the checksum of {name} does not match: it was changed after {ATLAS_SUM} was written"
                ))
                .help(redo))
            }
            _ => {
                return Err(FolderError::new(format!(
                    "{at}: {name} is not in {ATLAS_SUM} where it sorts: it was added after {ATLAS_SUM} was written"
                ))
                .help(redo))
            }
        }
    }
    if let Some((name, _)) = listed.get(ours.len()) {
        return Err(
            FolderError::new(format!("{at} lists {name}, which is not in the folder")).help(redo),
        );
    }
    Ok(SumChecked { files: ours.len() })
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
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
        assert_eq!(
            ups(&["10.sql", "2.sql", "1.sql"]),
            ["1.sql", "2.sql", "10.sql"]
        );
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
        assert_eq!(
            err(&["1.sql", "2_b.sql"]),
            "m mixes naming schemes: 1.sql is a plain number (1.sql), 2_b.sql is numbered (0001_name.sql)"
        );
        assert_eq!(
            err(&["1.sql", "01.sql"]),
            "01.sql and 1.sql have the same version"
        );
        for odd in [
            "init.sql",
            "v1__a.sql",
            "V1_a.sql",
            "Vx__a.sql",
            "1.a.sql",
            "_1_a.sql",
        ] {
            assert_eq!(
                err(&[odd]),
                format!("{odd} matches no migration naming scheme")
            );
        }
    }

    #[test]
    fn base64_as_the_standard_says() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn goose_and_dbmate_sections_keep_their_lines() {
        let goose = "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE t (a int);\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE t;\n";
        let s = sections("1_a.sql", goose).expect("goose");
        assert_eq!(s.layout, Layout::Goose);
        assert_eq!(s.up, "\n\nCREATE TABLE t (a int);\n\n\n\n\n");
        assert_eq!(s.down.as_deref(), Some("\n\n\n\n\n\nDROP TABLE t;\n"));
        let dbmate = "-- migrate:up transaction:false\nCREATE TABLE t (a int);\n-- migrate:down\n";
        let s = sections("1_a.sql", dbmate).expect("dbmate");
        assert_eq!(s.layout, Layout::Dbmate);
        assert_eq!(s.up, "\nCREATE TABLE t (a int);\n\n");
        assert_eq!(s.down, None);
        let plain = "-- a comment\nCREATE TABLE t (a int);";
        assert_eq!(
            sections("1_a.sql", plain),
            Ok(Sections {
                layout: Layout::Whole,
                up: plain.into(),
                down: None
            })
        );
        let err = |text: &str| sections("1_a.sql", text).expect_err("refused").message;
        assert_eq!(
            err("-- +goose Up\nSELECT 1;\n-- migrate:down\n"),
            "1_a.sql:3: a dbmate marker in a goose file (-- +goose Up)"
        );
        assert_eq!(
            err("-- +goose Down\nDROP TABLE t;\n"),
            "1_a.sql is a goose file (-- +goose Up) with no up section"
        );
        assert_eq!(
            err("-- migrate:up\n-- migrate:up\n"),
            "1_a.sql:2: a second up section"
        );
        assert_eq!(
            err("CREATE TABLE t (a int);\n-- migrate:up\n"),
            "1_a.sql: SQL before its first section, which dbmate does not run"
        );
    }

    #[test]
    fn an_atlas_sum_is_checked_file_by_file() {
        use sha2::{Digest, Sha256};
        let files = vec![
            ("2_b.sql".to_string(), b"B".to_vec()),
            ("1_a.sql".to_string(), b"A".to_vec()),
            ("README".to_string(), b"x".to_vec()),
        ];
        let mut h = Sha256::new();
        h.update(b"1_a.sqlA");
        let one = base64(&h.clone().finalize());
        h.update(b"2_b.sqlB");
        let two = base64(&h.finalize());
        let total = base64(&Sha256::digest(format!("1_a.sql{one}2_b.sql{two}")));
        let sum = format!("h1:{total}\n1_a.sql h1:{one}\n2_b.sql h1:{two}\n");
        assert_eq!(
            check_atlas_sum(Path::new("m"), &sum, &files),
            Ok(SumChecked { files: 2 })
        );
        let mut changed = files.clone();
        changed[0].1 = b"C".to_vec();
        assert_eq!(
            check_atlas_sum(Path::new("m"), &sum, &changed).unwrap_err().message,
            "m/atlas.sum: the checksum of 2_b.sql does not match: it was changed after atlas.sum was written"
        );
        assert_eq!(
            check_atlas_sum(Path::new("m"), &sum, &files[1..])
                .unwrap_err()
                .message,
            "m/atlas.sum lists 2_b.sql, which is not in the folder"
        );
        let edited = sum.replace("2_b.sql h1:", "2_b.sql h1:x");
        assert!(check_atlas_sum(Path::new("m"), &edited, &files)
            .unwrap_err()
            .message
            .contains("does not match itself"));
        assert!(check_atlas_sum(Path::new("m"), "", &files).is_err());
        assert!(check_atlas_sum(Path::new("m"), "h1:x\nno hash here\n", &files).is_err());
    }
}
