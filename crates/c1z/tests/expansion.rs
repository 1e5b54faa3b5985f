//! Grant expansion into a `.c1z`, proved against baton itself: `legacy-unexpanded.c1z` and
//! `legacy-expanded.c1z` are one baton sync before and after baton's expander (2,909 grants,
//! 409 of them expandable; 14,981 after). The first is replayed through the engine into a
//! `C1zWriter`, which expands it; the result must hold exactly the grants of the second.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use c1z::{C1zReader, C1zWriter, WriterOptions};
use connector_sdk::{
    Annotation, CancellationToken, Connector, ConnectorError, Entitlement, Event, Grant,
    ListContext, Metadata, Page, Resource, ResourceContext, ResourceSyncer, ResourceType,
    SyncOptions, SyncSummary,
};

use crate::common::{Content, content, fixture, raw_db};

/// A connector that lists what a sync of a `.c1z` holds.
struct Replay(Arc<Content>);

struct ReplayType {
    resource_type: ResourceType,
    content: Arc<Content>,
}

#[async_trait]
impl Connector for Replay {
    fn metadata(&self) -> Metadata {
        Metadata {
            display_name: "Replay".into(),
            description: "A sync of a .c1z file, listed again".into(),
        }
    }

    async fn validate(&self) -> Result<(), ConnectorError> {
        Ok(())
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        self.0
            .resource_types
            .iter()
            .map(|rt| -> Arc<dyn ResourceSyncer> {
                Arc::new(ReplayType {
                    resource_type: rt.clone(),
                    content: Arc::clone(&self.0),
                })
            })
            .collect()
    }
}

#[async_trait]
impl ResourceSyncer for ReplayType {
    fn resource_type(&self) -> ResourceType {
        self.resource_type.clone()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let resources = self.content.resources.iter();
        let own = resources.filter(|r| r.id.resource_type == self.resource_type.id);
        Ok(Page::last(own.cloned().collect()))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let entitlements = self.content.entitlements.iter();
        let on = entitlements.filter(|e| e.resource.id == cx.resource.id);
        Ok(Page::last(on.cloned().collect()))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let grants = self.content.grants.iter();
        let on = grants.filter(|g| g.entitlement.resource.id == cx.resource.id);
        Ok(Page::last(on.cloned().collect()))
    }
}

fn legacy(name: &str) -> (String, Content) {
    let reader = C1zReader::open(fixture(name)).unwrap();
    let sync = reader.latest_sync().unwrap();
    assert_eq!(sync.id, "36zfOAoWMxQdISbixanQCRBiX7E");
    (sync.id.clone(), content(&reader, &sync.id))
}

/// Syncs the replayed `content` into `path` and returns the summary.
async fn replay_into(path: &Path, content: Content, options: SyncOptions) -> SyncSummary {
    let writer = C1zWriter::open(path, WriterOptions::default()).unwrap();
    let connector = Replay(Arc::new(content));
    connector_sdk::sync(&connector, &writer, options)
        .await
        .unwrap()
}

/// A grant as compared: principal, entitlement, annotations and the source ids (baton's
/// correctness test compares the source ids; see `is_direct` below).
type Compared = (Resource, Entitlement, Vec<Annotation>, BTreeSet<String>);

fn compared(grants: Vec<Grant>) -> BTreeMap<String, Compared> {
    grants
        .into_iter()
        .map(|g| {
            let sources = g.sources.map(|s| s.sources.into_keys().collect());
            let value = (
                g.principal,
                g.entitlement,
                g.annotations,
                sources.unwrap_or_default(),
            );
            (g.id, value)
        })
        .collect()
}

fn grants_of(path: &Path) -> Vec<Grant> {
    let reader = C1zReader::open(path).unwrap();
    let sync = reader.latest_sync().unwrap();
    assert!(sync.is_finished());
    content(&reader, &sync.id).grants
}

