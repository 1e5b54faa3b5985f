//! The client and its request primitives: pace, bound, send, retry, read, decode.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::Stream;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use reqwest::{Method, Response, StatusCode};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::base_url::endpoint_url;
use crate::builder::{self, ClientBuilder};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::pacing::{Pacer, Pacing};
use crate::page::{Page, item_stream};
use crate::quota::QuotaHeaders;
use crate::retry::RetryPolicy;
use crate::stats::{ClientStats, Counters};

/// The most of an error body read: its `code` and `message` come first, and nothing else of it
/// is kept.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;
/// The most memory reserved up front for a body, whatever length the server declares.
const MAX_PREALLOCATION: usize = 1024 * 1024;

/// An async client for the PlanetScale REST API.
///
/// Cheap to clone: clones share the HTTP connection pool, the pacing, the in-flight bound and
/// the statistics. Typed methods (`get_*`, `list_*` and the item streams) sit on three
/// primitives callers may use for endpoints not covered here: [`Client::get_json`] for one
/// object, [`Client::get_page`] for one page of a list and [`Client::get_all`] for all its items.
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
    pub(crate) rate_limit_budget: Duration,
    pub(crate) pacer: Pacer,
    pub(crate) in_flight: Semaphore,
    pub(crate) max_in_flight: usize,
    pub(crate) timeout: Duration,
    pub(crate) per_page: u32,
    pub(crate) max_response_bytes: usize,
    pub(crate) counters: Counters,
}

/// One request as the attempt loop sends it: a GET, or a write with its JSON body.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<Vec<u8>>,
}

impl Outgoing {
    pub(crate) fn get(url: &Url) -> Self {
        Outgoing {
            method: Method::GET,
            url: url.clone(),
            body: None,
        }
    }

    /// `<METHOD> <path>`: how errors name an endpoint. The query is left out to keep messages
    /// short.
    pub(crate) fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.url.path())
    }
}

/// What one attempt came to.
struct Outcome {
    /// When the request went out, which tells fresh answers from old news.
    sent_at: Instant,
    /// What the response's headers said about the quota.
    quota: QuotaHeaders,
    result: Result<Vec<u8>>,
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

    /// The service token's id (its public half), e.g. to read the token's own accesses with
    /// [`Client::get_service_token`].
    pub fn token_id(&self) -> &str {
        &self.inner.token_id
    }

    /// A snapshot of the counters shared by this client and its clones.
    pub fn stats(&self) -> ClientStats {
        self.inner.counters.snapshot(self.inner.pacer.held_total())
    }

    /// How the client paces its requests right now: its current rate, its ceiling, and whether
    /// the server's quota is holding requests back (since when, until when). Cheap: a lock and a
    /// copy, fit for a progress display polled several times a second.
    ///
    /// ```no_run
    /// # fn show(client: &planetscale_client::Client) {
    /// if let Some(wait) = client.pacing().quota_wait {
    ///     eprintln!(
    ///         "waiting for PlanetScale's rate limit for {} s (next try in {} s)",
    ///         wait.waited.as_secs(),
    ///         wait.resumes_in.as_secs()
    ///     );
    /// }
    /// # }
    /// ```
    pub fn pacing(&self) -> Pacing {
        self.inner.pacer.snapshot()
    }

