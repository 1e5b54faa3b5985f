//! The command line: the subcommands (clap derive) and one flag per setting (built at run time
//! from the declarations), parsed into an [`Invocation`].

use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use secrecy::SecretString;

use crate::exit;
use crate::program::About;
use crate::settings::standard::{PROVISIONING, READ, TASKS};
use crate::settings::{Kind, Layer, Origin, Setting, Value};

/// The subcommands; the settings' flags are added at run time.
#[derive(Debug, Parser)]
#[command(max_term_width = 100, after_long_help = exit::EXIT_CODES_HELP)]
struct Cli {
    /// What to do; a sync when absent.
    #[command(subcommand)]
    command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the credentials and print what they reach and which accesses they have.
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
        resources added and removed, and people whose email, MFA, SSO or status changed.\n\n\
        With no argument, compares the last two finished full syncs in --file (or the syncs \
        --base-sync-id and --applied-sync-id name); with two files, compares the latest finished \
        full sync of each. When a sync compared is partial (a sync of some resource types), only \
        the resource types both syncs hold are compared."
    )]
    Diff(DiffArgs),
    /// Serve baton's connector protocol (c1.connector.v2 gRPC) for a baton host.
    #[command(
        alias = "_connector-service",
        long_about = "Serve baton's connector protocol (the c1.connector.v2 gRPC services) so that \
        a baton host — baton-sdk's syncer, ConductorOne — syncs this connector and, with \
        --provisioning, grants, revokes and creates accounts through it.\n\nListens on --listen \
        and prints the address it listens on (its port, when 0 asked for a free one) as one line \
        on standard output. Plain gRPC only on a loopback address; anywhere else, mutual TLS \
        with --tls-ca, --tls-cert and --tls-key (PEM). Stops at Ctrl-C, SIGTERM or SIGHUP.\n\nRun by \
        baton as a subprocess (BATON_CONNECTOR_SERVICE_LISTENER_FD set), it serves on the \
        inherited listener with the mutual TLS of the configuration baton writes on standard \
        input, and stops when standard input closes."
    )]
    Serve(ServeArgs),
    /// Ask a running serve's health check how it is (baton's `health-check`): exit 0 on a 200.
    #[command(
        long_about = "Ask the health check of a running serve (--health-check) how it is, as a \
        container's probe does: GET /health (the connector's validation), /ready or /live on \
        --health-check-bind-address:--health-check-port. Exits 0 when the answer is 200, 1 \
        otherwise, as baton's health-check does."
    )]
    HealthCheck(HealthCheckArgs),
    /// Write the access review as one HTML file to attach to a ticket or an audit folder.
    #[command(
        long_about = "Write the access review of a sync as one self-contained HTML file: \
        provenance (connector, sync, times, scope, the file's SHA-256), a summary, the findings \
        (admins without MFA, people in several organizations, credentials that never expire or \
        go unused, expired or old invitations, access gained and security attributes changed \
        since the previous full sync), every person's access with empty decision and comment \
        cells, non-human identities, invitations, who reaches each privileged resource (a table \
        and a picture), and the changes since the previous full sync.\n\nThe file opens \
        offline and requests nothing, needs no script, prints with the provenance on every \
        page, and reads on a phone."
    )]
    Report(ReportArgs),
    /// Apply a reviewed CSV's decisions: keep does nothing, revoke revokes the row's access.
    #[command(
        long_about = "Apply the decisions of a reviewed CSV (`inspect review -o csv`, with its \
        decision column filled in): `keep` does nothing; `revoke` revokes that person's access \
        in that row — every grant it lists, through the provisioning path, so access that grant \
        expansion derived is revoked where it comes from (the team, the role) or refused naming \
        its sources; an empty or unknown decision is reported, never guessed.\n\nA dry run \
        unless -p (--provisioning) is given. Refuses a CSV made from another sync than the \
        file's latest full sync (--allow-stale applies it anyway, with a warning). After \
        applying, it syncs, and writes an evidence record beside --file \
        (<file>-apply-review-<time>.json): the reviewer, when, the CSV's SHA-256, each \
        decision, each change planned and its outcome, and the sync ids before and after. \
        Running it again changes nothing: what is revoked stays revoked."
    )]
    ApplyReview(ApplyReviewArgs),
}

