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
//! - `e<n>`: page `n` enqueued by page 1 ([`Page::enqueue`](crate::Page::enqueue)) because page 1 announced the number
//!   of pages; it is fetched on its own, concurrently with its siblings, and leads nowhere.
//!
//! A syncer that walks several lists in one chain of calls (every organization's members, one
//! organization after the other, say) puts the list's index in front: `3:p2` is page 2 of the
//! fourth list. The index is written only when it is not 0, so a single list's tokens are `p<n>`
//! and `e<n>`; `0:` is accepted and dropped.
//!
//! # What follows a page
//!
//! [`PagedList::plan`] decides from one fetched page what to fetch next ([`PagePlan`]):
//!
//! - An enqueued page leads nowhere, and an empty page ends its list.
//! - Page 1 that announces `total_pages` enqueues pages 2 to `total_pages` at once.
//! - Otherwise, while a page announces a `next_page`, the page after it follows in the chain.
//!   That is always the page numbered one more: a `next_page` further ahead would skip pages, and
//!   one that is not ahead would loop, which is an error.
//! - [`PagePlan::or_next_list`] hands a chain of lists on to page 1 of the next list when a chained
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
//!   [`ErrorKind::Internal`](crate::ErrorKind::Internal) error that names both figures. Announcing fewer is the API's own
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
//! [`SessionCache`](crate::SessionCache) (when the list spans several pages) and compares every later page's with it.
//! When they differ, the first call to notice lists the whole list again from page 1 until its
//! pages agree on `total_count` and hold that many items (at most [`RELIST_ATTEMPTS`] times, then
//! an [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) error), and hands the fresh pages back; calls that notice the
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

mod plan;
mod relist;
mod token;
mod walk;

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

pub use plan::{FetchedPage, PagePlan};
pub use token::PageToken;

/// The most pages a list may have unless the connector sets [`Pager::with_max_pages`]: a million
/// items at 100 a page.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// Fresh listings of a changed list tried before [`PagedList::recheck`] gives up on a list that
/// keeps changing.
pub const RELIST_ATTEMPTS: usize = 3;

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

#[cfg(test)]
mod tests;
