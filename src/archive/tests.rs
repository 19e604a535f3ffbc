//! The archive's tests: every form and compression written and read back,
//! and each refusal of the reader.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::format::{TOOL, lower_hex};
use super::json::ValueScan;
use super::write::Encoder;
use super::yaml::MAX_YAML_BYTES;
use super::*;
use crate::room::{DocumentError, RoomDocument};

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

/// `n` small rooms `r0`, `r1`, …: enough for several chunks.
fn numbered_rooms(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| room(&format!("r{i}")).into_bytes())
        .collect()
}

/// The write pass of a file changed after its check: it hands out the
/// rooms before the change, then the error, never the changed room.
fn assert_stops_before_the_change(read: &[Result<ArchivedRoom, ArchiveError>]) {
    let err = read.last().unwrap().as_ref().unwrap_err();
    assert!(
        err.to_string().contains("changed after it was checked"),
        "{err}"
    );
    assert!(read.iter().flatten().all(|r| r.doc.name() != "x300"));
}

#[test]
fn the_write_pass_hands_out_what_was_checked() {
    let mut rooms = sample_rooms();
    // Enough rooms for several chunks.
    rooms.extend(numbered_rooms(600));
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
    let rooms = numbered_rooms(600);
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
        assert_stops_before_the_change(&read);
    }
}

#[test]
fn an_unchanged_file_vouches_for_its_lines_by_its_stamp() {
    let rooms = numbered_rooms(600);
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
    assert_stops_before_the_change(&read);
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
    let json = String::from_utf8(write_archive(&rooms, Format::Json, Compression::None)).unwrap();
    let err = validate_err(&scratch.file("a.json", json.replacen("beta", "bet4", 1).as_bytes()));
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
fn a_value_read_in_pieces_ends_where_it_ends_whole() {
    // Each value is followed by `tail` bytes that are not part of it.
    for (text, tail) in [
        (
            &br#"{"a":"b\"}\\","c":["\u00e9",{"d":"\\"}],"e":1} ,"#[..],
            2,
        ),
        (br#""top \"level\" string\\" x"#, 2),
        (br#"[["\\\"", "]"], "}"] ]"#, 2),
        (b"-12.5e3 ,", 2),
        (b"true]", 1),
    ] {
        let mut whole = ValueScan::default();
        let (end, done) = whole.feed(text);
        assert_eq!(
            (end, done),
            (text.len() - tail, true),
            "{}",
            String::from_utf8_lossy(text)
        );
        for size in 1..text.len() {
            let mut scan = ValueScan::default();
            let mut used = 0;
            let mut ended = false;
            for piece in text.chunks(size) {
                let (n, done) = scan.feed(piece);
                used += n;
                if done {
                    ended = true;
                    break;
                }
            }
            assert!(
                ended,
                "{} in pieces of {size}",
                String::from_utf8_lossy(text)
            );
            assert_eq!(
                used,
                end,
                "{} in pieces of {size}",
                String::from_utf8_lossy(text)
            );
        }
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
