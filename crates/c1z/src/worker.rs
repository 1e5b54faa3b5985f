//! The writer's dedicated thread: it owns the SQLite connection to the working database
//! (`<path>.partial`) and applies the commands the async [`C1zWriter`](crate::C1zWriter) sends.
//!
//! Writes are batched into transactions of `batch_size` rows with cached prepared statements.
//! A failed fire-and-forget write poisons the sync: the next awaited command returns the error.

use std::path::PathBuf;

use connector_sdk::{SyncStart, SyncType};
use rusqlite::{Connection, params};
use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};
use crate::events::{self, EventRow};
use crate::migrate::{bulk_pragmas, create_missing, create_schema};
use crate::reads;
use crate::retention::finish_sync;
use crate::schema;
use crate::sync_stats;
use crate::working::{
    WORKING_PRAGMAS, check_working_files, create_working, find_resumable, is_busy, open_working,
    partial_path, previous_database, publish, remove_working_files,
};
use crate::writer::WriterOptions;
use crate::{clock, ksuid};

/// The reply half of an awaited command.
pub(crate) type Reply<T> = oneshot::Sender<Result<T>>;

/// A resource type row, encoded.
pub(crate) struct TypeRow {
    pub external_id: String,
    pub data: Vec<u8>,
}

/// A resource row, encoded.
pub(crate) struct ResourceRow {
    pub resource_type_id: String,
    pub external_id: String,
    pub parent: Option<(String, String)>,
    pub data: Vec<u8>,
}

/// An entitlement row, encoded.
pub(crate) struct EntitlementRow {
    pub resource_type_id: String,
    pub resource_id: String,
    pub external_id: String,
    pub data: Vec<u8>,
}

/// A grant row, encoded; see [`GrantBlob`](crate::convert::GrantBlob) for `expansion`.
pub(crate) struct GrantRow {
    pub resource_type_id: String,
    pub resource_id: String,
    pub entitlement_id: String,
    pub principal_type: String,
    pub principal_id: String,
    pub external_id: String,
    pub expansion: Option<Vec<u8>>,
    pub data: Vec<u8>,
}

/// A read, run on the thread; it sends its own reply.
pub(crate) type Read = Box<dyn for<'a> FnOnce(Result<(&'a Connection, &'a str)>) + Send>;

/// What the async side asks the thread to do.
pub(crate) enum Command {
    Begin(SyncType, Reply<SyncStart>),
    ResourceTypes(Vec<TypeRow>),
    Resources(Vec<ResourceRow>),
    Entitlements(Vec<EntitlementRow>),
    Grants(Vec<GrantRow>),
    Events(Vec<EventRow>),
    /// A read of the running sync: the thread calls `read` with the connection and the sync
    /// id, or with the error that prevents the read, after building the grant index when
    /// `grant_index` asks for it.
    Read {
        grant_index: bool,
        read: Read,
    },
    Checkpoint {
        state: String,
        reply: Reply<()>,
    },
    Session {
        entries: Vec<(String, Vec<u8>)>,
        reply: Reply<()>,
    },
    End(Reply<()>),
}

/// The thread's state.
pub(crate) struct Worker {
    path: PathBuf,
    partial: PathBuf,
    options: WriterOptions,
    conn: Option<Connection>,
    sync_id: Option<String>,
    in_tx: bool,
    pending: usize,
    error: Option<Error>,
    poisoned: bool,
    ended: bool,
    /// Whether the grant index expansion reads through is built.
    grant_index: bool,
}

const TYPE_UPSERT: &str = "INSERT INTO v1_resource_types (external_id, data, sync_id, discovered_at) \
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (external_id, sync_id) DO UPDATE SET \
     data = excluded.data, discovered_at = excluded.discovered_at";

