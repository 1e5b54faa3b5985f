//! `database`: the databases of each organization (children of the organization resource),
//! with `admin` (Database Administrator) and `analyst` (Database Analyst) entitlements and one
//! per access tokens hold on them.
//!
//! The databases are those the organization's teams name (`databases`, `analyst_databases`)
//! and its tokens' accesses name, read from the pages their own syncers fetched: no request of
//! its own. With [`Options::list_databases`](crate::Options::list_databases) the organization's
//! database list (`GET …/databases`) adds every other database and each one's details.
//!
//! Grants: `admin` and `analyst` to each team that names the database, expandable from the
//! team's `member` entitlement, and to the organization, expandable from its `admin` and
//! `analyst` roles (an Organization Administrator can do everything on every database, an
//! Organization Analyst reads every production branch); each token access to its token. Grant
//! expansion then gives the people their database access, each with the path it comes through.
//! Database Administrator granted to one person directly has no public API, and is not synced.
//!
//! The listing runs once per organization, as one chain over the organizations
//! (`<org index>:p1`) at the top level, last of all types: by then the team, token and
//! application listings have cached every page it reads. Each database still names its
//! organization as its parent.

use std::collections::BTreeMap;

use async_trait::async_trait;
use connector_sdk::paging::PageToken;
use connector_sdk::{
    Annotation, ConnectorError, Entitlement, Grant, ListContext, Page, Profile, Resource,
    ResourceContext, ResourceId, ResourceSyncer, ResourceType, SessionCache, ids,
};
use planetscale_client::{Database, DatabaseRef};

use super::access::{self, Held, Target};
use super::{console_url, organization, put, team, timestamp, user, with_children};
use crate::api::{Api, Prefetch};
use crate::cache::{self, DatabaseEntry, OrgEntry};
use crate::lists::probe as probe_list;
use crate::parts::{Part, PartReach};

pub(crate) const ID: &str = crate::parts::DATABASE;

/// Database Administrator.
const ADMIN: &str = "admin";
/// Database Analyst.
const ANALYST: &str = "analyst";

pub(crate) fn resource_type() -> ResourceType {
    ResourceType::new(ID, "Database", &[]).with_description(
        "A PlanetScale database: who administers it (teams, organization admins), who reads it \
         (teams, organization analysts), and what tokens may do on it",
    )
}

/// Lists the databases of every organization (see the module docs).
#[derive(Debug)]
pub(crate) struct DatabaseSyncer {
    api: Api,
}

impl DatabaseSyncer {
    pub(crate) fn new(api: Api) -> Self {
        DatabaseSyncer { api }
    }

    /// The databases of `org`, each recorded in the session for its entitlements and grants,
    /// and warnings for accesses on branches of databases nobody names.
    async fn org_databases(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
    ) -> Result<(Vec<Resource>, Vec<String>), ConnectorError> {
        let mut entries: BTreeMap<String, DatabaseEntry> = BTreeMap::new();
        for t in self.api.teams(session, org).await? {
            for d in &t.databases {
                entry(&mut entries, org, d).admin_teams.push(t.id.clone());
            }
            for d in &t.analyst_databases {
                entry(&mut entries, org, d).analyst_teams.push(t.id.clone());
            }
        }
        let mut listed: BTreeMap<String, Database> = BTreeMap::new();
        if self.api.options.list_databases {
            let list = self.api.databases_list(org);
            let fetch = |page| self.api.fetch_databases(org, page);
            let mut pages = list
                .paged
                .fetch_all(|page| self.api.first_or(&list.key, page, fetch))
                .await?;
            // A list that changed between its pages is listed again, as every list is.
            let changed = (1..pages.len()).find(|&i| pages[i].total_count != pages[0].total_count);
            if let Some(i) = changed {
                list.paged.recheck(session, 1, &pages[0], fetch).await?;
                let fresh = list
                    .paged
                    .recheck(session, i as u32 + 1, &pages[i], fetch)
                    .await?;
                if !fresh.is_empty() {
                    pages = fresh;
                }
            }
            for d in pages.into_iter().flat_map(|p| p.items) {
                let named = DatabaseRef {
                    id: d.id.clone(),
                    name: d.name.clone(),
                };
                entry(&mut entries, org, &named);
                listed.insert(d.id.clone(), d);
            }
        }
        let mut warnings = Vec::new();
        let held = self.api.token_accesses(session, org).await?;
        for h in &held {
            if let Target::Database { id, name } = &h.on {
                let named = DatabaseRef {
                    id: id.clone(),
                    name: name.clone(),
                };
                entry(&mut entries, org, &named).accesses.push(h.clone());
            }
        }
        for h in &held {
            let Target::Branch { database, branch } = &h.on else {
                continue;
            };
            match entries.values_mut().find(|e| e.name == *database) {
                Some(e) => e.accesses.push(h.clone()),
                None => warnings.push(format!(
                    "access {:?} of {} is on branch {branch} of database {database} in \
                     organization {}, which no team, token or database list names: not synced; \
                     turn on planetscale-list-databases to sync every database",
                    h.access, h.principal, org.name
                )),
            }
        }
        let resources = entries
            .into_iter()
            .map(|(id, entry)| {
                let resource = database_resource(&id, &entry, listed.get(&id));
                let resource = with_children(resource, self.api.options.child_types(ID));
                cache::put_database(session, &id, &entry);
                resource
            })
            .collect();
        Ok((resources, warnings))
    }
}

