//! The `ResourceSyncer` trait: what a connector writes once per resource type.
//!
//! The engine owns every loop (paging, concurrency, retries, checkpoints). A syncer answers one
//! call with one page and, when there is more, the token for the next page.

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::error::ConnectorError;
use crate::model::{Entitlement, Grant, Resource, ResourceId, ResourceType};
use crate::provision::{AccountManager, ResourceProvisioner};
use crate::session::SessionCache;

/// One page of results, and the token that fetches the next (`None` when this is the last).
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The opaque token for the next page, or `None` when done.
    pub next_token: Option<String>,
    /// Further page tokens that do not depend on this one (page numbers known up front from a
    /// total count). The engine schedules each as an independent call of the same method on the
    /// same subject, concurrently with the others: baton's `EnqueuePageTokens`.
    pub enqueue: Vec<String>,
    /// Things a reviewer should know that do not stop the sync (an unknown role kept as plain
    /// membership, say). The engine logs each, reports it to the observer and lists it in
    /// [`SyncSummary::warnings`](crate::SyncSummary::warnings); unlike not-found warnings they do
    /// not count towards the warning policy.
    pub warnings: Vec<String>,
}

impl<T> Page<T> {
    /// The last page.
    pub fn last(items: Vec<T>) -> Self {
        Page {
            items,
            next_token: None,
            enqueue: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// A page with more after it.
    pub fn more(items: Vec<T>, next_token: impl Into<String>) -> Self {
        Page {
            items,
            next_token: Some(next_token.into()),
            enqueue: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// A page whose successor is `next_token` if any.
    pub fn with_next(items: Vec<T>, next_token: Option<String>) -> Self {
        Page {
            items,
            next_token,
            enqueue: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Adds independent page tokens for the engine to fetch concurrently.
    pub fn with_enqueued(mut self, tokens: impl IntoIterator<Item = String>) -> Self {
        self.enqueue.extend(tokens);
        self
    }

    /// Adds a warning for the sync summary.
    pub fn with_warning(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }

    /// An empty last page.
    pub fn empty() -> Self {
        Page {
            items: Vec::new(),
            next_token: None,
            enqueue: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// A `Vec` is a last page: what a call that lists everything at once returns (see
/// [`ListedSyncer`](crate::ListedSyncer)).
impl<T> From<Vec<T>> for Page<T> {
    fn from(items: Vec<T>) -> Self {
        Page::last(items)
    }
}

/// What every call receives besides its subject: the page token, the per-sync session cache and
/// the cancellation signal. Passed by value so that new inputs never change a signature.
#[derive(Clone, Debug)]
pub struct CallContext {
    /// `None` for the first page, else the token the previous page returned.
    pub page_token: Option<String>,
    /// Key/value cache that lives for one sync (and survives a resume).
    pub session: SessionCache,
    /// Cancelled when the sync is asked to stop.
    pub cancel: CancellationToken,
}

/// Input of [`ResourceSyncer::list`].
#[derive(Clone, Debug)]
pub struct ListContext {
    /// The parent when listing child resources, `None` for top-level listing.
    pub parent: Option<ResourceId>,
    /// Page token, session, cancellation.
    pub call: CallContext,
}

/// Input of [`ResourceSyncer::entitlements`] and [`ResourceSyncer::grants`].
#[derive(Clone, Debug)]
pub struct ResourceContext {
    /// The resource whose entitlements or grants are asked for.
    pub resource: Resource,
    /// Page token, session, cancellation.
    pub call: CallContext,
}

/// Input of [`ResourceSyncer::get`].
#[derive(Clone, Debug)]
pub struct GetContext {
    /// The resource asked for.
    pub id: ResourceId,
    /// Its parent, when known.
    pub parent: Option<ResourceId>,
    /// Session and cancellation (the page token is unused).
    pub call: CallContext,
}

/// Syncs one resource type. Object-safe: a connector holds `Vec<Box<dyn ResourceSyncer>>`.
///
/// Only [`resource_type`](Self::resource_type) and [`list`](Self::list) are required; a type
/// without entitlements or grants leaves the defaults, which return an empty last page.
#[async_trait]
pub trait ResourceSyncer: Send + Sync {
    /// The resource type this syncer lists.
    fn resource_type(&self) -> ResourceType;

    /// One page of resources of this type, under `cx.parent` when listing children.
    ///
    /// The engine calls it with `parent: None` for every type, also for types that only exist
    /// under a parent (baton's rule); such a syncer returns [`Page::empty`] then. Child listings
    /// happen for each resource that announces this type with
    /// [`Annotation::ChildResourceType`](crate::Annotation::ChildResourceType).
    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError>;

    /// One page of the entitlements that can be granted on `cx.resource`.
    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let _ = cx;
        Ok(Page::empty())
    }

    /// One page of the grants on `cx.resource`.
    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let _ = cx;
        Ok(Page::empty())
    }

    /// Entitlements defined once for the whole type (baton's `StaticEntitlements`), if any.
    async fn static_entitlements(
        &self,
        cx: CallContext,
    ) -> Result<Page<Entitlement>, ConnectorError> {
        let _ = cx;
        Ok(Page::empty())
    }

    /// Whether [`get`](Self::get) is implemented (enables baton's `TARGETED_SYNC` capability).
    fn supports_get(&self) -> bool {
        false
    }

    /// One resource by id, for targeted sync. `Ok(None)` when it does not exist.
    async fn get(&self, cx: GetContext) -> Result<Option<Resource>, ConnectorError> {
        Err(ConnectorError::unimplemented(format!(
            "resource type {} does not support targeted sync",
            cx.id.resource_type
        )))
    }

    /// What grants and revokes this type's entitlements, if anything (enables baton's
    /// `PROVISION` capability). See [`crate::provision`].
    fn provisioner(&self) -> Option<&dyn ResourceProvisioner> {
        None
    }

    /// What creates accounts of this type, if anything (enables baton's
    /// `ACCOUNT_PROVISIONING` capability). See [`crate::provision`].
    fn account_manager(&self) -> Option<&dyn AccountManager> {
        None
    }
}

/// Smart pointers to a syncer are syncers, so `Box<dyn ResourceSyncer>` and
/// `Arc<dyn ResourceSyncer>` plug in wherever a syncer is expected.
macro_rules! forward_syncer {
    ($($pointer:ident)::+) => {
        #[async_trait]
        impl<T: ResourceSyncer + ?Sized> ResourceSyncer for $($pointer)::+<T> {
            fn resource_type(&self) -> ResourceType {
                (**self).resource_type()
            }
            async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
                (**self).list(cx).await
            }
            async fn entitlements(
                &self,
                cx: ResourceContext,
            ) -> Result<Page<Entitlement>, ConnectorError> {
                (**self).entitlements(cx).await
            }
            async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
                (**self).grants(cx).await
            }
            async fn static_entitlements(
                &self,
                cx: CallContext,
            ) -> Result<Page<Entitlement>, ConnectorError> {
                (**self).static_entitlements(cx).await
            }
            fn supports_get(&self) -> bool {
                (**self).supports_get()
            }
            async fn get(&self, cx: GetContext) -> Result<Option<Resource>, ConnectorError> {
                (**self).get(cx).await
            }
            fn provisioner(&self) -> Option<&dyn ResourceProvisioner> {
                (**self).provisioner()
            }
            fn account_manager(&self) -> Option<&dyn AccountManager> {
                (**self).account_manager()
            }
        }
    };
}

forward_syncer!(Box);
forward_syncer!(std::sync::Arc);