/// `apply-review` arguments.
#[derive(Debug, Args)]
pub struct ApplyReviewArgs {
    /// The reviewed CSV: `inspect review -o csv` with decisions (keep, revoke) filled in.
    #[arg(value_name = "FILE")]
    pub csv: PathBuf,
    /// Who reviewed, for the evidence record [default: the login name]
    #[arg(long, value_name = "NAME")]
    pub reviewer: Option<String>,
    /// Apply a CSV made from an older sync than the file's latest full sync (with a warning).
    #[arg(long)]
    pub allow_stale: bool,
}

/// The staff list people with access are classed against.
#[derive(Debug, Default, Args)]
pub struct StaffArgs {
    /// A CSV of active staff (an email column; name, department, manager and status used when
    /// present): each person with access is listed, not-listed, inactive or external.
    #[arg(long, value_name = "FILE")]
    pub staff: Option<PathBuf>,
    /// An email domain of the organization (repeatable): people not on --staff with an email
    /// elsewhere are external [default: the domains most of the staff list's emails use]
    #[arg(long = "internal-domain", value_name = "DOMAIN")]
    pub internal_domains: Vec<String>,
}

/// `serve` arguments.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen: IP:PORT; port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Mutual TLS: the CA certificate (PEM) that signs the clients' certificates.
    #[arg(long, value_name = "PATH", requires_all = ["tls_cert", "tls_key"])]
    pub tls_ca: Option<PathBuf>,
    /// Mutual TLS: the server's certificate (PEM).
    #[arg(long, value_name = "PATH", requires_all = ["tls_ca", "tls_key"])]
    pub tls_cert: Option<PathBuf>,
    /// Mutual TLS: the server's private key (PEM).
    #[arg(long, value_name = "PATH", requires_all = ["tls_ca", "tls_cert"])]
    pub tls_key: Option<PathBuf>,
}

/// `health-check` arguments.
#[derive(Debug, Args)]
pub struct HealthCheckArgs {
    /// What to ask: health (the connector's validation), ready or live.
    #[arg(
        long,
        value_name = "ENDPOINT",
        default_value = "health",
        value_parser = ["health", "ready", "live"]
    )]
    pub endpoint: String,
    /// Seconds to wait for the answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub timeout: u64,
}

/// `report` arguments.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The HTML file to write, `-` for standard output [default:
    /// <file>-review-<YYYY-MM-DD>.html beside --file]. An existing file is kept unless
    /// `--force`; anything but a regular file (a symlink, a FIFO, a device) is refused.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Replace the --out file (or today's dated one) when it exists.
    #[arg(long)]
    pub force: bool,

    /// The sync to report, by id or its first characters [default: the latest finished full
    /// sync]
    #[arg(long, value_name = "ID")]
    pub sync_id: Option<String>,

    /// Credentials not used for this many days (or never) are a finding.
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub unused_days: u64,

    /// Pending invitations sent more than this many days ago are a finding (expired ones always
    /// are).
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub invitation_days: u64,

    /// The staff list to class people against: `--staff`, `--internal-domain`.
    #[command(flatten)]
    pub staff: StaffArgs,
}

