use connector_sdk::{Connector, ErrorKind};
use planetscale_fake::{DataSpec, EndpointKind, FaultMatch, FaultRule, TeamSizes};

use crate::support::{
    api_requests, assert_no_page_fetched_twice, chain, connector, connector_per_page, contents,
    start, start_small, sync_memory,
};

/// Every request to `endpoint` announces these paging fields instead of the true ones.
fn announce(
    endpoint: EndpointKind,
    next_page: Option<u32>,
    total_pages: Option<u64>,
    total_count: Option<u64>,
) -> FaultRule {
    FaultRule::Paging {
        on: FaultMatch::endpoint(endpoint).forever(),
        next_page,
        total_pages,
        total_count,
    }
}

/// The organization names a sync stored, sorted.
fn synced_orgs(store: &connector_sdk::MemoryStore) -> Vec<String> {
    let (resources, _, _) = contents(store);
    let mut names: Vec<String> = resources
        .into_iter()
        .filter(|r| r.id.resource_type == "organization")
        .map(|r| r.display_name)
        .collect();
    names.sort();
    names
}

fn all_orgs(server: &planetscale_fake::FakeServer) -> Vec<String> {
    let mut names: Vec<String> = server
        .dataset()
        .org_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

/// PlanetScale's organization list reports no page count today. If it ever does, page 1 hands
/// the other pages to the engine at once, and every organization is still synced (the listing
/// used to follow only `next_page`, and dropped every page but the first).
#[tokio::test]
async fn an_organization_list_that_reports_its_page_count_is_synced_whole() {
    let server = start_small().await;
    // Three organizations at two a page: two pages, truly announced.
    server.set_faults(vec![announce(
        EndpointKind::Organizations,
        None,
        Some(2),
        Some(3),
    )]);
    let (store, result) = sync_memory(&connector_per_page(&server, 2)).await;
    result.unwrap();
    assert_eq!(synced_orgs(&store), all_orgs(&server));
    assert_no_page_fetched_twice(&server);
}

/// A `next_page` far ahead would skip the pages between: the page after the current one is
/// fetched instead, and no organization is dropped.
#[tokio::test]
async fn a_next_page_far_ahead_skips_no_organization() {
    let server = start_small().await;
    server.set_faults(vec![announce(
        EndpointKind::Organizations,
        Some(4_000_000_000),
        None,
        None,
    )]);
    let (store, result) = sync_memory(&connector_per_page(&server, 2)).await;
    result.unwrap();
    assert_eq!(synced_orgs(&store), all_orgs(&server));
    let org_pages: Vec<String> = api_requests(&server)
        .into_iter()
        .filter(|r| r.path == "/v1/organizations")
        .map(|r| r.query)
        .collect();
    assert_eq!(
        org_pages,
        [
            "page=1&per_page=2",
            "page=2&per_page=2",
            "page=3&per_page=2"
        ]
    );
}

/// One organization of 250 members: three pages of 100.
async fn start_250() -> planetscale_fake::FakeServer {
    let spec = DataSpec {
        organizations: 1,
        members_per_org: vec![250],
        teams_per_org: vec![1],
        team_size: TeamSizes {
            small_max: 2,
            ..TeamSizes::default()
        },
        ..DataSpec::small()
    };
    start(spec.generate()).await
}

/// A page count beyond what `total_count` fills fails the sync at once, naming both figures,
/// instead of fetching (or enqueueing billions of tokens for) pages that cannot hold anything.
#[tokio::test]
async fn a_page_count_beyond_the_member_count_fails_the_sync_at_once() {
    for pages in [12, 4_000_000_000] {
        let server = start_250().await;
        let org = server.dataset().org_names()[0].to_owned();
        server.set_faults(vec![announce(
            EndpointKind::Members,
            None,
            Some(pages),
            None,
        )]);
        let (store, result) = sync_memory(&connector(&server)).await;
        let err = result.unwrap_err();
        let text = chain(&err);
        assert_eq!(err.connector_kind(), Some(ErrorKind::Internal), "{text}");
        let expected = format!(
            "the members of organization {org}: page 1 announces {pages} pages, but 250 items \
             fill only 3 pages of 100: the API answered inconsistently"
        );
        assert!(text.contains(&expected), "{text}");
        assert!(!store.is_ended());
        let member_pages = api_requests(&server)
            .iter()
            .filter(|r| r.path.ends_with("/members"))
            .count();
        assert_eq!(member_pages, 1, "only validation's page 1 was fetched");
    }
}

/// A list whose announcements agree but are enormous is refused at the page limit.
#[tokio::test]
async fn an_enormous_list_fails_at_the_page_limit() {
    let server = start_250().await;
    server.set_faults(vec![announce(
        EndpointKind::Members,
        None,
        Some(4_000_000_000),
        Some(400_000_000_000),
    )]);
    let (_, result) = sync_memory(&connector(&server)).await;
    let text = chain(&result.unwrap_err());
    assert!(
        text.contains("the list goes on to page 4000000000, past the 10000 pages a list may have"),
        "{text}"
    );
}

/// Validation lists the organizations first: a hostile list fails it with a clear error.
#[tokio::test]
async fn validation_of_a_hostile_organization_list_fails_cleanly() {
    let server = start_small().await;
    server.set_faults(vec![announce(
        EndpointKind::Organizations,
        None,
        Some(4_000_000_000),
        Some(3),
    )]);
    let err = connector(&server).validate().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(
        err.message().starts_with(
            "the organizations the service token reaches: page 1 announces 4000000000 pages, \
             but 3 items fill only 1 page of 3"
        ),
        "{err}"
    );
}
