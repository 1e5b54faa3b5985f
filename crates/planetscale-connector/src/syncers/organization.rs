//! `organization`: every organization the service token reaches, with its roles as entitlements
//! (member, admin, analyst, and each role the connector does not know) and its member list as
//! grants.

use std::collections::BTreeMap;

use async_trait::async_trait;
use connector_sdk::paging::PageToken;
use connector_sdk::{
    Annotation, ConnectorError, Entitlement, Grant, ListContext, Page, Profile, Resource,
    ResourceContext, ResourceId, ResourceSyncer, ResourceType, SessionCache,
    provision::ResourceProvisioner,
};
use planetscale_client::Organization;

use super::access::{self, Held, Target};
use super::{console_url, put, team, timestamp, user, with_children};
use crate::api::{Api, org_entry};
use crate::cache::{self, MemberEntry, OrgEntry, UnknownRoles};
use crate::parts::Options;
use crate::provision::Roles;

pub(crate) const ID: &str = crate::parts::ORGANIZATION;

/// Entitlement every member holds, whatever the role.
const MEMBER: &str = "member";
/// Entitlement of members with the admin role.
const ADMIN: &str = "admin";
/// Entitlement of members with the analyst role.
const ANALYST: &str = "analyst";

/// The people a warning names before it says how many more there are.
const NAMED_PEOPLE: usize = 5;

pub(crate) fn resource_type() -> ResourceType {
    ResourceType::new(ID, "Organization", &[]).with_description(
        "A PlanetScale organization: its members hold the member role, and some also admin or \
         analyst",
    )
}

/// Lists organizations (`GET /organizations`, page by page, or enqueued if it ever reports
/// `total_pages`), caching each page for the other syncers; lists each organization's roles
/// and members from the member pages the user listing cached.
#[derive(Debug)]
pub(crate) struct OrganizationSyncer {
    api: Api,
    roles: Roles,
}

impl OrganizationSyncer {
    pub(crate) fn new(api: Api) -> Self {
        let roles = Roles::new(api.clone());
        OrganizationSyncer { api, roles }
    }

    /// The roles the connector does not know among `org`'s members, each with who holds it,
    /// from every member page of the latest listing (cached by the user listing, else fetched
    /// and cached now). Recorded in the session for the grants and the report.
    async fn unknown_roles(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
    ) -> Result<UnknownRoles, ConnectorError> {
        let list = self.api.members_list(org);
        let walk = || list.fetch_all(|page| self.api.member_page(session, org, page));
        let mut pages = walk().await?;
        if pages.iter().any(|p| p.total_count != pages[0].total_count) {
            // The list changed during the walk and was listed again: read the settled listing
            // too, so that every role a grant will carry is entitled.
            pages.extend(walk().await?);
        }
        let mut roles = UnknownRoles::new();
        for member in pages.iter().flat_map(|p| &p.items) {
            if [MEMBER, ADMIN, ANALYST].contains(&member.role.as_str()) {
                continue;
            }
            let person = member
                .email
                .clone()
                .filter(|e| !e.trim().is_empty())
                .unwrap_or_else(|| member.user_id.clone());
            add_once(roles.entry(member.role.clone()).or_default(), person);
        }
        cache::put_unknown_roles(session, &org.id, &roles);
        Ok(roles)
    }

    /// One warning per role the connector does not know, naming the organizations and people
    /// that hold it, when `org` is the first organization: the grants of one organization
    /// report for all (when they run, every organization's entitlements recorded its roles),
    /// and the engine lists the warnings of a call made again only once.
    async fn report_unknown_roles(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
    ) -> Result<Vec<String>, ConnectorError> {
        let orgs = self.api.organizations(session).await?;
        if orgs.first() != Some(org) {
            return Ok(Vec::new());
        }
        let mut by_role: BTreeMap<String, Holders<'_>> = BTreeMap::new();
        for org in &orgs {
            for (role, people) in cache::unknown_roles(session, &org.id).unwrap_or_default() {
                let holders = by_role.entry(role).or_default();
                holders.orgs.push((&org.name, people.len()));
                for person in people {
                    add_once(&mut holders.people, person);
                }
            }
        }
        Ok(by_role
            .iter()
            .map(|(role, holders)| unknown_role_warning(role, holders))
            .collect())
    }
}

