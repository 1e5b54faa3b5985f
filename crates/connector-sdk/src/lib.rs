//! Build baton-compatible identity-governance connectors in Rust.
//!
//! A connector describes each resource type it syncs with a [`ResourceSyncer`]; the engine
//! ([`sync`]) walks resource types, resources, entitlements and grants in baton's order, writes
//! them to a [`Store`] (a [`MemoryStore`] here, a `.c1z` file with the `c1z` crate), and expands
//! the grants that say so ([`Annotation::GrantExpandable`]) as baton does. This crate knows
//! nothing of any particular system, of HTTP or of SQLite.
//!
//! ```
//! use std::sync::Arc;
//!
//! use connector_sdk::{
//!     Connector, ConnectorError, ListContext, MemoryStore, Page, Resource, ResourceSyncer,
//!     ResourceType, SyncOptions, async_trait,
//! };
//!
//! struct Projects;
//!
//! #[async_trait]
//! impl ResourceSyncer for Projects {
//!     fn resource_type(&self) -> ResourceType {
//!         ResourceType::new("project", "Project", &[])
//!     }
//!     async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
//!         let rt = self.resource_type();
//!         Ok(Page::last(vec![Resource::new(&rt, "p1", "Apollo")]))
//!     }
//! }
//!
//! struct Demo;
//!
//! #[async_trait]
//! impl Connector for Demo {
//!     fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
//!         vec![Arc::new(Projects)]
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> connector_sdk::Result<()> {
//! let store = MemoryStore::new();
//! let summary = connector_sdk::sync(&Demo, &store, SyncOptions::default()).await?;
//! assert_eq!(summary.resources(), 1);
//! assert_eq!(store.all_resources()[0].display_name, "Apollo");
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod annotations;
mod capabilities;
mod connector;
mod engine;
mod error;
pub mod events;
pub mod ids;
mod listed;
mod memory;
mod model;
pub mod paging;
pub mod prelude;
pub mod provision;
mod session;
mod store;
mod syncer;
#[cfg(feature = "testing")]
pub mod testing;
mod value;

pub use annotations::{
    AccountType, Annotation, Annotations, AppTrait, Email, GroupTrait, RateLimitDescription,
    RoleTrait, SecretTrait, StructuredName, UserTrait,
};
pub use capabilities::{Capabilities, Capability, ResourceTypeCapabilities, capabilities};
pub use connector::{Check, CheckStatus, Connector, Metadata, Usage, ValidationReport};
pub use engine::{
    EngineRetry, Event, ExpansionSummary, Observer, Phase, SyncOptions, SyncSummary, TypeCounts,
    WarningPolicy, sync,
};
pub use error::{ConnectorError, Error, ErrorContext, ErrorKind, Result, StoreError};
pub use listed::ListedSyncer;
pub use memory::MemoryStore;
pub use model::{
    AssetRef, Entitlement, ExternalId, Grant, GrantSources, Purpose, Resource, ResourceId,
    ResourceType, Status, StatusKind, Timestamp, Trait,
};
pub use session::{DEFAULT_SESSION_MAX_BYTES, SessionCache};
pub use store::{ExpandableGrant, Store, StorePage, SyncStart, SyncType};
pub use syncer::{CallContext, GetContext, ListContext, Page, ResourceContext, ResourceSyncer};
pub use value::{Profile, Value};

/// Re-exported so that a connector implements [`ResourceSyncer`] and [`Connector`] with
/// `#[connector_sdk::async_trait]`, without a dependency of its own on `async-trait`.
pub use async_trait::async_trait;

/// Re-exported so connectors can name the cancellation type without depending on tokio-util.
pub use tokio_util::sync::CancellationToken;
