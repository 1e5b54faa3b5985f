//! `oauth_application`: the OAuth applications authorised in each organization (children of the
//! organization resource), with baton's app trait. Their tokens are their children
//! (`oauth_token`); the applications themselves hold nothing.

use connector_sdk::paging::FetchedPage;
use connector_sdk::{
    Annotation, AppTrait, ConnectorError, Profile, Resource, ResourceId, ResourceType,
    SessionCache, Trait,
};
use planetscale_client::OAuthApplication;

use super::children::{self, OrgChild};
use super::{non_blank, put, timestamp};
use crate::api::Api;
use crate::cache::{self, AppEntry, OrgEntry};
use crate::lists::app_entry;
use crate::parts::Part;

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
pub(crate) type Syncer = children::Syncer<OAuthApplications>;

/// The OAuth applications of an organization, each recorded for its tokens' listing.
#[derive(Debug)]
pub(crate) struct OAuthApplications;

impl OrgChild for OAuthApplications {
    const PART: Part = Part::OAuthApplications;
    type Item = OAuthApplication;

    fn resource_type() -> ResourceType {
        resource_type()
    }


    async fn fetch(
        api: &Api,
        org: &OrgEntry,
        page: u32,
    ) -> Result<FetchedPage<OAuthApplication>, ConnectorError> {
        api.fetch_oauth_apps(org, page).await
    }

    fn id(app: &OAuthApplication) -> &str {
        &app.id
    }

    fn resource(
        session: &SessionCache,
        app: &OAuthApplication,
        org: &OrgEntry,
        parent: &ResourceId,
    ) -> Resource {
        let entry = app_entry(app, org);
        cache::put_oauth_app(session, &app.id, &entry);
        app_resource(app, &entry, parent)
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
        .with_annotation(app_trait);
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

    #[test]
    fn an_application_is_an_app_with_its_details() {
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
        let profile = r.profile.as_ref().unwrap();
        assert_eq!(profile["tokens"], Value::from(3u64));
        assert_eq!(profile["client_id"], Value::from("pub1"));
    }
}
