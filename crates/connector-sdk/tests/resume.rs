//! Cancellation, crashes and resume: a resumed sync ends with the same content as an
//! uninterrupted one and does not redo the calls that completed before the checkpoint.

use std::sync::Arc;

use connector_sdk::{CancellationToken, Error, MemoryStore, SyncOptions, SyncSummary, sync};

use crate::toy::{TestConnector, World, content};

/// An uninterrupted sync of a fresh toy world: the reference.
async fn reference() -> (MemoryStore, SyncSummary) {
    let store = MemoryStore::new();
    let summary = sync(
        &TestConnector::toy(&Arc::new(World::new())),
        &store,
        SyncOptions::default(),
    )
    .await
    .unwrap();
    (store, summary)
}

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
    let (reference, expected) = reference().await;
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
    let (reference, _) = reference().await;
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
    let (reference, expected) = reference().await;
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
    let (reference, _) = reference().await;
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
    let (reference, _) = reference().await;
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
