//! What `roomctl check` says about each problem: how much it matters, one
//! line on what is wrong and one on what to do. The storage layer reports
//! facts ([`EntryProblem`], [`IssueKind`]); the sentences are made here.

use super::{Finding, FindingKind, Severity};
use crate::lint;
use crate::output::relative;
use crate::room::format_timestamp;
use crate::store::maintenance::{Fix, HeldCopy, Issue, IssueKind, Rivals, Stale};
use crate::store::{EntryProblem, EntryShape, ProblemKind, StoredRoom};

const INVALID_HINT: &str = "the server skips it: repair it by hand or restore it from a backup";

const OTHER_DATA_HINT: &str = "other data under the room prefix: roomctl leaves it alone";

/// What to do with a new version of a room that a killed roomctl wrote to a
/// temporary file and never put in place.
const UNFINISHED_HINT: &str = "run the command that was interrupted again; once the room holds \
     this version, check --fix removes this copy (or remove it by hand if that version is not wanted)";

const FIX_DOES_IT: &str = "remove it (check --fix does it)";

const INSPECT_HINT: &str = "inspect it; remove it by hand if nothing in it is needed";

/// `rename`, `restore` or `remove`: what `check -o json` calls a fix.
pub fn fix_action(fix: &Fix) -> &'static str {
    match fix {
        Fix::Rename { .. } => "rename",
        Fix::Restore { .. } => "restore",
        Fix::RemoveTemp { .. } => "remove",
    }
}

/// What a fix does, as a verb phrase: `rename to movie_night.json`.
pub fn fix_description(fix: &Fix) -> String {
    match fix {
        Fix::Rename { target, .. } => format!("rename to {target}"),
        Fix::Restore { target, .. } => format!("restore as {target}"),
        Fix::RemoveTemp {
            same_as: Some(f), ..
        } => format!("remove (an identical copy of {f})"),
        Fix::RemoveTemp { same_as: None, .. } => "remove (holds no room)".into(),
    }
}

/// What is wrong with one usable room: malformed values, a TTL.
pub(super) fn room_findings(room: &StoredRoom, now_ms: i64) -> Vec<Finding> {
    let finding = |severity, kind, message, hint: &str| Finding {
        severity,
        location: room.location.clone(),
        kind,
        message,
        hint: hint.to_string(),
        fix: None,
    };
    let mut findings = Vec::new();
    match room.document() {
        Ok(doc) => {
            for issue in lint::lint(&doc) {
                findings.push(finding(
                    Severity::Warning,
                    FindingKind::Malformed,
                    format!("room {:?}: {issue}", room.name()),
                    "the server loads it but may misbehave: correct the value by hand",
                ));
            }
        }
        Err(e) => findings.push(finding(
            Severity::Error,
            FindingKind::Invalid,
            e.to_string(),
            INVALID_HINT,
        )),
    }
    if let Some(ttl) = room.ttl_ms.filter(|t| *t >= 0) {
        findings.push(finding(
            Severity::Info,
            FindingKind::Ttl,
            format!(
                "room {:?} expires in {} (at {})",
                room.name(),
                duration_text(ttl),
                format_timestamp(now_ms.saturating_add(ttl))
            ),
            "the server does not set TTLs on rooms; PERSIST the key if the room must stay",
        ));
    }
    findings
}

/// A problem a scan reported, as the backend left it (no closer look).
pub(super) fn problem_finding(p: &EntryProblem) -> Finding {
    let (severity, kind, message, hint) = match (p.kind, &p.room_name) {
        (ProblemKind::Invalid, Some(room)) => (
            Severity::Error,
            FindingKind::Invalid,
            format!("room {room:?}: {}", p.reason),
            format!(
                "the server skips it: complete it by hand or restore it from a backup (roomctl delete {room:?} --include-invalid removes it)"
            ),
        ),
        (ProblemKind::Invalid, None) => (
            Severity::Error,
            FindingKind::Invalid,
            p.reason.clone(),
            INVALID_HINT.to_string(),
        ),
        (ProblemKind::NotARoom, _) => (
            Severity::Error,
            FindingKind::NotARoom,
            labelled(p.kind, p),
            "the server skips it: repair it by hand or move it out of the directory".to_string(),
        ),
        (ProblemKind::Unreadable, _) => (
            Severity::Error,
            FindingKind::Unreadable,
            labelled(p.kind, p),
            "check its permissions: the server and roomctl must be able to read it".to_string(),
        ),
        (ProblemKind::NotAFile, _) => (
            Severity::Warning,
            FindingKind::NotAFile,
            labelled(p.kind, p),
            match p.shape {
                Some(EntryShape::Symlink) => {
                    "roomctl never follows symlinks: replace it by the file it points to"
                }
                _ => "not a room file: move it out of the directory",
            }
            .to_string(),
        ),
        (ProblemKind::Misnamed, _) => (
            Severity::Error,
            FindingKind::Misnamed,
            p.reason.clone(),
            "the server never finds it: rename it after the room it holds (if that name is free)"
                .to_string(),
        ),
    };
    Finding {
        severity,
        location: p.location.clone(),
        kind,
        message,
        hint,
        fix: None,
    }
}

