//! Paging helpers for page-numbered list APIs: page tokens, the pages that follow a fetched one,
//! bounds on what an API may announce, and the check that lists a list again when it changed
//! between its pages.
//!
//! Many REST APIs page their lists by number (`?page=n`) and answer with an envelope that may
//! report the next page's number, the number of pages and the number of items. This module turns
//! such pages into the engine's page tokens. It knows nothing of HTTP: the connector fetches
//! (an async function from a page number to a [`FetchedPage`]) and converts its client's page
//! into a [`FetchedPage`].
//!
//! # Page tokens
//!
//! A [`PageToken`] names one page of a list and how it was reached:
//!
//! ```text
//! token = [ list ":" ] ( "p" | "e" ) page
//! list  = decimal, no leading zero: the list's index in a chain of lists (0 when absent)
//! page  = decimal, no leading zero, 1 to 4294967295
//! ```
//!
//! - `p<n>`: page `n` reached by following the list page by page (the first call of a listing,
//!   which has no token, is `p1`);
//! - `e<n>`: page `n` enqueued by page 1 ([`Page::enqueue`]) because page 1 announced the number
//!   of pages; it is fetched on its own, concurrently with its siblings, and leads nowhere.
//!
//! A syncer that walks several lists in one chain of calls (every organization's members, one
//! organization after the other, say) puts the list's index in front: `3:p2` is page 2 of the
//! fourth list. The index is written only when it is not 0, so a single list's tokens are `p<n>`
//! and `e<n>`; `0:` is accepted and dropped.
//!
//! # What follows a page
//!
//! [`PagedList::plan`] decides from one fetched page what to fetch next ([`Plan`]):
//!
//! - An enqueued page leads nowhere, and an empty page ends its list.
//! - Page 1 that announces `total_pages` enqueues pages 2 to `total_pages` at once.
//! - Otherwise, while a page announces a `next_page`, the page after it follows in the chain.
//!   That is always the page numbered one more: a `next_page` further ahead would skip pages, and
//!   one that is not ahead would loop, which is an error.
//! - [`Plan::or_next_list`] hands a chain of lists on to page 1 of the next list when a chained
//!   page ends its list.
//!
//! # Bounds
//!
//! An API that is broken or hostile must not make a sync exhaust memory or loop, nor drop items
//! silently. A page's announcements are checked against what it holds:
//!
//! - The page size is taken to be the number of items on a page that is not the last one; a list
//!   of `total_count` items then has at most `⌈total_count / page size⌉` pages. Announcing more
//!   (`total_pages` on page 1, or a `next_page` after the last page the count allows) is an
//!   [`ErrorKind::Internal`] error that names both figures. Announcing fewer is the API's own
//!   statement that no more pages exist, and is followed.
//! - No list has more than [`Pager::max_pages`] pages ([`DEFAULT_MAX_PAGES`] unless the connector
//!   says otherwise); a list that goes on further is an error, whatever it announces.
//! - Page 1 that is empty while `total_count` reports items is an error.
//!
//! Errors rather than clamping: a listing whose envelope contradicts itself cannot be vouched
//! for, and an access review must not read a list cut short as access that was revoked. A
//! `next_page` that skips ahead is the one thing corrected without an error, by fetching the page
//! after the current one: that loses nothing.
//!
//! # Lists that change between their pages
//!
//! Page-numbered lists are usually offset-paged: an item added or removed after page 1 was served
//! shifts the later pages, so one item moves across a page boundary and is never seen. Each page
//! reports the list's `total_count`; [`PagedList::recheck`] records page 1's in the sync's
//! [`SessionCache`] (when the list spans several pages) and compares every later page's with it.
//! When they differ, the first call to notice lists the whole list again from page 1 until its
//! pages agree on `total_count` and hold that many items (at most [`RELIST_ATTEMPTS`] times, then
//! an [`ErrorKind::Unavailable`] error), and hands the fresh pages back; calls that notice the
//! same change later hand back nothing. Session keys starting with `paging:` belong to this
//! module.
//!
//! # Example
//!
//! ```
//! use connector_sdk::paging::{FetchedPage, PageToken, Pager};
//! use connector_sdk::{ConnectorError, Page};
//!
//! /// One page of 250 projects, 100 a page, as an API client would fetch and convert it.
//! async fn fetch_projects(page: u32) -> Result<FetchedPage<String>, ConnectorError> {
//!     let start = (page as usize - 1) * 100;
//!     let items: Vec<String> = (start..250.min(start + 100))
//!         .map(|i| format!("project-{i}"))
//!         .collect();
//!     Ok(FetchedPage {
//!         next_page: (start + 100 < 250).then(|| u64::from(page) + 1),
//!         total_pages: Some(3),
//!         total_count: Some(250),
//!         items,
//!     })
//! }
//!
//! /// The body of a `ResourceSyncer::list` over those projects.
//! async fn list(pager: &Pager, token: Option<&str>) -> Result<Page<String>, ConnectorError> {
//!     let at = PageToken::parse(token)?;
//!     let fetched = fetch_projects(at.page).await?;
//!     let plan = pager.list("projects", "the projects").plan(at, &fetched)?;
//!     Ok(plan.into_page(fetched.items))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ConnectorError> {
//! let pager = Pager::default();
//! let first = list(&pager, None).await?;
//! assert_eq!((first.items.len(), first.next_token), (100, None));
//! assert_eq!(first.enqueue, ["e2", "e3"]);
//! let last = list(&pager, Some("e3")).await?;
//! assert_eq!((last.items.len(), last.enqueue.len()), (50, 0));
//! # Ok(())
//! # }
//! ```

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::error::{ConnectorError, ErrorKind};
use crate::session::SessionCache;
use crate::syncer::Page;

