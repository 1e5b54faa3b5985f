//! One [`ResourceSyncer`](connector_sdk::ResourceSyncer) per PlanetScale resource type, and what
//! they share: the client, the pages validation already fetched, and the page-token grammar.
//!
//! # Page tokens
//!
//! Every list the connector walks is PlanetScale's page-numbered envelope. A token names one page
//! and how it was reached:
//!
//! - `p<n>`: page `n` reached by paging; after it, follow `next_page`. The first call of a list
//!   (no token) is `p1`.
//! - `e<n>`: page `n` handed to the engine with [`Page::enqueue`](connector_sdk::Page) because
//!   page 1 reported `total_pages`; only that page is fetched, concurrently with its siblings.
//!
//! The user listing walks every organization in one chain, so its tokens carry the organization's
//! index in the cached organization list: `<org index>:p<n>` or `<org index>:e<n>`.

pub(crate) mod organization;
pub(crate) mod team;
pub(crate) mod user;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use connector_sdk::{ConnectorError, ErrorKind, Profile, SessionCache, Timestamp, Value};
use planetscale_client::{Client, Member, Organization, Page as ApiPage};

use crate::cache::{self, MemberPage, OrgEntry, Paging};
use crate::connector::map_client_error;

pub(crate) use organization::OrganizationSyncer;
pub(crate) use team::TeamSyncer;
pub(crate) use user::UserSyncer;

/// The client plus the state the syncers of one connector share.
#[derive(Clone, Debug)]
pub(crate) struct Api {
    pub(crate) client: Client,
    pub(crate) shared: Arc<Shared>,
}

/// State shared by the connector and its syncers.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    prefetch: Mutex<Prefetch>,
    seen_users: Mutex<HashSet<String>>,
    /// Held while member pages are compared with page 1 and cached, so that a page fetched
    /// before a change never overwrites the pages of a fresh listing.
    member_cache: Mutex<()>,
    /// `(list, total_count)` pairs a fresh listing was made for, so that the pages that notice
    /// the same change do not each list again.
    relisted: Mutex<HashSet<(String, Option<u64>)>>,
}

/// One page of an organization's members, and, when its `total_count` shows the list changed
/// since page 1 was fetched, every member of a fresh, consistent listing.
#[derive(Debug)]
pub(crate) struct Members {
    pub(crate) page: ApiPage<Member>,
    pub(crate) relisted: Vec<Member>,
}

/// Fresh listings of one list tried before a sync gives up on a list that keeps changing.
const RELIST_ATTEMPTS: usize = 3;

/// Pages validation fetched, kept for the sync's first requests so that they are not fetched
/// twice. Each page is taken (used once): a later sync with the same connector fetches afresh.
#[derive(Debug, Default)]
pub(crate) struct Prefetch {
    /// Pages of `GET /organizations`, by page number.
    pub(crate) org_pages: HashMap<u32, ApiPage<Organization>>,
    /// Page 1 of each organization's members, by organization id.
    pub(crate) first_member_pages: HashMap<String, ApiPage<Member>>,
}

impl Shared {
    pub(crate) fn set_prefetch(&self, prefetch: Prefetch) {
        *lock(&self.prefetch) = prefetch;
    }

    fn take_org_page(&self, page: u32) -> Option<ApiPage<Organization>> {
        lock(&self.prefetch).org_pages.remove(&page)
    }

    fn take_first_member_page(&self, org_id: &str) -> Option<ApiPage<Member>> {
        lock(&self.prefetch).first_member_pages.remove(org_id)
    }

    /// Forgets the users seen so far: a new user listing starts.
    fn reset_seen_users(&self) {
        lock(&self.seen_users).clear();
    }

    /// Whether `user_id` is seen for the first time in this listing.
    fn first_sighting(&self, user_id: &str) -> bool {
        lock(&self.seen_users).insert(user_id.to_owned())
    }

    /// Whether this call is the one to list `list` again after its `total_count` went from
    /// `before` to `now`: the first call to notice a change makes the fresh listing.
    fn claim_relist(&self, list: &str, before: Option<u64>, now: Option<u64>) -> bool {
        let mut relisted = lock(&self.relisted);
        relisted.insert((list.to_owned(), before));
        relisted.insert((list.to_owned(), now))
    }
}

