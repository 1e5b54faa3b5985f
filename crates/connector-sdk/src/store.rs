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
//!
//! Grant expansion, the sync's last phase, reads the sync back a page at a time: the
//! expandable grants ([`Store::expandable_grants`]), entitlements by id
//! ([`Store::entitlements_by_id`]), the grants of a source entitlement
//! ([`Store::grants_of_entitlement`]) and the grants some principals hold of a destination
//! ([`Store::grants_of_principals`]); it writes new grants and updated `sources` with
//! [`Store::put_grants`]. A store that does not implement these fails a sync that has grants to
//! expand, unless [`SyncOptions::expand_grants`](crate::SyncOptions::expand_grants) is off.

use async_trait::async_trait;

use crate::annotations::Annotation;
use crate::error::StoreError;
use crate::events::FeedEvent;
use crate::model::{Entitlement, Grant, Resource, ResourceId, ResourceType, Timestamp};

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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
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

/// A grant that carries a [`Annotation::GrantExpandable`], as grant expansion reads it: holders
/// of any source entitlement also hold the entitlement this grant grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpandableGrant {
    /// The grant's id.
    pub grant_id: String,
    /// The entitlement the grant grants: the expansion's destination.
    pub entitlement_id: String,
    /// Who holds it. Every source entitlement must be on this resource.
    pub principal: ResourceId,
    /// The source entitlement ids (`GrantExpandable.entitlement_ids`).
    pub source_entitlement_ids: Vec<String>,
    /// Only direct grants of the sources propagate.
    pub shallow: bool,
    /// Only grants held by principals of these resource types propagate; all when empty.
    pub principal_types: Vec<String>,
}

impl ExpandableGrant {
    /// The expansion `grant` asks for: its first `GrantExpandable` annotation, if that names at
    /// least one non-blank entitlement id (the grants baton marks `needs_expansion`).
    pub fn of(grant: &Grant) -> Option<ExpandableGrant> {
        let (ids, shallow, types) = expansion(grant)?;
        Some(ExpandableGrant {
            grant_id: grant.id.clone(),
            entitlement_id: grant.entitlement.id.clone(),
            principal: grant.principal.id.clone(),
            source_entitlement_ids: ids.clone(),
            shallow,
            principal_types: types.clone(),
        })
    }

    /// Whether `grant` asks for expansion, as [`of`](Self::of) reads it, without copying.
    pub fn is_expandable(grant: &Grant) -> bool {
        expansion(grant).is_some()
    }
}

/// The source ids, `shallow` and principal types of `grant`'s first `GrantExpandable`
/// annotation, if it names at least one non-blank entitlement id.
fn expansion(grant: &Grant) -> Option<(&Vec<String>, bool, &Vec<String>)> {
    let (ids, shallow, types) = grant.annotations.iter().find_map(|a| match a {
        Annotation::GrantExpandable {
            entitlement_ids,
            shallow,
            resource_type_ids,
        } => Some((entitlement_ids, *shallow, resource_type_ids)),
        _ => None,
    })?;
    ids.iter()
        .any(|id| !id.trim().is_empty())
        .then_some((ids, shallow, types))
}

/// One page of what a store read, and the token of the next page (`None` after the last).
#[derive(Clone, Debug, PartialEq)]
pub struct StorePage<T> {
    /// The items, at most the `limit` asked for.
    pub items: Vec<T>,
    /// Pass it as `after` to read the next page; `None` when there is no more.
    pub next: Option<String>,
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

    /// The grants of the current sync that ask for expansion ([`ExpandableGrant::of`]), `limit`
    /// at a time, in an order that writes of grants without `GrantExpandable` and rewrites of
    /// these grants leave unchanged; `after` is the previous page's `next` token.
    async fn expandable_grants(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<StorePage<ExpandableGrant>, StoreError> {
        let _ = (after, limit);
        Err(cannot_expand())
    }

    /// The entitlements of the current sync with these ids, in any order; ids not found are
    /// left out.
    async fn entitlements_by_id(&self, ids: &[String]) -> Result<Vec<Entitlement>, StoreError> {
        let _ = ids;
        Err(cannot_expand())
    }

    /// The grants of entitlement `entitlement_id` in the current sync held by principals of
    /// `principal_types` (all when empty), `limit` at a time, in an order that writes of other
    /// entitlements' grants leave unchanged; `after` is the previous page's `next` token.
    async fn grants_of_entitlement(
        &self,
        entitlement_id: &str,
        principal_types: &[String],
        after: Option<&str>,
        limit: usize,
    ) -> Result<StorePage<Grant>, StoreError> {
        let _ = (entitlement_id, principal_types, after, limit);
        Err(cannot_expand())
    }

    /// The grants of entitlement `entitlement_id` in the current sync held by any of
    /// `principals`, in any order. Everything written before the call is included.
    async fn grants_of_principals(
        &self,
        entitlement_id: &str,
        principals: &[ResourceId],
    ) -> Result<Vec<Grant>, StoreError> {
        let _ = (entitlement_id, principals);
        Err(cannot_expand())
    }

    /// Saves the engine's opaque checkpoint state. Everything written before this call must be
    /// durable when it returns.
    async fn checkpoint(&self, state: &str) -> Result<(), StoreError>;

    /// Saves session cache entries (`SessionCache::take_dirty`).
    async fn save_session(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), StoreError>;

    /// Marks the sync finished and makes the output final.
    async fn end_sync(&self) -> Result<(), StoreError>;

    /// When the event feed should start reading: the start of the latest finished sync the
    /// store holds before this one, `None` when there is none (the feed then picks its own
    /// start). The default keeps no syncs: `None`.
    async fn events_since(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(None)
    }

    /// Writes events of the connector's [`EventFeed`](crate::events::EventFeed), upserted by their
    /// id. A store must keep only their [`redacted`](FeedEvent::redacted) form. The default
    /// refuses, so that a feed is never read into a store that would drop it silently.
    async fn put_events(&self, events: Vec<FeedEvent>) -> Result<(), StoreError> {
        let _ = events;
        Err(StoreError::new(
            "this store cannot keep events: turn the connector's event feed off, or implement \
             Store::put_events",
        ))
    }
}

fn cannot_expand() -> StoreError {
    StoreError::new(
        "this store cannot read grants back, which grant expansion needs: implement the Store \
         methods it uses, or turn SyncOptions::expand_grants off and expand the grants elsewhere",
    )
}
