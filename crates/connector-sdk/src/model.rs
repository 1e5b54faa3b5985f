//! The resource model: typed mirrors of baton's `c1.connector.v2` messages.
//!
//! Field names and meanings follow baton (reference: `baton-model.md` §2 and §4.3) so that the
//! `c1z` crate can encode every value with baton's field numbers. Every struct derives `Default`,
//! so a value can be built with struct-update syntax; the constructors fill baton's defaults.

use serde::{Deserialize, Serialize};

use crate::annotations::{Annotation, Annotations, GroupTrait, UserTrait};
use crate::ids;
use crate::value::Profile;

/// What kind of principal or object a resource type describes (`ResourceType.Trait`).
///
/// Every value of baton's enum, so that files from any connector round-trip. The five that
/// connectors commonly use have typed annotation messages ([`UserTrait`] …); the others travel as
/// [`Annotation::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Trait {
    /// A person or account that can hold access.
    User,
    /// A set of principals (a team, a group).
    Group,
    /// A role that principals are assigned.
    Role,
    /// An application.
    App,
    /// A credential or secret.
    Secret,
    /// A security finding.
    SecurityInsight,
    /// A role bound to a scope.
    ScopeBinding,
    /// A vendor.
    Vendor,
    /// An agreement with a vendor.
    VendorAgreement,
    /// A license profile.
    LicenseProfile,
    /// An AI agent.
    Agent,
    /// A managed device.
    ManagedDevice,
}

impl Trait {
    /// Every trait, in baton's enum order (values 1 to 12).
    pub const ALL: [Trait; 12] = [
        Trait::User,
        Trait::Group,
        Trait::Role,
        Trait::App,
        Trait::Secret,
        Trait::SecurityInsight,
        Trait::ScopeBinding,
        Trait::Vendor,
        Trait::VendorAgreement,
        Trait::LicenseProfile,
        Trait::Agent,
        Trait::ManagedDevice,
    ];

    /// baton's enum value.
    pub fn number(self) -> i32 {
        match self {
            Trait::User => 1,
            Trait::Group => 2,
            Trait::Role => 3,
            Trait::App => 4,
            Trait::Secret => 5,
            Trait::SecurityInsight => 6,
            Trait::ScopeBinding => 7,
            Trait::Vendor => 8,
            Trait::VendorAgreement => 9,
            Trait::LicenseProfile => 10,
            Trait::Agent => 11,
            Trait::ManagedDevice => 12,
        }
    }

    /// The trait with baton's enum value `n`.
    pub fn from_number(n: i32) -> Option<Trait> {
        Trait::ALL.into_iter().find(|t| t.number() == n)
    }

    /// baton's name for the trait, as in `TRAIT_USER`.
    pub fn as_baton_str(self) -> &'static str {
        match self {
            Trait::User => "TRAIT_USER",
            Trait::Group => "TRAIT_GROUP",
            Trait::Role => "TRAIT_ROLE",
            Trait::App => "TRAIT_APP",
            Trait::Secret => "TRAIT_SECRET",
            Trait::SecurityInsight => "TRAIT_SECURITY_INSIGHT",
            Trait::ScopeBinding => "TRAIT_SCOPE_BINDING",
            Trait::Vendor => "TRAIT_VENDOR",
            Trait::VendorAgreement => "TRAIT_VENDOR_AGREEMENT",
            Trait::LicenseProfile => "TRAIT_LICENSE_PROFILE",
            Trait::Agent => "TRAIT_AGENT",
            Trait::ManagedDevice => "TRAIT_MANAGED_DEVICE",
        }
    }

    /// The annotation message that marks a resource with this trait, e.g. `UserTrait`.
    pub fn message_name(self) -> &'static str {
        match self {
            Trait::User => "UserTrait",
            Trait::Group => "GroupTrait",
            Trait::Role => "RoleTrait",
            Trait::App => "AppTrait",
            Trait::Secret => "SecretTrait",
            Trait::SecurityInsight => "SecurityInsightTrait",
            Trait::ScopeBinding => "ScopeBindingTrait",
            Trait::Vendor => "VendorTrait",
            Trait::VendorAgreement => "VendorAgreementTrait",
            Trait::LicenseProfile => "LicenseProfileTrait",
            Trait::Agent => "AgentTrait",
            Trait::ManagedDevice => "ManagedDeviceTrait",
        }
    }
}

