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

    /// The service-token accesses of which the endpoint needs one; empty when it needs none.
    pub fn accesses(self) -> &'static [&'static str] {
        match self {
            EndpointKind::Organizations | EndpointKind::Unknown => &[],
            EndpointKind::ServiceTokens | EndpointKind::ServiceToken => &["read_service_tokens"],
            EndpointKind::Databases => DATABASE_ACCESSES,
            EndpointKind::OAuthApplications => &["read_oauth_applications"],
            EndpointKind::OAuthTokens | EndpointKind::OAuthToken => &["read_oauth_tokens"],
            EndpointKind::Invitations => &["write_members"],
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
    /// Parses a `GET` path; anything else is [`EndpointKind::Unknown`].
    pub(crate) fn parse(method: &str, path: &str) -> Endpoint {
        let unknown = Endpoint {
            kind: EndpointKind::Unknown,
            org: None,
            team: None,
            user: None,
            app: None,
            id: None,
        };
        if method != "GET" {
            return unknown;
        }
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
        let (kind, org, team, user) = match segments.as_slice() {
            [] if rest.is_empty() || rest == "/" => (EndpointKind::Organizations, None, None, None),
            [org] => (EndpointKind::Organization, owned(org), None, None),
            [org, "members"] => (EndpointKind::Members, owned(org), None, None),
            [org, "members", user] => (EndpointKind::Member, owned(org), None, owned(user)),
            [org, "teams"] => (EndpointKind::Teams, owned(org), None, None),
            [org, "teams", team] => (EndpointKind::Team, owned(org), owned(team), None),
            [org, "teams", team, "members"] => {
                (EndpointKind::TeamMembers, owned(org), owned(team), None)
            }
            [org, "service-tokens"] => (EndpointKind::ServiceTokens, owned(org), None, None),
            [org, "service-tokens", _] => (EndpointKind::ServiceToken, owned(org), None, None),
            [org, "databases"] => (EndpointKind::Databases, owned(org), None, None),
            [org, "oauth-applications"] => {
                (EndpointKind::OAuthApplications, owned(org), None, None)
            }
            [org, "oauth-applications", _, "tokens"] => {
                (EndpointKind::OAuthTokens, owned(org), None, None)
            }
            [org, "oauth-applications", _, "tokens", _] => {
                (EndpointKind::OAuthToken, owned(org), None, None)
            }
            [org, "invitations"] => (EndpointKind::Invitations, owned(org), None, None),
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
    fn everything_else_is_unknown() {
        use EndpointKind::Unknown;
        check("POST", "/v1/organizations", Unknown, None, None);
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
