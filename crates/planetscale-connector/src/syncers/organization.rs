//! `organization`: every organization the service token reaches, with the member, admin and
//! analyst roles as entitlements and the member list as grants.

use async_trait::async_trait;
use connector_sdk::{
    Annotation, ConnectorError, Entitlement, Grant, ListContext, Page, Profile, Resource,
    ResourceContext, ResourceId, ResourceSyncer, ResourceType,
};
use planetscale_client::Organization;

use super::{Api, ListPage, console_url, follow, org_entries, put, team, timestamp, user};
use crate::cache::{self, OrgEntry};

pub(crate) const ID: &str = "organization";

/// Entitlement every member holds, whatever the role.
const MEMBER: &str = "member";
/// Entitlement of members with the admin role.
const ADMIN: &str = "admin";
/// Entitlement of members with the analyst role.
const ANALYST: &str = "analyst";

pub(crate) fn resource_type() -> ResourceType {
    ResourceType::new(ID, "Organization", &[]).with_description(
        "A PlanetScale organization: its members hold the member role, and some also admin or \
         analyst",
    )
}

/// Lists organizations page by page (`GET /organizations` has no total), caching each page and,
/// after the last one, the whole list for the other syncers.
#[derive(Debug)]
pub(crate) struct OrganizationSyncer {
    api: Api,
}

impl OrganizationSyncer {
    pub(crate) fn new(api: Api) -> Self {
        OrganizationSyncer { api }
    }
}

#[async_trait]
impl ResourceSyncer for OrganizationSyncer {
    fn resource_type(&self) -> ResourceType {
        resource_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let session = &cx.call.session;
        let at = ListPage::parse(cx.call.page_token.as_deref())?;
        let fetched = self.api.org_page(at.page).await?;
        cache::put_org_page(session, at.page, &org_entries(&fetched.items));
        let next = follow(at, (&fetched).into());
        if next.next.is_none() {
            // The last page: the list is complete, assemble it for the user and team syncers.
            let orgs: Vec<OrgEntry> = (1..=at.page)
                .filter_map(|p| cache::org_page(session, p))
                .flatten()
                .collect();
            cache::put_orgs(session, &orgs);
        }
        let items = fetched.items.iter().map(org_resource).collect();
        Ok(Page::with_next(items, next.next_token()))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        Ok(Page::last(org_entitlements(&cx.resource)))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let session = &cx.call.session;
        let at = ListPage::parse(cx.call.page_token.as_deref())?;
        let org = self.api.org(session, &cx.resource.id.resource).await?;
        let members = self.api.member_page(session, &org, at.page).await?;
        let (grants, unknown) = org_grants(&cx.resource, &members.members);
        let mut page = Page::with_next(grants, None);
        // The engine logs each warning and lists it in the sync summary.
        for (user_id, role) in unknown {
            page = page.with_warning(format!(
                "user {user_id} in organization {} has the unknown role {role:?}: granted member only; review it by hand",
                org.name
            ));
        }
        let next = follow(at, members.paging);
        page.next_token = next.next_token();
        Ok(page.with_enqueued(next.enqueue_tokens()))
    }
}

/// The resource of one organization: its id identifies it, its name is shown and used in links.
pub(crate) fn org_resource(org: &Organization) -> Resource {
    let mut profile = Profile::new();
    put(&mut profile, "name", Some(org.name.as_str()));
    put(&mut profile, "plan", org.plan.as_deref());
    put(&mut profile, "sso", org.sso);
    put(&mut profile, "sso_directory", org.sso_directory);
    put(&mut profile, "idp_managed_roles", org.idp_managed_roles);
    put(&mut profile, "created_at", org.created_at.as_deref());
    let mut resource = Resource::new(&resource_type(), org.id.as_str(), org.name.as_str())
        .with_description(format!("PlanetScale organization {}", org.name))
        .with_profile(profile)
        .with_annotation(Annotation::child_resource_type(team::ID));
    if let Some(url) = console_url(&[&org.name]) {
        resource = resource.with_annotation(Annotation::external_link(url));
    }
    if let Some(created_at) = timestamp(org.created_at.as_deref()) {
        resource = resource.with_created_at(created_at);
    }
    resource
}

