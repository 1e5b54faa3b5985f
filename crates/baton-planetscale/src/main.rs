//! `baton-planetscale`: the PlanetScale connector as a baton connector program. The program
//! itself — settings layering, commands, progress, exit codes — is `connector-cli`'s; this file
//! declares the PlanetScale settings and builds the connector from them.

use std::process::ExitCode;
use std::time::Duration;

use connector_cli::{About, Error, Program, Result, Setting, Values, standard};
use connector_sdk::Connector;
use planetscale_client::{Client, Credentials};
use planetscale_connector::{OPTION_SETTINGS, OptionSetting, Options, PlanetScaleConnector};
use secrecy::ExposeSecret;

const TOKEN: Setting = Setting::secret(
    "planetscale-service-token",
    "Service token",
    "The PlanetScale service token, written <token-id>:<token-value>. It needs the \
     read_organization access on every organization to sync; to provision, also \
     write_organization (roles, removals), write_teams (team members) and write_members \
     (invitations), and read_service_tokens lets validate -p check those",
)
.required()
.from_file()
.value_name("ID:TOKEN");

const API_URL: Setting =
    Setting::text("planetscale-api-url", "API URL", "PlanetScale API base URL")
        .default("https://api.planetscale.com")
        .value_name("URL");

const ALLOW_INSECURE_HTTP: Setting = Setting::bool(
    "allow-insecure-http",
    "Allow insecure HTTP",
    "Allow a plain http:// API URL on a host other than loopback",
)
.routes_credentials();

const REQUESTS_PER_MINUTE: Setting = Setting::int(
    "requests-per-minute",
    "Requests per minute",
    "Most API requests per minute; 0 for no ceiling (PlanetScale's 429s still slow the client \
     down)",
)
.default("600")
.value_name("N")
.ops();

const RATE_LIMIT_BUDGET_MINUTES: Setting = Setting::int(
    "rate-limit-budget-minutes",
    "Rate-limit budget",
    "Most minutes one request may wait while PlanetScale's rate limit refuses it (429) before \
     the sync fails, saying the quota is used up",
)
.default("15")
.min(1)
.value_name("MINUTES")
.ops();

const AUDIT_LOG_DAYS: Setting = Setting::int(
    "audit-log-days",
    "Audit log days",
    "How many days of audit log the first sync with planetscale-sync-audit-log reads \
     (PlanetScale keeps 15); later syncs read since the previous one",
)
.default("30")
.min(1)
.max(3650)
.value_name("DAYS");

const MAX_IN_FLIGHT: Setting = Setting::int(
    "max-in-flight",
    "Requests in flight",
    "Most API requests in flight at once",
)
.default("16")
.min(1)
.value_name("N")
.ops();

struct PlanetScale;

impl Program for PlanetScale {
    fn about(&self) -> About {
        About {
            name: "baton-planetscale",
            version: env!("CARGO_PKG_VERSION"),
            display_name: "PlanetScale",
            summary: "Sync who has access to what in PlanetScale into a baton .c1z file",
            description: "A sync covers every organization the service token reaches: its \
                          members and their roles, its teams with their members, and the \
                          databases teams and tokens name with who administers and reads them. \
                          Each of every database, service tokens, OAuth applications, \
                          invitations and the audit log is an option of its own, since each \
                          needs one more access. A sync needs read_organization, and each \
                          option the access it names. With --provisioning it also grants and \
                          revokes organization roles and team membership, and invites people \
                          (write_organization, write_teams and write_members).",
            help_url: "https://planetscale.com/docs/concepts/service-tokens",
        }
    }

    fn settings(&self) -> Vec<Setting> {
        vec![
            TOKEN,
            API_URL,
            ALLOW_INSECURE_HTTP,
            REQUESTS_PER_MINUTE,
            MAX_IN_FLIGHT,
            RATE_LIMIT_BUDGET_MINUTES,
        ]
        .into_iter()
        // The optional parts' switches, from the connector's table of its parts.
        .chain(OPTION_SETTINGS.iter().map(option_setting))
        .chain([AUDIT_LOG_DAYS])
        .collect()
    }

    fn connector(&self, values: &Values) -> Result<Box<dyn Connector>> {
        let token = values.require_secret(&TOKEN)?;
        let credentials = Credentials::parse(token.expose_secret())
            .map_err(|e| Error::setup("the service token is invalid", e))?;
        // Every number here is declared with its default and bounds, so it is always set.
        let seconds = values.require_int(&standard::HTTP_TIMEOUT_SECONDS)?;
        let budget = values.require_int(&RATE_LIMIT_BUDGET_MINUTES)?;
        let rpm = values.require_int(&REQUESTS_PER_MINUTE)?;
        let in_flight = values.require_int(&MAX_IN_FLIGHT)?;
        let client = Client::builder(credentials)
            .base_url(values.require_text(&API_URL)?)
            .allow_insecure_http(values.bool(&ALLOW_INSECURE_HTTP))
            .requests_per_minute((rpm > 0).then(|| u32::try_from(rpm).unwrap_or(u32::MAX)))
            .max_in_flight(usize::try_from(in_flight).unwrap_or(usize::MAX))
            .timeout(Duration::from_secs(seconds))
            .rate_limit_budget(Duration::from_secs(60 * budget))
            .build()
            .map_err(|e| match e {
                planetscale_client::Error::InvalidBaseUrl { .. } => Error::setup(
                    "planetscale-api-url cannot be used (plain http to a host other than \
                     127.0.0.1 needs --allow-insecure-http)",
                    e,
                ),
                e => Error::setup("invalid PlanetScale API settings", e),
            })?;
        let mut options = Options {
            // Bounded to 1..=3650 by its declaration.
            audit_log_days: u32::try_from(values.require_int(&AUDIT_LOG_DAYS)?).unwrap_or(u32::MAX),
            ..Options::default()
        };
        for option in OPTION_SETTINGS {
            option.set(&mut options, values.bool(&option_setting(option)));
        }
        Ok(Box::new(PlanetScaleConnector::with_options(
            client, options,
        )))
    }

    fn describe(&self) -> Result<Box<dyn Connector>> {
        // Credentials of the right shape that are never sent: describing needs no request.
        let credentials = Credentials::parse("describe:offline")
            .map_err(|e| Error::setup("the placeholder service token is invalid", e))?;
        let client = Client::builder(credentials)
            .build()
            .map_err(|e| Error::setup("the default PlanetScale API settings are invalid", e))?;
        // Every optional part, so that capabilities name every resource type.
        Ok(Box::new(PlanetScaleConnector::with_options(
            client,
            Options::all(),
        )))
    }
}

/// The boolean setting that turns on one option of the connector.
fn option_setting(option: &OptionSetting) -> Setting {
    Setting::bool(option.name, option.title, option.help)
}

fn main() -> ExitCode {
    connector_cli::run(&PlanetScale)
}
