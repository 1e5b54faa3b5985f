use std::collections::{BTreeMap, HashSet};

use connector_sdk::{Annotation, Connector, Grant, Purpose, Resource};
use planetscale_fake::{DEFAULT_TOKEN, DEFAULT_TOKEN_ID, DataSpec, TeamSizes, TokenConfig};

use crate::support::{
    Unvalidated, api_requests, assert_no_page_fetched_twice, connector, contents,
    expected_requests, fixture, render, start, start_small, sync_memory,
};

fn of_type<'a>(resources: &'a [Resource], resource_type: &str) -> Vec<&'a Resource> {
    resources
        .iter()
        .filter(|r| r.id.resource_type == resource_type)
        .collect()
}

fn grants_of<'a>(grants: &'a [Grant], entitlement_id: &str) -> Vec<&'a Grant> {
    grants
        .iter()
        .filter(|g| g.entitlement.id == entitlement_id)
        .collect()
}

#[tokio::test]
async fn full_sync_matches_snapshot_and_costs_exactly_the_formula() {
    let server = start(fixture()).await;
    let connector = connector(&server);
    let (store, result) = sync_memory(&connector).await;
    let summary = result.unwrap();

    let dataset = server.dataset();
    let orgs = dataset.org_names();
    // Validation's requests are the sync's first requests: the whole run costs the formula.
    assert_eq!(
        api_requests(&server).len(),
        expected_requests(&dataset, &orgs)
    );
    assert_no_page_fetched_twice(&server);
    assert!(
        api_requests(&server)
            .iter()
            .all(|r| r.authorized && r.status == 200)
    );

    let (resources, entitlements, grants) = contents(&store);
    let mut rendered = render(&resources, &entitlements, &grants);
    rendered.push_str("# warnings\n");
    for warning in &summary.warnings {
        rendered.push_str(warning);
        rendered.push('\n');
    }
    insta::assert_snapshot!("fixture_sync", rendered);
}

#[tokio::test]
async fn sync_without_validation_costs_exactly_the_formula() {
    let server = start_small().await;
    let (store, result) = sync_memory(&Unvalidated(connector(&server))).await;
    result.unwrap();
    let dataset = server.dataset();
    assert_eq!(
        api_requests(&server).len(),
        expected_requests(&dataset, &dataset.org_names())
    );
    assert_no_page_fetched_twice(&server);

    // The same output as with validation.
    let with_validation = start_small().await;
    let (expected, result) = sync_memory(&connector(&with_validation)).await;
    result.unwrap();
    let (r1, e1, g1) = contents(&store);
    let (r2, e2, g2) = contents(&expected);
    assert_eq!(render(&r1, &e1, &g1), render(&r2, &e2, &g2));
}

#[tokio::test]
async fn large_lists_are_enqueued_and_every_page_fetched_once() {
    let spec = DataSpec {
        organizations: 2,
        members_per_org: vec![250, 120],
        // Over 100 teams in the first organization, so the team list spans two pages too.
        teams_per_org: vec![104, 2],
        team_size: TeamSizes {
            small_max: 3,
            large_min: 101,
            large_max: 230,
            large_share: 0.05,
        },
        ..DataSpec::small()
    };
    let dataset = spec.generate();
    let largest_team = dataset.organizations[0]
        .teams
        .iter()
        .map(|t| t.members.len())
        .max();
    assert!(largest_team > Some(100), "a team spans several pages");
    let server = start(dataset.clone()).await;
    let (store, result) = sync_memory(&connector(&server)).await;
    result.unwrap();
    assert_eq!(
        api_requests(&server).len(),
        expected_requests(&dataset, &dataset.org_names())
    );
    assert_no_page_fetched_twice(&server);

    let (resources, _, grants) = contents(&store);
    assert_eq!(of_type(&resources, "user").len(), dataset.distinct_users());
    for org in &dataset.organizations {
        let member = format!("organization:{}:member", org.id());
        assert_eq!(
            grants_of(&grants, &member).len(),
            org.members.len(),
            "{}",
            org.name()
        );
        for team in &org.teams {
            let id = team.team["id"].as_str().unwrap();
            let team_member = format!("team:{id}:member");
            assert_eq!(grants_of(&grants, &team_member).len(), team.members.len());
        }
    }
}

