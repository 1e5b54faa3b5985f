use c1z::{C1zReader, ResourceFilter};
use connector_sdk::{Entitlement, Grant, Resource, ResourceId, ResourceType, Trait, UserTrait};

use crate::common::{Content, runtime, write_content};

fn org() -> Resource {
    Resource::new(
        &ResourceType::new("organization", "Organization", &[]),
        "o1",
        "acme",
    )
}

fn user(id: &str, name: &str) -> Resource {
    Resource::new(&ResourceType::new("user", "User", &[Trait::User]), id, name)
        .with_annotation(UserTrait::new().with_email(format!("{id}@acme.example"), true))
}

/// One organization with `users` and `grants` (slug, user id) on it.
fn content(users: &[(&str, &str)], grants: &[(&str, &str)]) -> Content {
    let org = org();
    let mut resources = vec![org.clone()];
    resources.extend(users.iter().map(|(id, name)| user(id, name)));
    Content {
        resource_types: vec![
            ResourceType::new("organization", "Organization", &[]),
            ResourceType::new("user", "User", &[Trait::User]),
        ],
        resources,
        entitlements: ["member", "admin"]
            .iter()
            .map(|slug| Entitlement::assignment(&org, slug))
            .collect(),
        grants: grants
            .iter()
            .map(|(slug, uid)| Grant::new(&org, slug, ResourceId::new("user", *uid)))
            .collect(),
    }
}

/// A file with two syncs: Bob leaves, Cy becomes admin, Dee joins.
fn two_syncs(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("review.c1z");
    let old = content(
        &[("u1", "Ann"), ("u2", "Bob"), ("u3", "Cy")],
        &[("member", "u1"), ("member", "u2"), ("member", "u3")],
    );
    let new = content(
        &[("u1", "Ann"), ("u3", "Cy"), ("u4", "Dee")],
        &[
            ("member", "u1"),
            ("member", "u3"),
            ("admin", "u3"),
            ("member", "u4"),
        ],
    );
    let rt = runtime();
    rt.block_on(write_content(&path, &old));
    rt.block_on(write_content(&path, &new));
    path
}

#[test]
fn a_diff_of_two_syncs_names_added_removed_and_promoted() {
    let dir = tempfile::tempdir().unwrap();
    let reader = C1zReader::open(two_syncs(dir.path())).unwrap();
    let syncs = reader.syncs().unwrap();
    let old = reader.snapshot(Some(&syncs[0].id)).unwrap();
    let new = reader.snapshot(Some(&syncs[1].id)).unwrap();
    let d = c1z::diff(&old, &new).unwrap();
    assert_eq!(
        (d.old_sync_id.as_str(), d.new_sync_id.as_str()),
        (old.id(), new.id())
    );
    let ids =
        |refs: &[c1z::ResourceRef]| refs.iter().map(|r| r.resource.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&d.resources_added), ["u4"]);
    assert_eq!(ids(&d.resources_removed), ["u2"]);
    assert_eq!(d.resources_removed[0].display_name, "Bob");
    let summary: Vec<(String, Vec<String>, Vec<String>)> = d
        .access
        .iter()
        .map(|p| {
            let slugs = |c: &[c1z::AccessChange]| c.iter().map(|c| c.entitlement.clone()).collect();
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
    assert_eq!(
        d.access[0].principal.display_name, "Bob",
        "named from the older sync"
    );
    assert!(c1z::diff(&new, &new).unwrap().is_empty());
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(
        json["access"][0]["lost"][0]["entitlementId"],
        "organization:o1:member"
    );
    assert_eq!(json["resourcesAdded"][0]["resourceType"], "user");
}

#[test]
fn holders_access_principals_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let reader = C1zReader::open(two_syncs(dir.path())).unwrap();
    let latest = reader.snapshot(None).unwrap();
    assert_eq!(latest.id(), reader.syncs().unwrap()[1].id);

    let holders = latest.holders("organization:o1:member").unwrap();
    let names: Vec<&str> = holders
        .iter()
        .map(|h| h.principal.display_name.as_str())
        .collect();
    assert_eq!(names, ["Ann", "Cy", "Dee"]);

    let cy = latest.principal_named("U3@ACME.example").unwrap();
    assert_eq!(cy.id, ResourceId::new("user", "u3"));
    assert_eq!(latest.principal_named("u3").unwrap().id, cy.id);
    assert!(matches!(
        latest.principal_named("nobody"),
        Err(c1z::Error::NoMatch { .. })
    ));
    let access = latest.access(&cy.id).unwrap();
    assert_eq!(access.len(), 1);
    assert_eq!(access[0].resource.display_name, "acme");
    let held: Vec<&str> = access[0]
        .held
        .iter()
        .map(|(e, _)| e.slug.as_str())
        .collect();
    assert_eq!(held, ["admin", "member"]);

    let stats = latest.stats().unwrap();
    assert_eq!(stats["user"].resources, 3);
    assert_eq!(stats["organization"].entitlements, 2);
    assert_eq!(stats["organization"].grants, 4);
    let mut users = 0;
    latest
        .for_each_resource(
            ResourceFilter {
                resource_type: Some("user".into()),
                ..Default::default()
            },
            |_| {
                users += 1;
                Ok::<(), c1z::Error>(())
            },
        )
        .unwrap();
    assert_eq!(users, 3);
}
