//! The coordinator: schedules calls on a bounded set of tasks, applies their pages (checked in
//! `checks`, buffered in `buffers`), moves through the phases, and checkpoints.
//!
//! Calls run as tokio tasks, so they keep going while the coordinator awaits the store. Only the
//! coordinator touches the state, the buffers and the store: a call's page is applied (items
//! buffered, follow-up calls queued, the call removed from the in-flight set) in one step, which
//! is what makes every checkpoint consistent.
//!
//! `schedule` runs the calls, `apply` applies their pages, `phases` moves through the phases;
//! this module starts the sync and ends it, checkpoints, and reports.

mod apply;
mod phases;
mod schedule;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use tokio::task::JoinSet;
use tokio::time::Instant;

use super::buffers::Buffers;
use super::call::{self, CallEnv, Outcome};
use super::plan::{Plan, check_options};
use super::state::{Action, State};
use super::{Event, SyncOptions, SyncSummary};
use crate::connector::Connector;
use crate::error::{Error, Result};
use crate::events::EventFeed;
use crate::model::{Resource, ResourceId};
use crate::session::SessionCache;
use crate::store::{Store, SyncType};

/// Syncs `connector` into `store`: walks it in baton's order and writes what it finds.
///
/// # Order
///
/// 1. `connector.validate()`; an error stops the sync before the store is touched.
/// 2. Resource types, in the order `connector.syncers()` returns them.
/// 3. Resources. For each type in that order, its top-level listing (`parent: None`) runs to the
///    last page; then the child listings announced by
///    [`Annotation::ChildResourceType`](crate::Annotation::ChildResourceType) on its resources
///    run (recursively, many parents at once); then the next type starts. As in baton, *every*
///    type gets a top-level `list` call, including types that only exist under a parent: such a
///    syncer returns an empty last page when `ListContext::parent` is `None`.
/// 4. Static entitlements, one call chain per type.
/// 5. Entitlements, one call chain per stored resource (`Store::resources`), many at once.
/// 6. Grants, likewise.
/// 7. Grant expansion, when a grant carries
///    [`Annotation::GrantExpandable`](crate::Annotation::GrantExpandable) and
///    [`SyncOptions::expand_grants`] is on (the default): holders of the source entitlements
///    get grants of the expandable grant's entitlement, as baton's syncer gives them; see
///    below. No connector call is made.
/// 8. The connector's [event feed](crate::events), when it has one and the sync is full: read
///    from [`Store::events_since`](crate::Store::events_since), a page at a time, into
///    [`Store::put_events`](crate::Store::put_events). Not checkpointed: a resumed sync reads
///    it again (events are upserted by id).
///
/// Types and resources annotated `SkipEntitlementsAndGrants`, `SkipEntitlements` or `SkipGrants`
/// are left out of the matching phases.
///
/// # Partial syncs
///
/// A sync restricted by [`SyncOptions::resource_types`] to some of the connector's types is
/// started with [`SyncType::Partial`](crate::SyncType) (baton's `partial`), so that readers do not
/// take the types it leaves out for removed; otherwise it is `Full`. Before the store is touched,
/// the filter is checked for child types whose parent type it leaves out (which would sync
/// none of them): the first page of each selected type's top-level listing is asked for, and a
/// selected type with no top-level resources that no selected parent announces is looked for
/// under the left-out types; if one announces it, the sync fails with
/// [`Error::InvalidOptions`](crate::Error::InvalidOptions) naming the types to add. This costs
/// at most two calls per resource type, only in a partial sync.
///
/// # Concurrency
///
/// Independent calls run at the same time, at most [`SyncOptions::workers`] of them: the child
/// listings of many parents, the entitlements and grants of many resources, and the tokens a page
/// hands back in [`Page::enqueue`](crate::Page::enqueue), each of which becomes an independent
/// sibling call. The pages of one call chain are fetched one after the other.
///
/// # Checks
///
/// The sync fails with [`Error::Contract`](crate::Error::Contract) when the connector breaks the
/// contract: two syncers for one resource type id, a page token returned unchanged, a resource of
/// another type than its syncer's, a resource lacking a trait its type requires, a child resource
/// type no syncer provides, a grant whose principal is of a type no syncer provides, or a grant
/// whose entitlement no entitlements call returned. A grant whose principal is of a synced type
/// but was never listed is only a *warning* (baton's ingestion invariants only warn by default,
/// and a user who joins between the user listing and the membership listing is normal on a live
/// system); such warnings do not count towards the warning policy.
///
/// # Grant expansion
///
/// A grant of entitlement D to principal P with `GrantExpandable { entitlement_ids: [S…],
/// shallow, resource_type_ids }` means that whoever holds a source S also holds D; each S must
/// be an entitlement of P (e.g. the `member` entitlement of a group granted a role), else the
/// sync fails with [`Error::Contract`](crate::Error::Contract). Sources and destinations form a
/// graph; each cycle in it is collapsed into one node, whose entitlements then share their
/// incoming and outgoing edges but do not expand into each other, and the graph is expanded
/// level by level, sources before what they reach. More levels than
/// [`SyncOptions::max_expansion_depth`] fail the sync with
/// [`Error::Expansion`](crate::Error::Expansion). An entitlement id that no entitlement has is
/// dropped with a warning.
///
/// Expanding S → D gives every holder of S (only direct holders when `shallow`, only principals
/// of `resource_type_ids` when given) a grant of D: a new one with baton's id
/// `<D>:<principal type>:<principal id>`, D's entitlement, a `GrantImmutable` annotation and
/// `sources = {S: direct}`; or, when the holder already has one, S merged into its `sources`
/// (with D itself, as direct, in a grant that had none). A grant of S is *direct* when it has
/// no `sources` or they name S. The expansion reads and writes through the [`Store`](crate::Store)
/// a page at a time, so the grants are never all in memory.
///
/// A host that expands grants itself (as ConductorOne does for connectors in service mode)
/// turns [`SyncOptions::expand_grants`] off; the grants are stored with their
/// `GrantExpandable` as always (in a `.c1z`, in the `expansion` column with `needs_expansion`
/// set).
///
/// # Warnings, retries and failures
///
/// `NotFound` from a per-resource call (a child listing, entitlements, grants) is a warning: the
/// call is skipped and the sync goes on, until the [`WarningPolicy`](crate::WarningPolicy) says there are too many. A
/// top-level listing that answers `NotFound` fails the sync: a 404 must never read as "empty".
/// `Unavailable` errors are retried per [`EngineRetry`](crate::EngineRetry). Any other error fails the sync.
/// A syncer can also hand back warnings of its own with a page ([`Page::warnings`](crate::Page::warnings));
/// they are listed in the summary and do not count towards the warning policy.
///
/// # Checkpoints and resume
///
/// The engine's pending work (phase, queued calls with their page tokens, calls in flight with
/// their current tokens, the expansion's step and page token) is saved as JSON through `Store::checkpoint` at most every
/// [`SyncOptions::checkpoint_interval`], at every phase end, on cancellation and (best effort) when
/// the sync fails. Before each checkpoint all buffered writes are flushed and the session cache's
/// new entries are saved, so neither the data nor the session is ever older than the checkpoint.
/// When `Store::begin_sync` returns a checkpoint, the sync resumes from it: calls that completed
/// before the checkpoint are not made again, calls in flight at the time are replayed from their
/// page token (writes are upserts, so replaying is harmless).
///
/// # Errors
///
/// [`Error::InvalidOptions`] for bad options, [`Error::Connector`] when a call fails (with what
/// the engine was doing as context), [`Error::Contract`] when the connector breaks the SDK
/// contract, [`Error::TooManyWarnings`], [`Error::Store`], [`Error::Checkpoint`] when the
/// unfinished sync cannot be resumed, and [`Error::Cancelled`] after a cancellation (progress
/// is checkpointed first).
pub async fn sync(
    connector: &dyn Connector,
    store: &dyn Store,
    options: SyncOptions,
) -> Result<SyncSummary> {
    let started = Instant::now();
    check_options(&options)?;
    let plan = Plan::new(connector, options.resource_types.as_deref())?;

    let mut env = CallEnv {
        session: SessionCache::saved(options.session_max_bytes, []),
        cancel: options.cancel.child_token(),
        retry: options.retry,
        observer: options.observer.clone(),
        fetched: Default::default(),
    };
    let validate_retries = call::validate(connector, &env).await.map_err(|source| {
        if options.cancel.is_cancelled() {
            return Error::Cancelled;
        }
        Error::Connector {
            context: "validating credentials".to_owned(),
            source,
        }
    })?;

    let scope = super::scope::check(connector, options.resource_types.as_deref(), &env).await?;
    let start = store.begin_sync_of(scope.sync_type).await?;
    env.session = joined_session(
        options.session_max_bytes,
        start.session,
        env.session.take_dirty(),
        start.checkpoint.is_some(),
    );
    let type_ids: Vec<String> = plan.types.iter().map(|t| t.id.clone()).collect();
    let (mut state, resumed) = match &start.checkpoint {
        Some(json) => (
            State::from_checkpoint(json, &type_ids).map_err(Error::Checkpoint)?,
            true,
        ),
        None => (State::new(type_ids), false),
    };
    state.stats.retries += validate_retries;

    let feed = match scope.sync_type {
        SyncType::Full => connector.event_feed(),
        _ => None,
    };
    let mut engine = Engine {
        store,
        feed,
        events: 0,
        next_checkpoint: Instant::now() + options.checkpoint_interval,
        options,
        plan,
        env,
        sync_id: start.sync_id,
        resumed,
        sync_type: scope.sync_type,
        state,
        tasks: JoinSet::new(),
        task_ids: HashMap::new(),
        in_flight: BTreeMap::new(),
        next_id: 0,
        buffers: Buffers::default(),
        known_entitlements: Some(HashSet::new()),
        listed: HashSet::new(),
        warned_principals: HashSet::new(),
        fanout: None,
        fanout_turn: false,
        started,
        step_mark: Instant::now(),
    };
    for warning in scope.warnings {
        engine.warn(warning);
    }
    engine.run().await
}

