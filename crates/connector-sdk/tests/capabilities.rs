//! Capabilities derived from the syncers, printed as baton's protojson.

use std::sync::Arc;

use async_trait::async_trait;
use connector_sdk::{
    Capability, Connector, ConnectorError, GetContext, ListContext, Metadata, Page, Resource,
    ResourceSyncer, ResourceType, Trait, capabilities,
    events::{EventFeed, EventPage, EventRequest},
};
use serde_json::json;

use crate::toy::TestConnector;

struct Users {
    get: bool,
}

#[async_trait]
impl ResourceSyncer for Users {
    fn resource_type(&self) -> ResourceType {
        ResourceType::new("user", "User", &[Trait::User]).with_description("A person")
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        Ok(Page::empty())
    }

    fn supports_get(&self) -> bool {
        self.get
    }

    async fn get(&self, _cx: GetContext) -> Result<Option<Resource>, ConnectorError> {
        Ok(None)
    }
}

struct Groups;

#[async_trait]
impl ResourceSyncer for Groups {
    fn resource_type(&self) -> ResourceType {
        ResourceType::new("group", "Group", &[Trait::Group])
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        Ok(Page::empty())
    }
}

#[test]
fn sync_for_every_type_targeted_sync_where_get_is_supported() {
    let connector = TestConnector::new(vec![Arc::new(Users { get: true }), Arc::new(Groups)]);
    let caps = capabilities(&connector);
    assert_eq!(caps.connector, [Capability::Sync, Capability::TargetedSync]);
    assert_eq!(
        caps.to_json(),
        json!({
            "@type": "type.googleapis.com/c1.connector.v2.ConnectorCapabilities",
            "resourceTypeCapabilities": [
                {
                    "resourceType": { "id": "group", "displayName": "Group", "traits": ["TRAIT_GROUP"] },
                    "capabilities": ["CAPABILITY_SYNC"]
                },
                {
                    "resourceType": {
                        "id": "user",
                        "displayName": "User",
                        "traits": ["TRAIT_USER"],
                        "description": "A person"
                    },
                    "capabilities": ["CAPABILITY_SYNC", "CAPABILITY_TARGETED_SYNC"]
                }
            ],
            "connectorCapabilities": ["CAPABILITY_SYNC", "CAPABILITY_TARGETED_SYNC"]
        })
    );
}

#[test]
fn without_getters_the_connector_only_syncs() {
    let connector = TestConnector::new(vec![Arc::new(Users { get: false })]);
    let json = capabilities(&connector).to_json();
    assert_eq!(json["connectorCapabilities"], json!(["CAPABILITY_SYNC"]));
}

#[test]
fn a_connector_without_syncers_has_no_capabilities() {
    let json = capabilities(&TestConnector::new(Vec::new())).to_json();
    assert_eq!(
        json,
        json!({ "@type": "type.googleapis.com/c1.connector.v2.ConnectorCapabilities" })
    );
}

/// A connector with an event feed (of no events).
struct WithFeed(TestConnector);

struct NoEvents;

#[async_trait]
impl EventFeed for NoEvents {
    async fn list_events(&self, _request: EventRequest) -> Result<EventPage, ConnectorError> {
        Ok(EventPage::default())
    }
}

#[async_trait]
impl Connector for WithFeed {
    fn metadata(&self) -> Metadata {
        self.0.metadata()
    }

    async fn validate(&self) -> Result<(), ConnectorError> {
        Ok(())
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        self.0.syncers()
    }

    fn event_feed(&self) -> Option<Arc<dyn EventFeed>> {
        Some(Arc::new(NoEvents))
    }
}

#[test]
fn an_event_feed_is_claimed_connector_wide_as_baton_claims_it() {
    let connector = WithFeed(TestConnector::new(vec![Arc::new(Users { get: true })]));
    let caps = capabilities(&connector);
    assert_eq!(
        caps.connector,
        [
            Capability::Sync,
            Capability::TargetedSync,
            Capability::EventFeedV2
        ]
    );
    let json = caps.to_json();
    assert_eq!(
        json["connectorCapabilities"],
        json!([
            "CAPABILITY_SYNC",
            "CAPABILITY_TARGETED_SYNC",
            "CAPABILITY_EVENT_FEED_V2"
        ])
    );
    // Per resource type nothing changes: a feed is the connector's, not a type's.
    assert_eq!(
        json["resourceTypeCapabilities"][0]["capabilities"],
        json!(["CAPABILITY_SYNC", "CAPABILITY_TARGETED_SYNC"])
    );
}
