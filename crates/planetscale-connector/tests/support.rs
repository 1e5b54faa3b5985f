use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connector_sdk::{
    Annotation, Connector, ConnectorError, Entitlement, Grant, MemoryStore, Metadata, Resource,
    ResourceSyncer, SyncOptions, SyncSummary,
};
use planetscale_client::{Client, ClientBuilder, Credentials, RetryPolicy};
use planetscale_connector::{Options, PlanetScaleConnector};
use planetscale_fake::{
    DEFAULT_TOKEN, DEFAULT_TOKEN_ID, DataSpec, Dataset, EndpointKind, FakeConfig, FakeServer,
    FaultMatch, FaultRule, OptionalLists, Times, TokenConfig,
};

/// Serves `dataset` to the default full-access token.
pub async fn start(dataset: Dataset) -> FakeServer {
    FakeServer::start(FakeConfig::new(dataset)).await.unwrap()
}

/// A hand-written dataset with every special case (a user in three organizations, an analyst,
/// an unknown role, null and blank names, no email, unicode names, an SSO-managed team, an empty
/// team, an unparsable timestamp), independent of the fake's generator so snapshots stay put.
pub fn fixture() -> Dataset {
    Dataset::from_json(include_str!("fixtures/dataset.json")).unwrap()
}

/// Serves the small dataset, which holds every special case, to the default token.
pub async fn start_small() -> FakeServer {
    start(DataSpec::small().generate()).await
}

/// Serves the small dataset to one token with the given reach and accesses.
pub async fn start_with_token(organizations: Option<Vec<String>>, accesses: &[&str]) -> FakeServer {
    let mut config = FakeConfig::new(DataSpec::small().generate());
    config.tokens = vec![TokenConfig {
        id: DEFAULT_TOKEN_ID.to_owned(),
        token: DEFAULT_TOKEN.to_owned(),
        organizations,
        accesses: accesses.iter().map(|a| (*a).to_owned()).collect(),
    }];
    FakeServer::start(config).await.unwrap()
}

/// A client for `server` with `token_id:token`, no throttle and quick retries.
pub fn client(server: &FakeServer, token_id: &str, token: &str) -> Client {
    builder(server, token_id, token).build().unwrap()
}

fn builder(server: &FakeServer, token_id: &str, token: &str) -> ClientBuilder {
    let credentials = Credentials::parse(&format!("{token_id}:{token}")).unwrap();
    Client::builder(credentials)
        .base_url(&server.url())
        .allow_insecure_http(true)
        .requests_per_minute(None)
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            max_total_wait: Duration::from_millis(50),
        })
}

/// The connector with the default token.
pub fn connector(server: &FakeServer) -> PlanetScaleConnector {
    PlanetScaleConnector::new(client(server, DEFAULT_TOKEN_ID, DEFAULT_TOKEN))
}

/// The connector with the default token and the optional parts `options` turns on.
pub fn connector_with(server: &FakeServer, options: Options) -> PlanetScaleConnector {
    PlanetScaleConnector::with_options(client(server, DEFAULT_TOKEN_ID, DEFAULT_TOKEN), options)
}

/// The connector with the default token, its client asking for `per_page` items a page, so that
/// small datasets span several pages.
pub fn connector_per_page(server: &FakeServer, per_page: u32) -> PlanetScaleConnector {
    let builder = builder(server, DEFAULT_TOKEN_ID, DEFAULT_TOKEN).per_page(per_page);
    PlanetScaleConnector::new(builder.build().unwrap())
}

/// Engine options for tests: no engine-level retry waits.
pub fn options() -> SyncOptions {
    let mut options = SyncOptions::default();
    options.retry.attempts = 1;
    options
}

/// Syncs `connector` into a new memory store.
pub async fn sync_memory(
    connector: &dyn Connector,
) -> (MemoryStore, Result<SyncSummary, connector_sdk::Error>) {
    let store = MemoryStore::default();
    let result = connector_sdk::sync(connector, &store, options()).await;
    (store, result)
}

/// The connector with validation switched off: the syncers fetch every page themselves.
#[derive(Debug)]
pub struct Unvalidated(pub PlanetScaleConnector);

#[async_trait]
impl Connector for Unvalidated {
    fn metadata(&self) -> Metadata {
        self.0.metadata()
    }

    async fn validate(&self) -> Result<(), ConnectorError> {
        Ok(())
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        self.0.syncers()
    }
}

/// What a memory store holds after a sync.
pub fn contents(store: &MemoryStore) -> (Vec<Resource>, Vec<Entitlement>, Vec<Grant>) {
    (store.all_resources(), store.entitlements(), store.grants())
}

/// A 404 on every request to `endpoint` of organization `org` (and team `team`) from now on.
pub fn fault_404(endpoint: EndpointKind, org: &str, team: Option<&str>) -> FaultRule {
    FaultRule::Status {
        on: FaultMatch {
            endpoint: Some(endpoint),
            org: Some(org.to_owned()),
            team: team.map(str::to_owned),
            times: Times::Forever,
            ..FaultMatch::any()
        },
        status: 404,
    }
}

