//! The writer's dedicated thread: it owns the SQLite connection to the working database
//! (`<path>.partial`) and applies the commands the async [`C1zWriter`](crate::C1zWriter) sends.
//!
//! Writes are batched into transactions of `batch_size` rows with cached prepared statements.
//! A failed fire-and-forget write poisons the sync: the next awaited command returns the error.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use connector_sdk::{SyncStart, SyncType};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot};

use crate::container;
use crate::error::{Error, Result};
use crate::schema;
use crate::writer::WriterOptions;
use crate::{clock, ksuid};

/// An unfinished sync older than this is not resumed (baton's `unfinishedSyncMaxAge`).
const RESUME_MAX_AGE_SECS: i64 = 7 * 24 * 3600;

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

/// What the async side asks the thread to do.
pub(crate) enum Command {
    Begin(SyncType, Reply<SyncStart>),
    ResourceTypes(Vec<TypeRow>),
    Resources(Vec<ResourceRow>),
    Entitlements(Vec<EntitlementRow>),
    Grants(Vec<GrantRow>),
    ReadResources {
        resource_type: String,
        reply: Reply<Vec<Vec<u8>>>,
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

/// `<path>.partial`: the working database beside the output file.
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
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

/// Every table that holds rows of a sync, for retention.
const SYNC_TABLES: &[&str] = &[
    "v1_resource_types",
    "v1_resources",
    "v1_entitlements",
    "v1_grants",
    "v1_assets",
    "v1_connector_sessions",
    "v1_sync_runs",
];

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
            Command::ReadResources {
                resource_type,
                reply,
            } => {
                let _ = reply.send(self.awaited(|w| w.read_resources(&resource_type)));
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
        self.prepare_working_db()?;
        let conn = open_working(&self.partial)?;
        ensure_schema(&conn, schema::DEFERRED_INDEXES)
            .map_err(self.sqlite("creating the schema"))?;
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
    /// 7 days ago. A working database another writer holds is an error, never discarded.
    fn try_resume(&mut self, sync_type: SyncType) -> Result<Option<SyncStart>> {
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

    /// Fills `<path>.partial` with the existing output's database, if there is one.
    fn prepare_working_db(&self) -> Result<()> {
        if !self.path.exists() {
            return Ok(());
        }
        let dir = self.partial.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let tmp = tempfile::Builder::new()
            .prefix(".c1z-working-")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, "create a working file in", e))?;
        let mut file = tmp
            .as_file()
            .try_clone()
            .map_err(|e| Error::io(tmp.path(), "open", e))?;
        container::decompress(&self.path, &mut file, container::DEFAULT_MAX_DECODED)?;
        file.sync_all()
            .map_err(|e| Error::io(tmp.path(), "sync", e))?;
        tmp.persist(&self.partial)
            .map_err(|e| Error::io(&self.partial, "create", e.error))?;
        Ok(())
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

    fn read_resources(&mut self, resource_type: &str) -> Result<Vec<Vec<u8>>> {
        let (conn, sync_id) = self.active()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT data FROM v1_resources WHERE sync_id = ?1 AND resource_type_id = ?2 \
                 ORDER BY id",
            )
            .map_err(self.sqlite("preparing"))?;
        let rows = stmt
            .query_map(params![sync_id, resource_type], |row| {
                row.get::<_, Vec<u8>>(0)
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(self.sqlite("reading resources back"))?;
        Ok(rows)
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
        conn.execute_batch(&bulk_pragmas())
            .map_err(self.sqlite("configuring"))?;
        ensure_schema(conn, &[]).map_err(self.sqlite("building the grant indexes"))?;
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
        self.publish()?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "output published"
        );
        remove_working_files(&self.partial);
        Ok(())
    }

    /// Compresses the working database beside the output, syncs it and renames it into place.
    fn publish(&self) -> Result<()> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let file_name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{file_name}.tmp-"))
            .rand_bytes(8)
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, "create a temporary file in", e))?;
        let out = tmp
            .as_file()
            .try_clone()
            .map_err(|e| Error::io(tmp.path(), "open", e))?;
        container::compress(&self.partial, out, tmp.path())?;
        tmp.persist(&self.path)
            .map_err(|e| Error::io(&self.path, "rename into place", e.error))?;
        sync_dir(dir);
        Ok(())
    }
}

