//! OpenTelemetry: traces and logs over OTLP/gRPC to the collector the `otel-*` settings name,
//! as baton-sdk sends them (`pkg/uotel`): one service named `<program>-server`, spans from
//! `tracing`'s spans, log records from its events.
//!
//! Both are layers of the subscriber that prints the log lines on stderr, after the same level
//! filter, and record the same values: a credential, held as a `SecretString` whose `Debug` is
//! `[REDACTED]`, reaches a span or a log record no more than it reaches a log line. The crates
//! that carry the export (`opentelemetry*`, `tonic`, `h2`, `hyper`, `tower`) are left out of
//! what is exported, so exporting never feeds itself.

use std::sync::mpsc;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
use opentelemetry_otlp::tonic_types::transport::{Certificate, ClientTlsConfig};
use opentelemetry_otlp::{LogExporter, SpanExporter, WithExportConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::registry::LookupSpan;

use crate::error::{Error, Result};
use crate::settings::standard::{CollectorTls, Telemetry};

/// How long one export may take, and the last flush at exit (baton's `otelShutdownTimeout`).
const TIMEOUT: Duration = Duration::from_secs(5);

/// The exporters of a run, flushed by [`Exporters::shutdown`].
#[derive(Debug)]
pub(crate) struct Exporters {
    endpoint: String,
    insecure: bool,
    tracer: Option<SdkTracerProvider>,
    logger: Option<SdkLoggerProvider>,
}

/// Starts the exporters `telemetry` asks for, for the program `name`. Connections are made
/// lazily, on the first export: a collector that is down costs a warning at exit, not a failed
/// start. Must run within the tokio runtime, which carries the connections.
pub(crate) fn start(telemetry: &Telemetry, name: &str) -> Result<Exporters> {
    let endpoint = url(telemetry)?;
    let tls = tls(&telemetry.tls)?;
    let fail = |e: opentelemetry_otlp::ExporterBuildError| {
        Error::Config(format!(
            "otel-collector-endpoint {:?}: {e}",
            telemetry.endpoint
        ))
    };
    let resource = Resource::builder()
        .with_service_name(format!("{name}-server"))
        .build();
    let tracer = match telemetry.tracing {
        false => None,
        true => {
            let mut builder = SpanExporter::builder()
                .with_tonic()
                .with_endpoint(&endpoint)
                .with_timeout(TIMEOUT);
            if let Some(tls) = &tls {
                builder = builder.with_tls_config(tls.clone());
            }
            let exporter = builder.build().map_err(fail)?;
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(resource.clone())
                    .build(),
            )
        }
    };
    let logger = match telemetry.logging {
        false => None,
        true => {
            let mut builder = LogExporter::builder()
                .with_tonic()
                .with_endpoint(&endpoint)
                .with_timeout(TIMEOUT);
            if let Some(tls) = tls {
                builder = builder.with_tls_config(tls);
            }
            let exporter = builder.build().map_err(fail)?;
            Some(
                SdkLoggerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(resource)
                    .build(),
            )
        }
    };
    Ok(Exporters {
        endpoint,
        insecure: tls_is_off(&telemetry.tls),
        tracer,
        logger,
    })
}

/// The collector's URL: the endpoint as given when it has a scheme, else `https://` (or
/// `http://` with `--otel-collector-endpoint-tls-insecure`) before it.
fn url(telemetry: &Telemetry) -> Result<String> {
    let given = telemetry.endpoint.as_str();
    let insecure = tls_is_off(&telemetry.tls);
    let url = match given.split_once("://") {
        None => match insecure {
            true => format!("http://{given}"),
            false => format!("https://{given}"),
        },
        Some(("http", _)) if !insecure => {
            return Err(Error::Config(format!(
                "otel-collector-endpoint {given:?} is plaintext http: set \
                 otel-collector-endpoint-tls-insecure to send traces and logs without TLS, or \
                 give host:port for TLS"
            )));
        }
        Some(("https", _)) if insecure => {
            return Err(Error::Config(format!(
                "otel-collector-endpoint {given:?} is https but \
                 otel-collector-endpoint-tls-insecure is set: give host:port, or leave the \
                 insecure setting off"
            )));
        }
        Some(("http" | "https", _)) => given.to_owned(),
        Some((scheme, _)) => {
            return Err(Error::Config(format!(
                "otel-collector-endpoint {given:?} has the scheme {scheme:?}: give host:port \
                 (the collector's OTLP/gRPC port, usually 4317)"
            )));
        }
    };
    Ok(url)
}

