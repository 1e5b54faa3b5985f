//! Counters shared by a client and its clones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A snapshot of what a client (and all its clones) has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests that repeated an earlier failed attempt.
    pub retries: u64,
    /// Responses with status 429.
    pub rate_limited: u64,
    /// Time requests spent waiting for their turn to go out (at the ceiling, at a rate lowered
    /// after 429s, or held back by the server's quota), summed over requests: two requests
    /// waiting one second each count two seconds.
    pub throttle_wait: Duration,
    /// Wall-clock time the whole client was held back by the server's quota (after a 429, or a
    /// `RateLimit-Remaining: 0`); overlapping holds count once.
    pub rate_limit_wait: Duration,
}

/// The live counters behind [`ClientStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    throttle_wait_nanos: AtomicU64,
}

impl Counters {
    /// The counters, with `rate_limit_wait` as the pacer measured it.
    pub(crate) fn snapshot(&self, rate_limit_wait: Duration) -> ClientStats {
        ClientStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            throttle_wait: Duration::from_nanos(self.throttle_wait_nanos.load(Ordering::Relaxed)),
            rate_limit_wait,
        }
    }

    pub(crate) fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_throttle_wait(&self, wait: Duration) {
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.throttle_wait_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}
