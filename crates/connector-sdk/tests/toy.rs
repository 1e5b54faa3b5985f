//! A toy connector with every shape the engine handles: paging, nested children, enqueued page
//! tokens, principals of two types, skip annotations and the session cache; and knobs to make
//! its calls fail, stall, cancel the sync or be tampered with.
//!
//! Syncers, in order: `org` (top-level, children `team`), `team` (children `project`, grants
//! paged with enqueued tokens), `project` (grants to teams), `user` (paged with next tokens,
//! skips entitlements and grants).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use connector_sdk::{
    Annotation, CallContext, CancellationToken, Connector, ConnectorError, Entitlement, ErrorKind,
    Event, Grant, GroupTrait, ListContext, MemoryStore, Metadata, Observer, Page, Resource,
    ResourceContext, ResourceId, ResourceSyncer, ResourceType, SyncOptions, SyncSummary, Trait,
    UserTrait, sync,
};

/// How a call misbehaves.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    NotFound,
    Internal,
    /// Fails with `Unavailable` this many more times, then succeeds.
    Unavailable(u32),
}

/// The toy system's data and the record of the calls made to it.
pub struct World {
    pub page_size: usize,
    pub users: Vec<String>,
    pub orgs: Vec<Org>,
    /// Calls that returned successfully, as `<method> <subject> <token>` keys.
    pub calls: Mutex<Vec<String>>,
    pub faults: Mutex<HashMap<String, Fault>>,
    /// Cancels the token when the call with this key is made (and lets the call succeed).
    pub cancel_on: Mutex<Option<(String, CancellationToken)>>,
    /// Every call sleeps this long first (use with `tokio::time::pause`).
    pub delay: Option<Duration>,
}

pub struct Org {
    pub id: String,
    pub members: Vec<String>,
    pub admins: Vec<String>,
    pub teams: Vec<Team>,
}

pub struct Team {
    pub id: String,
    pub members: Vec<String>,
    pub projects: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

impl World {
    /// Two orgs, three teams (one with five members, paged with enqueued tokens), three
    /// projects, seven users, three items per page.
    pub fn new() -> Self {
        let team = |id: &str, members: &[&str], projects: &[&str]| Team {
            id: id.to_owned(),
            members: strings(members),
            projects: strings(projects),
        };
        World {
            page_size: 3,
            users: (1..=7).map(|i| format!("u{i}")).collect(),
            orgs: vec![
                Org {
                    id: "o1".into(),
                    members: strings(&["u1", "u2", "u3", "u4", "u5"]),
                    admins: strings(&["u1"]),
                    teams: vec![
                        team("t1", &["u1", "u2", "u3", "u4", "u5"], &["p1", "p2"]),
                        team("t2", &["u2"], &[]),
                    ],
                },
                Org {
                    id: "o2".into(),
                    members: strings(&["u6", "u7"]),
                    admins: strings(&["u6"]),
                    teams: vec![team("t3", &["u6", "u7"], &["p3"])],
                },
            ],
            calls: Mutex::new(Vec::new()),
            faults: Mutex::new(HashMap::new()),
            cancel_on: Mutex::new(None),
            delay: None,
        }
    }

    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size;
        self
    }

    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    pub fn fault(&self, key: &str, fault: Fault) {
        self.faults.lock().unwrap().insert(key.to_owned(), fault);
    }

