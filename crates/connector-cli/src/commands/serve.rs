//! `serve`: baton's connector protocol (`c1.connector.v2` gRPC) for a baton host, from
//! `connector-grpc`.
//!
//! Two ways to run: on `--listen` (plain gRPC on a loopback address only, mutual TLS anywhere),
//! stopping at Ctrl-C or SIGTERM; or as baton's subprocess, when
//! `BATON_CONNECTOR_SERVICE_LISTENER_FD` is set: the inherited listener, the mutual TLS of the
//! configuration baton writes on standard input, stopping when standard input closes.

use std::io::Write;
use std::sync::Arc;

use connector_grpc::{Options, Services, Tls, serve, subprocess};
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
    // Everything the arguments can get wrong is refused before the connector is built.
    let tls = match inherited {
        Some(_) => None,
        None => own_tls(args)?,
    };
    values.check_required(&program.settings())?;
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
                "serving baton's connector protocol to the parent process"
            );
            serve(
                services,
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
            serve(services, listener, tls, stop).await
        }
    };
    served.map_err(|e| Error::Serve(format!("serving stopped: {e}")))
}

/// The mutual TLS the arguments ask for, and the refusal of plain gRPC beyond loopback.
fn own_tls(args: &ServeArgs) -> Result<Option<Tls>> {
    match (&args.tls_ca, &args.tls_cert, &args.tls_key) {
        (Some(ca), Some(cert), Some(key)) => Tls::from_pem_files(ca, cert, key)
            .map(Some)
            .map_err(|e| Error::Serve(e.to_string())),
        _ if !args.listen.ip().is_loopback() => Err(Error::Usage(format!(
            "--listen {} is not a loopback address: serving there needs mutual TLS (--tls-ca, \
             --tls-cert and --tls-key), or listen on 127.0.0.1",
            args.listen
        ))),
        _ => Ok(None),
    }
}
