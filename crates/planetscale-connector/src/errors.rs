//! What a failed request means for the sync: the client's errors mapped to the connector
//! errors the engine acts on, said in words that tell what to do.

use connector_sdk::{ConnectorError, ErrorKind};

/// Maps a client error to the connector error the engine acts on: 401 → `Unauthenticated`,
/// 403 → `PermissionDenied`, 404 → `NotFound`, retryable (429, 5xx, timeouts, connection
/// failures; the client already retried) → `Unavailable`, anything else → `Internal`.
///
/// `context` says what was being done. The message never holds a response body or the token;
/// the client error is attached as the source.
pub fn map_client_error(e: planetscale_client::Error, context: &str) -> ConnectorError {
    let status = match e.status() {
        Some(status) => format!("HTTP {status}"),
        None => "no HTTP answer".to_owned(),
    };
    let (kind, detail) = if e.is_quota_exhausted() {
        // Not `Unavailable`: the client already waited out its whole rate-limit budget, and
        // the engine's retries would wait it out again.
        (
            ErrorKind::ResourceExhausted,
            "PlanetScale's rate limit refused requests for longer than the rate-limit budget \
             (rate-limit-budget-minutes)"
                .to_owned(),
        )
    } else if e.is_unauthorized() {
        (
            ErrorKind::Unauthenticated,
            "the service token was refused (401 Unauthorized): check planetscale-service-token \
             (the <token-id>:<token> pair) and that the token was not deleted or expired"
                .to_owned(),
        )
    } else if e.is_forbidden() {
        (
            ErrorKind::PermissionDenied,
            "PlanetScale answered 403 Forbidden: the service token lacks the access this needs \
             (read_organization)"
                .to_owned(),
        )
    } else if e.is_not_found() {
        (
            ErrorKind::NotFound,
            "PlanetScale answered 404 Not Found".to_owned(),
        )
    } else if e.is_retryable() {
        (
            ErrorKind::Unavailable,
            format!("PlanetScale is unavailable ({status}), even after retries"),
        )
    } else {
        (
            ErrorKind::Internal,
            format!("unexpected answer from PlanetScale ({status})"),
        )
    };
    ConnectorError::new(kind, format!("{context}: {detail}")).with_source(e)
}

/// The error for a failed list call under an organization, which needs `access`. PlanetScale
/// answers a missing permission with 404, so a 404 (or 403) fails the sync with what to do:
/// read as an empty list, it would look like everyone lost access.
pub(crate) fn listing_error(
    e: planetscale_client::Error,
    what: &str,
    org_name: &str,
    access: &str,
) -> ConnectorError {
    if !(e.is_not_found() || e.is_forbidden()) {
        return map_client_error(e, &format!("listing the {what} of organization {org_name}"));
    }
    let status = if e.is_forbidden() {
        "403 Forbidden"
    } else {
        "404 Not Found"
    };
    ConnectorError::new(
        ErrorKind::PermissionDenied,
        format!(
            "listing the {what} of organization {org_name}: PlanetScale answered {status}, which \
             means the service token lacks the {access} access on {org_name} (or the \
             organization is gone); add it in {org_name}'s Organization settings → Service tokens"
        ),
    )
    .with_source(e)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn an_exhausted_quota_is_not_retried_and_names_the_budget() {
        let e = planetscale_client::Error::QuotaExhausted {
            endpoint: "GET /v1/organizations/acme/members".into(),
            refusals: 40,
            waited: Duration::from_secs(900),
            budget: Duration::from_secs(900),
            server_wait: None,
            requests_per_minute: Some(60),
        };
        let mapped = map_client_error(e, "listing the members of organization acme");
        assert_eq!(mapped.kind(), ErrorKind::ResourceExhausted);
        assert!(
            mapped.message().contains("rate-limit-budget-minutes"),
            "{mapped}"
        );
    }
}
