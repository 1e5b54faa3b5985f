//! The engine's resumable state: what is left to do, serialised as the checkpoint.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::expand::Progress;
use super::{ExpansionSummary, Phase, TypeCounts};
use crate::annotations::Annotation;
use crate::model::{Resource, ResourceId};

/// Bumped when the checkpoint layout changes incompatibly.
pub(crate) const VERSION: u32 = 1;

/// One connector call to make: a method, its subject and its page token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Action {
    pub(crate) op: Op,
    /// The syncer's resource type.
    pub(crate) resource_type: String,
    /// `List` under a parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) parent: Option<ResourceId>,
    /// `Entitlements` and `Grants`: the resource asked about, in full (the syncer receives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resource: Option<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<String>,
}

impl Action {
    pub(crate) fn list(resource_type: &str, parent: Option<ResourceId>) -> Self {
        Action {
            op: Op::List,
            resource_type: resource_type.to_owned(),
            parent,
            resource: None,
            token: None,
        }
    }

    pub(crate) fn static_entitlements(resource_type: &str) -> Self {
        Action {
            op: Op::StaticEntitlements,
            resource_type: resource_type.to_owned(),
            parent: None,
            resource: None,
            token: None,
        }
    }

    pub(crate) fn on_resource(op: Op, resource: &Resource) -> Self {
        Action {
            op,
            resource_type: resource.id.resource_type.clone(),
            parent: None,
            resource: Some(resource.clone()),
            token: None,
        }
    }

    /// The same call for another page.
    pub(crate) fn with_token(&self, token: String) -> Self {
        Action {
            token: Some(token),
            ..self.clone()
        }
    }

    /// What the call does, for error messages and events.
    pub(crate) fn context(&self) -> String {
        match (self.op, &self.parent, &self.resource) {
            (Op::List, Some(parent), _) => {
                format!("listing {} resources under {parent}", self.resource_type)
            }
            (Op::List, None, _) => format!("listing {} resources", self.resource_type),
            (Op::StaticEntitlements, _, _) => {
                format!(
                    "listing static entitlements of resource type {}",
                    self.resource_type
                )
            }
            (Op::Entitlements, _, Some(r)) => format!("listing entitlements of {}", r.id),
            (Op::Grants, _, Some(r)) => format!("listing grants of {}", r.id),
            (op, _, None) => format!("listing {op:?} of resource type {}", self.resource_type),
        }
    }

    /// The resource an entitlements or grants call is about, as `<type>:<id>`; empty otherwise.
    pub(crate) fn subject(&self) -> String {
        self.resource
            .as_ref()
            .map(|r| r.id.to_string())
            .unwrap_or_default()
    }

    /// Whether `NotFound` from this call is a warning rather than a failure: baton's rule for
    /// per-resource calls. Top-level listings must never read a 404 as "empty".
    pub(crate) fn not_found_is_warning(&self) -> bool {
        match self.op {
            Op::List => self.parent.is_some(),
            Op::StaticEntitlements => false,
            Op::Entitlements | Op::Grants => true,
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        match self.op {
            Op::List => Phase::Resources,
            Op::StaticEntitlements => Phase::StaticEntitlements,
            Op::Entitlements => Phase::Entitlements,
            Op::Grants => Phase::Grants,
        }
    }
}

/// A `ResourceSyncer` method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Op {
    List,
    StaticEntitlements,
    Entitlements,
    Grants,
}

/// Everything needed to carry on after a stop. Calls in flight when the checkpoint is taken are
/// saved at the front of `pending` with the token they were given.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) version: u32,
    /// The synced resource type ids, in order; a resume with other options is refused.
    pub(crate) types: Vec<String>,
    pub(crate) phase: Phase,
    /// Resources phase: the index in `types` of the type being listed. Entitlements and grants
    /// phases: the index of the type whose resources are being fanned out.
    pub(crate) stage: usize,
    /// Resources phase: the current type's top-level listing is done, its children are listed.
    pub(crate) children: bool,
    /// Entitlements and grants phases: the index of the next resource of the current type to
    /// schedule, in `Store::resources` order.
    pub(crate) cursor: usize,
    /// Calls to make, in order.
    pub(crate) pending: VecDeque<Action>,
    /// Child listings found during a top-level listing; they run when it is done.
    pub(crate) deferred: Vec<Action>,
    /// (child type, parent) pairs already scheduled in the resources phase, so a parent listed
    /// twice is not walked twice.
    pub(crate) scheduled_children: BTreeSet<(String, ResourceId)>,
    /// Whether a grant carried `GrantExpandable` (as baton's token's `needs_expansion`). A
    /// checkpoint without it (an earlier engine's) reads as `true`: the expansion phase then
    /// finds out from the store.
    #[serde(default = "yes")]
    pub(crate) needs_expansion: bool,
    /// Grant expansion phase: where it is.
    #[serde(default)]
    pub(crate) expansion: Progress,
    pub(crate) stats: Stats,
    /// Milliseconds spent per phase, named by baton's step (`list-grants`, `grant-expansion`).
    /// This and `connector_call_stats` are baton's own token keys, at the top level where
    /// baton-sdk's stats code reads a sync token: a finished sync's last checkpoint gives baton
    /// (and the stats the writer caches) its timing.
    #[serde(default)]
    pub(crate) step_durations_ms: BTreeMap<String, u64>,
    /// Connector calls per method (`list-grants`) and per method and resource type
    /// (`list-grants:team`), as baton counts them.
    #[serde(default)]
    pub(crate) connector_call_stats: BTreeMap<String, CallStat>,
}

