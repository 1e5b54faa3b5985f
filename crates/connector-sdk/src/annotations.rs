//! Annotations: baton's `repeated google.protobuf.Any` on resources, types, entitlements and grants.
//!
//! The messages connectors use are typed variants; anything else read from a file is kept as
//! [`Annotation::Other`] with its type URL and raw bytes, so it survives a round trip untouched.
//! Order is preserved: baton writes annotations in the order the connector added them.

use serde::{Deserialize, Serialize};

use crate::model::{AssetRef, Status, Timestamp, Trait};
use crate::value::Profile;

/// An ordered list of annotations.
pub type Annotations = Vec<Annotation>;

/// One annotation. Variant names are baton's message names (`c1.connector.v2.<Name>`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Annotation {
    /// The resource is a user.
    UserTrait(UserTrait),
    /// The resource is a group.
    GroupTrait(GroupTrait),
    /// The resource is a role.
    RoleTrait(RoleTrait),
    /// The resource is an application.
    AppTrait(AppTrait),
    /// The resource is a secret.
    SecretTrait(SecretTrait),
    /// List resources of this type with the annotated resource as parent.
    ChildResourceType {
        /// The child resource type id.
        resource_type_id: String,
    },
    /// Neither entitlements nor grants are synced for the type or resource.
    SkipEntitlementsAndGrants,
    /// Grants are not synced for the type or resource.
    SkipGrants,
    /// Entitlements are not synced for the type or resource.
    SkipEntitlements,
    /// Holders of the listed entitlements also hold the granted one (grant expansion).
    GrantExpandable {
        /// Source entitlement ids.
        entitlement_ids: Vec<String>,
        /// Only direct grants of the sources propagate.
        shallow: bool,
        /// Only principals of these types propagate (all when empty).
        resource_type_ids: Vec<String>,
    },
    /// A link to the object in the source system's UI.
    ExternalLink {
        /// The URL.
        url: String,
    },
    /// Rate-limit state reported by a connector.
    RateLimitDescription(RateLimitDescription),
    /// Any other message, kept verbatim.
    Other {
        /// `type.googleapis.com/<full message name>`.
        type_url: String,
        /// The encoded message.
        value: Vec<u8>,
    },
}

impl Annotation {
    /// The resource trait this annotation carries, if it is a trait message.
    pub fn trait_kind(&self) -> Option<Trait> {
        match self {
            Annotation::UserTrait(_) => Some(Trait::User),
            Annotation::GroupTrait(_) => Some(Trait::Group),
            Annotation::RoleTrait(_) => Some(Trait::Role),
            Annotation::AppTrait(_) => Some(Trait::App),
            Annotation::SecretTrait(_) => Some(Trait::Secret),
            Annotation::Other { type_url, .. } => {
                let name = type_url.strip_prefix("type.googleapis.com/c1.connector.v2.")?;
                Trait::ALL.into_iter().find(|t| t.message_name() == name)
            }
            _ => None,
        }
    }

    /// An [`Annotation::ChildResourceType`].
    pub fn child_resource_type(resource_type_id: impl Into<String>) -> Self {
        Annotation::ChildResourceType {
            resource_type_id: resource_type_id.into(),
        }
    }

    /// An [`Annotation::ExternalLink`].
    pub fn external_link(url: impl Into<String>) -> Self {
        Annotation::ExternalLink { url: url.into() }
    }

    /// baton's empty `GrantImmutable`, which grant expansion puts on the grants it creates:
    /// they follow from other grants and cannot be revoked on their own.
    pub fn grant_immutable() -> Self {
        Annotation::empty_message("GrantImmutable")
    }

    /// Whether this is a `GrantImmutable` annotation.
    pub fn is_grant_immutable(&self) -> bool {
        matches!(self, Annotation::Other { type_url, .. }
            if type_url.strip_prefix(C1_V2) == Some("GrantImmutable"))
    }

    /// baton's `GrantAlreadyExists`: a grant asked for was held already (an empty message).
    pub fn grant_already_exists() -> Self {
        Annotation::empty_message("GrantAlreadyExists")
    }

    /// baton's `GrantAlreadyRevoked`: a revoke asked for found the grant gone (an empty message).
    pub fn grant_already_revoked() -> Self {
        Annotation::empty_message("GrantAlreadyRevoked")
    }

    /// The `c1.connector.v2` message `name`, which has no fields.
    fn empty_message(name: &str) -> Self {
        Annotation::Other {
            type_url: format!("{C1_V2}{name}"),
            value: Vec::new(),
        }
    }
}

/// The type URL prefix of baton's `c1.connector.v2` messages.
const C1_V2: &str = "type.googleapis.com/c1.connector.v2.";

macro_rules! annotation_from {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Annotation {
            fn from(t: $ty) -> Self {
                Annotation::$ty(t)
            }
        }
    )*};
}
annotation_from!(
    UserTrait,
    GroupTrait,
    RoleTrait,
    AppTrait,
    SecretTrait,
    RateLimitDescription
);