/// `not a room: JSON but not an object`: a problem's reason under the
/// label of its kind, unless the reason is the Redis type's own sentence
/// (`a set, not a string; not a room`), which says it already.
fn labelled(kind: ProblemKind, p: &EntryProblem) -> String {
    match p.shape {
        Some(EntryShape::RedisType(_)) => p.reason.clone(),
        _ => format!("{}: {}", kind.label(), p.reason),
    }
}

/// What the backend's maintenance found, as a finding.
pub(super) fn issue_finding(issue: Issue, now_ms: i64) -> Finding {
    let stale = |s: &Stale| stale_text(s, now_ms);
    // Most stale temporary files: something is off, every room is still
    // where the server finds it.
    let stale_temp =
        |message: String, hint: String| (Severity::Warning, FindingKind::StaleTemp, message, hint);
    let (severity, kind, message, hint): (Severity, FindingKind, String, String) = match &issue
        .kind
    {
        IssueKind::BadFileName => (
            Severity::Warning,
            FindingKind::BadFileName,
            "a file name that is not UTF-8: neither the server nor roomctl can use it".into(),
            "inspect it and rename it by hand (a room file is named after its roomName)".into(),
        ),
        IssueKind::TempUnexaminable { error } => (
            Severity::Warning,
            FindingKind::Unreadable,
            format!("temporary file that cannot be examined: {error}"),
            "check its permissions".into(),
        ),
        IssueKind::TempNotAFile { shape } => (
            Severity::Warning,
            FindingKind::NotAFile,
            format!("{} named like a temporary file", shape_text(shape)),
            "neither the server nor roomctl made it: remove it by hand if nobody needs it".into(),
        ),
        IssueKind::ForeignTemp => (
            Severity::Info,
            FindingKind::StaleTemp,
            "a .tmp file that neither the server nor roomctl writes".into(),
            "the server ignores it; remove it by hand if nobody needs it".into(),
        ),
        IssueKind::TempInProgress { modified_ms } => (
            Severity::Info,
            FindingKind::TempInProgress,
            format!(
                "temporary file modified {}: a write may be in progress",
                relative(*modified_ms, now_ms)
            ),
            "nothing to do; if it is still there later, check again".into(),
        ),
        IssueKind::TempTooLarge { bytes, .. } => stale_temp(
            format!("stale temporary file of {bytes} bytes, too large to be a room"),
            "inspect it and remove it by hand".into(),
        ),
        IssueKind::TempUnreadable { error, .. } => (
            Severity::Warning,
            FindingKind::Unreadable,
            format!("stale temporary file that cannot be read: {error}"),
            "check its permissions".into(),
        ),
        IssueKind::InterruptedWrite {
            stale: s,
            held,
            target,
            rivals,
        } => {
            let lost = match held {
                HeldCopy::Room(room) => format!(
                    "{} holds room {room:?}, whose file {target} is missing: the server does not see this room",
                    stale(s)
                ),
                HeldCopy::MovedAside { error } => format!(
                    "{}: {target} moved aside by an interrupted write ({error}), and {target} is missing",
                    stale(s)
                ),
            };
            match rivals {
                Rivals::None => (
                    Severity::Error,
                    FindingKind::InterruptedWrite,
                    lost,
                    format!("restore it as {target} (check --fix does it)"),
                ),
                Rivals::NewVersionOfRestoredAside => (
                    Severity::Warning,
                    FindingKind::StaleTemp,
                    format!(
                        "{lost}: a new version that was never put in place; {target} is restored from the copy moved aside"
                    ),
                    UNFINISHED_HINT.into(),
                ),
                Rivals::Several(entries) => (
                    Severity::Error,
                    FindingKind::InterruptedWrite,
                    format!(
                        "{lost}; {} temporary files could restore it: {}",
                        entries.len(),
                        entries.join(", ")
                    ),
                    format!("choose the right one and rename it to {target} by hand"),
                ),
            }
        }
        IssueKind::IdenticalCopy { stale: s, target } => stale_temp(
            format!("{}, an identical copy of {target}", stale(s)),
            FIX_DOES_IT.into(),
        ),
        IssueKind::UnfinishedVersion {
            stale: s,
            room,
            target,
        } => stale_temp(
            format!(
                "{}: a new version of room {room:?} that was never put in place; {target} holds the version before it",
                stale(s)
            ),
            UNFINISHED_HINT.into(),
        ),
        IssueKind::OtherVersion {
            stale: s,
            room,
            target,
        } => stale_temp(
            format!("{} holds another version of room {room:?} than {target}", stale(s)),
            format!(
                "compare the two, keep the right version in {target}, then remove this file by hand"
            ),
        ),
        IssueKind::TargetHoldsOther {
            stale: s,
            room,
            target,
            other,
        } => stale_temp(
            format!(
                "{} holds room {room:?}, but its file {target} holds room {other:?}",
                stale(s)
            ),
            INSPECT_HINT.into(),
        ),
        IssueKind::TargetUnusable {
            stale: s,
            room,
            target,
            problem,
        } => stale_temp(
            format!(
                "{} holds room {room:?}, whose file {target} is {}",
                stale(s),
                problem.label()
            ),
            format!(
                "this file may be the good copy: inspect both, repair {target}, then remove this file"
            ),
        ),
        IssueKind::AsideOfUnknownFile { stale: s, error } => stale_temp(
            format!(
                "{}: a room file moved aside by an interrupted write ({error}); its name was too long to keep whole here, and no file of the directory is the one it was",
                stale(s)
            ),
            "inspect it, and rename it by hand to the file name of the room it holds".into(),
        ),
        IssueKind::OlderAside {
            stale: s,
            target,
            error,
        } => stale_temp(
            format!(
                "{}: an older {target}, moved aside by an interrupted write ({error})",
                stale(s)
            ),
            format!("compare it with {target}; remove it by hand if nothing in it is needed"),
        ),
        IssueKind::HoldsNoRoom { stale: s, error } => stale_temp(
            format!("{} that holds no room: {error}", stale(s)),
            FIX_DOES_IT.into(),
        ),
        IssueKind::IncompleteRoom { stale: s, error } => stale_temp(
            format!("{} holding an incomplete room: {error}", stale(s)),
            INSPECT_HINT.into(),
        ),
        IssueKind::Misnamed { room, target } => (
            Severity::Error,
            FindingKind::Misnamed,
            format!(
                "holds room {room:?}, but the server looks for it in {target} and never finds it"
            ),
            format!("rename it to {target} (check --fix does it)"),
        ),
        IssueKind::ClaimedByMany {
            room,
            target,
            claimants,
        } => (
            Severity::Error,
            FindingKind::Collision,
            format!(
                "holds room {room:?}; {} files claim its file name {target}: {}",
                claimants.len(),
                claimants.join(", ")
            ),
            format!("keep one, rename it to {target}, and move the others out of the directory"),
        ),
        IssueKind::SecondCopy { room, target } => (
            Severity::Error,
            FindingKind::Collision,
            format!(
                "a second copy of room {room:?}, whose file {target} exists; the server only sees {target}"
            ),
            format!(
                "compare the two, keep the right version in {target}, and move this file out of the directory"
            ),
        ),
        IssueKind::NameTaken {
            room,
            target,
            other,
        } => (
            Severity::Error,
            FindingKind::Collision,
            format!(
                "holds room {room:?}, but its file name {target} is taken by room {other:?} (both names map to it)"
            ),
            "the directory can hold only one of the two: move this file out and recreate the room under a name that maps to another file".into(),
        ),
        IssueKind::MisnamedTargetUnusable {
            room,
            target,
            problem,
        } => (
            Severity::Error,
            FindingKind::Misnamed,
            format!(
                "holds room {room:?}, but the server looks for it in {target}, which is {}",
                problem.label()
            ),
            format!("repair or move {target} first, then run check --fix"),
        ),
        IssueKind::OtherData(p) => (
            Severity::Info,
            FindingKind::NotARoom,
            labelled(ProblemKind::NotARoom, p),
            OTHER_DATA_HINT.into(),
        ),
        IssueKind::MisnamedKey { room, key } => (
            Severity::Error,
            FindingKind::Misnamed,
            format!("holds room {room:?}, whose key would be {key}"),
            "the server never finds it: rename it after the room it holds (RENAMENX, if that key is free)".into(),
        ),
    };
    Finding {
        severity,
        location: issue.location,
        kind,
        message,
        hint,
        fix: issue.fix,
    }
}

/// `stale temporary file (modified 3h ago)`, or, when its writer is gone,
/// `temporary file of roomctl (pid 42), which no longer runs (…)`.
fn stale_text(stale: &Stale, now_ms: i64) -> String {
    let age = relative(stale.modified_ms, now_ms);
    match stale.writer_gone {
        Some(pid) => {
            format!("temporary file of roomctl (pid {pid}), which no longer runs (modified {age})")
        }
        None => format!("stale temporary file (modified {age})"),
    }
}

fn shape_text(shape: &EntryShape) -> &'static str {
    match shape {
        EntryShape::Symlink => "a symlink",
        EntryShape::Directory => "a directory",
        EntryShape::SpecialFile | EntryShape::RedisType(_) => "a special file",
    }
}

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

    #[test]
    fn durations_read_well() {
        assert_eq!(duration_text(40_000), "40s");
        assert_eq!(duration_text(12 * 60_000), "12m");
        assert_eq!(duration_text(3 * 3_600_000 + 60_000), "3h 1m");
        assert_eq!(duration_text(3 * 86_400_000 + 4 * 3_600_000), "3d 4h");
    }
}