/// The sync's session: what the store kept of it (a resumed sync's), joined by what the scope
/// check's calls cached, whose pages may answer the sync's own first calls. A resumed sync's
/// own entries win: they are what its listings recorded (a list's total among them), and a
/// probe made now must not overwrite them.
fn joined_session(
    max_bytes: u64,
    restored: Vec<(String, Vec<u8>)>,
    probed: Vec<(String, Vec<u8>)>,
    resumed: bool,
) -> SessionCache {
    let session = SessionCache::saved(max_bytes, restored);
    for (key, value) in probed {
        if !resumed || session.get(&key).is_none() {
            session.put(key, value);
        }
    }
    session
}

struct Engine<'a> {
    store: &'a dyn Store,
    /// The connector's event feed, read after the other phases (full syncs only).
    feed: Option<Arc<dyn EventFeed>>,
    /// Events stored.
    events: u64,
    options: SyncOptions,
    plan: Plan,
    env: CallEnv,
    sync_id: String,
    resumed: bool,
    sync_type: SyncType,
    state: State,
    tasks: JoinSet<Outcome>,
    /// tokio task id → call id, to name the call whose task panicked.
    task_ids: HashMap<tokio::task::Id, u64>,
    /// Calls started and not yet applied, by call id (so checkpoints list them in start order).
    in_flight: BTreeMap<u64, Action>,
    next_id: u64,
    buffers: Buffers,
    next_checkpoint: Instant,
    /// Entitlement ids listed in this sync; `None` after resuming with a store that cannot list
    /// them, which turns the unknown-entitlement check off.
    known_entitlements: Option<HashSet<String>>,
    /// Every resource listed in this sync, for the grants phase's principal check: collected
    /// while listing, or read back from the store when the sync resumed.
    listed: HashSet<ResourceId>,
    warned_principals: HashSet<ResourceId>,
    /// Entitlements and grants phases: the stored resources of the type at this stage.
    fanout: Option<(usize, Vec<Resource>)>,
    /// Whether the next call of those phases comes from the stored resources rather than the
    /// queued follow-ups (they take turns).
    fanout_turn: bool,
    started: Instant,
    /// Where the current phase's time was last added up (see `time_step`).
    step_mark: Instant,
}

