//! Resource pages fetched ahead of baton's calls.
//!
//! baton's syncer lists one resource type (under one parent) a page at a time: it asks for the
//! next page only once it has stored the last, so a listing of many pages — every organization
//! member of a large organization — costs one round trip to the API per page, one after another,
//! where the SDK's own engine fetches a page's independent pages (`Page::enqueue`) at once.
//! baton does not schedule those on resource listings, so they are chained into the page tokens
//! ([`crate::tokens`]), and the ones a listing will ask for are known when a page is answered.
//! [`Ahead`] starts those calls at once (at most [`LOOKAHEAD`] per listing), and the call that
//! asks for one takes its result. Only the syncer's independent pages are fetched ahead, never
//! its next token: the engine's concurrency, no more.
//!
//! Every page is still fetched once: a page is fetched ahead only under the token baton will
//! send, and one that failed is fetched again when asked for, so its error reaches baton (and its
//! retries) as if it had not been fetched ahead. Pages nobody took are dropped, their calls
//! stopped, with their sync (`Cleanup`, or a sync forgotten).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use connector_sdk::{ConnectorError, Page, Resource, ResourceId};
use tokio::task::JoinHandle;

/// The tokens of one listing fetched ahead at most: about the SDK engine's default concurrency.
pub(crate) const LOOKAHEAD: usize = 8;

/// Which page: the resource type, its parent (`type/id`, empty at the top level) and the
/// syncer's page token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PageKey {
    resource_type: String,
    parent: String,
    token: String,
}

impl PageKey {
    pub(crate) fn new(resource_type: &str, parent: Option<&ResourceId>, token: &str) -> PageKey {
        PageKey {
            resource_type: resource_type.to_owned(),
            parent: parent.map(ToString::to_string).unwrap_or_default(),
            token: token.to_owned(),
        }
    }

    /// The same listing's page at `token`.
    pub(crate) fn at(&self, token: &str) -> PageKey {
        PageKey {
            token: token.to_owned(),
            ..self.clone()
        }
    }
}

type Fetch = JoinHandle<Result<Page<Resource>, ConnectorError>>;

/// One sync's pages fetched ahead. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ahead {
    pages: Arc<Mutex<Pending>>,
}

/// The calls started; those not taken are stopped when the last handle goes.
#[derive(Debug, Default)]
struct Pending(HashMap<PageKey, Fetch>);

impl Drop for Pending {
    fn drop(&mut self) {
        for fetch in self.0.values() {
            fetch.abort();
        }
    }
}

impl Ahead {
    /// The page at `key` if it was fetched ahead and succeeded; `None` when it was not fetched
    /// ahead, or failed (the caller then fetches it itself).
    pub(crate) async fn take(&self, key: &PageKey) -> Option<Page<Resource>> {
        let fetch = self.lock().0.remove(key)?;
        match fetch.await {
            Ok(Ok(page)) => Some(page),
            Ok(Err(error)) => {
                tracing::debug!(target: "connector", %error, token = key.token, "a page fetched ahead failed: fetching it again");
                None
            }
            Err(_) => None,
        }
    }

    /// Starts `fetch` for `key` unless that page is already under way.
    pub(crate) fn start<F>(&self, key: PageKey, fetch: impl FnOnce() -> F)
    where
        F: Future<Output = Result<Page<Resource>, ConnectorError>> + Send + 'static,
    {
        self.lock()
            .0
            .entry(key)
            .or_insert_with(|| tokio::spawn(fetch()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pages.lock().unwrap_or_else(|e| e.into_inner())
    }
}
