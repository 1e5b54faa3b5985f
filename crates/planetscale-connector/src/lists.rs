//! The lists several syncers read — an organization's teams, service tokens and OAuth
//! applications, and an application's tokens — each page fetched once per sync: taken from
//! validation's prefetch or fetched by whichever syncer asks first, then kept in the session
//! cache for the others. The database listing reads them all (the databases teams and tokens
//! name), the organizations' entitlements and grants read the tokens' accesses.

use std::future::Future;

use connector_sdk::paging::{FetchedPage, PageToken, PagedList};
use connector_sdk::{ConnectorError, ErrorKind, SessionCache};
use futures::{StreamExt, TryStreamExt};
use planetscale_client::{Database, OAuthApplication, Page as ApiPage, ServiceToken, Team};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{Api, Prefetch, org_listing};
use crate::cache::{self, AppEntry, OrgEntry};
use crate::errors::map_client_error;
use crate::parts::{Part, PartReach, READ_ORGANIZATION};

/// Tokens whose accesses the list left out, fetched at once one by one.
const SINGLE_TOKEN_CONCURRENCY: usize = 8;

/// A list of one organization or application, as the sync reads it.
pub(crate) struct List<'a> {
    /// Its session key, also the key of its cached pages.
    pub(crate) key: String,
    /// The paging rules.
    pub(crate) paged: PagedList<'a>,
}

/// A page of a list for its own syncer: the page, and when the list changed and this call
/// listed it again, the items of the fresh listing that the page does not hold.
pub(crate) struct Listed<T> {
    pub(crate) page: FetchedPage<T>,
    pub(crate) relisted: Vec<T>,
}

impl<T> Listed<T> {
    /// The page's items, then the fresh listing's others.
    pub(crate) fn items(&self) -> impl Iterator<Item = &T> {
        self.page.items.iter().chain(&self.relisted)
    }
}

