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

/// The longest room (or line) the reader accepts. Redis cannot store a value
/// larger than 512 MiB, so no real room is larger; the limit keeps a corrupt
/// file with no line breaks from being read whole into memory.
pub(super) const MAX_ROOM_BYTES: usize = 512 << 20;

/// Bytes read from an input at a time.
const READ_BUFFER: usize = 256 << 10;

pub(super) struct Input {
    pub(super) reader: Box<dyn BufRead + Send>,
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
    pub(super) fn open(path: &Path) -> Result<(Input, Compression), ArchiveError> {
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
            .take(MAX_ROOM_BYTES as u64 + 1)
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
        if n > MAX_ROOM_BYTES {
            return Err(too_long(self.line));
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

pub(super) fn too_long(line: usize) -> ArchiveError {
    ArchiveError::invalid(
        Some(line),
        format!("longer than {} MiB: not a room", MAX_ROOM_BYTES >> 20),
    )
}
