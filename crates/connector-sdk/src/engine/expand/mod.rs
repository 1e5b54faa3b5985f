//! Grant expansion, the sync's last phase, with baton's semantics (`pkg/sync/expand`).
//!
//! A grant of entitlement D to principal P that carries `GrantExpandable { entitlement_ids:
//! [S…], shallow, resource_type_ids }` means: whoever holds a source S also holds D. Each S
//! must be an entitlement *of* P (a group granted a role expands from the group's `member`
//! entitlement); one that is not fails the sync, one that does not exist is dropped with a
//! warning. The sources and destinations form a graph whose cycles are collapsed into single
//! nodes ([`graph`]); it is expanded level by level, at most
//! [`SyncOptions::max_expansion_depth`](crate::SyncOptions::max_expansion_depth) levels.
//!
//! Expanding an edge S → D reads S's grants a page at a time (only those held by principals of
//! `resource_type_ids`, when given; only direct ones, when `shallow`) and for each holder:
//!
//! - without a grant of D: creates one, with baton's id `<D>:<type>:<id>`, D's entitlement,
//!   the source grant's principal, a `GrantImmutable` annotation and `sources` `{S: direct}`;
//! - with grants of D: records S in their `sources`, and D itself (as direct) in the `sources`
//!   of a grant that had none, so an expanded direct grant says it is also direct.
//!
//! A source grant is *direct* when it has no `sources`, or when they name S itself.
//!
//! Nothing of the graph is checkpointed: it is rebuilt from the store on resume (the writes of
//! an expansion never change it), and the progress is a step number and the page token within
//! it. Replaying a page is harmless: merging a source twice changes nothing.

mod graph;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use self::graph::{Graph, Schedule, Step};
use super::ExpansionSummary;
use crate::annotations::Annotation;
use crate::error::{Error, Result};
use crate::ids;
use crate::model::{Entitlement, Grant, GrantSources, Resource, ResourceId};
use crate::store::Store;

/// Where an expansion is: the step being run and the page token within it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Progress {
    pub(crate) step: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cursor: Option<String>,
}

/// A loaded expansion, run one page at a time.
pub(super) struct Expander {
    schedule: Schedule,
    /// Entitlement ids that expandable grants name but no entitlement has.
    missing: BTreeSet<String>,
    /// The current step's destinations, once read.
    destinations: Option<(usize, Vec<Destination>)>,
    page_size: usize,
}

struct Destination {
    entitlement: Entitlement,
    shallow: bool,
}

/// What one page did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct PageDone {
    pub(super) layer: u64,
    pub(super) created: u64,
    pub(super) updated: u64,
}

