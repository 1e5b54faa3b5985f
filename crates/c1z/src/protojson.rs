//! The model as protojson, the JSON that baton's `-o json` outputs print: camelCase names,
//! enums by their proto names, empty fields left out, annotations as `Any` with an `@type`.
//!
//! `jq '.resources[].resource.displayName'` works the same on our output as on baton's.

use connector_sdk::{
    AccountType, Annotation, Entitlement, Grant, Purpose, Resource, ResourceId, ResourceType,
    StatusKind, Timestamp, UserTrait,
};
use serde_json::{Map, Value, json};

const TYPE_PREFIX: &str = "type.googleapis.com/c1.connector.v2.";

/// `c1.connector.v2.ResourceType`.
pub fn resource_type(rt: &ResourceType) -> Value {
    let mut m = Map::new();
    put_str(&mut m, "id", &rt.id);
    put_str(&mut m, "displayName", &rt.display_name);
    if !rt.traits.is_empty() {
        m.insert(
            "traits".into(),
            rt.traits.iter().map(|t| json!(t.as_baton_str())).collect(),
        );
    }
    put_annotations(&mut m, &rt.annotations);
    put_str(&mut m, "description", &rt.description);
    if rt.sourced_externally {
        m.insert("sourcedExternally".into(), json!(true));
    }
    Value::Object(m)
}

/// `c1.connector.v2.ResourceId`.
pub fn resource_id(id: &ResourceId) -> Value {
    let mut m = Map::new();
    put_str(&mut m, "resourceType", &id.resource_type);
    put_str(&mut m, "resource", &id.resource);
    if id.baton_resource {
        m.insert("batonResource".into(), json!(true));
    }
    Value::Object(m)
}

/// `c1.connector.v2.Resource`.
pub fn resource(r: &Resource) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), resource_id(&r.id));
    if let Some(parent) = &r.parent {
        m.insert("parentResourceId".into(), resource_id(parent));
    }
    put_str(&mut m, "displayName", &r.display_name);
    put_annotations(&mut m, &r.annotations);
    put_str(&mut m, "description", &r.description);
    put_profile(&mut m, r.profile.as_ref());
    if let Some(status) = &r.status {
        let mut s = Map::new();
        if status.status != StatusKind::Unspecified {
            s.insert(
                "status".into(),
                json!(format!("RESOURCE_{}", status_name(status.status))),
            );
        }
        put_str(&mut s, "details", &status.details);
        m.insert("status".into(), Value::Object(s));
    }
    if let Some(t) = r.created_at {
        m.insert("createdAt".into(), timestamp(t));
    }
    Value::Object(m)
}

/// `c1.connector.v2.Entitlement`.
pub fn entitlement(e: &Entitlement) -> Value {
    let mut m = Map::new();
    m.insert("resource".into(), resource(&e.resource));
    put_str(&mut m, "id", &e.id);
    put_str(&mut m, "displayName", &e.display_name);
    put_str(&mut m, "description", &e.description);
    if !e.grantable_to.is_empty() {
        m.insert(
            "grantableTo".into(),
            e.grantable_to.iter().map(resource_type).collect(),
        );
    }
    put_annotations(&mut m, &e.annotations);
    let purpose = match e.purpose {
        Purpose::Unspecified => None,
        Purpose::Assignment => Some("PURPOSE_VALUE_ASSIGNMENT"),
        Purpose::Permission => Some("PURPOSE_VALUE_PERMISSION"),
        Purpose::Ownership => Some("PURPOSE_VALUE_OWNERSHIP"),
    };
    if let Some(purpose) = purpose {
        m.insert("purpose".into(), json!(purpose));
    }
    put_str(&mut m, "slug", &e.slug);
    Value::Object(m)
}

/// `c1.connector.v2.Grant`.
pub fn grant(g: &Grant) -> Value {
    let mut m = Map::new();
    m.insert("entitlement".into(), entitlement(&g.entitlement));
    m.insert("principal".into(), resource(&g.principal));
    put_str(&mut m, "id", &g.id);
    put_annotations(&mut m, &g.annotations);
    if let Some(sources) = &g.sources {
        let sources: Map<String, Value> = sources
            .sources
            .iter()
            .map(|(id, direct)| {
                let source = match direct {
                    true => json!({ "isDirect": true }),
                    false => json!({}),
                };
                (id.clone(), source)
            })
            .collect();
        m.insert("sources".into(), json!({ "sources": sources }));
    }
    Value::Object(m)
}

