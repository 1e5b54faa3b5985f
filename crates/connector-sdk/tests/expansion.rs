//! Grant expansion on a small directory: users in groups, groups in groups (a chain and a
//! cycle), roles granted to groups (deep, shallow, filtered by principal type) and to a user.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connector_sdk::{
    Annotation, CancellationToken, ConnectorError, Entitlement, Error, Event, Grant, ListContext,
    MemoryStore, Page, Phase, Resource, ResourceContext, ResourceId, ResourceSyncer, ResourceType,
    SyncOptions, SyncSummary, sync,
};

use crate::toy::{Recorder, TestConnector};

/// One resource type: its resources, the one entitlement each has, and the grants of them.
struct Static {
    resource_type: ResourceType,
    resources: Vec<Resource>,
    entitlement: Option<&'static str>,
    grants: Vec<Grant>,
}

#[async_trait]
impl ResourceSyncer for Static {
    fn resource_type(&self) -> ResourceType {
        self.resource_type.clone()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        match cx.parent {
            Some(_) => Ok(Page::empty()),
            None => Ok(Page::last(self.resources.clone())),
        }
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let entitlements = self
            .entitlement
            .map(|name| Entitlement::assignment(&cx.resource, name));
        Ok(Page::last(entitlements.into_iter().collect()))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let grants = self
            .grants
            .iter()
            .filter(|g| g.entitlement.resource.id == cx.resource.id)
            .cloned()
            .collect();
        Ok(Page::last(grants))
    }
}

fn rt(id: &str) -> ResourceType {
    ResourceType::new(id, id, &[])
}

fn resource(kind: &str, id: &str) -> Resource {
    Resource::new(&rt(kind), id, id)
}

fn user(id: &str) -> ResourceId {
    ResourceId::new("user", id)
}

fn group(id: &str) -> ResourceId {
    ResourceId::new("group", id)
}

fn expandable(sources: &[&str], shallow: bool, types: &[&str]) -> Annotation {
    Annotation::GrantExpandable {
        entitlement_ids: sources.iter().map(|s| (*s).to_owned()).collect(),
        shallow,
        resource_type_ids: types.iter().map(|t| (*t).to_owned()).collect(),
    }
}

/// `principal` is a member of group `g`; a group principal's members are members too.
fn member(g: &str, principal: ResourceId) -> Grant {
    let nested = (principal.resource_type == "group")
        .then(|| format!("group:{}:member", principal.resource));
    let grant = Grant::new(&resource("group", g), "member", principal);
    match nested {
        Some(source) => grant.with_annotation(expandable(&[&source], false, &[])),
        None => grant,
    }
}

/// Role `r` is assigned to `principal`.
fn role(r: &str, principal: ResourceId) -> Grant {
    Grant::new(&resource("role", r), "assignment", principal)
}

/// The directory: eng ⊃ {alice, bob, web}, web ⊃ {carol}, ops ⊃ {dave, sre}, sre ⊃ {erin,
/// ops} (a cycle), qa ⊃ {dave, frank}, and team zeta ⊃ {web}. Roles: admin to eng and to
/// alice, deploy to eng's direct members only, auditor to eng's users only, viewer to ops and
/// to qa, access to zeta.
fn directory(extra: Vec<Grant>) -> TestConnector {
    let mut grants = vec![
        member("eng", user("alice")),
        member("eng", user("bob")),
        member("eng", group("web")),
        member("web", user("carol")),
        member("ops", user("dave")),
        member("ops", group("sre")),
        member("sre", user("erin")),
        member("sre", group("ops")),
        member("qa", user("dave")),
        member("qa", user("frank")),
        role("admin", group("eng")).with_annotation(expandable(&["group:eng:member"], false, &[])),
        role("admin", user("alice")),
        role("deploy", group("eng")).with_annotation(expandable(&["group:eng:member"], true, &[])),
        role("auditor", group("eng")).with_annotation(expandable(
            &["group:eng:member"],
            false,
            &["user"],
        )),
        role("viewer", group("ops")).with_annotation(expandable(&["group:ops:member"], false, &[])),
        role("viewer", group("qa")).with_annotation(expandable(&["group:qa:member"], false, &[])),
        Grant::new(&resource("team", "zeta"), "member", group("web")).with_annotation(expandable(
            &["group:web:member"],
            false,
            &[],
        )),
        role("access", ResourceId::new("team", "zeta")).with_annotation(expandable(
            &["team:zeta:member"],
            false,
            &[],
        )),
    ];
    grants.extend(extra);
    let of_type = |kind: &str| -> Vec<Grant> {
        grants
            .iter()
            .filter(|g| g.entitlement.resource.id.resource_type == kind)
            .cloned()
            .collect()
    };
    let syncer = |kind: &str, ids: &[&str], entitlement, grants| -> Arc<dyn ResourceSyncer> {
        Arc::new(Static {
            resource_type: rt(kind),
            resources: ids.iter().map(|id| resource(kind, id)).collect(),
            entitlement,
            grants,
        })
    };
    TestConnector::new(vec![
        syncer(
            "user",
            &["alice", "bob", "carol", "dave", "erin", "frank"],
            None,
            Vec::new(),
        ),
        syncer(
            "group",
            &["eng", "web", "ops", "sre", "qa"],
            Some("member"),
            of_type("group"),
        ),
        syncer(
            "role",
            &["access", "admin", "deploy", "auditor", "viewer"],
            Some("assignment"),
            of_type("role"),
        ),
        syncer("team", &["zeta"], Some("member"), of_type("team")),
    ])
}

