//! `roomctl import [FILE]`: restores an archive (or a JSON array of rooms,
//! or one room document) into the store. The input is validated whole
//! first ([`archive::validate`]): nothing is written if it is bad. The
//! engine is [`crate::ops::import`].

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::{Context, MissingStore, show_progress};
use crate::archive::{self, ValidateOptions};
use crate::conflict::ConflictPolicy;
use crate::consent::ConsentArgs;
use crate::exit::{ExitCode, Refusal, fail, refuse};
use crate::filter::RoomFilter;
use crate::ops::import::{self, Chosen, ImportOptions, ImportReport};
use crate::output::{self, DocFormat, RefusableReport, safe};
use crate::room::RoomFacts;
use crate::select::{RoomNames, Selection, missing_message};
use crate::store::StoreSpec;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archive to read; `-` or nothing for stdin. Compression is
    /// detected from the content.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// What to do with a room that already exists with other content.
    /// `fail` imports nothing at all if any room conflicts; `overwrite` and
    /// `newer` need --yes.
    #[arg(long, value_enum, default_value_t = ConflictPolicy::Fail)]
    pub on_conflict: ConflictPolicy,

    /// With `--on-conflict overwrite`: also replace an invalid stored
    /// document of a room's name (corrupt JSON, a missing field), restoring
    /// the room from the archive. An entry that is not a room at all (a
    /// Redis set, a JSON array) or a file holding another room is never
    /// replaced.
    #[arg(long)]
    pub include_invalid: bool,

    /// Import the rooms of an archive that has lost its end (no trailer).
    #[arg(long)]
    pub allow_truncated: bool,

    /// Create the store's directory (and its missing parents) when it does
    /// not exist; without it, a missing directory is an error (exit 7), so
    /// that a typo in a path never becomes a new store.
    #[arg(long)]
    pub create_store: bool,

    /// Output format of the summary (on stdout with json/yaml).
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,

    #[command(flatten)]
    pub filter: RoomFilter,

    #[command(flatten)]
    pub names: RoomNames,

    #[command(flatten)]
    pub consent: ConsentArgs,

    #[command(flatten)]
    pub metrics: crate::metrics::MetricsArgs,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

impl RefusableReport for ImportReport {
    fn refusal_mut(&mut self) -> &mut Refusal {
        &mut self.refusal
    }
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let dry_run = args.consent.dry_run;
    let selection = selection_of(&args)?;
    if args.include_invalid && args.on_conflict != ConflictPolicy::Overwrite {
        let why = format!(
            "--include-invalid replaces invalid stored documents and needs --on-conflict overwrite (not {}); nothing was imported",
            args.on_conflict.name()
        );
        let err = refuse(ExitCode::Usage, "usage", why);
        return Err(output::print_refusal(
            args.output,
            ImportReport::new(dry_run, false),
            err,
        ));
    }
    if args.on_conflict.may_overwrite() && !dry_run {
        let store = ctx.resolve(&ctx.flags)?.spec.redacted();
        let invalid = match args.include_invalid {
            true => " and the invalid documents of the same names (--include-invalid)",
            false => "",
        };
        let action = format!(
            "import {} into {store}, overwriting the rooms there that differ{invalid} (--on-conflict {})",
            input_name(&args),
            args.on_conflict.name()
        );
        if let Err(e) = args.consent.decide(&ctx.ui, &action) {
            let report = ImportReport::new(false, false);
            return Err(output::print_refusal(args.output, report, e));
        }
    }
    // Stdin is spooled to a temporary file so it can be validated whole
    // before anything is written, then read again.
    let spool;
    let private = args.file.as_ref().is_none_or(|p| p.as_os_str() == "-");
    let path: &Path = match &args.file {
        Some(p) if !private => p,
        _ => {
            let mut tmp = tempfile::NamedTempFile::new().context("cannot create a spool file")?;
            io::copy(&mut io::stdin().lock(), &mut tmp).context("cannot spool stdin")?;
            tmp.flush()?;
            spool = tmp;
            spool.path()
        }
    };
    // Rooms are measured as the store will hold them: a room directory
    // holds them pretty-printed, larger than their archive lines.
    let pretty = matches!(
        crate::config::resolve(&ctx.flags, &ctx.env).map(|r| r.spec),
        Ok(StoreSpec::File { .. })
    );
    let validate = ValidateOptions {
        allow_truncated: args.allow_truncated,
        private,
        max_room_bytes: ctx.max_room_bytes,
        pretty,
    };
    // The rooms chosen are counted, and the names found, as the input is
    // validated.
    let mut found = BTreeSet::new();
    let mut chosen_rooms = 0u64;
    let mut each = |facts: &RoomFacts| {
        if selection.takes(facts) {
            chosen_rooms += 1;
        }
        if selection.names.contains(&facts.name) {
            found.insert(facts.name.clone());
        }
    };
    let input = archive::validate_each(path, &validate, &mut each).map_err(|e| {
        let why = format!("{}: {e}; nothing was imported", input_name(&args));
        output::print_refusal(
            args.output,
            ImportReport::new(dry_run, false),
            refuse(ExitCode::BadInput, "invalid-input", why),
        )
    })?;
    if let Some(bytes) = input.bytes {
        ctx.metrics.archive_bytes(bytes);
    }
    let missing: Vec<&str> = selection
        .names
        .iter()
        .filter(|name| !found.contains(*name))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let why = missing_message(
            &missing,
            &input_name(&args),
            "nothing was imported (roomctl archive list FILE -o name shows the names there)",
        );
        return Err(output::print_refusal(
            args.output,
            ImportReport::new(dry_run, false),
            refuse(ExitCode::NotFound, "not-found", why),
        ));
    }
    let chosen = (!selection.is_all()).then_some(Chosen {
        selection: &selection,
        rooms: chosen_rooms,
    });
    if input.truncated {
        ctx.ui.warn(format!(
            "{} is truncated; importing the {} rooms it holds (--allow-truncated)",
            input_name(&args),
            input.rooms
        ));
    }
    let (store, resolved) =
        ctx.open_store_or_create(MissingStore::from_flag(args.create_store, dry_run))?;
    let options = ImportOptions {
        on_conflict: args.on_conflict,
        dry_run,
        chosen,
        include_invalid: args.include_invalid,
    };
    // A dry run lists what would change, sorted by name, then (with -v)
    // the unchanged rooms; without -v the summary counts them.
    let show_plan = dry_run && args.output == DocFormat::Text;
    let list_unchanged = ctx.ui.verbose > 0;
    let mut changes: Vec<(String, import::Action)> = Vec::new();
    let mut unchanged: Vec<String> = Vec::new();
    let mut on_plan = |name: &str, action: import::Action| -> anyhow::Result<()> {
        match action {
            _ if !show_plan => {}
            import::Action::Unchanged if list_unchanged => unchanged.push(name.to_string()),
            import::Action::Unchanged => {}
            _ => changes.push((name.to_string(), action)),
        }
        Ok(())
    };
    let bar = ctx
        .ui
        .progress(Some(chosen.map_or(input.rooms, |c| c.rooms)), "importing");
    let progress = show_progress(&ctx.ui, &bar);
    let result = import::import(
        store.as_ref(),
        path,
        &input,
        &options,
        &progress,
        &mut on_plan,
    );
    bar.finish_and_clear();
    ctx.metrics.record(match &result {
        Ok(report) => report,
        Err(stopped) => &stopped.report,
    });
    let report = result.map_err(|stopped| stopped.error.context(input_name(&args)))?;
    if show_plan {
        changes.sort_by(|a, b| a.0.cmp(&b.0));
        unchanged.sort();
        let mut out = output::stdout();
        for (name, action) in &changes {
            writeln!(out, "{} {}", action.would(), safe(name))?;
        }
        for name in &unchanged {
            writeln!(out, "{} {}", import::Action::Unchanged.would(), safe(name))?;
        }
        out.flush()?;
    }
    if report.held_back {
        let shown: Vec<String> = report
            .conflicting
            .iter()
            .map(|n| format!("{:?}", safe(n)))
            .collect();
        let conflicts = report.counts.conflicts;
        let more = match conflicts.saturating_sub(shown.len() as u64) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let why = format!(
            "{} in {} with other content or damaged: {}{more}; nothing was imported (choose --on-conflict skip, overwrite or newer)",
            output::plural(conflicts, "room conflicts", "rooms conflict"),
            resolved.spec.redacted(),
            shown.join(", ")
        );
        let err = refuse(ExitCode::Conflict, "conflicts", why);
        return Err(output::print_refusal(args.output, report, err));
    }
    output::print_report(args.output, &report)?;
    let code = report.exit_code();
    let mut line = summary_line(&report);
    if show_plan && !list_unchanged && report.counts.unchanged > 0 {
        line.push_str(" (-v lists them)");
    }
    if code == ExitCode::Success {
        ctx.ui.status(line);
    } else {
        ctx.ui.warn(line);
    }
    Ok(code)
}

