//! How listings, diffs and errors name resources and entitlements for people.

use connector_sdk::{Entitlement, Resource};

/// `type:id (name)`, or `type:id` when the name is empty or the id: what listings print, and
/// what [`Snapshot::resource_named`](crate::Snapshot::resource_named) reads back.
pub fn label(r: &Resource) -> String {
    match r.display_name.is_empty() || r.display_name == r.id.resource {
        true => r.id.to_string(),
        false => format!("{} ({})", r.id, r.display_name),
    }
}

/// The display name, else `type:id`.
pub fn short_name(r: &Resource) -> String {
    match r.display_name.is_empty() {
        true => r.id.to_string(),
        false => r.display_name.clone(),
    }
}

/// The entitlement's slug, else its display name, else its id.
pub fn entitlement_name(e: &Entitlement) -> &str {
    match (e.slug.is_empty(), e.display_name.is_empty()) {
        (false, _) => &e.slug,
        (true, false) => &e.display_name,
        (true, true) => &e.id,
    }
}

/// `<parent>/<name>` for a resource under another (`acme/orders`), else its short name: how
/// listings tell apart namesakes in several organizations, and a form every filter takes.
pub fn qualified(r: &Resource, parent: Option<&Resource>) -> String {
    match parent {
        Some(p) => format!("{}/{}", short_name(p), short_name(r)),
        None => short_name(r),
    }
}
