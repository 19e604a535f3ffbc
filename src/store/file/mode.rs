//! The mode (and owner) of the room files roomctl writes: a replaced file
//! keeps its own, a new one takes its neighbours' (docs/compatibility.md).

use std::fs::{self, File};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::is_room_file_name;

/// The permission bits a new room file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NewFileMode {
    /// Exactly these (those of its neighbours, or 0600 in a private
    /// directory).
    Exactly(u32),
    /// 0644 less the umask, as any program creates a file.
    Default,
}

/// What a room file roomctl writes is given: the mode, and the owner of
/// the file it replaces.
#[derive(Debug, Clone, Copy)]
pub(super) struct FilePerms {
    pub(super) mode: NewFileMode,
    pub(super) owner: Option<(u32, u32)>,
}

/// Room files sampled to learn the mode of a new one: enough for a clear
/// majority, few enough to cost nothing in a directory of 100,000.
pub(super) const MODE_SAMPLE: usize = 64;

/// The mode of a new room file in `dir`: that of most of its room files
/// (a sample of them), else 0600 when the directory is not world-readable,
/// else 0644 less the umask. Files their owner cannot read and write are
/// not counted: no one keeps rooms so.
pub(super) fn new_file_mode(dir: &Path) -> NewFileMode {
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
pub(super) fn give_owner(file: &File, uid: u32, gid: u32) {
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
