//! The client and its one request primitive: throttle, bound, send, retry, read, decode.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, USER_AGENT};
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::base_url::endpoint_url;
use crate::builder::{self, ClientBuilder};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::page::Page;
use crate::retry::{RetryPolicy, retry_after};
use crate::stats::{ClientStats, Counters};
use crate::throttle::Throttle;

/// An async client for the PlanetScale REST API.
///
/// Cheap to clone: clones share the HTTP connection pool, the throttle, the in-flight bound
/// and the statistics. Typed methods (`list_*`, `get_*`, and the item streams) sit on one
/// primitive, [`Client::get_json`], which callers may use for endpoints not covered here.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// Everything clones share.
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    /// Built once from the credentials and marked sensitive.
    pub(crate) authorization: HeaderValue,
    pub(crate) token_id: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) requests_per_minute: Option<u32>,
    pub(crate) throttle: Option<Throttle>,
    pub(crate) in_flight: Semaphore,
    pub(crate) max_in_flight: usize,
    pub(crate) timeout: Duration,
    pub(crate) per_page: u32,
    pub(crate) max_response_bytes: usize,
    pub(crate) counters: Counters,
}

impl Client {
    /// A builder with the defaults, for these credentials.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// The normalised base URL; it ends in `/v1/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// A snapshot of the counters shared by this client and its clones.
    pub fn stats(&self) -> ClientStats {
        self.inner.counters.snapshot()
    }

