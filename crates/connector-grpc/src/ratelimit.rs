//! `RateLimiterService`: the rate limiter a baton subprocess serves its parent.
//!
//! baton-sdk v0.25.0's parent dials its connector subprocess with a client interceptor
//! (`pkg/ratelimit.UnaryInterceptor`) that, before every unary call, asks the child's
//! `c1.ratelimit.v1.RateLimiterService/Do` whether it may go ahead, and after it `Report`s how it
//! went. A child that does not serve the service fails every call (`Unknown`); one whose `Do`
//! answers no status makes the parent skip the call and return an empty answer. baton's child
//! builds its limiter from the `rate_limiter_config` of the `ServerConfig` on its standard input
//! (`ratelimit.NewLimiter`); [`RateLimiter::from_config`] builds the same:
//!
//! | configuration | baton's child | here |
//! |---|---|---|
//! | none, `disabled` | `NoOpRateLimiter`: `Do` answers at once | the same |
//! | `fixed_mem { rate, period }` | `Do` waits its turn: `rate` calls a `period`, evenly spaced (go.uber.org/ratelimit, slack 10) | the same (`Pacer`) |
//! | `sliding_mem { use_percent }` | 100 calls a second; a `Report` with `reset_at` and `remaining` re-paces it | the same |
//! | `external` | refuses to start | refuses to start |
//! | present, no limiter named | refuses to start | refuses to start |
//!
//! `Do` always answers the request's token back with status `STATUS_EMPTY` (after its wait), as
//! each of baton's limiters does; `Report` answers its empty response. The descriptors are
//! checked as baton's validation rules check them.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use connector_sdk::CancellationToken;
use tonic::{Request, Response, Status};

use crate::pb::c1::ratelimit::v1::rate_limit_description::Status as LimitStatus;
use crate::pb::c1::ratelimit::v1::rate_limiter_config::Type;
use crate::pb::c1::ratelimit::v1::rate_limiter_service_server::{
    RateLimiterService, RateLimiterServiceServer,
};
use crate::pb::c1::ratelimit::v1::{
    DoRequest, DoResponse, RateLimitDescription, RateLimitDescriptors, RateLimiterConfig,
    ReportRequest, ReportResponse,
};

/// go.uber.org/ratelimit's default slack: calls a limiter lets through at once after it was idle.
const SLACK: u32 = 10;

/// A sliding limiter's pace until a `Report` re-paces it: baton's 100 calls a second.
const SLIDING_START: i64 = 100;

/// The longest window a sliding limiter spreads a report's remaining calls over, as baton's.
const SLIDING_MAX_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The limiter a subprocess serves its parent, built from baton's configuration. The default
/// is no limit.
#[derive(Debug, Default)]
pub struct RateLimiter {
    limit: Limit,
}

#[derive(Debug, Default)]
enum Limit {
    #[default]
    None,
    Fixed(Mutex<Pacer>),
    Sliding {
        use_percent: f64,
        pacer: Mutex<Pacer>,
    },
}

