//! The wall clock, for every layer: ages are measured from it unless a
//! command is told another instant (`--now`), and lock notes say since when
//! they are held.

use std::time::{SystemTime, UNIX_EPOCH};

/// The wall clock in epoch milliseconds.
pub fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
