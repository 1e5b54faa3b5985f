//! Connector errors as gRPC statuses, with the codes baton maps the same failures to.
//!
//! baton's syncer retries `Unavailable` (and `DeadlineExceeded`) without limit, waiting until the
//! `reset_at` of a `RateLimitDescription` in the status details when there is one; it skips a
//! resource whose entitlements or grants answer `NotFound`, with a warning; anything else fails
//! the sync. The message is the connector's own, which never holds a credential (the SDK's
//! contract); the error's source chain stays in this process.

use std::time::{Duration, SystemTime};

use connector_proto::pb;
use connector_sdk::{ConnectorError, ErrorKind};
use prost::Message;
use tonic::{Code, Status};

use crate::pb::google::rpc;

/// The gRPC code of an error kind.
pub fn code(kind: ErrorKind) -> Code {
    match kind {
        ErrorKind::NotFound => Code::NotFound,
        ErrorKind::Unauthenticated => Code::Unauthenticated,
        ErrorKind::PermissionDenied => Code::PermissionDenied,
        ErrorKind::Unavailable => Code::Unavailable,
        ErrorKind::InvalidArgument => Code::InvalidArgument,
        ErrorKind::FailedPrecondition => Code::FailedPrecondition,
        ErrorKind::Unimplemented => Code::Unimplemented,
        ErrorKind::Cancelled => Code::Cancelled,
        ErrorKind::ResourceExhausted => Code::ResourceExhausted,
        _ => Code::Internal,
    }
}

/// The status of a connector error: its code and message, and for a retryable one that says
/// when to retry, a `c1.connector.v2.RateLimitDescription` detail whose `reset_at` is then.
pub fn from_error(error: &ConnectorError) -> Status {
    let code = code(error.kind());
    let message = error.message().to_owned();
    match error.retry_after() {
        Some(wait) if code == Code::Unavailable => {
            let details = rpc::Status {
                code: code as i32,
                message: message.clone(),
                details: vec![rate_limited_until(SystemTime::now() + wait)],
            };
            Status::with_details(code, message, details.encode_to_vec().into())
        }
        _ => Status::new(code, message),
    }
}

/// The `RateLimitDescription` (over the limit, nothing remaining) that tells baton's retryer to
/// wait until `reset_at`.
fn rate_limited_until(reset_at: SystemTime) -> pb::Any {
    let since_epoch = reset_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let description = pb::RateLimitDescription {
        status: 2,
        limit: 0,
        remaining: 0,
        reset_at: Some(pb::Timestamp {
            seconds: since_epoch.as_secs() as i64,
            nanos: since_epoch.subsec_nanos() as i32,
        }),
    };
    connector_proto::any("RateLimitDescription", description.encode_to_vec())
}

/// An `InvalidArgument` status: the request itself is wrong.
pub fn invalid(message: impl Into<String>) -> Status {
    Status::invalid_argument(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_batons_codes() {
        let cases = [
            (ErrorKind::NotFound, Code::NotFound),
            (ErrorKind::PermissionDenied, Code::PermissionDenied),
            (ErrorKind::Unavailable, Code::Unavailable),
            (ErrorKind::InvalidArgument, Code::InvalidArgument),
            (ErrorKind::FailedPrecondition, Code::FailedPrecondition),
            (ErrorKind::Internal, Code::Internal),
        ];
        for (kind, expected) in cases {
            let status = from_error(&ConnectorError::new(kind, "what went wrong"));
            assert_eq!(status.code(), expected);
            assert_eq!(status.message(), "what went wrong");
            assert!(status.details().is_empty());
        }
    }

    #[test]
    fn an_unavailable_error_that_knows_when_says_so_in_its_details() {
        let error = ConnectorError::unavailable("busy").with_retry_after(Duration::from_secs(30));
        let before = SystemTime::now();
        let status = from_error(&error);
        assert_eq!(status.code(), Code::Unavailable);
        let details = rpc::Status::decode(status.details()).unwrap();
        assert_eq!(details.code, Code::Unavailable as i32);
        let [any] = details.details.as_slice() else {
            panic!("one detail expected: {details:?}");
        };
        assert_eq!(
            any.type_url,
            "type.googleapis.com/c1.connector.v2.RateLimitDescription"
        );
        let description = pb::RateLimitDescription::decode(any.value.as_slice()).unwrap();
        let reset = description.reset_at.unwrap().seconds;
        let expected = before
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 30;
        assert!((expected as i64..=expected as i64 + 2).contains(&reset));
        assert_eq!((description.status, description.remaining), (2, 0));
    }
}
