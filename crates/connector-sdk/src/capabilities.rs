//! Capabilities derived from a connector, as baton's `capabilities` subcommand prints them.
//!
//! baton derives capabilities from the interfaces each syncer implements; here every syncer can
//! sync (`CAPABILITY_SYNC`), one whose [`supports_get`](crate::ResourceSyncer::supports_get) is
//! true can also serve targeted syncs (`CAPABILITY_TARGETED_SYNC`), one with a
//! [`provisioner`](crate::ResourceSyncer::provisioner) can grant and revoke its entitlements
//! (`CAPABILITY_PROVISION`), and one with an
//! [`account_manager`](crate::ResourceSyncer::account_manager) can create accounts
//! (`CAPABILITY_ACCOUNT_PROVISIONING`, with `NO_PASSWORD` as its credential option). The
//! connector-wide list is the union, in baton's enum order, with `CAPABILITY_EVENT_FEED_V2` when
//! the connector has an [`event_feed`](crate::Connector::event_feed) (as baton's builder claims it
//! for any registered feed). [`Capabilities::to_json`] prints the
//! protojson of `c1.connector.v2.ConnectorCapabilities` that connectors commit as
//! `baton_capabilities.json`.

use serde::Serialize;
use serde_json::{Value, json};

use crate::annotations::Annotation;
use crate::connector::Connector;
use crate::model::ResourceType;

/// What a connector can do (`c1.connector.v2.Capability`), ordered as baton's enum numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Capability {
    /// Grant and revoke entitlements (1).
    Provision,
    /// Full syncs (2).
    Sync,
    /// Create accounts (5).
    AccountProvisioning,
    /// Syncs of chosen resources, `--sync-resources` (11).
    TargetedSync,
    /// An event feed baton can read with `ListEvents` (12): the connector's
    /// [`event_feed`](crate::Connector::event_feed), when it has one.
    EventFeedV2,
}

impl Capability {
    /// baton's enum name, as in `CAPABILITY_SYNC`.
    pub fn as_baton_str(self) -> &'static str {
        match self {
            Capability::Provision => "CAPABILITY_PROVISION",
            Capability::Sync => "CAPABILITY_SYNC",
            Capability::AccountProvisioning => "CAPABILITY_ACCOUNT_PROVISIONING",
            Capability::TargetedSync => "CAPABILITY_TARGETED_SYNC",
            Capability::EventFeedV2 => "CAPABILITY_EVENT_FEED_V2",
        }
    }

    /// baton's enum value.
    pub fn number(self) -> i32 {
        match self {
            Capability::Provision => 1,
            Capability::Sync => 2,
            Capability::AccountProvisioning => 5,
            Capability::TargetedSync => 11,
            Capability::EventFeedV2 => 12,
        }
    }
}

/// The one credential option of account creation here: accounts are created without a secret.
const NO_PASSWORD: &str = "CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD";

/// The capabilities of one resource type.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceTypeCapabilities {
    /// The resource type.
    pub resource_type: ResourceType,
    /// What its syncer can do.
    pub capabilities: Vec<Capability>,
}

/// A connector's capabilities (`c1.connector.v2.ConnectorCapabilities`).
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities {
    /// Per resource type, sorted by type id as baton sorts them.
    pub resource_types: Vec<ResourceTypeCapabilities>,
    /// The union over all types, in baton's enum order.
    pub connector: Vec<Capability>,
}

/// Derives `connector`'s capabilities from its syncers and its event feed.
pub fn capabilities(connector: &dyn Connector) -> Capabilities {
    let has_feed = connector.event_feed().is_some();
    let mut resource_types: Vec<ResourceTypeCapabilities> = connector
        .syncers()
        .iter()
        .map(|syncer| {
            // The order baton lists a type's capabilities in.
            let mut capabilities = vec![Capability::Sync];
            if syncer.supports_get() {
                capabilities.push(Capability::TargetedSync);
            }
            if syncer.provisioner().is_some() {
                capabilities.push(Capability::Provision);
            }
            if syncer.account_manager().is_some() {
                capabilities.push(Capability::AccountProvisioning);
            }
            ResourceTypeCapabilities {
                resource_type: syncer.resource_type(),
                capabilities,
            }
        })
        .collect();
    resource_types.sort_by(|a, b| a.resource_type.id.cmp(&b.resource_type.id));
    let mut connector: Vec<Capability> = resource_types
        .iter()
        .flat_map(|t| t.capabilities.iter().copied())
        .collect();
    // baton's builder claims the event feed connector-wide when it has any feed.
    if has_feed {
        connector.push(Capability::EventFeedV2);
    }
    connector.sort();
    connector.dedup();
    Capabilities {
        resource_types,
        connector,
    }
}

