//! Typed keys of the per-sync session cache.
//!
//! The cache is persisted with every checkpoint, so what one call learns (organization names,
//! the compact member list of each page) is still there after a resume and is never fetched
//! twice. Keys:
//!
//! | key | value |
//! |---|---|
//! | `orgs:page:<n>` | page `n` of `GET /organizations`, reduced to the organizations' ids and names |
//! | `orgs` | every organization the token reaches, in API order (assembled from the pages) |
//! | `org:<org id>` | that organization (id and name: API paths use the name) |
//! | `members:<org id>:<n>` | page `n` of the organization's members, reduced to user id, role and (for a role the connector does not know) email |
//! | `roles:<org id>` | the roles the connector does not know in that organization, each with who holds it |
//! | `team:<team id>` | the team's organization name and slug (API paths use both) |
//! | `page:<list>:<n>` | page `n` of a list several syncers read, as the API sent it (`<list>` is `teams:<org id>`, `<part key>:<org id>` for a part's list (`service_tokens`, `oauth_applications`, `invitations`, `databases`) or `oauth-tokens:<app id>`; service tokens with their accesses filled in) |
//! | `accesses:<org id>` | every access the organization's service tokens and OAuth tokens hold, and where |
//! | `database:<database id>` | the database's organization, name, teams and token accesses |
//! | `oauth-app:<app id>` | the OAuth application's organization and name |
//!
//! [`connector_sdk::paging`] keeps the `total_count` of each paged list under `paging:…` keys.

use std::collections::BTreeMap;

use connector_sdk::paging::FetchedPage;
use connector_sdk::{ResourceId, SessionCache};
use planetscale_client::{Member, Role};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One organization: the id identifies it, the name goes in API paths.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrgEntry {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// One organization member, reduced to what the organization's entitlements and grants need.
/// Stored as a `[user id, role, email]` array to keep the cache small.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    from = "(String, String, Option<String>)",
    into = "(String, String, Option<String>)"
)]
pub(crate) struct MemberEntry {
    pub(crate) user_id: String,
    /// The role as sent on the wire.
    pub(crate) role: String,
    /// The email of a member whose role the connector does not know, for the warning that
    /// names them; `None` for the others.
    pub(crate) email: Option<String>,
}

impl From<&Member> for MemberEntry {
    fn from(member: &Member) -> Self {
        let email = match member.role {
            Role::Other(_) => member.user.email.clone(),
            _ => None,
        };
        MemberEntry {
            user_id: member.user.id.clone(),
            role: member.role.to_string(),
            email,
        }
    }
}

impl From<(String, String, Option<String>)> for MemberEntry {
    fn from((user_id, role, email): (String, String, Option<String>)) -> Self {
        MemberEntry {
            user_id,
            role,
            email,
        }
    }
}

impl From<MemberEntry> for (String, String, Option<String>) {
    fn from(entry: MemberEntry) -> Self {
        (entry.user_id, entry.role, entry.email)
    }
}

/// The roles the connector does not know in one organization, each with the people who hold
/// it (email, else user id), in listing order.
pub(crate) type UnknownRoles = BTreeMap<String, Vec<String>>;

/// Where a team lives: API paths name the organization and the team slug.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TeamEntry {
    pub(crate) org_name: String,
    pub(crate) slug: String,
}

/// What the syncers know of one database.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DatabaseEntry {
    /// Its organization.
    pub(crate) org: OrgEntry,
    /// Its name.
    pub(crate) name: String,
    /// The teams whose members are its Database Administrators, by id.
    pub(crate) admin_teams: Vec<String>,
    /// The teams whose members are its Database Analysts, by id.
    pub(crate) analyst_teams: Vec<String>,
    /// The accesses tokens hold on it.
    pub(crate) accesses: Vec<Held>,
}

/// An OAuth application: its organization, and its name for the tokens' profiles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AppEntry {
    pub(crate) org: OrgEntry,
    pub(crate) name: String,
}

/// One access a token holds, and where it applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Held {
    /// The token.
    pub(crate) principal: ResourceId,
    /// The token's name, for warnings.
    pub(crate) principal_name: String,
    /// The access, as sent.
    pub(crate) access: String,
    /// PlanetScale's words for it, when sent.
    pub(crate) description: Option<String>,
    /// What it applies to.
    pub(crate) on: Target,
}

/// What an access applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub(crate) enum Target {
    /// An organization, by id.
    Organization { id: String },
    /// A database, by id and name.
    Database { id: String, name: String },
    /// A branch of a database known by its name (how OAuth tokens name branches): granted on
    /// the database, so a review sees it as broader than it is, never narrower.
    Branch { database: String, branch: String },
    /// The authorising person's own account (OAuth's `read_user`): nothing in an organization.
    User,
    /// A kind of resource the connector does not know.
    Other { kind: String, name: String },
}

pub(crate) fn page<T: DeserializeOwned>(
    session: &SessionCache,
    list: &str,
    page: u32,
) -> Option<FetchedPage<T>> {
    session.get_json(&format!("page:{list}:{page}"))
}

pub(crate) fn put_page<T: Serialize>(
    session: &SessionCache,
    list: &str,
    page: u32,
    fetched: &FetchedPage<T>,
) {
    session.put_json(format!("page:{list}:{page}"), fetched);
}

