//! How a [`FakeServer`](crate::FakeServer) is set up: data, tokens, rate limit, latency, faults.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Dataset, FaultRule};

/// The id of the token [`FakeConfig::new`] accepts.
pub const DEFAULT_TOKEN_ID: &str = "pscale_tkn_fake0000000001";

/// The secret of the token [`FakeConfig::new`] accepts.
pub const DEFAULT_TOKEN: &str = "pscale_tok_fakesecret0000000000000001";

/// The accesses a full-access token holds: every one the fake checks, reads and writes.
pub const ALL_ACCESSES: [&str; 9] = [
    "read_organization",
    "read_audit_logs",
    "read_service_tokens",
    "read_database",
    "read_oauth_applications",
    "read_oauth_tokens",
    "write_members",
    "write_organization",
    "write_teams",
];

/// Everything a [`FakeServer`](crate::FakeServer) starts with.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// The data served.
    pub dataset: Dataset,
    /// The service tokens accepted.
    pub tokens: Vec<TokenConfig>,
    /// A per-token rate limit; `None` answers every request.
    pub rate_limit: Option<RateLimitConfig>,
    /// A delay added before every API answer.
    pub latency: Latency,
    /// Faults active from the start.
    pub faults: Vec<FaultRule>,
    /// The port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
}

impl FakeConfig {
    /// Serves `dataset` to one full-access token ([`DEFAULT_TOKEN_ID`]:[`DEFAULT_TOKEN`]) on an
    /// ephemeral port, with no rate limit, no latency and no faults.
    pub fn new(dataset: Dataset) -> Self {
        FakeConfig {
            dataset,
            tokens: vec![TokenConfig::full_access(DEFAULT_TOKEN_ID, DEFAULT_TOKEN)],
            rate_limit: None,
            latency: Latency::None,
            faults: Vec::new(),
            port: 0,
        }
    }
}

/// A service token the fake accepts, and what it may reach.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenConfig {
    /// The token id, the part before the colon of the `Authorization` header.
    pub id: String,
    /// The secret, the part after the colon.
    pub token: String,
    /// The organization names the token reaches; `None` reaches all of them.
    pub organizations: Option<Vec<String>>,
    /// Granted accesses such as `read_organization`, `read_service_tokens`, `write_members`,
    /// `read_database`, `read_oauth_applications`, `read_oauth_tokens`, `read_audit_logs`,
    /// `write_organization` and `write_teams`.
    pub accesses: Vec<String>,
}

impl TokenConfig {
    /// A token that reaches every organization with every access the fake checks.
    pub fn full_access(id: impl Into<String>, token: impl Into<String>) -> Self {
        TokenConfig {
            id: id.into(),
            token: token.into(),
            organizations: None,
            accesses: ALL_ACCESSES.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// Whether the token may see organization `org`.
    pub fn reaches(&self, org: &str) -> bool {
        match &self.organizations {
            None => true,
            Some(orgs) => orgs.iter().any(|o| o == org),
        }
    }

    /// Whether the token holds `access`.
    pub fn has_access(&self, access: &str) -> bool {
        self.accesses.iter().any(|a| a == access)
    }
}

// The secret is left out so that a token never reaches a log line through `{:?}`.
impl fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenConfig")
            .field("id", &self.id)
            .field("token", &"<redacted>")
            .field("organizations", &self.organizations)
            .field("accesses", &self.accesses)
            .finish()
    }
}

/// A quota per service token: `requests_per_minute`, counted by a token bucket or over a rolling
/// minute, optionally shared with another consumer of the same token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitConfig {
    /// The sustained rate; PlanetScale documents 600.
    pub requests_per_minute: u32,
    /// The token bucket's size: how many requests may arrive at once (at least 1 is used).
    /// A rolling minute allows its whole quota at once, whatever this says.
    pub burst: u32,
    /// How a 429 says when to come back.
    pub retry_after: RetryAfterStyle,
    /// How requests are counted.
    #[serde(default)]
    pub model: RateLimitModel,
    /// Requests a minute that another client of the same token (Terraform, a CI job, a second
    /// sync) sends at a steady pace, drawing on the same quota; 0 for none. It was already at
    /// work a minute before the quota's first use, and its refused requests are lost, not
    /// repeated. Counted in [`Stats::other_consumer`](crate::Stats::other_consumer).
    #[serde(default)]
    pub other_consumer_per_minute: u32,
}

impl RateLimitConfig {
    /// A token bucket of `requests_per_minute` with a burst of a tenth of it (at least 1),
    /// `Retry-After` in seconds, and no other consumer.
    pub fn new(requests_per_minute: u32) -> Self {
        RateLimitConfig {
            requests_per_minute,
            burst: (requests_per_minute / 10).max(1),
            retry_after: RetryAfterStyle::Seconds,
            model: RateLimitModel::TokenBucket,
            other_consumer_per_minute: 0,
        }
    }

    /// PlanetScale's documented 600 requests per minute, with a burst of 60 and `Retry-After`
    /// in seconds.
    pub fn planetscale() -> Self {
        RateLimitConfig::new(600)
    }
}

/// How a quota counts requests. PlanetScale documents "600 requests per minute" without saying
/// which.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RateLimitModel {
    /// A bucket of `burst` requests, refilled continuously at the rate.
    #[default]
    TokenBucket,
    /// At most `requests_per_minute` requests in any 60 s: the whole quota may go at once, and
    /// then none until the minute rolls on.
    RollingMinute,
}

/// The form of the `Retry-After` header on a 429 (PlanetScale documents none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetryAfterStyle {
    /// Whole seconds until a request would be allowed, rounded up, at least 1.
    Seconds,
    /// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) at which a request would be allowed.
    HttpDate,
    /// No header at all.
    Absent,
}

/// A delay added before each API answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Latency {
    /// Answer at once.
    #[default]
    None,
    /// Always wait this long.
    Fixed(Duration),
    /// Wait a uniformly random time between `min` and `max`.
    Jitter {
        /// The shortest delay.
        min: Duration,
        /// The longest delay.
        max: Duration,
    },
}

impl Latency {
    /// The delay for one request.
    pub fn sample(&self) -> Duration {
        match *self {
            Latency::None => Duration::ZERO,
            Latency::Fixed(d) => d,
            Latency::Jitter { min, max } if max <= min => min,
            Latency::Jitter { min, max } => {
                let nanos = rand::random_range(min.as_nanos()..=max.as_nanos());
                Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
            }
        }
    }
}
