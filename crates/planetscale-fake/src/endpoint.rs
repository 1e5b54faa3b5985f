//! Which API endpoint a path names.

use serde::{Deserialize, Serialize};

/// The kinds of endpoint the fake serves, for fault matching and statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// `GET /v1/organizations`
    Organizations,
    /// `GET /v1/organizations/{org}`
    Organization,
    /// `GET /v1/organizations/{org}/members`
    Members,
    /// `GET /v1/organizations/{org}/members/{user_id}`
    Member,
    /// `GET /v1/organizations/{org}/teams`
    Teams,
    /// `GET /v1/organizations/{org}/teams/{slug}`
    Team,
    /// `GET /v1/organizations/{org}/teams/{slug}/members`
    TeamMembers,
    /// `GET /v1/organizations/{org}/service-tokens`
    ServiceTokens,
    /// `GET /v1/organizations/{org}/service-tokens/{id}`
    ServiceToken,
    /// `GET /v1/organizations/{org}/databases`
    Databases,
    /// `GET /v1/organizations/{org}/oauth-applications`
    OAuthApplications,
    /// `GET /v1/organizations/{org}/oauth-applications/{app}/tokens`
    OAuthTokens,
    /// `GET /v1/organizations/{org}/oauth-applications/{app}/tokens/{id}`
    OAuthToken,
    /// `GET /v1/organizations/{org}/invitations`
    Invitations,
    /// `GET /v1/organizations/{org}/teams/{slug}/members/{id}`
    TeamMember,
    /// `PATCH /v1/organizations/{org}/members/{user_id}`
    UpdateMember,
    /// `DELETE /v1/organizations/{org}/members/{user_id}`
    RemoveMember,
    /// `POST /v1/organizations/{org}/teams/{slug}/members`
    AddTeamMember,
    /// `DELETE /v1/organizations/{org}/teams/{slug}/members/{id}`
    RemoveTeamMember,
    /// `POST /v1/organizations/{org}/invitations`
    CreateInvitation,
    /// `GET /v1/organizations/{org}/audit-log`
    AuditLog,
    /// Any other path or method: answered 404.
    Unknown,
}

impl EndpointKind {
    /// The snake-case name used in statistics and fault files.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Organizations => "organizations",
            EndpointKind::Organization => "organization",
            EndpointKind::Members => "members",
            EndpointKind::Member => "member",
            EndpointKind::Teams => "teams",
            EndpointKind::Team => "team",
            EndpointKind::TeamMembers => "team_members",
            EndpointKind::ServiceTokens => "service_tokens",
            EndpointKind::ServiceToken => "service_token",
            EndpointKind::Databases => "databases",
            EndpointKind::OAuthApplications => "oauth_applications",
            EndpointKind::OAuthTokens => "oauth_tokens",
            EndpointKind::OAuthToken => "oauth_token",
            EndpointKind::Invitations => "invitations",
            EndpointKind::TeamMember => "team_member",
            EndpointKind::UpdateMember => "update_member",
            EndpointKind::RemoveMember => "remove_member",
            EndpointKind::AddTeamMember => "add_team_member",
            EndpointKind::RemoveTeamMember => "remove_team_member",
            EndpointKind::CreateInvitation => "create_invitation",
            EndpointKind::AuditLog => "audit_log",
            EndpointKind::Unknown => "unknown",
        }
    }

    /// Whether the endpoint answers a paginated list.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            EndpointKind::Organizations
                | EndpointKind::Members
                | EndpointKind::Teams
                | EndpointKind::TeamMembers
                | EndpointKind::ServiceTokens
                | EndpointKind::Databases
                | EndpointKind::OAuthApplications
                | EndpointKind::OAuthTokens
                | EndpointKind::Invitations
        )
    }

    /// Whether the endpoint changes the data.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            EndpointKind::UpdateMember
                | EndpointKind::RemoveMember
                | EndpointKind::AddTeamMember
                | EndpointKind::RemoveTeamMember
                | EndpointKind::CreateInvitation
        )
    }

    /// The service-token accesses of which the endpoint needs one; empty when it needs none.
    pub fn accesses(self) -> &'static [&'static str] {
        match self {
            EndpointKind::Organizations | EndpointKind::Unknown => &[],
            EndpointKind::ServiceTokens | EndpointKind::ServiceToken => &["read_service_tokens"],
            EndpointKind::Databases => DATABASE_ACCESSES,
            EndpointKind::OAuthApplications => &["read_oauth_applications"],
            EndpointKind::OAuthTokens | EndpointKind::OAuthToken => &["read_oauth_tokens"],
            EndpointKind::Invitations | EndpointKind::CreateInvitation => &["write_members"],
            EndpointKind::UpdateMember | EndpointKind::RemoveMember => &["write_organization"],
            EndpointKind::AddTeamMember | EndpointKind::RemoveTeamMember => &["write_teams"],
            EndpointKind::AuditLog => &["read_audit_logs"],
            _ => &["read_organization"],
        }
    }
}

