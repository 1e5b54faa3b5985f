//! [`Program`]: what a connector tells this crate about itself, once.

use connector_sdk::Connector;

use crate::error::Result;
use crate::settings::{Setting, Values};

/// Names and help texts of a connector program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct About {
    /// The binary's name, e.g. `baton-planetscale`.
    pub name: &'static str,
    /// Its version (`env!("CARGO_PKG_VERSION")`).
    pub version: &'static str,
    /// The system's name for people, e.g. `PlanetScale` (the config schema's display name).
    pub display_name: &'static str,
    /// One line saying what the program does.
    pub summary: &'static str,
    /// What a sync covers, in a sentence or two, for `--help`.
    pub description: &'static str,
    /// Where people learn to create the credentials (the config schema's help URL).
    pub help_url: &'static str,
}

/// A connector program: its names, its own settings, and how to build its connector.
///
/// Everything else — baton's standard settings, flags/environment/file layering, the commands,
/// progress, logging, exit codes, signals — is this crate's. A `main` is then one call:
///
/// ```no_run
/// use connector_cli::{About, Program, Result, Setting, Values};
/// use connector_sdk::Connector;
///
/// const TOKEN: Setting = Setting::secret("acme-token", "Acme token", "The Acme API token")
///     .required()
///     .from_file();
///
/// struct Acme;
///
/// impl Program for Acme {
///     fn about(&self) -> About {
///         About {
///             name: "baton-acme",
///             version: env!("CARGO_PKG_VERSION"),
///             display_name: "Acme",
///             summary: "Sync who has access to what in Acme into a baton .c1z file",
///             ..Default::default()
///         }
///     }
///     fn settings(&self) -> Vec<Setting> {
///         vec![TOKEN]
///     }
///     fn connector(&self, values: &Values) -> Result<Box<dyn Connector>> {
///         let _token = values.secret(&TOKEN)?;
///         todo_build_the_connector()
///     }
///     fn describe(&self) -> Box<dyn Connector> {
///         todo_build_the_connector().unwrap()
///     }
/// }
/// # fn todo_build_the_connector() -> Result<Box<dyn Connector>> { unreachable!() }
///
/// fn main() -> std::process::ExitCode {
///     connector_cli::run(&Acme)
/// }
/// ```
pub trait Program: Send + Sync {
    /// Names and help texts.
    fn about(&self) -> About;

    /// The connector's own settings, each declared once; baton's standard settings are added
    /// after them.
    fn settings(&self) -> Vec<Setting>;

    /// Builds the connector from the settings, for `sync` and `validate`. Reads credentials
    /// (from their files, if so configured) and checks them for shape; sends no request.
    fn connector(&self, values: &Values) -> Result<Box<dyn Connector>>;

    /// A connector that describes itself — its resource types for help, the config schema and
    /// `capabilities` — built without credentials or settings, and never asked to sync.
    fn describe(&self) -> Box<dyn Connector>;
}
