//! The health check of a store (`roomctl check`): one pass that gathers
//! every problem as a [`Finding`] with what to do about it, and the safe
//! repairs.
//!
//! Three sources, merged: the generic [`Store::scan`] (entries that are not
//! usable rooms, TTLs), [`crate::lint`] on every room (malformed values),
//! and the backend's own [`Maintenance::inspect`] (temporary files,
//! collisions, which misnamed files can be renamed). The backend says what it found as
//! facts; how much each matters and what to do about it is said here
//! (`check/advice.rs`). Rendering belongs to the command.

mod advice;

use std::collections::HashSet;

use rayon::prelude::*;

use super::Progress;
#[cfg(doc)]
use crate::store::maintenance::Maintenance;
use crate::store::maintenance::{Fix, InspectOptions, RepairOutcome};
use crate::store::{Entry, ScanOptions, Store, StoreError};

pub use advice::{fix_action, fix_description};

/// How much a [`Finding`] matters to the health of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, not a problem (a key under the prefix that is not a
    /// room, a TTL, a write in progress).
    Info,
    /// Something is off but every room is still where the server finds it.
    Warning,
    /// The server cannot use an entry, or a room's data is hidden from it.
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a [`Finding`] is about. The kebab-case names are part of
/// `check -o json` and stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Unparsable, empty, not UTF-8, or missing required fields.
    Invalid,
    /// Under the prefix but not a room.
    NotARoom,
    Unreadable,
    /// A symlink, a directory or another non-regular file.
    NotAFile,
    /// A room file whose name is not the safe name of the room inside.
    Misnamed,
    /// Two entries claim the place of one room.
    Collision,
    /// A room the server loads, with malformed values.
    Malformed,
    /// A temporary file left by a write that did not finish.
    StaleTemp,
    /// A room whose only copy is a temporary file left by an interrupted
    /// write: the server does not see it.
    InterruptedWrite,
    /// A recent temporary file: a write may be in progress.
    TempInProgress,
    /// A file name that is not UTF-8.
    BadFileName,
    /// A key with a time to live.
    Ttl,
}

/// A problem (or a fact worth knowing) about one entry of a store, with what
/// to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// File path or Redis key.
    pub location: String,
    pub kind: FindingKind,
    /// What is wrong, one line. May hold text from storage: escape it.
    pub message: String,
    /// What to do about it, one line.
    pub hint: String,
    /// A repair [`repair`] can apply safely, when there is one.
    pub fix: Option<Fix>,
}

/// Everything a check found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Usable rooms seen (with or without malformed values).
    pub rooms: u64,
    /// Most severe first, then by location.
    pub findings: Vec<Finding>,
    /// Entries repaired just before this check ran ([`repair_and_check`]);
    /// 0 from [`check`] alone.
    pub repaired: u64,
}

impl CheckReport {
    /// Healthy: nothing but info-level findings (keys under the prefix that
    /// are not rooms, TTLs, writes in progress).
    pub fn healthy(&self) -> bool {
        self.findings.iter().all(|f| f.severity == Severity::Info)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    pub fn fixable(&self) -> usize {
        self.findings.iter().filter(|f| f.fix.is_some()).count()
    }

    /// The fixes of the findings that have one, with their locations.
    pub fn fixes(&self) -> impl Iterator<Item = (&str, &Fix)> {
        self.findings
            .iter()
            .filter_map(|f| f.fix.as_ref().map(|fix| (f.location.as_str(), fix)))
    }
}

/// Checks a whole store. Fails only when the store itself fails; every bad
/// entry becomes a finding. `progress` is told how many entries were read.
pub fn check(
    store: &dyn Store,
    options: &InspectOptions,
    progress: &dyn Fn(Progress),
) -> Result<CheckReport, StoreError> {
    let mut report = CheckReport::default();
    let mut problems = Vec::new();
    progress(Progress::Stage {
        name: "checking",
        total: store.size_hint(),
    });
    for batch in store.scan(ScanOptions {
        with_ttl: true,
        skip_users: true,
    })? {
        let mut rooms = Vec::new();
        let batch = batch?;
        progress(Progress::Advance(batch.len() as u64));
        for entry in batch {
            match entry {
                Entry::Room(room) => rooms.push(room),
                Entry::Problem(p) => problems.push(p),
            }
        }
        report.rooms += rooms.len() as u64;
        // Parsing every document is the bulk of the work: spread it.
        let found: Vec<Vec<Finding>> = rooms
            .par_iter()
            .map(|room| advice::room_findings(room, options.now_ms))
            .collect();
        report.findings.extend(found.into_iter().flatten());
    }
    let closer: Vec<Finding> = match store.maintenance() {
        Some(maintenance) => maintenance
            .inspect(&problems, options)?
            .into_iter()
            .map(|issue| advice::issue_finding(issue, options.now_ms))
            .collect(),
        None => Vec::new(),
    };
    // The backend's closer look at an entry replaces the scan's report.
    let superseded: HashSet<&str> = closer.iter().map(|f| f.location.as_str()).collect();
    let from_scan: Vec<Finding> = problems
        .iter()
        .filter(|p| !superseded.contains(p.location.as_str()))
        .map(advice::problem_finding)
        .collect();
    report.findings.extend(from_scan);
    report.findings.extend(closer);
    report.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.cmp(&b.location))
    });
    Ok(report)
}

