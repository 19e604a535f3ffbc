//! Maintenance of a store, apart from its data: a closer look at what a
//! [`Store::scan`](super::Store::scan) does not see or cannot judge alone
//! (temporary files left by interrupted writes, names that cannot be read,
//! whether a misnamed entry can take its proper name), and the repairs that
//! lose nothing. A backend offers it through
//! [`Store::maintenance`](super::Store::maintenance).
//!
//! What it finds are facts ([`IssueKind`]): what an entry is, what stands
//! where it belongs. How much each matters and what a person should do
//! about it is for the caller to say (`roomctl check`, `crate::ops::check`).

use super::{EntryProblem, EntryShape, ProblemKind, StoreError};
use crate::room::DocumentError;

/// Parameters of [`Maintenance::inspect`].
#[derive(Debug, Clone, Copy)]
pub struct InspectOptions {
    /// Temporary files not modified for this long are stale.
    pub stale_after_ms: i64,
    /// The instant ages are measured from, epoch milliseconds.
    pub now_ms: i64,
}

/// Inspection and repair of what a store holds besides its rooms.
pub trait Maintenance: Send + Sync {
    /// Issues about entries a scan does not see (temporary files and their
    /// age, names that cannot be read) and a closer look at the problems a
    /// scan reported (`scanned`, from one full scan), such as whether a
    /// misnamed file can be renamed or collides with another.
    ///
    /// Contract: read-only. An issue whose `location` is that of a scanned
    /// problem describes that entry more precisely and replaces it in
    /// reports. An issue carries a [`Fix`] only when the fix loses nothing.
    fn inspect(
        &self,
        scanned: &[EntryProblem],
        options: &InspectOptions,
    ) -> Result<Vec<Issue>, StoreError>;

    /// Applies one [`Fix`] from [`Maintenance::inspect`].
    ///
    /// Contract: the fix happens only if the entry still holds the bytes it
    /// was judged on, and a target is never replaced; otherwise nothing
    /// changes and the outcome is [`RepairOutcome::Skipped`]. A write the
    /// server makes meanwhile always wins. The default repairs nothing.
    fn repair(&self, fix: &Fix) -> Result<RepairOutcome, StoreError> {
        let _ = fix;
        Ok(RepairOutcome::Skipped(
            "this store has nothing to repair".into(),
        ))
    }
}

/// One entry found by [`Maintenance::inspect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// File path or Redis key.
    pub location: String,
    pub kind: IssueKind,
    /// A repair [`Maintenance::repair`] can apply safely, when there is one.
    pub fix: Option<Fix>,
}

/// How old a stale temporary file is, and whether its writer is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale {
    /// When it was last modified, epoch milliseconds, when known.
    pub modified_ms: Option<i64>,
    /// The pid of the roomctl that wrote (or claimed) it, when that process
    /// no longer runs: nothing will ever finish or remove the file.
    pub writer_gone: Option<u32>,
}

