//! The one `--dry-run` / `--yes` mechanism every command that deletes or
//! overwrites shares: preview, ask on a terminal, refuse when unattended.

use crate::exit::{ExitCode, refuse};
use crate::ui::Ui;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConsentArgs {
    /// Show what would happen; change nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Do it without asking (needed when stdin is not a terminal).
    #[arg(short, long)]
    pub yes: bool,
}

/// What the user agreed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Go ahead.
    Proceed,
    /// Only report what would happen.
    DryRun,
}

impl ConsentArgs {
    /// Whether [`ConsentArgs::decide`] will ask at a prompt (so the caller
    /// should first show what the question is about).
    pub fn will_ask(&self, ui: &Ui) -> bool {
        !self.dry_run && !self.yes && ui.stdin_is_terminal()
    }

    /// Decides whether to go ahead with `action` (e.g. "delete 3 rooms from
    /// file:./data/rooms"). Asks on a terminal; refuses when unattended
    /// without `--yes`; a "no" at the prompt is a refusal too. A refusal
    /// carries its reason ([`crate::exit::Refusal`]): `needs-yes` or
    /// `not-confirmed`.
    pub fn decide(&self, ui: &Ui, action: &str) -> anyhow::Result<Consent> {
        if self.dry_run {
            return Ok(Consent::DryRun);
        }
        if self.yes {
            return Ok(Consent::Proceed);
        }
        if !ui.stdin_is_terminal() {
            return Err(refuse(
                ExitCode::Refused,
                "needs-yes",
                format!(
                    "refusing to {action} without --yes (stdin is not a terminal); preview it with --dry-run"
                ),
            ));
        }
        if ui.confirm(&format!("{}?", capitalise(action)))? {
            Ok(Consent::Proceed)
        } else {
            Err(refuse(
                ExitCode::Refused,
                "not-confirmed",
                "not confirmed; nothing was changed",
            ))
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
