//! Annotations — traits, skips, expansion, links, rate limits — as the `google.protobuf.Any`
//! baton writes, and back: typed when nothing is lost, verbatim otherwise.

use prost::Message;

use connector_sdk::{
    AccountType, Annotation, AppTrait, Email, GroupTrait, RateLimitDescription, RoleTrait,
    SecretTrait, StructuredName, UserTrait,
};

use crate::model::{grant_expandable, resource_id_from_proto, resource_id_to_proto};
use crate::pb;
use crate::values::{
    asset_from_proto, asset_to_proto, profile_from_proto, profile_to_proto, status_from_proto,
    status_to_proto, timestamp_from_proto, timestamp_to_proto,
};

/// The prefix of every `c1.connector.v2` annotation type URL.
pub const TYPE_URL_PREFIX: &str = "type.googleapis.com/c1.connector.v2.";

/// The `google.protobuf.Any` of the `c1.connector.v2` message `name`, encoded as `value`.
pub fn any(name: &str, value: Vec<u8>) -> pb::Any {
    pb::Any {
        type_url: format!("{TYPE_URL_PREFIX}{name}"),
        value,
    }
}

/// An annotation as the `google.protobuf.Any` baton writes.
pub fn annotation_to_any(a: &Annotation) -> pb::Any {
    match a {
        Annotation::UserTrait(t) => any("UserTrait", user_trait_to_proto(t).encode_to_vec()),
        Annotation::GroupTrait(t) => any("GroupTrait", group_trait_to_proto(t).encode_to_vec()),
        Annotation::RoleTrait(t) => any("RoleTrait", role_trait_to_proto(t).encode_to_vec()),
        Annotation::AppTrait(t) => any("AppTrait", app_trait_to_proto(t).encode_to_vec()),
        Annotation::SecretTrait(t) => any("SecretTrait", secret_trait_to_proto(t).encode_to_vec()),
        Annotation::ChildResourceType { resource_type_id } => any(
            "ChildResourceType",
            pb::ChildResourceType {
                resource_type_id: resource_type_id.clone(),
            }
            .encode_to_vec(),
        ),
        Annotation::SkipEntitlementsAndGrants => any("SkipEntitlementsAndGrants", Vec::new()),
        Annotation::SkipGrants => any("SkipGrants", Vec::new()),
        Annotation::SkipEntitlements => any("SkipEntitlements", Vec::new()),
        Annotation::GrantExpandable {
            entitlement_ids,
            shallow,
            resource_type_ids,
        } => any(
            "GrantExpandable",
            grant_expandable(entitlement_ids, *shallow, resource_type_ids).encode_to_vec(),
        ),
        Annotation::ExternalLink { url } => any(
            "ExternalLink",
            pb::ExternalLink { url: url.clone() }.encode_to_vec(),
        ),
        Annotation::RateLimitDescription(r) => any(
            "RateLimitDescription",
            rate_limit_to_proto(r).encode_to_vec(),
        ),
        Annotation::Other { type_url, value } => pb::Any {
            type_url: type_url.clone(),
            value: value.clone(),
        },
        // A variant added to the SDK later is written as nothing rather than guessed at.
        #[allow(unreachable_patterns, reason = "Annotation may gain variants")]
        _ => pb::Any::default(),
    }
}

/// Decodes an annotation into its typed variant when that loses nothing, else keeps it verbatim.
///
/// A typed decode loses information when the message has fields the model does not carry (a
/// newer baton's fields, `RoleTrait.role_scope_conditions`, `SecretTrait.credential_type` …).
/// Re-encoding the typed value then gives a different length; map order differences (Go writes
/// the maps inside an `Any` in random order) keep the length, so they still decode typed.
pub fn annotation_from_any(a: pb::Any) -> Annotation {
    let typed = a
        .type_url
        .strip_prefix(TYPE_URL_PREFIX)
        .and_then(|name| typed_annotation(name, &a.value));
    match typed {
        Some(t) if annotation_to_any(&t).value.len() == a.value.len() => t,
        _ => Annotation::Other {
            type_url: a.type_url,
            value: a.value,
        },
    }
}