fn open_working(partial: &Path) -> Result<Connection> {
    let conn = Connection::open(partial).map_err(|e| Error::sqlite(partial, "opening", e))?;
    conn.busy_timeout(std::time::Duration::from_millis(500))
        .map_err(|e| Error::sqlite(partial, "configuring", e))?;
    // Exclusive locking: a second writer on the same path fails with "database is locked"
    // instead of interleaving with this one.
    conn.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))
        .map_err(|e| Error::sqlite(partial, "locking", e))?;
    // 16 KiB pages: a quarter of the pages, B-tree splits and page writes of 4 KiB ones, and
    // SQLite reads any page size. A new database takes it now; baton's 4 KiB files keep theirs
    // until a retention `VACUUM` rewrites them.
    conn.execute_batch("PRAGMA page_size = 16384")
        .map_err(|e| Error::sqlite(partial, "configuring", e))?;
    // A rollback journal while the sync runs: grant rows fill new pages, which it does not copy,
    // so each page is written once (WAL writes it twice: to the log, then the checkpoint). A
    // kill is as safe: SQLite rolls a hot journal back when the database is next opened.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(|e| Error::sqlite(partial, "choosing the journal mode", e))?;
    tracing::debug!(%mode, "working database opened");
    conn.execute_batch(WORKING_PRAGMAS)
        .map_err(|e| Error::sqlite(partial, "configuring", e))?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// The newest sync in the working database, if it is an unfinished sync of `wanted` started
/// less than seven days ago.
fn find_resumable(conn: &Connection, wanted: SyncType) -> rusqlite::Result<Option<SyncStart>> {
    let newest = conn
        .query_row(
            "SELECT sync_id, started_at, ended_at IS NULL, sync_type, sync_token \
             FROM v1_sync_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    crate::sql::text_of(r.get_ref(1)?),
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((sync_id, started_at, unfinished, sync_type, token)) = newest else {
        return Ok(None);
    };
    let (now, _) = clock::unix_now();
    let fresh = clock::parse_unix_seconds(&started_at)
        .is_some_and(|t| (now as i64).saturating_sub(t) < RESUME_MAX_AGE_SECS);
    if !unfinished || sync_type != wanted.as_baton_str() || !fresh {
        return Ok(None);
    }
    let mut stmt = conn
        .prepare("SELECT key, value FROM v1_connector_sessions WHERE sync_id = ?1 ORDER BY id")?;
    let session = stmt
        .query_map([&sync_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let checkpoint = (!token.is_empty()).then_some(token);
    Ok(Some(SyncStart {
        sync_id,
        checkpoint,
        session,
    }))
}

/// Creates what is missing of baton's schema, adding the columns older files lack first;
/// the indexes named in `deferred` are dropped instead, to be built when the sync ends.
fn ensure_schema(conn: &Connection, deferred: &[&str]) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    let added: &[(&str, &str, &str)] = &[
        ("v1_grants", "expansion", "expansion blob"),
        (
            "v1_grants",
            "needs_expansion",
            "needs_expansion integer not null default 0",
        ),
        (
            "v1_sync_runs",
            "sync_type",
            "sync_type text not null default 'full'",
        ),
        (
            "v1_sync_runs",
            "parent_sync_id",
            "parent_sync_id text not null default ''",
        ),
        (
            "v1_sync_runs",
            "linked_sync_id",
            "linked_sync_id text not null default ''",
        ),
        (
            "v1_sync_runs",
            "supports_diff",
            "supports_diff integer not null default 0",
        ),
        (
            "v1_sync_runs",
            "grants_backfilled",
            "grants_backfilled integer not null default 0",
        ),
    ];
    for (table, column, definition) in added {
        let columns = crate::sql::columns(conn, table)?;
        if !columns.is_empty() && !columns.iter().any(|c| c == column) {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {definition}"))?;
        }
    }
    for (name, sql) in schema::STATEMENTS {
        if deferred.contains(name) {
            tx.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
            continue;
        }
        let exists: bool = tx.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name = ?1",
            [name],
            |r| r.get(0),
        )?;
        if !exists {
            tx.execute_batch(sql)?;
        }
    }
    tx.commit()
}

/// The connection settings while a sync runs.
const WORKING_PRAGMAS: &str = "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; \
     PRAGMA temp_store = MEMORY;";

/// The connection settings for `end_sync`'s bulk work: building the deferred grant indexes and
/// `VACUUM`.
///
/// Building an index is mostly sorting its keys. SQLite's sorter sorts runs on helper threads
/// while it scans the table, but only with temporary files (not in memory) and when the keys
/// overflow its buffer, which is the page cache's size: hence a 4 MiB cache, temporary files,
/// and one helper per other core. That halves the build at a million grants (BENCHMARKS.md).
/// Temporary files also keep `VACUUM`'s copy of the database out of memory.
fn bulk_pragmas() -> String {
    let helpers = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(2, 4) - 1);
    format!("PRAGMA temp_store = FILE; PRAGMA cache_size = -4096; PRAGMA threads = {helpers};")
}

