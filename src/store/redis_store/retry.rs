//! When and how long to wait before sending again what a node could not
//! answer: a lost connection, a timeout, a node that is loading its data
//! (`LOADING`), a slot half-way through a resharding (`TRYAGAIN`), a
//! cluster that has lost a node (`CLUSTERDOWN`, `MASTERDOWN`).
//!
//! Every command roomctl sends may be sent twice: reads and `SCAN` pages are
//! idempotent; an overwrite writes the same bytes again; and the store
//! checks the replies of commands that may have run twice (see
//! `RedisStore::put_batch`).

use std::sync::Arc;
use std::time::Duration;

use redis::ServerErrorKind;

/// Tries per command, the first included.
pub(super) const ATTEMPTS: u32 = 8;
const FIRST_DELAY: Duration = Duration::from_millis(50);
const MAX_DELAY: Duration = Duration::from_secs(1);

/// Told about every retry, in one line (the CLI prints it as a warning).
pub type RetryReport = Arc<dyn Fn(&str) + Send + Sync>;

/// How long to wait after the `failures`th failure in a row (from 1):
/// 50 ms, doubling, at most 1 s. Eight attempts wait about 3.5 s in all.
pub(super) fn delay(failures: u32) -> Duration {
    let doubled = FIRST_DELAY.saturating_mul(1 << failures.saturating_sub(1).min(16));
    doubled.min(MAX_DELAY)
}

/// The error replies that mean "not now" rather than "never": the command
/// did not run, and will once the node or the cluster has settled.
pub(super) fn is_transient_kind(kind: ServerErrorKind) -> bool {
    matches!(
        kind,
        ServerErrorKind::BusyLoading
            | ServerErrorKind::TryAgain
            | ServerErrorKind::ClusterDown
            | ServerErrorKind::MasterDown
    )
}

/// Says `duration` briefly: `50 ms`, `1.6 s`.
pub(super) fn brief(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let delays: Vec<u128> = (1..ATTEMPTS).map(|n| delay(n).as_millis()).collect();
        assert_eq!(delays, vec![50, 100, 200, 400, 800, 1000, 1000]);
        assert_eq!(delay(100), MAX_DELAY);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(brief(Duration::from_millis(50)), "50 ms");
        assert_eq!(brief(Duration::from_millis(3540)), "3.5 s");
    }
}
