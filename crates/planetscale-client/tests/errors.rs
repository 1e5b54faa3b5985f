//! Error kinds and predicates for each shape of failure, and their messages.

use httpmock::MockServer;
use planetscale_client::{Client, Error, RetryPolicy};
use serde_json::json;

use crate::support::*;

/// The error a GET of `/organizations/acme` gets when the server answers `status` with `body`
/// (JSON when it parses, raw text otherwise), with no retries and no waiting on a 429.
async fn error_for(status: u16, body: &str) -> Error {
    let server = MockServer::start_async().await;
    let body = body.to_owned();
    server
        .mock_async(move |when, then| {
            when.path("/v1/organizations/acme");
            then.status(status).body(body);
        })
        .await;
    let client = builder_for(&server.base_url())
        .retry_policy(RetryPolicy::none())
        .rate_limit_budget(std::time::Duration::ZERO)
        .build()
        .unwrap();
    client.get_organization("acme").await.unwrap_err()
}

#[tokio::test]
async fn unauthorized_keeps_the_server_code_and_message() {
    let error = error_for(
        401,
        r#"{"code":"unauthorized","message":"Requires authentication"}"#,
    )
    .await;
    assert!(error.is_unauthorized());
    assert!(!error.is_forbidden() && !error.is_not_found() && !error.is_retryable());
    assert_eq!(error.code(), Some("unauthorized"));
    assert_eq!(error.server_message(), Some("Requires authentication"));
}

#[tokio::test]
async fn not_found_is_its_own_kind() {
    let error = error_for(404, r#"{"code":"not_found","message":"Not Found"}"#).await;
    assert!(error.is_not_found());
    assert_eq!(error.code(), Some("not_found"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn forbidden_with_an_empty_object_falls_back_to_the_status() {
    let error = error_for(403, "{}").await;
    assert!(error.is_forbidden());
    assert_eq!(error.code(), None);
    assert_eq!(
        error.to_string(),
        "GET /v1/organizations/acme returned 403 Forbidden"
    );
}

#[tokio::test]
async fn a_non_json_server_error_falls_back_to_the_status() {
    let error = error_for(500, "<html><body>Internal error</body></html>").await;
    assert!(error.is_retryable());
    assert_eq!(error.code(), None);
    assert!(!error.to_string().contains("html"));
}

#[tokio::test]
async fn validation_errors_without_code_keep_the_status() {
    let body = r#"{"errors":[{"namespace":"team","name":"name","errors":["is taken"]}]}"#;
    let error = error_for(422, body).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(error.code(), None);
}

#[tokio::test]
async fn error_messages_read_well() {
    let cases = [
        (
            401,
            r#"{"code":"unauthorized","message":"Requires authentication"}"#,
        ),
        (403, "{}"),
        (404, r#"{"code":"not_found","message":"Not Found"}"#),
        (429, ""),
        (500, "not json at all"),
        (
            503,
            r#"{"code":"unavailable","message":"line one\nline two"}"#,
        ),
    ];
    let mut messages = Vec::new();
    for (status, body) in cases {
        messages.push(error_for(status, body).await.to_string());
    }
    insta::assert_snapshot!(messages.join("\n"));
}

#[tokio::test]
async fn a_body_that_does_not_decode_names_the_problem() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/organizations/acme/members");
            then.status(200)
                .json_body(json!({"data": [{"id": "m1", "role": "admin"}]}));
        })
        .await;
    let error = client_for(&server)
        .list_members("acme", 1)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }));
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "could not decode the response of GET /v1/organizations/acme/members: missing field \
         `user` at line 1 column 35"
    );
}

#[tokio::test]
async fn a_team_membership_body_never_appears_in_a_decode_error() {
    let server = MockServer::start_async().await;
    let mut broken = team_member();
    // A user whose id is a number: serde would quote the offending value in its message.
    broken["user"]["id"] = json!(12345);
    broken["passwords"][0]["plain_text"] = json!(BRANCH_PASSWORD);
    server
        .mock_async(|when, then| {
            when.path("/v1/organizations/acme/teams/platform/members");
            then.status(200).json_body(envelope(vec![broken], 1, None));
        })
        .await;
    let error = client_for(&server)
        .list_team_members("acme", "platform", 1)
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with(
        "could not decode the response of GET /v1/organizations/acme/teams/platform/members: \
         data error at line 1 column"
    ));
    assert!(message.contains("details withheld"));
    for output in [message, format!("{error:?}")] {
        assert!(!output.contains(BRANCH_PASSWORD));
        assert!(!output.contains("12345"));
        assert!(!output.contains("grace"));
    }
}

#[tokio::test]
async fn a_body_past_the_limit_is_refused() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/organizations/acme");
            then.status(200).json_body(organization());
        })
        .await;
    let client = builder_for(&server.base_url())
        .max_response_bytes(64)
        .build()
        .unwrap();
    let error = client.get_organization("acme").await.unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 64, .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("the most the client reads of one response")
    );
}

