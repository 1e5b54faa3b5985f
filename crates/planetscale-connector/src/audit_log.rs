//! The optional audit-log part: each organization's audit log (`GET …/audit-log`, access
//! `read_audit_logs`) as the connector's [`EventFeed`], so that a sync keeps who changed what.
//!
//! Validation reads page 1 of every organization's log (the access check) and keeps it for the
//! feed, so a sync reads each page once. The feed walks the organizations one after the other,
//! each from its newest entry back to the start the engine asks for (the previous sync's start;
//! on a first sync, [`Options::audit_log_days`](crate::Options::audit_log_days) ago), and
//! stops paging an organization at the first page that reaches back past that start. Its
//! cursor is `<org index>:<starting_after>`.
//!
//! How an entry becomes an event (the API documents neither the actions' full list nor their
//! metadata, so the raw action is always kept and an unknown one is a change of its target):
//! - `updated_role`, `joined`, `added_member`, `created` of an `organization_membership`,
//!   `granted_access`: a [`EventKind::Grant`] to the entry's target (a user or token) on the
//!   entry's auditable (the organization, the team), of the role in `metadata.role` when there
//!   is one;
//! - `removed_member`, `revoked_access`, `deleted` of a membership: a [`EventKind::Revoke`];
//! - sign-ins, connections and views: a [`EventKind::Usage`];
//! - anything else: a [`EventKind::ResourceChange`] of the target (else the auditable).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use connector_sdk::{
    ConnectorError, ErrorKind, ResourceId, Timestamp,
    events::{Actor, EventFeed, EventKind, EventPage, EventRequest, EventResource, FeedEvent},
};
use planetscale_client::{AUDIT_LOG_MAX_LIMIT, AuditEntry, AuditLogPage};

use crate::api::Api;
use crate::cache::OrgEntry;
use crate::errors::map_client_error;
use crate::syncers::{
    database, invitation, oauth_application, organization, service_token, team, timestamp, user,
};

/// Validation, which finds the organizations whose log the feed reads: the feed runs it when
/// this process has not validated.
#[async_trait]
pub(crate) trait Validation: fmt::Debug + Send + Sync {
    /// Checks what the token reaches, recording the readable organizations in [`Probed`].
    async fn check_reach(&self) -> Result<(), ConnectorError>;
}

/// What validation found for the feed: the organizations whose log it may read, in order,
/// and the first page of each.
#[derive(Debug, Default)]
pub(crate) struct Probed {
    orgs: Mutex<Option<Vec<OrgEntry>>>,
    first_pages: Mutex<HashMap<String, AuditLogPage>>,
}

impl Probed {
    /// Records the organizations validation checked (before their pages arrive).
    pub(crate) fn set_orgs(&self, orgs: Vec<OrgEntry>) {
        *self.orgs.lock().unwrap_or_else(PoisonError::into_inner) = Some(orgs);
    }

    /// Keeps `org`'s first page for the feed.
    pub(crate) fn put_first_page(&self, org: &OrgEntry, page: AuditLogPage) {
        let mut pages = self
            .first_pages
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pages.insert(org.id.clone(), page);
    }

