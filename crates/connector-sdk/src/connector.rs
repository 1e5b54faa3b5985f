//! The `Connector`: metadata, validation, and the syncers of its resource types.

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::ConnectorError;
use crate::syncer::ResourceSyncer;

/// What a connector says about itself (`c1.connector.v2.ConnectorMetadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Name shown to people, e.g. `PlanetScale`.
    pub display_name: String,
    /// What the connector syncs.
    pub description: String,
}

/// A connector: everything the engine needs to sync one system.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Name and description.
    fn metadata(&self) -> Metadata;

    /// Checks credentials and access before any sync; an error here stops the sync before it
    /// writes anything.
    async fn validate(&self) -> Result<(), ConnectorError>;

    /// One syncer per resource type, in the order the engine lists them.
    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>>;
}
