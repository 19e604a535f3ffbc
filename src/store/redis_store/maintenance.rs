//! What `check` may inspect in a Redis store.

use super::*;

/// A Redis database is shared with other data (the chat services keep sets
/// and sorted sets under the same prefix): a key under the prefix that is
/// not a room document is other data, unless it names a room. A misnamed
/// room's key is said, for a `RENAMENX`. Nothing here is repaired.
impl Maintenance for RedisStore {
    fn inspect(
        &self,
        scanned: &[EntryProblem],
        _options: &InspectOptions,
    ) -> Result<Vec<Issue>, StoreError> {
        Ok(scanned
            .iter()
            .filter_map(|p| {
                let kind = match (p.kind, &p.room_name) {
                    (ProblemKind::Invalid, None) | (ProblemKind::NotARoom, _) => {
                        IssueKind::OtherData(p.clone())
                    }
                    (ProblemKind::Misnamed, Some(room)) => IssueKind::MisnamedKey {
                        room: room.clone(),
                        key: lossy(&self.key(room)),
                    },
                    _ => return None,
                };
                Some(Issue {
                    location: p.location.clone(),
                    kind,
                    fix: None,
                })
            })
            .collect())
    }
}
