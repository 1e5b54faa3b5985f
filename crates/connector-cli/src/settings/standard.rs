//! baton's standard settings, which every connector program has, and [`Settings`], their
//! validated values.

use std::path::PathBuf;
use std::time::Duration;

use tracing::level_filters::LevelFilter;

use super::{Setting, Values};
use crate::error::{Error, Result};

/// The `.c1z` file a sync writes and the read-only commands read.
pub const FILE: Setting = Setting::text(
    "file",
    "Output file",
    "The .c1z file a sync writes and inspect and diff read",
)
.short('f')
.default("sync.c1z")
.value_name("PATH")
.ops()
.unexported();

/// How much is logged.
pub const LOG_LEVEL: Setting = Setting::text(
    "log-level",
    "Log level",
    "Log level: error, warn, info, debug or trace",
)
.default("info")
.choices(&["error", "warn", "info", "debug", "trace"])
.value_name("LEVEL")
.ops()
.choices_unexported();

/// When debug logging falls back to info (baton's `--log-level-debug-expires-at`): debug asked
/// for while looking into a problem does not stay on for good.
pub const LOG_LEVEL_DEBUG_EXPIRES_AT: Setting = Setting::text(
    "log-level-debug-expires-at",
    "Debug logging expires at",
    "When debug (or trace) logging falls back to info: an RFC 3339 timestamp such as \
     2026-12-31T18:00:00Z; at once when already past, else at that moment",
)
.value_name("TIMESTAMP")
.ops();

/// How log lines look.
pub const LOG_FORMAT: Setting =
    Setting::text("log-format", "Log format", "Log format: json or console")
        .default_help("console on a terminal, else json")
        .choices(&["json", "console"])
        .value_name("FORMAT")
        .ops()
        .unexported();

/// baton's resource type filter.
pub const SYNC_RESOURCE_TYPES: Setting = Setting::list(
    "sync-resource-types",
    "Resource types to sync",
    "Sync only these resource types (comma-separated: {resource_types}); all when unset",
)
.value_name("TYPES")
.ops()
.unexported();

/// Connector calls in flight during a sync.
pub const WORKERS: Setting = Setting::int(
    "workers",
    "Workers",
    "Concurrent connector calls during a sync",
)
.default("8")
.min(1)
.value_name("N")
.ops()
.unexported();

/// Finished syncs kept in the file.
pub const KEEP_SYNCS: Setting = Setting::int(
    "keep-syncs",
    "Syncs kept",
    "Finished syncs kept in --file: the new one and the previous ones",
)
.default("3")
.min(1)
.value_name("N")
.ops()
.unexported();

/// The most bytes the session cache holds (baton's `--session-store-maximum-size`): entries are
/// evicted least recently used first beyond it; 0 turns the cache off.
pub const SESSION_STORE_MAXIMUM_SIZE: Setting = Setting::int(
    "session-store-maximum-size",
    "Session store maximum size",
    "The maximum size of the in-memory session cache in bytes (each entry weighs its key, its \
     value and 32); the least recently used entries are evicted beyond it, 0 turns it off",
)
.default("15728640")
.value_name("BYTES")
.hidden()
.ops();

/// Where traces and logs go (baton's `--otel-collector-endpoint`).
pub const OTEL_COLLECTOR_ENDPOINT: Setting = Setting::text(
    "otel-collector-endpoint",
    "OpenTelemetry collector endpoint",
    "The OpenTelemetry collector to send traces and logs to over OTLP/gRPC, as host:port (TLS \
     unless --otel-collector-endpoint-tls-insecure); unset sends nothing",
)
.value_name("HOST:PORT")
.routes_credentials()
.ops();

/// A CA certificate file for the collector's TLS.
pub const OTEL_COLLECTOR_ENDPOINT_TLS_CERT_PATH: Setting = Setting::text(
    "otel-collector-endpoint-tls-cert-path",
    "OpenTelemetry collector CA file",
    "Path to a file containing a PEM-encoded certificate to use as a CA for TLS connections to \
     the OpenTelemetry collector (the system's CAs when unset)",
)
.value_name("PATH")
.hidden()
.routes_credentials()
.ops();

/// A CA certificate for the collector's TLS, inline.
pub const OTEL_COLLECTOR_ENDPOINT_TLS_CERT: Setting = Setting::text(
    "otel-collector-endpoint-tls-cert",
    "OpenTelemetry collector CA",
    "A PEM-encoded certificate to use as a CA for TLS connections to the OpenTelemetry \
     collector, base64url-encoded without padding as baton takes it",
)
.value_name("BASE64")
.hidden()
.routes_credentials()
.ops();

