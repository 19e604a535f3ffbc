//! The entry points the fuzz targets (`fuzz/fuzz_targets/`) and the corpus
//! test (`tests/integration/fuzz_corpus.rs`) share: each runs roomctl's real readers on
//! arbitrary bytes and checks what must hold of their answers.
//!
//! These functions are a test oracle, not part of any command: they
//! `assert!` and `panic!` on purpose, because a panic is how a fuzzer learns
//! that an input broke a promise. The promises checked are the ones the
//! rest of roomctl relies on:
//!
//! - a room document is read the same way by every reader: the fast
//!   one-pass scanner (which may decline, never disagree), the lossless
//!   [`RoomDocument`] (fast path over minified bytes, or a serde_json tree
//!   when the text is spelled unusually), the one-pass [`RoomFacts`] the
//!   listings use, and a plain serde_json tree (what the server's
//!   `JSON.parse` sees: the last of two equal keys wins, in the place of the
//!   first);
//! - what is accepted re-reads to itself (compact and pretty forms), and
//!   every number reads as the double nearest to its text;
//! - an archive the reader accepts has a matching count and checksum, is
//!   read back room by room, and re-exports in every format to the same
//!   rooms; compression changes nothing, and a cut compressed file is never
//!   taken for a complete one with fewer rooms;
//! - an error message quotes at most a few hundred characters of the input.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::archive::{
    ArchiveErrorKind, ArchiveKind, ArchiveSummary, ArchiveWriter, CompressedWriter, Compression,
    Format, Header, ValidateOptions, compact_line, read_rooms, validate,
};
use crate::json_lex;
use crate::room::{
    DocumentError, RoomDocument, RoomFacts, is_canonical_compact, is_compact, minify,
    minify_checked, parse_timestamp, scan, scan_without_users,
};

/// Checks every reader of a room document against the others on `data`.
pub fn room_document(data: &[u8]) {
    // The fast scanner answers only what the careful reader answers.
    if let Some(fast) = scan(data) {
        let slow = RoomFacts::from_slow(data).expect("the scanner accepted what serde refuses");
        assert_eq!(fast.facts, slow, "the scanner's facts differ");
        assert_eq!(fast.canonical, minify_checked(data).1, "spelling verdict");
        assert_eq!(fast.canonical_compact(), is_canonical_compact(data));
    }
    // Scanning without the users decides the same, and finds the same
    // facts but the users.
    let lean = scan_without_users(data);
    assert_eq!(
        lean.is_some(),
        scan(data).is_some(),
        "the two scans disagree"
    );
    if let (Some(lean), Some(mut fast)) = (lean, scan(data)) {
        assert!(lean.facts.users.is_empty());
        fast.facts.users.clear();
        assert_eq!(lean, fast);
    }
    let doc = RoomDocument::from_slice(data);
    let facts = RoomFacts::from_slice(data);
    let line = compact_line(data);
    let tree = serde_json::from_slice::<Value>(data);

    let expected = match &tree {
        Err(_) => Err(Expected::Corrupt),
        Ok(Value::Object(map)) => reference_facts(map).map_err(Expected::Invalid),
        Ok(_) => Err(Expected::NotAnObject),
    };
    for (reader, result) in [
        ("RoomDocument", doc.as_ref().map(|_| ())),
        ("RoomFacts", facts.as_ref().map(|_| ())),
        ("compact_line", line.as_ref().map(|_| ())),
    ] {
        match (&expected, result) {
            (Ok(_), Ok(())) => {}
            (Err(want), Err(got)) => want.check(reader, got, data),
            (want, got) => panic!(
                "{reader} decided {got:?}, a serde_json tree {}",
                match want {
                    Ok(_) => "accepts it".to_string(),
                    Err(e) => format!("rejects it ({e:?})"),
                }
            ),
        }
    }
    let (Ok(doc), Ok(facts), Ok(line), Ok(Value::Object(map)), Ok(reference)) =
        (doc, facts, line, tree, expected)
    else {
        return;
    };

    // The compact text is serde_json's (and JSON.stringify's) spelling of
    // the same document.
    let compact = doc.to_compact();
    let respelled = serde_json::to_vec(&map).expect("a map serialises");
    assert_eq!(
        String::from_utf8_lossy(&compact),
        String::from_utf8_lossy(&respelled),
        "the compact text is not the document as serde_json writes it"
    );
    assert!(is_compact(&compact));
    assert_eq!(doc.name(), reference.name);
    assert_eq!(doc.as_map(), &map);
    numbers_read_exactly(data);
    numbers_read_exactly(&compact);

    // Read again, compact text takes the fast path and is unchanged.
    let again = RoomDocument::from_slice(&compact).expect("compact text re-reads");
    assert_eq!(
        again.compact_bytes(),
        Some(&compact[..]),
        "compact text was re-spelled or read through a tree"
    );
    assert!(again == doc && again.same_content(&doc));

    // The file store's pretty form (the server's `JSON.stringify(room, null,
    // 2)`: 2-space indent, no trailing newline) reads back, without a tree.
    let pretty = doc.to_pretty();
    assert!(!pretty.ends_with(b"\n"));
    assert_eq!(
        minify(&pretty),
        compact,
        "minify(pretty) is not the compact form"
    );
    let from_file = RoomDocument::from_slice(&pretty).expect("the pretty form re-reads");
    assert_eq!(from_file.compact_bytes(), Some(&compact[..]));
    assert!(from_file.same_content(&doc));

    // One set of facts, whichever way they are derived.
    assert_eq!(facts, doc.facts(), "facts of the bytes and of the document");
    assert_eq!(facts, again.facts());
    assert_eq!(facts, RoomFacts::from_slice(&pretty).expect("pretty facts"));
    reference.check(&facts);
    let details = doc.details();
    assert_eq!(details.matches.len() as u64, facts.matches);
    let likes: usize = details.per_user.iter().map(|u| u.1).sum();
    let dislikes: usize = details.per_user.iter().map(|u| u.2).sum();
    assert_eq!(likes as u64, facts.likes);
    assert_eq!((likes + dislikes) as u64, facts.ratings);
    assert_eq!(facts.last_activity().map(|a| a.0), facts.last_activity_ms());

    // The archive line: what export writes for this stored text.
    assert!(is_compact(&line));
    let from_line = RoomDocument::from_slice(&line).expect("the archive line re-reads");
    assert!(from_line.same_content(&doc));
    for format in [Format::Jsonl, Format::Json] {
        let mut w = ArchiveWriter::new(Vec::new(), format, &Header::new("fuzz:"))
            .expect("writing to memory");
        w.write_room(&line)
            .expect("the writer takes an archive line");
    }
    let _ = crate::lint::lint(&doc);
    assert_eq!(doc.redacted().name(), doc.name());
}

