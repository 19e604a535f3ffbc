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
