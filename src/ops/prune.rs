//! The `prune-inactive` engine: delete the rooms whose last activity (the
//! newest of `lastActivityAt`, the newest rating and `createdAt`) is older
//! than a cutoff, in bounded memory, without ever deleting a room the
//! server touched after it was judged.
//!
//! # Design
//!
//! A prune is three passes over the store, all streaming in batches:
//!
//! 1. **Judge** ([`scan`]). Scan the whole store once. Every room is judged
//!    against the [`Criteria`] (last activity older than the cutoff, the
//!    filters); invalid entries and rooms with unknown activity are counted
//!    and kept. A room to delete becomes a [`Candidate`]: its name, its last
//!    activity and a 128-bit [`Fingerprint`] (SHA-256, truncated) of the
//!    exact bytes that were judged — not the bytes themselves. 10 % of a
//!    100,000-room store at ~8 KB a room is ~80 MB of documents but ~5 MB of
//!    candidates; peak memory is one scan batch plus the candidates.
//!
//!    Knowing the count before anything is deleted is what lets
//!    `--max-delete` refuse *before the first deletion*, lets the prompt
//!    show the exact list it asks about, and lets `--backup` be complete
//!    before the first deletion.
//! 2. **Back up** ([`write_backup`], only with `--backup`). Re-read the
//!    candidates by name in batches (`get_batch`), keep those whose bytes
//!    still have the judged fingerprint, and write them to the archive,
//!    which is completed and fsynced before pass 3 starts (`backup.rs`:
//!    written under a temporary name, linked into place, never replacing a
//!    file). A candidate that changed meanwhile is marked and is neither
//!    backed up nor deleted. Pass 3 deletes only rooms whose bytes still
//!    have the fingerprint of the bytes backed up, so every deleted room is
//!    in the backup exactly as it was deleted; a room that changes between
//!    passes 2 and 3 is in the backup but kept.
//! 3. **Delete** ([`delete`]). Re-read the still-pending candidates by name
//!    in batches, check the fingerprint again, and delete each with a
//!    *conditional* delete ([`Delete::expected`]) carrying the bytes just
//!    read. A room is therefore deleted only if its stored bytes are, at the
//!    moment of deletion, exactly the bytes that were judged (and backed
//!    up): the fingerprint covers the time between the passes, the
//!    conditional delete the time between the re-read and the delete
//!    (a Lua script in Redis; in the file backend a move-aside that puts a
//!    changed file back and never replaces a fresh write). The judgement is
//!    not repeated in pass 3: identical bytes and the same `now` give the
//!    same verdict.
//!
//! Only candidates are ever deleted, so a prompt's "yes" covers exactly the
//! rooms it listed: a room that went stale after the judging is left for the
//! next run. A room that changed, turned into something else, or vanished
//! between the passes is reported (kept "changed during prune", or "gone")
//! and is not a failure: the server was using it.
//!
//! The run holds the store's `prune` lock ([`LOCK_NAME`]) from before the
//! judging to the end, and refreshes it between batches, so two prunes
//! never interleave on one store. A dry run takes no lock: it changes
//! nothing.
//!
//! A caller drives the passes in two steps, asking for consent between
//! them: [`plan`] (the backup's target, the lock, pass 1, `--max-delete`)
//! and [`PrunePlan::execute`] (passes 2 and 3). Both report progress
//! through a callback ([`Progress`]) and never print.

pub mod backup;

use std::path::PathBuf;

use anyhow::Context as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Progress;
use crate::exit::{ExitCode, Refusal, refuse};
use crate::filter::RoomFilter;
use crate::output::{plural, safe};
use crate::room::{ActivitySource, RoomFacts, format_timestamp};
use crate::store::{
    Delete, DeleteOutcome, Entry, EntryProblem, LockGuard, Lookup, ScanOptions, Store, StoreError,
};

/// The store lock a prune holds (see [`Store::lock`]).
pub const LOCK_NAME: &str = "prune";

/// Candidates re-read and deleted per store round trip.
pub const CANDIDATES_PER_ROUND_TRIP: usize = 256;

/// The first 128 bits of the SHA-256 of a room's stored bytes.
pub type Fingerprint = [u8; 16];

