//! Re-listing memory: page 1's `total_count` kept in the session, later pages compared with it,
//! and a changed list listed again once per change (see the [module docs](super)).

use std::future::Future;

use super::{FetchedPage, PagedList, RELIST_ATTEMPTS};
use crate::error::{ConnectorError, ErrorKind};
use crate::session::SessionCache;

impl PagedList<'_> {
    /// Checks page `page` of the list, fetched as `fetched`, against page 1; see the
    /// [module docs](super). Returns the pages of a fresh, consistent listing when this call
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

    fn total_key(&self) -> String {
        format!("paging:total:{}", self.key)
    }
}
