//! The engine on the toy connector: order, paging, children, enqueued tokens, checks, warnings,
//! retries, options.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use connector_sdk::{
    Annotation, EngineRetry, Error, ErrorKind, Event, Grant, MemoryStore, Page, Phase, ResourceId,
    SyncOptions, WarningPolicy, sync,
};

use crate::toy::{
    Fault, OrgSyncer, Recorder, Tamper, TeamSyncer, TestConnector, UserSyncer, World,
};

fn sequential() -> SyncOptions {
    SyncOptions {
        workers: 1,
        ..SyncOptions::default()
    }
}

#[tokio::test]
async fn walks_types_children_entitlements_and_grants_in_baton_order() {
    let world = Arc::new(World::new());
    let store = MemoryStore::new();
    let summary = sync(&TestConnector::toy(&world), &store, sequential())
        .await
        .unwrap();

    assert_eq!(
        world.calls(),
        [
            // Each type's top-level listing, then the children under its resources, recursively.
            "list org -",
            "list org 1",
            "list team<org:o1 -",
            "list team<org:o2 -",
            "list project<team:t1 -",
            "list project<team:t2 -",
            "list project<team:t3 -",
            // Every type gets a top-level call, child types included.
            "list team -",
            "list project -",
            "list user -",
            "list user 3",
            "list user 6",
            // Entitlements per stored resource, in type order; users skip them.
            "entitlements org:o1 -",
            "entitlements org:o2 -",
            "entitlements team:t1 -",
            "entitlements team:t2 -",
            "entitlements team:t3 -",
            "entitlements project:p1 -",
            "entitlements project:p2 -",
            "entitlements project:p3 -",
            // Grants; a call chain's next page comes before the next resource.
            "grants org:o1 -",
            "grants org:o1 3",
            "grants org:o2 -",
            "grants team:t1 -",
            "grants team:t1 3",
            "grants team:t2 -",
            "grants team:t3 -",
            "grants project:p1 -",
            "grants project:p2 -",
            "grants project:p3 -",
        ]
    );
    assert!(store.is_ended());
    assert_eq!(
        (
            summary.resources(),
            summary.entitlements(),
            summary.grants()
        ),
        (15, 10, 20)
    );
    assert_eq!(summary.resource_types["org"].grants, 9);
    assert_eq!(summary.resource_types["team"].grants, 8);
    assert_eq!(summary.resource_types["user"].resources, 7);
    assert_eq!(summary.pages, 33);
    assert_eq!(
        (summary.retries, summary.warnings.len(), summary.resumed),
        (0, 0, false)
    );
    assert_eq!(store.all_resources().len(), 15);
    // The 20 listed grants, and the members of each project's team as its viewers (expanded).
    assert_eq!(summary.expansion.grants_created, 12);
    assert_eq!(store.grants().len(), 32);
    let types: Vec<String> = store.resource_types().into_iter().map(|t| t.id).collect();
    assert_eq!(types, ["org", "team", "project", "user"]);
}

#[tokio::test]
async fn many_small_pages_are_all_fetched() {
    let world = Arc::new(World::new().with_page_size(1));
    let store = MemoryStore::new();
    let summary = sync(&TestConnector::toy(&world), &store, SyncOptions::default())
        .await
        .unwrap();
    let user_pages = world
        .calls()
        .iter()
        .filter(|c| c.starts_with("list user "))
        .count();
    assert_eq!(user_pages, 7);
    assert_eq!(summary.resource_types["user"].resources, 7);
    // Team t1's five members: one first page that enqueues the four others.
    let t1: Vec<String> = world
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("grants team:t1"))
        .collect();
    assert_eq!(t1.len(), 5, "{t1:?}");
    assert_eq!(summary.grants(), 20);
}

