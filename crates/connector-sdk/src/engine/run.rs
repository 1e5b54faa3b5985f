//! The coordinator: schedules calls on a bounded set of tasks, applies their pages (checked in
//! `checks`, buffered in `buffers`), moves through the phases, and checkpoints.
//!
//! Calls run as tokio tasks, so they keep going while the coordinator awaits the store. Only the
//! coordinator touches the state, the buffers and the store: a call's page is applied (items
//! buffered, follow-up calls queued, the call removed from the in-flight set) in one step, which
//! is what makes every checkpoint consistent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use super::buffers::Buffers;
use super::call::{self, CallEnv, Outcome, Output};
use super::checks;
use super::expand::Expander;
use super::plan::{Plan, check_options};
use super::state::{Action, Op, State, skips};
use super::{Event, Phase, SyncOptions, SyncSummary};
use crate::connector::Connector;
use crate::error::{ConnectorError, Error, ErrorKind, Result};
use crate::events::EventFeed;
use crate::model::{Entitlement, Grant, Resource, ResourceId};
use crate::session::SessionCache;
use crate::store::{ExpandableGrant, Store, SyncType};

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

    async fn start_and_drive(&mut self) -> Result<()> {
        if self.resumed {
            self.emit(Event::PhaseStarted {
                phase: self.state.phase,
            });
            if self.state.phase >= Phase::StaticEntitlements {
                self.known_entitlements = self
                    .store
                    .entitlement_ids()
                    .await?
                    .map(|ids| ids.into_iter().collect());
            }
            self.prepare_phase().await?;
        } else {
            self.emit(Event::PhaseStarted {
                phase: Phase::ResourceTypes,
            });
            for chunk in self.plan.types.chunks(self.options.batch_size) {
                self.store.put_resource_types(chunk.to_vec()).await?;
            }
        }
        if self.state.phase == Phase::ResourceTypes {
            self.finish_phase(Phase::Resources).await?;
        }
        self.drive().await
    }

    /// Runs calls until every phase is done.
    async fn drive(&mut self) -> Result<()> {
        let cancel = self.options.cancel.clone();
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            self.fill().await?;
            if self.tasks.is_empty() {
                if self.advance().await? {
                    continue;
                }
                return Ok(());
            }
            let next_checkpoint = self.next_checkpoint;
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(Error::Cancelled),
                joined = self.tasks.join_next_with_id() => match joined {
                    Some(Ok((task, outcome))) => {
                        self.task_ids.remove(&task);
                        // With several workers, start the next call before applying this one,
                        // so that its request overlaps the CPU work of checking and storing the
                        // page. One worker keeps baton's strict depth-first order instead.
                        if self.options.workers > 1 {
                            self.fill().await?;
                        }
                        self.apply(outcome).await?;
                        // Completions can keep this branch ready all the time, starving the
                        // timer branch below, so the deadline is also checked here.
                        if Instant::now() >= self.next_checkpoint {
                            self.checkpoint().await?;
                        }
                    }
                    Some(Err(e)) => return Err(self.task_failed(&e)),
                    None => {}
                },
                () = tokio::time::sleep_until(next_checkpoint) => self.checkpoint().await?,
            }
        }
    }

    /// Starts calls until `workers` are in flight or nothing is ready.
    async fn fill(&mut self) -> Result<()> {
        while self.tasks.len() < self.options.workers {
            let Some(action) = self.next_action().await? else {
                return Ok(());
            };
            let syncer = self.plan.syncer(&action.resource_type)?;
            let id = self.next_id;
            self.next_id += 1;
            self.in_flight.insert(id, action.clone());
            let handle = self
                .tasks
                .spawn(call::run(id, syncer, action, self.env.clone()));
            self.task_ids.insert(handle.id(), id);
        }
        Ok(())
    }

    /// The next call. With one worker, queued follow-ups (further pages) come first, then the
    /// next stored resource: baton's depth-first order. With more, in the entitlements and grants
    /// phases, the two take turns: a resource whose pages come from a cache and one whose pages
    /// need requests then proceed side by side, so the workers' network waits overlap the CPU
    /// work instead of queueing behind it.
    async fn next_action(&mut self) -> Result<Option<Action>> {
        let op = match self.state.phase {
            Phase::Entitlements => Op::Entitlements,
            Phase::Grants => Op::Grants,
            _ => return Ok(self.state.pending.pop_front()),
        };
        self.fanout_turn = self.options.workers > 1 && !self.fanout_turn;
        if !self.fanout_turn
            && let Some(action) = self.state.pending.pop_front()
        {
            return Ok(Some(action));
        }
        if let Some(action) = self.next_resource_call(op).await? {
            return Ok(Some(action));
        }
        Ok(self.state.pending.pop_front())
    }

    /// A call on the next stored resource of the current stage (moving through the stages).
    async fn next_resource_call(&mut self, op: Op) -> Result<Option<Action>> {
        loop {
            let Some(rt) = self.plan.types.get(self.state.stage) else {
                return Ok(None);
            };
            if skips(&rt.annotations, op) {
                self.next_stage();
                continue;
            }
            let stage = self.state.stage;
            if self.fanout.as_ref().map(|(s, _)| *s) != Some(stage) {
                let resources = self.store.resources(&rt.id).await?;
                self.fanout = Some((stage, resources));
            }
            let resources = match &self.fanout {
                Some((_, resources)) => resources.as_slice(),
                None => &[],
            };
            while let Some(resource) = resources.get(self.state.cursor) {
                self.state.cursor += 1;
                if !skips(&resource.annotations, op) {
                    return Ok(Some(Action::on_resource(op, resource)));
                }
            }
            self.next_stage();
        }
    }

    fn next_stage(&mut self) {
        self.state.stage += 1;
        self.state.cursor = 0;
    }

    /// Called when nothing is in flight or queued: moves to the next stage or phase. Returns
    /// `false` when the sync is done.
    async fn advance(&mut self) -> Result<bool> {
        match self.state.phase {
            Phase::ResourceTypes => self.finish_phase(Phase::Resources).await?,
            Phase::Resources => {
                if !self.state.children {
                    self.state.children = true;
                    let deferred = std::mem::take(&mut self.state.deferred);
                    self.state.pending.extend(deferred);
                    return Ok(true);
                }
                self.state.stage += 1;
                self.state.children = false;
                match self.plan.types.get(self.state.stage) {
                    Some(rt) => self.state.pending.push_back(Action::list(&rt.id, None)),
                    None => self.finish_phase(Phase::StaticEntitlements).await?,
                }
            }
            Phase::StaticEntitlements => self.finish_phase(Phase::Entitlements).await?,
            Phase::Entitlements => self.finish_phase(Phase::Grants).await?,
            Phase::Grants if self.options.expand_grants && self.state.needs_expansion => {
                self.finish_phase(Phase::GrantExpansion).await?
            }
            Phase::Grants => {
                self.emit(Event::PhaseFinished {
                    phase: Phase::Grants,
                });
                return Ok(false);
            }
            Phase::GrantExpansion => {
                self.expand().await?;
                self.emit(Event::PhaseFinished {
                    phase: Phase::GrantExpansion,
                });
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Runs grant expansion from where it is, a page at a time, checkpointing as other phases
    /// do. See [`expand`](super::expand).
    async fn expand(&mut self) -> Result<()> {
        let (page_size, max_depth) = (self.options.batch_size, self.options.max_expansion_depth);
        let mut expander = Expander::load(self.store, page_size, max_depth).await?;
        expander.describe(&mut self.state.stats.expansion);
        if let Some(warning) = expander.missing_warning() {
            self.warn(warning);
        }
        let cancel = self.options.cancel.clone();
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let progress = &mut self.state.expansion;
            let Some(done) = expander.next_page(self.store, progress).await? else {
                // As at every phase end: a failure while the store finishes resumes after this.
                return self.checkpoint().await;
            };
            let summary = &mut self.state.stats.expansion;
            summary.grants_created += done.created;
            summary.grants_updated += done.updated;
            let summary = *summary;
            self.emit(Event::ExpansionProgress {
                layer: done.layer,
                layers: expander.layers(),
                steps_done: self.state.expansion.step as u64,
                steps: expander.steps() as u64,
                grants_created: summary.grants_created,
                grants_updated: summary.grants_updated,
            });
            if Instant::now() >= self.next_checkpoint {
                self.checkpoint().await?;
            }
        }
    }

    /// Adds the whole milliseconds since the last mark to the current phase's time.
    fn time_step(&mut self) {
        let ms = self.step_mark.elapsed().as_millis();
        self.step_mark += Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX));
        self.state
            .add_step(self.state.phase, u64::try_from(ms).unwrap_or(u64::MAX));
    }

    async fn finish_phase(&mut self, next: Phase) -> Result<()> {
        let done = self.state.phase;
        self.time_step();
        self.state.enter(next);
        match next {
            Phase::Resources => {
                if let Some(rt) = self.plan.types.first() {
                    self.state.pending.push_back(Action::list(&rt.id, None));
                }
            }
            Phase::StaticEntitlements => {
                for rt in &self.plan.types {
                    if !skips(&rt.annotations, Op::Entitlements) {
                        self.state
                            .pending
                            .push_back(Action::static_entitlements(&rt.id));
                    }
                }
            }
            Phase::ResourceTypes | Phase::Entitlements | Phase::Grants | Phase::GrantExpansion => {}
        }
        self.emit(Event::PhaseFinished { phase: done });
        self.checkpoint().await?;
        self.prepare_phase().await?;
        self.emit(Event::PhaseStarted { phase: next });
        Ok(())
    }

    /// Loads what the current phase needs besides the state.
    async fn prepare_phase(&mut self) -> Result<()> {
        self.fanout = None;
        // A sync that ran its resources phase in this process saw every listed resource; a
        // resumed one reads them back from the store.
        if self.state.phase != Phase::Grants || !self.resumed {
            return Ok(());
        }
        self.listed.clear();
        for rt in &self.plan.types {
            let resources = self.store.resources(&rt.id).await?;
            self.listed.extend(resources.into_iter().map(|r| r.id));
        }
        Ok(())
    }

    /// Applies a finished call: checks its page, buffers its items and queues its follow-ups.
    async fn apply(&mut self, outcome: Outcome) -> Result<()> {
        let Some(action) = self.in_flight.get(&outcome.id).cloned() else {
            return Ok(());
        };
        self.state.stats.retries += outcome.retries;
        let ms = u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX);
        self.state.add_call(&action, ms);
        let mut output = match outcome.result {
            Ok(output) => output,
            Err(e) if e.kind() == ErrorKind::NotFound && action.not_found_is_warning() => {
                self.in_flight.remove(&outcome.id);
                return self.not_found(&action, &e);
            }
            Err(e) if e.kind() == ErrorKind::Cancelled && self.options.cancel.is_cancelled() => {
                return Err(Error::Cancelled);
            }
            Err(source) => {
                return Err(Error::Connector {
                    context: action.context(),
                    source,
                });
            }
        };
        checks::tokens(&action, &output)?;
        let next = output.next_token().map(str::to_owned);
        let enqueued: Vec<String> = output
            .enqueued()
            .iter()
            .filter(|t| !t.is_empty())
            .cloned()
            .collect();
        for warning in output.take_warnings() {
            self.warn(format!("{}: {warning}", action.context()));
        }
        match output {
            Output::Resources(page) => self.accept_resources(&action, page.items)?,
            Output::Entitlements(page) => self.accept_entitlements(&action, page.items)?,
            Output::Grants(page) => self.accept_grants(&action, page.items)?,
        }
        if let Some(next) = next {
            self.state.pending.push_back(action.with_token(next));
        }
        for token in enqueued {
            self.state.pending.push_back(action.with_token(token));
        }
        self.in_flight.remove(&outcome.id);

        let stats = &mut self.state.stats;
        stats.calls += 1;
        stats.pages += 1;
        let pages = stats
            .pages_per_type
            .entry(action.resource_type.clone())
            .or_default();
        *pages += 1;
        let pages = *pages;
        let counts = stats
            .counts
            .get(&action.resource_type)
            .copied()
            .unwrap_or_default();
        self.emit(Event::Progress {
            resource_type: action.resource_type.clone(),
            phase: action.phase(),
            resources: counts.resources,
            entitlements: counts.entitlements,
            grants: counts.grants,
            pages,
        });
        self.buffers
            .flush_full(self.store, self.options.batch_size)
            .await
    }

    fn not_found(&mut self, action: &Action, error: &ConnectorError) -> Result<()> {
        let stats = &mut self.state.stats;
        stats.calls += 1;
        stats.not_found += 1;
        let (count, calls) = (stats.not_found, stats.calls);
        self.warn(format!(
            "{}: not found ({error}); call skipped",
            action.context()
        ));
        if self.options.warning_policy.exceeded(count, calls) {
            return Err(Error::TooManyWarnings {
                count,
                actions: calls,
            });
        }
        Ok(())
    }

    fn accept_resources(&mut self, action: &Action, items: Vec<Resource>) -> Result<()> {
        checks::resources(&self.plan, action, &items)?;
        for resource in &items {
            for child in resource.child_resource_types() {
                if !self.plan.synced.contains(child) {
                    continue;
                }
                if !self
                    .state
                    .scheduled_children
                    .insert((child.to_owned(), resource.id.clone()))
                {
                    continue;
                }
                let listing = Action::list(child, Some(resource.id.clone()));
                match self.state.children {
                    true => self.state.pending.push_back(listing),
                    false => self.state.deferred.push(listing),
                }
            }
        }
        self.listed.extend(items.iter().map(|r| r.id.clone()));
        self.count(&action.resource_type).resources += items.len() as u64;
        self.buffers.resources.extend(items);
        Ok(())
    }

    fn accept_entitlements(&mut self, action: &Action, items: Vec<Entitlement>) -> Result<()> {
        checks::entitlements(action, &items)?;
        if let Some(known) = &mut self.known_entitlements {
            known.extend(items.iter().map(|e| e.id.clone()));
        }
        self.count(&action.resource_type).entitlements += items.len() as u64;
        self.buffers.entitlements.extend(items);
        Ok(())
    }

    fn accept_grants(&mut self, action: &Action, items: Vec<Grant>) -> Result<()> {
        checks::grants(&self.plan, self.known_entitlements.as_ref(), action, &items)?;
        for grant in &items {
            let principal = &grant.principal.id;
            let unlisted = self.plan.synced.contains(&principal.resource_type)
                && !self.listed.contains(principal);
            if unlisted && self.warned_principals.insert(principal.clone()) {
                self.warn(format!(
                    "grant {} on {} has principal {principal}, which no list call returned",
                    grant.id,
                    action.subject()
                ));
            }
        }
        self.state.needs_expansion |= items.iter().any(ExpandableGrant::is_expandable);
        self.count(&action.resource_type).grants += items.len() as u64;
        self.buffers.grants.extend(items);
        Ok(())
    }

    fn count(&mut self, resource_type: &str) -> &mut super::TypeCounts {
        self.state
            .stats
            .counts
            .entry(resource_type.to_owned())
            .or_default()
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

    fn task_failed(&self, error: &tokio::task::JoinError) -> Error {
        let context = self
            .task_ids
            .get(&error.id())
            .and_then(|id| self.in_flight.get(id))
            .map_or_else(|| "running a connector call".to_owned(), Action::context);
        let message = match error.is_panic() {
            true => "the syncer panicked",
            false => "the call was aborted",
        };
        Error::Connector {
            context,
            source: ConnectorError::internal(message),
        }
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
