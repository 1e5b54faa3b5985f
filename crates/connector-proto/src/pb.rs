//! Protobuf messages of `c1.connector.v2` (and the `google.protobuf` well-known types they use),
//! written by hand with baton's field numbers (reference: `baton-model.md` §4.3).
//!
//! Enums are plain `int32` fields: the wire encoding is the same and unknown values survive.
//! Maps are `repeated` entry messages whose key and value are always written, because that is
//! what Go's encoder does (prost's own maps skip default keys and values, Go's do not).

#![allow(missing_docs, reason = "one-to-one mirrors of baton's .proto files")]

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct Any {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `google.protobuf.Struct`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Struct {
    #[prost(message, repeated, tag = "1")]
    pub fields: Vec<StructEntry>,
}

/// One entry of `Struct.fields` (`map<string, Value>`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct StructEntry {
    #[prost(string, optional, tag = "1")]
    pub key: Option<String>,
    #[prost(message, optional, tag = "2")]
    pub value: Option<Value>,
}

/// `google.protobuf.Value`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    #[prost(oneof = "Kind", tags = "1, 2, 3, 4, 5, 6")]
    pub kind: Option<Kind>,
}

/// `google.protobuf.Value.kind`.
#[derive(Clone, PartialEq, prost::Oneof)]
#[allow(
    clippy::enum_variant_names,
    reason = "the names of google.protobuf.Value's fields"
)]
pub enum Kind {
    #[prost(int32, tag = "1")]
    NullValue(i32),
    #[prost(double, tag = "2")]
    NumberValue(f64),
    #[prost(string, tag = "3")]
    StringValue(String),
    #[prost(bool, tag = "4")]
    BoolValue(bool),
    #[prost(message, tag = "5")]
    StructValue(Struct),
    #[prost(message, tag = "6")]
    ListValue(ListValue),
}

/// `google.protobuf.ListValue`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ListValue {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<Value>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceType {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub display_name: String,
    #[prost(int32, repeated, tag = "3")]
    pub traits: Vec<i32>,
    #[prost(message, repeated, tag = "4")]
    pub annotations: Vec<Any>,
    #[prost(string, tag = "5")]
    pub description: String,
    #[prost(bool, tag = "6")]
    pub sourced_externally: bool,
}

#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct ResourceId {
    #[prost(string, tag = "1")]
    pub resource_type: String,
    #[prost(string, tag = "2")]
    pub resource: String,
    #[prost(bool, tag = "3")]
    pub baton_resource: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ExternalId {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub link: String,
    #[prost(string, tag = "3")]
    pub description: String,
}

#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct AssetRef {
    #[prost(string, tag = "1")]
    pub id: String,
}

