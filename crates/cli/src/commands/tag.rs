//! `strata tag`: name a point, by appending a tag event.

use strata_ledger::{Body, Draft, Point};

use super::Recorded;
use crate::context::{parse_point, Context};
use crate::describe::{event_json, name, short};
use crate::failure::{exit, Failure};
use crate::flags::Author;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The name; it must not read as another point (all digits, head, @..., ~, spaces, 8+ hex characters).
    pub name: String,
    /// The point it names (default head).
    #[arg(value_parser = parse_point, default_value = "head")]
    pub point: Point,
    /// Why, for the history (default "tag NAME").
    #[arg(short, long)]
    pub message: Option<String>,
    #[command(flatten)]
    pub author: Author,
}

pub fn run(cx: &Context, args: Args) -> Result<u8, Failure> {
    strata_ledger::check_tag_name(&args.name).map_err(Failure::new)?;
    let author = args.author.name()?;
    let ledger = cx.ledger_to_append(true)?;
    let target = ledger.resolve(&args.point)?;
    let message = args.message.unwrap_or_else(|| format!("tag {}", args.name));
    let entry = ledger.append(Draft {
        at: None,
        author,
        message,
        body: Body::Tag {
            name: args.name.clone(),
            target,
        },
    })?;
    crate::flags::warn_if_clock_behind(false, &entry.event);
    let headline = format!(
        "tagged point {target} as {} (event {}, {})",
        name(&args.name),
        entry.event.seq,
        short(&entry.hash)
    );
    cx.report(&Recorded {
        event: event_json(&entry.hash, &entry.event),
        headline: Some(headline),
    })?;
    Ok(exit::OK)
}