/// The most pages a list may have unless the connector sets [`Pager::with_max_pages`]: a million
/// items at 100 a page.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// Fresh listings of a changed list tried before [`PagedList::recheck`] gives up on a list that
/// keeps changing.
pub const RELIST_ATTEMPTS: usize = 3;

/// One page of a list as named by a page token; see the [module docs](self) for the grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageToken {
    /// The list's index in a chain of lists; 0 for a syncer that walks one list.
    pub list: usize,
    /// The 1-based page number.
    pub page: u32,
    /// Fetched on its own, as one of the pages page 1 enqueued.
    pub enqueued: bool,
}

impl PageToken {
    /// Page 1 of the first (or only) list: where a listing without a token starts.
    pub const FIRST: PageToken = PageToken::first_of(0);

    /// Page 1 of list `list` of a chain, reached by following the chain.
    pub const fn first_of(list: usize) -> PageToken {
        PageToken {
            list,
            page: 1,
            enqueued: false,
        }
    }

    /// The page `token` names; no token is [`PageToken::FIRST`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a token outside the grammar.
    pub fn parse(token: Option<&str>) -> Result<PageToken, ConnectorError> {
        token.map_or(Ok(PageToken::FIRST), str::parse)
    }
}

impl fmt::Display for PageToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.list > 0 {
            write!(f, "{}:", self.list)?;
        }
        let kind = if self.enqueued { 'e' } else { 'p' };
        write!(f, "{kind}{}", self.page)
    }
}

impl FromStr for PageToken {
    type Err = ConnectorError;

    fn from_str(token: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ConnectorError::new(
                ErrorKind::InvalidArgument,
                format!(
                    "page token {token:?} was not issued by this connector (expected \
                     [<list>:]p<page> or [<list>:]e<page>): start the sync afresh"
                ),
            )
        };
        let (list, rest) = match token.split_once(':') {
            Some((list, rest)) => (decimal(list).ok_or_else(bad)?, rest),
            None => (0, token),
        };
        let (enqueued, page) = match rest.split_at_checked(1) {
            Some(("p", page)) => (false, page),
            Some(("e", page)) => (true, page),
            _ => return Err(bad()),
        };
        match decimal(page) {
            Some(page) if page >= 1 => Ok(PageToken {
                list,
                page,
                enqueued,
            }),
            _ => Err(bad()),
        }
    }
}

/// `1 page`, `3 pages`.
fn counted(n: u64, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// A decimal number written the one way [`PageToken`]'s `Display` writes it.
fn decimal<N: FromStr>(digits: &str) -> Option<N> {
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    canonical.then(|| digits.parse().ok()).flatten()
}

/// One page of a list as the API answered it, converted from the connector's client type.
///
/// Counts are `u64` so that whatever an API announces fits; [`PagedList::plan`] bounds them.
/// Serialisable, so that a connector can keep pages (or a compact form made with
/// [`FetchedPage::map_items`]) in the [`SessionCache`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// The page the API says comes next; `None` on the last page.
    #[serde(default)]
    pub next_page: Option<u64>,
    /// The number of pages, when the API reports it.
    #[serde(default)]
    pub total_pages: Option<u64>,
    /// The number of items on all pages, when the API reports it.
    #[serde(default)]
    pub total_count: Option<u64>,
}

impl<T> FetchedPage<T> {
    /// The same page with each item mapped, e.g. to the compact form a connector caches.
    pub fn map_items<U>(&self, f: impl FnMut(&T) -> U) -> FetchedPage<U> {
        FetchedPage {
            items: self.items.iter().map(f).collect(),
            next_page: self.next_page,
            total_pages: self.total_pages,
            total_count: self.total_count,
        }
    }

    /// Whether the page says other pages follow it.
    fn announces_more(&self) -> bool {
        self.next_page.is_some() || self.total_pages.is_some_and(|n| n > 1)
    }
}

