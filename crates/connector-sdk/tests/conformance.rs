//! `testing::check_conformance`: the toy passes; each kind of broken connector fails with a
//! message that names the item and what is wrong with it.

use std::sync::Arc;

use connector_sdk::testing::{ConformanceError, check_conformance};
use connector_sdk::{Grant, Page, ResourceId};

use crate::toy::{Fault, Tamper, TeamSyncer, TestConnector, UserSyncer, World};

/// The problems `connector` is reported for.
async fn problems(connector: TestConnector) -> Vec<String> {
    match check_conformance(&connector).await {
        Ok(report) => panic!("expected problems, the connector passed: {report}"),
        Err(e) => e.problems().to_vec(),
    }
}

fn assert_reported(problems: &[String], expected: &str) {
    assert!(
        problems.iter().any(|p| p == expected),
        "{expected:?} not in {problems:#?}"
    );
}

#[tokio::test]
async fn the_toy_connector_passes() {
    let report = check_conformance(&TestConnector::toy(&Arc::new(World::new())))
        .await
        .unwrap();
    assert_eq!(
        (
            report.resource_types,
            report.resources,
            report.entitlements,
            report.grants
        ),
        (4, 15, 10, 20)
    );
    assert_eq!(report.per_type["team"].grants, 8);
    assert_eq!(
        report.to_string(),
        "4 resource types, 15 resources, 10 entitlements, 20 grants in 33 pages"
    );
}

#[tokio::test]
async fn a_failing_call_is_reported_with_its_context() {
    let world = Arc::new(World::new());
    world.fault("grants team:t2 -", Fault::NotFound);
    let err = check_conformance(&TestConnector::toy(&world))
        .await
        .unwrap_err();
    assert!(matches!(err, ConformanceError::Connector { .. }));
    assert_eq!(err.to_string(), "listing grants of team:t2");
}

#[tokio::test]
async fn duplicates_across_pages() {
    let world = Arc::new(World::new());
    let repeat = Tamper::new(UserSyncer(world.clone())).list(|mut page| {
        page.items[0].id.resource = "u1".into();
        page
    });
    let problems = problems(TestConnector::toy(&world).replace("user", repeat)).await;
    assert_reported(
        &problems,
        "listing user resources returned resource user:u1 twice",
    );
}

#[tokio::test]
async fn unchanged_tokens() {
    let world = Arc::new(World::new());
    let stuck =
        Tamper::new(UserSyncer(world.clone())).list(|page| match page.next_token.as_deref() {
            Some("6") => Page::more(page.items, "3"),
            _ => page,
        });
    let problems = problems(TestConnector::toy(&world).replace("user", stuck)).await;
    assert_reported(
        &problems,
        "next page token unchanged while listing user resources: the call given token \"3\" returned it again",
    );
}

#[tokio::test]
async fn missing_traits() {
    let world = Arc::new(World::new());
    let bare = Tamper::new(UserSyncer(world.clone())).list(|mut page| {
        page.items.iter_mut().for_each(|u| u.annotations.clear());
        page
    });
    let problems = problems(TestConnector::toy(&world).replace("user", bare)).await;
    assert_reported(
        &problems,
        "resource user:u7 lacks the TRAIT_USER annotation that resource type user requires",
    );
}

#[tokio::test]
async fn duplicate_resource_types() {
    let world = Arc::new(World::new());
    let mut connector = TestConnector::toy(&world);
    connector.syncers.push(Arc::new(UserSyncer(world.clone())));
    let problems = problems(connector).await;
    assert_eq!(problems, ["resource type user is provided by two syncers"]);
}

#[tokio::test]
async fn entitlements_on_resources_never_listed() {
    let world = Arc::new(World::new());
    let elsewhere = Tamper::new(TeamSyncer(world.clone())).entitlements(|mut page| {
        for e in &mut page.items {
            e.resource.id = ResourceId::new("team", "t9");
            e.id = connector_sdk::ids::entitlement_id(&e.resource.id, &e.slug);
        }
        page
    });
    let problems = problems(TestConnector::toy(&world).replace("team", elsewhere)).await;
    assert_reported(
        &problems,
        "entitlement team:t9:member listed for team:t1 is on resource team:t9 instead",
    );
    assert_reported(
        &problems,
        "entitlement team:t9:member points at resource team:t9 which no list call returned",
    );
}

#[tokio::test]
async fn entitlement_ids_that_differ_from_batons_derivation() {
    let world = Arc::new(World::new());
    let renamed = Tamper::new(TeamSyncer(world.clone())).entitlements(|mut page| {
        page.items.iter_mut().for_each(|e| e.id.push('s'));
        page
    });
    let problems = problems(TestConnector::toy(&world).replace("team", renamed)).await;
    assert_reported(
        &problems,
        "entitlement team:t1:members on team:t1 should have baton's id team:t1:member (resource id and slug \"member\")",
    );
}

#[tokio::test]
async fn principals_of_unknown_types_and_principals_never_listed() {
    let world = Arc::new(World::new());
    let strangers = Tamper::new(TeamSyncer(world.clone())).grants(|mut page| {
        if let Some(first) = page.items.first().cloned() {
            let resource = first.entitlement.resource;
            page.items.push(Grant::new(
                &resource,
                "member",
                ResourceId::new("user", "u9"),
            ));
            page.items.push(Grant::new(
                &resource,
                "member",
                ResourceId::new("robot", "r2"),
            ));
        }
        page
    });
    let problems = problems(TestConnector::toy(&world).replace("team", strangers)).await;
    assert_reported(
        &problems,
        "grant team:t1:member:user:u9 on team:t1 points at principal user:u9 which no list call returned",
    );
    assert_reported(
        &problems,
        "grant team:t1:member:robot:r2 on team:t1 points at principal robot:r2 of resource type robot, which no syncer provides",
    );
}

#[tokio::test]
async fn grants_of_unknown_entitlements_or_on_other_resources() {
    let world = Arc::new(World::new());
    let confused = Tamper::new(TeamSyncer(world.clone())).grants(|mut page| {
        for grant in &mut page.items {
            let team = grant.entitlement.resource.clone();
            *grant = match team.id.resource.as_str() {
                // Team t1's grants name an entitlement nobody listed.
                "t1" => Grant::new(&team, "owner", grant.principal.id.clone()),
                // Team t2's grants embed team t3's entitlement.
                _ => {
                    let t3 = connector_sdk::Resource {
                        id: ResourceId::new("team", "t3"),
                        ..team
                    };
                    Grant::new(&t3, "member", grant.principal.id.clone())
                }
            };
        }
        page
    });
    let problems = problems(TestConnector::toy(&world).replace("team", confused)).await;
    assert_reported(
        &problems,
        "grant team:t1:owner:user:u1 on team:t1 points at entitlement team:t1:owner which no entitlements call returned",
    );
    assert_reported(
        &problems,
        "grant team:t3:member:user:u2 listed for team:t2 embeds an entitlement on resource team:t3 instead",
    );
}

#[tokio::test]
async fn grant_ids_that_differ_from_batons_derivation() {
    let world = Arc::new(World::new());
    let renamed = Tamper::new(TeamSyncer(world.clone())).grants(|mut page| {
        page.items
            .iter_mut()
            .for_each(|g| g.id = g.id.replace("user:", "user/"));
        page
    });
    let problems = problems(TestConnector::toy(&world).replace("team", renamed)).await;
    assert_reported(
        &problems,
        "grant team:t2:member:user/u2 on team:t2 should have baton's id team:t2:member:user:u2 (entitlement id and principal id)",
    );
}
