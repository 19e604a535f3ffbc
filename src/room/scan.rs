//! The fast reader of room text: one pass over the bytes that validates the
//! JSON, folds the facts and tells whether the text is already spelled the
//! way the server writes it, without building anything.
//!
//! It answers only for text it understands completely. Anything unusual (an
//! escape in a key or in a fact it reads, a key twice in one object, a
//! `\u` surrogate, a long exponent, a value of the wrong type, any error at
//! all) makes it answer `None`, and the serde-based reader in the parent
//! module decides, with its error messages. Of the text the server writes,
//! only rooms with an escape in their name or in a user's name go that
//! way (1 % of the benchmark's rooms). The fuzz oracle (`crate::fuzzing`)
//! checks that whenever this reader answers, the serde-based one gives the
//! same facts and the spelling check ([`super::minify_checked`]) the same
//! verdicts. The tokens themselves are lexed by [`crate::json_lex`], as the
//! other readers of JSON text in roomctl lex them.

use super::RoomFacts;
use crate::json_lex;

/// What [`scan`] read from one room's text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scanned {
    pub facts: RoomFacts,
    /// The text is spelled as serde_json writes that document (no `\/`,
    /// no needless `\u` escapes, numbers in serde_json's spelling, no key
    /// twice) once whitespace between tokens is removed: the verdict of
    /// [`super::minify_checked`].
    pub canonical: bool,
    /// There is whitespace between tokens (pretty text).
    pub whitespace: bool,
}

impl Scanned {
    /// The text is already the compact canonical form: the verdict of
    /// [`super::is_canonical_compact`].
    pub fn canonical_compact(&self) -> bool {
        self.canonical && !self.whitespace
    }
}

/// Reads a room's facts in one pass, or `None` when the text needs the
/// careful reader (see the module documentation).
pub(crate) fn scan(bytes: &[u8]) -> Option<Scanned> {
    scan_for(bytes, true)
}

/// [`scan`] for the readers that do not list users (export, prune, an
/// archive's check…): the facts' `users` is left empty, which saves most
/// of the cost of folding the ratings.
pub(crate) fn scan_without_users(bytes: &[u8]) -> Option<Scanned> {
    scan_for(bytes, false)
}

fn scan_for(bytes: &[u8], users: bool) -> Option<Scanned> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut s = Scanner {
        text,
        b: bytes,
        i: 0,
        canonical: true,
        whitespace: false,
        depth: 0,
        keys: Vec::new(),
        users,
    };
    s.ws();
    let facts = s.room()?;
    s.ws();
    if s.i != bytes.len() {
        return None;
    }
    Some(Scanned {
        facts,
        canonical: s.canonical,
        whitespace: s.whitespace,
    })
}

/// serde_json refuses nesting beyond 128 levels; rooms nest 4 deep.
const MAX_DEPTH: usize = 64;

struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    canonical: bool,
    whitespace: bool,
    depth: usize,
    /// The keys of the objects open now, innermost last (for duplicates).
    keys: Vec<&'a [u8]>,
    /// Collect the users into the facts.
    users: bool,
}

/// One JSON string: its text between the quotes and whether it has escapes
/// (then the text is not the string's value).
struct Str<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> Str<'a> {
    /// The value, when the text is the value.
    fn plain(&self) -> Option<&'a str> {
        (!self.escaped).then_some(self.raw)
    }
}

impl<'a> Scanner<'a> {
    fn ws(&mut self) {
        let start = self.i;
        self.i = json_lex::skip_whitespace(self.b, start);
        self.whitespace |= self.i != start;
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips whitespace, then expects `c`.
    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// After a member or element: `true` at `,`, `false` at `close`.
    fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let c = self.peek()?;
        self.i += 1;
        match c {
            b',' => Some(true),
            c if c == close => Some(false),
            _ => None,
        }
    }

    /// Enters an object or array at `open`; `false` when it is empty (and
    /// already left).
    fn open(&mut self, open: u8, close: u8) -> Option<bool> {
        self.ws();
        if self.peek()? != open {
            return None;
        }
        self.i += 1;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        if self.peek()? == close {
            self.i += 1;
            self.depth -= 1;
            return Some(false);
        }
        Some(true)
    }