pub fn fingerprint(bytes: &[u8]) -> Fingerprint {
    let digest = Sha256::digest(bytes);
    let mut f = [0u8; 16];
    f.copy_from_slice(&digest[..16]);
    f
}

/// What makes a room old enough to delete.
#[derive(Debug, Clone)]
pub struct Criteria {
    /// Delete when the last activity is more than this many ms before `now_ms`.
    pub older_than_ms: i64,
    pub now_ms: i64,
    /// Further selection (`--creator`, `--inactive-for`, `--active-within`).
    pub filter: RoomFilter,
    /// Rooms whose activity is unknown are deleted too (never invalid ones).
    pub include_unknown: bool,
}

/// The verdict on one room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Old enough: delete. `None` activity only with `include_unknown`.
    Delete(Option<(i64, ActivitySource)>),
    /// Active within the cutoff.
    Recent,
    /// Not selected by the filters.
    NotSelected,
    /// Activity unknown; kept.
    Unknown,
}

impl Criteria {
    /// Rooms whose last activity is before this instant are old enough.
    pub fn cutoff_ms(&self) -> i64 {
        self.now_ms.saturating_sub(self.older_than_ms)
    }

    pub fn judge(&self, facts: &RoomFacts) -> Verdict {
        if let Some(c) = &self.filter.creator
            && facts.creator_username != *c
            && facts.creator_id != *c
        {
            return Verdict::NotSelected;
        }
        match facts.last_activity() {
            None if self.include_unknown => Verdict::Delete(None),
            None => Verdict::Unknown,
            Some((ms, source)) => {
                if self.now_ms.saturating_sub(ms) <= self.older_than_ms {
                    Verdict::Recent
                } else if !self.filter.matches(facts, self.now_ms) {
                    Verdict::NotSelected
                } else {
                    Verdict::Delete(Some((ms, source)))
                }
            }
        }
    }
}

/// What became of a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CandidateFate {
    /// Not handled yet (or a dry run, or refused).
    Pending,
    Deleted,
    /// Changed after it was judged; kept. Says how.
    Changed(String),
    /// No longer there when it was re-read (deleted by someone else).
    Vanished,
    /// Its delete failed (its file could not be moved); kept. Says why.
    Failed(String),
}

/// A room judged old enough to delete: what pass 3 needs, without its bytes.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub name: String,
    /// Last activity and where it comes from; `None` when unknown
    /// (with `include_unknown`).
    pub activity: Option<(i64, ActivitySource)>,
    pub fingerprint: Fingerprint,
    pub fate: CandidateFate,
}

/// A room with unknown activity, kept.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownRoom {
    pub room_name: String,
    pub reason: String,
}

/// The result of the judging pass.
#[derive(Debug, Default)]
pub struct Judged {
    /// Oldest activity first (unknown first of all), then by name.
    pub candidates: Vec<Candidate>,
    /// Valid rooms seen.
    pub rooms: u64,
    pub recent: u64,
    pub not_selected: u64,
    pub unknown: Vec<UnknownRoom>,
    /// Entries that are not valid rooms; never deleted.
    pub problems: Vec<EntryProblem>,
}

/// Pass 1: judges every entry of the store.
pub fn scan(
    store: &dyn Store,
    criteria: &Criteria,
    lock: Option<&dyn LockGuard>,
    progress: &dyn Fn(Progress),
) -> Result<Judged, StoreError> {
    let mut judged = Judged::default();
    // Nothing prune reports needs the users.
    let options = ScanOptions {
        skip_users: true,
        ..ScanOptions::default()
    };
    for batch in store.scan(options)? {
        let batch = batch?;
        progress(Progress::Advance(batch.len() as u64));
        for entry in batch {
            let room = match entry {
                Entry::Room(room) => room,
                Entry::Problem(p) => {
                    judged.problems.push(p);
                    continue;
                }
            };
            judged.rooms += 1;
            match criteria.judge(&room.facts) {
                Verdict::Delete(activity) => judged.candidates.push(Candidate {
                    fingerprint: fingerprint(&room.bytes),
                    name: room.facts.name,
                    activity,
                    fate: CandidateFate::Pending,
                }),
                Verdict::Recent => judged.recent += 1,
                Verdict::NotSelected => judged.not_selected += 1,
                Verdict::Unknown => judged.unknown.push(UnknownRoom {
                    reason: room.facts.unknown_activity_reason(),
                    room_name: room.facts.name,
                }),
            }
        }
        if let Some(lock) = lock {
            lock.refresh()?;
        }
    }
    judged.candidates.sort_by(|a, b| {
        (a.activity.map(|x| x.0), &a.name).cmp(&(b.activity.map(|x| x.0), &b.name))
    });
    judged.unknown.sort_by(|a, b| a.room_name.cmp(&b.room_name));
    judged.problems.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(judged)
}

