//! Cancellation, crashes and resume: a resumed sync ends with the same content as an
//! uninterrupted one and does not redo the calls that completed before the checkpoint.

use std::sync::Arc;

use connector_sdk::{CancellationToken, Error, MemoryStore, SyncOptions, SyncSummary, sync};

use crate::toy::{TestConnector, World, content, reference_sync};

/// Cancels the sync when the call `at` is made, resumes it, and returns the calls of both runs.
async fn cancel_and_resume(
    at: &str,
    workers: usize,
) -> (Vec<String>, Vec<String>, MemoryStore, SyncSummary) {
    let world = Arc::new(World::new());
    let connector = TestConnector::toy(&world);
    let store = MemoryStore::new();
    let cancel = CancellationToken::new();
    world.cancel_on(at, &cancel);
    let options = SyncOptions {
        workers,
        cancel,
        ..SyncOptions::default()
    };
    let err = sync(&connector, &store, options).await.unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert_eq!(err.to_string(), "sync cancelled");
    assert!(!store.is_ended());
    assert!(store.last_checkpoint().is_some());
    let first = world.take_calls();

    *world.cancel_on.lock().unwrap() = None;
    let options = SyncOptions {
        workers,
        ..SyncOptions::default()
    };
    let summary = sync(&connector, &store, options).await.unwrap();
    assert!(summary.resumed);
    assert!(store.is_ended());
    (first, world.take_calls(), store, summary)
}

fn redone(first: &[String], second: &[String]) -> Vec<String> {
    second
        .iter()
        .filter(|c| first.contains(c))
        .cloned()
        .collect()
}

#[tokio::test]
async fn cancelled_during_grants_then_resumed_redoes_only_the_call_in_flight() {
    let (first, second, store, summary) = cancel_and_resume("grants team:t1 -", 1).await;
    assert_eq!(redone(&first, &second), ["grants team:t1 -"]);
    assert!(
        second.iter().all(|c| c.starts_with("grants ")),
        "{second:?}"
    );
    let (reference, expected) = reference_sync().await;
    assert_eq!(content(&store), content(&reference));
    assert_eq!(
        summary.resource_types, expected.resource_types,
        "counts cover the whole sync"
    );
    assert_eq!(summary.pages, expected.pages);
}

#[tokio::test]
async fn cancelled_while_listing_children_then_resumed_keeps_the_session() {
    let (first, second, store, _) = cancel_and_resume("list project<team:t1 -", 1).await;
    assert_eq!(redone(&first, &second), ["list project<team:t1 -"]);
    // The org grants call needs the session entry the org listing of the first run cached.
    assert!(second.contains(&"grants org:o1 -".to_owned()));
    assert!(store.session().contains_key("org-ids"));
    let (reference, _) = reference_sync().await;
    assert_eq!(content(&store), content(&reference));
}

#[tokio::test]
async fn cancelled_with_many_workers_then_resumed_gives_the_same_content() {
    let (first, second, store, summary) = cancel_and_resume("grants team:t2 -", 4).await;
    let again = redone(&first, &second);
    assert!(
        again.len() <= 4,
        "only calls in flight are redone: {again:?}"
    );
    assert!(!second.iter().any(|c| c.starts_with("list ")), "{second:?}");
    let (reference, expected) = reference_sync().await;
    assert_eq!(content(&store), content(&reference));
    assert_eq!(summary.grants(), expected.grants());
}

#[tokio::test]
async fn a_crash_resumes_from_the_last_checkpoint() {
    let world = Arc::new(World::new());
    let connector = TestConnector::toy(&world);
    let store = MemoryStore::new();
    let options = || SyncOptions {
        workers: 1,
        batch_size: 1,
        ..SyncOptions::default()
    };
    // 4 resource types and 15 resources are written one by one; die among the entitlements.
    store.fail_after_puts(4 + 15 + 3);
    let err = sync(&connector, &store, options()).await.unwrap_err();
    assert!(matches!(err, Error::Store(_)), "{err:?}");
    let first = world.take_calls();
    assert!(first.iter().any(|c| c.starts_with("entitlements ")));

    store.clear_failure();
    let summary = sync(&connector, &store, options()).await.unwrap();
    assert!(summary.resumed);
    let second = world.take_calls();
    assert!(
        !second.iter().any(|c| c.starts_with("list ")),
        "resources were checkpointed: {second:?}"
    );
    let (reference, _) = reference_sync().await;
    assert_eq!(content(&store), content(&reference));
}

#[tokio::test]
async fn a_failed_sync_resumes_at_the_failed_call() {
    let world = Arc::new(World::new());
    world.fault("grants team:t3 -", crate::toy::Fault::Internal);
    let connector = TestConnector::toy(&world);
    let store = MemoryStore::new();
    let options = || SyncOptions {
        workers: 1,
        ..SyncOptions::default()
    };
    sync(&connector, &store, options()).await.unwrap_err();
    world.take_calls();
    world.faults.lock().unwrap().clear();
    sync(&connector, &store, options()).await.unwrap();
    assert_eq!(
        world.take_calls(),
        [
            "grants team:t3 -",
            "grants project:p1 -",
            "grants project:p2 -",
            "grants project:p3 -"
        ]
    );
    let (reference, _) = reference_sync().await;
    assert_eq!(content(&store), content(&reference));
}