    /// A string; the cursor is on its opening quote. Escapes are read and
    /// judged, but not a surrogate: a lone one is an error of the careful
    /// reader's.
    fn string(&mut self) -> Option<Str<'a>> {
        let start = self.i + 1;
        let s = json_lex::string(self.b, start);
        if !s.closed || !s.valid || s.surrogate {
            return None;
        }
        self.canonical &= s.canonical;
        self.i = s.end + 1;
        Some(Str {
            raw: self.text.get(start..s.end)?,
            escaped: s.escaped,
        })
    }

    /// A string value after optional whitespace.
    fn string_value(&mut self) -> Option<Str<'a>> {
        self.ws();
        if self.peek()? != b'"' {
            return None;
        }
        self.string()
    }

    /// An object key and its colon; the key is kept for the duplicate check.
    fn key(&mut self) -> Option<&'a str> {
        let key = self.string_value()?.plain()?;
        self.keys.push(key.as_bytes());
        self.eat(b':')?;
        Some(key)
    }

    /// Leaves an object whose keys start at `mark` in `keys`; `None` when a
    /// key is there twice (the careful reader knows which one counts).
    fn close_keys(&mut self, mark: usize) -> Option<()> {
        // Keys with an escape were declined: equal text is an equal key.
        let unique = !json_lex::repeated_key(&mut self.keys[mark..]);
        self.keys.truncate(mark);
        self.depth -= 1;
        unique.then_some(())
    }

    /// A number; returns it as serde reads it into an `f64`.
    fn number(&mut self) -> Option<f64> {
        let n = json_lex::number(self.b, self.i)?;
        self.i = n.end;
        self.canonical &= n.canonical;
        Some(n.value)
    }

    /// Any JSON value, checked and skipped.
    fn value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                if self.open(b'{', b'}')? {
                    let mark = self.keys.len();
                    loop {
                        self.key()?;
                        self.value()?;
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                    self.close_keys(mark)?;
                }
                Some(())
            }
            b'[' => {
                if self.open(b'[', b']')? {
                    loop {
                        self.value()?;
                        if !self.more(b']')? {
                            break;
                        }
                    }
                    self.depth -= 1;
                }
                Some(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.i = json_lex::literal(self.b, self.i, word)?;
        Some(())
    }

    /// `null` (consumed: `true`) or anything else (left: `false`).
    fn null(&mut self) -> Option<bool> {
        self.ws();
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(true);
        }
        Some(false)
    }

    /// A known key's string, or null (as good as absent).
    fn fact(&mut self) -> Option<Option<&'a str>> {
        if self.null()? {
            return Some(None);
        }
        self.string_value()?.plain().map(Some)
    }

    /// The room object, its facts read on the way.
    fn room(&mut self) -> Option<RoomFacts> {
        let mut name = None;
        let mut creator_id = None;
        let mut creator_username = None;
        let mut created_at = None;
        let mut last_activity = None;
        let mut facts = RoomFacts::default();
        let mut progress: Vec<&'a str> = Vec::new();
        let mut users = Users::default();
        if self.open(b'{', b'}')? {
            let mark = self.keys.len();
            loop {
                match self.key()? {
                    "roomName" => name = self.fact()?,
                    "creatorPlexUserId" => creator_id = self.fact()?,
                    "creatorPlexUsername" => creator_username = self.fact()?,
                    "createdAt" => created_at = self.fact()?,
                    "lastActivityAt" => last_activity = self.fact()?,
                    "password" => {
                        facts.has_password = !self.null()?;
                        if facts.has_password {
                            self.value()?;
                        }
                    }
                    "ratings" => {
                        if !self.null()? {
                            self.ratings(&mut facts, &mut users)?;
                        }
                    }
                    "userProgress" => {
                        if !self.null()? {
                            self.progress(&mut progress)?;
                        }
                    }
                    _ => self.value()?,
                }
                if !self.more(b'}')? {
                    break;
                }
            }
            self.close_keys(mark)?;
        }
        if self.users {
            for user in progress {
                users.add(user);
            }
            facts.users = users.0.iter().map(|&(_, u)| u.to_string()).collect();
            facts.users.sort();
        }
        facts.name = name?.to_string();
        facts.creator_id = creator_id?.to_string();
        facts.created_at = created_at?.to_string();
        facts.creator_username = creator_username.unwrap_or_default().to_string();
        facts.last_activity_field = last_activity.map(str::to_string);
        Some(facts)
    }

    /// One `[user, verdict, epochMillis]`, spelled in any way.
    fn rating(&mut self) -> Option<(&'a str, bool, f64)> {
        self.open(b'[', b']')?.then_some(())?;
        let user = self.string_value()?.plain()?;
        self.eat(b',')?;
        let like = self.verdict()?;
        self.eat(b',')?;
        self.ws();
        let at = self.number()?;
        self.eat(b']')?;
        self.depth -= 1;
        Some((user, like, at))
    }

    /// [`Scanner::rating`] for the way `JSON.stringify` writes one,
    /// `["user","like",1761419051123]`, read with few checks; `None` (with
    /// nothing consumed) for any other spelling.
    fn compact_rating(&mut self) -> Option<(&'a str, bool, f64)> {
        let start = self.i;
        if self.b.get(start..start + 2)? != b"[\"" {
            return None;
        }
        self.i += 1;
        let found = self.compact_rating_rest();
        if found.is_none() {
            self.i = start;
        }
        found
    }

    fn compact_rating_rest(&mut self) -> Option<(&'a str, bool, f64)> {
        let user = self.string()?.plain()?;
        let rest = &self.b[self.i..];
        let like = if rest.starts_with(b",\"like\",") {
            self.i += 8;
            true
        } else if rest.starts_with(b",\"dislike\",") {
            self.i += 11;
            false
        } else {
            return None;
        };
        // Only digits: a sign, fraction or exponent takes the long way.
        if !self.peek()?.is_ascii_digit() {
            return None;
        }
        let at = self.number()?;
        (self.peek()? == b']').then(|| self.i += 1)?;
        Some((user, like, at))
    }

    /// A rating's verdict: whether it is `"like"`.
    fn verdict(&mut self) -> Option<bool> {
        let rest = &self.b[self.i..];
        if rest.starts_with(b"\"like\"") {
            self.i += 6;
            return Some(true);
        }
        if rest.starts_with(b"\"dislike\"") {
            self.i += 9;
            return Some(false);
        }
        Some(self.string_value()?.plain()? == "like")
    }

    /// `ratings`: mediaId -> [[user, verdict, epochMillis], ...], folded.
    fn ratings(&mut self, facts: &mut RoomFacts, users: &mut Users<'a>) -> Option<()> {
        if !self.open(b'{', b'}')? {
            return Some(());
        }
        let mark = self.keys.len();
        loop {
            self.key()?;
            let mut likes = 0;
            if self.open(b'[', b']')? {
                loop {
                    let (user, like, at) = match self.compact_rating() {
                        Some(rating) => rating,
                        None => self.rating()?,
                    };
                    facts.ratings += 1;
                    likes += u64::from(like);
                    let ms = at as i64;
                    facts.newest_rating_ms = Some(facts.newest_rating_ms.map_or(ms, |n| n.max(ms)));
                    if self.users {
                        users.add(user);
                    }
                    if !self.more(b']')? {
                        break;
                    }
                }
                self.depth -= 1;
            }
            facts.likes += likes;
            if likes >= 2 {
                facts.matches += 1;
            }
            if !self.more(b'}')? {
                break;
            }
        }
        self.close_keys(mark)
    }

    /// `userProgress`: user -> anything; the users in order.
    fn progress(&mut self, users: &mut Vec<&'a str>) -> Option<()> {
        if !self.open(b'{', b'}')? {
            return Some(());
        }
        let mark = self.keys.len();
        loop {
            users.push(self.key()?);
            self.value()?;
            if !self.more(b'}')? {
                break;
            }
        }
        self.close_keys(mark)
    }
}

