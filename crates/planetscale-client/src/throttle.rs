//! A client-side token bucket that keeps a client and its clones under the API's rate limit.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// The number of requests that may go out back to back before the steady rate applies.
pub(crate) const DEFAULT_BURST: u32 = 10;

/// A token bucket in its GCRA form: one "theoretical arrival time" instead of a token count,
/// so waits are exact multiples of the emission interval and need no floating point.
#[derive(Debug)]
pub(crate) struct Throttle {
    /// The time between two requests at the steady rate.
    interval: Duration,
    /// How far ahead of the steady rate a burst may run: `interval * (burst - 1)`.
    tolerance: Duration,
    /// When the next request would be due at the steady rate; `None` until the first one.
    next_due: Mutex<Option<Instant>>,
}

impl Throttle {
    /// A throttle of `per_minute` requests a minute, allowing bursts of `burst`; both at least 1.
    pub(crate) fn new(per_minute: u32, burst: u32) -> Self {
        let interval = Duration::from_secs(60) / per_minute.max(1);
        let tolerance = interval * (burst.clamp(1, per_minute.max(1)) - 1);
        Throttle {
            interval,
            tolerance,
            next_due: Mutex::new(None),
        }
    }

    /// Waits until a request may go out and returns how long that took.
    ///
    /// The lock is held while sleeping, so waiters are served in arrival order (tokio's mutex
    /// is fair) and each one sleeps only for its own slot.
    pub(crate) async fn acquire(&self) -> Duration {
        let mut next_due = self.next_due.lock().await;
        let start = Instant::now();
        let due = next_due.unwrap_or(start).max(start);
        let allowed_at = due.checked_sub(self.tolerance).unwrap_or(start);
        if allowed_at > start {
            tokio::time::sleep_until(allowed_at).await;
        }
        *next_due = Some(due + self.interval);
        start.elapsed()
    }

    /// Sends nothing for `wait` (a 429's `Retry-After`), then resumes at the steady rate
    /// without a burst: the server's budget is spent, so a burst would only meet more 429s.
    pub(crate) async fn hold(&self, wait: Duration) {
        let mut next_due = self.next_due.lock().await;
        let resume = Instant::now() + wait + self.tolerance;
        *next_due = Some(next_due.map_or(resume, |due| due.max(resume)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn time_for(throttle: &Throttle, requests: u32) -> Duration {
        let start = Instant::now();
        for _ in 0..requests {
            throttle.acquire().await;
        }
        start.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_out_at_once_then_the_steady_rate_applies() {
        // 60 a minute is one a second; the first 10 are free.
        let throttle = Throttle::new(60, 10);
        assert_eq!(time_for(&throttle, 10).await, Duration::ZERO);
        assert_eq!(time_for(&throttle, 5).await, Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn the_default_rate_spaces_requests_by_100_ms() {
        let throttle = Throttle::new(600, DEFAULT_BURST);
        assert_eq!(time_for(&throttle, 40).await, Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_refills_the_burst() {
        let throttle = Throttle::new(60, 3);
        assert_eq!(time_for(&throttle, 4).await, Duration::from_secs(1));
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(time_for(&throttle, 3).await, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_pauses_every_caller_then_resumes_without_a_burst() {
        let throttle = Throttle::new(60, 10);
        throttle.hold(Duration::from_secs(5)).await;
        assert_eq!(time_for(&throttle, 1).await, Duration::from_secs(5));
        assert_eq!(time_for(&throttle, 2).await, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_the_rate() {
        let throttle = std::sync::Arc::new(Throttle::new(120, 1));
        let start = Instant::now();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let throttle = throttle.clone();
                tokio::spawn(async move { throttle.acquire().await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::from_millis(2500));
    }
}