#[async_trait]
impl ResourceSyncer for OrganizationSyncer {
    fn resource_type(&self) -> ResourceType {
        resource_type()
    }

    fn provisioner(&self) -> Option<&dyn ResourceProvisioner> {
        Some(&self.roles)
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let session = &cx.call.session;
        let at = PageToken::parse(cx.call.page_token.as_deref())?;
        let orgs = self.api.org_page(at.page).await?;
        cache::put_org_page(session, at.page, &orgs.map_items(org_entry));
        let options = self.api.options;
        let items = orgs
            .items
            .iter()
            .map(|o| org_resource(o, options))
            .collect();
        Ok(self.api.orgs_list().plan(at, &orgs)?.into_page(items))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let session = &cx.call.session;
        let org = self.api.org(session, &cx.resource.id.resource).await?;
        let roles = self.unknown_roles(session, &org).await?;
        let mut entitlements = org_entitlements(&cx.resource);
        let unknown = roles.keys().filter(|role| !role.trim().is_empty());
        entitlements.extend(unknown.map(|role| unknown_role_entitlement(&cx.resource, role)));
        let held = self.api.token_accesses(session, &org).await?;
        entitlements.extend(access::entitlements(&cx.resource, on_org(&held, &org)));
        Ok(Page::last(entitlements))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let session = &cx.call.session;
        let at = PageToken::parse(cx.call.page_token.as_deref())?;
        let org = self.api.org(session, &cx.resource.id.resource).await?;
        let members = self.api.member_page(session, &org, at.page).await?;
        let roles = cache::unknown_roles(session, &org.id).unwrap_or_default();
        let (grants, strays) = org_grants(&cx.resource, &members.items, &roles);
        let plan = self.api.members_list(&org).plan(at, &members)?;
        let mut page = plan.into_page(grants);
        // The engine logs each warning and lists it in the sync summary.
        for stray in strays {
            page = page.with_warning(format!(
                "user {} in organization {} has the role {:?}, which no member held when the \
                 organization's entitlements were listed: granted member only; sync again to \
                 review it",
                stray.user_id, org.name, stray.role
            ));
        }
        if at == PageToken::FIRST {
            for warning in self.report_unknown_roles(session, &org).await? {
                page = page.with_warning(warning);
            }
            // The tokens' accesses on the organization, with the first page of members.
            let held = self.api.token_accesses(session, &org).await?;
            for h in on_org(&held, &org) {
                page.items.push(h.grant(&cx.resource));
                if !h.is_known() {
                    page = page.with_warning(h.unknown_warning(&cx.resource));
                }
            }
            for h in &held {
                if let Some(warning) = elsewhere(h, &org) {
                    page = page.with_warning(warning);
                }
            }
        }
        Ok(page)
    }
}

/// The accesses in `held` that apply to `org` itself.
fn on_org<'a>(held: &'a [Held], org: &OrgEntry) -> impl Iterator<Item = &'a Held> {
    held.iter()
        .filter(move |h| matches!(&h.on, Target::Organization { id } if *id == org.id))
}

/// The warning for an access of one of `org`'s tokens that no entitlement takes: on another
/// organization, or on a kind of resource the connector does not model. Database accesses
/// belong to the databases, the person's own account is the token's business.
fn elsewhere(h: &Held, org: &OrgEntry) -> Option<String> {
    let (kind, name) = match &h.on {
        Target::Organization { id } if *id != org.id => ("organization", id.as_str()),
        Target::Other { kind, name } => (kind.as_str(), name.as_str()),
        _ => return None,
    };
    Some(format!(
        "access {:?} of {} in organization {} applies to {kind} {name}, which the sync does not \
         hold: not synced as a grant",
        h.access, h.principal, org.name
    ))
}

