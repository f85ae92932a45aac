//! `strata baseline`: adopt an existing database. Its schema, read back
//! from the file, becomes a `baseline` event, and the database is marked at
//! that event, so the next `apply` has nothing to do.

use std::path::Path;

use serde::Serialize;
use strata_ledger::{Body, Draft, Point};
use strata_reconcile::Mover;
use strata_target::Database;

use super::target::reconciler;
use crate::context::{parse_point, Context};
use crate::describe::{event_json, EventJson};
use crate::failure::{exit, Failure};
use crate::flags::{Author, Db, DryRun, Message, When};
use crate::report::{self, plural, Text};

pub const EXAMPLES: &str = "Examples:
  strata baseline --db app.db -m 'adopt app.db'
  strata baseline --db app.db -m 'adopt the hotfixed schema' --force-after head
  strata baseline --db postgresql://app@/shop -m 'adopt shop' --schema sales";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: Db,
    #[command(flatten)]
    pub message: Message,
    /// Adopt the database's schema after this point, which must be head: the
    /// baseline replaces the ledger's schema from there on.
    #[arg(long, value_parser = parse_point, value_name = "POINT")]
    pub force_after: Option<Point>,
    #[command(flatten)]
    pub author: Author,
    #[command(flatten)]
    pub when: When,
    #[command(flatten)]
    pub dry_run: DryRun,
    /// PostgreSQL: adopt the objects of this schema too (repeatable), beside
    /// `public` and the schemas the ledger names; `*` adopts every schema
    /// of the database's own.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    let author = args.author.name()?;
    let at = args.when.at()?;
    let path = args.db.path()?;
    let dry_run = args.dry_run.dry_run;
    let ledger = cx.ledger_to_append(!dry_run)?;
    let head = ledger.head_seq();
    match &args.force_after {
        None if head > 0 => {
            return Err(Failure::new(format!(
                "the ledger has {head} event{}: a baseline is its first event, unless forced",
                if head == 1 { "" } else { "s" }
            ))
            .help(format!(
                "to replace the ledger's schema with the database's after event {head}, give --force-after {head}"
            )))
        }
        Some(point) => {
            let after = ledger.resolve(point)?;
            if after != head {
                return Err(Failure::new(format!(
                    "--force-after names event {after}, but head is event {head}: a baseline can only follow head"
                ))
                .help(format!("check the history with `strata log`, then give --force-after {head}")));
            }
        }
        None => {}
    }
    if !super::any::is_url(&path) && !path.is_file() {
        return Err(Failure::new(format!(
            "{} is not a database file: baseline adopts one that exists",
            super::any::shown(&path)
        ))
        .help("give the path of the existing database; to start from nothing, record changes and `strata apply`"));
    }
    let r = reconciler(&ledger)?;
    let mut db = r.open(&path)?;
    match &db {
        super::any::AnyDb::Postgres(pg) => {
            let mut names = args.schemas.clone();
            names.extend(strata_postgres::render::schemas(&ledger.schema_at(head)?));
            pg.read_also(names);
        }
        _ if !args.schemas.is_empty() => {
            return Err(Failure::new(format!(
                "--schema names a PostgreSQL schema, and {} is a SQLite file",
                super::any::shown(&path)
            ))
            .help("a SQLite file is one schema: leave --schema out"))
        }
        _ => {}
    }
    let from = db
        .position()
        .map_err(|e| Failure::target(e).context(super::any::shown(&path)))?;
    if let Some(from) = &from {
        if ledger.id() != Some(from.ledger_id) {
            return Err(Failure::new(format!(
                "{} is already reconciled by another ledger (id {})",
                super::any::shown(&path),
                from.ledger_id.short(12)
            ))
            .help("give the --ledger it belongs to")
            .with_code(exit::INTEGRITY));
        }
    }
    let schema = db.introspect().map_err(|e| {
        Failure::new(format!("cannot adopt {}: {e}", super::any::shown(&path)))
            .help("strata adopts what it can model; see \"What record accepts\" in the guide")
    })?;
    let prepared = ledger.prepare(Draft {
        at,
        author: author.clone(),
        message: args.message.message,
        body: Body::Baseline {
            schema: schema.clone(),
        },
    })?;
    crate::flags::warn_if_clock_behind(at.is_some(), prepared.event());
    super::target::prove(&ledger, &prepared)?;
    let objects =
        schema.tables.len() + schema.indexes.len() + schema.views.len() + schema.triggers.len();
    if dry_run {
        cx.report(&Planned {
            event: event_json(&prepared.hash(), prepared.event()),
            db: &path,
            tables: schema.tables.len(),
            objects,
        })?;
        return Ok(exit::OK);
    }
    let entry = ledger.commit(prepared)?;
    let seq = entry.event.seq;
    // The event is in the ledger; now the database records it. Should this
    // fail, `apply` adopts the database later (its schema is the baseline's).
    let marking = r.adopt(&db, schema.clone(), seq)?;
    drop(ledger);
    db.apply(
        &marking.plan,
        marking.from.position.as_ref(),
        &marking.to,
        &marking.target,
        &Mover::named(author),
    )
    .map_err(|e| {
        Failure::new(e)
            .context(format!(
                "recorded baseline event {seq}, but could not mark {}",
                super::any::shown(&path)
            ))
            .help(format!(
                "run `strata apply --db {}` to mark it",
                super::any::shown(&path)
            ))
    })?;
    cx.report(&Adopted {
        db: &path,
        event: event_json(&entry.hash, &entry.event),
        tables: schema.tables.len(),
        objects,
    })?;
    Ok(exit::OK)
}

/// What `baseline --dry-run` reports: the event it would record (in JSON,
/// the event itself).
#[derive(Serialize)]
#[serde(transparent)]
struct Planned<'a> {
    event: EventJson<'a>,
    #[serde(skip)]
    #[serde(serialize_with = "super::any::serialize_shown")]
    db: &'a Path,
    #[serde(skip)]
    tables: usize,
    #[serde(skip)]
    objects: usize,
}

impl report::Report for Planned<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        out.say(format_args!(
            "would record baseline event {} of {} ({} table{}, {} object{}); nothing was appended",
            self.event.seq,
            super::any::shown(&self.db),
            self.tables,
            plural(self.tables as u64),
            self.objects,
            plural(self.objects as u64)
        ))
    }
}

/// What `baseline` reports: the database and the event that adopted it.
#[derive(Serialize)]
struct Adopted<'a> {
    #[serde(serialize_with = "super::any::serialize_shown")]
    db: &'a Path,
    event: EventJson<'a>,
    #[serde(skip)]
    tables: usize,
    #[serde(skip)]
    objects: usize,
}

impl report::Report for Adopted<'_> {
    fn text(&self, out: &Text<'_>) -> Result<(), Failure> {
        let seq = self.event.seq;
        out.say(format_args!(
            "recorded baseline event {seq} ({}): {} table{}, {} object{} from {}; it is marked at event {seq}",
            &self.event.hash[..12],
            self.tables,
            plural(self.tables as u64),
            self.objects,
            plural(self.objects as u64),
            super::any::shown(&self.db),
        ))
    }
}