/// Plaintext to the collector.
pub const OTEL_COLLECTOR_ENDPOINT_TLS_INSECURE: Setting = Setting::bool(
    "otel-collector-endpoint-tls-insecure",
    "OpenTelemetry collector without TLS",
    "Allow insecure connections to the OpenTelemetry collector: plaintext gRPC, no TLS",
)
.hidden()
.routes_credentials()
.ops();

/// No traces to the collector.
pub const OTEL_TRACING_DISABLED: Setting = Setting::bool(
    "otel-tracing-disabled",
    "OpenTelemetry tracing disabled",
    "Disable OpenTelemetry tracing: send no spans to the collector",
)
.hidden()
.ops();

/// No logs to the collector.
pub const OTEL_LOGGING_DISABLED: Setting = Setting::bool(
    "otel-logging-disabled",
    "OpenTelemetry logging disabled",
    "Disable OpenTelemetry logging: send no log records to the collector",
)
.hidden()
.ops();

/// baton's `--health-check`: HTTP health endpoints while `serve` runs.
pub const HEALTH_CHECK: Setting = Setting::bool(
    "health-check",
    "Health check",
    "Enable the HTTP health check endpoints (/health, /ready, /live) while serve runs",
)
.ops();

/// The health check's port.
pub const HEALTH_CHECK_PORT: Setting = Setting::int(
    "health-check-port",
    "Health check port",
    "Port for the HTTP health check endpoints (0 for any free port, logged)",
)
.default("8081")
.value_name("PORT")
.ops();

/// The health check's address.
pub const HEALTH_CHECK_BIND_ADDRESS: Setting = Setting::text(
    "health-check-bind-address",
    "Health check bind address",
    "Bind address for the health check server (127.0.0.1 for localhost-only)",
)
.default("127.0.0.1")
.value_name("ADDRESS")
.hidden()
.ops();

/// Timeout of one request to the connected system (baton's `--http-timeout-seconds`, with its
/// default).
pub const HTTP_TIMEOUT_SECONDS: Setting = Setting::int(
    "http-timeout-seconds",
    "HTTP timeout",
    "Timeout of one API request in seconds (1 to 1800)",
)
.default("300")
.min(1)
.max(1800)
.value_name("SECONDS")
.ops();

/// Leave grant expansion to a host that expands grants itself (baton's `SkipExpandGrants`).
pub const SKIP_EXPAND_GRANTS: Setting = Setting::bool(
    "skip-expand-grants",
    "Skip grant expansion",
    "Do not expand grants: write only the grants the connector lists, with their expandable \
     annotations, for a host that expands them itself (as ConductorOne does)",
)
.ops()
.unexported();

/// How results are printed.
pub const OUTPUT: Setting = Setting::text(
    "output",
    "Output format",
    "Output format of inspect, diff, validate and the sync summary: table, json (baton's \
     shapes), csv (a header row, one row per item), jsonl (one JSON object per row, the csv \
     columns) or long (one field per line, nothing cut)",
)
.short('o')
.default("table")
.choices(&["table", "json", "csv", "jsonl", "long"])
.value_name("FORMAT")
.flag_only();

/// The largest database inspect and diff decompress (baton's
/// `BATON_DECODER_MAX_DECODED_SIZE_MB`).
pub const MAX_DECODED_SIZE_MB: Setting = Setting::int(
    "max-decoded-size-mb",
    "Max decoded size",
    "Largest decompressed database inspect and diff read, in MiB; a larger .c1z is refused",
)
.default("2048")
.min(1)
.value_name("MB")
.ops()
.unexported();

/// The YAML config file (also `BATON_CONFIG_PATH`).
pub const CONFIG: Setting = Setting::text(
    "config",
    "Config file",
    "YAML config file with the same kebab-case keys as the flags [env: BATON_CONFIG_PATH]",
)
.value_name("PATH")
.flag_only();

/// Least time between two checkpoints; hidden, tests checkpoint often with it.
pub const CHECKPOINT_INTERVAL_SECONDS: Setting = Setting::int(
    "checkpoint-interval-seconds",
    "Checkpoint interval",
    "Least seconds between two checkpoints of a sync, 0 for after every call",
)
.default("10")
.value_name("SECONDS")
.hidden()
.flag_only();

/// baton's `--provisioning`: nothing is changed unless it is on.
pub const PROVISIONING: Setting = Setting::bool(
    "provisioning",
    "Provisioning",
    "Allow changes: the grant, revoke and create-account flags run only with it, and validate \
     then also checks the write accesses",
)
.short('p')
.ops()
.unexported();

/// baton's `--grant-entitlement`.
pub const GRANT_ENTITLEMENT: Setting = Setting::text(
    "grant-entitlement",
    "Grant entitlement",
    "Grant this entitlement to --grant-principal instead of syncing: its id, or a resource and a \
     slug (acme:admin), as in the last sync of --file; needs --provisioning",
)
.value_name("ENTITLEMENT")
.flag_only();