impl RateLimiter {
    /// The limiter baton's child builds from `config` (the `ServerConfig`'s
    /// `rate_limiter_config`; `None` when absent). Refuses what baton's child cannot start with,
    /// saying what to change.
    pub fn from_config(config: Option<&RateLimiterConfig>) -> Result<RateLimiter, String> {
        let Some(config) = config else {
            return Ok(RateLimiter::default());
        };
        let limit = match &config.r#type {
            None => {
                return Err(
                    "baton's rate limiter configuration names no limiter (disabled, \
                            sliding_mem or fixed_mem); send none for no limit"
                        .to_owned(),
                );
            }
            Some(Type::Disabled(_)) => Limit::None,
            Some(Type::External(_)) => {
                return Err(
                    "baton's rate limiter configuration asks for an external limiter, \
                            which baton-sdk's connectors do not implement either; use \
                            fixed_mem, sliding_mem or none"
                        .to_owned(),
                );
            }
            Some(Type::FixedMem(fixed)) => {
                if fixed.rate == 0 {
                    return Err(
                        "baton's rate limiter configuration has a fixed_mem rate of 0 \
                                calls, which baton-sdk's connectors cannot start with either; \
                                give a rate above 0, or no limiter for no limit"
                            .to_owned(),
                    );
                }
                let period = fixed.period.map_or(Duration::ZERO, |p| {
                    match (u64::try_from(p.seconds), u32::try_from(p.nanos)) {
                        (Ok(seconds), Ok(nanos)) => Duration::new(seconds, nanos),
                        // A negative period spaces calls by a negative time: no wait, in baton.
                        _ => Duration::ZERO,
                    }
                });
                Limit::Fixed(Mutex::new(Pacer::new(fixed.rate, period)))
            }
            Some(Type::SlidingMem(sliding)) => Limit::Sliding {
                use_percent: sliding.use_percent,
                pacer: Mutex::new(Pacer::new(SLIDING_START, Duration::from_secs(1))),
            },
        };
        Ok(RateLimiter { limit })
    }

    /// When the next call may go ahead, taking its turn.
    fn take(&self, now: Instant) -> Instant {
        match &self.limit {
            Limit::None => now,
            Limit::Fixed(pacer) | Limit::Sliding { pacer, .. } => lock(pacer).take(now),
        }
    }

    /// A sliding limiter re-paced by a report, as baton's `MemRateLimiter.Report`: the
    /// remaining calls (`use_percent` of them, at least 1) spread over the time to `reset_at`
    /// (at most five minutes). Where baton's child panics (a window under a second, a pace of
    /// 0 calls a second) the limiter is kept.
    fn report(&self, description: Option<&RateLimitDescription>, now: SystemTime) {
        let Limit::Sliding { use_percent, pacer } = &self.limit else {
            return;
        };
        let Some(description) = description else {
            return;
        };
        let Some(reset_at) = description.reset_at else {
            return;
        };
        if *use_percent == 0.0 || description.remaining == 0 {
            return;
        }
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(since) => since.as_nanos() as i128,
            Err(_) => return,
        };
        let reset_at = i128::from(reset_at.seconds) * 1_000_000_000 + i128::from(reset_at.nanos);
        let window = (reset_at - now).min(SLIDING_MAX_WINDOW.as_nanos() as i128);
        let window_seconds = (window / 1_000_000_000) as i64;
        let remaining = ((use_percent * description.remaining as f64) as i64).max(1);
        if window_seconds == 0 {
            return;
        }
        let per_second = remaining / window_seconds;
        if per_second == 0 {
            return;
        }
        *lock(pacer) = Pacer::new(per_second, Duration::from_secs(1));
    }

    /// The service, its waits ended by `cancel` (the server stopping).
    pub(crate) fn service(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> RateLimiterServiceServer<Served> {
        RateLimiterServiceServer::new(Served {
            limiter: self,
            cancel,
        })
    }
}

fn lock(pacer: &Mutex<Pacer>) -> MutexGuard<'_, Pacer> {
    pacer.lock().unwrap_or_else(|e| e.into_inner())
}

/// go.uber.org/ratelimit v0.3.1's limiter (`New(rate, Per(period))`, baton's): calls go ahead
/// one every `period / rate`; after an idle time up to [`SLACK`] of them at once.
#[derive(Debug)]
struct Pacer {
    per_call: Duration,
    max_slack: Duration,
    /// When the last call went ahead; none before the first.
    last: Option<Instant>,
}

impl Pacer {
    /// `rate` calls every `period`; a rate below 0 or a period of 0 spaces calls by nothing.
    fn new(rate: i64, period: Duration) -> Pacer {
        let per_call = match u128::try_from(rate) {
            Ok(rate) if rate > 0 => Duration::from_nanos((period.as_nanos() / rate) as u64),
            _ => Duration::ZERO,
        };
        Pacer {
            per_call,
            max_slack: per_call * SLACK,
            last: None,
        }
    }

