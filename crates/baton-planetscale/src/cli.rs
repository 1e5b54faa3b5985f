//! The command line, as clap parses it: every value optional, nothing validated yet.
//!
//! Environment variables and the config file are read in [`crate::config`], which merges them
//! with these flags (flags > env > file > defaults) into one validated [`Settings`].
//!
//! [`Settings`]: crate::config::Settings

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

use crate::exit;

/// Sync who has access to what in PlanetScale into a baton `.c1z` file.
#[derive(Debug, Parser)]
#[command(
    name = "baton-planetscale",
    version,
    about = "Sync who has access to what in PlanetScale into a baton .c1z file",
    long_about = "Sync who has access to what in PlanetScale into a baton .c1z file.\n\n\
        Without a subcommand, syncs every organization the service token reaches into --file \
        (default sync.c1z). An interrupted sync resumes when the same command runs again.\n\n\
        Every flag can also be set with a BATON_ environment variable (--planetscale-api-url is \
        BATON_PLANETSCALE_API_URL) or a kebab-case key in the YAML file named by --config; \
        flags win over the environment, which wins over the file.",
    after_long_help = exit::EXIT_CODES_HELP,
    max_term_width = 100
)]
pub struct Cli {
    /// Connection, output and logging flags, shared by every command.
    #[command(flatten)]
    pub flags: Flags,

    /// What to do; a sync when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags shared by every command. `None` means "not given on the command line".
#[derive(Debug, Default, Args)]
pub struct Flags {
    /// The PlanetScale service token, `<token-id>:<token-value>` [env: BATON_PLANETSCALE_SERVICE_TOKEN]
    ///
    /// Prefer --planetscale-service-token-file or the environment variable: a value given here is
    /// visible to other users in the process list.
    #[arg(long, global = true, value_name = "ID:TOKEN", value_parser = parse_secret, hide_default_value = true)]
    pub planetscale_service_token: Option<SecretString>,

    /// Read the service token from this file, or from standard input with `-` [env: BATON_PLANETSCALE_SERVICE_TOKEN_FILE]
    #[arg(long, global = true, value_name = "PATH|-")]
    pub planetscale_service_token_file: Option<PathBuf>,

    /// PlanetScale API base URL.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help = "PlanetScale API base URL [default: https://api.planetscale.com] [env: BATON_PLANETSCALE_API_URL]"
    )]
    pub planetscale_api_url: Option<String>,

    /// Allow a plain http:// API URL on a host other than loopback [env: BATON_ALLOW_INSECURE_HTTP]
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub allow_insecure_http: Option<bool>,

    /// The .c1z file to write (sync) or read (inspect, diff) [default: sync.c1z] [env: BATON_FILE]
    #[arg(short = 'f', long, global = true, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// YAML config file with the same kebab-case keys as the flags [env: BATON_CONFIG_PATH]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log level: error, warn, info, debug or trace [default: info] [env: BATON_LOG_LEVEL]
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Log format [default: console on a terminal, else json] [env: BATON_LOG_FORMAT]
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    /// Sync only these resource types (comma-separated: organization,user,team) [env: BATON_SYNC_RESOURCE_TYPES]
    #[arg(long, global = true, value_delimiter = ',', value_name = "TYPES")]
    pub sync_resource_types: Option<Vec<String>>,

    /// Concurrent connector calls during a sync [default: 8] [env: BATON_WORKERS]
    #[arg(long, global = true, value_name = "N")]
    pub workers: Option<usize>,

    /// Client-side request budget per minute, 0 for none [default: 600] [env: BATON_REQUESTS_PER_MINUTE]
    #[arg(long, global = true, value_name = "N")]
    pub requests_per_minute: Option<u32>,

    /// Most API requests in flight at once [default: 16] [env: BATON_MAX_IN_FLIGHT]
    #[arg(long, global = true, value_name = "N")]
    pub max_in_flight: Option<usize>,

    /// Timeout of one API request in seconds [default: 30] [env: BATON_HTTP_TIMEOUT_SECONDS]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub http_timeout_seconds: Option<u64>,

    /// Finished syncs kept in --file: the new one and the previous ones [default: 3] [env: BATON_KEEP_SYNCS]
    #[arg(long, global = true, value_name = "N")]
    pub keep_syncs: Option<usize>,

    /// Output format of inspect, diff and validate [default: table]
    #[arg(short = 'o', long, global = true, value_enum)]
    pub output: Option<OutputFormat>,

    /// Least seconds between two checkpoints of a sync, 0 for after every call [default: 10]
    ///
    /// Hidden: tests use it to checkpoint often; the default suits real syncs.
    #[arg(long, global = true, value_name = "SECONDS", hide = true)]
    pub checkpoint_interval_seconds: Option<u64>,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Console,
}

