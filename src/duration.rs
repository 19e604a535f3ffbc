//! Durations on the command line: one grammar for every flag that takes one
//! (`--older-than`, `--inactive-for`, `--active-within`, `--stale-after`),
//! the units `list` prints its ages in, and the checks that refuse a
//! threshold nobody means before anything is read or written.
//!
//! A duration is one or more terms, each a whole number and a unit, with
//! or without spaces: `30d`, `2mo`, `1y`, `1d12h`, `3 weeks`, `1 day 12
//! hours`. Units: `s`, `min`, `h`, `d`, `w`, `mo` (30 days), `y` (365 days),
//! their words (`second`, `minute`, `hour`, `day`, `week`, `month`, `year`,
//! singular or plural) and `ms`. A bare `m` is refused everywhere: tools
//! read it as minutes, `list`'s ages as months, and a prune given one
//! minute for one month deletes every room.

/// Milliseconds in one unit.
const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;
const MONTH: i64 = 30 * DAY;
const YEAR: i64 = 365 * DAY;

/// The value of one unit, as written after a number.
fn unit(word: &str) -> Option<i64> {
    Some(match word {
        "ms" => 1,
        "s" | "sec" | "secs" | "second" | "seconds" => SECOND,
        "min" | "mins" | "minute" | "minutes" => MINUTE,
        "h" | "hour" | "hours" => HOUR,
        "d" | "day" | "days" => DAY,
        "w" | "week" | "weeks" => WEEK,
        "mo" | "month" | "months" => MONTH,
        "y" | "year" | "years" => YEAR,
        _ => return None,
    })
}

/// A duration in milliseconds (see the module documentation); zero is
/// allowed here, the flags that cannot mean it refuse it.
pub fn parse(text: &str) -> Result<i64, String> {
    parse_terms(text).map_err(|e| match e {
        Refused::Ambiguous(digits) => format!(
            "{:?}: the unit \"m\" is ambiguous: {digits}min is {digits} minute{}, \
             {digits}mo is {digits} month{} ({} days); write the one you mean",
            text.trim(),
            plural(&digits),
            plural(&digits),
            digits.parse::<u64>().map_or(0, |n| n.saturating_mul(30))
        ),
        Refused::Other(message) => message,
    })
}

/// Why a text is not a duration.
enum Refused {
    /// A bare `m` after these digits.
    Ambiguous(String),
    Other(String),
}

fn parse_terms(text: &str) -> Result<i64, Refused> {
    let fail = |m: String| Err(Refused::Other(m));
    let s = text.trim();
    if s.is_empty() {
        return fail("empty duration (e.g. 30d, 2mo, 36h)".into());
    }
    let mut rest = s;
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits_end == 0 {
            return fail(match rest.chars().next() {
                Some('-') => format!("{s:?}: a duration cannot be negative"),
                _ => format!("{s:?}: expected a number at {rest:?} (e.g. 30d, 2mo, 36h)"),
            });
        }
        let digits = &rest[..digits_end];
        rest = rest[digits_end..].trim_start();
        let unit_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let word = rest[..unit_end].to_ascii_lowercase();
        rest = rest[unit_end..].trim_start();
        if word.is_empty() {
            return fail(match rest.chars().next() {
                Some('.' | ',') => {
                    format!("{s:?}: whole numbers only (write 1d12h rather than 1.5d)")
                }
                None => format!("{s:?}: missing unit (e.g. {digits}d for days)"),
                Some(_) => format!("{s:?}: missing unit after {digits}"),
            });
        }
        if word == "m" {
            return Err(Refused::Ambiguous(digits.to_string()));
        }
        let Some(unit) = unit(&word) else {
            return fail(format!(
                "{s:?}: unknown unit {word:?} (use s, min, h, d, w, mo or y, \
                 e.g. 30d, 2mo, 36h, 1y)"
            ));
        };
        total = digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(unit))
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| Refused::Other(format!("{s:?}: too large")))?;
    }
    Ok(total)
}

fn plural(digits: &str) -> &'static str {
    if digits.trim_start_matches('0') == "1" {
        ""
    } else {
        "s"
    }
}

/// `--older-than`: at least one hour. Anything less (zero included) would
/// delete rooms in use a moment ago, which no prune means.
pub fn parse_older_than(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Err(Refused::Ambiguous(digits)) = parse_terms(text) {
        return Err(format!(
            "{text:?}: \"m\" reads as minutes, and {digits} minute{} is under the 1h \
             minimum: every room unused for that long would be deleted; did you mean \
             {digits}mo ({digits} month{}, {} days)? Write mo for months, min for minutes",
            plural(&digits),
            plural(&digits),
            digits.parse::<u64>().map_or(0, |n| n.saturating_mul(30))
        ));
    }
    let ms = parse(text)?;
    if ms == 0 {
        return Err(format!(
            "{text:?} is zero: every room with any activity would be deleted; \
             the smallest is 1h (e.g. 30d, 2mo)"
        ));
    }
    if ms < HOUR {
        return Err(format!(
            "{text:?} is under one hour: every room unused for {} would be deleted, \
             rooms in use moments ago included; the smallest is 1h (a month is 1mo, 30 days)",
            format(ms)
        ));
    }
    Ok(ms)
}

/// `--inactive-for`, `--active-within`: more than zero (zero selects every
/// room, or none).
pub fn parse_positive(text: &str) -> Result<i64, String> {
    let ms = parse(text)?;
    if ms == 0 {
        return Err(format!(
            "{:?} is zero: it selects every room or none; give a duration such as 30d",
            text.trim()
        ));
    }
    Ok(ms)
}

