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

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

mod scan;
pub(crate) use scan::{scan, scan_without_users};

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

fn corrupt(bytes: &[u8], err: serde_json::Error) -> DocumentError {
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

fn not_utf8(e: std::str::Utf8Error) -> DocumentError {
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
fn without_position(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    match message.strip_suffix(&suffix) {
        Some(message) => message.to_string(),
        None => message,
    }
}

/// Whether JSON text has no whitespace outside its strings (no indentation,
/// no line breaks): the form `JSON.stringify(room)` writes. Assumes JSON.
pub fn is_compact(json: &[u8]) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for &b in json {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            return false;
        }
    }
    !json.is_empty()
}

/// JSON text without the whitespace between tokens. For the pretty text
/// `JSON.stringify(room, null, 2)` writes, this is exactly the compact text
/// `JSON.stringify(room)` writes.
pub fn minify(json: &[u8]) -> Vec<u8> {
    minify_checked(json).0
}

/// The length of the pretty form of a JSON text (2-space indent, `": "`
/// between a key and its value, `[]` and `{}` when empty), as a room file
/// holds it, without writing it out: for the size a room will have as a
/// file. Strings are counted as they are spelled in `json`, so a text that
/// spells a character as a `\u` escape counts a few bytes more than the
/// file will have.
pub fn pretty_len(json: &[u8]) -> u64 {
    let mut len = 0u64;
    let mut depth = 0u64;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    let next_token = |from: usize| json[from..].iter().find(|b| !b.is_ascii_whitespace());
    while i < json.len() {
        let b = json[i];
        i += 1;
        if in_string {
            len += 1;
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {
                    // The rest of the string up to its next quote or escape.
                    let run = memchr::memchr2(b'"', b'\\', &json[i..]).unwrap_or(json.len() - i);
                    len += run as u64;
                    i += run;
                }
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                len += 1;
            }
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                if next_token(i) == Some(&close) {
                    // Empty: `{}` or `[]`.
                    len += 2;
                    i += json[i..]
                        .iter()
                        .position(|&c| c == close)
                        .map_or(0, |p| p + 1);
                } else {
                    depth += 1;
                    len += 2 + 2 * depth;
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                len += 2 + 2 * depth;
            }
            b',' => len += 2 + 2 * depth,
            b':' => len += 2,
            b if b.is_ascii_whitespace() => {}
            _ => len += 1,
        }
    }
    len
}

/// [`minify`], and whether the result is spelled the way serde_json (and
/// `JSON.stringify`) would write that same document again: no `\/` or
/// non-control `\u` escapes, numbers in serde_json's spelling, no key twice
/// in one object, and no whitespace whose removal glued two tokens into one
/// (`1 2` is not JSON, `12` is). Text the server wrote always is; a
/// hand-edited file may not be, and is then read through a tree.
pub(crate) fn minify_checked(json: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(json.len());
    let (canonical, _) = walk(json, |span| out.extend_from_slice(span));
    (out, canonical)
}

/// Whether JSON text is compact and spelled the way serde_json writes it:
/// [`minify_checked`] would return it unchanged, and `true`. No copy.
pub(crate) fn is_canonical_compact(json: &[u8]) -> bool {
    walk(json, |_| {}) == (true, false)
}