/// Page 1 of `org`'s database list, for validation, kept in `prefetch` for the sync.
pub(crate) async fn probe(
    api: &Api,
    org: &OrgEntry,
    prefetch: &mut Prefetch,
) -> Result<PartReach, ConnectorError> {
    let list = api.databases_list(org);
    probe_list(
        Part::Databases,
        &list,
        prefetch,
        api.fetch_databases(org, 1),
    )
    .await
}

#[async_trait]
impl ResourceSyncer for DatabaseSyncer {
    fn resource_type(&self) -> ResourceType {
        resource_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let session = &cx.call.session;
        let at = PageToken::parse(cx.call.page_token.as_deref())?;
        let orgs = self.api.organizations(session).await?;
        let Some(org) = orgs.get(at.list) else {
            return Ok(Page::empty());
        };
        let (resources, warnings) = self.org_databases(session, org).await?;
        let next = (at.list + 1 < orgs.len()).then(|| PageToken::first_of(at.list + 1));
        let mut page = Page::with_next(resources, next.map(|t| t.to_string()));
        for warning in warnings {
            page = page.with_warning(warning);
        }
        Ok(page)
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let entry = database_entry(&cx.call.session, &cx.resource)?;
        let mut entitlements = database_entitlements(&cx.resource, &entry.org);
        entitlements.extend(access::entitlements(&cx.resource, &entry.accesses));
        Ok(Page::last(entitlements))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let entry = database_entry(&cx.call.session, &cx.resource)?;
        let mut page = Page::last(database_grants(&cx.resource, &entry));
        for h in entry.accesses.iter().filter(|h| !h.is_known()) {
            page = page.with_warning(h.unknown_warning(&cx.resource));
        }
        Ok(page)
    }
}

/// The entry of database `d` of `org` in `entries`, added when new.
fn entry<'a>(
    entries: &'a mut BTreeMap<String, DatabaseEntry>,
    org: &OrgEntry,
    d: &DatabaseRef,
) -> &'a mut DatabaseEntry {
    entries
        .entry(d.id.clone())
        .or_insert_with(|| DatabaseEntry {
            org: org.clone(),
            name: d.name.clone(),
            ..DatabaseEntry::default()
        })
}

