//! `roomctl prune-inactive --older-than DURATION`: deletes the rooms whose
//! last activity is older than that, with a preview, consent, guard rails
//! for cron (`--max-delete`, `--backup`, a lock) and a report. The engine
//! and its design are in `crate::ops::prune`.

use std::path::PathBuf;

use super::Context;
use crate::clock::wall_clock_ms;
use crate::consent::{Consent, ConsentArgs};
use crate::duration;
use crate::exit::{self, ExitCode, Refusal, fail, refuse};
use crate::filter::RoomFilter;
use crate::ops::prune::{
    self, Criteria, DeleteLimit, Judged, PlanError, PruneOptions, PruneReport, Refused,
};
use crate::output::{self, DocFormat, plural, safe};
use crate::room::format_timestamp;
use crate::ui::ProgressBars;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Delete rooms whose last activity is older than this (e.g. 30d, 2w,
    /// 2mo, 1y; at least 1h). Last activity is the newest of lastActivityAt,
    /// the newest rating and createdAt.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse_older_than)]
    pub older_than: i64,

    /// Also delete rooms whose last activity is unknown (unparsable dates,
    /// no ratings). Invalid entries are never deleted.
    #[arg(long)]
    pub include_unknown: bool,

    /// Refuse to delete anything when more rooms than this would go: a
    /// number of rooms (500) or a share of the store's rooms (5%). Give it
    /// twice for both.
    #[arg(long, value_name = "N|P%", value_parser = prune::parse_limit)]
    pub max_delete: Vec<DeleteLimit>,

    /// First write the rooms about to be deleted to this export archive,
    /// complete and fsynced before the first deletion. JSON Lines, unless
    /// the name ends in .json or .yaml; .gz or .zst at the end compresses.
    /// Never overwrites a file; nothing is written when nothing is deleted.
    #[arg(long, value_name = "FILE")]
    pub backup: Option<PathBuf>,

    /// Output format of the report.
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,

    #[command(flatten)]
    pub filter: RoomFilter,

    #[command(flatten)]
    pub consent: ConsentArgs,

    #[command(flatten)]
    pub metrics: crate::metrics::MetricsArgs,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    // A threshold nobody means is refused before the store is even opened.
    let now_ms = args.filter.checked_now_ms()?;
    duration::cutoff("--older-than", args.older_than, now_ms, wall_clock_ms())
        .map_err(|e| fail(ExitCode::Usage, e))?;
    let (store, resolved) = ctx.open_store()?;
    let options = PruneOptions {
        criteria: Criteria {
            older_than_ms: args.older_than,
            now_ms,
            filter: args.filter.clone(),
            include_unknown: args.include_unknown,
        },
        max_delete: args.max_delete.clone(),
        backup: args.backup.clone(),
        dry_run: args.consent.dry_run,
        store_name: resolved.spec.redacted(),
    };
    let printer = Printer {
        ctx,
        args: &args,
        options: &options,
    };
    let bars = ProgressBars::new(&ctx.ui);
    let plan = match prune::plan(store.as_ref(), &options, &|p| bars.show(p)) {
        Ok(plan) => plan,
        Err(PlanError::Refused(refused)) => {
            bars.clear();
            let Refused { mut report, error } = *refused;
            let error = match report.refusal.refused {
                Some("max-delete") => with_one_off(&args, &mut report, error),
                _ => error,
            };
            ctx.metrics.record(&report);
            // Printed in every format: a dry run shows what would be deleted.
            printer.report(&report)?;
            return Err(error);
        }
        Err(PlanError::Failed(e)) => return Err(e),
    };
    bars.clear();
    // What the run did should it end before deleting: nothing.
    let planned = plan.report(options.dry_run);
    ctx.metrics.record(&planned);
    let count = plan.judged.candidates.len() as u64;
    if count == 0 {
        return printer.done(&planned);
    }
    let action = format!(
        "delete {} of {} with no activity since {} (older than {})",
        plural(count, "room", "rooms"),
        options.store_name,
        format_timestamp(options.criteria.cutoff_ms()),
        duration::format(options.criteria.older_than_ms)
    );
    if args.consent.will_ask(&ctx.ui) {
        printer.preview(&plan.judged)?;
    }
    match args.consent.decide(&ctx.ui, &action) {
        Ok(Consent::Proceed) => {}
        Ok(Consent::DryRun) => return printer.done(&plan.report(true)),
        Err(e) => {
            if let Some(refusal) = Refusal::of(&e)
                && args.output != DocFormat::Text
            {
                let mut report = plan.report(options.dry_run);
                report.refusal = refusal;
                printer.report(&report)?;
            }
            return Err(e);
        }
    }
    let executed = plan.execute(&|p| bars.show(p))?;
    bars.clear();
    let report = executed.report;
    ctx.metrics.record(&report);
    // Say what was done even when the store failed half-way.
    printer.report(&report)?;
    for f in &report.failed {
        ctx.ui.warn(format!(
            "{} not deleted: {}",
            safe(&f.room_name),
            safe(&f.reason)
        ));
    }
    printer.summary(&report);
    if let Some(stopped) = executed.stopped {
        return Err(stopped);
    }
    Ok(if report.summary.failed > 0 {
        ExitCode::Incomplete
    } else {
        ExitCode::Success
    })
}

