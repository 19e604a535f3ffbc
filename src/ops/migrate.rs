//! The copy/verify engine behind `roomctl migrate-backend`: streams every
//! entry of a source store into a target store, decides room by room (copy,
//! already identical, conflict), writes in batches, reads back what it
//! wrote, and deletes verified rooms from the source when asked.
//!
//! Three stages run at once, joined by bounded channels, so that reading the
//! source, writing the target and verifying overlap while memory stays
//! bounded whatever the number of rooms:
//!
//! ```text
//! reader ──scan batches──▶ writer ──written batches──▶ verifier (caller's thread)
//! ```
//!
//! - the reader scans the source and parses each room (in parallel);
//! - the writer looks the batch up in the target, decides
//!   ([`crate::conflict::decide`], as `import` does), and writes it with
//!   one `put_batch` (pipelined on Redis, parallel atomic renames on files).
//!   New rooms are written with [`Condition::Absent`], replacements with
//!   [`Condition::Unchanged`] of the target bytes just read, so a write the
//!   server makes meanwhile is never clobbered: that room is kept and
//!   reported ([`RoomStatus::ChangedMeanwhile`]);
//! - the verifier reads the written rooms back with `get_batch`, compares
//!   them with the source, deletes verified rooms from the source when asked
//!   (conditionally, on the bytes that were copied), and reports each room.
//!
//! With [`MigrateOptions::no_copy`] (the cleanup after a cut-over) the writer
//! writes nothing: a room the target holds identically goes on to be
//! deleted from the source like a verified copy, and every other one is
//! kept there and reported ([`RoomStatus::KeptInSource`]).
//!
//! Every put is atomic and conditional, so a run stopped at any point (an
//! error, Ctrl-C, `kill -9`) leaves each room in the target either as it
//! was or complete, and a re-run finds the copies already made identical.
//!
//! Rooms are compared as documents, not bytes: files hold pretty JSON and
//! Redis compact JSON. Two rooms are the same when their JSON texts are equal
//! once the whitespace between tokens is removed (the fast path, no parsing)
//! or, failing that, when their parsed documents serialise to the same
//! compact JSON: every field, unknown ones included, in the same order.
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
//! `--delete-source` would delete them all. [`refuse_one_store`] checks it
//! before anything is written, dry runs included.
//!
//! `--delete-source --no-copy` is the cut-over cleanup: after the server has
//! moved to the target, a room missing there was most likely deleted by its
//! users, and copying it back would resurrect it. It writes nothing to the
//! target, deletes only the source rooms the target holds identically, and
//! keeps and names every other one (exit 3).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use anyhow::Context as _;
use rayon::prelude::*;

use super::{Stopped, WRITE_BATCH};
use crate::conflict::{self, Decision, Race};
use crate::exit::{ExitCode, fail};
use crate::room::{RoomDocument, minify, minify_checked};
use crate::store::{
    Condition, Delete, DeleteOutcome, Entry, EntryProblem, Lookup, ProblemKind, Put, PutOutcome,
    Relation, ScanOptions, Store, StoreError, StoredRoom,
};

mod report;
pub use report::{
    MigrateCounts, MigrateReport, MigrateVerdict, ReportFile, RoomRecord, RoomStatus, RunEnd,
    stopped_message, summary_line, verdict,
};

/// Batches waiting between two stages: one is enough for the stages to
/// overlap, and each one more costs memory.
const CHANNEL_DEPTH: usize = 1;

/// At most [`WRITE_BATCH`] rooms, and this many bytes of their JSON (or
/// one room, however large), are parsed, written and verified together.
const WRITE_BATCH_BYTES: usize = 2 << 20;

pub use crate::conflict::ConflictPolicy;

