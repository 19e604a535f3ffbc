//! The file backend (SPEC §2): one pretty-printed JSON file per room,
//! `<safe>.json`, directly inside one directory.
//!
//! Writes are atomic the way the server's are (a temporary file, fsync,
//! rename) but under roomctl's own temporary names, `<safe>.json.roomctl-…
//! .tmp`, never the server's `<safe>.json.tmp`. Conditional writes and
//! deletes first *move the current file aside* (an atomic rename), compare
//! what was moved, and put things back with a no-replace link: a file the
//! server writes at any moment in between is never overwritten or deleted.
//! Symlinks are never followed.
//!
//! Advisory locks are `flock`s on `.roomctl-<name>.lock` in the directory: a
//! name the server never reads (not `*.json`), released by the kernel when
//! the holder exits, however it exits. The file is left in place: removing
//! it would let two runs lock two different files of the same name.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::{
    Condition, Delete, DeleteOutcome, Entry, EntryProblem, LockGuard, Lookup, ProblemKind, Put,
    PutOutcome, Scan, ScanOptions, Store, StoreError, StoreKind, valid_lock_name,
};

/// Files larger than this are reported, not read: no room comes near it and a
/// runaway file must not exhaust memory.
pub const MAX_ROOM_FILE: u64 = 32 * 1024 * 1024;

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
}

/// What one room file holds.
enum Slot {
    Empty,
    Room(super::StoredRoom),
    Problem(EntryProblem),
}

impl FileStore {
    /// A store on `dir`. The directory need not exist yet: it is created by
    /// the first write, and reading a missing directory is an error.
    pub fn open(dir: &Path) -> Result<FileStore, StoreError> {
        if let Ok(meta) = fs::symlink_metadata(dir)
            && !meta.is_dir()
            && !meta.file_type().is_symlink()
        {
            return Err(StoreError::Config(format!(
                "{}: not a directory",
                dir.display()
            )));
        }
        Ok(FileStore {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn tmp_path(&self, file_name: &str, role: &str) -> PathBuf {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!(
            "{file_name}.roomctl-{role}-{}-{n}.tmp",
            std::process::id()
        ))
    }

    /// Reads and classifies one file; `expected_name` marks a file holding
    /// another room as empty (for lookups) rather than misnamed.
    fn read_slot(&self, path: &Path, file_name: &str) -> Slot {
        let location = path.display().to_string();
        let problem = |kind, reason: String| {
            Slot::Problem(EntryProblem {
                location: location.clone(),
                kind,
                reason,
                room_name: None,
            })
        };
        let bytes = match read_room_file(path) {
            Ok(Some(b)) => b,
            Ok(None) => return Slot::Empty,
            Err(ReadError::NotAFile(what)) => {
                return problem(ProblemKind::NotAFile, format!("{what}, not followed"));
            }
            Err(ReadError::TooLarge(len)) => {
                return problem(
                    ProblemKind::Invalid,
                    format!("{len} bytes, over the {MAX_ROOM_FILE}-byte limit for a room"),
                );
            }
            Err(ReadError::Io(e)) => return problem(ProblemKind::Unreadable, e.to_string()),
        };
        match Entry::classify(location, bytes, None) {
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
        let tmp = self.write_tmp(&file_name, &put.doc.to_pretty())?;
        let outcome = match put.condition {
            Condition::Overwrite => {
                fs::rename(&tmp, &path).map_err(|e| StoreError::io(path.display(), e))?;
                PutOutcome::Written
            }
            Condition::Absent => {
                if link_noreplace(&tmp, &path)? {
                    PutOutcome::Written
                } else {
                    PutOutcome::Exists
                }
            }
            Condition::Unchanged(want) => {
                let swapped = self.swap_if_unchanged(&path, &file_name, want, Some(&tmp))?;
                if swapped {
                    PutOutcome::Written
                } else {
                    PutOutcome::Changed
                }
            }
        };
        remove_quietly(&tmp);
        Ok(outcome)
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
            Err(e) => return Err(StoreError::io(path.display(), e)),
        }
        let held = fs::read(&aside).map_err(|e| StoreError::io(aside.display(), e));
        let unchanged = matches!(&held, Ok(bytes) if bytes == want);
        let result = if unchanged {
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
            // Keep the moved-aside copy if restoring it failed: it is data.
            Err(_) if !unchanged => {}
            _ => remove_quietly(&aside),
        }
        held?;
        result
    }

    fn write_tmp(&self, file_name: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        if let Err(e) = fs::create_dir_all(&self.dir) {
            return Err(StoreError::io(self.dir.display(), e));
        }
        let tmp = self.tmp_path(file_name, "new");
        let result = (|| -> io::Result<()> {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o644)
                .open(&tmp)?;
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
fn read_room_file(path: &Path) -> Result<Option<Vec<u8>>, ReadError> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
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
    if meta.len() > MAX_ROOM_FILE {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    (&file)
        .take(MAX_ROOM_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
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

    fn scan(&self, _options: ScanOptions) -> Result<Scan<'_>, StoreError> {
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
                .map(|n| match self.read_slot(&self.dir.join(n), n) {
                    Slot::Room(r) => Some(Entry::Room(r)),
                    Slot::Problem(p) => Some(Entry::Problem(p)),
                    // Removed since the directory was read.
                    Slot::Empty => None,
                })
                .flatten()
                .collect();
            Some(Ok(entries))
        })))
    }

    fn get_batch(&self, names: &[&str]) -> Result<Vec<Lookup>, StoreError> {
        Ok(names.par_iter().map(|n| self.lookup(n)).collect())
    }

    fn put_batch(&self, puts: &[Put<'_>]) -> Result<Vec<PutOutcome>, StoreError> {
        let outcomes: Vec<PutOutcome> = puts
            .par_iter()
            .map(|p| self.put_one(p))
            .collect::<Result<_, _>>()?;
        if outcomes.contains(&PutOutcome::Written) {
            self.sync_dir()?;
        }
        Ok(outcomes)
    }

    fn delete_batch(&self, deletes: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError> {
        let outcomes: Vec<DeleteOutcome> = deletes
            .par_iter()
            .map(|d| self.delete_one(d))
            .collect::<Result<_, _>>()?;
        if outcomes.contains(&DeleteOutcome::Deleted) {
            self.sync_dir()?;
        }
        Ok(outcomes)
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
