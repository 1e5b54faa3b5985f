//! The crate's one error type and its predicates.

use std::time::Duration;

use reqwest::StatusCode;

use crate::credentials::CredentialsError;

/// What a transport failure most likely means, in the words of someone fixing a URL.
fn describe_transport(host: &str, source: &reqwest::Error) -> String {
    let mut chain: Vec<String> = Vec::new();
    let mut refused = false;
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(source);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        chain.push(e.to_string());
        next = e.source();
    }
    // hyper and rustls say these only in text: a DNS failure, and a TLS handshake answered by
    // a plain-http server (its first bytes are not a TLS record).
    let says = |text: &str| chain.iter().any(|m| m.contains(text));
    if refused {
        format!(
            ": nothing accepts connections at {host} (connection refused): check the API URL's \
             host and port, and that the server runs"
        )
    } else if says("dns error") {
        format!(": the host name in {host} does not resolve: check the API URL and the DNS")
    } else if says("InvalidContentType") || says("wrong version number") {
        format!(
            ": the server at {host} answered in plain http, not https: check the API URL's \
             scheme and port"
        )
    } else {
        String::new()
    }
}

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
        "{endpoint} was answered from another origin than the base url; an injected http \
         client must not follow redirects"
    )]
    ForeignOrigin {
        /// The method and path, without the query.
        endpoint: String,
    },
    /// The request could not be sent or the response could not be read. The message says
    /// which of the common causes it was, when it can tell: a refused connection, a host name
    /// that does not resolve, or an https request answered in plain http.
    #[error("{endpoint} failed{}", describe_transport(host, source))]
    Transport {
        /// The method and path, without the query.
        endpoint: String,
        /// The host and port asked.
        host: String,
        /// The underlying error, stripped of its URL.
        #[source]
        source: reqwest::Error,
    },
    /// The response body was larger than the configured limit.
    #[error(
        "the response of {endpoint} is larger than {limit} bytes, the most the client reads of \
         one response"
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
    /// The server's rate limit kept refusing a request (429) for longer than the rate-limit
    /// budget allows, or asked for a longer wait than that: the token's quota is used up, by
    /// this client or by others sharing the token. Not retryable: the budget was the retrying.
    #[error(
        "{endpoint} was refused by the rate limit (429) {refusals} {} over {}{}, past the \
         rate-limit budget of {}: the service token's request quota is used up{}, perhaps by \
         other tools sharing the token; run again later, or allow a longer wait (a larger \
         rate-limit budget)",
        if *refusals == 1 { "time" } else { "times" },
        human(*waited),
        server_wait.map(|wait| format!(" and the server asked to wait {} more", human(wait))).unwrap_or_default(),
        human(*budget),
        requests_per_minute.map(|rpm| format!(" (the client had slowed to {rpm} requests a minute)")).unwrap_or_default(),
    )]
    QuotaExhausted {
        /// The method and path, without the query.
        endpoint: String,
        /// The 429 answers this request met.
        refusals: u32,
        /// The time since its first 429.
        waited: Duration,
        /// The configured rate-limit budget.
        budget: Duration,
        /// The wait the server asked for, when it asked for more than the budget.
        server_wait: Option<Duration>,
        /// The pace the client had slowed to, per minute, if it was paced.
        requests_per_minute: Option<u32>,
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
            Error::QuotaExhausted { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Whether repeating the same GET may succeed: 408, 429, 500, 502, 503, 504, and failures
    /// to connect or time-outs; not [`Error::QuotaExhausted`], whose budget was the retrying.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => is_retryable_status(*status),
            // A GET changes nothing, so a connection that broke before the whole answer arrived
            // (reset, closed early) is as safe to repeat as one that never opened. Writes are
            // not repeated on this: see `is_outcome_unknown`.
            Error::Transport { source, .. } => {
                source.is_connect()
                    || source.is_timeout()
                    || source.is_request()
                    || source.is_body()
            }
            _ => false,
        }
    }

    /// Whether the request never left: the connection could not be made. Even a write is safe
    /// to send again then.
    pub fn is_unsent(&self) -> bool {
        matches!(self, Error::Transport { source, .. } if source.is_connect())
    }

    /// Whether a write that failed this way may all the same have been applied: the connection
    /// broke or timed out after the request may have gone out, or the server or a proxy in front
    /// of it answered 408 or 5xx, which says nothing of whether the change was made. Read the
    /// state back before sending it again. A refusal (4xx but 408, or 429) and a failure to
    /// connect were not applied.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::Transport { .. } => !self.is_unsent(),
            Error::Api { status, .. } => status.is_server_error() || status.as_u16() == 408,
            _ => false,
        }
    }

    /// Whether the server answered 404. PlanetScale also answers 404 when the token lacks
    /// the access, so this never means "empty".
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the server's rate limit refused a request past the rate-limit budget
    /// ([`Error::QuotaExhausted`]).
    pub fn is_quota_exhausted(&self) -> bool {
        matches!(self, Error::QuotaExhausted { .. })
    }

    /// Whether the server answered 401: the token is missing, malformed or revoked.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// Whether the server answered 403: the token lacks a permission.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN)
    }

    /// Whether the server refused the request as invalid for the state it is in (400, 409 or
    /// 422): a team managed by the identity provider, the last admin, a role a service token may
    /// not give. [`Error::server_message`] says why.
    pub fn is_refused(&self) -> bool {
        matches!(self.status().map(|s| s.as_u16()), Some(400 | 409 | 422))
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

/// A duration as a person reads it: `850 ms`, `42 s`, `15 min`, `2 min 5 s`, `3 h 20 min`.
fn human(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        0 => format!("{} ms", duration.as_millis()),
        1..120 => format!("{secs} s"),
        120..7200 if secs.is_multiple_of(60) => format!("{} min", secs / 60),
        120..7200 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
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
    fn a_lost_answer_is_an_unknown_outcome_and_a_refusal_is_not() {
        for status in [500, 502, 503, 504, 408] {
            assert!(api(status, None, None).is_outcome_unknown(), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 422, 429] {
            assert!(!api(status, None, None).is_outcome_unknown(), "{status}");
        }
        for status in [400, 409, 422] {
            assert!(api(status, None, None).is_refused(), "{status}");
        }
        assert!(!api(404, None, None).is_refused());
        assert!(!api(502, None, None).is_unsent());
    }

    #[test]
    fn durations_read_well() {
        let cases = [
            (Duration::from_millis(850), "850 ms"),
            (Duration::from_secs(42), "42 s"),
            (Duration::from_secs(119), "119 s"),
            (Duration::from_secs(900), "15 min"),
            (Duration::from_secs(125), "2 min 5 s"),
            (Duration::from_secs(12_000), "3 h 20 min"),
            (Duration::MAX, "5124095576030431 h 0 min"),
        ];
        for (duration, expected) in cases {
            assert_eq!(human(duration), expected);
        }
    }

    #[test]
    fn an_exhausted_quota_says_by_how_much_and_what_to_do() {
        let error = Error::QuotaExhausted {
            endpoint: "GET /v1/organizations/acme/members".into(),
            refusals: 41,
            waited: Duration::from_secs(902),
            budget: Duration::from_secs(900),
            server_wait: None,
            requests_per_minute: Some(4),
        };
        assert_eq!(
            error.to_string(),
            "GET /v1/organizations/acme/members was refused by the rate limit (429) 41 times over \
             15 min 2 s, past the rate-limit budget of 15 min: the service token's request quota \
             is used up (the client had slowed to 4 requests a minute), perhaps by other tools \
             sharing the token; run again later, or allow a longer wait (a larger rate-limit \
             budget)"
        );
        assert!(error.is_quota_exhausted());
        assert!(!error.is_retryable());
        assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        let asked = Error::QuotaExhausted {
            endpoint: "GET /v1/organizations".into(),
            refusals: 1,
            waited: Duration::ZERO,
            budget: Duration::from_secs(900),
            server_wait: Some(Duration::from_secs(3600)),
            requests_per_minute: None,
        };
        assert!(
            asked.to_string().contains(
                "refused by the rate limit (429) 1 time over 0 ms and the server asked to wait \
                 60 min more, past"
            ),
            "{asked}"
        );
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