/// The accesses any of which lets a service token list an organization's databases (the
/// reference's `list_databases` operation accepts each).
pub const DATABASE_ACCESSES: &[&str] = &[
    "read_database",
    "delete_database",
    "write_database",
    "read_branch",
    "delete_branch",
    "create_branch",
    "promote_branches",
    "demote_branches",
    "delete_production_branch",
    "connect_branch",
    "connect_production_branch",
    "connect_production_read_only_branch",
    "delete_branch_password",
    "delete_production_branch_password",
    "delete_production_read_only_branch_password",
    "read_deploy_request",
    "create_deploy_request",
    "approve_deploy_request",
    "read_comment",
    "create_comment",
    "restore_backup",
    "restore_production_branch_backup",
    "read_backups",
    "write_backups",
    "delete_backups",
    "delete_production_branch_backups",
    "write_branch_vschema",
    "write_production_branch_vschema",
];

/// A parsed request path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) kind: EndpointKind,
    pub(crate) org: Option<String>,
    pub(crate) team: Option<String>,
    pub(crate) user: Option<String>,
    /// The OAuth application of the OAuth token endpoints.
    pub(crate) app: Option<String>,
    /// The service token or OAuth token of the endpoints that answer one.
    pub(crate) id: Option<String>,
}

impl Endpoint {
    /// Parses a method and path; anything the fake does not serve is [`EndpointKind::Unknown`].
    /// `user` holds the last path id: a user id, a team membership id or a service token id.
    pub(crate) fn parse(method: &str, path: &str) -> Endpoint {
        let unknown = Endpoint {
            kind: EndpointKind::Unknown,
            org: None,
            team: None,
            user: None,
            app: None,
            id: None,
        };
        let Some(rest) = path.strip_prefix("/v1/organizations") else {
            return unknown;
        };
        let segments: Vec<&str> = rest.trim_end_matches('/').split('/').skip(1).collect();
        if segments.iter().any(|s| s.is_empty()) {
            return unknown;
        }
        let owned = |s: &str| Some(s.to_string());
        let (app, id) = match segments.as_slice() {
            [_, "service-tokens", id] => (None, owned(id)),
            [_, "oauth-applications", app, "tokens", id] => (owned(app), owned(id)),
            [_, "oauth-applications", app, "tokens"] => (owned(app), None),
            _ => (None, None),
        };
        use EndpointKind::*;
        let (kind, org, team, user) = match (method, segments.as_slice()) {
            ("GET", []) if rest.is_empty() || rest == "/" => (Organizations, None, None, None),
            ("GET", [org]) => (Organization, owned(org), None, None),
            ("GET", [org, "members"]) => (Members, owned(org), None, None),
            ("GET", [org, "audit-log"]) => (AuditLog, owned(org), None, None),
            ("GET", [org, "members", user]) => (Member, owned(org), None, owned(user)),
            ("PATCH", [org, "members", user]) => (UpdateMember, owned(org), None, owned(user)),
            ("DELETE", [org, "members", user]) => (RemoveMember, owned(org), None, owned(user)),
            ("GET", [org, "teams"]) => (Teams, owned(org), None, None),
            ("GET", [org, "teams", team]) => (Team, owned(org), owned(team), None),
            ("GET", [org, "teams", team, "members"]) => {
                (TeamMembers, owned(org), owned(team), None)
            }
            ("POST", [org, "teams", team, "members"]) => {
                (AddTeamMember, owned(org), owned(team), None)
            }
            ("GET", [org, "teams", team, "members", id]) => {
                (TeamMember, owned(org), owned(team), owned(id))
            }
            ("DELETE", [org, "teams", team, "members", id]) => {
                (RemoveTeamMember, owned(org), owned(team), owned(id))
            }
            ("GET", [org, "service-tokens"]) => (ServiceTokens, owned(org), None, None),
            ("GET", [org, "service-tokens", _]) => (ServiceToken, owned(org), None, None),
            ("GET", [org, "databases"]) => (Databases, owned(org), None, None),
            ("GET", [org, "oauth-applications"]) => (OAuthApplications, owned(org), None, None),
            ("GET", [org, "oauth-applications", _, "tokens"]) => {
                (OAuthTokens, owned(org), None, None)
            }
            ("GET", [org, "oauth-applications", _, "tokens", _]) => {
                (OAuthToken, owned(org), None, None)
            }
            ("GET", [org, "invitations"]) => (Invitations, owned(org), None, None),
            ("POST", [org, "invitations"]) => (CreateInvitation, owned(org), None, None),
            _ => return unknown,
        };
        Endpoint {
            kind,
            org,
            team,
            user,
            app,
            id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: &str, path: &str, kind: EndpointKind, org: Option<&str>, team: Option<&str>) {
        let endpoint = Endpoint::parse(method, path);
        assert_eq!(endpoint.kind, kind, "{method} {path}");
        assert_eq!(endpoint.org.as_deref(), org, "{method} {path}");
        assert_eq!(endpoint.team.as_deref(), team, "{method} {path}");
    }

    #[test]
    fn parses_every_endpoint() {
        use EndpointKind::*;
        check("GET", "/v1/organizations", Organizations, None, None);
        check("GET", "/v1/organizations/", Organizations, None, None);
        check(
            "GET",
            "/v1/organizations/acme",
            Organization,
            Some("acme"),
            None,
        );
        check(
            "GET",
            "/v1/organizations/acme/members",
            Members,
            Some("acme"),
            None,
        );
        check(
            "GET",
            "/v1/organizations/acme/members/u1",
            Member,
            Some("acme"),
            None,
        );
        check(
            "GET",
            "/v1/organizations/acme/teams",
            Teams,
            Some("acme"),
            None,
        );
        check(
            "GET",
            "/v1/organizations/acme/teams/sre",
            Team,
            Some("acme"),
            Some("sre"),
        );
        check(
            "GET",
            "/v1/organizations/acme/teams/sre/members",
            TeamMembers,
            Some("acme"),
            Some("sre"),
        );
        check(
            "GET",
            "/v1/organizations/acme/service-tokens",
            ServiceTokens,
            Some("acme"),
            None,
        );
        check(
            "GET",
            "/v1/organizations/acme/invitations",
            Invitations,
            Some("acme"),
            None,
        );
        check(
            "GET",
            "/v1/organizations/acme/databases",
            Databases,
            Some("acme"),
            None,
        );
        check(
            "GET",
            "/v1/organizations/acme/oauth-applications",
            OAuthApplications,
            Some("acme"),
            None,
        );
        let token = Endpoint::parse("GET", "/v1/organizations/acme/service-tokens/t1");
        assert_eq!(
            (token.kind, token.id.as_deref()),
            (ServiceToken, Some("t1"))
        );
        let tokens = Endpoint::parse("GET", "/v1/organizations/acme/oauth-applications/a1/tokens");
        assert_eq!(
            (tokens.kind, tokens.app.as_deref()),
            (OAuthTokens, Some("a1"))
        );
        let one = Endpoint::parse(
            "GET",
            "/v1/organizations/acme/oauth-applications/a1/tokens/k1",
        );
        assert_eq!(
            (one.kind, one.app.as_deref(), one.id.as_deref()),
            (OAuthToken, Some("a1"), Some("k1"))
        );
    }

    #[test]
    fn parses_every_write_and_the_reads_by_id() {
        use EndpointKind::*;
        let members = "/v1/organizations/acme/members/u1";
        check("PATCH", members, UpdateMember, Some("acme"), None);
        check("DELETE", members, RemoveMember, Some("acme"), None);
        let team = "/v1/organizations/acme/teams/sre/members";
        check("POST", team, AddTeamMember, Some("acme"), Some("sre"));
        check(
            "GET",
            &format!("{team}/u1"),
            TeamMember,
            Some("acme"),
            Some("sre"),
        );
        check(
            "DELETE",
            &format!("{team}/u1"),
            RemoveTeamMember,
            Some("acme"),
            Some("sre"),
        );
        let invitations = "/v1/organizations/acme/invitations";
        check("POST", invitations, CreateInvitation, Some("acme"), None);
        assert_eq!(
            Endpoint::parse("DELETE", members).user.as_deref(),
            Some("u1")
        );
        assert!(RemoveMember.is_write() && !Member.is_write());
        assert_eq!(AddTeamMember.accesses(), ["write_teams"]);
    }

    #[test]
    fn everything_else_is_unknown() {
        use EndpointKind::Unknown;
        check("POST", "/v1/organizations", Unknown, None, None);
        check(
            "PUT",
            "/v1/organizations/acme/members/u1",
            Unknown,
            None,
            None,
        );
        check(
            "DELETE",
            "/v1/organizations/acme/teams/sre",
            Unknown,
            None,
            None,
        );
        check("GET", "/organizations", Unknown, None, None);
        check("GET", "/v1/organizationsx", Unknown, None, None);
        check("GET", "/v1/organizations//members", Unknown, None, None);
        check(
            "GET",
            "/v1/organizations/acme/databases/orders",
            Unknown,
            None,
            None,
        );
        check("GET", "/v1/user", Unknown, None, None);
    }
}