/// How a migration runs.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    pub on_conflict: ConflictPolicy,
    /// Read every written room back and compare it with the source.
    pub verify: bool,
    /// Delete each room from the source once its copy is verified.
    pub delete_source: bool,
    /// Decide everything, write nothing.
    pub dry_run: bool,
    /// Read each source key's TTL and give it to the target (Redis → Redis).
    pub with_ttl: bool,
    /// Write nothing to the target: only delete from the source (with
    /// `delete_source`) the rooms the target already holds identically, and
    /// keep every other one (cut-over cleanup, where a room missing from
    /// the target was deleted there on purpose).
    pub no_copy: bool,
}

/// How a migration ended, when it ran to the end or was interrupted.
#[derive(Debug)]
pub struct MigrateOutcome {
    pub counts: MigrateCounts,
    /// Stopped early by Ctrl-C (or SIGTERM); a re-run finishes the job.
    pub interrupted: bool,
}

/// Refuses, before anything is written, a target that is the source under
/// another name (the stores are asked what they are: see
/// [`crate::store::identity`]), and `delete_source` when the stores would
/// not say, unless the operator vouches that they are distinct. `from` and
/// `to` name them in messages.
pub fn refuse_one_store(
    source: &dyn Store,
    target: &dyn Store,
    (from, to): (&str, &str),
    delete_source: bool,
    stores_are_distinct: bool,
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
        Relation::Unknown(_) if !delete_source || stores_are_distinct => Ok(()),
        Relation::Unknown(why) => Err(fail(
            ExitCode::Usage,
            format!(
                "cannot tell whether {from} and {to} are different stores: {why}. If they are one, --delete-source would delete every room: check, then add --stores-are-distinct"
            ),
        )),
    }
}

/// Copies every room of `source` into `target`. `stop` is polled between
/// batches (set it from a signal handler); `on_record` is called once per
/// source entry with its final fate, from the caller's thread.
pub fn migrate(
    source: &dyn Store,
    target: &dyn Store,
    options: &MigrateOptions,
    stop: &AtomicBool,
    on_record: &mut dyn FnMut(&RoomRecord) -> anyhow::Result<()>,
) -> Result<MigrateOutcome, Box<Stopped<MigrateCounts>>> {
    let mut verifier = Verifier {
        source,
        target,
        options,
        tally: MigrateCounts::default(),
        on_record,
    };
    let (scan_tx, scan_rx) = mpsc::sync_channel(CHANNEL_DEPTH);
    let (written_tx, written_rx) = mpsc::sync_channel(CHANNEL_DEPTH);
    let (write_result, verify_result) = thread::scope(|s| {
        let reader = s.spawn(|| read_source(source, options, stop, scan_tx));
        let writer = s.spawn(|| write_target(target, options, stop, scan_rx, written_tx));
        // Consuming the receiver means it is dropped when verification stops
        // early, which stops the writer, which stops the reader.
        let verify_result = written_rx
            .into_iter()
            .try_for_each(|batch| verifier.check(batch));
        // The reader hands its errors to the writer through the channel.
        let write_result = join(writer);
        join(reader);
        (write_result, verify_result)
    });
    let error = verify_result
        .err()
        .or_else(|| write_result.err().map(anyhow::Error::new));
    match error {
        Some(error) => Err(Box::new(Stopped {
            report: verifier.tally,
            error,
        })),
        None => Ok(MigrateOutcome {
            counts: verifier.tally,
            interrupted: stop.load(Ordering::Relaxed),
        }),
    }
}

fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// A source room on its way to the target.
struct SourceRoom {
    name: String,
    location: String,
    /// The bytes as stored in the source, until minified; kept after that
    /// only for `--delete-source`, which deletes on exactly these bytes.
    source_bytes: Vec<u8>,
    /// The parsed document, from when a write is decided until it is done:
    /// documents never wait in a channel, which keeps memory low.
    doc: Option<RoomDocument>,
    /// The source bytes without whitespace between tokens: the same document,
    /// and nearly always the very bytes a store writing compact JSON holds.
    minified: Vec<u8>,
    /// `minified` is spelled as serde_json writes it (see
    /// `RoomDocument::from_judged_compact`).
    canonical: bool,
    ttl_ms: Option<i64>,
    activity_ms: Option<i64>,
}

