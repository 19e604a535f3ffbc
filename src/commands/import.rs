//! `roomctl import [FILE]`: restores an archive (or a JSON array of rooms,
//! or one room document) into the store.
//!
//! Two passes over the input. The first validates everything — header, every
//! room, duplicates, count, checksum — and plans every room against what the
//! store holds; nothing is written if the input is bad, or if any room
//! conflicts under the default `--on-conflict fail`. The second pass writes,
//! in batches, each write conditional on the state the plan saw (create only
//! if still absent, replace only if still unchanged), so a room the server
//! writes meanwhile is never clobbered: it is reported as changed instead.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;

use super::{Context, MissingStore};
use crate::archive::{self, ArchivedRoom, Checked, ValidateOptions};
use crate::conflict::ConflictPolicy;
use crate::exit::{ExitCode, Refusal, fail, refuse};
use crate::output::{self, DocFormat, safe};
use crate::read_ahead::with_read_ahead;
use crate::store::{Condition, Lookup, Put, PutOutcome, RoomFailure, Store, StoreSpec};

/// Rooms planned and written per batch.
const BATCH: usize = 500;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archive to read; `-` or nothing for stdin. Compression is
    /// detected from the content.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// What to do with a room that already exists with other content.
    /// `fail` imports nothing at all if any room conflicts.
    #[arg(long, value_enum, default_value_t = ConflictPolicy::Fail)]
    pub on_conflict: ConflictPolicy,

    /// Import the rooms of an archive that has lost its end (no trailer).
    #[arg(long)]
    pub allow_truncated: bool,

    /// Show what would be created, overwritten and skipped; write nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Create the store's directory (and its missing parents) when it does
    /// not exist; without it, a missing directory is an error (exit 7), so
    /// that a typo in a path never becomes a new store.
    #[arg(long)]
    pub create_store: bool,

    /// Output format of the summary (on stdout with json/yaml).
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,

    #[command(flatten)]
    pub metrics: crate::metrics::MetricsArgs,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

/// What happens, or happened, to one room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Overwrite,
    Skip,
    Unchanged,
    Conflict,
}