impl Expander {
    /// Reads the expandable grants and the entitlements they name, and plans the expansion.
    ///
    /// # Errors
    ///
    /// [`Error::Contract`] for a source entitlement that is not on the grant's principal,
    /// [`Error::Expansion`] for a graph deeper than `max_depth` levels, [`Error::Store`].
    pub(super) async fn load(
        store: &dyn Store,
        page_size: usize,
        max_depth: usize,
    ) -> Result<Expander> {
        let mut graph = Graph::default();
        // Entitlement id → the resource it is on; `None` when no entitlement has the id.
        let mut known: HashMap<String, Option<ResourceId>> = HashMap::new();
        let mut missing = BTreeSet::new();
        let mut after: Option<String> = None;
        loop {
            let page = store.expandable_grants(after.as_deref(), page_size).await?;
            let unknown: BTreeSet<&String> = page
                .items
                .iter()
                .flat_map(|g| g.source_entitlement_ids.iter().chain([&g.entitlement_id]))
                .filter(|id| !known.contains_key(*id))
                .collect();
            let unknown: Vec<String> = unknown.into_iter().cloned().collect();
            for e in store.entitlements_by_id(&unknown).await? {
                known.insert(e.id, Some(e.resource.id));
            }
            for id in unknown {
                known.entry(id).or_insert(None);
            }
            for grant in &page.items {
                let mut sources = Vec::new();
                for source in &grant.source_entitlement_ids {
                    match known.get(source).and_then(Option::as_ref) {
                        None => {
                            missing.insert(source.clone());
                        }
                        Some(on) if !same_resource(on, &grant.principal) => {
                            return Err(Error::Contract(format!(
                                "grant {} expands from entitlement {source}, which is on {on}, not on the grant's principal {}; \
                                 a GrantExpandable source is an entitlement of the principal (e.g. the member entitlement of a group granted a role)",
                                grant.grant_id, grant.principal
                            )));
                        }
                        Some(_) => sources.push(source),
                    }
                }
                if known.get(&grant.entitlement_id).is_none_or(Option::is_none) {
                    missing.insert(grant.entitlement_id.clone());
                    continue;
                }
                for source in sources {
                    graph.add_edge(
                        source,
                        &grant.entitlement_id,
                        grant.shallow,
                        &grant.principal_types,
                    );
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let schedule = graph.schedule();
        if schedule.layers > max_depth as u64 {
            return Err(Error::Expansion(format!(
                "the expandable grants form chains of {} levels, more than the limit of {max_depth}; \
                 raise SyncOptions::max_expansion_depth if the chains are meant to be that long",
                schedule.layers
            )));
        }
        Ok(Expander {
            schedule,
            missing,
            destinations: None,
            page_size,
        })
    }

    /// The graph's shape, for the summary.
    pub(super) fn describe(&self, summary: &mut ExpansionSummary) {
        summary.edges = self.schedule.edges;
        summary.cycles = self.schedule.cycles;
        summary.layers = self.schedule.layers;
        summary.missing_entitlements = self.missing.len() as u64;
    }

    /// A warning naming the entitlements that expandable grants name but do not exist.
    pub(super) fn missing_warning(&self) -> Option<String> {
        let mut names: Vec<&str> = self.missing.iter().take(5).map(String::as_str).collect();
        if self.missing.len() > names.len() {
            names.push("…");
        }
        (!self.missing.is_empty()).then(|| {
            format!(
                "grant expansion: {} entitlement(s) named by expandable grants do not exist ({}); their edges are not expanded",
                self.missing.len(),
                names.join(", ")
            )
        })
    }

    /// Steps in all.
    pub(super) fn steps(&self) -> usize {
        self.schedule.steps.len()
    }

    /// Levels in all.
    pub(super) fn layers(&self) -> u64 {
        self.schedule.layers
    }

    /// Expands the next page at `progress` and moves it on; `None` when everything is done.
    pub(super) async fn next_page(
        &mut self,
        store: &dyn Store,
        progress: &mut Progress,
        batch_size: usize,
    ) -> Result<Option<PageDone>> {
        let Some(step) = self.schedule.steps.get(progress.step) else {
            return Ok(None);
        };
        if self.destinations.as_ref().map(|(s, _)| *s) != Some(progress.step) {
            let ids: Vec<String> = step.destinations.iter().map(|(d, _)| d.clone()).collect();
            let mut found: HashMap<String, Entitlement> = store
                .entitlements_by_id(&ids)
                .await?
                .into_iter()
                .map(|e| (e.id.clone(), e))
                .collect();
            let destinations = step
                .destinations
                .iter()
                .filter_map(|(id, shallow)| {
                    Some(Destination {
                        entitlement: found.remove(id)?,
                        shallow: *shallow,
                    })
                })
                .collect();
            self.destinations = Some((progress.step, destinations));
        }
        let destinations = self.destinations.as_ref().map_or(&[][..], |(_, d)| d);
        let page = store
            .grants_of_entitlement(
                &step.source,
                &step.principal_types,
                progress.cursor.as_deref(),
                self.page_size,
            )
            .await?;
        let mut done = PageDone {
            layer: step.layer,
            ..PageDone::default()
        };
        let holders: Vec<(&Grant, bool)> = page
            .items
            .iter()
            .map(|g| (g, is_direct(g, &step.source)))
            .collect();
        for destination in destinations {
            let eligible: Vec<(&Grant, bool)> = holders
                .iter()
                .copied()
                .filter(|(_, direct)| *direct || !destination.shallow)
                .collect();
            if eligible.is_empty() {
                continue;
            }
            let principals: Vec<ResourceId> = eligible
                .iter()
                .map(|(g, _)| &g.principal.id)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .cloned()
                .collect();
            let held = store
                .grants_of_principals(&destination.entitlement.id, &principals)
                .await?;
            let writes = fan_out(destination, step, &eligible, held, &mut done);
            for batch in writes.chunks(batch_size.max(1)) {
                store.put_grants(batch.to_vec()).await?;
            }
        }
        match page.next {
            Some(next) => progress.cursor = Some(next),
            None => {
                progress.step += 1;
                progress.cursor = None;
            }
        }
        Ok(Some(done))
    }
}

/// Applies one page of `step`'s source grants to `destination`, given the grants of it that
/// their principals already hold; returns the grants to write.
fn fan_out(
    destination: &Destination,
    step: &Step,
    eligible: &[(&Grant, bool)],
    held: Vec<Grant>,
    done: &mut PageDone,
) -> Vec<Grant> {
    // (grant, created here, changed)
    let mut grants: Vec<(Grant, bool, bool)> =
        held.into_iter().map(|g| (g, false, false)).collect();
    let mut by_principal: HashMap<ResourceId, Vec<usize>> = HashMap::new();
    for (i, (g, _, _)) in grants.iter().enumerate() {
        by_principal
            .entry(g.principal.id.clone())
            .or_default()
            .push(i);
    }
    let destination_id = &destination.entitlement.id;
    for (source_grant, direct) in eligible {
        match by_principal.get(&source_grant.principal.id) {
            Some(indexes) => {
                for &i in indexes {
                    let (grant, _, changed) = &mut grants[i];
                    *changed |= add_source(grant, destination_id, &step.source, *direct);
                }
            }
            None => {
                let grant = expanded_grant(
                    &destination.entitlement,
                    source_grant.principal.clone(),
                    &step.source,
                    *direct,
                );
                by_principal.insert(source_grant.principal.id.clone(), vec![grants.len()]);
                grants.push((grant, true, true));
            }
        }
    }
    grants
        .into_iter()
        .filter(|(_, _, changed)| *changed)
        .map(|(grant, created, _)| {
            match created {
                true => done.created += 1,
                false => done.updated += 1,
            }
            grant
        })
        .collect()
}

/// Whether `grant` of `source` is direct: it has no `sources`, or they name `source`.
fn is_direct(grant: &Grant, source: &str) -> bool {
    grant
        .sources
        .as_ref()
        .is_none_or(|s| s.sources.is_empty() || s.sources.contains_key(source))
}

/// Records `source` in the `sources` of `grant` (of `destination`); returns whether they
/// changed. A grant without sources is direct, so it first gets `destination` as a direct one;
/// a direct source wins over an indirect one.
fn add_source(grant: &mut Grant, destination: &str, source: &str, direct: bool) -> bool {
    let sources = &mut grant
        .sources
        .get_or_insert_with(GrantSources::default)
        .sources;
    let mut changed = false;
    if sources.is_empty() {
        sources.insert(destination.to_owned(), true);
        changed = true;
    }
    match sources.get_mut(source) {
        None => {
            sources.insert(source.to_owned(), direct);
            changed = true;
        }
        Some(was_direct) if direct && !*was_direct => {
            *was_direct = true;
            changed = true;
        }
        Some(_) => {}
    }
    changed
}

/// The grant expansion creates: baton's `newExpandedGrant`.
fn expanded_grant(
    destination: &Entitlement,
    principal: Resource,
    source: &str,
    direct: bool,
) -> Grant {
    Grant {
        id: ids::grant_id(&destination.id, &principal.id),
        entitlement: destination.clone(),
        principal,
        annotations: vec![Annotation::grant_immutable()],
        sources: Some(GrantSources {
            sources: BTreeMap::from([(source.to_owned(), direct)]),
        }),
    }
}

/// baton compares a source entitlement's resource with the principal by type and id.
fn same_resource(a: &ResourceId, b: &ResourceId) -> bool {
    a.resource_type == b.resource_type && a.resource == b.resource
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceType;

    fn grant_with_sources(sources: &[(&str, bool)]) -> Grant {
        let group = Resource::new(&ResourceType::new("group", "Group", &[]), "g", "G");
        let mut grant = Grant::new(&group, "member", ResourceId::new("user", "u"));
        if !sources.is_empty() {
            grant.sources = Some(GrantSources {
                sources: sources.iter().map(|(s, d)| ((*s).to_owned(), *d)).collect(),
            });
        }
        grant
    }

    #[test]
    fn a_grant_without_sources_is_direct_and_one_naming_the_source_too() {
        assert!(is_direct(&grant_with_sources(&[]), "s"));
        assert!(is_direct(&grant_with_sources(&[("s", false)]), "s"));
        assert!(!is_direct(&grant_with_sources(&[("t", true)]), "s"));
    }

    #[test]
    fn merging_sources_records_the_destination_and_prefers_direct() {
        let mut g = grant_with_sources(&[]);
        assert!(add_source(&mut g, "d", "s", false));
        let sources = &g.sources.as_ref().unwrap().sources;
        assert_eq!(
            sources,
            &BTreeMap::from([("d".into(), true), ("s".into(), false)])
        );
        assert!(!add_source(&mut g, "d", "s", false), "nothing new");
        assert!(add_source(&mut g, "d", "s", true), "direct wins");
        assert!(!add_source(&mut g, "d", "s", false), "and stays");
        assert!(g.sources.unwrap().sources["s"]);
    }
}
