//! 429s: the whole client holds back, a 429 never uses up an attempt, the rate-limit budget and
//! its error, the optional quota headers, and header values no server should send. The pacing
//! rules themselves are tested on tokio's paused clock in the crate's `pacing` unit tests; here
//! real sockets show them engaged through the public API.

use std::time::{Duration, SystemTime};

use httpmock::MockServer;
use planetscale_client::Error;
use serde_json::json;

use crate::support::*;

fn too_many() -> Scripted {
    Scripted::json(429, json!({"code": "too_many_requests"}))
}

#[tokio::test]
async fn a_429_that_says_when_is_waited_for_and_counted() {
    let (base, received) = scripted_server(vec![
        too_many().header("retry-after", "0"),
        Scripted::json(200, organization()),
    ])
    .await;
    let client = builder_for(&base).build().unwrap();

    client.get_organization("acme").await.unwrap();

    assert_eq!(received.lock().unwrap().len(), 2);
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.retries, stats.rate_limited),
        (2, 1, 1)
    );
    assert_eq!(client.pacing().quota_wait, None, "a success ends the wait");
}

#[tokio::test]
async fn a_429_never_uses_up_an_attempt() {
    let mut script: Vec<Scripted> = (0..4)
        .map(|_| too_many().header("retry-after", "0"))
        .collect();
    script.push(Scripted::json(200, organization()));
    let (base, received) = scripted_server(script).await;
    // Two attempts allowed, yet four 429s in a row do not exhaust them.
    let client = builder_for(&base)
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();

    client.get_organization("acme").await.unwrap();

    assert_eq!(received.lock().unwrap().len(), 5);
    assert_eq!(client.stats().rate_limited, 4);
}

#[tokio::test]
async fn without_retry_after_the_client_cools_down_until_the_budget_ends() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(429);
        })
        .await;
    // The first cool-down is 0.5 to 1 s and the second twice that: the second 429 would wait
    // past a budget of 1 s.
    let client = builder_for(&server.base_url())
        .rate_limit_budget(Duration::from_secs(1))
        .build()
        .unwrap();

    let error = client.get_organization("acme").await.unwrap_err();

    mock.assert_calls_async(2).await;
    assert!(error.is_quota_exhausted(), "{error:?}");
    assert!(!error.is_retryable());
    let message = error.to_string();
    assert!(
        message.contains("refused by the rate limit (429) 2 times over")
            && message.contains("past the rate-limit budget of 1 s")
            && message.contains("request quota is used up"),
        "{message}"
    );
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.retries, stats.rate_limited),
        (2, 1, 2)
    );
    assert!(
        stats.rate_limit_wait >= Duration::from_millis(500),
        "{stats:?}"
    );
}

#[tokio::test]
async fn a_stated_wait_beyond_the_budget_fails_at_once_and_says_so() {
    let in_an_hour = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    for retry_after in ["3600".to_owned(), in_an_hour] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.any_request();
                then.status(429).header("retry-after", retry_after.as_str());
            })
            .await;
        let client = client_for(&server);

        let error = client.get_organization("acme").await.unwrap_err();

        mock.assert_calls_async(1).await;
        assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
        assert!(
            error.to_string().contains("the server asked to wait"),
            "{error}"
        );
        assert_eq!(client.stats().rate_limited, 1);
        assert_eq!(client.stats().retries, 0);
        // Nothing was held: a wait the client will not make must not stop other requests.
        assert_eq!(client.stats().rate_limit_wait, Duration::ZERO);
    }
}

#[tokio::test]
async fn a_429_holds_back_every_clone_and_the_pacing_shows_it() {
    let (base, received) = scripted_server(vec![
        too_many().header("retry-after", "1"),
        Scripted::json(200, organization()),
        Scripted::json(200, organization()),
    ])
    .await;
    let client = builder_for(&base).build().unwrap();
    let clone = client.clone();
    let first = tokio::spawn(async move { client.get_organization("acme").await });
    let held = wait_for_a_quota_wait(&clone).await;
    assert_eq!(held.refusals, 1);
    assert!(held.resumes_in <= Duration::from_secs(1), "{held:?}");

    // Another request on a clone waits for the same hold rather than meeting another 429.
    clone.get_organization("acme").await.unwrap();
    first.await.unwrap().unwrap();

    assert_eq!(received.lock().unwrap().len(), 3);
    let stats = clone.stats();
    assert_eq!(stats.rate_limited, 1);
    assert_eq!(stats.rate_limit_wait, Duration::from_secs(1));
    assert!(stats.throttle_wait >= Duration::from_secs(1), "{stats:?}");
    assert_eq!(clone.pacing().quota_wait, None);
}

