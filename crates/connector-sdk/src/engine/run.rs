//! The coordinator: schedules calls on a bounded set of tasks, checks and stores their pages,
//! moves through the phases, and checkpoints.
//!
//! Calls run as tokio tasks, so they keep going while the coordinator awaits the store. Only the
//! coordinator touches the state, the buffers and the store: a call's page is applied (items
//! buffered, follow-up calls queued, the call removed from the in-flight set) in one step, which
//! is what makes every checkpoint consistent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use tokio::task::JoinSet;
use tokio::time::Instant;

use super::call::{self, CallEnv, Outcome, Output};
use super::state::{Action, Op, State, skips};
use super::{Event, Phase, SyncOptions, SyncSummary};
use crate::connector::Connector;
use crate::error::{ConnectorError, Error, ErrorKind, Result};
use crate::model::{Entitlement, Grant, Resource, ResourceId, ResourceType};
use crate::session::SessionCache;
use crate::store::Store;
use crate::syncer::ResourceSyncer;

/// Syncs `connector` into `store`. See the [module docs](crate::engine) for the order, the
/// checks, the warning policy, retries, checkpoints and resume.
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
        session: SessionCache::default(),
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
    // What the scope check's calls cached joins the sync's session: their pages may answer
    // the sync's own first calls.
    let probed = env.session.take_dirty();
    env.session = SessionCache::from_entries(start.session);
    for (key, value) in probed {
        env.session.put(key, value);
    }
    let type_ids: Vec<String> = plan.types.iter().map(|t| t.id.clone()).collect();
    let (mut state, resumed) = match &start.checkpoint {
        Some(json) => (
            State::from_checkpoint(json, &type_ids).map_err(Error::Checkpoint)?,
            true,
        ),
        None => (State::new(type_ids), false),
    };
    state.stats.retries += validate_retries;

    let mut engine = Engine {
        store,
        next_checkpoint: Instant::now() + options.checkpoint_interval,
        options,
        plan,
        env,
        sync_id: start.sync_id,
        resumed,
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
    };
    for warning in scope.warnings {
        engine.warn(warning);
    }
    engine.run().await
}

fn check_options(options: &SyncOptions) -> Result<()> {
    if options.workers == 0 {
        return Err(Error::InvalidOptions(
            "workers must be at least 1".to_owned(),
        ));
    }
    if options.batch_size == 0 {
        return Err(Error::InvalidOptions(
            "batch_size must be at least 1".to_owned(),
        ));
    }
    if options.retry.attempts == 0 {
        return Err(Error::InvalidOptions(
            "retry.attempts must be at least 1 (1 disables retries)".to_owned(),
        ));
    }
    Ok(())
}

/// The connector's syncers, checked, and the types this sync covers.
struct Plan {
    /// The synced types, in the order the connector returns its syncers.
    types: Vec<ResourceType>,
    /// Every type the connector provides, synced or filtered out.
    all: HashMap<String, (ResourceType, Arc<dyn ResourceSyncer>)>,
    synced: HashSet<String>,
}

impl Plan {
    fn new(connector: &dyn Connector, filter: Option<&[String]>) -> Result<Self> {
        let mut all = HashMap::new();
        let mut ordered = Vec::new();
        for syncer in connector.syncers() {
            let rt = syncer.resource_type();
            if rt.id.is_empty() {
                return Err(Error::Contract(format!(
                    "a syncer returned resource type {:?} with an empty id",
                    rt.display_name
                )));
            }
            if all.contains_key(&rt.id) {
                return Err(Error::Contract(format!(
                    "resource type {} is provided by two syncers; resource type ids must be unique",
                    rt.id
                )));
            }
            ordered.push(rt.clone());
            all.insert(rt.id.clone(), (rt, syncer));
        }
        let filter = filter.filter(|f| !f.is_empty());
        let unknown = filter.and_then(|f| f.iter().find(|id| !all.contains_key(*id)));
        if let Some(unknown) = unknown {
            let known: Vec<&str> = ordered.iter().map(|t| t.id.as_str()).collect();
            return Err(Error::InvalidOptions(format!(
                "unknown resource type {unknown:?} in the resource type filter; the connector syncs: {}",
                known.join(", ")
            )));
        }
        let types: Vec<ResourceType> = match filter {
            Some(filter) => ordered
                .into_iter()
                .filter(|t| filter.contains(&t.id))
                .collect(),
            None => ordered,
        };
        let synced = types.iter().map(|t| t.id.clone()).collect();
        Ok(Plan { types, all, synced })
    }

