//! What an archive is made of: its layouts and compression, the header and
//! trailer records (as written, and as read back), and the one compact line
//! an archive carries for each room.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use super::ArchiveError;
use crate::room::{DocumentError, RoomDocument, is_canonical_compact, is_compact, minify_checked};
use crate::store::StoredRoom;

/// The archive version this roomctl writes and reads.
pub const VERSION: u64 = 1;

/// The key that marks roomctl's own records (header, trailer) apart from rooms.
pub(super) const MARKER: &str = "$roomctl";

/// What `tool` says in the headers this build writes.
pub(super) const TOOL: &str = concat!("roomctl ", env!("CARGO_PKG_VERSION"));

/// The archive layouts the writer produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Format {
    /// JSON Lines: header line, one compact room per line, trailer line.
    #[default]
    Jsonl,
    /// One JSON document, one room per line inside its `rooms` array.
    Json,
    /// One YAML document with the same structure as the JSON form.
    Yaml,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Jsonl, Format::Json, Format::Yaml];

    /// The name the command line uses, also the usual file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "json" => Ok(Format::Json),
            "yaml" | "yml" => Ok(Format::Yaml),
            _ => Err(format!(
                "unknown archive format {s:?} (expected jsonl, json or yaml)"
            )),
        }
    }
}

/// How an archive file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub const ALL: [Compression; 3] = [Compression::None, Compression::Gzip, Compression::Zstd];

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// The usual extension added after the format's (`.jsonl.gz`).
    pub fn extension(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Gzip => Some("gz"),
            Compression::Zstd => Some("zst"),
        }
    }

    /// Which compression a file's first bytes announce.
    pub fn detect(magic: &[u8]) -> Compression {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Compression {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Compression::None),
            "gzip" | "gz" => Ok(Compression::Gzip),
            "zstd" | "zst" => Ok(Compression::Zstd),
            _ => Err(format!(
                "unknown compression {s:?} (expected none, gzip or zstd)"
            )),
        }
    }
}

/// The first record of an archive: where and when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// ISO 8601 UTC with milliseconds, as the server writes its dates.
    pub created_at: String,
    /// The store the rooms came from, with secrets redacted.
    pub source: String,
    /// `roomctl <version>` of the writer.
    pub tool: String,
}

impl Header {
    /// A header for an export made now. `source` is written as given, so pass
    /// the store's redacted name (`Store::describe`, `StoreSpec::redacted`),
    /// never a URL with its password.
    pub fn new(source: impl Into<String>) -> Header {
        Header {
            created_at: crate::room::format_timestamp(chrono::Utc::now().timestamp_millis()),
            source: source.into(),
            tool: TOOL.to_string(),
        }
    }

    pub(super) fn record(&self) -> HeaderRecord<'_> {
        HeaderRecord {
            marker: "archive",
            version: VERSION,
            created_at: &self.created_at,
            source: &self.source,
            tool: &self.tool,
        }
    }
}

/// The header as written; field order is the documented key order.
#[derive(Serialize)]
pub(super) struct HeaderRecord<'a> {
    #[serde(rename = "$roomctl")]
    marker: &'static str,
    version: u64,
    #[serde(rename = "createdAt")]
    created_at: &'a str,
    source: &'a str,
    tool: &'a str,
}

/// The last record of an archive: how many rooms, and their checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trailer {
    pub rooms: u64,
    /// Lowercase hex SHA-256 of every compact room line with its `\n`.
    pub sha256: String,
}

#[derive(Serialize)]
pub(super) struct TrailerRecord<'a> {
    #[serde(rename = "$roomctl")]
    pub(super) marker: &'static str,
    pub(super) rooms: u64,
    pub(super) sha256: &'a str,
}

pub(super) fn trailer_from_value(
    value: Value,
    line: Option<usize>,
) -> Result<Trailer, ArchiveError> {
    let rooms = value.get("rooms").and_then(Value::as_u64);
    let sha256 = value.get("sha256").and_then(Value::as_str);
    match (rooms, sha256) {
        (Some(rooms), Some(sha256)) => Ok(Trailer {
            rooms,
            sha256: sha256.to_string(),
        }),
        (None, _) => Err(ArchiveError::invalid(line, "the trailer has no room count")),
        (_, None) => Err(ArchiveError::invalid(line, "the trailer has no sha256")),
    }
}