impl Api {
    /// One page of `GET /organizations`: the one validation fetched, or a request.
    async fn org_page(&self, page: u32) -> Result<ApiPage<Organization>, ConnectorError> {
        if let Some(fetched) = self.shared.take_org_page(page) {
            return Ok(fetched);
        }
        self.client
            .list_organizations(page)
            .await
            .map_err(|e| map_client_error(e, "listing the organizations the service token reaches"))
    }

    /// Every organization the token reaches: from the session cache, else fetched page by page
    /// (when the organization type was not synced, e.g. `--sync-resource-types user`).
    async fn organizations(&self, session: &SessionCache) -> Result<Vec<OrgEntry>, ConnectorError> {
        if let Some(orgs) = cache::orgs(session) {
            return Ok(orgs);
        }
        let mut orgs = Vec::new();
        let mut at = ListPage::FIRST;
        loop {
            let page = self.org_page(at.page).await?;
            let entries = org_entries(&page.items);
            cache::put_org_page(session, at.page, &entries);
            orgs.extend(entries);
            match follow(at, Paging::from(&page)).next {
                Some(next) => at = next,
                None => break,
            }
        }
        cache::put_orgs(session, &orgs);
        Ok(orgs)
    }

    /// The organization with id `org_id`.
    async fn org(&self, session: &SessionCache, org_id: &str) -> Result<OrgEntry, ConnectorError> {
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

    /// Page `page` of `org`'s members (the first page validation fetched, or a request), with
    /// its compact form cached for the organization grants.
    ///
    /// PlanetScale pages by offset, so a member who joins or leaves between two pages of one
    /// listing shifts the later pages: one member moves across a page boundary and would be
    /// missed. Every page reports the list's `total_count`; when a page's differs from page 1's,
    /// the organization is listed again from page 1 until all pages agree, and the fresh pages
    /// replace the cached ones.
    async fn members(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
        page: u32,
    ) -> Result<Members, ConnectorError> {
        let prefetched = if page == 1 {
            self.shared.take_first_member_page(&org.id)
        } else {
            None
        };
        let fetched = match prefetched {
            Some(fetched) => fetched,
            None => self.fetch_members(org, page).await?,
        };
        let Some(first_total) = self.cache_member_page(session, org, page, &fetched) else {
            return Ok(Members {
                page: fetched,
                relisted: Vec::new(),
            });
        };
        let list = format!("members:{}", org.id);
        if !self
            .shared
            .claim_relist(&list, first_total, fetched.total_count)
        {
            // Another call noticed the same change and lists the organization again.
            return Ok(Members {
                page: fetched,
                relisted: Vec::new(),
            });
        }
        tracing::info!(
            organization = %org.name,
            before = ?first_total,
            now = ?fetched.total_count,
            "the organization's members changed during the listing: listing them again"
        );
        let relisted = self.relist_members(session, org).await?;
        Ok(Members {
            page: fetched,
            relisted,
        })
    }

    /// Caches page `page` unless its `total_count` differs from page 1's; returns page 1's
    /// total when it does.
    fn cache_member_page(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
        page: u32,
        fetched: &ApiPage<Member>,
    ) -> Option<Option<u64>> {
        let _guard = lock(&self.shared.member_cache);
        let first_total = match page {
            1 => None,
            _ => cache::member_page(session, &org.id, 1).and_then(|p| p.total_count),
        };
        if let (Some(first), Some(now)) = (first_total, fetched.total_count)
            && first != now
        {
            return Some(Some(first));
        }
        cache::put_member_page(session, &org.id, page, &MemberPage::from(fetched));
        None
    }

    /// Lists `org`'s members afresh (see [`relist`]) and caches the fresh pages.
    async fn relist_members(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
    ) -> Result<Vec<Member>, ConnectorError> {
        let what = format!("the members of organization {}", org.name);
        let pages = relist(&what, |page| self.fetch_members(org, page)).await?;
        let _guard = lock(&self.shared.member_cache);
        for (number, fetched) in (1..).zip(&pages) {
            cache::put_member_page(session, &org.id, number, &MemberPage::from(fetched));
        }
        Ok(pages.into_iter().flat_map(|p| p.items).collect())
    }

    /// Checks page `page` of a position-paged `list` (a session-cache list name, see
    /// [`cache`]) against page 1, which records its `total_count` when more pages follow.
    ///
    /// PlanetScale pages by offset, so an item added or removed between two pages of one
    /// listing shifts the later pages: one item moves across a page boundary and would be
    /// missed. When a page's `total_count` differs from page 1's, this returns every item of a
    /// fresh, consistent listing (see [`relist`]), unless another call already listed again for
    /// the same change; otherwise nothing. `what` names the list in errors.
    pub(crate) async fn recheck<T, F, Fut>(
        &self,
        session: &SessionCache,
        list: &str,
        what: &str,
        at: (u32, &ApiPage<T>),
        fetch: F,
    ) -> Result<Vec<T>, ConnectorError>
    where
        F: Fn(u32) -> Fut,
        Fut: Future<Output = Result<ApiPage<T>, ConnectorError>>,
    {
        let (page, fetched) = at;
        if page == 1 {
            // A list of one page has nothing to compare with (most teams): nothing to record.
            if fetched.next().is_some() || fetched.total_pages.is_some_and(|n| n > 1) {
                cache::put_first_total(session, list, fetched.total_count);
            }
            return Ok(Vec::new());
        }
        let (Some(before), Some(now)) = (cache::first_total(session, list), fetched.total_count)
        else {
            return Ok(Vec::new());
        };
        if before == now || !self.shared.claim_relist(list, Some(before), Some(now)) {
            return Ok(Vec::new());
        }
        tracing::info!(
            list = what,
            before,
            now,
            "the list changed during the listing: listing it again"
        );
        let pages = relist(what, fetch).await?;
        Ok(pages.into_iter().flat_map(|p| p.items).collect())
    }

    async fn fetch_members(
        &self,
        org: &OrgEntry,
        page: u32,
    ) -> Result<ApiPage<Member>, ConnectorError> {
        self.client
            .list_members(&org.name, page)
            .await
            .map_err(|e| listing_error(e, "members", &org.name))
    }

    /// The compact form of page `page` of `org`'s members: cached by the user listing, else
    /// fetched now (with every member of a fresh listing when the list changed since page 1).
    async fn member_page(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
        page: u32,
    ) -> Result<MemberPage, ConnectorError> {
        if let Some(cached) = cache::member_page(session, &org.id, page) {
            return Ok(cached);
        }
        let fetched = self.members(session, org, page).await?;
        let mut compact = MemberPage::from(&fetched.page);
        let extra = fetched.relisted.iter();
        compact
            .members
            .extend(extra.map(|m| (m.user.id.clone(), m.role.to_string())));
        compact.members.sort_unstable();
        compact.members.dedup();
        Ok(compact)
    }
}

/// Lists a position-paged list from page 1 to the end, again while its pages disagree on
/// `total_count` or the items counted differ from it, at most [`RELIST_ATTEMPTS`] times.
async fn relist<T, F, Fut>(what: &str, fetch: F) -> Result<Vec<ApiPage<T>>, ConnectorError>
where
    F: Fn(u32) -> Fut,
    Fut: Future<Output = Result<ApiPage<T>, ConnectorError>>,
{
    for _ in 0..RELIST_ATTEMPTS {
        let mut pages: Vec<ApiPage<T>> = Vec::new();
        let mut page = 1;
        let consistent = loop {
            let fetched = fetch(page).await?;
            if pages
                .first()
                .is_some_and(|first| first.total_count != fetched.total_count)
            {
                break false;
            }
            let next = fetched.next();
            pages.push(fetched);
            match next {
                Some(next) if next > page => page = next,
                _ => {
                    let counted: usize = pages.iter().map(|p| p.items.len()).sum();
                    break pages[0]
                        .total_count
                        .is_none_or(|total| total == counted as u64);
                }
            }
        };
        if consistent {
            return Ok(pages);
        }
    }
    Err(ConnectorError::new(
        ErrorKind::Unavailable,
        format!(
            "{what} changed during each of {RELIST_ATTEMPTS} listings in a row: run the sync \
             again when they settle"
        ),
    ))
}

/// The error for a failed list call under an organization. PlanetScale answers a missing
/// permission with 404, so a 404 (or 403) fails the sync with what to do: read as an empty list,
/// it would look like everyone lost access.
pub(crate) fn listing_error(
    e: planetscale_client::Error,
    what: &str,
    org_name: &str,
) -> ConnectorError {
    if !(e.is_not_found() || e.is_forbidden()) {
        return map_client_error(e, &format!("listing the {what} of organization {org_name}"));
    }
    let status = if e.is_forbidden() {
        "403 Forbidden"
    } else {
        "404 Not Found"
    };
    ConnectorError::new(
        ErrorKind::PermissionDenied,
        format!(
            "listing the {what} of organization {org_name}: PlanetScale answered {status}, which \
             means the service token lacks the read_organization access on {org_name} (or the \
             organization is gone); add it in {org_name}'s Organization settings → Service tokens"
        ),
    )
    .with_source(e)
}

/// One page of a list, as named by a page token (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ListPage {
    /// 1-based page number.
    pub(crate) page: u32,
    /// Fetched on its own, as one of the pages page 1 enqueued.
    pub(crate) enqueued: bool,
}

