//! The file backend (SPEC §2): one pretty-printed JSON file per room,
//! `<safe>.json`, directly inside one directory.
//!
//! Writes are atomic the way the server's are (a temporary file, fsync,
//! rename) but under roomctl's own temporary names, `<safe>.json.roomctl-…
//! .tmp`, never the server's `<safe>.json.tmp`, shortened where the server's
//! name fits and roomctl's would not ([`temp_name`]). One room's failure in
//! a batch is that room's outcome; the others go on. Conditional writes and
//! deletes first *move the current file aside* (an atomic rename), compare
//! what was moved, and put things back with a no-replace link: a file the
//! server writes at any moment in between is never overwritten or deleted.
//! Symlinks are never followed.
//!
//! For `roomctl check` the backend also judges what a scan does not see:
//! temporary files (the server's `<safe>.json.tmp`, roomctl's own), and
//! whether a misnamed file can take its proper name. Repairs first *claim*
//! the file (rename it to a private temporary name), so that a file the
//! server writes under the same name meanwhile is a new file and never
//! touched; they then link it to its target without replacing, or remove a
//! temporary file that holds no room of its own.
//! Advisory locks are `flock`s on `.roomctl-<name>.lock` in the directory: a
//! name the server never reads (not `*.json`), released by the kernel when
//! the holder exits, however it exits. The file is left in place: removing
//! it would let two runs lock two different files of the same name.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::{
    Condition, CreateMissing, Delete, DeleteOutcome, Entry, EntryProblem, Finding, FindingKind,
    Fix, HousekeepingOptions, LockGuard, Lookup, ProblemKind, Put, PutOutcome, RepairOutcome,
    RoomFailure, Scan, ScanOptions, Severity, Store, StoreError, StoreIdentity, StoreKind,
    valid_lock_name,
};
use crate::room::{DocumentError, RoomFacts};

/// The longest file name a Linux file system takes (NAME_MAX).
const NAME_MAX: usize = crate::atomic::NAME_MAX;

/// Directory entries read per scan batch.
const SCAN_BATCH: usize = 512;

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The server's file name for a room: every UTF-16 code unit outside
/// `[A-Za-z0-9_-]` becomes `_`, then `.json`.
pub fn safe_file_name(room_name: &str) -> String {
    let mut out = String::with_capacity(room_name.len() + 5);
    for c in room_name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else {
            for _ in 0..c.len_utf16() {
                out.push('_');
            }
        }
    }
    out.push_str(".json");
    out
}

pub struct FileStore {
    dir: PathBuf,
    /// The largest room file read or written (`--max-room-size`).
    max_room: u64,
    /// The permission bits of a new room file, learnt once from the
    /// directory ([`FileStore::new_file_mode`]).
    new_file_mode: OnceLock<NewFileMode>,
}

/// The permission bits a new room file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewFileMode {
    /// Exactly these (those of its neighbours, or 0600 in a private
    /// directory).
    Exactly(u32),
    /// 0644 less the umask, as any program creates a file.
    Default,
}

/// What a room file roomctl writes is given: the mode, and the owner of
/// the file it replaces.
#[derive(Debug, Clone, Copy)]
struct FilePerms {
    mode: NewFileMode,
    owner: Option<(u32, u32)>,
}

/// Room files sampled to learn the mode of a new one: enough for a clear
/// majority, few enough to cost nothing in a directory of 100,000.
const MODE_SAMPLE: usize = 64;

/// What one room file holds.
enum Slot {
    Empty,
    Room(super::StoredRoom),
    Problem(EntryProblem),
}

