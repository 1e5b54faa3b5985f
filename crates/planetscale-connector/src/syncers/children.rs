//! The one list walk of the resource types whose resources are children of an organization and
//! listed page by page (service tokens, OAuth applications, invitations): a type says how its
//! list is fetched and what each item becomes ([`OrgChild`]); [`Syncer`] lists it and
//! [`Syncer::probe`] reads its page 1 for validation.

use std::future::Future;
use std::marker::PhantomData;

use async_trait::async_trait;
use connector_sdk::paging::FetchedPage;
use connector_sdk::{
    ConnectorError, Grant, ListContext, Page, Resource, ResourceContext, ResourceId,
    ResourceSyncer, ResourceType, SessionCache,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::with_children;
use crate::api::{Api, Prefetch};
use crate::cache::OrgEntry;
use crate::lists::{List, probe};
use crate::parts::{Part, PartReach};

/// A resource type whose resources are an organization's children, one per item of a list.
pub(crate) trait OrgChild: Send + Sync + 'static {
    /// The optional part that lists it.
    const PART: Part;
    /// One item of its list, as the API sends it.
    type Item: Serialize + DeserializeOwned + Clone + Send + Sync + 'static;

    /// The resource type.
    fn resource_type() -> ResourceType;

    /// `org`'s list: the part's, keyed by its key.
    fn list<'a>(api: &'a Api, org: &OrgEntry) -> List<'a> {
        api.part_list(Self::PART, org)
    }

    /// Page `page` of `org`'s list, from the API.
    fn fetch(
        api: &Api,
        org: &OrgEntry,
        page: u32,
    ) -> impl Future<Output = Result<FetchedPage<Self::Item>, ConnectorError>> + Send;

    /// The item's id.
    fn id(item: &Self::Item) -> &str;

    /// The item's resource, a child of `parent` (the organization `org`).
    fn resource(
        session: &SessionCache,
        item: &Self::Item,
        org: &OrgEntry,
        parent: &ResourceId,
    ) -> Resource;

    /// The grants a resource of this type holds, read back from it.
    fn grants(resource: &Resource) -> Vec<Grant> {
        let _ = resource;
        Vec::new()
    }
}

/// Lists the resources of type `C` of each organization.
#[derive(Debug)]
pub(crate) struct Syncer<C> {
    api: Api,
    child: PhantomData<fn() -> C>,
}

impl<C: OrgChild> Syncer<C> {
    pub(crate) fn new(api: Api) -> Self {
        Syncer {
            api,
            child: PhantomData,
        }
    }

    /// Page 1 of `org`'s list, for validation: kept in `prefetch` for the sync.
    pub(crate) async fn probe(
        api: &Api,
        org: &OrgEntry,
        prefetch: &mut Prefetch,
    ) -> Result<PartReach, ConnectorError> {
        let list = C::list(api, org);
        probe(C::PART, &list, prefetch, C::fetch(api, org, 1)).await
    }
}

#[async_trait]
impl<C: OrgChild> ResourceSyncer for Syncer<C> {
    fn resource_type(&self) -> ResourceType {
        C::resource_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        let Some((parent, org, at)) = self.api.children_of(&cx).await? else {
            return Ok(Page::empty());
        };
        let (org, session) = (&org, &cx.call.session);
        let list = C::list(&self.api, org);
        let fetch = |page| C::fetch(&self.api, org, page);
        let listed = self.api.listed(session, &list, at, fetch, C::id).await?;
        // Each resource announces the child types the sync lists under it (see
        // `Options::child_types`), so no type has to know which options are on.
        let own_type = C::resource_type();
        let child_types: Vec<&str> = self.api.options.child_types(&own_type.id).collect();
        let items = listed
            .items()
            .map(|item| C::resource(session, item, org, &parent))
            .map(|resource| with_children(resource, child_types.iter().copied()))
            .collect();
        Ok(list.paged.plan(at, &listed.page)?.into_page(items))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        Ok(Page::last(C::grants(&cx.resource)))
    }
}
