//! A fake PlanetScale API server for tests, demos and benchmarks.
//!
//! It serves the read endpoints a governance connector uses (organizations, members, teams,
//! team members, service tokens, invitations) in the real wire format, from a seeded,
//! realistic [`Dataset`] or a JSON file, with PlanetScale's pagination envelope, service-token
//! auth (`Authorization: <id>:<token>`, 404 for a missing access), a per-token rate limit (a
//! token bucket or a rolling minute, with or without `Retry-After`, optionally shared with
//! another consumer: [`RateLimitConfig`]), latency and injected [`FaultRule`]s. It shares no
//! code with the client it tests.
//!
//! It also serves the writes a connector provisions with — a member's role, removing a member,
//! adding and removing team members, invitations — with state (a later read shows the change),
//! PlanetScale's refusals (roles the identity provider manages, the last admin, a managed team, a
//! service token inviting anything but a member), and [`FaultRule::LostAnswer`], which makes the
//! change and then loses its answer.
//!
//! ```no_run
//! use planetscale_fake::{DataSpec, FakeConfig, FakeServer, DEFAULT_TOKEN, DEFAULT_TOKEN_ID};
//!
//! # async fn example() -> std::io::Result<()> {
//! let server = FakeServer::start(FakeConfig::new(DataSpec::small().generate())).await?;
//! let url = format!("{}/v1/organizations", server.url());
//! let auth = format!("{DEFAULT_TOKEN_ID}:{DEFAULT_TOKEN}");
//! // ... point a client at `url` with `Authorization: auth` ...
//! assert_eq!(server.requests().iter().filter(|r| !r.authorized).count(), 0);
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Control endpoints (no auth): `GET /__fake/requests`, `DELETE /__fake/requests`,
//! `GET /__fake/stats`, `PUT /__fake/faults`, `PUT /__fake/rate-limit`, `GET /__fake/dataset`.

#![warn(missing_docs)]

mod api;
mod audit;
mod config;
mod control;
mod dataset;
mod endpoint;
mod error;
mod fault;
mod generate;
mod index;
mod limiter;
mod page;
mod record;
mod server;
mod state;
mod words;
mod writes;

pub use audit::{ACTOR_USER_HEADER, REMOTE_IP_HEADER, RETENTION_DAYS};
pub use config::{
    ALL_ACCESSES, DEFAULT_TOKEN, DEFAULT_TOKEN_ID, FakeConfig, Latency, RateLimitConfig,
    RateLimitModel, RetryAfterStyle, TokenConfig,
};
pub use dataset::{Dataset, OAuthAppData, OptionalLists, OrgData, TeamData};
pub use endpoint::EndpointKind;
pub use error::{Error, Result};
pub use fault::{DataChange, FaultMatch, FaultRule, RepeatStyle, Times};
pub use generate::{DataSpec, TeamSizes};
pub use page::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
pub use record::{OtherConsumer, RequestRecord, Stats};
pub use server::FakeServer;
