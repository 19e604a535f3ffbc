//! The JSON Lines form: a header line, one room per line, a trailer line.

use serde::de::IgnoredAny;
use serde_json::Value;

use super::format::{MARKER, trailer_from_value};
use super::input::{Input, LineEnd};
use super::{ArchiveError, Trailer};

pub(super) enum JsonlStep {
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

pub(super) fn jsonl_step(input: &mut Input, buf: &mut Vec<u8>) -> Result<JsonlStep, ArchiveError> {
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
pub(super) fn take_line(buf: &mut Vec<u8>) -> Vec<u8> {
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
