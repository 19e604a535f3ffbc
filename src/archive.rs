//! The backup archive format of export and import: a writer that streams
//! rooms into an archive, and a two-pass reader that first checks a whole
//! archive (writing nothing) and then streams its rooms again for the write
//! pass.
//!
//! JSON Lines, the default:
//!
//! ```text
//! {"$roomctl":"archive","version":1,"createdAt":"…","source":"…","tool":"roomctl 0.1.0"}
//! {"roomName":"a",…}              one room per line: compact, keys in stored order
//! {"$roomctl":"trailer","rooms":1,"sha256":"…"}
//! ```
//!
//! The checksum is the SHA-256 of every room line including its `\n`. The
//! JSON and YAML forms carry the same header, rooms and trailer as one
//! document, and their checksum covers the same compact lines: the same
//! rooms carry the same checksum as JSON Lines and as JSON (and as YAML,
//! unless a room spells a number or string as serde_json would not; see
//! `write_yaml_room`). The trailer is what tells a complete archive from a
//! cut one: no trailer means truncated.
//!
//! Any of them may be gzip or zstd compressed; the reader knows compression
//! by its magic bytes, never by the file name. The reader also takes, with
//! no header or trailer (so with no checksum), a plain JSON array of room
//! documents and room documents one after another (a single room file, or
//! one compact room per line).

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::Serialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::room::{
    DocumentError, REQUIRED_KEYS, RoomDocument, RoomFacts, is_canonical_compact, is_compact,
    minify_checked, shorten,
};
use crate::store::StoredRoom;

/// The write pass met rooms other than those [`validate`] checked.
const CHANGED: &str = "the input changed after it was checked (its room lines no longer hash to what was checked); nothing from here on was imported";

/// The archive version this roomctl writes and reads.
pub const VERSION: u64 = 1;

/// The key that marks roomctl's own records (header, trailer) apart from rooms.
const MARKER: &str = "$roomctl";

/// What `tool` says in the headers this build writes.
const TOOL: &str = concat!("roomctl ", env!("CARGO_PKG_VERSION"));

/// The longest room (or line) the reader accepts unless told otherwise
/// ([`ValidateOptions::max_room_bytes`]): reading stops there, so neither a
/// corrupt file with no line breaks nor a small compressed file that
/// decompresses to gigabytes is read whole into memory.
const MAX_ROOM_BYTES: u64 = crate::limit::DEFAULT_MAX_ROOM_BYTES;

/// The largest YAML archive (decompressed) the reader takes. serde_yaml
/// parses a whole document before handing out any of it, so a YAML archive
/// is held in memory whole, several times over while it is parsed; without
/// a limit a small compressed file (or any large file that is not JSON,
/// which is tried as YAML) could take all the memory there is.
const MAX_YAML_BYTES: usize = if cfg!(test) { 1 << 20 } else { 1 << 30 };

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

    fn record(&self) -> HeaderRecord<'_> {
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
struct HeaderRecord<'a> {
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
struct TrailerRecord<'a> {
    #[serde(rename = "$roomctl")]
    marker: &'static str,
    rooms: u64,
    sha256: &'a str,
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
fn compact_form(json: &[u8]) -> Cow<'_, [u8]> {
    if is_compact(json) {
        return Cow::Borrowed(json);
    }
    match serde_json::from_slice::<Value>(json) {
        // Serialising a JSON value cannot fail.
        Ok(value) => Cow::Owned(serde_json::to_vec(&value).unwrap_or_default()),
        Err(_) => Cow::Borrowed(json),
    }
}

fn lower_hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// A writer of an archive; it streams, holding one room at a time.
///
/// [`write_room`](Self::write_room) takes compact room lines (see
/// [`compact_line`]); the writer does not check rooms against each other
/// (duplicates, required keys): the reader's [`validate`] does.
/// Compression is the inner writer's business: see [`CompressedWriter`].
pub struct ArchiveWriter<W: Write> {
    out: BufWriter<W>,
    format: Format,
    hasher: Sha256,
    rooms: u64,
}

impl<W: Write> ArchiveWriter<W> {
    /// Starts an archive: writes the header.
    pub fn new(w: W, format: Format, header: &Header) -> io::Result<Self> {
        let mut out = BufWriter::new(w);
        match format {
            Format::Jsonl => {
                serde_json::to_writer(&mut out, &header.record())?;
                out.write_all(b"\n")?;
            }
            Format::Json => {
                // Written by hand rather than by a serialiser so that the
                // rooms can follow one at a time, one per line.
                write!(
                    out,
                    "{{\n  \"{MARKER}\": \"archive\",\n  \"version\": {VERSION},\n  \"createdAt\": {},\n  \"source\": {},\n  \"tool\": {},\n  \"rooms\": [",
                    serde_json::to_string(&header.created_at)?,
                    serde_json::to_string(&header.source)?,
                    serde_json::to_string(&header.tool)?,
                )?;
            }
            Format::Yaml => {
                let text = serde_yaml::to_string(&header.record()).map_err(io::Error::other)?;
                out.write_all(text.as_bytes())?;
                // The items follow on their own lines; `finish` writes ` []`
                // when there were none.
                out.write_all(b"rooms:")?;
            }
        }
        Ok(ArchiveWriter {
            out,
            format,
            hasher: Sha256::new(),
            rooms: 0,
        })
    }

    /// Appends one room, given as compact JSON (the line a JSON Lines archive
    /// holds). Refuses a line with a line break or any other whitespace
    /// outside strings: the JSON form must carry the exact bytes the checksum
    /// covers, and its reader can only rebuild compact text.
    pub fn write_room(&mut self, line: &[u8]) -> io::Result<()> {
        if line.iter().any(|&b| b == b'\n' || b == b'\r') {
            return Err(invalid_input(
                "a room line must not contain a line break".into(),
            ));
        }
        if !is_compact(line) {
            return Err(invalid_input(
                "a room line must be compact JSON (see archive::compact_line)".into(),
            ));
        }
        if self.format != Format::Yaml
            && (line.first() != Some(&b'{') || serde_json::from_slice::<IgnoredAny>(line).is_err())
        {
            return Err(invalid_input("a room line must be a JSON object".into()));
        }
        self.write_valid_room(line)
    }

    /// [`write_room`](Self::write_room) of a line that [`compact_line`] or
    /// [`compact_line_of`] made, which is a compact room document: it is not
    /// checked again.
    pub fn write_valid_room(&mut self, line: &[u8]) -> io::Result<()> {
        match self.format {
            Format::Jsonl | Format::Json => {
                if self.format == Format::Json {
                    self.out.write_all(if self.rooms == 0 {
                        b"\n    "
                    } else {
                        b",\n    "
                    })?;
                    self.out.write_all(line)?;
                } else {
                    self.out.write_all(line)?;
                    self.out.write_all(b"\n")?;
                }
                self.hasher.update(line);
            }
            Format::Yaml => {
                let canonical = self.write_yaml_room(line)?;
                self.hasher.update(&canonical);
            }
        }
        self.hasher.update(b"\n");
        self.rooms += 1;
        Ok(())
    }

    /// Writes one room as a YAML list item and returns the compact JSON the
    /// reader will rebuild from it, which is what the checksum must cover.
    ///
    /// Limitation: YAML keeps a number's value, not its spelling, so a room
    /// stored with a JSON number form that serde_json would print otherwise
    /// (`1E2`, `1.50`, a `\u00e9` escape in a string) comes back from a YAML
    /// archive in serde_json's spelling, and the YAML archive's checksum
    /// differs from the JSON Lines one for the same rooms. Values, key order
    /// and every string survive; a room that would not is refused here
    /// rather than written into an archive that would fail its own check.
    fn write_yaml_room(&mut self, line: &[u8]) -> io::Result<Vec<u8>> {
        let value: Value = serde_json::from_slice(line)
            .map_err(|e| invalid_input(format!("a room line must be JSON: {e}")))?;
        if !value.is_object() {
            return Err(invalid_input("a room line must be a JSON object".into()));
        }
        let canonical = serde_json::to_vec(&value)?;
        let text = serde_yaml::to_string(&value).map_err(io::Error::other)?;
        let back: Value = serde_yaml::from_str(&text).map_err(io::Error::other)?;
        if serde_json::to_vec(&back)? != canonical {
            let name = value.get("roomName").and_then(Value::as_str).unwrap_or("?");
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("room {name:?} does not survive YAML unchanged; use the jsonl format"),
            ));
        }
        // A block mapping indented under `- `; blank lines (inside literal
        // block scalars) stay empty so they cannot become content.
        let mut first = true;
        for part in text.split('\n').filter(|p| !p.is_empty()) {
            self.out.write_all(if first { b"\n- " } else { b"\n  " })?;
            self.out.write_all(part.as_bytes())?;
            first = false;
        }
        Ok(canonical)
    }

    /// How many rooms were written so far.
    pub fn rooms(&self) -> u64 {
        self.rooms
    }

    /// Writes the trailer and flushes; returns the inner writer (finish a
    /// [`CompressedWriter`] next) and the trailer written.
    pub fn finish(mut self) -> io::Result<(W, Trailer)> {
        let sha256 = lower_hex(&self.hasher.finalize_reset());
        let trailer = Trailer {
            rooms: self.rooms,
            sha256,
        };
        match self.format {
            Format::Jsonl => {
                let record = TrailerRecord {
                    marker: "trailer",
                    rooms: trailer.rooms,
                    sha256: &trailer.sha256,
                };
                serde_json::to_writer(&mut self.out, &record)?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                if self.rooms > 0 {
                    self.out.write_all(b"\n  ")?;
                }
                write!(
                    self.out,
                    "],\n  \"trailer\": {{\"rooms\": {}, \"sha256\": \"{}\"}}\n}}\n",
                    trailer.rooms, trailer.sha256
                )?;
            }
            Format::Yaml => {
                self.out
                    .write_all(if self.rooms == 0 { b" []\n" } else { b"\n" })?;
                #[derive(Serialize)]
                struct Section<'a> {
                    trailer: &'a Trailer,
                }
                let text = serde_yaml::to_string(&Section { trailer: &trailer })
                    .map_err(io::Error::other)?;
                self.out.write_all(text.as_bytes())?;
            }
        }
        self.out.flush()?;
        let w = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok((w, trailer))
    }
}

/// A writer that compresses what goes through it (or not).
pub struct CompressedWriter<W: Write> {
    inner: Encoder<W>,
}

enum Encoder<W: Write> {
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> CompressedWriter<W> {
    pub fn new(w: W, compression: Compression) -> io::Result<Self> {
        let inner = match compression {
            Compression::None => Encoder::Plain(w),
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                w,
                flate2::Compression::default(),
            )),
            // Level 0 is zstd's default (3).
            Compression::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(w, 0)?),
        };
        Ok(CompressedWriter { inner })
    }

    /// Ends the compressed stream; without this a gzip or zstd file is cut.
    pub fn finish(self) -> io::Result<W> {
        match self.inner {
            Encoder::Plain(w) => Ok(w),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for CompressedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}

// ---------------------------------------------------------------------------
// Reading

/// What kind of problem an [`ArchiveError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveErrorKind {
    /// The file could not be opened, read or decompressed.
    Io,
    /// The content is wrong: not an archive, a bad room, a duplicate, a
    /// checksum or count that does not match.
    Invalid,
    /// The archive ends before its trailer (see
    /// [`ValidateOptions::allow_truncated`]).
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
    source: Option<io::Error>,
}

fn place(line: &Option<usize>, room: &Option<usize>) -> String {
    match (line, room) {
        (Some(line), _) => format!("line {line}: "),
        (None, Some(room)) => format!("room {room}: "),
        (None, None) => String::new(),
    }
}

impl ArchiveError {
    fn invalid(line: Option<usize>, message: impl Into<String>) -> Self {
        ArchiveError {
            kind: ArchiveErrorKind::Invalid,
            line,
            room: None,
            // Messages may quote values from the file.
            message: shorten(message.into()),
            source: None,
        }
    }

    fn io(line: Option<usize>, what: &str, source: io::Error) -> Self {
        ArchiveError {
            kind: ArchiveErrorKind::Io,
            line,
            room: None,
            message: format!("{what}: {source}"),
            source: Some(source),
        }
    }
}

