//! `team`: the teams of each organization (children of the organization resource), with a
//! `member` entitlement and one grant per team member.

use async_trait::async_trait;
use connector_sdk::paging::PageToken;
use connector_sdk::{
    ConnectorError, Entitlement, ErrorKind, Grant, GroupTrait, ListContext, Page, Profile,
    Resource, ResourceContext, ResourceId, ResourceSyncer, ResourceType, SessionCache, Trait,
    provision::ResourceProvisioner,
};
use planetscale_client::{Team, TeamMember};

use super::{non_blank, put, timestamp, user};
use crate::api::{Api, fetched};
use crate::cache::{self, OrgEntry, TeamEntry};
use crate::errors::map_client_error;
use crate::provision::TeamMembers;

pub(crate) const ID: &str = crate::parts::TEAM;

/// The one entitlement of a team.
const MEMBER: &str = "member";

pub(crate) fn resource_type() -> ResourceType {
    ResourceType::new(ID, "Team", &[Trait::Group]).with_description(
        "A team of a PlanetScale organization: its members get the database access granted to \
         the team",
    )
}

/// Lists the teams under each organization and their members.
#[derive(Debug)]
pub(crate) struct TeamSyncer {
    api: Api,
    members: TeamMembers,
}

impl TeamSyncer {
    pub(crate) fn new(api: Api) -> Self {
        let members = TeamMembers::new(api.clone());
        TeamSyncer { api, members }
    }
}

#[async_trait]
impl ResourceSyncer for TeamSyncer {
    fn resource_type(&self) -> ResourceType {
        resource_type()
    }

    fn provisioner(&self) -> Option<&dyn ResourceProvisioner> {
        Some(&self.members)
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        // Teams exist only inside an organization; the top-level call has nothing to list.
        let Some((parent, org, at)) = self.api.children_of(&cx).await? else {
            return Ok(Page::empty());
        };
        let (org, session) = (&org, &cx.call.session);
        let list = self.api.teams_list(org);
        // A fresh listing after a change repeats teams of other pages: the store keeps one each.
        let teams = self
            .api
            .listed(
                session,
                &list,
                at,
                |page| self.api.fetch_teams(org, page),
                |t: &Team| &t.id,
            )
            .await?;
        let items = teams
            .items()
            .map(|t| {
                let entry = TeamEntry {
                    org_name: org.name.clone(),
                    slug: t.slug.clone(),
                };
                cache::put_team(session, &t.id, &entry);
                team_resource(t, org, &parent)
            })
            .collect();
        Ok(list.paged.plan(at, &teams.page)?.into_page(items))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        Ok(Page::last(vec![team_entitlement(&cx.resource)]))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let at = PageToken::parse(cx.call.page_token.as_deref())?;
        let session = &cx.call.session;
        let team = &team_entry(session, &cx.resource)?;
        let fetch = |page| async move {
            self.api
                .client
                .list_team_members(&team.org_name, &team.slug, page)
                .await
                .map(fetched)
                .map_err(|e| members_error(e, team))
        };
        let members = fetch(at.page).await?;
        let list = self.api.list(
            format!("team-members:{}", cx.resource.id.resource),
            format!("the members of team {} in {}", team.slug, team.org_name),
        );
        let relisted = list.recheck(session, at.page, &members, fetch).await?;
        let relisted = relisted
            .iter()
            .flat_map(|p| &p.items)
            .filter(|m| !members.items.iter().any(|f| f.user.id == m.user.id));
        let grants = team_grants(&cx.resource, members.items.iter().chain(relisted));
        Ok(list.plan(at, &members)?.into_page(grants))
    }
}

/// The resource of one team, a child of its organization.
pub(crate) fn team_resource(team: &Team, org: &OrgEntry, parent: &ResourceId) -> Resource {
    let display_name = non_blank(team.display_name.as_ref())
        .or(non_blank(Some(&team.name)))
        .unwrap_or(&team.slug);
    let managed = team.managed.unwrap_or(false);
    // SSO-managed teams are read-only in PlanetScale: their membership comes from the directory.
    let group = GroupTrait {
        group_source_type: if managed {
            "directory_synced"
        } else {
            "native"
        }
        .to_owned(),
        raw_group_source_type: if managed {
            "sso_managed"
        } else {
            "planetscale"
        }
        .to_owned(),
        ..GroupTrait::default()
    };

    let mut profile = Profile::new();
    put(&mut profile, "organization", Some(org.name.as_str()));
    put(&mut profile, "name", Some(team.name.as_str()));
    put(&mut profile, "slug", Some(team.slug.as_str()));
    put(
        &mut profile,
        "description",
        non_blank(team.description.as_ref()),
    );
    put(&mut profile, "managed", team.managed);
    put(&mut profile, "created_at", team.created_at.as_deref());

    let mut resource = Resource::new(&resource_type(), team.id.as_str(), display_name)
        .with_parent(parent.clone())
        .with_profile(profile)
        .with_annotation(group);
    if let Some(description) = non_blank(team.description.as_ref()) {
        resource = resource.with_description(description);
    }
    if let Some(created_at) = timestamp(team.created_at.as_deref()) {
        resource = resource.with_created_at(created_at);
    }
    resource
}