/// The instant `ms` before `now_ms`: the cutoff of a flag such as
/// `--older-than`. Refused when nobody can mean it: before 1970 (or out of
/// the clock's range), or after `wall_ms`, the real clock (a `--now` in
/// the future).
pub fn cutoff(flag: &str, ms: i64, now_ms: i64, wall_ms: i64) -> Result<i64, String> {
    let stamp = crate::room::format_timestamp;
    let at = now_ms
        .checked_sub(ms)
        .filter(|at| *at >= 0)
        .ok_or_else(|| {
            format!(
                "{flag} {} reaches back before 1970 from {}: nothing is that old \
             (at most {}y back from there)",
                format(ms),
                stamp(now_ms),
                now_ms.max(0) / YEAR
            )
        })?;
    if at > wall_ms {
        return Err(format!(
            "{flag} {} before --now {} is {}, in the future: ages are measured \
             from --now; give an instant in the past",
            format(ms),
            stamp(now_ms),
            stamp(at)
        ));
    }
    Ok(at)
}

/// Formats milliseconds the way [`parse`] reads them, largest units first
/// (days at most, so `30d` stays `30d`), with at most `parts` units:
/// `30d`, `1d12h`, `61d4h`, `5min`.
pub fn format_parts(ms: i64, parts: usize) -> String {
    const UNITS: [(i64, &str); 4] = [(DAY, "d"), (HOUR, "h"), (MINUTE, "min"), (SECOND, "s")];
    let mut rest = ms.max(0);
    let mut out = String::new();
    let mut used = 0;
    for (unit, name) in UNITS {
        if used == parts {
            break;
        }
        let n = rest / unit;
        if n > 0 {
            out.push_str(&format!("{n}{name}"));
            rest -= n * unit;
            used += 1;
        } else if used > 0 {
            // Keep the units adjacent: 1d0h5min would read wrong truncated.
            used += 1;
        }
    }
    if out.is_empty() {
        return if ms > 0 {
            format!("{ms}ms")
        } else {
            "0s".into()
        };
    }
    out
}

/// Formats milliseconds exactly, as [`parse`] reads them.
pub fn format(ms: i64) -> String {
    format_parts(ms, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(parse("30d"), Ok(30 * DAY));
        assert_eq!(parse("2w"), Ok(14 * DAY));
        assert_eq!(parse("36h"), Ok(36 * HOUR));
        assert_eq!(parse("1d12h"), Ok(36 * HOUR));
        assert_eq!(parse("1d 12h"), Ok(36 * HOUR));
        assert_eq!(parse("2mo"), Ok(60 * DAY));
        assert_eq!(parse("1y"), Ok(365 * DAY));
        assert_eq!(parse("3 weeks"), Ok(21 * DAY));
        assert_eq!(parse("3weeks"), Ok(21 * DAY));
        assert_eq!(parse("1 Month"), Ok(30 * DAY));
        assert_eq!(parse("1 day 12 hours"), Ok(36 * HOUR));
        assert_eq!(parse("90min"), Ok(90 * MINUTE));
        assert_eq!(parse("0s"), Ok(0));
        assert!(parse("30").unwrap_err().contains("missing unit"));
        assert!(parse("1m").unwrap_err().contains("ambiguous"));
        assert!(
            parse("1m")
                .unwrap_err()
                .contains("1mo is 1 month (30 days)")
        );
        assert!(parse("1.5d").unwrap_err().contains("whole numbers"));
        assert!(parse("-1d").unwrap_err().contains("negative"));
        assert!(parse("3x").is_err());
        assert!(parse("d").is_err());
        assert!(parse("").is_err());
        assert!(parse("99999999999999999w").is_err());
    }

    #[test]
    fn flag_minimums() {
        assert_eq!(parse_older_than("1h"), Ok(HOUR));
        assert!(
            parse_older_than("59min")
                .unwrap_err()
                .contains("under one hour")
        );
        assert!(parse_older_than("0d").unwrap_err().contains("zero"));
        assert!(
            parse_older_than("1m")
                .unwrap_err()
                .contains("did you mean 1mo (1 month, 30 days)?")
        );
        assert!(parse_positive("0s").is_err());
        assert_eq!(parse_positive("1s"), Ok(SECOND));
    }

    #[test]
    fn cutoffs() {
        let now = 1_000 * DAY;
        assert_eq!(cutoff("--x", DAY, now, now), Ok(999 * DAY));
        assert!(
            cutoff("--x", 1_001 * DAY, now, now)
                .unwrap_err()
                .contains("1970")
        );
        assert!(
            cutoff("--x", i64::MAX, -1, now)
                .unwrap_err()
                .contains("1970")
        );
        assert!(
            cutoff("--x", DAY, now, now - 2 * DAY)
                .unwrap_err()
                .contains("future")
        );
    }

    #[test]
    fn formats_read_back() {
        for s in ["30d", "36h", "1d12h", "90min", "45s", "1d1s", "2mo", "1y"] {
            let ms = parse(s).unwrap();
            assert_eq!(parse(&format(ms)), Ok(ms), "{s}");
        }
        assert_eq!(format(parse("2w").unwrap()), "14d");
        assert_eq!(format(parse("1d12h").unwrap()), "1d12h");
        assert_eq!(format(parse("5min").unwrap()), "5min");
        assert_eq!(format_parts(parse("61d4h5min").unwrap(), 2), "61d4h");
        assert_eq!(format_parts(parse("3d5min").unwrap(), 2), "3d");
        assert_eq!(format(0), "0s");
    }
}
