//! `oauth_application`: the OAuth applications authorised in each organization (children of the
//! organization resource), with baton's app trait. Their tokens are their children
//! (`oauth_token`); the applications themselves hold nothing.

use async_trait::async_trait;
use connector_sdk::paging::PageToken;
use connector_sdk::{
    Annotation, AppTrait, ConnectorError, ListContext, Page, Profile, Resource, ResourceId,
    ResourceSyncer, ResourceType, Trait,
};
use planetscale_client::OAuthApplication;

use super::{non_blank, oauth_token, put, timestamp};
use crate::api::Api;
use crate::cache::{self, AppEntry};
use crate::lists::app_entry;

pub(crate) const ID: &str = "oauth_application";

pub(crate) fn resource_type() -> ResourceType {
    ResourceType::new(ID, "OAuth application", &[Trait::App])
        .with_description(
            "An OAuth application authorised in a PlanetScale organization: its tokens act in \
             the organization on behalf of the people who authorised it",
        )
        .with_annotation(Annotation::SkipEntitlementsAndGrants)
}

/// Lists the OAuth applications of each organization.
#[derive(Debug)]
pub(crate) struct OAuthApplicationSyncer {
    api: Api,
}

impl OAuthApplicationSyncer {
    pub(crate) fn new(api: Api) -> Self {
        OAuthApplicationSyncer { api }
    }
}

#[async_trait]
impl ResourceSyncer for OAuthApplicationSyncer {
    fn resource_type(&self) -> ResourceType {
        resource_type()
    }

    async fn list(&self, cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        let Some(parent) = cx.parent else {
            return Ok(Page::empty());
        };
        let session = &cx.call.session;
        let at = PageToken::parse(cx.call.page_token.as_deref())?;
        let org = &self.api.org(session, &parent.resource).await?;
        let list = self.api.oauth_apps_list(org);
        let fetch = |page| self.api.fetch_oauth_apps(org, page);
        let apps = self
            .api
            .listed(session, &list, at, fetch, |a: &OAuthApplication| &a.id)
            .await?;
        let items = apps
            .items()
            .map(|app| {
                let entry = app_entry(app, org);
                cache::put_oauth_app(session, &app.id, &entry);
                app_resource(app, &entry, &parent)
            })
            .collect();
        Ok(list.paged.plan(at, &apps.page)?.into_page(items))
    }
}

/// The resource of one OAuth application, which announces its tokens.
pub(crate) fn app_resource(
    app: &OAuthApplication,
    entry: &AppEntry,
    parent: &ResourceId,
) -> Resource {
    let mut profile = Profile::new();
    put(&mut profile, "organization", Some(entry.org.name.as_str()));
    put(&mut profile, "name", Some(entry.name.as_str()));
    put(&mut profile, "domain", non_blank(app.domain.as_ref()));
    put(
        &mut profile,
        "redirect_uri",
        non_blank(app.redirect_uri.as_ref()),
    );
    put(&mut profile, "client_id", non_blank(app.client_id.as_ref()));
    put(&mut profile, "scopes", non_blank(app.scopes.as_ref()));
    put(&mut profile, "tokens", app.tokens);
    put(&mut profile, "created_at", app.created_at.as_deref());
    let app_trait = AppTrait {
        help_url: non_blank(app.domain.as_ref())
            .map(|d| format!("https://{d}"))
            .unwrap_or_default(),
        ..AppTrait::default()
    };
    let mut resource = Resource::new(&resource_type(), app.id.as_str(), entry.name.as_str())
        .with_parent(parent.clone())
        .with_description(format!(
            "OAuth application {} authorised in PlanetScale organization {}",
            entry.name, entry.org.name
        ))
        .with_profile(profile)
        .with_annotation(app_trait)
        .with_annotation(Annotation::child_resource_type(oauth_token::ID));
    if let Some(created_at) = timestamp(app.created_at.as_deref()) {
        resource = resource.with_created_at(created_at);
    }
    resource
}

#[cfg(test)]
mod tests {
    use connector_sdk::Value;
    use serde_json::json;

    use super::*;
    use crate::cache::OrgEntry;

    #[test]
    fn an_application_is_an_app_that_announces_its_tokens() {
        let app: OAuthApplication = serde_json::from_value(json!({
            "id": "a1", "name": "Hex", "domain": "hex.example", "client_id": "pub1",
            "scopes": "read_databases", "tokens": 3, "created_at": "2025-03-01T00:00:00.000Z"
        }))
        .unwrap();
        let org = OrgEntry {
            id: "o1".into(),
            name: "acme".into(),
        };
        let parent = ResourceId::new("organization", "o1");
        let r = app_resource(&app, &app_entry(&app, &org), &parent);
        assert_eq!(r.id, ResourceId::new("oauth_application", "a1"));
        assert_eq!(r.parent, Some(parent));
        assert!(r.has_trait(Trait::App));
        assert_eq!(
            r.child_resource_types().collect::<Vec<_>>(),
            ["oauth_token"]
        );
        let profile = r.profile.as_ref().unwrap();
        assert_eq!(profile["tokens"], Value::from(3u64));
        assert_eq!(profile["client_id"], Value::from("pub1"));
    }
}
