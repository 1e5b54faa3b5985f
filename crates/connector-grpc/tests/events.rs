//! `EventService` over a real socket: a connector whose event feed pages, carries secrets in
//! its metadata, and fails on demand, read the way baton's callers read a feed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use connector_grpc::events::FEED_ID;
use connector_grpc::pb::v2::*;
use connector_grpc::{Options, RateLimiter, Services, serve};
use connector_proto::pb;
use connector_sdk::{
    Connector, ConnectorError, ErrorKind, ListContext, Metadata, Page, Resource, ResourceId,
    ResourceSyncer, ResourceType, Timestamp, Trait,
    events::{Actor, EventFeed, EventKind, EventPage, EventRequest, EventResource, FeedEvent},
};
use prost::Message;
use tonic::Code;
use tonic::transport::Channel;

/// The feed's events, two a page: a grant that carries a password and a token in its
/// metadata, a revoke, a change and a use.
fn history() -> Vec<FeedEvent> {
    let user =
        |id: &str| EventResource::new(ResourceId::new("user", id), format!("{id}@x.example"));
    let team = EventResource::new(ResourceId::new("team", "t1"), "Team 1");
    let event = |n: u32, kind: EventKind| FeedEvent {
        id: format!("e{n}"),
        occurred_at: Timestamp::from_unix(1_800_000_000 + i64::from(n), 0),
        kind,
        actor: Some(Actor {
            principal: user("admin"),
            kind: "user".into(),
        }),
        target: Some(team.clone()),
        action: format!("team.action_{n}"),
        remote_ip: Some("192.0.2.1".into()),
        ..FeedEvent::default()
    };
    vec![
        FeedEvent {
            entitlement_id: Some("team:t1:member".into()),
            principal: Some(user("ada")),
            metadata: vec![
                ("role".into(), "member".into()),
                ("password".into(), "hunter2".into()),
                ("note".into(), "pscale_tkn_abcdefghijklmnop".into()),
            ],
            ..event(1, EventKind::Grant)
        },
        FeedEvent {
            entitlement_id: Some("team:t1:member".into()),
            principal: Some(user("bob")),
            ..event(2, EventKind::Revoke)
        },
        event(3, EventKind::ResourceChange),
        event(4, EventKind::Usage),
    ]
}

/// Pages of two events of [`history`] at cursors `""`, `"2"`; cursor `"boom"` fails as a busy
/// system does. Records every request.
#[derive(Default)]
struct Feed {
    requests: Mutex<Vec<EventRequest>>,
}

#[async_trait]
impl EventFeed for Feed {
    async fn list_events(&self, request: EventRequest) -> Result<EventPage, ConnectorError> {
        self.requests.lock().unwrap().push(request.clone());
        let start = match request.cursor.as_deref() {
            None => 0,
            Some("2") => 2,
            Some("boom") => {
                return Err(ConnectorError::unavailable("the audit log is busy")
                    .with_retry_after(Duration::from_secs(7)));
            }
            Some(other) => {
                return Err(ConnectorError::new(
                    ErrorKind::InvalidArgument,
                    format!("no cursor {other}"),
                ));
            }
        };
        let events = history()
            .into_iter()
            .skip(start)
            .take(2)
            .filter(|e| request.start_at.is_none_or(|at| e.occurred_at >= at))
            .collect();
        Ok(EventPage {
            events,
            cursor: (start == 0).then(|| "2".to_owned()),
        })
    }
}

struct Users;

#[async_trait]
impl ResourceSyncer for Users {
    fn resource_type(&self) -> ResourceType {
        ResourceType::new("user", "User", &[Trait::User])
    }

    async fn list(&self, _cx: ListContext) -> Result<Page<Resource>, ConnectorError> {
        Ok(Page::empty())
    }
}

/// A connector of one syncer and the feed.
struct WithFeed {
    feed: Arc<Feed>,
}

#[async_trait]
impl Connector for WithFeed {
    fn metadata(&self) -> Metadata {
        Metadata {
            display_name: "Feed".into(),
            description: "A connector with a history".into(),
        }
    }

    async fn validate(&self) -> Result<(), ConnectorError> {
        Ok(())
    }

    fn syncers(&self) -> Vec<Arc<dyn ResourceSyncer>> {
        vec![Arc::new(Users)]
    }

    fn event_feed(&self) -> Option<Arc<dyn EventFeed>> {
        Some(self.feed.clone())
    }
}

async fn start() -> (Channel, Arc<Feed>) {
    let feed = Arc::new(Feed::default());
    let connector = Arc::new(WithFeed { feed: feed.clone() });
    let services = Services::new(connector, Options::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        services,
        RateLimiter::default(),
        listener,
        None,
        std::future::pending(),
    ));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    (channel, feed)
}

