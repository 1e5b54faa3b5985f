//! What changed between two syncs: access gained and lost per principal (grants added and
//! removed), resources added and removed, and the security attributes of people (email, MFA,
//! SSO, status) that changed.
//!
//! Both syncs are read in `external_id` order and merged, so a diff holds only the changes in
//! memory, however large the syncs. Identity is by baton's ids (resource `<type>:<id>`, grant
//! id), compared as opaque strings. When either sync is not a full one (a `partial` sync of some
//! resource types), only the resource types both synced are compared: what a partial sync did
//! not sync is not removed.
//!
//! `merge` reads the two syncs' sorted rows side by side; `people` pairs a person removed with
//! the person added of the same email and compares the attributes of people in both.

mod merge;
mod people;

use std::collections::{BTreeMap, BTreeSet};

use connector_sdk::{Grant, ResourceId};
use serde::Serialize;

use crate::error::Result;
use crate::label::entitlement_name;
use crate::path::Paths;
use crate::principal::Attributes;
use crate::reader::{GRANTS, RESOURCES, SyncRun};
use crate::snapshot::{Names, Snapshot};

use self::merge::merge_ids;
use self::people::{attribute_changes, replacements};

/// The changes from an older snapshot to a newer one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// The older sync's id.
    pub old_sync_id: String,
    /// The newer sync's id.
    pub new_sync_id: String,
    /// The older sync.
    pub old_sync: SyncRef,
    /// The newer sync.
    pub new_sync: SyncRef,
    /// When either sync is not full: the resource types both synced, the only ones compared.
    pub compared_types: Option<Vec<String>>,
    /// Resources only in the newer sync, sorted by type and id.
    pub resources_added: Vec<ResourceRef>,
    /// Resources only in the older sync, sorted by type and id.
    pub resources_removed: Vec<ResourceRef>,
    /// Principals whose grants changed, sorted by type and id.
    pub access: Vec<PrincipalChanges>,
    /// Attributes of people in both syncs that changed, sorted by principal, then attribute.
    pub attributes_changed: Vec<AttributeChange>,
    /// People removed whose email a person added has: an invitation accepted (the invitation
    /// goes, the member comes), an account made again. Sorted by the removed one.
    pub replaced: Vec<Replacement>,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.resources_added.is_empty()
            && self.resources_removed.is_empty()
            && self.access.is_empty()
            && self.attributes_changed.is_empty()
    }

    /// Number of grants added.
    pub fn grants_added(&self) -> usize {
        self.access.iter().map(|p| p.gained.len()).sum()
    }

    /// Number of grants removed.
    pub fn grants_removed(&self) -> usize {
        self.access.iter().map(|p| p.lost.len()).sum()
    }

    /// Each grant gained (`gained`) or lost (`lost`), with its principal, in principal order.
    pub fn access_changes(
        &self,
    ) -> impl Iterator<Item = (&'static str, &ResourceRef, &AccessChange)> {
        self.access.iter().flat_map(|p| {
            let gained = p.gained.iter().map(move |c| ("gained", &p.principal, c));
            gained.chain(p.lost.iter().map(move |c| ("lost", &p.principal, c)))
        })
    }

    /// Each resource `added`, then each `removed`.
    pub fn resource_changes(&self) -> impl Iterator<Item = (&'static str, &ResourceRef)> {
        let added = self.resources_added.iter().map(|r| ("added", r));
        added.chain(self.resources_removed.iter().map(|r| ("removed", r)))
    }
}

/// A sync compared, as a header names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncRef {
    /// Its id.
    pub id: String,
    /// `full`, `partial` …
    pub sync_type: String,
    /// When it started (UTC, as stored).
    pub started_at: String,
    /// When it ended; `None` if unfinished.
    pub ended_at: Option<String>,
}

impl From<&SyncRun> for SyncRef {
    fn from(run: &SyncRun) -> Self {
        SyncRef {
            id: run.id.clone(),
            sync_type: run.sync_type.clone(),
            started_at: run.started_at.clone(),
            ended_at: run.ended_at.clone(),
        }
    }
}

