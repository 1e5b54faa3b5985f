//! Next-page planning: from one fetched page, what to fetch after it, within the bounds the
//! [module docs](super) set out.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use super::{PageToken, PagedList};
use crate::error::{ConnectorError, ErrorKind};
use crate::syncer::Page;

/// One page of a list as the API answered it, converted from the connector's client type.
///
/// Counts are `u64` so that whatever an API announces fits; [`PagedList::plan`] bounds them.
/// Serialisable, so that a connector can keep pages (or a compact form made with
/// [`FetchedPage::map_items`]) in the [`SessionCache`](crate::SessionCache).
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
    pub(super) fn announces_more(&self) -> bool {
        self.next_page.is_some() || self.total_pages.is_some_and(|n| n > 1)
    }
}

/// What to fetch after a page: the next page of the chain, and pages to fetch on their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagePlan {
    at: PageToken,
    next: Option<PageToken>,
    /// Page numbers to enqueue (empty unless `at` is page 1 and the count is known).
    enqueue: RangeInclusive<u32>,
}

impl PagePlan {
    /// Nothing follows `at`.
    fn end(at: PageToken) -> PagePlan {
        PagePlan {
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
    pub fn or_next_list(mut self, lists: usize) -> PagePlan {
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

impl PagedList<'_> {
    /// What to fetch after page `at`, which the API answered with `page`; see the
    /// [module docs](super) for the rules and bounds.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Internal`] when `page` announces more pages than its `total_count` fills or
    /// than [`Pager::max_pages`](super::Pager::max_pages), a `next_page` that does not move forward, or no items on page 1
    /// of a list that counts some.
    pub fn plan<T>(
        &self,
        at: PageToken,
        page: &FetchedPage<T>,
    ) -> Result<PagePlan, ConnectorError> {
        let end = PagePlan::end(at);
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
            return Ok(PagePlan {
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
        Ok(PagePlan {
            next: Some(PageToken {
                page: self.within_limit(following)?,
                ..at
            }),
            ..end
        })
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

    pub(super) fn nonsense(&self, detail: String) -> ConnectorError {
        ConnectorError::new(
            ErrorKind::Internal,
            format!(
                "{}: {detail}: the API answered inconsistently; run the sync again, and report it \
                 if it persists",
                self.what
            ),
        )
    }
}

/// `1 page`, `3 pages`.
fn counted(n: u64, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}
