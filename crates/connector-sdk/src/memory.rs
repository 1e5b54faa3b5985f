//! `MemoryStore`: a [`Store`] that keeps one sync in memory, for embedding and tests.
//!
//! Writes are upserts keyed by baton's external id (resource `<type>:<id>`, entitlement id,
//! grant id); an upsert replaces the item in place, so items keep the order they were first
//! written in. Clones share the same contents; [`MemoryStore::fork`] makes an independent copy.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use crate::error::StoreError;
use crate::model::{Entitlement, Grant, Resource, ResourceType};
use crate::store::{Store, SyncStart};

/// An in-memory [`Store`] holding one sync. A `begin_sync` after an unfinished sync resumes it
/// (returning its last checkpoint and session); after a finished one it starts afresh.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<Contents>>,
}

#[derive(Clone, Debug, Default)]
struct Contents {
    syncs_started: u64,
    sync_id: Option<String>,
    ended: bool,
    resource_types: Upserts<ResourceType>,
    resources: Upserts<Resource>,
    entitlements: Upserts<Entitlement>,
    grants: Upserts<Grant>,
    checkpoint: Option<String>,
    checkpoints: u64,
    session: BTreeMap<String, Vec<u8>>,
    puts: u64,
    fail_after_puts: Option<u64>,
}

