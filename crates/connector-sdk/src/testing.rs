//! Conformance checks any connector author runs in one line (feature `testing`).
//!
//! ```no_run
//! # async fn check(connector: impl connector_sdk::Connector) {
//! let report = connector_sdk::testing::check_conformance(&connector).await.unwrap();
//! assert!(report.grants > 0);
//! # }
//! ```
//!
//! [`check_conformance`] drains every page of every call the engine would make (each type's
//! top-level listing, the child listings its resources announce, static entitlements, every
//! resource's entitlements and grants), one call at a time, and checks what comes back against
//! the SDK contract and baton's ID derivation. It reports every problem it finds, not only the
//! first. baton-sdk has nothing like it.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::connector::Connector;
use crate::engine::TypeCounts;
use crate::engine::call::{self, CallEnv, Output};
use crate::engine::state::{Action, Op, skips};
use crate::error::ConnectorError;
use crate::ids;
use crate::model::{Resource, ResourceId, ResourceType};
use crate::session::SessionCache;
use crate::syncer::ResourceSyncer;

/// Pages one call chain may take before the check gives up on it.
const MAX_PAGES_PER_CALL: usize = 10_000;

/// What a conformant connector returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConformanceReport {
    /// Resource types.
    pub resource_types: usize,
    /// Distinct resources listed.
    pub resources: u64,
    /// Entitlements listed (static ones included).
    pub entitlements: u64,
    /// Grants listed.
    pub grants: u64,
    /// Pages fetched.
    pub pages: u64,
    /// Counts per resource type (entitlements and grants on the type of their resource).
    pub per_type: BTreeMap<String, TypeCounts>,
}

impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resource types, {} resources, {} entitlements, {} grants in {} pages",
            self.resource_types, self.resources, self.entitlements, self.grants, self.pages
        )
    }
}

/// Why a connector is not conformant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConformanceError {
    /// A connector call failed; `context` says which.
    #[error("{context}")]
    Connector {
        /// What the check was doing.
        context: String,
        /// The connector's error.
        #[source]
        source: ConnectorError,
    },
    /// The connector's answers break the contract; every problem found is listed.
    #[error("connector is not conformant: {}", problems.join("; "))]
    Violations {
        /// One sentence per problem.
        problems: Vec<String>,
    },
}

impl ConformanceError {
    /// The contract problems found (empty for a failed call).
    pub fn problems(&self) -> &[String] {
        match self {
            ConformanceError::Violations { problems } => problems,
            ConformanceError::Connector { .. } => &[],
        }
    }
}

/// Drains every call of `connector` and checks the answers; see the [module docs](self).
///
/// Fails on: duplicate resource type ids; a page token returned unchanged or seen twice in one
/// call chain; an item returned twice by one call chain; a resource of another type than its
/// syncer's or lacking a trait its type requires; a child resource type no syncer provides; an
/// entitlement listed for one resource but on another, on a resource never listed, or whose id is not baton's
/// `<type>:<id>:<slug>`; a grant listed for one resource whose entitlement is on another, whose
/// entitlement no entitlements call returned, whose principal is of a type no syncer provides or
/// was never listed, or whose id is not baton's `<entitlement id>:<principal type>:<principal id>`.
///
/// # Errors
///
/// [`ConformanceError::Connector`] when a call fails (not-found included: a conformance run
/// expects every call to succeed), else [`ConformanceError::Violations`].
pub async fn check_conformance(
    connector: &dyn Connector,
) -> Result<ConformanceReport, ConformanceError> {
    connector
        .validate()
        .await
        .map_err(|source| ConformanceError::Connector {
            context: "validating credentials".to_owned(),
            source,
        })?;
    let mut check = Check::new(connector.syncers());
    check.resources().await?;
    check.entitlements().await?;
    check.grants().await?;
    match check.problems.is_empty() {
        true => Ok(check.report),
        false => Err(ConformanceError::Violations {
            problems: check.problems,
        }),
    }
}

struct Check {
    /// Syncers in the connector's order, the first of any duplicate id kept.
    syncers: Vec<(ResourceType, Arc<dyn ResourceSyncer>)>,
    env: CallEnv,
    /// Every resource listed, first listing kept, in listing order.
    listed: Vec<Resource>,
    listed_ids: HashSet<ResourceId>,
    entitlement_ids: HashSet<String>,
    problems: Vec<String>,
    report: ConformanceReport,
}

impl Check {
    fn new(all: Vec<Arc<dyn ResourceSyncer>>) -> Self {
        let mut syncers: Vec<(ResourceType, Arc<dyn ResourceSyncer>)> = Vec::new();
        let mut problems = Vec::new();
        for syncer in all {
            let rt = syncer.resource_type();
            if syncers.iter().any(|(t, _)| t.id == rt.id) {
                problems.push(format!(
                    "resource type {} is provided by two syncers",
                    rt.id
                ));
                continue;
            }
            syncers.push((rt, syncer));
        }
        let report = ConformanceReport {
            resource_types: syncers.len(),
            per_type: syncers
                .iter()
                .map(|(t, _)| (t.id.clone(), TypeCounts::default()))
                .collect(),
            ..ConformanceReport::default()
        };
        let env = CallEnv {
            session: SessionCache::default(),
            cancel: CancellationToken::new(),
            retry: crate::engine::EngineRetry {
                attempts: 1,
                ..Default::default()
            },
            observer: None,
            fetched: Default::default(),
        };
        Check {
            syncers,
            env,
            listed: Vec::new(),
            listed_ids: HashSet::new(),
            entitlement_ids: HashSet::new(),
            problems,
            report,
        }
    }

