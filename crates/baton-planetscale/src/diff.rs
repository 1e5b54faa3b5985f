//! What changed between two syncs: access gained and lost per principal (grants added and
//! removed), and resources added and removed.
//!
//! Works on plain model values read from `.c1z` files, so it is tested without any file.
//! Identity is by baton's ids (resource `<type>:<id>`, grant id), compared as opaque strings.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use connector_sdk::{Entitlement, Grant, Resource, ResourceId};
use serde::Serialize;

/// The content of one sync that a diff compares.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Its sync id.
    pub sync_id: String,
    /// Every resource.
    pub resources: Vec<Resource>,
    /// Every entitlement (for display names).
    pub entitlements: Vec<Entitlement>,
    /// Every grant.
    pub grants: Vec<Grant>,
}

/// The changes from an older snapshot to a newer one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// The older sync's id.
    pub old_sync_id: String,
    /// The newer sync's id.
    pub new_sync_id: String,
    /// Resources only in the newer sync, sorted by type and id.
    pub resources_added: Vec<ResourceRef>,
    /// Resources only in the older sync, sorted by type and id.
    pub resources_removed: Vec<ResourceRef>,
    /// Principals whose grants changed, sorted by type and id.
    pub access: Vec<PrincipalChanges>,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.resources_added.is_empty()
            && self.resources_removed.is_empty()
            && self.access.is_empty()
    }

    /// Number of grants added.
    pub fn grants_added(&self) -> usize {
        self.access.iter().map(|p| p.gained.len()).sum()
    }

    /// Number of grants removed.
    pub fn grants_removed(&self) -> usize {
        self.access.iter().map(|p| p.lost.len()).sum()
    }
}

/// A resource, by id and name.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// Its type id.
    pub resource_type: String,
    /// Its id within the type.
    pub resource: String,
    /// Its display name (empty when unknown).
    pub display_name: String,
}

/// The grants one principal gained and lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalChanges {
    /// Who.
    pub principal: ResourceRef,
    /// Grants only in the newer sync, sorted by grant id.
    pub gained: Vec<AccessChange>,
    /// Grants only in the older sync, sorted by grant id.
    pub lost: Vec<AccessChange>,
}

/// One grant gained or lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessChange {
    /// The grant id.
    pub grant_id: String,
    /// The entitlement id.
    pub entitlement_id: String,
    /// The entitlement's display name (its slug, or its id when unknown).
    pub entitlement: String,
    /// The resource the entitlement is on.
    pub resource: ResourceRef,
}

/// Compares `old` with `new`.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Diff {
    let names = Names::of(&[old, new]);
    let old_resources: BTreeSet<&ResourceId> = old.resources.iter().map(|r| &r.id).collect();
    let new_resources: BTreeSet<&ResourceId> = new.resources.iter().map(|r| &r.id).collect();
    let resources_added = new_resources
        .difference(&old_resources)
        .map(|id| names.resource(id))
        .collect();
    let resources_removed = old_resources
        .difference(&new_resources)
        .map(|id| names.resource(id))
        .collect();

    let old_grants: BTreeMap<&str, &Grant> =
        old.grants.iter().map(|g| (g.id.as_str(), g)).collect();
    let new_grants: BTreeMap<&str, &Grant> =
        new.grants.iter().map(|g| (g.id.as_str(), g)).collect();
    let mut access: BTreeMap<&ResourceId, PrincipalChanges> = BTreeMap::new();
    for (id, grant) in &new_grants {
        if !old_grants.contains_key(id) {
            let entry = access.entry(&grant.principal.id).or_default();
            entry.gained.push(names.change(grant));
        }
    }
    for (id, grant) in &old_grants {
        if !new_grants.contains_key(id) {
            let entry = access.entry(&grant.principal.id).or_default();
            entry.lost.push(names.change(grant));
        }
    }
    let access = access
        .into_iter()
        .map(|(principal, mut changes)| {
            changes.principal = names.resource(principal);
            changes
        })
        .collect();
    Diff {
        old_sync_id: old.sync_id.clone(),
        new_sync_id: new.sync_id.clone(),
        resources_added,
        resources_removed,
        access,
    }
}

/// Display names from both snapshots, the newer winning.
struct Names<'a> {
    resources: HashMap<&'a ResourceId, &'a str>,
    entitlements: HashMap<&'a str, &'a Entitlement>,
}