/// The resource of one organization: its id identifies it, its name is shown and used in links.
/// It announces its teams, and the service tokens, OAuth applications and invitations that
/// `options` sync.
pub(crate) fn org_resource(org: &Organization, options: Options) -> Resource {
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
    resource = with_children(resource, options.child_types(ID));
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

/// The entitlement of a role PlanetScale sent that the connector does not know: kept, so that a
/// reviewer sees who holds it, and worded so that nobody mistakes it for a known one.
pub(crate) fn unknown_role_entitlement(org: &Resource, role: &str) -> Entitlement {
    let name = &org.display_name;
    Entitlement::permission(org, role)
        .with_display_name(format!("{name} {role} (role unknown to the connector)"))
        .with_description(format!(
            "Holds the role \"{role}\" in the PlanetScale organization {name}, a role this \
             connector does not know: what it allows is not known here; review it in the \
             organization's settings"
        ))
        .with_grantable_to(&[&user::resource_type()])
}

/// Grants for `members`: every member gets `member`; admins, analysts and holders of the
/// unknown roles in `roles` (which have entitlements) also their role. Members with a role
/// outside both get `member` only and are returned so the caller reports them.
pub(crate) fn org_grants<'a>(
    org: &Resource,
    members: &'a [MemberEntry],
    roles: &UnknownRoles,
) -> (Vec<Grant>, Vec<&'a MemberEntry>) {
    let mut grants = Vec::with_capacity(members.len() + members.len() / 4);
    let mut strays = Vec::new();
    for member in members {
        let principal = ResourceId::new(user::ID, member.user_id.as_str());
        grants.push(Grant::new(org, MEMBER, principal.clone()));
        match member.role.as_str() {
            MEMBER => {}
            ADMIN | ANALYST => grants.push(Grant::new(org, &member.role, principal)),
            // A blank role is no role: the report names those members.
            blank if blank.trim().is_empty() && roles.contains_key(blank) => {}
            unknown if roles.contains_key(unknown) => {
                grants.push(Grant::new(org, unknown, principal));
            }
            _ => strays.push(member),
        }
    }
    (grants, strays)
}

/// Who holds one role the connector does not know, across organizations.
#[derive(Debug, Default)]
struct Holders<'a> {
    /// Each organization where someone holds it, with how many do.
    orgs: Vec<(&'a str, usize)>,
    /// The people who hold it (email, else user id), each once.
    people: Vec<String>,
}

/// The report of one role the connector does not know: where it is held and by whom, at most
/// [`NAMED_PEOPLE`] named.
fn unknown_role_warning(role: &str, holders: &Holders<'_>) -> String {
    let Holders { orgs, people } = holders;
    let orgs = and_list(orgs.iter().map(|(name, n)| match n {
        1 => format!("{name} (1 member)"),
        n => format!("{name} ({n} members)"),
    }));
    let named = people.iter().take(NAMED_PEOPLE).cloned();
    let more =
        (people.len() > NAMED_PEOPLE).then(|| format!("{} more", people.len() - NAMED_PEOPLE));
    let who = and_list(named.chain(more));
    match role.trim().is_empty() {
        true => format!(
            "organization members without a role in {orgs}: {who}; granted member only, review \
             them by hand"
        ),
        false => format!(
            "organization role {role:?} is unknown to the connector: kept as its own entitlement \
             in {orgs}, held by {who}; review what it allows by hand"
        ),
    }
}

