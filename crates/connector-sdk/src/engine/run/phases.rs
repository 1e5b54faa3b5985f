//! The phases: starting or resuming, moving to the next stage or phase (each phase end
//! checkpointed), what a phase loads before it starts, and grant expansion run a page at a
//! time.

use std::time::Duration;

use tokio::time::Instant;

use super::Engine;
use crate::engine::expand::Expander;
use crate::engine::state::{Action, Op, skips};
use crate::engine::{Event, Phase};
use crate::error::{Error, Result};

impl Engine<'_> {
    pub(super) async fn start_and_drive(&mut self) -> Result<()> {
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

    /// Called when nothing is in flight or queued: moves to the next stage or phase. Returns
    /// `false` when the sync is done.
    pub(super) async fn advance(&mut self) -> Result<bool> {
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
    /// do. See [`expand`](crate::engine::expand).
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
    pub(super) fn time_step(&mut self) {
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
}