/// The engine of [`minify_checked`]: hands `keep` the runs of `json`
/// between the whitespace that separates tokens, in order, and returns whether the
/// text is canonical and whether it had such whitespace.
fn walk(json: &[u8], mut keep: impl FnMut(&[u8])) -> (bool, bool) {
    let n = json.len();
    let mut canonical = true;
    // Whitespace was dropped since the last byte kept, which was `last`.
    let mut gap = false;
    let mut last: Option<u8> = None;
    let mut whitespace = false;
    // Where the bytes not yet handed to `keep` start.
    let mut span = 0;
    // One entry per open object or array: the object's keys as ranges of
    // `json` (array entries stay empty).
    let mut open: Vec<(bool, Vec<(usize, usize)>)> = Vec::new();
    let mut i = 0;
    while i < n {
        let b = json[i];
        // Dropped whitespace between two tokens neither of which is a
        // bracket, a comma or a colon: they would run together.
        if gap && !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            canonical &= structural(b) || last.is_none_or(structural);
        }
        let start = i;
        match b {
            b'"' => {
                // The whole string, escapes included, is one span.
                i += 1;
                loop {
                    let Some(k) = memchr::memchr2(b'"', b'\\', &json[i..]) else {
                        i = n;
                        break;
                    };
                    i += k;
                    if json[i] == b'"' {
                        i += 1;
                        break;
                    }
                    match json.get(i + 1) {
                        Some(b'/') => canonical = false,
                        Some(b'u') => canonical &= control_escape(json.get(i + 2..i + 6)),
                        _ => {}
                    }
                    i += 2;
                    if i >= n {
                        i = n;
                        break;
                    }
                }
                if let Some((true, keys)) = open.last_mut()
                    && matches!(last, Some(b'{' | b','))
                {
                    keys.push((start, i));
                }
            }
            b'{' | b'[' => {
                open.push((b == b'{', Vec::new()));
                i += 1;
            }
            b'}' | b']' => {
                if let Some((true, keys)) = open.pop() {
                    canonical &= !has_duplicate_key(json, keys);
                }
                i += 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                if span < i {
                    keep(&json[span..i]);
                }
                gap = true;
                whitespace = true;
                while i < n && matches!(json[i], b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
                span = i;
                continue;
            }
            b'-' | b'0'..=b'9' => {
                while i < n && matches!(json[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
                canonical &= canonical_number(&json[start..i]);
            }
            _ => i += 1,
        }
        last = Some(json[i - 1]);
        gap = false;
    }
    if span < n {
        keep(&json[span..]);
    }
    (canonical, whitespace)
}

fn structural(b: u8) -> bool {
    matches!(b, b'{' | b'}' | b'[' | b']' | b',' | b':')
}

/// Whether the 4 hex digits of a `\u` escape are the way serde_json escapes:
/// only control characters, as lowercase `\u00XX`, and not those with a
/// short escape (`\b`, `\t`, `\n`, `\f`, `\r`).
fn control_escape(hex: Option<&[u8]>) -> bool {
    let Some(hex) = hex else { return false };
    hex.len() == 4
        && hex.starts_with(b"00")
        && matches!(hex[2], b'0' | b'1')
        && !hex.iter().any(u8::is_ascii_uppercase)
        && !matches!(&hex[2..], b"08" | b"09" | b"0a" | b"0c" | b"0d")
}

/// Whether two of an object's keys (ranges of `text`) are spelled alike.
/// In canonical text a string has one spelling, so equal text is an equal
/// key.
fn has_duplicate_key(text: &[u8], mut keys: Vec<(usize, usize)>) -> bool {
    let key = |&(start, end): &(usize, usize)| &text[start..end];
    if keys.len() <= 16 {
        return keys
            .iter()
            .enumerate()
            .any(|(i, a)| keys[..i].iter().any(|b| key(a) == key(b)));
    }
    keys.sort_unstable_by(|a, b| key(a).cmp(key(b)));
    keys.windows(2).any(|w| key(&w[0]) == key(&w[1]))
}

/// Whether a number token is spelled as serde_json writes the number it
/// reads: an integer without a leading zero that fits its 64-bit type (the
/// common case, decided without parsing), or a float serde_json prints back
/// the same (`1.5`, not `1.50`, `1E2` or `1e400`).
fn canonical_number(token: &[u8]) -> bool {
    let digits = token.strip_prefix(b"-").unwrap_or(token);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        if digits.len() > 1 && digits[0] == b'0' {
            return false;
        }
        // Up to 18 digits fit either type whatever they are.
        if digits.len() <= 18 {
            return token != b"-0";
        }
        // Positive integers are read as u64, negative ones as i64 (and -0 as
        // the float -0.0); beyond those ranges they become floats.
        let Ok(text) = std::str::from_utf8(token) else {
            return false;
        };
        return if token[0] == b'-' {
            text.parse::<i64>().is_ok_and(|n| n != 0)
        } else {
            text.parse::<u64>().is_ok()
        };
    }
    match serde_json::from_slice::<Value>(token) {
        Ok(value @ Value::Number(_)) => serde_json::to_vec(&value).is_ok_and(|t| t == token),
        _ => false,
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
        serde_json::to_vec_pretty(self.as_map()).unwrap_or_default()
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

/// What every listing derives from a room, computed in one pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoomFacts {
    pub name: String,
    pub creator_id: String,
    pub creator_username: String,
    pub created_at: String,
    pub last_activity_field: Option<String>,
    pub has_password: bool,
    /// Distinct users that rated or have progress, sorted.
    pub users: Vec<String>,
    pub ratings: u64,
    pub likes: u64,
    pub matches: u64,
    /// Newest rating timestamp, epoch milliseconds.
    pub newest_rating_ms: Option<i64>,
}

impl RoomFacts {
    fn named(name: &str) -> Self {
        RoomFacts {
            name: name.to_string(),
            ..RoomFacts::default()
        }
    }

    /// Reads the facts straight from stored bytes (pretty or compact).
    ///
    /// Accepts exactly the objects a serde_json tree (and the server's
    /// `JSON.parse`) reads whose known keys have their documented types: a
    /// number out of range or a lone surrogate is refused even inside an
    /// unknown key, and of two equal keys only the last one counts.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, DocumentError> {
        Self::read(bytes, true).map(|(facts, _)| facts)
    }

    /// [`RoomFacts::from_slice`], with `users` left empty unless asked for
    /// (cheaper), and whether the bytes are already the compact canonical
    /// form (`false` when the fast reader declined and that is not known).
    pub(crate) fn read(bytes: &[u8], users: bool) -> Result<(Self, bool), DocumentError> {
        let scanned = if users {
            scan(bytes)
        } else {
            scan_without_users(bytes)
        };
        if let Some(scanned) = scanned {
            let canonical_compact = scanned.canonical_compact();
            return Ok((scanned.facts, canonical_compact));
        }
        let mut facts = Self::from_slow(bytes)?;
        if !users {
            facts.users.clear();
        }
        Ok((facts, false))
    }

    /// [`RoomFacts::from_slice`] through serde: for text the fast reader
    /// ([`scan`]) leaves alone, and the measure it is checked against.
    pub(crate) fn from_slow(bytes: &[u8]) -> Result<Self, DocumentError> {
        let text = std::str::from_utf8(bytes).map_err(not_utf8)?;
        // serde would read a struct from a JSON array too: only objects are rooms.
        if text.trim_ascii_start().as_bytes().first() != Some(&b'{') {
            return match serde_json::from_str::<Checked>(text) {
                Ok(_) => Err(DocumentError::NotAnObject),
                Err(e) => Err(corrupt(bytes, e)),
            };
        }
        match serde_json::from_str::<FactsRaw<'_>>(text) {
            Ok(raw) if !raw.repeated_media => Self::from_raw(raw),
            // A media item listed twice: only its last list counts.
            Ok(_) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => Self::from_tree(&map),
                Ok(_) => Err(DocumentError::NotAnObject),
                Err(e) => Err(corrupt(bytes, e)),
            },
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                // Valid JSON of the wrong shape, unless the wrong value is
                // one of two equal keys and the last one is right.
                match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(map)) => Self::from_tree(&map).map_err(|tree| match tree {
                        // The same problem: worded with its place as stored.
                        DocumentError::Invalid(why) if why == shorten(without_position(&e)) => {
                            DocumentError::Invalid(shorten(e.to_string()))
                        }
                        other => other,
                    }),
                    Ok(_) => Err(DocumentError::NotAnObject),
                    Err(e2) => Err(corrupt(bytes, e2)),
                }
            }
            Err(e) => Err(corrupt(bytes, e)),
        }
    }

    /// The facts of a parsed document, read from its re-spelling (in which
    /// no key appears twice).
    fn from_tree(map: &Map<String, Value>) -> Result<Self, DocumentError> {
        // Serialising a map of JSON values cannot fail.
        let text = serde_json::to_string(map).unwrap_or_default();
        let raw = serde_json::from_str::<FactsRaw<'_>>(&text)
            .map_err(|e| DocumentError::Invalid(shorten(without_position(&e))))?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: FactsRaw<'_>) -> Result<Self, DocumentError> {
        let mut missing = Vec::new();
        if raw.room_name.is_none() {
            missing.push("roomName");
        }
        if raw.creator_id.is_none() {
            missing.push("creatorPlexUserId");
        }
        if raw.created_at.is_none() {
            missing.push("createdAt");
        }
        if !missing.is_empty() {
            return Err(DocumentError::Invalid(format!(
                "missing {}",
                missing.join(", ")
            )));
        }
        let stats = raw.ratings.unwrap_or_default();
        let mut users = stats.users;
        for u in raw.user_progress.unwrap_or_default() {
            if !users.iter().any(|x| x == &u) {
                users.push(u);
            }
        }
        users.sort();
        Ok(RoomFacts {
            name: raw.room_name.unwrap_or_default().into_owned(),
            creator_id: raw.creator_id.unwrap_or_default().into_owned(),
            creator_username: raw.creator_username.unwrap_or_default().into_owned(),
            created_at: raw.created_at.unwrap_or_default().into_owned(),
            last_activity_field: raw.last_activity_at.map(Cow::into_owned),
            has_password: raw.password,
            users,
            ratings: stats.ratings,
            likes: stats.likes,
            matches: stats.matches,
            newest_rating_ms: stats.newest_ms,
        })
    }

    /// Last activity in epoch milliseconds: the newest of `lastActivityAt`,
    /// the newest rating and `createdAt`; `None` when none can be read.
    pub fn last_activity_ms(&self) -> Option<i64> {
        [
            self.last_activity_field
                .as_deref()
                .and_then(parse_timestamp),
            self.newest_rating_ms,
            parse_timestamp(&self.created_at),
        ]
        .into_iter()
        .flatten()
        .max()
    }

    /// Last activity and which field it comes from. Agrees with
    /// [`RoomFacts::last_activity_ms`]; a tie goes to `lastActivityAt`, then
    /// the ratings.
    pub fn last_activity(&self) -> Option<(i64, ActivitySource)> {
        let readings = [
            (
                self.last_activity_field
                    .as_deref()
                    .and_then(parse_timestamp),
                ActivitySource::LastActivityAt,
            ),
            (self.newest_rating_ms, ActivitySource::Rating),
            (parse_timestamp(&self.created_at), ActivitySource::CreatedAt),
        ];
        let mut newest: Option<(i64, ActivitySource)> = None;
        for (ms, source) in readings {
            if let Some(ms) = ms
                && newest.is_none_or(|(n, _)| ms > n)
            {
                newest = Some((ms, source));
            }
        }
        newest
    }

    /// Why [`RoomFacts::last_activity`] is unknown, for messages.
    pub fn unknown_activity_reason(&self) -> String {
        let mut why = vec![format!("createdAt {:?} is not a date", self.created_at)];
        match &self.last_activity_field {
            Some(v) => why.push(format!("lastActivityAt {v:?} is not a date")),
            None => why.push("no lastActivityAt".into()),
        }
        if self.newest_rating_ms.is_none() {
            why.push("no ratings".into());
        }
        why.join(", ")
    }

    pub fn created_ms(&self) -> Option<i64> {
        parse_timestamp(&self.created_at)
    }
}

