//! `serve`: baton's connector protocol for a baton host, from outside: the address on stdout,
//! answers over gRPC, plain only on loopback, a signal to stop, no token anywhere.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use connector_grpc::pb::v2::connector_service_client::ConnectorServiceClient;
use connector_grpc::pb::v2::resource_types_service_client::ResourceTypesServiceClient;
use connector_grpc::pb::v2::{
    ConnectorServiceGetMetadataRequest, ConnectorServiceValidateRequest,
    ResourceTypesServiceListResourceTypesRequest,
};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use crate::support::{SECRET, bare, outputs, toy};

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

/// A CA: its certificate's PEM, and what signs with it.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn new() -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let pem = params.self_signed(&key).unwrap().pem();
        Ca {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A certificate this CA signed for `names`, and its key: (certificate PEM, key PEM).
    fn sign(&self, names: &[&str]) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &self.issuer)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// Writes the server's TLS files into `dir`: the CA that signs clients, the server's
/// certificate and key (both for 127.0.0.1 and localhost).
fn server_files(dir: &std::path::Path, ca: &Ca) {
    let (cert, key) = ca.sign(&["localhost", "127.0.0.1"]);
    std::fs::write(dir.join("ca.pem"), &ca.pem).unwrap();
    std::fs::write(dir.join("server.pem"), cert).unwrap();
    std::fs::write(dir.join("server-key.pem"), key).unwrap();
}

const TLS_ARGS: [&str; 7] = [
    "serve",
    "--tls-ca",
    "ca.pem",
    "--tls-cert",
    "server.pem",
    "--tls-key",
    "server-key.pem",
];

/// `GetMetadata` over TLS trusting `ca`, with `identity` as the client's certificate (none:
/// no certificate); the display name, or the error.
async fn metadata(addr: &str, ca: &str, identity: Option<(&str, &str)>) -> Result<String, String> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca))
        .domain_name("localhost");
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(cert, key));
    }
    let channel = Channel::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    let answer = ConnectorServiceClient::new(channel)
        .get_metadata(ConnectorServiceGetMetadataRequest {})
        .await
        .map_err(|e| format!("call: {e:?}"))?;
    Ok(answer
        .into_inner()
        .metadata
        .unwrap_or_default()
        .display_name)
}

#[test]
fn mutual_tls_answers_clients_the_ca_signed_and_no_others() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    server_files(dir.path(), &ca);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("toy-connector"))
        .current_dir(dir.path())
        .env_clear()
        .env("BATON_TOY_TOKEN", SECRET)
        .args(TLS_ARGS)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().to_owned();

    let (client, client_key) = ca.sign(&["a-client"]);
    let stranger = Ca::new();
    let (forged, forged_key) = stranger.sign(&["a-client"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (signed, anonymous, unknown) = runtime.block_on(async {
        (
            metadata(&addr, &ca.pem, Some((&client, &client_key))).await,
            metadata(&addr, &ca.pem, None).await,
            metadata(&addr, &ca.pem, Some((&forged, &forged_key))).await,
        )
    });
    assert_eq!(signed, Ok("Toy".to_owned()), "a client the CA signed");
    assert!(anonymous.is_err(), "no client certificate: {anonymous:?}");
    assert!(unknown.is_err(), "another CA's client: {unknown:?}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn bad_tls_files_are_refused_before_anything_listens() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    server_files(dir.path(), &ca);
    let refusal = |file: &str, contents: &str| {
        let good = std::fs::read(dir.path().join(file)).unwrap();
        std::fs::write(dir.path().join(file), contents).unwrap();
        let out = toy(dir.path()).args(TLS_ARGS).assert().code(1);
        std::fs::write(dir.path().join(file), good).unwrap();
        let output = out.get_output();
        assert!(
            output.stdout.is_empty(),
            "no address printed: {}",
            outputs(output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            !stderr.contains("serving baton's connector protocol"),
            "{stderr}"
        );
        stderr
    };
    // The key of another certificate.
    let (_, other_key) = ca.sign(&["localhost"]);
    let stderr = refusal("server-key.pem", &other_key);
    assert!(
        stderr.contains(
            "error: --tls-key: the TLS key server-key.pem is not the private key of the \
             certificate server.pem"
        ),
        "{stderr}"
    );
    // A key block holding no key.
    let junk = |label: &str| format!("-----BEGIN {label}-----\nAAECAwQF\n-----END {label}-----\n");
    let stderr = refusal("server-key.pem", &junk("PRIVATE KEY"));
    assert!(
        stderr.contains("error: --tls-key: the TLS key server-key.pem is not an RSA, ECDSA"),
        "{stderr}"
    );
    // A CA certificate block holding no certificate.
    let stderr = refusal("ca.pem", &junk("CERTIFICATE"));
    assert!(
        stderr.contains(
            "error: --tls-ca: the TLS CA certificate ca.pem holds a certificate the TLS \
             library rejects"
        ),
        "{stderr}"
    );
    // The server's certificate: no certificate in the block.
    let stderr = refusal("server.pem", &junk("CERTIFICATE"));
    assert!(
        stderr.contains("error: --tls-cert: the TLS certificate server.pem is a certificate"),
        "{stderr}"
    );
}

/// baton's subprocess mode: standard input is baton's server configuration, and the TLS
/// material is in it; what would read standard input first, or be ignored, is refused.
#[test]
fn the_subprocess_mode_refuses_tls_files_and_secrets_read_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let fd = "BATON_CONNECTOR_SERVICE_LISTENER_FD";
    let out = toy(dir.path()).env(fd, "3").args(TLS_ARGS).assert().code(2);
    let text = outputs(out.get_output());
    assert!(
        text.contains(
            "--tls-ca, --tls-cert and --tls-key do not apply when \
                       BATON_CONNECTOR_SERVICE_LISTENER_FD is set"
        ),
        "{text}"
    );

    // The token from standard input, ahead of baton's configuration line.
    let out = bare(dir.path())
        .env(fd, "3")
        .args(["serve", "--toy-token-file", "-"])
        .write_stdin(format!("{SECRET}\nQ09ORklH\n"))
        .assert()
        .code(1);
    let output = out.get_output();
    assert!(output.stdout.is_empty(), "{}", outputs(output));
    let text = outputs(output);
    assert!(
        text.contains(
            "error: --toy-token-file - reads standard input, which carries baton's \
                       server configuration"
        ),
        "{text}"
    );
    assert!(!text.contains(SECRET), "{text}");
    // The same from the environment.
    let out = bare(dir.path())
        .env(fd, "3")
        .env("BATON_TOY_TOKEN_FILE", "-")
        .arg("serve")
        .write_stdin("")
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(
        text.contains("--toy-token-file - reads standard input"),
        "{text}"
    );
}
