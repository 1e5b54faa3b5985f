//! `serve`: baton's connector protocol (`c1.connector.v2` gRPC) for a baton host, from
//! `connector-grpc`.
//!
//! Two ways to run: on `--listen` (plain gRPC on a loopback address only, mutual TLS anywhere),
//! stopping at Ctrl-C or SIGTERM; or as baton's subprocess, when
//! `BATON_CONNECTOR_SERVICE_LISTENER_FD` is set: the inherited listener, the mutual TLS of the
//! configuration baton writes on standard input, stopping when standard input closes. That mode
//! refuses `--tls-*` (baton brings the TLS material) and a secret read from standard input
//! (`--…-file -`: standard input is baton's).

use std::io::Write;
use std::sync::Arc;

use connector_grpc::{Options, RateLimiter, Services, Tls, TlsFile, serve, subprocess};
use connector_sdk::Connector;

use crate::cli::ServeArgs;
use crate::error::{Error, Result};
use crate::program::Program;
use crate::settings::Values;
use crate::settings::standard::Settings;

/// The command.
pub(crate) async fn main(
    program: &dyn Program,
    values: &Values,
    settings: &Settings,
    args: &ServeArgs,
) -> Result<()> {
    let inherited = std::env::var(subprocess::LISTENER_FD_ENV)
        .ok()
        .filter(|fd| !fd.trim().is_empty());
    let own = program.settings();
    // Everything the arguments can get wrong is refused before the connector is built, and
    // before anything listens or is printed.
    let tls = match inherited {
        Some(_) => {
            subprocess_fits(args, values, &own)?;
            None
        }
        None => own_tls(args)?,
    };
    values.check_required(&own)?;
    let connector: Arc<dyn Connector> = Arc::from(crate::program::connector(program, values)?);
    let options = Options {
        provisioning: settings.provisioning,
        session_max_bytes: settings.session_max_bytes,
    };
    let services = Services::new(Arc::clone(&connector), options);
    if let Some(health) = &settings.health_check {
        crate::health::start(health, connector, services.cancellation()).await?;
    }
    let served = match inherited {
        Some(fd) => {
            let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
            let handover = subprocess::handover(&fd, &mut stdin)
                .await
                .map_err(Error::Serve)?;
            let addr = handover.listener.local_addr().ok();
            tracing::info!(
                ?addr,
                provisioning = options.provisioning,
                rate_limiter = ?handover.rate_limiter,
                "serving baton's connector protocol to the parent process"
            );
            serve(
                services,
                handover.rate_limiter,
                handover.listener,
                Some(handover.tls),
                subprocess::closed(stdin),
            )
            .await
        }
        None => {
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .map_err(|e| Error::io(format!("cannot listen on {}", args.listen), e))?;
            let addr = listener
                .local_addr()
                .map_err(|e| Error::io("cannot read the address listened on", e))?;
            // The one line a host reads to learn the port.
            let mut out = std::io::stdout().lock();
            writeln!(out, "{addr}")
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("cannot write the address to standard output", e))?;
            drop(out);
            tracing::info!(%addr, tls = tls.is_some(), provisioning = options.provisioning, "serving baton's connector protocol");
            let stop = async {
                // A signal handler that cannot be installed leaves only the host to stop us.
                if super::sync::wait_for_signal().await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            // baton's parent asks a RateLimiterService around every call; here no one
            // configures one, so it answers at once.
            serve(services, RateLimiter::default(), listener, tls, stop).await
        }
    };
    served.map_err(|e| stopped(&e))
}

/// The error of a server that stopped, with every cause: tonic's own text is only "transport
/// error".
fn stopped(error: &(dyn std::error::Error + 'static)) -> Error {
    Error::Serve(format!("serving stopped: {}", crate::exit::chain(error)))
}

/// Refuses what baton's subprocess mode cannot honour: TLS files (baton's configuration brings
/// the TLS material, so they would be ignored), and a setting read from standard input, which
/// carries baton's configuration (reading the setting first would consume it).
fn subprocess_fits(
    args: &ServeArgs,
    values: &Values,
    settings: &[crate::settings::Setting],
) -> Result<()> {
    let env = subprocess::LISTENER_FD_ENV;
    if args.tls_ca.is_some() || args.tls_cert.is_some() || args.tls_key.is_some() {
        return Err(Error::Usage(format!(
            "--tls-ca, --tls-cert and --tls-key do not apply when {env} is set: baton's \
             server configuration on standard input brings the mutual-TLS material; leave them \
             out, or unset {env} to serve on --listen with them"
        )));
    }
    if let Some(flag) = values.reads_stdin(settings) {
        return Err(Error::Config(format!(
            "--{flag} - reads standard input, which carries baton's server configuration when \
             {env} is set: give the file that holds the secret instead of -"
        )));
    }
    Ok(())
}

/// The mutual TLS the arguments ask for, checked as the server will use it, and the refusal of
/// plain gRPC beyond loopback.
fn own_tls(args: &ServeArgs) -> Result<Option<Tls>> {
    match (&args.tls_ca, &args.tls_cert, &args.tls_key) {
        (Some(ca), Some(cert), Some(key)) => {
            Tls::from_pem_files(ca, cert, key).map(Some).map_err(|e| {
                let flag = match e.file() {
                    Some(TlsFile::Ca) => "--tls-ca",
                    Some(TlsFile::Cert) => "--tls-cert",
                    Some(TlsFile::Key) | None => "--tls-key",
                };
                Error::Config(format!("{flag}: {e}"))
            })
        }
        _ if !args.listen.ip().is_loopback() => Err(Error::Usage(format!(
            "--listen {} is not a loopback address: serving there needs mutual TLS (--tls-ca, \
             --tls-cert and --tls-key), or listen on 127.0.0.1",
            args.listen
        ))),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_server_s_error_carries_its_causes() {
        let cause = std::io::Error::other("the listener was closed");
        let outer = Error::io("accepting a connection", cause);
        assert_eq!(
            stopped(&outer).to_string(),
            "serving stopped: accepting a connection: the listener was closed"
        );
    }
}
