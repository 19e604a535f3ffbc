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

use crate::cli::{Cli, Command};
use crate::config::{self, Resolved, StoreFlags};
use crate::exit::{ExitCode, fail};
use crate::store::redis::RetryReport;
use crate::store::uri::TlsOptions;
use crate::store::{self, CreateMissing, Store, StoreError, StoreSpec};
use crate::ui::Ui;

/// What a command does when its file store's directory does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingStore {
    /// Refuse: this command never creates a store.
    Refuse,
    /// Refuse, naming `--create-store`, which this command has.
    Offer,
    /// Create it and its missing parents (`--create-store`).
    Create,
    /// Say what would be created, create nothing (`--create-store --dry-run`).
    WouldCreate,
}

impl MissingStore {
    /// For a command that has `--create-store`.
    pub fn from_flag(create_store: bool, dry_run: bool) -> MissingStore {
        match (create_store, dry_run) {
            (false, _) => MissingStore::Offer,
            (true, false) => MissingStore::Create,
            (true, true) => MissingStore::WouldCreate,
        }
    }
}

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

    /// Resolves and opens the store the flags, env and config name. A
    /// room directory that does not exist is an error (exit 7).
    pub fn open_store(&self) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        self.open_store_with(&self.flags, MissingStore::Refuse)
    }

    /// [`Context::open_store`] for a command that can create the store.
    pub fn open_store_or_create(
        &self,
        missing: MissingStore,
    ) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        self.open_store_with(&self.flags, missing)
    }

    /// Like [`Context::open_store`], with `name` in place of `--store` when
    /// given (the other flags, env and config still apply).
    pub fn open_named_store(
        &self,
        name: Option<&str>,
    ) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        match name {
            Some(name) => self.open_store_with(
                &StoreFlags {
                    store: Some(name.to_string()),
                    ..self.flags.clone()
                },
                MissingStore::Refuse,
            ),
            None => self.open_store(),
        }
    }

    fn open_store_with(
        &self,
        flags: &StoreFlags,
        missing: MissingStore,
    ) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
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
        let named_by = match resolved.source.as_str() {
            "default" => "the default store".to_string(),
            source => format!("from {source}"),
        };
        let ui = self.ui.clone();
        let retry_report: RetryReport = Arc::new(move |message: &str| ui.warn(message));
        let store = self.open_spec(&resolved.spec, &named_by, missing, Some(retry_report))?;
        Ok((store, resolved))
    }

    /// Opens `migrate-backend`'s target, a missing room directory handled as
    /// `missing` says. Its retries are not reported: a target that fails
    /// ends the run with one line naming it.
    pub fn open_target(
        &self,
        spec: &StoreSpec,
        missing: MissingStore,
    ) -> anyhow::Result<Box<dyn Store>> {
        self.open_spec(spec, "the target, from --to", missing, None)
    }

    /// Opens the store `spec` names (`named_by` says where that name came
    /// from, for messages), a missing room directory handled as `missing`
    /// says.
    fn open_spec(
        &self,
        spec: &StoreSpec,
        named_by: &str,
        missing: MissingStore,
        retry_report: Option<RetryReport>,
    ) -> anyhow::Result<Box<dyn Store>> {
        let report_ui = self.ui.clone();
        let dry_run = missing == MissingStore::WouldCreate;
        let options = store::OpenOptions {
            retry_report,
            create_missing: matches!(missing, MissingStore::Create | MissingStore::WouldCreate)
                .then(|| CreateMissing {
                    dry_run,
                    report: Arc::new(move |path: &std::path::Path| {
                        report_ui.status(format!(
                            "{} directory {}",
                            if dry_run { "would create" } else { "created" },
                            path.display()
                        ))
                    }),
                }),
        };
        store::open_with(spec, &options).map_err(|e| match e {
            StoreError::NoSuchDirectory { path } => fail(
                ExitCode::Unavailable,
                format!(
                    "store directory {path} ({named_by}): no such directory; nothing was created: {}",
                    match missing {
                        MissingStore::Refuse =>
                            "check the path for a typo (a new store is created by \
                             `import --create-store` or `migrate-backend --create-store`)",
                        _ => "check the path for a typo, or give --create-store to create it",
                    }
                ),
            ),
            e => anyhow::Error::new(e).context(format!("cannot open store {}", spec.redacted())),
        })
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
