//! baton's subprocess mode: how baton-sdk runs a connector as a child process.
//!
//! The parent opens a loopback listener and passes it as descriptor 3, named by
//! [`LISTENER_FD_ENV`]; it writes one line on the child's standard input, the base64 of a
//! `c1.connector_wrapper.v1.ServerConfig` (the port of that listener, a CA, certificate and
//! Ed25519 key for mutual TLS, and the rate limiter the child serves it); it keeps standard
//! input open while it wants the child, and closing it is the signal to stop.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use prost::Message;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt};

use crate::pb::c1::connector_wrapper::v1::ServerConfig;
use crate::ratelimit::RateLimiter;
use crate::tls::Tls;

/// The environment variable that names the inherited listener's descriptor.
pub const LISTENER_FD_ENV: &str = "BATON_CONNECTOR_SERVICE_LISTENER_FD";

/// The longest configuration line read: a ServerConfig is a few hundred bytes.
const MAX_CONFIG_LINE: u64 = 64 * 1024;

/// What the parent handed over: the listener to serve on and the TLS to serve with.
#[derive(Debug)]
pub struct Handover {
    /// The inherited listener.
    pub listener: tokio::net::TcpListener,
    /// Mutual TLS with the parent's CA.
    pub tls: Tls,
    /// The rate limiter the parent asked for (`rate_limiter_config`), which it asks around
    /// every call.
    pub rate_limiter: RateLimiter,
}

/// Takes the listener at descriptor `fd` and reads the configuration line from `stdin`.
/// Errors say what is wrong and never hold key material.
pub async fn handover<R: AsyncBufRead + Unpin>(
    fd: &str,
    stdin: &mut R,
) -> Result<Handover, String> {
    let mut line = String::new();
    stdin
        .take(MAX_CONFIG_LINE)
        .read_line(&mut line)
        .await
        .map_err(|e| {
            format!("cannot read baton's server configuration from standard input: {e}")
        })?;
    let bytes = STANDARD.decode(line.trim()).map_err(|_| {
        "standard input does not start with baton's server configuration (one base64 line)"
            .to_owned()
    })?;
    let config = ServerConfig::decode(bytes.as_slice())
        .map_err(|_| "baton's server configuration on standard input does not decode".to_owned())?;
    let rate_limiter = RateLimiter::from_config(config.rate_limiter_config.as_ref())?;
    let credential = config
        .credential
        .ok_or("baton's server configuration has no TLS credential")?;
    let tls = Tls::from_baton(&credential).map_err(|e| e.to_string())?;
    let listener = crate::inherited::take_listener(fd)?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("the inherited listener has no address: {e}"))?
        .port();
    if u32::from(port) != config.listen_port {
        return Err(format!(
            "listen port mismatch: the inherited listener is on port {port}, baton's \
             configuration says {}",
            config.listen_port
        ));
    }
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| format!("cannot use the inherited listener: {e}"))?;
    Ok(Handover {
        listener,
        tls,
        rate_limiter,
    })
}

/// Completes when `stdin` ends (or fails): the parent's signal to stop.
pub async fn closed<R: AsyncRead + Unpin>(mut stdin: R) {
    let mut buf = [0u8; 512];
    while let Ok(n) = stdin.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::c1::ratelimit::v1::{
        ExternalLimiter, FixedMemoryLimiter, RateLimiterConfig, rate_limiter_config::Type,
    };

    /// What `handover` says of a configuration line holding `config`.
    async fn refusal(config: ServerConfig) -> String {
        let line = format!("{}\n", STANDARD.encode(config.encode_to_vec()));
        handover("3", &mut line.as_bytes()).await.unwrap_err()
    }

    #[tokio::test]
    async fn the_rate_limiter_configuration_is_read_and_what_baton_cannot_run_refused() {
        let with = |r#type| ServerConfig {
            rate_limiter_config: Some(RateLimiterConfig {
                r#type: Some(r#type),
            }),
            ..Default::default()
        };
        let external = refusal(with(Type::External(ExternalLimiter::default()))).await;
        assert!(external.contains("external limiter"), "{external}");
        // A limiter baton runs is taken: the next thing missing is the credential.
        let fixed = with(Type::FixedMem(FixedMemoryLimiter {
            rate: 5,
            period: None,
        }));
        assert_eq!(
            refusal(fixed).await,
            "baton's server configuration has no TLS credential"
        );
    }
}
