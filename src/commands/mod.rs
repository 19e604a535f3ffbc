//! One file per subcommand, each with its `Args` and a thin `run`; this
//! module only holds what they share and dispatches.

pub mod check;
pub mod completions;
pub mod delete;
pub mod export;
pub mod import;
pub mod list;
pub mod migrate;
pub mod prune;
pub mod show;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;

use crate::cli::{Cli, Command};
use crate::config::{self, Resolved, StoreFlags};
use crate::exit::ExitCode;
use crate::output::safe;
use crate::store::uri::TlsOptions;
use crate::store::{self, Store, StoreSpec};
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
                tls: TlsOptions {
                    ca_file: cli.tls_ca.clone(),
                    cert_file: cli.tls_cert.clone(),
                    key_file: cli.tls_key.clone(),
                    insecure: cli.tls_insecure,
                },
                ..StoreFlags::default()
            },
            env: std::env::vars().collect(),
            ui: Ui::new(cli.quiet, cli.verbose),
        }
    }

    /// Resolves and opens the store the flags, env and config name.
    pub fn open_store(&self) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        self.open(&self.flags)
    }

    /// Resolves and opens the store `end` names: `--store` and the global
    /// flags, or another set of flags naming a store in the same way
    /// (migrate-backend's `--to` and `--to-…`). Every store any command
    /// opens is opened here.
    pub fn open(&self, end: &StoreFlags) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        let resolved = self.resolve(end)?;
        let store = self.open_resolved(&resolved, end)?;
        Ok((store, resolved))
    }

    /// Which store `end` names, without opening it.
    pub fn resolve(&self, end: &StoreFlags) -> anyhow::Result<Resolved> {
        config::resolve(end, &self.env)
    }

    /// Opens a store [`Context::resolve`] found: says which on `-v`, warns
    /// when its TLS certificate is not checked, and reports retries.
    pub fn open_resolved(
        &self,
        resolved: &Resolved,
        end: &StoreFlags,
    ) -> anyhow::Result<Box<dyn Store>> {
        self.ui.info(format!(
            "{}: {} (from {})",
            end.role,
            resolved.spec.redacted(),
            resolved.source
        ));
        if let StoreSpec::Redis(config) = &resolved.spec
            && config.tls.insecure
        {
            let why = if end.tls.insecure {
                end.flag("tls-insecure")
            } else {
                "#insecure in the URL".to_string()
            };
            self.ui.warn(format!(
                "TLS certificate checks are OFF for {} ({why}): anyone on the network path \
                 can read and change the data, passwords included; give the server's CA with \
                 {} instead",
                resolved.spec.redacted(),
                end.flag("tls-ca"),
            ));
        }
        let ui = self.ui.clone();
        // What the store reports carries text from the server (its error
        // replies, a lock holder's note): shown escaped, as room names are.
        let options = store::OpenOptions {
            retry_report: Some(Arc::new(move |message: &str| ui.warn(safe(message)))),
        };
        store::open_with(&resolved.spec, &options)
            .with_context(|| format!("cannot open {} {}", end.role, resolved.spec.redacted()))
    }
}

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::new(&cli);
    match cli.command {
        Command::List(args) => list::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Delete(args) => delete::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Check(args) => check::run(&ctx, args),
        Command::MigrateBackend(args) => migrate::run(&ctx, args),
        Command::PruneInactive(args) => prune::run(&ctx, args),
        Command::Completions(args) => completions::run(args),
    }
}