/// How [`validate`] treats an archive that ends before its trailer, and
/// how large a room it takes.
#[derive(Debug, Clone, Copy)]
pub struct ValidateOptions {
    /// Accept it, with the rooms that are complete.
    pub allow_truncated: bool,
    /// Nobody else writes the input (roomctl's own spool of stdin): the
    /// write pass may trust it unchanged however recently it was written,
    /// as long as its stamp is the same (see [`Checked`]).
    pub private: bool,
    /// The largest room taken (see `crate::limit`), as it will be stored:
    /// reading stops past it, and the input is refused naming the room.
    pub max_room_bytes: u64,
    /// The rooms will be stored pretty-printed (a room directory): a room
    /// is measured in that form, larger than its compact line.
    pub pretty: bool,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            allow_truncated: false,
            private: false,
            max_room_bytes: MAX_ROOM_BYTES,
            pretty: false,
        }
    }
}

impl ValidateOptions {
    /// The options that accept a truncated input.
    pub fn allowing_truncated() -> Self {
        ValidateOptions {
            allow_truncated: true,
            ..ValidateOptions::default()
        }
    }
}

/// What an input file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// A roomctl archive: header, rooms, trailer with count and checksum.
    Archive,
    /// A plain JSON array of room documents (no checksum).
    RoomArray,
    /// Room documents one after another: a single room file, or one compact
    /// room per line (no checksum).
    RoomDocuments,
}

impl ArchiveKind {
    /// Whether the input carries no header, count or checksum.
    pub fn is_plain(self) -> bool {
        self != ArchiveKind::Archive
    }
}

/// What [`validate`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSummary {
    pub kind: ArchiveKind,
    /// The layout; plain inputs count as [`Format::Json`].
    pub format: Format,
    pub compression: Compression,
    pub header: Option<Header>,
    /// Complete rooms (all of them unless `truncated`).
    pub rooms: u64,
    /// The input ends early; only allowed with
    /// [`ValidateOptions::allow_truncated`].
    pub truncated: bool,
    pub trailer: Option<Trailer>,
    /// SHA-256 of the rooms' compact lines, as a trailer would say it.
    pub sha256: String,
    /// What the write pass needs to trust the rooms without checking them
    /// again ([`read_checked`]).
    pub checked: Checked,
}

/// What [`validate`] has found so far, in archive order.
#[derive(Default)]
struct Found {
    hasher: Sha256,
    rooms: u64,
    /// 128-bit digests of the names rather than the names: a million rooms
    /// cost 16 MB, and a sort finds the repeats. A repeat is confirmed by
    /// name (and placed) in a second pass, so a collision cannot refuse an
    /// archive wrongly.
    names: Vec<u128>,
    checked: Checked,
    /// The largest room taken, and whether it is measured pretty-printed
    /// (see [`ValidateOptions`]).
    max_room: u64,
    pretty: bool,
}

impl Found {
    /// Judges a chunk's rooms on every core while hashing them; the first
    /// problem in the chunk, if any.
    fn check(&mut self, chunk: Vec<RawRoom>) -> Result<(), ArchiveError> {
        let hasher = &mut self.hasher;
        let (max_room, pretty) = (self.max_room, self.pretty);
        let (judged, ()) = rayon::join(
            || {
                chunk
                    .par_iter()
                    .map(|room| {
                        let judged = judge(&room.bytes);
                        let size = match pretty {
                            true => crate::room::pretty_len(&room.bytes),
                            false => room.bytes.len() as u64,
                        };
                        (judged, size)
                    })
                    .collect::<Vec<_>>()
            },
            || {
                for room in &chunk {
                    hasher.update(&room.bytes);
                    hasher.update(b"\n");
                }
            },
        );
        for (room, (judgement, size)) in chunk.iter().zip(judged) {
            let (facts, plain) =
                judgement.map_err(|e| room.error(room_problem(&room.bytes, &e)))?;
            if size > max_room {
                let form = if pretty { "would be a file of" } else { "is" };
                return Err(room.error(format!(
                    "room {:?} {form} {}",
                    facts.name,
                    crate::limit::over_limit(size, max_room, false)
                )));
            }
            self.names.push(name_digest(&facts.name));
            self.checked.plain.push(plain);
            self.rooms += 1;
        }
        if !chunk.is_empty() {
            let digest = self.hasher.clone().finalize().into();
            self.checked.chunks.push((chunk.len(), digest));
        }
        Ok(())
    }
}

/// A room's facts, and whether its line needs no second reading (see
/// [`Checked`]).
fn judge(bytes: &[u8]) -> Result<(RoomFacts, bool), DocumentError> {
    let (facts, canonical_compact) = RoomFacts::read(bytes, false)?;
    Ok((facts, canonical_compact && bytes.starts_with(PLAIN_START)))
}

/// What [`validate`] learnt of an input, so that [`read_checked`] can hand
/// out its rooms again without a second reading of each: the checksum of
/// the room lines up to the end of each chunk (the write pass recomputes
/// it, or checks the file's stamp, so a room that changed between the
/// passes is never written), and
/// for each room whether its line is already the room as stored (compact,
/// canonical, `roomName` first), which needs no parsing at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// Rooms per chunk, and the SHA-256 of every room line up to its end.
    chunks: Vec<(usize, [u8; 32])>,
    /// Per room, in input order: the line needs no second reading.
    plain: Vec<bool>,
    /// The input file's stamp, when it vouches for the content: the file
    /// was last changed well before `validate` opened it and not since.
    /// The write pass then checks the stamp instead of hashing every line
    /// again (any write to the file gives it a new change time).
    stamp: Option<Stamp>,
    /// The limit the rooms were checked against.
    max_room: Option<u64>,
}

/// What tells a file's content apart without reading it: which file, its
/// size, and the modification and change times. The kernel sets the change
/// time (ctime, which no system call can set back) on every write; once a
/// file's ctime is older than the coarse clock's tick, a write from then on
/// gives it another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(file: &File) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt as _;
        let m = file.metadata().ok()?;
        Some(Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }

    /// Last changed at least two seconds before `then`.
    fn settled(&self, then: std::time::SystemTime) -> bool {
        let then = then
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.ctime.0 + 2 < then
    }
}

impl ArchiveSummary {
    pub fn compressed(&self) -> bool {
        self.compression != Compression::None
    }
}

/// One room read back from an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchivedRoom {
    /// The line it starts on (JSON Lines, JSON); `None` for YAML.
    pub line: Option<usize>,
    /// Its 1-based position in the archive.
    pub index: usize,
    pub doc: RoomDocument,
}

/// Checks a whole input file, writing nothing: its kind and header, every
/// room, that no room name appears twice, and the trailer's count and
/// checksum. The first problem found is the error.
///
/// Memory stays bounded for JSON Lines and JSON (one room at a time, plus
/// 16 bytes per room name for the duplicate check: 16 MB at a million
/// rooms); a YAML archive is held in memory whole (see [`read_rooms`]).
pub fn validate(path: &Path, opts: &ValidateOptions) -> Result<ArchiveSummary, ArchiveError> {
    let opened_at = std::time::SystemTime::now();
    let mut source = Source::open(path, opts.max_room_bytes)?;
    let first_stamp = source.stamp();
    // Rooms are read here, in order, a chunk at a time; a checker thread
    // hashes each chunk while every core judges its rooms. The first
    // problem in archive order is the one reported.
    let (outcome, found) = std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RawRoom>>(2);
        let checker = s.spawn(move || {
            let mut found = Found {
                max_room: opts.max_room_bytes,
                pretty: opts.pretty,
                ..Found::default()
            };
            for chunk in rx {
                if let Err(problem) = found.check(chunk) {
                    return (found, Some(problem));
                }
            }
            (found, None)
        });
        let mut chunk = RawChunk::default();
        let ending = loop {
            match source.next_step() {
                Ok(Step::Room(room)) => {
                    // A send fails once the checker has stopped at a problem.
                    if chunk.push(room) && tx.send(chunk.take()).is_err() {
                        break None;
                    }
                }
                Ok(Step::End(end)) => break Some(Ok(end)),
                Err(e) => break Some(Err(e)),
            }
        };
        if !chunk.rooms.is_empty() {
            let _ = tx.send(chunk.take());
        }
        drop(tx);
        let (found, problem) = checker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let outcome = match (problem, ending) {
            (Some(problem), _) => Err(problem),
            (None, Some(ending)) => ending,
            // Only a problem stops the checker early.
            (None, None) => Err(ArchiveError::invalid(None, "the check stopped early")),
        };
        (outcome, found)
    });
    let Found {
        hasher,
        rooms,
        names,
        mut checked,
        ..
    } = found;
    checked.max_room = Some(opts.max_room_bytes);
    checked.stamp = first_stamp.filter(|stamp| {
        source.stamp() == Some(*stamp) && (opts.private || stamp.settled(opened_at))
    });
    if let Some(duplicate) = find_duplicate(path, names, opts.max_room_bytes)? {
        return Err(duplicate);
    }
    let end = outcome?;
    let sha256 = lower_hex(&hasher.finalize());
    let truncated = match (&end.trailer, source.kind) {
        (Some(trailer), _) => {
            if trailer.rooms != rooms {
                return Err(ArchiveError::invalid(
                    None,
                    format!(
                        "the trailer says {}, the archive holds {rooms}",
                        count(trailer.rooms, "room")
                    ),
                ));
            }
            if !trailer.sha256.eq_ignore_ascii_case(&sha256) {
                return Err(ArchiveError::invalid(
                    None,
                    format!(
                        "checksum mismatch: trailer says {}, rooms hash to {sha256}",
                        trailer.sha256
                    ),
                ));
            }
            false
        }
        (None, ArchiveKind::Archive) => true,
        // A plain input has no trailer to vouch for it: a compressed
        // stream that ends early is cut even where a room ended.
        (None, _) => end.cut || source.stream_cut(),
    };
    if truncated && !opts.allow_truncated {
        return Err(truncation_error(&source, &end, rooms));
    }
    Ok(ArchiveSummary {
        kind: source.kind,
        format: source.format,
        compression: source.compression,
        header: source.header.clone(),
        rooms,
        truncated,
        trailer: end.trailer,
        sha256,
        checked,
    })
}

fn truncation_error(source: &Source, end: &Ending, rooms: u64) -> ArchiveError {
    let message = if source.dropped_last {
        format!(
            "truncated: no trailer after room {} (use --allow-truncated to import the {} before it; the last one may be cut short, so it is left out)",
            rooms + 1,
            count(rooms, "room")
        )
    } else if source.format == Format::Yaml {
        "truncated: no trailer (use --allow-truncated to import it anyway: it holds no rooms)"
            .to_string()
    } else if source.kind != ArchiveKind::Archive && !end.cut {
        format!(
            "truncated: the compressed stream ends early, after line {} (use --allow-truncated to import the {} before it)",
            end.last_line,
            count(rooms, "complete room")
        )
    } else if source.kind == ArchiveKind::Archive {
        format!(
            "truncated: no trailer after line {} (use --allow-truncated to import the {} that {} there)",
            end.last_line,
            count(rooms, "room"),
            if rooms == 1 { "is" } else { "are" }
        )
    } else {
        format!(
            "truncated: the input ends inside a room after line {} (use --allow-truncated to import the {} before it)",
            end.last_line,
            count(rooms, "complete room")
        )
    };
    ArchiveError {
        kind: ArchiveErrorKind::Truncated,
        line: None,
        room: None,
        message,
        source: None,
    }
}

