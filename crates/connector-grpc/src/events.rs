//! `EventService`: the connector's [`EventFeed`](connector_sdk::events::EventFeed) as baton's
//! `ListEventFeeds` and `ListEvents`.
//!
//! baton's builder registers a connector's one feed (its `EventLister`) under the legacy id
//! [`FEED_ID`], the feed a request without an `event_feed_id` means, and lists it with the one
//! event type `EVENT_TYPE_UNSPECIFIED` (baton's `EventType` has no grant or revoke, which this
//! feed sends). A connector without a feed lists none and answers `ListEvents` with `NotFound`,
//! in baton's words; it does not claim `CAPABILITY_EVENT_FEED_V2` either
//! ([`connector_sdk::capabilities`]).
//!
//! A request's cursor is the feed's own (empty: the first page), its `start_at` the earliest
//! time wanted (none: the feed chooses, as on a first sync of the engine), its page size at
//! most baton's 1000 (0: the engine's [`connector_sdk::events::DEFAULT_PAGE_SIZE`]).
//! Each event is [`redacted`](connector_sdk::events::FeedEvent::redacted) and sent as
//! [`connector_proto::event_to_proto`] makes it: the very message a `.c1z`'s `rs_events_v1`
//! holds for the same event. The response's cursor is where the next page starts, and
//! `has_more` says there is one: baton's callers read until it is false.

use connector_proto::{event_to_proto, timestamp_from_proto};
use connector_sdk::events::DEFAULT_PAGE_SIZE;
use connector_sdk::events::EventRequest;
use tonic::{Request, Response, Status};

use crate::pb::v2::*;
use crate::services::Services;
use crate::status::{from_error, invalid};

/// The id of a connector's one feed: baton's `LegacyBatonFeedId`.
pub const FEED_ID: &str = "baton_feed_event";

/// The most events a page may ask for (baton's validation of `ListEventsRequest`).
const MAX_PAGE_SIZE: u32 = 1000;

/// The longest cursor baton's validation lets through, in bytes.
const MAX_CURSOR: usize = 4096;

#[tonic::async_trait]
impl event_service_server::EventService for Services {
    async fn list_events(
        &self,
        request: Request<ListEventsRequest>,
    ) -> Result<Response<ListEventsResponse>, Status> {
        let request = request.into_inner();
        let id = match request.event_feed_id.as_str() {
            "" => FEED_ID,
            id => id,
        };
        let feed = match self.event_feed() {
            Some(feed) if id == FEED_ID => feed,
            // baton's own words for a feed it does not have.
            _ => {
                return Err(Status::not_found(format!(
                    "error: event feed id {id} not found"
                )));
            }
        };
        if request.page_size > MAX_PAGE_SIZE {
            return Err(invalid(format!(
                "page_size {} is over the limit of {MAX_PAGE_SIZE} events a page",
                request.page_size
            )));
        }
        if request.cursor.len() > MAX_CURSOR {
            return Err(invalid(format!(
                "the cursor is {} bytes, over the limit of {MAX_CURSOR}: it is not one this \
                 server gave out",
                request.cursor.len()
            )));
        }
        let asked = EventRequest {
            cursor: Some(request.cursor).filter(|c| !c.is_empty()),
            start_at: request.start_at.map(timestamp_from_proto),
            page_size: match request.page_size {
                0 => DEFAULT_PAGE_SIZE,
                n => n,
            },
        };
        let page = feed.list_events(asked).await.map_err(|e| from_error(&e))?;
        let cursor = page.cursor.unwrap_or_default();
        Ok(Response::new(ListEventsResponse {
            events: page
                .events
                .into_iter()
                .map(|e| event_to_proto(&e.redacted()))
                .collect(),
            has_more: !cursor.is_empty(),
            cursor,
            annotations: Vec::new(),
        }))
    }

    async fn list_event_feeds(
        &self,
        _: Request<ListEventFeedsRequest>,
    ) -> Result<Response<ListEventFeedsResponse>, Status> {
        let list = self
            .event_feed()
            .map(|_| EventFeedMetadata {
                id: FEED_ID.to_owned(),
                supported_event_types: vec![EventType::Unspecified as i32],
            })
            .into_iter()
            .collect();
        Ok(Response::new(ListEventFeedsResponse {
            list,
            annotations: Vec::new(),
        }))
    }
}
