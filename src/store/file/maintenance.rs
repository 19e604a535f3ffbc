//! The file store's maintenance: what a scan does not see (temporary files,
//! names that are not UTF-8), a closer look at misnamed files, and the
//! repairs that lose nothing.
//!
//! Temporary files are judged by name ([`TempName`]: the server's, or
//! roomctl's with its role and pid), age, and what they hold compared with
//! the room file they belong to. Repairs first *claim* the file (rename it
//! to a private temporary name), so that a file the server writes under the
//! same name meanwhile is a new file and never touched; they then link it
//! to its target without replacing, or remove a temporary file that holds
//! no room of its own.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::Path;

use rayon::prelude::*;

use super::temp_name::TempName;
use super::{
    FileStore, ReadError, Slot, is_room_file_name, link_noreplace, read_room_file, remove_quietly,
    safe_file_name,
};
use crate::room::{DocumentError, RoomFacts};
use crate::store::maintenance::{
    Fix, HeldCopy, InspectOptions, Issue, IssueKind, Maintenance, RepairOutcome, Rivals, Stale,
};
use crate::store::{EntryProblem, EntryShape, ProblemKind, StoreError};

impl Maintenance for FileStore {
    fn inspect(
        &self,
        scanned: &[EntryProblem],
        options: &InspectOptions,
    ) -> Result<Vec<Issue>, StoreError> {
        let read_dir =
            fs::read_dir(&self.dir).map_err(|e| StoreError::io(self.dir.display(), e))?;
        let mut temps = Vec::new();
        let mut issues = Vec::new();
        for item in read_dir {
            let entry = item.map_err(|e| StoreError::io(self.dir.display(), e))?;
            let name = entry.file_name();
            match name.to_str() {
                Some(n) if n.ends_with(".tmp") => temps.push(n.to_string()),
                Some(_) => {}
                None => {
                    let lossy = name.to_string_lossy();
                    if lossy.ends_with(".json") || lossy.ends_with(".tmp") {
                        issues.push(Issue {
                            location: self.dir.join(&name).display().to_string(),
                            kind: IssueKind::BadFileName,
                            fix: None,
                        });
                    }
                }
            }
        }
        let mut temp_issues: Vec<Issue> = temps
            .par_iter()
            .filter_map(|n| self.judge_temp(n, options))
            .collect();
        refuse_rival_restores(&mut temp_issues);
        issues.extend(temp_issues);
        issues.extend(self.judge_misnamed(scanned));
        Ok(issues)
    }

    fn repair(&self, fix: &Fix) -> Result<RepairOutcome, StoreError> {
        let entry = fix.entry();
        if !is_plain_file_name(entry) || !fix.target().is_none_or(is_plain_file_name) {
            return Ok(RepairOutcome::Skipped(format!(
                "{entry:?} is not a file name in {}",
                self.dir.display()
            )));
        }
        let from = self.dir.join(entry);
        // Claim the file first: from here on, a file the server writes under
        // the same name is a new file that this repair never touches.
        let claimed = self.tmp_path(entry, "fix");
        match fs::rename(&from, &claimed) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(RepairOutcome::Skipped("it vanished".into()));
            }
            Err(e) => return Err(StoreError::io(from.display(), e)),
        }
        let outcome = self.apply_claimed(fix, &claimed);
        if !matches!(outcome, Ok(RepairOutcome::Repaired)) {
            // Put it back, unless a newer file took the name meanwhile.
            match link_noreplace(&claimed, &from) {
                Ok(true) => remove_quietly(&claimed),
                _ => {
                    if let Ok(RepairOutcome::Skipped(why)) = outcome {
                        return Ok(RepairOutcome::Skipped(format!(
                            "{why}; {} took its name meanwhile, so it was kept as {}",
                            entry,
                            claimed.display()
                        )));
                    }
                }
            }
            return outcome;
        }
        self.sync_dir()?;
        Ok(RepairOutcome::Repaired)
    }
}

