//! Configuration in two stages: raw inputs ([`LowArgs`], every value optional, one per source:
//! flags, `BATON_` environment variables, the YAML config file), then validated values
//! ([`Settings`] for every command, [`ApiSettings`] for the commands that call PlanetScale).
//!
//! Precedence is flags > environment > config file > defaults, decided in one place
//! ([`LowArgs::over`]). [`FIELDS`] lists every setting once: the environment reader, the
//! config-file key check and the `config` command's schema all come from it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use planetscale_client::{Client, Credentials};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tracing::level_filters::LevelFilter;

use crate::cli::{Flags, LogFormat, OutputFormat};
use crate::error::{Error, Result};

/// The API URL used when none is configured.
pub const DEFAULT_API_URL: &str = "https://api.planetscale.com";
/// The `.c1z` file used when none is configured (baton's default).
pub const DEFAULT_FILE: &str = "sync.c1z";

/// The value type of a setting, as the config schema names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Text.
    String,
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Int,
    /// A list of strings (comma-separated in flags and the environment).
    StringList,
}

/// One setting: its kebab-case name (flag, config key, and `BATON_` variable) and its schema.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The kebab-case name, e.g. `planetscale-api-url`.
    pub name: &'static str,
    /// Name for people.
    pub display_name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Its type.
    pub kind: FieldKind,
    /// The default, written as the config file would hold it.
    pub default: Option<&'static str>,
    /// Whether a sync needs it.
    pub required: bool,
    /// Whether it is a credential (never printed).
    pub secret: bool,
}

impl Field {
    /// The environment variable that sets it: `BATON_` + upper snake case.
    pub fn env_var(&self) -> String {
        format!("BATON_{}", self.name.replace('-', "_").to_uppercase())
    }
}

/// Every setting a flag, the environment or the config file can give.
pub const FIELDS: &[Field] = &[
    Field {
        name: "planetscale-service-token",
        display_name: "Service token",
        description: "The PlanetScale service token, written <token-id>:<token-value>. It needs \
            the read_organization access on every organization to sync.",
        kind: FieldKind::String,
        default: None,
        required: true,
        secret: true,
    },
    Field {
        name: "planetscale-service-token-file",
        display_name: "Service token file",
        description: "Read the service token from this file (- for standard input) instead of \
            planetscale-service-token, so it need not appear in the process list.",
        kind: FieldKind::String,
        default: None,
        required: false,
        secret: false,
    },
    Field {
        name: "planetscale-api-url",
        display_name: "API URL",
        description: "Base URL of the PlanetScale API.",
        kind: FieldKind::String,
        default: Some(DEFAULT_API_URL),
        required: false,
        secret: false,
    },
    Field {
        name: "allow-insecure-http",
        display_name: "Allow insecure HTTP",
        description: "Allow a plain http:// API URL on a host other than loopback.",
        kind: FieldKind::Bool,
        default: Some("false"),
        required: false,
        secret: false,
    },
    Field {
        name: "file",
        display_name: "Output file",
        description: "The .c1z file a sync writes and inspect reads.",
        kind: FieldKind::String,
        default: Some(DEFAULT_FILE),
        required: false,
        secret: false,
    },
    Field {
        name: "log-level",
        display_name: "Log level",
        description: "error, warn, info, debug or trace.",
        kind: FieldKind::String,
        default: Some("info"),
        required: false,
        secret: false,
    },
    Field {
        name: "log-format",
        display_name: "Log format",
        description: "json or console; console when stderr is a terminal, else json.",
        kind: FieldKind::String,
        default: None,
        required: false,
        secret: false,
    },
    Field {
        name: "sync-resource-types",
        display_name: "Resource types to sync",
        description: "Sync only these resource types (organization, user, team); all when unset.",
        kind: FieldKind::StringList,
        default: None,
        required: false,
        secret: false,
    },
    Field {
        name: "workers",
        display_name: "Workers",
        description: "Connector calls a sync runs concurrently.",
        kind: FieldKind::Int,
        default: Some("8"),
        required: false,
        secret: false,
    },
    Field {
        name: "requests-per-minute",
        display_name: "Requests per minute",
        description: "Client-side budget of API requests per minute; 0 disables the throttle.",
        kind: FieldKind::Int,
        default: Some("600"),
        required: false,
        secret: false,
    },
    Field {
        name: "max-in-flight",
        display_name: "Requests in flight",
        description: "Most API requests in flight at once.",
        kind: FieldKind::Int,
        default: Some("16"),
        required: false,
        secret: false,
    },
    Field {
        name: "http-timeout-seconds",
        display_name: "HTTP timeout",
        description: "Timeout of one API request, in seconds (1 to 1800).",
        kind: FieldKind::Int,
        default: Some("30"),
        required: false,
        secret: false,
    },
    Field {
        name: "keep-syncs",
        display_name: "Syncs kept",
        description: "Finished syncs kept in the .c1z file, the new one included.",
        kind: FieldKind::Int,
        default: Some("3"),
        required: false,
        secret: false,
    },
];

