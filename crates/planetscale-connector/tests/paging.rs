use connector_sdk::ErrorKind;
use planetscale_fake::{DataSpec, EndpointKind, FakeServer, FaultMatch, FaultRule};

use crate::support::{
    api_requests, assert_no_page_fetched_twice, chain, connector, connector_per_page, contents,
    start, start_small, sync_memory,
};

/// What the fake announces on every request to `endpoint` instead of the true paging fields
/// (`None` keeps the true one).
struct Announced {
    endpoint: EndpointKind,
    next_page: Option<u32>,
    total_pages: Option<u64>,
    total_count: Option<u64>,
}

impl Announced {
    fn fault(&self) -> FaultRule {
        FaultRule::Paging {
            on: FaultMatch::endpoint(self.endpoint).forever(),
            next_page: self.next_page,
            total_pages: self.total_pages,
            total_count: self.total_count,
        }
    }
}

/// The small dataset's three organizations, listed two a page, with the organization list
/// announcing `announced`: every organization is synced, from exactly the `pages` requested.
async fn check_orgs_synced(announced: Announced, pages: &[&str]) {
    let server = start_small().await;
    server.set_faults(vec![announced.fault()]);
    let (store, result) = sync_memory(&connector_per_page(&server, 2)).await;
    result.unwrap();
    let (resources, _, _) = contents(&store);
    let mut synced: Vec<&str> = resources
        .iter()
        .filter(|r| r.id.resource_type == "organization")
        .map(|r| r.display_name.as_str())
        .collect();
    synced.sort_unstable();
    let dataset = server.dataset();
    let mut all = dataset.org_names();
    all.sort_unstable();
    assert_eq!(synced, all);
    let requested: Vec<String> = api_requests(&server)
        .into_iter()
        .filter(|r| r.path == "/v1/organizations")
        .map(|r| r.query)
        .collect();
    assert_eq!(requested, pages);
    assert_no_page_fetched_twice(&server);
}

/// PlanetScale's organization list reports no page count today. If it ever does, page 1 hands
/// the other pages to the engine at once (the listing used to follow only `next_page`, and
/// dropped every page but the first).
#[tokio::test]
async fn an_organization_list_that_reports_its_page_count_is_synced_whole() {
    let announced = Announced {
        endpoint: EndpointKind::Organizations,
        next_page: None,
        total_pages: Some(2),
        total_count: Some(3),
    };
    check_orgs_synced(announced, &["page=1&per_page=2", "page=2&per_page=2"]).await;
}

/// A `next_page` far ahead would skip the pages between: the page after the current one is
/// fetched instead (the listing used to jump from page 1 to page 4·10⁹, past page 2).
#[tokio::test]
async fn a_next_page_far_ahead_skips_no_organization() {
    let announced = Announced {
        endpoint: EndpointKind::Organizations,
        next_page: Some(4_000_000_000),
        total_pages: None,
        total_count: None,
    };
    let pages = [
        "page=1&per_page=2",
        "page=2&per_page=2",
        "page=3&per_page=2",
    ];
    check_orgs_synced(announced, &pages).await;
}

/// Announcements no list can have fail the sync (validation, when the organization list has
/// them) with a message naming the list and the figures, without fetching a member page beyond
/// validation's page 1: never pages that cannot hold anything, nor billions of page tokens (the
/// listing used to enqueue every page `total_pages` announced).
#[tokio::test]
async fn impossible_page_counts_fail_the_sync_at_once() {
    let members = |total_pages, total_count| Announced {
        endpoint: EndpointKind::Members,
        next_page: None,
        total_pages: Some(total_pages),
        total_count,
    };
    let cases = [
        (
            members(12, None),
            "the members of organization {org}: page 1 announces 12 pages, but a list of 250 \
             items at 100 a page has only 3 pages: the API answered inconsistently",
        ),
        (
            members(4_000_000_000, None),
            "page 1 announces 4000000000 pages, but a list of 250 items at 100 a page has only 3",
        ),
        // Consistent, but enormous.
        (
            members(4_000_000_000, Some(400_000_000_000)),
            "the list goes on to page 4000000000, past the 10000 pages a list may have here",
        ),
        (
            Announced {
                endpoint: EndpointKind::Organizations,
                next_page: None,
                total_pages: Some(4_000_000_000),
                total_count: Some(1),
            },
            "the organizations the service token reaches: page 1 announces 4000000000 pages, \
             but a list of 1 item at 1 a page has only 1 page",
        ),
    ];
    // One organization of 250 members: three pages of 100.
    let spec = DataSpec {
        organizations: 1,
        members_per_org: vec![250],
        teams_per_org: vec![0],
        ..DataSpec::small()
    };
    for (announced, message) in cases {
        let server: FakeServer = start(spec.generate()).await;
        let org = server.dataset().org_names()[0].to_owned();
        server.set_faults(vec![announced.fault()]);
        let (store, result) = sync_memory(&connector(&server)).await;
        let err = result.unwrap_err();
        let text = chain(&err);
        assert_eq!(err.connector_kind(), Some(ErrorKind::Internal), "{text}");
        assert!(text.contains(&message.replace("{org}", &org)), "{text}");
        assert!(!store.is_ended());
        let member_pages = api_requests(&server)
            .iter()
            .filter(|r| r.path.ends_with("/members"))
            .count();
        assert!(member_pages <= 1, "only validation's page 1 of the members");
    }
}
