//! The client and its request primitives (`get_json`, `get_page`, `get_all`); under them one
//! request path: the retry loop (`send.rs`), bounded body reads (`body.rs`) and the scrubbing
//! of what the server says (`scrub.rs`).

mod body;
mod scrub;
mod send;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use url::Url;

use crate::base_url::endpoint_url;
use crate::builder::ClientBuilder;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::pacing::{Pacer, Pacing};
use crate::page::{Page, item_stream};
use crate::retry::RetryPolicy;
use crate::stats::{ClientStats, Counters};
use scrub::describe_decode_error;

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
}
