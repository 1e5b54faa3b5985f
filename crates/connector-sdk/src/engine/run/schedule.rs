//! Scheduling: the loop that runs calls on at most `workers` tasks, which call starts next
//! (baton's depth-first order, or follow-ups and stored resources taking turns), and what a
//! task that panicked was doing.

use tokio::time::Instant;

use super::Engine;
use crate::engine::state::{Action, Op, skips};
use crate::engine::{Phase, call};
use crate::error::{ConnectorError, Error, Result};

impl Engine<'_> {
    /// Runs calls until every phase is done.
    pub(super) async fn drive(&mut self) -> Result<()> {
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
}
