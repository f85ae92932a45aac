//! The project setting, `strata.toml`: what a team commits beside its
//! code so that everyone's strata behaves alike. It is looked for in the
//! current folder, then in each folder above it; the first found is the
//! one, and the paths in it are relative to its folder.
//!
//! ```toml
//! # strata.toml
//! ledger = "db/ledger"   # --ledger, $STRATA_LEDGER
//! db = "app.db"          # --db, $STRATA_DB
//! author = "ci"          # --author, $STRATA_AUTHOR
//! text = "schema"        # the text form, which then follows the ledger
//! lint = "warn"          # or "deny"
//! ```
//!
//! A flag wins over its variable, which wins over the file, which wins
//! over the default.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use strata_ledger::{text, Ledger};

use crate::context::Context;
use crate::failure::{exit, Failure};
use crate::output;

/// The settings file's name.
pub const FILE: &str = "strata.toml";

/// What `strata.toml` says.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The ledger folder, when neither `--ledger` nor `$STRATA_LEDGER`
    /// names one.
    pub ledger: Option<PathBuf>,
    /// The database of the commands that take `--db`, when neither it nor
    /// `$STRATA_DB` is given.
    pub db: Option<PathBuf>,
    /// Who records and applies, when neither `--author` nor
    /// `$STRATA_AUTHOR` says.
    pub author: Option<String>,
    /// The text form's folder: with it, every command that appends writes
    /// the new events' files there, and every command first imports the
    /// files there that are newer than the ledger's head.
    pub text: Option<PathBuf>,
    /// How the lint's findings are taken: warnings, or refusals. Read
    /// here; the lint itself gives it its effect.
    pub lint: Option<Lint>,
}

/// `lint = "warn" | "deny"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lint {
    Warn,
    Deny,
}

/// The settings this process runs with, once [`load`] has found them.
static LOADED: OnceLock<Settings> = OnceLock::new();

/// The settings [`load`] found (none before it, or without a file).
pub fn get() -> &'static Settings {
    static NONE: Settings = Settings {
        ledger: None,
        db: None,
        author: None,
        text: None,
        lint: None,
    };
    LOADED.get().unwrap_or(&NONE)
}

/// Find and read the settings, from the current folder upward, for the
/// whole run (see [`get`]).
pub fn load() -> Result<&'static Settings, Failure> {
    let settings = match find(&std::env::current_dir().unwrap_or_default()) {
        Some(path) => Settings::load_from(&path)?,
        None => Settings::default(),
    };
    Ok(LOADED.get_or_init(|| settings))
}

/// The first `strata.toml` in `dir` or a folder above it, as a path from
/// `dir` (`strata.toml`, `../strata.toml`, ...), so that what strata prints
/// of it and of the paths in it reads as the user would type it.
fn find(dir: &Path) -> Option<PathBuf> {
    let mut up = PathBuf::new();
    for d in dir.ancestors() {
        if std::fs::symlink_metadata(d.join(FILE)).is_ok() {
            return Some(up.join(FILE));
        }
        up.push("..");
    }
    None
}

impl Settings {
    /// The settings in `path`, their paths made relative to its folder. A
    /// file that does not parse is an error naming it and the line (exit
    /// 2, as a bad argument is).
    fn load_from(path: &Path) -> Result<Settings, Failure> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => {
                return Err(Failure::new(format!("cannot read {}: {e}", path.display()))
                    .with_code(exit::USAGE))
            }
        };
        let mut settings: Settings = toml::from_str(&text).map_err(|e| {
            let what = e.message().trim().to_string();
            let at = e
                .span()
                .map(|s| format!(" (line {})", text[..s.start].matches('\n').count() + 1))
                .unwrap_or_default();
            Failure::new(format!("{}{at}: {what}", path.display()))
                .help("strata.toml takes ledger, db, author and text (strings), and lint = \"warn\" or \"deny\"")
                .with_code(exit::USAGE)
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        for p in [&mut settings.ledger, &mut settings.db, &mut settings.text]
            .into_iter()
            .flatten()
        {
            *p = base.join(&*p);
        }
        Ok(settings)
    }
}

