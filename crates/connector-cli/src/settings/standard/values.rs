//! [`Settings`]: the standard settings' values, checked and typed once, for the commands.

use std::path::PathBuf;
use std::time::Duration;

use tracing::level_filters::LevelFilter;

use super::*;
use crate::error::{Error, Result};
use crate::settings::{Setting, Values};

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Console,
}

/// How commands print results on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned tables.
    #[default]
    Table,
    /// JSON shaped like baton's `-o json` outputs.
    Json,
    /// CSV: a header row of column keys, then one row per item.
    Csv,
    /// JSON Lines: one object per item, keyed by the CSV columns.
    Jsonl,
    /// Records: one field per line, a blank line between rows, nothing cut (like `kubectl
    /// describe` or psql's `\x`).
    Long,
}

/// Where and how traces and logs go to an OpenTelemetry collector (the `otel-*` settings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Telemetry {
    /// The collector, as given (`host:port`, or a URL with its scheme).
    pub endpoint: String,
    /// How the connection to it is secured.
    pub tls: CollectorTls,
    /// Whether spans are sent.
    pub tracing: bool,
    /// Whether log records are sent.
    pub logging: bool,
}

/// The transport security of the connection to the collector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CollectorTls {
    /// TLS, the collector's certificate checked against the system's CAs.
    SystemRoots,
    /// TLS, checked against the PEM CA certificate in this file.
    CaFile(PathBuf),
    /// TLS, checked against this PEM CA certificate.
    CaPem(Vec<u8>),
    /// Plaintext (`--otel-collector-endpoint-tls-insecure`).
    Insecure,
}

/// Where `serve` answers health checks (`--health-check`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// The address bound: an IP address or a host name.
    pub bind_address: String,
    /// The port; 0 for one the system picks.
    pub port: u16,
}

/// The standard settings, validated. Nothing here needs the network or a credential.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The `.c1z` file.
    pub file: PathBuf,
    /// Most verbose log level shown.
    pub log_level: LevelFilter,
    /// When a debug or trace `log_level` falls back to info.
    pub debug_expires_at: Option<jiff::Timestamp>,
    /// Log line format.
    pub log_format: LogFormat,
    /// Resource types to sync; `None` for all.
    pub resource_types: Option<Vec<String>>,
    /// Concurrent connector calls.
    pub workers: usize,
    /// Finished syncs kept in the file.
    pub keep_syncs: usize,
    /// Timeout of one request.
    pub http_timeout: Duration,
    /// How results are printed.
    pub output: OutputFormat,
    /// Least time between two checkpoints of a sync.
    pub checkpoint_interval: Duration,
    /// The largest database inspect and diff decompress, in bytes.
    pub max_decoded_bytes: u64,
    /// Whether a sync expands grants (its last phase).
    pub expand_grants: bool,
    /// Whether changes are allowed (`--provisioning`).
    pub provisioning: bool,
    /// The most bytes the session cache holds; 0 for no cache.
    pub session_max_bytes: u64,
    /// The OpenTelemetry collector traces and logs go to; `None` sends nothing.
    pub telemetry: Option<Telemetry>,
    /// Where `serve` answers health checks; `None` when they are off.
    pub health_check: Option<HealthCheck>,
}

impl Default for Settings {
    /// Every standard setting at its default, logs in JSON.
    fn default() -> Self {
        // The standard defaults are valid by construction; the `defaults` test proves it.
        let values = Values::resolve(STANDARD, &[]).expect("valid standard defaults");
        Settings::from_values(&values, false).expect("valid standard defaults")
    }
}