/// Each grant as `<id> {source=direct|indirect, …} [immutable]`, sorted.
fn grant_lines(store: &MemoryStore) -> Vec<String> {
    let mut lines: Vec<String> = store
        .grants()
        .iter()
        .map(|g| {
            let mut line = g.id.clone();
            if let Some(sources) = &g.sources {
                let parts: Vec<String> = sources
                    .sources
                    .iter()
                    .map(|(s, direct)| {
                        let kind = if *direct { "direct" } else { "indirect" };
                        format!("{s}={kind}")
                    })
                    .collect();
                line.push_str(&format!(" {{{}}}", parts.join(", ")));
            }
            if g.annotations.iter().any(Annotation::is_grant_immutable) {
                line.push_str(" immutable");
            }
            line
        })
        .collect();
    lines.sort();
    lines
}

async fn expand(connector: &TestConnector, options: SyncOptions) -> (MemoryStore, SyncSummary) {
    let store = MemoryStore::new();
    let summary = sync(connector, &store, options).await.unwrap();
    (store, summary)
}

const EXPANDED: &[&str] = &[
    // carol is in web, which is in eng and in zeta.
    "group:eng:member:group:web",
    "group:eng:member:user:alice",
    "group:eng:member:user:bob",
    "group:eng:member:user:carol {group:web:member=direct} immutable",
    // ops and sre are a cycle, collapsed: their members do not flow into each other.
    "group:ops:member:group:sre",
    "group:ops:member:user:dave",
    "group:qa:member:user:dave",
    "group:qa:member:user:frank",
    "group:sre:member:group:ops",
    "group:sre:member:user:erin",
    "group:web:member:user:carol",
    // zeta's members, written last in the first level, read first in the second.
    "role:access:assignment:group:web {team:zeta:member=direct} immutable",
    "role:access:assignment:team:zeta",
    "role:access:assignment:user:carol {team:zeta:member=indirect} immutable",
    // eng's members, carol through web (so not a direct member of eng), and alice's own grant.
    "role:admin:assignment:group:eng",
    "role:admin:assignment:group:web {group:eng:member=direct} immutable",
    "role:admin:assignment:user:alice {group:eng:member=direct, role:admin:assignment=direct}",
    "role:admin:assignment:user:bob {group:eng:member=direct} immutable",
    "role:admin:assignment:user:carol {group:eng:member=indirect} immutable",
    // Only users.
    "role:auditor:assignment:group:eng",
    "role:auditor:assignment:user:alice {group:eng:member=direct} immutable",
    "role:auditor:assignment:user:bob {group:eng:member=direct} immutable",
    "role:auditor:assignment:user:carol {group:eng:member=indirect} immutable",
    // Shallow: only eng's direct members.
    "role:deploy:assignment:group:eng",
    "role:deploy:assignment:group:web {group:eng:member=direct} immutable",
    "role:deploy:assignment:user:alice {group:eng:member=direct} immutable",
    "role:deploy:assignment:user:bob {group:eng:member=direct} immutable",
    // Members of either side of the cycle (ops itself is a member of sre), and of qa.
    "role:viewer:assignment:group:ops {group:sre:member=direct, role:viewer:assignment=direct}",
    "role:viewer:assignment:group:qa",
    "role:viewer:assignment:group:sre {group:ops:member=direct} immutable",
    "role:viewer:assignment:user:dave {group:ops:member=direct, group:qa:member=direct} immutable",
    "role:viewer:assignment:user:erin {group:sre:member=direct} immutable",
    "role:viewer:assignment:user:frank {group:qa:member=direct} immutable",
    "team:zeta:member:group:web",
    "team:zeta:member:user:carol {group:web:member=direct} immutable",
];