/// `1 room`, `2 rooms`.
fn count(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn name_digest(name: &str) -> u128 {
    let digest = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(first)
}

/// Finds the first room whose name an earlier room already has, given the
/// sorted-to-be digests of every checked room's name.
fn find_duplicate(
    path: &Path,
    mut names: Vec<u128>,
    max_room: u64,
) -> Result<Option<ArchiveError>, ArchiveError> {
    names.sort_unstable();
    let repeated: HashSet<u128> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    drop(names);
    if repeated.is_empty() {
        return Ok(None);
    }
    // Only reached when some digest repeats, so the second pass is rare and
    // remembers only the rooms with those digests.
    let mut source = Source::open(path, max_room)?;
    let mut seen: HashMap<String, (Option<usize>, usize)> = HashMap::new();
    while let Ok(Step::Room(room)) = source.next_step() {
        let Ok(facts) = RoomFacts::from_slice(&room.bytes) else {
            break;
        };
        if !repeated.contains(&name_digest(&facts.name)) {
            continue;
        }
        if let Some(&(line, index)) = seen.get(&facts.name) {
            let first = match line {
                Some(line) => format!("first on line {line}"),
                None => format!("first as room {index}"),
            };
            return Ok(Some(
                room.error(format!("room {:?} appears twice ({first})", facts.name)),
            ));
        }
        seen.insert(facts.name, (room.line, room.index));
    }
    Ok(None)
}

/// Words a room's problem for an operator: which room, what is missing.
fn room_problem(bytes: &[u8], err: &DocumentError) -> String {
    let DocumentError::Invalid(why) = err else {
        return match err {
            DocumentError::Corrupt(why) => format!("not JSON ({why})"),
            _ => "not a room document (JSON, but not an object)".into(),
        };
    };
    let Ok(map) = serde_json::from_slice::<Map<String, Value>>(bytes) else {
        return format!("not a room document ({why})");
    };
    let Some(name) = map.get("roomName").and_then(Value::as_str) else {
        if map.contains_key(MARKER) {
            return format!("a {MARKER:?} record must have {MARKER:?} as its first key");
        }
        return "not a room document (no roomName)".into();
    };
    let missing: Vec<&str> = REQUIRED_KEYS
        .into_iter()
        .filter(|k| !map.contains_key(*k))
        .collect();
    let not_strings: Vec<&str> = REQUIRED_KEYS
        .into_iter()
        .filter(|k| map.get(*k).is_some_and(|v| !v.is_string()))
        .collect();
    if !missing.is_empty() {
        format!("room {name:?} is missing {}", missing.join(", "))
    } else if !not_strings.is_empty() {
        format!("room {name:?} has a non-string {}", not_strings.join(", "))
    } else {
        format!("room {name:?} is invalid ({why})")
    }
}

/// Streams the rooms of an input file again, for the write pass after
/// [`validate`] accepted it. Rooms are checked one by one (a bad room is an
/// error item, after which the iterator ends); the trailer is not, as
/// `validate` did that, and a truncated input yields its complete rooms.
///
/// JSON Lines and JSON are streamed with constant memory. YAML is not:
/// serde_yaml parses a whole document before handing out any part of it, so
/// a YAML archive is held in memory (as compact JSON rooms) while it is read.
pub fn read_rooms(path: &Path) -> Result<ArchiveRooms, ArchiveError> {
    read_rooms_up_to(path, MAX_ROOM_BYTES)
}

/// [`read_rooms`] with another limit for a room's size.
fn read_rooms_up_to(path: &Path, max_room: u64) -> Result<ArchiveRooms, ArchiveError> {
    Ok(ArchiveRooms {
        source: Source::open(path, max_room)?,
        ready: VecDeque::new(),
        read_all: false,
        done: false,
        checked: None,
    })
}

/// [`read_rooms`] for the write pass after [`validate`] accepted the input
/// and found `checked`: rooms whose lines need no second reading are not
/// parsed again, and each chunk of rooms is handed out only once the
/// checksum of the lines up to its end is what `validate` saw (or, when
/// `validate` found the file's stamp trustworthy, once the stamp is still
/// the same). An input that changed in between ends with an error item in
/// place of the chunk where the change was seen; the chunks before it are
/// the ones checked.
pub fn read_checked(path: &Path, checked: Checked) -> Result<ArchiveRooms, ArchiveError> {
    let mut rooms = read_rooms_up_to(path, checked.max_room.unwrap_or(MAX_ROOM_BYTES))?;
    // The same file, not written since it was checked: its stamp vouches
    // for the lines (checked again before each chunk is handed out).
    let stamp = checked
        .stamp
        .filter(|stamp| rooms.source.stamp() == Some(*stamp));
    rooms.checked = Some(CheckedReading {
        chunks: checked.chunks.into_iter(),
        plain: checked.plain.into_iter(),
        hasher: Sha256::new(),
        stamp,
    });
    Ok(rooms)
}

/// A room line [`validate`] may call plain starts this way: its name is
/// then the text up to the next quote.
const PLAIN_START: &[u8] = b"{\"roomName\":\"";

/// The name of a room whose line [`validate`] called plain.
fn plain_name(line: &[u8]) -> Option<String> {
    let rest = line.strip_prefix(PLAIN_START)?;
    let end = memchr::memchr(b'"', rest)?;
    std::str::from_utf8(&rest[..end]).ok().map(str::to_string)
}

/// The state of [`read_checked`].
struct CheckedReading {
    chunks: std::vec::IntoIter<(usize, [u8; 32])>,
    plain: std::vec::IntoIter<bool>,
    hasher: Sha256,
    /// Set when the file's stamp vouches for its lines: then they are not
    /// hashed.
    stamp: Option<Stamp>,
}

/// The rooms of an archive, in archive order; see [`read_rooms`].
///
/// Rooms are read a chunk at a time and parsed on every core.
pub struct ArchiveRooms {
    source: Source,
    /// Parsed rooms (and at most one error, last) not yet handed out.
    ready: VecDeque<Result<ArchivedRoom, ArchiveError>>,
    /// The source has nothing more to give.
    read_all: bool,
    done: bool,
    /// Set by [`read_checked`].
    checked: Option<CheckedReading>,
}

/// Rooms read but not yet checked, up to a count or a size.
#[derive(Default)]
struct RawChunk {
    rooms: Vec<RawRoom>,
    bytes: usize,
}

impl RawChunk {
    const ROOMS: usize = 256;
    const BYTES: usize = 4 << 20;

    /// Adds a room; says whether the chunk is full.
    fn push(&mut self, room: RawRoom) -> bool {
        self.bytes += room.bytes.len();
        self.rooms.push(room);
        self.rooms.len() >= Self::ROOMS || self.bytes >= Self::BYTES
    }

    fn take(&mut self) -> Vec<RawRoom> {
        self.bytes = 0;
        std::mem::take(&mut self.rooms)
    }
}

impl ArchiveRooms {
    /// [`ArchiveRooms::fill`] after [`validate`]: the next chunk as it was
    /// checked, proven unchanged by its checksum.
    fn fill_checked(&mut self) {
        let Some(checked) = self.checked.as_mut() else {
            return self.fill();
        };
        let Some((count, digest)) = checked.chunks.next() else {
            // Every checked room was handed out; anything more is new.
            self.read_all = true;
            if let Ok(Step::Room(room)) = self.source.next_step() {
                self.ready.push_back(Err(room.error(CHANGED.into())));
            }
            return;
        };
        let mut chunk = Vec::with_capacity(count);
        while chunk.len() < count {
            match self.source.next_step() {
                Ok(Step::Room(room)) => {
                    if checked.stamp.is_none() {
                        checked.hasher.update(&room.bytes);
                        checked.hasher.update(b"\n");
                    }
                    chunk.push(room);
                }
                Ok(Step::End(_)) | Err(_) => break,
            }
        }
        let same = match checked.stamp {
            Some(stamp) => self.source.stamp() == Some(stamp),
            None => digest == <[u8; 32]>::from(checked.hasher.clone().finalize()),
        };
        if chunk.len() < count || !same {
            self.read_all = true;
            let at = chunk.first().map(|room| room.error(CHANGED.into()));
            self.ready.push_back(Err(
                at.unwrap_or_else(|| ArchiveError::invalid(None, CHANGED))
            ));
            return;
        }
        let plain: Vec<bool> = checked.plain.by_ref().take(count).collect();
        let parsed: Vec<_> = chunk
            .into_par_iter()
            .zip(plain)
            .map(|(room, plain)| {
                let name = plain.then(|| plain_name(&room.bytes)).flatten();
                let doc = match name {
                    Some(name) => Ok(RoomDocument::from_judged_compact(name, room.bytes)),
                    None => RoomDocument::from_slice(&room.bytes)
                        .map_err(|e| room.error(room_problem(&room.bytes, &e))),
                };
                doc.map(|doc| ArchivedRoom {
                    line: room.line,
                    index: room.index,
                    doc,
                })
            })
            .collect();
        self.ready.extend(parsed);
    }

    /// Reads and parses the next chunk into `ready`.
    fn fill(&mut self) {
        let mut chunk = RawChunk::default();
        let mut failure = None;
        while !self.read_all {
            match self.source.next_step() {
                Ok(Step::Room(room)) => {
                    if chunk.push(room) {
                        break;
                    }
                }
                Ok(Step::End(_)) => self.read_all = true,
                Err(e) => {
                    self.read_all = true;
                    failure = Some(e);
                }
            }
        }
        let parsed: Vec<_> = chunk
            .take()
            .into_par_iter()
            .map(|room| match RoomDocument::from_slice(&room.bytes) {
                Ok(doc) => Ok(ArchivedRoom {
                    line: room.line,
                    index: room.index,
                    doc,
                }),
                Err(e) => Err(room.error(room_problem(&room.bytes, &e))),
            })
            .collect();
        self.ready.extend(parsed);
        self.ready.extend(failure.map(Err));
    }
}

impl ArchiveRooms {
    pub fn kind(&self) -> ArchiveKind {
        self.source.kind
    }

    pub fn format(&self) -> Format {
        self.source.format
    }

    /// The header, once read (a JSON archive may put some of it after its
    /// rooms).
    pub fn header(&self) -> Option<&Header> {
        self.source.header.as_ref()
    }
}

impl Iterator for ArchiveRooms {
    type Item = Result<ArchivedRoom, ArchiveError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.ready.is_empty() && !self.read_all {
            self.fill_checked();
        }
        let item = self.ready.pop_front();
        self.done = !matches!(item, Some(Ok(_)));
        item
    }
}

/// One room as read, before it is checked.
struct RawRoom {
    line: Option<usize>,
    index: usize,
    /// The compact line the checksum covers.
    bytes: Vec<u8>,
}

impl RawRoom {
    fn error(&self, message: String) -> ArchiveError {
        ArchiveError {
            kind: ArchiveErrorKind::Invalid,
            line: self.line,
            room: Some(self.index),
            message: shorten(message),
            source: None,
        }
    }
}

/// How the rooms ended.
struct Ending {
    trailer: Option<Trailer>,
    /// The input stops inside a record.
    cut: bool,
    /// The last line of the last complete record, for messages.
    last_line: usize,
}

enum Step {
    Room(RawRoom),
    End(Ending),
}

/// An opened input: what it is, and where its rooms are read from.
struct Source {
    kind: ArchiveKind,
    format: Format,
    compression: Compression,
    header: Option<Header>,
    body: Body,
    rooms: usize,
    last_line: usize,
    /// A YAML archive without a trailer: its last room was left out.
    dropped_last: bool,
    buf: Vec<u8>,
    /// Set when the compressed stream being read turns out to be cut.
    stream_cut: Arc<AtomicBool>,
    /// The file being read, for its [`Stamp`].
    file: Option<File>,
}

enum Body {
    /// JSON Lines, after the header line.
    Jsonl(Input),
    /// Inside the `rooms` array of a JSON archive.
    JsonArchive {
        input: Input,
        fields: HeaderFields,
        first: bool,
    },
    /// Inside a plain JSON array.
    Array {
        input: Input,
        first: bool,
    },
    /// Top-level values one after another.
    Documents(Input),
    /// A YAML archive, read whole.
    Yaml {
        rooms: std::vec::IntoIter<Vec<u8>>,
        trailer: Option<Trailer>,
    },
    Done,
}

impl Source {
    /// The stamp of the file being read.
    fn stamp(&self) -> Option<Stamp> {
        self.file.as_ref().and_then(Stamp::of)
    }

