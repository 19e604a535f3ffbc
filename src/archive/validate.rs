//! The check of a whole input before anything is written: every room, no
//! name twice, the trailer's count and checksum; and what the check learns
//! for the write pass ([`Checked`]).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;

use rayon::prelude::*;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::format::{MARKER, lower_hex};
use super::input::MAX_ROOM_BYTES;
use super::read::{Ending, PLAIN_START, RawChunk, RawRoom, Source, Step};
use super::{ArchiveError, ArchiveKind, Compression, Format, Header, Trailer};
use crate::room::{DocumentError, REQUIRED_KEYS, RoomFacts};

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
    /// The size of the input file as it was opened (compressed, as on
    /// disk), when it could be measured.
    pub bytes: Option<u64>,
    /// What the write pass needs to trust the rooms without checking them
    /// again ([`read_checked`](super::read_checked)).
    pub checked: Checked,
}

impl ArchiveSummary {
    pub fn compressed(&self) -> bool {
        self.compression != Compression::None
    }
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
    pub(super) fn check(
        &mut self,
        chunk: Vec<RawRoom>,
        each: &mut (dyn FnMut(&RoomFacts) + Send),
    ) -> Result<(), ArchiveError> {
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
            each(&facts);
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

/// What [`validate`] learnt of an input, so that [`read_checked`](super::read_checked) can hand
/// out its rooms again without a second reading of each: the checksum of
/// the room lines up to the end of each chunk (the write pass recomputes
/// it, or checks the file's stamp, so a room that changed between the
/// passes is never written), and
/// for each room whether its line is already the room as stored (compact,
/// canonical, `roomName` first), which needs no parsing at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// Rooms per chunk, and the SHA-256 of every room line up to its end.
    pub(super) chunks: Vec<(usize, [u8; 32])>,
    /// Per room, in input order: the line needs no second reading.
    pub(super) plain: Vec<bool>,
    /// The input file's stamp, when it vouches for the content: the file
    /// was last changed well before `validate` opened it and not since.
    /// The write pass then checks the stamp instead of hashing every line
    /// again (any write to the file gives it a new change time).
    pub(super) stamp: Option<Stamp>,
    /// The limit the rooms were checked against.
    pub(super) max_room: Option<u64>,
}

/// What tells a file's content apart without reading it: which file, its
/// size, and the modification and change times. The kernel sets the change
/// time (ctime, which no system call can set back) on every write; once a
/// file's ctime is older than the coarse clock's tick, a write from then on
/// gives it another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    pub(super) fn of(file: &File) -> Option<Stamp> {
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
    pub(super) fn settled(&self, then: std::time::SystemTime) -> bool {
        let then = then
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.ctime.0 + 2 < then
    }
}

/// Checks a whole input file, writing nothing: its kind and header, every
/// room, that no room name appears twice, and the trailer's count and
/// checksum. The first problem found is the error.
///
/// Memory stays bounded for JSON Lines and JSON (one room at a time, plus
/// 16 bytes per room name for the duplicate check: 16 MB at a million
/// rooms); a YAML archive is held in memory whole (see [`read_rooms`](super::read_rooms)).
pub fn validate(path: &Path, opts: &ValidateOptions) -> Result<ArchiveSummary, ArchiveError> {
    validate_each(path, opts, &mut |_| {})
}

/// [`validate`], handing `each` the facts of every room checked, in
/// archive order (what it learns counts only if the input is accepted).
pub fn validate_each(
    path: &Path,
    opts: &ValidateOptions,
    each: &mut (dyn FnMut(&RoomFacts) + Send),
) -> Result<ArchiveSummary, ArchiveError> {
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
                if let Err(problem) = found.check(chunk, each) {
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
        bytes: first_stamp.map(|stamp| stamp.size),
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
    ArchiveError::truncated(message)
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
pub(super) fn room_problem(bytes: &[u8], err: &DocumentError) -> String {
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
