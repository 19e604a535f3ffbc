//! The `delete` engine: deletes rooms by name, and nothing else.
//!
//! Two steps, with the go-ahead between them: [`plan`] looks every name up
//! once and decides what may be deleted — a name that does not exist, or an
//! entry that is not a room, refuses the whole run before anything is
//! deleted — and [`DeletePlan::execute`] deletes the targets. A room is
//! deleted only while it still holds the bytes the plan read (a conditional
//! delete): one the server rewrote meanwhile is kept and reported.

use super::Progress;
use crate::exit::{ExitCode, refuse};
use crate::output::safe;
use crate::store::{
    Delete, DeleteOutcome, EntryProblem, Lookup, ProblemKind, RoomFailure, Store, StoreError,
};

/// What to delete.
#[derive(Debug, Clone)]
pub struct DeleteOptions {
    /// Room names, exactly as stored; a name given twice counts once.
    pub names: Vec<String>,
    /// A name that does not exist is not a refusal.
    pub ignore_missing: bool,
    /// Also delete an invalid entry (corrupt JSON, missing fields) stored
    /// under a named room. Entries that are not rooms are never deleted.
    pub include_invalid: bool,
    /// The store, secrets redacted, for messages.
    pub store_name: String,
}

/// One entry to delete.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    /// Its file or Redis key, for messages.
    pub location: String,
    /// The bytes it held when looked up: it is deleted only if it still
    /// holds them. `None` for an invalid entry (`include_invalid`).
    expected: Option<Vec<u8>>,
}

/// What [`plan`] found.
#[derive(Debug)]
pub struct DeletePlan {
    /// In the order named.
    pub targets: Vec<Target>,
    /// Names under which nothing is stored.
    pub missing: Vec<String>,
    /// Why nothing may be deleted, when so (the error carries its
    /// [`Refusal`](crate::exit::Refusal)): a missing name without
    /// `ignore_missing`, or a name held by an entry that is not a room.
    pub refusal: Option<anyhow::Error>,
}

/// What became of one target.
#[derive(Debug, Clone)]
pub struct RoomDeletion {
    pub target: Target,
    pub outcome: DeleteOutcome,
}

/// What [`DeletePlan::execute`] did, target by target, in order.
#[derive(Debug, Clone, Default)]
pub struct DeleteReport {
    pub rooms: Vec<RoomDeletion>,
}

impl DeleteReport {
    /// How many rooms were deleted.
    pub fn deleted(&self) -> usize {
        self.rooms
            .iter()
            .filter(|r| r.outcome == DeleteOutcome::Deleted)
            .count()
    }

    /// The failure of the store itself (a directory roomctl may not
    /// write) met on the way, if any: the run failed, after what the other
    /// rooms did is reported.
    pub fn stopped(&self) -> Option<&RoomFailure> {
        self.rooms.iter().find_map(|r| match &r.outcome {
            DeleteOutcome::Failed(failure) if failure.store_wide => Some(failure),
            _ => None,
        })
    }
}

/// Looks every name up and decides what may be deleted. Deletes nothing.
pub fn plan(store: &dyn Store, options: &DeleteOptions) -> Result<DeletePlan, StoreError> {
    let mut names: Vec<&str> = Vec::new();
    for n in &options.names {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    let lookups = store.get_batch(&names)?;
    let mut targets = Vec::new();
    let mut missing = Vec::new();
    let mut not_rooms: Vec<EntryProblem> = Vec::new();
    for (name, lookup) in names.into_iter().zip(lookups) {
        let target = |location, expected| Target {
            name: name.to_string(),
            location,
            expected,
        };
        match lookup {
            Lookup::Found(room) => targets.push(target(room.location, Some(room.bytes))),
            Lookup::Missing => missing.push(name.to_string()),
            Lookup::Problem(p) if p.kind == ProblemKind::Invalid && options.include_invalid => {
                targets.push(target(p.location, None))
            }
            Lookup::Problem(p) => not_rooms.push(p),
        }
    }
    let refusal = if !missing.is_empty() && !options.ignore_missing {
        let list: Vec<String> = missing.iter().map(|n| format!("{:?}", safe(n))).collect();
        Some(refuse(
            ExitCode::NotFound,
            "not-found",
            format!(
                "no room named {} in {}; nothing was deleted (--ignore-missing skips missing names)",
                list.join(", "),
                options.store_name
            ),
        ))
    } else if !not_rooms.is_empty() {
        let each: Vec<String> = not_rooms
            .iter()
            .map(|p| {
                format!(
                    "{} is {}: {}{}",
                    safe(&p.location),
                    p.kind.label(),
                    safe(&p.reason),
                    if p.kind == ProblemKind::Invalid {
                        " (--include-invalid deletes it)"
                    } else {
                        "; roomctl never deletes what is not a room"
                    }
                )
            })
            .collect();
        Some(refuse(
            ExitCode::Refused,
            "not-a-room",
            format!("{}; nothing was deleted", each.join("; ")),
        ))
    } else {
        None
    };
    Ok(DeletePlan {
        targets,
        missing,
        refusal,
    })
}

impl DeletePlan {
    /// Deletes the targets, each only while it is still what was read.
    /// A room's failure is its outcome; an error means the store could not
    /// be reached and no outcome is known.
    pub fn execute(
        &self,
        store: &dyn Store,
        progress: &dyn Fn(Progress),
    ) -> Result<DeleteReport, StoreError> {
        progress(Progress::Stage {
            name: "deleting",
            total: Some(self.targets.len() as u64),
        });
        let deletes: Vec<Delete<'_>> = self
            .targets
            .iter()
            .map(|t| Delete {
                name: &t.name,
                // A room the server rewrote meanwhile is kept.
                expected: t.expected.as_deref(),
                allow_invalid: t.expected.is_none(),
            })
            .collect();
        let outcomes = store.delete_batch(&deletes)?;
        progress(Progress::Advance(outcomes.len() as u64));
        Ok(DeleteReport {
            rooms: self
                .targets
                .iter()
                .cloned()
                .zip(outcomes)
                .map(|(target, outcome)| RoomDeletion { target, outcome })
                .collect(),
        })
    }
}
