//! What strata does for a person at a terminal, and nothing for a script:
//! colour on the `error:`, `warning:` and `help:` prefixes (`--color`,
//! `NO_COLOR`), progress on standard error while a long step runs, and
//! Ctrl-C during an apply (stopped at a safe point and rolled back).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::ColorChoice;

/// Whether standard error is coloured: unset (`auto`) until [`set_color`].
static COLOR: AtomicU8 = AtomicU8::new(0);
const YES: u8 = 1;
const NO: u8 = 2;

/// Decide once, from `--color`, `NO_COLOR` and whether standard error is a
/// terminal, whether strata colours what it prints there.
pub fn set_color(choice: ColorChoice) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let on = colored(choice, no_color, std::io::stderr().is_terminal());
    COLOR.store(if on { YES } else { NO }, Ordering::Relaxed);
}

/// The decision of [`set_color`]: `always` and `never` say so; `auto`
/// colours a terminal unless `NO_COLOR` is set (to anything but empty).
pub fn colored(choice: ColorChoice, no_color: bool, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    }
}

/// `line` with its `error:`, `warning:` or `help:` prefix coloured (bold
/// red, bold yellow, bold cyan) when standard error is coloured.
pub fn paint(line: &str) -> std::borrow::Cow<'_, str> {
    if COLOR.load(Ordering::Relaxed) != YES {
        return line.into();
    }
    for (prefix, code) in [("error:", "1;31"), ("warning:", "1;33"), ("help:", "1;36")] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return format!("\x1b[{code}m{prefix}\x1b[0m{rest}").into();
        }
    }
    line.into()
}

/// Whether a step shows progress: only on a terminal, and never under
/// `--quiet` or `--json` (a script reads those).
pub fn shows_progress(terminal: bool, quiet: bool, json: bool) -> bool {
    terminal && !quiet && !json
}

/// A spinner on standard error with `message`, while a long step runs;
/// hidden unless [`shows_progress`]. It goes away when dropped (or
/// [`Progress::done`]), leaving nothing behind.
pub struct Progress(ProgressBar);

impl Progress {
    pub fn start(cx: &crate::context::Context, message: impl Into<String>) -> Progress {
        let shown = shows_progress(
            std::io::stderr().is_terminal(),
            cx.global.quiet,
            cx.global.json,
        );
        let bar = if shown {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message.into());
        if shown {
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        Progress(bar)
    }

    /// The step is over: the spinner goes.
    pub fn done(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Set by Ctrl-C (SIGINT) once [`stop_on_ctrl_c`] is in place.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// From now on, Ctrl-C sets [`INTERRUPTED`] (which stops an apply at its
/// next safe point, see `SqliteDb::stop_when`) and says so at once; a
/// second one ends the process there (exit 130): SQLite rolls back an
/// unfinished transaction when the database is next opened.
pub fn stop_on_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        crate::output::diagnostic("interrupted: stopping the apply and rolling it back");
    });
}

/// The exit status of a command stopped by Ctrl-C, as shells report one
/// killed by SIGINT.
pub const INTERRUPTED_EXIT: u8 = 130;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_flag_then_no_color_then_the_terminal() {
        for no_color in [false, true] {
            for terminal in [false, true] {
                assert!(colored(ColorChoice::Always, no_color, terminal));
                assert!(!colored(ColorChoice::Never, no_color, terminal));
            }
        }
        assert!(colored(ColorChoice::Auto, false, true));
        assert!(!colored(ColorChoice::Auto, true, true));
        assert!(!colored(ColorChoice::Auto, false, false));
    }

    #[test]
    fn progress_is_for_a_terminal_and_not_for_scripts() {
        assert!(shows_progress(true, false, false));
        assert!(!shows_progress(false, false, false));
        assert!(!shows_progress(true, true, false));
        assert!(!shows_progress(true, false, true));
    }
}
