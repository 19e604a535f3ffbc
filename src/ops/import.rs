//! The `import` engine: restores the rooms of an input that
//! [`archive::validate`] accepted into a store.
//!
//! Two passes over the input. The first (run under the default
//! `--on-conflict fail`, and in a dry run) plans every room against what the
//! store holds; under `fail`, nothing is written if any room conflicts. The
//! second pass writes, in batches, each write conditional on the state the
//! plan saw (create only if still absent, replace only if still unchanged,
//! under every policy), so a room the server writes meanwhile is never
//! clobbered: it is reported as changed instead. What a room that differs
//! becomes is [`crate::conflict::decide`]'s, as for `migrate-backend`.
//!
//! ```text
//! archive ──batches (read ahead)──▶ writer 1 ┐
//!                                  writer 2 ┴──▶ counted in archive order
//! ```
//!
//! Two writers take the batches in turn: one batch is planned and encoded
//! while the store writes the other. Each room is in one batch only, so
//! their order does not matter; what they did is counted in archive order.

use std::path::Path;
use std::sync::mpsc;

use serde::Serialize;

use super::{Progress, Stopped, WRITE_BATCH};
use crate::archive::{self, ArchiveSummary, ArchivedRoom, Checked};
use crate::conflict::{self, ConflictPolicy, Decision, Race};
use crate::exit::{ExitCode, Refusal, fail};
use crate::read_ahead::with_read_ahead;
use crate::select::Selection;
use crate::store::{
    Condition, EntryProblem, Lookup, ProblemKind, Put, PutOutcome, RoomFailure, Store, StoredRoom,
};

/// How many conflicting rooms [`ImportReport::conflicting`] names.
const NAMED_CONFLICTS: usize = 10;

/// How an import runs.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    pub on_conflict: ConflictPolicy,
    /// Plan every room, write nothing.
    pub dry_run: bool,
    /// Only some rooms of the input (`--room`, the filters); `None`: all.
    pub chosen: Option<Chosen<'a>>,
    /// Under `--on-conflict overwrite`, also replace an invalid stored
    /// document of a room's name (restoring a damaged room), as
    /// `delete --include-invalid` deletes one.
    pub include_invalid: bool,
}

/// The rooms of the input an import takes.
#[derive(Debug, Clone, Copy)]
pub struct Chosen<'a> {
    pub selection: &'a Selection,
    /// How many rooms of the input it takes (as validation counted them).
    pub rooms: u64,
}

/// What happens, or happened, to one room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Overwrite,
    /// Replace an invalid stored document of the room's name.
    ReplaceInvalid,
    Skip,
    Unchanged,
    Conflict,
}

impl Action {
    /// What a dry run says it would do.
    pub fn would(self) -> &'static str {
        match self {
            Action::Create => "would create",
            Action::Overwrite => "would overwrite",
            Action::ReplaceInvalid => "would replace invalid",
            Action::Skip => "would skip (exists)",
            Action::Unchanged => "unchanged",
            Action::Conflict => "conflict",
        }
    }
}

/// How many rooms met each fate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportCounts {
    pub created: u64,
    pub overwritten: u64,
    /// Rooms written over an invalid stored document of their name
    /// (`--include-invalid`).
    pub replaced_invalid: u64,
    pub skipped: u64,
    pub unchanged: u64,
    pub conflicts: u64,
    /// Rooms the server changed between the plan and the write; kept as the
    /// server wrote them.
    pub changed_meanwhile: u64,
    /// Rooms whose write failed (each named on stderr); the store holds
    /// them as before.
    pub failed: u64,
    /// Rooms that would have been written but were not, because others
    /// conflict under `--on-conflict fail` (nothing is then written).
    pub held_back: u64,
}

impl ImportCounts {
    /// Counts a room planned for `action`.
    fn planned(&mut self, action: Action) {
        match action {
            Action::Create => self.created += 1,
            Action::Overwrite => self.overwritten += 1,
            Action::ReplaceInvalid => self.replaced_invalid += 1,
            Action::Skip => self.skipped += 1,
            Action::Unchanged => self.unchanged += 1,
            Action::Conflict => self.conflicts += 1,
        }
    }

    fn add(&mut self, other: &ImportCounts) {
        self.created += other.created;
        self.overwritten += other.overwritten;
        self.replaced_invalid += other.replaced_invalid;
        self.skipped += other.skipped;
        self.unchanged += other.unchanged;
        self.conflicts += other.conflicts;
        self.changed_meanwhile += other.changed_meanwhile;
        self.failed += other.failed;
        self.held_back += other.held_back;
    }

