//! The commands: parse → configure → run one of these → print.

pub mod capabilities;
pub mod config;
pub mod diff;
pub mod inspect;
pub mod sync;
pub mod validate;

use std::io::IsTerminal;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::logging;

/// Runs the command `cli` names, with settings from `cli`, the process environment and the
/// config file.
pub fn run(cli: Cli) -> Result<()> {
    // These two print fixed documents: no settings, no token, no network.
    match &cli.command {
        Some(Command::Capabilities) => return capabilities::run(),
        Some(Command::Config) => return config::run(),
        _ => {}
    }
    let terminal = std::io::stderr().is_terminal();
    let config = Config::load(&cli.flags, |name| std::env::var(name).ok(), terminal)?;
    logging::init(
        config.settings.log_level,
        config.settings.log_format,
        terminal,
    );
    // Lets tests see what a panic prints (nothing secret, even with the settings in the
    // message); nobody sets it otherwise.
    if std::env::var_os("BATON_PLANETSCALE_TEST_PANIC").is_some_and(|v| v == "1") {
        panic!("BATON_PLANETSCALE_TEST_PANIC=1: panicking on purpose with {config:?}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))?;
    let result = runtime.block_on(async {
        match cli.command {
            None => sync::main(&config, terminal).await,
            Some(Command::Validate) => validate::run(&config).await,
            Some(Command::Inspect(args)) => inspect::run(&config.settings, &args),
            Some(Command::Diff(args)) => diff::run(&config.settings, &args),
            Some(Command::Capabilities | Command::Config) => Ok(()),
        }
    });
    // Background tasks (a signal watcher, a stuck request) must not hold the exit.
    runtime.shutdown_background();
    result
}
