//! baton's ID strings, derived byte-identically to baton-sdk.
//!
//! baton documents the colon join as lossy (an id containing `:` makes two different inputs give
//! one string), so these strings are an output contract only: derive them, never parse them back.

use crate::model::ResourceId;

/// `<resource type>:<resource id>:<name>`, baton's `NewEntitlementID`.
pub fn entitlement_id(resource: &ResourceId, name: &str) -> String {
    let mut s = String::with_capacity(
        resource.resource_type.len() + resource.resource.len() + name.len() + 2,
    );
    s.push_str(&resource.resource_type);
    s.push(':');
    s.push_str(&resource.resource);
    s.push(':');
    s.push_str(name);
    s
}

/// `<entitlement id>:<principal type>:<principal id>`, baton's `NewGrantID`.
pub fn grant_id(entitlement_id: &str, principal: &ResourceId) -> String {
    let mut s = String::with_capacity(
        entitlement_id.len() + principal.resource_type.len() + principal.resource.len() + 2,
    );
    s.push_str(entitlement_id);
    s.push(':');
    s.push_str(&principal.resource_type);
    s.push(':');
    s.push_str(&principal.resource);
    s
}

/// `<resource type>:<resource id>`, the `external_id` baton writes for a resource.
pub fn resource_external_id(resource: &ResourceId) -> String {
    resource.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entitlement_and_grant_ids_match_baton() {
        let eng = ResourceId::new("group", "eng");
        let ent = entitlement_id(&eng, "member");
        assert_eq!(ent, "group:eng:member");
        assert_eq!(
            grant_id(&ent, &ResourceId::new("user", "42")),
            "group:eng:member:user:42"
        );
        assert_eq!(resource_external_id(&eng), "group:eng");
    }
}