    fn open(path: &Path, max_room: u64) -> Result<Source, ArchiveError> {
        let (mut input, compression) = Input::open(path, max_room)?;
        let file = input.file.take();
        let mut source = Source {
            kind: ArchiveKind::Archive,
            format: Format::Jsonl,
            compression,
            header: None,
            body: Body::Done,
            rooms: 0,
            last_line: 1,
            dropped_last: false,
            buf: Vec::new(),
            stream_cut: Arc::clone(&input.cut),
            file,
        };
        match input.peek_non_ws()? {
            None if input.cut.load(Ordering::Relaxed) => {
                return Err(ArchiveError {
                    kind: ArchiveErrorKind::Truncated,
                    line: None,
                    room: None,
                    message: "truncated: the compressed stream ends before any content".into(),
                    source: None,
                });
            }
            None => {
                return Err(ArchiveError::invalid(
                    None,
                    "empty input: not an archive, a room array or a room document",
                ));
            }
            Some(b'[') => {
                input.bump();
                source.kind = ArchiveKind::RoomArray;
                source.format = Format::Json;
                source.body = Body::Array { input, first: true };
            }
            Some(b'{') => source.open_object(path, input)?,
            Some(_) => source.open_yaml(input)?,
        }
        Ok(source)
    }

    /// A JSON object at the top: a JSON Lines header, a JSON archive, or a
    /// room. The first key decides, so a JSON archive can be streamed.
    fn open_object(&mut self, path: &Path, mut input: Input) -> Result<(), ArchiveError> {
        input.bump();
        let mut first = true;
        let is_archive = match input.next_member(&mut first, &mut self.buf)? {
            Member::Key(key) => key == MARKER,
            Member::Close | Member::Cut => false,
        };
        if !is_archive {
            // A room document: read it again from the start, whole.
            let (mut input, _) = Input::open(path, input.max_room as u64)?;
            self.file = input.file.take();
            self.stream_cut = Arc::clone(&input.cut);
            self.kind = ArchiveKind::RoomDocuments;
            self.format = Format::Json;
            self.body = Body::Documents(input);
            return Ok(());
        }
        let line = input.line;
        let marker = input.member_value(&mut self.buf)?;
        match marker.as_str() {
            Some("archive") => {}
            Some("trailer") => {
                return Err(ArchiveError::invalid(
                    Some(line),
                    "starts with a trailer, not an archive header",
                ));
            }
            _ => {
                return Err(ArchiveError::invalid(
                    Some(line),
                    format!("not a roomctl archive ({MARKER:?}: {marker})"),
                ));
            }
        }
        let mut fields = HeaderFields::default();
        loop {
            match input.next_member(&mut first, &mut self.buf)? {
                Member::Key(key) if key == "rooms" => {
                    match input.peek_non_ws()? {
                        Some(b'[') => input.bump(),
                        _ => {
                            return Err(ArchiveError::invalid(
                                Some(input.line),
                                "the archive's rooms must be an array",
                            ));
                        }
                    }
                    self.format = Format::Json;
                    self.header = fields.complete();
                    self.last_line = input.line;
                    self.body = Body::JsonArchive {
                        input,
                        fields,
                        first: true,
                    };
                    return Ok(());
                }
                Member::Key(key) => {
                    let line = input.line;
                    let value = input.member_value(&mut self.buf)?;
                    fields.set(&key, value, Some(line))?;
                }
                Member::Close => {
                    self.header = Some(fields.finish(Some(input.line))?);
                    self.last_line = input.line;
                    input.finish_line(&mut self.buf)?;
                    self.body = Body::Jsonl(input);
                    return Ok(());
                }
                Member::Cut => {
                    return Err(ArchiveError {
                        kind: ArchiveErrorKind::Truncated,
                        line: None,
                        room: None,
                        message: "truncated: the input ends inside the archive header".into(),
                        source: None,
                    });
                }
            }
        }
    }

    fn open_yaml(&mut self, mut input: Input) -> Result<(), ArchiveError> {
        let mut text = Vec::new();
        (&mut input.reader)
            .take(MAX_YAML_BYTES as u64 + 1)
            .read_to_end(&mut text)
            .map_err(|e| ArchiveError::io(None, "cannot read", e))?;
        if text.len() > MAX_YAML_BYTES {
            return Err(ArchiveError::invalid(
                None,
                format!(
                    "not JSON, and too large for a YAML archive (over {} MiB; YAML is read into memory whole, so export big stores as jsonl)",
                    MAX_YAML_BYTES >> 20
                ),
            ));
        }
        let (doc, dropped_last) = parse_yaml(&text)?;
        drop(text);
        match doc.marker.as_ref().map(|m| m.as_str()) {
            Some(Some("archive")) => {}
            Some(_) => {
                let marker = doc.marker.unwrap_or(Value::Null);
                return Err(ArchiveError::invalid(
                    None,
                    format!("not a roomctl archive ({MARKER:?}: {marker})"),
                ));
            }
            None => {
                return Err(ArchiveError::invalid(
                    None,
                    format!("not a roomctl archive (a YAML document without {MARKER:?}: archive)"),
                ));
            }
        }
        let mut fields = HeaderFields::default();
        for (key, value) in doc.header {
            fields.set(&key, value, None)?;
        }
        self.header = Some(fields.finish(None)?);
        let trailer = doc
            .trailer
            .map(|value| trailer_from_value(value, None))
            .transpose()?;
        self.dropped_last = dropped_last;
        self.format = Format::Yaml;
        self.body = Body::Yaml {
            rooms: doc.rooms.into_iter(),
            trailer,
        };
        Ok(())
    }

    /// Whether the compressed stream ended before its end (so far).
    fn stream_cut(&self) -> bool {
        self.stream_cut.load(Ordering::Relaxed)
    }

    fn next_step(&mut self) -> Result<Step, ArchiveError> {
        let step = self.step();
        if matches!(step, Err(_) | Ok(Step::End(_))) {
            self.body = Body::Done;
        }
        step
    }

    fn step(&mut self) -> Result<Step, ArchiveError> {
        let index = self.rooms + 1;
        let buf = &mut self.buf;
        let last_line = self.last_line;
        let end = |trailer, cut| {
            Ok(Step::End(Ending {
                trailer,
                cut,
                last_line,
            }))
        };
        let (line, input) = match &mut self.body {
            Body::Done => return end(None, false),
            Body::Yaml { rooms, trailer } => {
                return match rooms.next() {
                    Some(bytes) => {
                        self.rooms = index;
                        Ok(Step::Room(RawRoom {
                            line: None,
                            index,
                            bytes,
                        }))
                    }
                    None => end(trailer.take(), false),
                };
            }
            Body::Jsonl(input) => {
                return match jsonl_step(input, buf)? {
                    JsonlStep::Room(line) => {
                        self.rooms = index;
                        self.last_line = line;
                        Ok(Step::Room(RawRoom {
                            line: Some(line),
                            index,
                            bytes: take_line(buf),
                        }))
                    }
                    JsonlStep::Trailer(trailer) => end(Some(trailer), false),
                    JsonlStep::Cut => end(None, true),
                };
            }
            Body::JsonArchive {
                input,
                fields,
                first,
            } => match input.next_element(first, buf)? {
                Element::Value(line) => (line, input),
                Element::Cut => return end(None, true),
                Element::Close => {
                    let (trailer, cut) = input.archive_tail(fields, buf)?;
                    if self.header.is_none() {
                        self.header = Some(std::mem::take(fields).finish(None)?);
                    }
                    return end(trailer, cut);
                }
            },
            Body::Array { input, first } => match input.next_element(first, buf)? {
                Element::Value(line) => (line, input),
                Element::Cut => return end(None, true),
                Element::Close => {
                    input.expect_end()?;
                    return end(None, false);
                }
            },
            Body::Documents(input) => {
                if input.peek_non_ws()?.is_none() {
                    return end(None, false);
                }
                let line = input.line;
                if !input.read_value(buf)? {
                    return end(None, true);
                }
                (line, input)
            }
        };
        self.rooms = index;
        self.last_line = input.line;
        Ok(Step::Room(RawRoom {
            line: Some(line),
            index,
            bytes: compact_form(buf).into_owned(),
        }))
    }
}

enum JsonlStep {
    /// A room line (in the buffer) and its line number.
    Room(usize),
    Trailer(Trailer),
    /// The input ended without a trailer.
    Cut,
}

fn is_record(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii_start();
    trimmed.first() == Some(&b'{') && trimmed[1..].trim_ascii_start().starts_with(b"\"$roomctl\"")
}

fn jsonl_step(input: &mut Input, buf: &mut Vec<u8>) -> Result<JsonlStep, ArchiveError> {
    let line = input.line;
    let terminated = match input.read_line(buf)? {
        LineEnd::Eof => return Ok(JsonlStep::Cut),
        LineEnd::Terminated => true,
        LineEnd::Unterminated => false,
    };
    if !terminated {
        // The last bytes of the file with no line break after them: a
        // complete record whose final newline was lost (an editor), or a cut.
        // A JSON object cannot be a proper prefix of a longer one-line
        // object, so whatever parses is complete.
        if is_record(buf) {
            return match record_trailer(buf, line) {
                Ok(trailer) => Ok(JsonlStep::Trailer(trailer)),
                Err(_) => Ok(JsonlStep::Cut),
            };
        }
        if serde_json::from_slice::<IgnoredAny>(buf).is_ok() {
            return Ok(JsonlStep::Room(line));
        }
        return Ok(JsonlStep::Cut);
    }
    if buf.trim_ascii().is_empty() {
        return Err(ArchiveError::invalid(
            Some(line),
            "an empty line where a room should be",
        ));
    }
    if !is_record(buf) {
        return Ok(JsonlStep::Room(line));
    }
    let trailer = record_trailer(buf, line)?;
    // Only blank lines may follow the trailer (an editor's final newline).
    loop {
        let at = input.line;
        match input.read_line(buf)? {
            LineEnd::Eof => return Ok(JsonlStep::Trailer(trailer)),
            _ if buf.trim_ascii().is_empty() => continue,
            _ => {
                return Err(ArchiveError::invalid(
                    Some(at),
                    "content after the trailer (two archives joined together?)",
                ));
            }
        }
    }
}

/// The line in `buf`, without a copy; `buf` gets room for one a little
/// longer. (A line keeps at most twice its size, as `read_until` grew it.)
fn take_line(buf: &mut Vec<u8>) -> Vec<u8> {
    let room = buf.len() + buf.len() / 2 + 64;
    std::mem::replace(buf, Vec::with_capacity(room))
}

/// Reads a `$roomctl` line that must be the trailer.
fn record_trailer(line_bytes: &[u8], line: usize) -> Result<Trailer, ArchiveError> {
    let value: Value = serde_json::from_slice(line_bytes)
        .map_err(|e| ArchiveError::invalid(Some(line), format!("not JSON ({e})")))?;
    match value.get(MARKER).and_then(Value::as_str) {
        Some("trailer") => trailer_from_value(value, Some(line)),
        Some("archive") => Err(ArchiveError::invalid(
            Some(line),
            "a second archive header (two archives joined together?)",
        )),
        _ => Err(ArchiveError::invalid(
            Some(line),
            format!(
                "unknown record ({MARKER:?}: {})",
                value.get(MARKER).unwrap_or(&Value::Null)
            ),
        )),
    }
}

