//! The room document (docs/compatibility.md): a lossless raw document beside a fast typed
//! view of the facts every command derives from it.
//!
//! Two readings of the same bytes, on purpose:
//! - [`RoomDocument`] keeps every key, known or not, in its stored order. It is
//!   what `show -o json`, export, import and migrate carry; nothing is dropped.
//! - [`RoomFacts`] is computed in one streaming pass over the bytes without
//!   building a tree (the ratings map is folded as it is read). It is what
//!   `list`, `prune-inactive` and the filters need, and it is cheap enough to
//!   run on every room of a 100,000-room store.
//!
//! The parts: `document` (the raw document and why bytes are not one),
//! `facts` (the one-pass facts, through serde), `scan` (the fast reader of
//! the same facts), `spelling` (compact text, minifying, and whether text
//! is spelled as the server writes it) and `time` (timestamps and a room's
//! last activity).

mod document;
mod facts;
mod scan;
mod spelling;
mod time;

#[cfg(test)]
mod tests;

pub(crate) use document::shorten;
pub use document::{DocumentError, REQUIRED_KEYS, RoomDetails, RoomDocument};
pub use facts::RoomFacts;
pub(crate) use scan::{scan, scan_without_users};
pub(crate) use spelling::{is_canonical_compact, minify_checked};
pub use spelling::{is_compact, minify, pretty, pretty_len};
pub use time::{ActivitySource, format_timestamp, parse_timestamp};
