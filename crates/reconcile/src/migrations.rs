//! The migration folders `import-sql` reads: how each tool names its files
//! (Flyway `V1__name.sql` with `U1__name.sql` undo files; sqlx and Rails
//! `0001_name.sql`; golang-migrate and sqlx `0001_name.up.sql` with
//! `0001_name.down.sql`), and the migrations of a folder in version order,
//! versions compared as numbers. Names only: reading the SQL is the
//! caller's.

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
    let name = match stem.as_bytes().first() {
        Some(b'V') => flyway(&stem[1..], false),
        Some(b'U') => flyway(&stem[1..], true),
        _ => numbered(),
    };
    name.map(Some).ok_or_else(|| {
        FolderError::new(format!("{file} matches no migration naming scheme")).help(
            "name migrations V1__name.sql (Flyway, with U1__name.sql undo files), \
             0001_name.sql (sqlx, Rails) or 0001_name.up.sql with 0001_name.down.sql \
             (golang-migrate, sqlx)",
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