#[tokio::test]
async fn enqueued_tokens_become_sibling_calls() {
    let world = Arc::new(World::new().with_page_size(2));
    let store = MemoryStore::new();
    sync(&TestConnector::toy(&world), &store, SyncOptions::default())
        .await
        .unwrap();
    let mut t1: Vec<String> = world
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("grants team:t1"))
        .collect();
    t1.sort();
    assert_eq!(
        t1,
        ["grants team:t1 -", "grants team:t1 2", "grants team:t1 4"]
    );
    let members = store
        .grants()
        .iter()
        .filter(|g| g.entitlement.id == "team:t1:member")
        .count();
    assert_eq!(members, 5);
}

#[tokio::test]
async fn a_slow_connector_is_checkpointed_along_the_way() {
    tokio::time::pause();
    let world = Arc::new(World::new().with_delay(Duration::from_secs(60)));
    let store = MemoryStore::new();
    let options = SyncOptions {
        workers: 2,
        ..SyncOptions::default()
    };
    let summary = sync(&TestConnector::toy(&world), &store, options)
        .await
        .unwrap();
    assert_eq!(summary.grants(), 20);
    // Five phase ends, and periodic checkpoints while the minute-long calls run.
    assert!(
        store.checkpoints() > 5,
        "{} checkpoints",
        store.checkpoints()
    );
}

#[tokio::test]
async fn a_busy_sync_still_checkpoints_on_time() {
    // With a zero interval every applied page is due for a checkpoint, even though completions
    // keep arriving and the timer never gets a turn.
    let world = Arc::new(World::new());
    let store = MemoryStore::new();
    let options = SyncOptions {
        checkpoint_interval: Duration::ZERO,
        ..SyncOptions::default()
    };
    let summary = sync(&TestConnector::toy(&world), &store, options)
        .await
        .unwrap();
    assert!(
        store.checkpoints() >= summary.pages,
        "{} checkpoints",
        store.checkpoints()
    );
}

#[tokio::test]
async fn a_failing_call_fails_the_sync_with_its_context() {
    let world = Arc::new(World::new());
    world.fault("grants team:t2 -", Fault::Internal);
    let store = MemoryStore::new();
    let err = sync(&TestConnector::toy(&world), &store, SyncOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "listing grants of team:t2");
    assert_eq!(err.connector_kind(), Some(ErrorKind::Internal));
    let source = std::error::Error::source(&err).map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("grants team:t2 -: boom"));
    assert!(!store.is_ended());
}

#[tokio::test]
async fn transient_errors_are_retried_with_backoff() {
    tokio::time::pause();
    let world = Arc::new(World::new());
    world.fault("list user 3", Fault::Unavailable(2));
    world.fault("grants org:o2 -", Fault::Unavailable(1));
    let store = MemoryStore::new();
    let recorder = Arc::new(Recorder::default());
    let options = SyncOptions {
        observer: Some(recorder.clone()),
        ..SyncOptions::default()
    };
    let summary = sync(&TestConnector::toy(&world), &store, options)
        .await
        .unwrap();
    assert_eq!(summary.retries, 3);
    assert_eq!(summary.resources(), 15);
    let retries: Vec<(String, u32)> = recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Retry {
                context, attempt, ..
            } => Some((context, attempt)),
            _ => None,
        })
        .collect();
    assert!(retries.contains(&("listing user resources".to_owned(), 1)));
    assert!(retries.contains(&("listing user resources".to_owned(), 2)));
    assert!(retries.contains(&("listing grants of org:o2".to_owned(), 1)));
}

#[tokio::test]
async fn transient_errors_fail_the_sync_once_attempts_run_out() {
    tokio::time::pause();
    let world = Arc::new(World::new());
    world.fault("list user -", Fault::Unavailable(3));
    let store = MemoryStore::new();
    let options = SyncOptions {
        retry: EngineRetry {
            attempts: 3,
            ..EngineRetry::default()
        },
        ..sequential()
    };
    let err = sync(&TestConnector::toy(&world), &store, options)
        .await
        .unwrap_err();
    assert_eq!(err.connector_kind(), Some(ErrorKind::Unavailable));
    assert_eq!(err.to_string(), "listing user resources");
}