/// Kind of account (`UserTrait.AccountType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountType {
    /// Not said.
    #[default]
    Unspecified,
    /// A person.
    Human,
    /// A service account.
    Service,
    /// A system account.
    System,
}

/// An email address of a user.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The address.
    pub address: String,
    /// Whether it is the primary one.
    pub is_primary: bool,
}

/// A person's name in parts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructuredName {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Middle names.
    pub middle_names: Vec<String>,
    /// Prefix.
    pub prefix: String,
    /// Suffix.
    pub suffix: String,
}

/// `c1.connector.v2.UserTrait`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserTrait {
    /// Email addresses.
    pub emails: Vec<Email>,
    /// Account status (baton keeps writing it here although it is deprecated on the trait).
    pub status: Option<Status>,
    /// Deprecated: use `Resource::profile`.
    pub profile: Option<Profile>,
    /// Deprecated: use `Resource::icon`.
    pub icon: Option<AssetRef>,
    /// Human, service or system.
    pub account_type: AccountType,
    /// Login name.
    pub login: String,
    /// Other login names.
    pub login_aliases: Vec<String>,
    /// Deprecated: use `Resource::created_at`.
    pub created_at: Option<Timestamp>,
    /// Last login.
    pub last_login: Option<Timestamp>,
    /// `Some(enabled)` when the source system reports MFA.
    pub mfa_enabled: Option<bool>,
    /// `Some(enabled)` when the source system reports SSO.
    pub sso_enabled: Option<bool>,
    /// Name in parts.
    pub structured_name: Option<StructuredName>,
    /// Employee ids.
    pub employee_ids: Vec<String>,
}

impl UserTrait {
    /// A user trait with baton's helper defaults: status ENABLED, account type HUMAN.
    pub fn new() -> Self {
        UserTrait {
            status: Some(Status {
                status: crate::model::StatusKind::Enabled,
                details: String::new(),
            }),
            account_type: AccountType::Human,
            ..Default::default()
        }
    }

    /// Adds an email address.
    pub fn with_email(mut self, address: impl Into<String>, is_primary: bool) -> Self {
        self.emails.push(Email {
            address: address.into(),
            is_primary,
        });
        self
    }

    /// Sets the login.
    pub fn with_login(mut self, login: impl Into<String>) -> Self {
        self.login = login.into();
        self
    }

    /// Sets the MFA status.
    pub fn with_mfa(mut self, enabled: bool) -> Self {
        self.mfa_enabled = Some(enabled);
        self
    }

    /// Sets the SSO status.
    pub fn with_sso(mut self, enabled: bool) -> Self {
        self.sso_enabled = Some(enabled);
        self
    }

    /// Sets the account type.
    pub fn with_account_type(mut self, account_type: AccountType) -> Self {
        self.account_type = account_type;
        self
    }

    /// The primary email address, or the first one.
    pub fn primary_email(&self) -> Option<&str> {
        self.emails
            .iter()
            .find(|e| e.is_primary)
            .or_else(|| self.emails.first())
            .map(|e| e.address.as_str())
    }
}

/// `c1.connector.v2.GroupTrait`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupTrait {
    /// Deprecated: use `Resource::icon`.
    pub icon: Option<AssetRef>,
    /// Deprecated: use `Resource::profile`.
    pub profile: Option<Profile>,
    /// Where the group comes from (`native`, `directory_synced` …), at most 64 bytes.
    pub group_source_type: String,
    /// The source system's own word for it.
    pub raw_group_source_type: String,
}

/// `c1.connector.v2.RoleTrait`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RoleTrait {
    /// Deprecated: use `Resource::profile`.
    pub profile: Option<Profile>,
}

/// `c1.connector.v2.AppTrait`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppTrait {
    /// Help URL.
    pub help_url: String,
    /// Deprecated icon.
    pub icon: Option<AssetRef>,
    /// Logo.
    pub logo: Option<AssetRef>,
    /// Deprecated: use `Resource::profile`.
    pub profile: Option<Profile>,
    /// Flags (baton enum values).
    pub flags: Vec<i32>,
    /// App source type.
    pub app_source_type: String,
    /// The source system's own word for it.
    pub raw_app_source_type: String,
}

/// `c1.connector.v2.SecretTrait`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretTrait {
    /// Deprecated: use `Resource::profile`.
    pub profile: Option<Profile>,
    /// Deprecated: use `Resource::created_at`.
    pub created_at: Option<Timestamp>,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
    /// Last use.
    pub last_used_at: Option<Timestamp>,
    /// Creator.
    pub created_by_id: Option<crate::model::ResourceId>,
    /// Identity the secret belongs to.
    pub identity_id: Option<crate::model::ResourceId>,
}

/// `c1.connector.v2.RateLimitDescription`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RateLimitDescription {
    /// 0 unspecified, 1 ok, 2 over limit, 3 error.
    pub status: i32,
    /// Requests allowed per window.
    pub limit: i64,
    /// Requests left in the window.
    pub remaining: i64,
    /// When the window resets.
    pub reset_at: Option<Timestamp>,
}