fn tls_is_off(tls: &CollectorTls) -> bool {
    matches!(tls, CollectorTls::Insecure)
}

/// The TLS of the connection; `None` for plaintext.
fn tls(tls: &CollectorTls) -> Result<Option<ClientTlsConfig>> {
    let pem = match tls {
        CollectorTls::Insecure => return Ok(None),
        CollectorTls::SystemRoots => return Ok(Some(ClientTlsConfig::new().with_native_roots())),
        CollectorTls::CaPem(pem) => pem.clone(),
        CollectorTls::CaFile(path) => std::fs::read(path).map_err(|e| {
            Error::io(
                format!(
                    "cannot read otel-collector-endpoint-tls-cert-path {}",
                    path.display()
                ),
                e,
            )
        })?,
    };
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(Error::Config(
            "the OpenTelemetry collector's CA certificate is not PEM: give a PEM-encoded \
             certificate (-----BEGIN CERTIFICATE-----)"
                .into(),
        ));
    }
    Ok(Some(
        ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)),
    ))
}

/// Whether an event or a span comes from the crates that carry the export.
fn exporting(target: &str) -> bool {
    ["opentelemetry", "tonic", "h2", "hyper", "tower"]
        .iter()
        .any(|own| target.starts_with(own))
}

impl Exporters {
    /// Logs where traces and logs go, once the subscriber that logs is installed.
    pub(crate) fn announce(&self) {
        let (endpoint, traces, logs) =
            (&self.endpoint, self.tracer.is_some(), self.logger.is_some());
        match self.insecure {
            true => tracing::warn!(
                endpoint,
                traces,
                logs,
                "sending to the OpenTelemetry collector without TLS"
            ),
            false => {
                tracing::debug!(
                    endpoint,
                    traces,
                    logs,
                    "sending to the OpenTelemetry collector"
                )
            }
        }
    }

    /// The subscriber layer that hands spans and events to the exporters.
    pub(crate) fn layer<S>(&self) -> impl Layer<S> + Send + Sync + use<S>
    where
        S: Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
    {
        let spans = self.tracer.as_ref().map(|provider| {
            tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("connector-cli"))
                .with_filter(filter_fn(|meta| !exporting(meta.target())))
        });
        let logs = self.logger.as_ref().map(|provider| {
            OpenTelemetryTracingBridge::new(provider)
                .with_filter(filter_fn(|meta| !exporting(meta.target())))
        });
        Layer::and_then(spans, logs)
    }

    /// Sends what is left and stops, within [`TIMEOUT`] whatever the collector does; a failure
    /// is a warning on stderr (the run itself went well or not regardless).
    pub(crate) fn shutdown(self) {
        let (sent, flushed) = mpsc::channel();
        let Exporters {
            endpoint,
            tracer,
            logger,
            ..
        } = self;
        // On a thread of its own: a flush waits on the network, and must not hold the exit.
        std::thread::spawn(move || {
            let traces = tracer.as_ref().map(SdkTracerProvider::force_flush);
            let logs = logger.as_ref().map(SdkLoggerProvider::force_flush);
            let failed = [traces, logs]
                .into_iter()
                .flatten()
                .find_map(|r| r.err())
                .map(|e| e.to_string());
            let _ = sent.send(failed);
            if let Some(tracer) = tracer {
                let _ = tracer.shutdown_with_timeout(TIMEOUT);
            }
            if let Some(logger) = logger {
                let _ = logger.shutdown_with_timeout(TIMEOUT);
            }
        });
        match flushed.recv_timeout(TIMEOUT) {
            Ok(None) => {}
            Ok(Some(error)) => warn(&endpoint, &error),
            Err(_) => warn(&endpoint, &format!("no answer in {} s", TIMEOUT.as_secs())),
        }
    }
}

/// The warning for traces and logs the collector did not take; on stderr only, the exporters
/// being done.
fn warn(endpoint: &str, error: &str) {
    tracing::warn!(
        endpoint,
        error,
        "traces and logs could not all be sent to the OpenTelemetry collector: check \
         otel-collector-endpoint and its TLS settings"
    );
}