    /// Rooms written to the store.
    pub fn written(&self) -> u64 {
        self.created + self.overwritten + self.replaced_invalid
    }
}

/// What an import did (or would do): the report `import -o json|yaml`
/// prints.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub dry_run: bool,
    pub rooms: u64,
    #[serde(flatten)]
    pub counts: ImportCounts,
    pub truncated: bool,
    /// The invalid stored documents replaced (or, in a dry run, to be
    /// replaced) by the archive's room of the same name.
    pub replaced_invalid_rooms: Vec<ReplacedInvalid>,
    /// Why nothing was imported, when the run was refused (`invalid-input`,
    /// `conflicts`, `needs-yes`).
    #[serde(flatten)]
    pub refusal: Refusal,
    /// Nothing was written: `--on-conflict fail` and some rooms conflict.
    #[serde(skip)]
    pub held_back: bool,
    /// The first conflicting rooms found by the plan, by name.
    #[serde(skip)]
    pub conflicting: Vec<String>,
}

/// An invalid stored document replaced by a room of the archive.
#[derive(Debug, Clone, Serialize)]
pub struct ReplacedInvalid {
    pub room: String,
    /// The file or key that held it.
    pub location: String,
}

impl ImportReport {
    /// A report of nothing done yet.
    pub fn new(dry_run: bool, truncated: bool) -> ImportReport {
        ImportReport {
            dry_run,
            truncated,
            ..ImportReport::default()
        }
    }

    /// The exit status of a finished import.
    pub fn exit_code(&self) -> ExitCode {
        let c = &self.counts;
        if self.dry_run {
            ExitCode::Success
        } else if c.conflicts > 0 {
            ExitCode::Conflict
        } else if c.changed_meanwhile > 0 || c.failed > 0 {
            ExitCode::Incomplete
        } else {
            ExitCode::Success
        }
    }
}

