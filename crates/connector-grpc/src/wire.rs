//! The list responses whose items a server hands over encoded already.
//!
//! `ListGrants` and `ListEntitlements` answer with items that embed the same message again and
//! again (see [`connector_proto::GrantEncoder`]): the server encodes each page straight into
//! bytes, each distinct embedded message once, instead of building a prost message per item
//! and encoding every copy of the embedded one. These response types are therefore written by
//! hand, not generated (`build.rs` maps baton's message names to them): on the wire each is
//! baton's message — `repeated <item> list = 1; string next_page_token = 2; repeated
//! google.protobuf.Any annotations = 3;` — and a client decodes `list` as usual.

use prost::bytes::{Buf, BufMut};
use prost::encoding::{DecodeContext, WireType, message, skip_field, string};
use prost::{DecodeError, Message};

use connector_proto::{EntitlementEncoder, GrantEncoder, pb};
use connector_sdk::{Entitlement, Grant};

/// One of baton's list responses: `list` (field 1), `next_page_token` (2), `annotations` (3).
#[derive(Clone, Debug, PartialEq)]
pub struct ListResponse<M> {
    /// The items, as a client decodes them.
    pub list: Vec<M>,
    /// The next page's token; empty on the last page.
    pub next_page_token: String,
    /// The response's annotations.
    pub annotations: Vec<pb::Any>,
    /// Items encoded already as field 1 (a server's answer), written before `list`.
    encoded: Vec<u8>,
}

impl<M> Default for ListResponse<M> {
    fn default() -> Self {
        ListResponse {
            list: Vec::new(),
            next_page_token: String::new(),
            annotations: Vec::new(),
            encoded: Vec::new(),
        }
    }
}

impl<M> ListResponse<M> {
    /// A response whose items are `encoded` already, each as field 1.
    fn encoded(encoded: Vec<u8>, next_page_token: String, annotations: Vec<pb::Any>) -> Self {
        ListResponse {
            list: Vec::new(),
            next_page_token,
            annotations,
            encoded,
        }
    }
}

impl ListResponse<pb::Grant> {
    /// The response listing `grants`, encoded now, each distinct embedded entitlement once.
    pub fn grants(grants: &[Grant], next_page_token: String, annotations: Vec<pb::Any>) -> Self {
        let mut encoder = GrantEncoder::default();
        let mut encoded = Vec::new();
        for grant in grants {
            encoder.encode(1, grant, &mut encoded);
        }
        ListResponse::encoded(encoded, next_page_token, annotations)
    }
}

impl ListResponse<pb::Entitlement> {
    /// The response listing `entitlements`, encoded now, each distinct embedded resource once.
    pub fn entitlements(
        entitlements: &[Entitlement],
        next_page_token: String,
        annotations: Vec<pb::Any>,
    ) -> Self {
        let mut encoder = EntitlementEncoder::default();
        let mut encoded = Vec::new();
        for entitlement in entitlements {
            encoder.encode(1, entitlement, &mut encoded);
        }
        ListResponse::encoded(encoded, next_page_token, annotations)
    }
}

impl<M: Message + Default> Message for ListResponse<M> {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.encoded);
        message::encode_repeated(1, &self.list, buf);
        if !self.next_page_token.is_empty() {
            string::encode(2, &self.next_page_token, buf);
        }
        message::encode_repeated(3, &self.annotations, buf);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => message::merge_repeated(wire_type, &mut self.list, buf, ctx),
            2 => string::merge(wire_type, &mut self.next_page_token, buf, ctx),
            3 => message::merge_repeated(wire_type, &mut self.annotations, buf, ctx),
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let token = match self.next_page_token.is_empty() {
            true => 0,
            false => string::encoded_len(2, &self.next_page_token),
        };
        self.encoded.len()
            + message::encoded_len_repeated(1, &self.list)
            + token
            + message::encoded_len_repeated(3, &self.annotations)
    }

    fn clear(&mut self) {
        *self = ListResponse::default();
    }
}

/// `c1.connector.v2.GrantsServiceListGrantsResponse`.
pub type GrantsServiceListGrantsResponse = ListResponse<pb::Grant>;

/// `c1.connector.v2.EntitlementsServiceListEntitlementsResponse`.
pub type EntitlementsServiceListEntitlementsResponse = ListResponse<pb::Entitlement>;

/// `c1.connector.v2.EntitlementsServiceListStaticEntitlementsResponse`.
pub type EntitlementsServiceListStaticEntitlementsResponse = ListResponse<pb::Entitlement>;

#[cfg(test)]
mod tests {
    use connector_proto::grant_to_proto;
    use connector_sdk::{Annotation, Resource, ResourceId, ResourceType};

    use super::*;

    #[test]
    fn encoded_grants_are_the_typed_response_on_the_wire() {
        let rt = ResourceType::new("team", "Team", &[]);
        let team = Resource::new(&rt, "t1", "Team 1").with_annotation(Annotation::SkipGrants);
        let grants: Vec<Grant> = (0..5)
            .map(|i| Grant::new(&team, "member", ResourceId::new("user", format!("u{i}"))))
            .collect();
        let annotations = vec![connector_proto::any("EnqueuePageTokens", vec![8, 1])];
        let sent = ListResponse::grants(&grants, "next".into(), annotations.clone());
        let typed = GrantsServiceListGrantsResponse {
            list: grants.iter().map(grant_to_proto).collect(),
            next_page_token: "next".into(),
            annotations,
            ..Default::default()
        };
        assert_eq!(sent.encode_to_vec(), typed.encode_to_vec());
        let received = GrantsServiceListGrantsResponse::decode(&*sent.encode_to_vec()).unwrap();
        assert_eq!(received, typed);
    }
}