/// What an entry is. Stale temporary files carry their [`Stale`]; room
/// files are named as the backend names them (file names in the store's
/// directory); `room` is a room name as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// A `.json` or `.tmp` entry whose name is not UTF-8: neither the
    /// server nor roomctl can use it.
    BadFileName,
    /// A temporary file whose metadata cannot be read.
    TempUnexaminable { error: String },
    /// Something other than a regular file under a temporary file's name:
    /// neither the server nor roomctl makes those.
    TempNotAFile { shape: EntryShape },
    /// A `.tmp` file named like neither the server's nor roomctl's.
    ForeignTemp,
    /// A recent temporary file whose writer may still be at work.
    TempInProgress { modified_ms: Option<i64> },
    /// A stale temporary file too large to be a room.
    TempTooLarge { stale: Stale, bytes: u64 },
    /// A stale temporary file that cannot be read.
    TempUnreadable { stale: Stale, error: String },
    /// A stale temporary file that holds the only copy of the room file
    /// `target`, which is missing: the server does not see the room.
    InterruptedWrite {
        stale: Stale,
        held: HeldCopy,
        target: String,
        /// Other temporary files that could restore `target` too.
        rivals: Rivals,
    },
    /// A stale temporary file byte-identical to the room file `target`.
    IdenticalCopy { stale: Stale, target: String },
    /// A new version of `room` that a roomctl wrote and was killed before
    /// putting in place; `target` holds the version before it.
    UnfinishedVersion {
        stale: Stale,
        room: String,
        target: String,
    },
    /// Another version of `room` than its file `target` holds.
    OtherVersion {
        stale: Stale,
        room: String,
        target: String,
    },
    /// A copy of `room`, whose file `target` holds the room `other`.
    TargetHoldsOther {
        stale: Stale,
        room: String,
        target: String,
        other: String,
    },
    /// A copy of `room`, whose file `target` is not a usable room.
    TargetUnusable {
        stale: Stale,
        room: String,
        target: String,
        problem: ProblemKind,
    },
    /// A room file moved aside by an interrupted write, not a valid room
    /// document, whose file cannot be told: its name was shortened and no
    /// file of the directory matches it.
    AsideOfUnknownFile { stale: Stale, error: DocumentError },
    /// A room file moved aside by an interrupted write, not a valid room
    /// document, older than what `target` holds now.
    OlderAside {
        stale: Stale,
        target: String,
        error: DocumentError,
    },
    /// A stale temporary file that holds no room (not JSON, not an object).
    HoldsNoRoom { stale: Stale, error: DocumentError },
    /// A stale temporary file holding a room document that misses required
    /// keys.
    IncompleteRoom { stale: Stale, error: DocumentError },
    /// A room file not named after its room, whose proper name `target` is
    /// free.
    Misnamed { room: String, target: String },
    /// One of several misnamed files (`claimants`, file names) holding
    /// `room`, whose proper file `target` does not exist.
    ClaimedByMany {
        room: String,
        target: String,
        claimants: Vec<String>,
    },
    /// A misnamed second copy of `room`, whose file `target` exists.
    SecondCopy { room: String, target: String },
    /// A misnamed file holding `room`, whose proper file `target` holds the
    /// room `other` (both names map to it).
    NameTaken {
        room: String,
        target: String,
        other: String,
    },
    /// A misnamed file holding `room`, whose proper file `target` is not a
    /// usable room.
    MisnamedTargetUnusable {
        room: String,
        target: String,
        problem: ProblemKind,
    },
    /// An entry under the key prefix that is not a room: other data of a
    /// database the rooms share with other services. As the scan reported
    /// it.
    OtherData(EntryProblem),
    /// A key holding `room`, whose key would be `key`.
    MisnamedKey { room: String, key: String },
}

/// What an [`IssueKind::InterruptedWrite`] temporary file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldCopy {
    /// The room of that name, complete.
    Room(String),
    /// The room file as it was moved aside, even though it is not a valid
    /// room document: put back rather than lost.
    MovedAside { error: DocumentError },
}

/// Other temporary files that would restore the same room file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rivals {
    None,
    /// A compare-and-swap of a roomctl killed between moving the room aside
    /// and putting its new version in place: the copy moved aside (what the
    /// server last saw) is restored, and this new version, never
    /// committed, is not.
    NewVersionOfRestoredAside,
    /// Which one is right is the operator's call: none is restored. The
    /// temporary files' names, sorted.
    Several(Vec<String>),
}

/// A repair that loses nothing: it never deletes a room's data and never
/// replaces an entry. Entries are named the way the backend names them
/// (file names inside the store's directory). It applies only while the
/// entry still holds the bytes it was judged on (`digest`, SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Give a misnamed room file its room's proper name.
    Rename {
        entry: String,
        target: String,
        digest: [u8; 32],
    },
    /// Put a room whose only copy is a temporary file back in its place.
    Restore {
        entry: String,
        target: String,
        digest: [u8; 32],
    },
    /// Remove a temporary file that holds no room of its own: half-written
    /// (`same_as: None`), or a byte-identical copy of the room file
    /// `same_as`.
    RemoveTemp {
        entry: String,
        same_as: Option<String>,
        digest: [u8; 32],
    },
}

impl Fix {
    /// The entry the fix acts on.
    pub fn entry(&self) -> &str {
        match self {
            Fix::Rename { entry, .. }
            | Fix::Restore { entry, .. }
            | Fix::RemoveTemp { entry, .. } => entry,
        }
    }

    /// Where the entry goes, for a rename or a restore.
    pub fn target(&self) -> Option<&str> {
        match self {
            Fix::Rename { target, .. } | Fix::Restore { target, .. } => Some(target),
            Fix::RemoveTemp { .. } => None,
        }
    }

    /// The SHA-256 of the bytes the entry was judged on.
    pub fn digest(&self) -> &[u8; 32] {
        match self {
            Fix::Rename { digest, .. }
            | Fix::Restore { digest, .. }
            | Fix::RemoveTemp { digest, .. } => digest,
        }
    }
}

/// What happened to one [`Fix`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairOutcome {
    Repaired,
    /// Not applied, and nothing changed: the entry changed or vanished since
    /// it was judged, or the target appeared. Says why.
    Skipped(String),
}