impl Settings {
    /// The standard settings of `values`; `stderr_is_terminal` picks the default log format.
    pub fn from_values(values: &Values, stderr_is_terminal: bool) -> Result<Settings> {
        let text = |s: &Setting| {
            values
                .text(s)
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        };
        let int = |s: &Setting| values.int(s).unwrap_or_default();
        let file = PathBuf::from(values.text(&FILE).unwrap_or_default());
        if file.as_os_str().is_empty() {
            return Err(Error::Config(
                "file is empty: name the .c1z file to use".into(),
            ));
        }
        let log_level = text(&LOG_LEVEL).parse().unwrap_or(LevelFilter::INFO);
        let debug_expires_at = match values.text(&LOG_LEVEL_DEBUG_EXPIRES_AT).map(str::trim) {
            None | Some("") => None,
            Some(at) => Some(at.parse::<jiff::Timestamp>().map_err(|e| {
                Error::Config(format!(
                    "log-level-debug-expires-at {at:?} is not a timestamp ({e}): give an RFC 3339 \
                     time such as 2026-12-31T18:00:00Z"
                ))
            })?),
        };
        let log_format = match (text(&LOG_FORMAT).as_str(), stderr_is_terminal) {
            ("json", _) | ("", false) => LogFormat::Json,
            _ => LogFormat::Console,
        };
        let output = match text(&OUTPUT).as_str() {
            "json" => OutputFormat::Json,
            "csv" => OutputFormat::Csv,
            "jsonl" => OutputFormat::Jsonl,
            "long" => OutputFormat::Long,
            _ => OutputFormat::Table,
        };
        let health_check = match values.bool(&HEALTH_CHECK) {
            false => None,
            true => Some(HealthCheck {
                bind_address: values
                    .text(&HEALTH_CHECK_BIND_ADDRESS)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                port: u16::try_from(int(&HEALTH_CHECK_PORT)).map_err(|_| {
                    Error::Config(format!(
                        "health-check-port must be a port, 0 to 65535 (got {})",
                        int(&HEALTH_CHECK_PORT)
                    ))
                })?,
            }),
        };
        Ok(Settings {
            file,
            log_level,
            debug_expires_at,
            log_format,
            resource_types: values.list(&SYNC_RESOURCE_TYPES).map(<[String]>::to_vec),
            workers: usize::try_from(int(&WORKERS)).unwrap_or(usize::MAX),
            keep_syncs: usize::try_from(int(&KEEP_SYNCS)).unwrap_or(usize::MAX),
            http_timeout: Duration::from_secs(int(&HTTP_TIMEOUT_SECONDS)),
            output,
            checkpoint_interval: Duration::from_secs(int(&CHECKPOINT_INTERVAL_SECONDS)),
            max_decoded_bytes: int(&MAX_DECODED_SIZE_MB).saturating_mul(1 << 20),
            expand_grants: !values.bool(&SKIP_EXPAND_GRANTS),
            provisioning: values.bool(&PROVISIONING),
            session_max_bytes: int(&SESSION_STORE_MAXIMUM_SIZE),
            telemetry: telemetry(values)?,
            health_check,
        })
    }
}

