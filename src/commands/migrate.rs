//! `roomctl migrate-backend --to URI`: copies every room of one store into
//! another, reads each copy back, and deletes the source rooms only when
//! asked. The engine is [`crate::ops::migrate`]; this file checks the flags, asks
//! for consent, shows progress and reports.
//!
//! Conflicts under the default `--on-conflict fail`: the migration copies
//! every room that does not conflict, writes nothing over a conflicting
//! room, names every conflict, and exits with status 5. It does not make a
//! first pass to refuse everything when one conflict exists: rooms are
//! independent, copying a non-conflicting room overwrites nothing, and a
//! re-run with a policy settles only the conflicts (the rest are found
//! identical). `--dry-run` is that first pass when one is wanted: it reports
//! every conflict and writes nothing.
//!
//! The source and the target must be two stores, by what the stores say they
//! are once open ([`crate::store::identity`]), not by how they are named:
//! a store migrated onto itself finds every room identical, and
//! `--delete-source` would delete them all. This is checked before anything
//! is written, dry runs included.
//!
//! `--delete-source --no-copy` is the cut-over cleanup: after the server has
//! moved to the target, a room missing there was most likely deleted by its
//! users, and copying it back would resurrect it. It writes nothing to the
//! target, deletes only the source rooms the target holds identically, and
//! keeps and names every other one (exit 3).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use serde::Serialize;

use super::{Context, MissingStore};
use crate::config::StoreFlags;
use crate::consent::{Consent, ConsentArgs};
use crate::exit::{ExitCode, Refusal, fail};
use crate::ops::migrate::{self, ConflictPolicy, Options, ReportFile, RoomRecord, Status, Tally};
use crate::output::{self, DocFormat, safe};
use crate::store::uri::TlsOptions;
use crate::store::{Relation, Store, StoreKind};

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
    #[arg(long, value_name = "PREFIX")]
    pub to_key_prefix: Option<String>,

    /// Read the target Redis password from this file.
    #[arg(long, value_name = "FILE")]
    pub to_password_file: Option<PathBuf>,

    /// Trust the CA certificates (PEM) in FILE for a rediss:// target, as
    /// --tls-ca does for the source.
    #[arg(long, value_name = "FILE")]
    pub to_tls_ca: Option<PathBuf>,

    /// Present this client certificate (PEM) to a rediss:// target that
    /// asks for one; needs --to-tls-key.
    #[arg(long, value_name = "FILE", requires = "to_tls_key")]
    pub to_tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --to-tls-cert.
    #[arg(long, value_name = "FILE", requires = "to_tls_cert")]
    pub to_tls_key: Option<PathBuf>,

    /// Do not check the target's TLS certificate at all (self-signed test
    /// setups only; warned about on every run).
    #[arg(long)]
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
}

/// What `migrate-backend -o json` prints. This shape is stable: fields are
/// only ever added.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    source: String,
    target: String,
    dry_run: bool,
    on_conflict: ConflictPolicy,
    verify: bool,
    delete_source: bool,
    no_copy: bool,
    #[serde(flatten)]
    tally: &'a Tally,
    unresolved_conflicts: u64,
    /// Every room of the source is in the target and verified (or kept on
    /// purpose by the conflict policy).
    complete: bool,
    interrupted: bool,
    /// Why the run stopped early, when it did.
    error: Option<String>,
    /// Why nothing was done, when the run was refused (`needs-yes`,
    /// `not-confirmed`).
    #[serde(flatten)]
    refusal: Refusal,
    elapsed_ms: u64,
    exit_code: i32,
}