/// What to fetch after a page: the next page of the chain, and pages to fetch on their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    at: PageToken,
    next: Option<PageToken>,
    /// Page numbers to enqueue (empty unless `at` is page 1 and the count is known).
    enqueue: RangeInclusive<u32>,
}

impl Plan {
    /// Nothing follows `at`.
    fn end(at: PageToken) -> Plan {
        Plan {
            at,
            next: None,
            enqueue: RangeInclusive::new(1, 0),
        }
    }

    /// The page to fetch after this one in the same chain of calls.
    pub fn next(&self) -> Option<PageToken> {
        self.next
    }

    /// The pages to fetch on their own, concurrently.
    pub fn enqueue(&self) -> impl Iterator<Item = PageToken> + '_ {
        self.enqueue.clone().map(|page| PageToken {
            page,
            enqueued: true,
            ..self.at
        })
    }

    /// In a chain that walks `lists` lists one after the other: when this page ends its list
    /// and was reached by following the chain (not enqueued), the chain goes on at page 1 of the
    /// next list, if there is one.
    pub fn or_next_list(mut self, lists: usize) -> Plan {
        let following = self.at.list + 1;
        if self.next.is_none() && !self.at.enqueued && following < lists {
            self.next = Some(PageToken::first_of(following));
        }
        self
    }

    /// A syncer's page of `items` carrying this plan's next token and enqueued tokens.
    pub fn into_page<T>(self, items: Vec<T>) -> Page<T> {
        let enqueue = self.enqueue().map(|t| t.to_string()).collect::<Vec<_>>();
        Page::with_next(items, self.next.map(|t| t.to_string())).with_enqueued(enqueue)
    }
}

/// The paging rules of one connector: the page limit, and which changed lists are being listed
/// again. Hold one per connector (it is `Send + Sync`) and share it between its syncers.
#[derive(Debug)]
pub struct Pager {
    max_pages: u32,
    /// Per list key, the `total_count` values a fresh listing was made (or is being made) for, so
    /// that the calls that notice one change do not each list again.
    relists: Mutex<HashMap<String, HashSet<u64>>>,
}

impl Default for Pager {
    fn default() -> Self {
        Pager::with_max_pages(DEFAULT_MAX_PAGES)
    }
}

impl Pager {
    /// A pager that refuses lists of more than `max_pages` pages (at least 1).
    pub fn with_max_pages(max_pages: u32) -> Pager {
        Pager {
            max_pages: max_pages.max(1),
            relists: Mutex::default(),
        }
    }

    /// The most pages a list may have.
    pub fn max_pages(&self) -> u32 {
        self.max_pages
    }

    /// One list: `key` identifies it within a sync (for example `members:<org id>`) and `what`
    /// names it in errors and logs (for example `the members of organization acme`).
    pub fn list(&self, key: impl Into<String>, what: impl Into<String>) -> PagedList<'_> {
        PagedList {
            pager: self,
            key: key.into(),
            what: what.into(),
        }
    }

    fn relists(&self) -> MutexGuard<'_, HashMap<String, HashSet<u64>>> {
        // Plain data that stays consistent even if a holder panicked.
        self.relists.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One list under a [`Pager`]'s rules; made by [`Pager::list`].
#[derive(Debug)]
pub struct PagedList<'a> {
    pager: &'a Pager,
    key: String,
    what: String,
}

