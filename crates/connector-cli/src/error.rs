//! The program's one error type. Messages say what is wrong and what to do, and never hold a
//! secret: credentials only ever travel as `SecretString`s.

use std::path::PathBuf;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is missing or has a bad value.
    #[error("{0}")]
    Config(String),
    /// The config file could not be read.
    #[error("cannot read config file {}", path.display())]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid YAML.
    #[error("config file {} is invalid", path.display())]
    ConfigParse {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: serde_norway::Error,
    },
    /// The config file is YAML of the wrong shape (unknown keys, bad values).
    #[error("config file {} is invalid: {reason}", path.display())]
    ConfigInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, without the value (it may be a secret).
        reason: String,
    },
    /// The connector could not be built from the settings (a malformed credential, a bad URL).
    #[error("{context}")]
    Setup {
        /// What was wrong, in the connector's words.
        context: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Validating the credentials failed.
    #[error("validation failed")]
    Validate(#[source] connector_sdk::ConnectorError),
    /// The sync failed.
    #[error("sync failed")]
    Sync(#[source] connector_sdk::Error),
    /// A grant, revoke or account creation failed.
    #[error("{action} failed")]
    Provision {
        /// `grant`, `revoke` or `create-account`.
        action: &'static str,
        /// The connector's error.
        #[source]
        source: connector_sdk::ConnectorError,
    },
    /// The sync was interrupted after saving its progress.
    #[error("sync interrupted: its progress was saved; run the same command again to resume it")]
    Cancelled,
    /// A `.c1z` file could not be read or written.
    #[error(transparent)]
    C1z(#[from] c1z::Error),
    /// A `.c1z` file decompresses to more than the read limit allows.
    #[error(
        "{error}: raise the limit with --max-decoded-size-mb or BATON_MAX_DECODED_SIZE_MB to read it"
    )]
    TooLarge {
        /// The reader's refusal.
        error: c1z::Error,
    },
    /// The command's arguments do not fit together.
    #[error("{0}")]
    Usage(String),
    /// `serve` cannot start or stopped serving (baton's handover, TLS material, the server).
    #[error("{0}")]
    Serve(String),
    /// `diff --fail-on` found a change of a kind it names (exit 3).
    #[error("drift: {0}")]
    Drift(String),
    /// Something the command names is not in the file (a principal, an entitlement, a sync).
    #[error("{0}")]
    NotFound(String),
    /// Reading input or writing output failed.
    #[error("{context}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// An [`Error::Io`] with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// `path`, named `what` in errors (the flag or the file's role, e.g. `--staff`), opened
    /// for reading: a directory, FIFO or device is a usage error, never waited on.
    pub(crate) fn open_regular(path: &std::path::Path, what: &str) -> Result<std::fs::File> {
        let context = || format!("cannot read {what} {}", path.display());
        match c1z::open_regular(path) {
            Ok(Some(file)) => Ok(file),
            Ok(None) => Err(Error::Usage(format!(
                "{what} {} is not a regular file (a directory, FIFO or device): name a file",
                path.display()
            ))),
            Err(e) => Err(Error::io(context(), e)),
        }
    }

    /// An [`Error::Setup`]: the connector cannot be built because of `source`.
    pub fn setup(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Setup {
            context: context.into(),
            source: Box::new(source),
        }
    }
}

impl From<connector_sdk::Error> for Error {
    fn from(e: connector_sdk::Error) -> Self {
        match e {
            connector_sdk::Error::Cancelled => Error::Cancelled,
            e => Error::Sync(e),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