impl SourceRoom {
    fn new(room: StoredRoom) -> SourceRoom {
        SourceRoom {
            activity_ms: room.facts.last_activity_ms(),
            name: room.facts.name,
            location: room.location,
            source_bytes: room.bytes,
            doc: None,
            minified: Vec::new(),
            canonical: false,
            ttl_ms: room.ttl_ms,
        }
    }

    /// Whether stored bytes hold this very room.
    fn held_in(&self, stored: &[u8]) -> bool {
        stored == self.minified
            || minify(stored) == self.minified
            || same_document(stored, &self.minified)
    }

    /// Parses the source document (once); the error says why it is invalid.
    fn parse(&mut self) -> Result<&RoomDocument, String> {
        if self.doc.is_none() {
            // The scan judged the source bytes a room; text that minified
            // canonically needs no second parse.
            let doc = if self.canonical {
                RoomDocument::from_judged_compact(self.name.clone(), self.minified.clone())
            } else {
                RoomDocument::from_slice(&self.minified).map_err(|e| e.to_string())?
            };
            self.doc = Some(doc);
        }
        self.doc.as_ref().ok_or_else(String::new)
    }
}

/// A room's final fate, with what it adds to the tally.
struct RoomOutcome {
    record: RoomRecord,
    count: fn(&mut MigrateCounts),
}

impl RoomOutcome {
    fn new(
        room: &SourceRoom,
        status: RoomStatus,
        reason: Option<String>,
        count: fn(&mut MigrateCounts),
    ) -> Self {
        RoomOutcome {
            record: RoomRecord {
                room: Some(room.name.clone()),
                attention: matches!(
                    status,
                    RoomStatus::Conflict
                        | RoomStatus::Invalid
                        | RoomStatus::Mismatch
                        | RoomStatus::KeptInSource
                        | RoomStatus::ChangedMeanwhile
                        | RoomStatus::Failed
                ),
                status,
                reason,
                location: room.location.clone(),
            },
            count,
        }
    }
}

/// A room the target now holds equal to the source: written this run, or
/// found already identical.
struct Landed {
    room: SourceRoom,
    /// Written this run (false: already identical).
    written: bool,
    /// Written over a different room.
    overwrote: bool,
}

impl Landed {
    /// Found already identical in the target.
    fn identical(room: SourceRoom) -> Landed {
        Landed::new(room, false, false)
    }

    /// Written this run (in a dry run: would be), over a different room
    /// when `overwrote`.
    fn written(room: SourceRoom, overwrote: bool) -> Landed {
        Landed::new(room, true, overwrote)
    }

    fn new(mut room: SourceRoom, written: bool, overwrote: bool) -> Landed {
        // The document is not needed any more: memory stays low.
        room.doc = None;
        Landed {
            room,
            written,
            overwrote,
        }
    }
}

/// What the writer hands the verifier for one scan batch.
#[derive(Default)]
struct Written {
    done: Vec<RoomOutcome>,
    landed: Vec<Landed>,
    /// A failure of the target itself, met on a room of this batch: the
    /// migration stops once the batch is reported.
    stopped: Option<StoreError>,
}