/// `inspect` arguments.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The sync to show, by id or its first characters [default: the latest finished full sync]
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
    /// Resources; people with their email, MFA, SSO and status; credentials (service tokens,
    /// API keys: the secret trait) with when they expire and were last used.
    Resources {
        /// Only resources of this type (its id or name).
        #[arg(short = 't', long, value_name = "TYPE")]
        resource_type: Option<String>,
        /// Credential filters: `--no-expiry`, `--unused-days`.
        #[command(flatten)]
        credentials: CredentialFilters,
    },
    /// Entitlements.
    Entitlements {
        /// Only entitlements on resources of this type (its id or name).
        #[arg(short = 't', long, value_name = "TYPE")]
        resource_type: Option<String>,
        /// Only entitlements on this resource: type:id as listed, its id, or its name.
        #[arg(short = 'r', long, value_name = "RESOURCE")]
        resource: Option<String>,
    },
    /// Grants.
    Grants {
        /// Only grants on resources of this type (its id or name).
        #[arg(short = 't', long, value_name = "TYPE")]
        resource_type: Option<String>,
        /// Only grants on this resource: type:id as listed, its id, or its name.
        #[arg(short = 'r', long, value_name = "RESOURCE")]
        resource: Option<String>,
        /// Only grants of this entitlement: its id (organization:abc:admin), a resource and a
        /// slug (acme:admin), or a slug with -r.
        #[arg(short = 'e', long, value_name = "ENTITLEMENT")]
        entitlement: Option<String>,
    },
    /// Everything one principal can do: per resource, the entitlements held.
    Access {
        /// The principal: type:id, its id, a user's email, or its name.
        user: String,
    },
    /// Who holds an entitlement, with their email, MFA, SSO and status.
    Members {
        /// The entitlement: its id (team:abc:member), or a resource and a slug (Security:member).
        entitlement: String,
    },
    /// The access review: one row per person per top-level resource (e.g. organization), with
    /// email, roles, MFA, SSO, status, groups (e.g. teams) and other access.
    #[command(
        long_about = "The access review: one row per person per top-level resource (an \
        organization, in most connectors) they hold access on or under, with their email, the \
        roles they hold on it, MFA, SSO and account status, the groups under it they are in \
        (teams), and their other access under it (with the group it comes through, when grant \
        expansion derived it), grouped: one line per way it is held, naming every resource.\n\n\
        People only (the human type); --type adds service accounts and invitations. CSV and \
        JSON Lines rows end with the sync's id and time and empty decision and comment columns \
        for sign-off; -o long prints each row whole.\n\nExamples: admins without MFA: --role \
        admin --mfa off; people in more than one organization: --min-resources 2."
    )]
    Review(ReviewArgs),
    /// The syncs the file holds.
    Syncs,
    /// Who changed what, when, from where: the events of the connector's feed (an audit log)
    /// the file keeps across its syncs, oldest first.
    Events(EventFilters),
    /// Totals of one sync, per resource type.
    Stats,
}

/// Filters on credentials: resources with baton's secret trait, read from its `expires_at`
/// and `last_used_at` (the last use falls back to the user trait's `last_login`). Either one
/// lists credentials only.
#[derive(Debug, Default, Args)]
pub struct CredentialFilters {
    /// Only credentials that never expire.
    #[arg(long)]
    pub no_expiry: bool,
    /// Only credentials not used for at least this many days (or never used).
    #[arg(long, value_name = "DAYS")]
    pub unused_days: Option<u64>,
}

impl CredentialFilters {
    /// Whether any filter is set.
    pub fn any(&self) -> bool {
        self.no_expiry || self.unused_days.is_some()
    }
}