/// The `member` entitlement of a team.
pub(crate) fn team_entitlement(team: &Resource) -> Entitlement {
    let org = team
        .profile
        .as_ref()
        .and_then(|p| p.get("organization"))
        .and_then(|v| v.as_str())
        .unwrap_or("its organization");
    let managed = team
        .profile
        .as_ref()
        .and_then(|p| p.get("managed"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let name = &team.display_name;
    let mut description = format!(
        "Member of the PlanetScale team {name} in {org}: gets the database access granted to \
         the team"
    );
    if managed {
        description.push_str("; membership is managed by the identity provider (SSO)");
    }
    Entitlement::assignment(team, MEMBER)
        .with_display_name(format!("{name} team member"))
        .with_description(description)
        .with_grantable_to(&[&user::resource_type()])
}

/// One `member` grant per team member.
pub(crate) fn team_grants<'a>(
    team: &Resource,
    members: impl IntoIterator<Item = &'a TeamMember>,
) -> Vec<Grant> {
    members
        .into_iter()
        .map(|m| Grant::new(team, MEMBER, ResourceId::new(user::ID, m.user.id.as_str())))
        .collect()
}

/// Where the team lives: cached by the listing, else read back from the resource's profile.
fn team_entry(session: &SessionCache, team: &Resource) -> Result<TeamEntry, ConnectorError> {
    if let Some(entry) = cache::team(session, &team.id.resource) {
        return Ok(entry);
    }
    let field = |key: &str| {
        team.profile
            .as_ref()
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    match (field("organization"), field("slug")) {
        (Some(org_name), Some(slug)) => Ok(TeamEntry { org_name, slug }),
        _ => Err(ConnectorError::internal(format!(
            "team {} has no organization and slug in its profile or the session cache",
            team.id.resource
        ))),
    }
}

/// A 404 on one team's members means the team was deleted during the sync: a warning the
/// engine counts, not a failure. Anything else is mapped as usual.
fn members_error(e: planetscale_client::Error, team: &TeamEntry) -> ConnectorError {
    let context = format!(
        "listing the members of team {} in organization {}",
        team.slug, team.org_name
    );
    if !e.is_not_found() {
        return map_client_error(e, &context);
    }
    ConnectorError::new(
        ErrorKind::NotFound,
        format!("{context}: PlanetScale answered 404 Not Found; the team was probably deleted during the sync, its members are skipped"),
    )
    .with_source(e)
}

#[cfg(test)]
mod tests {
    use connector_sdk::{Annotation, Purpose, Value};
    use serde_json::json;

    use super::*;

    fn org() -> (OrgEntry, ResourceId) {
        (
            OrgEntry {
                id: "o1".into(),
                name: "acme".into(),
            },
            ResourceId::new("organization", "o1"),
        )
    }

    fn team(fields: serde_json::Value) -> Team {
        let mut base = json!({ "id": "t1", "name": "eng", "slug": "eng" });
        base.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    fn group_trait(r: &Resource) -> &GroupTrait {
        r.annotations
            .iter()
            .find_map(|a| match a {
                Annotation::GroupTrait(g) => Some(g),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn team_is_a_group_under_its_organization() {
        let (org, parent) = org();
        let r = team_resource(
            &team(
                json!({"display_name": "Engineering", "description": "Builds things",
                         "managed": false, "created_at": "2024-03-05T17:22:10.512Z"}),
            ),
            &org,
            &parent,
        );
        assert_eq!(r.id, ResourceId::new("team", "t1"));
        assert_eq!(r.parent, Some(parent));
        assert_eq!(r.display_name, "Engineering");
        assert_eq!(r.description, "Builds things");
        assert_eq!(group_trait(&r).group_source_type, "native");
        let profile = r.profile.as_ref().unwrap();
        assert_eq!(profile["organization"], Value::from("acme"));
        assert_eq!(profile["slug"], Value::from("eng"));
        assert_eq!(profile["managed"], Value::from(false));
        assert!(r.created_at.is_some());
    }

    #[test]
    fn sso_managed_team_says_so() {
        let (org, parent) = org();
        let r = team_resource(
            &team(json!({"managed": true, "display_name": null})),
            &org,
            &parent,
        );
        assert_eq!(r.display_name, "eng");
        assert_eq!(group_trait(&r).group_source_type, "directory_synced");
        assert_eq!(group_trait(&r).raw_group_source_type, "sso_managed");
        let description = team_entitlement(&r).description;
        assert!(
            description.ends_with("managed by the identity provider (SSO)"),
            "{description}"
        );
    }

    #[test]
    fn entitlement_and_grants_use_the_user_ids() {
        let (org, parent) = org();
        let r = team_resource(&team(json!({})), &org, &parent);
        let e = team_entitlement(&r);
        assert_eq!(e.id, "team:t1:member");
        assert_eq!(e.purpose, Purpose::Assignment);
        assert!(e.description.contains("team eng in acme"));
        let members: Vec<TeamMember> = serde_json::from_value(json!([
            {"id": "tm1", "user": {"id": "u1"}},
            {"id": "tm2", "user": {"id": "u2"}},
        ]))
        .unwrap();
        let ids: Vec<_> = team_grants(&r, &members)
            .into_iter()
            .map(|g| g.id)
            .collect();
        assert_eq!(ids, ["team:t1:member:user:u1", "team:t1:member:user:u2"]);
    }

    #[test]
    fn team_entry_comes_from_the_cache_or_the_profile() {
        let (org, parent) = org();
        let r = team_resource(&team(json!({})), &org, &parent);
        let session = SessionCache::default();
        let from_profile = team_entry(&session, &r).unwrap();
        assert_eq!(
            from_profile,
            TeamEntry {
                org_name: "acme".into(),
                slug: "eng".into()
            }
        );
        let cached = TeamEntry {
            org_name: "acme".into(),
            slug: "eng-2".into(),
        };
        cache::put_team(&session, "t1", &cached);
        assert_eq!(team_entry(&session, &r).unwrap(), cached);
        let bare = Resource {
            id: ResourceId::new("team", "t9"),
            ..Resource::default()
        };
        assert_eq!(
            team_entry(&session, &bare).unwrap_err().kind(),
            ErrorKind::Internal
        );
    }
}
