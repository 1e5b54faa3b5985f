//! The records — resource types, resources, entitlements, grants — between the model and
//! baton's messages.

use prost::Message;

use connector_sdk::{
    Entitlement, ExternalId, Grant, GrantSources, Purpose, Resource, ResourceId, ResourceType,
    Trait,
};

use crate::annotations::{annotation_from_any, annotation_to_any};
use crate::pb;
use crate::values::{
    asset_from_proto, asset_to_proto, profile_from_proto, profile_to_proto, status_from_proto,
    status_to_proto, timestamp_from_proto, timestamp_to_proto,
};

/// A grant as baton's message, every annotation kept (a `GrantExpandable` too: the `.c1z` writer
/// moves it to its own column, the gRPC protocol sends it for the host to expand).
pub fn grant_to_proto(g: &Grant) -> pb::Grant {
    pb::Grant {
        entitlement: non_empty(entitlement_to_proto(&g.entitlement)),
        ..grant_without_entitlement(g)
    }
}

/// [`grant_to_proto`] without the embedded entitlement (field 1), for an encoder that writes
/// that field itself.
pub(crate) fn grant_without_entitlement(g: &Grant) -> pb::Grant {
    pb::Grant {
        entitlement: None,
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
        ..entitlement_without_resource(e)
    }
}

/// [`entitlement_to_proto`] without the embedded resource (field 1), for an encoder that writes
/// that field itself.
pub(crate) fn entitlement_without_resource(e: &Entitlement) -> pb::Entitlement {
    pb::Entitlement {
        resource: None,
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