#[tokio::test]
async fn groups_expand_into_roles_through_nesting_cycles_and_filters() {
    let (store, summary) = expand(&directory(Vec::new()), SyncOptions::default()).await;
    assert_eq!(grant_lines(&store), EXPANDED);
    let e = summary.expansion;
    // dave's viewer grant, created from ops, is updated from qa before it is even written.
    assert_eq!((e.grants_created, e.grants_updated), (17, 3));
    assert_eq!((e.edges, e.cycles, e.layers), (10, 1, 2));
    assert_eq!(e.missing_entitlements, 0);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    // The expanded grants embed the whole destination entitlement, as baton's do.
    let carol = store
        .grants()
        .into_iter()
        .find(|g| g.id == "role:admin:assignment:user:carol")
        .unwrap();
    let admin = store
        .entitlements()
        .into_iter()
        .find(|e| e.id == "role:admin:assignment")
        .unwrap();
    assert_eq!(carol.entitlement, admin);
}

#[tokio::test]
async fn the_phase_reports_its_progress() {
    let recorder = Arc::new(Recorder::default());
    let options = SyncOptions {
        observer: Some(recorder.clone()),
        batch_size: 2,
        ..SyncOptions::default()
    };
    expand(&directory(Vec::new()), options).await;
    let progress: Vec<[u64; 4]> = recorder
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::ExpansionProgress {
                layer,
                layers,
                steps_done,
                steps,
                ..
            } => Some([*layer, *layers, *steps_done, *steps]),
            _ => None,
        })
        .collect();
    assert_eq!(progress.first(), Some(&[1, 2, 0, 9]));
    assert_eq!(progress.last(), Some(&[2, 2, 9, 9]));
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    let last = recorder.events().into_iter().rev().find_map(|e| match e {
        Event::ExpansionProgress {
            grants_created,
            grants_updated,
            ..
        } => Some((grants_created, grants_updated)),
        _ => None,
    });
    assert_eq!(last, Some((17, 3)));
}

#[tokio::test]
async fn a_cancelled_expansion_resumes_to_the_same_grants() {
    let connector = directory(Vec::new());
    let store = MemoryStore::new();
    let cancel = CancellationToken::new();
    let pages = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let observer = {
        let (cancel, pages) = (cancel.clone(), Arc::clone(&pages));
        move |e: &Event| {
            if matches!(e, Event::ExpansionProgress { .. })
                && pages.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2
            {
                cancel.cancel();
            }
        }
    };
    let options = SyncOptions {
        cancel,
        observer: Some(Arc::new(observer)),
        batch_size: 1,
        checkpoint_interval: Duration::ZERO,
        ..SyncOptions::default()
    };
    let err = sync(&connector, &store, options).await.unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert!(store.last_checkpoint().unwrap().contains("grant-expansion"));
    let partly = grant_lines(&store);
    assert!(
        partly.len() > 13 && partly.len() < EXPANDED.len(),
        "{partly:?}"
    );

    let options = SyncOptions {
        batch_size: 1,
        ..SyncOptions::default()
    };
    let summary = sync(&connector, &store, options).await.unwrap();
    assert!(summary.resumed);
    assert_eq!(grant_lines(&store), EXPANDED);
    assert_eq!(summary.expansion.grants_created, 17);
}

#[tokio::test]
async fn a_store_failing_mid_expansion_resumes_to_the_same_grants() {
    let connector = directory(Vec::new());
    let store = MemoryStore::new();
    let failing = store.clone();
    let observer = move |e: &Event| {
        if let Event::PhaseStarted {
            phase: Phase::GrantExpansion,
        } = e
        {
            failing.fail_after_puts(3);
        }
    };
    let options = SyncOptions {
        observer: Some(Arc::new(observer)),
        batch_size: 1,
        ..SyncOptions::default()
    };
    let err = sync(&connector, &store, options).await.unwrap_err();
    assert!(matches!(err, Error::Store(_)), "{err:?}");
    store.clear_failure();
    let summary = sync(&connector, &store, SyncOptions::default())
        .await
        .unwrap();
    assert!(summary.resumed);
    assert_eq!(grant_lines(&store), EXPANDED);
}

