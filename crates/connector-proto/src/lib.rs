//! baton's `c1.connector.v2` messages as prost types ([`pb`]) and the conversions between them
//! and the [`connector_sdk`] model, shared by everything that speaks baton's wire format: the
//! `.c1z` file (crate `c1z`) and the gRPC protocol (crate `connector-grpc`).
//!
//! Encoding is deterministic: fields in number order, maps in key order (the model's maps are
//! `BTreeMap`s), and a message field is written only when it holds something, because the model
//! cannot tell an absent message from an empty one. Annotations the model has no variant for, and
//! typed ones carrying fields the model cannot hold, travel verbatim.

#![warn(missing_docs)]

pub mod pb;

use prost::Message;

use connector_sdk::{
    AccountType, Annotation, AppTrait, AssetRef, Email, Entitlement, ExternalId, Grant,
    GrantSources, GroupTrait, Profile, Purpose, RateLimitDescription, Resource, ResourceId,
    ResourceType, RoleTrait, SecretTrait, Status, StatusKind, StructuredName, Timestamp, Trait,
    UserTrait, Value,
};

/// The prefix of every `c1.connector.v2` annotation type URL.
pub const TYPE_URL_PREFIX: &str = "type.googleapis.com/c1.connector.v2.";

/// A grant as baton's message, every annotation kept (a `GrantExpandable` too: the `.c1z` writer
/// moves it to its own column, the gRPC protocol sends it for the host to expand).
pub fn grant_to_proto(g: &Grant) -> pb::Grant {
    pb::Grant {
        entitlement: non_empty(entitlement_to_proto(&g.entitlement)),
        principal: non_empty(resource_to_proto(&g.principal)),
        id: g.id.clone(),
        annotations: g.annotations.iter().map(annotation_to_any).collect(),
        sources: g.sources.as_ref().map(grant_sources_to_proto),
    }
}

/// `m`, or `None` when it encodes to nothing: the model cannot tell an absent message from an
/// empty one, so an empty one is left out.
pub fn non_empty<M: Message>(m: M) -> Option<M> {
    match m.encoded_len() {
        0 => None,
        _ => Some(m),
    }
}

/// baton's `GrantExpandable` message.
pub fn grant_expandable(ids: &[String], shallow: bool, types: &[String]) -> pb::GrantExpandable {
    pb::GrantExpandable {
        entitlement_ids: ids.to_vec(),
        shallow,
        resource_type_ids: types.to_vec(),
    }
}

/// A resource type as baton's message.
pub fn resource_type_to_proto(rt: &ResourceType) -> pb::ResourceType {
    pb::ResourceType {
        id: rt.id.clone(),
        display_name: rt.display_name.clone(),
        traits: rt.traits.iter().map(|t| t.number()).collect(),
        annotations: rt.annotations.iter().map(annotation_to_any).collect(),
        description: rt.description.clone(),
        sourced_externally: rt.sourced_externally,
    }
}

/// baton's resource type message in the model; traits baton does not define are dropped.
pub fn resource_type_from_proto(p: pb::ResourceType) -> ResourceType {
    ResourceType {
        id: p.id,
        display_name: p.display_name,
        traits: p
            .traits
            .into_iter()
            .filter_map(Trait::from_number)
            .collect(),
        annotations: p.annotations.into_iter().map(annotation_from_any).collect(),
        description: p.description,
        sourced_externally: p.sourced_externally,
    }
}

/// A resource id as baton's message.
pub fn resource_id_to_proto(id: &ResourceId) -> pb::ResourceId {
    pb::ResourceId {
        resource_type: id.resource_type.clone(),
        resource: id.resource.clone(),
        baton_resource: id.baton_resource,
    }
}

/// baton's resource id message in the model.
pub fn resource_id_from_proto(p: pb::ResourceId) -> ResourceId {
    ResourceId {
        resource_type: p.resource_type,
        resource: p.resource,
        baton_resource: p.baton_resource,
    }
}