/// `inspect events` filters; an event must pass all of them. A name no event has is an error.
#[derive(Debug, Default, Args)]
pub struct EventFilters {
    /// Only events by this actor: their email or name, id, or type:id.
    #[arg(long, value_name = "ACTOR")]
    pub actor: Option<String>,
    /// Only events on this target or principal: its name, id, or type:id.
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,
    /// Only this action (organization.updated_role, or updated_role) or kind (grant, revoke,
    /// resource-change, usage).
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only events at or after this time: a date (2026-12-01), a UTC time
    /// (2026-12-01T14:00:00Z), or days ago (7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events before this time, written as for --since.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

/// `inspect review` filters; a row must pass all of them.
#[derive(Debug, Default, Args)]
pub struct ReviewArgs {
    /// Only people holding one of these roles (slugs, comma-separated) on the resource.
    #[arg(long, value_name = "SLUGS", value_delimiter = ',')]
    pub role: Vec<String>,
    /// Only people whose MFA is one of these (comma-separated).
    #[arg(long, value_name = "STATE", value_delimiter = ',', value_parser = ["on", "off", "unknown"])]
    pub mfa: Vec<String>,
    /// Only people whose SSO is one of these (comma-separated).
    #[arg(long, value_name = "STATE", value_delimiter = ',', value_parser = ["on", "off", "unknown"])]
    pub sso: Vec<String>,
    /// Only people whose account status is one of these (comma-separated).
    #[arg(
        long,
        value_name = "STATUS",
        value_delimiter = ',',
        value_parser = ["enabled", "disabled", "deleted", "unknown"]
    )]
    pub status: Vec<String>,
    /// Only this top-level resource: type:id, its id, or its name.
    #[arg(short = 'r', long, value_name = "RESOURCE")]
    pub resource: Option<String>,
    /// Only this person: type:id, their id, email or name.
    #[arg(short = 'p', long, value_name = "PRINCIPAL")]
    pub principal: Option<String>,
    /// Only people with rows in at least this many top-level resources (2: in more than one
    /// organization).
    #[arg(long, value_name = "N")]
    pub min_resources: Option<usize>,
    /// Which principals have rows (comma-separated) [default: human]
    #[arg(
        long = "type",
        value_name = "TYPES",
        value_delimiter = ',',
        value_parser = ["human", "service-account", "invitation", "all"]
    )]
    pub kinds: Vec<String>,
    /// The staff list to class people against: `--staff`, `--internal-domain`.
    #[command(flatten)]
    pub staff: StaffArgs,
    /// Only people of these classes against --staff (comma-separated).
    #[arg(
        long,
        value_name = "CLASS",
        value_delimiter = ',',
        requires = "staff",
        value_parser = ["listed", "not-listed", "inactive", "external"]
    )]
    pub staff_status: Vec<String>,
}

/// `diff` arguments.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older .c1z file (with NEW); without files, two syncs of --file.
    #[arg(value_name = "OLD", requires = "new")]
    pub old: Option<PathBuf>,

    /// The newer .c1z file.
    #[arg(value_name = "NEW")]
    pub new: Option<PathBuf>,

    /// The older sync, by id or its first characters (in OLD when files are given) [default:
    /// the finished full sync before the newer one]
    #[arg(long, value_name = "ID")]
    pub base_sync_id: Option<String>,

    /// The newer sync, by id or its first characters (in NEW when files are given) [default:
    /// the latest finished full sync]
    #[arg(long, value_name = "ID")]
    pub applied_sync_id: Option<String>,

    /// The staff list for `--fail-on not-listed`: `--staff`, `--internal-domain`.
    #[command(flatten)]
    pub staff: StaffArgs,

    /// Exit with code 3 when a change of these kinds appears (comma-separated): new-admin,
    /// mfa-off, new-member, new-token, token-no-expiry, not-listed (with --staff), any.
    #[arg(
        long,
        value_name = "KINDS",
        value_delimiter = ',',
        value_parser = ["new-admin", "mfa-off", "new-member", "new-token", "token-no-expiry", "not-listed", "any"]
    )]
    pub fail_on: Vec<String>,

    /// Post the findings as JSON (with a Slack-compatible `text` field) to this webhook URL.
    #[arg(long, value_name = "URL")]
    pub notify: Option<String>,
}

/// A parsed command line.
#[derive(Debug)]
pub(crate) struct Invocation {
    /// The subcommand; a sync when `None`.
    pub(crate) command: Option<Command>,
    /// The settings the command line gives.
    pub(crate) flags: Layer,
}

