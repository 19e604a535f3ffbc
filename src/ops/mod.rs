//! Engines: one engine per job.
//!
//! An engine takes a store (or an archive) and plain options, does the work,
//! and returns a typed report; it reports progress through a callback, never
//! prints, and knows nothing of clap or the terminal. The commands in
//! `crate::commands` turn arguments into options, call an engine and render
//! its report.

pub mod archive_input;
pub mod archive_rooms;
pub mod archive_verify;
pub mod check;
pub mod delete;
pub mod prune;
pub mod stats;

/// What an engine tells its caller as it goes, for a progress bar: the
/// engine knows nothing of the terminal, the command draws what it is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A stage begins (`judging`, `deleting`, …), with how many rooms it
    /// will handle when that is known.
    Stage {
        name: &'static str,
        total: Option<u64>,
    },
    /// So many more rooms (or entries) handled in the current stage.
    Advance(u64),
}
