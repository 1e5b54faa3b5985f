//! The values records hold — timestamps, assets, statuses, profiles (`google.protobuf.Struct`)
//! — between the model and baton's messages.

use connector_sdk::{AssetRef, Profile, Status, StatusKind, Timestamp, Value};

use crate::pb;

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

pub(crate) fn asset_to_proto(a: &AssetRef) -> pb::AssetRef {
    pb::AssetRef { id: a.id.clone() }
}

pub(crate) fn asset_from_proto(a: pb::AssetRef) -> AssetRef {
    AssetRef { id: a.id }
}

pub(crate) fn status_to_proto(s: &Status) -> pb::Status {
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

pub(crate) fn status_from_proto(s: pb::Status) -> Status {
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