    fn syncer(&self, id: &str) -> Option<&(ResourceType, Arc<dyn ResourceSyncer>)> {
        self.syncers.iter().find(|(t, _)| t.id == id)
    }

    fn counts(&mut self, resource_type: &str) -> &mut TypeCounts {
        self.report
            .per_type
            .entry(resource_type.to_owned())
            .or_default()
    }

    /// Every top-level listing, then the child listings its resources announce, breadth first.
    async fn resources(&mut self) -> Result<(), ConformanceError> {
        let mut scheduled = HashSet::new();
        let top: Vec<String> = self.syncers.iter().map(|(t, _)| t.id.clone()).collect();
        for type_id in top {
            let mut queue = VecDeque::from([Action::list(&type_id, None)]);
            while let Some(action) = queue.pop_front() {
                let Some((rt, _)) = self.syncer(&action.resource_type) else {
                    continue;
                };
                let rt = rt.clone();
                let context = action.context();
                let mut seen = HashSet::new();
                for output in self.drain(action).await? {
                    let Output::Resources(page) = output else {
                        continue;
                    };
                    for resource in page.items {
                        if !seen.insert(resource.id.clone()) {
                            self.problems
                                .push(format!("{context} returned resource {} twice", resource.id));
                            continue;
                        }
                        self.check_resource(&rt, &resource, &context);
                        for child in resource.child_resource_types() {
                            if self.syncer(child).is_none() {
                                self.problems.push(format!(
                                    "resource {} announces child resource type {child}, which no syncer provides",
                                    resource.id
                                ));
                            } else if scheduled.insert((child.to_owned(), resource.id.clone())) {
                                queue.push_back(Action::list(child, Some(resource.id.clone())));
                            }
                        }
                        if self.listed_ids.insert(resource.id.clone()) {
                            self.counts(&rt.id).resources += 1;
                            self.report.resources += 1;
                            self.listed.push(resource);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn check_resource(&mut self, rt: &ResourceType, resource: &Resource, context: &str) {
        if resource.id.resource_type != rt.id {
            self.problems.push(format!(
                "{context} returned resource {}, which is not of resource type {}",
                resource.id, rt.id
            ));
        }
        for t in rt.traits.iter().filter(|t| !resource.has_trait(**t)) {
            self.problems.push(format!(
                "resource {} lacks the {} annotation that resource type {} requires",
                resource.id,
                t.as_baton_str(),
                rt.id
            ));
        }
    }

    /// Static entitlements of every type, then every listed resource's entitlements.
    async fn entitlements(&mut self) -> Result<(), ConformanceError> {
        let types: Vec<ResourceType> = self.syncers.iter().map(|(t, _)| t.clone()).collect();
        for rt in &types {
            if skips(&rt.annotations, Op::Entitlements) {
                continue;
            }
            let action = Action::static_entitlements(&rt.id);
            for entitlement in self.drain_entitlements(action).await? {
                self.entitlement_ids.insert(entitlement.id);
                self.counts(&rt.id).entitlements += 1;
                self.report.entitlements += 1;
            }
        }
        for resource in self.fan_out(&types, Op::Entitlements) {
            let action = Action::on_resource(Op::Entitlements, &resource);
            for entitlement in self.drain_entitlements(action).await? {
                if !self.listed_ids.contains(&entitlement.resource.id) {
                    self.problems.push(format!(
                        "entitlement {} points at resource {} which no list call returned",
                        entitlement.id, entitlement.resource.id
                    ));
                }
                if entitlement.resource.id != resource.id {
                    self.problems.push(format!(
                        "entitlement {} listed for {} is on resource {} instead",
                        entitlement.id, resource.id, entitlement.resource.id
                    ));
                }
                let expected = ids::entitlement_id(&entitlement.resource.id, &entitlement.slug);
                if entitlement.id != expected {
                    self.problems.push(format!(
                        "entitlement {} on {} should have baton's id {expected} (resource id and slug {:?})",
                        entitlement.id, entitlement.resource.id, entitlement.slug
                    ));
                }
                self.entitlement_ids.insert(entitlement.id);
                self.counts(&resource.id.resource_type).entitlements += 1;
                self.report.entitlements += 1;
            }
        }
        Ok(())
    }

    /// Every entitlement `action`'s pages return, each once; a repeat is a problem.
    async fn drain_entitlements(
        &mut self,
        action: Action,
    ) -> Result<Vec<crate::model::Entitlement>, ConformanceError> {
        let context = action.context();
        let mut seen = HashSet::new();
        let mut entitlements = Vec::new();
        for output in self.drain(action).await? {
            let Output::Entitlements(page) = output else {
                continue;
            };
            for entitlement in page.items {
                if seen.insert(entitlement.id.clone()) {
                    entitlements.push(entitlement);
                } else {
                    self.problems.push(format!(
                        "{context} returned entitlement {} twice",
                        entitlement.id
                    ));
                }
            }
        }
        Ok(entitlements)
    }

    async fn grants(&mut self) -> Result<(), ConformanceError> {
        let types: Vec<ResourceType> = self.syncers.iter().map(|(t, _)| t.clone()).collect();
        for resource in self.fan_out(&types, Op::Grants) {
            let action = Action::on_resource(Op::Grants, &resource);
            let context = action.context();
            let mut seen = HashSet::new();
            for output in self.drain(action).await? {
                let Output::Grants(page) = output else {
                    continue;
                };
                for grant in page.items {
                    if !seen.insert(grant.id.clone()) {
                        self.problems
                            .push(format!("{context} returned grant {} twice", grant.id));
                        continue;
                    }
                    self.check_grant(&resource, &grant);
                    self.counts(&resource.id.resource_type).grants += 1;
                    self.report.grants += 1;
                }
            }
        }
        Ok(())
    }

    fn check_grant(&mut self, resource: &Resource, grant: &crate::model::Grant) {
        let on = &resource.id;
        let entitlement = &grant.entitlement;
        let principal = &grant.principal.id;
        if entitlement.resource.id != *on {
            self.problems.push(format!(
                "grant {} listed for {on} embeds an entitlement on resource {} instead",
                grant.id, entitlement.resource.id
            ));
        }
        if !self.listed_ids.contains(&entitlement.resource.id) {
            self.problems.push(format!(
                "grant {} on {on} points at entitlement resource {} which no list call returned",
                grant.id, entitlement.resource.id
            ));
        }
        if !self.entitlement_ids.contains(&entitlement.id) {
            self.problems.push(format!(
                "grant {} on {on} points at entitlement {} which no entitlements call returned",
                grant.id, entitlement.id
            ));
        }
        if self.syncer(&principal.resource_type).is_none() {
            self.problems.push(format!(
                "grant {} on {on} points at principal {principal} of resource type {}, which no syncer provides",
                grant.id, principal.resource_type
            ));
        } else if !self.listed_ids.contains(principal) {
            self.problems.push(format!(
                "grant {} on {on} points at principal {principal} which no list call returned",
                grant.id
            ));
        }
        let expected = ids::grant_id(&entitlement.id, principal);
        if grant.id != expected {
            self.problems.push(format!(
                "grant {} on {on} should have baton's id {expected} (entitlement id and principal id)",
                grant.id
            ));
        }
    }

    /// The listed resources whose entitlements or grants the engine would ask for.
    fn fan_out(&self, types: &[ResourceType], op: Op) -> Vec<Resource> {
        let skipped: HashSet<&str> = types
            .iter()
            .filter(|t| skips(&t.annotations, op))
            .map(|t| t.id.as_str())
            .collect();
        self.listed
            .iter()
            .filter(|r| {
                !skipped.contains(r.id.resource_type.as_str()) && !skips(&r.annotations, op)
            })
            .cloned()
            .collect()
    }

    /// Every page of one call chain, enqueued sibling chains included, one call at a time.
    async fn drain(&mut self, first: Action) -> Result<Vec<Output>, ConformanceError> {
        let Some((_, syncer)) = self.syncer(&first.resource_type) else {
            return Ok(Vec::new());
        };
        let syncer = Arc::clone(syncer);
        let context = first.context();
        let mut tokens_seen: HashMap<String, usize> = HashMap::new();
        let mut queue = VecDeque::from([first]);
        let mut pages = Vec::new();
        while let Some(action) = queue.pop_front() {
            if pages.len() >= MAX_PAGES_PER_CALL {
                self.problems.push(format!(
                    "{context} did not finish within {MAX_PAGES_PER_CALL} pages"
                ));
                break;
            }
            let output = call::once(&*syncer, &action, &self.env)
                .await
                .map_err(|source| ConformanceError::Connector {
                    context: action.context(),
                    source,
                })?;
            self.report.pages += 1;
            let given = action.token.as_deref();
            let mut follow = Vec::new();
            if let Some(next) = output.next_token() {
                follow.push(next.to_owned());
            }
            follow.extend(output.enqueued().iter().filter(|t| !t.is_empty()).cloned());
            for token in follow {
                if Some(token.as_str()) == given {
                    self.problems.push(format!(
                        "next page token unchanged while {context}: the call given token {token:?} returned it again"
                    ));
                    continue;
                }
                let seen = tokens_seen.entry(token.clone()).or_default();
                *seen += 1;
                if *seen > 1 {
                    self.problems.push(format!(
                        "{context} returned page token {token:?} twice; the pages would be fetched again"
                    ));
                    continue;
                }
                queue.push_back(action.with_token(token));
            }
            pages.push(output);
        }
        Ok(pages)
    }
}
