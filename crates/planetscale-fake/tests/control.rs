use reqwest::Method;
use serde_json::{Value, json};

use planetscale_fake::{Dataset, OptionalLists, RequestRecord, Stats};

use crate::support::Fake;

#[tokio::test]
async fn requests_and_stats() {
    let fake = Fake::small().await;
    fake.get("/v1/organizations").await;
    fake.get("/v1/organizations/acme/members?per_page=5").await;
    fake.get_as("/v1/organizations", None).await;
    fake.get("/v1/nope").await;

    let records: Vec<RequestRecord> = fake
        .control(Method::GET, "/__fake/requests")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(records, fake.server.requests());
    assert_eq!(records.len(), 4, "control requests are not recorded");
    assert_eq!(records[1].query, "per_page=5");

    let stats: Stats = fake
        .control(Method::GET, "/__fake/stats")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats, fake.server.stats());
    let stats: Value = serde_json::to_value(stats).unwrap();
    assert_eq!(
        stats,
        json!({
            "total": 4,
            "unauthorized": 1,
            "by_status": {"200": 2, "401": 1, "404": 1},
            "by_endpoint": {"members": 1, "organizations": 2, "unknown": 1},
            "other_consumer": {"served": 0, "refused": 0},
        })
    );

    let cleared = fake
        .control(Method::DELETE, "/__fake/requests")
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert_eq!(fake.server.request_count(), 0);
}

#[tokio::test]
async fn faults_over_http() {
    let fake = Fake::small().await;
    let rules = json!([{"fault": "status", "status": 503, "on": {"endpoint": "organizations", "times": 2}}]);
    let put = fake.put("/__fake/faults", rules.to_string()).await;
    assert_eq!(put.status(), 204);
    assert_eq!(fake.get("/v1/organizations").await.status, 503);
    assert_eq!(fake.get("/v1/organizations").await.status, 503);
    assert_eq!(fake.get("/v1/organizations").await.status, 200);

    let typo = json!([{"fault": "status", "status": 503, "on": {"endpoint": "organisations"}}]);
    let put = fake.put("/__fake/faults", typo.to_string()).await;
    assert_eq!(put.status(), 400);
    let body: Value = put.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("invalid fault list JSON: ") && message.contains("organisations"),
        "{message}"
    );
}

#[tokio::test]
async fn rate_limit_over_http() {
    let fake = Fake::small().await;
    let limit = json!({"requests_per_minute": 6, "burst": 1, "retry_after": "http-date"});
    let put = fake.put("/__fake/rate-limit", limit.to_string()).await;
    assert_eq!(put.status(), 204);
    fake.get("/v1/organizations").await;
    let limited = fake.get("/v1/organizations").await;
    assert_eq!(limited.status, 429);
    assert!(
        limited.headers["retry-after"]
            .to_str()
            .unwrap()
            .ends_with(" GMT")
    );
    let off = fake.put("/__fake/rate-limit", "null").await;
    assert_eq!(off.status(), 204);
    assert_eq!(fake.get("/v1/organizations").await.status, 200);
    let bad = fake.put("/__fake/rate-limit", "{\"rpm\": 1}").await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn a_rolling_minute_shared_with_another_consumer_over_http() {
    let fake = Fake::small().await;
    // The other consumer takes all 6 a minute: nothing is left for the sync.
    let limit = json!({
        "requests_per_minute": 6,
        "burst": 6,
        "retry_after": "absent",
        "model": "rolling-minute",
        "other_consumer_per_minute": 6,
    });
    let put = fake.put("/__fake/rate-limit", limit.to_string()).await;
    assert_eq!(put.status(), 204);
    let limited = fake.get("/v1/organizations").await;
    assert_eq!(limited.status, 429);
    assert!(limited.headers.get("retry-after").is_none());
}

#[tokio::test]
async fn dataset_over_http() {
    let fake = Fake::small().await;
    let reply = fake
        .control(Method::GET, "/__fake/dataset")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let dataset: Dataset = reply.json().await.unwrap();
    assert_eq!(dataset, *fake.server.dataset());
    let unknown = fake
        .control(Method::GET, "/__fake/nope")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_minimum_requests_with_and_without_the_optional_lists() {
    let fake = Fake::small().await;
    let dataset = fake.server.dataset();
    let orgs = dataset.organizations.len();
    let fake = &fake;
    let minimum = |query: &'static str| async move {
        let path = format!("/__fake/minimum-requests{query}");
        let reply = fake.control(Method::GET, &path).send().await.unwrap();
        reply.json::<usize>().await.unwrap()
    };
    let plain = dataset.minimum_requests(None, OptionalLists::default());
    assert_eq!(minimum("").await, plain);
    // Each organization: its members, its teams, and each team's members, a page each here.
    let teams: usize = dataset.organizations.iter().map(|o| o.teams.len()).sum();
    assert_eq!(plain, 1 + 2 * orgs + teams);
    let invitations = dataset.minimum_requests(
        None,
        OptionalLists {
            invitations: true,
            ..Default::default()
        },
    );
    assert_eq!(invitations, plain + orgs);
    assert_eq!(minimum("?invitations=true").await, invitations);
    let all = dataset.minimum_requests(None, OptionalLists::ALL);
    let query = "?databases=true&service_tokens=true&oauth_applications=true&invitations=true\
                 &audit_log=true";
    assert_eq!(minimum(query).await, all);
    assert!(all > invitations);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let fake = Fake::small().await;
    let url = fake.server.url();
    assert_eq!(fake.get("/v1/organizations").await.status, 200);
    fake.server.shutdown().await;
    let client = reqwest::Client::new();
    assert!(
        client
            .get(format!("{url}/v1/organizations"))
            .send()
            .await
            .is_err()
    );
}
