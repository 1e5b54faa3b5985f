//! The `Store` trait: where a sync's output goes, and where its checkpoints live.
//!
//! The engine calls it in this order: [`begin_sync`](Store::begin_sync) once; then the `put_*`
//! methods in batches, interleaved with [`checkpoint`](Store::checkpoint) and
//! [`save_session`](Store::save_session); then [`end_sync`](Store::end_sync) once on success.
//! A sync that stops without `end_sync` (error, cancellation, crash) stays resumable: the next
//! `begin_sync` returns its id and last checkpoint.
//!
//! Writes are upserts keyed by baton's external id (resource `<type>:<id>`, entitlement id,
//! grant id) within the sync, so replaying a page after a resume never duplicates a row.

use async_trait::async_trait;

use crate::error::StoreError;
use crate::model::{Entitlement, Grant, Resource, ResourceType};

/// How a sync started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStart {
    /// The sync's id (a KSUID in `.c1z` files).
    pub sync_id: String,
    /// The last checkpoint of the unfinished sync being resumed, `None` for a new sync.
    pub checkpoint: Option<String>,
    /// The session cache entries saved by the sync being resumed.
    pub session: Vec<(String, Vec<u8>)>,
}

/// What a sync covers, as baton records it (`v1_sync_runs.sync_type`), so that readers can tell
/// a sync of some resource types from one of all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyncType {
    /// Every resource type of the connector: baton's `full`.
    #[default]
    Full,
    /// Only the resource types of a filter (`SyncOptions::resource_types`): baton's `partial`.
    /// What it lacks is not synced, not removed.
    Partial,
}

impl SyncType {
    /// baton's name: `full` or `partial`.
    pub fn as_baton_str(self) -> &'static str {
        match self {
            SyncType::Full => "full",
            SyncType::Partial => "partial",
        }
    }
}

/// Where a sync writes. Implemented by `MemoryStore` here and by `c1z::C1zWriter`.
#[async_trait]
pub trait Store: Send + Sync {
    /// Starts a new sync, or resumes the unfinished one this store holds.
    async fn begin_sync(&self) -> Result<SyncStart, StoreError>;

    /// Starts a new sync of `sync_type`, or resumes the unfinished sync of that type this store
    /// holds. The engine starts every sync with this; the default, for stores that keep no sync
    /// type, is [`begin_sync`](Store::begin_sync).
    async fn begin_sync_of(&self, sync_type: SyncType) -> Result<SyncStart, StoreError> {
        let _ = sync_type;
        self.begin_sync().await
    }

    /// Writes resource types.
    async fn put_resource_types(&self, items: Vec<ResourceType>) -> Result<(), StoreError>;

    /// Writes resources.
    async fn put_resources(&self, items: Vec<Resource>) -> Result<(), StoreError>;

    /// Writes entitlements.
    async fn put_entitlements(&self, items: Vec<Entitlement>) -> Result<(), StoreError>;

    /// Writes grants.
    async fn put_grants(&self, items: Vec<Grant>) -> Result<(), StoreError>;

    /// Resources of `resource_type` written in the current sync, in write order; the engine
    /// reads them back to fan out entitlement and grant calls (also after a resume).
    async fn resources(&self, resource_type: &str) -> Result<Vec<Resource>, StoreError>;

    /// Ids of the entitlements written in the current sync, or `None` when the store cannot
    /// tell. A resumed sync uses them to check that grants refer to known entitlements; with
    /// `None` that check is skipped for the rest of a resumed sync.
    async fn entitlement_ids(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(None)
    }

    /// Saves the engine's opaque checkpoint state. Everything written before this call must be
    /// durable when it returns.
    async fn checkpoint(&self, state: &str) -> Result<(), StoreError>;

    /// Saves session cache entries (`SessionCache::take_dirty`).
    async fn save_session(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), StoreError>;

    /// Marks the sync finished and makes the output final.
    async fn end_sync(&self) -> Result<(), StoreError>;
}
