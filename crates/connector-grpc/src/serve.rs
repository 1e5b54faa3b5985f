//! [`serve`]: every service on one listener.

use std::future::Future;
use std::sync::Arc;

use tonic::transport::server::TcpIncoming;

use crate::pb::v2;
use crate::ratelimit::RateLimiter;
use crate::services::Services;
use crate::tls::Tls;

/// Serves `services` and `rate_limiter` (baton's `RateLimiterService`, which baton's parent
/// asks around every call) on `listener` — with mutual TLS when `tls` is given — until
/// `shutdown` completes; then connector calls still running are cancelled and the server stops.
pub async fn serve(
    services: Services,
    rate_limiter: RateLimiter,
    listener: tokio::net::TcpListener,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls.config)?;
    }
    let cancel = services.cancellation();
    let shutdown = async move {
        shutdown.await;
        cancel.cancel();
    };
    // Without TCP_NODELAY a small response can wait for the client's delayed ACK (Nagle's
    // algorithm): tens of milliseconds a call under baton's many small requests. The builder's
    // own `tcp_nodelay` applies only to listeners it binds itself.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let limiter = Arc::new(rate_limiter).service(services.cancellation());
    let s = services;
    builder
        .add_service(v2::connector_service_server::ConnectorServiceServer::new(
            s.clone(),
        ))
        .add_service(v2::resource_types_service_server::ResourceTypesServiceServer::new(s.clone()))
        .add_service(v2::resources_service_server::ResourcesServiceServer::new(
            s.clone(),
        ))
        .add_service(
            v2::resource_getter_service_server::ResourceGetterServiceServer::new(s.clone()),
        )
        .add_service(v2::entitlements_service_server::EntitlementsServiceServer::new(s.clone()))
        .add_service(v2::grants_service_server::GrantsServiceServer::new(
            s.clone(),
        ))
        .add_service(v2::grant_manager_service_server::GrantManagerServiceServer::new(s.clone()))
        .add_service(
            v2::account_manager_service_server::AccountManagerServiceServer::new(s.clone()),
        )
        .add_service(v2::asset_service_server::AssetServiceServer::new(s.clone()))
        .add_service(v2::event_service_server::EventServiceServer::new(s))
        .add_service(limiter)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}
