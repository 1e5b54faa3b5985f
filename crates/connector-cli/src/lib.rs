//! The generic baton connector program: everything a connector needs to be a usable
//! command-line tool, so that a connector's `main` is one call.
//!
//! A connector describes itself once with a [`Program`] — its names, its own [`Setting`]s, and
//! how to build its [`Connector`](connector_sdk::Connector) from their [`Values`] — and calls
//! [`run`]. This crate owns the rest, the same for every connector:
//!
//! - settings: each declared once and read from flags, `BATON_` environment variables and the
//!   YAML file named by `--config` (flags > environment > file > defaults), with baton's
//!   standard ones ([`standard`]) added to the connector's;
//! - the commands: sync (the default), `validate`, `capabilities`, `config` (baton's
//!   `c1.config.v1.Configuration`), `inspect` (with `inspect review`, the access review) and
//!   `diff` (the questions are answered by `c1z`; this crate resolves the names given and renders
//!   the answers as tables, baton-shaped JSON, CSV or JSON Lines);
//! - `serve`: baton's connector protocol (`c1.connector.v2` gRPC, crate `connector-grpc`), so
//!   that a baton host drives the connector — plain on loopback, mutual TLS anywhere, and
//!   baton's subprocess mode;
//! - provisioning, for a connector whose syncers hand out a
//!   [`ResourceProvisioner`](connector_sdk::provision::ResourceProvisioner) or an
//!   [`AccountManager`](connector_sdk::provision::AccountManager): baton's `--grant-entitlement`,
//!   `--revoke-grant` and `--create-account-*`, which run only with `--provisioning` (`-p`), look
//!   their names up in the last sync of `--file`, and with `--dry-run` print the request a change
//!   would send and send nothing; `validate -p` also checks the write accesses;
//! - the review loop: `--staff` classes people against a staff list ([`staff`]), `apply-review`
//!   applies a reviewed CSV's decisions through the provisioning path with an evidence record,
//!   and `diff --fail-on` / `--notify` turn a scheduled sync into an alert;
//! - progress on a terminal or as log lines, logging, exit codes (16 and 7 as baton's gRPC
//!   codes), Ctrl-C/SIGTERM with a checkpoint, the panic hook, and the output-file checks.
//!
//! Embedders that want a piece without the program call it directly: [`commands::sync::run`]
//! syncs a connector into a `.c1z`; [`commands::provision::run`] makes (or shows) one change
//! named against it; [`commands::inspect::print`] prints what a file holds, and
//! [`c1z::Snapshot`] and [`c1z::diff`] answer the read-side questions.
//!
//! See [`Program`] for a complete example.

#![warn(missing_docs)]

mod cli;
pub mod commands;
mod error;
pub mod exit;
mod health;
mod logging;
mod memory;
pub mod output;
pub mod prelude;
mod program;
mod progress;
mod settings;
pub mod staff;
mod telemetry;

use std::process::ExitCode;

pub use cli::{
    ApplyReviewArgs, Command, DiffArgs, HealthCheckArgs, InspectArgs, InspectCommand, ReviewArgs,
    ServeArgs, StaffArgs,
};
pub use error::{Error, Result};
pub use program::{About, Program};
pub use progress::Progress;
pub use settings::standard;
pub use settings::{Kind, Setting, Values};

/// Runs the program: parses the command line, loads the settings, runs the command, reports an
/// error as one `error:` line and returns the exit code. The whole of a connector's `main`.
pub fn run(program: &dyn Program) -> ExitCode {
    exit::install_panic_hook();
    memory::return_large_blocks();
    match commands::main(program, std::env::args_os()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => exit::report(&error),
    }
}
