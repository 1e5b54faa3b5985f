//! What a response's headers say about the server's quota: `Retry-After`, and the
//! `RateLimit-Remaining`/`RateLimit-Reset` pair (or its `X-RateLimit-*` spelling).
//!
//! PlanetScale documents none of these headers, so every one is optional. Every wait read here is
//! clamped to [`MAX_SERVER_WAIT`]: no header value can overflow a clock or make the client sleep
//! for years.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The longest wait a header can ask for; longer values are read as this. The rate-limit budget
/// (minutes) gives up on such a request long before.
pub(crate) const MAX_SERVER_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// A reset value at least this large is a Unix time (as GitHub sends it), not delta seconds.
const UNIX_TIME_FROM: u64 = 1_000_000_000;

/// The quota signals of one response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct QuotaHeaders {
    /// `Retry-After`, delta seconds or an HTTP date: how long the server asks the client to wait.
    pub(crate) retry_after: Option<Duration>,
    /// `RateLimit-Remaining` or `X-RateLimit-Remaining`: requests left in the current window.
    pub(crate) remaining: Option<u64>,
    /// `RateLimit-Reset` or `X-RateLimit-Reset`, delta seconds or a Unix time: how long until the
    /// window starts afresh.
    pub(crate) reset: Option<Duration>,
}

impl QuotaHeaders {
    /// Reads the headers; `now` dates HTTP dates and Unix times. Malformed values are ignored.
    pub(crate) fn read(headers: &HeaderMap, now: SystemTime) -> Self {
        let text = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| headers.get(*name)?.to_str().ok().map(str::trim))
        };
        QuotaHeaders {
            retry_after: headers
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| retry_after(value.trim(), now)),
            remaining: text(&["ratelimit-remaining", "x-ratelimit-remaining"])
                .and_then(|value| value.parse().ok()),
            reset: text(&["ratelimit-reset", "x-ratelimit-reset"])
                .and_then(|value| reset(value, now)),
        }
    }

    /// The wait a 429 asks for: `Retry-After`, else the window's reset.
    pub(crate) fn wait_after_refusal(&self) -> Option<Duration> {
        self.retry_after.or(self.reset)
    }

    /// The wait a successful answer asks for: the window's reset, once no request is left in it.
    pub(crate) fn wait_after_success(&self) -> Option<Duration> {
        match self.remaining {
            Some(0) => self.reset,
            _ => None,
        }
    }
}

/// `Retry-After`: delta seconds, or an HTTP date (one in the past means no wait).
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Some(seconds) = whole_seconds(value) {
        return Some(clamp_seconds(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(until(date, now))
}

/// A reset: delta seconds, or a Unix time when it is that large.
fn reset(value: &str, now: SystemTime) -> Option<Duration> {
    let seconds = whole_seconds(value)?;
    if seconds < UNIX_TIME_FROM {
        return Some(clamp_seconds(seconds));
    }
    let at = UNIX_EPOCH.checked_add(Duration::from_secs(seconds));
    Some(at.map_or(MAX_SERVER_WAIT, |at| until(at, now)))
}

/// A run of ASCII digits, saturating at `u64::MAX` rather than failing when it is longer.
fn whole_seconds(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(value.parse().unwrap_or(u64::MAX))
}

fn clamp_seconds(seconds: u64) -> Duration {
    Duration::from_secs(seconds).min(MAX_SERVER_WAIT)
}

fn until(at: SystemTime, now: SystemTime) -> Duration {
    at.duration_since(now)
        .unwrap_or(Duration::ZERO)
        .min(MAX_SERVER_WAIT)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn read(pairs: &[(&'static str, &str)]) -> QuotaHeaders {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        QuotaHeaders::read(&headers, now())
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let in_90_s = httpdate::fmt_http_date(now() + Duration::from_secs(90));
        let ago_90_s = httpdate::fmt_http_date(now() - Duration::from_secs(90));
        let cases = [
            ("7", Some(Duration::from_secs(7))),
            (" 0 ", Some(Duration::ZERO)),
            (in_90_s.as_str(), Some(Duration::from_secs(90))),
            (ago_90_s.as_str(), Some(Duration::ZERO)),
            ("-3", None),
            ("1.5", None),
            ("soon", None),
            ("", None),
        ];
        for (value, expected) in cases {
            let read = read(&[("retry-after", value)]).retry_after;
            assert_eq!(read, expected, "{value:?}");
        }
        assert_eq!(read(&[]), QuotaHeaders::default());
    }

    #[test]
    fn huge_and_far_away_values_are_clamped() {
        for value in [
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999999999999999999",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            let quota = read(&[("retry-after", value), ("ratelimit-reset", value)]);
            assert_eq!(quota.retry_after, Some(MAX_SERVER_WAIT), "{value}");
            if value.bytes().all(|b| b.is_ascii_digit()) {
                assert_eq!(quota.reset, Some(MAX_SERVER_WAIT), "{value}");
            }
        }
    }

    #[test]
    fn rate_limit_headers_in_both_spellings() {
        let ietf = read(&[("ratelimit-remaining", "0"), ("ratelimit-reset", "30")]);
        assert_eq!(ietf.remaining, Some(0));
        assert_eq!(ietf.reset, Some(Duration::from_secs(30)));
        assert_eq!(ietf.wait_after_success(), Some(Duration::from_secs(30)));
        assert_eq!(ietf.wait_after_refusal(), Some(Duration::from_secs(30)));

        // GitHub's spelling: the reset is a Unix time.
        let github = read(&[
            ("x-ratelimit-remaining", "12"),
            ("x-ratelimit-reset", "1700000045"),
        ]);
        assert_eq!(github.remaining, Some(12));
        assert_eq!(github.reset, Some(Duration::from_secs(45)));
        assert_eq!(github.wait_after_success(), None, "requests are left");

        let past = read(&[("x-ratelimit-reset", "1600000000")]);
        assert_eq!(past.reset, Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_wins_over_the_reset_on_a_refusal() {
        let both = read(&[("retry-after", "3"), ("ratelimit-reset", "50")]);
        assert_eq!(both.wait_after_refusal(), Some(Duration::from_secs(3)));
    }

    proptest::proptest! {
        #[test]
        fn no_header_value_panics_or_exceeds_the_clamp(
            retry_after in "[ -~]{0,40}",
            remaining in "[ -~]{0,24}",
            reset in "[0-9]{0,30}|[ -~]{0,30}",
        ) {
            let mut headers = HeaderMap::new();
            for (name, value) in [
                ("retry-after", &retry_after),
                ("x-ratelimit-remaining", &remaining),
                ("ratelimit-reset", &reset),
            ] {
                if let Ok(value) = HeaderValue::from_str(value) {
                    headers.insert(name, value);
                }
            }
            let quota = QuotaHeaders::read(&headers, SystemTime::now());
            for wait in [quota.retry_after, quota.reset].into_iter().flatten() {
                proptest::prop_assert!(wait <= MAX_SERVER_WAIT);
            }
        }
    }
}
