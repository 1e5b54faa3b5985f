//! Typed keys of the per-sync session cache.
//!
//! The cache is persisted with every checkpoint, so what one call learns (organization names,
//! the compact member list of each page) is still there after a resume and is never fetched
//! twice. Keys:
//!
//! | key | value |
//! |---|---|
//! | `orgs:page:<n>` | the organizations of page `n` of `GET /organizations` |
//! | `orgs` | every organization the token reaches, in API order (written after the last page) |
//! | `org:<org id>` | that organization (id and name: API paths use the name) |
//! | `members:<org id>:<n>` | page `n` of the organization's members: (user id, role) pairs and paging |
//! | `team:<team id>` | the team's organization name and slug (API paths use both) |
//! | `total:<list>` | the `total_count` page 1 of a list reported; lists: `teams:<org id>`, `team-members:<team id>` |

use connector_sdk::SessionCache;
use serde::{Deserialize, Serialize};

/// One organization: the id identifies it, the name goes in API paths.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrgEntry {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// The paging facts of one fetched page, enough to plan the rest of the list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Paging {
    pub(crate) next_page: Option<u32>,
    pub(crate) total_pages: Option<u32>,
    pub(crate) empty: bool,
}

impl<T> From<&planetscale_client::Page<T>> for Paging {
    fn from(page: &planetscale_client::Page<T>) -> Self {
        Paging {
            next_page: page.next_page,
            total_pages: page.total_pages,
            empty: page.items.is_empty(),
        }
    }
}

/// One page of an organization's members, reduced to what the organization grants need.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MemberPage {
    pub(crate) paging: Paging,
    /// `(user id, role as sent on the wire)`.
    pub(crate) members: Vec<(String, String)>,
    /// The list's `total_count` when the page was fetched: pages whose totals differ were
    /// fetched from different versions of the list.
    #[serde(default)]
    pub(crate) total_count: Option<u64>,
}

impl From<&planetscale_client::Page<planetscale_client::Member>> for MemberPage {
    fn from(page: &planetscale_client::Page<planetscale_client::Member>) -> Self {
        MemberPage {
            paging: Paging::from(page),
            members: page
                .items
                .iter()
                .map(|m| (m.user.id.clone(), m.role.to_string()))
                .collect(),
            total_count: page.total_count,
        }
    }
}

/// Where a team lives: API paths name the organization and the team slug.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TeamEntry {
    pub(crate) org_name: String,
    pub(crate) slug: String,
}

pub(crate) fn org_page(session: &SessionCache, page: u32) -> Option<Vec<OrgEntry>> {
    session.get_json(&format!("orgs:page:{page}"))
}

pub(crate) fn put_org_page(session: &SessionCache, page: u32, orgs: &[OrgEntry]) {
    session.put_json(format!("orgs:page:{page}"), &orgs);
    for org in orgs {
        session.put_json(format!("org:{}", org.id), org);
    }
}

pub(crate) fn orgs(session: &SessionCache) -> Option<Vec<OrgEntry>> {
    session.get_json("orgs")
}

pub(crate) fn put_orgs(session: &SessionCache, orgs: &[OrgEntry]) {
    session.put_json("orgs", &orgs);
    for org in orgs {
        session.put_json(format!("org:{}", org.id), org);
    }
}

pub(crate) fn org(session: &SessionCache, org_id: &str) -> Option<OrgEntry> {
    session.get_json(&format!("org:{org_id}"))
}

pub(crate) fn member_page(session: &SessionCache, org_id: &str, page: u32) -> Option<MemberPage> {
    session.get_json(&format!("members:{org_id}:{page}"))
}

pub(crate) fn put_member_page(session: &SessionCache, org_id: &str, page: u32, value: &MemberPage) {
    session.put_json(format!("members:{org_id}:{page}"), value);
}

pub(crate) fn team(session: &SessionCache, team_id: &str) -> Option<TeamEntry> {
    session.get_json(&format!("team:{team_id}"))
}

pub(crate) fn put_team(session: &SessionCache, team_id: &str, value: &TeamEntry) {
    session.put_json(format!("team:{team_id}"), value);
}

/// The `total_count` page 1 of `list` reported, when page 1 was fetched and reported one.
pub(crate) fn first_total(session: &SessionCache, list: &str) -> Option<u64> {
    session.get_json(&format!("total:{list}"))
}

pub(crate) fn put_first_total(session: &SessionCache, list: &str, total: Option<u64>) {
    if let Some(total) = total {
        session.put_json(format!("total:{list}"), &total);
    }
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
        put_org_page(&session, 1, std::slice::from_ref(&acme));
        assert_eq!(org_page(&session, 1), Some(vec![acme.clone()]));
        assert_eq!(org(&session, "o1"), Some(acme));
        assert_eq!(org_page(&session, 2), None);

        let page = MemberPage {
            paging: Paging {
                next_page: Some(2),
                total_pages: Some(3),
                empty: false,
            },
            members: vec![("u1".into(), "admin".into())],
            total_count: Some(1),
        };
        put_member_page(&session, "o1", 1, &page);
        assert_eq!(member_page(&session, "o1", 1), Some(page));
        assert_eq!(member_page(&session, "o1", 2), None);

        let team_entry = TeamEntry {
            org_name: "acme".into(),
            slug: "eng".into(),
        };
        put_team(&session, "t1", &team_entry);
        assert_eq!(team(&session, "t1"), Some(team_entry));
    }
}