/// The summary `import -o json` prints.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub dry_run: bool,
    pub rooms: u64,
    pub created: u64,
    pub overwritten: u64,
    pub skipped: u64,
    pub unchanged: u64,
    pub conflicts: u64,
    /// Rooms the server changed between the plan and the write; kept as the
    /// server wrote them.
    pub changed_meanwhile: u64,
    /// Rooms whose write failed (each named on stderr); the store holds
    /// them as before.
    pub failed: u64,
    pub truncated: bool,
    /// Why nothing was imported, when the run was refused (`invalid-input`,
    /// `conflicts`).
    #[serde(flatten)]
    pub refusal: Refusal,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
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
    let summary_in = archive::validate(
        path,
        &ValidateOptions {
            allow_truncated: args.allow_truncated,
            private,
            max_room_bytes: ctx.max_room_bytes,
            pretty,
        },
    )
    .map_err(|e| {
        refused(
            &args,
            Summary {
                dry_run: args.dry_run,
                ..Summary::default()
            },
            refuse(
                ExitCode::BadInput,
                "invalid-input",
                format!("{}: {e}; nothing was imported", input_name(&args)),
            ),
        )
    })?;
    ctx.metrics.archive_file(path);
    if summary_in.truncated {
        ctx.ui.warn(format!(
            "{} is truncated; importing the {} rooms it holds (--allow-truncated)",
            input_name(&args),
            summary_in.rooms
        ));
    }
    let (store, resolved) =
        ctx.open_store_or_create(MissingStore::from_flag(args.create_store, args.dry_run))?;
    let mut summary = Summary {
        dry_run: args.dry_run,
        truncated: summary_in.truncated,
        ..Summary::default()
    };
    let mut out = output::stdout();

    // Pass 1, when nothing may be written before everything is known (the
    // default policy) or nothing is to be written at all: plan every room.
    let mut conflicts: Vec<String> = Vec::new();
    let must_plan = args.on_conflict == ConflictPolicy::Fail || args.dry_run;
    for_each_batch_if(must_plan, path, &summary_in.checked, |batch| {
        let plan = plan_batch(store.as_ref(), &batch, args.on_conflict)?;
        for (room, Planned { action, .. }) in batch.iter().zip(&plan) {
            summary.rooms += 1;
            match action {
                Action::Create => summary.created += 1,
                Action::Overwrite => summary.overwritten += 1,
                Action::Skip => summary.skipped += 1,
                Action::Unchanged => summary.unchanged += 1,
                Action::Conflict => {
                    summary.conflicts += 1;
                    conflicts.push(room.doc.name().to_string());
                }
            }
            if args.dry_run && args.output == DocFormat::Text {
                let verb = match action {
                    Action::Create => "would create",
                    Action::Overwrite => "would overwrite",
                    Action::Skip => "would skip (exists)",
                    Action::Unchanged => "unchanged",
                    Action::Conflict => "conflict",
                };
                writeln!(out, "{verb} {}", safe(room.doc.name()))?;
            }
        }
        Ok(())
    })?;
    ctx.metrics.record(summary.counts());
    if summary.conflicts > 0 && (args.on_conflict == ConflictPolicy::Fail || args.dry_run) {
        let shown: Vec<String> = conflicts
            .iter()
            .take(10)
            .map(|n| format!("{:?}", safe(n)))
            .collect();
        let more = if conflicts.len() > 10 {
            format!(" and {} more", conflicts.len() - 10)
        } else {
            String::new()
        };
        if !args.dry_run {
            let why = format!(
                "{} room{} already exist in {} with other content: {}{more}; nothing was imported (choose --on-conflict skip, overwrite or newer)",
                summary.conflicts,
                if summary.conflicts == 1 { "" } else { "s" },
                resolved.spec.redacted(),
                shown.join(", ")
            );
            return Err(refused(
                &args,
                summary,
                refuse(ExitCode::Conflict, "conflicts", why),
            ));
        }
    }
    if args.dry_run {
        return finish(ctx, &mut out, &args, &summary, ExitCode::Success);
    }

    // Pass 2: write, each room conditional on what the plan saw.
    let planned = std::mem::take(&mut summary);
    summary.rooms = summary_in.rooms;
    summary.truncated = planned.truncated;
    let bar = ctx.ui.progress(Some(summary_in.rooms), "importing");
    let mut account = |written: Written| -> anyhow::Result<()> {
        summary.created += written.created;
        summary.overwritten += written.overwritten;
        summary.skipped += written.skipped;
        summary.unchanged += written.unchanged;
        summary.conflicts += written.conflicts;
        summary.changed_meanwhile += written.changed_meanwhile;
        summary.failed += written.failed;
        for warning in written.warnings {
            bar.suspend(|| ctx.ui.warn(warning));
        }
        bar.inc(written.rooms);
        // A failure of the store itself stops the import, once what the
        // batch did is counted.
        match written.stopped {
            Some(failure) => Err(failure.stop().into()),
            None => Ok(()),
        }
    };
    // Two batches in flight: one is encoded and planned while the store
    // writes the other. Each room is in one batch only, so their order does
    // not matter; what they did is counted in archive order.
    let store = store.as_ref();
    let policy = args.on_conflict;
    let written = std::thread::scope(|s| {
        // Two writers take the batches in turn; their results come back in
        // the same turn, so in archive order.
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let (to_writer, batches) = std::sync::mpsc::channel::<Vec<ArchivedRoom>>();
                let (results, from_writer) = std::sync::mpsc::channel();
                s.spawn(move || {
                    for batch in batches {
                        if results.send(write_batch(store, &batch, policy)).is_err() {
                            break;
                        }
                    }
                });
                (to_writer, from_writer)
            })
            .collect();
        let mut sent = 0usize;
        let mut received = 0usize;
        let mut receive = |received: &mut usize| {
            let (_, from_writer) = &writers[*received % 2];
            *received += 1;
            match from_writer.recv() {
                Ok(result) => result.and_then(&mut account),
                Err(_) => Err(anyhow::anyhow!("a writer thread stopped")),
            }
        };
        let written = for_each_batch(path, &summary_in.checked, |batch| {
            let _ = writers[sent % 2].0.send(batch);
            sent += 1;
            if sent - received > 1 {
                receive(&mut received)?;
            }
            Ok(())
        });
        // What the batches in flight did is counted even when one failed.
        let mut last = Ok(());
        while received < sent {
            last = last.and(receive(&mut received));
        }
        written.and(last)
    });
    bar.finish_and_clear();
    ctx.metrics.record(summary.counts());
    if let Err(e) = written {
        // Say what was written before the failure.
        let done = summary.created + summary.overwritten;
        ctx.ui.warn(format!(
            "stopped after writing {done} of {} rooms ({} created, {} overwritten)",
            summary.rooms, summary.created, summary.overwritten
        ));
        return Err(e.context(input_name(&args)));
    }
    let code = if summary.conflicts > 0 {
        ExitCode::Conflict
    } else if summary.changed_meanwhile > 0 || summary.failed > 0 {
        ExitCode::Incomplete
    } else {
        ExitCode::Success
    };
    finish(ctx, &mut out, &args, &summary, code)
}

