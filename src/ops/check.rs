//! The health check of a store (`roomctl check`): one pass that gathers
//! every problem as a [`Finding`] with what to do about it.
//!
//! Three sources, merged: the generic [`Store::scan`] (entries that are not
//! usable rooms, TTLs), [`crate::lint`] on every room (malformed values), and
//! the backend's own [`Store::housekeeping`] (temporary files, collisions,
//! which misnamed files can be renamed). Rendering and repairing belong to
//! the command; this module only judges.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::lint;
use crate::room::format_timestamp;
use crate::store::{
    Entry, EntryProblem, Finding, FindingKind, HousekeepingOptions, ProblemKind, ScanOptions,
    Severity, Store, StoreError, StoreKind, StoredRoom,
};

/// Parameters of a check.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Temporary files not modified for this long are stale.
    pub stale_after_ms: i64,
    /// The instant ages are measured from, epoch milliseconds.
    pub now_ms: i64,
}

/// Everything a check found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Usable rooms seen (with or without malformed values).
    pub rooms: u64,
    /// Most severe first, then by location.
    pub findings: Vec<Finding>,
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
}

/// Checks a whole store. Fails only when the store itself fails; every bad
/// entry becomes a finding.
pub fn check(store: &dyn Store, options: &CheckOptions) -> Result<CheckReport, StoreError> {
    let mut report = CheckReport::default();
    let mut problems = Vec::new();
    for batch in store.scan(ScanOptions {
        with_ttl: true,
        skip_users: true,
    })? {
        let mut rooms = Vec::new();
        for entry in batch? {
            match entry {
                Entry::Room(room) => rooms.push(room),
                Entry::Problem(p) => problems.push(p),
            }
        }
        report.rooms += rooms.len() as u64;
        // Parsing every document is the bulk of the work: spread it.
        let found: Vec<Vec<Finding>> = rooms
            .par_iter()
            .map(|room| room_findings(room, options))
            .collect();
        report.findings.extend(found.into_iter().flatten());
    }
    let closer = store.housekeeping(
        &problems,
        &HousekeepingOptions {
            stale_after_ms: options.stale_after_ms,
            now_ms: options.now_ms,
        },
    )?;
    // The backend's closer look at an entry replaces the scan's report.
    let superseded: HashSet<&str> = closer.iter().map(|f| f.location.as_str()).collect();
    let from_scan: Vec<Finding> = problems
        .iter()
        .filter(|p| !superseded.contains(p.location.as_str()))
        .map(|p| finding_of(p, store.kind()))
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

/// What is wrong with one usable room: malformed values, a TTL.
fn room_findings(room: &StoredRoom, options: &CheckOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    match room.document() {
        Ok(doc) => {
            for issue in lint::lint(&doc) {
                findings.push(Finding {
                    severity: Severity::Warning,
                    location: room.location.clone(),
                    kind: FindingKind::Malformed,
                    message: format!("room {:?}: {issue}", room.name()),
                    hint: "the server loads it but may misbehave: correct the value by hand".into(),
                    fix: None,
                });
            }
        }
        Err(e) => findings.push(Finding {
            severity: Severity::Error,
            location: room.location.clone(),
            kind: FindingKind::Invalid,
            message: e.to_string(),
            hint: INVALID_HINT.into(),
            fix: None,
        }),
    }
    if let Some(ttl) = room.ttl_ms.filter(|t| *t >= 0) {
        findings.push(Finding {
            severity: Severity::Info,
            location: room.location.clone(),
            kind: FindingKind::Ttl,
            message: format!(
                "room {:?} expires in {} (at {})",
                room.name(),
                duration_text(ttl),
                format_timestamp(options.now_ms.saturating_add(ttl))
            ),
            hint: "the server does not set TTLs on rooms; PERSIST the key if the room must stay"
                .into(),
            fix: None,
        });
    }
    findings
}

const INVALID_HINT: &str = "the server skips it: repair it by hand or restore it from a backup";

/// A scanned problem as a finding: how much it matters depends on the
/// backend. A Redis database is shared with other data (SPEC §3), so a value
/// under the prefix that is not a room document is information, unless it
/// names a room; a room directory holds nothing but rooms.
fn finding_of(p: &EntryProblem, kind: StoreKind) -> Finding {
    let labelled = || {
        if p.reason.contains(p.kind.label()) {
            p.reason.clone()
        } else {
            format!("{}: {}", p.kind.label(), p.reason)
        }
    };
    let (severity, finding_kind, message, hint) = match (p.kind, &p.room_name) {
        (ProblemKind::Invalid, Some(room)) => (
            Severity::Error,
            FindingKind::Invalid,
            format!("room {room:?}: {}", p.reason),
            format!(
                "the server skips it: complete it by hand or restore it from a backup (roomctl delete {room:?} --include-invalid removes it)"
            ),
        ),
        (ProblemKind::Invalid, None) if kind == StoreKind::Redis => (
            Severity::Info,
            FindingKind::NotARoom,
            format!("{}: {}", ProblemKind::NotARoom.label(), p.reason),
            OTHER_DATA_HINT.to_string(),
        ),
        (ProblemKind::Invalid, _) => (
            Severity::Error,
            FindingKind::Invalid,
            p.reason.clone(),
            "the server skips it: repair it by hand or restore it from a backup".to_string(),
        ),
        (ProblemKind::NotARoom, _) if kind == StoreKind::Redis => (
            Severity::Info,
            FindingKind::NotARoom,
            labelled(),
            OTHER_DATA_HINT.to_string(),
        ),
        (ProblemKind::NotARoom, _) => (
            Severity::Error,
            FindingKind::NotARoom,
            labelled(),
            "the server skips it: repair it by hand or move it out of the directory".to_string(),
        ),
        (ProblemKind::Unreadable, _) => (
            Severity::Error,
            FindingKind::Unreadable,
            labelled(),
            "check its permissions: the server and roomctl must be able to read it".to_string(),
        ),
        (ProblemKind::NotAFile, _) => (
            Severity::Warning,
            FindingKind::NotAFile,
            labelled(),
            if p.reason.starts_with("a symlink") {
                "roomctl never follows symlinks: replace it by the file it points to"
            } else {
                "not a room file: move it out of the directory"
            }
            .to_string(),
        ),
        (ProblemKind::Misnamed, _) => (
            Severity::Error,
            FindingKind::Misnamed,
            p.reason.clone(),
            format!(
                "the server never finds it: rename it after the room it holds ({})",
                if kind == StoreKind::Redis {
                    "RENAMENX, if that key is free"
                } else {
                    "if that name is free"
                }
            ),
        ),
    };
    Finding {
        severity,
        location: p.location.clone(),
        kind: finding_kind,
        message,
        hint,
        fix: None,
    }
}

const OTHER_DATA_HINT: &str = "other data under the room prefix: roomctl leaves it alone";

/// `3d 4h`, `12m`, `40s`: a TTL for people.
fn duration_text(ms: i64) -> String {
    let secs = ms / 1000;
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::RoomDocument;
    use crate::store::memory::MemoryStore;
    use crate::store::{Condition, Put, put};

    fn options() -> CheckOptions {
        CheckOptions {
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
        let report = check(&store, &options()).unwrap();
        assert!(report.healthy(), "{:?}", report.findings);
        assert_eq!(report.rooms, 1);

        store.insert_raw("broken", b"{\"roomName\":".to_vec());
        store.insert_raw(
            "odd",
            br#"{"roomName":"odd","creatorPlexUserId":"1","createdAt":"then","sort":"random","creatorPlexUsername":"a"}"#.to_vec(),
        );
        let report = check(&store, &options()).unwrap();
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

    #[test]
    fn durations_read_well() {
        assert_eq!(duration_text(40_000), "40s");
        assert_eq!(duration_text(12 * 60_000), "12m");
        assert_eq!(duration_text(3 * 3_600_000 + 60_000), "3h 1m");
        assert_eq!(duration_text(3 * 86_400_000 + 4 * 3_600_000), "3d 4h");
    }
}