/// A guard rail of `--max-delete`: at most this many rooms, or this share
/// of the store's rooms, may be deleted in one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeleteLimit {
    Rooms(u64),
    Percent(f64),
}

impl DeleteLimit {
    /// Whether deleting `count` of the store's `total` rooms stays within.
    pub fn allows(self, count: u64, total: u64) -> bool {
        match self {
            DeleteLimit::Rooms(n) => count <= n,
            DeleteLimit::Percent(p) => (count as f64) * 100.0 <= p * total as f64,
        }
    }
}

impl std::fmt::Display for DeleteLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeleteLimit::Rooms(n) => write!(f, "{n}"),
            DeleteLimit::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Parses `--max-delete`: a number of rooms (`500`) or a percentage (`5%`).
pub fn parse_limit(s: &str) -> Result<DeleteLimit, String> {
    let s = s.trim();
    if let Some(p) = s.strip_suffix('%') {
        let p: f64 = p
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: expected a percentage like 5%"))?;
        if !(0.0..=100.0).contains(&p) {
            return Err(format!("{s:?}: a percentage is between 0% and 100%"));
        }
        return Ok(DeleteLimit::Percent(p));
    }
    s.parse()
        .map(DeleteLimit::Rooms)
        .map_err(|_| format!("{s:?}: expected a number of rooms (500) or a percentage (5%)"))
}

/// The first limit that deleting `count` of `total` rooms would break.
pub fn broken_limit(limits: &[DeleteLimit], count: u64, total: u64) -> Option<DeleteLimit> {
    limits.iter().copied().find(|l| !l.allows(count, total))
}

/// Re-reads the pending candidates of `chunk`. Returns those whose stored
/// bytes are still exactly what was judged, with those bytes, as (index in
/// `chunk`, bytes); the others get their fate. The bytes are read as they
/// are: equal fingerprints prove them the judged room, so only a candidate
/// that changed is looked up again, to say what it is now.
fn reread(store: &dyn Store, chunk: &mut [Candidate]) -> Result<Vec<(usize, Vec<u8>)>, StoreError> {
    let pending: Vec<usize> = (0..chunk.len())
        .filter(|&i| chunk[i].fate == CandidateFate::Pending)
        .collect();
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = pending.iter().map(|&i| chunk[i].name.as_str()).collect();
    let raw = store.read_raw_batch(&names)?;
    let mut unchanged = Vec::with_capacity(pending.len());
    let mut changed = Vec::new();
    for (i, bytes) in pending.into_iter().zip(raw) {
        match bytes {
            Some(bytes) if fingerprint(&bytes) == chunk[i].fingerprint => {
                unchanged.push((i, bytes))
            }
            _ => changed.push(i),
        }
    }
    if changed.is_empty() {
        return Ok(unchanged);
    }
    let names: Vec<&str> = changed.iter().map(|&i| chunk[i].name.as_str()).collect();
    let lookups = store.get_batch(&names)?;
    for (i, lookup) in changed.into_iter().zip(lookups) {
        let c = &mut chunk[i];
        match lookup {
            // Read again, the judged bytes are back (a write and its undo).
            Lookup::Found(room) if fingerprint(&room.bytes) == c.fingerprint => {
                unchanged.push((i, room.bytes))
            }
            Lookup::Found(_) => c.fate = CandidateFate::Changed("changed during prune".into()),
            Lookup::Missing => c.fate = CandidateFate::Vanished,
            Lookup::Problem(p) => {
                c.fate = CandidateFate::Changed(format!(
                    "changed during prune, now {}: {}",
                    p.kind.label(),
                    p.reason
                ))
            }
        }
    }
    unchanged.sort_by_key(|(i, _)| *i);
    Ok(unchanged)
}