#[tokio::test]
async fn users_in_several_organizations_are_one_resource() {
    let server = start_small().await;
    let (store, result) = sync_memory(&connector(&server)).await;
    result.unwrap();
    let dataset = server.dataset();
    let shared = dataset.shared_user_ids();
    assert!(
        !shared.is_empty(),
        "the small dataset has users in several organizations"
    );

    let (resources, _, grants) = contents(&store);
    let users = of_type(&resources, "user");
    assert_eq!(users.len(), dataset.distinct_users());
    let ids: HashSet<&str> = users.iter().map(|u| u.id.resource.as_str()).collect();
    assert_eq!(ids.len(), users.len());
    for user in shared {
        let orgs_holding: Vec<_> = grants
            .iter()
            .filter(|g| g.principal.id.resource == user && g.entitlement.id.ends_with(":member"))
            .filter(|g| g.entitlement.resource.id.resource_type == "organization")
            .collect();
        let memberships = dataset
            .organizations
            .iter()
            .filter(|o| o.member(user).is_some())
            .count();
        assert_eq!(orgs_holding.len(), memberships, "user {user}");
    }
}

#[tokio::test]
async fn roles_become_grants_and_unknown_roles_entitlements_reported_once() {
    // Enough holders of the unknown role `billing` that its warning names five and counts the
    // rest, in every organization.
    let spec = DataSpec {
        members_per_org: vec![160, 60, 20],
        ..DataSpec::small()
    };
    let server = start(spec.generate()).await;
    let (store, result) = sync_memory(&connector(&server)).await;
    let summary = result.unwrap();
    let dataset = server.dataset();
    let (_, entitlements, grants) = contents(&store);

    // Per unknown role: the organizations holding it and the distinct people.
    let mut unknown: BTreeMap<String, (Vec<&str>, Vec<String>)> = BTreeMap::new();
    for org in &dataset.organizations {
        let id = org.id();
        let count = |role: &str| grants_of(&grants, &format!("organization:{id}:{role}")).len();
        assert_eq!(count("member"), org.members.len(), "{}", org.name());
        assert_eq!(count("admin"), org.role_count("admin"));
        assert_eq!(count("analyst"), org.role_count("analyst"));
        let mut held: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for member in &org.members {
            let role = member["role"].as_str().unwrap_or_default();
            if !["member", "admin", "analyst"].contains(&role) {
                held.entry(role)
                    .or_default()
                    .push(member["user"]["id"].as_str().unwrap());
                let (orgs, people) = unknown.entry(role.to_owned()).or_default();
                if orgs.last() != Some(&org.name()) {
                    orgs.push(org.name());
                }
                let email = member["user"]["email"].as_str().unwrap().to_owned();
                if !people.contains(&email) {
                    people.push(email);
                }
            }
        }
        for (role, mut holders) in held {
            let id = format!("organization:{id}:{role}");
            let entitlement = entitlements.iter().find(|e| e.id == id).expect(&id);
            assert_eq!(entitlement.purpose, Purpose::Permission);
            assert!(
                entitlement
                    .display_name
                    .ends_with(&format!("{role} (role unknown to the connector)")),
                "{}",
                entitlement.display_name
            );
            let mut granted: Vec<&str> = grants_of(&grants, &id)
                .iter()
                .map(|g| g.principal.id.resource.as_str())
                .collect();
            granted.sort_unstable();
            holders.sort_unstable();
            assert_eq!(granted, holders, "{id}");
        }
    }
    assert_eq!(unknown.keys().collect::<Vec<_>>(), ["billing"]);
    let (orgs, people) = &unknown["billing"];
    assert_eq!(orgs.len(), 3, "every organization has a billing member");
    assert!(people.len() > 5, "{people:?}");

    // One warning for the role, the only one of the sync, naming every organization and five
    // of the people.
    assert_eq!(summary.warnings.len(), 1, "{:#?}", summary.warnings);
    let warning = &summary.warnings[0];
    assert!(
        warning.contains("organization role \"billing\" is unknown to the connector"),
        "{warning}"
    );
    for org in orgs {
        assert!(warning.contains(&format!(" {org} (")), "{org}: {warning}");
    }
    let named = people
        .iter()
        .filter(|p| warning.contains(p.as_str()))
        .count();
    assert_eq!(named, 5, "{warning}");
    assert!(
        warning.contains(&format!(" and {} more;", people.len() - 5)),
        "{warning}"
    );
}

