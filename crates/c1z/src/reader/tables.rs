//! The tables of baton objects a reader decodes, and one grant row read undecoded.

use std::borrow::Cow;
use std::path::Path;

use connector_sdk::{Entitlement, Grant, GrantSources, Resource, ResourceType};
use rusqlite::Row;

use super::C1zReader;
use crate::cap::Capped;
use crate::convert;
use crate::error::{Error, Result};
use crate::sql::text_of;

/// A table of baton objects and how its rows decode.
pub(crate) struct Table<T> {
    /// The SQL table.
    pub(crate) name: &'static str,
    /// The protobuf message its `data` holds, for errors.
    message: &'static str,
    pub(super) decode: Decode<T>,
}

/// Decodes a row's `data` (and, for grants, its `expansion`).
type Decode<T> = fn(&[u8], Option<&[u8]>) -> std::result::Result<T, prost::DecodeError>;

pub(crate) const RESOURCE_TYPES: Table<ResourceType> = Table {
    name: "v1_resource_types",
    message: "c1.connector.v2.ResourceType",
    decode: |data, _| convert::decode_resource_type(data).map(Capped::capped),
};

pub(crate) const RESOURCES: Table<Resource> = Table {
    name: "v1_resources",
    message: "c1.connector.v2.Resource",
    decode: |data, _| convert::decode_resource(data).map(Capped::capped),
};

pub(crate) const ENTITLEMENTS: Table<Entitlement> = Table {
    name: "v1_entitlements",
    message: "c1.connector.v2.Entitlement",
    decode: |data, _| convert::decode_entitlement(data).map(Capped::capped),
};

pub(crate) const GRANTS: Table<Grant> = Table {
    name: "v1_grants",
    message: "c1.connector.v2.Grant",
    decode: |data, expansion| convert::decode_grant(data, expansion).map(Capped::capped),
};

/// One grant row, borrowed from the statement reading it (see
/// [`C1zReader::for_each_grant_row`]).
pub(crate) struct GrantRow<'a> {
    /// The principal's type and id.
    pub principal: [Cow<'a, str>; 2],
    /// The resource's type and id.
    pub on: [Cow<'a, str>; 2],
    /// The entitlement id.
    pub entitlement_id: Cow<'a, str>,
    /// The grant id.
    pub external_id: Cow<'a, str>,
    /// The `Grant` message, undecoded.
    pub data: &'a [u8],
    pub(super) path: &'a Path,
}

impl GrantRow<'_> {
    /// The grant's `sources` (grant expansion's), decoded alone.
    pub(crate) fn sources(&self) -> Result<Option<GrantSources>> {
        convert::decode_grant_sources(self.data).map_err(|e| self.decode_error(e))
    }

    /// Appends the bytes of the grant's `sources` to `key`, undecoded (see
    /// [`convert::grant_sources_bytes`]); `false` when the blob is not well formed there.
    pub(crate) fn sources_bytes(&self, key: &mut Vec<u8>) -> bool {
        convert::grant_sources_bytes(self.data, key)
    }

    /// The entitlement the grant embeds, decoded alone (capped as every read is).
    pub(crate) fn entitlement(&self) -> Result<Entitlement> {
        convert::decode_grant_entitlement(self.data)
            .map(Capped::capped)
            .map_err(|e| self.decode_error(e))
    }

    fn decode_error(&self, source: prost::DecodeError) -> Error {
        Error::Decode {
            path: self.path.to_owned(),
            table: GRANTS.name,
            external_id: self.external_id.clone().into_owned(),
            message: GRANTS.message,
            source,
        }
    }
}

type BlobRow = (String, Vec<u8>, Option<Vec<u8>>);

pub(super) fn blob_row(r: &Row<'_>) -> rusqlite::Result<BlobRow> {
    let data = match r.get_ref(1)? {
        rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => b.to_vec(),
        _ => Vec::new(),
    };
    let expansion = match r.get_ref(2)? {
        rusqlite::types::ValueRef::Blob(b) => Some(b.to_vec()),
        _ => None,
    };
    Ok((text_of(r.get_ref(0)?), data, expansion))
}

impl C1zReader {
    pub(super) fn decode_error<T>(
        &self,
        table: &Table<T>,
        external_id: String,
        source: prost::DecodeError,
    ) -> Error {
        Error::Decode {
            path: self.path.clone(),
            table: table.name,
            external_id,
            message: table.message,
            source,
        }
    }
}
