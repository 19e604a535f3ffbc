//! What a migration reports: each source entry's fate (the `--report`
//! lines), the counts, the summary `migrate-backend -o json|yaml` prints,
//! the exit status they add up to, and the summary line on stderr.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;

use super::MigrateOptions;
use crate::conflict::ConflictPolicy;
use crate::exit::{ExitCode, Refusal};
use crate::output::{plural, safe};

/// What happened to one source entry: one line of `--report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoomStatus {
    /// Written to the target (and verified, unless verification is off);
    /// in a dry run, would be written.
    Copied,
    /// The target already holds the same room; nothing written.
    Identical,
    /// The target holds a different room, or something that is not this
    /// room, under the name; nothing written.
    Conflict,
    /// A damaged room in the source (corrupt, missing fields, unreadable,
    /// misnamed); never copied.
    Invalid,
    /// Written, but what reads back from the target is not the source room.
    Mismatch,
    /// Its write to the target failed (the reason says why); the target's
    /// place for it is as it was.
    Failed,
    /// Left alone on purpose: a conflict resolved by keeping the target's
    /// copy, or a source entry that is not a room at all.
    Skipped,
    /// Copied (or already identical), verified, then deleted from the source.
    DeletedFromSource,
    /// `--no-copy`: the target does not hold this room identically (it is
    /// missing there, or different); left in the source.
    KeptInSource,
    /// Written in the target by someone else (the server) between the
    /// migration's read and its write: kept as they wrote it, never
    /// overwritten. A re-run decides it again.
    ChangedMeanwhile,
}

/// One room's fate, as `--report` writes it (one JSON object per line).
#[derive(Debug, Clone, Serialize)]
pub struct RoomRecord {
    /// The room's name; null when a damaged entry's name cannot be read.
    pub room: Option<String>,
    pub status: RoomStatus,
    /// Why, for everything but a plain copy.
    pub reason: Option<String>,
    /// Where the entry lives in the source (a file path or a Redis key).
    pub location: String,
    /// Whether the operator must look at it: the room is not (completely)
    /// migrated — an unresolved conflict, an invalid room, a mismatch, or a
    /// verified room that could not be deleted from the source.
    #[serde(skip)]
    pub attention: bool,
}

/// The counts of a migration. This shape is printed by `-o json` and is
/// stable: fields are only ever added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrateCounts {
    /// Source entries seen, rooms or not.
    pub scanned: u64,
    /// Rooms written to the target (in a dry run: that would be).
    pub copied: u64,
    /// Of the copied rooms, those that replaced a different room.
    pub overwritten: u64,
    /// Rooms the target already held, equal to the source's.
    pub identical: u64,
    /// Rooms whose name the target held with different content or with
    /// something that is not this room, however resolved.
    pub conflicts: u64,
    /// Conflicts resolved by keeping the target's copy (skip, newer).
    pub kept_target: u64,
    /// Damaged source rooms, not copied.
    pub invalid: u64,
    /// Source entries that are not rooms (a Redis set, a JSON array), left alone.
    pub not_rooms: u64,
    /// Rooms read back from the target and found equal to the source
    /// (copied and verified, or already identical).
    pub verified: u64,
    /// Copied rooms that did not read back equal.
    pub mismatched: u64,
    /// Rooms whose write to the target failed.
    pub failed: u64,
    /// Verified rooms deleted from the source.
    pub deleted_from_source: u64,
    /// Verified rooms not deleted from the source because they changed
    /// there since they were read (or the place holds something else).
    pub kept_in_source: u64,
    /// `--no-copy`: source rooms the target does not hold, kept in the source.
    pub missing_from_target: u64,
    /// `--no-copy`: source rooms the target holds different (or holds
    /// something else under the name), kept in the source.
    pub different_in_target: u64,
    /// Rooms written in the target by someone else between the migration's
    /// read and its write; kept as they wrote them, not copied.
    pub changed_meanwhile: u64,
}

impl MigrateCounts {
    /// Conflicts that stopped a room: under `fail`, a non-room in the way,
    /// or `newer` unable to tell which copy is newer.
    pub fn unresolved_conflicts(&self) -> u64 {
        self.conflicts
            .saturating_sub(self.overwritten)
            .saturating_sub(self.kept_target)
    }

