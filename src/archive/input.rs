//! An input file as a byte stream: decompressed whatever its compression
//! (a cut stream reads as a shorter one), without a byte-order mark, read by
//! lines or by bytes with the line number kept for messages.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{ArchiveError, Compression};
use crate::json_lex;

/// The longest room (or line) the reader accepts unless told otherwise
/// ([`super::ValidateOptions::max_room_bytes`]): reading stops there, so
/// neither a corrupt file with no line breaks nor a small compressed file
/// that decompresses to gigabytes is read whole into memory.
pub(super) const MAX_ROOM_BYTES: u64 = crate::limit::DEFAULT_MAX_ROOM_BYTES;

/// Bytes read from an input at a time.
const READ_BUFFER: usize = 256 << 10;

pub(super) struct Input {
    pub(super) reader: Box<dyn BufRead + Send>,
    /// The longest room (or line) read; reading stops past it.
    pub(super) max_room: usize,
    /// 1-based line of the next unread byte.
    pub(super) line: usize,
    /// The compressed stream ended early (the content may still look whole
    /// up to some point; what counts is whether a trailer was read).
    pub(super) cut: Arc<AtomicBool>,
    /// Another handle on the file, for its stamp.
    pub(super) file: Option<File>,
}

pub(super) enum LineEnd {
    Eof,
    Terminated,
    Unterminated,
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

pub(super) fn read_error(line: usize) -> impl Fn(io::Error) -> ArchiveError {
    move |e| ArchiveError::io(Some(line), "cannot read", e)
}

impl Input {
    pub(super) fn open(path: &Path, max_room: u64) -> Result<(Input, Compression), ArchiveError> {
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
    pub(super) fn peek_non_ws(&mut self) -> Result<Option<u8>, ArchiveError> {
        loop {
            let buf = self.reader.fill_buf().map_err(read_error(self.line))?;
            if buf.is_empty() {
                return Ok(None);
            }
            let skip = json_lex::skip_whitespace(buf, 0);
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
    pub(super) fn bump(&mut self) {
        self.reader.consume(1);
    }

    /// Reads one line into `out`, without its `\n` (or `\r\n`).
    pub(super) fn read_line(&mut self, out: &mut Vec<u8>) -> Result<LineEnd, ArchiveError> {
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
    pub(super) fn finish_line(&mut self, buf: &mut Vec<u8>) -> Result<(), ArchiveError> {
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
}

/// A room (or a line) longer than the limit, of which `start` was read.
pub(super) fn too_long(line: usize, start: &[u8], max: usize) -> ArchiveError {
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