    pub fn cancel_on(&self, key: &str, token: &CancellationToken) {
        *self.cancel_on.lock().unwrap() = Some((key.to_owned(), token.clone()));
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    /// Runs the knobs for the call `key`; `Err` when it must fail.
    async fn call(&self, key: String) -> Result<(), ConnectorError> {
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        let cancel = self.cancel_on.lock().unwrap().clone();
        if let Some((_, token)) = cancel.filter(|(at, _)| *at == key) {
            token.cancel();
        }
        let fault = self.faults.lock().unwrap().get(&key).copied();
        match fault {
            Some(Fault::NotFound) => return Err(ConnectorError::not_found(format!("{key}: 404"))),
            Some(Fault::Internal) => return Err(ConnectorError::internal(format!("{key}: boom"))),
            Some(Fault::Unavailable(n)) if n > 0 => {
                self.fault(&key, Fault::Unavailable(n - 1));
                return Err(ConnectorError::unavailable(format!("{key}: 503")));
            }
            _ => {}
        }
        self.calls.lock().unwrap().push(key);
        Ok(())
    }

    fn org(&self, id: &str) -> Option<&Org> {
        self.orgs.iter().find(|o| o.id == id)
    }

    fn team(&self, id: &str) -> Option<&Team> {
        self.orgs.iter().flat_map(|o| &o.teams).find(|t| t.id == id)
    }
}

/// `<method> <subject> <token>`, e.g. `grants team:t1 -` or `list user 3`.
pub fn key(method: &str, subject: &str, token: Option<&str>) -> String {
    format!("{method} {subject} {}", token.unwrap_or("-"))
}

fn list_key(rt: &str, cx: &ListContext) -> String {
    let subject = match &cx.parent {
        Some(parent) => format!("{rt}<{parent}"),
        None => rt.to_owned(),
    };
    key("list", &subject, cx.call.page_token.as_deref())
}

fn resource_key(method: &str, cx: &ResourceContext) -> String {
    key(
        method,
        &cx.resource.id.to_string(),
        cx.call.page_token.as_deref(),
    )
}

/// The page of `items` at the offset `token` (offsets are the tokens).
fn chunk<T: Clone>(items: &[T], token: Option<&str>, size: usize) -> (Vec<T>, Option<String>) {
    let start: usize = token
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
        .min(items.len());
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    (items[start..end].to_vec(), next)
}

fn paged<T: Clone>(items: &[T], call: &CallContext, size: usize) -> Page<T> {
    let (items, next) = chunk(items, call.page_token.as_deref(), size);
    Page::with_next(items, next)
}

pub fn org_type() -> ResourceType {
    ResourceType::new("org", "Organization", &[]).with_description("An organization")
}

pub fn team_type() -> ResourceType {
    ResourceType::new("team", "Team", &[Trait::Group])
}

pub fn project_type() -> ResourceType {
    ResourceType::new("project", "Project", &[])
}

pub fn user_type() -> ResourceType {
    ResourceType::new("user", "User", &[Trait::User])
        .with_annotation(Annotation::SkipEntitlementsAndGrants)
}

pub struct OrgSyncer(pub Arc<World>);

#[async_trait]
impl ResourceSyncer for OrgSyncer {
    fn resource_type(&self) -> ResourceType {
        org_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        self.0.call(list_key("org", &cx)).await?;
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let ids: Vec<String> = self.0.orgs.iter().map(|o| o.id.clone()).collect();
        cx.call.session.put_json("org-ids", &ids);
        let rt = org_type();
        let orgs: Vec<Resource> = ids
            .iter()
            .map(|id| {
                Resource::new(&rt, id, format!("Org {id}"))
                    .with_annotation(Annotation::child_resource_type("team"))
            })
            .collect();
        Ok(paged(&orgs, &cx.call, 1))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        self.0.call(resource_key("entitlements", &cx)).await?;
        let user = user_type();
        Ok(Page::last(vec![
            Entitlement::assignment(&cx.resource, "member").with_grantable_to(&[&user]),
            Entitlement::permission(&cx.resource, "admin").with_grantable_to(&[&user]),
        ]))
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        self.0.call(resource_key("grants", &cx)).await?;
        // The org listing cached this; a resumed sync must still see it.
        if cx.call.session.get_json::<Vec<String>>("org-ids").is_none() {
            return Err(ConnectorError::internal("session entry org-ids is missing"));
        }
        let Some(org) = self.0.org(&cx.resource.id.resource) else {
            return Err(ConnectorError::not_found(format!(
                "no org {}",
                cx.resource.id
            )));
        };
        let mut grants: Vec<Grant> = org
            .members
            .iter()
            .map(|u| Grant::new(&cx.resource, "member", ResourceId::new("user", u)))
            .collect();
        grants.extend(
            org.admins
                .iter()
                .map(|u| Grant::new(&cx.resource, "admin", ResourceId::new("user", u))),
        );
        Ok(paged(&grants, &cx.call, self.0.page_size))
    }
}

pub struct TeamSyncer(pub Arc<World>);

#[async_trait]
impl ResourceSyncer for TeamSyncer {
    fn resource_type(&self) -> ResourceType {
        team_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        self.0.call(list_key("team", &cx)).await?;
        let Some(parent) = &cx.parent else {
            return Ok(Page::empty());
        };
        let Some(org) = self.0.org(&parent.resource) else {
            return Ok(Page::empty());
        };
        let rt = team_type();
        let teams: Vec<Resource> = org
            .teams
            .iter()
            .map(|t| {
                Resource::new(&rt, &t.id, format!("Team {}", t.id))
                    .with_parent(parent.clone())
                    .with_annotation(GroupTrait::default())
                    .with_annotation(Annotation::child_resource_type("project"))
            })
            .collect();
        Ok(paged(&teams, &cx.call, self.0.page_size))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        self.0.call(resource_key("entitlements", &cx)).await?;
        Ok(Page::last(vec![
            Entitlement::assignment(&cx.resource, "member").with_grantable_to(&[&user_type()]),
        ]))
    }

