//! The [`Connector`]: metadata, validation of the service token, and the list of syncers.

use std::sync::Arc;

use async_trait::async_trait;
use connector_sdk::{
    Check, Connector, ConnectorError, ErrorKind, Metadata, ResourceSyncer, Usage, ValidationReport,
};
use futures::{StreamExt, TryStreamExt};
use planetscale_client::Client;

use crate::syncers::{Api, OrganizationSyncer, Prefetch, Shared, TeamSyncer, UserSyncer, fetched};

/// The access every organization needs.
const READ_ORGANIZATION: &str = "read_organization";

/// How many organizations' first member pages validation fetches at once.
const VALIDATION_CONCURRENCY: usize = 8;

/// The PlanetScale connector: syncs every organization the service token reaches, its members
/// as users with their organization roles, and its teams with their members.
///
/// A sync needs only the `read_organization` access on each organization; provisioning
/// (organization roles, team membership, invitations: see the crate docs) needs the write
/// accesses, which [`report_provisioning`](Connector::report_provisioning) checks.
/// [`validate`](Connector::validate) keeps the pages it fetches (the organization list and page 1
/// of each organization's members) for the sync that follows, so a whole run fetches each page
/// once.
#[derive(Clone, Debug)]
pub struct PlanetScaleConnector {
    api: Api,
}

/// What the service token reaches: each organization, and whether `read_organization` works there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// The organizations `GET /organizations` returned, in its order.
    pub organizations: Vec<OrgReach>,
}

/// One organization the token reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgReach {
    /// The organization's id.
    pub id: String,
    /// The organization's name (used in API paths and the web console).
    pub name: String,
    /// Whether the token may read the organization's members and teams.
    pub access: OrgAccess,
    /// The member count the first member page reported, when it could be read.
    pub members: Option<u64>,
}

/// Whether the service token can sync one organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrgAccess {
    /// The members list answered: `read_organization` is granted.
    Ok,
    /// The members list answered 404 or 403: the token lacks `read_organization` there.
    MissingReadOrganization,
}

impl Reach {
    /// The organizations where the token lacks `read_organization`.
    pub fn missing_access(&self) -> impl Iterator<Item = &OrgReach> {
        self.organizations
            .iter()
            .filter(|o| o.access == OrgAccess::MissingReadOrganization)
    }
}

impl PlanetScaleConnector {
    /// A connector that reads PlanetScale through `client`.
    pub fn new(client: Client) -> Self {
        PlanetScaleConnector {
            api: Api {
                client,
                shared: Arc::new(Shared::default()),
            },
        }
    }

    /// The client, e.g. for its request statistics.
    pub fn client(&self) -> &Client {
        &self.api.client
    }

    /// What the token reaches: lists the organizations and fetches page 1 of each one's members,
    /// which is exactly the `read_organization` check. Those pages are kept for the next sync's
    /// first requests.
    ///
    /// A refused token is an [`ErrorKind::Unauthenticated`] error; an organization without
    /// `read_organization` is reported in the result, not as an error.
    pub async fn reach(&self) -> Result<Reach, ConnectorError> {
        let client = &self.api.client;
        let mut prefetch = Prefetch::default();
        let pages = (self.api.orgs_list())
            .fetch_all(|page| async move {
                client
                    .list_organizations(page)
                    .await
                    .map(fetched)
                    .map_err(|e| {
                        map_client_error(e, "listing the organizations the service token reaches")
                    })
            })
            .await?;
        let mut orgs = Vec::new();
        for (number, page) in (1..).zip(pages) {
            orgs.extend(page.items.iter().map(|o| (o.id.clone(), o.name.clone())));
            prefetch.org_pages.insert(number, page);
        }

        let first_pages: Vec<_> = futures::stream::iter(orgs)
            .map(|(id, name)| async move {
                match client.list_members(&name, 1).await {
                    Ok(page) => Ok((id, name, Some(fetched(page)))),
                    Err(e) if e.is_not_found() || e.is_forbidden() => Ok((id, name, None)),
                    Err(e) => Err(map_client_error(
                        e,
                        &format!("checking read_organization on organization {name}"),
                    )),
                }
            })
            .buffered(VALIDATION_CONCURRENCY)
            .try_collect()
            .await?;

        let mut reach = Reach::default();
        for (id, name, page) in first_pages {
            let (access, members) = match &page {
                Some(page) => (OrgAccess::Ok, page.total_count),
                None => (OrgAccess::MissingReadOrganization, None),
            };
            reach.organizations.push(OrgReach {
                id: id.clone(),
                name,
                access,
                members,
            });
            if let Some(page) = page {
                prefetch.first_member_pages.insert(id, page);
            }
        }
        self.api.shared.set_prefetch(prefetch);
        Ok(reach)
    }
}

#[async_trait]
impl Connector for PlanetScaleConnector {
    fn metadata(&self) -> Metadata {
        Metadata {
            display_name: "PlanetScale".to_owned(),
            description: "Syncs PlanetScale organizations with their member, admin and analyst \
                          roles, the organization members as users, and teams with their members. \
                          A sync needs read_organization; provisioning (roles, team \
                          membership, invitations) needs write_organization, write_teams and \
                          write_members."
                .to_owned(),
        }
    }