const RESOURCE_UPSERT: &str = "INSERT INTO v1_resources (resource_type_id, external_id, \
     parent_resource_type_id, parent_resource_id, data, sync_id, discovered_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (external_id, sync_id) DO UPDATE SET \
     resource_type_id = excluded.resource_type_id, \
     parent_resource_type_id = excluded.parent_resource_type_id, \
     parent_resource_id = excluded.parent_resource_id, \
     data = excluded.data, discovered_at = excluded.discovered_at";

const ENTITLEMENT_UPSERT: &str = "INSERT INTO v1_entitlements (resource_type_id, resource_id, \
     external_id, data, sync_id, discovered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
     ON CONFLICT (external_id, sync_id) DO UPDATE SET \
     resource_type_id = excluded.resource_type_id, resource_id = excluded.resource_id, \
     data = excluded.data, discovered_at = excluded.discovered_at";

/// As baton's: a NULL `expansion` (no `GrantExpandable`) keeps the stored one, an empty blob
/// (one without valid ids) clears it, anything else replaces it.
const GRANT_UPSERT: &str = "INSERT INTO v1_grants (resource_type_id, resource_id, \
     entitlement_id, principal_resource_type_id, principal_resource_id, external_id, \
     expansion, needs_expansion, data, sync_id, discovered_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULLIF(?7, X''), ?8, ?9, ?10, ?11) \
     ON CONFLICT (external_id, sync_id) DO UPDATE SET \
     resource_type_id = excluded.resource_type_id, resource_id = excluded.resource_id, \
     entitlement_id = excluded.entitlement_id, \
     principal_resource_type_id = excluded.principal_resource_type_id, \
     principal_resource_id = excluded.principal_resource_id, \
     expansion = CASE WHEN ?7 IS NULL THEN v1_grants.expansion ELSE excluded.expansion END, \
     needs_expansion = CASE WHEN ?7 IS NULL THEN v1_grants.needs_expansion \
     ELSE excluded.needs_expansion END, \
     data = excluded.data, discovered_at = excluded.discovered_at";

const SESSION_UPSERT: &str = "INSERT INTO v1_connector_sessions (sync_id, key, value) \
     VALUES (?1, ?2, ?3) ON CONFLICT (sync_id, key) DO UPDATE SET value = excluded.value";

impl Worker {
    pub(crate) fn new(path: PathBuf, options: WriterOptions) -> Self {
        Worker {
            partial: partial_path(&path),
            path,
            options,
            conn: None,
            sync_id: None,
            in_tx: false,
            pending: 0,
            error: None,
            poisoned: false,
            ended: false,
            grant_index: false,
        }
    }

