//! roomctl's integration tests, as one test binary: each module drives the
//! real `roomctl` binary (or the library, for the store contract and the
//! fuzz corpus) against real stores — temporary directories, and
//! redis-server instances the harness starts (one server, a TLS server,
//! 3-primary clusters). One binary links once, where a file per binary
//! linked each file separately.
//!
//! Fixtures the modules share (a scrubbed environment, rooms written as
//! the server writes them, Redis servers and clusters with or without TLS,
//! the Prometheus reader) live in `tests/support/`, which the fault suite
//! (`tests/faults`, its own binary) uses too.
//!
//! Run one module with `cargo test --test integration prune::`, one test
//! with `cargo test --test integration prune::name`.

#[path = "../support/mod.rs"]
mod support;

mod archive_commands;
mod backup_recipe;
mod check;
mod cli;
mod cluster;
mod contract;
mod edges;
mod export_import;
mod fuzz_corpus;
mod metrics;
mod migrate;
mod migrate_safety;
mod on_conflict;
mod prune;
mod prune_recipe;
mod redis_access;
mod redis_cli;
mod redis_store;
mod restore;
mod select_rooms;
mod stats;
