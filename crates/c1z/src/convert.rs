//! Conversions between the SDK model and the protobuf messages, and the blob encoders.
//!
//! Encoding is deterministic: fields in number order, maps in key order (the model's maps are
//! `BTreeMap`s), and a message field is written only when it holds something, because the model
//! cannot tell an absent message from an empty one.

use prost::Message;

use connector_sdk::{
    AccountType, Annotation, AppTrait, AssetRef, Email, Entitlement, ExternalId, Grant,
    GrantSources, GroupTrait, Profile, Purpose, RateLimitDescription, Resource, ResourceId,
    ResourceType, RoleTrait, SecretTrait, Status, StatusKind, StructuredName, Timestamp, Trait,
    UserTrait, Value,
};

use crate::proto;

/// The prefix of every `c1.connector.v2` annotation type URL.
pub(crate) const TYPE_URL_PREFIX: &str = "type.googleapis.com/c1.connector.v2.";

/// A grant's blob and its `expansion` column, split as baton's writer does.
pub(crate) struct GrantBlob {
    /// The grant without its `GrantExpandable` annotation.
    pub data: Vec<u8>,
    /// `None`: no `GrantExpandable` (keep whatever the row had); `Some(empty)`: one without any
    /// non-blank entitlement id (clear the column); otherwise the encoded `GrantExpandable`.
    pub expansion: Option<Vec<u8>>,
}

/// Encodes a resource type.
pub(crate) fn encode_resource_type(rt: &ResourceType) -> Vec<u8> {
    resource_type_to_proto(rt).encode_to_vec()
}

/// Decodes a resource type.
pub(crate) fn decode_resource_type(data: &[u8]) -> Result<ResourceType, prost::DecodeError> {
    Ok(resource_type_from_proto(proto::ResourceType::decode(data)?))
}

/// Encodes a resource.
pub(crate) fn encode_resource(r: &Resource) -> Vec<u8> {
    resource_to_proto(r).encode_to_vec()
}

/// Decodes a resource.
pub(crate) fn decode_resource(data: &[u8]) -> Result<Resource, prost::DecodeError> {
    Ok(resource_from_proto(proto::Resource::decode(data)?))
}

/// Encodes an entitlement.
pub(crate) fn encode_entitlement(e: &Entitlement) -> Vec<u8> {
    entitlement_to_proto(e).encode_to_vec()
}

/// Decodes an entitlement.
pub(crate) fn decode_entitlement(data: &[u8]) -> Result<Entitlement, prost::DecodeError> {
    Ok(entitlement_from_proto(proto::Entitlement::decode(data)?))
}

/// Encodes a grant, moving a `GrantExpandable` annotation out of the blob as baton does.
#[cfg(test)]
pub(crate) fn encode_grant(g: &Grant) -> GrantBlob {
    GrantEncoder::default().encode(g)
}

/// Encodes grants, each distinct embedded entitlement once: the grants of a batch mostly
/// embed one (those of one resource, or the hundreds grant expansion gives one entitlement),
/// and encoding it is most of the work.
#[derive(Default)]
pub(crate) struct GrantEncoder {
    /// The last entitlement encoded, and its encoding as field 1 of a `Grant`.
    last: Option<(Entitlement, Vec<u8>)>,
}

