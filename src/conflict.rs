//! `--on-conflict`: what `import` and `migrate-backend` do when the target
//! already holds a different room of the same name. Identical rooms are
//! never conflicts, and something that is not this room (a colliding file,
//! a non-room key) is never overwritten, whatever the policy.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictPolicy {
    /// Keep the target's room and fail (exit 5).
    Fail,
    /// Keep the target's room and carry on.
    Skip,
    /// Replace the target's room.
    Overwrite,
    /// Keep whichever copy has the later last activity.
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
}
