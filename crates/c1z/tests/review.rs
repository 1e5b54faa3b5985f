use c1z::{C1zReader, C1zWriter, Kind, ResourceFilter, WriterOptions};
use connector_sdk::{
    AccountType, Entitlement, Grant, GrantSources, Resource, ResourceId, ResourceType, Store,
    SyncType, Trait, UserTrait,
};

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
fn readers_of_one_copy_read_at_once_and_outlive_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let path = two_syncs(dir.path());
    let alone = C1zReader::open(&path).unwrap();
    let review = alone.snapshot(None).unwrap().review().unwrap();
    let [first, second, third] = C1zReader::open_shared(&path, 1 << 30).unwrap();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(move || first.snapshot(None).unwrap().review().unwrap());
        let b = s.spawn(move || second.snapshot(None).unwrap().review().unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!((&a, &b), (&review, &review));
    // The first two are gone; the copy stays for the last.
    assert_eq!(third.snapshot(None).unwrap().review().unwrap(), review);
    let too_small = C1zReader::open_shared::<2>(&path, 1024).unwrap_err();
    assert!(
        matches!(too_small, c1z::Error::TooLarge { .. }),
        "{too_small}"
    );
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
fn the_review_of_each_sync_of_a_file_is_that_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let reader = C1zReader::open(two_syncs(dir.path())).unwrap();
    let syncs = reader.syncs().unwrap();
    let review = |sync_id: &str| -> Vec<String> {
        let rows = reader.snapshot(Some(sync_id)).unwrap().review().unwrap();
        rows.iter()
            .map(|r| {
                let roles: Vec<String> = r.roles.iter().map(c1z::Held::describe).collect();
                format!(
                    "{} {} {}: {}",
                    r.principal.display_name,
                    r.attributes.email,
                    r.scope.display_name,
                    roles.join(", ")
                )
            })
            .collect()
    };
    assert_eq!(
        review(&syncs[0].id),
        [
            "Ann u1@acme.example acme: member",
            "Bob u2@acme.example acme: member",
            "Cy u3@acme.example acme: member",
        ]
    );
    assert_eq!(
        review(&syncs[1].id),
        [
            "Ann u1@acme.example acme: member",
            "Cy u3@acme.example acme: admin, member",
            "Dee u4@acme.example acme: member",
        ]
    );
}

#[test]
fn a_person_is_one_by_their_type_or_by_their_own_user_trait() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.c1z");
    let mut c = content(&[("u1", "Ann")], &[("member", "u1")]);
    // A type without the user trait: its resource is a person by the trait it carries.
    let account_type = ResourceType::new("account", "Account", &[]);
    let account = Resource::new(&account_type, "a1", "Bot Zed")
        .with_annotation(UserTrait::new().with_email("zed@acme.example", true));
    let robot = Resource::new(&account_type, "r1", "Robot");
    // A service account by its user trait, and an invitation by its type's name.
    let service = Resource::new(&account_type, "s1", "Deployer").with_annotation(
        UserTrait::new()
            .with_email("deploy@acme.example", true)
            .with_account_type(AccountType::Service),
    );
    let invitation_type = ResourceType::new("invite", "Invitation", &[Trait::User]);
    let invitation = Resource::new(&invitation_type, "i1", "eve@acme.example");
    c.resource_types.extend([account_type, invitation_type]);
    c.resources.extend([account, robot, service, invitation]);
    for (kind, id) in [("account", "s1"), ("invite", "i1")] {
        c.grants
            .push(Grant::new(&org(), "member", ResourceId::new(kind, id)));
    }
    c.grants.push(Grant::new(
        &org(),
        "member",
        ResourceId::new("account", "a1"),
    ));
    c.grants.push(Grant::new(
        &org(),
        "member",
        ResourceId::new("account", "r1"),
    ));
    runtime().block_on(write_content(&path, &c));
    let reader = C1zReader::open(&path).unwrap();
    let rows = reader.snapshot(None).unwrap().review().unwrap();
    let people: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.principal.display_name.as_str(),
                r.attributes.email.as_str(),
            )
        })
        .collect();
    assert_eq!(
        people,
        [
            ("Ann", "u1@acme.example"),
            ("Bot Zed", "zed@acme.example"),
            ("Deployer", "deploy@acme.example"),
            ("eve@acme.example", ""),
        ]
    );
    let kinds: Vec<Kind> = rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Human,
            Kind::Human,
            Kind::ServiceAccount,
            Kind::Invitation
        ]
    );
    // A row names its person by id and name; the rest of the resource is read by id.
    assert!(rows.iter().all(|r| r.principal.annotations.is_empty()));
    let whole = reader
        .snapshot(None)
        .unwrap()
        .resource(&rows[2].principal.id);
    assert!(whole.unwrap().unwrap().user_trait().is_some());
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