/// Which field a room's last activity comes from: the newest of
/// `lastActivityAt`, the newest rating and `createdAt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ActivitySource {
    /// The room's `lastActivityAt` field.
    LastActivityAt,
    /// The newest rating timestamp.
    Rating,
    /// `createdAt`: nothing later is recorded.
    CreatedAt,
}

impl ActivitySource {
    pub fn label(self) -> &'static str {
        match self {
            ActivitySource::LastActivityAt => "lastActivityAt",
            ActivitySource::Rating => "newest rating",
            ActivitySource::CreatedAt => "createdAt",
        }
    }
}

/// Parses an ISO 8601 / RFC 3339 instant into epoch milliseconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// Formats epoch milliseconds as the server does (`toISOString`).
pub fn format_timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// The keys of a room document the facts come from, read in one pass.
#[derive(Default)]
struct FactsRaw<'a> {
    room_name: Option<Cow<'a, str>>,
    creator_id: Option<Cow<'a, str>>,
    creator_username: Option<Cow<'a, str>>,
    created_at: Option<Cow<'a, str>>,
    last_activity_at: Option<Cow<'a, str>>,
    /// A `password` other than null.
    password: bool,
    ratings: Option<RatingStats>,
    user_progress: Option<Vec<String>>,
    /// A media item appears twice in `ratings`: the stats count both lists,
    /// where a reader of the document sees only the last.
    repeated_media: bool,
}

