//! The client and the state the connector, its syncers and its provisioners share: the pages
//! validation fetched, the paging rules, and the organizations and their members every syncer
//! reads (see `syncers` for how lists are paged).

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use connector_sdk::paging::{FetchedPage, PageToken, PagedList, Pager};
use connector_sdk::{ConnectorError, ErrorKind, ListContext, ResourceId, SessionCache};
use planetscale_client::{Client, Member, Organization, Page as ApiPage};

use crate::cache::{self, MemberEntry, OrgEntry};
use crate::errors::{listing_error, map_client_error};
use crate::parts::{Options, READ_ORGANIZATION};

/// The client plus the state the syncers of one connector share.
#[derive(Clone, Debug)]
pub(crate) struct Api {
    pub(crate) client: Client,
    pub(crate) shared: Arc<Shared>,
    /// The optional parts the sync covers.
    pub(crate) options: Options,
}

/// State shared by the connector and its syncers.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    prefetch: Mutex<Prefetch>,
    seen_users: Mutex<HashSet<String>>,
    /// The paging rules, and which changed lists are being listed again.
    pager: Pager,
}

/// One page of an organization's members, and, when its `total_count` showed the list changed
/// since page 1 and this call listed it again, the pages of that fresh listing.
#[derive(Debug)]
pub(crate) struct Members {
    pub(crate) page: FetchedPage<Member>,
    pub(crate) relisted: Vec<FetchedPage<Member>>,
}

/// Pages validation fetched, kept for the sync's first requests so that they are not fetched
/// twice: by list key (`orgs`, `members:<org id>`, …) and page number. Each page is taken
/// (used once): a later sync with the same connector fetches afresh.
#[derive(Default)]
pub(crate) struct Prefetch {
    pages: HashMap<(String, u32), Box<dyn Any + Send>>,
}

impl Prefetch {
    /// Adds the pages `other` keeps.
    pub(crate) fn extend(&mut self, other: Prefetch) {
        self.pages.extend(other.pages);
    }

    /// Keeps page `page` of list `key`.
    pub(crate) fn put<T: Send + 'static>(&mut self, key: &str, page: u32, fetched: FetchedPage<T>) {
        self.pages.insert((key.to_owned(), page), Box::new(fetched));
    }

    pub(crate) fn peek<T: Clone + 'static>(&self, key: &str, page: u32) -> Option<FetchedPage<T>> {
        let kept = self.pages.get(&(key.to_owned(), page))?;
        kept.downcast_ref::<FetchedPage<T>>().cloned()
    }

    fn take<T: 'static>(&mut self, key: &str, page: u32) -> Option<FetchedPage<T>> {
        let kept = self.pages.remove(&(key.to_owned(), page))?;
        kept.downcast().ok().map(|page| *page)
    }
}

impl fmt::Debug for Prefetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.pages.keys()).finish()
    }
}

impl Shared {
    pub(crate) fn set_prefetch(&self, prefetch: Prefetch) {
        *lock(&self.prefetch) = prefetch;
    }

    /// Page `page` of list `key` as validation fetched it, if it did (once).
    pub(crate) fn take_prefetched<T: 'static>(
        &self,
        key: &str,
        page: u32,
    ) -> Option<FetchedPage<T>> {
        lock(&self.prefetch).take(key, page)
    }

    /// Page `page` of list `key` as validation fetched it, if it did, left for its listing.
    pub(crate) fn peek_prefetched<T: Clone + 'static>(
        &self,
        key: &str,
        page: u32,
    ) -> Option<FetchedPage<T>> {
        lock(&self.prefetch).peek(key, page)
    }

    /// Forgets the users seen so far: a new user listing starts.
    pub(crate) fn reset_seen_users(&self) {
        lock(&self.seen_users).clear();
    }

    /// Whether `user_id` is seen for the first time in this listing.
    pub(crate) fn first_sighting(&self, user_id: &str) -> bool {
        lock(&self.seen_users).insert(user_id.to_owned())
    }
}

