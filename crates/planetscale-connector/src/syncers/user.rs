//! `user`: one resource per distinct `user.id` among the members of every organization.
//!
//! The listing walks each organization's members in one chain of page tokens
//! (`<org index>:p<n>`, see the module docs of `syncers`); page 1 of an organization enqueues its
//! other pages (`<org index>:e<n>`) and hands the chain on to the next organization. Each member
//! page is cached in compact form for the organization's entitlements and grants, which then
//! need no request.

use async_trait::async_trait;
use connector_sdk::paging::PageToken;
use connector_sdk::{
    Annotation, ConnectorError, ListContext, Page, Profile, Resource, ResourceSyncer, ResourceType,
    Trait, UserTrait, provision::AccountManager,
};
use planetscale_client::User;

use super::{non_blank, put, timestamp};
use crate::api::Api;
use crate::provision::Invitations;

pub(crate) const ID: &str = crate::parts::USER;

pub(crate) fn resource_type() -> ResourceType {
    ResourceType::new(ID, "User", &[Trait::User])
        .with_description("A person who is a member of at least one PlanetScale organization")
        // Users hold access but grant none: without this the engine would make two calls per
        // user, tens of thousands of calls that return nothing.
        .with_annotation(Annotation::SkipEntitlementsAndGrants)
}

/// Lists the members of every organization as users, once per user.
#[derive(Debug)]
pub(crate) struct UserSyncer {
    api: Api,
    invitations: Invitations,
}

impl UserSyncer {
    pub(crate) fn new(api: Api) -> Self {
        let invitations = Invitations::new(api.clone());
        UserSyncer { api, invitations }
    }
}

#[async_trait]
impl ResourceSyncer for UserSyncer {
    fn resource_type(&self) -> ResourceType {
        resource_type()
    }

    fn account_manager(&self) -> Option<&dyn AccountManager> {
        Some(&self.invitations)
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        if cx.parent.is_some() {
            return Ok(Page::empty());
        }
        let session = &cx.call.session;
        let at = PageToken::parse(cx.call.page_token.as_deref())?;
        if cx.call.page_token.is_none() {
            // A new listing: users seen by an earlier sync of this connector count again. After a
            // resume the set starts empty, and a user listed twice is an idempotent upsert.
            self.api.shared.reset_seen_users();
        }
        let orgs = self.api.organizations(session).await?;
        let Some(org) = orgs.get(at.list) else {
            return Ok(Page::empty());
        };
        let members = self.api.members(session, org, at.page).await?;
        let relisted = members.relisted.iter().flat_map(|p| &p.items);
        let items = members
            .page
            .items
            .iter()
            .chain(relisted)
            .filter(|m| self.api.shared.first_sighting(&m.user.id))
            .map(|m| user_resource(&m.user))
            .collect();
        let plan = self.api.members_list(org).plan(at, &members.page)?;
        Ok(plan.or_next_list(orgs.len()).into_page(items))
    }
}

/// The resource of one PlanetScale user. The display name falls back from `display_name` to
/// `name`, the email and the id, so that no user is shown blank.
pub(crate) fn user_resource(user: &User) -> Resource {
    let email = non_blank(user.email.as_ref());
    let display_name = non_blank(user.display_name.as_ref())
        .or(non_blank(user.name.as_ref()))
        .or(email)
        .unwrap_or(&user.id);

    let mut user_trait = UserTrait::new();
    if let Some(email) = email {
        user_trait = user_trait.with_email(email, true).with_login(email);
    }
    if let Some(mfa) = user.two_factor_auth_configured {
        user_trait = user_trait.with_mfa(mfa);
    }
    if let Some(sso) = user.sso {
        user_trait = user_trait.with_sso(sso);
    }

    let mut profile = Profile::new();
    put(&mut profile, "name", user.name.as_deref());
    put(
        &mut profile,
        "display_name",
        non_blank(user.display_name.as_ref()),
    );
    put(&mut profile, "email", email);
    put(
        &mut profile,
        "avatar_url",
        non_blank(user.avatar_url.as_ref()),
    );
    put(&mut profile, "directory_managed", user.directory_managed);
    put(&mut profile, "managed", user.managed);
    put(&mut profile, "email_verified", user.email_verified);
    put(&mut profile, "created_at", user.created_at.as_deref());

    let mut resource = Resource::new(&resource_type(), user.id.as_str(), display_name)
        .with_profile(profile)
        .with_annotation(user_trait);
    if let Some(created_at) = timestamp(user.created_at.as_deref()) {
        resource = resource.with_created_at(created_at);
    }
    resource
}

#[cfg(test)]
mod tests {
    use connector_sdk::{AccountType, StatusKind, Value};
    use serde_json::json;

    use super::*;

    fn user(fields: serde_json::Value) -> User {
        let mut base = json!({ "id": "u1" });
        base.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    #[track_caller]
    fn check_display_name(fields: serde_json::Value, expected: &str) {
        assert_eq!(user_resource(&user(fields)).display_name, expected);
    }

    #[test]
    fn display_name_falls_back_to_name_email_then_id() {
        check_display_name(
            json!({"display_name": "Zoë Ångström", "name": "zoe"}),
            "Zoë Ångström",
        );
        check_display_name(json!({"display_name": " ", "name": "Zoë"}), "Zoë");
        check_display_name(
            json!({"name": null, "email": "z+1@x.example"}),
            "z+1@x.example",
        );
        check_display_name(json!({"display_name": "", "email": ""}), "u1");
    }

    #[test]
    fn trait_and_profile_follow_the_member_record() {
        let r = user_resource(&user(json!({
            "display_name": "山田太郎",
            "name": null,
            "email": "taro@example.com",
            "avatar_url": "",
            "created_at": "2024-03-05T17:22:10.512Z",
            "two_factor_auth_configured": true,
            "sso": false,
            "directory_managed": true,
            "email_verified": true,
        })));
        assert_eq!(r.id.resource_type, "user");
        assert_eq!(r.id.resource, "u1");
        let t = r.user_trait().unwrap();
        assert_eq!(t.primary_email(), Some("taro@example.com"));
        assert_eq!(t.login, "taro@example.com");
        assert_eq!(t.account_type, AccountType::Human);
        assert_eq!(t.status.as_ref().unwrap().status, StatusKind::Enabled);
        assert_eq!((t.mfa_enabled, t.sso_enabled), (Some(true), Some(false)));
        let profile = r.profile.as_ref().unwrap();
        assert_eq!(profile["directory_managed"], Value::from(true));
        assert!(
            !profile.contains_key("name"),
            "null name is absent, not null"
        );
        assert!(
            !profile.contains_key("avatar_url"),
            "blank avatar is absent"
        );
        assert!(r.created_at.is_some());
    }

    #[test]
    fn user_without_email_has_no_login_and_unknown_mfa() {
        let r = user_resource(&user(json!({})));
        let t = r.user_trait().unwrap();
        assert!(t.emails.is_empty());
        assert_eq!(t.login, "");
        assert_eq!(t.mfa_enabled, None);
    }

    #[test]
    fn the_type_skips_entitlements_and_grants() {
        assert!(
            resource_type()
                .annotations
                .contains(&Annotation::SkipEntitlementsAndGrants)
        );
    }
}
