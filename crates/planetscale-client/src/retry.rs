//! When to repeat a failed request and how long to wait first.

use std::time::Duration;

use rand::Rng;

/// How often and how patiently a failed GET is repeated.
///
/// A GET is safe to repeat. A write is repeated only after a 429 or a failure to connect, which
/// left nothing applied (see [`Write`](crate::Write)). The decision table for GETs:
///
/// | outcome | retried? | wait |
/// |---|---|---|
/// | 2xx | no, success | |
/// | 3xx | no, an error: redirects are never followed | |
/// | 429 | yes, and counted in [`ClientStats::rate_limited`](crate::ClientStats) | the whole client holds back; see [`Pacing`](crate::Pacing) |
/// | 408, 500, 502, 503, 504 | yes | `Retry-After` if present, else backoff |
/// | other 4xx, 501, other 5xx | no | |
/// | connect error, time-out, connection reset or closed before the whole answer arrived | yes | backoff |
/// | other transport or decode errors | no | |
///
/// Backoff is exponential with full jitter: before retry `n` (1-based) the client sleeps a
/// uniformly random time in `0..=min(max_backoff, initial_backoff * 2^(n-1))`. `Retry-After`
/// may be delta seconds or an HTTP date. The client gives up, returning the last error, after
/// `max_attempts` failed attempts, or when the next wait would push the time this request spent
/// sleeping after failures past `max_total_wait`.
///
/// A 429 is not a failure but the server's quota speaking, and it is not bound by this policy:
/// it never uses up an attempt, and the request is repeated once the client's pacing allows,
/// for as long as the request has waited less than the rate-limit budget
/// ([`ClientBuilder::rate_limit_budget`](crate::ClientBuilder::rate_limit_budget), 15 minutes by
/// default). Past it the request fails with [`Error::QuotaExhausted`](crate::Error::QuotaExhausted),
/// and at once when the server asks for a longer wait than the budget allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Failed attempts before giving up, the first included; 1 disables retries. Must be at
    /// least 1. 429s do not count.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry.
    pub initial_backoff: Duration,
    /// The largest backoff ceiling; `Retry-After` is not capped by it.
    pub max_backoff: Duration,
    /// The most time one request may spend sleeping after failed attempts (429s aside).
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The backoff ceiling before retry number `retry` (1-based).
    pub(crate) fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// A full-jitter backoff before retry number `retry` (1-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let ceilings: Vec<u64> = (1..=9)
            .map(|retry| policy.backoff_ceiling(retry).as_millis() as u64)
            .collect();
        assert_eq!(
            ceilings,
            [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        assert_eq!(policy.backoff_ceiling(u32::MAX), Duration::from_secs(30));
        for retry in 1..=9 {
            assert!(policy.backoff(retry) <= policy.backoff_ceiling(retry));
        }
    }
}