/// A resource as baton's message.
pub fn resource_to_proto(r: &Resource) -> pb::Resource {
    pb::Resource {
        id: non_empty(resource_id_to_proto(&r.id)),
        parent_resource_id: r.parent.as_ref().map(resource_id_to_proto),
        display_name: r.display_name.clone(),
        annotations: r.annotations.iter().map(annotation_to_any).collect(),
        description: r.description.clone(),
        baton_resource: r.baton_resource,
        external_id: r.external_id.as_ref().map(|e| pb::ExternalId {
            id: e.id.clone(),
            link: e.link.clone(),
            description: e.description.clone(),
        }),
        creation_source: r.creation_source,
        profile: r.profile.as_ref().map(profile_to_proto),
        icon: r.icon.as_ref().map(asset_to_proto),
        status: r.status.as_ref().map(status_to_proto),
        created_at: r.created_at.map(timestamp_to_proto),
    }
}

/// baton's resource message in the model.
pub fn resource_from_proto(p: pb::Resource) -> Resource {
    Resource {
        id: p.id.map(resource_id_from_proto).unwrap_or_default(),
        parent: p.parent_resource_id.map(resource_id_from_proto),
        display_name: p.display_name,
        annotations: p.annotations.into_iter().map(annotation_from_any).collect(),
        description: p.description,
        baton_resource: p.baton_resource,
        external_id: p.external_id.map(|e| ExternalId {
            id: e.id,
            link: e.link,
            description: e.description,
        }),
        creation_source: p.creation_source,
        profile: p.profile.map(profile_from_proto),
        icon: p.icon.map(asset_from_proto),
        status: p.status.map(status_from_proto),
        created_at: p.created_at.map(timestamp_from_proto),
    }
}

/// An entitlement as baton's message, its resource embedded.
pub fn entitlement_to_proto(e: &Entitlement) -> pb::Entitlement {
    pb::Entitlement {
        resource: non_empty(resource_to_proto(&e.resource)),
        id: e.id.clone(),
        display_name: e.display_name.clone(),
        description: e.description.clone(),
        grantable_to: e.grantable_to.iter().map(resource_type_to_proto).collect(),
        annotations: e.annotations.iter().map(annotation_to_any).collect(),
        purpose: match e.purpose {
            Purpose::Unspecified => 0,
            Purpose::Assignment => 1,
            Purpose::Permission => 2,
            Purpose::Ownership => 3,
        },
        slug: e.slug.clone(),
    }
}

/// baton's entitlement message in the model.
pub fn entitlement_from_proto(p: pb::Entitlement) -> Entitlement {
    Entitlement {
        resource: p.resource.map(resource_from_proto).unwrap_or_default(),
        id: p.id,
        display_name: p.display_name,
        description: p.description,
        grantable_to: p
            .grantable_to
            .into_iter()
            .map(resource_type_from_proto)
            .collect(),
        annotations: p.annotations.into_iter().map(annotation_from_any).collect(),
        purpose: match p.purpose {
            1 => Purpose::Assignment,
            2 => Purpose::Permission,
            3 => Purpose::Ownership,
            _ => Purpose::Unspecified,
        },
        slug: p.slug,
    }
}

/// baton's grant message in the model (a `GrantExpandable` annotation stays one).
pub fn grant_from_proto(p: pb::Grant) -> Grant {
    Grant {
        entitlement: p
            .entitlement
            .map(entitlement_from_proto)
            .unwrap_or_default(),
        principal: p.principal.map(resource_from_proto).unwrap_or_default(),
        id: p.id,
        annotations: p.annotations.into_iter().map(annotation_from_any).collect(),
        sources: p.sources.map(|s| GrantSources {
            sources: s
                .sources
                .into_iter()
                .map(|e| {
                    (
                        e.key.unwrap_or_default(),
                        e.value.is_some_and(|v| v.is_direct),
                    )
                })
                .collect(),
        }),
    }
}

