//! `strata man [COMMAND]...`: the manual page (roff) of strata, or of one
//! of its commands, generated from the command line's clap definition
//! (clap_mangen). The page of strata lists the commands as `strata-NAME(1)`,
//! the pages `strata man NAME` prints.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::failure::{exit, Failure};
use crate::output;

pub const EXAMPLES: &str = "Examples:
  strata man | man -l -
  strata man apply | man -l -
  strata man archive purge > strata-archive-purge.1";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The command whose page to print (a command of a command after it:
    /// `archive list`); none for strata's own page.
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(args: Args) -> Result<u8, Failure> {
    // `strata help` is clap's and has no page; every other command has.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    for name in &args.command {
        let Some(sub) = cmd.find_subcommand(name).cloned() else {
            let path = cmd.get_display_name().unwrap_or("strata").replace('-', " ");
            let help = if cmd.has_subcommands() {
                format!("`{path} --help` lists its commands")
            } else {
                format!("{path} has no commands of its own")
            };
            return Err(Failure::new(format!("{path} has no command named {name:?}")).help(help));
        };
        cmd = sub;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .source(format!("strata {}", env!("CARGO_PKG_VERSION")))
        .manual("strata manual")
        .render(&mut page)
        .map_err(|e| Failure::new(format!("cannot write the manual page: {e}")))?;
    output::text(&String::from_utf8_lossy(&page))?;
    Ok(exit::OK)
}