/// Raw settings from one source; `None` means "this source does not say".
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LowArgs {
    /// `planetscale-service-token`.
    #[serde(default, deserialize_with = "secret")]
    pub planetscale_service_token: Option<SecretString>,
    /// `planetscale-service-token-file`.
    pub planetscale_service_token_file: Option<PathBuf>,
    /// `planetscale-api-url`.
    pub planetscale_api_url: Option<String>,
    /// `allow-insecure-http`.
    pub allow_insecure_http: Option<bool>,
    /// `file`.
    pub file: Option<PathBuf>,
    /// `log-level`.
    pub log_level: Option<String>,
    /// `log-format`.
    pub log_format: Option<LogFormat>,
    /// `sync-resource-types`.
    #[serde(default, deserialize_with = "string_list")]
    pub sync_resource_types: Option<Vec<String>>,
    /// `workers`.
    pub workers: Option<usize>,
    /// `requests-per-minute`.
    pub requests_per_minute: Option<u32>,
    /// `max-in-flight`.
    pub max_in_flight: Option<usize>,
    /// `http-timeout-seconds`.
    pub http_timeout_seconds: Option<u64>,
    /// `keep-syncs`.
    pub keep_syncs: Option<usize>,
    /// The hidden `--checkpoint-interval-seconds` flag; not read from the environment or the
    /// config file.
    #[serde(skip)]
    pub checkpoint_interval_seconds: Option<u64>,
}

impl LowArgs {
    /// The settings given on the command line.
    pub fn from_flags(flags: &Flags) -> LowArgs {
        LowArgs {
            planetscale_service_token: flags.planetscale_service_token.clone(),
            planetscale_service_token_file: flags.planetscale_service_token_file.clone(),
            planetscale_api_url: flags.planetscale_api_url.clone(),
            allow_insecure_http: flags.allow_insecure_http,
            file: flags.file.clone(),
            log_level: flags.log_level.clone(),
            log_format: flags.log_format,
            sync_resource_types: flags.sync_resource_types.clone(),
            workers: flags.workers,
            requests_per_minute: flags.requests_per_minute,
            max_in_flight: flags.max_in_flight,
            http_timeout_seconds: flags.http_timeout_seconds,
            keep_syncs: flags.keep_syncs,
            checkpoint_interval_seconds: flags.checkpoint_interval_seconds,
        }
    }