/// Distinct user names in first-seen order, each with its first 8 bytes,
/// which settle most comparisons without comparing the text.
#[derive(Default)]
struct Users<'a>(Vec<(u64, &'a str)>);

impl<'a> Users<'a> {
    fn add(&mut self, user: &'a str) {
        let bytes = user.as_bytes();
        let mut head = [0u8; 8];
        for (to, from) in head.iter_mut().zip(bytes) {
            *to = *from;
        }
        let print = u64::from_le_bytes(head);
        // Two names of one length up to 8 bytes are equal when their
        // first 8 bytes are.
        let same = |&(p, u): &(u64, &str)| {
            p == print && u.len() == user.len() && (user.len() <= 8 || u == user)
        };
        if !self.0.iter().any(same) {
            self.0.push((print, user));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::{is_canonical_compact, minify_checked};

    /// The careful reader's answer for the same text.
    fn agrees(text: &[u8]) -> Option<Scanned> {
        let fast = scan(text);
        if let Some(fast) = &fast {
            let slow = RoomFacts::from_slow(text)
                .unwrap_or_else(|e| panic!("{e} for {}", String::from_utf8_lossy(text)));
            assert_eq!(fast.facts, slow, "{}", String::from_utf8_lossy(text));
            assert_eq!(fast.canonical, minify_checked(text).1);
            assert_eq!(fast.canonical_compact(), is_canonical_compact(text));
        }
        fast
    }

    const ROOM: &str = r#"{"roomName":"movie night","password":"pw","sort":"random","createdAt":"2025-10-25T19:04:11.123Z","creatorPlexUserId":"1","creatorPlexUsername":"ann","ratings":{"9":[["ann","like",1761419051123],["bob","like",1761419052123]],"10":[["ann","dislike",1761419053123]]},"userProgress":{"ann":2,"bob":1,"cy":0},"futureField":{"x":[1,2.5,-3e2,true,false,null,"\n\u001f"]},"lastActivityAt":"2026-01-01T00:00:00.000Z"}"#;

    #[test]
    fn reads_what_the_server_writes() {
        let fast = agrees(ROOM.as_bytes()).expect("fast path");
        assert_eq!(fast.facts.users, ["ann", "bob", "cy"]);
        assert_eq!(
            (fast.facts.ratings, fast.facts.likes, fast.facts.matches),
            (3, 2, 1)
        );
        assert!(
            !fast.canonical_compact(),
            "-3e2 is spelled -300.0 by serde_json"
        );
        let doc: serde_json::Value = serde_json::from_str(ROOM).unwrap();
        let compact = serde_json::to_vec(&doc).unwrap();
        assert!(agrees(&compact).unwrap().canonical_compact());
        let pretty = serde_json::to_vec_pretty(&doc).unwrap();
        let fast = agrees(&pretty).unwrap();
        assert!(fast.canonical && fast.whitespace);
    }

    #[test]
    fn leaves_the_unusual_to_the_careful_reader() {
        let room = |tail: &str| {
            format!(r#"{{"roomName":"a","creatorPlexUserId":"1","createdAt":"x"{tail}}}"#)
        };
        for tail in [
            r#","roomName":"b""#,                     // a key twice
            r#","x":{"k":1,"k":2}"#,                  // a key twice, nested
            r#","ratings":{"1":[],"1":[]}"#,          // a media id twice
            r#","x":"\ud83c\udfac""#,                 // an escaped surrogate pair
            r#","x":"\ud83c""#,                       // a lone surrogate
            r#","x":1e400"#,                          // out of range
            r#","x":1e0400"#,                         // a long exponent
            r#","x":01"#,                             // a leading zero
            r#","x":[1 2]"#,                          // glued once minified
            r#","ratings":{"1":[["u","like"]]}"#,     // a short rating
            r#","ratings":{"1":[["u","like",1,2]]}"#, // a long rating
            r#","ratings":{"1":null}"#,               // not a list
            r#","creatorPlexUsername":5"#,            // a fact of the wrong type
            r#","lastActivityAt":"\u0032""#,          // an escaped fact
            r#","userProgress":[]"#,                  // progress not an object
            ",\"x\":\"tab\there\"",                   // a raw control character
            r#","x":tru"#,                            // a cut literal
            r#","x":"\x""#,                           // an unknown escape
        ] {
            let text = room(tail);
            assert!(agrees(text.as_bytes()).is_none(), "{text}");
        }
        for bad in [
            &b"[1]"[..],
            b"{} x",
            b"\xef\xbb\xbf{}",
            b"",
            b"{\"roomName\":\"\xff\"}",
        ] {
            assert!(scan(bad).is_none());
        }
        // Missing required keys: the careful reader words the error.
        assert!(scan(br#"{"roomName":"a","createdAt":"x"}"#).is_none());
        // Nulls read as absent, as serde reads them.
        let text =
            room(r#","password":null,"ratings":null,"userProgress":null,"lastActivityAt":null"#);
        let fast = agrees(text.as_bytes()).unwrap();
        assert!(!fast.facts.has_password);
        // Escapes in other strings are read and judged.
        assert!(agrees(room(r#","x":"\/""#).as_bytes()).is_some_and(|s| !s.canonical));
        assert!(agrees(room(r#","x":"\u00e9""#).as_bytes()).is_some_and(|s| !s.canonical));
        assert!(agrees(room(r#","x":"\u001b\"\\""#).as_bytes()).is_some_and(|s| s.canonical));
    }

    #[test]
    fn deep_nesting_is_left_to_the_careful_reader() {
        let deep = format!(
            r#"{{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","x":{}{}}}"#,
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert!(scan(deep.as_bytes()).is_none());
        let ok = deep.replacen('[', "", 2).replacen(']', "", 2);
        assert!(agrees(ok.as_bytes()).is_some());
    }

    #[test]
    fn large_integers_read_as_serde_reads_them() {
        for n in [
            "123456789012345678",
            "1234567890123456789",
            "-9223372036854775808",
            "18446744073709551616",
            "1.5",
            "-0",
            "0.1e-3",
        ] {
            let text = format!(
                r#"{{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","ratings":{{"1":[["u","like",{n}]]}}}}"#
            );
            agrees(text.as_bytes()).expect(n);
        }
    }
}
