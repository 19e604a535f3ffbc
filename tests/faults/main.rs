//! The fault-injection suite: the real `roomctl` binary, run against real
//! stores while the world breaks under it — `kill -9` at many points, the
//! Redis server killed and restarted, a full disk, a read-only directory,
//! an unreadable file, and the server writing the same rooms meanwhile.
//!
//! Every test asserts the promise of docs/guarantees.md: afterwards every
//! room is either in its old state or its new one (never half-written,
//! never lost), and running the command again finishes the job. Each test counts
//! the faults it injected and survived and prints `faults survived: N/N`;
//! docs/guarantees.md names the test behind each promise.
//!
//! Loops are bounded (a dozen kills per case, delays spread over one
//! measured run), so the suite stays within a few minutes on two cores.

#[path = "../support/mod.rs"]
mod support;

mod concurrent;
mod disk_full;
mod harness;
mod kill;
mod kill_points;
mod permissions;
mod redis_restart;
