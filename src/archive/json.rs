//! The JSON form and plain JSON inputs, read from the byte stream with just
//! enough of a JSON scanner to find where one value ends without parsing it
//! (serde_json parses each value afterwards): that is what lets a JSON
//! archive be streamed room by room.

use serde_json::Value;

use super::format::{HeaderFields, trailer_from_value};
use super::input::{Input, read_error, too_long};
use super::{ArchiveError, Trailer};
use crate::json_lex::{self, is_whitespace};

pub(super) enum Member {
    Key(String),
    Close,
    Cut,
}

pub(super) enum Element {
    /// A value (in the buffer) starting on this line.
    Value(usize),
    Close,
    Cut,
}

impl Input {
    /// Reads one whole JSON value into `out`, as bytes, after any whitespace.
    /// `Ok(false)` when the input ends before it is complete.
    pub(super) fn read_value(&mut self, out: &mut Vec<u8>) -> Result<bool, ArchiveError> {
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
    pub(super) fn member_value(&mut self, buf: &mut Vec<u8>) -> Result<Value, ArchiveError> {
        let line = self.line;
        if !self.read_value(buf)? {
            return Err(ArchiveError::header_cut());
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
    pub(super) fn next_member(
        &mut self,
        first: &mut bool,
        buf: &mut Vec<u8>,
    ) -> Result<Member, ArchiveError> {
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
    pub(super) fn next_element(
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
    pub(super) fn archive_tail(
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
    pub(super) fn expect_end(&mut self) -> Result<(), ArchiveError> {
        match self.peek_non_ws()? {
            None => Ok(()),
            Some(_) => Err(ArchiveError::invalid(
                Some(self.line),
                "content after the end of the document",
            )),
        }
    }
}

/// Where a JSON value ends, found by counting brackets outside strings. It
/// does not validate: a malformed value still ends somewhere, and serde_json
/// then says what is wrong with it.
#[derive(Default)]
pub(super) struct ValueScan {
    started: bool,
    scalar: bool,
    depth: usize,
    in_string: bool,
    /// How far into the next bytes an escape reaches that the last bytes
    /// fed ended inside.
    resume: usize,
}

impl ValueScan {
    /// Feeds bytes; returns how many belong to the value, and whether it is
    /// complete.
    pub(super) fn feed(&mut self, buf: &[u8]) -> (usize, bool) {
        let mut i = std::mem::take(&mut self.resume);
        while i < buf.len() {
            if self.in_string {
                let string = json_lex::string(buf, i);
                if !string.closed {
                    self.resume = string.end - buf.len();
                    return (buf.len(), false);
                }
                self.in_string = false;
                i = string.end + 1;
                if self.depth == 0 {
                    return (i, true);
                }
                continue;
            }
            let b = buf[i];
            if !self.started {
                self.started = true;
                match b {
                    b'{' | b'[' => self.depth = 1,
                    b'"' => self.in_string = true,
                    _ => self.scalar = true,
                }
            } else if self.scalar {
                if is_whitespace(b) || matches!(b, b',' | b']' | b'}' | b':') {
                    return (i, true);
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
            i += 1;
        }
        (buf.len(), false)
    }
}
