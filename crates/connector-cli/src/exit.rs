//! Exit codes, and how a failed command is reported on stderr.
//!
//! The codes for refused credentials and missing permissions are the gRPC codes baton uses
//! (`Unauthenticated` = 16, `PermissionDenied` = 7), so scripts that run baton connectors can
//! treat every connector built on this crate the same way.

use std::io::Write;
use std::process::ExitCode;

use connector_sdk::ErrorKind;

use crate::error::Error;

/// The command did what was asked.
pub const SUCCESS: u8 = 0;
/// Anything else went wrong; stderr has one `error:` line saying what.
pub const FAILURE: u8 = 1;
/// The command line is invalid (clap's code).
pub const USAGE: u8 = 2;
/// `diff --fail-on` found a change of a kind it names: drift a scheduled run alerts on.
pub const DRIFT: u8 = 3;
/// The token lacks a permission (gRPC `PermissionDenied`).
pub const PERMISSION_DENIED: u8 = 7;
/// The token was refused (gRPC `Unauthenticated`).
pub const UNAUTHENTICATED: u8 = 16;
/// Interrupted by Ctrl-C, SIGTERM or SIGHUP (128 + SIGINT); a sync resumes when run again.
pub const CANCELLED: u8 = 130;

/// The exit code table shown at the end of `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
    0    success
    1    any other failure (one `error:` line on stderr says what)
    2    invalid command line (a grant, revoke or create-account flag without --provisioning too)
    3    drift: diff --fail-on found a change of a kind it names (the diff and findings are printed)
    7    permission denied: the credentials lack an access the connector needs (validate says which)
    16   unauthenticated: the credentials were refused
    101  internal error (a bug; the `error:` line says where, please report it)
    130  interrupted (Ctrl-C, SIGTERM or SIGHUP); run the same command again to resume the sync";

/// The exit code for `error`.
pub fn code(error: &Error) -> u8 {
    let kind = match error {
        Error::Cancelled => return CANCELLED,
        Error::Usage(_) => return USAGE,
        Error::Drift(_) => return DRIFT,
        Error::Validate(e) | Error::Provision { source: e, .. } => Some(e.kind()),
        Error::Sync(e) => e.connector_kind(),
        _ => None,
    };
    match kind {
        Some(ErrorKind::Unauthenticated) => UNAUTHENTICATED,
        Some(ErrorKind::PermissionDenied) => PERMISSION_DENIED,
        Some(ErrorKind::Cancelled) => CANCELLED,
        _ => FAILURE,
    }
}

/// Whether `error` is only a closed stdout (`inspect … | head`): not a failure.
pub fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return true;
        }
        next = e.source();
    }
    false
}

/// `message: cause: cause …`, the error and its whole source chain on one line.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        let message = e.to_string();
        // Some errors repeat their source's message in their own; print each text once.
        if !message.is_empty() && !line.ends_with(&message) {
            line.push_str(": ");
            line.push_str(&message);
        }
        next = e.source();
    }
    line
}

/// Replaces the default panic message with one `error:` line that says it is a bug. The
/// message is the panic's own text: values that hold a credential print it redacted through
/// `Debug`, and no panic message formats a credential itself.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = match (
            info.payload().downcast_ref::<&str>(),
            info.payload().downcast_ref::<String>(),
        ) {
            (Some(text), _) => *text,
            (_, Some(text)) => text.as_str(),
            _ => "a panic without a message",
        };
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        // Nothing useful can be done if stderr itself is gone.
        let _ = writeln!(
            std::io::stderr().lock(),
            "error: internal error (a bug, please report it): {}{place}",
            crate::output::sanitize(message)
        );
    }));
}

/// Reports `error` (one line on stderr, details at debug level) and picks the exit code.
pub fn report(error: &Error) -> ExitCode {
    if is_broken_pipe(error) {
        return ExitCode::from(SUCCESS);
    }
    tracing::debug!(error = ?error, "command failed");
    // Names in messages come from servers and files: no control character reaches the terminal.
    // Nothing useful can be done if stderr itself is gone.
    let _ = writeln!(
        std::io::stderr().lock(),
        "error: {}",
        crate::output::sanitize(&chain(error))
    );
    ExitCode::from(code(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_joins_sources_once() {
        let error = Error::io("cannot read token file t", std::io::Error::other("denied"));
        assert_eq!(chain(&error), "cannot read token file t: denied");
        let setup = Error::setup("the token is invalid", std::io::Error::other("no colon"));
        assert_eq!(chain(&setup), "the token is invalid: no colon");
    }

    #[test]
    fn codes() {
        assert_eq!(code(&Error::Cancelled), CANCELLED);
        assert_eq!(code(&Error::Config("x".into())), FAILURE);
        let refused = connector_sdk::ConnectorError::new(ErrorKind::Unauthenticated, "refused");
        assert_eq!(code(&Error::Validate(refused)), UNAUTHENTICATED);
        let denied = connector_sdk::Error::Connector {
            context: "listing".into(),
            source: connector_sdk::ConnectorError::new(ErrorKind::PermissionDenied, "no"),
        };
        assert_eq!(code(&Error::Sync(denied)), PERMISSION_DENIED);
        let provision = |kind| Error::Provision {
            action: "grant",
            source: connector_sdk::ConnectorError::new(kind, "no"),
        };
        assert_eq!(
            code(&provision(ErrorKind::PermissionDenied)),
            PERMISSION_DENIED
        );
        assert_eq!(
            code(&provision(ErrorKind::Unauthenticated)),
            UNAUTHENTICATED
        );
        assert_eq!(code(&provision(ErrorKind::FailedPrecondition)), FAILURE);
        assert_eq!(code(&Error::Usage("x".into())), USAGE);
        assert_eq!(code(&Error::Drift("x".into())), DRIFT);
    }

    #[test]
    fn broken_pipe_is_found_in_the_chain() {
        let error = Error::io(
            "writing",
            std::io::Error::from(std::io::ErrorKind::BrokenPipe),
        );
        assert!(is_broken_pipe(&error));
        assert!(!is_broken_pipe(&Error::Cancelled));
    }
}