/// A resource, by id and name.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// Its type id.
    pub resource_type: String,
    /// Its id within the type.
    pub resource: String,
    /// Its display name (empty when unknown).
    pub display_name: String,
    /// The display name of the resource it is under (`acme` for a database `orders` of
    /// organization acme); empty at the top level or when unknown.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub parent: String,
}

/// The grants one principal gained and lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalChanges {
    /// Who.
    pub principal: ResourceRef,
    /// Grants only in the newer sync, sorted by grant id.
    pub gained: Vec<AccessChange>,
    /// Grants only in the older sync, sorted by grant id.
    pub lost: Vec<AccessChange>,
}

/// A person removed and the person added with the same email.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    /// The email both have.
    pub email: String,
    /// Who went (e.g. the invitation).
    pub old: ResourceRef,
    /// Who came (e.g. the member who accepted it).
    pub new: ResourceRef,
}

/// One grant gained or lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessChange {
    /// The grant id.
    pub grant_id: String,
    /// The entitlement id.
    pub entitlement_id: String,
    /// The entitlement's display name (its slug, or its id when unknown).
    pub entitlement: String,
    /// The resource the entitlement is on.
    pub resource: ResourceRef,
    /// What grant expansion derived it through (`team Payments`, `admin of organization
    /// acme`); empty when it is granted directly.
    pub via: Vec<String>,
}

/// One security attribute of a person that changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeChange {
    /// Who.
    pub principal: ResourceRef,
    /// `email`, `mfa`, `sso` or `status`.
    pub attribute: String,
    /// The older value (`on`, `off`, `unknown` for MFA and SSO).
    pub old: String,
    /// The newer value.
    pub new: String,
    /// The permissions the person holds in the newer sync (entitlements whose purpose is
    /// permission or ownership, as `resource: slug`): an admin who turned MFA off is a finding.
    pub permissions: Vec<String>,
}

/// Compares `old` with `new` (two syncs of one file, or of two files).
pub fn diff(old: &Snapshot<'_>, new: &Snapshot<'_>) -> Result<Diff> {
    let mut names = Names::of(vec![new, old]);
    let compared_types = match old.run().is_full() && new.run().is_full() {
        true => None,
        false => Some(common_types(old, new)?),
    };
    let types = compared_types.as_deref();

    let (added, removed) = merge_ids(old, new, RESOURCES.name, types)?;
    // Each resource, and the email of a person.
    let resource = |snapshot: &Snapshot<'_>,
                    external_id: String|
     -> Result<(ResourceRef, String)> {
        let found = snapshot
            .reader()
            .by_external_id(&RESOURCES, snapshot.id(), &external_id)?;
        Ok(match found {
            Some(r) => {
                let email = Attributes::of(&r).map(|a| a.email).unwrap_or_default();
                let parent = match &r.parent {
                    Some(p) => snapshot
                        .resource(p)?
                        .map(|p| p.display_name)
                        .unwrap_or_default(),
                    None => String::new(),
                };
                let named = ResourceRef {
                    parent,
                    ..ResourceRef::of(&r.id, r.display_name)
                };
                (named, email)
            }
            None => (
                ResourceRef {
                    resource: external_id,
                    ..Default::default()
                },
                String::new(),
            ),
        })
    };
    let added = added
        .into_iter()
        .map(|id| resource(new, id))
        .collect::<Result<Vec<_>>>()?;
    let removed = removed
        .into_iter()
        .map(|id| resource(old, id))
        .collect::<Result<Vec<_>>>()?;
    let replaced = replacements(&removed, &added);
    let resources_added = added.into_iter().map(|(r, _)| r).collect();
    let resources_removed = removed.into_iter().map(|(r, _)| r).collect();

    let (gained, lost) = merge_ids(old, new, GRANTS.name, types)?;
    let mut paths = Paths::of(vec![new, old]);
    let mut access: BTreeMap<ResourceId, PrincipalChanges> = BTreeMap::new();
    for (snapshot, ids, is_gain) in [(new, gained, true), (old, lost, false)] {
        for external_id in ids {
            let Some(grant) =
                snapshot
                    .reader()
                    .by_external_id(&GRANTS, snapshot.id(), &external_id)?
            else {
                continue;
            };
            let change = change(&grant, &mut names, &mut paths)?;
            let entry = access.entry(grant.principal.id.clone()).or_default();
            match is_gain {
                true => entry.gained.push(change),
                false => entry.lost.push(change),
            }
        }
    }
    let access = access
        .into_iter()
        .map(|(principal, mut changes)| {
            let display_name = names.display_name(&principal)?;
            changes.principal = ResourceRef::of(&principal, display_name);
            Ok(changes)
        })
        .collect::<Result<Vec<_>>>()?;
    let attributes_changed = attribute_changes(old, new, types)?;
    Ok(Diff {
        old_sync_id: old.id().to_owned(),
        new_sync_id: new.id().to_owned(),
        old_sync: old.run().into(),
        new_sync: new.run().into(),
        compared_types,
        resources_added,
        resources_removed,
        access,
        attributes_changed,
        replaced,
    })
}