/// A `google.protobuf.Timestamp` as protojson writes it: RFC 3339 in UTC, with 0, 3, 6 or 9
/// fractional digits (`2024-08-15T08:02:51.910Z`, never `.91Z`).
pub fn timestamp(t: Timestamp) -> Value {
    let Ok(ts) = jiff::Timestamp::new(t.seconds, t.nanos) else {
        return Value::Null;
    };
    let whole = ts.strftime("%Y-%m-%dT%H:%M:%S");
    let nanos = t.nanos;
    let fraction = match nanos {
        0 => String::new(),
        n if n % 1_000_000 == 0 => format!(".{:03}", n / 1_000_000),
        n if n % 1_000 == 0 => format!(".{:06}", n / 1_000),
        n => format!(".{n:09}"),
    };
    json!(format!("{whole}{fraction}Z"))
}

/// One annotation as a protojson `Any`.
pub fn annotation(a: &Annotation) -> Value {
    let (name, mut body) = match a {
        Annotation::UserTrait(t) => ("UserTrait", user_trait(t)),
        Annotation::GroupTrait(t) => {
            let mut m = Map::new();
            put_str(&mut m, "groupSourceType", &t.group_source_type);
            put_str(&mut m, "rawGroupSourceType", &t.raw_group_source_type);
            put_profile(&mut m, t.profile.as_ref());
            ("GroupTrait", m)
        }
        Annotation::RoleTrait(t) => {
            let mut m = Map::new();
            put_profile(&mut m, t.profile.as_ref());
            ("RoleTrait", m)
        }
        Annotation::AppTrait(t) => {
            let mut m = Map::new();
            put_str(&mut m, "helpUrl", &t.help_url);
            ("AppTrait", m)
        }
        Annotation::SecretTrait(t) => {
            let mut m = Map::new();
            put_profile(&mut m, t.profile.as_ref());
            for (key, at) in [
                ("createdAt", t.created_at),
                ("expiresAt", t.expires_at),
                ("lastUsedAt", t.last_used_at),
            ] {
                if let Some(at) = at {
                    m.insert(key.into(), timestamp(at));
                }
            }
            for (key, id) in [
                ("createdById", &t.created_by_id),
                ("identityId", &t.identity_id),
            ] {
                if let Some(id) = id {
                    m.insert(key.into(), resource_id(id));
                }
            }
            ("SecretTrait", m)
        }
        Annotation::ChildResourceType { resource_type_id } => (
            "ChildResourceType",
            object([("resourceTypeId", json!(resource_type_id))]),
        ),
        Annotation::SkipEntitlementsAndGrants => ("SkipEntitlementsAndGrants", Map::new()),
        Annotation::SkipGrants => ("SkipGrants", Map::new()),
        Annotation::SkipEntitlements => ("SkipEntitlements", Map::new()),
        Annotation::GrantExpandable {
            entitlement_ids,
            shallow,
            resource_type_ids,
        } => {
            let mut m = object([("entitlementIds", json!(entitlement_ids))]);
            if *shallow {
                m.insert("shallow".into(), json!(true));
            }
            if !resource_type_ids.is_empty() {
                m.insert("resourceTypeIds".into(), json!(resource_type_ids));
            }
            ("GrantExpandable", m)
        }
        Annotation::ExternalLink { url } => ("ExternalLink", object([("url", json!(url))])),
        Annotation::RateLimitDescription(r) => {
            let m = object([
                ("limit", json!(r.limit.to_string())),
                ("remaining", json!(r.remaining.to_string())),
            ]);
            ("RateLimitDescription", m)
        }
        Annotation::Other { type_url, .. } => {
            return json!({ "@type": type_url });
        }
    };
    let mut out = object([("@type", json!(format!("{TYPE_PREFIX}{name}")))]);
    out.append(&mut body);
    Value::Object(out)
}

/// A trait's (deprecated) `profile`, a `google.protobuf.Struct`.
fn put_profile(m: &mut Map<String, Value>, profile: Option<&connector_sdk::Profile>) {
    if let Some(profile) = profile {
        m.insert(
            "profile".into(),
            serde_json::to_value(profile).unwrap_or(Value::Null),
        );
    }
}

