//! The file backend (docs/compatibility.md): one pretty-printed JSON file per room,
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
//! Its maintenance (`maintenance.rs`) judges what a scan does not see:
//! temporary files (the server's `<safe>.json.tmp`, roomctl's own, named
//! as `temp_name.rs` reads them), and whether a misnamed file can take its
//! proper name; and repairs what is safe to repair.
//! Advisory locks are `flock`s on `.roomctl-<name>.lock` in the directory: a
//! name the server never reads (not `*.json`), released by the kernel when
//! the holder exits, however it exits. The file is left in place: removing
//! it would let two runs lock two different files of the same name.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;

use super::maintenance::Maintenance;
use super::{
    Condition, CreateMissing, Delete, DeleteOutcome, Entry, EntryProblem, EntryShape, LockGuard,
    Lookup, ProblemKind, Put, PutOutcome, RoomFailure, Scan, ScanOptions, Store, StoreError,
    StoreIdentity, StoreKind,
};
pub use temp_name::temp_name;

mod listing;
mod lock;
mod maintenance;
mod mode;
mod temp_name;

use mode::{FilePerms, NewFileMode, give_owner, new_file_mode};

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
    /// The room files the directory held when last listed, for bulk
    /// lookups ([`FileStore::maybe_present`]).
    listing: Mutex<listing::Listing>,
}

/// A room whose new version is in its temporary file, waiting to be made
/// durable and put in place ([`FileStore::stage`], [`FileStore::place`]).
struct Staged<'p> {
    put: &'p Put<'p>,
    file_name: String,
    path: PathBuf,
    tmp: PathBuf,
    placement: Placement,
}

