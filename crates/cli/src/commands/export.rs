//! `strata export`: write the ledger's text form into a folder (one JSON
//! file per event), leaving alone every file already there as it should be;
//! or, with `--bundle FILE`, the whole ledger as one file a program embeds
//! (docs/embedding.md).

use std::path::{Path, PathBuf};

use serde::Serialize;
use strata_ledger::{bundle, text};

use crate::context::Context;
use crate::failure::{exit, Failure};
use crate::report::{self, count, Text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to write (created if missing); files already there with
    /// the right bytes are left alone.
    #[arg(
        value_name = "DIR",
        required_unless_present = "bundle",
        conflicts_with = "bundle"
    )]
    pub dir: Option<PathBuf>,
    /// Write the whole ledger as one file instead, for a program to embed
    /// and apply at start-up (docs/embedding.md); a file that holds the
    /// same bytes already is left alone.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
}

pub const EXAMPLES: &str = "Examples:\n  strata export ledger-text\n  git add ledger-text && git commit -m 'schema: add users'\n  strata export --bundle app/schema.bundle";

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let ledger = cx.ledger()?;
    let dir = match (args.dir, args.bundle) {
        (_, Some(file)) => return export_bundle(cx, &ledger, &file),
        (Some(dir), None) => dir,
        (None, None) => {
            return Err(
                Failure::new("give the folder to export to, or --bundle FILE")
                    .with_code(exit::USAGE),
            )
        }
    };
    let progress = crate::term::Progress::start(cx, format!("exporting to {}", dir.display()));
    let done = text::export(&ledger, &dir);
    progress.done();
    let done = done?;
    cx.report(&Report {
        ahead: done.ahead,
        dialect: done.format.dialect.as_str(),
        dir: &dir,
        events: done.events,
        format_version: done.format.version,
        head: done.head.map(|(seq, hash)| super::HeadJson {
            hash: hash.to_string(),
            seq,
        }),
        text_version: text::TEXT_VERSION,
        unchanged: done.unchanged,
        written: done.written,
    })?;
    Ok(exit::OK)
}

/// What `export` reports. (JSON fields in alphabetical order, as always
/// printed.)
#[derive(Serialize)]
struct Report<'a> {
    /// The folder holds events after the ledger's head (left alone).
    ahead: bool,
    dialect: &'static str,
    dir: &'a Path,
    events: u64,
    format_version: u32,
    head: Option<super::HeadJson>,
    text_version: u32,
    /// Files already there with the right bytes.
    unchanged: u64,
    /// Files written (the header counts).
    written: u64,
}

impl report::Report for Report<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let events = count(self.events as usize, "event", "events");
        if self.written == 0 {
            out.say(format_args!(
                "{} is up to date: {events}, no file written",
                self.dir.display()
            ))?;
        } else {
            out.say(format_args!(
                "exported {events} to {} ({} written, {} unchanged)",
                self.dir.display(),
                count(self.written as usize, "file", "files"),
                self.unchanged
            ))?;
        }
        if self.ahead {
            out.warn(format_args!(
                "{} holds events after the ledger's head; `strata import {}` brings them in",
                self.dir.display(),
                self.dir.display()
            ));
        }
        Ok(())
    }
}

fn export_bundle(cx: &Context, ledger: &strata_ledger::Ledger, file: &Path) -> Result<u8, Failure> {
    let done = bundle::export(ledger, file)?;
    cx.report(&BundleReport {
        bundle: file,
        bundle_version: bundle::BUNDLE_VERSION,
        bytes: done.bytes,
        dialect: ledger.dialect().as_str(),
        events: done.events,
        format_version: ledger.format().version,
        head: done.head.map(|(seq, hash)| super::HeadJson {
            hash: hash.to_string(),
            seq,
        }),
        unchanged: done.unchanged,
    })?;
    Ok(exit::OK)
}

/// What `export --bundle` reports. (JSON fields in alphabetical order.)
#[derive(Serialize)]
struct BundleReport<'a> {
    bundle: &'a Path,
    bundle_version: u32,
    bytes: u64,
    dialect: &'static str,
    events: u64,
    format_version: u32,
    head: Option<super::HeadJson>,
    /// The file held the same bytes already, and was left alone.
    unchanged: bool,
}

impl report::Report for BundleReport<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let events = count(self.events as usize, "event", "events");
        if self.unchanged {
            out.say(format_args!(
                "{} is up to date: {events}, nothing written",
                self.bundle.display()
            ))
        } else {
            out.say(format_args!(
                "exported {events} to bundle {} ({} bytes)",
                self.bundle.display(),
                self.bytes
            ))
        }
    }
}