    /// When a call asking at `now` goes ahead, taking that turn.
    fn take(&mut self, now: Instant) -> Instant {
        let turn = match self.last {
            None => now,
            Some(last) => {
                let since = now.saturating_duration_since(last);
                if self.max_slack.is_zero() && since > self.per_call {
                    now
                } else if !self.max_slack.is_zero() && since > self.max_slack + self.per_call {
                    now.checked_sub(self.max_slack).unwrap_or(now)
                } else {
                    last + self.per_call
                }
            }
        };
        self.last = Some(turn);
        turn
    }
}

/// The served service: a limiter, and the server's cancellation.
#[derive(Debug)]
pub(crate) struct Served {
    limiter: Arc<RateLimiter>,
    cancel: CancellationToken,
}

#[tonic::async_trait]
impl RateLimiterService for Served {
    async fn r#do(&self, request: Request<DoRequest>) -> Result<Response<DoResponse>, Status> {
        let request = request.into_inner();
        check("DoRequest", request.descriptors.as_ref())?;
        let now = Instant::now();
        let turn = self.limiter.take(now);
        if turn > now {
            tokio::select! {
                () = tokio::time::sleep_until(turn.into()) => {}
                () = self.cancel.cancelled() => {
                    return Err(Status::cancelled("the connector is stopping"));
                }
            }
        }
        Ok(Response::new(DoResponse {
            request_token: request.request_token,
            description: Some(RateLimitDescription {
                status: LimitStatus::Empty as i32,
                ..Default::default()
            }),
        }))
    }

    async fn report(
        &self,
        request: Request<ReportRequest>,
    ) -> Result<Response<ReportResponse>, Status> {
        let request = request.into_inner();
        check("ReportRequest", request.descriptors.as_ref())?;
        self.limiter
            .report(request.description.as_ref(), SystemTime::now());
        Ok(Response::new(ReportResponse {}))
    }
}

