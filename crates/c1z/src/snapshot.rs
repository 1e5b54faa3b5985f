//! [`Snapshot`]: one sync of a `.c1z`, and the questions a reviewer asks of it — who holds an
//! entitlement, everything one principal can reach, totals per resource type — answered by
//! streaming the file's rows one at a time, never by holding a whole sync in memory.

use std::collections::{BTreeMap, HashMap};

use connector_sdk::{Entitlement, Grant, Resource, ResourceId, ResourceType, TypeCounts};

use crate::error::{Error, Result};
use crate::reader::{
    C1zReader, ENTITLEMENTS, EntitlementFilter, GRANTS, GrantFilter, RESOURCES, ResourceFilter,
    SyncRun,
};

/// One sync of an open file.
#[derive(Debug)]
pub struct Snapshot<'r> {
    reader: &'r C1zReader,
    run: SyncRun,
}

/// A principal holding an entitlement: the grant, and the principal as the file describes it
/// (only its id when the file has no resource for it).
#[derive(Clone, Debug, PartialEq)]
pub struct Holder {
    /// Who.
    pub principal: Resource,
    /// The grant, with its `sources` when it came from grant expansion.
    pub grant: Grant,
}

/// What one principal holds on one resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Access {
    /// The resource (only its id when the file has no resource for it).
    pub resource: Resource,
    /// Each entitlement held on it, with the grant that gives it, in entitlement id order.
    pub held: Vec<(Entitlement, Grant)>,
}

impl C1zReader {
    /// The sync `sync_id`, or when `None` the latest finished full sync (else the latest sync,
    /// unfinished: check [`SyncRun::is_finished`]).
    pub fn snapshot(&self, sync_id: Option<&str>) -> Result<Snapshot<'_>> {
        let run = match sync_id {
            Some(id) => self.sync(id)?,
            None => self.latest_sync()?,
        };
        Ok(Snapshot { reader: self, run })
    }

    /// The snapshot of a sync run read from this file.
    pub fn snapshot_of(&self, run: SyncRun) -> Result<Snapshot<'_>> {
        self.check_sync(&run.id)?;
        Ok(Snapshot { reader: self, run })
    }
}

impl<'r> Snapshot<'r> {
    /// The file.
    pub fn reader(&self) -> &'r C1zReader {
        self.reader
    }

    /// The sync run.
    pub fn run(&self) -> &SyncRun {
        &self.run
    }

    /// The sync id.
    pub fn id(&self) -> &str {
        &self.run.id
    }

    /// The resource types, in write order.
    pub fn resource_types(&self) -> Result<Vec<ResourceType>> {
        self.reader.resource_types(&self.run.id)
    }

    /// Calls `f` with each resource matching `filter`, in write order.
    pub fn for_each_resource<E: From<Error>>(
        &self,
        filter: ResourceFilter,
        f: impl FnMut(Resource) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.reader.for_each_resource(&self.run.id, filter, f)
    }

    /// Calls `f` with each entitlement matching `filter`, in write order.
    pub fn for_each_entitlement<E: From<Error>>(
        &self,
        filter: EntitlementFilter,
        f: impl FnMut(Entitlement) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.reader.for_each_entitlement(&self.run.id, filter, f)
    }

    /// Calls `f` with each grant matching `filter`, in write order.
    pub fn for_each_grant<E: From<Error>>(
        &self,
        filter: GrantFilter,
        f: impl FnMut(Grant) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.reader.for_each_grant(&self.run.id, filter, f)
    }

    /// The resource with id `id`, if the sync has it.
    pub fn resource(&self, id: &ResourceId) -> Result<Option<Resource>> {
        self.reader
            .by_external_id(&RESOURCES, &self.run.id, &id.to_string())
    }

    /// The entitlement with id `id`, if the sync has it.
    pub fn entitlement(&self, id: &str) -> Result<Option<Entitlement>> {
        self.reader.by_external_id(&ENTITLEMENTS, &self.run.id, id)
    }

    /// The grant with id `id`, if the sync has it.
    pub fn grant(&self, id: &str) -> Result<Option<Grant>> {
        self.reader.by_external_id(&GRANTS, &self.run.id, id)
    }

    /// Every principal holding entitlement `entitlement_id`, in write order of the grants.
    pub fn holders(&self, entitlement_id: &str) -> Result<Vec<Holder>> {
        let mut holders = Vec::new();
        self.for_each_holder(entitlement_id, |holder| {
            holders.push(holder);
            Ok::<(), Error>(())
        })?;
        Ok(holders)
    }

    /// Calls `f` with each principal holding entitlement `entitlement_id`, in write order of
    /// the grants, without holding them all.
    pub fn for_each_holder<E: From<Error>>(
        &self,
        entitlement_id: &str,
        mut f: impl FnMut(Holder) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut names = Names::new(self);
        let filter = GrantFilter {
            entitlement_id: Some(entitlement_id.to_owned()),
            ..Default::default()
        };
        self.for_each_grant(filter, |grant| {
            let principal = names.resource_or_id(&grant.principal)?;
            f(Holder { principal, grant })
        })
    }

    /// Everything `principal` holds, per resource, in resource id order.
    pub fn access(&self, principal: &ResourceId) -> Result<Vec<Access>> {
        let mut names = Names::new(self);
        let mut held: BTreeMap<ResourceId, Vec<(Entitlement, Grant)>> = BTreeMap::new();
        let filter = GrantFilter {
            principal: Some(principal.clone()),
            ..Default::default()
        };
        self.for_each_grant(filter, |grant| {
            let entitlement = names
                .entitlement(&grant.entitlement.id)?
                .cloned()
                .unwrap_or_else(|| grant.entitlement.clone());
            held.entry(grant.entitlement.resource.id.clone())
                .or_default()
                .push((entitlement, grant));
            Ok(())
        })?;
        held.into_iter()
            .map(|(id, mut held)| {
                held.sort_by(|a, b| a.0.id.cmp(&b.0.id));
                let resource = names.resource_of(&id)?;
                Ok(Access { resource, held })
            })
            .collect()
    }

    /// Resources, entitlements and grants per resource type (entitlements and grants counted on
    /// the type of the resource they are on); every resource type of the sync is present.
    pub fn stats(&self) -> Result<BTreeMap<String, TypeCounts>> {
        let mut per_type: BTreeMap<String, TypeCounts> = self
            .resource_types()?
            .into_iter()
            .map(|t| (t.id, TypeCounts::default()))
            .collect();
        let id = &self.run.id;
        for (table, field) in [
            ("v1_resources", 0),
            ("v1_entitlements", 1),
            ("v1_grants", 2),
        ] {
            for (rt, n) in self.reader.count_by_type(table, id)? {
                let counts = per_type.entry(rt).or_default();
                match field {
                    0 => counts.resources = n,
                    1 => counts.entitlements = n,
                    _ => counts.grants = n,
                }
            }
        }
        Ok(per_type)
    }
}

