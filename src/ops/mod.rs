//! Engines: one engine per job. A command parses and checks its arguments,
//! then calls one of these, which does the work and hands back what it found
//! for the command to render.

pub mod archive_input;
pub mod archive_rooms;
pub mod archive_verify;