/// baton's validation rules of a request's descriptors: when present, at least one entry, each
/// with a key and a value.
fn check(request: &str, descriptors: Option<&RateLimitDescriptors>) -> Result<(), Status> {
    let Some(descriptors) = descriptors else {
        return Ok(());
    };
    if descriptors.entries.is_empty() {
        return Err(Status::invalid_argument(format!(
            "{request}.descriptors has no entries: send at least one, or no descriptors"
        )));
    }
    for (i, entry) in descriptors.entries.iter().enumerate() {
        if entry.key.is_empty() || entry.value.is_empty() {
            return Err(Status::invalid_argument(format!(
                "{request}.descriptors entry {i} has an empty key or value: both are required"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::c1::ratelimit::v1::{FixedMemoryLimiter, SlidingMemoryLimiter};
    use connector_proto::pb::Timestamp;

    const MS: Duration = Duration::from_millis(1);

    fn fixed(rate: i64, period: Duration) -> RateLimiterConfig {
        RateLimiterConfig {
            r#type: Some(Type::FixedMem(FixedMemoryLimiter {
                rate,
                period: Some(prost_types::Duration {
                    seconds: period.as_secs() as i64,
                    nanos: period.subsec_nanos() as i32,
                }),
            })),
        }
    }

    #[test]
    fn fixed_spaces_calls_evenly_from_the_first() {
        let limiter = RateLimiter::from_config(Some(&fixed(10, Duration::from_secs(1)))).unwrap();
        let t0 = Instant::now();
        // Three calls at once: the first now, the next a tenth of a second apart.
        assert_eq!(limiter.take(t0), t0);
        assert_eq!(limiter.take(t0), t0 + 100 * MS);
        assert_eq!(limiter.take(t0), t0 + 200 * MS);
        // Asked after its turn, a call goes at its turn's pace, not later.
        assert_eq!(limiter.take(t0 + 250 * MS), t0 + 300 * MS);
    }

    #[test]
    fn fixed_lets_at_most_the_slack_through_after_idling() {
        let limiter = RateLimiter::from_config(Some(&fixed(10, Duration::from_secs(1)))).unwrap();
        let t0 = Instant::now();
        limiter.take(t0);
        // An hour idle: ten calls (one second of slack) go at once, the eleventh waits.
        let later = t0 + Duration::from_secs(3600);
        let turns: Vec<_> = (0..12).map(|_| limiter.take(later)).collect();
        assert!(turns[..11].iter().all(|t| *t <= later), "{turns:?}");
        assert_eq!(turns[11], later + 100 * MS);
    }

    #[test]
    fn no_limit_disabled_and_a_zero_period_never_wait() {
        let t0 = Instant::now();
        let disabled = RateLimiterConfig {
            r#type: Some(Type::Disabled(Default::default())),
        };
        for config in [None, Some(disabled), Some(fixed(5, Duration::ZERO))] {
            let limiter = RateLimiter::from_config(config.as_ref()).unwrap();
            for _ in 0..20 {
                assert_eq!(limiter.take(t0), t0, "{config:?}");
            }
        }
    }

    #[test]
    fn what_baton_cannot_start_with_is_refused() {
        let empty = RateLimiterConfig { r#type: None };
        let external = RateLimiterConfig {
            r#type: Some(Type::External(Default::default())),
        };
        for (config, says) in [
            (empty, "names no limiter"),
            (external, "external limiter"),
            (fixed(0, Duration::from_secs(1)), "rate of 0"),
        ] {
            let error = RateLimiter::from_config(Some(&config)).unwrap_err();
            assert!(error.contains(says), "{error}");
        }
    }

    #[test]
    fn sliding_is_repaced_by_a_report_with_a_reset_time() {
        let config = RateLimiterConfig {
            r#type: Some(Type::SlidingMem(SlidingMemoryLimiter { use_percent: 0.5 })),
        };
        let limiter = RateLimiter::from_config(Some(&config)).unwrap();
        let t0 = Instant::now();
        limiter.take(t0);
        assert_eq!(
            limiter.take(t0),
            t0 + 10 * MS,
            "100 calls a second at first"
        );

        // 40 remaining, half of them used, over the 10 seconds to the reset: 2 a second.
        let now = SystemTime::now();
        let reset = now.duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(10);
        let report = RateLimitDescription {
            remaining: 40,
            reset_at: Some(Timestamp {
                seconds: reset.as_secs() as i64,
                nanos: reset.subsec_nanos() as i32,
            }),
            ..Default::default()
        };
        // Without a reset time (what baton's parent sends) nothing changes.
        limiter.report(
            Some(&RateLimitDescription {
                reset_at: None,
                ..report
            }),
            now,
        );
        assert_eq!(limiter.take(t0), t0 + 20 * MS);
        limiter.report(Some(&report), now);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(limiter.take(t1), t1);
        assert_eq!(limiter.take(t1), t1 + 500 * MS);
    }

    #[test]
    fn descriptors_are_checked_as_batons_rules_do() {
        use crate::pb::c1::ratelimit::v1::rate_limit_descriptors::Entry;
        let entry = |k: &str, v: &str| Entry {
            key: k.into(),
            value: v.into(),
        };
        let with = |entries| Some(RateLimitDescriptors { entries });
        assert!(check("DoRequest", None).is_ok());
        assert!(
            check(
                "DoRequest",
                with(vec![entry("connector_method", "/x")]).as_ref()
            )
            .is_ok()
        );
        for bad in [vec![], vec![entry("", "v")], vec![entry("k", "")]] {
            let status = check("DoRequest", with(bad).as_ref()).unwrap_err();
            assert_eq!(status.code(), tonic::Code::InvalidArgument);
        }
    }
}