/// Where an expanded grant came from, as baton's message (map entries in key order).
pub fn grant_sources_to_proto(s: &GrantSources) -> pb::GrantSources {
    pb::GrantSources {
        sources: s
            .sources
            .iter()
            .map(|(k, v)| pb::GrantSourcesEntry {
                key: Some(k.clone()),
                value: Some(pb::GrantSource { is_direct: *v }),
            })
            .collect(),
    }
}

/// A timestamp as `google.protobuf.Timestamp`.
pub fn timestamp_to_proto(t: Timestamp) -> pb::Timestamp {
    pb::Timestamp {
        seconds: t.seconds,
        nanos: t.nanos,
    }
}

/// A `google.protobuf.Timestamp` in the model.
pub fn timestamp_from_proto(t: pb::Timestamp) -> Timestamp {
    Timestamp {
        seconds: t.seconds,
        nanos: t.nanos,
    }
}

fn asset_to_proto(a: &AssetRef) -> pb::AssetRef {
    pb::AssetRef { id: a.id.clone() }
}

fn asset_from_proto(a: pb::AssetRef) -> AssetRef {
    AssetRef { id: a.id }
}

fn status_to_proto(s: &Status) -> pb::Status {
    let status = match s.status {
        StatusKind::Unspecified => 0,
        StatusKind::Enabled => 1,
        StatusKind::Disabled => 2,
        StatusKind::Deleted => 3,
    };
    pb::Status {
        status,
        details: s.details.clone(),
    }
}

fn status_from_proto(s: pb::Status) -> Status {
    let status = match s.status {
        1 => StatusKind::Enabled,
        2 => StatusKind::Disabled,
        3 => StatusKind::Deleted,
        _ => StatusKind::Unspecified,
    };
    Status {
        status,
        details: s.details,
    }
}

/// A profile as `google.protobuf.Struct`.
pub fn profile_to_proto(p: &Profile) -> pb::Struct {
    pb::Struct {
        fields: p
            .iter()
            .map(|(k, v)| pb::StructEntry {
                key: Some(k.clone()),
                value: Some(value_to_proto(v)),
            })
            .collect(),
    }
}

/// A `google.protobuf.Struct` as a profile.
pub fn profile_from_proto(s: pb::Struct) -> Profile {
    s.fields
        .into_iter()
        .map(|e| {
            (
                e.key.unwrap_or_default(),
                e.value.map(value_from_proto).unwrap_or_default(),
            )
        })
        .collect()
}

fn value_to_proto(v: &Value) -> pb::Value {
    let kind = match v {
        Value::Null => pb::Kind::NullValue(0),
        Value::Bool(b) => pb::Kind::BoolValue(*b),
        Value::Number(n) => pb::Kind::NumberValue(*n),
        Value::String(s) => pb::Kind::StringValue(s.clone()),
        Value::List(l) => pb::Kind::ListValue(pb::ListValue {
            values: l.iter().map(value_to_proto).collect(),
        }),
        Value::Struct(s) => pb::Kind::StructValue(profile_to_proto(s)),
    };
    pb::Value { kind: Some(kind) }
}

fn value_from_proto(v: pb::Value) -> Value {
    match v.kind {
        None | Some(pb::Kind::NullValue(_)) => Value::Null,
        Some(pb::Kind::BoolValue(b)) => Value::Bool(b),
        Some(pb::Kind::NumberValue(n)) => Value::Number(n),
        Some(pb::Kind::StringValue(s)) => Value::String(s),
        Some(pb::Kind::ListValue(l)) => {
            Value::List(l.values.into_iter().map(value_from_proto).collect())
        }
        Some(pb::Kind::StructValue(s)) => Value::Struct(profile_from_proto(s)),
    }
}