impl Summary {
    /// For `--metrics-file`.
    fn counts(&self) -> crate::metrics::Counts {
        crate::metrics::Counts {
            considered: self.rooms,
            written: self.created + self.overwritten,
            kept: self.skipped + self.unchanged + self.conflicts + self.changed_meanwhile,
            ..Default::default()
        }
    }
}

/// What writing one batch did, to be counted and reported in order.
#[derive(Default)]
struct Written {
    rooms: u64,
    created: u64,
    overwritten: u64,
    skipped: u64,
    unchanged: u64,
    conflicts: u64,
    changed_meanwhile: u64,
    failed: u64,
    warnings: Vec<String>,
    /// A failure of the store itself, met on a room of the batch.
    stopped: Option<RoomFailure>,
}

/// Plans a batch against the store and writes it, each room conditional on
/// what the plan saw.
fn write_batch(
    store: &dyn Store,
    batch: &[ArchivedRoom],
    policy: ConflictPolicy,
) -> anyhow::Result<Written> {
    let mut written = Written {
        rooms: batch.len() as u64,
        ..Written::default()
    };
    let plan = plan_batch(store, batch, policy)?;
    let mut puts = Vec::new();
    let mut kinds = Vec::new();
    for (
        room,
        Planned {
            action,
            current,
            held_by,
        },
    ) in batch.iter().zip(&plan)
    {
        match action {
            Action::Create => {
                puts.push(Put {
                    doc: &room.doc,
                    condition: Condition::Absent,
                    ttl_ms: None,
                });
                kinds.push((Action::Create, room.doc.name()));
            }
            Action::Overwrite => {
                let condition = match current {
                    Some(bytes) if policy == ConflictPolicy::Newer => {
                        Condition::Unchanged(bytes.as_slice())
                    }
                    _ => Condition::Overwrite,
                };
                puts.push(Put {
                    doc: &room.doc,
                    condition,
                    ttl_ms: None,
                });
                kinds.push((Action::Overwrite, room.doc.name()));
            }
            Action::Skip => written.skipped += 1,
            Action::Unchanged => written.unchanged += 1,
            Action::Conflict => {
                written.conflicts += 1;
                let why = match held_by {
                    Some(problem) => format!("not imported: {problem}; never overwritten"),
                    None => "conflicts with the stored room; kept".into(),
                };
                written
                    .warnings
                    .push(format!("{} {}", safe(room.doc.name()), safe(&why)));
            }
        }
    }
    let outcomes = store.put_batch(&puts)?;
    for ((kind, name), outcome) in kinds.into_iter().zip(outcomes) {
        match (kind, outcome) {
            (Action::Create, PutOutcome::Written) => written.created += 1,
            (_, PutOutcome::Written) => written.overwritten += 1,
            (_, PutOutcome::Exists | PutOutcome::Changed) => {
                written.changed_meanwhile += 1;
                written.warnings.push(format!(
                    "{} was written by someone else meanwhile; kept theirs",
                    safe(name)
                ));
            }
            (_, PutOutcome::Blocked(why)) => {
                written.conflicts += 1;
                written
                    .warnings
                    .push(format!("{} not imported: {}", safe(name), safe(&why)));
            }
            (_, PutOutcome::Failed(failure)) if failure.store_wide => {
                written.stopped.get_or_insert(failure);
            }
            (_, PutOutcome::Failed(failure)) => {
                written.failed += 1;
                written.warnings.push(format!(
                    "{} not imported: {}",
                    safe(name),
                    safe(&failure.message)
                ));
            }
        }
    }
    Ok(written)
}

fn input_name(args: &Args) -> String {
    match &args.file {
        Some(p) if p.as_os_str() != "-" => p.display().to_string(),
        _ => "stdin".into(),
    }
}

