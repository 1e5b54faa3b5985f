use planetscale_fake::{DataSpec, FakeConfig, TeamSizes};
use serde_json::Value;

use crate::support::Fake;

/// One organization with `members` members.
async fn org_of(members: usize) -> Fake {
    let spec = DataSpec {
        organizations: 1,
        members_per_org: vec![members],
        teams_per_org: vec![0],
        team_size: TeamSizes::default(),
        ..DataSpec::small()
    };
    Fake::start(FakeConfig::new(spec.generate())).await
}

/// Checks one page's envelope: (current, per_page, next, prev, total_count, total_pages, items).
fn check(page: &Value, expected: (u64, u64, Option<u64>, Option<u64>, u64, u64, usize)) {
    let got = (
        page["current_page"].as_u64().unwrap(),
        page["per_page"].as_u64().unwrap(),
        page["next_page"].as_u64(),
        page["prev_page"].as_u64(),
        page["total_count"].as_u64().unwrap(),
        page["total_pages"].as_u64().unwrap(),
        page["data"].as_array().unwrap().len(),
    );
    assert_eq!(got, expected);
    assert_eq!(page["type"], "list");
    assert_eq!(page["next_page"].is_null(), page["next_page_url"].is_null());
    assert_eq!(page["prev_page"].is_null(), page["prev_page_url"].is_null());
}

#[tokio::test]
async fn arithmetic_table() {
    #[rustfmt::skip]
    let table = [
        // total, query, (current, per_page, next, prev, total_count, total_pages, items)
        (0,   "",                     (1, 25, None,    None,    0,   0, 0)),
        (1,   "",                     (1, 25, None,    None,    1,   1, 1)),
        (25,  "",                     (1, 25, None,    None,    25,  1, 25)),
        (26,  "",                     (1, 25, Some(2), None,    26,  2, 25)),
        (26,  "?page=2",              (2, 25, None,    Some(1), 26,  2, 1)),
        (26,  "?page=9",              (9, 25, None,    Some(8), 26,  2, 0)),
        (10,  "?per_page=3&page=4",   (4, 3,  None,    Some(3), 10,  4, 1)),
        (10,  "?per_page=3&page=2",   (2, 3,  Some(3), Some(1), 10,  4, 3)),
        (250, "?per_page=100&page=2", (2, 100, Some(3), Some(1), 250, 3, 100)),
        (250, "?per_page=1000",       (1, 100, Some(2), None,   250, 3, 100)),
        (250, "?per_page=101&page=3", (3, 100, None,   Some(2), 250, 3, 50)),
    ];
    for (total, query, expected) in table {
        let fake = org_of(total).await;
        let page = fake
            .get(&format!("/v1/organizations/acme/members{query}"))
            .await;
        assert_eq!(page.status, 200, "{total} {query}");
        check(&page.json(), expected);
    }
}

#[tokio::test]
async fn page_urls_are_absolute_on_the_fakes_origin() {
    let fake = org_of(10).await;
    let page = fake
        .get("/v1/organizations/acme/members?page=2&per_page=3")
        .await
        .json();
    let origin = fake.server.url();
    assert_eq!(
        page["next_page_url"],
        format!("{origin}/v1/organizations/acme/members?page=3&per_page=3")
    );
    assert_eq!(
        page["prev_page_url"],
        format!("{origin}/v1/organizations/acme/members?page=1&per_page=3")
    );
}

#[tokio::test]
async fn following_next_page_url_lists_every_item_once() {
    let fake = Fake::small().await;
    let dataset = fake.server.dataset();
    let acme = dataset.org("acme").unwrap();
    let expected: Vec<&str> = acme
        .members
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for per_page in [1, 7, 25, 40, 100] {
        let mut url = format!("/v1/organizations/acme/members?per_page={per_page}");
        let mut ids = Vec::new();
        loop {
            let page = fake.get(&url).await;
            ids.extend(page.ids());
            match page.json()["next_page_url"].as_str() {
                Some(next) => url = next.strip_prefix(&fake.server.url()).unwrap().to_string(),
                None => break,
            }
        }
        assert_eq!(ids, expected, "per_page {per_page}");
        assert_eq!(fake.server.request_count(), 40usize.div_ceil(per_page));
        fake.server.clear_requests();
    }
}

#[tokio::test]
async fn organizations_have_no_totals() {
    let fake = Fake::small().await;
    let page = fake.get("/v1/organizations?per_page=2").await.json();
    assert!(page.get("total_count").is_none() && page.get("total_pages").is_none());
    assert_eq!(
        (
            page["next_page"].as_u64(),
            page["data"].as_array().unwrap().len()
        ),
        (Some(2), 2)
    );
    let last = fake.get("/v1/organizations?per_page=2&page=2").await.json();
    assert_eq!(last["data"].as_array().unwrap().len(), 1);
    assert!(last["next_page"].is_null());
}

#[tokio::test]
async fn every_list_endpoint_paginates() {
    let fake = Fake::small().await;
    let dataset = fake.server.dataset();
    let acme = dataset.org("acme").unwrap();
    let slug = acme.teams[0].slug();
    let lists = [
        ("teams".to_string(), acme.teams.len()),
        (format!("teams/{slug}/members"), acme.teams[0].members.len()),
        ("service-tokens".to_string(), acme.service_tokens.len()),
        ("invitations".to_string(), acme.invitations.len()),
    ];
    for (list, total) in lists {
        let page = fake
            .get(&format!("/v1/organizations/acme/{list}?per_page=1"))
            .await
            .json();
        assert_eq!(page["total_count"], total, "{list}");
        assert_eq!(page["total_pages"], total, "{list}");
        assert_eq!(
            page["next_page"].as_u64(),
            (total > 1).then_some(2),
            "{list}"
        );
    }
}

#[tokio::test]
async fn bad_page_parameters_are_400() {
    let fake = Fake::small().await;
    for query in [
        "page=abc",
        "page=0",
        "per_page=x",
        "per_page=0",
        "page=-1",
        "page=1.5",
    ] {
        let reply = fake
            .get(&format!("/v1/organizations/acme/members?{query}"))
            .await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.json()["code"], "bad_request", "{query}");
    }
    // Single objects take no page parameters, so they are ignored there.
    assert_eq!(
        fake.get("/v1/organizations/acme?page=abc").await.status,
        200
    );
}
