//! What changed between two syncs: access gained and lost per principal (grants added and
//! removed), and resources added and removed.
//!
//! Both syncs are read in `external_id` order and merged, so a diff holds only the changes in
//! memory, however large the syncs. Identity is by baton's ids (resource `<type>:<id>`, grant
//! id), compared as opaque strings.

use std::collections::BTreeMap;

use connector_sdk::{Grant, ResourceId};
use serde::Serialize;

use crate::error::Result;
use crate::reader::{C1zReader, GRANTS, RESOURCES};
use crate::snapshot::{Names, Snapshot};

/// The changes from an older snapshot to a newer one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// The older sync's id.
    pub old_sync_id: String,
    /// The newer sync's id.
    pub new_sync_id: String,
    /// Resources only in the newer sync, sorted by type and id.
    pub resources_added: Vec<ResourceRef>,
    /// Resources only in the older sync, sorted by type and id.
    pub resources_removed: Vec<ResourceRef>,
    /// Principals whose grants changed, sorted by type and id.
    pub access: Vec<PrincipalChanges>,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.resources_added.is_empty()
            && self.resources_removed.is_empty()
            && self.access.is_empty()
    }

    /// Number of grants added.
    pub fn grants_added(&self) -> usize {
        self.access.iter().map(|p| p.gained.len()).sum()
    }

    /// Number of grants removed.
    pub fn grants_removed(&self) -> usize {
        self.access.iter().map(|p| p.lost.len()).sum()
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
}

/// Compares `old` with `new` (two syncs of one file, or of two files).
pub fn diff(old: &Snapshot<'_>, new: &Snapshot<'_>) -> Result<Diff> {
    let mut names = Names::of(vec![new, old]);

    let (added, removed) = merge(old, new, RESOURCES.name)?;
    let resource = |snapshot: &Snapshot<'_>, external_id: String| -> Result<ResourceRef> {
        let found = snapshot
            .reader()
            .by_external_id(&RESOURCES, snapshot.id(), &external_id)?;
        Ok(match found {
            Some(r) => ResourceRef::of(&r.id, r.display_name),
            None => ResourceRef {
                resource: external_id,
                ..Default::default()
            },
        })
    };
    let resources_added = added
        .into_iter()
        .map(|id| resource(new, id))
        .collect::<Result<Vec<_>>>()?;
    let resources_removed = removed
        .into_iter()
        .map(|id| resource(old, id))
        .collect::<Result<Vec<_>>>()?;

    let (gained, lost) = merge(old, new, GRANTS.name)?;
    let mut slugs: BTreeMap<String, String> = BTreeMap::new();
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
            let change = change(&grant, &mut names, &mut slugs, [new, old])?;
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
    Ok(Diff {
        old_sync_id: old.id().to_owned(),
        new_sync_id: new.id().to_owned(),
        resources_added,
        resources_removed,
        access,
    })
}

impl ResourceRef {
    fn of(id: &ResourceId, display_name: String) -> Self {
        ResourceRef {
            resource_type: id.resource_type.clone(),
            resource: id.resource.clone(),
            display_name,
        }
    }
}

/// One grant as a change, named: the entitlement by its slug (from the newer sync, else the
/// older), the resource by its display name.
fn change(
    grant: &Grant,
    names: &mut Names<'_, '_>,
    slugs: &mut BTreeMap<String, String>,
    snapshots: [&Snapshot<'_>; 2],
) -> Result<AccessChange> {
    let entitlement_id = grant.entitlement.id.clone();
    if !slugs.contains_key(&entitlement_id) {
        let mut name = entitlement_id.clone();
        for snapshot in snapshots {
            match snapshot.entitlement(&entitlement_id)? {
                Some(e) if !e.slug.is_empty() => name = e.slug,
                Some(e) if !e.display_name.is_empty() => name = e.display_name,
                _ => continue,
            }
            break;
        }
        slugs.insert(entitlement_id.clone(), name);
    }
    let on = &grant.entitlement.resource.id;
    Ok(AccessChange {
        grant_id: grant.id.clone(),
        entitlement: slugs[&entitlement_id].clone(),
        entitlement_id,
        resource: ResourceRef::of(on, names.display_name(on)?),
    })
}

/// The external ids of `table` only in `new` and only in `old`, each in byte order: a merge of
/// the two sorted id streams, holding nothing but the differences.
fn merge(
    old: &Snapshot<'_>,
    new: &Snapshot<'_>,
    table: &str,
) -> Result<(Vec<String>, Vec<String>)> {
    let (mut only_new, mut only_old) = (Vec::new(), Vec::new());
    let mut old_ids = Ids::new(old.reader(), table, old.id())?;
    let mut new_ids = Ids::new(new.reader(), table, new.id())?;
    let mut old_rows = old_ids.rows()?;
    let mut new_rows = new_ids.rows()?;
    let (mut a, mut b) = (old_rows.next()?, new_rows.next()?);
    loop {
        match (a.take(), b.take()) {
            (None, None) => break,
            (Some(x), None) => {
                only_old.push(x);
                a = old_rows.next()?;
            }
            (None, Some(y)) => {
                only_new.push(y);
                b = new_rows.next()?;
            }
            (Some(x), Some(y)) => match x.cmp(&y) {
                std::cmp::Ordering::Less => {
                    only_old.push(x);
                    a = old_rows.next()?;
                    b = Some(y);
                }
                std::cmp::Ordering::Greater => {
                    only_new.push(y);
                    b = new_rows.next()?;
                    a = Some(x);
                }
                std::cmp::Ordering::Equal => {
                    a = old_rows.next()?;
                    b = new_rows.next()?;
                }
            },
        }
    }
    Ok((only_new, only_old))
}

/// The sorted `external_id`s of one table of one sync.
struct Ids<'r> {
    reader: &'r C1zReader,
    statement: rusqlite::Statement<'r>,
    sync_id: &'r str,
    table: &'r str,
}

impl<'r> Ids<'r> {
    fn new(reader: &'r C1zReader, table: &'r str, sync_id: &'r str) -> Result<Self> {
        Ok(Ids {
            reader,
            statement: reader.external_ids(table)?,
            sync_id,
            table,
        })
    }

    fn rows(&mut self) -> Result<IdRows<'_, 'r>> {
        let context = format!("reading {}", self.table);
        let rows = self
            .statement
            .query([self.sync_id])
            .map_err(|e| self.reader.sqlite(&context, e))?;
        Ok(IdRows {
            reader: self.reader,
            rows,
            context,
        })
    }
}

struct IdRows<'s, 'r> {
    reader: &'r C1zReader,
    rows: rusqlite::Rows<'s>,
    context: String,
}

impl IdRows<'_, '_> {
    fn next(&mut self) -> Result<Option<String>> {
        let row = self
            .rows
            .next()
            .map_err(|e| self.reader.sqlite(&self.context, e))?;
        row.map(|r| r.get::<_, String>(0))
            .transpose()
            .map_err(|e| self.reader.sqlite(&self.context, e))
    }
}
