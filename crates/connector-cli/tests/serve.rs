//! `serve`: baton's connector protocol for a baton host, from outside: the address on stdout,
//! answers over gRPC, plain only on loopback, a signal to stop, no token anywhere.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use connector_grpc::pb::v2::connector_service_client::ConnectorServiceClient;
use connector_grpc::pb::v2::resource_types_service_client::ResourceTypesServiceClient;
use connector_grpc::pb::v2::{
    ConnectorServiceValidateRequest, ResourceTypesServiceListResourceTypesRequest,
};

use crate::support::{SECRET, outputs, toy};

#[test]
fn plain_grpc_beyond_loopback_is_refused_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();
    let out = toy(dir.path())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .assert()
        .code(2);
    let text = outputs(out.get_output());
    assert!(
        text.contains("needs mutual TLS (--tls-ca, --tls-cert and --tls-key)"),
        "{text}"
    );
    // Half of the TLS material is a usage error too.
    toy(dir.path())
        .args(["serve", "--tls-ca", "ca.pem"])
        .assert()
        .code(2);
    // Files that are not PEM are named.
    std::fs::write(dir.path().join("x.pem"), "not pem").unwrap();
    let out = toy(dir.path())
        .args([
            "serve",
            "--tls-ca",
            "x.pem",
            "--tls-cert",
            "x.pem",
            "--tls-key",
            "x.pem",
        ])
        .assert()
        .failure();
    let text = outputs(out.get_output());
    assert!(text.contains("x.pem is not PEM"), "{text}");
}

#[test]
fn serve_prints_its_address_answers_and_stops_at_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("toy-connector"))
        .current_dir(dir.path())
        .env_clear()
        .env("BATON_TOY_TOKEN", SECRET)
        .env("BATON_LOG_FORMAT", "json")
        .args(["serve", "--log-level", "debug"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: std::net::SocketAddr = line.trim().parse().expect("the address on stdout");
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = format!("http://{addr}");
        let mut connector = ConnectorServiceClient::connect(url.clone()).await.unwrap();
        let valid = connector
            .validate(ConnectorServiceValidateRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(valid.sdk_version, connector_grpc::BATON_SDK_VERSION);
        let mut types = ResourceTypesServiceClient::connect(url).await.unwrap();
        let listed = types
            .list_resource_types(ResourceTypesServiceListResourceTypesRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(!listed.list.is_empty());
    });

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("serving baton's connector protocol"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(SECRET),
        "the token leaked into the log: {stderr}"
    );
}

/// Runs `serve` with `args`, makes one call, waits `wait`, stops it and returns its log.
fn serve_log(args: &[&str], wait: std::time::Duration) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("toy-connector"))
        .current_dir(dir.path())
        .env_clear()
        .env("BATON_TOY_TOKEN", SECRET)
        .env("BATON_LOG_FORMAT", "json")
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = format!("http://{}", line.trim());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut connector = ConnectorServiceClient::connect(url).await.unwrap();
        connector
            .validate(ConnectorServiceValidateRequest {})
            .await
            .unwrap();
    });
    std::thread::sleep(wait);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// baton's `log-level-debug-expires-at`: debug logging asked for until a time that has passed is
/// info from the start; until a time to come, it falls back to info when that time comes.
#[test]
fn debug_logging_falls_back_to_info_when_it_expires() {
    let debug = r#""level":"DEBUG""#;
    let none = std::time::Duration::ZERO;
    let on = serve_log(&["--log-level", "debug"], none);
    assert!(on.contains(debug), "debug logging shows debug lines: {on}");

    let past = [
        "--log-level",
        "debug",
        "--log-level-debug-expires-at",
        "2020-01-01T00:00:00Z",
    ];
    let expired = serve_log(&past, none);
    assert!(!expired.contains(debug), "{expired}");
    assert!(
        expired.contains("serving baton's connector protocol"),
        "{expired}"
    );

    let soon = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(5)).to_string();
    let future = [
        "--log-level",
        "debug",
        "--log-level-debug-expires-at",
        &soon,
    ];
    let expiring = serve_log(&future, std::time::Duration::from_secs(6));
    assert!(
        expiring.contains(debug),
        "debug lines before it expires: {expiring}"
    );
    assert!(
        expiring.contains("log-level-debug-expires-at has passed"),
        "{expiring}"
    );
}
