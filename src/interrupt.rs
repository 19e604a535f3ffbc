//! Ctrl-C (SIGINT) and SIGTERM as a request to stop between batches, so a
//! bulk command can finish the batch in hand, write its report and say how
//! far it got. A second signal kills the process as usual: every write is
//! atomic, so even then nothing is half-written.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the handler; polled by long-running work.
static REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signal: libc::c_int) {
    // Only an atomic store: the one thing safe to do in a signal handler.
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Catches the next SIGINT and SIGTERM; returns the flag they set.
pub fn catch() -> &'static AtomicBool {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic; SA_RESETHAND restores
        // the default action after the first signal, so a second one kills;
        // SA_RESTART keeps blocking I/O from failing with EINTR.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESETHAND | libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
    &REQUESTED
}
