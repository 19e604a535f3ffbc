//! The file store's advisory locks: an `flock` on `.roomctl-NAME.lock`
//! in the room directory, holding a note of who holds it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::PathBuf;

use super::FileStore;
use crate::store::{LockGuard, StoreError, valid_lock_name};

/// A held `flock`; closing the file releases it.
pub(super) struct FileLock {
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

    pub(super) fn take_lock(&self, name: &str) -> Result<FileLock, StoreError> {
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
            crate::room::format_timestamp(crate::clock::wall_clock_ms())
        );
        let _ = file
            .set_len(0)
            .and_then(|()| file.write_all(note.as_bytes()));
        Ok(FileLock { _file: file })
    }
}