/// How a staged room goes in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// Only where nothing is (a no-replace rename).
    Create,
    /// Over the room of this name that was read (a rename).
    Replace,
    /// Compare-and-swap with the bytes of the put's condition.
    Swap,
}

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
            listing: Mutex::default(),
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
        self.dir
            .join(temp_name(entry, role, crate::atomic::pid(), n))
    }

    /// Reads and classifies one file; `expected_name` marks a file holding
    /// another room as empty (for lookups) rather than misnamed.
    fn read_slot(&self, path: &Path, file_name: &str) -> Slot {
        self.read_slot_as(path, file_name, &ScanOptions::default())
    }

    /// [`FileStore::read_slot`] for a scan with these options.
    fn read_slot_as(&self, path: &Path, file_name: &str, options: &ScanOptions) -> Slot {
        let location = path.display().to_string();
        let problem = |kind, reason: String, shape| {
            Slot::Problem(EntryProblem {
                location: location.clone(),
                kind,
                reason,
                room_name: None,
                shape,
            })
        };
        let bytes = match read_room_file(path, self.max_room) {
            Ok(Some(b)) => b,
            Ok(None) => return Slot::Empty,
            Err(ReadError::NotAFile(shape)) => {
                return problem(
                    ProblemKind::NotAFile,
                    format!("{}, not followed", shape_text(&shape)),
                    Some(shape),
                );
            }
            Err(ReadError::TooLarge(len)) => {
                return problem(
                    ProblemKind::Invalid,
                    crate::limit::over_limit(len, self.max_room, false),
                    None,
                );
            }
            Err(ReadError::Io(e)) => {
                return problem(ProblemKind::Unreadable, e.to_string(), None);
            }
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
                        shape: None,
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

    /// First step of a put: judges what holds the room's place (only when
    /// the condition needs it: a create is judged by the create itself) and
    /// writes the new version to a temporary file, not yet durable. `Err`
    /// is the put's outcome when nothing is to be placed.
    fn stage<'p>(&self, put: &'p Put<'p>) -> Result<Staged<'p>, PutOutcome> {
        let name = put.doc.name();
        let file_name = safe_file_name(name);
        let path = self.dir.join(&file_name);
        if file_name.len() > NAME_MAX {
            return Err(PutOutcome::Failed(RoomFailure {
                message: format!(
                    "its file name would be {} bytes, over the {NAME_MAX} a file name may have (the server cannot keep it in a directory either); keep it in Redis or rename the room",
                    file_name.len()
                ),
                store_wide: false,
            }));
        }
        // Never write over a file that holds something other than this room.
        // A create reads nothing: the no-replace rename that puts it in
        // place says whether the place is taken (and then it is judged).
        let current = match put.condition {
            Condition::Absent => Slot::Empty,
            Condition::Overwrite | Condition::Unchanged(_) | Condition::ReplaceInvalid(_) => {
                self.read_slot(&path, &file_name)
            }
        };
        match (&current, put.condition) {
            (Slot::Room(r), _) if r.name() != name => {
                return Err(PutOutcome::Blocked(format!(
                    "{} holds another room, {:?}",
                    path.display(),
                    r.name()
                )));
            }
            // An invalid document (not a directory, a symlink, an
            // unreadable file) may be replaced when asked for by its bytes;
            // the swap below checks them.
            (Slot::Problem(p), Condition::ReplaceInvalid(_)) if p.kind == ProblemKind::Invalid => {}
            (Slot::Problem(p), _) => {
                return Err(PutOutcome::Blocked(format!(
                    "{} is {}: {}",
                    p.location,
                    p.kind.label(),
                    p.reason
                )));
            }
            (Slot::Empty, Condition::Unchanged(_) | Condition::ReplaceInvalid(_))
            | (Slot::Room(_), Condition::ReplaceInvalid(_)) => return Err(PutOutcome::Changed),
            (Slot::Room(r), Condition::Unchanged(want)) if r.bytes != want => {
                return Err(PutOutcome::Changed);
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
        let placement = match (put.condition, &current) {
            (Condition::Unchanged(_) | Condition::ReplaceInvalid(_), _) => Placement::Swap,
            (Condition::Overwrite, Slot::Room(_)) => Placement::Replace,
            // Gone since it was read: created, like any new room, without
            // replacing what may have appeared meanwhile.
            _ => Placement::Create,
        };
        let bytes = put.doc.to_pretty();
        if bytes.len() as u64 > self.max_room {
            return Err(PutOutcome::Failed(RoomFailure {
                message: format!(
                    "its file would be {}",
                    crate::limit::over_limit(bytes.len() as u64, self.max_room, false)
                ),
                store_wide: false,
            }));
        }
        let tmp = self
            .write_tmp(&file_name, &bytes, perms)
            .map_err(|e| PutOutcome::Failed(RoomFailure::of(&e)))?;
        Ok(Staged {
            put,
            file_name,
            path,
            tmp,
            placement,
        })
    }

    /// Last step of a put, once its temporary file is durable: puts it in
    /// place as its condition allows, and removes the temporary name
    /// unless the room lives on only there.
    fn place(&self, staged: &Staged<'_>) -> Result<PutOutcome, StoreError> {
        let Staged {
            put,
            file_name,
            path,
            tmp,
            ..
        } = staged;
        let renamed = |e| StoreError::io(path.display(), e);
        match (staged.placement, put.condition) {
            (Placement::Replace, _) => {
                fs::rename(tmp, path)
                    .map(|()| PutOutcome::Written)
                    .map_err(|e| {
                        remove_quietly(tmp);
                        renamed(e)
                    })
            }
            (Placement::Create, condition) => {
                match crate::atomic::rename_noreplace(tmp, path) {
                    Ok(true) => return Ok(PutOutcome::Written),
                    Ok(false) => {}
                    Err(e) => {
                        remove_quietly(tmp);
                        return Err(renamed(e));
                    }
                }
                // The place is taken: say by what. An overwrite replaces a
                // room of this name that appeared meanwhile, nothing else.
                let outcome = match self.read_slot(path, file_name) {
                    Slot::Room(r) if r.name() == put.doc.name() => {
                        if condition == Condition::Overwrite {
                            return fs::rename(tmp, path).map(|()| PutOutcome::Written).map_err(
                                |e| {
                                    remove_quietly(tmp);
                                    renamed(e)
                                },
                            );
                        }
                        PutOutcome::Exists
                    }
                    Slot::Room(r) => PutOutcome::Blocked(format!(
                        "{} holds another room, {:?}",
                        path.display(),
                        r.name()
                    )),
                    Slot::Problem(p) => PutOutcome::Blocked(format!(
                        "{} is {}: {}",
                        p.location,
                        p.kind.label(),
                        p.reason
                    )),
                    // Taken, then gone again: someone else is writing it.
                    Slot::Empty => PutOutcome::Exists,
                };
                remove_quietly(tmp);
                Ok(outcome)
            }
            (Placement::Swap, Condition::Unchanged(want) | Condition::ReplaceInvalid(want)) => {
                let swapped = self.swap_if_unchanged(path, file_name, want, Some(tmp));
                // Linked into place, or not written with the room as it
                // was: the temporary name goes. A swap that failed half-way
                // may have left the room only in it (`check --fix` restores
                // it): it stays.
                if swapped.is_ok() {
                    remove_quietly(tmp);
                }
                swapped.map(|swapped| match swapped {
                    true => PutOutcome::Written,
                    false => PutOutcome::Changed,
                })
            }
            (Placement::Swap, _) => {
                remove_quietly(tmp);
                Ok(PutOutcome::Changed)
            }
        }
    }

    /// Makes the temporary files of a batch durable together, puts each in
    /// place, and makes the directory durable: the steps of `put_batch`
    /// after staging, in that order.
    fn place_durably(&self, ready: &[Staged<'_>]) -> Result<Vec<PutOutcome>, StoreError> {
        let dir = File::open(&self.dir).map_err(|e| StoreError::io(self.dir.display(), e))?;
        if let Err(e) = crate::atomic::syncfs(&dir) {
            // Not durable: none of them is put in place.
            let failure = RoomFailure::of(&StoreError::io(self.dir.display(), e));
            for s in ready {
                remove_quietly(&s.tmp);
            }
            return Ok(ready
                .iter()
                .map(|_| PutOutcome::Failed(failure.clone()))
                .collect());
        }
        let placed: Vec<PutOutcome> = ready
            .par_iter()
            .map(|s| {
                self.place(s)
                    .unwrap_or_else(|e| PutOutcome::Failed(RoomFailure::of(&e)))
            })
            .collect();
        if placed.contains(&PutOutcome::Written) {
            dir.sync_all()
                .map_err(|e| StoreError::io(self.dir.display(), e))?;
        }
        Ok(placed)
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

    /// Writes `bytes` to a new temporary file for `file_name`, not yet
    /// durable: `put_batch` makes a batch of them durable together.
    fn write_tmp(
        &self,
        file_name: &str,
        bytes: &[u8],
        perms: FilePerms,
    ) -> Result<PathBuf, StoreError> {
        let tmp = self.tmp_path(file_name, "new");
        let result = (|| -> io::Result<File> {
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
            Ok(f)
        })();
        match result {
            // Closed now: a batch of any size holds no descriptor open.
            Ok(_) => Ok(tmp),
            Err(e) => {
                remove_quietly(&tmp);
                Err(StoreError::io(tmp.display(), e))
            }
        }
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

    fn sync_dir(&self) -> Result<(), StoreError> {
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io(self.dir.display(), e))
    }
}

enum ReadError {
    NotAFile(EntryShape),
    TooLarge(u64),
    Io(io::Error),
}

/// A file that is not a regular file, as messages say it.
fn shape_text(shape: &EntryShape) -> &'static str {
    match shape {
        EntryShape::Symlink => "a symlink",
        EntryShape::Directory => "a directory",
        EntryShape::SpecialFile | EntryShape::RedisType(_) => "a special file",
    }
}

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
        // On a worker of the global pool, whichever thread asks.
        None => rayon::scope(|_| work()),
    }
}

/// Reads a room file without following symlinks; `None` when it is absent.
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
            return Err(ReadError::NotAFile(EntryShape::Symlink));
        }
        Err(e) => return Err(ReadError::Io(e)),
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::NotAFile(EntryShape::Directory));
    }
    if !meta.is_file() {
        return Err(ReadError::NotAFile(EntryShape::SpecialFile));
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
        let present = self.maybe_present(names);
        Ok(names
            .par_iter()
            .enumerate()
            .map(|(i, n)| match &present {
                Some(present) if !present[i] => Lookup::Missing,
                _ => self.lookup(n),
            })
            .collect())
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
        // Every new version is written to its temporary file first; then
        // all of them are made durable together (one `syncfs`: one wait for
        // the disk per batch, not one per room), then each is put in place,
        // then the directory is made durable once. No room appears under
        // its name before its bytes are on disk. A room whose file cannot
        // be written is that room's outcome: the others of the batch are
        // written and reported all the same.
        let staged: Vec<Result<Staged<'_>, PutOutcome>> =
            puts.par_iter().map(|p| self.stage(p)).collect();
        let mut outcomes: Vec<Option<PutOutcome>> = Vec::with_capacity(staged.len());
        let mut ready: Vec<Staged<'_>> = Vec::new();
        for s in staged {
            match s {
                Ok(s) => {
                    outcomes.push(None);
                    ready.push(s);
                }
                Err(outcome) => outcomes.push(Some(outcome)),
            }
        }
        if ready.is_empty() {
            return Ok(outcomes.into_iter().flatten().collect());
        }
        let placed = on_io_threads(|| self.place_durably(&ready))?;
        self.note_listed(
            ready
                .iter()
                .zip(&placed)
                .filter(|(_, o)| **o == PutOutcome::Written)
                .map(|(s, _)| s.file_name.as_str()),
            true,
        );
        let mut placed = placed.into_iter();
        Ok(outcomes
            .into_iter()
            .map(|slot| {
                slot.or_else(|| placed.next())
                    .unwrap_or(PutOutcome::Changed)
            })
            .collect())
    }

    fn delete_batch(&self, deletes: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError> {
        let outcomes: Vec<DeleteOutcome> = on_io_threads(|| {
            let outcomes: Vec<DeleteOutcome> = deletes
                .par_iter()
                .map(|d| {
                    self.delete_one(d)
                        .unwrap_or_else(|e| DeleteOutcome::Failed(RoomFailure::of(&e)))
                })
                .collect();
            if outcomes.contains(&DeleteOutcome::Deleted) {
                self.sync_dir()?;
            }
            Ok::<_, StoreError>(outcomes)
        })?;
        let deleted: Vec<String> = deletes
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| **o == DeleteOutcome::Deleted)
            .map(|(d, _)| safe_file_name(d.name))
            .collect();
        self.note_listed(deleted.iter().map(String::as_str), false);
        Ok(outcomes)
    }

    fn maintenance(&self) -> Option<&dyn Maintenance> {
        Some(self)
    }

    fn lock(&self, name: &str) -> Result<Box<dyn LockGuard + '_>, StoreError> {
        Ok(Box::new(self.take_lock(name)?))
    }
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn safe_names_follow_the_server_per_utf16_unit() {
        assert_eq!(safe_file_name("movie night"), "movie_night.json");
        assert_eq!(safe_file_name("../../etc/passwd"), "______etc_passwd.json");
        assert_eq!(safe_file_name("é"), "_.json");
        assert_eq!(safe_file_name("🎬"), "__.json");
        assert_eq!(safe_file_name("a-b_C9"), "a-b_C9.json");
    }
}