impl FileStore {
    /// A store on the directory `dir`, which must exist: a missing one is
    /// [`StoreError::NoSuchDirectory`], never created behind the caller's
    /// back (a typo in a path must not become a new, empty store).
    pub fn open(dir: &Path) -> Result<FileStore, StoreError> {
        match fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => Ok(FileStore::at(dir)),
            Ok(_) => Err(StoreError::Config(format!(
                "{}: not a directory",
                dir.display()
            ))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NoSuchDirectory {
                path: dir.display().to_string(),
            }),
            Err(e) => Err(StoreError::io(dir.display(), e)),
        }
    }

    /// The store on `dir`, unchecked.
    fn at(dir: &Path) -> FileStore {
        FileStore {
            dir: dir.to_path_buf(),
            max_room: crate::limit::DEFAULT_MAX_ROOM_BYTES,
            new_file_mode: OnceLock::new(),
        }
    }

    /// [`FileStore::open`], first creating `dir` and each of its missing
    /// parents (only what is missing), each reported to `create`. With
    /// `create.dry_run` nothing is created: the directories that would be
    /// are reported, and the store reads as the empty store it would be.
    pub fn open_creating(dir: &Path, create: &CreateMissing) -> Result<FileStore, StoreError> {
        let mut missing = Vec::new();
        let mut at = dir;
        loop {
            match fs::symlink_metadata(at) {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(at),
                Err(e) => return Err(StoreError::io(at.display(), e)),
            }
            match at.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => at = parent,
                _ => break,
            }
        }
        for path in missing.into_iter().rev() {
            if !create.dry_run {
                fs::create_dir(path).map_err(|e| StoreError::io(path.display(), e))?;
                // The new entry is durable before rooms are written under it.
                let parent = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                File::open(parent)
                    .and_then(|d| d.sync_all())
                    .map_err(|e| StoreError::io(parent.display(), e))?;
            }
            (create.report)(path);
        }
        if create.dry_run && fs::symlink_metadata(dir).is_err() {
            return Ok(FileStore::at(dir));
        }
        FileStore::open(dir)
    }

    /// The same store with another limit for the size of a room file
    /// (see `crate::limit`): a larger file is reported, never read whole,
    /// and a room whose file would be larger is never written.
    pub fn with_max_room_bytes(mut self, max: u64) -> FileStore {
        self.max_room = max;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn tmp_path(&self, entry: &str, role: &str) -> PathBuf {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        self.dir.join(temp_name(entry, role, std::process::id(), n))
    }

    /// Reads and classifies one file; `expected_name` marks a file holding
    /// another room as empty (for lookups) rather than misnamed.
    fn read_slot(&self, path: &Path, file_name: &str) -> Slot {
        self.read_slot_as(path, file_name, &ScanOptions::default())
    }

    /// [`FileStore::read_slot`] for a scan with these options.
    fn read_slot_as(&self, path: &Path, file_name: &str, options: &ScanOptions) -> Slot {
        let location = path.display().to_string();
        let problem = |kind, reason: String| {
            Slot::Problem(EntryProblem {
                location: location.clone(),
                kind,
                reason,
                room_name: None,
            })
        };
        let bytes = match read_room_file(path, self.max_room) {
            Ok(Some(b)) => b,
            Ok(None) => return Slot::Empty,
            Err(ReadError::NotAFile(what)) => {
                return problem(ProblemKind::NotAFile, format!("{what}, not followed"));
            }
            Err(ReadError::TooLarge(len)) => {
                return problem(
                    ProblemKind::Invalid,
                    crate::limit::over_limit(len, self.max_room, false),
                );
            }
            Err(ReadError::Io(e)) => return problem(ProblemKind::Unreadable, e.to_string()),
        };
        match Entry::classify_as(location, bytes, None, options) {
            Entry::Room(room) => {
                if safe_file_name(room.name()) != file_name {
                    let reason = format!(
                        "holds room {:?}, whose file name would be {}",
                        room.name(),
                        safe_file_name(room.name())
                    );
                    Slot::Problem(EntryProblem {
                        location: room.location,
                        kind: ProblemKind::Misnamed,
                        reason,
                        room_name: Some(room.facts.name),
                    })
                } else {
                    Slot::Room(room)
                }
            }
            Entry::Problem(p) => Slot::Problem(p),
        }
    }

    fn lookup(&self, name: &str) -> Lookup {
        let file_name = safe_file_name(name);
        match self.read_slot(&self.dir.join(&file_name), &file_name) {
            Slot::Empty => Lookup::Missing,
            Slot::Room(room) if room.name() == name => Lookup::Found(room),
            // Another name that maps to the same file: not this room.
            Slot::Room(_) => Lookup::Missing,
            Slot::Problem(p) => Lookup::Problem(p),
        }
    }

    fn put_one(&self, put: &Put<'_>) -> Result<PutOutcome, StoreError> {
        let name = put.doc.name();
        let file_name = safe_file_name(name);
        let path = self.dir.join(&file_name);
        if file_name.len() > NAME_MAX {
            return Ok(PutOutcome::Failed(RoomFailure {
                message: format!(
                    "its file name would be {} bytes, over the {NAME_MAX} a file name may have (the server cannot keep it in a directory either); keep it in Redis or rename the room",
                    file_name.len()
                ),
                store_wide: false,
            }));
        }
        // Never write over a file that holds something other than this room.
        let current = self.read_slot(&path, &file_name);
        match (&current, put.condition) {
            (Slot::Room(r), _) if r.name() != name => {
                return Ok(PutOutcome::Blocked(format!(
                    "{} holds another room, {:?}",
                    path.display(),
                    r.name()
                )));
            }
            (Slot::Problem(p), _) => {
                return Ok(PutOutcome::Blocked(format!(
                    "{} is {}: {}",
                    p.location,
                    p.kind.label(),
                    p.reason
                )));
            }
            (Slot::Room(_), Condition::Absent) => return Ok(PutOutcome::Exists),
            (Slot::Empty, Condition::Unchanged(_)) => return Ok(PutOutcome::Changed),
            (Slot::Room(r), Condition::Unchanged(want)) if r.bytes != want => {
                return Ok(PutOutcome::Changed);
            }
            _ => {}
        }
        // A replaced file's mode and owner carry over: a room kept private
        // (its password is inside) stays private.
        let perms = match current {
            Slot::Room(_) => match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_file() => FilePerms {
                    mode: NewFileMode::Exactly(meta.mode() & 0o777),
                    owner: Some((meta.uid(), meta.gid())),
                },
                _ => self.new_file_perms(),
            },
            _ => self.new_file_perms(),
        };
        let bytes = put.doc.to_pretty();
        if bytes.len() as u64 > self.max_room {
            return Ok(PutOutcome::Failed(RoomFailure {
                message: format!(
                    "its file would be {}",
                    crate::limit::over_limit(bytes.len() as u64, self.max_room, false)
                ),
                store_wide: false,
            }));
        }
        let tmp = self.write_tmp(&file_name, &bytes, perms)?;
        let outcome = match put.condition {
            Condition::Overwrite => fs::rename(&tmp, &path)
                .map(|()| PutOutcome::Written)
                .map_err(|e| StoreError::io(path.display(), e)),
            Condition::Absent => link_noreplace(&tmp, &path).map(|linked| match linked {
                true => PutOutcome::Written,
                false => PutOutcome::Exists,
            }),
            Condition::Unchanged(want) => self
                .swap_if_unchanged(&path, &file_name, want, Some(&tmp))
                .map(|swapped| match swapped {
                    true => PutOutcome::Written,
                    false => PutOutcome::Changed,
                }),
        };
        // Linked into place, or not written with the room as it was: the
        // temporary name goes. A swap that failed half-way may have left the
        // room only in it (`check --fix` restores it): it stays.
        if outcome.is_ok() || !matches!(put.condition, Condition::Unchanged(_)) {
            remove_quietly(&tmp);
        }
        outcome
    }

    /// Moves `path` aside, and if it held exactly `want`, replaces it by
    /// `replacement` (or by nothing); otherwise puts it back. Returns whether
    /// the swap happened. A file the server writes meanwhile always wins.
    fn swap_if_unchanged(
        &self,
        path: &Path,
        file_name: &str,
        want: &[u8],
        replacement: Option<&Path>,
    ) -> Result<bool, StoreError> {
        let aside = self.tmp_path(file_name, "aside");
        match fs::rename(path, &aside) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                // Nothing was moved: the room is where it was, and the
                // replacement holds nothing that is not elsewhere.
                if let Some(new) = replacement {
                    remove_quietly(new);
                }
                return Err(StoreError::io(path.display(), e));
            }
        }
        let held = fs::read(&aside).map_err(|e| StoreError::io(aside.display(), e));
        let unchanged = matches!(&held, Ok(bytes) if bytes == want);
        let result = if unchanged {
            // What was moved aside is exactly what was judged, so it goes
            // before the replacement is linked: killed in between, the
            // directory holds the new version in its temporary file (which
            // `check --fix` restores), never a stale copy beside it.
            remove_quietly(&aside);
            match replacement {
                // If the server wrote a fresh file meanwhile, it is newer than
                // what we judged: it stays and our write is dropped.
                Some(new) => link_noreplace(new, path),
                None => Ok(true),
            }
        } else {
            // Put the moved file back unless the server wrote a newer one.
            link_noreplace(&aside, path).map(|_| false)
        };
        match &result {
            // Already gone.
            _ if unchanged => {}
            // Keep the moved-aside copy if restoring it failed: it is data.
            Err(_) => {}
            _ => remove_quietly(&aside),
        }
        held?;
        result
    }

    /// How a room file that replaces none is made.
    fn new_file_perms(&self) -> FilePerms {
        FilePerms {
            mode: *self.new_file_mode.get_or_init(|| new_file_mode(&self.dir)),
            owner: None,
        }
    }

    fn write_tmp(
        &self,
        file_name: &str,
        bytes: &[u8],
        perms: FilePerms,
    ) -> Result<PathBuf, StoreError> {
        let tmp = self.tmp_path(file_name, "new");
        let result = (|| -> io::Result<()> {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(match perms.mode {
                    NewFileMode::Exactly(mode) => mode,
                    NewFileMode::Default => 0o644,
                })
                .open(&tmp)?;
            if let Some((uid, gid)) = perms.owner {
                give_owner(&f, uid, gid);
            }
            // The umask does not apply to a mode that is carried over.
            if let NewFileMode::Exactly(mode) = perms.mode {
                f.set_permissions(std::fs::Permissions::from_mode(mode))?;
            }
            f.write_all(bytes)?;
            f.sync_all()?;
            Ok(())
        })();
        if let Err(e) = result {
            remove_quietly(&tmp);
            return Err(StoreError::io(tmp.display(), e));
        }
        Ok(tmp)
    }

    fn delete_one(&self, d: &Delete<'_>) -> Result<DeleteOutcome, StoreError> {
        let file_name = safe_file_name(d.name);
        let path = self.dir.join(&file_name);
        if let Some(want) = d.expected {
            // The caller read these bytes as this room: whatever the file
            // holds now is deleted only if it still is exactly them, which
            // the swap checks on the file it moved aside.
            return Ok(
                match self.swap_if_unchanged(&path, &file_name, want, None)? {
                    true => DeleteOutcome::Deleted,
                    false if fs::symlink_metadata(&path).is_ok() => DeleteOutcome::Changed,
                    false => DeleteOutcome::Missing,
                },
            );
        }
        let current = match self.read_slot(&path, &file_name) {
            Slot::Empty => return Ok(DeleteOutcome::Missing),
            Slot::Room(r) if r.name() != d.name => return Ok(DeleteOutcome::Missing),
            Slot::Room(r) => r.bytes,
            Slot::Problem(p) if d.allow_invalid && p.kind == ProblemKind::Invalid => {
                fs::read(&path).map_err(|e| StoreError::io(path.display(), e))?
            }
            Slot::Problem(p) => {
                return Ok(DeleteOutcome::Blocked(format!(
                    "{} is {}: {}",
                    p.location,
                    p.kind.label(),
                    p.reason
                )));
            }
        };
        let want = d.expected.unwrap_or(&current);
        if want != current.as_slice() {
            return Ok(DeleteOutcome::Changed);
        }
        Ok(if self.swap_if_unchanged(&path, &file_name, want, None)? {
            DeleteOutcome::Deleted
        } else {
            DeleteOutcome::Changed
        })
    }

    /// Judges one `*.tmp` entry of the directory; `None` when it vanished.
    fn judge_temp(&self, name: &str, options: &HousekeepingOptions) -> Option<Finding> {
        let path = self.dir.join(name);
        let location = path.display().to_string();
        let finding = |severity, kind, message: String, hint: String, fix| Finding {
            severity,
            location: location.clone(),
            kind,
            message,
            hint,
            fix,
        };
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                return Some(finding(
                    Severity::Warning,
                    FindingKind::Unreadable,
                    format!("temporary file that cannot be examined: {e}"),
                    "check its permissions".into(),
                    None,
                ));
            }
        };
        if !meta.is_file() {
            let what = if meta.file_type().is_symlink() {
                "a symlink"
            } else if meta.is_dir() {
                "a directory"
            } else {
                "a special file"
            };
            return Some(finding(
                Severity::Warning,
                FindingKind::NotAFile,
                format!("{what} named like a temporary file"),
                "neither the server nor roomctl made it: remove it by hand if nobody needs it"
                    .into(),
                None,
            ));
        }
        let Some(temp) = TempName::parse(name) else {
            return Some(finding(
                Severity::Info,
                FindingKind::StaleTemp,
                "a .tmp file that neither the server nor roomctl writes".into(),
                "the server ignores it; remove it by hand if nobody needs it".into(),
                None,
            ));
        };
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64);
        let age = crate::output::relative(modified, options.now_ms);
        // A temporary file of a roomctl that was killed is stale at once:
        // waiting for --stale-after would hide a room left in it.
        let gone = temp.writer_gone();
        if gone.is_none() && modified.is_some_and(|m| options.now_ms - m < options.stale_after_ms) {
            return Some(finding(
                Severity::Info,
                FindingKind::TempInProgress,
                format!("temporary file modified {age}: a write may be in progress"),
                "nothing to do; if it is still there later, check again".into(),
                None,
            ));
        }
        let bytes = match read_room_file(&path, self.max_room) {
            Ok(Some(b)) => b,
            Ok(None) => return None,
            Err(ReadError::NotAFile(what)) => {
                return Some(finding(
                    Severity::Warning,
                    FindingKind::NotAFile,
                    format!("{what} named like a temporary file"),
                    "remove it by hand if nobody needs it".into(),
                    None,
                ));
            }
            Err(ReadError::TooLarge(len)) => {
                return Some(finding(
                    Severity::Warning,
                    FindingKind::StaleTemp,
                    format!("stale temporary file of {len} bytes, too large to be a room"),
                    "inspect it and remove it by hand".into(),
                    None,
                ));
            }
            Err(ReadError::Io(e)) => {
                return Some(finding(
                    Severity::Warning,
                    FindingKind::Unreadable,
                    format!("stale temporary file that cannot be read: {e}"),
                    "check its permissions".into(),
                    None,
                ));
            }
        };
        let entry = name.to_string();
        let digest = digest(&bytes);
        let stale = match gone {
            Some(pid) => format!(
                "temporary file of roomctl (pid {pid}), which no longer runs (modified {age})"
            ),
            None => format!("stale temporary file (modified {age})"),
        };
        // roomctl's new version of a room, never put in place: its writer
        // was killed between writing it and linking it.
        let unfinished = temp.role == Some("new") && gone.is_some();
        let facts = match RoomFacts::from_slice(&bytes) {
            Ok(facts) => facts,
            Err(err) => {
                return Some(
                    self.judge_temp_without_room(temp, entry, &bytes, &err, &stale, finding),
                );
            }
        };
        // A complete room: where does it belong, and what is there now?
        let room = &facts.name;
        let target = safe_file_name(room);
        let (severity, kind, message, hint, fix) = match self
            .read_slot(&self.dir.join(&target), &target)
        {
            Slot::Empty => (
                Severity::Error,
                FindingKind::InterruptedWrite,
                format!(
                    "{stale} holds room {room:?}, whose file {target} is missing: the server does not see this room"
                ),
                format!("restore it as {target} (check --fix does it)"),
                Some(Fix::Restore {
                    entry,
                    target,
                    digest,
                }),
            ),
            Slot::Room(r) if r.name() == room && r.bytes == bytes => (
                Severity::Warning,
                FindingKind::StaleTemp,
                format!("{stale}, an identical copy of {target}"),
                "remove it (check --fix does it)".into(),
                Some(Fix::RemoveTemp {
                    entry,
                    same_as: Some(target),
                    digest,
                }),
            ),
            // Its only copy, perhaps: never removed, but what to do is known.
            Slot::Room(r) if r.name() == room && unfinished => (
                Severity::Warning,
                FindingKind::StaleTemp,
                format!(
                    "{stale}: a new version of room {room:?} that was never put in place; {target} holds the version before it"
                ),
                UNFINISHED_HINT.into(),
                None,
            ),
            Slot::Room(r) if r.name() == room => (
                Severity::Warning,
                FindingKind::StaleTemp,
                format!("{stale} holds another version of room {room:?} than {target}"),
                format!(
                    "compare the two, keep the right version in {target}, then remove this file by hand"
                ),
                None,
            ),
            Slot::Room(r) => (
                Severity::Warning,
                FindingKind::StaleTemp,
                format!(
                    "{stale} holds room {room:?}, but its file {target} holds room {:?}",
                    r.name()
                ),
                "inspect it; remove it by hand if nothing in it is needed".into(),
                None,
            ),
            Slot::Problem(p) => (
                Severity::Warning,
                FindingKind::StaleTemp,
                format!(
                    "{stale} holds room {room:?}, whose file {target} is {}",
                    p.kind.label()
                ),
                format!(
                    "this file may be the good copy: inspect both, repair {target}, then remove this file"
                ),
                None,
            ),
        };
        Some(finding(severity, kind, message, hint, fix))
    }

    /// A stale temporary file that is not a complete room document.
    fn judge_temp_without_room(
        &self,
        temp: TempName<'_>,
        entry: String,
        bytes: &[u8],
        err: &DocumentError,
        stale: &str,
        finding: impl Fn(Severity, FindingKind, String, String, Option<Fix>) -> Finding,
    ) -> Finding {
        let digest = digest(bytes);
        if temp.role == Some("aside") {
            // What a conditional write moved aside is whatever was stored,
            // even an invalid document: put it back rather than lose it.
            let Some(base) = self.base_of(&temp, bytes) else {
                return finding(
                    Severity::Warning,
                    FindingKind::StaleTemp,
                    format!(
                        "{stale}: a room file moved aside by an interrupted write ({err}); its name was too long to keep whole here, and no file of the directory is the one it was"
                    ),
                    "inspect it, and rename it by hand to the file name of the room it holds"
                        .into(),
                    None,
                );
            };
            return match read_room_file(&self.dir.join(&base), self.max_room) {
                Ok(None) => finding(
                    Severity::Error,
                    FindingKind::InterruptedWrite,
                    format!(
                        "{stale}: {base} moved aside by an interrupted write ({err}), and {base} is missing"
                    ),
                    format!("restore it as {base} (check --fix does it)"),
                    Some(Fix::Restore {
                        entry,
                        target: base,
                        digest,
                    }),
                ),
                Ok(Some(current)) if current == bytes => finding(
                    Severity::Warning,
                    FindingKind::StaleTemp,
                    format!("{stale}, an identical copy of {base}"),
                    "remove it (check --fix does it)".into(),
                    Some(Fix::RemoveTemp {
                        entry,
                        same_as: Some(base),
                        digest,
                    }),
                ),
                _ => finding(
                    Severity::Warning,
                    FindingKind::StaleTemp,
                    format!(
                        "{stale}: an older {base}, moved aside by an interrupted write ({err})"
                    ),
                    format!("compare it with {base}; remove it by hand if nothing in it is needed"),
                    None,
                ),
            };
        }
        match err {
            DocumentError::Corrupt(_) | DocumentError::NotAnObject => finding(
                Severity::Warning,
                FindingKind::StaleTemp,
                format!("{stale} that holds no room: {err}"),
                "remove it (check --fix does it)".into(),
                Some(Fix::RemoveTemp {
                    entry,
                    same_as: None,
                    digest,
                }),
            ),
            DocumentError::Invalid(_) => finding(
                Severity::Warning,
                FindingKind::StaleTemp,
                format!("{stale} holding an incomplete room: {err}"),
                "inspect it; remove it by hand if nothing in it is needed".into(),
                None,
            ),
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
        if let Some(file) = super::room_name_of(bytes).map(|n| safe_file_name(&n))
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
    fn judge_misnamed(&self, scanned: &[EntryProblem]) -> Vec<Finding> {
        let mut by_target: std::collections::BTreeMap<String, Vec<(&EntryProblem, &str)>> =
            Default::default();
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
        let mut findings = Vec::new();
        for (target, members) in by_target {
            let slot = self.read_slot(&self.dir.join(&target), &target);
            for &(p, room) in &members {
                let finding = |severity, kind, message: String, hint: String, fix| Finding {
                    severity,
                    location: p.location.clone(),
                    kind,
                    message,
                    hint,
                    fix,
                };
                let found = match &slot {
                    Slot::Empty if members.len() == 1 => {
                        match self.rename_fix(&p.location, room, &target) {
                            Some(fix) => finding(
                                Severity::Error,
                                FindingKind::Misnamed,
                                format!(
                                    "holds room {room:?}, but the server looks for it in {target} and never finds it"
                                ),
                                format!("rename it to {target} (check --fix does it)"),
                                Some(fix),
                            ),
                            // Changed since the scan: the scan's report stands.
                            None => continue,
                        }
                    }
                    Slot::Empty => {
                        let others: Vec<String> = members
                            .iter()
                            .map(|(q, _)| file_name_of(&q.location))
                            .collect();
                        finding(
                            Severity::Error,
                            FindingKind::Collision,
                            format!(
                                "holds room {room:?}; {} files claim its file name {target}: {}",
                                members.len(),
                                others.join(", ")
                            ),
                            format!(
                                "keep one, rename it to {target}, and move the others out of the directory"
                            ),
                            None,
                        )
                    }
                    Slot::Room(r) if r.name() == room => finding(
                        Severity::Error,
                        FindingKind::Collision,
                        format!(
                            "a second copy of room {room:?}, whose file {target} exists; the server only sees {target}"
                        ),
                        format!(
                            "compare the two, keep the right version in {target}, and move this file out of the directory"
                        ),
                        None,
                    ),
                    Slot::Room(r) => finding(
                        Severity::Error,
                        FindingKind::Collision,
                        format!(
                            "holds room {room:?}, but its file name {target} is taken by room {:?} (both names map to it)",
                            r.name()
                        ),
                        "the directory can hold only one of the two: move this file out and recreate the room under a name that maps to another file".into(),
                        None,
                    ),
                    Slot::Problem(t) => finding(
                        Severity::Error,
                        FindingKind::Misnamed,
                        format!(
                            "holds room {room:?}, but the server looks for it in {target}, which is {}",
                            t.kind.label()
                        ),
                        format!("repair or move {target} first, then run check --fix"),
                        None,
                    ),
                };
                findings.push(found);
            }
        }
        findings
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
            Err(ReadError::NotAFile(what)) => {
                return Ok(RepairOutcome::Skipped(format!("it is now {what}")));
            }
            Err(ReadError::TooLarge(_)) => {
                return Ok(RepairOutcome::Skipped(
                    "it changed since it was checked".into(),
                ));
            }
            Err(ReadError::Io(e)) => return Err(StoreError::io(claimed.display(), e)),
        };
        let (Fix::Rename { digest: want, .. }
        | Fix::Restore { digest: want, .. }
        | Fix::RemoveTemp { digest: want, .. }) = fix;
        if digest(&bytes) != *want {
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

    fn sync_dir(&self) -> Result<(), StoreError> {
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io(self.dir.display(), e))
    }
}

/// A held `flock`; closing the file releases it.
struct FileLock {
    _file: File,
}

impl LockGuard for FileLock {
    fn refresh(&self) -> Result<(), StoreError> {
        // A flock cannot be lost while its file stays open.
        Ok(())
    }
}

impl FileStore {
    /// The file behind the advisory lock `name`.
    pub fn lock_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!(".roomctl-{name}.lock"))
    }

    fn take_lock(&self, name: &str) -> Result<FileLock, StoreError> {
        if !valid_lock_name(name) {
            return Err(StoreError::Config(format!("invalid lock name {name:?}")));
        }
        let path = self.lock_path(name);
        let mut file = match OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::Config(format!(
                    "{}: no such directory (name the store with --store, or check STORAGE_PATH)",
                    self.dir.display()
                )));
            }
            Err(e) => return Err(StoreError::io(path.display(), e)),
        };
        // The open followed no symlink, but a hard link is the other file
        // itself: writing the holder note below would overwrite it. Judged
        // on the opened file, so nothing can swap it in between.
        let meta = file
            .metadata()
            .map_err(|e| StoreError::io(path.display(), e))?;
        if !meta.is_file() {
            return Err(StoreError::Refused(format!(
                "{}: not a regular file; move it out of the way and run again (roomctl makes a new lock file)",
                path.display()
            )));
        }
        if meta.nlink() > 1 {
            return Err(StoreError::Refused(format!(
                "{}: the lock file has {} hard links, so it is also another file, which taking the lock would overwrite; remove {} (roomctl makes a new one) and run again",
                path.display(),
                meta.nlink(),
                path.display()
            )));
        }
        // SAFETY: flock on a file descriptor we own, for the file's lifetime.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                let mut holder = String::new();
                let _ = (&file).take(200).read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(StoreError::Locked {
                    lock: path.display().to_string(),
                    holder: if holder.is_empty() {
                        "another roomctl".into()
                    } else {
                        holder.to_string()
                    },
                });
            }
            return Err(StoreError::io(path.display(), err));
        }
        // Say who holds it, for the message the next run shows. Best effort:
        // the lock itself is the flock, not these bytes.
        let note = format!(
            "roomctl (pid {}) since {}",
            std::process::id(),
            crate::room::format_timestamp(crate::filter::wall_clock_ms())
        );
        let _ = file
            .set_len(0)
            .and_then(|()| file.write_all(note.as_bytes()));
        Ok(FileLock { _file: file })
    }
}