    /// The settings given by `BATON_` environment variables, read through `lookup` (so tests
    /// need not touch the process environment). Empty variables count as unset.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<LowArgs> {
        let mut low = LowArgs::default();
        for field in FIELDS {
            let var = field.env_var();
            let Some(value) = lookup(&var).filter(|v| !v.is_empty()) else {
                continue;
            };
            low.set(field.name, value).map_err(|expected| {
                Error::Config(format!("environment variable {var} must be {expected}"))
            })?;
        }
        Ok(low)
    }

    /// The settings of a YAML config file's text; `path` names the file in errors.
    pub fn from_yaml(text: &str, path: &Path) -> Result<LowArgs> {
        let parse_error = |source| Error::ConfigParse {
            path: path.to_owned(),
            source,
        };
        let value: serde_norway::Value = serde_norway::from_str(text).map_err(parse_error)?;
        let mapping = match value {
            serde_norway::Value::Null => return Ok(LowArgs::default()),
            serde_norway::Value::Mapping(mapping) => mapping,
            _ => {
                return Err(Error::Config(format!(
                    "config file {} must be a YAML mapping of setting names to values",
                    path.display()
                )));
            }
        };
        let unknown: Vec<String> = mapping
            .keys()
            .map(|k| match k {
                serde_norway::Value::String(s) => s.clone(),
                other => format!("{other:?}"),
            })
            .filter(|k| !FIELDS.iter().any(|f| f.name == k))
            .collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
            return Err(Error::Config(format!(
                "config file {} has unknown keys: {} (known keys: {})",
                path.display(),
                unknown.join(", "),
                known.join(", ")
            )));
        }
        serde_norway::from_value(serde_norway::Value::Mapping(mapping)).map_err(parse_error)
    }

    /// The settings of the YAML config file at `path`.
    pub fn from_file(path: &Path) -> Result<LowArgs> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ConfigRead {
            path: path.to_owned(),
            source,
        })?;
        LowArgs::from_yaml(&text, path)
    }

    /// These settings with `lower`'s filling the gaps: `self` wins wherever it says something.
    /// The token and the token file are one setting: whichever source gives either wins.
    pub fn over(self, lower: LowArgs) -> LowArgs {
        let has_token = self.planetscale_service_token.is_some()
            || self.planetscale_service_token_file.is_some();
        let (token, token_file) = match has_token {
            true => (
                self.planetscale_service_token,
                self.planetscale_service_token_file,
            ),
            false => (
                lower.planetscale_service_token,
                lower.planetscale_service_token_file,
            ),
        };
        LowArgs {
            planetscale_service_token: token,
            planetscale_service_token_file: token_file,
            planetscale_api_url: self.planetscale_api_url.or(lower.planetscale_api_url),
            allow_insecure_http: self.allow_insecure_http.or(lower.allow_insecure_http),
            file: self.file.or(lower.file),
            log_level: self.log_level.or(lower.log_level),
            log_format: self.log_format.or(lower.log_format),
            sync_resource_types: self.sync_resource_types.or(lower.sync_resource_types),
            workers: self.workers.or(lower.workers),
            requests_per_minute: self.requests_per_minute.or(lower.requests_per_minute),
            max_in_flight: self.max_in_flight.or(lower.max_in_flight),
            http_timeout_seconds: self.http_timeout_seconds.or(lower.http_timeout_seconds),
            keep_syncs: self.keep_syncs.or(lower.keep_syncs),
            checkpoint_interval_seconds: self
                .checkpoint_interval_seconds
                .or(lower.checkpoint_interval_seconds),
        }
    }

    /// Sets field `name` from text; on a bad value, says what was expected (without echoing
    /// the value, which may be a secret).
    fn set(&mut self, name: &str, value: String) -> Result<(), &'static str> {
        fn number<T: std::str::FromStr>(value: &str) -> Result<Option<T>, &'static str> {
            value.trim().parse().map(Some).map_err(|_| "a whole number")
        }
        match name {
            "planetscale-service-token" => {
                self.planetscale_service_token = Some(SecretString::from(value))
            }
            "planetscale-service-token-file" => {
                self.planetscale_service_token_file = Some(value.into())
            }
            "planetscale-api-url" => self.planetscale_api_url = Some(value),
            "allow-insecure-http" => self.allow_insecure_http = Some(parse_bool(&value)?),
            "file" => self.file = Some(value.into()),
            "log-level" => self.log_level = Some(value),
            "log-format" => {
                self.log_format = Some(match value.trim().to_ascii_lowercase().as_str() {
                    "json" => LogFormat::Json,
                    "console" => LogFormat::Console,
                    _ => return Err("json or console"),
                })
            }
            "sync-resource-types" => {
                self.sync_resource_types = Some(value.split(',').map(str::to_owned).collect())
            }
            "workers" => self.workers = number(&value)?,
            "requests-per-minute" => self.requests_per_minute = number(&value)?,
            "max-in-flight" => self.max_in_flight = number(&value)?,
            "http-timeout-seconds" => self.http_timeout_seconds = number(&value)?,
            "keep-syncs" => self.keep_syncs = number(&value)?,
            _ => return Err("a known setting"),
        }
        Ok(())
    }
}

/// Validated settings every command uses. Nothing here needs the network or the token.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The `.c1z` file.
    pub file: PathBuf,
    /// Most verbose log level shown.
    pub log_level: LevelFilter,
    /// Log line format.
    pub log_format: LogFormat,
    /// Resource types to sync; `None` for all.
    pub resource_types: Option<Vec<String>>,
    /// Concurrent connector calls.
    pub workers: usize,
    /// Finished syncs kept in the file.
    pub keep_syncs: usize,
    /// How results are printed.
    pub output: OutputFormat,
    /// Least time between two checkpoints of a sync.
    pub checkpoint_interval: Duration,
}