    /// Applies commands until the writer is dropped, then commits what is pending.
    pub(crate) fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        while let Some(cmd) = rx.blocking_recv() {
            self.handle(cmd);
        }
        // Committing on drop is harmless: a resumed sync replays from its checkpoint anyway.
        if self.conn.is_some() && !self.poisoned {
            let _ = self.commit();
        }
    }

    fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Begin(sync_type, reply) => {
                let r = self.begin(sync_type);
                if r.is_err() {
                    self.conn = None;
                }
                let _ = reply.send(r);
            }
            Command::ResourceTypes(rows) => self.write(|w| w.put_types(&rows)),
            Command::Resources(rows) => self.write(|w| w.put_resources(&rows)),
            Command::Entitlements(rows) => self.write(|w| w.put_entitlements(&rows)),
            Command::Grants(rows) => self.write(|w| w.put_grants(&rows)),
            Command::Events(rows) => self.write(|w| w.put_events(&rows)),
            Command::Read { grant_index, read } => {
                match self.awaited(|w| w.prepare_read(grant_index)) {
                    Ok(()) => read(self.active()),
                    Err(e) => read(Err(e)),
                }
            }
            Command::Checkpoint { state, reply } => {
                let _ = reply.send(self.awaited(|w| w.checkpoint(&state)));
            }
            Command::Session { entries, reply } => {
                let _ = reply.send(self.awaited(|w| w.put_session(&entries)));
            }
            Command::End(reply) => {
                let r = self.awaited(Worker::end);
                if r.is_err() {
                    self.poisoned = true;
                }
                let _ = reply.send(r);
            }
        }
    }

    fn write(&mut self, f: impl FnOnce(&mut Self) -> Result<()>) {
        if self.poisoned {
            return;
        }
        if let Err(e) = f(self) {
            tracing::warn!(error = %e, "c1z write failed");
            self.error = Some(e);
            self.poisoned = true;
        }
    }

    fn awaited<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.poisoned {
            return Err(Error::Poisoned {
                path: self.path.clone(),
            });
        }
        f(self)
    }

    fn sqlite(&self, context: &str) -> impl FnOnce(rusqlite::Error) -> Error + use<> {
        let path = self.partial.clone();
        let context = context.to_owned();
        move |e| Error::sqlite(path, context, e)
    }

    fn usage(&self, what: &'static str) -> Error {
        Error::Usage {
            path: self.path.clone(),
            what,
        }
    }

    /// The connection and sync id of the running sync.
    fn active(&self) -> Result<(&Connection, &str)> {
        if self.ended {
            return Err(self.usage("the sync has already ended"));
        }
        match (&self.conn, &self.sync_id) {
            (Some(conn), Some(id)) => Ok((conn, id)),
            _ => Err(self.usage("begin_sync must be called before writing")),
        }
    }

    fn begin(&mut self, sync_type: SyncType) -> Result<SyncStart> {
        if self.sync_id.is_some() || self.ended {
            return Err(self.usage("begin_sync may be called only once per writer"));
        }
        if let Some(start) = self.try_resume(sync_type)? {
            return Ok(start);
        }
        remove_working_files(&self.partial);
        let conn = create_working(&self.partial)?;
        let previous = previous_database(&self.path, &self.partial)?;
        let created = create_schema(&conn, schema::DEFERRED_INDEXES, previous.as_deref());
        if let Some(previous) = &previous {
            remove_working_files(previous);
        }
        created
            .and_then(|()| conn.execute_batch(WORKING_PRAGMAS))
            .map_err(self.sqlite("creating the schema and carrying the previous syncs over"))?;
        let sync_id = ksuid::new_ksuid();
        conn.execute_batch("PRAGMA synchronous = FULL")
            .and_then(|()| {
                // As baton: a partial sync's parent is the latest finished full sync.
                conn.execute(
                    "INSERT INTO v1_sync_runs (sync_id, started_at, sync_token, sync_type, \
                     parent_sync_id, linked_sync_id, supports_diff, grants_backfilled) \
                     VALUES (?1, ?2, '', ?3, CASE WHEN ?3 = 'full' THEN '' ELSE coalesce(( \
                     SELECT sync_id FROM v1_sync_runs WHERE ended_at IS NOT NULL \
                     AND sync_type = 'full' ORDER BY id DESC LIMIT 1), '') END, '', 0, 1)",
                    params![sync_id, clock::now_text(), sync_type.as_baton_str()],
                )
            })
            .and_then(|_| conn.execute_batch("PRAGMA synchronous = NORMAL"))
            .map_err(self.sqlite("starting the sync"))?;
        self.conn = Some(conn);
        self.sync_id = Some(sync_id.clone());
        Ok(SyncStart {
            sync_id,
            checkpoint: None,
            session: Vec::new(),
        })
    }

    /// Resumes the unfinished sync of `sync_type` in `<path>.partial` if it started less than
    /// 7 days ago. A working database another writer holds, or one someone else could have
    /// written, is an error, never discarded.
    fn try_resume(&mut self, sync_type: SyncType) -> Result<Option<SyncStart>> {
        check_working_files(&self.partial)?;
        if !self.partial.exists() {
            return Ok(None);
        }
        let found = open_working(&self.partial).and_then(|conn| {
            let start = find_resumable(&conn, sync_type)
                .map_err(self.sqlite("looking for a sync to resume"))?;
            Ok((conn, start))
        });
        match found {
            Ok((conn, Some(start))) => {
                tracing::info!(sync_id = %start.sync_id, "resuming the unfinished sync");
                self.sync_id = Some(start.sync_id.clone());
                self.conn = Some(conn);
                Ok(Some(start))
            }
            Ok((_, None)) => Ok(None),
            Err(e) if is_busy(&e) => Err(Error::InUse {
                path: self.path.clone(),
            }),
            Err(e) => {
                tracing::warn!(error = %e, "discarding an unusable working database");
                Ok(None)
            }
        }
    }

    fn begin_tx(&mut self) -> Result<()> {
        if self.in_tx {
            return Ok(());
        }
        let (conn, _) = self.active()?;
        conn.execute_batch("BEGIN")
            .map_err(self.sqlite("starting a transaction"))?;
        self.in_tx = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        if !self.in_tx {
            return Ok(());
        }
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| self.usage("no open database"))?;
        conn.execute_batch("COMMIT")
            .map_err(self.sqlite("committing"))?;
        self.in_tx = false;
        self.pending = 0;
        Ok(())
    }

    fn wrote(&mut self, rows: usize) -> Result<()> {
        self.pending += rows;
        if self.pending >= self.options.batch_size.max(1) {
            self.commit()?;
        }
        Ok(())
    }

    fn put_types(&mut self, rows: &[TypeRow]) -> Result<()> {
        self.begin_tx()?;
        let (conn, sync_id) = self.active()?;
        let now = clock::now_text();
        let mut stmt = conn
            .prepare_cached(TYPE_UPSERT)
            .map_err(self.sqlite("preparing"))?;
        for r in rows {
            stmt.execute(params![r.external_id, r.data, sync_id, now])
                .map_err(self.sqlite("writing a resource type"))?;
        }
        drop(stmt);
        self.wrote(rows.len())
    }

    fn put_resources(&mut self, rows: &[ResourceRow]) -> Result<()> {
        self.begin_tx()?;
        let (conn, sync_id) = self.active()?;
        let now = clock::now_text();
        let mut stmt = conn
            .prepare_cached(RESOURCE_UPSERT)
            .map_err(self.sqlite("preparing"))?;
        for r in rows {
            let (pt, pid) = match &r.parent {
                Some((t, id)) => (Some(t.as_str()), Some(id.as_str())),
                None => (None, None),
            };
            stmt.execute(params![
                r.resource_type_id,
                r.external_id,
                pt,
                pid,
                r.data,
                sync_id,
                now
            ])
            .map_err(self.sqlite("writing a resource"))?;
        }
        drop(stmt);
        self.wrote(rows.len())
    }

    fn put_entitlements(&mut self, rows: &[EntitlementRow]) -> Result<()> {
        self.begin_tx()?;
        let (conn, sync_id) = self.active()?;
        let now = clock::now_text();
        let mut stmt = conn
            .prepare_cached(ENTITLEMENT_UPSERT)
            .map_err(self.sqlite("preparing"))?;
        for r in rows {
            stmt.execute(params![
                r.resource_type_id,
                r.resource_id,
                r.external_id,
                r.data,
                sync_id,
                now
            ])
            .map_err(self.sqlite("writing an entitlement"))?;
        }
        drop(stmt);
        self.wrote(rows.len())
    }

    fn put_grants(&mut self, rows: &[GrantRow]) -> Result<()> {
        self.begin_tx()?;
        let (conn, sync_id) = self.active()?;
        let now = clock::now_text();
        let mut stmt = conn
            .prepare_cached(GRANT_UPSERT)
            .map_err(self.sqlite("preparing"))?;
        for r in rows {
            let needs = r.expansion.as_ref().is_some_and(|e| !e.is_empty());
            stmt.execute(params![
                r.resource_type_id,
                r.resource_id,
                r.entitlement_id,
                r.principal_type,
                r.principal_id,
                r.external_id,
                r.expansion,
                needs,
                r.data,
                sync_id,
                now
            ])
            .map_err(self.sqlite("writing a grant"))?;
        }
        drop(stmt);
        self.wrote(rows.len())
    }

    fn put_events(&mut self, rows: &[EventRow]) -> Result<()> {
        self.begin_tx()?;
        let (conn, sync_id) = self.active()?;
        events::put(conn, sync_id, rows).map_err(self.sqlite("writing an event"))?;
        self.wrote(rows.len())
    }

    fn put_session(&mut self, entries: &[(String, Vec<u8>)]) -> Result<()> {
        self.begin_tx()?;
        let (conn, sync_id) = self.active()?;
        let mut stmt = conn
            .prepare_cached(SESSION_UPSERT)
            .map_err(self.sqlite("preparing"))?;
        for (key, value) in entries {
            stmt.execute(params![sync_id, key, value])
                .map_err(self.sqlite("saving the session"))?;
        }
        drop(stmt);
        self.wrote(entries.len())
    }

    /// Builds the grant index expansion reads through, the first time it is asked for.
    fn prepare_read(&mut self, grant_index: bool) -> Result<()> {
        if !grant_index || self.grant_index {
            return Ok(());
        }
        self.commit()?;
        let (conn, _) = self.active()?;
        conn.execute_batch(&bulk_pragmas())
            .and_then(|()| create_missing(conn, &[reads::GRANT_BY_ENTITLEMENT]))
            .and_then(|()| conn.execute_batch(WORKING_PRAGMAS))
            .map_err(self.sqlite("building the grant index for expansion"))?;
        self.grant_index = true;
        Ok(())
    }

    /// Commits everything, then stores the state with a synced commit.
    fn checkpoint(&mut self, state: &str) -> Result<()> {
        self.commit()?;
        let (conn, sync_id) = self.active()?;
        conn.execute_batch("PRAGMA synchronous = FULL")
            .and_then(|()| {
                conn.execute(
                    "UPDATE v1_sync_runs SET sync_token = ?1 WHERE sync_id = ?2",
                    params![state, sync_id],
                )
            })
            .and_then(|_| conn.execute_batch("PRAGMA synchronous = NORMAL"))
            .map_err(self.sqlite("saving the checkpoint"))?;
        Ok(())
    }

    /// Finishes the sync, applies retention and replaces the output file atomically.
    fn end(&mut self) -> Result<()> {
        let started = std::time::Instant::now();
        self.commit()?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "pending writes committed"
        );
        let (conn, sync_id) = self.active()?;
        let deleted = finish_sync(conn, sync_id, self.options.keep_syncs)
            .map_err(self.sqlite("finishing the sync"))?;
        // Before the deferred indexes: counting by type reads the tables, not those indexes.
        sync_stats::cache(conn, sync_id).map_err(self.sqlite("caching the sync's stats"))?;
        conn.execute_batch(&bulk_pragmas())
            .map_err(self.sqlite("configuring"))?;
        create_missing(conn, schema::DEFERRED_INDEXES)
            .map_err(self.sqlite("building the grant indexes"))?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "grant indexes built"
        );
        if deleted {
            conn.execute_batch("VACUUM")
                .map_err(self.sqlite("compacting the database"))?;
        }
        // baton's files are in WAL mode; the switch only rewrites the header (nothing is logged).
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(self.sqlite("switching to baton's journal mode"))?;
        let conn = self
            .conn
            .take()
            .ok_or_else(|| self.usage("no open database"))?;
        conn.close()
            .map_err(|(_, e)| Error::sqlite(&self.partial, "closing", e))?;
        self.ended = true;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "database closed"
        );
        publish(&self.path, &self.partial)?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "output published"
        );
        remove_working_files(&self.partial);
        Ok(())
    }
}