#[tokio::test]
async fn resuming_with_another_type_filter_is_refused() {
    let world = Arc::new(World::new());
    let connector = TestConnector::toy(&world);
    let store = MemoryStore::new();
    let cancel = CancellationToken::new();
    world.cancel_on("list user -", &cancel);
    sync(
        &connector,
        &store,
        SyncOptions {
            cancel,
            ..SyncOptions::default()
        },
    )
    .await
    .unwrap_err();
    let options = SyncOptions {
        resource_types: Some(vec!["org".into()]),
        ..SyncOptions::default()
    };
    let err = sync(&connector, &store, options).await.unwrap_err();
    assert!(matches!(err, Error::Checkpoint(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot resume the unfinished sync: the checkpoint was taken while syncing resource types [org, team, project, user], this sync would sync [org]; resume with the same resource type filter or start a new sync"
    );
}

/// A `MemoryStore` that logs the name of every call.
struct Logged {
    inner: MemoryStore,
    log: std::sync::Mutex<Vec<&'static str>>,
}

impl Logged {
    fn note(&self, op: &'static str) {
        self.log.lock().unwrap().push(op);
    }
}

#[async_trait::async_trait]
impl connector_sdk::Store for Logged {
    async fn begin_sync(&self) -> Result<connector_sdk::SyncStart, connector_sdk::StoreError> {
        self.note("begin_sync");
        self.inner.begin_sync().await
    }
    async fn put_resource_types(
        &self,
        items: Vec<connector_sdk::ResourceType>,
    ) -> Result<(), connector_sdk::StoreError> {
        self.note("put_resource_types");
        self.inner.put_resource_types(items).await
    }
    async fn put_resources(
        &self,
        items: Vec<connector_sdk::Resource>,
    ) -> Result<(), connector_sdk::StoreError> {
        self.note("put_resources");
        self.inner.put_resources(items).await
    }
    async fn put_entitlements(
        &self,
        items: Vec<connector_sdk::Entitlement>,
    ) -> Result<(), connector_sdk::StoreError> {
        self.note("put_entitlements");
        self.inner.put_entitlements(items).await
    }
    async fn put_grants(
        &self,
        items: Vec<connector_sdk::Grant>,
    ) -> Result<(), connector_sdk::StoreError> {
        self.note("put_grants");
        self.inner.put_grants(items).await
    }
    async fn resources(
        &self,
        resource_type: &str,
    ) -> Result<Vec<connector_sdk::Resource>, connector_sdk::StoreError> {
        self.inner.resources(resource_type).await
    }
    async fn expandable_grants(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<connector_sdk::StorePage<connector_sdk::ExpandableGrant>, connector_sdk::StoreError>
    {
        self.inner.expandable_grants(after, limit).await
    }
    async fn entitlements_by_id(
        &self,
        ids: &[String],
    ) -> Result<Vec<connector_sdk::Entitlement>, connector_sdk::StoreError> {
        self.inner.entitlements_by_id(ids).await
    }
    async fn grants_of_entitlement(
        &self,
        entitlement_id: &str,
        principal_types: &[String],
        after: Option<&str>,
        limit: usize,
    ) -> Result<connector_sdk::StorePage<connector_sdk::Grant>, connector_sdk::StoreError> {
        self.inner
            .grants_of_entitlement(entitlement_id, principal_types, after, limit)
            .await
    }
    async fn grants_of_principals(
        &self,
        entitlement_id: &str,
        principals: &[connector_sdk::ResourceId],
    ) -> Result<Vec<connector_sdk::Grant>, connector_sdk::StoreError> {
        self.inner
            .grants_of_principals(entitlement_id, principals)
            .await
    }
    async fn checkpoint(&self, state: &str) -> Result<(), connector_sdk::StoreError> {
        self.note("checkpoint");
        self.inner.checkpoint(state).await
    }
    async fn save_session(
        &self,
        entries: Vec<(String, Vec<u8>)>,
    ) -> Result<(), connector_sdk::StoreError> {
        self.note("save_session");
        self.inner.save_session(entries).await
    }
    async fn end_sync(&self) -> Result<(), connector_sdk::StoreError> {
        self.note("end_sync");
        self.inner.end_sync().await
    }
}

#[tokio::test]
async fn data_and_session_are_saved_before_each_checkpoint() {
    let store = Logged {
        inner: MemoryStore::new(),
        log: Default::default(),
    };
    let options = SyncOptions {
        workers: 1,
        ..SyncOptions::default()
    };
    sync(
        &TestConnector::toy(&Arc::new(World::new())),
        &store,
        options,
    )
    .await
    .unwrap();
    let log = store.log.lock().unwrap().clone();
    let compact: Vec<&str> = log.iter().copied().fold(Vec::new(), |mut out, op| {
        // Runs of one kind of write collapse to one entry; everything else is kept.
        if !(op.starts_with("put_") && out.last() == Some(&op)) {
            out.push(op);
        }
        out
    });
    assert_eq!(
        compact,
        [
            "begin_sync",
            "put_resource_types",
            "checkpoint", // resource types done
            "put_resources",
            "save_session", // the org listing cached the org ids
            "checkpoint",   // resources done
            "checkpoint",   // static entitlements done (there are none)
            "put_entitlements",
            "checkpoint", // entitlements done
            "put_grants",
            "checkpoint", // grants done
            "put_grants", // expanded grants
            "checkpoint", // grant expansion done
            "checkpoint", // the last: the whole sync's timing in the token
            "end_sync",
        ]
    );
}
