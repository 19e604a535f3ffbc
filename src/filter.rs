//! Selecting rooms: the filters `list`, `export` and `prune-inactive` share,
//! durations (`30d`, `2w`, `36h`) and the instant ages are measured from.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::room::{RoomFacts, parse_timestamp};

/// A duration in milliseconds, parsed from `30d`, `2w`, `36h`, `90m`,
/// `45s` or combinations such as `1d12h`.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 7 * 86_400_000,
            _ => {
                return Err(format!(
                    "{s:?}: unknown unit {c:?} (use s, m, h, d or w, e.g. 30d, 36h, 2w)"
                ));
            }
        };
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("{s:?}: expected a number before {c:?}"))?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("{s:?}: too large"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("{s:?}: missing unit (e.g. {s}d for days)"));
    }
    Ok(total)
}

/// Formats milliseconds the way [`parse_duration`] reads them, largest
/// units first, with at most `parts` units: `30d`, `1d12h`, `61d4h`.
pub fn format_duration_parts(ms: i64, parts: usize) -> String {
    const UNITS: [(i64, char); 4] = [
        (86_400_000, 'd'),
        (3_600_000, 'h'),
        (60_000, 'm'),
        (1_000, 's'),
    ];
    let mut rest = ms.max(0);
    let mut out = String::new();
    let mut used = 0;
    for (unit, c) in UNITS {
        if used == parts {
            break;
        }
        let n = rest / unit;
        if n > 0 {
            out.push_str(&format!("{n}{c}"));
            rest -= n * unit;
            used += 1;
        } else if used > 0 {
            // Keep the units adjacent: 1d0h5m would read wrong truncated.
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

/// Formats milliseconds exactly, as [`parse_duration`] reads them.
pub fn format_duration(ms: i64) -> String {
    format_duration_parts(ms, 4)
}

/// Parses `--now`: an RFC 3339 instant, e.g. `2026-11-01T00:00:00Z`.
pub fn parse_now(s: &str) -> Result<i64, String> {
    parse_timestamp(s)
        .ok_or_else(|| format!("{s:?}: expected an instant like 2026-11-01T00:00:00Z"))
}

/// The wall clock in epoch milliseconds.
pub fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Which rooms a command works on.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RoomFilter {
    /// Only rooms created by this Plex user (username or user id).
    #[arg(long, value_name = "USER")]
    pub creator: Option<String>,

    /// Only rooms whose last activity is older than this (e.g. 30d, 12h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub inactive_for: Option<i64>,

    /// Only rooms active within this long (e.g. 7d).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub active_within: Option<i64>,

    /// Measure ages from this instant instead of the clock (RFC 3339).
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_now)]
    pub now: Option<i64>,
}

impl RoomFilter {
    /// The instant ages are measured from.
    pub fn now_ms(&self) -> i64 {
        self.now.unwrap_or_else(wall_clock_ms)
    }

    /// Whether a room passes every filter given. Rooms with unknown activity
    /// never pass an activity filter.
    pub fn matches(&self, facts: &RoomFacts, now_ms: i64) -> bool {
        if let Some(c) = &self.creator
            && facts.creator_username != *c
            && facts.creator_id != *c
        {
            return false;
        }
        if self.inactive_for.is_some() || self.active_within.is_some() {
            let Some(last) = facts.last_activity_ms() else {
                return false;
            };
            let age = now_ms - last;
            if self.inactive_for.is_some_and(|d| age <= d) {
                return false;
            }
            if self.active_within.is_some_and(|d| age > d) {
                return false;
            }
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.creator.is_none() && self.inactive_for.is_none() && self.active_within.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400_000));
        assert_eq!(parse_duration("2w"), Ok(14 * 86_400_000));
        assert_eq!(parse_duration("36h"), Ok(36 * 3_600_000));
        assert_eq!(parse_duration("1d12h"), Ok(36 * 3_600_000));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("3x").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("99999999999999999w").is_err());
        for s in ["30d", "36h", "1d12h", "90m", "45s", "1d1s"] {
            let ms = parse_duration(s).unwrap();
            assert_eq!(parse_duration(&format_duration(ms)), Ok(ms), "{s}");
        }
        assert_eq!(format_duration(parse_duration("2w").unwrap()), "14d");
        assert_eq!(format_duration(parse_duration("1d12h").unwrap()), "1d12h");
        assert_eq!(
            format_duration_parts(parse_duration("61d4h5m").unwrap(), 2),
            "61d4h"
        );
        assert_eq!(
            format_duration_parts(parse_duration("3d5m").unwrap(), 2),
            "3d"
        );
        assert_eq!(format_duration(0), "0s");
    }
}