impl Settings {
    /// Validates merged raw settings. `stderr_is_terminal` picks the default log format.
    pub fn resolve(
        low: &LowArgs,
        output: OutputFormat,
        stderr_is_terminal: bool,
    ) -> Result<Settings> {
        let log_level = match &low.log_level {
            None => LevelFilter::INFO,
            Some(level) => level.trim().parse().map_err(|_| {
                Error::Config(format!(
                    "log-level {level:?} is not one of error, warn, info, debug, trace"
                ))
            })?,
        };
        let log_format = low.log_format.unwrap_or(match stderr_is_terminal {
            true => LogFormat::Console,
            false => LogFormat::Json,
        });
        let resource_types = match &low.sync_resource_types {
            None => None,
            Some(types) => {
                let types: Vec<String> = types
                    .iter()
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .collect();
                if types.is_empty() {
                    return Err(Error::Config(
                        "sync-resource-types is empty: name at least one resource type \
                         (organization, user, team) or leave it unset to sync all"
                            .into(),
                    ));
                }
                Some(types)
            }
        };
        let file = low
            .file
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_FILE));
        if file.as_os_str().is_empty() {
            return Err(Error::Config(
                "file is empty: name the .c1z file to use".into(),
            ));
        }
        Ok(Settings {
            file,
            log_level,
            log_format,
            resource_types,
            workers: at_least_one("workers", low.workers.unwrap_or(8))?,
            keep_syncs: at_least_one("keep-syncs", low.keep_syncs.unwrap_or(3))?,
            output,
            checkpoint_interval: Duration::from_secs(low.checkpoint_interval_seconds.unwrap_or(10)),
        })
    }
}

/// Validated settings for the commands that call PlanetScale: the credentials and a client
/// built (and so URL-checked) from them.
#[derive(Clone, Debug)]
pub struct ApiSettings {
    /// The parsed service token.
    pub credentials: Credentials,
    /// The API URL as configured (the client normalises it).
    pub api_url: String,
    /// Whether plain http:// is allowed on non-loopback hosts.
    pub allow_insecure_http: bool,
    /// Client-side request budget per minute; `None` for no throttle.
    pub requests_per_minute: Option<u32>,
    /// Most requests in flight.
    pub max_in_flight: usize,
    /// Timeout of one request.
    pub timeout: Duration,
    /// The client, built from the fields above.
    pub client: Client,
}

impl ApiSettings {
    /// Validates merged raw settings, reading the token from its file (or from `stdin` for `-`).
    pub fn resolve(low: &LowArgs, stdin: &mut dyn Read) -> Result<ApiSettings> {
        let token = match (
            &low.planetscale_service_token,
            &low.planetscale_service_token_file,
        ) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "both planetscale-service-token and planetscale-service-token-file are set \
                     in the same place: keep one"
                        .into(),
                ));
            }
            (Some(token), None) => token.clone(),
            (None, Some(path)) => read_token_file(path, stdin)?,
            (None, None) => {
                return Err(Error::Config(
                    "the PlanetScale service token is required: set \
                     --planetscale-service-token-file, BATON_PLANETSCALE_SERVICE_TOKEN or \
                     planetscale-service-token in the config file (<token-id>:<token-value>)"
                        .into(),
                ));
            }
        };
        let credentials = Credentials::parse(token.expose_secret()).map_err(Error::Credentials)?;
        let timeout = match low.http_timeout_seconds.unwrap_or(30) {
            secs @ 1..=1800 => Duration::from_secs(secs),
            secs => {
                return Err(Error::Config(format!(
                    "http-timeout-seconds must be between 1 and 1800 (got {secs})"
                )));
            }
        };
        let requests_per_minute = match low.requests_per_minute.unwrap_or(600) {
            0 => None,
            rpm => Some(rpm),
        };
        let api_url = low
            .planetscale_api_url
            .clone()
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let allow_insecure_http = low.allow_insecure_http.unwrap_or(false);
        let max_in_flight = at_least_one("max-in-flight", low.max_in_flight.unwrap_or(16))?;
        let client = Client::builder(credentials.clone())
            .base_url(&api_url)
            .allow_insecure_http(allow_insecure_http)
            .requests_per_minute(requests_per_minute)
            .max_in_flight(max_in_flight)
            .timeout(timeout)
            .build()
            .map_err(Error::Client)?;
        Ok(ApiSettings {
            credentials,
            api_url,
            allow_insecure_http,
            requests_per_minute,
            max_in_flight,
            timeout,
            client,
        })
    }
}

