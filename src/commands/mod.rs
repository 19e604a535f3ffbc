//! One file per subcommand, each with its `Args` and a thin `run`; this
//! module only holds what they share and dispatches.

pub mod archive;
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
            },
            env: std::env::vars().collect(),
            ui: Ui::new(cli.quiet, cli.verbose),
        }
    }

    /// Resolves and opens the store the flags, env and config name.
    pub fn open_store(&self) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        self.open_store_with(&self.flags)
    }

    /// Like [`Context::open_store`], with `name` in place of `--store` when
    /// given (the other flags, env and config still apply).
    pub fn open_named_store(
        &self,
        name: Option<&str>,
    ) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        match name {
            Some(name) => self.open_store_with(&StoreFlags {
                store: Some(name.to_string()),
                ..self.flags.clone()
            }),
            None => self.open_store(),
        }
    }

    fn open_store_with(&self, flags: &StoreFlags) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        let resolved = config::resolve(flags, &self.env)?;
        self.ui.info(format!(
            "store: {} (from {})",
            resolved.spec.redacted(),
            resolved.source
        ));
        if let StoreSpec::Redis(config) = &resolved.spec
            && config.tls.insecure
        {
            self.ui.warn(
                "TLS certificate checks are OFF (--tls-insecure): anyone on the network path \
                 can read and change the data, passwords included; give the server's CA with \
                 --tls-ca instead",
            );
        }
        let ui = self.ui.clone();
        let options = store::OpenOptions {
            retry_report: Some(Arc::new(move |message: &str| ui.warn(message))),
        };
        let store = store::open_with(&resolved.spec, &options)
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
        Command::Export(args) => export::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Archive(args) => archive::run(&ctx, args),
        Command::Check(args) => check::run(&ctx, args),
        Command::MigrateBackend(args) => migrate::run(&ctx, args),
        Command::PruneInactive(args) => prune::run(&ctx, args),
        Command::Completions(args) => completions::run(args),
    }
}