impl<'de> Deserialize<'de> for FactsRaw<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FactsRaw<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a room document (an object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FactsRaw<'de>, A::Error> {
                let mut raw = FactsRaw::default();
                // Of two equal keys the last counts, as in `JSON.parse`.
                while let Some(key) = map.next_key_seed(TextOf("a key"))? {
                    let text = |key| OptionalText(key);
                    match key.as_ref() {
                        "roomName" => raw.room_name = map.next_value_seed(text("roomName"))?,
                        "creatorPlexUserId" => {
                            raw.creator_id = map.next_value_seed(text("creatorPlexUserId"))?
                        }
                        "creatorPlexUsername" => {
                            raw.creator_username =
                                map.next_value_seed(text("creatorPlexUsername"))?
                        }
                        "createdAt" => raw.created_at = map.next_value_seed(text("createdAt"))?,
                        "lastActivityAt" => {
                            raw.last_activity_at = map.next_value_seed(text("lastActivityAt"))?
                        }
                        "password" => raw.password = map.next_value::<Option<Checked>>()?.is_some(),
                        "ratings" => {
                            raw.ratings = map.next_value::<Option<RatingStats>>()?;
                            raw.repeated_media = raw.ratings.as_ref().is_some_and(|r| r.repeated);
                        }
                        "userProgress" => {
                            raw.user_progress =
                                map.next_value::<Option<ProgressUsers>>()?.map(|p| p.0)
                        }
                        _ => {
                            map.next_value::<Checked>()?;
                        }
                    }
                }
                Ok(raw)
            }
        }
        d.deserialize_map(V)
    }
}

/// Any JSON value, checked as a tree would read it (numbers in range,
/// strings without lone surrogates, nesting within serde_json's limit) but
/// not kept. `IgnoredAny` skips such values without those checks.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Checked)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = Checked;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_key::<Checked>()?.is_some() {
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}

/// A string, borrowed from the input when it has no escapes; the text says
/// what was expected, for the message when it is not a string.
#[derive(Clone, Copy)]
struct TextOf(&'static str);

impl<'de> DeserializeSeed<'de> for TextOf {
    type Value = Cow<'de, str>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TextOf {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

/// A known key's string value, or null (as good as absent); the key is
/// named in the message when the value is something else.
struct OptionalText(&'static str);

impl<'de> DeserializeSeed<'de> for OptionalText {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptionalText {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} as a string", self.0)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
}

/// The ratings map folded while it is parsed: no tree is built.
#[derive(Default)]
struct RatingStats {
    users: Vec<String>,
    ratings: u64,
    likes: u64,
    matches: u64,
    newest_ms: Option<i64>,
    /// A media id appeared twice.
    repeated: bool,
}

impl<'de> Deserialize<'de> for RatingStats {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = RatingStats;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("ratings as an object of mediaId -> [user, verdict, epochMillis] lists")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RatingStats, A::Error> {
                let mut stats = RatingStats::default();
                let mut media: Vec<Cow<'de, str>> = Vec::new();
                while let Some(id) = map.next_key_seed(TextOf("a media id"))? {
                    media.push(id);
                    let likes = map.next_value_seed(TupleList(&mut stats))?;
                    stats.likes += likes;
                    if likes >= 2 {
                        stats.matches += 1;
                    }
                }
                media.sort_unstable();
                stats.repeated = media.windows(2).any(|w| w[0] == w[1]);
                Ok(stats)
            }
        }
        d.deserialize_map(MapVisitor)
    }
}

/// One media item's list of `[user, verdict, epochMillis]`; yields its likes.
struct TupleList<'s>(&'s mut RatingStats);

