//! The review view: one row per person per top-level resource (an organization, in most
//! connectors), with what an access review asks of it — who, their security attributes, the
//! roles they hold on it, the groups under it they are in, and their other access under it.
//!
//! It knows no connector: people are principals with the user trait; a top-level resource is a
//! resource without a parent that people hold access on or under; groups are resources with the
//! group trait. Access that grant expansion derived (a grant with `sources`) says through which
//! group it comes, so database access through teams shows up as soon as a sync records it.

use std::collections::{BTreeMap, HashMap, HashSet};

use connector_sdk::{Grant, Resource, ResourceId, Trait};

use crate::error::Result;
use crate::label::{entitlement_name, short_name};
use crate::path::{Path, Paths};
use crate::principal::Attributes;
use crate::snapshot::{Names, Snapshot};

/// How deep parents are followed to find a resource's top-level resource.
const MAX_DEPTH: usize = 32;

/// One person's access within one top-level resource.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewRow {
    /// The top-level resource (e.g. the organization).
    pub scope: Resource,
    /// The person.
    pub principal: Resource,
    /// Their email, MFA, SSO and status.
    pub attributes: Attributes,
    /// What they hold on the top-level resource itself (its roles), in slug order.
    pub roles: Vec<Held>,
    /// The groups under it they hold something on (their memberships), by name.
    pub groups: Vec<Held>,
    /// What they hold on its other resources, by resource then slug.
    pub access: Vec<Held>,
    /// How many top-level resources they have rows in (2 or more: in several organizations).
    pub scopes: usize,
}

/// One entitlement held, as the review names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Held {
    /// The resource it is on, by display name (its id when it has none).
    pub resource: String,
    /// The entitlement's slug (or display name, or id).
    pub slug: String,
    /// The entitlement id.
    pub entitlement_id: String,
    /// Whether it is granted directly (not only derived by grant expansion).
    pub direct: bool,
    /// What it is derived through, as [`Path`](crate::Path) names it (`team Security`).
    pub via: Vec<String>,
}

impl Held {
    /// `slug`, `slug (via A, B)`, or `slug (direct, via A)`.
    pub fn describe(&self) -> String {
        let path = Path {
            direct: self.direct,
            via: self.via.clone(),
        }
        .describe();
        match path.is_empty() {
            true => self.slug.clone(),
            false => format!("{} ({path})", self.slug),
        }
    }
}

/// What one person holds within one top-level resource, while grants are read.
#[derive(Default)]
struct Acc {
    roles: Vec<Held>,
    groups: Vec<Held>,
    access: Vec<Held>,
}

impl Snapshot<'_> {
    /// The review rows of the sync, sorted by top-level resource, then person's display name.
    /// Reads every grant once; holds one row per person per top-level resource.
    pub fn review(&self) -> Result<Vec<ReviewRow>> {
        let types: HashMap<String, Vec<Trait>> = self
            .resource_types()?
            .into_iter()
            .map(|t| (t.id, t.traits))
            .collect();
        let has = |r: &Resource, t: Trait| {
            r.has_trait(t)
                || types
                    .get(&r.id.resource_type)
                    .is_some_and(|ts| ts.contains(&t))
        };
        let mut names = Names::new(self);
        let mut paths = Paths::new(self);
        let mut tops: HashMap<ResourceId, ResourceId> = HashMap::new();
        let mut rows: BTreeMap<(ResourceId, ResourceId), Acc> = BTreeMap::new();
        self.for_each_grant(Default::default(), |grant| {
            let principal = names.resource_or_id(&grant.principal)?;
            if !has(&principal, Trait::User) {
                return Ok(());
            }
            let on = names.resource_or_id(&grant.entitlement.resource)?;
            let top = top_of(&on.id, &mut names, &mut tops)?;
            let held = held(&grant, &on, &mut names, &mut paths)?;
            let acc = rows.entry((top.clone(), principal.id.clone())).or_default();
            match (on.id == top, has(&on, Trait::Group)) {
                (true, _) => acc.roles.push(held),
                (false, true) => acc.groups.push(held),
                (false, false) => acc.access.push(held),
            }
            Ok(())
        })?;
        let mut scopes: HashMap<ResourceId, usize> = HashMap::new();
        for (_, principal) in rows.keys() {
            *scopes.entry(principal.clone()).or_default() += 1;
        }
        let mut out = Vec::with_capacity(rows.len());
        for ((top, principal), mut acc) in rows {
            let principal = names.resource_of(&principal)?;
            for list in [&mut acc.roles, &mut acc.groups, &mut acc.access] {
                list.sort();
                list.dedup();
            }
            out.push(ReviewRow {
                scope: names.resource_of(&top)?,
                attributes: Attributes::of(&principal).unwrap_or_default(),
                scopes: scopes[&principal.id],
                principal,
                roles: acc.roles,
                groups: acc.groups,
                access: acc.access,
            });
        }
        let key = |r: &ReviewRow| {
            let scope = short_name(&r.scope).to_lowercase();
            (
                scope,
                short_name(&r.principal).to_lowercase(),
                r.principal.id.clone(),
            )
        };
        out.sort_by_cached_key(key);
        Ok(out)
    }
}

/// The top-level resource above `id` (itself when it has no parent), remembered in `tops`.
fn top_of(
    id: &ResourceId,
    names: &mut Names<'_, '_>,
    tops: &mut HashMap<ResourceId, ResourceId>,
) -> Result<ResourceId> {
    if let Some(top) = tops.get(id) {
        return Ok(top.clone());
    }
    let mut current = id.clone();
    let mut seen = HashSet::new();
    while seen.insert(current.clone()) && seen.len() <= MAX_DEPTH {
        match names.get(&current)?.and_then(|r| r.parent.clone()) {
            Some(parent) => current = parent,
            None => break,
        }
    }
    tops.insert(id.clone(), current.clone());
    Ok(current)
}

/// `grant` as the review names it, its entitlement's slug read from the sync (a grant's copy
/// may lack it).
fn held(
    grant: &Grant,
    on: &Resource,
    names: &mut Names<'_, '_>,
    paths: &mut Paths<'_, '_>,
) -> Result<Held> {
    let id = &grant.entitlement.id;
    let slug = entitlement_name(names.entitlement(id)?.unwrap_or(&grant.entitlement)).to_owned();
    let path = paths.of_grant(grant)?;
    Ok(Held {
        resource: short_name(on),
        slug,
        entitlement_id: id.clone(),
        direct: path.direct,
        via: path.via,
    })
}