/// Warnings shown per room before the rest are only counted (-v shows all).
const SHOWN_WARNINGS: u64 = 50;

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
    refuse_one_store(source.as_ref(), target.as_ref(), &from, &to, &args)?;

    let policy = args.on_conflict;
    let overwrites = matches!(policy, ConflictPolicy::Overwrite | ConflictPolicy::Newer);
    let dry_run = if args.consent.dry_run {
        true
    } else if args.no_copy {
        let action = format!("delete the rooms of {from} that {to} holds identically");
        args.consent.decide(&ctx.ui, &action)? == Consent::DryRun
    } else if overwrites || args.delete_source {
        let mut action = format!("copy every room of {from} to {to}");
        if overwrites {
            action.push_str(&format!(
                ", overwriting different rooms there (--on-conflict {})",
                policy.name()
            ));
        }
        if args.delete_source {
            action.push_str(", and delete each verified room from the source");
        }
        match args.consent.decide(&ctx.ui, &action) {
            Ok(consent) => consent == Consent::DryRun,
            Err(e) => {
                print_refusal(&args, &from, &to, &e)?;
                return Err(e);
            }
        }
    } else {
        false
    };
    let options = Options {
        on_conflict: policy,
        verify: !args.no_verify,
        delete_source: args.delete_source,
        dry_run,
        with_ttl: !args.no_copy
            && source.kind() == StoreKind::Redis
            && target.kind() == StoreKind::Redis,
        no_copy: args.no_copy,
    };
    let mut report = args.report.as_deref().map(ReportFile::create).transpose()?;

    ctx.ui.info(if args.no_copy {
        format!("deleting from {from} the rooms {to} holds identically")
    } else {
        format!("migrating {from} → {to}")
    });
    let started = Instant::now();
    let bar = ctx.ui.progress(
        source.size_hint(),
        if dry_run { "checking" } else { "migrating" },
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
                bar.suspend(|| ctx.ui.warn(describe(record)));
            }
        } else if record.status == Status::Skipped {
            bar.suspend(|| ctx.ui.info(describe(record)));
        }
        match report.as_mut() {
            Some(r) => r.write(record),
            None => Ok(()),
        }
    };
    let stop = crate::interrupt::catch();
    let result = migrate::migrate(
        source.as_ref(),
        target.as_ref(),
        &options,
        stop,
        &mut on_record,
    );
    bar.finish_and_clear();
    if !show_all && warned > SHOWN_WARNINGS {
        ctx.ui.warn(format!(
            "… and {} more rooms that need attention (-v or --report lists all)",
            warned - SHOWN_WARNINGS
        ));
    }
    let report_result = report.map(ReportFile::finish).transpose();
    let elapsed = started.elapsed();
    let run = Run {
        from: &from,
        to: &to,
        options: &options,
        elapsed_ms: elapsed.as_millis() as u64,
    };

    let outcome = match result {
        Ok(outcome) => outcome,
        Err(stopped) => {
            let code = crate::exit::code_of(&stopped.error);
            let message = format!(
                "migration {from} → {to} stopped after {} entries ({} copied, {} identical); nothing is half-written, run the same command again to finish",
                stopped.tally.scanned, stopped.tally.copied, stopped.tally.identical
            );
            let error = stopped.error.context(message);
            print_json(
                &args,
                &run.summary(&stopped.tally, false, Some(one_line(&error)), code),
            )?;
            return Err(error);
        }
    };
    report_result?;
    let tally = &outcome.tally;
    let (code, complaint) = verdict(tally, &options, outcome.interrupted);
    print_json(&args, &run.summary(tally, outcome.interrupted, None, code))?;
    ctx.ui.status(summary_line(
        &from,
        &to,
        tally,
        &options,
        elapsed.as_secs_f64(),
    ));
    match complaint {
        Some(message) => Err(fail(code, message)),
        None => Ok(code),
    }
}

/// What the summary says about the run beyond the counts.
struct Run<'a> {
    from: &'a str,
    to: &'a str,
    options: &'a Options,
    elapsed_ms: u64,
}

impl Run<'_> {
    fn summary<'t>(
        &self,
        tally: &'t Tally,
        interrupted: bool,
        error: Option<String>,
        code: ExitCode,
    ) -> Summary<'t> {
        Summary {
            source: self.from.to_string(),
            target: self.to.to_string(),
            dry_run: self.options.dry_run,
            on_conflict: self.options.on_conflict,
            verify: self.options.verify,
            delete_source: self.options.delete_source,
            no_copy: self.options.no_copy,
            unresolved_conflicts: tally.unresolved_conflicts(),
            tally,
            complete: error.is_none() && !interrupted && code == ExitCode::Success,
            interrupted,
            error,
            refusal: Refusal::default(),
            elapsed_ms: self.elapsed_ms,
            exit_code: code.code(),
        }
    }
}