impl<'de> DeserializeSeed<'de> for TupleList<'_> {
    type Value = u64;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TupleList<'_> {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a media item's ratings as an array of [user, verdict, epochMillis]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut likes = 0;
        while let Some((user, verdict, at)) = seq.next_element_seed(Rating)? {
            self.0.ratings += 1;
            if verdict == "like" {
                likes += 1;
            }
            if at.is_finite() {
                let ms = at as i64;
                self.0.newest_ms = Some(self.0.newest_ms.map_or(ms, |n| n.max(ms)));
            }
            if !self.0.users.iter().any(|u| u == user.as_ref()) {
                self.0.users.push(user.into_owned());
            }
        }
        Ok(likes)
    }
}

/// One `[user, "like"|"dislike", epochMillis]` of the ratings.
struct Rating;

impl<'de> DeserializeSeed<'de> for Rating {
    type Value = (Cow<'de, str>, Cow<'de, str>, f64);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rating {
    type Value = (Cow<'de, str>, Cow<'de, str>, f64);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ratings entry as [user, verdict, epochMillis]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let user = seq
            .next_element_seed(TextOf("a ratings entry's user as a string"))?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let verdict = seq
            .next_element_seed(TextOf("a ratings entry's verdict as a string"))?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let at = seq
            .next_element_seed(Millis)?
            .ok_or_else(|| de::Error::invalid_length(2, &self))?;
        if seq.next_element::<Checked>()?.is_some() {
            return Err(de::Error::custom(
                "a ratings entry with more than [user, verdict, epochMillis]",
            ));
        }
        Ok((user, verdict, at))
    }
}

/// A rating's time: any JSON number, as a float.
struct Millis;

impl<'de> DeserializeSeed<'de> for Millis {
    type Value = f64;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<f64, D::Error> {
        d.deserialize_f64(self)
    }
}

impl<'de> Visitor<'de> for Millis {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ratings entry's epochMillis as a number")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
}

/// The user names of `userProgress`.
struct ProgressUsers(Vec<String>);

impl<'de> Deserialize<'de> for ProgressUsers {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ProgressUsers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("userProgress as an object of user -> number")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ProgressUsers, A::Error> {
                let mut users = Vec::new();
                while let Some(user) = map.next_key_seed(TextOf("a user name"))? {
                    map.next_value::<Checked>()?;
                    users.push(user.into_owned());
                }
                Ok(ProgressUsers(users))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: &str = r#"{"roomName":"movie night","password":"pw","sort":"random","createdAt":"2025-10-25T19:04:11.123Z","creatorPlexUserId":"1","creatorPlexUsername":"ann","ratings":{"m1":[["ann","like",1761419051123],["bob","like",1761419052123]],"m2":[["ann","dislike",1761419053123]]},"userProgress":{"ann":2,"bob":1,"cy":0},"futureField":{"x":[1,2]}}"#;

    #[test]
    fn pretty_len_is_the_length_of_the_pretty_form() {
        let texts = [
            ROOM,
            r#"{"a":[],"b":{},"c":[{}],"d":[[],[1]],"e":"x,y:{[\"]}"}"#,
            r#"{ "a" : [ 1 , 2 ] , "b" : { } }"#,
            "[]",
            "12",
        ];
        for text in texts {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let pretty = serde_json::to_vec_pretty(&value).unwrap();
            assert_eq!(pretty_len(text.as_bytes()), pretty.len() as u64, "{text}");
            let compact = serde_json::to_vec(&value).unwrap();
            assert_eq!(pretty_len(&compact), pretty.len() as u64, "{text}");
        }
    }

    #[test]
    fn facts_fold_ratings() {
        let f = RoomFacts::from_slice(ROOM.as_bytes()).unwrap();
        assert_eq!(f.name, "movie night");
        assert_eq!(f.users, vec!["ann", "bob", "cy"]);
        assert_eq!((f.ratings, f.likes, f.matches), (3, 2, 1));
        assert_eq!(f.newest_rating_ms, Some(1761419053123));
        assert!(f.has_password);
        assert_eq!(f.last_activity_ms(), Some(1761419053123));
    }