fn read_source(
    source: &dyn Store,
    options: &MigrateOptions,
    stop: &AtomicBool,
    tx: SyncSender<Result<Vec<Entry>, StoreError>>,
) {
    let scan = match source.scan(ScanOptions {
        with_ttl: options.with_ttl,
        skip_users: true,
    }) {
        Ok(scan) => scan,
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    for batch in scan {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let failed = batch.is_err();
        // A closed channel means the writer stopped; so does the reader.
        if tx.send(batch).is_err() || failed {
            return;
        }
    }
}

fn problem_fate(problem: EntryProblem) -> RoomOutcome {
    // Something that is not a room at all belongs to someone else (the chat
    // services keep sets under `room:`): left alone without fuss. A damaged
    // room is a room that could not be migrated.
    let not_a_room = problem.kind == ProblemKind::NotARoom;
    RoomOutcome {
        record: RoomRecord {
            room: problem.room_name,
            status: if not_a_room {
                RoomStatus::Skipped
            } else {
                RoomStatus::Invalid
            },
            reason: Some(match problem.kind {
                ProblemKind::Invalid => problem.reason,
                kind => format!("{}: {}", kind.label(), problem.reason),
            }),
            location: problem.location,
            attention: !not_a_room,
        },
        count: if not_a_room {
            |t| t.not_rooms += 1
        } else {
            |t| t.invalid += 1
        },
    }
}

fn write_target(
    target: &dyn Store,
    options: &MigrateOptions,
    stop: &AtomicBool,
    rx: Receiver<Result<Vec<Entry>, StoreError>>,
    tx: SyncSender<Written>,
) -> Result<(), StoreError> {
    for batch in rx {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let mut batch = batch?;
        // Stores scan up to 1,000 entries at a time and rooms run from 1 KB
        // to hundreds; parsed documents take several times their JSON's size,
        // so they are written in chunks bounded in rooms and in bytes.
        while !batch.is_empty() {
            let rest = batch.split_off(chunk_len(&batch));
            let mut written = write_batch(target, options, batch)?;
            let stopped = written.stopped.take();
            if tx.send(written).is_err() {
                return Ok(());
            }
            if let Some(stopped) = stopped {
                return Err(stopped);
            }
            batch = rest;
        }
    }
    Ok(())
}

/// How many of the entries at the front of `batch` make the next chunk.
fn chunk_len(batch: &[Entry]) -> usize {
    let mut bytes = 0;
    for (i, entry) in batch.iter().enumerate().take(WRITE_BATCH) {
        if let Entry::Room(room) = entry {
            bytes += room.bytes.len();
        }
        if bytes > WRITE_BATCH_BYTES {
            return i.max(1);
        }
    }
    batch.len().min(WRITE_BATCH)
}

/// What to do with one room, decided from the target's current state.
enum Plan {
    /// Write it; `replacing` holds the target bytes it may replace.
    Write {
        replacing: Option<Vec<u8>>,
    },
    Identical,
    /// The source room cannot be parsed as a document.
    Invalid(String),
    /// A conflict that stops the room.
    Conflict(String),
    /// A conflict resolved by keeping the target's copy.
    KeepTarget(String),
    /// `--no-copy`: the target does not hold the room identically; the
    /// source keeps it. `missing`: the target holds nothing of that name.
    KeepSource {
        why: String,
        missing: bool,
    },
}

fn write_batch(
    target: &dyn Store,
    options: &MigrateOptions,
    batch: Vec<Entry>,
) -> Result<Written, StoreError> {
    let mut out = Written::default();
    let mut pending = Vec::with_capacity(batch.len());
    for entry in batch {
        match entry {
            Entry::Room(room) => pending.push(SourceRoom::new(room)),
            Entry::Problem(problem) => out.done.push(problem_fate(problem)),
        }
    }
    if pending.is_empty() {
        return Ok(out);
    }
    let names: Vec<&str> = pending.iter().map(|r| r.name.as_str()).collect();
    let lookups = target.get_batch(&names)?;
    // Parsing and comparing documents is the CPU-heavy part: in parallel.
    let plans: Vec<Plan> = pending
        .par_iter_mut()
        .zip(lookups.into_par_iter())
        .map(|(room, lookup)| plan(room, lookup, options))
        .collect();
    let mut writes = Vec::new();
    for (room, plan) in pending.into_iter().zip(plans) {
        match plan {
            Plan::Write { replacing } => writes.push((room, replacing)),
            Plan::Identical => {
                out.landed.push(Landed::identical(room));
            }
            Plan::Invalid(why) => out.done.push(RoomOutcome::new(
                &room,
                RoomStatus::Invalid,
                Some(why),
                |t| t.invalid += 1,
            )),
            Plan::Conflict(why) => out.done.push(conflict(&room, why)),
            Plan::KeepTarget(why) => out.done.push(RoomOutcome::new(
                &room,
                RoomStatus::Skipped,
                Some(why),
                |t| {
                    t.conflicts += 1;
                    t.kept_target += 1;
                },
            )),
            Plan::KeepSource { why, missing } => {
                let count: fn(&mut MigrateCounts) = if missing {
                    |t| t.missing_from_target += 1
                } else {
                    |t| t.different_in_target += 1
                };
                out.done.push(RoomOutcome::new(
                    &room,
                    RoomStatus::KeptInSource,
                    Some(why),
                    count,
                ))
            }
        }
    }
    if writes.is_empty() {
        // Nothing to write (always so under --no-copy): the target is
        // not touched at all.
        return Ok(out);
    }
    if options.dry_run {
        for (room, replacing) in writes {
            out.landed.push(Landed::written(room, replacing.is_some()));
        }
        return Ok(out);
    }
    let outcomes = {
        let puts: Vec<Put<'_>> = writes
            .iter()
            .filter_map(|(room, replacing)| {
                Some(Put {
                    doc: room.doc.as_ref()?,
                    condition: match replacing {
                        Some(bytes) => Condition::Unchanged(bytes),
                        None => Condition::Absent,
                    },
                    ttl_ms: room.ttl_ms,
                })
            })
            .collect();
        target.put_batch(&puts)?
    };
    let mut raced = Vec::new();
    for ((room, replacing), outcome) in writes.into_iter().zip(outcomes) {
        match outcome {
            PutOutcome::Written => {
                out.landed.push(Landed::written(room, replacing.is_some()));
            }
            PutOutcome::Blocked(why) => out.done.push(conflict(&room, why)),
            PutOutcome::Failed(failure) => {
                if failure.store_wide {
                    out.stopped.get_or_insert(failure.stop());
                } else {
                    out.done.push(RoomOutcome::new(
                        &room,
                        RoomStatus::Failed,
                        Some(failure.message),
                        |t| t.failed += 1,
                    ));
                }
            }
            PutOutcome::Exists | PutOutcome::Changed => raced.push(Raced {
                room,
                creating: replacing.is_none(),
            }),
        }
    }
    settle_raced(target, raced, &mut out)?;
    Ok(out)
}

/// A room whose conditional write found the target's place written by
/// someone else since it was read.
struct Raced {
    room: SourceRoom,
    /// The write was to create the room.
    creating: bool,
}

/// Rooms whose conditional write found the target's place written by
/// someone else since it was read (the server, live on the target; another
/// room of the batch sharing the file): what is there now is kept, whatever
/// the policy (see `crate::conflict`), and read once more only to say what
/// it is — this very room, something that is not this room (a conflict),
/// or another version (changed meanwhile).
fn settle_raced(
    target: &dyn Store,
    raced: Vec<Raced>,
    out: &mut Written,
) -> Result<(), StoreError> {
    if raced.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = raced.iter().map(|r| r.room.name.as_str()).collect();
    let lookups = target.get_batch(&names)?;
    for (Raced { room, creating }, lookup) in raced.into_iter().zip(lookups) {
        match conflict::after_race(lookup, creating, |theirs| room.held_in(&theirs.bytes)) {
            Race::Same => {
                out.landed.push(Landed::identical(room));
            }
            Race::NotThisRoom(what) => out.done.push(conflict(
                &room,
                format!("the target's {what}; never overwritten"),
            )),
            Race::ChangedMeanwhile => out.done.push(RoomOutcome::new(
                &room,
                RoomStatus::ChangedMeanwhile,
                Some(
                    "the target's copy was written by someone else after it was read; kept theirs (run again to decide it)".into(),
                ),
                |t| t.changed_meanwhile += 1,
            )),
        }
    }
    Ok(())
}

fn conflict(room: &SourceRoom, why: String) -> RoomOutcome {
    RoomOutcome::new(room, RoomStatus::Conflict, Some(why), |t| t.conflicts += 1)
}

/// Decides what to do with a source room given what the target holds,
/// parsing the source document when it is to be written or compared.
fn plan(room: &mut SourceRoom, lookup: Lookup, options: &MigrateOptions) -> Plan {
    if room.minified.is_empty() {
        (room.minified, room.canonical) = minify_checked(&room.source_bytes);
        if !options.delete_source {
            room.source_bytes = Vec::new();
        }
    }
    let theirs = match lookup {
        Lookup::Missing if options.no_copy => {
            return Plan::KeepSource {
                why: "not in the target (deleted there?); kept in the source".into(),
                missing: true,
            };
        }
        Lookup::Problem(p) if options.no_copy => {
            return Plan::KeepSource {
                why: format!("the target's {}; kept in the source", conflict::held_by(&p)),
                missing: false,
            };
        }
        Lookup::Missing => {
            return match room.parse() {
                Ok(_) => Plan::Write { replacing: None },
                Err(why) => Plan::Invalid(why),
            };
        }
        Lookup::Problem(p) => {
            return Plan::Conflict(format!(
                "the target's {}; never overwritten",
                conflict::held_by(&p)
            ));
        }
        Lookup::Found(theirs) => theirs,
    };
    if room.held_in(&theirs.bytes) {
        return Plan::Identical;
    }
    if options.no_copy {
        return Plan::KeepSource {
            why: format!(
                "the target's {} holds a different version; kept in the source",
                theirs.location
            ),
            missing: false,
        };
    }
    if let Err(why) = room.parse() {
        return Plan::Invalid(why);
    }
    let differs = format!("the target's {} holds a different room", theirs.location);
    let ours = room.activity_ms;
    match conflict::decide(options.on_conflict, ours, theirs.facts.last_activity_ms()) {
        Decision::Replace => Plan::Write {
            replacing: Some(theirs.bytes),
        },
        Decision::Keep(kept) => Plan::KeepTarget(kept.explain(&differs)),
        Decision::Conflict(unsettled) => Plan::Conflict(unsettled.explain(&differs)),
    }
}

/// Checks what a lookup in the target found against the source room.
fn read_back(room: &SourceRoom, lookup: Lookup) -> Result<(), String> {
    match lookup {
        Lookup::Found(theirs) if room.held_in(&theirs.bytes) => Ok(()),
        Lookup::Found(theirs) => Err(format!("{} reads back different", theirs.location)),
        Lookup::Missing => Err("missing from the target after writing".into()),
        Lookup::Problem(p) => Err(format!(
            "{} reads back as {}: {}",
            p.location,
            p.kind.label(),
            p.reason
        )),
    }
}

/// Whether two stored texts hold the same room document: the same fields
/// with the same values in the same order.
fn same_document(a: &[u8], b: &[u8]) -> bool {
    match (RoomDocument::from_slice(a), RoomDocument::from_slice(b)) {
        (Ok(a), Ok(b)) => a.same_content(&b),
        _ => false,
    }
}

/// The last stage: reads written rooms back, deletes verified ones from the
/// source when asked, counts and reports every room.
struct Verifier<'a, 'r> {
    source: &'a dyn Store,
    target: &'a dyn Store,
    options: &'a MigrateOptions,
    tally: MigrateCounts,
    on_record: &'r mut dyn FnMut(&RoomRecord) -> anyhow::Result<()>,
}

impl Verifier<'_, '_> {
    fn emit(&mut self, fate: RoomOutcome) -> anyhow::Result<()> {
        self.tally.scanned += 1;
        (fate.count)(&mut self.tally);
        (self.on_record)(&fate.record)
    }

    fn check(&mut self, batch: Written) -> anyhow::Result<()> {
        for fate in batch.done {
            self.emit(fate)?;
        }
        let live = !self.options.dry_run;
        let mut verified = Vec::with_capacity(batch.landed.len());
        let mut unchecked = Vec::new();
        if live && self.options.verify {
            let (written, identical): (Vec<Landed>, Vec<Landed>) =
                batch.landed.into_iter().partition(|l| l.written);
            verified.extend(identical);
            let names: Vec<&str> = written.iter().map(|l| l.room.name.as_str()).collect();
            // The bytes read back, compared with the source document (the
            // same minified text nearly always); comparing may parse a copy
            // (pretty files): in parallel.
            let raws = self.target.read_raw_batch(&names)?;
            let held: Vec<bool> = written
                .par_iter()
                .zip(raws.into_par_iter())
                .map(|(landed, raw)| raw.is_some_and(|b| landed.room.held_in(&b)))
                .collect();
            let mut differ = Vec::new();
            for (landed, held) in written.into_iter().zip(held) {
                if held {
                    verified.push(landed);
                } else {
                    differ.push(landed);
                }
            }
            // What is there instead, judged, for the message.
            let names: Vec<&str> = differ.iter().map(|l| l.room.name.as_str()).collect();
            let lookups = self.target.get_batch(&names)?;
            for (landed, lookup) in differ.into_iter().zip(lookups) {
                match read_back(&landed.room, lookup) {
                    Ok(()) => verified.push(landed),
                    Err(why) => self.mismatch(&landed, why)?,
                }
            }
        } else {
            // Without verification (or in a dry run) only the rooms found
            // identical were compared with the target.
            let (written, identical): (Vec<Landed>, Vec<Landed>) =
                batch.landed.into_iter().partition(|l| l.written);
            verified.extend(identical);
            unchecked = written;
        }
        for landed in unchecked {
            self.landed(&landed, false, None)?;
        }
        if !(live && self.options.delete_source) {
            for landed in verified {
                self.landed(&landed, true, None)?;
            }
            return Ok(());
        }
        let deletes: Vec<Delete<'_>> = verified
            .iter()
            .map(|l| Delete {
                name: &l.room.name,
                expected: Some(&l.room.source_bytes),
                allow_invalid: false,
            })
            .collect();
        let outcomes = self.source.delete_batch(&deletes)?;
        let mut stopped = None;
        for (landed, outcome) in verified.iter().zip(outcomes) {
            match outcome {
                DeleteOutcome::Deleted => {
                    let fate = RoomOutcome::new(
                        &landed.room,
                        RoomStatus::DeletedFromSource,
                        Some(self.describe(landed).into()),
                        |t| {
                            t.verified += 1;
                            t.deleted_from_source += 1;
                        },
                    );
                    self.count_landed(landed);
                    self.emit(fate)?;
                }
                DeleteOutcome::Missing => {
                    let note = Note::plain("already gone from the source");
                    self.landed(landed, true, Some(note))?
                }
                DeleteOutcome::Changed => {
                    self.tally.kept_in_source += 1;
                    let note = Note::kept(
                        "changed in the source since it was copied; kept there (run again to migrate the new version)"
                            .into(),
                    );
                    self.landed(landed, true, Some(note))?
                }
                DeleteOutcome::Blocked(why) => {
                    self.tally.kept_in_source += 1;
                    let note = Note::kept(format!("not deleted from the source: {why}"));
                    self.landed(landed, true, Some(note))?
                }
                DeleteOutcome::Failed(failure) => {
                    self.tally.kept_in_source += 1;
                    let note =
                        Note::kept(format!("not deleted from the source: {}", failure.message));
                    self.landed(landed, true, Some(note))?;
                    if failure.store_wide {
                        stopped.get_or_insert(failure.stop());
                    }
                }
            }
        }
        match stopped {
            Some(stopped) => Err(stopped.into()),
            None => Ok(()),
        }
    }

    fn describe(&self, landed: &Landed) -> &'static str {
        match (landed.written, landed.overwrote) {
            (false, _) => "already identical in the target",
            (true, false) => "copied and verified",
            (true, true) => "overwrote a different room in the target, verified",
        }
    }

    /// Counts a landed room's copy (the `verified` count is the caller's).
    fn count_landed(&mut self, landed: &Landed) {
        if !landed.written {
            self.tally.identical += 1;
        } else {
            self.tally.copied += 1;
            if landed.overwrote {
                self.tally.overwritten += 1;
                self.tally.conflicts += 1;
            }
        }
    }

    /// Reports a room that is in the target: copied or identical.
    fn landed(
        &mut self,
        landed: &Landed,
        verified: bool,
        note: Option<Note>,
    ) -> anyhow::Result<()> {
        let attention = note.as_ref().is_some_and(|n| n.attention);
        let note = note.map(|n| n.text);
        self.count_landed(landed);
        if verified {
            self.tally.verified += 1;
        }
        let dry = self.options.dry_run;
        let reason = match (landed.written, landed.overwrote, dry) {
            (false, _, _) => None,
            (true, false, true) => Some("dry run: would copy".to_string()),
            (true, true, true) => Some(format!(
                "dry run: would overwrite a different room (--on-conflict {})",
                self.options.on_conflict.name()
            )),
            (true, true, false) => Some(format!(
                "overwrote a different room (--on-conflict {})",
                self.options.on_conflict.name()
            )),
            (true, false, false) => None,
        };
        let reason = match (reason, note) {
            (Some(r), Some(n)) => Some(format!("{r}; {n}")),
            (r, n) => r.or(n),
        };
        let status = if landed.written {
            RoomStatus::Copied
        } else {
            RoomStatus::Identical
        };
        self.tally.scanned += 1;
        (self.on_record)(&RoomRecord {
            room: Some(landed.room.name.clone()),
            status,
            reason,
            location: landed.room.location.clone(),
            attention,
        })
    }

    fn mismatch(&mut self, landed: &Landed, why: String) -> anyhow::Result<()> {
        self.count_landed(landed);
        self.tally.mismatched += 1;
        self.tally.scanned += 1;
        (self.on_record)(&RoomRecord {
            room: Some(landed.room.name.clone()),
            status: RoomStatus::Mismatch,
            reason: Some(why),
            location: landed.room.location.clone(),
            attention: true,
        })
    }
}