#[test]
fn retry_backoff_is_linear_and_capped() {
    let retry = EngineRetry::default();
    assert_eq!(retry.delay(1), Duration::from_secs(1));
    assert_eq!(retry.delay(3), Duration::from_secs(3));
    assert_eq!(retry.delay(100), Duration::from_secs(30));
}

#[tokio::test]
async fn not_found_on_a_per_resource_call_is_a_warning() {
    let world = Arc::new(World::new());
    world.fault("grants team:t2 -", Fault::NotFound);
    world.fault("list project<team:t3 -", Fault::NotFound);
    let store = MemoryStore::new();
    let recorder = Arc::new(Recorder::default());
    let options = SyncOptions {
        observer: Some(recorder.clone()),
        ..SyncOptions::default()
    };
    let summary = sync(&TestConnector::toy(&world), &store, options)
        .await
        .unwrap();
    let mut warnings = summary.warnings.clone();
    warnings.sort();
    assert_eq!(
        warnings,
        [
            "listing grants of team:t2: not found (grants team:t2 -: 404); call skipped",
            "listing project resources under team:t3: not found (list project<team:t3 -: 404); call skipped",
        ]
    );
    let events = recorder.events();
    let warned = events
        .iter()
        .filter(|e| matches!(e, Event::Warning { .. }))
        .count();
    assert_eq!(warned, 2);
    assert_eq!(
        summary.resource_types["project"].resources, 2,
        "p3 was under the skipped listing"
    );
    assert!(store.is_ended());
}

#[tokio::test]
async fn too_many_not_found_warnings_fail_the_sync() {
    let world = Arc::new(World::new());
    for team in ["t1", "t2", "t3"] {
        world.fault(&format!("grants team:{team} -"), Fault::NotFound);
    }
    let store = MemoryStore::new();
    let policy = WarningPolicy {
        max_warnings: 2,
        max_warning_ratio: 0.1,
    };
    let options = SyncOptions {
        warning_policy: policy,
        ..sequential()
    };
    let err = sync(&TestConnector::toy(&world), &store, options)
        .await
        .unwrap_err();
    // 12 resource-phase calls, 3 static, 8 entitlement calls, 3 org grant calls, then 3 warnings.
    match err {
        Error::TooManyWarnings { count, actions } => assert_eq!((count, actions), (3, 29)),
        other => panic!("expected TooManyWarnings, got {other:?}"),
    }

    // The same warnings pass under the default policy (more than 10 are needed).
    let world = Arc::new(World::new());
    for team in ["t1", "t2", "t3"] {
        world.fault(&format!("grants team:{team} -"), Fault::NotFound);
    }
    let summary = sync(
        &TestConnector::toy(&world),
        &MemoryStore::new(),
        sequential(),
    )
    .await
    .unwrap();
    assert_eq!(summary.warnings.len(), 3);
}

#[test]
fn warning_policy_needs_both_limits_exceeded() {
    let policy = WarningPolicy::default();
    assert!(!policy.exceeded(10, 11), "10 warnings are tolerated");
    assert!(!policy.exceeded(11, 200), "11 of 200 is under 10 %");
    assert!(policy.exceeded(11, 100));
}

#[tokio::test]
async fn not_found_on_a_top_level_listing_fails_the_sync() {
    let world = Arc::new(World::new());
    world.fault("list user -", Fault::NotFound);
    let err = sync(
        &TestConnector::toy(&world),
        &MemoryStore::new(),
        SyncOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.connector_kind(), Some(ErrorKind::NotFound));
    assert_eq!(err.to_string(), "listing user resources");
}

