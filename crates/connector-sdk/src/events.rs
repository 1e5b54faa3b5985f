//! Event feeds: what happened in the connected system, who did it, to what, when — the shape
//! of baton's `ListEvents` (a cursor, a start time, a page size; each event a `UsageEvent`,
//! `GrantEvent`, `RevokeEvent` or `ResourceChangeEvent`).
//!
//! A connector with a history to offer (an audit log) returns an [`EventFeed`] from
//! [`Connector::event_feed`](crate::Connector::event_feed). The engine reads it after the
//! grants, from the time [`Store::events_since`] gives (the
//! previous sync's start, so nothing between two syncs is missed), a page at a time, and
//! stores every event with [`Store::put_events`]. Events are keyed
//! by their id: reading one again (a page replayed, an overlap with the previous sync) never
//! duplicates it.
//!
//! An event's `metadata` is free-form text from the system; [`redact`] drops whatever looks
//! like a secret, and stores apply it to everything they keep.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::engine::SyncOptions;
use crate::error::{ConnectorError, Error, ErrorKind};
use crate::model::{ResourceId, Timestamp};
use crate::store::Store;

/// Events per page the engine asks for (baton's limit is 1000; feeds may return fewer).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// A connector's history of changes, read a page at a time.
#[async_trait]
pub trait EventFeed: Send + Sync {
    /// One page of events that happened at or after `request.start_at`, after
    /// `request.cursor` (`None`: the first page). Return [`EventPage::cursor`] `None` after the
    /// last page. The feed chooses the start when `start_at` is `None` (a first sync).
    async fn list_events(&self, request: EventRequest) -> Result<EventPage, ConnectorError>;
}

/// What the engine asks an [`EventFeed`] for (baton's `ListEventsRequest`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventRequest {
    /// The previous page's [`EventPage::cursor`]; `None` for the first page.
    pub cursor: Option<String>,
    /// The earliest time wanted; `None` when the store holds no earlier sync.
    pub start_at: Option<Timestamp>,
    /// Most events wanted in the page.
    pub page_size: u32,
}

/// One page of events (baton's `ListEventsResponse`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventPage {
    /// The events, in any order.
    pub events: Vec<FeedEvent>,
    /// Where the next page starts; `None` after the last page.
    pub cursor: Option<String>,
}

/// What an event did, as baton's `Event.event` oneof tells it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// Access given: baton's `GrantEvent`.
    Grant,
    /// Access taken away: baton's `RevokeEvent`.
    Revoke,
    /// A resource made, changed or deleted: baton's `ResourceChangeEvent`.
    #[default]
    ResourceChange,
    /// Something used: baton's `UsageEvent`.
    Usage,
}

impl EventKind {
    /// `grant`, `revoke`, `resource-change` or `usage`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Grant => "grant",
            EventKind::Revoke => "revoke",
            EventKind::ResourceChange => "resource-change",
            EventKind::Usage => "usage",
        }
    }

    /// The kind [`as_str`](Self::as_str) names.
    pub fn parse(name: &str) -> Option<EventKind> {
        [
            EventKind::Grant,
            EventKind::Revoke,
            EventKind::ResourceChange,
            EventKind::Usage,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// A resource an event names: its id and the name the system gave it then.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResource {
    /// The resource's id, in the connector's resource types where it maps to one.
    pub id: ResourceId,
    /// Its name when the event happened (e.g. an email); may be empty.
    pub display_name: String,
}

impl EventResource {
    /// A resource named `display_name`.
    pub fn new(id: ResourceId, display_name: impl Into<String>) -> EventResource {
        EventResource {
            id,
            display_name: display_name.into(),
        }
    }

    /// Its name, else its id.
    pub fn label(&self) -> String {
        match self.display_name.trim() {
            "" => self.id.to_string(),
            name => name.to_owned(),
        }
    }
}

/// Who made a change: a principal (a person, a service token …).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The principal, in the connector's resource types where it maps to one.
    pub principal: EventResource,
    /// What kind of principal, in words (`user`, `service token`).
    pub kind: String,
}

