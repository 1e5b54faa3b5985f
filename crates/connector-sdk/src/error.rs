//! Errors: what a connector reports ([`ConnectorError`]), what a store reports ([`StoreError`]),
//! and why a sync failed ([`Error`]).

use std::fmt;

/// The kind of a connector failure: decides retries, warnings and the binary's exit code.
/// Named after the gRPC codes baton maps HTTP statuses to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The object does not exist (or the credentials may not see it).
    NotFound,
    /// The credentials were refused.
    Unauthenticated,
    /// The credentials lack a permission.
    PermissionDenied,
    /// A transient failure: the engine may retry.
    Unavailable,
    /// The request or configuration is invalid.
    InvalidArgument,
    /// The system's state does not allow the change (a team managed by an identity provider,
    /// the last admin): changing the request will not help, changing the state may.
    FailedPrecondition,
    /// The operation is not supported by this connector.
    Unimplemented,
    /// The sync was cancelled.
    Cancelled,
    /// A quota is used up (gRPC `ResourceExhausted`): the connector already waited as long as
    /// it was allowed to, so the engine does not retry.
    ResourceExhausted,
    /// Anything else; a bug or an unexpected answer.
    Internal,
}

/// An error returned by a [`ResourceSyncer`](crate::ResourceSyncer) or a
/// [`Connector`](crate::Connector).
#[derive(Debug)]
pub struct ConnectorError {
    kind: ErrorKind,
    message: String,
    retry_after: Option<std::time::Duration>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ConnectorError {
    /// An error of `kind` with a message for the person running the sync.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError {
            kind,
            message: message.into(),
            retry_after: None,
            source: None,
        }
    }

    /// Says when trying again may succeed (a remote's `Retry-After`): a host that retries
    /// transient failures, such as baton's syncer over gRPC, waits that long.
    pub fn with_retry_after(mut self, retry_after: std::time::Duration) -> Self {
        self.retry_after = Some(retry_after);
        self
    }

    /// When trying again may succeed, if the connector knows.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.retry_after
    }

    /// Attaches the underlying error.
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    /// [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// [`ErrorKind::Unavailable`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// [`ErrorKind::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// [`ErrorKind::Unimplemented`].
    pub fn unimplemented(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unimplemented, message)
    }

    /// [`ErrorKind::Cancelled`].
    pub fn cancelled() -> Self {
        Self::new(ErrorKind::Cancelled, "cancelled")
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the source chain.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether retrying may succeed.
    pub fn is_retryable(&self) -> bool {
        self.kind == ErrorKind::Unavailable
    }
}

/// Turns the error of a `Result` into a [`ConnectorError`] of a kind, its message saying what
/// failed and why (`"<what>: <error>"`): the `map_err` every connector writes around the calls
/// of its system.
///
/// ```
/// use connector_sdk::{ConnectorError, ErrorContext, ErrorKind};
///
/// fn read(path: &std::path::Path) -> Result<String, ConnectorError> {
///     std::fs::read_to_string(path).or_not_found(path.display())
/// }
/// let error = read("no/such/file".as_ref()).unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::NotFound);
/// assert!(error.message().starts_with("no/such/file: "), "{error}");
/// ```
pub trait ErrorContext<T> {
    /// The error as a `kind` error: `"<what>: <error>"`.
    fn or_error(self, kind: ErrorKind, what: impl fmt::Display) -> Result<T, ConnectorError>;

    /// The error as an [`ErrorKind::NotFound`] error: `"<what>: <error>"`.
    fn or_not_found(self, what: impl fmt::Display) -> Result<T, ConnectorError>
    where
        Self: Sized,
    {
        self.or_error(ErrorKind::NotFound, what)
    }
}

impl<T, E: fmt::Display> ErrorContext<T> for Result<T, E> {
    fn or_error(self, kind: ErrorKind, what: impl fmt::Display) -> Result<T, ConnectorError> {
        self.map_err(|e| ConnectorError::new(kind, format!("{what}: {e}")))
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConnectorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// An error from a [`Store`](crate::Store).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// A store error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// Why a sync failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A connector call failed; `context` says which (e.g. `listing team resources`).
    #[error("{context}")]
    Connector {
        /// What the engine was doing.
        context: String,
        /// The connector's error.
        #[source]
        source: ConnectorError,
    },
    /// The store failed.
    #[error("store failed")]
    Store(#[from] StoreError),
    /// The sync was cancelled; its progress was checkpointed.
    #[error("sync cancelled")]
    Cancelled,
    /// The connector broke the SDK contract (unchanged page token, missing trait, unknown
    /// reference, duplicate resource type …).
    #[error("connector contract violated: {0}")]
    Contract(String),
    /// The sync options are invalid (an unknown resource type in the filter, zero workers …).
    #[error("invalid sync options: {0}")]
    InvalidOptions(String),
    /// Grant expansion cannot run as asked (a graph deeper than the depth limit).
    #[error("grant expansion failed: {0}")]
    Expansion(String),
    /// The checkpoint of the sync being resumed cannot be used.
    #[error("cannot resume the unfinished sync: {0}")]
    Checkpoint(String),
    /// More not-found warnings than the warning policy allows.
    #[error("too many warnings: {count} of {actions} calls answered not found")]
    TooManyWarnings {
        /// Warnings counted.
        count: u64,
        /// Calls made.
        actions: u64,
    },
}

impl Error {
    /// Whether the sync stopped because it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Error::Cancelled)
    }

    /// The connector error kind behind this error, if a connector call failed.
    pub fn connector_kind(&self) -> Option<ErrorKind> {
        match self {
            Error::Connector { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