impl ListPage {
    pub(crate) const FIRST: ListPage = ListPage {
        page: 1,
        enqueued: false,
    };

    /// The page a token names; no token is the first page.
    pub(crate) fn parse(token: Option<&str>) -> Result<Self, ConnectorError> {
        let Some(token) = token else {
            return Ok(ListPage::FIRST);
        };
        let (enqueued, number) = match token.split_at_checked(1) {
            Some(("p", number)) => (false, number),
            Some(("e", number)) => (true, number),
            _ => return Err(bad_token(token)),
        };
        match number.parse::<u32>() {
            Ok(page) if page >= 1 && number.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(ListPage { page, enqueued })
            }
            _ => Err(bad_token(token)),
        }
    }

    /// The token that names this page.
    pub(crate) fn token(self) -> String {
        let kind = if self.enqueued { 'e' } else { 'p' };
        format!("{kind}{}", self.page)
    }
}

fn bad_token(token: &str) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::InvalidArgument,
        format!(
            "page token {token:?} was not issued by this connector (expected p<page> or e<page>): \
             start the sync afresh"
        ),
    )
}

/// What comes after a fetched page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Next {
    /// The page to fetch after this one, in the same chain.
    pub(crate) next: Option<ListPage>,
    /// Pages to fetch independently and concurrently.
    pub(crate) enqueue: Vec<ListPage>,
}

