//! [`ListedSyncer`]: a [`ResourceSyncer`] made of closures, for a type whose resources are
//! listed, not looked up one by one.
//!
//! Most resource types of most connectors are a list call and, per resource, an entitlements
//! and a grants call. Writing each as a struct and a trait impl repeats the same ceremony; and
//! targeted sync needs a [`get`](ResourceSyncer::get) even where the system has no lookup by
//! id. A `ListedSyncer` takes the calls as closures and finds a resource by id among the listed
//! ones, walking every page. That suits lists of a few pages; a type whose system looks a
//! resource up directly, or with provisioning, implements [`ResourceSyncer`] itself.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;

use crate::error::ConnectorError;
use crate::model::{Entitlement, Grant, Resource, ResourceType};
use crate::syncer::{CallContext, GetContext, ListContext, Page, ResourceContext, ResourceSyncer};

type Answer<T> = Pin<Box<dyn Future<Output = Result<Page<T>, ConnectorError>> + Send>>;
type Call<C, T> = Box<dyn Fn(C) -> Answer<T> + Send + Sync>;

/// A [`ResourceSyncer`] from closures: `list` is required, `entitlements` and `grants` optional
/// (an empty page without them).
///
/// Each closure returns a future of a [`Page`] or of a `Vec` (the last page). A closure over
/// blocking work that is quick (a small file) returns [`std::future::ready`]; one over a
/// client clones what it needs into an `async move` block:
///
/// ```
/// use std::future::ready;
///
/// use connector_sdk::{Entitlement, Grant, ListedSyncer, Resource, ResourceType, Trait};
///
/// let user = ResourceType::user();
/// let team = ResourceType::new("team", "Team", &[Trait::Group]);
/// let teams = ListedSyncer::new(team.clone(), move |_cx| {
///     ready(Ok(vec![Resource::new(&team, "eng", "Engineering")]))
/// })
/// .with_entitlements(|cx| {
///     let member = Entitlement::assignment(&cx.resource, "member");
///     ready(Ok(vec![member.with_grantable_to(&[&ResourceType::user()])]))
/// })
/// .with_grants(move |cx| {
///     let ann = user.id_of("ann");
///     async move { Ok(vec![Grant::new(&cx.resource, "member", ann)]) }
/// });
/// # let _ = teams;
/// ```
///
/// It supports [`get`](ResourceSyncer::get) (baton's targeted sync): the resource asked for is
/// looked for page by page in what `list` returns under the same parent, the enqueued pages
/// included, each page token fetched once.
pub struct ListedSyncer {
    resource_type: ResourceType,
    list: Call<ListContext, Resource>,
    entitlements: Option<Call<ResourceContext, Entitlement>>,
    grants: Option<Call<ResourceContext, Grant>>,
}

/// Boxes a closure returning a future of something that makes a page.
fn call<C, T, F, Fut, P>(f: F) -> Call<C, T>
where
    F: Fn(C) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<P, ConnectorError>> + Send + 'static,
    P: Into<Page<T>>,
{
    Box::new(move |cx| {
        let answer = f(cx);
        Box::pin(async move { answer.await.map(Into::into) })
    })
}

