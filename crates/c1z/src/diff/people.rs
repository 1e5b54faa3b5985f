//! The people of a diff: a person removed paired with the person added of the same email (an
//! invitation accepted), and the security attributes of people in both syncs that changed.

use std::collections::{BTreeMap, BTreeSet};

use connector_sdk::{Purpose, Resource, ResourceId, Trait};

use crate::cap::Capped;
use crate::error::Result;
use crate::label::{entitlement_name, qualified};
use crate::principal::Attributes;
use crate::reader::RESOURCES;
use crate::snapshot::{Names, Snapshot};

use super::merge::{Side, merge};
use super::{AttributeChange, Replacement, ResourceRef};

/// Pairs each removed person with the added person of the same (non-empty) email, when one
/// email names exactly one of each.
pub(super) fn replacements(
    removed: &[(ResourceRef, String)],
    added: &[(ResourceRef, String)],
) -> Vec<Replacement> {
    let once = |side: &[(ResourceRef, String)]| -> BTreeMap<String, Option<ResourceRef>> {
        let mut by_email: BTreeMap<String, Option<ResourceRef>> = BTreeMap::new();
        for (r, email) in side.iter().filter(|(_, e)| !e.is_empty()) {
            let key = email.to_lowercase();
            match by_email.get_mut(&key) {
                Some(slot) => *slot = None,
                None => {
                    by_email.insert(key, Some(r.clone()));
                }
            }
        }
        by_email
    };
    let (gone, came) = (once(removed), once(added));
    let mut out: Vec<Replacement> = gone
        .into_iter()
        .filter_map(|(email, old)| {
            let new = came.get(&email)?.clone()?;
            Some(Replacement {
                email,
                old: old?,
                new,
            })
        })
        .collect();
    out.sort_by(|a, b| a.old.cmp(&b.old));
    out
}

/// The security attributes that changed for people in both syncs: their resource rows are
/// merged by id, and only rows whose bytes differ are decoded.
pub(super) fn attribute_changes(
    old: &Snapshot<'_>,
    new: &Snapshot<'_>,
    types: Option<&[String]>,
) -> Result<Vec<AttributeChange>> {
    let mut people: BTreeSet<String> = BTreeSet::new();
    for snapshot in [old, new] {
        for rt in snapshot.resource_types()? {
            if rt.traits.contains(&Trait::User) && types.is_none_or(|t| t.contains(&rt.id)) {
                people.insert(rt.id);
            }
        }
    }
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let people: Vec<String> = people.into_iter().collect();
    let mut changed: Vec<(Resource, Resource)> = Vec::new();
    merge(old, new, RESOURCES.name, Some(&people), true, |side| {
        if let Side::Both(before, after) = side
            && before != after
        {
            let decode = |data: &[u8]| {
                crate::convert::decode_resource(data)
                    .ok()
                    .map(Capped::capped)
            };
            if let (Some(b), Some(a)) = (decode(&before), decode(&after)) {
                changed.push((b, a));
            }
        }
    })?;
    let mut out = Vec::new();
    for (before, after) in changed {
        let (Some(b), Some(a)) = (Attributes::of(&before), Attributes::of(&after)) else {
            continue;
        };
        let deltas = b.changes(&a);
        if deltas.is_empty() {
            continue;
        }
        let permissions = permissions(new, &after.id)?;
        for (attribute, old_value, new_value) in deltas {
            out.push(AttributeChange {
                principal: ResourceRef::of(&after.id, after.display_name.clone()),
                attribute: attribute.to_owned(),
                old: old_value,
                new: new_value,
                permissions: permissions.clone(),
            });
        }
    }
    Ok(out)
}

/// What `principal` holds in `snapshot` that is more than membership: entitlements whose
/// purpose is permission or ownership, as `resource: slug`.
fn permissions(snapshot: &Snapshot<'_>, principal: &ResourceId) -> Result<Vec<String>> {
    let mut held = Vec::new();
    let mut names = Names::new(snapshot);
    for access in snapshot.access(principal)? {
        let parent = match &access.resource.parent {
            Some(p) => names.get(p)?.cloned(),
            None => None,
        };
        let on = qualified(&access.resource, parent.as_ref());
        for (entitlement, _) in &access.held {
            if matches!(
                entitlement.purpose,
                Purpose::Permission | Purpose::Ownership
            ) {
                held.push(format!("{on}: {}", entitlement_name(entitlement)));
            }
        }
    }
    Ok(held)
}
