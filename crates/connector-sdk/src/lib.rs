//! Build baton-compatible identity-governance connectors in Rust.
//!
//! A connector describes each resource type it syncs with a [`ResourceSyncer`]; the engine
//! ([`sync`]) walks resource types, resources, entitlements and grants in baton's order and
//! writes them to a [`Store`]. This crate knows nothing of any particular system, of HTTP or of
//! SQLite; the `c1z` crate provides the `.c1z` file store.

mod annotations;
mod connector;
mod error;
pub mod ids;
mod model;
mod session;
mod store;
mod syncer;
mod value;

pub use annotations::{
    AccountType, Annotation, Annotations, AppTrait, Email, GroupTrait, RateLimitDescription,
    RoleTrait, SecretTrait, StructuredName, UserTrait,
};
pub use connector::{Connector, Metadata};
pub use error::{ConnectorError, Error, ErrorKind, Result, StoreError};
pub use model::{
    AssetRef, Entitlement, ExternalId, Grant, GrantSources, Purpose, Resource, ResourceId,
    ResourceType, Status, StatusKind, Timestamp, Trait,
};
pub use session::SessionCache;
pub use store::{Store, SyncStart};
pub use syncer::{CallContext, GetContext, ListContext, Page, ResourceContext, ResourceSyncer};
pub use value::{Profile, Value};

/// Re-exported so connectors can name the cancellation type without depending on tokio-util.
pub use tokio_util::sync::CancellationToken;
