//! `roomctl migrate-backend --to URI`: copies every room of one store into
//! another, reads each copy back, and deletes the source rooms only when
//! asked. The engine is [`crate::ops::migrate`] (its documentation says how
//! conflicts, one store under two names and `--no-copy` are handled); this
//! file checks the flags, asks for consent, shows progress and reports.

use std::path::PathBuf;
use std::time::Instant;

use super::{Context, MissingStore};
use crate::config::StoreFlags;
use crate::consent::{Consent, ConsentArgs};
use crate::exit::{self, ExitCode, Refusal, fail};
use crate::ops::migrate::{
    self, ConflictPolicy, MigrateCounts, MigrateOptions, MigrateReport, ReportFile, RoomRecord,
    RoomStatus, RunEnd,
};
use crate::output::{self, DocFormat, RefusableReport};
use crate::store::StoreKind;
use crate::store::uri::TlsOptions;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store to copy the rooms to (a directory, file:PATH, redis://…,
    /// rediss://…, redis+cluster://…, memory:).
    #[arg(long, value_name = "URI")]
    pub to: String,

    /// The store to copy from [default: the store --store, the environment or
    /// config.yaml names, as for every command].
    #[arg(long, value_name = "URI")]
    pub from: Option<String>,

    /// Redis key prefix of the rooms in the target [default: ?prefix= in
    /// --to, else room:]. (--key-prefix applies to the source.)
    #[arg(long, value_name = "PREFIX", help_heading = "Target store options")]
    pub to_key_prefix: Option<String>,

    /// Read the target Redis password from this file.
    #[arg(long, value_name = "FILE", help_heading = "Target store options")]
    pub to_password_file: Option<PathBuf>,

    /// Trust the CA certificates (PEM) in FILE for a rediss:// target, as
    /// --tls-ca does for the source.
    #[arg(long, value_name = "FILE", help_heading = "Target store options")]
    pub to_tls_ca: Option<PathBuf>,

    /// Present this client certificate (PEM) to a rediss:// target that
    /// asks for one; needs --to-tls-key.
    #[arg(
        long,
        value_name = "FILE",
        requires = "to_tls_key",
        help_heading = "Target store options"
    )]
    pub to_tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --to-tls-cert.
    #[arg(
        long,
        value_name = "FILE",
        requires = "to_tls_cert",
        help_heading = "Target store options"
    )]
    pub to_tls_key: Option<PathBuf>,

    /// Do not check the target's TLS certificate at all (self-signed test
    /// setups only; warned about on every run).
    #[arg(long, help_heading = "Target store options")]
    pub to_tls_insecure: bool,

    /// What to do when the target holds a different room of the same name
    /// (identical rooms are never conflicts). `fail` copies every other room
    /// and exits 5; `overwrite` and `newer` need --yes.
    #[arg(long, value_enum, default_value_t = ConflictPolicy::Fail)]
    pub on_conflict: ConflictPolicy,

    /// Create the target directory (and its missing parents) when it does
    /// not exist; without it, a missing directory is an error (exit 7).
    #[arg(long)]
    pub create_store: bool,

    /// Do not read the copies back from the target to compare them.
    #[arg(long)]
    pub no_verify: bool,

    /// Delete each room from the source once its copy is verified, unless
    /// the room changed in the source meanwhile (needs --yes).
    #[arg(long, conflicts_with = "no_verify")]
    pub delete_source: bool,

    /// With --delete-source: copy nothing. Delete from the source only the
    /// rooms the target holds identically; keep and name every other one
    /// (missing from the target, or different there) and exit 3 if any.
    /// The cleanup after a cut-over: a room deleted in the target since
    /// then stays deleted.
    #[arg(long, requires = "delete_source", conflicts_with = "on_conflict")]
    pub no_copy: bool,

    /// With --delete-source: go ahead when roomctl cannot tell whether the
    /// source and the target are the same store (a Redis user not allowed
    /// INFO or CLUSTER). Say so only after checking that they are not:
    /// the same store under two names would lose every room.
    #[arg(long, requires = "delete_source")]
    pub stores_are_distinct: bool,

    /// Write one JSON line per source entry to FILE: {"room", "status",
    /// "reason", "location"}.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Output format of the summary: text (one line on stderr), or json/yaml
    /// on stdout as well.
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,

    #[command(flatten)]
    pub consent: ConsentArgs,

    #[command(flatten)]
    pub metrics: crate::metrics::MetricsArgs,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

/// Warnings shown per room before the rest are only counted (-v shows all).
const SHOWN_WARNINGS: u64 = 50;

impl RefusableReport for MigrateReport {
    fn refusal_mut(&mut self) -> &mut Refusal {
        &mut self.refusal
    }
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    if args.from.is_some() && ctx.flags.store.is_some() {
        return Err(fail(
            ExitCode::Usage,
            "name the source with --from or --store, not both",
        ));
    }
    let source_end = StoreFlags {
        store: args.from.clone().or_else(|| ctx.flags.store.clone()),
        store_flag: if args.from.is_some() {
            "--from"
        } else {
            "--store"
        },
        role: "source store",
        ..ctx.flags.clone()
    };
    let target_end = target_end(ctx, &args);
    let target_resolved = ctx.resolve(&target_end)?;
    let (source, resolved) = ctx.open(&source_end, MissingStore::Refuse)?;
    let target = ctx.open_resolved(
        &target_resolved,
        &target_end,
        MissingStore::from_flag(args.create_store, args.consent.dry_run),
    )?;
    let (from, to) = (resolved.spec.redacted(), target_resolved.spec.redacted());
    let (source, target) = (source.as_ref(), target.as_ref());
    migrate::refuse_one_store(
        source,
        target,
        (&from, &to),
        args.delete_source,
        args.stores_are_distinct,
    )?;