pub(crate) fn accesses(session: &SessionCache, org_id: &str) -> Option<Vec<Held>> {
    session.get_json(&format!("accesses:{org_id}"))
}

pub(crate) fn put_accesses(session: &SessionCache, org_id: &str, held: &[Held]) {
    session.put_json(format!("accesses:{org_id}"), &held);
}

pub(crate) fn database(session: &SessionCache, id: &str) -> Option<DatabaseEntry> {
    session.get_json(&format!("database:{id}"))
}

pub(crate) fn put_database(session: &SessionCache, id: &str, entry: &DatabaseEntry) {
    session.put_json(format!("database:{id}"), entry);
}

pub(crate) fn oauth_app(session: &SessionCache, id: &str) -> Option<AppEntry> {
    session.get_json(&format!("oauth-app:{id}"))
}

pub(crate) fn put_oauth_app(session: &SessionCache, id: &str, entry: &AppEntry) {
    session.put_json(format!("oauth-app:{id}"), entry);
}

pub(crate) fn org_page(session: &SessionCache, page: u32) -> Option<FetchedPage<OrgEntry>> {
    session.get_json(&format!("orgs:page:{page}"))
}

pub(crate) fn put_org_page(session: &SessionCache, page: u32, orgs: &FetchedPage<OrgEntry>) {
    session.put_json(format!("orgs:page:{page}"), orgs);
    for org in &orgs.items {
        session.put_json(format!("org:{}", org.id), org);
    }
}

pub(crate) fn orgs(session: &SessionCache) -> Option<Vec<OrgEntry>> {
    session.get_json("orgs")
}

pub(crate) fn put_orgs(session: &SessionCache, orgs: &[OrgEntry]) {
    session.put_json("orgs", &orgs);
}

pub(crate) fn org(session: &SessionCache, org_id: &str) -> Option<OrgEntry> {
    session.get_json(&format!("org:{org_id}"))
}

pub(crate) fn member_page(
    session: &SessionCache,
    org_id: &str,
    page: u32,
) -> Option<FetchedPage<MemberEntry>> {
    session.get_json(&format!("members:{org_id}:{page}"))
}

pub(crate) fn put_member_page(
    session: &SessionCache,
    org_id: &str,
    page: u32,
    members: &FetchedPage<MemberEntry>,
) {
    session.put_json(format!("members:{org_id}:{page}"), members);
}

pub(crate) fn unknown_roles(session: &SessionCache, org_id: &str) -> Option<UnknownRoles> {
    session.get_json(&format!("roles:{org_id}"))
}

pub(crate) fn put_unknown_roles(session: &SessionCache, org_id: &str, roles: &UnknownRoles) {
    session.put_json(format!("roles:{org_id}"), roles);
}

pub(crate) fn team(session: &SessionCache, team_id: &str) -> Option<TeamEntry> {
    session.get_json(&format!("team:{team_id}"))
}

pub(crate) fn put_team(session: &SessionCache, team_id: &str, value: &TeamEntry) {
    session.put_json(format!("team:{team_id}"), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_the_session() {
        let session = SessionCache::default();
        let acme = OrgEntry {
            id: "o1".into(),
            name: "acme".into(),
        };
        let orgs = FetchedPage {
            items: vec![acme.clone()],
            next_page: Some(2),
            total_pages: None,
            total_count: None,
        };
        put_org_page(&session, 1, &orgs);
        assert_eq!(org_page(&session, 1), Some(orgs));
        assert_eq!(org(&session, "o1"), Some(acme));
        assert_eq!(org_page(&session, 2), None);

        let page = FetchedPage {
            items: vec![MemberEntry {
                user_id: "u1".into(),
                role: "billing".into(),
                email: Some("ann@acme.example".into()),
            }],
            next_page: Some(2),
            total_pages: Some(3),
            total_count: Some(201),
        };
        put_member_page(&session, "o1", 1, &page);
        assert_eq!(member_page(&session, "o1", 1), Some(page));
        assert_eq!(member_page(&session, "o1", 2), None);

        let roles = UnknownRoles::from([("billing".to_owned(), vec!["ann@acme.example".into()])]);
        put_unknown_roles(&session, "o1", &roles);
        assert_eq!(unknown_roles(&session, "o1"), Some(roles));

        let team_entry = TeamEntry {
            org_name: "acme".into(),
            slug: "eng".into(),
        };
        put_team(&session, "t1", &team_entry);
        assert_eq!(team(&session, "t1"), Some(team_entry));
    }

    #[test]
    fn members_are_compact_and_keep_emails_only_for_unknown_roles() {
        let member = |role: &str| -> Member {
            serde_json::from_value(serde_json::json!({
                "id": "m1", "role": role,
                "user": {"id": "u1", "email": "ann@acme.example"},
            }))
            .unwrap()
        };
        let admin = MemberEntry::from(&member("admin"));
        assert_eq!(admin.email, None);
        assert_eq!(
            serde_json::to_string(&admin).unwrap(),
            r#"["u1","admin",null]"#
        );
        let billing = MemberEntry::from(&member("billing"));
        assert_eq!(billing.email.as_deref(), Some("ann@acme.example"));
        let json = serde_json::to_string(&billing).unwrap();
        assert_eq!(serde_json::from_str::<MemberEntry>(&json).unwrap(), billing);
    }
}