fn typed_annotation(name: &str, v: &[u8]) -> Option<Annotation> {
    let a = match name {
        "UserTrait" => Annotation::UserTrait(user_trait_from_proto(pb::UserTrait::decode(v).ok()?)),
        "GroupTrait" => {
            Annotation::GroupTrait(group_trait_from_proto(pb::GroupTrait::decode(v).ok()?))
        }
        "RoleTrait" => Annotation::RoleTrait(RoleTrait {
            profile: pb::RoleTrait::decode(v)
                .ok()?
                .profile
                .map(profile_from_proto),
        }),
        "AppTrait" => Annotation::AppTrait(app_trait_from_proto(pb::AppTrait::decode(v).ok()?)),
        "SecretTrait" => {
            Annotation::SecretTrait(secret_trait_from_proto(pb::SecretTrait::decode(v).ok()?))
        }
        "ChildResourceType" => Annotation::ChildResourceType {
            resource_type_id: pb::ChildResourceType::decode(v).ok()?.resource_type_id,
        },
        "SkipEntitlementsAndGrants" => Annotation::SkipEntitlementsAndGrants,
        "SkipGrants" => Annotation::SkipGrants,
        "SkipEntitlements" => Annotation::SkipEntitlements,
        "GrantExpandable" => {
            let e = pb::GrantExpandable::decode(v).ok()?;
            Annotation::GrantExpandable {
                entitlement_ids: e.entitlement_ids,
                shallow: e.shallow,
                resource_type_ids: e.resource_type_ids,
            }
        }
        "ExternalLink" => Annotation::ExternalLink {
            url: pb::ExternalLink::decode(v).ok()?.url,
        },
        "RateLimitDescription" => {
            let r = pb::RateLimitDescription::decode(v).ok()?;
            Annotation::RateLimitDescription(RateLimitDescription {
                status: r.status,
                limit: r.limit,
                remaining: r.remaining,
                reset_at: r.reset_at.map(timestamp_from_proto),
            })
        }
        _ => return None,
    };
    Some(a)
}

fn rate_limit_to_proto(r: &RateLimitDescription) -> pb::RateLimitDescription {
    pb::RateLimitDescription {
        status: r.status,
        limit: r.limit,
        remaining: r.remaining,
        reset_at: r.reset_at.map(timestamp_to_proto),
    }
}

fn user_trait_to_proto(t: &UserTrait) -> pb::UserTrait {
    pb::UserTrait {
        emails: t
            .emails
            .iter()
            .map(|e| pb::Email {
                address: e.address.clone(),
                is_primary: e.is_primary,
            })
            .collect(),
        status: t.status.as_ref().map(status_to_proto),
        profile: t.profile.as_ref().map(profile_to_proto),
        icon: t.icon.as_ref().map(asset_to_proto),
        account_type: match t.account_type {
            AccountType::Unspecified => 0,
            AccountType::Human => 1,
            AccountType::Service => 2,
            AccountType::System => 3,
        },
        login: t.login.clone(),
        login_aliases: t.login_aliases.clone(),
        created_at: t.created_at.map(timestamp_to_proto),
        last_login: t.last_login.map(timestamp_to_proto),
        mfa_status: t
            .mfa_enabled
            .map(|mfa_enabled| pb::MfaStatus { mfa_enabled }),
        sso_status: t
            .sso_enabled
            .map(|sso_enabled| pb::SsoStatus { sso_enabled }),
        structured_name: t.structured_name.as_ref().map(|n| pb::StructuredName {
            given_name: n.given_name.clone(),
            family_name: n.family_name.clone(),
            middle_names: n.middle_names.clone(),
            prefix: n.prefix.clone(),
            suffix: n.suffix.clone(),
        }),
        employee_ids: t.employee_ids.clone(),
    }
}

