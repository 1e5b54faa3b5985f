//! [`Program`]: what a connector tells this crate about itself, once.

use std::sync::Arc;

use connector_sdk::{
    Check, Connector, ConnectorError, Metadata, ResourceSyncer, Usage, ValidationReport,
    async_trait,
};

use crate::error::{Error, Result};
use crate::settings::standard::STANDARD;
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

/// The [`About`] of the package that calls it, from its `Cargo.toml`: `name` the package's name
/// (a binary is named after its package unless told otherwise), `version` its version and
/// `summary` its `description`; `about!("Acme")` also sets the display name. The other fields
/// stay empty, or are set with struct update syntax:
///
/// ```
/// use connector_cli::{About, about};
///
/// let about = About {
///     help_url: "https://example.com/tokens",
///     ..about!("Acme")
/// };
/// assert_eq!(about.name, env!("CARGO_PKG_NAME"));
/// assert_eq!(about.version, env!("CARGO_PKG_VERSION"));
/// assert_eq!(about.summary, env!("CARGO_PKG_DESCRIPTION"));
/// assert_eq!(about.display_name, "Acme");
/// ```
#[macro_export]
macro_rules! about {
    () => {
        $crate::About {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            summary: env!("CARGO_PKG_DESCRIPTION"),
            ..::core::default::Default::default()
        }
    };
    ($display_name:expr $(,)?) => {
        $crate::About {
            display_name: $display_name,
            ..$crate::about!()
        }
    };
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
///         let _token = values.require_secret(&TOKEN)?;
///         todo_build_the_connector()
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
    ///
    /// The default is [`connector`](Self::connector) built from every setting at its default
    /// and a required one without a default empty (`""`, 0): override it when building from
    /// those fails (a credential checked for shape), or when the connector's resource types
    /// depend on its settings (describe them all).
    fn describe(&self) -> Result<Box<dyn Connector>> {
        let settings: Vec<Setting> = self
            .settings()
            .into_iter()
            .chain(STANDARD.iter().copied())
            .collect();
        self.connector(&Values::describing(&settings)?)
            .map_err(|e| {
                Error::Config(format!(
                    "the connector cannot be described without settings ({e}): the program must \
                 implement Program::describe"
                ))
            })
    }
}

/// The connector `program` builds from `values`, named by the program's [`About`] where it
/// does not name itself ([`Connector::metadata`] empty): what a baton host is told it serves.
pub(crate) fn connector(program: &dyn Program, values: &Values) -> Result<Box<dyn Connector>> {
    let connector = program.connector(values)?;
    let own = connector.metadata();
    if !own.display_name.is_empty() && !own.description.is_empty() {
        return Ok(connector);
    }
    let about = program.about();
    let or = |own: String, about: &str| {
        if own.is_empty() {
            about.to_owned()
        } else {
            own
        }
    };
    let description = match about.description {
        "" => about.summary,
        description => description,
    };
    let metadata = Metadata {
        display_name: or(own.display_name, about.display_name),
        description: or(own.description, description),
    };
    Ok(Box::new(Named {
        connector,
        metadata,
    }))
}

/// A connector with the name and description its program gives it. It forwards every other
/// `Connector` method: a method added to the trait with a default must be forwarded here too.
struct Named {
    connector: Box<dyn Connector>,
    metadata: Metadata,
}

#[async_trait]
impl Connector for Named {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    async fn validate(&self) -> Result<(), ConnectorError> {
        self.connector.validate().await
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        self.connector.syncers()
    }

    async fn report(&self) -> Result<ValidationReport, ConnectorError> {
        self.connector.report().await
    }

    async fn report_provisioning(&self) -> Result<Vec<Check>, ConnectorError> {
        self.connector.report_provisioning().await
    }

    fn usage(&self) -> Option<Usage> {
        self.connector.usage()
    }

    fn event_feed(&self) -> Option<Arc<dyn connector_sdk::events::EventFeed>> {
        self.connector.event_feed()
    }
}
