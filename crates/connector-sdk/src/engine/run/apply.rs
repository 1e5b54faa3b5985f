//! Applying a finished call: its page checked, its items counted and buffered, its
//! follow-up calls queued (child listings among them), and a not-found call skipped with a
//! warning.

use super::Engine;
use crate::engine::Event;
use crate::engine::call::{Outcome, Output};
use crate::engine::checks;
use crate::engine::state::Action;
use crate::error::{ConnectorError, Error, ErrorKind, Result};
use crate::model::{Entitlement, Grant, Resource};
use crate::store::ExpandableGrant;

impl Engine<'_> {
    /// Applies a finished call: checks its page, buffers its items and queues its follow-ups.
    pub(super) async fn apply(&mut self, outcome: Outcome) -> Result<()> {
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

    fn count(&mut self, resource_type: &str) -> &mut crate::engine::TypeCounts {
        self.state
            .stats
            .counts
            .entry(resource_type.to_owned())
            .or_default()
    }
}
