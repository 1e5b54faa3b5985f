//! One page of a paginated list, and the item stream built on pages.

use std::future::Future;

use futures::{Stream, TryStreamExt, stream};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lenient::null_as_default;

/// One page of a list endpoint. Every envelope field but `data` is optional, because the
/// envelope has changed shape several times; a `null` `data` reads as empty.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    /// The items, from the envelope's `data`.
    #[serde(rename = "data", deserialize_with = "null_as_default")]
    pub items: Vec<T>,
    /// The page number the server says this is.
    #[serde(default)]
    pub current_page: Option<u32>,
    /// The next page's number; `None` on the last page.
    #[serde(default)]
    pub next_page: Option<u32>,
    /// The number of items a full page holds, as the server says.
    #[serde(default)]
    pub per_page: Option<u32>,
    /// The number of items in all pages, on the endpoints that report it.
    #[serde(default)]
    pub total_count: Option<u64>,
    /// The number of pages, on the endpoints that report it.
    #[serde(default)]
    pub total_pages: Option<u32>,
}

impl<T> Page<T> {
    /// The page to fetch after this one, if any: `None` when `next_page` is absent or the
    /// page is empty, so an empty page always ends a listing.
    pub fn next(&self) -> Option<u32> {
        if self.items.is_empty() {
            return None;
        }
        self.next_page
    }
}

/// A lazy stream of items that fetches page 1, then each `next` page, on demand. An error
/// ends the stream after it is yielded.
pub(crate) fn item_stream<'a, T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T>> + Send + 'a
where
    T: Send + 'a,
    F: FnMut(u32) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T>>> + Send + 'a,
{
    stream::try_unfold((fetch, Some(1)), |(mut fetch, page)| async move {
        let Some(page) = page else {
            return Ok::<_, Error>(None);
        };
        let fetched = fetch(page).await?;
        let next = fetched.next();
        let items = stream::iter(fetched.items.into_iter().map(Ok));
        Ok(Some((items, (fetch, next))))
    })
    .try_flatten()
}