#[tokio::test]
async fn an_unchanged_page_token_is_a_contract_violation() {
    let world = Arc::new(World::new());
    let stuck =
        Tamper::new(UserSyncer(world.clone())).list(|page| match page.next_token.as_deref() {
            Some("6") => Page::more(page.items, "3"),
            _ => page,
        });
    let connector = TestConnector::toy(&world).replace("user", stuck);
    let err = sync(&connector, &MemoryStore::new(), SyncOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Contract(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "connector contract violated: next page token unchanged while listing user resources: the call given token \"3\" returned it as the next token, likely a connector bug"
    );
}

#[tokio::test]
async fn a_resource_missing_its_required_trait_fails_the_sync() {
    let world = Arc::new(World::new());
    let bare = Tamper::new(UserSyncer(world.clone())).list(|mut page| {
        for user in &mut page.items {
            user.annotations.clear();
        }
        page
    });
    let connector = TestConnector::toy(&world).replace("user", bare);
    let err = sync(&connector, &MemoryStore::new(), SyncOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connector contract violated: resource user:u1 is missing the UserTrait annotation that resource type user requires (TRAIT_USER)"
    );
}

#[tokio::test]
async fn a_resource_of_another_type_fails_the_sync() {
    let world = Arc::new(World::new());
    let wrong = Tamper::new(UserSyncer(world.clone())).list(|mut page| {
        for user in &mut page.items {
            user.id.resource_type = "org".into();
        }
        page
    });
    let connector = TestConnector::toy(&world).replace("user", wrong);
    let err = sync(&connector, &MemoryStore::new(), SyncOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connector contract violated: the user syncer returned resource org:u1 while listing user resources; a syncer lists only resources of its own type"
    );
}

#[tokio::test]
async fn an_unknown_child_type_fails_the_sync() {
    let world = Arc::new(World::new());
    let parent = Tamper::new(UserSyncer(world.clone())).list(|mut page| {
        for user in &mut page.items {
            user.annotations
                .push(Annotation::child_resource_type("device"));
        }
        page
    });
    let connector = TestConnector::toy(&world).replace("user", parent);
    let err = sync(&connector, &MemoryStore::new(), SyncOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connector contract violated: resource user:u1 announces child resource type device, which no syncer provides"
    );
}

#[tokio::test]
async fn duplicate_resource_types_fail_before_anything_runs() {
    let world = Arc::new(World::new());
    let mut connector = TestConnector::toy(&world);
    connector.syncers.push(Arc::new(UserSyncer(world.clone())));
    let store = MemoryStore::new();
    let err = sync(&connector, &store, SyncOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connector contract violated: resource type user is provided by two syncers; resource type ids must be unique"
    );
    assert_eq!(connector.validations.load(Ordering::SeqCst), 0);
    assert_eq!(store.sync_id(), None, "begin_sync was not called");
}

#[tokio::test]
async fn a_failed_validation_writes_nothing() {
    let world = Arc::new(World::new());
    let mut connector = TestConnector::toy(&world);
    connector.validate_error = Some(ErrorKind::Unauthenticated);
    let store = MemoryStore::new();
    let err = sync(&connector, &store, SyncOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "validating credentials");
    assert_eq!(err.connector_kind(), Some(ErrorKind::Unauthenticated));
    assert_eq!(store.sync_id(), None);
    assert!(world.calls().is_empty());
}

#[tokio::test]
async fn a_grant_to_a_principal_of_an_unknown_type_fails_the_sync() {
    let world = Arc::new(World::new());
    let robots = Tamper::new(TeamSyncer(world.clone())).grants(|mut page| {
        for grant in &mut page.items {
            *grant = Grant::new(
                &grant.entitlement.resource,
                "member",
                ResourceId::new("robot", "r2"),
            );
        }
        page
    });
    let connector = TestConnector::toy(&world).replace("team", robots);
    let err = sync(&connector, &MemoryStore::new(), sequential())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connector contract violated: grant team:t1:member:robot:r2 on team:t1 has principal robot:r2 of resource type robot, which no syncer provides"
    );
}