#[tokio::test]
async fn names_fall_back_and_unicode_survives() {
    let server = start_small().await;
    let (store, result) = sync_memory(&connector(&server)).await;
    result.unwrap();
    let dataset = server.dataset();
    let (resources, _, _) = contents(&store);
    let users: BTreeMap<&str, &Resource> = of_type(&resources, "user")
        .into_iter()
        .map(|u| (u.id.resource.as_str(), u))
        .collect();

    let mut null_names = 0;
    let mut non_ascii = 0;
    for member in dataset.organizations.iter().flat_map(|o| &o.members) {
        let user = &member["user"];
        let resource = users[user["id"].as_str().unwrap()];
        assert!(!resource.display_name.trim().is_empty());
        if user["name"].is_null() {
            null_names += 1;
        }
        if let Some(display_name) = user["display_name"]
            .as_str()
            .filter(|d| !d.trim().is_empty())
        {
            assert_eq!(resource.display_name, display_name);
            if !display_name.is_ascii() {
                non_ascii += 1;
            }
        }
        let email = user["email"].as_str().unwrap_or_default();
        assert_eq!(resource.user_trait().unwrap().login, email);
    }
    assert!(null_names > 0, "the small dataset has null names");
    assert!(non_ascii > 0, "the small dataset has unicode names");
}

#[tokio::test]
async fn sso_managed_teams_are_marked() {
    let server = start_small().await;
    let (store, result) = sync_memory(&connector(&server)).await;
    result.unwrap();
    let dataset = server.dataset();
    let (resources, _, _) = contents(&store);
    let teams = of_type(&resources, "team");
    let expected: usize = dataset.organizations.iter().map(|o| o.teams.len()).sum();
    assert_eq!(teams.len(), expected);

    let mut managed = 0;
    for org in &dataset.organizations {
        for team in &org.teams {
            let id = team.team["id"].as_str().unwrap();
            let resource = teams.iter().find(|t| t.id.resource == id).unwrap();
            assert_eq!(resource.parent.as_ref().unwrap().resource, org.id());
            let group = resource
                .annotations
                .iter()
                .find_map(|a| match a {
                    Annotation::GroupTrait(g) => Some(g),
                    _ => None,
                })
                .unwrap();
            if team.team["managed"] == true {
                managed += 1;
                assert_eq!(group.group_source_type, "directory_synced");
            } else {
                assert_eq!(group.group_source_type, "native");
            }
        }
    }
    assert!(managed > 0, "the small dataset has SSO-managed teams");
}

#[tokio::test]
async fn token_reaching_two_of_three_organizations_syncs_the_two() {
    let dataset = DataSpec::small().generate();
    assert!(dataset.organizations.len() >= 3);
    let reached: Vec<String> = dataset
        .org_names()
        .into_iter()
        .take(2)
        .map(str::to_owned)
        .collect();
    let mut config = planetscale_fake::FakeConfig::new(dataset.clone());
    config.tokens = vec![TokenConfig {
        organizations: Some(reached.clone()),
        ..TokenConfig::full_access(DEFAULT_TOKEN_ID, DEFAULT_TOKEN)
    }];
    let server = planetscale_fake::FakeServer::start(config).await.unwrap();
    let (store, result) = sync_memory(&connector(&server)).await;
    result.unwrap();

    let (resources, _, _) = contents(&store);
    let orgs: Vec<&str> = of_type(&resources, "organization")
        .iter()
        .map(|r| r.display_name.as_str())
        .collect();
    assert_eq!(orgs, reached);
    let reached: Vec<&str> = reached.iter().map(String::as_str).collect();
    assert_eq!(
        api_requests(&server).len(),
        expected_requests(&dataset, &reached)
    );
}