impl Api {
    /// An `Api` with `options` whose client reaches nothing (a closed port on 127.0.0.1), for
    /// unit tests that send no request.
    #[cfg(test)]
    pub(crate) fn offline(options: Options) -> Api {
        let credentials = planetscale_client::Credentials::parse("id:secret").unwrap();
        let client = Client::builder(credentials)
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        Api {
            client,
            shared: Arc::default(),
            options,
        }
    }

    /// A list under the connector's paging rules; `key` is unique in a sync, `what` names the
    /// list in errors.
    pub(crate) fn list(&self, key: impl Into<String>, what: impl Into<String>) -> PagedList<'_> {
        self.shared.pager.list(key, what)
    }

    /// `GET /organizations`.
    pub(crate) fn orgs_list(&self) -> PagedList<'_> {
        self.list(ORGS, "the organizations the service token reaches")
    }

    /// `org`'s members.
    pub(crate) fn members_list(&self, org: &OrgEntry) -> PagedList<'_> {
        self.list(
            members_key(org),
            format!("the members of organization {}", org.name),
        )
    }

    /// One page of `GET /organizations`: the one validation fetched, or a request.
    pub(crate) async fn org_page(
        &self,
        page: u32,
    ) -> Result<FetchedPage<Organization>, ConnectorError> {
        match self.shared.take_prefetched(ORGS, page) {
            Some(prefetched) => Ok(prefetched),
            None => self.fetch_org_page(page).await,
        }
    }

    /// One page of `GET /organizations`, requested now.
    pub(crate) async fn fetch_org_page(
        &self,
        page: u32,
    ) -> Result<FetchedPage<Organization>, ConnectorError> {
        self.client
            .list_organizations(page)
            .await
            .map(fetched)
            .map_err(|e| map_client_error(e, "listing the organizations the service token reaches"))
    }

    /// Every organization the token reaches: from the session cache, else assembled from the
    /// organization pages, each cached by the organization listing or fetched now (when the
    /// organization type is not synced, e.g. `--sync-resource-types user`).
    pub(crate) async fn organizations(
        &self,
        session: &SessionCache,
    ) -> Result<Vec<OrgEntry>, ConnectorError> {
        if let Some(orgs) = cache::orgs(session) {
            return Ok(orgs);
        }
        let pages = self
            .orgs_list()
            .fetch_all(|page| async move {
                if let Some(cached) = cache::org_page(session, page) {
                    return Ok(cached);
                }
                // The page validation fetched is read, not taken: the organization listing
                // still finds it, whichever comes first (baton's syncer lists users beside
                // organizations).
                let fetched = match self.shared.peek_prefetched(ORGS, page) {
                    Some(prefetched) => prefetched,
                    None => self.org_page(page).await?,
                };
                let entries = fetched.map_items(org_entry);
                cache::put_org_page(session, page, &entries);
                Ok(entries)
            })
            .await?;
        let orgs: Vec<OrgEntry> = pages.into_iter().flat_map(|p| p.items).collect();
        cache::put_orgs(session, &orgs);
        Ok(orgs)
    }

    /// The opening of a listing of an organization's children: the organization's resource id
    /// and entry, and the page asked for; `None` at the top level, where an organization's
    /// children are not listed.
    pub(crate) async fn children_of(
        &self,
        cx: &ListContext,
    ) -> Result<Option<(ResourceId, OrgEntry, PageToken)>, ConnectorError> {
        let Some(parent) = &cx.parent else {
            return Ok(None);
        };
        let at = PageToken::parse(cx.call.page_token.as_deref())?;
        let org = self.org(&cx.call.session, &parent.resource).await?;
        Ok(Some((parent.clone(), org, at)))
    }

    /// The organization with id `org_id`.
    pub(crate) async fn org(
        &self,
        session: &SessionCache,
        org_id: &str,
    ) -> Result<OrgEntry, ConnectorError> {
        if let Some(org) = cache::org(session, org_id) {
            return Ok(org);
        }
        self.organizations(session)
            .await?
            .into_iter()
            .find(|o| o.id == org_id)
            .ok_or_else(|| {
                ConnectorError::new(
                    ErrorKind::PermissionDenied,
                    format!(
                        "organization {org_id} is not among the organizations the service token \
                     reaches any more: give the token read_organization on it again"
                    ),
                )
            })
    }

    /// Page `page` of `org`'s members (the first page validation fetched, or a request),
    /// rechecked against page 1 (see the module docs), with its compact form cached for the
    /// organization's entitlements and grants; after a fresh listing, that listing's pages are
    /// cached instead.
    pub(crate) async fn members(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
        page: u32,
    ) -> Result<Members, ConnectorError> {
        let prefetched = self.shared.take_prefetched(&members_key(org), page);
        let fetched = match prefetched {
            Some(fetched) => fetched,
            None => self.fetch_members(org, page).await?,
        };
        let relisted = self
            .members_list(org)
            .recheck(session, page, &fetched, |page| {
                self.fetch_members(org, page)
            })
            .await?;
        match relisted.is_empty() {
            true => cache::put_member_page(session, &org.id, page, &compact(&fetched)),
            false => {
                for (number, fresh) in (1..).zip(&relisted) {
                    cache::put_member_page(session, &org.id, number, &compact(fresh));
                }
            }
        }
        Ok(Members {
            page: fetched,
            relisted,
        })
    }

    pub(crate) async fn fetch_members(
        &self,
        org: &OrgEntry,
        page: u32,
    ) -> Result<FetchedPage<Member>, ConnectorError> {
        let listed = self.client.list_members(&org.name, page).await;
        org_listing(listed, "members", &org.name, READ_ORGANIZATION)
    }

    /// The compact form of page `page` of `org`'s members, as the latest listing has it:
    /// cached by the user listing, else fetched now.
    pub(crate) async fn member_page(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
        page: u32,
    ) -> Result<FetchedPage<MemberEntry>, ConnectorError> {
        let list = self.members_list(org);
        let latest = list.recorded_total(session);
        if let Some(cached) = cache::member_page(session, &org.id, page)
            // A page fetched before the list changed can be cached after the fresh listing.
            && (latest.is_none() || cached.total_count == latest)
        {
            return Ok(cached);
        }
        let members = self.members(session, org, page).await?;
        let Some(first) = members.relisted.first() else {
            return Ok(compact(&members.page));
        };
        // After a fresh listing, its page of that number holds what this page held.
        Ok(match members.relisted.get(page as usize - 1) {
            Some(fresh) => compact(fresh),
            None => FetchedPage {
                items: Vec::new(),
                next_page: None,
                ..compact(first)
            },
        })
    }
}