/// Header keys as they are met; the JSON form may spread them around.
#[derive(Default)]
pub(super) struct HeaderFields {
    version: Option<u64>,
    created_at: Option<String>,
    source: Option<String>,
    tool: Option<String>,
}

impl HeaderFields {
    /// Takes one header key. The version is checked at once, before any room
    /// of an archive this roomctl cannot read is looked at.
    pub(super) fn set(
        &mut self,
        key: &str,
        value: Value,
        line: Option<usize>,
    ) -> Result<(), ArchiveError> {
        let slot = match key {
            "version" => {
                return match value.as_u64() {
                    Some(VERSION) => {
                        self.version = Some(VERSION);
                        Ok(())
                    }
                    Some(v) => Err(ArchiveError::invalid(
                        line,
                        format!(
                            "archive version {v} is not supported (this roomctl reads version {VERSION})"
                        ),
                    )),
                    None => Err(ArchiveError::invalid(
                        line,
                        format!("archive version {value} is not a version number"),
                    )),
                };
            }
            "createdAt" => &mut self.created_at,
            "source" => &mut self.source,
            "tool" => &mut self.tool,
            // Keys a later version-1 writer may add are not ours to refuse.
            _ => return Ok(()),
        };
        match value {
            Value::String(s) => {
                *slot = Some(s);
                Ok(())
            }
            other => Err(ArchiveError::invalid(
                line,
                format!("the header's {key} is not a string ({other})"),
            )),
        }
    }

    pub(super) fn complete(&self) -> Option<Header> {
        self.version?;
        Some(Header {
            created_at: self.created_at.clone()?,
            source: self.source.clone()?,
            tool: self.tool.clone()?,
        })
    }

    pub(super) fn finish(self, line: Option<usize>) -> Result<Header, ArchiveError> {
        let missing =
            |key: &str| ArchiveError::invalid(line, format!("the archive header has no {key}"));
        if self.version.is_none() {
            return Err(missing("version"));
        }
        Ok(Header {
            created_at: self.created_at.ok_or_else(|| missing("createdAt"))?,
            source: self.source.ok_or_else(|| missing("source"))?,
            tool: self.tool.ok_or_else(|| missing("tool"))?,
        })
    }
}

/// The one compact line an archive carries for a stored room document.
///
/// Bytes that already are a single compact document (a Redis value) come
/// back unchanged, so the archive holds exactly what was stored; anything
/// else (the file store's pretty JSON) is re-serialised compactly with its
/// keys in stored order. Either way the result is a valid room document.
pub fn compact_line(stored: &[u8]) -> Result<Vec<u8>, DocumentError> {
    let doc = RoomDocument::from_slice(stored)?;
    if is_compact(stored) {
        Ok(stored.to_vec())
    } else {
        Ok(doc.to_compact())
    }
}

/// [`compact_line`] of a room a store scan has already read and judged a
/// room ([`crate::store::Entry::classify`] parsed it): text spelled the way
/// the server writes it needs no second parse, only its whitespace removed,
/// and comes back without a copy when it is already compact.
pub fn compact_line_of(room: &StoredRoom) -> Result<Cow<'_, [u8]>, DocumentError> {
    let stored = &room.bytes[..];
    // A pretty file starts `{` and a line break: minify it; check anything
    // else as it is first, which copies nothing.
    if room.canonical_compact || (stored.get(1) != Some(&b'\n') && is_canonical_compact(stored)) {
        return Ok(Cow::Borrowed(stored));
    }
    let (compact, canonical) = minify_checked(stored);
    if !canonical {
        return compact_line(stored).map(Cow::Owned);
    }
    Ok(if compact.len() == stored.len() {
        Cow::Borrowed(stored)
    } else {
        Cow::Owned(compact)
    })
}

/// The compact form of one JSON value read from an archive: the bytes
/// themselves when already compact, else a compact re-serialisation.
/// Text that is not JSON is returned as it is, for the room check to word
/// the problem the same way for every form.
pub(super) fn compact_form(json: &[u8]) -> Cow<'_, [u8]> {
    if is_compact(json) {
        return Cow::Borrowed(json);
    }
    match serde_json::from_slice::<Value>(json) {
        // Serialising a JSON value cannot fail.
        Ok(value) => Cow::Owned(serde_json::to_vec(&value).unwrap_or_default()),
        Err(_) => Cow::Borrowed(json),
    }
}

pub(super) fn lower_hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
