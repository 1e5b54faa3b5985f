//! Credentials go only to the configured origin: redirects, foreign origins, plain http,
//! proxies.

use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use httpmock::MockServer;
use planetscale_client::{Client, Error};

use crate::support::*;

#[tokio::test]
async fn a_redirect_is_an_error_and_is_never_followed() {
    let elsewhere = MockServer::start_async().await;
    let stolen = catch_all(&elsewhere).await;
    let server = MockServer::start_async().await;
    let target = elsewhere.url("/v1/organizations/acme");
    let redirect = server
        .mock_async(|when, then| {
            when.path("/v1/organizations/acme");
            then.status(302).header("location", target);
        })
        .await;

    let error = client_for(&server)
        .get_organization("acme")
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(302));
    assert!(!error.is_retryable());
    redirect.assert_calls_async(1).await;
    stolen.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_response_from_another_origin_is_refused_even_if_the_http_client_follows_it() {
    let elsewhere = MockServer::start_async().await;
    let followed = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(organization());
        })
        .await;
    let server = MockServer::start_async().await;
    let target = elsewhere.url("/v1/organizations/acme");
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(307).header("location", target);
        })
        .await;
    // A caller-supplied client with reqwest's default policy, which follows redirects.
    let following = reqwest::Client::new();
    let client = builder_for(&server.base_url())
        .http_client(following)
        .build()
        .unwrap();

    let error = client.get_organization("acme").await.unwrap_err();

    assert!(matches!(error, Error::ForeignOrigin { .. }), "{error:?}");
    followed.assert_calls_async(1).await;
}

#[test]
fn plain_http_is_refused_unless_loopback_or_opted_in() {
    let build = |url: &str, insecure: bool| {
        Client::builder(credentials())
            .base_url(url)
            .allow_insecure_http(insecure)
            .build()
    };
    let error = build("http://api.planetscale.com", false).unwrap_err();
    assert!(matches!(error, Error::InvalidBaseUrl { .. }));
    assert!(
        error.to_string().contains("allow insecure http explicitly"),
        "{error}"
    );
    for loopback in [
        "http://127.0.0.1:4000",
        "http://127.9.9.9",
        "http://[::1]:4000",
    ] {
        build(loopback, false).unwrap();
    }
    // A name is not loopback, whatever it resolves to today.
    let error = build("http://localhost:4000", false).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("write http://127.0.0.1:4000 instead"),
        "{error}"
    );
    let opted_in = build("http://fake.internal:8080/", true).unwrap();
    assert_eq!(
        opted_in.base_url().as_str(),
        "http://fake.internal:8080/v1/"
    );
}

#[test]
fn base_url_normalisation_table() {
    let cases = [
        (
            "https://api.planetscale.com",
            "https://api.planetscale.com/v1/",
        ),
        (
            "https://api.planetscale.com/",
            "https://api.planetscale.com/v1/",
        ),
        (
            "https://api.planetscale.com/v1",
            "https://api.planetscale.com/v1/",
        ),
        (
            "https://api.planetscale.com/v1/",
            "https://api.planetscale.com/v1/",
        ),
        (
            "https://api.planetscale.com:443/v1",
            "https://api.planetscale.com/v1/",
        ),
        (
            "https://gateway.example/planetscale/",
            "https://gateway.example/planetscale/v1/",
        ),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/"),
    ];
    for (input, expected) in cases {
        let client = Client::builder(credentials())
            .base_url(input)
            .build()
            .unwrap();
        assert_eq!(client.base_url().as_str(), expected, "{input}");
    }
    let refused = [
        ("ftp://api.planetscale.com", "scheme"),
        ("https://user:pass@api.planetscale.com", "credentials"),
        ("https://api.planetscale.com/v1?page=2", "query"),
        ("https://api.planetscale.com/v1#x", "fragment"),
        ("https://", "no host"),
        ("not a url", "no scheme"),
    ];
    for (input, needle) in refused {
        let error = Client::builder(credentials())
            .base_url(input)
            .build()
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("invalid base url: "),
            "{input}: {message}"
        );
        assert!(message.contains(needle), "{input}: {message}");
    }
}

/// Proxy variables are read for the whole process when an HTTP client is built, so the client
/// runs in a child process of this test binary, started with them pointing at a listener that
/// counts connections.
#[test]
fn plain_http_to_loopback_ignores_proxy_variables() {
    const CHILD: &str = "PLANETSCALE_CLIENT_TEST_BASE_URL";
    if let Ok(base_url) = std::env::var(CHILD) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = builder_for(&base_url).build().unwrap();
        runtime.block_on(client.get_organization("acme")).unwrap();
        return;
    }
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        // Each connection is counted and closed at once, so a proxied request fails fast.
        for stream in proxy.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let server = MockServer::start();
    let api = server.mock(|when, then| {
        when.path("/v1/organizations/acme");
        then.status(200).json_body(organization());
    });
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "origin::plain_http_to_loopback_ignores_proxy_variables",
            "--exact",
        ])
        .env(CHILD, server.base_url())
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        child.env(name, &proxy_url);
    }
    let output = child.output().unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(connections.load(Ordering::SeqCst), 0, "the proxy was used");
    api.assert_calls(1);
}