/// What became of one fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairResult {
    Repaired,
    /// Not applied, nothing changed; says why.
    Skipped(String),
    /// The store failed; says how.
    Failed(String),
}

/// One fix applied (or tried) by [`repair`].
#[derive(Debug, Clone)]
pub struct Repair {
    pub location: String,
    pub fix: Fix,
    pub result: RepairResult,
}

/// Applies every fix of `report`, one by one: a fix that cannot be applied
/// is skipped or failed, and the others go on.
pub fn repair(store: &dyn Store, report: &CheckReport, progress: &dyn Fn(Progress)) -> Vec<Repair> {
    let Some(maintenance) = store.maintenance() else {
        return Vec::new();
    };
    progress(Progress::Stage {
        name: "repairing",
        total: Some(report.fixable() as u64),
    });
    report
        .fixes()
        .map(|(location, fix)| {
            let result = match maintenance.repair(fix) {
                Ok(RepairOutcome::Repaired) => RepairResult::Repaired,
                Ok(RepairOutcome::Skipped(why)) => RepairResult::Skipped(why),
                Err(e) => RepairResult::Failed(e.to_string()),
            };
            progress(Progress::Advance(1));
            Repair {
                location: location.to_string(),
                fix: fix.clone(),
                result,
            }
        })
        .collect()
}

/// `--fix`: applies every fix of `report` ([`repair`]), then checks the
/// store again. Returns what each fix did, and the report of the store as
/// it is now, which counts the repairs made.
pub fn repair_and_check(
    store: &dyn Store,
    report: &CheckReport,
    options: &InspectOptions,
    progress: &dyn Fn(Progress),
) -> Result<(Vec<Repair>, CheckReport), StoreError> {
    let repairs = repair(store, report, progress);
    let mut after = check(store, options, progress)?;
    after.repaired = repairs
        .iter()
        .filter(|r| r.result == RepairResult::Repaired)
        .count() as u64;
    Ok((repairs, after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::RoomDocument;
    use crate::store::memory::MemoryStore;
    use crate::store::{Condition, Put, put};

    fn options() -> InspectOptions {
        InspectOptions {
            stale_after_ms: 3_600_000,
            now_ms: 0,
        }
    }

    #[test]
    fn clean_memory_store_is_healthy_and_bad_entries_are_not() {
        let store = MemoryStore::new();
        let doc = RoomDocument::from_value(serde_json::json!({
            "roomName": "ok", "sort": "random", "createdAt": "2025-01-01T00:00:00.000Z",
            "creatorPlexUserId": "1", "creatorPlexUsername": "ann"
        }))
        .unwrap();
        put(
            &store,
            Put {
                doc: &doc,
                condition: Condition::Absent,
                ttl_ms: None,
            },
        )
        .unwrap();
        let report = check(&store, &options(), &|_| {}).unwrap();
        assert!(report.healthy(), "{:?}", report.findings);
        assert_eq!(report.rooms, 1);

        store.insert_raw("broken", b"{\"roomName\":".to_vec());
        store.insert_raw(
            "odd",
            br#"{"roomName":"odd","creatorPlexUserId":"1","createdAt":"then","sort":"random","creatorPlexUsername":"a"}"#.to_vec(),
        );
        let report = check(&store, &options(), &|_| {}).unwrap();
        assert!(!report.healthy());
        assert_eq!(report.rooms, 2);
        let kinds: Vec<(Severity, FindingKind)> = report
            .findings
            .iter()
            .map(|f| (f.severity, f.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Severity::Error, FindingKind::Invalid),
                (Severity::Warning, FindingKind::Malformed)
            ]
        );
        assert!(report.findings[1].message.contains("createdAt \"then\""));
    }
}