impl Next {
    pub(crate) fn next_token(&self) -> Option<String> {
        self.next.map(ListPage::token)
    }

    pub(crate) fn enqueue_tokens(&self) -> impl Iterator<Item = String> + '_ {
        self.enqueue.iter().map(|p| p.token())
    }
}

/// Plans the rest of a list after fetching page `at`: page 1 with a known `total_pages` enqueues
/// pages 2..=total at once; otherwise follow `next_page` until it is null, not ahead, or the
/// page is empty; an enqueued page stands alone.
pub(crate) fn follow(at: ListPage, paging: Paging) -> Next {
    if at.enqueued {
        return Next::default();
    }
    if at.page == 1
        && let Some(total) = paging.total_pages
    {
        let enqueue = (2..=total)
            .map(|page| ListPage {
                page,
                enqueued: true,
            })
            .collect();
        return Next {
            next: None,
            enqueue,
        };
    }
    match paging.next_page {
        Some(page) if page > at.page && !paging.empty => Next {
            next: Some(ListPage {
                page,
                enqueued: false,
            }),
            enqueue: Vec::new(),
        },
        _ => Next::default(),
    }
}

pub(crate) fn org_entries(orgs: &[Organization]) -> Vec<OrgEntry> {
    orgs.iter()
        .map(|o| OrgEntry {
            id: o.id.clone(),
            name: o.name.clone(),
        })
        .collect()
}

/// An ISO-8601 timestamp from the API; unparsable ones are left unset rather than failing.
pub(crate) fn timestamp(value: Option<&str>) -> Option<Timestamp> {
    let value = value?;
    match value.parse::<jiff::Timestamp>() {
        Ok(t) => Some(Timestamp::from_unix(t.as_second(), t.subsec_nanosecond())),
        Err(error) => {
            tracing::debug!(value, %error, "unparsable timestamp left unset");
            None
        }
    }
}