    fn resource_type(&self, id: &str) -> Option<&ResourceType> {
        self.all.get(id).map(|(rt, _)| rt)
    }

    fn syncer(&self, id: &str) -> Result<Arc<dyn ResourceSyncer>> {
        match self.all.get(id) {
            Some((_, syncer)) => Ok(Arc::clone(syncer)),
            None => Err(Error::Contract(format!(
                "no syncer provides resource type {id}"
            ))),
        }
    }
}

/// Items of completed calls not yet written.
#[derive(Default)]
struct Buffers {
    resources: Vec<Resource>,
    entitlements: Vec<Entitlement>,
    grants: Vec<Grant>,
}

struct Engine<'a> {
    store: &'a dyn Store,
    options: SyncOptions,
    plan: Plan,
    env: CallEnv,
    sync_id: String,
    resumed: bool,
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
}

impl Engine<'_> {
    async fn run(mut self) -> Result<SyncSummary> {
        self.emit(Event::SyncStarted {
            sync_id: self.sync_id.clone(),
            resumed: self.resumed,
        });
        let result = self.start_and_drive().await;
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
        self.flush_all().await?;
        let entries = self.env.session.take_dirty();
        if !entries.is_empty() {
            self.store.save_session(entries).await?;
        }
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
            Phase::Grants => {
                self.emit(Event::PhaseFinished {
                    phase: Phase::Grants,
                });
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn finish_phase(&mut self, next: Phase) -> Result<()> {
        let done = self.state.phase;
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
            Phase::ResourceTypes | Phase::Entitlements | Phase::Grants => {}
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
        check_tokens(&action, &output)?;
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
        self.flush_full().await
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
        let Some(rt) = self.plan.resource_type(&action.resource_type) else {
            return Ok(());
        };
        for resource in &items {
            if resource.id.resource_type != rt.id {
                return Err(Error::Contract(format!(
                    "the {} syncer returned resource {} while {}; a syncer lists only resources of its own type",
                    rt.id,
                    resource.id,
                    action.context()
                )));
            }
            if let Some(missing) = rt.traits.iter().find(|t| !resource.has_trait(**t)) {
                return Err(Error::Contract(format!(
                    "resource {} is missing the {} annotation that resource type {} requires ({})",
                    resource.id,
                    missing.message_name(),
                    rt.id,
                    missing.as_baton_str()
                )));
            }
            if let Some(child) = resource
                .child_resource_types()
                .find(|c| !self.plan.all.contains_key(*c))
            {
                return Err(Error::Contract(format!(
                    "resource {} announces child resource type {child}, which no syncer provides",
                    resource.id
                )));
            }
        }
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
        if let Some(empty) = items.iter().find(|e| e.id.is_empty()) {
            return Err(Error::Contract(format!(
                "an entitlement named {:?} on {} has an empty id while {}",
                empty.slug,
                empty.resource.id,
                action.context()
            )));
        }
        if let Some(known) = &mut self.known_entitlements {
            known.extend(items.iter().map(|e| e.id.clone()));
        }
        self.count(&action.resource_type).entitlements += items.len() as u64;
        self.buffers.entitlements.extend(items);
        Ok(())
    }

    fn accept_grants(&mut self, action: &Action, items: Vec<Grant>) -> Result<()> {
        let subject = action
            .resource
            .as_ref()
            .map(|r| r.id.to_string())
            .unwrap_or_default();
        for grant in &items {
            let principal = &grant.principal.id;
            if !self.plan.all.contains_key(&principal.resource_type) {
                return Err(Error::Contract(format!(
                    "grant {} on {subject} has principal {principal} of resource type {}, which no syncer provides",
                    grant.id, principal.resource_type
                )));
            }
            let Some(known) = &self.known_entitlements else {
                continue;
            };
            let entitlement_type = &grant.entitlement.resource.id.resource_type;
            let checked = self.plan.synced.contains(entitlement_type)
                && self
                    .plan
                    .resource_type(entitlement_type)
                    .is_some_and(|rt| !skips(&rt.annotations, Op::Entitlements));
            if checked && !known.contains(&grant.entitlement.id) {
                return Err(Error::Contract(format!(
                    "grant {} on {subject} refers to entitlement {}, which no entitlements call returned",
                    grant.id, grant.entitlement.id
                )));
            }
        }
        for grant in &items {
            let principal = &grant.principal.id;
            let unlisted = self.plan.synced.contains(&principal.resource_type)
                && !self.listed.contains(principal);
            if unlisted && self.warned_principals.insert(principal.clone()) {
                self.warn(format!(
                    "grant {} on {subject} has principal {principal}, which no list call returned",
                    grant.id
                ));
            }
        }
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

    /// Writes full batches.
    async fn flush_full(&mut self) -> Result<()> {
        let size = self.options.batch_size;
        while self.buffers.resources.len() >= size {
            let batch = self.buffers.resources.drain(..size).collect();
            self.store.put_resources(batch).await?;
        }
        while self.buffers.entitlements.len() >= size {
            let batch = self.buffers.entitlements.drain(..size).collect();
            self.store.put_entitlements(batch).await?;
        }
        while self.buffers.grants.len() >= size {
            let batch = self.buffers.grants.drain(..size).collect();
            self.store.put_grants(batch).await?;
        }
        Ok(())
    }

    /// Writes everything buffered, in batches.
    async fn flush_all(&mut self) -> Result<()> {
        self.flush_full().await?;
        if !self.buffers.resources.is_empty() {
            self.store
                .put_resources(std::mem::take(&mut self.buffers.resources))
                .await?;
        }
        if !self.buffers.entitlements.is_empty() {
            self.store
                .put_entitlements(std::mem::take(&mut self.buffers.entitlements))
                .await?;
        }
        if !self.buffers.grants.is_empty() {
            self.store
                .put_grants(std::mem::take(&mut self.buffers.grants))
                .await?;
        }
        Ok(())
    }

    /// Flushes the buffers, saves the session's new entries, then the state.
    async fn checkpoint(&mut self) -> Result<()> {
        self.flush_all().await?;
        let entries = self.env.session.take_dirty();
        if !entries.is_empty() {
            self.store.save_session(entries).await?;
        }
        let json = self.state.to_checkpoint(self.in_flight.values().cloned());
        self.store.checkpoint(&json).await?;
        self.next_checkpoint = Instant::now() + self.options.checkpoint_interval;
        self.emit(Event::Checkpointed);
        Ok(())
    }

    fn summary(&self) -> SyncSummary {
        let stats = &self.state.stats;
        SyncSummary {
            sync_id: self.sync_id.clone(),
            resumed: self.resumed,
            resource_types: stats.counts.clone(),
            pages: stats.pages,
            retries: stats.retries,
            warnings: stats.warnings.clone(),
            duration: self.started.elapsed(),
        }
    }

    fn emit(&self, event: Event) {
        if let Some(observer) = &self.options.observer {
            observer.on_event(&event);
        }
    }
}

/// baton's unchanged-token guard, also for enqueued tokens.
fn check_tokens(action: &Action, output: &Output) -> Result<()> {
    let Some(given) = action.token.as_deref() else {
        return Ok(());
    };
    if output.next_token() == Some(given) {
        return Err(Error::Contract(format!(
            "next page token unchanged while {}: the call given token {given:?} returned it as the next token, likely a connector bug",
            action.context()
        )));
    }
    if output.enqueued().iter().any(|t| t == given) {
        return Err(Error::Contract(format!(
            "enqueued page token unchanged while {}: the call given token {given:?} enqueued it again, likely a connector bug",
            action.context()
        )));
    }
    Ok(())
}