/// The `otel-*` settings: `None` without an endpoint or with both signals off (as baton).
fn telemetry(values: &Values) -> Result<Option<Telemetry>> {
    let text = |s: &Setting| values.text(s).map(str::trim).filter(|t| !t.is_empty());
    let (tracing, logging) = (
        !values.bool(&OTEL_TRACING_DISABLED),
        !values.bool(&OTEL_LOGGING_DISABLED),
    );
    let Some(endpoint) = text(&OTEL_COLLECTOR_ENDPOINT).filter(|_| tracing || logging) else {
        return Ok(None);
    };
    let path = text(&OTEL_COLLECTOR_ENDPOINT_TLS_CERT_PATH);
    let cert = text(&OTEL_COLLECTOR_ENDPOINT_TLS_CERT);
    let tls = match (
        values.bool(&OTEL_COLLECTOR_ENDPOINT_TLS_INSECURE),
        path,
        cert,
    ) {
        (true, ..) => CollectorTls::Insecure,
        (false, Some(_), Some(_)) => {
            return Err(Error::Config(
                "otel-collector-endpoint-tls-cert-path and otel-collector-endpoint-tls-cert are \
                 mutually exclusive: keep one"
                    .into(),
            ));
        }
        (false, Some(path), None) => CollectorTls::CaFile(PathBuf::from(path)),
        (false, None, Some(cert)) => {
            use base64::Engine as _;
            let pem = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(cert.trim_end_matches('='))
                .map_err(|e| {
                    Error::Config(format!(
                        "otel-collector-endpoint-tls-cert is not base64url ({e}): encode the PEM \
                         certificate with base64url, or name its file with \
                         otel-collector-endpoint-tls-cert-path"
                    ))
                })?;
            CollectorTls::CaPem(pem)
        }
        (false, None, None) => CollectorTls::SystemRoots,
    };
    Ok(Some(Telemetry {
        endpoint: endpoint.to_owned(),
        tls,
        tracing,
        logging,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Layer;

    #[test]
    fn defaults() {
        let values = Values::resolve(STANDARD, &[]).unwrap();
        let s = Settings::from_values(&values, true).unwrap();
        assert_eq!(s.file, PathBuf::from("sync.c1z"));
        assert_eq!(s.log_level, LevelFilter::INFO);
        assert_eq!(s.log_format, LogFormat::Console);
        assert_eq!((s.workers, s.keep_syncs, s.resource_types), (8, 3, None));
        assert_eq!(s.http_timeout, Duration::from_secs(300));
        assert_eq!(s.max_decoded_bytes, c1z::DEFAULT_MAX_DECODED_MB << 20);
        assert_eq!(s.session_max_bytes, 15 << 20);
        assert_eq!((s.telemetry, s.health_check), (None, None));
        let piped = Settings::from_values(&values, false).unwrap();
        assert_eq!(piped.log_format, LogFormat::Json);
    }

    #[test]
    fn debug_logging_expires_at_an_rfc_3339_time() {
        let at = |value: &str| {
            let layer = Layer::from_env(STANDARD, |name| {
                (name == "BATON_LOG_LEVEL_DEBUG_EXPIRES_AT").then(|| value.to_owned())
            })
            .unwrap();
            Settings::from_values(&Values::resolve(STANDARD, &[layer]).unwrap(), false)
        };
        let expected: jiff::Timestamp = "2026-12-31T18:00:00Z".parse().unwrap();
        assert_eq!(
            at("2026-12-31T18:00:00Z").unwrap().debug_expires_at,
            Some(expected)
        );
        assert_eq!(at(" ").unwrap().debug_expires_at, None);
        let Err(Error::Config(message)) = at("tomorrow") else {
            panic!("a timestamp that is not one is refused");
        };
        assert!(message.contains("log-level-debug-expires-at") && message.contains("RFC 3339"));
        assert_eq!(Settings::default().debug_expires_at, None);
    }

    #[test]
    fn every_standard_setting_reads_from_the_environment() {
        let vars = [
            ("BATON_FILE", "e.c1z"),
            ("BATON_LOG_LEVEL", "debug"),
            ("BATON_LOG_FORMAT", "console"),
            ("BATON_SYNC_RESOURCE_TYPES", "user, team"),
            ("BATON_KEEP_SYNCS", "5"),
            ("BATON_WORKERS", "2"),
            ("BATON_HTTP_TIMEOUT_SECONDS", "60"),
            ("BATON_MAX_DECODED_SIZE_MB", "64"),
            ("BATON_PROVISIONING", "true"),
        ];
        let env = Layer::from_env(STANDARD, |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
        let values = Values::resolve(STANDARD, &[env]).unwrap();
        let s = Settings::from_values(&values, false).unwrap();
        assert_eq!(s.file, PathBuf::from("e.c1z"));
        assert_eq!(s.log_level, LevelFilter::DEBUG);
        assert_eq!(s.log_format, LogFormat::Console);
        assert_eq!(
            s.resource_types,
            Some(vec!["user".to_owned(), "team".to_owned()])
        );
        assert_eq!((s.keep_syncs, s.workers), (5, 2));
        assert_eq!(s.http_timeout, Duration::from_secs(60));
        assert_eq!(s.max_decoded_bytes, 64 << 20);
        assert!(s.provisioning);
    }

    fn from_env(vars: &[(&str, &str)]) -> Result<Settings> {
        let env = Layer::from_env(STANDARD, |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })?;
        Settings::from_values(&Values::resolve(STANDARD, &[env])?, false)
    }

    #[test]
    fn baton_s_service_settings_read_from_the_environment() {
        let s = from_env(&[
            ("BATON_SESSION_STORE_MAXIMUM_SIZE", "1024"),
            ("BATON_OTEL_COLLECTOR_ENDPOINT", "127.0.0.1:4317"),
            ("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_INSECURE", "true"),
            ("BATON_OTEL_LOGGING_DISABLED", "true"),
            ("BATON_HEALTH_CHECK", "true"),
            ("BATON_HEALTH_CHECK_PORT", "9090"),
            ("BATON_HEALTH_CHECK_BIND_ADDRESS", "0.0.0.0"),
        ])
        .unwrap();
        assert_eq!(s.session_max_bytes, 1024);
        assert_eq!(
            s.telemetry,
            Some(Telemetry {
                endpoint: "127.0.0.1:4317".into(),
                tls: CollectorTls::Insecure,
                tracing: true,
                logging: false,
            })
        );
        assert_eq!(
            s.health_check,
            Some(HealthCheck {
                bind_address: "0.0.0.0".into(),
                port: 9090
            })
        );
    }

    #[test]
    fn the_collector_s_tls_is_checked_as_baton_checks_it() {
        let tls = |vars: &[(&str, &str)]| {
            let mut all = vec![("BATON_OTEL_COLLECTOR_ENDPOINT", "otel:4317")];
            all.extend_from_slice(vars);
            from_env(&all).map(|s| s.telemetry.unwrap().tls)
        };
        assert_eq!(tls(&[]).unwrap(), CollectorTls::SystemRoots);
        assert_eq!(
            tls(&[("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_CERT_PATH", "ca.pem")]).unwrap(),
            CollectorTls::CaFile("ca.pem".into())
        );
        // base64url without padding, as baton decodes it.
        assert_eq!(
            tls(&[("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_CERT", "LS0tLS1C")]).unwrap(),
            CollectorTls::CaPem(b"-----B".to_vec())
        );
        let both = tls(&[
            ("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_CERT_PATH", "ca.pem"),
            ("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_CERT", "LS0tLS1C"),
        ]);
        let both = both.unwrap_err().to_string();
        assert!(both.contains("are mutually exclusive"), "{both}");
        let bad = tls(&[("BATON_OTEL_COLLECTOR_ENDPOINT_TLS_CERT", "not base64!")]);
        let bad = bad.unwrap_err().to_string();
        assert!(
            bad.contains("the PEM certificate with base64url, or name"),
            "{bad}"
        );
        // Both signals off, or no endpoint: nothing is sent (baton's rule).
        let off = from_env(&[
            ("BATON_OTEL_COLLECTOR_ENDPOINT", "otel:4317"),
            ("BATON_OTEL_TRACING_DISABLED", "1"),
            ("BATON_OTEL_LOGGING_DISABLED", "1"),
        ]);
        assert_eq!(off.unwrap().telemetry, None);
        let port = from_env(&[
            ("BATON_HEALTH_CHECK", "true"),
            ("BATON_HEALTH_CHECK_PORT", "70000"),
        ]);
        assert!(port.unwrap_err().to_string().contains("0 to 65535"));
    }

    #[test]
    fn the_task_flags_are_flags_only() {
        let env = Layer::from_env(STANDARD, |name| match name {
            "BATON_GRANT_ENTITLEMENT" | "BATON_REVOKE_GRANT" | "BATON_DRY_RUN" => Some("x".into()),
            _ => None,
        })
        .unwrap();
        let values = Values::resolve(STANDARD, &[env]).unwrap();
        assert!(TASKS.iter().all(|task| task.flag_only));
        assert_eq!((TASKS[0], TASKS[8]), (GRANT_ENTITLEMENT, DRY_RUN));
        assert_eq!(STANDARD[STANDARD.len() - 10], PROVISIONING);
        assert_eq!(values.text(&GRANT_ENTITLEMENT), None);
        assert!(!values.bool(&DRY_RUN));
        assert!(!Settings::from_values(&values, false).unwrap().provisioning);
    }

    #[test]
    fn output_and_the_checkpoint_interval_are_flags_only() {
        let env = Layer::from_env(STANDARD, |name| match name {
            "BATON_OUTPUT" | "BATON_CHECKPOINT_INTERVAL_SECONDS" => Some("json".into()),
            _ => None,
        })
        .unwrap();
        let values = Values::resolve(STANDARD, &[env]).unwrap();
        assert_eq!(
            Settings::from_values(&values, false).unwrap().output,
            OutputFormat::Table
        );
    }
}