    /// Rooms found in the source: everything scanned but non-rooms.
    pub fn rooms(&self) -> u64 {
        self.scanned.saturating_sub(self.not_rooms)
    }

    /// `--no-copy`: source rooms left in the source, whatever the reason
    /// (not in the target, different there, invalid, changed meanwhile).
    pub fn kept(&self) -> u64 {
        self.missing_from_target + self.different_in_target + self.invalid + self.kept_in_source
    }
}

/// `--report FILE`: one JSON object per line and per source entry, written
/// as the migration goes so that an interrupted run leaves what it did.
pub struct ReportFile {
    path: PathBuf,
    out: BufWriter<File>,
}

impl ReportFile {
    /// Creates (or truncates) the report file.
    pub fn create(path: &Path) -> anyhow::Result<ReportFile> {
        let file = File::create(path)
            .with_context(|| format!("cannot create report {}", path.display()))?;
        Ok(ReportFile {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
        })
    }

    pub fn write(&mut self, record: &RoomRecord) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.out, record)
            .and_then(|()| self.out.write_all(b"\n").map_err(serde_json::Error::io))
            .with_context(|| format!("cannot write report {}", self.path.display()))
    }

    /// Flushes and syncs what was written.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out
            .flush()
            .and_then(|()| self.out.get_ref().sync_all())
            .with_context(|| format!("cannot write report {}", self.path.display()))
    }
}

/// The summary `migrate-backend -o json|yaml` prints. This shape is
/// stable: fields are only ever added.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrateReport {
    pub source: String,
    pub target: String,
    pub dry_run: bool,
    pub on_conflict: ConflictPolicy,
    pub verify: bool,
    pub delete_source: bool,
    pub no_copy: bool,
    /// Rooms found in the source; `copied`, `identical`, `keptTarget`,
    /// `unresolvedConflicts`, `invalid`, `failed` and `changedMeanwhile`
    /// add up to it (`conflicts` counts every conflict met, however it
    /// ended, so it overlaps `copied` and `keptTarget`).
    pub rooms: u64,
    #[serde(flatten)]
    pub counts: MigrateCounts,
    pub unresolved_conflicts: u64,
    /// Every room of the source is in the target and verified (or kept on
    /// purpose by the conflict policy).
    pub complete: bool,
    pub interrupted: bool,
    /// Why the run stopped early, when it did.
    pub error: Option<String>,
    /// Why nothing was done, when the run was refused (`needs-yes`,
    /// `not-confirmed`).
    #[serde(flatten)]
    pub refusal: Refusal,
    pub elapsed_ms: u64,
    pub exit_code: i32,
}

/// How a run went, beyond its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunEnd {
    pub code: ExitCode,
    /// Stopped early by Ctrl-C (or SIGTERM).
    pub interrupted: bool,
    /// Why the run stopped early, when an error stopped it.
    pub error: Option<String>,
    pub elapsed_ms: u64,
}

impl MigrateReport {
    /// The report of a migration from `source` to `target` (both named
    /// with their secrets redacted).
    pub fn new(
        (source, target): (&str, &str),
        options: &MigrateOptions,
        counts: MigrateCounts,
        end: RunEnd,
    ) -> MigrateReport {
        MigrateReport {
            source: source.to_string(),
            target: target.to_string(),
            dry_run: options.dry_run,
            on_conflict: options.on_conflict,
            verify: options.verify,
            delete_source: options.delete_source,
            no_copy: options.no_copy,
            unresolved_conflicts: counts.unresolved_conflicts(),
            rooms: counts.rooms(),
            counts,
            complete: end.error.is_none() && !end.interrupted && end.code == ExitCode::Success,
            interrupted: end.interrupted,
            error: end.error,
            refusal: Refusal::default(),
            elapsed_ms: end.elapsed_ms,
            exit_code: end.code.code(),
        }
    }
}

/// What an error that stopped a migration from `from` to `to` is told
/// with.
pub fn stopped_message(from: &str, to: &str, tally: &MigrateCounts) -> String {
    format!(
        "migration {from} → {to} stopped after {} entries ({} copied, {} identical); nothing is half-written, run the same command again to finish",
        tally.scanned, tally.copied, tally.identical
    )
}

