//! The token never appears in `Debug`, `Display`, error chains or logs.

use std::error::Error as _;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::MockServer;
use planetscale_client::{Client, Credentials, Error, RetryPolicy, SecretString};
use serde_json::json;

use crate::support::*;

/// Everything a person could see of an error: `Display`, alternate `Display`, `Debug`, and
/// every source in the chain.
fn all_output(error: &(dyn std::error::Error + 'static)) -> String {
    let mut output = format!("{error}\n{error:#}\n{error:?}\n");
    let mut source = error.source();
    while let Some(cause) = source {
        output.push_str(&format!("{cause}\n{cause:?}\n"));
        source = cause.source();
    }
    output
}

fn assert_no_token(output: &str) {
    assert!(!output.contains(TOKEN), "the token leaked into: {output}");
    assert!(
        !output.contains("S3CR3T"),
        "part of the token leaked into: {output}"
    );
}

#[test]
fn debug_of_everything_holding_the_token_is_redacted() {
    let credentials = credentials();
    let builder = Client::builder(credentials.clone());
    let client = Client::builder(credentials.clone()).build().unwrap();
    for output in [
        format!("{credentials:?}"),
        format!("{builder:?}"),
        format!("{client:?}"),
    ] {
        assert_no_token(&output);
        assert!(output.contains(TOKEN_ID), "{output}");
        assert!(output.contains("[redacted]"), "{output}");
    }
}

#[test]
fn credentials_errors_never_echo_the_input() {
    let bad_inputs = [
        TOKEN.to_owned(),
        format!("{TOKEN_ID}:{TOKEN} "),
        format!("{TOKEN_ID}:{TOKEN}\n"),
        format!("{TOKEN_ID}:S3CR3T\u{7}"),
        format!("{TOKEN_ID}:S3CR3T\u{e9}"),
        format!(":{TOKEN}"),
        "S3CR3T:".to_owned(),
    ];
    for input in &bad_inputs {
        let error = Credentials::parse(input).unwrap_err();
        let output = all_output(&error);
        assert_no_token(&output);
        assert!(output.contains("<token-id>:<token-value>"), "{output}");
    }
    let error = Credentials::new("S3CR3T:id", SecretString::from(TOKEN)).unwrap_err();
    assert_no_token(&all_output(&error));
}

#[test]
fn base_url_errors_never_echo_embedded_credentials() {
    let error = Client::builder(credentials())
        .base_url("https://user:S3CR3T@api.planetscale.com")
        .build()
        .unwrap_err();
    assert_no_token(&all_output(&error));
    let builder = Client::builder(credentials()).base_url("https://user:S3CR3T@example.com");
    assert_no_token(&format!("{builder:?}"));
}

#[tokio::test]
async fn no_failure_mode_puts_the_token_in_an_error() {
    let server = MockServer::start_async().await;
    // Servers that echo the request's Authorization header back in their error bodies.
    for (path, status) in [
        ("/v1/organizations/e401", 401),
        ("/v1/organizations/e500", 500),
    ] {
        server
            .mock_async(|when, then| {
                when.path(path);
                then.status(status)
                    .json_body(json!({"code": "bad", "message": AUTHORIZATION}));
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.path("/v1/organizations/decode");
            then.status(200)
                .json_body(json!({"id": "o", "name": "n", "database_count": TOKEN}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/v1/organizations/redirect");
            then.status(302)
                .header("location", format!("https://evil.example/?t={TOKEN}"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/v1/organizations/slow");
            then.status(200).delay(Duration::from_millis(300));
        })
        .await;
    let client = builder_for(&server.base_url())
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_millis(50))
        .max_response_bytes(1024)
        .build()
        .unwrap();

    let mut errors = Vec::new();
    for org in ["e401", "e500", "decode", "redirect", "slow"] {
        errors.push(client.get_organization(org).await.unwrap_err());
    }
    let refused = Client::builder(credentials())
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    errors.push(refused.get_organization("acme").await.unwrap_err());

    for error in &errors {
        assert_no_token(&all_output(error));
    }
    // The servers echoed the header back; the client scrubbed the secret half.
    assert_eq!(
        errors[0].server_message(),
        Some("pscale_tkn_testid:[redacted]")
    );
    assert!(matches!(errors[2], Error::Decode { .. }));
    assert!(matches!(errors[3], Error::Redirect { .. }));
    assert!(matches!(errors[4], Error::Transport { .. }));
    assert!(errors[4].source().is_some());
}

/// Collects formatted tracing output in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn debug_logs_describe_each_request_without_the_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (base, _) = scripted_server(vec![
        Scripted::json(503, json!({})),
        Scripted::json(200, envelope(vec![], 1, None)),
    ])
    .await;
    let client = builder_for(&base).build().unwrap();
    client.list_members("acme", 1).await.unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert_no_token(&logs);
    assert!(!logs.to_lowercase().contains("authorization"), "{logs}");
    let requests: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("planetscale request"))
        .collect();
    assert_eq!(requests.len(), 2, "{logs}");
    for (line, (status, attempt)) in requests.iter().zip([(503, 1), (200, 2)]) {
        assert!(line.contains("DEBUG"), "{line}");
        assert!(line.contains("method=\"GET\""), "{line}");
        assert!(
            line.contains("path=\"/v1/organizations/acme/members\""),
            "{line}"
        );
        assert!(line.contains("query=\"page=1&per_page=100\""), "{line}");
        assert!(line.contains(&format!("status={status}")), "{line}");
        assert!(line.contains(&format!("attempt={attempt}")), "{line}");
        assert!(line.contains("elapsed_ms="), "{line}");
    }
}
