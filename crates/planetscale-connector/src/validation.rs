//! Validation: what the service token reaches ([`Reach`]: each organization, whether
//! `read_organization` works there, and each optional part's list), found by reading page 1 of
//! each list the sync needs (kept for the sync), and the report `validate` prints from it.

use async_trait::async_trait;
use connector_sdk::{Check, CheckStatus, ConnectorError, ErrorKind, ValidationReport};
use futures::{StreamExt, TryStreamExt};

use crate::api::{ORGS, Prefetch, fetched, members_key, org_entry};
use crate::cache::OrgEntry;
use crate::connector::PlanetScaleConnector;
use crate::errors::map_client_error;
use crate::parts::{Lists, Options, Part, PartReach, READ_ORGANIZATION};

/// How many organizations validation checks at once.
const VALIDATION_CONCURRENCY: usize = 8;

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

/// One check per organization the token reaches (whether `read_organization` works there,
/// and how many members it has) and per optional part there; a row per part that is off,
/// and one for what the API cannot show. JSON scripts also get `organizations`.
pub(crate) fn report(reach: Reach, options: Options) -> Result<ValidationReport, ConnectorError> {
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