/// Where `--backup` writes the rooms about to be deleted.
pub trait BackupSink {
    /// Adds one room, exactly as stored.
    fn add(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()>;
    /// Completes the archive and makes it durable (file and directory
    /// fsynced). Nothing may be deleted before this returned `Ok`.
    fn finish(self: Box<Self>) -> anyhow::Result<()>;
}

/// Pass 2: writes every pending candidate that is still exactly what was
/// judged to `sink` and completes it. Returns how many rooms it holds; a
/// candidate that changed is marked and will not be deleted.
pub fn write_backup(
    store: &dyn Store,
    candidates: &mut [Candidate],
    mut sink: Box<dyn BackupSink>,
    lock: Option<&dyn LockGuard>,
    progress: &dyn Fn(Progress),
) -> anyhow::Result<u64> {
    let mut written = 0;
    for chunk in candidates.chunks_mut(CANDIDATES_PER_ROUND_TRIP) {
        if let Some(lock) = lock {
            lock.refresh()?;
        }
        for (i, bytes) in reread(store, chunk)? {
            sink.add(&chunk[i].name, &bytes)?;
            written += 1;
        }
        progress(Progress::Advance(chunk.len() as u64));
    }
    sink.finish()?;
    Ok(written)
}

/// Pass 3: deletes every pending candidate whose stored bytes are still
/// exactly the judged ones; records each candidate's fate. On a store error
/// the fates recorded so far stay, so the caller can say what was done.
pub fn delete(
    store: &dyn Store,
    candidates: &mut [Candidate],
    lock: Option<&dyn LockGuard>,
    progress: &dyn Fn(Progress),
) -> Result<(), StoreError> {
    for chunk in candidates.chunks_mut(CANDIDATES_PER_ROUND_TRIP) {
        if let Some(lock) = lock {
            lock.refresh()?;
        }
        let unchanged = reread(store, chunk)?;
        if !unchanged.is_empty() {
            let deletes: Vec<Delete<'_>> = unchanged
                .iter()
                .map(|(i, bytes)| Delete {
                    name: &chunk[*i].name,
                    // Delete only these bytes: a write by the server since
                    // they were read keeps the room.
                    expected: Some(bytes),
                    allow_invalid: false,
                })
                .collect();
            let outcomes = store.delete_batch(&deletes)?;
            let mut stopped = None;
            for ((i, _), outcome) in unchanged.iter().zip(outcomes) {
                chunk[*i].fate = match outcome {
                    DeleteOutcome::Deleted => CandidateFate::Deleted,
                    DeleteOutcome::Changed => CandidateFate::Changed("changed during prune".into()),
                    DeleteOutcome::Missing => CandidateFate::Vanished,
                    DeleteOutcome::Blocked(why) => {
                        CandidateFate::Changed(format!("changed during prune, now held by: {why}"))
                    }
                    // Not this room's doing: the run stops after the batch,
                    // and the room waits for the next run.
                    DeleteOutcome::Failed(failure) if failure.store_wide => {
                        stopped.get_or_insert(failure.stop());
                        CandidateFate::Pending
                    }
                    DeleteOutcome::Failed(failure) => CandidateFate::Failed(failure.message),
                };
            }
            if let Some(stopped) = stopped {
                return Err(stopped);
            }
        }
        progress(Progress::Advance(chunk.len() as u64));
    }
    Ok(())
}

/// What a prune is asked to do, besides the store.
#[derive(Debug, Clone)]
pub struct PruneOptions {
    pub criteria: Criteria,
    /// `--max-delete`: refuse before anything is deleted when deleting the
    /// candidates would break one of these.
    pub max_delete: Vec<DeleteLimit>,
    /// `--backup`: the archive the candidates go to before any deletion.
    pub backup: Option<PathBuf>,
    /// Change nothing: no lock, no backup, no deletion.
    pub dry_run: bool,
    /// The store, secrets redacted: for the report, the messages and the
    /// backup's header.
    pub store_name: String,
}

/// A run that was refused before anything was deleted: the error to
/// return (it carries its [`Refusal`]) and the report of the run it
/// refused, with what was judged so far.
#[derive(Debug)]
pub struct Refused {
    pub report: PruneReport,
    pub error: anyhow::Error,
}

/// Why [`plan`] did not return a plan.
#[derive(Debug)]
pub enum PlanError {
    /// Refused on purpose (a backup file that exists, another prune's
    /// lock, `--max-delete`): nothing was deleted.
    Refused(Box<Refused>),
    /// The store (or the backup's directory) failed.
    Failed(anyhow::Error),
}

impl From<StoreError> for PlanError {
    fn from(e: StoreError) -> Self {
        PlanError::Failed(e.into())
    }
}

/// A judged store, locked (unless a dry run), waiting for the go-ahead:
/// [`PrunePlan::execute`] deletes exactly [`Judged::candidates`].
pub struct PrunePlan<'s> {
    store: &'s dyn Store,
    options: &'s PruneOptions,
    lock: Option<Box<dyn LockGuard + 's>>,
    pub judged: Judged,
}

