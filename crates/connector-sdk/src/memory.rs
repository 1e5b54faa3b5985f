//! `MemoryStore`: a [`Store`] that keeps one sync in memory, for embedding and tests.
//!
//! Writes are upserts keyed by baton's external id (resource `<type>:<id>`, entitlement id,
//! grant id); an upsert replaces the item in place, so items keep the order they were first
//! written in. Clones share the same contents; [`MemoryStore::fork`] makes an independent copy.
//! Grants are also indexed by entitlement and principal, for grant expansion's reads.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use crate::error::StoreError;
use crate::events::FeedEvent;
use crate::model::{Entitlement, Grant, Resource, ResourceId, ResourceType};
use crate::store::{ExpandableGrant, Store, StorePage, SyncStart};

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
    events: Upserts<FeedEvent>,
    /// Entitlement id → (principal, position in `grants`) of its grants.
    holders: HashMap<String, BTreeSet<Holder>>,
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
    /// Stores `item` under `key`; returns its position and the item it replaced, if any.
    fn upsert(&mut self, key: String, item: T) -> (usize, Option<T>) {
        match self.index.get(&key) {
            Some(&i) => (i, Some(std::mem::replace(&mut self.items[i], item))),
            None => {
                self.index.insert(key, self.items.len());
                self.items.push(item);
                (self.items.len() - 1, None)
            }
        }
    }
}

/// A grant's principal and its position in `Contents::grants`.
type Holder = (ResourceId, usize);

impl Contents {
    fn put_grant(&mut self, grant: Grant) {
        let principal = grant.principal.id.clone();
        let entitlement = grant.entitlement.id.clone();
        let (position, replaced) = self.grants.upsert(grant.id.clone(), grant);
        if let Some(old) = replaced
            && let Some(holders) = self.holders.get_mut(&old.entitlement.id)
        {
            holders.remove(&(old.principal.id, position));
        }
        self.holders
            .entry(entitlement)
            .or_default()
            .insert((principal, position));
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An independent copy of this store's contents (a clone shares them).
    #[cfg(feature = "testing")]
    pub fn fork(&self) -> Self {
        MemoryStore {
            inner: Arc::new(Mutex::new(self.lock().clone())),
        }
    }

    /// Makes every `put_*` call after the next `n` ones fail, as if the process had died there:
    /// what was checkpointed stays, and the next sync resumes from it. `fail_after_puts(0)`
    /// fails the very next write.
    #[cfg(feature = "testing")]
    pub fn fail_after_puts(&self, n: u64) {
        let mut contents = self.lock();
        contents.fail_after_puts = Some(contents.puts + n);
    }

    /// Lets writes succeed again after [`fail_after_puts`](Self::fail_after_puts).
    #[cfg(feature = "testing")]
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

    /// Events written (redacted), in first-write order.
    pub fn events(&self) -> Vec<FeedEvent> {
        self.lock().events.items.clone()
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
    #[cfg(feature = "testing")]
    pub fn last_checkpoint(&self) -> Option<String> {
        self.lock().checkpoint.clone()
    }

    /// Checkpoints saved in the current sync.
    #[cfg(feature = "testing")]
    pub fn checkpoints(&self) -> u64 {
        self.lock().checkpoints
    }

    /// The session entries saved in the current sync.
    #[cfg(feature = "testing")]
    pub fn session(&self) -> BTreeMap<String, Vec<u8>> {
        self.lock().session.clone()
    }

    /// Successful `put_*` calls so far, across syncs.
    #[cfg(feature = "testing")]
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
            items.into_iter().for_each(|t| {
                c.resource_types.upsert(t.id.clone(), t);
            })
        })
    }

    async fn put_resources(&self, items: Vec<Resource>) -> Result<(), StoreError> {
        self.put(|c| {
            items.into_iter().for_each(|r| {
                c.resources.upsert(r.id.to_string(), r);
            })
        })
    }

    async fn put_entitlements(&self, items: Vec<Entitlement>) -> Result<(), StoreError> {
        self.put(|c| {
            items.into_iter().for_each(|e| {
                c.entitlements.upsert(e.id.clone(), e);
            })
        })
    }

    async fn put_grants(&self, items: Vec<Grant>) -> Result<(), StoreError> {
        self.put(|c| items.into_iter().for_each(|g| c.put_grant(g)))
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

    async fn expandable_grants(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<StorePage<ExpandableGrant>, StoreError> {
        let limit = limit.max(1);
        let start = match after {
            Some(token) => token.parse::<usize>().map_err(|_| bad_token(token))?,
            None => 0,
        };
        let contents = self.lock();
        let mut found = contents.grants.items[start.min(contents.grants.items.len())..]
            .iter()
            .enumerate()
            .filter_map(|(i, g)| Some((start + i, ExpandableGrant::of(g)?)));
        let items: Vec<ExpandableGrant> = found.by_ref().take(limit).map(|(_, e)| e).collect();
        let next = found.next().map(|(i, _)| i.to_string());
        Ok(StorePage { items, next })
    }

    async fn entitlements_by_id(&self, ids: &[String]) -> Result<Vec<Entitlement>, StoreError> {
        let contents = self.lock();
        let entitlements = &contents.entitlements;
        Ok(ids
            .iter()
            .filter_map(|id| entitlements.index.get(id))
            .map(|&i| entitlements.items[i].clone())
            .collect())
    }

    /// In principal order; the `next` token is the JSON of the last principal and position.
    async fn grants_of_entitlement(
        &self,
        entitlement_id: &str,
        principal_types: &[String],
        after: Option<&str>,
        limit: usize,
    ) -> Result<StorePage<Grant>, StoreError> {
        let limit = limit.max(1);
        let after: Option<Holder> = after
            .map(|token| serde_json::from_str(token).map_err(|_| bad_token(token)))
            .transpose()?;
        let contents = self.lock();
        let Some(holders) = contents.holders.get(entitlement_id) else {
            return Ok(StorePage {
                items: Vec::new(),
                next: None,
            });
        };
        let lower = after.as_ref().map_or(Bound::Unbounded, Bound::Excluded);
        let mut found = holders.range((lower, Bound::Unbounded)).filter(|(p, _)| {
            principal_types.is_empty() || principal_types.contains(&p.resource_type)
        });
        let page: Vec<&Holder> = found.by_ref().take(limit).collect();
        let next = match (found.next(), page.last()) {
            (Some(_), Some(last)) => serde_json::to_string(last).ok(),
            _ => None,
        };
        let items = page
            .iter()
            .map(|(_, i)| contents.grants.items[*i].clone())
            .collect();
        Ok(StorePage { items, next })
    }

    async fn grants_of_principals(
        &self,
        entitlement_id: &str,
        principals: &[ResourceId],
    ) -> Result<Vec<Grant>, StoreError> {
        let contents = self.lock();
        let Some(holders) = contents.holders.get(entitlement_id) else {
            return Ok(Vec::new());
        };
        let principals: BTreeSet<&ResourceId> = principals.iter().collect();
        Ok(principals
            .into_iter()
            .flat_map(|p| holders.range((p.clone(), 0)..=(p.clone(), usize::MAX)))
            .map(|(_, i)| contents.grants.items[*i].clone())
            .collect())
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

    async fn put_events(&self, events: Vec<FeedEvent>) -> Result<(), StoreError> {
        let mut contents = self.lock();
        for event in events {
            let key = event.id.clone();
            contents.events.upsert(key, event.redacted());
        }
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

fn bad_token(token: &str) -> StoreError {
    StoreError::new(format!(
        "page token {token:?} was not made by this store; pass the `next` of the previous page"
    ))
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
