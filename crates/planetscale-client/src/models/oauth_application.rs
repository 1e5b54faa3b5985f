//! An OAuth application authorised in an organization.

use serde::{Deserialize, Serialize};

use crate::lenient::null_as_default;

/// An OAuth application as `GET /organizations/{org}/oauth-applications` lists it. Its tokens
/// are listed on their own ([`Client::list_oauth_tokens`](crate::Client::list_oauth_tokens)).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct OAuthApplication {
    /// The application's ID.
    pub id: String,
    /// The application's name; empty when the server sent none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// The domain it was registered for.
    pub domain: Option<String>,
    /// Where it sends people back after they authorise it.
    pub redirect_uri: Option<String>,
    /// Its public OAuth client ID.
    pub client_id: Option<String>,
    /// The scopes it asks for, space-separated.
    pub scopes: Option<String>,
    /// How many tokens it holds.
    pub tokens: Option<u64>,
    /// When it was created (ISO-8601).
    pub created_at: Option<String>,
    /// When it was last updated (ISO-8601).
    pub updated_at: Option<String>,
}
