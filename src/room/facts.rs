//! The facts every listing derives from a room, read in one pass through
//! serde without building a tree: the careful reader, which words every
//! problem, beside the fast one of `scan`.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::document::{corrupt, not_utf8, shorten, without_position};
use super::{DocumentError, scan, scan_without_users};

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
    pub(super) fn named(name: &str) -> Self {
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
    /// ([`scan`](fn@scan)) leaves alone, and the measure it is checked against.
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