/// How commands print results on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned table.
    #[default]
    Table,
    /// JSON shaped like baton's `-o json` outputs.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the service token and print which organizations it reaches.
    Validate,
    /// Print the connector's capabilities as JSON (baton_capabilities.json).
    Capabilities,
    /// Print the connector's configuration schema as JSON (config_schema.json).
    Config,
    /// Show what a .c1z file holds.
    Inspect(InspectArgs),
    /// Show what changed between two syncs: access gained and lost, resources added and removed.
    #[command(
        long_about = "Show what changed between two syncs: access gained and lost per principal, \
        resources added and removed.\n\nWith no argument, compares the last two finished syncs \
        in --file; with two files, compares the latest finished sync of each."
    )]
    Diff(DiffArgs),
}

/// `inspect` arguments.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The sync to show [default: the latest finished sync]
    #[arg(long, global = true, value_name = "ID")]
    pub sync_id: Option<String>,

    /// What to show.
    #[command(subcommand)]
    pub what: InspectCommand,
}

/// What `inspect` shows.
#[derive(Debug, Subcommand)]
pub enum InspectCommand {
    /// Resource types.
    ResourceTypes,
    /// Resources.
    Resources {
        /// Only resources of this type.
        #[arg(short = 't', long)]
        resource_type: Option<String>,
    },
    /// Entitlements.
    Entitlements {
        /// Only entitlements on resources of this type.
        #[arg(short = 't', long)]
        resource_type: Option<String>,
        /// Only entitlements on this resource (its id; with -t when ids repeat across types).
        #[arg(short = 'r', long)]
        resource: Option<String>,
    },
    /// Grants.
    Grants {
        /// Only grants on resources of this type.
        #[arg(short = 't', long)]
        resource_type: Option<String>,
        /// Only grants on this resource (its id).
        #[arg(short = 'r', long)]
        resource: Option<String>,
        /// Only grants of this entitlement (its id, e.g. organization:abc:admin).
        #[arg(short = 'e', long)]
        entitlement: Option<String>,
    },
    /// Everything one user can do: per resource, the entitlements held.
    Access {
        /// The user's id or email address.
        user: String,
    },
    /// Who holds an entitlement.
    Members {
        /// The entitlement id, e.g. team:abc:member.
        entitlement: String,
    },
    /// The syncs the file holds.
    Syncs,
    /// Totals of one sync, per resource type.
    Stats,
}

/// `diff` arguments.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older .c1z file (with NEW); without files, the last two syncs in --file.
    #[arg(value_name = "OLD", requires = "new")]
    pub old: Option<PathBuf>,

    /// The newer .c1z file.
    #[arg(value_name = "NEW")]
    pub new: Option<PathBuf>,
}

fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_are_global_and_optional() {
        let cli = Cli::try_parse_from([
            "baton-planetscale",
            "inspect",
            "-f",
            "x.c1z",
            "resources",
            "-t",
            "user",
            "-o",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.flags.file, Some(PathBuf::from("x.c1z")));
        assert_eq!(cli.flags.output, Some(OutputFormat::Json));
        assert!(cli.flags.workers.is_none());
    }

    #[test]
    fn allow_insecure_http_takes_an_optional_value() {
        let cli = Cli::try_parse_from(["b", "--allow-insecure-http"]).unwrap();
        assert_eq!(cli.flags.allow_insecure_http, Some(true));
        let cli = Cli::try_parse_from(["b", "--allow-insecure-http=false"]).unwrap();
        assert_eq!(cli.flags.allow_insecure_http, Some(false));
    }
}