/// Before a command: the files of the text form newer than the ledger's
/// head come in (only when there are some, so a command pays nothing
/// otherwise). `strict` (a command that appends) refuses to go on when they
/// cannot; a reader warns and reads what the ledger holds.
pub fn catch_up(cx: &Context, dir: &Path, strict: bool) -> Result<(), Failure> {
    let (ledger, forked) = match Ledger::open(&cx.global.ledger) {
        Ok(ledger) => {
            let forked = forked(&ledger, dir);
            (ledger, forked)
        }
        // No ledger yet (or none readable): the command says so itself.
        Err(_) => return Ok(()),
    };
    let next = dir.join(text::file_name(ledger.head_seq() + 1));
    let brought = match forked {
        Some(fork) => Err(Failure::from(fork)),
        None if std::fs::symlink_metadata(&next).is_err() => {
            // Nothing to bring in: the command reads the ledger as opened
            // here, rather than opening it again.
            cx.keep_opened(ledger);
            return Ok(());
        }
        None => cx
            .ledger_to_append(true)
            .and_then(|ledger| text::import(&ledger, dir, false).map_err(Failure::from)),
    };
    match brought {
        Ok(done) => {
            if done.imported > 0 && !cx.global.quiet && !cx.global.json {
                output::diagnostic(format_args!(
                    "imported {} newer event{} from {}",
                    done.imported,
                    if done.imported == 1 { "" } else { "s" },
                    dir.display()
                ));
            }
            Ok(())
        }
        Err(failure) if strict => Err(failure),
        Err(failure) => {
            output::diagnostic(format_args!(
                "warning: not following {}: {}",
                dir.display(),
                failure.message
            ));
            Ok(())
        }
    }
}

/// Whether the folder holds another event than the ledger at the last
/// seq both have (the ledger's head, or the folder's when the ledger is
/// ahead): a fork, found by reading one file (the whole folder is checked
/// when its newer files are imported).
fn forked(ledger: &Ledger, dir: &Path) -> Option<text::TextError> {
    let (head, _) = ledger.head()?;
    let seq = if dir.join(text::file_name(head)).is_file() {
        head
    } else {
        last_file_before(dir, head)?
    };
    let ours = ledger.event(seq).ok()??;
    let bytes = std::fs::read(dir.join(text::file_name(seq))).ok()?;
    let theirs = text::parse_event(&bytes, ledger.format()).ok()?;
    (theirs.hash != ours.hash).then(|| text::TextError::Forked {
        dir: dir.to_path_buf(),
        seq,
        ledger: ours.hash,
        text: theirs.hash,
    })
}

/// The largest seq below `head` that has an event file in `dir`.
fn last_file_before(dir: &Path, head: u64) -> Option<u64> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let seq: u64 = name.strip_suffix(".json")?.parse().ok()?;
            (seq < head && text::file_name(seq) == name).then_some(seq)
        })
        .max()
}

/// After a command that appended: the text form gets the new events'
/// files. The events are in the ledger whatever happens here, so a failure
/// is a warning, never an error a script would retry (and record twice).
pub fn write_out(cx: &Context, dir: &Path) {
    let written = Ledger::open(&cx.global.ledger)
        .map_err(Failure::from)
        .and_then(|ledger| text::export(&ledger, dir).map_err(Failure::from));
    if let Err(failure) = written {
        output::diagnostic(format_args!(
            "warning: the events are in the ledger, but not yet in {}: {}",
            dir.display(),
            failure.message
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_text_folder_and_refuses_anything_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE);
        assert!(Settings::load_from(&path).expect("none").text.is_none());
        std::fs::write(&path, "# the team's text form\ntext = \"schema\"\n").expect("write");
        assert_eq!(
            Settings::load_from(&path).expect("ok").text,
            Some(dir.path().join("schema"))
        );
        std::fs::write(
            &path,
            "ledger = \"/abs/l\"\ndb = \"a.db\"\nauthor = \"ci\"\nlint = \"deny\"\n",
        )
        .expect("write");
        let all = Settings::load_from(&path).expect("ok");
        assert_eq!(all.ledger, Some(PathBuf::from("/abs/l")));
        assert_eq!(all.db, Some(dir.path().join("a.db")));
        assert_eq!(all.author.as_deref(), Some("ci"));
        assert_eq!(all.lint, Some(Lint::Deny));
        std::fs::write(&path, "text = \"schema\"\nlint = \"loud\"\n").expect("write");
        let e = Settings::load_from(&path).expect_err("bad lint");
        assert!(e.message.contains("(line 2)"), "{}", e.message);
        std::fs::write(&path, "text = \"schema\"\nfollow = true\n").expect("write");
        let e = Settings::load_from(&path).expect_err("unknown key");
        assert_eq!(e.code, exit::USAGE);
        assert!(
            e.message.contains("unknown field `follow`"),
            "{}",
            e.message
        );
        assert!(e.message.contains("(line 2)"), "{}", e.message);
        std::fs::write(&path, "text = [").expect("write");
        assert!(Settings::load_from(&path).is_err());
    }

    #[test]
    fn is_found_in_the_nearest_folder_upward() {
        let dir = tempfile::tempdir().expect("tempdir");
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).expect("mkdir");
        std::fs::write(dir.path().join(FILE), "").expect("write");
        assert_eq!(find(&deep), Some(PathBuf::from("../..").join(FILE)));
        std::fs::write(dir.path().join("a").join(FILE), "").expect("write");
        assert_eq!(find(&deep), Some(PathBuf::from("..").join(FILE)));
        std::fs::write(deep.join(FILE), "").expect("write");
        assert_eq!(find(&deep), Some(PathBuf::from(FILE)));
    }
}