#[tokio::test]
async fn sync_into_a_c1z_holds_the_same_output() {
    let server = start(fixture()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let writer = c1z::C1zWriter::open(&path, Default::default()).unwrap();
    connector_sdk::sync(&connector(&server), &writer, crate::support::options())
        .await
        .unwrap();
    drop(writer);

    let reader = c1z::C1zReader::open(&path).unwrap();
    let sync = reader.latest_sync().unwrap();
    assert!(sync.is_finished());
    let resources = reader.resources(&sync.id, Default::default()).unwrap();
    let entitlements = reader.entitlements(&sync.id, Default::default()).unwrap();
    let grants = reader.grants(&sync.id, Default::default()).unwrap();
    let from_file = render(&resources, &entitlements, &grants);
    insta::assert_snapshot!("fixture_sync_c1z", from_file);
}

#[tokio::test]
async fn connector_passes_the_sdk_conformance_checks() {
    let server = start_small().await;
    let connector = connector(&server);
    connector.validate().await.unwrap();
    let report = connector_sdk::testing::check_conformance(&connector)
        .await
        .unwrap();
    let dataset = server.dataset();
    assert_eq!(
        report.per_type["user"].resources,
        dataset.distinct_users() as u64
    );
    assert_eq!(
        report.per_type["organization"].resources,
        dataset.organizations.len() as u64
    );
    let team_memberships: usize = dataset
        .organizations
        .iter()
        .flat_map(|o| &o.teams)
        .map(|t| t.members.len())
        .sum();
    assert_eq!(report.per_type["team"].grants, team_memberships as u64);
}

#[tokio::test]
async fn interrupted_sync_resumes_to_the_same_output() {
    let server = start(fixture()).await;
    let mut options = crate::support::options();
    options.batch_size = 3;
    options.checkpoint_interval = std::time::Duration::ZERO;

    let store = connector_sdk::MemoryStore::new();
    store.fail_after_puts(4);
    let interrupted = connector_sdk::sync(&connector(&server), &store, options.clone()).await;
    assert!(interrupted.is_err(), "the store failed mid-sync");
    assert!(!store.is_ended());

    // A new process: a new connector, the same store.
    store.clear_failure();
    let summary = connector_sdk::sync(&connector(&server), &store, options)
        .await
        .unwrap();
    assert!(summary.resumed);
    assert!(store.is_ended());

    let (resources, entitlements, grants) = contents(&store);
    insta::assert_snapshot!(
        "fixture_sync_c1z",
        render(&resources, &entitlements, &grants)
    );
}

#[tokio::test]
async fn organization_grants_fetch_member_pages_when_users_are_not_synced() {
    let server = start_small().await;
    let mut options = crate::support::options();
    options.resource_types = Some(vec!["organization".to_owned()]);
    let store = connector_sdk::MemoryStore::new();
    connector_sdk::sync(&connector(&server), &store, options)
        .await
        .unwrap();
    assert_no_page_fetched_twice(&server);

    let dataset = server.dataset();
    let (resources, entitlements, grants) = contents(&store);
    assert!(of_type(&resources, "user").is_empty());
    for org in &dataset.organizations {
        for role in ["member", "billing"] {
            let id = format!("organization:{}:{role}", org.id());
            let holders = match role {
                "member" => org.members.len(),
                _ => org.role_count(role),
            };
            assert_eq!(grants_of(&grants, &id).len(), holders, "{id}");
            assert!(entitlements.iter().any(|e| e.id == id), "{id}");
        }
    }
}
