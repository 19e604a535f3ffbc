//! Why an archive is refused, and where: the one error type of the reader.

use std::io;

use crate::room::shorten;

/// What kind of problem an [`ArchiveError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveErrorKind {
    /// The file could not be opened, read or decompressed.
    Io,
    /// The content is wrong: not an archive, a bad room, a duplicate, a
    /// checksum or count that does not match.
    Invalid,
    /// The archive ends before its trailer (see
    /// [`ValidateOptions::allow_truncated`](super::ValidateOptions::allow_truncated)).
    Truncated,
}

/// Why an archive was refused, and where.
#[derive(Debug, thiserror::Error)]
#[error("{}{}", place(.line, .room), .message)]
pub struct ArchiveError {
    pub kind: ArchiveErrorKind,
    /// The line of the file (JSON Lines, JSON; YAML syntax errors).
    pub line: Option<usize>,
    /// The 1-based position of the room in the archive; named in the message
    /// when there is no line (YAML).
    pub room: Option<usize>,
    pub message: String,
    #[source]
    pub(super) source: Option<io::Error>,
}

fn place(line: &Option<usize>, room: &Option<usize>) -> String {
    match (line, room) {
        (Some(line), _) => format!("line {line}: "),
        (None, Some(room)) => format!("room {room}: "),
        (None, None) => String::new(),
    }
}

impl ArchiveError {
    pub(super) fn invalid(line: Option<usize>, message: impl Into<String>) -> Self {
        ArchiveError {
            kind: ArchiveErrorKind::Invalid,
            line,
            room: None,
            // Messages may quote values from the file.
            message: shorten(message.into()),
            source: None,
        }
    }

    /// The input ends before its end: the message says where, and what
    /// `--allow-truncated` would take from it.
    pub(super) fn truncated(message: impl Into<String>) -> Self {
        ArchiveError {
            kind: ArchiveErrorKind::Truncated,
            line: None,
            room: None,
            message: message.into(),
            source: None,
        }
    }

    /// The input ends before its archive header does.
    pub(super) fn header_cut() -> Self {
        Self::truncated("truncated: the input ends inside the archive header")
    }

    pub(super) fn io(line: Option<usize>, what: &str, source: io::Error) -> Self {
        ArchiveError {
            kind: ArchiveErrorKind::Io,
            line,
            room: None,
            message: format!("{what}: {source}"),
            source: Some(source),
        }
    }
}
