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
pub mod export;
pub mod import;
pub mod migrate;
pub mod prune;
pub mod stats;

/// Rooms an engine looks up, decides and writes together (one `get_batch`,
/// one `put_batch`): enough for a Redis pipeline or the file store's
/// parallel writes to pay off, few enough that the documents of a batch
/// stay a few megabytes.
pub const WRITE_BATCH: usize = 256;

/// What an engine tells its caller as it goes, for a progress bar and the
/// warnings above it: the engine knows nothing of the terminal, the command
/// draws what it is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// A stage begins (`judging`, `deleting`, …), with how many rooms it
    /// will handle when that is known.
    Stage {
        name: &'static str,
        total: Option<u64>,
    },
    /// So many more rooms (or entries) handled in the current stage.
    Advance(u64),
    /// Something about one room the operator should hear, on one line that
    /// names it. It carries text from storage: show it through
    /// [`crate::output::safe`].
    Warning(String),
}

/// A run stopped by an error, with the report of what it had done until
/// then.
#[derive(Debug)]
pub struct Stopped<R> {
    pub report: R,
    pub error: anyhow::Error,
}