impl Capabilities {
    /// The protojson of `c1.connector.v2.ConnectorCapabilities`, wrapped as a `google.protobuf.Any`
    /// the way baton prints it: camelCase keys, empty fields left out. A `Value` sorts its
    /// keys; [`to_protojson`](Self::to_protojson) keeps protojson's field order.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.message()).unwrap_or_default()
    }

    /// The same document as text, keys in protojson's order (field numbers), pretty-printed as
    /// `capabilities` prints it and connectors commit it (`baton_capabilities.json`).
    pub fn to_protojson(&self) -> String {
        serde_json::to_string_pretty(&self.message()).unwrap_or_default()
    }

    fn message(&self) -> AnyCapabilities<'_> {
        let names = |caps: &[Capability]| caps.iter().map(|c| c.as_baton_str()).collect();
        let account = self.connector.contains(&Capability::AccountProvisioning);
        AnyCapabilities {
            type_url: "type.googleapis.com/c1.connector.v2.ConnectorCapabilities",
            resource_type_capabilities: self
                .resource_types
                .iter()
                .map(|t| ResourceTypeCapability {
                    resource_type: ResourceTypeJson::of(&t.resource_type),
                    capabilities: names(&t.capabilities),
                })
                .collect(),
            connector_capabilities: names(&self.connector),
            credential_details: account.then_some(CredentialDetails {
                capability_account_provisioning: AccountProvisioning {
                    supported_credential_options: vec![NO_PASSWORD],
                    preferred_credential_option: NO_PASSWORD,
                },
            }),
        }
    }
}

// The messages in field-number order, as protojson writes them; proto3 leaves out empty
// strings, empty lists and `false`.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnyCapabilities<'a> {
    #[serde(rename = "@type")]
    type_url: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resource_type_capabilities: Vec<ResourceTypeCapability<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    connector_capabilities: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential_details: Option<CredentialDetails>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceTypeCapability<'a> {
    resource_type: ResourceTypeJson<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    capabilities: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CredentialDetails {
    capability_account_provisioning: AccountProvisioning,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountProvisioning {
    supported_credential_options: Vec<&'static str>,
    preferred_credential_option: &'static str,
}

/// `c1.connector.v2.ResourceType`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceTypeJson<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    display_name: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    traits: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Value>,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    sourced_externally: bool,
}

impl<'a> ResourceTypeJson<'a> {
    fn of(rt: &'a ResourceType) -> Self {
        ResourceTypeJson {
            id: &rt.id,
            display_name: &rt.display_name,
            traits: rt.traits.iter().map(|t| t.as_baton_str()).collect(),
            // One `@type` and at most one field each: sorted keys are protojson's order.
            annotations: rt.annotations.iter().map(annotation_json).collect(),
            description: &rt.description,
            sourced_externally: rt.sourced_externally,
        }
    }
}

/// protojson of an annotation as a `google.protobuf.Any`. Messages that only make sense on
/// resources or grants are named by their type with their fields left out.
fn annotation_json(annotation: &Annotation) -> Value {
    let any =
        |name: &str| json!({ "@type": format!("type.googleapis.com/c1.connector.v2.{name}") });
    match annotation {
        Annotation::SkipEntitlementsAndGrants => any("SkipEntitlementsAndGrants"),
        Annotation::SkipGrants => any("SkipGrants"),
        Annotation::SkipEntitlements => any("SkipEntitlements"),
        Annotation::ChildResourceType { resource_type_id } => json!({
            "@type": "type.googleapis.com/c1.connector.v2.ChildResourceType",
            "resourceTypeId": resource_type_id,
        }),
        Annotation::ExternalLink { url } => json!({
            "@type": "type.googleapis.com/c1.connector.v2.ExternalLink",
            "url": url,
        }),
        Annotation::UserTrait(_) => any("UserTrait"),
        Annotation::GroupTrait(_) => any("GroupTrait"),
        Annotation::RoleTrait(_) => any("RoleTrait"),
        Annotation::AppTrait(_) => any("AppTrait"),
        Annotation::SecretTrait(_) => any("SecretTrait"),
        Annotation::GrantExpandable { .. } => any("GrantExpandable"),
        Annotation::RateLimitDescription(_) => any("RateLimitDescription"),
        Annotation::Other { type_url, .. } => json!({ "@type": type_url }),
    }
}
