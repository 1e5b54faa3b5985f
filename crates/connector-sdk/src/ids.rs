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
    use proptest::prelude::*;

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

    #[test]
    fn edge_cases_are_joined_verbatim() {
        // Empty parts still get their separators, as Go's fmt.Sprintf("%s:%s:%s") does.
        assert_eq!(entitlement_id(&ResourceId::new("", ""), ""), "::");
        assert_eq!(grant_id("", &ResourceId::new("", "")), "::");
        // Nothing is escaped or case-folded: the strings are byte-identical to baton's.
        let team = ResourceId::new("team", "Ops Team/π");
        assert_eq!(entitlement_id(&team, "Member"), "team:Ops Team/π:Member");
        // The join is lossy: colons inside ids make two different inputs give one string, which
        // is why these ids are never parsed back.
        let a = entitlement_id(&ResourceId::new("org", "a:b"), "member");
        let b = entitlement_id(&ResourceId::new("org", "a"), "b:member");
        assert_eq!(a, b);
    }

    #[test]
    fn model_constructors_use_these_ids() {
        let rt = crate::model::ResourceType::new("team", "Team", &[]);
        let team = crate::model::Resource::new(&rt, "t1", "T1");
        let entitlement = crate::model::Entitlement::assignment(&team, "member");
        assert_eq!(entitlement.id, "team:t1:member");
        assert_eq!(entitlement.slug, "member");
        let grant = crate::model::Grant::of(&entitlement, ResourceId::new("user", "u1"));
        assert_eq!(grant.id, "team:t1:member:user:u1");
        assert_eq!(
            crate::model::Grant::new(&team, "member", ResourceId::new("user", "u1")).id,
            grant.id
        );
    }

    proptest! {
        #[test]
        fn grant_id_extends_the_entitlement_id(
            rt in ".{0,12}", rid in ".{0,12}", name in ".{0,12}", pt in ".{0,12}", pid in ".{0,12}",
        ) {
            let ent = entitlement_id(&ResourceId::new(rt.clone(), rid.clone()), &name);
            prop_assert_eq!(&ent, &format!("{rt}:{rid}:{name}"));
            let grant = grant_id(&ent, &ResourceId::new(pt.clone(), pid.clone()));
            let prefix = format!("{ent}:");
            prop_assert!(grant.starts_with(&prefix));
            prop_assert_eq!(&grant[ent.len() + 1..], format!("{pt}:{pid}"));
        }
    }
}
