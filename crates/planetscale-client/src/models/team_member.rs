//! A team membership.

use serde::{Deserialize, Serialize};

use crate::models::User;

/// One user's membership of a team.
///
/// The API also sends `passwords`, the database branch passwords the member created through
/// the team. They are deliberately not modelled, so they are dropped while decoding and never
/// reach memory owned by the caller, a log or an output file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct TeamMember {
    /// The team membership's own ID.
    pub id: String,
    /// The member.
    pub user: User,
    /// When the user joined the team (ISO-8601).
    pub created_at: Option<String>,
    /// When the membership was last updated (ISO-8601).
    pub updated_at: Option<String>,
}
