//! Files that appear complete or not at all: written under a temporary name
//! in the same directory, fsynced, renamed into place, directory fsynced.
//! Used for export archives.
//!
//! A process killed half-way leaves its temporary file (`.FILE.roomctl-PID
//! .tmp`, hidden, never under FILE); the next one writing the same FILE
//! removes it once that process no longer runs.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A file being written; it becomes visible under its name on [`commit`].
/// Dropped without a commit, the temporary file is removed.
///
/// [`commit`]: AtomicFile::commit
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target` with the given permission bits (the archive
    /// holds passwords: 0600).
    pub fn create(target: &Path, mode: u32) -> io::Result<AtomicFile> {
        let dir = parent_of(target);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let tmp = dir.join(format!("{}{}.tmp", tmp_prefix(&name), pid()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| with_path(e, &tmp))?;
        remove_abandoned(&dir, &name);
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            file: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// Flushes, fsyncs, renames into place and fsyncs the directory.
    pub fn commit(mut self) -> io::Result<()> {
        let Some(writer) = self.file.take() else {
            return Ok(());
        };
        let file = writer
            .into_inner()
            .map_err(|e| with_path(e.into_error(), &self.tmp))?;
        file.sync_all().map_err(|e| with_path(e, &self.tmp))?;
        drop(file);
        fs::rename(&self.tmp, &self.target).map_err(|e| with_path(e, &self.target))?;
        let dir = parent_of(&self.target);
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| with_path(e, &dir))?;
        Ok(())
    }

    pub fn target(&self) -> &Path {
        &self.target
    }
}

// A failed write names the file, as every other error does: "No space left
// on device" alone does not say which disk to free.
impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf).map_err(|e| with_path(e, &self.target)),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush().map_err(|e| with_path(e, &self.target)),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Removes the temporary files of earlier writes of `dir/name` whose
/// process no longer runs (killed before it could commit or clean up).
fn remove_abandoned(dir: &Path, name: &str) {
    let prefix = tmp_prefix(name);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if process_gone(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The longest file name a Linux file system takes (NAME_MAX, in bytes).
pub const NAME_MAX: usize = 255;

/// The temporary name of a write of `name`, up to its pid and `.tmp`:
/// `.<name>.roomctl-`, with `name` shortened (see [`shortened`]) so that the
/// whole name fits whenever `name` does.
fn tmp_prefix(name: &str) -> String {
    // The longest pid, u32::MAX, has 10 digits.
    let room = NAME_MAX - ".".len() - ".roomctl-".len() - 10 - ".tmp".len();
    format!(".{}.roomctl-", shortened(name, room))
}

/// `name` when it is at most `max` bytes long; otherwise its beginning, `~`
/// and the first 16 hex digits of the SHA-256 of the whole of it, `max`
/// bytes in all (17 at least): a shorter name that still shows what it is
/// for and differs for every `name`. For names derived from a file name
/// (temporary files) that would be too long for the file system.
pub fn shortened(name: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if name.len() <= max {
        return name.into();
    }
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(name.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let mut head = max.saturating_sub(1 + hex.len());
    while !name.is_char_boundary(head) {
        head -= 1;
    }
    format!("{}~{hex}", &name[..head]).into()
}

/// This process's id, asked of the kernel once: temporary names carry it,
/// and a write of 100,000 rooms should not ask 100,000 times.
pub fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// `rename(src, dst)` that never replaces: `Ok(false)` when `dst` exists.
/// One atomic call (`renameat2` with `RENAME_NOREPLACE`) where the file
/// system has it; elsewhere `link` then `unlink` (a kill in between leaves
/// `src` beside `dst`, both whole). Which one works is learnt once.
pub fn rename_noreplace(src: &Path, dst: &Path) -> io::Result<bool> {
    use std::sync::atomic::{AtomicBool, Ordering};
    static UNSUPPORTED: AtomicBool = AtomicBool::new(false);
    if !UNSUPPORTED.load(Ordering::Relaxed) {
        match renameat2_noreplace(src, dst) {
            Ok(()) => return Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {
                UNSUPPORTED.store(true, Ordering::Relaxed);
            }
            Err(e) => return Err(e),
        }
    }
    match fs::hard_link(src, dst) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(e),
    }
    let _ = fs::remove_file(src);
    Ok(true)
}

fn renameat2_noreplace(src: &Path, dst: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let src = std::ffi::CString::new(src.as_os_str().as_bytes())?;
    let dst = std::ffi::CString::new(dst.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that outlive the call. Through
    // syscall(2): every libc on Linux has it, not every one wraps renameat2.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            src.as_ptr(),
            libc::AT_FDCWD,
            dst.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `syncfs(2)` on the file system holding `file`: every file written there
/// so far is on disk when it returns, in one journal commit, however many
/// there are (a write-back error on that file system since the last one
/// is reported).
pub fn syncfs(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: a file descriptor we own, open for the whole call.
    match unsafe { libc::syncfs(file.as_raw_fd()) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

/// Whether no process `pid` runs on this machine (in this PID namespace).
/// A pid that runs — even if reused by another program — is not gone.
pub fn process_gone(pid: u32) -> bool {
    let Some(raw) = libc::pid_t::try_from(pid).ok().filter(|&p| p > 0) else {
        return false;
    };
    // SAFETY: signal 0 only asks whether the process exists.
    let rc = unsafe { libc::kill(raw, 0) };
    rc != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Adds the path to an I/O error, so that every message names its file.
pub fn with_path(err: io::Error, path: &Path) -> io::Error {
    let hint = match err.raw_os_error() {
        Some(libc::ENOSPC) => " (free some space and run again)",
        Some(libc::EFBIG) => " (over the file size limit, ulimit -f)",
        _ => "",
    };
    io::Error::new(err.kind(), format!("{}: {err}{hint}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appears_only_on_commit_with_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.jsonl");
        let mut f = AtomicFile::create(&target, 0o600).unwrap();
        f.write_all(b"hello").unwrap();
        assert!(!target.exists());
        f.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"hello");
        assert_eq!(
            fs::metadata(&target).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let mut g = AtomicFile::create(&dir.path().join("b"), 0o600).unwrap();
        g.write_all(b"x").unwrap();
        drop(g);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "temp removed");
    }

    #[test]
    fn leftovers_of_a_killed_write_go_with_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        // 99999999 is above any pid_max: that writer certainly is gone.
        let dead = dir.path().join(".a.jsonl.roomctl-99999999.tmp");
        let running = dir.path().join(".a.jsonl.roomctl-1.tmp");
        let other = dir.path().join(".b.jsonl.roomctl-99999999.tmp");
        for f in [&dead, &running, &other] {
            fs::write(f, b"half").unwrap();
        }
        let f = AtomicFile::create(&dir.path().join("a.jsonl"), 0o600).unwrap();
        assert!(!dead.exists(), "the dead writer's leftover is removed");
        assert!(running.exists(), "pid 1 runs: its file is left alone");
        assert!(other.exists(), "another file's temporary file is not");
        f.commit().unwrap();
        assert!(process_gone(99_999_999));
        assert!(!process_gone(std::process::id()));
    }

    #[test]
    fn a_file_with_the_longest_name_is_written_too() {
        let dir = tempfile::tempdir().unwrap();
        let name = "b".repeat(NAME_MAX);
        // A dead writer's leftover, under the shortened name.
        let dead = dir
            .path()
            .join(format!("{}99999999.tmp", tmp_prefix(&name)));
        fs::write(&dead, b"half").unwrap();
        let mut f = AtomicFile::create(&dir.path().join(&name), 0o600).unwrap();
        assert!(!dead.exists(), "the dead writer's leftover is removed");
        f.write_all(b"x").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read(dir.path().join(&name)).unwrap(), b"x");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_names_the_file() {
        // /dev/full: every write fails with ENOSPC.
        let mut f = AtomicFile {
            target: PathBuf::from("backup.jsonl"),
            tmp: PathBuf::from("/nonexistent/never-created"),
            file: Some(BufWriter::with_capacity(
                4,
                File::create("/dev/full").unwrap(),
            )),
        };
        let err = f.write_all(b"more than four bytes").unwrap_err();
        assert_eq!(err.raw_os_error(), None, "wrapped");
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        let text = err.to_string();
        assert!(text.starts_with("backup.jsonl: "), "{text}");
        assert!(text.ends_with("(free some space and run again)"), "{text}");
    }
}