/// The `--max-delete` refusal, ending with the run that deletes every room
/// this one refused to: this run's command line without `--max-delete`
/// (and `--dry-run`), with a `--backup` of them when this one has none.
/// The report carries the same sentence.
fn with_one_off(args: &Args, report: &mut PruneReport, error: anyhow::Error) -> anyhow::Error {
    let Some(message) = report.refusal.refused_message.as_mut() else {
        return error;
    };
    let mut add = Vec::new();
    if args.backup.is_none() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        add = vec!["--backup".into(), format!("prune-backlog-{stamp}.jsonl.gz")];
    }
    let one_off = crate::rerun::this_run(&crate::rerun::Edit {
        drop_options: &["--max-delete"],
        drop_flags: &["--dry-run"],
        drop_short: &['n'],
        add,
    });
    message.push_str(&format!(
        ". If they are a backlog to clear once, run by hand: {one_off}"
    ));
    refuse(exit::code_of(&error), "max-delete", message.clone())
}

/// Renders reports: the data on stdout, the summary line on stderr.
struct Printer<'a> {
    ctx: &'a Context,
    args: &'a Args,
    options: &'a PruneOptions,
}

impl Printer<'_> {
    fn age(&self, ms: i64) -> String {
        duration::format_parts(self.options.criteria.now_ms.saturating_sub(ms), 2)
    }

    /// The rows of what is (or would be) deleted and what was kept.
    fn table(&self, report: &PruneReport) -> comfy_table::Table {
        let mut table = output::table(&["ACTION", "ROOM", "LAST ACTIVITY", "AGE", "NOTE"]);
        let action = if report.dry_run {
            "would delete"
        } else {
            "deleted"
        };
        for d in &report.deleted {
            let last = d
                .last_activity_at
                .clone()
                .unwrap_or_else(|| "unknown".into());
            let age = d
                .age_ms
                .map(|a| duration::format_parts(a, 2))
                .unwrap_or_else(|| "-".into());
            let note = match d.activity_source {
                Some(s) => format!("from {}", s.label()),
                None => "activity unknown (--include-unknown)".into(),
            };
            table.add_row(vec![
                action.to_string(),
                safe(&d.room_name).into_owned(),
                last,
                age,
                note,
            ]);
        }
        // Every other row: what happened, the room (or entry), the last
        // activity when known, and why.
        let mut row = |action: &str, room: &str, last: &str, note: String| {
            table.add_row(vec![
                action.to_string(),
                safe(room).into_owned(),
                last.to_string(),
                "-".to_string(),
                note,
            ]);
        };
        for c in &report.changed {
            row("kept", &c.room_name, "-", safe(&c.reason).into_owned());
        }
        for f in &report.failed {
            row(
                "kept",
                &f.room_name,
                "-",
                format!("not deleted: {}", safe(&f.reason)),
            );
        }
        for v in &report.vanished {
            row(
                "gone",
                v,
                "-",
                "deleted by someone else during the prune".into(),
            );
        }
        for u in &report.unknown {
            row(
                "kept",
                &u.room_name,
                "unknown",
                format!("activity unknown: {}", safe(&u.reason)),
            );
        }
        for p in &report.invalid {
            row(
                "kept",
                &p.location,
                "-",
                format!("{}: {}", p.kind.label(), safe(&p.reason)),
            );
        }
        table
    }

    /// The report on stdout: JSON/YAML always, text unless `-q`.
    fn report(&self, report: &PruneReport) -> anyhow::Result<()> {
        output::print_doc(self.args.output, report, |out| {
            let empty = report.deleted.is_empty()
                && report.changed.is_empty()
                && report.failed.is_empty()
                && report.vanished.is_empty()
                && report.unknown.is_empty()
                && report.invalid.is_empty();
            if self.ctx.ui.quiet || empty {
                return Ok(());
            }
            output::write_table(out, &self.table(report))
        })
    }

    /// The report and the summary line of a run that deleted nothing.
    fn done(&self, report: &PruneReport) -> anyhow::Result<ExitCode> {
        self.report(report)?;
        self.summary(report);
        Ok(ExitCode::Success)
    }

    /// What the prompt asks about, on stderr (the first 50 rooms; -v: all).
    fn preview(&self, judged: &Judged) -> anyhow::Result<()> {
        const SHOWN: usize = 50;
        let limit = if self.ctx.ui.verbose > 0 {
            usize::MAX
        } else {
            SHOWN
        };
        let mut table = output::table(&["ROOM", "LAST ACTIVITY", "AGE", "FROM"]);
        for c in judged.candidates.iter().take(limit) {
            let (last, age, from) = match c.activity {
                Some((ms, source)) => (format_timestamp(ms), self.age(ms), source.label()),
                None => ("unknown".into(), "-".into(), "--include-unknown"),
            };
            table.add_row(vec![safe(&c.name).into_owned(), last, age, from.into()]);
        }
        let mut text = Vec::new();
        output::write_table(&mut text, &table)?;
        self.ctx
            .ui
            .preview(String::from_utf8_lossy(&text).trim_end());
        if judged.candidates.len() > limit {
            self.ctx.ui.preview(format!(
                "… and {} more (-v lists all, --dry-run prints them on stdout)",
                judged.candidates.len() - limit
            ));
        }
        Ok(())
    }

    /// The one summary line on stderr (silent with `-q`).
    fn summary(&self, report: &PruneReport) {
        let s = &report.summary;
        let mut kept = format!("kept {}", s.kept);
        if s.changed > 0 {
            kept.push_str(&format!(" ({} changed during prune)", s.changed));
        }
        if s.failed > 0 {
            kept.push_str(&format!(" ({} could not be deleted)", s.failed));
        }
        let mut line = format!(
            "{} {}: {} {}, {kept}, unknown {}, invalid {}",
            if report.dry_run {
                "dry run of prune-inactive on"
            } else {
                "prune-inactive on"
            },
            &self.options.store_name,
            if report.dry_run {
                "would delete"
            } else {
                "deleted"
            },
            s.deleted,
            s.unknown,
            s.invalid
        );
        if s.vanished > 0 {
            line.push_str(&format!(", gone meanwhile {}", s.vanished));
        }
        line.push_str(&format!(
            " (last activity before {}, older than {})",
            report.cutoff, report.older_than
        ));
        if let Some(b) = &report.backup {
            line.push_str(&format!(
                "; backup {} ({})",
                safe(&b.path),
                plural(b.rooms, "room", "rooms")
            ));
        }
        if report.dry_run {
            line.push_str("; nothing was changed");
        }
        // -q is for cron, whose mail is how damage gets noticed.
        if self.ctx.ui.quiet && s.invalid > 0 {
            self.ctx.ui.warn(format!(
                "{} in {} skipped (never deleted); `roomctl check` explains {}",
                plural(s.invalid, "invalid entry", "invalid entries"),
                self.options.store_name,
                if s.invalid == 1 { "it" } else { "them" }
            ));
        }
        self.ctx.ui.status(line);
    }
}