    fn orgs(&self) -> Option<Vec<OrgEntry>> {
        self.orgs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn take_first_page(&self, org: &OrgEntry) -> Option<AuditLogPage> {
        let mut pages = self
            .first_pages
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pages.remove(&org.id)
    }
}

/// Page 1 of `org`'s audit log: `None` when the access is missing (PlanetScale's 404).
pub(crate) async fn first_page(
    api: &Api,
    org: &OrgEntry,
) -> Result<Option<AuditLogPage>, ConnectorError> {
    match api
        .client
        .list_audit_log(&org.name, None, AUDIT_LOG_MAX_LIMIT)
        .await
    {
        Ok(page) => Ok(Some(page)),
        Err(e) if e.is_not_found() || e.is_forbidden() => Ok(None),
        Err(e) => Err(map_client_error(
            e,
            &format!("reading the audit log of organization {}", org.name),
        )),
    }
}

/// The audit logs of the organizations validation found readable, as an [`EventFeed`].
#[derive(Clone, Debug)]
pub(crate) struct AuditLogFeed {
    pub(crate) api: Api,
    /// What validation found.
    pub(crate) probed: Arc<Probed>,
    /// Validation, for when it has not run.
    pub(crate) validation: Arc<dyn Validation>,
    /// How far back a first sync reads.
    pub(crate) days: u32,
}

#[async_trait]
impl EventFeed for AuditLogFeed {
    async fn list_events(&self, request: EventRequest) -> Result<EventPage, ConnectorError> {
        // `request.page_size` is not PlanetScale's to choose: its pages hold 100 entries at
        // most, below baton's limit.
        let probed = &self.probed;
        let orgs = match probed.orgs() {
            Some(orgs) => orgs,
            None => {
                // Not validated in this process: validation finds the organizations.
                self.validation.check_reach().await?;
                probed.orgs().unwrap_or_default()
            }
        };
        let (index, after) = parse_cursor(request.cursor.as_deref())?;
        let Some(org) = orgs.get(index) else {
            return Ok(EventPage::default());
        };
        let start = request.start_at.unwrap_or_else(|| self.default_start());
        let page = match (&after, probed.take_first_page(org)) {
            (None, Some(page)) => page,
            _ => self
                .api
                .client
                .list_audit_log(&org.name, after.as_deref(), AUDIT_LOG_MAX_LIMIT)
                .await
                .map_err(|e| {
                    map_client_error(
                        e,
                        &format!("reading the audit log of organization {}", org.name),
                    )
                })?,
        };
        let mut reached_start = false;
        let mut events = Vec::new();
        for entry in &page.data {
            let event = event_of(entry, org);
            if event.occurred_at < start {
                reached_start = true;
            } else {
                events.push(event);
            }
        }
        let next_org = || (index + 1 < orgs.len()).then(|| format!("{}:", index + 1));
        let cursor = match page.next_cursor() {
            Some(next) if !reached_start => {
                if after.as_deref() == Some(next) {
                    return Err(ConnectorError::new(
                        ErrorKind::Internal,
                        format!(
                            "the audit log of organization {} announced the page it was on as \
                             its next ({next})",
                            org.name
                        ),
                    ));
                }
                Some(format!("{index}:{next}"))
            }
            _ => next_org(),
        };
        Ok(EventPage { events, cursor })
    }
}

impl AuditLogFeed {
    fn default_start(&self) -> Timestamp {
        let days = Duration::from_secs(u64::from(self.days) * 24 * 3600);
        Timestamp::from(SystemTime::now() - days)
    }
}

/// `<org index>:<starting_after>` → the index and the cursor (`None`: the first page).
fn parse_cursor(cursor: Option<&str>) -> Result<(usize, Option<String>), ConnectorError> {
    let Some(cursor) = cursor else {
        return Ok((0, None));
    };
    let parsed = cursor
        .split_once(':')
        .and_then(|(i, after)| Some((i.parse::<usize>().ok()?, after)));
    match parsed {
        Some((index, "")) => Ok((index, None)),
        Some((index, after)) => Ok((index, Some(after.to_owned()))),
        None => Err(ConnectorError::new(
            ErrorKind::InvalidArgument,
            format!("the audit-log cursor {cursor:?} is not <org index>:<entry id>"),
        )),
    }
}

/// The action's verb: `organization.updated_role` and `updated_role` both give `updated_role`.
fn verb(entry: &AuditEntry) -> &str {
    let action = match entry.audit_action.trim() {
        "" => entry.action.trim(),
        action => action,
    };
    action.rsplit('.').next().unwrap_or(action)
}

/// The raw action: `audit_action` when the API sent one, else `action`.
fn raw_action(entry: &AuditEntry) -> String {
    match entry.audit_action.trim() {
        "" => entry.action.trim().to_owned(),
        action => action.to_owned(),
    }
}

/// The connector's resource type of an API object type (`User` → `user`); an object type the
/// connector does not sync keeps its name in snake case.
fn resource_type(api_type: &str) -> String {
    match api_type {
        "User" => user::ID.to_owned(),
        "Organization" => organization::ID.to_owned(),
        "Team" => team::ID.to_owned(),
        "Database" => database::ID.to_owned(),
        "ServiceToken" => service_token::ID.to_owned(),
        "OrganizationInvitation" | "Invitation" => invitation::ID.to_owned(),
        "OauthApplication" | "OAuthApplication" => oauth_application::ID.to_owned(),
        other => {
            let mut snake = String::new();
            for (i, c) in other.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            }
            snake
        }
    }
}

fn object(kind: Option<&str>, id: Option<&str>, name: &str) -> Option<EventResource> {
    let (kind, id) = (kind?.trim(), id?.trim());
    (!kind.is_empty() && !id.is_empty())
        .then(|| EventResource::new(ResourceId::new(resource_type(kind), id), name))
}

