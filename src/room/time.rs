//! Time in a room: the timestamps the server writes, and which of a
//! room's readings tells its last activity.

use super::RoomFacts;

impl RoomFacts {
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
