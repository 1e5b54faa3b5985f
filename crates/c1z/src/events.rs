//! Events of a connector's feed (an audit log) in a table of their own, `rs_events_v1`.
//!
//! baton's v1 schema has no events table, and baton's readers read only their own tables, so
//! this one is invisible to them; it is created by the first event written, so a file without
//! events has baton's schema exactly. Each row holds the event as baton's
//! `c1.connector.v2.Event` (`data`) and as the SDK's [`FeedEvent`] in JSON (`record`, what
//! `inspect events` and the attribution read), keyed by the event's id: an event read again is
//! replaced, never duplicated.
//!
//! Events are history, not a snapshot: a new sync carries every event of the previous file
//! over (with its `sync_id`, the sync that first read it) and retention deletes none, so the
//! file keeps the whole review period even when the system keeps only days of it. Only the
//! [`redacted`](FeedEvent::redacted) event is ever written.

use connector_sdk::{Timestamp, events::FeedEvent};
use prost::Message;
use rusqlite::{Connection, OptionalExtension, params};

use crate::clock;

/// The table's name.
pub(crate) const TABLE: &str = "rs_events_v1";

/// The table, created on first use.
const CREATE: &str = "CREATE TABLE IF NOT EXISTS rs_events_v1 (
    id integer primary key,
    event_id text not null unique,
    occurred_at datetime not null,
    data blob not null,
    record text not null,
    sync_id text not null,
    discovered_at datetime not null
)";

const UPSERT: &str = "INSERT INTO rs_events_v1 (event_id, occurred_at, data, record, sync_id, \
     discovered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (event_id) DO UPDATE SET \
     occurred_at = excluded.occurred_at, data = excluded.data, record = excluded.record";

/// The columns a carried row keeps: everything but the row id.
const COLUMNS: &str = "event_id, occurred_at, data, record, sync_id, discovered_at";

/// An event encoded for its row.
pub(crate) struct EventRow {
    event_id: String,
    occurred_at: String,
    data: Vec<u8>,
    record: String,
}

impl EventRow {
    /// `event`, redacted, as its row.
    pub(crate) fn of(event: FeedEvent) -> EventRow {
        let event = event.redacted();
        EventRow {
            event_id: event.id.clone(),
            occurred_at: format_time(event.occurred_at),
            data: connector_proto::event_to_proto(&event).encode_to_vec(),
            // Serialising plain strings and numbers cannot fail.
            record: serde_json::to_string(&event).unwrap_or_default(),
        }
    }
}

/// Writes `rows` in sync `sync_id`, creating the table if needed.
pub(crate) fn put(conn: &Connection, sync_id: &str, rows: &[EventRow]) -> rusqlite::Result<()> {
    conn.execute_batch(CREATE)?;
    let now = clock::now_text();
    let mut stmt = conn.prepare_cached(UPSERT)?;
    for r in rows {
        stmt.execute(params![
            r.event_id,
            r.occurred_at,
            r.data,
            r.record,
            sync_id,
            now
        ])?;
    }
    Ok(())
}

/// Copies the events of the attached database `previous` into `conn`'s, when it has any.
pub(crate) fn carry(conn: &Connection) -> rusqlite::Result<()> {
    let is_table: bool = conn.query_row(
        "SELECT count(*) > 0 FROM previous.sqlite_master WHERE name = ?1 AND type = 'table'",
        [TABLE],
        |r| r.get(0),
    )?;
    if !is_table {
        return Ok(());
    }
    conn.execute_batch(CREATE)?;
    conn.execute_batch(&format!(
        "INSERT OR IGNORE INTO main.{TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM previous.{TABLE} \
         ORDER BY id"
    ))
}

/// When the event feed should start: the start of the latest finished full sync before
/// `sync_id`.
pub(crate) fn since(conn: &Connection, sync_id: &str) -> rusqlite::Result<Option<Timestamp>> {
    let started: Option<String> = conn
        .query_row(
            "SELECT started_at FROM v1_sync_runs WHERE sync_id != ?1 AND ended_at IS NOT NULL \
             AND sync_type = 'full' ORDER BY id DESC LIMIT 1",
            [sync_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(started
        .as_deref()
        .and_then(clock::parse_unix_seconds)
        .map(|seconds| Timestamp::from_unix(seconds, 0)))
}

/// `event` with every text cut to [`MAX_TEXT`](crate::MAX_TEXT), as the reader caps the
/// fields of every other row.
pub(crate) fn capped(mut event: FeedEvent) -> FeedEvent {
    let cut = |s: &mut String| crate::cut_text(s, crate::MAX_TEXT);
    let mut resources: Vec<&mut connector_sdk::events::EventResource> = Vec::new();
    resources.extend(event.actor.as_mut().map(|a| &mut a.principal));
    resources.extend(event.target.as_mut());
    resources.extend(event.principal.as_mut());
    for r in resources {
        cut(&mut r.display_name);
        cut(&mut r.id.resource);
        cut(&mut r.id.resource_type);
    }
    if let Some(actor) = event.actor.as_mut() {
        cut(&mut actor.kind);
    }
    for text in [&mut event.id, &mut event.action]
        .into_iter()
        .chain(event.entitlement_id.as_mut())
        .chain(event.remote_ip.as_mut())
        .chain(event.location.as_mut())
    {
        cut(text);
    }
    for (key, value) in &mut event.metadata {
        cut(key);
        cut(value);
    }
    event
}

/// `t` in baton's time format, which sorts as text.
pub(crate) fn format_time(t: Timestamp) -> String {
    let seconds = u64::try_from(t.seconds).unwrap_or(0);
    let nanos = u32::try_from(t.nanos).unwrap_or(0);
    clock::format_unix(seconds, nanos)
}
