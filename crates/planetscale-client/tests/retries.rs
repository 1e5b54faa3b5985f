//! Retries of failures (429s are `rate_limits`): which outcomes are repeated, `Retry-After`, and
//! the bounds. Every test waits milliseconds at most: backoffs are tiny, and a long
//! `Retry-After` is shown to be honoured by the client giving up rather than by waiting it out.

use std::time::{Duration, SystemTime};

use httpmock::MockServer;
use planetscale_client::{Error, RetryPolicy};
use serde_json::json;

use crate::support::*;

/// Backoff alone would exceed the wait budget, so any retry these policies make is one that
/// `Retry-After` asked for.
fn only_retry_after(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_secs(3600),
        max_backoff: Duration::from_secs(3600),
        max_total_wait: Duration::from_secs(10),
    }
}

fn busy() -> Scripted {
    Scripted::json(503, json!({"code": "unavailable", "message": "try later"}))
}

#[tokio::test]
async fn transient_failures_are_retried_until_success() {
    let (base, received) = scripted_server(vec![
        busy(),
        Scripted::json(502, json!({})),
        Scripted::json(200, organization()),
    ])
    .await;
    let client = builder_for(&base).build().unwrap();

    let org = client.get_organization("acme").await.unwrap();

    assert_eq!(org.name, "acme");
    assert_eq!(received.lock().unwrap().len(), 3);
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.retries, stats.rate_limited),
        (3, 2, 0)
    );
}

#[tokio::test]
async fn every_retried_request_carries_the_credentials() {
    let (base, received) = scripted_server(vec![busy(), Scripted::json(200, organization())]).await;
    builder_for(&base)
        .build()
        .unwrap()
        .get_organization("acme")
        .await
        .unwrap();
    let heads = received.lock().unwrap();
    assert_eq!(heads.len(), 2);
    for head in heads.iter() {
        assert!(
            head.starts_with("GET /v1/organizations/acme HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(
            head.contains(&format!("authorization: {AUTHORIZATION}\r\n")),
            "{head}"
        );
    }
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_error_is_returned() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/v1/organizations/acme");
            then.status(503)
                .json_body(json!({"code": "unavailable", "message": "down"}));
        })
        .await;
    let client = builder_for(&server.base_url())
        .retry_policy(fast_retries(4))
        .build()
        .unwrap();

    let error = client.get_organization("acme").await.unwrap_err();

    mock.assert_calls_async(4).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(error.is_retryable());
    assert_eq!(client.stats().retries, 3);
}

#[tokio::test]
async fn retry_policy_none_sends_once() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let client = builder_for(&server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    client.get_organization("acme").await.unwrap_err();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 422] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.any_request();
                then.status(status)
                    .json_body(json!({"code": "nope", "message": "no"}));
            })
            .await;
        let error = client_for(&server)
            .get_organization("acme")
            .await
            .unwrap_err();
        mock.assert_calls_async(1).await;
        assert!(!error.is_retryable(), "{status}");
    }
}

#[tokio::test]
async fn retry_after_http_date_is_honoured_over_backoff() {
    let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30));
    let (base, received) = scripted_server(vec![
        Scripted::json(503, json!({})).header("retry-after", past),
        Scripted::json(200, organization()),
    ])
    .await;
    let client = builder_for(&base)
        .retry_policy(only_retry_after(3))
        .build()
        .unwrap();

    client.get_organization("acme").await.unwrap();

    assert_eq!(received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn connection_failures_are_retried() {
    // A port that was just free: connecting to it is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = builder_for(&base).build().unwrap();

    let error = client.get_organization("acme").await.unwrap_err();

    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(error.status(), None);
    assert_eq!(client.stats().requests, 3);
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test]
async fn timeouts_are_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(organization())
                .delay(Duration::from_millis(500));
        })
        .await;
    let client = builder_for(&server.base_url())
        .timeout(Duration::from_millis(50))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();

    let error = client.get_organization("acme").await.unwrap_err();

    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_retryable());
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_retried() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        // The first connection reads the request and closes without a word; the second answers.
        let (mut socket, _) = listener.accept().await.unwrap();
        let _ = socket.read(&mut [0u8; 4096]).await;
        drop(socket);
        let (mut socket, _) = listener.accept().await.unwrap();
        let _ = socket.read(&mut [0u8; 4096]).await;
        let body = organization().to_string();
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        let _ = socket.write_all(answer.as_bytes()).await;
    });
    let client = builder_for(&base).build().unwrap();

    let organization = client.get_organization("acme").await.unwrap();

    assert!(!organization.name.is_empty());
    assert_eq!(client.stats().retries, 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_wait_budget_fails_fast() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(503).header("retry-after", "3600");
        })
        .await;
    let client = client_for(&server);

    let error = client.get_organization("acme").await.unwrap_err();

    mock.assert_calls_async(1).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(client.stats().retries, 0);
}