impl GrantEncoder {
    /// Encodes `g`, moving a `GrantExpandable` annotation out of the blob as baton does.
    pub(crate) fn encode(&mut self, g: &Grant) -> GrantBlob {
        let mut expansion = None;
        let annotations = g
            .annotations
            .iter()
            .filter(|a| match a {
                Annotation::GrantExpandable {
                    entitlement_ids,
                    shallow,
                    resource_type_ids,
                } => {
                    // baton keeps the first one it picks and strips them all.
                    if expansion.is_none() {
                        let valid = entitlement_ids.iter().any(|id| !id.trim().is_empty());
                        expansion = Some(match valid {
                            true => grant_expandable(entitlement_ids, *shallow, resource_type_ids)
                                .encode_to_vec(),
                            false => Vec::new(),
                        });
                    }
                    false
                }
                _ => true,
            })
            .map(annotation_to_any)
            .collect();
        // Fields are written in number order, so the entitlement (field 1) comes first.
        let rest = proto::Grant {
            entitlement: None,
            principal: non_empty(resource_to_proto(&g.principal)),
            id: g.id.clone(),
            annotations,
            sources: g.sources.as_ref().map(grant_sources_to_proto),
        };
        let entitlement = self.entitlement_field(&g.entitlement);
        let mut data = Vec::with_capacity(entitlement.len() + rest.encoded_len());
        data.extend_from_slice(entitlement);
        rest.encode(&mut data)
            .expect("a Vec grows to hold any message");
        GrantBlob { data, expansion }
    }

    /// `entitlement` encoded as field 1 of a `Grant`; empty when it encodes to nothing.
    fn entitlement_field(&mut self, entitlement: &Entitlement) -> &[u8] {
        let fresh = !matches!(&self.last, Some((last, _)) if last == entitlement);
        if fresh {
            let mut field = Vec::new();
            if let Some(message) = non_empty(entitlement_to_proto(entitlement)) {
                prost::encoding::message::encode(1, &message, &mut field);
            }
            self.last = Some((entitlement.clone(), field));
        }
        self.last
            .as_ref()
            .map_or(&[], |(_, field)| field.as_slice())
    }
}

/// Decodes a grant; a non-empty `expansion` column becomes a `GrantExpandable` annotation again.
pub(crate) fn decode_grant(
    data: &[u8],
    expansion: Option<&[u8]>,
) -> Result<Grant, prost::DecodeError> {
    with_expansion(grant_from_proto(proto::Grant::decode(data)?), expansion)
}

/// Decodes grants, each distinct embedded entitlement once: what [`GrantEncoder`] saves on the
/// way in, for the pages of one entitlement's grants read back.
#[derive(Default)]
pub(crate) struct GrantDecoder {
    /// The last entitlement decoded, and its bytes.
    last: Option<(Vec<u8>, Entitlement)>,
}

impl GrantDecoder {
    /// As [`decode_grant`].
    pub(crate) fn decode(
        &mut self,
        data: &[u8],
        expansion: Option<&[u8]>,
    ) -> Result<Grant, prost::DecodeError> {
        // Writers put the entitlement (field 1) first; anything else decodes the plain way.
        let Some((field, rest)) = first_message_field(data) else {
            return decode_grant(data, expansion);
        };
        let rest = proto::Grant::decode(rest)?;
        if rest.entitlement.is_some() {
            return decode_grant(data, expansion);
        }
        let entitlement = match &self.last {
            Some((bytes, entitlement)) if bytes == field => entitlement.clone(),
            _ => {
                let entitlement = entitlement_from_proto(proto::Entitlement::decode(field)?);
                self.last = Some((field.to_vec(), entitlement.clone()));
                entitlement
            }
        };
        let grant = Grant {
            entitlement,
            ..grant_from_proto(rest)
        };
        with_expansion(grant, expansion)
    }
}

/// The bytes of field 1 when `data` starts with it as a length-delimited field, and the rest.
fn first_message_field(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut tail = data.strip_prefix(&[0x0a])?;
    let len = prost::encoding::decode_varint(&mut tail).ok()?;
    let len = usize::try_from(len).ok().filter(|&n| n <= tail.len())?;
    Some(tail.split_at(len))
}