    /// The first call returns the first page and enqueues the offsets of all the others.
    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        self.0.call(resource_key("grants", &cx)).await?;
        let Some(team) = self.0.team(&cx.resource.id.resource) else {
            return Ok(Page::empty());
        };
        let grants: Vec<Grant> = team
            .members
            .iter()
            .map(|u| Grant::new(&cx.resource, "member", ResourceId::new("user", u)))
            .collect();
        let size = self.0.page_size;
        let (items, _) = chunk(&grants, cx.call.page_token.as_deref(), size);
        let page = Page::last(items);
        if cx.call.page_token.is_some() {
            return Ok(page);
        }
        let offsets = (size..grants.len()).step_by(size).map(|o| o.to_string());
        Ok(page.with_enqueued(offsets))
    }
}

pub struct ProjectSyncer(pub Arc<World>);

#[async_trait]
impl ResourceSyncer for ProjectSyncer {
    fn resource_type(&self) -> ResourceType {
        project_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        self.0.call(list_key("project", &cx)).await?;
        let Some(parent) = &cx.parent else {
            return Ok(Page::empty());
        };
        let Some(team) = self.0.team(&parent.resource) else {
            return Ok(Page::empty());
        };
        let rt = project_type();
        let projects: Vec<Resource> = team
            .projects
            .iter()
            .map(|p| Resource::new(&rt, p, format!("Project {p}")).with_parent(parent.clone()))
            .collect();
        Ok(paged(&projects, &cx.call, self.0.page_size))
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        self.0.call(resource_key("entitlements", &cx)).await?;
        let grantable = [&team_type(), &user_type()];
        Ok(Page::last(vec![
            Entitlement::permission(&cx.resource, "viewer").with_grantable_to(&grantable),
        ]))
    }

    /// The owning team may view the project, and so may its members (grant expansion).
    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        self.0.call(resource_key("grants", &cx)).await?;
        let Some(team) = cx.resource.parent.clone() else {
            return Ok(Page::empty());
        };
        let expandable = Annotation::GrantExpandable {
            entitlement_ids: vec![connector_sdk::ids::entitlement_id(&team, "member")],
            shallow: false,
            resource_type_ids: Vec::new(),
        };
        Ok(Page::last(vec![
            Grant::new(&cx.resource, "viewer", team).with_annotation(expandable),
        ]))
    }
}

pub struct UserSyncer(pub Arc<World>);

#[async_trait]
impl ResourceSyncer for UserSyncer {
    fn resource_type(&self) -> ResourceType {
        user_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        self.0.call(list_key("user", &cx)).await?;
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let rt = user_type();
        let users: Vec<Resource> = self
            .0
            .users
            .iter()
            .map(|u| {
                let email = format!("{u}@example.com");
                let trait_ = UserTrait::new().with_email(&email, true).with_login(&email);
                Resource::new(&rt, u, format!("User {u}")).with_annotation(trait_)
            })
            .collect();
        Ok(paged(&users, &cx.call, self.0.page_size))
    }
}

type Edit<T> = Box<dyn Fn(Page<T>) -> Page<T> + Send + Sync>;

/// Wraps a syncer and edits what it returns, to build misbehaving connectors.
pub struct Tamper {
    pub inner: Arc<dyn ResourceSyncer>,
    pub list: Option<Edit<Resource>>,
    pub entitlements: Option<Edit<Entitlement>>,
    pub grants: Option<Edit<Grant>>,
}

impl Tamper {
    pub fn new(inner: impl ResourceSyncer + 'static) -> Self {
        Tamper {
            inner: Arc::new(inner),
            list: None,
            entitlements: None,
            grants: None,
        }
    }

    pub fn list(
        mut self,
        edit: impl Fn(Page<Resource>) -> Page<Resource> + Send + Sync + 'static,
    ) -> Self {
        self.list = Some(Box::new(edit));
        self
    }

    pub fn entitlements(
        mut self,
        edit: impl Fn(Page<Entitlement>) -> Page<Entitlement> + Send + Sync + 'static,
    ) -> Self {
        self.entitlements = Some(Box::new(edit));
        self
    }

    pub fn grants(
        mut self,
        edit: impl Fn(Page<Grant>) -> Page<Grant> + Send + Sync + 'static,
    ) -> Self {
        self.grants = Some(Box::new(edit));
        self
    }
}

