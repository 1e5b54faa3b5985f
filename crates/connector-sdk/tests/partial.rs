use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use connector_sdk::{
    Entitlement, Grant, MemoryStore, Resource, ResourceType, Store, StoreError, SyncOptions,
    SyncStart, SyncType, sync,
};

use crate::toy::{Fault, TestConnector, World};

/// A `MemoryStore` that records the sync type it is asked to start.
#[derive(Default)]
struct Typed {
    inner: MemoryStore,
    started: Mutex<Vec<SyncType>>,
}

#[async_trait]
impl Store for Typed {
    async fn begin_sync(&self) -> Result<SyncStart, StoreError> {
        self.begin_sync_of(SyncType::Full).await
    }
    async fn begin_sync_of(&self, sync_type: SyncType) -> Result<SyncStart, StoreError> {
        self.started.lock().unwrap().push(sync_type);
        self.inner.begin_sync().await
    }
    async fn put_resource_types(&self, items: Vec<ResourceType>) -> Result<(), StoreError> {
        self.inner.put_resource_types(items).await
    }
    async fn put_resources(&self, items: Vec<Resource>) -> Result<(), StoreError> {
        self.inner.put_resources(items).await
    }
    async fn put_entitlements(&self, items: Vec<Entitlement>) -> Result<(), StoreError> {
        self.inner.put_entitlements(items).await
    }
    async fn put_grants(&self, items: Vec<Grant>) -> Result<(), StoreError> {
        self.inner.put_grants(items).await
    }
    async fn resources(&self, resource_type: &str) -> Result<Vec<Resource>, StoreError> {
        self.inner.resources(resource_type).await
    }
    async fn checkpoint(&self, state: &str) -> Result<(), StoreError> {
        self.inner.checkpoint(state).await
    }
    async fn save_session(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), StoreError> {
        self.inner.save_session(entries).await
    }
    async fn end_sync(&self) -> Result<(), StoreError> {
        self.inner.end_sync().await
    }
}

fn only(types: &[&str]) -> SyncOptions {
    SyncOptions {
        workers: 1,
        resource_types: Some(types.iter().map(|t| (*t).to_owned()).collect()),
        ..SyncOptions::default()
    }
}

/// The calls a sync made before its first store write: the scope check's.
fn listings(world: &World) -> Vec<String> {
    world
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("list "))
        .collect()
}

#[tokio::test]
async fn a_filtered_sync_is_partial_and_an_unfiltered_one_full() {
    for (filter, expected) in [
        (None, SyncType::Full),
        (Some(vec!["org", "team", "project", "user"]), SyncType::Full),
        (Some(vec!["org", "team"]), SyncType::Partial),
        (Some(vec!["user"]), SyncType::Partial),
    ] {
        let world = Arc::new(World::new());
        let store = Typed::default();
        let options = SyncOptions {
            workers: 1,
            resource_types: filter.map(|f| f.iter().map(|t| (*t).to_owned()).collect()),
            // This store records the sync type only; it cannot read grants back to expand them.
            expand_grants: false,
            ..SyncOptions::default()
        };
        sync(&TestConnector::toy(&world), &store, options)
            .await
            .unwrap();
        assert_eq!(*store.started.lock().unwrap(), [expected]);
    }
    assert_eq!(SyncType::Partial.as_baton_str(), "partial");
    assert_eq!(SyncType::default().as_baton_str(), "full");
}

#[tokio::test]
async fn the_scope_check_asks_only_the_selected_types_when_they_reach_each_other() {
    let world = Arc::new(World::new());
    sync(
        &TestConnector::toy(&world),
        &MemoryStore::new(),
        only(&["org", "team"]),
    )
    .await
    .unwrap();
    let calls = listings(&world);
    // The check's one page of orgs (which announces teams) answers the sync's first call too.
    assert_eq!(calls[0], "list org -");
    assert_eq!(calls.iter().filter(|c| *c == "list org -").count(), 1);
    assert!(
        calls
            .iter()
            .all(|c| !c.contains("user") && !c.contains("project"))
    );
}

#[tokio::test]
async fn a_child_type_without_its_parent_type_is_refused_before_the_store_is_touched() {
    for (filter, message) in [
        (
            &["team"][..],
            "resource type team is listed under org resources, which the resource type filter \
             leaves out, so the sync would find no team: add org to the filter (org,team)",
        ),
        (
            &["org", "project"][..],
            "resource type project is listed under team resources, which the resource type \
             filter leaves out, so the sync would find no project: add team to the filter \
             (org,team,project)",
        ),
        (
            &["project", "user"][..],
            "resource type project is listed under team resources, which the resource type \
             filter leaves out, so the sync would find no project: add org and team to the filter \
             (org,team,project,user)",
        ),
    ] {
        let world = Arc::new(World::new());
        let store = Typed::default();
        let err = sync(&TestConnector::toy(&world), &store, only(filter))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), format!("invalid sync options: {message}"));
        assert!(store.started.lock().unwrap().is_empty(), "{filter:?}");
        assert!(store.inner.resource_types().is_empty());
    }
}

#[tokio::test]
async fn a_failed_check_is_a_warning_not_a_failure() {
    let world = Arc::new(World::new());
    world.fault("list org -", Fault::Internal);
    let summary = sync(
        &TestConnector::toy(&world),
        &MemoryStore::new(),
        only(&["team"]),
    )
    .await
    .unwrap();
    assert_eq!(summary.resources(), 0);
    assert_eq!(
        summary.warnings,
        [
            "could not check that the resource type filter keeps the parents of its types: \
          listing org resources failed (list org -: boom)"
        ]
    );
}
