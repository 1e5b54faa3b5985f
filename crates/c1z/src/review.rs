//! The review view: one row per person per top-level resource (an organization, in most
//! connectors), with what an access review asks of it — who, their security attributes, the
//! roles they hold on it, the groups under it they are in, and their other access under it.
//!
//! It knows no connector: people are principals with the user trait; a top-level resource is a
//! resource without a parent that people hold access on or under; groups are resources with the
//! group trait. Access that grant expansion derived (a grant with `sources`) says through which
//! group it comes, so database access through teams shows up as soon as a sync records it.

use std::collections::{HashMap, HashSet};

use connector_sdk::{GrantSources, Purpose, Resource, ResourceId, ResourceType, Trait};

use crate::error::{Error, Result};
use crate::label::{entitlement_name, short_name};
use crate::path::Paths;
use crate::principal::{Attributes, Kind};
use crate::reader::GrantRow;
use crate::snapshot::{Names, Snapshot};

/// How deep parents are followed to find a resource's top-level resource.
const MAX_DEPTH: usize = 32;

/// One person's access within one top-level resource.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewRow {
    /// The top-level resource (e.g. the organization).
    pub scope: Resource,
    /// The person: their id and display name (the rest of their resource by
    /// [`Snapshot::resource`]).
    pub principal: Resource,
    /// What kind of principal they are (a person's account, a service account, an invitation).
    pub kind: Kind,
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

impl ReviewRow {
    /// The groups, each once by name (with the groups expanded membership comes through:
    /// `Payments (via Engineering)`), sorted: the TEAMS cell of the review and the report.
    pub fn group_names(&self) -> Vec<String> {
        group_names(&self.groups)
    }
}

/// A review row lent while the review is made (see [`Snapshot::for_each_review_row_ref`]): the
/// same facts as a [`ReviewRow`], borrowed from the review's one copy of each rather than
/// copied into every row.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewRowRef<'a> {
    /// The top-level resource (e.g. the organization).
    pub scope: &'a Resource,
    /// The person: their id and display name (the rest of their resource by
    /// [`Snapshot::resource`]).
    pub principal: &'a Resource,
    /// What kind of principal they are (a person's account, a service account, an invitation).
    pub kind: Kind,
    /// Their email, MFA, SSO and status.
    pub attributes: &'a Attributes,
    /// What they hold on the top-level resource itself (its roles), in slug order.
    pub roles: Vec<&'a Held>,
    /// The groups under it they hold something on (their memberships), by name.
    pub groups: Vec<&'a Held>,
    /// What they hold on its other resources, by resource then slug.
    pub access: Vec<&'a Held>,
    /// How many top-level resources they have rows in (2 or more: in several organizations).
    pub scopes: usize,
}

impl ReviewRowRef<'_> {
    /// As [`ReviewRow::group_names`].
    pub fn group_names(&self) -> Vec<String> {
        group_names(self.groups.iter().copied())
    }

    /// The row as an owned [`ReviewRow`].
    pub fn to_row(&self) -> ReviewRow {
        let owned = |list: &[&Held]| list.iter().map(|h| (*h).clone()).collect();
        ReviewRow {
            scope: self.scope.clone(),
            principal: self.principal.clone(),
            kind: self.kind,
            attributes: self.attributes.clone(),
            roles: owned(&self.roles),
            groups: owned(&self.groups),
            access: owned(&self.access),
            scopes: self.scopes,
        }
    }
}

/// The groups of a row, each once by name, sorted (see [`ReviewRow::group_names`]).
fn group_names<'a>(groups: impl IntoIterator<Item = &'a Held>) -> Vec<String> {
    let names: std::collections::BTreeSet<String> = groups
        .into_iter()
        .map(|h| match h.via.is_empty() {
            true => h.resource.clone(),
            false => format!("{} (via {})", h.resource, h.via.join(", ")),
        })
        .collect();
    names.into_iter().collect()
}

/// One entitlement held, as the review names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Whether the entitlement is a permission or an ownership (a role, an admin), not a
    /// membership: what makes a person privileged.
    pub permission: bool,
}

