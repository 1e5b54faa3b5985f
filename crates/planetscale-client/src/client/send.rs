//! The retry loop: every request paced, bounded in flight, sent, and repeated while its failure
//! allows (a 429 always, by the client's pacer; another failure by the retry policy).

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use tokio::time::Instant;

use super::{Client, Outgoing, transport};
use crate::builder;
use crate::error::{Error, Result};
use crate::quota::QuotaHeaders;

/// What one attempt came to.
struct Outcome {
    /// When the request went out, which tells fresh answers from old news.
    sent_at: Instant,
    /// What the response's headers said about the quota.
    quota: QuotaHeaders,
    result: Result<Vec<u8>>,
}
impl Client {
    /// Sends `request` until it succeeds, fails for good, or a budget runs out. A 429 always
    /// waits and repeats (the server refused the request, so nothing happened); another failure
    /// repeats only when `repeatable` says so: any transient failure for a GET
    /// ([`Error::is_retryable`], see [`RetryPolicy`] for the decision table), only a failure to
    /// connect for a write, whose outcome is otherwise unknown.
    pub(crate) async fn send_with_retries(
        &self,
        request: &Outgoing,
        repeatable: fn(&Error) -> bool,
    ) -> Result<Vec<u8>> {
        let url = &request.url;
        let inner = &*self.inner;
        let policy = &inner.retry;
        let mut attempt: u32 = 0;
        // Failed attempts and the time slept after them; 429s are counted apart.
        let mut failures = 0;
        let mut backed_off = Duration::ZERO;
        let mut refusals = 0;
        let mut refused_since = None;
        loop {
            attempt = attempt.saturating_add(1);
            let outcome = self.attempt(request, attempt).await;
            let error = match outcome.result {
                Ok(body) => {
                    inner
                        .pacer
                        .accepted(outcome.sent_at, outcome.quota.wait_after_success());
                    return Ok(body);
                }
                Err(error) => error,
            };
            if error.status() == Some(StatusCode::TOO_MANY_REQUESTS) {
                // The quota is the client's, not this request's: the pacer holds every request
                // back, and the next attempt waits there.
                let server_wait = outcome.quota.wait_after_refusal();
                let wait = inner.pacer.refused(outcome.sent_at, server_wait);
                refusals += 1;
                let waited = refused_since.get_or_insert_with(Instant::now).elapsed();
                if waited.saturating_add(wait) > inner.rate_limit_budget {
                    tracing::debug!(
                        path = url.path(),
                        ?waited,
                        ?wait,
                        "rate-limit budget exhausted"
                    );
                    return Err(Error::QuotaExhausted {
                        endpoint: request.endpoint(),
                        refusals,
                        waited,
                        budget: inner.rate_limit_budget,
                        server_wait: server_wait.filter(|asked| *asked > inner.rate_limit_budget),
                        requests_per_minute: self.pacing().requests_per_minute,
                    });
                }
                tracing::debug!(
                    path = url.path(),
                    attempt,
                    ?wait,
                    "rate limited; the client holds back"
                );
            } else {
                failures += 1;
                if !repeatable(&error) || failures >= policy.max_attempts {
                    return Err(error);
                }
                let wait = outcome
                    .quota
                    .retry_after
                    .unwrap_or_else(|| policy.backoff(failures));
                if backed_off.saturating_add(wait) > policy.max_total_wait {
                    tracing::debug!(path = url.path(), ?wait, "retry budget exhausted");
                    return Err(error);
                }
                tracing::debug!(path = url.path(), attempt, ?wait, error = %error, "retrying");
                tokio::time::sleep(wait).await;
                backed_off = backed_off.saturating_add(wait);
            }
            inner.counters.count_retry();
        }
    }

    /// One attempt: its turn in the pacer, a place in flight, the request, and the answer.
    async fn attempt(&self, request: &Outgoing, attempt: u32) -> Outcome {
        let inner = &*self.inner;
        let url = &request.url;
        inner
            .counters
            .add_throttle_wait(inner.pacer.acquire().await);
        // The semaphore is never closed, so acquiring cannot fail; if it somehow did, the
        // request would merely go out unbounded.
        let _permit = inner.in_flight.acquire().await.ok();
        inner.counters.count_request();
        let sent_at = Instant::now();
        let mut builder = inner
            .http
            .request(request.method.clone(), url.clone())
            .header(AUTHORIZATION, inner.authorization.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, HeaderValue::from_static(builder::USER_AGENT))
            .timeout(inner.timeout);
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.clone());
        }
        let (status, quota, result) = match builder.send().await {
            Ok(response) => (
                response.status().as_u16(),
                QuotaHeaders::read(response.headers(), SystemTime::now()),
                self.read_response(request, response).await,
            ),
            Err(source) => (0, QuotaHeaders::default(), Err(transport(request, source))),
        };
        tracing::debug!(
            method = request.method.as_str(),
            path = url.path(),
            query = url.query().unwrap_or(""),
            status,
            attempt,
            elapsed_ms = sent_at.elapsed().as_millis() as u64,
            "planetscale request"
        );
        Outcome {
            sent_at,
            quota,
            result,
        }
    }
}