fn trailer_from_value(value: Value, line: Option<usize>) -> Result<Trailer, ArchiveError> {
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
struct HeaderFields {
    version: Option<u64>,
    created_at: Option<String>,
    source: Option<String>,
    tool: Option<String>,
}

impl HeaderFields {
    /// Takes one header key. The version is checked at once, before any room
    /// of an archive this roomctl cannot read is looked at.
    fn set(&mut self, key: &str, value: Value, line: Option<usize>) -> Result<(), ArchiveError> {
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

    fn complete(&self) -> Option<Header> {
        self.version?;
        Some(Header {
            created_at: self.created_at.clone()?,
            source: self.source.clone()?,
            tool: self.tool.clone()?,
        })
    }

    fn finish(self, line: Option<usize>) -> Result<Header, ArchiveError> {
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

// ---------------------------------------------------------------------------
// The decompressed byte stream, with just enough of a JSON scanner to find
// where one value ends without parsing it (serde_json parses each value
// afterwards): that is what lets a JSON archive be streamed room by room.

/// Bytes read from an input at a time.
const READ_BUFFER: usize = 256 << 10;

struct Input {
    reader: Box<dyn BufRead + Send>,
    /// The longest room (or line) read; reading stops past it.
    max_room: usize,
    /// 1-based line of the next unread byte.
    line: usize,
    /// The compressed stream ended early (the content may still look whole
    /// up to some point; what counts is whether a trailer was read).
    cut: Arc<AtomicBool>,
    /// Another handle on the file, for its stamp.
    file: Option<File>,
}

enum LineEnd {
    Eof,
    Terminated,
    Unterminated,
}

enum Member {
    Key(String),
    Close,
    Cut,
}

enum Element {
    /// A value (in the buffer) starting on this line.
    Value(usize),
    Close,
    Cut,
}

/// Reads a cut compressed stream as a shorter stream, so that a truncated
/// `.gz` is reported as a truncated archive (and its complete rooms can be
/// imported) rather than as a read error.
struct CutIsEnd<R> {
    inner: R,
    cut: Arc<AtomicBool>,
}

impl<R: Read> Read for CutIsEnd<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                self.cut.store(true, Ordering::Relaxed);
                Ok(0)
            }
            other => other,
        }
    }
}

fn read_error(line: usize) -> impl Fn(io::Error) -> ArchiveError {
    move |e| ArchiveError::io(Some(line), "cannot read", e)
}

impl Input {
    fn open(path: &Path, max_room: u64) -> Result<(Input, Compression), ArchiveError> {
        let name = path.display();
        let open_error = |e| ArchiveError::io(None, &format!("cannot open {name}"), e);
        // Large reads: an archive is read whole, twice.
        let file = File::open(path).map_err(open_error)?;
        let stamped = file.try_clone().ok();
        let mut file = BufReader::with_capacity(READ_BUFFER, file);
        let compression = Compression::detect(file.fill_buf().map_err(open_error)?);
        let cut = Arc::new(AtomicBool::new(false));
        let reader: Box<dyn BufRead + Send> = match compression {
            Compression::None => Box::new(file),
            Compression::Gzip => Box::new(BufReader::with_capacity(
                READ_BUFFER,
                CutIsEnd {
                    inner: flate2::read::MultiGzDecoder::new(file),
                    cut: Arc::clone(&cut),
                },
            )),
            Compression::Zstd => Box::new(BufReader::with_capacity(
                READ_BUFFER,
                CutIsEnd {
                    inner: zstd::stream::read::Decoder::with_buffer(file).map_err(open_error)?,
                    cut: Arc::clone(&cut),
                },
            )),
        };
        let mut input = Input {
            reader,
            max_room: usize::try_from(max_room).unwrap_or(usize::MAX),
            line: 1,
            cut,
            file: stamped,
        };
        // A byte-order mark is not content (editors on Windows add one).
        if input
            .reader
            .fill_buf()
            .map_err(read_error(1))?
            .starts_with(b"\xef\xbb\xbf")
        {
            input.reader.consume(3);
        }
        Ok((input, compression))
    }

    /// The next byte that is not whitespace, left unread; `None` at the end.
    fn peek_non_ws(&mut self) -> Result<Option<u8>, ArchiveError> {
        loop {
            let buf = self.reader.fill_buf().map_err(read_error(self.line))?;
            if buf.is_empty() {
                return Ok(None);
            }
            let skip = buf
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(buf.len());
            let newlines = buf[..skip].iter().filter(|&&b| b == b'\n').count();
            let next = buf.get(skip).copied();
            self.reader.consume(skip);
            self.line += newlines;
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    /// Consumes the byte [`peek_non_ws`](Self::peek_non_ws) returned.
    fn bump(&mut self) {
        self.reader.consume(1);
    }

    /// Reads one line into `out`, without its `\n` (or `\r\n`).
    fn read_line(&mut self, out: &mut Vec<u8>) -> Result<LineEnd, ArchiveError> {
        out.clear();
        let n = (&mut self.reader)
            .take(self.max_room as u64 + 1)
            .read_until(b'\n', out)
            .map_err(read_error(self.line))?;
        if n == 0 {
            return Ok(LineEnd::Eof);
        }
        if out.last() == Some(&b'\n') {
            out.pop();
            if out.last() == Some(&b'\r') {
                out.pop();
            }
            self.line += 1;
            return Ok(LineEnd::Terminated);
        }
        if n > self.max_room {
            return Err(too_long(self.line, out, self.max_room));
        }
        Ok(LineEnd::Unterminated)
    }

    /// Consumes the rest of the current line, which must be blank.
    fn finish_line(&mut self, buf: &mut Vec<u8>) -> Result<(), ArchiveError> {
        let line = self.line;
        self.read_line(buf)?;
        if buf.trim_ascii().is_empty() {
            Ok(())
        } else {
            Err(ArchiveError::invalid(
                Some(line),
                "content after the archive header on its line",
            ))
        }
    }

    /// Reads one whole JSON value into `out`, as bytes, after any whitespace.
    /// `Ok(false)` when the input ends before it is complete.
    fn read_value(&mut self, out: &mut Vec<u8>) -> Result<bool, ArchiveError> {
        out.clear();
        if self.peek_non_ws()?.is_none() {
            return Ok(false);
        }
        let mut scan = ValueScan::default();
        loop {
            let buf = self.reader.fill_buf().map_err(read_error(self.line))?;
            if buf.is_empty() {
                // Only a bare scalar (`true`, `12`) ends at the end of input.
                return Ok(scan.scalar);
            }
            let (used, done) = scan.feed(buf);
            out.extend_from_slice(&buf[..used]);
            let newlines = buf[..used].iter().filter(|&&b| b == b'\n').count();
            self.reader.consume(used);
            self.line += newlines;
            if out.len() > self.max_room {
                return Err(too_long(self.line, out, self.max_room));
            }
            if done {
                return Ok(true);
            }
        }
    }

    /// Reads a value and parses it (header and trailer fields).
    fn member_value(&mut self, buf: &mut Vec<u8>) -> Result<Value, ArchiveError> {
        let line = self.line;
        if !self.read_value(buf)? {
            return Err(ArchiveError {
                kind: ArchiveErrorKind::Truncated,
                line: None,
                room: None,
                message: "truncated: the input ends inside the archive header".into(),
                source: None,
            });
        }
        serde_json::from_slice(buf)
            .map_err(|e| ArchiveError::invalid(Some(line), format!("not JSON ({e})")))
    }

    fn unexpected(&self, expected: &str, found: u8) -> ArchiveError {
        let found = if found.is_ascii_graphic() {
            format!("'{}'", found as char)
        } else {
            format!("byte 0x{found:02x}")
        };
        ArchiveError::invalid(
            Some(self.line),
            format!("expected {expected}, found {found}"),
        )
    }

    /// Inside an object: the next key (and its `:`), or the closing brace.
    fn next_member(&mut self, first: &mut bool, buf: &mut Vec<u8>) -> Result<Member, ArchiveError> {
        let Some(mut c) = self.peek_non_ws()? else {
            return Ok(Member::Cut);
        };
        if c == b'}' {
            self.bump();
            return Ok(Member::Close);
        }
        if !*first {
            if c != b',' {
                return Err(self.unexpected("',' or '}'", c));
            }
            self.bump();
            match self.peek_non_ws()? {
                Some(next) => c = next,
                None => return Ok(Member::Cut),
            }
        }
        *first = false;
        if c != b'"' {
            return Err(self.unexpected("a key", c));
        }
        let line = self.line;
        if !self.read_value(buf)? {
            return Ok(Member::Cut);
        }
        let key: String = serde_json::from_slice(buf)
            .map_err(|e| ArchiveError::invalid(Some(line), format!("not JSON ({e})")))?;
        match self.peek_non_ws()? {
            Some(b':') => self.bump(),
            Some(c) => return Err(self.unexpected("':'", c)),
            None => return Ok(Member::Cut),
        }
        Ok(Member::Key(key))
    }

    /// Inside an array: the next element (read into `buf`), or the closing
    /// bracket.
    fn next_element(
        &mut self,
        first: &mut bool,
        buf: &mut Vec<u8>,
    ) -> Result<Element, ArchiveError> {
        let Some(c) = self.peek_non_ws()? else {
            return Ok(Element::Cut);
        };
        if c == b']' {
            self.bump();
            return Ok(Element::Close);
        }
        if !*first {
            if c != b',' {
                return Err(self.unexpected("',' or ']' after a room", c));
            }
            self.bump();
            if self.peek_non_ws()?.is_none() {
                return Ok(Element::Cut);
            }
        }
        *first = false;
        let line = self.line;
        if !self.read_value(buf)? {
            return Ok(Element::Cut);
        }
        Ok(Element::Value(line))
    }

    /// After the `rooms` array of a JSON archive: the trailer and any header
    /// keys, to the end of the document. A trailer read whole counts even if
    /// the closing brace is missing: the rooms it covers are all there.
    fn archive_tail(
        &mut self,
        fields: &mut HeaderFields,
        buf: &mut Vec<u8>,
    ) -> Result<(Option<Trailer>, bool), ArchiveError> {
        let mut trailer = None;
        let mut first = false;
        loop {
            match self.next_member(&mut first, buf)? {
                Member::Close => {
                    self.expect_end()?;
                    return Ok((trailer, false));
                }
                Member::Cut => return Ok((trailer, true)),
                Member::Key(key) => {
                    let line = self.line;
                    if !self.read_value(buf)? {
                        return Ok((trailer, true));
                    }
                    let value: Value = serde_json::from_slice(buf).map_err(|e| {
                        ArchiveError::invalid(Some(line), format!("not JSON ({e})"))
                    })?;
                    match key.as_str() {
                        "trailer" => trailer = Some(trailer_from_value(value, Some(line))?),
                        "rooms" => {
                            return Err(ArchiveError::invalid(Some(line), "a second rooms array"));
                        }
                        _ => fields.set(&key, value, Some(line))?,
                    }
                }
            }
        }
    }

    /// Only whitespace may follow a complete document.
    fn expect_end(&mut self) -> Result<(), ArchiveError> {
        match self.peek_non_ws()? {
            None => Ok(()),
            Some(_) => Err(ArchiveError::invalid(
                Some(self.line),
                "content after the end of the document",
            )),
        }
    }
}

/// A room (or a line) longer than the limit, of which `start` was read.
fn too_long(line: usize, start: &[u8], max: usize) -> ArchiveError {
    let size = crate::limit::over_limit(start.len() as u64, max as u64, true);
    ArchiveError::invalid(
        Some(line),
        match name_near_start(start) {
            Some(name) => format!("room {name:?} is {size}"),
            None => format!("{size}: not a room this roomctl reads"),
        },
    )
}

/// The `roomName` of a room whose text begins with `start`, when it comes
/// early (it comes first in what the server and roomctl write).
fn name_near_start(start: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"roomName\"";
    let head = &start[..start.len().min(64 << 10)];
    let at = memchr::memmem::find(head, KEY)? + KEY.len();
    let rest = head[at..]
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    if rest.first() != Some(&b'"') {
        return None;
    }
    // The string runs to the first quote not escaped.
    let mut escaped = false;
    let end = rest[1..].iter().position(|&b| {
        let close = b == b'"' && !escaped;
        escaped = b == b'\\' && !escaped;
        close
    })?;
    serde_json::from_slice(&rest[..end + 2]).ok()
}

/// Where a JSON value ends, found by counting brackets outside strings. It
/// does not validate: a malformed value still ends somewhere, and serde_json
/// then says what is wrong with it.
#[derive(Default)]
struct ValueScan {
    started: bool,
    scalar: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl ValueScan {
    /// Feeds bytes; returns how many belong to the value, and whether it is
    /// complete.
    fn feed(&mut self, buf: &[u8]) -> (usize, bool) {
        for (i, &b) in buf.iter().enumerate() {
            if !self.started {
                self.started = true;
                match b {
                    b'{' | b'[' => self.depth = 1,
                    b'"' => self.in_string = true,
                    _ => self.scalar = true,
                }
                continue;
            }
            if self.scalar {
                if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}' | b':') {
                    return (i, true);
                }
            } else if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return (i + 1, true);
                    }
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            return (i + 1, true);
                        }
                    }
                    _ => {}
                }
            }
        }
        (buf.len(), false)
    }
}

