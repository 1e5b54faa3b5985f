//! The quota of each service token: a token bucket or a rolling minute, optionally shared with
//! another consumer.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::{OtherConsumer, RateLimitConfig, RateLimitModel};

/// How far back the other consumer is taken to have been running when a quota is first used:
/// long enough for either model to be in its steady state.
const OTHER_CONSUMER_HISTORY: Duration = Duration::from_secs(60);

/// The quotas of every token under one [`RateLimitConfig`].
#[derive(Debug)]
pub(crate) struct RateLimiter {
    config: Option<RateLimitConfig>,
    quotas: HashMap<String, Quota>,
    other: OtherConsumer,
}

/// One token's quota and the other consumer drawing on it.
#[derive(Debug)]
struct Quota {
    usage: Usage,
    /// When the other consumer's next request is due.
    other_due: Instant,
    /// When the quota was first used: the other consumer's requests before it are its history,
    /// not counted.
    first_used: Instant,
}

#[derive(Debug)]
enum Usage {
    Bucket { tokens: f64, last: Instant },
    Window { accepted: VecDeque<Instant> },
}

impl RateLimiter {
    /// A limiter enforcing `config`; `None` or a rate of 0 allows everything.
    pub(crate) fn new(config: Option<RateLimitConfig>) -> Self {
        RateLimiter {
            config: config.filter(|c| c.requests_per_minute > 0),
            quotas: HashMap::new(),
            other: OtherConsumer::default(),
        }
    }

    /// Takes a request from `token_id`'s quota, or says how long until one is available. The
    /// other consumer's requests due by `now` are taken first, each at its own time.
    pub(crate) fn check(&mut self, token_id: &str, now: Instant) -> Result<(), Duration> {
        let Some(config) = self.config else {
            return Ok(());
        };
        let quota = self
            .quotas
            .entry(token_id.to_string())
            .or_insert_with(|| Quota::new(&config, now));
        if let Some(every) = other_consumer_interval(&config) {
            // Requests older than the history no longer matter to either model.
            if let Some(oldest) = now.checked_sub(OTHER_CONSUMER_HISTORY) {
                quota.other_due = quota.other_due.max(oldest);
            }
            while quota.other_due <= now {
                let at = quota.other_due;
                let taken = quota.usage.take(&config, at);
                if at > quota.first_used {
                    match taken {
                        Ok(()) => self.other.served += 1,
                        Err(_) => self.other.refused += 1,
                    }
                }
                quota.other_due = at + every;
            }
        }
        quota.usage.take(&config, now)
    }

    pub(crate) fn config(&self) -> Option<RateLimitConfig> {
        self.config
    }

    /// What the other consumer got so far.
    pub(crate) fn other_consumer(&self) -> OtherConsumer {
        self.other
    }
}

impl Quota {
    /// A full quota, as it stood a minute before its first use: the other consumer was already
    /// at work then.
    fn new(config: &RateLimitConfig, now: Instant) -> Self {
        let history = now.checked_sub(OTHER_CONSUMER_HISTORY).unwrap_or(now);
        let usage = match config.model {
            RateLimitModel::TokenBucket => Usage::Bucket {
                tokens: f64::from(config.burst.max(1)),
                last: history,
            },
            RateLimitModel::RollingMinute => Usage::Window {
                accepted: VecDeque::new(),
            },
        };
        Quota {
            usage,
            other_due: history,
            first_used: now,
        }
    }
}

