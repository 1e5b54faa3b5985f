//! The commands: parse → load settings → run one of these → print.

pub(crate) mod apply_review;
pub mod diff;
pub mod drift;
pub mod events;
pub mod inspect;
pub(crate) mod provenance;
pub mod provision;
pub(crate) mod report;
pub mod serve;
pub mod sync;
pub mod validate;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{self, Command};
use crate::error::{Error, Result};
use tracing::Instrument as _;

use crate::logging;
use crate::output;
use crate::program::Program;
use crate::settings::standard::{CONFIG, STANDARD, Settings};
use crate::settings::{Layer, Setting, Values, schema};
use crate::telemetry;

/// Runs the command `args` (the program name first) names, with settings from `args`, the
/// process environment and the config file.
pub(crate) fn main(program: &dyn Program, args: impl IntoIterator<Item = OsString>) -> Result<()> {
    let about = program.about();
    let describe = program.describe()?;
    let resource_types: Vec<String> = describe
        .syncers()
        .iter()
        .map(|s| s.resource_type().id)
        .collect();
    let own = program.settings();
    let all: Vec<Setting> = own.iter().chain(STANDARD).copied().collect();
    let cmd = cli::command(&about, &own, STANDARD, &resource_types);
    let invocation = cli::parse(cmd, &all, args).unwrap_or_else(|e| e.exit());
    // These two print fixed documents: no settings, no credentials, no network.
    match &invocation.command {
        Some(Command::Capabilities) => {
            return output::print(
                &(connector_sdk::capabilities(describe.as_ref()).to_protojson() + "\n"),
            );
        }
        Some(Command::Config) => {
            let doc = schema(&all, &resource_types, about.display_name, about.help_url);
            return output::print_json(&doc);
        }
        _ => {}
    }
    let terminal = std::io::stderr().is_terminal();
    let values = load(&all, invocation.flags, |name| std::env::var(name).ok())?;
    let settings = Settings::from_values(&values, terminal)?;
    let task = provision::Task::from_values(&values)?;
    if task.is_some() && invocation.command.is_some() {
        return Err(Error::Usage(
            "a grant, revoke or create-account flag runs instead of a sync: leave out the \
             subcommand"
                .into(),
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))?;
    // The exporters' connections live on the runtime.
    let entered = runtime.enter();
    let exporters = match &settings.telemetry {
        Some(telemetry) => Some(telemetry::start(telemetry, about.name)?),
        None => None,
    };
    logging::init(
        settings.log_level,
        settings.debug_expires_at,
        settings.log_format,
        terminal,
        exporters.as_ref(),
    );
    drop(entered);
    if let Some(exporters) = &exporters {
        exporters.announce();
    }
    let serving = matches!(
        invocation.command,
        Some(Command::Serve(_) | Command::HealthCheck(_))
    );
    if settings.health_check.is_some() && !serving {
        // baton serves health checks only as a service: `serve` here.
        tracing::warn!("health-check applies to serve only: no health check server for this run");
    }
    let span = tracing::info_span!(
        "run",
        otel.name = run_name(invocation.command.as_ref(), task.as_ref()),
        program = about.name,
        version = about.version,
        error = tracing::field::Empty,
    );
    let result = runtime.block_on(
        async {
            if !matches!(
                (&invocation.command, &task),
                (None, None) | (Some(Command::Serve(_)), _)
            ) {
                // A sync checkpoints on a signal and `serve` stops serving; every other command
                // reads files, and leaves nothing of them behind.
                let watch = sync::exit_on_signal()
                    .map_err(|e| Error::io("cannot watch for Ctrl-C and SIGTERM", e))?;
                tokio::spawn(watch);
            }
            match (invocation.command, &task) {
                (None, Some(task)) => provision::main(program, &values, &settings, task).await,
                (None, None) => sync::main(program, &values, &settings, terminal).await,
                (Some(Command::Validate), _) => validate::main(program, &values, &settings).await,
                (Some(Command::Inspect(args)), _) => inspect::run(&about, &settings, &args),
                (Some(Command::Diff(args)), _) => diff::run(&about, &settings, &args),
                (Some(Command::Report(args)), _) => report::run(&about, &settings, &args),
                (Some(Command::Serve(args)), _) => {
                    serve::main(program, &values, &settings, &args).await
                }
                (Some(Command::HealthCheck(args)), _) => crate::health::probe(&values, &args).await,
                (Some(Command::ApplyReview(args)), _) => {
                    apply_review::main(program, &values, &settings, &args).await
                }
                (Some(Command::Capabilities | Command::Config), _) => Ok(()),
            }
        }
        .instrument(span.clone()),
    );
    if let Err(error) = &result {
        span.record("error", tracing::field::display(error));
    }
    drop(span);
    // Before the runtime goes: the exporters' connections are on it.
    if let Some(exporters) = exporters {
        exporters.shutdown();
    }
    // Background tasks (a signal watcher, a stuck request) must not hold the exit.
    runtime.shutdown_background();
    result
}

/// The name of a run's span: its command, or the task run instead of a sync.
fn run_name(command: Option<&Command>, task: Option<&provision::Task>) -> &'static str {
    match (command, task) {
        (None, Some(_)) => "provision",
        (None, None) => "sync",
        (Some(Command::Validate), _) => "validate",
        (Some(Command::Inspect(_)), _) => "inspect",
        (Some(Command::Diff(_)), _) => "diff",
        (Some(Command::Report(_)), _) => "report",
        (Some(Command::Serve(_)), _) => "serve",
        (Some(Command::HealthCheck(_)), _) => "health-check",
        (Some(Command::ApplyReview(_)), _) => "apply-review",
        (Some(Command::Capabilities), _) => "capabilities",
        (Some(Command::Config), _) => "config",
    }
}

/// Opens the `.c1z` at `path` for `inspect` and `diff`, within the settings' size limit.
pub(crate) fn open(settings: &Settings, path: &std::path::Path) -> Result<c1z::C1zReader> {
    c1z::C1zReader::open_with_limit(path, settings.max_decoded_bytes).map_err(open_error)
}

/// As [`open`], `N` readers of one decompressed copy, for `N` threads.
pub(crate) fn open_shared<const N: usize>(
    settings: &Settings,
    path: &std::path::Path,
) -> Result<[c1z::C1zReader; N]> {
    c1z::C1zReader::open_shared(path, settings.max_decoded_bytes).map_err(open_error)
}

/// A reader's error; a file too large has its own exit code.
fn open_error(e: c1z::Error) -> Error {
    match e {
        c1z::Error::TooLarge { .. } => Error::TooLarge { error: e },
        e => Error::C1z(e),
    }
}

/// Merges the command line's settings, the environment (read through `env`) and the config file
/// (named by `--config` or `BATON_CONFIG_PATH`), then checks them.
pub(crate) fn load(
    settings: &[Setting],
    flags: Layer,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Values> {
    let from_env = Layer::from_env(settings, &env)?;
    let config = match flags.get(CONFIG.name) {
        Some(crate::settings::Value::Text(path)) => Some(PathBuf::from(path)),
        _ => env("BATON_CONFIG_PATH")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
    };
    let from_file = match &config {
        Some(path) => Layer::from_file(settings, path)?,
        None => Layer::of(crate::settings::Origin::File, []),
    };
    Values::resolve(settings, &[flags, from_env, from_file])
}