/// The API requests the server answered (control endpoints excluded).
pub fn api_requests(server: &FakeServer) -> Vec<planetscale_fake::RequestRecord> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v1/"))
        .collect()
}

/// Asserts that no API page was requested twice.
#[track_caller]
pub fn assert_no_page_fetched_twice(server: &FakeServer) {
    let mut seen = HashSet::new();
    for r in api_requests(server) {
        let key = format!("{} {}?{}", r.method, r.path, r.query);
        assert!(seen.insert(key.clone()), "fetched twice: {key}");
    }
}

/// The request formula for a sync of the organizations `orgs` of `dataset` without the
/// optional parts: max(1, ⌈O/100⌉) + Σ over orgs of max(1, ⌈N/100⌉) + max(1, ⌈T/100⌉)
/// + Σ max(1, ⌈sᵢ/100⌉).
pub fn expected_requests(dataset: &Dataset, orgs: &[&str]) -> usize {
    expected_requests_with(dataset, orgs, Options::default())
}

/// The request formula with the optional parts `options` turns on, each adding per
/// organization: every database max(1, ⌈D/100⌉); service tokens max(1, ⌈S/100⌉), plus S when
/// the list leaves their accesses out; OAuth applications max(1, ⌈A/100⌉) + Σ over applications
/// max(1, ⌈kᵢ/100⌉), plus each token listed without its accesses; invitations max(1, ⌈I/100⌉);
/// the audit log max(1, ⌈entries/100⌉).
///
/// Which lists are counted comes from the connector's table of its parts: each part it covers
/// names its list by [`Part::key`](planetscale_connector::Part::key).
pub fn expected_requests_with(dataset: &Dataset, orgs: &[&str], options: Options) -> usize {
    let counted = serde_json::to_value(OptionalLists::default()).unwrap();
    let mut lists = serde_json::Map::new();
    for part in options.parts() {
        let key = part.key();
        assert!(
            counted.get(key).is_some(),
            "the fake's minimum counts no list {key}"
        );
        lists.insert(key.to_owned(), serde_json::Value::Bool(true));
    }
    let lists: OptionalLists = serde_json::from_value(lists.into()).unwrap();
    dataset.minimum_requests(Some(orgs), lists)
}

/// Every link of an error chain, joined: what a person would see with `{:#}`.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        write!(text, ": {e}").unwrap();
        source = e.source();
    }
    text
}

/// A compact, sorted text rendering of a sync's output, for snapshots.
pub fn render(resources: &[Resource], entitlements: &[Entitlement], grants: &[Grant]) -> String {
    let mut out = String::new();
    let mut lines: Vec<String> = resources.iter().map(render_resource).collect();
    lines.sort();
    writeln!(out, "# resources ({})", lines.len()).unwrap();
    out.extend(lines.into_iter().map(|l| l + "\n"));

    let mut lines: Vec<String> = entitlements
        .iter()
        .map(|e| {
            let grantable: Vec<&str> = e.grantable_to.iter().map(|t| t.id.as_str()).collect();
            format!(
                "{} {:?} {:?} to={} | {}",
                e.id,
                e.purpose,
                e.display_name,
                grantable.join(","),
                e.description
            )
        })
        .collect();
    lines.sort();
    writeln!(out, "# entitlements ({})", lines.len()).unwrap();
    out.extend(lines.into_iter().map(|l| l + "\n"));

    let mut lines: Vec<String> = grants.iter().map(|g| g.id.clone()).collect();
    lines.sort();
    writeln!(out, "# grants ({})", lines.len()).unwrap();
    out.extend(lines.into_iter().map(|l| l + "\n"));
    out
}

fn render_resource(r: &Resource) -> String {
    let mut line = format!("{} {:?}", r.id, r.display_name);
    if let Some(parent) = &r.parent {
        write!(line, " parent={parent}").unwrap();
    }
    if let Some(created_at) = r.created_at {
        write!(line, " created={}", created_at.seconds).unwrap();
    }
    for annotation in &r.annotations {
        match annotation {
            Annotation::UserTrait(t) => write!(
                line,
                " user(login={:?} email={:?} {:?} {:?} mfa={:?} sso={:?})",
                t.login,
                t.primary_email().unwrap_or_default(),
                t.account_type,
                t.status.as_ref().map(|s| s.status),
                t.mfa_enabled,
                t.sso_enabled
            ),
            Annotation::GroupTrait(g) => {
                write!(
                    line,
                    " group({}/{})",
                    g.group_source_type, g.raw_group_source_type
                )
            }
            Annotation::ChildResourceType { resource_type_id } => {
                write!(line, " child({resource_type_id})")
            }
            Annotation::ExternalLink { url } => write!(line, " link({url})"),
            other => write!(line, " {other:?}"),
        }
        .unwrap();
    }
    if let Some(profile) = &r.profile {
        write!(line, " {}", serde_json::to_string(profile).unwrap()).unwrap();
    }
    line
}