/// Sets `ended_at`, drops the sync's session rows and deletes syncs beyond retention.
/// Returns whether any sync was deleted.
fn finish_sync(conn: &Connection, sync_id: &str, keep: usize) -> rusqlite::Result<bool> {
    conn.execute_batch("PRAGMA synchronous = FULL")?;
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "UPDATE v1_sync_runs SET ended_at = ?1 WHERE sync_id = ?2",
        params![clock::now_text(), sync_id],
    )?;
    tx.execute(
        "DELETE FROM v1_connector_sessions WHERE sync_id = ?1",
        [sync_id],
    )?;
    let runs: Vec<(i64, String, bool)> = {
        let mut stmt = tx.prepare(
            "SELECT id, sync_id, ended_at IS NOT NULL AND sync_type = 'full' \
             FROM v1_sync_runs ORDER BY id DESC",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let kept: Vec<&(i64, String, bool)> = runs
        .iter()
        .filter(|(_, _, finished_full)| *finished_full)
        .take(keep.max(1))
        .collect();
    let oldest_kept = kept.iter().map(|(id, _, _)| *id).min().unwrap_or(i64::MAX);
    let doomed: Vec<&str> = runs
        .iter()
        .filter(|(id, sid, finished_full)| {
            sid != sync_id
                && !kept.iter().any(|(_, k, _)| k == sid)
                && (*finished_full || *id < oldest_kept)
        })
        .map(|(_, sid, _)| sid.as_str())
        .collect();
    for doomed_id in &doomed {
        for table in SYNC_TABLES {
            tx.execute(
                &format!("DELETE FROM {table} WHERE sync_id = ?1"),
                [doomed_id],
            )?;
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA synchronous = NORMAL")?;
    Ok(!doomed.is_empty())
}

fn is_busy(e: &Error) -> bool {
    let Error::Sqlite {
        source: rusqlite::Error::SqliteFailure(f, _),
        ..
    } = e
    else {
        return false;
    };
    matches!(
        f.code,
        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
    )
}

fn remove_working_files(partial: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = partial.as_os_str().to_owned();
        name.push(suffix);
        let _ = fs::remove_file(PathBuf::from(name));
    }
}

/// Syncs a directory so a rename in it survives a power loss (best effort: not every platform
/// can open a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
