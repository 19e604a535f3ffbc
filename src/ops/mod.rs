//! Engines: one engine per job.
//!
//! An engine takes a store (or an archive) and plain options, does the work,
//! and returns a typed report; it reports progress through a callback, never
//! prints, and knows nothing of clap or the terminal. The commands in
//! `crate::commands` turn arguments into options, call an engine and render
//! its report.

pub mod migrate;
pub mod stats;
