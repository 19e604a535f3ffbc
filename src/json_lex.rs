//! JSON lexing shared by roomctl's hand-written readers: whitespace, where
//! a string ends and what its escapes are, where a number ends and how
//! serde_json reads and spells it, the literal words, and keys spelled
//! alike.
//!
//! Its users: the fast room scanner (`room::scan`), the spelling check and
//! minifier (`room::spelling`), the archive reader's search for where a
//! streamed value ends (`archive::json`), and the fuzz oracle
//! (`crate::fuzzing`). Each decides for itself what to do with what is
//! found here: the scanner declines anything unusual, the spelling check
//! only judges spelling, the archive reader only wants the end of a value.
//!
//! Everything is a small `#[inline]` function over a byte slice and an
//! index, with no state: the scanner calls these on every byte of every
//! room. Nothing here builds a tree or decodes a string; where a value is
//! needed serde_json reads it, and the fuzz oracle checks that what these
//! functions decide agrees with serde_json.

use serde_json::Value;

/// JSON's whitespace: space, tab, line feed and carriage return (a form
/// feed is not).
#[inline]
pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The first index at or after `i` that is not whitespace (the length of
/// `b` when only whitespace is left).
#[inline]
pub(crate) fn skip_whitespace(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_whitespace(c)) {
        i += 1;
    }
    i
}

/// Brackets, the comma and the colon: the bytes that separate tokens.
#[inline]
pub(crate) fn is_structural(b: u8) -> bool {
    matches!(b, b'{' | b'}' | b'[' | b']' | b',' | b':')
}

/// The literal `word` (`true`, `false`, `null`) at `i`: the index after it.
#[inline]
pub(crate) fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    b.get(i..)?.starts_with(word).then_some(i + word.len())
}

// ---------------------------------------------------------------------------
// Strings

/// What [`string`] found of one string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Str {
    /// The index of the closing quote. When the text ends first: its
    /// length, or one more when it ends inside an escape (a stream resumes
    /// the string that far into its next buffer).
    pub end: usize,
    /// The closing quote was found.
    pub closed: bool,
    /// There is an escape: the text between the quotes is not the value.
    pub escaped: bool,
    /// No raw control character, and every escape is one JSON knows (`\u`
    /// with four hex digits).
    pub valid: bool,
    /// A `\u` escape of a surrogate half. Whether it pairs with the next
    /// is for serde_json to decide: it refuses a lone one.
    pub surrogate: bool,
    /// Escaped as serde_json writes strings: no `\/`, and `\u` only for
    /// the control characters that have no short escape.
    pub canonical: bool,
}

/// Lexes the string whose first byte after the opening quote is at
/// `start`. Whatever the text, it finds where the string ends (an escape
/// takes the byte after its backslash with it) and says what it met on
/// the way; it does not stop at a fault.
#[inline(always)]
pub(crate) fn string(b: &[u8], start: usize) -> Str {
    let end = plain_run_end(b, start);
    if b.get(end) == Some(&b'"') {
        // The common case: no escape, nothing to note.
        return Str {
            end,
            closed: true,
            escaped: false,
            valid: true,
            surrogate: false,
            canonical: true,
        };
    }
    string_from(b, end)
}

/// [`string`] from `i`, the first byte after a plain run that is not the
/// closing quote.
#[inline(never)]
fn string_from(b: &[u8], mut i: usize) -> Str {
    let mut s = Str {
        end: i,
        closed: false,
        escaped: false,
        valid: true,
        surrogate: false,
        canonical: true,
    };
    loop {
        match b.get(i) {
            Some(b'"') => {
                s.closed = true;
                break;
            }
            Some(b'\\') => {
                s.escaped = true;
                i = escape(b, i, &mut s);
            }
            // A raw control character.
            Some(_) => {
                s.valid = false;
                i += 1;
            }
            None => break,
        }
        i = plain_run_end(b, i);
    }
    s.end = i;
    s
}

/// The escape whose backslash is at `i`, noted in `s`; returns the index
/// after it. An escape JSON does not know takes two bytes.
#[inline]
fn escape(b: &[u8], i: usize, s: &mut Str) -> usize {
    match b.get(i + 1) {
        Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => i + 2,
        Some(b'/') => {
            s.canonical = false;
            i + 2
        }
        Some(b'u') => {
            let hex = b.get(i + 2..i + 6);
            s.canonical &= control_escape(hex);
            match hex.and_then(hex_value) {
                Some(code) => {
                    s.surrogate |= (0xD800..0xE000).contains(&code);
                    i + 6
                }
                None => {
                    s.valid = false;
                    i + 2
                }
            }
        }
        _ => {
            s.valid = false;
            i + 2
        }
    }
}