/// A remark on a room that landed in the target.
struct Note {
    text: String,
    attention: bool,
}

impl Note {
    fn plain(text: &str) -> Note {
        Note {
            text: text.into(),
            attention: false,
        }
    }

    /// The room stays in the source though it should have been deleted.
    fn kept(text: String) -> Note {
        Note {
            text,
            attention: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(bytes: &[u8]) -> SourceRoom {
        SourceRoom {
            name: "a".into(),
            location: "here".into(),
            source_bytes: bytes.to_vec(),
            doc: None,
            minified: minify(bytes),
            canonical: false,
            ttl_ms: None,
            activity_ms: None,
        }
    }

    #[test]
    fn rooms_compare_as_documents_keeping_content_and_order() {
        let compact =
            br#"{"roomName":"a b","createdAt":"x","creatorPlexUserId":"1","zz":[1,2.5,"\" ]"]}"#;
        let doc = RoomDocument::from_slice(compact).unwrap();
        let pretty = doc.to_pretty();
        assert_eq!(minify(&pretty), compact);
        assert!(source(&pretty).held_in(compact));
        assert!(source(compact).held_in(&pretty));
        assert!(source(compact).held_in(compact));
        // Equal documents in other texts: the slow path.
        let escaped = br#"{"roomName":"a\u0020b","createdAt":"x","creatorPlexUserId":"1","zz":[1,2.50,"\" ]"]}"#;
        assert!(source(escaped).held_in(compact));
        let reordered =
            br#"{"createdAt":"x","roomName":"a b","creatorPlexUserId":"1","zz":[1,2.5,"\" ]"]}"#;
        assert!(!source(reordered).held_in(compact));
        let changed =
            br#"{"roomName":"a b","createdAt":"x","creatorPlexUserId":"1","zz":[1,2.5,"\"]"]}"#;
        assert!(!source(changed).held_in(compact));
        assert!(!source(b"not json").held_in(compact));
    }
}
