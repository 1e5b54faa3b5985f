//! The client's builder: defaults, validation and the default HTTP client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::redirect;
use tokio::sync::Semaphore;

use crate::base_url::{DEFAULT_BASE_URL, is_plain_loopback, normalize_base_url};
use crate::client::{Client, Inner};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::pacing::{DEFAULT_BURST, Pacer};
use crate::retry::RetryPolicy;
use crate::stats::Counters;

/// The `User-Agent` the client sends.
pub(crate) const USER_AGENT: &str = concat!("planetscale-client/", env!("CARGO_PKG_VERSION"));

/// Configures a [`Client`]; start from [`Client::builder`]. Settings are checked in
/// [`build`](ClientBuilder::build).
pub struct ClientBuilder {
    credentials: Credentials,
    base_url: Option<String>,
    allow_insecure_http: bool,
    http_client: Option<reqwest::Client>,
    retry_policy: RetryPolicy,
    rate_limit_budget: Duration,
    requests_per_minute: Option<u32>,
    max_in_flight: usize,
    timeout: Duration,
    per_page: u32,
    max_response_bytes: usize,
}

impl ClientBuilder {
    pub(crate) fn new(credentials: Credentials) -> Self {
        ClientBuilder {
            credentials,
            base_url: None,
            allow_insecure_http: false,
            http_client: None,
            retry_policy: RetryPolicy::default(),
            rate_limit_budget: Duration::from_secs(15 * 60),
            requests_per_minute: Some(600),
            max_in_flight: 16,
            timeout: Duration::from_secs(30),
            per_page: 100,
            max_response_bytes: 32 * 1024 * 1024,
        }
    }

    /// The API base URL, `https://api.planetscale.com/v1/` by default. With or without `/v1`
    /// and a trailing slash; plain `http` only to a loopback IP address (`127.0.0.1`, `[::1]`;
    /// not `localhost`, a name that DNS or `/etc/hosts` could point anywhere) unless
    /// [`allow_insecure_http`](ClientBuilder::allow_insecure_http) is set.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(url.to_owned());
        self
    }

    /// Allows a plain `http` base URL on a non-loopback host, which sends the token in clear
    /// text. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Uses this HTTP client instead of the default one. It should not follow redirects
    /// (`redirect::Policy::none()`); responses from another origin are refused either way.
    /// The client still sets its own per-request timeout and headers. Its proxy settings are
    /// its own: the default client ignores proxy variables for plain http to loopback, this one
    /// does what it was built to do.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// How failed GETs are retried; see [`RetryPolicy`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// How long one request may keep waiting on the server's rate limit (429s) before it fails
    /// with [`Error::QuotaExhausted`]; 15 minutes by default. A 429 never uses up a retry
    /// attempt: while this budget lasts, the client slows down and waits for the quota (see
    /// [`Pacing`](crate::Pacing)). A server asking for a longer wait than this fails the request
    /// at once. Zero fails a request at its first 429.
    pub fn rate_limit_budget(mut self, budget: Duration) -> Self {
        self.rate_limit_budget = budget;
        self
    }

    /// The client-side rate ceiling shared by all clones, 600 a minute by default (the API's
    /// documented limit) with a burst of 10. The client starts at this rate, slows down when
    /// the server answers 429, and probes back up to it while requests succeed. `None` sets no
    /// ceiling; 429s slow the client down all the same.
    pub fn requests_per_minute(mut self, rpm: Option<u32>) -> Self {
        self.requests_per_minute = rpm;
        self
    }

    /// The most requests in flight at once across all clones, 16 by default.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n;
        self
    }

    /// The time limit of one attempt, from connecting until the body is read; 30 s by default.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Items per page of list endpoints, 100 by default, clamped to `1..=100` (the API's
    /// maximum).
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = n.clamp(1, 100);
        self
    }

    /// The largest response body read, 32 MiB by default; larger bodies are an error.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client> {
        let base_url = normalize_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
        )?;
        if self.requests_per_minute == Some(0) {
            return Err(config(
                "requests_per_minute must be at least 1; use None for no ceiling",
            ));
        }
        let pacer = Pacer::new(
            self.requests_per_minute,
            DEFAULT_BURST,
            self.rate_limit_budget,
        );
        if self.max_in_flight == 0 {
            return Err(config("max_in_flight must be at least 1"));
        }
        if self.max_in_flight > Semaphore::MAX_PERMITS {
            return Err(config("max_in_flight is larger than the semaphore allows"));
        }
        if self.timeout.is_zero() {
            return Err(config("timeout must be longer than zero"));
        }
        if self.max_response_bytes == 0 {
            return Err(config("max_response_bytes must be at least 1"));
        }
        if self.retry_policy.max_attempts == 0 {
            return Err(config(
                "retry_policy.max_attempts must be at least 1 (1 disables retries)",
            ));
        }
        let http = match self.http_client {
            Some(http) => http,
            None => default_http_client(is_plain_loopback(&base_url))?,
        };
        let authorization = self.credentials.authorization_header()?;
        let inner = Inner {
            http,
            base_url,
            authorization,
            token_id: self.credentials.token_id().to_owned(),
            retry: self.retry_policy,
            rate_limit_budget: self.rate_limit_budget,
            pacer,
            in_flight: Semaphore::new(self.max_in_flight),
            max_in_flight: self.max_in_flight,
            timeout: self.timeout,
            per_page: self.per_page,
            max_response_bytes: self.max_response_bytes,
            counters: Counters::default(),
        };
        Ok(Client {
            inner: Arc::new(inner),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A base URL with user:pass@ is refused in build(), but until then it must not print.
        let base_url = match &self.base_url {
            Some(url) if url.contains('@') => Some("[redacted: holds credentials]"),
            Some(url) => Some(url.as_str()),
            None => None,
        };
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &base_url)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("http_client", &self.http_client.as_ref().map(|_| "custom"))
            .field("retry_policy", &self.retry_policy)
            .field("rate_limit_budget", &self.rate_limit_budget)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("max_in_flight", &self.max_in_flight)
            .field("timeout", &self.timeout)
            .field("per_page", &self.per_page)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// The default HTTP client never follows redirects, so that credentials never go to another
/// origin. For plain http to a loopback address it also ignores the proxy variables
/// (`HTTP_PROXY`, `ALL_PROXY`, …): a proxy would receive the token in clear text, for a request
/// that never needed to leave the machine.
fn default_http_client(plain_loopback: bool) -> Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .user_agent(USER_AGENT);
    let builder = match plain_loopback {
        true => builder.no_proxy(),
        false => builder,
    };
    builder.build().map_err(Error::HttpClient)
}

fn config(reason: &str) -> Error {
    Error::InvalidConfig {
        reason: reason.to_owned(),
    }
}