/// The `google.protobuf.Any` of the `c1.connector.v2` message `name`, encoded as `value`.
pub fn any(name: &str, value: Vec<u8>) -> pb::Any {
    pb::Any {
        type_url: format!("{TYPE_URL_PREFIX}{name}"),
        value,
    }
}

/// An annotation as the `google.protobuf.Any` baton writes.
pub fn annotation_to_any(a: &Annotation) -> pb::Any {
    match a {
        Annotation::UserTrait(t) => any("UserTrait", user_trait_to_proto(t).encode_to_vec()),
        Annotation::GroupTrait(t) => any("GroupTrait", group_trait_to_proto(t).encode_to_vec()),
        Annotation::RoleTrait(t) => any("RoleTrait", role_trait_to_proto(t).encode_to_vec()),
        Annotation::AppTrait(t) => any("AppTrait", app_trait_to_proto(t).encode_to_vec()),
        Annotation::SecretTrait(t) => any("SecretTrait", secret_trait_to_proto(t).encode_to_vec()),
        Annotation::ChildResourceType { resource_type_id } => any(
            "ChildResourceType",
            pb::ChildResourceType {
                resource_type_id: resource_type_id.clone(),
            }
            .encode_to_vec(),
        ),
        Annotation::SkipEntitlementsAndGrants => any("SkipEntitlementsAndGrants", Vec::new()),
        Annotation::SkipGrants => any("SkipGrants", Vec::new()),
        Annotation::SkipEntitlements => any("SkipEntitlements", Vec::new()),
        Annotation::GrantExpandable {
            entitlement_ids,
            shallow,
            resource_type_ids,
        } => any(
            "GrantExpandable",
            grant_expandable(entitlement_ids, *shallow, resource_type_ids).encode_to_vec(),
        ),
        Annotation::ExternalLink { url } => any(
            "ExternalLink",
            pb::ExternalLink { url: url.clone() }.encode_to_vec(),
        ),
        Annotation::RateLimitDescription(r) => any(
            "RateLimitDescription",
            rate_limit_to_proto(r).encode_to_vec(),
        ),
        Annotation::Other { type_url, value } => pb::Any {
            type_url: type_url.clone(),
            value: value.clone(),
        },
        // A variant added to the SDK later is written as nothing rather than guessed at.
        #[allow(unreachable_patterns, reason = "Annotation may gain variants")]
        _ => pb::Any::default(),
    }
}

/// Decodes an annotation into its typed variant when that loses nothing, else keeps it verbatim.
///
/// A typed decode loses information when the message has fields the model does not carry (a
/// newer baton's fields, `RoleTrait.role_scope_conditions`, `SecretTrait.credential_type` …).
/// Re-encoding the typed value then gives a different length; map order differences (Go writes
/// the maps inside an `Any` in random order) keep the length, so they still decode typed.
pub fn annotation_from_any(a: pb::Any) -> Annotation {
    let typed = a
        .type_url
        .strip_prefix(TYPE_URL_PREFIX)
        .and_then(|name| typed_annotation(name, &a.value));
    match typed {
        Some(t) if annotation_to_any(&t).value.len() == a.value.len() => t,
        _ => Annotation::Other {
            type_url: a.type_url,
            value: a.value,
        },
    }
}