fn user_trait(t: &UserTrait) -> Map<String, Value> {
    let mut m = Map::new();
    if !t.emails.is_empty() {
        let emails = t
            .emails
            .iter()
            .map(|e| match e.is_primary {
                true => json!({ "address": e.address, "isPrimary": true }),
                false => json!({ "address": e.address }),
            })
            .collect();
        m.insert("emails".into(), emails);
    }
    if let Some(status) = &t.status {
        let mut s = Map::new();
        if status.status != StatusKind::Unspecified {
            s.insert("status".into(), json!(status_name(status.status)));
        }
        put_str(&mut s, "details", &status.details);
        m.insert("status".into(), Value::Object(s));
    }
    let account_type = match t.account_type {
        AccountType::Unspecified => None,
        AccountType::Human => Some("ACCOUNT_TYPE_HUMAN"),
        AccountType::Service => Some("ACCOUNT_TYPE_SERVICE"),
        AccountType::System => Some("ACCOUNT_TYPE_SYSTEM"),
    };
    if let Some(account_type) = account_type {
        m.insert("accountType".into(), json!(account_type));
    }
    put_str(&mut m, "login", &t.login);
    if !t.login_aliases.is_empty() {
        m.insert("loginAliases".into(), json!(t.login_aliases));
    }
    if let Some(ts) = t.last_login {
        m.insert("lastLogin".into(), timestamp(ts));
    }
    if let Some(mfa) = t.mfa_enabled {
        m.insert("mfaStatus".into(), bool_status("mfaEnabled", mfa));
    }
    if let Some(sso) = t.sso_enabled {
        m.insert("ssoStatus".into(), bool_status("ssoEnabled", sso));
    }
    if !t.employee_ids.is_empty() {
        m.insert("employeeIds".into(), json!(t.employee_ids));
    }
    m
}

fn status_name(status: StatusKind) -> &'static str {
    match status {
        StatusKind::Unspecified => "STATUS_UNSPECIFIED",
        StatusKind::Enabled => "STATUS_ENABLED",
        StatusKind::Disabled => "STATUS_DISABLED",
        StatusKind::Deleted => "STATUS_DELETED",
    }
}

/// protojson leaves out `false`, so a disabled status is an empty object.
fn bool_status(key: &str, value: bool) -> Value {
    match value {
        true => object([(key, json!(true))]).into(),
        false => json!({}),
    }
}

fn object<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn put_str(m: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        m.insert(key.to_owned(), json!(value));
    }
}

fn put_annotations(m: &mut Map<String, Value>, annotations: &[Annotation]) {
    if !annotations.is_empty() {
        m.insert(
            "annotations".into(),
            annotations.iter().map(annotation).collect(),
        );
    }
}

#[cfg(test)]
mod tests {
    use connector_sdk::Trait;

    use super::*;

    #[test]
    fn a_user_resource_renders_like_protojson() {
        let rt = ResourceType::new("user", "User", &[Trait::User]);
        let user = Resource::new(&rt, "u1", "Ann")
            .with_annotation(
                UserTrait::new()
                    .with_email("ann@example.com", true)
                    .with_mfa(false),
            )
            .with_created_at(Timestamp::from_unix(1_700_000_000, 0));
        let json = resource(&user);
        assert_eq!(
            json,
            json!({
                "id": { "resourceType": "user", "resource": "u1" },
                "displayName": "Ann",
                "annotations": [{
                    "@type": "type.googleapis.com/c1.connector.v2.UserTrait",
                    "emails": [{ "address": "ann@example.com", "isPrimary": true }],
                    "status": { "status": "STATUS_ENABLED" },
                    "accountType": "ACCOUNT_TYPE_HUMAN",
                    "mfaStatus": {}
                }],
                "createdAt": "2023-11-14T22:13:20Z"
            })
        );
        assert_eq!(resource_type(&rt)["traits"], json!(["TRAIT_USER"]));
    }

    #[test]
    fn timestamps_have_protojsons_fraction_digits() {
        let at = |nanos| timestamp(Timestamp::from_unix(1_723_708_971, nanos));
        assert_eq!(at(0), json!("2024-08-15T08:02:51Z"));
        assert_eq!(at(910_000_000), json!("2024-08-15T08:02:51.910Z"));
        assert_eq!(at(910_500_000), json!("2024-08-15T08:02:51.910500Z"));
        assert_eq!(at(910_500_001), json!("2024-08-15T08:02:51.910500001Z"));
    }

    #[test]
    fn grants_embed_entitlement_and_principal() {
        let org = Resource::new(
            &ResourceType::new("organization", "Organization", &[]),
            "o1",
            "acme",
        );
        let g = Grant::new(&org, "admin", ResourceId::new("user", "u1"));
        let json = grant(&g);
        assert_eq!(json["id"], "organization:o1:admin:user:u1");
        assert_eq!(json["entitlement"]["id"], "organization:o1:admin");
        assert_eq!(json["principal"]["id"]["resource"], "u1");
    }
}