/// baton's `ConnectorCallStat`: calls, their total and their longest time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CallStat {
    pub(crate) count: u64,
    pub(crate) total_ms: u64,
    pub(crate) max_ms: u64,
}

impl CallStat {
    fn add(&mut self, ms: u64) {
        self.count += 1;
        self.total_ms += ms;
        self.max_ms = self.max_ms.max(ms);
    }
}

fn yes() -> bool {
    true
}

/// Counters carried across a resume so the summary covers the whole sync.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Stats {
    pub(crate) counts: BTreeMap<String, TypeCounts>,
    pub(crate) pages_per_type: BTreeMap<String, u64>,
    pub(crate) pages: u64,
    pub(crate) retries: u64,
    /// Completed calls, skipped ones included (the warning ratio's denominator).
    pub(crate) calls: u64,
    /// Not-found warnings (the warning ratio's numerator).
    pub(crate) not_found: u64,
    pub(crate) warnings: Vec<String>,
    #[serde(default)]
    pub(crate) expansion: ExpansionSummary,
}

impl State {
    pub(crate) fn new(types: Vec<String>) -> Self {
        let counts = types
            .iter()
            .map(|t| (t.clone(), TypeCounts::default()))
            .collect();
        State {
            version: VERSION,
            types,
            phase: Phase::ResourceTypes,
            stage: 0,
            children: false,
            cursor: 0,
            pending: VecDeque::new(),
            deferred: Vec::new(),
            scheduled_children: BTreeSet::new(),
            needs_expansion: false,
            expansion: Progress::default(),
            stats: Stats {
                counts,
                ..Stats::default()
            },
            step_durations_ms: BTreeMap::new(),
            connector_call_stats: BTreeMap::new(),
        }
    }

    /// Adds `ms` to `phase`'s time.
    pub(crate) fn add_step(&mut self, phase: Phase, ms: u64) {
        *self
            .step_durations_ms
            .entry(phase.baton_step().to_owned())
            .or_default() += ms;
    }

    /// Counts a finished call of `action` that took `ms`.
    pub(crate) fn add_call(&mut self, action: &Action, ms: u64) {
        let (method, resource_type) = (action.phase().baton_step(), &action.resource_type);
        self.connector_call_stats
            .entry(method.to_owned())
            .or_default()
            .add(ms);
        self.connector_call_stats
            .entry(format!("{method}:{resource_type}"))
            .or_default()
            .add(ms);
    }

    /// Reads a checkpoint, refusing one taken by another engine version or with other types.
    pub(crate) fn from_checkpoint(json: &str, types: &[String]) -> Result<Self, String> {
        let state: State = serde_json::from_str(json).map_err(|e| {
            format!("the checkpoint is not valid engine state ({e}); start a new sync")
        })?;
        if state.version != VERSION {
            return Err(format!(
                "the checkpoint was written by engine state version {}, this engine reads version {VERSION}; start a new sync",
                state.version
            ));
        }
        if state.types != types {
            return Err(format!(
                "the checkpoint was taken while syncing resource types [{}], this sync would sync [{}]; resume with the same resource type filter or start a new sync",
                state.types.join(", "),
                types.join(", ")
            ));
        }
        Ok(state)
    }

    /// Moves to the first stage of `phase`.
    pub(crate) fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        self.stage = 0;
        self.cursor = 0;
        self.children = false;
        self.pending.clear();
        self.deferred.clear();
        self.scheduled_children.clear();
    }

    /// The checkpoint JSON, with `in_flight` calls saved first so they run first on resume.
    pub(crate) fn to_checkpoint(&self, in_flight: impl IntoIterator<Item = Action>) -> String {
        let mut state = self.clone();
        let mut pending: VecDeque<Action> = in_flight.into_iter().collect();
        pending.extend(state.pending);
        state.pending = pending;
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(&state).unwrap_or_default()
    }
}

/// Whether `annotations` (of a type or a resource) exclude it from the `op` phase.
pub(crate) fn skips(annotations: &[Annotation], op: Op) -> bool {
    annotations.iter().any(|a| match a {
        Annotation::SkipEntitlementsAndGrants => true,
        Annotation::SkipEntitlements => op == Op::Entitlements,
        Annotation::SkipGrants => op == Op::Grants,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_round_trips_and_puts_in_flight_calls_first() {
        let mut state = State::new(vec!["org".into(), "team".into()]);
        state.enter(Phase::Resources);
        state
            .pending
            .push_back(Action::list("team", Some(ResourceId::new("org", "o1"))));
        let in_flight = Action::list("org", None).with_token("p2".into());
        let json = state.to_checkpoint([in_flight.clone()]);
        let back = State::from_checkpoint(&json, &["org".into(), "team".into()]).unwrap();
        assert_eq!(back.pending.front(), Some(&in_flight));
        assert_eq!(back.pending.len(), 2);
        assert_eq!(back.phase, Phase::Resources);
    }

    #[test]
    fn checkpoint_with_other_types_is_refused() {
        let json = State::new(vec!["org".into()]).to_checkpoint([]);
        let err = State::from_checkpoint(&json, &["team".into()]).unwrap_err();
        assert!(err.contains("resource types [org]"), "{err}");
        let err = State::from_checkpoint("{", &["org".into()]).unwrap_err();
        assert!(err.contains("not valid engine state"), "{err}");
    }
}
