//! The sync engine: walks a [`Connector`](crate::Connector) in baton's order and writes what it
//! finds to a [`Store`](crate::Store).
//!
//! Its whole description is on [`sync`](crate::sync), the one way in.

mod buffers;
pub(crate) mod call;
mod checks;
mod expand;
mod plan;
mod run;
mod scope;
pub(crate) mod state;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::store::SyncType;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

pub use run::sync;

/// How a sync runs. `SyncOptions::default()` matches baton's defaults where baton has one.
#[derive(Clone)]
pub struct SyncOptions {
    /// Calls in flight at most (default 8). Must be at least 1.
    pub workers: usize,
    /// Sync only these resource types (baton's `--sync-resource-types`); `None` or an empty list
    /// syncs all. An id that no syncer provides is an error, and so is leaving out the parent
    /// type of a type kept (see [Partial syncs](crate::sync#partial-syncs)). Child listings of
    /// filtered-out types are skipped too.
    pub resource_types: Option<Vec<String>>,
    /// Least time between two periodic checkpoints (default 10 s, baton's).
    pub checkpoint_interval: Duration,
    /// Cancels the sync: the engine stops, checkpoints and returns `Error::Cancelled`.
    pub cancel: CancellationToken,
    /// Receives progress events.
    pub observer: Option<Arc<dyn Observer>>,
    /// When not-found warnings fail the sync.
    pub warning_policy: WarningPolicy,
    /// Retries of transient (`Unavailable`) connector errors.
    pub retry: EngineRetry,
    /// Items per store write, and grants per page read back by grant expansion (default 1000).
    /// Must be at least 1.
    pub batch_size: usize,
    /// Run grant expansion as the last phase (default `true`). Turn it off when the host
    /// expands grants itself (baton's `WithDontExpandGrants`): expandable grants are stored
    /// with their `GrantExpandable` either way.
    pub expand_grants: bool,
    /// Levels of expandable grants expanded at most (default 20, baton's); a deeper graph
    /// fails the sync. Must be at least 1.
    pub max_expansion_depth: usize,
    /// The most bytes the sync's [`SessionCache`](crate::SessionCache) holds (baton's
    /// `--session-store-maximum-size`, default 15 MiB); 0 keeps nothing in memory.
    pub session_max_bytes: u64,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            workers: 8,
            resource_types: None,
            checkpoint_interval: Duration::from_secs(10),
            cancel: CancellationToken::new(),
            observer: None,
            warning_policy: WarningPolicy::default(),
            retry: EngineRetry::default(),
            batch_size: 1000,
            expand_grants: true,
            max_expansion_depth: 20,
            session_max_bytes: crate::DEFAULT_SESSION_MAX_BYTES,
        }
    }
}

impl fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncOptions")
            .field("workers", &self.workers)
            .field("resource_types", &self.resource_types)
            .field("checkpoint_interval", &self.checkpoint_interval)
            .field("cancel", &self.cancel)
            .field("observer", &self.observer.as_ref().map(|_| "dyn Observer"))
            .field("warning_policy", &self.warning_policy)
            .field("retry", &self.retry)
            .field("batch_size", &self.batch_size)
            .field("expand_grants", &self.expand_grants)
            .field("max_expansion_depth", &self.max_expansion_depth)
            .field("session_max_bytes", &self.session_max_bytes)
            .finish()
    }
}

/// When not-found warnings fail a sync: once there are more than `max_warnings` of them AND they
/// are more than `max_warning_ratio` of the calls completed so far (baton's rule, #265).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WarningPolicy {
    /// Warnings always tolerated (default 10).
    pub max_warnings: u64,
    /// Share of completed calls that may be warnings, `0.0..=1.0` (default 0.1).
    pub max_warning_ratio: f64,
}

impl Default for WarningPolicy {
    fn default() -> Self {
        WarningPolicy {
            max_warnings: 10,
            max_warning_ratio: 0.1,
        }
    }
}

impl WarningPolicy {
    /// Whether `warnings` out of `calls` completed calls are too many.
    pub fn exceeded(&self, warnings: u64, calls: u64) -> bool {
        warnings > self.max_warnings && warnings as f64 > self.max_warning_ratio * calls as f64
    }
}

/// Retries of transient connector errors (`ErrorKind::Unavailable`): the wait before retry `n`
/// (1-based) is `backoff × n`, at most `max_backoff`, as baton's linear retryer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineRetry {
    /// Attempts per call, the first included (default 3); 1 disables retries.
    pub attempts: u32,
    /// Wait before the first retry (default 1 s).
    pub backoff: Duration,
    /// Longest wait between two attempts (default 30 s).
    pub max_backoff: Duration,
}

