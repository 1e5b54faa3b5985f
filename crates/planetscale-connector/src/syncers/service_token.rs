//! `service_token`: the service tokens of each organization (children of the organization
//! resource), as principals of their own: baton's user trait with the service account type, and
//! the secret trait with when the token was created, when it expires and when it was last used.
//! Their accesses are entitlements of the organizations and databases they apply to (see
//! `access`), so the type has neither entitlements nor grants of its own.

use connector_sdk::paging::FetchedPage;
use connector_sdk::{
    AccountType, Annotation, ConnectorError, Profile, Resource, ResourceId, ResourceType,
    SecretTrait, SessionCache, Trait, UserTrait,
};
use planetscale_client::ServiceToken;

use super::children::{self, OrgChild};
use super::{non_blank, put, timestamp, user};
use crate::api::Api;
use crate::cache::OrgEntry;

use crate::parts::Part;

pub(crate) const ID: &str = "service_token";

pub(crate) fn resource_type() -> ResourceType {
    ResourceType::new(ID, "Service token", &[Trait::User, Trait::Secret])
        .with_description(
            "A PlanetScale service token: a non-human identity with accesses on its \
             organization and databases",
        )
        .with_annotation(Annotation::SkipEntitlementsAndGrants)
}

/// Lists the service tokens of each organization.
pub(crate) type Syncer = children::Syncer<ServiceTokens>;

/// The service tokens of an organization.
#[derive(Debug)]
pub(crate) struct ServiceTokens;

impl OrgChild for ServiceTokens {
    const PART: Part = Part::ServiceTokens;
    type Item = ServiceToken;

    fn resource_type() -> ResourceType {
        resource_type()
    }


    async fn fetch(
        api: &Api,
        org: &OrgEntry,
        page: u32,
    ) -> Result<FetchedPage<ServiceToken>, ConnectorError> {
        api.fetch_service_tokens(org, page).await
    }

    fn id(token: &ServiceToken) -> &str {
        &token.id
    }

    fn resource(
        _: &SessionCache,
        token: &ServiceToken,
        org: &OrgEntry,
        parent: &ResourceId,
    ) -> Resource {
        let mut profile = Profile::new();
        put(&mut profile, "organization", Some(org.name.as_str()));
        token_resource(&resource_type(), token, parent, profile)
    }
}

/// The resource of a service token or an OAuth token of type `rt` under `parent`, with
/// `profile` (where it lives) completed by who made it and its dates. Absent dates read
/// `never`: a token without `expires_at` never expires.
pub(crate) fn token_resource(
    rt: &ResourceType,
    token: &ServiceToken,
    parent: &ResourceId,
    mut profile: Profile,
) -> Resource {
    let name = token_name(token);
    let expires_at = timestamp(token.expires_at.as_deref());
    let last_used_at = timestamp(token.last_used_at.as_deref());
    let created_at = timestamp(token.created_at.as_deref());
    // A token acts for, and was made by, the person its actor names.
    let actor = match token.actor_type.as_deref() {
        Some("User") | None => token
            .actor_id
            .as_deref()
            .map(|id| ResourceId::new(user::ID, id)),
        Some(_) => None,
    };
    // Whether it has expired is the reader's question, asked of `expires_at` when it reads:
    // the file records the date, which stays true.
    let mut user_trait = UserTrait::new()
        .with_account_type(AccountType::Service)
        .with_login(name.as_str());
    user_trait.last_login = last_used_at;
    let secret = SecretTrait {
        created_at,
        expires_at,
        last_used_at,
        created_by_id: actor.clone(),
        identity_id: (rt.id != ID).then_some(actor).flatten(),
        ..SecretTrait::default()
    };

    put(&mut profile, "name", Some(name.as_str()));
    put(&mut profile, "actor_id", token.actor_id.as_deref());
    put(
        &mut profile,
        "actor_display_name",
        token.actor_display_name.as_deref(),
    );
    put(&mut profile, "actor_type", token.actor_type.as_deref());
    put(&mut profile, "created_at", token.created_at.as_deref());
    let never = Some("never");
    put(
        &mut profile,
        "expires_at",
        token.expires_at.as_deref().or(never),
    );
    put(
        &mut profile,
        "last_used_at",
        token.last_used_at.as_deref().or(never),
    );

    let mut resource = Resource::new(rt, token.id.as_str(), name.as_str())
        .with_parent(parent.clone())
        .with_profile(profile)
        .with_annotation(user_trait)
        .with_annotation(secret);
    if let Some(created_at) = created_at {
        resource = resource.with_created_at(created_at);
    }
    resource
}

/// A token's name as shown: its name, display name, else id.
pub(crate) fn token_name(token: &ServiceToken) -> String {
    non_blank(token.name.as_ref())
        .or(non_blank(token.display_name.as_ref()))
        .unwrap_or(&token.id)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use connector_sdk::Value;
    use serde_json::json;

    use super::*;

    fn token(fields: serde_json::Value) -> ServiceToken {
        let mut base = json!({ "id": "t1", "name": "ci-deployer",
                               "actor_id": "u1", "actor_display_name": "Ada", "actor_type": "User",
                               "created_at": "2025-05-01T00:00:00.000Z" });
        base.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    fn secret(r: &Resource) -> &SecretTrait {
        r.annotations
            .iter()
            .find_map(|a| match a {
                Annotation::SecretTrait(s) => Some(s),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn a_token_is_a_service_principal_with_its_dates() {
        let parent = ResourceId::new("organization", "o1");
        let r = token_resource(
            &resource_type(),
            &token(json!({"expires_at": "2999-01-01T00:00:00.000Z",
                          "last_used_at": "2026-08-01T12:00:00.000Z"})),
            &parent,
            Profile::new(),
        );
        assert_eq!(r.id, ResourceId::new("service_token", "t1"));
        assert_eq!(r.parent, Some(parent));
        let t = r.user_trait().unwrap();
        assert_eq!(t.account_type, AccountType::Service);
        assert_eq!(t.login, "ci-deployer");
        assert_eq!(
            t.status.as_ref().unwrap().status,
            connector_sdk::StatusKind::Enabled
        );
        assert!(t.last_login.is_some());
        let s = secret(&r);
        assert_eq!(s.created_by_id, Some(ResourceId::new("user", "u1")));
        assert_eq!(s.identity_id, None);
        assert!(s.expires_at.is_some() && s.last_used_at.is_some() && s.created_at.is_some());
        let profile = r.profile.as_ref().unwrap();
        assert_eq!(profile["actor_display_name"], Value::from("Ada"));
        assert!(r.has_trait(Trait::Secret));
    }

    #[test]
    fn a_token_without_expiry_never_expires() {
        let parent = ResourceId::new("organization", "o1");
        let never = token_resource(&resource_type(), &token(json!({})), &parent, Profile::new());
        let profile = never.profile.as_ref().unwrap();
        assert_eq!(profile["expires_at"], Value::from("never"));
        assert_eq!(profile["last_used_at"], Value::from("never"));
        assert_eq!(secret(&never).expires_at, None);
    }
}
