//! A pending invitation to an organization.

use serde::{Deserialize, Serialize};

use crate::lenient::null_as_default;
use crate::models::{Role, User};

/// A pending invitation to join an organization.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Invitation {
    /// The invitation's ID.
    pub id: String,
    /// The invited address; empty when the server sent none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub email: String,
    /// The role the invitee will get; an absent role reads as `Other("")`.
    #[serde(default)]
    pub role: Role,
    /// Who sent it.
    pub sender: Option<User>,
    /// The invitee's account, when they already have one.
    pub recipient: Option<User>,
    /// Whether the invitation has expired.
    pub expired: Option<bool>,
    /// When the invitation expires (ISO-8601).
    pub expires_at: Option<String>,
    /// When the invitation was sent (ISO-8601).
    pub created_at: Option<String>,
}
