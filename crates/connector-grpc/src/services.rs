//! [`Services`]: one connector's syncers, provisioning traits and event feed, and what each
//! sync keeps across baton's calls (its session cache, the pages fetched ahead). The services'
//! methods are in [`crate::connector`], [`crate::listing`], [`crate::provisioning`] and
//! [`crate::events`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use connector_sdk::{
    CallContext, CancellationToken, Connector, ConnectorError, ListContext, Page, Resource,
    ResourceId, ResourceSyncer, SessionCache, events::EventFeed,
};
use tonic::Status;

use crate::ahead::{Ahead, PageKey};
use crate::status::from_error;

/// What a server may do beyond syncing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Answer `Grant`, `Revoke` and `CreateAccount` (baton's `--provisioning`); without it they
    /// answer `FailedPrecondition: provisioning is not enabled`, as baton's do.
    pub provisioning: bool,
    /// The most bytes the syncs' session caches hold together (baton's
    /// `--session-store-maximum-size`); 0 keeps nothing.
    pub session_max_bytes: u64,
}

impl Default for Options {
    /// No provisioning, baton's default session cache bound.
    fn default() -> Self {
        Options {
            provisioning: false,
            session_max_bytes: connector_sdk::DEFAULT_SESSION_MAX_BYTES,
        }
    }
}

/// What one sync keeps across calls: the connector's session cache, and the resource pages
/// fetched ahead of baton's calls.
#[derive(Clone)]
pub(crate) struct SyncState {
    pub(crate) id: String,
    pub(crate) session: SessionCache,
    pub(crate) ahead: Ahead,
}

/// The syncs whose session caches are kept at once; a sync that never calls `Cleanup` (it
/// failed) is forgotten once this many newer ones started.
const SESSIONS_KEPT: usize = 16;

/// baton's services over one connector. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) connector: Arc<dyn Connector>,
    pub(crate) syncers: HashMap<String, Arc<dyn ResourceSyncer>>,
    /// The resource types in the connector's order: the order baton lists them in.
    pub(crate) order: Vec<String>,
    options: Options,
    /// The connector's event feed, when it has one.
    feed: Option<Arc<dyn EventFeed>>,
    /// What each sync keeps across calls, by `active_sync_id` (the empty id is a sync that sent
    /// none), oldest first.
    syncs: Mutex<VecDeque<SyncState>>,
    /// The session cache every sync's is a scope of, as baton keeps one cache for all syncs:
    /// its bound holds for all of them together.
    sessions: SessionCache,
    pub(crate) cancel: CancellationToken,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("resource_types", &self.inner.order)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl Services {
    /// The services of `connector`.
    pub fn new(connector: Arc<dyn Connector>, options: Options) -> Services {
        let list = connector.syncers();
        let order = list.iter().map(|s| s.resource_type().id).collect();
        let syncers = list
            .into_iter()
            .map(|s| (s.resource_type().id, s))
            .collect();
        let feed = connector.event_feed();
        Services {
            inner: Arc::new(Inner {
                feed,
                connector,
                syncers,
                order,
                options,
                syncs: Mutex::new(VecDeque::new()),
                sessions: SessionCache::new(options.session_max_bytes),
                cancel: CancellationToken::new(),
            }),
        }
    }

    /// Cancelled when the server stops: connector calls still running see it.
    pub fn cancellation(&self) -> CancellationToken {
        self.inner.cancel.clone()
    }

    /// The connector's event feed, when it has one.
    pub(crate) fn event_feed(&self) -> Option<&Arc<dyn EventFeed>> {
        self.inner.feed.as_ref()
    }

    pub(crate) fn syncer(
        &self,
        resource_type: &str,
        what: &str,
    ) -> Result<&dyn ResourceSyncer, Status> {
        self.syncer_arc(resource_type, what).map(|s| s.as_ref())
    }

    pub(crate) fn syncer_arc(
        &self,
        resource_type: &str,
        what: &str,
    ) -> Result<&Arc<dyn ResourceSyncer>, Status> {
        self.inner.syncers.get(resource_type).ok_or_else(|| {
            Status::not_found(format!(
                "{what} of unknown resource type {resource_type:?}: this connector has {}",
                self.inner.order.join(", ")
            ))
        })
    }

    pub(crate) fn syncs(&self) -> std::sync::MutexGuard<'_, VecDeque<SyncState>> {
        self.inner.syncs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What sync `sync_id` keeps, made on its first call.
    pub(crate) fn sync_state(&self, sync_id: &str) -> SyncState {
        let mut syncs = self.syncs();
        if let Some(state) = syncs.iter().find(|s| s.id == sync_id) {
            return state.clone();
        }
        let state = SyncState {
            id: sync_id.to_owned(),
            session: self.inner.sessions.scoped(sync_id),
            ahead: Ahead::default(),
        };
        syncs.push_back(state.clone());
        while syncs.len() > SESSIONS_KEPT {
            if let Some(forgotten) = syncs.pop_front() {
                forgotten.session.clear();
            }
        }
        state
    }

    pub(crate) fn call(&self, token: Option<String>, sync_id: &str) -> CallContext {
        CallContext {
            page_token: token,
            session: self.sync_state(sync_id).session,
            cancel: self.inner.cancel.child_token(),
        }
    }

    /// The page of `syncer` at `key`: fetched ahead, or fetched now.
    pub(crate) async fn list_page(
        &self,
        syncer: &Arc<dyn ResourceSyncer>,
        parent: Option<ResourceId>,
        token: Option<String>,
        sync_id: &str,
        ahead: &Ahead,
        key: &PageKey,
    ) -> Result<Page<Resource>, ConnectorError> {
        if token.is_some()
            && let Some(page) = ahead.take(key).await
        {
            return Ok(page);
        }
        let cx = ListContext {
            parent,
            call: self.call(token, sync_id),
        };
        syncer.list(cx).await
    }

    /// Starts fetching the pages at `tokens` of the listing at `key`, see [`crate::ahead`].
    pub(crate) fn fetch_ahead(
        &self,
        syncer: &Arc<dyn ResourceSyncer>,
        parent: Option<&ResourceId>,
        sync_id: &str,
        ahead: &Ahead,
        key: &PageKey,
        tokens: &[String],
    ) {
        for token in tokens {
            let syncer = Arc::clone(syncer);
            let cx = ListContext {
                parent: parent.cloned(),
                call: self.call(Some(token.clone()), sync_id),
            };
            ahead.start(key.at(token), move || async move { syncer.list(cx).await });
        }
    }

    pub(crate) fn require_provisioning(&self) -> Result<(), Status> {
        match self.inner.options.provisioning {
            true => Ok(()),
            false => Err(Status::failed_precondition("provisioning is not enabled")),
        }
    }
}

/// A connector's error as the gRPC status baton maps it to.
pub(crate) fn failed(error: ConnectorError) -> Status {
    from_error(&error)
}