fn user_trait_from_proto(p: pb::UserTrait) -> UserTrait {
    UserTrait {
        emails: p
            .emails
            .into_iter()
            .map(|e| Email {
                address: e.address,
                is_primary: e.is_primary,
            })
            .collect(),
        status: p.status.map(status_from_proto),
        profile: p.profile.map(profile_from_proto),
        icon: p.icon.map(asset_from_proto),
        account_type: match p.account_type {
            1 => AccountType::Human,
            2 => AccountType::Service,
            3 => AccountType::System,
            _ => AccountType::Unspecified,
        },
        login: p.login,
        login_aliases: p.login_aliases,
        created_at: p.created_at.map(timestamp_from_proto),
        last_login: p.last_login.map(timestamp_from_proto),
        mfa_enabled: p.mfa_status.map(|m| m.mfa_enabled),
        sso_enabled: p.sso_status.map(|s| s.sso_enabled),
        structured_name: p.structured_name.map(|n| StructuredName {
            given_name: n.given_name,
            family_name: n.family_name,
            middle_names: n.middle_names,
            prefix: n.prefix,
            suffix: n.suffix,
        }),
        employee_ids: p.employee_ids,
    }
}

fn group_trait_to_proto(t: &GroupTrait) -> pb::GroupTrait {
    pb::GroupTrait {
        icon: t.icon.as_ref().map(asset_to_proto),
        profile: t.profile.as_ref().map(profile_to_proto),
        group_source_type: t.group_source_type.clone(),
        raw_group_source_type: t.raw_group_source_type.clone(),
    }
}

fn group_trait_from_proto(p: pb::GroupTrait) -> GroupTrait {
    GroupTrait {
        icon: p.icon.map(asset_from_proto),
        profile: p.profile.map(profile_from_proto),
        group_source_type: p.group_source_type,
        raw_group_source_type: p.raw_group_source_type,
    }
}

fn role_trait_to_proto(t: &RoleTrait) -> pb::RoleTrait {
    pb::RoleTrait {
        profile: t.profile.as_ref().map(profile_to_proto),
    }
}

fn app_trait_to_proto(t: &AppTrait) -> pb::AppTrait {
    pb::AppTrait {
        help_url: t.help_url.clone(),
        icon: t.icon.as_ref().map(asset_to_proto),
        logo: t.logo.as_ref().map(asset_to_proto),
        profile: t.profile.as_ref().map(profile_to_proto),
        flags: t.flags.clone(),
        app_source_type: t.app_source_type.clone(),
        raw_app_source_type: t.raw_app_source_type.clone(),
    }
}

fn app_trait_from_proto(p: pb::AppTrait) -> AppTrait {
    AppTrait {
        help_url: p.help_url,
        icon: p.icon.map(asset_from_proto),
        logo: p.logo.map(asset_from_proto),
        profile: p.profile.map(profile_from_proto),
        flags: p.flags,
        app_source_type: p.app_source_type,
        raw_app_source_type: p.raw_app_source_type,
    }
}

fn secret_trait_to_proto(t: &SecretTrait) -> pb::SecretTrait {
    pb::SecretTrait {
        profile: t.profile.as_ref().map(profile_to_proto),
        created_at: t.created_at.map(timestamp_to_proto),
        expires_at: t.expires_at.map(timestamp_to_proto),
        last_used_at: t.last_used_at.map(timestamp_to_proto),
        created_by_id: t.created_by_id.as_ref().map(resource_id_to_proto),
        identity_id: t.identity_id.as_ref().map(resource_id_to_proto),
    }
}

fn secret_trait_from_proto(p: pb::SecretTrait) -> SecretTrait {
    SecretTrait {
        profile: p.profile.map(profile_from_proto),
        created_at: p.created_at.map(timestamp_from_proto),
        expires_at: p.expires_at.map(timestamp_from_proto),
        last_used_at: p.last_used_at.map(timestamp_from_proto),
        created_by_id: p.created_by_id.map(resource_id_from_proto),
        identity_id: p.identity_id.map(resource_id_from_proto),
    }
}