impl Api {
    fn keyed(&self, key: String, what: String) -> List<'_> {
        List {
            paged: self.list(key.clone(), what),
            key,
        }
    }

    /// `org`'s list of `items` (in the plural), keyed `<prefix>:<org id>`.
    pub(crate) fn org_list(&self, prefix: &str, items: &str, org: &OrgEntry) -> List<'_> {
        let what = format!("the {items} of organization {}", org.name);
        self.keyed(format!("{prefix}:{}", org.id), what)
    }

    /// `org`'s teams.
    pub(crate) fn teams_list(&self, org: &OrgEntry) -> List<'_> {
        self.org_list("teams", "teams", org)
    }

    /// `org`'s list of `part` (one whose resources are the organization's children, or its
    /// databases), keyed by the part's key and named by what it holds.
    pub(crate) fn part_list(&self, part: Part, org: &OrgEntry) -> List<'_> {
        self.org_list(part.key(), part.items(), org)
    }

    /// `org`'s service tokens.
    pub(crate) fn service_tokens_list(&self, org: &OrgEntry) -> List<'_> {
        self.part_list(Part::ServiceTokens, org)
    }

    /// `org`'s OAuth applications.
    pub(crate) fn oauth_apps_list(&self, org: &OrgEntry) -> List<'_> {
        self.part_list(Part::OAuthApplications, org)
    }

    /// The tokens of OAuth application `app_id`.
    pub(crate) fn oauth_tokens_list(&self, app_id: &str, app: &AppEntry) -> List<'_> {
        let what = format!(
            "the tokens of OAuth application {} in organization {}",
            app.name, app.org.name
        );
        self.keyed(format!("oauth-tokens:{app_id}"), what)
    }

    /// `org`'s databases.
    pub(crate) fn databases_list(&self, org: &OrgEntry) -> List<'_> {
        self.part_list(Part::Databases, org)
    }

    /// Page `page` of `list`, fetched once per sync: from the session cache, from validation's
    /// prefetch, or by `fetch`; then kept in the session cache. A cached page whose total is not
    /// the latest listing's is fetched again: it was fetched before the list changed and cached
    /// after the fresh listing that replaced it.
    pub(crate) async fn shared_page<T, F, Fut>(
        &self,
        session: &SessionCache,
        list: &List<'_>,
        page: u32,
        fetch: F,
    ) -> Result<FetchedPage<T>, ConnectorError>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: Fn(u32) -> Fut,
        Fut: Future<Output = Result<FetchedPage<T>, ConnectorError>>,
    {
        let latest = list.paged.recorded_total(session);
        if let Some(cached) = cache::page::<T>(session, &list.key, page)
            && (latest.is_none() || cached.total_count == latest)
        {
            return Ok(cached);
        }
        let fetched = self.first_or(&list.key, page, fetch).await?;
        cache::put_page(session, &list.key, page, &fetched);
        Ok(fetched)
    }

    /// Page `page` of list `key` as validation fetched it, else fetched now.
    pub(crate) async fn first_or<T, F, Fut>(
        &self,
        key: &str,
        page: u32,
        fetch: F,
    ) -> Result<FetchedPage<T>, ConnectorError>
    where
        T: 'static,
        F: Fn(u32) -> Fut,
        Fut: Future<Output = Result<FetchedPage<T>, ConnectorError>>,
    {
        match self.shared.take_prefetched(key, page) {
            Some(prefetched) => Ok(prefetched),
            None => fetch(page).await,
        }
    }

    /// Page `at` of `list` for the syncer that lists its items, rechecked against page 1 (see
    /// the module docs of `syncers`); after a fresh listing its pages replace the cached ones.
    /// `id` identifies an item, so that the fresh listing adds only items the page lacks.
    pub(crate) async fn listed<T, F, Fut>(
        &self,
        session: &SessionCache,
        list: &List<'_>,
        at: PageToken,
        fetch: F,
        id: impl Fn(&T) -> &str,
    ) -> Result<Listed<T>, ConnectorError>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: Fn(u32) -> Fut,
        Fut: Future<Output = Result<FetchedPage<T>, ConnectorError>>,
    {
        let page = self.shared_page(session, list, at.page, &fetch).await?;
        let fresh = list.paged.recheck(session, at.page, &page, &fetch).await?;
        for (number, fresh_page) in (1..).zip(&fresh) {
            cache::put_page(session, &list.key, number, fresh_page);
        }
        let relisted = fresh
            .into_iter()
            .flat_map(|p| p.items)
            .filter(|item| !page.items.iter().any(|held| id(held) == id(item)))
            .collect();
        Ok(Listed { page, relisted })
    }

    /// Every item of `list`, its pages walked from page 1 through [`shared_page`](Self::shared_page).
    async fn shared_all<T, F, Fut>(
        &self,
        session: &SessionCache,
        list: &List<'_>,
        fetch: F,
    ) -> Result<Vec<T>, ConnectorError>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: Fn(u32) -> Fut,
        Fut: Future<Output = Result<FetchedPage<T>, ConnectorError>>,
    {
        let pages = list
            .paged
            .fetch_all(|page| self.shared_page(session, list, page, &fetch))
            .await?;
        Ok(pages.into_iter().flat_map(|p| p.items).collect())
    }

    /// One page of `org`'s teams from the API.
    pub(crate) async fn fetch_teams(
        &self,
        org: &OrgEntry,
        page: u32,
    ) -> Result<FetchedPage<Team>, ConnectorError> {
        let listed = self.client.list_teams(&org.name, page).await;
        org_listing(listed, "teams", &org.name, READ_ORGANIZATION)
    }

    /// Every team of `org`.
    pub(crate) async fn teams(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
    ) -> Result<Vec<Team>, ConnectorError> {
        let list = self.teams_list(org);
        self.shared_all(session, &list, |page| self.fetch_teams(org, page))
            .await
    }

    /// One page of `org`'s service tokens from the API, each with its accesses: a token whose
    /// accesses the list left out is fetched on its own. A token deleted since the list was
    /// served (404 on its own) is left out.
    pub(crate) async fn fetch_service_tokens(
        &self,
        org: &OrgEntry,
        page: u32,
    ) -> Result<FetchedPage<ServiceToken>, ConnectorError> {
        let listed = self.client.list_service_tokens(&org.name, page).await;
        let listed = part_listing(Part::ServiceTokens, listed, &org.name)?;
        with_accesses(listed, "service token", &org.name, |id| async move {
            self.client.get_service_token(&org.name, &id).await
        })
        .await
    }

    /// Every service token of `org`, with its accesses.
    pub(crate) async fn service_tokens(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
    ) -> Result<Vec<ServiceToken>, ConnectorError> {
        let list = self.service_tokens_list(org);
        self.shared_all(session, &list, |page| self.fetch_service_tokens(org, page))
            .await
    }

    /// One page of `org`'s OAuth applications from the API.
    pub(crate) async fn fetch_oauth_apps(
        &self,
        org: &OrgEntry,
        page: u32,
    ) -> Result<FetchedPage<OAuthApplication>, ConnectorError> {
        let listed = self.client.list_oauth_applications(&org.name, page).await;
        part_listing(Part::OAuthApplications, listed, &org.name)
    }

    /// One page of an OAuth application's tokens from the API, each with its accesses (a
    /// token whose accesses the list left out is fetched on its own).
    pub(crate) async fn fetch_oauth_tokens(
        &self,
        app_id: &str,
        app: &AppEntry,
        page: u32,
    ) -> Result<FetchedPage<ServiceToken>, ConnectorError> {
        let org = &app.org.name;
        let listed = self.client.list_oauth_tokens(org, app_id, page).await;
        let what = format!("tokens of OAuth application {}", app.name);
        let listed = org_listing(listed, &what, org, Part::OAuthTokens.access())?;
        with_accesses(listed, "OAuth token", org, |id| async move {
            self.client.get_oauth_token(org, app_id, &id).await
        })
        .await
    }

    /// Every OAuth application of `org`, each recorded for its tokens' listing.
    pub(crate) async fn oauth_apps(
        &self,
        session: &SessionCache,
        org: &OrgEntry,
    ) -> Result<Vec<OAuthApplication>, ConnectorError> {
        let list = self.oauth_apps_list(org);
        let apps = self
            .shared_all(session, &list, |page| self.fetch_oauth_apps(org, page))
            .await?;
        for app in &apps {
            cache::put_oauth_app(session, &app.id, &app_entry(app, org));
        }
        Ok(apps)
    }

    /// Every token of OAuth application `app_id`.
    pub(crate) async fn oauth_tokens(
        &self,
        session: &SessionCache,
        app_id: &str,
        app: &AppEntry,
    ) -> Result<Vec<ServiceToken>, ConnectorError> {
        let list = self.oauth_tokens_list(app_id, app);
        self.shared_all(session, &list, |page| {
            self.fetch_oauth_tokens(app_id, app, page)
        })
        .await
    }

    /// One page of `org`'s databases from the API (needs one of the database accesses).
    pub(crate) async fn fetch_databases(
        &self,
        org: &OrgEntry,
        page: u32,
    ) -> Result<FetchedPage<Database>, ConnectorError> {
        let listed = self.client.list_databases(&org.name, page).await;
        part_listing(Part::Databases, listed, &org.name)
    }
}

