//! When to repeat a request and how long to wait first.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How often and how patiently a GET is repeated.
///
/// The client only sends GETs, which are safe to repeat. The decision table:
///
/// | outcome | retried? | wait |
/// |---|---|---|
/// | 2xx | no, success | |
/// | 3xx | no, an error: redirects are never followed | |
/// | 408, 500, 502, 503, 504 | yes | `Retry-After` if present, else backoff |
/// | 429 | yes, and counted in [`ClientStats::rate_limited`](crate::ClientStats) | `Retry-After` if present (the whole client holds back that long), else backoff |
/// | other 4xx, 501, other 5xx | no | |
/// | connect error, time-out, connection reset or closed before the whole answer arrived | yes | backoff |
/// | other transport or decode errors | no | |
///
/// Backoff is exponential with full jitter: before retry `n` (1-based) the client sleeps a
/// uniformly random time in `0..=min(max_backoff, initial_backoff * 2^(n-1))`. `Retry-After`
/// may be delta seconds or an HTTP date. The client gives up, returning the last error, after
/// `max_attempts` failed attempts, or when the next wait would push the total time spent
/// waiting past `max_total_wait` (so a `Retry-After` longer than that fails fast). A 429 that
/// says when to retry is the server scheduling the request, not a failure: it does not use up
/// an attempt, and only the wait budget bounds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Failed attempts before giving up, the first included; 1 disables retries. Must be at
    /// least 1. 429s with `Retry-After` do not count.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry.
    pub initial_backoff: Duration,
    /// The largest backoff ceiling; `Retry-After` is not capped by it.
    pub max_backoff: Duration,
    /// The most time one request may spend sleeping between attempts.
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

/// The wait a `Retry-After` header asks for: delta seconds, or an HTTP date relative to
/// `now` (a date in the past means no wait). Unparseable values are ignored.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let in_90_s = httpdate::fmt_http_date(now + Duration::from_secs(90));
        let ago_90_s = httpdate::fmt_http_date(now - Duration::from_secs(90));
        let cases = [
            ("7", Some(Duration::from_secs(7))),
            (" 0 ", Some(Duration::ZERO)),
            (in_90_s.as_str(), Some(Duration::from_secs(90))),
            (ago_90_s.as_str(), Some(Duration::ZERO)),
            ("-3", None),
            ("soon", None),
        ];
        for (value, expected) in cases {
            assert_eq!(retry_after(&headers(value), now), expected, "{value:?}");
        }
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

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