    #[test]
    fn document_round_trips_unknown_keys_in_order() {
        let doc = RoomDocument::from_slice(ROOM.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(doc.to_compact()).unwrap(), ROOM);
        let pretty = doc.to_pretty();
        let again = RoomDocument::from_slice(&pretty).unwrap();
        assert_eq!(again.to_compact(), doc.to_compact());
        assert!(!pretty.ends_with(b"\n"));
    }

    #[test]
    fn minifying_never_turns_bad_text_into_a_room() {
        // Whitespace between two words is not dropped silently: `[1 2]` is
        // not JSON, `[12]` would be.
        for bad in [
            &br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","n":[1 2]}"#[..],
            br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","n":[1 .5]}"#,
            br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","b":tr ue}"#,
            br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","s":"a" "b"}"#,
        ] {
            assert!(!minify_checked(bad).1, "{}", String::from_utf8_lossy(bad));
            assert!(RoomDocument::from_slice(bad).is_err());
            assert!(RoomFacts::from_slice(bad).is_err());
        }
        // Literals and pretty text stay on the fast path.
        let doc = br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","t":true,"f":[false,null],"s":"\"\\"}"#;
        let pretty =
            serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(doc).unwrap()).unwrap();
        assert_eq!(minify_checked(&pretty), (doc.to_vec(), true));
        // A string cut short inside an escape.
        assert!(RoomDocument::from_slice(br#"{"roomName":"a\"#).is_err());
    }

    #[test]
    fn a_judged_room_reads_as_its_parse() {
        let doc = br#"{"roomName":"a b","creatorPlexUserId":"1","createdAt":"2026-01-01T00:00:00.000Z","ratings":{"m":[["u","like",1761419051123]]},"x":true}"#;
        let pretty = RoomDocument::from_slice(doc).unwrap().to_pretty();
        let facts = RoomFacts::from_slice(&pretty).unwrap();
        let (compact, canonical) = minify_checked(&pretty);
        assert!(canonical);
        let judged = RoomDocument::from_judged_compact(facts.name.clone(), compact);
        let parsed = RoomDocument::from_slice(&pretty).unwrap();
        assert_eq!(judged.name(), parsed.name());
        assert_eq!(judged.to_compact(), parsed.to_compact());
        assert_eq!(judged.facts(), parsed.facts());
        assert_eq!(judged.as_map(), parsed.as_map());
    }

    #[test]
    fn unusual_spellings_are_respelled() {
        let odd = br#"{"roomName":"caf\u00e9","creatorPlexUserId":"1","createdAt":"x","n":1.50,"p":"a\/b","e":1e3,"c":"\u001b"}"#;
        let doc = RoomDocument::from_slice(odd).unwrap();
        assert_eq!(
            String::from_utf8(doc.to_compact()).unwrap(),
            r#"{"roomName":"café","creatorPlexUserId":"1","createdAt":"x","n":1.5,"p":"a/b","e":1000.0,"c":"\u001b"}"#
        );
        let usual = br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","n":[1.5,-2,1761419051123],"c":"\u001b\n"}"#;
        assert_eq!(
            RoomDocument::from_slice(usual).unwrap().compact_bytes(),
            Some(&usual[..])
        );
        let pretty = RoomDocument::from_slice(usual).unwrap().to_pretty();
        assert_eq!(
            RoomDocument::from_slice(&pretty).unwrap().compact_bytes(),
            Some(&usual[..])
        );
    }

    /// A room with `extra` appended to its required keys.
    fn room_with(extra: &str) -> Vec<u8> {
        format!(r#"{{"roomName":"r","creatorPlexUserId":"1","createdAt":"2025-10-25T19:04:11.123Z"{extra}}}"#).into_bytes()
    }

    #[test]
    fn whitespace_between_two_tokens_is_not_removed_into_one() {
        // Minified, `1 2` would read as 12 and `tr ue` as true.
        for extra in [
            r#","n":[1 2]"#,
            r#","b":tr ue"#,
            r#","n":- 1"#,
            r#","n":1 .5"#,
        ] {
            let bytes = room_with(extra);
            assert!(
                matches!(
                    RoomDocument::from_slice(&bytes),
                    Err(DocumentError::Corrupt(_))
                ),
                "{extra}"
            );
        }
        let spaced = room_with(r#", "n" : [ 1 , 2 ] , "b" : true "#);
        assert_eq!(
            RoomDocument::from_slice(&spaced).unwrap().compact_bytes(),
            Some(&room_with(r#","n":[1,2],"b":true"#)[..])
        );
    }

    #[test]
    fn literals_take_the_fast_path() {
        let bytes = room_with(r#","flags":[true,false,null],"e":{"enabled":true}"#);
        let doc = RoomDocument::from_slice(&bytes).unwrap();
        assert_eq!(doc.compact_bytes(), Some(&bytes[..]));
    }

    #[test]
    fn numbers_are_kept_only_in_serde_json_spelling() {
        for (stored, kept) in [
            ("0", true),
            ("-1", true),
            ("18446744073709551615", true),
            ("-9223372036854775808", true),
            ("1.5", true),
            ("1761419051.1269999", true),
            ("1e-7", true),
            // Read as other numbers or spelled otherwise by serde_json.
            ("18446744073709551616", false),
            ("-9223372036854775809", false),
            ("-0", false),
            ("0.0000001", false),
            ("0.10000000000000001", false),
            ("1E2", false),
        ] {
            let bytes = room_with(&format!(r#","n":{stored}"#));
            let doc = RoomDocument::from_slice(&bytes).unwrap();
            let value: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(
                doc.to_compact(),
                serde_json::to_vec(&value).unwrap(),
                "{stored}"
            );
            assert_eq!(doc.compact_bytes().is_some(), kept, "{stored}");
        }
    }

    #[test]
    fn respelled_numbers_keep_their_value() {
        // Without serde_json's float_roundtrip this reads as the double
        // printed 1761419051.127, and a re-spelled room changed its number.
        let bytes = room_with(r#","p":"a\/b","t":1761419051.1269999"#);
        let doc = RoomDocument::from_slice(&bytes).unwrap();
        assert!(doc.compact_bytes().is_none());
        assert_eq!(
            doc.to_compact(),
            room_with(r#","p":"a/b","t":1761419051.1269999"#)
        );
    }

    #[test]
    fn what_a_tree_cannot_hold_is_refused_by_every_reader() {
        for extra in [
            r#","n":1e400"#,
            r#","n":[-1e400]"#,
            r#","s":"\ud800""#,
            r#","x":{"\udfff":1}"#,
            r#","ratings":{"m":[["a","like",1e999]]}"#,
        ] {
            let bytes = room_with(extra);
            assert!(serde_json::from_slice::<Value>(&bytes).is_err(), "{extra}");
            for (reader, result) in [
                ("document", RoomDocument::from_slice(&bytes).err()),
                ("facts", RoomFacts::from_slice(&bytes).err()),
            ] {
                assert!(
                    matches!(result, Some(DocumentError::Corrupt(_))),
                    "{reader} {extra}"
                );
            }
        }
        // Nested deeper than a tree may be.
        let deep = room_with(&format!(r#","d":{}{}"#, "[".repeat(200), "]".repeat(200)));
        assert!(RoomFacts::from_slice(&deep).is_err());
        assert!(RoomDocument::from_slice(&deep).is_err());
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_wherever_they_are() {
        let mut bytes = room_with(r#","note":"caf"#);
        bytes.truncate(bytes.len() - 1);
        bytes.extend_from_slice(b"\xe9\"}");
        let at = bytes.iter().position(|&b| b == 0xe9).unwrap() + 1;
        for err in [
            RoomDocument::from_slice(&bytes).unwrap_err(),
            RoomFacts::from_slice(&bytes).unwrap_err(),
        ] {
            assert_eq!(
                err,
                DocumentError::Corrupt(format!("not UTF-8 from byte {at}"))
            );
        }
    }

    #[test]
    fn of_two_equal_keys_the_last_counts() {
        // As the server's JSON.parse reads it: the last value, in the place
        // of the first key.
        let bytes = room_with(r#","x":1,"roomName":"second","x":[2]"#);
        let doc = RoomDocument::from_slice(&bytes).unwrap();
        assert_eq!(doc.name(), "second");
        assert_eq!(
            String::from_utf8(doc.to_compact()).unwrap(),
            r#"{"roomName":"second","creatorPlexUserId":"1","createdAt":"2025-10-25T19:04:11.123Z","x":[2]}"#
        );
        assert_eq!(RoomFacts::from_slice(&bytes).unwrap().name, "second");
        // An earlier value of the wrong type does not count either.
        let bytes = room_with(r#","ratings":5,"ratings":{}"#);
        assert!(RoomFacts::from_slice(&bytes).is_ok());
        assert!(RoomDocument::from_slice(&bytes).is_ok());
        // A media item listed twice: only its last list.
        let bytes = room_with(
            r#","ratings":{"m":[["a","like",1],["b","like",2]],"n":[],"m":[["c","dislike",3]]}"#,
        );
        let facts = RoomFacts::from_slice(&bytes).unwrap();
        assert_eq!(facts.users, vec!["c"]);
        assert_eq!((facts.ratings, facts.likes, facts.matches), (1, 0, 0));
        assert_eq!(facts, RoomDocument::from_slice(&bytes).unwrap().facts());
    }

    #[test]
    fn a_malformed_value_is_named_by_its_key() {
        for (extra, key) in [
            (r#","creatorPlexUsername":7"#, "creatorPlexUsername"),
            (r#","lastActivityAt":[]"#, "lastActivityAt"),
            (r#","ratings":1"#, "ratings"),
            (r#","ratings":{"m":3}"#, "ratings"),
            (r#","ratings":{"m":[["a","like"]]}"#, "ratings"),
            (r#","ratings":{"m":[["a","like",1,2]]}"#, "ratings"),
            (r#","ratings":{"m":[["a",1,1]]}"#, "ratings"),
            (r#","userProgress":[]"#, "userProgress"),
        ] {
            let bytes = room_with(extra);
            for err in [
                RoomDocument::from_slice(&bytes).unwrap_err(),
                RoomFacts::from_slice(&bytes).unwrap_err(),
            ] {
                let DocumentError::Invalid(why) = err else {
                    panic!("{extra}: {err:?}");
                };
                assert!(why.contains(key), "{extra}: {why}");
                assert!(why.contains("at line 1 column"), "{extra}: {why}");
            }
        }
        let err =
            RoomFacts::from_slice(br#"{"roomName":5,"creatorPlexUserId":"1","createdAt":"x"}"#)
                .unwrap_err();
        assert_eq!(
            err,
            DocumentError::Invalid(
                "invalid type: integer `5`, expected roomName as a string at line 1 column 13"
                    .into()
            )
        );
    }

    #[test]
    fn a_long_value_is_not_quoted_whole() {
        let long = "y".repeat(50_000);
        let bytes = room_with(&format!(r#","ratings":"{long}""#));
        for err in [
            RoomDocument::from_slice(&bytes).unwrap_err(),
            RoomFacts::from_slice(&bytes).unwrap_err(),
        ] {
            let DocumentError::Invalid(why) = err else {
                panic!("{err:?}")
            };
            assert!(why.chars().count() <= 400, "{why}");
            assert!(why.starts_with("invalid type: string \"yyy"), "{why}");
            assert!(why.ends_with("expected ratings as an object of mediaId -> [user, verdict, epochMillis] lists at line 1 column 50091"), "{why}");
        }
    }

    #[test]
    fn missing_required_is_invalid() {
        let e = RoomFacts::from_slice(br#"{"roomName":"x","creatorPlexUserId":"1"}"#).unwrap_err();
        assert_eq!(e, DocumentError::Invalid("missing createdAt".into()));
        let e =
            RoomDocument::from_slice(br#"{"roomName":"x","creatorPlexUserId":"1"}"#).unwrap_err();
        assert!(matches!(e, DocumentError::Invalid(_)));
        assert!(matches!(
            RoomFacts::from_slice(b""),
            Err(DocumentError::Corrupt(_))
        ));
        assert!(matches!(
            RoomFacts::from_slice(b"[1]"),
            Err(DocumentError::NotAnObject)
        ));
        assert!(matches!(
            RoomFacts::from_slice(b"{\"roomName\":"),
            Err(DocumentError::Corrupt(_))
        ));
        assert!(matches!(
            RoomFacts::from_slice(b"\xff\xfe"),
            Err(DocumentError::Corrupt(_))
        ));
    }

    #[test]
    fn activity_falls_back_and_can_be_unknown() {
        let f = RoomFacts::from_slice(br#"{"roomName":"x","creatorPlexUserId":"1","createdAt":"2025-01-01T00:00:00.000Z","lastActivityAt":"2025-02-01T00:00:00.000Z"}"#).unwrap();
        assert_eq!(
            f.last_activity_ms(),
            parse_timestamp("2025-02-01T00:00:00.000Z")
        );
        let f = RoomFacts::from_slice(
            br#"{"roomName":"x","creatorPlexUserId":"1","createdAt":"yesterday"}"#,
        )
        .unwrap();
        assert_eq!(f.last_activity_ms(), None);
        assert_eq!(f.last_activity(), None);
        assert!(
            f.unknown_activity_reason()
                .contains("\"yesterday\" is not a date")
        );
        assert_eq!(format_timestamp(1761419051123), "2025-10-25T19:04:11.123Z");
    }

    #[test]
    fn activity_source_is_the_newest_reading() {
        let base =
            r#""roomName":"x","creatorPlexUserId":"1","createdAt":"2025-01-01T00:00:00.000Z""#;
        let rating = r#""ratings":{"m":[["a","like",1738368000000]]}"#; // 2025-02-01
        let cases = [
            (
                format!("{{{base}}}"),
                ActivitySource::CreatedAt,
                "2025-01-01",
            ),
            (
                format!("{{{base},{rating}}}"),
                ActivitySource::Rating,
                "2025-02-01",
            ),
            (
                format!(r#"{{{base},{rating},"lastActivityAt":"2025-03-01T00:00:00.000Z"}}"#),
                ActivitySource::LastActivityAt,
                "2025-03-01",
            ),
            // An older lastActivityAt does not hide a newer rating.
            (
                format!(r#"{{{base},{rating},"lastActivityAt":"2025-01-15T00:00:00.000Z"}}"#),
                ActivitySource::Rating,
                "2025-02-01",
            ),
        ];
        for (json, source, day) in cases {
            let f = RoomFacts::from_slice(json.as_bytes()).unwrap();
            let (ms, got) = f.last_activity().unwrap();
            assert_eq!(got, source, "{json}");
            assert_eq!(Some(ms), f.last_activity_ms(), "{json}");
            assert!(format_timestamp(ms).starts_with(day), "{json}");
        }
    }
}
