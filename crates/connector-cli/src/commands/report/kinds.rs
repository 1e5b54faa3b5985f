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

    /// Whether the sync has resource type `id`.
    pub fn has_type(&self, id: &str) -> bool {
        self.0.contains_key(id)
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

/// The file's own words for what the report speaks of, from its resource types' display
/// names: the top-level resources (PlanetScale's organizations, a directory's groups) and
/// the groups people are members of (PlanetScale's teams). `inspect review` names its first
/// column the same way.
pub struct Words {
    /// One top-level resource, capitalized: `Organization`.
    pub scope: String,
    /// One, in a sentence: `organization`.
    pub scope_lower: String,
    /// Several, capitalized: `Organizations`.
    pub scopes: String,
    /// Several, in a sentence: `organizations`.
    pub scopes_lower: String,
    /// The groups, capitalized: `Teams`.
    pub groups: String,
}

impl Words {
    /// The words of `types`: the top-level resources are of type `scope_type` (`None` when
    /// the sync has none), the groups of the first type with the group trait.
    pub fn new(types: &Types, scope_type: Option<&str>) -> Words {
        let scope = match scope_type {
            Some(id) => types.name(id),
            None => "Resource".to_owned(),
        };
        let group = types
            .0
            .values()
            .filter(|t| t.traits.contains(&Trait::Group) && !t.display_name.is_empty())
            .map(|t| t.display_name.as_str())
            .min()
            .unwrap_or("Group");
        let scope = capitalized(&scope);
        let scopes = plural(&scope);
        Words {
            scope_lower: lower_first(&scope),
            scopes_lower: lower_first(&scopes),
            scopes,
            scope,
            groups: plural(&capitalized(group)),
        }
    }
}

/// `name` with its first letter a capital.
fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `name` with its first letter small, unless the second is a capital too (`OAuth`, `API`).
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), name.chars().nth(1)) {
        (Some(first), second) if !second.is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => name.to_owned(),
    }
}

/// The English plural of a type's name: `Organizations`, `Repositories`, `Classes`.
fn plural(name: &str) -> String {
    let lower = name.to_lowercase();
    if lower.ends_with('s')
        || lower.ends_with('x')
        || lower.ends_with("sh")
        || lower.ends_with("ch")
    {
        return format!("{name}es");
    }
    if let Some(stem) = name.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    format!("{name}s")
}

/// Which kinds of principal other than people the sync collected: a connector lists a part
/// (service tokens, invitations) only when asked, so a kind the sync has no resource type for
/// was not looked at, and its count is not zero but unknown.
pub struct Collected {
    /// A credential type (the secret trait) was synced, or a service account found.
    pub credentials: bool,
    /// An invitation type was synced.
    pub invitations: bool,
    /// The display names of the credential types synced.
    pub credential_types: Vec<String>,
}

impl Collected {
    /// What the sync of `types` collected; `service_accounts`: whether it found any.
    pub fn of(types: &Types, service_accounts: bool) -> Collected {
        let mut credential_types: Vec<String> = types
            .0
            .values()
            .filter(|t| t.traits.contains(&Trait::Secret))
            .map(|t| types.name(&t.id))
            .collect();
        credential_types.sort();
        Collected {
            credentials: service_accounts || !credential_types.is_empty(),
            invitations: types
                .0
                .iter()
                .any(|(id, t)| Kind::is_invitation_type(id, Some(t))),
            credential_types,
        }
    }

    /// What was not collected, in words, for the provenance.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !self.credentials {
            missing.push("credentials and service accounts (no type with the secret trait)");
        }
        if !self.invitations {
            missing.push("invitations (no invitation type)");
        }
        missing
    }
}

/// What a section or finding of a part the sync did not collect says instead of "None.".
pub const NOT_COLLECTED: &str = "Not collected in this sync: it synced no resource type of this kind (the connector's option for it was off, or it has none). See the provenance.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_make_the_reports_words() {
        assert_eq!(plural("Organization"), "Organizations");
        assert_eq!(plural("Repository"), "Repositories");
        assert_eq!(plural("Class"), "Classes");
        assert_eq!(plural("Key"), "Keys");
        assert_eq!(lower_first("Organizations"), "organizations");
        assert_eq!(lower_first("OAuth applications"), "OAuth applications");
        let types = Types(
            [
                connector_sdk::ResourceType::group(),
                connector_sdk::ResourceType::user(),
            ]
            .into_iter()
            .map(|t| (t.id.clone(), t))
            .collect(),
        );
        let words = Words::new(&types, Some("group"));
        assert_eq!(
            (
                words.scope.as_str(),
                words.scopes_lower.as_str(),
                words.groups.as_str()
            ),
            ("Group", "groups", "Groups")
        );
        assert_eq!(Words::new(&types, None).scope, "Resource");
    }
}
