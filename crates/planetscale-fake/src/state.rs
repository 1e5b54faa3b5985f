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
use crate::{RequestRecord, Stats, TeamData, TokenConfig};

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
    /// How many objects faults and writes have made, for their ids.
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

    /// Counts over the requests served so far, and what the rate limit's other consumer got.
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            other_consumer: lock(&self.limiter).other_consumer(),
            ..Stats::of(&self.requests())
        }
    }

    pub(crate) fn request_count(&self) -> usize {
        lock(&self.records).len()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.records).clear();
    }

    /// A number no other object the fake made has, for new ids.
    pub(crate) fn next_number(&self) -> u64 {
        self.joined.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Runs `change` on the data of organization `org` and re-indexes that organization;
    /// `None` when there is no such organization.
    pub(crate) fn update_org<T>(
        &self,
        org: &str,
        change: impl FnOnce(&mut OrgData) -> T,
    ) -> Option<T> {
        let mut data = write(&self.data);
        let Data { dataset, index } = &mut *data;
        // Copies the dataset only while someone else holds the previous one.
        let dataset = Arc::make_mut(dataset);
        let org_data = dataset.organizations.iter_mut().find(|o| o.name() == org)?;
        let result = change(org_data);
        *index = Arc::new(index.with_org(org, org_data));
        Some(result)
    }

    /// Applies `change` to organization `org` (its members, its teams, or the members of its
    /// team `team`) and re-indexes that organization.
    pub(crate) fn change_data(&self, org: &str, team: Option<&str>, change: DataChange) {
        self.update_org(org, |org_data| {
            self.apply_change(org_data, org, team, change)
        });
    }

    fn apply_change(
        &self,
        org_data: &mut OrgData,
        org: &str,
        team: Option<&str>,
        change: DataChange,
    ) {
        match change {
            DataChange::AddMember => {
                let n = self.next_number();
                org_data.members.insert(0, late_member(org, n));
            }
            DataChange::RemoveMember => {
                let first = org_data.user_ids().next().map(str::to_owned);
                if let Some(id) = first {
                    remove_member(org_data, &id);
                }
            }
            DataChange::AddTeam => {
                let n = self.next_number();
                if let Some(team) = late_team(org_data, n) {
                    org_data.teams.insert(0, team);
                }
            }
            DataChange::RemoveTeam => {
                if !org_data.teams.is_empty() {
                    org_data.teams.remove(0);
                }
            }
            DataChange::AddTeamMember => {
                let n = self.next_number();
                add_team_member(org_data, team, n);
            }
            DataChange::AddDatabase => {
                let n = self.next_number();
                if let Some(first) = org_data.databases.first() {
                    let mut database = first.clone();
                    database["id"] = format!("zx{n:010}").into();
                    database["name"] = format!("late-database-{n}").into();
                    org_data.databases.insert(0, database);
                }
            }
            DataChange::RemoveTeamMember => {
                if let Some(team) = org_data.teams.iter_mut().find(|t| Some(t.slug()) == team) {
                    let first = team.user_ids().next().map(str::to_owned);
                    if let Some(id) = first {
                        leave_team(team, &id);
                    }
                }
            }
        }
    }
}

/// A member who joins while a client is paging.
fn late_member(org: &str, n: u64) -> Value {
    let now = now();
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

/// A team created while a client is paging: a copy of the first team with a new identity and no
/// members (`None` when the organization has no team to copy).
fn late_team(org: &OrgData, n: u64) -> Option<TeamData> {
    let mut team = org.teams.first()?.team.clone();
    let name = format!("Late Team {n}");
    team["id"] = json!(format!("zt{n:010}"));
    team["name"] = json!(name);
    team["display_name"] = json!(name);
    team["slug"] = json!(format!("late-team-{n}"));
    team["members"] = json!([]);
    Some(TeamData {
        team,
        members: Vec::new(),
    })
}

/// The first organization member who is not in team `slug` joins it, at the head of its list.
fn add_team_member(org: &mut OrgData, team_slug: Option<&str>, n: u64) {
    let OrgData { members, teams, .. } = org;
    let Some(team) = teams.iter_mut().find(|t| Some(t.slug()) == team_slug) else {
        return;
    };
    let in_team = |user: &Value| team.members.iter().any(|m| m["user"]["id"] == user["id"]);
    let Some(user) = members
        .iter()
        .map(|m| &m["user"])
        .find(|u| !in_team(u))
        .cloned()
    else {
        return;
    };
    let joined = user["created_at"].clone();
    join_team(team, user, format!("zm{n:010}"), joined);
}

/// `user` (a User object) joins `team` at the head of its list, with membership id `id`, at
/// time `at`; the membership.
pub(crate) fn join_team(team: &mut TeamData, user: Value, id: String, at: Value) -> Value {
    let membership = json!({
        "id": id,
        "user": user,
        "created_at": at,
        "updated_at": at,
        "passwords": [],
    });
    if let Some(users) = team.team["members"].as_array_mut() {
        users.insert(0, user);
    }
    team.members.insert(0, membership.clone());
    membership
}

/// User `user_id` leaves `team`; whether they were in it.
pub(crate) fn leave_team(team: &mut TeamData, user_id: &str) -> bool {
    let before = team.members.len();
    team.members.retain(|m| m["user"]["id"] != user_id);
    if let Some(users) = team.team["members"].as_array_mut() {
        users.retain(|u| u["id"] != user_id);
    }
    team.members.len() != before
}

/// Removes user `user_id` from the organization and from its teams; whether they were a member.
pub(crate) fn remove_member(org: &mut OrgData, user_id: &str) -> bool {
    let before = org.members.len();
    org.members.retain(|m| m["user"]["id"] != user_id);
    for team in &mut org.teams {
        leave_team(team, user_id);
    }
    org.members.len() != before
}

/// Now, as the API writes timestamps.
pub(crate) fn now() -> Value {
    json!(timestamp(now_millis()))
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or_default()
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
