//! Independent calls really overlap, and never more than `workers` of them. Calls wait on
//! barriers that only open when enough of them are in flight at once; the clock is paused, so
//! an engine that ran them one by one would hit the timeout at once instead of hanging.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use connector_sdk::{
    ConnectorError, Entitlement, Grant, ListContext, MemoryStore, Page, Resource, ResourceContext,
    ResourceSyncer, ResourceType, SyncOptions, SyncSummary, sync,
};
use tokio::sync::Barrier;

use crate::toy::{ProjectSyncer, TeamSyncer, TestConnector, World};

/// Which calls wait at the barrier.
type Gated = fn(&str, Option<&ResourceContext>, Option<&ListContext>) -> bool;

/// Wraps a syncer: gated calls wait until `barrier` is full; every call counts how many calls
/// are in flight and remembers the most.
struct Overlap {
    inner: Arc<dyn ResourceSyncer>,
    barrier: Arc<Barrier>,
    gated: Gated,
    in_flight: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl Overlap {
    fn new(inner: impl ResourceSyncer + 'static, barrier: &Arc<Barrier>, gated: Gated) -> Self {
        Overlap {
            inner: Arc::new(inner),
            barrier: Arc::clone(barrier),
            gated,
            in_flight: Arc::default(),
            most: Arc::default(),
        }
    }

    async fn around<T>(&self, gated: bool, call: impl Future<Output = T>) -> T {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        if gated {
            self.barrier.wait().await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let out = call.await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }
}

#[async_trait]
impl ResourceSyncer for Overlap {
    fn resource_type(&self) -> ResourceType {
        self.inner.resource_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        let gated = (self.gated)("list", None, Some(&cx));
        self.around(gated, self.inner.list(cx)).await
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let gated = (self.gated)("entitlements", Some(&cx), None);
        self.around(gated, self.inner.entitlements(cx)).await
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let gated = (self.gated)("grants", Some(&cx), None);
        self.around(gated, self.inner.grants(cx)).await
    }
}

async fn run(connector: &TestConnector, workers: usize) -> SyncSummary {
    tokio::time::pause();
    let options = SyncOptions {
        workers,
        ..SyncOptions::default()
    };
    let store = MemoryStore::new();
    match tokio::time::timeout(
        Duration::from_secs(24 * 3600),
        sync(connector, &store, options),
    )
    .await
    {
        Ok(result) => result.unwrap(),
        Err(_) => panic!("the gated calls never ran at the same time"),
    }
}

#[tokio::test]
async fn grants_of_many_teams_run_at_once() {
    let world = Arc::new(World::new());
    let barrier = Arc::new(Barrier::new(3));
    let gated: Gated =
        |method, cx, _| method == "grants" && cx.is_some_and(|cx| cx.call.page_token.is_none());
    let teams = Overlap::new(TeamSyncer(world.clone()), &barrier, gated);
    let most = Arc::clone(&teams.most);
    let connector = TestConnector::toy(&world).replace("team", teams);
    let summary = run(&connector, 3).await;
    assert_eq!(summary.grants(), 20);
    assert_eq!(most.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn child_listings_of_many_parents_run_at_once() {
    let world = Arc::new(World::new());
    let barrier = Arc::new(Barrier::new(3));
    let gated: Gated =
        |method, _, list| method == "list" && list.is_some_and(|cx| cx.parent.is_some());
    let projects = Overlap::new(ProjectSyncer(world.clone()), &barrier, gated);
    let connector = TestConnector::toy(&world).replace("project", projects);
    let summary = run(&connector, 8).await;
    assert_eq!(summary.resource_types["project"].resources, 3);
}

#[tokio::test]
async fn enqueued_tokens_run_at_once() {
    // Page size 1: team t1's first grants page enqueues the four other members' pages.
    let world = Arc::new(World::new().with_page_size(1));
    let barrier = Arc::new(Barrier::new(4));
    let gated: Gated = |method, cx, _| {
        method == "grants"
            && cx.is_some_and(|cx| cx.resource.id.resource == "t1" && cx.call.page_token.is_some())
    };
    let teams = Overlap::new(TeamSyncer(world.clone()), &barrier, gated);
    let connector = TestConnector::toy(&world).replace("team", teams);
    let summary = run(&connector, 4).await;
    assert_eq!(summary.resource_types["team"].grants, 8);
}

#[tokio::test]
async fn never_more_calls_in_flight_than_workers() {
    let world = Arc::new(World::new());
    let barrier = Arc::new(Barrier::new(1));
    let teams = Overlap::new(TeamSyncer(world.clone()), &barrier, |_, _, _| false);
    let most = Arc::clone(&teams.most);
    let connector = TestConnector::toy(&world).replace("team", teams);
    run(&connector, 2).await;
    assert_eq!(most.load(Ordering::SeqCst), 2);
}