enum ReadError {
    NotAFile(&'static str),
    TooLarge(u64),
    Io(io::Error),
}

/// Reads a room file without following symlinks; `None` when it is absent.
/// Runs `work` on threads for file operations that mostly wait on the
/// file system (renames and unlinks in a large directory wait for its lock
/// and for the journal): eight of them, whatever the cores. On the global
/// pool when `RAYON_NUM_THREADS` sizes the pools (the fault tests run one
/// worker, so that calls come in a fixed order), or when the pool cannot
/// be made.
fn on_io_threads<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        if std::env::var_os("RAYON_NUM_THREADS").is_some() {
            return None;
        }
        rayon::ThreadPoolBuilder::new().num_threads(8).build().ok()
    });
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

fn read_room_file(path: &Path, max: u64) -> Result<Option<Vec<u8>>, ReadError> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        // No file can have a name that long: nothing is stored there.
        Err(e)
            if e.kind() == io::ErrorKind::NotFound
                || e.raw_os_error() == Some(libc::ENAMETOOLONG) =>
        {
            return Ok(None);
        }
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(ReadError::NotAFile("a symlink"));
        }
        Err(e) => return Err(ReadError::Io(e)),
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::NotAFile("a directory"));
    }
    if !meta.is_file() {
        return Err(ReadError::NotAFile("not a regular file"));
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge(meta.len()));
    }
    // One read for the size the file has: reading to the end would cost a
    // second call that finds nothing. A file that is shorter, or grows,
    // is read to its end.
    let size = meta.len() as usize;
    let mut bytes = vec![0u8; size + 1];
    let mut filled = 0;
    loop {
        match (&file).read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        }
        if filled == size {
            break;
        }
        if filled == bytes.len() {
            // Longer than it was: the rest, up to the limit.
            bytes.truncate(filled);
            (&file)
                .take((max + 1).saturating_sub(filled as u64))
                .read_to_end(&mut bytes)
                .map_err(ReadError::Io)?;
            filled = bytes.len();
            break;
        }
    }
    bytes.truncate(filled);
    if filled as u64 > max {
        return Err(ReadError::TooLarge(filled as u64));
    }
    Ok(Some(bytes))
}

