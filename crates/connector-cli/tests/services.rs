//! baton's exported standard fields for running as a service, from outside: the health check
//! `serve` answers, and traces and logs sent to an OpenTelemetry collector (a fake one here, on
//! 127.0.0.1) with no credential in them, and no hang when the collector is down.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::AnyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;
use serde_json::Value as Json;
use tonic::{Request, Response, Status};

use crate::support::{SECRET, outputs, toy};

/// `serve --health-check` on port 0 in `dir`, the token `token`; returns the process and the
/// health check's address, read from its log.
fn serve_with_health_check(dir: &std::path::Path, token: &str) -> (Child, SocketAddr) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("toy-connector"))
        .current_dir(dir)
        .env_clear()
        .env("BATON_TOY_TOKEN", token)
        .env("BATON_LOG_FORMAT", "json")
        .env("BATON_HEALTH_CHECK", "true")
        .args(["serve", "--health-check-port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let addr = stderr.lines().map_while(Result::ok).find_map(|line| {
        let event = serde_json::from_str::<Json>(&line).ok()?;
        (event["message"] == "health check server starting")
            .then(|| event["addr"].as_str()?.parse().ok())?
    });
    match addr {
        Some(addr) => (child, addr),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve ended without starting its health check server");
        }
    }
}

fn stop(mut child: Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());
}

/// GET `path` on `addr`: the status and the JSON body.
fn get(addr: SocketAddr, path: &str) -> (u16, Json) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let answer = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Json::String(text)),
        )
    })
}

#[test]
fn serve_answers_baton_s_health_checks_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = serve_with_health_check(dir.path(), SECRET);
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    for (path, status) in [
        ("/live", "alive"),
        ("/ready", "ready"),
        ("/health", "healthy"),
    ] {
        let (code, body) = get(addr, path);
        assert_eq!(
            (code, body["status"].as_str()),
            (200, Some(status)),
            "{path}: {body}"
        );
        let stamp = body["timestamp"].as_str().unwrap();
        assert!(stamp.parse::<jiff::Timestamp>().is_ok(), "{stamp}");
        assert!(body.get("details").is_none(), "{body}");
    }
    assert_eq!(get(addr, "/nothing").0, 404);
    // baton's health-check command asks it, as a container's probe does.
    let port = addr.port().to_string();
    for endpoint in ["health", "ready", "live"] {
        toy(dir.path())
            .args(["health-check", "--health-check-port", &port])
            .args(["--endpoint", endpoint])
            .assert()
            .success();
    }
    stop(child);
    let out = toy(dir.path())
        .args([
            "health-check",
            "--health-check-port",
            &port,
            "--timeout",
            "2",
        ])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(text.contains("health check failed"), "{text}");
}

#[test]
fn an_unhealthy_connector_answers_503_with_the_validation_error() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = serve_with_health_check(dir.path(), "wrong-token");
    let (code, body) = get(addr, "/health");
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["status"], "unhealthy");
    assert_eq!(body["details"]["error"], "connector validation failed");
    assert!(body["details"]["validation_error"].is_string(), "{body}");
    assert!(!body.to_string().contains("wrong-token"), "{body}");
    // Alive and ready all the same: the process runs and the connector is built.
    assert_eq!(get(addr, "/live").0, 200);
    assert_eq!(get(addr, "/ready").0, 200);
    let out = toy(dir.path())
        .args([
            "health-check",
            "--health-check-port",
            &addr.port().to_string(),
        ])
        .assert()
        .code(1);
    let text = outputs(out.get_output());
    assert!(text.contains("health check returned status 503"), "{text}");
    stop(child);
}

/// A fake OpenTelemetry collector: what it was sent.
#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
    logs: Arc<Mutex<Vec<ExportLogsServiceRequest>>>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        self.spans.lock().unwrap().push(request.into_inner());
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl LogsService for Collector {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        self.logs.lock().unwrap().push(request.into_inner());
        Ok(Response::new(ExportLogsServiceResponse::default()))
    }
}

impl Collector {
    /// Starts the collector on 127.0.0.1 on `runtime`; returns its address.
    fn start(&self, runtime: &tokio::runtime::Runtime) -> SocketAddr {
        self.serve(runtime, tonic::transport::Server::builder())
    }

    /// Starts the collector with TLS, the certificate and key `identity` in PEM.
    fn start_tls(&self, runtime: &tokio::runtime::Runtime, identity: (&str, &str)) -> SocketAddr {
        let tls = tonic::transport::ServerTlsConfig::new()
            .identity(tonic::transport::Identity::from_pem(identity.0, identity.1));
        let builder = tonic::transport::Server::builder().tls_config(tls).unwrap();
        self.serve(runtime, builder)
    }

    fn serve(
        &self,
        runtime: &tokio::runtime::Runtime,
        mut builder: tonic::transport::Server,
    ) -> SocketAddr {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let server = builder
            .add_service(TraceServiceServer::new(self.clone()))
            .add_service(LogsServiceServer::new(self.clone()))
            .serve_with_incoming(incoming);
        runtime.spawn(server);
        addr
    }

