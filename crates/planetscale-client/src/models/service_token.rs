//! A service token, or an OAuth application's token: non-human identities with per-resource
//! accesses. The API sends both in one shape.

use serde::{Deserialize, Serialize};

use crate::lenient::null_as_default;

/// A service token as the organization lists it, or a token of an OAuth application. Its
/// secrets (`token`, `plain_text_refresh_token`) are deliberately not modelled, so they are
/// dropped while decoding and never reach memory owned by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ServiceToken {
    /// The token's ID (its public half).
    pub id: String,
    /// The token's name.
    pub name: Option<String>,
    /// The name shown in the UI.
    pub display_name: Option<String>,
    /// When the token was created (ISO-8601).
    pub created_at: Option<String>,
    /// When the token was last updated (ISO-8601).
    pub updated_at: Option<String>,
    /// When the token expires (ISO-8601); `None` if never.
    pub expires_at: Option<String>,
    /// When the token was last used (ISO-8601); `None` if never.
    pub last_used_at: Option<String>,
    /// The ID of the actor the token was created by, or acts on behalf of.
    pub actor_id: Option<String>,
    /// The display name of that actor.
    pub actor_display_name: Option<String>,
    /// The type of that actor, for example `User`.
    pub actor_type: Option<String>,
    /// What the token may do, resource by resource; `None` when the response left them out
    /// (a list may: `GET …/service-tokens/{id}` has them).
    #[serde(rename = "service_token_accesses", default)]
    pub accesses: Option<Vec<ServiceTokenAccess>>,
    /// What an OAuth token may do, grouped by the kind of resource; `None` when not sent.
    #[serde(rename = "oauth_accesses_by_resource", default)]
    pub oauth_accesses: Option<OAuthAccesses>,
}

impl ServiceToken {
    /// Whether the response said what the token may do (in either form).
    pub fn has_accesses(&self) -> bool {
        self.accesses.is_some() || self.oauth_accesses.is_some()
    }
}

/// One permission of a service token on one resource.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ServiceTokenAccess {
    /// The access grant's ID.
    pub id: String,
    /// The permission, for example `read_organization`.
    pub access: Option<String>,
    /// A human description of the permission.
    pub description: Option<String>,
    /// The name of the resource the permission applies to.
    pub resource_name: Option<String>,
    /// The ID of that resource.
    pub resource_id: Option<String>,
    /// The type of that resource, for example `Organization` or `Database`.
    pub resource_type: Option<String>,
}

/// An OAuth token's accesses, by the kind of resource they apply to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OAuthAccesses {
    /// Accesses on databases.
    pub database: Option<OAuthScope>,
    /// Accesses on organizations.
    pub organization: Option<OAuthScope>,
    /// Accesses on database branches.
    pub branch: Option<OAuthScope>,
    /// Accesses on the authorising user's own account.
    pub user: Option<OAuthScope>,
}

/// Accesses that apply to each of a list of resources.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OAuthScope {
    /// The resources (the wire calls them `databases`, `organizations`, `branches` or `users`).
    #[serde(
        alias = "databases",
        alias = "organizations",
        alias = "branches",
        alias = "users",
        default,
        deserialize_with = "null_as_default"
    )]
    pub resources: Vec<OAuthResource>,
    /// The accesses held on each of them.
    #[serde(default, deserialize_with = "null_as_default")]
    pub accesses: Vec<OAuthAccess>,
}

/// A resource an OAuth token's accesses apply to.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct OAuthResource {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// For a branch, the name of its database.
    pub database: Option<String>,
    /// For a database or branch, the name of its organization.
    pub organization: Option<String>,
}

/// One access an OAuth token holds.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct OAuthAccess {
    /// The access, for example `read_databases`.
    pub name: String,
    /// A human description of it.
    pub description: Option<String>,
}
