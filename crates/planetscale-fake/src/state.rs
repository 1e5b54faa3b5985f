//! The state one running server shares between its connections.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use serde_json::{Value, json};

use crate::endpoint::Endpoint;
use crate::fault::ActiveFaults;
use crate::generate::timestamp;
use crate::index::Index;
use crate::limiter::RateLimiter;
use crate::{DataChange, Dataset, FakeConfig, FaultRule, Latency, OrgData, RateLimitConfig};
use crate::{RequestRecord, TokenConfig};

/// Everything a request may read or change.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT`, the origin of `*_page_url`s.
    pub(crate) origin: String,
    tokens: Vec<TokenConfig>,
    data: RwLock<Data>,
    faults: Mutex<ActiveFaults>,
    limiter: Mutex<RateLimiter>,
    latency: Mutex<Latency>,
    records: Mutex<Vec<RequestRecord>>,
    /// How many members [`DataChange::AddMember`] has added, for their ids.
    joined: AtomicU64,
}

/// The dataset and its index, always replaced together.
#[derive(Clone, Debug)]
struct Data {
    dataset: Arc<Dataset>,
    index: Arc<Index>,
}

/// Who a request's `Authorization` header says it is.
#[derive(Debug)]
pub(crate) struct Caller<'a> {
    /// The token, when the header held a configured id and its secret.
    pub(crate) token: Option<&'a TokenConfig>,
    /// The configured id the header named, right secret or not.
    pub(crate) token_id: Option<String>,
}

impl Shared {
    pub(crate) fn new(config: FakeConfig, origin: String) -> Shared {
        let index = Arc::new(Index::new(&config.dataset));
        Shared {
            origin,
            tokens: config.tokens,
            data: RwLock::new(Data {
                dataset: Arc::new(config.dataset),
                index,
            }),
            faults: Mutex::new(ActiveFaults::new(config.faults)),
            limiter: Mutex::new(RateLimiter::new(config.rate_limit)),
            latency: Mutex::new(config.latency),
            records: Mutex::new(Vec::new()),
            joined: AtomicU64::new(0),
        }
    }

    /// Reads the `Authorization: <id>:<token>` header.
    pub(crate) fn caller(&self, headers: &HeaderMap) -> Caller<'_> {
        let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let Some((id, secret)) = header.and_then(|h| h.split_once(':')) else {
            return Caller {
                token: None,
                token_id: None,
            };
        };
        let Some(known) = self.tokens.iter().find(|t| t.id == id) else {
            return Caller {
                token: None,
                token_id: None,
            };
        };
        let token = (known.token == secret).then_some(known);
        Caller {
            token,
            token_id: Some(known.id.clone()),
        }
    }

    pub(crate) fn dataset(&self) -> Arc<Dataset> {
        read(&self.data).dataset.clone()
    }

    pub(crate) fn index(&self) -> Arc<Index> {
        read(&self.data).index.clone()
    }

    pub(crate) fn latency(&self) -> Latency {
        *lock(&self.latency)
    }

    pub(crate) fn set_latency(&self, latency: Latency) {
        *lock(&self.latency) = latency;
    }

    pub(crate) fn set_faults(&self, faults: Vec<FaultRule>) {
        *lock(&self.faults) = ActiveFaults::new(faults);
    }

    pub(crate) fn fault_for(
        &self,
        endpoint: &Endpoint,
        path: &str,
        page: u32,
    ) -> Option<FaultRule> {
        lock(&self.faults).decide(endpoint, path, page)
    }

    /// Replaces the rate limit, with full buckets.
    pub(crate) fn set_rate_limit(&self, config: Option<RateLimitConfig>) {
        *lock(&self.limiter) = RateLimiter::new(config);
    }

    /// Takes a request from the token's bucket; on refusal, how long to wait and how to say it.
    pub(crate) fn rate_check(
        &self,
        token_id: &str,
    ) -> Result<(), (std::time::Duration, RateLimitConfig)> {
        let mut limiter = lock(&self.limiter);
        let config = limiter.config();
        match (limiter.check(token_id, Instant::now()), config) {
            (Err(wait), Some(config)) => Err((wait, config)),
            _ => Ok(()),
        }
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        lock(&self.records).push(record);
    }

    pub(crate) fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.records).clone()
    }

    pub(crate) fn request_count(&self) -> usize {
        lock(&self.records).len()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.records).clear();
    }

    /// Applies `change` to organization `org`'s members and re-indexes that organization.
    pub(crate) fn change_members(&self, org: &str, change: DataChange) {
        let mut data = write(&self.data);
        let Data { dataset, index } = &mut *data;
        // Copies the dataset only while someone else holds the previous one.
        let dataset = Arc::make_mut(dataset);
        let Some(org_data) = dataset.organizations.iter_mut().find(|o| o.name() == org) else {
            return;
        };
        match change {
            DataChange::AddMember => {
                let n = self.joined.fetch_add(1, Ordering::Relaxed) + 1;
                org_data.members.insert(0, late_member(org, n));
            }
            DataChange::RemoveMember => remove_first_member(org_data),
        }
        *index = Arc::new(index.with_org(org, org_data));
    }
}

/// A member who joins while a client is paging.
fn late_member(org: &str, n: u64) -> Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let now = timestamp(i64::try_from(now.as_millis()).unwrap_or_default());
    let name = format!("Late Joiner {n}");
    json!({
        "id": format!("zz{n:010}"),
        "role": "member",
        "created_at": now,
        "updated_at": now,
        "user": {
            "id": format!("zy{n:010}"),
            "type": "User",
            "display_name": name,
            "name": name,
            "email": format!("late.joiner{n}@{org}.example"),
            "avatar_url": "",
            "created_at": now,
            "updated_at": now,
            "two_factor_auth_configured": false,
            "default_organization": null,
            "sso": null,
            "managed": null,
            "directory_managed": null,
            "email_verified": false,
        },
    })
}

/// Removes the first member from the organization and from its teams.
fn remove_first_member(org: &mut OrgData) {
    if org.members.is_empty() {
        return;
    }
    let removed = org.members.remove(0);
    let id = &removed["user"]["id"];
    for team in &mut org.teams {
        team.members.retain(|m| &m["user"]["id"] != id);
        if let Some(users) = team.team["members"].as_array_mut() {
            users.retain(|u| &u["id"] != id);
        }
    }
}

// A panic in one request must not wedge the server, so poisoned locks are used as they are.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read(lock: &RwLock<Data>) -> std::sync::RwLockReadGuard<'_, Data> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write(lock: &RwLock<Data>) -> std::sync::RwLockWriteGuard<'_, Data> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