impl Held {
    /// `slug`, `slug (via A, B)`, or `slug (direct, via A)`.
    pub fn describe(&self) -> String {
        let path = crate::path::describe(self.direct, &self.via);
        match path.is_empty() {
            true => self.slug.clone(),
            false => format!("{} ({path})", self.slug),
        }
    }
}

/// `held` grouped where it repeats, as listings print it: one line per way of holding (slug
/// and path), naming every resource it is held on — `orders, users: admin (via admin of
/// organization acme)` — in the order of first appearance.
pub fn grouped<'a>(held: impl IntoIterator<Item = &'a Held>) -> Vec<String> {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for h in held {
        let how = h.describe();
        match groups.iter_mut().find(|(d, _)| *d == how) {
            Some((_, resources)) => {
                if !resources.contains(&h.resource.as_str()) {
                    resources.push(&h.resource);
                }
            }
            None => groups.push((how, vec![h.resource.as_str()])),
        }
    }
    groups
        .into_iter()
        .map(|(how, resources)| format!("{}: {how}", resources.join(", ")))
        .collect()
}

/// What one person holds within one top-level resource, as indexes into the [`Helds`] table.
#[derive(Default)]
struct Acc {
    roles: Vec<u32>,
    groups: Vec<u32>,
    access: Vec<u32>,
}

/// Every distinct [`Held`] of the review, once: people hold the same few entitlements through
/// the same few paths, so a person's access is kept as small indexes, not as strings.
#[derive(Default)]
struct Helds {
    all: Vec<Held>,
    index: HashMap<Held, u32>,
}

impl Helds {
    fn intern(&mut self, held: Held) -> u32 {
        if let Some(&i) = self.index.get(&held) {
            return i;
        }
        let i = self.all.len() as u32;
        self.all.push(held.clone());
        self.index.insert(held, i);
        i
    }

    /// `list` in [`Held`] order without repeats (one index per distinct held).
    fn sort(&self, list: &mut Vec<u32>) {
        list.sort_by(|a, b| self.all[*a as usize].cmp(&self.all[*b as usize]));
        list.dedup();
    }

    fn resolve(&self, list: &[u32]) -> Vec<&Held> {
        list.iter().map(|i| &self.all[*i as usize]).collect()
    }
}

/// Which list of a row a held entitlement goes to: the top-level resource's own roles, a group
/// under it, or another resource under it.
#[derive(Clone, Copy)]
enum Place {
    Roles,
    Groups,
    Access,
}

/// A person with rows in the review: how the rows sort, what their rows say of them (kept
/// from their resource, read once), the top-level resources they have rows in (indexes into
/// the scopes, in order of discovery), and what they hold in each.
struct Person {
    key: String,
    /// Their display name (their id is the key they are found by), the rest of their resource
    /// left out: kept whole, the resources of 100,000 people took 70 MB more at the review's
    /// peak, close to its 200 MB bound, and reading each again for its row was a fifth of the
    /// review's time.
    name: String,
    kind: Kind,
    attributes: Attributes,
    scopes: Vec<usize>,
    held: Vec<Acc>,
}

impl Person {
    /// The person `resource` is, of kind `kind`, and their id.
    fn of(resource: Resource, kind: Kind) -> (ResourceId, Person) {
        let person = Person {
            key: short_name(&resource).to_lowercase(),
            kind,
            attributes: Attributes::of(&resource).unwrap_or_default(),
            name: resource.display_name,
            scopes: Vec::new(),
            held: Vec::new(),
        };
        (resource.id, person)
    }
}

