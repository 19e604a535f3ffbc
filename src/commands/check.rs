//! `roomctl check [--fix]`: reports every problem of a store, one line each
//! with the file or key and what to do, and repairs the safe ones.
//!
//! Exit status: 0 when the store is healthy (info-level findings such as
//! keys under the prefix that are not rooms, TTLs or writes in progress do
//! not count), 3 ([`ExitCode::Incomplete`]) when problems remain — after the
//! repairs when `--fix` ran them, before them with `--dry-run`.

use std::io::Write;

use serde::Serialize;

use super::Context;
use crate::clock::wall_clock_ms;
use crate::consent::{Consent, ConsentArgs};
use crate::duration;
use crate::exit::{ExitCode, Refusal, fail};
use crate::ops::check::{
    self, CheckReport, FindingKind, Repair, RepairResult, Severity, fix_action, fix_description,
};
use crate::output::{self, DocFormat, plural, safe};
use crate::store::maintenance::{Fix, InspectOptions};
use crate::ui::ProgressBars;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format of the report.
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,

    /// Repair what is safe to repair.
    ///
    /// Removes stale temporary files that hold no room of their own, restores
    /// rooms left only in a temporary file by an interrupted write, and
    /// renames misnamed files whose proper name is free. Never deletes a
    /// room's data and never replaces a file.
    #[arg(long)]
    pub fix: bool,

    /// Temporary files untouched for this long are stale (e.g. 30min, 2h;
    /// 0s judges every one now).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse, default_value = "1h")]
    pub stale_after: i64,

    #[command(flatten)]
    pub consent: ConsentArgs,

    #[command(flatten)]
    pub metrics: crate::metrics::MetricsArgs,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

/// The report `check -o json|yaml` prints. This shape is stable: fields are
/// only ever added.
#[derive(Debug, Serialize)]
struct CheckDocument<'a> {
    /// No errors or warnings (after the repairs, when they ran).
    healthy: bool,
    rooms: u64,
    problems: Vec<ProblemRow<'a>>,
    /// What `--fix` did or, with `--dry-run`, would do; empty without it.
    repairs: Vec<RepairRow>,
    /// Why `--fix` repaired nothing, when it was refused (`needs-yes`,
    /// `not-confirmed`).
    #[serde(flatten)]
    refusal: Refusal,
}

#[derive(Debug, Serialize)]
struct ProblemRow<'a> {
    severity: Severity,
    location: &'a str,
    kind: FindingKind,
    message: &'a str,
    hint: &'a str,
    fixable: bool,
}

#[derive(Debug, Serialize)]
struct RepairRow {
    location: String,
    /// `rename`, `restore` or `remove`.
    action: &'static str,
    /// Where a renamed or restored file went.
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    /// `repaired`, `would-repair`, `skipped` or `failed`.
    outcome: &'static str,
    message: String,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    if !args.fix && (args.consent.dry_run || args.consent.yes) {
        return Err(fail(
            ExitCode::Usage,
            "--dry-run and --yes go with --fix (check alone changes nothing)",
        ));
    }
    let now_ms = wall_clock_ms();
    duration::cutoff("--stale-after", args.stale_after, now_ms, now_ms)
        .map_err(|e| fail(ExitCode::Usage, e))?;
    let (store, resolved) = ctx.open_store()?;
    let options = InspectOptions {
        stale_after_ms: args.stale_after,
        now_ms,
    };
    let bars = ProgressBars::new(&ctx.ui);
    let progress = |p| bars.show(p);
    let mut report = check::check(store.as_ref(), &options, &progress)?;
    bars.clear();
    ctx.metrics.record(&report);
    let mut repairs = Vec::new();
    if args.fix && report.fixable() == 0 {
        ctx.ui.status("nothing to fix");
    } else if args.fix {
        let action = format!(
            "repair {} of {}",
            plural(report.fixable() as u64, "entry", "entries"),
            resolved.spec.redacted()
        );
        match args.consent.decide(&ctx.ui, &action) {
            Ok(Consent::DryRun) => {
                for (location, fix) in report.fixes() {
                    repairs.push(row(location, fix, "would-repair", fix_description(fix)));
                }
            }
            Ok(Consent::Proceed) => {
                // Report the store as it is now, repairs included.
                let (done, after) =
                    check::repair_and_check(store.as_ref(), &report, &options, &progress)?;
                bars.clear();
                ctx.metrics.record(&after);
                repairs = done.iter().map(repair_row).collect();
                report = after;
            }
            Err(e) => {
                if let Some(refusal) = Refusal::of(&e) {
                    let mut doc = document(&report, Vec::new());
                    doc.refusal = refusal;
                    output::print_doc(args.output, &doc, |_| Ok(()))?;
                }
                return Err(e);
            }
        }
    }
    let doc = document(&report, repairs);
    output::print_doc(args.output, &doc, |out| {
        write_text(out, &report, &doc.repairs)
    })?;
    ctx.ui.status(summary(&resolved.spec.redacted(), &report));
    Ok(if report.healthy() {
        ExitCode::Success
    } else {
        ExitCode::Incomplete
    })
}