/// Refuses, before anything is written, a target that is the source under
/// another name (the stores are asked what they are: see
/// [`crate::store::identity`]), and `--delete-source` when the stores would
/// not say, unless `--stores-are-distinct`.
fn refuse_one_store(
    source: &dyn Store,
    target: &dyn Store,
    from: &str,
    to: &str,
    args: &Args,
) -> anyhow::Result<()> {
    let source_id = source
        .identity()
        .with_context(|| format!("cannot tell which store {from} is"))?;
    let target_id = target
        .identity()
        .with_context(|| format!("cannot tell which store {to} is"))?;
    match source_id.relation(&target_id) {
        Relation::Distinct => Ok(()),
        Relation::Same(why) => Err(fail(
            ExitCode::Usage,
            format!(
                "cannot migrate a store onto itself: {from} and {to} are one store: {why}. Nothing was written or deleted"
            ),
        )),
        Relation::Unknown(_) if !args.delete_source || args.stores_are_distinct => Ok(()),
        Relation::Unknown(why) => Err(fail(
            ExitCode::Usage,
            format!(
                "cannot tell whether {from} and {to} are different stores: {why}. If they are one, --delete-source would delete every room: check, then add --stores-are-distinct"
            ),
        )),
    }
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

/// The exit status of a finished run, and the reason when it is not 0.
/// A conflict that stopped a room wins over other shortfalls: it is the one
/// the operator settles with a flag. A dry run exits as the real run would.
fn verdict(tally: &Tally, options: &Options, interrupted: bool) -> (ExitCode, Option<String>) {
    let not = if options.dry_run {
        "would not be"
    } else {
        "not"
    };
    if interrupted {
        return (
            ExitCode::Interrupted,
            Some(format!(
                "interrupted after {} entries; nothing is half-written, run the same command again to finish",
                tally.scanned
            )),
        );
    }
    if options.no_copy {
        let kept = tally.kept();
        if kept == 0 {
            return (ExitCode::Success, None);
        }
        let mut parts = Vec::new();
        let mut part = |n: u64, what: &str| {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        };
        part(tally.missing_from_target, "not in the target");
        part(tally.different_in_target, "different in the target");
        part(tally.invalid, "invalid in the source");
        part(tally.kept_in_source, "changed in the source meanwhile");
        return (
            ExitCode::Incomplete,
            Some(format!(
                "{kept} room{} {} kept in the source ({}); nothing was copied. Look at them before deleting any by hand",
                plural(kept),
                match (options.dry_run, kept == 1) {
                    (true, _) => "would be",
                    (false, true) => "was",
                    (false, false) => "were",
                },
                parts.join(", ")
            )),
        );
    }
    let unresolved = tally.unresolved_conflicts();
    if unresolved > 0 {
        return (
            ExitCode::Conflict,
            Some(format!(
                "{unresolved} room{} {not} copied: the target holds a different room (or something else) under the same name, and nothing there {}overwritten; --on-conflict skip|overwrite|newer decides",
                plural(unresolved),
                if options.dry_run { "would be " } else { "was " }
            )),
        );
    }
    let missed = tally.invalid + tally.mismatched + tally.failed + tally.kept_in_source;
    if missed > 0 {
        let mut parts = Vec::new();
        if tally.invalid > 0 {
            parts.push(format!("{} invalid in the source", tally.invalid));
        }
        if tally.failed > 0 {
            parts.push(format!(
                "{} could not be written to the target",
                tally.failed
            ));
        }
        if tally.mismatched > 0 {
            parts.push(format!(
                "{} did not read back equal from the target",
                tally.mismatched
            ));
        }
        if tally.kept_in_source > 0 {
            parts.push(format!(
                "{} changed in the source while migrating and {} kept there",
                tally.kept_in_source,
                if tally.kept_in_source == 1 {
                    "was"
                } else {
                    "were"
                }
            ));
        }
        return (
            ExitCode::Incomplete,
            Some(format!(
                "{missed} room{} {not} migrated: {}",
                plural(missed),
                parts.join(", ")
            )),
        );
    }
    (ExitCode::Success, None)
}

fn summary_line(from: &str, to: &str, t: &Tally, options: &Options, secs: f64) -> String {
    if options.no_copy {
        return cleanup_line(from, to, t, options, secs);
    }
    let mut parts = Vec::new();
    let rate = if secs > 0.0 {
        format!(", {:.0} rooms/s", t.scanned as f64 / secs)
    } else {
        String::new()
    };
    if options.dry_run {
        if t.overwritten > 0 {
            parts.push(format!(
                "would copy {} (overwriting {})",
                t.copied, t.overwritten
            ));
        } else {
            parts.push(format!("would copy {}", t.copied));
        }
    } else {
        parts.push(format!("{} copied", t.copied));
        if t.overwritten > 0 {
            parts.push(format!("{} overwritten", t.overwritten));
        }
    }
    parts.push(format!("{} identical", t.identical));
    parts.push(format!("{} conflict{}", t.conflicts, plural(t.conflicts)));
    if t.kept_target > 0 {
        parts.push(format!("{} kept in the target", t.kept_target));
    }
    parts.push(format!("{} invalid", t.invalid));
    if options.dry_run {
        // Nothing was written, so nothing was read back.
    } else if options.verify {
        parts.push(format!("{} verified", t.verified));
    } else {
        parts.push("copies not verified (--no-verify)".into());
    }
    if t.mismatched > 0 {
        parts.push(format!("{} mismatched", t.mismatched));
    }
    if t.failed > 0 {
        parts.push(format!("{} failed", t.failed));
    }
    if options.delete_source && !options.dry_run {
        parts.push(format!("{} deleted from the source", t.deleted_from_source));
        if t.kept_in_source > 0 {
            parts.push(format!("{} kept in the source", t.kept_in_source));
        }
    }
    if t.not_rooms > 0 {
        parts.push(format!(
            "{} non-room entr{} left alone",
            t.not_rooms,
            if t.not_rooms == 1 { "y" } else { "ies" }
        ));
    }
    if options.dry_run {
        format!(
            "dry run {} → {}: {}; nothing was written",
            from,
            to,
            parts.join(", ")
        )
    } else {
        format!(
            "migrated {} → {}: {} ({secs:.1}s{rate})",
            from,
            to,
            parts.join(", ")
        )
    }
}

/// The summary of `--delete-source --no-copy`.
fn cleanup_line(from: &str, to: &str, t: &Tally, options: &Options, secs: f64) -> String {
    let kept = format!(
        "{} not in the target, {} different there, {} invalid",
        t.missing_from_target, t.different_in_target, t.invalid
    );
    if options.dry_run {
        return format!(
            "dry run, cleaning up {from} against {to}: would delete {} from the source, would keep {} ({kept}); nothing was copied or deleted",
            t.identical,
            t.kept()
        );
    }
    let mut line = format!(
        "cleaned up {from} against {to}: {} deleted from the source, {} kept ({kept}",
        t.deleted_from_source,
        t.kept()
    );
    if t.kept_in_source > 0 {
        line.push_str(&format!(
            ", {} changed in the source meanwhile",
            t.kept_in_source
        ));
    }
    line.push_str(&format!("); nothing was copied ({secs:.1}s)"));
    line
}

/// One room's line on stderr.
fn describe(record: &RoomRecord) -> String {
    let status = match record.status {
        Status::Copied => "copied",
        Status::Identical => "identical",
        Status::Conflict => "conflict",
        Status::Invalid => "invalid",
        Status::Mismatch => "mismatch",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
        Status::DeletedFromSource => "deleted from source",
        Status::KeptInSource => "kept in source",
    };
    let name = match &record.room {
        Some(name) => format!("{:?} ({})", safe(name), safe(&record.location)),
        None => safe(&record.location).into_owned(),
    };
    match &record.reason {
        Some(reason) => format!("{status}: {name}: {}", safe(reason)),
        None => format!("{status}: {name}"),
    }
}

/// With `-o json|yaml`, the summary of a run refused before it began
/// (nothing copied), when `err` is a refusal.
fn print_refusal(args: &Args, from: &str, to: &str, err: &anyhow::Error) -> anyhow::Result<()> {
    let Some(refusal) = Refusal::of(err) else {
        return Ok(());
    };
    let options = Options {
        on_conflict: args.on_conflict,
        verify: !args.no_verify,
        delete_source: args.delete_source,
        dry_run: false,
        with_ttl: false,
        no_copy: args.no_copy,
    };
    let run = Run {
        from,
        to,
        options: &options,
        elapsed_ms: 0,
    };
    let nothing = Tally::default();
    let mut summary = run.summary(&nothing, false, None, crate::exit::code_of(err));
    summary.refusal = refusal;
    print_json(args, &summary)
}

fn print_json(args: &Args, summary: &Summary<'_>) -> anyhow::Result<()> {
    let mut out = output::stdout();
    match args.output {
        DocFormat::Json => output::write_json(&mut out, summary)?,
        DocFormat::Yaml => output::write_yaml(&mut out, summary)?,
        DocFormat::Text => {}
    }
    std::io::Write::flush(&mut out)?;
    Ok(())
}

/// An error and its causes on one line (as `main` prints it).
fn one_line(err: &anyhow::Error) -> String {
    err.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
