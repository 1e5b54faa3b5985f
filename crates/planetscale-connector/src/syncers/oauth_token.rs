//! `oauth_token`: the tokens of each OAuth application (children of the application resource),
//! modelled like service tokens: principals with the user trait (service account type) and the
//! secret trait, whose `identity_id` is the person the token acts for. Their accesses are
//! entitlements of the organizations and databases they apply to (see `access`); an access on
//! the person's own account (`read_user`) is in the token's profile.

use async_trait::async_trait;
use connector_sdk::paging::PageToken;
use connector_sdk::{
    Annotation, ConnectorError, ListContext, Page, Profile, Resource, ResourceSyncer, ResourceType,
    SessionCache, Trait, Value,
};
use planetscale_client::{OAuthApplication, ServiceToken};

use super::service_token::token_resource;
use super::put;
use crate::api::Api;
use crate::api::Prefetch;
use crate::cache::{self, AppEntry, OrgEntry};
use crate::lists::{app_entry, probe};
use crate::parts::{Part, PartReach};

pub(crate) const ID: &str = "oauth_token";

pub(crate) fn resource_type() -> ResourceType {
    ResourceType::new(ID, "OAuth token", &[Trait::User, Trait::Secret])
        .with_description(
            "A token of an OAuth application: a non-human identity acting in the organization \
             on behalf of the person who authorised the application",
        )
        .with_annotation(Annotation::SkipEntitlementsAndGrants)
}

/// Lists the tokens of each OAuth application.
#[derive(Debug)]
pub(crate) struct Syncer {
    api: Api,
}

impl Syncer {
    pub(crate) fn new(api: Api) -> Self {
        Syncer { api }
    }

    /// Page 1 of the tokens of `org`'s first OAuth application, as the probe of the
    /// applications kept it, for validation: nothing to check without an application.
    pub(crate) async fn probe(
        api: &Api,
        org: &OrgEntry,
        prefetch: &mut Prefetch,
    ) -> Result<PartReach, ConnectorError> {
        let apps = api.oauth_apps_list(org);
        let first = prefetch.peek::<OAuthApplication>(&apps.key, 1);
        let Some(app) = first.and_then(|page| page.items.into_iter().next()) else {
            return Ok(PartReach::unchecked(Part::OAuthTokens));
        };
        let entry = app_entry(&app, org);
        let list = api.oauth_tokens_list(&app.id, &entry);
        let first = api.fetch_oauth_tokens(&app.id, &entry, 1);
        probe(Part::OAuthTokens, &list, prefetch, first).await
    }
}

#[async_trait]
impl ResourceSyncer for Syncer {
    fn resource_type(&self) -> ResourceType {
        resource_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        let Some(parent) = cx.parent else {
            return Ok(Page::empty());
        };
        let session = &cx.call.session;
        let at = PageToken::parse(cx.call.page_token.as_deref())?;
        let app_id = parent.resource.as_str();
        let app = &app_of(session, app_id)?;
        let list = self.api.oauth_tokens_list(app_id, app);
        let fetch = |page| self.api.fetch_oauth_tokens(app_id, app, page);
        let tokens = self
            .api
            .listed(session, &list, at, fetch, |t: &ServiceToken| &t.id)
            .await?;
        let items = tokens
            .items()
            .map(|t| token_resource(&resource_type(), t, &parent, token_profile(t, app, app_id)))
            .collect();
        Ok(list.paged.plan(at, &tokens.page)?.into_page(items))
    }
}

/// Where an OAuth token lives, and what it may do on the authorising person's own account.
fn token_profile(token: &ServiceToken, app: &AppEntry, app_id: &str) -> Profile {
    let mut profile = Profile::new();
    put(&mut profile, "organization", Some(app.org.name.as_str()));
    put(&mut profile, "application", Some(app.name.as_str()));
    put(&mut profile, "application_id", Some(app_id));
    let own: Vec<Value> = token
        .oauth_accesses
        .iter()
        .filter_map(|o| o.user.as_ref())
        .flat_map(|scope| &scope.accesses)
        .map(|a| Value::from(a.name.as_str()))
        .collect();
    if !own.is_empty() {
        profile.insert("user_accesses".to_owned(), Value::List(own));
    }
    profile
}

/// The application `app_id`, as its listing recorded it.
fn app_of(session: &SessionCache, app_id: &str) -> Result<AppEntry, ConnectorError> {
    cache::oauth_app(session, app_id).ok_or_else(|| {
        ConnectorError::internal(format!(
            "OAuth application {app_id} is not in the session cache its listing fills"
        ))
    })
}

#[cfg(test)]
mod tests {
    use connector_sdk::{ResourceId, SecretTrait};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_token_acts_for_the_person_who_authorised_its_application() {
        let token: ServiceToken = serde_json::from_value(json!({
            "id": "k1", "display_name": "Hex", "actor_id": "u1", "actor_type": "User",
            "oauth_accesses_by_resource": {
                "user": {"users": [{"id": "u1", "name": "Ada"}], "accesses": [{"name": "read_user"}]}
            }
        }))
        .unwrap();
        let app = AppEntry {
            org: OrgEntry {
                id: "o1".into(),
                name: "acme".into(),
            },
            name: "Hex".into(),
        };
        let parent = ResourceId::new("oauth_application", "a1");
        let r = token_resource(
            &resource_type(),
            &token,
            &parent,
            token_profile(&token, &app, "a1"),
        );
        assert_eq!(r.parent, Some(parent));
        let secret: &SecretTrait = r
            .annotations
            .iter()
            .find_map(|a| match a {
                Annotation::SecretTrait(s) => Some(s),
                _ => None,
            })
            .unwrap();
        assert_eq!(secret.identity_id, Some(ResourceId::new("user", "u1")));
        let profile = r.profile.as_ref().unwrap();
        assert_eq!(profile["application"], Value::from("Hex"));
        assert_eq!(
            profile["user_accesses"],
            Value::List(vec![Value::from("read_user")])
        );
    }
}