/// What a serde_json tree says about bytes that are not a room.
#[derive(Debug)]
enum Expected {
    Corrupt,
    NotAnObject,
    /// The keys whose value is missing or malformed.
    Invalid(Vec<&'static str>),
}

/// The longest message an error may have: whatever the input holds, an
/// operator gets one readable line, not the input back.
const MAX_MESSAGE: usize = 600;

impl Expected {
    fn check(&self, reader: &str, got: &DocumentError, data: &[u8]) {
        let message = got.to_string();
        assert!(
            message.chars().count() <= MAX_MESSAGE,
            "{reader}: a message of {} characters",
            message.chars().count()
        );
        match (self, got) {
            (Expected::Corrupt, DocumentError::Corrupt(why)) => {
                if std::str::from_utf8(data).is_err() {
                    assert!(why.contains("UTF-8"), "{reader}: not UTF-8, said {why:?}");
                }
            }
            (Expected::NotAnObject, DocumentError::NotAnObject) => {}
            (Expected::Invalid(keys), DocumentError::Invalid(why)) => assert!(
                keys.iter().any(|k| why.contains(k)),
                "{reader}: the message {why:?} names none of the keys at fault {keys:?}"
            ),
            (want, got) => panic!("{reader} said {got:?}, expected {want:?}"),
        }
    }
}

/// The facts, derived from a serde_json tree the simplest way.
#[derive(Debug)]
struct Reference {
    name: String,
    creator_id: String,
    creator_username: String,
    created_at: String,
    last_activity_field: Option<String>,
    has_password: bool,
    users: Vec<String>,
    ratings: u64,
    likes: u64,
    matches: u64,
    newest_rating_ms: Option<i64>,
}

impl Reference {
    fn check(&self, facts: &RoomFacts) {
        assert_eq!(facts.name, self.name);
        assert_eq!(facts.creator_id, self.creator_id);
        assert_eq!(facts.creator_username, self.creator_username);
        assert_eq!(facts.created_at, self.created_at);
        assert_eq!(facts.last_activity_field, self.last_activity_field);
        assert_eq!(facts.has_password, self.has_password);
        assert_eq!(facts.users, self.users);
        assert_eq!(
            (facts.ratings, facts.likes, facts.matches),
            (self.ratings, self.likes, self.matches),
            "(ratings, likes, matches)"
        );
        assert_eq!(facts.newest_rating_ms, self.newest_rating_ms);
        // The newest rating, or a date that reads if one is newer.
        let dates = [Some(&self.created_at), self.last_activity_field.as_ref()];
        let newest = dates
            .into_iter()
            .flatten()
            .filter_map(|date| parse_timestamp(date))
            .fold(self.newest_rating_ms, |newest, ms| newest.max(Some(ms)));
        assert_eq!(facts.last_activity_ms(), newest);
    }
}

/// A room as the server's reader defines it (docs/compatibility.md, "The
/// room document"): the required keys
/// are strings; the optional keys roomctl reads have the documented type
/// (or are null); everything else is data.
fn reference_facts(map: &Map<String, Value>) -> Result<Reference, Vec<&'static str>> {
    let mut bad = Vec::new();
    let string = |key: &'static str, bad: &mut Vec<&'static str>| match map.get(key) {
        Some(Value::String(s)) => s.clone(),
        _ => {
            bad.push(key);
            String::new()
        }
    };
    let name = string("roomName", &mut bad);
    let creator_id = string("creatorPlexUserId", &mut bad);
    let created_at = string("createdAt", &mut bad);
    let optional = |key: &'static str, bad: &mut Vec<&'static str>| match map.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            bad.push(key);
            None
        }
    };
    let creator_username = optional("creatorPlexUsername", &mut bad).unwrap_or_default();
    let last_activity_field = optional("lastActivityAt", &mut bad);

    let mut users: Vec<String> = Vec::new();
    let (mut ratings, mut likes, mut matches) = (0, 0, 0);
    let mut newest_rating_ms: Option<i64> = None;
    match map.get("ratings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(media)) => {
            for list in media.values() {
                let Some(list) = list.as_array() else {
                    bad.push("ratings");
                    break;
                };
                let mut item_likes = 0;
                for tuple in list {
                    let (user, verdict, at) = match tuple.as_array().map(Vec::as_slice) {
                        Some([Value::String(u), Value::String(v), Value::Number(at)]) => {
                            (u, v, at.as_f64().unwrap_or(f64::NAN))
                        }
                        _ => {
                            bad.push("ratings");
                            break;
                        }
                    };
                    ratings += 1;
                    if verdict == "like" {
                        item_likes += 1;
                    }
                    if at.is_finite() {
                        let ms = at as i64;
                        newest_rating_ms = Some(newest_rating_ms.map_or(ms, |n| n.max(ms)));
                    }
                    if !users.contains(user) {
                        users.push(user.clone());
                    }
                }
                likes += item_likes;
                if item_likes >= 2 {
                    matches += 1;
                }
            }
        }
        Some(_) => bad.push("ratings"),
    }
    match map.get("userProgress") {
        None | Some(Value::Null) => {}
        Some(Value::Object(progress)) => {
            for user in progress.keys() {
                if !users.contains(user) {
                    users.push(user.clone());
                }
            }
        }
        Some(_) => bad.push("userProgress"),
    }
    if !bad.is_empty() {
        bad.dedup();
        return Err(bad);
    }
    users.sort();
    Ok(Reference {
        name,
        creator_id,
        creator_username,
        created_at,
        last_activity_field,
        has_password: map.get("password").is_some_and(|p| !p.is_null()),
        users,
        ratings,
        likes,
        matches,
        newest_rating_ms,
    })
}

