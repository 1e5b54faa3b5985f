//! The organization audit log, as PlanetScale's spec describes `list_audit_logs`: cursor
//! paging (`starting_after`, `ending_before`, `limit` from 1 to 100, default 25), newest entry
//! first, only the last [`RETENTION_DAYS`] days served. The write endpoints record an entry for
//! each change they make (`writes.rs`), by the calling service token, or by the user a request's
//! [`ACTOR_USER_HEADER`] names (a change made in the web console, which the fake has not).
//!
//! The spec leaves the combination of `action` and `audit_action`, and the `metadata` of each
//! action, undocumented: the fake writes `action` as the bare verb (`updated_role`) and
//! `audit_action` as `<event type>.<verb>` (`organization.updated_role`), the docs' event-type
//! table, and `metadata` with what the change was (a role, a team), never a secret.

use serde_json::{Value, json};

use crate::OrgData;
use crate::api::Answer;
use crate::generate::timestamp;
use crate::state::now_millis;

/// How many days of audit log the fake serves (PlanetScale's current plans keep 15).
pub const RETENTION_DAYS: i64 = 15;

/// The request header that makes a write's audit entry a user's: the user's id (a member of
/// the organization). Fake only.
pub const ACTOR_USER_HEADER: &str = "x-fake-actor-user";

/// The request header whose address the audit entry records as `remote_ip` (else 127.0.0.1).
pub const REMOTE_IP_HEADER: &str = "x-forwarded-for";

/// The default and the largest `limit`.
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

/// Who made a change, for its audit entry.
#[derive(Clone, Debug, Default)]
pub(crate) struct Actor {
    /// The calling service token's id.
    pub(crate) token_id: String,
    /// The user the actor header named, if any.
    pub(crate) user_id: Option<String>,
    /// The address the change came from.
    pub(crate) remote_ip: Option<String>,
}

impl Actor {
    /// The actor of a request by the token `token_id` with `headers`.
    pub(crate) fn of(headers: &axum::http::HeaderMap, token_id: Option<&str>) -> Actor {
        let header = |name: &str| {
            let value = headers.get(name)?.to_str().ok()?;
            Some(value.split(',').next()?.trim().to_owned())
        };
        Actor {
            token_id: token_id.unwrap_or_default().to_owned(),
            user_id: header(ACTOR_USER_HEADER),
            remote_ip: header(REMOTE_IP_HEADER),
        }
    }
}

/// What one change was, for its audit entry.
pub(crate) struct Change<'a> {
    /// The docs' event type (`organization`, `team`, `organization_invitation`).
    pub(crate) event_type: &'a str,
    /// The verb (`updated_role`, `removed_member`, `added_member`, `created`).
    pub(crate) verb: &'a str,
    /// The object it is filed under: type, id, name.
    pub(crate) auditable: (&'a str, &'a str, &'a str),
    /// The object changed: type, id, name.
    pub(crate) target: (&'a str, &'a str, &'a str),
    /// What the change was.
    pub(crate) metadata: Value,
}

/// Records `change` by `actor` at the top of `org`'s audit log, with id `za<number>`.
pub(crate) fn record(org: &mut OrgData, actor: &Actor, change: Change<'_>, number: u64) {
    let user = actor
        .user_id
        .as_deref()
        .and_then(|id| org.member(id))
        .map(|m| m["user"].clone());
    let (actor_id, actor_type, actor_name) = match &user {
        Some(user) => (
            user["id"].clone(),
            "User",
            user["email"].as_str().unwrap_or_default().to_owned(),
        ),
        None => (
            json!(actor.token_id),
            "ServiceToken",
            actor.token_id.clone(),
        ),
    };
    let remote_ip = actor.remote_ip.as_deref().unwrap_or("127.0.0.1");
    let location = match remote_ip {
        "127.0.0.1" | "::1" => "Localhost",
        _ => "Unknown location",
    };
    let now = json!(timestamp(now_millis()));
    let entry = json!({
        "id": format!("za{number:010}"),
        "actor_id": actor_id,
        "actor_type": actor_type,
        "actor_display_name": actor_name,
        "auditable_id": change.auditable.1,
        "auditable_type": change.auditable.0,
        "auditable_display_name": change.auditable.2,
        "target_id": change.target.1,
        "target_type": change.target.0,
        "target_display_name": change.target.2,
        "action": change.verb,
        "audit_action": format!("{}.{}", change.event_type, change.verb),
        "location": location,
        "remote_ip": remote_ip,
        "created_at": now,
        "updated_at": now,
        "metadata": change.metadata,
    });
    org.audit_log.insert(0, entry);
}

/// The entries of `log` (newest first) still within retention at `now_ms`.
pub(crate) fn retained(log: &[Value], now_ms: i64) -> &[Value] {
    let oldest = now_ms - RETENTION_DAYS * 24 * 3600 * 1000;
    let kept = log
        .iter()
        .take_while(|e| {
            e["created_at"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .is_none_or(|t| t.as_millisecond() >= oldest)
        })
        .count();
    &log[..kept]
}

/// One page of `log` (newest first) as the query asks for it.
pub(crate) fn page(log: &[Value], query: &str) -> Answer {
    let log = retained(log, now_millis());
    let mut limit = DEFAULT_LIMIT;
    let (mut after, mut before) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "limit" => match value.parse::<usize>() {
                Ok(n) if n > 0 => limit = n.min(MAX_LIMIT),
                _ => return bad_request(&format!("limit must be 1 to 100, got {value:?}")),
            },
            "starting_after" => after = Some(value),
            "ending_before" => before = Some(value),
            _ => {}
        }
    }
    let position = |cursor: &str| log.iter().position(|e| e["id"] == cursor);
    let (start, end) = match (after, before) {
        (Some(cursor), _) => match position(cursor) {
            Some(i) => (i + 1, (i + 1 + limit).min(log.len())),
            None => return bad_request("starting_after names no entry"),
        },
        (None, Some(cursor)) => match position(cursor) {
            Some(i) => (i.saturating_sub(limit), i),
            None => return bad_request("ending_before names no entry"),
        },
        (None, None) => (0, limit.min(log.len())),
    };
    let data = &log[start..end];
    let cursor = |e: Option<&Value>| e.map(|e| e["id"].clone()).unwrap_or(Value::Null);
    Answer::json(&json!({
        "type": "list",
        "has_next": end < log.len(),
        "has_prev": start > 0,
        "cursor_start": cursor(data.first()),
        "cursor_end": cursor(data.last()),
        "data": data,
    }))
}

fn bad_request(message: &str) -> Answer {
    Answer::error(axum::http::StatusCode::BAD_REQUEST, "bad_request", message)
}

/// The pages of a first read of `log` at 100 entries a page: what the request formula counts.
pub(crate) fn pages(log: &[Value]) -> usize {
    retained(log, now_millis()).len().div_ceil(MAX_LIMIT).max(1)
}
