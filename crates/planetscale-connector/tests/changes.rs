use planetscale_fake::{DataChange, DataSpec, EndpointKind, FaultMatch, FaultRule};

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
