//! The row blobs: the SDK model encoded as baton's messages (the conversions are
//! `connector-proto`'s), with a grant's `GrantExpandable` moved to its own column as baton's
//! writer does.

use prost::Message;

use connector_proto::pb as proto;
use connector_proto::{
    Embedded, annotation_to_any, entitlement_from_proto, entitlement_to_proto, grant_expandable,
    grant_from_proto, grant_sources_to_proto, non_empty, resource_from_proto, resource_to_proto,
    resource_type_from_proto, resource_type_to_proto,
};
use connector_sdk::{Annotation, Entitlement, Grant, GrantSources, Resource, ResourceType};

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
    /// The last entitlements encoded, and their encodings as field 1 of a `Grant`.
    entitlements: Embedded<Entitlement>,
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
        let entitlement = self
            .entitlements
            .field(&g.entitlement, |e| non_empty(entitlement_to_proto(e)));
        let mut data = Vec::with_capacity(entitlement.len() + rest.encoded_len());
        data.extend_from_slice(entitlement);
        rest.encode(&mut data)
            .expect("a Vec grows to hold any message");
        GrantBlob { data, expansion }
    }
}

/// Decodes a grant; a non-empty `expansion` column becomes a `GrantExpandable` annotation again.
pub(crate) fn decode_grant(
    data: &[u8],
    expansion: Option<&[u8]>,
) -> Result<Grant, prost::DecodeError> {
    with_expansion(grant_from_proto(proto::Grant::decode(data)?), expansion)
}

/// Field 5 of a `Grant` alone: decoding it skips the embedded entitlement and principal (most
/// of the blob) without building them.
#[derive(Clone, PartialEq, prost::Message)]
struct GrantSourcesField {
    #[prost(message, optional, tag = "5")]
    sources: Option<proto::GrantSources>,
}

/// Field 1 of a `Grant` alone.
#[derive(Clone, PartialEq, prost::Message)]
struct GrantEntitlementField {
    #[prost(message, optional, tag = "1")]
    entitlement: Option<proto::Entitlement>,
}

/// The `sources` of a grant blob, as [`decode_grant`] reads them (keys capped), decoding
/// nothing else.
pub(crate) fn decode_grant_sources(
    data: &[u8],
) -> Result<Option<GrantSources>, prost::DecodeError> {
    Ok(GrantSourcesField::decode(data)?.sources.map(|s| {
        let sources = s
            .sources
            .into_iter()
            .map(|e| {
                let mut key = e.key.unwrap_or_default();
                crate::cap::cap(&mut key);
                (key, e.value.is_some_and(|v| v.is_direct))
            })
            .collect();
        GrantSources { sources }
    }))
}

/// Appends to `key` the bytes of a grant blob's `sources` (field 5, every occurrence in order)
/// undecoded, skipping the other fields as [`decode_grant_sources`] does: two grants whose
/// bytes are equal have equal sources (occurrences concatenated merge as protobuf merges
/// them), so a reader of many grants decodes each distinct way once. `false` when the blob is
/// not well formed there (left to [`decode_grant_sources`] to say why).
pub(crate) fn grant_sources_bytes(data: &[u8], key: &mut Vec<u8>) -> bool {
    use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};
    let mut buf = data;
    while !buf.is_empty() {
        let Ok((tag, wire_type)) = decode_key(&mut buf) else {
            return false;
        };
        if tag != 5 {
            if skip_field(wire_type, tag, &mut buf, DecodeContext::default()).is_err() {
                return false;
            }
            continue;
        }
        if wire_type != WireType::LengthDelimited {
            return false;
        }
        let len = decode_varint(&mut buf)
            .ok()
            .and_then(|n| usize::try_from(n).ok());
        let Some(len) = len.filter(|&n| n <= buf.len()) else {
            return false;
        };
        let (field, rest) = buf.split_at(len);
        key.extend_from_slice(field);
        buf = rest;
    }
    true
}

/// The entitlement a grant blob embeds, as [`decode_grant`] reads it, decoding nothing else.
pub(crate) fn decode_grant_entitlement(data: &[u8]) -> Result<Entitlement, prost::DecodeError> {
    Ok(GrantEntitlementField::decode(data)?
        .entitlement
        .map(entitlement_from_proto)
        .unwrap_or_default())
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

#[cfg(test)]
mod tests {
    use super::*;
    use connector_sdk::{GrantSources, Purpose, ResourceId};

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
    fn a_grant_s_parts_decode_alone_as_the_whole_grant_does() {
        use crate::cap::Capped;
        let resource = Resource::new(&ResourceType::new("group", "Group", &[]), "g", "G");
        let member = Entitlement::new(&resource, "member", Purpose::Assignment);
        let mut expanded = Grant::of(&member, ResourceId::new("user", "a"));
        let long = "x".repeat(crate::cap::MAX_TEXT + 10);
        expanded.sources = Some(GrantSources {
            sources: [("group:g:member".to_owned(), true), (long, false)].into(),
        });
        let direct = Grant::of(&member, ResourceId::new("user", "b"));
        let mut keys = Vec::new();
        for grant in [expanded.clone(), direct] {
            let blob = encode_grant(&grant).data;
            let whole = decode_grant(&blob, None).unwrap().capped();
            assert_eq!(decode_grant_sources(&blob).unwrap(), whole.sources);
            assert_eq!(decode_grant_entitlement(&blob).unwrap(), whole.entitlement);
            let mut key = Vec::new();
            assert!(grant_sources_bytes(&blob, &mut key));
            keys.push(key);
        }
        // The sources' bytes: empty without sources, the same for another holder of the same.
        assert!(!keys[0].is_empty() && keys[1].is_empty());
        let other = Grant {
            principal: Resource::new(&ResourceType::new("user", "User", &[]), "z", "Z"),
            ..expanded
        };
        let mut key = Vec::new();
        assert!(grant_sources_bytes(&encode_grant(&other).data, &mut key));
        assert_eq!(key, keys[0]);
        assert_eq!(
            decode_grant_entitlement(&[]).unwrap(),
            Entitlement::default()
        );
        assert!(decode_grant_sources(&[0x2a, 0x05]).is_err());
        let mut key = Vec::new();
        assert!(!grant_sources_bytes(&[0x2a, 0x05], &mut key));
        assert!(
            !grant_sources_bytes(&[0x28, 0x01], &mut key),
            "sources as a number"
        );
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