fn typed_annotation(name: &str, v: &[u8]) -> Option<Annotation> {
    let a = match name {
        "UserTrait" => Annotation::UserTrait(user_trait_from_proto(pb::UserTrait::decode(v).ok()?)),
        "GroupTrait" => {
            Annotation::GroupTrait(group_trait_from_proto(pb::GroupTrait::decode(v).ok()?))
        }
        "RoleTrait" => Annotation::RoleTrait(RoleTrait {
            profile: pb::RoleTrait::decode(v)
                .ok()?
                .profile
                .map(profile_from_proto),
        }),
        "AppTrait" => Annotation::AppTrait(app_trait_from_proto(pb::AppTrait::decode(v).ok()?)),
        "SecretTrait" => {
            Annotation::SecretTrait(secret_trait_from_proto(pb::SecretTrait::decode(v).ok()?))
        }
        "ChildResourceType" => Annotation::ChildResourceType {
            resource_type_id: pb::ChildResourceType::decode(v).ok()?.resource_type_id,
        },
        "SkipEntitlementsAndGrants" => Annotation::SkipEntitlementsAndGrants,
        "SkipGrants" => Annotation::SkipGrants,
        "SkipEntitlements" => Annotation::SkipEntitlements,
        "GrantExpandable" => {
            let e = pb::GrantExpandable::decode(v).ok()?;
            Annotation::GrantExpandable {
                entitlement_ids: e.entitlement_ids,
                shallow: e.shallow,
                resource_type_ids: e.resource_type_ids,
            }
        }
        "ExternalLink" => Annotation::ExternalLink {
            url: pb::ExternalLink::decode(v).ok()?.url,
        },
        "RateLimitDescription" => {
            let r = pb::RateLimitDescription::decode(v).ok()?;
            Annotation::RateLimitDescription(RateLimitDescription {
                status: r.status,
                limit: r.limit,
                remaining: r.remaining,
                reset_at: r.reset_at.map(timestamp_from_proto),
            })
        }
        _ => return None,
    };
    Some(a)
}

fn rate_limit_to_proto(r: &RateLimitDescription) -> pb::RateLimitDescription {
    pb::RateLimitDescription {
        status: r.status,
        limit: r.limit,
        remaining: r.remaining,
        reset_at: r.reset_at.map(timestamp_to_proto),
    }
}

fn user_trait_to_proto(t: &UserTrait) -> pb::UserTrait {
    pb::UserTrait {
        emails: t
            .emails
            .iter()
            .map(|e| pb::Email {
                address: e.address.clone(),
                is_primary: e.is_primary,
            })
            .collect(),
        status: t.status.as_ref().map(status_to_proto),
        profile: t.profile.as_ref().map(profile_to_proto),
        icon: t.icon.as_ref().map(asset_to_proto),
        account_type: match t.account_type {
            AccountType::Unspecified => 0,
            AccountType::Human => 1,
            AccountType::Service => 2,
            AccountType::System => 3,
        },
        login: t.login.clone(),
        login_aliases: t.login_aliases.clone(),
        created_at: t.created_at.map(timestamp_to_proto),
        last_login: t.last_login.map(timestamp_to_proto),
        mfa_status: t
            .mfa_enabled
            .map(|mfa_enabled| pb::MfaStatus { mfa_enabled }),
        sso_status: t
            .sso_enabled
            .map(|sso_enabled| pb::SsoStatus { sso_enabled }),
        structured_name: t.structured_name.as_ref().map(|n| pb::StructuredName {
            given_name: n.given_name.clone(),
            family_name: n.family_name.clone(),
            middle_names: n.middle_names.clone(),
            prefix: n.prefix.clone(),
            suffix: n.suffix.clone(),
        }),
        employee_ids: t.employee_ids.clone(),
    }
}

fn user_trait_from_proto(p: pb::UserTrait) -> UserTrait {
    UserTrait {
        emails: p
            .emails
            .into_iter()
            .map(|e| Email {
                address: e.address,
                is_primary: e.is_primary,
            })
            .collect(),
        status: p.status.map(status_from_proto),
        profile: p.profile.map(profile_from_proto),
        icon: p.icon.map(asset_from_proto),
        account_type: match p.account_type {
            1 => AccountType::Human,
            2 => AccountType::Service,
            3 => AccountType::System,
            _ => AccountType::Unspecified,
        },
        login: p.login,
        login_aliases: p.login_aliases,
        created_at: p.created_at.map(timestamp_from_proto),
        last_login: p.last_login.map(timestamp_from_proto),
        mfa_enabled: p.mfa_status.map(|m| m.mfa_enabled),
        sso_enabled: p.sso_status.map(|s| s.sso_enabled),
        structured_name: p.structured_name.map(|n| StructuredName {
            given_name: n.given_name,
            family_name: n.family_name,
            middle_names: n.middle_names,
            prefix: n.prefix,
            suffix: n.suffix,
        }),
        employee_ids: p.employee_ids,
    }
}