impl ListedSyncer {
    /// A syncer of `resource_type` whose resources `list` lists, a page per call (see
    /// [`ResourceSyncer::list`]: called with no parent for every type).
    pub fn new<F, Fut, P>(resource_type: ResourceType, list: F) -> Self
    where
        F: Fn(ListContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<P, ConnectorError>> + Send + 'static,
        P: Into<Page<Resource>>,
    {
        ListedSyncer {
            resource_type,
            list: call(list),
            entitlements: None,
            grants: None,
        }
    }

    /// Lists each resource's entitlements with `entitlements` (see
    /// [`ResourceSyncer::entitlements`]).
    pub fn with_entitlements<F, Fut, P>(mut self, entitlements: F) -> Self
    where
        F: Fn(ResourceContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<P, ConnectorError>> + Send + 'static,
        P: Into<Page<Entitlement>>,
    {
        self.entitlements = Some(call(entitlements));
        self
    }

    /// Lists the grants on each resource with `grants` (see [`ResourceSyncer::grants`]).
    pub fn with_grants<F, Fut, P>(mut self, grants: F) -> Self
    where
        F: Fn(ResourceContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<P, ConnectorError>> + Send + 'static,
        P: Into<Page<Grant>>,
    {
        self.grants = Some(call(grants));
        self
    }
}

impl std::fmt::Debug for ListedSyncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListedSyncer")
            .field("resource_type", &self.resource_type.id)
            .field("entitlements", &self.entitlements.is_some())
            .field("grants", &self.grants.is_some())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ResourceSyncer for ListedSyncer {
    fn resource_type(&self) -> ResourceType {
        self.resource_type.clone()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        (self.list)(cx).await
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        match &self.entitlements {
            Some(entitlements) => entitlements(cx).await,
            None => Ok(Page::empty()),
        }
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        match &self.grants {
            Some(grants) => grants(cx).await,
            None => Ok(Page::empty()),
        }
    }

    fn supports_get(&self) -> bool {
        true
    }

    async fn get(&self, cx: GetContext) -> Result<Option<Resource>, ConnectorError> {
        let mut pending = VecDeque::from([None]);
        let mut seen = HashSet::new();
        while let Some(page_token) = pending.pop_front() {
            if cx.call.cancel.is_cancelled() {
                return Err(ConnectorError::cancelled());
            }
            let call = CallContext {
                page_token,
                ..cx.call.clone()
            };
            let parent = cx.parent.clone();
            let page = (self.list)(ListContext { parent, call }).await?;
            if let Some(found) = page.items.into_iter().find(|r| r.id == cx.id) {
                return Ok(Some(found));
            }
            // A token met again (a list that loops) is not fetched again.
            let next = page.next_token.into_iter().chain(page.enqueue);
            pending.extend(next.filter(|t| seen.insert(t.clone())).map(Some));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use std::future::ready;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::model::ResourceId;
    use crate::session::SessionCache;

    fn call(page_token: Option<&str>) -> CallContext {
        CallContext {
            page_token: page_token.map(str::to_owned),
            session: SessionCache::default(),
            cancel: Default::default(),
        }
    }

    fn get(id: &str) -> GetContext {
        GetContext {
            id: ResourceType::user().id_of(id),
            parent: None,
            call: call(None),
        }
    }

    fn user(id: &str) -> Resource {
        Resource::new(&ResourceType::user(), id, id.to_uppercase())
    }

    /// Three pages: the first names the second as its next and enqueues the third; the third
    /// names the first again, as a list that loops would. Each call is recorded.
    fn paged(calls: Arc<Mutex<Vec<Option<String>>>>) -> ListedSyncer {
        ListedSyncer::new(ResourceType::user(), move |cx: ListContext| {
            let token = cx.call.page_token;
            calls.lock().unwrap().push(token.clone());
            ready(Ok(match token.as_deref() {
                None => Page::more(vec![user("ann")], "p2").with_enqueued(["p3".to_owned()]),
                Some("p2") => Page::last(vec![user("bob")]),
                _ => Page::more(vec![user("cy")], "p1"),
            }))
        })
    }

    #[tokio::test]
    async fn get_finds_a_resource_on_any_page_and_fetches_each_page_once() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let syncer = paged(calls.clone());
        assert!(syncer.supports_get());
        let cy = syncer.get(get("cy")).await.unwrap().unwrap();
        assert_eq!(cy.display_name, "CY");
        let none = syncer.get(get("dee")).await.unwrap();
        assert_eq!(none, None);
        let calls = calls.lock().unwrap().clone();
        let token = |t: &str| Some(t.to_owned());
        // Found on the enqueued page; then every page once, the loop back to p1 included once.
        assert_eq!(
            calls,
            [
                None,
                token("p2"),
                token("p3"),
                None,
                token("p2"),
                token("p3"),
                token("p1")
            ]
        );
    }

    #[tokio::test]
    async fn get_asks_under_the_parent_it_is_given_and_stops_when_cancelled() {
        let parents = Arc::new(AtomicUsize::new(0));
        let seen = parents.clone();
        let syncer = ListedSyncer::new(ResourceType::user(), move |cx: ListContext| {
            if cx.parent == Some(ResourceId::new("group", "eng")) {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            ready(Ok(vec![user("ann")]))
        });
        let mut cx = get("ann");
        cx.parent = Some(ResourceId::new("group", "eng"));
        assert!(syncer.get(cx).await.unwrap().is_some());
        assert_eq!(parents.load(Ordering::SeqCst), 1);
        let cancelled = get("ann");
        cancelled.call.cancel.cancel();
        let error = syncer.get(cancelled).await.unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Cancelled);
    }

    #[tokio::test]
    async fn entitlements_and_grants_are_the_closures_or_empty() {
        let bare = ListedSyncer::new(ResourceType::group(), |_| ready(Ok(Vec::new())));
        let group = Resource::new(&ResourceType::group(), "eng", "Engineering");
        let on = |resource: &Resource| ResourceContext {
            resource: resource.clone(),
            call: call(None),
        };
        assert_eq!(bare.entitlements(on(&group)).await.unwrap(), Page::empty());
        assert_eq!(bare.grants(on(&group)).await.unwrap(), Page::empty());

        let full = bare
            .with_entitlements(|cx: ResourceContext| {
                ready(Ok(vec![Entitlement::assignment(&cx.resource, "member")]))
            })
            .with_grants(|cx: ResourceContext| async move {
                let ann = ResourceType::user().id_of("ann");
                Ok(Page::more(
                    vec![Grant::new(&cx.resource, "member", ann)],
                    "next",
                ))
            });
        let entitlements = full.entitlements(on(&group)).await.unwrap();
        assert_eq!(entitlements.items.len(), 1);
        assert_eq!(entitlements.next_token, None, "a Vec is the last page");
        let grants = full.grants(on(&group)).await.unwrap();
        assert_eq!(
            grants.next_token.as_deref(),
            Some("next"),
            "a Page as given"
        );
        assert_eq!(full.resource_type(), ResourceType::group());
        assert!(format!("{full:?}").contains("grants: true"));
    }
}
