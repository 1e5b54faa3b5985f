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
//! Expanding an edge S → D (a step) reads S's grants a page at a time (only those held by
//! principals of `resource_type_ids`, when given; only direct ones, when `shallow`) and for each
//! holder:
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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use self::graph::{Graph, Schedule};
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
    /// The current step's destination, once read.
    destination: Option<Destination>,
    /// The page worked out last, written on the next call.
    pending: Option<Pending>,
    page_size: usize,
}

/// What one page did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct PageDone {
    pub(super) layer: u64,
    pub(super) created: u64,
    pub(super) updated: u64,
}

impl Expander {
    /// Reads the expandable grants and the entitlements they name, and plans the expansion;
    /// it then reads and writes `page_size` grants at a time.
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
                                "grant {} expands from entitlement {source}, which is on {on}, \
                                 not on the grant's principal {}; a GrantExpandable source is an \
                                 entitlement of the principal (e.g. the member entitlement of a \
                                 group granted a role)",
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
                "the expandable grants form chains of {} levels, more than the limit of \
                 {max_depth}; raise SyncOptions::max_expansion_depth if the chains are meant to be \
                 that long",
                schedule.layers
            )));
        }
        Ok(Expander {
            schedule,
            missing,
            destination: None,
            pending: None,
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
                "grant expansion: {} entitlement(s) named by expandable grants do not exist ({}); \
                 their edges are not expanded",
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

    /// Expands the next page and writes the one before it, moving `progress` past the pages
    /// written; `None` when everything is written.
    ///
    /// A page's writes go to the store just after the next page is read, so a store that
    /// writes in the background (the `.c1z` writer) writes one page while the next is worked
    /// out. The next page's reads therefore miss the unwritten page's grants of the same
    /// destination; they are laid over what the store returns. A level reads what the levels
    /// before it wrote, so everything is written before a level starts.
    pub(super) async fn next_page(
        &mut self,
        store: &dyn Store,
        progress: &mut Progress,
    ) -> Result<Option<PageDone>> {
        let at = match &self.pending {
            Some(pending) => pending.after.clone(),
            None => progress.clone(),
        };
        let Some(step) = self.schedule.steps.get(at.step).cloned() else {
            return self.write_pending(store, progress).await;
        };
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.done.layer != step.layer)
        {
            return self.write_pending(store, progress).await;
        }
        if self.destination.as_ref().map(|d| &d.id) != Some(&step.destination) {
            self.destination =
                Some(Destination::load(store, &step.destination, self.page_size).await?);
        }
        let mut done = PageDone {
            layer: step.layer,
            ..PageDone::default()
        };
        let mut next = Progress {
            step: at.step + 1,
            cursor: None,
        };
        let mut writes = Vec::new();
        if let Some(Destination {
            entitlement: Some(destination),
            holders,
            ..
        }) = &mut self.destination
        {
            let page = store
                .grants_of_entitlement(
                    &step.source,
                    &step.principal_types,
                    at.cursor.as_deref(),
                    self.page_size,
                )
                .await?;
            if let Some(cursor) = page.next {
                next = Progress {
                    step: at.step,
                    cursor: Some(cursor),
                };
            }
            let eligible: Vec<(&Grant, bool)> = page
                .items
                .iter()
                .map(|g| (g, is_direct(g, &step.source)))
                .filter(|(_, direct)| *direct || !step.shallow)
                .collect();
            let principals: BTreeSet<&ResourceId> =
                eligible.iter().map(|(g, _)| &g.principal.id).collect();
            // Only principals that hold the destination have grants of it to read.
            let holding: Vec<ResourceId> = principals
                .iter()
                .filter(|p| holders.as_ref().is_none_or(|h| h.contains(**p)))
                .map(|p| (*p).clone())
                .collect();
            let mut held = match holding.is_empty() {
                true => Vec::new(),
                false => {
                    store
                        .grants_of_principals(&destination.id, &holding)
                        .await?
                }
            };
            if let Some(pending) = &self.pending
                && pending.destination == destination.id
            {
                held = overlay(held, &pending.writes, &principals);
            }
            writes = fan_out(destination, &step.source, &eligible, held, &mut done);
            if let Some(set) = holders {
                set.extend(writes.iter().map(|g| g.principal.id.clone()));
                if set.len() > MAX_HOLDER_PAGES * self.page_size {
                    *holders = None;
                }
            }
        }
        let written = self.write_pending(store, progress).await?;
        self.pending = Some(Pending {
            destination: step.destination,
            writes,
            done,
            after: next,
        });
        Ok(Some(written.unwrap_or(PageDone {
            layer: done.layer,
            ..PageDone::default()
        })))
    }

    /// Writes the page worked out last, if any, and moves `progress` past it.
    async fn write_pending(
        &mut self,
        store: &dyn Store,
        progress: &mut Progress,
    ) -> Result<Option<PageDone>> {
        let Some(Pending {
            mut writes,
            done,
            after,
            ..
        }) = self.pending.take()
        else {
            return Ok(None);
        };
        while !writes.is_empty() {
            let rest = writes.split_off(writes.len().min(self.page_size));
            store
                .put_grants(std::mem::replace(&mut writes, rest))
                .await?;
        }
        *progress = after;
        Ok(Some(done))
    }
}