#[tokio::test]
async fn expansion_can_be_left_to_the_host() {
    let recorder = Arc::new(Recorder::default());
    let options = SyncOptions {
        expand_grants: false,
        observer: Some(recorder.clone()),
        ..SyncOptions::default()
    };
    let (store, summary) = expand(&directory(Vec::new()), options).await;
    assert_eq!(store.grants().len(), 18);
    assert_eq!(summary.expansion, Default::default());
    let expandable = store
        .grants()
        .iter()
        .filter(|g| connector_sdk::ExpandableGrant::of(g).is_some())
        .count();
    assert_eq!(expandable, 10, "kept for the host to expand");
    assert!(!recorder.events().iter().any(|e| matches!(
        e,
        Event::PhaseStarted {
            phase: Phase::GrantExpansion
        }
    )));
}

#[tokio::test]
async fn a_source_that_is_not_the_principals_fails_the_sync() {
    let wrong =
        role("admin", user("dave")).with_annotation(expandable(&["group:eng:member"], false, &[]));
    let err = sync(
        &directory(vec![wrong]),
        &MemoryStore::new(),
        SyncOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connector contract violated: grant role:admin:assignment:user:dave expands from \
         entitlement group:eng:member, which is on group:eng, not on the grant's principal \
         user:dave; a GrantExpandable source is an entitlement of the principal (e.g. the member \
         entitlement of a group granted a role)"
    );
}

#[tokio::test]
async fn entitlements_that_do_not_exist_are_dropped_with_a_warning() {
    let ghost = role("admin", group("web")).with_annotation(expandable(
        &["group:web:member", "group:web:owner"],
        false,
        &[],
    ));
    let (store, summary) = expand(&directory(vec![ghost]), SyncOptions::default()).await;
    assert_eq!(summary.expansion.missing_entitlements, 1);
    assert_eq!(
        summary.warnings,
        [
            "grant expansion: 1 entitlement(s) named by expandable grants do not exist \
          (group:web:owner); their edges are not expanded"
        ]
    );
    // The edge from the member entitlement, which exists, still expands.
    let carol = grant_lines(&store)
        .into_iter()
        .find(|l| l.starts_with("role:admin:assignment:user:carol"))
        .unwrap();
    assert_eq!(
        carol,
        "role:admin:assignment:user:carol {group:eng:member=indirect, group:web:member=direct} immutable"
    );
}

#[tokio::test]
async fn a_graph_deeper_than_the_limit_fails_the_sync() {
    let options = SyncOptions {
        max_expansion_depth: 1,
        ..SyncOptions::default()
    };
    let err = sync(&directory(Vec::new()), &MemoryStore::new(), options)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Expansion(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "grant expansion failed: the expandable grants form chains of 2 levels, more than the \
         limit of 1; raise SyncOptions::max_expansion_depth if the chains are meant to be that long"
    );
}

#[tokio::test]
async fn a_destination_held_by_many_is_looked_up_page_by_page() {
    // Role "all" is assigned to users 0 to 149 and to group "big", whose members are users 75
    // to 224. With pages of one grant, its 151 holders are more than the 100 pages' worth the
    // expansion keeps in memory, so it asks the store about every page's principals instead.
    let users: Vec<String> = (0..225).map(|i| format!("u{i:03}")).collect();
    let all = resource("role", "all");
    let mut role_grants: Vec<Grant> = users[..150]
        .iter()
        .map(|u| Grant::new(&all, "assignment", user(u)))
        .collect();
    role_grants.push(
        Grant::new(&all, "assignment", group("big")).with_annotation(expandable(
            &["group:big:member"],
            false,
            &[],
        )),
    );
    let big = resource("group", "big");
    let member_grants = users[75..]
        .iter()
        .map(|u| Grant::new(&big, "member", user(u)))
        .collect();
    let kind = |kind: &str, resources: Vec<Resource>, name, grants| -> Arc<dyn ResourceSyncer> {
        Arc::new(Static {
            resource_type: rt(kind),
            resources,
            entitlement: name,
            grants,
        })
    };
    let connector = TestConnector::new(vec![
        kind(
            "user",
            users.iter().map(|u| resource("user", u)).collect(),
            None,
            Vec::new(),
        ),
        kind("group", vec![big.clone()], Some("member"), member_grants),
        kind("role", vec![all.clone()], Some("assignment"), role_grants),
    ]);
    let mut results = Vec::new();
    for batch_size in [1, 1000] {
        let options = SyncOptions {
            batch_size,
            ..SyncOptions::default()
        };
        let (store, summary) = expand(&connector, options).await;
        let e = summary.expansion;
        assert_eq!(
            (e.grants_created, e.grants_updated),
            (75, 75),
            "{batch_size}"
        );
        results.push(grant_lines(&store));
    }
    assert_eq!(results[0], results[1]);
    assert!(
        results[0].contains(
            &"role:all:assignment:user:u100 {group:big:member=direct, role:all:assignment=direct}"
                .to_owned()
        )
    );
}