#[tokio::test]
async fn expanding_batons_unexpanded_sync_gives_batons_expanded_grants() {
    let (_, unexpanded) = legacy("legacy-unexpanded.c1z");
    assert_eq!(unexpanded.grants.len(), 2_909);
    let expandable = unexpanded
        .grants
        .iter()
        .filter(|g| connector_sdk::ExpandableGrant::of(g).is_some())
        .count();
    assert_eq!(expandable, 409);
    let (_, expanded) = legacy("legacy-expanded.c1z");
    let expected = compared(expanded.grants);
    assert_eq!(expected.len(), 14_981);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("expanded.c1z");
    let summary = replay_into(&out, unexpanded, SyncOptions::default()).await;
    assert_eq!(summary.expansion.grants_created, 14_981 - 2_909);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);

    let grants = grants_of(&out);
    let actual = compared(grants.clone());
    let missing: Vec<&String> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<&String> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "{} missing, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(
        extra.is_empty(),
        "{} extra, e.g. {:?}",
        extra.len(),
        &extra[..extra.len().min(5)]
    );
    let differing: Vec<&String> = expected
        .iter()
        .filter(|(id, grant)| actual[*id] != **grant)
        .map(|(id, _)| id)
        .collect();
    assert!(
        differing.is_empty(),
        "{} differ, e.g. {:?}: expected {:?}, got {:?}",
        differing.len(),
        differing.first(),
        differing.first().map(|id| &expected[*id]),
        differing.first().map(|id| &actual[*id]),
    );

    // This baton predates `is_direct` in expansion (all false in the file); today's baton, and
    // this SDK, mark the grant's own entitlement and direct source grants as direct.
    let sources = |id: &str| -> Vec<(String, bool)> {
        let grant = grants.iter().find(|g| g.id == id).unwrap();
        grant.sources.clone().unwrap().sources.into_iter().collect()
    };
    // A direct grant whose principal also gets it through a group it is nested in.
    assert_eq!(
        sources("project:project-0000099:access:group:group-0000010"),
        [
            ("group:group-0000019:member".to_owned(), false),
            ("project:project-0000099:access".to_owned(), true),
        ]
    );
    // An expanded grant of a direct member of two groups, as member and admin of each.
    assert!(
        sources("project:project-0000032:access:user:user-0000000")
            .iter()
            .all(|(_, direct)| *direct)
    );

    // The writer stores `expansion` and `needs_expansion` as baton's newer writers do.
    let raw = raw_db(&out);
    let (marked, with_blob): (i64, i64) = raw
        .conn
        .query_row(
            "SELECT sum(needs_expansion), count(expansion) FROM v1_grants",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((marked, with_blob), (409, 409));
}