/// Principals of a destination kept in memory at most, in pages (100,000 principals, about
/// 10 MB, at the default page size); a destination held by more is asked about the principals
/// of every page instead.
const MAX_HOLDER_PAGES: usize = 100;

/// The destination of the current steps.
struct Destination {
    id: String,
    /// `None`: no entitlement has the id; its steps write nothing.
    entitlement: Option<Entitlement>,
    /// The principals holding it, kept up to date as grants are created, so that only they are
    /// looked up; `None` when more than [`MAX_HOLDER_PAGES`] pages of them do.
    holders: Option<HashSet<ResourceId>>,
}

impl Destination {
    async fn load(store: &dyn Store, id: &str, page_size: usize) -> Result<Destination> {
        let entitlement = store
            .entitlements_by_id(&[id.to_owned()])
            .await?
            .into_iter()
            .next();
        let mut holders = Some(HashSet::new());
        let mut after: Option<String> = None;
        while let (Some(set), Some(_)) = (&mut holders, &entitlement) {
            let page = store
                .grants_of_entitlement(id, &[], after.as_deref(), page_size)
                .await?;
            set.extend(page.items.into_iter().map(|g| g.principal.id));
            if set.len() > MAX_HOLDER_PAGES * page_size {
                holders = None;
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(Destination {
            id: id.to_owned(),
            entitlement,
            holders,
        })
    }
}

/// A page worked out and not yet written.
struct Pending {
    destination: String,
    writes: Vec<Grant>,
    done: PageDone,
    /// Where the expansion is once they are written.
    after: Progress,
}

/// The grants of `principals` as the store will hold them once `pending` is written: `held`
/// (read from the store) with `pending`'s versions in place of theirs, and `pending`'s new ones.
fn overlay(held: Vec<Grant>, pending: &[Grant], principals: &BTreeSet<&ResourceId>) -> Vec<Grant> {
    let newer: HashMap<&str, &Grant> = pending
        .iter()
        .filter(|g| principals.contains(&g.principal.id))
        .map(|g| (g.id.as_str(), g))
        .collect();
    let mut grants: Vec<Grant> = held
        .into_iter()
        .filter(|g| !newer.contains_key(g.id.as_str()))
        .collect();
    grants.extend(newer.into_values().cloned());
    grants
}

/// Applies one page of `source`'s grants to `destination`, given the grants of it that their
/// principals already hold; returns the grants to write.
fn fan_out(
    destination: &Entitlement,
    source: &str,
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
    for (source_grant, direct) in eligible {
        match by_principal.get(&source_grant.principal.id) {
            Some(indexes) => {
                for &i in indexes {
                    let (grant, _, changed) = &mut grants[i];
                    *changed |= add_source(grant, &destination.id, source, *direct);
                }
            }
            None => {
                let grant =
                    expanded_grant(destination, source_grant.principal.clone(), source, *direct);
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
