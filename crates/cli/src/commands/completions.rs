//! `strata completions SHELL`: the shell's completion script for strata,
//! generated from the command line's clap definition (clap_complete), so
//! it always knows every command, flag and fixed value this strata has.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::failure::{exit, Failure};
use crate::output;

pub const EXAMPLES: &str = "Examples:
  source <(strata completions bash)
  strata completions bash > ~/.local/share/bash-completion/completions/strata
  strata completions zsh > ~/.zfunc/_strata
  strata completions fish > ~/.config/fish/completions/strata.fish
  strata completions powershell >> $PROFILE";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to write the script for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

pub fn run(args: Args) -> Result<u8, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "strata", &mut script);
    output::text(&String::from_utf8_lossy(&script))?;
    Ok(exit::OK)
}