impl Default for EngineRetry {
    fn default() -> Self {
        EngineRetry {
            attempts: 3,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl EngineRetry {
    /// The wait before retry number `retry` (1 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        self.backoff.saturating_mul(retry).min(self.max_backoff)
    }
}

/// Receives the engine's [`Event`]s. Called from the engine's tasks: keep it quick.
///
/// Any `Fn(&Event) + Send + Sync` closure is an observer.
pub trait Observer: Send + Sync {
    /// Called for every event.
    fn on_event(&self, event: &Event);
}

impl<F: Fn(&Event) + Send + Sync> Observer for F {
    fn on_event(&self, event: &Event) {
        self(event)
    }
}

/// Something the engine did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The sync started, or resumed an unfinished one.
    SyncStarted {
        /// The store's sync id.
        sync_id: String,
        /// Whether an unfinished sync is being resumed.
        resumed: bool,
    },
    /// A phase started (again, after a resume).
    PhaseStarted {
        /// The phase.
        phase: Phase,
    },
    /// A page was stored: the running totals of its resource type.
    Progress {
        /// The resource type the page belongs to.
        resource_type: String,
        /// The phase of the call.
        phase: Phase,
        /// Resources of this type so far.
        resources: u64,
        /// Entitlements on resources of this type so far.
        entitlements: u64,
        /// Grants on resources of this type so far.
        grants: u64,
        /// Pages fetched for this type so far.
        pages: u64,
    },
    /// A call failed transiently and will be retried.
    Retry {
        /// Which call, e.g. `listing grants of team:t1`.
        context: String,
        /// The attempt that failed (1 for the first).
        attempt: u32,
        /// The error, as its message.
        error: String,
    },
    /// A warning (also listed in [`SyncSummary::warnings`]).
    Warning {
        /// What happened.
        message: String,
    },
    /// Grant expansion stored a page: where it is and what it did so far.
    ExpansionProgress {
        /// The level being expanded, from 1.
        layer: u64,
        /// Levels in all.
        layers: u64,
        /// Steps done: each reads one source entitlement's grants and gives their holders
        /// the entitlements it expands into.
        steps_done: u64,
        /// Steps in all.
        steps: u64,
        /// Grants created so far.
        grants_created: u64,
        /// Existing grants whose `sources` grew so far.
        grants_updated: u64,
    },
    /// The engine's state was checkpointed to the store.
    Checkpointed,
    /// A phase finished.
    PhaseFinished {
        /// The phase.
        phase: Phase,
    },
    /// The sync finished; the store holds its final output.
    SyncFinished {
        /// What the sync did.
        summary: SyncSummary,
    },
}

/// A phase of a sync, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Writing the resource types.
    ResourceTypes,
    /// Listing resources, children included.
    Resources,
    /// Listing each type's static entitlements.
    StaticEntitlements,
    /// Listing each resource's entitlements.
    Entitlements,
    /// Listing each resource's grants.
    Grants,
    /// Expanding grants (no connector calls).
    GrantExpansion,
}

impl Phase {
    /// baton's name of the step (its `ActionOp`), the key of its timing in a sync token.
    pub(crate) fn baton_step(self) -> &'static str {
        match self {
            Phase::ResourceTypes => "list-resource-types",
            Phase::Resources => "list-resources",
            Phase::StaticEntitlements => "list-static-entitlements",
            Phase::Entitlements => "list-entitlements",
            Phase::Grants => "list-grants",
            Phase::GrantExpansion => "grant-expansion",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::ResourceTypes => "resource types",
            Phase::Resources => "resources",
            Phase::StaticEntitlements => "static entitlements",
            Phase::Entitlements => "entitlements",
            Phase::Grants => "grants",
            Phase::GrantExpansion => "grant expansion",
        })
    }
}

/// What a sync did. After a resume, the counts cover the whole sync, not only the last run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SyncSummary {
    /// The store's sync id.
    pub sync_id: String,
    /// Whether an unfinished sync was resumed.
    pub resumed: bool,
    /// Full, or partial when the resource-type filter left types out.
    pub sync_type: SyncType,
    /// Counts per synced resource type (entitlements and grants are counted on the type of the
    /// resource they were listed for).
    pub resource_types: BTreeMap<String, TypeCounts>,
    /// Pages fetched.
    pub pages: u64,
    /// Retried calls.
    pub retries: u64,
    /// Every warning, in the order they happened.
    pub warnings: Vec<String>,
    /// What grant expansion did (all zero when it did not run).
    pub expansion: ExpansionSummary,
    /// Events the connector's event feed gave, stored (0 without a feed).
    pub events: u64,
    /// How long this run took (since the last resume, for a resumed sync).
    pub duration: Duration,
}

impl SyncSummary {
    /// Resources of all types.
    pub fn resources(&self) -> u64 {
        self.resource_types.values().map(|c| c.resources).sum()
    }

    /// Entitlements of all types.
    pub fn entitlements(&self) -> u64 {
        self.resource_types.values().map(|c| c.entitlements).sum()
    }

    /// Grants of all types.
    pub fn grants(&self) -> u64 {
        self.resource_types.values().map(|c| c.grants).sum()
    }
}

/// What grant expansion did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpansionSummary {
    /// Grants created: each carries `GrantImmutable` and the `sources` it follows from.
    pub grants_created: u64,
    /// Existing grants whose `sources` grew.
    pub grants_updated: u64,
    /// Source → destination edges, parallel ones merged.
    pub edges: u64,
    /// Cycles collapsed into one node each.
    pub cycles: u64,
    /// Levels expanded one after the other.
    pub layers: u64,
    /// Entitlement ids named by expandable grants that no entitlement has (see the warnings).
    pub missing_entitlements: u64,
}

/// Items synced for one resource type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCounts {
    /// Resources of the type.
    pub resources: u64,
    /// Entitlements listed for the type (static ones included).
    pub entitlements: u64,
    /// Grants listed for resources of the type.
    pub grants: u64,
}