/// The list key of `GET /organizations`.
pub(crate) const ORGS: &str = "orgs";

/// The list key of `org`'s members.
pub(crate) fn members_key(org: &OrgEntry) -> String {
    format!("members:{}", org.id)
}

/// The client's page as the SDK's paging helpers take it.
pub(crate) fn fetched<T>(page: ApiPage<T>) -> FetchedPage<T> {
    FetchedPage {
        items: page.items,
        next_page: page.next_page.map(u64::from),
        total_pages: page.total_pages.map(u64::from),
        total_count: page.total_count,
    }
}

/// A page of a list of organization `org` that needs `access` (`what` names the list's items in
/// errors), as the SDK's paging helpers take it.
pub(crate) fn org_listing<T>(
    listed: Result<ApiPage<T>, planetscale_client::Error>,
    what: &str,
    org: &str,
    access: &str,
) -> Result<FetchedPage<T>, ConnectorError> {
    listed
        .map(fetched)
        .map_err(|e| listing_error(e, what, org, access))
}

/// The compact form of a member page, as cached.
fn compact(page: &FetchedPage<Member>) -> FetchedPage<MemberEntry> {
    page.map_items(|m| MemberEntry::from(m))
}
/// The cached form of an organization.
pub(crate) fn org_entry(org: &Organization) -> OrgEntry {
    OrgEntry {
        id: org.id.clone(),
        name: org.name.clone(),
    }
}
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values are plain data that stay consistent even if a holder panicked.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