fn group_trait_to_proto(t: &GroupTrait) -> pb::GroupTrait {
    pb::GroupTrait {
        icon: t.icon.as_ref().map(asset_to_proto),
        profile: t.profile.as_ref().map(profile_to_proto),
        group_source_type: t.group_source_type.clone(),
        raw_group_source_type: t.raw_group_source_type.clone(),
    }
}

fn group_trait_from_proto(p: pb::GroupTrait) -> GroupTrait {
    GroupTrait {
        icon: p.icon.map(asset_from_proto),
        profile: p.profile.map(profile_from_proto),
        group_source_type: p.group_source_type,
        raw_group_source_type: p.raw_group_source_type,
    }
}

fn role_trait_to_proto(t: &RoleTrait) -> pb::RoleTrait {
    pb::RoleTrait {
        profile: t.profile.as_ref().map(profile_to_proto),
    }
}

fn app_trait_to_proto(t: &AppTrait) -> pb::AppTrait {
    pb::AppTrait {
        help_url: t.help_url.clone(),
        icon: t.icon.as_ref().map(asset_to_proto),
        logo: t.logo.as_ref().map(asset_to_proto),
        profile: t.profile.as_ref().map(profile_to_proto),
        flags: t.flags.clone(),
        app_source_type: t.app_source_type.clone(),
        raw_app_source_type: t.raw_app_source_type.clone(),
    }
}

fn app_trait_from_proto(p: pb::AppTrait) -> AppTrait {
    AppTrait {
        help_url: p.help_url,
        icon: p.icon.map(asset_from_proto),
        logo: p.logo.map(asset_from_proto),
        profile: p.profile.map(profile_from_proto),
        flags: p.flags,
        app_source_type: p.app_source_type,
        raw_app_source_type: p.raw_app_source_type,
    }
}

fn secret_trait_to_proto(t: &SecretTrait) -> pb::SecretTrait {
    pb::SecretTrait {
        profile: t.profile.as_ref().map(profile_to_proto),
        created_at: t.created_at.map(timestamp_to_proto),
        expires_at: t.expires_at.map(timestamp_to_proto),
        last_used_at: t.last_used_at.map(timestamp_to_proto),
        created_by_id: t.created_by_id.as_ref().map(resource_id_to_proto),
        identity_id: t.identity_id.as_ref().map(resource_id_to_proto),
    }
}

fn secret_trait_from_proto(p: pb::SecretTrait) -> SecretTrait {
    SecretTrait {
        profile: p.profile.map(profile_from_proto),
        created_at: p.created_at.map(timestamp_from_proto),
        expires_at: p.expires_at.map(timestamp_from_proto),
        last_used_at: p.last_used_at.map(timestamp_from_proto),
        created_by_id: p.created_by_id.map(resource_id_from_proto),
        identity_id: p.identity_id.map(resource_id_from_proto),
    }
}

/// The type URL of the annotation that carries what baton's `Event` has no field for.
pub const EVENT_DETAILS_TYPE_URL: &str = "type.googleapis.com/google.protobuf.Struct";