impl ResourceRef {
    fn of(id: &ResourceId, display_name: String) -> Self {
        ResourceRef {
            resource_type: id.resource_type.clone(),
            resource: id.resource.clone(),
            display_name,
            parent: String::new(),
        }
    }

    /// The resource `id` as `names` know it, with the name of its parent.
    fn named(id: &ResourceId, names: &mut Names<'_, '_>) -> Result<Self> {
        let (display_name, parent) = match names.get(id)?.cloned() {
            Some(r) => {
                let parent = match &r.parent {
                    Some(p) => names.display_name(p)?,
                    None => String::new(),
                };
                (r.display_name, parent)
            }
            None => (String::new(), String::new()),
        };
        Ok(ResourceRef {
            parent,
            ..ResourceRef::of(id, display_name)
        })
    }

    /// Its display name (else `type:id`), after its parent's when it has one: `acme/orders`.
    pub fn name(&self) -> String {
        let own = match self.display_name.is_empty() {
            true => format!("{}:{}", self.resource_type, self.resource),
            false => self.display_name.clone(),
        };
        match self.parent.is_empty() {
            true => own,
            false => format!("{}/{own}", self.parent),
        }
    }

    /// `type:id (display name)`, as [`label`](crate::label) names a resource; under another,
    /// `<parent>/<name> (type:id)` (`acme/orders (database:d1)`), as
    /// [`qualified`](crate::qualified) names it.
    pub fn label(&self) -> String {
        let id = format!("{}:{}", self.resource_type, self.resource);
        let named = !self.display_name.is_empty() && self.display_name != self.resource;
        match (named, self.parent.is_empty()) {
            (true, false) => format!("{}/{} ({id})", self.parent, self.display_name),
            (true, true) => format!("{id} ({})", self.display_name),
            (false, _) => id,
        }
    }
}

/// The resource types both syncs hold, sorted.
fn common_types(old: &Snapshot<'_>, new: &Snapshot<'_>) -> Result<Vec<String>> {
    let ids = |s: &Snapshot<'_>| -> Result<BTreeSet<String>> {
        Ok(s.resource_types()?.into_iter().map(|t| t.id).collect())
    };
    let (old_ids, new_ids) = (ids(old)?, ids(new)?);
    Ok(old_ids.intersection(&new_ids).cloned().collect())
}

/// One grant as a change, named: the entitlement by its slug (from the newer sync, else the
/// older), the resource by its display name, and what it was derived through.
fn change(
    grant: &Grant,
    names: &mut Names<'_, '_>,
    paths: &mut Paths<'_, '_>,
) -> Result<AccessChange> {
    let entitlement_id = grant.entitlement.id.clone();
    let entitlement = match names.entitlement(&entitlement_id)? {
        Some(e) => entitlement_name(e).to_owned(),
        None => entitlement_id.clone(),
    };
    let on = &grant.entitlement.resource.id;
    Ok(AccessChange {
        grant_id: grant.id.clone(),
        entitlement,
        entitlement_id,
        resource: ResourceRef::named(on, names)?,
        via: paths.of_grant(grant)?.via,
    })
}
