//! The backup archive format of export and import: a writer that streams
//! rooms into an archive. (The reader comes next.)
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
//! Any of them may be gzip or zstd compressed.

use std::fmt;
use std::io::{self, BufWriter, Write};
use std::str::FromStr;

use serde::Serialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::room::{DocumentError, RoomDocument};

/// The archive version this roomctl writes and reads.
pub const VERSION: u64 = 1;

/// The key that marks roomctl's own records (header, trailer) apart from rooms.
const MARKER: &str = "$roomctl";

/// What `tool` says in the headers this build writes.
const TOOL: &str = concat!("roomctl ", env!("CARGO_PKG_VERSION"));

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

/// Whether JSON text has no whitespace outside its strings: no indentation,
/// no line breaks, nothing around it. Assumes the text is JSON.
fn is_compact(json: &[u8]) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for &b in json {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            return false;
        }
    }
    true
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
        match self.format {
            Format::Jsonl | Format::Json => {
                if line.first() != Some(&b'{')
                    || serde_json::from_slice::<IgnoredAny>(line).is_err()
                {
                    return Err(invalid_input("a room line must be a JSON object".into()));
                }
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

#[cfg(test)]
mod tests {
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
}
