//! baton's standard settings, which every connector program has (declared here), and
//! [`Settings`], their validated values (`values.rs`).

mod values;

pub use values::{CollectorTls, HealthCheck, LogFormat, OutputFormat, Settings, Telemetry};

use super::Setting;

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
