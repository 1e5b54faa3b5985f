//! A token bucket per service token.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::RateLimitConfig;

/// The buckets of every token under one [`RateLimitConfig`].
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    config: Option<RateLimitConfig>,
    buckets: HashMap<String, Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A limiter enforcing `config`; `None` or a rate of 0 allows everything.
    pub(crate) fn new(config: Option<RateLimitConfig>) -> Self {
        let config = config.filter(|c| c.requests_per_minute > 0);
        RateLimiter {
            config,
            buckets: HashMap::new(),
        }
    }

    /// Takes a request from `token_id`'s bucket, or says how long until one is available.
    pub(crate) fn check(&mut self, token_id: &str, now: Instant) -> Result<(), Duration> {
        let Some(config) = self.config else {
            return Ok(());
        };
        let capacity = f64::from(config.burst.max(1));
        let per_second = f64::from(config.requests_per_minute) / 60.0;
        let bucket = self.buckets.entry(token_id.to_string()).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
    }

    pub(crate) fn config(&self) -> Option<RateLimitConfig> {
        self.config
    }
}

/// The `Retry-After` seconds for a wait: rounded up, at least 1.
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RetryAfterStyle;

    fn limiter(rpm: u32, burst: u32) -> RateLimiter {
        let retry_after = RetryAfterStyle::Seconds;
        RateLimiter::new(Some(RateLimitConfig {
            requests_per_minute: rpm,
            burst,
            retry_after,
        }))
    }

    #[test]
    fn burst_then_refill() {
        let mut limiter = limiter(60, 2);
        let t0 = Instant::now();
        assert!(limiter.check("a", t0).is_ok());
        assert!(limiter.check("a", t0).is_ok());
        let wait = limiter.check("a", t0).unwrap_err();
        assert_eq!(retry_after_seconds(wait), 1);
        // Another token has its own bucket.
        assert!(limiter.check("b", t0).is_ok());
        assert!(
            limiter
                .check("a", t0 + Duration::from_millis(1_001))
                .is_ok()
        );
        assert!(
            limiter
                .check("a", t0 + Duration::from_millis(1_002))
                .is_err()
        );
    }

    #[test]
    fn slow_rates_round_up() {
        let mut limiter = limiter(1, 1);
        let t0 = Instant::now();
        assert!(limiter.check("a", t0).is_ok());
        let wait = limiter
            .check("a", t0 + Duration::from_millis(500))
            .unwrap_err();
        assert_eq!(retry_after_seconds(wait), 60);
    }

    #[test]
    fn zero_rate_is_off() {
        let mut limiter = limiter(0, 0);
        assert!((0..100).all(|_| limiter.check("a", Instant::now()).is_ok()));
    }
}