/// What [`PrunePlan::execute`] did: the report, and the error that stopped the
/// deletions half-way, if one did (the report says what was done before).
#[derive(Debug)]
pub struct Executed {
    pub report: PruneReport,
    pub stopped: Option<anyhow::Error>,
}

/// Passes 0 and 1: checks the backup's target, takes the lock, judges the
/// store and applies `--max-delete`. Nothing is deleted.
pub fn plan<'s>(
    store: &'s dyn Store,
    options: &'s PruneOptions,
    progress: &dyn Fn(Progress),
) -> Result<PrunePlan<'s>, PlanError> {
    let store_name = &options.store_name;
    let refused = |judged: &Judged, error: anyhow::Error| match Refusal::of(&error) {
        Some(refusal) => {
            let mut report = PruneReport::new(
                judged,
                &options.criteria,
                store_name.clone(),
                options.dry_run,
            );
            report.refusal = refusal;
            PlanError::Refused(Box::new(Refused { report, error }))
        }
        None => PlanError::Failed(error),
    };
    // Refused before judging: the report lists no rooms.
    let unjudged = Judged::default();
    if let Some(path) = &options.backup
        && !options.dry_run
    {
        backup::check_target(path).map_err(|e| refused(&unjudged, e))?;
    }
    // Taken before judging, so that what is judged is not being pruned by
    // another run; a dry run changes nothing and needs none.
    let lock = if options.dry_run {
        None
    } else {
        Some(store.lock(LOCK_NAME).map_err(|e| match e {
            StoreError::Locked { lock, holder } => refused(
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
            e => PlanError::Failed(
                anyhow::Error::new(e).context(format!("cannot lock {store_name}")),
            ),
        })?)
    };
    progress(Progress::Stage {
        name: "judging",
        total: None,
    });
    let judged = scan(store, &options.criteria, lock.as_deref(), progress)?;
    let count = judged.candidates.len() as u64;
    if let Some(limit) = broken_limit(&options.max_delete, count, judged.rooms) {
        let why = format!(
            "refusing to delete {} with no activity since {}: more than \
             --max-delete {limit} ({}) of the {} rooms in {store_name}; nothing was deleted \
             (check the clock, --now and --older-than, or raise the limit)",
            plural(count, "room", "rooms"),
            format_timestamp(options.criteria.cutoff_ms()),
            match limit {
                DeleteLimit::Rooms(n) => plural(n, "room", "rooms"),
                DeleteLimit::Percent(p) => format!(
                    "{p}% is {} rooms",
                    (p * judged.rooms as f64 / 100.0).floor()
                ),
            },
            judged.rooms
        );
        return Err(refused(
            &judged,
            refuse(ExitCode::Refused, "max-delete", why),
        ));
    }
    Ok(PrunePlan {
        store,
        options,
        lock,
        judged,
    })
}