#[tokio::test]
async fn a_body_without_content_length_is_cut_off_at_the_limit() {
    let mut response = Scripted::json(200, organization());
    response.unsized_body = true;
    let (base, _) = scripted_server(vec![response]).await;
    let client = builder_for(&base).max_response_bytes(64).build().unwrap();
    let error = client.get_organization("acme").await.unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 64, .. }),
        "{error:?}"
    );

    let mut response = Scripted::json(200, organization());
    response.unsized_body = true;
    let (base, _) = scripted_server(vec![response]).await;
    let client = builder_for(&base).build().unwrap();
    assert_eq!(client.get_organization("acme").await.unwrap().name, "acme");
}

#[tokio::test]
async fn an_oversized_error_body_still_reports_the_status() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(404).body("x".repeat(1000));
        })
        .await;
    let client = builder_for(&server.base_url())
        .max_response_bytes(100)
        .build()
        .unwrap();
    assert!(
        client
            .get_organization("acme")
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[test]
fn out_of_range_settings_are_refused_at_build() {
    let check = |builder: planetscale_client::ClientBuilder, needle: &str| {
        let message = builder.build().unwrap_err().to_string();
        assert!(
            message.starts_with("invalid client configuration: "),
            "{message}"
        );
        assert!(message.contains(needle), "{message}");
    };
    let builder = || Client::builder(credentials());
    check(
        builder().requests_per_minute(Some(0)),
        "requests_per_minute",
    );
    check(builder().max_in_flight(0), "max_in_flight");
    check(builder().timeout(std::time::Duration::ZERO), "timeout");
    check(builder().max_response_bytes(0), "max_response_bytes");
    let no_attempts = RetryPolicy {
        max_attempts: 0,
        ..RetryPolicy::default()
    };
    check(builder().retry_policy(no_attempts), "max_attempts");
}

#[test]
fn defaults_build() {
    let client = Client::builder(credentials()).build().unwrap();
    assert_eq!(
        client.base_url().as_str(),
        "https://api.planetscale.com/v1/"
    );
    assert_eq!(client.stats(), Default::default());
    assert_eq!(
        RetryPolicy::default(),
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: std::time::Duration::from_millis(500),
            max_backoff: std::time::Duration::from_secs(30),
            max_total_wait: std::time::Duration::from_secs(120),
        }
    );
}

#[test]
fn client_and_error_are_send_sync_and_static() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Client>();
    check::<Error>();
    check::<planetscale_client::CredentialsError>();
    check::<planetscale_client::Page<planetscale_client::Member>>();
}

/// A server that answers `status` with a body declared as 1 MiB, sends 100 KiB of it, and then
/// stalls with the connection open.
async fn stalling_server(status: u16) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = socket.read(&mut [0u8; 4096]).await;
                let start = format!(
                    "HTTP/1.1 {status} Stalled\r\ncontent-length: 1048576\r\n\r\n{{\"code\":\"x\",\"pad\":\""
                );
                let _ = socket.write_all(start.as_bytes()).await;
                let _ = socket.write_all(&vec![b'a'; 100 * 1024]).await;
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            });
        }
    });
    base
}

#[tokio::test]
async fn an_error_body_is_read_no_further_than_64_kib() {
    let base = stalling_server(500).await;
    // Were the whole declared body awaited, the attempt would end in the 2 s time-out.
    let client = builder_for(&base)
        .retry_policy(RetryPolicy::none())
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();

    let error = client.get_organization("acme").await.unwrap_err();

    assert!(matches!(error, Error::Api { .. }), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    // Cut short, the body is not JSON: the status speaks alone.
    assert_eq!(error.code(), None);
}

/// A GET of the organization list through `base_url`, with no retries, as the error it fails
/// with, in words.
async fn transport_error(base_url: &str, http: Option<reqwest::Client>) -> String {
    let mut builder = builder_for(base_url).retry_policy(RetryPolicy::none());
    if let Some(http) = http {
        builder = builder.http_client(http);
    }
    let error = builder
        .build()
        .unwrap()
        .list_organizations(1)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    error.to_string()
}

#[tokio::test]
async fn a_refused_connection_says_nothing_listens_there() {
    // A port that was free a moment ago: nothing accepts connections on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let message = transport_error(&format!("http://127.0.0.1:{port}"), None).await;
    assert_eq!(
        message,
        format!(
            "GET /v1/organizations failed: nothing accepts connections at 127.0.0.1:{port} \
             (connection refused): check the API URL's host and port, and that the server runs"
        )
    );
}

#[tokio::test]
async fn https_to_a_plain_http_server_says_so() {
    let server = MockServer::start_async().await;
    let https = server.base_url().replace("http://", "https://");
    let message = transport_error(&https, None).await;
    assert!(
        message.contains("answered in plain http, not https: check the API URL's scheme"),
        "{message}"
    );
}

#[tokio::test]
async fn a_name_that_does_not_resolve_says_so() {
    /// A resolver that knows no name, so no lookup leaves the machine.
    struct Nowhere;
    impl reqwest::dns::Resolve for Nowhere {
        fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async { Err("no such host".into()) })
        }
    }
    let http = reqwest::Client::builder()
        .dns_resolver(std::sync::Arc::new(Nowhere))
        .build()
        .unwrap();
    let message = transport_error("https://api.planetscale.example", Some(http)).await;
    assert!(
        message.contains("the host name in api.planetscale.example does not resolve"),
        "{message}"
    );
}
