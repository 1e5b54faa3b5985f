//! A PlanetScale organization.

use serde::{Deserialize, Serialize};

use crate::lenient::string_or_number;

/// An organization. Its `name` is the slug the other endpoints take in their paths.
///
/// Free-form fields (`features`) are not modelled: decoding skips them rather than building a
/// tree of values a server could make as large as the response limit.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Organization {
    /// The organization's ID: its stable identity.
    pub id: String,
    /// The organization's name, used in paths.
    pub name: String,
    /// The billing plan, for example `scaler_pro` (values are not enumerated by the spec).
    pub plan: Option<String>,
    /// Whether SSO is enabled.
    pub sso: Option<bool>,
    /// Whether an SSO directory (SCIM) is connected.
    pub sso_directory: Option<bool>,
    /// Whether the identity provider manages roles, so the API cannot change them.
    pub idp_managed_roles: Option<bool>,
    /// When the organization was created (ISO-8601).
    pub created_at: Option<String>,
    /// When the organization was last updated (ISO-8601).
    pub updated_at: Option<String>,
    /// The billing email address.
    pub billing_email: Option<String>,
    /// Whether the billing details are valid.
    pub valid_billing_info: Option<bool>,
    /// Whether the organization runs on single tenancy.
    pub single_tenancy: Option<bool>,
    /// Whether the organization runs on managed tenancy.
    pub managed_tenancy: Option<bool>,
    /// Whether invoices are past due.
    pub has_past_due_invoices: Option<bool>,
    /// The number of databases.
    pub database_count: Option<u64>,
    /// The SSO portal URL.
    pub sso_portal_url: Option<String>,
    /// The invoice budget; a string in responses, read from a number too.
    #[serde(default, deserialize_with = "string_or_number")]
    pub invoice_budget_amount: Option<String>,
    /// The keyspace shard limit.
    pub keyspace_shard_limit: Option<u64>,
    /// Whether a card is on file.
    pub has_card: Option<bool>,
    /// Whether payment information is required.
    pub payment_info_required: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_form_fields_are_skipped_not_kept() {
        let features: serde_json::Map<String, serde_json::Value> = (0..10_000)
            .map(|n| {
                (
                    format!("flag_{n}"),
                    serde_json::json!({"on": true, "rollout": [n]}),
                )
            })
            .collect();
        let body = serde_json::json!({"id": "k7w2m9d1qz4e", "name": "acme", "features": features});
        let organization: Organization = serde_json::from_value(body).unwrap();
        let kept = serde_json::to_value(&organization).unwrap();
        assert!(kept.get("features").is_none(), "{kept}");
        assert_eq!(organization.name, "acme");
    }
}
