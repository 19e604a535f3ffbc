//! Selecting rooms: the filters `list`, `export` and `prune-inactive` share,
//! and the instant ages are measured from. Durations are read by
//! [`crate::duration`].

use crate::clock::wall_clock_ms;
use crate::duration;
use crate::exit::{ExitCode, fail};
use crate::room::{RoomFacts, parse_timestamp};

/// Parses `--now`: an RFC 3339 instant, e.g. `2026-11-01T00:00:00Z`.
pub fn parse_now(s: &str) -> Result<i64, String> {
    parse_timestamp(s)
        .ok_or_else(|| format!("{s:?}: expected an instant like 2026-11-01T00:00:00Z"))
}

/// Which rooms a command works on.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RoomFilter {
    /// Only rooms created by this Plex user (username or user id).
    #[arg(long, value_name = "USER")]
    pub creator: Option<String>,

    /// Only rooms whose last activity is older than this (e.g. 30d, 2mo,
    /// 12h).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse_positive)]
    pub inactive_for: Option<i64>,

    /// Only rooms active within this long (e.g. 7d, 1mo).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse_positive)]
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

    /// [`RoomFilter::now_ms`], once the cutoff of every duration given is
    /// checked against it ([`duration::cutoff`]): a usage error otherwise.
    pub fn checked_now_ms(&self) -> anyhow::Result<i64> {
        let now = self.now_ms();
        let wall = wall_clock_ms();
        for (flag, ms) in [
            ("--inactive-for", self.inactive_for),
            ("--active-within", self.active_within),
        ] {
            if let Some(ms) = ms {
                duration::cutoff(flag, ms, now, wall).map_err(|e| fail(ExitCode::Usage, e))?;
            }
        }
        Ok(now)
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