/// The value of four hex digits.
#[inline]
fn hex_value(hex: &[u8]) -> Option<u16> {
    hex.iter().try_fold(0u16, |value, &d| {
        let digit = (d as char).to_digit(16)?;
        Some((value << 4) | digit as u16)
    })
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

/// Bytes that end the plain run of a string: the quote, the backslash and
/// the control characters JSON does not allow raw.
const STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The first index at or after `i` that holds a quote, a backslash or a
/// control character (the length of `b` when there is none).
#[inline]
fn plain_run_end(b: &[u8], mut i: usize) -> usize {
    // Eight bytes at a time while they hold no stop byte.
    while let Some(word) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let stops = string_stops(u64::from_le_bytes(*word));
        if stops != 0 {
            return i + stops.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    while i < b.len() && !STRING_STOP[b[i] as usize] {
        i += 1;
    }
    i
}

/// For eight bytes read little-endian: a nonzero mask whose lowest set bit
/// is in the first byte that is a quote, a backslash or a control
/// character (bits above it may be set falsely: only the lowest counts).
#[inline]
fn string_stops(word: u64) -> u64 {
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\')))
        | below_space
}

// ---------------------------------------------------------------------------
// Numbers

/// A number as [`number`] read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Number {
    /// The index after it.
    pub end: usize,
    /// What serde_json reads it as, converted to an `f64` (as a float, or
    /// as a 64-bit integer then converted).
    pub value: f64,
    /// Spelled as serde_json writes the number it reads
    /// ([`canonical_number`]).
    pub canonical: bool,
}

/// The JSON number at `i`, strictly by the grammar (no leading zero, a
/// digit after `.` and in the exponent). `None` where there is none, and
/// for the numbers whose reading is serde_json's own business: out of
/// range (serde_json refuses them), or with an exponent of more than three
/// digits.
#[inline]
pub(crate) fn number(b: &[u8], start: usize) -> Option<Number> {
    let mut i = start;
    let negative = b.get(i) == Some(&b'-');
    i += usize::from(negative);
    // The integer part, read on the way (wrapping: only used when short).
    let int_start = i;
    let mut n: u64 = 0;
    // Epoch milliseconds have 13 digits: take eight at once.
    if let Some(word) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*word);
        if eight_digits(word) {
            n = eight_digit_value(word);
            i += 8;
        }
    }
    while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
        n = n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
        i += 1;
    }
    let int_digits = i - int_start;
    if int_digits == 0 || (int_digits > 1 && b[int_start] == b'0') {
        return None;
    }
    if int_digits <= 18 && !matches!(b.get(i), Some(b'.' | b'e' | b'E')) {
        // An integer every 64-bit type holds, read as serde does (a u64 or
        // i64, then converted); spelled otherwise only as `-0`.
        let n = n as i64;
        return Some(Number {
            end: i,
            value: if negative { -n } else { n } as f64,
            canonical: !(negative && n == 0),
        });
    }
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        // serde_json's handling of huge exponents is its own.
        if !(1..=3).contains(&digits(&mut i)) {
            return None;
        }
    }
    let token = &b[start..i];
    let value: f64 = std::str::from_utf8(token).ok()?.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    Some(Number {
        end: i,
        value,
        canonical: canonical_number(token),
    })
}

/// The end of the run of number characters at `i` (digits, `.`, `e`, `E`,
/// signs), judging nothing: `1-2` is one run. For readers that judge a
/// number token as a whole, or know the text is JSON.
#[inline]
pub(crate) fn number_run_end(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        i += 1;
    }
    i
}

