//! The room document (SPEC §1): a lossless raw document beside a fast typed
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
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

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
    if std::str::from_utf8(bytes).is_err() {
        return DocumentError::Corrupt("not UTF-8".into());
    }
    if err.is_eof() {
        return DocumentError::Corrupt(format!("truncated: {err}"));
    }
    DocumentError::Corrupt(err.to_string())
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

/// [`minify`], and whether the result is spelled the way serde_json (and
/// `JSON.stringify`) would write it again: no `\/` or non-control `\u`
/// escapes, no exponents, trailing fraction zeros or oversized integers.
/// Text the server wrote always is; a hand-edited file may not be.
///
/// "Canonical" also promises that removing the whitespace changed nothing
/// but the whitespace: where it separated two tokens that would run
/// together (`[1 2]`, `tru e`), the answer is `false` and the caller must
/// judge the original text, which the minified one could misrepresent.
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
                let (end, plain) = number_token(json, start);
                i = end;
                canonical &= plain;
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

/// The end of the number token starting at `start`, and whether it reads
/// back spelled the same: no exponent or `+`, no `-0`, no trailing zeros in
/// a fraction, and no more digits than an `f64` (or a safe integer) keeps.
fn number_token(json: &[u8], start: usize) -> (usize, bool) {
    let mut i = start;
    let mut digits = 0;
    let mut dot = false;
    let mut odd = false;
    while let Some(&c) = json.get(i) {
        match c {
            b'0'..=b'9' => digits += 1,
            b'.' => dot = true,
            b'-' => {}
            b'e' | b'E' | b'+' => odd = true,
            _ => break,
        }
        i += 1;
    }
    let token = &json[start..i];
    let plain = !odd
        && token != b"-0"
        && if dot {
            !token.ends_with(b"0") && !token.ends_with(b".") && digits <= 17
        } else {
            digits <= 15
        };
    (i, plain)
}

impl RoomDocument {
    /// Parses stored bytes and checks the required keys.
    ///
    /// No key/value tree is built for text the server wrote: pretty JSON (a
    /// room file) is minified, which gives exactly the compact text
    /// `JSON.stringify(room)` writes, and the one-pass fact reader validates
    /// it. Other spellings (escapes, number forms) are parsed and re-spelled.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, DocumentError> {
        let (compact, canonical) = minify_checked(bytes);
        if !canonical {
            // Re-spell it the way the server would write it.
            let value: Value = serde_json::from_slice(bytes).map_err(|e| corrupt(bytes, e))?;
            return Self::from_value(value);
        }
        let facts = match RoomFacts::from_slice(&compact) {
            Ok(facts) => facts,
            // Word the problem after the text as stored (its line numbers).
            Err(e) => return Err(RoomFacts::from_slice(bytes).err().unwrap_or(e)),
        };
        Ok(RoomDocument {
            name: facts.name,
            compact: Some(compact),
            map: OnceLock::new(),
        })
    }

    /// Takes a parsed JSON value and checks the required keys.
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
        // The document was validated on construction, so this cannot fail on
        // a missing key; a type error in an optional field is still reported.
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
    pub fn from_slice(bytes: &[u8]) -> Result<Self, DocumentError> {
        // serde would read a struct from a JSON array too: only objects are rooms.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Ok(_) => Err(DocumentError::NotAnObject),
                Err(e) => Err(corrupt(bytes, e)),
            };
        }
        let raw: FactsRaw<'_> = match serde_json::from_slice(bytes) {
            Ok(raw) => raw,
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                // Valid JSON of the wrong shape: say which.
                return match serde_json::from_slice::<Value>(bytes) {
                    Ok(Value::Object(_)) => Err(DocumentError::Invalid(e.to_string())),
                    Ok(_) => Err(DocumentError::NotAnObject),
                    Err(e2) => Err(corrupt(bytes, e2)),
                };
            }
            Err(e) => return Err(corrupt(bytes, e)),
        };
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
        for u in raw.user_progress.unwrap_or_default().0 {
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
            has_password: raw.password.is_some(),
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

/// Which field a room's last activity comes from (SPEC §1).
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

#[derive(Deserialize)]
struct FactsRaw<'a> {
    #[serde(rename = "roomName", borrow, default)]
    room_name: Option<Cow<'a, str>>,
    #[serde(rename = "creatorPlexUserId", borrow, default)]
    creator_id: Option<Cow<'a, str>>,
    #[serde(rename = "creatorPlexUsername", borrow, default)]
    creator_username: Option<Cow<'a, str>>,
    #[serde(rename = "createdAt", borrow, default)]
    created_at: Option<Cow<'a, str>>,
    #[serde(rename = "lastActivityAt", borrow, default)]
    last_activity_at: Option<Cow<'a, str>>,
    #[serde(default)]
    password: Option<IgnoredAny>,
    #[serde(default)]
    ratings: Option<RatingStats>,
    #[serde(rename = "userProgress", default)]
    user_progress: Option<ProgressUsers>,
}

/// The ratings map folded while it is parsed: no tree is built.
#[derive(Default)]
struct RatingStats {
    users: Vec<String>,
    ratings: u64,
    likes: u64,
    matches: u64,
    newest_ms: Option<i64>,
}

impl<'de> Deserialize<'de> for RatingStats {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = RatingStats;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of mediaId -> rating tuples")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RatingStats, A::Error> {
                let mut stats = RatingStats::default();
                while let Some(_media) = map.next_key::<IgnoredAny>()? {
                    let likes = map.next_value_seed(TupleList(&mut stats))?;
                    stats.likes += likes;
                    if likes >= 2 {
                        stats.matches += 1;
                    }
                }
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
        f.write_str("an array of [user, \"like\"|\"dislike\", epochMillis]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut likes = 0;
        while let Some((user, verdict, at)) =
            seq.next_element::<(Cow<'de, str>, Cow<'de, str>, f64)>()?
        {
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

/// The user names of `userProgress`.
#[derive(Default)]
struct ProgressUsers(Vec<String>);

impl<'de> Deserialize<'de> for ProgressUsers {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ProgressUsers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of user -> number")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ProgressUsers, A::Error> {
                let mut users = Vec::new();
                while let Some(user) = map.next_key::<Cow<'de, str>>()? {
                    map.next_value::<IgnoredAny>()?;
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