/// One thing that happened (baton's `c1.connector.v2.Event`), with what the system said of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEvent {
    /// The system's id of the event; unique within the connector.
    pub id: String,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// What it did.
    pub kind: EventKind,
    /// Who did it, when the system says.
    pub actor: Option<Actor>,
    /// What it changed: for a grant or revoke, the resource of the entitlement (the
    /// organization, the team); else the resource changed or used.
    pub target: Option<EventResource>,
    /// For a grant or revoke: the entitlement's id, when the system says which.
    pub entitlement_id: Option<String>,
    /// For a grant or revoke: who was given or lost access.
    pub principal: Option<EventResource>,
    /// The system's action, verbatim (e.g. `organization.updated_role`).
    pub action: String,
    /// The address the change came from.
    pub remote_ip: Option<String>,
    /// Where that address is.
    pub location: Option<String>,
    /// Details of the change, key by key, without anything that looks like a secret.
    pub metadata: Vec<(String, String)>,
}

impl FeedEvent {
    /// The event with [`redact`] applied to its metadata.
    pub fn redacted(mut self) -> FeedEvent {
        self.metadata = redact(std::mem::take(&mut self.metadata));
        self
    }
}

/// Reads `feed` from the store's [`events_since`](Store::events_since) to its last page into
/// `store`; returns how many events it stored. `Unavailable` errors are retried per
/// `options.retry`; a cursor handed back unchanged is a contract error (it would loop).
pub(crate) async fn drive(
    feed: &dyn EventFeed,
    store: &dyn Store,
    options: &SyncOptions,
) -> crate::Result<u64> {
    let start_at = store.events_since().await?;
    let mut request = EventRequest {
        cursor: None,
        start_at,
        page_size: DEFAULT_PAGE_SIZE,
    };
    let mut stored = 0;
    loop {
        if options.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let page = page_with_retries(feed, &request, options).await?;
        stored += page.events.len() as u64;
        if !page.events.is_empty() {
            store.put_events(page.events).await?;
        }
        match page.cursor {
            None => return Ok(stored),
            Some(next) if Some(&next) == request.cursor.as_ref() => {
                return Err(Error::Contract(format!(
                    "the event feed returned its cursor {next:?} unchanged"
                )));
            }
            next => request.cursor = next,
        }
    }
}

async fn page_with_retries(
    feed: &dyn EventFeed,
    request: &EventRequest,
    options: &SyncOptions,
) -> crate::Result<EventPage> {
    let mut attempt = 1;
    loop {
        match feed.list_events(request.clone()).await {
            Ok(page) => return Ok(page),
            Err(e) if e.kind() == ErrorKind::Unavailable && attempt < options.retry.attempts => {
                tokio::time::sleep(options.retry.delay(attempt)).await;
                attempt += 1;
            }
            Err(source) => {
                return Err(Error::Connector {
                    context: "reading the event feed".to_owned(),
                    source,
                });
            }
        }
    }
}

/// `metadata` without the entries that look like secrets: a key naming one (token, secret,
/// password, key, credential, …) or a value shaped like one (a long run of letters, digits
/// and `_-+/=` without spaces, a `pscale_` token, a PEM block, a URL with a password).
pub fn redact(metadata: Vec<(String, String)>) -> Vec<(String, String)> {
    metadata
        .into_iter()
        .filter(|(key, value)| !secret_key(key) && !secret_value(value))
        .collect()
}

/// Whether a metadata key names a secret: it holds `token`, `secret` or `password`, or one of
/// its words (split at `_`, `-`, `.`) is `key`, `auth`, `credential`s, `cookie` and the like.
fn secret_key(key: &str) -> bool {
    const ANYWHERE: [&str; 4] = ["token", "secret", "password", "passwd"];
    const WORDS: [&str; 11] = [
        "key",
        "apikey",
        "pwd",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "cookie",
        "session",
        "signature",
        "private",
    ];
    let key = key.to_ascii_lowercase();
    ANYWHERE.iter().any(|w| key.contains(w))
        || key
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| WORDS.contains(&word))
}