/// Imports the rooms of `path`, which [`archive::validate`] accepted as
/// `input`, into `store`. `on_plan` hears the plan of each room when the
/// first pass runs (under `fail`, and in a dry run); `progress`, what the
/// writes did. An import stopped half-way (the store failing, the input
/// changing) says what it wrote before the error, and returns the report
/// of what it did until then.
pub fn import(
    store: &dyn Store,
    path: &Path,
    input: &ArchiveSummary,
    options: &ImportOptions<'_>,
    progress: &dyn Fn(Progress),
    on_plan: &mut dyn FnMut(&str, Action) -> anyhow::Result<()>,
) -> Result<ImportReport, Box<Stopped<ImportReport>>> {
    let policy = options.on_conflict;
    let mut report = ImportReport::new(options.dry_run, input.truncated);

    // Pass 1, when nothing may be written before everything is known (the
    // default policy) or nothing is to be written at all: plan every room.
    if policy == ConflictPolicy::Fail || options.dry_run {
        let planned = for_each_chosen(path, &input.checked, options.chosen, |batch| {
            let plan = plan_batch(store, &batch, options)?;
            for (room, planned) in batch.iter().zip(&plan) {
                let action = planned.action();
                report.rooms += 1;
                report.counts.planned(action);
                match planned {
                    Planned::ReplaceInvalid { location, .. } => {
                        report.replaced_invalid_rooms.push(ReplacedInvalid {
                            room: room.doc.name().to_string(),
                            location: location.clone(),
                        });
                    }
                    // A damaged room is named with how to restore it.
                    Planned::Damaged(why) => {
                        progress(Progress::Warning(format!("{} {why}", room.doc.name())));
                    }
                    _ => {}
                }
                if action == Action::Conflict && report.conflicting.len() < NAMED_CONFLICTS {
                    report.conflicting.push(room.doc.name().to_string());
                }
                on_plan(room.doc.name(), action)?;
            }
            Ok(())
        });
        if let Err(error) = planned {
            // A plan written nowhere: of a room only that it was looked at.
            let report = ImportReport {
                rooms: report.rooms,
                ..ImportReport::new(options.dry_run, input.truncated)
            };
            return Err(Box::new(Stopped { report, error }));
        }
        if options.dry_run {
            return Ok(report);
        }
        if report.counts.conflicts > 0 {
            // Nothing is written: what the plan would have written is held
            // back, and is said so, not as created or overwritten.
            let c = &mut report.counts;
            c.held_back = c.written();
            (c.created, c.overwritten, c.replaced_invalid) = (0, 0, 0);
            report.replaced_invalid_rooms.clear();
            report.held_back = true;
            return Ok(report);
        }
    }

    // Pass 2: write, each room conditional on what the plan saw.
    let mut report = ImportReport::new(false, input.truncated);
    report.rooms = options.chosen.map_or(input.rooms, |c| c.rooms);
    let mut account = |written: BatchWritten| -> anyhow::Result<()> {
        report.counts.add(&written.counts);
        report.replaced_invalid_rooms.extend(written.replaced);
        for warning in written.warnings {
            progress(Progress::Warning(warning));
        }
        progress(Progress::Advance(written.rooms));
        // A failure of the store itself stops the import, once what the
        // batch did is counted.
        match written.stopped {
            Some(failure) => Err(failure.stop().into()),
            None => Ok(()),
        }
    };
    let written = std::thread::scope(|s| {
        // Two writers take the batches in turn; their results come back in
        // the same turn, so in archive order.
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let (to_writer, batches) = mpsc::channel::<Vec<ArchivedRoom>>();
                let (results, from_writer) = mpsc::channel();
                s.spawn(move || {
                    for batch in batches {
                        if results.send(write_batch(store, &batch, options)).is_err() {
                            break;
                        }
                    }
                });
                WriterThread {
                    to_writer,
                    from_writer,
                }
            })
            .collect();
        let mut sent = 0usize;
        let mut received = 0usize;
        let mut receive = |received: &mut usize| {
            let writer = &writers[*received % 2];
            *received += 1;
            match writer.from_writer.recv() {
                Ok(result) => result.and_then(&mut account),
                Err(_) => Err(anyhow::anyhow!("a writer thread stopped")),
            }
        };
        let written = for_each_chosen(path, &input.checked, options.chosen, |batch| {
            let _ = writers[sent % 2].to_writer.send(batch);
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
    if written.is_err() {
        let c = &report.counts;
        progress(Progress::Warning(format!(
            "stopped after writing {} of {}",
            c.written(),
            crate::output::plural(report.rooms, "room", "rooms"),
        )));
    }
    match written {
        Ok(()) => Ok(report),
        Err(error) => Err(Box::new(Stopped { report, error })),
    }
}

/// One of the two threads that write batches: what it is sent, and what
/// it answers.
struct WriterThread {
    to_writer: mpsc::Sender<Vec<ArchivedRoom>>,
    from_writer: mpsc::Receiver<anyhow::Result<BatchWritten>>,
}

/// What writing one batch did, to be counted and reported in order.
#[derive(Default)]
struct BatchWritten {
    rooms: u64,
    counts: ImportCounts,
    warnings: Vec<String>,
    /// Invalid documents replaced.
    replaced: Vec<ReplacedInvalid>,
    /// A failure of the store itself, met on a room of the batch.
    stopped: Option<RoomFailure>,
}

/// A room of a batch on its way to the store.
struct Pending<'a> {
    action: Action,
    room: &'a ArchivedRoom,
    /// Where the invalid document it replaces lives.
    replaces: Option<String>,
}

/// Plans a batch against the store and writes it, each room conditional on
/// what the plan saw.
fn write_batch(
    store: &dyn Store,
    batch: &[ArchivedRoom],
    options: &ImportOptions,
) -> anyhow::Result<BatchWritten> {
    let mut written = BatchWritten {
        rooms: batch.len() as u64,
        ..BatchWritten::default()
    };
    let plan = plan_batch(store, batch, options)?;
    let mut puts = Vec::new();
    let mut pending = Vec::new();
    for (room, planned) in batch.iter().zip(&plan) {
        let name = room.doc.name();
        let condition = match planned {
            Planned::Create => Condition::Absent,
            // Compare-and-swap: only the very room that was judged is
            // replaced, under every policy.
            Planned::Overwrite { current } => Condition::Unchanged(current),
            // Only the very invalid document that was judged is replaced.
            Planned::ReplaceInvalid { current, .. } => Condition::ReplaceInvalid(current),
            Planned::Skip => {
                written.counts.skipped += 1;
                continue;
            }
            Planned::Unchanged => {
                written.counts.unchanged += 1;
                continue;
            }
            Planned::Conflict(why) | Planned::Damaged(why) => {
                written.counts.conflicts += 1;
                written.warnings.push(format!("{name} {why}"));
                continue;
            }
        };
        puts.push(Put {
            doc: &room.doc,
            condition,
            ttl_ms: None,
        });
        pending.push(Pending {
            action: planned.action(),
            room,
            replaces: match planned {
                Planned::ReplaceInvalid { location, .. } => Some(location.clone()),
                _ => None,
            },
        });
    }
    let outcomes = store.put_batch(&puts)?;
    let mut raced = Vec::new();
    for (pending, outcome) in pending.into_iter().zip(outcomes) {
        let name = pending.room.doc.name();
        match (pending.action, outcome) {
            (Action::Create, PutOutcome::Written) => written.counts.created += 1,
            (Action::ReplaceInvalid, PutOutcome::Written) => {
                written.counts.replaced_invalid += 1;
                let location = pending.replaces.unwrap_or_default();
                written.warnings.push(format!(
                    "{name}: replaced the invalid document {location} with the archive's room"
                ));
                written.replaced.push(ReplacedInvalid {
                    room: name.to_string(),
                    location,
                });
            }
            (_, PutOutcome::Written) => written.counts.overwritten += 1,
            (_, PutOutcome::Exists | PutOutcome::Changed) => raced.push(pending),
            (_, PutOutcome::Blocked(why)) => {
                written.counts.conflicts += 1;
                written.warnings.push(format!("{name} not imported: {why}"));
            }
            (_, PutOutcome::Failed(failure)) if failure.store_wide => {
                written.stopped.get_or_insert(failure);
            }
            (_, PutOutcome::Failed(failure)) => {
                written.counts.failed += 1;
                written
                    .warnings
                    .push(format!("{name} not imported: {}", failure.message));
            }
        }
    }
    if raced.is_empty() {
        return Ok(written);
    }
    // Written by someone else since the plan read them: kept as they are,
    // whatever the policy, and read once more to say what they are (see
    // `crate::conflict`).
    let names: Vec<&str> = raced.iter().map(|p| p.room.doc.name()).collect();
    let lookups = store.get_batch(&names)?;
    for (Pending { action, room, .. }, lookup) in raced.into_iter().zip(lookups) {
        let name = room.doc.name();
        let creating = action == Action::Create;
        match conflict::after_race(lookup, creating, |theirs| holds(theirs, room)) {
            Race::Same => written.counts.unchanged += 1,
            Race::NotThisRoom(what) => {
                written.counts.conflicts += 1;
                written
                    .warnings
                    .push(format!("{name} not imported: {what}; never overwritten"));
            }
            Race::ChangedMeanwhile => {
                written.counts.changed_meanwhile += 1;
                written.warnings.push(format!(
                    "{name} was written by someone else meanwhile; kept theirs"
                ));
            }
        }
    }
    Ok(written)
}

/// Whether a stored room is this archived room. Byte equality settles most
/// cases (Redis stores the same compact JSON) without building either
/// document's tree.
fn holds(stored: &StoredRoom, room: &ArchivedRoom) -> bool {
    room.doc.compact_bytes() == Some(stored.bytes.as_slice())
        || stored
            .document()
            .map(|d| d.same_content(&room.doc))
            .unwrap_or(false)
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
        let mut batch = Vec::with_capacity(WRITE_BATCH);
        for room in rooms.by_ref() {
            match room {
                Ok(room) => batch.push(room),
                Err(e) => {
                    problem = Some(fail(ExitCode::BadInput, e.to_string()));
                    break;
                }
            }
            if batch.len() == WRITE_BATCH {
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

/// [`for_each_batch`], of the rooms `chosen` takes only (every room when
/// `None`); a batch left empty is not handed out.
fn for_each_chosen(
    path: &Path,
    checked: &Checked,
    chosen: Option<Chosen<'_>>,
    mut f: impl FnMut(Vec<ArchivedRoom>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(chosen) = chosen else {
        return for_each_batch(path, checked, f);
    };
    let selection = chosen.selection;
    for_each_batch(path, checked, |batch| {
        let batch: Vec<ArchivedRoom> = batch
            .into_iter()
            .filter(|room| {
                // The facts are derived only when a filter needs them.
                selection.takes_name(room.doc.name())
                    && (selection.filter.is_empty() || selection.takes(&room.doc.facts()))
            })
            .collect();
        match batch.is_empty() {
            true => Ok(()),
            false => f(batch),
        }
    })
}

/// Whether a problem entry is a damaged document of the room `name`: an
/// invalid document (not JSON, a missing field) that names no other room.
/// An entry that is not a room at all (a Redis set, a JSON array, a
/// directory) or a file holding another room never is.
fn damaged_room(p: &EntryProblem, name: &str) -> bool {
    p.kind == ProblemKind::Invalid && p.room_name.as_deref().is_none_or(|n| n == name)
}

/// What the plan says for one room.
enum Planned {
    Create,
    /// Replace the stored room, which the store holds as `current` (and
    /// only if it still does).
    Overwrite {
        current: Vec<u8>,
    },
    /// Replace the invalid document stored under the room's name, which
    /// holds `current` at `location` (and only if it still does).
    ReplaceInvalid {
        current: Vec<u8>,
        location: String,
    },
    Skip,
    Unchanged,
    /// Keep the stored room (or what holds its place), and say why.
    Conflict(String),
    /// A conflict with an invalid document of the room's name, which
    /// `--include-invalid` would replace: the why says so.
    Damaged(String),
}

impl Planned {
    fn action(&self) -> Action {
        match self {
            Planned::Create => Action::Create,
            Planned::Overwrite { .. } => Action::Overwrite,
            Planned::ReplaceInvalid { .. } => Action::ReplaceInvalid,
            Planned::Skip => Action::Skip,
            Planned::Unchanged => Action::Unchanged,
            Planned::Conflict(_) | Planned::Damaged(_) => Action::Conflict,
        }
    }
}

/// Decides what to do with each room of a batch, given the store's state
/// ([`conflict::decide`] where the store holds a different room).
fn plan_batch(
    store: &dyn Store,
    batch: &[ArchivedRoom],
    options: &ImportOptions,
) -> anyhow::Result<Vec<Planned>> {
    let policy = options.on_conflict;
    let names: Vec<&str> = batch.iter().map(|r| r.doc.name()).collect();
    let lookups = store.get_batch(&names)?;
    // The bytes of the invalid documents that may be replaced, read in one
    // batch: the write is conditional on exactly them.
    let replaceable = |room: &ArchivedRoom, lookup: &Lookup| match lookup {
        Lookup::Problem(p) => damaged_room(p, room.doc.name()),
        _ => false,
    };
    let restore = options.include_invalid && policy == ConflictPolicy::Overwrite;
    let damaged: Vec<&str> = batch
        .iter()
        .zip(&lookups)
        .filter(|(room, lookup)| restore && replaceable(room, lookup))
        .map(|(room, _)| room.doc.name())
        .collect();
    let mut damaged_bytes = match damaged.is_empty() {
        true => Vec::new(),
        false => store.read_raw_batch(&damaged)?,
    }
    .into_iter();
    Ok(batch
        .iter()
        .zip(lookups)
        .map(|(room, lookup)| match lookup {
            Lookup::Missing => Planned::Create,
            Lookup::Problem(p) if restore && damaged_room(&p, room.doc.name()) => {
                match damaged_bytes.next().flatten() {
                    Some(current) => Planned::ReplaceInvalid {
                        current,
                        location: p.location,
                    },
                    // Gone since the lookup: created if its place is free.
                    None => Planned::Create,
                }
            }
            Lookup::Problem(p) if damaged_room(&p, room.doc.name()) => Planned::Damaged(format!(
                "not imported: {}; to restore it from this archive, run again with --on-conflict overwrite --include-invalid --yes",
                conflict::held_by(&p)
            )),
            // Never write over something that is not a readable room.
            Lookup::Problem(p) => Planned::Conflict(format!(
                "not imported: {}; never overwritten",
                conflict::held_by(&p)
            )),
            Lookup::Found(existing) => {
                if holds(&existing, room) {
                    return Planned::Unchanged;
                }
                let ours = room.doc.facts().last_activity_ms();
                match conflict::decide(policy, ours, existing.facts.last_activity_ms()) {
                    Decision::Replace => Planned::Overwrite {
                        current: existing.bytes,
                    },
                    Decision::Keep(_) => Planned::Skip,
                    Decision::Conflict(unsettled) => Planned::Conflict(
                        unsettled
                            .explain(&format!("differs from the stored {}", existing.location)),
                    ),
                }
            }
        })
        .collect())
}