/// The three organization roles, worded for an access reviewer.
pub(crate) fn org_entitlements(org: &Resource) -> Vec<Entitlement> {
    let name = &org.display_name;
    let user_type = user::resource_type();
    vec![
        Entitlement::assignment(org, MEMBER)
            .with_display_name(format!("{name} member"))
            .with_description(format!(
                "Member of the PlanetScale organization {name}: every member holds it, whatever \
                 the role; can sign in to the organization and use the databases its teams and \
                 role allow"
            ))
            .with_grantable_to(&[&user_type]),
        Entitlement::permission(org, ADMIN)
            .with_display_name(format!("{name} admin"))
            .with_description(format!(
                "Admin of the PlanetScale organization {name}: can manage members, billing, \
                 databases and settings"
            ))
            .with_grantable_to(&[&user_type]),
        Entitlement::permission(org, ANALYST)
            .with_display_name(format!("{name} analyst"))
            .with_description(format!(
                "Analyst of the PlanetScale organization {name}: read-only access to the \
                 organization's databases, insights and settings; can change nothing"
            ))
            .with_grantable_to(&[&user_type]),
    ]
}

/// Grants for `(user id, role)` pairs: every member gets `member`, admins and analysts also
/// their role. Unknown roles get `member` only and are returned so the caller reports them.
pub(crate) fn org_grants(
    org: &Resource,
    members: &[(String, String)],
) -> (Vec<Grant>, Vec<(String, String)>) {
    let mut grants = Vec::with_capacity(members.len() + members.len() / 4);
    let mut unknown = Vec::new();
    for (user_id, role) in members {
        let principal = ResourceId::new(user::ID, user_id.as_str());
        grants.push(Grant::new(org, MEMBER, principal.clone()));
        match role.as_str() {
            MEMBER => {}
            ADMIN => grants.push(Grant::new(org, ADMIN, principal)),
            ANALYST => grants.push(Grant::new(org, ANALYST, principal)),
            other => unknown.push((user_id.clone(), other.to_owned())),
        }
    }
    (grants, unknown)
}

#[cfg(test)]
mod tests {
    use connector_sdk::{Purpose, Value};

    use super::*;

    fn acme() -> Organization {
        serde_json::from_value(serde_json::json!({
            "id": "k7w2m9d1qz4e",
            "name": "acme",
            "plan": "scaler_pro",
            "sso": true,
            "sso_directory": false,
            "idp_managed_roles": false,
            "created_at": "2024-03-05T17:22:10.512Z",
        }))
        .unwrap()
    }

    #[test]
    fn resource_carries_profile_link_child_type_and_creation_time() {
        let r = org_resource(&acme());
        assert_eq!(r.id, ResourceId::new("organization", "k7w2m9d1qz4e"));
        assert_eq!(r.display_name, "acme");
        let profile = r.profile.as_ref().unwrap();
        assert_eq!(profile["plan"], Value::from("scaler_pro"));
        assert_eq!(profile["sso"], Value::from(true));
        assert_eq!(profile["name"], Value::from("acme"));
        assert_eq!(r.child_resource_types().collect::<Vec<_>>(), ["team"]);
        assert!(r.annotations.contains(&Annotation::external_link(
            "https://app.planetscale.com/acme"
        )));
        assert_eq!(r.created_at.unwrap().seconds, 1_709_659_330);
    }

    #[test]
    fn entitlements_are_member_admin_analyst_grantable_to_users() {
        let r = org_resource(&acme());
        let ents = org_entitlements(&r);
        let ids: Vec<_> = ents.iter().map(|e| (e.id.as_str(), e.purpose)).collect();
        assert_eq!(
            ids,
            [
                ("organization:k7w2m9d1qz4e:member", Purpose::Assignment),
                ("organization:k7w2m9d1qz4e:admin", Purpose::Permission),
                ("organization:k7w2m9d1qz4e:analyst", Purpose::Permission),
            ]
        );
        assert!(
            ents.iter()
                .all(|e| e.grantable_to.len() == 1 && e.grantable_to[0].id == "user")
        );
        assert!(
            ents[1]
                .description
                .contains("acme: can manage members, billing")
        );
    }

    #[test]
    fn grants_follow_roles_and_report_unknown_ones() {
        let r = org_resource(&acme());
        let members = [
            ("u1".to_owned(), "member".to_owned()),
            ("u2".to_owned(), "admin".to_owned()),
            ("u3".to_owned(), "analyst".to_owned()),
            ("u4".to_owned(), "billing".to_owned()),
        ];
        let (grants, unknown) = org_grants(&r, &members);
        let ids: Vec<_> = grants.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "organization:k7w2m9d1qz4e:member:user:u1",
                "organization:k7w2m9d1qz4e:member:user:u2",
                "organization:k7w2m9d1qz4e:admin:user:u2",
                "organization:k7w2m9d1qz4e:member:user:u3",
                "organization:k7w2m9d1qz4e:analyst:user:u3",
                "organization:k7w2m9d1qz4e:member:user:u4",
            ]
        );
        assert_eq!(unknown, [("u4".to_owned(), "billing".to_owned())]);
    }
}