impl PrunePlan<'_> {
    /// The report of this plan as it stands: in a dry run, the candidates
    /// are listed as the rooms that would be deleted.
    pub fn report(&self, dry_run: bool) -> PruneReport {
        PruneReport::new(
            &self.judged,
            &self.options.criteria,
            self.options.store_name.clone(),
            dry_run,
        )
    }

    /// Passes 2 and 3: writes the backup (when asked for), then deletes
    /// the candidates that are still exactly what was judged.
    pub fn execute(mut self, progress: &dyn Fn(Progress)) -> anyhow::Result<Executed> {
        let store_name = &self.options.store_name;
        let lock = self.lock.as_deref();
        // The prompt may have waited long: make sure the lock is still ours.
        if let Some(lock) = lock {
            lock.refresh().with_context(|| {
                format!("lost the prune lock of {store_name}; nothing was deleted")
            })?;
        }
        let count = self.judged.candidates.len() as u64;
        let mut backup = None;
        if let Some(path) = &self.options.backup {
            progress(Progress::Stage {
                name: "backing up",
                total: Some(count),
            });
            let sink = Box::new(backup::ArchiveBackup::create(path, store_name)?);
            let rooms = write_backup(
                self.store,
                &mut self.judged.candidates,
                sink,
                lock,
                progress,
            )
            .with_context(|| {
                format!(
                    "cannot write the backup {}; nothing was deleted",
                    path.display()
                )
            })?;
            backup = Some(BackupReport {
                path: path.display().to_string(),
                rooms,
                bytes: backup::size_of(path),
            });
        }
        progress(Progress::Stage {
            name: "deleting",
            total: Some(count),
        });
        let deleted = delete(self.store, &mut self.judged.candidates, lock, progress);
        let mut report = self.report(false);
        report.backup = backup;
        let stopped = deleted.err().map(|e| {
            anyhow::Error::new(e).context(format!(
                "prune of {store_name} stopped after deleting {} rooms; run it again to finish",
                report.summary.deleted
            ))
        });
        Ok(Executed { report, stopped })
    }
}

/// One room deleted (or, in a dry run, to be deleted), as reported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedRoom {
    pub room_name: String,
    /// ISO 8601; null when the activity is unknown (`--include-unknown`).
    pub last_activity_at: Option<String>,
    /// `lastActivityAt`, `rating` or `createdAt`; null when unknown.
    pub activity_source: Option<ActivitySource>,
    /// Milliseconds between the last activity and `now`.
    pub age_ms: Option<i64>,
}

/// A candidate that was not deleted because it changed (or its delete
/// failed), as reported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedRoom {
    pub room_name: String,
    pub reason: String,
}

/// The counts of a run. `kept` is every valid room not deleted except the
/// ones with unknown activity (counted in `unknown`) and the vanished ones.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PruneCounts {
    /// Valid rooms in the store.
    pub rooms: u64,
    /// Rooms judged old enough.
    pub candidates: u64,
    pub deleted: u64,
    pub kept: u64,
    /// Candidates kept because they changed during the prune (in `kept`).
    pub changed: u64,
    /// Candidates kept because their delete failed (in `kept`).
    pub failed: u64,
    /// Candidates someone else deleted during the prune.
    pub vanished: u64,
    /// Rooms with unknown activity, kept.
    pub unknown: u64,
    /// Entries that are not valid rooms, kept.
    pub invalid: u64,
}

/// `--backup` in the report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupReport {
    pub path: String,
    pub rooms: u64,
    /// The archive's size on disk, once complete; null when it could not
    /// be measured.
    pub bytes: Option<u64>,
}

/// What `prune-inactive -o json` prints. The shape is stable: fields are
/// only ever added.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PruneReport {
    pub dry_run: bool,
    /// The store, secrets redacted.
    pub store: String,
    /// The instant ages are measured from.
    pub now: String,
    /// `--older-than`, normalised (`30d`, `1d12h`).
    pub older_than: String,
    /// Rooms whose last activity is before this instant were candidates.
    pub cutoff: String,
    /// Rooms deleted, oldest activity first; in a dry run, the rooms that
    /// would be deleted.
    pub deleted: Vec<DeletedRoom>,
    /// Candidates kept because the server changed them during the prune.
    pub changed: Vec<ChangedRoom>,
    /// Candidates gone before they could be deleted.
    pub vanished: Vec<String>,
    /// Candidates whose delete failed, and why; kept.
    pub failed: Vec<ChangedRoom>,
    /// Rooms with unknown activity, kept.
    pub unknown: Vec<UnknownRoom>,
    /// Entries that are not valid rooms, kept.
    pub invalid: Vec<EntryProblem>,
    pub backup: Option<BackupReport>,
    /// Why nothing was deleted when the run was refused (`refused`, a
    /// short code, and `refusedMessage`).
    #[serde(flatten)]
    pub refusal: Refusal,
    pub summary: PruneCounts,
}