/// baton's `--grant-principal`.
pub const GRANT_PRINCIPAL: Setting = Setting::text(
    "grant-principal",
    "Grant principal",
    "Who --grant-entitlement goes to: type:id, an id, or an email one user holds exactly, as in \
     the last sync of --file (never a display name, which its holder chooses)",
)
.value_name("PRINCIPAL")
.flag_only();

/// baton's `--grant-principal-type`.
pub const GRANT_PRINCIPAL_TYPE: Setting = Setting::text(
    "grant-principal-type",
    "Grant principal type",
    "The resource type of --grant-principal, when its name alone is ambiguous",
)
.value_name("TYPE")
.flag_only();

/// baton's `--revoke-grant`.
pub const REVOKE_GRANT: Setting = Setting::text(
    "revoke-grant",
    "Revoke grant",
    "Revoke this grant instead of syncing: its id as inspect grants lists it, from the last sync \
     of --file; needs --provisioning",
)
.value_name("GRANT")
.flag_only();

/// baton's `--create-account-login`.
pub const CREATE_ACCOUNT_LOGIN: Setting = Setting::text(
    "create-account-login",
    "Account login",
    "Create an account with this login instead of syncing; needs --provisioning",
)
.value_name("LOGIN")
.flag_only();

/// baton's `--create-account-email`.
pub const CREATE_ACCOUNT_EMAIL: Setting = Setting::text(
    "create-account-email",
    "Account email",
    "Create an account with this email instead of syncing; needs --provisioning",
)
.value_name("EMAIL")
.flag_only();

/// baton's `--create-account-profile`.
pub const CREATE_ACCOUNT_PROFILE: Setting = Setting::text(
    "create-account-profile",
    "Account profile",
    "The account's details as a JSON object, e.g. where to create it and with which role",
)
.value_name("JSON")
.flag_only();

/// baton's `--create-account-resource-type`.
pub const CREATE_ACCOUNT_RESOURCE_TYPE: Setting = Setting::text(
    "create-account-resource-type",
    "Account resource type",
    "The resource type of the account to create, when the connector creates several",
)
.value_name("TYPE")
.flag_only();

/// Show a change without making it.
pub const DRY_RUN: Setting = Setting::bool(
    "dry-run",
    "Dry run",
    "With a grant, revoke or create-account flag: print the exact request the change would send \
     (method, URL, JSON body) and send nothing",
)
.flag_only();

/// Every standard setting, in the order help lists them (after the connector's) and the schema
/// lists its exported ones (before the connector's, as baton does).
pub const STANDARD: &[Setting] = &[
    FILE,
    LOG_LEVEL,
    LOG_LEVEL_DEBUG_EXPIRES_AT,
    LOG_FORMAT,
    SYNC_RESOURCE_TYPES,
    WORKERS,
    SESSION_STORE_MAXIMUM_SIZE,
    OTEL_COLLECTOR_ENDPOINT,
    OTEL_COLLECTOR_ENDPOINT_TLS_CERT_PATH,
    OTEL_COLLECTOR_ENDPOINT_TLS_CERT,
    OTEL_COLLECTOR_ENDPOINT_TLS_INSECURE,
    OTEL_TRACING_DISABLED,
    OTEL_LOGGING_DISABLED,
    HEALTH_CHECK,
    HEALTH_CHECK_PORT,
    HEALTH_CHECK_BIND_ADDRESS,
    HTTP_TIMEOUT_SECONDS,
    KEEP_SYNCS,
    SKIP_EXPAND_GRANTS,
    MAX_DECODED_SIZE_MB,
    OUTPUT,
    CONFIG,
    CHECKPOINT_INTERVAL_SECONDS,
    PROVISIONING,
    GRANT_ENTITLEMENT,
    GRANT_PRINCIPAL,
    GRANT_PRINCIPAL_TYPE,
    REVOKE_GRANT,
    CREATE_ACCOUNT_LOGIN,
    CREATE_ACCOUNT_EMAIL,
    CREATE_ACCOUNT_PROFILE,
    CREATE_ACCOUNT_RESOURCE_TYPE,
    DRY_RUN,
];

/// The task flags, each of which runs a change instead of a sync: the standard settings after
/// `--provisioning`, which ends [`STANDARD`] with them.
pub const TASKS: &[Setting] = STANDARD.split_at(STANDARD.len() - 9).1;

/// The standard settings `inspect` and `diff` read; their help shows only these.
pub const READ: &[Setting] = &[
    FILE,
    OUTPUT,
    MAX_DECODED_SIZE_MB,
    LOG_LEVEL,
    LOG_LEVEL_DEBUG_EXPIRES_AT,
    LOG_FORMAT,
    CONFIG,
];

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