/// [`for_each_batch`] when `enabled`, nothing otherwise.
fn for_each_batch_if(
    enabled: bool,
    path: &Path,
    checked: &Checked,
    f: impl FnMut(Vec<ArchivedRoom>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if enabled {
        for_each_batch(path, checked, f)
    } else {
        Ok(())
    }
}

/// Streams the rooms `validate` checked, in batches; the next batch is read
/// while `f` handles this one. The rooms before a problem come first.
fn for_each_batch(
    path: &Path,
    checked: &Checked,
    mut f: impl FnMut(Vec<ArchivedRoom>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut rooms = archive::read_checked(path, checked.clone())
        .map_err(|e| fail(ExitCode::BadInput, e.to_string()))?;
    let mut problem = None;
    let batches = std::iter::from_fn(move || {
        if let Some(e) = problem.take() {
            return Some(Err(e));
        }
        let mut batch = Vec::with_capacity(BATCH);
        for room in rooms.by_ref() {
            match room {
                Ok(room) => batch.push(room),
                Err(e) => {
                    problem = Some(fail(ExitCode::BadInput, e.to_string()));
                    break;
                }
            }
            if batch.len() == BATCH {
                break;
            }
        }
        match batch.is_empty() {
            true => problem.take().map(Err),
            false => Some(Ok(batch)),
        }
    });
    with_read_ahead(batches, |batches| {
        for batch in batches {
            f(batch?)?;
        }
        Ok(())
    })
}

/// What the plan says for one room.
struct Planned {
    action: Action,
    /// The stored room's bytes, when there is one.
    current: Option<Vec<u8>>,
    /// What holds the room's place instead of a readable room of that name
    /// (a corrupt or unreadable file, another room's file), for messages.
    held_by: Option<String>,
}

/// Decides what to do with each room of a batch, given the store's state.
/// Returns the action and, for rooms that exist, the stored bytes.
fn plan_batch(
    store: &dyn Store,
    batch: &[ArchivedRoom],
    policy: ConflictPolicy,
) -> anyhow::Result<Vec<Planned>> {
    let names: Vec<&str> = batch.iter().map(|r| r.doc.name()).collect();
    let lookups = store.get_batch(&names)?;
    Ok(batch
        .iter()
        .zip(lookups)
        .map(|(room, lookup)| match lookup {
            Lookup::Missing => Planned {
                action: Action::Create,
                current: None,
                held_by: None,
            },
            // Never write over something that is not a readable room.
            Lookup::Problem(p) => Planned {
                action: Action::Conflict,
                current: None,
                held_by: Some(format!(
                    "{} is {}: {}",
                    p.location,
                    p.kind.label(),
                    p.reason
                )),
            },
            Lookup::Found(existing) => {
                // Byte equality settles most cases (Redis stores the same
                // compact JSON) without building either document's tree.
                let same = room.doc.compact_bytes() == Some(existing.bytes.as_slice())
                    || existing
                        .document()
                        .map(|d| d.same_content(&room.doc))
                        .unwrap_or(false);
                let action = if same {
                    Action::Unchanged
                } else {
                    match policy {
                        ConflictPolicy::Fail => Action::Conflict,
                        ConflictPolicy::Skip => Action::Skip,
                        ConflictPolicy::Overwrite => Action::Overwrite,
                        ConflictPolicy::Newer => {
                            let ours = room.doc.facts().last_activity_ms();
                            if ours > existing.facts.last_activity_ms() {
                                Action::Overwrite
                            } else {
                                Action::Skip
                            }
                        }
                    }
                };
                Planned {
                    action,
                    current: Some(existing.bytes),
                    held_by: None,
                }
            }
        })
        .collect())
}

/// Returns `err`, first printing the summary of the run it refused with
/// `-o json|yaml`.
fn refused(args: &Args, mut summary: Summary, err: anyhow::Error) -> anyhow::Error {
    let Some(refusal) = Refusal::of(&err) else {
        return err;
    };
    summary.refusal = refusal;
    let mut out = output::stdout();
    let printed = match args.output {
        DocFormat::Json => output::write_json(&mut out, &summary),
        DocFormat::Yaml => output::write_yaml(&mut out, &summary),
        DocFormat::Text => return err,
    };
    match printed.and_then(|()| Ok(out.flush()?)) {
        Ok(()) => err,
        Err(e) => e,
    }
}

fn finish(
    ctx: &Context,
    out: &mut impl Write,
    args: &Args,
    s: &Summary,
    code: ExitCode,
) -> anyhow::Result<ExitCode> {
    match args.output {
        DocFormat::Json => output::write_json(out, s)?,
        DocFormat::Yaml => output::write_yaml(out, s)?,
        DocFormat::Text => {}
    }
    out.flush()?;
    let prefix = if s.dry_run {
        "dry run: would import"
    } else {
        "imported"
    };
    let mut line = format!(
        "{prefix} {} rooms: {} created, {} overwritten, {} skipped, {} unchanged, {} conflicts",
        s.rooms, s.created, s.overwritten, s.skipped, s.unchanged, s.conflicts,
    );
    if s.changed_meanwhile > 0 {
        line.push_str(&format!(
            ", {} changed meanwhile (kept)",
            s.changed_meanwhile
        ));
    }
    if s.failed > 0 {
        line.push_str(&format!(
            ", {} failed (named above); {} of {} written",
            s.failed,
            s.created + s.overwritten,
            s.created + s.overwritten + s.failed
        ));
    }
    if code == ExitCode::Success {
        ctx.ui.status(line);
    } else {
        ctx.ui.warn(line);
    }
    Ok(code)
}
