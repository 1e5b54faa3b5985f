//! baton's health check server (`pkg/healthcheck`), which `serve` runs with `--health-check`
//! on `--health-check-bind-address`:`--health-check-port`, answering any method with JSON:
//!
//! | path | answer |
//! |---|---|
//! | `/health` | the connector's validation, 30 s at most: 200 `{"status":"healthy",…}`, else 503 `{"status":"unhealthy",…,"details":{"error":"connector validation failed","validation_error":…}}` |
//! | `/ready` | 200 `{"status":"ready",…}`: the connector is built before the server starts |
//! | `/live` | 200 `{"status":"alive",…}` |
//!
//! Each answer has a `timestamp` (RFC 3339, UTC, seconds). The address is baton's: 127.0.0.1
//! unless told otherwise; another address is allowed as baton allows it (a container's probes
//! come from outside), and the answers hold nothing but the status and the validation's error
//! text, never a credential.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::routing::any;
use connector_sdk::{CancellationToken, Connector};
use serde::Serialize;

use crate::cli::HealthCheckArgs;
use crate::error::{Error, Result};
use crate::settings::Values;
use crate::settings::standard::{HEALTH_CHECK_BIND_ADDRESS, HEALTH_CHECK_PORT, HealthCheck};

/// How long `/health` waits for the connector's validation (baton's).
const VALIDATE_TIMEOUT: Duration = Duration::from_secs(30);

/// baton's `HealthResponse`.
#[derive(Debug, Serialize)]
struct Answer {
    status: &'static str,
    timestamp: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    details: BTreeMap<&'static str, String>,
}

impl Answer {
    fn new(status: &'static str) -> Answer {
        Answer {
            status,
            timestamp: jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .unwrap_or_else(|_| jiff::Timestamp::now())
                .to_string(),
            details: BTreeMap::new(),
        }
    }
}

/// Starts answering health checks for `connector` on the address `config` names, until `stop`
/// is cancelled; returns the address bound (the port the system picked for port 0).
pub(crate) async fn start(
    config: &HealthCheck,
    connector: Arc<dyn Connector>,
    stop: CancellationToken,
) -> Result<SocketAddr> {
    let host = match config.bind_address.as_str() {
        // Go's empty host: every interface.
        "" => "0.0.0.0",
        host => host,
    };
    let listener = tokio::net::TcpListener::bind((host, config.port))
        .await
        .map_err(|e| {
            Error::io(
                format!(
                    "cannot listen for health checks on {host} port {} (health-check-bind-address, \
                     health-check-port)",
                    config.port
                ),
                e,
            )
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the health check address", e))?;
    let app = axum::Router::new()
        .route("/health", any(move || health(Arc::clone(&connector))))
        .route(
            "/ready",
            any(|| async { (StatusCode::OK, Json(Answer::new("ready"))) }),
        )
        .route(
            "/live",
            any(|| async { (StatusCode::OK, Json(Answer::new("alive"))) }),
        );
    tracing::info!(%addr, "health check server starting");
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "health check server error");
        }
    });
    Ok(addr)
}

/// The `health-check` command (baton's): asks the health check on the address the settings
/// name, and fails unless it answers 200.
pub(crate) async fn probe(values: &Values, args: &HealthCheckArgs) -> Result<()> {
    let host = match values.text(&HEALTH_CHECK_BIND_ADDRESS).map(str::trim) {
        None | Some("") => "127.0.0.1",
        Some(host) => host,
    };
    let port = values.int(&HEALTH_CHECK_PORT).unwrap_or_default();
    let url = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(ip)) => format!("http://[{ip}]:{port}/{}", args.endpoint),
        _ => format!("http://{host}:{port}/{}", args.endpoint),
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout.max(1)))
        .build()
        .map_err(|e| Error::Serve(format!("cannot make an HTTP client: {e}")))?;
    let answer = client
        .get(&url)
        .send()
        .await
        .map_err(|e| Error::Serve(format!("health check failed: {url}: {e}")))?;
    match answer.status() {
        StatusCode::OK => Ok(()),
        status => Err(Error::Serve(format!(
            "health check returned status {} ({url})",
            status.as_u16()
        ))),
    }
}

/// `/health`: the connector's validation.
async fn health(connector: Arc<dyn Connector>) -> (StatusCode, Json<Answer>) {
    let failed = match tokio::time::timeout(VALIDATE_TIMEOUT, connector.validate()).await {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error.to_string()),
        Err(_) => Some(format!("no answer in {} s", VALIDATE_TIMEOUT.as_secs())),
    };
    match failed {
        None => (StatusCode::OK, Json(Answer::new("healthy"))),
        Some(error) => {
            tracing::warn!(%error, "health check failed: connector validation failed");
            let mut answer = Answer::new("unhealthy");
            answer
                .details
                .insert("error", "connector validation failed".to_owned());
            answer.details.insert("validation_error", error);
            (StatusCode::SERVICE_UNAVAILABLE, Json(answer))
        }
    }
}