impl PagedList<'_> {
    /// What to fetch after page `at`, which the API answered with `page`; see the
    /// [module docs](self) for the rules and bounds.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Internal`] when `page` announces more pages than its `total_count` fills or
    /// than [`Pager::max_pages`], a `next_page` that does not move forward, or no items on page 1
    /// of a list that counts some.
    pub fn plan<T>(&self, at: PageToken, page: &FetchedPage<T>) -> Result<Plan, ConnectorError> {
        let end = Plan::end(at);
        if at.enqueued {
            return Ok(end);
        }
        if page.items.is_empty() {
            return match page.total_count {
                Some(count) if count > 0 && at.page == 1 => Err(self.nonsense(format!(
                    "page 1 is empty, but the list counts {}",
                    counted(count, "item")
                ))),
                _ => Ok(end),
            };
        }
        // A page that others follow is full: its size is the page size.
        let per_page = page.items.len() as u64;
        let fill = page
            .total_count
            .map(|count| (count, count.div_ceil(per_page)));
        if at.page == 1
            && let Some(pages) = page.total_pages
        {
            if let Some((count, filled)) = fill
                && pages > filled
            {
                return Err(self.nonsense(format!(
                    "page 1 announces {}, but a list of {} at {per_page} a page has only {}",
                    counted(pages, "page"),
                    counted(count, "item"),
                    counted(filled, "page"),
                )));
            }
            let last = self.within_limit(pages)?;
            return Ok(Plan {
                enqueue: RangeInclusive::new(2, last),
                ..end
            });
        }
        let Some(next_page) = page.next_page else {
            return Ok(end);
        };
        if next_page <= u64::from(at.page) {
            return Err(self.nonsense(format!(
                "page {} announces next page {next_page}, which does not move forward; \
                 stopping instead of looping",
                at.page
            )));
        }
        let following = u64::from(at.page) + 1;
        if let Some((count, filled)) = fill
            && following > filled
        {
            return Err(self.nonsense(format!(
                "page {} announces more pages, but a list of {} at {per_page} a page has only {}",
                at.page,
                counted(count, "item"),
                counted(filled, "page"),
            )));
        }
        Ok(Plan {
            next: Some(PageToken {
                page: self.within_limit(following)?,
                ..at
            }),
            ..end
        })
    }

    /// Every page of the list, fetched one after the other from page 1 by [`plan`](Self::plan)'s
    /// rules (so bounded like it): for a list a call must read whole, such as one that decides
    /// the pages of another.
    ///
    /// # Errors
    ///
    /// The first error of `fetch` or of [`plan`](Self::plan).
    pub async fn fetch_all<T, F, Fut>(
        &self,
        fetch: F,
    ) -> Result<Vec<FetchedPage<T>>, ConnectorError>
    where
        F: Fn(u32) -> Fut,
        Fut: Future<Output = Result<FetchedPage<T>, ConnectorError>>,
    {
        let walked = self.walk(&fetch, false).await?;
        Ok(walked.unwrap_or_default())
    }

    /// Checks page `page` of the list, fetched as `fetched`, against page 1; see the
    /// [module docs](self). Returns the pages of a fresh, consistent listing when this call
    /// listed the list again, else nothing. `fetch` fetches one page of the list.
    ///
    /// # Errors
    ///
    /// The first error of `fetch` or [`plan`](Self::plan) while listing again, or
    /// [`ErrorKind::Unavailable`] when the list changed during each of [`RELIST_ATTEMPTS`]
    /// fresh listings.
    pub async fn recheck<T, F, Fut>(
        &self,
        session: &SessionCache,
        page: u32,
        fetched: &FetchedPage<T>,
        fetch: F,
    ) -> Result<Vec<FetchedPage<T>>, ConnectorError>
    where
        F: Fn(u32) -> Fut,
        Fut: Future<Output = Result<FetchedPage<T>, ConnectorError>>,
    {
        let Some((before, now)) = self.observe(session, page, fetched) else {
            return Ok(Vec::new());
        };
        tracing::info!(
            list = %self.what,
            before,
            now,
            "the list changed during the listing: listing it again"
        );
        match self.relist(&fetch).await {
            Ok(pages) => {
                if let Some(total) = pages[0].total_count {
                    session.put_json(self.total_key(), &total);
                }
                Ok(pages)
            }
            Err(e) => {
                // Let a retry of this call list again.
                if let Some(claims) = self.pager.relists().get_mut(&self.key) {
                    claims.remove(&now);
                }
                Err(e)
            }
        }
    }

    /// The `total_count` the latest listing of the list reported: page 1's when the list spans
    /// several pages, or that of the fresh listing [`recheck`](Self::recheck) made. A page the
    /// connector kept whose own `total_count` differs comes from an older state of the list.
    pub fn recorded_total(&self, session: &SessionCache) -> Option<u64> {
        session.get_json(&self.total_key())
    }

    /// Records page 1's total, or compares a later page's with it. Returns `(before, now)` when
    /// the totals differ and this call is the first to notice the change to `now`.
    fn observe<T>(
        &self,
        session: &SessionCache,
        page: u32,
        fetched: &FetchedPage<T>,
    ) -> Option<(u64, u64)> {
        if page == 1 {
            // A new listing of the list: fresh listings made for an earlier one do not count.
            self.pager.relists().remove(&self.key);
            // A list of one page has nothing to compare with (most lists): nothing to record.
            if let Some(total) = fetched.total_count
                && fetched.announces_more()
                && !fetched.items.is_empty()
            {
                session.put_json(self.total_key(), &total);
            }
            return None;
        }
        let before = self.recorded_total(session)?;
        let now = fetched.total_count?;
        if before == now {
            return None;
        }
        let mut relists = self.pager.relists();
        let claims = relists.entry(self.key.clone()).or_default();
        claims.insert(before);
        claims.insert(now).then_some((before, now))
    }

    /// Lists the list from page 1 until its pages agree on `total_count` and hold that many
    /// items, at most [`RELIST_ATTEMPTS`] times.
    async fn relist<T, F, Fut>(&self, fetch: &F) -> Result<Vec<FetchedPage<T>>, ConnectorError>
    where
        F: Fn(u32) -> Fut,
        Fut: Future<Output = Result<FetchedPage<T>, ConnectorError>>,
    {
        for _ in 0..RELIST_ATTEMPTS {
            let Some(pages) = self.walk(fetch, true).await? else {
                continue;
            };
            let counted: usize = pages.iter().map(|p| p.items.len()).sum();
            if pages[0]
                .total_count
                .is_none_or(|total| total == counted as u64)
            {
                return Ok(pages);
            }
        }
        Err(ConnectorError::new(
            ErrorKind::Unavailable,
            format!(
                "{} changed during each of {RELIST_ATTEMPTS} listings in a row: run the sync \
                 again when they settle",
                self.what
            ),
        ))
    }

    /// Fetches the pages in order from page 1. With `steady`, gives up (returns `None`) at the
    /// first page whose `total_count` differs from page 1's.
    async fn walk<T, F, Fut>(
        &self,
        fetch: &F,
        steady: bool,
    ) -> Result<Option<Vec<FetchedPage<T>>>, ConnectorError>
    where
        F: Fn(u32) -> Fut,
        Fut: Future<Output = Result<FetchedPage<T>, ConnectorError>>,
    {
        let first = fetch(1).await?;
        let plan = self.plan(PageToken::FIRST, &first)?;
        let mut queue: VecDeque<PageToken> = plan.enqueue().chain(plan.next()).collect();
        let mut pages = vec![first];
        while let Some(at) = queue.pop_front() {
            let page = fetch(at.page).await?;
            if steady && page.total_count != pages[0].total_count {
                return Ok(None);
            }
            queue.extend(self.plan(at, &page)?.next());
            pages.push(page);
        }
        Ok(Some(pages))
    }

    /// `pages` as a page number, if it is within the page limit; else the error that says so.
    fn within_limit(&self, pages: u64) -> Result<u32, ConnectorError> {
        let max = self.pager.max_pages;
        match u32::try_from(pages) {
            Ok(pages) if pages <= max => Ok(pages),
            _ => Err(self.nonsense(format!(
                "the list goes on to page {pages}, past the {max} pages a list may have here"
            ))),
        }
    }

    fn nonsense(&self, detail: String) -> ConnectorError {
        ConnectorError::new(
            ErrorKind::Internal,
            format!(
                "{}: {detail}: the API answered inconsistently; run the sync again, and report it \
                 if it persists",
                self.what
            ),
        )
    }

    fn total_key(&self) -> String {
        format!("paging:total:{}", self.key)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use proptest::prelude::*;

    use super::*;

    fn page(
        items: usize,
        next: Option<u64>,
        pages: Option<u64>,
        count: Option<u64>,
    ) -> FetchedPage<u32> {
        FetchedPage {
            items: (0..items as u32).collect(),
            next_page: next,
            total_pages: pages,
            total_count: count,
        }
    }

    fn chain(page: u32) -> PageToken {
        PageToken {
            page,
            ..PageToken::FIRST
        }
    }

    fn enq(page: u32) -> PageToken {
        PageToken {
            page,
            enqueued: true,
            ..PageToken::FIRST
        }
    }

    /// The plan's next token and enqueued tokens, as the engine would get them.
    fn tokens(plan: &Plan) -> (Option<String>, Vec<String>) {
        let next = plan.next().map(|t| t.to_string());
        (next, plan.enqueue().map(|t| t.to_string()).collect())
    }

    #[track_caller]
    fn check(at: PageToken, fetched: FetchedPage<u32>, next: Option<&str>, enqueue: &[&str]) {
        let plan = Pager::default()
            .list("l", "the list")
            .plan(at, &fetched)
            .unwrap();
        assert_eq!(
            tokens(&plan),
            (
                next.map(str::to_owned),
                enqueue.iter().map(|s| s.to_string()).collect()
            )
        );
    }

    #[track_caller]
    fn check_refused(at: PageToken, fetched: FetchedPage<u32>, message: &str) {
        let err = Pager::with_max_pages(50)
            .list("l", "the list")
            .plan(at, &fetched)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(err.message().starts_with("the list: "), "{err}");
        assert!(err.message().contains(message), "{err}");
    }

    #[test]
    fn tokens_render_and_parse() {
        let cases = [
            (chain(1), "p1"),
            (enq(7), "e7"),
            (PageToken::first_of(3), "3:p1"),
            (
                PageToken {
                    list: 12,
                    ..enq(4_294_967_295)
                },
                "12:e4294967295",
            ),
        ];
        for (token, text) in cases {
            assert_eq!(token.to_string(), text);
            assert_eq!(PageToken::parse(Some(text)).unwrap(), token);
        }
        assert_eq!(PageToken::parse(None).unwrap(), PageToken::FIRST);
        // The index of the first list may be written, as tokens of earlier versions did.
        assert_eq!(PageToken::parse(Some("0:e2")).unwrap(), enq(2));
    }

    #[test]
    fn foreign_tokens_are_invalid_arguments() {
        for bad in [
            "",
            "3",
            "p",
            "p0",
            "x3",
            "p-1",
            "p+1",
            "e 2",
            "p01",
            "P1",
            "p4294967296",
            ":p1",
            "x:p1",
            "-1:p1",
            "01:p1",
            "1:p0",
            "1:q1",
            "1:p1:p1",
            "1:",
            "p1 ",
        ] {
            let err = PageToken::parse(Some(bad)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
            assert!(err.message().contains("start the sync afresh"), "{err}");
        }
    }

    fn any_token() -> impl Strategy<Value = PageToken> {
        (any::<usize>(), 1..=u32::MAX, any::<bool>()).prop_map(|(list, page, enqueued)| PageToken {
            list,
            page,
            enqueued,
        })
    }

    proptest! {
        #[test]
        fn every_token_round_trips(token in any_token()) {
            prop_assert_eq!(token.to_string().parse::<PageToken>().unwrap(), token);
        }

        #[test]
        fn what_parses_is_written_back_the_same(text in "([0-9]{1,3}:)?[pe][0-9]{1,11}|.{0,12}") {
            if let Ok(token) = text.parse::<PageToken>() {
                let written = token.to_string();
                prop_assert!(written == text || format!("0:{written}") == text, "{} → {}", text, written);
            }
        }
    }

    #[test]
    fn page_one_with_a_page_count_enqueues_the_rest() {
        check(
            chain(1),
            page(100, Some(2), Some(4), Some(350)),
            None,
            &["e2", "e3", "e4"],
        );
        // The count is believed without a total_count, and without a next_page.
        check(
            chain(1),
            page(100, None, Some(3), None),
            None,
            &["e2", "e3"],
        );
        check(chain(1), page(40, None, Some(1), Some(40)), None, &[]);
        // Fewer pages than the count fills is the API's own word that no more exist.
        check(
            chain(1),
            page(100, Some(2), Some(2), Some(900)),
            None,
            &["e2"],
        );
        let in_list_2 = PageToken::first_of(2);
        let plan = Pager::default()
            .list("l", "l")
            .plan(in_list_2, &page(10, Some(2), Some(2), None))
            .unwrap();
        assert_eq!(tokens(&plan), (None, vec!["2:e2".to_owned()]));
    }

    #[test]
    fn enqueued_and_empty_pages_lead_nowhere() {
        check(enq(2), page(100, Some(3), Some(4), Some(350)), None, &[]);
        check(chain(3), page(0, Some(4), None, None), None, &[]);
        check(chain(1), page(0, None, Some(0), Some(0)), None, &[]);
        check(chain(1), page(0, Some(2), Some(3), None), None, &[]);
    }

    #[test]
    fn without_a_page_count_the_chain_follows_next_page_one_page_at_a_time() {
        check(chain(1), page(100, Some(2), None, None), Some("p2"), &[]);
        check(
            chain(2),
            page(100, Some(3), Some(3), Some(300)),
            Some("p3"),
            &[],
        );
        check(chain(3), page(100, None, None, None), None, &[]);
        // A next_page further ahead would skip pages: the page after this one comes next.
        check(
            chain(1),
            page(100, Some(4_000_000_000), None, None),
            Some("p2"),
            &[],
        );
        check(
            chain(5),
            page(100, Some(9), None, Some(1_000)),
            Some("p6"),
            &[],
        );
    }

    #[test]
    fn announcements_beyond_what_the_items_fill_are_refused() {
        check_refused(
            chain(1),
            page(100, Some(2), Some(4_000_000_000), Some(250)),
            "page 1 announces 4000000000 pages, but a list of 250 items at 100 a page has only 3 \
             pages",
        );
        check_refused(
            chain(3),
            page(100, Some(4), None, Some(250)),
            "page 3 announces more pages, but a list of 250 items at 100 a page has only 3 pages",
        );
        check_refused(
            chain(1),
            page(0, None, None, Some(12)),
            "page 1 is empty, but the list counts 12 items",
        );
    }

    #[test]
    fn lists_longer_than_the_limit_are_refused() {
        // Consistent but enormous: 4·10⁹ pages would be 4·10⁹ tokens.
        check_refused(
            chain(1),
            page(100, Some(2), Some(4_000_000_000), Some(400_000_000_000)),
            "the list goes on to page 4000000000, past the 50 pages a list may have here",
        );
        check_refused(
            chain(1),
            page(100, Some(2), Some(51), None),
            "to page 51, past the 50 pages",
        );
        check_refused(
            chain(50),
            page(100, Some(51), None, None),
            "to page 51, past the 50 pages",
        );
        check_refused(
            chain(u32::MAX),
            page(1, Some(u64::MAX), None, None),
            "to page 4294967296",
        );
        let plan = Pager::with_max_pages(50)
            .list("l", "l")
            .plan(chain(1), &page(1, Some(2), Some(50), None))
            .unwrap();
        assert_eq!(plan.enqueue().count(), 49);
    }

    #[test]
    fn pages_that_do_not_move_forward_are_refused() {
        check_refused(
            chain(3),
            page(100, Some(3), None, None),
            "page 3 announces next page 3, which does not move forward; stopping instead of looping",
        );
        check_refused(
            chain(3),
            page(100, Some(1), None, None),
            "announces next page 1",
        );
    }

    #[test]
    fn a_chain_of_lists_moves_on_when_a_chained_page_ends_its_list() {
        let pager = Pager::default();
        let list = pager.list("l", "l");
        let lists = 3;
        let plan = |at, p| list.plan(at, &p).unwrap().or_next_list(lists);
        let at = PageToken {
            list: 1,
            ..chain(2)
        };
        assert_eq!(
            plan(at, page(10, None, None, None)).next(),
            Some(PageToken::first_of(2))
        );
        // Page 1 that enqueues its siblings hands the chain on at once.
        let enqueuing = plan(PageToken::first_of(1), page(100, Some(2), Some(3), None));
        assert_eq!(
            tokens(&enqueuing),
            (
                Some("2:p1".to_owned()),
                vec!["1:e2".to_owned(), "1:e3".to_owned()]
            )
        );
        // A page that goes on stays in its list; the last list ends the chain; enqueued pages
        // lead nowhere.
        assert_eq!(
            plan(at, page(10, Some(3), None, None)).next(),
            Some(PageToken { page: 3, ..at })
        );
        assert_eq!(
            plan(PageToken::first_of(2), page(10, None, None, None)).next(),
            None
        );
        assert_eq!(
            plan(PageToken { list: 1, ..enq(2) }, page(10, None, None, None)).next(),
            None
        );
    }

    #[test]
    fn plans_become_engine_pages() {
        let plan = Pager::default()
            .list("l", "l")
            .plan(chain(1), &page(3, Some(2), Some(3), None))
            .unwrap();
        let out = plan.into_page(vec!["a", "b", "c"]);
        assert_eq!(out.items, ["a", "b", "c"]);
        assert_eq!(out.next_token, None);
        assert_eq!(out.enqueue, ["e2", "e3"]);
        let plan = Pager::default()
            .list("l", "l")
            .plan(chain(1), &page(3, Some(2), None, None))
            .unwrap();
        assert_eq!(plan.into_page(vec![1]).next_token.as_deref(), Some("p2"));
    }

    /// A list served from `versions`: each fetch of page `n` reads the version its call count
    /// selects, `per_page` items a page, with or without a page count.
    struct Source {
        versions: Vec<Vec<u32>>,
        per_page: usize,
        pages_known: bool,
        calls: AtomicUsize,
        /// After this many fetches, the list moves to its next version.
        change_every: usize,
    }

    impl Source {
        fn new(versions: Vec<Vec<u32>>, per_page: usize) -> Self {
            Source {
                versions,
                per_page,
                pages_known: true,
                calls: AtomicUsize::new(0),
                change_every: usize::MAX,
            }
        }

        async fn fetch(&self, page: u32) -> Result<FetchedPage<u32>, ConnectorError> {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            let version = &self.versions[(call / self.change_every).min(self.versions.len() - 1)];
            let pages = version.len().div_ceil(self.per_page) as u64;
            let start = (page as usize - 1) * self.per_page;
            Ok(FetchedPage {
                items: version
                    .iter()
                    .skip(start)
                    .take(self.per_page)
                    .copied()
                    .collect(),
                next_page: (u64::from(page) < pages).then(|| u64::from(page) + 1),
                total_pages: self.pages_known.then_some(pages),
                total_count: Some(version.len() as u64),
            })
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    fn items(pages: &[FetchedPage<u32>]) -> Vec<u32> {
        pages.iter().flat_map(|p| p.items.iter().copied()).collect()
    }

    #[tokio::test]
    async fn fetch_all_walks_counted_and_chained_lists() {
        for pages_known in [true, false] {
            let source = Source {
                pages_known,
                ..Source::new(vec![(0..25).collect()], 10)
            };
            let pager = Pager::default();
            let pages = pager
                .list("l", "l")
                .fetch_all(|p| source.fetch(p))
                .await
                .unwrap();
            assert_eq!(items(&pages), (0..25).collect::<Vec<_>>());
            assert_eq!(source.calls(), 3);
        }
    }

    #[tokio::test]
    async fn fetch_all_stops_at_the_page_limit_of_an_endless_list() {
        let endless = |page: u32| async move {
            Ok::<_, ConnectorError>(FetchedPage {
                items: vec![page],
                next_page: Some(u64::from(page) + 1),
                total_pages: None,
                total_count: None,
            })
        };
        let err = Pager::with_max_pages(20)
            .list("l", "the endless list")
            .fetch_all(endless)
            .await
            .unwrap_err();
        assert!(err.message().contains("past the 20 pages"), "{err}");
    }

    #[tokio::test]
    async fn a_list_that_changed_is_listed_again_once_per_change() {
        let before: Vec<u32> = (0..25).collect();
        let after: Vec<u32> = (1..25).collect();
        let source = Source {
            change_every: 1,
            ..Source::new(vec![before, after.clone()], 10)
        };
        let session = SessionCache::default();
        let pager = Pager::default();
        let list = pager.list("l", "the list");
        let first = source.fetch(1).await.unwrap();
        assert!(
            list.recheck(&session, 1, &first, |p| source.fetch(p))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(list.recorded_total(&session), Some(25));
        let second = source.fetch(2).await.unwrap();
        let fresh = list
            .recheck(&session, 2, &second, |p| source.fetch(p))
            .await
            .unwrap();
        assert_eq!(items(&fresh), after);
        assert_eq!(list.recorded_total(&session), Some(24));
        // Page 3 of the listing that changed notices the same change: nothing more to do.
        let calls = source.calls();
        let stale = page(4, None, Some(3), Some(24));
        assert!(
            list.recheck(&session, 3, &stale, |p| source.fetch(p))
                .await
                .unwrap()
                .is_empty()
        );
        let late = FetchedPage {
            total_count: Some(25),
            ..stale
        };
        assert!(
            list.recheck(&session, 3, &late, |p| source.fetch(p))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(source.calls(), calls);
    }

    #[tokio::test]
    async fn one_page_lists_and_pages_without_totals_are_left_alone() {
        let session = SessionCache::default();
        let pager = Pager::default();
        let list = pager.list("l", "l");
        let never =
            |_: u32| async { Err::<FetchedPage<u32>, _>(ConnectorError::internal("fetched")) };
        list.recheck(&session, 1, &page(5, None, Some(1), Some(5)), never)
            .await
            .unwrap();
        assert_eq!(list.recorded_total(&session), None);
        list.recheck(&session, 2, &page(5, None, None, Some(6)), never)
            .await
            .unwrap();
        list.recheck(&session, 1, &page(5, Some(2), None, Some(9)), never)
            .await
            .unwrap();
        list.recheck(&session, 2, &page(5, None, None, None), never)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_list_that_never_settles_is_unavailable_and_may_be_retried() {
        let versions = (0..40u32).map(|n| (0..20 + n).collect()).collect();
        let source = Source {
            change_every: 1,
            ..Source::new(versions, 10)
        };
        let session = SessionCache::default();
        let pager = Pager::default();
        let list = pager.list("l", "the busy list");
        list.recheck(&session, 1, &source.fetch(1).await.unwrap(), |p| {
            source.fetch(p)
        })
        .await
        .unwrap();
        let moved = source.fetch(2).await.unwrap();
        let err = list
            .recheck(&session, 2, &moved, |p| source.fetch(p))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        assert_eq!(
            err.message(),
            "the busy list changed during each of 3 listings in a row: run the sync again when they settle"
        );
        // The engine retries the call: it lists again rather than leaving it to nobody.
        let calls = source.calls();
        let _ = list.recheck(&session, 2, &moved, |p| source.fetch(p)).await;
        assert!(source.calls() > calls);
    }

    #[tokio::test]
    async fn a_fresh_listing_counts_its_items() {
        // Pages that agree on total_count but hold fewer items than it are no consistent
        // listing.
        let short = |page: u32| async move {
            Ok::<_, ConnectorError>(FetchedPage {
                items: vec![page],
                next_page: (page < 2).then_some(2),
                total_pages: Some(2),
                total_count: Some(5),
            })
        };
        let session = SessionCache::default();
        let pager = Pager::default();
        let list = pager.list("l", "l");
        list.recheck(&session, 1, &page(2, Some(2), Some(2), Some(4)), short)
            .await
            .unwrap();
        let err = list
            .recheck(&session, 2, &page(2, None, Some(2), Some(5)), short)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
    }

    #[tokio::test]
    async fn a_new_listing_forgets_the_changes_an_earlier_one_saw() {
        let source = Source::new(vec![(0..30).collect()], 10);
        let pager = Pager::default();
        for _ in 0..2 {
            // The same change in two syncs: each lists again.
            let session = SessionCache::default();
            let list = pager.list("l", "l");
            list.recheck(&session, 1, &page(10, Some(2), Some(3), Some(29)), |p| {
                source.fetch(p)
            })
            .await
            .unwrap();
            let fresh = list
                .recheck(&session, 2, &page(10, Some(3), Some(3), Some(30)), |p| {
                    source.fetch(p)
                })
                .await
                .unwrap();
            assert_eq!(fresh.len(), 3);
        }
    }
}