/// `grant` with a non-empty `expansion` column as its `GrantExpandable` annotation, unless it
/// carries one already.
fn with_expansion(mut grant: Grant, expansion: Option<&[u8]>) -> Result<Grant, prost::DecodeError> {
    let Some(expansion) = expansion.filter(|e| !e.is_empty()) else {
        return Ok(grant);
    };
    let has_one = grant
        .annotations
        .iter()
        .any(|a| matches!(a, Annotation::GrantExpandable { .. }));
    if !has_one {
        let e = proto::GrantExpandable::decode(expansion)?;
        grant.annotations.push(Annotation::GrantExpandable {
            entitlement_ids: e.entitlement_ids,
            shallow: e.shallow,
            resource_type_ids: e.resource_type_ids,
        });
    }
    Ok(grant)
}

fn non_empty<M: Message>(m: M) -> Option<M> {
    match m.encoded_len() {
        0 => None,
        _ => Some(m),
    }
}

fn grant_expandable(ids: &[String], shallow: bool, types: &[String]) -> proto::GrantExpandable {
    proto::GrantExpandable {
        entitlement_ids: ids.to_vec(),
        shallow,
        resource_type_ids: types.to_vec(),
    }
}

fn resource_type_to_proto(rt: &ResourceType) -> proto::ResourceType {
    proto::ResourceType {
        id: rt.id.clone(),
        display_name: rt.display_name.clone(),
        traits: rt.traits.iter().map(|t| t.number()).collect(),
        annotations: rt.annotations.iter().map(annotation_to_any).collect(),
        description: rt.description.clone(),
        sourced_externally: rt.sourced_externally,
    }
}

