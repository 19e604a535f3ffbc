//! Everything roomctl says on stderr: status lines, warnings, progress bars
//! and confirmation prompts. stdout is for data and goes through `output.rs`.

use std::cell::RefCell;
use std::io::{self, BufRead, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ops::Progress;

/// How chatty to be, decided once from the flags and the terminal.
#[derive(Debug, Clone)]
pub struct Ui {
    pub quiet: bool,
    pub verbose: u8,
    stderr_tty: bool,
    stdin_tty: bool,
}

impl Ui {
    pub fn new(quiet: bool, verbose: u8) -> Ui {
        Ui {
            quiet,
            verbose,
            stderr_tty: io::stderr().is_terminal(),
            stdin_tty: io::stdin().is_terminal(),
        }
    }

    /// A status line (suppressed by `-q`).
    pub fn status(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            self.line(msg.as_ref());
        }
    }

    /// A warning: always shown, even with `-q`.
    pub fn warn(&self, msg: impl AsRef<str>) {
        self.line(&format!("roomctl: warning: {}", msg.as_ref()));
    }

    /// What a confirmation prompt is about: shown even with `-q`, since
    /// nobody should confirm what they cannot see.
    pub fn preview(&self, msg: impl AsRef<str>) {
        self.line(msg.as_ref());
    }

    /// Detail shown with `-v`.
    pub fn info(&self, msg: impl AsRef<str>) {
        if self.verbose > 0 && !self.quiet {
            self.line(msg.as_ref());
        }
    }

    fn line(&self, msg: &str) {
        let mut err = io::stderr().lock();
        // Nothing useful can be done when stderr itself is gone.
        let _ = writeln!(err, "{msg}");
    }

    pub fn stdin_is_terminal(&self) -> bool {
        self.stdin_tty
    }

    /// Asks a yes/no question on the terminal; `false` unless answered yes.
    pub fn confirm(&self, question: &str) -> io::Result<bool> {
        let mut err = io::stderr().lock();
        write!(err, "{question} [y/N] ")?;
        err.flush()?;
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }

    /// A progress bar on stderr when it is a terminal, hidden otherwise.
    pub fn progress(&self, total: Option<u64>, what: &str) -> ProgressBar {
        if self.quiet || !self.stderr_tty {
            return ProgressBar::hidden();
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {pos}/{len} rooms ({per_sec}, eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {msg} {pos} rooms ({per_sec})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }
}

/// Draws an engine's [`Progress`]: one bar per stage, replaced when the
/// next stage begins and cleared by [`ProgressBars::clear`] or on drop.
pub struct ProgressBars<'a> {
    ui: &'a Ui,
    bar: RefCell<Option<ProgressBar>>,
}

impl<'a> ProgressBars<'a> {
    pub fn new(ui: &'a Ui) -> ProgressBars<'a> {
        ProgressBars {
            ui,
            bar: RefCell::new(None),
        }
    }

    /// Shows what the engine said.
    pub fn show(&self, progress: Progress) {
        match progress {
            Progress::Stage { name, total } => {
                self.clear();
                *self.bar.borrow_mut() = Some(self.ui.progress(total, name));
            }
            Progress::Advance(n) => {
                if let Some(bar) = self.bar.borrow().as_ref() {
                    bar.inc(n);
                }
            }
            Progress::Warning(line) => {
                let line = crate::output::safe(&line);
                match self.bar.borrow().as_ref() {
                    Some(bar) => bar.suspend(|| self.ui.warn(&line)),
                    None => self.ui.warn(&line),
                }
            }
        }
    }

    /// Removes the bar, before anything else is written to stderr.
    pub fn clear(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for ProgressBars<'_> {
    fn drop(&mut self) {
        self.clear();
    }
}
