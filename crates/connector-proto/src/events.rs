//! A connector's feed events as baton's `c1.connector.v2.Event`.

use prost::Message;

use connector_sdk::{Profile, Value};

use crate::model::{non_empty, resource_id_to_proto};
use crate::pb;
use crate::values::{profile_to_proto, timestamp_to_proto};

/// The type URL of the annotation that carries what baton's `Event` has no field for.
pub const EVENT_DETAILS_TYPE_URL: &str = "type.googleapis.com/google.protobuf.Struct";

/// An event of a connector's feed as baton's `c1.connector.v2.Event`: a `GrantEvent`,
/// `RevokeEvent`, `ResourceChangeEvent` or `UsageEvent` by its kind. What baton's message has
/// no field for — the actor of a grant, revoke or change, the raw action, the address, the
/// location and the (redacted) metadata — travels in one `google.protobuf.Struct` annotation,
/// which any protobuf reader can unpack and baton's readers ignore.
pub fn event_to_proto(e: &connector_sdk::events::FeedEvent) -> pb::Event {
    use connector_sdk::events::{EventKind, EventResource};
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
