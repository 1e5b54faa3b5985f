//! The organization audit log: who changed what, when and from where.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lenient::null_as_default;

/// One page of `GET /organizations/{org}/audit-log`: cursor paging, not the page numbers of
/// the other lists. The next page is `starting_after = cursor_end` while `has_next`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct AuditLogPage {
    /// The entries, in the order the API sends them (newest first on PlanetScale).
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: Vec<AuditEntry>,
    /// Whether entries follow this page.
    #[serde(default)]
    pub has_next: bool,
    /// Whether entries precede this page.
    #[serde(default)]
    pub has_prev: bool,
    /// The id of the page's first entry.
    #[serde(default)]
    pub cursor_start: Option<String>,
    /// The id of the page's last entry: `starting_after` of the next page.
    #[serde(default)]
    pub cursor_end: Option<String>,
}

impl AuditLogPage {
    /// The cursor of the next page, when there is one that moves forward.
    pub fn next_cursor(&self) -> Option<&str> {
        match (self.has_next, self.cursor_end.as_deref()) {
            (true, Some(cursor)) if !cursor.is_empty() => Some(cursor),
            _ => None,
        }
    }
}

/// One audit-log entry, every field as the API sends it (the spec marks most nullable).
///
/// `metadata` is free-form ("additional metadata containing details about the change") and is
/// kept as sent: whoever stores it must drop what looks like a secret (the connector does, with
/// `connector_sdk::events::redact`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct AuditEntry {
    /// The entry's id: the cursor of `starting_after`.
    pub id: String,
    /// Who acted: a user's or service token's id.
    #[serde(default)]
    pub actor_id: Option<String>,
    /// `User` or `ServiceToken` (others kept as sent).
    #[serde(default)]
    pub actor_type: Option<String>,
    /// The actor as the console shows it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub actor_display_name: String,
    /// The object the entry is filed under (`Organization`, `Database`, …): its id.
    #[serde(default)]
    pub auditable_id: Option<String>,
    /// Its type.
    #[serde(default)]
    pub auditable_type: Option<String>,
    /// Its name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub auditable_display_name: String,
    /// What was changed: its id.
    #[serde(default)]
    pub target_id: Option<String>,
    /// Its type (`User`, `Team`, `DatabaseBranch`, …).
    #[serde(default)]
    pub target_type: Option<String>,
    /// Its name.
    #[serde(default)]
    pub target_display_name: Option<String>,
    /// The action taken, e.g. `updated_role`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub action: String,
    /// The action taken, as the audit log names it, e.g. `organization.updated_role`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub audit_action: String,
    /// Where the request came from, as PlanetScale located `remote_ip`.
    #[serde(default)]
    pub location: Option<String>,
    /// The address the change came from.
    #[serde(default)]
    pub remote_ip: Option<String>,
    /// When it happened (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub created_at: String,
    /// When the entry was last updated (ISO-8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Details of the change, free-form.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
}
