//! The resource types of the sync: what kind of principal a resource is (a person, a service
//! account or credential, an invitation), from baton's traits and the type's own names.

use std::collections::{BTreeSet, HashMap};

use c1z::{Kind, Snapshot};
use connector_sdk::{Resource, ResourceType, Trait};

use crate::error::Result;

/// The resource types of the sync by id: traits and names, for the kind of a principal.
pub struct Types(HashMap<String, ResourceType>);

impl Types {
    /// The resource types of `s`.
    pub fn of(s: &Snapshot<'_>) -> Result<Types> {
        Ok(Types(
            s.resource_types()?
                .into_iter()
                .map(|t| (t.id.clone(), t))
                .collect(),
        ))
    }

    fn has(&self, r: &Resource, t: Trait) -> bool {
        r.has_trait(t)
            || self
                .0
                .get(&r.id.resource_type)
                .is_some_and(|rt| rt.traits.contains(&t))
    }

    /// The kind of a principal, or of a credential (the secret trait) without a user trait;
    /// `None` for anything else.
    pub fn kind(&self, r: &Resource) -> Option<Kind> {
        if !self.has(r, Trait::User) && !self.has(r, Trait::Secret) {
            return None;
        }
        Some(Kind::of(r, self.0.get(&r.id.resource_type)))
    }

    /// The display name of resource type `id` (the id when it has none).
    pub fn name(&self, id: &str) -> String {
        match self.0.get(id) {
            Some(rt) if !rt.display_name.is_empty() => rt.display_name.clone(),
            _ => id.to_owned(),
        }
    }

    /// Every type's display name, sorted, once each.
    pub fn names(&self) -> Vec<String> {
        let names: BTreeSet<&str> = self.0.values().map(|t| t.display_name.as_str()).collect();
        names.into_iter().map(str::to_owned).collect()
    }
}