// ---------------------------------------------------------------------------
// YAML. serde_yaml parses a whole document before any of it is handed out,
// so the archive is read into memory; each room becomes compact JSON as it
// is met, which is smaller than a tree of values.

/// Parses a YAML archive. Without a trailer the document may have been cut,
/// and YAML cut inside the last room often still parses, as a shorter room,
/// or fails to parse at all: so the last room is left out (the `bool`), by
/// parsing again up to the line where it starts. Rooms are list items at
/// column 0 (`- `) in the layout the writer uses, and nothing inside a room
/// can start a line there.
fn parse_yaml(text: &[u8]) -> Result<(YamlArchive, bool), ArchiveError> {
    let first = YamlArchive::parse(text);
    let maybe_cut = match &first {
        Ok(doc) => doc.trailer.is_none() && !doc.rooms.is_empty(),
        Err(e) => e.message.contains("end of stream"),
    };
    if maybe_cut {
        let last_item = text.windows(3).rposition(|w| w == b"\n- ");
        if let Some(at) = last_item
            && let Ok(doc) = YamlArchive::parse(&text[..=at])
            && doc.trailer.is_none()
        {
            return Ok((doc, true));
        }
    }
    match first {
        // A layout this writer does not produce: leave the last room out all
        // the same.
        Ok(mut doc) if maybe_cut => {
            doc.rooms.pop();
            Ok((doc, true))
        }
        other => other.map(|doc| (doc, false)),
    }
}

struct YamlArchive {
    marker: Option<Value>,
    header: Vec<(String, Value)>,
    rooms: Vec<Vec<u8>>,
    trailer: Option<Value>,
}

impl YamlArchive {
    fn parse(text: &[u8]) -> Result<YamlArchive, ArchiveError> {
        let failed_room = Cell::new(None);
        let seed = YamlSeed {
            failed_room: &failed_room,
        };
        seed.deserialize(serde_yaml::Deserializer::from_slice(text))
            .map_err(|e| {
                let line = e.location().map(|l| l.line());
                let room = failed_room.get();
                let message = match room {
                    Some(_) => format!("cannot read this room ({e})"),
                    None if text.iter().take(1024).any(|&b| b == 0) => {
                        "not an archive, a room array or a room document (binary data)".to_string()
                    }
                    None => format!("not a roomctl archive ({e})"),
                };
                ArchiveError {
                    kind: ArchiveErrorKind::Invalid,
                    line,
                    room,
                    message: shorten(message),
                    source: None,
                }
            })
    }
}