/// An event of a connector's feed as baton's `c1.connector.v2.Event`: a `GrantEvent`,
/// `RevokeEvent`, `ResourceChangeEvent` or `UsageEvent` by its kind. What baton's message has
/// no field for — the actor of a grant, revoke or change, the raw action, the address, the
/// location and the (redacted) metadata — travels in one `google.protobuf.Struct` annotation,
/// which any protobuf reader can unpack and baton's readers ignore.
pub fn event_to_proto(e: &connector_sdk::FeedEvent) -> pb::Event {
    use connector_sdk::{EventKind, EventResource};
    let resource = |r: &EventResource| pb::Resource {
        id: Some(resource_id_to_proto(&r.id)),
        display_name: r.display_name.clone(),
        ..Default::default()
    };
    let entitlement = || pb::Entitlement {
        resource: e.target.as_ref().map(resource),
        id: e.entitlement_id.clone().unwrap_or_default(),
        ..Default::default()
    };
    let event = match e.kind {
        EventKind::Grant => pb::EventKind::GrantEvent(pb::GrantEvent {
            grant: Some(pb::Grant {
                entitlement: non_empty(entitlement()),
                principal: e.principal.as_ref().map(resource),
                id: match (&e.entitlement_id, &e.principal) {
                    (Some(ent), Some(p)) => connector_sdk::ids::grant_id(ent, &p.id),
                    _ => String::new(),
                },
                ..Default::default()
            }),
        }),
        EventKind::Revoke => pb::EventKind::RevokeEvent(pb::RevokeEvent {
            entitlement: non_empty(entitlement()),
            principal: e.principal.as_ref().map(resource),
        }),
        EventKind::ResourceChange => pb::EventKind::ResourceChangeEvent(pb::ResourceChangeEvent {
            resource_id: e.target.as_ref().map(|t| resource_id_to_proto(&t.id)),
            parent_resource_id: None,
        }),
        EventKind::Usage => pb::EventKind::UsageEvent(pb::UsageEvent {
            target_resource: e.target.as_ref().map(resource),
            actor_resource: e.actor.as_ref().map(|a| resource(&a.principal)),
        }),
    };
    let mut details = Profile::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            details.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    };
    put("action", Some(&e.action));
    put("remote_ip", e.remote_ip.as_deref());
    put("location", e.location.as_deref());
    if let Some(actor) = &e.actor {
        put("actor_type", Some(&actor.principal.id.resource_type));
        put("actor_id", Some(&actor.principal.id.resource));
        put("actor_display_name", Some(&actor.principal.display_name));
        put("actor_kind", Some(&actor.kind));
    }
    let metadata: Profile = e
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    if !metadata.is_empty() {
        details.insert("metadata".to_owned(), Value::Struct(metadata));
    }
    pb::Event {
        id: e.id.clone(),
        occurred_at: Some(timestamp_to_proto(e.occurred_at)),
        annotations: vec![pb::Any {
            type_url: EVENT_DETAILS_TYPE_URL.to_owned(),
            value: profile_to_proto(&details).encode_to_vec(),
        }],
        event: Some(event),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_typed_annotations_stay_verbatim() {
        // A RoleTrait with `role_scope_conditions` (field 2), which the model cannot hold.
        let any = pb::Any {
            type_url: format!("{TYPE_URL_PREFIX}RoleTrait"),
            value: vec![0x12, 0x02, 0x08, 0x01],
        };
        let a = annotation_from_any(any.clone());
        assert_eq!(
            a,
            Annotation::Other {
                type_url: any.type_url.clone(),
                value: any.value.clone()
            }
        );
        assert_eq!(annotation_to_any(&a), any);
    }

    #[test]
    fn a_grant_round_trips_with_its_expandable_annotation() {
        let rt = ResourceType::new("team", "Team", &[Trait::Group]);
        let team = Resource::new(&rt, "t1", "Team 1");
        let member = Entitlement::assignment(&team, "member");
        let grant = Grant::of(&member, ResourceId::new("team", "t2")).with_annotation(
            Annotation::GrantExpandable {
                entitlement_ids: vec!["team:t2:member".into()],
                shallow: true,
                resource_type_ids: vec!["user".into()],
            },
        );
        let back =
            grant_from_proto(pb::Grant::decode(&*grant_to_proto(&grant).encode_to_vec()).unwrap());
        assert_eq!(back, grant);
    }
}
