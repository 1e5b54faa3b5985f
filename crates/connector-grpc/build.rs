//! Compiles the `.proto` files in `proto/` with protox (pure Rust: no system `protoc`) and
//! generates the messages and tonic services. The model's messages (`Resource`, `Entitlement`,
//! `Grant` …, and the well-known types they use) are not generated: they are
//! `connector_proto::pb`'s, the ones the `.c1z` file is written with, so both speak one model.

use std::io;

/// baton's messages that `connector-proto` already defines, by their protobuf names.
const SHARED: &[(&str, &str)] = &[
    (".google.protobuf.Any", "Any"),
    (".google.protobuf.Struct", "Struct"),
    (".google.protobuf.Timestamp", "Timestamp"),
    (".c1.connector.v2.ResourceType", "ResourceType"),
    (".c1.connector.v2.ResourceId", "ResourceId"),
    (".c1.connector.v2.Resource", "Resource"),
    (".c1.connector.v2.ExternalId", "ExternalId"),
    (".c1.connector.v2.Status", "Status"),
    (".c1.connector.v2.AssetRef", "AssetRef"),
    (".c1.connector.v2.Entitlement", "Entitlement"),
    (".c1.connector.v2.Grant", "Grant"),
    (".c1.connector.v2.GrantSources", "GrantSources"),
    (".c1.connector.v2.Event", "Event"),
    (".c1.connector.v2.UsageEvent", "UsageEvent"),
    (".c1.connector.v2.GrantEvent", "GrantEvent"),
    (".c1.connector.v2.RevokeEvent", "RevokeEvent"),
    (
        ".c1.connector.v2.ResourceChangeEvent",
        "ResourceChangeEvent",
    ),
    (
        ".c1.connector.v2.RateLimitDescription",
        "RateLimitDescription",
    ),
];

/// The list responses written by hand (`src/wire.rs`): a server hands their items over encoded
/// already.
const HAND_WRITTEN: &[&str] = &[
    "GrantsServiceListGrantsResponse",
    "EntitlementsServiceListEntitlementsResponse",
    "EntitlementsServiceListStaticEntitlementsResponse",
];

const PROTOS: &[&str] = &[
    "c1/connector/v2/resource.proto",
    "c1/connector/v2/entitlement.proto",
    "c1/connector/v2/grant.proto",
    "c1/connector/v2/connector.proto",
    "c1/connector/v2/asset.proto",
    "c1/connector/v2/event_feed.proto",
    "c1/connector/v2/annotation_ratelimit.proto",
    "c1/connector/v2/annotation_type_scoped_grants.proto",
    "c1/connector_wrapper/v1/connector_wrapper.proto",
    "c1/ratelimit/v1/ratelimit.proto",
    "c1/utls/v1/tls.proto",
    "google/rpc/status.proto",
];

fn main() -> io::Result<()> {
    println!("cargo:rerun-if-changed=proto");
    let files = protox::compile(PROTOS, ["proto"]).map_err(io::Error::other)?;
    let mut builder = tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .emit_rerun_if_changed(false);
    for (proto, rust) in SHARED {
        builder = builder.extern_path(*proto, format!("::connector_proto::pb::{rust}"));
    }
    for name in HAND_WRITTEN {
        builder = builder.extern_path(
            format!(".c1.connector.v2.{name}"),
            format!("crate::wire::{name}"),
        );
    }
    builder.compile_fds(files)
}
