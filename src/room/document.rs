//! The room document as stored: every key in its stored order, unknown
//! keys too, kept as compact text when it was read from such; and why bytes
//! are not a room document.

use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::RoomFacts;
use super::spelling::{minify_checked, pretty};

/// Keys the server requires; a document without any of them is invalid.
pub const REQUIRED_KEYS: [&str; 3] = ["roomName", "creatorPlexUserId", "createdAt"];

/// A room exactly as stored: every key in its stored order, unknown keys too.
///
/// A document read from compact JSON (a Redis value, an archive line) keeps
/// those bytes and builds its key/value tree only when asked: copying rooms
/// from an archive to Redis then never builds one, which is most of the cost
/// of an import.
#[derive(Debug, Clone)]
pub struct RoomDocument {
    name: String,
    /// The compact JSON the document was read from, when it was compact.
    compact: Option<Vec<u8>>,
    map: OnceLock<Map<String, Value>>,
}

impl PartialEq for RoomDocument {
    fn eq(&self, other: &Self) -> bool {
        match (&self.compact, &other.compact) {
            (Some(a), Some(b)) if a == b => true,
            _ => self.as_map() == other.as_map(),
        }
    }
}

/// Why bytes are not a valid room document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// Not UTF-8, not JSON, empty, or truncated.
    Corrupt(String),
    /// JSON, but not an object.
    NotAnObject,
    /// An object without a required key (or with one of the wrong type).
    Invalid(String),
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentError::Corrupt(why) => write!(f, "not valid JSON ({why})"),
            DocumentError::NotAnObject => f.write_str("JSON but not an object"),
            DocumentError::Invalid(why) => write!(f, "not a room document ({why})"),
        }
    }
}

impl std::error::Error for DocumentError {}

pub(super) fn corrupt(bytes: &[u8], err: serde_json::Error) -> DocumentError {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return DocumentError::Corrupt("empty".into());
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return not_utf8(e);
    }
    if err.is_eof() {
        return DocumentError::Corrupt(shorten(format!("truncated: {err}")));
    }
    DocumentError::Corrupt(shorten(err.to_string()))
}

pub(super) fn not_utf8(e: std::str::Utf8Error) -> DocumentError {
    DocumentError::Corrupt(format!("not UTF-8 from byte {}", e.valid_up_to() + 1))
}

/// The longest message [`shorten`] leaves.
const MAX_MESSAGE_CHARS: usize = 400;

/// A message cut in the middle when long: parsers quote the input they
/// could not use (`invalid type: string "…"`), and a stored value may be
/// megabytes long. The start says what is wrong, the end where.
pub(crate) fn shorten(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let head: String = message.chars().take(MAX_MESSAGE_CHARS * 2 / 3).collect();
    let tail_chars = MAX_MESSAGE_CHARS / 3 - 3;
    let skip = message.chars().count() - tail_chars;
    let tail: String = message.chars().skip(skip).collect();
    format!("{head} … {tail}")
}

/// A serde_json error's message without its ` at line L column C`, for an
/// error found in text the user never saw (a re-spelling).
pub(super) fn without_position(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    match message.strip_suffix(&suffix) {
        Some(message) => message.to_string(),
        None => message,
    }
}

