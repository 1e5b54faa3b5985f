//! The client-side throttle through the public API. Its exact timing is tested on tokio's
//! paused clock in the crate's unit tests; here real sockets only allow checking that it
//! engages and is shared by clones.

use httpmock::MockServer;

use crate::support::*;

#[tokio::test]
async fn clones_share_one_throttle() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/v1/organizations/acme");
            then.status(200).json_body(organization());
        })
        .await;
    // 1200 a minute with a burst of 10: the 11th request is due 50 ms after the first, far
    // later than 10 requests to a local mock take, so it must wait.
    let client = builder_for(&server.base_url())
        .requests_per_minute(Some(1200))
        .build()
        .unwrap();
    let clone = client.clone();
    for n in 0..12 {
        let which = if n % 2 == 0 { &client } else { &clone };
        which.get_organization("acme").await.unwrap();
    }
    mock.assert_calls_async(12).await;
    let stats = clone.stats();
    assert_eq!(stats.requests, 12);
    assert!(stats.throttle_wait > std::time::Duration::ZERO, "{stats:?}");
}

#[tokio::test]
async fn no_throttle_means_no_wait() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(organization());
        })
        .await;
    let client = client_for(&server);
    for _ in 0..12 {
        client.get_organization("acme").await.unwrap();
    }
    assert_eq!(client.stats().throttle_wait, std::time::Duration::ZERO);
}

#[tokio::test]
async fn max_in_flight_bounds_concurrent_requests_across_clones() {
    let (base, most_open) =
        concurrency_server(std::time::Duration::from_millis(50), organization()).await;
    let client = builder_for(&base).max_in_flight(2).build().unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_organization("acme").await.map(|org| org.id) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), "k7w2m9d1qz4e");
    }
    let most = most_open.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=2).contains(&most), "{most} requests were open at once");
    assert_eq!(client.stats().requests, 6);
}
