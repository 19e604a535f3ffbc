//! The archive writer: streams rooms into an archive, one at a time, with
//! the header first and the count and checksum in the trailer; and the
//! compressing writer under it.

use std::io::{self, BufWriter, Write};

use serde::Serialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::format::{MARKER, TrailerRecord, VERSION, lower_hex};
use super::{Compression, Format, Header, Trailer};
use crate::room::is_compact;

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// A writer of an archive; it streams, holding one room at a time.
///
/// [`write_room`](Self::write_room) takes compact room lines (see
/// [`compact_line`](super::compact_line)); the writer does not check rooms against each other
/// (duplicates, required keys): the reader's [`validate`](super::validate()) does.
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

    /// [`write_room`](Self::write_room) of a line that
    /// [`compact_line`](super::compact_line) or
    /// [`compact_line_of`](super::compact_line_of) made, which is a compact
    /// room document: it is not checked again.
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
    pub(super) inner: Encoder<W>,
}

pub(super) enum Encoder<W: Write> {
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
