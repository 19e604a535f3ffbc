//! `archive verify`: whether an archive is whole and sound, and what it is,
//! without a store.
//!
//! The check is import's own first pass, [`archive::validate`], run on
//! its own: framing, every room's document, duplicate names, the trailer's
//! count and checksum. An archive verify calls good is one import accepts;
//! one it calls damaged import refuses with the same message. Memory stays
//! bounded as it does for import (16 bytes per room name for the duplicate
//! check, one chunk of rooms at a time; a YAML archive is held whole).

use std::io::Read as _;

use serde::Serialize;

use super::archive_input::ArchiveInput;
use crate::archive::{
    self, ArchiveError, ArchiveErrorKind, ArchiveKind, Compression, Header, ValidateOptions,
};

/// What `archive verify` says of one archive. `-o json` prints a list of
/// these; the shape is stable: fields are only ever added.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// The archive as named on the command line; `-` for stdin.
    pub file: String,
    pub verdict: Verdict,
    /// `archive`, `roomArray` or `roomDocuments`; null when unreadable.
    pub kind: Option<&'static str>,
    /// `jsonl`, `json` or `yaml`; null when unreadable.
    pub format: Option<&'static str>,
    /// `none`, `gzip` or `zstd`; null when unreadable.
    pub compression: Option<&'static str>,
    /// Bytes as stored (compressed, if it is); null when unreadable.
    pub size: Option<u64>,
    /// Rooms in the archive; null when damaged.
    pub rooms: Option<u64>,
    /// From the header; null without one.
    pub created_at: Option<String>,
    /// The store the rooms came from (the header's `source`); null without one.
    pub source: Option<String>,
    /// The roomctl that wrote it (the header's `tool`); null without one.
    pub tool: Option<String>,
    /// A trailer's count and checksum were checked, so nothing is missing.
    /// False for a plain room array or room documents, which carry none.
    pub checksummed: bool,
    /// SHA-256 of the rooms' compact lines (what a trailer says); null when
    /// damaged.
    pub sha256: Option<String>,
    /// The first problem found; null when the verdict is `ok`.
    pub problem: Option<Problem>,
}

/// Whether an archive can be restored from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// Every check passed: `import` would accept it.
    Ok,
    /// Not whole or not sound: `import` would refuse it.
    Damaged,
}

/// The first problem in a damaged archive.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `invalid` (bad content, duplicate, count or checksum), `truncated`
    /// (ends before its trailer) or `unreadable` (cannot be opened, read or
    /// decompressed).
    pub kind: &'static str,
    /// The line of the file where it is (JSON Lines, JSON; YAML syntax
    /// errors); null when the problem is the archive as a whole (a count or
    /// checksum mismatch, a missing end).
    pub line: Option<usize>,
    /// The 1-based position of the room it is in, when it is in one.
    pub room: Option<usize>,
    /// What is wrong, and what to do when there is something to do.
    pub message: String,
    /// The message with its place, as import words it (`line 3: …`).
    #[serde(skip)]
    pub placed: String,
}

impl Problem {
    fn of(e: &ArchiveError) -> Problem {
        Problem {
            kind: match e.kind {
                ArchiveErrorKind::Invalid => "invalid",
                ArchiveErrorKind::Truncated => "truncated",
                ArchiveErrorKind::Io => "unreadable",
            },
            line: e.line,
            room: e.room,
            message: e.message.clone(),
            placed: e.to_string(),
        }
    }
}

/// Verifies one archive; writes nothing anywhere.
pub fn verify(input: &ArchiveInput) -> Verification {
    let options = ValidateOptions {
        allow_truncated: false,
        private: input.private(),
        ..ValidateOptions::default()
    };
    let mut v = Verification {
        file: input.name().to_string(),
        verdict: Verdict::Ok,
        kind: None,
        format: None,
        compression: None,
        size: input.size(),
        rooms: None,
        created_at: None,
        source: None,
        tool: None,
        checksummed: false,
        sha256: None,
        problem: None,
    };
    match archive::validate(input.path(), &options) {
        Ok(summary) => {
            v.kind = Some(kind_name(summary.kind));
            v.format = Some(summary.format.name());
            v.compression = Some(summary.compression.name());
            v.rooms = Some(summary.rooms);
            v.checksummed = summary.trailer.is_some();
            v.sha256 = Some(summary.sha256);
            v.set_header(summary.header.as_ref());
        }
        Err(e) => {
            v.verdict = Verdict::Damaged;
            v.problem = Some(Problem::of(&e));
            // What the damaged archive says of itself, for telling which
            // backup it is: its header is read again, nothing more.
            if let Ok(rooms) = archive::read_rooms(input.path()) {
                v.kind = Some(kind_name(rooms.kind()));
                v.format = Some(rooms.format().name());
                v.compression = compression_of(input).map(Compression::name);
                v.set_header(rooms.header());
            }
        }
    }
    v
}

impl Verification {
    fn set_header(&mut self, header: Option<&Header>) {
        if let Some(h) = header {
            self.created_at = Some(h.created_at.clone());
            self.source = Some(h.source.clone());
            self.tool = Some(h.tool.clone());
        }
    }
}

fn kind_name(kind: ArchiveKind) -> &'static str {
    match kind {
        ArchiveKind::Archive => "archive",
        ArchiveKind::RoomArray => "roomArray",
        ArchiveKind::RoomDocuments => "roomDocuments",
    }
}

/// The compression the input's first bytes announce, as the reader sees it.
fn compression_of(input: &ArchiveInput) -> Option<Compression> {
    let mut magic = Vec::with_capacity(4);
    std::fs::File::open(input.path())
        .ok()?
        .take(4)
        .read_to_end(&mut magic)
        .ok()?;
    Some(Compression::detect(&magic))
}