impl<'a> Names<'a> {
    fn of(snapshots: &[&'a Snapshot]) -> Names<'a> {
        let mut names = Names {
            resources: HashMap::new(),
            entitlements: HashMap::new(),
        };
        for snapshot in snapshots {
            for r in &snapshot.resources {
                names.resources.insert(&r.id, r.display_name.as_str());
            }
            for e in &snapshot.entitlements {
                names.entitlements.insert(e.id.as_str(), e);
            }
        }
        names
    }

    fn resource(&self, id: &ResourceId) -> ResourceRef {
        ResourceRef {
            resource_type: id.resource_type.clone(),
            resource: id.resource.clone(),
            display_name: self
                .resources
                .get(id)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        }
    }

    fn change(&self, grant: &Grant) -> AccessChange {
        let entitlement_id = grant.entitlement.id.clone();
        let entitlement = match self.entitlements.get(entitlement_id.as_str()) {
            Some(e) if !e.slug.is_empty() => e.slug.clone(),
            Some(e) if !e.display_name.is_empty() => e.display_name.clone(),
            _ => entitlement_id.clone(),
        };
        AccessChange {
            grant_id: grant.id.clone(),
            entitlement_id,
            entitlement,
            resource: self.resource(&grant.entitlement.resource.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use connector_sdk::{ResourceType, Trait};

    use super::*;

    fn org() -> Resource {
        Resource::new(
            &ResourceType::new("organization", "Organization", &[]),
            "o1",
            "acme",
        )
    }

    fn user(id: &str, name: &str) -> Resource {
        Resource::new(&ResourceType::new("user", "User", &[Trait::User]), id, name)
    }

    fn snapshot(sync_id: &str, users: &[(&str, &str)], grants: &[(&str, &str)]) -> Snapshot {
        let org = org();
        let mut resources = vec![org.clone()];
        resources.extend(users.iter().map(|(id, name)| user(id, name)));
        let entitlements = ["member", "admin"]
            .iter()
            .map(|slug| Entitlement::assignment(&org, slug))
            .collect();
        let grants = grants
            .iter()
            .map(|(slug, uid)| Grant::new(&org, slug, ResourceId::new("user", *uid)))
            .collect();
        Snapshot {
            sync_id: sync_id.into(),
            resources,
            entitlements,
            grants,
        }
    }

    #[test]
    fn added_removed_and_promoted_members() {
        let old = snapshot(
            "s1",
            &[("u1", "Ann"), ("u2", "Bob"), ("u3", "Cy")],
            &[("member", "u1"), ("member", "u2"), ("member", "u3")],
        );
        let new = snapshot(
            "s2",
            &[("u1", "Ann"), ("u3", "Cy"), ("u4", "Dee")],
            &[
                ("member", "u1"),
                ("member", "u3"),
                ("admin", "u3"),
                ("member", "u4"),
            ],
        );
        let d = diff(&old, &new);
        assert_eq!(
            (d.old_sync_id.as_str(), d.new_sync_id.as_str()),
            ("s1", "s2")
        );
        let ids =
            |refs: &[ResourceRef]| refs.iter().map(|r| r.resource.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.resources_added), ["u4"]);
        assert_eq!(ids(&d.resources_removed), ["u2"]);
        assert_eq!(d.resources_removed[0].display_name, "Bob");
        let summary: Vec<(String, Vec<String>, Vec<String>)> = d
            .access
            .iter()
            .map(|p| {
                let slugs = |c: &[AccessChange]| c.iter().map(|c| c.entitlement.clone()).collect();
                (
                    p.principal.resource.clone(),
                    slugs(&p.gained),
                    slugs(&p.lost),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("u2".to_owned(), vec![], vec!["member".to_owned()]),
                ("u3".to_owned(), vec!["admin".to_owned()], vec![]),
                ("u4".to_owned(), vec!["member".to_owned()], vec![]),
            ]
        );
        assert_eq!((d.grants_added(), d.grants_removed()), (2, 1));
        assert_eq!(
            d.access[1].gained[0].grant_id,
            "organization:o1:admin:user:u3"
        );
        assert_eq!(d.access[1].gained[0].resource.display_name, "acme");
    }

    #[test]
    fn identical_snapshots_have_no_changes() {
        let s = snapshot("s", &[("u1", "Ann")], &[("member", "u1")]);
        assert!(diff(&s, &s).is_empty());
    }

    #[test]
    fn json_shape_is_camel_case() {
        let old = snapshot("s1", &[], &[]);
        let new = snapshot("s2", &[("u1", "Ann")], &[("member", "u1")]);
        let json = serde_json::to_value(diff(&old, &new)).unwrap();
        assert_eq!(
            json["access"][0]["gained"][0]["entitlementId"],
            "organization:o1:member"
        );
        assert_eq!(json["resourcesAdded"][0]["resourceType"], "user");
    }
}