impl PruneReport {
    /// The report of a run from what the passes left in `judged`. In a dry
    /// run (or a refused one) pending candidates are listed as they would
    /// be deleted (refused: not at all).
    pub fn new(judged: &Judged, criteria: &Criteria, store: String, dry_run: bool) -> PruneReport {
        let mut report = PruneReport {
            dry_run,
            store,
            now: format_timestamp(criteria.now_ms),
            older_than: crate::duration::format(criteria.older_than_ms),
            cutoff: format_timestamp(criteria.cutoff_ms()),
            deleted: Vec::new(),
            changed: Vec::new(),
            vanished: Vec::new(),
            failed: Vec::new(),
            unknown: judged.unknown.clone(),
            invalid: judged.problems.clone(),
            backup: None,
            refusal: Refusal::default(),
            summary: PruneCounts {
                rooms: judged.rooms,
                candidates: judged.candidates.len() as u64,
                unknown: judged.unknown.len() as u64,
                invalid: judged.problems.len() as u64,
                ..PruneCounts::default()
            },
        };
        for c in &judged.candidates {
            match &c.fate {
                CandidateFate::Pending if !dry_run => {}
                CandidateFate::Pending | CandidateFate::Deleted => {
                    report.deleted.push(DeletedRoom {
                        room_name: c.name.clone(),
                        last_activity_at: c.activity.map(|a| format_timestamp(a.0)),
                        activity_source: c.activity.map(|a| a.1),
                        age_ms: c.activity.map(|a| criteria.now_ms.saturating_sub(a.0)),
                    })
                }
                CandidateFate::Changed(reason) => report.changed.push(ChangedRoom {
                    room_name: c.name.clone(),
                    reason: reason.clone(),
                }),
                CandidateFate::Vanished => report.vanished.push(c.name.clone()),
                CandidateFate::Failed(reason) => report.failed.push(ChangedRoom {
                    room_name: c.name.clone(),
                    reason: reason.clone(),
                }),
            }
        }
        let s = &mut report.summary;
        s.deleted = report.deleted.len() as u64;
        s.changed = report.changed.len() as u64;
        s.vanished = report.vanished.len() as u64;
        s.failed = report.failed.len() as u64;
        s.kept = s.rooms - s.deleted - s.vanished - s.unknown;
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(parse_limit("500"), Ok(DeleteLimit::Rooms(500)));
        assert_eq!(parse_limit("5%"), Ok(DeleteLimit::Percent(5.0)));
        assert_eq!(parse_limit("0.5%"), Ok(DeleteLimit::Percent(0.5)));
        assert!(parse_limit("-1").is_err());
        assert!(parse_limit("101%").is_err());
        assert!(parse_limit("lots").is_err());
        assert!(DeleteLimit::Rooms(10).allows(10, 1000));
        assert!(!DeleteLimit::Rooms(10).allows(11, 1000));
        assert!(DeleteLimit::Percent(10.0).allows(10, 100));
        assert!(!DeleteLimit::Percent(10.0).allows(11, 100));
        assert!(DeleteLimit::Rooms(0).allows(0, 0));
        let both = [DeleteLimit::Rooms(100), DeleteLimit::Percent(10.0)];
        assert_eq!(broken_limit(&both, 50, 1000), None);
        assert_eq!(
            broken_limit(&both, 50, 100),
            Some(DeleteLimit::Percent(10.0))
        );
        assert_eq!(
            broken_limit(&both, 101, 10_000),
            Some(DeleteLimit::Rooms(100))
        );
    }
}