/// Whether a metadata value is shaped like a credential.
fn secret_value(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    if ["pscale_", "-----begin", "bearer ", "basic "]
        .iter()
        .any(|p| lower.starts_with(p) || lower.contains(&format!("\"{p}")))
    {
        return true;
    }
    if let Some((_, rest)) = lower.split_once("://")
        && rest
            .split(['/', '?'])
            .next()
            .is_some_and(|host| host.contains('@') && host.contains(':'))
    {
        return true;
    }
    // A long unbroken run of token characters that switches between letters and digits
    // often (a key, a token); names, dates and UUIDs switch rarely or have their own shape.
    value.split(char::is_whitespace).any(|word| {
        let tokenish = word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-+/=".contains(c));
        tokenish && word.len() >= 20 && !is_uuid(word) && class_switches(word) >= 6
    })
}

/// How often `word` switches between letters and digits, other characters skipped.
fn class_switches(word: &str) -> usize {
    let classes: Vec<bool> = word
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.is_ascii_digit())
        .collect();
    classes.windows(2).filter(|w| w[0] != w[1]).count()
}

/// Whether `word` is a UUID (an id, not a secret).
fn is_uuid(word: &str) -> bool {
    let groups: Vec<&str> = word.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(pairs: &[(&str, &str)]) -> Vec<String> {
        let metadata = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        redact(metadata).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn keys_and_values_that_look_like_secrets_are_dropped() {
        let kept = kept(&[
            ("role", "admin"),
            ("previous_role", "member"),
            ("plain_text_token", "x"),
            ("api_key", "x"),
            ("Password", "hunter2"),
            ("note", "pscale_tkn_abcdefghijklmnop"),
            ("value", "k3J9x2LmQ8pZr7Vt4Nw6Ys1Bc5"),
            ("url", "mysql://root:hunter2@db.example:3306/x"),
            ("email", "bob@acme.example"),
            ("keyspace", "orders"),
            ("database_id", "3f2b8c4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"),
            ("database", "orders-2024-production-eu"),
            ("when", "2026-12-03T14:02:11.000Z"),
        ]);
        assert_eq!(
            kept,
            [
                "role",
                "previous_role",
                "email",
                "keyspace",
                "database_id",
                "database",
                "when"
            ]
        );
    }

    /// A feed of `pages` pages of one event each, whose cursor after the last is `last`.
    struct Pages {
        pages: usize,
        last: Option<String>,
    }

    #[async_trait]
    impl EventFeed for Pages {
        async fn list_events(&self, request: EventRequest) -> Result<EventPage, ConnectorError> {
            let n: usize = request.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
            let event = FeedEvent {
                id: format!("e{n}"),
                metadata: vec![
                    ("secret".into(), "x".into()),
                    ("role".into(), "admin".into()),
                ],
                ..FeedEvent::default()
            };
            let cursor = match n + 1 < self.pages {
                true => Some((n + 1).to_string()),
                false => self.last.clone(),
            };
            Ok(EventPage {
                events: vec![event],
                cursor,
            })
        }
    }

    #[tokio::test]
    async fn the_feed_is_read_to_its_last_page_into_the_store_redacted() {
        let store = crate::MemoryStore::new();
        let feed = Pages {
            pages: 3,
            last: None,
        };
        let stored = drive(&feed, &store, &SyncOptions::default()).await.unwrap();
        assert_eq!(stored, 3);
        let events = store.events();
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["e0", "e1", "e2"]);
        assert_eq!(
            events[0].metadata,
            [("role".to_owned(), "admin".to_owned())]
        );
    }

    #[tokio::test]
    async fn a_cursor_handed_back_unchanged_fails_rather_than_loops() {
        let store = crate::MemoryStore::new();
        let feed = Pages {
            pages: 2,
            last: Some("1".into()),
        };
        let e = drive(&feed, &store, &SyncOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Contract(_)), "{e}");
    }

    #[test]
    fn kinds_read_back_by_name() {
        for kind in [
            EventKind::Grant,
            EventKind::Revoke,
            EventKind::ResourceChange,
            EventKind::Usage,
        ] {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("other"), None);
    }
}