    /// GETs `path_segments` under the base URL (each segment percent-encoded; empty, `.` and
    /// `..` refused) with `query`, and decodes the JSON body into `T`.
    ///
    /// Throttled, bounded in flight, retried per the [`RetryPolicy`], and size-limited like
    /// every typed method.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path_segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T> {
        let url = self.url(path_segments, query)?;
        self.fetch_json(&url, is_sensitive(path_segments)).await
    }

    /// Fetches page `page` (1-based) of a list endpoint with the configured `per_page`, and
    /// refuses a `next_page` that does not move forward.
    pub(crate) async fn get_page<T: DeserializeOwned>(
        &self,
        path_segments: &[&str],
        page: u32,
    ) -> Result<Page<T>> {
        if page == 0 {
            return Err(Error::InvalidArgument {
                reason: "page numbers start at 1".into(),
            });
        }
        let query = [
            ("page", page.to_string()),
            ("per_page", self.inner.per_page.to_string()),
        ];
        let url = self.url(path_segments, &query)?;
        let fetched: Page<T> = self.fetch_json(&url, is_sensitive(path_segments)).await?;
        match fetched.next_page {
            Some(next_page) if next_page <= page => Err(Error::Pagination {
                endpoint: endpoint(&url),
                requested: page,
                next_page,
            }),
            _ => Ok(fetched),
        }
    }

    fn url(&self, path_segments: &[&str], query: &[(&str, String)]) -> Result<Url> {
        let mut url = endpoint_url(&self.inner.base_url, path_segments)?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (k, v.as_str())));
        }
        Ok(url)
    }

    async fn fetch_json<T: DeserializeOwned>(&self, url: &Url, sensitive: bool) -> Result<T> {
        let body = self.get_with_retries(url).await?;
        serde_json::from_slice(&body).map_err(|error| Error::Decode {
            endpoint: endpoint(url),
            detail: self.scrub(&describe_decode_error(&error, sensitive)),
        })
    }

    /// Sends the GET until it succeeds, fails for good, or the retry budget runs out; see
    /// [`RetryPolicy`] for the decision table.
    async fn get_with_retries(&self, url: &Url) -> Result<Vec<u8>> {
        let policy = &self.inner.retry;
        let mut waited = Duration::ZERO;
        let mut attempt = 1;
        // Attempts that count against `max_attempts`: all but the 429s that said when to retry.
        let mut failures = 0;
        loop {
            let (error, server_wait) = match self.attempt(url, attempt).await {
                Ok(body) => return Ok(body),
                Err(failure) => failure,
            };
            let scheduled =
                server_wait.is_some() && error.status() == Some(StatusCode::TOO_MANY_REQUESTS);
            if !scheduled {
                failures += 1;
            }
            if !error.is_retryable() || failures >= policy.max_attempts {
                return Err(error);
            }
            let wait = server_wait.unwrap_or_else(|| policy.backoff(attempt));
            if waited + wait > policy.max_total_wait {
                tracing::debug!(path = url.path(), ?wait, "retry budget exhausted");
                return Err(error);
            }
            if scheduled && let Some(throttle) = &self.inner.throttle {
                // The limit is the client's, not this request's: every clone holds back.
                throttle.hold(wait).await;
            }
            tracing::debug!(path = url.path(), attempt, ?wait, error = %error, "retrying");
            tokio::time::sleep(wait).await;
            waited += wait;
            attempt += 1;
            self.inner.counters.count_retry();
        }
    }

    /// One attempt. A failure comes with the wait the server asked for in `Retry-After`.
    async fn attempt(&self, url: &Url, attempt: u32) -> Result<Vec<u8>, (Error, Option<Duration>)> {
        let inner = &*self.inner;
        if let Some(throttle) = &inner.throttle {
            inner.counters.add_throttle_wait(throttle.acquire().await);
        }
        // The semaphore is never closed, so acquiring cannot fail; if it somehow did, the
        // request would merely go out unbounded.
        let _permit = inner.in_flight.acquire().await.ok();
        inner.counters.count_request();
        let started = Instant::now();
        let result = inner
            .http
            .get(url.clone())
            .header(AUTHORIZATION, inner.authorization.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, HeaderValue::from_static(builder::USER_AGENT))
            .timeout(inner.timeout)
            .send()
            .await;
        let (status, outcome) = match result {
            Ok(response) => (
                response.status().as_u16(),
                self.read_response(url, response).await,
            ),
            Err(source) => (0, Err((transport(url, source), None))),
        };
        tracing::debug!(
            method = "GET",
            path = url.path(),
            query = url.query().unwrap_or(""),
            status,
            attempt,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "planetscale request"
        );
        outcome
    }

    async fn read_response(
        &self,
        url: &Url,
        response: Response,
    ) -> Result<Vec<u8>, (Error, Option<Duration>)> {
        let status = response.status();
        if response.url().origin() != self.inner.base_url.origin() {
            return Err((
                Error::ForeignOrigin {
                    endpoint: endpoint(url),
                },
                None,
            ));
        }
        if status.is_redirection() {
            return Err((
                Error::Redirect {
                    endpoint: endpoint(url),
                    status,
                },
                None,
            ));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.inner.counters.count_rate_limited();
        }
        let server_wait = retry_after(response.headers(), SystemTime::now());
        let body = self.read_body(url, response).await;
        if status.is_success() {
            return body.map_err(|error| (error, None));
        }
        // An error body that cannot be read is no reason to hide the status.
        let (code, message) = body.map(|body| error_fields(&body)).unwrap_or_default();
        let code = code.map(|code| tidy_server_text(&self.scrub(&code)));
        let message = message.map(|message| tidy_server_text(&self.scrub(&message)));
        let error = Error::Api {
            endpoint: endpoint(url),
            status,
            code,
            message,
        };
        Err((error, server_wait))
    }

    /// Replaces the token in text that came from the server, in case a server (or a proxy)
    /// echoes the request's headers back; the header value is read, never rebuilt.
    fn scrub(&self, text: &str) -> String {
        let header = self.inner.authorization.as_bytes();
        let token = match header.iter().position(|byte| *byte == b':') {
            Some(colon) => std::str::from_utf8(&header[colon + 1..]).unwrap_or_default(),
            None => "",
        };
        if token.is_empty() || !text.contains(token) {
            return text.to_owned();
        }
        text.replace(token, "[redacted]")
    }

    /// Reads the body chunk by chunk, stopping as soon as it passes `max_response_bytes`.
    async fn read_body(&self, url: &Url, mut response: Response) -> Result<Vec<u8>> {
        let limit = self.inner.max_response_bytes;
        let too_large = || Error::ResponseTooLarge {
            endpoint: endpoint(url),
            limit,
        };
        let declared = response.content_length().unwrap_or(0);
        if declared > limit as u64 {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(declared as usize);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| transport(url, error))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.base_url.as_str())
            .field("token_id", &inner.token_id)
            .field("token", &format_args!("[redacted]"))
            .field("retry", &inner.retry)
            .field("requests_per_minute", &inner.requests_per_minute)
            .field("max_in_flight", &inner.max_in_flight)
            .field("timeout", &inner.timeout)
            .field("per_page", &inner.per_page)
            .field("max_response_bytes", &inner.max_response_bytes)
            .field("stats", &inner.counters.snapshot())
            .finish()
    }
}