#[tokio::test]
async fn an_expansion_stopped_midway_resumes_to_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference.c1z");
    let (_, unexpanded) = legacy("legacy-unexpanded.c1z");
    replay_into(
        &reference,
        legacy("legacy-unexpanded.c1z").1,
        SyncOptions::default(),
    )
    .await;

    let out = dir.path().join("stopped.c1z");
    let cancel = CancellationToken::new();
    let pages = Arc::new(AtomicUsize::new(0));
    let observer = {
        let (cancel, pages) = (cancel.clone(), Arc::clone(&pages));
        move |e: &Event| {
            if matches!(e, Event::ExpansionProgress { .. })
                && pages.fetch_add(1, Ordering::SeqCst) == 10
            {
                cancel.cancel();
            }
        }
    };
    let options = SyncOptions {
        cancel,
        observer: Some(Arc::new(observer)),
        batch_size: 200,
        ..SyncOptions::default()
    };
    let writer = C1zWriter::open(&out, WriterOptions::default()).unwrap();
    let connector = Replay(Arc::new(unexpanded));
    let err = connector_sdk::sync(&connector, &writer, options)
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    drop(writer);
    assert!(!out.exists(), "nothing is published before the sync ends");
    let partial = rusqlite::Connection::open(dir.path().join("stopped.c1z.partial")).unwrap();
    let (token, grants): (String, i64) = partial
        .query_row(
            "SELECT sync_token, (SELECT count(*) FROM v1_grants) FROM v1_sync_runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(partial);
    assert!(token.contains(r#""phase":"grant-expansion""#), "{token}");
    assert!(
        grants > 2_909 && grants < 14_981,
        "stopped midway: {grants} grants"
    );

    let writer = C1zWriter::open(&out, WriterOptions::default()).unwrap();
    let options = SyncOptions {
        batch_size: 200,
        ..SyncOptions::default()
    };
    let summary = connector_sdk::sync(&connector, &writer, options)
        .await
        .unwrap();
    assert!(summary.resumed);
    drop(writer);
    let full = |p: &Path| {
        grants_of(p)
            .into_iter()
            .map(|g| (g.id.clone(), g))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(full(&out), full(&reference));
}

#[tokio::test]
async fn a_finished_sync_carries_its_timing_where_baton_reads_it() {
    // baton-sdk's stats code reads `step_durations_ms` and `connector_call_stats` at the top
    // of the sync token, and caches them in `stats` with the counts: both hold them.
    let (_, unexpanded) = legacy("legacy-unexpanded.c1z");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.c1z");
    let summary = replay_into(&out, unexpanded, SyncOptions::default()).await;
    let db = raw_db(&out);
    let (token, stats): (String, String) = db
        .conn
        .query_row(
            "SELECT sync_token, stats FROM v1_sync_runs WHERE sync_id = ?1",
            [&summary.sync_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let token: serde_json::Value = serde_json::from_str(&token).unwrap();
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    let steps = token["step_durations_ms"].as_object().unwrap();
    for step in [
        "list-resources",
        "list-entitlements",
        "list-grants",
        "grant-expansion",
    ] {
        assert!(steps.contains_key(step), "{step} missing from {steps:?}");
    }
    let calls = token["connector_call_stats"].as_object().unwrap();
    let grants = &calls["list-grants"];
    let per_type: u64 = calls
        .iter()
        .filter(|(k, _)| k.starts_with("list-grants:"))
        .map(|(_, c)| c["count"].as_u64().unwrap())
        .sum();
    assert!(per_type > 0);
    assert_eq!(grants["count"], per_type);
    assert!(grants["max_ms"].as_u64().unwrap_or(0) <= grants["total_ms"].as_u64().unwrap_or(0));
    // (Zero numbers are left out of the stats, as Go's encoding leaves them out.)
    assert_eq!(
        stats["connector_call_stats"]["list-grants"]["count"],
        grants["count"]
    );
    assert_eq!(stats["step_durations_ms"], token["step_durations_ms"]);
}

#[tokio::test]
async fn a_file_baton_sdk_v0_25_wrote_expands_through_its_nested_groups() {
    // Written by the interop harness with baton-sdk v0.25.0's SQLite engine: engineering holds
    // the platform group (expandable from platform's members), engineering holds the admin role
    // (expandable from engineering's members), Bo and Cy are in platform; not expanded.
    let reader = C1zReader::open(fixture("baton-v0.25.c1z")).unwrap();
    let sync = reader.latest_sync().unwrap();
    let listed = content(&reader, &sync.id);
    assert_eq!(listed.grants.len(), 4);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.c1z");
    let summary = replay_into(&out, listed, SyncOptions::default()).await;
    assert_eq!(summary.expansion.grants_created, 5);
    let grants = compared(grants_of(&out));
    let sources = |id: &str| -> Vec<&str> {
        let (_, _, _, sources) = &grants[id];
        sources.iter().map(String::as_str).collect()
    };
    for user in ["u2", "u3"] {
        assert_eq!(
            sources(&format!("group:eng:member:user:{user}")),
            ["group:platform:member"]
        );
        assert_eq!(
            sources(&format!("role:admin:assigned:user:{user}")),
            ["group:eng:member"]
        );
    }
    assert_eq!(
        sources("role:admin:assigned:group:platform"),
        ["group:eng:member"]
    );
    assert_eq!(grants.len(), 9);
}