impl Engine<'_> {
    async fn run(mut self) -> Result<SyncSummary> {
        self.emit(Event::SyncStarted {
            sync_id: self.sync_id.clone(),
            resumed: self.resumed,
        });
        let mut result = self.start_and_drive().await;
        if let (Ok(()), Some(feed)) = (&result, self.feed.clone()) {
            let read = crate::events::drive(&*feed, self.store, &self.options).await;
            result = read.map(|events| self.events = events);
        }
        match result {
            Ok(()) => {}
            Err(Error::Cancelled) => {
                self.tasks.shutdown().await;
                self.checkpoint().await?;
                return Err(Error::Cancelled);
            }
            Err(e) => {
                self.tasks.shutdown().await;
                // A failed sync stays resumable from where it failed; a store that just failed
                // is not asked again.
                if !matches!(e, Error::Store(_)) {
                    let _ = self.checkpoint().await;
                }
                return Err(e);
            }
        }
        // The last checkpoint writes what is buffered and leaves the whole sync's timing in
        // the token, where baton's stats code reads it.
        self.checkpoint().await?;
        self.store.end_sync().await?;
        let summary = self.summary();
        self.emit(Event::SyncFinished {
            summary: summary.clone(),
        });
        Ok(summary)
    }

    fn warn(&mut self, message: String) {
        // A page fetched again (a retry, a resume) would repeat its warnings word for word.
        if self.state.stats.warnings.contains(&message) {
            return;
        }
        tracing::warn!("{message}");
        self.state.stats.warnings.push(message.clone());
        self.emit(Event::Warning { message });
    }

    /// Flushes the buffers, saves the session's new entries, then the state.
    async fn checkpoint(&mut self) -> Result<()> {
        self.time_step();
        let json = self.state.to_checkpoint(self.in_flight.values().cloned());
        self.buffers
            .checkpoint(
                self.store,
                self.options.batch_size,
                &self.env.session,
                &json,
            )
            .await?;
        self.next_checkpoint = Instant::now() + self.options.checkpoint_interval;
        self.emit(Event::Checkpointed);
        Ok(())
    }

    fn summary(&self) -> SyncSummary {
        let stats = &self.state.stats;
        SyncSummary {
            sync_id: self.sync_id.clone(),
            resumed: self.resumed,
            sync_type: self.sync_type,
            resource_types: stats.counts.clone(),
            pages: stats.pages,
            retries: stats.retries,
            warnings: stats.warnings.clone(),
            expansion: stats.expansion,
            events: self.events,
            duration: self.started.elapsed(),
        }
    }

    fn emit(&self, event: Event) {
        if let Some(observer) = &self.options.observer {
            observer.on_event(&event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::joined_session;

    fn entry(key: &str, value: &str) -> (String, Vec<u8>) {
        (key.to_owned(), value.as_bytes().to_vec())
    }

    #[test]
    fn a_resumed_sync_keeps_what_its_listings_recorded_over_the_scope_checks_probes() {
        let restored = || vec![entry("paging:total:teams", "230")];
        let probed = || vec![entry("paging:total:teams", "231"), entry("page:1", "p")];
        let resumed = joined_session(crate::DEFAULT_SESSION_MAX_BYTES, restored(), probed(), true);
        assert_eq!(&*resumed.get("paging:total:teams").unwrap(), b"230");
        assert_eq!(
            &*resumed.get("page:1").unwrap(),
            b"p",
            "what it lacked joins"
        );
        let fresh = joined_session(
            crate::DEFAULT_SESSION_MAX_BYTES,
            Vec::new(),
            probed(),
            false,
        );
        assert_eq!(&*fresh.get("paging:total:teams").unwrap(), b"231");
    }
}