impl FileStore {
    /// Judges one `*.tmp` entry of the directory; `None` when it vanished.
    fn judge_temp(&self, name: &str, options: &InspectOptions) -> Option<Issue> {
        let path = self.dir.join(name);
        let issue = |kind, fix| Issue {
            location: path.display().to_string(),
            kind,
            fix,
        };
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                let error = e.to_string();
                return Some(issue(IssueKind::TempUnexaminable { error }, None));
            }
        };
        if !meta.is_file() {
            let shape = if meta.file_type().is_symlink() {
                EntryShape::Symlink
            } else if meta.is_dir() {
                EntryShape::Directory
            } else {
                EntryShape::SpecialFile
            };
            return Some(issue(IssueKind::TempNotAFile { shape }, None));
        }
        let Some(temp) = TempName::parse(name) else {
            return Some(issue(IssueKind::ForeignTemp, None));
        };
        let modified_ms = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64);
        // A temporary file of a roomctl that was killed is stale at once:
        // waiting for --stale-after would hide a room left in it.
        let writer_gone = temp.writer_gone();
        if writer_gone.is_none()
            && modified_ms.is_some_and(|m| options.now_ms - m < options.stale_after_ms)
        {
            return Some(issue(IssueKind::TempInProgress { modified_ms }, None));
        }
        let stale = Stale {
            modified_ms,
            writer_gone,
        };
        let bytes = match read_room_file(&path, self.max_room) {
            Ok(Some(b)) => b,
            Ok(None) => return None,
            Err(ReadError::NotAFile(shape)) => {
                return Some(issue(IssueKind::TempNotAFile { shape }, None));
            }
            Err(ReadError::TooLarge(bytes)) => {
                return Some(issue(IssueKind::TempTooLarge { stale, bytes }, None));
            }
            Err(ReadError::Io(e)) => {
                let error = e.to_string();
                return Some(issue(IssueKind::TempUnreadable { stale, error }, None));
            }
        };
        let entry = name.to_string();
        let digest = digest(&bytes);
        let facts = match RoomFacts::from_slice(&bytes) {
            Ok(facts) => facts,
            Err(error) => {
                let (kind, fix) = self.judge_temp_without_room(temp, entry, &bytes, error, stale);
                return Some(issue(kind, fix));
            }
        };
        // A complete room: where does it belong, and what is there now?
        let room = facts.name;
        let target = safe_file_name(&room);
        // roomctl's new version of a room, never put in place: its writer
        // was killed between writing it and linking it.
        let unfinished = temp.role == Some("new") && writer_gone.is_some();
        let (kind, fix) = match self.read_slot(&self.dir.join(&target), &target) {
            Slot::Empty => (
                IssueKind::InterruptedWrite {
                    stale,
                    held: HeldCopy::Room(room),
                    target: target.clone(),
                    rivals: Rivals::None,
                },
                Some(Fix::Restore {
                    entry,
                    target,
                    digest,
                }),
            ),
            Slot::Room(r) if r.name() == room && r.bytes == bytes => (
                IssueKind::IdenticalCopy {
                    stale,
                    target: target.clone(),
                },
                Some(Fix::RemoveTemp {
                    entry,
                    same_as: Some(target),
                    digest,
                }),
            ),
            // Its only copy, perhaps: never removed, but what to do is known.
            Slot::Room(r) if r.name() == room && unfinished => (
                IssueKind::UnfinishedVersion {
                    stale,
                    room,
                    target,
                },
                None,
            ),
            Slot::Room(r) if r.name() == room => (
                IssueKind::OtherVersion {
                    stale,
                    room,
                    target,
                },
                None,
            ),
            Slot::Room(r) => (
                IssueKind::TargetHoldsOther {
                    stale,
                    room,
                    target,
                    other: r.facts.name,
                },
                None,
            ),
            Slot::Problem(p) => (
                IssueKind::TargetUnusable {
                    stale,
                    room,
                    target,
                    problem: p.kind,
                },
                None,
            ),
        };
        Some(issue(kind, fix))
    }

    /// A stale temporary file that is not a complete room document.
    fn judge_temp_without_room(
        &self,
        temp: TempName<'_>,
        entry: String,
        bytes: &[u8],
        error: DocumentError,
        stale: Stale,
    ) -> (IssueKind, Option<Fix>) {
        let digest = digest(bytes);
        if temp.role == Some("aside") {
            // What a conditional write moved aside is whatever was stored,
            // even an invalid document: put it back rather than lose it.
            let Some(base) = self.base_of(&temp, bytes) else {
                return (IssueKind::AsideOfUnknownFile { stale, error }, None);
            };
            return match read_room_file(&self.dir.join(&base), self.max_room) {
                Ok(None) => (
                    IssueKind::InterruptedWrite {
                        stale,
                        held: HeldCopy::MovedAside { error },
                        target: base.clone(),
                        rivals: Rivals::None,
                    },
                    Some(Fix::Restore {
                        entry,
                        target: base,
                        digest,
                    }),
                ),
                Ok(Some(current)) if current == bytes => (
                    IssueKind::IdenticalCopy {
                        stale,
                        target: base.clone(),
                    },
                    Some(Fix::RemoveTemp {
                        entry,
                        same_as: Some(base),
                        digest,
                    }),
                ),
                _ => (
                    IssueKind::OlderAside {
                        stale,
                        target: base,
                        error,
                    },
                    None,
                ),
            };
        }
        match error {
            DocumentError::Corrupt(_) | DocumentError::NotAnObject => (
                IssueKind::HoldsNoRoom { stale, error },
                Some(Fix::RemoveTemp {
                    entry,
                    same_as: None,
                    digest,
                }),
            ),
            DocumentError::Invalid(_) => (IssueKind::IncompleteRoom { stale, error }, None),
        }
    }

    /// The room file a temporary name was made for: the name itself, or,
    /// when it was shortened, the file of the room named inside (even an
    /// invalid document may name its room) or a file of the directory that
    /// has the digest.
    fn base_of(&self, temp: &TempName<'_>, bytes: &[u8]) -> Option<String> {
        if let Some(base) = temp.whole_base() {
            return Some(base.to_string());
        }
        if let Some(file) = crate::store::room_name_of(bytes).map(|n| safe_file_name(&n))
            && temp.made_for(&file)
        {
            return Some(file);
        }
        fs::read_dir(&self.dir)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .find(|n| is_room_file_name(n) && temp.made_for(n))
    }

    /// A closer look at misnamed files: can each take its proper name, or
    /// does another file claim it?
    fn judge_misnamed(&self, scanned: &[EntryProblem]) -> Vec<Issue> {
        let mut by_target: BTreeMap<String, Vec<(&EntryProblem, &str)>> = Default::default();
        for p in scanned {
            if p.kind == ProblemKind::Misnamed
                && let Some(room) = &p.room_name
            {
                by_target
                    .entry(safe_file_name(room))
                    .or_default()
                    .push((p, room));
            }
        }
        let mut issues = Vec::new();
        for (target, members) in by_target {
            let slot = self.read_slot(&self.dir.join(&target), &target);
            for &(p, room) in &members {
                let (room, target) = (room.to_string(), target.clone());
                let mut fix = None;
                let kind = match &slot {
                    Slot::Empty if members.len() == 1 => {
                        match self.rename_fix(&p.location, &room, &target) {
                            Some(rename) => {
                                fix = Some(rename);
                                IssueKind::Misnamed { room, target }
                            }
                            // Changed since the scan: the scan's report stands.
                            None => continue,
                        }
                    }
                    Slot::Empty => IssueKind::ClaimedByMany {
                        room,
                        target,
                        claimants: members
                            .iter()
                            .map(|(q, _)| file_name_of(&q.location))
                            .collect(),
                    },
                    Slot::Room(r) if r.name() == room => IssueKind::SecondCopy { room, target },
                    Slot::Room(r) => IssueKind::NameTaken {
                        room,
                        target,
                        other: r.name().to_string(),
                    },
                    Slot::Problem(t) => IssueKind::MisnamedTargetUnusable {
                        room,
                        target,
                        problem: t.kind,
                    },
                };
                issues.push(Issue {
                    location: p.location.clone(),
                    kind,
                    fix,
                });
            }
        }
        issues
    }

    /// The rename of a misnamed file, if it still holds `room`.
    fn rename_fix(&self, location: &str, room: &str, target: &str) -> Option<Fix> {
        let entry = Path::new(location).file_name()?.to_str()?.to_string();
        let bytes = read_room_file(&self.dir.join(&entry), self.max_room).ok()??;
        let facts = RoomFacts::from_slice(&bytes).ok()?;
        (facts.name == room).then(|| Fix::Rename {
            entry,
            target: target.to_string(),
            digest: digest(&bytes),
        })
    }

    /// Applies a fix to the claimed copy of its entry. On `Repaired` the
    /// claimed file is gone (linked to its target, or removed).
    fn apply_claimed(&self, fix: &Fix, claimed: &Path) -> Result<RepairOutcome, StoreError> {
        let bytes = match read_room_file(claimed, self.max_room) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(RepairOutcome::Skipped("it vanished".into())),
            Err(ReadError::NotAFile(shape)) => {
                return Ok(RepairOutcome::Skipped(format!(
                    "it is now {}",
                    super::shape_text(&shape)
                )));
            }
            Err(ReadError::TooLarge(_)) => {
                return Ok(RepairOutcome::Skipped(
                    "it changed since it was checked".into(),
                ));
            }
            Err(ReadError::Io(e)) => return Err(StoreError::io(claimed.display(), e)),
        };
        if digest(&bytes) != *fix.digest() {
            return Ok(RepairOutcome::Skipped(
                "it changed since it was checked".into(),
            ));
        }
        match fix {
            Fix::Rename { target, .. } | Fix::Restore { target, .. } => {
                if link_noreplace(claimed, &self.dir.join(target))? {
                    // The data lives on under the target's name.
                    remove_quietly(claimed);
                    Ok(RepairOutcome::Repaired)
                } else {
                    Ok(RepairOutcome::Skipped(format!("{target} exists now")))
                }
            }
            Fix::RemoveTemp {
                same_as: Some(original),
                ..
            } => match read_room_file(&self.dir.join(original), self.max_room) {
                Ok(Some(current)) if current == bytes => {
                    fs::remove_file(claimed).map_err(|e| StoreError::io(claimed.display(), e))?;
                    Ok(RepairOutcome::Repaired)
                }
                _ => Ok(RepairOutcome::Skipped(format!(
                    "{original} changed: this copy is no longer redundant"
                ))),
            },
            Fix::RemoveTemp { same_as: None, .. } => {
                fs::remove_file(claimed).map_err(|e| StoreError::io(claimed.display(), e))?;
                Ok(RepairOutcome::Repaired)
            }
        }
    }
}