/// The rooms `--room`, `--rooms-from` and the filters choose.
fn selection_of(args: &Args) -> anyhow::Result<Selection> {
    let stdin_input = args.file.as_ref().is_none_or(|p| p.as_os_str() == "-");
    if stdin_input && args.names.reads_stdin() {
        return Err(fail(
            ExitCode::Usage,
            "--rooms-from - reads stdin, which already holds the archive: give the archive or the names as a file",
        ));
    }
    Ok(Selection {
        now_ms: args.filter.checked_now_ms()?,
        names: args.names.resolve()?,
        filter: args.filter.clone(),
    })
}

fn input_name(args: &Args) -> String {
    match &args.file {
        Some(p) if p.as_os_str() != "-" => p.display().to_string(),
        _ => "stdin".into(),
    }
}

/// The one line on stderr that sums up the import: the rooms written (how
/// many of those considered, then how), then every other fate. Each count
/// appears once, and they add up to the rooms considered.
fn summary_line(report: &ImportReport) -> String {
    let c = &report.counts;
    let prefix = if report.dry_run {
        "dry run: would import"
    } else {
        "imported"
    };
    let mut line = format!(
        "{prefix} {} of {}",
        c.written(),
        output::plural(report.rooms, "room", "rooms")
    );
    let how = output::counted(&[
        (c.created, "created"),
        (c.overwritten, "overwritten"),
        (c.replaced_invalid, "replaced invalid"),
    ]);
    if !how.is_empty() {
        line.push_str(&format!(" ({how})"));
    }
    let rest = output::counted(&[
        (c.unchanged, "unchanged"),
        (c.skipped, "skipped (exist)"),
        (c.held_back, "held back"),
    ]);
    let conflicts = (c.conflicts > 0).then(|| output::plural(c.conflicts, "conflict", "conflicts"));
    let kept = (c.changed_meanwhile > 0)
        .then(|| format!("{} changed meanwhile (kept)", c.changed_meanwhile));
    let failed = (c.failed > 0).then(|| format!("{} failed (named above)", c.failed));
    let rest: Vec<String> = (!rest.is_empty())
        .then_some(rest)
        .into_iter()
        .chain(conflicts)
        .chain(kept)
        .chain(failed)
        .collect();
    if !rest.is_empty() {
        line.push_str("; ");
        line.push_str(&rest.join(", "));
    }
    line
}
