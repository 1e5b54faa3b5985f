//! The crate's one error type and its predicates.

use reqwest::StatusCode;

use crate::credentials::CredentialsError;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to the PlanetScale API.
///
/// Messages never hold the service token, and never hold a response body from an endpoint
/// whose bodies may embed database passwords (team memberships). Use the predicates
/// ([`Error::status`], [`Error::is_retryable`], [`Error::is_not_found`], …) rather than
/// matching on variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service token was malformed.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The base URL cannot be used.
    #[error("invalid base url: {reason}")]
    InvalidBaseUrl {
        /// What is wrong and what to do; never the URL itself, which may hold credentials.
        reason: String,
    },
    /// A builder setting is out of range.
    #[error("invalid client configuration: {reason}")]
    InvalidConfig {
        /// What is wrong and what to do.
        reason: String,
    },
    /// An argument to a request method cannot be turned into a request.
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// What is wrong and what to do.
        reason: String,
    },
    /// The default HTTP client could not be built.
    #[error("could not build the http client")]
    HttpClient(#[source] reqwest::Error),
    /// The API answered with an error status.
    #[error("{endpoint} returned {status}{}", describe_server_error(code.as_deref(), message.as_deref()))]
    Api {
        /// The method and path, without the query.
        endpoint: String,
        /// The HTTP status.
        status: StatusCode,
        /// The server's `code` field, when the body had one.
        code: Option<String>,
        /// The server's `message` field, when the body had one.
        message: Option<String>,
    },
    /// The API answered with a redirect, which is never followed so that the credentials
    /// stay with the configured origin.
    #[error(
        "{endpoint} returned the redirect {status}; redirects are not followed so that \
         credentials never leave the configured origin (check the base url)"
    )]
    Redirect {
        /// The method and path, without the query.
        endpoint: String,
        /// The HTTP status.
        status: StatusCode,
    },
    /// The response came from another origin than the base URL (an injected HTTP client
    /// followed a redirect).
    #[error(
        "{endpoint} was answered from another origin than the base url; configure the http \
         client with redirect::Policy::none()"
    )]
    ForeignOrigin {
        /// The method and path, without the query.
        endpoint: String,
    },
    /// The request could not be sent or the response could not be read.
    #[error("{endpoint} failed")]
    Transport {
        /// The method and path, without the query.
        endpoint: String,
        /// The underlying error, stripped of its URL.
        #[source]
        source: reqwest::Error,
    },
    /// The response body was larger than the configured limit.
    #[error(
        "the response of {endpoint} is larger than {limit} bytes; raise \
         ClientBuilder::max_response_bytes if this is expected"
    )]
    ResponseTooLarge {
        /// The method and path, without the query.
        endpoint: String,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The response body did not have the expected shape.
    #[error("could not decode the response of {endpoint}: {detail}")]
    Decode {
        /// The method and path, without the query.
        endpoint: String,
        /// The decoder's complaint; for endpoints whose bodies may hold passwords, only its
        /// category and position.
        detail: String,
    },
    /// The server's pagination did not move forward, so following it would loop.
    #[error(
        "{endpoint} answered page {requested} with next_page {next_page}, which does not move \
         forward; stopping instead of looping"
    )]
    Pagination {
        /// The method and path, without the query.
        endpoint: String,
        /// The page that was requested.
        requested: u32,
        /// The `next_page` the server returned.
        next_page: u32,
    },
}

impl Error {
    /// The HTTP status, when the server answered with an error or a redirect.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } | Error::Redirect { status, .. } => Some(*status),
            Error::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Whether repeating the same GET may succeed: 408, 429, 500, 502, 503, 504, and failures
    /// to connect or time-outs.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => is_retryable_status(*status),
            // Every request is a GET, so a connection that broke before the whole answer
            // arrived (reset, closed early) is as safe to repeat as one that never opened.
            Error::Transport { source, .. } => {
                source.is_connect()
                    || source.is_timeout()
                    || source.is_request()
                    || source.is_body()
            }
            _ => false,
        }
    }

    /// Whether the server answered 404. PlanetScale also answers 404 when the token lacks
    /// the access, so this never means "empty".
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the server answered 401: the token is missing, malformed or revoked.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// Whether the server answered 403: the token lacks a permission.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN)
    }

    /// The server's `code` field (for example `not_found`), when the error body had one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The server's `message` field, when the error body had one.
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => message.as_deref(),
            _ => None,
        }
    }
}

/// Statuses worth repeating a GET for: time-outs, rate limits and transient server failures.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

fn describe_server_error(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!(" ({code}: {message})"),
        (Some(code), None) => format!(" ({code})"),
        (None, Some(message)) => format!(" ({message})"),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: Option<&str>, message: Option<&str>) -> Error {
        Error::Api {
            endpoint: "GET /v1/organizations".into(),
            status: StatusCode::from_u16(status).unwrap(),
            code: code.map(Into::into),
            message: message.map(Into::into),
        }
    }

    #[test]
    fn predicates_follow_the_status() {
        let not_found = api(404, Some("not_found"), Some("Not Found"));
        assert!(not_found.is_not_found());
        assert!(!not_found.is_retryable());
        assert_eq!(not_found.code(), Some("not_found"));
        assert!(api(401, None, None).is_unauthorized());
        assert!(api(403, None, None).is_forbidden());
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(api(status, None, None).is_retryable(), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 422, 501] {
            assert!(!api(status, None, None).is_retryable(), "{status}");
        }
    }

    #[test]
    fn messages_are_lowercase_and_name_the_endpoint() {
        let error = api(404, Some("not_found"), Some("Not Found"));
        assert_eq!(
            error.to_string(),
            "GET /v1/organizations returned 404 Not Found (not_found: Not Found)"
        );
        assert_eq!(
            api(500, None, None).to_string(),
            "GET /v1/organizations returned 500 Internal Server Error"
        );
    }
}
