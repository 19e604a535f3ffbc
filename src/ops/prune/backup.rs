//! `--backup FILE`: the rooms a prune is about to delete, as an export
//! archive (`crate::archive`), complete and durable before the first
//! deletion.
//!
//! The archive is written to a temporary file beside `FILE` (a name ending in
//! `.tmp`), fsynced, and then hard-linked to `FILE`, which never replaces an
//! existing file, and the directory is fsynced. So `FILE` only ever exists
//! complete, with its trailer, and a backup is never overwritten; a run that
//! fails or is killed leaves at most the temporary file.
//!
//! The layout follows the file name like an export's: JSON Lines unless it
//! ends in `.json` or `.yaml`/`.yml`, compressed when it ends in `.gz` or
//! `.zst` (e.g. `prune-2026-11-01.jsonl.gz`).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::BackupSink;
use crate::archive::{self, ArchiveWriter, CompressedWriter, Compression, Format, Header};
use crate::exit::{ExitCode, fail, refuse};

/// The format and compression a backup file name asks for.
pub fn layout_for(path: &Path) -> (Format, Compression) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (rest, compression) = if let Some(r) = name.strip_suffix(".gz") {
        (r, Compression::Gzip)
    } else if let Some(r) = name.strip_suffix(".zst") {
        (r, Compression::Zstd)
    } else {
        (name.as_str(), Compression::None)
    };
    let format = if rest.ends_with(".json") {
        Format::Json
    } else if rest.ends_with(".yaml") || rest.ends_with(".yml") {
        Format::Yaml
    } else {
        Format::Jsonl
    };
    (format, compression)
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Checks, before anything else happens, that the backup can be written:
/// its directory exists and the file does not.
pub fn check_target(path: &Path) -> anyhow::Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(refuse(
            ExitCode::Refused,
            "backup-exists",
            format!(
                "backup file {} already exists; refusing to overwrite it (name a new file); \
                 nothing was deleted",
                path.display()
            ),
        ));
    }
    let dir = directory_of(path);
    if !dir.is_dir() {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "backup directory {} does not exist; nothing was deleted",
                dir.display()
            ),
        ));
    }
    Ok(())
}

/// The size of a completed backup on disk, when it can be measured.
pub fn size_of(path: &Path) -> Option<u64> {
    fs::metadata(path).ok().map(|m| m.len())
}

/// A backup being written; see the module docs.
pub struct ArchiveBackup {
    dest: PathBuf,
    tmp: PathBuf,
    writer: Option<ArchiveWriter<CompressedWriter<File>>>,
}

impl ArchiveBackup {
    /// Starts the archive of rooms from `source` (a redacted store name).
    pub fn create(path: &Path, source: &str) -> anyhow::Result<ArchiveBackup> {
        let file_name = path
            .file_name()
            .with_context(|| format!("{}: not a file name", path.display()))?;
        let tmp = directory_of(path).join(format!(
            ".{}.roomctl-{}.tmp",
            file_name.to_string_lossy(),
            std::process::id()
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut backup = ArchiveBackup {
            dest: path.to_path_buf(),
            tmp,
            writer: None,
        };
        let (format, compression) = layout_for(path);
        let writer = CompressedWriter::new(file, compression)
            .and_then(|w| ArchiveWriter::new(w, format, &Header::new(source)))
            .with_context(|| format!("cannot write {}", backup.tmp.display()))?;
        backup.writer = Some(writer);
        Ok(backup)
    }

    fn complete(&mut self) -> io::Result<()> {
        let writer = self
            .writer
            .take()
            .ok_or_else(|| io::Error::other("backup already finished"))?;
        let (compressed, _trailer) = writer.finish()?;
        let file = compressed.finish()?;
        file.sync_all()?;
        drop(file);
        // A link never replaces: a file that appeared at `dest` meanwhile is
        // kept, and this backup fails rather than overwrite it.
        fs::hard_link(&self.tmp, &self.dest)?;
        let _ = fs::remove_file(&self.tmp);
        File::open(directory_of(&self.dest))?.sync_all()
    }
}

impl BackupSink for ArchiveBackup {
    fn add(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let line = archive::compact_line(bytes)
            .with_context(|| format!("room {name:?} cannot be archived"))?;
        let writer = self.writer.as_mut().context("backup already finished")?;
        writer
            .write_room(&line)
            .with_context(|| format!("cannot write {}", self.tmp.display()))
    }

    fn finish(mut self: Box<Self>) -> anyhow::Result<()> {
        self.complete()
            .with_context(|| format!("cannot complete the backup {}", self.dest.display()))
    }
}

impl Drop for ArchiveBackup {
    fn drop(&mut self) {
        // Unfinished (an error on the way): leave no partial archive behind.
        // Finished: the temporary name was already removed.
        let _ = fs::remove_file(&self.tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_the_file_name() {
        let l = |s: &str| layout_for(Path::new(s));
        assert_eq!(l("b.jsonl"), (Format::Jsonl, Compression::None));
        assert_eq!(l("/x/b"), (Format::Jsonl, Compression::None));
        assert_eq!(l("b.jsonl.gz"), (Format::Jsonl, Compression::Gzip));
        assert_eq!(l("b.json.zst"), (Format::Json, Compression::Zstd));
        assert_eq!(l("B.YAML"), (Format::Yaml, Compression::None));
    }
}