/// The mode of a new room file in `dir`: that of most of its room files
/// (a sample of them), else 0600 when the directory is not world-readable,
/// else 0644 less the umask. Files their owner cannot read and write are
/// not counted: no one keeps rooms so.
fn new_file_mode(dir: &Path) -> NewFileMode {
    let mut counts: std::collections::BTreeMap<u32, usize> = Default::default();
    if let Ok(entries) = fs::read_dir(dir) {
        let modes = entries
            .filter_map(Result::ok)
            .filter(|e| is_room_file_name(&e.file_name().to_string_lossy()))
            .filter_map(|e| fs::symlink_metadata(e.path()).ok())
            .filter(|meta| meta.is_file())
            .map(|meta| meta.mode() & 0o777)
            .filter(|mode| mode & 0o600 == 0o600)
            .take(MODE_SAMPLE);
        for mode in modes {
            *counts.entry(mode).or_default() += 1;
        }
    }
    // The most common; between as common ones, the most private.
    let majority = counts.into_iter().max_by_key(|&(mode, n)| {
        (
            n,
            std::cmp::Reverse(mode.count_ones()),
            std::cmp::Reverse(mode),
        )
    });
    match majority {
        Some((mode, _)) => NewFileMode::Exactly(mode),
        None => match fs::metadata(dir) {
            Ok(meta) if meta.mode() & 0o004 == 0 => NewFileMode::Exactly(0o600),
            _ => NewFileMode::Default,
        },
    }
}