/// A kind of resource a connector syncs (`c1.connector.v2.ResourceType`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceType {
    /// Stable identifier, e.g. `user`, used in every resource and entitlement ID.
    pub id: String,
    /// Human-readable name.
    pub display_name: String,
    /// Traits that every resource of this type carries.
    pub traits: Vec<Trait>,
    /// Annotations such as [`Annotation::SkipEntitlementsAndGrants`].
    pub annotations: Annotations,
    /// What the type is, for people reading the output.
    pub description: String,
    /// The resource type is sourced from another system (baton's `sourced_externally`).
    pub sourced_externally: bool,
}

impl ResourceType {
    /// A resource type with the given id, display name and traits.
    pub fn new(id: impl Into<String>, display_name: impl Into<String>, traits: &[Trait]) -> Self {
        ResourceType {
            id: id.into(),
            display_name: display_name.into(),
            traits: traits.to_vec(),
            ..Default::default()
        }
    }

    /// baton's usual type of people: id `user`, display name `User`, [`Trait::User`].
    pub fn user() -> Self {
        ResourceType::new("user", "User", &[Trait::User])
    }

    /// baton's usual type of groups of people: id `group`, display name `Group`,
    /// [`Trait::Group`].
    pub fn group() -> Self {
        ResourceType::new("group", "Group", &[Trait::Group])
    }

    /// The id of this type's resource `resource`: how a grant names its principal without
    /// building the principal's [`Resource`].
    pub fn id_of(&self, resource: impl Into<String>) -> ResourceId {
        ResourceId::new(self.id.clone(), resource)
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Adds an annotation.
    pub fn with_annotation(mut self, annotation: Annotation) -> Self {
        self.annotations.push(annotation);
        self
    }
}

/// Identifies one resource: its type and its id within that type (`c1.connector.v2.ResourceId`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceId {
    /// The [`ResourceType::id`].
    pub resource_type: String,
    /// The id of the resource within its type.
    pub resource: String,
    /// Set by baton for resources it creates itself; connectors leave it `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baton_resource: bool,
}

impl ResourceId {
    /// The id of resource `resource` of type `resource_type`.
    pub fn new(resource_type: impl Into<String>, resource: impl Into<String>) -> Self {
        ResourceId {
            resource_type: resource_type.into(),
            resource: resource.into(),
            baton_resource: false,
        }
    }
}

impl std::fmt::Display for ResourceId {
    /// `<type>:<id>`, the `external_id` baton writes for resources.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.resource_type, self.resource)
    }
}

/// A point in time, as `google.protobuf.Timestamp`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: i32,
}

impl Timestamp {
    /// A timestamp from seconds and nanoseconds since the Unix epoch.
    pub fn from_unix(seconds: i64, nanos: i32) -> Self {
        Timestamp { seconds, nanos }
    }
}

impl From<std::time::SystemTime> for Timestamp {
    fn from(t: std::time::SystemTime) -> Self {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Timestamp {
                seconds: d.as_secs() as i64,
                nanos: d.subsec_nanos() as i32,
            },
            Err(e) => {
                let d = e.duration();
                let (mut seconds, mut nanos) = (-(d.as_secs() as i64), -(d.subsec_nanos() as i32));
                if nanos < 0 {
                    seconds -= 1;
                    nanos += 1_000_000_000;
                }
                Timestamp { seconds, nanos }
            }
        }
    }
}

/// Lifecycle status of a resource (`c1.connector.v2.Resource.Status` and the user trait's status).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatusKind {
    /// Not said.
    #[default]
    Unspecified,
    /// Active.
    Enabled,
    /// Disabled or suspended.
    Disabled,
    /// Deleted in the source system.
    Deleted,
}

/// A status with optional free-text details.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The status.
    pub status: StatusKind,
    /// Why, in the source system's words.
    pub details: String,
}