    async fn validate(&self) -> Result<(), ConnectorError> {
        self.report().await?.verdict()
    }

    /// One check per organization the token reaches: whether `read_organization` works there
    /// (and how many members it has). JSON scripts also get `organizations`, as before.
    async fn report(&self) -> Result<ValidationReport, ConnectorError> {
        let reach = self.reach().await?;
        if reach.organizations.is_empty() {
            return Err(ConnectorError::new(
                ErrorKind::PermissionDenied,
                "the service token reaches no organization: in PlanetScale, open Organization \
                 settings → Service tokens and give the token the read_organization access on \
                 each organization to sync",
            ));
        }
        let checks = reach
            .organizations
            .iter()
            .map(|o| {
                let scope = format!("organization {}", o.name);
                match o.access {
                    OrgAccess::Ok => Check::ok(scope, READ_ORGANIZATION, "").with_detail(
                        o.members
                            .map(|n| format!("{n} members"))
                            .unwrap_or_default(),
                    ),
                    _ => Check::missing(
                        scope,
                        READ_ORGANIZATION,
                        "PlanetScale answered 404 on its members: open the organization's \
                         Organization settings → Service tokens and add the read_organization \
                         access to the token",
                    ),
                }
            })
            .collect();
        let organizations = reach
            .organizations
            .iter()
            .map(|o| {
                serde_json::json!({
                    "id": o.id,
                    "name": o.name,
                    "readOrganization": o.access == OrgAccess::Ok,
                    "members": o.members,
                })
            })
            .collect();
        let mut details = serde_json::Map::new();
        details.insert(
            "organizations".into(),
            serde_json::Value::Array(organizations),
        );
        Ok(ValidationReport { checks, details })
    }

    /// One check per write access (`write_organization`, `write_teams`, `write_members`) per
    /// organization: read from the token's own accesses when it has `read_service_tokens`,
    /// else unknown, with how to check by hand.
    async fn report_provisioning(&self) -> Result<Vec<Check>, ConnectorError> {
        crate::provision::access::report(&self.api).await
    }

    fn usage(&self) -> Option<Usage> {
        let stats = self.api.client.stats();
        Some(Usage {
            requests: stats.requests,
            retries: stats.retries,
            rate_limited: stats.rate_limited,
            rate_limit_wait: stats.rate_limit_wait,
            waiting: self.api.client.pacing().quota_wait.map(|w| w.waited),
        })
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        vec![
            Arc::new(OrganizationSyncer::new(self.api.clone())),
            Arc::new(UserSyncer::new(self.api.clone())),
            Arc::new(TeamSyncer::new(self.api.clone())),
        ]
    }
}

/// Maps a client error to the connector error the engine acts on: 401 → `Unauthenticated`,
/// 403 → `PermissionDenied`, 404 → `NotFound`, retryable (429, 5xx, timeouts, connection
/// failures; the client already retried) → `Unavailable`, anything else → `Internal`.
///
/// `context` says what was being done. The message never holds a response body or the token;
/// the client error is attached as the source.
pub fn map_client_error(e: planetscale_client::Error, context: &str) -> ConnectorError {
    let status = match e.status() {
        Some(status) => format!("HTTP {status}"),
        None => "no HTTP answer".to_owned(),
    };
    let (kind, detail) = if e.is_quota_exhausted() {
        // Not `Unavailable`: the client already waited out its whole rate-limit budget, and
        // the engine's retries would wait it out again.
        (
            ErrorKind::ResourceExhausted,
            "PlanetScale's rate limit refused requests for longer than the rate-limit budget \
             (rate-limit-budget-minutes)"
                .to_owned(),
        )
    } else if e.is_unauthorized() {
        (
            ErrorKind::Unauthenticated,
            "the service token was refused (401 Unauthorized): check planetscale-service-token \
             (the <token-id>:<token> pair) and that the token was not deleted or expired"
                .to_owned(),
        )
    } else if e.is_forbidden() {
        (
            ErrorKind::PermissionDenied,
            "PlanetScale answered 403 Forbidden: the service token lacks the access this needs \
             (read_organization)"
                .to_owned(),
        )
    } else if e.is_not_found() {
        (
            ErrorKind::NotFound,
            "PlanetScale answered 404 Not Found".to_owned(),
        )
    } else if e.is_retryable() {
        (
            ErrorKind::Unavailable,
            format!("PlanetScale is unavailable ({status}), even after retries"),
        )
    } else {
        (
            ErrorKind::Internal,
            format!("unexpected answer from PlanetScale ({status})"),
        )
    };
    ConnectorError::new(kind, format!("{context}: {detail}")).with_source(e)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn an_exhausted_quota_is_not_retried_and_names_the_budget() {
        let e = planetscale_client::Error::QuotaExhausted {
            endpoint: "GET /v1/organizations/acme/members".into(),
            refusals: 40,
            waited: Duration::from_secs(900),
            budget: Duration::from_secs(900),
            server_wait: None,
            requests_per_minute: Some(60),
        };
        let mapped = map_client_error(e, "listing the members of organization acme");
        assert_eq!(mapped.kind(), ErrorKind::ResourceExhausted);
        assert!(
            mapped.message().contains("rate-limit-budget-minutes"),
            "{mapped}"
        );
    }
}
