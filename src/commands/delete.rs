//! `roomctl delete NAME...`: deletes rooms by name, and nothing else.

use std::io::Write;

use serde::Serialize;

use super::Context;
use crate::consent::{Consent, ConsentArgs};
use crate::exit::{ExitCode, Refusal, fail, refuse};
use crate::output::{self, DocFormat, safe};
use crate::store::{Delete, DeleteOutcome, Lookup, ProblemKind};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Names of the rooms to delete (exactly as stored).
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,

    /// Names that do not exist are not an error.
    #[arg(long)]
    pub ignore_missing: bool,

    /// Also delete an invalid entry (corrupt JSON, missing fields) stored
    /// under a named room. Entries that are not rooms are never deleted.
    #[arg(long)]
    pub include_invalid: bool,

    /// Output format of the report.
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,

    #[command(flatten)]
    pub consent: ConsentArgs,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

/// The report `delete -o json` prints.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    dry_run: bool,
    deleted: Vec<String>,
    missing: Vec<String>,
    /// Changed by someone else between reading and deleting; kept.
    changed: Vec<String>,
    /// Held by something that is not this room; kept.
    blocked: Vec<String>,
    /// Why nothing was deleted, when the run was refused (`not-found`,
    /// `not-a-room`, `needs-yes`, `not-confirmed`).
    #[serde(flatten)]
    refusal: Refusal,
    /// Could not be deleted (the reason is on stderr); kept.
    failed: Vec<String>,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let (store, resolved) = ctx.open_store()?;
    let mut names: Vec<&str> = Vec::new();
    for n in &args.names {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    let lookups = store.get_batch(&names)?;
    let mut report = Report {
        dry_run: args.consent.dry_run,
        ..Report::default()
    };
    let mut targets: Vec<(&str, Vec<u8>, bool, String)> = Vec::new();
    let mut refusals = Vec::new();
    for (name, lookup) in names.iter().copied().zip(lookups) {
        match lookup {
            Lookup::Found(room) => targets.push((name, room.bytes, false, room.location)),
            Lookup::Missing => report.missing.push(name.to_string()),
            Lookup::Problem(p) if p.kind == ProblemKind::Invalid && args.include_invalid => {
                targets.push((name, Vec::new(), true, p.location))
            }
            Lookup::Problem(p) => refusals.push(format!(
                "{} is {}: {}{}",
                safe(&p.location),
                p.kind.label(),
                safe(&p.reason),
                if p.kind == ProblemKind::Invalid {
                    " (--include-invalid deletes it)"
                } else {
                    "; roomctl never deletes what is not a room"
                }
            )),
        }
    }
    if !report.missing.is_empty() && !args.ignore_missing {
        let list: Vec<String> = report
            .missing
            .iter()
            .map(|n| format!("{:?}", safe(n)))
            .collect();
        let why = format!(
            "no room named {} in {}; nothing was deleted (--ignore-missing skips missing names)",
            list.join(", "),
            resolved.spec.redacted()
        );
        return refused(&args, report, refuse(ExitCode::NotFound, "not-found", why));
    }
    if !refusals.is_empty() {
        let why = format!("{}; nothing was deleted", refusals.join("; "));
        return refused(&args, report, refuse(ExitCode::Refused, "not-a-room", why));
    }
    let mut out = output::stdout();
    if targets.is_empty() {
        ctx.ui.status("nothing to delete");
        return finish(&mut out, &args, &report, ExitCode::Success);
    }
    let listing: Vec<String> = targets.iter().map(|t| format!("{:?}", safe(t.0))).collect();
    let action = format!(
        "delete {} room{} from {}: {}",
        targets.len(),
        if targets.len() == 1 { "" } else { "s" },
        resolved.spec.redacted(),
        listing.join(", ")
    );
    let consent = match args.consent.decide(&ctx.ui, &action) {
        Ok(consent) => consent,
        Err(e) => return refused(&args, report, e),
    };
    if consent == Consent::DryRun {
        for t in &targets {
            if args.output == DocFormat::Text {
                writeln!(out, "would delete {} ({})", safe(t.0), safe(&t.3))?;
            }
            report.deleted.push(t.0.to_string());
        }
        return finish(&mut out, &args, &report, ExitCode::Success);
    }
    let deletes: Vec<Delete<'_>> = targets
        .iter()
        .map(|(name, bytes, invalid, _)| Delete {
            name,
            // A room is deleted only if it is still what was read: a room the
            // server rewrote meanwhile is kept.
            expected: if *invalid {
                None
            } else {
                Some(bytes.as_slice())
            },
            allow_invalid: *invalid,
        })
        .collect();
    let outcomes = store.delete_batch(&deletes)?;
    let mut code = ExitCode::Success;
    // A failure of the store itself (a directory roomctl may not write)
    // is one error, after what the other rooms did is reported.
    let mut stopped = None;
    for ((name, _, _, location), outcome) in targets.iter().zip(outcomes) {
        match outcome {
            DeleteOutcome::Deleted => {
                if args.output == DocFormat::Text {
                    writeln!(out, "deleted {} ({})", safe(name), safe(location))?;
                }
                report.deleted.push(name.to_string());
            }
            DeleteOutcome::Missing => report.missing.push(name.to_string()),
            DeleteOutcome::Changed => {
                ctx.ui.warn(format!(
                    "{} changed while deleting; kept (run again to delete the new version)",
                    safe(name)
                ));
                report.changed.push(name.to_string());
                code = ExitCode::Incomplete;
            }
            DeleteOutcome::Blocked(why) => {
                ctx.ui
                    .warn(format!("{} not deleted: {}", safe(name), safe(&why)));
                report.blocked.push(name.to_string());
                code = ExitCode::Incomplete;
            }
            DeleteOutcome::Failed(failure) => {
                if failure.store_wide {
                    stopped.get_or_insert(failure);
                } else {
                    ctx.ui.warn(format!(
                        "{} not deleted: {}",
                        safe(name),
                        safe(&failure.message)
                    ));
                }
                report.failed.push(name.to_string());
                code = ExitCode::Incomplete;
            }
        }
    }
    let code = finish(&mut out, &args, &report, code)?;
    match stopped {
        Some(failure) => Err(fail(
            ExitCode::Failure,
            format!(
                "{}; {} of {} rooms deleted",
                safe(&failure.message),
                report.deleted.len(),
                targets.len()
            ),
        )),
        None => Ok(code),
    }
}

/// Fails with `err`, first printing the report of the run it refused with
/// `-o json|yaml` (nothing deleted).
fn refused(args: &Args, mut report: Report, err: anyhow::Error) -> anyhow::Result<ExitCode> {
    if let Some(refusal) = Refusal::of(&err)
        && args.output != DocFormat::Text
    {
        report.refusal = refusal;
        finish(&mut output::stdout(), args, &report, ExitCode::Refused)?;
    }
    Err(err)
}

fn finish(
    out: &mut impl Write,
    args: &Args,
    report: &Report,
    code: ExitCode,
) -> anyhow::Result<ExitCode> {
    match args.output {
        DocFormat::Json => output::write_json(out, report)?,
        DocFormat::Yaml => output::write_yaml(out, report)?,
        DocFormat::Text => {}
    }
    out.flush()?;
    Ok(code)
}