/// The string when present and not blank.
pub(crate) fn non_blank(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|s| !s.trim().is_empty())
}

/// Adds `key` to `profile` when the value is present; reviewers see absent facts as absent.
pub(crate) fn put<V: Into<Value>>(profile: &mut Profile, key: &str, value: Option<V>) {
    if let Some(value) = value {
        profile.insert(key.to_owned(), value.into());
    }
}

/// A link into the PlanetScale web console.
pub(crate) fn console_url(segments: &[&str]) -> Option<String> {
    let mut url = url::Url::parse("https://app.planetscale.com/").ok()?;
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend(segments);
    Some(url.into())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values are plain data that stay consistent even if a holder panicked.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(next_page: Option<u32>, total_pages: Option<u32>) -> Paging {
        Paging {
            next_page,
            total_pages,
            empty: false,
        }
    }

    fn enq(page: u32) -> ListPage {
        ListPage {
            page,
            enqueued: true,
        }
    }

    fn chain(page: u32) -> ListPage {
        ListPage {
            page,
            enqueued: false,
        }
    }

    #[test]
    fn tokens_round_trip_and_reject_foreign_ones() {
        assert_eq!(ListPage::parse(None).unwrap(), ListPage::FIRST);
        for page in [chain(1), chain(7), enq(2), enq(1000)] {
            assert_eq!(ListPage::parse(Some(&page.token())).unwrap(), page);
        }
        assert_eq!(chain(3).token(), "p3");
        assert_eq!(enq(3).token(), "e3");
        for bad in [
            "",
            "3",
            "p",
            "p0",
            "x3",
            "p-1",
            "p+1",
            "e 2",
            "p99999999999",
        ] {
            let err = ListPage::parse(Some(bad)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn first_page_with_total_enqueues_the_rest() {
        let next = follow(ListPage::FIRST, paging(Some(2), Some(4)));
        assert_eq!(
            next,
            Next {
                next: None,
                enqueue: vec![enq(2), enq(3), enq(4)]
            }
        );
        assert_eq!(
            next.enqueue_tokens().collect::<Vec<_>>(),
            ["e2", "e3", "e4"]
        );
        assert_eq!(
            follow(ListPage::FIRST, paging(None, Some(1))),
            Next::default()
        );
        assert_eq!(
            follow(ListPage::FIRST, paging(None, Some(0))),
            Next::default()
        );
    }

    #[test]
    fn enqueued_pages_stand_alone() {
        assert_eq!(follow(enq(2), paging(Some(3), Some(4))), Next::default());
    }

    #[test]
    fn without_total_follow_next_page_until_it_stops_or_goes_back() {
        assert_eq!(
            follow(ListPage::FIRST, paging(Some(2), None)).next,
            Some(chain(2))
        );
        assert_eq!(
            follow(chain(2), paging(Some(3), Some(3))).next,
            Some(chain(3))
        );
        assert_eq!(follow(chain(3), paging(None, None)).next, None);
        assert_eq!(follow(chain(3), paging(Some(3), None)).next, None);
        assert_eq!(follow(chain(3), paging(Some(1), None)).next, None);
        let empty = Paging {
            next_page: Some(4),
            total_pages: None,
            empty: true,
        };
        assert_eq!(follow(chain(3), empty).next, None);
    }

    #[test]
    fn timestamps_parse_iso_8601_and_leave_garbage_unset() {
        let t = timestamp(Some("2024-03-05T17:22:10.512Z")).unwrap();
        assert_eq!(t, Timestamp::from_unix(1_709_659_330, 512_000_000));
        assert_eq!(timestamp(Some("yesterday")), None);
        assert_eq!(timestamp(None), None);
    }

    #[test]
    fn console_urls_encode_their_segments() {
        assert_eq!(
            console_url(&["acme"]).unwrap(),
            "https://app.planetscale.com/acme"
        );
        assert_eq!(
            console_url(&["a b/c"]).unwrap(),
            "https://app.planetscale.com/a%20b%2Fc"
        );
    }
}