    fn span_names(&self) -> Vec<String> {
        let spans = self.spans.lock().unwrap();
        let spans = spans.iter().flat_map(|r| &r.resource_spans);
        let spans = spans.flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans);
        spans.map(|s| s.name.clone()).collect()
    }

    fn log_bodies(&self) -> Vec<String> {
        let logs = self.logs.lock().unwrap();
        let records = logs.iter().flat_map(|r| &r.resource_logs);
        let records = records
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records);
        records.filter_map(|r| text(r.body.as_ref())).collect()
    }

    /// The service names of everything received.
    fn services(&self) -> Vec<String> {
        let spans = self.spans.lock().unwrap();
        let logs = self.logs.lock().unwrap();
        let resources = spans
            .iter()
            .flat_map(|r| &r.resource_spans)
            .filter_map(|r| r.resource.as_ref())
            .chain(
                logs.iter()
                    .flat_map(|r| &r.resource_logs)
                    .filter_map(|r| r.resource.as_ref()),
            );
        let attributes = resources.flat_map(|r| &r.attributes);
        let names = attributes.filter(|a| a.key == "service.name");
        names.filter_map(|a| text(a.value.as_ref())).collect()
    }

    /// Every byte received, as sent on the wire.
    fn wire(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for request in self.spans.lock().unwrap().iter() {
            bytes.extend(request.encode_to_vec());
        }
        for request in self.logs.lock().unwrap().iter() {
            bytes.extend(request.encode_to_vec());
        }
        bytes
    }
}

/// The text of an OTLP value that is a string.
fn text(value: Option<&AnyValue>) -> Option<String> {
    match value?.value.as_ref()? {
        Value::StringValue(s) => Some(s.clone()),
        _ => None,
    }
}

#[test]
fn a_sync_sends_its_spans_and_logs_to_the_collector_without_the_token() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let collector = Collector::default();
    let addr = collector.start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    let out = toy(dir.path())
        .env("BATON_OTEL_COLLECTOR_ENDPOINT", addr.to_string())
        .env("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_INSECURE", "true")
        .args(["--log-level", "trace"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let text = outputs(out.get_output());
    assert!(!text.contains("OpenTelemetry collector:"), "{text}");
    assert!(
        collector.span_names().contains(&"sync".to_owned()),
        "{:?}",
        collector.span_names()
    );
    let bodies = collector.log_bodies();
    assert!(
        bodies.iter().any(|b| b.contains("without TLS")),
        "the run's log records: {bodies:?}"
    );
    let services = collector.services();
    assert!(!services.is_empty());
    assert!(
        services.iter().all(|s| s == "toy-connector-server"),
        "{services:?}"
    );
    let wire = collector.wire();
    assert!(
        !wire.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        "the token reached the collector"
    );

    // Each signal can be turned off.
    let quiet = Collector::default();
    let addr = quiet.start(&runtime);
    toy(dir.path())
        .env("BATON_OTEL_COLLECTOR_ENDPOINT", addr.to_string())
        .env("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_INSECURE", "true")
        .env("BATON_OTEL_TRACING_DISABLED", "true")
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    assert!(quiet.span_names().is_empty());
    assert!(!quiet.log_bodies().is_empty());
}

#[test]
fn a_collector_that_is_down_costs_a_warning_not_a_hang() {
    // A port nothing listens on: bound, then closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = toy(dir.path())
        .env("BATON_OTEL_COLLECTOR_ENDPOINT", closed.to_string())
        .env("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_INSECURE", "true")
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
    let text = outputs(out.get_output());
    assert!(
        text.contains("could not all be sent to the OpenTelemetry collector"),
        "{text}"
    );

    // Plain http without saying so is refused before anything runs.
    let out = toy(dir.path())
        .env("BATON_OTEL_COLLECTOR_ENDPOINT", format!("http://{closed}"))
        .assert()
        .failure();
    let text = outputs(out.get_output());
    assert!(
        text.contains("otel-collector-endpoint-tls-insecure"),
        "{text}"
    );
}

#[test]
fn the_collector_s_certificate_is_checked_against_the_ca_given() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, private) = (key.cert.pem(), key.signing_key.serialize_pem());
    let collector = Collector::default();
    let port = collector.start_tls(&runtime, (&cert, &private)).port();
    let endpoint = format!("localhost:{port}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), &cert).unwrap();
    let sync = |var: &str, value: &str| {
        let out = toy(dir.path())
            .env("BATON_OTEL_COLLECTOR_ENDPOINT", &endpoint)
            .env(var, value)
            .timeout(Duration::from_secs(60))
            .assert()
            .success();
        outputs(out.get_output())
    };
    // The CA as a file, then inline (base64url, as baton takes it): TLS, and spans arrive.
    sync("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_CERT_PATH", "ca.pem");
    assert_eq!(collector.span_names(), ["sync"]);
    use base64::Engine as _;
    let inline = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&cert);
    sync("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_CERT", &inline);
    assert_eq!(collector.span_names(), ["sync", "sync"]);
    // The system's CAs do not know this certificate: nothing is sent, and a warning says so.
    let text = sync("BATON_LOG_LEVEL", "info");
    assert_eq!(collector.span_names().len(), 2);
    assert!(
        text.contains("could not all be sent to the OpenTelemetry collector"),
        "{text}"
    );
}