/// Everything the command line, the environment and the config file say, validated.
#[derive(Debug)]
pub struct Config {
    /// Settings every command uses.
    pub settings: Settings,
    /// The merged raw settings, kept for [`Config::api`].
    pub low: LowArgs,
}

impl Config {
    /// Merges flags, the environment (read through `env`) and the config file (named by
    /// `--config` or `BATON_CONFIG_PATH`), then validates the result.
    pub fn load(
        flags: &Flags,
        env: impl Fn(&str) -> Option<String>,
        stderr_is_terminal: bool,
    ) -> Result<Config> {
        let from_env = LowArgs::from_env(&env)?;
        let config_path = flags.config.clone().or_else(|| {
            env("BATON_CONFIG_PATH")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        });
        let from_file = match &config_path {
            Some(path) => LowArgs::from_file(path)?,
            None => LowArgs::default(),
        };
        let low = LowArgs::from_flags(flags).over(from_env).over(from_file);
        let settings =
            Settings::resolve(&low, flags.output.unwrap_or_default(), stderr_is_terminal)?;
        Ok(Config { settings, low })
    }

    /// The API settings, reading a token file or standard input if so configured.
    pub fn api(&self) -> Result<ApiSettings> {
        ApiSettings::resolve(&self.low, &mut std::io::stdin().lock())
    }
}

/// Refuses, before any request is made, a `--file` a sync could not write: a missing or
/// read-only directory, or an existing file that is not a baton `.c1z`.
pub fn check_output_file(path: &Path) -> Result<()> {
    let refuse = |reason: String| Error::OutputPath {
        path: path.to_owned(),
        reason,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(refuse(format!("{} is not a directory", dir.display()))),
        Err(_) => {
            return Err(refuse(format!(
                "directory {} does not exist: create it or choose another --file",
                dir.display()
            )));
        }
    }
    if std::fs::metadata(dir)
        .map(|m| m.permissions().readonly())
        .unwrap_or(false)
    {
        return Err(refuse(format!("directory {} is read-only", dir.display())));
    }
    let mut magic = [0u8; 5];
    let read = match std::fs::File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(refuse(format!("it exists but cannot be opened ({e})"))),
        Ok(mut file) => read_prefix(&mut file, &mut magic),
    };
    match &magic[..read] {
        b"C1ZF\0" => Ok(()),
        b"C1Z3\0" => Err(refuse(
            "it is a baton v3 (Pebble) .c1z, which this connector cannot extend: choose another \
             --file"
                .into(),
        )),
        _ => Err(refuse(
            "it exists and is not a .c1z file; refusing to overwrite it: choose another --file \
             or move the file away"
                .into(),
        )),
    }
}

fn read_prefix(file: &mut std::fs::File, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    filled
}

fn read_token_file(path: &Path, stdin: &mut dyn Read) -> Result<SecretString> {
    let mut text = String::new();
    if path == Path::new("-") {
        stdin
            .read_to_string(&mut text)
            .map_err(|e| Error::io("cannot read the service token from standard input", e))?;
    } else {
        warn_if_shared(path);
        let mut file = std::fs::File::open(path).map_err(|e| {
            Error::io(
                format!("cannot read the service token file {}", path.display()),
                e,
            )
        })?;
        file.read_to_string(&mut text).map_err(|e| {
            Error::io(
                format!("cannot read the service token file {}", path.display()),
                e,
            )
        })?;
    }
    // Files written by editors and `echo` end in a newline; nothing else is trimmed, so a
    // token with stray spaces is reported rather than silently changed.
    let len = text
        .strip_suffix('\n')
        .map_or(text.len(), |t| t.strip_suffix('\r').unwrap_or(t).len());
    text.truncate(len);
    Ok(SecretString::from(text))
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.permissions().mode() & 0o044 != 0 {
        tracing::warn!(
            path = %path.display(),
            "the service token file is readable by other users: restrict it with chmod 600"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

fn at_least_one(name: &str, value: usize) -> Result<usize> {
    match value {
        0 => Err(Error::Config(format!("{name} must be at least 1"))),
        n => Ok(n),
    }
}

fn parse_bool(value: &str) -> Result<bool, &'static str> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("true or false"),
    }
}

/// Deserializes the token without ever echoing a bad value in the error.
fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Option::<String>::deserialize(d)
        .map(|v| v.map(SecretString::from))
        .map_err(|_| serde::de::Error::custom("planetscale-service-token must be a string"))
}