/// Gives a new file the owner of the file it replaces, where the system
/// allows it (root may; others at most change the group to one of theirs).
/// Best effort: a file that stays roomctl's user's is still whole.
fn give_owner(file: &File, uid: u32, gid: u32) {
    let Ok(meta) = file.metadata() else {
        return;
    };
    if (meta.uid(), meta.gid()) == (uid, gid) {
        return;
    }
    if std::os::unix::fs::fchown(file, Some(uid), Some(gid)).is_err() {
        let _ = std::os::unix::fs::fchown(file, None, Some(gid));
    }
}

/// `link(src, dst)`: an atomic create that never replaces. `Ok(false)` when
/// `dst` exists.
fn link_noreplace(src: &Path, dst: &Path) -> Result<bool, StoreError> {
    match fs::hard_link(src, dst) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(StoreError::io(dst.display(), e)),
    }
}

fn remove_quietly(path: &Path) {
    let _ = fs::remove_file(path);
}

/// What to do with a new version of a room that a killed roomctl wrote to a
/// temporary file and never put in place.
const UNFINISHED_HINT: &str = "run the command that was interrupted again; once the room holds \
     this version, check --fix removes this copy (or remove it by hand if that version is not wanted)";

/// Two temporary files that would both restore the same room file: which
/// one is right is the operator's call, so neither is fixed — except in the
/// case of a compare-and-swap of a roomctl killed after moving the room
/// aside and before putting its new version in place. The copy moved aside
/// is what the room held (what the server and every reader last saw), so it
/// is restored; the new version was never committed and stays where it is,
/// for the interrupted command to write again.
fn refuse_rival_restores(findings: &mut [Finding]) {
    let mut claims: std::collections::HashMap<String, Vec<String>> = Default::default();
    for f in findings.iter() {
        if let Some(Fix::Restore { entry, target, .. }) = &f.fix {
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
    for f in findings.iter_mut() {
        let Some(Fix::Restore { entry, target, .. }) = &f.fix else {
            continue;
        };
        let Some(rivals) = claims.get(target).filter(|r| r.len() > 1) else {
            continue;
        };
        if interrupted_swap(rivals) {
            if role(entry) == Some("new") {
                f.severity = Severity::Warning;
                f.kind = FindingKind::StaleTemp;
                f.message = format!(
                    "{}: a new version that was never put in place; {target} is restored from the copy moved aside",
                    f.message
                );
                f.hint = UNFINISHED_HINT.into();
                f.fix = None;
            }
            continue;
        }
        let mut rivals = rivals.clone();
        rivals.sort();
        f.message = format!(
            "{}; {} temporary files could restore it: {}",
            f.message,
            rivals.len(),
            rivals.join(", ")
        );
        f.hint = format!("choose the right one and rename it to {target} by hand");
        f.fix = None;
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

/// The name of a temporary file the server or roomctl writes: the server's
/// `<safe>.json.tmp`, or roomctl's `<safe>.json.roomctl-<role>-<pid>-<n>.tmp`.
/// A file `check --fix` claimed (renamed before repairing it) carries one
/// more `.roomctl-fix-<pid>-<n>.tmp`, and a repair killed half-way leaves it
/// so: such a name is judged as the file it was, in the name of the process
/// that claimed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TempName<'a> {
    /// The room file it belongs to, `<safe>.json`.
    base: &'a str,
    /// roomctl's role (`new`, `aside`, `fix`) when it wrote the file;
    /// `None` for the server's.
    role: Option<&'a str>,
    /// The roomctl process that last wrote or claimed it; `None` for the
    /// server's.
    pid: Option<u32>,
}

impl<'a> TempName<'a> {
    fn parse(name: &'a str) -> Option<TempName<'a>> {
        let stem = name.strip_suffix(".tmp")?;
        let Some((first, _)) = stem.split_once(".roomctl-") else {
            return stem.ends_with(".json").then_some(TempName {
                base: stem,
                role: None,
                pid: None,
            });
        };
        // A claimed server temporary file: `<safe>.json.tmp.roomctl-fix-…`.
        let (base, server) = match first.strip_suffix(".tmp") {
            Some(base) => (base, true),
            None => (first, false),
        };
        if !base.ends_with(".json") {
            return None;
        }
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let mut role = None;
        let mut pid = None;
        for (i, segment) in stem[first.len()..].split(".roomctl-").skip(1).enumerate() {
            // Inner names end in `.tmp` too.
            let segment = segment.strip_suffix(".tmp").unwrap_or(segment);
            let mut parts = segment.splitn(3, '-');
            let r = parts.next().filter(|r| !r.is_empty())?;
            let p = parts.next().filter(|p| numeric(p))?;
            if !parts.next().is_some_and(numeric) {
                return None;
            }
            if i == 0 && !server {
                role = Some(r);
            }
            pid = p.parse().ok();
        }
        Some(TempName { base, role, pid })
    }

    /// The room file's name, when this name holds it whole (not shortened,
    /// see [`temp_name`]).
    fn whole_base(&self) -> Option<&'a str> {
        (!is_shortened(self.base)).then_some(self.base)
    }

    /// Whether this name was made for the room file `file_name`.
    fn made_for(&self, file_name: &str) -> bool {
        if !is_shortened(self.base) {
            return self.base == file_name;
        }
        let (Some(stem), Some(short)) = (
            file_name.strip_suffix(".json"),
            self.base.strip_suffix(".json"),
        ) else {
            return false;
        };
        crate::atomic::shortened(stem, short.len()) == short
    }

    /// The pid of the roomctl that wrote it, when that process no longer
    /// runs on this machine: nothing will ever finish or remove this file,
    /// however recent it is. (Where several machines share the directory,
    /// a pid is only meaningful on the one that wrote the file; see the
    /// README.)
    fn writer_gone(&self) -> Option<u32> {
        self.pid.filter(|&pid| crate::atomic::process_gone(pid))
    }
}

/// roomctl's temporary name for `entry` (a room file, or a temporary file
/// being claimed): `<entry>.roomctl-<role>-<pid>-<n>.tmp`. The server's own
/// temporary name, `<safe>.json.tmp`, is four bytes longer than the room
/// file's; roomctl's must fit wherever the server's does. When it would be
/// longer than a file name may be, it keeps only what [`TempName`] reads
/// (the room file, roomctl's first role, the last pid), and if that is still
/// too long the room file's name in it is shortened to its beginning, `~`
/// and 16 hex digits of the SHA-256 of the whole name (`<head>~<digest>.json`,
/// short enough that the names derived from it never need shortening
/// again): still one name per room file, still ending in `.tmp` and never
/// the server's, and [`TempName::made_for`] tells the room file by the
/// digest.
pub fn temp_name(entry: &str, role: &str, pid: u32, n: u64) -> String {
    let suffix = format!(".roomctl-{role}-{pid}-{n}.tmp");
    if entry.len() + suffix.len() <= NAME_MAX {
        return format!("{entry}{suffix}");
    }
    let (base, rest) = split_base(entry);
    // The parts between the first and the last claim say nothing.
    let rest = match rest.match_indices(".roomctl-").nth(1) {
        Some((i, _)) => &rest[..i],
        None => rest,
    };
    if base.len() + rest.len() + suffix.len() <= NAME_MAX {
        return format!("{base}{rest}{suffix}");
    }
    let stem = base.strip_suffix(".json").unwrap_or(base);
    let ext = &base[stem.len()..];
    let short = crate::atomic::shortened(stem, SHORT_BASE - ext.len());
    format!("{short}{ext}{rest}{suffix}")
}

/// The longest a shortened room file name in a temporary name is: what a
/// name may have, less the longest tail roomctl puts after it (the server's
/// `.tmp`, and two `.roomctl-<role>-<pid>-<n>.tmp`, up to 50 bytes each).
const SHORT_BASE: usize = NAME_MAX - 4 - 2 * 50;

/// An entry's room file name (`<safe>.json`) and what follows it: the
/// server's `.tmp`, roomctl's `.roomctl-…` parts. The way [`TempName`] reads
/// a name.
fn split_base(entry: &str) -> (&str, &str) {
    let first = entry.find(".roomctl-").map_or(entry, |i| &entry[..i]);
    let base = match first.strip_suffix(".tmp") {
        Some(base) if base.ends_with(".json") => base,
        _ => first,
    };
    (base, &entry[base.len()..])
}

/// Whether a room file name in a temporary name is a shortened one
/// (`<head>~<16 hex digits>.json`, see [`temp_name`]). A safe name never
/// holds `~`.
fn is_shortened(base: &str) -> bool {
    base.strip_suffix(".json")
        .and_then(|stem| stem.rsplit_once('~'))
        .is_some_and(|(_, digest)| {
            digest.len() == 16
                && digest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// Whether a directory entry is one the server would read as a room.
fn is_room_file_name(name: &str) -> bool {
    name.ends_with(".json")
}

impl Store for FileStore {
    fn describe(&self) -> String {
        format!("file:{}", self.dir.display())
    }

    fn kind(&self) -> StoreKind {
        StoreKind::File
    }

    fn identity(&self) -> Result<StoreIdentity, StoreError> {
        use std::os::unix::fs::MetadataExt as _;
        // Followed through symlinks: a link to the directory is the
        // directory. A bind mount shows the same device and inode.
        match fs::metadata(&self.dir) {
            Ok(meta) => Ok(StoreIdentity::Directory(Some((meta.dev(), meta.ino())))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(StoreIdentity::Directory(None)),
            Err(e) => Err(StoreError::io(self.dir.display(), e)),
        }
    }

    fn scan(&self, options: ScanOptions) -> Result<Scan<'_>, StoreError> {
        let read_dir = fs::read_dir(&self.dir).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                StoreError::Config(format!(
                    "{}: no such directory (name the store with --store, or check STORAGE_PATH)",
                    self.dir.display()
                ))
            } else {
                StoreError::io(self.dir.display(), e)
            }
        })?;
        let mut read_dir = read_dir;
        let mut failed = false;
        Ok(Box::new(std::iter::from_fn(move || {
            if failed {
                return None;
            }
            let mut names = Vec::with_capacity(SCAN_BATCH);
            for item in read_dir.by_ref() {
                match item {
                    Ok(entry) => {
                        let name = entry.file_name();
                        match name.to_str() {
                            Some(n) if is_room_file_name(n) => names.push(n.to_string()),
                            Some(_) => {}
                            None => {
                                let lossy = name.to_string_lossy();
                                if lossy.ends_with(".json") {
                                    names.push(lossy.into_owned());
                                }
                            }
                        }
                    }
                    Err(e) => {
                        failed = true;
                        return Some(Err(StoreError::io(self.dir.display(), e)));
                    }
                }
                if names.len() == SCAN_BATCH {
                    break;
                }
            }
            if names.is_empty() {
                return None;
            }
            let entries = names
                .par_iter()
                .map(
                    |n| match self.read_slot_as(&self.dir.join(n), n, &options) {
                        Slot::Room(r) => Some(Entry::Room(r)),
                        Slot::Problem(p) => Some(Entry::Problem(p)),
                        // Removed since the directory was read.
                        Slot::Empty => None,
                    },
                )
                .flatten()
                .collect();
            Some(Ok(entries))
        })))
    }

    fn size_hint(&self) -> Option<u64> {
        // Counting directory entries reads no file: cheap even for 100,000.
        let entries = fs::read_dir(&self.dir).ok()?;
        Some(
            entries
                .filter_map(Result::ok)
                .filter(|e| is_room_file_name(&e.file_name().to_string_lossy()))
                .count() as u64,
        )
    }

    fn get_batch(&self, names: &[&str]) -> Result<Vec<Lookup>, StoreError> {
        Ok(names.par_iter().map(|n| self.lookup(n)).collect())
    }

    fn read_raw_batch(&self, names: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        // The bytes of whatever regular file holds each name's place; what
        // they are is for the caller to judge (see the trait).
        Ok(names
            .par_iter()
            .map(|n| {
                read_room_file(&self.dir.join(safe_file_name(n)), self.max_room)
                    .ok()
                    .flatten()
            })
            .collect())
    }

    fn put_batch(&self, puts: &[Put<'_>]) -> Result<Vec<PutOutcome>, StoreError> {
        // A room whose file cannot be written is that room's outcome: the
        // others of the batch are written and reported all the same.
        let outcomes: Vec<PutOutcome> = puts
            .par_iter()
            .map(|p| {
                self.put_one(p)
                    .unwrap_or_else(|e| PutOutcome::Failed(RoomFailure::of(&e)))
            })
            .collect();
        if outcomes.contains(&PutOutcome::Written) {
            self.sync_dir()?;
        }
        Ok(outcomes)
    }

    fn delete_batch(&self, deletes: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError> {
        let outcomes: Vec<DeleteOutcome> = on_io_threads(|| {
            deletes
                .par_iter()
                .map(|d| {
                    self.delete_one(d)
                        .unwrap_or_else(|e| DeleteOutcome::Failed(RoomFailure::of(&e)))
                })
                .collect()
        });
        if outcomes.contains(&DeleteOutcome::Deleted) {
            self.sync_dir()?;
        }
        Ok(outcomes)
    }

    fn housekeeping(
        &self,
        scanned: &[EntryProblem],
        options: &HousekeepingOptions,
    ) -> Result<Vec<Finding>, StoreError> {
        let read_dir =
            fs::read_dir(&self.dir).map_err(|e| StoreError::io(self.dir.display(), e))?;
        let mut temps = Vec::new();
        let mut findings = Vec::new();
        for item in read_dir {
            let entry = item.map_err(|e| StoreError::io(self.dir.display(), e))?;
            let name = entry.file_name();
            match name.to_str() {
                Some(n) if n.ends_with(".tmp") => temps.push(n.to_string()),
                Some(_) => {}
                None => {
                    let lossy = name.to_string_lossy();
                    if lossy.ends_with(".json") || lossy.ends_with(".tmp") {
                        findings.push(Finding {
                            severity: Severity::Warning,
                            location: self.dir.join(&name).display().to_string(),
                            kind: FindingKind::BadFileName,
                            message: "a file name that is not UTF-8: neither the server nor roomctl can use it".into(),
                            hint: "inspect it and rename it by hand (a room file is named after its roomName)".into(),
                            fix: None,
                        });
                    }
                }
            }
        }
        let mut temp_findings: Vec<Finding> = temps
            .par_iter()
            .filter_map(|n| self.judge_temp(n, options))
            .collect();
        refuse_rival_restores(&mut temp_findings);
        findings.extend(temp_findings);
        findings.extend(self.judge_misnamed(scanned));
        Ok(findings)
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

    fn lock(&self, name: &str) -> Result<Box<dyn LockGuard + '_>, StoreError> {
        Ok(Box::new(self.take_lock(name)?))
    }
}

#[cfg(test)]
mod tests {
    use super::{NAME_MAX, TempName, safe_file_name, temp_name};

    #[test]
    fn temporary_names_fit_wherever_the_servers_fits() {
        assert_eq!(
            temp_name("a.json", "new", 1, 2),
            "a.json.roomctl-new-1-2.tmp"
        );
        // The longest room file the server can write: its `.tmp` is 255 bytes.
        let file = format!("{}.json", "a".repeat(NAME_MAX - 9));
        let longest = (u32::MAX, u64::MAX);
        let aside = temp_name(&file, "aside", longest.0, longest.1);
        assert!(aside.len() <= NAME_MAX, "{}", aside.len());
        assert!(aside.ends_with(".tmp") && aside != format!("{file}.tmp"));
        let t = TempName::parse(&aside).expect("roomctl's");
        assert_eq!((t.role, t.pid), (Some("aside"), Some(u32::MAX)));
        assert_eq!(t.whole_base(), None);
        assert!(t.made_for(&file));
        assert!(!t.made_for(&format!("{}b.json", "a".repeat(NAME_MAX - 10))));
        // Claimed by check --fix, twice: the name is not shortened again.
        let claimed = temp_name(&aside, "fix", longest.0, longest.1);
        let twice = temp_name(&claimed, "fix", 8, longest.1);
        for name in [&claimed, &twice] {
            assert!(name.len() <= NAME_MAX, "{}", name.len());
            let t = TempName::parse(name).expect("roomctl's");
            assert_eq!(t.role, Some("aside"));
            assert!(t.made_for(&file), "{name}");
        }
        assert_eq!(TempName::parse(&twice).and_then(|t| t.pid), Some(8));
        // The server's temporary file, claimed.
        let server = temp_name(&format!("{file}.tmp"), "fix", 8, 1);
        assert!(server.len() <= NAME_MAX);
        let t = TempName::parse(&server).expect("roomctl's");
        assert_eq!((t.role, t.pid), (None, Some(8)));
        assert!(t.made_for(&file));
        // A name that fits once the middle claims are dropped keeps its
        // room file whole.
        let mid = format!("{}.json", "m".repeat(190));
        let nested = temp_name(
            &temp_name(&temp_name(&mid, "aside", 1, 1), "fix", 2, 2),
            "fix",
            3,
            3,
        );
        assert!(nested.len() <= NAME_MAX, "{}", nested.len());
        assert_eq!(nested.matches(".roomctl-").count(), 2, "{nested}");
        let t = TempName::parse(&nested).expect("roomctl's");
        assert_eq!(
            (t.whole_base(), t.role, t.pid),
            (Some(mid.as_str()), Some("aside"), Some(3))
        );
    }

    #[test]
    fn temporary_names_of_the_server_and_of_roomctl() {
        assert_eq!(
            TempName::parse("movie_night.json.tmp"),
            Some(TempName {
                base: "movie_night.json",
                role: None,
                pid: None,
            })
        );
        assert_eq!(
            TempName::parse("a.json.roomctl-aside-4242-7.tmp"),
            Some(TempName {
                base: "a.json",
                role: Some("aside"),
                pid: Some(4242),
            })
        );
        // Claimed by a check --fix (pid 8) that was killed.
        assert_eq!(
            TempName::parse("a.json.roomctl-aside-4242-7.tmp.roomctl-fix-8-0.tmp"),
            Some(TempName {
                base: "a.json",
                role: Some("aside"),
                pid: Some(8),
            })
        );
        assert_eq!(
            TempName::parse("a.json.tmp.roomctl-fix-8-1.tmp"),
            Some(TempName {
                base: "a.json",
                role: None,
                pid: Some(8),
            })
        );
        assert_eq!(
            TempName::parse("copy.json.roomctl-fix-8-2.tmp"),
            Some(TempName {
                base: "copy.json",
                role: Some("fix"),
                pid: Some(8),
            })
        );
        assert_eq!(TempName::parse("notes.tmp"), None);
        assert_eq!(TempName::parse("notes.txt.roomctl-fix-8-2.tmp"), None);
        assert_eq!(TempName::parse("a.json.roomctl-aside-x-7.tmp"), None);
        assert_eq!(TempName::parse("a.json"), None);
    }

    #[test]
    fn safe_names_follow_the_server_per_utf16_unit() {
        assert_eq!(safe_file_name("movie night"), "movie_night.json");
        assert_eq!(safe_file_name("../../etc/passwd"), "______etc_passwd.json");
        assert_eq!(safe_file_name("é"), "_.json");
        assert_eq!(safe_file_name("🎬"), "__.json");
        assert_eq!(safe_file_name("a-b_C9"), "a-b_C9.json");
    }
}