impl Usage {
    /// Takes one request at `at`, or says how long until one would be allowed.
    fn take(&mut self, config: &RateLimitConfig, at: Instant) -> Result<(), Duration> {
        match self {
            Usage::Bucket { tokens, last } => {
                let capacity = f64::from(config.burst.max(1));
                let per_second = f64::from(config.requests_per_minute) / 60.0;
                let elapsed = at.saturating_duration_since(*last).as_secs_f64();
                *tokens = (*tokens + elapsed * per_second).min(capacity);
                *last = (*last).max(at);
                if *tokens >= 1.0 {
                    *tokens -= 1.0;
                    return Ok(());
                }
                Err(Duration::from_secs_f64((1.0 - *tokens) / per_second))
            }
            Usage::Window { accepted } => {
                let minute = Duration::from_secs(60);
                while accepted
                    .front()
                    .is_some_and(|first| at.saturating_duration_since(*first) >= minute)
                {
                    accepted.pop_front();
                }
                let limit = usize::try_from(config.requests_per_minute).unwrap_or(usize::MAX);
                match accepted.front() {
                    Some(first) if accepted.len() >= limit => {
                        Err((*first + minute).saturating_duration_since(at))
                    }
                    _ => {
                        accepted.push_back(at);
                        Ok(())
                    }
                }
            }
        }
    }
}

fn other_consumer_interval(config: &RateLimitConfig) -> Option<Duration> {
    (config.other_consumer_per_minute > 0)
        .then(|| Duration::from_secs(60) / config.other_consumer_per_minute)
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
        RateLimiter::new(Some(RateLimitConfig {
            burst,
            ..RateLimitConfig::new(rpm)
        }))
    }

    fn rolling(rpm: u32, other_per_minute: u32) -> RateLimiter {
        RateLimiter::new(Some(RateLimitConfig {
            model: RateLimitModel::RollingMinute,
            other_consumer_per_minute: other_per_minute,
            ..RateLimitConfig::new(rpm)
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

    #[test]
    fn a_rolling_minute_allows_its_quota_at_once_then_nothing_until_it_rolls() {
        let mut limiter = rolling(120, 0);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // 120 in the first 12 s.
        for n in 0..120 {
            assert!(limiter.check("a", at(n * 100)).is_ok(), "{n}");
        }
        let wait = limiter.check("a", at(12_000)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(48));
        assert!(limiter.check("a", at(59_999)).is_err());
        // Each request frees its place 60 s after it was let in.
        assert!(limiter.check("a", at(60_000)).is_ok());
        assert!(limiter.check("a", at(60_050)).is_err());
        assert!(limiter.check("a", at(60_100)).is_ok());
        assert!(limiter.check("b", at(60_100)).is_ok(), "per token");
    }

    #[test]
    fn the_other_consumer_already_fills_its_part_of_the_window() {
        // 600 a minute, of which the other consumer takes 300 at a steady pace.
        let mut limiter = rolling(600, 300);
        let t0 = Instant::now();
        let mut allowed = 0;
        while limiter.check("a", t0).is_ok() {
            allowed += 1;
        }
        assert_eq!(allowed, 300);
        assert_eq!(
            limiter.other_consumer(),
            OtherConsumer::default(),
            "history"
        );
        // Nothing more until the minute rolls; then those 300 places again, while the other
        // consumer keeps its own as they roll.
        assert!(limiter.check("a", t0 + Duration::from_secs(59)).is_err());
        let mut later = 0;
        for ms in (60_000..120_000).step_by(10) {
            later += usize::from(limiter.check("a", t0 + Duration::from_millis(ms)).is_ok());
        }
        assert_eq!(later, 300);
        let other = limiter.other_consumer();
        assert_eq!((other.served, other.refused), (599, 0));
    }

    #[test]
    fn the_other_consumer_is_refused_when_the_quota_is_spent() {
        // One a second with no burst, and another consumer wanting one every 1.2 s.
        let mut limiter = RateLimiter::new(Some(RateLimitConfig {
            burst: 1,
            other_consumer_per_minute: 50,
            retry_after: RetryAfterStyle::Absent,
            ..RateLimitConfig::new(60)
        }));
        let t0 = Instant::now();
        // A sync asking every millisecond takes each request as soon as the bucket has one;
        // the other consumer only wins it when both ask at the same instant (at 6 s).
        let mut served = 0;
        for ms in 0..10_000 {
            served += usize::from(limiter.check("a", t0 + Duration::from_millis(ms)).is_ok());
        }
        let other = limiter.other_consumer();
        assert_eq!((other.served, other.refused), (1, 7));
        // The bucket refilled at 1, 2, … 9 s; the request of 6 s went to the other consumer.
        assert_eq!(served, 8);
    }
}