/// Adds `person` unless already there: people are listed once, in the order first met.
fn add_once(people: &mut Vec<String>, person: String) {
    if !people.contains(&person) {
        people.push(person);
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: impl Iterator<Item = String>) -> String {
    let mut items: Vec<String> = items.collect();
    let Some(last) = items.pop() else {
        return String::new();
    };
    match items.is_empty() {
        true => last,
        false => format!("{} and {last}", items.join(", ")),
    }
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
        let r = org_resource(&acme(), Options::default());
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
    fn the_optional_parts_are_announced_when_synced() {
        let options = Options {
            service_tokens: true,
            invitations: true,
            ..Options::default()
        };
        let r = org_resource(&acme(), options);
        assert_eq!(
            r.child_resource_types().collect::<Vec<_>>(),
            ["team", "service_token", "invitation"]
        );
    }

    #[test]
    fn accesses_elsewhere_are_reported_and_those_on_databases_are_not() {
        let org = OrgEntry {
            id: "o1".into(),
            name: "acme".into(),
        };
        let held = |on: Target| Held {
            principal: ResourceId::new("service_token", "t1"),
            principal_name: "ci".into(),
            access: "read_organization".into(),
            description: None,
            on,
        };
        let here = held(Target::Organization { id: "o1".into() });
        let other = held(Target::Organization { id: "o2".into() });
        let database = held(Target::Database {
            id: "d1".into(),
            name: "orders".into(),
        });
        let widget = held(Target::Other {
            kind: "Widget".into(),
            name: "w".into(),
        });
        let all = [
            here.clone(),
            other.clone(),
            database.clone(),
            widget.clone(),
        ];
        assert_eq!(on_org(&all, &org).collect::<Vec<_>>(), [&here]);
        assert_eq!(elsewhere(&here, &org), None);
        assert_eq!(elsewhere(&database, &org), None);
        assert_eq!(
            elsewhere(&other, &org).unwrap(),
            "access \"read_organization\" of service_token:t1 in organization acme applies to \
             organization o2, which the sync does not hold: not synced as a grant"
        );
        assert!(
            elsewhere(&widget, &org)
                .unwrap()
                .contains("applies to Widget w")
        );
    }

    #[test]
    fn entitlements_are_member_admin_analyst_grantable_to_users() {
        let r = org_resource(&acme(), Options::default());
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

    fn member(user_id: &str, role: &str) -> MemberEntry {
        MemberEntry {
            user_id: user_id.to_owned(),
            role: role.to_owned(),
            email: None,
        }
    }

    #[test]
    fn grants_follow_roles_and_return_roles_without_an_entitlement() {
        let r = org_resource(&acme(), Options::default());
        let members = [
            member("u1", "member"),
            member("u2", "admin"),
            member("u3", "analyst"),
            member("u4", "billing"),
            member("u5", ""),
            member("u6", "auditor"),
        ];
        let roles = UnknownRoles::from([
            ("billing".to_owned(), vec!["u4".to_owned()]),
            (String::new(), vec!["u5".to_owned()]),
        ]);
        let (grants, strays) = org_grants(&r, &members, &roles);
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
                "organization:k7w2m9d1qz4e:billing:user:u4",
                "organization:k7w2m9d1qz4e:member:user:u5",
                "organization:k7w2m9d1qz4e:member:user:u6",
            ]
        );
        assert_eq!(strays, [&members[5]]);
    }

    #[test]
    fn an_unknown_role_is_an_entitlement_that_says_so() {
        let e = unknown_role_entitlement(&org_resource(&acme(), Options::default()), "billing");
        assert_eq!(e.id, "organization:k7w2m9d1qz4e:billing");
        assert_eq!(e.purpose, Purpose::Permission);
        assert_eq!(
            e.display_name,
            "acme billing (role unknown to the connector)"
        );
        assert!(
            e.description
                .contains("a role this connector does not know")
        );
        assert_eq!(e.grantable_to[0].id, "user");
    }

    #[test]
    fn the_report_names_organizations_and_at_most_five_people() {
        let holders = |orgs: &[(&'static str, usize)], n: usize| Holders {
            orgs: orgs.to_vec(),
            people: (1..=n).map(|i| format!("p{i}@x.example")).collect(),
        };
        assert_eq!(
            unknown_role_warning("billing", &holders(&[("acme", 1)], 1)),
            "organization role \"billing\" is unknown to the connector: kept as its own \
             entitlement in acme (1 member), held by p1@x.example; review what it allows by hand"
        );
        assert_eq!(
            unknown_role_warning(
                "billing",
                &holders(&[("acme", 5), ("globex", 2), ("initech", 1)], 7)
            ),
            "organization role \"billing\" is unknown to the connector: kept as its own \
             entitlement in acme (5 members), globex (2 members) and initech (1 member), held by \
             p1@x.example, p2@x.example, p3@x.example, p4@x.example, p5@x.example and 2 more; \
             review what it allows by hand"
        );
        assert_eq!(
            unknown_role_warning("", &holders(&[("acme", 2)], 2)),
            "organization members without a role in acme (2 members): p1@x.example and \
             p2@x.example; granted member only, review them by hand"
        );
    }
}
