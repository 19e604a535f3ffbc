//! `roomctl prune-inactive --older-than DURATION`: deletes the rooms whose
//! last activity is older than that, with a preview, consent, guard rails
//! for cron (`--max-delete`, `--backup`, a lock) and a report. The engine
//! and its design are in `crate::ops::prune`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

use super::Context;
use crate::clock::wall_clock_ms;
use crate::consent::{Consent, ConsentArgs};
use crate::duration;
use crate::exit::{ExitCode, Refusal, fail, refuse};
use crate::filter::RoomFilter;
use crate::ops::prune::{self, BackupReport, Criteria, DeleteLimit, Judged, Report};
use crate::output::{self, DocFormat, safe};
use crate::room::format_timestamp;
use crate::store::StoreError;

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
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    // A threshold nobody means is refused before the store is even opened.
    let now_ms = args.filter.checked_now_ms()?;
    duration::cutoff("--older-than", args.older_than, now_ms, wall_clock_ms())
        .map_err(|e| fail(ExitCode::Usage, e))?;
    let (store, resolved) = ctx.open_store()?;
    let store_name = resolved.spec.redacted();
    let dry_run = args.consent.dry_run;
    let criteria = Criteria {
        older_than_ms: args.older_than,
        now_ms,
        filter: args.filter.clone(),
        include_unknown: args.include_unknown,
    };
    let printer = Printer {
        ctx,
        args: &args,
        criteria: &criteria,
        store_name: &store_name,
    };
    // Refused before judging: the report lists no rooms.
    let unjudged = Judged::default();
    if let Some(path) = &args.backup
        && !dry_run
    {
        prune::backup::check_target(path).map_err(|e| printer.refused(&unjudged, e))?;
    }
    // Taken before judging, so that what is judged is not being pruned by
    // another run; a dry run changes nothing and needs none.
    let lock = if dry_run {
        None
    } else {
        Some(store.lock(prune::LOCK_NAME).map_err(|e| match e {
            StoreError::Locked { lock, holder } => printer.refused(
                &unjudged,
                refuse(
                    ExitCode::Refused,
                    "lock-held",
                    format!(
                        "another prune is running on {store_name} ({} is held by {}); \
                         nothing was deleted",
                        safe(&lock),
                        safe(&holder)
                    ),
                ),
            ),
            e => anyhow::Error::new(e).context(format!("cannot lock {store_name}")),
        })?)
    };
    let lock = lock.as_deref();

    let bar = ctx.ui.progress(None, "judging");
    let mut judged = prune::scan(store.as_ref(), &criteria, lock, &bar)?;
    bar.finish_and_clear();
    let count = judged.candidates.len() as u64;
    let cutoff = format_timestamp(criteria.cutoff_ms());

    if let Some(limit) = prune::broken_limit(&args.max_delete, count, judged.rooms) {
        let why = format!(
            "refusing to delete {count} room{} with no activity since {cutoff}: more than \
             --max-delete {limit} ({}) of the {} rooms in {store_name}; nothing was deleted \
             (check the clock, --now and --older-than, or raise the limit)",
            plural(count),
            match limit {
                DeleteLimit::Rooms(n) => format!("{n} rooms"),
                DeleteLimit::Percent(p) => format!(
                    "{p}% is {} rooms",
                    (p * judged.rooms as f64 / 100.0).floor()
                ),
            },
            judged.rooms
        );
        let refused = refuse(ExitCode::Refused, "max-delete", why);
        let mut report = Report::new(&judged, &criteria, store_name.clone(), dry_run);
        report.refusal = Refusal::of(&refused).unwrap_or_default();
        // Printed in every format: a dry run shows what would be deleted.
        printer.report(&report)?;
        return Err(refused);
    }

    if count == 0 {
        let report = Report::new(&judged, &criteria, store_name.clone(), dry_run);
        printer.report(&report)?;
        printer.summary(&report);
        return Ok(ExitCode::Success);
    }

    let action = format!(
        "delete {count} room{} of {store_name} with no activity since {cutoff} (older than {})",
        plural(count),
        duration::format(criteria.older_than_ms)
    );
    if args.consent.will_ask(&ctx.ui) {
        printer.preview(&judged)?;
    }
    let consent = args
        .consent
        .decide(&ctx.ui, &action)
        .map_err(|e| printer.refused(&judged, e))?;
    if consent == Consent::DryRun {
        let report = Report::new(&judged, &criteria, store_name.clone(), true);
        printer.report(&report)?;
        printer.summary(&report);
        return Ok(ExitCode::Success);
    }
    // The prompt may have waited long: make sure the lock is still ours.
    if let Some(lock) = lock {
        lock.refresh()
            .with_context(|| format!("lost the prune lock of {store_name}; nothing was deleted"))?;
    }

    let mut backup = None;
    if let Some(path) = &args.backup {
        let bar = ctx.ui.progress(Some(count), "backing up");
        let sink = Box::new(prune::backup::ArchiveBackup::create(path, &store_name)?);
        let rooms = prune::write_backup(store.as_ref(), &mut judged.candidates, sink, lock, &bar)
            .with_context(|| {
            format!(
                "cannot write the backup {}; nothing was deleted",
                path.display()
            )
        })?;
        bar.finish_and_clear();
        backup = Some(BackupReport {
            path: path.display().to_string(),
            rooms,
        });
    }

    let bar = ctx.ui.progress(Some(count), "deleting");
    let deleted = prune::delete(store.as_ref(), &mut judged.candidates, lock, &bar);
    bar.finish_and_clear();
    let mut report = Report::new(&judged, &criteria, store_name.clone(), false);
    report.backup = backup;
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
    deleted.with_context(|| {
        format!(
            "prune of {store_name} stopped after deleting {} rooms; run it again to finish",
            report.summary.deleted
        )
    })?;
    if report.summary.failed > 0 {
        return Ok(ExitCode::Incomplete);
    }
    Ok(ExitCode::Success)
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Renders reports: the data on stdout, the summary line on stderr.
struct Printer<'a> {
    ctx: &'a Context,
    args: &'a Args,
    criteria: &'a Criteria,
    store_name: &'a str,
}

