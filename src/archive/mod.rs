//! The backup archive format of export and import: a writer that streams
//! rooms into an archive, and a two-pass reader that first checks a whole
//! archive (writing nothing) and then streams its rooms again for the write
//! pass.
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
//! Any of them may be gzip or zstd compressed; the reader knows compression
//! by its magic bytes, never by the file name. The reader also takes, with
//! no header or trailer (so with no checksum), a plain JSON array of room
//! documents and room documents one after another (a single room file, or
//! one compact room per line).
//!
//! The parts, by concern:
//! - `format`: the layouts, compression, header and trailer records, and
//!   the compact room line an archive carries;
//! - `write`: the streaming writer;
//! - `validate`: the check of a whole input before anything is written;
//! - `read`: what an input is, and its rooms handed out again for the
//!   write pass;
//! - `input`: the decompressed byte stream, by lines or by bytes;
//! - `jsonl`, `json`, `yaml`: reading each form;
//! - `error`: why an archive is refused, and where.

mod error;
mod format;
mod input;
mod json;
mod jsonl;
mod read;
mod validate;
mod write;
mod yaml;

#[cfg(test)]
mod tests;

pub use error::{ArchiveError, ArchiveErrorKind};
pub use format::{Compression, Format, Header, Trailer, VERSION, compact_line, compact_line_of};
pub use read::{ArchiveKind, ArchiveRooms, ArchivedRoom, read_checked, read_rooms};
pub use validate::{ArchiveSummary, Checked, ValidateOptions, validate, validate_each};
pub use write::{ArchiveWriter, CompressedWriter};