/// Resources looked up by id and remembered: how listings name the resources and principals
/// their rows point at without reading every resource of the sync up front.
#[derive(Debug)]
pub struct Names<'s, 'r> {
    snapshots: Vec<&'s Snapshot<'r>>,
    cache: HashMap<ResourceId, Option<Resource>>,
    entitlements: HashMap<String, Option<Entitlement>>,
}

impl<'s, 'r> Names<'s, 'r> {
    /// Names from `snapshot`.
    pub fn new(snapshot: &'s Snapshot<'r>) -> Self {
        Names::of(vec![snapshot])
    }

    /// Names from the first of `snapshots` that has the resource (a diff's newer sync, then its
    /// older one).
    pub fn of(snapshots: Vec<&'s Snapshot<'r>>) -> Self {
        Names {
            snapshots,
            cache: HashMap::new(),
            entitlements: HashMap::new(),
        }
    }

    /// The resource with id `id`, if any snapshot has it.
    pub fn get(&mut self, id: &ResourceId) -> Result<Option<&Resource>> {
        if !self.cache.contains_key(id) {
            let mut found = None;
            for snapshot in &self.snapshots {
                found = snapshot.resource(id)?;
                if found.is_some() {
                    break;
                }
            }
            self.cache.insert(id.clone(), found);
        }
        Ok(self.cache.get(id).and_then(Option::as_ref))
    }

    /// The entitlement with id `id`, if any snapshot has it.
    pub fn entitlement(&mut self, id: &str) -> Result<Option<&Entitlement>> {
        if !self.entitlements.contains_key(id) {
            let mut found = None;
            for snapshot in &self.snapshots {
                found = snapshot.entitlement(id)?;
                if found.is_some() {
                    break;
                }
            }
            self.entitlements.insert(id.to_owned(), found);
        }
        Ok(self.entitlements.get(id).and_then(Option::as_ref))
    }

    /// The stored resource for `partial`'s id, or `partial` itself when none is stored.
    pub fn resource_or_id(&mut self, partial: &Resource) -> Result<Resource> {
        Ok(self
            .get(&partial.id)?
            .cloned()
            .unwrap_or_else(|| partial.clone()))
    }

    /// The stored resource with id `id`, or a resource of only that id when none is stored.
    pub fn resource_of(&mut self, id: &ResourceId) -> Result<Resource> {
        Ok(self.get(id)?.cloned().unwrap_or_else(|| Resource {
            id: id.clone(),
            ..Default::default()
        }))
    }

    /// The display name of `id` (empty when unknown).
    pub fn display_name(&mut self, id: &ResourceId) -> Result<String> {
        Ok(self
            .get(id)?
            .map(|r| r.display_name.clone())
            .unwrap_or_default())
    }
}