/// Every number token outside strings reads, through serde_json, as the
/// double nearest to its text (what the standard library's parser gives),
/// so a number survives being read and written again.
fn numbers_read_exactly(json: &[u8]) {
    let mut i = 0;
    while let Some(&b) = json.get(i) {
        if b == b'"' {
            i = json_lex::string(json, i + 1).end + 1;
        } else if b == b'-' || b.is_ascii_digit() {
            let end = json_lex::number_run_end(json, i);
            let token = std::str::from_utf8(&json[i..end]).expect("ASCII");
            let serde: f64 = serde_json::from_str(token)
                .unwrap_or_else(|e| panic!("the accepted number {token} does not read: {e}"));
            let nearest: f64 = token.parse().expect("a JSON number is a Rust float");
            assert_eq!(
                serde.to_bits(),
                nearest.to_bits(),
                "{token} reads as {serde:e}, not as the nearest double {nearest:e}"
            );
            i = end;
        } else {
            i += 1;
        }
    }
}

/// Checks the archive reader on `data` as a file, and on a gzip copy of it
/// whole and cut short.
pub fn archive(data: &[u8]) {
    // In memory where there is a tmpfs: a fuzzer runs this thousands of
    // times a second.
    let dir = tempfile::Builder::new()
        .tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .expect("a scratch directory");
    let path = dir.path().join("input");
    std::fs::write(&path, data).expect("writing the scratch file");
    let whole =
        check_archive_file(&path, data).map(|a| (a.summary.kind, a.summary.truncated, a.rooms));

    if Compression::detect(data) != Compression::None || data.len() > 1 << 16 {
        return;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let gz_path = dir.path().join("input.gz");
    std::fs::write(&gz_path, &gz).expect("writing the scratch file");
    assert!(
        accepted_rooms(&gz_path) == whole,
        "gzip changed what the archive holds"
    );
    // A cut compressed file may be refused or read as truncated; read as
    // complete, it holds everything the whole file holds.
    for cut in [gz.len() / 2, gz.len() - 1] {
        std::fs::write(&gz_path, &gz[..cut]).expect("writing the scratch file");
        if let Some((_, false, rooms)) = accepted_rooms(&gz_path) {
            let whole_rooms = whole.as_ref().map(|w| &w.2).unwrap_or_else(|| {
                panic!("a gzip file cut at {cut} is accepted, the whole file is not")
            });
            assert!(
                &rooms == whole_rooms,
                "a gzip file cut at {cut} of {} read as complete with {} of {} rooms",
                gz.len(),
                rooms.len(),
                whole_rooms.len()
            );
        }
    }
}

/// What the reader takes from a file with `--allow-truncated`: its kind,
/// whether it is truncated, and the compact form of each room.
fn accepted_rooms(path: &Path) -> Option<(ArchiveKind, bool, Vec<Vec<u8>>)> {
    let summary = validate(path, &ValidateOptions::allowing_truncated()).ok()?;
    let rooms = read_rooms(path)
        .expect("validate opened it")
        .map(|r| r.expect("validate accepted it").doc.to_compact())
        .collect();
    Some((summary.kind, summary.truncated, rooms))
}

/// What an accepted archive holds.
struct Accepted {
    summary: ArchiveSummary,
    /// The compact form of each room, in order.
    rooms: Vec<Vec<u8>>,
}

/// Checks one input file; returns what it holds when it is accepted (with
/// `--allow-truncated`).
fn check_archive_file(path: &Path, data: &[u8]) -> Option<Accepted> {
    let strict = validate(path, &ValidateOptions::default());
    let lax = validate(path, &ValidateOptions::allowing_truncated());
    let read: Vec<_> = match read_rooms(path) {
        Ok(rooms) => rooms.collect(),
        Err(e) => vec![Err(e)],
    };
    for e in [strict.as_ref().err(), lax.as_ref().err()]
        .into_iter()
        .flatten()
        .chain(read.iter().filter_map(|r| r.as_ref().err()))
    {
        let length = e.to_string().chars().count();
        assert!(length <= MAX_MESSAGE, "a message of {length} characters");
    }
    match (&strict, &lax) {
        (Ok(s), Ok(l)) => assert!(!s.truncated && s == l),
        (Err(e), Ok(l)) => assert!(
            e.kind == ArchiveErrorKind::Truncated && l.truncated,
            "refused ({e}) unless truncation is allowed, yet not truncated"
        ),
        (Ok(_), Err(e)) => panic!("allowing truncation refuses what is accepted: {e}"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
    }
    let summary = lax.ok()?;

    // Everything validate accepted is read back, room by room.
    let mut rooms = Vec::new();
    let mut names = HashSet::new();
    for room in read {
        let room = room.unwrap_or_else(|e| panic!("validate accepted it, reading fails: {e}"));
        assert!(names.insert(room.doc.name().to_string()), "a name twice");
        rooms.push(room.doc);
    }
    assert_eq!(rooms.len() as u64, summary.rooms, "rooms read vs counted");

    if summary.kind == ArchiveKind::Archive {
        // A JSON archive may carry header keys after its rooms: a truncated
        // one may have lost them.
        assert!(summary.truncated || summary.header.is_some());
        match &summary.trailer {
            Some(trailer) => {
                assert!(!summary.truncated);
                assert_eq!(trailer.rooms, summary.rooms, "the trailer's count");
                assert_eq!(
                    trailer.sha256.to_ascii_lowercase(),
                    summary.sha256,
                    "the trailer's checksum"
                );
            }
            None => assert!(summary.truncated, "an archive without a trailer"),
        }
    } else {
        assert!(summary.trailer.is_none() && summary.header.is_none());
    }
    if summary.compression == Compression::None && !summary.truncated {
        if summary.kind == ArchiveKind::Archive && summary.format == Format::Jsonl {
            jsonl_checksum_agrees(data, &summary);
        }
        if let Some(trailer) = &summary.trailer {
            a_changed_checksum_is_refused(path, data, &trailer.sha256);
        }
    }

    // Re-exported in every format, the same rooms come back.
    let compact: Vec<Vec<u8>> = rooms.iter().map(RoomDocument::to_compact).collect();
    let mut checksums = Vec::new();
    for (format, compression) in [
        (Format::Jsonl, Compression::None),
        (Format::Json, Compression::None),
        (Format::Yaml, Compression::None),
        (
            Format::Jsonl,
            if data.len().is_multiple_of(2) {
                Compression::Gzip
            } else {
                Compression::Zstd
            },
        ),
    ] {
        let Some(bytes) = export(&compact, format, compression) else {
            continue;
        };
        let out = path.with_extension(format!("{format}-{compression}"));
        std::fs::write(&out, &bytes).expect("writing the scratch file");
        let again = validate(&out, &ValidateOptions::default())
            .unwrap_or_else(|e| panic!("a {format} {compression} re-export is refused: {e}"));
        assert_eq!(again.kind, ArchiveKind::Archive);
        assert_eq!((again.format, again.compression), (format, compression));
        assert_eq!(again.rooms, summary.rooms);
        let back: Vec<Vec<u8>> = read_rooms(&out)
            .expect("re-export opens")
            .map(|r| r.expect("re-exported room reads").doc.to_compact())
            .collect();
        assert!(
            back == compact,
            "{format} {compression} re-export changed the rooms"
        );
        checksums.push(again.sha256);
    }
    assert!(
        checksums.windows(2).all(|w| w[0] == w[1]),
        "the same rooms carry different checksums: {checksums:?}"
    );
    Some(Accepted {
        summary,
        rooms: compact,
    })
}

/// Writes rooms as an archive; `None` when the YAML writer refuses a room
/// that would not survive YAML (which it must say, never write).
fn export(rooms: &[Vec<u8>], format: Format, compression: Compression) -> Option<Vec<u8>> {
    let w = CompressedWriter::new(Vec::new(), compression).expect("compressor");
    let mut archive = ArchiveWriter::new(w, format, &Header::new("fuzz:")).expect("header");
    for room in rooms {
        if let Err(e) = archive.write_room(room) {
            assert!(
                format == Format::Yaml && e.kind() == std::io::ErrorKind::InvalidData,
                "the {format} writer refuses a room the reader accepted: {e}"
            );
            return None;
        }
    }
    let (w, trailer) = archive.finish().expect("trailer");
    assert_eq!(trailer.rooms, rooms.len() as u64);
    Some(w.finish().expect("compressor"))
}

/// Recomputes a plain JSON Lines archive's count and checksum from its
/// lines, independently of the reader.
fn jsonl_checksum_agrees(data: &[u8], summary: &ArchiveSummary) {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let mut lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    while lines.last().is_some_and(|l| l.trim_ascii().is_empty()) {
        lines.pop();
    }
    assert!(
        lines.len() >= 2,
        "an accepted JSON Lines archive has a header and a trailer"
    );
    let rooms = &lines[1..lines.len() - 1];
    let mut hasher = Sha256::new();
    for room in rooms {
        hasher.update(room);
        hasher.update(b"\n");
    }
    let sha: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(rooms.len() as u64, summary.rooms, "room lines vs counted");
    assert_eq!(sha, summary.sha256, "the checksum of the room lines");
}

/// The same file with its trailer's checksum changed (every place the
/// checksum's text appears: a room may quote it) must be refused.
fn a_changed_checksum_is_refused(path: &Path, data: &[u8], sha256: &str) {
    let needle = sha256.as_bytes();
    if needle.is_empty() {
        return;
    }
    let mut changed = data.to_vec();
    let mut found = false;
    let mut at = 0;
    while at + needle.len() <= changed.len() {
        if &changed[at..at + needle.len()] == needle {
            changed[at] = if changed[at] == b'0' { b'1' } else { b'0' };
            found = true;
            at += needle.len();
        } else {
            at += 1;
        }
    }
    if !found {
        // Spelled with escapes, or split over YAML lines.
        return;
    }
    let out = path.with_extension("changed");
    std::fs::write(&out, &changed).expect("writing the scratch file");
    let result = validate(&out, &ValidateOptions::allowing_truncated());
    assert!(
        result.is_err(),
        "an archive whose checksum was changed is accepted"
    );
}