/// Items in first-write order, replaced in place by key.
#[derive(Clone, Debug)]
struct Upserts<T> {
    items: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for Upserts<T> {
    fn default() -> Self {
        Upserts {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T> Upserts<T> {
    fn upsert(&mut self, key: String, item: T) {
        match self.index.get(&key) {
            Some(&i) => self.items[i] = item,
            None => {
                self.index.insert(key, self.items.len());
                self.items.push(item);
            }
        }
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An independent copy of this store's contents (a clone shares them).
    pub fn fork(&self) -> Self {
        MemoryStore {
            inner: Arc::new(Mutex::new(self.lock().clone())),
        }
    }

    /// Makes every `put_*` call after the next `n` ones fail, as if the process had died there:
    /// what was checkpointed stays, and the next sync resumes from it. `fail_after_puts(0)`
    /// fails the very next write.
    pub fn fail_after_puts(&self, n: u64) {
        let mut contents = self.lock();
        contents.fail_after_puts = Some(contents.puts + n);
    }

    /// Lets writes succeed again after [`fail_after_puts`](Self::fail_after_puts).
    pub fn clear_failure(&self) {
        self.lock().fail_after_puts = None;
    }

    /// The id of the current (or last) sync.
    pub fn sync_id(&self) -> Option<String> {
        self.lock().sync_id.clone()
    }

    /// Whether the current sync ended (`end_sync` was called).
    pub fn is_ended(&self) -> bool {
        self.lock().ended
    }

    /// Resource types written, in first-write order.
    pub fn resource_types(&self) -> Vec<ResourceType> {
        self.lock().resource_types.items.clone()
    }

    /// Every resource written, in first-write order.
    pub fn all_resources(&self) -> Vec<Resource> {
        self.lock().resources.items.clone()
    }

    /// Entitlements written, in first-write order.
    pub fn entitlements(&self) -> Vec<Entitlement> {
        self.lock().entitlements.items.clone()
    }

    /// Grants written, in first-write order.
    pub fn grants(&self) -> Vec<Grant> {
        self.lock().grants.items.clone()
    }

    /// The last checkpoint saved.
    pub fn last_checkpoint(&self) -> Option<String> {
        self.lock().checkpoint.clone()
    }

    /// Checkpoints saved in the current sync.
    pub fn checkpoints(&self) -> u64 {
        self.lock().checkpoints
    }

    /// The session entries saved in the current sync.
    pub fn session(&self) -> BTreeMap<String, Vec<u8>> {
        self.lock().session.clone()
    }

    /// Successful `put_*` calls so far, across syncs.
    pub fn puts(&self) -> u64 {
        self.lock().puts
    }

    fn lock(&self) -> MutexGuard<'_, Contents> {
        // A panic while holding this lock leaves only plain data behind; keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn put(&self, write: impl FnOnce(&mut Contents)) -> Result<(), StoreError> {
        let mut contents = self.lock();
        if contents.sync_id.is_none() || contents.ended {
            return Err(StoreError::new(
                "no sync in progress: call begin_sync first",
            ));
        }
        if contents
            .fail_after_puts
            .is_some_and(|limit| contents.puts >= limit)
        {
            return Err(StoreError::new(
                "simulated store failure (MemoryStore::fail_after_puts)",
            ));
        }
        contents.puts += 1;
        write(&mut contents);
        Ok(())
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn begin_sync(&self) -> Result<SyncStart, StoreError> {
        let mut contents = self.lock();
        if let (Some(sync_id), false) = (&contents.sync_id, contents.ended) {
            return Ok(SyncStart {
                sync_id: sync_id.clone(),
                checkpoint: contents.checkpoint.clone(),
                session: contents
                    .session
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            });
        }
        let syncs_started = contents.syncs_started + 1;
        let (puts, fail_after_puts) = (contents.puts, contents.fail_after_puts);
        *contents = Contents {
            syncs_started,
            sync_id: Some(format!("memory-sync-{syncs_started}")),
            puts,
            fail_after_puts,
            ..Contents::default()
        };
        Ok(SyncStart {
            sync_id: format!("memory-sync-{syncs_started}"),
            checkpoint: None,
            session: Vec::new(),
        })
    }

    async fn put_resource_types(&self, items: Vec<ResourceType>) -> Result<(), StoreError> {
        self.put(|c| {
            items
                .into_iter()
                .for_each(|t| c.resource_types.upsert(t.id.clone(), t))
        })
    }

    async fn put_resources(&self, items: Vec<Resource>) -> Result<(), StoreError> {
        self.put(|c| {
            items
                .into_iter()
                .for_each(|r| c.resources.upsert(r.id.to_string(), r))
        })
    }

    async fn put_entitlements(&self, items: Vec<Entitlement>) -> Result<(), StoreError> {
        self.put(|c| {
            items
                .into_iter()
                .for_each(|e| c.entitlements.upsert(e.id.clone(), e))
        })
    }

    async fn put_grants(&self, items: Vec<Grant>) -> Result<(), StoreError> {
        self.put(|c| {
            items
                .into_iter()
                .for_each(|g| c.grants.upsert(g.id.clone(), g))
        })
    }

    async fn resources(&self, resource_type: &str) -> Result<Vec<Resource>, StoreError> {
        let contents = self.lock();
        Ok(contents
            .resources
            .items
            .iter()
            .filter(|r| r.id.resource_type == resource_type)
            .cloned()
            .collect())
    }

    async fn entitlement_ids(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(Some(
            self.lock()
                .entitlements
                .items
                .iter()
                .map(|e| e.id.clone())
                .collect(),
        ))
    }

    async fn checkpoint(&self, state: &str) -> Result<(), StoreError> {
        let mut contents = self.lock();
        contents.checkpoint = Some(state.to_owned());
        contents.checkpoints += 1;
        Ok(())
    }

    async fn save_session(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), StoreError> {
        self.lock().session.extend(entries);
        Ok(())
    }

    async fn end_sync(&self) -> Result<(), StoreError> {
        let mut contents = self.lock();
        if contents.sync_id.is_none() {
            return Err(StoreError::new(
                "no sync in progress: call begin_sync first",
            ));
        }
        contents.ended = true;
        contents.checkpoint = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceType;

    #[tokio::test]
    async fn upserts_keep_first_write_order_and_forks_are_independent() {
        let store = MemoryStore::new();
        store.begin_sync().await.unwrap();
        let user = ResourceType::new("user", "User", &[]);
        let a = Resource::new(&user, "a", "A");
        let b = Resource::new(&user, "b", "B");
        store
            .put_resources(vec![a.clone(), b.clone()])
            .await
            .unwrap();
        store
            .put_resources(vec![Resource::new(&user, "a", "A2")])
            .await
            .unwrap();
        let names: Vec<_> = store
            .all_resources()
            .into_iter()
            .map(|r| r.display_name)
            .collect();
        assert_eq!(names, ["A2", "B"]);

        let fork = store.fork();
        fork.put_resources(vec![Resource::new(&user, "c", "C")])
            .await
            .unwrap();
        assert_eq!(store.all_resources().len(), 2);
        assert_eq!(fork.all_resources().len(), 3);
    }

    #[tokio::test]
    async fn unfinished_sync_resumes_and_finished_sync_restarts() {
        let store = MemoryStore::new();
        let first = store.begin_sync().await.unwrap();
        store.checkpoint("{}").await.unwrap();
        store
            .save_session(vec![("k".into(), b"v".to_vec())])
            .await
            .unwrap();
        let again = store.begin_sync().await.unwrap();
        assert_eq!(again.sync_id, first.sync_id);
        assert_eq!(again.checkpoint.as_deref(), Some("{}"));
        assert_eq!(again.session, vec![("k".to_owned(), b"v".to_vec())]);
        store.end_sync().await.unwrap();
        let fresh = store.begin_sync().await.unwrap();
        assert_ne!(fresh.sync_id, first.sync_id);
        assert_eq!(fresh.checkpoint, None);
    }

    #[tokio::test]
    async fn fail_after_puts_fails_later_writes() {
        let store = MemoryStore::new();
        store.begin_sync().await.unwrap();
        store.fail_after_puts(1);
        store.put_grants(Vec::new()).await.unwrap();
        let err = store.put_grants(Vec::new()).await.unwrap_err();
        assert!(err.to_string().contains("simulated"), "{err}");
        store.clear_failure();
        store.put_grants(Vec::new()).await.unwrap();
    }
}