/// A page of the list of optional part `part` in organization `org`.
pub(crate) fn part_listing<T>(
    part: Part,
    listed: Result<ApiPage<T>, planetscale_client::Error>,
    org: &str,
) -> Result<FetchedPage<T>, ConnectorError> {
    org_listing(listed, part.items(), org, part.access())
}

/// Page 1 of `list`, the list of optional part `part`, for validation: kept in `prefetch` for
/// the sync; a missing access (PlanetScale's 404) is reported, not an error.
pub(crate) async fn probe<T: Send + 'static>(
    part: Part,
    list: &List<'_>,
    prefetch: &mut Prefetch,
    first: impl Future<Output = Result<FetchedPage<T>, ConnectorError>>,
) -> Result<PartReach, ConnectorError> {
    let page = match first.await {
        Ok(page) => page,
        Err(e) if e.kind() == ErrorKind::PermissionDenied => return Ok(PartReach::missing(part)),
        Err(e) => return Err(e),
    };
    let reach = PartReach::of(part, &page);
    prefetch.put(&list.key, 1, page);
    Ok(reach)
}

/// `listed` with each token's accesses: a token whose accesses the list left out is fetched on
/// its own with `get` (`kind` and `org` name it in errors). A token deleted since the list was
/// served (404 on its own) is left out: it no longer exists.
async fn with_accesses<F, Fut>(
    listed: FetchedPage<ServiceToken>,
    kind: &str,
    org: &str,
    get: F,
) -> Result<FetchedPage<ServiceToken>, ConnectorError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<ServiceToken, planetscale_client::Error>>,
{
    let FetchedPage {
        items,
        next_page,
        total_pages,
        total_count,
    } = listed;
    let tokens: Vec<Option<ServiceToken>> = futures::stream::iter(items)
        .map(|token| {
            let get = &get;
            async move {
                if token.has_accesses() {
                    return Ok(Some(token));
                }
                match get(token.id.clone()).await {
                    Ok(full) => Ok(Some(full)),
                    Err(e) if e.is_not_found() => {
                        tracing::warn!(token = %token.id, "token deleted during the sync: left out");
                        Ok(None)
                    }
                    Err(e) => Err(map_client_error(
                        e,
                        &format!("reading {kind} {} of organization {org}", token.id),
                    )),
                }
            }
        })
        .buffered(SINGLE_TOKEN_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(FetchedPage {
        items: tokens.into_iter().flatten().collect(),
        next_page,
        total_pages,
        total_count,
    })
}

/// The cached form of an OAuth application of `org`.
pub(crate) fn app_entry(app: &OAuthApplication, org: &OrgEntry) -> AppEntry {
    AppEntry {
        org: org.clone(),
        name: match app.name.trim().is_empty() {
            true => app.id.clone(),
            false => app.name.clone(),
        },
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::parts::Options;

    fn page(items: &[&str], total: u64) -> FetchedPage<String> {
        FetchedPage {
            items: items.iter().map(|s| s.to_string()).collect(),
            next_page: None,
            total_pages: Some(3),
            total_count: Some(total),
        }
    }

    /// Enqueued pages run concurrently: page 3, fetched before the list changed, can be cached
    /// after the fresh listing cached its own page 3. The next reader must not take it.
    #[tokio::test]
    async fn a_page_from_before_the_list_changed_is_fetched_again() {
        let api = Api::offline(Options::default());
        let org = OrgEntry {
            id: "o1".into(),
            name: "acme".into(),
        };
        let list = api.teams_list(&org);
        let session = SessionCache::default();
        // The latest listing holds 201 items; a page of the 200-item list is cached.
        let fresh = |_| async { Ok(page(&["fresh"], 201)) };
        list.paged
            .recheck(&session, 1, &page(&["first"], 201), fresh)
            .await
            .unwrap();
        cache::put_page(&session, &list.key, 3, &page(&["stale"], 200));

        let got = api.shared_page(&session, &list, 3, fresh).await.unwrap();
        assert_eq!(got.items, ["fresh"]);
        let again = api
            .shared_page::<String, _, _>(&session, &list, 3, |_| async { unreachable!("cached") })
            .await
            .unwrap();
        assert_eq!(
            again.items,
            ["fresh"],
            "the fresh page replaces the stale one"
        );
    }
}