/// Reads the feed as baton's callers do: page after page until `has_more` is false.
async fn read_all(channel: &Channel, start_at: Option<pb::Timestamp>) -> Vec<pb::Event> {
    let mut client = event_service_client::EventServiceClient::new(channel.clone());
    let mut cursor = String::new();
    let mut events = Vec::new();
    loop {
        let page = client
            .list_events(ListEventsRequest {
                cursor: cursor.clone(),
                start_at,
                page_size: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        events.extend(page.events);
        if !page.has_more {
            assert_eq!(page.cursor, "", "the last page names no next one");
            return events;
        }
        assert_ne!(page.cursor, cursor, "a page that has more moves the cursor");
        cursor = page.cursor;
    }
}

#[tokio::test]
async fn a_connector_with_a_feed_claims_it_and_lists_it_as_batons_one_feed() {
    let (channel, _) = start().await;
    let mut connector = connector_service_client::ConnectorServiceClient::new(channel.clone());
    let capabilities = connector
        .get_metadata(ConnectorServiceGetMetadataRequest {})
        .await
        .unwrap()
        .into_inner()
        .metadata
        .unwrap()
        .capabilities
        .unwrap();
    assert_eq!(
        capabilities.connector_capabilities,
        [Capability::Sync as i32, Capability::EventFeedV2 as i32]
    );
    let mut events = event_service_client::EventServiceClient::new(channel);
    let feeds = events
        .list_event_feeds(ListEventFeedsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        feeds.list,
        [EventFeedMetadata {
            id: FEED_ID.into(),
            supported_event_types: vec![EventType::Unspecified as i32],
        }]
    );
}

#[tokio::test]
async fn every_page_arrives_as_the_c1z_holds_the_events_without_secrets() {
    let (channel, feed) = start().await;
    let events = read_all(&channel, None).await;
    let expected: Vec<pb::Event> = history()
        .into_iter()
        .map(|e| connector_proto::event_to_proto(&e.redacted()))
        .collect();
    assert_eq!(events, expected);
    let kinds: Vec<_> = events.iter().map(|e| e.event.clone().unwrap()).collect();
    assert!(matches!(kinds[0], pb::EventKind::GrantEvent(_)));
    assert!(matches!(kinds[1], pb::EventKind::RevokeEvent(_)));
    assert!(matches!(kinds[2], pb::EventKind::ResourceChangeEvent(_)));
    assert!(matches!(kinds[3], pb::EventKind::UsageEvent(_)));

    // The grant's role stays; its password and token do not reach the wire.
    let wire = events[0].encode_to_vec();
    let holds = |needle: &[u8]| wire.windows(needle.len()).any(|w| w == needle);
    assert!(holds(b"member"));
    for secret in [&b"hunter2"[..], b"password", b"pscale_tkn_"] {
        assert!(
            !holds(secret),
            "{} reached the wire",
            String::from_utf8_lossy(secret)
        );
    }

    // The feed saw baton's requests: the first without a cursor, the next at the cursor it
    // gave, the page size asked for, no start (the feed chooses).
    let requests = feed.requests.lock().unwrap().clone();
    let cursors: Vec<Option<&str>> = requests.iter().map(|r| r.cursor.as_deref()).collect();
    assert_eq!(cursors, [None, Some("2")]);
    assert!(
        requests
            .iter()
            .all(|r| r.page_size == 100 && r.start_at.is_none())
    );
}

#[tokio::test]
async fn start_at_and_the_default_page_size_reach_the_feed() {
    let (channel, feed) = start().await;
    let start_at = pb::Timestamp {
        seconds: 1_800_000_003,
        nanos: 0,
    };
    let events = read_all(&channel, Some(start_at)).await;
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e3", "e4"]);

    let mut client = event_service_client::EventServiceClient::new(channel);
    client
        .list_events(ListEventsRequest {
            event_feed_id: FEED_ID.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let last = feed.requests.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.page_size, connector_sdk::events::DEFAULT_PAGE_SIZE);
    assert_eq!(
        feed.requests.lock().unwrap()[0].start_at,
        Some(Timestamp::from_unix(1_800_000_003, 0))
    );
}

#[tokio::test]
async fn bad_requests_and_feed_failures_carry_batons_codes() {
    let (channel, feed) = start().await;
    let mut client = event_service_client::EventServiceClient::new(channel);
    let mut ask = async |request: ListEventsRequest| client.list_events(request).await.unwrap_err();

    let other = ask(ListEventsRequest {
        event_feed_id: "audit".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(other.code(), Code::NotFound);
    assert_eq!(other.message(), "error: event feed id audit not found");

    let big = ask(ListEventsRequest {
        page_size: 1001,
        ..Default::default()
    })
    .await;
    assert_eq!(big.code(), Code::InvalidArgument);
    assert!(big.message().contains("1000"), "{}", big.message());

    let long = ask(ListEventsRequest {
        cursor: "x".repeat(4097),
        ..Default::default()
    })
    .await;
    assert_eq!(long.code(), Code::InvalidArgument);
    assert!(
        feed.requests.lock().unwrap().is_empty(),
        "refused before the feed"
    );

    let busy = ask(ListEventsRequest {
        cursor: "boom".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(busy.code(), Code::Unavailable);
    assert_eq!(busy.message(), "the audit log is busy");
    let details = connector_grpc::pb::google::rpc::Status::decode(busy.details()).unwrap();
    assert_eq!(
        details.details[0].type_url,
        "type.googleapis.com/c1.connector.v2.RateLimitDescription"
    );

    let unknown = ask(ListEventsRequest {
        cursor: "nowhere".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(unknown.code(), Code::InvalidArgument);
}
