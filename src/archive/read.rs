//! Reading an input: what it is (an archive in one of its forms, a room
//! array, room documents), its rooms one step at a time, and the rooms
//! handed out again, parsed on every core, for the write pass.

use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::format::{HeaderFields, MARKER, compact_form};
use super::input::{Input, MAX_ROOM_BYTES};
use super::json::{Element, Member};
use super::jsonl::{JsonlStep, jsonl_step, take_line};
use super::validate::{Stamp, room_problem};
use super::{ArchiveError, ArchiveErrorKind, Checked, Compression, Format, Header, Trailer};
use crate::room::{RoomDocument, shorten};

/// The write pass met rooms other than those [`validate`](super::validate()) checked.
const CHANGED: &str = "the input changed after it was checked (its room lines no longer hash to what was checked); nothing from here on was imported";

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

/// One room read back from an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchivedRoom {
    /// The line it starts on (JSON Lines, JSON); `None` for YAML.
    pub line: Option<usize>,
    /// Its 1-based position in the archive.
    pub index: usize,
    pub doc: RoomDocument,
}

/// Streams the rooms of an input file again, for the write pass after
/// [`validate`](super::validate()) accepted it. Rooms are checked one by one (a bad room is an
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

/// [`read_rooms`] for the write pass after [`validate`](super::validate()) accepted the input
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

/// A room line [`validate`](super::validate()) may call plain starts this way: its name is
/// then the text up to the next quote.
pub(super) const PLAIN_START: &[u8] = b"{\"roomName\":\"";

/// The name of a room whose line [`validate`](super::validate()) called plain.
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
pub(super) struct RawChunk {
    pub(super) rooms: Vec<RawRoom>,
    bytes: usize,
}

impl RawChunk {
    const ROOMS: usize = 256;
    const BYTES: usize = 4 << 20;

    /// Adds a room; says whether the chunk is full.
    pub(super) fn push(&mut self, room: RawRoom) -> bool {
        self.bytes += room.bytes.len();
        self.rooms.push(room);
        self.rooms.len() >= Self::ROOMS || self.bytes >= Self::BYTES
    }

    pub(super) fn take(&mut self) -> Vec<RawRoom> {
        self.bytes = 0;
        std::mem::take(&mut self.rooms)
    }
}

impl ArchiveRooms {
    /// [`ArchiveRooms::fill`] after [`validate`](super::validate()): the next chunk as it was
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
pub(super) struct RawRoom {
    pub(super) line: Option<usize>,
    pub(super) index: usize,
    /// The compact line the checksum covers.
    pub(super) bytes: Vec<u8>,
}

impl RawRoom {
    pub(super) fn error(&self, message: String) -> ArchiveError {
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
pub(super) struct Ending {
    pub(super) trailer: Option<Trailer>,
    /// The input stops inside a record.
    pub(super) cut: bool,
    /// The last line of the last complete record, for messages.
    pub(super) last_line: usize,
}

pub(super) enum Step {
    Room(RawRoom),
    End(Ending),
}

/// An opened input: what it is, and where its rooms are read from.
pub(super) struct Source {
    pub(super) kind: ArchiveKind,
    pub(super) format: Format,
    pub(super) compression: Compression,
    pub(super) header: Option<Header>,
    pub(super) body: Body,
    rooms: usize,
    pub(super) last_line: usize,
    /// A YAML archive without a trailer: its last room was left out.
    pub(super) dropped_last: bool,
    buf: Vec<u8>,
    /// Set when the compressed stream being read turns out to be cut.
    stream_cut: Arc<AtomicBool>,
    /// The file being read, for its [`Stamp`].
    file: Option<File>,
}

pub(super) enum Body {
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
    pub(super) fn stamp(&self) -> Option<Stamp> {
        self.file.as_ref().and_then(Stamp::of)
    }

    pub(super) fn open(path: &Path, max_room: u64) -> Result<Source, ArchiveError> {
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
                return Err(ArchiveError::truncated(
                    "truncated: the compressed stream ends before any content",
                ));
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
                    return Err(ArchiveError::header_cut());
                }
            }
        }
    }

    /// Whether the compressed stream ended before its end (so far).
    pub(super) fn stream_cut(&self) -> bool {
        self.stream_cut.load(Ordering::Relaxed)
    }

    pub(super) fn next_step(&mut self) -> Result<Step, ArchiveError> {
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