/// An asset reference (icons), `c1.connector.v2.AssetRef`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRef {
    /// The asset id.
    pub id: String,
}

/// Deprecated baton `ExternalId` kept for reading old files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalId {
    /// The id.
    pub id: String,
    /// A link.
    pub link: String,
    /// A description.
    pub description: String,
}

/// One object in the source system (`c1.connector.v2.Resource`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Type and id.
    pub id: ResourceId,
    /// The resource this one is a child of (a team's organization).
    pub parent: Option<ResourceId>,
    /// Human-readable name.
    pub display_name: String,
    /// Traits ([`UserTrait`] …) and other annotations, in the order they are written.
    pub annotations: Annotations,
    /// Free-text description.
    pub description: String,
    /// Set by baton for resources it creates itself.
    pub baton_resource: bool,
    /// Deprecated in baton; kept so old files round-trip.
    pub external_id: Option<ExternalId>,
    /// Deprecated in baton (enum value); kept so old files round-trip.
    pub creation_source: i32,
    /// Structured details for reviewers.
    pub profile: Option<Profile>,
    /// Icon asset.
    pub icon: Option<AssetRef>,
    /// Lifecycle status.
    pub status: Option<Status>,
    /// When the resource was created in the source system.
    pub created_at: Option<Timestamp>,
}

impl Resource {
    /// A resource of type `resource_type` with id `id` and a display name.
    pub fn new(
        resource_type: &ResourceType,
        id: impl Into<String>,
        display_name: impl Into<String>,
    ) -> Self {
        Resource {
            id: ResourceId::new(resource_type.id.clone(), id),
            display_name: display_name.into(),
            ..Default::default()
        }
    }

    /// A person of [`ResourceType::user`] described by `user` (baton-sdk's `NewUserResource`).
    pub fn user(id: impl Into<String>, display_name: impl Into<String>, user: UserTrait) -> Self {
        Resource::new(&ResourceType::user(), id, display_name).with_annotation(user)
    }

    /// A group of [`ResourceType::group`], with a [`GroupTrait`] that says nothing more
    /// (baton-sdk's `NewGroupResource`).
    pub fn group(id: impl Into<String>, display_name: impl Into<String>) -> Self {
        Resource::new(&ResourceType::group(), id, display_name)
            .with_annotation(GroupTrait::default())
    }

    /// Sets the parent resource.
    pub fn with_parent(mut self, parent: ResourceId) -> Self {
        self.parent = Some(parent);
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the profile.
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Sets the creation time.
    pub fn with_created_at(mut self, created_at: Timestamp) -> Self {
        self.created_at = Some(created_at);
        self
    }

    /// Sets the status.
    pub fn with_status(mut self, status: StatusKind) -> Self {
        self.status = Some(Status {
            status,
            details: String::new(),
        });
        self
    }

    /// Adds an annotation (a trait, a child resource type, an external link …).
    pub fn with_annotation(mut self, annotation: impl Into<Annotation>) -> Self {
        self.annotations.push(annotation.into());
        self
    }

    /// The user trait, if the resource carries one.
    pub fn user_trait(&self) -> Option<&UserTrait> {
        self.annotations.iter().find_map(|a| match a {
            Annotation::UserTrait(t) => Some(t),
            _ => None,
        })
    }

    /// Whether the resource carries the annotation message for `t`.
    pub fn has_trait(&self, t: Trait) -> bool {
        self.annotations.iter().any(|a| a.trait_kind() == Some(t))
    }

    /// Child resource types announced with [`Annotation::ChildResourceType`].
    pub fn child_resource_types(&self) -> impl Iterator<Item = &str> {
        self.annotations.iter().filter_map(|a| match a {
            Annotation::ChildResourceType { resource_type_id } => Some(resource_type_id.as_str()),
            _ => None,
        })
    }
}

/// What holding an entitlement means (`Entitlement.PurposeValue`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Purpose {
    /// Not said.
    #[default]
    Unspecified,
    /// Membership-like: "is a member of".
    Assignment,
    /// "Has permission X on".
    Permission,
    /// "Owns".
    Ownership,
}