#[async_trait]
impl ResourceSyncer for Tamper {
    fn resource_type(&self) -> ResourceType {
        self.inner.resource_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        let page = self.inner.list(cx).await?;
        Ok(match &self.list {
            Some(edit) => edit(page),
            None => page,
        })
    }

    async fn entitlements(&self, cx: ResourceContext) -> Result<Page<Entitlement>, ConnectorError> {
        let page = self.inner.entitlements(cx).await?;
        Ok(match &self.entitlements {
            Some(edit) => edit(page),
            None => page,
        })
    }

    async fn grants(&self, cx: ResourceContext) -> Result<Page<Grant>, ConnectorError> {
        let page = self.inner.grants(cx).await?;
        Ok(match &self.grants {
            Some(edit) => edit(page),
            None => page,
        })
    }
}

/// A connector made of any syncers.
pub struct TestConnector {
    pub syncers: Vec<Arc<dyn ResourceSyncer>>,
    pub validate_error: Option<ErrorKind>,
    pub validations: AtomicUsize,
}

impl TestConnector {
    pub fn new(syncers: Vec<Arc<dyn ResourceSyncer>>) -> Self {
        TestConnector {
            syncers,
            validate_error: None,
            validations: AtomicUsize::new(0),
        }
    }

    /// The toy connector over `world`.
    pub fn toy(world: &Arc<World>) -> Self {
        Self::new(vec![
            Arc::new(OrgSyncer(Arc::clone(world))),
            Arc::new(TeamSyncer(Arc::clone(world))),
            Arc::new(ProjectSyncer(Arc::clone(world))),
            Arc::new(UserSyncer(Arc::clone(world))),
        ])
    }

    /// Replaces the syncer of resource type `id`.
    pub fn replace(mut self, id: &str, syncer: impl ResourceSyncer + 'static) -> Self {
        let syncer: Arc<dyn ResourceSyncer> = Arc::new(syncer);
        for slot in &mut self.syncers {
            if slot.resource_type().id == id {
                *slot = Arc::clone(&syncer);
            }
        }
        self
    }
}

#[async_trait]
impl Connector for TestConnector {
    fn metadata(&self) -> Metadata {
        Metadata {
            display_name: "Toy".into(),
            description: "A toy system".into(),
        }
    }

    async fn validate(&self) -> Result<(), ConnectorError> {
        self.validations.fetch_add(1, Ordering::SeqCst);
        match self.validate_error {
            Some(kind) => Err(ConnectorError::new(kind, "the credentials were refused")),
            None => Ok(()),
        }
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        self.syncers.clone()
    }
}

/// Records every event.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<Event>>);

impl Observer for Recorder {
    fn on_event(&self, event: &Event) {
        self.0.lock().unwrap().push(event.clone());
    }
}

impl Recorder {
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}

/// An uninterrupted sync of a fresh toy world with the default options: the reference the
/// other tests compare with.
pub async fn reference_sync() -> (MemoryStore, SyncSummary) {
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

/// The store's contents in a stable order, as JSON: equal for equal syncs whatever the
/// concurrency did to the write order.
pub fn content(store: &MemoryStore) -> serde_json::Value {
    let mut resources = store.all_resources();
    resources.sort_by(|a, b| a.id.cmp(&b.id));
    let mut entitlements = store.entitlements();
    entitlements.sort_by(|a, b| a.id.cmp(&b.id));
    let mut grants = store.grants();
    grants.sort_by(|a, b| a.id.cmp(&b.id));
    serde_json::json!({
        "resource_types": store.resource_types(),
        "resources": resources,
        "entitlements": entitlements,
        "grants": grants,
    })
}

/// One line per item, sorted within each kind: what snapshots show.
pub fn lines(store: &MemoryStore) -> Vec<String> {
    let mut out: Vec<String> = store
        .resource_types()
        .iter()
        .map(|t| format!("type {} {:?} traits={:?}", t.id, t.display_name, t.traits))
        .collect();
    let mut resources: Vec<String> = store
        .all_resources()
        .iter()
        .map(|r| {
            let parent = r
                .parent
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| "-".into());
            format!("resource {} {:?} parent={parent}", r.id, r.display_name)
        })
        .collect();
    resources.sort();
    let mut entitlements: Vec<String> = store
        .entitlements()
        .iter()
        .map(|e| format!("entitlement {} ({:?})", e.id, e.purpose))
        .collect();
    entitlements.sort();
    let mut grants: Vec<String> = store
        .grants()
        .iter()
        .map(|g| format!("grant {}", g.id))
        .collect();
    grants.sort();
    out.extend(resources);
    out.extend(entitlements);
    out.extend(grants);
    out
}
