//! The rooms of an archive, for `archive list` and `archive show`: the
//! archive is checked whole first, exactly as import checks it (a damaged
//! archive yields no rooms at all), then its rooms are read one by one.

use std::ops::ControlFlow;

use super::archive_input::ArchiveInput;
use crate::archive::{self, ArchiveError, ArchiveSummary, ArchivedRoom, ValidateOptions};

/// Hands every room of the archive to `f`, in archive order, until it says
/// stop. `allow_truncated` accepts an archive that lost its end, as import's
/// `--allow-truncated` does (the summary says so).
pub fn for_each_room(
    input: &ArchiveInput,
    allow_truncated: bool,
    mut f: impl FnMut(ArchivedRoom) -> ControlFlow<()>,
) -> Result<ArchiveSummary, ArchiveError> {
    let summary = archive::validate(
        input.path(),
        &ValidateOptions {
            allow_truncated,
            private: input.private(),
            ..ValidateOptions::default()
        },
    )?;
    for room in archive::read_checked(input.path(), summary.checked.clone())? {
        if f(room?).is_break() {
            break;
        }
    }
    Ok(summary)
}

/// The room whose `roomName` is exactly `name` (the archive holds at most
/// one: a name twice makes it damaged).
pub fn find_room(
    input: &ArchiveInput,
    allow_truncated: bool,
    name: &str,
) -> Result<(ArchiveSummary, Option<ArchivedRoom>), ArchiveError> {
    let mut found = None;
    let summary = for_each_room(input, allow_truncated, |room| {
        if room.doc.name() == name {
            found = Some(room);
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok((summary, found))
}

/// Where a room is, as `archive list` and `archive show` name it: the
/// input and the line it starts on (`backup.jsonl:3`), or its position
/// where lines mean nothing (YAML: `backup.yaml room 2`).
pub fn location(input: &ArchiveInput, room: &ArchivedRoom) -> String {
    match room.line {
        Some(line) => format!("{}:{line}", input.label()),
        None => format!("{} room {}", input.label(), room.index),
    }
}