/// Polls the pacing until a quota wait shows (a liveness bound of 10 s, not a timing).
async fn wait_for_a_quota_wait(
    client: &planetscale_client::Client,
) -> planetscale_client::QuotaWait {
    for _ in 0..1000 {
        if let Some(wait) = client.pacing().quota_wait {
            return wait;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no quota wait showed within 10 s");
}

#[tokio::test]
async fn the_pacing_of_a_fresh_client() {
    let server = MockServer::start_async().await;
    let default = builder_for(&server.base_url())
        .requests_per_minute(Some(600))
        .build()
        .unwrap()
        .pacing();
    assert_eq!(default.requests_per_minute, Some(600));
    assert_eq!(default.ceiling_per_minute, Some(600));
    assert_eq!(default.quota_wait, None);
    let unlimited = client_for(&server).pacing();
    assert_eq!(
        (unlimited.requests_per_minute, unlimited.ceiling_per_minute),
        (None, None)
    );
}

#[tokio::test]
async fn a_rate_limit_reset_stands_in_for_retry_after() {
    // Without a stated wait the first cool-down is at least 0.5 s; these resets say no wait.
    let past = (SystemTime::now() - Duration::from_secs(5))
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    for (name, value) in [
        ("ratelimit-reset", "0".to_owned()),
        ("x-ratelimit-reset", past),
    ] {
        let (base, _) = scripted_server(vec![
            too_many().header(name, value.clone()),
            Scripted::json(200, organization()),
        ])
        .await;
        let client = builder_for(&base).build().unwrap();

        client.get_organization("acme").await.unwrap();

        let stats = client.stats();
        assert_eq!(stats.rate_limited, 1, "{name}");
        assert_eq!(stats.rate_limit_wait, Duration::ZERO, "{name}: {value}");
    }
}

#[tokio::test]
async fn no_request_left_in_the_window_holds_back_before_any_429() {
    let (base, received) = scripted_server(vec![
        Scripted::json(200, organization())
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "1"),
        Scripted::json(200, organization()),
    ])
    .await;
    let client = builder_for(&base).build().unwrap();

    client.get_organization("acme").await.unwrap();
    let held = client.pacing().quota_wait.expect("held until the reset");
    client.get_organization("acme").await.unwrap();

    assert_eq!(held.refusals, 0);
    assert_eq!(received.lock().unwrap().len(), 2);
    let stats = client.stats();
    assert_eq!(stats.rate_limited, 0);
    assert_eq!(stats.rate_limit_wait, Duration::from_secs(1));
}

/// Waits no server should ask for: each is clamped, none panics, and each request ends in a
/// clean answer or error. Before the clamp, the 503 after a backoff overflowed a `Duration`.
#[tokio::test]
async fn absurd_waits_are_clamped_and_never_panic() {
    let values = [
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999999999999999999999",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ];
    for value in values {
        for header in ["retry-after", "ratelimit-reset", "x-ratelimit-reset"] {
            let (base, _) = scripted_server(vec![
                Scripted::json(503, json!({})),
                Scripted::json(503, json!({})).header(header, value),
                too_many().header(header, value),
                Scripted::json(200, organization())
                    .header(header, value)
                    .header("x-ratelimit-remaining", "0"),
            ])
            .await;
            let client = builder_for(&base)
                .rate_limit_budget(Duration::from_secs(2))
                .build()
                .unwrap();

            let result = client.get_organization("acme").await;

            match result {
                Ok(_) => {}
                Err(error) => assert!(
                    matches!(error.status().map(|s| s.as_u16()), Some(429 | 503)),
                    "{header}: {value}: {error:?}"
                ),
            }
            assert!(client.stats().rate_limit_wait <= Duration::from_secs(2));
        }
    }
}

#[tokio::test]
async fn a_quota_exhausted_error_holds_no_secret() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(429)
                .header("retry-after", "86400")
                .json_body(json!({"code": "too_many_requests", "message": TOKEN}));
        })
        .await;
    let error = client_for(&server)
        .get_organization("acme")
        .await
        .unwrap_err();
    assert!(error.is_quota_exhausted());
    assert!(!format!("{error} {error:?}").contains(TOKEN));
    assert!(
        matches!(error, Error::QuotaExhausted { server_wait: Some(wait), .. } if wait == Duration::from_secs(86400))
    );
}