/// The resource of one database, a child of its organization: the database list's details
/// when it was listed, else its name alone.
pub(crate) fn database_resource(
    id: &str,
    entry: &DatabaseEntry,
    listed: Option<&Database>,
) -> Resource {
    let org = &entry.org;
    let name = match entry.name.trim().is_empty() {
        true => id,
        false => entry.name.as_str(),
    };
    let mut profile = Profile::new();
    put(&mut profile, "organization", Some(org.name.as_str()));
    put(&mut profile, "name", Some(name));
    let mut resource = Resource::new(&resource_type(), id, name)
        .with_parent(ResourceId::new(organization::ID, org.id.as_str()))
        .with_description(format!(
            "PlanetScale database {name} in organization {}",
            org.name
        ));
    let mut link = console_url(&[&org.name, name]);
    if let Some(d) = listed {
        put(&mut profile, "kind", d.kind.as_deref());
        put(&mut profile, "state", d.state.as_deref());
        put(&mut profile, "plan", d.plan.as_deref());
        let region = d.region.as_ref();
        put(
            &mut profile,
            "region",
            region.and_then(|r| r.slug.as_deref()),
        );
        put(&mut profile, "default_branch", d.default_branch.as_deref());
        put(
            &mut profile,
            "production_branches",
            d.production_branches_count,
        );
        put(&mut profile, "deletion_protected", d.deletion_protected);
        put(
            &mut profile,
            "multiple_admins_required_for_deletion",
            d.multiple_admins_required_for_deletion,
        );
        put(
            &mut profile,
            "require_approval_for_deploy",
            d.require_approval_for_deploy,
        );
        put(&mut profile, "created_at", d.created_at.as_deref());
        if let Some(created_at) = timestamp(d.created_at.as_deref()) {
            resource = resource.with_created_at(created_at);
        }
        link = d
            .html_url
            .clone()
            .filter(|u| u.starts_with("https://"))
            .or(link);
    }
    if let Some(url) = link {
        resource = resource.with_annotation(Annotation::external_link(url));
    }
    resource.with_profile(profile)
}

/// `admin` and `analyst`, worded for an access reviewer.
pub(crate) fn database_entitlements(database: &Resource, org: &OrgEntry) -> Vec<Entitlement> {
    let name = &database.display_name;
    let org = &org.name;
    let grantable = [
        &user::resource_type(),
        &team::resource_type(),
        &organization::resource_type(),
    ];
    vec![
        Entitlement::permission(database, ADMIN)
            .with_display_name(format!("{name} Database Administrator"))
            .with_description(format!(
                "Database Administrator of the PlanetScale database {name} in {org}: can change \
                 its schema, promote, demote and delete branches (production too), manage \
                 passwords and delete the database. Held through teams and by every admin of \
                 {org}; granted to one person directly it is not visible through PlanetScale's \
                 API"
            ))
            .with_grantable_to(&grantable),
        Entitlement::permission(database, ANALYST)
            .with_display_name(format!("{name} Database Analyst"))
            .with_description(format!(
                "Database Analyst of the PlanetScale database {name} in {org}: read-only access \
                 to its production branches and insights. Held through teams and by every \
                 analyst of {org}"
            ))
            .with_grantable_to(&grantable),
    ]
}

/// The grants on one database: its teams and its organization (expandable to their members
/// and role holders), and its tokens' accesses.
pub(crate) fn database_grants(database: &Resource, entry: &DatabaseEntry) -> Vec<Grant> {
    let org = ResourceId::new(organization::ID, entry.org.id.as_str());
    let mut grants = Vec::new();
    for (slug, teams) in [(ADMIN, &entry.admin_teams), (ANALYST, &entry.analyst_teams)] {
        for t in teams {
            let team = ResourceId::new(team::ID, t.as_str());
            grants.push(expandable(database, slug, team, "member"));
        }
        grants.push(expandable(database, slug, org.clone(), slug));
    }
    let held: &[Held] = &entry.accesses;
    grants.extend(held.iter().map(|h| h.grant(database)));
    // A team named twice, or a token holding one access twice, is one grant.
    grants.sort_by(|a, b| a.id.cmp(&b.id));
    grants.dedup_by(|a, b| a.id == b.id);
    grants
}

/// `principal` holds `slug` on `database`, and so does whoever holds `source` on `principal`.
fn expandable(database: &Resource, slug: &str, principal: ResourceId, source: &str) -> Grant {
    let source = ids::entitlement_id(&principal, source);
    Grant::new(database, slug, principal).with_annotation(Annotation::GrantExpandable {
        entitlement_ids: vec![source],
        shallow: false,
        resource_type_ids: Vec::new(),
    })
}

