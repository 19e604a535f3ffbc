//! `roomctl delete NAME...`: deletes rooms by name, and nothing else. The
//! engine is `crate::ops::delete`.

use serde::Serialize;

use super::Context;
use crate::consent::{Consent, ConsentArgs};
use crate::exit::{ExitCode, Refusal, fail};
use crate::ops::delete::{self, DeleteOptions, RoomDeletion};
use crate::output::{self, DocFormat, plural, safe};
use crate::store::DeleteOutcome;
use crate::ui::ProgressBars;

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

/// The report `delete -o json|yaml` prints.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct DeleteDocument {
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
    let options = DeleteOptions {
        names: args.names.clone(),
        ignore_missing: args.ignore_missing,
        include_invalid: args.include_invalid,
        store_name: resolved.spec.redacted(),
    };
    let mut plan = delete::plan(store.as_ref(), &options)?;
    let mut doc = DeleteDocument {
        dry_run: args.consent.dry_run,
        missing: plan.missing.clone(),
        ..DeleteDocument::default()
    };
    if let Some(refusal) = plan.refusal.take() {
        return refused(&args, doc, refusal);
    }
    if plan.targets.is_empty() {
        ctx.ui.status("nothing to delete");
        return print(&args, &doc, ExitCode::Success);
    }
    let listing: Vec<String> = plan
        .targets
        .iter()
        .map(|t| format!("{:?}", safe(&t.name)))
        .collect();
    let action = format!(
        "delete {} from {}: {}",
        plural(plan.targets.len() as u64, "room", "rooms"),
        options.store_name,
        listing.join(", ")
    );
    let consent = match args.consent.decide(&ctx.ui, &action) {
        Ok(consent) => consent,
        Err(e) => return refused(&args, doc, e),
    };
    let mut lines = Vec::new();
    if consent == Consent::DryRun {
        for t in &plan.targets {
            lines.push(format!(
                "would delete {} ({})",
                safe(&t.name),
                safe(&t.location)
            ));
            doc.deleted.push(t.name.clone());
        }
        return print_lines(&args, &doc, &lines, ExitCode::Success);
    }
    let bars = ProgressBars::new(&ctx.ui);
    let report = plan.execute(store.as_ref(), &|p| bars.show(p))?;
    bars.clear();
    let mut code = ExitCode::Success;
    for RoomDeletion { target, outcome } in &report.rooms {
        let name = safe(&target.name);
        let list = match outcome {
            DeleteOutcome::Deleted => {
                lines.push(format!("deleted {name} ({})", safe(&target.location)));
                &mut doc.deleted
            }
            DeleteOutcome::Missing => &mut doc.missing,
            DeleteOutcome::Changed => {
                ctx.ui.warn(format!(
                    "{name} changed while deleting; kept (run again to delete the new version)"
                ));
                &mut doc.changed
            }
            DeleteOutcome::Blocked(why) => {
                ctx.ui.warn(format!("{name} not deleted: {}", safe(why)));
                &mut doc.blocked
            }
            DeleteOutcome::Failed(failure) => {
                // A failure of the store itself is the one error below.
                if !failure.store_wide {
                    ctx.ui
                        .warn(format!("{name} not deleted: {}", safe(&failure.message)));
                }
                &mut doc.failed
            }
        };
        list.push(target.name.clone());
        if !matches!(outcome, DeleteOutcome::Deleted | DeleteOutcome::Missing) {
            code = ExitCode::Incomplete;
        }
    }
    let code = print_lines(&args, &doc, &lines, code)?;
    match report.stopped() {
        Some(failure) => Err(fail(
            ExitCode::Failure,
            format!(
                "{}; {} of {} rooms deleted",
                safe(&failure.message),
                report.deleted(),
                plan.targets.len()
            ),
        )),
        None => Ok(code),
    }
}

/// Fails with `err`, first printing the report of the run it refused with
/// `-o json|yaml` (nothing deleted).
fn refused(args: &Args, mut doc: DeleteDocument, err: anyhow::Error) -> anyhow::Result<ExitCode> {
    if let Some(refusal) = Refusal::of(&err)
        && args.output != DocFormat::Text
    {
        doc.refusal = refusal;
        print(args, &doc, ExitCode::Refused)?;
    }
    Err(err)
}

fn print(args: &Args, doc: &DeleteDocument, code: ExitCode) -> anyhow::Result<ExitCode> {
    print_lines(args, doc, &[], code)
}

/// The report on stdout: the document, or in text one line per room.
fn print_lines(
    args: &Args,
    doc: &DeleteDocument,
    lines: &[String],
    code: ExitCode,
) -> anyhow::Result<ExitCode> {
    output::print_doc(args.output, doc, |out| {
        for line in lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })?;
    Ok(code)
}