impl Snapshot<'_> {
    /// The review rows of the sync, sorted by top-level resource, then person's display name.
    pub fn review(&self) -> Result<Vec<ReviewRow>> {
        let mut rows = Vec::new();
        self.for_each_review_row(|row| {
            rows.push(row);
            Ok::<(), Error>(())
        })?;
        Ok(rows)
    }

    /// Calls `f` with each review row, sorted by top-level resource, then person's display
    /// name, without holding the rows: each row copied from the one lent by
    /// [`for_each_review_row_ref`](Self::for_each_review_row_ref).
    pub fn for_each_review_row<E: From<Error>>(
        &self,
        mut f: impl FnMut(ReviewRow) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.for_each_review_row_ref(|row| f(row.to_row()))
    }

    /// Calls `f` with each review row lent, sorted by top-level resource, then person's display
    /// name, without holding the rows or copying what they share: one pass reads every resource
    /// once, keeping of each person their name, kind and attributes; one pass reads every grant
    /// once, in row order, taking who holds it and on what from the table's columns and decoding
    /// only its sources, and keeps what each person holds as indexes into one table of the
    /// distinct [`Held`]s; the rows are then made one at a time. Holds a few small facts per
    /// person, never their access as text.
    pub fn for_each_review_row_ref<E: From<Error>>(
        &self,
        mut f: impl FnMut(ReviewRowRef<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let _read = self.reader().read_together()?;
        let types: HashMap<String, ResourceType> = self
            .resource_types()?
            .into_iter()
            .map(|t| (t.id.clone(), t))
            .collect();
        let has = |r: &Resource, t: Trait| {
            r.has_trait(t)
                || types
                    .get(&r.id.resource_type)
                    .is_some_and(|rt| rt.traits.contains(&t))
        };
        // People by their own trait, and every resource's parent.
        let mut people: HashMap<ResourceId, Person> = HashMap::new();
        let mut parents: HashMap<ResourceId, ResourceId> = HashMap::new();
        self.for_each_resource(Default::default(), |r| {
            if let Some(parent) = &r.parent {
                parents.insert(r.id.clone(), parent.clone());
            }
            if has(&r, Trait::User) {
                let kind = Kind::of(&r, types.get(&r.id.resource_type));
                let (id, person) = Person::of(r, kind);
                people.insert(id, person);
            }
            Ok::<(), Error>(())
        })?;
        // Everyone's grants in one pass in row order (a sequential read; a query per person
        // reads the file at random): who holds it and on what from the table's columns, and
        // of the blob only its sources. Each distinct way of holding (entitlement, resource,
        // sources) is worked out once and kept as an index into the distinct helds.
        let mut tops: HashMap<ResourceId, ResourceId> = HashMap::new();
        let mut scope_index: HashMap<ResourceId, usize> = HashMap::new();
        let mut scopes: Vec<ResourceId> = Vec::new();
        let mut names = Names::new(self);
        let mut paths = Paths::new(self);
        let mut helds = Helds::default();
        let mut ways: HashMap<Vec<u8>, (u32, usize, Place)> = HashMap::new();
        let mut key = Vec::new();
        // The principal of the row, in buffers reused from row to row.
        let mut principal = ResourceId::default();
        self.reader().for_each_grant_row(self.id(), |row| {
            principal.resource_type.clear();
            principal.resource_type.push_str(&row.principal[0]);
            principal.resource.clear();
            principal.resource.push_str(&row.principal[1]);
            let person = match people.get_mut(&principal) {
                Some(person) => person,
                // A principal the sync has no resource for is a person by its type's trait.
                None if types
                    .get(&principal.resource_type)
                    .is_some_and(|rt| rt.traits.contains(&Trait::User)) =>
                {
                    let resource = Resource {
                        id: principal.clone(),
                        ..Default::default()
                    };
                    let kind = Kind::of(&resource, types.get(&principal.resource_type));
                    let (id, person) = Person::of(resource, kind);
                    people.entry(id).or_insert(person)
                }
                None => return Ok(()),
            };
            // The way is keyed by the sources' bytes, decoded only the first time they come.
            key.clear();
            for part in [&row.entitlement_id, &row.on[0], &row.on[1]] {
                key.extend_from_slice(part.as_bytes());
                key.push(0);
            }
            if !row.sources_bytes(&mut key) {
                // Not well formed: decoding says what is wrong.
                row.sources()?;
            }
            let (held, index, place) = match ways.get(key.as_slice()) {
                Some(way) => *way,
                None => {
                    let sources = row.sources()?;
                    let on_id = ResourceId::new(&*row.on[0], &*row.on[1]);
                    let on = match names.get(&on_id)? {
                        Some(on) => on.clone(),
                        None => row.entitlement()?.resource,
                    };
                    let top = top_of(&on.id, &parents, &mut tops);
                    let place = match (on.id == top, has(&on, Trait::Group)) {
                        (true, _) => Place::Roles,
                        (false, true) => Place::Groups,
                        (false, false) => Place::Access,
                    };
                    let next = scopes.len();
                    let index = *scope_index.entry(top.clone()).or_insert(next);
                    if index == next {
                        scopes.push(top);
                    }
                    let named = held(&row, sources, &on, &mut names, &mut paths)?;
                    let way = (helds.intern(named), index, place);
                    ways.insert(key.clone(), way);
                    way
                }
            };
            let slot = match person.scopes.iter().position(|s| *s == index) {
                Some(slot) => slot,
                None => {
                    // Exactly: most people are in one organization, and a vector grown by
                    // push holds four.
                    person.scopes.reserve_exact(1);
                    person.held.reserve_exact(1);
                    person.scopes.push(index);
                    person.held.push(Acc::default());
                    person.scopes.len() - 1
                }
            };
            let acc = &mut person.held[slot];
            match place {
                Place::Roles => acc.roles.push(held),
                Place::Groups => acc.groups.push(held),
                Place::Access => acc.access.push(held),
            }
            Ok(())
        })?;
        let mut order: Vec<(String, usize)> = Vec::with_capacity(scopes.len());
        for (i, id) in scopes.iter().enumerate() {
            order.push((short_name(&names.resource_of(id)?).to_lowercase(), i));
        }
        order.sort();
        let mut people: Vec<(ResourceId, Person)> = people
            .into_iter()
            .filter(|(_, p)| !p.scopes.is_empty())
            .collect();
        people.sort_by(|(a_id, a), (b_id, b)| (&a.key, a_id).cmp(&(&b.key, b_id)));
        for (_, index) in order {
            let scope = names.resource_of(&scopes[index])?;
            for (id, person) in &mut people {
                let Some(slot) = person.scopes.iter().position(|s| *s == index) else {
                    continue;
                };
                let principal = Resource {
                    id: id.clone(),
                    display_name: person.name.clone(),
                    ..Default::default()
                };
                let acc = std::mem::take(&mut person.held[slot]);
                let [mut roles, mut groups, mut access] = [acc.roles, acc.groups, acc.access];
                for list in [&mut roles, &mut groups, &mut access] {
                    helds.sort(list);
                }
                f(ReviewRowRef {
                    scope: &scope,
                    attributes: &person.attributes,
                    scopes: person.scopes.len(),
                    principal: &principal,
                    kind: person.kind,
                    roles: helds.resolve(&roles),
                    groups: helds.resolve(&groups),
                    access: helds.resolve(&access),
                })?;
            }
        }
        Ok(())
    }
}