/// Writes `content` as one sync of `sync_type` into `path`; returns the sync id.
async fn write_as(path: &std::path::Path, content: &Content, sync_type: SyncType) -> String {
    let writer = C1zWriter::open(path, WriterOptions::default()).unwrap();
    let start = writer.begin_sync_of(sync_type).await.unwrap();
    writer
        .put_resource_types(content.resource_types.clone())
        .await
        .unwrap();
    writer
        .put_resources(content.resources.clone())
        .await
        .unwrap();
    writer
        .put_entitlements(content.entitlements.clone())
        .await
        .unwrap();
    writer.put_grants(content.grants.clone()).await.unwrap();
    writer.end_sync().await.unwrap();
    start.sync_id
}

#[test]
fn a_partial_sync_is_recorded_as_such_and_never_read_as_removals() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("partial.c1z");
    let full = content(
        &[("u1", "Ann"), ("u2", "Bob")],
        &[("member", "u1"), ("member", "u2")],
    );
    // Only the organization type: no users, and one grant fewer.
    let mut orgs_only = content(&[], &[("member", "u1")]);
    orgs_only.resource_types.truncate(1);
    let rt = runtime();
    let full_id = rt.block_on(write_content(&path, &full));
    let partial_id = rt.block_on(write_as(&path, &orgs_only, SyncType::Partial));

    let reader = C1zReader::open(&path).unwrap();
    let syncs = reader.syncs().unwrap();
    assert_eq!(syncs[1].id, partial_id);
    assert_eq!(
        (
            syncs[1].sync_type.as_str(),
            syncs[1].parent_sync_id.as_str()
        ),
        ("partial", full_id.as_str())
    );
    assert!(!syncs[1].is_full() && syncs[0].is_full());
    assert_eq!(
        reader.snapshot(None).unwrap().id(),
        full_id,
        "readers default to full syncs"
    );

    let (old, new) = (
        reader.snapshot(Some(&full_id)).unwrap(),
        reader.snapshot(Some(&partial_id)).unwrap(),
    );
    let d = c1z::diff(&old, &new).unwrap();
    assert_eq!(d.compared_types, Some(vec!["organization".to_owned()]));
    assert!(d.resources_removed.is_empty(), "{d:?}");
    // A grant on a compared type that is gone is still a loss.
    assert_eq!(d.grants_removed(), 1);
    assert_eq!(d.access[0].principal.resource, "u2");
    assert_eq!(d.new_sync.sync_type, "partial");
}

#[test]
fn the_writer_resumes_only_an_unfinished_sync_of_the_same_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resume.c1z");
    let rt = runtime();
    rt.block_on(async {
        let first = {
            let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
            let start = writer.begin_sync_of(SyncType::Partial).await.unwrap();
            writer.checkpoint("{}").await.unwrap();
            start.sync_id
        };
        let again = {
            let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
            writer.begin_sync_of(SyncType::Partial).await.unwrap()
        };
        assert_eq!(again.sync_id, first);
        assert_eq!(again.checkpoint.as_deref(), Some("{}"));
        let writer = C1zWriter::open(&path, WriterOptions::default()).unwrap();
        let full = writer.begin_sync().await.unwrap();
        assert_ne!(full.sync_id, first);
        assert_eq!(full.checkpoint, None);
    });
}

