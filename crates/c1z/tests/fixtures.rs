use c1z::{C1zReader, Counts, GrantFilter, ResourceFilter};
use connector_sdk::{Annotation, ResourceId, Trait};

use crate::common::{content, fixture};

fn check(name: &str, expected: Counts, finished: bool) {
    let reader = C1zReader::open(fixture(name)).unwrap();
    let sync = reader.latest_sync().unwrap();
    assert_eq!(sync.is_finished(), finished, "{name}");
    assert_eq!(sync.sync_type, "full");
    assert_eq!(reader.counts(&sync.id).unwrap(), expected, "{name}");
    // Decoding everything proves every blob decodes; the lengths tie it to the counts.
    let all = content(&reader, &sync.id);
    let decoded = Counts {
        resource_types: all.resource_types.len() as u64,
        resources: all.resources.len() as u64,
        entitlements: all.entitlements.len() as u64,
        grants: all.grants.len() as u64,
    };
    assert_eq!(decoded, expected, "{name}");
}

#[test]
fn legacy_unexpanded() {
    let counts = Counts {
        resource_types: 4,
        resources: 1221,
        entitlements: 342,
        grants: 2909,
    };
    check("legacy-unexpanded.c1z", counts, false);
}

#[test]
fn legacy_expanded() {
    let counts = Counts {
        resource_types: 4,
        resources: 1221,
        entitlements: 342,
        grants: 14981,
    };
    check("legacy-expanded.c1z", counts, true);
}

#[test]
fn sync_in_progress() {
    let counts = Counts {
        resource_types: 5,
        resources: 79,
        entitlements: 0,
        grants: 0,
    };
    check("sync-in-progress.c1z", counts, false);
    let reader = C1zReader::open(fixture("sync-in-progress.c1z")).unwrap();
    let syncs = reader.syncs().unwrap();
    assert_eq!(syncs.len(), 1);
    assert_eq!(syncs[0].id, "3ARefY5G8eOytquwYgm41Nq07IZ");
    assert!(syncs[0].sync_token.contains("list-entitlements"));
}

#[test]
fn typed_values_decode() {
    let reader = C1zReader::open(fixture("sync-in-progress.c1z")).unwrap();
    let id = reader.latest_sync().unwrap().id;
    let users = reader
        .resources(
            &id,
            ResourceFilter {
                resource_type: Some("user".into()),
                parent: None,
            },
        )
        .unwrap();
    assert_eq!(users.len(), 10);
    let user = users[0].user_trait().expect("users carry a UserTrait");
    assert_eq!(user.primary_email(), Some("user-0000000@example.com"));
    assert_eq!(user.login, "user-0000000");
    let types = reader.resource_types(&id).unwrap();
    assert_eq!(types[0].traits, vec![Trait::User]);
    assert_eq!(
        types[0].annotations,
        vec![Annotation::SkipEntitlementsAndGrants]
    );
    let groups = reader
        .resources(
            &id,
            ResourceFilter {
                resource_type: Some("group".into()),
                parent: None,
            },
        )
        .unwrap();
    assert!(groups[0].has_trait(Trait::Group));
    assert_eq!(
        groups[0].child_resource_types().collect::<Vec<_>>(),
        vec!["group"]
    );
}

#[test]
fn grant_filters() {
    let reader = C1zReader::open(fixture("legacy-unexpanded.c1z")).unwrap();
    let id = reader.latest_sync().unwrap().id;
    let by_entitlement = reader
        .grants(
            &id,
            GrantFilter {
                entitlement_id: Some("project:project-0000099:access".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(!by_entitlement.is_empty());
    assert!(
        by_entitlement
            .iter()
            .all(|g| g.entitlement.id == "project:project-0000099:access")
    );
    let principal = ResourceId::new("user", "user-0000099");
    let by_principal = reader
        .grants(
            &id,
            GrantFilter {
                principal: Some(principal.clone()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(!by_principal.is_empty());
    assert!(by_principal.iter().all(|g| g.principal.id == principal));
    let resource = ResourceId::new("project", "project-0000099");
    let by_resource = reader
        .grants(
            &id,
            GrantFilter {
                resource: Some(resource.clone()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        by_resource
            .iter()
            .all(|g| g.entitlement.resource.id == resource)
    );
    assert!(by_resource.len() >= by_entitlement.len());
}

#[test]
fn baton_v0_25() {
    // Written by the interop harness (interop/c1z_we_read_test.go) with baton-sdk v0.25.0's
    // SQLite engine: two finished full syncs and an unfinished one, an asset, stats cached by
    // baton, the current schema.
    let counts = Counts {
        resource_types: 3,
        resources: 6,
        entitlements: 3,
        grants: 4,
    };
    check("baton-v0.25.c1z", counts, true);
    let reader = C1zReader::open(fixture("baton-v0.25.c1z")).unwrap();
    let syncs = reader.syncs().unwrap();
    assert_eq!(syncs.len(), 3);
    assert_eq!(syncs.iter().filter(|s| s.is_finished()).count(), 2);
    let latest = reader.latest_sync().unwrap();
    assert!(syncs.iter().any(|s| !s.is_finished() && s.id > latest.id));
    let expandable = content(&reader, &latest.id)
        .grants
        .into_iter()
        .filter(|g| connector_sdk::ExpandableGrant::of(g).is_some())
        .count();
    assert_eq!(expandable, 2);
}