impl RoomDocument {
    /// Parses stored bytes and checks them as [`RoomFacts::from_slice`] does:
    /// the bytes are a room exactly when the facts can be read from them.
    ///
    /// No key/value tree is built for text the server wrote: pretty JSON (a
    /// room file) is minified, which gives exactly the compact text
    /// `JSON.stringify(room)` writes, and the one-pass fact reader validates
    /// it. Other spellings (escapes, number forms, a key twice) are parsed
    /// and re-spelled; of two equal keys the last value counts, in the place
    /// of the first, as the server's `JSON.parse` reads them.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, DocumentError> {
        let (compact, canonical) = minify_checked(bytes);
        // Word a problem after the text as stored (its line numbers).
        let as_stored = |e| RoomFacts::from_slice(bytes).err().unwrap_or(e);
        if !canonical {
            // Re-spell it the way the server would write it.
            let value: Value = serde_json::from_slice(bytes).map_err(|e| corrupt(bytes, e))?;
            let Value::Object(map) = value else {
                return Err(DocumentError::NotAnObject);
            };
            // Serialising a map of JSON values cannot fail.
            let respelled = serde_json::to_vec(&map).unwrap_or_default();
            RoomFacts::from_slice(&respelled).map_err(as_stored)?;
            return Self::from_value(Value::Object(map));
        }
        let facts = RoomFacts::from_slice(&compact).map_err(as_stored)?;
        Ok(RoomDocument {
            name: facts.name,
            compact: Some(compact),
            map: OnceLock::new(),
        })
    }

    /// A document from text already judged a room: `compact` is what
    /// [`minify_checked`] made, answering `true`, of bytes that
    /// [`RoomFacts::from_slice`] accepted as the room `name`. Such text
    /// reads exactly as those bytes do, so nothing is parsed again.
    pub(crate) fn from_judged_compact(name: String, compact: Vec<u8>) -> RoomDocument {
        RoomDocument {
            name,
            compact: Some(compact),
            map: OnceLock::new(),
        }
    }

    /// Takes a parsed JSON value and checks the required keys (only those:
    /// for documents roomctl builds itself).
    pub fn from_value(value: Value) -> Result<Self, DocumentError> {
        match value {
            Value::Object(map) => {
                check_required(&map)?;
                let name = map
                    .get("roomName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                Ok(RoomDocument {
                    name,
                    compact: None,
                    map: OnceLock::from(map),
                })
            }
            _ => Err(DocumentError::NotAnObject),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every key and value, in stored order.
    pub fn as_map(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| {
            // The bytes were validated when the document was made.
            self.compact
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or_default()
        })
    }

    pub fn into_map(self) -> Map<String, Value> {
        let _ = self.as_map();
        self.map.into_inner().unwrap_or_default()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().get(key)
    }

    /// Compact JSON, as the server writes it to Redis (`JSON.stringify(room)`).
    pub fn to_compact(&self) -> Vec<u8> {
        match &self.compact {
            Some(bytes) => bytes.clone(),
            // Serialising a map of JSON values cannot fail.
            None => serde_json::to_vec(self.as_map()).unwrap_or_default(),
        }
    }

    /// The compact JSON without a copy, when the document was read from it.
    pub fn compact_bytes(&self) -> Option<&[u8]> {
        self.compact.as_deref()
    }

    /// Whether two documents hold the same fields with the same values in
    /// the same order, however their text was spelled (escapes, numbers).
    pub fn same_content(&self, other: &RoomDocument) -> bool {
        if let (Some(a), Some(b)) = (&self.compact, &other.compact)
            && a == b
        {
            return true;
        }
        serde_json::to_vec(self.as_map()).ok() == serde_json::to_vec(other.as_map()).ok()
    }

    /// Pretty JSON with 2-space indentation and no trailing newline, as the
    /// server writes room files (`JSON.stringify(room, null, 2)`).
    pub fn to_pretty(&self) -> Vec<u8> {
        match &self.compact {
            // Canonical compact text: re-indented, no tree built (and none
            // kept: a batch of rooms being written holds only their text).
            Some(compact) if self.map.get().is_none() => pretty(compact),
            _ => serde_json::to_vec_pretty(self.as_map()).unwrap_or_default(),
        }
    }

    /// The same document with the password removed (for human output).
    pub fn redacted(&self) -> RoomDocument {
        let mut map = self.as_map().clone();
        if let Some(v) = map.get_mut("password") {
            *v = Value::String("********".into());
        }
        RoomDocument {
            name: self.name.clone(),
            compact: None,
            map: OnceLock::from(map),
        }
    }

    /// The derived facts of this document.
    pub fn facts(&self) -> RoomFacts {
        // A document read by `from_slice` always has its facts; one built by
        // `from_value` (which checks only the required keys) may not, and is
        // then known by its name alone.
        RoomFacts::from_slice(&self.to_compact()).unwrap_or_else(|_| RoomFacts::named(self.name()))
    }

    /// Per-media like counts, rating counts per user, and the matches.
    pub fn details(&self) -> RoomDetails {
        let mut details = RoomDetails::default();
        if let Some(Value::Object(ratings)) = self.as_map().get("ratings") {
            for (media, tuples) in ratings {
                let mut likes = 0usize;
                for tuple in tuples.as_array().into_iter().flatten() {
                    let Some(t) = tuple.as_array() else { continue };
                    let user = t.first().and_then(Value::as_str).unwrap_or("?");
                    let verdict = t.get(1).and_then(Value::as_str).unwrap_or("");
                    let entry = match details.per_user.iter_mut().find(|(u, _, _)| u == user) {
                        Some(e) => e,
                        None => {
                            details.per_user.push((user.to_string(), 0, 0));
                            details.per_user.last_mut().expect("just pushed")
                        }
                    };
                    if verdict == "like" {
                        entry.1 += 1;
                        likes += 1;
                    } else {
                        entry.2 += 1;
                    }
                }
                if likes >= 2 {
                    details.matches.push((media.clone(), likes));
                }
            }
        }
        if let Some(Value::Object(progress)) = self.as_map().get("userProgress") {
            for (user, n) in progress {
                details
                    .progress
                    .push((user.clone(), n.as_f64().unwrap_or(0.0)));
            }
        }
        details
    }
}

/// Facts `show` prints that `list` does not need.
#[derive(Debug, Default, Clone)]
pub struct RoomDetails {
    /// (user, likes, dislikes) in first-seen order.
    pub per_user: Vec<(String, usize, usize)>,
    /// (mediaId, likes) for every media item with at least two likes.
    pub matches: Vec<(String, usize)>,
    /// (user, items rated) from `userProgress`.
    pub progress: Vec<(String, f64)>,
}

fn check_required(map: &Map<String, Value>) -> Result<(), DocumentError> {
    let missing: Vec<&str> = REQUIRED_KEYS
        .iter()
        .copied()
        .filter(|k| !map.get(*k).is_some_and(Value::is_string))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DocumentError::Invalid(format!(
            "missing or non-string {}",
            missing.join(", ")
        )))
    }
}
