//! The [`Connector`], the top of the crate: metadata, validation of the service token (one probe
//! per optional part), the list of syncers and the audit-log feed.

use std::sync::Arc;

use async_trait::async_trait;
use connector_sdk::{
    Check, CheckStatus, Connector, ConnectorError, ErrorKind, ResourceSyncer, Usage,
    ValidationReport, events::EventFeed,
};
use futures::{StreamExt, TryStreamExt};
use planetscale_client::Client;

use crate::api::{Api, ORGS, Prefetch, Shared, fetched, members_key, org_entry};
use crate::cache::OrgEntry;
use crate::errors::map_client_error;
use crate::parts::{Lists, Options, Part, PartReach, READ_ORGANIZATION};
use crate::syncers::{DatabaseSyncer, OrganizationSyncer, TeamSyncer, UserSyncer};

/// How many organizations validation checks at once.
const VALIDATION_CONCURRENCY: usize = 8;

/// The PlanetScale connector: syncs every organization the service token reaches, its members
/// as users with their organization roles, its teams with their members, and the databases
/// teams and tokens name with who administers and reads them; and, as [`Options`] choose, every
/// database, service tokens, OAuth applications with their tokens, and pending invitations.
///
/// A sync needs the `read_organization` access on each organization, and each option the access
/// it names; provisioning (organization roles, team membership, invitations: see the crate docs)
/// needs the write accesses, which [`report_provisioning`](Connector::report_provisioning)
/// checks. [`validate`](Connector::validate) keeps the pages it fetches (the organization list
/// and page 1 of each list it checks) for the sync that follows, so a whole run fetches each page
/// once.
#[derive(Clone, Debug)]
pub struct PlanetScaleConnector {
    api: Api,
    /// What validation found for the audit-log feed.
    pub(crate) audit: Arc<crate::audit_log::Probed>,
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
    /// The optional parts the sync covers, each checked (only where `access` is
    /// [`OrgAccess::Ok`]).
    pub parts: Vec<PartReach>,
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
    /// A connector that reads PlanetScale through `client`, without the optional parts.
    pub fn new(client: Client) -> Self {
        PlanetScaleConnector::with_options(client, Options::default())
    }

    /// A connector that reads PlanetScale through `client`, with the optional parts `options`
    /// turns on.
    pub fn with_options(client: Client, options: Options) -> Self {
        PlanetScaleConnector {
            api: Api {
                client,
                shared: Arc::new(Shared::default()),
                options,
            },
            audit: Arc::default(),
        }
    }

    /// The client, e.g. for its request statistics.
    pub fn client(&self) -> &Client {
        &self.api.client
    }

    /// The optional parts this connector syncs.
    pub fn options(&self) -> Options {
        self.api.options
    }

    /// What the token reaches: lists the organizations and fetches page 1 of each one's members,
    /// which is exactly the `read_organization` check, and page 1 of each list the options add
    /// (the check of its access). Those pages are kept for the next sync's first requests.
    ///
    /// A refused token is an [`ErrorKind::Unauthenticated`] error; an organization without an
    /// access is reported in the result, not as an error.
    pub async fn reach(&self) -> Result<Reach, ConnectorError> {
        let mut prefetch = Prefetch::default();
        let list = self.api.orgs_list();
        let pages = list.fetch_all(|page| self.api.fetch_org_page(page)).await?;
        let mut orgs = Vec::new();
        for (number, page) in (1..).zip(pages) {
            orgs.extend(page.items.iter().map(org_entry));
            prefetch.put(ORGS, number, page);
        }
        let checked: Vec<(OrgReach, Prefetch)> = futures::stream::iter(orgs)
            .map(|org| self.check_org(org))
            .buffered(VALIDATION_CONCURRENCY)
            .try_collect()
            .await?;
        if self.api.options.audit_log {
            let readable = checked.iter().filter(|(o, _)| {
                let part = o.parts.iter().find(|p| p.part == Part::AuditLog);
                part.is_some_and(|p| p.readable == Some(true))
            });
            let orgs = readable.map(|(o, _)| OrgEntry {
                id: o.id.clone(),
                name: o.name.clone(),
            });
            self.audit.set_orgs(orgs.collect());
        }
        let mut reach = Reach::default();
        for (org, pages) in checked {
            reach.organizations.push(org);
            prefetch.extend(pages);
        }
        self.api.shared.set_prefetch(prefetch);
        Ok(reach)
    }

    /// Page 1 of each list `org` needs: its members (`read_organization`), then, when that
    /// works, each optional part's; the pages read are returned for the sync.
    async fn check_org(&self, org: OrgEntry) -> Result<(OrgReach, Prefetch), ConnectorError> {
        let api = &self.api;
        let mut prefetch = Prefetch::default();
        let mut reach = OrgReach {
            id: org.id.clone(),
            name: org.name.clone(),
            access: OrgAccess::MissingReadOrganization,
            members: None,
            parts: Vec::new(),
        };
        let members = match api.client.list_members(&org.name, 1).await {
            Ok(page) => fetched(page),
            Err(e) if e.is_not_found() || e.is_forbidden() => return Ok((reach, prefetch)),
            Err(e) => {
                let context = format!("checking read_organization on organization {}", org.name);
                return Err(map_client_error(e, &context));
            }
        };
        reach.access = OrgAccess::Ok;
        reach.members = members.total_count;
        prefetch.put(&members_key(&org), 1, members);
        for part in api.options.parts() {
            let found = match crate::syncers::probe(api, part, &org, &mut prefetch).await? {
                Some(found) => found,
                None => self.probe_events(&org).await?,
            };
            reach.parts.push(found);
        }
        Ok((reach, prefetch))
    }

