//! `baton-planetscale`: a baton connector for PlanetScale, as one Rust binary.
//!
//! The binary syncs every organization a PlanetScale service token reaches into a baton `.c1z`
//! file, and reads such files back (`inspect`, `diff`). This library is the binary minus
//! `main`, so its parts are tested directly:
//!
//! - [`cli`]: the command line as clap parses it;
//! - [`config`]: flags, `BATON_` environment variables and the YAML config file merged into
//!   validated [`Settings`] and [`ApiSettings`];
//! - [`commands`]: sync, validate, capabilities, config, inspect, diff;
//! - [`diff`]: what changed between two syncs, on plain model values;
//! - [`exit`]: exit codes and the one-line error report.
//!
//! ```no_run
//! use baton_planetscale::{Config, cli::Flags, commands::sync};
//! use connector_sdk::CancellationToken;
//!
//! # async fn demo() -> Result<(), baton_planetscale::Error> {
//! let flags = Flags { file: Some("out.c1z".into()), ..Default::default() };
//! let config = Config::load(&flags, |name| std::env::var(name).ok(), false)?;
//! let report = sync::run(&config.settings, &config.api()?, CancellationToken::new(), None).await?;
//! println!("{} grants", report.summary.grants());
//! # Ok(())
//! # }
//! ```

pub mod cli;
pub mod commands;
pub mod config;
pub mod diff;
mod error;
pub mod exit;
mod logging;
pub mod output;
mod progress;
pub mod protojson;

pub use cli::Cli;
pub use commands::run;
pub use config::{ApiSettings, Config, LowArgs, Settings};
pub use error::{Error, Result};
pub use progress::Progress;