fn resource_type_from_proto(p: proto::ResourceType) -> ResourceType {
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

fn resource_id_to_proto(id: &ResourceId) -> proto::ResourceId {
    proto::ResourceId {
        resource_type: id.resource_type.clone(),
        resource: id.resource.clone(),
        baton_resource: id.baton_resource,
    }
}

fn resource_id_from_proto(p: proto::ResourceId) -> ResourceId {
    ResourceId {
        resource_type: p.resource_type,
        resource: p.resource,
        baton_resource: p.baton_resource,
    }
}

fn resource_to_proto(r: &Resource) -> proto::Resource {
    proto::Resource {
        id: non_empty(resource_id_to_proto(&r.id)),
        parent_resource_id: r.parent.as_ref().map(resource_id_to_proto),
        display_name: r.display_name.clone(),
        annotations: r.annotations.iter().map(annotation_to_any).collect(),
        description: r.description.clone(),
        baton_resource: r.baton_resource,
        external_id: r.external_id.as_ref().map(|e| proto::ExternalId {
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

fn resource_from_proto(p: proto::Resource) -> Resource {
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

fn entitlement_to_proto(e: &Entitlement) -> proto::Entitlement {
    proto::Entitlement {
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

fn entitlement_from_proto(p: proto::Entitlement) -> Entitlement {
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

fn grant_from_proto(p: proto::Grant) -> Grant {
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

fn grant_sources_to_proto(s: &GrantSources) -> proto::GrantSources {
    proto::GrantSources {
        sources: s
            .sources
            .iter()
            .map(|(k, v)| proto::GrantSourcesEntry {
                key: Some(k.clone()),
                value: Some(proto::GrantSource { is_direct: *v }),
            })
            .collect(),
    }
}

fn timestamp_to_proto(t: Timestamp) -> proto::Timestamp {
    proto::Timestamp {
        seconds: t.seconds,
        nanos: t.nanos,
    }
}

fn timestamp_from_proto(t: proto::Timestamp) -> Timestamp {
    Timestamp {
        seconds: t.seconds,
        nanos: t.nanos,
    }
}

fn asset_to_proto(a: &AssetRef) -> proto::AssetRef {
    proto::AssetRef { id: a.id.clone() }
}

fn asset_from_proto(a: proto::AssetRef) -> AssetRef {
    AssetRef { id: a.id }
}

fn status_to_proto(s: &Status) -> proto::Status {
    let status = match s.status {
        StatusKind::Unspecified => 0,
        StatusKind::Enabled => 1,
        StatusKind::Disabled => 2,
        StatusKind::Deleted => 3,
    };
    proto::Status {
        status,
        details: s.details.clone(),
    }
}

fn status_from_proto(s: proto::Status) -> Status {
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

fn profile_to_proto(p: &Profile) -> proto::Struct {
    proto::Struct {
        fields: p
            .iter()
            .map(|(k, v)| proto::StructEntry {
                key: Some(k.clone()),
                value: Some(value_to_proto(v)),
            })
            .collect(),
    }
}

fn profile_from_proto(s: proto::Struct) -> Profile {
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

fn value_to_proto(v: &Value) -> proto::Value {
    let kind = match v {
        Value::Null => proto::Kind::NullValue(0),
        Value::Bool(b) => proto::Kind::BoolValue(*b),
        Value::Number(n) => proto::Kind::NumberValue(*n),
        Value::String(s) => proto::Kind::StringValue(s.clone()),
        Value::List(l) => proto::Kind::ListValue(proto::ListValue {
            values: l.iter().map(value_to_proto).collect(),
        }),
        Value::Struct(s) => proto::Kind::StructValue(profile_to_proto(s)),
    };
    proto::Value { kind: Some(kind) }
}

fn value_from_proto(v: proto::Value) -> Value {
    match v.kind {
        None | Some(proto::Kind::NullValue(_)) => Value::Null,
        Some(proto::Kind::BoolValue(b)) => Value::Bool(b),
        Some(proto::Kind::NumberValue(n)) => Value::Number(n),
        Some(proto::Kind::StringValue(s)) => Value::String(s),
        Some(proto::Kind::ListValue(l)) => {
            Value::List(l.values.into_iter().map(value_from_proto).collect())
        }
        Some(proto::Kind::StructValue(s)) => Value::Struct(profile_from_proto(s)),
    }
}

fn any(name: &str, value: Vec<u8>) -> proto::Any {
    proto::Any {
        type_url: format!("{TYPE_URL_PREFIX}{name}"),
        value,
    }
}

fn annotation_to_any(a: &Annotation) -> proto::Any {
    match a {
        Annotation::UserTrait(t) => any("UserTrait", user_trait_to_proto(t).encode_to_vec()),
        Annotation::GroupTrait(t) => any("GroupTrait", group_trait_to_proto(t).encode_to_vec()),
        Annotation::RoleTrait(t) => any("RoleTrait", role_trait_to_proto(t).encode_to_vec()),
        Annotation::AppTrait(t) => any("AppTrait", app_trait_to_proto(t).encode_to_vec()),
        Annotation::SecretTrait(t) => any("SecretTrait", secret_trait_to_proto(t).encode_to_vec()),
        Annotation::ChildResourceType { resource_type_id } => any(
            "ChildResourceType",
            proto::ChildResourceType {
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
            proto::ExternalLink { url: url.clone() }.encode_to_vec(),
        ),
        Annotation::RateLimitDescription(r) => any(
            "RateLimitDescription",
            rate_limit_to_proto(r).encode_to_vec(),
        ),
        Annotation::Other { type_url, value } => proto::Any {
            type_url: type_url.clone(),
            value: value.clone(),
        },
        // A variant added to the SDK later is written as nothing rather than guessed at.
        #[allow(unreachable_patterns, reason = "Annotation may gain variants")]
        _ => proto::Any::default(),
    }
}

/// Decodes an annotation into its typed variant when that loses nothing, else keeps it verbatim.
///
/// A typed decode loses information when the message has fields the model does not carry (a
/// newer baton's fields, `RoleTrait.role_scope_conditions`, `SecretTrait.credential_type` …).
/// Re-encoding the typed value then gives a different length; map order differences (Go writes
/// the maps inside an `Any` in random order) keep the length, so they still decode typed.
fn annotation_from_any(a: proto::Any) -> Annotation {
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
        "UserTrait" => {
            Annotation::UserTrait(user_trait_from_proto(proto::UserTrait::decode(v).ok()?))
        }
        "GroupTrait" => {
            Annotation::GroupTrait(group_trait_from_proto(proto::GroupTrait::decode(v).ok()?))
        }
        "RoleTrait" => Annotation::RoleTrait(RoleTrait {
            profile: proto::RoleTrait::decode(v)
                .ok()?
                .profile
                .map(profile_from_proto),
        }),
        "AppTrait" => Annotation::AppTrait(app_trait_from_proto(proto::AppTrait::decode(v).ok()?)),
        "SecretTrait" => {
            Annotation::SecretTrait(secret_trait_from_proto(proto::SecretTrait::decode(v).ok()?))
        }
        "ChildResourceType" => Annotation::ChildResourceType {
            resource_type_id: proto::ChildResourceType::decode(v).ok()?.resource_type_id,
        },
        "SkipEntitlementsAndGrants" => Annotation::SkipEntitlementsAndGrants,
        "SkipGrants" => Annotation::SkipGrants,
        "SkipEntitlements" => Annotation::SkipEntitlements,
        "GrantExpandable" => {
            let e = proto::GrantExpandable::decode(v).ok()?;
            Annotation::GrantExpandable {
                entitlement_ids: e.entitlement_ids,
                shallow: e.shallow,
                resource_type_ids: e.resource_type_ids,
            }
        }
        "ExternalLink" => Annotation::ExternalLink {
            url: proto::ExternalLink::decode(v).ok()?.url,
        },
        "RateLimitDescription" => {
            let r = proto::RateLimitDescription::decode(v).ok()?;
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

fn rate_limit_to_proto(r: &RateLimitDescription) -> proto::RateLimitDescription {
    proto::RateLimitDescription {
        status: r.status,
        limit: r.limit,
        remaining: r.remaining,
        reset_at: r.reset_at.map(timestamp_to_proto),
    }
}

fn user_trait_to_proto(t: &UserTrait) -> proto::UserTrait {
    proto::UserTrait {
        emails: t
            .emails
            .iter()
            .map(|e| proto::Email {
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
            .map(|mfa_enabled| proto::MfaStatus { mfa_enabled }),
        sso_status: t
            .sso_enabled
            .map(|sso_enabled| proto::SsoStatus { sso_enabled }),
        structured_name: t.structured_name.as_ref().map(|n| proto::StructuredName {
            given_name: n.given_name.clone(),
            family_name: n.family_name.clone(),
            middle_names: n.middle_names.clone(),
            prefix: n.prefix.clone(),
            suffix: n.suffix.clone(),
        }),
        employee_ids: t.employee_ids.clone(),
    }
}

fn user_trait_from_proto(p: proto::UserTrait) -> UserTrait {
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

fn group_trait_to_proto(t: &GroupTrait) -> proto::GroupTrait {
    proto::GroupTrait {
        icon: t.icon.as_ref().map(asset_to_proto),
        profile: t.profile.as_ref().map(profile_to_proto),
        group_source_type: t.group_source_type.clone(),
        raw_group_source_type: t.raw_group_source_type.clone(),
    }
}

fn group_trait_from_proto(p: proto::GroupTrait) -> GroupTrait {
    GroupTrait {
        icon: p.icon.map(asset_from_proto),
        profile: p.profile.map(profile_from_proto),
        group_source_type: p.group_source_type,
        raw_group_source_type: p.raw_group_source_type,
    }
}

fn role_trait_to_proto(t: &RoleTrait) -> proto::RoleTrait {
    proto::RoleTrait {
        profile: t.profile.as_ref().map(profile_to_proto),
    }
}

fn app_trait_to_proto(t: &AppTrait) -> proto::AppTrait {
    proto::AppTrait {
        help_url: t.help_url.clone(),
        icon: t.icon.as_ref().map(asset_to_proto),
        logo: t.logo.as_ref().map(asset_to_proto),
        profile: t.profile.as_ref().map(profile_to_proto),
        flags: t.flags.clone(),
        app_source_type: t.app_source_type.clone(),
        raw_app_source_type: t.raw_app_source_type.clone(),
    }
}

fn app_trait_from_proto(p: proto::AppTrait) -> AppTrait {
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

fn secret_trait_to_proto(t: &SecretTrait) -> proto::SecretTrait {
    proto::SecretTrait {
        profile: t.profile.as_ref().map(profile_to_proto),
        created_at: t.created_at.map(timestamp_to_proto),
        expires_at: t.expires_at.map(timestamp_to_proto),
        last_used_at: t.last_used_at.map(timestamp_to_proto),
        created_by_id: t.created_by_id.as_ref().map(resource_id_to_proto),
        identity_id: t.identity_id.as_ref().map(resource_id_to_proto),
    }
}

fn secret_trait_from_proto(p: proto::SecretTrait) -> SecretTrait {
    SecretTrait {
        profile: p.profile.map(profile_from_proto),
        created_at: p.created_at.map(timestamp_from_proto),
        expires_at: p.expires_at.map(timestamp_from_proto),
        last_used_at: p.last_used_at.map(timestamp_from_proto),
        created_by_id: p.created_by_id.map(resource_id_from_proto),
        identity_id: p.identity_id.map(resource_id_from_proto),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_entries_are_written_as_go_writes_them() {
        // Go writes a map entry's key and value even when they are empty or default; the
        // fixtures hold `GrantSource{is_direct: false}` as `12 00`.
        let grant = Grant {
            sources: Some(GrantSources {
                sources: [("a".to_owned(), false)].into(),
            }),
            ..Default::default()
        };
        let blob = encode_grant(&grant);
        assert_eq!(
            blob.data,
            [0x2a, 0x07, 0x0a, 0x05, 0x0a, 0x01, b'a', 0x12, 0x00]
        );
        let back = decode_grant(&blob.data, None).unwrap();
        assert_eq!(back, grant);
    }

    #[test]
    fn the_decoder_decodes_as_decode_grant_does() {
        let resource = Resource::new(&ResourceType::new("group", "Group", &[]), "g", "G");
        let member = Entitlement::new(&resource, "member", Purpose::Assignment);
        let other = Entitlement::new(&resource, "admin", Purpose::Assignment);
        let grants = [
            Grant::of(&member, ResourceId::new("user", "a")),
            Grant::of(&member, ResourceId::new("user", "b")),
            Grant::of(&other, ResourceId::new("user", "a")),
            Grant::of(&member, ResourceId::new("user", "c")),
        ];
        let mut blobs: Vec<Vec<u8>> = grants.iter().map(|g| encode_grant(g).data).collect();
        // The entitlement after the id, and twice (the occurrences merge): decoded plainly.
        let late = proto::Grant {
            id: "late".into(),
            ..Default::default()
        };
        let mut reordered = late.encode_to_vec();
        reordered.extend(&blobs[0]);
        blobs.push(reordered.clone());
        reordered.extend(&blobs[2]);
        blobs.push(reordered);
        let mut decoder = GrantDecoder::default();
        for blob in &blobs {
            let expected = decode_grant(blob, None).unwrap();
            assert_eq!(decoder.decode(blob, None).unwrap(), expected);
        }
        assert_eq!(
            decoder.decode(&blobs[1], None).unwrap().entitlement.id,
            "group:g:member"
        );
    }

    #[test]
    fn lossy_typed_annotations_stay_verbatim() {
        // A RoleTrait with `role_scope_conditions` (field 2), which the model cannot hold.
        let any = proto::Any {
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
    fn expandable_without_valid_ids_clears_the_column() {
        let mut grant = Grant::default();
        grant.annotations.push(Annotation::GrantExpandable {
            entitlement_ids: vec![" ".into()],
            shallow: false,
            resource_type_ids: vec![],
        });
        let blob = encode_grant(&grant);
        assert_eq!(blob.expansion, Some(Vec::new()));
        assert!(blob.data.is_empty());
    }
}