/// Deserialises the archive mapping; notes which room failed, if one did.
struct YamlSeed<'c> {
    failed_room: &'c Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for YamlSeed<'_> {
    type Value = YamlArchive;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<YamlArchive, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for YamlSeed<'_> {
    type Value = YamlArchive;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a roomctl archive mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<YamlArchive, A::Error> {
        let mut doc = YamlArchive {
            marker: None,
            header: Vec::new(),
            rooms: Vec::new(),
            trailer: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                MARKER => doc.marker = Some(map.next_value()?),
                "rooms" => {
                    doc.rooms = map.next_value_seed(YamlRooms {
                        failed_room: self.failed_room,
                    })?
                }
                "trailer" => doc.trailer = Some(map.next_value()?),
                "version" | "createdAt" | "source" | "tool" => {
                    doc.header.push((key, map.next_value()?))
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(doc)
    }
}

struct YamlRooms<'c> {
    failed_room: &'c Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for YamlRooms<'_> {
    type Value = Vec<Vec<u8>>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for YamlRooms<'_> {
    type Value = Vec<Vec<u8>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of rooms")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<Vec<u8>>, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Vec<u8>>, A::Error> {
        let mut rooms = Vec::new();
        loop {
            self.failed_room.set(Some(rooms.len() + 1));
            match seq.next_element::<Value>()? {
                // Serialising a JSON value cannot fail.
                Some(value) => rooms.push(serde_json::to_vec(&value).unwrap_or_default()),
                None => break,
            }
        }
        self.failed_room.set(None);
        Ok(rooms)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::json;

    use super::*;

    /// Rooms that exercise what an archive must carry unchanged: unknown
    /// fields, hostile names, unicode, numbers of every kind, key order.
    fn sample_rooms() -> Vec<Vec<u8>> {
        let names = [
            "movie night",
            "line\nbreak\r\nand\ttab",
            "\u{1b}[31mred\u{1b}[0m \u{7} bell \u{0} nul",
            "quote \" back \\ slash / ..",
            "émoji 🎬 \u{2028}\u{85}\u{feff}",
            "true",
            "12345",
            "",
            " leading and trailing ",
            "- dash: colon # hash 'single'",
        ];
        let mut rooms: Vec<Vec<u8>> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let room = json!({
                    "roomName": name,
                    "password": "multi\nline\n",
                    "sort": "random",
                    "createdAt": "2025-10-25T19:04:11.123Z",
                    "creatorPlexUserId": i.to_string(),
                    "creatorPlexUsername": "ann",
                    "ratings": {"12345": [["ann", "like", 1761419051123_i64], ["bob", "dislike", 1761419052123_i64]]},
                    "futureField": {"z": [1, 2.5, -3, 1e-7, 1e21, u64::MAX, i64::MIN, null, true, {}, []], "a": "long words ".repeat(20)},
                    "userProgress": {"ann": 2}
                });
                serde_json::to_vec(&room).unwrap()
            })
            .collect();
        // Keys in an unusual order must stay in it.
        rooms.push(
            br#"{"zeta":1,"createdAt":"2025-01-01T00:00:00.000Z","roomName":"backwards","creatorPlexUserId":"9"}"#
                .to_vec(),
        );
        rooms
    }

    fn write_archive(rooms: &[Vec<u8>], format: Format, compression: Compression) -> Vec<u8> {
        let header = Header::new("redis://h:6379/0");
        let w = CompressedWriter::new(Vec::new(), compression).unwrap();
        let mut archive = ArchiveWriter::new(w, format, &header).unwrap();
        for room in rooms {
            archive.write_room(room).unwrap();
        }
        let (w, trailer) = archive.finish().unwrap();
        assert_eq!(trailer.rooms, rooms.len() as u64);
        w.finish().unwrap()
    }

    struct Scratch {
        dir: tempfile::TempDir,
    }

    impl Scratch {
        fn new() -> Self {
            Scratch {
                dir: tempfile::tempdir().unwrap(),
            }
        }

        fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
            let path = self.dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        }
    }

    fn validate_err(path: &Path) -> ArchiveError {
        validate(path, &ValidateOptions::default()).unwrap_err()
    }

    fn read_all(path: &Path) -> Vec<ArchivedRoom> {
        read_rooms(path)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    }

    fn jsonl(rooms: &[&str]) -> String {
        let mut text = String::new();
        text.push_str(r#"{"$roomctl":"archive","version":1,"createdAt":"2025-10-25T19:04:11.123Z","source":"memory:","tool":"roomctl 0.1.0"}"#);
        text.push('\n');
        let mut hasher = Sha256::new();
        for room in rooms {
            text.push_str(room);
            text.push('\n');
            hasher.update(room.as_bytes());
            hasher.update(b"\n");
        }
        text.push_str(&format!(
            r#"{{"$roomctl":"trailer","rooms":{},"sha256":"{}"}}"#,
            rooms.len(),
            lower_hex(&hasher.finalize())
        ));
        text.push('\n');
        text
    }

    fn room(name: &str) -> String {
        format!(
            r#"{{"roomName":{},"createdAt":"2025-10-25T19:04:11.123Z","creatorPlexUserId":"1"}}"#,
            serde_json::to_string(name).unwrap()
        )
    }

    #[test]
    fn the_write_pass_hands_out_what_was_checked() {
        let mut rooms = sample_rooms();
        // Enough rooms for several chunks.
        rooms.extend((0..600).map(|i| room(&format!("r{i}")).into_bytes()));
        let scratch = Scratch::new();
        for format in [Format::Jsonl, Format::Json, Format::Yaml] {
            let path = scratch.file("a", &write_archive(&rooms, format, Compression::None));
            let summary = validate(&path, &ValidateOptions::default()).unwrap();
            assert!(summary.checked.chunks.len() > 1);
            // Most lines need no second reading; escaped names do.
            let plain = summary.checked.plain.iter().filter(|p| **p).count();
            assert!(plain > 600 && plain < rooms.len(), "{plain}");
            let checked: Vec<ArchivedRoom> = read_checked(&path, summary.checked)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let parsed = read_all(&path);
            assert_eq!(checked.len(), rooms.len());
            for (a, b) in checked.iter().zip(&parsed) {
                assert_eq!(a.doc.name(), b.doc.name());
                assert_eq!(a.doc.to_compact(), b.doc.to_compact());
                assert_eq!(a.doc.facts(), b.doc.facts());
                assert_eq!((a.line, a.index), (b.line, b.index));
            }
        }
    }

    #[test]
    fn a_room_changed_between_the_passes_is_not_handed_out() {
        let rooms: Vec<Vec<u8>> = (0..600)
            .map(|i| room(&format!("r{i}")).into_bytes())
            .collect();
        let scratch = Scratch::new();
        let text = write_archive(&rooms, Format::Jsonl, Compression::None);
        let path = scratch.file("a.jsonl", &text);
        let summary = validate(&path, &ValidateOptions::default()).unwrap();
        // One room in the second chunk renamed (still a valid room), one
        // room made corrupt, and one room appended: each is caught.
        let renamed = String::from_utf8(text.clone())
            .unwrap()
            .replace("\"r300\"", "\"x300\"");
        let corrupt = String::from_utf8(text.clone())
            .unwrap()
            .replace("\"r300\"", "\"r300");
        let first_chunk = summary.checked.chunks[0].0;
        for changed in [renamed, corrupt] {
            std::fs::write(&path, changed).unwrap();
            let read: Vec<_> = read_checked(&path, summary.checked.clone())
                .unwrap()
                .collect();
            let good = read.iter().take_while(|r| r.is_ok()).count();
            assert_eq!(
                good, first_chunk,
                "the chunk holding the change is held back"
            );
            let err = read.last().unwrap().as_ref().unwrap_err();
            assert!(
                err.to_string().contains("changed after it was checked"),
                "{err}"
            );
            assert!(read.iter().flatten().all(|r| r.doc.name() != "x300"));
        }
    }

    #[test]
    fn an_unchanged_file_vouches_for_its_lines_by_its_stamp() {
        let rooms: Vec<Vec<u8>> = (0..600)
            .map(|i| room(&format!("r{i}")).into_bytes())
            .collect();
        let scratch = Scratch::new();
        let text = write_archive(&rooms, Format::Jsonl, Compression::None);
        let path = scratch.file("a.jsonl", &text);
        // A file written a moment ago may still be written: it is hashed.
        let fresh = validate(&path, &ValidateOptions::default()).unwrap();
        assert_eq!(fresh.checked.stamp, None);
        // roomctl's own spool is trusted while its stamp holds.
        let private = ValidateOptions {
            private: true,
            ..ValidateOptions::default()
        };
        let summary = validate(&path, &private).unwrap();
        assert!(summary.checked.stamp.is_some());
        let read: Vec<_> = read_checked(&path, summary.checked.clone())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(read.len(), rooms.len());
        // Any write gives the file another stamp (once the coarse clock has
        // ticked: at most 10 ms), even a change of the same size.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let changed = String::from_utf8(text)
            .unwrap()
            .replace("\"r300\"", "\"x300\"");
        std::fs::write(&path, changed).unwrap();
        let read: Vec<_> = read_checked(&path, summary.checked).unwrap().collect();
        let err = read.last().unwrap().as_ref().unwrap_err();
        assert!(
            err.to_string().contains("changed after it was checked"),
            "{err}"
        );
        assert!(read.iter().flatten().all(|r| r.doc.name() != "x300"));
    }

    #[test]
    fn every_format_and_compression_round_trips() {
        let rooms = sample_rooms();
        let scratch = Scratch::new();
        let mut checksums = Vec::new();
        for format in Format::ALL {
            for compression in Compression::ALL {
                let bytes = write_archive(&rooms, format, compression);
                let path = scratch.file(&format!("{format}-{compression}"), &bytes);
                let summary = validate(&path, &ValidateOptions::default())
                    .unwrap_or_else(|e| panic!("{format} {compression}: {e}"));
                assert_eq!(summary.kind, ArchiveKind::Archive);
                assert_eq!(summary.format, format);
                assert_eq!(summary.compression, compression);
                assert_eq!(summary.rooms, rooms.len() as u64);
                assert!(!summary.truncated);
                let header = summary.header.clone().unwrap();
                assert_eq!(header.source, "redis://h:6379/0");
                assert_eq!(header.tool, TOOL);
                assert!(crate::room::parse_timestamp(&header.created_at).is_some());
                assert_eq!(summary.trailer.as_ref().unwrap().sha256, summary.sha256);
                checksums.push(summary.sha256);

                let read = read_all(&path);
                let lines: Vec<Vec<u8>> = read.iter().map(|r| r.doc.to_compact()).collect();
                assert_eq!(lines, rooms, "{format} {compression}");
                let indexes: Vec<usize> = read.iter().map(|r| r.index).collect();
                assert_eq!(indexes, (1..=rooms.len()).collect::<Vec<_>>());
                if format == Format::Jsonl {
                    assert_eq!(read[0].line, Some(2));
                }
            }
        }
        // These rooms are in serde_json's own spelling, so every form carries
        // the same checksum.
        assert!(checksums.windows(2).all(|w| w[0] == w[1]), "{checksums:?}");
    }

    #[test]
    fn the_trailer_checksum_is_over_the_room_lines() {
        let rooms = sample_rooms();
        let mut hasher = Sha256::new();
        for room in &rooms {
            hasher.update(room);
            hasher.update(b"\n");
        }
        let expected = lower_hex(&hasher.finalize());
        let bytes = write_archive(&rooms, Format::Jsonl, Compression::None);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.ends_with('\n'));
        let last = text.trim_end().lines().last().unwrap();
        assert_eq!(
            last,
            format!(
                r#"{{"$roomctl":"trailer","rooms":{},"sha256":"{expected}"}}"#,
                rooms.len()
            )
        );
        let first = text.lines().next().unwrap();
        assert!(first.starts_with(r#"{"$roomctl":"archive","version":1,"createdAt":""#));
    }

    #[test]
    fn empty_archives_round_trip() {
        let scratch = Scratch::new();
        for format in Format::ALL {
            let path = scratch.file(
                format.name(),
                &write_archive(&[], format, Compression::None),
            );
            let summary = validate(&path, &ValidateOptions::default()).unwrap();
            assert_eq!((summary.rooms, summary.truncated), (0, false));
            assert_eq!(read_all(&path).len(), 0);
        }
    }

    #[test]
    fn a_redis_value_is_archived_byte_for_byte() {
        // Spellings serde_json would not produce itself: kept as stored.
        let stored = br#"{"roomName":"caf\u00e9","createdAt":"2025-10-25T19:04:11.123Z","creatorPlexUserId":"1","n":1E2}"#;
        assert_eq!(compact_line(stored).unwrap(), stored.to_vec());
        let scratch = Scratch::new();
        for format in [Format::Jsonl, Format::Json] {
            let bytes = write_archive(&[stored.to_vec()], format, Compression::None);
            let path = scratch.file(format.name(), &bytes);
            let summary = validate(&path, &ValidateOptions::default()).unwrap();
            assert_eq!(summary.rooms, 1);
            assert!(String::from_utf8(bytes).unwrap().contains(r"caf\u00e9"));
        }
        // YAML keeps the values; its checksum covers serde_json's spelling.
        let path = scratch.file(
            "yaml",
            &write_archive(&[stored.to_vec()], Format::Yaml, Compression::None),
        );
        validate(&path, &ValidateOptions::default()).unwrap();
        assert_eq!(read_all(&path)[0].doc.name(), "café");
    }

    #[test]
    fn compact_line_compacts_pretty_documents_in_key_order() {
        let pretty = b"{\n  \"roomName\": \"a b\",\n  \"zeta\": [\n    1,\n    2\n  ],\n  \"createdAt\": \"x\",\n  \"creatorPlexUserId\": \"1\"\n}";
        assert_eq!(
            compact_line(pretty).unwrap(),
            br#"{"roomName":"a b","zeta":[1,2],"createdAt":"x","creatorPlexUserId":"1"}"#.to_vec()
        );
        assert!(matches!(
            compact_line(b"{\"roomName\":"),
            Err(DocumentError::Corrupt(_))
        ));
        assert!(matches!(
            compact_line(br#"{"roomName":"a"}"#),
            Err(DocumentError::Invalid(_))
        ));
    }

    #[test]
    fn the_writer_refuses_lines_that_would_break_the_archive() {
        let header = Header::new("memory:");
        for format in Format::ALL {
            let mut w = ArchiveWriter::new(Vec::new(), format, &header).unwrap();
            for bad in [
                &b"{\"roomName\":\"a\",\n\"x\":1}"[..],
                b"{\"roomName\":\"a\"}\r",
                b"{\"roomName\": \"a\"}",
                b"[1,2]",
                b"{\"roomName\":",
            ] {
                let err = w.write_room(bad).unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{format}");
            }
            assert_eq!(w.rooms(), 0);
        }
    }

    #[test]
    fn a_cut_archive_is_truncated_and_can_be_allowed() {
        let rooms: Vec<Vec<u8>> = (0..10)
            .map(|i| room(&format!("r{i}")).into_bytes())
            .collect();
        let bytes = write_archive(&rooms, Format::Jsonl, Compression::None);
        let scratch = Scratch::new();
        // Cut in the middle of line 8 (the 7th room): 6 complete rooms.
        let starts: Vec<usize> = std::iter::once(0)
            .chain(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        let cut = starts[7] + 10;
        let path = scratch.file("cut.jsonl", &bytes[..cut]);
        let err = validate_err(&path);
        assert_eq!(err.kind, ArchiveErrorKind::Truncated);
        assert_eq!(
            err.to_string(),
            "truncated: no trailer after line 7 (use --allow-truncated to import the 6 rooms that are there)"
        );
        let summary = validate(&path, &ValidateOptions::allowing_truncated()).unwrap();
        assert!(summary.truncated);
        assert_eq!(summary.rooms, 6);
        assert_eq!(summary.trailer, None);
        let read = read_all(&path);
        assert_eq!(read.len(), 6);
        assert_eq!(read[5].doc.name(), "r5");

        let path = scratch.file("one.jsonl", &bytes[..starts[2] + 5]);
        assert!(
            validate_err(&path)
                .to_string()
                .contains("import the 1 room that is there"),
        );

        // The trailer line dropped entirely (cut at a line boundary).
        let path = scratch.file("no-trailer.jsonl", &bytes[..starts[11]]);
        let err = validate_err(&path);
        assert_eq!(err.kind, ArchiveErrorKind::Truncated);
        assert!(
            err.to_string().contains("no trailer after line 11"),
            "{err}"
        );
        assert!(err.to_string().contains("the 10 rooms"), "{err}");

        // A room line whose newline is lost still counts as a room.
        let path = scratch.file("no-newline.jsonl", &bytes[..starts[11] - 1]);
        let summary = validate(&path, &ValidateOptions::allowing_truncated()).unwrap();
        assert_eq!(summary.rooms, 10);
        // A trailer whose newline is lost is still the trailer.
        let path = scratch.file("no-final-newline.jsonl", &bytes[..bytes.len() - 1]);
        assert!(
            !validate(&path, &ValidateOptions::default())
                .unwrap()
                .truncated
        );
    }

    #[test]
    fn cut_compressed_and_json_archives_are_truncated() {
        // Enough rooms that the cut falls after zstd's first 128 KiB block.
        let rooms: Vec<Vec<u8>> = (0..4000)
            .map(|i| room(&format!("room number {i}")).into_bytes())
            .collect();
        let scratch = Scratch::new();
        for (format, compression) in [
            (Format::Jsonl, Compression::Gzip),
            (Format::Jsonl, Compression::Zstd),
            (Format::Json, Compression::None),
            (Format::Json, Compression::Gzip),
            (Format::Yaml, Compression::None),
        ] {
            let bytes = write_archive(&rooms, format, compression);
            let path = scratch.file("cut", &bytes[..bytes.len() * 2 / 3]);
            let err = validate_err(&path);
            assert_eq!(
                err.kind,
                ArchiveErrorKind::Truncated,
                "{format} {compression}: {err}"
            );
            let summary = validate(&path, &ValidateOptions::allowing_truncated())
                .unwrap_or_else(|e| panic!("{format} {compression}: {e}"));
            assert!(summary.truncated);
            assert!(
                summary.rooms > 100 && summary.rooms < 4000,
                "{}",
                summary.rooms
            );
            let read = read_all(&path);
            assert_eq!(read.len() as u64, summary.rooms);
            for (i, r) in read.iter().enumerate() {
                assert_eq!(r.doc.to_compact(), rooms[i], "{format} {compression}");
            }
        }
    }

    #[test]
    fn a_changed_byte_fails_the_checksum() {
        let text = jsonl(&[&room("alpha"), &room("beta"), &room("gamma")]);
        let flipped = text.replacen("beta", "bet4", 1);
        let scratch = Scratch::new();
        let err = validate_err(&scratch.file("a.jsonl", flipped.as_bytes()));
        assert_eq!(err.kind, ArchiveErrorKind::Invalid);
        let message = err.to_string();
        assert!(
            message.starts_with("checksum mismatch: trailer says "),
            "{message}"
        );
        assert!(message.contains(", rooms hash to "), "{message}");

        // The same in the JSON form, which is checked over the same lines.
        let rooms: Vec<Vec<u8>> = ["alpha", "beta"]
            .iter()
            .map(|n| room(n).into_bytes())
            .collect();
        let json =
            String::from_utf8(write_archive(&rooms, Format::Json, Compression::None)).unwrap();
        let err =
            validate_err(&scratch.file("a.json", json.replacen("beta", "bet4", 1).as_bytes()));
        assert!(err.to_string().starts_with("checksum mismatch"), "{err}");
    }

    #[test]
    fn each_refusal_names_its_line() {
        let scratch = Scratch::new();
        let cases: Vec<(String, &str)> = vec![
            (
                jsonl(&[&room("a"), "{\"roomName\": oops}", &room("c")]),
                "line 3: not JSON (",
            ),
            (
                jsonl(&[&room("a"), r#"{"roomName":"x","creatorPlexUserId":"1"}"#]),
                r#"line 3: room "x" is missing createdAt"#,
            ),
            (
                jsonl(&[&room("a"), &room("b"), &room("a")]),
                r#"line 4: room "a" appears twice (first on line 2)"#,
            ),
            (jsonl(&[&room("a"), "[1,2]"]), "line 3: not a room document"),
            (
                jsonl(&[&room("a"), &room("b")]).replace(r#""rooms":2"#, r#""rooms":3"#),
                "the trailer says 3 rooms, the archive holds 2",
            ),
            (
                jsonl(&[&room("a")]).replace(r#""version":1"#, r#""version":2"#),
                "line 1: archive version 2 is not supported (this roomctl reads version 1)",
            ),
            (
                jsonl(&[&room("a")]).replace(r#""source":"memory:","#, ""),
                "line 1: the archive header has no source",
            ),
            (
                jsonl(&[&room("a"), "", &room("b")]),
                "line 3: an empty line where a room should be",
            ),
            (
                format!("{}{}", jsonl(&[&room("a")]), jsonl(&[&room("b")])),
                "line 4: content after the trailer",
            ),
            (
                jsonl(&[&room("a")]).replacen(
                    &room("a"),
                    &format!("{}\n{}", room("a"), jsonl(&[]).lines().next().unwrap()),
                    1,
                ),
                "line 3: a second archive header",
            ),
            (
                r#"{"$roomctl":"backup","version":1}"#.to_string(),
                r#"line 1: not a roomctl archive ("$roomctl": "backup")"#,
            ),
            ("".to_string(), "empty input"),
            (
                "rooms: []\n".to_string(),
                "not a roomctl archive (a YAML document without",
            ),
            (
                "rooms: [1, 2\n".to_string(),
                "line 2: cannot read this room (did not find expected",
            ),
            // Not `{` or `[` first, so YAML, where a quoted string is a string.
            (
                "\"just a string\"".to_string(),
                "line 1: not a roomctl archive (invalid type: string",
            ),
        ];
        for (i, (text, expected)) in cases.iter().enumerate() {
            let path = scratch.file(&format!("case{i}.jsonl"), text.as_bytes());
            let err = validate_err(&path);
            assert!(
                err.to_string().starts_with(expected),
                "case {i}: expected {expected:?}, got {:?}",
                err.to_string()
            );
        }
    }

    #[test]
    fn json_and_yaml_refusals_name_the_room() {
        let rooms: Vec<Vec<u8>> = ["a", "b", "a"]
            .iter()
            .map(|n| room(n).into_bytes())
            .collect();
        let scratch = Scratch::new();
        let json = scratch.file(
            "dup.json",
            &write_archive(&rooms, Format::Json, Compression::None),
        );
        assert_eq!(
            validate_err(&json).to_string(),
            r#"line 10: room "a" appears twice (first on line 8)"#
        );
        let yaml = scratch.file(
            "dup.yaml",
            &write_archive(&rooms, Format::Yaml, Compression::Gzip),
        );
        assert_eq!(
            validate_err(&yaml).to_string(),
            r#"room 3: room "a" appears twice (first as room 1)"#
        );
        let text =
            String::from_utf8(write_archive(&rooms[..2], Format::Yaml, Compression::None)).unwrap();
        let missing = text.replacen("  createdAt: 2025-10-25T19:04:11.123Z\n", "", 2);
        assert_ne!(missing, text);
        let err = validate_err(&scratch.file("missing.yaml", missing.as_bytes()));
        assert_eq!(err.to_string(), r#"room 1: room "a" is missing createdAt"#);
        let v2 = text.replace("version: 1", "version: 2");
        let err = validate_err(&scratch.file("v2.yaml", v2.as_bytes()));
        assert!(
            err.to_string()
                .starts_with("archive version 2 is not supported"),
            "{err}"
        );
        // YAML cut short without a trailer: the last room is left out.
        let cut = text.split("trailer:").next().unwrap();
        let err = validate_err(&scratch.file("cut.yaml", cut.as_bytes()));
        assert!(err.to_string().contains("no trailer after room 2"), "{err}");
        let summary = validate(
            &scratch.file("cut.yaml", cut.as_bytes()),
            &ValidateOptions::allowing_truncated(),
        )
        .unwrap();
        assert_eq!(summary.rooms, 1);
    }

    #[test]
    fn plain_arrays_and_room_documents_are_accepted() {
        let scratch = Scratch::new();
        let array = format!("[\n  {},\n  {}\n]\n", room("a"), room("b"));
        let path = scratch.file("rooms.json", array.as_bytes());
        let summary = validate(&path, &ValidateOptions::default()).unwrap();
        assert_eq!(
            (summary.kind, summary.rooms, summary.truncated),
            (ArchiveKind::RoomArray, 2, false)
        );
        assert_eq!(summary.header, None);
        let names: Vec<String> = read_all(&path)
            .iter()
            .map(|r| r.doc.name().to_string())
            .collect();
        assert_eq!(names, ["a", "b"]);

        // A room file as the file store writes it (pretty, no newline).
        let doc = RoomDocument::from_slice(sample_rooms()[1].as_slice()).unwrap();
        let path = scratch.file("room.json", &doc.to_pretty());
        let summary = validate(&path, &ValidateOptions::default()).unwrap();
        assert_eq!(
            (summary.kind, summary.rooms),
            (ArchiveKind::RoomDocuments, 1)
        );
        let read = read_all(&path);
        assert_eq!(read[0].doc.to_compact(), doc.to_compact());
        assert_eq!(read[0].line, Some(1));

        // One compact room per line, no header.
        let path = scratch.file(
            "rooms.ndjson",
            format!("{}\n{}\n", room("a"), room("b")).as_bytes(),
        );
        let read = read_all(&path);
        assert_eq!(
            read.iter().map(|r| r.line).collect::<Vec<_>>(),
            [Some(1), Some(2)]
        );

        // Plain inputs are still checked.
        let path = scratch.file(
            "dup.json",
            format!("[{},\n{}]", room("a"), room("a")).as_bytes(),
        );
        assert_eq!(
            validate_err(&path).to_string(),
            r#"line 2: room "a" appears twice (first on line 1)"#
        );
        let path = scratch.file(
            "cut.json",
            format!("[{},\n{}", room("a"), &room("b")[..20]).as_bytes(),
        );
        assert_eq!(validate_err(&path).kind, ArchiveErrorKind::Truncated);
        let path = scratch.file("junk.json", format!("[{}] x", room("a")).as_bytes());
        assert!(
            validate_err(&path)
                .to_string()
                .starts_with("line 1: content after")
        );
    }

    #[test]
    fn a_cut_compressed_plain_input_is_truncated_even_between_rooms() {
        // Room documents one after another have no trailer to count them: a
        // gzip or zstd stream cut where a room ends must not pass for all
        // of them.
        let first = room("first");
        let second = room("second");
        let scratch = Scratch::new();
        for compression in [Compression::Gzip, Compression::Zstd] {
            let mut w = CompressedWriter::new(Vec::new(), compression).unwrap();
            w.write_all(first.as_bytes()).unwrap();
            w.write_all(b"\n").unwrap();
            w.flush().unwrap();
            let flushed = match &w.inner {
                Encoder::Gzip(e) => e.get_ref().len(),
                Encoder::Zstd(e) => e.get_ref().len(),
                Encoder::Plain(_) => unreachable!(),
            };
            w.write_all(second.as_bytes()).unwrap();
            let whole = w.finish().unwrap();
            let path = scratch.file("whole", &whole);
            assert_eq!(
                validate(&path, &ValidateOptions::default()).unwrap().rooms,
                2
            );

            let path = scratch.file("cut", &whole[..flushed]);
            let err = validate_err(&path);
            assert_eq!(
                err.kind,
                ArchiveErrorKind::Truncated,
                "{compression}: {err}"
            );
            assert_eq!(
                err.to_string(),
                "truncated: the compressed stream ends early, after line 1 (use --allow-truncated to import the 1 complete room before it)"
            );
            let summary = validate(&path, &ValidateOptions::allowing_truncated()).unwrap();
            assert!(summary.truncated);
            assert_eq!(summary.rooms, 1);
            assert_eq!(read_all(&path)[0].doc.name(), "first");
        }
    }

    #[test]
    fn a_small_file_that_inflates_past_the_yaml_limit_is_refused() {
        // What is not JSON is tried as YAML, which is read whole: a few KiB
        // of zstd could otherwise ask for gigabytes.
        let scratch = Scratch::new();
        let text = "a".repeat(MAX_YAML_BYTES + 1);
        let bomb = zstd::encode_all(text.as_bytes(), 19).unwrap();
        assert!(bomb.len() < 4096, "{}", bomb.len());
        let err = validate_err(&scratch.file("bomb.zst", &bomb));
        assert_eq!(err.kind, ArchiveErrorKind::Invalid);
        assert!(
            err.message.contains("too large for a YAML archive"),
            "{err}"
        );
        // At the limit it is parsed (and refused for what it says).
        let err = validate_err(&scratch.file("a.yaml", &text.as_bytes()[1..]));
        assert!(err.message.starts_with("not a roomctl archive"), "{err}");
    }

    #[test]
    fn messages_quote_little_of_the_input() {
        let scratch = Scratch::new();
        let long = "x".repeat(100_000);
        let inputs = [
            long.clone(),
            format!(r#"{{"$roomctl":"archive","version":"{long}"}}"#),
            jsonl(&[&format!(
                r#"{{"roomName":"a","createdAt":"x","creatorPlexUserId":"1","ratings":"{long}"}}"#
            )]),
        ];
        for input in inputs {
            let err = validate_err(&scratch.file("long", input.as_bytes()));
            let message = err.to_string();
            assert!(message.chars().count() < 500, "{message}");
        }
    }

    #[test]
    fn compression_is_known_by_magic_not_name() {
        let rooms = sample_rooms();
        let scratch = Scratch::new();
        for compression in [Compression::Gzip, Compression::Zstd] {
            let path = scratch.file(
                "plain-looking.jsonl",
                &write_archive(&rooms, Format::Jsonl, compression),
            );
            let summary = validate(&path, &ValidateOptions::default()).unwrap();
            assert_eq!(summary.compression, compression);
            assert!(summary.compressed());
        }
        let path = scratch.file(
            "archive.jsonl.gz",
            &write_archive(&rooms, Format::Jsonl, Compression::None),
        );
        assert_eq!(
            validate(&path, &ValidateOptions::default())
                .unwrap()
                .compression,
            Compression::None
        );
    }

    #[test]
    fn windows_line_endings_and_a_byte_order_mark_are_tolerated() {
        let text = jsonl(&[&room("a"), &room("b")]);
        let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        let scratch = Scratch::new();
        let summary = validate(
            &scratch.file("crlf.jsonl", crlf.as_bytes()),
            &ValidateOptions::default(),
        )
        .unwrap();
        assert_eq!(summary.rooms, 2);
    }

    #[test]
    fn a_json_archive_reformatted_by_hand_still_validates() {
        // Pretty-printing changes whitespace only; the checksum is over the
        // compact form of each room.
        let rooms = sample_rooms();
        let bytes = write_archive(&rooms, Format::Json, Compression::None);
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let scratch = Scratch::new();
        let path = scratch.file("pretty.json", &serde_json::to_vec_pretty(&value).unwrap());
        let summary = validate(&path, &ValidateOptions::default()).unwrap();
        assert_eq!(summary.rooms, rooms.len() as u64);
        let path = scratch.file("minified.json", &serde_json::to_vec(&value).unwrap());
        assert_eq!(
            validate(&path, &ValidateOptions::default()).unwrap().rooms,
            rooms.len() as u64
        );
    }

    #[test]
    fn errors_display_their_place() {
        let e = ArchiveError::invalid(Some(17), r#"room "x" is missing createdAt"#);
        assert_eq!(e.to_string(), r#"line 17: room "x" is missing createdAt"#);
        let mut e = ArchiveError::invalid(None, "oops");
        e.room = Some(3);
        assert_eq!(e.to_string(), "room 3: oops");
        assert_eq!(ArchiveError::invalid(None, "oops").to_string(), "oops");
    }

    #[test]
    fn names_parse_both_ways() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>().unwrap(), format);
        }
        for compression in Compression::ALL {
            assert_eq!(
                compression.name().parse::<Compression>().unwrap(),
                compression
            );
        }
        assert!("xml".parse::<Format>().is_err());
    }

    /// Checks the memory bound at the scale the format promises. Slow in a
    /// debug build; run it with
    /// `cargo test --release -- --ignored million --test-threads=1`.
    #[test]
    #[ignore]
    fn validating_a_million_rooms_stays_under_64_mb() {
        let scratch = Scratch::new();
        let path = scratch.dir.path().join("big.jsonl.gz");
        let file = BufWriter::new(File::create(&path).unwrap());
        let w = CompressedWriter::new(file, Compression::Gzip).unwrap();
        let mut archive = ArchiveWriter::new(w, Format::Jsonl, &Header::new("memory:")).unwrap();
        for i in 0..1_000_000 {
            archive
                .write_room(room(&format!("room {i}")).as_bytes())
                .unwrap();
        }
        let (w, _) = archive.finish().unwrap();
        w.finish().unwrap().flush().unwrap();
        let summary = validate(&path, &ValidateOptions::default()).unwrap();
        assert_eq!(summary.rooms, 1_000_000);
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let peak_kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        assert!(peak_kb < 64 * 1024, "peak RSS {peak_kb} kB");
    }
}
