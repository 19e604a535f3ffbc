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
pub mod stats;

use std::collections::HashMap;
use std::sync::Arc;

use indicatif::ProgressBar;

use crate::cli::{Cli, Command, StoreArgs};
use crate::config::{self, Resolved, StoreFlags};
use crate::exit::{self, ExitCode, fail};
use crate::metrics::{Job, Metrics, MetricsFile};
use crate::ops::Progress;
use crate::output::safe;
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
    /// `--max-room-size`: the largest room read or written, in bytes.
    pub max_room_bytes: u64,
    /// What the run did, for `--metrics-file` (see [`Metered`]).
    pub metrics: Metrics,
}

impl Context {
    /// The context of a command run with these store options and `-q`/`-v`.
    /// A client certificate without its key (or a key without its
    /// certificate) is a usage error.
    pub fn new(store: StoreArgs, quiet: bool, verbose: u8) -> anyhow::Result<Context> {
        if store.tls_cert.is_some() != store.tls_key.is_some() {
            return Err(fail(
                ExitCode::Usage,
                "--tls-cert and --tls-key go together: give the client certificate \
                 with --tls-cert FILE and its private key with --tls-key FILE",
            ));
        }
        Ok(Context {
            flags: StoreFlags {
                store: store.store,
                key_prefix: store.key_prefix,
                config: store.config,
                password_file: store.password_file,
                tls: TlsOptions {
                    ca_file: store.tls_ca,
                    cert_file: store.tls_cert,
                    key_file: store.tls_key,
                    insecure: store.tls_insecure,
                },
                ..StoreFlags::default()
            },
            env: std::env::vars().collect(),
            ui: Ui::new(quiet, verbose),
            max_room_bytes: store
                .max_room_size
                .unwrap_or(crate::limit::DEFAULT_MAX_ROOM_BYTES),
            metrics: Metrics::default(),
        })
    }

    /// Resolves and opens the store the flags, env and config name. A
    /// room directory that does not exist is an error (exit 7).
    pub fn open_store(&self) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        self.open(&self.flags, MissingStore::Refuse)
    }

    /// [`Context::open_store`] for a command that can create the store.
    pub fn open_store_or_create(
        &self,
        missing: MissingStore,
    ) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        self.open(&self.flags, missing)
    }

    /// Resolves and opens the store `end` names: `--store` and the global
    /// flags, or another set of flags naming a store in the same way
    /// (migrate-backend's `--to` and `--to-…`), a missing room directory
    /// handled as `missing` says. Every store any command opens is opened
    /// here.
    pub fn open(
        &self,
        end: &StoreFlags,
        missing: MissingStore,
    ) -> anyhow::Result<(Box<dyn Store>, Resolved)> {
        let resolved = self.resolve(end)?;
        let store = self.open_resolved(&resolved, end, missing)?;
        Ok((store, resolved))
    }

    /// Which store `end` names, without opening it.
    pub fn resolve(&self, end: &StoreFlags) -> anyhow::Result<Resolved> {
        config::resolve(end, &self.env)
    }

    /// Opens a store [`Context::resolve`] found: says which on `-v`, warns
    /// when its TLS certificate is not checked, reports retries, and
    /// handles a missing room directory as `missing` says.
    pub fn open_resolved(
        &self,
        resolved: &Resolved,
        end: &StoreFlags,
        missing: MissingStore,
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
        let named_by = match resolved.source.as_str() {
            "default" => "the default store".to_string(),
            source => format!("from {source}"),
        };
        let ui = self.ui.clone();
        let report_ui = self.ui.clone();
        let dry_run = missing == MissingStore::WouldCreate;
        let options = store::OpenOptions {
            // What the store reports carries text from the server (its error
            // replies, a lock holder's note): shown escaped, as room names are.
            retry_report: Some(Arc::new(move |message: &str| ui.warn(safe(message)))),
            max_room_bytes: self.max_room_bytes,
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
        store::open_with(&resolved.spec, &options).map_err(|e| match e {
            StoreError::NoSuchDirectory { path } => fail(
                ExitCode::Unavailable,
                format!(
                    "{} directory {path} ({named_by}): no such directory; nothing was created: {}",
                    end.role,
                    match missing {
                        MissingStore::Refuse =>
                            "check the path for a typo (a new store is created by \
                             `import --create-store` or `migrate-backend --create-store`)",
                        _ => "check the path for a typo, or give --create-store to create it",
                    }
                ),
            ),
            e => anyhow::Error::new(e).context(format!(
                "cannot open {} {}",
                end.role,
                resolved.spec.redacted()
            )),
        })
    }
}

/// Shows an engine's progress on `bar`, and its warnings above it (text
/// from storage made safe).
pub fn show_progress<'a>(ui: &'a Ui, bar: &'a ProgressBar) -> impl Fn(Progress) + 'a {
    move |event| match event {
        Progress::Stage { total, .. } => {
            if let Some(total) = total {
                bar.set_length(total);
            }
        }
        Progress::Advance(n) => bar.inc(n),
        Progress::Warning(line) => bar.suspend(|| ui.warn(safe(&line))),
    }
}