/// Accepts a YAML list or a comma-separated string.
fn string_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        One(String),
        Many(Vec<String>),
    }
    Ok(Option::<List>::deserialize(d)?.map(|list| match list {
        List::One(s) => s.split(',').map(str::to_owned).collect(),
        List::Many(v) => v,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn settings(flags: LowArgs, env_low: LowArgs, file: LowArgs) -> Settings {
        Settings::resolve(&flags.over(env_low).over(file), OutputFormat::Table, false).unwrap()
    }

    /// One row per source combination: (flag, env, file) → which value wins.
    #[test]
    fn precedence_is_flags_then_env_then_file_then_default() {
        type Case = (
            Option<usize>,
            Option<&'static str>,
            Option<&'static str>,
            usize,
        );
        let cases: &[Case] = &[
            (None, None, None, 8),
            (None, None, Some("3"), 3),
            (None, Some("5"), Some("3"), 5),
            (Some(7), Some("5"), Some("3"), 7),
            (Some(7), None, Some("3"), 7),
            (Some(7), None, None, 7),
            (None, Some("5"), None, 5),
        ];
        for &(flag, env_value, file_value, expected) in cases {
            let flags = LowArgs {
                workers: flag,
                ..Default::default()
            };
            let env_low = match env_value {
                Some(v) => LowArgs::from_env(env(&[("BATON_WORKERS", v)])).unwrap(),
                None => LowArgs::default(),
            };
            let file = match file_value {
                Some(v) => {
                    LowArgs::from_yaml(&format!("workers: {v}\n"), Path::new("c.yaml")).unwrap()
                }
                None => LowArgs::default(),
            };
            let got = settings(flags, env_low, file).workers;
            assert_eq!(
                got, expected,
                "flag {flag:?} env {env_value:?} file {file_value:?}"
            );
        }
    }

    #[test]
    fn every_field_reads_from_the_environment_and_the_file() {
        let vars = [
            ("BATON_FILE", "e.c1z"),
            ("BATON_LOG_LEVEL", "debug"),
            ("BATON_LOG_FORMAT", "console"),
            ("BATON_SYNC_RESOURCE_TYPES", "user, team"),
            ("BATON_KEEP_SYNCS", "5"),
        ];
        let low = LowArgs::from_env(env(&vars)).unwrap();
        let s = Settings::resolve(&low, OutputFormat::Table, false).unwrap();
        assert_eq!(s.file, PathBuf::from("e.c1z"));
        assert_eq!(s.log_level, LevelFilter::DEBUG);
        assert_eq!(s.log_format, LogFormat::Console);
        assert_eq!(
            s.resource_types,
            Some(vec!["user".to_owned(), "team".to_owned()])
        );
        assert_eq!(s.keep_syncs, 5);

        let yaml = "file: f.c1z\nlog-format: json\nsync-resource-types: [organization]\n\
                    requests-per-minute: 0\nallow-insecure-http: true\n";
        let low = LowArgs::from_yaml(yaml, Path::new("c.yaml")).unwrap();
        assert_eq!(low.requests_per_minute, Some(0));
        assert_eq!(low.allow_insecure_http, Some(true));
        let s = Settings::resolve(&low, OutputFormat::Table, true).unwrap();
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.resource_types, Some(vec!["organization".to_owned()]));
    }

    #[test]
    fn defaults() {
        let s = Settings::resolve(&LowArgs::default(), OutputFormat::Table, true).unwrap();
        assert_eq!(s.file, PathBuf::from("sync.c1z"));
        assert_eq!(s.log_level, LevelFilter::INFO);
        assert_eq!(s.log_format, LogFormat::Console);
        assert_eq!((s.workers, s.keep_syncs, s.resource_types), (8, 3, None));
    }

    #[test]
    fn unknown_config_keys_are_named() {
        let err = LowArgs::from_yaml("workers: 2\nfoo: 1\nbar-baz: x\n", Path::new("c.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown keys: foo, bar-baz"), "{err}");
        assert!(err.contains("c.yaml"), "{err}");
    }

    #[test]
    fn bad_values_are_reported_without_the_value_for_secrets() {
        let err = LowArgs::from_env(env(&[("BATON_WORKERS", "many")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "environment variable BATON_WORKERS must be a whole number"
        );
        let err = LowArgs::from_yaml("planetscale-service-token: [s3cr3t]\n", Path::new("c.yaml"))
            .unwrap_err();
        assert!(
            !crate::exit::chain(&err).contains("s3cr3t"),
            "{}",
            crate::exit::chain(&err)
        );
        let err = Settings::resolve(
            &LowArgs {
                log_level: Some("loud".into()),
                ..Default::default()
            },
            OutputFormat::Table,
            false,
        )
        .unwrap_err();
        assert!(err.to_string().contains("log-level \"loud\""));
        let err = Settings::resolve(
            &LowArgs {
                workers: Some(0),
                ..Default::default()
            },
            OutputFormat::Table,
            false,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "workers must be at least 1");
    }

    #[test]
    fn the_token_pair_merges_as_one_setting() {
        let flags = LowArgs {
            planetscale_service_token_file: Some("t".into()),
            ..Default::default()
        };
        let env_low = LowArgs {
            planetscale_service_token: Some(SecretString::from("a:b")),
            ..Default::default()
        };
        let merged = flags.over(env_low);
        assert!(merged.planetscale_service_token.is_none());
        assert_eq!(
            merged.planetscale_service_token_file,
            Some(PathBuf::from("t"))
        );
    }

    #[test]
    fn api_settings_read_the_token_from_stdin_and_trim_one_newline() {
        let low = LowArgs {
            planetscale_service_token_file: Some("-".into()),
            ..Default::default()
        };
        let api = ApiSettings::resolve(&low, &mut &b"tok_id:tok_value\n"[..]).unwrap();
        assert_eq!(api.credentials.token_id(), "tok_id");
        assert_eq!(api.requests_per_minute, Some(600));
        assert_eq!(api.timeout, Duration::from_secs(30));
        assert_eq!(
            api.client.base_url().as_str(),
            "https://api.planetscale.com/v1/"
        );
    }

    #[test]
    fn api_settings_errors() {
        let missing = ApiSettings::resolve(&LowArgs::default(), &mut &b""[..]).unwrap_err();
        assert!(missing.to_string().contains("service token is required"));

        let low = |token: &str, url: &str| LowArgs {
            planetscale_service_token: Some(SecretString::from(token)),
            planetscale_api_url: Some(url.to_owned()),
            ..Default::default()
        };
        let bad_token =
            ApiSettings::resolve(&low("no-colon-s3cr3t", DEFAULT_API_URL), &mut &b""[..])
                .unwrap_err();
        assert!(!crate::exit::chain(&bad_token).contains("s3cr3t"));
        let http = ApiSettings::resolve(&low("a:b", "http://example.com"), &mut &b""[..]);
        assert!(matches!(http, Err(Error::Client(_))));
        let mut insecure = low("a:b", "http://example.com");
        insecure.allow_insecure_http = Some(true);
        assert!(ApiSettings::resolve(&insecure, &mut &b""[..]).is_ok());
        let timeout = LowArgs {
            http_timeout_seconds: Some(0),
            ..low("a:b", DEFAULT_API_URL)
        };
        assert!(ApiSettings::resolve(&timeout, &mut &b""[..]).is_err());
    }

    #[test]
    fn output_file_checks() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_output_file(&dir.path().join("new.c1z")).is_ok());
        let missing = check_output_file(&dir.path().join("nope/new.c1z")).unwrap_err();
        assert!(missing.to_string().contains("does not exist"), "{missing}");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello").unwrap();
        let err = check_output_file(&text).unwrap_err();
        assert!(err.to_string().contains("not a .c1z"), "{err}");
        assert_eq!(std::fs::read_to_string(&text).unwrap(), "hello");
        let c1z = dir.path().join("old.c1z");
        std::fs::write(&c1z, b"C1ZF\0rest").unwrap();
        assert!(check_output_file(&c1z).is_ok());
    }

    #[test]
    fn env_var_names() {
        let names: Vec<String> = FIELDS.iter().map(Field::env_var).collect();
        assert!(names.contains(&"BATON_PLANETSCALE_SERVICE_TOKEN".to_owned()));
        assert!(names.contains(&"BATON_HTTP_TIMEOUT_SECONDS".to_owned()));
    }
}
