//! roomctl: administer the rooms a MovieMatch server keeps in its storage.
//!
//! The library is what the `roomctl` binary and the tests use: the room
//! document, the storage layer with one backend per store kind, and the
//! commands built on them.

// stdout is data and goes through output.rs; stderr through ui.rs.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod archive;
pub mod atomic;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod conflict;
pub mod consent;
pub mod duration;
pub mod exit;
pub mod filter;
pub mod fuzzing;
pub mod interrupt;
pub(crate) mod json_lex;
pub mod limit;
pub mod lint;
pub mod metrics;
pub mod ops;
pub mod output;
pub mod read_ahead;
pub mod rerun;
pub mod room;
pub mod select;
pub mod store;
pub mod ui;
