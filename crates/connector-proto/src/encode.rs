//! Encoding lists whose items embed the same message, each distinct one converted and encoded
//! once: a page of grants mostly embeds a few entitlements (every member of an organization holds
//! its member entitlement, with the organization's resource, profile and traits inside), a page
//! of entitlements one resource. Converting and encoding that embedded message is most of the
//! work, and repeating it per item is what these encoders avoid.
//!
//! The bytes are exactly those of the message [`grant_to_proto`](crate::grant_to_proto) or
//! [`entitlement_to_proto`]
//! builds, written as a field of an enclosing message (a list response's `list`).

use prost::Message;
use prost::encoding::{WireType, encode_key, encode_varint, message};

use connector_sdk::{Entitlement, Grant, Resource};

use crate::model::{entitlement_without_resource, grant_without_entitlement};
use crate::{entitlement_to_proto, non_empty, resource_to_proto};

/// The distinct embedded values kept: enough for a page's grants, which cycle through an
/// organization's few role entitlements.
const KEPT: usize = 8;

/// The last few distinct values embedded as field 1 of their items, and that field encoded:
/// what [`GrantEncoder`] and [`EntitlementEncoder`] keep, and what a `.c1z` writer keeps of the
/// entitlements its grant blobs embed.
#[derive(Debug)]
pub struct Embedded<T> {
    recent: Vec<(T, Vec<u8>)>,
}

impl<T> Default for Embedded<T> {
    fn default() -> Self {
        Embedded { recent: Vec::new() }
    }
}

impl<T: PartialEq + Clone> Embedded<T> {
    /// `value` encoded as field 1 (nothing when `encode` gives no message), encoded on first use.
    pub fn field<M: Message>(&mut self, value: &T, encode: impl FnOnce(&T) -> Option<M>) -> &[u8] {
        let at = match self.recent.iter().position(|(v, _)| v == value) {
            Some(at) => at,
            None => {
                let mut field = Vec::new();
                if let Some(m) = encode(value) {
                    message::encode(1, &m, &mut field);
                }
                if self.recent.len() == KEPT {
                    self.recent.remove(0);
                }
                self.recent.push((value.clone(), field));
                self.recent.len() - 1
            }
        };
        &self.recent[at].1
    }
}

/// Writes a message as field `tag` of the enclosing one: its field 1 encoded already, then
/// `rest` (the message with field 1 left empty).
fn write(tag: u32, first: &[u8], rest: &impl Message, out: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, out);
    encode_varint((first.len() + rest.encoded_len()) as u64, out);
    out.extend_from_slice(first);
    rest.encode_raw(out);
}

/// Encodes grants, each distinct embedded entitlement once.
#[derive(Debug, Default)]
pub struct GrantEncoder {
    entitlements: Embedded<Entitlement>,
}

impl GrantEncoder {
    /// Appends `g` to `out` as field `tag`: the bytes of `grant_to_proto(g)` as that field.
    pub fn encode(&mut self, tag: u32, g: &Grant, out: &mut Vec<u8>) {
        let first = self
            .entitlements
            .field(&g.entitlement, |e| non_empty(entitlement_to_proto(e)));
        write(tag, first, &grant_without_entitlement(g), out);
    }
}

/// Encodes entitlements, each distinct embedded resource once.
#[derive(Debug, Default)]
pub struct EntitlementEncoder {
    resources: Embedded<Resource>,
}

impl EntitlementEncoder {
    /// Appends `e` to `out` as field `tag`: the bytes of `entitlement_to_proto(e)` as that field.
    pub fn encode(&mut self, tag: u32, e: &Entitlement, out: &mut Vec<u8>) {
        let first = self
            .resources
            .field(&e.resource, |r| non_empty(resource_to_proto(r)));
        write(tag, first, &entitlement_without_resource(e), out);
    }
}

#[cfg(test)]
mod tests {
    use connector_sdk::{Annotation, Profile, ResourceId, ResourceType, Trait, Value};

    use super::*;
    use crate::grant_to_proto;

    /// An organization-like resource: a profile and annotations, as the embedded ones are.
    fn org(id: &str) -> Resource {
        let rt = ResourceType::new("org", "Organization", &[]);
        let mut profile = Profile::new();
        profile.insert("name".into(), Value::String(id.into()));
        Resource::new(&rt, id, id)
            .with_profile(profile)
            .with_annotation(Annotation::child_resource_type("team"))
    }

    /// The grants of a page: many people, a few entitlements in turn, more distinct ones than
    /// the encoder keeps.
    fn grants() -> Vec<Grant> {
        let orgs: Vec<Resource> = (0..KEPT + 3).map(|i| org(&format!("o{i}"))).collect();
        let mut grants = Vec::new();
        for person in 0..40 {
            let principal = ResourceId::new("user", format!("u{person}"));
            let org = &orgs[person % orgs.len()];
            grants.push(Grant::new(org, "member", principal.clone()));
            if person % 3 == 0 {
                grants.push(Grant::new(&orgs[0], "admin", principal));
            }
        }
        grants
    }

    #[test]
    fn grants_encode_as_their_messages_do() {
        let grants = grants();
        let mut encoder = GrantEncoder::default();
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for g in &grants {
            encoder.encode(1, g, &mut ours);
            message::encode(1, &grant_to_proto(g), &mut theirs);
        }
        assert_eq!(ours, theirs);
    }

    #[test]
    fn entitlements_encode_as_their_messages_do() {
        let rt = ResourceType::new("user", "User", &[Trait::User]);
        let mut encoder = EntitlementEncoder::default();
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for i in 0..KEPT + 3 {
            let team = org(&format!("t{}", i % (KEPT + 1)));
            let e = Entitlement::assignment(&team, "member").with_grantable_to(&[&rt]);
            encoder.encode(3, &e, &mut ours);
            message::encode(3, &entitlement_to_proto(&e), &mut theirs);
        }
        // An empty entitlement embeds no resource at all.
        encoder.encode(3, &Entitlement::default(), &mut ours);
        message::encode(
            3,
            &entitlement_to_proto(&Entitlement::default()),
            &mut theirs,
        );
        assert_eq!(ours, theirs);
    }
}