#[tokio::test]
async fn a_grant_of_an_unknown_entitlement_fails_the_sync() {
    let world = Arc::new(World::new());
    let owners = Tamper::new(TeamSyncer(world.clone())).grants(|mut page| {
        for grant in &mut page.items {
            *grant = Grant::new(
                &grant.entitlement.resource,
                "owner",
                grant.principal.id.clone(),
            );
        }
        page
    });
    let connector = TestConnector::toy(&world).replace("team", owners);
    let err = sync(&connector, &MemoryStore::new(), sequential())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connector contract violated: grant team:t1:owner:user:u1 on team:t1 refers to entitlement team:t1:owner, which no entitlements call returned"
    );
}

#[tokio::test]
async fn a_grant_to_an_unlisted_principal_is_a_warning() {
    let world = Arc::new(World::new());
    let ghosts = Tamper::new(TeamSyncer(world.clone())).grants(|mut page| {
        if let Some(first) = page.items.first() {
            let ghost = Grant::new(
                &first.entitlement.resource,
                "member",
                ResourceId::new("user", "u9"),
            );
            page.items.push(ghost);
        }
        page
    });
    let connector = TestConnector::toy(&world).replace("team", ghosts);
    let summary = sync(&connector, &MemoryStore::new(), sequential())
        .await
        .unwrap();
    assert_eq!(
        summary.warnings,
        [
            "grant team:t1:member:user:u9 on team:t1 has principal user:u9, which no list call returned"
        ]
    );
}

#[tokio::test]
async fn warnings_a_syncer_returns_reach_the_summary_without_counting_as_not_found() {
    let world = Arc::new(World::new());
    let noisy = Tamper::new(TeamSyncer(world.clone()))
        .grants(|page| page.with_warning("role \"billing\" is unknown; kept as member"));
    let connector = TestConnector::toy(&world).replace("team", noisy);
    let options = SyncOptions {
        warning_policy: WarningPolicy {
            max_warnings: 0,
            max_warning_ratio: 0.0,
        },
        ..sequential()
    };
    let summary = sync(&connector, &MemoryStore::new(), options)
        .await
        .unwrap();
    assert!(!summary.warnings.is_empty());
    assert!(
        summary
            .warnings
            .iter()
            .all(|w| w.ends_with(": role \"billing\" is unknown; kept as member")),
        "{:?}",
        summary.warnings
    );
}

#[tokio::test]
async fn the_resource_type_filter_limits_the_sync() {
    let world = Arc::new(World::new());
    let store = MemoryStore::new();
    let options = SyncOptions {
        resource_types: Some(vec!["org".into(), "team".into()]),
        ..sequential()
    };
    let summary = sync(&TestConnector::toy(&world), &store, options)
        .await
        .unwrap();
    let types: Vec<String> = store.resource_types().into_iter().map(|t| t.id).collect();
    assert_eq!(types, ["org", "team"]);
    assert_eq!(
        summary.resource_types.keys().collect::<Vec<_>>(),
        ["org", "team"]
    );
    assert!(
        world
            .calls()
            .iter()
            .all(|c| !c.contains("project") && !c.contains("user ")),
        "{:?}",
        world.calls()
    );
    // Grants to users are kept although users are not synced.
    assert_eq!(summary.grants(), 17);

    let options = SyncOptions {
        resource_types: Some(vec!["org".into(), "teams".into()]),
        ..sequential()
    };
    let err = sync(&TestConnector::toy(&world), &MemoryStore::new(), options)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid sync options: unknown resource type \"teams\" in the resource type filter; the connector syncs: org, team, project, user"
    );
}