/// `Resource.Status` and `UserTrait.Status` (same shape).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    #[prost(int32, tag = "1")]
    pub status: i32,
    #[prost(string, tag = "2")]
    pub details: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Resource {
    #[prost(message, optional, tag = "1")]
    pub id: Option<ResourceId>,
    #[prost(message, optional, tag = "2")]
    pub parent_resource_id: Option<ResourceId>,
    #[prost(string, tag = "3")]
    pub display_name: String,
    #[prost(message, repeated, tag = "4")]
    pub annotations: Vec<Any>,
    #[prost(string, tag = "5")]
    pub description: String,
    #[prost(bool, tag = "6")]
    pub baton_resource: bool,
    #[prost(message, optional, tag = "7")]
    pub external_id: Option<ExternalId>,
    #[prost(int32, tag = "8")]
    pub creation_source: i32,
    #[prost(message, optional, tag = "9")]
    pub profile: Option<Struct>,
    #[prost(message, optional, tag = "10")]
    pub icon: Option<AssetRef>,
    #[prost(message, optional, tag = "11")]
    pub status: Option<Status>,
    #[prost(message, optional, tag = "12")]
    pub created_at: Option<Timestamp>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Entitlement {
    #[prost(message, optional, tag = "1")]
    pub resource: Option<Resource>,
    #[prost(string, tag = "2")]
    pub id: String,
    #[prost(string, tag = "3")]
    pub display_name: String,
    #[prost(string, tag = "4")]
    pub description: String,
    #[prost(message, repeated, tag = "5")]
    pub grantable_to: Vec<ResourceType>,
    #[prost(message, repeated, tag = "6")]
    pub annotations: Vec<Any>,
    #[prost(int32, tag = "7")]
    pub purpose: i32,
    #[prost(string, tag = "8")]
    pub slug: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Grant {
    #[prost(message, optional, tag = "1")]
    pub entitlement: Option<Entitlement>,
    #[prost(message, optional, tag = "2")]
    pub principal: Option<Resource>,
    #[prost(string, tag = "3")]
    pub id: String,
    #[prost(message, repeated, tag = "4")]
    pub annotations: Vec<Any>,
    #[prost(message, optional, tag = "5")]
    pub sources: Option<GrantSources>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GrantSources {
    #[prost(message, repeated, tag = "1")]
    pub sources: Vec<GrantSourcesEntry>,
}

/// One entry of `GrantSources.sources` (`map<string, GrantSource>`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct GrantSourcesEntry {
    #[prost(string, optional, tag = "1")]
    pub key: Option<String>,
    #[prost(message, optional, tag = "2")]
    pub value: Option<GrantSource>,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct GrantSource {
    #[prost(bool, tag = "1")]
    pub is_direct: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Email {
    #[prost(string, tag = "1")]
    pub address: String,
    #[prost(bool, tag = "2")]
    pub is_primary: bool,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct MfaStatus {
    #[prost(bool, tag = "1")]
    pub mfa_enabled: bool,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct SsoStatus {
    #[prost(bool, tag = "1")]
    pub sso_enabled: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StructuredName {
    #[prost(string, tag = "1")]
    pub given_name: String,
    #[prost(string, tag = "2")]
    pub family_name: String,
    #[prost(string, repeated, tag = "3")]
    pub middle_names: Vec<String>,
    #[prost(string, tag = "4")]
    pub prefix: String,
    #[prost(string, tag = "5")]
    pub suffix: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct UserTrait {
    #[prost(message, repeated, tag = "1")]
    pub emails: Vec<Email>,
    #[prost(message, optional, tag = "2")]
    pub status: Option<Status>,
    #[prost(message, optional, tag = "3")]
    pub profile: Option<Struct>,
    #[prost(message, optional, tag = "4")]
    pub icon: Option<AssetRef>,
    #[prost(int32, tag = "5")]
    pub account_type: i32,
    #[prost(string, tag = "6")]
    pub login: String,
    #[prost(string, repeated, tag = "7")]
    pub login_aliases: Vec<String>,
    #[prost(message, optional, tag = "8")]
    pub created_at: Option<Timestamp>,
    #[prost(message, optional, tag = "9")]
    pub last_login: Option<Timestamp>,
    #[prost(message, optional, tag = "10")]
    pub mfa_status: Option<MfaStatus>,
    #[prost(message, optional, tag = "11")]
    pub sso_status: Option<SsoStatus>,
    #[prost(message, optional, tag = "12")]
    pub structured_name: Option<StructuredName>,
    #[prost(string, repeated, tag = "13")]
    pub employee_ids: Vec<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GroupTrait {
    #[prost(message, optional, tag = "1")]
    pub icon: Option<AssetRef>,
    #[prost(message, optional, tag = "2")]
    pub profile: Option<Struct>,
    #[prost(string, tag = "3")]
    pub group_source_type: String,
    #[prost(string, tag = "4")]
    pub raw_group_source_type: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RoleTrait {
    #[prost(message, optional, tag = "1")]
    pub profile: Option<Struct>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct AppTrait {
    #[prost(string, tag = "1")]
    pub help_url: String,
    #[prost(message, optional, tag = "2")]
    pub icon: Option<AssetRef>,
    #[prost(message, optional, tag = "3")]
    pub logo: Option<AssetRef>,
    #[prost(message, optional, tag = "4")]
    pub profile: Option<Struct>,
    #[prost(int32, repeated, tag = "5")]
    pub flags: Vec<i32>,
    #[prost(string, tag = "6")]
    pub app_source_type: String,
    #[prost(string, tag = "7")]
    pub raw_app_source_type: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SecretTrait {
    #[prost(message, optional, tag = "1")]
    pub profile: Option<Struct>,
    #[prost(message, optional, tag = "2")]
    pub created_at: Option<Timestamp>,
    #[prost(message, optional, tag = "3")]
    pub expires_at: Option<Timestamp>,
    #[prost(message, optional, tag = "4")]
    pub last_used_at: Option<Timestamp>,
    #[prost(message, optional, tag = "5")]
    pub created_by_id: Option<ResourceId>,
    #[prost(message, optional, tag = "6")]
    pub identity_id: Option<ResourceId>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ChildResourceType {
    #[prost(string, tag = "1")]
    pub resource_type_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GrantExpandable {
    #[prost(string, repeated, tag = "1")]
    pub entitlement_ids: Vec<String>,
    #[prost(bool, tag = "2")]
    pub shallow: bool,
    #[prost(string, repeated, tag = "3")]
    pub resource_type_ids: Vec<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ExternalLink {
    #[prost(string, tag = "1")]
    pub url: String,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct RateLimitDescription {
    #[prost(int32, tag = "1")]
    pub status: i32,
    #[prost(int64, tag = "2")]
    pub limit: i64,
    #[prost(int64, tag = "3")]
    pub remaining: i64,
    #[prost(message, optional, tag = "4")]
    pub reset_at: Option<Timestamp>,
}

/// `c1.connector.v2.Event` (`event_feed.proto`): one thing that happened.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(message, optional, tag = "2")]
    pub occurred_at: Option<Timestamp>,
    #[prost(message, repeated, tag = "3")]
    pub annotations: Vec<Any>,
    #[prost(oneof = "EventKind", tags = "100, 101, 102, 103")]
    pub event: Option<EventKind>,
}

/// `Event.event`: what happened (baton's `CreateGrantEvent`/`CreateRevokeEvent`, 104 and
/// 105, are requests to a connector, never history, so they are not here).
#[derive(Clone, PartialEq, prost::Oneof)]
#[allow(
    clippy::enum_variant_names,
    reason = "the names of Event's oneof fields"
)]
pub enum EventKind {
    #[prost(message, tag = "100")]
    UsageEvent(UsageEvent),
    #[prost(message, tag = "101")]
    GrantEvent(GrantEvent),
    #[prost(message, tag = "102")]
    RevokeEvent(RevokeEvent),
    #[prost(message, tag = "103")]
    ResourceChangeEvent(ResourceChangeEvent),
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct UsageEvent {
    #[prost(message, optional, tag = "1")]
    pub target_resource: Option<Resource>,
    #[prost(message, optional, tag = "2")]
    pub actor_resource: Option<Resource>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GrantEvent {
    #[prost(message, optional, tag = "1")]
    pub grant: Option<Grant>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RevokeEvent {
    #[prost(message, optional, tag = "1")]
    pub entitlement: Option<Entitlement>,
    #[prost(message, optional, tag = "2")]
    pub principal: Option<Resource>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceChangeEvent {
    #[prost(message, optional, tag = "1")]
    pub resource_id: Option<ResourceId>,
    #[prost(message, optional, tag = "2")]
    pub parent_resource_id: Option<ResourceId>,
}
