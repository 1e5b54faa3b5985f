//! The running server: binding, the accept loop, and the handle tests hold.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::api::{self, Reset};
use crate::control;
use crate::state::Shared;
use crate::{Dataset, FakeConfig, FaultRule, Latency, RateLimitConfig, RequestRecord, Stats};

/// A fake PlanetScale API running on 127.0.0.1. Shuts down when dropped or on
/// [`FakeServer::shutdown`].
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Binds 127.0.0.1 on `config.port` (0 picks a free port) and starts serving.
    ///
    /// Fails with `InvalidInput` when the dataset breaks [`Dataset::validate`] or a token id
    /// contains a colon, and with the bind error when the port is taken.
    pub async fn start(config: FakeConfig) -> std::io::Result<FakeServer> {
        let invalid =
            |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
        config
            .dataset
            .validate()
            .map_err(|e| invalid(e.to_string()))?;
        if let Some(token) = config.tokens.iter().find(|t| t.id.contains(':')) {
            let message = format!(
                "token id {:?} contains ':', which separates id and secret",
                token.id
            );
            return Err(invalid(message));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config, format!("http://{addr}")));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, shared.clone(), stopped));
        tracing::debug!(%addr, "fake PlanetScale listening");
        Ok(FakeServer {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The origin, `http://127.0.0.1:PORT`, without `/v1`.
    pub fn url(&self) -> String {
        self.shared.origin.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The data as now served, including changes made by faults.
    pub fn dataset(&self) -> Arc<Dataset> {
        self.shared.dataset()
    }

    /// Every API request served so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.requests()
    }

    /// How many API requests were served so far.
    pub fn request_count(&self) -> usize {
        self.shared.request_count()
    }

    /// Counts by status and endpoint over the requests served so far, and what the rate
    /// limit's other consumer got.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Forgets the requests served so far.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Replaces the active faults, with fresh counts.
    pub fn set_faults(&self, faults: Vec<FaultRule>) {
        self.shared.set_faults(faults);
    }

    /// Replaces the rate limit (`None` turns it off), with full buckets.
    pub fn set_rate_limit(&self, rate_limit: Option<RateLimitConfig>) {
        self.shared.set_rate_limit(rate_limit);
    }

    /// Replaces the latency added to each request.
    pub fn set_latency(&self, latency: Latency) {
        self.shared.set_latency(latency);
    }

    /// Stops accepting connections and waits (up to a few seconds) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeServer")
            .field("url", &self.shared.origin)
            .finish_non_exhaustive()
    }
}

/// Serves connections until told to stop. hyper is driven directly, rather than through
/// `axum::serve`, so that a service error can close a connection without a response.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    let control = control::router(shared.clone());
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, usually: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let control = control.clone();
        let service = service_fn(move |request| route(shared.clone(), control.clone(), request));
        let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(5), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("connections still open at shutdown were dropped");
    }
}

async fn route(
    shared: Arc<Shared>,
    control: Router,
    request: Request<Incoming>,
) -> Result<Response<Body>, Reset> {
    if request.uri().path().starts_with("/__fake/") {
        let response = control.oneshot(request.map(Body::new)).await;
        return Ok(response.unwrap_or_else(|never| match never {}));
    }
    api::handle(&shared, request.map(Body::new)).await
}
