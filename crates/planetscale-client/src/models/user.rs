//! A PlanetScale user, as nested in memberships.

use serde::{Deserialize, Serialize};

/// A PlanetScale user as it appears inside organization and team memberships. Only `id` is
/// required; `name` is often `null`, and the SSO flags may be absent.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct User {
    /// The user's ID: the stable identity, and the `{id}` of the member endpoints.
    pub id: String,
    /// The name shown in the UI (the email when no name is set).
    pub display_name: Option<String>,
    /// The user's full name; often `null`.
    pub name: Option<String>,
    /// The primary email address.
    pub email: Option<String>,
    /// The avatar URL; may be empty.
    pub avatar_url: Option<String>,
    /// When the user was created (ISO-8601).
    pub created_at: Option<String>,
    /// When the user was last updated (ISO-8601).
    pub updated_at: Option<String>,
    /// Whether the user has two-factor authentication set up.
    pub two_factor_auth_configured: Option<bool>,
    /// Whether the user signs in through SSO.
    pub sso: Option<bool>,
    /// Whether an auth provider manages the user.
    pub managed: Option<bool>,
    /// Whether an SSO directory manages the user.
    pub directory_managed: Option<bool>,
    /// Whether the email address is verified.
    pub email_verified: Option<bool>,
}
