//! A team in an organization.

use serde::{Deserialize, Serialize};

use crate::lenient::null_as_default;
use crate::models::DatabaseRef;

/// A team. Its `slug` is what the team endpoints take in their paths.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Team {
    /// The team's ID: its stable identity.
    pub id: String,
    /// The team's name; empty when the server sent none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// The name shown in the UI.
    pub display_name: Option<String>,
    /// The slug used in paths.
    pub slug: String,
    /// The team's description.
    pub description: Option<String>,
    /// Whether SSO or a directory manages the team, making it read-only through the API.
    pub managed: Option<bool>,
    /// The databases whose Database Administrator access the team's members have.
    #[serde(default, deserialize_with = "null_as_default")]
    pub databases: Vec<DatabaseRef>,
    /// The databases whose Database Analyst access the team's members have.
    #[serde(default, deserialize_with = "null_as_default")]
    pub analyst_databases: Vec<DatabaseRef>,
    /// When the team was created (ISO-8601).
    pub created_at: Option<String>,
    /// When the team was last updated (ISO-8601).
    pub updated_at: Option<String>,
}
