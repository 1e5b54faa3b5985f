//! The async walks: a list fetched page by page from page 1 by the plan's rules.

use std::collections::VecDeque;
use std::future::Future;

use super::{FetchedPage, PageToken, PagedList};
use crate::error::ConnectorError;

impl PagedList<'_> {
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

    /// Fetches the pages in order from page 1. With `steady`, gives up (returns `None`) at the
    /// first page whose `total_count` differs from page 1's.
    pub(super) async fn walk<T, F, Fut>(
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
}