/// Whether a number token is spelled as serde_json writes the number it
/// reads: an integer without a leading zero that fits its 64-bit type (the
/// common case, decided without parsing), or a float serde_json prints back
/// the same (`1.5`, not `1.50`, `1E2` or `1e400`).
pub(crate) fn canonical_number(token: &[u8]) -> bool {
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

/// Whether eight bytes read little-endian are all ASCII digits.
#[inline]
fn eight_digits(word: u64) -> bool {
    (word & 0xF0F0_F0F0_F0F0_F0F0)
        | (((word.wrapping_add(0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)
        == 0x3333_3333_3333_3333
}

/// The value of eight ASCII digits read little-endian (first digit lowest).
#[inline]
fn eight_digit_value(word: u64) -> u64 {
    let v = (word & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
    let v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
    (v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32
}

// ---------------------------------------------------------------------------
// Keys

/// Whether two of one object's keys, as spelled between their quotes, are
/// alike. Sorts `keys` unless they are in shortlex order already, which is
/// how `JSON.stringify` writes integer-like keys (media ids): most checks
/// are then one pass. Equal text is an equal key only where a string has
/// one spelling, so readers that allow escapes in keys decide otherwise.
#[inline]
pub(crate) fn repeated_key(keys: &mut [&[u8]]) -> bool {
    let ascending = keys
        .windows(2)
        .all(|w| (w[0].len(), w[0]) < (w[1].len(), w[1]));
    if ascending {
        return false;
    }
    if keys.len() <= 16 {
        return keys.iter().enumerate().any(|(i, a)| keys[..i].contains(a));
    }
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_ends_at_its_closing_quote_whatever_it_holds() {
        let text = br#""plain" "\"quoted\" \\" "\u00e9\/" "\ud83c\udfac" "#;
        let mut found = Vec::new();
        let mut i = 0;
        while let Some(at) = text[i..].iter().position(|&b| b == b'"') {
            let s = string(text, i + at + 1);
            assert!(s.closed && s.valid);
            found.push((
                &text[i + at + 1..s.end],
                s.escaped,
                s.canonical,
                s.surrogate,
            ));
            i = s.end + 1;
        }
        assert_eq!(
            found,
            [
                (&b"plain"[..], false, true, false),
                (br#"\"quoted\" \\"#, true, true, false),
                (br#"\u00e9\/"#, true, false, false),
                (br#"\ud83c\udfac"#, true, false, true),
            ]
        );
        // A long run of plain bytes, a stop found in every lane.
        for at in 0..24 {
            let mut text = vec![b'a'; 24];
            text[at] = b'"';
            assert_eq!(string(&text, 0).end, at);
        }
    }

    #[test]
    fn a_faulty_string_still_ends_where_a_lenient_reader_ends_it() {
        // (text, end, closed, valid)
        for (text, end, closed, valid) in [
            (&b"tab\there\""[..], 8, true, false),
            (br#"\x""#, 2, true, false),
            (br#"\u12"x""#, 4, true, false),
            (br#"\uZZZZ""#, 6, true, false),
            (b"cut", 3, false, true),
            (b"cut\\", 5, false, false),
            (br#"cut\u00"#, 7, false, false),
        ] {
            let s = string(text, 0);
            assert_eq!((s.end, s.closed, s.valid), (end, closed, valid), "{text:?}");
        }
    }

    #[test]
    fn escapes_are_canonical_only_as_serde_json_writes_them() {
        for (escape, canonical) in [
            (r#"\u001b"#, true),
            (r#"\u001B"#, false),
            (r#"\u000a"#, false),
            (r#"\n"#, true),
            (r#"\u00e9"#, false),
            (r#"\/"#, false),
        ] {
            let text = format!("{escape}\"");
            assert_eq!(string(text.as_bytes(), 0).canonical, canonical, "{escape}");
            let value: String = serde_json::from_str(&format!("\"{text}")).unwrap();
            let written = serde_json::to_string(&value).unwrap();
            assert_eq!(written == format!("\"{text}"), canonical, "{escape}");
        }
    }

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        for text in [
            "0",
            "-1",
            "1761419051123",
            "123456789012345678",
            "18446744073709551616",
            "-9223372036854775809",
            "1.5",
            "1.50",
            "-0",
            "1e-7",
            "1E2",
            "0.1e-3",
            "1e308",
        ] {
            let n = number(text.as_bytes(), 0).expect(text);
            assert_eq!(n.end, text.len(), "{text}");
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(n.value, value.as_f64().unwrap(), "{text}");
            let written = serde_json::to_string(&value).unwrap();
            assert_eq!(n.canonical, written == text, "{text}");
        }
        for not in ["", "-", "01", "1.", ".5", "1e", "1e400", "1e0400", "-x"] {
            assert!(number(not.as_bytes(), 0).is_none(), "{not}");
        }
        assert_eq!(number(b"12,", 0).map(|n| n.end), Some(2));
        assert_eq!(number_run_end(b"1-2e+3]", 0), 6);
    }

    #[test]
    fn whitespace_literals_and_keys() {
        assert_eq!(skip_whitespace(b" \t\r\n x", 0), 5);
        assert_eq!(skip_whitespace(b"  ", 1), 2);
        assert!(!is_whitespace(0x0c));
        assert_eq!(literal(b"[true]", 1, b"true"), Some(5));
        assert_eq!(literal(b"tru", 0, b"true"), None);
        let mut keys: Vec<&[u8]> = vec![b"9", b"10", b"11"];
        assert!(!repeated_key(&mut keys));
        let mut keys: Vec<&[u8]> = vec![b"b", b"a", b"b"];
        assert!(repeated_key(&mut keys));
        let many: Vec<String> = (0..40).map(|k| format!("k{}", k % 39)).collect();
        let mut keys: Vec<&[u8]> = many.iter().map(|k| k.as_bytes()).collect();
        assert!(repeated_key(&mut keys));
    }
}