/// What the listing recorded of `database`.
fn database_entry(
    session: &SessionCache,
    database: &Resource,
) -> Result<DatabaseEntry, ConnectorError> {
    cache::database(session, &database.id.resource).ok_or_else(|| {
        ConnectorError::internal(format!(
            "database {} is not in the session cache its listing fills",
            database.id.resource
        ))
    })
}

#[cfg(test)]
mod tests {
    use connector_sdk::{Purpose, Value};
    use serde_json::json;

    use super::*;

    fn entry() -> DatabaseEntry {
        DatabaseEntry {
            org: OrgEntry {
                id: "o1".into(),
                name: "acme".into(),
            },
            name: "orders".into(),
            admin_teams: vec!["t1".into(), "t1".into()],
            analyst_teams: vec!["t2".into()],
            accesses: vec![Held {
                principal: ResourceId::new("service_token", "k1"),
                principal_name: "ci".into(),
                access: "delete_production_branch".into(),
                description: Some("Delete production branch".into()),
                on: Target::Database {
                    id: "d1".into(),
                    name: "orders".into(),
                },
            }],
        }
    }

    #[test]
    fn a_database_named_by_a_team_is_a_child_of_its_organization() {
        let r = database_resource("d1", &entry(), None);
        assert_eq!(r.id, ResourceId::new("database", "d1"));
        assert_eq!(r.parent, Some(ResourceId::new("organization", "o1")));
        assert_eq!(r.display_name, "orders");
        assert!(r.annotations.contains(&Annotation::external_link(
            "https://app.planetscale.com/acme/orders"
        )));
        let listed: Database = serde_json::from_value(json!({
            "id": "d1", "name": "orders", "kind": "mysql", "deletion_protected": true,
            "html_url": "https://app.planetscale.com/acme/orders", "created_at": "2024-04-01T09:00:00.000Z",
            "region": {"slug": "us-east"}
        }))
        .unwrap();
        let r = database_resource("d1", &entry(), Some(&listed));
        let profile = r.profile.as_ref().unwrap();
        assert_eq!(profile["kind"], Value::from("mysql"));
        assert_eq!(profile["region"], Value::from("us-east"));
        assert_eq!(profile["deletion_protected"], Value::from(true));
        assert!(r.created_at.is_some());
    }

    #[test]
    fn entitlements_are_administrator_and_analyst() {
        let r = database_resource("d1", &entry(), None);
        let ents = database_entitlements(&r, &entry().org);
        let ids: Vec<_> = ents.iter().map(|e| (e.id.as_str(), e.purpose)).collect();
        assert_eq!(
            ids,
            [
                ("database:d1:admin", Purpose::Permission),
                ("database:d1:analyst", Purpose::Permission),
            ]
        );
        assert!(
            ents[0]
                .description
                .contains("not visible through PlanetScale's API")
        );
    }

    #[test]
    fn teams_and_the_organization_hold_them_expandably_and_tokens_their_accesses() {
        let r = database_resource("d1", &entry(), None);
        let grants = database_grants(&r, &entry());
        let shown: Vec<(&str, Vec<String>)> = grants
            .iter()
            .map(|g| {
                let sources = g
                    .annotations
                    .iter()
                    .flat_map(|a| match a {
                        Annotation::GrantExpandable {
                            entitlement_ids, ..
                        } => entitlement_ids.clone(),
                        _ => Vec::new(),
                    })
                    .collect();
                (g.id.as_str(), sources)
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "database:d1:admin:organization:o1",
                    vec!["organization:o1:admin".to_owned()]
                ),
                (
                    "database:d1:admin:team:t1",
                    vec!["team:t1:member".to_owned()]
                ),
                (
                    "database:d1:analyst:organization:o1",
                    vec!["organization:o1:analyst".to_owned()]
                ),
                (
                    "database:d1:analyst:team:t2",
                    vec!["team:t2:member".to_owned()]
                ),
                (
                    "database:d1:delete_production_branch:service_token:k1",
                    vec![]
                ),
            ]
        );
    }
}
