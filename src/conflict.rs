//! `--on-conflict`: what `import` and `migrate-backend` do when the target
//! already holds a different room of the same name. Both commands ask
//! [`decide`], so the policy means one thing in both:
//!
//! - Identical rooms are never conflicts (the engines compare the documents
//!   before asking), and something that is not this room (a colliding file,
//!   a non-room key, a damaged room) is never overwritten, whatever the
//!   policy: it is a conflict.
//! - `fail`: a conflict. `skip`: the target's room is kept. `overwrite`:
//!   the room is replaced.
//! - `newer`: the copy with the later last activity wins. A tie, or a last
//!   activity that cannot be determined on either side, is a conflict:
//!   nothing says which copy is newer, so neither is thrown away.
//! - A conflict keeps the target's room, names it, and makes the run exit
//!   5 ([`crate::exit::ExitCode::Conflict`]).
//! - Every write is compare-and-swap against what was read
//!   ([`crate::store::Condition`]): a room is created only if the target
//!   still has none, and replaced only if it still holds the very bytes that
//!   were judged. A room someone else writes between the read and the write
//!   (the server, live on the target) is never overwritten, under
//!   `overwrite` too: it is kept as they wrote it, read once more only to
//!   say what it is ([`after_race`]), and reported — as changed meanwhile
//!   (exit 3) unless it is now this very room or something that is not
//!   this room (a conflict). A re-run judges it again.

use serde::Serialize;

use crate::store::{EntryProblem, Lookup, StoredRoom};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictPolicy {
    /// Keep the target's room and fail (exit 5).
    Fail,
    /// Keep the target's room and carry on.
    Skip,
    /// Replace the target's room.
    Overwrite,
    /// Keep whichever copy has the later last activity; a tie or an
    /// unknown activity is a conflict (exit 5).
    Newer,
}

impl ConflictPolicy {
    /// The flag value, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ConflictPolicy::Fail => "fail",
            ConflictPolicy::Skip => "skip",
            ConflictPolicy::Overwrite => "overwrite",
            ConflictPolicy::Newer => "newer",
        }
    }

    /// Whether the policy may replace a room in the target (and so needs
    /// consent: `--yes`).
    pub fn may_overwrite(self) -> bool {
        matches!(self, ConflictPolicy::Overwrite | ConflictPolicy::Newer)
    }
}

/// What to do with a room whose name the target holds with other content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Write ours over theirs, on the condition that theirs is still the
    /// bytes that were read.
    Replace,
    /// Keep theirs, as the policy asks.
    Keep(Kept),
    /// Keep theirs and report the room as a conflict (exit 5).
    Conflict(Unsettled),
}

/// Why the target's room is kept without a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// `--on-conflict skip`.
    Skip,
    /// `--on-conflict newer`, and the target's copy is the newer one.
    TheirsNewer,
}

/// Why a room is a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsettled {
    /// `--on-conflict fail`.
    Fail,
    /// `--on-conflict newer`, and both copies have the same last activity.
    SameActivity,
    /// `--on-conflict newer`, and the last activity of one copy (or both)
    /// cannot be determined.
    UnknownActivity,
}

/// Decides between our copy of a room and the different one the target
/// holds, given each one's last activity (epoch milliseconds; `None` when
/// unknown). See the module documentation for the one meaning.
pub fn decide(policy: ConflictPolicy, ours: Option<i64>, theirs: Option<i64>) -> Decision {
    match policy {
        ConflictPolicy::Fail => Decision::Conflict(Unsettled::Fail),
        ConflictPolicy::Skip => Decision::Keep(Kept::Skip),
        ConflictPolicy::Overwrite => Decision::Replace,
        ConflictPolicy::Newer => match (ours, theirs) {
            (Some(ours), Some(theirs)) if ours > theirs => Decision::Replace,
            (Some(ours), Some(theirs)) if ours < theirs => Decision::Keep(Kept::TheirsNewer),
            (Some(_), Some(_)) => Decision::Conflict(Unsettled::SameActivity),
            _ => Decision::Conflict(Unsettled::UnknownActivity),
        },
    }
}

impl Kept {
    /// Why the target's room is kept, after `differs`, which says where it
    /// is (e.g. "the target's a.json holds a different room").
    pub fn explain(self, differs: &str) -> String {
        match self {
            Kept::Skip => format!("{differs}; kept (--on-conflict skip)"),
            Kept::TheirsNewer => {
                format!("{differs} with later activity; kept (--on-conflict newer)")
            }
        }
    }
}

impl Unsettled {
    /// Why the room is a conflict, after `differs` (as for
    /// [`Kept::explain`]).
    pub fn explain(self, differs: &str) -> String {
        match self {
            Unsettled::Fail => format!("{differs} (--on-conflict skip|overwrite|newer decides)"),
            Unsettled::SameActivity => {
                format!("{differs} with the same last activity; cannot tell which is newer")
            }
            Unsettled::UnknownActivity => format!(
                "{differs}, and the last activity of one of them is unknown; cannot tell which is newer"
            ),
        }
    }
}

/// What holds a room's place when its conditional write failed, read once
/// more: the write is not tried again, whatever the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Race {
    /// This very room: someone wrote the same (identical, not a conflict).
    Same,
    /// Something that is not this room (a damaged entry, another room's
    /// file): a conflict. Says what, for the message.
    NotThisRoom(String),
    /// Another version of the room, or none any more: kept as written.
    ChangedMeanwhile,
}

/// Says what a room's place holds after the conditional write that was to
/// create it (`creating`) or replace it failed; `same` tells whether a room
/// found there is this very room.
pub fn after_race(lookup: Lookup, creating: bool, same: impl FnOnce(&StoredRoom) -> bool) -> Race {
    match lookup {
        Lookup::Found(theirs) if same(&theirs) => Race::Same,
        Lookup::Problem(p) => Race::NotThisRoom(held_by(&p)),
        // Taken, yet no room of this name is there: a name that maps to
        // the same file holds it.
        Lookup::Missing if creating => {
            Race::NotThisRoom("its place holds another room".to_string())
        }
        _ => Race::ChangedMeanwhile,
    }
}

/// What holds a room's place instead of a readable room of that name, for
/// messages: `rooms/a.json is not valid JSON: …`.
pub fn held_by(p: &EntryProblem) -> String {
    format!("{} is {}: {}", p.location, p.kind.label(), p.reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_settles_only_a_strict_difference() {
        use ConflictPolicy::Newer;
        assert_eq!(decide(Newer, Some(2), Some(1)), Decision::Replace);
        assert_eq!(
            decide(Newer, Some(1), Some(2)),
            Decision::Keep(Kept::TheirsNewer)
        );
        assert_eq!(
            decide(Newer, Some(1), Some(1)),
            Decision::Conflict(Unsettled::SameActivity)
        );
        for (ours, theirs) in [(Some(1), None), (None, Some(1)), (None, None)] {
            assert_eq!(
                decide(Newer, ours, theirs),
                Decision::Conflict(Unsettled::UnknownActivity),
                "{ours:?} against {theirs:?}"
            );
        }
    }

    #[test]
    fn the_other_policies_ignore_activity() {
        for (ours, theirs) in [(Some(1), Some(2)), (None, None)] {
            assert_eq!(
                decide(ConflictPolicy::Fail, ours, theirs),
                Decision::Conflict(Unsettled::Fail)
            );
            assert_eq!(
                decide(ConflictPolicy::Skip, ours, theirs),
                Decision::Keep(Kept::Skip)
            );
            assert_eq!(
                decide(ConflictPolicy::Overwrite, ours, theirs),
                Decision::Replace
            );
        }
    }
}
