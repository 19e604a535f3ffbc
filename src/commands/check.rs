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
use crate::ops::check::{self, CheckOptions, CheckReport};
use crate::output::{self, DocFormat, safe};
use crate::store::{Finding, Fix, RepairOutcome, Severity};

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
}

/// The report `check -o json|yaml` prints. This shape is stable: fields are
/// only ever added.
#[derive(Debug, Serialize)]
struct Report<'a> {
    /// No errors or warnings (after the repairs, when they ran).
    healthy: bool,
    rooms: u64,
    problems: Vec<Problem<'a>>,
    /// What `--fix` did or, with `--dry-run`, would do; empty without it.
    repairs: Vec<Repair>,
    /// Why `--fix` repaired nothing, when it was refused (`needs-yes`,
    /// `not-confirmed`).
    #[serde(flatten)]
    refusal: Refusal,
}

#[derive(Debug, Serialize)]
struct Problem<'a> {
    severity: Severity,
    location: &'a str,
    kind: crate::store::FindingKind,
    message: &'a str,
    hint: &'a str,
    fixable: bool,
}

#[derive(Debug, Serialize)]
struct Repair {
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
    let options = CheckOptions {
        stale_after_ms: args.stale_after,
        now_ms,
    };
    let mut report = check::check(store.as_ref(), &options)?;
    let mut repairs = Vec::new();
    if args.fix {
        let fixes: Vec<(String, Fix)> = report
            .findings
            .iter()
            .filter_map(|f| f.fix.clone().map(|fix| (f.location.clone(), fix)))
            .collect();
        if fixes.is_empty() {
            ctx.ui.status("nothing to fix");
        } else {
            let action = format!(
                "repair {} entr{} of {}",
                fixes.len(),
                if fixes.len() == 1 { "y" } else { "ies" },
                resolved.spec.redacted()
            );
            let consent = match args.consent.decide(&ctx.ui, &action) {
                Ok(consent) => consent,
                Err(e) => {
                    if let Some(refusal) = Refusal::of(&e) {
                        let mut out = output::stdout();
                        let mut machine = machine(&report, Vec::new());
                        machine.refusal = refusal;
                        match args.output {
                            DocFormat::Json => output::write_json(&mut out, &machine)?,
                            DocFormat::Yaml => output::write_yaml(&mut out, &machine)?,
                            DocFormat::Text => {}
                        }
                        out.flush()?;
                    }
                    return Err(e);
                }
            };
            match consent {
                Consent::DryRun => {
                    for (location, fix) in fixes {
                        repairs.push(repair(location, &fix, "would-repair", fix.describe()));
                    }
                }
                Consent::Proceed => {
                    for (location, fix) in fixes {
                        let done = match store.repair(&fix) {
                            Ok(RepairOutcome::Repaired) => {
                                repair(location, &fix, "repaired", fix.describe())
                            }
                            Ok(RepairOutcome::Skipped(why)) => repair(
                                location,
                                &fix,
                                "skipped",
                                format!("{}: not done, {why}", fix.describe()),
                            ),
                            Err(e) => repair(
                                location,
                                &fix,
                                "failed",
                                format!("{}: failed, {e}", fix.describe()),
                            ),
                        };
                        repairs.push(done);
                    }
                    // Report the store as it is now, repairs included.
                    report = check::check(store.as_ref(), &options)?;
                }
            }
        }
    }
    let mut out = output::stdout();
    match args.output {
        DocFormat::Text => write_text(&mut out, &report, &repairs)?,
        DocFormat::Json => output::write_json(&mut out, &machine(&report, repairs))?,
        DocFormat::Yaml => output::write_yaml(&mut out, &machine(&report, repairs))?,
    }
    out.flush()?;
    ctx.ui.status(summary(&resolved.spec.redacted(), &report));
    Ok(if report.healthy() {
        ExitCode::Success
    } else {
        ExitCode::Incomplete
    })
}

fn repair(location: String, fix: &Fix, outcome: &'static str, message: String) -> Repair {
    Repair {
        location,
        action: fix.action(),
        target: fix.target().map(str::to_string),
        outcome,
        message,
    }
}

fn machine(report: &CheckReport, repairs: Vec<Repair>) -> Report<'_> {
    Report {
        healthy: report.healthy(),
        rooms: report.rooms,
        problems: report
            .findings
            .iter()
            .map(|f: &Finding| Problem {
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
    out: &mut impl Write,
    report: &CheckReport,
    repairs: &[Repair],
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
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let rooms = plural(report.rooms as usize, "room", "rooms");
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
        plural(report.count(Severity::Error), "error", "errors"),
        plural(report.count(Severity::Warning), "warning", "warnings"),
        if fixable > 0 {
            format!("; {fixable} fixable with --fix")
        } else {
            String::new()
        }
    )
}
