//! Items of completed calls on their way to the store, in batches of `batch_size`, and the
//! order a checkpoint writes in: the buffered items, then the session's new entries, then the
//! state, so neither the data nor the session is ever older than the checkpoint.

use crate::error::Result;
use crate::model::{Entitlement, Grant, Resource};
use crate::session::SessionCache;
use crate::store::Store;

/// Items of completed calls not yet written.
#[derive(Default)]
pub(super) struct Buffers {
    pub(super) resources: Vec<Resource>,
    pub(super) entitlements: Vec<Entitlement>,
    pub(super) grants: Vec<Grant>,
}

impl Buffers {
    /// Writes full batches.
    pub(super) async fn flush_full(&mut self, store: &dyn Store, size: usize) -> Result<()> {
        while self.resources.len() >= size {
            let batch = self.resources.drain(..size).collect();
            store.put_resources(batch).await?;
        }
        while self.entitlements.len() >= size {
            let batch = self.entitlements.drain(..size).collect();
            store.put_entitlements(batch).await?;
        }
        while self.grants.len() >= size {
            let batch = self.grants.drain(..size).collect();
            store.put_grants(batch).await?;
        }
        Ok(())
    }

    /// Writes everything buffered, in batches.
    pub(super) async fn flush_all(&mut self, store: &dyn Store, size: usize) -> Result<()> {
        self.flush_full(store, size).await?;
        if !self.resources.is_empty() {
            store
                .put_resources(std::mem::take(&mut self.resources))
                .await?;
        }
        if !self.entitlements.is_empty() {
            store
                .put_entitlements(std::mem::take(&mut self.entitlements))
                .await?;
        }
        if !self.grants.is_empty() {
            store.put_grants(std::mem::take(&mut self.grants)).await?;
        }
        Ok(())
    }

    /// Flushes the buffers, saves the session's new entries, then the state `json`.
    pub(super) async fn checkpoint(
        &mut self,
        store: &dyn Store,
        size: usize,
        session: &SessionCache,
        json: &str,
    ) -> Result<()> {
        self.flush_all(store, size).await?;
        save_session(store, session).await?;
        store.checkpoint(json).await?;
        Ok(())
    }
}

/// Saves the session cache's entries written since the last save.
pub(super) async fn save_session(store: &dyn Store, session: &SessionCache) -> Result<()> {
    let entries = session.take_dirty();
    if !entries.is_empty() {
        store.save_session(entries).await?;
    }
    Ok(())
}
