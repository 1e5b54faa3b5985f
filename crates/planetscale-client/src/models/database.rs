//! A database: as the database list sends it, and as a team names it.

use serde::{Deserialize, Serialize};

use crate::lenient::null_as_default;

/// A database as `GET /organizations/{org}/databases` lists it. Only what an access review
/// reads is kept; the rest (counts, import settings, regions' addresses) is skipped.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Database {
    /// The database's ID: its stable identity.
    pub id: String,
    /// The database's name, used in paths; empty when the server sent none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// `mysql` or `postgresql`.
    pub kind: Option<String>,
    /// `ready`, `sleeping`, `importing` …
    pub state: Option<String>,
    /// The database's plan.
    pub plan: Option<String>,
    /// Its page in the web console.
    pub html_url: Option<String>,
    /// The region it runs in.
    pub region: Option<Region>,
    /// The name of the default branch.
    pub default_branch: Option<String>,
    /// How many production branches it has.
    pub production_branches_count: Option<u64>,
    /// Whether deleting it is blocked.
    pub deletion_protected: Option<bool>,
    /// Whether deleting it needs more than one administrator.
    pub multiple_admins_required_for_deletion: Option<bool>,
    /// Whether deploy requests need an approval.
    pub require_approval_for_deploy: Option<bool>,
    /// When it was created (ISO-8601).
    pub created_at: Option<String>,
    /// When it was last updated (ISO-8601).
    pub updated_at: Option<String>,
}

/// Where a database runs.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Region {
    /// The region's slug, for example `us-east`.
    pub slug: Option<String>,
    /// The region's name as shown, for example `AWS us-east-1`.
    pub display_name: Option<String>,
}

/// A database as a team's `databases` and `analyst_databases` name it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct DatabaseRef {
    /// The database's ID.
    pub id: String,
    /// The database's name; empty when the server sent none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
}