/// The top-level resource above `id` (itself when it has no parent), remembered in `tops`.
fn top_of(
    id: &ResourceId,
    parents: &HashMap<ResourceId, ResourceId>,
    tops: &mut HashMap<ResourceId, ResourceId>,
) -> ResourceId {
    if let Some(top) = tops.get(id) {
        return top.clone();
    }
    let mut current = id;
    let mut seen = HashSet::new();
    while seen.insert(current) && seen.len() <= MAX_DEPTH {
        match parents.get(current) {
            Some(parent) => current = parent,
            None => break,
        }
    }
    tops.insert(id.clone(), current.clone());
    current.clone()
}

/// The grant of `row` as the review names it, on `on`, its entitlement's slug read from the
/// sync (a grant's copy may lack it).
fn held(
    row: &GrantRow<'_>,
    sources: Option<GrantSources>,
    on: &Resource,
    names: &mut Names<'_, '_>,
    paths: &mut Paths<'_, '_>,
) -> Result<Held> {
    let id = &*row.entitlement_id;
    let embedded;
    let entitlement = match names.entitlement(id)? {
        Some(e) => e,
        None => {
            embedded = row.entitlement()?;
            &embedded
        }
    };
    let slug = entitlement_name(entitlement).to_owned();
    let permission = matches!(
        entitlement.purpose,
        Purpose::Permission | Purpose::Ownership
    );
    let path = paths.of_sources(id, sources.as_ref())?;
    Ok(Held {
        resource: short_name(on),
        slug,
        entitlement_id: id.to_owned(),
        direct: path.direct,
        via: path.via,
        permission,
    })
}