impl Printer<'_> {
    fn age(&self, ms: i64) -> String {
        duration::format_parts(self.criteria.now_ms.saturating_sub(ms), 2)
    }

    /// The rows of what is (or would be) deleted and what was kept.
    fn table(&self, report: &Report) -> comfy_table::Table {
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
        for c in &report.changed {
            table.add_row(vec![
                "kept".to_string(),
                safe(&c.room_name).into_owned(),
                "-".into(),
                "-".into(),
                safe(&c.reason).into_owned(),
            ]);
        }
        for f in &report.failed {
            table.add_row(vec![
                "kept".to_string(),
                safe(&f.room_name).into_owned(),
                "-".into(),
                "-".into(),
                format!("not deleted: {}", safe(&f.reason)),
            ]);
        }
        for v in &report.vanished {
            table.add_row(vec![
                "gone".to_string(),
                safe(v).into_owned(),
                "-".into(),
                "-".into(),
                "deleted by someone else during the prune".into(),
            ]);
        }
        for u in &report.unknown {
            table.add_row(vec![
                "kept".to_string(),
                safe(&u.room_name).into_owned(),
                "unknown".into(),
                "-".into(),
                format!("activity unknown: {}", safe(&u.reason)),
            ]);
        }
        for p in &report.invalid {
            table.add_row(vec![
                "kept".to_string(),
                safe(&p.location).into_owned(),
                "-".into(),
                "-".into(),
                format!("{}: {}", p.kind.label(), safe(&p.reason)),
            ]);
        }
        table
    }

    /// The report on stdout: JSON/YAML always, text unless `-q`.
    fn report(&self, report: &Report) -> anyhow::Result<()> {
        let mut out = output::stdout();
        match self.args.output {
            DocFormat::Json => output::write_json(&mut out, report)?,
            DocFormat::Yaml => output::write_yaml(&mut out, report)?,
            DocFormat::Text => {
                let empty = report.deleted.is_empty()
                    && report.changed.is_empty()
                    && report.failed.is_empty()
                    && report.vanished.is_empty()
                    && report.unknown.is_empty()
                    && report.invalid.is_empty();
                if !self.ctx.ui.quiet && !empty {
                    output::write_table(&mut out, &self.table(report))?;
                }
            }
        }
        out.flush()?;
        Ok(())
    }

    /// Returns `err`, first printing the report of the run it refused with
    /// `-o json|yaml` (nothing is deleted: `deleted` is empty).
    fn refused(&self, judged: &Judged, err: anyhow::Error) -> anyhow::Error {
        let Some(refusal) = Refusal::of(&err) else {
            return err;
        };
        if self.args.output == DocFormat::Text {
            return err;
        }
        let mut report = Report::new(
            judged,
            self.criteria,
            self.store_name.to_string(),
            self.args.consent.dry_run,
        );
        report.refusal = refusal;
        match self.report(&report) {
            Ok(()) => err,
            Err(e) => e,
        }
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
    fn summary(&self, report: &Report) {
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
            self.store_name,
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
                "; backup {} ({} room{})",
                safe(&b.path),
                b.rooms,
                plural(b.rooms)
            ));
        }
        if report.dry_run {
            line.push_str("; nothing was changed");
        }
        self.ctx.ui.status(line);
    }
}
