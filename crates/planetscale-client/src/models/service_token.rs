//! A service token: a non-human identity with per-resource accesses.

use serde::{Deserialize, Serialize};

use crate::lenient::null_as_default;

/// A service token as listed by the organization. The token's secret (`token`,
/// `plain_text_refresh_token`) is deliberately not modelled, so it is dropped while decoding.
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
    /// When the token was last used (ISO-8601).
    pub last_used_at: Option<String>,
    /// The ID of the actor the token was created on behalf of.
    pub actor_id: Option<String>,
    /// The display name of that actor.
    pub actor_display_name: Option<String>,
    /// The type of that actor, for example `User`.
    pub actor_type: Option<String>,
    /// What the token may do, resource by resource.
    #[serde(
        rename = "service_token_accesses",
        default,
        deserialize_with = "null_as_default"
    )]
    pub accesses: Vec<ServiceTokenAccess>,
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