/// Two temporary files that would both restore the same room file: which
/// one is right is the operator's call, so neither is fixed — except in the
/// case of a compare-and-swap of a roomctl killed after moving the room
/// aside and before putting its new version in place. The copy moved aside
/// is what the room held (what the server and every reader last saw), so it
/// is restored; the new version was never committed and stays where it is,
/// for the interrupted command to write again.
fn refuse_rival_restores(issues: &mut [Issue]) {
    let mut claims: HashMap<String, Vec<String>> = Default::default();
    for issue in issues.iter() {
        if let Some(Fix::Restore { entry, target, .. }) = &issue.fix {
            claims
                .entry(target.clone())
                .or_default()
                .push(entry.clone());
        }
    }
    fn role(entry: &str) -> Option<&str> {
        TempName::parse(entry).and_then(|t| t.role)
    }
    let interrupted_swap = |rivals: &[String]| {
        let asides = rivals.iter().filter(|e| role(e) == Some("aside")).count();
        let news = rivals.iter().filter(|e| role(e) == Some("new")).count();
        asides == 1 && asides + news == rivals.len()
    };
    for issue in issues.iter_mut() {
        let Some(Fix::Restore { entry, target, .. }) = &issue.fix else {
            continue;
        };
        let Some(claimants) = claims.get(target).filter(|r| r.len() > 1) else {
            continue;
        };
        let verdict = if interrupted_swap(claimants) {
            if role(entry) != Some("new") {
                continue;
            }
            Rivals::NewVersionOfRestoredAside
        } else {
            let mut claimants = claimants.clone();
            claimants.sort();
            Rivals::Several(claimants)
        };
        if let IssueKind::InterruptedWrite { rivals, .. } = &mut issue.kind {
            *rivals = verdict;
        }
        issue.fix = None;
    }
}

/// A plain file name inside the store's directory (no path, no `..`).
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\0')
}

/// The last component of a location, for messages.
fn file_name_of(location: &str) -> String {
    Path::new(location)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| location.to_string())
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}