/// The event an entry of `org`'s log records (see the module docs for the mapping).
pub(crate) fn event_of(entry: &AuditEntry, org: &OrgEntry) -> FeedEvent {
    let target = object(
        entry.target_type.as_deref(),
        entry.target_id.as_deref(),
        entry.target_display_name.as_deref().unwrap_or_default(),
    );
    let auditable = object(
        entry.auditable_type.as_deref(),
        entry.auditable_id.as_deref(),
        &entry.auditable_display_name,
    )
    .unwrap_or_else(|| EventResource::new(ResourceId::new(organization::ID, &org.id), &org.name));
    let actor = entry.actor_id.as_deref().map(|id| {
        let api_type = entry.actor_type.as_deref().unwrap_or("User");
        Actor {
            principal: EventResource::new(
                ResourceId::new(resource_type(api_type), id),
                &entry.actor_display_name,
            ),
            kind: match api_type {
                "User" => "user".to_owned(),
                "ServiceToken" => "service token".to_owned(),
                other => resource_type(other).replace('_', " "),
            },
        }
    });
    let verb = verb(entry);
    let membership = entry.target_type.as_deref() == Some("OrganizationMembership");
    let kind = match verb {
        "updated_role" | "joined" | "added_member" | "granted_access" => EventKind::Grant,
        "created" if membership => EventKind::Grant,
        "removed_member" | "revoked_access" | "left" => EventKind::Revoke,
        "deleted" if membership => EventKind::Revoke,
        "signed_in" | "logged_in" | "login" | "connected" | "viewed" | "accessed" => {
            EventKind::Usage
        }
        _ => EventKind::ResourceChange,
    };
    let metadata: Vec<(String, String)> = entry
        .metadata
        .iter()
        .flatten()
        .map(|(key, value)| {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (key.clone(), text)
        })
        .collect();
    let role = metadata
        .iter()
        .find(|(k, _)| k == "role")
        .map(|(_, v)| v.to_ascii_lowercase());
    let (target, entitlement_id, principal) = match kind {
        EventKind::Grant | EventKind::Revoke => {
            // The entitlement: the role on the organization, membership of a team.
            let slug = match auditable.id.resource_type.as_str() {
                t if t == organization::ID => role.filter(|r| !r.is_empty()),
                t if t == team::ID => Some("member".to_owned()),
                _ => None,
            };
            let entitlement = slug.map(|s| connector_sdk::ids::entitlement_id(&auditable.id, &s));
            (Some(auditable), entitlement, target)
        }
        _ => (target.or(Some(auditable)), None, None),
    };
    FeedEvent {
        id: entry.id.clone(),
        occurred_at: timestamp(Some(&entry.created_at)).unwrap_or_default(),
        kind,
        actor,
        target,
        entitlement_id,
        principal,
        action: raw_action(entry),
        remote_ip: entry.remote_ip.clone().filter(|s| !s.is_empty()),
        location: entry.location.clone().filter(|s| !s.is_empty()),
        metadata,
    }
    .redacted()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(json: serde_json::Value) -> AuditEntry {
        serde_json::from_value(json).unwrap()
    }

    fn acme() -> OrgEntry {
        OrgEntry {
            id: "o1".into(),
            name: "acme".into(),
        }
    }

    #[test]
    fn a_role_change_is_a_grant_of_the_role_to_the_member_by_its_actor() {
        let e = event_of(
            &entry(serde_json::json!({
                "id": "a1", "actor_id": "u1", "actor_type": "User",
                "actor_display_name": "bob@acme.example",
                "auditable_id": "o1", "auditable_type": "Organization",
                "auditable_display_name": "acme",
                "target_id": "u2", "target_type": "User", "target_display_name": "chloe@acme.example",
                "action": "updated_role", "audit_action": "organization.updated_role",
                "remote_ip": "203.0.113.7", "location": "Lisbon, Portugal",
                "created_at": "2026-12-03T14:02:11.000Z", "updated_at": "2026-12-03T14:02:11.000Z",
                "metadata": {"role": "admin", "previous_role": "member", "api_token": "pscale_tkn_x"}
            })),
            &acme(),
        );
        assert_eq!(e.kind, EventKind::Grant);
        assert_eq!(e.entitlement_id.as_deref(), Some("organization:o1:admin"));
        assert_eq!(e.principal.unwrap().id, ResourceId::new("user", "u2"));
        let actor = e.actor.unwrap();
        assert_eq!(actor.kind, "user");
        assert_eq!(actor.principal.display_name, "bob@acme.example");
        assert_eq!(e.action, "organization.updated_role");
        assert_eq!(e.remote_ip.as_deref(), Some("203.0.113.7"));
        let keys: Vec<&str> = e.metadata.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["previous_role", "role"], "the token is dropped");
    }

    #[test]
    fn an_unknown_action_is_a_change_of_its_target_and_a_removal_a_revoke() {
        let e = event_of(
            &entry(serde_json::json!({
                "id": "a2", "actor_id": "t1", "actor_type": "ServiceToken",
                "actor_display_name": "ci", "target_id": "b1", "target_type": "DatabaseBranch",
                "action": "frobnicated", "audit_action": "", "created_at": "2026-12-03T14:02:11Z"
            })),
            &acme(),
        );
        assert_eq!(e.kind, EventKind::ResourceChange);
        assert_eq!(
            e.target.unwrap().id,
            ResourceId::new("database_branch", "b1")
        );
        assert_eq!(e.actor.unwrap().kind, "service token");
        let e = event_of(
            &entry(serde_json::json!({
                "id": "a3", "action": "removed_member", "target_id": "u2", "target_type": "User",
                "created_at": "2026-12-03T14:02:11Z"
            })),
            &acme(),
        );
        assert_eq!(e.kind, EventKind::Revoke);
        assert_eq!(e.target.unwrap().id, ResourceId::new("organization", "o1"));
        assert_eq!(e.entitlement_id, None, "no role named: any role matches");
    }

    #[test]
    fn cursors_name_the_organization_and_the_entry() {
        assert_eq!(parse_cursor(None).unwrap(), (0, None));
        assert_eq!(parse_cursor(Some("2:")).unwrap(), (2, None));
        assert_eq!(
            parse_cursor(Some("1:za01")).unwrap(),
            (1, Some("za01".into()))
        );
        assert!(parse_cursor(Some("x")).is_err());
    }
}
