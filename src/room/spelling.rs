//! How room text is spelled: whether it is compact, its minified form, and
//! whether it is spelled the way serde_json (and the server's
//! `JSON.stringify`) writes that same document.

use crate::json_lex::{self, canonical_number, is_structural, is_whitespace};

/// Whether JSON text has no whitespace outside its strings (no indentation,
/// no line breaks): the form `JSON.stringify(room)` writes. Assumes JSON.
pub fn is_compact(json: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = json.get(i) {
        if b == b'"' {
            let string = json_lex::string(json, i + 1);
            if !string.closed {
                break;
            }
            i = string.end + 1;
        } else if is_whitespace(b) {
            return false;
        } else {
            i += 1;
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

/// The pretty form of compact JSON text (2-space indent, `": "` between a
/// key and its value, `[]` and `{}` when empty), as `JSON.stringify(room,
/// null, 2)` and serde_json's pretty printer write it: the same bytes as
/// parsing `json` and printing it pretty, for text [`minify_checked`]
/// calls canonical, without building the tree. The layout of
/// [`pretty_len`], written out.
pub fn pretty(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(pretty_len(json) as usize);
    let mut depth = 0usize;
    let mut i = 0;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.resize(out.len() + 2 * depth, b' ');
    };
    while i < json.len() {
        let b = json[i];
        i += 1;
        match b {
            b'"' => {
                // The whole string, escapes included, as it is.
                let start = i - 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &json[i..]) {
                        Some(p) if json[i + p] == b'\\' => i += p + 2,
                        Some(p) => {
                            i += p + 1;
                            break;
                        }
                        None => {
                            i = json.len();
                            break;
                        }
                    }
                }
                out.extend_from_slice(&json[start..i.min(json.len())]);
            }
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                out.push(b);
                if json.get(i) == Some(&close) {
                    out.push(close);
                    i += 1;
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(b);
            }
            b',' => {
                out.push(b',');
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(b),
        }
    }
    out
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
    // One entry per open object or array: where the object's keys start in
    // `keys` (`None` for an array).
    let mut open: Vec<Option<usize>> = Vec::new();
    // The keys of the objects open now, quotes included, innermost last.
    let mut keys: Vec<&[u8]> = Vec::new();
    let mut i = 0;
    while i < n {
        let b = json[i];
        // Dropped whitespace between two tokens neither of which is a
        // bracket, a comma or a colon: they would run together.
        if gap && !is_whitespace(b) {
            canonical &= is_structural(b) || last.is_none_or(is_structural);
        }
        let start = i;
        match b {
            b'"' => {
                // The whole string, escapes included, is one span.
                let string = json_lex::string(json, i + 1);
                canonical &= string.canonical;
                i = if string.closed { string.end + 1 } else { n };
                if let Some(Some(_)) = open.last()
                    && matches!(last, Some(b'{' | b','))
                {
                    keys.push(&json[start..i]);
                }
            }
            b'{' | b'[' => {
                open.push((b == b'{').then_some(keys.len()));
                i += 1;
            }
            b'}' | b']' => {
                if let Some(Some(mark)) = open.pop() {
                    canonical &= !json_lex::repeated_key(&mut keys[mark..]);
                    keys.truncate(mark);
                }
                i += 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                if span < i {
                    keep(&json[span..i]);
                }
                gap = true;
                whitespace = true;
                i = json_lex::skip_whitespace(json, i);
                span = i;
                continue;
            }
            b'-' | b'0'..=b'9' => {
                i = json_lex::number_run_end(json, i);
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