    let mut options = MigrateOptions {
        on_conflict: args.on_conflict,
        verify: !args.no_verify,
        delete_source: args.delete_source,
        dry_run: args.consent.dry_run,
        with_ttl: !args.no_copy
            && source.kind() == StoreKind::Redis
            && target.kind() == StoreKind::Redis,
        no_copy: args.no_copy,
    };
    if !options.dry_run
        && let Some(action) = consent_needed(&args, &from, &to)
    {
        match args.consent.decide(&ctx.ui, &action) {
            Ok(consent) => options.dry_run = consent == Consent::DryRun,
            Err(e) => {
                let end = RunEnd {
                    code: exit::code_of(&e),
                    interrupted: false,
                    error: None,
                    elapsed_ms: 0,
                };
                let refused =
                    MigrateReport::new((&from, &to), &options, MigrateCounts::default(), end);
                return Err(output::print_refusal(args.output, refused, e));
            }
        }
    }
    let mut report = args.report.as_deref().map(ReportFile::create).transpose()?;

    ctx.ui.info(if args.no_copy {
        format!("deleting from {from} the rooms {to} holds identically")
    } else {
        format!("migrating {from} → {to}")
    });
    let started = Instant::now();
    let bar = ctx.ui.progress(
        source.size_hint(),
        if options.dry_run {
            "checking"
        } else {
            "migrating"
        },
    );
    let mut warned = 0u64;
    let show_all = ctx.ui.verbose > 0;
    let mut on_record = |record: &RoomRecord| -> anyhow::Result<()> {
        bar.inc(1);
        if bar.length().is_some_and(|len| bar.position() > len) {
            bar.set_length(bar.position());
        }
        if record.attention {
            warned += 1;
            if show_all || warned <= SHOWN_WARNINGS {
                bar.suspend(|| ctx.ui.warn(record.describe()));
            }
        } else if record.status == RoomStatus::Skipped {
            bar.suspend(|| ctx.ui.info(record.describe()));
        }
        match report.as_mut() {
            Some(r) => r.write(record),
            None => Ok(()),
        }
    };
    let stop = crate::interrupt::catch();
    let result = migrate::migrate(source, target, &options, stop, &mut on_record);
    bar.finish_and_clear();
    if !show_all && warned > SHOWN_WARNINGS {
        ctx.ui.warn(format!(
            "… and {} more rooms that need attention (-v or --report lists all)",
            warned - SHOWN_WARNINGS
        ));
    }
    let report_result = report.map(ReportFile::finish).transpose();
    let elapsed = started.elapsed();
    let elapsed_ms = elapsed.as_millis() as u64;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(stopped) => {
            let code = exit::code_of(&stopped.error);
            let message = migrate::stopped_message(&from, &to, &stopped.report);
            let error = stopped.error.context(message);
            let end = RunEnd {
                code,
                interrupted: false,
                error: Some(exit::one_line(&error)),
                elapsed_ms,
            };
            let report = MigrateReport::new((&from, &to), &options, stopped.report, end);
            ctx.metrics.record(&report);
            output::print_report(args.output, &report)?;
            return Err(error);
        }
    };
    report_result?;
    let verdict = migrate::verdict(&outcome.counts, &options, outcome.interrupted);
    let line = migrate::summary_line(&from, &to, &outcome.counts, &options, elapsed.as_secs_f64());
    let end = RunEnd {
        code: verdict.code,
        interrupted: outcome.interrupted,
        error: None,
        elapsed_ms,
    };
    let report = MigrateReport::new((&from, &to), &options, outcome.counts, end);
    ctx.metrics.record(&report);
    output::print_report(args.output, &report)?;
    ctx.ui.status(line);
    match verdict.complaint {
        Some(message) => Err(fail(verdict.code, message)),
        None => Ok(verdict.code),
    }
}

/// What the run asks consent for, when it overwrites or deletes anything.
fn consent_needed(args: &Args, from: &str, to: &str) -> Option<String> {
    if args.no_copy {
        return Some(format!(
            "delete the rooms of {from} that {to} holds identically"
        ));
    }
    let overwrites = args.on_conflict.may_overwrite();
    if !overwrites && !args.delete_source {
        return None;
    }
    let mut action = format!("copy every room of {from} to {to}");
    if overwrites {
        action.push_str(&format!(
            ", overwriting different rooms there (--on-conflict {})",
            args.on_conflict.name()
        ));
    }
    if args.delete_source {
        action.push_str(", and delete each verified room from the source");
    }
    Some(action)
}

/// The target as the `--to` flags name it; it is resolved and opened like
/// every store (see [`Context::open`]).
fn target_end(ctx: &Context, args: &Args) -> StoreFlags {
    StoreFlags {
        store: Some(args.to.clone()),
        store_flag: "--to",
        role: "target store",
        flag_prefix: "to-",
        key_prefix: args.to_key_prefix.clone(),
        config: ctx.flags.config.clone(),
        password_file: args.to_password_file.clone(),
        tls: TlsOptions {
            ca_file: args.to_tls_ca.clone(),
            cert_file: args.to_tls_cert.clone(),
            key_file: args.to_tls_key.clone(),
            insecure: args.to_tls_insecure,
        },
    }
}