#[test]
fn names_resolve_by_every_form_or_say_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let reader = C1zReader::open(two_syncs(dir.path())).unwrap();
    let s = reader.snapshot(None).unwrap();
    assert_eq!(s.resource_type_named("User").unwrap().id, "user");
    let err = s.resource_type_named("users").unwrap_err().to_string();
    assert!(
        err.contains(r#"did you mean "user"?"#) && err.contains("organization, user"),
        "{err}"
    );
    for name in ["o1", "organization:o1", "organization:o1 (acme)", "ACME"] {
        assert_eq!(
            s.resource_named(name, None).unwrap().id.resource,
            "o1",
            "{name}"
        );
    }
    assert_eq!(s.principal_named("Dee").unwrap().id.resource, "u4");
    assert_eq!(
        s.principal_named("u4@acme.example").unwrap().id.resource,
        "u4"
    );
    let err = s.resource_named("acmee", None).unwrap_err().to_string();
    assert!(err.contains(r#"did you mean "acme"?"#), "{err}");
    let admin = "organization:o1:admin";
    assert_eq!(s.entitlement_named("acme:admin", None).unwrap().id, admin);
    assert_eq!(s.entitlement_named("Admin", None).unwrap().id, admin);
    let on = ResourceId::new("organization", "o1");
    assert_eq!(s.entitlement_named("admin", Some(&on)).unwrap().id, admin);
    let err = s.entitlement_named("owner", None).unwrap_err().to_string();
    assert!(err.contains("entitlement slugs: admin, member"), "{err}");
    let err = s.no_match(
        "role",
        "admn",
        ["admin", "member"],
        "roles held: admin, member".into(),
    );
    assert_eq!(
        err.to_string(),
        format!(
            r#"no role "admn" in sync {}: did you mean "admin"? roles held: admin, member"#,
            s.id()
        )
    );
}

#[test]
fn two_resources_of_one_name_are_an_ambiguity_listed_with_their_parents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("teams.c1z");
    let mut c = content(&[("u1", "Ann")], &[]);
    let team_type = ResourceType::new("team", "Team", &[Trait::Group]);
    c.resource_types.push(team_type.clone());
    for (id, org) in [("t1", "o1"), ("t2", "o2")] {
        let team = Resource::new(&team_type, id, "Security")
            .with_parent(ResourceId::new("organization", org));
        c.entitlements
            .push(Entitlement::assignment(&team, "member"));
        c.resources.push(team);
    }
    runtime().block_on(write_content(&path, &c));
    let reader = C1zReader::open(&path).unwrap();
    let s = reader.snapshot(None).unwrap();
    let err = s.resource_named("security", None).unwrap_err().to_string();
    assert!(
        err.contains(r#"resource "security" names 2 resources"#)
            && err.contains("acme/Security (team:t1)")
            && err.contains("organization:o2/Security (team:t2)")
            && err.contains("name one as listed (<parent>/<name>, or its id)"),
        "{err}"
    );
    // The form the error suggests names one, in any case, wherever a name is taken.
    for name in ["acme/Security", "ACME/security", "o1/Security"] {
        assert_eq!(
            s.resource_named(name, None).unwrap().id.resource,
            "t1",
            "{name}"
        );
    }
    assert_eq!(
        s.entitlement_named("acme/Security:member", None)
            .unwrap()
            .id,
        "team:t1:member"
    );
    let err = s
        .resource_named("acme/Secrity", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains(r#"did you mean "acme/Security"?"#), "{err}");
    assert!(s.resource_named("security", Some("team")).is_err());
    assert_eq!(
        s.resource_named("t2", Some("team")).unwrap().id.resource,
        "t2"
    );
    // `<name>:<slug>` on namesakes that both have the slug: the entitlements, listed.
    let err = s
        .entitlement_named("Security:member", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(r#"entitlement "Security:member" names 2 entitlements"#)
            && err.contains("acme/Security:member (team:t1:member)")
            && err.contains("organization:o2/Security:member (team:t2:member)"),
        "{err}"
    );
    // Only one of them has it: no ambiguity.
    assert_eq!(
        s.entitlement_named("acme:admin", None).unwrap().id,
        "organization:o1:admin"
    );
}

#[test]
fn the_review_groups_access_per_person_per_top_level_resource() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.c1z");
    let mut c = content(
        &[("u1", "Ann"), ("u2", "Bob")],
        &[("member", "u1"), ("admin", "u1"), ("member", "u2")],
    );
    let team_type = ResourceType::new("team", "Team", &[Trait::Group]);
    let db_type = ResourceType::new("database", "Database", &[]);
    let org = ResourceId::new("organization", "o1");
    let team = Resource::new(&team_type, "t1", "Security").with_parent(org.clone());
    let db = Resource::new(&db_type, "d1", "prod").with_parent(org);
    c.resource_types.extend([team_type, db_type]);
    c.resources.extend([team.clone(), db.clone()]);
    c.entitlements
        .push(Entitlement::assignment(&team, "member"));
    c.entitlements.push(Entitlement::permission(&db, "reader"));
    c.grants
        .push(Grant::new(&team, "member", ResourceId::new("user", "u2")));
    // Access to the database through the team, as grant expansion records it.
    c.grants.push(Grant {
        sources: Some(GrantSources {
            sources: [("team:t1:member".to_owned(), true)].into(),
        }),
        ..Grant::new(&db, "reader", ResourceId::new("user", "u2"))
    });
    runtime().block_on(write_content(&path, &c));
    let reader = C1zReader::open(&path).unwrap();
    let rows = reader.snapshot(None).unwrap().review().unwrap();
    // resource | person | roles | groups | other access
    let summary: Vec<String> = rows
        .iter()
        .map(|r| {
            let join = |items: Vec<String>| items.join(", ");
            format!(
                "{} | {} | {} | {} | {}",
                r.scope.display_name,
                r.principal.display_name,
                join(r.roles.iter().map(c1z::Held::describe).collect()),
                join(r.groups.iter().map(|h| h.resource.clone()).collect()),
                join(
                    r.access
                        .iter()
                        .map(|h| format!("{}: {}", h.resource, h.describe()))
                        .collect()
                ),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "acme | Ann | admin, member |  | ",
            "acme | Bob | member | Security | prod: reader (via team Security)",
        ]
    );
    assert_eq!(rows[0].attributes.email, "u1@acme.example");
    assert_eq!(rows[1].scopes, 1);
    // The rows lent are the same rows, their groups named the same way.
    let mut lent = Vec::new();
    reader
        .snapshot(None)
        .unwrap()
        .for_each_review_row_ref(|row| {
            assert_eq!(row.group_names(), row.to_row().group_names());
            lent.push(row.to_row());
            Ok::<(), c1z::Error>(())
        })
        .unwrap();
    assert_eq!(lent, rows);
    assert_eq!(rows[1].group_names(), ["Security"]);
    assert_eq!(
        c1z::grouped(&rows[1].access),
        ["prod: reader (via team Security)"]
    );
}

#[test]
fn diff_reports_changed_attributes_with_the_permissions_held() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mfa.c1z");
    let mut before = content(&[("u1", "Ann")], &[("member", "u1"), ("admin", "u1")]);
    before.entitlements[1] = Entitlement::permission(&org(), "admin");
    let mut after = content(&[], &[("member", "u1"), ("admin", "u1")]);
    after.entitlements[1] = Entitlement::permission(&org(), "admin");
    let with = |mfa: bool| {
        let rt = ResourceType::new("user", "User", &[Trait::User]);
        Resource::new(&rt, "u1", "Ann").with_annotation(
            UserTrait::new()
                .with_email("u1@acme.example", true)
                .with_mfa(mfa),
        )
    };
    before.resources[1] = with(true);
    after.resources.push(with(false));
    let rt = runtime();
    rt.block_on(write_content(&path, &before));
    rt.block_on(write_content(&path, &after));
    let reader = C1zReader::open(&path).unwrap();
    let syncs = reader.syncs().unwrap();
    let d = c1z::diff(
        &reader.snapshot(Some(&syncs[0].id)).unwrap(),
        &reader.snapshot(Some(&syncs[1].id)).unwrap(),
    )
    .unwrap();
    assert!(d.access.is_empty() && d.resources_added.is_empty());
    let c = &d.attributes_changed;
    assert_eq!(c.len(), 1, "{d:?}");
    assert_eq!(
        (
            c[0].attribute.as_str(),
            c[0].old.as_str(),
            c[0].new.as_str()
        ),
        ("mfa", "on", "off")
    );
    assert_eq!(c[0].permissions, ["acme: admin"]);
    assert!(!d.is_empty());
}

#[test]
fn diff_says_what_access_came_through_and_which_person_replaced_whom() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paths.c1z");
    let team_type = ResourceType::new("team", "Team", &[Trait::Group]);
    let db_type = ResourceType::new("database", "Database", &[]);
    let invitation_type = ResourceType::new("invitation", "Invitation", &[Trait::User]);
    let team = Resource::new(&team_type, "t1", "Payments").with_parent(org().id);
    let db = Resource::new(&db_type, "d1", "orders").with_parent(org().id);
    let with_db = |c: &mut Content| {
        c.resource_types
            .extend([team_type.clone(), db_type.clone(), invitation_type.clone()]);
        c.resources.extend([team.clone(), db.clone()]);
        c.entitlements
            .push(Entitlement::assignment(&team, "member"));
        c.entitlements.push(Entitlement::permission(&db, "admin"));
    };
    // Before: Ann is in Payments, so admin of orders through it; Dee is only invited.
    let mut old = content(&[("u1", "Ann")], &[("member", "u1")]);
    with_db(&mut old);
    old.resources.push(
        Resource::new(&invitation_type, "i1", "dee@acme.example")
            .with_annotation(UserTrait::new().with_email("u4@acme.example", true)),
    );
    old.grants.push(Grant::new(
        &org(),
        "member",
        ResourceId::new("invitation", "i1"),
    ));
    old.grants
        .push(Grant::new(&team, "member", ResourceId::new("user", "u1")));
    old.grants.push(Grant {
        sources: Some(GrantSources {
            sources: [("team:t1:member".to_owned(), false)].into(),
        }),
        ..Grant::new(&db, "admin", ResourceId::new("user", "u1"))
    });
    // After: Ann left the team; Dee accepted and is a member.
    let mut new = content(
        &[("u1", "Ann"), ("u4", "Dee")],
        &[("member", "u1"), ("member", "u4")],
    );
    with_db(&mut new);
    let rt = runtime();
    rt.block_on(write_content(&path, &old));
    rt.block_on(write_content(&path, &new));
    let reader = C1zReader::open(&path).unwrap();
    let syncs = reader.syncs().unwrap();
    let d = c1z::diff(
        &reader.snapshot(Some(&syncs[0].id)).unwrap(),
        &reader.snapshot(Some(&syncs[1].id)).unwrap(),
    )
    .unwrap();
    let ann = d
        .access
        .iter()
        .find(|p| p.principal.resource == "u1")
        .unwrap();
    let lost: Vec<(&str, &[String])> = ann
        .lost
        .iter()
        .map(|c| (c.entitlement_id.as_str(), c.via.as_slice()))
        .collect();
    assert_eq!(
        lost,
        [
            ("database:d1:admin", &["team Payments".to_owned()][..]),
            ("team:t1:member", &[][..]),
        ]
    );
    assert_eq!(d.replaced.len(), 1, "{:?}", d.replaced);
    let r = &d.replaced[0];
    assert_eq!(
        (
            r.email.as_str(),
            r.old.resource.as_str(),
            r.new.resource.as_str()
        ),
        ("u4@acme.example", "i1", "u4")
    );
}
