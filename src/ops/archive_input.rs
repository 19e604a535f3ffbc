//! The archive a command reads: a file as named, or stdin (`-`) spooled to a
//! private temporary file, since the archive reader checks an input whole
//! before handing out any of it and reads some inputs twice.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// What names stdin on the command line.
pub const STDIN: &str = "-";

/// An input file, ready for [`crate::archive::validate`].
pub struct ArchiveInput {
    /// As named on the command line (`-` for stdin), for messages and output.
    name: String,
    path: PathBuf,
    /// Holds stdin's copy for as long as the input is read.
    spool: Option<NamedTempFile>,
    /// Bytes read from stdin; a file is measured when asked.
    spooled: u64,
}

impl ArchiveInput {
    /// The file `arg` names, or stdin copied to a temporary file (on disk,
    /// so memory stays constant however large the input).
    pub fn open(arg: &Path) -> io::Result<ArchiveInput> {
        if arg.as_os_str() != OsStr::new(STDIN) {
            return Ok(ArchiveInput {
                name: arg.display().to_string(),
                path: arg.to_path_buf(),
                spool: None,
                spooled: 0,
            });
        }
        let mut spool = NamedTempFile::new()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot create a spool file: {e}")))?;
        let spooled = io::copy(&mut io::stdin().lock(), &mut spool)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot spool stdin: {e}")))?;
        spool.flush()?;
        Ok(ArchiveInput {
            name: STDIN.to_string(),
            path: spool.path().to_path_buf(),
            spool: Some(spool),
            spooled,
        })
    }

    /// The input as named on the command line; `-` for stdin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The input in messages: its name, or `stdin`.
    pub fn label(&self) -> &str {
        if self.is_stdin() { "stdin" } else { &self.name }
    }

    /// Where the input can be read (stdin's spool for `-`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_stdin(&self) -> bool {
        self.spool.is_some()
    }

    /// Nobody else writes the input (see
    /// [`crate::archive::ValidateOptions::private`]).
    pub fn private(&self) -> bool {
        self.is_stdin()
    }

    /// The input's size in bytes as stored (compressed, if it is), when it
    /// can be known.
    pub fn size(&self) -> Option<u64> {
        if self.is_stdin() {
            return Some(self.spooled);
        }
        std::fs::metadata(&self.path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    }
}
