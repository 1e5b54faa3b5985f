//! baton's `c1.connector.v2` gRPC services over any [`connector_sdk`] connector: what a baton
//! host — baton-sdk's syncer, ConductorOne's platform — drives.
//!
//! [`Services`] answers every call from the same [`ResourceSyncer`](connector_sdk::ResourceSyncer)s
//! and provisioning traits the SDK's own engine uses:
//!
//! | service | methods |
//! |---|---|
//! | `ConnectorService` | `GetMetadata` (name, description, capabilities), `Validate` (the connector's validation; `sdk_version` is baton-sdk's whose protocol this is), `Cleanup` (drops the sync's session cache) |
//! | `ResourceTypesService` | `ListResourceTypes` |
//! | `ResourcesService`, `ResourceGetterService` | `ListResources`, `GetResource` (targeted sync) |
//! | `EntitlementsService` | `ListEntitlements`, `ListStaticEntitlements` |
//! | `GrantsService` | `ListGrants` |
//! | `GrantManagerService`, `AccountManagerService` | `Grant`, `Revoke`, `CreateAccount`: only with [`Options::provisioning`], else `FailedPrecondition` as baton answers |
//! | `AssetService` | `GetAsset`: an empty stream (no connector here serves assets) |
//! | `RateLimiterService` (`c1.ratelimit.v1`) | `Do`, `Report`: the [`RateLimiter`] baton's parent asks before and after every unary call, built from the subprocess's configuration (no limit by default): the request's token back with `STATUS_EMPTY` after the configured wait, as baton's child answers |
//! | `EventService` | `ListEventFeeds`, `ListEvents`: the connector's [`EventFeed`](connector_sdk::events::EventFeed) (redacted), as baton's builder serves one feed; without a feed none and `NotFound`, as baton answers ([`events`]) |
//!
//! Pages and page tokens are the syncers'; each `active_sync_id` has its part of one session
//! cache until that sync's `Cleanup`, so a connector's "every page fetched once" holds under
//! baton's syncer too, within the cache's bound ([`Options::session_max_bytes`], baton's
//! `--session-store-maximum-size`, shared by all syncs as baton's one cache is). A page's independent tokens (`Page::enqueue`) become baton's `EnqueuePageTokens`
//! annotation on entitlement and grant listings; baton does not read that annotation on resource
//! listings, so there they are chained into the page tokens ([`tokens`]). Errors become the gRPC
//! status codes baton maps the same failures to, an `Unavailable` one with a
//! `RateLimitDescription` detail when the connector says when to retry ([`status`]).
//!
//! [`serve`] runs the services on a listener, plain or with mutual TLS ([`Tls`]);
//! [`subprocess`] is baton's way of running a connector as a child process (the listener inherited
//! as a file descriptor, the TLS material on standard input).

#![warn(missing_docs)]

mod ahead;
mod connector;
pub mod events;
mod inherited;
mod listing;
mod provisioning;
mod ratelimit;
mod serve;
mod services;
pub mod status;
pub mod subprocess;
mod tls;
pub mod tokens;
pub mod wire;

pub use ratelimit::RateLimiter;
pub use serve::serve;
pub use services::{Options, Services};
pub use tls::{Tls, TlsError, TlsFile};

/// The baton-sdk version whose protocol this server speaks, reported by `Validate`. baton's
/// syncer sends `active_sync_id` to connectors of 0.4.3 and later.
pub const BATON_SDK_VERSION: &str = "0.25.0";

/// The messages and services generated from `proto/` (the model's messages are
/// `connector_proto::pb`'s).
#[allow(
    missing_docs,
    missing_debug_implementations,
    clippy::all,
    rustdoc::all,
    reason = "generated code"
)]
pub mod pb {
    /// baton's packages (`c1.*`), nested as prost's generated paths expect.
    pub mod c1 {
        /// `c1.connector`.
        pub mod connector {
            /// `c1.connector.v2`: the services and their envelopes.
            pub mod v2 {
                tonic::include_proto!("c1.connector.v2");
                pub use crate::wire::{
                    EntitlementsServiceListEntitlementsResponse,
                    EntitlementsServiceListStaticEntitlementsResponse,
                    GrantsServiceListGrantsResponse,
                };
            }
        }
        /// `c1.connector_wrapper`.
        pub mod connector_wrapper {
            /// `c1.connector_wrapper.v1`: what baton writes on a subprocess's standard input.
            pub mod v1 {
                tonic::include_proto!("c1.connector_wrapper.v1");
            }
        }
        /// `c1.ratelimit`.
        pub mod ratelimit {
            /// `c1.ratelimit.v1`: the rate limiter a subprocess serves its parent, and its
            /// configuration.
            pub mod v1 {
                tonic::include_proto!("c1.ratelimit.v1");
            }
        }
        /// `c1.utls`.
        pub mod utls {
            /// `c1.utls.v1`: baton's mutual-TLS material.
            pub mod v1 {
                tonic::include_proto!("c1.utls.v1");
            }
        }
    }
    /// `google.*`.
    pub mod google {
        /// `google.rpc`: the status a gRPC error's details travel in.
        pub mod rpc {
            tonic::include_proto!("google.rpc");
        }
    }
    pub use c1::connector::v2;
}