    /// GETs `path_segments` under the base URL (each segment percent-encoded; empty, `.` and
    /// `..` refused) with `query`, and decodes the JSON body into `T`.
    ///
    /// Paced, bounded in flight, retried per the [`RetryPolicy`], and size-limited like every
    /// typed method.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path_segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T> {
        let url = self.url(path_segments, query)?;
        self.fetch_json(&url, is_sensitive(path_segments)).await
    }

    /// GETs page `page` (1-based) of a list endpoint: `path_segments` under the base URL, with
    /// `query` and the client's `page` and `per_page`, decoded into a [`Page`] of `T`. A
    /// `next_page` that does not move forward is an error rather than a loop.
    ///
    /// Every typed `list_*` method is this call. Use it for list endpoints this crate does not
    /// wrap yet, and [`Client::get_all`] for all their items:
    ///
    /// ```no_run
    /// use planetscale_client::{Client, Page};
    /// use serde::Deserialize;
    ///
    /// /// The fields of a database this program needs; the others are ignored.
    /// #[derive(Deserialize)]
    /// struct Database {
    ///     id: String,
    ///     name: String,
    /// }
    ///
    /// # async fn run(client: &Client) -> planetscale_client::Result<()> {
    /// let mut page_number = 1;
    /// loop {
    ///     let page: Page<Database> = client
    ///         .get_page(&["organizations", "acme", "databases"], &[], page_number)
    ///         .await?;
    ///     for database in &page.items {
    ///         println!("{} {}", database.id, database.name);
    ///     }
    ///     match page.next() {
    ///         Some(next) => page_number = next,
    ///         None => break,
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_page<T: DeserializeOwned>(
        &self,
        path_segments: &[&str],
        query: &[(&str, String)],
        page: u32,
    ) -> Result<Page<T>> {
        if page == 0 {
            return Err(Error::InvalidArgument {
                reason: "page numbers start at 1".into(),
            });
        }
        if query
            .iter()
            .any(|(key, _)| matches!(*key, "page" | "per_page"))
        {
            return Err(Error::InvalidArgument {
                reason: "page and per_page are set by the client; leave them out of the query"
                    .into(),
            });
        }
        let paging = [
            ("page", page.to_string()),
            ("per_page", self.inner.per_page.to_string()),
        ];
        let mut url = self.url(path_segments, query)?;
        url.query_pairs_mut()
            .extend_pairs(paging.iter().map(|(k, v)| (k, v.as_str())));
        let fetched: Page<T> = self.fetch_json(&url, is_sensitive(path_segments)).await?;
        match fetched.next_page {
            Some(next_page) if next_page <= page => Err(Error::Pagination {
                endpoint: Outgoing::get(&url).endpoint(),
                requested: page,
                next_page,
            }),
            _ => Ok(fetched),
        }
    }

    /// Every item of a list endpoint: [`Client::get_page`] for page 1, then for each next page,
    /// fetched as the stream is polled. An error ends the stream after it is yielded.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # use planetscale_client::Client;
    /// # #[derive(serde::Deserialize)]
    /// # struct Database { name: String }
    ///
    /// # async fn run(client: &Client) -> planetscale_client::Result<()> {
    /// let databases: Vec<Database> = client
    ///     .get_all(&["organizations", "acme", "databases"], &[])
    ///     .try_collect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_all<'a, T>(
        &'a self,
        path_segments: &[&str],
        query: &[(&str, String)],
    ) -> impl Stream<Item = Result<T>> + Send + use<'a, T>
    where
        T: DeserializeOwned + Send + 'a,
    {
        let path: Vec<String> = path_segments.iter().map(|s| (*s).to_owned()).collect();
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(key, value)| ((*key).to_owned(), value.clone()))
            .collect();
        item_stream(move |page| {
            let (path, query) = (path.clone(), query.clone());
            async move {
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                let query: Vec<(&str, String)> = query
                    .iter()
                    .map(|(key, value)| (key.as_str(), value.clone()))
                    .collect();
                self.get_page(&path, &query, page).await
            }
        })
    }

    pub(crate) fn url(&self, path_segments: &[&str], query: &[(&str, String)]) -> Result<Url> {
        let mut url = endpoint_url(&self.inner.base_url, path_segments)?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (k, v.as_str())));
        }
        Ok(url)
    }

    async fn fetch_json<T: DeserializeOwned>(&self, url: &Url, sensitive: bool) -> Result<T> {
        let request = Outgoing::get(url);
        let body = self
            .send_with_retries(&request, Error::is_retryable)
            .await?;
        self.decode(&request, &body, sensitive)
    }

    /// `body`, the answer to `request`, decoded; a decode error quotes the body only when the
    /// endpoint's bodies hold no secret.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        request: &Outgoing,
        body: &[u8],
        sensitive: bool,
    ) -> Result<T> {
        serde_json::from_slice(body).map_err(|error| Error::Decode {
            endpoint: request.endpoint(),
            detail: self.scrub(&describe_decode_error(&error, sensitive)),
        })
    }

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

    async fn read_response(&self, request: &Outgoing, response: Response) -> Result<Vec<u8>> {
        let status = response.status();
        if response.url().origin() != self.inner.base_url.origin() {
            return Err(Error::ForeignOrigin {
                endpoint: request.endpoint(),
            });
        }
        if status.is_redirection() {
            return Err(Error::Redirect {
                endpoint: request.endpoint(),
                status,
            });
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.inner.counters.count_rate_limited();
        }
        if status.is_success() {
            return self.read_body(request, response).await;
        }
        // An error body that cannot be read is no reason to hide the status.
        let (code, message) = read_up_to(request, response, MAX_ERROR_BODY_BYTES)
            .await
            .map(|(body, _)| error_fields(&body))
            .unwrap_or_default();
        let code = code.map(|code| tidy_server_text(&self.scrub(&code)));
        let message = message.map(|message| tidy_server_text(&self.scrub(&message)));
        Err(Error::Api {
            endpoint: request.endpoint(),
            status,
            code,
            message,
        })
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

    /// Reads a success body whole, or fails as soon as it passes `max_response_bytes`.
    async fn read_body(&self, request: &Outgoing, response: Response) -> Result<Vec<u8>> {
        let limit = self.inner.max_response_bytes;
        let too_large = || Error::ResponseTooLarge {
            endpoint: request.endpoint(),
            limit,
        };
        if response.content_length().unwrap_or(0) > limit as u64 {
            return Err(too_large());
        }
        match read_up_to(request, response, limit).await? {
            (body, true) => Ok(body),
            (_, false) => Err(too_large()),
        }
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
            .field("rate_limit_budget", &inner.rate_limit_budget)
            .field("pacing", &inner.pacer.snapshot())
            .field("max_in_flight", &inner.max_in_flight)
            .field("timeout", &inner.timeout)
            .field("per_page", &inner.per_page)
            .field("max_response_bytes", &inner.max_response_bytes)
            .field("stats", &self.stats())
            .finish()
    }
}