/// Runs the parsed command line. Each command that opens a store gets a
/// [`Context`] from its store options (given after the command) over those
/// given before it.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let Cli {
        store: before,
        quiet,
        verbose,
        command,
    } = cli;
    let ctx = |after: &StoreArgs| Context::new(after.clone().over(before.clone()), quiet, verbose);
    match command {
        Command::List(args) => list::run(&ctx(&args.store)?, args),
        Command::Show(args) => show::run(&ctx(&args.store)?, args),
        Command::Stats(args) => stats::run(&ctx(&args.store)?, args),
        Command::Delete(args) => delete::run(&ctx(&args.store)?, args),
        Command::Export(args) => {
            let job = Metered::new("export", &args.metrics, false);
            job.run(ctx(&args.store), None, |ctx| export::run(ctx, args))
        }
        Command::Import(args) => {
            let job = Metered::new("import", &args.metrics, args.consent.dry_run);
            job.run(ctx(&args.store), None, |ctx| import::run(ctx, args))
        }
        Command::Archive(args) => {
            archive::run(&Context::new(before.clone(), quiet, verbose)?, args)
        }
        Command::Check(args) => {
            let job = Metered::new("check", &args.metrics, args.consent.dry_run);
            job.run(ctx(&args.store), None, |ctx| check::run(ctx, args))
        }
        Command::MigrateBackend(args) => {
            let job = Metered::new("migrate-backend", &args.metrics, args.consent.dry_run);
            // The source is the store of its metrics.
            let source = args.from.clone();
            job.run(ctx(&args.store), source, |ctx| migrate::run(ctx, args))
        }
        Command::PruneInactive(args) => {
            let job = Metered::new("prune-inactive", &args.metrics, args.consent.dry_run);
            job.run(ctx(&args.store), None, |ctx| prune::run(ctx, args))
        }
        Command::Completions(args) => completions::run(args),
    }
}

/// A run of a command that takes `--metrics-file`.
struct Metered {
    command: &'static str,
    file: Option<std::path::PathBuf>,
    dry_run: bool,
}

impl Metered {
    fn new(command: &'static str, args: &crate::metrics::MetricsArgs, dry_run: bool) -> Metered {
        Metered {
            command,
            file: args.metrics_file.clone(),
            dry_run,
        }
    }

    /// Runs the command and, with `--metrics-file`, writes the file once it
    /// has returned, whatever it returned: the counts it recorded (zeros if
    /// none) and its exit code. `store` names the store of the metrics when
    /// it is not `--store` (migrate-backend's `--from`).
    fn run(
        self,
        ctx: anyhow::Result<Context>,
        store: Option<String>,
        run: impl FnOnce(&Context) -> anyhow::Result<ExitCode>,
    ) -> anyhow::Result<ExitCode> {
        let Some(path) = self.file else {
            return run(&ctx?);
        };
        // A file that cannot be written is refused before anything is done.
        let file = MetricsFile::create(&path).map_err(|e| {
            fail(
                ExitCode::Usage,
                format!(
                    "--metrics-file {}: cannot write it ({e}); give a file in a directory \
                     this user can write, such as node_exporter's textfile directory; \
                     nothing was done",
                    safe(&path.display().to_string())
                ),
            )
        })?;
        let (result, store, metrics, ui) = match ctx {
            Ok(ctx) => {
                let mut flags = ctx.flags.clone();
                flags.store = store.or(flags.store);
                // A store that cannot even be named is `unknown`.
                let store = ctx
                    .resolve(&flags)
                    .map_or_else(|_| "unknown".into(), |r| r.spec.redacted());
                let result = run(&ctx);
                (result, store, ctx.metrics, ctx.ui)
            }
            Err(e) => (
                Err(e),
                "unknown".into(),
                Metrics::default(),
                Ui::new(false, 0),
            ),
        };
        let job = Job {
            command: self.command,
            store,
            dry_run: self.dry_run,
        };
        let code = exit::status_of(&result);
        let shown = safe(&file.path().display().to_string()).into_owned();
        match (file.finish(&job, &metrics, code), result) {
            (Ok(()), result) => result,
            // The run's own error says more than the metrics' one.
            (Err(e), Err(run_error)) => {
                ui.warn(format!("cannot write the metrics file {shown}: {e}"));
                Err(run_error)
            }
            (Err(e), Ok(ExitCode::Success)) => Err(fail(
                ExitCode::Failure,
                format!(
                    "the run succeeded, but the metrics file {shown} could not be written: {e}"
                ),
            )),
            (Err(e), Ok(code)) => {
                ui.warn(format!("cannot write the metrics file {shown}: {e}"));
                Ok(code)
            }
        }
    }
}