/// Something that can be granted on a resource (`c1.connector.v2.Entitlement`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entitlement {
    /// The resource it is granted on, embedded in full as baton does.
    pub resource: Resource,
    /// baton's entitlement id, `<type>:<id>:<name>` (see [`ids::entitlement_id`]).
    pub id: String,
    /// Human-readable name.
    pub display_name: String,
    /// What holding it allows, for reviewers.
    pub description: String,
    /// Resource types that may hold it (principal types).
    pub grantable_to: Vec<ResourceType>,
    /// Annotations.
    pub annotations: Annotations,
    /// Assignment, permission or ownership.
    pub purpose: Purpose,
    /// Short name, e.g. `member`.
    pub slug: String,
}

impl Entitlement {
    /// An entitlement named `name` on `resource`: id, slug and display name are derived as
    /// baton's `NewEntitlement` does.
    pub fn new(resource: &Resource, name: &str, purpose: Purpose) -> Self {
        Entitlement {
            resource: resource.clone(),
            id: ids::entitlement_id(&resource.id, name),
            display_name: name.to_owned(),
            slug: name.to_owned(),
            purpose,
            ..Default::default()
        }
    }

    /// A membership-like entitlement (`NewAssignmentEntitlement`).
    pub fn assignment(resource: &Resource, name: &str) -> Self {
        Self::new(resource, name, Purpose::Assignment)
    }

    /// A permission entitlement (`NewPermissionEntitlement`).
    pub fn permission(resource: &Resource, name: &str) -> Self {
        Self::new(resource, name, Purpose::Permission)
    }

    /// Sets the display name.
    pub fn with_display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = display_name.into();
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the resource types that may hold the entitlement.
    pub fn with_grantable_to(mut self, types: &[&ResourceType]) -> Self {
        self.grantable_to = types.iter().map(|t| (*t).clone()).collect();
        self
    }

    /// Adds an annotation.
    pub fn with_annotation(mut self, annotation: impl Into<Annotation>) -> Self {
        self.annotations.push(annotation.into());
        self
    }
}

/// Where an expanded grant came from (`c1.connector.v2.GrantSources`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantSources {
    /// Source entitlement id → whether the grant is direct.
    pub sources: std::collections::BTreeMap<String, bool>,
}

/// A principal holding an entitlement (`c1.connector.v2.Grant`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    /// The entitlement; as in baton's `NewGrant`, only `id` and `resource` need be set.
    pub entitlement: Entitlement,
    /// Who holds it. Often only `id` is set.
    pub principal: Resource,
    /// baton's grant id, `<entitlement id>:<principal type>:<principal id>` (see [`ids::grant_id`]).
    pub id: String,
    /// Annotations such as [`Annotation::GrantExpandable`].
    pub annotations: Annotations,
    /// Set by grant expansion.
    pub sources: Option<GrantSources>,
}

impl Grant {
    /// `principal` holds entitlement `name` on `resource` (baton's `NewGrant`).
    pub fn new(resource: &Resource, name: &str, principal: ResourceId) -> Self {
        let entitlement = Entitlement {
            resource: resource.clone(),
            id: ids::entitlement_id(&resource.id, name),
            ..Default::default()
        };
        Self::holding(entitlement, principal)
    }

    /// `principal` holds `entitlement`; only the entitlement's id and resource are embedded.
    pub fn of(entitlement: &Entitlement, principal: ResourceId) -> Self {
        let embedded = Entitlement {
            resource: entitlement.resource.clone(),
            id: entitlement.id.clone(),
            ..Default::default()
        };
        Self::holding(embedded, principal)
    }

    /// `principal` holds `entitlement`, embedded as it is: its resource is cloned once per
    /// grant, and syncers make many.
    fn holding(entitlement: Entitlement, principal: ResourceId) -> Self {
        Grant {
            id: ids::grant_id(&entitlement.id, &principal),
            entitlement,
            principal: Resource {
                id: principal,
                ..Default::default()
            },
            annotations: Annotations::default(),
            sources: None,
        }
    }

    /// Adds an annotation.
    pub fn with_annotation(mut self, annotation: impl Into<Annotation>) -> Self {
        self.annotations.push(annotation.into());
        self
    }
}
