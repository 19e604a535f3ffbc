//! How room text is spelled: whether it is compact, its minified form, and
//! whether it is spelled the way serde_json (and the server's
//! `JSON.stringify`) writes that same document.

use serde_json::Value;

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
pub(super) fn control_escape(hex: Option<&[u8]>) -> bool {
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
pub(super) fn canonical_number(token: &[u8]) -> bool {
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
