use planetscale_fake::{DataChange, DataSpec, EndpointKind, FaultMatch, FaultRule, TeamSizes};

use crate::support::{connector, contents, start, sync_memory};

/// A member joins or leaves right after page 1 of an organization's members is served, so every
/// later page is shifted by one. The sync must end with exactly the members the organization
/// holds at the end: the listing is fetched again rather than missing the member that moved
/// from page 2 to page 1.
#[tokio::test]
async fn members_changing_between_pages_are_never_missed() {
    for change in [DataChange::RemoveMember, DataChange::AddMember] {
        let spec = DataSpec {
            organizations: 1,
            members_per_org: vec![250],
            teams_per_org: vec![2],
            ..DataSpec::small()
        };
        let server = start(spec.generate()).await;
        server.set_faults(vec![FaultRule::ChangeBetweenPages {
            on: FaultMatch::endpoint(EndpointKind::Members),
            change,
        }]);
        let (store, result) = sync_memory(&connector(&server)).await;
        result.unwrap();
        let now = server.dataset();
        let org = &now.organizations[0];
        let mut expected: Vec<&str> = org.user_ids().collect();
        expected.sort_unstable();
        let (resources, _, grants) = contents(&store);
        let mut users: Vec<&str> = resources
            .iter()
            .filter(|r| r.id.resource_type == "user")
            .map(|r| r.id.resource.as_str())
            .collect();
        users.sort_unstable();
        let member = format!("organization:{}:member", org.id());
        let mut granted: Vec<&str> = grants
            .iter()
            .filter(|g| g.entitlement.id == member)
            .map(|g| g.principal.id.resource.as_str())
            .collect();
        granted.sort_unstable();
        granted.dedup();
        assert_eq!(granted, expected, "{change:?}: organization member grants");
        // A member who left during the sync may still be listed as a user (the listing saw
        // them); no current member may be missing.
        for id in &expected {
            assert!(
                users.binary_search(id).is_ok(),
                "{change:?}: user {id} missing"
            );
        }
    }
}

/// The same for an organization's teams: a team created or deleted right after page 1 of the
/// team list is served. No team the organization holds at the end may be missing, nor any
/// member grant of those teams.
#[tokio::test]
async fn teams_changing_between_pages_are_never_missed() {
    for change in [DataChange::RemoveTeam, DataChange::AddTeam] {
        let spec = DataSpec {
            organizations: 1,
            members_per_org: vec![40],
            teams_per_org: vec![230],
            ..DataSpec::small()
        };
        let server = start(spec.generate()).await;
        server.set_faults(vec![FaultRule::ChangeBetweenPages {
            on: FaultMatch::endpoint(EndpointKind::Teams),
            change,
        }]);
        let (store, result) = sync_memory(&connector(&server)).await;
        result.unwrap();
        let now = server.dataset();
        let (resources, _, grants) = contents(&store);
        for team in &now.organizations[0].teams {
            let id = team.team["id"].as_str().unwrap();
            assert!(
                resources
                    .iter()
                    .any(|r| r.id.resource_type == "team" && r.id.resource == id),
                "{change:?}: team {} missing",
                team.slug()
            );
            let entitlement = format!("team:{id}:member");
            for user in team.user_ids() {
                assert!(
                    grants
                        .iter()
                        .any(|g| g.entitlement.id == entitlement && g.principal.id.resource == user),
                    "{change:?}: {user} in team {} missing",
                    team.slug()
                );
            }
        }
    }
}

/// And for a team's members: someone joins or leaves a team right after page 1 of its member
/// list is served. Every member the team holds at the end has a grant.
#[tokio::test]
async fn team_members_changing_between_pages_are_never_missed() {
    for change in [DataChange::RemoveTeamMember, DataChange::AddTeamMember] {
        let spec = DataSpec {
            organizations: 1,
            members_per_org: vec![400],
            teams_per_org: vec![2],
            team_size: TeamSizes {
                small_max: 1,
                large_min: 230,
                large_max: 260,
                large_share: 1.0,
            },
            ..DataSpec::small()
        };
        let server = start(spec.generate()).await;
        let slug = server.dataset().organizations[0].teams[0].slug().to_owned();
        server.set_faults(vec![FaultRule::ChangeBetweenPages {
            on: FaultMatch::endpoint(EndpointKind::TeamMembers).team(&slug),
            change,
        }]);
        let (store, result) = sync_memory(&connector(&server)).await;
        result.unwrap();
        let now = server.dataset();
        let team = &now.organizations[0].teams[0];
        let entitlement = format!("team:{}:member", team.team["id"].as_str().unwrap());
        let (_, _, grants) = contents(&store);
        let granted: Vec<&str> = grants
            .iter()
            .filter(|g| g.entitlement.id == entitlement)
            .map(|g| g.principal.id.resource.as_str())
            .collect();
        assert!(team.members.len() > 200, "the team spans several pages");
        for user in team.user_ids() {
            assert!(granted.contains(&user), "{change:?}: {user} missing");
        }
    }
}

/// The same for the database list: a database created right after page 1 is served. Every
/// database the organization holds at the end is synced.
#[tokio::test]
async fn databases_changing_between_pages_are_never_missed() {
    let spec = DataSpec {
        organizations: 1,
        databases_per_org: vec![150],
        ..DataSpec::small()
    };
    let server = start(spec.generate()).await;
    server.set_faults(vec![FaultRule::ChangeBetweenPages {
        on: FaultMatch::endpoint(EndpointKind::Databases).times(1),
        change: DataChange::AddDatabase,
    }]);
    let options = planetscale_connector::Options {
        list_databases: true,
        ..planetscale_connector::Options::default()
    };
    let (store, result) = sync_memory(&crate::support::connector_with(&server, options)).await;
    result.unwrap();
    let now = server.dataset();
    let mut expected: Vec<&str> = now.organizations[0]
        .databases
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    expected.sort_unstable();
    assert_eq!(expected.len(), 151);
    let (resources, _, _) = contents(&store);
    let mut synced: Vec<&str> = resources
        .iter()
        .filter(|r| r.id.resource_type == "database")
        .map(|r| r.id.resource.as_str())
        .collect();
    synced.sort_unstable();
    assert_eq!(synced, expected);
}