#[tokio::test]
async fn skip_annotations_on_resources_skip_their_calls() {
    let world = Arc::new(World::new());
    let quiet = Tamper::new(TeamSyncer(world.clone())).list(|mut page| {
        for team in &mut page.items {
            if team.id.resource == "t1" {
                team.annotations.push(Annotation::SkipGrants);
            }
            if team.id.resource == "t2" {
                team.annotations.push(Annotation::SkipEntitlementsAndGrants);
            }
        }
        page
    });
    let connector = TestConnector::toy(&world).replace("team", quiet);
    sync(&connector, &MemoryStore::new(), sequential())
        .await
        .unwrap();
    let team_calls: Vec<String> = world
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("entitlements team") || c.starts_with("grants team"))
        .collect();
    assert_eq!(
        team_calls,
        [
            "entitlements team:t1 -",
            "entitlements team:t3 -",
            "grants team:t3 -"
        ]
    );
}

#[tokio::test]
async fn writes_are_batched() {
    let world = Arc::new(World::new());
    let store = MemoryStore::new();
    let options = SyncOptions {
        batch_size: 2,
        ..sequential()
    };
    sync(&TestConnector::toy(&world), &store, options)
        .await
        .unwrap();
    let batched = store.puts();
    assert_eq!(store.all_resources().len(), 15);

    let store = MemoryStore::new();
    let options = SyncOptions {
        batch_size: 1000,
        ..sequential()
    };
    sync(
        &TestConnector::toy(&Arc::new(World::new())),
        &store,
        options,
    )
    .await
    .unwrap();
    assert!(
        batched > store.puts(),
        "{batched} writes in batches of 2, {} in batches of 1000",
        store.puts()
    );
}

#[tokio::test]
async fn bad_options_are_refused() {
    let world = Arc::new(World::new());
    let options = SyncOptions {
        workers: 0,
        ..SyncOptions::default()
    };
    let err = sync(&TestConnector::toy(&world), &MemoryStore::new(), options)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid sync options: workers must be at least 1"
    );
}

#[tokio::test]
async fn events_report_phases_progress_and_the_summary() {
    let world = Arc::new(World::new());
    let recorder = Arc::new(Recorder::default());
    let options = SyncOptions {
        observer: Some(recorder.clone()),
        ..sequential()
    };
    let summary = sync(&TestConnector::toy(&world), &MemoryStore::new(), options)
        .await
        .unwrap();
    let events = recorder.events();
    let phases: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::SyncStarted { resumed, .. } => Some(format!("start resumed={resumed}")),
            Event::PhaseStarted { phase } => Some(format!("+{phase:?}")),
            Event::PhaseFinished { phase } => Some(format!("-{phase:?}")),
            Event::SyncFinished { .. } => Some("finish".to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(
        phases,
        [
            "start resumed=false",
            "+ResourceTypes",
            "-ResourceTypes",
            "+Resources",
            "-Resources",
            "+StaticEntitlements",
            "-StaticEntitlements",
            "+Entitlements",
            "-Entitlements",
            "+Grants",
            "-Grants",
            "+GrantExpansion",
            "-GrantExpansion",
            "finish",
        ]
    );
    let last_user_progress = events.iter().rev().find_map(|e| match e {
        Event::Progress {
            resource_type,
            phase: Phase::Resources,
            resources,
            pages,
            ..
        } if resource_type == "user" => Some((*resources, *pages)),
        _ => None,
    });
    assert_eq!(last_user_progress, Some((7, 3)));
    assert!(matches!(events.last(), Some(Event::SyncFinished { summary: s }) if *s == summary));
    assert!(events.iter().any(|e| matches!(e, Event::Checkpointed)));
}

#[tokio::test]
async fn a_child_type_without_a_syncer_fails_the_sync() {
    let world = Arc::new(World::new());
    let connector = TestConnector::new(vec![
        Arc::new(OrgSyncer(world.clone())),
        Arc::new(UserSyncer(world)),
    ]);
    let err = sync(&connector, &MemoryStore::new(), sequential())
        .await
        .unwrap_err();
    // Orgs announce team children, and no syncer provides teams here.
    assert_eq!(
        err.to_string(),
        "connector contract violated: resource org:o1 announces child resource type team, which no syncer provides"
    );
}