/// The exit status of a finished run, and the reason when it is not 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateVerdict {
    pub code: ExitCode,
    pub complaint: Option<String>,
}

impl MigrateVerdict {
    fn new(code: ExitCode, complaint: Option<String>) -> MigrateVerdict {
        MigrateVerdict { code, complaint }
    }
}

/// The exit status of a finished run, and the reason when it is not 0.
/// A conflict that stopped a room wins over other shortfalls: it is the one
/// the operator settles with a flag. A dry run exits as the real run would.
pub fn verdict(
    tally: &MigrateCounts,
    options: &MigrateOptions,
    interrupted: bool,
) -> MigrateVerdict {
    let not = if options.dry_run {
        "would not be"
    } else {
        "not"
    };
    if interrupted {
        return MigrateVerdict::new(
            ExitCode::Interrupted,
            Some(format!(
                "interrupted after {} entries; nothing is half-written, run the same command again to finish",
                tally.scanned
            )),
        );
    }
    if options.no_copy {
        let kept = tally.kept();
        if kept == 0 {
            return MigrateVerdict::new(ExitCode::Success, None);
        }
        let mut parts = Vec::new();
        let mut part = |n: u64, what: &str| {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        };
        part(tally.missing_from_target, "not in the target");
        part(tally.different_in_target, "different in the target");
        part(tally.invalid, "invalid in the source");
        part(tally.kept_in_source, "changed in the source meanwhile");
        return MigrateVerdict::new(
            ExitCode::Incomplete,
            Some(format!(
                "{} {} kept in the source ({}); nothing was copied. Look at them before deleting any by hand",
                plural(kept, "room", "rooms"),
                match (options.dry_run, kept == 1) {
                    (true, _) => "would be",
                    (false, true) => "was",
                    (false, false) => "were",
                },
                parts.join(", ")
            )),
        );
    }
    let unresolved = tally.unresolved_conflicts();
    if unresolved > 0 {
        return MigrateVerdict::new(
            ExitCode::Conflict,
            Some(format!(
                "{} {not} copied: the target holds a different room (or something else) under the same name, and nothing there {}overwritten; --on-conflict skip|overwrite|newer decides",
                plural(unresolved, "room", "rooms"),
                if options.dry_run { "would be " } else { "was " }
            )),
        );
    }
    let missed = tally.invalid
        + tally.mismatched
        + tally.failed
        + tally.kept_in_source
        + tally.changed_meanwhile;
    if missed > 0 {
        let mut parts = Vec::new();
        if tally.invalid > 0 {
            parts.push(format!("{} invalid in the source", tally.invalid));
        }
        if tally.failed > 0 {
            parts.push(format!(
                "{} could not be written to the target",
                tally.failed
            ));
        }
        if tally.mismatched > 0 {
            parts.push(format!(
                "{} did not read back equal from the target",
                tally.mismatched
            ));
        }
        if tally.changed_meanwhile > 0 {
            parts.push(format!(
                "{} written in the target by someone else while migrating and kept as written there",
                tally.changed_meanwhile
            ));
        }
        if tally.kept_in_source > 0 {
            parts.push(format!(
                "{} changed in the source while migrating and {} kept there",
                tally.kept_in_source,
                if tally.kept_in_source == 1 {
                    "was"
                } else {
                    "were"
                }
            ));
        }
        return MigrateVerdict::new(
            ExitCode::Incomplete,
            Some(format!(
                "{} {not} migrated: {}",
                plural(missed, "room", "rooms"),
                parts.join(", ")
            )),
        );
    }
    MigrateVerdict::new(ExitCode::Success, None)
}