fn transport(request: &Outgoing, source: reqwest::Error) -> Error {
    let url = &request.url;
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Error::Transport {
        endpoint: request.endpoint(),
        host: format!("{}{port}", url.host_str().unwrap_or_default()),
        source: source.without_url(),
    }
}

/// Whether bodies of this endpoint may hold secrets, so decode errors must not quote them:
/// team memberships embed database branch passwords, and service tokens may carry their
/// plaintext value.
pub(crate) fn is_sensitive(path_segments: &[&str]) -> bool {
    let team_members = path_segments
        .windows(3)
        .any(|w| w[0] == "teams" && w[2] == "members");
    team_members
        || path_segments
            .iter()
            .any(|s| matches!(*s, "service-tokens" | "passwords" | "audit-log"))
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

/// Reads at most `limit` bytes of the body, chunk by chunk; the flag says whether that was all
/// of it.
async fn read_up_to(
    request: &Outgoing,
    mut response: Response,
    limit: usize,
) -> Result<(Vec<u8>, bool)> {
    let declared = response.content_length().unwrap_or(0);
    let reserve = usize::try_from(declared).unwrap_or(usize::MAX);
    let mut body = Vec::with_capacity(reserve.min(limit).min(MAX_PREALLOCATION));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| transport(request, error))?
    {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, true))
}

/// The `code` and `message` of an error body, when it is a JSON object holding them as strings;
/// anything else (`{}`, HTML, empty, cut short) gives neither, and the status speaks alone.
/// Other fields are skipped, never built into a value.
fn error_fields(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct ErrorBody {
        #[serde(default)]
        code: Text,
        #[serde(default)]
        message: Text,
    }
    /// A string, or nothing when the field holds anything else.
    #[derive(Default)]
    struct Text(Option<String>);
    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            #[derive(Deserialize)]
            #[serde(untagged)]
            enum StringOrOther {
                String(String),
                Other(IgnoredAny),
            }
            Ok(Text(match StringOrOther::deserialize(deserializer)? {
                StringOrOther::String(text) => Some(text),
                StringOrOther::Other(_) => None,
            }))
        }
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(fields) => (fields.code.0, fields.message.0),
        Err(_) => (None, None),
    }
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
