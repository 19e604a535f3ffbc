//! Engines: one engine per job.
//!
//! An engine takes a store (or an archive) and plain options, does the work,
//! and returns a typed report; it reports progress through a callback, never
//! prints, and knows nothing of clap or the terminal. The commands in
//! `crate::commands` turn arguments into options, call an engine and render
//! its report.

pub mod export;
pub mod import;
pub mod migrate;
pub mod stats;

/// Rooms an engine looks up, decides and writes together (one `get_batch`,
/// one `put_batch`): enough for a Redis pipeline or the file store's
/// parallel writes to pay off, few enough that the documents of a batch
/// stay a few megabytes.
pub const WRITE_BATCH: usize = 256;

/// What an engine tells its caller while it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// This many more rooms (or entries) are done.
    Advanced(u64),
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
