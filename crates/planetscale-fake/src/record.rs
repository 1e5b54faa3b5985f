//! What the fake served: one record per API request, and counts over them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;

/// One API request and its answer. Control requests (`/__fake/...`) are not recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The HTTP method.
    pub method: String,
    /// The path, e.g. `/v1/organizations/acme/members`.
    pub path: String,
    /// The raw query string ("" when absent).
    pub query: String,
    /// The status answered; 0 when the connection was reset without a response.
    pub status: u16,
    /// Whether the `Authorization` header held a configured token id and its secret.
    pub authorized: bool,
    /// The configured token id the header named, even when its secret was wrong.
    pub token_id: Option<String>,
}

/// Counts over the recorded requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests recorded.
    pub total: usize,
    /// Requests without a right `Authorization` header.
    pub unauthorized: usize,
    /// Requests per status answered.
    pub by_status: BTreeMap<u16, usize>,
    /// Requests per endpoint kind (snake-case names such as `members`, `unknown`).
    pub by_endpoint: BTreeMap<String, usize>,
    /// What the rate limit's other consumer got
    /// ([`RateLimitConfig::other_consumer_per_minute`](crate::RateLimitConfig)); its requests are
    /// not recorded.
    #[serde(default)]
    pub other_consumer: OtherConsumer,
}

/// The requests of the rate limit's other consumer, served and refused, since the limit was set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherConsumer {
    /// Requests the quota allowed.
    pub served: u64,
    /// Requests refused because the quota was spent.
    pub refused: u64,
}

impl Stats {
    /// Counts `records` (the other consumer is left at zero).
    pub fn of(records: &[RequestRecord]) -> Stats {
        let mut stats = Stats {
            total: records.len(),
            ..Stats::default()
        };
        for record in records {
            stats.unauthorized += usize::from(!record.authorized);
            *stats.by_status.entry(record.status).or_default() += 1;
            let kind = Endpoint::parse(&record.method, &record.path).kind;
            *stats
                .by_endpoint
                .entry(kind.as_str().to_string())
                .or_default() += 1;
        }
        stats
    }
}
