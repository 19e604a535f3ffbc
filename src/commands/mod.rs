//! One file per subcommand, each with its `Args` and a thin `run`; this
//! module only holds what they share and dispatches.

pub mod completions;
pub mod delete;
pub mod list;
pub mod prune;
pub mod show;

use std::collections::HashMap;

use anyhow::Context as _;

use crate::cli::{Cli, Command};
use crate::config::{self, Resolved, StoreFlags};
use crate::exit::ExitCode;
use crate::store::{self, Store};
use crate::ui::Ui;

/// What every command gets: how to find the store, and the UI.
pub struct Context {
    pub flags: StoreFlags,
    pub env: HashMap<String, String>,
    pub ui: Ui,
}

impl Context {
    pub fn new(cli: &Cli) -> Context {
        Context {
            flags: StoreFlags {
                store: cli.store.clone(),
                key_prefix: cli.key_prefix.clone(),
                config: cli.config.clone(),
                password_file: cli.password_file.clone(),
            },
            env: std::env::vars().collect(),
            ui: Ui::new(cli.quiet, cli.verbose),
        }
    }

    /// Resolves and opens the store the flags, env and config name.
    pub fn open_store(&self) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        let resolved = config::resolve(&self.flags, &self.env)?;
        self.ui.info(format!(
            "store: {} (from {})",
            resolved.spec.redacted(),
            resolved.source
        ));
        let store = store::open(&resolved.spec)
            .with_context(|| format!("cannot open store {}", resolved.spec.redacted()))?;
        Ok((store, resolved))
    }
}

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::new(&cli);
    match cli.command {
        Command::List(args) => list::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Delete(args) => delete::run(&ctx, args),
        Command::PruneInactive(args) => prune::run(&ctx, args),
        Command::Completions(args) => completions::run(args),
    }
}
