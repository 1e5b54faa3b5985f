//! What a sync covers: every resource type (a `full` sync), or the types of a filter (a
//! `partial` one), checked before the store is touched.
//!
//! Which type is listed under which is known only from the resources themselves
//! ([`Annotation::ChildResourceType`](crate::Annotation::ChildResourceType)), so a filter that
//! keeps a child type and leaves out its parent type would silently sync none of it. Before a
//! partial sync starts, the first page of each selected type's top-level listing is asked for; a
//! selected type that has top-level resources, or that a selected parent announces, is reachable.
//! For a type that is neither, the left-out types are asked for their first page (and their
//! announced children under the first resource that announces them) until one announces it: then
//! the sync refuses to start and names the types to add. At most two calls per type; a call that
//! fails only costs the check, as a warning. The first pages of the selected types are kept for
//! the sync's own first calls, so the check fetches no page twice.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use super::call::{self, CallEnv, Output};
use super::state::Action;
use crate::connector::Connector;
use crate::error::{Error, ErrorKind, Result};
use crate::store::SyncType;
use crate::syncer::ResourceSyncer;

/// What [`check`] found.
pub(super) struct Scope {
    pub(super) sync_type: SyncType,
    /// Calls of the check that failed, as warnings for the summary.
    pub(super) warnings: Vec<String>,
}

/// One listing asked for, and the left-out types on the way to it (outermost first).
struct Probe {
    action: Action,
    left_out: Vec<String>,
}

/// The sync type of `filter` (already checked for unknown ids), refusing a filter that leaves out
/// the parent type of a type it keeps.
pub(super) async fn check(
    connector: &dyn Connector,
    filter: Option<&[String]>,
    env: &CallEnv,
) -> Result<Scope> {
    let syncers: Vec<Arc<dyn ResourceSyncer>> = connector.syncers();
    let ids: Vec<String> = syncers.iter().map(|s| s.resource_type().id).collect();
    let selected: HashSet<&str> = filter
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect();
    let full = Scope {
        sync_type: SyncType::Full,
        warnings: Vec::new(),
    };
    if selected.is_empty() || ids.iter().all(|id| selected.contains(id.as_str())) {
        return Ok(full);
    }
    let by_id: HashMap<&str, &Arc<dyn ResourceSyncer>> =
        ids.iter().map(String::as_str).zip(&syncers).collect();
    let mut unreached: HashSet<&str> = selected.clone();
    // Listings of selected types come first: they reach most types without asking the others.
    let mut reach: VecDeque<Probe> = ids
        .iter()
        .filter(|id| selected.contains(id.as_str()))
        .map(|id| Probe {
            action: Action::list(id, None),
            left_out: Vec::new(),
        })
        .collect();
    let mut search: VecDeque<Probe> = ids
        .iter()
        .filter(|id| !selected.contains(id.as_str()))
        .map(|id| Probe {
            action: Action::list(id, None),
            left_out: vec![id.clone()],
        })
        .collect();
    let mut announced: HashSet<String> = HashSet::new();
    let mut warnings = Vec::new();
    while !unreached.is_empty() {
        let Some(probe) = reach.pop_front().or_else(|| search.pop_front()) else {
            break;
        };
        let Some(syncer) = by_id.get(probe.action.resource_type.as_str()) else {
            continue;
        };
        let outcome = call::run(0, Arc::clone(syncer), probe.action.clone(), env.clone()).await;
        let page = match outcome.result {
            Ok(Output::Resources(page)) => page,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::Cancelled => return Err(Error::Cancelled),
            Err(e) => {
                warnings.push(format!(
                    "could not check that the resource type filter keeps the parents of its \
                     types: {} failed ({e})",
                    probe.action.context()
                ));
                continue;
            }
        };
        if probe.left_out.is_empty() && !page.items.is_empty() {
            unreached.remove(probe.action.resource_type.as_str());
        }
        let items = page.items.clone();
        if probe.left_out.is_empty() && probe.action.parent.is_none() {
            // The sync's own first call of this listing gets this page, not a second request.
            let mut fetched = env.fetched.lock().unwrap_or_else(|e| e.into_inner());
            fetched.insert(probe.action.resource_type.clone(), page);
        }
        for resource in &items {
            for child in resource.child_resource_types() {
                let kept = selected.contains(child);
                if kept && probe.left_out.is_empty() {
                    unreached.remove(child);
                } else if kept && unreached.contains(child) {
                    return Err(missing_parents(child, &probe, &ids, &selected));
                }
                if by_id.contains_key(child) && announced.insert(child.to_owned()) {
                    let mut left_out = probe.left_out.clone();
                    if !kept {
                        left_out.push(child.to_owned());
                    }
                    let next = Probe {
                        action: Action::list(child, Some(resource.id.clone())),
                        left_out,
                    };
                    match next.left_out.is_empty() {
                        true => reach.push_back(next),
                        false => search.push_back(next),
                    }
                }
            }
        }
    }
    Ok(Scope {
        sync_type: SyncType::Partial,
        warnings,
    })
}

/// The refusal: which types to add, and the whole filter with them, in the connector's order.
fn missing_parents(child: &str, probe: &Probe, ids: &[String], kept: &HashSet<&str>) -> Error {
    let parent = &probe.action.resource_type;
    let add = probe.left_out.join(" and ");
    let filter: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|id| kept.contains(id) || probe.left_out.iter().any(|l| l == id))
        .collect();
    Error::InvalidOptions(format!(
        "resource type {child} is listed under {parent} resources, which the resource type \
         filter leaves out, so the sync would find no {child}: add {add} to the filter ({})",
        filter.join(",")
    ))
}