fn row(location: &str, fix: &Fix, outcome: &'static str, message: String) -> RepairRow {
    RepairRow {
        location: location.to_string(),
        action: fix_action(fix),
        target: fix.target().map(str::to_string),
        outcome,
        message,
    }
}

fn repair_row(r: &Repair) -> RepairRow {
    let done = fix_description(&r.fix);
    match &r.result {
        RepairResult::Repaired => row(&r.location, &r.fix, "repaired", done),
        RepairResult::Skipped(why) => row(
            &r.location,
            &r.fix,
            "skipped",
            format!("{done}: not done, {why}"),
        ),
        RepairResult::Failed(e) => row(
            &r.location,
            &r.fix,
            "failed",
            format!("{done}: failed, {e}"),
        ),
    }
}

fn document(report: &CheckReport, repairs: Vec<RepairRow>) -> CheckDocument<'_> {
    CheckDocument {
        healthy: report.healthy(),
        rooms: report.rooms,
        problems: report
            .findings
            .iter()
            .map(|f| ProblemRow {
                severity: f.severity,
                location: &f.location,
                kind: f.kind,
                message: &f.message,
                hint: &f.hint,
                fixable: f.fix.is_some(),
            })
            .collect(),
        repairs,
        refusal: Refusal::default(),
    }
}

/// `SEVERITY  LOCATION  PROBLEM — what to do`, one finding per line, after
/// one line per repair.
fn write_text(
    out: &mut dyn Write,
    report: &CheckReport,
    repairs: &[RepairRow],
) -> anyhow::Result<()> {
    for r in repairs {
        let label = match r.outcome {
            "repaired" => "fixed",
            "would-repair" => "would fix",
            _ => "not fixed",
        };
        writeln!(
            out,
            "{label:<9}  {}  {}",
            safe(&r.location),
            safe(&r.message)
        )?;
    }
    for f in &report.findings {
        writeln!(
            out,
            "{:<7}  {}  {} — {}",
            f.severity.label(),
            safe(&f.location),
            safe(&f.message),
            safe(&f.hint)
        )?;
    }
    Ok(())
}

fn summary(store: &str, report: &CheckReport) -> String {
    let rooms = plural(report.rooms, "room", "rooms");
    let info = report.count(Severity::Info);
    let info = if info > 0 {
        format!(" ({info} info)")
    } else {
        String::new()
    };
    if report.healthy() {
        return format!("{store}: {rooms}, healthy{info}");
    }
    let fixable = report.fixable();
    format!(
        "{store}: {rooms}, {}, {}{info}{}",
        plural(report.count(Severity::Error) as u64, "error", "errors"),
        plural(
            report.count(Severity::Warning) as u64,
            "warning",
            "warnings"
        ),
        if fixable > 0 {
            format!("; {fixable} fixable with --fix")
        } else {
            String::new()
        }
    )
}