/// The line on stderr that sums up a run.
pub fn summary_line(
    from: &str,
    to: &str,
    t: &MigrateCounts,
    options: &MigrateOptions,
    secs: f64,
) -> String {
    if options.no_copy {
        return cleanup_line((from, to), t, options.dry_run, secs);
    }
    let rate = if secs > 0.0 {
        format!(", {:.0} rooms/s", t.scanned as f64 / secs)
    } else {
        String::new()
    };
    // What became of each room, each room counted once: these add up to
    // the rooms of the source. A conflict is counted where it ended (its
    // room overwritten, kept in the target, or not copied).
    let created = t.copied.saturating_sub(t.overwritten);
    let how = crate::output::counted(&[
        (created, "new"),
        (
            t.overwritten,
            if options.dry_run {
                "overwriting"
            } else {
                "overwritten"
            },
        ),
    ]);
    let mut copied = match options.dry_run {
        true => format!("would copy {}", t.copied),
        false => format!("{} copied", t.copied),
    };
    if t.overwritten > 0 {
        copied.push_str(&format!(" ({how})"));
    }
    let mut parts = vec![copied];
    let fates = crate::output::counted(&[
        (t.identical, "identical"),
        (t.kept_target, "kept in the target"),
        (t.unresolved_conflicts(), "not copied (conflict)"),
        (t.invalid, "invalid"),
        (t.failed, "failed"),
        (
            t.changed_meanwhile,
            "changed in the target meanwhile (kept)",
        ),
    ]);
    if !fates.is_empty() {
        parts.push(fates);
    }
    let mut line = format!(
        "{}: {}",
        plural(t.rooms(), "room", "rooms"),
        parts.join(", ")
    );
    let mut after = Vec::new();
    if options.dry_run {
        // Nothing was written, so nothing was read back.
    } else if options.verify {
        after.push(format!("{} verified", t.verified));
    } else {
        after.push("copies not verified (--no-verify)".into());
    }
    if t.mismatched > 0 {
        after.push(format!("{} mismatched", t.mismatched));
    }
    if options.delete_source && !options.dry_run {
        after.push(format!("{} deleted from the source", t.deleted_from_source));
        if t.kept_in_source > 0 {
            after.push(format!("{} kept in the source", t.kept_in_source));
        }
    }
    if t.not_rooms > 0 {
        after.push(format!(
            "{} left alone",
            plural(t.not_rooms, "non-room entry", "non-room entries")
        ));
    }
    if !after.is_empty() {
        line.push_str("; ");
        line.push_str(&after.join(", "));
    }
    let parts = [line];
    if options.dry_run {
        format!(
            "dry run {} → {}: {}; nothing was written",
            from,
            to,
            parts.join(", ")
        )
    } else {
        format!(
            "migrated {} → {}: {} ({secs:.1}s{rate})",
            from,
            to,
            parts.join(", ")
        )
    }
}

/// The summary of `--delete-source --no-copy`.
fn cleanup_line((from, to): (&str, &str), t: &MigrateCounts, dry_run: bool, secs: f64) -> String {
    let kept = format!(
        "{} not in the target, {} different there, {} invalid",
        t.missing_from_target, t.different_in_target, t.invalid
    );
    if dry_run {
        return format!(
            "dry run, cleaning up {from} against {to}: would delete {} from the source, would keep {} ({kept}); nothing was copied or deleted",
            t.identical,
            t.kept()
        );
    }
    let mut line = format!(
        "cleaned up {from} against {to}: {} deleted from the source, {} kept ({kept}",
        t.deleted_from_source,
        t.kept()
    );
    if t.kept_in_source > 0 {
        line.push_str(&format!(
            ", {} changed in the source meanwhile",
            t.kept_in_source
        ));
    }
    line.push_str(&format!("); nothing was copied ({secs:.1}s)"));
    line
}

/// One room's line on stderr.
impl RoomRecord {
    /// The room's line on stderr.
    pub fn describe(&self) -> String {
        let status = match self.status {
            RoomStatus::Copied => "copied",
            RoomStatus::Identical => "identical",
            RoomStatus::Conflict => "conflict",
            RoomStatus::Invalid => "invalid",
            RoomStatus::Mismatch => "mismatch",
            RoomStatus::Failed => "failed",
            RoomStatus::Skipped => "skipped",
            RoomStatus::DeletedFromSource => "deleted from source",
            RoomStatus::KeptInSource => "kept in source",
            RoomStatus::ChangedMeanwhile => "changed meanwhile",
        };
        let name = match &self.room {
            Some(name) => format!("{:?} ({})", safe(name), safe(&self.location)),
            None => safe(&self.location).into_owned(),
        };
        match &self.reason {
            Some(reason) => format!("{status}: {name}: {}", safe(reason)),
            None => format!("{status}: {name}"),
        }
    }
}
