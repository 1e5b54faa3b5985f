//! Capabilities derived from a connector, as baton's `capabilities` subcommand prints them.
//!
//! baton derives capabilities from the interfaces each syncer implements; here every syncer can
//! sync (`CAPABILITY_SYNC`), one whose [`supports_get`](crate::ResourceSyncer::supports_get) is
//! true can also serve targeted syncs (`CAPABILITY_TARGETED_SYNC`), one with a
//! [`provisioner`](crate::ResourceSyncer::provisioner) can grant and revoke its entitlements
//! (`CAPABILITY_PROVISION`), and one with an
//! [`account_manager`](crate::ResourceSyncer::account_manager) can create accounts
//! (`CAPABILITY_ACCOUNT_PROVISIONING`, with `NO_PASSWORD` as its credential option). The
//! connector-wide list is the union, in baton's enum order. [`Capabilities::to_json`] prints the
//! protojson of `c1.connector.v2.ConnectorCapabilities` that connectors commit as
//! `baton_capabilities.json`.

use serde_json::{Map, Value, json};

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
}

impl Capability {
    /// baton's enum name, as in `CAPABILITY_SYNC`.
    pub fn as_baton_str(self) -> &'static str {
        match self {
            Capability::Provision => "CAPABILITY_PROVISION",
            Capability::Sync => "CAPABILITY_SYNC",
            Capability::AccountProvisioning => "CAPABILITY_ACCOUNT_PROVISIONING",
            Capability::TargetedSync => "CAPABILITY_TARGETED_SYNC",
        }
    }

    /// baton's enum value.
    pub fn number(self) -> i32 {
        match self {
            Capability::Provision => 1,
            Capability::Sync => 2,
            Capability::AccountProvisioning => 5,
            Capability::TargetedSync => 11,
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

/// Derives `connector`'s capabilities from its syncers.
pub fn capabilities(connector: &dyn Connector) -> Capabilities {
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
    connector.sort();
    connector.dedup();
    Capabilities {
        resource_types,
        connector,
    }
}

impl Capabilities {
    /// The protojson of `c1.connector.v2.ConnectorCapabilities`, wrapped as a `google.protobuf.Any`
    /// the way baton prints it: camelCase keys, empty fields left out.
    pub fn to_json(&self) -> Value {
        let resource_types: Vec<Value> = self
            .resource_types
            .iter()
            .map(|t| {
                let capabilities: Vec<&str> =
                    t.capabilities.iter().map(|c| c.as_baton_str()).collect();
                let mut entry = Map::new();
                entry.insert("resourceType".into(), resource_type_json(&t.resource_type));
                if !capabilities.is_empty() {
                    entry.insert("capabilities".into(), json!(capabilities));
                }
                Value::Object(entry)
            })
            .collect();
        let connector: Vec<&str> = self.connector.iter().map(|c| c.as_baton_str()).collect();
        let mut out = Map::new();
        out.insert(
            "@type".into(),
            json!("type.googleapis.com/c1.connector.v2.ConnectorCapabilities"),
        );
        if !resource_types.is_empty() {
            out.insert(
                "resourceTypeCapabilities".into(),
                Value::Array(resource_types),
            );
        }
        if !connector.is_empty() {
            out.insert("connectorCapabilities".into(), json!(connector));
        }
        if self.connector.contains(&Capability::AccountProvisioning) {
            out.insert(
                "credentialDetails".into(),
                json!({
                    "capabilityAccountProvisioning": {
                        "supportedCredentialOptions": [NO_PASSWORD],
                        "preferredCredentialOption": NO_PASSWORD,
                    }
                }),
            );
        }
        Value::Object(out)
    }
}

/// protojson of a `ResourceType`: proto3 leaves out empty strings, empty lists and `false`.
fn resource_type_json(rt: &ResourceType) -> Value {
    let mut out = Map::new();
    if !rt.id.is_empty() {
        out.insert("id".into(), json!(rt.id));
    }
    if !rt.display_name.is_empty() {
        out.insert("displayName".into(), json!(rt.display_name));
    }
    if !rt.traits.is_empty() {
        let traits: Vec<&str> = rt.traits.iter().map(|t| t.as_baton_str()).collect();
        out.insert("traits".into(), json!(traits));
    }
    if !rt.annotations.is_empty() {
        let annotations: Vec<Value> = rt.annotations.iter().map(annotation_json).collect();
        out.insert("annotations".into(), Value::Array(annotations));
    }
    if !rt.description.is_empty() {
        out.insert("description".into(), json!(rt.description));
    }
    if rt.sourced_externally {
        out.insert("sourcedExternally".into(), json!(true));
    }
    Value::Object(out)
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