/// The whole command line: the subcommands, then a global flag per setting, the connector's
/// under its own heading. `resource_types` fill the help of `--sync-resource-types`.
pub(crate) fn command(
    about: &About,
    connector_settings: &[Setting],
    standard: &[Setting],
    resource_types: &[String],
) -> clap::Command {
    let long_about = format!(
        "{}.\n\n{}Without a subcommand, syncs into --file (default sync.c1z); an interrupted \
         sync resumes when the same command runs again.\n\nEvery flag can also be set with a \
         BATON_ environment variable (--file is BATON_FILE) or a kebab-case key in the YAML \
         file named by --config; flags win over the environment, which wins over the file.",
        about.summary,
        match about.description.is_empty() {
            true => String::new(),
            false => format!("{}\n\n", about.description),
        },
    );
    let heading = format!("{} options", about.display_name);
    let mut cmd = Cli::command()
        .name(about.name)
        .bin_name(about.name)
        .version(about.version)
        .about(about.summary)
        .long_about(long_about);
    for setting in connector_settings {
        for arg in args(setting, resource_types) {
            cmd = cmd.arg(arg.help_heading(heading.clone()));
        }
    }
    for setting in standard {
        let heading = match *setting == PROVISIONING || TASKS.contains(setting) {
            true => "Provisioning options",
            false => "Global options",
        };
        for arg in args(setting, resource_types) {
            cmd = cmd.arg(arg.help_heading(heading));
        }
    }
    // The read-only commands take every flag, but their help shows only the ones they read:
    // a hidden copy of each other flag on the subcommand takes the place of the global one.
    // The copies have no short form: `inspect review -p` is its principal filter, not
    // `--provisioning`.
    let unread: Vec<Arg> = connector_settings
        .iter()
        .chain(standard.iter().filter(|s| !READ.contains(s)))
        .flat_map(|s| args(s, resource_types))
        .map(|a| a.hide(true).short(None))
        .collect();
    for name in ["inspect", "diff", "report"] {
        cmd = cmd.mut_subcommand(name, |sub| sub.args(unread.clone()));
    }
    cmd
}