/// `GET <path>`: how errors name an endpoint. The query is left out to keep messages short.
fn endpoint(url: &Url) -> String {
    format!("GET {}", url.path())
}

fn transport(url: &Url, source: reqwest::Error) -> Error {
    Error::Transport {
        endpoint: endpoint(url),
        source: source.without_url(),
    }
}

/// Whether bodies of this endpoint may hold secrets, so decode errors must not quote them:
/// team memberships embed database branch passwords, and service tokens may carry their
/// plaintext value.
fn is_sensitive(path_segments: &[&str]) -> bool {
    let team_members = path_segments
        .windows(3)
        .any(|w| w[0] == "teams" && w[2] == "members");
    team_members
        || path_segments
            .iter()
            .any(|s| matches!(*s, "service-tokens" | "passwords"))
}

fn describe_decode_error(error: &serde_json::Error, sensitive: bool) -> String {
    if !sensitive {
        return error.to_string();
    }
    let category = match error.classify() {
        serde_json::error::Category::Io => "io",
        serde_json::error::Category::Syntax => "syntax",
        serde_json::error::Category::Data => "data",
        serde_json::error::Category::Eof => "unexpected end of input",
    };
    format!(
        "{category} error at line {} column {} (details withheld: this endpoint's bodies may hold \
         secrets)",
        error.line(),
        error.column()
    )
}

/// The `code` and `message` of an error body, when it is a JSON object holding strings;
/// anything else (`{}`, HTML, empty) gives neither, and the status speaks alone.
fn error_fields(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(body) else {
        return (None, None);
    };
    let text = |key: &str| fields.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    (text("code"), text("message"))
}

/// Keeps server text printable and short, since it ends up in terminals and logs.
fn tidy_server_text(text: &str) -> String {
    const MAX_CHARS: usize = 300;
    let mut tidy: String = text
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > MAX_CHARS {
        tidy.push('…');
    }
    tidy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_membership_and_token_paths_are_sensitive() {
        assert!(is_sensitive(&[
            "organizations",
            "acme",
            "teams",
            "platform",
            "members"
        ]));
        assert!(is_sensitive(&[
            "organizations",
            "acme",
            "teams",
            "platform",
            "members",
            "x"
        ]));
        assert!(is_sensitive(&["organizations", "acme", "service-tokens"]));
        assert!(!is_sensitive(&["organizations", "acme", "members"]));
        assert!(!is_sensitive(&["organizations", "acme", "teams"]));
    }

    #[test]
    fn error_fields_tolerate_any_body() {
        fn check(body: &str, code: Option<&str>, message: Option<&str>) {
            let (actual_code, actual_message) = error_fields(body.as_bytes());
            assert_eq!(actual_code.as_deref(), code, "{body}");
            assert_eq!(actual_message.as_deref(), message, "{body}");
        }
        check(
            r#"{"code":"not_found","message":"Not Found"}"#,
            Some("not_found"),
            Some("Not Found"),
        );
        check(r#"{"code":"x"}"#, Some("x"), None);
        check("{}", None, None);
        check("", None, None);
        check("<html>oops</html>", None, None);
        check(r#"{"code":5,"message":null}"#, None, None);
        check("[1,2]", None, None);
    }

    #[test]
    fn server_text_is_tidied() {
        assert_eq!(tidy_server_text("a\nb"), "a b");
        let long = "x".repeat(400);
        assert_eq!(tidy_server_text(&long).chars().count(), 301);
    }
}
