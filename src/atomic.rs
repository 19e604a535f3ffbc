//! Files that appear complete or not at all: written under a temporary name
//! in the same directory, fsynced, renamed into place, directory fsynced.
//! Used for export archives, prune backups and reports.

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
        let tmp = dir.join(format!(".{name}.roomctl-{}.tmp", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| with_path(e, &tmp))?;
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

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
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

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Adds the path to an I/O error, so that every message names its file.
pub fn with_path(err: io::Error, path: &Path) -> io::Error {
    let hint = if err.raw_os_error() == Some(28) {
        " (free some space and run again)"
    } else {
        ""
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
}
