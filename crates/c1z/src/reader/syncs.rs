//! The sync runs of a file (`v1_sync_runs`) and its events table (`rs_events_v1`).

use rusqlite::OptionalExtension;

use super::C1zReader;
use super::open::check_table;
use crate::error::{Error, Result};
use crate::sql::text_of;

/// One sync run recorded in a file (`v1_sync_runs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRun {
    /// The sync id (a KSUID).
    pub id: String,
    /// When it started, as stored (`YYYY-MM-DD HH:MM:SS.fffffffff`, UTC).
    pub started_at: String,
    /// When it ended; `None` while it is unfinished.
    pub ended_at: Option<String>,
    /// `full`, `partial`, `resources_only` …
    pub sync_type: String,
    /// The engine's last checkpoint state (JSON), empty if none.
    pub sync_token: String,
    /// The sync a partial sync was based on, empty for full syncs.
    pub parent_sync_id: String,
}

impl SyncRun {
    /// Whether the sync ended.
    pub fn is_finished(&self) -> bool {
        self.ended_at.is_some()
    }

    /// Whether it is a full sync (baton's `full`): of every resource type. A `partial` or
    /// `resources_only` sync lacks what it did not sync.
    pub fn is_full(&self) -> bool {
        self.sync_type.is_empty() || self.sync_type == "full"
    }
}

/// One event of the file's events table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// The event, as the connector's feed gave it (redacted).
    pub event: connector_sdk::events::FeedEvent,
    /// The sync that first read it.
    pub sync_id: String,
    /// When it happened, in the format of [`SyncRun::started_at`] (so the two compare as text).
    pub occurred_at: String,
}

impl C1zReader {
    /// Every event of the connector's feed the file holds (see the crate docs), oldest first;
    /// none when the file has no events table (baton's files, syncs without a feed). Texts
    /// are capped like every other field read.
    pub fn events(&self) -> Result<Vec<StoredEvent>> {
        let table = crate::events::TABLE;
        let context = "reading rs_events_v1";
        let exists: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE",
                [table],
                |r| r.get(0),
            )
            .map_err(|e| self.sqlite(context, e))?;
        if !exists {
            return Ok(Vec::new());
        }
        check_table(&self.conn, &self.path, table)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT record, sync_id, occurred_at FROM rs_events_v1 \
                 ORDER BY occurred_at, event_id",
            )
            .map_err(|e| self.sqlite(context, e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sqlite(context, e))?;
        let mut events = Vec::new();
        while let Some(row) = self.step(&mut rows).map_err(|e| self.sqlite(context, e))? {
            let text = |i: usize| row.get_ref(i).map(text_of);
            let (record, sync_id, occurred_at) = (text(0), text(1), text(2));
            let record = record.map_err(|e| self.sqlite(context, e))?;
            let event: connector_sdk::events::FeedEvent =
                serde_json::from_str(&record).map_err(|e| {
                    let e = rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    );
                    self.sqlite(context, e)
                })?;
            events.push(StoredEvent {
                event: crate::events::capped(event),
                sync_id: sync_id.map_err(|e| self.sqlite(context, e))?,
                occurred_at: occurred_at.map_err(|e| self.sqlite(context, e))?,
            });
        }
        Ok(events)
    }

    /// All sync runs, oldest first.
    pub fn syncs(&self) -> Result<Vec<SyncRun>> {
        let col = |name: &str, default: &str| match self.sync_run_columns.iter().any(|c| c == name)
        {
            true => name.to_owned(),
            false => format!("'{default}'"),
        };
        let sql = format!(
            "SELECT sync_id, started_at, ended_at, sync_token, {}, {} FROM v1_sync_runs \
             ORDER BY id",
            col("sync_type", "full"),
            col("parent_sync_id", ""),
        );
        self.query(&sql, [], "reading the sync runs", |r| {
            Ok(SyncRun {
                id: text_of(r.get_ref(0)?),
                started_at: text_of(r.get_ref(1)?),
                ended_at: match r.get_ref(2)? {
                    rusqlite::types::ValueRef::Null => None,
                    v => Some(text_of(v)),
                },
                sync_token: text_of(r.get_ref(3)?),
                sync_type: text_of(r.get_ref(4)?),
                parent_sync_id: text_of(r.get_ref(5)?),
            })
        })
    }

    /// The latest finished full sync; else the latest sync, unfinished (check
    /// [`SyncRun::is_finished`]).
    pub fn latest_sync(&self) -> Result<SyncRun> {
        let syncs = self.syncs()?;
        let finished = syncs.iter().rev().find(|s| s.is_finished() && s.is_full());
        match finished.or(syncs.last()) {
            Some(s) => Ok(s.clone()),
            None => Err(Error::NoSyncs {
                path: self.path.clone(),
            }),
        }
    }

    /// The sync with id `sync_id`, or the one sync whose id starts with it.
    pub fn sync(&self, sync_id: &str) -> Result<SyncRun> {
        let syncs = self.syncs()?;
        if let Some(exact) = syncs.iter().find(|s| s.id == sync_id) {
            return Ok(exact.clone());
        }
        let matching: Vec<&SyncRun> = syncs
            .iter()
            .filter(|s| !sync_id.is_empty() && s.id.starts_with(sync_id))
            .collect();
        match matching.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::UnknownSync {
                path: self.path.clone(),
                sync_id: sync_id.to_owned(),
            }),
            many => Err(Error::AmbiguousSync {
                path: self.path.clone(),
                prefix: sync_id.to_owned(),
                ids: many.iter().map(|s| s.id.clone()).collect(),
            }),
        }
    }

    pub(crate) fn check_sync(&self, sync_id: &str) -> Result<()> {
        self.steps.start();
        let found = self
            .conn
            .query_row(
                "SELECT 1 FROM v1_sync_runs WHERE sync_id = ?1",
                [sync_id],
                |_| Ok(()),
            )
            .optional()
            .map_err(|e| self.sqlite("reading the sync runs", e))?;
        match found {
            Some(()) => Ok(()),
            None => Err(Error::UnknownSync {
                path: self.path.clone(),
                sync_id: sync_id.to_owned(),
            }),
        }
    }
}
