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

mod annotations;
mod encode;
mod events;
mod model;
mod values;

pub use annotations::{TYPE_URL_PREFIX, annotation_from_any, annotation_to_any, any};
pub use encode::{Embedded, EntitlementEncoder, GrantEncoder};
pub use events::{EVENT_DETAILS_TYPE_URL, event_to_proto};
pub use model::{
    entitlement_from_proto, entitlement_to_proto, grant_expandable, grant_from_proto,
    grant_sources_to_proto, grant_to_proto, non_empty, resource_from_proto, resource_id_from_proto,
    resource_id_to_proto, resource_to_proto, resource_type_from_proto, resource_type_to_proto,
};
pub use values::{profile_from_proto, profile_to_proto, timestamp_from_proto, timestamp_to_proto};

#[cfg(test)]
mod tests {
    use connector_sdk::{
        Annotation, Entitlement, Grant, Resource, ResourceId, ResourceType, Trait,
    };
    use prost::Message;

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