/// Parses `args` (the program name first) with `cmd`.
pub(crate) fn parse(
    cmd: clap::Command,
    settings: &[Setting],
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Invocation, clap::Error> {
    let matches = cmd.try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let mut values = Vec::new();
    for setting in settings {
        if let Some(value) = flag_value(setting, &matches) {
            values.push((setting.name, value));
        }
        if let Some(file) = setting.file_name()
            && let Some(path) = matches.get_one::<String>(&file)
        {
            if values.iter().any(|(n, _)| *n == setting.name) {
                return Err(clap::Error::raw(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!(
                        "--{} and --{file} cannot be used together: keep one\n",
                        setting.name
                    ),
                ));
            }
            values.push((setting.name, Value::SecretFile(PathBuf::from(path))));
        }
    }
    Ok(Invocation {
        command: cli.command,
        flags: Layer::of(Origin::Flags, values),
    })
}

fn flag_value(setting: &Setting, matches: &ArgMatches) -> Option<Value> {
    let text = || matches.get_one::<String>(setting.name).cloned();
    match setting.kind {
        Kind::Text => text().map(Value::Text),
        Kind::Secret => text().map(|t| Value::Secret(SecretString::from(t))),
        Kind::Bool => matches
            .get_one::<bool>(setting.name)
            .copied()
            .map(Value::Bool),
        Kind::Int => matches
            .get_one::<u64>(setting.name)
            .copied()
            .map(Value::Int),
        Kind::List => matches
            .get_many::<String>(setting.name)
            .map(|items| Value::List(crate::settings::clean(items.cloned().collect()))),
    }
}

/// The flag of `setting` (and of its `-file` companion).
fn args(setting: &Setting, resource_types: &[String]) -> Vec<Arg> {
    let env = match setting.flag_only {
        true => String::new(),
        false => format!(" [env: {}]", setting.env_var()),
    };
    let default = match (setting.default, setting.default_help, setting.kind) {
        (_, Some(text), _) => format!(" [default: {text}]"),
        (Some(_), None, Kind::Bool) | (None, None, _) => String::new(),
        (Some(value), None, _) => format!(" [default: {value}]"),
    };
    let help = format!("{}{default}{env}", setting.describe(resource_types));
    let mut arg = Arg::new(setting.name)
        .long(setting.name)
        .global(true)
        .hide(setting.hidden)
        .help(help.clone());
    if let Some(short) = setting.short {
        arg = arg.short(short);
    }
    if let Some(value_name) = setting.value_name {
        arg = arg.value_name(value_name);
    }
    arg = match setting.kind {
        Kind::Text => arg.value_parser(clap::value_parser!(String)),
        Kind::Secret => arg
            .value_parser(clap::value_parser!(String))
            .hide_default_value(true)
            .long_help(format!(
                "{help}\n\nPrefer {}the environment variable: a value given here is visible to \
                 other users in the process list.",
                setting
                    .file_name()
                    .map(|f| format!("--{f} or "))
                    .unwrap_or_default()
            )),
        Kind::Int => arg.value_parser(clap::value_parser!(u64)),
        Kind::List => arg
            .value_parser(clap::value_parser!(String))
            .value_delimiter(',')
            .action(ArgAction::Append),
        Kind::Bool => arg
            .value_parser(parse_bool)
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_name("BOOL"),
    };
    let mut args = vec![arg];
    if let Some(file) = setting.file_name() {
        let what = setting.display_name.to_lowercase();
        args.push(
            Arg::new(file.clone())
                .long(file.clone())
                .global(true)
                .hide(setting.hidden)
                .value_name("PATH|-")
                .value_parser(clap::value_parser!(String))
                .help(format!(
                    "Read the {what} from this file, or from standard input with `-` [env: {}]",
                    crate::settings::env_var(&file)
                )),
        );
    }
    args
}

fn parse_bool(text: &str) -> Result<bool, String> {
    crate::settings::parse_bool(text).ok_or_else(|| "expected true or false".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::standard::{FILE, OUTPUT, STANDARD, WORKERS};

    const INSECURE: Setting = Setting::bool("allow-insecure", "Allow insecure", "Allow it");
    const TOKEN: Setting = Setting::secret("acme-token", "Token", "The token").from_file();

    fn cmd() -> clap::Command {
        let about = About {
            name: "baton-acme",
            version: "1.0",
            display_name: "Acme",
            summary: "Sync Acme",
            ..Default::default()
        };
        command(&about, &[INSECURE, TOKEN], STANDARD, &["user".into()])
    }

    fn parse_args(args: &[&str]) -> Result<Invocation, clap::Error> {
        let mut settings = vec![INSECURE, TOKEN];
        settings.extend_from_slice(STANDARD);
        parse(cmd(), &settings, args.iter().map(Into::into))
    }

    #[test]
    fn the_command_line_is_consistent() {
        cmd().debug_assert();
    }

    #[test]
    fn flags_are_global_and_optional() {
        let cli = parse_args(&[
            "baton-acme",
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
        assert!(matches!(cli.flags.get(FILE.name), Some(Value::Text(f)) if f == "x.c1z"));
        assert!(matches!(cli.flags.get(OUTPUT.name), Some(Value::Text(o)) if o == "json"));
        assert!(cli.flags.get(WORKERS.name).is_none());
        assert!(matches!(cli.command, Some(Command::Inspect(_))));
    }

    #[test]
    fn a_bool_flag_takes_an_optional_value() {
        let on = parse_args(&["b", "--allow-insecure"]).unwrap();
        assert!(matches!(
            on.flags.get(INSECURE.name),
            Some(Value::Bool(true))
        ));
        let off = parse_args(&["b", "--allow-insecure=false"]).unwrap();
        assert!(matches!(
            off.flags.get(INSECURE.name),
            Some(Value::Bool(false))
        ));
    }

    #[test]
    fn a_secret_and_its_file_flag_conflict() {
        let file = parse_args(&["b", "--acme-token-file", "t.txt"]).unwrap();
        assert!(matches!(
            file.flags.get(TOKEN.name),
            Some(Value::SecretFile(_))
        ));
        let err = parse_args(&["b", "--acme-token", "x", "--acme-token-file", "t"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn malformed_numbers_are_usage_errors() {
        let err = parse_args(&["b", "--workers", "many"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
