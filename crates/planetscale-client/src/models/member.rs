//! An organization membership.

use serde::{Deserialize, Serialize};

use crate::models::{Role, User};

/// One user's membership of an organization.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Member {
    /// The membership's own ID. The member endpoints take [`User::id`] instead.
    pub id: String,
    /// The member's role; an absent role reads as `Other("")`.
    #[serde(default)]
    pub role: Role,
    /// The member.
    pub user: User,
    /// When the membership was created (ISO-8601).
    pub created_at: Option<String>,
    /// When the membership was last updated (ISO-8601).
    pub updated_at: Option<String>,
}
