//! The crate's one error type.

use std::path::PathBuf;

/// Why loading, saving or configuring the fake failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("cannot access {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A JSON document (a dataset, a fault list, a control request) could not be parsed.
    #[error("invalid {what} JSON")]
    Json {
        /// What the document was meant to be, e.g. "dataset".
        what: &'static str,
        /// Where and why parsing failed.
        #[source]
        source: serde_json::Error,
    },
    /// A dataset broke one of the rules the fake relies on (unique names, team members that are
    /// org members, ...).
    #[error("invalid dataset: {0}")]
    InvalidDataset(String),
    /// A configuration value was malformed.
    #[error("invalid {name}: {message}")]
    InvalidConfig {
        /// The setting, e.g. "--token".
        name: &'static str,
        /// What is wrong and what to do instead.
        message: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