    /// Page 1 of `org`'s audit log, for validation, kept for the feed.
    async fn probe_events(&self, org: &OrgEntry) -> Result<PartReach, ConnectorError> {
        let page = crate::audit_log::first_page(&self.api, org).await?;
        let readable = page.is_some();
        if let Some(page) = page {
            self.audit.put_first_page(org, page);
        }
        Ok(PartReach {
            part: Part::AuditLog,
            readable: Some(readable),
            count: None,
        })
    }
}

#[async_trait]
impl crate::audit_log::Validation for PlanetScaleConnector {
    async fn check_reach(&self) -> Result<(), ConnectorError> {
        self.reach().await.map(drop)
    }
}

#[async_trait]
impl Connector for PlanetScaleConnector {
    /// One check per organization the token reaches (whether `read_organization` works there,
    /// and how many members it has) and per optional part there; a row per part that is off,
    /// and one for what the API cannot show. JSON scripts also get `organizations`.
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
        let mut checks = Vec::new();
        for o in &reach.organizations {
            let scope = format!("organization {}", o.name);
            checks.push(match o.access {
                OrgAccess::Ok => Check::ok(&scope, READ_ORGANIZATION, "").with_detail(
                    o.members
                        .map(|n| format!("{n} members"))
                        .unwrap_or_default(),
                ),
                _ => Check::missing(
                    &scope,
                    READ_ORGANIZATION,
                    "PlanetScale answered 404 on its members: open the organization's \
                     Organization settings → Service tokens and add the read_organization \
                     access to the token",
                ),
            });
            checks.extend(o.parts.iter().map(|p| part_check(&scope, &o.name, p)));
        }
        let options = self.api.options;
        let mut off: Vec<Part> = Part::ALL
            .into_iter()
            .filter(|p| !options.covers(*p))
            .collect();
        off.dedup_by_key(|p| p.setting());
        checks.extend(off.into_iter().map(off_check));
        checks.push(Check {
            scope: "databases".to_owned(),
            name: "Database Administrator granted to one person".to_owned(),
            status: CheckStatus::Skipped,
            detail: "not visible through PlanetScale's API: database access is synced through \
                     teams and organization roles only"
                .to_owned(),
            remedy: String::new(),
        });
        let organizations = reach
            .organizations
            .iter()
            .map(|o| {
                let mut json = serde_json::json!({
                    "id": o.id,
                    "name": o.name,
                    "readOrganization": o.access == OrgAccess::Ok,
                    "members": o.members,
                });
                for p in &o.parts {
                    json[p.part.access()] = serde_json::json!(p.readable);
                }
                json
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

    /// The organizations first and the databases last: the database listing reads the pages
    /// the team, token and application listings fetched (see `syncers::database`).
    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        let api = &self.api;
        let mut syncers: Vec<Arc<dyn ResourceSyncer>> = vec![
            Arc::new(OrganizationSyncer::new(api.clone())),
            Arc::new(UserSyncer::new(api.clone())),
            Arc::new(TeamSyncer::new(api.clone())),
        ];
        syncers.extend(crate::syncers::optional(api));
        syncers.push(Arc::new(DatabaseSyncer::new(api.clone())));
        syncers
    }

    /// Each organization's audit log, when [`Options::audit_log`] is on.
    fn event_feed(&self) -> Option<Arc<dyn EventFeed>> {
        let options = self.api.options;
        options.audit_log.then(|| {
            Arc::new(crate::audit_log::AuditLogFeed {
                api: self.api.clone(),
                probed: self.audit.clone(),
                validation: Arc::new(self.clone()),
                days: options.audit_log_days,
            }) as Arc<dyn EventFeed>
        })
    }
}

/// The check of one optional part in organization `org`.
fn part_check(scope: &str, org: &str, p: &PartReach) -> Check {
    let (access, items) = (p.part.access(), p.part.items());
    match p.readable {
        Some(true) => Check::ok(scope, access, "")
            .with_detail(p.count.map(|n| format!("{n} {items}")).unwrap_or_default()),
        Some(false) => Check::missing(
            scope,
            access,
            format!(
                "PlanetScale answered 404 on its {items}: open {org}'s Organization settings → \
                 Service tokens and add the {access} access to the token, or turn off {}",
                p.part.setting()
            ),
        ),
        None => Check {
            scope: scope.to_owned(),
            name: access.to_owned(),
            status: CheckStatus::Skipped,
            detail: format!("no OAuth application to check {access} on"),
            remedy: String::new(),
        },
    }
}

/// The row of an optional part that is off, naming the accesses its setting needs.
fn off_check(part: Part) -> Check {
    let needs: Vec<&str> = Part::ALL
        .into_iter()
        .filter(|p| p.setting() == part.setting())
        .map(Part::access)
        .collect();
    let (setting, needs) = (part.setting(), needs.join(" and "));
    let detail = match part.lists() {
        Lists::More => format!(
            "only the databases teams and tokens name are synced: turn on {setting} to sync \
             every database (needs {needs})"
        ),
        _ => format!(
            "{} are not synced: turn on {setting} to sync them (needs {needs})",
            part.items()
        ),
    };
    Check {
        scope: "all organizations".to_owned(),
        name: part.access().to_owned(),
        status: CheckStatus::Skipped,
        detail,
        remedy: String::new(),
    }
}
